/**
 * The web adapter's plumbing: the session cookie, CSRF on every form, security headers, form
 * bodies, and how a domain refusal becomes a status. No SQL and no business rule here: sessions
 * and passwords are engine verbs (src/engine/sessions.ts, directory.ts).
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { Context, MiddlewareHandler } from 'hono';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import type { AppDeps, RequestVars } from '../edge/context.js';
import { isConnectionError } from '../engine/errors.js';
import { sessionOf, type OpenedSession, type WebSession } from '../engine/sessions.js';
import { UI } from '../words.js';

export type WebEnv = {
  Variables: RequestVars & {
    session: WebSession | null;
    form: FormBody;
    /** The files of a multipart form (an upload page's), by field name. */
    files: Record<string, File>;
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

/** Whether the browser reached us over HTTPS (directly or through the proxy): cookies are then `Secure`. */
export function secure(c: Context): boolean {
  return new URL(c.req.url).protocol === 'https:' || c.req.header('x-forwarded-proto') === 'https';
}

/** `now` is the clock the session was opened by, so the cookie lives exactly as long as the session. */
export function setSessionCookie(c: Context, s: OpenedSession, now: Date) {
  setCookie(c, SESSION_COOKIE, s.sessionId, {
    httpOnly: true,
    sameSite: 'Strict',
    path: '/',
    secure: secure(c),
    expires: new Date(s.expiresAt),
    maxAge: Math.max(0, Math.floor((Date.parse(s.expiresAt) - now.getTime()) / 1000)),
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

/** A form body is at most this (DESIGN.md §10); a route that takes files declares its own limit. */
export const FORM_LIMIT_BYTES = 64 * 1024;
const formLimits: { path: RegExp; bytes: number }[] = [];

/**
 * About how many Chinese characters a form body of `bytes` carries: a browser sends a form
 * urlencoded, so each such character is three UTF-8 bytes written %XX, 9 bytes; the form's own
 * fields (its session token, key and version, the other inputs) are given `reserve` bytes. Rounded
 * down to `step`: 64 KiB carries 7,000 (7,168).
 * @example formTextChars(64 * 1024) // 7000; formTextChars(16 * 1024, 100) // 1700
 */
export const formTextChars = (bytes: number, step = 1000, reserve = 1024) => Math.floor((bytes - reserve) / 9 / step) * step;
/** The most characters a form's text input takes (its `maxlength`, the limit said beside it), whatever the API takes. */
export const FORM_TEXT_MAX_CHARS = formTextChars(FORM_LIMIT_BYTES);

/**
 * A larger body limit for the form POSTs to paths matching `path` (an upload page).
 *
 * @example declareFormLimit(/^\/imports$/, 20 * 1024 * 1024)
 */
export function declareFormLimit(path: RegExp, bytes: number): void {
  formLimits.push({ path, bytes });
}

export function formLimitOf(path: string): number {
  return formLimits.find((l) => l.path.test(path))?.bytes ?? FORM_LIMIT_BYTES;
}

class FormTooLarge extends Error {}

/**
 * The request body, refused (FormTooLarge) once it passes `limit`: by its Content-Length before
 * a byte is read, or, sent in chunks without one, as soon as the count passes the limit.
 */
async function boundedBody(c: Context, limit: number): Promise<Uint8Array> {
  if (Number(c.req.header('content-length') ?? 0) > limit) throw new FormTooLarge();
  const stream = c.req.raw.body;
  if (!stream) return new Uint8Array();
  const reader = stream.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > limit) {
      await reader.cancel().catch(() => {});
      throw new FormTooLarge();
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks);
}

async function readForm(c: Context<WebEnv>, limit: number): Promise<FormBody> {
  const type = c.req.header('content-type') ?? '';
  if (!/^(application\/x-www-form-urlencoded|multipart\/form-data)/i.test(type)) return {};
  const bytes = await boundedBody(c, limit);
  const parsed = await new Request('http://form.invalid/', { method: 'POST', headers: { 'content-type': type }, body: bytes }).formData();
  const body: Record<string, (string | File)[]> = {};
  const files: Record<string, File> = {};
  for (const [k, v] of parsed.entries()) {
    if (typeof v === 'string') (body[k] ??= []).push(v);
    else files[k] ??= v;
  }
  c.set('files', files);
  const out: FormBody = {};
  for (const [k, v] of Object.entries(body)) {
    // NUL and unpaired surrogates cannot be stored by PostgreSQL (a 500 if written) and no
    // browser form produces them from typing: drop them. A line break is sent as CRLF but counted
    // as one character by a textarea's maxlength: kept as LF, so the schema's limit counts alike.
    const values = v
      .filter((x): x is string => typeof x === 'string')
      .map((x) => x.replace(/\u0000|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, '').replace(/\r\n?/g, '\n'));
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
export type Refuse = (c: Context<WebEnv>, status: ContentfulStatusCode, code: string, detail: string, opts?: { back?: string }) => Response | Promise<Response>;

/**
 * A form posted after its session ended: the sign-in page, carrying what was typed (`draft`) in
 * its own hidden fields, so that after signing in the user is back on the form with the text.
 */
export type SignInAgain = (c: Context<WebEnv>, path: string, draft: FormBody) => Response | Promise<Response>;

/** The sign-in form's hidden fields that carry a draft: `_draft.<field>`. */
export const DRAFT_PREFIX = '_draft.';

/** In a draft: the names of the files the form had chosen (a file itself cannot be carried). */
export const DRAFT_FILES = '_files';

/**
 * What a form carries through a sign-in: every typed field but the CSRF token and passwords
 * (a password is never written into a page). It travels only in the page's body, never in a
 * URL, a log or the database. An uploaded file is not carried — only its name, so the page can
 * say which file to choose again.
 */
export function draftOf(form: FormBody, files: Record<string, File> = {}): FormBody {
  const out: FormBody = {};
  for (const [k, v] of Object.entries(form)) {
    if (k === '_csrf' || /password/i.test(k) || k.startsWith(DRAFT_PREFIX)) continue;
    out[k] = v;
  }
  const names = Object.values(files)
    .map((f) => f.name)
    .filter(Boolean);
  if (names.length) out[DRAFT_FILES] = names;
  return out;
}

/** The names of the files a restored draft's form had chosen, as one phrase (empty: none). */
export const lostFiles = (draft: FormBody | undefined): string => many(draft ?? {}, DRAFT_FILES).join('、');

/** The draft a sign-in hands back to a form's page, with the request it belongs to (an in-process sub-request). */
interface Restored {
  draft: FormBody;
  requestId: string;
  clientAddress: string;
}
const restoredDrafts = new WeakMap<Request, Restored>();

/** Hands `draft` to the page that answers `req` (see restoredDraft). */
export function withRestoredDraft(req: Request, draft: FormBody, from: Context<WebEnv>): Request {
  restoredDrafts.set(req, { draft, requestId: from.get('requestId'), clientAddress: from.get('clientAddress') });
  return req;
}

/**
 * What the user had typed into this page's form before their session ended, when this request
 * is the sign-in bringing them back to it; otherwise undefined.
 */
export function restoredDraft(c: Context<WebEnv>): FormBody | undefined {
  return restoredDrafts.get(c.req.raw)?.draft;
}

/** In a draft: where the form posted, when that is not the page that showed it (a decline button's own path). */
export const DRAFT_ACTION = '_action';

/**
 * The page that showed a posted form: the Referer when it is of this host (browsers send it on
 * same-origin posts: Referrer-Policy same-origin), else the path posted to. A form that posts to
 * an action of its own (/submissions/:id/decline) then comes back on its page after a sign-in,
 * not on a 404.
 */
function formPageOf(c: Context): string {
  const referer = c.req.header('referer');
  if (!referer) return c.req.path;
  try {
    const url = new URL(referer);
    if (url.host !== (c.req.header('host') ?? new URL(c.req.url).host) || url.pathname === '/login') return c.req.path;
    return url.pathname + url.search;
  } catch {
    return c.req.path;
  }
}

/** A POST whose Origin names this host: a form of this site, not one another site made up. */
function sameOriginPost(c: Context): boolean {
  const origin = c.req.header('origin');
  return !!origin && origin !== 'null' && !crossOrigin(c);
}

/**
 * On every web path: security headers, the signed-in user (if any) from the session cookie, and
 * for every POST the form body and its CSRF check — the session's token, or the sign-in form's
 * double-submit token. A POST that fails the check changes nothing.
 */
export function webSession(deps: AppDeps, refuse: Refuse, signInAgain?: SignInAgain): MiddlewareHandler<WebEnv> {
  return async (c, next) => {
    if (!isWebPath(c.req.path)) return next();
    const restored = restoredDrafts.get(c.req.raw);
    if (restored) {
      // The page a sign-in renders in-process: the sign-in request's id and address (journals, access log).
      c.set('requestId', restored.requestId);
      c.set('clientAddress', restored.clientAddress);
    }
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
      let form: FormBody;
      try {
        form = await readForm(c, formLimitOf(c.req.path));
      } catch (err) {
        if (!(err instanceof FormTooLarge)) throw err;
        c.header('Connection', 'close');
        // In characters people count, with a way back to the form: the browser's Back keeps what was typed.
        return refuse(c, 413, 'too_large', UI.errors.formTooLarge(formTextChars(formLimitOf(c.req.path))), { back: formPageOf(c) });
      }
      c.set('form', form);
      const expected = c.req.path === '/login' ? getCookie(c, SIGNIN_COOKIE) : session?.csrfToken;
      if (crossOrigin(c) || !sameToken(one(form, '_csrf'), expected)) {
        if (!session && c.req.path !== '/login') {
          // The session ended while the form was open: sign in again, and keep what was typed.
          if (signInAgain && sameOriginPost(c)) {
            const draft = draftOf(form, c.get('files'));
            const back = formPageOf(c);
            if (back !== c.req.path) draft[DRAFT_ACTION] = c.req.path;
            return signInAgain(c, back, draft);
          }
          return c.redirect('/login', 303);
        }
        return refuse(c, 403, 'csrf', UI.errors.csrf);
      }
    }
    await next();
  };
}

/**
 * Only a path on this site is followed after sign-in (no open redirect). Browsers drop tabs and
 * newlines from URLs and read `\` as `/`, so `/\tevil`, `/\\evil`, `/%09/evil.example/` (once
 * decoded) would all leave the site: any of those characters, in the text or in its decoded
 * form, and anything that does not resolve on this origin, gives `/`.
 */
export function safeNext(next: string | undefined): string {
  if (!next || next.length > 2000) return '/';
  let decoded = next;
  for (let i = 0; i < 3; i++) {
    if (!decoded.startsWith('/') || decoded.startsWith('//') || /[\\\u0000-\u001f\u007f]/.test(decoded)) return '/';
    try {
      const again = decodeURIComponent(decoded);
      if (again === decoded) break;
      decoded = again;
    } catch {
      return '/';
    }
  }
  if (!decoded.startsWith('/') || decoded.startsWith('//') || /[\\\u0000-\u001f\u007f]/.test(decoded)) return '/';
  const base = 'http://jiefen.invalid';
  let url: URL;
  try {
    url = new URL(next, base);
  } catch {
    return '/';
  }
  if (url.origin !== base) return '/';
  return `${url.pathname}${url.search}${url.hash}`;
}
