/**
 * Calling the engine's one write path from a form: the engine context, a version pin (the
 * version the user saw, so a form opened before someone else's change is refused, not applied to
 * a case the user has not seen) and an idempotency key per rendered form (a double click
 * submits once).
 */
import { createHash, randomUUID } from 'node:crypto';
import type { AppDeps } from '../api/context.js';
import type { EngineContext, Idempotency, Written } from '../engine/apply.js';
import type { Db } from '../db/client.js';
import { canonical } from '../engine/verify.js';
import { one, type FormBody } from './http.js';
import type { WebContext } from './page.js';

export function engineOf(deps: AppDeps, c: WebContext): EngineContext {
  return { db: deps.db, now: deps.now, requestId: c.get('requestId') };
}

export const newFormKey = () => randomUUID();

export function idempotencyOfForm(c: WebContext, form: FormBody, body: unknown): Idempotency | undefined {
  const key = one(form, '_key');
  if (!/^[\w-]{8,100}$/.test(key)) return undefined;
  const hash = createHash('sha256').update(`WEB ${c.req.path}\n${canonical(body)}`).digest('hex');
  return { key: `web:${key}`, hash };
}

export function versionOfForm(form: FormBody): number | undefined {
  const v = one(form, '_version');
  return /^\d{1,9}$/.test(v) ? Number(v) : undefined;
}

/**
 * What the engine stores as the write's response: just enough to redirect. The page that
 * follows reads the case afresh (and logs that read, if it shows personal data).
 */
export const brief = async (_tx: Db, w: Written) => ({ id: w.row.id, number: w.row.number, state: w.row.state, version: w.row.version });
