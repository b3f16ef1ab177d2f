/**
 * A party's consent to SMS notices (DESIGN.md §12), changed after intake by court staff or by the
 * station that took the case. The party is named by its place in the case's `parties` (0 first).
 */
import { and, eq } from 'drizzle-orm';
import { z } from 'zod';
import type { Actor } from '../../machines/roles.js';
import type { Db } from '../../db/client.js';
import { cases, parties } from '../../db/schema.js';
import { can } from '../../machines/policy.js';
import { recordAudit, type RequestMeta } from '../audit.js';
import { fieldErrors, Forbidden, NotFound, ValidationError } from '../errors.js';
import { isUuid } from '../stores.js';

export const consentSchema = z.object({ smsConsent: z.boolean({ message: '须为 true 或 false' }) }).strict();

/**
 * `PATCH /api/cases/:id/parties/:index` `{smsConsent}` → `{index, role, smsConsent}`. The change is
 * audited in its own transaction (`party.consent`: the case, the party's place and the new value,
 * never the party's name or phone).
 */
export async function setSmsConsent(db: Db, actor: Actor, caseId: string, index: string, raw: unknown, meta?: RequestMeta) {
  if (!can(actor, 'party.consent')) throw new Forbidden('forbidden.sms_consent');
  const parsed = consentSchema.safeParse(raw);
  if (!parsed.success) throw new ValidationError('invalid.body', fieldErrors(parsed.error));
  const [found] = isUuid(caseId) ? await db.select({ id: cases.id, stationCode: cases.stationCode }).from(cases).where(eq(cases.id, caseId)) : [];
  if (!found) throw new NotFound('not_found.case', { id: caseId });
  if (actor.role === 'station' && actor.stationCode !== found.stationCode) throw new Forbidden('forbidden.case_read');
  const position = /^\d{1,3}$/.test(index) ? Number(index) : -1;
  return db.transaction(async (tx) => {
    const [row] = await tx
      .update(parties)
      .set({ smsConsent: parsed.data.smsConsent })
      .where(and(eq(parties.caseId, found.id), eq(parties.position, position)))
      .returning({ position: parties.position, role: parties.role, smsConsent: parties.smsConsent });
    if (!row) throw new NotFound('not_found.party', { index });
    await recordAudit(tx, {
      action: 'party.consent',
      actor,
      target: { type: 'case', id: found.id },
      detail: { party: row.position, role: row.role, smsConsent: row.smsConsent },
      meta,
    });
    return { index: row.position, role: row.role, smsConsent: row.smsConsent };
  });
}
