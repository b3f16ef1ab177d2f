/**
 * The web pages as a second adapter over the engine, without a browser, on both databases:
 * each role's start page, refusals as Chinese pages that write nothing, the version pin and the
 * per-form idempotency key, the station's limits, the CSV and the static files.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fingerprint } from '../helpers/api.js';
import { createWorld, type World } from '../helpers/world.js';
import { csrfOf, signedInPeople, textOf, WebClient } from '../helpers/web.js';

let w: World;
const people: Record<string, WebClient> = {};

/**
 * What a refused write must leave as it was: everything but the access log, which records the
 * reads of the page shown with the refusal (court staff read personal data there).
 */
async function written() {
  const { access_log: _reads, ...rest } = await fingerprint(w);
  return rest;
}

beforeAll(async () => {
  w = await createWorld();
  const signedIn = await signedInPeople(w, 'p', {
    court: { name: '李书记员', role: 'court' },
    committee: { name: '周委员', role: 'committee' },
    station: { name: '刘站长', role: 'station', stationCode: 'HL01' },
    deputy: { name: '王丽', role: 'deputy', deputyId: w.deputies.a },
    admin: { name: '管理员二', role: 'admin' },
  });
  Object.assign(people, signedIn.people);
});
afterAll(async () => w?.close());

describe('start pages', () => {
  it.each([
    ['court', '/cases'],
    ['committee', '/dashboard'],
    ['station', '/cases'],
    ['deputy', '/cases'],
    ['admin', '/admin/users'],
  ])('%s starts at %s, and it renders', async (role, home) => {
    const r = await people[role].get('/');
    expect(r.location).toBe(home);
    const page = await people[role].get(home);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/text\/html/);
    expect(page.text).toMatch(/^<!DOCTYPE html><html lang="zh-CN">/);
  });

  it('a deputy sees only their assigned cases, titled 我的案件', async () => {
    const mine = await w.openCase({ summary: '指派给王丽的案件' });
    await w.send(mine.id, w.tokens.court, { type: 'ACCEPT' }, { type: 'ASSIGN', deputyIds: [w.deputies.a] });
    const other = await w.openCase({ summary: '未指派的案件' });
    const page = textOf((await people.deputy.get('/cases')).text);
    expect(page).toContain('我的案件');
    expect(page).toContain(mine.number);
    expect(page).not.toContain(other.number);
    const refused = await people.deputy.get(`/cases/${other.id}`);
    expect(refused.status).toBe(403);
    expect(textOf(refused.text)).toContain('无权查看该案件');
  });

  it('pages of other roles are refused with a Chinese page', async () => {
    for (const [role, path] of [
      ['deputy', '/supervisions'],
      ['deputy', '/dashboard'],
      ['station', '/admin/users'],
      ['committee', '/cases/new'],
    ] as const) {
      const r = await people[role].get(path);
      expect(r.status).toBe(403);
      expect(textOf(r.text)).toContain('无权进行此操作');
    }
    const missing = await people.court.get('/cases/00000000-0000-4000-8000-000000000000');
    expect(missing.status).toBe(404);
    expect(textOf(missing.text)).toContain('不存在');
  });
});

describe('events through the forms', () => {
  async function formOf(client: WebClient, path: string) {
    const page = await client.get(path);
    expect(page.status).toBe(200);
    return {
      _csrf: csrfOf(page.text),
      _version: /name="_version" value="(\d+)"/.exec(page.text)![1],
      _key: /name="_key" value="([^"]+)"/.exec(page.text)![1],
      // A form whose action closes the case has a required box (issue 15 §1): ticked, as a clerk would.
      ...(page.text.includes('name="_confirmClose"') ? { _confirmClose: 'yes' } : {}),
    };
  }

  it('a case number typed into the search box goes to the case', async () => {
    const c = await w.openCase();
    const r = await people.court.get(`/cases?q=${encodeURIComponent(` ${c.number.toLowerCase()} `)}`);
    expect(r.status).toBe(303);
    expect(r.headers.get('location')).toBe(`/cases/${c.id}`);
  });

  it('an action that closes the case asks for confirmation, and the success message says it closed', async () => {
    const c = await w.openCase();
    const page = await people.court.get(`/cases/${c.id}`);
    expect(page.text).toMatch(/class="button danger"[^>]*href="[^"]*\/events\/RETURN"|href="[^"]*\/events\/RETURN"[^>]*data-closes="true"/);
    const form = await formOf(people.court, `/cases/${c.id}/events/RETURN`);
    expect(form._confirmClose).toBe('yes');
    const { _confirmClose: _, ...unticked } = form;
    const before = await written();
    const r = await people.court.post(`/cases/${c.id}/events/RETURN`, { ...unticked, reason: 'unsuitable' }, { csrf: form._csrf });
    expect(r.status).toBe(400);
    expect(textOf(r.text)).toContain('请勾选“我确认此操作将结案”后再提交');
    expect(await written()).toEqual(before);
    const ok = await people.court.post(`/cases/${c.id}/events/RETURN`, { ...form, reason: 'unsuitable' }, { csrf: form._csrf });
    expect(ok.status).toBe(303);
    const after = await people.court.get(ok.headers.get('location')!);
    expect(textOf(after.text)).toMatch(/已办理「[^」]+」，案件已结案（[^）]+），不能再办理其他事项。/);
  });

  it('instalment lines keep "3,000" whole; the performance form says what is still owed and offers 确认超额', async () => {
    const c = await w.openCase();
    await w.send(c.id, w.tokens.court, { type: 'ACCEPT' }, { type: 'ASSIGN', deputyIds: [w.deputies.a] });
    const form = await formOf(people.court, `/cases/${c.id}/events/REACH_AGREEMENT`);
    const r = await people.court.post(
      `/cases/${c.id}/events/REACH_AGREEMENT`,
      { ...form, terms: '分两期还款', amount: '5,000', dueDate: '2030-12-31', installments: '2030-06-30 3,000\n2030-12-31，¥2,000元' },
      { csrf: form._csrf },
    );
    expect(r.status).toBe(303);
    const pay = await people.court.get(`/cases/${c.id}/events/RECORD_PERFORMANCE`);
    expect(pay.status).toBe(200);
    expect(textOf(pay.text)).toContain('尚欠金额：¥5,000.00');
    expect(pay.text).toContain('name="confirmOverpayment"');
    expect(pay.text).not.toContain('name="_confirmClose"');
  });

  it('an event the role may not send is refused in Chinese and writes nothing', async () => {
    const c = await w.openCase();
    const deputyCsrf = csrfOf((await people.deputy.get('/password')).text);
    const stationCsrf = csrfOf((await people.station.get('/password')).text);
    const before = await written();
    const r = await people.deputy.post(`/cases/${c.id}/events/ACCEPT`, { _version: '1' }, { csrf: deputyCsrf });
    expect(r.status).toBe(403);
    expect(textOf(r.text)).toContain('无权查看该案件');
    const station = await people.station.post(`/cases/${c.id}/events/ACCEPT`, { _version: '1' }, { csrf: stationCsrf });
    expect(station.status).toBe(403);
    expect(textOf(station.text)).toMatch(/角色「联络站工作人员」不能在此发送事件「受理」.*未作任何更改/);
    expect(await written()).toEqual(before);
  });

  it('a form opened before someone else acted is refused (412), and nothing is written', async () => {
    const c = await w.openCase();
    const form = await formOf(people.court, `/cases/${c.id}/events/RETURN`);
    await w.send(c.id, w.tokens.court, { type: 'ACCEPT' });
    const before = await written();
    const r = await people.court.post(`/cases/${c.id}/events/RETURN`, { ...form, reason: 'unsuitable' }, { csrf: form._csrf });
    expect(r.status).toBe(412);
    expect(textOf(r.text)).toMatch(/记录已被他人更新.*他人已办理了其他操作.*未作任何更改/);
    expect(await written()).toEqual(before);
  });

  it('a payload error names the field in Chinese and keeps what was typed', async () => {
    const c = await w.openCase();
    const form = await formOf(people.court, `/cases/${c.id}/events/RETURN`);
    const before = await written();
    const r = await people.court.post(`/cases/${c.id}/events/RETURN`, { ...form, note: '材料不全' }, { csrf: form._csrf });
    expect(r.status).toBe(400);
    expect(r.text).toMatch(/data-field="reason"[\s\S]*?class="field-error"[^>]*>请从列表中选择</);
    expect(r.text).toContain('材料不全');
    expect(await written()).toEqual(before);
  });

  it('a double submit of one form applies the event once', async () => {
    const c = await w.openCase();
    const form = await formOf(people.court, `/cases/${c.id}/events/ACCEPT`);
    const first = await people.court.post(`/cases/${c.id}/events/ACCEPT`, form, { csrf: form._csrf });
    expect(first.status).toBe(303);
    const second = await people.court.post(`/cases/${c.id}/events/ACCEPT`, form, { csrf: form._csrf });
    expect(second.status).toBe(303);
    const h = await w.call(w.tokens.court, 'GET', `/api/cases/${c.id}/history`);
    expect(h.body.items.map((i: { type: string }) => i.type)).toEqual(['CREATE', 'ACCEPT']);
  });

  it('a deputy recuses only themself, whatever the form says', async () => {
    const c = await w.openCase();
    await w.send(c.id, w.tokens.court, { type: 'ACCEPT' }, { type: 'ASSIGN', deputyIds: [w.deputies.a, w.deputies.b] });
    const form = await formOf(people.deputy, `/cases/${c.id}/events/RECUSE`);
    const r = await people.deputy.post(`/cases/${c.id}/events/RECUSE`, { ...form, deputyId: w.deputies.b, reason: '与当事人系亲属' }, { csrf: form._csrf });
    expect(r.status).toBe(303);
    const view = await w.call(w.tokens.court, 'GET', `/api/cases/${c.id}`);
    expect(view.body.deputyIds).toEqual([w.deputies.b]);
  });
});

describe('station staff', () => {
  it('open cases only at their station and only from the four channels', async () => {
    const before = await fingerprint(w);
    const base = { source: 'court_referral', track: 'pre_filing', disputeType: '邻里纠纷', summary: '漏水', 'parties.0.role': 'applicant', 'parties.0.name': '张三' };
    const r = await people.station.post('/cases/new', base, { from: '/cases/new' });
    expect(r.status).toBe(403);
    expect(textOf(r.text)).toContain('联络站只能登记入站、扫码联、热线联、入户联四种渠道收到的纠纷');
    // The station field is theirs whatever is sent.
    const ok = await people.station.post('/cases/new', { ...base, source: 'hotline', stationCode: 'SC01' }, { from: '/cases/new' });
    expect(ok.status).toBe(303);
    const id = /\/cases\/([0-9a-f-]{36})/.exec(ok.location!)![1];
    const view = await w.call(w.tokens.court, 'GET', `/api/cases/${id}`);
    expect(view.body).toMatchObject({ stationCode: 'HL01', source: 'hotline' });
    expect((await fingerprint(w)).cases).toBe(String(Number(before.cases) + 1));
  });

  it('a NUL in a form field is dropped, never a 500', async () => {
    // (An unpaired surrogate cannot reach the server in a form: URL encoding turns it into U+FFFD.)
    const fields = { source: 'walk_in', track: 'pre_filing', disputeType: '邻里\u0000纠纷', summary: '漏\u0000水', 'parties.0.role': 'applicant', 'parties.0.name': '张三' };
    const ok = await people.station.post('/cases/new', fields, { from: '/cases/new' });
    expect(ok.status).toBe(303);
    const id = /\/cases\/([0-9a-f-]{36})/.exec(ok.location!)![1];
    const view = await w.call(w.tokens.court, 'GET', `/api/cases/${id}`);
    expect(view.body).toMatchObject({ disputeType: '邻里纠纷', summary: '漏水' });
  });

  it('keep the activity register of their own station only', async () => {
    const r = await people.station.post('/stations/HL01/activities', { date: '2026-01-05', theme: '接待日', content: '接待选民', deputyIds: [w.deputies.a], votersReceived: '7' }, { from: '/stations/HL01/activities' });
    expect(r.status).toBe(303);
    expect(textOf((await people.station.get('/stations/HL01/activities')).text)).toMatch(/接待日.*王丽.*7/);
    const other = await people.station.get('/stations/SC01/activities');
    expect(other.status).toBe(403);
    const bad = await people.station.post('/stations/HL01/activities', { date: '2026-01-05', theme: '', content: 'x', votersReceived: '-1' }, { from: '/stations/HL01/activities' });
    expect(bad.status).toBe(400);
    expect(textOf(bad.text)).toContain('须为 0–1000000 之间的整数');
  });
});

describe('committee downloads and static files', () => {
  it('the CSV of the enforcement report, for the session user', async () => {
    const r = await people.committee.get('/dashboard/enforcement.csv?from=2026-01-01');
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toMatch(/^text\/csv/);
    expect(r.headers.get('content-disposition')).toMatch(/attachment/);
    // (Response.text() drops the UTF-8 BOM; the browser journey checks it is there.)
    expect(r.text).toMatch(/^栏目,项目,数值\r\n/);
    expect(r.text).toContain('查询条件,开始日期,2026-01-01');
    // The same figures as the JSON API's CSV (bar the time it was generated).
    const api = await w.app.request('/api/reports/enforcement?format=csv&from=2026-01-01', { headers: { authorization: `Bearer ${w.tokens.committee}` } });
    const strip = (t: string) => t.split('\r\n').filter((l) => !l.startsWith('查询条件,生成时间'));
    expect(strip(r.text)).toEqual(strip(await api.text()));
    expect(r.headers.get('content-disposition')).toBe(api.headers.get('content-disposition'));
    expect((await people.deputy.get('/dashboard/enforcement.csv')).status).toBe(403);
    expect((await new WebClient(w.app).get('/dashboard/enforcement.csv')).location).toMatch(/^\/login/);
  });

  it('serves ECharts, the stylesheet and the scripts itself', async () => {
    const client = new WebClient(w.app);
    for (const [name, type] of [
      ['echarts.min.js', /javascript/],
      ['app.css', /text\/css/],
      ['app.js', /javascript/],
      ['dashboard.js', /javascript/],
    ] as const) {
      const r = await client.get(`/static/${name}`);
      expect(r.status).toBe(200);
      expect(r.headers.get('content-type')).toMatch(type);
      expect(r.headers.get('etag')).toBeTruthy();
    }
    expect((await client.get('/static/../package.json')).status).toBe(404);
  });
});
