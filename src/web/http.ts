/**
 * The web adapter's plumbing: the session cookie, CSRF on every form, security headers, form
 * bodies, and how a domain refusal becomes a status. No SQL and no business rule here: sessions
 * and passwords are engine verbs (src/engine/sessions.ts, directory.ts).
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { Context, MiddlewareHandler } from 'hono';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import type { Actor } from '../machines/roles.js';
import type { AppDeps, RequestVars } from '../edge/context.js';
import { isConnectionError } from '../engine/errors.js';
import { sessionOf, type OpenedSession, type WebSession } from '../engine/sessions.js';
import { UI } from '../labels.js';

export type WebEnv = {
  Variables: RequestVars & {
    session: WebSession | null;
    form: FormBody;
    /** The signed-in user's unread notices, for the header (set for pages, src/web/routes.tsx). */
    unread: number;
  };
};

export type FormBody = Record<string, string | string[]>;

export const SESSION_COOKIE = 'jf_session';
/** Double-submit token for the sign-in form, which has no session yet (login CSRF). */
export const SIGNIN_COOKIE = 'jf_signin';

/** The web owns everything but the JSON API and the health check. */
export function isWebPath(path: string): boolean {
  return !(path === '/api' || path.startsWith('/api/') || path === '/healthz');
}

function secure(c: Context): boolean {
  return new URL(c.req.url).protocol === 'https:' || c.req.header('x-forwarded-proto') === 'https';
}

export function setSessionCookie(c: Context, s: OpenedSession) {
  setCookie(c, SESSION_COOKIE, s.sessionId, {
    httpOnly: true,
    sameSite: 'Strict',
    path: '/',
    secure: secure(c),
    expires: new Date(s.expiresAt),
    maxAge: Math.max(0, Math.floor((Date.parse(s.expiresAt) - Date.now()) / 1000)),
  });
}

export function clearSessionCookie(c: Context) {
  deleteCookie(c, SESSION_COOKIE, { path: '/', secure: secure(c), httpOnly: true, sameSite: 'Strict' });
}

/** The sign-in form's token: the same random value in a cookie and in the form. */
export function signInToken(c: Context): string {
  const existing = getCookie(c, SIGNIN_COOKIE);
  if (existing && /^[\w-]{20,100}$/.test(existing)) return existing;
  const token = randomBytes(24).toString('base64url');
  setCookie(c, SIGNIN_COOKIE, token, { httpOnly: true, sameSite: 'Strict', path: '/', secure: secure(c), maxAge: 3600 });
  return token;
}

export function sameToken(a: string | undefined, b: string | undefined): boolean {
  if (!a || !b) return false;
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

export function one(form: FormBody, name: string): string {
  const v = form[name];
  return (Array.isArray(v) ? v[0] : v) ?? '';
}

export function many(form: FormBody, name: string): string[] {
  const v = form[name];
  if (v === undefined) return [];
  return (Array.isArray(v) ? v : [v]).filter((x) => typeof x === 'string' && x !== '');
}

async function readForm(c: Context): Promise<FormBody> {
  const type = c.req.header('content-type') ?? '';
  if (!/^(application\/x-www-form-urlencoded|multipart\/form-data)/i.test(type)) return {};
  const body = await c.req.parseBody({ all: true });
  const out: FormBody = {};
  for (const [k, v] of Object.entries(body)) {
    // NUL and unpaired surrogates cannot be stored by PostgreSQL (a 500 if written) and no
    // browser form produces them from typing: drop them.
    const values = (Array.isArray(v) ? v : [v])
      .filter((x): x is string => typeof x === 'string')
      .map((x) => x.replace(/\u0000|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, ''));
    out[k] = values.length === 1 ? values[0] : values;
  }
  return out;
}

/** A form POSTed from another site: its Origin (when the browser sends one) names another host. */
function crossOrigin(c: Context): boolean {
  const origin = c.req.header('origin');
  if (!origin || origin === 'null') return origin === 'null';
  try {
    return new URL(origin).host !== (c.req.header('host') ?? new URL(c.req.url).host);
  } catch {
    return true;
  }
}

/** Renders a refusal page: `code` picks the heading (ERROR_TITLES), `detail` says what happened. */
export type Refuse = (c: Context<WebEnv>, status: ContentfulStatusCode, code: string, detail: string) => Response | Promise<Response>;

/**
 * On every web path: security headers, the signed-in user (if any) from the session cookie, and
 * for every POST the form body and its CSRF check — the session's token, or the sign-in form's
 * double-submit token. A POST that fails the check changes nothing.
 */
export function webSession(deps: AppDeps, refuse: Refuse): MiddlewareHandler<WebEnv> {
  return async (c, next) => {
    if (!isWebPath(c.req.path)) return next();
    c.header('X-Content-Type-Options', 'nosniff');
    c.header('X-Frame-Options', 'DENY');
    c.header('Referrer-Policy', 'same-origin');
    if (!c.req.path.startsWith('/static/')) {
      // Pages show personal data: never cached, never framed, scripts only from here.
      c.header('Cache-Control', 'no-store');
      c.header(
        'Content-Security-Policy',
        "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
      );
    }
    if (c.req.path.startsWith('/static/')) return next();
    let session: WebSession | null;
    try {
      session = await sessionOf(deps.db, getCookie(c, SESSION_COOKIE), deps.now?.() ?? new Date());
    } catch (err) {
      if (!isConnectionError(err)) throw err;
      c.set('session', null);
      return refuse(c, 503, 'unavailable', UI.errors.database);
    }
    c.set('session', session);
    if (session) c.set('actor', session.actor);
    if (c.req.method === 'POST') {
      const form = await readForm(c);
      c.set('form', form);
      const expected = c.req.path === '/login' ? getCookie(c, SIGNIN_COOKIE) : session?.csrfToken;
      if (crossOrigin(c) || !sameToken(one(form, '_csrf'), expected)) {
        if (!session && c.req.path !== '/login') return c.redirect('/login', 303);
        return refuse(c, 403, 'csrf', UI.errors.csrf);
      }
    }
    await next();
  };
}

/** Only local paths are followed after sign-in (no open redirect). */
export function safeNext(next: string | undefined): string {
  if (!next || !next.startsWith('/') || next.startsWith('//') || next.startsWith('/\\')) return '/';
  return next;
}
