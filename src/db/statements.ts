/**
 * Statements of the event write path, compiled once. drizzle builds a query's SQL text from its
 * builder on every call; on the write path that was about a third of the server's CPU per event
 * (`npm run bench -- --profile`). A statement here is built the first time it runs, by drizzle's
 * query builder with placeholders for its values (`toSQL()`), and then runs straight through the
 * driver (`driverOf`: postgres.js `unsafe(text, params, { prepare: true })`, PGlite `query`) on
 * the database or on a transaction the driver opened: the same SQL, each value encoded by its
 * column as drizzle would (null stays NULL), each selected column decoded by its own decoder.
 */
import { is, Param, Placeholder, sql, type Column, type Query, type SQL } from 'drizzle-orm';
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

/**
 * A placeholder for a value; in SQL text, not wrapped by drizzle (`statement` encodes it). A name
 * `part.key` reads `values.part.key`: a write's rows are handed over as they are, not copied into
 * one object of prefixed names for every event.
 */
export const slot = (name: string): SQL => sql`${sql.placeholder(name)}`;

/** Reads one parameter's value out of `run`'s values. */
type Getter = (values: Record<string, any>) => unknown;

/** The value a placeholder names (`a` or `a.b`); a name `encode` lists is encoded, null when absent. */
function placeholderGetter(name: string, column: Column | undefined): Getter {
  const dot = name.indexOf('.');
  const [part, key] = dot < 0 ? [undefined, name] : [name.slice(0, dot), name.slice(dot + 1)];
  const missing = () => new Error(`No value for placeholder "${name}" was provided`);
  if (column) {
    // As drizzle's own queries encode a column's value; left out is NULL.
    return (values) => {
      const v = part === undefined ? values[key] : values[part]?.[key];
      return v === null || v === undefined ? null : column.mapToDriverValue(v);
    };
  }
  return part === undefined
    ? (values) => {
        const v = values[key];
        if (v === undefined && !(key in values)) throw missing();
        return v;
      }
    : (values) => {
        const holder = values[part];
        const v = holder?.[key];
        if (v === undefined && !(holder !== null && typeof holder === 'object' && key in holder)) throw missing();
        return v;
      };
}

/**
 * How each positional parameter of a compiled query is filled (drizzle's `fillPlaceholders`,
 * worked out once): a placeholder's value, one wrapped in a drizzle param with its encoder, or a
 * constant the builder bound.
 */
function parameterGetters(params: unknown[], encode: Record<string, Column>): Getter[] {
  return params.map((p): Getter => {
    if (is(p, Placeholder)) return placeholderGetter(p.name, encode[p.name]);
    if (is(p, Param) && is(p.value, Placeholder)) {
      const get = placeholderGetter(p.value.name, encode[p.value.name]);
      const encoder = p.encoder;
      return (values) => encoder.mapToDriverValue(get(values));
    }
    return () => p;
  });
}

/**
 * @example
 * const byId = statement((db) => db.select(cols).from(cases).where(eq(cases.id, slot('id'))), { decode: cols });
 * const [row] = await byId.run(db, { id });
 */
export function statement<Row = unknown[]>(build: (db: Db) => { toSQL(): Query }, opts: StatementOptions = {}): Statement<Row> {
  let compiled: { sql: string; getters: Getter[] } | undefined;
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
  return {
    async run(db, values) {
      if (!compiled) {
        const query = build(builder).toSQL();
        compiled = { sql: query.sql, getters: parameterGetters(query.params, opts.encode ?? {}) };
      }
      const { getters } = compiled;
      const params = new Array<unknown>(getters.length);
      for (let i = 0; i < getters.length; i++) params[i] = getters[i](values);
      const rows = await driverOf(db).query(compiled.sql, params);
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
