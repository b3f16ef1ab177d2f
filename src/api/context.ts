import type { IncomingMessage } from 'node:http';
import type { Context } from 'hono';
import type { Idempotency } from '../engine/apply.js';
import { fieldError, ValidationError } from '../engine/errors.js';
import { requestHash } from '../engine/write/idempotency.js';

/** The JSON API's request plumbing: bodies, headers, URLs. What it shares with the web is src/edge/context.ts. */
export { engineCtx, type AppDeps, type Env } from '../edge/context.js';

/**
 * What PostgreSQL cannot store in `text` or `jsonb`: NUL, and a UTF-16 surrogate without its
 * pair (JSON can carry both as `\u0000`, `\ud800`). Written, they fail in the database (a 500);
 * refused here they are a 400 naming the field.
 */
const UNSTORABLE = /\u0000|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
/** Deeper documents are refused: every walk over a body (this one, canonical()) recurses. */
const MAX_DEPTH = 64;

function checkStorable(value: unknown, path: string[] = []): void {
  const field = () => path.join('.') || '(body)';
  if (typeof value === 'string') {
    if (UNSTORABLE.test(value)) throw new ValidationError('invalid.body', [fieldError(field(), 'field.unstorable')]);
    return;
  }
  if (value === null || typeof value !== 'object') return;
  if (path.length >= MAX_DEPTH) throw new ValidationError('invalid.body', [fieldError(field(), 'field.too_deep', { max: MAX_DEPTH })]);
  for (const [k, v] of Object.entries(value)) {
    if (UNSTORABLE.test(k)) throw new ValidationError('invalid.body', [fieldError([...path, k].join('.'), 'field.unstorable')]);
    checkStorable(v, [...path, k]);
  }
}

/** Larger bodies are refused before they are read in full: no case, event or form comes near it. */
export const MAX_BODY_BYTES = 1 << 20;

const tooLarge = () => new ValidationError('invalid.too_large', [fieldError('(body)', 'field.too_large', { kib: MAX_BODY_BYTES / 1024 })]);

/**
 * The request body as UTF-8 text. Under @hono/node-server it is read straight from Node's
 * IncomingMessage: `c.req.text()` there builds a WHATWG Request, an AbortController and a web
 * stream around the socket for every request, about a tenth of the server's CPU per event
 * (`npm run bench -- --profile`). Elsewhere (`app.request()` in tests) it is `c.req.text()`.
 */
function bodyText(c: Context): Promise<string> {
  const incoming = (c.env as { incoming?: IncomingMessage } | undefined)?.incoming;
  if (!incoming || typeof incoming.on !== 'function') {
    return c.req.text().then((text) => {
      if (Buffer.byteLength(text) > MAX_BODY_BYTES) throw tooLarge();
      return text;
    });
  }
  if (Number(incoming.headers['content-length'] ?? 0) > MAX_BODY_BYTES) return Promise.reject(tooLarge());
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let settled = false;
    const settle = (err: unknown, text?: string) => {
      if (settled) return;
      settled = true;
      incoming.off('data', onData).off('end', onEnd).off('error', settle).off('close', onClose);
      if (err) reject(err);
      else resolve(text!);
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size <= MAX_BODY_BYTES) chunks.push(chunk);
      // Chunked, without a length: refuse, and let the rest drain unread.
      else settle(tooLarge());
    };
    const onEnd = () => settle(null, chunks.length === 1 ? chunks[0].toString('utf8') : Buffer.concat(chunks).toString('utf8'));
    const onClose = () => settle(new Error('request closed before its body was read'));
    incoming.on('data', onData).on('end', onEnd).on('error', settle).on('close', onClose);
  });
}

/** The JSON body; a body that is not JSON, or that holds what cannot be stored, is a 400 with the reason. */
export async function jsonBody(c: Context): Promise<unknown> {
  const text = await bodyText(c);
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
  const key = c.req.header('idempotency-key');
  if (key === undefined) return undefined;
  if (key.length < 1 || key.length > 200) {
    throw new ValidationError('invalid.idempotency_key', [fieldError('Idempotency-Key', 'field.key_length')]);
  }
  const hash = requestHash(`${c.req.method} ${c.req.path}`, body);
  return { key, hash };
}

/** `If-Match: "3"` (or 3, or W/"3") pins the version the client saw. */
export function ifMatchOf(c: Context): number | undefined {
  const raw = c.req.header('if-match');
  if (raw === undefined || raw.trim() === '*') return undefined;
  const m = /^\s*(?:W\/)?"?(\d{1,9})"?\s*$/.exec(raw);
  if (!m) throw new ValidationError('invalid.if_match', [fieldError('If-Match', 'field.if_match')]);
  return Number(m[1]);
}

export function etag(version: number): string {
  return `"${version}"`;
}
