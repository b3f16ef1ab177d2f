/**
 * The committee's enforcement report (DESIGN.md §8), as JSON or CSV: thin — the engine decides who
 * and what and returns data; the CSV and XLSX are written at the edge (src/edge/exports.ts, shared with
 * the web's dashboard download).
 */
import { Hono } from 'hono';
import { enforcementReport, parseReportQuery, reportQuerySchema } from '../../engine/reports.js';
import { doc } from '../openapi.js';
import { reportTable } from '../../edge/exports.js';
import { tableResponse } from '../../edge/tabular.js';
import type { AppDeps, Env } from '../context.js';

export function reportRoutes(deps: AppDeps) {
  const app = new Hono<Env>();
  app.get('/enforcement', doc({ summary: '执行监督报表（DESIGN.md §8）', tags: ['报表'], query: reportQuerySchema, files: true, ok: { status: 200, description: 'EnforcementReport' }, errors: [400, 403] }), async (c) => {
    const q = parseReportQuery(c.req.query());
    const report = await enforcementReport(deps.db, c.get('actor'), q, { now: deps.now?.() });
    if (q.format === 'json') return c.json(report);
    return tableResponse(reportTable(report), q.format, { asciiName: 'enforcement-report', now: deps.now?.() });
  });
  return app;
}
