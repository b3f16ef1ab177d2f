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
  return new Date(ms + SHANGHAI_OFFSET_MS).toISOString().slice(0, 10);
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
  return new Date(Date.parse(`${date}T00:00:00Z`) - SHANGHAI_OFFSET_MS).toISOString();
}

function addDaysToDate(date: string, days: number): string {
  return new Date(Date.parse(`${date}T00:00:00Z`) + days * DAY_MS).toISOString().slice(0, 10);
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
 * 民诉法 Art 85: a period whose last day is a rest day ends on the first working day after it.
 * @example art85End('2026-10-03', cal2026) // { lastDay: '2026-10-03', dueAt: '2026-10-08T16:00:00.000Z' } (= 10-09 00:00 +08)
 */
export function art85End(lastDay: string, calendar: StatutoryCalendar): PeriodEnd {
  let day = lastDay;
  let missing = false;
  // No rest of more than a few weeks exists; the bound keeps a broken calendar from looping.
  for (let i = 0; i < 60; i++) {
    if (!calendar.years.includes(Number(day.slice(0, 4)))) missing = true;
    if (!isRestDay(day, calendar)) break;
    day = addDaysToDate(day, 1);
  }
  return { lastDay, dueAt: endOfDate(day), ...(missing ? { calendarMissing: true as const } : {}) };
}
