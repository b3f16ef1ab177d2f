/**
 * Messages that no event causes, made by the dispatcher's pass from what the database says now
 * (DESIGN.md §12): the SMS that an instalment is due in 3 days, and the deputies' daily digest.
 * Each is once-only by a unique key, not by a flag one process keeps, so any number of API
 * processes may run the pass at once and still send each message once:
 * - an instalment's text: its delivery's `message_id` is derived from the case and the due time,
 *   and `deliveries_once_uq` (message, party) takes the first insert only;
 * - a digest: `notifications_once_uq` (user, kind, entity, ref) with the Shanghai date as `ref`.
 */
import { createHash } from 'node:crypto';
import { and, eq, isNotNull, sql } from 'drizzle-orm';
import type { Db } from '../../db/client.js';
import { isoOf, rowsOf } from '../../db/client.js';
import { deadlines, deliveries, notifications, parties, users } from '../../db/schema.js';
import { shanghaiDate } from '../../machines/calendar.js';
import { dueWithinBound } from '../legal-time.js';
import { myTodo } from '../todo.js';

/** DESIGN §12: a party is texted when an instalment (or a lump sum's due date) is 3 days away. */
export const INSTALMENT_REMINDER_DAYS = 3;

/**
 * The hour (Asia/Shanghai) from which the day's digest is written: before the working day starts
 * (courts and stations open at 8:30), so the first look at the inbox finds it.
 */
export const DIGEST_HOUR = 8;

/** A stable message id for what a reminder is about: the same inputs give the same id in every process. */
export function reminderId(what: string): string {
  const h = createHash('sha256').update(what).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-8${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/**
 * Consenting parties of cases whose next unpaid instalment (the open `performance` deadline, which
 * follows payments) ends within `INSTALMENT_REMINDER_DAYS` Shanghai days: one SMS delivery each,
 * once per due date. With no gateway set they are recorded as skipped, like every other text.
 * Returns how many deliveries were added.
 */
export async function remindInstalments(db: Db, opts: { now?: Date; smsGatewayUrl?: string; deadAfterMs: number }): Promise<number> {
  const now = opts.now ?? new Date();
  const bound = dueWithinBound(INSTALMENT_REMINDER_DAYS, now);
  const due = rowsOf<{ case_id: string; due_at: unknown; party_id: string }>(
    await db.execute(sql`
      select d.entity_id as case_id, d.due_at, p.id as party_id
      from ${deadlines} d join ${parties} p on p.case_id = d.entity_id and p.sms_consent
      where d.entity_type = 'case' and d.kind = 'performance' and d.fired_at is null
        and d.due_at > ${now.toISOString()} and d.due_at <= ${bound}
      limit 1000`),
  );
  if (due.length === 0) return 0;
  const at = now.toISOString();
  const expires = new Date(now.getTime() + opts.deadAfterMs).toISOString();
  const rows = due.map((r) => {
    const dueAt = isoOf(r.due_at as string);
    // The last day to pay: the deadline is the start of the next Shanghai day.
    const dueDate = shanghaiDate(new Date(Date.parse(dueAt) - 1).toISOString());
    return {
      messageId: reminderId(`instalment_due:${r.case_id}:${dueAt}`),
      channel: 'sms',
      partyId: r.party_id,
      template: 'instalment_due',
      params: { dueDate },
      status: opts.smsGatewayUrl ? 'pending' : 'skipped',
      lastError: opts.smsGatewayUrl ? null : '未配置短信网关（SMS_GATEWAY_URL），未发送',
      nextAttemptAt: at,
      expiresAt: expires,
    };
  });
  const added = await db.insert(deliveries).values(rows).onConflictDoNothing().returning({ id: deliveries.id });
  return added.length;
}

/** The Shanghai date of `now`, once `DIGEST_HOUR` has come there; null before. */
export function digestDate(now: Date, hour = DIGEST_HOUR): string | null {
  const local = new Date(now.getTime() + 8 * 3_600_000);
  return local.getUTCHours() >= hour ? local.toISOString().slice(0, 10) : null;
}

/**
 * The deputies' daily digest (站内消息): from `DIGEST_HOUR` on, each active deputy user whose
 * to-do holds sessions in the next 7 days or deadlines at warning level (or run out) gets one
 * notice for the day listing them — their to-do as it stood then. A deputy with nothing to do gets
 * none. Returns the date written for (null before the hour) and how many notices were added.
 */
export async function writeDigests(db: Db, opts: { now?: Date; warningDays: number; hour?: number }): Promise<{ date: string | null; written: number }> {
  const now = opts.now ?? new Date();
  const date = digestDate(now, opts.hour);
  if (!date) return { date, written: 0 };
  const deputyUsers = await db
    .select({ id: users.id, name: users.name, deputyId: users.deputyId })
    .from(users)
    .where(and(eq(users.role, 'deputy'), eq(users.active, true), isNotNull(users.deputyId)));
  let written = 0;
  for (const u of deputyUsers) {
    const { items } = await myTodo(db, { id: u.id, role: 'deputy', name: u.name, deputyId: u.deputyId }, { now, warningDays: opts.warningDays });
    const listed = items
      .filter((i) => i.kind === 'session' || i.kind === 'deadline')
      .map((i) => ({
        kind: i.kind,
        caseId: i.entity.id,
        number: i.entity.number,
        ...(i.subject !== undefined ? { subject: i.subject } : {}),
        ...(i.deadline ? { deadline: i.deadline, daysLeft: i.daysLeft } : {}),
        level: i.level,
        ...(i.dueAt ? { dueAt: i.dueAt } : {}),
      }));
    if (listed.length === 0) continue;
    const added = await db
      .insert(notifications)
      .values({ userId: u.id, kind: 'daily_digest', entityType: 'digest', entityId: u.id, entityNumber: date, params: { date, items: listed }, ref: date })
      .onConflictDoNothing()
      .returning({ id: notifications.id });
    written += added.length;
  }
  return { date, written };
}
