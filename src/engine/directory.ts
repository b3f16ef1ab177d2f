/**
 * The directory: stations, deputies and users, and bearer-token authentication. Each mutation is
 * a verb that parses its input, checks the caller's role and writes in one statement.
 */
import { createHash, randomBytes, scrypt, timingSafeEqual } from 'node:crypto';
import { and, asc, eq, isNotNull, sql } from 'drizzle-orm';
import { z } from 'zod';
import { optionalText, text } from '../machines/fields.js';
import { can, rolesFor, type Action } from '../machines/policy.js';
import { ROLES, type Actor } from '../machines/roles.js';
import { isoOf, type Db } from '../db/client.js';
import { deputies, stations, users, webSessions } from '../db/schema.js';
import { Conflict, fieldError, fieldErrors, Forbidden, NotFound, Unauthenticated, ValidationError, sqlState } from './errors.js';
import { isUuid } from './stores.js';

export const STATION_KINDS = ['court', 'street', 'town', 'village'] as const;
export const DEPUTY_LEVELS = ['national', 'provincial', 'municipal', 'county', 'township'] as const;

function requireRole(actor: Actor, action: Action) {
  if (!can(actor, action)) throw new Forbidden('forbidden.role', { roles: rolesFor(action) });
}

function parse<T extends z.ZodType>(schema: T, raw: unknown): z.output<T> {
  const r = schema.safeParse(raw ?? {});
  if (!r.success) throw new ValidationError('invalid.body', fieldErrors(r.error));
  return r.data;
}

// ---------------------------------------------------------------------------------------------
// Stations

export const stationSchema = z.object({
  code: z
    .string()
    .trim()
    .regex(/^[A-Za-z0-9][A-Za-z0-9_-]{0,31}$/, { message: '站点代码须为 1–32 位字母、数字、- 或 _，例如 HL01' }),
  name: text(100),
  kind: z.enum(STATION_KINDS),
  district: text(50),
});

function stationView(s: typeof stations.$inferSelect) {
  return { code: s.code, name: s.name, kind: s.kind, district: s.district, createdAt: isoOf(s.createdAt) };
}

export async function createStation(db: Db, actor: Actor, raw: unknown) {
  requireRole(actor, 'directory.manage');
  const input = parse(stationSchema, raw);
  const [row] = await db.insert(stations).values(input).onConflictDoNothing().returning();
  if (!row) throw new Conflict('conflict.station_code', { code: input.code }, { field: 'code' });
  return stationView(row);
}

export async function listStations(db: Db) {
  const rows = await db.select().from(stations).orderBy(asc(stations.code));
  return { items: rows.map(stationView) };
}

export async function stationExists(db: Db, code: string): Promise<boolean> {
  const [row] = await db.select({ code: stations.code }).from(stations).where(eq(stations.code, code));
  return !!row;
}

// ---------------------------------------------------------------------------------------------
// Deputies

export const deputySchema = z.object({
  name: text(100),
  level: z.enum(DEPUTY_LEVELS),
  stationCode: text(32),
  expertise: z.array(text(50)).max(20).default([]),
  phone: z
    .string()
    .trim()
    .regex(/^\+?[0-9][0-9\- ]{4,19}$/, { message: '电话号码格式不正确' })
    .optional(),
  note: optionalText(500),
});

function deputyView(d: typeof deputies.$inferSelect) {
  return {
    id: d.id,
    name: d.name,
    level: d.level,
    stationCode: d.stationCode,
    expertise: d.expertise,
    phone: d.phone,
    createdAt: isoOf(d.createdAt),
  };
}

export async function createDeputy(db: Db, actor: Actor, raw: unknown) {
  requireRole(actor, 'directory.manage');
  const input = parse(deputySchema, raw);
  if (!(await stationExists(db, input.stationCode))) {
    throw new ValidationError('invalid.body', [fieldError('stationCode', 'field.station_unknown', { code: input.stationCode })]);
  }
  const [row] = await db
    .insert(deputies)
    .values({ name: input.name, level: input.level, stationCode: input.stationCode, expertise: input.expertise, phone: input.phone ?? null })
    .returning();
  return deputyView(row);
}

export async function listDeputies(db: Db, stationCode?: string) {
  const rows = await db
    .select()
    .from(deputies)
    .where(stationCode ? eq(deputies.stationCode, stationCode) : undefined)
    .orderBy(asc(deputies.stationCode), asc(deputies.name));
  return { items: rows.map(deputyView) };
}

// ---------------------------------------------------------------------------------------------
// Users and tokens

/** A web sign-in name: kept lower-case so 'LiSJY' and 'lisjy' are one name. */
export const loginName = z
  .string()
  .trim()
  .toLowerCase()
  .regex(/^[a-z0-9][a-z0-9._-]{1,31}$/, { message: '登录名须为 2–32 位字母、数字、.、_ 或 -，以字母或数字开头' });

export const passwordSchema = z
  .string()
  .min(8, { message: '密码至少 8 个字符' })
  .max(128, { message: '密码不能超过 128 个字符' });

export const userSchema = z
  .object({
    name: text(100),
    role: z.enum(ROLES),
    stationCode: z.string().trim().min(1).optional(),
    deputyId: z.string().trim().optional(),
    login: loginName.optional(),
    password: passwordSchema.optional(),
  })
  .superRefine((v, ctx) => {
    if (v.role === 'station' && !v.stationCode) ctx.addIssue({ code: 'custom', path: ['stationCode'], message: '联络站工作人员须指定所属站点' });
    if (v.role === 'deputy' && !v.deputyId) ctx.addIssue({ code: 'custom', path: ['deputyId'], message: '代表用户须关联代表记录' });
    if (v.deputyId && v.role !== 'deputy') ctx.addIssue({ code: 'custom', path: ['deputyId'], message: '只有代表用户可以关联代表记录' });
    if (v.deputyId && !isUuid(v.deputyId)) ctx.addIssue({ code: 'custom', path: ['deputyId'], message: '代表不存在' });
    if (v.password && !v.login) ctx.addIssue({ code: 'custom', path: ['login'], message: '设置密码须同时设置登录名' });
  });

export function newToken(): string {
  return `jf_${randomBytes(32).toString('base64url')}`;
}

export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

function userView(u: typeof users.$inferSelect) {
  return {
    id: u.id,
    name: u.name,
    role: u.role,
    stationCode: u.stationCode,
    deputyId: u.deputyId,
    login: u.login,
    hasPassword: u.passwordHash !== null,
    mustChangePassword: u.mustChangePassword,
    createdAt: isoOf(u.createdAt),
  };
}

/** A unique sign-in name already taken answers 409 on the `login` field, not a 500. */
async function uniqueLogin<T>(login: string | undefined, write: () => Promise<T>): Promise<T> {
  try {
    return await write();
  } catch (err) {
    if (login && sqlState(err) === '23505') throw new Conflict('conflict.login', { login }, { field: 'login' });
    throw err;
  }
}

/** Creates a user and returns its token, shown this once (only its hash is kept). */
export async function createUser(db: Db, actor: Actor, raw: unknown) {
  requireRole(actor, 'directory.manage');
  const input = parse(userSchema, raw);
  if (input.stationCode && !(await stationExists(db, input.stationCode))) {
    throw new ValidationError('invalid.body', [fieldError('stationCode', 'field.station_unknown', { code: input.stationCode })]);
  }
  if (input.deputyId) {
    const [d] = await db.select({ id: deputies.id }).from(deputies).where(eq(deputies.id, input.deputyId));
    if (!d) throw new ValidationError('invalid.body', [fieldError('deputyId', 'field.deputy_unknown', { id: input.deputyId })]);
  }
  const token = newToken();
  // An initial password set by the admin is one the user must replace at first sign-in.
  const passwordHash = input.password ? await hashPassword(input.password) : null;
  const [row] = await uniqueLogin(input.login, () =>
    db
      .insert(users)
      .values({
        name: input.name,
        role: input.role,
        stationCode: input.role === 'station' ? input.stationCode! : null,
        deputyId: input.deputyId ?? null,
        tokenHash: hashToken(token),
        login: input.login ?? null,
        passwordHash,
        mustChangePassword: passwordHash !== null,
      })
      .returning(),
  );
  return { ...userView(row), token };
}

export async function listUsers(db: Db, actor: Actor) {
  requireRole(actor, 'directory.manage');
  const rows = await db.select().from(users).orderBy(asc(users.createdAt));
  return { items: rows.map(userView) };
}

function actorOf(u: typeof users.$inferSelect): Actor {
  return { id: u.id, role: u.role as Actor['role'], name: u.name, stationCode: u.stationCode, deputyId: u.deputyId };
}

/**
 * Tokens recently seen valid, by hash, so a busy client does not cost a query per request. Only
 * successes are kept, for `ttlMs`: the who-is-this of a token (id, role, station, deputy) never
 * changes today; should tokens ever be revoked, that is how long another process may still
 * accept one (call `forget` in the process that revokes).
 */
export interface TokenCache {
  get(hash: string, now: number): Actor | undefined;
  set(hash: string, actor: Actor, now: number): void;
  forget(hash: string): void;
}

export function createTokenCache(ttlMs = 5_000, maxEntries = 10_000): TokenCache {
  const entries = new Map<string, { actor: Actor; until: number }>();
  return {
    get(hash, now) {
      const e = entries.get(hash);
      if (!e) return undefined;
      if (e.until > now) return e.actor;
      entries.delete(hash);
      return undefined;
    },
    set(hash, actor, now) {
      entries.delete(hash);
      // Oldest first: a Map iterates in insertion order.
      if (entries.size >= maxEntries) entries.delete(entries.keys().next().value!);
      entries.set(hash, { actor, until: now + ttlMs });
    },
    forget: (hash) => void entries.delete(hash),
  };
}

export async function authenticate(db: Db, token: string | undefined, cache?: TokenCache): Promise<Actor> {
  if (!token) throw new Unauthenticated('auth.no_token');
  const hash = hashToken(token);
  const now = Date.now();
  const cached = cache?.get(hash, now);
  if (cached) return cached;
  const [u] = await db.select().from(users).where(eq(users.tokenHash, hash));
  if (!u) throw new Unauthenticated('auth.bad_token');
  const actor = actorOf(u);
  cache?.set(hash, actor, now);
  return actor;
}

// ---------------------------------------------------------------------------------------------
// Passwords for the web sign-in: scrypt, stored as `scrypt$N$r$p$salt$hash` (base64url)

// N = 2^14 keeps one hash near 50 ms and 16 MiB, inside node's default scrypt memory limit.
const SCRYPT = { N: 16384, r: 8, p: 1, keyLen: 32 };

function scryptAsync(password: string, salt: Buffer, N: number, r: number, p: number, keyLen: number): Promise<Buffer> {
  return new Promise((resolve, reject) =>
    scrypt(password.normalize('NFKC'), salt, keyLen, { N, r, p, maxmem: 256 * N * r }, (err, key) => (err ? reject(err) : resolve(key))),
  );
}

/** @example await hashPassword('correct horse') // 'scrypt$16384$8$1$…$…' */
export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16);
  const key = await scryptAsync(password, salt, SCRYPT.N, SCRYPT.r, SCRYPT.p, SCRYPT.keyLen);
  return ['scrypt', SCRYPT.N, SCRYPT.r, SCRYPT.p, salt.toString('base64url'), key.toString('base64url')].join('$');
}

export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const [scheme, n, r, p, salt, hash] = stored.split('$');
  if (scheme !== 'scrypt' || !salt || !hash) return false;
  const expected = Buffer.from(hash, 'base64url');
  const key = await scryptAsync(password, Buffer.from(salt, 'base64url'), Number(n), Number(r), Number(p), expected.length);
  return timingSafeEqual(key, expected);
}

/** Hashed once and checked against when the sign-in name is unknown, so both refusals take as long. */
let decoyHash: Promise<string> | undefined;

/** A password a person can type from a console banner: 4-4-4 letters and digits, no 0/O or 1/l. */
export function generatePassword(): string {
  const alphabet = 'abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789';
  const bytes = randomBytes(12);
  const chars = [...bytes].map((b) => alphabet[b % alphabet.length]);
  return [chars.slice(0, 4), chars.slice(4, 8), chars.slice(8, 12)].map((g) => g.join('')).join('-');
}

const signInSchema = z.object({ login: z.string().trim().toLowerCase().min(1, { message: '请输入登录名' }).max(64), password: z.string().min(1, { message: '请输入密码' }).max(1024) });

/**
 * The web sign-in: the user for a sign-in name and password. Every refusal says the same thing,
 * whether the name is unknown, has no password yet, or the password is wrong.
 */
export async function login(db: Db, raw: unknown): Promise<{ actor: Actor; mustChangePassword: boolean }> {
  const input = parse(signInSchema, raw);
  const [u] = await db.select().from(users).where(eq(users.login, input.login));
  if (!u?.passwordHash) {
    await verifyPassword(input.password, await (decoyHash ??= hashPassword(newToken())));
    throw new Unauthenticated('auth.sign_in_failed');
  }
  if (!(await verifyPassword(input.password, u.passwordHash))) throw new Unauthenticated('auth.sign_in_failed');
  return { actor: actorOf(u), mustChangePassword: u.mustChangePassword };
}

const setPasswordSchema = z.object({ password: passwordSchema, login: loginName.optional() });

/**
 * The admin sets (or resets) a user's password, and optionally their sign-in name. The user must
 * choose their own at next sign-in; every web session they had is ended.
 */
export async function setPassword(db: Db, actor: Actor, userId: string, raw: unknown) {
  requireRole(actor, 'directory.manage');
  const input = parse(setPasswordSchema, raw);
  if (!isUuid(userId)) throw new NotFound('not_found.user', { id: userId });
  const passwordHash = await hashPassword(input.password);
  return db.transaction(async (tx) => {
    const [current] = await tx.select().from(users).where(eq(users.id, userId));
    if (!current) throw new NotFound('not_found.user', { id: userId });
    const login = input.login ?? current.login;
    if (!login) throw new ValidationError('invalid.body', [fieldError('login', 'field.login_missing')]);
    const [row] = await uniqueLogin(login, () =>
      tx.update(users).set({ login, passwordHash, mustChangePassword: true }).where(eq(users.id, userId)).returning(),
    );
    await tx.delete(webSessions).where(eq(webSessions.userId, userId));
    return userView(row);
  });
}

const changeOwnSchema = z
  .object({ currentPassword: z.string().min(1, { message: '请输入当前密码' }).max(1024), newPassword: passwordSchema })
  .superRefine((v, ctx) => {
    if (v.currentPassword === v.newPassword) ctx.addIssue({ code: 'custom', path: ['newPassword'], message: '新密码不能与当前密码相同' });
  });

/** A signed-in user replaces their own password; all their web sessions end (the caller opens a new one). */
export async function changeOwnPassword(db: Db, actor: Actor, raw: unknown): Promise<void> {
  const input = parse(changeOwnSchema, raw);
  const [u] = await db.select().from(users).where(eq(users.id, actor.id));
  if (!u?.passwordHash || !(await verifyPassword(input.currentPassword, u.passwordHash))) {
    throw new ValidationError('invalid.body', [fieldError('currentPassword', 'field.current_password')]);
  }
  const passwordHash = await hashPassword(input.newPassword);
  await db.transaction(async (tx) => {
    await tx.update(users).set({ passwordHash, mustChangePassword: false }).where(eq(users.id, actor.id));
    await tx.delete(webSessions).where(eq(webSessions.userId, actor.id));
  });
}

export async function getUser(db: Db, actor: Actor, userId: string) {
  requireRole(actor, 'directory.manage');
  if (!isUuid(userId)) throw new NotFound('not_found.user', { id: userId });
  const [u] = await db.select().from(users).where(eq(users.id, userId));
  if (!u) throw new NotFound('not_found.user', { id: userId });
  return userView(u);
}

// ---------------------------------------------------------------------------------------------
// The first admin

export interface FirstAdmin {
  /** The generated bearer token (absent when ADMIN_TOKEN names it). */
  token?: string;
  /** The web sign-in, set on a database where no admin has a password yet. */
  signIn?: { login: string; password: string };
}

/**
 * The first admin. With ADMIN_TOKEN its holder is an admin (created once); without it, a fresh
 * database gets a generated token. While no admin has a web password, the first admin gets the
 * sign-in name `admin` and a generated password (to be changed at first sign-in). What was
 * generated is returned so the caller can print it this once; null when nothing was.
 */
export async function ensureAdmin(db: Db, adminToken: string | undefined): Promise<FirstAdmin | null> {
  const out: FirstAdmin = {};
  if (adminToken) {
    await db.insert(users).values({ name: '系统管理员', role: 'admin', tokenHash: hashToken(adminToken) }).onConflictDoNothing();
  } else {
    const [anyAdmin] = await db.select({ id: users.id }).from(users).where(eq(users.role, 'admin')).limit(1);
    if (!anyAdmin) {
      out.token = newToken();
      await db.insert(users).values({ name: '系统管理员', role: 'admin', tokenHash: hashToken(out.token) });
    }
  }
  const [withPassword] = await db
    .select({ id: users.id })
    .from(users)
    .where(and(eq(users.role, 'admin'), isNotNull(users.passwordHash)))
    .limit(1);
  if (!withPassword) {
    const [first] = await db.select().from(users).where(eq(users.role, 'admin')).orderBy(asc(users.createdAt), asc(users.id)).limit(1);
    const [taken] = await db.select({ id: users.id }).from(users).where(eq(users.login, 'admin'));
    const login = first.login ?? (taken ? `admin-${randomBytes(3).toString('hex')}` : 'admin');
    const password = generatePassword();
    // Several processes may start at once on one server: only the one whose update lands prints.
    const [set] = await db
      .update(users)
      .set({ login, passwordHash: await hashPassword(password), mustChangePassword: true })
      .where(and(eq(users.id, first.id), sql`${users.passwordHash} is null`))
      .returning({ id: users.id });
    if (set) out.signIn = { login, password };
  }
  return out.token || out.signIn ? out : null;
}
