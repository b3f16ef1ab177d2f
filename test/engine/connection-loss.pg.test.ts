/**
 * The database connection dying mid-transaction (PostgreSQL restarted, a backend killed) is a
 * 503 for that request and nothing worse: the process survives and the pool reconnects.
 *
 * postgres.js 3.4.9 sent the transaction's ROLLBACK on the dead connection and crashed the
 * process from a setImmediate (porsager/postgres#1208); patches/postgres+3.4.9.patch (patch-package, postinstall)
 * fixes it. Here a backend is terminated under a transaction, many times over: an uncaught
 * exception fails the run.
 */
import { sql } from 'drizzle-orm';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rowsOf } from '../../src/db/client.js';
import { isConnectionError } from '../../src/engine/errors.js';
import { freshDatabase, type TestDatabase } from '../helpers/db.js';

let database: TestDatabase;
let admin: postgres.Sql;
beforeAll(async () => {
  database = await freshDatabase({ max: 4 });
  admin = postgres(database.url!, { max: 1, onnotice: () => {} });
});
afterAll(async () => {
  await admin?.end();
  await database?.destroy();
});

describe('a connection lost mid-transaction', () => {
  it('fails that transaction with a connection error, and the pool carries on', async () => {
    const uncaught: unknown[] = [];
    const onUncaught = (err: unknown) => uncaught.push(err);
    process.on('uncaughtException', onUncaught);
    try {
      for (let i = 0; i < 20; i++) {
        const err = await database.db
          .transaction(async (tx) => {
            const [{ pid }] = rowsOf<{ pid: number }>(await tx.execute(sql`select pg_backend_pid() as pid`));
            await admin`select pg_terminate_backend(${pid})`;
            await tx.execute(sql`select 1`);
          })
          .then(
            () => null,
            (e) => e,
          );
        expect(err, 'the transaction must fail').not.toBeNull();
        expect(isConnectionError(err), String(err)).toBe(true);
        // the same pool serves the next query (one sent before the close is seen may fail the same way)
        let n: number | null = null;
        for (let attempt = 0; attempt < 5 && n === null; attempt++) {
          try {
            n = rowsOf<{ n: number }>(await database.db.execute(sql`select 1 as n`))[0].n;
          } catch (e) {
            expect(isConnectionError(e), String(e)).toBe(true);
          }
        }
        expect(n).toBe(1);
      }
      // a crash from a scheduled write would surface on a later turn of the event loop
      await new Promise((r) => setTimeout(r, 200));
    } finally {
      process.off('uncaughtException', onUncaught);
    }
    expect(uncaught).toEqual([]);
  });
});
