/** The committee's enforcement report (DESIGN.md §8), as JSON or CSV: thin — the engine decides who and what. */
import { stringify } from 'csv-stringify/sync';
import { Hono } from 'hono';
import { enforcementReport, parseReportQuery, reportRows } from '../../engine/reports.js';
import type { AppDeps, Env } from '../context.js';

export function reportRoutes(deps: AppDeps) {
  const app = new Hono<Env>();
  app.get('/enforcement', async (c) => {
    const q = parseReportQuery(c.req.query());
    const report = await enforcementReport(deps.db, c.get('actor'), q, { now: deps.now?.() });
    if (q.format === 'json') return c.json(report);
    const rows = reportRows(report).map((r) => [r.section, r.key, r.label, r.value]);
    // The BOM lets Excel read the file as UTF-8 (otherwise the Chinese labels come out garbled).
    const body = `\uFEFF${stringify([['section', 'key', 'label', 'value'], ...rows], { record_delimiter: 'windows' })}`;
    const parts = [q.from ?? 'start', q.to ?? 'now', report.filters.stationCode ?? report.filters.district].filter((p): p is string => !!p);
    const scope = parts.join('_');
    // filename= for old clients takes ASCII only (a district's name is left out); filename* has it all.
    const ascii = `enforcement-report_${parts.filter((p) => /^[\w.-]+$/.test(p)).join('_')}.csv`;
    return c.body(body, 200, {
      'content-type': 'text/csv; charset=utf-8',
      'content-disposition': `attachment; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(`执行监督报表_${scope}.csv`)}`,
    });
  });
  return app;
}
