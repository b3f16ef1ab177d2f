/**
 * The server's process and its database, when the database goes away at the wrong moment.
 *
 * A rejection or exception no code handled is a defect: one line in Chinese and English, and
 * exit 1 — never Node's default stack dump. (The one such rejection seen so far came from the
 * driver: postgres.js dropped the promise of its array-type query, the first statement of every
 * new connection, so a connection lost during it — PostgreSQL stopped as a server came up, in
 * `npm run chaos` — ended the process on `read ECONNRESET`; patches/postgres+3.4.9.patch now
 * catches it there, porsager/postgres#1192.) A database not reachable at start is waited for.
 */
import { isConnectionError, loggableError } from './engine/errors.js';

type Log = (msg: string, extra?: unknown) => void;

/** Installs the process-wide handlers: anything no code handled ends the process with a line saying so, status 1. */
export function guardProcess(log: { error: Log }): void {
  process.on('unhandledRejection', (reason) => fatal(log, 'unhandled rejection', reason));
  process.on('uncaughtException', (err) => fatal(log, 'uncaught exception', err));
}

function fatal(log: { error: Log }, what: string, err: unknown): never {
  // Printed whatever LOG_LEVEL says (a process that ends says why), then as a log line with the frames.
  console.error(`jiefen 意外错误，进程退出 / jiefen stopped on an unexpected error (${what}): ${err instanceof Error ? err.message.slice(0, 500) : String(err)}`);
  log.error('jiefen stopped on an unexpected error', loggableError(err));
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
