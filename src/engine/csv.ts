/**
 * CSV for people's spreadsheets: UTF-8 with a BOM (Excel reads the Chinese), CRLF rows, and no
 * cell that a spreadsheet would run as a formula (DESIGN.md §10): a cell beginning with `=`, `+`,
 * `-`, `@`, a tab or a carriage return is written with a leading `'` (OWASP "CSV injection").
 */
import { stringify } from 'csv-stringify/sync';

const FORMULA_START = /^[=+\-@\t\r]/;

/** @example csvCell('=HYPERLINK("http://x")') // `'=HYPERLINK("http://x")` */
export function csvCell(value: unknown): string {
  const text = value === null || value === undefined ? '' : String(value);
  return FORMULA_START.test(text) ? `'${text}` : text;
}

/** The whole file: a header row and the rows, every cell escaped. */
export function csvFile(header: string[], rows: unknown[][]): string {
  return `\uFEFF${stringify([header, ...rows].map((r) => r.map(csvCell)), { record_delimiter: 'windows' })}`;
}
