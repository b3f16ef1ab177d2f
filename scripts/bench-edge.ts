/**
 * The request's way in, one piece at a time, in process: what each piece of the edge costs per
 * event of the bench's sessions mix (its headers, its body), without a socket or a database.
 * Run with the machine to itself before and after a change; figures in µs per call,
 * best of fifteen rounds.
 *
 *   npx tsx scripts/bench-edge.ts [filter]
 */
import { EventEmitter } from 'node:events';
import type { Context } from 'hono';
import { idempotencyOf, jsonBody } from '../src/api/context.js';
import { requestHeader } from '../src/edge/context.js';
import { canonical, requestHash } from '../src/engine/write/idempotency.js';
import { hashToken } from '../src/engine/directory.js';
import { caseStore } from '../src/engine/stores.js';

const filter = process.argv[2];
const caseId = '0e4c8e5a-1111-4222-8333-444455556666';
const deputyId = '7b1d2c3e-aaaa-4bbb-8ccc-ddddeeeeffff';
const token = `jf_${'Ab1'.repeat(14)}x`;
const record = { type: 'RECORD_SESSION', heldAt: '2026-12-06T04:00:00.000Z', attendeeDeputyIds: [deputyId], minutes: '双方当事人到场，代表释法说理，双方就还款期限初步达成一致意见。' };
const schedule = { type: 'SCHEDULE_SESSION', at: '2026-12-09T05:00:00.000Z', location: '联络站调解室' };
const text = JSON.stringify(record);

/** The raw header list autocannon sends for one event of the bench. */
const rawHeaders = [
  'host', '127.0.0.1:40000',
  'authorization', `Bearer ${token}`,
  'content-type', 'application/json',
  'x-request-id', 'bench-s32-12345',
  'idempotency-key', '3f0c2a1e-5b6d-4e7f-8a9b-0c1d2e3f4a5b',
  'content-length', String(Buffer.byteLength(text)),
];

/** A Context as @hono/node-server gives one, as far as the edge reads it. */
function context(): Context {
  const incoming = Object.assign(new EventEmitter(), { rawHeaders, socket: { remoteAddress: '127.0.0.1' } });
  return { env: { incoming }, req: { method: 'POST', path: `/api/cases/${caseId}/events`, url: `http://127.0.0.1:40000/api/cases/${caseId}/events` } } as unknown as Context;
}

async function time(name: string, n: number, f: () => unknown) {
  if (filter && !name.includes(filter)) return;
  let best = Infinity;
  for (let round = 0; round < 15; round++) {
    const start = process.hrtime.bigint();
    for (let i = 0; i < n; i++) {
      const r = f();
      if (r instanceof Promise) await r;
    }
    best = Math.min(best, Number(process.hrtime.bigint() - start) / n / 1000);
  }
  console.log(`${name.padEnd(44)} ${best.toFixed(3).padStart(8)} µs`);
}

const c = context();
let sink = 0;
await time('requestHeader × 5 (the event path’s look-ups)', 200_000, () => {
  sink += requestHeader(c, 'x-request-id')!.length;
  sink += requestHeader(c, 'authorization')!.length;
  sink += requestHeader(c, 'content-length')!.length;
  sink += requestHeader(c, 'idempotency-key')!.length;
  sink += requestHeader(c, 'if-match') === undefined ? 1 : 0;
});
await time('JSON.parse alone (for jsonBody)', 100_000, () => JSON.parse(Buffer.from(text).toString('utf8')));
await time('jsonBody (read, parse, checkStorable)', 100_000, () => {
  const ctx = context();
  const body = jsonBody(ctx);
  const incoming = (ctx.env as { incoming: EventEmitter }).incoming;
  incoming.emit('data', Buffer.from(text));
  incoming.emit('end');
  return body;
});
await time('canonical (RECORD_SESSION)', 200_000, () => canonical(record));
await time('requestHash (RECORD_SESSION)', 200_000, () => requestHash(`POST /api/cases/${caseId}/events`, record));
await time('idempotencyOf (RECORD_SESSION)', 200_000, () => idempotencyOf(c, record));
await time('hashToken', 200_000, () => hashToken(token));
const now = new Date('2026-12-06T05:00:00.000Z');
await time('event schema safeParse (RECORD_SESSION)', 100_000, () => caseStore.spec.eventSchemas.RECORD_SESSION.safeParse({ ...record, occurredAt: now.toISOString() }));
await time('event schema safeParse (SCHEDULE_SESSION)', 100_000, () => caseStore.spec.eventSchemas.SCHEDULE_SESSION.safeParse({ ...schedule, occurredAt: now.toISOString() }));
if (sink < 0) console.log(sink);
