/**
 * The write path's statements, compiled once per store (src/db/statements.ts): one reads the row,
 * its view's data and the caller's key record; one swaps the row (compare-and-swap on `version`)
 * and inserts the journal row, the access-log row and the idempotency record only if it took.
 */
import { and, eq, getTableColumns, sql, type SQL } from 'drizzle-orm';
import { PgDialect, type PgColumn, type PgTable } from 'drizzle-orm/pg-core';
import { sameInstant, type Db, type Driver } from '../../db/client.js';
import { slot, statement, statements, type Decoder, type Statement } from '../../db/statements.js';
import { accessLog, deadlines, idempotencyKeys, outbox } from '../../db/schema.js';
import { changesOpenSessions, closedCaseUpserts, OPEN_SESSION_COLUMNS, openSessionsUpsert, SUMMARY_COLUMNS } from '../report-summary.js';
import { listenedSql, noticeBranches, noticeInsertSql, noticeValues, type Notice } from '../notify/notices.js';
import type { Actor } from '../../machines/roles.js';
import type { EntityRow, EntityStore } from '../stores.js';
import type { keyRecord, KeyRecord } from './idempotency.js';
import type { EngineContext } from './types.js';

/** The entries of `wanted` that differ from what `row` holds (timestamps compared as instants). */
export function changedColumns(table: EntityStore['table'], row: EntityRow, wanted: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  // Keys, not Object.entries: a pair array per column of every write (~0.7 µs an event).
  for (const key of Object.keys(wanted)) {
    const value = wanted[key];
    const stored = row[key];
    if (value === stored) continue;
    if (Array.isArray(value) && Array.isArray(stored) && value.length === stored.length && value.every((v, i) => v === stored[i])) continue;
    if (
      typeof value === 'string' &&
      typeof stored === 'string' &&
      (table[key] as PgColumn).columnType === 'PgTimestampString' &&
      sameInstant(value, stored)
    ) {
      continue;
    }
    out[key] = value;
  }
  return out;
}

/** A row as the write path reads it: the entity, its view's data, the caller's key record if any. */
type ReadRow = EntityRow & { viewData: unknown; priorHash: string | null; priorStatus: number | null; priorResponse: unknown };

/** The access-log row of a write whose answer shows personal data (`fields`) in full. */
export function accessRow(ctx: EngineContext, actor: Actor, store: EntityStore, id: string, fields: string) {
  return { userId: actor.id, userRole: actor.role, entityType: store.type, entityId: id, fields, requestId: ctx.requestId ?? null };
}

/** What one write stores beside the swap, each only if the swap took. */
export interface Write {
  /** The entity columns that change (always snapshot, version, updatedAt). */
  written: Record<string, unknown>;
  journalRow: Record<string, unknown>;
  /** The access-log row, when the answer shows personal data in full. */
  access?: ReturnType<typeof accessRow>;
  /** The idempotency record: its response as JSON text. */
  remember?: ReturnType<typeof keyRecord>;
  /** The outbox row and the notice (src/engine/notify), written with the journal row. */
  outbox?: Record<string, unknown>;
  /** The event texts consenting parties: its outbox row is wanted if one consented. */
  smsWanted?: boolean;
  notice?: Notice;
  /**
   * The entity's deadlines move: its open deadline rows are made these (the enforced ones its new
   * snapshot implies), in the same statement. Rows that stay keep any sweeper claim on them; rows
   * no longer wanted are deleted; fired rows are never touched.
   */
  deadlines?: { kind: string; dueAt: string; event: string }[];
  /** The write closes a case: it is added to the report's summary in the same statement (report-summary.ts). */
  closing?: boolean;
}

/**
 * The compare-and-swap and everything that goes with it, in one statement: the entity row is
 * updated only if its version is still `expected`, and the journal row, the access-log row and
 * the idempotency record are inserted only if it was — the journal holds a row for exactly the
 * transitions stored. False: a concurrent writer won, and nothing was written.
 */
export async function swap(db: Db | Driver, store: EntityStore, id: string, expected: number, w: Write): Promise<boolean> {
  // The rows go in as they are: the statement reads `w.state` as values.w.state (statements.ts `slot`).
  const values: Record<string, unknown> = { id, expected, w: w.written, j: w.journalRow, a: w.access, i: w.remember, o: w.outbox };
  const shape = [
    keysOf(w.written),
    keysOf(w.journalRow),
    keysOf(w.access),
    keysOf(w.remember),
    keysOf(w.outbox),
    // The kinds of recipient the notice names: the statement tests those only (noticeInsertSql says why).
    w.notice ? noticeBranches(w.notice.recipients) : '',
    w.deadlines ? 'd' : '',
    w.closing ? 'c' : '',
    // The report's session counts of an open case (a closing case's row goes with `c`).
    !w.closing && changesOpenSessions(store.type, w.written) ? 's' : '',
  ].join('|');
  if (w.notice && noticeBranches(w.notice.recipients)) Object.assign(values, noticeValues(w.notice));
  if (w.outbox) values.x_sms = w.smsWanted === true;
  if (w.deadlines) {
    values.d_type = store.type;
    values.d_wanted = JSON.stringify(w.deadlines.map((d) => ({ kind: d.kind, dueAt: d.dueAt, event: d.event })));
  }
  const [result] = await writePath(store).swap(shape).run(db, values);
  return result?.journaled === 1;
}

/** A row's keys, as the swap's shape names them. At module level: a closure per write costs a `__name` call under tsx. */
function keysOf(row: Record<string, unknown> | undefined): string {
  return row ? Object.keys(row).join(',') : '';
}

/** The write path's statements of one store, compiled once (src/db/statements.ts). */
interface WritePath {
  /** The row and its view's data, and the caller's Idempotency-Key record (null when none). */
  read: Statement<ReadRow>;
  /**
   * The swap and its rows, by shape: `written keys|journal keys|access-log keys|idempotency keys|outbox keys|the notice's kinds of recipient (noticeBranches)|d
   * (the deadlines move)|c (a case closes)|s (an open case's session counts change)`.
   */
  swap: (shape: string) => Statement<{ journaled: number }>;
}

const writePaths = new WeakMap<EntityStore, WritePath>();

/** A jsonb computed in SQL (no column to decode it): both drivers parse it; text is parsed here, as drizzle's jsonb does. */
export const jsonValue: Decoder = {
  mapFromDriverValue(v: unknown) {
    if (typeof v !== 'string') return v;
    try {
      return JSON.parse(v);
    } catch {
      return v;
    }
  },
};

/** These columns of the case table by their SQL names (report-summary.ts `SUMMARY_COLUMNS`, `OPEN_SESSION_COLUMNS`). */
function columnsNamed(table: EntityStore['table'], names: readonly string[]): Record<string, PgColumn> {
  const columns = getTableColumns(table) as Record<string, PgColumn>;
  const byName = new Map(Object.values(columns).map((c) => [c.name, c]));
  return Object.fromEntries(names.map((name) => [name, byName.get(name)!]));
}

/**
 * The open deadline rows of the swapped entity made those of `d_wanted` (JSON: kind, dueAt, event),
 * only if the swap took: rows not wanted are deleted, wanted rows not there are added, rows that
 * stay are not touched (a sweeper's claim on them stays). The delete runs first (the insert reads
 * its output): a kind whose due time moves is one open row before and after (deadlines_open_kind_uq).
 */
function deadlineRewriteSql(): SQL {
  const same = sql`d.kind = w.kind and d.event = w.event and d.due_at = w."dueAt"`;
  const open = sql`d.entity_type = ${slot('d_type')}::text and d.entity_id = ${slot('id')}::uuid and d.fired_at is null`;
  return sql`wanted as (select * from jsonb_to_recordset(${slot('d_wanted')}::jsonb) as w(kind text, "dueAt" timestamptz, event text)),
    dropped as (delete from ${deadlines} d where ${open} and exists (select 1 from swapped)
      and not exists (select 1 from wanted w where ${same}) returning 1),
    added as (insert into ${deadlines} (entity_type, entity_id, kind, due_at, event)
      select ${slot('d_type')}::text, ${slot('id')}::uuid, w.kind, w."dueAt", w.event from wanted w
      where exists (select 1 from swapped) and (select count(*) from dropped) >= 0
        and not exists (select 1 from ${deadlines} d where ${open} and ${same}))`;
}

/** `listenedSql`'s values in the swap: the event's type is its outbox row's (`o.eventType`). */
const outboxSlot = (name: string) => slot(name === 'o_eventType' ? 'o.eventType' : name);

export function writePath(store: EntityStore): WritePath {
  let path = writePaths.get(store);
  if (path) return path;
  const { table, journal } = store;
  const columns = getTableColumns(table) as Record<string, PgColumn>;
  const viewData = sql`${store.viewData}`;
  const read = {
    ...columns,
    viewData,
    priorHash: idempotencyKeys.requestHash,
    priorStatus: idempotencyKeys.status,
    priorResponse: idempotencyKeys.response,
  };
  // Values of a SELECT list have no type to infer: each placeholder is cast to its column's.
  const inserted = (target: PgTable, part: string, keys: string[]) => {
    const cols = keys.map((k) => (target as unknown as Record<string, PgColumn>)[k]);
    return sql`insert into ${target} (${sql.join(cols.map((c) => sql.identifier(c.name)), sql`, `)})
      select ${sql.join(keys.map((k, i) => sql`${slot(`${part}.${k}`)}::${sql.raw(cols[i].getSQLType())}`), sql`, `)} from swapped`;
  };
  const encoders = (part: string, keys: string[], of: PgTable) =>
    Object.fromEntries(keys.map((k) => [`${part}.${k}`, (of as unknown as Record<string, PgColumn>)[k]]));
  path = {
    read: statement(
      (db) =>
        db
          .select(read)
          .from(table)
          .leftJoin(idempotencyKeys, and(eq(idempotencyKeys.userId, slot('userId')), eq(idempotencyKeys.key, slot('key'))))
          .where(eq(table.id, slot('id'))),
      { decode: { ...columns, viewData: jsonValue, priorHash: idempotencyKeys.requestHash, priorStatus: idempotencyKeys.status, priorResponse: idempotencyKeys.response } },
    ),
    swap: statements((shape) => {
      const [writtenKeys, journalKeys, accessKeys, rememberKeys, outboxKeys, notify, moves, closes, sessions] = shape.split('|').map((keys) => (keys ? keys.split(',') : []));
      return statement(
        (db) => {
          const update = db
            .update(table)
            .set(Object.fromEntries(writtenKeys.map((k) => [k, slot(`w.${k}`)])))
            .where(and(eq(table.id, slot('id')), eq(table.version, slot('expected'))))
            // A closing case's summary figures, an open case's session counts: read from the row as written.
            .returning({
              id: table.id,
              ...(closes.length ? columnsNamed(table, SUMMARY_COLUMNS) : {}),
              ...(sessions.length ? columnsNamed(table, OPEN_SESSION_COLUMNS) : {}),
            });
          const query = new PgDialect().sqlToQuery(sql`with swapped as (${update.getSQL()}),
            journaled as (${inserted(journal, 'j', journalKeys)} returning 1)
            ${accessKeys.length ? sql`, logged as (${inserted(accessLog, 'a', accessKeys)})` : sql``}
            ${rememberKeys.length ? sql`, remembered as (${inserted(idempotencyKeys, 'i', rememberKeys)})` : sql``}
            ${outboxKeys.length ? sql`, outboxed as (${inserted(outbox, 'o', outboxKeys)} where ${listenedSql(outboxSlot)})` : sql``}
            ${notify.length ? sql`, noticed as (${noticeInsertSql(slot, sql`exists (select 1 from swapped)`, notify[0], false)})` : sql``}
            ${moves.length ? sql`, ${deadlineRewriteSql()}` : sql``}
            ${closes.length ? sql`, closing as (select * from swapped), ${closedCaseUpserts(sql`closing`)}` : sql``}
            ${sessions.length ? sql`, sessioned as (${openSessionsUpsert(sql`swapped`)})` : sql``}
            select count(*)::int as journaled from journaled`);
          return { toSQL: () => query };
        },
        {
          // The idempotency response arrives as JSON text already (the answer's own bytes): not encoded again.
          decode: { journaled: { mapFromDriverValue: Number } },
          encode: { ...encoders('w', writtenKeys, table), ...encoders('j', journalKeys, journal), ...encoders('a', accessKeys, accessLog), ...encoders('o', outboxKeys, outbox) },
        },
      );
    }),
  };
  writePaths.set(store, path);
  return path;
}

/** One read row, apart: the entity's row, its view's data, the caller's key record (null when none). */
export function splitRead({ viewData, priorHash, priorStatus, priorResponse, ...row }: ReadRow): { row: EntityRow; viewData: unknown; prior: KeyRecord | null } {
  return { row: row as EntityRow, viewData, prior: priorHash === null ? null : { requestHash: priorHash, status: priorStatus!, response: priorResponse } };
}

/** The view's data of a row this drizzle transaction just inserted (a creation renders its answer from it). */
export async function viewDataOf(tx: Db, store: EntityStore, id: string): Promise<unknown> {
  const [{ viewData }] = await tx
    .select({ viewData: sql`${store.viewData}`.mapWith(jsonValue) })
    .from(store.table)
    .where(eq(store.table.id, id));
  return viewData;
}

/** The row and its view's data, without an Idempotency-Key (GET, and events sent without one). */
export async function readWithView(db: Db, store: EntityStore, id: string): Promise<{ row: EntityRow; viewData: unknown } | undefined> {
  const [found] = await writePath(store).read.run(db, { id, userId: null, key: null });
  return found && splitRead(found);
}

