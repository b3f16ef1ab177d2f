/**
 * Legal time (DESIGN §11): the statutory calendar, how its dates reach the machines, and how far
 * each deadline is from now.
 *
 * The machines never read the calendar. When an event starts or moves a 民诉法 Art 85 period, the
 * engine computes the period's end with the calendar and stamps it into the event (`stampLegalTime`),
 * so the journal holds what decided each due date and replay is exact whatever the calendar says
 * later. When the admin replaces a year, every open period it moves gets a `CALENDAR_CHANGED`
 * record in its journal, in the same transaction (`replaceCalendarYear`): the history says why
 * the date moved, and replay applies the record as it was written.
 */
import { and, asc, eq, gte, inArray, isNull, lte, sql } from 'drizzle-orm';
import { unionAll } from 'drizzle-orm/pg-core';
import type { AnyMachineSnapshot } from 'xstate';
import { z } from 'zod';
import { addDays, art85End, isValidDate, shanghaiDate, shanghaiDay, workingDayOf, type CalendarDayKind, type PeriodEnd, type StatutoryCalendar } from '../machines/calendar.js';
import type { Actor } from '../machines/roles.js';
import { statePath, type MachineSpec } from '../machines/spec.js';
import type { Db } from '../db/client.js';
import { calendarDays, calendarYears, cases, deadlines } from '../db/schema.js';
import type { EngineContext } from './apply.js';
import { fieldError, fieldErrors, Forbidden, ValidationError, type FieldErrors } from './errors.js';
import { can, rolesFor } from '../machines/policy.js';
import { enforcedDeadlines } from './write/deadlines.js';
import { journalRow } from './write/journal.js';
import { persist, restore } from './write/snapshots.js';
import { caseStore, type EntityRow, type EntityStore } from './stores.js';
import { recordAudit, type RequestMeta } from './audit.js';
import { nextSnapshot } from './transition.js';

// ---------------------------------------------------------------------------------------------
// Levels

/** `DEADLINE_WARNING_DAYS` when the configuration does not say. */
export const DEFAULT_WARNING_DAYS = 5;
export const DEADLINE_LEVELS = ['normal', 'warning', 'overdue'] as const;
export type DeadlineLevel = (typeof DEADLINE_LEVELS)[number];


/**
 * How far a deadline is from `now`, in Shanghai calendar days: `daysLeft` counts from today to the
 * deadline's last day (0: it ends tonight; -2: it ran out two days ago). `overdue` once due,
 * `warning` when its last day is within `warningDays` days, `normal` otherwise.
 * @example deadlineStatus('2026-10-08T16:00:00.000Z', new Date('2026-10-06T02:00:00Z'), 5) // { daysLeft: 2, level: 'warning' }
 */
export function deadlineStatus(dueAt: string, now: Date, warningDays = DEFAULT_WARNING_DAYS): { daysLeft: number; level: DeadlineLevel } {
  // Every answer shows its deadlines: the days between today and the last day are counted as
  // day numbers, not written out as dates and parsed back.
  const due = Date.parse(dueAt);
  const daysLeft = shanghaiDay(due - 1) - shanghaiDay(now.getTime());
  const level: DeadlineLevel = now.getTime() >= due ? 'overdue' : daysLeft <= warningDays ? 'warning' : 'normal';
  return { daysLeft, level };
}

/** A deadline is "due within `days` days" (its last day at most `days` days away) when its dueAt is at most this instant. */
export function dueWithinBound(days: number, now: Date): string {
  return new Date(Date.parse(`${addDays(shanghaiDate(now.toISOString()), days + 1)}T00:00:00Z`) - 8 * 3_600_000).toISOString();
}

// ---------------------------------------------------------------------------------------------
// Reading the calendar

/** The declared days between two dates (inclusive) and the years covered, for `art85End`. */
export async function loadCalendar(db: Db, from: string, to: string): Promise<StatutoryCalendar> {
  const [fromYear, toYear] = [Number(from.slice(0, 4)), Number(to.slice(0, 4))];
  // One statement (an event that starts a period waits for it): the days, then the years covered.
  const rows = await unionAll(
    db
      .select({ date: sql<string | null>`${calendarDays.date}::text`, kind: sql<string | null>`${calendarDays.kind}`, year: sql<number | null>`null::integer` })
      .from(calendarDays)
      .where(and(gte(calendarDays.date, from), lte(calendarDays.date, to))),
    db
      .select({ date: sql<string | null>`null::text`, kind: sql<string | null>`null::text`, year: sql<number | null>`${calendarYears.year}` })
      .from(calendarYears)
      .where(and(gte(calendarYears.year, fromYear), lte(calendarYears.year, toYear))),
  );
  const days: Record<string, CalendarDayKind> = {};
  const years: number[] = [];
  for (const r of rows) {
    if (r.year !== null) years.push(Number(r.year));
    else days[r.date!] = r.kind as CalendarDayKind;
  }
  return { days, years };
}

/** A State Council notice moves a last day by a few days (Spring Festival: 9); this much calendar is read first. */
const LOOKAHEAD_DAYS = 45;

/**
 * The Art 85 ends of these periods (kind → last day), each walked to its first working day
 * whatever the calendar declares (an admin may enter 65 holidays in a row, or a whole year). The
 * calendar is read from `from` to a few weeks past the latest last day; a walk that reached past
 * what was read did not see the days there, so it is read four times further and walked again.
 * It ends: past the last declared day only weekends rest.
 */
export async function art85Ends(db: Db, lastDays: Readonly<Record<string, string>>, from = Object.values(lastDays).sort()[0]): Promise<Record<string, PeriodEnd>> {
  const latest = Object.values(lastDays).sort().at(-1)!;
  for (let span = LOOKAHEAD_DAYS; ; span *= 4) {
    const through = addDays(latest, span);
    const calendar = await loadCalendar(db, from, through);
    const ends = Object.fromEntries(Object.entries(lastDays).map(([kind, last]) => [kind, art85End(last, calendar)]));
    if (Object.values(ends).every((end) => workingDayOf(end) <= through)) return ends;
  }
}

/** GET /api/calendar?year=: the year's declared days, and whether its notice was entered. */
export async function calendarYear(db: Db, year: number) {
  const [covered] = await db.select().from(calendarYears).where(eq(calendarYears.year, year));
  const days = await db
    .select({ date: calendarDays.date, kind: calendarDays.kind, name: calendarDays.name })
    .from(calendarDays)
    .where(and(gte(calendarDays.date, `${year}-01-01`), lte(calendarDays.date, `${year}-12-31`)))
    .orderBy(asc(calendarDays.date));
  return {
    year,
    complete: covered !== undefined,
    ...(covered ? { source: covered.source, updatedAt: new Date(covered.updatedAt).toISOString() } : {}),
    days,
  };
}

/**
 * The years the calendar covers, and those it should and does not: this year and the next (a
 * deadline runs into next year from autumn on), and every year an open deadline was computed
 * without the calendar.
 */
export async function calendarCoverage(db: Db, now: Date) {
  const years = await db.select().from(calendarYears).orderBy(asc(calendarYears.year));
  const covered = new Set(years.map((y) => y.year));
  const thisYear = Number(shanghaiDate(now.toISOString()).slice(0, 4));
  const missing = [thisYear, thisYear + 1].filter((y) => !covered.has(y));
  return {
    years: years.map((y) => ({ year: y.year, source: y.source, updatedAt: new Date(y.updatedAt).toISOString() })),
    missing,
  };
}

// ---------------------------------------------------------------------------------------------
// Stamping events

/**
 * The event with the ends of the Art 85 periods it starts or moves, computed with the calendar:
 * `periodEnds: {kind: {lastDay, dueAt, calendarMissing?}}`. Other events come back as they are,
 * without a query. Called by the write path after the guards passed, before the transition;
 * `next`: the snapshot after the event, when this already made that transition (the event came
 * back unchanged).
 */
export async function stampLegalTime<E extends { type: string }>(
  db: Db,
  spec: MachineSpec,
  snapshot: AnyMachineSnapshot,
  event: E,
): Promise<{ event: E; next?: AnyMachineSnapshot }> {
  const legal = spec.legalTime;
  if (!legal || !legal.events.includes(event.type)) return { event };
  const tentative = nextSnapshot(spec.machine, snapshot, event);
  const before = legal.periods(snapshot);
  const after = legal.periods(tentative);
  const moved = Object.keys(after).filter((kind) => after[kind] !== before[kind]);
  // Nothing moved: the event goes as it came, and the transition just made is the one it makes.
  if (moved.length === 0) return { event, next: tentative };
  return { event: { ...event, periodEnds: await art85Ends(db, Object.fromEntries(moved.map((kind) => [kind, after[kind]]))) } };
}

// ---------------------------------------------------------------------------------------------
// Replacing a year (the admin enters the State Council's notice)

const dayInput = z.object({
  date: z.string().trim().refine(isValidDate, { message: '须为日期 YYYY-MM-DD' }),
  kind: z.enum(['holiday', 'workday'], { message: '须为 holiday（法定节假日）或 workday（调休上班日）' }),
  name: z.string().trim().min(1, { message: '须填写名称，例如“国庆节”' }).max(50),
});

export const calendarYearInput = z.object({ days: z.array(dayInput).min(1, { message: '至少须有一天' }).max(366) });
export const yearParam = z.coerce.number({ message: '须为年份' }).int({ message: '须为年份' }).min(1949, { message: '年份须在 1949–2200 之间' }).max(2200, { message: '年份须在 1949–2200 之间' });

function checkYear(year: number, days: z.output<typeof calendarYearInput>['days']) {
  const errors: FieldErrors = [];
  const seen = new Set<string>();
  days.forEach((d, i) => {
    if (!d.date.startsWith(`${year}-`)) errors.push(fieldError(`days.${i}.date`, 'field.calendar_other_year', { year }));
    if (seen.has(d.date)) errors.push(fieldError(`days.${i}.date`, 'field.calendar_duplicate', { date: d.date }));
    seen.add(d.date);
    const weekday = new Date(`${d.date}T00:00:00Z`).getUTCDay();
    if (d.kind === 'workday' && weekday !== 0 && weekday !== 6) {
      errors.push(fieldError(`days.${i}.kind`, 'field.calendar_workday_weekday', { date: d.date }));
    }
  });
  if (errors.length) throw new ValidationError('invalid.body', errors);
}

export interface CalendarChange {
  year: number;
  days: number;
  /** The open deadlines the change moved: one `CALENDAR_CHANGED` record each. */
  moved: { entityType: string; id: string; number: string; kinds: string[] }[];
}

/**
 * PUT /api/calendar/:year (admin): replaces the year's declared days and marks the year entered by
 * the admin, and moves every open Art 85 deadline the change moves — all in one transaction.
 */
export async function replaceCalendarYear(ctx: EngineContext, actor: Actor, rawYear: unknown, raw: unknown, meta: RequestMeta = {}): Promise<CalendarChange> {
  if (!can(actor, 'calendar.manage')) throw new Forbidden('forbidden.role', { roles: rolesFor('calendar.manage') });
  const year = yearParam.safeParse(rawYear);
  if (!year.success) throw new ValidationError('invalid.url', fieldErrors(year.error, ['year']));
  const body = calendarYearInput.safeParse(raw);
  if (!body.success) throw new ValidationError('invalid.body', fieldErrors(body.error));
  checkYear(year.data, body.data.days);
  const y = year.data;
  const now = (ctx.now?.() ?? new Date()).toISOString();
  return ctx.db.transaction(async (tx) => {
    await tx.delete(calendarDays).where(and(gte(calendarDays.date, `${y}-01-01`), lte(calendarDays.date, `${y}-12-31`)));
    await tx.insert(calendarDays).values(body.data.days.map((d) => ({ date: d.date, kind: d.kind, name: d.name })));
    await tx
      .insert(calendarYears)
      .values({ year: y, source: 'admin', updatedBy: actor.id, updatedAt: now })
      .onConflictDoUpdate({ target: calendarYears.year, set: { source: 'admin', updatedBy: actor.id, updatedAt: now } });
    const moved = await moveOpenPeriods({ ...ctx, db: tx }, actor, caseStore, y, now);
    // DESIGN §10: calendar.update is audited in the same transaction as the change.
    await recordAudit(tx, {
      action: 'calendar.update',
      actor,
      target: { type: 'calendar', id: String(y) },
      detail: { days: body.data.days.length, moved: moved.map((m) => m.number) },
      meta: { requestId: ctx.requestId ?? undefined, ...meta },
    });
    return { year: y, days: body.data.days.length, moved };
  });
}

/** The states whose deadlines include an Art 85 period (case-spec `caseDeadlines`). */
const LEGAL_STATES = ['mediation.active', 'agreement.performing', 'agreement.defaulted'];

/**
 * Recomputes the open Art 85 ends a change to `year` can move and journals a record for each
 * entity whose ends moved: a last day in that year or late in the year before, or earlier still
 * when its run of rest days reached into the year (its end falls in it: whether a run reaches the
 * year depends only on the days before it, which this change leaves as they were). The rows are
 * locked first, so a concurrent event waits and then sees the new ends.
 */
async function moveOpenPeriods(ctx: EngineContext, actor: Actor, store: EntityStore, year: number, now: string) {
  const legal = store.spec.legalTime!;
  const rows = (await ctx.db.select().from(cases).where(inArray(cases.state, LEGAL_STATES)).orderBy(asc(cases.id)).for('update')) as unknown as EntityRow[];
  const [from, first, to] = [`${year - 1}-12-01`, `${year}-01-01`, `${year}-12-31`];
  const reaches = (snapshot: AnyMachineSnapshot, kind: string) => {
    const current = legal.current(snapshot, kind);
    return current !== null && workingDayOf(current) >= first;
  };
  const affected = rows
    .map((row) => {
      const snapshot = restore(store, row, ctx.migrations);
      const periods = legal.periods(snapshot);
      const kinds = legal.open(snapshot).filter((k) => periods[k] <= to && (periods[k] >= from || reaches(snapshot, k)));
      return { row, snapshot, periods, kinds };
    })
    .filter((a) => a.kinds.length > 0);
  if (affected.length === 0) return [];
  // Every end in one reading of the calendar (one statement, unless a run of rest days is long).
  const lastDays = Object.fromEntries(affected.flatMap((a, i) => a.kinds.map((kind) => [`${i} ${kind}`, a.periods[kind]])));
  const ends = await art85Ends(ctx.db, lastDays, [from, ...Object.values(lastDays)].sort()[0]);
  const moved: CalendarChange['moved'] = [];
  for (const [i, { row, snapshot, kinds }] of affected.entries()) {
    const periodEnds: Record<string, unknown> = {};
    const previous: Record<string, unknown> = {};
    for (const kind of kinds) {
      const end = ends[`${i} ${kind}`];
      const current = legal.current(snapshot, kind);
      if (current && current.dueAt === end.dueAt && !!current.calendarMissing === !!end.calendarMissing) continue;
      periodEnds[kind] = end;
      previous[kind] = current;
    }
    if (Object.keys(periodEnds).length === 0) continue;
    const payload = { year, periodEnds, previous };
    const next = legal.record(snapshot, payload);
    await journalRecord(ctx, store, actor, row, next, legal.recordType, payload, now);
    moved.push({ entityType: store.type, id: row.id, number: row.number, kinds: Object.keys(periodEnds) });
  }
  return moved;
}

/** Writes a record the way an event is written: the row (its version checked), the journal row, the deadline rows. */
async function journalRecord(ctx: EngineContext, store: EntityStore, actor: Actor, row: EntityRow, next: AnyMachineSnapshot, type: string, payload: unknown, now: string) {
  const version = row.version + 1;
  const state = statePath(next.value);
  const updated = await ctx.db
    .update(store.table)
    .set({ snapshot: persist(store, next), version, machineVersion: store.spec.version, updatedAt: now, ...store.columns(next) })
    .where(and(eq(store.table.id, row.id), eq(store.table.version, row.version)))
    .returning({ id: store.table.id });
  // The row is locked FOR UPDATE in this transaction: nobody else can have moved it.
  if (updated.length !== 1) throw new Error(`${store.type} ${row.id} changed under its lock`);
  await ctx.db
    .insert(store.journal)
    .values(journalRow(store, row.id, { seq: version, type, payload, fromState: state, toState: state, actor, occurredAt: now, recordedAt: now, requestId: ctx.requestId ?? null }) as any);
  await syncDeadlines(ctx.db, store, row.id, next);
}

/**
 * The entity's open deadline rows made to match what its snapshot implies, inside the calendar
 * edit's transaction (a drizzle transaction: the event path's statements run on its own driver):
 * a moved row is replaced, the others stay with any sweeper claim on them.
 */
async function syncDeadlines(tx: Db, store: EntityStore, id: string, snapshot: AnyMachineSnapshot) {
  const wanted = enforcedDeadlines(store, snapshot);
  const open = await tx
    .select({ id: deadlines.id, kind: deadlines.kind, dueAt: deadlines.dueAt, event: deadlines.event })
    .from(deadlines)
    .where(and(eq(deadlines.entityType, store.type), eq(deadlines.entityId, id), isNull(deadlines.firedAt)));
  const same = (a: { kind: string; dueAt: string; event: string }, b: { kind: string; dueAt: string; event: string }) =>
    a.kind === b.kind && a.event === b.event && Date.parse(a.dueAt) === Date.parse(b.dueAt);
  for (const row of open) if (!wanted.some((w) => same(w, row))) await tx.delete(deadlines).where(eq(deadlines.id, row.id));
  const added = wanted.filter((w) => !open.some((row) => same(w, row)));
  if (added.length) await tx.insert(deadlines).values(added.map((w) => ({ entityType: store.type, entityId: id, kind: w.kind, dueAt: w.dueAt, event: w.event })));
}
