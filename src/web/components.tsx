/** Small pieces every page uses: form rows with their errors, badges, money, deadlines. */
import type { Child } from 'hono/jsx';
import { deadlineText, formatYuan } from '../format.js';
import { DEADLINE_LABELS, LEVEL_LABELS, LEVEL_TONES, stateLabel, supervisionStateLabel } from '../labels.js';
import { CALENDAR_UI, UI } from '../words.js';
import type { Actor } from '../machines/roles.js';

export type FieldErrorMap = Record<string, string>;

export function Csrf(p: { token: string }) {
  return <input type="hidden" name="_csrf" value={p.token} />;
}

/** A labelled form row; the error, if any, is tied to the input for screen readers. */
export function Row(p: { label: string; name: string; error?: string; required?: boolean; hint?: string; children?: Child; wide?: boolean }) {
  const errId = `err-${p.name.replace(/[^\w-]/g, '_')}`;
  return (
    <div class={`row${p.error ? ' has-error' : ''}${p.wide ? ' wide' : ''}`} data-field={p.name}>
      <label for={inputId(p.name)}>
        {p.label}
        {p.required ? (
          <span class="req" title={UI.common.required}>
            *
          </span>
        ) : null}
      </label>
      {p.children}
      {p.hint ? <small class="hint">{p.hint}</small> : null}
      {p.error ? (
        <small class="field-error" id={errId} role="alert">
          {p.error}
        </small>
      ) : null}
    </div>
  );
}

export const inputId = (name: string) => `f-${name.replace(/[^\w-]/g, '_')}`;
export const errorId = (name: string) => `err-${name.replace(/[^\w-]/g, '_')}`;

export function Select(p: { name: string; value?: string; options: [string, string][]; blank?: string; error?: string; required?: boolean }) {
  return (
    <select name={p.name} id={inputId(p.name)} required={p.required} aria-invalid={p.error ? 'true' : undefined} aria-describedby={p.error ? errorId(p.name) : undefined}>
      {p.blank !== undefined ? <option value="">{p.blank}</option> : null}
      {p.options.map(([value, label]) => (
        <option value={value} selected={value === p.value}>
          {label}
        </option>
      ))}
    </select>
  );
}

/** One filter of a list's filter form: its label over a select whose blank choice is 全部. */
export function FilterSelect(p: { label: string; name: string; value?: string; options: [string, string][] }) {
  return (
    <label>
      {p.label}
      <Select name={p.name} value={p.value} blank={UI.common.all} options={p.options} />
    </label>
  );
}

export function Input(p: {
  name: string;
  value?: string;
  type?: string;
  error?: string;
  required?: boolean;
  placeholder?: string;
  inputmode?: 'text' | 'numeric' | 'decimal' | 'tel';
  autocomplete?: string;
  min?: string;
  max?: string;
  step?: string;
  maxlength?: number;
}) {
  return (
    <input
      type={p.type ?? 'text'}
      name={p.name}
      id={inputId(p.name)}
      value={p.value ?? ''}
      required={p.required}
      placeholder={p.placeholder}
      inputmode={p.inputmode}
      autocomplete={p.autocomplete}
      min={p.min}
      max={p.max}
      step={p.step}
      maxlength={p.maxlength}
      aria-invalid={p.error ? 'true' : undefined}
      aria-describedby={p.error ? errorId(p.name) : undefined}
    />
  );
}

export function TextArea(p: { name: string; value?: string; error?: string; required?: boolean; rows?: number; placeholder?: string; maxlength?: number }) {
  return (
    <textarea
      name={p.name}
      id={inputId(p.name)}
      rows={p.rows ?? 4}
      maxlength={p.maxlength}
      required={p.required}
      placeholder={p.placeholder}
      aria-invalid={p.error ? 'true' : undefined}
      aria-describedby={p.error ? errorId(p.name) : undefined}
    >
      {p.value ?? ''}
    </textarea>
  );
}

/** The refusal at the top of a form: a heading, what the engine said, and the fields to fix. */
export function ErrorBox(p: { title: string; detail?: string; fields?: { label: string; message: string; name: string }[] }) {
  return (
    <div class="error-box" role="alert" data-testid="error">
      <strong>{p.title}</strong>
      {p.detail ? <p>{p.detail}</p> : null}
      {p.fields?.length ? (
        <>
          {/* The summary line once: not again when the heading or the detail already says it. */}
          {p.title === UI.common.errorsAbove || p.detail === UI.common.errorsAbove ? null : <p>{UI.common.errorsAbove}</p>}
          <ul>
            {p.fields.map((f) => (
              <li>
                <a href={`#${inputId(f.name)}`}>{f.label}</a>：{f.message}
              </li>
            ))}
          </ul>
        </>
      ) : null}
    </div>
  );
}

/**
 * A form handed back after signing in again (issue 15 §6): what was kept, and what never is —
 * a password, an uploaded file (`lost`).
 */
export function RestoredNotice(p: { lost?: string[] }) {
  return (
    <div class="notice" role="status" data-testid="restored">
      <strong>{UI.restored.title}</strong> {UI.restored.detail}
      {(p.lost ?? []).map((l) => (
        <>
          {' '}
          <span data-testid="not-kept">{l}</span>
        </>
      ))}
    </div>
  );
}

/** States that need someone to act, coloured as a warning rather than like a case on track (issue 15 §3). */
const WARNING_STATES = new Set(['agreement.defaulted']);

export function StateBadge(p: { state: string; supervision?: boolean }) {
  const group = p.state.split('.')[0];
  return (
    <span class={`badge state state-${group}${WARNING_STATES.has(p.state) ? ' state-warn' : ''}`} data-state={p.state}>
      {p.supervision ? supervisionStateLabel(p.state) : stateLabel(p.state)}
    </span>
  );
}

export function OverdueBadge() {
  return <span class="badge overdue">{UI.cases.overdue}</span>;
}

/**
 * 超期 only beside a deadline that ran out and is still running over (`ranOut`): never beside
 * "no deadline running". A case closed after running over says so instead (超期结案).
 */
export function OverdueMark(p: { overdue: boolean; ranOut?: unknown; state: string }) {
  if (p.ranOut) return <OverdueBadge />;
  if (p.overdue && p.state === 'closed') return <span class="badge closed-overdue" data-testid="closed-overdue">{UI.cases.closedOverdue}</span>;
  return null;
}

/**
 * A deadline: its level (DESIGN §11) as colour and words, and the days left or run over. Each part
 * keeps its words together and the badge breaks between parts, so on a phone it wraps inside its
 * card instead of running past it (audit d §15).
 */
export function DeadlineBadge(p: { dueAt: string; now: Date; kind?: string; level?: string }) {
  const d = deadlineText(p.dueAt, p.now);
  const tone = p.level ? (LEVEL_TONES[p.level] ?? d.tone) : d.tone;
  const parts = [p.kind ? (DEADLINE_LABELS[p.kind] ?? p.kind) : null, p.level && p.level !== 'normal' ? LEVEL_LABELS[p.level] : null, d.text].filter((x): x is string => Boolean(x));
  return (
    <span class={`badge due due-${tone}`} data-level={p.level} title={`${p.kind ? `${DEADLINE_LABELS[p.kind] ?? p.kind} ` : ''}${UI.cases.lastDay} ${d.lastDay}`}>
      {parts.map((part, i) => (
        <>
          {i ? ' ' : ''}
          <span class="part">{i < parts.length - 1 ? `${part} ·` : part}</span>
        </>
      ))}
    </span>
  );
}

/**
 * Who is told that a deadline was counted without the year's holidays (`calendarMissing`, DESIGN
 * §11): the admin, who enters them (the calendar page warns), and court staff, who answer for the
 * statutory periods and may wait for the corrected day. Deputies and station staff cannot act on
 * it, so their pages do not say it.
 */
export const seesCalendarGaps = (actor: Actor) => actor.role === 'court' || actor.role === 'admin';

/** Beside such a deadline, for those who see it: a small muted note, not part of the badge. */
export function CalendarGap(p: { show?: boolean }) {
  return p.show ? (
    <small class="muted calendar-gap" data-testid="calendar-gap">
      {' '}
      {CALENDAR_UI.calendarGap}
    </small>
  ) : null;
}

/**
 * A list's deadline cell: the deadline that ran out (which, and by how many days) when one did,
 * else the nearest one still running, else a dash.
 */
export function DeadlineCell(p: {
  deadlines: { kind: string; dueAt: string; level?: string; calendarMissing?: unknown }[];
  ranOut?: { kind: string; dueAt: string; level?: string } | null;
  now: Date;
  /** Whether the reader is told of a deadline counted without the year's holidays (`seesCalendarGaps`). */
  calendarGaps?: boolean;
}) {
  if (p.ranOut) return <DeadlineBadge dueAt={p.ranOut.dueAt} now={p.now} kind={p.ranOut.kind} level={p.ranOut.level} />;
  const d = [...p.deadlines].sort((a, b) => Date.parse(a.dueAt) - Date.parse(b.dueAt))[0];
  if (!d) return <span class="muted">—</span>;
  return (
    <>
      <DeadlineBadge dueAt={d.dueAt} now={p.now} kind={d.kind} level={d.level} />
      <CalendarGap show={p.calendarGaps && Boolean(d.calendarMissing)} />
    </>
  );
}

export function Money(p: { value: string | null | undefined }) {
  return <span class="money">{formatYuan(p.value)}</span>;
}

export function Section(p: { title: string; id?: string; children?: Child; actions?: Child }) {
  return (
    <section class="card" id={p.id}>
      <div class="card-head">
        <h2>{p.title}</h2>
        {p.actions ?? null}
      </div>
      {p.children}
    </section>
  );
}

/** A definition list of label → value pairs; empty values are left out. */
export function Facts(p: { items: [string, Child | null | undefined][] }) {
  const shown = p.items.filter(([, v]) => v !== null && v !== undefined && v !== '');
  return (
    <dl class="facts">
      {shown.map(([k, v]) => (
        <>
          <dt>{k}</dt>
          <dd>{v}</dd>
        </>
      ))}
    </dl>
  );
}
