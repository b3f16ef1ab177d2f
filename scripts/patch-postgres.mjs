/**
 * postinstall: patches postgres.js (3.4.x) so that PostgreSQL dying mid-transaction cannot crash
 * the server process. Plain node, no dependencies; idempotent; run by `npm ci` / `npm install`.
 *
 * The defect (upstream porsager/postgres#1154, #1208; fixes proposed in #1168, #1209, not
 * released as of 3.4.9): when the server closes a connection, `closed()` sets `socket = null`
 * and clears a pending write without forgetting it. Then
 * 1. a transaction whose query just failed sends ROLLBACK on that same (reserved) connection:
 *    the write is scheduled with setImmediate and calls `socket.write` on null — an uncaught
 *    TypeError that kills the process (found by `npm run chaos`: `pg_ctlcluster stop -m
 *    immediate` under load killed the API server every time);
 * 2. a write pending at the moment of the close stays buffered with a stale timer, so when that
 *    connection object reconnects its StartupMessage is appended to the stale bytes and never
 *    sent: the connection times out forever after;
 * 3. after a socket error (ECONNRESET) the failed query stays "current", so the ROLLBACK that
 *    follows is queued behind it and never failed; on the next connect it becomes a phantom
 *    query the connection waits on forever — with the last ErrorResponse, also kept, failing
 *    the first query of the new socket. Each such loss wedges one pool slot: after a few, every
 *    request hangs (found by test/engine/connection-loss.pg.test.ts: pg_terminate_backend
 *    under a transaction, repeated).
 *
 * The patch: `execute()` on a connection with no socket rejects the query with
 * CONNECTION_CLOSED (the caller already got the close); `nextWrite()` with no socket drops the
 * write; `closed()` fails whatever was in flight and forgets it, the pending write and the last
 * ErrorResponse; `terminate()` forgets the pending write. Each edit is applied once (idempotent).
 * Remove this script once a postgres.js release carries the fix.
 */
import { readFileSync, writeFileSync, existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

const MARK = 'jiefen-patch';
const require = createRequire(import.meta.url);

let root;
try {
  // its "exports" hide package.json: resolve the entry point (cjs/src/index.js) and go up
  root = dirname(dirname(dirname(require.resolve('postgres'))));
  if (!existsSync(join(root, 'package.json'))) throw new Error('no package.json');
} catch {
  console.log('patch-postgres: postgres is not installed; nothing to patch');
  process.exit(0);
}
const { version } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));

const edits = [
  {
    what: 'execute() refuses when the socket is gone',
    from: `  function execute(q) {
    if (terminated)
      return queryError(q, Errors.connection('CONNECTION_DESTROYED', options))
`,
    to: `  function execute(q) {
    if (terminated)
      return queryError(q, Errors.connection('CONNECTION_DESTROYED', options))

    // ${MARK} (porsager/postgres#1154, #1208): ROLLBACK or COMMIT of a transaction whose
    // connection just closed must not be written to a null socket (an uncaught TypeError).
    if (!socket) {
      queryError(q, Errors.connection('CONNECTION_CLOSED', options))
      return true
    }
`,
  },
  {
    what: 'nextWrite() drops a write when the socket is gone',
    from: `  function nextWrite(fn) {
    const x = socket.write(chunk, fn)
`,
    to: `  function nextWrite(fn) {
    if (!socket) { // ${MARK}: the close already failed the queries this write was for
      chunk = nextWriteTimer = null
      return false
    }
    const x = socket.write(chunk, fn)
`,
  },
  {
    what: 'closed() forgets a pending write',
    from: `    incomings = null
    clearImmediate(nextWriteTimer)
`,
    to: `    incomings = null
    clearImmediate(nextWriteTimer)
    chunk = nextWriteTimer = null // ${MARK}: else a reconnect never sends its StartupMessage
`,
  },
  {
    what: 'closed() fails and forgets what was in flight, and the last ErrorResponse',
    from: `    socket.removeAllListeners()
    socket = null
`,
    to: `    socket.removeAllListeners()
    socket = null
    // ${MARK}: fail what was in flight on the dead socket (a ROLLBACK queued after the error too)
    // and forget it with the last ErrorResponse: none of it may leak into the next socket's life
    if (query || sent.length) error(Errors.connection('CONNECTION_CLOSED', options))
    query = errorResponse = results = null
`,
  },
  {
    what: 'terminate() forgets a pending write',
    from: `    clearImmediate(nextWriteTimer)
    if (socket) {
`,
    to: `    clearImmediate(nextWriteTimer)
    chunk = nextWriteTimer = null // ${MARK}
    if (socket) {
`,
  },
];


for (const rel of ['src/connection.js', 'cjs/src/connection.js']) {
  const file = join(root, rel);
  if (!existsSync(file)) continue;
  let source = readFileSync(file, 'utf8');
  const todo = edits.filter((e) => !source.includes(e.to));
  if (todo.length === 0) {
    console.log(`patch-postgres: ${rel} already patched (postgres ${version})`);
    continue;
  }
  const missing = todo.filter((e) => source.split(e.from).length !== 2);
  if (missing.length) {
    // A release that changed these lines (perhaps fixing them): say so loudly, do not guess.
    console.warn(`patch-postgres: postgres ${version} ${rel} does not match the expected source (${missing.map((e) => e.what).join('; ')}); NOT patched — check whether this release fixes porsager/postgres#1208`);
    continue;
  }
  for (const e of todo) source = source.replace(e.from, e.to);
  writeFileSync(file, source);
  console.log(`patch-postgres: patched ${rel} (postgres ${version}): ${todo.map((e) => e.what).join('; ')}`);
}
// Never fail an install over this; the chaos run (`npm run chaos`) is what proves the behaviour.
process.exit(0);
