import { createHash } from 'node:crypto';
import type { Context } from 'hono';
import type { Actor } from '../machines/roles.js';
import type { Db } from '../db/client.js';
import type { EngineContext, Idempotency } from '../engine/apply.js';
import { ValidationError } from '../engine/errors.js';
import { canonical } from '../engine/verify.js';

export interface AppDeps {
  db: Db;
  log: (msg: string, extra?: unknown) => void;
  /** The clock, pinned in some tests. */
  now?: () => Date;
}

export type Env = { Variables: { actor: Actor; requestId: string } };

export function engineCtx(deps: AppDeps, c: Context<Env>): EngineContext {
  return { db: deps.db, now: deps.now, requestId: c.get('requestId') };
}

/** The JSON body; a body that is not JSON is a 400 with the reason. */
export async function jsonBody(c: Context): Promise<unknown> {
  const text = await c.req.text();
  if (text.trim() === '') return {};
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new ValidationError('请求体不是合法的 JSON', [{ field: '(body)', message: (err as Error).message }]);
  }
}

export function idempotencyOf(c: Context, body: unknown): Idempotency | undefined {
  const key = c.req.header('idempotency-key');
  if (key === undefined) return undefined;
  if (key.length < 1 || key.length > 200) {
    throw new ValidationError('Idempotency-Key 无效', [{ field: 'Idempotency-Key', message: '长度须为 1–200 个字符' }]);
  }
  const hash = createHash('sha256').update(`${c.req.method} ${c.req.path}\n${canonical(body)}`).digest('hex');
  return { key, hash };
}

/** `If-Match: "3"` (or 3, or W/"3") pins the version the client saw. */
export function ifMatchOf(c: Context): number | undefined {
  const raw = c.req.header('if-match');
  if (raw === undefined || raw.trim() === '*') return undefined;
  const m = /^\s*(?:W\/)?"?(\d{1,9})"?\s*$/.exec(raw);
  if (!m) throw new ValidationError('If-Match 无效', [{ field: 'If-Match', message: '须为版本号，例如 "3"' }]);
  return Number(m[1]);
}

export function etag(version: number): string {
  return `"${version}"`;
}
