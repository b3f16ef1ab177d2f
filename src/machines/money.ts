/**
 * Money: yuan as decimal strings at the edge ("12000.50"), integer fen inside, so sums are exact.
 * The largest amount accepted is 999,999,999,999.99 yuan, well inside Number.MAX_SAFE_INTEGER fen.
 */

const AMOUNT = /^(0|[1-9]\d{0,11})(\.\d{1,2})?$/;

/** Parse a yuan amount into fen; null when it is not a valid non-negative amount. */
export function toFen(value: unknown): number | null {
  let text: string;
  if (typeof value === 'number') {
    if (!Number.isFinite(value) || value < 0) return null;
    text = String(value);
  } else if (typeof value === 'string') {
    text = value.trim();
  } else {
    return null;
  }
  const m = AMOUNT.exec(text);
  if (!m) return null;
  const yuan = Number(m[1]);
  const frac = (m[2] ?? '').slice(1).padEnd(2, '0');
  return yuan * 100 + Number(frac || '0');
}

/** Fen to a yuan decimal string with two decimals. @example fenToYuan(1200050) // "12000.50" */
export function fenToYuan(fen: number): string {
  const sign = fen < 0 ? '-' : '';
  const abs = Math.abs(fen);
  return `${sign}${Math.floor(abs / 100)}.${String(abs % 100).padStart(2, '0')}`;
}
