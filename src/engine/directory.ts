/**
 * The directory: stations, deputies and users, and bearer-token authentication. Each mutation is
 * a verb that parses its input, checks the caller's role and writes in one statement.
 */
import { hash, randomBytes, scrypt, timingSafeEqual } from 'node:crypto';
import { and, asc, eq, isNotNull, ne, sql } from 'drizzle-orm';
import { z } from 'zod';
import { dictionary } from '@zxcvbn-ts/language-common';
import { optionalText, phoneNumber, text } from '../machines/fields.js';
import { can, rolesFor, seesDeputyPhone, type Action } from '../machines/policy.js';
import { ROLES, type Actor } from '../machines/roles.js';
import { isoOf, type Db } from '../db/client.js';
import { deputies, stations, users, webSessions } from '../db/schema.js';
import { recordAudit, type RequestMeta } from './audit.js';
import { Conflict, fieldError, Forbidden, NotFound, parseBody, schemaField, Unauthenticated, ValidationError, sqlState } from './errors.js';
import { isUuid } from './stores.js';
import { WHOLE_LIST } from './views.js';
import { maskPhone } from '../machines/policy.js';
import type { Idempotency } from './write/types.js';
import { onceInTransaction, type Once } from './write/idempotency.js';

export const STATION_KINDS = ['court', 'street', 'town', 'village'] as const;
export const DEPUTY_LEVELS = ['national', 'provincial', 'municipal', 'county', 'township'] as const;

function requireRole(actor: Actor, action: Action) {
  if (!can(actor, action)) throw new Forbidden('forbidden.role', { roles: rolesFor(action) });
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
  // 热线联, and what the station's printed card (编号赋码印卡) and public page show.
  hotline: z
    .string()
    .trim()
    .regex(/^[0-9][0-9\- ]{2,19}$/, { message: '热线电话格式不正确，例如 0451-57301234 或 12345' })
    .optional(),
  address: optionalText(200),
  deputiesOnDuty: z
    .array(z.object({ name: text(50), schedule: optionalText(100) }))
    .max(30)
    .default([]),
});

export function stationView(s: typeof stations.$inferSelect) {
  return {
    code: s.code,
    name: s.name,
    kind: s.kind,
    district: s.district,
    // Optional: shown only when set, so a station without them reads as it always has.
    ...(s.hotline ? { hotline: s.hotline } : {}),
    ...(s.address ? { address: s.address } : {}),
    ...(s.deputiesOnDuty.length ? { deputiesOnDuty: s.deputiesOnDuty.map((d) => ({ name: d.name, ...(d.schedule ? { schedule: d.schedule } : {}) })) } : {}),
    // Like the optional fields: a station in use reads as it always has; a retired one says so.
    ...(s.active ? {} : { active: false as const }),
    createdAt: isoOf(s.createdAt),
  };
}

/** A station as its card and public page show it: every field, the optional ones empty when unset. */
export function publicStation(s: ReturnType<typeof stationView>) {
  return { ...s, hotline: s.hotline ?? null, address: s.address ?? null, deputiesOnDuty: s.deputiesOnDuty ?? [] };
}

export async function createStation(db: Db, actor: Actor, raw: unknown, meta: RequestMeta = {}) {
  return (await createStationOnce(db, actor, raw, meta)).body as ReturnType<typeof stationView>;
}

/**
 * `createStation` under an Idempotency-Key (DESIGN.md §5): a repeat answers the first station,
 * not a 409 for its own code; another body under the key is a 422.
 */
export async function createStationOnce(db: Db, actor: Actor, raw: unknown, meta: RequestMeta = {}, idempotency?: Idempotency) {
  requireRole(actor, 'directory.manage');
  const input = parseBody(stationSchema, raw);
  return onceInTransaction(db, actor, idempotency, async (tx) => {
    const [row] = await tx.insert(stations).values({ ...input, hotline: input.hotline || null, address: input.address || null }).onConflictDoNothing().returning();
    if (!row) throw new Conflict('conflict.station_code', { code: input.code }, { field: 'code' });
    await recordAudit(tx, { action: 'station.create', actor, target: { type: 'station', id: row.code }, detail: { name: row.name, kind: row.kind, district: row.district }, meta });
    return stationView(row);
  });
}

export async function listStations(db: Db) {
  const rows = await db.select().from(stations).orderBy(asc(stations.code));
  return { items: rows.map(stationView), ...WHOLE_LIST };
}

/** One station, or undefined. */
export async function getStation(db: Db, code: string) {
  const [row] = await db.select().from(stations).where(eq(stations.code, code));
  return row ? publicStation(stationView(row)) : undefined;
}

export async function stationExists(db: Db, code: string): Promise<boolean> {
  const [row] = await db.select({ code: stations.code }).from(stations).where(eq(stations.code, code));
  return !!row;
}

/** What PATCH /api/stations/:code may change: every field but the code (cases are numbered by it), and `active`. */
export const stationPatchSchema = stationSchema
  .omit({ code: true })
  .extend({ hotline: stationSchema.shape.hotline.or(z.literal('')), address: optionalText(200), active: z.boolean({ message: '须为 true 或 false' }) })
  .partial()
  .strict();

/**
 * Edit a station or retire it (`active: false`), by those who may create one; what changed is
 * audited (`station.update`) with who and when, in the same transaction.
 */
export async function updateStation(db: Db, actor: Actor, code: string, raw: unknown, meta: RequestMeta = {}) {
  requireRole(actor, 'station.update');
  const input = parseBody(stationPatchSchema, raw);
  return db.transaction(async (tx) => {
    const [current] = await tx.select().from(stations).where(eq(stations.code, code)).for('update');
    if (!current) throw new NotFound('not_found.station', { code });
    const next = {
      name: input.name ?? current.name,
      kind: input.kind ?? current.kind,
      district: input.district ?? current.district,
      hotline: input.hotline === undefined ? current.hotline : input.hotline || null,
      address: input.address === undefined ? current.address : input.address || null,
      deputiesOnDuty: input.deputiesOnDuty ?? current.deputiesOnDuty,
      active: input.active ?? current.active,
    };
    const detail = changes(current, next);
    const [row] = await tx.update(stations).set(next).where(eq(stations.code, code)).returning();
    if (Object.keys(detail).length) await recordAudit(tx, { action: 'station.update', actor, target: { type: 'station', id: code }, detail, meta });
    return stationView(row);
  });
}

/** `{field: {from, to}}` for each field whose value changes (compared as JSON: arrays too). */
function changes<T extends Record<string, unknown>>(current: T, next: Partial<T>): Record<string, { from: unknown; to: unknown }> {
  const out: Record<string, { from: unknown; to: unknown }> = {};
  for (const [k, v] of Object.entries(next)) {
    if (JSON.stringify(v ?? null) !== JSON.stringify(current[k] ?? null)) out[k] = { from: current[k] ?? null, to: v ?? null };
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Deputies

export const deputySchema = z.object({
  name: text(100),
  level: z.enum(DEPUTY_LEVELS),
  stationCode: text(32),
  expertise: z.array(text(50)).max(20).default([]),
  phone: phoneNumber.optional(),
  note: optionalText(500),
  /** A second deputy of the same name at the same station is meant, not a double entry (issue 15 §4). */
  confirmDuplicate: z.boolean().optional(),
});

/** What PATCH /api/deputies/:id may change, and `active: false` to retire the deputy. */
export const deputyPatchSchema = z
  .object({
    name: text(100),
    level: z.enum(DEPUTY_LEVELS),
    stationCode: text(32),
    expertise: z.array(text(50)).max(20),
    phone: phoneNumber.or(z.literal('')),
    active: z.boolean({ message: '须为 true 或 false' }),
    confirmDuplicate: z.boolean(),
  })
  .partial()
  .strict();

function deputyView(d: typeof deputies.$inferSelect) {
  return {
    id: d.id,
    name: d.name,
    level: d.level,
    stationCode: d.stationCode,
    expertise: d.expertise,
    phone: d.phone,
    ...(d.externalRef ? { externalRef: d.externalRef } : {}),
    ...(d.active ? {} : { active: false as const }),
    createdAt: isoOf(d.createdAt),
  };
}

/** `externalRef`: the deputy's number in the register an import read (DESIGN.md §14), unique. */
export async function createDeputy(db: Db, actor: Actor, raw: unknown, meta: RequestMeta = {}, opts: { externalRef?: string } = {}) {
  return (await createDeputyOnce(db, actor, raw, meta, opts)).body as ReturnType<typeof deputyView>;
}

/**
 * The record of a deputy's creation keeps no phone (DESIGN.md §10: a deputy's phone lives only in
 * `deputies`); a replay reads it there again.
 */
const DEPUTY_REPLAY = { key: 'phone', keep: () => null };

/**
 * `createDeputy` under an Idempotency-Key (DESIGN.md §5): a repeat answers the first deputy, not a
 * 409 for the namesake it just made; another body under the key is a 422.
 */
export async function createDeputyOnce(db: Db, actor: Actor, raw: unknown, meta: RequestMeta = {}, opts: { externalRef?: string; idempotency?: Idempotency } = {}): Promise<Once<ReturnType<typeof deputyView>>> {
  requireRole(actor, 'directory.manage');
  const input = parseBody(deputySchema, raw);
  if (!(await stationExists(db, input.stationCode))) {
    throw new ValidationError('invalid.body', [fieldError('stationCode', 'field.station_unknown', { code: input.stationCode })]);
  }
  const result = await onceInTransaction(db, actor, opts.idempotency, async (tx) => {
    // A register row (an import) is told apart by its own number; a typed entry must say so.
    if (!opts.externalRef && !input.confirmDuplicate) await refuseDuplicateDeputy(tx, input.name, input.stationCode);
    const [row] = await tx
      .insert(deputies)
      .values({ name: input.name, level: input.level, stationCode: input.stationCode, expertise: input.expertise, phone: input.phone ?? null, externalRef: opts.externalRef ?? null })
      .onConflictDoNothing({ target: deputies.externalRef })
      .returning();
    if (!row) throw new Conflict('conflict.external_ref', { ref: opts.externalRef }, { field: 'externalRef' });
    // The deputy's phone is personal data: not in the audit row.
    await recordAudit(tx, { action: 'deputy.create', actor, target: { type: 'deputy', id: row.id }, detail: { level: row.level, stationCode: row.stationCode }, meta });
    return deputyView(row);
  }, { answerForReplay: DEPUTY_REPLAY });
  if (!result.replayed) return result;
  const kept = result.body as ReturnType<typeof deputyView>;
  const [now] = isUuid(kept?.id) ? await db.select({ phone: deputies.phone }).from(deputies).where(eq(deputies.id, kept.id)) : [];
  return { ...result, body: { ...kept, phone: now?.phone ?? null } };
}

/**
 * 409 when an active deputy of this name already sits at this station (other than `except`):
 * two 王丽 at one station are told apart by level and phone, and entering a second one is asked
 * for explicitly (`confirmDuplicate: true`), so a double entry is not made by mistake.
 */
async function refuseDuplicateDeputy(tx: Db, name: string, stationCode: string, except?: string) {
  const same = await tx
    .select({ id: deputies.id, level: deputies.level, phone: deputies.phone })
    .from(deputies)
    .where(and(eq(deputies.name, name), eq(deputies.stationCode, stationCode), eq(deputies.active, true), except ? ne(deputies.id, except) : undefined));
  if (same.length) {
    throw new Conflict('conflict.deputy_duplicate', { name, stationCode, count: same.length }, { field: 'name', duplicates: same.map((d) => d.id) });
  }
}

/**
 * Edit a deputy or retire them (`active: false`), by those who may create one. Audited as
 * `deputy.update` with what changed — but never the phone's value (personal data, DESIGN §10):
 * only that it changed.
 */
export async function updateDeputy(db: Db, actor: Actor, id: string, raw: unknown, meta: RequestMeta = {}) {
  requireRole(actor, 'deputy.update');
  const input = parseBody(deputyPatchSchema, raw);
  if (!isUuid(id)) throw new NotFound('not_found.deputy', { id });
  return db.transaction(async (tx) => {
    const [current] = await tx.select().from(deputies).where(eq(deputies.id, id)).for('update');
    if (!current) throw new NotFound('not_found.deputy', { id });
    if (input.stationCode && input.stationCode !== current.stationCode && !(await stationExists(tx, input.stationCode))) {
      throw new ValidationError('invalid.body', [fieldError('stationCode', 'field.station_unknown', { code: input.stationCode })]);
    }
    const next = {
      name: input.name ?? current.name,
      level: input.level ?? current.level,
      stationCode: input.stationCode ?? current.stationCode,
      expertise: input.expertise ?? current.expertise,
      phone: input.phone === undefined ? current.phone : input.phone || null,
      active: input.active ?? current.active,
    };
    const renamedOrMoved = next.name !== current.name || next.stationCode !== current.stationCode || (next.active && !current.active);
    if (renamedOrMoved && next.active && !input.confirmDuplicate) await refuseDuplicateDeputy(tx, next.name, next.stationCode, id);
    const detail = changes(current, next);
    if (detail.phone) detail.phone = { from: current.phone ? '***' : null, to: next.phone ? '***' : null };
    const [row] = await tx.update(deputies).set(next).where(eq(deputies.id, id)).returning();
    if (Object.keys(detail).length) await recordAudit(tx, { action: 'deputy.update', actor, target: { type: 'deputy', id }, detail, meta });
    return deputyView(row);
  });
}

/** One deputy as the admin's pages show it (the phone in full), or undefined. */
export async function getDeputy(db: Db, id: string) {
  if (!isUuid(id)) return undefined;
  const [row] = await db.select().from(deputies).where(eq(deputies.id, id));
  return row ? deputyView(row) : undefined;
}

/** The directory's deputies, each phone as `reader` may see it (DESIGN §10: in full to admin, court and that deputy only). */
export async function listDeputies(db: Db, reader: Actor, stationCode?: string) {
  const rows = await db
    .select()
    .from(deputies)
    .where(stationCode ? eq(deputies.stationCode, stationCode) : undefined)
    .orderBy(asc(deputies.stationCode), asc(deputies.name));
  return {
    items: rows.map((d) => {
      const v = deputyView(d);
      return v.phone && !seesDeputyPhone(reader, d.id) ? { ...v, phone: maskPhone(v.phone) } : v;
    }),
    ...WHOLE_LIST,
  };
}

// ---------------------------------------------------------------------------------------------
// Users and tokens

/** A web sign-in name: kept lower-case so 'LiSJY' and 'lisjy' are one name. */
export const loginName = z
  .string()
  .trim()
  .toLowerCase()
  .regex(/^[a-z0-9][a-z0-9._-]{1,31}$/, { message: '登录名须为 2–32 位字母、数字、.、_ 或 -，以字母或数字开头' });

/** The 10,000 most common passwords, lower-cased (zxcvbn-ts's ranked list, most common first). */
let common: Set<string> | undefined;
export function isCommonPassword(password: string): boolean {
  common ??= new Set(dictionary['passwords-common'].slice(0, 10_000).map((p) => p.toLowerCase()));
  return common.has(password.normalize('NFKC').toLowerCase());
}

/** DESIGN.md §10: at least 12 characters, not among the 10,000 most common. */
export const MIN_PASSWORD_LENGTH = 12;
export const passwordSchema = z
  .string()
  .min(MIN_PASSWORD_LENGTH, { message: `密码至少 ${MIN_PASSWORD_LENGTH} 个字符` })
  .max(128, { message: '密码不能超过 128 个字符' })
  .refine((p) => !isCommonPassword(p), { message: '这个密码太常见，容易被猜中，请换一个' });

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
  // One-shot (every request hashes its token): no Hash object, the same hex as createHash's.
  return hash('sha256', token, 'hex');
}

/** A user as the API shows it: never the token's or the password's hash, only whether a password is set. */
function userView({ id, name, role, stationCode, deputyId, login, active, passwordHash, mustChangePassword, createdAt }: typeof users.$inferSelect) {
  return { id, name, role, stationCode, deputyId, login, active, hasPassword: passwordHash !== null, mustChangePassword, createdAt: isoOf(createdAt) };
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
export async function createUser(db: Db, actor: Actor, raw: unknown, meta: RequestMeta = {}) {
  return (await createUserOnce(db, actor, raw, meta)).body as ReturnType<typeof userView> & { token: string };
}

/**
 * A record of a user's creation or of a new token keeps no token: only its hash is stored anywhere
 * (DESIGN.md §10). A replay answers `token: null`; the token was in the first answer only.
 */
const TOKEN_REPLAY = { key: 'token', keep: () => null };

/**
 * `createUser` under an Idempotency-Key (DESIGN.md §5): a client's retry does not make a second
 * account; it is answered the first user with `token: null` (TOKEN_REPLAY).
 */
export async function createUserOnce(db: Db, actor: Actor, raw: unknown, meta: RequestMeta = {}, idempotency?: Idempotency) {
  requireRole(actor, 'directory.manage');
  const input = parseBody(userSchema, raw);
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
  return onceInTransaction(
    db,
    actor,
    idempotency,
    async (tx) => {
      // Only the user's own insert: a taken key is the idempotency record's 23505, not a taken login.
      const [row] = await uniqueLogin(input.login, () =>
        tx
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
      await recordAudit(tx, {
        action: 'user.create',
        actor,
        target: { type: 'user', id: row.id },
        detail: { role: row.role, stationCode: row.stationCode, deputyId: row.deputyId, login: row.login, password: passwordHash !== null },
        meta,
      });
      return { ...userView(row), token };
    },
    { answerForReplay: TOKEN_REPLAY },
  );
}

export async function listUsers(db: Db, actor: Actor) {
  requireRole(actor, 'directory.manage');
  const rows = await db.select().from(users).orderBy(asc(users.createdAt));
  return { items: rows.map(userView), ...WHOLE_LIST };
}

function actorOf(u: typeof users.$inferSelect): Actor {
  return { id: u.id, role: u.role as Actor['role'], name: u.name, stationCode: u.stationCode, deputyId: u.deputyId };
}

/**
 * Tokens recently seen valid, by hash, so a busy client does not cost a query per request. Only
 * successes are kept, for `ttlMs`: a token revoked (new token, deactivation, role change) in
 * another process is accepted here at most that long; the process that revokes forgets at once.
 */
export interface TokenCache {
  get(hash: string, now: number): Actor | undefined;
  set(hash: string, actor: Actor, now: number): void;
  forget(hash: string): void;
  /** Drops every entry of this user (deactivated, changed or given a new token in this process). */
  forgetUser(userId: string): void;
}

/**
 * Deactivation and a new token take effect in other processes within this (DESIGN.md §10: 5 s);
 * in the process that made the change at once (`forgetUser`).
 */
export const TOKEN_CACHE_MS = 2_000;

export function createTokenCache(ttlMs = TOKEN_CACHE_MS, maxEntries = 10_000): TokenCache {
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
    forgetUser(userId) {
      for (const [hash, e] of entries) if (e.actor.id === userId) entries.delete(hash);
    },
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
  if (!u.active) throw new Unauthenticated('auth.inactive');
  const actor = actorOf(u);
  cache?.set(hash, actor, now);
  return actor;
}

// ---------------------------------------------------------------------------------------------
// Passwords for the web sign-in: scrypt, stored as `scrypt$N$r$p$salt$hash` (base64url)

/**
 * N = 2^15 (was 2^14 until December 2026): about 100 ms and 32 MiB per hash. A stored hash with
 * weaker parameters is replaced at the user's next successful sign-in (`needsRehash`).
 */
export const SCRYPT = { N: 32768, r: 8, p: 1, keyLen: 32 };

function scryptAsync(password: string, salt: Buffer, N: number, r: number, p: number, keyLen: number): Promise<Buffer> {
  return new Promise((resolve, reject) =>
    scrypt(password.normalize('NFKC'), salt, keyLen, { N, r, p, maxmem: 256 * N * r }, (err, key) => (err ? reject(err) : resolve(key))),
  );
}

/** @example await hashPassword('correct horse battery') // 'scrypt$32768$8$1$…$…' */
export async function hashPassword(password: string, params = SCRYPT): Promise<string> {
  const salt = randomBytes(16);
  const key = await scryptAsync(password, salt, params.N, params.r, params.p, params.keyLen);
  return ['scrypt', params.N, params.r, params.p, salt.toString('base64url'), key.toString('base64url')].join('$');
}

export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const [scheme, n, r, p, salt, hash] = stored.split('$');
  if (scheme !== 'scrypt' || !salt || !hash) return false;
  const expected = Buffer.from(hash, 'base64url');
  const key = await scryptAsync(password, Buffer.from(salt, 'base64url'), Number(n), Number(r), Number(p), expected.length);
  return timingSafeEqual(key, expected);
}

/** A stored hash made with weaker parameters than today's. */
export function needsRehash(stored: string): boolean {
  const [scheme, n, r, p] = stored.split('$');
  return scheme !== 'scrypt' || Number(n) < SCRYPT.N || Number(r) < SCRYPT.r || Number(p) < SCRYPT.p;
}

/** A password a person can type from a console banner: 4-4-4 letters and digits, no 0/O or 1/l. */
export function generatePassword(): string {
  const alphabet = 'abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789';
  const bytes = randomBytes(12);
  const chars = [...bytes].map((b) => alphabet[b % alphabet.length]);
  return [chars.slice(0, 4), chars.slice(4, 8), chars.slice(8, 12)].map((g) => g.join('')).join('-');
}

export function actorOfUser(u: typeof users.$inferSelect): Actor {
  return actorOf(u);
}

const setPasswordSchema = z.object({ password: passwordSchema, login: loginName.optional() });

/**
 * The admin sets (or resets) a user's password, and optionally their sign-in name. The user must
 * choose their own at next sign-in; every web session they had is ended.
 */
export async function setPassword(db: Db, actor: Actor, userId: string, raw: unknown, meta: RequestMeta = {}) {
  requireRole(actor, 'directory.manage');
  const input = parseBody(setPasswordSchema, raw);
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
    await recordAudit(tx, { action: 'user.password', actor, target: { type: 'user', id: userId }, detail: { by: 'admin', login }, meta });
    return userView(row);
  });
}

const changeOwnSchema = z
  .object({ currentPassword: z.string().min(1, { message: '请输入当前密码' }).max(1024), newPassword: passwordSchema })
  .superRefine((v, ctx) => {
    if (v.currentPassword === v.newPassword) ctx.addIssue({ code: 'custom', path: ['newPassword'], message: '新密码不能与当前密码相同' });
  });

/** A signed-in user replaces their own password; all their web sessions end (the caller opens a new one). */
export async function changeOwnPassword(db: Db, actor: Actor, raw: unknown, meta: RequestMeta = {}): Promise<void> {
  const input = parseBody(changeOwnSchema, raw);
  const [u] = await db.select().from(users).where(eq(users.id, actor.id));
  if (!u?.passwordHash || !(await verifyPassword(input.currentPassword, u.passwordHash))) {
    throw new ValidationError('invalid.body', [fieldError('currentPassword', 'field.current_password')]);
  }
  const passwordHash = await hashPassword(input.newPassword);
  await db.transaction(async (tx) => {
    await tx.update(users).set({ passwordHash, mustChangePassword: false }).where(eq(users.id, actor.id));
    await tx.delete(webSessions).where(eq(webSessions.userId, actor.id));
    await recordAudit(tx, { action: 'user.password', actor, target: { type: 'user', id: actor.id }, detail: { by: 'self' }, meta });
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
// The user life cycle (DESIGN.md §10): update, deactivate / reactivate, a new token

export const userPatchSchema = z
  .object({
    name: text(100).optional(),
    role: z.enum(ROLES).optional(),
    stationCode: z.string().trim().min(1).nullable().optional(),
    deputyId: z.string().trim().min(1).nullable().optional(),
    active: z.boolean({ message: '须为 true 或 false' }).optional(),
  })
  .strict();

/**
 * Changes a user. `active: false` switches the user off at once: their token is refused and every
 * web session ends (other API processes: within TOKEN_CACHE_MS). The last active admin can be
 * neither switched off nor given another role — nobody could manage the directory after that.
 */
export async function updateUser(db: Db, actor: Actor, userId: string, raw: unknown, meta: RequestMeta = {}) {
  requireRole(actor, 'directory.manage');
  const input = parseBody(userPatchSchema, raw);
  if (!isUuid(userId)) throw new NotFound('not_found.user', { id: userId });
  return db.transaction(async (tx) => {
    const [current] = await tx.select().from(users).where(eq(users.id, userId)).for('update');
    if (!current) throw new NotFound('not_found.user', { id: userId });
    const role = input.role ?? (current.role as (typeof ROLES)[number]);
    // A role without a station or deputy drops the link it no longer takes (unless one is sent: a 400 below).
    const stationCode = input.stationCode !== undefined ? input.stationCode : role === 'station' ? current.stationCode : null;
    const deputyId = input.deputyId !== undefined ? input.deputyId : role === 'deputy' ? current.deputyId : null;
    const errors = [];
    if (role === 'station' && !stationCode) errors.push(schemaField('stationCode', '联络站工作人员须指定所属站点'));
    if (role === 'deputy' && !deputyId) errors.push(schemaField('deputyId', '代表用户须关联代表记录'));
    if (stationCode && role !== 'station') errors.push(schemaField('stationCode', '只有联络站工作人员可以指定站点'));
    if (deputyId && role !== 'deputy') errors.push(schemaField('deputyId', '只有代表用户可以关联代表记录'));
    if (deputyId && !isUuid(deputyId)) errors.push(fieldError('deputyId', 'field.deputy_unknown', { id: deputyId }));
    if (errors.length) throw new ValidationError('invalid.body', errors);
    if (stationCode && stationCode !== current.stationCode && !(await stationExists(tx, stationCode))) {
      throw new ValidationError('invalid.body', [fieldError('stationCode', 'field.station_unknown', { code: stationCode })]);
    }
    if (deputyId && deputyId !== current.deputyId) {
      const [d] = await tx.select({ id: deputies.id }).from(deputies).where(eq(deputies.id, deputyId));
      if (!d) throw new ValidationError('invalid.body', [fieldError('deputyId', 'field.deputy_unknown', { id: deputyId })]);
    }
    const active = input.active ?? current.active;
    if (current.role === 'admin' && current.active && (role !== 'admin' || !active)) {
      const [other] = await tx
        .select({ id: users.id })
        .from(users)
        .where(and(eq(users.role, 'admin'), eq(users.active, true), ne(users.id, userId)))
        .limit(1)
        .for('update');
      if (!other) throw new Conflict('conflict.last_admin', {}, { field: input.active === false ? 'active' : 'role' });
    }
    const next = { name: input.name ?? current.name, role, stationCode, deputyId, active };
    const changed = (Object.keys(next) as (keyof typeof next)[]).filter((k) => k !== 'active' && next[k] !== current[k]);
    const [row] = await tx.update(users).set(next).where(eq(users.id, userId)).returning();
    const target = { type: 'user', id: userId };
    if (changed.length) {
      const detail = Object.fromEntries(changed.map((k) => [k, { from: current[k], to: next[k] }]));
      await recordAudit(tx, { action: 'user.update', actor, target, detail, meta });
    }
    if (active !== current.active) {
      // Switched off: every web session ends now (the session check reads `active` too).
      if (!active) await tx.delete(webSessions).where(eq(webSessions.userId, userId));
      await recordAudit(tx, { action: active ? 'user.activate' : 'user.deactivate', actor, target, meta });
    }
    return userView(row);
  });
}

/**
 * A new bearer token for a user (the admin for anyone, a user for themselves): every earlier
 * token of theirs is refused from now on — only the new one's hash is kept.
 */
export async function rotateToken(db: Db, actor: Actor, userId: string, meta: RequestMeta = {}): Promise<{ token: string }> {
  return (await rotateTokenOnce(db, actor, userId, meta)).body as { token: string };
}

/**
 * `rotateToken` under an Idempotency-Key: a retry does not replace the token the first request
 * made (which its client may hold by now); it is answered `token: null` (TOKEN_REPLAY).
 */
export async function rotateTokenOnce(db: Db, actor: Actor, userId: string, meta: RequestMeta = {}, idempotency?: Idempotency) {
  if (!can(actor, 'directory.manage') && actor.id !== userId) throw new Forbidden('forbidden.token_other');
  if (!isUuid(userId)) throw new NotFound('not_found.user', { id: userId });
  const token = newToken();
  return onceInTransaction(
    db,
    actor,
    idempotency,
    async (tx) => {
      const [row] = await tx.update(users).set({ tokenHash: hashToken(token) }).where(eq(users.id, userId)).returning({ id: users.id });
      if (!row) throw new NotFound('not_found.user', { id: userId });
      await recordAudit(tx, { action: 'user.token', actor, target: { type: 'user', id: userId }, detail: { by: actor.id === userId ? 'self' : 'admin' }, meta });
      return { token };
    },
    { answerForReplay: TOKEN_REPLAY },
  );
}

// ---------------------------------------------------------------------------------------------
// The first admin

export interface FirstAdmin {
  /** The generated bearer token (absent when ADMIN_TOKEN names it). */
  token?: string;
  /** The web sign-in, set on a database where no admin has a password yet. */
  signIn?: { login: string; password: string };
}

/** The server itself, as the actor of what it does at start. */
const SYSTEM: Actor = { id: 'system', role: 'system', name: '系统' };

/**
 * The first admin. With ADMIN_TOKEN, the bootstrap admin's one token is that token: created once,
 * and a different ADMIN_TOKEN at a later start replaces the earlier one (which is refused from
 * then on). Without it, a fresh database gets a generated token. While no admin has a web
 * password, the first admin gets the sign-in name `admin` and a generated password (to be
 * changed at first sign-in). What was generated is returned so the caller can print it this
 * once; null when nothing was.
 */
export async function ensureAdmin(db: Db, adminToken: string | undefined): Promise<FirstAdmin | null> {
  if (adminToken !== undefined && adminToken.length < 16) throw new Error('ADMIN_TOKEN must be at least 16 characters');
  const out: FirstAdmin = {};
  const [boot] = await db.select().from(users).where(eq(users.bootstrap, true)).limit(1);
  if (adminToken) {
    const tokenHash = hashToken(adminToken);
    if (!boot) {
      const [made] = await db.insert(users).values({ name: '系统管理员', role: 'admin', tokenHash, bootstrap: true }).onConflictDoNothing().returning({ id: users.id });
      // Another process starting at the same moment made it: nothing to do.
      if (made) await recordAudit(db, { action: 'user.create', actor: SYSTEM, target: { type: 'user', id: made.id }, detail: { role: 'admin', bootstrap: true } });
    } else if (boot.tokenHash !== tokenHash) {
      await db.transaction(async (tx) => {
        const [changed] = await tx
          .update(users)
          .set({ tokenHash })
          .where(and(eq(users.id, boot.id), ne(users.tokenHash, tokenHash)))
          .returning({ id: users.id });
        if (changed) await recordAudit(tx, { action: 'user.token', actor: SYSTEM, target: { type: 'user', id: boot.id }, detail: { by: 'ADMIN_TOKEN' } });
      });
    }
  } else if (!boot) {
    const [anyAdmin] = await db.select({ id: users.id }).from(users).where(eq(users.role, 'admin')).limit(1);
    if (!anyAdmin) {
      out.token = newToken();
      await db.transaction(async (tx) => {
        const [made] = await tx.insert(users).values({ name: '系统管理员', role: 'admin', tokenHash: hashToken(out.token!), bootstrap: true }).returning({ id: users.id });
        await recordAudit(tx, { action: 'user.create', actor: SYSTEM, target: { type: 'user', id: made.id }, detail: { role: 'admin', bootstrap: true } });
      });
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
