/**
 * The JSON API under /api (DESIGN.md §6): bearer auth, thin routes, problem+json. Composed with
 * the web in src/app.ts; it knows nothing of the web. Handlers are thin: validate, take the
 * actor from the token, call the engine, render.
 */
import { Hono } from 'hono';
import { can } from '../machines/policy.js';
import { authenticate, createTokenCache, type TokenCache } from '../engine/directory.js';
import { Forbidden } from '../engine/errors.js';
import { stores } from '../engine/registry.js';
import { sweepOnce } from '../engine/sweeper.js';
import { idempotencyOf, onceAnswer, refuseUnstorableUrl, requestHeader, type AppDeps, type Env } from './context.js';
import { activityRoutes } from './routes/activities.js';
import { calendarRoutes } from './routes/calendar.js';
import { todoRoutes } from './routes/todo.js';
import { caseRoutes } from './routes/cases.js';
import { directoryRoutes } from './routes/directory.js';
import { importRoutes } from './routes/imports.js';
import { doc, openApiRoutes } from './openapi.js';
import { accountRoutes } from './routes/accounts.js';
import { machineRoutes } from './routes/machines.js';
import { notificationRoutes } from './routes/notifications.js';
import { reportRoutes } from './routes/reports.js';
import { publicApiRoutes, submissionRoutes } from './routes/submissions.js';
import { supervisionRoutes } from './routes/supervisions.js';

/** Every /api route, to be mounted at `/api`. */
export function apiRoutes(deps: AppDeps, tokens: TokenCache = createTokenCache()) {
  const api = new Hono<Env>();

  // The API's description is public: before the token check.
  api.route('/', openApiRoutes(api));
  api.use('*', refuseUnstorableUrl);
  // 扫码联: the citizen's door asks for no token (registered before the token check).
  api.route('/public', publicApiRoutes(deps));
  api.use('*', async (c, next) => {
    await next();
    // API answers are for one signed-in user and most carry personal data (parties, deputies'
    // phones, users, the logs): no cache keeps them (DESIGN.md §10).
    if (!c.res.headers.has('cache-control')) c.res.headers.set('Cache-Control', 'no-store');
  });
  api.use('*', async (c, next) => {
    const header = requestHeader(c, 'authorization') ?? '';
    const m = /^Bearer\s+(\S+)\s*$/i.exec(header);
    c.set('actor', await authenticate(deps.db, m?.[1], tokens));
    await next();
  });

  api.route('/', directoryRoutes(deps));
  api.route('/', accountRoutes(deps, tokens));
  api.route('/stations', activityRoutes(deps));
  api.route('/', notificationRoutes(deps)); // before the cases: it serves /api/cases/:id/parties/:index
  api.route('/', machineRoutes(deps)); // before the cases: it serves /api/cases/:id/diagram
  api.route('/cases', caseRoutes(deps));
  api.route('/supervisions', supervisionRoutes(deps));
  api.route('/reports', reportRoutes(deps));
  api.route('/imports', importRoutes(deps));
  api.route('/submissions', submissionRoutes(deps));
  api.route('/calendar', calendarRoutes(deps));
  api.route('/me/todo', todoRoutes(deps));

  api.post('/admin/sweep', doc({ summary: '立即执行一次期限扫描', tags: ['管理'], ok: { status: 200, description: '触发的期限' }, errors: [403, 422] }), async (c) => {
    const actor = c.get('actor');
    if (!can(actor, 'sweep.run')) throw new Forbidden('forbidden.sweep');
    // The request takes no body: what identifies it under its key is its path alone.
    return onceAnswer(c, await sweepOnce({ db: deps.db, now: deps.now, requestId: c.get('requestId') }, stores, actor, idempotencyOf(c, {})));
  });
  return api;
}
