import { describe, expect, it } from 'vitest';
import { isoOf } from '../../src/db/client.js';

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
