/**
 * Import of existing registers (DESIGN.md §14): stations, deputies, station activities and cases
 * from `.xlsx` or `.csv` files whose columns are those of the list's own export (extra columns are
 * ignored), so a file exported from jiefen imports back.
 *
 * Two passes over the file, each reading it row by row (a CSV is parsed as a stream; only the
 * rows' keys are kept between the passes, not the rows). The first checks every row as the verb
 * would (the same zod schemas, the stations and deputies it names, duplicates in the file): a dry
 * run stops there and answers every row's problems in Chinese; a real import with any problem
 * stops there too, having written nothing. The second reads the file again, checks each row again
 * (the same answer: the same file and the same context) and writes it through the verbs — cases
 * through `createEntities`, a few hundred per transaction, each with its register date as
 * `occurredAt`, so it is journaled like any other — skipping every row whose
 * `externalRef` (for a case, its number in the file) is already there: importing a file twice
 * writes it once.
 */
import { eq, inArray, or, sql, type SQL } from 'drizzle-orm';
import ExcelJS from 'exceljs';
import { parse as parseCsv } from 'csv-parse/sync';
import { parse as csvParser } from 'csv-parse';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { z } from 'zod';
import type { Actor } from '../machines/roles.js';
import { rowsOf, type Db } from '../db/client.js';
import { textArray } from '../db/bulk.js';
import { cases, deputies, stationActivities, stations } from '../db/schema.js';
import { activitySchema, recordActivity } from '../engine/activities.js';
import { createEntities, createEntity } from '../engine/apply.js';
import { createDeputy, createStation, deputySchema, stationSchema } from '../engine/directory.js';
import { Conflict, DomainError, fieldError, Forbidden, ValidationError, sqlState } from '../engine/errors.js';
import { caseStore } from '../engine/stores.js';
import {
  DEPUTY_LEVEL_LABELS,
  PARTY_ROLE_LABELS,
  PROCEDURE_LABELS,
  SOURCE_LABELS,
  STATION_KIND_LABELS,
  TRACK_LABELS,
  fieldLabel,
} from '../labels.js';
import { fieldMessage, messageOf } from '../messages.js';
import { can, rolesFor } from '../machines/policy.js';
import { ACTIVITY_HEADERS, CASE_HEADERS, DEPUTY_HEADERS, onDutyOf, STATION_HEADERS } from './registers.js';

export const IMPORT_KINDS = ['stations', 'deputies', 'activities', 'cases'] as const;
export type ImportKind = (typeof IMPORT_KINDS)[number];

export const IMPORT_KIND_LABELS: Record<ImportKind, string> = { stations: '联络站', deputies: '人大代表', activities: '履职记录', cases: '案件' };

/** One problem of one row: the row as numbered in the file (the header is row 1), the column, what is wrong. */
export interface RowProblem {
  row: number;
  column: string;
  message: string;
}

export interface ImportProgress {
  total: number;
  /** Rows checked (first pass) or written / skipped (second pass). */
  done: number;
  created: number;
  skipped: number;
  phase: 'checking' | 'writing' | 'done';
}

export interface ImportResult {
  kind: ImportKind;
  dryRun: boolean;
  total: number;
  /** Rows written (a dry run: rows that would be). */
  created: number;
  /** Rows already imported (by externalRef), left as they are. */
  skipped: number;
  problems: RowProblem[];
}

/** A file-level refusal: wrong type, unreadable encoding, missing columns. Nothing is written. */
export class ImportFileError extends ValidationError {
  constructor(problem: string, params: Record<string, unknown> = {}) {
    super('invalid.import_file', [fieldError('file', 'field.import_file', { problem, ...params })]);
  }
}

// ---------------------------------------------------------------------------------------------
// Reading the file

export interface Sheet {
  header: string[];
  /** Data rows with their row number in the file. */
  rows: { line: number; cells: string[] }[];
}

const ZIP = [0x50, 0x4b, 0x03, 0x04];
const OLE2 = [0xd0, 0xcf, 0x11, 0xe0];
const startsWith = (b: Uint8Array, sig: number[]) => sig.every((x, i) => b[i] === x);

/**
 * A CSV file's text: UTF-8 (with or without a BOM), or GBK / GB18030 as older Excel saves "CSV"
 * on Chinese Windows — recognised by not being valid UTF-8.
 */
export function decodeText(bytes: Uint8Array): string {
  if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) bytes = bytes.subarray(3);
  if (bytes[0] === 0xff && bytes[1] === 0xfe) return new TextDecoder('utf-16le').decode(bytes.subarray(2));
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    try {
      // GB18030 is GBK's superset: every GBK file decodes the same.
      return new TextDecoder('gb18030', { fatal: true }).decode(bytes);
    } catch {
      throw new ImportFileError('encoding');
    }
  }
}

/** A formula-guarded CSV cell (`'=…`, see `csvCell`) back to what was typed. */
const unguard = (v: string) => (/^'[=+\-@\t\r]/.test(v) ? v.slice(1) : v);

/**
 * How both CSV readers split a file. csv-parse takes the first line's ending for the whole file by
 * default, so in a file whose first row ends in CRLF (as every file of ours does) and whose later
 * rows end in LF (appended with `echo >>` or a Unix editor), those rows became extra columns of the
 * row before and were dropped without a word. Each row may end in either, or in a lone CR.
 */
const CSV_OPTIONS = { relax_column_count: true, skip_empty_lines: false, bom: true, record_delimiter: ['\r\n', '\n', '\r'] };

function csvSheet(bytes: Uint8Array): Sheet {
  const text = decodeText(bytes);
  if (text.includes('\u0000')) throw new ImportFileError('not_table');
  let records: string[][];
  try {
    records = parseCsv(text, CSV_OPTIONS) as string[][];
  } catch (err) {
    throw new ImportFileError('csv', { detail: (err as Error).message.replace(/^Invalid[^:]*:\s*/, '') });
  }
  const [header = [], ...rest] = records;
  return {
    header: header.map((h) => h.trim()),
    rows: rest.map((cells, i) => ({ line: i + 2, cells: cells.map(unguard) })).filter((r) => r.cells.some((c) => c.trim() !== '')),
  };
}

/** An XLSX cell as the text a CSV of the same sheet would hold. */
function cellText(v: ExcelJS.CellValue): string {
  if (v === null || v === undefined) return '';
  if (v instanceof Date) {
    // Excel dates have no zone: the writer put the Beijing wall-clock time in as UTC.
    const s = v.toISOString();
    return s.slice(11, 19) === '00:00:00' ? s.slice(0, 10) : `${s.slice(0, 10)} ${s.slice(11, 19)}`;
  }
  if (typeof v === 'object') {
    if ('richText' in v) return v.richText.map((r) => r.text).join('');
    if ('text' in v) return String(v.text);
    if ('result' in v) return cellText((v.result ?? null) as ExcelJS.CellValue);
    if ('error' in v) return '';
  }
  return String(v);
}

async function xlsxSheet(bytes: Uint8Array): Promise<Sheet> {
  const wb = new ExcelJS.Workbook();
  try {
    await wb.xlsx.load(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength) as never);
  } catch {
    throw new ImportFileError('xlsx_broken');
  }
  const ws = wb.worksheets[0];
  if (!ws) throw new ImportFileError('no_sheet');
  const width = ws.columnCount;
  const all: { line: number; cells: string[] }[] = [];
  ws.eachRow({ includeEmpty: false }, (row, line) => {
    const cells: string[] = [];
    for (let i = 1; i <= width; i++) cells.push(cellText(row.getCell(i).value));
    all.push({ line, cells });
  });
  const [head, ...rest] = all;
  return { header: (head?.cells ?? []).map((h) => h.trim()), rows: rest.filter((r) => r.cells.some((c) => c.trim() !== '')) };
}

/** The file's first sheet: an XLSX workbook or a CSV text, told apart by their bytes, not their name. */
export async function readSheet(bytes: Uint8Array): Promise<Sheet> {
  if (bytes.length === 0) throw new ImportFileError('empty');
  if (startsWith(bytes, ZIP)) return xlsxSheet(bytes);
  if (startsWith(bytes, OLE2)) throw new ImportFileError('xls');
  return csvSheet(bytes);
}

type SheetRow = { line: number; cells: string[] };

/** A sheet read row by row: its header, how many data rows, and the rows afresh on each call. */
export interface SheetSource {
  header: string[];
  total: number;
  rows(): AsyncIterable<SheetRow>;
}

const CHUNK = 1 << 16;

/** Whether `bytes` decode as `encoding` with no error, without holding the text. */
function decodesAs(bytes: Uint8Array, encoding: string): boolean {
  const d = new TextDecoder(encoding, { fatal: true });
  try {
    for (let i = 0; i < bytes.length; i += CHUNK) d.decode(bytes.subarray(i, i + CHUNK), { stream: true });
    d.decode();
    return true;
  } catch {
    return false;
  }
}

/** The CSV's encoding as `decodeText` tells it (BOMs, UTF-8, else GB18030), and where its text starts. */
function csvEncoding(bytes: Uint8Array): { encoding: string; start: number } {
  if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) return { encoding: 'utf-8', start: 3 };
  if (bytes[0] === 0xff && bytes[1] === 0xfe) return { encoding: 'utf-16le', start: 2 };
  if (decodesAs(bytes, 'utf-8')) return { encoding: 'utf-8', start: 0 };
  if (decodesAs(bytes, 'gb18030')) return { encoding: 'gb18030', start: 0 };
  throw new ImportFileError('encoding');
}

/** The records of a CSV, parsed as a stream of decoded chunks: one record in memory at a time. */
async function* csvRecords(bytes: Uint8Array, encoding: string, start: number): AsyncGenerator<string[]> {
  const decoder = new TextDecoder(encoding);
  function* chunks() {
    for (let i = start; i < bytes.length; i += CHUNK) yield decoder.decode(bytes.subarray(i, i + CHUNK), { stream: true });
    const tail = decoder.decode();
    if (tail) yield tail;
  }
  const parser = csvParser(CSV_OPTIONS);
  const feeding = pipeline(Readable.from(chunks()), parser);
  feeding.catch(() => {}); // its error reaches the loop below through the parser
  try {
    for await (const record of parser) yield record as string[];
    await feeding;
  } catch (err) {
    throw new ImportFileError('csv', { detail: (err as Error).message.replace(/^Invalid[^:]*:\s*/, '') });
  } finally {
    parser.destroy();
  }
}

function csvSource(bytes: Uint8Array): SheetSource | Promise<SheetSource> {
  const { encoding, start } = csvEncoding(bytes);
  if (encoding !== 'utf-16le' && bytes.includes(0)) throw new ImportFileError('not_table');
  const rows = async function* (): AsyncGenerator<SheetRow> {
    let line = 0;
    for await (const cells of csvRecords(bytes, encoding, start)) {
      line++;
      if (line === 1) continue;
      if (cells.some((c) => c.trim() !== '')) yield { line, cells: cells.map(unguard) };
    }
  };
  return (async () => {
    let header: string[] = [];
    let total = 0;
    let line = 0;
    for await (const cells of csvRecords(bytes, encoding, start)) {
      if (++line === 1) header = cells.map((h) => h.trim());
      else if (cells.some((c) => c.trim() !== '')) total++;
    }
    if (encoding === 'utf-16le' && header.some((h) => h.includes('\u0000'))) throw new ImportFileError('not_table');
    return { header, total, rows };
  })();
}

/**
 * The file's first sheet, to be read row by row: a CSV is parsed as a stream each time; an XLSX
 * workbook is loaded once (ExcelJS reads the whole archive) and its rows handed out from it.
 */
export async function openSheet(bytes: Uint8Array): Promise<SheetSource> {
  if (bytes.length === 0) throw new ImportFileError('empty');
  if (startsWith(bytes, OLE2)) throw new ImportFileError('xls');
  if (!startsWith(bytes, ZIP)) return csvSource(bytes);
  const sheet = await xlsxSheet(bytes);
  return {
    header: sheet.header,
    total: sheet.rows.length,
    rows: async function* () {
      yield* sheet.rows;
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Rows to inputs

/** An enumeration cell: its label (as exported) or its key. */
function enumOf(labels: Record<string, string>, v: string): string {
  const t = v.trim();
  if (!t) return '';
  const byLabel = Object.entries(labels).find(([, l]) => l === t);
  return byLabel ? byLabel[0] : t;
}

const SHANGHAI_MS = 8 * 3_600_000;

/**
 * A register time as an ISO instant: `2026-03-01 09:30[:00]` or `2026-03-01` in Beijing time, or
 * `2026/3/1`; an ISO instant with its offset as is. Anything else is returned unchanged for the
 * schema to refuse.
 */
export function beijingInstant(v: string): string {
  const t = v.trim();
  const m = /^(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?(?:[ T](\d{1,2}):(\d{2})(?::(\d{2}))?)?$/.exec(t);
  if (!m) return t;
  const [, y, mo, d, h = '0', mi = '0', s = '0'] = m;
  const ms = Date.UTC(+y, +mo - 1, +d, +h, +mi, +s);
  const back = new Date(ms);
  if (back.getUTCFullYear() !== +y || back.getUTCMonth() !== +mo - 1 || back.getUTCDate() !== +d) return t;
  return new Date(ms - SHANGHAI_MS).toISOString();
}

/** A calendar date cell: `2026-03-01`, `2026/3/1`, `2026-03-01 00:00:00`. */
function dateOf(v: string): string {
  const m = /^(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?(?:[ T]00:00(?::00)?)?$/.exec(v.trim());
  return m ? `${m[1]}-${m[2].padStart(2, '0')}-${m[3].padStart(2, '0')}` : v.trim();
}

const listOf = (v: string) => v.split(/[；;、,，\n]/).map((s) => s.trim()).filter(Boolean);
const opt = (v: string | undefined) => (v === undefined || v.trim() === '' ? undefined : v.trim());

/** What a kind needs of a file: its columns, and per row an input for the verb and its key. */
interface Plan {
  /** Columns a file must have. */
  required: string[];
  /** Field path of the verb's input → the column it came from (for the problems). */
  columnOf(field: string): string;
}

interface Checked {
  line: number;
  ref: string;
  /** The verb's input, checked. */
  input: Record<string, unknown>;
}

type Row = (header: string) => string | undefined;

/** The labels a file holds (and exports write) for each enumerated field, by the field's name. */
const ENUM_LABELS: Record<string, Record<string, string>> = {
  track: TRACK_LABELS,
  procedure: PROCEDURE_LABELS,
  source: SOURCE_LABELS,
  kind: STATION_KIND_LABELS,
  level: DEPUTY_LEVEL_LABELS,
  role: PARTY_ROLE_LABELS,
};

/**
 * An issue's message in the words of the file: a value outside an enumeration names the labels
 * the column takes (as the export writes them), never the keys behind them.
 *
 * @example
 * issueMessage(issue, '诉前') // → '“诉前”不是可选的值，须为以下之一：诉前委派调解、诉中委托调解'
 */
function issueMessage(issue: z.core.$ZodIssue, given: unknown): string {
  const field = String(issue.path.at(-1) ?? '');
  const labels = ENUM_LABELS[field];
  if (issue.code !== 'invalid_value' || !labels) return issue.message;
  const choices = issue.values.map((v) => labels[String(v)] ?? String(v)).join('、');
  return typeof given === 'string' && given.trim() ? `“${given.trim()}”不是可选的值，须为以下之一：${choices}` : `须为以下之一：${choices}`;
}

/** The value at an issue's path in the input that was checked. */
function valueAt(input: unknown, path: readonly PropertyKey[]): unknown {
  let v = input;
  for (const k of path) v = v && typeof v === 'object' ? (v as Record<PropertyKey, unknown>)[k] : undefined;
  return v;
}

function zodProblems(line: number, error: z.ZodError, columnOf: (field: string) => string, scope: string | undefined, input: unknown): RowProblem[] {
  return error.issues.map((i) => {
    const field = i.path.join('.');
    return { row: line, column: columnOf(field) || fieldLabel(field, scope), message: issueMessage(i, valueAt(input, i.path)) };
  });
}

// ---------------------------------------------------------------------------------------------
// The import

export interface ImportOptions {
  dryRun?: boolean;
  now?: Date;
  requestId?: string;
  onProgress?: (p: ImportProgress) => void;
  /** Writers at once (PostgreSQL); PGlite writes one at a time anyway. */
  concurrency?: number;
  /**
   * Cases created per transaction (default `IMPORT_BATCH`); 1: each through `createEntity` on
   * its own, as before batches (the reference a test compares the batched import with).
   */
  batchSize?: number;
}

/**
 * Cases per transaction of an import. Larger batches gain little past a few hundred (the rows'
 * own work dominates) and hold the number sequences locked longer.
 */
export const IMPORT_BATCH = 500;

/** Who may import what: the directory is the admin's, cases are the court's (DESIGN.md §14). */
export function mayImport(actor: Actor, kind: ImportKind): void {
  const action = kind === 'cases' ? 'import.cases' : 'import.directory';
  if (!can(actor, action)) throw new Forbidden('forbidden.role', { roles: rolesFor(action) });
}

/**
 * Import the first sheet of `bytes` as `kind`, as `actor`. Throws `ImportFileError` for a file it
 * cannot read (nothing written); answers every row's problems (a dry run, or a file with any
 * problem: nothing written), or what it wrote.
 */
export async function importFile(db: Db, actor: Actor, kind: ImportKind, bytes: Uint8Array, opts: ImportOptions = {}): Promise<ImportResult> {
  mayImport(actor, kind);
  const sheet = await openSheet(bytes);
  const plan = PLANS[kind];
  const missing = plan.required.filter((h) => !sheet.header.includes(h));
  if (missing.length) {
    throw new ImportFileError('missing_columns', { columns: missing, kind: IMPORT_KIND_LABELS[kind] });
  }
  const index = new Map<string, number>();
  sheet.header.forEach((h, i) => {
    if (h && !index.has(h)) index.set(h, i);
  });
  const progress: ImportProgress = { total: sheet.total, done: 0, created: 0, skipped: 0, phase: 'checking' };
  const report = () => opts.onProgress?.({ ...progress });
  report();
  const ctx = await plan.context(db);
  const checkRow = ({ line, cells }: SheetRow) =>
    plan.check(line, (h) => {
      const i = index.get(h);
      return i === undefined ? undefined : (cells[i] ?? '');
    }, ctx);

  // First pass: every row checked, nothing written; of the good rows only the key and line are kept.
  const problems: RowProblem[] = [];
  const seen = new Map<string, number>();
  for await (const sheetRow of sheet.rows()) {
    const r = checkRow(sheetRow);
    if ('problems' in r) problems.push(...r.problems);
    else {
      const first = seen.get(r.ref);
      if (first !== undefined) problems.push({ row: r.line, column: plan.refColumn, message: `与第 ${first} 行重复（${r.ref}）` });
      else seen.set(r.ref, r.line);
    }
    progress.done++;
    if (progress.done % 500 === 0) report();
  }
  // Which rows are there already (imported before, or the same entity): skipped, not refused.
  const existing = await plan.existing(db, [...seen.keys()]);
  const toWrite = seen.size - existing.size;
  progress.skipped = existing.size;
  if (opts.dryRun || problems.length) {
    progress.phase = 'done';
    report();
    return { kind, dryRun: !!opts.dryRun, total: sheet.total, created: problems.length ? 0 : toWrite, skipped: progress.skipped, problems };
  }

  // Every row there already (the same file again): nothing to write, no second pass.
  if ([...seen.keys()].every((ref) => existing.has(ref))) {
    progress.phase = 'done';
    progress.done = sheet.total;
    report();
    return { kind, dryRun: false, total: sheet.total, created: 0, skipped: progress.skipped, problems: [] };
  }

  // Second pass: the file read again, the new rows through the verbs — cases in batches (many
  // creations per transaction, src/engine/write/create-many.ts), the directory row by row.
  progress.phase = 'writing';
  progress.done = progress.skipped;
  report();
  const failures: RowProblem[] = [];
  const rows = sheet.rows()[Symbol.asyncIterator]();
  /** The next row to write: checked again (the same answer as before), not there already, not a repeat. */
  const nextRow = async (): Promise<Checked | undefined> => {
    for (;;) {
      const { done, value } = await rows.next();
      if (done) return undefined;
      const r = checkRow(value);
      if (!('problems' in r) && seen.get(r.ref) === r.line && !existing.has(r.ref)) return r;
    }
  };
  const size = plan.writeMany ? Math.max(1, Math.min(opts.batchSize ?? IMPORT_BATCH, 5000)) : 1;
  const nextBatch = async (): Promise<Checked[]> => {
    const batch: Checked[] = [];
    while (batch.length < size) {
      const r = await nextRow();
      if (!r) break;
      batch.push(r);
    }
    return batch;
  };
  // One reader at a time: the workers share the iterator through this chain.
  let reading: Promise<Checked[]> = Promise.resolve([]);
  const take = () => (reading = reading.then(nextBatch));
  const tally = (c: Checked, outcome: WriteOutcome) => {
    if (outcome === 'created') progress.created++;
    else if (outcome === 'skipped') progress.skipped++;
    else failures.push(...domainProblems(c.line, outcome, plan));
  };
  const worker = async () => {
    for (let batch = await take(); batch.length; batch = await take()) {
      if (size > 1) {
        const outcomes = await plan.writeMany!(db, actor, batch, opts);
        batch.forEach((c, k) => tally(c, outcomes[k]));
      } else {
        for (const c of batch) {
          try {
            tally(c, await plan.write(db, actor, c, opts));
          } catch (err) {
            if (sqlState(err) === '23505') progress.skipped++; // the same row, imported at the same moment elsewhere
            else if (err instanceof DomainError) tally(c, err);
            else throw err;
          }
        }
      }
      const before = progress.done;
      progress.done += batch.length;
      if (size > 1 || Math.floor(progress.done / 200) > Math.floor(before / 200)) report();
    }
  };
  const n = Math.max(1, Math.min(opts.concurrency ?? 1, 16));
  await Promise.all(Array.from({ length: n }, worker));
  progress.phase = 'done';
  report();
  failures.sort((a, b) => a.row - b.row);
  return { kind, dryRun: false, total: sheet.total, created: progress.created, skipped: progress.skipped, problems: failures };
}

function domainProblems(line: number, err: DomainError, plan: Plan): RowProblem[] {
  if (err instanceof ValidationError && err.errors.length) {
    return err.errors.map((e) => ({ row: line, column: plan.columnOf(e.field) || fieldLabel(e.field), message: fieldMessage(e) }));
  }
  return [{ row: line, column: '', message: messageOf(err.reason, err.params) }];
}

// ---------------------------------------------------------------------------------------------
// Per kind

interface KindPlan<Ctx> extends Plan {
  refColumn: string;
  /** What every row's check needs from the database, read once. */
  context(db: Db): Promise<Ctx>;
  check(line: number, row: Row, ctx: Ctx): Checked | { problems: RowProblem[] };
  existing(db: Db, refs: string[]): Promise<Set<string>>;
  write(db: Db, actor: Actor, row: Checked, opts: ImportOptions): Promise<'created' | 'skipped'>;
  /** Many rows at once (cases: `createEntities`); per row what `write` gives, or what it would throw. */
  writeMany?(db: Db, actor: Actor, rows: Checked[], opts: ImportOptions): Promise<WriteOutcome[]>;
}

/** What became of a row written: created, there already, or refused as the verb refuses it. */
type WriteOutcome = 'created' | 'skipped' | DomainError;

/** Looks refs up in chunks (a bound parameter list has limits). */
async function inChunks(refs: string[], look: (chunk: string[]) => Promise<string[]>): Promise<Set<string>> {
  const found = new Set<string>();
  for (let i = 0; i < refs.length; i += 5000) for (const r of await look(refs.slice(i, i + 5000))) found.add(r);
  return found;
}

const required = (row: Row, header: string, line: number, problems: RowProblem[]): string => {
  const v = (row(header) ?? '').trim();
  if (!v) problems.push({ row: line, column: header, message: '不能为空' });
  return v;
};

const stationPlan: KindPlan<null> = {
  required: [STATION_HEADERS.code, STATION_HEADERS.name, STATION_HEADERS.kind, STATION_HEADERS.district],
  refColumn: STATION_HEADERS.code,
  columnOf: (f) => (STATION_HEADERS as Record<string, string>)[f.split('.')[0]] ?? '',
  context: async () => null,
  check(line, row) {
    const input = {
      code: row(STATION_HEADERS.code)?.trim() ?? '',
      name: row(STATION_HEADERS.name) ?? '',
      kind: enumOf(STATION_KIND_LABELS, row(STATION_HEADERS.kind) ?? ''),
      district: row(STATION_HEADERS.district) ?? '',
      ...(opt(row(STATION_HEADERS.hotline)) ? { hotline: opt(row(STATION_HEADERS.hotline)) } : {}),
      ...(opt(row(STATION_HEADERS.address)) ? { address: opt(row(STATION_HEADERS.address)) } : {}),
      deputiesOnDuty: onDutyOf(row(STATION_HEADERS.deputiesOnDuty) ?? ''),
    };
    const r = stationSchema.safeParse(input);
    if (!r.success) return { problems: zodProblems(line, r.error, this.columnOf, 'station', input) };
    return { line, ref: r.data.code, input: r.data };
  },
  async existing(db, refs) {
    return inChunks(refs, async (chunk) => (await db.select({ code: stations.code }).from(stations).where(inArray(stations.code, chunk))).map((s) => s.code));
  },
  async write(db, actor, row) {
    await createStation(db, actor, row.input);
    return 'created';
  },
};

const deputyPlan: KindPlan<Set<string>> = {
  required: [DEPUTY_HEADERS.name, DEPUTY_HEADERS.level, DEPUTY_HEADERS.stationCode],
  refColumn: DEPUTY_HEADERS.ref,
  columnOf: (f) => ({ ...DEPUTY_HEADERS, expertise: DEPUTY_HEADERS.expertise } as Record<string, string>)[f.split('.')[0]] ?? '',
  context: async (db) => new Set((await db.select({ code: stations.code }).from(stations)).map((s) => s.code)),
  check(line, row, stationCodes) {
    const input = {
      name: row(DEPUTY_HEADERS.name) ?? '',
      level: enumOf(DEPUTY_LEVEL_LABELS, row(DEPUTY_HEADERS.level) ?? ''),
      stationCode: row(DEPUTY_HEADERS.stationCode)?.trim() ?? '',
      expertise: listOf(row(DEPUTY_HEADERS.expertise) ?? ''),
      ...(opt(row(DEPUTY_HEADERS.phone)) ? { phone: opt(row(DEPUTY_HEADERS.phone)) } : {}),
    };
    const r = deputySchema.safeParse(input);
    const problems = r.success ? [] : zodProblems(line, r.error, this.columnOf, 'deputy', input);
    if (input.stationCode && !stationCodes.has(input.stationCode)) {
      problems.push({ row: line, column: DEPUTY_HEADERS.stationCode, message: `联络站 ${input.stationCode} 不存在：请先导入联络站` });
    }
    if (problems.length || !r.success) return { problems };
    // Without a number in the file, a deputy is known by station and name.
    const ref = opt(row(DEPUTY_HEADERS.ref)) ?? `${input.stationCode}/${input.name.trim()}`;
    return { line, ref, input: r.data };
  },
  async existing(db, refs) {
    return inChunks(refs, async (chunk) =>
      (await db.select({ ref: deputies.externalRef, id: deputies.id }).from(deputies).where(or(inArray(deputies.externalRef, chunk), inArray(deputies.id, chunk.filter(isUuidLike)))))
        .flatMap((d) => [d.ref, d.id].filter((x): x is string => !!x && chunk.includes(x))),
    );
  },
  async write(db, actor, row) {
    await createDeputy(db, actor, row.input, {}, { externalRef: row.ref });
    return 'created';
  },
};

const isUuidLike = (s: string) => /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(s);

interface ActivityCtx {
  stations: Set<string>;
  /** station code → deputy name → ids (a name may be there twice) */
  names: Map<string, Map<string, string[]>>;
  ids: Set<string>;
}

const activityPlan: KindPlan<ActivityCtx> = {
  required: [ACTIVITY_HEADERS.stationCode, ACTIVITY_HEADERS.date, ACTIVITY_HEADERS.theme, ACTIVITY_HEADERS.content, ACTIVITY_HEADERS.votersReceived],
  refColumn: ACTIVITY_HEADERS.ref,
  columnOf: (f) => ({ ...ACTIVITY_HEADERS, deputyIds: ACTIVITY_HEADERS.deputies } as Record<string, string>)[f.split('.')[0]] ?? '',
  async context(db) {
    const all = await db.select({ id: deputies.id, name: deputies.name, stationCode: deputies.stationCode }).from(deputies);
    const names = new Map<string, Map<string, string[]>>();
    for (const d of all) {
      const m = names.get(d.stationCode) ?? new Map<string, string[]>();
      m.set(d.name, [...(m.get(d.name) ?? []), d.id]);
      names.set(d.stationCode, m);
    }
    return { stations: new Set((await db.select({ code: stations.code }).from(stations)).map((s) => s.code)), names, ids: new Set(all.map((d) => d.id)) };
  },
  check(line, row, ctx) {
    const problems: RowProblem[] = [];
    const stationCode = required(row, ACTIVITY_HEADERS.stationCode, line, problems);
    if (stationCode && !ctx.stations.has(stationCode)) problems.push({ row: line, column: ACTIVITY_HEADERS.stationCode, message: `联络站 ${stationCode} 不存在` });
    // Deputies by name (as exported) within the station, else anywhere, or by id.
    const deputyIds: string[] = [];
    for (const who of listOf(row(ACTIVITY_HEADERS.deputies) ?? '')) {
      if (ctx.ids.has(who)) {
        deputyIds.push(who);
        continue;
      }
      const here = ctx.names.get(stationCode)?.get(who);
      const anywhere = [...ctx.names.values()].flatMap((m) => m.get(who) ?? []);
      const ids = here ?? anywhere;
      if (ids.length === 1) deputyIds.push(ids[0]);
      else problems.push({ row: line, column: ACTIVITY_HEADERS.deputies, message: ids.length ? `有多位名为“${who}”的代表，请改填代表编号` : `没有名为“${who}”的代表` });
    }
    const voters = (row(ACTIVITY_HEADERS.votersReceived) ?? '').trim();
    const input = {
      date: dateOf(row(ACTIVITY_HEADERS.date) ?? ''),
      theme: row(ACTIVITY_HEADERS.theme) ?? '',
      content: row(ACTIVITY_HEADERS.content) ?? '',
      deputyIds,
      votersReceived: voters === '' ? 0 : /^\d+$/.test(voters) ? Number(voters) : voters,
    };
    const r = activitySchema.safeParse(input);
    if (!r.success) problems.push(...zodProblems(line, r.error, this.columnOf, 'activity', input));
    if (problems.length || !r.success) return { problems };
    const ref = opt(row(ACTIVITY_HEADERS.ref)) ?? `${stationCode}/${r.data.date}/${r.data.theme}`;
    return { line, ref, input: { ...r.data, stationCode } };
  },
  async existing(db, refs) {
    return inChunks(refs, async (chunk) =>
      (await db.select({ ref: stationActivities.externalRef, id: stationActivities.id }).from(stationActivities)
        .where(or(inArray(stationActivities.externalRef, chunk), inArray(stationActivities.id, chunk.filter(isUuidLike)))))
        .flatMap((a) => [a.ref, a.id].filter((x): x is string => !!x && chunk.includes(x))),
    );
  },
  async write(db, actor, row, opts) {
    const { stationCode, ...body } = row.input as { stationCode: string };
    await recordActivity(db, actor, stationCode, body, { now: opts.now, externalRef: row.ref });
    return 'created';
  },
};

/** A party column group: names, ID numbers, phones of one role, `；`-separated and aligned. */
function partiesOf(role: 'applicant' | 'respondent', row: Row) {
  const [n, i, p] = role === 'applicant'
    ? [CASE_HEADERS.applicants, CASE_HEADERS.applicantIds, CASE_HEADERS.applicantPhones]
    : [CASE_HEADERS.respondents, CASE_HEADERS.respondentIds, CASE_HEADERS.respondentPhones];
  const split = (v: string | undefined) => (v ?? '').split(/[；;]/).map((s) => s.trim());
  const names = split(row(n)).filter(Boolean);
  const ids = split(row(i));
  const phones = split(row(p));
  return names.map((name, k) => ({ role, name, ...(ids[k] ? { idNumber: ids[k] } : {}), ...(phones[k] ? { phone: phones[k] } : {}), columns: [n, i, p] }));
}

const CASE_FIELD_COLUMNS: Record<string, string> = {
  externalRef: CASE_HEADERS.number,
  track: CASE_HEADERS.track,
  procedure: CASE_HEADERS.procedure,
  source: CASE_HEADERS.source,
  stationCode: CASE_HEADERS.stationCode,
  disputeType: CASE_HEADERS.disputeType,
  summary: CASE_HEADERS.summary,
  claimAmount: CASE_HEADERS.claimAmount,
  enforceableDocument: CASE_HEADERS.enforceableDocument,
  owedAmount: CASE_HEADERS.owedAmount,
  occurredAt: CASE_HEADERS.openedAt,
  parties: CASE_HEADERS.applicants,
};

const casePlan: KindPlan<Set<string>> = {
  required: [CASE_HEADERS.number, CASE_HEADERS.source, CASE_HEADERS.stationCode, CASE_HEADERS.disputeType, CASE_HEADERS.summary, CASE_HEADERS.applicants, CASE_HEADERS.openedAt],
  refColumn: CASE_HEADERS.number,
  columnOf: (f) => CASE_FIELD_COLUMNS[f.split('.')[0]] ?? '',
  context: async (db) => new Set((await db.select({ code: stations.code }).from(stations)).map((s) => s.code)),
  check(line, row, stationCodes) {
    const problems: RowProblem[] = [];
    const ref = required(row, CASE_HEADERS.number, line, problems);
    const openedAt = required(row, CASE_HEADERS.openedAt, line, problems);
    const people = [...partiesOf('applicant', row), ...partiesOf('respondent', row)];
    const body: Record<string, unknown> = {
      externalRef: ref,
      source: enumOf(SOURCE_LABELS, row(CASE_HEADERS.source) ?? ''),
      stationCode: row(CASE_HEADERS.stationCode)?.trim() ?? '',
      disputeType: row(CASE_HEADERS.disputeType) ?? '',
      summary: row(CASE_HEADERS.summary) ?? '',
      parties: people.map(({ columns: _c, ...p }) => p),
      occurredAt: beijingInstant(openedAt),
    };
    const set = (key: string, v: string | undefined) => {
      if (v !== undefined && v.trim() !== '') body[key] = v.trim();
    };
    set('track', row(CASE_HEADERS.track) && enumOf(TRACK_LABELS, row(CASE_HEADERS.track)!));
    set('procedure', row(CASE_HEADERS.procedure) && enumOf(PROCEDURE_LABELS, row(CASE_HEADERS.procedure)!));
    set('claimAmount', row(CASE_HEADERS.claimAmount));
    set('enforceableDocument', row(CASE_HEADERS.enforceableDocument));
    set('owedAmount', row(CASE_HEADERS.owedAmount));
    const parsed = caseStore.parseCreate(body);
    if (!parsed.success) {
      for (const issue of parsed.error.issues) {
        const path = issue.path.map(String);
        let column = CASE_FIELD_COLUMNS[path[0]] ?? fieldLabel(path.join('.'));
        if (path[0] === 'parties' && path.length >= 2) {
          const p = people[Number(path[1])];
          column = p ? (path[2] === 'idNumber' ? p.columns[1] : path[2] === 'phone' ? p.columns[2] : p.columns[0]) : CASE_HEADERS.applicants;
        }
        // The register date is written in Beijing time; say so rather than "ISO 8601".
        const message = path[0] === 'occurredAt' ? '须为时间，例如 2026-03-01 09:30:00（北京时间）' : issueMessage(issue, valueAt(body, issue.path));
        if (!(path[0] === 'externalRef' && !ref) && !(path[0] === 'occurredAt' && !openedAt)) problems.push({ row: line, column, message });
      }
    }
    if (body.stationCode && !stationCodes.has(body.stationCode as string)) {
      problems.push({ row: line, column: CASE_HEADERS.stationCode, message: `联络站 ${body.stationCode} 不存在` });
    }
    if (!problems.length && Date.parse(body.occurredAt as string) > Date.now() + 60_000) {
      problems.push({ row: line, column: CASE_HEADERS.openedAt, message: '登记时间不能晚于现在' });
    }
    if (problems.length) return { problems };
    return { line, ref, input: body };
  },
  async existing(db, refs) {
    // A case imported before, or the very case a file exported from this database names: two
    // look-ups, each ref one probe of a unique index. One statement `external_ref in (…) or number
    // in (…)` was, once a good part of a chunk matched, a scan of every case for each chunk of
    // 5000 — quadratic in the file (re-importing 100k imported cases took 372 s, issue 16 /
    // stop 19's note; at 100k cases one chunk: 154 ms scanned, 11 ms looked up).
    // A join over the refs, not `= any($1)`: a prepared statement's generic plan (from its sixth
    // run on) does not know the array, and one scanned every case testing each against all 5000.
    return inChunks(refs, async (chunk) => {
      const list = textArray(chunk);
      const found = (column: SQL) => sql`select ${column} as v from unnest(${list}::text[]) as r(v) join ${cases} on ${column} = r.v`;
      const rows = rowsOf<{ v: string }>(await db.execute(sql`${found(sql`${cases.externalRef}`)} union all ${found(sql`${cases.number}`)}`));
      return rows.map((c) => c.v);
    });
  },
  async writeMany(db, actor, rows, opts) {
    const ctx = { db, now: opts.now ? () => opts.now! : undefined, requestId: opts.requestId };
    const outcomes = await createEntities(ctx, caseStore, actor, rows.map((r) => r.input));
    // A row whose externalRef is taken (imported before, or at the same moment elsewhere) is skipped.
    return outcomes.map((o) => ('refused' in o ? (o.refused instanceof Conflict && o.refused.reason === 'conflict.external_ref' ? 'skipped' : o.refused) : 'created'));
  },
  async write(db, actor, row, opts) {
    const [had] = await db.select({ id: cases.id }).from(cases).where(eq(cases.externalRef, row.ref));
    if (had) return 'skipped';
    await createEntity({ db, now: opts.now ? () => opts.now! : undefined, requestId: opts.requestId }, caseStore, actor, row.input, {
      // Nobody reads the case here: no view, no access-log row.
      render: (written) => ({ body: { id: written.row.id } }),
    });
    return 'created';
  },
};

const PLANS: Record<ImportKind, KindPlan<any>> = { stations: stationPlan, deputies: deputyPlan, activities: activityPlan, cases: casePlan };
