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
import type { AppDeps, Env } from './edge/context.js';
import { webRoutes } from './web/routes.js';

/** How long /healthz waits for the database before answering 503. */
const HEALTH_TIMEOUT_MS = 2000;

export function createApp(deps: AppDeps) {
  const app = new Hono<Env>();

  app.use('*', async (c, next) => {
    const incoming = c.req.header('x-request-id');
    const requestId = incoming && /^[\w.:-]{1,100}$/.test(incoming) ? incoming : randomUUID();
    c.set('requestId', requestId);
    c.header('X-Request-Id', requestId);
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

  app.route('/api', apiRoutes(deps));
  app.route('/', webRoutes(deps)); // the web interface: every path but /api/* and /healthz

  app.notFound((c) => problem(c, 404, 'not_found', '未找到', `没有 ${c.req.method} ${c.req.path} 这个接口`));
  app.onError((err, c) => errorResponse(c, err, deps.log));
  return app;
}

export type App = ReturnType<typeof createApp>;
