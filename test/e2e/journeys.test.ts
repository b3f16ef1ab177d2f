/**
 * The web interface in a real browser: Debian's headless Chromium driven by playwright-core,
 * against the app served in-process by @hono/node-server on an in-memory PGlite. One journey per
 * role, in the order the work happens; each main page is written to screenshots/.
 *
 * Also checked on every page: no request leaves the machine (stylesheet, scripts and ECharts are
 * all served by jiefen itself).
 */
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Db } from '../../src/db/client.js';
import { createEntity, applyEvent } from '../../src/engine/apply.js';
import { createDeputy, createStation, ensureAdmin } from '../../src/engine/directory.js';
import { stores } from '../../src/engine/registry.js';
import { caseStore } from '../../src/engine/stores.js';
import { sweep } from '../../src/engine/sweeper.js';
import { deadlineStatus, loadCalendar } from '../../src/engine/legal-time.js';
import { art85End } from '../../src/machines/calendar.js';
import { ADMIN_ACTOR, browserFixture, person, SHOTS, type BrowserFixture } from '../helpers/browser.js';

let fx: BrowserFixture;
let origin: string;
const external: string[] = [];
let admin: { login: string; password: string };
const deputies: Record<string, string> = {};
let overdueCaseNumber = '';
let caseId = '';
let caseNumber = '';
let supervisionUrl = '';

const daysFromNow = (days: number) => new Date(Date.now() + days * 86_400_000 + 8 * 3_600_000).toISOString().slice(0, 10);
async function seed(db: Db) {
  await createStation(db, ADMIN_ACTOR, { code: 'HL01', name: '呼兰区人民法院人大代表联络站', kind: 'court', district: '呼兰区' });
  await createStation(db, ADMIN_ACTOR, { code: 'DW03', name: '道外区太古街道人大代表联络站', kind: 'street', district: '道外区' });
  for (const [key, body] of Object.entries({
    wang: { name: '王丽', level: 'county', stationCode: 'HL01', expertise: ['民间借贷', '婚姻家庭'], phone: '13900001111' },
    zhao: { name: '赵刚', level: 'municipal', stationCode: 'HL01', expertise: ['物业纠纷'] },
    sun: { name: '孙明', level: 'county', stationCode: 'DW03', expertise: ['劳动争议'] },
  })) {
    deputies[key] = (await createDeputy(db, ADMIN_ACTOR, body)).id;
  }
  await person(db, '王丽', 'deputy', 'wangli', { deputyId: deputies.wang });
  await person(db, '周委员', 'committee', 'zhouwy');
  await person(db, '刘站长', 'station', 'liuzz', { stationCode: 'HL01' });
  // An enforcement referral opened seven months ago, now over its six-month limit.
  const court = await person(db, '执行局 陈', 'court', 'chenzx');
  const ctx = { db };
  const opened = new Date(Date.now() - 215 * 86_400_000).toISOString();
  const created = await createEntity(
    ctx,
    caseStore,
    court,
    {
      source: 'enforcement_referral',
      stationCode: 'HL01',
      disputeType: '民间借贷',
      summary: '（2025）黑0111民初88号判决确定的借款本息未履行',
      enforceableDocument: '（2025）黑0111民初88号民事判决书',
      owedAmount: '100000.00',
      parties: [
        { role: 'applicant', name: '赵春华', idNumber: '230111198002024321', phone: '13604511234' },
        { role: 'respondent', name: '钱某某' },
      ],
      occurredAt: opened,
    },
    { render: (w) => ({ body: { id: w.row.id, number: w.row.number } }) },
  );
  const referral = created.body as { id: string; number: string };
  overdueCaseNumber = referral.number;
  await applyEvent(ctx, caseStore, court, referral.id, { type: 'RECORD_MEASURE', kind: 'freeze', note: '冻结银行存款' }, { render: () => ({ body: {} }) });
  await applyEvent(ctx, caseStore, court, referral.id, { type: 'RECORD_RECOVERY', amount: '30000.00' }, { render: () => ({ body: {} }) });
  await sweep({ db }, stores);
}

/** A desktop page whose every request is checked: none may leave the machine. */
async function newPage(): Promise<Page> {
  const page = await fx.newPage(undefined, 15_000);
  page.context().on('request', (r) => {
    const url = r.url();
    if (!url.startsWith(origin) && !url.startsWith('data:') && !url.startsWith('about:')) external.push(url);
  });
  return page;
}

async function shot(page: Page, name: string) {
  await page.screenshot({ path: `${SHOTS}${name}.png`, fullPage: true });
}

const signIn = (page: Page, login: string, password: string) => fx.signIn(page, login, password);

/** Open an event's form from the case or item page, fill it, submit, and land on the page again. */
async function act(page: Page, event: string, fill: (page: Page) => Promise<void> = async () => {}, screenshot?: string) {
  await page.click(`[data-testid=actions] a[data-event=${event}]`);
  await page.waitForSelector(`form.event-form[data-event=${event}]`);
  await fill(page);
  if (screenshot) await shot(page, screenshot);
  await Promise.all([page.waitForURL(/#timeline$/), page.click('form.event-form button[type=submit]')]);
}

const stateWords = (page: Page) => page.textContent('[data-testid=state-words]');
const timelineLength = (page: Page) => page.locator('[data-testid=timeline] > li').count();

beforeAll(async () => {
  fx = await browserFixture(async (db) => {
    admin = (await ensureAdmin(db, undefined))!.signIn!;
    await seed(db);
  });
  origin = fx.origin;
}, 120_000);

afterAll(async () => fx?.close());

describe.sequential('the web interface in Chromium', () => {
  let clerk: Page;
  let deputy: Page;

  it('the admin signs in with the first password, replaces it and creates a court clerk', async () => {
    const page = await newPage();
    await page.goto(origin);
    expect(page.url()).toBe(`${origin}/login`); // `/` sends a stranger to sign in
    await shot(page, '01-sign-in');
    await signIn(page, admin.login, admin.password);
    expect(page.url()).toBe(`${origin}/password`);
    await expect(page.textContent('.notice')).resolves.toContain('初始密码');
    await page.fill('#f-currentPassword', admin.password);
    await page.fill('#f-newPassword', 'admin-own-password');
    await page.fill('#f-confirmPassword', 'admin-own-password');
    await Promise.all([page.waitForURL(`${origin}/admin/users`), page.click('form[action="/password"] button[type=submit]')]);

    await page.fill('#f-name', '李书记员');
    await page.selectOption('#f-role', 'court');
    await page.fill('#f-login', 'lishuji');
    await page.fill('#f-password', 'Initial-2026');
    await Promise.all([page.waitForLoadState('load'), page.click('form[action="/admin/users"] button[type=submit]')]);
    await expect(page.textContent('[data-testid=token]')).resolves.toMatch(/jf_/);
    await expect(page.textContent('tr[data-user=lishuji]')).resolves.toContain('待修改初始密码');
    await shot(page, '02-admin-users');
    await page.goto(`${origin}/admin/stations`);
    await expect(page.textContent('[data-testid=stations]')).resolves.toContain('呼兰区人民法院人大代表联络站');
  });

  it('a court clerk signs in, opens a case (field errors first), accepts and assigns it', async () => {
    clerk = await newPage();
    await signIn(clerk, 'lishuji', 'Initial-2026');
    expect(clerk.url()).toBe(`${origin}/password`);
    await clerk.fill('#f-currentPassword', 'Initial-2026');
    await clerk.fill('#f-newPassword', 'Clerk-own-2026');
    await clerk.fill('#f-confirmPassword', 'Clerk-own-2026');
    await Promise.all([clerk.waitForURL(`${origin}/cases`), clerk.click('form[action="/password"] button[type=submit]')]);

    await clerk.click('a.button.primary[href="/cases/new"]');
    await clerk.selectOption('#f-stationCode', 'HL01');
    await clerk.fill('#f-disputeType', '民间借贷');
    await clerk.fill('#f-claimAmount', '20000.555');
    await clerk.fill('#f-parties_0_name', '张三');
    await clerk.fill('#f-parties_0_idNumber', '2301-0219');
    await clerk.fill('#f-parties_0_phone', '12');
    // Leave the summary empty: the browser would stop at `required`, so submit past it, as an old browser would.
    await clerk.$eval('form.new-case', (f) => f.setAttribute('novalidate', ''));
    await Promise.all([clerk.waitForLoadState('load'), clerk.click('form.new-case button[type=submit].primary')]);
    const errors = await clerk.textContent('[data-testid=error]');
    expect(errors).toContain('请检查填写的内容');
    await expect(clerk.textContent('[data-field=summary] .field-error')).resolves.toBe('必填');
    await expect(clerk.textContent('[data-field="parties.0.idNumber"] .field-error')).resolves.toContain('证件号码须为 6–20 位字母或数字');
    await expect(clerk.textContent('[data-field="parties.0.phone"] .field-error')).resolves.toContain('请填写 11 位手机号码');
    await expect(clerk.textContent('[data-field=claimAmount] .field-error')).resolves.toContain('金额须为不超过两位小数的非负数');
    await expect(clerk.inputValue('#f-parties_0_name')).resolves.toBe('张三');
    await shot(clerk, '03-court-new-case-field-errors');

    await clerk.fill('#f-summary', '申请人张三于2025年3月借给被申请人李四两万元，约定年底归还，到期未还。');
    await clerk.fill('#f-claimAmount', '20000.50');
    await clerk.fill('#f-parties_0_idNumber', '230102199001011234');
    await clerk.fill('#f-parties_0_phone', '13812345678');
    await clerk.fill('#f-parties_1_name', '李四');
    await clerk.fill('#f-parties_1_idNumber', '230103198505054321');
    await Promise.all([clerk.waitForURL(/\/cases\/[0-9a-f-]{36}\?ok=created$/), clerk.click('form.new-case button[type=submit].primary')]);
    caseId = /\/cases\/([0-9a-f-]{36})/.exec(clerk.url())![1];
    caseNumber = (await clerk.textContent('h1'))!.trim().split(/\s/)[0];
    expect(caseNumber).toMatch(/^\d{4}-HL01-\d{6}$/);
    await expect(stateWords(clerk)).resolves.toContain('登记待审查');
    await expect(clerk.textContent('[data-testid=parties]')).resolves.toContain('230102199001011234');

    await act(clerk, 'ACCEPT');
    await expect(stateWords(clerk)).resolves.toContain('待指派调解');
    await act(clerk, 'ASSIGN', async (p) => {
      await p.fill('#f-mediatorName', '周调解员');
      await p.check(`input[name=deputyIds][value="${deputies.wang}"]`);
    }, '04a-court-assign-form');
    await expect(stateWords(clerk)).resolves.toContain('调解中');
    // 30 days, or more when the 30th day is a rest day (民诉法 Art 85, DESIGN §11): the end the engine stamped.
    const lastDay = daysFromNow(30);
    const mediationEnd = art85End(lastDay, await loadCalendar(fx.database.db, lastDay, daysFromNow(90)));
    const daysLeft = deadlineStatus(mediationEnd.dueAt, new Date()).daysLeft;
    expect(daysLeft).toBeGreaterThanOrEqual(30);
    await expect(clerk.textContent('[data-testid=deadlines]')).resolves.toMatch(new RegExp(`调解期限[\\s\\S]*剩余 ${daysLeft} 天`));
    await expect(clerk.textContent('[data-testid=timeline]')).resolves.toMatch(/指派调解员和代表[\s\S]*王丽/);
    await expect(clerk.locator('.node.current').textContent()).resolves.toBe('调解中');
    expect(await timelineLength(clerk)).toBe(3);
    await shot(clerk, '04-court-case-page');
    await clerk.goto(`${origin}/cases`);
    await expect(clerk.textContent('[data-testid=case-list]')).resolves.toContain(caseNumber);
    await shot(clerk, '05-court-case-list');
  });

  it('the deputy signs in, sees only their case, masked, and records a session and an agreement', async () => {
    deputy = await newPage();
    await signIn(deputy, 'wangli', 'wangli-pass-2026');
    expect(deputy.url()).toBe(`${origin}/cases`);
    await expect(deputy.textContent('h1')).resolves.toContain('我的案件');
    const list = (await deputy.textContent('[data-testid=case-list]'))!;
    expect(list).toContain(caseNumber);
    expect(list).not.toContain(overdueCaseNumber);
    await shot(deputy, '06-deputy-my-cases');

    await deputy.click(`a[href="/cases/${caseId}"]`);
    const parties = (await deputy.textContent('[data-testid=parties]'))!;
    expect(parties).toContain('23010*********1234');
    expect(parties).toContain('1******5678');
    expect(parties).not.toContain('230102199001011234');
    const buttons = await deputy.locator('[data-testid=actions] a').evaluateAll((as) => as.map((a) => a.getAttribute('data-event')));
    expect(buttons).toEqual(expect.arrayContaining(['RECUSE', 'SCHEDULE_SESSION', 'RECORD_SESSION', 'REACH_AGREEMENT', 'FAIL']));
    expect(buttons).not.toContain('ACCEPT');
    expect(buttons).not.toContain('PAUSE');

    await deputy.click('[data-testid=actions] a[data-event=RECORD_SESSION]');
    await deputy.fill('#f-minutes', '双方到场。被申请人承认借款，同意分两期归还；申请人同意放弃利息。');
    await expect(deputy.isChecked(`input[name=attendeeDeputyIds][value="${deputies.wang}"]`)).resolves.toBe(true);
    await shot(deputy, '07-deputy-record-session-form');
    await Promise.all([deputy.waitForURL(/#timeline$/), deputy.click('form.event-form button[type=submit]')]);
    await expect(deputy.textContent('.flash')).resolves.toContain('已办理「记录调解」');

    await act(deputy, 'REACH_AGREEMENT', async (p) => {
      await p.fill('#f-terms', '李四于履行期限前分两期归还张三借款 20000.50 元。');
      await p.fill('#f-amount', '20000.50');
      await p.fill('#f-dueDate', daysFromNow(45));
    });
    await expect(stateWords(deputy)).resolves.toContain('协议履行中');
    await expect(deputy.textContent('#facts')).resolves.toContain('¥20,000.50');
    await expect(deputy.textContent('[data-testid=timeline]')).resolves.toMatch(/达成调解协议[\s\S]*协议金额（元）[\s\S]*¥20,000\.50/);
    await shot(deputy, '08-deputy-case-after-agreement');
  });

  it('a refused action shows a Chinese error and changes nothing', async () => {
    // The clerk opens a form; meanwhile the deputy records a payment on the same case.
    await clerk.goto(`${origin}/cases/${caseId}/events/RECORD_PERFORMANCE`);
    await clerk.fill('#f-amount', '15000.50');
    await deputy.goto(`${origin}/cases/${caseId}`);
    await act(deputy, 'RECORD_PERFORMANCE', async (p) => {
      await p.fill('#f-amount', '5000');
    });
    const events = await timelineLength(deputy);
    await Promise.all([clerk.waitForLoadState('load'), clerk.click('form.event-form button[type=submit]')]);
    const error = (await clerk.textContent('[data-testid=error]'))!;
    expect(error).toContain('记录已被他人更新');
    expect(error).toMatch(/他人已办理了 1 项操作.*请核对最新情况后再次提交/);
    expect(error).toContain('未作任何更改');
    await shot(clerk, '09-refused-stale-form');
    await clerk.goto(`${origin}/cases/${caseId}`);
    expect(await timelineLength(clerk)).toBe(events);
    await expect(clerk.textContent('#facts')).resolves.toMatch(/已履行\s*¥5,000\.00/);

    // A malformed amount: the field says why, nothing is written.
    await clerk.goto(`${origin}/cases/${caseId}/events/RECORD_PERFORMANCE`);
    await clerk.fill('#f-amount', '一万五');
    await Promise.all([clerk.waitForLoadState('load'), clerk.click('form.event-form button[type=submit]')]);
    await expect(clerk.textContent('[data-field=amount] .field-error')).resolves.toContain('金额须为不超过两位小数的非负数');
    await clerk.goto(`${origin}/cases/${caseId}`);
    expect(await timelineLength(clerk)).toBe(events);

    // A deputy never confirms (代表法 Art 59): the form is not offered.
    await deputy.goto(`${origin}/cases/${caseId}/events/APPLY_CONFIRMATION`);
    await expect(deputy.textContent('[data-testid=unavailable]')).resolves.toContain('此操作当前不可办理');
    expect(await deputy.locator('form.event-form').count()).toBe(0);

    // The clerk records the rest: performed in full, the case closes.
    await act(clerk, 'RECORD_PERFORMANCE', async (p) => {
      await p.fill('#f-amount', '15000.50');
    });
    await expect(stateWords(clerk)).resolves.toContain('已结案');
    await expect(stateWords(clerk)).resolves.toContain('履行完毕');
  });

  it('station staff open a case received at the station and keep the activity register', async () => {
    const page = await newPage();
    await signIn(page, 'liuzz', 'liuzz-pass-2026');
    await expect(page.textContent('h1')).resolves.toContain('本站案件');
    await page.click('a.button.primary[href="/cases/new"]');
    const sources = await page.locator('#f-source option').evaluateAll((os) => os.map((o) => o.getAttribute('value')));
    expect(sources).toEqual(['walk_in', 'qr_code', 'hotline', 'home_visit']);
    await expect(page.textContent('#f-stationCode')).resolves.toContain('呼兰区人民法院人大代表联络站');
    await page.selectOption('#f-source', 'qr_code');
    await page.fill('#f-disputeType', '物业服务合同');
    await page.fill('#f-summary', '业主扫码反映：楼顶漏水三个月，物业公司拒不维修，业主拒交物业费。');
    await page.fill('#f-parties_0_name', '孙丽华');
    await page.fill('#f-parties_0_phone', '13945671234');
    await page.fill('#f-parties_1_name', '某物业服务有限公司');
    await shot(page, '10-station-new-case-form');
    await Promise.all([page.waitForURL(/\?ok=created$/), page.click('form.new-case button[type=submit].primary')]);
    await expect(page.textContent('[data-testid=parties]')).resolves.toContain('13945671234');
    await expect(page.textContent('#facts')).resolves.toContain('扫码联');

    await page.click('a[href="/stations/HL01/activities"]');
    await page.fill('#f-theme', '代表接待日：物业纠纷专题');
    await page.fill('#f-content', '王丽、赵刚两位代表进站接待选民，听取关于物业服务的意见 6 条，现场调解 1 件。');
    await page.check(`input[name=deputyIds][value="${deputies.wang}"]`);
    await page.check(`input[name=deputyIds][value="${deputies.zhao}"]`);
    await page.fill('#f-votersReceived', '12');
    await Promise.all([page.waitForURL(/\?ok=recorded$/), page.click('form[action="/stations/HL01/activities"] button[type=submit]')]);
    const register = (await page.textContent('[data-testid=activities]'))!;
    expect(register).toContain('代表接待日：物业纠纷专题');
    expect(register).toContain('王丽、赵刚');
    await shot(page, '11-station-activity-register');
  });

  it('the committee sees the case in the dashboard and runs a supervision item to closure', async () => {
    const page = await newPage();
    await signIn(page, 'zhouwy', 'zhouwy-pass-2026');
    expect(page.url()).toBe(`${origin}/dashboard`);
    await page.waitForSelector('[data-chart=bySource] svg');
    await page.waitForSelector('[data-chart=stations] svg');
    const kpis = (await page.textContent('[data-testid=kpis]'))!;
    expect(kpis).toMatch(/登记案件数\s*3/);
    expect(kpis).toMatch(/调解成功率\s*100\.0%/);
    expect(kpis).toMatch(/执行到位率\s*30\.0%/);
    await expect(page.textContent('[data-testid=overdue-cases]')).resolves.toContain(overdueCaseNumber);
    await expect(page.textContent('[data-testid=station-figures]')).resolves.toMatch(/呼兰区人民法院人大代表联络站\s*3\s*1\s*2\s*12/);
    await shot(page, '12-committee-dashboard');

    // The CSV for the signed-in user (the JSON API itself takes bearer tokens only).
    const csv = await page.request.get(`${origin}/dashboard/enforcement.csv`);
    expect(csv.status()).toBe(200);
    expect(csv.headers()['content-type']).toMatch(/^text\/csv/);
    expect(await csv.text()).toMatch(/^\uFEFF栏目,项目,数值\r\n/);
    expect((await page.request.get(`${origin}/api/reports/enforcement?format=csv`)).status()).toBe(401);

    await page.click('a[href="/supervisions"]');
    await page.click('a.button.primary[href="/supervisions/new"]');
    await page.selectOption('#f-kind', 'case_inquiry');
    await page.fill('#f-subject', '民间借贷纠纷调解协议履行及执行情况专题问案');
    await page.fill('#f-respondent', '呼兰区人民法院');
    await page.fill('#f-caseNumbers', `${caseNumber}\n${overdueCaseNumber}`);
    await Promise.all([page.waitForURL(/\/supervisions\/[0-9a-f-]{36}\?ok=created$/), page.click('form[action="/supervisions/new"] button[type=submit]')]);
    supervisionUrl = page.url().replace(/\?.*$/, '');
    const linked = (await page.textContent('[data-testid=linked-cases]'))!;
    expect(linked).toContain(caseNumber);
    expect(linked).toContain(overdueCaseNumber);
    await act(page, 'REQUEST_REPORT', async (p) => {
      await p.fill('#f-dueDate', daysFromNow(14));
      await p.fill('#f-note', '请书面报告上述案件的履行和执行情况。');
    });
    await expect(stateWords(page)).resolves.toContain('待报告');

    // The court answers.
    await clerk.goto(supervisionUrl);
    await act(clerk, 'SUBMIT_REPORT', async (p) => {
      await p.fill('#f-content', '两件案件中，一件已自动履行完毕；一件执行超期，已冻结被执行人存款并执行到位三万元，正在继续查控财产。');
    });
    await expect(stateWords(clerk)).resolves.toContain('审议中');

    await page.goto(supervisionUrl);
    await act(page, 'EVALUATE', async (p) => {
      await p.selectOption('#f-rating', 'satisfied');
      await p.fill('#f-opinion', '报告情况属实，执行措施得力，同意办结。');
    });
    await expect(stateWords(page)).resolves.toContain('已办结');
    await expect(page.textContent('[data-testid=timeline]')).resolves.toMatch(/满意度测评[\s\S]*评议结果[\s\S]*满意/);
    await shot(page, '13-committee-supervision-closed');
    await page.goto(`${origin}/dashboard`);
    await page.waitForSelector('[data-chart=ratings] svg');
    await expect(page.textContent('[data-testid=supervisions]')).resolves.toContain('已办结');
    await shot(page, '14-committee-dashboard-after-supervision');
  });

  it('no request left the machine', () => {
    expect(external).toEqual([]);
  });
});
