/**
 * The closed-case summary behind the committee report (DESIGN.md §8, src/engine/reports.ts).
 *
 * `case_report_years`, `case_report_months` and `case_report_days` hold the report's figures of
 * every closed case, added up by when the case was opened (Shanghai calendar year / month / day)
 * × station × source × dispute type. A report adds up the year rows of the whole years in its
 * period, the month rows of the whole months left at either end, the day rows of the days left
 * after those, and the open cases live from `cases_report_open_idx` — in one statement, so all
 * parts see the same snapshot. (Month rows alone were ~50k at 200k cases: summing them was most
 * of the report's time; the year rows are a few thousand.)
 *
 * Why it is exact, in every process, at once:
 * - A case is added in the transaction that closes it (`addClosedCase`, called by the engine's
 *   write path). `closed` is final — the machine takes no event, the engine writes nothing more —
 *   so what is added is never out of date, and there is nothing to subtract, ever.
 * - Rolled back with the close, committed with it: a reader sees the case either open (counted
 *   live) or closed and in the summary, never both or neither. No clock, watermark or warm-up.
 * - The keys are what the report filters on: `from`/`to` are Shanghai days of `opened_at` (the
 *   month rows serve whole months only); `stationCode` is a key; `district` is resolved to its
 *   stations when the report runs (a station moved to another district moves its figures with it).
 *
 * Why open cases are counted live and not kept here: an open case's figures change with its events
 * (sessions, agreement, payments, enforcement); keeping them would mean a delta on every event —
 * also on the hot single-statement path of sessions — and a few hot rows every writer of a station
 * locks. Open cases are the minority and are read from a partial index (see bench-report.ts).
 * Their session counts are not in that index but in `open_case_sessions`, a row per open case that
 * held a session, set by the statement that changes them (`openSessionsUpsert`) and deleted by the
 * one that closes the case (`closedCaseUpserts`): so that recording a session, the commonest
 * event, changes no indexed column of `cases` (a HOT update, touching none of its 13 indexes).
 *
 * Outside the engine: scripts/seed.ts writes cases by COPY and calls `rebuildClosedCaseTotals`;
 * the migration `drizzle/*_report_summary_backfill.sql` fills the tables for existing data with
 * the same SQL as `closedCaseTotals` (test/engine/report-summary.test.ts holds them equal).
 */
import { sql, type SQL } from 'drizzle-orm';
import { PgDialect } from 'drizzle-orm/pg-core';
import type { Db, Driver } from '../db/client.js';

/**
 * Each figure of the summary and how a set of `cases` rows adds up to it (the columns of both
 * tables, in this order). Counts as integers, money in fen as bigint.
 */
export const CLOSED_FIGURES: Record<string, SQL> = {
  cases: sql`count(*)`,
  agreements: sql`count(*) filter (where agreed_at is not null)`,
  failed: sql`count(*) filter (where agreed_at is null and outcome in ('litigation', 'trial_resumed'))`,
  with_deputies: sql`count(*) filter (where cardinality(deputy_ids) > 0)`,
  sessions: sql`coalesce(sum(sessions_held), 0)`,
  attendances: sql`coalesce(sum(deputy_attendances), 0)`,
  performed: sql`count(*) filter (where outcome = 'performed')`,
  settled: sql`count(*) filter (where agreed_at is not null and (outcome in ('performed', 'litigation') or enforcement_started_at is not null))`,
  sent: sql`count(*) filter (where enforcement_started_at is not null)`,
  from_agreements: sql`count(*) filter (where enforcement_started_at is not null and agreed_at is not null)`,
  fulfilled: sql`count(*) filter (where outcome = 'fulfilled')`,
  settled_enf: sql`count(*) filter (where outcome = 'settled')`,
  terminated_this_round: sql`count(*) filter (where outcome = 'terminated_this_round')`,
  terminated: sql`count(*) filter (where outcome = 'terminated')`,
  over_limit: sql`count(*) filter (where overdue and enforcement_started_at is not null)`,
  owed_fen: sql`coalesce(sum(owed_fen) filter (where enforcement_started_at is not null), 0)`,
  recovered_fen: sql`coalesce(sum(recovered_fen) filter (where enforcement_started_at is not null), 0)`,
};
export const FIGURE_COLUMNS = Object.keys(CLOSED_FIGURES);
const MONEY = new Set(['owed_fen', 'recovered_fen']);

export type Grain = 'year' | 'month' | 'day';
export const GRAINS: readonly Grain[] = ['year', 'month', 'day'];
export const TOTALS_TABLE: Record<Grain, string> = { year: 'case_report_years', month: 'case_report_months', day: 'case_report_days' };

/** The Shanghai calendar day of `opened_at` (UTC+8, no daylight saving, as src/machines/calendar.ts), or its year's or month's first day. */
function periodOf(grain: Grain): SQL {
  const day = sql`((opened_at at time zone 'UTC') + interval '8 hours')::date`;
  return grain === 'day' ? day : sql`date_trunc(${sql.raw(`'${grain}'`)}, ${day}::timestamp)::date`;
}

/**
 * The summary rows of `grain` computed from the `cases` table (or `from`, a relation with its
 * columns): of every closed case. Columns: period, station_code, source, dispute_type, then FIGURE_COLUMNS.
 */
export function closedCaseTotals(grain: Grain, from: SQL = sql`cases`): SQL {
  const figures = sql.join(
    FIGURE_COLUMNS.map((k) => sql`${CLOSED_FIGURES[k]}::${sql.raw(MONEY.has(k) ? 'bigint' : 'integer')} as ${sql.raw(k)}`),
    sql`, `,
  );
  return sql`select ${periodOf(grain)} as period, station_code, source, dispute_type, ${figures}
    from ${from} where outcome is not null group by 1, 2, 3, 4`;
}

const KEY_COLUMNS = 'period, station_code, source, dispute_type';

/** Adds `closedCaseTotals(grain, from)` into the table of `grain`, row by row. */
function upsert(grain: Grain, from: SQL): SQL {
  const table = sql.raw(TOTALS_TABLE[grain]);
  const add = sql.raw(FIGURE_COLUMNS.map((k) => `${k} = ${TOTALS_TABLE[grain]}.${k} + excluded.${k}`).join(', '));
  return sql`insert into ${table} (${sql.raw(KEY_COLUMNS)}, ${sql.raw(FIGURE_COLUMNS.join(', '))})
    ${closedCaseTotals(grain, from)}
    on conflict (${sql.raw(KEY_COLUMNS)}) do update set ${add}`;
}

/** The columns of `cases` the summary reads. */
export const SUMMARY_COLUMNS = [
  'opened_at', 'station_code', 'source', 'dispute_type', 'outcome', 'agreed_at', 'enforcement_started_at', 'overdue', 'owed_fen',
  'recovered_fen', 'sessions_held', 'deputy_attendances', 'deputy_ids',
] as const;
const CASE_COLUMNS = SUMMARY_COLUMNS.join(', ');

/**
 * The summary's three upserts of the closing cases `from` (a relation with SUMMARY_COLUMNS), as
 * data-modifying CTEs (`summed_days as (…), summed_months as (…), summed_years as (…)`) for a
 * statement that reads none of them: the hook's own below, and the write path's
 * (src/engine/write/sql.ts). Each reads the one before it, so every closing locks its summary rows
 * in the same order — days, months, years — whatever order PostgreSQL would run them in, and
 * after the case's own row: no lock cycle between two closings. The closing cases leave
 * `open_case_sessions` in the same statement (`from` has their `id` too).
 */
export function closedCaseUpserts(from: SQL): SQL {
  const after = (cte: string) => sql`(select * from ${from} where (select count(*) from ${sql.raw(cte)}) >= 0) as closed`;
  return sql`summed_days as (${upsert('day', from)} returning 1),
    summed_months as (${upsert('month', after('summed_days'))} returning 1),
    summed_years as (${upsert('year', after('summed_months'))}),
    unsessioned as (delete from open_case_sessions where case_id in (select id from ${from}))`;
}

/** The columns of `cases` an `open_case_sessions` row copies (the first is its key, `case_id`). */
export const OPEN_SESSION_COLUMNS = ['id', 'opened_at', 'station_code', 'source', 'dispute_type', 'sessions_held', 'deputy_attendances'] as const;
const OPEN_SESSION_TARGET = 'case_id, opened_at, station_code, source, dispute_type, sessions_held, deputy_attendances';

/**
 * The `open_case_sessions` rows of the open cases `from` (a relation with OPEN_SESSION_COLUMNS)
 * made what they hold: for a statement that changes a case's session counts (the write path's,
 * src/engine/write/sql.ts). Not for a closing case: `closedCaseUpserts` deletes its row.
 */
export function openSessionsUpsert(from: SQL): SQL {
  return sql`insert into open_case_sessions (${sql.raw(OPEN_SESSION_TARGET)})
    select ${sql.raw(OPEN_SESSION_COLUMNS.join(', '))} from ${from}
    on conflict (case_id) do update set sessions_held = excluded.sessions_held, deputy_attendances = excluded.deputy_attendances`;
}

/**
 * The hook's statement, as SQL text built once (`$1` the case id) and run through the driver, as
 * the write path's other statements are: drizzle would walk its many parts on every execute
 * (~1 ms of CPU per close, `npm run bench`).
 */
let hookText: string | undefined;
function hookStatement(): string {
  hookText ??=
    `with closing as (select id, ${CASE_COLUMNS} from cases where id = $1), ` +
    new PgDialect().sqlToQuery(sql`${closedCaseUpserts(sql`closing`)} select 1`).sql;
  return hookText;
}

/**
 * The write hook: adds the case `caseId`, closed by the transaction `tx` is in, to the three
 * summary tables — one statement, after the case's row is written in the same transaction. Call
 * it exactly once per case, when it closes (`closesCase`); never outside that transaction. (The
 * write path adds a closing case in its own statement, `closedCaseUpserts`; this is for a write
 * that runs in a transaction of several: a deadline fired by the sweeper.)
 */
export async function addClosedCase(tx: Driver, caseId: string): Promise<void> {
  await tx.query(hookStatement(), [caseId]);
}

/**
 * Does a write of these columns of an entity (drizzle's names: the write path's `written`) change
 * what its `open_case_sessions` row holds? (A closing case's row is deleted instead.)
 */
export function changesOpenSessions(entityType: string, written: Record<string, unknown>): boolean {
  return entityType === 'case' && ('sessionsHeld' in written || 'deputyAttendances' in written);
}

/** Does this write close a case (and so must add it to the summary in its transaction)? */
export function closesCase(entityType: string, from: string, to: string): boolean {
  return entityType === 'case' && to === 'closed' && from !== 'closed';
}

/**
 * Recompute the three tables (and `open_case_sessions`) from the `cases` table, in one
 * transaction: for writers that bypass the engine (scripts/seed.ts loads cases by COPY). Not
 * needed by the engine itself. The cases are
 * read once, into the day rows; the month rows add up the day rows and the year rows the month
 * rows — every figure is a count or a sum, so these are `closedCaseTotals` of each grain exactly
 * (the seed's test compares them), at a third of the reads (at 1M cases: three scans took 8 s).
 */
export async function rebuildClosedCaseTotals(db: Db): Promise<void> {
  const into = (grain: Grain) => sql.raw(`insert into ${TOTALS_TABLE[grain]} (${KEY_COLUMNS}, ${FIGURE_COLUMNS.join(', ')})`);
  const rollUp = (grain: Grain, finer: Grain) =>
    sql`${into(grain)} select date_trunc(${sql.raw(`'${grain}'`)}, period::timestamp)::date, station_code, source, dispute_type,
      ${sql.raw(FIGURE_COLUMNS.map((k) => `sum(${k})::${MONEY.has(k) ? 'bigint' : 'integer'}`).join(', '))}
      from ${sql.raw(TOTALS_TABLE[finer])} group by 1, 2, 3, 4`;
  await db.transaction(async (tx) => {
    for (const grain of GRAINS) await tx.execute(sql`delete from ${sql.raw(TOTALS_TABLE[grain])}`);
    await tx.execute(sql`${into('day')} ${closedCaseTotals('day')}`);
    await tx.execute(rollUp('month', 'day'));
    await tx.execute(rollUp('year', 'month'));
    await tx.execute(sql`delete from open_case_sessions`);
    await tx.execute(sql`insert into open_case_sessions (${sql.raw(OPEN_SESSION_TARGET)}) ${openCaseSessions()}`);
  });
}

/**
 * The `open_case_sessions` rows computed from `cases`: its open cases that held a session (as
 * drizzle/0023_open_case_sessions.sql fills the table for existing data).
 */
export function openCaseSessions(): SQL {
  return sql`select ${sql.raw(OPEN_SESSION_COLUMNS.join(', '))} from cases
    where outcome is null and (sessions_held <> 0 or deputy_attendances <> 0)`;
}
