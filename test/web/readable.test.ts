/**
 * Issue 15 §3, §5 and §6 without a browser, on both databases: which deadline ran out and by how
 * much, warning colours, no developer words (raw field names, doubled summaries, Mermaid, version
 * numbers, "nothing changed" where nothing was asked), and nothing typed lost to an expired
 * session or to someone else's change.
 */
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashToken } from '../../src/engine/directory.js';
import { shanghaiDate } from '../../src/machines/calendar.js';
import { daysAgo } from '../helpers/api.js';
import { createWorld, type World } from '../helpers/world.js';
import { csrfOf, signedInPeople, textOf, WebClient } from '../helpers/web.js';

let w: World;
const people: Record<string, WebClient> = {};
const logins: Record<string, string> = {};
const dateIn = (days: number) => shanghaiDate(new Date(Date.now() + days * 86_400_000).toISOString());
const ORIGIN = { origin: 'http://localhost' };

let firstLoginPage = '';

beforeAll(async () => {
  w = await createWorld();
  // Before any administrator has a password of their own, the sign-in page says where the first one is.
  firstLoginPage = (await new WebClient(w.app).get('/login')).text;
  const signedIn = await signedInPeople(w, 'r', {
    court: { name: '李书记员', role: 'court' },
    committee: { name: '周委员', role: 'committee' },
    deputy: { name: '王丽', role: 'deputy', deputyId: w.deputies.a },
    admin: { name: '管理员二', role: 'admin' },
  });
  Object.assign(people, signedIn.people);
  Object.assign(logins, signedIn.logins);
});
afterAll(async () => w?.close());

const ok = async (p: Promise<{ status: number; body: any }>, status = 201) => {
  const r = await p;
  expect({ status: r.status, body: r.body }).toMatchObject({ status });
  return r.body;
};
const sweep = () => ok(w.call(w.tokens.admin, 'POST', '/api/admin/sweep'), 200);

/** A case whose agreement's performance date ran out `days` days ago, at `stationCode`: swept into 未按期履行. */
async function defaultedCase(stationCode: string, days: number) {
  const c = await w.openCase({ stationCode, occurredAt: daysAgo(days + 20) });
  const deputy = stationCode === 'HL01' ? w.deputies.a : w.deputies.other;
  await w.send(
    c.id,
    w.tokens.court,
    { type: 'ACCEPT', occurredAt: daysAgo(days + 19) },
    { type: 'ASSIGN', deputyIds: [deputy], occurredAt: daysAgo(days + 18) },
    { type: 'REACH_AGREEMENT', terms: '分期归还', amount: '3000', dueDate: dateIn(-days), occurredAt: daysAgo(days + 15) },
  );
  await sweep();
  const now = await ok(w.call(w.tokens.court, 'GET', `/api/cases/${c.id}`), 200);
  expect(now).toMatchObject({ state: 'agreement.defaulted', overdue: true });
  return now;
}

describe('§3 readable state and overdue', () => {
  it('the court sees report deadlines, and a late report says which deadline ran out and by how many days', async () => {
    const running = await ok(w.call(w.tokens.committee, 'POST', '/api/supervisions', { kind: 'case_inquiry', subject: '按期报告的事项', respondent: '呼兰区人民法院' }));
    await ok(w.call(w.tokens.committee, 'POST', `/api/supervisions/${running.id}/events`, { type: 'REQUEST_REPORT', dueDate: dateIn(20) }), 200);
    const late = await ok(
      w.call(w.tokens.committee, 'POST', '/api/supervisions', { kind: 'case_inquiry', subject: '逾期报告的事项', respondent: '呼兰区人民法院', occurredAt: daysAgo(30) }),
    );
    await ok(w.call(w.tokens.committee, 'POST', `/api/supervisions/${late.id}/events`, { type: 'REQUEST_REPORT', dueDate: dateIn(-10), occurredAt: daysAgo(29) }), 200);
    await sweep();

    const list = await people.court.get('/supervisions');
    expect(list.status).toBe(200);
    const row = (number: string) => textOf(new RegExp(`<tr[^>]*data-supervision="${number}"[\\s\\S]*?</tr>`).exec(list.text)![0]);
    expect(row(running.number)).toMatch(/报告期限 · 剩余 (19|20) 天/);
    expect(row(running.number)).not.toContain('超期');
    expect(row(late.number)).toMatch(/超期[\s\S]*报告期限 · 已逾期 · 已届满 10 天/);

    const page = textOf((await people.court.get(`/supervisions/${late.id}`)).text);
    expect(page).toMatch(/报告期限 · 已逾期 · 已届满 10 天/);
    expect(page).not.toContain('当前没有计算中的期限');
    // The system's own entry names it once.
    expect(page).toContain('办理人：系统（期限）');
    expect(page).not.toContain('（系统（期限））');
  });

  it('未按期履行 is a warning colour; the dashboard says which deadline ran out, by how much, and obeys its filters', async () => {
    const hl = await defaultedCase('HL01', 6);
    const sc = await defaultedCase('SC01', 4);
    const all = await people.committee.get('/dashboard');
    const overdue = (html: string) => textOf(/data-testid="overdue-cases"[\s\S]*?<\/table>/.exec(html)?.[0] ?? '');
    expect(overdue(all.text)).toContain(hl.number);
    expect(overdue(all.text)).toContain(sc.number);
    expect(overdue(all.text)).toMatch(new RegExp(`${sc.number}[\\s\\S]*?未按期履行[\\s\\S]*?超期[\\s\\S]*?履行期限 · 已逾期 · 已届满 4 天`));
    expect(all.text).toMatch(/class="badge state state-agreement state-warn" data-state="agreement.defaulted"/);

    const sc01 = await people.committee.get('/dashboard?stationCode=SC01');
    expect(overdue(sc01.text)).toContain(sc.number);
    expect(overdue(sc01.text)).not.toContain(hl.number);
    const district = await people.committee.get(`/dashboard?district=${encodeURIComponent('呼兰区')}`);
    expect(overdue(district.text)).toContain(hl.number);
    expect(overdue(district.text)).not.toContain(sc.number);
    // Opened before the period: not in it.
    const later = await people.committee.get(`/dashboard?from=${dateIn(-1)}`);
    expect(overdue(later.text)).not.toContain(hl.number);
  });
});

describe('§5 no developer words', () => {
  it('the sign-in page speaks of the console only until an administrator has their own password', async () => {
    expect(textOf(firstLoginPage)).toContain('控制台');
    expect(textOf((await new WebClient(w.app).get('/login')).text)).not.toContain('控制台');
  });

  it('a password mismatch is named by its label, and the summary is said once', async () => {
    const r = await people.court.post('/password', { currentPassword: 'own-password-1', newPassword: 'another-pass-1', confirmPassword: 'another-pass-2' });
    expect(r.status).toBe(400);
    const box = textOf(/data-testid="error"[\s\S]*?<\/div>/.exec(r.text)![0]);
    expect(box).not.toContain('confirmPassword');
    expect(box).toMatch(/再次输入新密码\s*：/);
    expect(box.match(/请修改下列标出的内容后重新提交/g)).toHaveLength(1);
  });

  it('a bad dashboard date and an unknown case number are named in Chinese', async () => {
    const d = textOf((await people.committee.get('/dashboard?to=2026-13-45')).text);
    expect(d).toContain('结束日期：');
    expect(d).not.toMatch(/\bto：/);
    const form = await people.committee.get('/supervisions/new');
    const r = await people.committee.post(
      '/supervisions/new',
      { _key: /name="_key" value="([^"]+)"/.exec(form.text)![1], kind: 'case_inquiry', subject: '专题问案', respondent: '呼兰区人民法院', caseNumbers: '2026-XX01-999999' },
      { csrf: csrfOf(form.text) },
    );
    expect(r.status).toBe(400);
    const box = textOf(/data-testid="error"[\s\S]*?<\/div>/.exec(r.text)![0]);
    expect(box).not.toContain('caseNumbers');
    expect(box).toMatch(/关联案件\s*：/);
  });

  it('the Mermaid source and state paths only in the developer view', async () => {
    const item = await ok(w.call(w.tokens.committee, 'POST', '/api/supervisions', { kind: 'case_inquiry', subject: '图示', respondent: '呼兰区人民法院' }));
    const page = await people.committee.get(`/supervisions/${item.id}`);
    expect(page.text).not.toContain('Mermaid');
    expect(page.text).not.toContain('stateDiagram');
    expect(page.text).not.toMatch(/title="[^"]*awaitingReport/);
    const dev = await people.committee.get(`/supervisions/${item.id}?view=developer`);
    expect(dev.text).toContain('stateDiagram');
  });

  it('"未作任何更改" only where a change was asked for', async () => {
    const c = await w.openCase({ stationCode: 'SC01' });
    const read = await people.deputy.get(`/cases/${c.id}`);
    expect(read.status).toBe(403);
    expect(textOf(read.text)).toContain('无权查看该案件');
    expect(textOf(read.text)).not.toContain('未作任何更改');
    const csrf = csrfOf((await people.deputy.get('/password')).text);
    const write = await people.deputy.post(`/cases/${c.id}/events/ACCEPT`, { _version: '1' }, { csrf });
    expect(write.status).toBe(403);
    expect(textOf(write.text)).toContain('未作任何更改');
  });

  it('a form someone else overtook says so in words, shows what changed, keeps the text, and takes a second submit', async () => {
    const item = await ok(w.call(w.tokens.committee, 'POST', '/api/supervisions', { kind: 'case_inquiry', subject: '并发', respondent: '呼兰区人民法院', occurredAt: daysAgo(30) }));
    await ok(w.call(w.tokens.committee, 'POST', `/api/supervisions/${item.id}/events`, { type: 'REQUEST_REPORT', dueDate: dateIn(-3), occurredAt: daysAgo(29) }), 200);
    const path = `/supervisions/${item.id}/events/SUBMIT_REPORT`;
    const form = await people.court.get(path);
    const fields = { _key: /name="_key" value="([^"]+)"/.exec(form.text)![1], _version: /name="_version" value="(\d+)"/.exec(form.text)![1] };
    // Meanwhile the report is marked late (the item stays awaiting it).
    await sweep();
    const other = await ok(w.call(w.tokens.court, 'GET', `/api/supervisions/${item.id}`), 200);
    expect(other.version).toBe(Number(fields._version) + 1);
    const r = await people.court.post(path, { ...fields, content: '关于执行情况的书面报告（第一稿）' }, { csrf: csrfOf(form.text) });
    expect(r.status).toBe(412);
    const text = textOf(r.text);
    expect(text).toContain('记录已被他人更新');
    expect(text).toContain('他人已办理了 1 项操作');
    expect(text).not.toMatch(/版本 \d/);
    expect(textOf(/data-testid="changes"[\s\S]*?<\/ol>/.exec(r.text)![0])).toMatch(/报告逾期[\s\S]*办理人：系统（期限）/);
    expect(r.text).toContain('关于执行情况的书面报告（第一稿）');
    expect(r.text).toContain(`name="_version" value="${other.version}"`);
    // Having seen the change, the clerk sends the same form again: it is taken.
    const again = await people.court.post(path, { ...fields, _version: String(other.version), content: '关于执行情况的书面报告（第一稿）' }, { csrf: csrfOf(r.text) });
    expect(again.status).toBe(303);
    expect((await ok(w.call(w.tokens.court, 'GET', `/api/supervisions/${item.id}`), 200)).state).toBe('reviewing');
  });
});

describe('§6 nothing typed is lost', () => {
  async function expire(client: WebClient) {
    // The session runs out on the server while the form is open.
    const cookie = client.jar.get('jf_session')!;
    expect(cookie).toBeTruthy();
    await w.database.db.execute(sql`update web_sessions set expires_at = now() - interval '1 minute' where id_hash = ${hashToken(cookie)}`);
  }

  it('a form sent after the session expired: 登录已过期, and after signing in the form again with what was typed', async () => {
    const client = new WebClient(w.app);
    await client.signIn(logins.committee, 'own-password-1');
    const form = await client.get('/supervisions/new');
    const key = /name="_key" value="([^"]+)"/.exec(form.text)![1];
    await expire(client);
    const subject = '关于张三（230102199001011234）执行案件的专题问案';
    const sent = await client.post(
      '/supervisions/new',
      { _key: key, kind: 'enforcement_review', subject, respondent: '呼兰区人民法院', caseNumbers: '' },
      { csrf: csrfOf(form.text), headers: ORIGIN },
    );
    expect(sent.status).toBe(401);
    expect(sent.location).toBeNull();
    expect(textOf(sent.text)).toContain('登录已过期，请重新登录');
    expect(sent.text).toContain(`name="_draft.subject" value="${subject}"`);
    expect(sent.text).toContain('name="next" value="/supervisions/new"');
    expect(sent.text).not.toContain('_draft._csrf');
    expect((await w.call(w.tokens.committee, 'GET', '/api/supervisions?limit=200')).body.items.map((i: any) => i.subject)).not.toContain(subject);

    // A wrong password first: the text is still carried.
    const hidden = Object.fromEntries([...sent.text.matchAll(/name="(_draft\.[^"]+)" value="([^"]*)"/g)].map((m) => [m[1], m[2].replace(/&quot;/g, '"').replace(/&amp;/g, '&')]));
    const wrong = await client.post('/login', { ...hidden, login: logins.committee, password: 'not-it', next: '/supervisions/new' }, { csrf: csrfOf(sent.text) });
    expect(wrong.status).toBe(401);
    expect(wrong.text).toContain(`name="_draft.subject" value="${subject}"`);

    const back = await client.post('/login', { ...hidden, login: logins.committee, password: 'own-password-1', next: '/supervisions/new' }, { csrf: csrfOf(wrong.text) });
    expect(back.status).toBe(200);
    expect(back.location).toBeNull();
    expect(back.text).toContain('data-url="/supervisions/new"');
    expect(textOf(back.text)).toContain('已恢复您填写的内容');
    expect(back.text).toContain(`value="${subject}"`);
    expect(back.text).toMatch(/<option value="enforcement_review" selected="">/);
    expect(back.text).toContain(`name="_key" value="${key}"`);
    // Signed in: the restored form is sent as it is.
    const done = await client.post('/supervisions/new', { _key: key, kind: 'enforcement_review', subject, respondent: '呼兰区人民法院', caseNumbers: '' }, { csrf: csrfOf(back.text) });
    expect(done.status).toBe(303);
    expect(done.location).toMatch(/^\/supervisions\/[0-9a-f-]{36}\?ok=created$/);
  });

  it('an expired event form comes back pinned to the version seen, and passwords are never carried', async () => {
    const item = await ok(w.call(w.tokens.committee, 'POST', '/api/supervisions', { kind: 'case_inquiry', subject: '过期表单', respondent: '呼兰区人民法院' }));
    await ok(w.call(w.tokens.committee, 'POST', `/api/supervisions/${item.id}/events`, { type: 'REQUEST_REPORT', dueDate: dateIn(20) }), 200);
    const client = new WebClient(w.app);
    await client.signIn(logins.court, 'own-password-1');
    const path = `/supervisions/${item.id}/events/SUBMIT_REPORT`;
    const form = await client.get(path);
    const version = /name="_version" value="(\d+)"/.exec(form.text)![1];
    await expire(client);
    const sent = await client.post(path, { _version: version, _key: 'k-expired-form-1', content: '报告正文' }, { csrf: csrfOf(form.text), headers: ORIGIN });
    expect(sent.status).toBe(401);
    const back = await client.post(
      '/login',
      { '_draft._version': version, '_draft._key': 'k-expired-form-1', '_draft.content': '报告正文', login: logins.court, password: 'own-password-1', next: path },
      { csrf: csrfOf(sent.text) },
    );
    expect(back.status).toBe(200);
    expect(back.text).toContain('报告正文');
    expect(back.text).toContain(`name="_version" value="${version}"`);
    expect(back.text).toContain('name="_key" value="k-expired-form-1"');

    // A password form: the page says the session expired, and no password is written into it.
    await expire(client);
    const pw = await client.post('/password', { currentPassword: 'own-password-1', newPassword: 'secret-new-1', confirmPassword: 'secret-new-1' }, { csrf: csrfOf(back.text), headers: ORIGIN });
    expect(pw.status).toBe(401);
    expect(pw.text).not.toContain('secret-new-1');
    expect(pw.text).not.toContain('own-password-1');
  });

  it('a cross-site post without a session carries nothing into the sign-in page', async () => {
    const r = await new WebClient(w.app).post('/supervisions/new', { subject: '伪造' }, { csrf: 'x', headers: { origin: 'https://evil.example' } });
    expect(r.status).toBe(303);
    expect(r.location).toBe('/login');
  });

  it('after an event the success words and the new entry head the timeline', async () => {
    const item = await ok(w.call(w.tokens.committee, 'POST', '/api/supervisions', { kind: 'case_inquiry', subject: '成功提示', respondent: '呼兰区人民法院' }));
    const path = `/supervisions/${item.id}/events/REQUEST_REPORT`;
    const form = await people.committee.get(path);
    const r = await people.committee.post(
      path,
      { _key: /name="_key" value="([^"]+)"/.exec(form.text)![1], _version: /name="_version" value="(\d+)"/.exec(form.text)![1], dueDate: dateIn(14), note: '请书面报告' },
      { csrf: csrfOf(form.text) },
    );
    expect(r.status).toBe(303);
    expect(r.location).toBe(`/supervisions/${item.id}?ok=ev.REQUEST_REPORT#timeline`);
    const page = await people.committee.get(r.location!.replace(/#.*/, ''));
    const section = /<section class="card" id="timeline">[\s\S]*?<ol class="timeline" data-testid="timeline">/.exec(page.text)![0];
    // In the timeline section, before the (oldest-first) list: the message, then the entry itself.
    expect(textOf(section)).toMatch(/已办理「要求报告」。[\s\S]*新增的记录[\s\S]*#2 要求报告[\s\S]*请书面报告/);
    expect(section).toContain('href="#ev-2"');
    expect(page.text).toContain('id="ev-2"');
  });
});

describe('§5 times in refusals', () => {
  it('an instant inside a refusal reads as Beijing time, whichever way it was written', async () => {
    const { sayField } = await import('../../src/web/wording.js');
    for (const notBefore of ['2026-12-03T04:00:00Z', '2026-12-03 04:00:00.123+00', '2026-12-03T12:00:00+08:00']) {
      expect(sayField({ field: 'occurredAt', reason: 'field.occurred_before_previous', params: { notBefore } })).toBe('发生时间不能早于上一事件的发生时间（2026-12-03 12:00）');
    }
    expect(sayField({ field: 'x', reason: 'field.schema', params: { message: '须晚于 2026-12-03T04:00:00.000Z' } })).toBe('须晚于 2026-12-03 12:00');
  });
});
