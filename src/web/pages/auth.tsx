/** Sign-in, sign-out and changing one's own password. */
import type { Hono } from 'hono';
import { getCookie } from 'hono/cookie';
import { requestMeta, type AppDeps } from '../../edge/context.js';
import type { Actor } from '../../machines/roles.js';
import { changeOwnPassword } from '../../engine/directory.js';
import { isConnectionError, TooManyAttempts, ValidationError, Unauthenticated } from '../../engine/errors.js';
import { firstSignInPending, signIn } from '../../engine/signin.js';
import { closeSession, openSession } from '../../engine/sessions.js';
import { fieldLabel } from '../../labels.js';
import { UI } from '../../words.js';
import { sayField } from '../wording.js';
import { Csrf, ErrorBox, Input, Row, type FieldErrorMap } from '../components.js';
import {
  clearSessionCookie,
  DRAFT_PREFIX,
  draftOf,
  lostFiles,
  one,
  safeNext,
  SESSION_COOKIE,
  setSessionCookie,
  signInToken,
  withRestoredDraft,
  type FormBody,
  type SignInAgain,
  type WebEnv,
} from '../http.js';
import { homeOf, Layout } from '../layout.js';
import { describeError, html, page, type WebContext } from '../page.js';

function SignInPage(p: { token: string; next: string; login?: string; error?: string; flash?: string | null; draft?: FormBody; expired?: boolean; firstRun?: boolean }) {
  const carried = Object.entries(p.draft ?? {}).flatMap(([k, v]) => (Array.isArray(v) ? v : [v]).map((x) => [k, x] as const));
  return (
    <Layout title={UI.signIn.title} flash={p.flash}>
      <section class="card narrow signin">
        <h1>{UI.signIn.title}</h1>
        {p.expired ? (
          <p class="notice" role="alert" data-testid="expired">
            <strong>{UI.signIn.expired}</strong>
            {carried.length ? ` ${UI.signIn.draftKept}` : ''}
            {lostFiles(p.draft) ? ` ${UI.restored.fileNotKept(lostFiles(p.draft))}` : ''}
          </p>
        ) : null}
        {p.error ? <ErrorBox title={p.error} /> : null}
        <form method="post" action="/login" class="form">
          <Csrf token={p.token} />
          <input type="hidden" name="next" value={p.next} />
          {carried.map(([k, v]) => (
            <input type="hidden" name={`${DRAFT_PREFIX}${k}`} value={v} />
          ))}
          <Row label={UI.signIn.login} name="login" required>
            <Input name="login" value={p.login} required autocomplete="username" />
          </Row>
          <Row label={UI.signIn.password} name="password" required>
            <Input name="password" type="password" required autocomplete="current-password" />
          </Row>
          <div class="actions">
            <button type="submit" class="primary">
              {UI.signIn.submit}
            </button>
          </div>
        </form>
        {p.firstRun ? <p class="hint">{UI.signIn.hint}</p> : null}
      </section>
    </Layout>
  );
}

/**
 * After signing in again: the form's page, rendered in-process for the new session with what the
 * user had typed (the page reads it with restoredDraft), so nothing typed is lost. The address
 * bar is set to the form's own address by app.js (the answer is to the sign-in POST).
 */
async function backToForm(c: WebContext, app: Hono<WebEnv>, path: string, sessionId: string, draft: FormBody): Promise<Response> {
  const headers = new Headers({ cookie: `${SESSION_COOKIE}=${sessionId}` });
  for (const h of ['host', 'x-forwarded-proto', 'user-agent', 'accept-language']) {
    const v = c.req.header(h);
    if (v) headers.set(h, v);
  }
  const res = await app.fetch(withRestoredDraft(new Request(new URL(path, c.req.url), { method: 'GET', headers }), draft, c), c.env);
  if (!(res.headers.get('content-type') ?? '').startsWith('text/html')) return c.redirect(path, 303);
  const page = (await res.text()).replace('<body>', `<body data-url="${path.replace(/[&"<>]/g, (ch) => `&#${ch.charCodeAt(0)};`)}">`);
  return c.html(page, res.status as 200);
}

/**
 * A form posted after its session ended (src/web/http.ts): nothing was done; the sign-in page
 * says so and carries what was typed, to hand it back to the form once signed in.
 */
export const signInAgain: SignInAgain = (c, path, draft) => html(c, <SignInPage token={signInToken(c)} next={safeNext(path)} draft={draft} expired />, 401);

export function authPages(app: Hono<WebEnv>, deps: AppDeps) {
  app.get('/', (c) => {
    const session = c.get('session');
    return c.redirect(session ? homeOf(session.actor) : '/login', 303);
  });

  const firstRun = async () => {
    try {
      return await firstSignInPending(deps.db);
    } catch (err) {
      if (isConnectionError(err)) return false;
      throw err;
    }
  };

  app.get('/login', async (c) => {
    const session = c.get('session');
    if (session) return c.redirect(safeNext(c.req.query('next')) === '/' ? homeOf(session.actor) : safeNext(c.req.query('next')), 303);
    const flash = c.req.query('ok') === 'signed-out' ? UI.signIn.signedOut : null;
    return html(c, <SignInPage token={signInToken(c)} next={safeNext(c.req.query('next'))} flash={flash} firstRun={await firstRun()} />);
  });

  app.post('/login', async (c) => {
    const form = c.get('form');
    const name = one(form, 'login').trim().toLowerCase();
    const next = safeNext(one(form, 'next'));
    const now = deps.now?.() ?? new Date();
    const draft: FormBody = {};
    for (const [k, v] of Object.entries(form)) if (k.startsWith(DRAFT_PREFIX)) draft[k.slice(DRAFT_PREFIX.length)] = v;
    const carried = draftOf(draft);
    const hasDraft = Object.keys(carried).length > 0;
    const again = async (error: string, status: 400 | 401 | 429 | 503) =>
      html(c, <SignInPage token={signInToken(c)} next={next} login={name} error={error} draft={carried} expired={hasDraft} firstRun={!hasDraft && (await firstRun())} />, status);
    try {
      const { actor, mustChangePassword } = await signIn(deps.db, { login: name, password: one(form, 'password') }, requestMeta(c), now);
      // A fresh session id at every sign-in (no fixation); the old cookie, if any, is ended.
      await closeSession(deps.db, getCookie(c, SESSION_COOKIE));
      const opened = await openSession(deps.db, actor.id, now);
      setSessionCookie(c, opened, now);
      if (hasDraft && !mustChangePassword && next !== '/') return backToForm(c, app, next, opened.sessionId, carried);
      return c.redirect(mustChangePassword ? '/password' : next === '/' ? homeOf(actor) : next, 303);
    } catch (err) {
      if (err instanceof TooManyAttempts) {
        c.header('Retry-After', String(err.retryAfterSeconds));
        return again(err.message, 429);
      }
      if (err instanceof Unauthenticated || err instanceof ValidationError) {
        return again(err instanceof Unauthenticated ? err.message : UI.signIn.failed, err instanceof Unauthenticated ? 401 : 400);
      }
      const d = describeError(err);
      if (d) return again(d.detail, 503);
      throw err;
    }
  });

  app.post('/logout', async (c) => {
    const session = c.get('session');
    await closeSession(deps.db, getCookie(c, SESSION_COOKIE), session ? { actor: session.actor, meta: requestMeta(c) } : undefined);
    clearSessionCookie(c);
    return c.redirect('/login?ok=signed-out', 303);
  });

  /** The form's own words for its fields (never `confirmPassword`). */
  const PASSWORD_LABELS: Record<string, string> = { currentPassword: UI.password.current, newPassword: UI.password.next, confirmPassword: UI.password.confirm };

  const PasswordPage = (p: { csrf: string; actor: Actor; must: boolean; errors?: FieldErrorMap; flash?: string | null }) => (
    <Layout title={UI.password.title} actor={p.actor} csrf={p.csrf} flash={p.flash}>
      <section class="card narrow">
        <h1>{UI.password.title}</h1>
        {p.must ? <p class="notice">{UI.password.mustChange}</p> : null}
        {p.errors && Object.keys(p.errors).length ? (
          <ErrorBox
            title={UI.common.errorsAbove}
            fields={Object.entries(p.errors).map(([name, message]) => ({ name, message, label: PASSWORD_LABELS[name] ?? fieldLabel(name) }))}
          />
        ) : null}
        <form method="post" action="/password" class="form">
          <Csrf token={p.csrf} />
          <Row label={UI.password.current} name="currentPassword" required error={p.errors?.currentPassword}>
            <Input name="currentPassword" type="password" required autocomplete="current-password" error={p.errors?.currentPassword} />
          </Row>
          <Row label={UI.password.next} name="newPassword" required error={p.errors?.newPassword}>
            <Input name="newPassword" type="password" required autocomplete="new-password" error={p.errors?.newPassword} />
          </Row>
          <Row label={UI.password.confirm} name="confirmPassword" required error={p.errors?.confirmPassword}>
            <Input name="confirmPassword" type="password" required autocomplete="new-password" error={p.errors?.confirmPassword} />
          </Row>
          <div class="actions">
            <button type="submit" class="primary">
              {UI.password.submit}
            </button>
          </div>
        </form>
      </section>
    </Layout>
  );

  app.get(
    '/password',
    page(
      deps,
      (c, { actor, csrf }) =>
        html(c, <PasswordPage actor={actor} csrf={csrf} must={!!c.get('session')?.mustChangePassword} flash={c.req.query('ok') === 'changed' ? UI.password.changed : null} />),
      { allowPasswordChange: true },
    ),
  );

  app.post(
    '/password',
    page(
      deps,
      async (c, { actor, csrf, now }) => {
        const form = c.get('form');
        const must = !!c.get('session')?.mustChangePassword;
        if (one(form, 'newPassword') !== one(form, 'confirmPassword')) {
          return html(c, <PasswordPage actor={actor} csrf={csrf} must={must} errors={{ confirmPassword: UI.password.mismatch }} />, 400);
        }
        try {
          await changeOwnPassword(deps.db, actor, { currentPassword: one(form, 'currentPassword'), newPassword: one(form, 'newPassword') }, requestMeta(c));
        } catch (err) {
          if (!(err instanceof ValidationError)) throw err;
          const errors = Object.fromEntries(err.errors.map((e) => [e.field, sayField(e)]));
          return html(c, <PasswordPage actor={actor} csrf={csrf} must={must} errors={errors} />, 400);
        }
        // Every session of this user ended with the change: this browser gets a new one.
        setSessionCookie(c, await openSession(deps.db, actor.id, now), now);
        return c.redirect(must ? homeOf(actor) : '/password?ok=changed', 303);
      },
      { allowPasswordChange: true },
    ),
  );
}
