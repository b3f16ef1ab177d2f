/**
 * Every list as a file (DESIGN.md §14): the tables of cases, supervision items, station
 * activities, stations, deputies and the enforcement report. The rows come from the very list
 * functions that answer the JSON, page after page through their own cursors, so who sees which
 * row, and which personal data masked, is decided there and only there.
 */
import type { Context } from 'hono';
import type { Actor } from '../machines/roles.js';
import type { Db } from '../db/client.js';
import { listActivities } from '../engine/activities.js';
import { listDeputies, listStations } from '../engine/directory.js';
import type { EnforcementReport } from '../engine/reports.js';
import { reportRows } from './report-csv.js';
import { listSupervisions, type SupervisionFilters } from '../engine/supervision-views.js';
import { listCases, type CaseFilters } from '../engine/views.js';
import {
  DEPUTY_LEVEL_LABELS,
  OUTCOME_LABELS,
  PROCEDURE_LABELS,
  RATING_LABELS,
  REPORT_SECTION_LABELS,
  SOURCE_LABELS,
  STATION_KIND_LABELS,
  SUPERVISION_KIND_LABELS,
  TRACK_LABELS,
  stateLabel,
  supervisionStateLabel,
} from '../labels.js';
import {
  ACTIVITY_HEADERS,
  CASE_HEADERS,
  DEPUTY_HEADERS,
  LIST_SEPARATOR,
  NAME_SEPARATOR,
  onDutyCell,
  REPORT_HEADERS,
  STATION_HEADERS,
  SUPERVISION_HEADERS,
} from './registers.js';
import { fileFormat, tableResponse, type CellKind, type Column, type Table, type TypedCell } from './tabular.js';
import type { Env } from './context.js';

/** Rows read per query while a file is written. */
export const EXPORT_BATCH = 1000;

/**
 * A list function's pages, one after the other, until its cursor runs out. The next page is asked
 * for as soon as this one is in, so the database reads it while this one is written out (a
 * million-row file spent a third of its time waiting for the next page). A file the client stops
 * reading has had at most one page more read, and logged as read, than it received.
 */
async function* pages<T>(page: (cursor: string | undefined) => Promise<{ items: T[]; nextCursor: string | null }>): AsyncGenerator<T[]> {
  let next: Promise<{ items: T[]; nextCursor: string | null }> | null = page(undefined);
  while (next) {
    const p: { items: T[]; nextCursor: string | null } = await next;
    next = p.nextCursor ? page(p.nextCursor) : null;
    // An error of the page read ahead surfaces when it is awaited, not before.
    next?.catch(() => {});
    yield p.items;
  }
}

const label = (table: Record<string, string>) => (v: string | null | undefined) => (v ? (table[v] ?? v) : null);

// ---------------------------------------------------------------------------------------------
// Cases

type CaseItem = Awaited<ReturnType<typeof listCases>>['items'][number];
type Party = CaseItem['parties'][number];

const ofRole = (role: string, pick: (p: Party) => string | null) => (c: CaseItem) => {
  const ps = c.parties.filter((p) => p.role === role);
  return ps.length ? ps.map((p) => pick(p) ?? '').join(LIST_SEPARATOR) : null;
};

export const CASE_COLUMNS: Column<CaseItem>[] = [
  { header: CASE_HEADERS.number, kind: 'text', value: (c) => c.number, width: 20 },
  { header: CASE_HEADERS.state, kind: 'text', value: (c) => stateLabel(c.state), width: 14 },
  { header: CASE_HEADERS.outcome, kind: 'text', value: (c) => label(OUTCOME_LABELS)(c.outcome) },
  { header: CASE_HEADERS.overdue, kind: 'bool', value: (c) => c.overdue },
  { header: CASE_HEADERS.track, kind: 'text', value: (c) => label(TRACK_LABELS)(c.track), width: 14 },
  { header: CASE_HEADERS.procedure, kind: 'text', value: (c) => label(PROCEDURE_LABELS)(c.procedure) },
  { header: CASE_HEADERS.source, kind: 'text', value: (c) => label(SOURCE_LABELS)(c.source), width: 14 },
  { header: CASE_HEADERS.stationCode, kind: 'text', value: (c) => c.stationCode },
  { header: CASE_HEADERS.disputeType, kind: 'text', value: (c) => c.disputeType },
  { header: CASE_HEADERS.summary, kind: 'text', value: (c) => c.summary, width: 40 },
  { header: CASE_HEADERS.claimAmount, kind: 'yuan', value: (c) => c.claimAmount, width: 16 },
  { header: CASE_HEADERS.enforceable, kind: 'bool', value: (c) => c.enforceable },
  { header: CASE_HEADERS.enforceableDocument, kind: 'text', value: (c) => c.enforceableDocument, width: 30 },
  { header: CASE_HEADERS.owedAmount, kind: 'yuan', value: (c) => c.owedAmount, width: 16 },
  { header: CASE_HEADERS.recoveredAmount, kind: 'yuan', value: (c) => (c.owedAmount === null ? null : c.recoveredAmount), width: 16 },
  { header: CASE_HEADERS.applicants, kind: 'text', value: ofRole('applicant', (p) => p.name), width: 16 },
  { header: CASE_HEADERS.applicantIds, kind: 'text', value: ofRole('applicant', (p) => p.idNumber), width: 22 },
  { header: CASE_HEADERS.applicantPhones, kind: 'text', value: ofRole('applicant', (p) => p.phone), width: 16 },
  { header: CASE_HEADERS.respondents, kind: 'text', value: ofRole('respondent', (p) => p.name), width: 16 },
  { header: CASE_HEADERS.respondentIds, kind: 'text', value: ofRole('respondent', (p) => p.idNumber), width: 22 },
  { header: CASE_HEADERS.respondentPhones, kind: 'text', value: ofRole('respondent', (p) => p.phone), width: 16 },
  { header: CASE_HEADERS.openedAt, kind: 'datetime', value: (c) => c.openedAt, width: 20 },
  { header: CASE_HEADERS.closedAt, kind: 'datetime', value: (c) => c.closedAt, width: 20 },
  { header: CASE_HEADERS.updatedAt, kind: 'datetime', value: (c) => c.updatedAt, width: 20 },
];

export function caseTable(db: Db, actor: Actor, filters: CaseFilters, opts: { requestId?: string; now?: Date } = {}, batch = EXPORT_BATCH): Table<CaseItem> {
  const { cursor: _c, limit: _l, ...f } = filters;
  return {
    name: '案件',
    sheet: '案件',
    columns: CASE_COLUMNS,
    batches: pages((cursor) => listCases(db, actor, { ...f, cursor, limit: batch }, opts)),
  };
}

// ---------------------------------------------------------------------------------------------
// Supervision items

type SupervisionItem = Awaited<ReturnType<typeof listSupervisions>>['items'][number];

export const SUPERVISION_COLUMNS: Column<SupervisionItem>[] = [
  { header: SUPERVISION_HEADERS.number, kind: 'text', value: (s) => s.number, width: 18 },
  { header: SUPERVISION_HEADERS.kind, kind: 'text', value: (s) => label(SUPERVISION_KIND_LABELS)(s.kind), width: 14 },
  { header: SUPERVISION_HEADERS.subject, kind: 'text', value: (s) => s.subject, width: 40 },
  { header: SUPERVISION_HEADERS.respondent, kind: 'text', value: (s) => s.respondent, width: 20 },
  { header: SUPERVISION_HEADERS.state, kind: 'text', value: (s) => supervisionStateLabel(s.state) },
  { header: SUPERVISION_HEADERS.overdue, kind: 'bool', value: (s) => s.overdue },
  { header: SUPERVISION_HEADERS.rating, kind: 'text', value: (s) => label(RATING_LABELS)(s.rating) },
  { header: SUPERVISION_HEADERS.cases, kind: 'int', value: (s) => s.caseIds.length },
  { header: SUPERVISION_HEADERS.openedAt, kind: 'datetime', value: (s) => s.openedAt, width: 20 },
  { header: SUPERVISION_HEADERS.closedAt, kind: 'datetime', value: (s) => s.closedAt, width: 20 },
];

export function supervisionTable(db: Db, actor: Actor, filters: SupervisionFilters): Table<SupervisionItem> {
  const { cursor: _c, limit: _l, ...f } = filters;
  return {
    name: '监督事项',
    sheet: '监督事项',
    columns: SUPERVISION_COLUMNS,
    batches: pages((cursor) => listSupervisions(db, actor, { ...f, cursor, limit: EXPORT_BATCH })),
  };
}

// ---------------------------------------------------------------------------------------------
// Station activities

type ActivityItem = Awaited<ReturnType<typeof listActivities>>['items'][number] & { deputyNames: string };

export const ACTIVITY_COLUMNS: Column<ActivityItem>[] = [
  { header: ACTIVITY_HEADERS.ref, kind: 'text', value: (a) => a.externalRef ?? a.id, width: 38 },
  { header: ACTIVITY_HEADERS.stationCode, kind: 'text', value: (a) => a.stationCode },
  { header: ACTIVITY_HEADERS.date, kind: 'date', value: (a) => a.date, width: 12 },
  { header: ACTIVITY_HEADERS.theme, kind: 'text', value: (a) => a.theme, width: 30 },
  { header: ACTIVITY_HEADERS.content, kind: 'text', value: (a) => a.content, width: 50 },
  { header: ACTIVITY_HEADERS.deputies, kind: 'text', value: (a) => a.deputyNames, width: 24 },
  { header: ACTIVITY_HEADERS.deputyVisits, kind: 'int', value: (a) => a.deputyVisits },
  { header: ACTIVITY_HEADERS.votersReceived, kind: 'int', value: (a) => a.votersReceived },
  { header: ACTIVITY_HEADERS.createdAt, kind: 'datetime', value: (a) => a.createdAt, width: 20 },
];

export function activityTable(db: Db, actor: Actor, stationCode: string, query: Record<string, string>): Table<ActivityItem> {
  const { cursor: _c, limit: _l, format: _f, ...q } = query;
  async function* batches(): AsyncGenerator<ActivityItem[]> {
    let names: Map<string, string> | null = null;
    for await (const items of pages((cursor) => listActivities(db, actor, stationCode, { ...q, ...(cursor ? { cursor } : {}), limit: 500 }))) {
      // Read after the first page: the list function decides first whether this caller may read.
      names ??= new Map((await listDeputies(db, actor)).items.map((d) => [d.id, d.name]));
      yield items.map((a) => ({ ...a, deputyNames: a.deputyIds.map((id) => names!.get(id) ?? id).join(NAME_SEPARATOR) }));
    }
  }
  return { name: `履职记录_${stationCode}`, sheet: '履职记录', columns: ACTIVITY_COLUMNS, batches: batches() };
}

// ---------------------------------------------------------------------------------------------
// Stations and deputies (the directory: small, one batch)

type StationItem = Awaited<ReturnType<typeof listStations>>['items'][number];
type DeputyItem = Awaited<ReturnType<typeof listDeputies>>['items'][number];

export const STATION_COLUMNS: Column<StationItem>[] = [
  { header: STATION_HEADERS.code, kind: 'text', value: (s) => s.code },
  { header: STATION_HEADERS.name, kind: 'text', value: (s) => s.name, width: 36 },
  { header: STATION_HEADERS.kind, kind: 'text', value: (s) => label(STATION_KIND_LABELS)(s.kind), width: 20 },
  { header: STATION_HEADERS.district, kind: 'text', value: (s) => s.district },
  { header: STATION_HEADERS.hotline, kind: 'text', value: (s) => s.hotline ?? null, width: 16 },
  { header: STATION_HEADERS.address, kind: 'text', value: (s) => s.address ?? null, width: 30 },
  { header: STATION_HEADERS.deputiesOnDuty, kind: 'text', value: (s) => onDutyCell(s.deputiesOnDuty ?? []), width: 30 },
  { header: STATION_HEADERS.createdAt, kind: 'datetime', value: (s) => s.createdAt, width: 20 },
];

export const DEPUTY_COLUMNS: Column<DeputyItem>[] = [
  { header: DEPUTY_HEADERS.ref, kind: 'text', value: (d) => d.externalRef ?? d.id, width: 38 },
  { header: DEPUTY_HEADERS.name, kind: 'text', value: (d) => d.name },
  { header: DEPUTY_HEADERS.level, kind: 'text', value: (d) => label(DEPUTY_LEVEL_LABELS)(d.level), width: 16 },
  { header: DEPUTY_HEADERS.stationCode, kind: 'text', value: (d) => d.stationCode },
  { header: DEPUTY_HEADERS.expertise, kind: 'text', value: (d) => d.expertise.join(LIST_SEPARATOR), width: 24 },
  { header: DEPUTY_HEADERS.phone, kind: 'text', value: (d) => d.phone, width: 16 },
  { header: DEPUTY_HEADERS.createdAt, kind: 'datetime', value: (d) => d.createdAt, width: 20 },
];

async function* once<T>(read: () => Promise<T[]>): AsyncGenerator<T[]> {
  yield await read();
}

export const stationTable = (db: Db): Table<StationItem> => ({
  name: '联络站',
  sheet: '联络站',
  columns: STATION_COLUMNS,
  batches: once(async () => (await listStations(db)).items),
});

export const deputyTable = (db: Db, reader: Actor, stationCode?: string): Table<DeputyItem> => ({
  name: '人大代表',
  sheet: '人大代表',
  columns: DEPUTY_COLUMNS,
  batches: once(async () => (await listDeputies(db, reader, stationCode)).items),
});

// ---------------------------------------------------------------------------------------------
// The enforcement report: one figure per row, in words, typed

interface ReportLine {
  section: string;
  item: string;
  cell: TypedCell;
}

function figureKind(key: string): CellKind {
  if (key.startsWith('filters.')) return key === 'filters.generatedAt' ? 'datetime' : 'text';
  if (key.endsWith('Rate')) return 'percent';
  if (key.endsWith('Amount')) return 'yuan';
  return 'int';
}

export function reportLines(report: EnforcementReport): ReportLine[] {
  return reportRows(report).map((r) => {
    const section = REPORT_SECTION_LABELS[r.section] ?? r.section;
    const prefix = `${section} · `;
    const kind = figureKind(r.key);
    const value = r.value === '' ? null : kind === 'int' ? Number(r.value) : r.value;
    return { section, item: r.label.startsWith(prefix) ? r.label.slice(prefix.length) : r.label, cell: { kind, value } };
  });
}

export const REPORT_COLUMNS: Column<ReportLine>[] = [
  { header: REPORT_HEADERS.section, kind: 'text', value: (l) => l.section, width: 14 },
  { header: REPORT_HEADERS.item, kind: 'text', value: (l) => l.item, width: 44 },
  // A typed cell: counts as numbers, amounts in yuan, rates as percentages.
  { header: REPORT_HEADERS.value, kind: 'text', value: (l) => l.cell as unknown as string, width: 18 },
];

export function reportTable(report: EnforcementReport): Table<ReportLine> {
  const f = report.filters;
  const parts = [f.from ?? '', f.to ?? '', f.stationCode ?? f.district ?? ''].filter(Boolean);
  return {
    name: ['执行监督报表', ...parts].join('_'),
    sheet: '执行监督报表',
    columns: REPORT_COLUMNS,
    batches: once(async () => reportLines(report)),
  };
}

// ---------------------------------------------------------------------------------------------
// The edge: `?format=csv|xlsx` on a list route

/**
 * The file answer for a list route when `format` asks for one, else null (answer JSON).
 * @example const file = await listFile(c, 'cases', () => caseTable(db, actor, filters)); if (file) return file;
 */
export async function listFile<T>(c: Context<Env>, asciiName: string, table: () => Table<T>, now?: Date): Promise<Response | null> {
  const format = fileFormat(c.req.query('format'));
  if (!format) return null;
  return tableResponse(table(), format, { asciiName, now });
}
