/**
 * A fresh, migrated database per test file: a new database on the PostgreSQL server, or a new
 * in-memory PGlite. No mocks: the engine runs against the real thing.
 */
import { randomBytes } from 'node:crypto';
import { PGlite } from '@electric-sql/pglite';
import postgres from 'postgres';
import { openDatabase, type Database } from '../../src/db/client.js';

export const DB_KIND = (process.env.JIEFEN_TEST_DB ?? 'pglite') as 'postgres' | 'pglite';
export const SERVER_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

export interface TestDatabase extends Database {
  /** postgres only: the URL of this file's own database (for child processes). */
  url?: string;
  destroy(): Promise<void>;
}

export function databaseUrl(base: string, name: string): string {
  const u = new URL(base);
  u.pathname = `/${name}`;
  return u.toString();
}

export async function freshDatabase(opts: { max?: number } = {}): Promise<TestDatabase> {
  if (DB_KIND === 'pglite') {
    const pg = await PGlite.create();
    const database = await openDatabase({ pglite: pg });
    return { ...database, destroy: async () => pg.close() };
  }
  const name = `jiefen_t_${process.pid}_${randomBytes(4).toString('hex')}`;
  const admin = postgres(SERVER_URL, { max: 1, onnotice: () => {} });
  await admin.unsafe(`create database ${name}`);
  await admin.end();
  const url = databaseUrl(SERVER_URL, name);
  const database = await openDatabase({ databaseUrl: url, max: opts.max ?? 20 });
  return {
    ...database,
    url,
    destroy: async () => {
      await database.close();
      const a = postgres(SERVER_URL, { max: 1, onnotice: () => {} });
      await a.unsafe(`drop database if exists ${name} with (force)`);
      await a.end();
    },
  };
}
