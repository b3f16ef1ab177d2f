/**
 * Audit d §11, §15, §16 and §6 in Chromium, on a 390-px phone and a 1280-px desk: every menu item
 * of every role is on screen inside the menu (nothing scrolls inside it, nothing is cut); a
 * deadline badge stays inside its card; note boxes keep their text off their border; the audit
 * table fits the desk's window. Also who is told that a deadline was counted without the year's
 * holidays. Screenshots go to screenshots/ (fits-…).
 */
import { sql } from 'drizzle-orm';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Db } from '../../src/db/client.js';
import { applyEvent, createEntity } from '../../src/engine/apply.js';
import { createDeputy, createStation, updateStation } from '../../src/engine/directory.js';
import { caseStore } from '../../src/engine/stores.js';
import { shanghaiDate } from '../../src/machines/calendar.js';
import { ADMIN_ACTOR, browserFixture, person, SHOTS, type BrowserFixture } from '../helpers/browser.js';

// The checks below run in the browser; the project's types are Node's, so the DOM is declared loosely here.
declare const document: any;
declare const innerWidth: number;
declare const innerHeight: number;
declare function getComputedStyle(el: unknown): { paddingLeft: string };

const PHONE = { width: 390, height: 844 };
const DESK = { width: 1280, height: 800 };
const LOGINS: Record<string, string> = { court: 'court1', station: 'station1', deputy: 'deputy1', committee: 'committee1', admin: 'admin1' };

const daysAgo = (d: number) => new Date(Date.now() - d * 86_400_000).toISOString();
const dateIn = (d: number) => shanghaiDate(new Date(Date.now() + d * 86_400_000).toISOString());

let fx: BrowserFixture;
let origin: string;
let caseId = '';

async function seed(db: Db) {
  // No year's holidays entered: every statutory period here is counted by weekends only (calendarMissing).
  await db.execute(sql`delete from calendar_years`);
  await createStation(db, ADMIN_ACTOR, { code: 'HL01', name: '呼兰区人民法院人大代表联络站', kind: 'court', district: '呼兰区' });
  // A change with a long detail (the deputies on duty), for the audit table.
  await updateStation(db, ADMIN_ACTOR, 'HL01', { hotline: '0451-57301234', address: '哈尔滨市呼兰区利民经济技术开发区学院路 1 号', deputiesOnDuty: [{ name: '王丽', schedule: '每周三上午' }, { name: '欧阳建国', schedule: '每月第一个周五下午' }] });
  const wang = (await createDeputy(db, ADMIN_ACTOR, { name: '王丽', level: 'county', stationCode: 'HL01' })).id;
  const court = await person(db, '李书记员', 'court', 'court1');
  await person(db, '刘站长', 'station', 'station1', { stationCode: 'HL01' });
  await person(db, '王丽', 'deputy', 'deputy1', { deputyId: wang });
  await person(db, '周委员', 'committee', 'committee1');
  await person(db, '系统管理员', 'admin', 'admin1');
  const render = { render: (w: { row: { id: string } }) => ({ body: { id: w.row.id } }) };
  const parties = [
    { role: 'applicant', name: '张三', phone: '13812345678' },
    { role: 'respondent', name: '李四' },
  ];
  // An agreement reached 27 days ago: its 司法确认申请期限 is near (the longest badge a list shows).
  const made = await createEntity({ db }, caseStore, court, { track: 'pre_filing', source: 'court_referral', stationCode: 'HL01', disputeType: '民间借贷', summary: '借款两万元到期未还', parties, occurredAt: daysAgo(40) }, render);
  caseId = (made.body as { id: string }).id;
  await applyEvent({ db }, caseStore, court, caseId, { type: 'ACCEPT', occurredAt: daysAgo(39) }, render);
  await applyEvent({ db }, caseStore, court, caseId, { type: 'ASSIGN', deputyIds: [wang], occurredAt: daysAgo(38) }, render);
  await applyEvent({ db }, caseStore, court, caseId, { type: 'REACH_AGREEMENT', terms: '分两期归还', amount: '20000', dueDate: dateIn(90), occurredAt: daysAgo(27) }, render);
}

beforeAll(async () => {
  fx = await browserFixture(seed);
  origin = fx.origin;
}, 120_000);
afterAll(async () => fx?.close());

async function signedIn(role: string, viewport: { width: number; height: number }): Promise<Page> {
  const page = await fx.newPage(viewport);
  await fx.signIn(page, LOGINS[role]);
  return page;
}

/** What of the header is out of sight: a menu that scrolls inside itself, an item past the menu's or the screen's edge. */
function headerProblems(): string[] {
  const out: string[] = [];
  const nav = document.querySelector('.main-nav');
  if (nav.scrollWidth > nav.clientWidth + 1) out.push(`menu scrolls: ${nav.scrollWidth} > ${nav.clientWidth} px`);
  const box = nav.getBoundingClientRect();
  for (const a of nav.querySelectorAll('a')) {
    const r = a.getBoundingClientRect();
    if (r.left < Math.max(0, box.left) - 1 || r.right > Math.min(innerWidth, box.right) + 1) out.push(`"${a.textContent.trim()}" at ${Math.round(r.left)}–${Math.round(r.right)} px, menu ${Math.round(box.left)}–${Math.round(box.right)}`);
  }
  for (const el of document.querySelectorAll('header.top .who > *')) {
    const r = el.getBoundingClientRect();
    if (r.right > innerWidth + 1) out.push(`"${el.textContent.trim()}" ends at ${Math.round(r.right)} px`);
  }
  return out;
}

/** Badges that pass the right edge of their card (a list row on a phone) or their cell. */
function badgeProblems(): string[] {
  const out: string[] = [];
  for (const b of document.querySelectorAll('main .badge')) {
    const r = b.getBoundingClientRect();
    if (r.width === 0) continue;
    for (const box of [b.closest('td'), b.closest('tr'), b.closest('.card')].filter(Boolean)) {
      const c = box.getBoundingClientRect();
      if (r.right > c.right + 0.5) out.push(`"${b.textContent.trim()}" ends at ${Math.round(r.right)} px, its ${box.tagName.toLowerCase()} at ${Math.round(c.right)}`);
    }
  }
  return out;
}

describe.sequential('audit d in Chromium: nothing out of sight', () => {
  for (const [name, viewport] of [
    ['390-px phone', PHONE],
    ['1280-px desk', DESK],
  ] as const) {
    it(`${name}: every role's menu shows every item inside the header`, async () => {
      const problems: string[] = [];
      for (const role of Object.keys(LOGINS)) {
        const page = await signedIn(role, viewport);
        for (const p of await page.evaluate(headerProblems)) problems.push(`${role}: ${p}`);
        await page.screenshot({ path: `${SHOTS}fits-menu-${role}-${viewport.width}.png` });
        await page.context().close();
      }
      expect(problems).toEqual([]);
    });

    it(`${name}: deadline badges stay inside their cards on the deputy's and the station's lists and case page`, async () => {
      const problems: string[] = [];
      for (const role of ['deputy', 'station', 'court']) {
        const page = await signedIn(role, viewport);
        for (const path of ['/cases', `/cases/${caseId}`]) {
          await page.goto(`${origin}${path}`);
          for (const p of await page.evaluate(badgeProblems)) problems.push(`${role} ${path}: ${p}`);
          if (path === '/cases') await page.locator('tr[data-case]').first().screenshot({ path: `${SHOTS}fits-list-${role}-${viewport.width}.png` });
        }
        await page.context().close();
      }
      expect(problems).toEqual([]);
    });
  }

  it('a 320-px phone, narrower than the badge: it wraps between its parts and stays inside its card', async () => {
    const page = await signedIn('deputy', { width: 320, height: 700 });
    await page.goto(`${origin}/cases`);
    expect(await page.evaluate(badgeProblems)).toEqual([]);
    const lines = await page.$eval('tr[data-case] .badge.due', (b) => Math.round(b.getBoundingClientRect().height / parseFloat((globalThis as any).getComputedStyle(b).lineHeight)));
    expect(lines).toBe(2);
    await page.locator('tr[data-case]').first().screenshot({ path: `${SHOTS}fits-list-deputy-320.png` });
    await page.context().close();
  });

  it('节假日未录入: court staff read it beside the deadline, as a note; deputies and station staff do not; no badge carries it', async () => {
    const seen: Record<string, { notes: number; inBadge: boolean }> = {};
    for (const role of ['court', 'deputy', 'station']) {
      const page = await signedIn(role, PHONE);
      for (const path of ['/cases', `/cases/${caseId}`]) {
        await page.goto(`${origin}${path}`);
        const notes = await page.locator('[data-testid=calendar-gap]').count();
        const inBadge = await page.evaluate(() => [...document.querySelectorAll('.badge')].some((b: any) => b.textContent.includes('节假日未录入')));
        seen[`${role} ${path}`] = { notes: Math.min(notes, 1), inBadge };
      }
      await page.context().close();
    }
    expect(seen).toEqual({
      'court /cases': { notes: 1, inBadge: false },
      [`court /cases/${caseId}`]: { notes: 1, inBadge: false },
      'deputy /cases': { notes: 0, inBadge: false },
      [`deputy /cases/${caseId}`]: { notes: 0, inBadge: false },
      'station /cases': { notes: 0, inBadge: false },
      [`station /cases/${caseId}`]: { notes: 0, inBadge: false },
    });
  });

  it('note boxes keep their text off the border (记录履行, 撤回, the station card)', async () => {
    const padding: Record<string, number[]> = {};
    for (const [role, path] of [
      ['deputy', `/cases/${caseId}/events/RECORD_PERFORMANCE`],
      ['station', `/cases/${caseId}/events/WITHDRAW`],
      ['station', '/stations/HL01/card'],
    ]) {
      const page = await signedIn(role, PHONE);
      await page.goto(`${origin}${path}`);
      padding[path] = await page.$$eval('main .notice', (els) => els.map((e) => parseFloat(getComputedStyle(e).paddingLeft)));
      await page.screenshot({ path: `${SHOTS}fits-notice-${role}-${path.split('/').pop()}.png`, fullPage: true });
      await page.context().close();
    }
    for (const [path, lefts] of Object.entries(padding)) {
      expect(lefts.length, path).toBeGreaterThan(0);
      for (const left of lefts) expect(left, path).toBeGreaterThanOrEqual(8);
    }
  });

  it("the admin's home leads with the to-do: its first item on screen at once on the phone, a badge that says what to do; the users table inside its column on the desk", async () => {
    const seen: Record<string, unknown> = {};
    for (const viewport of [PHONE, DESK]) {
      const page = await signedIn('admin', viewport);
      await page.goto(`${origin}/admin/users`);
      seen[viewport.width] = await page.evaluate(() => {
        const first = document.querySelector('[data-testid=todo] li');
        const r = first.getBoundingClientRect();
        const table = document.querySelector('[data-testid=users]');
        const column = table.closest('.col-main').getBoundingClientRect();
        return {
          todo: first.textContent.replace(/\s+/g, ' ').trim(),
          onScreen: r.top >= 0 && r.bottom <= innerHeight,
          sideways: document.documentElement.scrollWidth > document.documentElement.clientWidth,
          // On the desk, beside the new-user form: every button of every row in sight (on the phone the columns stack).
          tablePastColumn: column.width > 0 && table.getBoundingClientRect().right > column.right + 1,
        };
      });
      await page.screenshot({ path: `${SHOTS}fits-admin-home-${viewport.width}.png`, fullPage: true });
      await page.context().close();
    }
    const year = Number(shanghaiDate(new Date().toISOString()).slice(0, 4));
    for (const width of [PHONE.width, DESK.width]) {
      // No year is entered here: nothing runs out, so no 临近届满 — what to do.
      expect(seen[width], String(width)).toEqual({ todo: `待录入 ${year} 年法定节假日安排尚未录入`, onScreen: true, sideways: false, tablePastColumn: false });
    }
  });

  it('a log filter it cannot read: on the phone and the desk the reason in words under the field, what was typed in it, nothing off the screen', async () => {
    const seen: Record<string, unknown> = {};
    for (const viewport of [PHONE, DESK]) {
      for (const [role, path] of [
        ['committee', '/audit?from=2026/12/01'],
        ['admin', '/access-log?from=2026/12/01'],
      ]) {
        const page = await signedIn(role, viewport);
        const answer = await page.goto(`${origin}${path}`);
        seen[`${role} ${path} ${viewport.width}`] = {
          status: answer?.status(),
          ...(await page.evaluate(() => {
            const field = document.querySelector('#f-from');
            const error = document.querySelector('[data-testid=filter-error-from]');
            const f = field.getBoundingClientRect();
            const e = error.getBoundingClientRect();
            return {
              value: field.value,
              error: error.textContent,
              under: e.top >= f.bottom - 1 && e.left >= f.left - 1 && e.right <= innerWidth,
              sideways: document.documentElement.scrollWidth > document.documentElement.clientWidth,
              iso: document.body.innerText.includes('ISO'),
            };
          })),
        };
        await page.screenshot({ path: `${SHOTS}fits-log-filter-${role}-${viewport.width}.png`, fullPage: true });
        await page.context().close();
      }
    }
    for (const [key, value] of Object.entries(seen)) {
      expect(value, key).toEqual({ status: 400, value: '2026/12/01', error: '请填写有效的日期，例如 2026-11-24', under: true, sideways: false, iso: false });
    }
  });

  it('the audit log fits a 1280-px window: no sideways scroll, the table inside the page, 操作 on one line', async () => {
    for (const role of ['committee', 'admin']) {
      const page = await signedIn(role, DESK);
      await page.goto(`${origin}/audit`);
      const fit = await page.evaluate(() => {
        const table = document.querySelector('[data-testid=audit]');
        const actions = [...table.querySelectorAll('tbody td.card-title')];
        return {
          page: document.documentElement.scrollWidth <= document.documentElement.clientWidth,
          table: table.getBoundingClientRect().right <= innerWidth,
          rows: actions.length,
          // One line: the text's boxes, one a line, are one.
          oneLineActions: actions.every((td: any) => {
            const range = document.createRange();
            range.selectNodeContents(td);
            return range.getClientRects().length === 1;
          }),
        };
      });
      await page.screenshot({ path: `${SHOTS}fits-audit-${role}-1280.png`, fullPage: true });
      const phone = await signedIn(role, PHONE);
      await phone.goto(`${origin}/audit`);
      await phone.screenshot({ path: `${SHOTS}fits-audit-${role}-390.png`, fullPage: true });
      await phone.locator('[data-testid=audit] tbody tr').nth(-2).screenshot({ path: `${SHOTS}fits-audit-${role}-390-row.png` });
      await phone.context().close();
      await page.context().close();
      expect(fit).toEqual({ page: true, table: true, rows: expect.any(Number), oneLineActions: true });
      expect(fit.rows).toBeGreaterThan(5);
    }
  });
});
