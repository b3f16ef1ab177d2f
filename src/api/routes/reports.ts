/**
 * The committee's enforcement report (DESIGN.md §8), as JSON or CSV: thin — the engine decides who
 * and what and returns data; the CSV is written at the edge (src/edge/report-csv.ts, shared with
 * the web's dashboard download).
 */
import { Hono } from 'hono';
import { enforcementReport, parseReportQuery } from '../../engine/reports.js';
import { csvHeaders, reportCsv } from '../../edge/report-csv.js';
import type { AppDeps, Env } from '../context.js';

export function reportRoutes(deps: AppDeps) {
  const app = new Hono<Env>();
  app.get('/enforcement', async (c) => {
    const q = parseReportQuery(c.req.query());
    const report = await enforcementReport(deps.db, c.get('actor'), q, { now: deps.now?.() });
    if (q.format === 'json') return c.json(report);
    const file = reportCsv(report, q);
    return c.body(file.body, 200, csvHeaders(file));
  });
  return app;
}
