/**
 * The admin pages' one frame: a list beside the form that adds to it (stations, deputies, users,
 * webhooks, a station's activities), or a record's edit form beside its change history. On a
 * phone (app.css) the two columns become one, the form before the history.
 */
import type { Child } from 'hono/jsx';
import type { AuditItem } from '../engine/audit.js';
import type { Actor } from '../machines/roles.js';
import { formatDateTime } from '../format.js';
import { AUDIT_ACTION_LABELS, ROLE_LABELS } from '../labels.js';
import { UI } from '../words.js';
import { Csrf, inputId, Row, Section } from './components.js';
import { Layout } from './layout.js';

/**
 * A wide page: its heading (with `head` beside it: download links), `children` under the heading
 * (notices), then `main` and, beside it, `side`.
 */
export function AdminFrame(p: { title: string; actor: Actor; csrf: string; active?: string; flash?: string | null; note?: string | null; head?: Child; children?: Child; main: Child; side?: Child }) {
  return (
    <Layout title={p.title} actor={p.actor} csrf={p.csrf} active={p.active} flash={p.flash} note={p.note} wide>
      {p.head ? (
        <div class="page-head">
          <h1>{p.title}</h1>
          {p.head}
        </div>
      ) : (
        <h1>{p.title}</h1>
      )}
      {p.children}
      <div class="columns">
        <div class="col-main">{p.main}</div>
        {p.side ? <div class="col-side">{p.side}</div> : null}
      </div>
    </Layout>
  );
}

/** A form in its card: the refusal on top, the CSRF token, the fields, one submit button. */
export function FormCard(p: { title: string; action: string; csrf: string; error?: Child; submit: string; danger?: boolean; testid?: string; children?: Child }) {
  return (
    <Section title={p.title}>
      <form method="post" action={p.action} class="form" data-testid={p.testid}>
        {p.error}
        <Csrf token={p.csrf} />
        {p.children}
        <div class="actions">
          <button type="submit" class={p.danger ? 'primary danger' : 'primary'}>
            {p.submit}
          </button>
        </div>
      </form>
    </Section>
  );
}

/** A record's name in a list, with 已停用 beside it once it is retired. */
export function NameWithStatus(p: { name: string; active?: boolean }) {
  return (
    <>
      {p.name}
      {p.active === false ? (
        <>
          {' '}
          <span class="badge retired" data-testid="retired">
            {UI.admin.retired}
          </span>
        </>
      ) : null}
    </>
  );
}

/**
 * Retiring a station or deputy (`active: false`), which must be confirmed by ticking a box (checked
 * by the server too, so it holds without JavaScript); once retired, the way back.
 */
export function RetireCard(p: { action: string; csrf: string; active: boolean; title: string; note: string; confirm: string; error?: string }) {
  if (!p.active) {
    return (
      <FormCard title={UI.admin.retired} action={p.action} csrf={p.csrf} submit={UI.admin.reactivate} testid="reactivate">
        <p>{UI.admin.retiredNote}</p>
        <input type="hidden" name="active" value="true" />
      </FormCard>
    );
  }
  return (
    <FormCard title={p.title} action={p.action} csrf={p.csrf} submit={p.title} danger testid="retire">
      <p>{p.note}</p>
      <input type="hidden" name="active" value="false" />
      <Row label={p.confirm} name="_confirmRetire" required error={p.error}>
        <label class="choice" id={inputId('_confirmRetire')}>
          <input type="checkbox" name="_confirmRetire" value="yes" required />
          {p.confirm}
        </label>
      </Row>
    </FormCard>
  );
}

/** Who did it, as the logs say it: name and role, the server itself, or nobody signed in. */
export const actorText = (a: { name: string | null; role: string | null; id: string | null }) =>
  a.id === null ? UI.audit.nobody : a.role === 'system' ? UI.audit.system : `${a.name ?? a.id}（${ROLE_LABELS[a.role ?? ''] ?? a.role}）`;

/** What one audit row says changed, as `[field label, text]` lines. */
function changeLines(item: AuditItem, label: (field: string) => string, show: (field: string, value: unknown) => string): [string, string][] {
  const detail = (item.detail ?? {}) as Record<string, unknown>;
  const H = UI.history;
  const said = (field: string, v: unknown) => (v === null || v === undefined || v === '' || (Array.isArray(v) && !v.length) ? H.blank : show(field, v));
  const lines: [string, string][] = [];
  for (const [field, v] of Object.entries(detail)) {
    // Values not kept in the log (a long text, a phone): only that they changed.
    if (v === 'changed' || (isChange(v) && (v.from === '***' || v.to === '***'))) lines.push([label(field), H.changed]);
    else if (isChange(v)) lines.push([label(field), `${said(field, v.from)} → ${said(field, v.to)}`]);
    else if (item.action.endsWith('.create')) lines.push([label(field), said(field, v)]);
  }
  return lines;
}

const isChange = (v: unknown): v is { from: unknown; to: unknown } => typeof v === 'object' && v !== null && 'from' in v && 'to' in v;

/**
 * A record's change history from the audit log, newest first: what was done, by whom, when, and
 * each field from → to. `first`: a line for the record's creation when the log has none (an
 * activity's own row says when it was entered).
 */
export function ChangeHistory(p: { items: AuditItem[]; label: (field: string) => string; show: (field: string, value: unknown) => string; first?: Child }) {
  const H = UI.history;
  return (
    <Section title={H.title} id="history">
      <p class="hint">{H.intro}</p>
      {p.items.length ? (
        <ol class="history" data-testid="history">
          {p.items.map((i) => (
            <li data-action={i.action}>
              <div>
                <strong>{AUDIT_ACTION_LABELS[i.action] ?? i.action}</strong> <span class="nowrap">{actorText(i.actor)}</span>{' '}
                <time class="nowrap muted" datetime={i.at}>
                  {formatDateTime(i.at)}
                </time>
              </div>
              <ul>
                {changeLines(i, p.label, p.show).map(([field, text]) => (
                  <li>
                    {field}：{text}
                  </li>
                ))}
              </ul>
            </li>
          ))}
        </ol>
      ) : (
        <p class="empty">{H.none}</p>
      )}
      {p.first ? <p class="muted">{p.first}</p> : null}
    </Section>
  );
}
