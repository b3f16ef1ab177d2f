/** The committee's enforcement report (DESIGN.md §8), as JSON or CSV: thin — the engine decides who and what. */
import { Hono } from 'hono';
import { enforcementReport, parseReportQuery } from '../../engine/reports.js';
import { reportTable } from '../exports.js';
import { tableResponse } from '../tabular.js';
import type { AppDeps, Env } from '../context.js';

export function reportRoutes(deps: AppDeps) {
  const app = new Hono<Env>();
  app.get('/enforcement', async (c) => {
    const q = parseReportQuery(c.req.query());
    const report = await enforcementReport(deps.db, c.get('actor'), q, { now: deps.now?.() });
    if (q.format === 'json') return c.json(report);
    return tableResponse(reportTable(report), q.format, { asciiName: 'enforcement-report', now: deps.now?.() });
  });
  return app;
}
