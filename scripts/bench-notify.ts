/**
 * `npm run bench:notify`: the notification dispatcher's throughput against real PostgreSQL.
 *
 * Recreates its own database (DATABASE_URL, default …/jiefen_bench_notify_d), writes `--cases`
 * cases through the engine (CREATE and ACCEPT: two outbox rows each), registers `--hooks` webhook
 * endpoints on a local receiver (127.0.0.1) that answers 500 to a share `--fail` of requests, then
 * runs `--dispatchers` dispatchers at once (each with its own connection pool, as separate API
 * processes would) until every delivery is delivered. Prints notices/s (outbox rows delivered to
 * every endpoint), deliveries/s and attempts/s, and
 * checks at-least-once and no-duplicate: every (message, endpoint) was answered 2xx exactly once,
 * and every repeat carried the same webhook-id as the try it repeated.
 *
 * `--sender inline` sends on the dispatching thread instead of a worker thread (the API's way).
 *
 *   npm run bench:notify [-- --cases 1000 --hooks 2 --fail 0.2 --dispatchers 2 --retry-base 20 --sender thread]
 */
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { sql } from 'drizzle-orm';
import postgres from 'postgres';
import { Webhook } from 'standardwebhooks';
import { openDatabase, rowsOf } from '../src/db/client.js';
import { stations } from '../src/db/schema.js';
import { applyEvent, createEntity } from '../src/engine/apply.js';
import { dispatch } from '../src/engine/notify/dispatcher.js';
import { inlineSender, threadSender } from '../src/engine/notify/send.js';
import { createWebhook } from '../src/engine/notify/webhooks.js';
import { caseStore } from '../src/engine/stores.js';
import type { Actor } from '../src/machines/roles.js';

const { values: args } = parseArgs({
  options: {
    cases: { type: 'string', default: '1000' },
    hooks: { type: 'string', default: '2' },
    fail: { type: 'string', default: '0.2' },
    dispatchers: { type: 'string', default: '2' },
    'retry-base': { type: 'string', default: '20' },
    sender: { type: 'string', default: 'thread' },
  },
});
const N_CASES = Number(args.cases);
const N_HOOKS = Number(args.hooks);
const FAIL = Number(args.fail);
const N_DISPATCHERS = Number(args.dispatchers);
const RETRY_BASE = Number(args['retry-base']);
// `thread`: each dispatcher sends from a worker thread, as the API's does; `inline`: on this thread.
const SENDER = args.sender === 'inline' ? inlineSender : threadSender;
const DATABASE_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/jiefen_bench_notify_d';
const dbName = new URL(DATABASE_URL).pathname.slice(1);
const adminUrl = Object.assign(new URL(DATABASE_URL), { pathname: '/postgres' }).toString();

const admin = postgres(adminUrl, { max: 1, onnotice: () => {} });
await admin.unsafe(`drop database if exists "${dbName}" with (force)`);
await admin.unsafe(`create database "${dbName}"`);
await admin.end();

const main = await openDatabase({ databaseUrl: DATABASE_URL, max: 4 });
const db = main.db;
const court: Actor = { id: randomUUID(), role: 'court', name: '压测' };
const root: Actor = { id: randomUUID(), role: 'admin', name: '压测' };
await db.insert(stations).values({ code: 'BN01', name: '压测联络站', kind: 'court', district: '压测区' });

// ---------------------------------------------------------------------------------------------
// The receiver: fails a share of requests; records every request's id, path and answer.

const got: { id: string; path: string; ok: boolean }[] = [];
let badSignatures = 0;
const secrets = new Map<string, Webhook>();
const server = createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    const body = Buffer.concat(chunks).toString('utf8');
    try {
      secrets.get(req.url ?? '')!.verify(body, req.headers as Record<string, string>);
    } catch {
      badSignatures++;
    }
    const ok = Math.random() >= FAIL;
    got.push({ id: String(req.headers['webhook-id']), path: req.url ?? '', ok });
    res.statusCode = ok ? 204 : 500;
    res.end();
  });
});
await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

for (let i = 0; i < N_HOOKS; i++) {
  const path = `/hook/${i}`;
  const made = await createWebhook(db, root, { url: `${base}${path}`, events: ['*'] });
  secrets.set(path, new Webhook(made.secret));
}

// ---------------------------------------------------------------------------------------------
// Messages: cases written through the engine.

let t0 = performance.now();
const render = () => ({ body: null });
for (let i = 0; i < N_CASES; i += 8) {
  await Promise.all(
    Array.from({ length: Math.min(8, N_CASES - i) }, async () => {
      const c = await createEntity({ db }, caseStore, court, {
        track: 'pre_filing', source: 'walk_in', stationCode: 'BN01', disputeType: '民间借贷', summary: '压测',
        parties: [{ role: 'applicant', name: '压测' }],
      }, { render: (w) => ({ body: { id: w.row.id } }) });
      await applyEvent({ db }, caseStore, court, (c.body as { id: string }).id, { type: 'ACCEPT' }, { render });
    }),
  );
}
const count = async (q: ReturnType<typeof sql>) => Number(rowsOf<{ n: number }>(await db.execute(q))[0].n);
const messages = await count(sql`select count(*)::int as n from outbox`);
console.log(`setup: ${N_CASES} cases, ${messages} outbox rows, ${N_HOOKS} endpoints, in ${((performance.now() - t0) / 1000).toFixed(1)} s`);

// ---------------------------------------------------------------------------------------------
// Dispatch until every delivery is delivered.

const pools = [main, ...(await Promise.all(Array.from({ length: N_DISPATCHERS - 1 }, () => openDatabase({ databaseUrl: DATABASE_URL, max: 4, migrate: false }))))];
const load0 = loadavg()[0];
t0 = performance.now();
const cpu0 = process.cpuUsage();
let rounds = 0;
for (;;) {
  rounds++;
  await Promise.all(pools.map((p) => dispatch(p.db, { retryBaseMs: RETRY_BASE, sender: SENDER })));
  const open = await count(sql`select count(*)::int as n from deliveries where status <> 'delivered'`);
  const total = await count(sql`select count(*)::int as n from deliveries`);
  if (open === 0 && total === messages * N_HOOKS) break;
  if (rounds > 100_000) throw new Error('did not finish');
  await new Promise((r) => setTimeout(r, 5));
}
const seconds = (performance.now() - t0) / 1000;
const cpu = process.cpuUsage(cpu0);

const expected = messages * N_HOOKS;
const okPer = new Map<string, number>();
for (const g of got) if (g.ok) okPer.set(`${g.id} ${g.path}`, (okPer.get(`${g.id} ${g.path}`) ?? 0) + 1);
const twice = [...okPer.values()].filter((n) => n > 1).length;
const outboxIds = new Set(rowsOf<{ id: string }>(await db.execute(sql`select id from outbox`)).map((r) => r.id));
const strangers = got.filter((g) => !outboxIds.has(g.id)).length;

console.log('');
console.log(`dispatchers ${N_DISPATCHERS} (sending ${args.sender === 'inline' ? 'inline' : 'from a worker thread'}), receiver fails ${(FAIL * 100).toFixed(0)} %, retry base ${RETRY_BASE} ms, load ${load0.toFixed(1)} → ${loadavg()[0].toFixed(1)}`);
console.log(`notices ${messages} to ${N_HOOKS} endpoints each, all delivered in ${seconds.toFixed(2)} s: ${(messages / seconds).toFixed(0)} notices/s`);
console.log(`deliveries ${expected}: ${(expected / seconds).toFixed(0)} delivered/s, ${(got.length / seconds).toFixed(0)} attempts/s (${got.length} attempts, ${got.filter((g) => !g.ok).length} failed and retried)`);
console.log(`bench process cpu (dispatchers + receiver): ${((cpu.user + cpu.system) / 1000 / expected).toFixed(2)} ms per delivery`);
console.log(`every message delivered to every endpoint: ${okPer.size === expected ? 'yes' : `NO (${okPer.size} of ${expected})`}`);
console.log(`answered 2xx more than once: ${twice}; requests with an id not in the outbox: ${strangers}; bad signatures: ${badSignatures}`);

server.close();
await Promise.all(pools.map((p) => p.close()));
const a2 = postgres(adminUrl, { max: 1, onnotice: () => {} });
await a2.unsafe(`drop database if exists "${dbName}" with (force)`);
await a2.end();
if (okPer.size !== expected || twice || strangers || badSignatures) process.exit(1);
