/**
 * Every page each role uses, in Chromium on a 390 × 844 phone (DESIGN §13, issue 15 §2): no page
 * is wider than the screen (the document's scrollWidth ≤ its clientWidth) and every visible
 * button, link and input is at least 44 px tall (a checkbox or radio: its label). Each role's
 * pages are written to screenshots/ on the phone and on a 1280-px desktop.
 */
import { sql } from 'drizzle-orm';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rowsOf, type Db } from '../../src/db/client.js';
import { applyEvent, createEntity } from '../../src/engine/apply.js';
import { recordActivity } from '../../src/engine/activities.js';
import { createDeputy, createStation } from '../../src/engine/directory.js';
import { caseStore, supervisionStore } from '../../src/engine/stores.js';
import { acceptSubmission, declineSubmission } from '../../src/engine/submissions.js';
import type { Actor } from '../../src/machines/roles.js';
import { ADMIN_ACTOR, browserFixture, person, SHOTS, type BrowserFixture } from '../helpers/browser.js';

// The check below runs in the browser; the project's types are Node's, so the DOM is declared loosely here.
declare const document: any;
declare const HTMLInputElement: any;
declare function getComputedStyle(el: unknown): { visibility: string; display: string };

const PHONE = { width: 390, height: 844 };
const DESKTOP = { width: 1280, height: 900 };

let fx: BrowserFixture;
let origin: string;
let caseId = '';
let supervisionId = '';
let userId = '';
let deputyId = '';
let activityId = '';
let stationActor: Actor;
/** A citizen's submission in each state: pending, declined, accepted (which names its case instead of the citizen). */
const submissionIds: Record<string, string> = {};

async function seed(db: Db) {
  const none = { render: () => ({ body: {} }) };
  await createStation(db, ADMIN_ACTOR, { code: 'HL01', name: '呼兰区人民法院人大代表联络站', kind: 'court', district: '呼兰区', hotline: '0451-57301234' });
  const wang = await createDeputy(db, ADMIN_ACTOR, { name: '王丽', level: 'county', stationCode: 'HL01', expertise: ['民间借贷', '婚姻家庭'], phone: '13900001111' });
  deputyId = wang.id;
  await createDeputy(db, ADMIN_ACTOR, { name: '欧阳建国', level: 'municipal', stationCode: 'HL01', expertise: ['物业服务合同'] });
  const court = await person(db, '李书记员', 'court', 'court1');
  await person(db, '王丽', 'deputy', 'deputy1', { deputyId: wang.id });
  const station = await person(db, '刘站长', 'station', 'station1', { stationCode: 'HL01' });
  stationActor = station;
  const committee = await person(db, '周委员', 'committee', 'committee1');
  userId = (await person(db, '系统管理员', 'admin', 'admin1')).id;
  const created = await createEntity(
    { db },
    caseStore,
    court,
    {
      track: 'pre_filing',
      source: 'walk_in',
      stationCode: 'HL01',
      disputeType: '物业服务合同',
      summary: '物业费拖欠两年，业主称电梯长期故障',
      claimAmount: '12000.00',
      parties: [
        { role: 'applicant', name: '黑龙江省哈尔滨市呼兰区某某物业服务有限公司', idNumber: '91230111MA1B2C3D4E', phone: '13604511234' },
        { role: 'respondent', name: '司马长风', phone: '13912345678' },
      ],
    },
    { render: (w) => ({ body: { id: w.row.id } }) },
  );
  caseId = (created.body as { id: string }).id;
  await applyEvent({ db }, caseStore, court, caseId, { type: 'ACCEPT' }, none);
  await applyEvent({ db }, caseStore, court, caseId, { type: 'ASSIGN', deputyIds: [wang.id] }, none);
  const at = new Date(Date.now() + 3 * 86_400_000).toISOString();
  await applyEvent({ db }, caseStore, court, caseId, { type: 'SCHEDULE_SESSION', at, location: '呼兰区人民法院联络站调解室' }, none);
  const item = await createEntity(
    { db },
    supervisionStore,
    committee,
    { kind: 'enforcement_inspection', subject: '物业纠纷诉前调解工作情况', respondent: '呼兰区人民法院', caseIds: [caseId] },
    { render: (w) => ({ body: { id: w.row.id } }) },
  );
  supervisionId = (item.body as { id: string }).id;
  const today = new Date(Date.now() + 8 * 3_600_000).toISOString().slice(0, 10);
  const activity = await recordActivity(db, station, 'HL01', { date: today, theme: '代表接待日', content: '接待选民反映物业问题三起', deputyIds: [wang.id], votersReceived: 3 });
  activityId = (activity.body as { id: string }).id;
}

/** What each role opens, its home page first (the ones screenshotted on a desktop too are marked). */
function pagesOf(role: string): { path: string; main?: boolean; status?: number }[] {
  const c = `/cases/${caseId}`;
  const s = `/supervisions/${supervisionId}`;
  switch (role) {
    case 'court':
      return [
        { path: '/cases', main: true },
        { path: c, main: true },
        { path: '/cases/new', main: true },
        { path: `${c}/events/RECORD_SESSION` },
        { path: `${c}/events/REACH_AGREEMENT`, main: true },
        { path: '/cases?overdue=true' },
        { path: '/submissions' },
        { path: '/supervisions' },
        { path: s },
        { path: '/dashboard' },
        { path: '/imports' },
        { path: '/todo' },
        { path: '/notifications' },
        { path: '/password' },
      ];
    case 'deputy':
      return [{ path: '/cases', main: true }, { path: c, main: true }, { path: `${c}/events/RECORD_SESSION` }, { path: '/todo' }, { path: '/notifications' }];
    case 'station':
      return [
        { path: '/cases', main: true },
        { path: '/stations/HL01/activities', main: true },
        { path: `/stations/HL01/activities/${activityId}/edit`, main: true },
        { path: c },
        { path: '/cases/new' },
        { path: '/submissions', main: true },
        { path: '/submissions?status=accepted', main: true },
        { path: '/submissions?status=declined' },
        { path: `/submissions/${submissionIds.pending}` },
        { path: `/submissions/${submissionIds.declined}` },
        { path: `/submissions/${submissionIds.accepted}`, main: true },
        { path: '/stations/HL01/card' },
        { path: '/todo' },
        // A paging link the list cannot read: its first page, with a note.
        { path: '/cases?cursor=abc' },
        { path: '/notifications?cursor=zzz' },
      ];
    case 'committee':
      return [
        { path: '/dashboard', main: true },
        { path: '/supervisions', main: true },
        { path: s },
        { path: '/cases' },
        { path: '/cases?overdue=true' },
        { path: '/audit' },
        { path: '/access-log' },
        // A filter the log cannot read: a 400 with its reason under the field.
        { path: '/access-log?from=2026/12/01', main: true, status: 400 },
        { path: '/todo' },
      ];
    case 'admin':
      return [
        { path: '/admin/users', main: true },
        { path: '/admin/stations', main: true },
        { path: '/admin/deputies' },
        { path: '/admin/stations/HL01/edit', main: true },
        { path: `/admin/deputies/${deputyId}/edit`, main: true },
        { path: `/admin/users/${userId}` },
        { path: '/admin/webhooks' },
        { path: '/admin/calendar' },
        { path: '/imports' },
        { path: '/audit' },
        { path: '/audit?from=2026/12/01&action=nope', main: true, status: 400 },
      ];
    default: // citizen: no sign-in
      return [{ path: '/s/HL01', main: true }, { path: '/status', main: true }, { path: '/login' }];
  }
}

const LOGINS: Record<string, string> = { court: 'court1', deputy: 'deputy1', station: 'station1', committee: 'committee1', admin: 'admin1' };

async function signedIn(role: string, viewport: { width: number; height: number }): Promise<Page> {
  const page = await fx.newPage(viewport);
  const login = LOGINS[role];
  if (login) await fx.signIn(page, login);
  return page;
}

/** What is wrong with the page on this screen: wider than it, or a tap target under 44 px. */
function problemsOnPage(): string[] {
  const problems: string[] = [];
  const doc = document.documentElement;
  if (doc.scrollWidth > doc.clientWidth) {
    // Name the widest culprits: the elements whose right edge passes the screen.
    const wide = [...document.body.querySelectorAll('*')]
      .filter((e: any) => e.getBoundingClientRect().right > doc.clientWidth + 1 && !e.closest('.main-nav'))
      .slice(-3)
      .map((e: any) => `${e.tagName.toLowerCase()}${e.className ? `.${String(e.className).split(' ').join('.')}` : ''} (${Math.round(e.getBoundingClientRect().right)})`);
    problems.push(`wider than the screen: ${doc.scrollWidth} > ${doc.clientWidth} px: ${wide.join(', ')}`);
  }
  for (const el of document.querySelectorAll('a[href], button, input, select, textarea, summary')) {
    if (el instanceof HTMLInputElement && el.type === 'hidden') continue;
    const style = getComputedStyle(el);
    if (style.visibility === 'hidden' || style.display === 'none') continue;
    const box = el.getBoundingClientRect();
    if (box.width === 0 || box.height === 0) continue;
    if (el.closest('[hidden], details:not([open]) > :not(summary)')) continue;
    // A checkbox or radio is tapped through its label.
    const target = el instanceof HTMLInputElement && (el.type === 'checkbox' || el.type === 'radio') ? (el.closest('label') ?? el) : el;
    const h = target.getBoundingClientRect().height;
    if (h < 44 - 0.5) {
      const text = (el.textContent || el.name || el.getAttribute('aria-label') || '').trim().slice(0, 20);
      problems.push(`${el.tagName.toLowerCase()} "${text}" is ${Math.round(h)} px tall`);
    }
  }
  return problems;
}

const slug = (path: string) => path.replace(/[0-9a-f]{8}-[0-9a-f-]{27}/g, 'id').replace(/[^\w]+/g, '-').replace(/^-|-$/g, '') || 'home';

beforeAll(async () => {
  fx = await browserFixture(seed);
  origin = fx.origin;
  // Citizens' submissions, so that the queue has a card to show in each state.
  for (const [state, name, phone] of [
    ['pending', '诸葛明月', '13811112222'],
    ['declined', '欧阳春花', '13811113333'],
    ['accepted', '司徒雪', '13811114444'],
  ]) {
    const sent = await fetch(`${origin}/api/public/submissions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ stationCode: 'HL01', name, phone, counterparty: '隔壁邻居', disputeType: '邻里纠纷', description: '楼上漏水多次协商未果，天花板发霉，希望联络站帮忙调解赔偿维修费用', consent: true }),
    });
    expect(sent.status).toBe(201);
    const [row] = rowsOf<{ id: string }>(await fx.database.db.execute(sql`select id from submissions where phone_last4 = ${phone.slice(-4)}`));
    submissionIds[state] = row.id;
  }
  await declineSubmission(fx.database.db, stationActor, submissionIds.declined, { reason: '属物业管理事项，已告知向小区物业服务中心反映并留存联系方式' });
  await acceptSubmission({ db: fx.database.db }, stationActor, submissionIds.accepted, { track: 'pre_filing' }, { render: () => ({ body: {} }) });
}, 400_000);

afterAll(async () => fx?.close());

describe('every page on a 390-px phone', () => {
  for (const role of ['court', 'deputy', 'station', 'committee', 'admin', 'citizen']) {
    it(`${role}: no page wider than the screen, no tap target under 44 px`, { timeout: 300_000 }, async () => {
      const phone = await signedIn(role, PHONE);
      const desktop = await signedIn(role, DESKTOP);
      const problems: string[] = [];
      for (const { path, main, status } of pagesOf(role)) {
        const r = await phone.goto(`${origin}${path}`);
        if (status) expect(r?.status(), path).toBe(status);
        else expect(r?.status(), path).toBeLessThan(400);
        for (const p of await phone.evaluate(problemsOnPage)) problems.push(`${path}: ${p}`);
        await phone.screenshot({ path: `${SHOTS}phone-${role}-${slug(path)}.png`, fullPage: true });
        if (main) {
          await desktop.goto(`${origin}${path}`);
          await desktop.screenshot({ path: `${SHOTS}desktop-${role}-${slug(path)}.png`, fullPage: true });
        }
      }
      expect(problems).toEqual([]);
      await phone.context().close();
      await desktop.context().close();
    });
  }
});
