import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isoOf, sameInstant } from '../../src/db/client.js';

/** PostgreSQL's text of an instant in a UTC session, as the drivers hand it over. */
function pgText(ms: number, micros: number): string {
  const frac = micros ? `.${String(micros).padStart(6, '0').replace(/0+$/, '')}` : '';
  return `${new Date(ms).toISOString().slice(0, 19).replace('T', ' ')}${frac}+00`;
}

describe('isoOf', () => {
  it('gives what Date gives for PostgreSQL’s UTC text of thousands of instants, fractions of every length', () => {
    for (let i = 0; i < 5000; i++) {
      const ms = Math.floor(Date.UTC(1000, 0, 1) + Math.random() * (Date.UTC(9999, 11, 31) - Date.UTC(1000, 0, 1)));
      const text = pgText(ms - (ms % 1000), i % 7 === 0 ? 0 : Math.floor(Math.random() * 1e6));
      expect(isoOf(text)).toBe(new Date(text).toISOString());
    }
    expect(isoOf('2026-12-05 21:42:50.999999+00')).toBe('2026-12-05T21:42:50.999Z');
    expect(isoOf('2026-12-05 21:42:50.5+00')).toBe('2026-12-05T21:42:50.500Z');
  });

  it('leaves other offsets, ISO text and Dates to Date', () => {
    expect(isoOf('2026-12-06 05:42:50.83+08')).toBe('2026-12-05T21:42:50.830Z');
    expect(isoOf('2026-12-05T21:42:50.830Z')).toBe('2026-12-05T21:42:50.830Z');
    expect(isoOf(new Date('2026-12-05T21:42:50.830Z'))).toBe('2026-12-05T21:42:50.830Z');
    expect(() => isoOf('infinity')).toThrow(RangeError);
  });
});

const digits = (n: number, max = 10 ** n - 1) => fc.integer({ min: 0, max }).map((v) => String(v).padStart(n, '0'));
/** Strings near toISOString()'s form and PostgreSQL's UTC text: every part in and just out of its range. */
const near = fc
  .tuple(
    fc.oneof(digits(4), fc.constantFrom('0000', '0999', '1000', '2024', '2026', '9999')),
    digits(2, 13),
    digits(2, 32),
    fc.constantFrom('T', ' '),
    digits(2, 25),
    digits(2, 61),
    digits(2, 61),
    fc.constantFrom('', '.', '.8', '.83', '.832', '.8329', '.832928', '.9999999'),
    fc.constantFrom('Z', '+00', '+08', '+00:00', ''),
  )
  .map((parts) => parts.join(''));
/** The two forms as they meet: a context's toISOString() against the column's stored text. */
const instantMs = fc.integer({ min: Date.UTC(1000, 0, 1), max: Date.UTC(9999, 11, 31) });
const iso = instantMs.map((ms) => new Date(ms).toISOString());
const pg = fc.tuple(instantMs, fc.integer({ min: 0, max: 999_999 })).map(([ms, micros]) => pgText(ms - (ms % 1000), micros));

describe('isoOf on ISO text', () => {
  it('gives what Date gives, or throws as it does, for any string near the forms', () => {
    const viaDate = (s: string) => {
      try {
        return new Date(s).toISOString();
      } catch (err) {
        return (err as Error).name;
      }
    };
    const ours = (s: string) => {
      try {
        return isoOf(s);
      } catch (err) {
        return (err as Error).name;
      }
    };
    fc.assert(fc.property(fc.oneof(near, iso, fc.string()), (s) => {
      expect(ours(s)).toBe(viaDate(s));
    }), { numRuns: 20_000 });
    for (const s of ['2026-02-29T00:00:00.000Z', '2024-02-29T23:59:59.999Z', '2026-04-31T00:00:00.000Z', '2026-12-05T24:00:00.000Z']) expect(ours(s)).toBe(viaDate(s));
  });
});

describe('sameInstant', () => {
  it('says what Date.parse(a) === Date.parse(b) says, for the forms as they meet and for any strings near them', () => {
    const parsed = (a: string, b: string) => Date.parse(a) === Date.parse(b);
    fc.assert(fc.property(iso, pg, (a, b) => {
      expect(sameInstant(a, b)).toBe(parsed(a, b));
    }), { numRuns: 10_000 });
    // The same millisecond, as each form writes it (what most events compare).
    fc.assert(
      fc.property(instantMs, fc.integer({ min: 0, max: 999 }), (ms, micros) => {
        const frac = ((ms % 1000) + 1000) % 1000;
        const b = pgText(ms - frac, frac * 1000 + micros);
        expect(sameInstant(new Date(ms).toISOString(), b)).toBe(true);
      }),
      { numRuns: 10_000 },
    );
    fc.assert(fc.property(fc.oneof(near, iso), fc.oneof(near, pg), (a, b) => {
      expect(sameInstant(a, b)).toBe(parsed(a, b));
    }), { numRuns: 20_000 });
    // A rolled-over date (Date reads 02-30 as 03-02) is still Date's business.
    expect(sameInstant('2026-03-02T00:00:00.000Z', '2026-02-30 00:00:00+00')).toBe(parsed('2026-03-02T00:00:00.000Z', '2026-02-30 00:00:00+00'));
  });
});
