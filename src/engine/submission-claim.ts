/**
 * Opening a case from a citizen's submission (扫码联), as the case store does it inside the
 * creation's transaction. Apart from src/engine/submissions.ts so the case store can use it
 * without importing the module that imports the case store.
 */
import { eq, sql } from 'drizzle-orm';
import { rolesFor, submissionRefusal } from '../machines/policy.js';
import type { Actor } from '../machines/roles.js';
import type { Db } from '../db/client.js';
import { submissions } from '../db/schema.js';
import { fieldError, Forbidden, SubmissionDecided, ValidationError } from './errors.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The policy's answer (src/machines/policy.ts) as the engine's refusal. */
export function requireHandles(actor: Actor, stationCode: string | null): void {
  const refused = stationCode === null ? (submissionRefusal(actor, actor.stationCode ?? '') === 'role' ? 'role' : null) : submissionRefusal(actor, stationCode);
  if (refused === 'role') throw new Forbidden('forbidden.role', { roles: rolesFor('submission.handle') });
  if (refused) throw new Forbidden('forbidden.submission_own');
}

export function alreadyDecided(status: string) {
  return new SubmissionDecided(status);
}

/**
 * Called by the case store while a case is created with `submissionId`: locks the submission
 * and checks that it is still pending and belongs to the case's station and source. Returns what
 * the creation records (the id, in the CREATE payload) and marks afterwards.
 */
export async function claimSubmission(tx: Db, actor: Actor, input: { stationCode: string; source: string }, submissionId: unknown) {
  if (typeof submissionId !== 'string' || !UUID.test(submissionId)) {
    throw new ValidationError('invalid.body', [fieldError('submissionId', 'field.submission_unknown')]);
  }
  const [s] = await tx.select().from(submissions).where(eq(submissions.id, submissionId)).for('update');
  if (!s) throw new ValidationError('invalid.body', [fieldError('submissionId', 'field.submission_unknown')]);
  requireHandles(actor, s.stationCode);
  if (s.status !== 'pending') throw alreadyDecided(s.status);
  if (s.stationCode !== input.stationCode || input.source !== 'qr_code') {
    throw new ValidationError('invalid.body', [fieldError('submissionId', 'field.submission_mismatch')]);
  }
  return { submissionId: s.id, decidedBy: actor.id };
}

/**
 * The second half of `claimSubmission`, once the case exists (same transaction): the submission
 * is accepted and keeps no personal data — its sender's name and phone and the other side's name
 * are the case's parties now (DESIGN.md §10: a party's name and phone only in `parties`). Its
 * phone's last 4 digits and hash stay in their own columns for the status look-up and the limit.
 */
export async function markSubmissionAccepted(tx: Db, caseId: string, claim: { submissionId: string; decidedBy: string }) {
  await tx
    .update(submissions)
    .set({ status: 'accepted', caseId, decidedBy: claim.decidedBy, decidedAt: sql`now()`, name: null, phone: null, counterparty: null })
    .where(eq(submissions.id, claim.submissionId));
}
