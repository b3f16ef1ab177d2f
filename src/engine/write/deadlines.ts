/**
 * The deadline rows a write keeps in step with the entity's snapshot: the ones the sweeper
 * enforces (those with an event), diffed against what is stored, in the write's transaction.
 */
import { and, eq, isNull, sql } from 'drizzle-orm';
import type { AnyMachineSnapshot } from 'xstate';
import type { Driver } from '../../db/client.js';
import { slot, statement } from '../../db/statements.js';
import { deadlines } from '../../db/schema.js';
import type { DeadlineSpec } from '../../machines/spec.js';
import { DomainError } from '../errors.js';
import type { EntityStore } from '../stores.js';

/** The sweeper's deadline row was fired or cancelled by another writer first. */
export class DeadlineGone extends DomainError {
  constructor() {
    super('conflict', 'conflict.deadline_gone');
  }
}

/** The deadline rows a snapshot implies (only those the sweeper enforces: with an event). */
export function enforcedDeadlines(store: EntityStore, snapshot: AnyMachineSnapshot) {
  return store.spec.deadlines(snapshot).filter((d): d is DeadlineSpec & { event: string } => d.event !== null);
}

/** The `deadlines` rows of an entity's enforced deadlines. */
export function deadlineRows(store: EntityStore, id: string, rows: (DeadlineSpec & { event: string })[]) {
  return rows.map((w) => ({ entityType: store.type, entityId: id, kind: w.kind, dueAt: w.dueAt, event: w.event }));
}

type OpenDeadline = { id: number; kind: string; dueAt: string; event: string | null };

/** The statements of `rewriteDeadlines`, compiled once; they run on the event's driver transaction. */
const fire = statement(
  (db) =>
    db
      .update(deadlines)
      .set({ firedAt: sql`now()` })
      .where(and(eq(deadlines.id, slot('id')), isNull(deadlines.firedAt)))
      .returning({ id: deadlines.id }),
  { decode: { id: deadlines.id } },
);
const openOf = statement<OpenDeadline>(
  (db) =>
    db
      .select({ id: deadlines.id, kind: deadlines.kind, dueAt: deadlines.dueAt, event: deadlines.event })
      .from(deadlines)
      .where(and(eq(deadlines.entityType, slot('entityType')), eq(deadlines.entityId, slot('entityId')), isNull(deadlines.firedAt))),
  { decode: { id: deadlines.id, kind: deadlines.kind, dueAt: deadlines.dueAt, event: deadlines.event } },
);
const drop = statement((db) => db.delete(deadlines).where(eq(deadlines.id, slot('id'))));
const add = statement(
  (db) =>
    db.insert(deadlines).values({ entityType: slot('entityType'), entityId: slot('entityId'), kind: slot('kind'), dueAt: slot('dueAt'), event: slot('event') }),
  { encode: { dueAt: deadlines.dueAt } },
);

/**
 * Make the entity's open deadline rows match what its new snapshot implies, inside the write's
 * transaction. Unchanged rows stay (with any sweeper claim on them); rows of a state the entity
 * left are deleted; fired rows are never touched. `firingDeadlineId`: the sweeper's row, marked
 * fired here at most once (else the whole write is refused).
 */
export async function rewriteDeadlines(tx: Driver, store: EntityStore, id: string, snapshot: AnyMachineSnapshot, firingDeadlineId?: number) {
  if (firingDeadlineId !== undefined) {
    const fired = await fire.run(tx, { id: firingDeadlineId });
    if (fired.length === 0) throw new DeadlineGone();
  }
  const wanted = enforcedDeadlines(store, snapshot);
  const open = await openOf.run(tx, { entityType: store.type, entityId: id });
  const same = (a: { kind: string; dueAt: string; event: string | null }, b: { kind: string; dueAt: string; event: string | null }) =>
    a.kind === b.kind && a.event === b.event && Date.parse(a.dueAt) === Date.parse(b.dueAt);
  for (const row of open) {
    if (!wanted.some((w) => same(w, row))) await drop.run(tx, { id: row.id });
  }
  for (const w of wanted.filter((w) => !open.some((row) => same(w, row)))) {
    await add.run(tx, { entityType: store.type, entityId: id, kind: w.kind, dueAt: w.dueAt, event: w.event });
  }
}

/** The two snapshots imply the same deadline rows. */
export function sameDeadlines(store: EntityStore, a: AnyMachineSnapshot, b: AnyMachineSnapshot): boolean {
  const [x, y] = [enforcedDeadlines(store, a), enforcedDeadlines(store, b)];
  return x.length === y.length && x.every((d) => y.some((e) => e.kind === d.kind && e.event === d.event && e.dueAt === d.dueAt));
}
