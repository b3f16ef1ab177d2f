/**
 * 扫码联 — the citizen's door (DESIGN.md §13): a submission made through a station's QR code, the
 * station's queue of them, and the status look-up by receipt code.
 *
 * A submission is not a machine entity: it waits (pending) until station or court staff open a
 * case from it (accepted; the case is created through the engine's one create path, and its
 * CREATE journal row names the submission) or decline it with a reason (declined). Both happen at
 * most once: the row is locked and its status checked in the write's transaction.
 *
 * Personal data (PIPL): the citizen's name, phone and the other side's name live in the
 * submission row while it waits or stays declined, and only in the case's `parties` once accepted
 * (the acceptance empties them here, DESIGN.md §10); never in a journal payload, a counter, a log
 * line or an error message. What still works off the phone has its own column: the status look-up
 * its last 4 digits, the daily limit its hash (`phoneKey`).
 */
import { createHash, randomInt } from 'node:crypto';
import { and, asc, eq, gt, inArray, isNotNull, or, sql } from 'drizzle-orm';
import type { AnyMachineSnapshot } from 'xstate';
import { z } from 'zod';
import { shanghaiDate } from '../machines/calendar.js';
import { TRACKS, PROCEDURES, type CaseContext } from '../machines/case.js';
import { optionalText, phoneNumber, text } from '../machines/fields.js';
import { submissionRefusal, submissionScope } from '../machines/policy.js';
import type { Actor } from '../machines/roles.js';
import type { Db } from '../db/client.js';
import { accessLog, cases, rateCounters, stations, submissions } from '../db/schema.js';
import { isoOf } from '../db/client.js';
import { createEntity, type EngineContext, type Idempotency, type Written, type Rendered, type WriteResult } from './apply.js';
import { fieldError, NotFound, parseBody, TooManyRequests, ValidationError } from './errors.js';
import { notifyStation } from './notify/notices.js';
import { restore } from './write/snapshots.js';
import { alreadyDecided, requireHandles } from './submission-claim.js';
import { caseStore, isUuid } from './stores.js';
import { onceInTransaction, priorResponse, PUBLIC_KEY_OWNER } from './write/idempotency.js';

/** The limits of the public door. Counted in the database, so they hold across processes. */
export const PUBLIC_LIMITS = {
  /** Submissions per phone number per Shanghai calendar day. */
  perPhonePerDay: 5,
  /** Submissions per client address per clock hour. */
  perAddressPerHour: 20,
  /** Status look-ups per client address per clock hour. */
  lookupsPerAddressPerHour: 30,
  /** Status look-ups per receipt code (typed, known or not) per Shanghai calendar day. */
  lookupsPerReceiptPerDay: 10,
  /** A submission body, refused before it is read when larger. */
  maxBodyBytes: 16 * 1024,
} as const;

/**
 * The consent text's version: a submission records which text its sender agreed to. Change it
 * whenever the text (UI.citizen.consent) changes in substance.
 */
export const CONSENT_VERSION = '2026-12-v1';

/** How long a declined or unopened submission is kept before its personal data may be erased. */
export const SUBMISSION_RETENTION_DAYS = 180;

/** 23456789 and letters without I, L, O: nothing a person can misread when copying it. */
const RECEIPT_ALPHABET = '23456789ABCDEFGHJKMNPQRSTUVWXYZ';
const RECEIPT_LENGTH = 12; // 31^12 ≈ 2^59

/** A receipt code from the operating system's CSPRNG (randomInt is uniform: no modulo bias). */
export function newReceipt(): string {
  let out = '';
  for (let i = 0; i < RECEIPT_LENGTH; i++) out += RECEIPT_ALPHABET[randomInt(RECEIPT_ALPHABET.length)];
  return out;
}

/** A receipt as typed (lower case, spaces, dashes) in its stored form. */
export function normalizeReceipt(raw: string): string {
  return raw.toUpperCase().replace(/[\s-]/g, '');
}

/** `K7QM3XPAR9TD` → `K7QM-3XPA-R9TD`, for reading aloud and copying. */
export function groupReceipt(receipt: string): string {
  return receipt.match(/.{1,4}/g)?.join('-') ?? receipt;
}

/** The one phone validator (src/machines/fields.ts): the per-phone limit counts its normalised digits. */
const phone = phoneNumber;

export const submissionSchema = z.object({
  stationCode: text(32),
  name: text(50),
  phone,
  counterparty: text(100),
  disputeType: text(64),
  description: text(2000),
  consent: z.literal(true, { message: '须阅读并同意个人信息处理说明；未同意时不会保存任何内容' }),
  /** The honeypot: hidden from people, filled in by form-filling robots. */
  website: z.string().max(0, { message: '此栏应留空' }).optional(),
});
export type SubmissionInput = z.output<typeof submissionSchema>;

/** A client address (or receipt) as stored in a counter: hashed, never the value itself. */
function counterKey(scope: string, value: string): string {
  return createHash('sha256').update(`${scope}\n${value}`).digest('base64url').slice(0, 32);
}

/**
 * A phone as the daily limit counts it (`submissions.phone_hash`): hashed as a counter's key is.
 * drizzle/0034_submissions_phone_columns.sql computes the same in SQL for the rows before it.
 */
export function phoneKey(phone: string): string {
  return counterKey('phone', phone);
}

/** What the status look-up matches: the phone's last 4 digits. */
export function phoneLast4(phone: string): string {
  return phone.slice(-4);
}

const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;

/** The clock hour `now` is in, and the seconds left of it. */
function hourWindow(now: Date) {
  const start = Math.floor(now.getTime() / HOUR_MS) * HOUR_MS;
  return { start: new Date(start).toISOString(), secondsLeft: (start + HOUR_MS - now.getTime()) / 1000 };
}

/** The Shanghai calendar day `now` is in, and the seconds left of it. */
function dayWindow(now: Date) {
  const start = Date.parse(`${shanghaiDate(now.toISOString())}T00:00:00+08:00`);
  return { start: new Date(start).toISOString(), secondsLeft: (start + DAY_MS - now.getTime()) / 1000 };
}

/**
 * Adds one to a counter and returns its new value. The upsert locks the row, so concurrent
 * requests (in any process) count one after another; inside a transaction that is rolled back,
 * the count is rolled back with it.
 */
async function bump(tx: Db, scope: string, key: string, windowStart: string): Promise<number> {
  const [row] = await tx
    .insert(rateCounters)
    .values({ scope, key, windowStart, count: 1 })
    .onConflictDoUpdate({ target: [rateCounters.scope, rateCounters.key, rateCounters.windowStart], set: { count: sql`${rateCounters.count} + 1` } })
    .returning({ count: rateCounters.count });
  return row.count;
}

/**
 * What the public door no longer needs: counters of windows long past, the phone hashes of
 * submissions whose day is as long past (the daily limit counts today's only; a hash of a phone
 * number can be reversed by trying every number), and declined submissions decided more than
 * SUBMISSION_RETENTION_DAYS ago (the consent text promises they are deleted). Pending submissions
 * stay until someone decides them; accepted ones live on in their case.
 */
export async function purgeExpired(db: Db, now: Date): Promise<{ counters: number; submissions: number }> {
  const past = new Date(now.getTime() - 2 * DAY_MS).toISOString();
  const counters = await db
    .delete(rateCounters)
    .where(sql`${rateCounters.windowStart} < ${past}`)
    .returning({ key: rateCounters.key });
  await db
    .update(submissions)
    .set({ phoneHash: null })
    .where(and(isNotNull(submissions.phoneHash), sql`${submissions.submittedAt} < ${past}`));
  const gone = await db
    .delete(submissions)
    .where(and(eq(submissions.status, 'declined'), sql`${submissions.decidedAt} < ${new Date(now.getTime() - SUBMISSION_RETENTION_DAYS * DAY_MS).toISOString()}`))
    .returning({ id: submissions.id });
  return { counters: counters.length, submissions: gone.length };
}

/** Now and then (about one public request in 50), so no process needs a timer of its own. */
async function pruneCounters(db: Db, now: Date) {
  if (Math.random() >= 0.02) return;
  await purgeExpired(db, now);
}

// ---------------------------------------------------------------------------------------------
// Submitting

export interface SubmitContext {
  db: Db;
  now?: () => Date;
  /** Who is asking: the client address as the server sees it (hashed before it is stored). */
  client: string;
}

/**
 * Station staff are to be told of a new submission at their station (DESIGN.md §12). Called in
 * the submission's own transaction, so the notice exists exactly when the submission does. The
 * notifications outbox fills this in; it must not put the citizen's name or phone in a notice.
 */
export async function onSubmissionReceived(
  tx: Db,
  submission: { id: string; stationCode: string; disputeType: string; submittedAt: string },
): Promise<void> {
  // The notice's reference is the dispute type, not the receipt (the citizen's look-up key).
  await notifyStation(tx, submission.stationCode, { id: submission.id, number: submission.disputeType });
}

/** What a submission answers: its receipt, where and when it was made, and whether this is a replay. */
export interface Submitted {
  receipt: string;
  stationCode: string;
  submittedAt: string;
  /** The same Idempotency-Key and body came before: this is the first submission's answer, nothing new was stored. */
  replayed: boolean;
}

/**
 * A citizen's submission: validated, counted against the limits, stored with a fresh receipt.
 * With an Idempotency-Key (DESIGN.md §5, "on any POST"; keys of the public door are under
 * `PUBLIC_KEY_OWNER`), a repeat of the same body — a phone's retry after a lost answer, a double
 * tap — gets the first submission's receipt and stores, counts and notifies nothing; another body
 * under the key is a 422. The key's record keeps the submission's id only: the receipt is read
 * from the submission again on a replay (no copy of the citizen's look-up code elsewhere).
 */
export async function submit(ctx: SubmitContext, raw: unknown, idem?: Idempotency): Promise<Submitted> {
  const input = parseBody(submissionSchema, raw);
  const now = ctx.now?.() ?? new Date();
  const submittedAt = now.toISOString();
  const once = await onceInTransaction(
    ctx.db,
    PUBLIC_KEY_OWNER,
    idem,
    async (tx) => {
      const [station] = await tx.select({ code: stations.code, active: stations.active }).from(stations).where(eq(stations.code, input.stationCode));
      if (!station) throw new NotFound('not_found.station', { code: input.stationCode });
      // A retired station's old QR cards still lead here: it takes nothing new (nobody there would read it).
      if (!station.active) throw new NotFound('not_found.station_retired', { code: input.stationCode });
      // In the submission's transaction: a refusal rolls the pruning back too, and writes nothing.
      await pruneCounters(tx, now);
      const hour = hourWindow(now);
      if ((await bump(tx, 'submit-address', counterKey('address', ctx.client), hour.start)) > PUBLIC_LIMITS.perAddressPerHour) {
        throw new TooManyRequests('limit.address_per_hour', { max: PUBLIC_LIMITS.perAddressPerHour }, hour.secondsLeft);
      }
      // The phone's count comes from the submissions themselves, by the phone's hash (an accepted
      // one keeps no phone); the advisory lock makes concurrent submissions for one number count
      // one after another.
      const day = dayWindow(now);
      const phoneHash = phoneKey(input.phone);
      await tx.execute(sql`select pg_advisory_xact_lock(hashtextextended(${`submission-phone:${phoneHash}`}, 0))`);
      const [{ n }] = await tx
        .select({ n: sql<number>`count(*)::int` })
        .from(submissions)
        .where(and(eq(submissions.phoneHash, phoneHash), sql`${submissions.submittedAt} >= ${day.start}`));
      if (n >= PUBLIC_LIMITS.perPhonePerDay) {
        throw new TooManyRequests('limit.phone_per_day', { max: PUBLIC_LIMITS.perPhonePerDay }, day.secondsLeft);
      }
      // 31^12 codes: a collision is as likely as guessing one; the unique key refuses it all the same.
      const receipt = newReceipt();
      const [row] = await tx
        .insert(submissions)
        .values({
          receipt,
          stationCode: input.stationCode,
          name: input.name,
          phone: input.phone,
          counterparty: input.counterparty,
          phoneLast4: phoneLast4(input.phone),
          phoneHash,
          disputeType: input.disputeType,
          description: input.description,
          consentVersion: CONSENT_VERSION,
          submittedAt,
        })
        .returning({ id: submissions.id });
      await onSubmissionReceived(tx, { id: row.id, stationCode: input.stationCode, disputeType: input.disputeType, submittedAt });
      return { id: row.id, receipt, stationCode: input.stationCode, submittedAt };
    },
    { keep: (s) => ({ submissionId: s.id }) },
  );
  if (!once.replayed) {
    const { receipt, stationCode, submittedAt: at } = once.body;
    return { receipt, stationCode, submittedAt: at, replayed: false };
  }
  const { submissionId } = once.body as { submissionId: string };
  const [first] = await ctx.db
    .select({ receipt: submissions.receipt, stationCode: submissions.stationCode, submittedAt: submissions.submittedAt })
    .from(submissions)
    .where(eq(submissions.id, submissionId));
  // Purged since (declined long ago): the key's record outlived what it answered for.
  if (!first) throw new NotFound('not_found.receipt', {});
  return { ...first, submittedAt: isoOf(first.submittedAt), replayed: true };
}

// ---------------------------------------------------------------------------------------------
// The status look-up

/**
 * `stationCode` is where it was submitted: the citizen's pages name that station and its hotline
 * (src/edge/citizen.ts leaves it out of the JSON answer, which DESIGN.md §13 keeps to the status).
 */
export type PublicStatus =
  | { status: 'pending' | 'declined'; stationCode: string }
  | { status: 'case'; stationCode: string; case: { number: string; state: string; outcome: string | null; nextDate?: string } };

export const lookupSchema = z.object({
  receipt: z
    .string()
    .transform(normalizeReceipt)
    .refine((s) => /^[0-9A-Z]{10,32}$/.test(s), { message: '请填写回执码（12 位字母和数字）' }),
  phone: z
    .string()
    .trim()
    .regex(/^\d{4}$/, { message: '请填写提交时所留手机号码的后 4 位' }),
});

/**
 * What a citizen may know of their submission: its status and, once a case, the case number,
 * its state and the next date — nothing else (no name, no phone). A receipt with the wrong last
 * four digits is answered exactly like an unknown receipt. Every look-up is counted, per client
 * address and per receipt typed, whether it finds anything or not.
 */
export async function lookupStatus(ctx: SubmitContext, raw: unknown): Promise<PublicStatus> {
  const input = parseBody(lookupSchema, raw);
  const now = ctx.now?.() ?? new Date();
  await pruneCounters(ctx.db, now);
  const hour = hourWindow(now);
  if ((await bump(ctx.db, 'lookup-address', counterKey('address', ctx.client), hour.start)) > PUBLIC_LIMITS.lookupsPerAddressPerHour) {
    throw new TooManyRequests('limit.lookups_per_address', { max: PUBLIC_LIMITS.lookupsPerAddressPerHour }, hour.secondsLeft);
  }
  const day = dayWindow(now);
  if ((await bump(ctx.db, 'lookup-receipt', counterKey('receipt', input.receipt), day.start)) > PUBLIC_LIMITS.lookupsPerReceiptPerDay) {
    throw new TooManyRequests('limit.lookups_per_receipt', { max: PUBLIC_LIMITS.lookupsPerReceiptPerDay }, day.secondsLeft);
  }
  const [row] = await ctx.db
    .select({ status: submissions.status, phoneLast4: submissions.phoneLast4, stationCode: submissions.stationCode, caseRow: cases })
    .from(submissions)
    .leftJoin(cases, eq(cases.id, submissions.caseId))
    .where(eq(submissions.receipt, input.receipt));
  if (!row || row.phoneLast4 !== input.phone) throw new NotFound('not_found.receipt', {});
  if (row.status === 'pending' || row.status === 'declined' || !row.caseRow) {
    return { status: row.status === 'declined' ? 'declined' : 'pending', stationCode: row.stationCode };
  }
  const snapshot = restore(caseStore, row.caseRow);
  const nextDate = nextDateOf(snapshot, now);
  return {
    status: 'case',
    stationCode: row.stationCode,
    case: { number: row.caseRow.number, state: row.caseRow.state, outcome: row.caseRow.outcome, ...(nextDate ? { nextDate } : {}) },
  };
}

/** The next date that concerns the parties: the next mediation session, else the agreed day of performance. */
function nextDateOf(snapshot: AnyMachineSnapshot, now: Date): string | undefined {
  const c = snapshot.context as CaseContext;
  if (c.outcome) return undefined;
  if (c.nextSession && Date.parse(c.nextSession.at) > now.getTime()) return c.nextSession.at;
  const due = (c.agreement as { dueDate?: string } | null)?.dueDate;
  if (due && due >= shanghaiDate(now.toISOString())) return due;
  return undefined;
}

// ---------------------------------------------------------------------------------------------
// The queue

type SubmissionRow = typeof submissions.$inferSelect;

const requireQueueRole = (actor: Actor) => requireHandles(actor, null);

export const SUBMISSION_STATUSES = ['pending', 'accepted', 'declined'] as const;

export const submissionListQuery = z.object({
  status: z.enum(SUBMISSION_STATUSES).optional(),
  stationCode: z.string().trim().min(1).max(32).optional(),
  cursor: z.string().min(1).max(500).optional(),
  limit: z.coerce.number().int().min(1).max(200).optional(),
});

/** The fields of a submission shown to the staff who handle it (they see it in full). */
const SUBMISSION_PII = 'submissions.name,submissions.phone,submissions.counterparty';

/**
 * Whether a submission still holds the citizen's data: pending and declined ones do; an accepted
 * one's `name`, `phone` and `counterparty` are null (its case's parties hold them), so it shows
 * the case instead and reading it is no read of personal data.
 */
const holdsPersonalData = (s: Pick<SubmissionRow, 'name' | 'phone' | 'counterparty'>) => s.name !== null || s.phone !== null || s.counterparty !== null;

function submissionView(s: Omit<SubmissionRow, 'phoneLast4' | 'phoneHash'> & { stationName: string | null; caseNumber: string | null }) {
  return {
    id: s.id,
    stationCode: s.stationCode,
    stationName: s.stationName,
    name: s.name,
    phone: s.phone,
    counterparty: s.counterparty,
    disputeType: s.disputeType,
    description: s.description,
    status: s.status,
    submittedAt: isoOf(s.submittedAt),
    consentVersion: s.consentVersion,
    ...(s.caseId ? { caseId: s.caseId, caseNumber: s.caseNumber } : {}),
    ...(s.declineReason ? { declineReason: s.declineReason } : {}),
    ...(s.decidedAt ? { decidedAt: isoOf(s.decidedAt) } : {}),
  };
}

async function logSubmissionReads(db: Db, actor: Actor, ids: string[], requestId?: string) {
  if (ids.length === 0) return;
  await db
    .insert(accessLog)
    .values(ids.map((entityId) => ({ userId: actor.id, userRole: actor.role, entityType: 'submission', entityId, fields: SUBMISSION_PII, requestId: requestId ?? null })));
}

function selectSubmissions(db: Db) {
  return db
    .select({
      id: submissions.id,
      receipt: submissions.receipt,
      stationCode: submissions.stationCode,
      name: submissions.name,
      phone: submissions.phone,
      counterparty: submissions.counterparty,
      disputeType: submissions.disputeType,
      description: submissions.description,
      consentVersion: submissions.consentVersion,
      status: submissions.status,
      caseId: submissions.caseId,
      declineReason: submissions.declineReason,
      decidedBy: submissions.decidedBy,
      decidedAt: submissions.decidedAt,
      submittedAt: submissions.submittedAt,
      stationName: stations.name,
      caseNumber: cases.number,
    })
    .from(submissions)
    .leftJoin(stations, eq(stations.code, submissions.stationCode))
    .leftJoin(cases, eq(cases.id, submissions.caseId));
}

function decodeCursor(cursor: string): [string, string] {
  try {
    const [at, id] = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (typeof at === 'string' && !Number.isNaN(Date.parse(at)) && typeof id === 'string' && isUuid(id)) return [at, id];
  } catch {
    // fall through
  }
  throw new ValidationError('invalid.list_query', [fieldError('cursor', 'field.cursor')]);
}

/**
 * The queue: oldest first (the one waiting longest is handled first). Station staff see their
 * own station's only, court staff every station's (or one, with `stationCode`).
 */
export async function listSubmissions(db: Db, actor: Actor, filters: z.output<typeof submissionListQuery>, opts: { requestId?: string } = {}) {
  requireQueueRole(actor);
  if (filters.stationCode) requireHandles(actor, filters.stationCode);
  const station = submissionScope(actor).stationCode ?? filters.stationCode;
  const limit = filters.limit ?? 50;
  const where = [
    station ? eq(submissions.stationCode, station) : undefined,
    filters.status ? eq(submissions.status, filters.status) : undefined,
  ];
  if (filters.cursor) {
    const [at, id] = decodeCursor(filters.cursor);
    where.push(or(gt(submissions.submittedAt, at), and(eq(submissions.submittedAt, at), gt(submissions.id, id))));
  }
  const rows = await selectSubmissions(db)
    .where(and(...where))
    .orderBy(asc(submissions.submittedAt), asc(submissions.id))
    .limit(limit + 1);
  const page = rows.slice(0, limit);
  const last = page[page.length - 1];
  await logSubmissionReads(db, actor, page.filter(holdsPersonalData).map((r) => r.id), opts.requestId);
  return {
    items: page.map(submissionView),
    nextCursor: rows.length > limit && last ? Buffer.from(JSON.stringify([isoOf(last.submittedAt), last.id])).toString('base64url') : null,
  };
}

/** One submission, for those who may handle it (404 unknown, 403 another station's). */
export async function getSubmission(db: Db, actor: Actor, id: string, opts: { requestId?: string } = {}) {
  requireQueueRole(actor);
  if (!isUuid(id)) throw new NotFound('not_found.submission', { id });
  const [row] = await selectSubmissions(db).where(eq(submissions.id, id));
  if (!row) throw new NotFound('not_found.submission', { id });
  requireHandles(actor, row.stationCode);
  if (holdsPersonalData(row)) await logSubmissionReads(db, actor, [row.id], opts.requestId);
  return submissionView(row);
}

/**
 * Where cases came from, for their history (audit d §9): when each submission was made, and
 * whether this reader may open it (the staff who handle its station's queue). No personal data
 * and no receipt code (the citizen's secret), so nothing is written to the access log; the caller
 * has already been allowed to read the case that names the submission.
 */
export async function submissionOrigins(db: Db, actor: Actor, ids: string[]): Promise<Map<string, { submittedAt: string; mayOpen: boolean }>> {
  const wanted = ids.filter(isUuid);
  if (!wanted.length) return new Map();
  const rows = await db
    .select({ id: submissions.id, submittedAt: submissions.submittedAt, stationCode: submissions.stationCode })
    .from(submissions)
    .where(inArray(submissions.id, wanted));
  return new Map(rows.map((r) => [r.id, { submittedAt: isoOf(r.submittedAt), mayOpen: submissionRefusal(actor, r.stationCode) === null }]));
}

export const acceptSchema = z.object({
  track: z.enum(TRACKS, { message: '须选择 pre_filing（诉前）或 post_filing（诉中）' }),
  procedure: z.enum(PROCEDURES).optional(),
  summary: optionalText(4000),
});

export const declineSchema = z.object({ reason: text(500) });

/**
 * Open a case from a submission through the engine's one create path: source `qr_code`, the
 * submission's station, its sender as applicant (with the phone) and the other side as
 * respondent, `occurredAt` the time it was submitted, and `submissionId` in the creation's
 * journal payload, so the case's history shows where it came from. The submission is marked
 * accepted, and loses its copy of the personal data, in the same transaction (see
 * `claimSubmission`): a second accept is a 409, or the first answer under its Idempotency-Key.
 */
export async function acceptSubmission(
  ctx: EngineContext,
  actor: Actor,
  id: string,
  raw: unknown,
  opts: { idempotency?: Idempotency; render: (w: Written) => Rendered },
): Promise<WriteResult> {
  requireQueueRole(actor);
  const input = parseBody(acceptSchema, raw);
  if (!isUuid(id)) throw new NotFound('not_found.submission', { id });
  const [s] = await ctx.db.select().from(submissions).where(eq(submissions.id, id));
  if (!s) throw new NotFound('not_found.submission', { id });
  requireHandles(actor, s.stationCode);
  // Whether it is still pending is checked under a lock in the creation (claimSubmission), after
  // a repeated Idempotency-Key has been answered with the first response. Decided already, it has
  // no parties to offer (an accepted one keeps no name or phone): the first answer or a 409 now.
  if (s.status !== 'pending' || s.name === null || s.phone === null || s.counterparty === null) {
    const prior = opts.idempotency ? await priorResponse(ctx.db, actor, opts.idempotency) : null;
    if (prior) return prior;
    throw alreadyDecided(s.status);
  }
  const summary = input.summary || s.description.slice(0, 4000);
  return createEntity(
    ctx,
    caseStore,
    actor,
    {
      track: input.track,
      ...(input.procedure ? { procedure: input.procedure } : {}),
      source: 'qr_code',
      stationCode: s.stationCode,
      disputeType: s.disputeType,
      summary,
      parties: [
        { role: 'applicant', name: s.name, phone: s.phone },
        { role: 'respondent', name: s.counterparty },
      ],
      occurredAt: isoOf(s.submittedAt),
      submissionId: s.id,
    },
    opts,
  );
}

/** Decline a pending submission with a reason (once: a decided one is a 409). */
export async function declineSubmission(db: Db, actor: Actor, id: string, raw: unknown, opts: { requestId?: string; idempotency?: Idempotency } = {}) {
  requireQueueRole(actor);
  const input = parseBody(declineSchema, raw);
  if (!isUuid(id)) throw new NotFound('not_found.submission', { id });
  const result = await onceInTransaction(
    db,
    actor,
    opts.idempotency,
    async (tx) => {
      const [s] = await tx.select().from(submissions).where(eq(submissions.id, id)).for('update');
      if (!s) throw new NotFound('not_found.submission', { id });
      requireHandles(actor, s.stationCode);
      if (s.status !== 'pending') throw alreadyDecided(s.status);
      await tx
        .update(submissions)
        .set({ status: 'declined', declineReason: input.reason, decidedBy: actor.id, decidedAt: sql`now()` })
        .where(eq(submissions.id, id));
      const [row] = await selectSubmissions(tx).where(eq(submissions.id, id));
      await logSubmissionReads(tx, actor, [id], opts.requestId);
      return submissionView(row);
    },
    // The answer is the citizen's name, phone and story: the record keeps none of it (DESIGN.md
    // §10). A declined submission changes no more, so a replay reads the same answer again.
    { created: false, keep: (view) => ({ id: view.id }) },
  );
  return result.replayed ? { ...result, body: await getSubmission(db, actor, id, opts) } : result;
}

/** How many submissions wait at a station (the navigation's badge). */
export async function pendingCount(db: Db, actor: Actor): Promise<number> {
  if (actor.role !== 'court' && actor.role !== 'station') return 0;
  const [{ n }] = await db
    .select({ n: sql<number>`count(*)::int` })
    .from(submissions)
    .where(and(eq(submissions.status, 'pending'), actor.role === 'station' ? eq(submissions.stationCode, actor.stationCode ?? '') : undefined));
  return n;
}
