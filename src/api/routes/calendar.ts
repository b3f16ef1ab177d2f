/** The statutory calendar (DESIGN §11): read by every signed-in user, replaced per year by the admin. */
import { Hono } from 'hono';
import { fieldErrors, ValidationError } from '../../engine/errors.js';
import { calendarCoverage, calendarYear, replaceCalendarYear, yearParam } from '../../engine/legal-time.js';
import { engineCtx, jsonBody, type AppDeps, type Env } from '../context.js';

export function calendarRoutes(deps: AppDeps) {
  const app = new Hono<Env>();
  // Without `year`: the years covered and those missing (this year and the next).
  app.get('/', async (c) => {
    const raw = c.req.query('year');
    if (raw === undefined) return c.json(await calendarCoverage(deps.db, deps.now?.() ?? new Date()));
    const year = yearParam.safeParse(raw);
    if (!year.success) throw new ValidationError('invalid.query', fieldErrors(year.error, ['year']));
    return c.json(await calendarYear(deps.db, year.data));
  });
  app.put('/:year', async (c) => {
    const body = await jsonBody(c);
    const change = await replaceCalendarYear(engineCtx(deps, c), c.get('actor'), c.req.param('year'), body);
    return c.json({ ...(await calendarYear(deps.db, change.year)), moved: change.moved });
  });
  return app;
}
