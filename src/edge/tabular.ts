/**
 * Lists as files (DESIGN.md §14): CSV and XLSX, written while the rows are read, batch by batch,
 * so a million-row list never sits in memory. One table description (Chinese headers, a kind per
 * column) serves both formats; the list functions that answer the JSON supply the rows, so access
 * rules and masking are theirs.
 *
 * CSV: UTF-8 with a BOM (Excel reads Chinese right only with it), CRLF rows, every cell through
 * `csvCell` (formula injection, DESIGN.md §10). XLSX: exceljs's streaming writer, inline strings,
 * amounts and counts as numbers, rates as percentages, times as Beijing wall-clock dates.
 */
import { PassThrough, Readable } from 'node:stream';
import ExcelJS from 'exceljs';
import { stringify } from 'csv-stringify/sync';
import { schemaField, ValidationError } from '../engine/errors.js';

/** What a column holds, and so how each format writes it. */
export type CellKind =
  /** free text */
  | 'text'
  /** a whole number */
  | 'int'
  /** yuan as a decimal string `"12000.50"` */
  | 'yuan'
  /** a rate as a decimal string `"0.7500"` (75%) */
  | 'percent'
  /** an ISO instant, shown in Beijing time */
  | 'datetime'
  /** a calendar date `YYYY-MM-DD` */
  | 'date'
  /** 是 / 否 */
  | 'bool';

export type CellValue = string | number | boolean | null | undefined;

export interface Column<T> {
  header: string;
  kind: CellKind;
  value: (row: T) => CellValue;
  /** XLSX column width in characters. */
  width?: number;
}

/** A cell whose kind depends on the row (the report's one value column). */
export interface TypedCell {
  kind: CellKind;
  value: CellValue;
}

export interface Table<T> {
  /** The file's name without extension, in Chinese. */
  name: string;
  /** The XLSX sheet's name. */
  sheet: string;
  columns: Column<T>[];
  /** The rows, batch by batch: the first batch is read before the answer starts, so a refusal is still a problem+json. */
  batches: AsyncIterator<T[]>;
}

export const FILE_FORMATS = ['csv', 'xlsx'] as const;
export type FileFormat = (typeof FILE_FORMATS)[number];

/**
 * The `format` query parameter: absent or `json` → null (answer JSON); `csv` / `xlsx`; anything
 * else a 400.
 */
export function fileFormat(raw: string | undefined): FileFormat | null {
  if (raw === undefined || raw === 'json') return null;
  if ((FILE_FORMATS as readonly string[]).includes(raw)) return raw as FileFormat;
  throw new ValidationError('invalid.query', [schemaField('format', '须为 json、csv 或 xlsx')]);
}

const FORMULA_START = /^[=+\-@\t\r]/;

/**
 * Every CSV cell goes through here (DESIGN.md §10): a cell that a spreadsheet would read as a
 * formula (`=`, `+`, `-`, `@`, a tab or a carriage return first) is written with a leading `'`.
 * @example csvCell('=HYPERLINK("x")') // "'=HYPERLINK(\"x\")"
 */
export function csvCell(value: string): string {
  return FORMULA_START.test(value) ? `'${value}` : value;
}

/** CSV rows (CRLF, quoted where needed) of cells already rendered as text; every cell through `csvCell`. */
export function csvRows(rows: string[][]): string {
  return stringify(rows.map((r) => r.map(csvCell)), { record_delimiter: 'windows' });
}

const SHANGHAI_MS = 8 * 3_600_000;

/** `2026-03-01T01:30:00Z` → `2026-03-01 09:30:00` (Beijing time). */
export function beijingTime(iso: string): string {
  const s = new Date(Date.parse(iso) + SHANGHAI_MS).toISOString();
  return `${s.slice(0, 10)} ${s.slice(11, 19)}`;
}

/** `"0.7500"` → `"75.00%"`, exactly (no floating point). */
export function percentText(rate: string): string {
  const m = /^(\d+)\.(\d{4})$/.exec(rate);
  if (!m) return rate;
  const basis = BigInt(m[1]) * 10000n + BigInt(m[2]); // in 1/10000
  return `${basis / 100n}.${String(basis % 100n).padStart(2, '0')}%`;
}

/** A cell as CSV text. */
export function textOf(kind: CellKind, v: CellValue): string {
  if (v === null || v === undefined || v === '') return '';
  switch (kind) {
    case 'datetime':
      return typeof v === 'string' && !Number.isNaN(Date.parse(v)) ? beijingTime(v) : String(v);
    case 'percent':
      return percentText(String(v));
    case 'bool':
      return v ? '是' : '否';
    default:
      return String(v);
  }
}

/** A cell as an XLSX value and its number format. */
function xlsxOf(kind: CellKind, v: CellValue): { value: ExcelJS.CellValue; numFmt?: string } {
  if (v === null || v === undefined || v === '') return { value: null };
  switch (kind) {
    case 'int':
      return { value: Number(v), numFmt: '0' };
    case 'yuan':
      return { value: Number(v), numFmt: '#,##0.00' };
    case 'percent':
      return { value: Number(v), numFmt: '0.00%' };
    case 'datetime':
      // Excel dates have no zone: the Beijing wall-clock time, written as if it were UTC.
      return typeof v === 'string' && !Number.isNaN(Date.parse(v))
        ? { value: new Date(Date.parse(v) + SHANGHAI_MS), numFmt: 'yyyy-mm-dd hh:mm:ss' }
        : { value: String(v) };
    case 'date':
      return /^\d{4}-\d{2}-\d{2}$/.test(String(v)) ? { value: new Date(`${v}T00:00:00Z`), numFmt: 'yyyy-mm-dd' } : { value: String(v) };
    case 'bool':
      return { value: v ? '是' : '否' };
    default:
      return { value: String(v) };
  }
}

/** A cell's kind and value, for a column whose `value` may answer a `TypedCell`. */
function cellOf<T>(col: Column<T>, row: T): TypedCell {
  const v = col.value(row) as CellValue | TypedCell;
  return v !== null && typeof v === 'object' ? (v as TypedCell) : { kind: col.kind, value: v };
}

/** RFC 5987 `attr-char`s stay, everything else is percent-encoded UTF-8. */
function rfc5987(s: string): string {
  return encodeURIComponent(s).replace(/['()*]/g, (ch) => `%${ch.charCodeAt(0).toString(16).toUpperCase()}`);
}

/**
 * `content-disposition` for a download named in Chinese: an ASCII `filename` for old clients and
 * the full name as `filename*` (RFC 6266 / RFC 5987).
 * @example contentDisposition('案件_2026.csv', 'cases_2026.csv')
 */
export function contentDisposition(name: string, asciiName: string): string {
  const ascii = asciiName.replace(/[^\w.-]/g, '_');
  return `attachment; filename="${ascii}"; filename*=UTF-8''${rfc5987(name)}`;
}

const CONTENT_TYPES: Record<FileFormat, string> = {
  csv: 'text/csv; charset=utf-8',
  xlsx: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
};

/** Stamps the day a file was made into its name: `案件_20260301.csv`. */
function stamped(base: string, now: Date): string {
  const d = new Date(now.getTime() + SHANGHAI_MS).toISOString().slice(0, 10).replace(/-/g, '');
  return `${base}_${d}`;
}

/**
 * The answer for `table` as `format`: headers and a streamed body. The first batch is read
 * before this returns, so a refusal (403, 400) is thrown here, not in the middle of a file.
 */
export async function tableResponse<T>(
  table: Table<T>,
  format: FileFormat,
  opts: { now?: Date; asciiName: string },
): Promise<Response> {
  const first = await table.batches.next();
  const base = stamped(table.name, opts.now ?? new Date());
  const headers = {
    'content-type': CONTENT_TYPES[format],
    'content-disposition': contentDisposition(`${base}.${format}`, `${stamped(opts.asciiName, opts.now ?? new Date())}.${format}`),
    // Lists carry personal data for some readers (DESIGN.md §10).
    'cache-control': 'no-store',
  };
  const body = format === 'csv' ? csvStream(table, first) : xlsxStream(table, first);
  return new Response(body, { status: 200, headers });
}

function csvStream<T>(table: Table<T>, first: IteratorResult<T[]>): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  let pending: IteratorResult<T[]> | null = first;
  let started = false;
  const render = (rows: T[]) => csvRows(rows.map((r) => table.columns.map((c) => {
    const cell = cellOf(c, r);
    return textOf(cell.kind, cell.value);
  })));
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
        if (!started) {
          started = true;
          controller.enqueue(encoder.encode(`\uFEFF${csvRows([table.columns.map((c) => c.header)])}`));
        }
        const batch = pending ?? (await table.batches.next());
        pending = null;
        if (batch.done) {
          controller.close();
          return;
        }
        if (batch.value.length) controller.enqueue(encoder.encode(render(batch.value)));
      } catch (err) {
        controller.error(err);
      }
    },
    async cancel() {
      await table.batches.return?.();
    },
  });
}

function xlsxStream<T>(table: Table<T>, first: IteratorResult<T[]>): ReadableStream<Uint8Array> {
  const out = new PassThrough({ highWaterMark: 1 << 20 });
  // Inline strings (no shared-string table held in memory); styles for the number formats.
  const workbook = new ExcelJS.stream.xlsx.WorkbookWriter({ stream: out, useStyles: true, useSharedStrings: false });
  const sheet = workbook.addWorksheet(table.sheet, { views: [{ state: 'frozen', ySplit: 1 }] });
  sheet.columns = table.columns.map((c, i) => ({ key: String(i), header: c.header, width: c.width ?? Math.max(10, c.header.length * 2 + 2) }));
  let cancelled = false;
  // One style object per number format, shared by every cell that has it: exceljs remembers the
  // style id of an object it has seen, where a style of each cell's own was hashed cell by cell
  // (a sixth of an XLSX export's CPU). Never changed once made.
  const plain: Partial<ExcelJS.Style> = {};
  const styles = new Map<string, Partial<ExcelJS.Style>>();
  const styleOf = (numFmt: string | undefined) => {
    if (!numFmt) return plain;
    let style = styles.get(numFmt);
    if (!style) styles.set(numFmt, (style = { numFmt }));
    return style;
  };
  const write = async () => {
    let batch = first;
    while (!batch.done && !cancelled) {
      for (const r of batch.value) {
        const row = sheet.addRow([]);
        table.columns.forEach((c, i) => {
          const cell = cellOf(c, r);
          const x = xlsxOf(cell.kind, cell.value);
          const target = row.getCell(i + 1);
          target.value = x.value;
          target.style = styleOf(x.numFmt);
        });
        row.commit();
      }
      // Backpressure: the reader is slower than the database; wait until it has taken the bytes.
      if (out.writableNeedDrain) await new Promise((resolve) => out.once('drain', resolve));
      batch = await table.batches.next();
    }
    sheet.commit();
    await workbook.commit();
  };
  write().catch((err) => out.destroy(err));
  // A pull stream over the PassThrough: bytes leave as the client reads; the client going away
  // stops the reads.
  const reader = out[Symbol.asyncIterator]();
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
        const next = await reader.next();
        if (next.done) controller.close();
        else controller.enqueue(new Uint8Array(next.value as Buffer));
      } catch (err) {
        controller.error(err);
      }
    },
    async cancel() {
      cancelled = true;
      out.destroy();
      await table.batches.return?.();
    },
  });
}
