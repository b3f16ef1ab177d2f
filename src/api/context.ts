import type { IncomingMessage } from 'node:http';
import type { Context } from 'hono';
import type { Idempotency } from '../engine/apply.js';
import { fieldError, PayloadTooLarge, ValidationError } from '../engine/errors.js';
import { requestHash } from '../engine/write/idempotency.js';

/** The JSON API's request plumbing: bodies, headers, URLs. What it shares with the web is src/edge/context.ts. */
export { engineCtx, requestMeta, clientAddressOf, requestHeader, type AppDeps, type Env } from '../edge/context.js';
import { bodyText, requestHeader } from '../edge/context.js';

/**
 * What PostgreSQL cannot store in `text` or `jsonb`: NUL, and a UTF-16 surrogate without its
 * pair (JSON can carry both as `\u0000`, `\ud800`). Written, they fail in the database (a 500);
 * refused here they are a 400 naming the field.
 */
const UNSTORABLE = /\u0000|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
const unstorable = (s: string) => UNSTORABLE.test(s);
/** Deeper documents are refused: every walk over a body (this one, canonical()) recurses. */
const MAX_DEPTH = 64;

/**
 * Every key and string of a parsed body, depth first in key order (the first offence is the one
 * named). One path, pushed and popped, joined only for the refusal: a body is walked on every
 * write, and a copied path per key was most of the walk.
 */
function checkStorable(value: unknown): void {
  if (typeof value === 'string') {
    if (unstorable(value)) throw unstorableAt([]);
  } else if (value !== null && typeof value === 'object') {
    checkMembers(value, []);
  }
}

function checkMembers(value: object, path: Array<string | number>): void {
  if (path.length >= MAX_DEPTH) throw new ValidationError('invalid.body', [fieldError(fieldOf(path), 'field.too_deep', { max: MAX_DEPTH })]);
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) checkMember(value[i], i, path);
    return;
  }
  const keys = Object.keys(value);
  for (let i = 0; i < keys.length; i++) {
    const k = keys[i];
    if (unstorable(k)) {
      path.push(k);
      throw unstorableAt(path);
    }
    checkMember((value as Record<string, unknown>)[k], k, path);
  }
}

function checkMember(v: unknown, k: string | number, path: Array<string | number>): void {
  if (typeof v === 'string') {
    if (!unstorable(v)) return;
    path.push(k);
    throw unstorableAt(path);
  }
  if (v === null || typeof v !== 'object') return;
  path.push(k);
  checkMembers(v, path);
  path.pop();
}

const fieldOf = (path: Array<string | number>) => path.join('.') || '(body)';
const unstorableAt = (path: Array<string | number>) => new ValidationError('invalid.body', [fieldError(fieldOf(path), 'field.unstorable')]);

/** Larger bodies are refused before they are read in full: no case, event or form comes near it. */
export const MAX_BODY_BYTES = 1 << 20;

const tooLarge = () => new ValidationError('invalid.too_large', [fieldError('(body)', 'field.too_large', { kib: MAX_BODY_BYTES / 1024 })]);

/** The JSON body; a body that is not JSON, or that holds what cannot be stored, is a 400 with the reason. */
export async function jsonBody(c: Context, maxBytes?: number): Promise<unknown> {
  const text = maxBytes === undefined ? await bodyText(c, MAX_BODY_BYTES, tooLarge) : await bodyText(c, maxBytes, () => new PayloadTooLarge(maxBytes));
  if (text.trim() === '') return {};
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new ValidationError('invalid.json', [fieldError('(body)', 'field.json', { detail: (err as Error).message })]);
  }
  checkStorable(value);
  return value;
}

/** A NUL in the path or the query (`%00`) reaches SQL as a parameter PostgreSQL refuses: a 400 instead. */
export async function refuseUnstorableUrl(c: Context, next: () => Promise<void>): Promise<void> {
  // A NUL reaches the server only as %00 (the HTTP parser refuses a raw one): most URLs need no parse.
  if (!c.req.url.includes('%00')) return next();
  const url = new URL(c.req.url);
  let path = url.pathname;
  try {
    path = decodeURIComponent(path);
  } catch {
    // a malformed escape is the router's business (a 404), not a NUL
  }
  if (path.includes('\u0000') || [...url.searchParams].some(([k, v]) => k.includes('\u0000') || v.includes('\u0000'))) {
    throw new ValidationError('invalid.url', [fieldError('(url)', 'field.unstorable')]);
  }
  await next();
}

export function idempotencyOf(c: Context, body: unknown): Idempotency | undefined {
  const key = requestHeader(c, 'idempotency-key');
  if (key === undefined) return undefined;
  if (key.length < 1 || key.length > 200) {
    throw new ValidationError('invalid.idempotency_key', [fieldError('Idempotency-Key', 'field.key_length')]);
  }
  const hash = requestHash(`${c.req.method} ${c.req.path}`, body);
  return { key, hash };
}

/**
 * A write run once per Idempotency-Key (`onceInTransaction`), as JSON: 201 for a creation, else
 * 200; a replay says so (`Idempotent-Replayed`, as the cases' answers do), and `note` words what
 * it shows in place of a secret the first answer alone held.
 */
export function onceAnswer(c: Context, result: { created: boolean; body: unknown; replayed: boolean }, note?: (body: any) => string) {
  const status = result.created ? 201 : 200;
  if (!result.replayed) return c.json(result.body as object, status);
  c.header('Idempotent-Replayed', 'true');
  return c.json((note ? { ...(result.body as object), note: note(result.body) } : result.body) as object, status);
}

/** `If-Match: "3"` (or 3, or W/"3") pins the version the client saw. */
export function ifMatchOf(c: Context): number | undefined {
  const raw = requestHeader(c, 'if-match');
  if (raw === undefined || raw.trim() === '*') return undefined;
  const m = /^\s*(?:W\/)?"?(\d{1,9})"?\s*$/.exec(raw);
  if (!m) throw new ValidationError('invalid.if_match', [fieldError('If-Match', 'field.if_match')]);
  return Number(m[1]);
}

export function etag(version: number): string {
  return `"${version}"`;
}
