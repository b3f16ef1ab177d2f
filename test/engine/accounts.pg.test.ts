/**
 * What only real processes on one PostgreSQL can prove (DESIGN.md §10): a user switched off or
 * given a new token in one API process is refused by another within 5 s; a burst of wrong
 * passwords gets at most 5 password checks; a lock holds across a restart; a short ADMIN_TOKEN
 * stops the start.
 */
import { spawn } from 'node:child_process';
import { sql } from 'drizzle-orm';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rowsOf } from '../../src/db/client.js';
import { createUser, ensureAdmin } from '../../src/engine/directory.js';
import { signIn, SIGN_IN_LIMITS } from '../../src/engine/signin.js';
import { TooManyAttempts, Unauthenticated } from '../../src/engine/errors.js';
import type { Actor } from '../../src/machines/roles.js';
import { freshDatabase, type TestDatabase } from '../helpers/db.js';
import { SERVER_ARGS, startServer, type RunningServer } from '../helpers/server.js';

const ADMIN = 'accounts-pg-admin-token-0123456789';
let database: TestDatabase;
let servers: RunningServer[] = [];
let admin: Actor;

beforeAll(async () => {
  database = await freshDatabase({ max: 20 });
  await ensureAdmin(database.db, ADMIN);
  const [row] = rowsOf<{ id: string }>(await database.db.execute(sql`select id from users where bootstrap`));
  admin = { id: row.id, role: 'admin', name: '系统管理员' };
}, 120_000);
afterAll(async () => {
  for (const s of servers) await s.stop();
  await database?.destroy();
});

async function api(base: string, token: string, method: string, path: string, body?: unknown) {
  const res = await fetch(`${base}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  return { status: res.status, body: (await res.json().catch(() => null)) as any };
}

/** Polls until `check` holds, at most `ms`; returns how long it took. */
async function within(ms: number, check: () => Promise<boolean>): Promise<number> {
  const start = Date.now();
  for (;;) {
    if (await check()) return Date.now() - start;
    if (Date.now() - start > ms) throw new Error(`not within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** A browser's sign-in: the form's CSRF cookie and field, then the POST. */
async function webSignIn(base: string, login: string, password: string) {
  const page = await fetch(`${base}/login`);
  const cookie = (page.headers.getSetCookie().find((c) => c.startsWith('jf_signin=')) ?? '').split(';')[0];
  const csrf = /name="_csrf" value="([^"]*)"/.exec(await page.text())![1];
  const res = await fetch(`${base}/login`, {
    method: 'POST',
    redirect: 'manual',
    headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ _csrf: csrf, login, password, next: '/' }).toString(),
  });
  return { status: res.status, text: await res.text(), retryAfter: res.headers.get('retry-after') };
}

describe('two API processes on one database', () => {
  it('a user switched off, or given a new token, in one is refused by the other within 5 s', async () => {
    servers = await Promise.all([0, 1].map(() => startServer({ DATABASE_URL: database.url!, ADMIN_TOKEN: ADMIN }, 120_000)));
    const [a, b] = servers.map((s) => s.url);
    const u = await api(a, ADMIN, 'POST', '/api/users', { name: '两进程', role: 'court' });
    expect(u.status).toBe(201);
    // B has seen (and cached) the token before the change.
    expect((await api(b, u.body.token, 'GET', '/api/me')).status).toBe(200);
    expect((await api(a, ADMIN, 'PATCH', `/api/users/${u.body.id}`, { active: false })).status).toBe(200);
    expect((await api(a, u.body.token, 'GET', '/api/me')).status).toBe(401); // at once where it was done
    const tookOff = await within(5_000, async () => (await api(b, u.body.token, 'GET', '/api/me')).status === 401);
    expect(tookOff).toBeLessThanOrEqual(5_000);

    expect((await api(a, ADMIN, 'PATCH', `/api/users/${u.body.id}`, { active: true })).status).toBe(200);
    await within(5_000, async () => (await api(b, u.body.token, 'GET', '/api/me')).status === 200);
    const rotated = await api(a, ADMIN, 'POST', `/api/users/${u.body.id}/token`);
    expect(rotated.status).toBe(201);
    expect((await api(a, u.body.token, 'GET', '/api/me')).status).toBe(401);
    const tookRotate = await within(5_000, async () => (await api(b, u.body.token, 'GET', '/api/me')).status === 401);
    expect(tookRotate).toBeLessThanOrEqual(5_000);
    expect((await api(b, rotated.body.token, 'GET', '/api/me')).status).toBe(200);
  }, 180_000);

  it('a deactivated user’s web session ends in the other process too', async () => {
    const [a, b] = servers.map((s) => s.url);
    const u = await api(a, ADMIN, 'POST', '/api/users', { name: '网页用户', role: 'court', login: 'websession', password: 'first-Password-1' });
    expect(u.status).toBe(201);
    // The admin-set password must be changed at first sign-in; the session opens all the same.
    const page = await fetch(`${b}/login`);
    const signinCookie = (page.headers.getSetCookie().find((c) => c.startsWith('jf_signin=')) ?? '').split(';')[0];
    const csrf = /name="_csrf" value="([^"]*)"/.exec(await page.text())![1];
    const res = await fetch(`${b}/login`, {
      method: 'POST',
      redirect: 'manual',
      headers: { cookie: signinCookie, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ _csrf: csrf, login: 'websession', password: 'first-Password-1', next: '/' }).toString(),
    });
    expect(res.status).toBe(303);
    const session = (res.headers.getSetCookie().find((c) => c.startsWith('jf_session=')) ?? '').split(';')[0];
    expect((await fetch(`${b}/password`, { headers: { cookie: session }, redirect: 'manual' })).status).toBe(200);
    expect((await api(a, ADMIN, 'PATCH', `/api/users/${u.body.id}`, { active: false })).status).toBe(200);
    const after = await fetch(`${b}/password`, { headers: { cookie: session }, redirect: 'manual' });
    expect(after.status).toBe(303);
    expect(after.headers.get('location')).toMatch(/^\/login/);
  }, 60_000);

  it('a lock holds across a restart', async () => {
    const [a] = servers.map((s) => s.url);
    const u = await api(a, ADMIN, 'POST', '/api/users', { name: '重启', role: 'court', login: 'restart-lock', password: 'right-Password-9' });
    expect(u.status).toBe(201);
    for (let i = 0; i < SIGN_IN_LIMITS.perLogin; i++) expect((await webSignIn(a, 'restart-lock', `wrong-${i}`)).status).toBe(401);
    for (const s of servers) await s.stop();
    servers = [await startServer({ DATABASE_URL: database.url!, ADMIN_TOKEN: ADMIN }, 120_000)];
    const r = await webSignIn(servers[0].url, 'restart-lock', 'right-Password-9');
    expect(r.status).toBe(429);
    expect(r.text).toMatch(/请 1[45] 分钟后再试/);
    expect(Number(r.retryAfter)).toBeGreaterThan(800);
  }, 240_000);
});

describe('a burst of wrong passwords', () => {
  it('50 at once for one login get at most 5 password checks; the rest are 429 before any check', async () => {
    await createUser(database.db, admin, { name: '爆破目标', role: 'court', login: 'burst-target', password: 'correct-Horse-77' });
    const results = await Promise.allSettled(
      Array.from({ length: 50 }, (_, i) => signIn(database.db, { login: 'burst-target', password: `guess-${i}` }, { clientAddress: `10.1.${i}.1` })),
    );
    const reasons = results.map((r) => (r.status === 'rejected' ? r.reason : null));
    const checked = reasons.filter((e) => e instanceof Unauthenticated).length;
    const limited = reasons.filter((e) => e instanceof TooManyAttempts).length;
    expect(checked + limited).toBe(50);
    expect(checked).toBeLessThanOrEqual(SIGN_IN_LIMITS.perLogin);
    expect(checked).toBeGreaterThan(0);
    // Each password check left exactly one failure row; no more were counted.
    const rows = rowsOf<{ failed: number; counted: number; locked: number }>(
      await database.db.execute(sql`select
        (select count(*)::int from audit_log where action = 'auth.sign_in_failed' and detail->>'login' = 'burst-target') as failed,
        (select count(*)::int from sign_in_attempts where login = 'burst-target') as counted,
        (select count(*)::int from sign_in_locks where key = 'login:burst-target') as locked`),
    );
    expect(rows[0]).toEqual({ failed: checked, counted: checked, locked: 1 });
    expect(checked).toBe(5);
    // Even the right password now waits.
    await expect(signIn(database.db, { login: 'burst-target', password: 'correct-Horse-77' }, { clientAddress: '10.9.9.9' })).rejects.toBeInstanceOf(TooManyAttempts);
  }, 120_000);

  it('20 failures from one address lock that address for every login', async () => {
    const results = await Promise.allSettled(
      Array.from({ length: 40 }, (_, i) => signIn(database.db, { login: `nobody-${i}`, password: 'whatever-it-is' }, { clientAddress: '192.0.2.7' })),
    );
    const reasons = results.map((r) => (r.status === 'rejected' ? r.reason : null));
    expect(reasons.filter((e) => e instanceof Unauthenticated).length).toBeLessThanOrEqual(SIGN_IN_LIMITS.perAddress);
    expect(reasons.filter((e) => e instanceof TooManyAttempts).length).toBeGreaterThanOrEqual(20);
    const err = await signIn(database.db, { login: 'someone-else', password: 'x' }, { clientAddress: '192.0.2.7' }).catch((e) => e);
    expect(err).toBeInstanceOf(TooManyAttempts);
    expect(err.message).toMatch(/尝试次数过多，请 \d+ 分钟后再试/);
  }, 120_000);
});

describe('ADMIN_TOKEN shorter than 16 characters', () => {
  it('stops the server before it starts, saying why', async () => {
    const root = fileURLToPath(new URL('../..', import.meta.url));
    const child = spawn(process.execPath, SERVER_ARGS, {
      cwd: root,
      env: { ...process.env, PORT: '0', DATABASE_URL: database.url!, ADMIN_TOKEN: 'too-short' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout!.on('data', (d) => (out += d));
    child.stderr!.on('data', (d) => (out += d));
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    expect(code).toBe(1);
    expect(out).toMatch(/ADMIN_TOKEN must be at least 16 characters/);
    // Said in Chinese first, as every other reason the server does not start.
    expect(out).toContain('jiefen 未能启动');
    expect(out).toContain('ADMIN_TOKEN 至少须 16 个字符');
    expect(out).not.toMatch(/listening/);
  }, 60_000);
});
