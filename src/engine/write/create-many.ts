/**
 * Opening many entities at once (a batched import, DESIGN.md §14): what `createEntity` does for
 * each — the same parse, the same `occurredAt` rule, the same `prepareCreate` checks in the same
 * order, the same rows from the same builder (`creationRows`: the machine's first snapshot,
 * journal row 1 through `journalRow`, the deadline rows, `next_due_at`) and the same creation
 * outbox rule — but all of them in one transaction with multi-row statements: one read per table
 * for the checks, one number-sequence update per scope, one INSERT per table (src/db/bulk.ts).
 *
 * An item that `createEntity` would refuse is refused here with the same DomainError and written
 * not at all; the others are written. Nobody reads the entities (no view, no access-log row, no
 * idempotency record: an import is idempotent by `externalRef`, not by key).
 */
import { randomUUID } from 'node:crypto';
import { sql } from 'drizzle-orm';
import type { Db } from '../../db/client.js';
import { insertRows } from '../../db/bulk.js';
import { deadlines, numberSequences } from '../../db/schema.js';
import { writeCreationOutboxes } from '../notify/notices.js';
import { shanghaiDate } from '../../machines/calendar.js';
import type { Actor } from '../../machines/roles.js';
import { DomainError, fieldError, fieldErrors, Forbidden, sqlState, ValidationError } from '../errors.js';
import { type EntityStore, type Prepared } from '../stores.js';
import { creationRows } from './create.js';
import { deadlineRows } from './deadlines.js';
import { checkOccurredAt } from './journal.js';
import type { EngineContext } from './types.js';

/** What became of one item: created (its id and number), or refused with what `createEntity` would have thrown. */
export type CreationOutcome = { id: string; number: string } | { refused: DomainError };

/** Attempts of a batch that lost a unique key (`externalRef`, a number) to a concurrent writer. */
const MAX_ATTEMPTS = 5;

/**
 * Open one entity per item of `raws`, as `actor`, in one transaction. Answers an outcome per item,
 * in order. Throws only what is not a refusal (the database failing); a concurrent writer taking
 * an item's `externalRef` first makes the batch run again, and that item is then refused
 * (`conflict.external_ref`) like the one-by-one path would.
 */
export async function createEntities(ctx: EngineContext, store: EntityStore, actor: Actor, raws: unknown[]): Promise<CreationOutcome[]> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await attemptMany(ctx, store, actor, raws);
    } catch (err) {
      if (sqlState(err) !== '23505' || attempt >= MAX_ATTEMPTS) throw err;
    }
  }
}

async function attemptMany(ctx: EngineContext, store: EntityStore, actor: Actor, raws: unknown[]): Promise<CreationOutcome[]> {
  const now = ctx.now?.() ?? new Date();
  const outcomes: (CreationOutcome | undefined)[] = raws.map(() => undefined);
  const refuse = (i: number, err: unknown) => {
    if (!(err instanceof DomainError)) throw err;
    outcomes[i] = { refused: err };
  };
  // As createEntity, before its transaction: the role, the body, occurredAt.
  const parsed: { i: number; input: Record<string, any> & { occurredAt: string }; raw: Record<string, unknown> }[] = [];
  raws.forEach((raw, i) => {
    try {
      if (!store.spec.createRoles.includes(actor.role)) throw new Forbidden('forbidden.create', { role: actor.role, entity: store.type });
      if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
        throw new ValidationError('invalid.not_object', [fieldError('(body)', 'field.not_object')]);
      }
      const body = raw as Record<string, unknown>;
      const result = store.parseCreate({ ...body, occurredAt: body.occurredAt ?? now.toISOString() });
      if (!result.success) throw new ValidationError('invalid.body', fieldErrors(result.error));
      const input = result.data;
      checkOccurredAt(input.occurredAt, now, null);
      if (Date.parse(input.occurredAt) > now.getTime()) input.occurredAt = now.toISOString();
      parsed.push({ i, input, raw: body });
    } catch (err) {
      refuse(i, err);
    }
  });
  if (parsed.length === 0) return outcomes as CreationOutcome[];

  await ctx.db.transaction(async (tx) => {
    const prepared: (Prepared | DomainError)[] = store.prepareCreateMany
      ? await store.prepareCreateMany(tx, actor, parsed)
      : await prepareOneByOne(tx, store, actor, parsed);
    const go = parsed.flatMap((p, k) => {
      const r = prepared[k];
      if (r instanceof DomainError) {
        refuse(p.i, r);
        return [];
      }
      return [{ ...p, ...r, id: randomUUID() }];
    });
    if (go.length === 0) return;
    const numbers = await nextNumbers(tx, go.map((g) => g.numberScope), now);
    const made = go.map((g, k) => ({ ...g, number: numbers[k], rows: creationRows(store, actor, g.input, g.extra, { id: g.id, number: numbers[k], now, requestId: ctx.requestId ?? null }) }));
    await insertRows(tx, store.table, made.map((m) => m.rows.entity));
    if (store.afterCreateMany) await store.afterCreateMany(tx, made.map((m) => ({ id: m.id, input: m.input, extra: m.extra })));
    else for (const m of made) await store.afterCreate(tx, m.id, m.input, m.extra);
    await insertRows(tx, store.journal, made.map((m) => m.rows.journal));
    await writeCreationOutboxes(tx, store.type, made.map((m) => ({ id: m.id, toState: m.rows.state, occurredAt: m.input.occurredAt })));
    await insertRows(tx, deadlines, made.flatMap((m) => deadlineRows(store, m.id, m.rows.deadlines)));
    for (const m of made) outcomes[m.i] = { id: m.id, number: m.number };
  });
  return outcomes as CreationOutcome[];
}

async function prepareOneByOne(tx: Db, store: EntityStore, actor: Actor, items: { input: unknown; raw: Record<string, unknown> }[]) {
  const out: (Prepared | DomainError)[] = [];
  for (const { input, raw } of items) {
    try {
      out.push(await store.prepareCreate(tx, actor, input, raw));
    } catch (err) {
      if (!(err instanceof DomainError)) throw err;
      out.push(err);
    }
  }
  return out;
}

/**
 * The human numbers of creations in these scopes, in order: each scope's sequence advanced once by
 * how many it takes, its numbers handed out in the items' order — what drawing them one by one
 * (`nextNumber`) in that order gives.
 */
async function nextNumbers(tx: Db, scopes: string[], now: Date): Promise<string[]> {
  const year = Number(shanghaiDate(now.toISOString()).slice(0, 4));
  const counts = new Map<string, number>();
  for (const s of scopes) counts.set(s, (counts.get(s) ?? 0) + 1);
  // One statement for every scope. Each scope's row stays locked to the end of the transaction,
  // taken in one order by every batch: two batches at once wait for each other, never deadlock.
  const wanted = [...counts].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([scope, n]) => ({ scope, year, last: n }));
  const rows = await tx
    .insert(numberSequences)
    .values(wanted)
    .onConflictDoUpdate({ target: [numberSequences.scope, numberSequences.year], set: { last: sql`${numberSequences.last} + excluded.last` } })
    .returning({ scope: numberSequences.scope, last: numberSequences.last });
  const next = new Map(rows.map((r) => [r.scope, r.last - counts.get(r.scope)! + 1]));
  return scopes.map((scope) => {
    const k = next.get(scope)!;
    next.set(scope, k + 1);
    return `${year}-${scope}-${String(k).padStart(6, '0')}`;
  });
}

