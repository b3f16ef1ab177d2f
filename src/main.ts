/**
 * `npm start`: migrate, make sure there is an admin, serve the API, run the deadline sweeper.
 */
import { serve } from '@hono/node-server';
import { createApp } from './app.js';
import { answerClientError } from './api/client-error.js';
import { openDatabase } from './db/client.js';
import { ensureAdmin } from './engine/directory.js';
import { stores } from './engine/registry.js';
import { startDispatcher } from './engine/notify/dispatcher.js';
import { startSweeper } from './engine/sweeper.js';
import { warmReads } from './engine/warm.js';
import { startIdempotencyPurge } from './engine/erasure.js';
import { readEnv } from './env.js';
import { isConnectionError, loggableError } from './engine/errors.js';
import { createLogger } from './log.js';
import { guardProcess, openWhenReachable, START_WAIT_MS } from './guard.js';

let env: ReturnType<typeof readEnv>;
try {
  env = readEnv();
} catch (err) {
  // A bad setting (ADMIN_TOKEN shorter than 16 characters, …) stops the start with the reason.
  console.error(`jiefen 未能启动 / jiefen did not start — ${(err as Error).message}`);
  process.exit(1);
}
const log = createLogger(env.LOG_LEVEL);
guardProcess(log);

// The database may come up after this server, or go down as it starts: wait for it a while, then
// stop with the reason — never on an unhandled rejection (src/guard.ts).
let database: Awaited<ReturnType<typeof openDatabase>>;
let firstAdmin: Awaited<ReturnType<typeof ensureAdmin>>;
try {
  database = await openWhenReachable(async () => {
    // Every connection opened, its hot reads planned once (src/engine/warm.ts) and kept open, before it listens.
    const opened = await openDatabase({ databaseUrl: env.DATABASE_URL, pgliteDir: env.PGLITE_DIR, max: env.DATABASE_POOL_SIZE, connect: true, warm: warmReads });
    try {
      firstAdmin = await ensureAdmin(opened.db, env.ADMIN_TOKEN);
      return opened;
    } catch (err) {
      await opened.close().catch(() => {});
      throw err;
    }
  }, log.warn);
} catch (err) {
  const reason = isConnectionError(err) ? `数据库 ${START_WAIT_MS / 1000} 秒内不可用 / database unreachable for ${START_WAIT_MS / 1000} s` : '数据库无法打开 / database could not be opened';
  console.error(`jiefen 未能启动 / jiefen did not start — ${reason}: ${(err as Error).message}`);
  log.error('jiefen did not start', loggableError(err));
  process.exit(1);
}
const app = createApp({ db: database.db, log: log.error, publicUrl: env.PUBLIC_URL, trustProxy: env.TRUST_PROXY, warningDays: env.DEADLINE_WARNING_DAYS });
const stopSweeper = startSweeper({ db: database.db }, stores, env.SWEEP_INTERVAL_MS, log.info);
const stopPurge = startIdempotencyPurge(database.db, env.IDEMPOTENCY_TTL_HOURS, log.warn);
const stopDispatcher = startDispatcher(
  database.db,
  { retryBaseMs: env.WEBHOOK_RETRY_BASE_MS, warningDays: env.DEADLINE_WARNING_DAYS, smsGatewayUrl: env.SMS_GATEWAY_URL, smsGatewaySecret: env.SMS_GATEWAY_SECRET, reminders: {} },
  env.NOTIFY_INTERVAL_MS,
  log.info,
);

const server = serve({ fetch: app.fetch, port: env.PORT }, (info) => {
  const where = database.kind === 'pglite' ? `embedded PGlite in ${env.PGLITE_DIR}` : 'PostgreSQL (DATABASE_URL)';
  console.log(`jiefen 解纷 listening on http://localhost:${info.port}  (database: ${where})`);
  if (firstAdmin?.token) {
    console.log('');
    console.log('First start on a fresh database: the admin token is shown this once — keep it:');
    console.log(`  ADMIN TOKEN: ${firstAdmin.token}`);
    console.log(`  try: curl -H "Authorization: Bearer ${firstAdmin.token}" http://localhost:${info.port}/api/stations`);
  }
  if (firstAdmin?.signIn) {
    console.log('');
    console.log(`Web sign-in (shown this once; a new password is asked for at first sign-in): http://localhost:${info.port}/`);
    console.log(`  ADMIN LOGIN: ${firstAdmin.signIn.login}`);
    console.log(`  ADMIN PASSWORD: ${firstAdmin.signIn.password}`);
  }
  if (firstAdmin) console.log('');
});
// A request Node's parser refuses (an unencoded Chinese character in the address) gets a reason, not a bare 400.
server.on('clientError', answerClientError);

// The port taken (another server still running, often the one started before): say so, not "an
// unexpected error" with Node's EADDRINUSE (src/guard.ts), and give the database back.
server.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code !== 'EADDRINUSE' && err.code !== 'EACCES') throw err;
  const why = err.code === 'EADDRINUSE' ? `端口 ${env.PORT} 已被占用 / port ${env.PORT} is in use` : `无权使用端口 ${env.PORT} / no permission for port ${env.PORT}`;
  console.error(`jiefen 未能启动 / jiefen did not start — ${why}：请先停止占用该端口的进程（例如之前启动的 npm start），或用 PORT 换一个端口`);
  void database.close().finally(() => process.exit(1));
});

let stopping = false;
async function shutdown(signal: string) {
  if (stopping) return;
  stopping = true;
  log.info('shutting down', { signal });
  server.close();
  stopPurge();
  await stopSweeper();
  await stopDispatcher();
  await database.close();
  process.exit(0);
}
process.on('SIGINT', () => void shutdown('SIGINT'));
process.on('SIGTERM', () => void shutdown('SIGTERM'));
