/** The audit log and the access log (谁查看了当事人个人信息) for the admin and the committee: filters, pages, CSV. */
import type { Hono } from 'hono';
import type { Child } from 'hono/jsx';
import type { Actor } from '../../machines/roles.js';
import type { AppDeps } from '../../edge/context.js';
import { accessCsv, auditCsv, csvDownload } from '../../edge/audit.js';
import { AUDIT_ACTIONS, auditNames, listAccessLog, listAudit, type AuditItem } from '../../engine/audit.js';
import { isUuid } from '../../engine/stores.js';
import { ValidationError } from '../../engine/errors.js';
import { formatDateTime } from '../../format.js';
import { AUDIT_ACTION_LABELS, AUDIT_DETAIL_LABELS, AUDIT_TARGET_LABELS, AUDIT_VALUE_LABELS, fieldLabel, valueLabel } from '../../labels.js';
import { actorText } from '../admin-frame.js';
import { ERROR_TITLES, UI } from '../../words.js';
import { ErrorBox, errorId, inputId } from '../components.js';
import type { WebEnv } from '../http.js';
import { sayField } from '../wording.js';
import { Layout } from '../layout.js';
import { Table } from '../table.js';
import { html, page, pageAt, refusePage, type WebContext } from '../page.js';

const readers = { may: 'audit.read' as const };

/** The query string of the current filters, without the cursor (for CSV and the next page). */
function filtersOf(c: WebContext, keys: string[]): URLSearchParams {
  const q = new URLSearchParams();
  for (const k of keys) {
    const v = c.req.query(k);
    if (v) q.set(k, v);
  }
  return q;
}

/** A filter of a log's form: its query name, its label, its input type. */
type FilterKey = { name: string; label: string; type?: string };

/** A filter's reason, under its field (as every form marks its fields), tied to it for screen readers. */
function FilterError(p: { name: string; message?: string }) {
  return p.message ? (
    <small class="field-error" id={errorId(p.name)} data-testid={`filter-error-${p.name}`}>
      {p.message}
    </small>
  ) : null;
}

/**
 * The log's filters as they were sent; `errors`: the reasons of those it could not read, each
 * under its field. A date it could not read is shown as typed (2026/12/01), in a text field: a
 * date picker would show it blank, and the reason beside nothing.
 */
function Filters(p: { action: string; values: Record<string, string>; keys: FilterKey[]; actions?: boolean; csv: string; errors?: Record<string, string> }) {
  const err = p.errors ?? {};
  const marked = (name: string) => (err[name] ? { 'aria-invalid': 'true', 'aria-describedby': errorId(name) } : {});
  return (
    <form method="get" action={p.action} class="filters">
      {p.actions ? (
        <label class={err.action ? 'has-error' : undefined}>
          {UI.audit.action}
          <select name="action" id={inputId('action')} {...marked('action')}>
            <option value="">{UI.audit.anyAction}</option>
            {AUDIT_ACTIONS.map((a) => (
              <option value={a} selected={p.values.action === a}>
                {AUDIT_ACTION_LABELS[a] ?? a}
              </option>
            ))}
          </select>
          <FilterError name="action" message={err.action} />
        </label>
      ) : null}
      {p.keys.map((k) => (
        <label class={err[k.name] ? 'has-error' : undefined}>
          {k.label}
          <input type={err[k.name] ? 'text' : (k.type ?? 'text')} name={k.name} id={inputId(k.name)} value={p.values[k.name] ?? ''} {...marked(k.name)} />
          <FilterError name={k.name} message={err[k.name]} />
        </label>
      ))}
      <button type="submit">{UI.audit.filter}</button>
      <a class="button" href={p.csv} data-testid="csv">
        {UI.audit.csv}
      </a>
    </form>
  );
}

/** A long id as its first eight characters (the whole in a tooltip): enough to tell rows apart. */
function ShortId(p: { id: string | null }) {
  if (!p.id) return <>—</>;
  return p.id.length > 12 ? <span title={p.id}>{p.id.slice(0, 8)}…</span> : <>{p.id}</>;
}

/** What a row is about, by name where it is a user, deputy, station or case (audit d §6); else as recorded. */
function targetText(t: AuditItem['target'], names: Map<string, string>): Child {
  if (!t) return '—';
  const kind = AUDIT_TARGET_LABELS[t.type] ?? t.type;
  const name = names.get(`${t.type}:${t.id}`);
  if (name) return `${kind} ${t.type === 'station' ? `${name}（${t.id}）` : name}`;
  if (t.type === 'calendar') return `${kind} ${t.id} 年`;
  return (
    <>
      {kind} <ShortId id={t.id} />
    </>
  );
}

/** A detail value that says nothing: none, empty text, an empty list. */
const blank = (v: unknown) => v === null || v === undefined || v === '' || (Array.isArray(v) && !v.length);

/** One detail value in words: names for deputies and stations, labels for enumerations, else as recorded. */
function detailValue(key: string, v: unknown, scope: string, names: Map<string, string>): string {
  if (blank(v)) return UI.history.blank;
  if (v === '***') return UI.history.changed;
  if (Array.isArray(v)) return v.map((x) => detailValue(key, x, scope, names)).join('、');
  const said = AUDIT_VALUE_LABELS[`${key}.${String(v)}`];
  if (said) return said;
  if (typeof v === 'boolean') return v ? UI.common.yes : UI.common.no;
  if (typeof v === 'object') {
    const o = v as Record<string, unknown>;
    if (typeof o.name === 'string') return [o.name, o.schedule].filter(Boolean).join(' ');
    return Object.entries(o)
      .map(([k, x]) => `${fieldLabel(k)}：${detailValue(k, x, scope, names)}`)
      .join('，');
  }
  const s = String(v);
  if (key === 'deputyId' || key === 'deputyIds') return names.get(`deputy:${s}`) ?? (isUuid(s) ? `${s.slice(0, 8)}…` : s);
  if (key === 'stationCode') return names.get(`station:${s}`) ? `${names.get(`station:${s}`)}（${s}）` : s;
  if (key === 'until') return formatDateTime(s);
  return valueLabel(key, s, scope);
}

/** A row's detail as `label：value` lines, changes as `from → to` (the raw JSON stays in the CSV). */
function detailLines(item: AuditItem, names: Map<string, string>): string[] {
  const detail = (item.detail ?? {}) as Record<string, unknown>;
  const scope = item.target?.type === 'case' ? 'party' : (item.target?.type ?? '');
  // A field a record was created without (no deputy for a court user) says nothing: left out.
  const said = Object.entries(detail).filter(([, v]) => !blank(v));
  return said.map(([key, v]) => {
    const label = AUDIT_DETAIL_LABELS[key] ?? fieldLabel(key, scope);
    if (v === 'changed') return `${label}：${UI.history.changed}`;
    if (typeof v === 'object' && v !== null && !Array.isArray(v) && 'from' in v && 'to' in v) {
      const c = v as { from: unknown; to: unknown };
      if (c.from === '***' || c.to === '***') return `${label}：${UI.history.changed}`;
      return `${label}：${detailValue(key, c.from, scope, names)} → ${detailValue(key, c.to, scope, names)}`;
    }
    return `${label}：${detailValue(key, v, scope, names)}`;
  });
}

function Detail(p: { item: AuditItem; names: Map<string, string> }) {
  const lines = detailLines(p.item, p.names);
  if (!lines.length) return <span class="muted">—</span>;
  return (
    <ul class="plain detail">
      {lines.map((l) => (
        <li>{l}</li>
      ))}
    </ul>
  );
}

/**
 * Filters the log cannot read (a date typed as 2026/12/01, an unknown action): what is wrong with
 * each, under the label it has on the form, so the page can say it (a 400 that gives its reason).
 */
function unreadableFilters(err: unknown, keys: FilterKey[]): { name: string; label: string; message: string }[] {
  if (!(err instanceof ValidationError)) throw err;
  const labels: Record<string, string> = { action: UI.audit.action, ...Object.fromEntries(keys.map((k) => [k.name, k.label])) };
  return err.errors.map((e) => ({ name: e.field, label: labels[e.field] ?? e.field, message: sayField(e) }));
}

/** Each refused filter's reason by its name, for the form (the first, when one has several). */
const errorsOf = (refused: { name: string; message: string }[] | null): Record<string, string> => {
  const out: Record<string, string> = {};
  for (const f of refused ?? []) out[f.name] ??= f.message;
  return out;
};

/** A page of the log, or none with the reasons its filters cannot be read (`refused`). */
async function readLog<T>(read: () => Promise<{ page: T; reset: boolean }>, none: T, keys: FilterKey[]) {
  try {
    return { ...(await read()), refused: null };
  } catch (err) {
    return { page: none, reset: false, refused: unreadableFilters(err, keys) };
  }
}

/** A CSV asked for with filters the log cannot read: the refusal page, each reason in words. */
function refuseFilters(c: WebContext, err: unknown, keys: FilterKey[], log: string) {
  const reasons = unreadableFilters(err, keys).map((f) => `${f.label}：${f.message}`);
  // Back to the log with the same filters, where each reason stands under its field.
  const query = new URL(c.req.url).search;
  return refusePage(c, 400, 'validation', reasons.join('；'), { back: `${log}${query}` });
}

/** A log page: its title and note, a link to the other log, the filters, the rows, the next page. */
function LogPage(p: { actor: Actor; csrf: string; title: string; intro: string; other: [href: string, label: string]; next: string | null; reset: boolean; children?: Child }) {
  return (
    <Layout title={p.title} actor={p.actor} csrf={p.csrf} active="audit" note={p.reset ? UI.common.pageLinkExpired : null} wide>
      <h1>{p.title}</h1>
      <p class="muted">{p.intro}</p>
      <p>
        <a href={p.other[0]}>{p.other[1]}</a>
      </p>
      {p.children}
      {p.next ? (
        <p>
          <a href={p.next}>{UI.audit.next}</a>
        </p>
      ) : null}
    </Layout>
  );
}

export function auditPages(app: Hono<WebEnv>, deps: AppDeps) {
  const AUDIT_KEYS = ['action', 'actorId', 'from', 'to'];
  const auditFilters: FilterKey[] = [
    { name: 'actorId', label: UI.audit.actorId },
    { name: 'from', label: UI.audit.from, type: 'date' },
    { name: 'to', label: UI.audit.to, type: 'date' },
  ];
  app.get(
    '/audit',
    page(
      deps,
      async (c, { actor, csrf }) => {
        const q = filtersOf(c, AUDIT_KEYS);
        const {
          page: { items, nextCursor },
          reset,
          refused,
        } = await readLog(
          () => pageAt(c.req.query('cursor') || undefined, (cursor) => listAudit(deps.db, actor, { ...Object.fromEntries(q), cursor, limit: '100' })),
          { items: [] as AuditItem[], nextCursor: null },
          auditFilters,
        );
        const next = nextCursor ? `/audit?${new URLSearchParams({ ...Object.fromEntries(q), cursor: nextCursor })}` : null;
        const names = await auditNames(deps.db, actor, items);
        return html(
          c,
          <LogPage actor={actor} csrf={csrf} title={UI.audit.title} intro={UI.audit.intro} other={['/access-log', UI.audit.accessTitle]} next={next} reset={reset}>
            {refused ? <ErrorBox title={ERROR_TITLES.validation} fields={refused} /> : null}
            <Filters action="/audit" actions values={Object.fromEntries(q)} csv={`/audit.csv?${q}`} keys={auditFilters} errors={errorsOf(refused)} />
            <Table
              testid="audit"
              class="log"
              rows={items}
              empty={<p class="muted">{UI.audit.empty}</p>}
              rowAttrs={(i) => ({ 'data-action': i.action })}
              columns={[
                { label: UI.audit.at, class: 'nowrap', cell: (i) => formatDateTime(i.at) },
                { label: UI.audit.actor, class: 'nowrap', cell: (i) => actorText(i.actor) },
                { label: UI.audit.action, head: true, class: 'nowrap', cell: (i) => AUDIT_ACTION_LABELS[i.action] ?? i.action },
                { label: UI.audit.target, class: 'target', cell: (i) => targetText(i.target, names) },
                { label: UI.audit.detail, class: 'detail', cell: (i) => <Detail item={i} names={names} /> },
                { label: UI.audit.address, class: 'mono nowrap', cell: (i) => i.clientAddress ?? '—' },
                { label: UI.audit.requestId, class: 'mono nowrap', cell: (i) => <ShortId id={i.requestId} /> },
              ]}
            />
          </LogPage>,
          refused ? 400 : 200,
        );
      },
      readers,
    ),
  );
  app.get(
    '/audit.csv',
    page(
      deps,
      async (c, { actor }) => {
        try {
          const { items } = await listAudit(deps.db, actor, Object.fromEntries(filtersOf(c, AUDIT_KEYS)), { all: true });
          return c.body(auditCsv(items), 200, csvDownload('audit-log'));
        } catch (err) {
          return refuseFilters(c, err, auditFilters, '/audit');
        }
      },
      readers,
    ),
  );

  const ACCESS_KEYS = ['caseId', 'actorId', 'from', 'to'];
  const accessFilters: FilterKey[] = [
    { name: 'caseId', label: UI.audit.caseId },
    { name: 'actorId', label: UI.audit.actorId },
    { name: 'from', label: UI.audit.from, type: 'date' },
    { name: 'to', label: UI.audit.to, type: 'date' },
  ];
  app.get(
    '/access-log',
    page(
      deps,
      async (c, { actor, csrf }) => {
        const q = filtersOf(c, ACCESS_KEYS);
        const {
          page: { items, nextCursor },
          reset,
          refused,
        } = await readLog(
          () => pageAt(c.req.query('cursor') || undefined, (cursor) => listAccessLog(deps.db, actor, { ...Object.fromEntries(q), cursor, limit: '100' })),
          { items: [] as Awaited<ReturnType<typeof listAccessLog>>['items'], nextCursor: null },
          accessFilters,
        );
        const next = nextCursor ? `/access-log?${new URLSearchParams({ ...Object.fromEntries(q), cursor: nextCursor })}` : null;
        return html(
          c,
          <LogPage actor={actor} csrf={csrf} title={UI.audit.accessTitle} intro={UI.audit.accessIntro} other={['/audit', UI.audit.title]} next={next} reset={reset}>
            {refused ? <ErrorBox title={ERROR_TITLES.validation} fields={refused} /> : null}
            <Filters action="/access-log" values={Object.fromEntries(q)} csv={`/access-log.csv?${q}`} keys={accessFilters} errors={errorsOf(refused)} />
            <Table
              testid="access-log"
              class="log"
              rows={items}
              empty={<p class="muted">{UI.audit.empty}</p>}
              columns={[
                { label: UI.audit.at, class: 'nowrap', cell: (i) => formatDateTime(i.at) },
                { label: UI.audit.actor, head: true, class: 'nowrap', cell: (i) => actorText(i.actor) },
                { label: UI.audit.caseId, class: 'mono', cell: (i) => i.caseId ?? `${UI.audit.submission} ${i.submissionId}` },
                { label: UI.audit.fields, class: 'mono', cell: (i) => i.fields },
                { label: UI.audit.requestId, class: 'mono nowrap', cell: (i) => <ShortId id={i.requestId} /> },
              ]}
            />
          </LogPage>,
          refused ? 400 : 200,
        );
      },
      readers,
    ),
  );
  app.get(
    '/access-log.csv',
    page(
      deps,
      async (c, { actor }) => {
        try {
          const { items } = await listAccessLog(deps.db, actor, Object.fromEntries(filtersOf(c, ACCESS_KEYS)), { all: true });
          return c.body(accessCsv(items), 200, csvDownload('access-log'));
        } catch (err) {
          return refuseFilters(c, err, accessFilters, '/access-log');
        }
      },
      readers,
    ),
  );
}
