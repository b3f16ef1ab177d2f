/**
 * 站内消息: every user's inbox (DESIGN.md §12). Newest first, keyset pagination on (at, id).
 */
import { and, count, desc, eq, inArray, isNull, lt, or, type SQL } from 'drizzle-orm';
import { z } from 'zod';
import type { Actor } from '../../machines/roles.js';
import { isoOf, type Db } from '../../db/client.js';
import { notifications } from '../../db/schema.js';
import { fieldErrors, Forbidden, schemaField, ValidationError } from '../errors.js';
import { decodeCursor } from '../views.js';
import type { Idempotency } from '../write/types.js';
import { onceInTransaction } from '../write/idempotency.js';

export const inboxQuerySchema = z.object({
  unread: z.enum(['true', 'false']).optional(),
  cursor: z.string().min(1).max(500).optional(),
  limit: z.coerce.number().int().min(1).max(200).optional(),
});

export const markReadSchema = z.union([
  z.object({ ids: z.array(z.string().uuid({ message: '须为消息 id' })).min(1).max(500) }).strict(),
  z.object({ all: z.literal(true) }).strict(),
]);

/** A notice as data: the words are made from `kind` and `params` where it is shown. */
export interface NoticeRow {
  id: string;
  at: string;
  kind: string;
  params: Record<string, unknown>;
  entity: { type: string; id: string; number: string };
  readAt: string | null;
}

function person(actor: Actor): string {
  // The system and the bootstrap token have an inbox only if they are users (uuid ids).
  if (!/^[0-9a-f-]{36}$/i.test(actor.id)) throw new Forbidden('forbidden.inbox');
  return actor.id;
}

export async function unreadCount(db: Db, actor: Actor): Promise<number> {
  if (!/^[0-9a-f-]{36}$/i.test(actor.id)) return 0;
  const [row] = await db
    .select({ n: count() })
    .from(notifications)
    .where(and(eq(notifications.userId, actor.id), isNull(notifications.readAt)));
  return Number(row?.n ?? 0);
}

/** `GET /api/me/notifications`: `{items, nextCursor, unread}`. */
export async function listNotices(db: Db, actor: Actor, raw: Record<string, string | undefined>) {
  const userId = person(actor);
  const parsed = inboxQuerySchema.safeParse(raw);
  if (!parsed.success) throw new ValidationError('invalid.query', fieldErrors(parsed.error));
  const q = parsed.data;
  const limit = q.limit ?? 50;
  const where: SQL[] = [eq(notifications.userId, userId)];
  if (q.unread === 'true') where.push(isNull(notifications.readAt));
  if (q.cursor) {
    const [at, id] = decodeCursor(q.cursor);
    where.push(or(lt(notifications.at, at), and(eq(notifications.at, at), lt(notifications.id, id)))!);
  }
  const rows = await db
    .select()
    .from(notifications)
    .where(and(...where))
    .orderBy(desc(notifications.at), desc(notifications.id))
    .limit(limit + 1);
  const page = rows.slice(0, limit);
  const last = page[page.length - 1];
  const items: NoticeRow[] = page.map((r) => ({
    id: r.id,
    at: isoOf(r.at),
    kind: r.kind,
    params: (r.params ?? {}) as Record<string, unknown>,
    entity: { type: r.entityType, id: r.entityId, number: r.entityNumber },
    readAt: r.readAt ? isoOf(r.readAt) : null,
  }));
  return {
    items,
    nextCursor: rows.length > limit && last ? Buffer.from(JSON.stringify([isoOf(last.at), last.id])).toString('base64url') : null,
    unread: await unreadCount(db, actor),
  };
}

/**
 * `POST /api/me/notifications/read` `{ids}` or `{all: true}`: only the caller's own; answers
 * `{read, unread}`. Under an Idempotency-Key (DESIGN.md §5: any POST) a repeat is answered the
 * first `{read, unread}`, and another body under the key is a 422.
 */
export async function markRead(db: Db, actor: Actor, raw: unknown, now = new Date(), idempotency?: Idempotency) {
  const userId = person(actor);
  const parsed = markReadSchema.safeParse(raw);
  if (!parsed.success) {
    throw new ValidationError('invalid.body', [schemaField('(body)', '须为 {"ids": [消息 id, …]} 或 {"all": true}')]);
  }
  const mine = and(eq(notifications.userId, userId), isNull(notifications.readAt));
  const which = 'ids' in parsed.data ? and(mine, inArray(notifications.id, parsed.data.ids)) : mine;
  return onceInTransaction(
    db,
    actor,
    idempotency,
    async (tx) => {
      const done = await tx.update(notifications).set({ readAt: now.toISOString() }).where(which).returning({ id: notifications.id });
      return { read: done.length, unread: await unreadCount(tx, actor) };
    },
    { created: false },
  );
}

