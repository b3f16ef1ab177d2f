/**
 * Web sign-in sessions. The cookie carries a random id; the database keeps only its sha256, so a
 * leaked table opens no session. Each session has its own CSRF token, sent back in every form.
 */
import { randomBytes } from 'node:crypto';
import { and, eq, lt } from 'drizzle-orm';
import type { Actor } from '../machines/roles.js';
import type { Db } from '../db/client.js';
import { users, webSessions } from '../db/schema.js';
import { hashToken } from './directory.js';
import { recordAudit, type RequestMeta } from './audit.js';

/** A working day and then some: a clerk signs in once a day. */
export const SESSION_HOURS = 12;

export interface OpenedSession {
  /** Goes into the cookie; never stored. */
  sessionId: string;
  csrfToken: string;
  expiresAt: string;
}

export interface WebSession {
  actor: Actor;
  csrfToken: string;
  mustChangePassword: boolean;
  expiresAt: string;
}

export async function openSession(db: Db, userId: string, now = new Date()): Promise<OpenedSession> {
  const sessionId = randomBytes(32).toString('base64url');
  const csrfToken = randomBytes(32).toString('base64url');
  const expiresAt = new Date(now.getTime() + SESSION_HOURS * 3_600_000).toISOString();
  // Sweep this user's expired sessions while we are here: the table stays small without a job.
  await db.delete(webSessions).where(and(eq(webSessions.userId, userId), lt(webSessions.expiresAt, now.toISOString())));
  await db.insert(webSessions).values({ idHash: hashToken(sessionId), userId, csrfToken, expiresAt });
  return { sessionId, csrfToken, expiresAt };
}

/** The signed-in user of a session cookie; null when unknown or expired. */
export async function sessionOf(db: Db, sessionId: string | undefined, now = new Date()): Promise<WebSession | null> {
  if (!sessionId || sessionId.length > 200) return null;
  const [row] = await db
    .select({ session: webSessions, user: users })
    .from(webSessions)
    .innerJoin(users, eq(users.id, webSessions.userId))
    .where(eq(webSessions.idHash, hashToken(sessionId)));
  if (!row) return null;
  // A user switched off has no session, even one opened before (deactivation deletes them too).
  if (Date.parse(row.session.expiresAt) <= now.getTime() || !row.user.active) {
    await db.delete(webSessions).where(eq(webSessions.idHash, row.session.idHash));
    return null;
  }
  const u = row.user;
  return {
    actor: { id: u.id, role: u.role as Actor['role'], name: u.name, stationCode: u.stationCode, deputyId: u.deputyId },
    csrfToken: row.session.csrfToken,
    mustChangePassword: u.mustChangePassword,
    expiresAt: new Date(row.session.expiresAt).toISOString(),
  };
}

/** Ends a session; `signOut`: the user signed out (audited with it, `auth.sign_out`). */
export async function closeSession(db: Db, sessionId: string | undefined, signOut?: { actor: Actor; meta: RequestMeta }): Promise<void> {
  if (!sessionId || sessionId.length > 200) return;
  await db.transaction(async (tx) => {
    const ended = await tx.delete(webSessions).where(eq(webSessions.idHash, hashToken(sessionId))).returning({ userId: webSessions.userId });
    if (signOut && ended.length) {
      await recordAudit(tx, { action: 'auth.sign_out', actor: signOut.actor, target: { type: 'user', id: signOut.actor.id }, meta: signOut.meta });
    }
  });
}
