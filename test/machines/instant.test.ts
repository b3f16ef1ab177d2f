/**
 * `instant` (every event's occurredAt, a session's time…) takes its common form, `toISOString()`'s,
 * without parsing it into a Date and back. It must accept, refuse and normalise exactly as its
 * first implementation, kept below as it was written, for any string.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { isValidDate } from '../../src/machines/calendar.js';
import { instant, calendarDate } from '../../src/machines/fields.js';

const ZONED_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})$/;
const isZonedInstantAsFirstWritten = (s: string) => ZONED_INSTANT.test(s) && isValidDate(s.slice(0, 10)) && !Number.isNaN(Date.parse(s));
const instantAsFirstWritten = z
  .string()
  // Its words since: a blank time is "必填", as a field left out (a form's empty input sends "").
  .refine(isZonedInstantAsFirstWritten, { error: (issue) => (issue.input === '' ? '必填' : '须为带时区的 ISO 8601 时间，例如 2026-11-24T09:30:00+08:00') })
  .transform((s) => new Date(s).toISOString());

const outcome = (r: z.ZodSafeParseResult<unknown>) => (r.success ? { data: r.data } : { issues: r.error.issues.map((i) => ({ code: i.code, path: i.path, message: i.message })) });
const same = (s: unknown) => expect(outcome(instant.safeParse(s))).toEqual(outcome(instantAsFirstWritten.safeParse(s)));

const digits = (n: number, max = 10 ** n - 1) => fc.integer({ min: 0, max }).map((v) => String(v).padStart(n, '0'));
/** Strings near the ISO form: every part in and just out of its range, any zone, 0–9 decimals. */
const isoLike = fc
  .tuple(
    fc.oneof(digits(4), fc.constantFrom('1899', '1900', '2000', '2024', '2026', '2100', '9999')),
    digits(2, 13),
    digits(2, 32),
    fc.constantFrom('T', 't', ' '),
    digits(2, 25),
    digits(2, 61),
    fc.option(digits(2, 61)),
    fc.option(fc.integer({ min: 0, max: 9 }).chain((n) => (n === 0 ? fc.constant('.') : digits(n)).map((d) => (d === '.' ? '.' : `.${d}`)))),
    fc.constantFrom('Z', 'z', '', '+08:00', '-05:30', '+0800', '+24:00', '-00:00', '+08'),
  )
  .map(([y, mo, d, t, h, mi, s, frac, zone]) => `${y}-${mo}-${d}${t}${h}:${mi}${s === null ? '' : `:${s}${frac ?? ''}`}${zone}`);

describe('instant', () => {
  it('accepts, refuses and normalises as first written, for strings near the ISO form', () => {
    fc.assert(fc.property(isoLike, (s) => { same(s); }), { numRuns: 20_000 });
  });

  it('… for any string and any value', () => {
    fc.assert(fc.property(fc.oneof(fc.string(), fc.anything()), (s) => { same(s); }), { numRuns: 5_000 });
  });

  it('… for the edges of the fast form', () => {
    for (const s of [
      '',
      '2026-12-06T05:00:00.000Z',
      '2026-12-06T23:59:59.999Z',
      '2026-12-06T24:00:00.000Z',
      '2026-12-31T24:00:00.000Z',
      '2026-12-06T05:60:00.000Z',
      '2026-12-06T05:00:60.000Z',
      '2024-02-29T00:00:00.000Z',
      '2026-02-29T00:00:00.000Z',
      '2026-02-30T00:00:00.000Z',
      '1899-12-31T23:59:59.999Z',
      '1900-01-01T00:00:00.000Z',
      '9999-12-31T23:59:59.999Z',
      '2026-12-06T05:00:00.00Z',
      '2026-12-06T05:00:00.0000Z',
      '2026-12-06T05:00:00Z',
      '2026-12-06T05:00:00.000+00:00',
      '2026-12-06T05:00:00.000z',
      '2026-12-06t05:00:00.000Z',
      ' 2026-12-06T05:00:00.000Z',
      '2026-12-06T05:00:00.000Z\n',
      '２０２６-12-06T05:00:00.000Z',
    ])
      same(s);
  });

  it('takes the forms it always took', () => {
    expect(instant.parse('2026-03-02T10:00:00+08:00')).toBe('2026-03-02T02:00:00.000Z');
    expect(instant.parse('2026-12-06T05:00:00.000Z')).toBe('2026-12-06T05:00:00.000Z');
    expect(instant.safeParse('2026-12-06T24:00:00.000Z')).toMatchObject({ success: true, data: '2026-12-07T00:00:00.000Z' });
    expect(calendarDate.parse('2026-03-01T20:00:00.000Z')).toBe('2026-03-02');
  });
});
