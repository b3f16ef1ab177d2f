/**
 * The application: the JSON API (src/api) and the web interface (src/web) over one engine,
 * built the same way for the server (src/main.ts) and for tests (`app.request()`). Both share
 * the request id, the dependencies (src/edge/context.ts) and one error → status map.
 */
import { randomUUID } from 'node:crypto';
import { Hono } from 'hono';
import { ping } from './db/client.js';
import { apiRoutes } from './api/app.js';
import { errorResponse, problem } from './api/problem.js';
import { publicPages } from './web/pages/public.js';
import { clientAddressOf, requestHeader, type AppDeps, type Env } from './edge/context.js';
import { createTokenCache } from './engine/directory.js';
import { Forbidden } from './engine/errors.js';
import { auditDenied } from './edge/audit.js';
import { webRoutes } from './web/routes.js';
import { bodyLimit } from 'hono/body-limit';
import { MAX_UPLOAD_BYTES } from './edge/import-answer.js';
import { uploadTooLarge } from './web/pages/imports.js';

/** How long /healthz waits for the database before answering 503. */
const HEALTH_TIMEOUT_MS = 2000;

export function createApp(deps: AppDeps) {
  const app = new Hono<Env>();

  // One per app: a test's fresh database never sees another's users.
  const tokens = createTokenCache();

  app.use('*', async (c, next) => {
    // The server makes every request id (journals, audit rows, logs); a client's own X-Request-Id
    // is kept beside it (audit rows, the X-Client-Request-Id answer header), never instead of it.
    const requestId = randomUUID();
    const incoming = requestHeader(c, 'x-request-id');
    const clientRequestId = incoming && /^[\w.:-]{1,100}$/.test(incoming) ? incoming : null;
    c.set('requestId', requestId);
    c.set('clientRequestId', clientRequestId);
    c.set('clientAddress', clientAddressOf(c, deps.trustProxy));
    c.header('X-Request-Id', requestId);
    if (clientRequestId) c.header('X-Client-Request-Id', clientRequestId);
    await next();
  });

  app.get('/healthz', async (c) => {
    // A probe must answer, fast, whatever the database does: a ping slower than this is "down".
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error('ping timed out')), HEALTH_TIMEOUT_MS)));
    try {
      await Promise.race([ping(deps.db), timeout]);
      return c.json({ status: 'ok', database: 'reachable' });
    } catch {
      c.header('Retry-After', '1');
      return problem(c, 503, 'unavailable', '服务暂不可用', '数据库暂时无法访问');
    } finally {
      clearTimeout(timer);
    }
  });

  app.route('/api', apiRoutes(deps, tokens));
  // The upload page's file: refused before the web session reads the form (DESIGN.md §14).
  app.post('/imports', bodyLimit({ maxSize: MAX_UPLOAD_BYTES + 64 * 1024, onError: uploadTooLarge }));
  app.route('/', publicPages(deps)); // /s/:code and /status for citizens: no session, before the staff's pages
  app.route('/', webRoutes(deps, tokens)); // the web interface: every path but /api/* and /healthz

  app.notFound((c) => problem(c, 404, 'not_found', '未找到', `没有 ${c.req.method} ${c.req.path} 这个接口`));
  app.onError(async (err, c) => {
    // A refusal for lack of rights is itself worth a row (access.denied), written on its own:
    // the refused act wrote nothing.
    if (err instanceof Forbidden) await auditDenied(deps, c, err.message);
    return errorResponse(c, err, deps.log);
  });
  return app;
}

export type App = ReturnType<typeof createApp>;
