/**
 * The lists as files for the signed-in user (DESIGN.md §14): the same tables and the same list
 * functions as `?format=csv|xlsx` on the JSON API, which takes bearer tokens only. A download
 * link sits on each list page.
 */
import type { Hono } from 'hono';
import type { AppDeps } from '../edge/context.js';
import { activityTable, caseTable, deputyTable, stationTable, supervisionTable } from '../edge/exports.js';
import { tableResponse, type FileFormat } from '../edge/tabular.js';
import type { CaseFilters } from '../engine/views.js';
import { OUTCOMES } from '../machines/case.js';
import type { WebEnv } from './http.js';
import { page, type WebContext } from './page.js';

const formatOf = (c: WebContext): FileFormat => (c.req.query('format') === 'xlsx' ? 'xlsx' : 'csv');

/** The case list's filters as the list page reads them (every row: no cursor, no page size). */
function caseFilters(c: WebContext): CaseFilters {
  const f: CaseFilters = {};
  const q = (k: string) => (c.req.query(k) ?? '').trim() || undefined;
  if (q('state')) f.state = q('state')!.slice(0, 50);
  if (q('stationCode')) f.stationCode = q('stationCode')!.slice(0, 32);
  if (q('overdue') === 'true' || q('overdue') === 'false') f.overdue = q('overdue') === 'true';
  if (q('outcome') && (OUTCOMES as readonly string[]).includes(q('outcome')!)) f.outcome = q('outcome');
  if (q('q')) f.q = q('q')!.slice(0, 100);
  return f;
}

/** The two download links of a list page; `href` is the download path with the page's filters. */
export function DownloadLinks({ href }: { href: string }) {
  const join = href.includes('?') ? '&' : '?';
  return (
    <span class="downloads" data-testid="downloads">
      <a class="button" href={`${href}${join}format=xlsx`} download>
        下载 Excel
      </a>{' '}
      <a class="button" href={`${href}${join}format=csv`} download>
        下载 CSV
      </a>
    </span>
  );
}

/** A list page's own query string, without its paging. */
export function filtersQuery(c: WebContext, keys: string[]): string {
  const qs = new URLSearchParams();
  for (const k of keys) {
    const v = (c.req.query(k) ?? '').trim();
    if (v) qs.set(k, v);
  }
  const s = qs.toString();
  return s ? `?${s}` : '';
}

export function downloadPages(app: Hono<WebEnv>, deps: AppDeps) {
  app.get('/cases/download', page(deps, (c, { actor, now }) =>
    tableResponse(caseTable(deps.db, actor, caseFilters(c), { now, requestId: c.get('requestId') }), formatOf(c), { asciiName: 'cases', now }),
  ));
  app.get('/supervisions/download', page(deps, (c, { actor, now }) =>
    tableResponse(supervisionTable(deps.db, actor, { state: c.req.query('state') || undefined }), formatOf(c), { asciiName: 'supervisions', now }),
  ));
  app.get('/stations/:code/activities/download', page(deps, (c, { actor, now }) => {
    const code = c.req.param('code') ?? '';
    return tableResponse(activityTable(deps.db, actor, code, {}), formatOf(c), { asciiName: `activities_${code}`, now });
  }));
  const admin = { may: 'directory.manage' as const };
  app.get('/admin/stations/download', page(deps, (c, { now }) => tableResponse(stationTable(deps.db), formatOf(c), { asciiName: 'stations', now }), admin));
  app.get('/admin/deputies/download', page(deps, (c, { actor, now }) => tableResponse(deputyTable(deps.db, actor), formatOf(c), { asciiName: 'deputies', now }), admin));
}
