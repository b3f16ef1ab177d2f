/**
 * The committee's enforcement report (DESIGN.md §8) over a small population built through the
 * API — every case driven by its events, deadlines fired by the sweeper — with every figure worked
 * out by hand below. The clock is pinned to 2026-06-01, so the figures do not depend on the day
 * the suite runs.
 *
 * Stations: HL01 (呼兰区) and SC01 (双城区). Deputies a, b (HL01), other (SC01).
 *
 *  case | station | source               | dispute  | opened (+08:00)  | life                                              | ends in
 *  C1   | HL01    | court_referral       | 民间借贷 | 2025-03-01       | deputies a,b; 1 session (a,b); agree 10000.50; paid in full | closed performed
 *  C2   | HL01    | walk_in              | 婚姻家庭 | 2025-03-10       | deputy a; 1 session (a); FAIL                      | closed litigation
 *  C3   | HL01    | court_referral (诉中) | 民间借贷 | 2025-04-01       | deputy b; agree 20000.00; default; paid 5000.00;   | enforcement.active,
 *       |         |                      |          |                  | enforcement owed 15000.00; recovered 3000.25; 6 months pass | overdue
 *  C4   | HL01    | enforcement_referral | 买卖合同 | 2025-05-01       | owed 8000.00; recovered 8000.00                    | closed fulfilled
 *  C5   | HL01    | court_referral       | 民间借贷 | 2025-06-01       | RETURN                                             | closed returned
 *  C6   | HL01    | hotline              | 相邻关系 | 2025-07-01       | deputy a; the 30-day clock runs out (sweeper)      | closed litigation
 *  C7   | HL01    | court_referral       | 物业服务合同 | 2025-08-01   | deputy a; agree 3000.00; 司法确认; default;          | closed terminated_this_round
 *       |         |                      |          |                  | enforcement owed 3000.00; recovered 1000.00        |
 *  C8   | HL01    | court_referral       | 民间借贷 | 2025-09-01       | deputy b; agree 5000.00; default; FILE_LAWSUIT      | closed litigation
 *  C9   | HL01    | walk_in              | 婚姻家庭 | 2026-02-01       | —                                                  | intake.screening
 *  C10  | HL01    | court_referral       | 民间借贷 | 2025-10-01       | deputy a; agree 6000.00; not paid (sweeper)        | agreement.defaulted
 *  D1   | SC01    | court_referral (诉中, simple) | 劳动争议 | 2025-05-10 | deputy other; 1 session (other); agree 12000.00; paid | closed performed
 *  D2   | SC01    | enforcement_referral | 买卖合同 | 2025-11-01       | owed 50000.00; recovered 10000.00                  | closed settled
 *  D3   | SC01    | qr_code              | 物业服务合同 | 2026-01-01 00:30 | WITHDRAW (opened 2025-12-31 16:30 UTC: 2026 in Shanghai) | closed withdrawn
 *  D4   | SC01    | qr_code              | 物业服务合同 | 2025-01-01 00:10 | ACCEPT (opened 2024-12-31 16:10 UTC: 2025 in Shanghai) | mediation.assigning
 *
 * Supervision items: S1 (opened 2025-03-01) report requested, never submitted → REPORT_OVERDUE,
 * awaitingReport; S2 (2025-05-01) reported, rated satisfied → closed; S3 (2026-03-01) reported,
 * rated unsatisfied, rectification late → REPORT_OVERDUE, rectifying; S4 (2025-07-01) open.
 *
 * Station activities: HL01 2025-03-15 (a, b; 10 voters), HL01 2025-12-31 (a; 5), HL01 2026-01-01
 * (nobody; 7), SC01 2025-06-01 (other; 20).
 */
import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stationActivities } from '../../src/db/schema.js';
import { enforcementReport, parseReportQuery, periodParts, splitPeriod } from '../../src/engine/reports.js';
import { reportRows } from '../../src/edge/report-csv.js';
import { createWorld, type World } from '../helpers/world.js';
import { expectProblem } from '../helpers/api.js';
import { readXlsx } from '../helpers/files.js';

const NOW = new Date('2026-06-01T00:00:00Z');
let w: World;
const at = (date: string, time = '10:00') => `${date}T${time}:00+08:00`;

beforeAll(async () => {
  w = await createWorld({ now: () => NOW });
  const { court, stationHL, stationSC, committee, admin } = w.tokens;
  const { a, b, other } = w.deputies;
  const open = (overrides: Record<string, unknown>, token = court) => w.openCase(overrides, token);
  const referral = (stationCode: string, disputeType: string, owedAmount: string, occurredAt: string) =>
    open({ track: undefined, source: 'enforcement_referral', stationCode, disputeType, enforceableDocument: '（2024）黑0111民初100号民事判决书', owedAmount, occurredAt });
  const session = (date: string, attendeeDeputyIds: string[]) => [
    { type: 'SCHEDULE_SESSION', at: at(date, '09:00'), location: '调解室', occurredAt: at(date, '08:00') },
    { type: 'RECORD_SESSION', heldAt: at(date, '09:00'), attendeeDeputyIds, minutes: '调解笔录', occurredAt: at(date, '11:00') },
  ];

  const c1 = await open({ disputeType: '民间借贷', occurredAt: at('2025-03-01', '09:00') });
  await w.send(c1.id, court,
    { type: 'ACCEPT', occurredAt: at('2025-03-02') },
    { type: 'ASSIGN', deputyIds: [a, b], occurredAt: at('2025-03-03') },
    ...session('2025-03-05', [a, b]),
    { type: 'REACH_AGREEMENT', terms: '分期还款', amount: '10000.50', dueDate: '2025-04-30', occurredAt: at('2025-03-06') },
    { type: 'RECORD_PERFORMANCE', amount: '10000.50', occurredAt: at('2025-03-20') },
  );

  const c2 = await open({ source: 'walk_in', disputeType: '婚姻家庭', occurredAt: at('2025-03-10') }, stationHL);
  await w.send(c2.id, court,
    { type: 'ACCEPT', occurredAt: at('2025-03-11') },
    { type: 'ASSIGN', deputyIds: [a], occurredAt: at('2025-03-12') },
    ...session('2025-03-14', [a]),
    { type: 'FAIL', reason: 'refused', occurredAt: at('2025-03-15') },
  );

  const c3 = await open({ track: 'post_filing', disputeType: '民间借贷', occurredAt: at('2025-04-01') });
  await w.send(c3.id, court,
    { type: 'ACCEPT', occurredAt: at('2025-04-02') },
    { type: 'ASSIGN', deputyIds: [b], occurredAt: at('2025-04-03') },
    // Due dates on the day the default is reported: REPORT_DEFAULT only once something is due (issue 15 §1).
    { type: 'REACH_AGREEMENT', terms: '一次性给付', amount: '20000.00', dueDate: '2025-05-20', occurredAt: at('2025-04-05') },
    { type: 'REPORT_DEFAULT', occurredAt: at('2025-05-20') },
    { type: 'RECORD_PERFORMANCE', amount: '5000.00', occurredAt: at('2025-05-25') },
    { type: 'APPLY_ENFORCEMENT', enforcementCaseNumber: '（2025）黑0111执100号', occurredAt: at('2025-06-10') },
    { type: 'RECORD_RECOVERY', amount: '3000.25', occurredAt: at('2025-07-01') },
  );

  const c4 = await referral('HL01', '买卖合同', '8000.00', at('2025-05-01'));
  await w.send(c4.id, court,
    { type: 'RECORD_RECOVERY', amount: '8000.00', occurredAt: at('2025-06-01') },
    { type: 'CONCLUDE', result: 'fulfilled', occurredAt: at('2025-06-02') },
  );

  const c5 = await open({ disputeType: '民间借贷', occurredAt: at('2025-06-01') });
  await w.send(c5.id, court, { type: 'RETURN', reason: 'out_of_scope', occurredAt: at('2025-06-02') });

  const c6 = await open({ source: 'hotline', disputeType: '相邻关系', occurredAt: at('2025-07-01') }, stationHL);
  await w.send(c6.id, court, { type: 'ACCEPT', occurredAt: at('2025-07-01', '11:00') }, { type: 'ASSIGN', deputyIds: [a], occurredAt: at('2025-07-02') });

  const c7 = await open({ disputeType: '物业服务合同', occurredAt: at('2025-08-01') });
  await w.send(c7.id, court,
    { type: 'ACCEPT', occurredAt: at('2025-08-02') },
    { type: 'ASSIGN', deputyIds: [a], occurredAt: at('2025-08-03') },
    { type: 'REACH_AGREEMENT', terms: '补交物业费', amount: '3000.00', dueDate: '2025-09-10', occurredAt: at('2025-08-05') },
    { type: 'APPLY_CONFIRMATION', occurredAt: at('2025-08-10') },
    { type: 'CONFIRM', rulingNumber: '（2025）黑0111民特8号', occurredAt: at('2025-08-20') },
    { type: 'REPORT_DEFAULT', occurredAt: at('2025-09-10') },
    { type: 'APPLY_ENFORCEMENT', enforcementCaseNumber: '（2025）黑0111执200号', occurredAt: at('2025-10-15') },
    { type: 'RECORD_RECOVERY', amount: '1000.00', occurredAt: at('2025-11-01') },
    { type: 'CONCLUDE', result: 'terminated_this_round', occurredAt: at('2025-11-20') },
  );

  const c8 = await open({ disputeType: '民间借贷', occurredAt: at('2025-09-01') });
  await w.send(c8.id, court,
    { type: 'ACCEPT', occurredAt: at('2025-09-02') },
    { type: 'ASSIGN', deputyIds: [b], occurredAt: at('2025-09-03') },
    { type: 'REACH_AGREEMENT', terms: '还款', amount: '5000.00', dueDate: '2025-10-10', occurredAt: at('2025-09-05') },
    { type: 'REPORT_DEFAULT', occurredAt: at('2025-10-10') },
    { type: 'FILE_LAWSUIT', occurredAt: at('2025-10-20') },
  );

  await open({ source: 'walk_in', disputeType: '婚姻家庭', occurredAt: at('2026-02-01') }, stationHL); // C9

  const c10 = await open({ disputeType: '民间借贷', occurredAt: at('2025-10-01') });
  await w.send(c10.id, court,
    { type: 'ACCEPT', occurredAt: at('2025-10-02') },
    { type: 'ASSIGN', deputyIds: [a], occurredAt: at('2025-10-03') },
    { type: 'REACH_AGREEMENT', terms: '还款', amount: '6000.00', dueDate: '2025-12-31', occurredAt: at('2025-10-05') },
  );

  const d1 = await open({ track: 'post_filing', procedure: 'simple', stationCode: 'SC01', disputeType: '劳动争议', occurredAt: at('2025-05-10') });
  await w.send(d1.id, court,
    { type: 'ACCEPT', occurredAt: at('2025-05-10', '11:00') },
    { type: 'ASSIGN', deputyIds: [other], occurredAt: at('2025-05-11') },
    ...session('2025-05-12', [other]),
    { type: 'REACH_AGREEMENT', terms: '支付工资', amount: '12000.00', dueDate: '2025-06-30', occurredAt: at('2025-05-13') },
    { type: 'RECORD_PERFORMANCE', amount: '12000.00', occurredAt: at('2025-06-10') },
  );

  const d2 = await referral('SC01', '买卖合同', '50000.00', at('2025-11-01'));
  await w.send(d2.id, court,
    { type: 'RECORD_RECOVERY', amount: '10000.00', occurredAt: at('2025-11-05') },
    { type: 'CONCLUDE', result: 'settled', occurredAt: at('2025-11-20') },
  );

  const d3 = await open({ source: 'qr_code', stationCode: 'SC01', disputeType: '物业服务合同', occurredAt: '2026-01-01T00:30:00+08:00' }, stationSC);
  await w.send(d3.id, stationSC, { type: 'WITHDRAW', occurredAt: at('2026-01-05') });

  const d4 = await open({ source: 'qr_code', stationCode: 'SC01', disputeType: '物业服务合同', occurredAt: '2025-01-01T00:10:00+08:00' }, stationSC);
  await w.send(d4.id, court, { type: 'ACCEPT', occurredAt: at('2025-01-02') });

  // Supervision items, through the API.
  const item = async (subject: string, occurredAt: string, ...events: [string, Record<string, unknown>][]) => {
    const r = await w.call(committee, 'POST', '/api/supervisions', { kind: 'enforcement_review', subject, respondent: '呼兰区人民法院', occurredAt });
    expect(r.status).toBe(201);
    for (const [token, e] of events) {
      const s = await w.call(token, 'POST', `/api/supervisions/${r.body.id}/events`, e);
      expect(s.status, JSON.stringify(s.body)).toBe(200);
    }
  };
  await item('S1', at('2025-03-01'), [committee, { type: 'REQUEST_REPORT', dueDate: '2025-04-01', occurredAt: at('2025-03-02') }]);
  await item(
    'S2',
    at('2025-05-01'),
    [committee, { type: 'REQUEST_REPORT', dueDate: '2025-06-01', occurredAt: at('2025-05-02') }],
    [court, { type: 'SUBMIT_REPORT', content: '报告', occurredAt: at('2025-05-20') }],
    [committee, { type: 'EVALUATE', rating: 'satisfied', opinion: '满意', occurredAt: at('2025-05-25') }],
  );
  await item(
    'S3',
    at('2026-03-01'),
    [committee, { type: 'REQUEST_REPORT', dueDate: '2026-04-01', occurredAt: at('2026-03-02') }],
    [court, { type: 'SUBMIT_REPORT', content: '报告', occurredAt: at('2026-03-20') }],
    [committee, { type: 'EVALUATE', rating: 'unsatisfied', opinion: '不满意', dueDate: '2026-05-01', occurredAt: at('2026-03-25') }],
  );
  await item('S4', at('2025-07-01'));

  // The sweeper fires what fell due by 2026-06-01: C3 enforcement limit (2025-12-10), C6
  // mediation expiry (2025-08-01), C10 performance (2025-12-31), S1 report (2025-04-01), S3
  // rectification report (2026-05-01).
  const swept = await w.call(admin, 'POST', '/api/admin/sweep');
  expect(swept.status).toBe(200);

  // Station activities go straight into their table (the activities endpoint is not what is under test).
  const me = await w.call(stationHL, 'GET', '/api/me');
  const row = (stationCode: string, date: string, deputyIds: string[], votersReceived: number) => ({
    stationCode, date, theme: '代表接待日', content: '接待选民', deputyIds, deputyVisits: deputyIds.length, votersReceived, recordedBy: me.body.id,
  });
  await w.database.db.insert(stationActivities).values([
    row('HL01', '2025-03-15', [a, b], 10),
    row('HL01', '2025-12-31', [a], 5),
    row('HL01', '2026-01-01', [], 7),
    row('SC01', '2025-06-01', [other], 20),
  ]);
});
afterAll(async () => w?.close());

const report = async (query = '', token = w.tokens.committee) => {
  const r = await w.call(token, 'GET', `/api/reports/enforcement${query ? `?${query}` : ''}`);
  expect(r.status, JSON.stringify(r.body)).toBe(200);
  return r.body;
};

describe('GET /api/reports/enforcement', () => {
  it('counts every figure over all cases', async () => {
    const r = await report();
    expect(r.filters).toEqual({ from: null, to: null, district: null, stationCode: null });
    expect(r.generatedAt).toBe(NOW.toISOString());
    // 14 cases: C1–C10 and D1–D4.
    expect(r.cases.opened).toBe(14);
    // court_referral C1 C3 C5 C7 C8 C10 D1 = 7; walk_in C2 C9 = 2; hotline C6 = 1; qr_code D3 D4 = 2; referrals C4 D2 = 2.
    expect(r.cases.bySource).toEqual({ walk_in: 2, qr_code: 2, hotline: 1, home_visit: 0, court_referral: 7, enforcement_referral: 2 });
    // 民间借贷 C1 C3 C5 C8 C10 = 5; 物业服务合同 C7 D3 D4 = 3; 婚姻家庭 C2 C9 = 2; 买卖合同 C4 D2 = 2; 相邻关系 C6; 劳动争议 D1.
    expect(r.cases.byDisputeType).toEqual({ 民间借贷: 5, 物业服务合同: 3, 买卖合同: 2, 婚姻家庭: 2, 劳动争议: 1, 相邻关系: 1 });
    expect(Object.keys(r.cases.byDisputeType)).toEqual(['民间借贷', '物业服务合同', '买卖合同', '婚姻家庭', '劳动争议', '相邻关系']);
    // agreements C1 C3 C7 C8 C10 D1 = 6 (C8's lawsuit came after an agreement); failed C2 (FAIL), C6 (expired) = 2;
    // 6 / 8 = 0.75. C5 (returned), D3 (withdrawn), C9, D4 (not mediated yet) are neither.
    expect(r.mediation).toEqual({ agreements: 6, failed: 2, ended: 8, successRate: '0.7500' });
    // deputies on C1 C2 C3 C6 C7 C8 C10 D1 = 8; sessions C1 C2 D1 = 3; attendances 2 (a, b) + 1 + 1 = 4.
    expect(r.deputies).toEqual({ casesWithDeputies: 8, sessionsHeld: 3, deputyAttendances: 4 });
    // performed C1 D1 = 2; settled = those 2 + enforced C3 C7 + lawsuit C8 = 5 (C10 defaulted, no next step yet); 2 / 5 = 0.4.
    expect(r.performance).toEqual({ performedVoluntarily: 2, settled: 5, voluntaryRate: '0.4000' });
    // sent C3 C7 (agreements) + C4 D2 (referrals) = 4; concluded C4 fulfilled, D2 settled, C7 terminated_this_round; C3 in progress.
    // owed 15000.00 (C3: 20000 − 5000 paid) + 8000.00 + 3000.00 + 50000.00 = 76000.00;
    // recovered 3000.25 + 8000.00 + 1000.00 + 10000.00 = 22000.25; 22000.25 / 76000 = 0.28947… → 0.2895.
    // over the limit: C3 (enforcement from 2025-06-10, 6 months passed, still open); C10's overdue is performance, not enforcement.
    expect(r.enforcement).toEqual({
      sent: 4,
      fromAgreements: 2,
      referrals: 2,
      inProgress: 1,
      outcomes: { fulfilled: 1, settled: 1, terminated_this_round: 1, terminated: 0 },
      owedAmount: '76000.00',
      recoveredAmount: '22000.25',
      recoveryRate: '0.2895',
      overLimit: 1,
      overLimitOpen: 1,
    });
    // S1 awaitingReport (overdue), S2 closed satisfied, S3 rectifying unsatisfied (overdue), S4 open; 2 REPORT_OVERDUE rows.
    expect(r.supervision).toEqual({
      items: 4,
      byState: { open: 1, awaitingReport: 1, reviewing: 0, rectifying: 1, closed: 1 },
      byRating: { satisfied: 1, basically_satisfied: 0, unsatisfied: 1, unrated: 2 },
      overdueNow: 2,
      overdueReports: 2,
    });
    // HL01: C1–C10 = 10 cases; 3 activities, 2 + 1 + 0 = 3 deputy visits, 10 + 5 + 7 = 22 voters. SC01: 4; 1, 1, 20.
    expect(r.stations).toEqual([
      { code: 'HL01', name: '呼兰区人民法院人大代表联络站', district: '呼兰区', casesOpened: 10, activities: 3, deputyVisits: 3, votersReceived: 22 },
      { code: 'SC01', name: '双城区人民法院人大代表联络站', district: '双城区', casesOpened: 4, activities: 1, deputyVisits: 1, votersReceived: 20 },
    ]);
    expect(r.stationTotals).toEqual({ casesOpened: 14, activities: 4, deputyVisits: 4, votersReceived: 42 });
  });

  it('from/to are Shanghai calendar days, `to` inclusive, on opened_at, activity date and supervision opened_at', async () => {
    const r = await report('from=2025-01-01&to=2025-12-31');
    // C9 (2026-02-01) and D3 (2026-01-01 00:30 in Shanghai, still 2025 in UTC) fall out; D4 (2025-01-01 00:10
    // in Shanghai, 2024 in UTC) is in: 12 cases.
    expect(r.cases.opened).toBe(12);
    expect(r.cases.bySource).toEqual({ walk_in: 1, qr_code: 1, hotline: 1, home_visit: 0, court_referral: 7, enforcement_referral: 2 });
    expect(r.cases.byDisputeType).toEqual({ 民间借贷: 5, 买卖合同: 2, 物业服务合同: 2, 劳动争议: 1, 婚姻家庭: 1, 相邻关系: 1 });
    // Neither C9 nor D3 was mediated, agreed or enforced: the rest is as over all cases.
    expect(r.mediation).toEqual({ agreements: 6, failed: 2, ended: 8, successRate: '0.7500' });
    expect(r.deputies).toEqual({ casesWithDeputies: 8, sessionsHeld: 3, deputyAttendances: 4 });
    expect(r.performance).toEqual({ performedVoluntarily: 2, settled: 5, voluntaryRate: '0.4000' });
    expect(r.enforcement.owedAmount).toBe('76000.00');
    expect(r.enforcement.recoveredAmount).toBe('22000.25');
    // S1 S2 S4 opened in 2025 (S3 in 2026): S1 awaitingReport overdue, S2 closed satisfied, S4 open; 1 overdue report.
    expect(r.supervision).toEqual({
      items: 3,
      byState: { open: 1, awaitingReport: 1, reviewing: 0, rectifying: 0, closed: 1 },
      byRating: { satisfied: 1, basically_satisfied: 0, unsatisfied: 0, unrated: 2 },
      overdueNow: 1,
      overdueReports: 1,
    });
    // HL01: C1–C8, C10 = 9; activities 2025-03-15 and 2025-12-31 (`to` inclusive): 2, visits 2 + 1 = 3, voters 15. SC01: D1 D2 D4 = 3.
    expect(r.stations.map((s: any) => [s.code, s.casesOpened, s.activities, s.deputyVisits, s.votersReceived])).toEqual([
      ['HL01', 9, 2, 3, 15],
      ['SC01', 3, 1, 1, 20],
    ]);

    const y2026 = await report('from=2026-01-01&to=2026-12-31');
    // C9 and D3; the 2026-01-01 activity at HL01; S3.
    expect(y2026.cases.opened).toBe(2);
    expect(y2026.mediation).toEqual({ agreements: 0, failed: 0, ended: 0, successRate: null });
    expect(y2026.supervision.items).toBe(1);
    expect(y2026.stations.map((s: any) => [s.code, s.casesOpened, s.activities, s.votersReceived])).toEqual([['HL01', 1, 1, 7], ['SC01', 1, 0, 0]]);

    // One day: only D3 (2026-01-01 Shanghai) — not D4, not C9.
    const day = await report('from=2026-01-01&to=2026-01-01');
    expect(day.cases.opened).toBe(1);
    expect(day.cases.bySource.qr_code).toBe(1);
  });

  it('district keeps only the cases and activities of its stations; supervision is not per station', async () => {
    const r = await report('district=%E5%91%BC%E5%85%B0%E5%8C%BA'); // 呼兰区
    expect(r.filters.district).toBe('呼兰区');
    expect(r.cases.opened).toBe(10);
    expect(r.cases.bySource).toEqual({ walk_in: 2, qr_code: 0, hotline: 1, home_visit: 0, court_referral: 6, enforcement_referral: 1 });
    // agreements C1 C3 C7 C8 C10 = 5; failed C2 C6 = 2; 5 / 7 = 0.714285… → 0.7143.
    expect(r.mediation).toEqual({ agreements: 5, failed: 2, ended: 7, successRate: '0.7143' });
    // deputies C1 C2 C3 C6 C7 C8 C10 = 7; sessions C1 C2 = 2; attendances 2 + 1 = 3.
    expect(r.deputies).toEqual({ casesWithDeputies: 7, sessionsHeld: 2, deputyAttendances: 3 });
    // performed C1; settled C1 C3 C7 C8 = 4; 1 / 4.
    expect(r.performance).toEqual({ performedVoluntarily: 1, settled: 4, voluntaryRate: '0.2500' });
    // sent C3 C7 C4; owed 15000 + 3000 + 8000 = 26000.00; recovered 3000.25 + 1000 + 8000 = 12000.25; 0.46154 → 0.4615.
    expect(r.enforcement).toEqual({
      sent: 3,
      fromAgreements: 2,
      referrals: 1,
      inProgress: 1,
      outcomes: { fulfilled: 1, settled: 0, terminated_this_round: 1, terminated: 0 },
      owedAmount: '26000.00',
      recoveredAmount: '12000.25',
      recoveryRate: '0.4615',
      overLimit: 1,
      overLimitOpen: 1,
    });
    expect(r.supervision.items).toBe(4);
    expect(r.stations).toEqual([
      { code: 'HL01', name: '呼兰区人民法院人大代表联络站', district: '呼兰区', casesOpened: 10, activities: 3, deputyVisits: 3, votersReceived: 22 },
    ]);
    expect(r.stationTotals).toEqual({ casesOpened: 10, activities: 3, deputyVisits: 3, votersReceived: 22 });

    // A district with no station: every count 0, every rate null, amounts 0.00.
    const none = await report(`district=${encodeURIComponent('道里区')}`);
    expect(none.cases.opened).toBe(0);
    expect(none.stations).toEqual([]);
    expect([none.mediation.successRate, none.performance.voluntaryRate, none.enforcement.recoveryRate]).toEqual([null, null, null]);
    expect([none.enforcement.owedAmount, none.enforcement.recoveredAmount]).toEqual(['0.00', '0.00']);
  });

  it('stationCode keeps one station', async () => {
    const r = await report('stationCode=SC01');
    // D1 D2 D3 D4: court_referral D1, referral D2, qr_code D3 D4.
    expect(r.cases.opened).toBe(4);
    expect(r.cases.bySource).toEqual({ walk_in: 0, qr_code: 2, hotline: 0, home_visit: 0, court_referral: 1, enforcement_referral: 1 });
    expect(r.mediation).toEqual({ agreements: 1, failed: 0, ended: 1, successRate: '1.0000' });
    expect(r.deputies).toEqual({ casesWithDeputies: 1, sessionsHeld: 1, deputyAttendances: 1 });
    expect(r.performance).toEqual({ performedVoluntarily: 1, settled: 1, voluntaryRate: '1.0000' });
    // D2: owed 50000.00, recovered 10000.00 → 0.2.
    expect(r.enforcement).toMatchObject({ sent: 1, referrals: 1, inProgress: 0, owedAmount: '50000.00', recoveredAmount: '10000.00', recoveryRate: '0.2000', overLimit: 0 });
    expect(r.enforcement.outcomes).toEqual({ fulfilled: 0, settled: 1, terminated_this_round: 0, terminated: 0 });
    expect(r.stations.map((s: any) => [s.code, s.casesOpened, s.activities, s.deputyVisits, s.votersReceived])).toEqual([['SC01', 4, 1, 1, 20]]);
    // A station outside the district asked for: an empty report, not an error.
    const outside = await report(`stationCode=SC01&district=${encodeURIComponent('呼兰区')}`);
    expect([outside.cases.opened, outside.stations.length]).toEqual([0, 0]);
  });

  it('station staff see their own station only, without supervision items', async () => {
    const own = await report('', w.tokens.stationHL);
    const hl = await report('stationCode=HL01');
    expect(own.filters.stationCode).toBe('HL01');
    expect(own.supervision).toBeNull();
    expect({ ...own, supervision: hl.supervision }).toEqual(hl);
    // C1–C8 and C10 were opened in 2025, C9 in 2026.
    expect((await report('stationCode=HL01&from=2025-01-01&to=2025-12-31', w.tokens.stationHL)).cases.opened).toBe(9);
    expectProblem(await w.call(w.tokens.stationHL, 'GET', '/api/reports/enforcement?stationCode=SC01'), 403);
  });

  it('court staff and admins read it too', async () => {
    const committee = await report();
    for (const token of [w.tokens.court, w.tokens.admin]) expect(await report('', token)).toEqual(committee);
  });

  it('the CSV carries the same numbers as the JSON, in words: Chinese headers, no raw keys', async () => {
    for (const query of ['', 'from=2025-01-01&to=2025-12-31', 'stationCode=SC01']) {
      const json = await report(query);
      // Every figure of the JSON is one row of the flat report, and every row one figure.
      const rows = reportRows(json);
      expect(Object.fromEntries(rows.map((r) => [r.key, r.value]))).toEqual(flatten(json));
      const res = await w.app.request(`/api/reports/enforcement?format=csv${query ? `&${query}` : ''}`, {
        headers: { authorization: `Bearer ${w.tokens.committee}` },
      });
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe('text/csv; charset=utf-8');
      expect(res.headers.get('content-disposition')).toMatch(/^attachment; filename="enforcement-report_[\w.-]+\.csv"; filename\*=UTF-8''%E6%89%A7%E8%A1%8C/);
      const bytes = new Uint8Array(await res.arrayBuffer());
      expect([...bytes.slice(0, 3)]).toEqual([0xef, 0xbb, 0xbf]); // UTF-8 BOM
      const text = new TextDecoder().decode(bytes); // drops the BOM
      const [header, ...records] = parse(text) as string[][];
      expect(header).toEqual(['栏目', '项目', '数值']);
      expect(records).toHaveLength(rows.length);
      records.forEach((r, i) => {
        expect(`${r[0]} · ${r[1]}`).toBe(rows[i].label);
        // No machine key anywhere: every label is words.
        expect(r[0] + r[1]).not.toMatch(/[a-z][A-Za-z]*\.[a-z]/);
        const key = rows[i].key;
        const v = rows[i].value;
        if (v === '') expect(r[2]).toBe('');
        else if (key.endsWith('Rate')) expect(r[2]).toBe(`${(Number(v) * 100).toFixed(2)}%`);
        else if (key === 'filters.generatedAt') expect(r[2]).toBe('2026-06-01 08:00:00'); // Beijing time
        else expect(r[2]).toBe(v);
      });
      const byLabel = Object.fromEntries(records.map((r) => [`${r[0]} · ${r[1]}`, r[2]]));
      expect(byLabel['执行 · 执行到位率（比率）']).toMatch(/^\d+\.\d{2}%$|^$/);
      expect(Object.keys(byLabel)).toContain('案件受理 · 按来源渠道 · 入站');
    }
  });

  it('the XLSX of the report: counts and amounts as numbers, rates as percentages', async () => {
    const json = await report('');
    const res = await w.app.request('/api/reports/enforcement?format=xlsx', { headers: { authorization: `Bearer ${w.tokens.committee}` } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/vnd.openxmlformats-officedocument.spreadsheetml.sheet');
    const sheet = await readXlsx(new Uint8Array(await res.arrayBuffer()));
    expect(sheet[0]).toEqual(['栏目', '项目', '数值']);
    const rate = sheet.find((r) => r[1] === '执行到位率（比率）')!;
    expect(rate[2]).toEqual({ value: Number(json.enforcement.recoveryRate), numFmt: '0.00%' });
    const owed = sheet.find((r) => r[1] === '应执行金额（元）')!;
    expect(owed[2]).toEqual({ value: Number(json.enforcement.owedAmount), numFmt: '#,##0.00' });
    const opened = sheet.find((r) => r[1] === '登记案件数' && r[0] === '案件受理')!;
    expect(opened[2]).toEqual({ value: json.cases.opened, numFmt: '0' });
  });

  it('refuses bad parameters with problem+json 400', async () => {
    for (const query of ['from=2025-02-30', 'to=yesterday', 'from=2025-12-01&to=2025-01-01', 'format=xml', 'stationCode=NOPE']) {
      const body = expectProblem(await w.call(w.tokens.committee, 'GET', `/api/reports/enforcement?${query}`), 400);
      expect(body.errors.length).toBeGreaterThan(0);
    }
  });

  it('is not for deputies, nor for anyone without a valid token', async () => {
    for (const token of [w.tokens.deputyA, w.tokens.deputyOther]) {
      expectProblem(await w.call(token, 'GET', '/api/reports/enforcement'), 403);
      expectProblem(await w.call(token, 'GET', '/api/reports/enforcement?format=csv'), 403);
    }
    expectProblem(await w.call(null, 'GET', '/api/reports/enforcement'), 401);
    expectProblem(await w.call('not-a-token', 'GET', '/api/reports/enforcement?format=csv'), 401);
  });
});

describe('the closed-case summary', () => {
  // The summary (case_report_years, _months, _days) is kept in the transaction that closes a
  // case: no clock, no watermark, nothing to wait for.
  const clock = new Date('2026-06-01T00:00:00Z');
  let v: World;
  const ids: Record<string, string> = {};
  const committee = { id: '00000000-0000-4000-8000-0000000000cc', role: 'committee' as const, name: '委员会' };
  beforeAll(async () => {
    v = await createWorld({ now: () => clock });
    const { court } = v.tokens;
    // X1 opened 2026-03-05, performed; X2 opened 2026-03-20, agreed, performing; X3 opened 2026-04-10, returned.
    ids.x1 = (await v.openCase({ occurredAt: at('2026-03-05') })).id;
    await v.send(ids.x1, court,
      { type: 'ACCEPT', occurredAt: at('2026-03-06') },
      { type: 'ASSIGN', deputyIds: [v.deputies.a], occurredAt: at('2026-03-06', '11:00') },
      { type: 'REACH_AGREEMENT', terms: '还款', amount: '1000.00', dueDate: '2026-04-30', occurredAt: at('2026-03-07') },
      { type: 'RECORD_PERFORMANCE', amount: '1000.00', occurredAt: at('2026-03-08') },
    );
    ids.x2 = (await v.openCase({ occurredAt: at('2026-03-20') })).id;
    await v.send(ids.x2, court,
      { type: 'ACCEPT', occurredAt: at('2026-03-21') },
      { type: 'ASSIGN', deputyIds: [v.deputies.b], occurredAt: at('2026-03-21', '11:00') },
      { type: 'REACH_AGREEMENT', terms: '还款', amount: '2000.00', dueDate: '2026-07-31', occurredAt: at('2026-03-22') },
    );
    ids.x3 = (await v.openCase({ occurredAt: at('2026-04-10') })).id;
    await v.send(ids.x3, court, { type: 'RETURN', reason: 'unsuitable', occurredAt: at('2026-04-11') });
  });
  afterAll(async () => v?.close());

  const PERIODS = ['', 'from=2026-03-10&to=2026-04-15', 'from=2026-03-01&to=2026-03-31', 'from=2026-03-06&to=2026-04-30', 'from=2026-04-01', 'to=2026-03-19'];
  /** Through the API (with the summary), checked against every case aggregated afresh. */
  const both = async (query: string) => {
    const r = await v.call(v.tokens.committee, 'GET', `/api/reports/enforcement?${query}`);
    expect(r.status).toBe(200);
    const plain = await enforcementReport(v.database.db, committee, parseReportQuery(Object.fromEntries(new URLSearchParams(query))), { now: clock, summary: false });
    expect(r.body).toEqual(plain);
    return r.body;
  };

  it('adds up months and days from the summary and open cases live, to the same figures as every case aggregated afresh', async () => {
    for (const p of PERIODS) await both(p);
    const all = await both('');
    expect([all.cases.opened, all.mediation.agreements, all.performance.performedVoluntarily, all.performance.settled]).toEqual([3, 2, 1, 1]);
    // 03-10 … 04-15: no whole month; X2 (live, open) and X3 (closed, from the day rows): not X1 (03-05).
    expect((await both('from=2026-03-10&to=2026-04-15')).cases.opened).toBe(2);
    // March whole: X1 from the month rows, X2 live.
    expect((await both('from=2026-03-01&to=2026-03-31')).cases.opened).toBe(2);
    // 03-06 … 03-31 from the day rows (none closed) and live (X2), April whole from the month rows (X3).
    expect((await both('from=2026-03-06&to=2026-04-30')).cases.opened).toBe(2);
  });

  it('sees a case the moment it closes, once and only once', async () => {
    await v.send(ids.x2, v.tokens.court, { type: 'RECORD_PERFORMANCE', amount: '2000.00', occurredAt: at('2026-05-01') });
    // No time passes: the close committed with its summary rows.
    for (const p of PERIODS) await both(p);
    const all = await both('');
    expect([all.cases.opened, all.performance.performedVoluntarily, all.performance.settled]).toEqual([3, 2, 2]);
    expect((await both('from=2026-03-10&to=2026-04-15')).performance.performedVoluntarily).toBe(1);
  });

  it('splits a period into whole months and the days left at either end', () => {
    expect(splitPeriod()).toEqual({ first: '', last: '\uffff', edges: [] });
    expect(splitPeriod('2026-03-01', '2026-04-30')).toEqual({ first: '2026-03', last: '2026-04', edges: [] });
    expect(splitPeriod('2026-03-10', '2026-05-15')).toEqual({
      first: '2026-04',
      last: '2026-04',
      edges: [['2026-03-10', '2026-03-31'], ['2026-05-01', '2026-05-15']],
    });
    expect(splitPeriod('2026-03-10', '2026-03-20')).toEqual({ first: null, last: null, edges: [['2026-03-10', '2026-03-20']] });
    expect(splitPeriod('2026-12-31', '2027-01-31')).toEqual({ first: '2027-01', last: '2027-01', edges: [['2026-12-31', '2026-12-31']] });
    expect(splitPeriod(undefined, '2024-02-28')).toEqual({ first: '', last: '2024-01', edges: [['2024-02-01', '2024-02-28']] });
    expect(splitPeriod(undefined, '2024-02-29')).toEqual({ first: '', last: '2024-02', edges: [] });
  });

  it('reads whole years from the year rows, the months left from the month rows, the days left from the day rows', () => {
    expect(periodParts()).toEqual([{ grain: 'year', from: undefined, to: undefined }]);
    expect(periodParts('2025-01-01', '2025-12-31')).toEqual([{ grain: 'year', from: '2025-01-01', to: '2025-01-01' }]);
    expect(periodParts('2024-02-10', '2026-11-30')).toEqual([
      { grain: 'day', from: '2024-02-10', to: '2024-02-29' },
      { grain: 'year', from: '2025-01-01', to: '2025-01-01' },
      { grain: 'month', from: '2024-03-01', to: '2024-12-01' },
      { grain: 'month', from: '2026-01-01', to: '2026-11-01' },
    ]);
    expect(periodParts('2026-03-10', '2026-05-15')).toEqual([
      { grain: 'day', from: '2026-03-10', to: '2026-03-31' },
      { grain: 'day', from: '2026-05-01', to: '2026-05-15' },
      { grain: 'month', from: '2026-04-01', to: '2026-04-01' },
    ]);
    expect(periodParts('2025-02-01', '2026-01-31')).toEqual([{ grain: 'month', from: '2025-02-01', to: '2026-01-01' }]);
    expect(periodParts('2026-03-10', '2026-03-20')).toEqual([{ grain: 'day', from: '2026-03-10', to: '2026-03-20' }]);
    expect(periodParts(undefined, '2024-06-30')).toEqual([
      { grain: 'year', from: undefined, to: '2023-01-01' },
      { grain: 'month', from: '2024-01-01', to: '2024-06-01' },
    ]);
    expect(periodParts('2024-06-02')).toEqual([
      { grain: 'day', from: '2024-06-02', to: '2024-06-30' },
      { grain: 'year', from: '2025-01-01', to: undefined },
      { grain: 'month', from: '2024-07-01', to: '2024-12-01' },
    ]);
  });
});

/** The JSON report as `key → value` strings, keyed as the CSV keys its rows. */
function flatten(r: any): Record<string, string> {
  const out: Record<string, string> = {};
  const put = (key: string, v: unknown) => (out[key] = v === null ? '' : String(v));
  for (const [k, v] of Object.entries(r.filters)) put(`filters.${k}`, v);
  put('filters.generatedAt', r.generatedAt);
  const walk = (prefix: string, o: any) => {
    for (const [k, v] of Object.entries(o)) {
      if (v !== null && typeof v === 'object') walk(`${prefix}.${k}`, v);
      else put(`${prefix}.${k}`, v);
    }
  };
  for (const section of ['cases', 'mediation', 'deputies', 'performance', 'enforcement', 'supervision'] as const) {
    if (r[section]) walk(section, r[section]);
  }
  for (const s of r.stations) for (const k of ['casesOpened', 'activities', 'deputyVisits', 'votersReceived']) put(`stations.${s.code}.${k}`, s[k]);
  for (const [k, v] of Object.entries(r.stationTotals)) put(`stationTotals.${k}`, v);
  return out;
}
