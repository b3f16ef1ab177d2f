/**
 * Event forms derived from the machines' own zod payload schemas: the form has exactly the
 * fields the engine will check, so a new field on an event shows up here without a second list.
 * Only the input widget is chosen here; what is valid is still decided by the engine.
 */
import { z } from 'zod';
import { amount, calendarDate, id, instant, positiveAmount } from '../machines/fields.js';
import { UI } from '../words.js';
import { FORM_TEXT_MAX_CHARS, many, one, type FormBody } from './http.js';

export type FieldKind =
  | 'text'
  | 'textarea'
  | 'select'
  | 'deputies'
  | 'deputy'
  | 'datetime'
  | 'date'
  | 'money'
  | 'integer'
  | 'consent'
  | 'confirm'
  | 'installments';

export interface FormField {
  name: string;
  kind: FieldKind;
  required: boolean;
  options?: string[];
  /** The most characters a text input takes (its `maxlength`). */
  max?: number;
}

function unwrap(s: z.ZodType): { inner: z.ZodType; optional: boolean } {
  let inner = s;
  let optional = false;
  for (let i = 0; i < 5; i++) {
    if (inner instanceof z.ZodOptional || inner instanceof z.ZodDefault) {
      optional = true;
      inner = (inner as z.ZodOptional<z.ZodType>).unwrap();
    } else break;
  }
  return { inner, optional };
}

function kindOf(name: string, s: z.ZodType): { kind: FieldKind; options?: string[] } {
  if (s === instant) return { kind: 'datetime' };
  if (s === calendarDate) return { kind: 'date' };
  if (s === amount || s === positiveAmount) return { kind: 'money' };
  if (s instanceof z.ZodEnum) return { kind: 'select', options: s.options as string[] };
  if (s instanceof z.ZodArray) {
    const element = (s as z.ZodArray<z.ZodType>).element;
    if (element instanceof z.ZodObject) return { kind: 'installments' };
    return { kind: 'deputies' };
  }
  if (s === id && name === 'deputyId') return { kind: 'deputy' };
  if (s instanceof z.ZodNumber) return { kind: 'integer' };
  if (s instanceof z.ZodLiteral) return { kind: 'consent' };
  // An explicit confirmation the engine asks for (confirmOverpayment): a checkbox, sent only when ticked.
  if (s instanceof z.ZodBoolean) return { kind: 'confirm' };
  if (s instanceof z.ZodString) return { kind: (s.maxLength ?? Infinity) > 500 ? 'textarea' : 'text' };
  return { kind: 'text' };
}

/**
 * The most characters a form's input for `s` takes: the schema's own limit, within what one form
 * body carries (FORM_TEXT_MAX_CHARS); undefined for a schema that sets none or is no text.
 * @example textLimit(text(200)) // 200; textLimit(text(20000)) // 7000
 */
export function textLimit(s: z.ZodType | undefined): number | undefined {
  if (!s) return undefined;
  const { inner } = unwrap(s);
  const max = inner instanceof z.ZodString ? inner.maxLength : null;
  return max == null ? undefined : Math.min(max, FORM_TEXT_MAX_CHARS);
}

/**
 * The limit said beside a field before anything is typed ("最多 2000 字"), for text of a sentence
 * or more (200 characters up); a name's or a number's limit the `maxlength` alone keeps.
 */
export const limitHint = (max: number | undefined) => (max !== undefined && max >= 200 ? UI.common.maxChars(max) : undefined);

/**
 * The fields of an event's payload schema, in the schema's order. `occurredAt` comes last and is
 * optional: the engine fills in "now" when it is left out.
 */
export function fieldsOf(schema: z.ZodType): FormField[] {
  if (!(schema instanceof z.ZodObject)) return [];
  const fields: FormField[] = [];
  for (const [name, raw] of Object.entries(schema.shape as Record<string, z.ZodType>)) {
    if (name === 'occurredAt') continue;
    const { inner, optional } = unwrap(raw);
    const kind = kindOf(name, inner);
    const max = kind.kind === 'text' || kind.kind === 'textarea' ? textLimit(inner) : undefined;
    fields.push({ name, required: !optional, ...kind, ...(max === undefined ? {} : { max }) });
  }
  fields.push({ name: 'occurredAt', kind: 'datetime', required: false });
  return fields;
}

/** `2026-11-24T09:30` typed in Shanghai → `2026-11-24T09:30:00+08:00`. */
export function fromLocalDateTime(v: string): string {
  return /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}$/.test(v) ? `${v}:00+08:00` : v;
}

/** An instant → the value of a datetime-local input in Shanghai. */
export function toLocalDateTime(iso: string | undefined): string {
  if (!iso || Number.isNaN(Date.parse(iso))) return '';
  return new Date(Date.parse(iso) + 8 * 3_600_000).toISOString().slice(0, 16);
}

/** `¥12,000.50` or `12000.5` as typed → `12000.50`-style text the engine parses. */
export function cleanMoney(v: string): string {
  return v.replace(/[¥,，\s]/g, '').replace(/元$/, '');
}

/**
 * The form body as the event's JSON payload. Blank inputs are left out, so the engine says
 * "必填" about a required one instead of a type error.
 */
export function payloadOf(fields: FormField[], form: FormBody): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const f of fields) {
    const v = one(form, f.name).trim();
    switch (f.kind) {
      case 'deputies':
        out[f.name] = many(form, f.name);
        break;
      case 'consent':
      case 'confirm':
        if (v) out[f.name] = true;
        break;
      case 'integer':
        if (v) out[f.name] = /^-?\d+$/.test(v) ? Number(v) : v;
        break;
      case 'money':
        if (v) out[f.name] = cleanMoney(v);
        break;
      case 'datetime':
        if (v) out[f.name] = fromLocalDateTime(v);
        break;
      case 'installments': {
        // The rows typed, blank ones left out; each amount as the claim amount takes it ("3,000").
        const rows = filledRows(installmentRows(form, f.name));
        if (rows.length) out[f.name] = rows.map((r) => ({ dueDate: r.dueDate.trim(), amount: cleanMoney(r.amount) }));
        break;
      }
      default:
        if (v) out[f.name] = v;
    }
  }
  return out;
}

/** One instalment as typed on the form, with its row (the `N` of `installments.N.amount`). */
export interface InstallmentRow {
  row: number;
  dueDate: string;
  amount: string;
}

/** At most this many rows are read: the engine takes 120 instalments. */
const MAX_ROWS = 150;

/**
 * The instalment rows of a form, blank ones included, in row order: `<name>.N.dueDate` and
 * `<name>.N.amount`. A form from before the rows (one line a period, "2026-12-31 3,000" — a
 * page left open across an upgrade, or a draft kept through a sign-in) is read as rows too.
 */
export function installmentRows(form: FormBody, name: string): InstallmentRow[] {
  const rows = new Map<number, InstallmentRow>();
  const prefix = `${name}.`;
  for (const key of Object.keys(form)) {
    if (!key.startsWith(prefix)) continue;
    const m = /^(\d{1,3})\.(dueDate|amount)$/.exec(key.slice(prefix.length));
    if (!m || Number(m[1]) >= MAX_ROWS) continue;
    const row = Number(m[1]);
    const r = rows.get(row) ?? { row, dueDate: '', amount: '' };
    r[m[2] as 'dueDate' | 'amount'] = one(form, key);
    rows.set(row, r);
  }
  if (rows.size) return [...rows.values()].sort((a, b) => a.row - b.row);
  return one(form, name)
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter(Boolean)
    .slice(0, MAX_ROWS)
    .map((line, row) => {
      // The date, then the amount: only the first separator splits, so "3,000" stays whole.
      const m = /^(\S+?)[\s,，、]+(.+)$/.exec(line);
      return { row, dueDate: m?.[1] ?? line, amount: m?.[2] ?? '' };
    });
}

/** The rows with something typed in them: the instalments the form sends, in order. */
export const filledRows = (rows: InstallmentRow[]) => rows.filter((r) => r.dueDate.trim() || r.amount.trim());

/**
 * An engine field path as the input it belongs to: `installments.1.amount` (the second
 * instalment sent) → the amount input of the row it was typed on; `days.3.date` → `days`.
 */
export function inputOf(fields: FormField[], path: string, form: FormBody = {}): string {
  const [top, index, part] = path.split('.');
  const field = fields.find((f) => f.name === top);
  if (!field) return '(body)';
  if (field.kind === 'installments' && index !== undefined && (part === 'dueDate' || part === 'amount')) {
    const row = filledRows(installmentRows(form, top))[Number(index)];
    if (row) return `${top}.${row.row}.${part}`;
  }
  return top;
}
