/**
 * Issue 15 §1: actions that close a case are guarded. Every refusal is problem+json and writes
 * nothing; the same event with its explicit confirmation (or dated as the backdated entry of
 * offline work) is taken. Runs on both databases.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createWorld, type World } from '../helpers/world.js';
import { daysAgo, refused } from '../helpers/api.js';

let w: World;
beforeAll(async () => {
  w = await createWorld();
});
afterAll(async () => {
  await w?.close();
});

/** A Shanghai calendar date `days` days from today (negative: in the past). */
const dateIn = (days: number) => new Date(Date.now() + days * 86_400_000 + 8 * 3_600_000).toISOString().slice(0, 10);
const event = (id: string, body: Record<string, unknown>, token = w.tokens.court) => w.call(token, 'POST', `/api/cases/${id}/events`, body);

async function performing(amount = '12000.00', dueDate = dateIn(30)) {
  const c = await w.openCase();
  return w.send(c.id, w.tokens.court, { type: 'ACCEPT' }, { type: 'ASSIGN', deputyIds: [w.deputies.a] }, { type: 'REACH_AGREEMENT', terms: '一次性还款', amount, dueDate });
}

describe('overpayment', () => {
  it('the case view says what is still owed', async () => {
    const c = await performing();
    expect(c).toMatchObject({ outstandingAmount: '12000.00', unrecoveredAmount: null, mayCloseEvents: ['RECORD_PERFORMANCE'] });
    const part = await w.send(c.id, w.tokens.court, { type: 'RECORD_PERFORMANCE', amount: '2000' });
    expect(part.outstandingAmount).toBe('10000.00');
  });

  it('an agreement that owes no money (0.00) is performed with RECORD_PERFORMANCE 0.00; where money is owed 0.00 is a 409', async () => {
    const owing = await performing();
    const body = await refused(w, 409, () => event(owing.id, { type: 'RECORD_PERFORMANCE', amount: '0.00' }), { caseId: owing.id });
    expect(body.detail).toMatch(/金额须大于 0（尚欠 ¥12,000\.00）/);
    expect(body.state).toBe('agreement.performing');

    const c = await performing('0.00');
    expect(c).toMatchObject({ outstandingAmount: '0.00', mayCloseEvents: ['RECORD_PERFORMANCE'] });
    expect(c.nextEvents).toContain('RECORD_PERFORMANCE');
    const done = await w.send(c.id, w.tokens.deputyA, { type: 'RECORD_PERFORMANCE', amount: '0' });
    expect(done).toMatchObject({ state: 'closed', outcome: 'performed', outstandingAmount: '0.00', context: { paidAmount: '0.00' } });
  });

  it('RECORD_PERFORMANCE above what is owed: 409 with the amounts, nothing written; confirmed: closes as performed', async () => {
    const c = await performing();
    const body = await refused(w, 409, () => event(c.id, { type: 'RECORD_PERFORMANCE', amount: '15000' }), { caseId: c.id });
    expect(body.detail).toMatch(/本次履行金额 ¥15,000\.00 超过尚欠金额 ¥12,000\.00/);
    expect(body.detail).toMatch(/confirmOverpayment/);
    expect(body.state).toBe('agreement.performing');
    // A deputy is refused the same way.
    await refused(w, 409, () => event(c.id, { type: 'RECORD_PERFORMANCE', amount: '12000.01' }, w.tokens.deputyA), { caseId: c.id });
    // `false` is not a confirmation.
    await refused(w, 409, () => event(c.id, { type: 'RECORD_PERFORMANCE', amount: '15000', confirmOverpayment: false }), { caseId: c.id });
    const done = await w.send(c.id, w.tokens.court, { type: 'RECORD_PERFORMANCE', amount: '15000', confirmOverpayment: true });
    expect(done).toMatchObject({ state: 'closed', outcome: 'performed', outstandingAmount: '0.00' });
    const h = await w.call(w.tokens.court, 'GET', `/api/cases/${c.id}/history`);
    expect(h.body.items.at(-1)).toMatchObject({ type: 'RECORD_PERFORMANCE', payload: { amount: '15000.00', confirmOverpayment: true } });
  });

  it('the exact amount owed needs no confirmation and closes the case', async () => {
    const c = await performing('12000.50');
    const done = await w.send(c.id, w.tokens.court, { type: 'RECORD_PERFORMANCE', amount: '12000.50' });
    expect(done).toMatchObject({ state: 'closed', outcome: 'performed' });
  });

  it('RECORD_RECOVERY above what enforcement has still to recover: 409; confirmed: taken', async () => {
    const c = await w.openCase({ source: 'enforcement_referral', track: undefined, enforceableDocument: '(2025)黑0111民初9号', owedAmount: '5000' });
    expect(c).toMatchObject({ state: 'enforcement.active', unrecoveredAmount: '5000.00' });
    await w.send(c.id, w.tokens.court, { type: 'RECORD_RECOVERY', amount: '4000' });
    const body = await refused(w, 409, () => event(c.id, { type: 'RECORD_RECOVERY', amount: '1000.01' }), { caseId: c.id });
    expect(body.detail).toMatch(/超过尚未执行到位的金额 ¥1,000\.00/);
    const after = await w.send(c.id, w.tokens.court, { type: 'RECORD_RECOVERY', amount: '1000.01', confirmOverpayment: true });
    expect(after).toMatchObject({ state: 'enforcement.active', recoveredAmount: '5000.01', unrecoveredAmount: '0.00' });
  });
});

describe('closing events are marked, from the machine', () => {
  it('screening: RETURN and WITHDRAW close; performing: a payment may', async () => {
    const c = await w.openCase();
    expect(c.closingEvents.sort()).toEqual(['RETURN', 'WITHDRAW']);
    expect(c.mayCloseEvents).toEqual([]);
    const station = await w.call(w.tokens.stationHL, 'GET', `/api/cases/${c.id}`);
    expect(station.body).toMatchObject({ nextEvents: ['WITHDRAW'], closingEvents: ['WITHDRAW'] });
    const active = await w.send(c.id, w.tokens.court, { type: 'ACCEPT' }, { type: 'ASSIGN', deputyIds: [w.deputies.a] });
    expect(active.closingEvents.sort()).toEqual(['FAIL', 'WITHDRAW']);
  });

  it('a supervision item: CLOSE always, EVALUATE when satisfied', async () => {
    const s = await w.call(w.tokens.committee, 'POST', '/api/supervisions', { kind: 'case_inquiry', subject: '专题问案', respondent: '呼兰区人民法院' });
    expect(s.body).toMatchObject({ closingEvents: ['CLOSE'] });
    await w.call(w.tokens.committee, 'POST', `/api/supervisions/${s.body.id}/events`, { type: 'REQUEST_REPORT', dueDate: dateIn(10) });
    await w.call(w.tokens.court, 'POST', `/api/supervisions/${s.body.id}/events`, { type: 'SUBMIT_REPORT', content: '报告' });
    const r = await w.call(w.tokens.committee, 'GET', `/api/supervisions/${s.body.id}`);
    expect(r.body).toMatchObject({ state: 'reviewing', closingEvents: ['CLOSE'], mayCloseEvents: ['EVALUATE'] });
  });
});

describe('dates checked against the case', () => {
  it('a session before the case was registered: 409, nothing written', async () => {
    const c = await w.openCase({ occurredAt: daysAgo(10) });
    await w.send(c.id, w.tokens.court, { type: 'ACCEPT' }, { type: 'ASSIGN', deputyIds: [w.deputies.a] });
    const body = await refused(w, 409, () => event(c.id, { type: 'SCHEDULE_SESSION', at: daysAgo(11), location: '呼兰站' }), { caseId: c.id });
    expect(body.detail).toMatch(/调解时间不能早于案件登记时间/);
    expect(body.detail).not.toMatch(/T\d\d:/);
    const ok = await w.send(c.id, w.tokens.court, { type: 'SCHEDULE_SESSION', at: daysAgo(9), location: '呼兰站' });
    expect(ok.context.nextSession.location).toBe('呼兰站');
  });

  it('a performance date already past: 409; the same agreement entered as backdated offline work is taken', async () => {
    const c = await w.openCase({ occurredAt: daysAgo(20) });
    await w.send(c.id, w.tokens.court, { type: 'ACCEPT', occurredAt: daysAgo(19) }, { type: 'ASSIGN', deputyIds: [w.deputies.a], occurredAt: daysAgo(19) });
    const past = { type: 'REACH_AGREEMENT', terms: '还款', amount: '3000', dueDate: dateIn(-5) };
    const body = await refused(w, 409, () => event(c.id, past), { caseId: c.id });
    expect(body.detail).toMatch(new RegExp(`期限 ${dateIn(-5)} 在本事项发生之日（${dateIn(0)}）之前已经届满`));
    await refused(w, 409, () => event(c.id, { ...past, dueDate: dateIn(30), installments: [{ dueDate: dateIn(-1), amount: '1000' }, { dueDate: dateIn(30), amount: '2000' }] }), {
      caseId: c.id,
    });
    const agreed = await w.send(c.id, w.tokens.court, { ...past, occurredAt: daysAgo(10) });
    expect(agreed.state).toBe('agreement.performing');
    // Now something is due: the default may be reported.
    expect(agreed.nextEvents).toContain('REPORT_DEFAULT');
    expect((await w.send(c.id, w.tokens.court, { type: 'REPORT_DEFAULT' })).state).toBe('agreement.defaulted');
  });

  it('REPORT_DEFAULT before anything is due: 409 saying when the first payment is due', async () => {
    const c = await performing('3000', dateIn(30));
    expect(c.nextEvents).not.toContain('REPORT_DEFAULT');
    const body = await refused(w, 409, () => event(c.id, { type: 'REPORT_DEFAULT', note: '对方说不还了' }), { caseId: c.id });
    expect(body.detail).toBe(`尚无到期应履行的款项（最近一期应于 ${dateIn(30)} 履行），届期未履行后才能报告未履行`);
  });

  it('a report deadline already past: 409; backdated to before it: taken', async () => {
    const s = await w.call(w.tokens.committee, 'POST', '/api/supervisions', { kind: 'case_inquiry', subject: '专题问案', respondent: '呼兰区人民法院', occurredAt: daysAgo(10) });
    const send = (body: Record<string, unknown>) => w.call(w.tokens.committee, 'POST', `/api/supervisions/${s.body.id}/events`, body);
    const r = await send({ type: 'REQUEST_REPORT', dueDate: dateIn(-1) });
    expect(r.status).toBe(409);
    expect(r.headers.get('content-type')).toMatch(/problem\+json/);
    expect(r.body.detail).toMatch(/之前已经届满/);
    expect((await w.call(w.tokens.committee, 'GET', `/api/supervisions/${s.body.id}`)).body.version).toBe(1);
    const ok = await send({ type: 'REQUEST_REPORT', dueDate: dateIn(-1), occurredAt: daysAgo(5) });
    expect(ok.status).toBe(200);
    expect(ok.body.state).toBe('awaitingReport');
  });
});
