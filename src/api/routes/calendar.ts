/** The statutory calendar (DESIGN §11): read by every signed-in user, replaced per year by the admin. */
import { Hono } from 'hono';
import { z } from 'zod';
import { doc } from '../openapi.js';
import { fieldErrors, ValidationError } from '../../engine/errors.js';
import { calendarCoverage, calendarYear, calendarYearInput, replaceCalendarYear, yearParam } from '../../engine/legal-time.js';
import { engineCtx, jsonBody, requestMeta, type AppDeps, type Env } from '../context.js';

export function calendarRoutes(deps: AppDeps) {
  const app = new Hono<Env>();
  // Without `year`: the years covered and those missing (this year and the next).
  app.get('/', doc({ summary: '法定节假日与调休', description: '带 year：该年的节假日和调休上班日；不带：已录入的年份和缺少的年份。', tags: ['法定期间'], query: z.object({ year: z.string().optional() }), ok: { status: 200, description: '{year, complete, days}' }, errors: [400] }), async (c) => {
    const raw = c.req.query('year');
    if (raw === undefined) return c.json(await calendarCoverage(deps.db, deps.now?.() ?? new Date()));
    const year = yearParam.safeParse(raw);
    if (!year.success) throw new ValidationError('invalid.query', fieldErrors(year.error, ['year']));
    return c.json(await calendarYear(deps.db, year.data));
  });
  app.put('/:year', doc({ summary: '录入一年的国务院节假日安排', description: '整年替换，并在同一事务中重算受影响的在办期限（民诉法第 85 条），记入审计日志。', tags: ['法定期间'], params: { year: '年份' }, body: calendarYearInput, ok: { status: 200, description: '{year, complete, days, moved}' }, errors: [400, 403] }), async (c) => {
    const body = await jsonBody(c);
    const change = await replaceCalendarYear(engineCtx(deps, c), c.get('actor'), c.req.param('year'), body, requestMeta(c));
    return c.json({ ...(await calendarYear(deps.db, change.year)), moved: change.moved });
  });
  return app;
}
