/**
 * Legal time on the web pages (DESIGN §11), without a browser, on both databases: each role's home
 * page leads with its to-do list, levels in words, the admin's calendar page (missing years, a
 * year entered, refusals in Chinese), and a backdated agreement offering confirmation.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createWorld, type World } from '../helpers/world.js';
import { csrfOf, signedInPeople, textOf, WebClient } from '../helpers/web.js';

const at = (local: string) => new Date(`${local}+08:00`).toISOString();
let clock = new Date(at('2026-12-03T10:00:00'));
let w: World;
const people: Record<string, WebClient> = {};

beforeAll(async () => {
  w = await createWorld({ now: () => clock });
  const users: Record<string, Record<string, unknown>> = {
    court: { name: '李书记员', role: 'court' },
    committee: { name: '周委员', role: 'committee' },
    station: { name: '刘站长', role: 'station', stationCode: 'HL01' },
    deputy: { name: '王丽', role: 'deputy', deputyId: w.deputies.a },
    admin: { name: '管理员二', role: 'admin' },
  };
  Object.assign(people, (await signedInPeople(w, 'lt', users)).people);
});
afterAll(async () => w?.close());

describe('the to-do list on each home page', () => {
  it('court, station and deputy see it atop their case list; the committee atop its dashboard; each item one click from its action', async () => {
    const waiting = await w.openCase();
    // Assigned 2026-11-06: the 30th day is 12-06 (Sunday) → ends with Monday 12-07: 4 days left on 12-03.
    clock = new Date(at('2026-11-06T10:00:00'));
    const urgent = await w.openCase();
    await w.send(urgent.id, w.tokens.court, { type: 'ACCEPT' }, { type: 'ASSIGN', deputyIds: [w.deputies.a] });
    clock = new Date(at('2026-12-03T10:00:00'));

    const court = await people.court.get('/cases');
    expect(court.status).toBe(200);
    const todo = textOf(court.text);
    expect(todo).toContain('待办事项');
    expect(court.text).toContain(`href="/cases/${waiting.id}/events/ACCEPT"`);
    expect(todo).toMatch(/临近届满[\s\S]*调解期限还剩4天/);
    // Most urgent first: the warning before the screening.
    expect(court.text.indexOf(`/cases/${urgent.id}"`)).toBeLessThan(court.text.indexOf(`/cases/${waiting.id}/events/ACCEPT`));

    const deputy = textOf((await people.deputy.get('/cases')).text);
    expect(deputy).toContain('调解期限还剩4天');
    const station = await people.station.get('/cases');
    expect(station.text).toContain(`/cases/${waiting.id}/events/ACCEPT`);
    const committee = await people.committee.get('/dashboard');
    expect(textOf(committee.text)).toContain('待办事项');
    for (const who of Object.keys(people)) expect((await people[who].get('/todo')).status).toBe(200);
    // The journal says in words why the end moved, with no raw data.
    const casePage = await people.court.get(`/cases/${urgent.id}`);
    expect(textOf(casePage.text)).toContain('2026-12-07 届满（期间最后一日 2026-12-06 为休息日，顺延）');
    expect(casePage.text).not.toContain('lastDay');
  });

  it('the case page shows the level in words and the case list filters by days left', async () => {
    const list = textOf((await people.court.get('/cases?dueWithinDays=5')).text);
    expect(list).toContain('调解期限 · 临近届满 · 剩余 4 天');
  });
});

describe("the admin's calendar page", () => {
  it("the admin's home page leads with their to-do: the year the calendar lacks, one click from its page", async () => {
    const home = await people.admin.get('/');
    expect(home.status).toBe(303);
    const page = await people.admin.get(home.location!);
    expect(page.status).toBe(200);
    expect(textOf(page.text)).toContain('待办事项');
    expect(page.text).toContain('href="/admin/calendar?year=2027"');
  });

  it('says which years are missing, takes a notice, and refuses a bad one in Chinese, writing nothing', async () => {
    const page = await people.admin.get('/admin/calendar');
    expect(page.status).toBe(200);
    expect(textOf(page.text)).toContain('以下年份尚未录入国务院节假日安排：2027');
    expect((await people.court.get('/admin/calendar')).status).toBe(403);

    const bad = await people.admin.post('/admin/calendar', { year: '2027', days: '2027-01-05 班 春节\n2027-01-01 休 元旦' }, { csrf: csrfOf(page.text) });
    expect(bad.status).toBe(400);
    expect(textOf(bad.text)).toContain('2027-01-05：2027-01-05 本是工作日：调休上班日须为周六或周日');
    const garbled = await people.admin.post('/admin/calendar', { year: '2027', days: '元旦放三天' }, { csrf: csrfOf(page.text) });
    expect(textOf(garbled.text)).toContain('第 1 行“元旦放三天”格式不对');
    expect((await w.call(w.tokens.court, 'GET', '/api/calendar?year=2027')).body.complete).toBe(false);

    const ok = await people.admin.post('/admin/calendar', { year: '2027', days: '2027-01-01 休 元旦\n2027-01-02 休 元旦\n2027-01-03 休 元旦' }, { csrf: csrfOf(page.text) });
    expect(ok.status).toBe(303);
    const after = await people.admin.get(ok.location!);
    expect(textOf(after.text)).toContain('已保存');
    expect(textOf(after.text)).toContain('当年和下一年的节假日安排均已录入');
    expect((await w.call(w.tokens.court, 'GET', '/api/calendar?year=2027')).body).toMatchObject({ complete: true, source: 'admin' });
    // Nothing left to do: the home page has no to-do list.
    expect(textOf((await people.admin.get('/admin/users')).text)).not.toContain('待办事项');
  });
});

describe('backfilled work (issue 11 item 7)', () => {
  it('a backdated agreement of 2026-05-02 offers 申请司法确认 as 补录, its form opens, and it goes through dated inside the window', async () => {
    const c = await w.openCase({ occurredAt: at('2026-04-28T09:00:00') });
    await w.send(
      c.id,
      w.tokens.court,
      { type: 'ACCEPT', occurredAt: at('2026-04-29T09:00:00') },
      { type: 'ASSIGN', deputyIds: [w.deputies.a], occurredAt: at('2026-04-29T10:00:00') },
      { type: 'REACH_AGREEMENT', terms: '一次付清', amount: '1000', dueDate: '2026-12-31', occurredAt: at('2026-05-02T10:00:00') },
    );
    const casePage = await people.court.get(`/cases/${c.id}`);
    expect(casePage.text).toContain('data-event="APPLY_CONFIRMATION" data-backdated="true"');
    const form = await people.court.get(`/cases/${c.id}/events/APPLY_CONFIRMATION`);
    expect(form.status).toBe(200);
    expect(textOf(form.text)).toContain('按今天的日期已不能办理此事项');
    expect(form.text).not.toContain('data-testid="unavailable"');
    // Sent with today's date: refused, with the reason.
    const today = await people.court.post(`/cases/${c.id}/events/APPLY_CONFIRMATION`, { _version: '4', _key: 'k-today' }, { csrf: csrfOf(form.text) });
    expect(textOf(today.text)).toContain('申请司法确认须在协议达成之日起 30 日内');
    const done = await people.court.post(`/cases/${c.id}/events/APPLY_CONFIRMATION`, { _version: '4', _key: 'k-back', occurredAt: '2026-05-20T10:00' }, { csrf: csrfOf(form.text) });
    expect(done.status).toBe(303);
    expect((await w.call(w.tokens.court, 'GET', `/api/cases/${c.id}`)).body.state).toBe('agreement.confirming');
  });
});
