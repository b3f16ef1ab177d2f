/**
 * Issue 15 §3, §5, §6 in Debian's Chromium: a clerk whose session runs out while typing keeps the
 * text; a saved event shows its success words and its new entry where the page lands; overdue
 * cases say which deadline ran out; no developer words on the case page. Screenshots go to
 * screenshots/ (15-…).
 */
import { sql } from 'drizzle-orm';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Db } from '../../src/db/client.js';
import { applyEvent, createEntity } from '../../src/engine/apply.js';
import { createDeputy, createStation } from '../../src/engine/directory.js';
import { stores } from '../../src/engine/registry.js';
import { caseStore } from '../../src/engine/stores.js';
import { sweep } from '../../src/engine/sweeper.js';
import { shanghaiDate } from '../../src/machines/calendar.js';
import { ADMIN_ACTOR as ADMIN, browserFixture, person, SHOTS, type BrowserFixture } from '../helpers/browser.js';

const daysAgo = (d: number) => new Date(Date.now() - d * 86_400_000).toISOString();
const dateIn = (d: number) => shanghaiDate(new Date(Date.now() + d * 86_400_000).toISOString());

let fx: BrowserFixture;
let origin: string;
let caseId = '';
let defaultedId = '';
let defaultedNumber = '';

async function seed(db: Db) {
  await createStation(db, ADMIN, { code: 'HL01', name: '呼兰区人民法院人大代表联络站', kind: 'court', district: '呼兰区' });
  const wang = (await createDeputy(db, ADMIN, { name: '王丽', level: 'county', stationCode: 'HL01' })).id;
  const court = await person(db, '李书记员', 'court', 'lishuji');
  await person(db, '周委员', 'committee', 'zhouwy');
  const render = { render: (w: { row: { id: string; number: string } }) => ({ body: { id: w.row.id, number: w.row.number } }) };
  const parties = [
    { role: 'applicant', name: '张三', idNumber: '230102199001011234', phone: '13812345678' },
    { role: 'respondent', name: '李四' },
  ];
  // A case in mediation, for the clerk's form.
  const open = (await createEntity({ db }, caseStore, court, { track: 'pre_filing', source: 'court_referral', stationCode: 'HL01', disputeType: '民间借贷', summary: '借款两万元到期未还', parties }, render)).body as { id: string };
  caseId = open.id;
  await applyEvent({ db }, caseStore, court, caseId, { type: 'ACCEPT' }, render);
  await applyEvent({ db }, caseStore, court, caseId, { type: 'ASSIGN', deputyIds: [wang] }, render);
  for (let i = 1; i <= 8; i++) {
    await applyEvent({ db }, caseStore, court, caseId, { type: 'SCHEDULE_SESSION', at: new Date(Date.now() + i * 86_400_000).toISOString(), location: `第 ${i} 调解室` }, render);
  }
  // A case whose performance date ran out 6 days ago: 未按期履行.
  const late = (await createEntity({ db }, caseStore, court, { track: 'pre_filing', source: 'court_referral', stationCode: 'HL01', disputeType: '买卖合同', summary: '货款未付', parties, occurredAt: daysAgo(30) }, render)).body as { id: string; number: string };
  defaultedId = late.id;
  defaultedNumber = late.number;
  await applyEvent({ db }, caseStore, court, late.id, { type: 'ACCEPT', occurredAt: daysAgo(29) }, render);
  await applyEvent({ db }, caseStore, court, late.id, { type: 'ASSIGN', deputyIds: [wang], occurredAt: daysAgo(28) }, render);
  await applyEvent({ db }, caseStore, court, late.id, { type: 'REACH_AGREEMENT', terms: '一次付清', amount: '3000', dueDate: dateIn(-6), occurredAt: daysAgo(20) }, render);
  await sweep({ db }, stores);
}

beforeAll(async () => {
  fx = await browserFixture(seed);
  origin = fx.origin;
}, 120_000);

afterAll(async () => fx?.close());

const newPage = () => fx.newPage();
const signIn = (page: Page, login: string) => fx.signIn(page, login);

/** Whether an element is inside the viewport as the page stands (no scrolling). */
const onScreen = (page: Page, selector: string) =>
  page.$eval(selector, (el) => {
    const r = el.getBoundingClientRect();
    return r.top >= 0 && r.bottom <= (globalThis as any).innerHeight;
  });



describe.sequential('issue 15 in Chromium', () => {
  it('a session that ran out while typing: 登录已过期, sign in, the form is back with the text; saved, the success and the new entry are on screen', async () => {
    const page = await newPage();
    await signIn(page, 'lishuji');
    await page.goto(`${origin}/cases/${caseId}/events/RECORD_SESSION`);
    const minutes = '双方到场。被申请人承认借款，同意分两期归还；申请人同意放弃利息。';
    await page.fill('#f-minutes', minutes);
    // The session ends on the server while the clerk types.
    await fx.database.db.execute(sql`update web_sessions set expires_at = now() - interval '1 minute'`);
    await Promise.all([page.waitForLoadState('load'), page.click('form.event-form button[type=submit]')]);
    await expect(page.textContent('[data-testid=expired]')).resolves.toContain('登录已过期，请重新登录');
    expect(page.url()).toBe(`${origin}/cases/${caseId}/events/RECORD_SESSION`);
    await page.screenshot({ path: `${SHOTS}15a-session-expired-sign-in.png`, fullPage: true });

    await page.fill('#f-login', 'lishuji');
    await page.fill('#f-password', 'lishuji-pass-2026');
    await Promise.all([page.waitForLoadState('load'), page.click('form[action="/login"] button[type=submit]')]);
    await page.waitForFunction((path) => (globalThis as any).location.pathname === path, `/cases/${caseId}/events/RECORD_SESSION`);
    await expect(page.inputValue('#f-minutes')).resolves.toBe(minutes);
    await expect(page.textContent('[data-testid=restored]')).resolves.toContain('已恢复您填写的内容');
    // Nothing typed went into an address.
    expect(page.url()).not.toContain(encodeURIComponent('双方'));
    await page.screenshot({ path: `${SHOTS}15b-form-restored-after-sign-in.png`, fullPage: true });

    await Promise.all([page.waitForURL(/#timeline$/), page.click('form.event-form button[type=submit]')]);
    await expect(page.textContent('[data-testid=just-done]')).resolves.toMatch(/已办理「记录调解」[\s\S]*新增的记录[\s\S]*双方到场/);
    expect(await onScreen(page, '[data-testid=just-done] .flash')).toBe(true);
    expect(await onScreen(page, '[data-testid=new-entry] .tl-item')).toBe(true);
    await page.screenshot({ path: `${SHOTS}15c-event-saved-banner.png` });
  });

  it('an overdue case says which deadline ran out and by how many days, in a warning colour, without developer words', async () => {
    const page = await newPage();
    await signIn(page, 'lishuji');
    await page.goto(`${origin}/cases`);
    const row = page.locator(`tr[data-case="${defaultedNumber}"]`);
    await expect(row.textContent()).resolves.toMatch(/未按期履行[\s\S]*超期[\s\S]*履行期限 · 已逾期 · 已届满 6 天/);
    const colour = await row.locator('.badge.state').evaluate((el) => (globalThis as any).getComputedStyle(el).color);
    const healthy = await page.evaluate(() => {
      const g = globalThis as any;
      const probe = g.document.createElement('span');
      probe.className = 'badge state state-agreement';
      g.document.body.append(probe);
      return g.getComputedStyle(probe).color;
    });
    expect(colour).not.toBe(healthy);
    // A date never breaks across two lines.
    const heights = await page.locator('[data-testid=case-list] td.nowrap').evaluateAll((tds) => tds.map((td) => td.getClientRects()[0].height));
    const lineHeight = await page.locator('[data-testid=case-list] td').first().evaluate((td) => parseFloat((globalThis as any).getComputedStyle(td).lineHeight) || 24);
    for (const h of heights) expect(h).toBeLessThan(lineHeight * 2 + 20);
    await page.screenshot({ path: `${SHOTS}15d-court-list-overdue.png`, fullPage: true });

    await page.goto(`${origin}/cases/${defaultedId}`);
    await expect(page.textContent('[data-testid=ran-out]')).resolves.toContain('履行期限 · 已逾期 · 已届满 6 天');
    const body = (await page.textContent('body'))!;
    expect(body).not.toContain('当前没有计算中的期限');
    expect(body).not.toContain('Mermaid');
    expect(body).not.toMatch(/agreement\.defaulted|isEnforcementReferral|stateDiagram/);
    expect(body).not.toContain('（系统（期限））');
    await page.screenshot({ path: `${SHOTS}15e-case-defaulted.png`, fullPage: true });
  });

  it('the dashboard: 登记案件数, every axis label drawn, the overdue list filtered', async () => {
    const page = await newPage();
    await signIn(page, 'zhouwy');
    await page.waitForSelector('[data-chart=byDisputeType] svg');
    await expect(page.textContent('[data-testid=kpis]')).resolves.toMatch(/登记案件数\s*2/);
    const labels = await page.locator('[data-chart=byDisputeType] svg text').allTextContents();
    expect(labels).toEqual(expect.arrayContaining(['民间借贷', '买卖合同']));
    await expect(page.textContent('[data-testid=overdue-cases]')).resolves.toContain(defaultedNumber);
    await page.goto(`${origin}/dashboard?from=${dateIn(0)}`);
    expect(await page.locator('[data-testid=overdue-cases]').count()).toBe(0);
    await page.screenshot({ path: `${SHOTS}15f-committee-dashboard-filtered.png`, fullPage: true });
  });
});
