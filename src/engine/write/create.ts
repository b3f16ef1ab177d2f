/**
 * Opening a case or a supervision item: the machine's initial state, journal row 1 (`CREATE`),
 * its deadlines, all in one transaction.
 */
import { randomUUID } from 'node:crypto';
import { sql } from 'drizzle-orm';
import type { Db } from '../../db/client.js';
import { insertTogether } from '../../db/bulk.js';
import { accessLog, deadlines, idempotencyKeys, numberSequences } from '../../db/schema.js';
import { creationOutbox } from '../notify/notices.js';
import { shanghaiDate } from '../../machines/calendar.js';
import type { Actor } from '../../machines/roles.js';
import { statePath } from '../../machines/spec.js';
import { fieldError, fieldErrors, Forbidden, ValidationError } from '../errors.js';
import type { EntityRow, EntityStore } from '../stores.js';
import { firstSnapshot } from '../transition.js';
import { deadlineRows, enforcedDeadlines } from './deadlines.js';
import { answerTexts, keyRecord, keyRecordRows, onceByKey } from './idempotency.js';
import { checkOccurredAt, journalRow } from './journal.js';
import { persist } from './snapshots.js';
import { accessRow, viewDataOf } from './sql.js';
import type { EngineContext, WriteOptions, WriteResult } from './types.js';

async function nextNumber(tx: Db, scope: string, now: Date): Promise<string> {
  const year = Number(shanghaiDate(now.toISOString()).slice(0, 4));
  const [row] = await tx
    .insert(numberSequences)
    .values({ scope, year, last: 1 })
    .onConflictDoUpdate({ target: [numberSequences.scope, numberSequences.year], set: { last: sql`${numberSequences.last} + 1` } })
    .returning({ last: numberSequences.last });
  return `${year}-${scope}-${String(row.last).padStart(6, '0')}`;
}

/** Open a case or a supervision item. */
export async function createEntity(
  ctx: EngineContext,
  store: EntityStore,
  actor: Actor,
  raw: unknown,
  opts: WriteOptions,
): Promise<WriteResult> {
  if (!store.spec.createRoles.includes(actor.role)) throw new Forbidden('forbidden.create', { role: actor.role, entity: store.type });
  const now = ctx.now?.() ?? new Date();
  const body = (raw && typeof raw === 'object' && !Array.isArray(raw) ? raw : {}) as Record<string, unknown>;
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    throw new ValidationError('invalid.not_object', [fieldError('(body)', 'field.not_object')]);
  }
  const parsed = store.parseCreate({ ...body, occurredAt: body.occurredAt ?? now.toISOString() });
  if (!parsed.success) throw new ValidationError('invalid.body', fieldErrors(parsed.error));
  const input = parsed.data;
  checkOccurredAt(input.occurredAt, now, null);
  if (Date.parse(input.occurredAt) > now.getTime()) input.occurredAt = now.toISOString();

  return onceByKey(ctx, actor, opts.idempotency, () =>
    ctx.db.transaction(async (tx) => {
      const { numberScope, extra } = await store.prepareCreate(tx, actor, input, body);
      const id = randomUUID();
      const number = await nextNumber(tx, numberScope, now);
      const made = creationRows(store, actor, input, extra, { id, number, now, requestId: ctx.requestId ?? null });
      const [row] = await tx.insert(store.table).values(made.entity as any).returning();
      // The rows beside the entity need none of each other's answers: one statement writes them
      // all (insertTogether), where one each cost a round trip and an execution apiece. The answer
      // shows what is being written (its parties): nothing is read back.
      const beside = store.besideRows ? await store.besideRows(tx, id, input, extra) : (await store.afterCreate(tx, id, input, extra), []);
      const viewData = store.createdViewData ? store.createdViewData(id, input, extra) : await viewDataOf(tx, store, id);
      const rendered = opts.render({ row: row as EntityRow, snapshot: made.snapshot, seq: 1, type: 'CREATE', data: viewData });
      const { json, kept } = answerTexts(rendered.body, opts.idempotency ? store : undefined);
      await insertTogether(tx, [
        ...beside,
        { table: store.journal, rows: [made.journal] },
        creationOutbox(store.type, [{ id, toState: made.state, occurredAt: input.occurredAt }]),
        // A new entity has no deadline rows yet: nothing to read or delete.
        { table: deadlines, rows: deadlineRows(store, id, made.deadlines) },
        { table: accessLog, rows: rendered.accessLog ? [accessRow(ctx, actor, store, id, rendered.accessLog)] : [] },
        opts.idempotency ? keyRecordRows(keyRecord(actor, opts.idempotency, true, kept)) : { table: idempotencyKeys, rows: [] },
      ]);
      return { created: true, body: rendered.body, json, replayed: false };
    }),
  );
}

/**
 * What opening one entity writes, from its checked input and what `prepareCreate` found: the
 * machine's first snapshot, the entity's row, journal row 1 (`CREATE`, through `journalRow`) and
 * the deadline rows the snapshot implies. Pure: `createEntity` and `createEntities` write these.
 */
export function creationRows(
  store: EntityStore,
  actor: Actor,
  input: { occurredAt: string; [k: string]: unknown },
  extra: Record<string, unknown>,
  at: { id: string; number: string; now: Date; requestId: string | null },
) {
  const snapshot = firstSnapshot(store.spec.machine, input);
  const state = statePath(snapshot.value);
  const entity = {
    id: at.id,
    number: at.number,
    state,
    snapshot: persist(store, snapshot),
    version: 1,
    machineVersion: store.spec.version,
    createdBy: actor.id,
    ...store.createColumns(input, actor),
    ...store.columns(snapshot),
  };
  const journal = journalRow(store, at.id, {
    seq: 1,
    type: 'CREATE',
    payload: store.createPayload(input, extra),
    fromState: null,
    toState: state,
    actor,
    occurredAt: input.occurredAt,
    recordedAt: at.now.toISOString(),
    requestId: at.requestId,
  });
  return { snapshot, state, entity, journal, deadlines: enforcedDeadlines(store, snapshot) };
}
