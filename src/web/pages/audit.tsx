/** The audit log and the access log (谁查看了当事人个人信息) for the admin and the committee: filters, pages, CSV. */
import type { Hono } from 'hono';
import type { AppDeps } from '../../edge/context.js';
import { accessCsv, auditCsv, csvDownload } from '../../edge/audit.js';
import { AUDIT_ACTIONS, listAccessLog, listAudit } from '../../engine/audit.js';
import { formatDateTime } from '../../format.js';
import { AUDIT_ACTION_LABELS, ROLE_LABELS } from '../../labels.js';
import { UI } from '../../words.js';
import type { WebEnv } from '../http.js';
import { Layout } from '../layout.js';
import { html, page, type WebContext } from '../page.js';

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

function Filters(p: { action: string; values: Record<string, string>; keys: { name: string; label: string; type?: string }[]; actions?: boolean; csv: string }) {
  return (
    <form method="get" action={p.action} class="filters">
      {p.actions ? (
        <label>
          {UI.audit.action}
          <select name="action">
            <option value="">{UI.audit.anyAction}</option>
            {AUDIT_ACTIONS.map((a) => (
              <option value={a} selected={p.values.action === a}>
                {AUDIT_ACTION_LABELS[a] ?? a}
              </option>
            ))}
          </select>
        </label>
      ) : null}
      {p.keys.map((k) => (
        <label>
          {k.label}
          <input type={k.type ?? 'text'} name={k.name} value={p.values[k.name] ?? ''} />
        </label>
      ))}
      <button type="submit">{UI.audit.filter}</button>
      <a class="button" href={p.csv} data-testid="csv">
        {UI.audit.csv}
      </a>
    </form>
  );
}

const actorText = (a: { name: string | null; role: string | null; id: string | null }) =>
  a.id === null ? UI.audit.nobody : a.role === 'system' ? UI.audit.system : `${a.name ?? a.id}（${ROLE_LABELS[a.role ?? ''] ?? a.role}）`;

export function auditPages(app: Hono<WebEnv>, deps: AppDeps) {
  const AUDIT_KEYS = ['action', 'actorId', 'from', 'to'];
  app.get(
    '/audit',
    page(
      deps,
      async (c, { actor, csrf }) => {
        const q = filtersOf(c, AUDIT_KEYS);
        const { items, nextCursor } = await listAudit(deps.db, actor, { ...Object.fromEntries(q), cursor: c.req.query('cursor'), limit: '100' });
        const next = nextCursor ? `/audit?${new URLSearchParams({ ...Object.fromEntries(q), cursor: nextCursor })}` : null;
        return html(
          c,
          <Layout title={UI.audit.title} actor={actor} csrf={csrf} active="audit" wide>
            <h1>{UI.audit.title}</h1>
            <p class="muted">{UI.audit.intro}</p>
            <p>
              <a href="/access-log">{UI.audit.accessTitle}</a>
            </p>
            <Filters
              action="/audit"
              actions
              values={Object.fromEntries(q)}
              csv={`/audit.csv?${q}`}
              keys={[
                { name: 'actorId', label: UI.audit.actorId },
                { name: 'from', label: UI.audit.from, type: 'date' },
                { name: 'to', label: UI.audit.to, type: 'date' },
              ]}
            />
            {items.length === 0 ? (
              <p class="muted">{UI.audit.empty}</p>
            ) : (
              <table class="table" data-testid="audit">
                <thead>
                  <tr>
                    <th>{UI.audit.at}</th>
                    <th>{UI.audit.actor}</th>
                    <th>{UI.audit.action}</th>
                    <th>{UI.audit.target}</th>
                    <th>{UI.audit.detail}</th>
                    <th>{UI.audit.address}</th>
                    <th>{UI.audit.requestId}</th>
                  </tr>
                </thead>
                <tbody>
                  {items.map((i) => (
                    <tr data-action={i.action}>
                      <td class="nowrap">{formatDateTime(i.at)}</td>
                      <td class="nowrap">{actorText(i.actor)}</td>
                      <td>{AUDIT_ACTION_LABELS[i.action] ?? i.action}</td>
                      <td class="mono">{i.target ? `${i.target.type} ${i.target.id}` : '—'}</td>
                      <td class="mono small">{JSON.stringify(i.detail)}</td>
                      <td class="mono">{i.clientAddress ?? '—'}</td>
                      <td class="mono small">{i.requestId ?? '—'}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            )}
            {next ? (
              <p>
                <a href={next}>{UI.audit.next}</a>
              </p>
            ) : null}
          </Layout>,
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
        const { items } = await listAudit(deps.db, actor, Object.fromEntries(filtersOf(c, AUDIT_KEYS)), { all: true });
        return c.body(auditCsv(items), 200, csvDownload('audit-log'));
      },
      readers,
    ),
  );

  const ACCESS_KEYS = ['caseId', 'actorId', 'from', 'to'];
  app.get(
    '/access-log',
    page(
      deps,
      async (c, { actor, csrf }) => {
        const q = filtersOf(c, ACCESS_KEYS);
        const { items, nextCursor } = await listAccessLog(deps.db, actor, { ...Object.fromEntries(q), cursor: c.req.query('cursor'), limit: '100' });
        const next = nextCursor ? `/access-log?${new URLSearchParams({ ...Object.fromEntries(q), cursor: nextCursor })}` : null;
        return html(
          c,
          <Layout title={UI.audit.accessTitle} actor={actor} csrf={csrf} active="audit" wide>
            <h1>{UI.audit.accessTitle}</h1>
            <p class="muted">{UI.audit.accessIntro}</p>
            <p>
              <a href="/audit">{UI.audit.title}</a>
            </p>
            <Filters
              action="/access-log"
              values={Object.fromEntries(q)}
              csv={`/access-log.csv?${q}`}
              keys={[
                { name: 'caseId', label: UI.audit.caseId },
                { name: 'actorId', label: UI.audit.actorId },
                { name: 'from', label: UI.audit.from, type: 'date' },
                { name: 'to', label: UI.audit.to, type: 'date' },
              ]}
            />
            {items.length === 0 ? (
              <p class="muted">{UI.audit.empty}</p>
            ) : (
              <table class="table" data-testid="access-log">
                <thead>
                  <tr>
                    <th>{UI.audit.at}</th>
                    <th>{UI.audit.actor}</th>
                    <th>{UI.audit.caseId}</th>
                    <th>{UI.audit.fields}</th>
                    <th>{UI.audit.requestId}</th>
                  </tr>
                </thead>
                <tbody>
                  {items.map((i) => (
                    <tr>
                      <td class="nowrap">{formatDateTime(i.at)}</td>
                      <td class="nowrap">{actorText(i.actor)}</td>
                      <td class="mono">{i.caseId}</td>
                      <td class="mono">{i.fields}</td>
                      <td class="mono small">{i.requestId ?? '—'}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            )}
            {next ? (
              <p>
                <a href={next}>{UI.audit.next}</a>
              </p>
            ) : null}
          </Layout>,
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
        const { items } = await listAccessLog(deps.db, actor, Object.fromEntries(filtersOf(c, ACCESS_KEYS)), { all: true });
        return c.body(accessCsv(items), 200, csvDownload('access-log'));
      },
      readers,
    ),
  );
}
