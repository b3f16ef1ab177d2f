/**
 * Accountable access (DESIGN.md §10): the user life cycle, the audit log, the access log, server-made
 * request ids, CSV cells that never start a formula, and ADMIN_TOKEN as the bootstrap admin's one token.
 */
import { parse } from 'csv-parse/sync';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rowsOf } from '../../src/db/client.js';
import { ensureAdmin } from '../../src/engine/directory.js';
import { createApp } from '../../src/app.js';
import { freshDatabase } from '../helpers/db.js';
import { expectProblem } from '../helpers/api.js';
import { createWorld, type World } from '../helpers/world.js';

let w: World;
beforeAll(async () => {
  w = await createWorld();
});
afterAll(async () => w?.close());

let n = 0;
async function newUser(role = 'court', extra: Record<string, unknown> = {}) {
  const r = await w.call(w.tokens.admin, 'POST', '/api/users', { name: `用户${++n}`, role, ...extra });
  expect(r.status).toBe(201);
  return r.body as { id: string; token: string; name: string };
}
const audit = async (query = '') => (await w.call(w.tokens.admin, 'GET', `/api/audit${query}`)).body;

describe('GET /api/users', () => {
  it('lists every user with the fields of DESIGN §10, for the admin only', async () => {
    const u = await newUser('committee');
    const r = await w.call(w.tokens.admin, 'GET', '/api/users');
    expect(r.status).toBe(200);
    const item = r.body.items.find((i: any) => i.id === u.id);
    expect(item).toMatchObject({ id: u.id, name: u.name, role: 'committee', stationCode: null, deputyId: null, login: null, active: true });
    expect(Date.parse(item.createdAt)).not.toBeNaN();
    expect(JSON.stringify(r.body)).not.toMatch(/token|password_hash|passwordHash/i);
    expectProblem(await w.call(w.tokens.court, 'GET', '/api/users'), 403);
  });
});

describe('PATCH /api/users/:id', () => {
  it('deactivation refuses the token at once, reactivation lets it in again; both audited', async () => {
    const u = await newUser();
    expect((await w.call(u.token, 'GET', '/api/me')).status).toBe(200);
    const off = await w.call(w.tokens.admin, 'PATCH', `/api/users/${u.id}`, { active: false }, { 'x-request-id': 'client-chosen-1' });
    expect(off.status).toBe(200);
    expect(off.body).toMatchObject({ id: u.id, active: false });
    const refusedCall = await w.call(u.token, 'GET', '/api/me');
    expectProblem(refusedCall, 401);
    expect((await w.call(w.tokens.admin, 'PATCH', `/api/users/${u.id}`, { active: true })).status).toBe(200);
    expect((await w.call(u.token, 'GET', '/api/me')).status).toBe(200);
    const rows = (await audit(`?actorId=${(await w.call(w.tokens.admin, 'GET', '/api/me')).body.id}&limit=50`)).items.filter((i: any) => i.target?.id === u.id);
    expect(rows.map((i: any) => i.action)).toEqual(['user.activate', 'user.deactivate', 'user.create']);
    const deact = rows[1];
    // The request id is the server's; the client's own is kept beside it.
    expect(deact.requestId).not.toBe('client-chosen-1');
    expect(deact.requestId).toMatch(/^[0-9a-f-]{36}$/);
    expect(deact.clientRequestId).toBe('client-chosen-1');
    expect(deact.actor).toMatchObject({ role: 'admin', name: '系统管理员' });
    expect(deact.clientAddress).toBe('local');
  });

  it('changes name and role, keeps the station/deputy rules, and audits what changed', async () => {
    const u = await newUser('court');
    const r = await w.call(w.tokens.admin, 'PATCH', `/api/users/${u.id}`, { name: '改名后', role: 'station', stationCode: 'HL01' });
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ name: '改名后', role: 'station', stationCode: 'HL01' });
    expect((await w.call(u.token, 'GET', '/api/me')).body).toMatchObject({ role: 'station', stationCode: 'HL01' });
    const [row] = (await audit('?action=user.update&limit=1')).items;
    expect(row).toMatchObject({ action: 'user.update', target: { type: 'user', id: u.id } });
    expect(row.detail.role).toEqual({ from: 'court', to: 'station' });
    const bad = expectProblem(await w.call(w.tokens.admin, 'PATCH', `/api/users/${u.id}`, { role: 'deputy' }), 400);
    expect(bad.errors.map((e: any) => e.field)).toContain('deputyId');
    expectProblem(await w.call(w.tokens.admin, 'PATCH', `/api/users/${u.id}`, { active: 'no' }), 400);
    expectProblem(await w.call(w.tokens.admin, 'PATCH', `/api/users/${u.id}`, { token: 'x' }), 400);
    expectProblem(await w.call(w.tokens.admin, 'PATCH', '/api/users/00000000-0000-4000-8000-000000000000', { active: false }), 404);
    expectProblem(await w.call(w.tokens.court, 'PATCH', `/api/users/${u.id}`, { active: false }), 403);
  });

  it('refuses to switch off the last active admin', async () => {
    const me = (await w.call(w.tokens.admin, 'GET', '/api/me')).body;
    const r = await w.call(w.tokens.admin, 'PATCH', `/api/users/${me.id}`, { active: false });
    expectProblem(r, 409, 'urn:jiefen:problem:conflict');
    expect((await w.call(w.tokens.admin, 'GET', '/api/me')).status).toBe(200);
  });
});

describe('POST /api/users/:id/token', () => {
  it('gives a new token (201) and refuses every earlier one; the admin for anyone, a user for themselves', async () => {
    const u = await newUser();
    const first = await w.call(w.tokens.admin, 'POST', `/api/users/${u.id}/token`);
    expect(first.status).toBe(201);
    expect(Object.keys(first.body)).toEqual(['token']);
    expectProblem(await w.call(u.token, 'GET', '/api/me'), 401);
    expect((await w.call(first.body.token, 'GET', '/api/me')).body.id).toBe(u.id);
    const own = await w.call(first.body.token, 'POST', `/api/users/${u.id}/token`);
    expect(own.status).toBe(201);
    expectProblem(await w.call(first.body.token, 'GET', '/api/me'), 401);
    expect((await w.call(own.body.token, 'GET', '/api/me')).status).toBe(200);
    // Nobody else's.
    const other = await newUser();
    expectProblem(await w.call(own.body.token, 'POST', `/api/users/${other.id}/token`), 403);
    expect((await w.call(other.token, 'GET', '/api/me')).status).toBe(200);
    const rows = (await audit('?action=user.token&limit=5')).items.filter((i: any) => i.target.id === u.id);
    expect(rows.map((i: any) => i.detail.by)).toEqual(['self', 'admin']);
    expect(JSON.stringify(rows)).not.toContain(own.body.token);
  });
});

describe('ADMIN_TOKEN', () => {
  it('is the bootstrap admin’s one token: a new one replaces the old; a short one is refused', async () => {
    const db = await freshDatabase();
    try {
      const app = createApp({ db: db.db, log: () => {} });
      const me = (token: string) => app.request('/api/me', { headers: { authorization: `Bearer ${token}` } });
      await ensureAdmin(db.db, 'first-admin-token-0123456789');
      expect((await me('first-admin-token-0123456789')).status).toBe(200);
      await ensureAdmin(db.db, 'second-admin-token-0123456789');
      expect((await me('second-admin-token-0123456789')).status).toBe(200);
      // A fresh app (a restarted process): no cache can hide the change.
      const restarted = createApp({ db: db.db, log: () => {} });
      expect((await restarted.request('/api/me', { headers: { authorization: 'Bearer first-admin-token-0123456789' } })).status).toBe(401);
      const admins = rowsOf<{ n: number }>(await db.db.execute(sql`select count(*)::int as n from users where role = 'admin'`));
      expect(admins[0].n).toBe(1);
      await expect(ensureAdmin(db.db, 'short')).rejects.toThrow(/16/);
      const rows = rowsOf<{ action: string; actor_role: string }>(await db.db.execute(sql`select action, actor_role from audit_log order by seq`));
      expect(rows).toEqual([
        { action: 'user.create', actor_role: 'system' },
        { action: 'user.token', actor_role: 'system' },
      ]);
    } finally {
      await db.destroy();
    }
  });
});

describe('the audit log', () => {
  it('records directory acts in their transaction, and refusals for lack of rights', async () => {
    const code = `A${++n}`;
    expect((await w.call(w.tokens.admin, 'POST', '/api/stations', { code, name: '审计站', kind: 'town', district: '呼兰区' })).status).toBe(201);
    const d = await w.call(w.tokens.admin, 'POST', '/api/deputies', { name: '审计代表', level: 'county', stationCode: code, phone: '13700001234' });
    const [dep, st] = (await audit('?limit=2')).items;
    expect(st).toMatchObject({ action: 'station.create', target: { type: 'station', id: code } });
    expect(dep).toMatchObject({ action: 'deputy.create', target: { type: 'deputy', id: d.body.id } });
    expect(JSON.stringify(dep)).not.toContain('13700001234');
    // A station code already taken: no station, no audit row.
    const before = (await audit('?limit=1')).items[0].seq;
    expect((await w.call(w.tokens.admin, 'POST', '/api/stations', { code, name: '重复', kind: 'town', district: '呼兰区' })).status).toBe(409);
    expect((await audit('?limit=1')).items[0].seq).toBe(before);
    // A 403 is an access.denied row with who and where.
    expectProblem(await w.call(w.tokens.court, 'POST', '/api/stations', { code: 'ZZ9', name: 'x', kind: 'town', district: 'x' }), 403);
    const [denied] = (await audit('?action=access.denied&limit=1')).items;
    expect(denied).toMatchObject({ action: 'access.denied', actor: { role: 'court' }, target: { type: 'path', id: 'POST /api/stations' } });
  });

  it('records calendar.update, webhook.create and webhook.delete with their targets, never the secret', async () => {
    const days = [{ date: '2031-01-01', kind: 'holiday', name: '元旦' }];
    expect((await w.call(w.tokens.admin, 'PUT', '/api/calendar/2031', { days })).status).toBe(200);
    const [cal] = (await audit('?action=calendar.update&limit=1')).items;
    expect(cal).toMatchObject({ action: 'calendar.update', actor: { role: 'admin' }, target: { type: 'calendar', id: '2031' }, detail: { days: 1 } });
    expect(typeof cal.requestId).toBe('string');
    const hook = await w.call(w.tokens.admin, 'POST', '/api/webhooks', { url: 'http://127.0.0.1:9/hook', events: ['*'] });
    expect(hook.status).toBe(201);
    const [made] = (await audit('?action=webhook.create&limit=1')).items;
    expect(made).toMatchObject({ target: { type: 'webhook', id: hook.body.id }, detail: { url: 'http://127.0.0.1:9/hook' } });
    expect(JSON.stringify(made)).not.toContain(hook.body.secret);
    expect((await w.call(w.tokens.admin, 'DELETE', `/api/webhooks/${hook.body.id}`)).status).toBe(204);
    const [gone] = (await audit('?action=webhook.delete&limit=1')).items;
    expect(gone).toMatchObject({ target: { type: 'webhook', id: hook.body.id } });
  });

  it('is append-only: the database refuses UPDATE and DELETE', async () => {
    await expect(w.database.db.execute(sql`update audit_log set action = 'x'`)).rejects.toThrow();
    await expect(w.database.db.execute(sql`delete from audit_log`)).rejects.toThrow();
  });

  it('filters by action, actor and period, pages by cursor, and is for the admin and the committee only', async () => {
    for (let i = 0; i < 3; i++) await newUser();
    const page1 = await w.call(w.tokens.committee, 'GET', '/api/audit?action=user.create&limit=2');
    expect(page1.status).toBe(200);
    expect(page1.headers.get('cache-control')).toBe('no-store');
    expect(page1.body.items).toHaveLength(2);
    expect(page1.body.items.every((i: any) => i.action === 'user.create')).toBe(true);
    expect(Object.keys(page1.body.items[0]).sort()).toEqual(
      ['action', 'actor', 'at', 'clientAddress', 'clientRequestId', 'detail', 'requestId', 'seq', 'target'].sort(),
    );
    const page2 = await w.call(w.tokens.committee, 'GET', `/api/audit?action=user.create&limit=2&cursor=${page1.body.nextCursor}`);
    expect(page2.body.items[0].seq).toBeLessThan(page1.body.items[1].seq);
    const today = new Date().toISOString().slice(0, 10);
    expect((await w.call(w.tokens.admin, 'GET', `/api/audit?from=2000-01-01&to=2000-01-02`)).body.items).toEqual([]);
    expect((await w.call(w.tokens.admin, 'GET', `/api/audit?from=${today}`)).body.items.length).toBeGreaterThan(0);
    expectProblem(await w.call(w.tokens.admin, 'GET', '/api/audit?from=2026-13-45'), 400);
    // A day the month does not have is refused, not rolled over into the next month.
    for (const q of ['from=2026-02-30', 'to=2026-02-29', 'from=2026-04-31T08:00:00Z']) {
      expectProblem(await w.call(w.tokens.admin, 'GET', `/api/audit?${q}`), 400);
      expectProblem(await w.call(w.tokens.admin, 'GET', `/api/access-log?${q}`), 400);
    }
    expectProblem(await w.call(w.tokens.admin, 'GET', '/api/audit?action=nope'), 400);
    expectProblem(await w.call(w.tokens.court, 'GET', '/api/audit'), 403);
    expectProblem(await w.call(w.tokens.deputyA, 'GET', '/api/access-log'), 403);
  });
});

describe('GET /api/access-log', () => {
  it('lists who read a case’s unmasked personal data, filtered by case', async () => {
    const c = await w.openCase();
    expect((await w.call(w.tokens.court, 'GET', `/api/cases/${c.id}`)).status).toBe(200);
    const r = await w.call(w.tokens.committee, 'GET', `/api/access-log?caseId=${c.id}`);
    expect(r.status).toBe(200);
    expect(r.body.items.length).toBeGreaterThanOrEqual(2);
    expect(r.body.items[0]).toMatchObject({ caseId: c.id, actor: { role: 'court', name: '李书记员' } });
    expect(typeof r.body.items[0].requestId).toBe('string');
    expect(r.body.nextCursor).toBeNull();
    expect((await w.call(w.tokens.admin, 'GET', '/api/access-log?caseId=not-a-case')).body.items).toEqual([]);
  });
});

describe('request ids', () => {
  it('are made by the server: a client X-Request-Id never lands in the journal', async () => {
    const c = await w.call(w.tokens.court, 'POST', '/api/cases', {
      track: 'pre_filing', source: 'court_referral', stationCode: 'HL01', disputeType: '民间借贷', summary: '请求编号',
      parties: [{ role: 'applicant', name: '王五' }],
    }, { 'x-request-id': 'evil-chosen-id' });
    expect(c.status).toBe(201);
    expect(c.headers.get('x-request-id')).not.toBe('evil-chosen-id');
    expect(c.headers.get('x-client-request-id')).toBe('evil-chosen-id');
    const rows = rowsOf<{ request_id: string }>(await w.database.db.execute(sql`select request_id from case_events where case_id = ${c.body.id}`));
    expect(rows[0].request_id).toBe(c.headers.get('x-request-id'));
  });
});

describe('Cache-Control', () => {
  it('is no-store on answers with personal data', async () => {
    const c = await w.openCase();
    for (const path of [`/api/cases/${c.id}`, `/api/cases/${c.id}/history`, '/api/cases', '/api/deputies', '/api/users']) {
      const r = await w.call(path === '/api/users' ? w.tokens.admin : w.tokens.court, 'GET', path);
      expect([path, r.status, r.headers.get('cache-control')]).toEqual([path, 200, 'no-store']);
    }
  });
});

describe('CSV', () => {
  const FORMULAS = ['=HYPERLINK("http://evil.example","x")', '+1+1', '-2+3', '@SUM(A1)', '\tTAB', '\rCR'];

  it('never starts a cell with a formula in the audit log CSV', async () => {
    for (const [i, f] of FORMULAS.entries()) {
      const r = await w.call(w.tokens.admin, 'POST', '/api/stations', { code: `CSV${i}${n}`, name: f, kind: 'town', district: f });
      expect(r.status).toBe(201);
    }
    const r = await w.call(w.tokens.committee, 'GET', '/api/audit?action=station.create&format=csv');
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toMatch(/^text\/csv/);
    const rows: string[][] = parse(String(r.body).replace(/^\uFEFF/, ''), { relax_column_count: true });
    for (const cell of rows.flat()) expect(cell, cell).not.toMatch(/^[=+\-@\t\r]/);
    // The detail column keeps the text (JSON of the values), escaped only at its start.
    expect(rows.some((row) => row.some((c) => c.includes('HYPERLINK')))).toBe(true);
  });

  it('never starts a cell with a formula in the report CSV (every echoed filter)', async () => {
    for (const f of FORMULAS) {
      const r = await w.call(w.tokens.committee, 'GET', `/api/reports/enforcement?format=csv&district=${encodeURIComponent(f)}`);
      expect(r.status).toBe(200);
      const rows: string[][] = parse(String(r.body).replace(/^\uFEFF/, ''));
      for (const cell of rows.flat()) expect(cell, cell).not.toMatch(/^[=+\-@\t\r]/);
      // Echoed (trimmed of white space, as every filter is), and defused.
      expect(rows.some((row) => row.some((c) => c.endsWith(f.trim()))), f).toBe(true);
    }
  });
});
