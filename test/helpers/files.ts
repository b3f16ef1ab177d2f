/**
 * Reading the files jiefen writes (CSV, XLSX) the way a spreadsheet would, for the export and
 * import suites.
 */
import { parse } from 'csv-parse/sync';
import ExcelJS from 'exceljs';
import { expect } from 'vitest';
import type { App } from '../../src/app.js';

/** An XLSX cell: text as a string, a number or a date with its format as `{value, numFmt}`, empty as null. */
export type XlsxCell = string | null | { value: number | Date; numFmt: string };

/** The first sheet of an XLSX file, row by row. */
export async function readXlsx(bytes: Uint8Array): Promise<XlsxCell[][]> {
  const wb = new ExcelJS.Workbook();
  await wb.xlsx.load(Buffer.from(bytes) as never);
  const sheet = wb.worksheets[0];
  const width = sheet.columnCount;
  const rows: XlsxCell[][] = [];
  sheet.eachRow({ includeEmpty: false }, (row) => {
    const cells: XlsxCell[] = [];
    for (let i = 1; i <= width; i++) {
      const cell = row.getCell(i);
      const v = cell.value;
      if (v === null || v === undefined) cells.push(null);
      else if (typeof v === 'number' || v instanceof Date) cells.push({ value: v, numFmt: cell.numFmt });
      else cells.push(String(v));
    }
    rows.push(cells);
  });
  return rows;
}

export interface Download {
  status: number;
  headers: Headers;
  bytes: Uint8Array;
  /** CSV: the records (header first), parsed after checking the BOM. */
  csv(): string[][];
  /** CSV: the records as objects keyed by the header. */
  records(): Record<string, string>[];
  xlsx(): Promise<XlsxCell[][]>;
  text(): string;
}

/** GET `path` as `token` and keep the bytes. */
export async function download(app: App, token: string | null, path: string): Promise<Download> {
  const res = await app.request(path, { headers: token ? { authorization: `Bearer ${token}` } : {} });
  const bytes = new Uint8Array(await res.arrayBuffer());
  const text = () => new TextDecoder().decode(bytes);
  const csv = () => {
    expect([...bytes.slice(0, 3)]).toEqual([0xef, 0xbb, 0xbf]); // UTF-8 BOM
    return parse(text()) as string[][];
  };
  return {
    status: res.status,
    headers: res.headers,
    bytes,
    text,
    csv,
    records() {
      const [header, ...rows] = csv();
      return rows.map((r) => Object.fromEntries(header.map((h, i) => [h, r[i]])));
    },
    xlsx: () => readXlsx(bytes),
  };
}
