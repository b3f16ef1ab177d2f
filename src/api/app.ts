/**
 * The Hono app, built the same way for the server and for tests (`app.request()`).
 * Handlers are thin: validate, take the actor from the token, call the engine, render.
 */
import { randomUUID } from 'node:crypto';
import { Hono } from 'hono';
import { ping } from '../db/client.js';
import { authenticate, createTokenCache } from '../engine/directory.js';
import { Forbidden } from '../engine/errors.js';
import { stores } from '../engine/registry.js';
import { sweep } from '../engine/sweeper.js';
import { errorResponse, problem } from './problem.js';
import { refuseUnstorableUrl, type AppDeps, type Env } from './context.js';
import { activityRoutes } from './routes/activities.js';
import { calendarRoutes } from './routes/calendar.js';
import { todoRoutes } from './routes/todo.js';
import { caseRoutes } from './routes/cases.js';
import { directoryRoutes } from './routes/directory.js';
import { machineRoutes } from './routes/machines.js';
import { reportRoutes } from './routes/reports.js';
import { supervisionRoutes } from './routes/supervisions.js';
import { webRoutes } from '../web/routes.js';

/** How long /healthz waits for the database before answering 503. */
const HEALTH_TIMEOUT_MS = 2000;

export function createApp(deps: AppDeps) {
  const app = new Hono<Env>();
  // One per app: a test's fresh database never sees another's users.
  const tokens = createTokenCache();

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

  app.use('/api/*', refuseUnstorableUrl);
  app.use('/api/*', async (c, next) => {
    const header = c.req.header('authorization') ?? '';
    const m = /^Bearer\s+(\S+)\s*$/i.exec(header);
    c.set('actor', await authenticate(deps.db, m?.[1], tokens));
    await next();
  });

  app.route('/api', directoryRoutes(deps));
  app.route('/api/stations', activityRoutes(deps));
  app.route('/api', machineRoutes(deps)); // before the cases: it serves /api/cases/:id/diagram
  app.route('/api/cases', caseRoutes(deps));
  app.route('/api/supervisions', supervisionRoutes(deps));
  app.route('/api/reports', reportRoutes(deps));
  app.route('/api/calendar', calendarRoutes(deps));
  app.route('/api/me/todo', todoRoutes(deps));

  app.post('/api/admin/sweep', async (c) => {
    if (c.get('actor').role !== 'admin') throw new Forbidden('只有系统管理员可以手动执行期限扫描');
    return c.json(await sweep({ db: deps.db, now: deps.now, requestId: c.get('requestId') }, stores));
  });

  app.route('/', webRoutes(deps)); // the web interface (src/web): every path but /api/* and /healthz

  app.notFound((c) => problem(c, 404, 'not_found', '未找到', `没有 ${c.req.method} ${c.req.path} 这个接口`));
  app.onError((err, c) => errorResponse(c, err, deps.log));
  return app;
}

export type App = ReturnType<typeof createApp>;
