/**
 * Idempotency-Key: a write runs once per key and caller; a repeat — or a concurrent repeat — gets
 * the first answer, and a repeat with another request under the same key is refused (422).
 */
import { createHash } from 'node:crypto';
import { and, eq, sql } from 'drizzle-orm';
import type { Db } from '../../db/client.js';
import { idempotencyKeys } from '../../db/schema.js';
import type { Actor } from '../../machines/roles.js';
import { IdempotencyMismatch, sqlState } from '../errors.js';
import type { EngineContext, Idempotency, WriteResult } from './types.js';

/** JSON with sorted keys, so two equal documents compare equal whatever their key order. */
export function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    return `{${Object.keys(value)
      .filter((k) => (value as Record<string, unknown>)[k] !== undefined)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonical((value as Record<string, unknown>)[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(value);
}

/**
 * What identifies a request under its key: where it went (`POST /api/cases/…`, `WEB /cases/…`)
 * and its body, whatever the order of the body's keys.
 */
export function requestHash(target: string, body: unknown): string {
  return createHash('sha256').update(`${target}\n${canonical(body)}`).digest('hex');
}

/** A stored key record, as the write path reads it. */
export interface KeyRecord {
  requestHash: string;
  /** The stored answer's HTTP status (201: a creation; 200: an event). */
  status: number;
  response: unknown;
}

export async function priorResponse(db: Db, actor: Actor, idem: Idempotency): Promise<WriteResult | null> {
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
 * The idempotency record of a write's answer (`json`: its JSON text, stored as the jsonb it is).
 * The table keeps the answer's HTTP status, as it always has (station activities store theirs
 * too); only this module reads or writes it.
 */
export function keyRecord(actor: Actor, idem: Idempotency, created: boolean, json: string) {
  return { userId: actor.id, key: idem.key, requestHash: idem.hash, status: created ? 201 : 200, response: json };
}

/** Stores a key record outside the write statement (creation): its response, JSON text already, is not encoded again. */
export async function rememberResponse(tx: Db, record: ReturnType<typeof keyRecord>): Promise<void> {
  await tx.insert(idempotencyKeys).values({ ...record, response: sql`${record.response}::jsonb` });
}

/**
 * Runs a write once per Idempotency-Key: a repeat gets the first response, a concurrent repeat too.
 * `readsInside`: the write looks the key up itself, in the statement that reads the row, so a read
 * here first would only cost a round trip.
 */
export async function onceByKey(
  ctx: EngineContext,
  actor: Actor,
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
    // A concurrent request with the same key committed first: answer as it did.
    if (idem && sqlState(err) === '23505') {
      const prior = await priorResponse(ctx.db, actor, idem);
      if (prior) return prior;
    }
    throw err;
  }
}
