/**
 * The engine's refusals in the people's words: the sentences of src/messages.ts with states,
 * events and roles by their labels and instants as Shanghai times. A payload schema's own
 * message is shown as it is, except where a page says it better (a list to choose from).
 */
import type { DomainError, FieldError } from '../engine/errors.js';
import { AMOUNT_MESSAGE, DATE_MESSAGE, DATE_OR_INSTANT_MESSAGE, INSTANT_MESSAGE } from '../machines/fields.js';
import { formatDateTime } from '../format.js';
import { EVENT_LABELS, fieldLabel, ROLE_LABELS, stateLabel, TRACK_LABELS } from '../labels.js';
import { UI } from '../words.js';
import { fieldMessage, messageOf, type Wording } from '../messages.js';

/** An instant as the engine or the database writes it: ISO 8601, or PostgreSQL's text form (a space for the T). */
const INSTANT = /\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}(?::?\d{2})?)/g;
const IS_INSTANT = new RegExp(`^${INSTANT.source}$`);

/** Every instant inside a sentence as a Beijing time people read (`2026-12-03 20:27`), never ISO. */
const readableInstants = (text: string) =>
  text.replace(INSTANT, (m) => {
    const iso = m.replace(' ', 'T').replace(/([+-]\d{2})(\d{2})?$/, (_, h: string, mm?: string) => `${h}:${mm ?? '00'}`);
    return Number.isNaN(Date.parse(iso)) ? m : formatDateTime(iso);
  });

/**
 * Schema messages written for API clients, as a form says them: by message (an amount, a date or
 * a time, whose API words name the wire format), then by field and issue.
 */
const FORM_WORDS: Record<string, string> = {
  [AMOUNT_MESSAGE]: UI.common.amountFormat,
  [DATE_MESSAGE]: UI.common.dateFormat,
  // A log's filter is a date picker: its ISO 8601 instants are for API clients.
  [DATE_OR_INSTANT_MESSAGE]: UI.common.dateFormat,
  [INSTANT_MESSAGE]: UI.common.dateTimeFormat,
};

const SCHEMA_WORDS: Record<string, string> = {
  'track:custom': `须选择${TRACK_LABELS.pre_filing}或${TRACK_LABELS.post_filing}`,
  'partiesConsent:invalid_value': '延长调解期限须经双方当事人同意',
};

function schemaWords(e: FieldError): string {
  const p = (e.params ?? {}) as { message?: string; issue?: string; expected?: string; values?: unknown[] };
  const name = e.field.split('.').at(-1) ?? e.field;
  const special = SCHEMA_WORDS[`${name}:${p.issue}`];
  if (special) return special;
  // A form takes "3,000" and "¥3,000元" (the web strips them), and dates from a date picker: its
  // example says so, without the API's quotes and format names.
  if (p.message && Object.hasOwn(FORM_WORDS, p.message)) return FORM_WORDS[p.message];
  if (p.issue === 'invalid_value' && (p.values?.length ?? 0) > 1) return UI.common.chooseFromList;
  return p.message ?? '';
}

export const webWording: Wording = {
  state: (s) => `「${stateLabel(s)}」`,
  event: (e) => (EVENT_LABELS[e] ? `「${EVENT_LABELS[e]}」` : ` ${e} `),
  eventHint: () => '',
  roles: (roles) => roles.map((r) => `「${ROLE_LABELS[r] ?? r}」`).join('、'),
  events: (events) => events.map((e) => (EVENT_LABELS[e] ? `「${EVENT_LABELS[e]}」` : e)).join(','),
  instant: (v) => (IS_INSTANT.test(v) ? readableInstants(v) : v),
  // The form's checkbox under the amount, by its label (确认超额), not the API's field name.
  confirm: (field, what) => `如确属${what}，请勾选下方“${fieldLabel(field)}”后再提交`,
  field: (e) => (e.reason === 'field.schema' ? schemaWords(e) : fieldMessage(e, webWording)),
};

/** A refusal's sentence for a page. */
export const sayError = (err: DomainError): string => readableInstants(messageOf(err.reason, err.params, webWording));

/** One field's refusal for a form. */
export const sayField = (e: FieldError): string => readableInstants(webWording.field(e));
