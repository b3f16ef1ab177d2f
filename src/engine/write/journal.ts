/**
 * The journal: one row per transition, in order (`seq`), never changed. Its row is built here
 * alone — by creation, by every event and by the bulk seed (scripts/seed.ts) — and so are the
 * rules on when an event may say it happened.
 */
import { getTableColumns } from 'drizzle-orm';
import type { PgColumn } from 'drizzle-orm/pg-core';
import type { Actor } from '../../machines/roles.js';
import { fieldError, ValidationError } from '../errors.js';
import type { EntityStore } from '../stores.js';

/** One transition as the journal records it. */
export interface JournalEntry {
  seq: number;
  /** `CREATE` for row 1, else the event's type. */
  type: string;
  /** The creation's input or the event's payload, without `type` and `occurredAt`. */
  payload: unknown;
  fromState: string | null;
  toState: string;
  actor: Actor;
  occurredAt: string;
  recordedAt: string;
  requestId: string | null;
}

/** The row's fields after the entity's key, in the order `journalRow` writes them. */
const FIELDS = ['seq', 'type', 'payload', 'fromState', 'toState', 'actorId', 'actorRole', 'actorName', 'occurredAt', 'recordedAt', 'requestId'] as const;

/** The journal row of one transition of entity `id`, keyed by the store's journal table's fields. */
export function journalRow(store: Pick<EntityStore, 'journalKey'>, id: string, e: JournalEntry): Record<string, unknown> {
  return {
    [store.journalKey]: id,
    seq: e.seq,
    type: e.type,
    payload: e.payload,
    fromState: e.fromState,
    toState: e.toState,
    actorId: e.actor.id,
    actorRole: e.actor.role,
    actorName: e.actor.name,
    occurredAt: e.occurredAt,
    recordedAt: e.recordedAt,
    requestId: e.requestId,
  };
}

/** The journal table's SQL column names in the order of `journalRow`'s values (for COPY). */
export function journalColumns(store: Pick<EntityStore, 'journal' | 'journalKey'>): string[] {
  const columns = getTableColumns(store.journal) as Record<string, PgColumn>;
  return [store.journalKey, ...FIELDS].map((k) => columns[k].name);
}

/** Clock skew tolerated on `occurredAt` before it counts as "in the future". */
const FUTURE_TOLERANCE_MS = 60_000;

/** An event happened before it was recorded (`now`, give or take the skew) and not before the previous one. */
export function checkOccurredAt(occurredAt: string, now: Date, notBefore: string | null): void {
  if (Date.parse(occurredAt) > now.getTime() + FUTURE_TOLERANCE_MS) {
    throw new ValidationError('invalid.body', [fieldError('occurredAt', 'field.occurred_in_future')]);
  }
  if (notBefore && Date.parse(occurredAt) < Date.parse(notBefore)) {
    throw new ValidationError('invalid.body', [fieldError('occurredAt', 'field.occurred_before_previous', { notBefore })]);
  }
}
