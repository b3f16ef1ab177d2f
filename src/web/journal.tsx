/**
 * What cases and supervision items share on the page: the timeline of every transition with its
 * payload in words, and the form for one event.
 */
import type { Child } from 'hono/jsx';
import { formatDate, formatDateTime, formatYuan } from '../format.js';
import { DEADLINE_LABELS, eventLabel, fieldLabel, ROLE_LABELS, valueLabel } from '../labels.js';
import { CALENDAR_UI, CITIZEN, UI } from '../words.js';
import { fenToYuan, toFen } from '../machines/money.js';
import { Csrf, ErrorBox, errorId, Input, inputId, Row, Select, TextArea, type FieldErrorMap } from './components.js';
import { cleanMoney, filledRows, installmentRows, limitHint, type FormField, type InstallmentRow } from './forms.js';
import { one, type FormBody } from './http.js';

export interface Names {
  deputies: Map<string, string>;
  stations: Map<string, string>;
  cases?: Map<string, string>;
  /** The submissions cases were opened from: when each was made, and whether this reader may open it. */
  submissions?: Map<string, { submittedAt: string; mayOpen: boolean }>;
}

export interface HistoryItem {
  seq: number;
  type: string;
  from: string | null;
  to: string;
  actor: { id: string; role: string; name: string };
  occurredAt: string;
  recordedAt: string;
  payload: unknown;
  /** The Art 85 ends the engine stamped into the event (DESIGN §11). */
  periodEnds?: unknown;
}

const MONEY = new Set(['amount', 'claimAmount', 'owedAmount', 'paidAmount', 'recoveredAmount']);
const INSTANTS = new Set(['at', 'heldAt', 'occurredAt', 'reachedAt']);
const DATES = new Set(['dueDate', 'date']);

/** An Art 85 end in words: the day it ends, and why when the last day was a rest day. */
function periodEndText(e: { lastDay?: string; dueAt: string; calendarMissing?: boolean }): string {
  const ends = formatDate(new Date(Date.parse(e.dueAt) - 1).toISOString());
  const moved = e.lastDay && formatDate(e.lastDay) !== ends ? `（期间最后一日 ${formatDate(e.lastDay)} 为休息日，顺延）` : '';
  return `${ends} 届满${moved}${e.calendarMissing ? `（${CALENDAR_UI.calendarMissing}，仅按周末计算）` : ''}`;
}

/** One payload value in words: labels for enumerations, names for ids, ¥ for money, Shanghai times. */
function valueText(key: string, v: unknown, scope: string, names: Names): Child {
  if (v === null || v === undefined || v === '') return UI.common.none;
  if (typeof v === 'boolean') return v ? UI.common.yes : UI.common.no;
  if (key === 'deputyIds' || key === 'attendeeDeputyIds') {
    const ids = v as string[];
    return ids.length ? ids.map((d) => names.deputies.get(d) ?? d).join('、') : UI.common.none;
  }
  if (key === 'deputyId') return names.deputies.get(String(v)) ?? String(v);
  if (key === 'stationCode') return names.stations.get(String(v)) ?? String(v);
  if (key === 'submissionId') {
    // Its time, and a link for the staff who handle it; an internal id means nothing to a reader.
    const s = names.submissions?.get(String(v));
    if (!s) return CITIZEN.submittedUnknown;
    return (
      <>
        {CITIZEN.submittedOn(formatDateTime(s.submittedAt))}
        {s.mayOpen ? (
          <>
            {' '}
            <a href={`/submissions/${String(v)}`} data-testid="submission-link">
              {CITIZEN.openSubmission}
            </a>
          </>
        ) : null}
      </>
    );
  }
  if (key === 'caseIds') return (v as string[]).map((id) => names.cases?.get(id) ?? id).join('、') || UI.common.none;
  if (MONEY.has(key)) return formatYuan(String(v));
  if (INSTANTS.has(key)) return formatDateTime(String(v));
  if (DATES.has(key)) return formatDate(String(v));
  if (key === 'installments' && Array.isArray(v)) {
    return (
      <ul class="plain">
        {(v as { dueDate: string; amount: string }[]).map((i) => (
          <li>
            {formatDate(i.dueDate)} {formatYuan(i.amount)}
          </li>
        ))}
      </ul>
    );
  }
  if (key === 'parties' && Array.isArray(v)) {
    return (
      <ul class="plain">
        {(v as { role: string; name: string; idNumber?: string; phone?: string }[]).map((p) => (
          <li>
            {UI.party(valueLabel('role', p.role, 'party'), p.name, p.idNumber, p.phone)}
          </li>
        ))}
      </ul>
    );
  }
  // DESIGN §11: the Art 85 ends stamped into an event, or moved by a calendar edit.
  if ((key === 'periodEnds' || key === 'previous') && typeof v === 'object' && !Array.isArray(v)) {
    return (
      <ul class="plain">
        {Object.entries(v as Record<string, { lastDay?: string; dueAt: string; calendarMissing?: boolean } | null>).map(([kind, e]) =>
          e ? (
            <li>
              {DEADLINE_LABELS[kind] ?? kind}：{periodEndText(e)}
            </li>
          ) : null,
        )}
      </ul>
    );
  }
  if (Array.isArray(v)) return v.map((x) => valueText(key, x, scope, names)).join('、');
  if (typeof v === 'object') return JSON.stringify(v);
  const s = String(v);
  const label = valueLabel(key, s, scope);
  return label;
}

export function PayloadView(p: { type: string; payload: unknown; names: Names; scope?: string }) {
  const entries = Object.entries((p.payload ?? {}) as Record<string, unknown>).filter(([, v]) => v !== undefined && v !== null && v !== '');
  if (!entries.length) return <span class="muted">—</span>;
  const scope = p.type === 'CREATE' ? (p.scope ?? '') : p.type;
  return (
    <dl class="payload">
      {entries.map(([k, v]) => (
        <>
          <dt>{fieldLabel(k, p.type === 'CREATE' ? p.scope : p.type)}</dt>
          <dd>{valueText(k, v, scope, p.names)}</dd>
        </>
      ))}
    </dl>
  );
}

/** Recorded long after it happened: entered later from paper (补录). */
const BACKFILL_MS = 60 * 60_000;

/** Who did it: the name, and the role when the name does not already say it (the system's deadlines). */
export function actorText(a: { role: string; name: string }): string {
  const role = ROLE_LABELS[a.role] ?? a.role;
  return a.role === 'system' || a.name === role || a.name.includes(role) ? a.name : `${a.name}（${role}）`;
}

function TimelineItem(p: { e: HistoryItem; names: Names; stateLabel: (s: string) => string; scope?: string; fresh?: boolean }) {
  const e = p.e;
  return (
    <li class={`tl-item tl-${e.actor.role}${p.fresh ? ' tl-new' : ''}`} data-event={e.type} id={p.fresh ? undefined : `ev-${e.seq}`}>
      <div class="tl-head">
        <span class="tl-seq">#{e.seq}</span>
        <strong class="tl-event">{eventLabel(e.type)}</strong>
        <span class="tl-states">
          {e.from ? `${p.stateLabel(e.from)} → ` : ''}
          {p.stateLabel(e.to)}
        </span>
      </div>
      <div class="tl-meta">
        <span>
          {UI.cases.actor}：{actorText(e.actor)}
        </span>
        <span>
          {UI.cases.occurredAt}：<time datetime={e.occurredAt}>{formatDateTime(e.occurredAt)}</time>
        </span>
        <span>
          {UI.cases.recordedAt}：<time datetime={e.recordedAt}>{formatDateTime(e.recordedAt)}</time>
          {Date.parse(e.recordedAt) - Date.parse(e.occurredAt) > BACKFILL_MS ? <span class="badge backfill">{UI.cases.backfilled}</span> : null}
        </span>
      </div>
      <PayloadView type={e.type} payload={e.periodEnds ? { ...(e.payload as object), periodEnds: e.periodEnds } : e.payload} names={p.names} scope={p.scope} />
    </li>
  );
}

export function Timeline(p: { items: HistoryItem[]; names: Names; stateLabel: (s: string) => string; scope?: string }) {
  if (!p.items.length) return <p class="muted">{UI.common.empty}</p>;
  return (
    <ol class="timeline" data-testid="timeline">
      {p.items.map((e) => (
        <TimelineItem e={e} names={p.names} stateLabel={p.stateLabel} scope={p.scope} />
      ))}
    </ol>
  );
}

/**
 * What was just saved, at the head of the timeline (issue 15 §6): the success message and the
 * new entry itself, so both are on screen where the page lands (`#timeline`) without scrolling
 * to the end of a long history. The entry is the newest one of the event just sent.
 */
export function JustDone(p: { message: string; type?: string; items: HistoryItem[]; names: Names; stateLabel: (s: string) => string; scope?: string }) {
  const entry = p.type ? [...p.items].reverse().find((e) => e.type === p.type) : undefined;
  return (
    <div class="just-done" data-testid="just-done">
      <p class="flash ok" role="status">
        {p.message}
      </p>
      {entry ? (
        <div class="new-entry" data-testid="new-entry">
          <h3>
            {UI.event.newEntry} <a href={`#ev-${entry.seq}`}>{UI.event.inTimeline}</a>
          </h3>
          <ol class="timeline">
            <TimelineItem e={entry} names={p.names} stateLabel={p.stateLabel} scope={p.scope} fresh />
          </ol>
        </div>
      ) : null}
    </div>
  );
}

export interface EventFormProps {
  type: string;
  fields: FormField[];
  action: string;
  cancel: string;
  csrf: string;
  version: number;
  idemKey: string;
  values: Record<string, string | string[]>;
  errors: FieldErrorMap;
  /** Deputies to choose from, for `deputies` and `deputy` fields, by field name. */
  deputyChoices: Record<string, { id: string; name: string; note?: string }[]>;
  /** A field fixed to one value (a deputy recusing themself): sent hidden, shown as text. */
  fixed?: Record<string, { value: string; text: string }>;
  error?: { title: string; detail: string } | null;
  /** The event is open only dated earlier (backfilled work): the occurredAt part starts open. */
  backfill?: boolean;
  /**
   * `always`: the event closes the case or item (issue 15 §1) — a required "我确认此操作将结案" box
   * (works without JavaScript; the server checks it too) and a button that looks different.
   * `maybe`: it closes depending on what is entered — a warning only.
   */
  closes?: 'always' | 'maybe';
  /** A line above the fields: what is still owed, what a rating does. */
  notice?: string;
}

function fieldInput(f: FormField, p: EventFormProps): Child {
  const v = p.values[f.name];
  const value = Array.isArray(v) ? v[0] : v;
  const error = p.errors[f.name];
  const fixed = p.fixed?.[f.name];
  if (fixed) {
    return (
      <>
        <input type="hidden" name={f.name} value={fixed.value} />
        <p class="fixed" id={inputId(f.name)}>
          {fixed.text}
        </p>
      </>
    );
  }
  switch (f.kind) {
    case 'select':
      return (
        <Select
          name={f.name}
          value={value}
          blank={UI.common.chooseOne}
          required={f.required}
          error={error}
          options={(f.options ?? []).map((o) => [o, valueLabel(f.name, o, p.type)])}
        />
      );
    case 'deputies':
    case 'deputy': {
      const choices = p.deputyChoices[f.name] ?? [];
      const chosen = new Set(Array.isArray(v) ? v : v ? [v] : []);
      if (!choices.length) return <p class="muted">{UI.event.noDeputies}</p>;
      return (
        <fieldset class="choices" id={inputId(f.name)} aria-invalid={error ? 'true' : undefined}>
          {choices.map((d) => (
            <label class="choice">
              <input type={f.kind === 'deputy' ? 'radio' : 'checkbox'} name={f.name} value={d.id} checked={chosen.has(d.id)} />
              <span class="choice-name">{d.name}</span>
              {d.note ? <small>{d.note}</small> : null}
            </label>
          ))}
        </fieldset>
      );
    }
    case 'datetime':
      return <Input name={f.name} type="datetime-local" value={value} required={f.required} error={error} />;
    case 'date':
      return <Input name={f.name} type="date" value={value} required={f.required} error={error} />;
    case 'money':
      return <Input name={f.name} value={value} inputmode="decimal" placeholder={UI.examples.amount} required={f.required} error={error} />;
    case 'integer':
      return <Input name={f.name} type="number" value={value} min="1" step="1" required={f.required} error={error} />;
    case 'consent':
      return (
        <label class="choice" id={inputId(f.name)}>
          <input type="checkbox" name={f.name} value="true" checked={!!value} required={f.required} />
          {UI.event.consent}
        </label>
      );
    case 'confirm':
      return (
        <label class="choice" id={inputId(f.name)}>
          <input type="checkbox" name={f.name} value="true" checked={!!value} />
          {f.name === 'confirmOverpayment' ? UI.event.confirmOverpayment(p.type) : fieldLabel(f.name, p.type)}
        </label>
      );
    case 'installments':
      return <Installments name={f.name} values={p.values} errors={p.errors} agreedField="amount" />;
    case 'textarea':
      return <TextArea name={f.name} value={value} rows={f.required ? 6 : 3} required={f.required} error={error} maxlength={f.max} />;
    default:
      return <Input name={f.name} value={value} required={f.required} error={error} maxlength={f.max} />;
  }
}

/** The names of the two buttons that post an instalment form back without sending the event. */
export const ADD_ROW = '_addRow';
export const SUM_ROWS = '_sumRows';

/** The rows shown: those typed, and blank ones up to two (most instalment plans have two or more). */
function shownRows(values: FormBody, name: string): InstallmentRow[] {
  const rows = installmentRows(values, name);
  let next = rows.length ? rows[rows.length - 1].row + 1 : 0;
  while (rows.length < 2) rows.push({ row: next++, dueDate: '', amount: '' });
  return rows;
}

/** The total of the rows against the agreed amount, in words; computed here and, with script, live (app.js). */
function InstallmentTotal(p: { rows: InstallmentRow[]; agreed: string }) {
  const filled = filledRows(p.rows);
  const position = new Map(p.rows.map((r, i) => [r.row, i + 1]));
  let total = 0;
  const unread: number[] = [];
  for (const r of filled) {
    const fen = r.amount.trim() ? toFen(cleanMoney(r.amount)) : 0;
    if (fen === null) unread.push(position.get(r.row) ?? 0);
    else total += fen;
  }
  const agreed = p.agreed.trim() ? toFen(cleanMoney(p.agreed)) : null;
  const yuan = (fen: number) => formatYuan(fenToYuan(fen));
  const [tone, compare] =
    agreed === null ? ['', UI.event.totalNoAgreed] : total === agreed ? ['ok', UI.event.totalMatches] : total < agreed ? ['warn', UI.event.totalShort(yuan(agreed - total))] : ['warn', UI.event.totalOver(yuan(total - agreed))];
  return (
    <p
      class="installments-total"
      data-installments-total
      aria-live="polite"
      data-word-matches={UI.event.totalMatches}
      data-word-short={UI.event.totalShort('{x}')}
      data-word-over={UI.event.totalOver('{x}')}
      data-word-no-agreed={UI.event.totalNoAgreed}
      data-word-count={UI.event.installmentsCount(0).replace('0', '{n}')}
      data-word-unread={UI.event.totalUnread('{rows}')}
      data-word-row={UI.event.installmentNo(0).replace('0', '{n}')}
    >
      {UI.event.installmentsTotal} <strong data-total>{yuan(total)}</strong> <span data-count>{UI.event.installmentsCount(filled.length)}</span>
      <span data-compare class={tone ? `compare ${tone}` : 'compare'} hidden={!filled.length}>
        {filled.length ? compare : ''}
      </span>
      <span data-unread class="field-error" hidden={!unread.length}>
        {unread.length ? UI.event.totalUnread(unread.map((n) => UI.event.installmentNo(n)).join('、')) : ''}
      </span>
    </p>
  );
}

/**
 * 分期履行安排 as rows of a date and an amount (issue 15 §4). Without script: the rows the server
 * rendered, a button that adds one and one that sums them (both post the form back, the event
 * is not sent), each row's errors beside it. With script (app.js): rows added and removed in place
 * and the total kept live against the agreed amount.
 */
function Installments(p: { name: string; values: FormBody; errors: FieldErrorMap; agreedField: string }) {
  const rows = shownRows(p.values, p.name);
  const part = (r: InstallmentRow, k: 'dueDate' | 'amount') => `${p.name}.${r.row}.${k}`;
  return (
    <fieldset class="installments" id={inputId(p.name)} data-installments={p.name} data-agreed={p.agreedField} aria-invalid={p.errors[p.name] ? 'true' : undefined}>
      <ol class="inst-rows">
        {rows.map((r, i) => (
          <li class="inst-row" data-row={String(r.row)}>
            <span class="inst-no">{UI.event.installmentNo(i + 1)}</span>
            {(['dueDate', 'amount'] as const).map((k) => {
              const name = part(r, k);
              const error = p.errors[name];
              return (
                <label class={`inst-${k}${error ? ' has-error' : ''}`}>
                  <span class="inst-label">{k === 'dueDate' ? UI.event.installmentDate : UI.event.installmentAmount}</span>
                  <input
                    type={k === 'dueDate' ? 'date' : 'text'}
                    name={name}
                    id={inputId(name)}
                    value={r[k]}
                    inputmode={k === 'amount' ? 'decimal' : undefined}
                    placeholder={k === 'amount' ? UI.examples.installment : undefined}
                    aria-invalid={error ? 'true' : undefined}
                    aria-describedby={error ? errorId(name) : undefined}
                  />
                </label>
              );
            })}
            <button type="button" class="secondary inst-remove" data-remove-row hidden>
              {UI.event.removeInstallment}
            </button>
            {/* The row's errors under the row, so its inputs stay in line. */}
            {(['dueDate', 'amount'] as const)
              .filter((k) => p.errors[part(r, k)])
              .map((k) => (
                <small class="field-error inst-error" id={errorId(part(r, k))} role="alert">
                  {k === 'dueDate' ? UI.event.installmentDate : UI.event.installmentAmount}：{p.errors[part(r, k)]}
                </small>
              ))}
          </li>
        ))}
      </ol>
      {/* Inputs, not buttons: the form's one submit <button> stays the event's own. */}
      <div class="inst-actions">
        <input type="submit" name={ADD_ROW} value={UI.event.addInstallment} class="button secondary" formnovalidate data-add-row />
        <input type="submit" name={SUM_ROWS} value={UI.event.recomputeTotal} class="button secondary" formnovalidate data-sum-rows />
      </div>
      <InstallmentTotal rows={rows} agreed={one(p.values, p.agreedField)} />
    </fieldset>
  );
}

/** An error's label in the summary: a row's own words for an instalment's date or amount. */
function errorLabel(name: string, p: EventFormProps): string {
  const m = /^(\w+)\.(\d+)\.(dueDate|amount)$/.exec(name);
  if (m && p.fields.some((f) => f.name === m[1] && f.kind === 'installments')) {
    const position = shownRows(p.values, m[1]).findIndex((r) => r.row === Number(m[2])) + 1;
    return UI.event.installmentPart(position, m[3] as 'dueDate' | 'amount');
  }
  // The form's own box, not a field of the event: by the words beside it.
  if (name === '_confirmClose') return UI.event.confirmClose;
  return fieldLabel(name, p.type);
}

export function EventForm(p: EventFormProps) {
  const main = p.fields.filter((f) => f.name !== 'occurredAt');
  const when = p.fields.find((f) => f.name === 'occurredAt');
  const errorFields = Object.entries(p.errors).map(([name, message]) => ({ name, message, label: errorLabel(name, p) }));
  // A form whose first submit button would add a row: Enter in a field still sends the event.
  const rowButtons = p.fields.some((f) => f.kind === 'installments');
  const closesWarning = p.closes === 'always' ? UI.event.closesWarning : p.closes === 'maybe' ? UI.event.mayCloseWarnings[p.type] : undefined;
  return (
    <form method="post" action={p.action} class="form event-form" data-event={p.type}>
      {rowButtons ? <input type="submit" class="default-submit" tabindex={-1} aria-hidden="true" value={UI.event.submit(eventLabel(p.type))} /> : null}
      {p.error ? <ErrorBox title={p.error.title} detail={p.error.detail} fields={errorFields} /> : null}
      <Csrf token={p.csrf} />
      <input type="hidden" name="_version" value={String(p.version)} />
      <input type="hidden" name="_key" value={p.idemKey} />
      {p.notice ? (
        <p class="notice" data-testid="event-notice">
          {p.notice}
        </p>
      ) : null}
      {closesWarning ? (
        <p class="notice warning" data-testid="closes-warning">
          {closesWarning}
        </p>
      ) : null}
      {main.map((f) => (
        <Row
          label={fieldLabel(f.name, p.type)}
          name={f.name}
          required={f.required}
          error={p.errors[f.name]}
          hint={f.kind === 'deputies' ? UI.event.deputiesHint : f.kind === 'installments' ? UI.event.installmentsHint : limitHint(f.max)}
          wide={f.kind === 'textarea' || f.kind === 'deputies' || f.kind === 'installments'}
        >
          {fieldInput(f, p)}
        </Row>
      ))}
      {when ? (
        <details class="backfill" open={!!p.backfill || !!p.values.occurredAt || !!p.errors.occurredAt}>
          <summary>{UI.event.backfillLegend}</summary>
          <Row label={fieldLabel('occurredAt')} name="occurredAt" error={p.errors.occurredAt} hint={UI.event.occurredAtHint}>
            {fieldInput(when, p)}
          </Row>
        </details>
      ) : null}
      {p.closes === 'always' ? (
        <Row label={UI.event.confirmClose} name="_confirmClose" required error={p.errors._confirmClose}>
          <label class="choice" id={inputId('_confirmClose')}>
            <input type="checkbox" name="_confirmClose" value="yes" required />
            {UI.event.confirmClose}
          </label>
        </Row>
      ) : null}
      <p class="hint">{UI.event.staleHint}</p>
      <div class="actions">
        <button type="submit" class={p.closes === 'always' ? 'primary danger' : 'primary'} data-closes={p.closes}>
          {UI.event.submit(eventLabel(p.type))}
        </button>
        <a href={p.cancel} class="button secondary">
          {UI.common.cancel}
        </a>
      </div>
    </form>
  );
}

/** The values a re-shown form keeps: what was typed, datetimes back in local form. */
export function formValues(form: Record<string, string | string[]>): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const [k, v] of Object.entries(form)) if (!k.startsWith('_')) out[k] = v;
  return out;
}

