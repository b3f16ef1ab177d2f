/**
 * Refusals on the forms as people read them (web audit d, items 2–5, 10, 12, 13): a limit in
 * characters and what was typed, a whole number's range, a date in words without format names,
 * a checkbox by its label, a warning that fits the event, a heading that points at the value, and
 * a body too long for one form said in characters with a way back. Runs on both databases.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createWorld, type World } from '../helpers/world.js';
import { csrfOf, signedInPeople, textOf, WebClient } from '../helpers/web.js';

let w: World;
const people: Record<string, WebClient> = {};

beforeAll(async () => {
  w = await createWorld();
  const signedIn = await signedInPeople(w, 'rw', {
    court: { name: '李书记员', role: 'court' },
    committee: { name: '周委员', role: 'committee' },
    station: { name: '刘站长', role: 'station', stationCode: 'HL01' },
    deputy: { name: '王丽', role: 'deputy', deputyId: w.deputies.a },
  });
  Object.assign(people, signedIn.people);
});
afterAll(async () => w?.close());

/** A Shanghai calendar date `days` days from today. */
const dateIn = (days: number) => new Date(Date.now() + days * 86_400_000 + 8 * 3_600_000).toISOString().slice(0, 10);

/** The hidden fields of the form at `path`, as the browser sends them back. */
async function formAt(client: WebClient, path: string) {
  const page = await client.get(path);
  expect(page.status).toBe(200);
  return {
    page: page.text,
    hidden: { _csrf: csrfOf(page.text), _version: /name="_version" value="(\d+)"/.exec(page.text)![1], _key: /name="_key" value="([^"]+)"/.exec(page.text)![1] },
  };
}

/** Sends the event form at `/cases/:id/events/:type` with `fields`, as `client` would. */
async function sendForm(client: WebClient, path: string, fields: Record<string, string | string[]>) {
  const { hidden } = await formAt(client, path);
  return client.post(path, { ...hidden, ...fields }, { csrf: hidden._csrf });
}

/** A page as text, a label and its message joined as they read ("调解地点：最多 …"). */
const said = (html: string) => textOf(html).replace(/\s*：\s*/g, '：');
/** The error box at the top of a page, as text. */
const errorBox = (html: string) => said(/<div class="error-box"[\s\S]*?<\/div>/.exec(html)?.[0] ?? '');

const active = async () => {
  const c = await w.openCase();
  await w.send(c.id, w.tokens.court, { type: 'ACCEPT' }, { type: 'ASSIGN', deputyIds: [w.deputies.a] });
  return c;
};

describe('a text or a number over its limit', () => {
  it('the citizen form: a 200-character name is "最多 50 个字（现有 200 个字）", and the input stops at 50', async () => {
    const client = new WebClient(w.app);
    const page = await client.get('/s/HL01');
    expect(page.text).toMatch(/name="name"[^>]*maxlength="50"/);
    const r = await client.post(
      '/s/HL01',
      { name: '张'.repeat(200), phone: '13604517788', counterparty: '李建国', disputeType: '邻里纠纷', description: '楼上漏水。', consent: 'yes', website: '' },
      { csrf: null },
    );
    expect(r.status).toBe(400);
    expect(said(r.text)).toContain('您的姓名：最多 50 个字（现有 200 个字）');
    expect(textOf(r.text)).not.toMatch(/期望|string|字符/);
  });

  it('安排调解: a 250-character place is "最多 200 个字（现有 250 个字）"; the form says the limit beforehand', async () => {
    const c = await active();
    const path = `/cases/${c.id}/events/SCHEDULE_SESSION`;
    const { page } = await formAt(people.deputy, path);
    expect(page).toMatch(/name="location"[^>]*maxlength="200"/);
    expect(textOf(page)).toContain('调解地点 * 最多 200 字');
    const r = await sendForm(people.deputy, path, { at: `${dateIn(3)}T09:30`, location: '联'.repeat(250) });
    expect(r.status).toBe(400);
    expect(errorBox(r.text)).toContain('调解地点：最多 200 个字（现有 250 个字）');
  });

  it('履职记录本: 99999999999 and 2.5 people are "须为 0–1000000 之间的整数"; a long theme is counted', async () => {
    const path = '/stations/HL01/activities';
    const page = await people.station.get(path);
    const key = /name="_key" value="([^"]+)"/.exec(page.text)![1];
    const base = { _key: key, date: dateIn(-1), theme: '代表接待日', content: '接待选民', votersReceived: '3' };
    for (const votersReceived of ['99999999999', '2.5']) {
      const r = await people.station.post(path, { ...base, votersReceived }, { csrf: csrfOf(page.text) });
      expect(r.status).toBe(400);
      expect(said(r.text)).toContain('接待选民人次：须为 0–1000000 之间的整数');
    }
    const long = await people.station.post(path, { ...base, theme: '题'.repeat(201) }, { csrf: csrfOf(page.text) });
    expect(textOf(long.text)).toContain('最多 200 个字（现有 201 个字）');
  });

  it('the API says the same for its fields', async () => {
    const c = await active();
    const r = await w.call(w.tokens.court, 'POST', `/api/cases/${c.id}/events`, { type: 'SCHEDULE_SESSION', at: `${dateIn(3)}T09:30:00+08:00`, location: '联'.repeat(250) });
    expect(r.status).toBe(400);
    expect(r.body.errors).toEqual([{ field: 'location', message: '最多 200 个字（现有 250 个字）' }]);
    const a = await w.call(w.tokens.stationHL, 'POST', '/api/stations/HL01/activities', { date: dateIn(-1), theme: '接待日', content: '接待', deputyIds: [], votersReceived: 2.5 });
    expect(a.status).toBe(400);
    expect(a.body.errors).toEqual([{ field: 'votersReceived', message: '须为 0–1000000 之间的整数' }]);
    const e = await w.call(w.tokens.court, 'POST', `/api/cases/${c.id}/events`, { type: 'SCHEDULE_SESSION', at: `${dateIn(3)}T09:30:00+08:00`, location: 7 });
    expect(e.body.errors).toEqual([{ field: 'location', message: '须为文本' }]);
  });
});

describe('dates', () => {
  it('a time that is none: "请填写有效的日期和时间，例如 2026-11-24 09:30"; a date: "请填写有效的日期，例如 2026-11-24"', async () => {
    const c = await active();
    const session = await sendForm(people.deputy, `/cases/${c.id}/events/SCHEDULE_SESSION`, { at: '2026-02-31T09:30', location: '联络站' });
    expect(session.status).toBe(400);
    expect(errorBox(session.text)).toContain('调解时间：请填写有效的日期和时间，例如 2026-11-24 09:30');
    const agreement = await sendForm(people.deputy, `/cases/${c.id}/events/REACH_AGREEMENT`, { terms: '一次还清', amount: '1000', dueDate: '2026-02-31' });
    expect(agreement.status).toBe(400);
    expect(errorBox(agreement.text)).toContain('履行期限：请填写有效的日期，例如 2026-11-24');
    expect(textOf(session.text + agreement.text)).not.toMatch(/ISO 8601|YYYY-MM-DD/);
  });

  it('an empty 活动日期 is 必填', async () => {
    const path = '/stations/HL01/activities';
    const page = await people.station.get(path);
    const key = /name="_key" value="([^"]+)"/.exec(page.text)![1];
    const r = await people.station.post(path, { _key: key, date: '', theme: '代表接待日', content: '接待选民', votersReceived: '3' }, { csrf: csrfOf(page.text) });
    expect(r.status).toBe(400);
    expect(said(r.text)).toContain('活动日期：必填');
  });
});

describe('confirmations by their labels', () => {
  it('记录履行: the box is labelled 确认超额; an overpayment asks to tick it, under "请检查填写的内容"', async () => {
    const c = await active();
    await w.send(c.id, w.tokens.court, { type: 'REACH_AGREEMENT', terms: '一次还清', amount: '12000', dueDate: dateIn(30) });
    const path = `/cases/${c.id}/events/RECORD_PERFORMANCE`;
    const { page } = await formAt(people.deputy, path);
    expect(textOf(page)).toContain('确认超额 本次金额确实超过尚欠金额');
    expect(textOf(page)).not.toContain('confirmOverpayment');
    const r = await sendForm(people.deputy, path, { amount: '20000' });
    expect(r.status).toBe(409);
    const box = errorBox(r.text);
    expect(box).toContain('请检查填写的内容');
    expect(box).not.toContain('当前状态不允许此操作');
    expect(box).toContain('如确属超额履行，请勾选下方“确认超额”后再提交');
    expect(box).not.toContain('confirmOverpayment');
    // The API keeps its field's name, and its 409.
    const api = await w.call(w.tokens.court, 'POST', `/api/cases/${c.id}/events`, { type: 'RECORD_PERFORMANCE', amount: '20000' });
    expect(api.status).toBe(409);
    expect(api.body.detail).toContain('（confirmOverpayment: true）');
  });

  it('撤回 without its box: the list names "我确认此操作将结案", and says why once', async () => {
    const c = await w.openCase();
    const r = await sendForm(people.court, `/cases/${c.id}/events/WITHDRAW`, { reason: '当事人撤回' });
    expect(r.status).toBe(400);
    const box = errorBox(r.text);
    expect(box).toContain('我确认此操作将结案：请勾选“我确认此操作将结案”后再提交');
    expect(box).not.toContain('_confirmClose');
    expect(box.split('请勾选').length - 1).toBe(1);
  });
});

describe('warnings and headings that fit', () => {
  it('满意度测评 warns of closing the item, not of a payment', async () => {
    const s = await w.call(w.tokens.committee, 'POST', '/api/supervisions', { kind: 'case_inquiry', subject: '专题问案', respondent: '呼兰区人民法院' });
    await w.call(w.tokens.committee, 'POST', `/api/supervisions/${s.body.id}/events`, { type: 'REQUEST_REPORT', dueDate: dateIn(10) });
    await w.call(w.tokens.court, 'POST', `/api/supervisions/${s.body.id}/events`, { type: 'SUBMIT_REPORT', content: '报告' });
    const page = textOf((await people.committee.get(`/supervisions/${s.body.id}/events/EVALUATE`)).text);
    expect(page).not.toContain('履行');
    expect(page).toContain('监督事项办结后不能撤销，也不能再办理其他事项。');
  });

  it('安排调解 before registration is a value to check, not a state', async () => {
    const c = await active();
    const r = await sendForm(people.deputy, `/cases/${c.id}/events/SCHEDULE_SESSION`, { at: '2020-01-01T09:30', location: '联络站' });
    expect(r.status).toBe(409);
    const box = errorBox(r.text);
    expect(box).toContain('请检查填写的内容');
    expect(box).toContain('调解时间不能早于案件登记时间');
  });
});

describe('long text', () => {
  it('调解笔录 takes at most 7000 characters, said beside it; 8000 get a 413 in characters with 返回修改', async () => {
    const c = await active();
    const path = `/cases/${c.id}/events/RECORD_SESSION`;
    const { page, hidden } = await formAt(people.deputy, path);
    expect(page).toMatch(/name="minutes"[^>]*maxlength="7000"/);
    expect(textOf(page)).toContain('最多 7000 字');
    const r = await people.deputy.post(path, { ...hidden, heldAt: `${dateIn(0)}T09:30`, minutes: '调'.repeat(8000) }, { csrf: hidden._csrf, headers: { referer: `http://localhost${path}` } });
    expect(r.status).toBe(413);
    const text = textOf(r.text);
    expect(text).toContain('网页表单一次最多能提交约 7000 字');
    expect(text).not.toContain('KiB');
    expect(r.text).toMatch(new RegExp(`<a href="${path}"[^>]*data-history-back[^>]*>返回修改</a>`));
  });
});
