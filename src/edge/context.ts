/**
 * What the JSON API and the web share for every request: the application's dependencies, the
 * request's variables (who is acting, the request id) and the engine context built from them.
 */
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
  /** TRUST_PROXY: the client address is the last X-Forwarded-For entry (see src/env.ts). */
  trustProxy?: boolean;
}

/** The variables every request carries (the web adds its session and form). */
export type RequestVars = { actor: Actor; requestId: string; clientRequestId: string | null; clientAddress: string };
export type Env = { Variables: RequestVars };

/** The engine context of one request, for the API and the web alike. */
export function engineCtx(deps: AppDeps, c: Context<any>): EngineContext {
  return { db: deps.db, now: deps.now, requestId: c.get('requestId') };
}

/**
 * The client's address: the socket's peer, or behind a trusted proxy the last X-Forwarded-For
 * entry (the one the proxy itself added; earlier ones are the client's to choose). `local`
 * when there is no socket (`app.request()` in tests, unless the test passes one).
 */
export function clientAddressOf(c: Context, trustProxy = false): string {
  if (trustProxy) {
    const hops = (c.req.header('x-forwarded-for') ?? '').split(',').map((s) => s.trim()).filter(Boolean);
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
