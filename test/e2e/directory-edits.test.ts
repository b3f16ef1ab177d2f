/**
 * Issue 15 §4 in Debian's Chromium: the admin edits a station and retires a deputy (the browser
 * will not send the retiring form until its box is ticked), station staff correct an activity
 * record; each edit page shows the change with who and when. Screenshots: screenshots/15g-… (desktop)
 * and 15h-… (phone).
 */
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { recordActivity } from '../../src/engine/activities.js';
import { createDeputy, createStation } from '../../src/engine/directory.js';
import { ADMIN_ACTOR, browserFixture, person, SHOTS, type BrowserFixture } from '../helpers/browser.js';

const PHONE = { width: 390, height: 844 };

let fx: BrowserFixture;
let deputyId = '';
let activityId = '';

beforeAll(async () => {
  fx = await browserFixture(async (db) => {
    await createStation(db, ADMIN_ACTOR, { code: 'HL01', name: '呼兰区人民法院人大代表联络站', kind: 'court', district: '呼兰区' });
    const wang = await createDeputy(db, ADMIN_ACTOR, { name: '王丽', level: 'county', stationCode: 'HL01', phone: '13900001111' });
    deputyId = (await createDeputy(db, ADMIN_ACTOR, { name: '欧阳建国', level: 'municipal', stationCode: 'HL01' })).id;
    await person(db, '系统管理员', 'admin', 'admin1');
    const station = await person(db, '刘站长', 'station', 'station1', { stationCode: 'HL01' });
    const today = new Date(Date.now() + 8 * 3_600_000).toISOString().slice(0, 10);
    const made = await recordActivity(db, station, 'HL01', { date: today, theme: '代表接待日', content: '接待选民反映物业问题三起', deputyIds: [wang.id], votersReceived: 3 });
    activityId = (made.body as { id: string }).id;
  });
}, 120_000);

afterAll(async () => fx?.close());

const historyText = (page: Page) => page.textContent('[data-testid=history]');

describe.sequential('editing the directory and the register in Chromium', () => {
  it('the admin edits a station from the list; the change heads its history, with who and when', async () => {
    const page = await fx.newPage();
    await fx.signIn(page, 'admin1');
    await page.goto(`${fx.origin}/admin/stations`);
    await Promise.all([page.waitForLoadState('load'), page.click('[data-testid=edit-HL01]')]);
    expect(page.url()).toBe(`${fx.origin}/admin/stations/HL01/edit`);
    await page.fill('#f-hotline', '0451-57301234');
    await page.fill('#f-deputiesOnDuty', '王丽 每周三上午');
    await Promise.all([page.waitForURL(/ok=updated$/), page.click('[data-testid=edit] button[type=submit]')]);
    await expect(page.textContent('.flash')).resolves.toContain('联络站信息已保存');
    const first = (await page.locator('[data-testid=history] > li').first().textContent())!;
    expect(first).toMatch(/修改联络站[\s\S]*系统管理员（系统管理员）[\s\S]*\d{4}-\d{2}-\d{2} \d{2}:\d{2}/);
    expect(first).toContain('热线电话：（空） → 0451-57301234');
    await page.screenshot({ path: `${SHOTS}15g-admin-station-edit.png`, fullPage: true });
  });

  it('retiring a deputy asks for the box first; then the list says 已停用', async () => {
    const page = await fx.newPage();
    await fx.signIn(page, 'admin1');
    await page.goto(`${fx.origin}/admin/deputies/${deputyId}/edit`);
    // Not ticked: the browser keeps the form (the box is required) and nothing is retired.
    await page.click('[data-testid=retire] button[type=submit]');
    expect(page.url()).toBe(`${fx.origin}/admin/deputies/${deputyId}/edit`);
    expect(await page.$eval('#f-_confirmRetire input', (el) => (el as unknown as { validity: { valid: boolean } }).validity.valid)).toBe(false);
    await expect(page.locator('[data-testid=retire] button[type=submit]').getAttribute('class')).resolves.toContain('danger');
    await page.check('#f-_confirmRetire input');
    await Promise.all([page.waitForURL(/ok=retired$/), page.click('[data-testid=retire] button[type=submit]')]);
    await expect(historyText(page)).resolves.toContain('状态：在用 → 已停用');
    await expect(page.locator('[data-testid=reactivate]').count()).resolves.toBe(1);
    await page.goto(`${fx.origin}/admin/deputies`);
    await expect(page.textContent(`tr[data-deputy="${deputyId}"]`)).resolves.toContain('已停用');
    await page.screenshot({ path: `${SHOTS}15g-admin-deputies-retired.png`, fullPage: true });
  });

  it('station staff correct an activity record on a phone; the history says what changed', async () => {
    const page = await fx.newPage(PHONE);
    await fx.signIn(page, 'station1');
    await page.goto(`${fx.origin}/stations/HL01/activities`);
    await Promise.all([page.waitForLoadState('load'), page.click(`tr[data-activity="${activityId}"] a[href$="/edit"]`)]);
    await page.fill('#f-votersReceived', '5');
    await page.fill('#f-theme', '代表接待日（物业专题）');
    await Promise.all([page.waitForURL(/ok=updated$/), page.click('[data-testid=edit] button[type=submit]')]);
    const history = (await historyText(page))!;
    expect(history).toMatch(/修改履职记录[\s\S]*刘站长（联络站工作人员）/);
    expect(history).toContain('接待选民人次：3 → 5');
    expect(history).toContain('活动主题：代表接待日 → 代表接待日（物业专题）');
    // On the phone the form comes before the history, and nothing is wider than the screen.
    const [formTop, historyTop] = await Promise.all([
      page.locator('[data-testid=edit]').evaluate((el) => el.getBoundingClientRect().top),
      page.locator('#history').evaluate((el) => el.getBoundingClientRect().top),
    ]);
    expect(formTop).toBeLessThan(historyTop);
    expect(await page.evaluate(() => (globalThis as any).document.documentElement.scrollWidth)).toBeLessThanOrEqual(PHONE.width);
    await page.screenshot({ path: `${SHOTS}15h-phone-station-activity-edit.png`, fullPage: true });
  });
});
