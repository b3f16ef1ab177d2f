/**
 * The only writer. Every change to a case or a supervision item is one call here:
 *
 * 1. one statement reads the row, the caller's Idempotency-Key record and the view's data;
 * 2. the pure transition, the checks and the response body, in memory;
 * 3. one statement writes it all, or nothing: the row WHERE version = expected (compare-and-swap),
 *    the journal row, the access-log row and the idempotency record, each only if the swap took.
 *
 * An event that moves the entity's deadlines (or fires one) runs 3 in a transaction with the
 * deadline statements. A lost swap means another writer came first: read again and retry.
 */
import { randomUUID } from 'node:crypto';
import { and, eq, getTableColumns, isNull, sql } from 'drizzle-orm';
import { PgDialect, type PgColumn, type PgTable } from 'drizzle-orm/pg-core';
import type { AnyMachineSnapshot } from 'xstate';
import type { z } from 'zod';
import { shanghaiDate } from '../machines/calendar.js';
import { permits, type Actor } from '../machines/roles.js';
import { handledEvents, statePath, type DeadlineSpec } from '../machines/spec.js';
import { migrateSnapshot, SNAPSHOT_MIGRATIONS, type MigrationRegistry, type PersistedSnapshot } from '../machines/migrations.js';
import type { Db } from '../db/client.js';
import { slot, statement, statements, type Statement } from '../db/statements.js';
import { accessLog, deadlines, idempotencyKeys, numberSequences } from '../db/schema.js';
import {
  DomainError,
  Forbidden,
  IdempotencyMismatch,
  InvalidTransition,
  MachineVersionMismatch,
  NotFound,
  ValidationError,
  VersionConflict,
  sqlState,
  type FieldErrors,
} from './errors.js';
import { isUuid, type EntityRow, type EntityStore } from './stores.js';
import { firstSnapshot, nextSnapshot } from './transition.js';
import { stampLegalTime } from './legal-time.js';

export interface EngineContext {
  db: Db;
  /** The clock; tests and the sweeper may pin it. */
  now?: () => Date;
  requestId?: string;
  /**
   * Snapshot migrations for rows stored under an older machine version; default the production
   * registry. Tests inject their own (a hand-written older definition and its migration).
   */
  migrations?: MigrationRegistry;
}

export interface Idempotency {
  key: string;
  /** Hash of what identifies the request: method, path and body. */
  hash: string;
}

/** What a write hands to `render`: the row and snapshot as written, and the view's data. */
export interface Written {
  row: EntityRow;
  snapshot: AnyMachineSnapshot;
  seq: number;
  type: string;
  /** `EntityStore.viewData`, read with the row. */
  data: unknown;
}

/** A write's answer. */
export interface Rendered {
  body: unknown;
  /** The personal data the body shows in full (`parties.idNumber,parties.phone`): logged with the write. */
  accessLog?: string;
}

export interface WriteOptions {
  idempotency?: Idempotency;
  /**
   * The response, from what is written, with no query of its own: it is stored with the
   * idempotency key, and its access-log row written, in the write's own statement.
   */
  render: (written: Written) => Rendered;
}

export interface EventOptions extends WriteOptions {
  /** The client pinned this version with If-Match: a lost race answers 412 instead of retrying. */
  ifMatch?: number;
  /** Set by the sweeper: the deadline row this event fires (at most once). */
  firingDeadlineId?: number;
  /**
   * Set by the sweeper: a deadline event happens at its due time, or, when a user's event was
   * recorded after that but before the sweep, just after that event.
   */
  notBeforeLastEvent?: boolean;
}

export interface WriteResult {
  status: number;
  body: unknown;
  /** `body` as JSON, when the write serialized it already (to store it): answer with these bytes. */
  json?: string;
  /** True when this is the stored first response to a repeated Idempotency-Key. */
  replayed: boolean;
}

/** Clock skew tolerated on `occurredAt` before it counts as "in the future". */
const FUTURE_TOLERANCE_MS = 60_000;
const MAX_ATTEMPTS = 200;

/** Thrown inside a write's transaction to roll it back when the swap did not take. */
class LostRace extends Error {}
class DeadlineGone extends DomainError {
  constructor() {
    super('conflict', 'deadline already fired or cancelled');
  }
}
export { DeadlineGone };

export function fieldErrors(error: z.ZodError, prefix: string[] = []): FieldErrors {
  return error.issues.map((i) => ({ field: [...prefix, ...i.path].join('.') || '(body)', message: i.message }));
}

export function isoOf(value: unknown): string {
  return new Date(value as string).toISOString();
}

/**
 * A stored row's persisted snapshot on the current machine definition: as stored, or migrated up
 * from the older version that wrote it. Pure (no write): the next event stores the migrated
 * snapshot under the current version. A newer version, or an older one with no migration path,
 * is refused (409), never read as if it were current.
 */
export function migratedSnapshot(store: EntityStore, row: EntityRow, migrations: MigrationRegistry = SNAPSHOT_MIGRATIONS): PersistedSnapshot {
  const persisted = row.snapshot as PersistedSnapshot;
  if (row.machineVersion === store.spec.version) return persisted;
  const m = migrateSnapshot(migrations[store.spec.name] ?? [], persisted, row.machineVersion, store.spec.version);
  if (!m.ok) throw new MachineVersionMismatch(row.machineVersion, store.spec.version, store.spec.name);
  return m.snapshot;
}

/** The snapshot of a stored row, on the current machine definition (migrated when older). */
export function restore(store: EntityStore, row: EntityRow, migrations?: MigrationRegistry): AnyMachineSnapshot {
  const persisted = migratedSnapshot(store, row, migrations);
  return store.spec.machine.resolveState({ value: persisted.value as any, context: persisted.context });
}

function persist(store: EntityStore, snapshot: AnyMachineSnapshot): unknown {
  return store.spec.machine.getPersistedSnapshot(snapshot);
}

function checkOccurredAt(occurredAt: string, now: Date, notBefore: string | null): void {
  if (Date.parse(occurredAt) > now.getTime() + FUTURE_TOLERANCE_MS) {
    throw new ValidationError('请求内容有误', [{ field: 'occurredAt', message: '发生时间不能晚于当前时间' }]);
  }
  if (notBefore && Date.parse(occurredAt) < Date.parse(notBefore)) {
    throw new ValidationError('请求内容有误', [
      { field: 'occurredAt', message: `发生时间不能早于上一事件的发生时间（${notBefore}）` },
    ]);
  }
}

// ---------------------------------------------------------------------------------------------
// Idempotency

async function priorResponse(db: Db, actor: Actor, idem: Idempotency): Promise<WriteResult | null> {
  const [prior] = await db
    .select()
    .from(idempotencyKeys)
    .where(and(eq(idempotencyKeys.userId, actor.id), eq(idempotencyKeys.key, idem.key)));
  return replayOf(prior ?? null, idem);
}

function replayOf(prior: { requestHash: string; status: number; response: unknown } | null, idem: Idempotency): WriteResult | null {
  if (!prior) return null;
  if (prior.requestHash !== idem.hash) throw new IdempotencyMismatch();
  return { status: prior.status, body: prior.response, replayed: true };
}

/** The idempotency record of a write's answer (`json`: its JSON text, stored as the jsonb it is). */
function keyRecord(actor: Actor, idem: Idempotency, status: number, json: string) {
  return { userId: actor.id, key: idem.key, requestHash: idem.hash, status, response: json };
}

/** Stores a key record outside the write statement (creation): its response is not encoded again. */
const rememberResponse = statement((db) =>
  db.insert(idempotencyKeys).values({ userId: slot('userId'), key: slot('key'), requestHash: slot('requestHash'), status: slot('status'), response: slot('response') }),
);

/** The access-log row of a write whose answer shows personal data (`fields`) in full. */
function accessRow(ctx: EngineContext, actor: Actor, store: EntityStore, id: string, fields: string) {
  return { userId: actor.id, userRole: actor.role, entityType: store.type, entityId: id, fields, requestId: ctx.requestId ?? null };
}

/**
 * Runs a write once per Idempotency-Key: a repeat gets the first response, a concurrent repeat too.
 * `readsInside`: the write looks the key up itself, in the statement that reads the row, so a read
 * here first would only cost a round trip.
 */
async function onceByKey(
  ctx: EngineContext,
  actor: Actor,
  idem: Idempotency | undefined,
  write: () => Promise<WriteResult>,
  readsInside = false,
) {
  if (idem && !readsInside) {
    const prior = await priorResponse(ctx.db, actor, idem);
    if (prior) return prior;
  }
  try {
    return await write();
  } catch (err) {
    // A concurrent request with the same key committed first: answer as it did.
    if (idem && sqlState(err) === '23505') {
      const prior = await priorResponse(ctx.db, actor, idem);
      if (prior) return prior;
    }
    throw err;
  }
}

// ---------------------------------------------------------------------------------------------
// Deadlines

/** The deadline rows a snapshot implies (only those the sweeper enforces: with an event). */
function enforcedDeadlines(store: EntityStore, snapshot: AnyMachineSnapshot) {
  return store.spec.deadlines(snapshot).filter((d): d is DeadlineSpec & { event: string } => d.event !== null);
}

async function insertDeadlines(tx: Db, store: EntityStore, id: string, rows: (DeadlineSpec & { event: string })[]) {
  if (rows.length === 0) return;
  await tx.insert(deadlines).values(rows.map((w) => ({ entityType: store.type, entityId: id, kind: w.kind, dueAt: w.dueAt, event: w.event })));
}

/**
 * Make the entity's open deadline rows match what its new snapshot implies, inside the write's
 * transaction. Unchanged rows stay (with any sweeper claim on them); rows of a state the entity
 * left are deleted; fired rows are never touched. `firingDeadlineId`: the sweeper's row, marked
 * fired here at most once (else the whole write is refused).
 */
export async function rewriteDeadlines(tx: Db, store: EntityStore, id: string, snapshot: AnyMachineSnapshot, firingDeadlineId?: number) {
  if (firingDeadlineId !== undefined) {
    const fired = await tx
      .update(deadlines)
      .set({ firedAt: sql`now()` })
      .where(and(eq(deadlines.id, firingDeadlineId), isNull(deadlines.firedAt)))
      .returning({ id: deadlines.id });
    if (fired.length === 0) throw new DeadlineGone();
  }
  const wanted = enforcedDeadlines(store, snapshot);
  const open = await tx
    .select({ id: deadlines.id, kind: deadlines.kind, dueAt: deadlines.dueAt, event: deadlines.event })
    .from(deadlines)
    .where(and(eq(deadlines.entityType, store.type), eq(deadlines.entityId, id), isNull(deadlines.firedAt)));
  const same = (a: { kind: string; dueAt: string; event: string | null }, b: { kind: string; dueAt: string; event: string | null }) =>
    a.kind === b.kind && a.event === b.event && Date.parse(a.dueAt) === Date.parse(b.dueAt);
  for (const row of open) {
    if (!wanted.some((w) => same(w, row))) await tx.delete(deadlines).where(eq(deadlines.id, row.id));
  }
  await insertDeadlines(tx, store, id, wanted.filter((w) => !open.some((row) => same(w, row))));
}

/** The two snapshots imply the same deadline rows. */
function sameDeadlines(store: EntityStore, a: AnyMachineSnapshot, b: AnyMachineSnapshot): boolean {
  const [x, y] = [enforcedDeadlines(store, a), enforcedDeadlines(store, b)];
  return x.length === y.length && x.every((d) => y.some((e) => e.kind === d.kind && e.event === d.event && e.dueAt === d.dueAt));
}

// ---------------------------------------------------------------------------------------------
// The write path's two statements

/** The entries of `wanted` that differ from what `row` holds (timestamps compared as instants). */
function changedColumns(table: EntityStore['table'], row: EntityRow, wanted: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(wanted)) {
    const stored = row[key];
    if (value === stored) continue;
    if (Array.isArray(value) && Array.isArray(stored) && value.length === stored.length && value.every((v, i) => v === stored[i])) continue;
    if (
      typeof value === 'string' &&
      typeof stored === 'string' &&
      (table[key] as PgColumn).columnType === 'PgTimestampString' &&
      Date.parse(value) === Date.parse(stored)
    ) {
      continue;
    }
    out[key] = value;
  }
  return out;
}

/** A row as the write path reads it: the entity, its view's data, the caller's key record if any. */
type ReadRow = EntityRow & { viewData: unknown; priorHash: string | null; priorStatus: number | null; priorResponse: unknown };

/** What one write stores beside the swap, each only if the swap took. */
interface Write {
  /** The entity columns that change (always snapshot, version, updatedAt). */
  written: Record<string, unknown>;
  journalRow: Record<string, unknown>;
  /** The access-log row, when the answer shows personal data in full. */
  access?: ReturnType<typeof accessRow>;
  /** The idempotency record: its response as JSON text. */
  remember?: ReturnType<typeof keyRecord>;
}

/**
 * The compare-and-swap and everything that goes with it, in one statement: the entity row is
 * updated only if its version is still `expected`, and the journal row, the access-log row and
 * the idempotency record are inserted only if it was — the journal holds a row for exactly the
 * transitions stored. False: a concurrent writer won, and nothing was written.
 */
async function swap(db: Db, store: EntityStore, id: string, expected: number, w: Write): Promise<boolean> {
  const values: Record<string, unknown> = { id, expected };
  const put = (prefix: string, row: Record<string, unknown> | undefined) => {
    if (!row) return '';
    for (const k in row) values[`${prefix}${k}`] = row[k];
    return Object.keys(row).join(',');
  };
  const shape = [put('w_', w.written), put('j_', w.journalRow), put('a_', w.access), put('i_', w.remember)].join('|');
  const [result] = await writePath(store).swap(shape).run(db, values);
  return Number((result as { journaled?: unknown } | undefined)?.journaled) === 1;
}

/** The write path's statements of one store, compiled once (src/db/statements.ts). */
interface WritePath {
  /** The row and its view's data, and the caller's Idempotency-Key record (null when none). */
  read: Statement<ReadRow>;
  /** Just the view's data (a creation renders its answer from it). */
  viewData: Statement<{ viewData: unknown }>;
  /** The swap and its rows, by shape: `written keys|journal keys|access-log keys|idempotency keys`. */
  swap: (shape: string) => Statement<unknown>;
}

const writePaths = new WeakMap<EntityStore, WritePath>();

/** A jsonb computed in SQL (no column to decode it): both drivers parse it; text is parsed here, as drizzle's jsonb does. */
const jsonValue = {
  mapFromDriverValue(v: unknown) {
    if (typeof v !== 'string') return v;
    try {
      return JSON.parse(v);
    } catch {
      return v;
    }
  },
} as unknown as PgColumn;

function writePath(store: EntityStore): WritePath {
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
  const inserted = (target: PgTable, prefix: string, keys: string[]) => {
    const cols = keys.map((k) => (target as unknown as Record<string, PgColumn>)[k]);
    return sql`insert into ${target} (${sql.join(cols.map((c) => sql.identifier(c.name)), sql`, `)})
      select ${sql.join(keys.map((k, i) => sql`${slot(`${prefix}${k}`)}::${sql.raw(cols[i].getSQLType())}`), sql`, `)} from swapped`;
  };
  const encoders = (prefix: string, keys: string[], of: PgTable) =>
    Object.fromEntries(keys.map((k) => [`${prefix}${k}`, (of as unknown as Record<string, PgColumn>)[k]]));
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
    viewData: statement((db) => db.select({ viewData }).from(table).where(eq(table.id, slot('id'))), { decode: { viewData: jsonValue } }),
    swap: statements((shape) => {
      const [writtenKeys, journalKeys, accessKeys, rememberKeys] = shape.split('|').map((keys) => (keys ? keys.split(',') : []));
      return statement(
        (db) => {
          const update = db
            .update(table)
            .set(Object.fromEntries(writtenKeys.map((k) => [k, slot(`w_${k}`)])))
            .where(and(eq(table.id, slot('id')), eq(table.version, slot('expected'))))
            .returning({ id: table.id });
          const query = new PgDialect().sqlToQuery(sql`with swapped as (${update.getSQL()}),
            journaled as (${inserted(journal, 'j_', journalKeys)} returning 1)
            ${accessKeys.length ? sql`, logged as (${inserted(accessLog, 'a_', accessKeys)})` : sql``}
            ${rememberKeys.length ? sql`, remembered as (${inserted(idempotencyKeys, 'i_', rememberKeys)})` : sql``}
            select count(*)::int as journaled from journaled`);
          return { toSQL: () => query };
        },
        {
          // The idempotency response arrives as JSON text already (the answer's own bytes): not encoded again.
          encode: { ...encoders('w_', writtenKeys, table), ...encoders('j_', journalKeys, journal), ...encoders('a_', accessKeys, accessLog) },
        },
      );
    }),
  };
  writePaths.set(store, path);
  return path;
}

/** One read row, apart: the entity's row, its view's data, the caller's key record (null when none). */
function splitRead({ viewData, priorHash, priorStatus, priorResponse, ...row }: ReadRow) {
  return { row: row as EntityRow, viewData, prior: priorHash === null ? null : { requestHash: priorHash, status: priorStatus!, response: priorResponse } };
}

/** The row and its view's data, without an Idempotency-Key (GET, and events sent without one). */
export async function readWithView(db: Db, store: EntityStore, id: string): Promise<{ row: EntityRow; viewData: unknown } | undefined> {
  const [found] = await writePath(store).read.run(db, { id, userId: null, key: null });
  return found && splitRead(found);
}

// ---------------------------------------------------------------------------------------------
// Create

async function nextNumber(tx: Db, scope: string, now: Date): Promise<string> {
  const year = Number(shanghaiDate(now.toISOString()).slice(0, 4));
  const [row] = await tx
    .insert(numberSequences)
    .values({ scope, year, last: 1 })
    .onConflictDoUpdate({ target: [numberSequences.scope, numberSequences.year], set: { last: sql`${numberSequences.last} + 1` } })
    .returning({ last: numberSequences.last });
  return `${year}-${scope}-${String(row.last).padStart(6, '0')}`;
}

/**
 * Open a case or a supervision item: the machine's initial state, journal row 1 (`CREATE`),
 * deadlines, all in one transaction.
 */
export async function createEntity(
  ctx: EngineContext,
  store: EntityStore,
  actor: Actor,
  raw: unknown,
  opts: WriteOptions,
): Promise<WriteResult> {
  if (!store.spec.createRoles.includes(actor.role)) throw new Forbidden(`角色 ${actor.role} 不能创建${store.type === 'case' ? '案件' : '监督事项'}`);
  const now = ctx.now?.() ?? new Date();
  const body = (raw && typeof raw === 'object' && !Array.isArray(raw) ? raw : {}) as Record<string, unknown>;
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    throw new ValidationError('请求体须为 JSON 对象', [{ field: '(body)', message: '须为 JSON 对象' }]);
  }
  const parsed = store.parseCreate({ ...body, occurredAt: body.occurredAt ?? now.toISOString() });
  if (!parsed.success) throw new ValidationError('请求内容有误', fieldErrors(parsed.error));
  const input = parsed.data;
  checkOccurredAt(input.occurredAt, now, null);
  if (Date.parse(input.occurredAt) > now.getTime()) input.occurredAt = now.toISOString();

  return onceByKey(ctx, actor, opts.idempotency, () =>
    ctx.db.transaction(async (tx) => {
      const { numberScope, extra } = await store.prepareCreate(tx, actor, input, body);
      const snapshot = firstSnapshot(store.spec.machine, input);
      const id = randomUUID();
      const number = await nextNumber(tx, numberScope, now);
      const state = statePath(snapshot.value);
      const [row] = await tx
        .insert(store.table)
        .values({
          id,
          number,
          state,
          snapshot: persist(store, snapshot),
          version: 1,
          machineVersion: store.spec.version,
          createdBy: actor.id,
          ...store.createColumns(input, actor),
          ...store.columns(snapshot),
        } as any)
        .returning();
      await store.afterCreate(tx, id, input, extra);
      await tx.insert(store.journal).values({
        [store.journalKey]: id,
        seq: 1,
        type: 'CREATE',
        payload: store.createPayload(input, extra),
        fromState: null,
        toState: state,
        actorId: actor.id,
        actorRole: actor.role,
        actorName: actor.name,
        occurredAt: input.occurredAt,
        recordedAt: now.toISOString(),
        requestId: ctx.requestId ?? null,
      } as any);
      // A new entity has no deadline rows yet: nothing to read or delete.
      await insertDeadlines(tx, store, id, enforcedDeadlines(store, snapshot));
      const [{ viewData }] = await writePath(store).viewData.run(tx, { id });
      const rendered = opts.render({ row: row as EntityRow, snapshot, seq: 1, type: 'CREATE', data: viewData });
      if (rendered.accessLog) await tx.insert(accessLog).values(accessRow(ctx, actor, store, id, rendered.accessLog));
      const json = JSON.stringify(rendered.body ?? null);
      if (opts.idempotency) await rememberResponse.run(tx, keyRecord(actor, opts.idempotency, 201, json));
      return { status: 201, body: rendered.body, json, replayed: false };
    }),
  );
}

// ---------------------------------------------------------------------------------------------
// Events

interface ParsedEvent {
  type: string;
  /** The client left occurredAt out: the event happens when it is written. */
  occurredAtDefaulted: boolean;
  event: { type: string; occurredAt: string; [k: string]: unknown } | null;
  errors: FieldErrors | null;
}

function parseEvent(store: EntityStore, raw: unknown, now: Date): ParsedEvent {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    throw new ValidationError('请求体须为 JSON 对象', [{ field: '(body)', message: '须为 JSON 对象，例如 {"type": "ACCEPT"}' }]);
  }
  const { type, ...rest } = raw as Record<string, unknown>;
  // Own keys only: `type in` would take "toString" or "constructor" for an event (a 500).
  if (typeof type !== 'string' || !Object.hasOwn(store.spec.eventSchemas, type)) {
    throw new ValidationError('未知的事件类型', [
      { field: 'type', message: `须为以下之一：${Object.keys(store.spec.eventSchemas).join(', ')}` },
    ]);
  }
  const parsed = store.spec.eventSchemas[type].safeParse({ ...rest, occurredAt: rest.occurredAt ?? now.toISOString() });
  const occurredAtDefaulted = rest.occurredAt === undefined;
  if (!parsed.success) return { type, occurredAtDefaulted, event: null, errors: fieldErrors(parsed.error) };
  return { type, occurredAtDefaulted, event: { type, ...(parsed.data as object) } as ParsedEvent['event'], errors: null };
}

/**
 * Apply one event to one entity. Refusals throw a DomainError and write nothing.
 *
 * Order of checks, so each refusal says the most useful thing: unknown type (400) → entity
 * (404) → may this user see it (403) → may this role send this event here (403) → pinned
 * version (412) → does the state take this event at all (409) → payload (400) → `occurredAt` (400) → guards (409).
 */
export async function applyEvent(
  ctx: EngineContext,
  store: EntityStore,
  actor: Actor,
  id: string,
  raw: unknown,
  opts: EventOptions,
): Promise<WriteResult> {
  const now = ctx.now?.() ?? new Date();
  const parsed = parseEvent(store, raw, now);
  if (!isUuid(id)) throw new NotFound(`${store.type === 'case' ? '案件' : '监督事项'} ${id} 不存在`);

  return onceByKey(ctx, actor, opts.idempotency, async () => {
    for (let attempt = 1; ; attempt++) {
      const result = await attemptEvent(ctx, store, actor, id, parsed, opts, ctx.now?.() ?? new Date());
      if (result !== LOST) return result;
      if (opts.ifMatch !== undefined) throw new VersionConflict(opts.ifMatch, opts.ifMatch + 1);
      if (attempt >= MAX_ATTEMPTS) throw new DomainError('unavailable', '并发写入过多，请稍后重试');
      // Back off a little so a crowd of writers on one case does not retry in lockstep.
      await new Promise((r) => setTimeout(r, Math.random() * Math.min(20, attempt * 2)));
    }
  }, true);
}

/** Another writer swapped the row first: nothing was written; read again. */
const LOST = Symbol('lost race');

async function attemptEvent(
  ctx: EngineContext,
  store: EntityStore,
  actor: Actor,
  id: string,
  parsed: ParsedEvent,
  opts: EventOptions,
  now: Date,
): Promise<WriteResult | typeof LOST> {
  // The key's record comes with the row, in one statement: a request with the same key that
  // committed while this one waited is answered as it was.
  const idem = opts.idempotency;
  const table = store.table;
  const [read] = await writePath(store).read.run(ctx.db, { id, userId: idem ? actor.id : null, key: idem?.key ?? null });
  const found = read && splitRead(read);
  if (idem) {
    const prior = found
      ? replayOf(found.prior, idem)
      : // No row: the key may still have been used, on another path (422 before 404, as always).
        await priorResponse(ctx.db, actor, idem);
    if (prior) return prior;
  }
  if (!found) throw new NotFound(`${store.type === 'case' ? '案件' : '监督事项'} ${id} 不存在`);
  const { row, viewData } = found;

  const snapshot = restore(store, row, ctx.migrations);
  const facts = store.spec.facts(snapshot);
  if (!store.canRead(actor, facts)) throw new Forbidden('无权访问该记录');
  const rule = store.spec.permissions[parsed.type];
  if (!rule || !permits(rule, actor, facts, (parsed.event ?? undefined) as { deputyId?: unknown } | undefined)) {
    throw new Forbidden(`角色 ${actor.role} 不能在此发送事件 ${parsed.type}`);
  }
  // After the access checks: a 412 tells the current version, which is not for callers who may not act here.
  if (opts.ifMatch !== undefined && opts.ifMatch !== row.version) throw new VersionConflict(opts.ifMatch, row.version);
  const from = statePath(snapshot.value);
  // A state that does not take this event at all: say so before any detail of the payload.
  if (snapshot.status !== 'active' || !handledEvents(snapshot).includes(parsed.type)) {
    throw new InvalidTransition(store.spec.explainRefusal(snapshot, { type: parsed.type }), from, parsed.type);
  }
  if (parsed.errors) throw new ValidationError('请求内容有误', parsed.errors);
  const lastEventAt = (snapshot.context as { lastEventAt?: string }).lastEventAt ?? null;
  let event = parsed.event!;
  if (parsed.occurredAtDefaulted) event = { ...event, occurredAt: now.toISOString() };
  // Unstated or system times follow the journal: a writer that lost a race to an event stamped a
  // moment later is not refused for being "earlier than the previous event".
  if ((parsed.occurredAtDefaulted || opts.notBeforeLastEvent) && lastEventAt && Date.parse(event.occurredAt) < Date.parse(lastEventAt)) {
    event = { ...event, occurredAt: lastEventAt };
  }
  checkOccurredAt(event.occurredAt, now, lastEventAt);
  // Within the tolerated clock skew an event may claim a moment ahead: it cannot have happened
  // after it was recorded, so it happened when it was recorded.
  if (Date.parse(event.occurredAt) > now.getTime()) event = { ...event, occurredAt: now.toISOString() };

  if (!snapshot.can(event)) {
    throw new InvalidTransition(store.spec.explainRefusal(snapshot, event), from, event.type);
  }
  await store.checkEvent(ctx.db, event);
  // DESIGN §11: the Art 85 ends this event starts or moves, computed with the calendar, go into
  // the event itself (and so into the journal): replay never reads the calendar.
  event = await stampLegalTime(ctx.db, store.spec, snapshot, event);
  const next = nextSnapshot(store.spec.machine, snapshot, event);
  const to = statePath(next.value);
  const version = row.version + 1;

  const written = {
    snapshot: persist(store, next),
    version,
    updatedAt: now.toISOString(),
    // Only the columns whose value changes: most events move one or two of them.
    ...changedColumns(table, row, {
      state: to,
      // A row read through a migration is written back under the version it now conforms to.
      machineVersion: store.spec.version,
      ...store.columns(next),
    }),
  };
  const rendered = opts.render({ row: { ...row, ...written } as EntityRow, snapshot: next, seq: version, type: event.type, data: viewData });
  const json = JSON.stringify(rendered.body ?? null);
  const { type: _t, occurredAt, ...payload } = event;
  const write: Write = {
    written,
    journalRow: {
      [store.journalKey]: id,
      seq: version,
      type: event.type,
      payload,
      fromState: from,
      toState: to,
      actorId: actor.id,
      actorRole: actor.role,
      actorName: actor.name,
      occurredAt,
      // The same clock as a defaulted occurredAt, so a journal row is never recorded before it happened.
      recordedAt: now.toISOString(),
      requestId: ctx.requestId ?? null,
    },
    access: rendered.accessLog ? accessRow(ctx, actor, store, id, rendered.accessLog) : undefined,
    remember: idem ? keyRecord(actor, idem, 200, json) : undefined,
  };

  // Most events (sessions, payments on account, measures) leave every deadline where it was: the
  // one statement is the whole write. Otherwise the deadline rows change with it, in one transaction.
  // The open rows are what the stored snapshot implied (every write goes through here), unless it
  // was read through a migration.
  const deadlinesStay =
    opts.firingDeadlineId === undefined &&
    row.machineVersion === store.spec.version &&
    sameDeadlines(store, snapshot, next);
  const swapped = deadlinesStay
    ? await swap(ctx.db, store, id, row.version, write)
    : await ctx.db
        .transaction(async (tx) => {
          if (!(await swap(tx, store, id, row.version, write))) throw new LostRace();
          await rewriteDeadlines(tx, store, id, next, opts.firingDeadlineId);
          return true;
        })
        .catch((err) => {
          if (err instanceof LostRace) return false;
          throw err;
        });
  if (!swapped) return LOST;
  return { status: 200, body: rendered.body, json, replayed: false };
}
