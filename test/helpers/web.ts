/**
 * A browser without a browser, for the web interface's non-browser tests: `app.request()` with a
 * cookie jar, form posts, and the CSRF token read from the page like a browser would send it.
 */
import { expect } from 'vitest';
import type { App } from '../../src/app.js';
import type { World } from './world.js';

export interface Page {
  status: number;
  headers: Headers;
  text: string;
  location: string | null;
  setCookies: string[];
}

export class WebClient {
  readonly jar = new Map<string, string>();
  constructor(readonly app: App, readonly origin = 'http://localhost') {}

  private cookieHeader(): string {
    return [...this.jar].map(([k, v]) => `${k}=${v}`).join('; ');
  }

  private remember(res: Response): string[] {
    const set = res.headers.getSetCookie();
    for (const line of set) {
      const [pair, ...attrs] = line.split(';');
      const i = pair.indexOf('=');
      const name = pair.slice(0, i).trim();
      const value = pair.slice(i + 1).trim();
      const expired = attrs.some((a) => /^\s*max-age=0\s*$/i.test(a)) || value === '';
      if (expired) this.jar.delete(name);
      else this.jar.set(name, value);
    }
    return set;
  }

  async request(method: string, path: string, body?: URLSearchParams, headers: Record<string, string> = {}): Promise<Page> {
    const res = await this.app.request(`${this.origin}${path}`, {
      method,
      headers: {
        ...(this.jar.size ? { cookie: this.cookieHeader() } : {}),
        ...(body ? { 'content-type': 'application/x-www-form-urlencoded' } : {}),
        ...headers,
      },
      body: body?.toString(),
    });
    const setCookies = this.remember(res);
    return { status: res.status, headers: res.headers, text: await res.text(), location: res.headers.get('location'), setCookies };
  }

  get(path: string) {
    return this.request('GET', path);
  }

  /** POST a form as a browser would: with the page's CSRF token unless `csrf` says otherwise. */
  async post(path: string, fields: Record<string, string | string[]>, opts: { csrf?: string | null; from?: string; headers?: Record<string, string> } = {}) {
    const body = new URLSearchParams();
    for (const [k, v] of Object.entries(fields)) for (const x of Array.isArray(v) ? v : [v]) body.append(k, x);
    let token = opts.csrf;
    if (token === undefined) token = csrfOf((await this.get(opts.from ?? '/password')).text);
    if (token !== null) body.set('_csrf', token);
    return this.request('POST', path, body, opts.headers);
  }

  /** Sign in through the form; returns the answer to the POST. */
  async signIn(login: string, password: string) {
    const page = await this.get('/login');
    return this.post('/login', { login, password, next: '/' }, { csrf: csrfOf(page.text) });
  }
}

/**
 * One signed-in client per key of `users` (bodies of POST /api/users): each is created by the
 * admin with the login `${prefix}-${key}` and an initial password, signs in through the form and
 * replaces that password, as a person does on first sign-in (their own: `own-password-1`).
 *
 * @example
 * const { people, logins } = await signedInPeople(w, 'p', { court: { name: '李书记员', role: 'court' } });
 */
export async function signedInPeople(w: World, prefix: string, users: Record<string, Record<string, unknown>>, app: App = w.app) {
  const people: Record<string, WebClient> = {};
  const logins: Record<string, string> = {};
  for (const [key, body] of Object.entries(users)) {
    const login = `${prefix}-${key}`;
    const r = await w.call(w.tokens.admin, 'POST', '/api/users', { ...body, login, password: 'initial-password' });
    expect(r.status).toBe(201);
    const client = new WebClient(app);
    await client.signIn(login, 'initial-password');
    await client.post('/password', { currentPassword: 'initial-password', newPassword: 'own-password-1', confirmPassword: 'own-password-1' });
    people[key] = client;
    logins[key] = login;
  }
  return { people, logins };
}

export function csrfOf(html: string): string {
  const m = /name="_csrf" value="([^"]*)"/.exec(html);
  if (!m) throw new Error(`no CSRF field in page:\n${html.slice(0, 500)}`);
  return m[1];
}

/** Text content of a page, roughly: tags out, entities of the common kind decoded. */
export function textOf(html: string): string {
  return html
    .replace(/<script[\s\S]*?<\/script>/g, '')
    .replace(/<[^>]+>/g, ' ')
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&')
    .replace(/\s+/g, ' ');
}
