/**
 * The web sign-in and its defence (DESIGN.md §10). An attempt is counted in the database BEFORE
 * the password is checked: the count holds across processes, restarts and concurrent bursts, and
 * a burst gets at most the allowed number of password checks (scrypt), never one per request.
 *
 * - 5 attempts that were not successful for one login within 15 minutes → that login takes no
 *   attempt for 15 minutes;
 * - 20 from one client address within 15 minutes → that address takes none for 15 minutes.
 *
 * Each attempt takes a transaction-level advisory lock on its login and then its address (always
 * in that order, so two attempts never wait on each other in a cycle), checks the locks, counts,
 * records itself and, when it reaches a limit, locks the login or address — all before scrypt.
 */
import { randomBytes } from 'node:crypto';
import { and, eq, gt, inArray, lt, or, sql } from 'drizzle-orm';
import { z } from 'zod';
import type { Actor } from '../machines/roles.js';
import type { Db } from '../db/client.js';
import { signInAttempts, signInLocks, users } from '../db/schema.js';
import { fieldErrors } from './errors.js';
import { recordAudit, type RequestMeta } from './audit.js';
import { actorOfUser, hashPassword, needsRehash, verifyPassword } from './directory.js';
import { TooManyAttempts, Unauthenticated, ValidationError } from './errors.js';

export const SIGN_IN_LIMITS = {
  windowMs: 15 * 60_000,
  lockMs: 15 * 60_000,
  perLogin: 5,
  perAddress: 20,
};

const signInSchema = z.object({
  login: z.string().trim().toLowerCase().min(1, { message: '请输入登录名' }).max(64),
  password: z.string().min(1, { message: '请输入密码' }).max(1024),
});

/** Hashed once and checked against when the sign-in name is unknown, so both refusals take as long. */
let decoyHash: Promise<string> | undefined;

const loginKey = (login: string) => `login:${login}`;
const addressKey = (address: string) => `address:${address}`;

/**
 * Counts this attempt, or refuses it (TooManyAttempts) when its login or address is locked.
 * Returns the attempt's row id. Everything happens in one short transaction, before scrypt.
 */
async function admit(db: Db, login: string, address: string, now: Date, meta: RequestMeta): Promise<number> {
  const nowIso = now.toISOString();
  const since = new Date(now.getTime() - SIGN_IN_LIMITS.windowMs).toISOString();
  const until = new Date(now.getTime() + SIGN_IN_LIMITS.lockMs).toISOString();
  return db.transaction(async (tx) => {
    // Serializes the attempts on one login (then one address) across every process.
    await tx.execute(sql`select pg_advisory_xact_lock(hashtextextended(${loginKey(login)}, 0))`);
    await tx.execute(sql`select pg_advisory_xact_lock(hashtextextended(${addressKey(address)}, 0))`);
    const locks = await tx
      .select()
      .from(signInLocks)
      .where(and(inArray(signInLocks.key, [loginKey(login), addressKey(address)]), gt(signInLocks.lockedUntil, nowIso)));
    if (locks.length) {
      const latest = Math.max(...locks.map((l) => Date.parse(l.lockedUntil)));
      throw new TooManyAttempts(Math.ceil((latest - now.getTime()) / 1000));
    }
    // Old rows of this login and address are of no use any more.
    await tx
      .delete(signInAttempts)
      .where(and(or(eq(signInAttempts.login, login), eq(signInAttempts.address, address)), lt(signInAttempts.at, since)));
    const [{ byLogin, byAddress }] = await tx
      .select({
        byLogin: sql<number>`count(*) filter (where ${signInAttempts.login} = ${login})`.mapWith(Number),
        byAddress: sql<number>`count(*) filter (where ${signInAttempts.address} = ${address})`.mapWith(Number),
      })
      .from(signInAttempts)
      .where(and(or(eq(signInAttempts.login, login), eq(signInAttempts.address, address)), gt(signInAttempts.at, since)));
    const [row] = await tx.insert(signInAttempts).values({ login, address, at: nowIso }).returning({ id: signInAttempts.id });
    // This attempt reaches a limit: it is still checked, the next one is refused (a success lifts a login's lock).
    const reached: string[] = [];
    if (byLogin + 1 >= SIGN_IN_LIMITS.perLogin) reached.push(loginKey(login));
    if (byAddress + 1 >= SIGN_IN_LIMITS.perAddress) reached.push(addressKey(address));
    for (const key of reached) {
      await tx.insert(signInLocks).values({ key, lockedUntil: until }).onConflictDoUpdate({ target: signInLocks.key, set: { lockedUntil: until } });
      await recordAudit(tx, {
        action: 'auth.locked',
        actor: null,
        target: key.startsWith('login:') ? { type: 'login', id: login } : { type: 'address', id: address },
        detail: { until, attempts: key.startsWith('login:') ? byLogin + 1 : byAddress + 1 },
        meta,
        at: nowIso,
      });
    }
    return row.id;
  });
}

export interface SignedIn {
  actor: Actor;
  mustChangePassword: boolean;
}

/**
 * The web sign-in: the user for a sign-in name and password. Every wrong answer says the same
 * thing, whether the name is unknown, has no password yet, or the password is wrong; a locked
 * login or address is a 429 (TooManyAttempts) that says how long to wait.
 */
export async function signIn(db: Db, raw: unknown, meta: RequestMeta & { clientAddress: string }, now = new Date()): Promise<SignedIn> {
  const r = signInSchema.safeParse(raw ?? {});
  if (!r.success) throw new ValidationError('invalid.body', fieldErrors(r.error));
  const { login, password } = r.data;
  const attemptId = await admit(db, login, meta.clientAddress, now, meta);

  const [u] = await db.select().from(users).where(eq(users.login, login));
  const ok = u?.passwordHash
    ? await verifyPassword(password, u.passwordHash)
    : (await verifyPassword(password, await (decoyHash ??= hashPassword(randomBytes(16).toString('hex')))), false);

  if (!ok || !u) {
    await recordAudit(db, {
      action: 'auth.sign_in_failed',
      actor: null,
      target: u ? { type: 'user', id: u.id } : { type: 'login', id: login },
      detail: { login },
      meta,
    });
    throw new Unauthenticated('auth.sign_in_failed');
  }
  const actor = actorOfUser(u);
  // A correct password of a switched-off user: no session, and no reason to count it as a guess.
  if (!u.active) {
    await db.transaction(async (tx) => {
      await tx.delete(signInAttempts).where(eq(signInAttempts.id, attemptId));
      await recordAudit(tx, { action: 'auth.sign_in_failed', actor, target: { type: 'user', id: u.id }, detail: { login, reason: 'inactive' }, meta });
    });
    throw new Unauthenticated('auth.account_inactive');
  }
  // Parameters raised since this hash was made: store it again with today's.
  const rehash = needsRehash(u.passwordHash!) ? await hashPassword(password) : null;
  await db.transaction(async (tx) => {
    // The login's guesses are over; the address keeps its count (it may be guessing other names).
    await tx.delete(signInAttempts).where(or(eq(signInAttempts.id, attemptId), eq(signInAttempts.login, login)));
    await tx.delete(signInLocks).where(eq(signInLocks.key, loginKey(login)));
    // This attempt may have locked the address as its 20th; a success is no failure. Whatever is
    // still counted there (failures, attempts in flight) decides whether the lock stays.
    const since = new Date(now.getTime() - SIGN_IN_LIMITS.windowMs).toISOString();
    const [{ n }] = await tx
      .select({ n: sql<number>`count(*)`.mapWith(Number) })
      .from(signInAttempts)
      .where(and(eq(signInAttempts.address, meta.clientAddress), gt(signInAttempts.at, since)));
    if (n < SIGN_IN_LIMITS.perAddress) await tx.delete(signInLocks).where(eq(signInLocks.key, addressKey(meta.clientAddress)));
    if (rehash) await tx.update(users).set({ passwordHash: rehash }).where(and(eq(users.id, u.id), eq(users.passwordHash, u.passwordHash!)));
    await recordAudit(tx, { action: 'auth.sign_in', actor, target: { type: 'user', id: u.id }, detail: rehash ? { rehashed: true } : {}, meta });
  });
  return { actor, mustChangePassword: u.mustChangePassword };
}

/**
 * True while no administrator has a password of their own: the first administrator's sign-in
 * name and initial password are still only on the server's console, so the sign-in page says
 * where to find them. Once an administrator has replaced it, the page says nothing about it.
 */
export async function firstSignInPending(db: Db): Promise<boolean> {
  const [own] = await db
    .select({ id: users.id })
    .from(users)
    .where(and(eq(users.role, 'admin'), sql`${users.passwordHash} is not null`, eq(users.mustChangePassword, false)))
    .limit(1);
  return !own;
}
