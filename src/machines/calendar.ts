/**
 * Statutory clocks in calendar days, counted in Asia/Shanghai (UTC+8, no daylight saving).
 *
 * 民诉法 Art 85: the day a period starts is not counted; a period expires at the end of its
 * last day. So a 30-day period that starts on 2026-03-01 ends at the end of 2026-03-31, and the
 * instant it has expired is 2026-04-01T00:00+08:00. Every function here returns that instant as
 * an ISO string in UTC.
 */

const SHANGHAI_OFFSET_MS = 8 * 60 * 60 * 1000;
const DAY_MS = 24 * 60 * 60 * 1000;

/** The Asia/Shanghai calendar date (YYYY-MM-DD) of an instant. */
export function shanghaiDate(iso: string): string {
  return shanghaiDateAt(Date.parse(iso));
}

/**
 * `shanghaiDate` of an instant given in epoch milliseconds: a caller that holds a time (a Date, a
 * parsed end) need not write it as an ISO string only for it to be parsed back.
 */
export function shanghaiDateAt(ms: number): string {
  return dateOfDay(shanghaiDay(ms));
}

/**
 * The Asia/Shanghai calendar date of an instant as a day number (days since 1970-01-01): two
 * dates' difference in days without writing either out.
 */
export function shanghaiDay(ms: number): number {
  return Math.floor((ms + SHANGHAI_OFFSET_MS) / DAY_MS);
}

/** The instant a Shanghai calendar date begins. */
export function startOfShanghaiDay(date: string): string {
  const day = dayOfDate(date);
  if (day === undefined) return new Date(Date.parse(`${date}T00:00:00Z`) - SHANGHAI_OFFSET_MS).toISOString();
  return isoAt(day * DAY_MS - SHANGHAI_OFFSET_MS);
}

function addDaysToDate(date: string, days: number): string {
  const day = dayOfDate(date);
  if (day === undefined || !Number.isInteger(days)) return new Date(Date.parse(`${date}T00:00:00Z`) + days * DAY_MS).toISOString().slice(0, 10);
  return dateOfDay(day + days);
}

// Dates and instants written and read by arithmetic: every answer's deadlines and periods pass
// here, and on node 20 `toISOString` costs ~1-3 µs and `Date.parse` of a date ~1 µs each — more
// than the rest of a deadline. Exactly what those give, for the years 1000-9999 (any date a case
// holds); anything else goes through Date as before (and fails as it did).

/** The day number (days since 1970-01-01) of a valid `YYYY-MM-DD` in the years 1000-9999; undefined otherwise. */
function dayOfDate(date: string): number | undefined {
  if (date.length !== 10 || date.charCodeAt(4) !== 45 || date.charCodeAt(7) !== 45) return undefined;
  const year = digits(date, 0, 4);
  const month = digits(date, 5, 7);
  const day = digits(date, 8, 10);
  if (year < 1000 || month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return undefined;
  return Date.UTC(year, month - 1, day) / DAY_MS;
}

/** The number written in `s` from `from` to `to` (decimal digits only; -1 otherwise). */
function digits(s: string, from: number, to: number): number {
  let n = 0;
  for (let i = from; i < to; i++) {
    const c = s.charCodeAt(i) - 48;
    if (c < 0 || c > 9) return -1;
    n = n * 10 + c;
  }
  return n;
}

/** Days since 1970-01-01 → year, month, day of the proleptic Gregorian calendar (H. Hinnant's civil_from_days). */
function civil(days: number): [number, number, number] {
  const z = days + 719468;
  const era = Math.floor(z / 146097);
  const doe = z - era * 146097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const day = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const month = mp < 10 ? mp + 3 : mp - 9;
  return [yoe + era * 400 + (month <= 2 ? 1 : 0), month, day];
}

/** The day numbers of 1000-01-01 and 9999-12-31: the days `dateOfDay` and `isoAt` write themselves. */
const FIRST_DAY = -354285;
const LAST_DAY = 2932896;
const two = (n: number) => (n < 10 ? `0${n}` : `${n}`);
const three = (n: number) => (n < 10 ? `00${n}` : n < 100 ? `0${n}` : `${n}`);

/** The `YYYY-MM-DD` of a day number: `new Date(day * DAY_MS).toISOString().slice(0, 10)`. */
function dateOfDay(day: number): string {
  if (!(Number.isInteger(day) && day >= FIRST_DAY && day <= LAST_DAY)) return new Date(day * DAY_MS).toISOString().slice(0, 10);
  const [y, m, d] = civil(day);
  return `${y}-${two(m)}-${two(d)}`;
}

/** `new Date(ms).toISOString()`, written by arithmetic (see above). */
export function isoAt(ms: number): string {
  const day = Math.floor(ms / DAY_MS);
  if (!(Number.isInteger(ms) && day >= FIRST_DAY && day <= LAST_DAY)) return new Date(ms).toISOString();
  let rest = ms - day * DAY_MS;
  const h = Math.floor(rest / 3_600_000);
  rest -= h * 3_600_000;
  const min = Math.floor(rest / 60_000);
  rest -= min * 60_000;
  const sec = Math.floor(rest / 1000);
  return `${dateOfDay(day)}T${two(h)}:${two(min)}:${two(sec)}.${three(rest - sec * 1000)}Z`;
}

/**
 * The instant a period of `days` calendar days, started at `fromIso`, has expired.
 * @example periodEnd('2026-03-01T09:00:00+08:00', 30) // '2026-03-31T16:00:00.000Z' (= 04-01 00:00 +08)
 */
export function periodEnd(fromIso: string, days: number): string {
  return startOfShanghaiDay(addDaysToDate(shanghaiDate(fromIso), days + 1));
}

/** The instant a period ending on the calendar date `date` (inclusive) has expired. */
export function endOfDate(date: string): string {
  return startOfShanghaiDay(addDaysToDate(date, 1));
}

/**
 * The date `months` calendar months after `date`; the last day of the month when that month is
 * shorter (2026-08-31 + 6 months = 2027-02-28).
 */
export function addMonthsToDate(date: string, months: number): string {
  const [y, m, d] = date.split('-').map(Number);
  const total = y * 12 + (m - 1) + months;
  const year = Math.floor(total / 12);
  const month = (total % 12) + 1;
  const lastDay = new Date(Date.UTC(year, month, 0)).getUTCDate();
  const day = Math.min(d, lastDay);
  return `${String(year).padStart(4, '0')}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`;
}

/** The instant a period of `months` calendar months, started at `fromIso`, has expired. */
export function monthsPeriodEnd(fromIso: string, months: number): string {
  return endOfDate(addMonthsToDate(shanghaiDate(fromIso), months));
}

/** Whole Shanghai calendar days from the date of `fromIso` to the date of `toIso`. */
export function calendarDaysBetween(fromIso: string, toIso: string): number {
  return Math.round(
    (Date.parse(`${shanghaiDate(toIso)}T00:00:00Z`) - Date.parse(`${shanghaiDate(fromIso)}T00:00:00Z`)) / DAY_MS,
  );
}

/** Move an instant by whole days (a stopped clock restarts that many days later). */
export function shiftDays(iso: string, days: number): string {
  return new Date(Date.parse(iso) + days * DAY_MS).toISOString();
}

export function isValidDate(date: string): boolean {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(date)) return false;
  // Years before 1900 are no date of a dispute, and PostgreSQL has no year 0000 (a 500, not a 400).
  if (date < '1900-01-01') return false;
  // A day the month has (every event's times pass here: counted, not parsed into a Date and back).
  const year = Number(date.slice(0, 4));
  const month = Number(date.slice(5, 7));
  const day = Number(date.slice(8, 10));
  return month >= 1 && month <= 12 && day >= 1 && day <= daysInMonth(year, month);
}

/** Days of a month in the (proleptic) Gregorian calendar, as JavaScript's Date counts them. */
function daysInMonth(year: number, month: number): number {
  if (month === 2) return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28;
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}

// ---------------------------------------------------------------------------------------------
// The statutory calendar (DESIGN §11), reaching the machines as data

/** 法定节假日 (`holiday`) or 调休 (`workday`: a make-up working day on a weekend). */
export type CalendarDayKind = 'holiday' | 'workday';

/**
 * The part of the statutory calendar a computation needs: the declared days, and the years the
 * calendar covers (a year not covered counts weekends only).
 */
export interface StatutoryCalendar {
  days: Readonly<Record<string, CalendarDayKind>>;
  years: readonly number[];
}

/** The end of a 民诉法 Art 85 period, as the engine stamps it into the event that starts or moves it. */
export interface PeriodEnd {
  /** The period's last day counted in calendar days, before Art 85 moves it. */
  lastDay: string;
  /** The instant the period has expired: the end of the first working day on or after `lastDay`. */
  dueAt: string;
  /** The calendar did not cover a year this end depends on: only weekends counted as rest days. */
  calendarMissing?: true;
}

export function addDays(date: string, days: number): string {
  return addDaysToDate(date, days);
}

function isWeekend(date: string): boolean {
  const day = new Date(`${date}T00:00:00Z`).getUTCDay();
  return day === 0 || day === 6;
}

/** Rest days are declared holidays, and Saturdays and Sundays not declared workdays. */
export function isRestDay(date: string, calendar: StatutoryCalendar): boolean {
  const kind = calendar.days[date];
  return kind === 'holiday' || (kind !== 'workday' && isWeekend(date));
}

/**
 * 民诉法 Art 85: a period whose last day is a rest day ends on the first working day after it,
 * however long the run of rest days: the walk always ends, since the calendar declares finitely
 * many days and past them only weekends rest. `calendar` must hold every declared day the walk
 * passes (the engine reads it by `art85Ends`, legal-time.ts).
 * @example art85End('2026-10-03', cal2026) // { lastDay: '2026-10-03', dueAt: '2026-10-08T16:00:00.000Z' } (= 10-09 00:00 +08)
 */
export function art85End(lastDay: string, calendar: StatutoryCalendar): PeriodEnd {
  let day = lastDay;
  let missing = false;
  let year = '';
  for (;;) {
    // The years checked once each: a walk through a year of holidays is 366 days of one year.
    if (day.slice(0, 4) !== year) {
      year = day.slice(0, 4);
      if (!calendar.years.includes(Number(year))) missing = true;
    }
    if (!isRestDay(day, calendar)) break;
    day = addDaysToDate(day, 1);
  }
  return { lastDay, dueAt: endOfDate(day), ...(missing ? { calendarMissing: true as const } : {}) };
}

/** The working day an Art 85 end falls on (its `dueAt` is the start of the day after). */
export function workingDayOf(end: Pick<PeriodEnd, 'dueAt'>): string {
  return addDaysToDate(shanghaiDate(end.dueAt), -1);
}
