/**
 * Statutory clocks in Asia/Shanghai calendar days (UTC+8, no daylight saving). Every expected
 * instant is worked out by hand in the comment beside it: "expires at" is 00:00 Shanghai of the
 * day after the last day, i.e. 16:00Z of the last day itself.
 */
import { describe, expect, it } from 'vitest';
import {
  addMonthsToDate,
  calendarDaysBetween,
  endOfDate,
  isValidDate,
  monthsPeriodEnd,
  periodEnd,
  shanghaiDate,
  shiftDays,
  startOfShanghaiDay,
} from '../../src/machines/calendar.js';

describe('shanghaiDate', () => {
  it('turns over at 16:00Z, which is midnight in Shanghai', () => {
    expect(shanghaiDate('2026-03-01T15:59:59.999Z')).toBe('2026-03-01'); // 23:59:59.999 +08
    expect(shanghaiDate('2026-03-01T16:00:00.000Z')).toBe('2026-03-02'); // 00:00 +08
    expect(shanghaiDate('2026-03-01T00:00:00+08:00')).toBe('2026-03-01');
  });

  it('crosses month and year ends', () => {
    expect(shanghaiDate('2026-12-31T16:30:00Z')).toBe('2027-01-01');
    expect(shanghaiDate('2028-02-28T17:00:00Z')).toBe('2028-02-29'); // leap year
  });
});

describe('startOfShanghaiDay / endOfDate', () => {
  it('a Shanghai day starts at 16:00Z the day before', () => {
    expect(startOfShanghaiDay('2026-03-02')).toBe('2026-03-01T16:00:00.000Z');
    expect(startOfShanghaiDay('2027-01-01')).toBe('2026-12-31T16:00:00.000Z');
  });

  it('a period ending on a date has expired at the start of the next Shanghai day', () => {
    expect(endOfDate('2026-06-30')).toBe('2026-06-30T16:00:00.000Z'); // 07-01 00:00 +08
    expect(endOfDate('2026-12-31')).toBe('2026-12-31T16:00:00.000Z'); // 2027-01-01 00:00 +08
    expect(endOfDate('2028-02-28')).toBe('2028-02-28T16:00:00.000Z'); // 02-29 00:00 +08 (leap)
  });
});

describe('periodEnd (民诉法 Art 85: the first day is not counted)', () => {
  it('30 days from 03-01 09:00 +08 last day 03-31, expired at 04-01 00:00 +08', () => {
    expect(periodEnd('2026-03-01T09:00:00+08:00', 30)).toBe('2026-03-31T16:00:00.000Z');
  });

  it('ignores the hour of day within the same Shanghai date', () => {
    // 03-01 00:00 +08 and 03-01 23:59 +08 are the same start date.
    expect(periodEnd('2026-02-28T16:00:00Z', 30)).toBe('2026-03-31T16:00:00.000Z');
    expect(periodEnd('2026-03-01T15:59:00Z', 30)).toBe('2026-03-31T16:00:00.000Z');
  });

  it('a start after 16:00Z counts from the next Shanghai date', () => {
    // 2026-03-01T16:30Z = 03-02 00:30 +08 → last day 04-01 → expires 04-02 00:00 +08
    expect(periodEnd('2026-03-01T16:30:00Z', 30)).toBe('2026-04-01T16:00:00.000Z');
  });

  it('15 and 7 days, across month, leap February and year ends', () => {
    // 02-15 +15 in 2028: 02-16..02-29 is 14 days, so the last day is 03-01
    expect(periodEnd('2028-02-15T12:00:00+08:00', 15)).toBe('2028-03-01T16:00:00.000Z');
    // same in 2026: 02-16..02-28 is 13 days, last day 03-02
    expect(periodEnd('2026-02-15T12:00:00+08:00', 15)).toBe('2026-03-02T16:00:00.000Z');
    // 12-20 +15: 12-21..12-31 is 11 days, last day 2027-01-04
    expect(periodEnd('2026-12-20T10:00:00+08:00', 15)).toBe('2027-01-04T16:00:00.000Z');
    // 12-28 +7: last day 2027-01-04
    expect(periodEnd('2026-12-28T10:00:00+08:00', 7)).toBe('2027-01-04T16:00:00.000Z');
  });
});

describe('addMonthsToDate (民法典 Art 203: no corresponding day → month end)', () => {
  it('keeps the day of month when it exists', () => {
    expect(addMonthsToDate('2026-03-15', 6)).toBe('2026-09-15');
    expect(addMonthsToDate('2026-11-15', 2)).toBe('2027-01-15');
    expect(addMonthsToDate('2026-12-31', 12)).toBe('2027-12-31');
    expect(addMonthsToDate('2026-07-31', 0)).toBe('2026-07-31');
  });

  it('clamps to the last day of a shorter month', () => {
    expect(addMonthsToDate('2026-08-31', 6)).toBe('2027-02-28');
    expect(addMonthsToDate('2027-08-31', 6)).toBe('2028-02-29'); // leap year
    expect(addMonthsToDate('2026-01-31', 1)).toBe('2026-02-28');
    expect(addMonthsToDate('2026-03-31', 1)).toBe('2026-04-30');
    expect(addMonthsToDate('2028-02-29', 24)).toBe('2030-02-28');
    expect(addMonthsToDate('2028-02-29', 48)).toBe('2032-02-29');
  });
});

describe('monthsPeriodEnd', () => {
  it('6 months from 03-01 10:00 +08: last day 09-01, expired at 09-02 00:00 +08', () => {
    expect(monthsPeriodEnd('2026-03-01T10:00:00+08:00', 6)).toBe('2026-09-01T16:00:00.000Z');
  });

  it('08-31 + 6 months ends on 02-28', () => {
    expect(monthsPeriodEnd('2026-08-31T10:00:00+08:00', 6)).toBe('2027-02-28T16:00:00.000Z');
  });

  it('reads the start in Shanghai: 08-31T16:30Z is already 09-01', () => {
    expect(monthsPeriodEnd('2026-08-31T16:30:00Z', 6)).toBe('2027-03-01T16:00:00.000Z');
    expect(monthsPeriodEnd('2026-08-31T15:30:00Z', 6)).toBe('2027-02-28T16:00:00.000Z');
  });
});

describe('calendarDaysBetween', () => {
  it('counts Shanghai dates, not 24-hour spans', () => {
    // 03-10 23:59 +08 → 03-11 00:01 +08: two minutes, one calendar day
    expect(calendarDaysBetween('2026-03-10T15:59:00Z', '2026-03-10T16:01:00Z')).toBe(1);
    // 03-11 00:30 +08 → 03-11 23:00 +08: different UTC dates, same Shanghai date
    expect(calendarDaysBetween('2026-03-10T16:30:00Z', '2026-03-11T15:00:00Z')).toBe(0);
    expect(calendarDaysBetween('2026-03-10T10:00:00+08:00', '2026-03-20T09:00:00+08:00')).toBe(10);
    expect(calendarDaysBetween('2026-02-20T10:00:00+08:00', '2026-03-01T10:00:00+08:00')).toBe(9);
    expect(calendarDaysBetween('2026-03-11T00:01:00+08:00', '2026-03-10T23:59:00+08:00')).toBe(-1);
  });
});

describe('shiftDays', () => {
  it('moves an instant by whole days (Shanghai has no daylight saving)', () => {
    expect(shiftDays('2026-04-01T16:00:00.000Z', 10)).toBe('2026-04-11T16:00:00.000Z');
    expect(shiftDays('2026-02-27T16:00:00.000Z', 2)).toBe('2026-03-01T16:00:00.000Z');
    expect(shiftDays('2026-04-01T16:00:00.000Z', 0)).toBe('2026-04-01T16:00:00.000Z');
  });
});

describe('isValidDate', () => {
  it('accepts real YYYY-MM-DD dates only', () => {
    expect(isValidDate('2026-02-28')).toBe(true);
    expect(isValidDate('2028-02-29')).toBe(true);
    expect(isValidDate('2026-02-29')).toBe(false);
    expect(isValidDate('2026-04-31')).toBe(false);
    expect(isValidDate('2026-13-01')).toBe(false);
    expect(isValidDate('2026-2-1')).toBe(false);
    expect(isValidDate('2026-02-28T00:00:00Z')).toBe(false);
    expect(isValidDate('')).toBe(false);
  });
});
