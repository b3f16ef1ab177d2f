/**
 * The web's one form pattern: POST → the engine's verb → a redirect, or, when the engine refuses,
 * the same page again with what was typed, each field's error on its input and the reason at the
 * top. Every page's form (admin, activities, cases, supervision items, submissions, webhooks…)
 * goes through `formAction`; what a page does with a refusal is its own `again`.
 */
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { DomainError, ValidationError, type Reason } from '../engine/errors.js';
import { statusOf } from '../edge/errors.js';
import { ERROR_TITLES } from '../words.js';
import type { FieldErrorMap } from './components.js';
import { describeError } from './page.js';
import { sayError, sayField } from './wording.js';

/** A refusal, as a form shows it: errors by input, the heading and reason, the status to answer. */
export interface Refused {
  errors: FieldErrorMap;
  error: { title: string; detail: string };
  status: ContentfulStatusCode;
}

/**
 * Refusals of a value typed on the form — a date before registration or already past, an amount
 * over what is owed or of nothing, deputies not on the case — though the record is in the right
 * state. The API answers them 409 (the machine's guard refuses them); a form heads them like the
 * 400s, "请检查填写的内容", not "当前状态不允许此操作", which sends people looking at the state.
 */
const VALUE_REFUSALS: ReadonlySet<Reason> = new Set<Reason>([
  'transition.overpayment',
  'transition.overrecovery',
  'transition.nothing_paid',
  'transition.session_before_registration',
  'transition.due_date_past',
  'transition.attendees_not_assigned',
  'transition.recuse_not_assigned',
]);

/** By default a field error belongs to the input of its top-level field (`days.3.date` → `days`). */
const topField = (path: string) => path.split('.')[0];

/**
 * A refusal from an engine verb, for the form that sent it: the first error of each input (found
 * by `inputOf`), a conflict about one field (a taken login or code) on that field, any other
 * refusal as its reason. Null when `err` is no refusal (a bug: the caller rethrows it).
 */
export function refusalOf(err: unknown, inputOf: (path: string) => string = topField): Refused | null {
  if (err instanceof ValidationError) {
    const errors: FieldErrorMap = {};
    for (const e of err.errors) errors[inputOf(e.field)] ??= sayField(e);
    return { errors, error: { title: ERROR_TITLES.validation, detail: '' }, status: 400 };
  }
  if (err instanceof DomainError && typeof err.extra.field === 'string') {
    const said = sayError(err);
    return { errors: { [err.extra.field]: said }, error: { title: ERROR_TITLES[err.code], detail: said }, status: statusOf(err) };
  }
  const d = describeError(err);
  if (!d) return null;
  const title = err instanceof DomainError && VALUE_REFUSALS.has(err.reason) ? ERROR_TITLES.validation : (ERROR_TITLES[d.code] ?? d.code);
  return { errors: {}, error: { title, detail: d.detail }, status: d.status };
}

/**
 * Runs a form's verb and answers what `run` answers (usually a 303 to the page with `?ok=…`); if
 * the engine refuses, answers `again(refused, err)` — the page re-rendered with the form as typed.
 * Anything that is not a refusal propagates (the page wrapper answers 500 and logs it).
 *
 * @example
 * return formAction(
 *   async () => { await createStation(deps.db, actor, body, meta); return c.redirect('/admin/stations?ok=station', 303); },
 *   (r) => stationsPage(deps, c, ctx, { ...r, values: form }, 400),
 * );
 */
export async function formAction(
  run: () => Promise<Response>,
  again: (refused: Refused, err: unknown) => Response | Promise<Response>,
  inputOf?: (path: string) => string,
): Promise<Response> {
  try {
    return await run();
  } catch (err) {
    const refused = refusalOf(err, inputOf);
    if (!refused) throw err;
    return again(refused, err);
  }
}
