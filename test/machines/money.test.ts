import { describe, expect, it } from 'vitest';
import { fenToYuan, toFen } from '../../src/machines/money.js';
import { amount, positiveAmount } from '../../src/machines/fields.js';

describe('toFen', () => {
  it('parses yuan strings with up to two decimals into integer fen', () => {
    expect(toFen('12000.50')).toBe(1200050);
    expect(toFen('12000.5')).toBe(1200050);
    expect(toFen('12000')).toBe(1200000);
    expect(toFen('1.05')).toBe(105);
    expect(toFen('0.01')).toBe(1);
    expect(toFen('0')).toBe(0);
    expect(toFen('0.00')).toBe(0);
    expect(toFen(' 12.30 ')).toBe(1230);
  });

  it('parses numbers the same way', () => {
    expect(toFen(12000.5)).toBe(1200050);
    expect(toFen(0.1)).toBe(10);
    expect(toFen(7)).toBe(700);
    expect(toFen(0)).toBe(0);
  });

  it('accepts the largest amount and stays an exact integer', () => {
    expect(toFen('999999999999.99')).toBe(99999999999999);
    expect(Number.isSafeInteger(toFen('999999999999.99'))).toBe(true);
  });

  it('rejects three decimals, negatives and junk', () => {
    for (const bad of [
      '1.005',
      '0.001',
      '-1',
      '-0.01',
      '+1',
      '1.',
      '.5',
      '01',
      '00.5',
      '1,000',
      '1 000',
      '1e3',
      '¥100',
      '１２',
      '',
      ' ',
      'abc',
      '1000000000000', // 13 integer digits
    ]) {
      expect(toFen(bad), bad).toBeNull();
    }
    for (const bad of [-1, 1.005, 0.1 + 0.2, Number.NaN, Number.POSITIVE_INFINITY, 1e21]) {
      expect(toFen(bad), String(bad)).toBeNull();
    }
    for (const bad of [null, undefined, {}, [], true, 10n]) {
      expect(toFen(bad), String(bad)).toBeNull();
    }
  });

  it('sums exactly where floating point would not', () => {
    expect(0.1 + 0.2).not.toBe(0.3);
    expect(toFen('0.10')! + toFen('0.20')!).toBe(toFen('0.30'));
    const parts = ['3333.33', '3333.33', '3333.34'];
    expect(parts.reduce((s, p) => s + toFen(p)!, 0)).toBe(toFen('10000'));
  });
});

describe('fenToYuan', () => {
  it('always writes two decimals', () => {
    expect(fenToYuan(1200050)).toBe('12000.50');
    expect(fenToYuan(1200000)).toBe('12000.00');
    expect(fenToYuan(105)).toBe('1.05');
    expect(fenToYuan(5)).toBe('0.05');
    expect(fenToYuan(0)).toBe('0.00');
    expect(fenToYuan(99999999999999)).toBe('999999999999.99');
    expect(fenToYuan(-50)).toBe('-0.50');
  });

  it('round-trips with toFen', () => {
    for (const s of ['0.00', '0.01', '0.10', '1.00', '12000.50', '999999999999.99']) {
      expect(fenToYuan(toFen(s)!)).toBe(s);
    }
  });
});

describe('amount fields', () => {
  it('normalise to a two-decimal string', () => {
    expect(amount.parse('12000.5')).toBe('12000.50');
    expect(amount.parse(12000.5)).toBe('12000.50');
    expect(amount.parse('0')).toBe('0.00');
    expect(positiveAmount.parse('0.01')).toBe('0.01');
  });

  it('refuse three decimals, negatives and junk; a positive amount refuses zero', () => {
    for (const bad of ['1.005', '-1', 'abc', '', null, true]) {
      expect(amount.safeParse(bad).success, String(bad)).toBe(false);
    }
    expect(positiveAmount.safeParse('0').success).toBe(false);
    expect(positiveAmount.safeParse('0.00').success).toBe(false);
    expect(positiveAmount.safeParse(0).success).toBe(false);
  });
});
