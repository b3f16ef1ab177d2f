/**
 * The calendar's dates and instants written and read by arithmetic (src/machines/calendar.ts) are
 * exactly what Date's parse and toISOString gave, for valid dates and instants across the years
 * and for strings that are not dates (the same result, or the same error).
 */
import { describe, expect, it } from 'vitest';
import { addDays, endOfDate, isoAt, monthsPeriodEnd, periodEnd, shanghaiDate, shanghaiDateAt, startOfShanghaiDay } from '../../src/machines/calendar.js';
import { instant } from '../../src/machines/fields.js';

const OFF = 8 * 3_600_000;
const DAY = 86_400_000;
// The forms these replaced, kept here as the reference.
const old = {
  shanghaiDate: (iso: string) => new Date(Date.parse(iso) + OFF).toISOString().slice(0, 10),
  startOfShanghaiDay: (date: string) => new Date(Date.parse(`${date}T00:00:00Z`) - OFF).toISOString(),
  addDays: (date: string, days: number) => new Date(Date.parse(`${date}T00:00:00Z`) + days * DAY).toISOString().slice(0, 10),
};
const outcome = (f: () => unknown) => {
  try {
    return { value: f() };
  } catch (err) {
    return { error: `${(err as Error).name}: ${(err as Error).message}` };
  }
};

let seed = 11;
const random = () => (seed = (seed * 48271) % 2147483647) / 2147483647;

describe('calendar arithmetic', () => {
  it('shanghaiDate, shanghaiDateAt: as Date gave them, from 1000 to 9999, at day edges and with offsets', () => {
    const [lo, hi] = [Date.parse('1000-01-01T00:00:00Z'), Date.parse('9999-12-31T00:00:00Z')];
    for (let i = 0; i < 30000; i++) {
      const ms = i % 3 === 0 ? Math.floor(lo + random() * (hi - lo)) : Math.floor((lo + random() * (hi - lo)) / DAY) * DAY + (i % 2 ? 16 * 3_600_000 : 16 * 3_600_000 - 1);
      const iso = new Date(ms).toISOString();
      expect(shanghaiDate(iso)).toBe(old.shanghaiDate(iso));
      expect(shanghaiDateAt(ms)).toBe(old.shanghaiDate(iso));
    }
    for (const iso of ['2026-03-01T09:00:00+08:00', '2026-12-31T23:59:59.999+08:00', '2026-12-31T16:00:00Z', '0999-12-31T20:00:00Z', '9999-12-31T20:00:00Z', 'not a time', '']) {
      expect(outcome(() => shanghaiDate(iso))).toEqual(outcome(() => old.shanghaiDate(iso)));
    }
  });

  it('isoAt and the instant field: as toISOString wrote them, every millisecond digit, from 1000 to 9999 and beyond', () => {
    const [lo, hi] = [Date.parse('0900-01-01T00:00:00Z'), Date.parse('9999-12-31T23:59:59.999Z')];
    for (let i = 0; i < 30000; i++) {
      const ms = i % 5 === 0 ? Math.floor(random() * 4e12) : Math.floor(lo + random() * (hi - lo));
      expect(isoAt(ms)).toBe(new Date(ms).toISOString());
    }
    for (const ms of [0, -1, 999, 1000, 59_999, 3_599_999, DAY - 1, DAY, Date.parse('1000-01-01T00:00:00Z') - 1, Date.parse('9999-12-31T23:59:59.999Z'), Date.parse('9999-12-31T23:59:59.999Z') + 1, 1.5]) {
      expect(isoAt(ms)).toBe(new Date(ms).toISOString());
    }
    expect(outcome(() => isoAt(NaN))).toEqual(outcome(() => new Date(NaN).toISOString()));
    for (const s of ['2026-11-24T09:30:00+08:00', '2026-11-24T09:30Z', '2026-12-31T23:59:59.9999999Z', '2026-01-01T00:00:00.5-05:00', '1999-12-31T16:00:00.000Z', '2026-06-30T23:59:59.999+14:00']) {
      expect(instant.parse(s)).toBe(new Date(s).toISOString());
    }
  });

  it('startOfShanghaiDay, addDays, endOfDate, periodEnd, monthsPeriodEnd: as Date gave them, and the same errors', () => {
    const dates: string[] = [];
    for (let i = 0; i < 20000; i++) dates.push(new Date(Date.parse('1000-01-01') + Math.floor(random() * 9000 * 365.2425) * DAY).toISOString().slice(0, 10));
    dates.push('2024-02-29', '2026-02-28', '2100-02-28', '2000-02-29', '1000-01-01', '9999-12-31', '2026-12-31');
    const odd = ['2026-02-30', '2026-02-29', '2026-13-01', '2026-00-10', '2026-01-00', '2026-01-32', '0999-12-31', '0000-01-01', '2026-1-01', '20260101', '+02026-01-01', '2026-01-01T00:00:00Z', 'abcd-ef-gh', ''];
    for (const date of [...dates, ...odd]) {
      expect(outcome(() => startOfShanghaiDay(date))).toEqual(outcome(() => old.startOfShanghaiDay(date)));
      for (const n of [-1, 0, 1, 30, 366, 0.5]) expect(outcome(() => addDays(date, n))).toEqual(outcome(() => old.addDays(date, n)));
      expect(outcome(() => endOfDate(date))).toEqual(outcome(() => old.startOfShanghaiDay(old.addDays(date, 1))));
    }
    for (let i = 0; i < 5000; i++) {
      const iso = new Date(Date.parse('1900-01-01') + Math.floor(random() * 300 * 365 * DAY)).toISOString();
      expect(periodEnd(iso, 30)).toBe(old.startOfShanghaiDay(old.addDays(old.shanghaiDate(iso), 31)));
      expect(monthsPeriodEnd(iso, 24)).toMatch(/^\d{4}-\d{2}-\d{2}T16:00:00\.000Z$/);
    }
    expect(periodEnd('2026-03-01T09:00:00+08:00', 30)).toBe('2026-03-31T16:00:00.000Z');
  });
});
