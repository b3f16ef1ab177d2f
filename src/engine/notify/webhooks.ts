/**
 * Webhook endpoints (DESIGN.md §12): the admin registers a URL and the event types it wants, and
 * gets the signing secret once. Deliveries and their tries are listed; a dead one can be retried.
 */
import { recordAudit, type RequestMeta } from '../audit.js';
import { randomBytes } from 'node:crypto';
import { and, desc, eq, inArray, isNull, sql } from 'drizzle-orm';
import { z } from 'zod';
import { caseSpec } from '../../machines/case-spec.js';
import { supervisionSpec } from '../../machines/supervision-spec.js';
import type { Actor } from '../../machines/roles.js';
import { isoOf, type Db } from '../../db/client.js';
import { deliveries, deliveryAttempts, outbox, webhooks } from '../../db/schema.js';
import { can } from '../../machines/policy.js';
import { Conflict, fieldErrors, Forbidden, NotFound, parseBody, ValidationError } from '../errors.js';
import { isUuid } from '../stores.js';
import { afterCursor, cursorOf, WHOLE_LIST } from '../views.js';
import { DEAD_AFTER_MS } from './dispatcher.js';
import type { Idempotency } from '../write/types.js';
import { onceInTransaction } from '../write/idempotency.js';

/** Every event type a journal row can have: a creation, and each machine's events. */
export const WEBHOOK_EVENT_TYPES = [
  ...new Set(['CREATE', ...Object.keys(caseSpec.eventSchemas), ...Object.keys(supervisionSpec.eventSchemas)]),
].sort();

const urlSchema = z
  .string({ message: '须为网址' })
  .trim()
  .max(2000, { message: '不能超过 2000 个字符' })
  .refine(
    (u) => {
      try {
        const url = new URL(u);
        return (url.protocol === 'http:' || url.protocol === 'https:') && url.hostname !== '' && !url.username && !url.password;
      } catch {
        return false;
      }
    },
    { message: '须为 http:// 或 https:// 开头的完整网址（不含用户名和密码）' },
  );

export const webhookSchema = z
  .object({
    url: urlSchema,
    events: z
      .array(z.string().refine((t) => t === '*' || WEBHOOK_EVENT_TYPES.includes(t), { message: `须为 "*" 或事件类型之一：${WEBHOOK_EVENT_TYPES.join(', ')}` }), {
        message: '须为事件类型的数组',
      })
      .min(1, { message: '至少选择一种事件（或 "*" 表示全部）' })
      .max(100),
  })
  .strict();

function adminOnly(actor: Actor) {
  if (!can(actor, 'webhook.manage')) throw new Forbidden('forbidden.webhooks');
}

type WebhookRow = typeof webhooks.$inferSelect;
const view = (w: WebhookRow) => ({ id: w.id, url: w.url, events: w.events, createdAt: isoOf(w.createdAt) });

/** `POST /api/webhooks`: `{id, url, events, createdAt, secret}` — the secret (`whsec_<base64>`) is shown this once. */
export async function createWebhook(db: Db, actor: Actor, raw: unknown, meta: RequestMeta = {}) {
  return (await createWebhookOnce(db, actor, raw, meta)).body as ReturnType<typeof view> & { secret: string };
}

/**
 * `createWebhook` under an Idempotency-Key (DESIGN.md §5): a retry does not register the URL twice
 * (every event would be delivered twice). The key's record keeps no secret — it is kept to sign,
 * in `webhooks` only — so a replay answers `secret: null`: the secret was in the first answer only.
 */
export async function createWebhookOnce(db: Db, actor: Actor, raw: unknown, meta: RequestMeta = {}, idempotency?: Idempotency) {
  adminOnly(actor);
  const input = parseBody(webhookSchema, raw, { object: true });
  const secret = `whsec_${randomBytes(32).toString('base64')}`;
  const events = input.events.includes('*') ? ['*'] : [...new Set(input.events)];
  return onceInTransaction(
    db,
    actor,
    idempotency,
    async (tx) => {
      const [row] = await tx
        .insert(webhooks)
        .values({ url: input.url, events, secret, createdBy: isUuid(actor.id) ? actor.id : null })
        .returning();
      // The secret is never in the audit row.
      await recordAudit(tx, { action: 'webhook.create', actor, target: { type: 'webhook', id: row.id }, detail: { url: row.url, events }, meta });
      return { ...view(row), secret };
    },
    { answerForReplay: { key: 'secret', keep: () => null } },
  );
}

export async function listWebhooks(db: Db, actor: Actor) {
  adminOnly(actor);
  const rows = await db.select().from(webhooks).where(isNull(webhooks.deletedAt)).orderBy(desc(webhooks.createdAt));
  return { items: await withDeliveryCounts(db, rows), ...WHOLE_LIST };
}

/** `GET /api/webhooks/:id`: one webhook as the list shows it (where `POST /api/webhooks`' Location points). */
export async function getWebhook(db: Db, actor: Actor, id: string) {
  adminOnly(actor);
  const [item] = await withDeliveryCounts(db, [await liveWebhook(db, id)]);
  return item;
}

/** Webhooks as the admin reads them: never the secret; how many of their deliveries are in each status. */
async function withDeliveryCounts(db: Db, rows: WebhookRow[]) {
  const counts = rows.length
    ? await db
        .select({ webhookId: deliveries.webhookId, status: deliveries.status, n: sql<number>`count(*)::int` })
        .from(deliveries)
        .where(inArray(deliveries.webhookId, rows.map((r) => r.id)))
        .groupBy(deliveries.webhookId, deliveries.status)
    : [];
  return rows.map((r) => ({
    ...view(r),
    deliveries: Object.fromEntries(counts.filter((c) => c.webhookId === r.id).map((c) => [c.status, Number(c.n)])),
  }));
}

async function liveWebhook(db: Db, id: string): Promise<WebhookRow> {
  const [row] = isUuid(id) ? await db.select().from(webhooks).where(and(eq(webhooks.id, id), isNull(webhooks.deletedAt))) : [];
  if (!row) throw new NotFound('not_found.webhook', { id });
  return row;
}

/** `DELETE /api/webhooks/:id`: no more deliveries; those not yet made are cancelled. */
export async function deleteWebhook(db: Db, actor: Actor, id: string, now = new Date(), meta: RequestMeta = {}) {
  adminOnly(actor);
  return db.transaction(async (tx) => {
    const row = await liveWebhook(tx, id);
    await tx.update(webhooks).set({ deletedAt: now.toISOString() }).where(eq(webhooks.id, row.id));
    await tx
      .update(deliveries)
      .set({ status: 'cancelled', lastError: '接收地址已删除' })
      .where(and(eq(deliveries.webhookId, row.id), eq(deliveries.status, 'pending')));
    await recordAudit(tx, { action: 'webhook.delete', actor, target: { type: 'webhook', id: row.id }, detail: { url: row.url }, meta });
    return { id: row.id };
  });
}

type DeliveryRow = typeof deliveries.$inferSelect;

export const deliveriesQuerySchema = z.object({
  status: z.enum(['pending', 'delivered', 'dead', 'cancelled'], { message: '须为 pending、delivered、dead 或 cancelled' }).optional(),
  cursor: z.string().min(1).max(500).optional(),
  limit: z.coerce.number().int().min(1).max(200).optional(),
});

/**
 * `GET /api/webhooks/:id/deliveries`: `{items, nextCursor}`, newest first by (created_at, id), each
 * with its tries. The cursor keeps created_at to the microsecond, as the database's now() wrote it
 * (the statement that recorded the first try): a cursor cut to the millisecond would skip the
 * deliveries another process recorded later in the same millisecond.
 */
export async function listDeliveries(db: Db, actor: Actor, id: string, raw: Record<string, string | undefined> = {}) {
  adminOnly(actor);
  const hook = await liveWebhook(db, id);
  const parsed = deliveriesQuerySchema.safeParse(raw);
  if (!parsed.success) throw new ValidationError('invalid.query', fieldErrors(parsed.error));
  const q = parsed.data;
  const limit = q.limit ?? 50;
  const found = await db
    .select({ d: deliveries, o: outbox, at: sql<string>`to_char(${deliveries.createdAt} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')` })
    .from(deliveries)
    .innerJoin(outbox, eq(outbox.id, deliveries.messageId))
    .where(
      and(
        eq(deliveries.webhookId, hook.id),
        q.status ? eq(deliveries.status, q.status) : undefined,
        q.cursor ? afterCursor(deliveries.createdAt, deliveries.id, q.cursor) : undefined,
      ),
    )
    .orderBy(desc(deliveries.createdAt), desc(deliveries.id))
    .limit(limit + 1);
  const rows = found.slice(0, limit);
  const last = rows[rows.length - 1];
  const tries = rows.length
    ? await db
        .select()
        .from(deliveryAttempts)
        .where(inArray(deliveryAttempts.deliveryId, rows.map((r) => r.d.id)))
        .orderBy(deliveryAttempts.id)
    : [];
  return {
    items: rows.map(({ d, o }) => ({
      ...deliveryView(d),
      event: { type: o.eventType, seq: o.seq, occurredAt: isoOf(o.occurredAt) },
      entity: { type: o.entityType, id: o.entityId },
      attemptLog: [
        // A first try that delivered it has no row: the delivery row is that try (schema.ts, `first_try_ms`).
        ...(d.firstTryMs !== null && d.deliveredAt ? [{ at: isoOf(d.deliveredAt), status: d.lastStatus, error: null, durationMs: d.firstTryMs }] : []),
        ...tries.filter((t) => t.deliveryId === d.id).map((t) => ({ at: isoOf(t.at), status: t.status, error: t.error, durationMs: t.durationMs })),
      ],
    })),
    nextCursor: found.length > limit && last ? cursorOf(last.at, last.d.id) : null,
  };
}

function deliveryView(d: DeliveryRow) {
  return {
    id: d.id,
    messageId: d.messageId,
    status: d.status,
    attempts: d.attempts,
    nextAttemptAt: d.status === 'pending' ? isoOf(d.nextAttemptAt) : null,
    expiresAt: isoOf(d.expiresAt),
    lastStatus: d.lastStatus,
    lastError: d.lastError,
    deliveredAt: d.deliveredAt ? isoOf(d.deliveredAt) : null,
    createdAt: isoOf(d.createdAt),
  };
}

/** `POST /api/webhooks/:id/deliveries/:deliveryId/retry`: a dead delivery is tried again now, for another 24 hours. */
export async function retryDelivery(db: Db, actor: Actor, webhookId: string, deliveryId: string, now = new Date(), idempotency?: Idempotency) {
  adminOnly(actor);
  // Under an Idempotency-Key (DESIGN.md §5: any POST) a repeat is answered the first answer (the
  // delivery pending again), not a 409 because its own retry has made it no longer dead.
  return onceInTransaction(
    db,
    actor,
    idempotency,
    async (tx) => {
      const hook = await liveWebhook(tx, webhookId);
      const [d] = isUuid(deliveryId)
        ? await tx.select().from(deliveries).where(and(eq(deliveries.id, deliveryId), eq(deliveries.webhookId, hook.id)))
        : [];
      if (!d) throw new NotFound('not_found.delivery', { id: deliveryId });
      const [row] = await tx
        .update(deliveries)
        .set({ status: 'pending', nextAttemptAt: now.toISOString(), expiresAt: new Date(now.getTime() + DEAD_AFTER_MS).toISOString() })
        .where(and(eq(deliveries.id, d.id), eq(deliveries.status, 'dead')))
        .returning();
      if (!row) throw new Conflict('conflict.delivery_not_dead', { status: d.status }, { deliveryStatus: d.status });
      return deliveryView(row);
    },
    { created: false },
  );
}
