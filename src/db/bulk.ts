/**
 * Many rows into one table in one statement, for the batched write paths (an import's
 * `createEntities`): the rows go as one JSON parameter, which PostgreSQL turns back into rows of
 * the table's own type (`jsonb_populate_recordset`), so each value is read by its column's type
 * exactly as a bound parameter would be.
 *
 * Why not drizzle's multi-row `insert(…).values(rows)`: it binds every value as a parameter and
 * checks each one's kind as it builds the statement — a fifth of a batched import's CPU went
 * there (`is()` alone 10%), more than the rows' own making. One JSON text costs a
 * `JSON.stringify`, and works the same on both drivers.
 */
import { getTableColumns, sql, type SQL } from 'drizzle-orm';
import type { PgColumn, PgTable } from 'drizzle-orm/pg-core';
import type { Db } from './client.js';

/**
 * A text[] literal of `values`: one parameter in both drivers (`${textArray(xs)}::text[]`), however
 * many values, with quotes and backslashes escaped.
 */
export function textArray(values: readonly string[]): string {
  return `{${values.map((v) => `"${v.replace(/["\\]/g, '\\$&')}"`).join(',')}}`;
}

/** Rows per statement: a few MiB of JSON at most. */
const ROWS_PER_STATEMENT = 2000;

/**
 * Insert `rows` (keyed by the table's drizzle field names, as `db.insert(table).values()` takes
 * them) into `table`. Every row gives the same fields: the columns of the first row are written,
 * the others take their defaults. Values are what the column reads from JSON: strings for text,
 * uuids and timestamps (ISO), numbers, booleans, arrays for array columns, any JSON for jsonb.
 * `where`: a condition on the statement (not on a row): the rows are written only when it holds.
 */
export async function insertRows(db: Db, table: PgTable, rows: Record<string, unknown>[], opts: { where?: SQL } = {}): Promise<void> {
  if (rows.length === 0) return;
  const names = columnNames(table, Object.keys(rows[0]));
  for (let i = 0; i < rows.length; i += ROWS_PER_STATEMENT) {
    await db.execute(insertSql({ table, rows: rows.slice(i, i + ROWS_PER_STATEMENT), where: opts.where }, names));
  }
}

/**
 * Rows for one table, as `insertRows` takes them (a few: one statement holds them all). `json`:
 * the rows already as the JSON array `jsonb_populate_recordset` reads (keyed by SQL column names),
 * e.g. with a jsonb value spliced in as the text it already is; `rows` gives the field names then.
 */
export interface RowsOf {
  table: PgTable;
  rows: Record<string, unknown>[];
  json?: string;
  where?: SQL;
}

/**
 * The rows of several tables in one statement (one round trip, one execution): each table's
 * insert is a data-modifying CTE of it. Parts without rows are left out.
 */
export async function insertTogether(db: Db, parts: RowsOf[]): Promise<void> {
  const wanted = parts.filter((p) => p.rows.length > 0);
  if (wanted.length === 0) return;
  if (wanted.length === 1) return insertRows(db, wanted[0].table, wanted[0].rows, { where: wanted[0].where });
  const ctes = wanted.map((p, i) => sql`${sql.raw(`r${i}`)} as (${insertSql(p, columnNames(p.table, Object.keys(p.rows[0])))})`);
  await db.execute(sql`with ${sql.join(ctes, sql`, `)} select 1`);
}

function columnNames(table: PgTable, keys: string[]): { keys: string[]; names: string[] } {
  const columns = getTableColumns(table) as Record<string, PgColumn>;
  const names = keys.map((k) => {
    const column = columns[k];
    if (!column) throw new Error(`insertRows: ${k} is not a field of the table`);
    return column.name;
  });
  return { keys, names };
}

function insertSql({ table, rows, json, where }: RowsOf, { keys, names }: { keys: string[]; names: string[] }): SQL {
  const list = sql.join(names.map((n) => sql.identifier(n)), sql`, `);
  const text =
    json ??
    JSON.stringify(
      rows.map((r) => {
        const o: Record<string, unknown> = {};
        for (let k = 0; k < keys.length; k++) o[names[k]] = r[keys[k]] ?? null;
        return o;
      }),
    );
  return sql`insert into ${table} (${list}) select ${list} from jsonb_populate_recordset(null::${table}, ${text}::jsonb)${where ? sql` where ${where}` : sql``}`;
}
