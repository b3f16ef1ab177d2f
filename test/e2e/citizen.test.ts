/**
 * 扫码联 in a real browser on a phone (390 × 844): the station prints its card, a citizen scans
 * it and submits (with JavaScript off: the pages are plain HTML forms) and reloads the receipt
 * page, the station accepts the submission into a case, and the citizen looks the case up; a
 * declined one names the station's hotline. Every page is checked for horizontal scrolling and
 * written to screenshots/.
 */
import { mkdirSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { serve, type ServerType } from '@hono/node-server';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { sql } from 'drizzle-orm';
import QRCode from 'qrcode';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../src/app.js';
import { rowsOf } from '../../src/db/client.js';
import { authenticate, changeOwnPassword, createStation, createUser, ensureAdmin, updateStation } from '../../src/engine/directory.js';
import type { Actor } from '../../src/machines/roles.js';
import { freshDatabase, type TestDatabase } from '../helpers/db.js';

const SHOTS = fileURLToPath(new URL('../../screenshots/', import.meta.url));
const PHONE = { width: 390, height: 844 };
const ADMIN_ACTOR: Actor = { id: '00000000-0000-4000-8000-00000000000a', role: 'admin', name: '管理员' };

let database: TestDatabase;
let server: ServerType;
let origin: string;
let browser: Browser;
const contexts: BrowserContext[] = [];
const external: string[] = [];

async function person(name: string, role: string, login: string, extra: Record<string, unknown> = {}) {
  const made = await createUser(database.db, ADMIN_ACTOR, { name, role, login, password: 'temporary-pass', ...extra });
  const actor = await authenticate(database.db, made.token);
  await changeOwnPassword(database.db, actor, { currentPassword: 'temporary-pass', newPassword: `${login}-pass-2026` });
}

async function phone(opts: { javaScript?: boolean } = {}): Promise<Page> {
  const context = await browser.newContext({
    viewport: PHONE,
    isMobile: true,
    hasTouch: true,
    locale: 'zh-CN',
    timezoneId: 'Asia/Shanghai',
    javaScriptEnabled: opts.javaScript ?? true,
  });
  contexts.push(context);
  context.on('request', (r) => {
    const url = r.url();
    if (!url.startsWith(origin) && !url.startsWith('data:') && !url.startsWith('about:')) external.push(url);
  });
  const page = await context.newPage();
  page.setDefaultTimeout(15_000);
  return page;
}

/** Nothing on the page is wider than the phone: no horizontal scrolling. */
async function fitsPhone(page: Page) {
  // Measured from a fresh script context, so it works on pages opened with JavaScript off too.
  const cdp = await page.context().newCDPSession(page);
  const { result } = await cdp.send('Runtime.evaluate', {
    expression: 'JSON.stringify([document.documentElement.scrollWidth, document.documentElement.clientWidth, document.body.scrollWidth])',
    returnByValue: true,
  });
  await cdp.detach();
  const [scrollWidth, clientWidth, bodyWidth] = JSON.parse(result.value as string) as number[];
  expect({ page: page.url(), scrollWidth, bodyWidth }).toEqual({ page: page.url(), scrollWidth: clientWidth, bodyWidth: clientWidth });
  expect(clientWidth).toBe(PHONE.width);
}

async function shot(page: Page, name: string) {
  await fitsPhone(page);
  await page.screenshot({ path: `${SHOTS}${name}.png`, fullPage: true });
}

/** The submissions stored for a phone number, oldest first. */
async function submissionsOf(phone: string): Promise<{ receipt: string; status: string }[]> {
  return rowsOf<{ receipt: string; status: string }>(await database.db.execute(sql`select receipt, status from submissions where phone = ${phone} order by submitted_at`));
}

/** Fills the public form and sends it, as a citizen does. */
async function fillAndSend(citizen: Page, fields: { name: string; phone: string; description: string }) {
  await citizen.fill('#f-name', fields.name);
  await citizen.fill('#f-phone', fields.phone);
  await citizen.fill('#f-counterparty', '李建国');
  await citizen.selectOption('#f-disputeType', '邻里纠纷');
  await citizen.fill('#f-description', fields.description);
  await citizen.check('#f-consent');
  await Promise.all([citizen.waitForLoadState('load'), citizen.click('form[data-testid=intake] button[type=submit]')]);
}

async function signIn(page: Page, login: string, password: string) {
  await page.goto(`${origin}/login`);
  await page.fill('#f-login', login);
  await page.fill('#f-password', password);
  await Promise.all([page.waitForLoadState('load'), page.click('form[action="/login"] button[type=submit]')]);
}

beforeAll(async () => {
  mkdirSync(SHOTS, { recursive: true });
  database = await freshDatabase();
  await ensureAdmin(database.db, undefined);
  await createStation(database.db, ADMIN_ACTOR, {
    code: 'HL01',
    name: '呼兰区人民法院人大代表联络站',
    kind: 'court',
    district: '呼兰区',
    hotline: '0451-57301234',
    address: '呼兰区利民大道 88 号 法院一楼',
    deputiesOnDuty: [
      { name: '王丽', schedule: '每周三上午 9:00–11:30' },
      { name: '赵刚', schedule: '每周五下午' },
    ],
  });
  await person('刘站长', 'station', 'liuzz', { stationCode: 'HL01' });
  await person('李书记员', 'court', 'lishuji');
  const app = createApp({ db: database.db, log: (msg, extra) => console.error(msg, extra) });
  server = await new Promise<ServerType>((resolve) => {
    const s = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, () => resolve(s));
  });
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--lang=zh-CN'],
    env: { ...process.env, LANG: 'zh_CN.UTF-8', LANGUAGE: 'zh_CN:zh' },
  });
}, 120_000);

afterAll(async () => {
  for (const c of contexts) await c.close().catch(() => {});
  await browser?.close();
  if (server) await new Promise((r) => server.close(r));
  await database?.destroy();
});

describe.sequential('扫码联 on a 390-pixel phone', () => {
  let station: Page;
  let intakeUrl = '';
  let receipt = '';
  let caseNumber = '';
  const citizenPhone = '13604517788';

  it('the station prints its card: number, name, hotline, deputies on duty, and a QR code of /s/HL01', async () => {
    station = await phone();
    await signIn(station, 'liuzz', 'liuzz-pass-2026');
    await station.click('nav.main-nav a[href="/stations/HL01/card"]');
    const card = station.locator('[data-testid=station-card]');
    const text = (await card.textContent())!;
    for (const want of ['HL01', '呼兰区人民法院人大代表联络站', '0451-57301234', '王丽', '每周三上午', '赵刚']) expect(text).toContain(want);
    intakeUrl = `${origin}/s/HL01`;
    await expect(card.locator('.qr').getAttribute('aria-label')).resolves.toBe(intakeUrl);
    // The QR code drawn on the page is the one that encodes exactly that address.
    const modules = (svg: string) => [...svg.matchAll(/ d="([^"]+)"/g)].map((m) => m[1]);
    const drawn = await card.locator('.qr').innerHTML();
    const expected = modules(await QRCode.toString(intakeUrl, { type: 'svg', errorCorrectionLevel: 'M', margin: 2 }));
    expect(expected).toHaveLength(2);
    expect(modules(drawn)).toEqual(expected);
    // A 127.0.0.1 address cannot be reached from a resident's phone: the page says so before printing.
    await expect(station.textContent('[data-testid=local-url]')).resolves.toContain('只能在本机打开');
    await shot(station, 'citizen-01-station-card-a6');
    await station.click('a[href="/stations/HL01/card?sheet=a4"]');
    await expect(station.locator('[data-testid=station-card]').count()).resolves.toBe(4);
    await shot(station, 'citizen-02-station-card-a4-sheet');
    // As printed: the header and the buttons drop away, the cards stay.
    await station.emulateMedia({ media: 'print' });
    await expect(station.locator('header.top').isVisible()).resolves.toBe(false);
    await station.screenshot({ path: `${SHOTS}citizen-03-station-card-a4-print.png`, fullPage: true });
    await station.emulateMedia({ media: 'screen' });
  });

  it('a citizen scans the card and submits from the phone, with JavaScript off', async () => {
    const citizen = await phone({ javaScript: false });
    await citizen.goto(intakeUrl);
    await expect(citizen.textContent('[data-testid=station]')).resolves.toContain('呼兰区人民法院人大代表联络站');
    await expect(citizen.textContent('[data-testid=on-duty]')).resolves.toContain('王丽');
    const consent = (await citizen.textContent('[data-testid=consent-text]'))!;
    for (const want of ['收集什么', '为什么收集', '谁能看到', '保存多久']) expect(consent).toContain(want);
    await shot(citizen, 'citizen-04-intake-form');

    await citizen.fill('#f-name', '张秀英');
    await citizen.fill('#f-phone', '1360451');
    await citizen.fill('#f-counterparty', '李建国');
    await citizen.selectOption('#f-disputeType', '邻里纠纷');
    await citizen.fill('#f-description', '楼上住户家里漏水两个月，我家天花板发霉，多次上门沟通未果，希望调解赔偿维修费用。');
    await citizen.check('#f-consent');
    await Promise.all([citizen.waitForLoadState('load'), citizen.click('form[data-testid=intake] button[type=submit]')]);
    const refusal = (await citizen.textContent('[data-testid=error]'))!;
    expect(refusal).toContain('提交未成功');
    expect(refusal).toContain('请填写 11 位手机号码');
    // What was typed is still there.
    await expect(citizen.inputValue('#f-description')).resolves.toContain('楼上住户家里漏水');
    await shot(citizen, 'citizen-05-intake-refused');

    await citizen.fill('#f-phone', citizenPhone);
    await Promise.all([citizen.waitForLoadState('load'), citizen.click('form[data-testid=intake] button[type=submit]')]);
    receipt = (await citizen.textContent('[data-testid=receipt]'))!.trim();
    expect(receipt).toMatch(/^[2-9A-Z]{4}-[2-9A-Z]{4}-[2-9A-Z]{4}$/);
    await expect(citizen.textContent('h1')).resolves.toBe('已收到您的反映');

    // Pressing reload (or coming back to the tab) shows the same receipt and stores nothing again.
    await citizen.reload();
    await expect(citizen.textContent('[data-testid=receipt]')).resolves.toBe(receipt);
    const stored = await submissionsOf(citizenPhone);
    expect(stored).toEqual([{ receipt: receipt.replace(/-/g, ''), status: 'pending' }]);
    // The page is a GET of its own whose address does not carry the receipt.
    expect(citizen.url()).toBe(`${origin}/s/HL01/receipt`);
    await shot(citizen, 'citizen-06-thank-you');
  });

  it('the receipt page opened in another browser (without its cookie) says where to look up, and shows no receipt', async () => {
    const other = await phone({ javaScript: false });
    const answer = await other.goto(`${origin}/s/HL01/receipt`);
    expect(answer?.status()).toBe(404);
    await expect(other.textContent('h1')).resolves.toBe('这里没有可显示的回执');
    expect(await other.locator('[data-testid=receipt]').count()).toBe(0);
    await expect(other.getAttribute('[data-testid=no-receipt] a.button', 'href')).resolves.toBe('/status');
    await shot(other, 'citizen-06b-no-receipt');
  });

  it('the station sees the submission in its queue and opens it into a case', async () => {
    await station.click('nav.main-nav a[href="/submissions"]');
    const item = station.locator('[data-submission]').filter({ hasText: '张秀英' });
    await expect(item.textContent()).resolves.toContain(citizenPhone);
    await shot(station, 'citizen-07-station-queue');
    await Promise.all([station.waitForURL(/\/cases\/[0-9a-f-]{36}\?ok=created$/), item.locator('form[data-testid=accept] button[type=submit]').click()]);
    caseNumber = (await station.textContent('h1'))!.trim().split(/\s/)[0];
    expect(caseNumber).toMatch(/^\d{4}-HL01-\d{6}$/);
    await expect(station.textContent('[data-testid=state-words]')).resolves.toContain('登记待审查');
    const timeline = (await station.textContent('[data-testid=timeline]'))!;
    expect(timeline).toContain('来自扫码提交');
    expect(timeline).toContain('扫码联');
    await shot(station, 'citizen-08-case-from-submission');
    await station.goto(`${origin}/submissions?status=accepted`);
    await expect(station.textContent('[data-testid=case-link]')).resolves.toBe(caseNumber);
    // Accepted, it keeps no name or phone (the case's parties do): it names its case and says so.
    const card = (await station.textContent('[data-submission]'))!;
    expect(card).toContain(`邻里纠纷 · ${caseNumber}`);
    expect(card).toContain('已转入案件的当事人信息');
    for (const gone of ['张秀英', citizenPhone]) expect(card).not.toContain(gone);
    await shot(station, 'citizen-09-station-queue-accepted');
    await station.goto(`${origin}/submissions/${await station.getAttribute('[data-submission]', 'data-submission')}`);
    await expect(station.textContent('[data-testid=parties-in-case]')).resolves.toContain('请打开案件查看');
    await shot(station, 'citizen-09b-accepted-submission');
  });

  it('court staff see every station’s queue on a phone too', async () => {
    const court = await phone();
    await signIn(court, 'lishuji', 'lishuji-pass-2026');
    await court.goto(`${origin}/submissions?status=accepted`);
    await expect(court.textContent('[data-testid=queue]')).resolves.toContain('呼兰区人民法院人大代表联络站');
    await shot(court, 'citizen-10-court-queue');
  });

  it('the citizen looks the case up with the receipt and the last 4 digits; a wrong pair finds nothing', async () => {
    const citizen = await phone({ javaScript: false });
    await citizen.goto(intakeUrl);
    await citizen.goto(`${origin}/status`);
    await citizen.fill('#f-receipt', receipt.toLowerCase());
    await citizen.fill('#f-phone', '0000');
    await Promise.all([citizen.waitForLoadState('load'), citizen.click('form[data-testid=lookup] button[type=submit]')]);
    await expect(citizen.textContent('[data-testid=error]')).resolves.toContain('没有找到与该回执码和手机号码后 4 位相符的记录');
    await shot(citizen, 'citizen-11-status-not-found');

    await citizen.fill('#f-phone', citizenPhone.slice(-4));
    await Promise.all([citizen.waitForLoadState('load'), citizen.click('form[data-testid=lookup] button[type=submit]')]);
    await expect(citizen.textContent('[data-testid=case-number]')).resolves.toBe(caseNumber);
    await expect(citizen.textContent('[data-testid=case-state]')).resolves.toBe('登记待审查');
    const shown = (await citizen.textContent('[data-testid=status]'))!;
    for (const personal of ['张秀英', '李建国', citizenPhone]) expect(shown).not.toContain(personal);
    await shot(citizen, 'citizen-12-status-case');
  });

  it('a declined submission: the look-up names the station and its hotline to tap, not the reason', async () => {
    const citizen = await phone({ javaScript: false });
    await citizen.goto(intakeUrl);
    await fillAndSend(citizen, { name: '韩梅', phone: '13904517799', description: '小区广场舞噪音扰民，想请联络站协调。' });
    const declinedReceipt = (await citizen.textContent('[data-testid=receipt]'))!.trim();

    await station.goto(`${origin}/submissions`);
    const item = station.locator('[data-submission]').filter({ hasText: '韩梅' });
    await item.locator('form[data-testid=decline] textarea[name=reason]').fill('属物业管理事项，已告知向物业反映');
    await Promise.all([station.waitForURL(/\/submissions\?ok=declined$/), item.locator('form[data-testid=decline] button[type=submit]').click()]);

    await citizen.goto(`${origin}/status`);
    await citizen.fill('#f-receipt', declinedReceipt);
    await citizen.fill('#f-phone', '7799');
    await Promise.all([citizen.waitForLoadState('load'), citizen.click('form[data-testid=lookup] button[type=submit]')]);
    const box = citizen.locator('[data-testid=status][data-status=declined]');
    const text = (await box.textContent())!;
    expect(text).toContain('联络站经审查后未登记为案件');
    expect(text).toContain('如有疑问，请拨打呼兰区人民法院人大代表联络站热线');
    await expect(box.locator('a.hotline').getAttribute('href')).resolves.toBe('tel:045157301234');
    for (const other of ['属物业管理事项', '韩梅', '13904517799']) expect(await citizen.content()).not.toContain(other);
    await shot(citizen, 'citizen-12b-status-declined');
  });

  it('an old card of a retired station leads to a page that says so and where else to go, with no form', async () => {
    await createStation(database.db, ADMIN_ACTOR, { code: 'RT01', name: '松北区人大代表联络站', kind: 'street', district: '松北区' });
    await updateStation(database.db, ADMIN_ACTOR, 'RT01', { active: false });
    const citizen = await phone({ javaScript: false });
    const answer = await citizen.goto(`${origin}/s/RT01`);
    expect(answer?.status()).toBe(404);
    const text = (await citizen.textContent('main'))!;
    expect(text).toContain('联络站已停用');
    expect(text).not.toContain('未找到');
    expect(text).toContain('松北区人大代表联络站已停用，不再受理网上来件');
    expect(text).toContain('12345');
    expect(await citizen.locator('form[data-testid=intake]').count()).toBe(0);
    await shot(citizen, 'citizen-13-retired-station');
  });

  it('loaded nothing from another host', () => {
    expect(external).toEqual([]);
  });
});
