/**
 * Issue 15 §4 and §6 in Debian's Chromium, with script and without: instalments typed as rows with
 * a running total against the agreed amount, deputies of one name told apart, a retired deputy
 * named 已停用, and the new-case and import forms kept through a sign-in after the session ran
 * out. Desktop and 390-px phone screenshots go to screenshots/ (15-entry-…).
 */
import { mkdirSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { serve, type ServerType } from '@hono/node-server';
import { sql } from 'drizzle-orm';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../src/app.js';
import { applyEvent, createEntity } from '../../src/engine/apply.js';
import { authenticate, changeOwnPassword, createDeputy, createStation, createUser, updateDeputy } from '../../src/engine/directory.js';
import { caseStore } from '../../src/engine/stores.js';
import { shanghaiDate } from '../../src/machines/calendar.js';
import type { Actor } from '../../src/machines/roles.js';
import { freshDatabase, type TestDatabase } from '../helpers/db.js';

declare const document: any;

const SHOTS = fileURLToPath(new URL('../../screenshots/', import.meta.url));
const ADMIN: Actor = { id: '00000000-0000-4000-8000-00000000000a', role: 'admin', name: '管理员' };
const PHONE = { width: 390, height: 844 };
const DESKTOP = { width: 1280, height: 900 };
const dateIn = (d: number) => shanghaiDate(new Date(Date.now() + d * 86_400_000).toISOString());

let database: TestDatabase;
let server: ServerType;
let origin: string;
let browser: Browser;
let court: Actor;
let wang = '';
const cases: string[] = [];
let retiredOn = '';

async function person(name: string, role: string, login: string, extra: Record<string, unknown> = {}) {
  const made = await createUser(database.db, ADMIN, { name, role, login, password: 'temporary-pass', ...extra });
  const actor = await authenticate(database.db, made.token);
  await changeOwnPassword(database.db, actor, { currentPassword: 'temporary-pass', newPassword: `${login}-pass-2026` });
  return actor;
}

const render = { render: (w: { row: { id: string } }) => ({ body: { id: w.row.id } }) };

/** A case in mediation with 王丽 assigned: the agreement's form is open. */
async function mediating(): Promise<string> {
  const db = database.db;
  const made = await createEntity({ db }, caseStore, court, { track: 'pre_filing', source: 'court_referral', stationCode: 'HL01', disputeType: '民间借贷', summary: '借款五千元到期未还', parties: [{ role: 'applicant', name: '张三' }, { role: 'respondent', name: '李四' }] }, render);
  const id = (made.body as { id: string }).id;
  await applyEvent({ db }, caseStore, court, id, { type: 'ACCEPT' }, render);
  await applyEvent({ db }, caseStore, court, id, { type: 'ASSIGN', deputyIds: [wang] }, render);
  return id;
}

beforeAll(async () => {
  mkdirSync(SHOTS, { recursive: true });
  database = await freshDatabase();
  const db = database.db;
  await createStation(db, ADMIN, { code: 'HL01', name: '呼兰区人民法院人大代表联络站', kind: 'court', district: '呼兰区' });
  await createStation(db, ADMIN, { code: 'SC01', name: '双城区人民法院人大代表联络站', kind: 'court', district: '双城区' });
  wang = (await createDeputy(db, ADMIN, { name: '王丽', level: 'county', stationCode: 'HL01', expertise: ['民间借贷'], phone: '13900001111' })).id;
  await createDeputy(db, ADMIN, { name: '王丽', level: 'municipal', stationCode: 'HL01', phone: '13700002222', confirmDuplicate: true });
  await createDeputy(db, ADMIN, { name: '王丽', level: 'county', stationCode: 'SC01', phone: '13600003333' });
  const qian = (await createDeputy(db, ADMIN, { name: '钱七', level: 'county', stationCode: 'HL01' })).id;
  court = await person('李书记员', 'court', 'lishuji');
  await person('系统管理员', 'admin', 'guanli');
  for (let i = 0; i < 4; i++) cases.push(await mediating());
  // A case with a deputy retired since: still named on it, marked.
  const made = await createEntity({ db }, caseStore, court, { track: 'pre_filing', source: 'court_referral', stationCode: 'HL01', disputeType: '物业服务', summary: '物业费', parties: [{ role: 'applicant', name: '孙六' }] }, render);
  retiredOn = (made.body as { id: string }).id;
  await applyEvent({ db }, caseStore, court, retiredOn, { type: 'ACCEPT' }, render);
  await applyEvent({ db }, caseStore, court, retiredOn, { type: 'ASSIGN', deputyIds: [wang, qian] }, render);
  await updateDeputy(db, ADMIN, qian, { active: false });

  const app = createApp({ db, log: (msg, extra) => console.error(msg, extra) });
  server = await new Promise<ServerType>((resolve) => {
    const s = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, () => resolve(s));
  });
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--headless', '--no-sandbox', '--disable-gpu', '--lang=zh-CN'] });
}, 120_000);

afterAll(async () => {
  await browser?.close();
  if (server) await new Promise((r) => server.close(r));
  await database?.destroy();
});

async function signedIn(login: string, viewport = DESKTOP, script = true): Promise<Page> {
  const context = await browser.newContext({ viewport, locale: 'zh-CN', timezoneId: 'Asia/Shanghai', javaScriptEnabled: script, isMobile: viewport.width < 600, hasTouch: viewport.width < 600 });
  const page = await context.newPage();
  page.setDefaultTimeout(20_000);
  await page.goto(`${origin}/login`);
  await page.fill('#f-login', login);
  await page.fill('#f-password', `${login}-pass-2026`);
  await Promise.all([page.waitForLoadState('load'), page.click('form[action="/login"] button[type=submit]')]);
  return page;
}

/** A page wider than a phone, or a tap target under 44 px (as test/e2e/phone.test.ts checks every page). */
function phoneProblems(): string[] {
  const problems: string[] = [];
  const doc = document.documentElement;
  if (doc.scrollWidth > doc.clientWidth) problems.push(`wider than the screen: ${doc.scrollWidth} > ${doc.clientWidth}`);
  for (const el of document.querySelectorAll('a[href], button, input, select, textarea, summary')) {
    if (el.type === 'hidden') continue;
    const style = (globalThis as any).getComputedStyle(el);
    if (style.visibility === 'hidden' || style.display === 'none') continue;
    const box = el.getBoundingClientRect();
    if (box.width === 0 || box.height === 0) continue;
    if (el.closest('[hidden], details:not([open]) > :not(summary)')) continue;
    const target = el.tagName === 'INPUT' && (el.type === 'checkbox' || el.type === 'radio') ? (el.closest('label') ?? el) : el;
    const h = target.getBoundingClientRect().height;
    if (h < 43.5) problems.push(`${el.tagName.toLowerCase()} "${(el.textContent || el.name || '').trim().slice(0, 20)}" is ${Math.round(h)} px tall`);
  }
  return problems;
}

const totalText = (page: Page) => page.textContent('[data-installments-total]').then((t) => (t ?? '').replace(/\s+/g, ' ').trim());

describe.sequential('issue 15 §4 §6 data entry in Chromium', () => {
  it('with script: rows added in place, the total live against the agreed amount, Enter sends the agreement', async () => {
    const page = await signedIn('lishuji');
    const path = `/cases/${cases[0]}/events/REACH_AGREEMENT`;
    await page.goto(`${origin}${path}`);
    // 计算合计 is for pages without script: hidden here.
    expect(await page.isVisible('[data-sum-rows]')).toBe(false);
    await page.fill('#f-terms', '被申请人分两期归还借款');
    await page.fill('#f-amount', '5,000');
    await page.fill('#f-dueDate', dateIn(60));
    await page.fill('#f-installments_0_dueDate', dateIn(30));
    await page.fill('#f-installments_0_amount', '3,000');
    await expect(totalText(page)).resolves.toMatch(/分期合计 ¥3,000\.00 （共 1 期）\s*比协议金额少 ¥2,000\.00/);
    await page.evaluate(() => ((globalThis as any).__same = true));
    await page.click('[data-add-row]');
    expect(await page.locator('.inst-row').count()).toBe(3);
    // No round trip: the page is the same one.
    expect(await page.evaluate(() => (globalThis as any).__same)).toBe(true);
    await page.fill('#f-installments_1_dueDate', dateIn(45));
    await page.fill('#f-installments_1_amount', '1,000');
    await page.fill('#f-installments_2_dueDate', dateIn(60));
    await page.fill('#f-installments_2_amount', '1,500');
    await expect(totalText(page)).resolves.toMatch(/¥5,500\.00 （共 3 期）\s*比协议金额多 ¥500\.00/);
    await page.fill('#f-installments_2_amount', '一千');
    await expect(totalText(page)).resolves.toContain('第 3 期的金额无法识别，未计入合计');
    await page.screenshot({ path: `${SHOTS}15-entry-installments-live-desktop.png`, fullPage: true });
    // Removing the middle row renumbers the rest.
    await page.click('.inst-row:nth-child(2) [data-remove-row]');
    expect(await page.locator('.inst-row').count()).toBe(2);
    await expect(page.textContent('.inst-row:nth-child(2) .inst-no')).resolves.toBe('第 2 期');
    await page.fill('.inst-row:nth-child(2) input[name$=".amount"]', '2,000');
    await expect(totalText(page)).resolves.toMatch(/¥5,000\.00 （共 2 期）\s*与协议金额相符/);
    // Enter in a field sends the agreement (not 添加一期, which comes first in the form).
    await Promise.all([page.waitForURL(/#timeline$/), page.press('.inst-row:nth-child(2) input[name$=".amount"]', 'Enter')]);
    await expect(page.textContent('[data-testid=just-done]')).resolves.toMatch(/达成调解协议|调解协议/);
    await expect(page.textContent('[data-testid=new-entry]')).resolves.toMatch(/¥3,000\.00[\s\S]*¥2,000\.00/);
  });

  it('without script: 添加一期 and 计算合计 go to the server, errors beside the row, then sent', async () => {
    const page = await signedIn('lishuji', DESKTOP, false);
    const path = `/cases/${cases[1]}/events/REACH_AGREEMENT`;
    await page.goto(`${origin}${path}`);
    expect(await page.isVisible('[data-sum-rows]')).toBe(true);
    expect(await page.locator('[data-remove-row]').first().isVisible()).toBe(false);
    await page.fill('#f-terms', '分三期还款');
    await page.fill('#f-amount', '6,000');
    await page.fill('#f-dueDate', dateIn(90));
    await page.fill('#f-installments_0_dueDate', dateIn(30));
    await page.fill('#f-installments_0_amount', '2,000');
    await page.fill('#f-installments_1_dueDate', dateIn(60));
    await page.fill('#f-installments_1_amount', '两千');
    await Promise.all([page.waitForLoadState('load'), page.click('[data-add-row]')]);
    expect(await page.locator('.inst-row').count()).toBe(3);
    await expect(page.inputValue('#f-terms')).resolves.toBe('分三期还款');
    await expect(page.textContent('.inst-row:nth-child(2) .field-error')).resolves.toMatch(/[\u4e00-\u9fa5]/);
    await expect(totalText(page)).resolves.toContain('第 2 期的金额无法识别');
    await page.screenshot({ path: `${SHOTS}15-entry-installments-noscript-desktop.png`, fullPage: true });
    await page.fill('#f-installments_1_amount', '2,000');
    await page.fill('#f-installments_2_dueDate', dateIn(90));
    await page.fill('#f-installments_2_amount', '2,000');
    await Promise.all([page.waitForLoadState('load'), page.click('[data-sum-rows]')]);
    await expect(totalText(page)).resolves.toMatch(/¥6,000\.00 （共 3 期）\s*与协议金额相符/);
    await Promise.all([page.waitForURL(/#timeline$/), page.click('form.event-form .actions button.primary')]);
    await expect(page.textContent('[data-testid=new-entry]')).resolves.toMatch(/¥2,000\.00[\s\S]*¥2,000\.00[\s\S]*¥2,000\.00/);
  });

  it('on a 390-px phone: the rows fit, every tap target is 44 px, deputies of one name told apart', async () => {
    const page = await signedIn('lishuji', PHONE);
    await page.goto(`${origin}/cases/${cases[2]}/events/REACH_AGREEMENT`);
    await page.fill('#f-amount', '5,000');
    await page.fill('#f-installments_0_dueDate', dateIn(30));
    await page.fill('#f-installments_0_amount', '3,000');
    await page.click('[data-add-row]');
    expect(await page.evaluate(phoneProblems)).toEqual([]);
    await page.screenshot({ path: `${SHOTS}15-entry-installments-phone.png`, fullPage: true });

    // ASSIGN on a case not yet assigned: three 王丽, each with station, level and phone tail.
    const db = database.db;
    const made = await createEntity({ db }, caseStore, court, { track: 'pre_filing', source: 'court_referral', stationCode: 'HL01', disputeType: '婚姻家庭', summary: '离婚后子女抚养费', parties: [{ role: 'applicant', name: '周五' }] }, render);
    const id = (made.body as { id: string }).id;
    await applyEvent({ db }, caseStore, court, id, { type: 'ACCEPT' }, render);
    for (const [viewport, name] of [
      [page, 'phone'],
      [await signedIn('lishuji'), 'desktop'],
    ] as const) {
      await viewport.goto(`${origin}/cases/${id}/events/ASSIGN`);
      const labels = (await viewport.locator('label.choice', { hasText: '王丽' }).allTextContents()).map((t) => t.replace(/\s+/g, ' '));
      expect(labels).toHaveLength(3);
      expect(new Set(labels).size).toBe(3);
      expect(labels.join('\n')).toMatch(/尾号 1111/);
      expect(labels.join('\n')).not.toContain('钱七');
      if (name === 'phone') expect(await viewport.evaluate(phoneProblems)).toEqual([]);
      await viewport.screenshot({ path: `${SHOTS}15-entry-assign-namesakes-${name}.png`, fullPage: true });
    }
    await page.goto(`${origin}/cases/${retiredOn}`);
    await expect(page.textContent('body')).resolves.toContain('钱七（已停用）');
    await page.screenshot({ path: `${SHOTS}15-entry-retired-deputy-phone.png`, fullPage: true });
  });

  it('a new case typed while the session ran out: after signing in the form is back with every row', async () => {
    const page = await signedIn('lishuji');
    await page.goto(`${origin}/cases/new`);
    await page.selectOption('#f-stationCode', 'HL01');
    await page.fill('#f-disputeType', '相邻关系');
    await page.fill('#f-summary', '楼上漏水，协商三次未果');
    await page.fill('#f-claimAmount', '8,000');
    await page.fill('#f-parties_0_name', '赵一');
    await page.click('[data-add-party]');
    await page.fill('#f-parties_3_name', '钱四');
    await database.db.execute(sql`update web_sessions set expires_at = now() - interval '1 minute'`);
    await Promise.all([page.waitForLoadState('load'), page.click('form.new-case button[type=submit]')]);
    await expect(page.textContent('[data-testid=expired]')).resolves.toContain('登录已过期，请重新登录');
    await page.fill('#f-login', 'lishuji');
    await page.fill('#f-password', 'lishuji-pass-2026');
    await Promise.all([page.waitForLoadState('load'), page.click('form[action="/login"] button[type=submit]')]);
    await page.waitForFunction(() => (globalThis as any).location.pathname === '/cases/new');
    await expect(page.textContent('[data-testid=restored]')).resolves.toContain('已恢复您填写的内容');
    await expect(page.inputValue('#f-summary')).resolves.toBe('楼上漏水，协商三次未果');
    await expect(page.inputValue('#f-parties_3_name')).resolves.toBe('钱四');
    await expect(page.inputValue('#f-stationCode')).resolves.toBe('HL01');
    await page.screenshot({ path: `${SHOTS}15-entry-new-case-restored-desktop.png`, fullPage: true });
    await Promise.all([page.waitForURL(/\/cases\/[0-9a-f-]{36}\?ok=created/), page.click('form.new-case button[type=submit]')]);
  });

  it('an import sent after the session ran out: the sign-in page and the form say the file must be chosen again', async () => {
    for (const [viewport, name] of [
      [DESKTOP, 'desktop'],
      [PHONE, 'phone'],
    ] as const) {
      const page = await signedIn('guanli', viewport);
      await page.goto(`${origin}/imports`);
      await page.selectOption('select[name=kind]', 'deputies');
      await page.setInputFiles('input[name=file]', { name: '代表名册.csv', mimeType: 'text/csv', buffer: Buffer.from('姓名,代表层级,所属联络站\n周九,区（县）人大代表,HL01\n') });
      await database.db.execute(sql`update web_sessions set expires_at = now() - interval '1 minute'`);
      // With script the page sends the form itself; told the session ended, it posts it as a page.
      await Promise.all([page.waitForURL(`${origin}/imports`), page.waitForSelector('[data-testid=expired]'), page.click('form[data-import] button[type=submit]')]);
      await expect(page.textContent('[data-testid=expired]')).resolves.toContain('上传的文件不能随登录保留（代表名册.csv）');
      await page.fill('#f-login', 'guanli');
      await page.fill('#f-password', 'guanli-pass-2026');
      await Promise.all([page.waitForLoadState('load'), page.click('form[action="/login"] button[type=submit]')]);
      await expect(page.textContent('[data-testid=restored]')).resolves.toContain('请重新选择文件后再提交');
      await expect(page.inputValue('select[name=kind]')).resolves.toBe('deputies');
      if (name === 'phone') expect(await page.evaluate(phoneProblems)).toEqual([]);
      await page.screenshot({ path: `${SHOTS}15-entry-import-restored-${name}.png`, fullPage: true });
      await page.context().close();
    }
  });

  it('an import with script: the live count and the result come worded by the server, a problem row in Chinese', async () => {
    const page = await signedIn('guanli', PHONE);
    await page.goto(`${origin}/imports`);
    await page.selectOption('select[name=kind]', 'deputies');
    await page.setInputFiles('input[name=file]', { name: '代表名册.csv', mimeType: 'text/csv', buffer: Buffer.from('姓名,代表层级,联络站代码\n吴十,区（县）人大代表,HL01\n郑十一,区（县）人大代表,NOPE\n') });
    await page.click('form[data-import] button[type=submit]');
    await page.waitForSelector('[data-import-result] [data-testid=import-result]');
    expect(page.url()).toBe(`${origin}/imports`); // sent by the script: no page load
    await expect(page.textContent('[data-testid=import-progress]')).resolves.toMatch(/^已完成：2 \/ 2 行$/);
    await expect(page.textContent('[data-testid=import-result] p')).resolves.toBe('试导入完成：共 2 行，可导入 0 行，已存在而跳过 0 行，问题 1 处。未写入任何记录。');
    const cells = await page.locator('[data-testid=import-problems] td').allTextContents();
    expect(cells.slice(0, 2)).toEqual(['3', '联络站代码']);
    expect(await page.evaluate(phoneProblems)).toEqual([]);
    await page.screenshot({ path: `${SHOTS}15-entry-import-live-phone.png`, fullPage: true });
    await page.context().close();
  });
});
