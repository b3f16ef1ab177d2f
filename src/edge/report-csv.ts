/**
 * The committee report as flat rows (DESIGN.md §8: "the same numbers as CSV"), from the data the
 * engine returns (src/engine/reports.ts), with the labels people read. The CSV and XLSX files of
 * `GET /api/reports/enforcement` and the dashboard's download are written from these rows by the
 * one table writer (src/edge/exports.ts `reportLines`, tabular.ts), which guards every cell.
 */
import type { EnforcementReport } from '../engine/reports.js';
import {
  OUTCOME_LABELS,
  RATING_LABELS,
  REPORT_FIGURE_LABELS,
  REPORT_SECTION_LABELS,
  SOURCE_LABELS,
  supervisionStateLabel,
} from '../labels.js';

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
