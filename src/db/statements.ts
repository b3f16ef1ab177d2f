/**
 * Statements of the event write path, compiled once. drizzle builds a query's SQL text from its
 * builder on every call; on the write path that was about a third of the server's CPU per event
 * (`npm run bench -- --profile`). A statement here is built the first time it runs, with
 * placeholders for its values, and then runs on any database or transaction through that one's
 * session: the same SQL, each value encoded by its column as drizzle would (null stays NULL),
 * each selected column decoded by its own decoder.
 */
import { sql, type Column, type Query, type SQL } from 'drizzle-orm';
import { rowsOf, type Db } from './client.js';

export interface Statement<Row> {
  run(db: Db, values: Record<string, unknown>): Promise<Row[]>;
}

export interface StatementOptions {
  /** What the statement selects or returns, in that order: rows come back decoded and keyed so. */
  decode?: Record<string, Column>;
  /** Placeholders that hold a column's value, by name: encoded by that column (a jsonb as JSON). */
  encode?: Record<string, Column>;
}

/** A placeholder for a value; in SQL text, not wrapped by drizzle (`statement` encodes it). */
export const slot = (name: string): SQL => sql`${sql.placeholder(name)}`;

/**
 * @example
 * const byId = statement((db) => db.select(cols).from(cases).where(eq(cases.id, slot('id'))), { decode: cols });
 * const [row] = await byId.run(tx, { id });
 */
export function statement<Row = Record<string, unknown>>(build: (db: Db) => { toSQL(): Query }, opts: StatementOptions = {}): Statement<Row> {
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
      query ??= build(db).toSQL();
      let params = values;
      if (encoders.length) {
        params = { ...values };
        for (const [name, column] of encoders) {
          const v = values[name];
          params[name] = v === null || v === undefined ? null : column.mapToDriverValue(v);
        }
      }
      const result = await db._.session.prepareQuery(query, undefined, undefined, decode !== undefined, decode).execute(params);
      return decode ? (result as Row[]) : rowsOf<Row>(result);
    },
  };
}

/** One compiled statement per shape (e.g. per set of columns an UPDATE writes). */
export function statements<Row = Record<string, unknown>>(make: (shape: string) => Statement<Row>): (shape: string) => Statement<Row> {
  const byShape = new Map<string, Statement<Row>>();
  return (shape) => {
    let s = byShape.get(shape);
    if (!s) byShape.set(shape, (s = make(shape)));
    return s;
  };
}
