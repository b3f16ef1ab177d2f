/**
 * 站内消息 for every signed-in user, and the admin's webhook pages (DESIGN.md §12). Thin: the verbs
 * in src/engine/notify decide; the words come from labels.
 */
import type { Hono } from 'hono';
import type { AppDeps } from '../../edge/context.js';
import { presentNotice } from '../../edge/notices.js';
import { listNotices, markRead } from '../../engine/notify/inbox.js';
import { createWebhook, deleteWebhook, listDeliveries, listWebhooks, retryDelivery, WEBHOOK_EVENT_TYPES } from '../../engine/notify/webhooks.js';
import { ValidationError } from '../../engine/errors.js';
import { formatDateTime } from '../../format.js';
import { DELIVERY_STATUS_LABELS, EVENT_LABELS } from '../../labels.js';
import { ERROR_TITLES, UI } from '../../words.js';
import { sayField } from '../wording.js';
import { Csrf, ErrorBox, Input, RestoredNotice, Row } from '../components.js';
import { AdminFrame, FormCard } from '../admin-frame.js';
import { many, one, restoredDraft, type WebEnv } from '../http.js';
import { Layout } from '../layout.js';
import { Table } from '../table.js';
import { flashOf, html, page, pageAt, type PageCtx, type WebContext } from '../page.js';

/**
 * Where a notice leads: its case, its supervision item, or the submission in the station's queue
 * (its card's anchor there; once decided it has left the pending list, and the queue opens at the top).
 */
function hrefOf(entity: { type: string; id: string }): string {
  if (entity.type === 'case') return `/cases/${entity.id}`;
  if (entity.type === 'supervision') return `/supervisions/${entity.id}`;
  if (entity.type === 'submission') return `/submissions#s-${entity.id}`;
  return '/';
}

async function inboxPage(deps: AppDeps, c: WebContext, { actor, csrf }: PageCtx) {
  const unreadOnly = c.req.query('unread') === 'true';
  const { page: list, reset } = await pageAt(c.req.query('cursor') || undefined, (cursor) =>
    listNotices(deps.db, actor, { unread: unreadOnly ? 'true' : undefined, cursor, limit: '50' }),
  );
  const t = UI.inbox;
  return html(
    c,
    <Layout title={t.title} actor={actor} csrf={csrf} flash={flashOf(c, { read: t.marked })} note={reset ? UI.common.pageLinkExpired : null}>
      <h1>
        {t.title} {list.unread > 0 ? <span class="badge unread">{UI.inbox.linkLabel(list.unread).replace('消息，', '')}</span> : null}
      </h1>
      <p class="actions">
        {unreadOnly ? <a href="/notifications">{t.all}</a> : <a href="/notifications?unread=true">{t.unreadOnly}</a>}
        {list.unread > 0 ? (
          <form method="post" action="/notifications/read" class="inline">
            <Csrf token={csrf} />
            <input type="hidden" name="all" value="true" />
            <button type="submit">{t.markAll}</button>
          </form>
        ) : null}
      </p>
      {list.items.length === 0 ? (
        <p class="empty">{t.empty}</p>
      ) : (
        <ul class="notices" data-testid="notices">
          {list.items.map(presentNotice).map((n) => (
            <li class={n.readAt ? 'message' : 'message unread'} data-kind={n.kind}>
              <div class="notice-head">
                <a href={hrefOf(n.entity)}>
                  <strong>{n.title}</strong>
                </a>
                <small>{formatDateTime(n.at)}</small>
                {n.readAt ? <small class="muted">{t.read}</small> : null}
              </div>
              <p>{n.body}</p>
              {n.readAt ? null : (
                <form method="post" action="/notifications/read" class="inline">
                  <Csrf token={csrf} />
                  <input type="hidden" name="id" value={n.id} />
                  <button type="submit" class="link">
                    {t.markOne}
                  </button>
                </form>
              )}
            </li>
          ))}
        </ul>
      )}
      {list.nextCursor ? (
        <p>
          <a href={`/notifications?${unreadOnly ? 'unread=true&' : ''}cursor=${encodeURIComponent(list.nextCursor)}`}>{t.more}</a>
        </p>
      ) : null}
    </Layout>,
  );
}

async function webhooksPage(deps: AppDeps, c: WebContext, { actor, csrf }: PageCtx, st: { secret?: string; error?: ValidationError | null; values?: Record<string, string | string[]>; restored?: boolean } = {}, status: 200 | 201 | 400 = 200) {
  const t = UI.webhooks;
  const list = await listWebhooks(deps.db, actor);
  const chosen = new Set(st.values ? many(st.values, 'events') : []);
  return html(
    c,
    <AdminFrame
      title={t.title}
      actor={actor}
      csrf={csrf}
      active="webhooks"
      flash={flashOf(c, { deleted: t.deleted })}
      main={
        <Table
          testid="webhooks"
          rows={list.items}
          empty={<p class="empty">{t.none}</p>}
          columns={[
            { label: t.url, head: true, class: 'mono', cell: (h) => h.url },
            { label: t.events, cell: (h) => (h.events.includes('*') ? t.all : h.events.map((e) => EVENT_LABELS[e] ?? e).join('、')) },
            {
              label: t.counts,
              cell: (h) =>
                Object.entries(h.deliveries)
                  .map(([s, n]) => `${DELIVERY_STATUS_LABELS[s] ?? s} ${n}`)
                  .join('，') || '—',
            },
            {
              label: '',
              cell: (h) => (
                <>
                  <a href={`/admin/webhooks/${h.id}`}>{t.deliveries}</a>
                  <form method="post" action={`/admin/webhooks/${h.id}/delete`} class="inline">
                    <Csrf token={csrf} />
                    <button type="submit" class="link danger">
                      {t.delete}
                    </button>
                  </form>
                </>
              ),
            },
          ]}
        />
      }
      side={
        <FormCard
          title={t.add}
          action="/admin/webhooks"
          csrf={csrf}
          submit={t.add}
          error={
            <>
              {st.restored ? <RestoredNotice /> : null}
              {st.error ? (
                <ErrorBox
                  title={ERROR_TITLES.validation}
                  fields={st.error.errors.map((e) => ({ name: e.field.split('.')[0], label: e.field.startsWith('url') ? t.url : t.events, message: sayField(e) }))}
                />
              ) : null}
            </>
          }
        >
          <Row label={t.url} name="url" required hint={t.urlHint}>
            <Input name="url" value={st.values ? one(st.values, 'url') : ''} required placeholder="https://" />
          </Row>
          <fieldset class="checks">
            <legend>
              {t.events}（{t.eventsHint}）
            </legend>
            {WEBHOOK_EVENT_TYPES.map((e) => (
              <label>
                <input type="checkbox" name="events" value={e} checked={chosen.has(e)} /> {EVENT_LABELS[e] ?? e}
              </label>
            ))}
          </fieldset>
        </FormCard>
      }
    >
      <p class="muted">{t.intro}</p>
      {st.secret ? (
        <div class="flash ok" role="status">
          <p>{t.created}</p>
          <p>
            {t.secret}：<code class="mono" data-testid="webhook-secret">{st.secret}</code>
          </p>
        </div>
      ) : null}
    </AdminFrame>,
    status,
  );
}

async function deliveriesPage(deps: AppDeps, c: WebContext, { actor, csrf }: PageCtx) {
  const t = UI.webhooks;
  const id = c.req.param('id') ?? '';
  const status = c.req.query('status') || undefined;
  const { page: list, reset } = await pageAt(c.req.query('cursor') || undefined, (cursor) => listDeliveries(deps.db, actor, id, { status, cursor, limit: '50' }));
  return html(
    c,
    <Layout title={t.deliveries} actor={actor} csrf={csrf} active="webhooks" flash={flashOf(c, { retried: t.retried })} note={reset ? UI.common.pageLinkExpired : null} wide>
      <h1>{t.deliveries}</h1>
      <p>
        <a href="/admin/webhooks">{t.back}</a>
      </p>
      <Table
        testid="deliveries"
        rows={list.items}
        empty={<p class="empty">{t.noDeliveries}</p>}
        rowAttrs={(d) => ({ 'data-status': d.status, 'data-delivery': d.id })}
        columns={[
          {
            label: t.event,
            head: true,
            cell: (d) => (
              <>
                {EVENT_LABELS[d.event.type] ?? d.event.type} <small class="mono">#{d.event.seq}</small>
                <br />
                <small>{formatDateTime(d.createdAt)}</small>
              </>
            ),
          },
          { label: t.status, cell: (d) => DELIVERY_STATUS_LABELS[d.status] ?? d.status },
          {
            label: t.attempts,
            cell: (d) => (
              <details>
                <summary>{d.attempts}</summary>
                <ol>
                  {d.attemptLog.map((a) => (
                    <li>
                      {formatDateTime(a.at)}：{a.status ?? t.noAnswer}
                      {a.error && a.status === null ? `（${a.error}）` : ''}，{a.durationMs} ms
                    </li>
                  ))}
                </ol>
              </details>
            ),
          },
          { label: t.lastResult, cell: (d) => d.lastStatus ?? (d.lastError ? `${t.noAnswer}（${d.lastError}）` : '—') },
          { label: t.nextAttempt, class: 'nowrap', cell: (d) => (d.nextAttemptAt ? formatDateTime(d.nextAttemptAt) : '—') },
          {
            label: '',
            cell: (d) =>
              d.status === 'dead' ? (
                <form method="post" action={`/admin/webhooks/${id}/deliveries/${d.id}/retry`} class="inline">
                  <Csrf token={csrf} />
                  <button type="submit">{t.retry}</button>
                </form>
              ) : null,
          },
        ]}
      />
      {list.nextCursor ? (
        <nav class="pager">
          <a href={`/admin/webhooks/${id}?${new URLSearchParams({ ...(status ? { status } : {}), cursor: list.nextCursor })}`}>{UI.common.nextPage}</a>
        </nav>
      ) : null}
    </Layout>,
  );
}

export function notificationPages(app: Hono<WebEnv>, deps: AppDeps) {
  const admin = { may: 'webhook.manage' } as const;
  const post = (path: string, handler: (c: WebContext, ctx: PageCtx) => Promise<Response>) => app.post(path, page(deps, handler, admin));
  app.get('/notifications', page(deps, (c, ctx) => inboxPage(deps, c, ctx)));
  app.post(
    '/notifications/read',
    page(deps, async (c, ctx) => {
      const form = c.get('form');
      const id = one(form, 'id');
      await markRead(deps.db, ctx.actor, one(form, 'all') === 'true' ? { all: true } : { ids: [id] }, ctx.now);
      return c.redirect('/notifications?ok=read', 303);
    }),
  );
  app.get(
    '/admin/webhooks',
    page(
      deps,
      (c, ctx) => {
        // Handed back after signing in again: the address and events as they were chosen.
        const draft = restoredDraft(c);
        return webhooksPage(deps, c, ctx, draft ? { values: draft, restored: true } : {});
      },
      admin,
    ),
  );
  post('/admin/webhooks', async (c, ctx) => {
    const form = c.get('form');
    const events = many(form, 'events');
    try {
      const made = await createWebhook(deps.db, ctx.actor, { url: one(form, 'url'), events: events.length ? events : ['*'] });
      // The secret is shown on this answer only: never in a URL, never again.
      c.header('Cache-Control', 'no-store');
      return webhooksPage(deps, c, ctx, { secret: made.secret }, 201);
    } catch (err) {
      if (err instanceof ValidationError) return webhooksPage(deps, c, ctx, { error: err, values: form }, 400);
      throw err;
    }
  });
  post('/admin/webhooks/:id/delete', async (c, ctx) => {
    await deleteWebhook(deps.db, ctx.actor, c.req.param('id') ?? '', ctx.now);
    return c.redirect('/admin/webhooks?ok=deleted', 303);
  });
  app.get('/admin/webhooks/:id', page(deps, (c, ctx) => deliveriesPage(deps, c, ctx), admin));
  post('/admin/webhooks/:id/deliveries/:deliveryId/retry', async (c, ctx) => {
    const id = c.req.param('id') ?? '';
    await retryDelivery(deps.db, ctx.actor, id, c.req.param('deliveryId') ?? '', ctx.now);
    return c.redirect(`/admin/webhooks/${id}?ok=retried`, 303);
  });
}

