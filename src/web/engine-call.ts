/**
 * Calling the engine's one write path from a form (the event pages' POST is in event-page.tsx): the engine context, a version pin (the
 * version the user saw, so a form opened before someone else's change is refused, not applied to
 * a case the user has not seen) and an idempotency key per rendered form (a double click
 * submits once).
 */
import { randomUUID } from 'node:crypto';
import { engineCtx, type AppDeps } from '../edge/context.js';
import { type EngineContext, type Idempotency, type Written } from '../engine/apply.js';
import { requestHash } from '../engine/write/idempotency.js';
import type { FieldErrorMap } from './components.js';
import { one, restoredDraft, type FormBody } from './http.js';
import { formValues } from './journal.js';
import { type WebContext } from './page.js';
import { UI } from '../words.js';

/** The engine context of this page's request (the same as the API's). */
export const engineOf = (deps: AppDeps, c: WebContext): EngineContext => engineCtx(deps, c);

export const newFormKey = () => randomUUID();

/** The key a form was rendered with (its hidden `_key`), if it came back well-formed. */
export function postedFormKey(form: FormBody): string | undefined {
  const key = one(form, '_key');
  return /^[\w-]{8,100}$/.test(key) ? key : undefined;
}

/** The Idempotency-Key of a rendered form (its hidden `_key`), scoped to the page it posts to. */
export function idempotencyOfForm(c: { req: { path: string } }, form: FormBody, body: unknown): Idempotency | undefined {
  const key = postedFormKey(form);
  if (key === undefined) return undefined;
  const hash = requestHash(`WEB ${c.req.path}`, body);
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
export const brief = (w: Written) => ({ body: { id: w.row.id, number: w.row.number, state: w.row.state, version: w.row.version } });

/** An event form shown again after a refusal: what was typed, the errors, the same idempotency key. */
export interface EventFormState {
  values: FormBody;
  errors: FieldErrorMap;
  error?: { title: string; detail: string } | null;
  key: string;
  /** The version the form is pinned to, when not the record's current one (a restored or stale form). */
  version?: number;
  /** A note above the form (what was restored), not a refusal. */
  notice?: { title: string; detail: string } | null;
  /** Someone else changed the record since the form was opened: the journal entries after `since`. */
  changedSince?: number;
}

/**
 * The form as the user left it when their session ended (src/web/pages/auth.tsx hands it back
 * after signing in again): the typed values, the same idempotency key and the version they saw,
 * so a change someone made meanwhile is still shown to them before anything is applied.
 */
export function restoredFormState(c: WebContext): EventFormState | undefined {
  const draft = restoredDraft(c);
  if (!draft) return undefined;
  const key = one(draft, '_key');
  return {
    values: formValues(draft),
    errors: {},
    key: /^[\w-]{8,100}$/.test(key) ? key : newFormKey(),
    version: versionOfForm(draft),
    notice: { title: UI.restored.title, detail: UI.restored.detail },
  };
}
