/**
 * The committee's enforcement report (DESIGN.md §8): how mediation, performance and enforcement
 * went for the cases opened in a period, how supervision items stand, and what each liaison
 * station did. Read-only; the same numbers serve the JSON and the CSV.
 *
 * The report is a cohort report: every case figure is about the cases *opened* in the period
 * (`cases.opened_at`, Asia/Shanghai calendar days, `to` inclusive), counted as they stand now.
 * Station activities are filtered by their `date`, supervision items by their `opened_at`.
 *
 * Definitions (every "case" below is a case opened in the period, at the stations in scope):
 * - 调解成功率 mediation success rate = agreements / mediations ended, where
 *   agreements   = cases whose agreement stands (`agreed_at` set: REACH_AGREEMENT, and not undone by
 *                  DENY_CONFIRMATION, which sends the case back to mediation and clears it);
 *   failures     = cases closed `litigation` / `trial_resumed` without an agreement, i.e. by FAIL or
 *                  MEDIATION_EXPIRED while in mediation (FILE_LAWSUIT after a default also closes
 *                  `litigation`, but it has an agreement, so it is an agreement here);
 *   ended        = agreements + failures. Returned and withdrawn cases, and mediations still
 *                  under way, are neither.
 * - 代表参与 deputy participation: cases with at least one deputy assigned (now, or when the case
 *   closed; a deputy who recused no longer counts), mediation sessions held, and deputy
 *   attendances at those sessions (代表参与人次, `cases.deputy_attendances`, one per deputy per session).
 * - 自动履行率 voluntary performance rate = agreements performed without enforcement (outcome
 *   `performed`, also when paid after a default) / agreements whose performance is settled
 *   (performed, sent to enforcement, or closed by FILE_LAWSUIT). Agreements still performing,
 *   in confirmation or defaulted without a next step are not settled yet.
 * - 移送执行 cases sent to enforcement: `enforcement_started_at` set — APPLY_ENFORCEMENT after an
 *   agreement, or opened as an `enforcement_referral`.
 * - 执行结果 enforcement outcomes: the four CONCLUDE results; the rest is still in enforcement.
 * - 执行到位率 recovery rate = amount recovered / amount owed, over the cases sent to enforcement,
 *   summed exactly in integer fen (bigint in SQL, BigInt here), shown as yuan strings "12000.50".
 * - 执行超期 over the enforcement limit: cases sent to enforcement with `overdue` set
 *   (ENFORCEMENT_OVERDUE fired: 6 months, suspension not counted), in total and still open.
 * - Supervision: items by state and by latest rating (`unrated` when none yet), items overdue now
 *   (awaiting a report or a rectification report whose due date has passed), and 报告逾期 overdue
 *   reports = REPORT_OVERDUE rows in `supervision_events` of those items.
 *   Supervision items belong to no station, so `district` and `stationCode` do not filter them.
 * - Per station: activities (履职活动次数), 进站人次 deputy visits and 接待选民人次 voters
 *   received from `station_activities`, and cases opened.
 *
 * Rates are decimal strings with four decimals, rounded half up ("0.7500" = 75%), or null when
 * the denominator is 0 — never a division by zero disguised as 0%.
 *
 * Who may read: committee, court and admin — everything; station staff — their own station's
 * figures only (the station filter is forced to theirs; another station is 403) and no
 * supervision section (they may not read supervision items); deputies — never (403).
 *
 * Speed (target ≤ 300 ms at 1M cases on PostgreSQL, from a cold start): the closed cases — most
 * of them — are read from the closed-case summary (src/engine/report-summary.ts: kept by the engine
 * in the transaction that closes a case, so exact and the same in every process at once), by
 * year, month and day for the whole years, months and days of the period (periodParts); the open
 * cases are aggregated live from a covering partial index (`cases_report_open_idx`), never the
 * wide heap rows (snapshots), and their session counts from the narrow `open_case_sessions` (kept
 * out of the index so that a session recorded is a HOT update). All in one statement, so all see
 * one snapshot: a case that closes meanwhile is counted once. Measured by scripts/bench-report.ts.
 *
 * The engine returns data: the CSV and XLSX, their file names and headers are written at the edge
 * (src/edge/report-csv.ts, src/edge/exports.ts).
 */
import { sql, type SQL } from 'drizzle-orm';
import { z } from 'zod';
import { CONCLUDE_RESULTS, SOURCES } from '../machines/case.js';
import { endOfDate, isValidDate, startOfShanghaiDay } from '../machines/calendar.js';
import { can, reportScope } from '../machines/policy.js';
import type { Actor } from '../machines/roles.js';
import { RATINGS } from '../machines/supervision.js';
import { rowsOf, type Db } from '../db/client.js';
import { textArray } from '../db/bulk.js';
import { fieldError, fieldErrors, Forbidden, ValidationError } from './errors.js';
import { CLOSED_FIGURES, FIGURE_COLUMNS, TOTALS_TABLE, type Grain } from './report-summary.js';

const day = z.string().trim().refine(isValidDate, { message: '须为日期 YYYY-MM-DD，例如 2026-01-01' });

export const reportQuerySchema = z
  .object({
    from: day.optional(),
    to: day.optional(),
    district: z.string().trim().min(1).max(50).optional(),
    stationCode: z.string().trim().min(1).max(32).optional(),
    format: z.enum(['json', 'csv', 'xlsx']).default('json'),
  })
  .refine((v) => !v.from || !v.to || v.from <= v.to, { path: ['to'], message: '结束日期不能早于开始日期' });
export type ReportQuery = z.output<typeof reportQuerySchema>;

export const SUPERVISION_STATES = ['open', 'awaitingReport', 'reviewing', 'rectifying', 'closed'] as const;

export interface StationFigures {
  code: string;
  name: string;
  district: string;
  casesOpened: number;
  activities: number;
  /** 进站人次 */
  deputyVisits: number;
  /** 接待选民人次 */
  votersReceived: number;
}

export interface EnforcementReport {
  filters: { from: string | null; to: string | null; district: string | null; stationCode: string | null };
  generatedAt: string;
  cases: { opened: number; bySource: Record<string, number>; byDisputeType: Record<string, number> };
  mediation: { agreements: number; failed: number; ended: number; successRate: string | null };
  deputies: { casesWithDeputies: number; sessionsHeld: number; deputyAttendances: number };
  performance: { performedVoluntarily: number; settled: number; voluntaryRate: string | null };
  enforcement: {
    sent: number;
    fromAgreements: number;
    referrals: number;
    inProgress: number;
    outcomes: Record<(typeof CONCLUDE_RESULTS)[number], number>;
    owedAmount: string;
    recoveredAmount: string;
    recoveryRate: string | null;
    overLimit: number;
    overLimitOpen: number;
  };
  /** null for station staff, who may not read supervision items. */
  supervision: {
    items: number;
    byState: Record<string, number>;
    byRating: Record<string, number>;
    overdueNow: number;
    overdueReports: number;
  } | null;
  stations: StationFigures[];
  stationTotals: { casesOpened: number; activities: number; deputyVisits: number; votersReceived: number };
}

/** Parse the query string; a bad parameter is a 400 with the field. */
export function parseReportQuery(raw: unknown): ReportQuery {
  const r = reportQuerySchema.safeParse(raw ?? {});
  if (!r.success) throw new ValidationError('invalid.query', fieldErrors(r.error));
  return r.data;
}

/** Fen (exact, any size) to a yuan string. @example yuanOf(1200050n) // "12000.50" */
export function yuanOf(fen: bigint): string {
  const sign = fen < 0n ? '-' : '';
  const abs = fen < 0n ? -fen : fen;
  return `${sign}${abs / 100n}.${String(abs % 100n).padStart(2, '0')}`;
}

/** num / den as a decimal string with four decimals, half up; null when den is 0. @example rate(3n, 4n) // "0.7500" */
export function rate(num: bigint | number, den: bigint | number): string | null {
  const n = BigInt(num);
  const d = BigInt(den);
  if (d === 0n) return null;
  const scaled = (n * 20000n + d) / (2n * d); // round(n / d × 10⁴), half up, for n, d ≥ 0
  return `${scaled / 10000n}.${String(scaled % 10000n).padStart(4, '0')}`;
}

/** The report's case figures: the summary's (src/engine/report-summary.ts), and one only open cases have. */
const COUNT_KEYS = [...FIGURE_COLUMNS.filter((k) => k !== 'owed_fen' && k !== 'recovered_fen'), 'over_limit_open'] as const;
/** One group's case figures, exact: counts as numbers, money in fen as BigInt. */
type Counters = Record<string, number> & { owed: bigint; recovered: bigint };
/**
 * One row of the case figures, rolled up by one key: a station (every figure), a source or a
 * dispute type (the number of cases).
 */
interface Group {
  by: 'station' | 'source' | 'disputeType';
  key: string;
  c: Counters;
}

/** `grouping(station_code, source, dispute_type)` of each grouping set: a bit for each key left out. */
const GROUPING_SET: Record<number, Group['by']> = { 0b011: 'station', 0b101: 'source', 0b110: 'disputeType' };

function parseGroup(r: Record<string, string>): Group {
  const c = { owed: BigInt(r.owed_fen), recovered: BigInt(r.recovered_fen) } as Counters;
  for (const k of COUNT_KEYS) c[k] = Number(r[k]);
  const by = GROUPING_SET[Number(r.g)];
  return { by, key: by === 'station' ? r.station_code : by === 'source' ? r.source : r.dispute_type, c };
}

function addInto(target: Counters, c: Counters): void {
  for (const k of COUNT_KEYS) target[k] += c[k];
  target.owed += c.owed;
  target.recovered += c.recovered;
}

/** Every figure the report takes from a case, as aggregates over a set of `cases` rows. */
const CASE_AGGREGATES = sql.join(
  [
    ...FIGURE_COLUMNS.map((k) => sql`${CLOSED_FIGURES[k]} as ${sql.raw(k)}`),
    sql`count(*) filter (where overdue and enforcement_started_at is not null and outcome is null) as over_limit_open`,
  ],
  sql`, `,
);

/**
 * The same figures over open cases only (`outcome is null`), as the report reads them live: what
 * only a closed case can have (an outcome) is 0, and `settled` is "sent to enforcement" — the same
 * values for such rows as CASE_AGGREGATES, with a third fewer aggregates to compute over the
 * ~120k open cases of a million (test/engine/report-summary.test.ts compares the report with one
 * aggregated afresh by CASE_AGGREGATES).
 */
const OPEN_FIGURES: Record<string, SQL> = {
  ...CLOSED_FIGURES,
  // Not in cases_report_open_idx: an open case's session counts are read from open_case_sessions (OPEN_SESSION_FIGURES).
  sessions: sql`0`,
  attendances: sql`0`,
  failed: sql`0`,
  performed: sql`0`,
  settled: sql`count(*) filter (where agreed_at is not null and enforcement_started_at is not null)`,
  fulfilled: sql`0`,
  settled_enf: sql`0`,
  terminated_this_round: sql`0`,
  terminated: sql`0`,
};
/**
 * As integers, the type of the summary's count columns: summed with them, they stay integers
 * (PostgreSQL sums bigint counts as numeric, which cost ~10% of the report at 1M cases).
 */
const asCount = (k: string) => (k.endsWith('_fen') ? OPEN_FIGURES[k] : sql`(${OPEN_FIGURES[k]})::integer`);
const OPEN_CASE_AGGREGATES = sql.join(
  [...FIGURE_COLUMNS.map((k) => sql`${asCount(k)} as ${sql.raw(k)}`), sql`${asCount('over_limit')} as over_limit_open`],
  sql`, `,
);

/**
 * The open cases' session counts, from `open_case_sessions` (a row per open case that held a
 * session, kept by the write path: src/engine/report-summary.ts): every other figure 0.
 */
const OPEN_SESSION_FIGURES = sql.join(
  [
    ...FIGURE_COLUMNS.map((k) =>
      k === 'sessions'
        ? sql`sum(sessions_held)::integer as sessions`
        : k === 'attendances'
          ? sql`sum(deputy_attendances)::integer as attendances`
          : sql`0 as ${sql.raw(k)}`,
    ),
    sql`0 as over_limit_open`,
  ],
  sql`, `,
);

/**
 * Case-figure rows (station_code, source, dispute_type, the figures), summed by station (every
 * figure), by source and by dispute type — a few dozen rows to send, not thousands. As text: exact in both drivers.
 */
function rolledUp(parts: SQL[]): SQL {
  const sums = sql.join(
    [...COUNT_KEYS, 'owed_fen', 'recovered_fen'].map((k) => sql`sum(${sql.raw(k)})::text as ${sql.raw(k)}`),
    sql`, `,
  );
  return sql`
      select grouping(station_code, source, dispute_type) as g, station_code, source, dispute_type, ${sums}
      from (${sql.join(parts, sql` union all `)}) u
      group by grouping sets ((station_code), (source), (dispute_type))`;
}

const nextDay = (d: string) => new Date(Date.parse(`${d}T00:00:00Z`) + 86_400_000).toISOString().slice(0, 10);
const prevDay = (d: string) => new Date(Date.parse(`${d}T00:00:00Z`) - 86_400_000).toISOString().slice(0, 10);

/**
 * The period split for the summary: whole months [first, last] (`YYYY-MM`, either open-ended:
 * '' and '\uffff'), read from the month rows, and the day ranges left at either end, read from
 * the day rows. `first` null: no whole month, the period is all edge.
 */
export function splitPeriod(from?: string, to?: string): { first: string | null; last: string | null; edges: [string | undefined, string | undefined][] } {
  const first = !from ? '' : from.endsWith('-01') ? from.slice(0, 7) : monthAfter(from.slice(0, 7));
  const last = !to ? '\uffff' : nextDay(to).endsWith('-01') ? to.slice(0, 7) : monthBefore(to.slice(0, 7));
  if (first > last) return { first: null, last: null, edges: [[from, to]] };
  const edges: [string | undefined, string | undefined][] = [];
  if (from && !from.endsWith('-01')) edges.push([from, prevDay(`${first}-01`)]);
  if (to && !nextDay(to).endsWith('-01')) edges.push([`${to.slice(0, 7)}-01`, to]);
  return { first, last, edges };
}

/**
 * The summary rows a period reads, each part `[from, to]` of `period` values (inclusive; undefined:
 * open-ended): the whole years, the whole months left at either end (splitPeriod's months), the
 * days left at either end (splitPeriod's edges).
 * @example periodParts('2024-02-10', '2026-11-30') // years 2025; months 2024-03…12, 2026-01…11; days 2024-02-10…29
 */
export function periodParts(from?: string, to?: string): { grain: Grain; from?: string; to?: string }[] {
  const { first, last, edges } = splitPeriod(from, to);
  const parts: { grain: Grain; from?: string; to?: string }[] = edges.map(([f, t]) => ({ grain: 'day', from: f, to: t }));
  if (first === null || last === null) return parts;
  const firstYear = first === '' ? '' : first.endsWith('-01') ? first.slice(0, 4) : String(Number(first.slice(0, 4)) + 1);
  const lastYear = last === '\uffff' ? '\uffff' : last.endsWith('-12') ? last.slice(0, 4) : String(Number(last.slice(0, 4)) - 1);
  const month = (m: string) => (m === '' || m === '\uffff' ? undefined : `${m}-01`);
  if (firstYear > lastYear) return [...parts, { grain: 'month', from: month(first), to: month(last) }];
  parts.push({ grain: 'year', from: firstYear ? `${firstYear}-01-01` : undefined, to: lastYear === '\uffff' ? undefined : `${lastYear}-01-01` });
  if (first !== '' && !first.endsWith('-01')) parts.push({ grain: 'month', from: month(first), to: `${Number(firstYear) - 1}-12-01` });
  if (last !== '\uffff' && !last.endsWith('-12')) parts.push({ grain: 'month', from: `${last.slice(0, 4)}-01-01`, to: month(last) });
  return parts;
}

function monthAfter(m: string): string {
  const [y, mo] = m.split('-').map(Number);
  return mo === 12 ? `${y + 1}-01` : `${y}-${String(mo + 1).padStart(2, '0')}`;
}
function monthBefore(m: string): string {
  const [y, mo] = m.split('-').map(Number);
  return mo === 1 ? `${y - 1}-12` : `${y}-${String(mo - 1).padStart(2, '0')}`;
}

/**
 * The report's SQL, exported so the benchmark can EXPLAIN exactly what runs. `stationCodes` null:
 * every station; otherwise only these (possibly none).
 */
export function reportQueries(q: Pick<ReportQuery, 'from' | 'to'>, stationCodes: string[] | null) {
  const codeArray = stationCodes && textArray(stationCodes);
  const whereOf = (parts: SQL[]) => (parts.length ? sql`where ${sql.join(parts, sql` and `)}` : sql``);
  const inStations = codeArray ? [sql`station_code = any(${codeArray}::text[])`] : [];

  const caseWhere: SQL[] = [];
  if (q.from) caseWhere.push(sql`opened_at >= ${startOfShanghaiDay(q.from)}::timestamptz`);
  if (q.to) caseWhere.push(sql`opened_at < ${endOfDate(q.to)}::timestamptz`);
  caseWhere.push(...inStations);

  const activityWhere: SQL[] = [];
  if (q.from) activityWhere.push(sql`date >= ${q.from}::date`);
  if (q.to) activityWhere.push(sql`date <= ${q.to}::date`);
  activityWhere.push(...inStations);

  const supervisionWhere: SQL[] = [];
  if (q.from) supervisionWhere.push(sql`s.opened_at >= ${startOfShanghaiDay(q.from)}::timestamptz`);
  if (q.to) supervisionWhere.push(sql`s.opened_at < ${endOfDate(q.to)}::timestamptz`);

  /** Summary rows of `grain` with `period` in [from, to] (either open-ended); none is over the limit *and* open: they are closed. */
  const summaryRows = (grain: Grain, from: string | undefined, to: string | undefined) => sql`
      select station_code, source, dispute_type, ${sql.raw(FIGURE_COLUMNS.join(', '))}, 0 as over_limit_open
      from ${sql.raw(TOTALS_TABLE[grain])} ${whereOf([
        ...(from ? [sql`period >= ${from}::date`] : []),
        ...(to ? [sql`period <= ${to}::date`] : []),
        ...inStations,
      ])}`;
  const liveRows = (where: SQL[], aggregates = CASE_AGGREGATES, from = sql`cases`) => sql`
      select station_code, source, dispute_type, ${aggregates}
      from ${from} ${whereOf(where)}
      group by station_code, source, dispute_type`;

  return {
    /**
     * The case figures by station, by source and by dispute type, in one statement (one
     * snapshot): the closed cases from the summary (years, months, days: periodParts), the open
     * ones live from cases_report_open_idx, and their session counts from open_case_sessions.
     */
    cases: rolledUp([
      ...periodParts(q.from, q.to).map((p) => summaryRows(p.grain, p.from, p.to)),
      liveRows([sql`outcome is null`, ...caseWhere], OPEN_CASE_AGGREGATES),
      liveRows(caseWhere, OPEN_SESSION_FIGURES, sql`open_case_sessions`),
    ]),
    /** Every case of the period aggregated afresh from `cases`, without the summary: the tests' and the benchmark's yardstick. */
    casesFromScratch: rolledUp([liveRows(caseWhere)]),
    activities: sql`
      select station_code, count(*)::text as activities,
        coalesce(sum(deputy_visits), 0)::text as visits, coalesce(sum(voters_received), 0)::text as voters
      from station_activities ${whereOf(activityWhere)}
      group by station_code`,
    supervisions: sql`
      select s.state, s.rating, count(*)::text as items,
        count(*) filter (where s.overdue and s.state in ('awaitingReport', 'rectifying'))::text as overdue
      from supervisions s ${whereOf(supervisionWhere)}
      group by s.state, s.rating`,
    overdueReports: sql`
      select count(*)::text as n from supervision_events e join supervisions s on s.id = e.supervision_id
      ${whereOf([sql`e.type = 'REPORT_OVERDUE'`, ...supervisionWhere])}`,
  };
}

/**
 * The report for `actor`. Takes the database first, like every engine function.
 * @example await enforcementReport(db, actor, { from: '2026-01-01', to: '2026-12-31', format: 'json' })
 */
export async function enforcementReport(
  db: Db,
  actor: Actor,
  q: ReportQuery,
  opts: { now?: Date; /** false: aggregate every case afresh from `cases`, without the summary (the tests' yardstick). */ summary?: boolean } = {},
): Promise<EnforcementReport> {
  const scope = reportScope(actor, q.stationCode);
  if ('refused' in scope) {
    if (scope.refused === 'report.station_unlinked') throw new Forbidden('forbidden.report_unlinked');
    if (scope.refused === 'report.own_station') throw new Forbidden('forbidden.report_own');
    throw new Forbidden('forbidden.report_deputy');
  }
  const stationCode = scope.stationCode;

  // The stations in scope, resolved first (a few hundred rows at most): every case and activity
  // filter below is then `station_code = any(...)`, which the indexes serve directly.
  const stationWhere: SQL[] = [];
  if (q.district) stationWhere.push(sql`district = ${q.district}`);
  if (stationCode) stationWhere.push(sql`code = ${stationCode}`);
  const stationRows = rowsOf<{ code: string; name: string; district: string }>(
    await db.execute(
      sql`select code, name, district from stations ${stationWhere.length ? sql`where ${sql.join(stationWhere, sql` and `)}` : sql``} order by code`,
    ),
  );
  if (stationCode && !stationRows.some((s) => s.code === stationCode)) {
    // A known station outside the district is an empty report; an unknown code is a typo.
    const known = rowsOf(await db.execute(sql`select 1 from stations where code = ${stationCode}`));
    if (!known.length) throw new ValidationError('invalid.query', [fieldError('stationCode', 'field.station_unknown', { code: stationCode })]);
  }
  // The independent queries run side by side on the pool (PGlite serialises them, which is fine).
  const now = opts.now ?? new Date();
  const codes = q.district || stationCode ? stationRows.map((s) => s.code) : null;
  const queries = reportQueries(q, codes);
  const [groups, activityResult, supervision] = await Promise.all([
    db.execute(opts.summary === false ? queries.casesFromScratch : queries.cases).then((r) => rowsOf<Record<string, string>>(r).map(parseGroup)),
    db.execute(queries.activities),
    can(actor, 'supervision.read') ? supervisionFigures(db, q) : null,
  ]);
  const activityRows = rowsOf<{ station_code: string; activities: string; visits: string; voters: string }>(activityResult);

  // Cases: roll the groups up, exactly (BigInt for money).
  const n = (s: string) => Number(s);
  const total = { owed: 0n, recovered: 0n } as Counters;
  for (const k of COUNT_KEYS) total[k] = 0;
  const bySource: Record<string, number> = Object.fromEntries(SOURCES.map((s) => [s, 0]));
  const byDisputeType: Record<string, number> = {};
  const casesByStation = new Map<string, number>();
  for (const g of groups) {
    if (g.by === 'station') {
      addInto(total, g.c);
      casesByStation.set(g.key, g.c.cases);
    } else if (g.by === 'source') bySource[g.key] = g.c.cases;
    else byDisputeType[g.key] = g.c.cases;
  }
  const sum = (key: (typeof COUNT_KEYS)[number]) => total[key];
  const owed = total.owed;
  const recovered = total.recovered;
  const sortedTypes = Object.entries(byDisputeType)
    .filter(([, v]) => v > 0)
    .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1));

  const agreements = sum('agreements');
  const failed = sum('failed');
  const performed = sum('performed');
  const settled = sum('settled');
  const sent = sum('sent');
  const outcomes = {
    fulfilled: sum('fulfilled'),
    settled: sum('settled_enf'),
    terminated_this_round: sum('terminated_this_round'),
    terminated: sum('terminated'),
  };

  const activityByStation = new Map(activityRows.map((a) => [a.station_code, a]));
  const stationFigures: StationFigures[] = stationRows.map((s) => {
    const a = activityByStation.get(s.code);
    return {
      code: s.code,
      name: s.name,
      district: s.district,
      casesOpened: casesByStation.get(s.code) ?? 0,
      activities: a ? n(a.activities) : 0,
      deputyVisits: a ? n(a.visits) : 0,
      votersReceived: a ? n(a.voters) : 0,
    };
  });

  return {
    filters: { from: q.from ?? null, to: q.to ?? null, district: q.district ?? null, stationCode: stationCode ?? null },
    generatedAt: now.toISOString(),
    cases: { opened: sum('cases'), bySource, byDisputeType: Object.fromEntries(sortedTypes) },
    mediation: { agreements, failed, ended: agreements + failed, successRate: rate(agreements, agreements + failed) },
    deputies: { casesWithDeputies: sum('with_deputies'), sessionsHeld: sum('sessions'), deputyAttendances: sum('attendances') },
    performance: { performedVoluntarily: performed, settled, voluntaryRate: rate(performed, settled) },
    enforcement: {
      sent,
      fromAgreements: sum('from_agreements'),
      referrals: sent - sum('from_agreements'),
      inProgress: sent - outcomes.fulfilled - outcomes.settled - outcomes.terminated_this_round - outcomes.terminated,
      outcomes,
      owedAmount: yuanOf(owed),
      recoveredAmount: yuanOf(recovered),
      recoveryRate: rate(recovered, owed),
      overLimit: sum('over_limit'),
      overLimitOpen: sum('over_limit_open'),
    },
    supervision,
    stations: stationFigures,
    stationTotals: {
      casesOpened: stationFigures.reduce((a, s) => a + s.casesOpened, 0),
      activities: stationFigures.reduce((a, s) => a + s.activities, 0),
      deputyVisits: stationFigures.reduce((a, s) => a + s.deputyVisits, 0),
      votersReceived: stationFigures.reduce((a, s) => a + s.votersReceived, 0),
    },
  };
}

async function supervisionFigures(db: Db, q: ReportQuery): Promise<NonNullable<EnforcementReport['supervision']>> {
  const queries = reportQueries(q, null);
  const [stateResult, lateResult] = await Promise.all([db.execute(queries.supervisions), db.execute(queries.overdueReports)]);
  const rows = rowsOf<{ state: string; rating: string | null; items: string; overdue: string }>(stateResult);
  const [late] = rowsOf<{ n: string }>(lateResult);
  const byState: Record<string, number> = Object.fromEntries(SUPERVISION_STATES.map((s) => [s, 0]));
  const byRating: Record<string, number> = Object.fromEntries([...RATINGS, 'unrated'].map((r) => [r, 0]));
  let items = 0;
  let overdueNow = 0;
  for (const r of rows) {
    const count = Number(r.items);
    items += count;
    overdueNow += Number(r.overdue);
    byState[r.state] = (byState[r.state] ?? 0) + count;
    byRating[r.rating ?? 'unrated'] = (byRating[r.rating ?? 'unrated'] ?? 0) + count;
  }
  return { items, byState, byRating, overdueNow, overdueReports: Number(late?.n ?? 0) };
}
