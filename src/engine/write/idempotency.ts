/**
 * Idempotency-Key: a write runs once per key and caller; a repeat — or a concurrent repeat — gets
 * the first answer, and a repeat with another request under the same key is refused (422).
 */
import { hash } from 'node:crypto';
import { and, eq, sql } from 'drizzle-orm';
import type { Db } from '../../db/client.js';
import type { RowsOf } from '../../db/bulk.js';
import { idempotencyKeys } from '../../db/schema.js';
import type { Actor } from '../../machines/roles.js';
import { DomainError, IdempotencyMismatch, sqlState } from '../errors.js';
import type { EngineContext, Idempotency, WriteResult } from './types.js';
import type { EntityStore } from '../stores.js';

/**
 * JSON with sorted keys, so two equal documents compare equal whatever their key order. Its text
 * is hashed into stored records (`requestHash`): it must never change (test/engine/request-hash.test.ts
 * pins it against its first, map/filter/join, implementation; this one builds the string in place).
 */
export function canonical(value: unknown): string {
  if (Array.isArray(value)) {
    let out = '[';
    for (let i = 0; i < value.length; i++) {
      if (i > 0) out += ',';
      // What join() made of an element with no JSON (undefined, a hole, a function): nothing.
      out += canonical(value[i]) ?? '';
    }
    return out + ']';
  }
  if (value !== null && typeof value === 'object') {
    const keys = Object.keys(value).sort();
    let out = '{';
    for (let i = 0; i < keys.length; i++) {
      const v = (value as Record<string, unknown>)[keys[i]];
      if (v === undefined) continue;
      if (out.length > 1) out += ',';
      out += `${JSON.stringify(keys[i])}:${canonical(v)}`;
    }
    return out + '}';
  }
  return JSON.stringify(value);
}

/**
 * What identifies a request under its key: where it went (`POST /api/cases/…`, `WEB /cases/…`)
 * and its body, whatever the order of the body's keys.
 */
export function requestHash(target: string, body: unknown): string {
  // One-shot: no Hash object per request.
  return hash('sha256', `${target}\n${canonical(body)}`, 'hex');
}

/**
 * Whose keys a record is under: a signed-in user (`Actor`), or the public door's one owner
 * (`PUBLIC_KEY_OWNER`): keys are scoped to their owner, as DESIGN.md §5 scopes them to a user.
 */
export type KeyOwner = Pick<Actor, 'id'>;

/**
 * The owner of keys sent without sign-in (POST /api/public/submissions, the citizen's form). Not a
 * user id (those are uuids). All citizens share it: a key replays only the very same body (name,
 * phone, text and all, in the request hash), so nobody gets another's receipt by guessing a key.
 */
export const PUBLIC_KEY_OWNER: KeyOwner = { id: 'public' };

/** A stored key record, as the write path reads it. */
export interface KeyRecord {
  requestHash: string;
  /** The stored answer's HTTP status (201: a creation; 200: an event). */
  status: number;
  response: unknown;
}

export async function priorResponse(db: Db, actor: KeyOwner, idem: Idempotency): Promise<WriteResult | null> {
  const [prior] = await db
    .select()
    .from(idempotencyKeys)
    .where(and(eq(idempotencyKeys.userId, actor.id), eq(idempotencyKeys.key, idem.key)));
  return replayOf(prior ?? null, idem);
}

/** The stored first answer to this key (null when the key is new); another request under it is refused. */
export function replayOf(prior: KeyRecord | null, idem: Idempotency): WriteResult | null {
  if (!prior) return null;
  if (prior.requestHash !== idem.hash) throw new IdempotencyMismatch();
  return { created: prior.status === 201, body: prior.response, replayed: true };
}

/**
 * A write's answer as JSON, and what its idempotency record keeps of it (DESIGN.md §10: no
 * personal data; the store decides, `answerForReplay`), serialized once: the answer is written
 * with a mark in place of the value the record replaces, and both texts are that text with the
 * value's own JSON put in. `json` is exactly `JSON.stringify(body)`.
 */
export function answerTexts(body: unknown, store?: Pick<EntityStore, 'answerForReplay'>): { json: string; kept: string } {
  const reduce = store?.answerForReplay;
  const value = reduce && body !== null && typeof body === 'object' && !Array.isArray(body) ? (body as Record<string, unknown>)[reduce.key] : undefined;
  if (!reduce || value === undefined) {
    const json = JSON.stringify(body ?? null);
    return { json, kept: json };
  }
  const holder = body as Record<string, unknown>;
  holder[reduce.key] = MARK;
  let text: string;
  try {
    text = JSON.stringify(holder);
  } finally {
    holder[reduce.key] = value;
  }
  // The mark's JSON occurs once: no answer holds a NUL (refused on input, and PostgreSQL stores none),
  // and an escaped backslash before `u0000` is never preceded by a bare quote.
  const at = text.indexOf(MARK_JSON);
  const head = text.slice(0, at);
  const tail = text.slice(at + MARK_JSON.length);
  return { json: head + JSON.stringify(value) + tail, kept: head + JSON.stringify(reduce.keep(value) ?? null) + tail };
}
const MARK = '\u0000jiefen:replay\u0000';
const MARK_JSON = JSON.stringify(MARK);

/**
 * The idempotency record of a write's answer (`kept`: the JSON text the record stores as the jsonb
 * it is, `answerTexts`). The table keeps the answer's HTTP status, as it always has (station
 * activities store theirs too); only this module reads or writes it.
 */
export function keyRecord(actor: KeyOwner, idem: Idempotency, created: boolean, kept: string) {
  return { userId: actor.id, key: idem.key, requestHash: idem.hash, status: created ? 201 : 200, response: kept };
}

/** A key record as drizzle inserts it: `kept` is JSON text already, stored as the jsonb it is, not encoded again as a string. */
function keyRecordValues(actor: KeyOwner, idem: Idempotency, created: boolean, kept: string) {
  return { ...keyRecord(actor, idem, created, kept), response: sql`${kept}::jsonb` };
}

/**
 * A key record as rows for a creation's statement (`insertTogether`): its response, JSON text
 * already, is put into the rows' JSON as it is, not parsed and encoded again.
 */
export function keyRecordRows(record: ReturnType<typeof keyRecord>): RowsOf {
  const { response, ...rest } = record;
  const head = JSON.stringify({ user_id: rest.userId, key: rest.key, request_hash: rest.requestHash, status: rest.status });
  return { table: idempotencyKeys, rows: [record], json: `[${head.slice(0, -1)},"response":${response}}]` };
}

/**
 * Runs a write once per Idempotency-Key: a repeat gets the first response, a concurrent repeat too.
 * `readsInside`: the write looks the key up itself, in the statement that reads the row, so a read
 * here first would only cost a round trip.
 */
export async function onceByKey(
  ctx: EngineContext,
  actor: KeyOwner,
  idem: Idempotency | undefined,
  write: () => Promise<WriteResult>,
  readsInside = false,
) {
  if (idem && !readsInside) {
    const prior = await priorResponse(ctx.db, actor, idem);
    if (prior) return prior;
  }
  try {
    return await write();
  } catch (err) {
    // A concurrent request with the same key committed first: answer as it did. Its act may also
    // have taken what this one checks for (a station's code, a deputy's name at a station, a
    // login, a submission still pending, the phone's last submission of the day) before this one
    // got to its own key: that 409 or 429 is the same race, answered the same way.
    if (idem && (sqlState(err) === '23505' || (err instanceof DomainError && (err.code === 'conflict' || err.code === 'too_many_requests')))) {
      const prior = await priorResponse(ctx.db, actor, idem);
      if (prior) return prior;
    }
    throw err;
  }
}

/** What `onceInTransaction` answers: the act's own answer, or a replay of what its record kept. */
export type Once<T> = { created: boolean; body: T; replayed: false } | { created: boolean; body: unknown; replayed: true };

/**
 * A write outside the machines (the directory, a token, a webhook) run once per Idempotency-Key,
 * as `onceByKey` runs the machines' writes: `act` writes in `tx` — its row and its audit row — and
 * answers, and the key's record is written last in that same transaction, so a repeat finds the
 * act and its record together or neither. `answerForReplay`: what the record keeps instead of a
 * value it must not hold (a token, a secret, a deputy's phone: DESIGN.md §10); `created`: the
 * answer is a 201 (a new thing), else a 200.
 *
 * @example await onceInTransaction(db, actor, idem, (tx) => insertStation(tx, input))
 */
export async function onceInTransaction<T>(
  db: Db,
  actor: KeyOwner,
  idem: Idempotency | undefined,
  act: (tx: Db) => Promise<T>,
  opts: {
    created?: boolean;
    answerForReplay?: EntityStore['answerForReplay'];
    /** What the record keeps when the answer is mostly personal data: the caller reads the rest again on a replay. */
    keep?: (body: T) => unknown;
  } = {},
): Promise<Once<T>> {
  const created = opts.created ?? true;
  const result = await onceByKey({ db }, actor, idem, () =>
    db.transaction(async (tx) => {
      const body = await act(tx);
      if (idem) {
        const kept = opts.keep ? JSON.stringify(opts.keep(body) ?? null) : answerTexts(body, opts).kept;
        await tx.insert(idempotencyKeys).values(keyRecordValues(actor, idem, created, kept));
      }
      return { created, body, replayed: false };
    }),
  );
  return result as Once<T>;
}

/**
 * A write that runs its own transactions (a deadline pass: one per deadline it fires) run once per
 * Idempotency-Key as far as it can be: a repeat after it finished is answered its first answer
 * and does not run again; another request under the key is a 422. The key's record is written
 * after the write, so a repeat sent while the first still runs runs too — harmless for what uses
 * it (a pass fires each deadline once whoever sweeps), and the first record written stays.
 */
export async function onceAfter<T>(db: Db, actor: Actor, idem: Idempotency | undefined, act: () => Promise<T>): Promise<Once<T>> {
  if (idem) {
    const prior = await priorResponse(db, actor, idem);
    if (prior) return prior as Once<T>;
  }
  const body = await act();
  if (idem) {
    const { kept } = answerTexts(body);
    await db.insert(idempotencyKeys).values(keyRecordValues(actor, idem, false, kept)).onConflictDoNothing();
  }
  return { created: false, body, replayed: false };
}
