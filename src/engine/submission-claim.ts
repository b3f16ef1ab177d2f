/**
 * Opening a case from a citizen's submission (扫码联), as the case store does it inside the
 * creation's transaction. Apart from src/engine/submissions.ts so the case store can use it
 * without importing the module that imports the case store.
 */
import { eq, sql } from 'drizzle-orm';
import type { Actor } from '../machines/roles.js';
import type { Db } from '../db/client.js';
import { submissions } from '../db/schema.js';
import { Conflict, Forbidden, ValidationError } from './errors.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Which submissions an actor may see and decide: court all, station staff their own station's. */
export function mayHandle(actor: Actor, stationCode: string): boolean {
  return actor.role === 'court' || (actor.role === 'station' && !!actor.stationCode && actor.stationCode === stationCode);
}

export function alreadyDecided(status: string) {
  return new Conflict(status === 'accepted' ? '该提交已经立案，不能再次处理' : '该提交已经不予受理，不能再次处理', { submissionStatus: status });
}

/**
 * Called by the case store while a case is created with `submissionId`: locks the submission
 * and checks that it is still pending and belongs to the case's station and source. Returns what
 * the creation records (the id, in the CREATE payload) and marks afterwards.
 */
export async function claimSubmission(tx: Db, actor: Actor, input: { stationCode: string; source: string }, submissionId: unknown) {
  if (typeof submissionId !== 'string' || !UUID.test(submissionId)) {
    throw new ValidationError('请求内容有误', [{ field: 'submissionId', message: '群众提交不存在' }]);
  }
  const [s] = await tx.select().from(submissions).where(eq(submissions.id, submissionId)).for('update');
  if (!s) throw new ValidationError('请求内容有误', [{ field: 'submissionId', message: '群众提交不存在' }]);
  if (!mayHandle(actor, s.stationCode)) throw new Forbidden('联络站工作人员只能处理本站收到的群众提交');
  if (s.status !== 'pending') throw alreadyDecided(s.status);
  if (s.stationCode !== input.stationCode || input.source !== 'qr_code') {
    throw new ValidationError('请求内容有误', [{ field: 'submissionId', message: '由群众扫码提交立案的案件，渠道须为扫码联、站点须为提交时的站点' }]);
  }
  return { submissionId: s.id, decidedBy: actor.id };
}

/** The second half of `claimSubmission`, once the case exists (same transaction). */
export async function markSubmissionAccepted(tx: Db, caseId: string, claim: { submissionId: string; decidedBy: string }) {
  await tx
    .update(submissions)
    .set({ status: 'accepted', caseId, decidedBy: claim.decidedBy, decidedAt: sql`now()` })
    .where(eq(submissions.id, claim.submissionId));
}

