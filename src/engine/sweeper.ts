/**
 * The deadline sweeper. Each API process runs one; any number may run at once against one
 * PostgreSQL. A pass claims due rows with FOR UPDATE SKIP LOCKED (a short lease, so a crashed
 * sweeper's rows are taken over), then fires each through `applyEvent` as actor `system`. The
 * event's transaction marks the row fired only if it still is unfired, so a deadline fires
 * exactly once whatever the sweepers do.
 */
import { everyInterval } from './interval.js';
import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import { and, eq, isNull, sql } from 'drizzle-orm';
import type { Actor } from '../machines/roles.js';
import { isoOf, rowsOf } from '../db/client.js';
import { deadlines } from '../db/schema.js';
import { applyEvent, type EngineContext } from './apply.js';
import { DomainError, loggableError, NotFound } from './errors.js';
import { DeadlineGone } from './write/deadlines.js';
import type { EntityStore } from './stores.js';
import type { Idempotency } from './write/types.js';
import { onceAfter } from './write/idempotency.js';

export const SYSTEM_ACTOR: Actor = { id: 'system', role: 'system', name: '系统（期限）' };
const LEASE_MS = 60_000;

/**
 * A deadline that was already past when it was written belongs to history being entered from
 * paper (补录): a clerk backfills ASSIGN dated April, and the mediation period it starts ended in
 * May. Fired at once, it would close the case between two of the clerk's entries, before the
 * agreement that really ended the mediation could be entered. The running sweeper leaves such a
 * row alone for this long after it was written; then it fires as usual, dated its due time.
 * Deadlines written before they were due are never held back.
 */
export const BACKFILL_GRACE_MS = 24 * 3_600_000;

export interface SweepItem {
  deadlineId: number;
  entityType: string;
  entityId: string;
  kind: string;
  event: string;
  dueAt: string;
  reason?: string;
}

export interface SweepResult {
  fired: SweepItem[];
  dropped: SweepItem[];
  failed: SweepItem[];
}

export function workerId(): string {
  return `${hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`;
}

interface Claimed {
  id: number;
  entity_type: string;
  entity_id: string;
  kind: string;
  event: string;
  due_at: string;
}

/**
 * `POST /api/admin/sweep`: one pass now, for `actor`. Under an Idempotency-Key (DESIGN.md §5: any
 * POST) a repeat is answered what the first pass fired, and runs no second pass.
 */
export async function sweepOnce(ctx: EngineContext, stores: Record<string, EntityStore>, actor: Actor, idempotency?: Idempotency) {
  return onceAfter(ctx.db, actor, idempotency, () => sweep(ctx, stores));
}

export async function sweep(
  ctx: EngineContext,
  stores: Record<string, EntityStore>,
  opts: { worker?: string; batch?: number; backfillGraceMs?: number } = {},
): Promise<SweepResult> {
  const now = ctx.now?.() ?? new Date();
  const worker = opts.worker ?? workerId();
  const result: SweepResult = { fired: [], dropped: [], failed: [] };
  // Only the running sweeper holds backfilled rows back. `created_at` is the database's own clock,
  // so the filter is left out when there is no grace (a direct sweep, or one under a test clock).
  const graceMs = opts.backfillGraceMs ?? 0;
  const heldBack = graceMs > 0
    ? sql`and (created_at <= due_at or created_at <= ${new Date(now.getTime() - graceMs).toISOString()})`
    : sql``;
  for (;;) {
    const claimed = rowsOf<Claimed>(
      await ctx.db.execute(sql`
        update ${deadlines} set claimed_by = ${worker}, claimed_until = ${new Date(now.getTime() + LEASE_MS).toISOString()}
        where id in (
          select id from ${deadlines}
          where fired_at is null and due_at <= ${now.toISOString()}
            ${heldBack}
            and (claimed_until is null or claimed_until < ${now.toISOString()})
          order by due_at
          limit ${opts.batch ?? 100}
          for update skip locked)
        returning id, entity_type, entity_id, kind, event, due_at`),
    );
    if (claimed.length === 0) return result;
    for (const d of claimed) {
      const item: SweepItem = {
        deadlineId: Number(d.id),
        entityType: d.entity_type,
        entityId: d.entity_id,
        kind: d.kind,
        event: d.event,
        dueAt: isoOf(d.due_at),
      };
      const store = stores[d.entity_type];
      try {
        if (!store) throw new NotFound('not_found.entity_type', { type: d.entity_type });
        await applyEvent(ctx, store, SYSTEM_ACTOR, d.entity_id, { type: d.event, occurredAt: item.dueAt }, {
          firingDeadlineId: item.deadlineId,
          notBeforeLastEvent: true,
          render: () => ({ body: null }),
        });
        result.fired.push(item);
      } catch (err) {
        if (err instanceof DeadlineGone) continue; // fired or cancelled by someone else meanwhile
        if (err instanceof DomainError && err.code !== 'unavailable' && err.code !== 'machine_version') {
          // The entity no longer accepts this deadline's event: it left the state the deadline
          // belonged to. Drop the row so it is not tried again.
          await ctx.db.delete(deadlines).where(and(eq(deadlines.id, item.deadlineId), isNull(deadlines.firedAt)));
          result.dropped.push({ ...item, reason: err.message });
        } else {
          // Database trouble, or an entity stored by a machine version this code cannot read (it
          // says nothing about whether the deadline still holds): leave the row; its lease runs
          // out and a later pass — or a release with the migration — retries it.
          result.failed.push({ ...item, reason: (err as Error).message });
        }
      }
    }
    if (result.failed.length) return result;
  }
}

/** Runs `sweep` every `intervalMs`, never two passes at once in this process. */
export function startSweeper(
  ctx: EngineContext,
  stores: Record<string, EntityStore>,
  intervalMs: number,
  log: (msg: string, extra?: unknown) => void,
): () => Promise<void> {
  if (intervalMs <= 0) return async () => {};
  const worker = workerId();
  return everyInterval(intervalMs, () =>
    sweep(ctx, stores, { worker, backfillGraceMs: BACKFILL_GRACE_MS })
      .then((r) => {
        if (r.fired.length || r.dropped.length || r.failed.length) log('sweep', { fired: r.fired.length, dropped: r.dropped.length, failed: r.failed.length });
      })
      .catch((err) => log('sweep failed', loggableError(err))),
  );
}
