/**
 * The JSON API under /api (DESIGN.md §6): bearer auth, thin routes, problem+json. Composed with
 * the web in src/app.ts; it knows nothing of the web. Handlers are thin: validate, take the
 * actor from the token, call the engine, render.
 */
import { Hono } from 'hono';
import { can } from '../machines/policy.js';
import { authenticate, createTokenCache } from '../engine/directory.js';
import { Forbidden } from '../engine/errors.js';
import { stores } from '../engine/registry.js';
import { sweep } from '../engine/sweeper.js';
import { refuseUnstorableUrl, type AppDeps, type Env } from './context.js';
import { activityRoutes } from './routes/activities.js';
import { calendarRoutes } from './routes/calendar.js';
import { todoRoutes } from './routes/todo.js';
import { caseRoutes } from './routes/cases.js';
import { directoryRoutes } from './routes/directory.js';
import { machineRoutes } from './routes/machines.js';
import { notificationRoutes } from './routes/notifications.js';
import { reportRoutes } from './routes/reports.js';
import { supervisionRoutes } from './routes/supervisions.js';

/** Every /api route, to be mounted at `/api`. */
export function apiRoutes(deps: AppDeps) {
  const api = new Hono<Env>();
  // One per app: a test's fresh database never sees another's users.
  const tokens = createTokenCache();

  api.use('*', refuseUnstorableUrl);
  api.use('*', async (c, next) => {
    const header = c.req.header('authorization') ?? '';
    const m = /^Bearer\s+(\S+)\s*$/i.exec(header);
    c.set('actor', await authenticate(deps.db, m?.[1], tokens));
    await next();
  });

  api.route('/', directoryRoutes(deps));
  api.route('/stations', activityRoutes(deps));
  api.route('/', notificationRoutes(deps)); // before the cases: it serves /api/cases/:id/parties/:index
  api.route('/', machineRoutes(deps)); // before the cases: it serves /api/cases/:id/diagram
  api.route('/cases', caseRoutes(deps));
  api.route('/supervisions', supervisionRoutes(deps));
  api.route('/reports', reportRoutes(deps));
  api.route('/calendar', calendarRoutes(deps));
  api.route('/me/todo', todoRoutes(deps));

  api.post('/admin/sweep', async (c) => {
    if (!can(c.get('actor'), 'sweep.run')) throw new Forbidden('forbidden.sweep');
    return c.json(await sweep({ db: deps.db, now: deps.now, requestId: c.get('requestId') }, stores));
  });
  return api;
}
