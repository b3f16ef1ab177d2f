/**
 * Issue 15 §4 and §6, the data entry left over, without a browser, on both databases: instalments
 * as rows (added and summed by the server when there is no script, each row's own errors), deputies
 * of one name told apart wherever they are chosen, retired stations and deputies offered for
 * nothing new but still named on old records, and what was typed into the new-case, activity,
 * admin and import forms kept through a sign-in after the session ran out.
 */
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashToken } from '../../src/engine/directory.js';
import { shanghaiDate } from '../../src/machines/calendar.js';
import { fingerprint } from '../helpers/api.js';
import { createWorld, type World } from '../helpers/world.js';
import { csrfOf, signedInPeople, textOf, WebClient } from '../helpers/web.js';

let w: World;
const people: Record<string, WebClient> = {};
const logins: Record<string, string> = {};
const ORIGIN = { origin: 'http://localhost' };
const dateIn = (days: number) => shanghaiDate(new Date(Date.now() + days * 86_400_000).toISOString());
/** A second 王丽 at 呼兰, and one at 双城: three deputies of one name. */
const namesakes: Record<string, string> = {};
let retiredDeputy = '';

const ok = async (p: Promise<{ status: number; body: any }>, status = 201) => {
  const r = await p;
  expect({ status: r.status, body: r.body }).toMatchObject({ status });
  return r.body;
};

/** What a refused or unsent form must leave as it was: everything but the access log of the page's reads. */
async function written() {
  const { access_log: _reads, ...rest } = await fingerprint(w);
  return rest;
}

beforeAll(async () => {
  w = await createWorld();
  const users: Record<string, Record<string, unknown>> = {
    court: { name: '李书记员', role: 'court' },
    station: { name: '刘站长', role: 'station', stationCode: 'HL01' },
    admin: { name: '管理员二', role: 'admin' },
  };
  const signedIn = await signedInPeople(w, 'e', users);
  Object.assign(people, signedIn.people);
  Object.assign(logins, signedIn.logins);
  namesakes.hl = (await ok(w.call(w.tokens.admin, 'POST', '/api/deputies', { name: '王丽', level: 'municipal', stationCode: 'HL01', phone: '13700002222', confirmDuplicate: true }))).id;
  namesakes.sc = (await ok(w.call(w.tokens.admin, 'POST', '/api/deputies', { name: '王丽', level: 'county', stationCode: 'SC01', phone: '13600003333' }))).id;
  retiredDeputy = (await ok(w.call(w.tokens.admin, 'POST', '/api/deputies', { name: '钱七', level: 'county', stationCode: 'HL01' }))).id;
  await ok(w.call(w.tokens.admin, 'POST', '/api/stations', { code: 'OLD1', name: '旧城街道代表联络站', kind: 'street', district: '呼兰区' }));
  await ok(w.call(w.tokens.admin, 'PATCH', '/api/stations/OLD1', { active: false }), 200);
});
afterAll(async () => w?.close());

/** The hidden fields and keys of an event form, as a browser sends them back. */
async function formOf(client: WebClient, path: string) {
  const page = await client.get(path);
  expect(page.status).toBe(200);
  return {
    page,
    fields: {
      _csrf: csrfOf(page.text),
      _version: /name="_version" value="(\d+)"/.exec(page.text)![1],
      _key: /name="_key" value="([^"]+)"/.exec(page.text)![1],
    },
  };
}

async function mediatingCase() {
  const c = await w.openCase();
  await w.send(c.id, w.tokens.court, { type: 'ACCEPT' }, { type: 'ASSIGN', deputyIds: [w.deputies.a] });
  return c;
}

describe('§4 instalments as rows', () => {
  it('the agreement form has rows of a date and an amount, a button to add one and a total', async () => {
    const c = await mediatingCase();
    const { page } = await formOf(people.court, `/cases/${c.id}/events/REACH_AGREEMENT`);
    for (const name of ['installments.0.dueDate', 'installments.0.amount', 'installments.1.dueDate', 'installments.1.amount']) expect(page.text).toContain(`name="${name}"`);
    expect(page.text).not.toMatch(/<textarea[^>]*name="installments"/);
    expect(page.text).toMatch(/<input type="submit" name="_addRow" value="添加一期"[^>]*formnovalidate/);
    expect(textOf(page.text)).toMatch(/第 1 期 日期 金额[\s\S]*第 2 期 日期 金额[\s\S]*分期合计 ¥0\.00/);
    // Enter in a field sends the agreement, not 添加一期: the form's first submit button is the event's.
    expect(page.text.indexOf('class="default-submit"')).toBeLessThan(page.text.indexOf('name="_addRow"'));
  });

  it('without script, 添加一期 and 计算合计 post the form back: one row more, the total against the agreed amount, nothing sent', async () => {
    const c = await mediatingCase();
    const { fields } = await formOf(people.court, `/cases/${c.id}/events/REACH_AGREEMENT`);
    const typed = { ...fields, terms: '分两期还款', amount: '5,000', dueDate: dateIn(60), 'installments.0.dueDate': dateIn(30), 'installments.0.amount': '3,000', 'installments.1.dueDate': '', 'installments.1.amount': '' };
    const before = await written();
    const added = await people.court.post(`/cases/${c.id}/events/REACH_AGREEMENT`, { ...typed, _addRow: '添加一期' }, { csrf: fields._csrf });
    expect(added.status).toBe(200);
    expect(added.text).toContain('name="installments.2.amount"');
    expect(added.text).toContain('value="3,000"');
    expect(added.text).toContain('>分两期还款</textarea>');
    expect(added.text).toContain(`name="_key" value="${fields._key}"`);
    expect(added.text).toContain(`name="_version" value="${fields._version}"`);
    expect(textOf(added.text)).toMatch(/分期合计 ¥3,000\.00 （共 1 期） 比协议金额少 ¥2,000\.00/);
    expect(added.text).not.toContain('data-testid="error"');

    const summed = await people.court.post(
      `/cases/${c.id}/events/REACH_AGREEMENT`,
      { ...typed, 'installments.1.dueDate': dateIn(60), 'installments.1.amount': '¥2,000元', 'installments.2.dueDate': '', 'installments.2.amount': '', _sumRows: '计算合计' },
      { csrf: fields._csrf },
    );
    expect(summed.status).toBe(200);
    expect(textOf(summed.text)).toMatch(/分期合计 ¥5,000\.00 （共 2 期） 与协议金额相符/);
    expect(await written()).toEqual(before);
  });

  it('a row that cannot be read says so beside it, on the row it was typed on, and nothing is written', async () => {
    const c = await mediatingCase();
    const { fields } = await formOf(people.court, `/cases/${c.id}/events/REACH_AGREEMENT`);
    // The second row left blank: the bad amount is the third row's, not the second's.
    const typed = {
      ...fields,
      terms: '分期还款',
      amount: '5000',
      dueDate: dateIn(60),
      'installments.0.dueDate': dateIn(30),
      'installments.0.amount': '3,000',
      'installments.1.dueDate': '',
      'installments.1.amount': '',
      'installments.2.dueDate': dateIn(60),
      'installments.2.amount': '两千',
    };
    const summed = await people.court.post(`/cases/${c.id}/events/REACH_AGREEMENT`, { ...typed, _sumRows: '计算合计' }, { csrf: fields._csrf });
    expect(summed.status).toBe(200);
    expect(summed.text).toMatch(/id="f-installments_2_amount"[^>]*aria-invalid="true"/);
    expect(summed.text).not.toMatch(/id="f-installments_1_amount"[^>]*aria-invalid/);
    expect(textOf(summed.text)).toContain('第 3 期的金额无法识别，未计入合计');

    const before = await written();
    const sent = await people.court.post(`/cases/${c.id}/events/REACH_AGREEMENT`, typed, { csrf: fields._csrf });
    expect(sent.status).toBe(400);
    expect(sent.text).toMatch(/id="f-installments_2_amount"[^>]*aria-invalid="true"/);
    const summary = textOf(/data-testid="error"[\s\S]*?<\/div>/.exec(sent.text)![0]);
    expect(summary).toMatch(/分期第 3 期的金额\s*：/);
    expect(summary).toMatch(/[\u4e00-\u9fa5]/);
    expect(summary).not.toMatch(/installments|amount/);
    expect(await written()).toEqual(before);
  });

  it('a sum that differs from the agreed amount, and a date already past, are refused beside the rows', async () => {
    const c = await mediatingCase();
    const { fields } = await formOf(people.court, `/cases/${c.id}/events/REACH_AGREEMENT`);
    const base = { ...fields, terms: '分期还款', amount: '5000', dueDate: dateIn(60), 'installments.0.dueDate': dateIn(30), 'installments.0.amount': '3000' };
    const short = await people.court.post(`/cases/${c.id}/events/REACH_AGREEMENT`, { ...base, 'installments.1.dueDate': dateIn(60), 'installments.1.amount': '1000' }, { csrf: fields._csrf });
    expect(short.status).toBe(400);
    expect(textOf(short.text)).toContain('分期金额之和须等于协议金额');
    expect(textOf(short.text)).toContain('比协议金额少 ¥1,000.00');
    const past = await people.court.post(`/cases/${c.id}/events/REACH_AGREEMENT`, { ...base, 'installments.1.dueDate': dateIn(-3), 'installments.1.amount': '2000' }, { csrf: fields._csrf });
    expect(past.status).toBeGreaterThanOrEqual(400);
    expect(past.text).toMatch(/id="f-installments_1_dueDate"[^>]*aria-invalid="true"/);
    expect(textOf(past.text)).toContain('该日期已过');
  });

  it('rows typed with "3,000" become the API\'s installments array', async () => {
    const c = await mediatingCase();
    const { fields } = await formOf(people.court, `/cases/${c.id}/events/REACH_AGREEMENT`);
    const r = await people.court.post(
      `/cases/${c.id}/events/REACH_AGREEMENT`,
      {
        ...fields,
        terms: '分两期还款',
        amount: '5,000',
        dueDate: dateIn(60),
        'installments.0.dueDate': dateIn(30),
        'installments.0.amount': '3,000',
        'installments.1.dueDate': dateIn(60),
        'installments.1.amount': '¥2,000.50元',
        'installments.2.dueDate': '',
        'installments.2.amount': '',
      },
      { csrf: fields._csrf },
    );
    // 5,000 ≠ 5,000.50: refused; with the sum right it is taken.
    expect(r.status).toBe(400);
    const again = await people.court.post(
      `/cases/${c.id}/events/REACH_AGREEMENT`,
      { ...fields, terms: '分两期还款', amount: '5,000.50', dueDate: dateIn(60), 'installments.0.dueDate': dateIn(30), 'installments.0.amount': '3,000', 'installments.1.dueDate': dateIn(60), 'installments.1.amount': '¥2,000.50元' },
      { csrf: fields._csrf },
    );
    expect(again.status).toBe(303);
    const view = await ok(w.call(w.tokens.court, 'GET', `/api/cases/${c.id}`), 200);
    expect(view.context.agreement.installments).toEqual([
      { dueDate: dateIn(30), amount: '3000.00' },
      { dueDate: dateIn(60), amount: '2000.50' },
    ]);
  });
});

describe('§4 deputies of one name are told apart wherever they are chosen', () => {
  const tails = (text: string) => [...text.matchAll(/王丽<\/span><small>([^<]*)<\/small>/g)].map((m) => m[1]);

  it('assigning a case: station, level and phone tail beside each 王丽', async () => {
    const c = await w.openCase();
    await w.send(c.id, w.tokens.court, { type: 'ACCEPT' });
    const page = await people.court.get(`/cases/${c.id}/events/ASSIGN`);
    const notes = tails(page.text);
    expect(notes).toHaveLength(3);
    expect(notes).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^呼兰区人民法院人大代表联络站 · 区（县）人大代表 · 尾号 1111/),
        expect.stringMatching(/^呼兰区人民法院人大代表联络站 · 市人大代表 · 尾号 2222/),
        expect.stringMatching(/^双城区人民法院人大代表联络站 · 区（县）人大代表 · 尾号 3333/),
      ]),
    );
    // Only the tail: no whole phone number in the page.
    expect(page.text).not.toContain('13900001111');
  });

  it('the station\'s activity form and the admin\'s user forms tell them apart too', async () => {
    const activity = await people.station.get('/stations/HL01/activities');
    expect(tails(activity.text)).toEqual(expect.arrayContaining([expect.stringContaining('尾号 1111'), expect.stringContaining('尾号 2222')]));
    const users = await people.admin.get('/admin/users');
    const options = [...users.text.matchAll(/<option value="[^"]+"(?: selected="")?>(王丽（[^<]*）)<\/option>/g)].map((m) => m[1]);
    expect(options).toHaveLength(3);
    expect(new Set(options).size).toBe(3);
    expect(options.join('\n')).toMatch(/尾号 1111[\s\S]*尾号 2222|尾号 2222[\s\S]*尾号 1111/);
  });
});

describe('§4 retired stations and deputies', () => {
  it('a retired station is offered for no new case, deputy or user', async () => {
    const newCase = await people.court.get('/cases/new');
    expect(newCase.text).toContain('value="HL01"');
    expect(newCase.text).not.toContain('value="OLD1"');
    for (const path of ['/admin/deputies', '/admin/users']) {
      const page = await people.admin.get(path);
      expect(page.text, path).not.toContain('<option value="OLD1"');
    }
    // Filtering old cases by it is still possible: it is named, marked 已停用.
    expect((await people.court.get('/cases')).text).toContain('旧城街道代表联络站（已停用）');
  });

  it('a retired deputy is offered for no new assignment or activity, and is still named on the case, marked 已停用', async () => {
    const old = await w.openCase();
    await w.send(old.id, w.tokens.court, { type: 'ACCEPT' }, { type: 'ASSIGN', deputyIds: [w.deputies.a, retiredDeputy] });
    await ok(w.call(w.tokens.admin, 'PATCH', `/api/deputies/${retiredDeputy}`, { active: false }), 200);

    const fresh = await w.openCase();
    await w.send(fresh.id, w.tokens.court, { type: 'ACCEPT' });
    expect((await people.court.get(`/cases/${fresh.id}/events/ASSIGN`)).text).not.toContain(`value="${retiredDeputy}"`);
    expect((await people.station.get('/stations/HL01/activities')).text).not.toContain(`value="${retiredDeputy}"`);

    expect(textOf((await people.court.get(`/cases/${old.id}`)).text)).toContain('钱七（已停用）');
    // On the case's own forms the deputy is still there (they attended, they may recuse), marked.
    const attendance = await people.court.get(`/cases/${old.id}/events/RECORD_SESSION`);
    expect(attendance.text).toContain(`value="${retiredDeputy}"`);
    expect(textOf(attendance.text)).toContain('钱七（已停用）');
    // A new user cannot be linked to a retired deputy.
    const users = await people.admin.get('/admin/users');
    expect(users.text).not.toContain(`<option value="${retiredDeputy}"`);
  });
});

describe('§6 nothing typed is lost: the other forms', () => {
  async function expire(client: WebClient) {
    const cookie = client.jar.get('jf_session')!;
    await w.database.db.execute(sql`update web_sessions set expires_at = now() - interval '1 minute' where id_hash = ${hashToken(cookie)}`);
  }

  /** Signs in again through the page the expired post answered; returns the page it brings back. */
  async function signInAgain(client: WebClient, sent: { status: number; text: string }, login: string, path: string) {
    expect(sent.status).toBe(401);
    expect(textOf(sent.text)).toContain('登录已过期，请重新登录');
    expect(sent.text).not.toContain('_draft._csrf');
    expect(sent.text).not.toMatch(/_draft\.[^"]*password/i);
    const hidden = Object.fromEntries([...sent.text.matchAll(/name="(_draft\.[^"]+)" value="([^"]*)"/g)].map((m) => [m[1], m[2].replace(/&quot;/g, '"').replace(/&amp;/g, '&')]));
    const back = await client.post('/login', { ...hidden, login, password: 'own-password-1', next: path }, { csrf: csrfOf(sent.text) });
    expect(back.status).toBe(200);
    expect(back.text).toContain(`data-url="${path}"`);
    expect(textOf(back.text)).toContain('已恢复您填写的内容');
    return back;
  }

  async function fresh(role: string) {
    const client = new WebClient(w.app);
    await client.signIn(logins[role], 'own-password-1');
    return client;
  }

  it('the new-case form: the facts, every party row and the form key come back', async () => {
    const client = await fresh('court');
    const form = await client.get('/cases/new');
    const key = /name="_key" value="([^"]+)"/.exec(form.text)![1];
    await expire(client);
    const typed = {
      _key: key,
      _parties: '4',
      source: 'court_referral',
      stationCode: 'HL01',
      track: 'pre_filing',
      procedure: 'ordinary',
      disputeType: '相邻关系',
      claimAmount: '8,000',
      summary: '楼上漏水，协商三次未果',
      'parties.0.role': 'applicant',
      'parties.0.name': '赵一',
      'parties.3.role': 'respondent',
      'parties.3.name': '钱四',
    };
    const before = await written();
    const sent = await client.post('/cases/new', typed, { csrf: csrfOf(form.text), headers: ORIGIN });
    const back = await signInAgain(client, sent, logins.court, '/cases/new');
    expect(await written()).toEqual(before);
    for (const v of ['楼上漏水，协商三次未果', '相邻关系', '8,000', '赵一', '钱四']) expect(back.text).toContain(v);
    expect(back.text).toContain('name="parties.3.name"');
    expect(back.text).toContain(`name="_key" value="${key}"`);
  });

  it('the activity form of a station', async () => {
    const client = await fresh('station');
    const form = await client.get('/stations/HL01/activities');
    await expire(client);
    const sent = await client.post(
      '/stations/HL01/activities',
      { _key: 'k-activity-expired', date: dateIn(0), theme: '代表接待日', content: '接待群众五人次，涉及物业纠纷', deputyIds: [w.deputies.a], votersReceived: '5' },
      { csrf: csrfOf(form.text), headers: ORIGIN },
    );
    const back = await signInAgain(client, sent, logins.station, '/stations/HL01/activities');
    expect(back.text).toContain('接待群众五人次，涉及物业纠纷');
    expect(back.text).toMatch(new RegExp(`value="${w.deputies.a}" checked=""`));
    expect(back.text).toContain('name="_key" value="k-activity-expired"');
  });

  it('a decline sent after the session expired: back on the queue after signing in, the reason on its submission (the decline path has no page of its own)', async () => {
    const citizen = await w.app.request('http://localhost/s/HL01', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ name: '张秀英', phone: '13604517788', counterparty: '李建国', disputeType: '邻里纠纷', description: '楼上漏水两个月。', consent: 'yes', website: '' }).toString(),
    });
    expect(citizen.status).toBeLessThan(400);
    const client = await fresh('station');
    const queue = await client.get('/submissions');
    const id = /data-submission="([0-9a-f-]{36})"[^]*?张秀英/.exec(queue.text)![1];
    await expire(client);
    const reason = '不属本站受理范围，已告知来访人';
    const sent = await client.post(`/submissions/${id}/decline`, { reason }, { csrf: csrfOf(queue.text), headers: { ...ORIGIN, referer: 'http://localhost/submissions' } });
    // The sign-in leads back to the page that showed the form, not to the decline path (a 404 to GET).
    expect(sent.text).toContain('name="next" value="/submissions"');
    const back = await signInAgain(client, sent, logins.station, '/submissions');
    expect(back.text).toMatch(new RegExp(`id="s-${id}"[^]*?${reason}`));
    // The expired post declined nothing: the submission is still waiting.
    const pending = await client.get('/submissions');
    expect(pending.text).toContain(`data-submission="${id}"`);
  });

  it.each([
    ['/admin/stations', { code: 'NEW9', name: '新站点人大代表联络站', kind: 'street', district: '呼兰区', deputiesOnDuty: '王丽 每周三上午' }, ['新站点人大代表联络站', '王丽 每周三上午']],
    ['/admin/deputies', { name: '孙八', level: 'township', stationCode: 'HL01', expertise: '土地承包', phone: '13500004444' }, ['孙八', '土地承包', '13500004444']],
    ['/admin/webhooks', { url: 'https://hooks.example.cn/jiefen', events: ['ACCEPT', 'ASSIGN'] }, ['https://hooks.example.cn/jiefen', 'value="ASSIGN" checked=""']],
    ['/admin/calendar', { year: '2031', days: '2031-01-01 休 元旦' }, ['2031-01-01 休 元旦', 'value="2031"']],
  ] as const)('the admin form %s', async (path, typed, shown) => {
    const client = await fresh('admin');
    const form = await client.get(path);
    await expire(client);
    const sent = await client.post(path, typed as unknown as Record<string, string | string[]>, { csrf: csrfOf(form.text), headers: ORIGIN });
    const back = await signInAgain(client, sent, logins.admin, path);
    for (const s of shown) expect(back.text).toContain(s);
  });

  it('a new user: everything but the password, and the page says the password was not kept', async () => {
    const client = await fresh('admin');
    const form = await client.get('/admin/users');
    await expire(client);
    const sent = await client.post('/admin/users', { name: '吴书记员', role: 'court', login: 'wushuji', password: 'never-carried-9' }, { csrf: csrfOf(form.text), headers: ORIGIN });
    expect(sent.text).not.toContain('never-carried-9');
    const back = await signInAgain(client, sent, logins.admin, '/admin/users');
    expect(back.text).not.toContain('never-carried-9');
    expect(back.text).toContain('value="吴书记员"');
    expect(back.text).toContain('value="wushuji"');
    expect(textOf(back.text)).toContain('密码不会保留');
  });

  it('the import form: the choices come back, and the page says the file must be chosen again', async () => {
    const client = await fresh('admin');
    const form = await client.get('/imports');
    await expire(client);
    const body = new FormData();
    body.set('_csrf', csrfOf(form.text));
    body.set('kind', 'deputies');
    body.set('file', new File(['姓名,代表层级,所属联络站\n周九,区（县）人大代表,HL01\n'], '代表名册.csv', { type: 'text/csv' }));
    const cookie = [...client.jar].map(([k, v]) => `${k}=${v}`).join('; ');
    const res = await w.app.request('http://localhost/imports', { method: 'POST', headers: { cookie, ...ORIGIN }, body });
    const sent = { status: res.status, text: await res.text() };
    expect(textOf(sent.text)).toContain('上传的文件不能随登录保留（代表名册.csv）');
    expect(sent.text).not.toContain('周九');
    const back = await signInAgain(client, sent, logins.admin, '/imports');
    expect(back.text).toMatch(/<option value="deputies" selected="">/);
    // Unticked before the session ran out: still unticked.
    expect(back.text).not.toMatch(/name="dryRun" value="true" checked/);
    expect(textOf(back.text)).toContain('上传的文件不能随登录保留（代表名册.csv）：请重新选择文件后再提交。');
  });
});
