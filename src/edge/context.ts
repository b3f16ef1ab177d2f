/**
 * What the JSON API and the web share for every request: the application's dependencies, the
 * request's variables (who is acting, the request id) and the engine context built from them.
 */
import type { Context } from 'hono';
import type { Actor } from '../machines/roles.js';
import type { Db } from '../db/client.js';
import type { EngineContext } from '../engine/apply.js';

export interface AppDeps {
  db: Db;
  log: (msg: string, extra?: unknown) => void;
  /** The clock, pinned in some tests. */
  now?: () => Date;
  /** `DEADLINE_WARNING_DAYS` (DESIGN §11); default 5. */
  warningDays?: number;
}

/** The variables every request carries (the web adds its session and form). */
export type RequestVars = { actor: Actor; requestId: string };
export type Env = { Variables: RequestVars };

/** The engine context of one request, for the API and the web alike. */
export function engineCtx(deps: AppDeps, c: Context<any>): EngineContext {
  return { db: deps.db, now: deps.now, requestId: c.get('requestId') };
}
