/**
 * The committee report as a CSV file (DESIGN.md §8: "the same numbers as CSV"): written at the
 * edge from the data the engine returns (src/engine/reports.ts), with the labels people read.
 * Shared by `GET /api/reports/enforcement?format=csv` and the web dashboard's download.
 */
import { stringify } from 'csv-stringify/sync';
import type { EnforcementReport, ReportQuery } from '../engine/reports.js';
import {
  OUTCOME_LABELS,
  RATING_LABELS,
  REPORT_FIGURE_LABELS,
  REPORT_SECTION_LABELS,
  SOURCE_LABELS,
  supervisionStateLabel,
} from '../labels.js';
import { UI } from '../words.js';

export interface ReportRow {
  section: string;
  key: string;
  label: string;
  value: string;
}

/**
 * The report as flat rows `section, key, label, value` — the CSV, and anything else that wants
 * one figure per line. Built from the same object as the JSON, so the numbers cannot differ.
 */
export function reportRows(r: EnforcementReport): ReportRow[] {
  const rows: ReportRow[] = [];
  const add = (section: string, key: string, label: string, value: string | number | null) =>
    rows.push({ section, key, label: `${REPORT_SECTION_LABELS[section]} · ${label}`, value: value === null ? '' : String(value) });
  const fig = (section: string, key: string, value: string | number | null) => add(section, `${section}.${key}`, REPORT_FIGURE_LABELS[`${section}.${key}`] ?? key, value);

  for (const [k, v] of Object.entries(r.filters)) fig('filters', k, v);
  fig('filters', 'generatedAt', r.generatedAt);
  fig('cases', 'opened', r.cases.opened);
  for (const [k, v] of Object.entries(r.cases.bySource)) add('cases', `cases.bySource.${k}`, `${REPORT_FIGURE_LABELS['cases.bySource']} · ${SOURCE_LABELS[k] ?? k}`, v);
  for (const [k, v] of Object.entries(r.cases.byDisputeType)) add('cases', `cases.byDisputeType.${k}`, `${REPORT_FIGURE_LABELS['cases.byDisputeType']} · ${k}`, v);
  for (const [k, v] of Object.entries(r.mediation)) fig('mediation', k, v);
  for (const [k, v] of Object.entries(r.deputies)) fig('deputies', k, v);
  for (const [k, v] of Object.entries(r.performance)) fig('performance', k, v);
  for (const [k, v] of Object.entries(r.enforcement)) {
    if (k !== 'outcomes') fig('enforcement', k, v as string | number | null);
  }
  for (const [k, v] of Object.entries(r.enforcement.outcomes)) add('enforcement', `enforcement.outcomes.${k}`, `${REPORT_FIGURE_LABELS['enforcement.outcomes']} · ${OUTCOME_LABELS[k] ?? k}`, v);
  if (r.supervision) {
    const s = r.supervision;
    fig('supervision', 'items', s.items);
    for (const [k, v] of Object.entries(s.byState)) add('supervision', `supervision.byState.${k}`, `${REPORT_FIGURE_LABELS['supervision.byState']} · ${supervisionStateLabel(k)}`, v);
    for (const [k, v] of Object.entries(s.byRating)) add('supervision', `supervision.byRating.${k}`, `${REPORT_FIGURE_LABELS['supervision.byRating']} · ${RATING_LABELS[k] ?? REPORT_FIGURE_LABELS['supervision.unrated']}`, v);
    fig('supervision', 'overdueNow', s.overdueNow);
    fig('supervision', 'overdueReports', s.overdueReports);
  }
  for (const st of r.stations) {
    for (const k of ['casesOpened', 'activities', 'deputyVisits', 'votersReceived'] as const) {
      add('stations', `stations.${st.code}.${k}`, `${st.name}（${st.district}） · ${REPORT_FIGURE_LABELS[`stations.${k}`]}`, st[k]);
    }
  }
  for (const [k, v] of Object.entries(r.stationTotals)) add('stations', `stationTotals.${k}`, `${REPORT_FIGURE_LABELS['stationTotals']} · ${REPORT_FIGURE_LABELS[`stations.${k}`]}`, v);
  return rows;
}

/**
 * The report as a CSV file (`section,key,label,value`, the same numbers as the JSON), UTF-8 with
 * a BOM so Excel reads the Chinese labels, CRLF rows; and its file names: `asciiName` for old
 * clients' `filename=` (a district's name left out), `name` in full for `filename*`.
 */
export function reportCsv(report: EnforcementReport, q: Pick<ReportQuery, 'from' | 'to'>) {
  const rows = reportRows(report).map((r) => [r.section, r.key, r.label, r.value]);
  const body = `\uFEFF${stringify([['section', 'key', 'label', 'value'], ...rows], { record_delimiter: 'windows' })}`;
  const parts = [q.from ?? 'start', q.to ?? 'now', report.filters.stationCode ?? report.filters.district].filter((p): p is string => !!p);
  return {
    body,
    name: `${UI.errors.csvName}_${parts.join('_')}.csv`,
    asciiName: `enforcement-report_${parts.filter((p) => /^[\w.-]+$/.test(p)).join('_')}.csv`,
  };
}

/** The response headers of a CSV download named as `reportCsv` names it. */
export function csvHeaders(file: { name: string; asciiName: string }): Record<string, string> {
  return {
    'content-type': 'text/csv; charset=utf-8',
    'content-disposition': `attachment; filename="${file.asciiName}"; filename*=UTF-8''${encodeURIComponent(file.name)}`,
  };
}
