/**
 * How a page is served: who is signed in, the HTML document, and refusals as pages in Chinese.
 * A domain refusal (the engine's ValidationError, Forbidden, InvalidTransition, …) never reaches
 * the JSON API's problem+json handler from here: it becomes a page with the engine's reason.
 */
import type { Context } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import type { JSX } from 'hono/jsx/jsx-runtime';
import { can, rolesFor, type Action } from '../machines/policy.js';
import type { Actor } from '../machines/roles.js';
import type { AppDeps } from '../edge/context.js';
import { DomainError, isConnectionError, loggableError, ValidationError } from '../engine/errors.js';
import { auditDenied } from '../edge/audit.js';
import { ROLE_LABELS } from '../labels.js';
import { ERROR_TITLES, UI } from '../words.js';
import { ErrorBox } from './components.js';
import { statusOf } from '../edge/errors.js';
import type { WebEnv } from './http.js';
import { homeOf, Layout } from './layout.js';
import { sayError } from './wording.js';

export type WebContext = Context<WebEnv>;

/** What a signed-in page handler gets. */
export interface PageCtx {
  actor: Actor;
  csrf: string;
  now: Date;
}

export async function html(c: Context, el: JSX.Element | Promise<JSX.Element> | string, status: ContentfulStatusCode = 200) {
  const body = await (await el).toString();
  return c.html(`<!DOCTYPE html>${body}`, status);
}

/**
 * A refusal as a page of its own. `back`: the form it came from, offered first as 返回修改 (with
 * script it goes back in history, where the browser keeps what was typed; without, it opens the form).
 */
export function refusePage(c: WebContext, status: ContentfulStatusCode, code: string, detail: string, opts: { back?: string } = {}) {
  const session = c.get('session');
  const title = ERROR_TITLES[code] ?? ERROR_TITLES.internal;
  return html(
    c,
    <Layout title={title} actor={session?.actor} csrf={session?.csrfToken}>
      <ErrorBox title={title} detail={detail} />
      <p class="actions">
        {opts.back ? (
          <a href={opts.back} class="button primary" data-history-back data-testid="back-to-form">
            {UI.errors.backToForm}
          </a>
        ) : null}
        <a href={session ? homeOf(session.actor) : '/login'}>{UI.errors.roleHome}</a>
      </p>
    </Layout>,
    status,
  );
}

/**
 * A refusal from the engine, for people: its heading and its message in words. "Nothing was
 * changed" is said only where something was asked to change (`attempted`: a form was sent), not
 * on a page that only shows.
 */
export function describeError(err: unknown, attempted = true): { status: ContentfulStatusCode; code: string; detail: string } | null {
  if (err instanceof DomainError) {
    if (err.code === 'validation') return { status: 400, code: err.code, detail: UI.common.errorsAbove };
    const said = sayError(err);
    const end = /[。！？.!?]$/.test(said) ? '' : '。';
    return { status: statusOf(err), code: err.code, detail: attempted ? `${said}${end}${UI.common.nothingChanged}` : `${said}${end}` };
  }
  if (isConnectionError(err)) return { status: 503, code: 'unavailable', detail: UI.errors.database };
  return null;
}

type Handler = (c: WebContext, ctx: PageCtx) => Promise<Response> | Response;

/**
 * A page for signed-in users (optionally only those the policy lets take an action). Unknown visitors go to the sign-in
 * page and come back; a user with an admin-set password must replace it first.
 */
export function page(deps: AppDeps, handler: Handler, opts: { may?: Action; allowPasswordChange?: boolean } = {}) {
  return async (c: WebContext) => {
    const session = c.get('session');
    if (!session) {
      const next = c.req.method === 'GET' ? c.req.path + (new URL(c.req.url).search || '') : '/';
      return c.redirect(`/login?next=${encodeURIComponent(next)}`, 303);
    }
    if (session.mustChangePassword && !opts.allowPasswordChange) return c.redirect('/password', 303);
    if (opts.may && !can(session.actor, opts.may)) {
      const people = rolesFor(opts.may).filter((r) => r !== 'system');
      await auditDenied(deps, c, `page for ${opts.may}`);
      return refusePage(c, 403, 'forbidden', UI.errors.onlyFor(people.map((r) => ROLE_LABELS[r] ?? r).join('、')));
    }
    try {
      return await handler(c, { actor: session.actor, csrf: session.csrfToken, now: deps.now?.() ?? new Date() });
    } catch (err) {
      const d = describeError(err, c.req.method === 'POST');
      if (d?.code === 'forbidden') await auditDenied(deps, c, (err as Error).message);
      if (d) return refusePage(c, d.status, d.code, d.detail);
      deps.log('unhandled error', { path: c.req.path, requestId: c.get('requestId'), ...loggableError(err) });
      return refusePage(c, 500, 'internal', UI.errors.internal);
    }
  };
}

/**
 * A list's page after `cursor`, or its first page when the list cannot read the cursor (mistyped,
 * cut short, or kept in a bookmark from an older version). A paging link is not something the
 * user typed and could correct, so it is not refused: `reset` says the first page was shown
 * instead, for the page to say so (UI.common.pageLinkExpired).
 *
 * @example const { page, reset } = await pageAt(c.req.query('cursor'), (cursor) => listNotices(db, actor, { cursor }));
 */
export async function pageAt<T>(cursor: string | undefined, list: (cursor: string | undefined) => Promise<T>): Promise<{ page: T; reset: boolean }> {
  if (!cursor) return { page: await list(undefined), reset: false };
  try {
    return { page: await list(cursor), reset: false };
  } catch (err) {
    if (!(err instanceof ValidationError && err.errors.some((e) => e.field === 'cursor'))) throw err;
    return { page: await list(undefined), reset: true };
  }
}

/** `?ok=…` after a redirect: the message for what was just done. */
export function flashOf(c: Context, messages: Record<string, string>): string | null {
  const ok = c.req.query('ok');
  return ok ? (messages[ok] ?? null) : null;
}
