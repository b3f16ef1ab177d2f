/**
 * Station activity records (履职记录): what a liaison station did on a day — the theme, what was
 * done, the deputies present (进站) and the voters received (接待选民). They feed the committee
 * report's per-station numbers. Verbs in the openstatus way: parse, check the caller, write once.
 * Who records and who reads which station's register: src/machines/policy.ts.
 */
import { and, desc, eq, gte, inArray, lte, sql, type SQL } from 'drizzle-orm';
import { z } from 'zod';
import { isValidDate, shanghaiDate } from '../machines/calendar.js';
import { plainDate, text, wholeNumber } from '../machines/fields.js';
import { activityReadRefusal, activityRecordRefusal, activityUpdateRefusal, needsDeputyStation } from '../machines/policy.js';
import type { Actor } from '../machines/roles.js';
import { isoOf, type Db } from '../db/client.js';
import { deputies, idempotencyKeys, stationActivities, stations } from '../db/schema.js';
import type { Idempotency } from './apply.js';
import { fieldError, Forbidden, IdempotencyMismatch, NotFound, parseBody, ValidationError, sqlState } from './errors.js';
import { isUuid } from './stores.js';
import { recordAudit, type RequestMeta } from './audit.js';

const date = plainDate;

export const activitySchema = z.object({
  date,
  theme: text(200),
  content: text(20000),
  deputyIds: z
    .array(z.string().trim().min(1).max(64))
    .max(500)
    .default([])
    .refine((ids) => new Set(ids).size === ids.length, { message: '代表不能重复（每次活动每位代表计一人次）' }),
  votersReceived: wholeNumber(0, 1_000_000),
});

export const activityQuerySchema = z
  .object({
    from: date.optional(),
    to: date.optional(),
    cursor: z.string().min(1).max(500).optional(),
    limit: z.coerce.number().int().min(1).max(500).optional(),
  })
  .superRefine((v, ctx) => {
    if (v.from && v.to && v.from > v.to) ctx.addIssue({ code: 'custom', path: ['to'], message: '结束日期不能早于开始日期' });
  });

type ActivityRow = typeof stationActivities.$inferSelect;

/** An activity record as the API shows it: the register's number only when it came from an import. */
function activityView({ externalRef, createdAt, ...r }: ActivityRow) {
  const { id, stationCode, date, theme, content, deputyIds, deputyVisits, votersReceived, recordedBy } = r;
  return { id, stationCode, date, theme, content, deputyIds, deputyVisits, votersReceived, recordedBy, ...(externalRef ? { externalRef } : {}), createdAt: isoOf(createdAt) };
}

async function requireStation(db: Db, code: string) {
  const [row] = await db.select({ code: stations.code }).from(stations).where(eq(stations.code, code));
  if (!row) throw new NotFound('not_found.station', { code });
}

async function priorResponse(db: Db, actor: Actor, idem: Idempotency) {
  const [prior] = await db
    .select()
    .from(idempotencyKeys)
    .where(and(eq(idempotencyKeys.userId, actor.id), eq(idempotencyKeys.key, idem.key)));
  if (!prior) return null;
  if (prior.requestHash !== idem.hash) throw new IdempotencyMismatch();
  return { status: prior.status, body: prior.response as ReturnType<typeof activityView>, replayed: true };
}

/** Every deputy named exists, and none newly named is retired (`kept`: those already on the record). */
async function checkDeputies(db: Db, ids: string[], kept: readonly string[] = []) {
  if (!ids.length) return;
  const found = await db.select({ id: deputies.id, active: deputies.active }).from(deputies).where(inArray(deputies.id, ids.filter(isUuid)));
  const known = new Map(found.map((d) => [d.id, d.active]));
  const missing = ids.filter((d) => !known.has(d));
  if (missing.length) throw new ValidationError('invalid.body', [fieldError('deputyIds', 'field.deputies_unknown', { ids: missing })]);
  const retired = ids.filter((d) => known.get(d) === false && !kept.includes(d));
  if (retired.length) throw new ValidationError('invalid.body', [fieldError('deputyIds', 'field.deputies_retired', { ids: retired })]);
}

/** What PATCH /api/stations/:code/activities/:id may change. */
export const activityPatchSchema = z
  .object({
    date,
    theme: text(200),
    content: text(20000),
    deputyIds: activitySchema.shape.deputyIds.unwrap(),
    votersReceived: activitySchema.shape.votersReceived,
  })
  .partial()
  .strict();

/**
 * Edit one activity record, by those who may record one at that station; what changed is audited
 * (`activity.update`) with who and when, in the same transaction. A long text is audited as
 * changed, not copied.
 */
export async function updateActivity(db: Db, actor: Actor, stationCode: string, id: string, raw: unknown, opts: { now?: Date; meta?: RequestMeta } = {}) {
  const refused = activityUpdateRefusal(actor, stationCode);
  if (refused) throw new Forbidden(refused === 'role' ? 'forbidden.activity_record' : 'forbidden.activity_record_own');
  await requireStation(db, stationCode);
  const input = parseBody(activityPatchSchema, raw, { object: true });
  const today = shanghaiDate((opts.now ?? new Date()).toISOString());
  if (input.date && input.date > today) throw new ValidationError('invalid.body', [fieldError('date', 'field.activity_in_future', { today })]);
  if (!isUuid(id)) throw new NotFound('not_found.activity', { id });
  return db.transaction(async (tx) => {
    const [current] = await tx
      .select()
      .from(stationActivities)
      .where(and(eq(stationActivities.id, id), eq(stationActivities.stationCode, stationCode)))
      .for('update');
    if (!current) throw new NotFound('not_found.activity', { id });
    if (input.deputyIds) await checkDeputies(tx, input.deputyIds, current.deputyIds);
    const next = {
      date: input.date ?? current.date,
      theme: input.theme ?? current.theme,
      content: input.content ?? current.content,
      deputyIds: input.deputyIds ?? current.deputyIds,
      deputyVisits: (input.deputyIds ?? current.deputyIds).length,
      votersReceived: input.votersReceived ?? current.votersReceived,
    };
    const detail: Record<string, unknown> = {};
    for (const k of ['date', 'theme', 'deputyIds', 'votersReceived'] as const) {
      if (JSON.stringify(next[k]) !== JSON.stringify(current[k])) detail[k] = { from: current[k], to: next[k] };
    }
    if (next.content !== current.content) detail.content = 'changed';
    const [row] = await tx.update(stationActivities).set(next).where(eq(stationActivities.id, id)).returning();
    if (Object.keys(detail).length) {
      await recordAudit(tx, { action: 'activity.update', actor, target: { type: 'activity', id }, detail: { stationCode, ...detail }, meta: opts.meta ?? {} });
    }
    return activityView(row);
  });
}

export interface RecordOptions {
  now?: Date;
  idempotency?: Idempotency;
  /** The activity's number in the register an import read (DESIGN.md §14), unique. */
  externalRef?: string;
}

/**
 * Record one activity of station `stationCode`. Returns `{status: 201, body, replayed}`; a repeat
 * of the same Idempotency-Key returns the first record and writes nothing.
 */
export async function recordActivity(db: Db, actor: Actor, stationCode: string, raw: unknown, opts: RecordOptions = {}) {
  const refused = activityRecordRefusal(actor, stationCode);
  if (refused) throw new Forbidden(refused === 'role' ? 'forbidden.activity_record' : 'forbidden.activity_record_own');
  await requireStation(db, stationCode);
  const input = parseBody(activitySchema, raw, { object: true });
  const today = shanghaiDate((opts.now ?? new Date()).toISOString());
  if (input.date > today) throw new ValidationError('invalid.body', [fieldError('date', 'field.activity_in_future', { today })]);
  await checkDeputies(db, input.deputyIds);

  const idem = opts.idempotency;
  if (idem) {
    const prior = await priorResponse(db, actor, idem);
    if (prior) return prior;
  }
  try {
    return await db.transaction(async (tx) => {
      const [row] = await tx
        .insert(stationActivities)
        .values({
          stationCode,
          date: input.date,
          theme: input.theme,
          content: input.content,
          deputyIds: input.deputyIds,
          // 进站人次: each deputy present counts once per activity.
          deputyVisits: input.deputyIds.length,
          votersReceived: input.votersReceived,
          recordedBy: actor.id,
          externalRef: opts.externalRef ?? null,
        })
        .returning();
      const body = activityView(row);
      if (idem) await tx.insert(idempotencyKeys).values({ userId: actor.id, key: idem.key, requestHash: idem.hash, status: 201, response: body });
      return { status: 201, body, replayed: false };
    });
  } catch (err) {
    // The same key committed concurrently: answer as it did.
    if (idem && sqlState(err) === '23505') {
      const prior = await priorResponse(db, actor, idem);
      if (prior) return prior;
    }
    throw err;
  }
}

async function mayRead(db: Db, actor: Actor, stationCode: string): Promise<void> {
  let deputyStation: string | null = null;
  if (needsDeputyStation(actor) && actor.deputyId) {
    const [d] = await db.select({ stationCode: deputies.stationCode }).from(deputies).where(eq(deputies.id, actor.deputyId));
    deputyStation = d?.stationCode ?? null;
  }
  const refused = activityReadRefusal(actor, stationCode, deputyStation);
  if (refused === 'activity.read.own_station') throw new Forbidden('forbidden.activity_read_own');
  if (refused === 'activity.read.deputy_station') throw new Forbidden('forbidden.activity_read_deputy');
  if (refused) throw new Forbidden('forbidden.activity_read');
}

function decodeCursor(cursor: string): [string, string, string] {
  try {
    const v = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    // The recorded time as the database wrote it (microseconds kept, so no row is skipped).
    const at = /^\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}:\d{2}(\.\d{1,6})?([+-]\d{2}(:?\d{2})?|Z)$/;
    if (Array.isArray(v) && v.length === 3 && isValidDate(v[0]) && typeof v[1] === 'string' && at.test(v[1]) && isUuid(v[2])) {
      return v as [string, string, string];
    }
  } catch {
    // fall through
  }
  throw new ValidationError('invalid.query', [fieldError('cursor', 'field.cursor')]);
}

/** One activity record of station `stationCode`, for whoever may read that station's register. */
export async function getActivity(db: Db, actor: Actor, stationCode: string, id: string) {
  await mayRead(db, actor, stationCode);
  if (!isUuid(id)) throw new NotFound('not_found.activity', { id });
  const [row] = await db
    .select()
    .from(stationActivities)
    .where(and(eq(stationActivities.id, id), eq(stationActivities.stationCode, stationCode)));
  if (!row) throw new NotFound('not_found.activity', { id });
  return activityView(row);
}

/** A station's activities, newest first (by date, then by when they were recorded). */
export async function listActivities(db: Db, actor: Actor, stationCode: string, rawQuery: unknown) {
  await mayRead(db, actor, stationCode);
  await requireStation(db, stationCode);
  const q = parseBody(activityQuerySchema, rawQuery ?? {}, { object: true });
  const limit = q.limit ?? 100;
  const t = stationActivities;
  const where: SQL[] = [eq(t.stationCode, stationCode)];
  if (q.from) where.push(gte(t.date, q.from));
  if (q.to) where.push(lte(t.date, q.to));
  if (q.cursor) {
    const [d, at, id] = decodeCursor(q.cursor);
    where.push(sql`(${t.date}, ${t.createdAt}, ${t.id}) < (${d}::date, ${at}::timestamptz, ${id}::uuid)`);
  }
  const rows = await db
    .select()
    .from(t)
    .where(and(...where))
    .orderBy(desc(t.date), desc(t.createdAt), desc(t.id))
    .limit(limit + 1);
  const page = rows.slice(0, limit);
  const last = page[page.length - 1];
  return {
    items: page.map(activityView),
    nextCursor: rows.length > limit && last ? Buffer.from(JSON.stringify([last.date, last.createdAt, last.id])).toString('base64url') : null,
  };
}
