/**
 * Personal data kept no longer than needed (PIPL Art 47, DESIGN.md §10): the parties of cases
 * closed before a date lose their names, ID numbers and phones, and Idempotency-Key records are
 * purged after IDEMPOTENCY_TTL_HOURS. Cases, journals and reports stay: the journal refers to
 * parties by id only, so `verify` still replays every case.
 */
import { and, inArray, isNotNull, lt, or, ne, sql } from 'drizzle-orm';
import { z } from 'zod';
import { startOfShanghaiDay } from '../machines/calendar.js';
import { calendarDate } from '../machines/fields.js';
import type { Actor } from '../machines/roles.js';
import type { Db } from '../db/client.js';
import { cases, idempotencyKeys, parties, submissions } from '../db/schema.js';
import { fieldErrors } from './errors.js';
import { recordAudit, type RequestMeta } from './audit.js';
import { Forbidden, ValidationError } from './errors.js';
import { can, ERASED, rolesFor } from '../machines/policy.js';
import type { Idempotency } from './write/types.js';
import { onceInTransaction } from './write/idempotency.js';

export const eraseSchema = z.object({ closedBefore: calendarDate }).strict();

/**
 * `POST /api/admin/erase-personal-data {closedBefore}`: replaces the names, ID numbers and phones
 * of the parties of every case closed before that Shanghai date by `已删除` (in `parties`; the
 * citizen's submission a case was opened from loses its phone's hash), in one transaction
 * with its audit row. Returns how many cases had personal data erased now (a repeat: 0).
 */
export async function erasePersonalData(db: Db, actor: Actor, raw: unknown, meta: RequestMeta = {}): Promise<{ cases: number }> {
  return (await erasePersonalDataOnce(db, actor, raw, meta)).body as { cases: number };
}

/**
 * `erasePersonalData` under an Idempotency-Key: a retry is answered the first count, and writes
 * no second `personal_data.erase` row (which would say 0 cases, as if the first had erased none).
 */
export async function erasePersonalDataOnce(db: Db, actor: Actor, raw: unknown, meta: RequestMeta = {}, idempotency?: Idempotency) {
  if (!can(actor, 'personal_data.erase')) throw new Forbidden('forbidden.role', { roles: rolesFor('personal_data.erase') });
  const r = eraseSchema.safeParse(raw ?? {});
  if (!r.success) throw new ValidationError('invalid.body', fieldErrors(r.error));
  // "Closed before 2026-12-01": closed before that day began in Shanghai.
  const bound = startOfShanghaiDay(r.data.closedBefore);
  return onceInTransaction(db, actor, idempotency, async (tx) => {
    const closed = tx.select({ id: cases.id }).from(cases).where(and(isNotNull(cases.closedAt), lt(cases.closedAt, bound)));
    const erased = await tx
      .update(parties)
      .set({
        name: ERASED,
        idNumber: sql`case when ${parties.idNumber} is null then null else ${ERASED} end`,
        phone: sql`case when ${parties.phone} is null then null else ${ERASED} end`,
      })
      .where(
        and(
          inArray(parties.caseId, closed),
          or(ne(parties.name, ERASED), ne(parties.idNumber, ERASED), ne(parties.phone, ERASED)),
        ),
      )
      .returning({ caseId: parties.caseId });
    // A case opened from a citizen's submission (扫码联): the submission keeps no name or phone
    // since it was accepted (they are these parties). Its phone's hash, kept for the day's limit
    // and usually cleared since, goes too; the last 4 digits stay for the citizen's look-up (a
    // phone masked to 4 of its digits, DESIGN.md §10).
    const copies = await tx
      .update(submissions)
      .set({ phoneHash: null })
      .where(and(inArray(submissions.caseId, closed), isNotNull(submissions.phoneHash)))
      .returning({ caseId: submissions.caseId });
    const count = new Set([...erased, ...copies].map((e) => e.caseId)).size;
    await recordAudit(tx, { action: 'personal_data.erase', actor, target: { type: 'cases', id: `closedBefore=${r.data.closedBefore}` }, detail: { closedBefore: r.data.closedBefore, cases: count }, meta });
    return { cases: count };
  }, { created: false });
}

/** Deletes Idempotency-Key records older than `ttlHours`; returns how many. */
export async function purgeIdempotencyKeys(db: Db, ttlHours: number, now = new Date()): Promise<number> {
  const before = new Date(now.getTime() - ttlHours * 3_600_000).toISOString();
  const gone = await db.delete(idempotencyKeys).where(lt(idempotencyKeys.createdAt, before)).returning({ key: idempotencyKeys.key });
  return gone.length;
}

/** Purges expired Idempotency-Key records now and every `intervalMs` (each process; the delete is idempotent). */
export function startIdempotencyPurge(db: Db, ttlHours: number, log: (msg: string, extra?: unknown) => void, intervalMs = 5 * 60_000): () => void {
  const run = () => purgeIdempotencyKeys(db, ttlHours).catch((err) => log('idempotency purge failed', { error: (err as Error)?.name }));
  void run();
  const timer = setInterval(run, intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}
