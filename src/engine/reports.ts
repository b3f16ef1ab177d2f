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
 * Speed (target ≤ 300 ms at 1M cases on PostgreSQL): every query reads a covering index, never
 * the wide heap rows (snapshots); and the closed cases, which never change again, are added up
 * once per process into a rollup by month of opening, so a report only aggregates the open cases,
 * the recent writes and the partial months at the ends of its period — see "The closed-case
 * rollup" below for the why, the exactness argument and the plan beyond it. Measured by
 * scripts/bench-report.ts.
 */
import { stringify } from 'csv-stringify/sync';
import { sql, type SQL } from 'drizzle-orm';
import { z } from 'zod';
import { CONCLUDE_RESULTS, SOURCES } from '../machines/case.js';
import { endOfDate, isValidDate, startOfShanghaiDay } from '../machines/calendar.js';
import { can, reportScope } from '../machines/policy.js';
import type { Actor } from '../machines/roles.js';
import { RATINGS } from '../machines/supervision.js';
import { rowsOf, type Db } from '../db/client.js';
import { OUTCOME_LABELS, RATING_LABELS, UI, REPORT_FIGURE_LABELS, REPORT_SECTION_LABELS, SOURCE_LABELS, supervisionStateLabel } from '../labels.js';
import { fieldError, fieldErrors, Forbidden, ValidationError } from './errors.js';

const day = z.string().trim().refine(isValidDate, { message: '须为日期 YYYY-MM-DD，例如 2026-01-01' });

export const reportQuerySchema = z
  .object({
    from: day.optional(),
    to: day.optional(),
    district: z.string().trim().min(1).max(50).optional(),
    stationCode: z.string().trim().min(1).max(32).optional(),
    format: z.enum(['json', 'csv']).default('json'),
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

const COUNT_KEYS = [
  'opened',
  'agreements',
  'failed',
  'with_deputies',
  'sessions',
  'attendances',
  'performed',
  'settled',
  'sent',
  'from_agreements',
  'fulfilled',
  'settled_enf',
  'terminated_this_round',
  'terminated',
  'over_limit',
  'over_limit_open',
] as const;
/** One group's case figures, exact: counts as numbers, money in fen as BigInt. */
type Counters = Record<(typeof COUNT_KEYS)[number], number> & { owed: bigint; recovered: bigint };
/** The figures of the cases of one station, source and dispute type. */
interface Group {
  key: string;
  station: string;
  source: string;
  disputeType: string;
  c: Counters;
}

const groupKey = (station: string, source: string, disputeType: string) => `${station}\t${source}\t${disputeType}`;

function parseGroup(r: Record<string, string>): Group {
  const c = { owed: BigInt(r.owed), recovered: BigInt(r.recovered) } as Counters;
  for (const k of COUNT_KEYS) c[k] = Number(r[k]);
  return { key: groupKey(r.station_code, r.source, r.dispute_type), station: r.station_code, source: r.source, disputeType: r.dispute_type, c };
}

function addInto(target: Counters, c: Counters): void {
  for (const k of COUNT_KEYS) target[k] += c[k];
  target.owed += c.owed;
  target.recovered += c.recovered;
}

/** Every figure the report takes from a case, as aggregates over a set of `cases` rows. */
const CASE_AGGREGATES = sql`
        count(*)::text as opened,
        count(*) filter (where agreed_at is not null)::text as agreements,
        count(*) filter (where agreed_at is null and outcome in ('litigation', 'trial_resumed'))::text as failed,
        count(*) filter (where cardinality(deputy_ids) > 0)::text as with_deputies,
        coalesce(sum(sessions_held), 0)::text as sessions,
        coalesce(sum(deputy_attendances), 0)::text as attendances,
        count(*) filter (where outcome = 'performed')::text as performed,
        count(*) filter (where agreed_at is not null
          and (outcome in ('performed', 'litigation') or enforcement_started_at is not null))::text as settled,
        count(*) filter (where enforcement_started_at is not null)::text as sent,
        count(*) filter (where enforcement_started_at is not null and agreed_at is not null)::text as from_agreements,
        count(*) filter (where outcome = 'fulfilled')::text as fulfilled,
        count(*) filter (where outcome = 'settled')::text as settled_enf,
        count(*) filter (where outcome = 'terminated_this_round')::text as terminated_this_round,
        count(*) filter (where outcome = 'terminated')::text as terminated,
        coalesce(sum(owed_fen) filter (where enforcement_started_at is not null), 0)::text as owed,
        coalesce(sum(recovered_fen) filter (where enforcement_started_at is not null), 0)::text as recovered,
        count(*) filter (where overdue and enforcement_started_at is not null)::text as over_limit,
        count(*) filter (where overdue and enforcement_started_at is not null and outcome is null)::text as over_limit_open`;

// ---------------------------------------------------------------------------------------------
// The closed-case rollup
//
// Plain indexed aggregation is not enough at a million cases: the best plan (a parallel
// index-only scan of cases_report_idx and a hash aggregate over every case) takes ~0.7–0.9 s on
// the 2-core benchmark machine, against a 300 ms target. So the summary strategy:
//
// A closed case never changes again (`closed` is final: the machine takes no event, the engine
// writes nothing). Each process therefore keeps, per database, the figures of the closed cases
// by Shanghai month of opening × station × source × dispute type — built by one scan on the first
// report, then extended with the cases closed since (`updated_at` index). A report adds up the
// months that lie wholly inside its period from that rollup, and asks PostgreSQL, exactly, for the
// rest: the open cases (partial index `cases_report_open_idx`, a small share of all cases), the
// cases written in the last few minutes, and the closed cases of the partial months at either end
// of the period (`cases_report_idx` range scans). Every figure is still computed from the rows, in
// integers; nothing is approximate and there is no refresh job.
//
// The rollup only takes closed cases written more than SETTLE_MS ago: a transaction stamps
// `updated_at` from its clock before it commits, so a closing committed later than that stamp
// must still be seen by the live part. Correctness assumes no write stays uncommitted, and no
// server clock is off, by more than SETTLE_MS. Where closed cases are changed outside the engine
// (a data repair, a machine-version migration of snapshots), restart the API processes.
//
// If open cases ever become most of the table, or several processes' first-report scans matter,
// the next step is the same rollup as a table kept by the engine in each event's transaction.

/** How old a closed case's last write must be before the rollup takes it. */
export const SETTLE_MS = 5 * 60_000;

/** How often a process brings its rollup forward; what was written since is read live meanwhile. */
const REFRESH_MS = 10_000;

interface Rollup {
  /** Closed cases with `updated_at` up to here are in `months`; every later write is read live. */
  watermark: string;
  /** `YYYY-MM` (Shanghai month of opening) → group key → figures. Replaced, never mutated, on refresh. */
  months: Map<string, Map<string, Group>>;
  /** Sums over a range of months (`first|last`), memoised: the same period asked again costs nothing. */
  sums: Map<string, Group[]>;
}

const rollups = new WeakMap<Db, { current: Promise<Rollup> }>();

/** The closed-case rollup of `db`, brought up to `now − SETTLE_MS`. */
async function closedRollup(db: Db, now: Date): Promise<Rollup> {
  const target = new Date(now.getTime() - SETTLE_MS).toISOString();
  let slot = rollups.get(db);
  if (!slot) {
    slot = { current: extendRollup(db, { watermark: '', months: new Map(), sums: new Map() }, target) };
    rollups.set(db, slot);
  }
  const pending = slot.current;
  let rollup: Rollup;
  try {
    rollup = await pending;
  } catch (err) {
    if (rollups.get(db)?.current === pending) rollups.delete(db); // a failed build is not kept
    throw err;
  }
  if (Date.parse(target) < Date.parse(rollup.watermark) + REFRESH_MS) return rollup;
  // Another report is already extending it: share that refresh. Otherwise extend it (a small
  // query on cases_updated_idx); a failed refresh keeps the rollup as it was.
  if (slot.current !== pending) return slot.current;
  slot.current = extendRollup(db, rollup, target).catch(() => rollup);
  return slot.current;
}

async function extendRollup(db: Db, from: Rollup, watermark: string): Promise<Rollup> {
  const rows = rowsOf<Record<string, string>>(
    await db.execute(sql`
      select to_char((opened_at at time zone 'UTC') + interval '8 hours', 'YYYY-MM') as month,
        station_code, source, dispute_type, ${CASE_AGGREGATES}
      from cases
      where outcome is not null and updated_at <= ${watermark}::timestamptz
        ${from.watermark ? sql`and updated_at > ${from.watermark}::timestamptz` : sql``}
      group by 1, 2, 3, 4`),
  );
  if (rows.length === 0) return { watermark, months: from.months, sums: from.sums };
  const months = new Map(from.months);
  const copied = new Set<string>();
  for (const r of rows) {
    const g = parseGroup(r);
    let month = months.get(r.month);
    if (!copied.has(r.month)) {
      // Copy on write: a report still adding up the previous rollup keeps seeing it whole.
      month = new Map([...(month ?? new Map<string, Group>())].map(([k, v]) => [k, { ...v, c: { ...v.c } }]));
      months.set(r.month, month);
      copied.add(r.month);
    }
    const had = month!.get(g.key);
    if (had) addInto(had.c, g.c);
    else month!.set(g.key, g);
  }
  return { watermark, months, sums: new Map() };
}

/** The rollup's groups summed over the months [first, last], restricted to `codes` afterwards. */
function monthSums(rollup: Rollup, first: string, last: string): Group[] {
  const key = `${first}|${last}`;
  let sums = rollup.sums.get(key);
  if (!sums) {
    const byGroup = new Map<string, Group>();
    for (const [month, groups] of rollup.months) {
      if (month < first || month > last) continue;
      for (const g of groups.values()) {
        const had = byGroup.get(g.key);
        if (had) addInto(had.c, g.c);
        else byGroup.set(g.key, { ...g, c: { ...g.c } });
      }
    }
    sums = [...byGroup.values()];
    if (rollup.sums.size > 100) rollup.sums.clear();
    rollup.sums.set(key, sums);
  }
  return sums;
}

const nextDay = (d: string) => new Date(Date.parse(`${d}T00:00:00Z`) + 86_400_000).toISOString().slice(0, 10);
const prevDay = (d: string) => new Date(Date.parse(`${d}T00:00:00Z`) - 86_400_000).toISOString().slice(0, 10);

/**
 * The period split for the rollup: whole months [first, last] (`YYYY-MM`, either open-ended) and
 * the day ranges left at either end, read live.
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
  // A text[] literal: both drivers take it as one parameter.
  const codeArray = stationCodes && `{${stationCodes.map((c) => `"${c.replace(/["\\]/g, '\\$&')}"`).join(',')}}`;
  const whereOf = (parts: SQL[]) => (parts.length ? sql`where ${sql.join(parts, sql` and `)}` : sql``);

  const caseWhere: SQL[] = [];
  if (q.from) caseWhere.push(sql`opened_at >= ${startOfShanghaiDay(q.from)}::timestamptz`);
  if (q.to) caseWhere.push(sql`opened_at < ${endOfDate(q.to)}::timestamptz`);
  if (codeArray) caseWhere.push(sql`station_code = any(${codeArray}::text[])`);

  const activityWhere: SQL[] = [];
  if (q.from) activityWhere.push(sql`date >= ${q.from}::date`);
  if (q.to) activityWhere.push(sql`date <= ${q.to}::date`);
  if (codeArray) activityWhere.push(sql`station_code = any(${codeArray}::text[])`);

  const supervisionWhere: SQL[] = [];
  if (q.from) supervisionWhere.push(sql`s.opened_at >= ${startOfShanghaiDay(q.from)}::timestamptz`);
  if (q.to) supervisionWhere.push(sql`s.opened_at < ${endOfDate(q.to)}::timestamptz`);

  return {
    /**
     * The cases the rollup does not hold: open ones (cases_report_open_idx) and those written
     * after its watermark (cases_updated_idx). With no watermark: every case in the period.
     */
    live: (watermark: string | null) =>
      watermark
        ? sql`
      select station_code, source, dispute_type, ${CASE_AGGREGATES}
      from (
        select * from cases ${whereOf([sql`outcome is null`, ...caseWhere])}
        union all
        select * from cases ${whereOf([sql`outcome is not null`, sql`updated_at > ${watermark}::timestamptz`, ...caseWhere])}
      ) c
      group by station_code, source, dispute_type`
        : sql`
      select station_code, source, dispute_type, ${CASE_AGGREGATES}
      from cases ${whereOf(caseWhere)}
      group by station_code, source, dispute_type`,
    /** Closed cases in the rollup, opened in [from, to] (Shanghai days): a partial month at an end of the period. */
    edge: (watermark: string, from: string | undefined, to: string | undefined) => {
      const where: SQL[] = [sql`outcome is not null`, sql`updated_at <= ${watermark}::timestamptz`];
      if (from) where.push(sql`opened_at >= ${startOfShanghaiDay(from)}::timestamptz`);
      if (to) where.push(sql`opened_at < ${endOfDate(to)}::timestamptz`);
      if (codeArray) where.push(sql`station_code = any(${codeArray}::text[])`);
      return sql`
      select station_code, source, dispute_type, ${CASE_AGGREGATES}
      from cases ${whereOf(where)}
      group by station_code, source, dispute_type`;
    },
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
  opts: { now?: Date; /** false: aggregate every case afresh, without the closed-case rollup. */ rollup?: boolean } = {},
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
  const casesPart = async (): Promise<Group[]> => {
    if (opts.rollup === false) return rowsOf<Record<string, string>>(await db.execute(queries.live(null))).map(parseGroup);
    const rollup = await closedRollup(db, now);
    const period = splitPeriod(q.from, q.to);
    const parts = await Promise.all([
      db.execute(queries.live(rollup.watermark)),
      ...period.edges.map(([from, to]) => db.execute(queries.edge(rollup.watermark, from, to))),
    ]);
    const groups = parts.flatMap((p) => rowsOf<Record<string, string>>(p).map(parseGroup));
    if (period.first !== null) {
      const inScope = codes && new Set(codes);
      for (const g of monthSums(rollup, period.first, period.last!)) if (!inScope || inScope.has(g.station)) groups.push(g);
    }
    return groups;
  };
  const [groups, activityResult, supervision] = await Promise.all([
    casesPart(),
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
    addInto(total, g.c);
    bySource[g.source] = (bySource[g.source] ?? 0) + g.c.opened;
    byDisputeType[g.disputeType] = (byDisputeType[g.disputeType] ?? 0) + g.c.opened;
    casesByStation.set(g.station, (casesByStation.get(g.station) ?? 0) + g.c.opened);
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
    cases: { opened: sum('opened'), bySource, byDisputeType: Object.fromEntries(sortedTypes) },
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
