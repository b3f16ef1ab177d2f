/**
 * The small holes of DESIGN.md §10 on both databases: `next` only a path on this site, form
 * bodies over 64 KiB refused before they are read, the sign-in defence on the page (429 in
 * Chinese), the admin's user pages, every invalid date a 400, and no SQL parameter in a log line.
 */
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../src/app.js';
import { safeNext } from '../../src/web/http.js';
import { expectProblem } from '../helpers/api.js';
import { createWorld, type World } from '../helpers/world.js';
import { csrfOf, textOf, WebClient } from '../helpers/web.js';

let w: World;
beforeAll(async () => {
  w = await createWorld();
});
afterAll(async () => w?.close());

let seq = 0;
async function webUser(role = 'court', extra: Record<string, unknown> = {}) {
  const login = `h${++seq}-${role}`;
  const password = `initial-Pass-${seq}-xyz`;
  const r = await w.call(w.tokens.admin, 'POST', '/api/users', { name: `漏洞${seq}`, role, login, password, ...extra });
  expect(r.status).toBe(201);
  return { login, password, id: r.body.id as string };
}

describe('next after sign-in', () => {
  const OFF_SITE = [
    '//evil.example/x',
    '/\\evil.example/x',
    '/\\/evil.example/',
    '\\\\evil.example',
    '/\t/evil.example/',
    '/%09/evil.example/',
    '/\n/evil.example/',
    '/%0a/evil.example/',
    '/%0d/evil.example/',
    '/%2F/evil.example/',
    '/%2f%2fevil.example',
    '%2F%2Fevil.example',
    '/%5Cevil.example',
    '/%255C%255Cevil.example',
    'https://evil.example/',
    'javascript:alert(1)',
    ' /cases',
  ];

  it.each(OFF_SITE)('refuses %j', (next) => {
    expect(safeNext(next)).toBe('/');
  });

  it('keeps a path on this site with its query', () => {
    expect(safeNext('/cases?state=closed&q=%E5%BC%A0')).toBe('/cases?state=closed&q=%E5%BC%A0');
    expect(safeNext('/cases/abc/history')).toBe('/cases/abc/history');
  });

  it('after a real sign-in, /login?next=/%09/evil.example/ stays on the site', async () => {
    const u = await webUser();
    for (const next of ['/%09/evil.example/', '/\t/evil.example/', '/\\evil.example']) {
      const client = new WebClient(w.app);
      const page = await client.get(`/login?next=${encodeURIComponent(next)}`);
      expect(page.text).not.toContain('evil.example');
      const r = await client.post('/login', { login: u.login, password: u.password, next }, { csrf: csrfOf(page.text) });
      expect(r.status).toBe(303);
      expect(r.location).toBe('/password'); // the admin-set password must be replaced first
      expect(r.location).not.toContain('evil');
    }
  });
});

describe('form bodies', () => {
  it('over 64 KiB are refused (413, in Chinese characters) by their length, before they are read', async () => {
    const u = await webUser();
    const client = new WebClient(w.app);
    const page = await client.get('/login');
    const body = new URLSearchParams({ _csrf: csrfOf(page.text), login: u.login, password: 'x'.repeat(70 * 1024) });
    const r = await client.request('POST', '/login', body);
    expect(r.status).toBe(413);
    expect(textOf(r.text)).toContain('网页表单一次最多能提交约 7000 字');
  });

  it('sent in chunks without a length are cut off as soon as they pass 64 KiB', async () => {
    let pulled = 0;
    const chunk = new TextEncoder().encode(`a=${'x'.repeat(16 * 1024)}`);
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        pulled++;
        // 50 MB if read whole.
        if (pulled > 3200) controller.close();
        else controller.enqueue(chunk);
      },
    });
    const res = await w.app.request('http://localhost/login', <RequestInit>{
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: stream,
      duplex: 'half', // Node's fetch needs it for a stream body
    });
    expect(res.status).toBe(413);
    expect(pulled).toBeLessThan(10);
  });

  it('a page may declare a larger limit of its own', async () => {
    const { declareFormLimit, formLimitOf, FORM_LIMIT_BYTES } = await import('../../src/web/http.js');
    declareFormLimit(/^\/test-upload$/, 5 * 1024 * 1024);
    expect(formLimitOf('/test-upload')).toBe(5 * 1024 * 1024);
    expect(formLimitOf('/login')).toBe(FORM_LIMIT_BYTES);
  });
});

describe('the sign-in page under attack', () => {
  it('answers 429 with the wait in Chinese after 5 wrong passwords, even to the right one', async () => {
    const u = await webUser();
    const client = new WebClient(w.app);
    for (let i = 0; i < 5; i++) {
      const page = await client.get('/login');
      const r = await client.post('/login', { login: u.login, password: `wrong-${i}` }, { csrf: csrfOf(page.text) });
      expect(r.status).toBe(401);
    }
    const page = await client.get('/login');
    const r = await client.post('/login', { login: u.login, password: u.password }, { csrf: csrfOf(page.text) });
    expect(r.status).toBe(429);
    expect(textOf(r.text)).toMatch(/尝试次数过多，请 1[45] 分钟后再试/);
    expect(Number(r.headers.get('retry-after'))).toBeGreaterThan(800);
    const audit = await w.call(w.tokens.admin, 'GET', '/api/audit?limit=10');
    const actions = audit.body.items.map((i: any) => i.action);
    expect(actions.filter((a: string) => a === 'auth.sign_in_failed')).toHaveLength(5);
    expect(actions).toContain('auth.locked');
  });

  it('a password must be 12+ characters and not a common one', async () => {
    const short = await w.call(w.tokens.admin, 'POST', '/api/users', { name: '短', role: 'court', login: 'pw-short', password: 'abcdefghijk' });
    expect(expectProblem(short, 400).errors).toEqual([{ field: 'password', message: '密码至少 12 个字符' }]);
    const common = await w.call(w.tokens.admin, 'POST', '/api/users', { name: '常见', role: 'court', login: 'pw-common', password: '1qaz2wsx3edc' });
    expect(expectProblem(common, 400).errors[0].message).toContain('太常见');
    const fine = await w.call(w.tokens.admin, 'POST', '/api/users', { name: '好', role: 'court', login: 'pw-fine', password: '楼下小卖部的猫叫阿黄' + 'ab' });
    expect(fine.status).toBe(201);
  });

  it('signs out with an audit row', async () => {
    const u = await webUser();
    const client = new WebClient(w.app);
    await client.signIn(u.login, u.password);
    const page = await client.get('/password');
    const r = await client.post('/logout', {}, { csrf: csrfOf(page.text) });
    expect(r.status).toBe(303);
    const [row] = (await w.call(w.tokens.admin, 'GET', '/api/audit?action=auth.sign_out&limit=1')).body.items;
    expect(row.target).toEqual({ type: 'user', id: u.id });
  });
});

describe('the admin’s user pages', () => {
  async function adminClient() {
    const u = await webUser('admin');
    const client = new WebClient(w.app);
    await client.signIn(u.login, u.password);
    const np = `${u.password}-new`;
    await client.post('/password', { currentPassword: u.password, newPassword: np, confirmPassword: np });
    return client;
  }

  it('deactivate, reactivate, a new token and an edit, each on the page', async () => {
    const admin = await adminClient();
    const target = await w.call(w.tokens.admin, 'POST', '/api/users', { name: '页面目标', role: 'court' });
    const id = target.body.id as string;
    let r = await admin.post(`/admin/users/${id}/active`, { active: 'false' }, { from: '/admin/users' });
    expect([r.status, r.location]).toEqual([303, '/admin/users?ok=deactivated']);
    expectProblem(await w.call(target.body.token, 'GET', '/api/me'), 401);
    const list = await admin.get('/admin/users?ok=deactivated');
    expect(textOf(list.text)).toContain('已停用');
    r = await admin.post(`/admin/users/${id}/active`, { active: 'true' }, { from: '/admin/users' });
    expect(r.status).toBe(303);
    expect((await w.call(target.body.token, 'GET', '/api/me')).status).toBe(200);
    r = await admin.post(`/admin/users/${id}/token`, {}, { from: '/admin/users' });
    expect(r.status).toBe(201);
    const token = /<code>(jf_[\w-]+)<\/code>/.exec(r.text)![1];
    expectProblem(await w.call(target.body.token, 'GET', '/api/me'), 401);
    expect((await w.call(token, 'GET', '/api/me')).status).toBe(200);
    const edit = await admin.get(`/admin/users/${id}`);
    expect(edit.status).toBe(200);
    r = await admin.post(`/admin/users/${id}`, { name: '改过的名字', role: 'committee' }, { from: `/admin/users/${id}` });
    expect([r.status, r.location]).toEqual([303, '/admin/users?ok=updated']);
    expect((await w.call(token, 'GET', '/api/me')).body).toMatchObject({ name: '改过的名字', role: 'committee' });
  });

  it('the audit and access-log pages for the admin and the committee, with CSV; refused to others', async () => {
    const admin = await adminClient();
    const page = await admin.get('/audit?action=user.create');
    expect(page.status).toBe(200);
    expect(page.text).toContain('data-testid="audit"');
    const csv = await admin.get('/audit.csv?action=user.create');
    expect(csv.status).toBe(200);
    expect(csv.headers.get('content-type')).toMatch(/^text\/csv/);
    expect((await admin.get('/access-log')).status).toBe(200);
    expect((await admin.get('/access-log.csv')).status).toBe(200);
    const u = await webUser('court');
    const court = new WebClient(w.app);
    await court.signIn(u.login, u.password);
    const np = `${u.password}-new`;
    await court.post('/password', { currentPassword: u.password, newPassword: np, confirmPassword: np });
    expect((await court.get('/audit')).status).toBe(403);
  });
});

describe('dates', () => {
  it('every invalid date is a 400, never a 500', async () => {
    const base = {
      track: 'pre_filing', source: 'court_referral', stationCode: 'HL01', disputeType: '民间借贷', summary: '日期',
      parties: [{ role: 'applicant', name: '王五' }],
    };
    for (const occurredAt of ['0000-06-01T00:00:00Z', '0001-01-01T00:00:00Z', '1899-12-31T00:00:00Z', '2026-02-30T00:00:00Z', '+275760-09-13T00:00:00Z']) {
      const r = await w.call(w.tokens.court, 'POST', '/api/cases', { ...base, occurredAt });
      expect([occurredAt, r.status]).toEqual([occurredAt, 400]);
    }
    const c = await w.openCase();
    await w.send(c.id, w.tokens.court, { type: 'ACCEPT' }, { type: 'ASSIGN', deputyIds: [w.deputies.a] });
    const r = await w.call(w.tokens.court, 'POST', `/api/cases/${c.id}/events`, { type: 'REACH_AGREEMENT', terms: 't', amount: '1.00', dueDate: '0000-01-01' });
    expectProblem(r, 400);
    expectProblem(await w.call(w.tokens.committee, 'GET', '/api/reports/enforcement?from=0000-01-01'), 400);
  });
});

describe('logs', () => {
  it('an unexpected database error logs no SQL parameter and no personal data', async () => {
    const logged: unknown[] = [];
    const app = createApp({ db: w.database.db, log: (msg: string, extra?: unknown) => logged.push({ msg, extra }) });
    await w.database.db.execute(sql`create or replace function test_boom() returns trigger language plpgsql as $$
      begin if new.name = '爆炸测试' then raise exception 'boom %', new.id_number; end if; return new; end $$`);
    await w.database.db.execute(sql`drop trigger if exists test_boom on parties`);
    await w.database.db.execute(sql`create trigger test_boom before insert on parties for each row execute function test_boom()`);
    try {
      const res = await app.request('/api/cases', {
        method: 'POST',
        headers: { authorization: `Bearer ${w.tokens.court}`, 'content-type': 'application/json' },
        body: JSON.stringify({
          track: 'pre_filing', source: 'court_referral', stationCode: 'HL01', disputeType: '民间借贷', summary: '强制出错',
          parties: [{ role: 'applicant', name: '爆炸测试', idNumber: '110101199003074477', phone: '13911112222' }],
        }),
      });
      expect(res.status).toBe(500);
      expect(logged.length).toBeGreaterThan(0);
      const text = JSON.stringify(logged);
      for (const secret of ['110101199003074477', '13911112222', '爆炸测试', 'params']) expect(text, secret).not.toContain(secret);
      expect(text).toContain('P0001');
    } finally {
      await w.database.db.execute(sql`drop trigger if exists test_boom on parties`);
    }
  });
});
