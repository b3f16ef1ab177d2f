/**
 * Statements of the event write path, compiled once. drizzle builds a query's SQL text from its
 * builder on every call; on the write path that was about a third of the server's CPU per event
 * (`npm run bench -- --profile`). A statement here is built the first time it runs, by drizzle's
 * query builder with placeholders for its values (`toSQL()`), and then runs straight through the
 * driver (`driverOf`: postgres.js `unsafe(text, params, { prepare: true })`, PGlite `query`) on
 * the database or on a transaction the driver opened: the same SQL, each value encoded by its
 * column as drizzle would (null stays NULL), each selected column decoded by its own decoder.
 */
import { fillPlaceholders, sql, type Column, type Query, type SQL } from 'drizzle-orm';
import { drizzle } from 'drizzle-orm/postgres-js';
import { driverOf, type Db, type Driver } from './client.js';
import * as schema from './schema.js';

/** drizzle with no connection, to build statements' SQL: the text is the same for both drivers. */
const builder = drizzle.mock({ schema }) as unknown as Db;

export interface Statement<Row> {
  run(db: Db | Driver, values: Record<string, unknown>): Promise<Row[]>;
}

/** What turns a driver's value into the row's: a column, or a decoder of a computed value. */
export type Decoder = Pick<Column, 'mapFromDriverValue'>;

export interface StatementOptions {
  /** What the statement selects or returns, in that order: rows come back decoded and keyed so. */
  decode?: Record<string, Decoder>;
  /** Placeholders that hold a column's value, by name: encoded by that column (a jsonb as JSON). */
  encode?: Record<string, Column>;
}

/** A placeholder for a value; in SQL text, not wrapped by drizzle (`statement` encodes it). */
export const slot = (name: string): SQL => sql`${sql.placeholder(name)}`;

/**
 * @example
 * const byId = statement((db) => db.select(cols).from(cases).where(eq(cases.id, slot('id'))), { decode: cols });
 * const [row] = await byId.run(db, { id });
 */
export function statement<Row = unknown[]>(build: (db: Db) => { toSQL(): Query }, opts: StatementOptions = {}): Statement<Row> {
  let query: Query | undefined;
  const decoders = opts.decode ? Object.entries(opts.decode) : undefined;
  const decode = decoders
    ? (rows: unknown[][]) =>
        rows.map((values) => {
          const row: Record<string, unknown> = {};
          for (let i = 0; i < decoders.length; i++) {
            const v = values[i];
            row[decoders[i][0]] = v === null ? null : decoders[i][1].mapFromDriverValue(v);
          }
          return row as Row;
        })
    : undefined;
  const encoders = opts.encode ? Object.entries(opts.encode) : [];
  return {
    async run(db, values) {
      query ??= build(builder).toSQL();
      let params = values;
      if (encoders.length) {
        params = { ...values };
        for (const [name, column] of encoders) {
          const v = values[name];
          params[name] = v === null || v === undefined ? null : column.mapToDriverValue(v);
        }
      }
      const rows = await driverOf(db).query(query.sql, fillPlaceholders(query.params, params));
      return decode ? decode(rows) : (rows as Row[]);
    },
  };
}

/** One compiled statement per shape (e.g. per set of columns an UPDATE writes). */
export function statements<Row = unknown[]>(make: (shape: string) => Statement<Row>): (shape: string) => Statement<Row> {
  const byShape = new Map<string, Statement<Row>>();
  return (shape) => {
    let s = byShape.get(shape);
    if (!s) byShape.set(shape, (s = make(shape)));
    return s;
  };
}
