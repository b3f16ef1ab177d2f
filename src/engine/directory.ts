/**
 * The directory: stations, deputies and users, and bearer-token authentication. Each mutation is
 * a verb that parses its input, checks the caller's role and writes in one statement.
 */
import { createHash, randomBytes } from 'node:crypto';
import { asc, eq } from 'drizzle-orm';
import { z } from 'zod';
import { optionalText, text } from '../machines/fields.js';
import { ROLES, type Actor } from '../machines/roles.js';
import type { Db } from '../db/client.js';
import { deputies, stations, users } from '../db/schema.js';
import { fieldErrors, isoOf } from './apply.js';
import { Conflict, Forbidden, Unauthenticated, ValidationError } from './errors.js';
import { isUuid } from './stores.js';

export const STATION_KINDS = ['court', 'street', 'town', 'village'] as const;
export const DEPUTY_LEVELS = ['national', 'provincial', 'municipal', 'county', 'township'] as const;

function requireRole(actor: Actor, ...roles: Actor['role'][]) {
  if (!roles.includes(actor.role)) throw new Forbidden(`此操作仅限 ${roles.join('、')} 角色`);
}

function parse<T extends z.ZodType>(schema: T, raw: unknown): z.output<T> {
  const r = schema.safeParse(raw ?? {});
  if (!r.success) throw new ValidationError('请求内容有误', fieldErrors(r.error));
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
  requireRole(actor, 'admin');
  const input = parse(stationSchema, raw);
  const [row] = await db.insert(stations).values(input).onConflictDoNothing().returning();
  if (!row) throw new Conflict(`站点代码 ${input.code} 已存在`, { field: 'code' });
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
  requireRole(actor, 'admin');
  const input = parse(deputySchema, raw);
  if (!(await stationExists(db, input.stationCode))) {
    throw new ValidationError('请求内容有误', [{ field: 'stationCode', message: `联络站 ${input.stationCode} 不存在` }]);
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

export const userSchema = z
  .object({
    name: text(100),
    role: z.enum(ROLES),
    stationCode: z.string().trim().min(1).optional(),
    deputyId: z.string().trim().optional(),
  })
  .superRefine((v, ctx) => {
    if (v.role === 'station' && !v.stationCode) ctx.addIssue({ code: 'custom', path: ['stationCode'], message: '联络站工作人员须指定所属站点' });
    if (v.role === 'deputy' && !v.deputyId) ctx.addIssue({ code: 'custom', path: ['deputyId'], message: '代表用户须关联代表记录' });
    if (v.deputyId && v.role !== 'deputy') ctx.addIssue({ code: 'custom', path: ['deputyId'], message: '只有代表用户可以关联代表记录' });
    if (v.deputyId && !isUuid(v.deputyId)) ctx.addIssue({ code: 'custom', path: ['deputyId'], message: '代表不存在' });
  });

export function newToken(): string {
  return `jf_${randomBytes(32).toString('base64url')}`;
}

export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

function userView(u: typeof users.$inferSelect) {
  return { id: u.id, name: u.name, role: u.role, stationCode: u.stationCode, deputyId: u.deputyId, createdAt: isoOf(u.createdAt) };
}

/** Creates a user and returns its token, shown this once (only its hash is kept). */
export async function createUser(db: Db, actor: Actor, raw: unknown) {
  requireRole(actor, 'admin');
  const input = parse(userSchema, raw);
  if (input.stationCode && !(await stationExists(db, input.stationCode))) {
    throw new ValidationError('请求内容有误', [{ field: 'stationCode', message: `联络站 ${input.stationCode} 不存在` }]);
  }
  if (input.deputyId) {
    const [d] = await db.select({ id: deputies.id }).from(deputies).where(eq(deputies.id, input.deputyId));
    if (!d) throw new ValidationError('请求内容有误', [{ field: 'deputyId', message: `代表 ${input.deputyId} 不存在` }]);
  }
  const token = newToken();
  const [row] = await db
    .insert(users)
    .values({
      name: input.name,
      role: input.role,
      stationCode: input.role === 'station' ? input.stationCode! : null,
      deputyId: input.deputyId ?? null,
      tokenHash: hashToken(token),
    })
    .returning();
  return { ...userView(row), token };
}

export async function listUsers(db: Db, actor: Actor) {
  requireRole(actor, 'admin');
  const rows = await db.select().from(users).orderBy(asc(users.createdAt));
  return { items: rows.map(userView) };
}

export async function authenticate(db: Db, token: string | undefined): Promise<Actor> {
  if (!token) throw new Unauthenticated('缺少访问令牌：请在 Authorization 头中提供 Bearer 令牌');
  const [u] = await db.select().from(users).where(eq(users.tokenHash, hashToken(token)));
  if (!u) throw new Unauthenticated('访问令牌无效');
  return { id: u.id, role: u.role as Actor['role'], name: u.name, stationCode: u.stationCode, deputyId: u.deputyId };
}

/**
 * The first admin. With ADMIN_TOKEN its holder is an admin (created once); without it, a fresh
 * database gets a generated token, returned so the caller can print it this once.
 */
export async function ensureAdmin(db: Db, adminToken: string | undefined): Promise<string | null> {
  if (adminToken) {
    await db.insert(users).values({ name: '系统管理员', role: 'admin', tokenHash: hashToken(adminToken) }).onConflictDoNothing();
    return null;
  }
  const [anyAdmin] = await db.select({ id: users.id }).from(users).where(eq(users.role, 'admin')).limit(1);
  if (anyAdmin) return null;
  const token = newToken();
  await db.insert(users).values({ name: '系统管理员', role: 'admin', tokenHash: hashToken(token) });
  return token;
}
