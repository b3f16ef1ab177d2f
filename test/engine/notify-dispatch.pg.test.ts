/**
 * Two dispatchers on PostgreSQL (two connection pools, as two API processes have) deliver each
 * message once: FOR UPDATE SKIP LOCKED and the claim's lease keep them off each other's rows.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { openDatabase, rowsOf, type Database } from '../../src/db/client.js';
import { dispatch } from '../../src/engine/notify/dispatcher.js';
import { threadSender } from '../../src/engine/notify/send.js';
import { createWorld, type World } from '../helpers/world.js';

let w: World;
let second: Database;
let server: Server;
let url: string;
const ids: string[] = [];

beforeAll(async () => {
  w = await createWorld();
  second = await openDatabase({ databaseUrl: w.database.url!, migrate: false, max: 4 });
  server = createServer((req, res) => {
    ids.push(String(req.headers['webhook-id']));
    req.resume();
    req.on('end', () => {
      // A little latency, so both dispatchers are busy at once.
      setTimeout(() => {
        res.statusCode = 200;
        res.end();
      }, 5);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
});
afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
  await second.close();
  await w.close();
});

it('delivers every message exactly once with two dispatchers running at the same time', async () => {
  expect((await w.call(w.tokens.admin, 'POST', '/api/webhooks', { url, events: ['*'] })).status).toBe(201);
  for (let i = 0; i < 20; i++) {
    const c = await w.openCase();
    await w.send(c.id, w.tokens.court, { type: 'ACCEPT' }, { type: 'ASSIGN', deputyIds: [w.deputies.a] });
  }
  const messages = Number(rowsOf<{ n: number }>(await w.database.db.execute(sql`select count(*)::int as n from outbox`))[0].n);
  expect(messages).toBe(60);
  const opts = { retryBaseMs: 1000, batch: 7 };
  // The second sends from its worker thread, as the API's dispatcher does.
  const threaded = { ...opts, sender: threadSender };
  const passes = await Promise.all([
    dispatch(w.database.db, opts),
    dispatch(second.db, threaded),
    dispatch(w.database.db, opts),
    dispatch(second.db, threaded),
  ]);
  // Whatever a pass left (it stops when a round delivers nothing), one more finishes.
  await dispatch(second.db, opts);
  expect(passes.reduce((n, p) => n + p.fannedOut, 0)).toBe(60);
  expect(ids).toHaveLength(60);
  expect(new Set(ids).size).toBe(60);
  const rows = rowsOf<{ status: string; attempts: number }>(await w.database.db.execute(sql`select status, attempts from deliveries`));
  expect(rows.every((r) => r.status === 'delivered' && r.attempts === 1)).toBe(true);
});
