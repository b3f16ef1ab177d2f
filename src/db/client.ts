/**
 * One schema, two drivers: postgres.js against a server when DATABASE_URL is set, embedded PGlite
 * (real Postgres compiled to WASM) otherwise. Both run the committed migrations at start.
 */
import { mkdirSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { PGlite, types, type Transaction as PgliteTransaction } from '@electric-sql/pglite';
import { sql } from 'drizzle-orm';
import type { PgDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core';
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite';
import { migrate as migratePglite } from 'drizzle-orm/pglite/migrator';
import { drizzle as drizzlePostgres } from 'drizzle-orm/postgres-js';
import { migrate as migratePostgres } from 'drizzle-orm/postgres-js/migrator';
import postgres from 'postgres';
import * as schema from './schema.js';

export type Schema = typeof schema;
/** A database or a transaction: everything that queries takes one of these as its first argument. */
export type Db = PgDatabase<PgQueryResultHKT, Schema>;

export interface Database {
  db: Db;
  kind: 'postgres' | 'pglite';
  close(): Promise<void>;
}

/**
 * The driver under a database, for the statements the write path compiles once
 * (src/db/statements.ts): SQL text with positional parameters, each text prepared once per
 * connection, rows as arrays of column values — the same values drizzle's own queries see (the
 * drizzle instance configured the driver's type parsers; PGlite is given drizzle's parsers here).
 */
export abstract class Driver {
  /** Rows as arrays of the driver's values, in the order the statement selects or returns them. */
  abstract query(text: string, params: unknown[]): Promise<unknown[][]>;
  /** `fn` in one transaction, on one connection: committed when it resolves, rolled back when it throws. */
  abstract transaction<T>(fn: (tx: Driver) => Promise<T>): Promise<T>;
}

class PostgresDriver extends Driver {
  constructor(private readonly client: postgres.Sql | postgres.TransactionSql) {
    super();
  }
  async query(text: string, params: unknown[]): Promise<unknown[][]> {
    return (await this.client.unsafe(text, params as postgres.ParameterOrJSON<never>[], { prepare: true }).values()) as unknown[][];
  }
  async transaction<T>(fn: (tx: Driver) => Promise<T>): Promise<T> {
    const client = this.client;
    const run = (tx: postgres.TransactionSql) => fn(new PostgresDriver(tx));
    return (('begin' in client ? client.begin(run) : client.savepoint(run)) as unknown) as Promise<T>;
  }
}

/** drizzle's PGlite session reads timestamps, dates, intervals and their arrays as text: so do these statements. */
const PGLITE_PARSERS = Object.fromEntries(
  [types.TIMESTAMP, types.TIMESTAMPTZ, types.INTERVAL, types.DATE, 1231, 1115, 1185, 1187, 1182].map((t) => [t, (v: string) => v]),
);

class PgliteDriver extends Driver {
  constructor(private readonly client: PGlite | PgliteTransaction) {
    super();
  }
  async query(text: string, params: unknown[]): Promise<unknown[][]> {
    return (await this.client.query<unknown[]>(text, params, { rowMode: 'array', parsers: PGLITE_PARSERS })).rows;
  }
  async transaction<T>(fn: (tx: Driver) => Promise<T>): Promise<T> {
    if (!(this.client instanceof PGlite)) throw new Error('PGlite has no nested transactions');
    return this.client.transaction((tx) => fn(new PgliteDriver(tx)));
  }
}

const drivers = new WeakMap<object, Driver>();

/** The driver under a database `openDatabase` opened (a Driver is its own). */
export function driverOf(db: Db | Driver): Driver {
  if (db instanceof Driver) return db;
  const driver = drivers.get(db);
  if (!driver) throw new Error('driverOf: a database opened by openDatabase, or a Driver (a drizzle transaction has none)');
  return driver;
}

export const MIGRATIONS_FOLDER = fileURLToPath(new URL('../../drizzle', import.meta.url));

export interface OpenOptions {
  databaseUrl?: string;
  pgliteDir?: string;
  /** An already-open PGlite (tests use an in-memory one). */
  pglite?: PGlite;
  /** postgres.js pool size; default `defaultPoolSize()`. */
  max?: number;
  migrate?: boolean;
  /**
   * The server's pool (issue 16: "the first call after a restart included"): open every
   * connection before returning, run `warm` on each, and keep them open while the process runs.
   * The first requests after a start then find their connections, and PostgreSQL its backends,
   * ready, instead of each paying a connect and a new backend's first statements — and so do the
   * first requests after a pause: see KEEP_OPEN.
   */
  connect?: boolean;
  /**
   * Run on each connection of a `connect` pool before openDatabase returns, with a database that
   * sends everything over that one connection (postgres.js prepares statements per connection):
   * the server plans its hot reads there once (src/engine/warm.ts) before it listens. Reads only:
   * a transaction begun there would wait for another connection, and all are reserved.
   */
  warm?: (db: Db) => Promise<unknown>;
}

/**
 * A `connect` pool's connections stay open: no idle timeout (postgres.js: none by default; it was
 * 30 s here) and no maximum lifetime (postgres.js: 30–60 min by default). Each new connection is a
 * new PostgreSQL backend, whose first statements load the catalog entries of every table, index
 * and function they touch and plan afresh; at a court the server sits idle every night and every
 * lunch break, so with a 30 s idle timeout the first clerk after each pause paid a connect and a
 * cold backend on every connection, and with a lifetime every connection was replaced cold once an
 * hour. What they hold is bounded: a small pool (defaultPoolSize), a fixed set of statement texts.
 * A connection that breaks is reopened by postgres.js on the next query, as before
 * (test/engine/connection-loss.pg.test.ts). Other pools (scripts, tests) keep closing idle ones.
 */
const KEEP_OPEN = { idle_timeout: 0, max_lifetime: 0 };

/**
 * Connections to PostgreSQL: twice this machine's cores (at least 4, at most 20), PostgreSQL's own
 * rule of thumb for a server on the same machine. Fewer connections than concurrent requests is
 * the point: postgres.js pipelines the statements of many requests on each connection, so one
 * socket write and one wake-up of a backend carry several of them. On this 2-core machine, 4
 * connections took 1,000–1,240 events/s at 32 HTTP connections where 10 took 630–760, with less
 * PostgreSQL CPU per event (0.6–0.7 ms against 1.0–1.2): `npm run bench`, issue 4's note.
 * `DATABASE_POOL_SIZE` overrides it (a database on a bigger machine of its own).
 */
export function defaultPoolSize(): number {
  return Math.min(20, Math.max(4, 2 * availableParallelism()));
}

export async function openDatabase(opts: OpenOptions): Promise<Database> {
  if (opts.databaseUrl) {
    const client = postgres(opts.databaseUrl, {
      max: opts.max ?? defaultPoolSize(),
      // Never let a request hang on a dead server: fail fast, answer 503, recover on the next call.
      connect_timeout: 5,
      // postgres.js waits before each reconnect, growing to 20 s after failed connects: a request
      // queued on a connection in that wait would hang long after the server is back, or while it
      // is down, instead of failing fast. A short, capped wait (seconds) keeps both quick. With a
      // small pool, requests queue several deep on each connection and each waits out its own
      // attempt: a 0.1 s cap made a 503 take 0.7-0.8 s while the database was down, 0.02 s makes
      // it 6 ms (p50), 96 ms (p99) (`npm run chaos`). Refused connects cost nothing to repeat.
      backoff: (retries: number) => Math.min(0.005 * retries, 0.02),
      idle_timeout: 30,
      ...(opts.connect ? KEEP_OPEN : {}),
      onnotice: () => {},
    });
    const db = drizzlePostgres(preparing(client), { schema }) as unknown as Db;
    drivers.set(db, new PostgresDriver(client));
    try {
      if (opts.migrate !== false) await migrateServer(opts.databaseUrl);
      if (opts.connect) {
        const n = opts.max ?? defaultPoolSize();
        // postgres.js opens a connection for a query that finds none idle, up to `max`.
        await Promise.all(Array.from({ length: n }, () => client`select 1`));
        const warm = opts.warm;
        if (warm) {
          // Each connection reserved, so that everything `warm` runs goes over that one. A reserved
          // connection reads rows with the pool's parsers, which drizzle finds on `options`.
          const reserved = await Promise.all(Array.from({ length: n }, () => client.reserve()));
          try {
            await Promise.all(reserved.map((r) => warm(drizzlePostgres(preparing(Object.assign(r, { options: client.options })), { schema }) as unknown as Db)));
          } finally {
            for (const r of reserved) r.release();
          }
        }
      }
    } catch (err) {
      // A failed open leaves no connection behind (the server tries again: src/guard.ts).
      await client.end({ timeout: 0 }).catch(() => {});
      throw err;
    }
    return { db, kind: 'postgres', close: () => client.end({ timeout: 5 }) };
  }
  let client = opts.pglite;
  let unlock = () => {};
  if (!client) {
    const dir = opts.pgliteDir ?? './data';
    mkdirSync(dir, { recursive: true });
    unlock = lockPgliteDir(dir);
    try {
      client = await PGlite.create(dir);
    } catch (err) {
      unlock();
      throw err;
    }
  }
  const pglite = client;
  const owned = !opts.pglite;
  const close = async () => {
    if (!owned) return;
    try {
      await pglite.close();
    } finally {
      unlock();
    }
  };
  try {
    const db = drizzlePglite(pglite, { schema }) as unknown as Db;
    drivers.set(db, new PgliteDriver(pglite));
    if (opts.migrate !== false) await migratePglite(drizzlePglite(pglite), { migrationsFolder: MIGRATIONS_FOLDER });
    if (opts.connect && opts.warm) await opts.warm(db);
    return { db, kind: 'pglite', close };
  } catch (err) {
    await close().catch(() => {});
    throw err;
  }
}

/** The file in a PGlite directory that names the process that has it open. */
export const PGLITE_LOCK_FILE = 'jiefen.pid';

/** A PGlite directory another live process has open: this one stops before opening it. */
export class PgliteDirInUseError extends Error {
  constructor(
    readonly dir: string,
    readonly pid: number,
  ) {
    super(
      `数据目录 ${dir} 正由进程 ${pid} 使用（嵌入式 PGlite 的目录同时只能由一个进程打开，否则双方写入的数据会互相覆盖而丢失）：` +
        `请先停止该进程（例如 npm start 启动的服务），或用 DATABASE_URL 连接 PostgreSQL 服务器；若进程 ${pid} 已不是 jiefen，删除 ${join(dir, PGLITE_LOCK_FILE)} 后重试 / ` +
        `the PGlite directory ${dir} is in use by process ${pid}`,
    );
    this.name = 'PgliteDirInUseError';
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Whether the process a lock names may still hold the directory: alive, not this process, and —
 * where /proc says what it runs — a node process. After a crash and a restart of
 * the machine or container the old pid is often some other program's (a shell, `npm start`
 * itself): that is a stale lock, not a reason to refuse to start.
 */
function mayHoldDir(pid: number): boolean {
  if (pid === process.pid || !isAlive(pid)) return false;
  let argv0: string;
  try {
    argv0 = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0')[0];
  } catch {
    return true; // no /proc here: alive is all that can be told
  }
  return /^node(js)?[\d.]*$/.test(basename(argv0));
}

/**
 * Two processes on one PGlite directory each keep their own copy of the database in memory and
 * write it back, so what one of them wrote is lost (a server and `npm run import` on ./data). The
 * directory is taken with a file naming this process, created exclusively; a file naming a process
 * that cannot hold it (`mayHoldDir`: gone, this one, not node) is taken over. Returns the release.
 */
function lockPgliteDir(dir: string): () => void {
  const file = join(dir, PGLITE_LOCK_FILE);
  for (let attempt = 0; ; attempt++) {
    try {
      writeFileSync(file, `${process.pid}\n`, { flag: 'wx' });
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST' || attempt >= 3) throw err;
      let pid = NaN;
      try {
        pid = Number.parseInt(readFileSync(file, 'utf8').trim(), 10);
      } catch {
        continue; // removed meanwhile: try again
      }
      if (Number.isInteger(pid) && pid > 0 && mayHoldDir(pid)) throw new PgliteDirInUseError(dir, pid);
      try {
        unlinkSync(file);
      } catch {
        // another process took it over first: the next try finds its file
      }
    }
  }
  const release = () => {
    try {
      if (readFileSync(file, 'utf8').trim() === String(process.pid)) unlinkSync(file);
    } catch {
      // already gone
    }
  };
  // A process that ends without closing (process.exit after an error) leaves no lock behind.
  const onExit = () => release();
  process.once('exit', onExit);
  return () => {
    process.removeListener('exit', onExit);
    release();
  };
}

/**
 * drizzle sends every query through postgres.js as an unnamed statement (`prepare: false`), which
 * postgres.js runs as Parse/Describe, a wait for the parameter types, then Bind/Execute: two round
 * trips and a parse and plan on the server for every query. With `prepare: true` — postgres.js's
 * own default — each SQL text is prepared once per connection, then costs one round trip. drizzle
 * always binds values as parameters, so the texts are few and the per-connection cache stays
 * small (postgres.js clears it on reconnect and re-prepares a statement the server lost).
 */
function preparing<T extends postgres.Sql | postgres.TransactionSql>(client: T): T {
  return new Proxy(client, {
    get(target, key, receiver) {
      if (key === 'unsafe') {
        return (query: string, args?: unknown, options?: object) =>
          Array.isArray(args) || args === undefined
            ? target.unsafe(query, args as postgres.ParameterOrJSON<never>[], { ...options, prepare: true })
            : target.unsafe(query, [], { ...(args as object), prepare: true });
      }
      if (key === 'begin') {
        // The transaction's own client is a new one: it prepares too.
        return (...a: unknown[]) => {
          const fn = a.pop() as (tx: postgres.TransactionSql) => unknown;
          return (target as postgres.Sql).begin(...(a as [string]), (tx) => fn(preparing(tx)));
        };
      }
      return Reflect.get(target, key, receiver);
    },
  });
}

/** Several API processes may start at once: one advisory lock lets one of them migrate. */
async function migrateServer(url: string): Promise<void> {
  const client = postgres(url, { max: 1, connect_timeout: 10, onnotice: () => {} });
  try {
    await client`select pg_advisory_lock(727274)`;
    await migratePostgres(drizzlePostgres(client), { migrationsFolder: MIGRATIONS_FOLDER });
    await client`select pg_advisory_unlock(727274)`;
  } finally {
    await client.end({ timeout: 5 });
  }
}

/** PostgreSQL's text of a timestamptz in a UTC session (ours): `2026-12-05 21:42:50.832028+00`, years 1000–9999. */
const PG_UTC = /^([1-9]\d{3}-\d\d-\d\d) (\d\d:\d\d:\d\d)(?:\.(\d{1,6}))?\+00$/;

/**
 * A timestamp as a driver returns it (the schema's `mode: 'string'`, or a raw row's value) as an
 * ISO instant. PostgreSQL's UTC text is rewritten as it stands (its fraction cut to milliseconds,
 * as `Date` does): 0.12 µs against 0.9 for `Date`'s parse of that format, which the dispatcher
 * pays four times a notice. Anything else is `Date`'s.
 */
export function isoOf(value: unknown): string {
  if (typeof value === 'string') {
    const shown = pgUtcIso(value);
    if (shown !== null) return shown;
    // A time the write path set itself (toISOString()) before it reached the database.
    if (ISO_UTC.test(value)) return value;
  }
  return new Date(value as string).toISOString();
}

/** PostgreSQL's UTC text rewritten as an ISO instant (isoOf), or null when `value` is not in that form. */
function pgUtcIso(value: string): string | null {
  const m = PG_UTC.exec(value);
  return m ? `${m[1]}T${m[2]}.${m[3] === undefined ? '000' : m[3].padEnd(3, '0').slice(0, 3)}Z` : null;
}

/**
 * toISOString()'s form on a day every month has (01–28; Date rolls 02-30 over to 03-02), hours
 * 00–23: such a string is its own `new Date(s).toISOString()`, 0.8 µs saved.
 */
const ISO_UTC = /^\d{4}-(?:0[1-9]|1[0-2])-(?:0[1-9]|1\d|2[0-8])T(?:[01]\d|2[0-3]):[0-5]\d:[0-5]\d\.\d{3}Z$/;

/**
 * Whether two timestamps name the same millisecond, as `Date.parse(a) === Date.parse(b)` says. An
 * instant in toISOString()'s form against PostgreSQL's UTC text (a column written against its
 * stored value, every event) is compared as text: both are then the one form of their millisecond.
 */
export function sameInstant(a: string, b: string): boolean {
  const stored = pgUtcIso(b);
  if (stored !== null && ISO_UTC.test(stored) && ISO_UTC.test(a)) return stored === a;
  return Date.parse(a) === Date.parse(b);
}

/** Rows of a raw `db.execute()`, which the two drivers shape differently. */

export function rowsOf<T>(result: unknown): T[] {
  if (Array.isArray(result)) return result as T[];
  return ((result as { rows?: T[] }).rows ?? []) as T[];
}

export async function ping(db: Db): Promise<void> {
  await db.execute(sql`select 1`);
}
