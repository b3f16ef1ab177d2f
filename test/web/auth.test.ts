/**
 * The web sign-in without a browser (`app.request()`), on both databases: passwords hashed with
 * scrypt, the session cookie's flags, only a hash of the session id stored, CSRF on every POST,
 * sign-out, first-admin password, admin-set passwords and the forced change, bearer tokens beside.
 */
import { createHash } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rowsOf } from '../../src/db/client.js';
import { ensureAdmin, hashPassword, verifyPassword } from '../../src/engine/directory.js';
import { fingerprint } from '../helpers/api.js';
import { freshDatabase } from '../helpers/db.js';
import { createWorld, type World } from '../helpers/world.js';
import { csrfOf, textOf, WebClient } from '../helpers/web.js';

let w: World;
beforeAll(async () => {
  w = await createWorld();
});
afterAll(async () => w?.close());

let seq = 0;
/** A user made through the JSON API with a sign-in name and an admin-set password. */
async function webUser(role: string, extra: Record<string, unknown> = {}) {
  const login = `u${++seq}-${role}`;
  const password = `initial-pass-${seq}`;
  const r = await w.call(w.tokens.admin, 'POST', '/api/users', { name: `测试${role}${seq}`, role, login, password, ...extra });
  expect(r.status).toBe(201);
  return { login, password, id: r.body.id as string, token: r.body.token as string, body: r.body };
}

/** Signed in, with the admin-set password already replaced. */
async function signedIn(role = 'court', extra: Record<string, unknown> = {}) {
  const u = await webUser(role, extra);
  const client = new WebClient(w.app);
  const r = await client.signIn(u.login, u.password);
  expect(r.location).toBe('/password');
  const newPassword = `${u.password}-mine`;
  const changed = await client.post('/password', { currentPassword: u.password, newPassword, confirmPassword: newPassword });
  expect(changed.status).toBe(303);
  return { ...u, password: newPassword, client };
}

async function rows<T>(query: ReturnType<typeof sql>): Promise<T[]> {
  return rowsOf<T>(await w.database.db.execute(query));
}

describe('passwords', () => {
  it('are stored as scrypt hashes, never as text, and verify', async () => {
    const u = await webUser('court');
    expect(u.body).toMatchObject({ login: u.login, hasPassword: true, mustChangePassword: true });
    expect(JSON.stringify(u.body)).not.toContain(u.password);
    const [row] = await rows<{ password_hash: string }>(sql`select password_hash from users where id = ${u.id}`);
    expect(row.password_hash).toMatch(/^scrypt\$32768\$8\$1\$[\w-]{22}\$[\w-]{43}$/);
    expect(row.password_hash).not.toContain(u.password);
    expect(await verifyPassword(u.password, row.password_hash)).toBe(true);
    expect(await verifyPassword(`${u.password}x`, row.password_hash)).toBe(false);
    // Same password, new salt: two hashes differ.
    expect(await hashPassword('same-password')).not.toBe(await hashPassword('same-password'));
  });

  it('POST /api/users keeps its contract without login and refuses a taken login or a short password', async () => {
    const plain = await w.call(w.tokens.admin, 'POST', '/api/users', { name: '无登录名', role: 'committee' });
    expect(plain.status).toBe(201);
    expect(plain.body).toMatchObject({ name: '无登录名', role: 'committee', login: null, hasPassword: false });
    expect(plain.body.token).toMatch(/^jf_/);
    const u = await webUser('court');
    const taken = await w.call(w.tokens.admin, 'POST', '/api/users', { name: '重名', role: 'court', login: u.login.toUpperCase(), password: 'another-pass' });
    expect(taken.status).toBe(409);
    const short = await w.call(w.tokens.admin, 'POST', '/api/users', { name: '短密码', role: 'court', login: `short${seq}`, password: '123' });
    expect(short.status).toBe(400);
    expect(short.body.errors).toEqual([{ field: 'password', message: '密码至少 12 个字符' }]);
    const noLogin = await w.call(w.tokens.admin, 'POST', '/api/users', { name: '无名', role: 'court', password: 'long-enough' });
    expect(noLogin.status).toBe(400);
  });
});

describe('sign-in', () => {
  it('sets an HttpOnly, SameSite=Strict session cookie with an expiry, and stores only its hash', async () => {
    const u = await webUser('court');
    const client = new WebClient(w.app);
    const r = await client.signIn(u.login, u.password);
    expect(r.status).toBe(303);
    const cookie = r.setCookies.find((s) => s.startsWith('jf_session='))!;
    expect(cookie).toBeDefined();
    expect(cookie).toMatch(/; HttpOnly/);
    expect(cookie).toMatch(/; SameSite=Strict/);
    expect(cookie).toMatch(/; Path=\//);
    expect(cookie).toMatch(/; Max-Age=\d+/);
    expect(cookie).toMatch(/; Expires=/);
    const maxAge = Number(/Max-Age=(\d+)/.exec(cookie)![1]);
    expect(maxAge).toBeGreaterThan(11 * 3600);
    expect(maxAge).toBeLessThanOrEqual(12 * 3600);
    const id = client.jar.get('jf_session')!;
    const stored = await rows<{ id_hash: string; csrf_token: string }>(sql`select id_hash, csrf_token from web_sessions where user_id = ${u.id}`);
    expect(stored).toHaveLength(1);
    expect(stored[0].id_hash).toBe(createHash('sha256').update(id).digest('hex'));
    expect(stored[0].id_hash).not.toContain(id);
  });

  it('sends https sessions with Secure', async () => {
    const u = await webUser('court');
    const client = new WebClient(w.app, 'https://jiefen.example');
    const r = await client.signIn(u.login, u.password);
    expect(r.setCookies.find((s) => s.startsWith('jf_session='))).toMatch(/; Secure/);
  });

  it('refuses a wrong password or an unknown name with the same Chinese message and no session', async () => {
    const u = await webUser('court');
    for (const [login, password] of [
      [u.login, 'wrong-password'],
      ['nobody-here', 'whatever-pass'],
    ]) {
      const client = new WebClient(w.app);
      const r = await client.signIn(login, password);
      expect(r.status).toBe(401);
      expect(textOf(r.text)).toContain('登录名或密码错误');
      expect(client.jar.has('jf_session')).toBe(false);
    }
    const [{ n }] = await rows<{ n: string }>(sql`select count(*)::text as n from web_sessions where user_id = ${u.id}`);
    expect(n).toBe('0');
  });

  it('refuses a sign-in form without its token (login CSRF)', async () => {
    const u = await webUser('court');
    const client = new WebClient(w.app);
    await client.get('/login');
    const r = await client.post('/login', { login: u.login, password: u.password }, { csrf: 'forged-token-forged-token' });
    expect(r.status).toBe(403);
    expect(textOf(r.text)).toContain('表单已过期');
    expect(client.jar.has('jf_session')).toBe(false);
  });

  it('sends an admin-set password to the change-password page first, and every page there until changed', async () => {
    const u = await webUser('court');
    const client = new WebClient(w.app);
    expect((await client.signIn(u.login, u.password)).location).toBe('/password');
    const cases = await client.get('/cases');
    expect(cases.status).toBe(303);
    expect(cases.location).toBe('/password');
    const mismatch = await client.post('/password', { currentPassword: u.password, newPassword: 'my-own-password', confirmPassword: 'other-password' });
    expect(mismatch.status).toBe(400);
    expect(textOf(mismatch.text)).toContain('两次输入的新密码不一致');
    const wrong = await client.post('/password', { currentPassword: 'not-it-at-all', newPassword: 'my-own-password', confirmPassword: 'my-own-password' });
    expect(wrong.status).toBe(400);
    expect(textOf(wrong.text)).toContain('当前密码不正确');
    const before = client.jar.get('jf_session');
    const ok = await client.post('/password', { currentPassword: u.password, newPassword: 'my-own-password', confirmPassword: 'my-own-password' });
    expect(ok.status).toBe(303);
    // A new session for this browser; the one before is gone.
    expect(client.jar.get('jf_session')).not.toBe(before);
    expect((await client.get('/cases')).status).toBe(200);
    const old = new WebClient(w.app);
    old.jar.set('jf_session', before!);
    expect((await old.get('/cases')).location).toMatch(/^\/login/);
    const again = new WebClient(w.app);
    expect((await again.signIn(u.login, 'my-own-password')).location).toBe('/cases');
  });
});

describe('CSRF and sessions', () => {
  it('refuses a POST without the session token or from another origin, and writes nothing', async () => {
    const { client } = await signedIn('court');
    const form = { source: 'court_referral', stationCode: 'HL01', track: 'pre_filing', disputeType: '民间借贷', summary: 'CSRF 测试', 'parties.0.role': 'applicant', 'parties.0.name': '张三' };
    const before = await fingerprint(w);
    const missing = await client.post('/cases/new', form, { csrf: null });
    expect(missing.status).toBe(403);
    expect(textOf(missing.text)).toContain('未作任何更改');
    const wrong = await client.post('/cases/new', form, { csrf: 'x'.repeat(43) });
    expect(wrong.status).toBe(403);
    const cross = await client.post('/cases/new', form, { from: '/cases/new', headers: { origin: 'https://evil.example' } });
    expect(cross.status).toBe(403);
    expect(await fingerprint(w)).toEqual(before);
    const ok = await client.post('/cases/new', form, { from: '/cases/new' });
    expect(ok.status).toBe(303);
    expect(ok.location).toMatch(/^\/cases\/[0-9a-f-]{36}\?ok=created$/);
  });

  it('each session has its own token: another session’s token is refused', async () => {
    const a = await signedIn('court');
    const b = await signedIn('court');
    const tokenA = csrfOf((await a.client.get('/cases/new')).text);
    const r = await b.client.post('/logout', {}, { csrf: tokenA });
    expect(r.status).toBe(403);
    expect((await b.client.get('/cases')).status).toBe(200);
  });

  it('signs out: the session row is deleted and the old cookie no longer works', async () => {
    const u = await signedIn('committee');
    const id = u.client.jar.get('jf_session')!;
    const r = await u.client.post('/logout', {}, { from: '/cases' });
    expect(r.status).toBe(303);
    expect(r.location).toBe('/login?ok=signed-out');
    expect(r.setCookies.find((s) => s.startsWith('jf_session='))).toMatch(/Max-Age=0/);
    const hash = createHash('sha256').update(id).digest('hex');
    expect(await rows(sql`select 1 from web_sessions where id_hash = ${hash}`)).toHaveLength(0);
    const replay = new WebClient(w.app);
    replay.jar.set('jf_session', id);
    expect((await replay.get('/dashboard')).location).toBe('/login?next=%2Fdashboard');
  });

  it('a session cookie does not open the JSON API, and bearer tokens keep working there', async () => {
    const u = await signedIn('court');
    const res = await w.app.request('/api/cases', { headers: { cookie: `jf_session=${u.client.jar.get('jf_session')}` } });
    expect(res.status).toBe(401);
    expect(res.headers.get('content-type')).toMatch(/problem\+json/);
    const bearer = await w.call(u.token, 'GET', '/api/cases');
    expect(bearer.status).toBe(200);
  });

  it('keeps /api and /healthz answers as they were (no web page in the way)', async () => {
    expect((await w.app.request('/api/no-such-thing', { headers: { authorization: `Bearer ${w.tokens.court}` } })).status).toBe(404);
    const health = await w.app.request('/healthz');
    expect(health.status).toBe(200);
    expect(await health.json()).toMatchObject({ status: 'ok' });
    const page = await w.app.request('/no-such-page');
    expect(page.status).toBe(404);
    expect(page.headers.get('content-type')).toMatch(/text\/html/);
  });

  it('pages carry no-store, a strict CSP and no framing', async () => {
    const r = await new WebClient(w.app).get('/login');
    expect(r.headers.get('cache-control')).toBe('no-store');
    expect(r.headers.get('content-security-policy')).toMatch(/script-src 'self';/);
    expect(r.headers.get('content-security-policy')).toMatch(/frame-ancestors 'none'/);
    expect(r.headers.get('x-frame-options')).toBe('DENY');
    expect(r.setCookies.find((s) => s.startsWith('jf_signin='))).toMatch(/HttpOnly; SameSite=Strict/);
  });

  it('only follows a local `next` after sign-in', async () => {
    const u = await webUser('court');
    const client = new WebClient(w.app);
    await client.post('/password', {}, { csrf: null }); // no session: sent to the sign-in page
    const page = await client.get('/login?next=//evil.example/x');
    const r = await client.post('/login', { login: u.login, password: u.password, next: '//evil.example/x' }, { csrf: csrfOf(page.text) });
    expect(r.location).toBe('/password');
  });
});

describe('admin-set passwords', () => {
  it('the admin sets a password from the users page: the user must change it, and their sessions end', async () => {
    const { client: admin } = await signedIn('admin');
    const user = await signedIn('station', { stationCode: 'HL01' });
    const r = await admin.post(`/admin/users/${user.id}/password`, { password: 'reset-by-admin' }, { from: '/admin/users' });
    expect(r.status).toBe(303);
    expect(r.location).toBe('/admin/users?ok=password');
    expect((await user.client.get('/cases')).location).toMatch(/^\/login/);
    const again = new WebClient(w.app);
    expect((await again.signIn(user.login, 'reset-by-admin')).location).toBe('/password');
    // Others may not.
    const court = await signedIn('court');
    const refused = await court.client.post(`/admin/users/${user.id}/password`, { password: 'hijack-attempt' }, { from: '/cases' });
    expect(refused.status).toBe(403);
    expect((await new WebClient(w.app).signIn(user.login, 'hijack-attempt')).status).toBe(401);
  });
});

describe('the first admin', () => {
  it('a fresh database gets a token and a sign-in name and password, printed once', async () => {
    const db = await freshDatabase();
    try {
      const first = await ensureAdmin(db.db, undefined);
      expect(first?.token).toMatch(/^jf_/);
      expect(first?.signIn).toMatchObject({ login: 'admin' });
      expect(first!.signIn!.password).toMatch(/^[A-Za-z2-9]{4}-[A-Za-z2-9]{4}-[A-Za-z2-9]{4}$/);
      expect(await ensureAdmin(db.db, undefined)).toBeNull();
      const [row] = rowsOf<{ must_change_password: boolean; password_hash: string }>(
        await db.db.execute(sql`select must_change_password, password_hash from users where login = 'admin'`),
      );
      expect(row.must_change_password).toBe(true);
      expect(await verifyPassword(first!.signIn!.password, row.password_hash)).toBe(true);
    } finally {
      await db.destroy();
    }
  });

  it('with ADMIN_TOKEN, a fresh database still gets the sign-in, once, and no generated token', async () => {
    const db = await freshDatabase();
    try {
      const first = await ensureAdmin(db.db, 'a-demo-admin-token');
      expect(first?.token).toBeUndefined();
      expect(first?.signIn?.login).toBe('admin');
      expect(await ensureAdmin(db.db, 'a-demo-admin-token')).toBeNull();
    } finally {
      await db.destroy();
    }
  });
});
