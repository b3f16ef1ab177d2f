/**
 * The server's pool (openDatabase `connect`, src/main.ts): every connection is opened and given
 * to `warm` on its own before openDatabase returns — each a different PostgreSQL backend — and
 * the pool's queries afterwards run on those same, warmed backends.
 */
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, rowsOf, type Database } from '../../src/db/client.js';
import { freshDatabase, type TestDatabase } from '../helpers/db.js';

let database: TestDatabase;
let pool: Database | undefined;
beforeAll(async () => {
  database = await freshDatabase({ max: 1 });
});
afterAll(async () => {
  await pool?.close();
  await database?.destroy();
});

const pidOf = async (db: Database['db']) => rowsOf<{ pid: number }>(await db.execute(sql`select pg_backend_pid() as pid`))[0].pid;

describe('a connect pool with warm', () => {
  it('warms each connection once, on its own backend, and keeps using them', async () => {
    const warmed: number[] = [];
    pool = await openDatabase({
      databaseUrl: database.url!,
      max: 3,
      migrate: false,
      connect: true,
      warm: async (db) => {
        // Twice on the same reserved connection: the same backend.
        const pid = await pidOf(db);
        expect(await pidOf(db)).toBe(pid);
        warmed.push(pid);
      },
    });
    expect(warmed).toHaveLength(3);
    expect(new Set(warmed).size).toBe(3);
    const later = await Promise.all(Array.from({ length: 12 }, () => pidOf(pool!.db)));
    for (const pid of later) expect(warmed).toContain(pid);
  });
});
