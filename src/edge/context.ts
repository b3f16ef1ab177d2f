/**
 * What the JSON API and the web share for every request: the application's dependencies, the
 * request's variables (who is acting, the request id) and the engine context built from them.
 */
import type { IncomingMessage } from 'node:http';
import type { Context } from 'hono';
import type { Actor } from '../machines/roles.js';
import type { Db } from '../db/client.js';
import type { EngineContext } from '../engine/apply.js';
import type { RequestMeta } from '../engine/audit.js';

export interface AppDeps {
  db: Db;
  log: (msg: string, extra?: unknown) => void;
  /** The clock, pinned in some tests. */
  now?: () => Date;
  /** `DEADLINE_WARNING_DAYS` (DESIGN §11); default 5. */
  warningDays?: number;
  /** Where citizens reach this server (PUBLIC_URL); unset: the address a page was asked on. */
  publicUrl?: string;
  /** Take the client address from X-Forwarded-For (TRUST_PROXY). */
  trustProxy?: boolean;
}

/** The client's address for the public pages' limits: `clientAddressOf` under this app's TRUST_PROXY. */
export function clientAddress(deps: AppDeps, c: Context<any>): string {
  return clientAddressOf(c, deps.trustProxy);
}

/** PUBLIC_URL, or the origin this request came to. */
export function publicUrlOf(deps: AppDeps, c: Context<any>): string {
  return deps.publicUrl ?? new URL(c.req.url).origin;
}

/** The variables every request carries (the web adds its session and form). */
export type RequestVars = { actor: Actor; requestId: string; clientRequestId: string | null; clientAddress: string };
export type Env = { Variables: RequestVars };

/** The engine context of one request, for the API and the web alike. */
export function engineCtx(deps: AppDeps, c: Context<any>): EngineContext {
  return { db: deps.db, now: deps.now, requestId: c.get('requestId') };
}

/**
 * One request header as `c.req.header(name)` gives it (every field of that name, its value trimmed
 * of HTTP whitespace, joined by ", "; undefined when there is none), `name` in lower case. Under
 * @hono/node-server it is read from Node's IncomingMessage: `c.req.header()` there first builds a
 * WHATWG Headers of every field of the request, each name and value checked and copied, for every
 * request; an event's few look-ups need none of that. Elsewhere (`app.request()`) it is `c.req.header()`.
 */
export function requestHeader(c: Context, name: string): string | undefined {
  const raw = (c.env as { incoming?: IncomingMessage } | undefined)?.incoming?.rawHeaders;
  if (!Array.isArray(raw)) return c.req.header(name);
  let out: string | undefined;
  for (let i = 0; i < raw.length; i += 2) {
    const key = raw[i];
    // Most clients send the names in lower case already: no lower-cased copy for those.
    if (key.length !== name.length || (key !== name && key.toLowerCase() !== name)) continue;
    const value = trimHttpWhitespace(raw[i + 1]);
    out = out === undefined ? value : `${out}, ${value}`;
  }
  return out;
}

/** Without leading and trailing tab, line feed, carriage return and space (what Headers strips). */
function trimHttpWhitespace(s: string): string {
  let start = 0;
  let end = s.length;
  while (start < end && isHttpWhitespace(s.charCodeAt(start))) start++;
  while (end > start && isHttpWhitespace(s.charCodeAt(end - 1))) end--;
  return start === 0 && end === s.length ? s : s.slice(start, end);
}

// At module level, not a closure per call: under tsx (esbuild's keepNames) every named function
// made at run time costs a call to `__name`, a defineProperty, per request.
function isHttpWhitespace(code: number): boolean {
  return code === 32 || code === 9 || code === 10 || code === 13;
}

/**
 * The request body as UTF-8 text, refused with `refuse()` beyond `maxBytes` (before it is read
 * when its length is declared). Under @hono/node-server it is read straight from Node's
 * IncomingMessage: `c.req.text()` there builds a WHATWG Request, an AbortController and a web
 * stream around the socket for every request, about a tenth of the server's CPU per event
 * (`npm run bench -- --profile`). Elsewhere (`app.request()` in tests) it is `c.req.text()`.
 */
export function bodyText(c: Context, maxBytes: number, refuse: () => Error): Promise<string> {
  // A declared length over the limit is refused before a byte of the body is read.
  if (Number(requestHeader(c, 'content-length') ?? 0) > maxBytes) return Promise.reject(refuse());
  const incoming = (c.env as { incoming?: IncomingMessage } | undefined)?.incoming;
  if (!incoming || typeof incoming.on !== 'function') {
    return c.req.text().then((text) => {
      if (Buffer.byteLength(text) > maxBytes) throw refuse();
      return text;
    });
  }
  return new Promise((resolve, reject) => {
    (incoming as Reading)[READING] = { chunks: [], size: 0, maxBytes, refuse, resolve, reject };
    incoming.on('data', onBodyData).on('end', onBodyEnd).on('error', onBodyError).on('close', onBodyClose);
  });
}

/**
 * A body being read: its state on the IncomingMessage itself, and its listeners at module level
 * (called with the message as `this`). Four closures per request cost four calls to `__name` under
 * tsx (see isHttpWhitespace) and their allocation: 0.6% of the server's CPU under `npm run bench`.
 */
const READING = Symbol('body being read');
type Reading = IncomingMessage & {
  [READING]?: { chunks: Buffer[]; size: number; maxBytes: number; refuse: () => Error; resolve: (text: string) => void; reject: (err: unknown) => void };
};

function settleBody(incoming: Reading, err: unknown, text?: string): void {
  const reading = incoming[READING];
  if (!reading) return;
  incoming[READING] = undefined;
  incoming.off('data', onBodyData).off('end', onBodyEnd).off('error', onBodyError).off('close', onBodyClose);
  if (err) reading.reject(err);
  else reading.resolve(text!);
}

function onBodyData(this: Reading, chunk: Buffer): void {
  const reading = this[READING];
  if (!reading) return;
  reading.size += chunk.length;
  if (reading.size <= reading.maxBytes) reading.chunks.push(chunk);
  // Chunked, without a length: refuse, and let the rest drain unread.
  else settleBody(this, reading.refuse());
}

function onBodyEnd(this: Reading): void {
  const chunks = this[READING]?.chunks;
  if (chunks) settleBody(this, null, chunks.length === 1 ? chunks[0].toString('utf8') : Buffer.concat(chunks).toString('utf8'));
}

function onBodyError(this: Reading, err: unknown): void {
  settleBody(this, err);
}

function onBodyClose(this: Reading): void {
  settleBody(this, new Error('request closed before its body was read'));
}

/**
 * The client's address: the socket's peer, or behind a trusted proxy the last X-Forwarded-For
 * entry (the one the proxy itself added; earlier ones are the client's to choose). `local`
 * when there is no socket (`app.request()` in tests, unless the test passes one).
 */
export function clientAddressOf(c: Context, trustProxy = false): string {
  if (trustProxy) {
    const hops = (requestHeader(c, 'x-forwarded-for') ?? '').split(',').map((s) => s.trim()).filter(Boolean);
    if (hops.length) return hops[hops.length - 1].slice(0, 100);
  }
  const incoming = (c.env as { incoming?: { socket?: { remoteAddress?: string } } } | undefined)?.incoming;
  return incoming?.socket?.remoteAddress?.slice(0, 100) ?? 'local';
}

/** What the audit log records of a request: its ids and where it came from. */
export function requestMeta(c: Context): RequestMeta & { clientAddress: string } {
  const get = (k: string) => c.get(k as never) as string | null | undefined;
  return { requestId: get('requestId') ?? undefined, clientRequestId: get('clientRequestId') ?? null, clientAddress: get('clientAddress') ?? 'local' };
}
