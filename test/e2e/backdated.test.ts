/**
 * Backfilled work in a real browser (issue 11, DESIGN §11): a court clerk enters a case whose
 * mediation happened offline months ago — registered in April 2026, agreement reached on
 * 2026-05-02 — and then applies for and records judicial confirmation through the pages. What an
 * event may do is judged at its `occurredAt`, so the page must offer every event the backdated
 * history allows (marked （补录）), and a refusal must give the real reason in Chinese.
 */
import type { AddressInfo } from 'node:net';
import { serve, type ServerType } from '@hono/node-server';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../src/app.js';
import { stores } from '../../src/engine/registry.js';
import { BACKFILL_GRACE_MS, sweep } from '../../src/engine/sweeper.js';
import { authenticate, changeOwnPassword, createDeputy, createStation, createUser } from '../../src/engine/directory.js';
import type { Actor } from '../../src/machines/roles.js';
import { freshDatabase, type TestDatabase } from '../helpers/db.js';

let database: TestDatabase;
let server: ServerType;
let origin: string;
let browser: Browser;
let clerk: Page;
let deputyId = '';
let caseId = '';
const external: string[] = [];
const ADMIN_ACTOR: Actor = { id: '00000000-0000-4000-8000-00000000000a', role: 'admin', name: '管理员' };

beforeAll(async () => {
  database = await freshDatabase();
  const db = database.db;
  await createStation(db, ADMIN_ACTOR, { code: 'HL01', name: '呼兰区人民法院人大代表联络站', kind: 'court', district: '呼兰区' });
  deputyId = (await createDeputy(db, ADMIN_ACTOR, { name: '王丽', level: 'county', stationCode: 'HL01', expertise: ['民间借贷'] })).id;
  const made = await createUser(db, ADMIN_ACTOR, { name: '李书记员', role: 'court', login: 'lishuji', password: 'temporary-pass' });
  await changeOwnPassword(db, await authenticate(db, made.token), { currentPassword: 'temporary-pass', newPassword: 'Clerk-own-2026' });
  const app = createApp({ db, log: (msg, extra) => console.error(msg, extra) });
  server = await new Promise<ServerType>((resolve) => {
    const s = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, () => resolve(s));
  });
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--lang=zh-CN'],
    env: { ...process.env, LANG: 'zh_CN.UTF-8', LANGUAGE: 'zh_CN:zh' },
  });
  const context = await browser.newContext({ viewport: { width: 1360, height: 900 }, locale: 'zh-CN', timezoneId: 'Asia/Shanghai' });
  context.on('request', (r) => {
    const url = r.url();
    if (!url.startsWith(origin) && !url.startsWith('data:') && !url.startsWith('about:')) external.push(url);
  });
  clerk = await context.newPage();
  clerk.setDefaultTimeout(15_000);
}, 120_000);

afterAll(async () => {
  await browser?.close();
  if (server) await new Promise((r) => server.close(r));
  await database?.destroy();
});

const stateWords = (page: Page) => page.textContent('[data-testid=state-words]');
const timelineLength = (page: Page) => page.locator('[data-testid=timeline] > li').count();
const buttons = (page: Page) =>
  page.locator('[data-testid=actions] a').evaluateAll((as) => as.map((a) => `${a.getAttribute('data-event')}${a.getAttribute('data-backdated') ? '（补录）' : ''}`));

/** Open the form of an event from the case page and fill in when it really happened. */
async function openDated(page: Page, button: string, when: string) {
  await page.click(`[data-testid=actions] a${button}`);
  await page.waitForSelector('form.event-form');
  await page.$eval('form.event-form details.backfill', (d) => d.setAttribute('open', ''));
  await page.fill('#f-occurredAt', when);
}

/** Submit the event form; then a pass of the server's sweeper runs, as it would between two entries. */
async function submit(page: Page) {
  await Promise.all([page.waitForLoadState('load'), page.click('form.event-form button[type=submit]')]);
  await sweep({ db: database.db }, stores, { backfillGraceMs: BACKFILL_GRACE_MS });
}

describe.sequential('a backdated case driven through confirmation in Chromium', () => {
  it('the clerk registers the case with its real date and backfills acceptance, assignment and the agreement', async () => {
    await clerk.goto(`${origin}/login`);
    await clerk.fill('#f-login', 'lishuji');
    await clerk.fill('#f-password', 'Clerk-own-2026');
    await Promise.all([clerk.waitForLoadState('load'), clerk.click('form[action="/login"] button[type=submit]')]);

    await clerk.goto(`${origin}/cases/new`);
    await clerk.selectOption('#f-stationCode', 'HL01');
    await clerk.selectOption('#f-track', 'pre_filing');
    await clerk.fill('#f-disputeType', '民间借贷');
    await clerk.fill('#f-summary', '申请人张三借给被申请人李四一万元，到期未还；2026年4月在联络站线下调解。');
    await clerk.fill('#f-parties_0_name', '张三');
    await clerk.fill('#f-parties_1_name', '李四');
    await clerk.$eval('form.new-case details.backfill', (d) => d.setAttribute('open', ''));
    await clerk.fill('#f-occurredAt', '2026-04-01T09:00');
    await Promise.all([clerk.waitForURL(/\/cases\/[0-9a-f-]{36}\?ok=created$/), clerk.click('form.new-case button[type=submit].primary')]);
    caseId = /\/cases\/([0-9a-f-]{36})/.exec(clerk.url())![1];
    await expect(stateWords(clerk)).resolves.toContain('登记待审查');

    await openDated(clerk, '[data-event=ACCEPT]', '2026-04-02T10:00');
    await submit(clerk);
    await expect(stateWords(clerk)).resolves.toContain('待指派调解');

    await openDated(clerk, '[data-event=ASSIGN]', '2026-04-03T10:00');
    await clerk.check(`input[name=deputyIds][value="${deputyId}"]`);
    await submit(clerk);
    await expect(stateWords(clerk)).resolves.toContain('调解中');

    // The mediation period started on 2026-04-03 ended in May, long before today; the sweeper
    // that ran since has not closed the case under the clerk, who is still entering its history.
    await clerk.reload();
    await expect(stateWords(clerk)).resolves.toContain('调解中');
    expect((await buttons(clerk)).some((b) => b.startsWith('REACH_AGREEMENT'))).toBe(true);
    await openDated(clerk, '[data-event^=REACH_AGREEMENT]', '2026-05-02T15:00');
    await clerk.fill('#f-terms', '李四于2026年12月31日前归还张三借款 10000 元。');
    await clerk.fill('#f-amount', '10000');
    await clerk.fill('#f-dueDate', '2026-12-31');
    await submit(clerk);
    await expect(stateWords(clerk)).resolves.toContain('协议履行中');
  });

  it('judicial confirmation is offered as the history allows; a late date is refused with the real reason', async () => {
    // 30 days from 2026-05-02 have passed by today, but not at the last recorded event: offered as （补录）.
    const offered = await buttons(clerk);
    expect(offered).toContain('APPLY_CONFIRMATION（补录）');
    expect(offered).not.toContain('APPLY_CONFIRMATION');

    // The direct link opens the form too, saying why it needs the real date.
    await clerk.goto(`${origin}/cases/${caseId}/events/APPLY_CONFIRMATION`);
    await expect(clerk.textContent('[data-testid=backdated-only]')).resolves.toContain('补录');
    expect(await clerk.locator('[data-testid=unavailable]').count()).toBe(0);

    // Dated after the window closed (2026-06-01 is the 30th day; 06-15 is past it): refused, with the window as reason.
    await clerk.goto(`${origin}/cases/${caseId}`);
    const before = await timelineLength(clerk);
    await openDated(clerk, '[data-event=APPLY_CONFIRMATION]', '2026-06-15T10:00');
    await submit(clerk);
    const error = (await clerk.textContent('[data-testid=error]'))!;
    expect(error).toMatch(/司法确认/);
    expect(error).toMatch(/30\s*日|30\s*天/);
    expect(error).not.toMatch(/无权|角色|权限/);
    expect(error).not.toMatch(/[A-Z_]{6,}/); // no raw event or guard names
    await clerk.goto(`${origin}/cases/${caseId}`);
    expect(await timelineLength(clerk)).toBe(before);
    await expect(stateWords(clerk)).resolves.toContain('协议履行中');

    // Dated inside the window: applied.
    await openDated(clerk, '[data-event=APPLY_CONFIRMATION]', '2026-05-20T10:00');
    await submit(clerk);
    await expect(stateWords(clerk)).resolves.toContain('司法确认');
    expect(await timelineLength(clerk)).toBe(before + 1);
  });

  it('the clerk records the confirmation ruling, backdated, and the case is enforceable', async () => {
    const offered = await buttons(clerk);
    expect(offered).toEqual(expect.arrayContaining([expect.stringMatching(/^CONFIRM/), expect.stringMatching(/^DENY_CONFIRMATION/)]));
    await openDated(clerk, '[data-event^=CONFIRM]', '2026-05-28T10:00');
    await clerk.fill('#f-rulingNumber', '（2026）黑0111民特12号');
    await submit(clerk);
    await expect(stateWords(clerk)).resolves.toContain('协议履行中');
    await expect(clerk.textContent('[data-testid=timeline]')).resolves.toMatch(/司法确认[\s\S]*（2026）黑0111民特12号/);
    const timeline = (await clerk.textContent('[data-testid=timeline]'))!;
    expect(timeline).toContain('2026-05-28');
    expect(timeline).toContain('补录');
    // A date before the last recorded event is refused in Chinese, nothing written.
    const before = await timelineLength(clerk);
    await openDated(clerk, '[data-event^=RECORD_PERFORMANCE]', '2026-05-10T10:00');
    await clerk.fill('#f-amount', '100');
    await submit(clerk);
    await expect(clerk.textContent('[data-testid=error]')).resolves.toMatch(/[\u4e00-\u9fa5]/);
    await clerk.goto(`${origin}/cases/${caseId}`);
    expect(await timelineLength(clerk)).toBe(before);
  });

  it('no request left the machine', () => {
    expect(external).toEqual([]);
  });
});
