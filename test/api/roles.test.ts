/**
 * Who may send what (DESIGN.md §1 and the 'sent by' column of §3), table-driven. The tables here
 * are written from DESIGN.md, not imported from src/, so a wrong permission in the engine fails.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createWorld, type World } from '../helpers/world.js';
import { daysAgo, expectProblem, fingerprint, refused } from '../helpers/api.js';

let w: World;
beforeAll(async () => {
  w = await createWorld();
});
afterAll(async () => w?.close());

type Caller = 'court' | 'deputyA' | 'deputyB' | 'deputyOther' | 'stationHL' | 'stationSC' | 'committee' | 'admin';
const CALLERS: Caller[] = ['court', 'deputyA', 'deputyB', 'deputyOther', 'stationHL', 'stationSC', 'committee', 'admin'];

type State =
  | 'intake.screening'
  | 'mediation.assigning'
  | 'mediation.active'
  | 'mediation.paused'
  | 'agreement.performing'
  | 'agreement.confirming'
  | 'agreement.defaulted'
  | 'enforcement.active'
  | 'enforcement.suspended';

/** DESIGN.md §3 'sent by', for the events a user may send. */
const SENT_BY: Record<string, { from: State; track?: 'post_filing'; court: true; deputy?: 'assigned' | 'self'; station?: 'own' }> = {
  ACCEPT: { from: 'intake.screening', court: true },
  RETURN: { from: 'intake.screening', court: true },
  ASSIGN: { from: 'mediation.assigning', court: true },
  RECUSE: { from: 'mediation.active', court: true, deputy: 'self' },
  SCHEDULE_SESSION: { from: 'mediation.active', court: true, deputy: 'assigned' },
  RECORD_SESSION: { from: 'mediation.active', court: true, deputy: 'assigned' },
  PAUSE: { from: 'mediation.active', court: true },
  RESUME: { from: 'mediation.paused', court: true },
  EXTEND: { from: 'mediation.active', court: true },
  REACH_AGREEMENT: { from: 'mediation.active', court: true, deputy: 'assigned' },
  FAIL: { from: 'mediation.active', court: true, deputy: 'assigned' },
  WITHDRAW: { from: 'intake.screening', court: true, station: 'own' },
  APPLY_CONFIRMATION: { from: 'agreement.performing', court: true },
  CONFIRM: { from: 'agreement.confirming', court: true },
  DENY_CONFIRMATION: { from: 'agreement.confirming', court: true },
  RECORD_PERFORMANCE: { from: 'agreement.performing', court: true, deputy: 'assigned' },
  REPORT_DEFAULT: { from: 'agreement.performing', court: true, deputy: 'assigned' },
  APPLY_ENFORCEMENT: { from: 'agreement.defaulted', track: 'post_filing', court: true },
  FILE_LAWSUIT: { from: 'agreement.defaulted', court: true },
  RECORD_MEASURE: { from: 'enforcement.active', court: true },
  RECORD_RECOVERY: { from: 'enforcement.active', court: true },
  SUSPEND: { from: 'enforcement.active', court: true },
  CONCLUDE: { from: 'enforcement.active', court: true },
};
const USER_EVENTS = Object.keys(SENT_BY);
const SYSTEM_EVENTS = ['MEDIATION_EXPIRED', 'PERFORMANCE_OVERDUE', 'ENFORCEMENT_OVERDUE'];

/** The events a state takes (guards passing, for the cases `reach` builds), DESIGN.md §3. */
const TAKES: Record<State, string[]> = {
  'intake.screening': ['ACCEPT', 'RETURN', 'WITHDRAW'],
  'mediation.assigning': ['ASSIGN', 'FAIL', 'WITHDRAW'],
  'mediation.active': ['RECUSE', 'SCHEDULE_SESSION', 'RECORD_SESSION', 'PAUSE', 'EXTEND', 'REACH_AGREEMENT', 'FAIL', 'WITHDRAW'],
  'mediation.paused': ['RESUME', 'FAIL', 'WITHDRAW'],
  'agreement.performing': ['APPLY_CONFIRMATION', 'RECORD_PERFORMANCE', 'REPORT_DEFAULT'],
  'agreement.confirming': ['CONFIRM', 'DENY_CONFIRMATION'],
  'agreement.defaulted': ['RECORD_PERFORMANCE', 'FILE_LAWSUIT'],
  'enforcement.active': ['RECORD_MEASURE', 'RECORD_RECOVERY', 'SUSPEND', 'CONCLUDE'],
  'enforcement.suspended': ['RESUME', 'CONCLUDE'],
};

function mayUse(caller: Caller, type: string): boolean {
  const rule = SENT_BY[type];
  if (!rule) return false;
  if (caller === 'court') return true;
  if (caller === 'deputyA') return rule.deputy !== undefined;
  if (caller === 'stationHL') return rule.station === 'own';
  return false;
}

function token(caller: Caller): string {
  return w.tokens[caller];
}

function deputyIdOf(caller: Caller): string {
  return caller === 'deputyB' ? w.deputies.b : caller === 'deputyOther' ? w.deputies.other : w.deputies.a;
}

/** A valid payload of each event, as `caller` would send it. */
function payload(type: string, caller: Caller): Record<string, unknown> {
  const soon = new Date(Date.now() + 86_400_000).toISOString();
  const p: Record<string, Record<string, unknown>> = {
    RETURN: { reason: 'out_of_scope', note: '不属于受案范围' },
    ASSIGN: { deputyIds: [w.deputies.a], mediatorName: '调解员 钱' },
    RECUSE: { deputyId: deputyIdOf(caller), reason: '与当事人有亲属关系' },
    SCHEDULE_SESSION: { at: soon, location: '呼兰站调解室' },
    RECORD_SESSION: { heldAt: new Date().toISOString(), attendeeDeputyIds: [w.deputies.a], minutes: '双方陈述意见' },
    PAUSE: { reason: '房屋质量鉴定' },
    EXTEND: { days: 10, partiesConsent: true },
    // Due today (Shanghai): REPORT_DEFAULT is taken only once something is due (issue 15 §1).
    REACH_AGREEMENT: { terms: '分两期还款', amount: '1000', dueDate: new Date(Date.now() + 8 * 3_600_000).toISOString().slice(0, 10) },
    FAIL: { reason: 'gap_too_wide' },
    WITHDRAW: { note: '当事人撤回' },
    CONFIRM: { rulingNumber: '(2026)黑0111民特1号' },
    DENY_CONFIRMATION: { reason: '协议内容违反法律规定' },
    RECORD_PERFORMANCE: { amount: '100' },
    REPORT_DEFAULT: { note: '到期未付' },
    APPLY_ENFORCEMENT: { enforcementCaseNumber: '(2026)黑0111执1号' },
    FILE_LAWSUIT: { note: '另行起诉' },
    RECORD_MEASURE: { kind: 'freeze', note: '冻结银行账户' },
    RECORD_RECOVERY: { amount: '100' },
    SUSPEND: { reason: '案外人异议' },
    CONCLUDE: { result: 'fulfilled' },
  };
  return { type, ...(p[type] ?? {}) };
}

/** A case of HL01 (opened by the court) in `state`, deputy A assigned once mediation started. */
async function reach(state: State, track: 'pre_filing' | 'post_filing' = 'pre_filing'): Promise<string> {
  const c = await w.openCase({ track });
  const path: Record<State, Record<string, unknown>[]> = {
    'intake.screening': [],
    'mediation.assigning': [{ type: 'ACCEPT' }],
    'mediation.active': [{ type: 'ACCEPT' }, { type: 'ASSIGN', deputyIds: [w.deputies.a] }],
    'mediation.paused': [{ type: 'ACCEPT' }, { type: 'ASSIGN', deputyIds: [w.deputies.a] }, { type: 'PAUSE', reason: '鉴定' }],
    'agreement.performing': [{ type: 'ACCEPT' }, { type: 'ASSIGN', deputyIds: [w.deputies.a] }, payload('REACH_AGREEMENT', 'court')],
    'agreement.confirming': [
      { type: 'ACCEPT' },
      { type: 'ASSIGN', deputyIds: [w.deputies.a] },
      payload('REACH_AGREEMENT', 'court'),
      { type: 'APPLY_CONFIRMATION' },
    ],
    'agreement.defaulted': [
      { type: 'ACCEPT' },
      { type: 'ASSIGN', deputyIds: [w.deputies.a] },
      payload('REACH_AGREEMENT', 'court'),
      { type: 'REPORT_DEFAULT' },
    ],
    'enforcement.active': [
      { type: 'ACCEPT' },
      { type: 'ASSIGN', deputyIds: [w.deputies.a] },
      payload('REACH_AGREEMENT', 'court'),
      { type: 'REPORT_DEFAULT' },
      payload('APPLY_ENFORCEMENT', 'court'),
    ],
    'enforcement.suspended': [
      { type: 'ACCEPT' },
      { type: 'ASSIGN', deputyIds: [w.deputies.a] },
      payload('REACH_AGREEMENT', 'court'),
      { type: 'REPORT_DEFAULT' },
      payload('APPLY_ENFORCEMENT', 'court'),
      { type: 'SUSPEND', reason: '中止' },
    ],
  };
  if ((state === 'enforcement.active' || state === 'enforcement.suspended') && track !== 'post_filing') {
    throw new Error('enforcement after an agreement needs an enforceable (post_filing) agreement');
  }
  const steps = path[state];
  if (steps.length) {
    const last = await w.send(c.id, w.tokens.court, ...steps);
    expect(last.state).toBe(state);
  }
  return c.id;
}

const post = (caller: Caller, id: string, body: Record<string, unknown>) => w.call(token(caller), 'POST', `/api/cases/${id}/events`, body);

describe('case events by role (DESIGN.md §3 "sent by")', () => {
  it.each(USER_EVENTS)('%s: allowed to its senders, 403 to everyone else', async (type) => {
    const rule = SENT_BY[type];
    const track = rule.track ?? (rule.from.startsWith('enforcement') ? 'post_filing' : 'pre_filing');
    const shared = await reach(rule.from, track);
    for (const caller of CALLERS) {
      if (mayUse(caller, type)) continue;
      await refused(w, 403, () => post(caller, shared, payload(type, caller)), { caseId: shared });
    }
    for (const caller of CALLERS.filter((c) => mayUse(c, type))) {
      const id = await reach(rule.from, track);
      const r = await post(caller, id, payload(type, caller));
      expect({ caller, status: r.status, detail: r.body?.detail }).toEqual({ caller, status: 200, detail: undefined });
      expect(r.body.version).toBeGreaterThan(1);
      const h = await w.call(w.tokens.court, 'GET', `/api/cases/${id}/history`);
      expect(h.body.items.at(-1)).toMatchObject({ type, actor: { role: caller === 'court' ? 'court' : caller.startsWith('deputy') ? 'deputy' : 'station' } });
    }
  });

  it('covers every event the API knows: the user events above plus the three system events', async () => {
    const c = await reach('intake.screening');
    const r = await w.call(w.tokens.court, 'POST', `/api/cases/${c}/events`, { type: 'NO_SUCH_EVENT' });
    const known = expectProblem(r, 400).errors[0].message.split(/[：:]/)[1].split(',').map((t: string) => t.trim());
    expect([...known].sort()).toEqual([...USER_EVENTS, ...SYSTEM_EVENTS].sort());
    expect(USER_EVENTS.filter((t) => mayUse('deputyA', t)).sort()).toEqual(
      ['FAIL', 'REACH_AGREEMENT', 'RECORD_PERFORMANCE', 'RECORD_SESSION', 'RECUSE', 'REPORT_DEFAULT', 'SCHEDULE_SESSION'],
    );
  });
});

describe('deputies', () => {
  it('may recuse only themselves', async () => {
    const c = await w.openCase();
    await w.send(c.id, w.tokens.court, { type: 'ACCEPT' }, { type: 'ASSIGN', deputyIds: [w.deputies.a, w.deputies.b] });
    const body = await refused(w, 403, () => post('deputyA', c.id, { type: 'RECUSE', deputyId: w.deputies.b, reason: '代为回避' }), { caseId: c.id });
    expect(body.detail).toContain('RECUSE');
    const self = await post('deputyB', c.id, { type: 'RECUSE', deputyId: w.deputies.b, reason: '与当事人系同事' });
    expect(self.status).toBe(200);
    expect(self.body.state).toBe('mediation.active');
    expect(self.body.deputyIds).toEqual([w.deputies.a]);
  });

  it('loses sight of the case once recused', async () => {
    const c = await w.openCase();
    await w.send(c.id, w.tokens.court, { type: 'ACCEPT' }, { type: 'ASSIGN', deputyIds: [w.deputies.a, w.deputies.b] });
    await w.send(c.id, w.tokens.deputyB, { type: 'RECUSE', deputyId: w.deputies.b, reason: '回避' });
    await refused(w, 403, () => w.call(w.tokens.deputyB, 'GET', `/api/cases/${c.id}`), { caseId: c.id });
    await refused(w, 403, () => post('deputyB', c.id, payload('SCHEDULE_SESSION', 'deputyB')), { caseId: c.id });
    const list = await w.call(w.tokens.deputyB, 'GET', '/api/cases?limit=200');
    expect(list.body.items.map((i: any) => i.id)).not.toContain(c.id);
    expect((await w.call(w.tokens.deputyA, 'GET', `/api/cases/${c.id}`)).status).toBe(200);
  });

  it('see only the cases they are assigned to in the list', async () => {
    const mine = await reach('mediation.active');
    const notMine = await w.openCase();
    const ids = (await w.call(w.tokens.deputyA, 'GET', '/api/cases?limit=200')).body.items.map((i: any) => i.id);
    expect(ids).toContain(mine);
    expect(ids).not.toContain(notMine.id);
    const other = (await w.call(w.tokens.deputyOther, 'GET', '/api/cases?limit=200')).body.items.map((i: any) => i.id);
    expect(other).not.toContain(mine);
  });

  it('may not name an attendee who is not assigned (409, not a silent accept)', async () => {
    const c = await reach('mediation.active');
    const body = await refused(
      w,
      409,
      () => post('deputyA', c, { type: 'RECORD_SESSION', heldAt: new Date().toISOString(), attendeeDeputyIds: [w.deputies.a, w.deputies.other], minutes: 'x' }),
      { caseId: c },
    );
    expect(body.state).toBe('mediation.active');
  });
});

describe('station staff', () => {
  const body = (source: string, stationCode = 'HL01') => ({
    track: 'pre_filing',
    source,
    stationCode,
    disputeType: '邻里纠纷',
    summary: '排水管漏水',
    parties: [{ role: 'applicant', name: '王五' }],
    ...(source === 'enforcement_referral' ? { enforceableDocument: '(2025)黑0111民初1号', owedAmount: '3000' } : {}),
  });

  it.each(['walk_in', 'qr_code', 'hotline', 'home_visit'])('open cases at their own station through %s', async (source) => {
    const r = await w.call(w.tokens.stationHL, 'POST', '/api/cases', body(source));
    expect(r.status).toBe(201);
    expect(r.body).toMatchObject({ state: 'intake.screening', source, stationCode: 'HL01', version: 1 });
    expect(r.body.number).toMatch(/^\d{4}-HL01-\d{6}$/);
  });

  it('may not open a court or enforcement referral', async () => {
    await refused(w, 403, () => w.call(w.tokens.stationHL, 'POST', '/api/cases', body('court_referral')));
    await refused(w, 403, () => w.call(w.tokens.stationHL, 'POST', '/api/cases', body('enforcement_referral')));
  });

  it("may not open a case at another station", async () => {
    await refused(w, 403, () => w.call(w.tokens.stationHL, 'POST', '/api/cases', body('walk_in', 'SC01')));
    await refused(w, 403, () => w.call(w.tokens.stationSC, 'POST', '/api/cases', body('hotline', 'HL01')));
  });

  it("withdraw their own station's case, in intake and in mediation", async () => {
    const intake = (await w.call(w.tokens.stationHL, 'POST', '/api/cases', body('walk_in'))).body;
    const r = await post('stationHL', intake.id, { type: 'WITHDRAW', note: '当事人自行和解' });
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ state: 'closed', outcome: 'withdrawn' });
    const active = await reach('mediation.active');
    expect((await post('stationHL', active, { type: 'WITHDRAW' })).body.outcome).toBe('withdrawn');
  });

  it("cannot see or act on another station's case", async () => {
    const c = (await w.call(w.tokens.stationSC, 'POST', '/api/cases', body('walk_in', 'SC01'))).body;
    await refused(w, 403, () => w.call(w.tokens.stationHL, 'GET', `/api/cases/${c.id}`), { caseId: c.id });
    await refused(w, 403, () => w.call(w.tokens.stationHL, 'GET', `/api/cases/${c.id}/history`), { caseId: c.id });
    await refused(w, 403, () => post('stationHL', c.id, { type: 'WITHDRAW' }), { caseId: c.id });
    const ids = (await w.call(w.tokens.stationHL, 'GET', '/api/cases?limit=200')).body.items.map((i: any) => i.id);
    expect(ids).not.toContain(c.id);
    const filtered = await w.call(w.tokens.stationHL, 'GET', '/api/cases?stationCode=SC01');
    expect(filtered.body.items).toEqual([]);
  });

  it('see the cases of their station, whoever opened them', async () => {
    const byCourt = await w.openCase();
    const ids = (await w.call(w.tokens.stationHL, 'GET', '/api/cases?limit=200')).body.items.map((i: any) => i.id);
    expect(ids).toContain(byCourt.id);
    expect((await w.call(w.tokens.stationHL, 'GET', `/api/cases/${byCourt.id}`)).status).toBe(200);
  });
});

describe('committee', () => {
  it('reads every case and its history', async () => {
    const c = await reach('mediation.active');
    const got = await w.call(w.tokens.committee, 'GET', `/api/cases/${c}`);
    expect(got.status).toBe(200);
    expect(got.body.nextEvents).toEqual([]);
    expect((await w.call(w.tokens.committee, 'GET', `/api/cases/${c}/history`)).body.items).toHaveLength(3);
    const ids = (await w.call(w.tokens.committee, 'GET', '/api/cases?limit=200')).body.items.map((i: any) => i.id);
    expect(ids).toContain(c);
  });

  it('opens no case', async () => {
    await refused(w, 403, () =>
      w.call(w.tokens.committee, 'POST', '/api/cases', { track: 'pre_filing', source: 'court_referral', stationCode: 'HL01', disputeType: 'x', summary: 'x', parties: [{ role: 'applicant', name: 'x' }] }),
    );
  });
});

describe('directory: only the admin manages stations, deputies and users', () => {
  const writes = () => [
    ['/api/stations', { code: `X${Math.floor(Math.random() * 1e6)}`, name: '新站', kind: 'town', district: '呼兰区' }],
    ['/api/deputies', { name: '新代表', level: 'township', stationCode: 'HL01' }],
    ['/api/users', { name: '新用户', role: 'court' }],
  ] as const;

  it.each(CALLERS.filter((c) => c !== 'admin'))('%s gets 403 and nothing is written', async (caller) => {
    for (const [path, body] of writes()) await refused(w, 403, () => w.call(token(caller), 'POST', path, body));
    await refused(w, 403, () => w.call(token(caller), 'GET', '/api/users'));
    await refused(w, 403, () => w.call(token(caller), 'POST', '/api/admin/sweep'));
  });

  it('the admin gets 201', async () => {
    for (const [path, body] of writes()) expect((await w.call(w.tokens.admin, 'POST', path, body)).status).toBe(201);
  });

  it('the admin opens no case and sends no case event', async () => {
    const c = await reach('intake.screening');
    await refused(w, 403, () =>
      w.call(w.tokens.admin, 'POST', '/api/cases', { track: 'pre_filing', source: 'court_referral', stationCode: 'HL01', disputeType: 'x', summary: 'x', parties: [{ role: 'applicant', name: 'x' }] }),
    );
    await refused(w, 403, () => post('admin', c, { type: 'ACCEPT' }), { caseId: c });
  });
});

describe('system events (deadlines) are refused to every user', () => {
  it('even when the deadline has passed, and the sweeper then fires them', async () => {
    // Each case is past its deadline, so only the sender's role can refuse the event.
    const expired = await w.openCase({ occurredAt: daysAgo(45) });
    await w.send(expired.id, w.tokens.court, { type: 'ACCEPT', occurredAt: daysAgo(44) }, { type: 'ASSIGN', deputyIds: [w.deputies.a], occurredAt: daysAgo(44) });
    const late = await w.openCase({ occurredAt: daysAgo(20) });
    await w.send(
      late.id,
      w.tokens.court,
      { type: 'ACCEPT', occurredAt: daysAgo(20) },
      { type: 'ASSIGN', deputyIds: [w.deputies.a], occurredAt: daysAgo(20) },
      { type: 'REACH_AGREEMENT', terms: '一次性付清', amount: '500', dueDate: daysAgo(10).slice(0, 10), occurredAt: daysAgo(15) },
    );
    const slow = await w.openCase({
      source: 'enforcement_referral',
      track: undefined,
      enforceableDocument: '(2025)黑0111民初9号',
      owedAmount: '8000',
      occurredAt: daysAgo(200),
    });
    expect(slow.state).toBe('enforcement.active');
    const targets: [string, string][] = [
      ['MEDIATION_EXPIRED', expired.id],
      ['PERFORMANCE_OVERDUE', late.id],
      ['ENFORCEMENT_OVERDUE', slow.id],
    ];
    for (const [type, id] of targets) {
      for (const caller of CALLERS) {
        await refused(w, 403, () => post(caller, id, { type }), { caseId: id });
      }
      for (const caller of ['court', 'deputyA', 'stationHL', 'committee', 'admin'] as Caller[]) {
        const view = await w.call(token(caller), 'GET', `/api/cases/${id}`);
        if (view.status === 200) expect(view.body.nextEvents).not.toContain(type);
      }
    }
    const swept = await w.call(w.tokens.admin, 'POST', '/api/admin/sweep');
    expect(swept.status).toBe(200);
    const fired = swept.body.fired.map((f: any) => [f.event, f.entityId]);
    for (const t of targets) expect(fired).toContainEqual(t);
    const after = await w.call(w.tokens.committee, 'GET', `/api/cases/${late.id}/history`);
    expect(after.body.items.at(-1)).toMatchObject({ type: 'PERFORMANCE_OVERDUE', actor: { role: 'system' } });
  });
});

describe('nextEvents: what this caller may send now', () => {
  const expected = (state: State | 'closed', caller: Caller) =>
    state === 'closed' ? [] : TAKES[state].filter((t) => mayUse(caller, t)).sort();
  const STATES: [State, 'pre_filing' | 'post_filing'][] = [
    ['intake.screening', 'pre_filing'],
    ['mediation.assigning', 'pre_filing'],
    ['mediation.active', 'pre_filing'],
    ['mediation.paused', 'pre_filing'],
    ['agreement.performing', 'pre_filing'],
    ['agreement.confirming', 'pre_filing'],
    ['agreement.defaulted', 'pre_filing'],
    ['enforcement.active', 'post_filing'],
    ['enforcement.suspended', 'post_filing'],
  ];

  it.each(STATES)('in %s (%s), for every caller', async (state, track) => {
    const id = await reach(state, track);
    for (const caller of CALLERS) {
      const r = await w.call(token(caller), 'GET', `/api/cases/${id}`);
      // Deputy A is assigned from ASSIGN on; before that no deputy sees the case.
      const sees =
        ['court', 'stationHL', 'committee'].includes(caller) || (caller === 'deputyA' && !['intake.screening', 'mediation.assigning'].includes(state));
      if (!sees) {
        expectProblem(r, 403);
        continue;
      }
      expect(r.status).toBe(200);
      expect({ caller, next: [...r.body.nextEvents].sort() }).toEqual({ caller, next: expected(state, caller) });
    }
  });

  it('follows the guards: a post_filing agreement offers APPLY_ENFORCEMENT, not FILE_LAWSUIT, and no confirmation', async () => {
    const defaulted = await reach('agreement.defaulted', 'post_filing');
    const d = await w.call(w.tokens.court, 'GET', `/api/cases/${defaulted}`);
    expect([...d.body.nextEvents].sort()).toEqual(['APPLY_ENFORCEMENT', 'RECORD_PERFORMANCE']);
    const c = await w.openCase({ track: 'post_filing' });
    const performing = await w.send(c.id, w.tokens.court, { type: 'ACCEPT' }, { type: 'ASSIGN', deputyIds: [w.deputies.a] }, payload('REACH_AGREEMENT', 'court'));
    expect([...performing.nextEvents].sort()).toEqual(['RECORD_PERFORMANCE', 'REPORT_DEFAULT']);
  });

  it('is empty on a closed case', async () => {
    const id = await reach('intake.screening');
    const closed = await w.send(id, w.tokens.court, { type: 'WITHDRAW' });
    expect(closed.nextEvents).toEqual([]);
    for (const caller of ['court', 'stationHL', 'committee'] as Caller[]) {
      expect((await w.call(token(caller), 'GET', `/api/cases/${id}`)).body.nextEvents).toEqual([]);
    }
  });

  // Proof that nextEvents is what the engine does: every event listed goes through on a fresh
  // case, every user event not listed is refused (403 or 409) and writes nothing.
  it.each([
    ['mediation.active', 'pre_filing'],
    ['agreement.performing', 'pre_filing'],
    ['enforcement.active', 'post_filing'],
  ] as [State, 'pre_filing' | 'post_filing'][])('matches what the engine accepts in %s', async (state, track) => {
    const shared = await reach(state, track);
    for (const caller of ['court', 'deputyA', 'stationHL', 'committee', 'admin'] as Caller[]) {
      // The admin reads no case (403, DESIGN.md §10): it may send none either.
      const next: string[] = (await w.call(token(caller), 'GET', `/api/cases/${shared}`)).body.nextEvents ?? [];
      const before = await fingerprint(w);
      for (const type of USER_EVENTS.filter((t) => !next.includes(t))) {
        const r = await post(caller, shared, payload(type, caller));
        expect({ caller, type, status: [403, 409].includes(r.status) }).toEqual({ caller, type, status: true });
      }
      expect(await fingerprint(w)).toEqual(before);
      for (const type of next) {
        const id = await reach(state, track);
        const r = await post(caller, id, payload(type, caller));
        expect({ caller, type, status: r.status }).toEqual({ caller, type, status: 200 });
      }
    }
  });
});
