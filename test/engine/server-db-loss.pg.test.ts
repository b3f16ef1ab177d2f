/**
 * The server (`src/main.ts`, a child process) and a database that goes away at the wrong moment:
 * a connection lost while postgres.js fetches its array types — which once ended a server in
 * `npm run chaos` on an unhandled `read ECONNRESET` (porsager/postgres#1192, fixed by
 * patches/postgres+3.4.9.patch) — is a 503 for that request, and the server carries on; a database
 * not reachable at start is waited for (src/guard.ts); one that cannot be opened stops the start
 * with a line that says why, status 1, and no stack dump.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freshDatabase, type TestDatabase } from '../helpers/db.js';
import { pgProxy, type PgProxy } from '../helpers/pg-proxy.js';
import { startServer, type RunningServer } from '../helpers/server.js';

let database: TestDatabase;
let proxy: PgProxy;
const servers: RunningServer[] = [];
beforeAll(async () => {
  database = await freshDatabase({ max: 2 });
  proxy = await pgProxy(database.url!);
});
afterAll(async () => {
  for (const s of servers) if (s.child.exitCode === null) await s.stop('SIGKILL');
  await proxy?.close();
  await database?.destroy();
});

const ENV = { ADMIN_TOKEN: 'server-db-loss-admin-token', DATABASE_POOL_SIZE: '2', NOTIFY_INTERVAL_MS: '0', SWEEP_INTERVAL_MS: '0', LOG_LEVEL: 'warn' };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function healthz(url: string): Promise<number> {
  try {
    return (await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(5000) })).status;
  } catch {
    return 0;
  }
}

/** Node's own report of an error nothing handled. */
const NODE_CRASH = /triggerUncaughtException|Unhandled|node:internal\/process/;

describe('the server and a database lost at the wrong moment', () => {
  it('survives a connection lost while postgres.js fetches its types, and answers again', async () => {
    proxy.refuse(false);
    const server = await startServer({ ...ENV, DATABASE_URL: proxy.url });
    servers.push(server);
    expect(await healthz(server.url)).toBe(200);
    // Every connection of the pool ends; the next query opens a new one, whose type fetch is reset.
    proxy.resetTypeFetches(1);
    proxy.dropAll();
    const statuses: number[] = [];
    for (let i = 0; i < 20 && statuses.at(-1) !== 200; i++) {
      statuses.push(await healthz(server.url));
      await sleep(100);
    }
    expect(proxy.typeFetchResets()).toBe(1);
    // A crash from the dropped promise comes on a later turn of the event loop.
    await sleep(300);
    expect(server.child.exitCode, server.output()).toBeNull();
    expect(statuses.at(-1), `${statuses}\n${server.output()}`).toBe(200);
    expect(server.output()).not.toMatch(NODE_CRASH);
    expect(await server.stop()).toBe(0);
  });

  it('waits for a database that resets every connection at start, and serves once it answers', async () => {
    proxy.refuse(true);
    const starting = startServer({ ...ENV, DATABASE_URL: proxy.url });
    starting.catch(() => {}); // awaited below: a server that died is reported there
    // The database is not there: let the server be turned away twice (it tried again), however
    // long its own start takes.
    const before = proxy.refusals();
    for (let i = 0; i < 300 && proxy.refusals() < before + 2; i++) await sleep(100);
    proxy.refuse(false);
    const server = await starting;
    servers.push(server);
    expect(server.output()).toContain('database unreachable, retrying');
    expect(server.output()).not.toMatch(NODE_CRASH);
    expect(await healthz(server.url)).toBe(200);
    expect(await server.stop()).toBe(0);
  });

  it('stops with a line that says why, and status 1, when the database cannot be opened', async () => {
    const missing = new URL(database.url!);
    missing.pathname = `/${missing.pathname.slice(1)}_missing`;
    const err = await startServer({ ...ENV, DATABASE_URL: missing.toString() }).then(
      () => null,
      (e: Error) => e,
    );
    expect(err?.message).toMatch(/server exited with 1/);
    expect(err?.message).toContain('jiefen 未能启动 / jiefen did not start — 数据库无法打开 / database could not be opened');
    expect(err?.message).not.toMatch(NODE_CRASH);
  });
});
