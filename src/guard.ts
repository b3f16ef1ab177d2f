/**
 * The server's process and its database, when the database goes away at the wrong moment.
 *
 * postgres.js 3.4.9 fetches the array types (`fetch_types`, on by default) as the first statement
 * of every new connection, and drops that promise (porsager/postgres#1192, #1205, #1223; #279 in
 * 2022). A connection lost during the fetch — PostgreSQL stopped just as a connection opens, which
 * `npm run chaos` once hit with a server that had just come up — rejects it where no code waits,
 * and Node ends the process on the unhandled rejection (`read ECONNRESET`, no frame of ours). The
 * query that opened the connection got the same error and answered 503; the pool opens a new
 * connection, and fetches the types again, on the next query. That one rejection is therefore
 * logged and the server carries on. Any other rejection or exception nothing handles is a defect:
 * one line in Chinese and English, and exit 1 — never Node's default stack dump.
 */
import { isConnectionError, loggableError } from './engine/errors.js';

type Log = (msg: string, extra?: unknown) => void;

/** postgres.js's own array-type query, as its connection (src/connection.js `fetchArrayTypes`) sends it. */
const TYPE_FETCH = /from pg_catalog\.pg_type a\s+left join pg_catalog\.pg_type b on b\.oid = a\.typelem/;

/** Whether `reason` is the rejection of postgres.js's dropped array-type fetch (its error names that query). */
export function isDriverTypeFetch(reason: unknown): boolean {
  const query = (reason as { query?: unknown } | null)?.query;
  return typeof query === 'string' && TYPE_FETCH.test(query);
}

/**
 * Installs the process-wide handlers: the driver's lost type fetch is a warning, anything else
 * that no code handled ends the process with a line saying so, status 1.
 */
export function guardProcess(log: { warn: Log; error: Log }): void {
  process.on('unhandledRejection', (reason) => {
    if (isDriverTypeFetch(reason)) {
      log.warn('数据库连接在取类型时断开，连接池将重连 / a database connection was lost while postgres.js fetched its types; the pool reconnects', loggableError(reason));
      return;
    }
    fatal(log, 'unhandled rejection', reason);
  });
  process.on('uncaughtException', (err) => fatal(log, 'uncaught exception', err));
}

function fatal(log: { error: Log }, what: string, err: unknown): never {
  log.error(`jiefen 意外错误，进程退出 / jiefen stopped on an unexpected error (${what})`, { ...loggableError(err), ...(err instanceof Error ? { message: err.message.slice(0, 500) } : {}) });
  process.exit(1);
}

/** How long a starting server waits for its database (a database and its server started together). */
export const START_WAIT_MS = 60_000;
const RETRY_MS = 1000;

/**
 * `open()` until it succeeds; while it fails on a connection error (the database not up yet, or
 * going down as the server comes up), again every second for `waitMs`, with a line each time.
 * Any other error, or a database still unreachable after `waitMs`, throws (the caller exits).
 *
 * @example
 * const database = await openWhenReachable(() => openDatabase({ … }), log.warn)
 */
export async function openWhenReachable<T>(open: () => Promise<T>, warn: Log, waitMs = START_WAIT_MS): Promise<T> {
  const until = Date.now() + waitMs;
  for (let attempt = 1; ; attempt++) {
    try {
      return await open();
    } catch (err) {
      if (!isConnectionError(err) || Date.now() + RETRY_MS > until) throw err;
      warn(`数据库暂不可用，${RETRY_MS / 1000} 秒后重试 / database unreachable, retrying in ${RETRY_MS / 1000} s`, { attempt, code: codeOf(err) });
      await new Promise((r) => setTimeout(r, RETRY_MS));
    }
  }
}

/** The driver's error code of `err` (or of its cause), for a log line. */
function codeOf(err: unknown): string | null {
  for (let e: unknown = err, depth = 0; e && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string') return code;
  }
  return null;
}
