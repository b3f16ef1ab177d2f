/**
 * The audit log (DESIGN.md §10): who did what to whom, when, from where. `recordAudit` is called
 * inside the transaction of the act it records, so there is no act without its row and no row
 * without its act. The table is append-only (a trigger refuses UPDATE and DELETE).
 */
import { and, desc, eq, gte, inArray, lt, lte, sql, type SQL } from 'drizzle-orm';
import { z } from 'zod';
import type { Actor } from '../machines/roles.js';
import { isValidDate } from '../machines/calendar.js';
import { DATE_OR_INSTANT_MESSAGE } from '../machines/fields.js';
import { can, changeHistoryRefusal, rolesFor, type ChangeTarget } from '../machines/policy.js';
import type { Db } from '../db/client.js';
import { accessLog, auditLog, cases, deputies, stations, users } from '../db/schema.js';
import { Forbidden, ValidationError } from './errors.js';
import { isUuid } from './stores.js';
import { isoOf } from '../db/client.js';
import { fieldErrors } from './errors.js';

/** Every action the log knows (DESIGN.md §10). Other modules add rows with these names only. */
export const AUDIT_ACTIONS = [
  'user.create',
  'user.update',
  'user.deactivate',
  'user.activate',
  'user.token',
  'user.password',
  'station.create',
  'station.update',
  'deputy.create',
  'deputy.update',
  'activity.update',
  'calendar.update',
  'webhook.create',
  'webhook.delete',
  'party.consent',
  'auth.sign_in',
  'auth.sign_in_failed',
  'auth.locked',
  'auth.sign_out',
  'access.denied',
  'personal_data.erase',
] as const;
export type AuditAction = (typeof AUDIT_ACTIONS)[number];

/** Where a request came from: the server's request id, the client's own (if any), the client address. */
export interface RequestMeta {
  requestId?: string;
  clientRequestId?: string | null;
  clientAddress?: string | null;
}

export interface AuditEntry {
  action: AuditAction;
  /** Null: nobody signed in (a failed sign-in). `system`: the server itself (ADMIN_TOKEN at start). */
  actor: Pick<Actor, 'id' | 'role' | 'name'> | null;
  target?: { type: string; id: string } | null;
  /** What changed, in words a reviewer needs — never a password, a token or a party's personal data. */
  detail?: Record<string, unknown>;
  meta?: RequestMeta;
  /** Defaults to the database's clock. */
  at?: string;
}

/**
 * Appends one audit row, in `tx` (the transaction of the act).
 *
 * @example
 * await db.transaction(async (tx) => {
 *   await tx.update(calendar)…;
 *   await recordAudit(tx, { action: 'calendar.update', actor, target: { type: 'calendar', id: '2027' }, meta });
 * });
 */
export async function recordAudit(tx: Db, e: AuditEntry): Promise<void> {
  await tx.insert(auditLog).values({
    ...(e.at ? { at: e.at } : {}),
    actorId: e.actor?.id ?? null,
    actorRole: e.actor?.role ?? null,
    actorName: e.actor?.name ?? null,
    action: e.action,
    targetType: e.target?.type ?? null,
    targetId: e.target?.id ?? null,
    detail: e.detail ?? {},
    requestId: e.meta?.requestId ?? null,
    clientRequestId: e.meta?.clientRequestId ?? null,
    clientAddress: e.meta?.clientAddress ?? null,
  });
}

// ---------------------------------------------------------------------------------------------
// Reading: GET /api/audit and GET /api/access-log (admin, committee)

const MAX_LIMIT = 500;

/** A date (`2026-12-01`, the whole day in Shanghai) or an instant; a bad one is a 400. */
const bound = z
  .string()
  .trim()
  // The day must be one the month has: Date rolls 2026-02-30 over to March 2 without a word.
  .refine((v) => /^\d{4}-\d{2}-\d{2}(T.+)?$/.test(v) && isValidDate(v.slice(0, 10)) && !Number.isNaN(Date.parse(v.length === 10 ? `${v}T00:00:00+08:00` : v)), {
    message: DATE_OR_INSTANT_MESSAGE,
  });

export const auditListQuery = z.object({
  from: bound.optional(),
  to: bound.optional(),
  actorId: z.string().trim().max(100).optional(),
  cursor: z
    .string()
    .regex(/^\d{1,18}$/, { message: '游标无效' })
    .optional(),
  limit: z.coerce.number().int().min(1).max(MAX_LIMIT).default(100),
});

export const auditQuery = auditListQuery.extend({ action: z.enum(AUDIT_ACTIONS).optional() });
export const accessQuery = auditListQuery.extend({ caseId: z.string().trim().max(100).optional() });

/** `from` at the start of its day, `to` at the end of its day (for dates); instants as given. */
function instantOf(v: string, end: boolean): string {
  if (v.length !== 10) return new Date(v).toISOString();
  const start = Date.parse(`${v}T00:00:00+08:00`);
  return new Date(end ? start + 86_400_000 : start).toISOString();
}

function periodFilters(column: typeof auditLog.at | typeof accessLog.at, q: { from?: string; to?: string }): SQL[] {
  const out: SQL[] = [];
  if (q.from) out.push(gte(column, instantOf(q.from, false)));
  if (q.to) out.push(q.to.length === 10 ? lt(column, instantOf(q.to, true)) : lte(column, instantOf(q.to, true)));
  return out;
}

function parseQuery<T extends z.ZodType>(schema: T, raw: Record<string, string | undefined>): z.output<T> {
  const r = schema.safeParse(Object.fromEntries(Object.entries(raw).filter(([, v]) => v !== undefined && v !== '')));
  if (!r.success) throw new ValidationError('invalid.query', fieldErrors(r.error));
  return r.data;
}

function mayRead(actor: Actor) {
  if (!can(actor, 'audit.read')) throw new Forbidden('forbidden.audit_read');
}

export interface AuditItem {
  seq: number;
  at: string;
  actor: { id: string | null; role: string | null; name: string | null };
  action: string;
  target: { type: string; id: string } | null;
  detail: unknown;
  requestId: string | null;
  clientRequestId: string | null;
  clientAddress: string | null;
}

/** Newest first; `nextCursor` is the last row's `seq`. `limit: null`: every matching row (CSV). */
export async function listAudit(db: Db, actor: Actor, raw: Record<string, string | undefined>, opts: { all?: boolean } = {}) {
  mayRead(actor);
  const q = parseQuery(auditQuery, raw);
  const where = and(
    q.action ? eq(auditLog.action, q.action) : undefined,
    q.actorId ? eq(auditLog.actorId, q.actorId) : undefined,
    q.cursor ? lt(auditLog.seq, Number(q.cursor)) : undefined,
    ...periodFilters(auditLog.at, q),
  );
  const limit = opts.all ? undefined : q.limit;
  const query = db.select().from(auditLog).where(where).orderBy(desc(auditLog.seq));
  const rows = limit === undefined ? await query : await query.limit(limit + 1);
  const page = limit === undefined ? rows : rows.slice(0, limit);
  const items: AuditItem[] = page.map(auditItem);
  const nextCursor = limit !== undefined && rows.length > limit ? String(page[page.length - 1].seq) : null;
  return { items, nextCursor };
}

/** The audit actions that create or change each kind of record (an activity's creation is its own row's). */
const CHANGE_ACTIONS: Record<ChangeTarget['type'], AuditAction[]> = {
  station: ['station.create', 'station.update'],
  deputy: ['deputy.create', 'deputy.update'],
  activity: ['activity.update'],
};

/**
 * One station's, deputy's or activity record's history, newest first: who created or changed it,
 * when, and what changed (issue 15 §4). Read by whoever may change the record (src/machines/policy.ts).
 * An activity's rows are those written at its station, so an id from another station shows nothing.
 */
export async function listChanges(db: Db, actor: Actor, target: ChangeTarget): Promise<AuditItem[]> {
  const refused = changeHistoryRefusal(actor, target);
  if (refused === 'activity.record.own_station') throw new Forbidden('forbidden.activity_record_own');
  if (refused) throw new Forbidden('forbidden.role', { roles: rolesFor(`${target.type}.update` as const) });
  const rows = await db
    .select()
    .from(auditLog)
    .where(
      and(
        // By action first: the log's index on (action, seq) finds these few rows among every sign-in.
        inArray(auditLog.action, CHANGE_ACTIONS[target.type]),
        eq(auditLog.targetType, target.type),
        eq(auditLog.targetId, target.id),
        target.type === 'activity' ? sql`${auditLog.detail}->>'stationCode' = ${target.stationCode}` : undefined,
      ),
    )
    .orderBy(desc(auditLog.seq))
    .limit(MAX_LIMIT);
  return rows.map(auditItem);
}

function auditItem(r: typeof auditLog.$inferSelect): AuditItem {
  return {
    seq: r.seq,
    at: isoOf(r.at),
    actor: { id: r.actorId, role: r.actorRole, name: r.actorName },
    action: r.action,
    target: r.targetType ? { type: r.targetType, id: r.targetId ?? '' } : null,
    detail: r.detail,
    requestId: r.requestId,
    clientRequestId: r.clientRequestId,
    clientAddress: r.clientAddress,
  };
}

export interface AccessItem {
  at: string;
  actor: { id: string; role: string; name: string | null };
  /** The case read; null for a citizen's submission read by the staff who handle it (`submissionId`). */
  caseId: string | null;
  submissionId?: string;
  fields: string;
  requestId: string | null;
}

/** Reads of unmasked personal data (of cases and of citizens' submissions), newest first. */
export async function listAccessLog(db: Db, actor: Actor, raw: Record<string, string | undefined>, opts: { all?: boolean } = {}) {
  mayRead(actor);
  const q = parseQuery(accessQuery, raw);
  // An id that is no case id matches nothing (a uuid column would refuse the comparison).
  if (q.caseId && !isUuid(q.caseId)) return { items: [], nextCursor: null };
  // Every read of unmasked personal data (DESIGN §1): of cases, and of citizens' submissions.
  const where = and(
    q.caseId ? and(eq(accessLog.entityType, 'case'), eq(accessLog.entityId, q.caseId)) : undefined,
    q.actorId ? eq(accessLog.userId, q.actorId) : undefined,
    q.cursor ? lt(accessLog.id, Number(q.cursor)) : undefined,
    ...periodFilters(accessLog.at, q),
  );
  const limit = opts.all ? undefined : q.limit;
  const query = db
    .select({ log: accessLog, name: users.name })
    .from(accessLog)
    .leftJoin(users, sql`${users.id}::text = ${accessLog.userId}`)
    .where(where)
    .orderBy(desc(accessLog.id));
  const rows = limit === undefined ? await query : await query.limit(limit + 1);
  const page = limit === undefined ? rows : rows.slice(0, limit);
  const items: AccessItem[] = page.map(({ log, name }) => ({
    at: isoOf(log.at),
    actor: { id: log.userId, role: log.userRole, name },
    ...(log.entityType === 'case' ? { caseId: log.entityId } : { caseId: null, submissionId: log.entityId }),
    fields: log.fields,
    requestId: log.requestId,
  }));
  const nextCursor = limit !== undefined && rows.length > limit ? String(page[page.length - 1].log.id) : null;
  return { items, nextCursor };
}

/** The scalar or `{from, to}` values of one detail field, as strings. */
function detailIds(detail: unknown, key: string): string[] {
  const v = (detail as Record<string, unknown> | null)?.[key];
  const change = v as { from?: unknown; to?: unknown } | null | undefined;
  const all = typeof v === 'object' && v !== null && !Array.isArray(v) && 'from' in v ? [change?.from, change?.to] : [v];
  return all.flatMap((x) => (Array.isArray(x) ? x : [x])).filter((x): x is string => typeof x === 'string' && x !== '');
}

/**
 * The names of the users, deputies, stations and cases a page of audit rows points at (their
 * targets, and the deputy or station a user's row names), keyed `type:id`: one query for the whole
 * page, not one per row (audit d §6). A record since deleted is simply not in the map.
 *
 * @example (await auditNames(db, actor, items)).get(`user:${id}`) // '周委员'
 */
export async function auditNames(db: Db, actor: Actor, items: AuditItem[]): Promise<Map<string, string>> {
  mayRead(actor);
  const want = { user: new Set<string>(), deputy: new Set<string>(), station: new Set<string>(), case: new Set<string>() };
  for (const i of items) {
    if (i.target && i.target.type in want) want[i.target.type as keyof typeof want].add(i.target.id);
    for (const id of [...detailIds(i.detail, 'deputyId'), ...detailIds(i.detail, 'deputyIds')]) want.deputy.add(id);
    for (const code of detailIds(i.detail, 'stationCode')) want.station.add(code);
  }
  // Only ids their uuid columns can compare (a target may be a path or a year).
  const [userIds, deputyIds, caseIds] = [want.user, want.deputy, want.case].map((s) => [...s].filter(isUuid));
  const parts = [
    userIds.length && db.select({ type: sql<string>`'user'`, id: sql<string>`${users.id}::text`, name: users.name }).from(users).where(inArray(users.id, userIds)),
    deputyIds.length && db.select({ type: sql<string>`'deputy'`, id: sql<string>`${deputies.id}::text`, name: deputies.name }).from(deputies).where(inArray(deputies.id, deputyIds)),
    want.station.size && db.select({ type: sql<string>`'station'`, id: stations.code, name: stations.name }).from(stations).where(inArray(stations.code, [...want.station])),
    caseIds.length && db.select({ type: sql<string>`'case'`, id: sql<string>`${cases.id}::text`, name: cases.number }).from(cases).where(inArray(cases.id, caseIds)),
  ].filter((q) => q !== 0);
  if (!parts.length) return new Map();
  // The four selects have one shape ({type, id, name}); drizzle's types do not see it, hence the cast.
  type Part = { unionAll(q: Part): Part } & PromiseLike<{ type: string; id: string; name: string }[]>;
  const [first, ...rest] = parts as unknown as Part[];
  const rows = await rest.reduce((q, r) => q.unionAll(r), first);
  return new Map(rows.map((r) => [`${r.type}:${r.id}`, r.name]));
}
