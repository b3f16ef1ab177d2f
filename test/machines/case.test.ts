/**
 * The case machine (DESIGN.md §3), driven only through the pure `initialTransition` /
 * `transition` from xstate. Every event is parsed by `caseEventSchemas[type]` first, as the
 * engine does, so amounts, dates and instants arrive normalised. No snapshot is built by hand.
 *
 * Times: Asia/Shanghai is UTC+8 with no daylight saving, so a Shanghai day starts at 16:00Z of
 * the UTC day before. A period of N days started on date D (the first day not counted) has its
 * last day on D+N and has expired at 00:00 +08 of D+N+1, i.e. at 16:00Z on D+N.
 */
import { describe, expect, it } from 'vitest';
import { initialTransition, transition, type SnapshotFrom } from 'xstate';
import type { z } from 'zod';
import {
  CASE_EVENT_TYPES,
  CONCLUDE_RESULTS,
  FAIL_REASONS,
  MEASURE_KINDS,
  RETURN_REASONS,
  SOURCES,
  caseEventSchemas,
  caseInputSchema,
  caseMachine,
  performanceDueAt,
  type CaseEvent,
  type CaseEventType,
} from '../../src/machines/case.js';
import { caseDeadlines, casePermissions, caseSpec, explainCaseRefusal } from '../../src/machines/case-spec.js';
import { messageOf } from '../../src/messages.js';
import { permits, type Actor, type Permission } from '../../src/machines/roles.js';
import { closingKinds, handledEvents, nextEvents, statePath } from '../../src/machines/spec.js';

type Snap = SnapshotFrom<typeof caseMachine>;
type Payload = Record<string, unknown>;

// ---------------------------------------------------------------------------------------------
// Driving the machine

/** The usual timeline (all +08:00). */
const T = {
  opened: '2026-03-01T09:00:00+08:00', // = 2026-03-01T01:00:00.000Z
  accepted: '2026-03-02T09:00:00+08:00',
  assigned: '2026-03-02T10:00:00+08:00', // = 2026-03-02T02:00:00.000Z
  agreed: '2026-03-06T10:00:00+08:00', // = 2026-03-06T02:00:00.000Z
  applied: '2026-03-10T10:00:00+08:00',
  confirmed: '2026-03-20T10:00:00+08:00',
  enforced: '2026-07-10T10:00:00+08:00', // = 2026-07-10T02:00:00.000Z
  late: '2029-01-01T10:00:00+08:00',
};

/** pre_filing, ASSIGN on 03-02: 30 days, last day 04-01, expired at 04-02 00:00 +08. */
const PRE_MEDIATION_DUE = '2026-04-01T16:00:00.000Z';
/** Agreement on 03-06: 30 days, last day 04-05. */
const CONFIRMATION_WINDOW_END = '2026-04-05T16:00:00.000Z';
/** Agreement dueDate 2026-06-30: late from 07-01 00:00 +08. */
const PERFORMANCE_DUE = '2026-06-30T16:00:00.000Z';
/** 2 years after 2026-06-30: last day 2028-06-30. */
const ENFORCEMENT_BAR = '2028-06-30T16:00:00.000Z';
/** APPLY_ENFORCEMENT on 2026-07-10: 6 months, last day 2027-01-10. */
const ENFORCEMENT_DUE = '2027-01-10T16:00:00.000Z';

function open(overrides: Payload = {}): Snap {
  const input = caseInputSchema.parse({
    track: 'pre_filing',
    source: 'court_referral',
    stationCode: 'HL01',
    disputeType: '民间借贷',
    summary: '借款十二万元未还',
    occurredAt: T.opened,
    ...overrides,
  });
  return initialTransition(caseMachine, input)[0];
}

function event(type: CaseEventType, payload: Payload): CaseEvent {
  const schema = caseEventSchemas[type] as z.ZodType;
  return { type, ...(schema.parse(payload) as object) } as CaseEvent;
}

/** Sends an event the state must accept. */
function send(s: Snap, type: CaseEventType, payload: Payload): Snap {
  const e = event(type, payload);
  expect(s.can(e), `${statePath(s.value)} should accept ${type}`).toBe(true);
  return transition(caseMachine, s, e)[0];
}

/** Sends an event the state must refuse; returns the explanation a clerk would see. */
function refuse(s: Snap, type: CaseEventType, payload: Payload): string {
  const e = event(type, payload);
  expect(s.can(e), `${statePath(s.value)} should refuse ${type}`).toBe(false);
  const [next] = transition(caseMachine, s, e);
  expect(next.value).toEqual(s.value);
  expect(next.context).toEqual(s.context);
  expect(next.status).toBe(s.status);
  const why = explainCaseRefusal(s, e);
  return messageOf(why.reason, why.params);
}

const path = (s: Snap) => statePath(s.value);

const screening = (o: Payload = {}) => open(o);
const assigning = (o: Payload = {}) => send(open(o), 'ACCEPT', { occurredAt: T.accepted });
const active = (o: Payload = {}, deputyIds = ['d1', 'd2']) =>
  send(assigning(o), 'ASSIGN', { mediatorName: '王调解员', deputyIds, occurredAt: T.assigned });
const paused = (o: Payload = {}) => send(active(o), 'PAUSE', { reason: '房屋质量鉴定', occurredAt: '2026-03-10T10:00:00+08:00' });
const performing = (o: Payload = {}, agreement: Payload = {}) =>
  send(active(o), 'REACH_AGREEMENT', {
    terms: '被申请人于 2026-06-30 前一次性归还借款',
    amount: '12000.5',
    dueDate: '2026-06-30',
    occurredAt: T.agreed,
    ...agreement,
  });
const confirming = () => send(performing(), 'APPLY_CONFIRMATION', { occurredAt: T.applied });
const confirmed = () => send(confirming(), 'CONFIRM', { rulingNumber: '(2026)黑0111民特12号', occurredAt: T.confirmed });
const defaulted = (enforceable: boolean) =>
  send(enforceable ? confirmed() : performing(), 'PERFORMANCE_OVERDUE', { occurredAt: PERFORMANCE_DUE });
const enforcing = () =>
  send(defaulted(true), 'APPLY_ENFORCEMENT', { enforcementCaseNumber: '(2026)黑0111执345号', occurredAt: T.enforced });
const suspended = () => send(enforcing(), 'SUSPEND', { reason: '被执行人下落不明', occurredAt: '2026-08-01T10:00:00+08:00' });
const referral = (o: Payload = {}) =>
  open({
    source: 'enforcement_referral',
    track: undefined,
    enforceableDocument: '(2025)黑0111民初99号民事判决书',
    owedAmount: '50000',
    ...o,
  });

/** A valid payload for every event type, used wherever only the type matters. */
const SAMPLE: Record<CaseEventType, Payload> = {
  ACCEPT: {},
  RETURN: { reason: 'unsuitable', note: '不宜调解' },
  ASSIGN: { deputyIds: ['d9'] },
  RECUSE: { deputyId: 'd1', reason: '与当事人系亲属' },
  SCHEDULE_SESSION: { at: '2029-01-05T09:00:00+08:00', location: '呼兰区联络站' },
  RECORD_SESSION: { heldAt: '2029-01-01T09:00:00+08:00', attendeeDeputyIds: [], minutes: '双方陈述' },
  PAUSE: { reason: '鉴定' },
  RESUME: {},
  EXTEND: { days: 5, partiesConsent: true },
  REACH_AGREEMENT: { terms: '还款', amount: '100', dueDate: '2030-01-01' },
  FAIL: { reason: 'refused' },
  WITHDRAW: {},
  MEDIATION_EXPIRED: {},
  APPLY_CONFIRMATION: {},
  CONFIRM: { rulingNumber: '(2029)民特1号' },
  DENY_CONFIRMATION: { reason: '协议违反法律规定' },
  RECORD_PERFORMANCE: { amount: '1' },
  PERFORMANCE_OVERDUE: {},
  REPORT_DEFAULT: {},
  APPLY_ENFORCEMENT: { enforcementCaseNumber: '(2029)执1号' },
  FILE_LAWSUIT: {},
  RECORD_MEASURE: { kind: 'freeze' },
  RECORD_RECOVERY: { amount: '1' },
  SUSPEND: { reason: '中止' },
  CONCLUDE: { result: 'settled' },
  ENFORCEMENT_OVERDUE: {},
};
const sample = (type: CaseEventType, occurredAt = T.late) => ({ ...SAMPLE[type], occurredAt });

// ---------------------------------------------------------------------------------------------

describe('creation', () => {
  it('knows exactly the six sources of DESIGN §3', () => {
    expect([...SOURCES]).toEqual(['walk_in', 'qr_code', 'hotline', 'home_visit', 'court_referral', 'enforcement_referral']);
  });

  it.each(['walk_in', 'qr_code', 'hotline', 'home_visit', 'court_referral'] as const)(
    'a %s case opens in intake.screening',
    (source) => {
      const s = open({ source, claimAmount: '8000.5' });
      expect(path(s)).toBe('intake.screening');
      expect(s.status).toBe('active');
      expect(s.context).toMatchObject({
        source,
        track: 'pre_filing',
        procedure: 'ordinary', // the default
        stationCode: 'HL01',
        openedAt: '2026-03-01T01:00:00.000Z',
        lastEventAt: '2026-03-01T01:00:00.000Z',
        claimFen: 800050,
        enforceable: false,
        deputyIds: [],
        mediationDueAt: null,
        enforcementDueAt: null,
        outcome: null,
      });
      expect(caseDeadlines(s)).toEqual([]);
    },
  );

  it('without a claim amount, claimFen is null', () => {
    expect(open().context.claimFen).toBeNull();
  });

  it('an enforcement_referral opens in enforcement.active with the 6-month clock from creation', () => {
    const s = referral();
    expect(path(s)).toBe('enforcement.active');
    expect(s.context).toMatchObject({
      source: 'enforcement_referral',
      enforceable: true,
      enforceableDocument: '(2025)黑0111民初99号民事判决书',
      owedFen: 5000000,
      recoveredFen: 0,
      agreement: null,
      enforcementStartedAt: '2026-03-01T01:00:00.000Z',
      // opened 03-01: 6 months, last day 09-01, expired at 09-02 00:00 +08
      enforcementDueAt: '2026-09-01T16:00:00.000Z',
      overdue: false,
    });
    expect(caseDeadlines(s)).toEqual([
      { kind: 'enforcement_limit', dueAt: '2026-09-01T16:00:00.000Z', event: 'ENFORCEMENT_OVERDUE' },
    ]);
  });

  it('an enforcement_referral counts its 6 months from the Shanghai date, clamped to month end', () => {
    // 08-31T15:30Z = 08-31 23:30 +08 → 2027-02-28 (no 02-31)
    expect(referral({ occurredAt: '2026-08-31T15:30:00Z' }).context.enforcementDueAt).toBe('2027-02-28T16:00:00.000Z');
    // 08-31T16:30Z = 09-01 00:30 +08 → 2027-03-01
    expect(referral({ occurredAt: '2026-08-31T16:30:00Z' }).context.enforcementDueAt).toBe('2027-03-01T16:00:00.000Z');
  });

  it('an enforcement_referral takes no intake or agreement events', () => {
    const s = referral();
    refuse(s, 'ACCEPT', sample('ACCEPT'));
    refuse(s, 'WITHDRAW', sample('WITHDRAW'));
    refuse(s, 'APPLY_ENFORCEMENT', sample('APPLY_ENFORCEMENT'));
    refuse(s, 'RECORD_PERFORMANCE', sample('RECORD_PERFORMANCE'));
  });
});

describe('intake.screening', () => {
  it('ACCEPT → mediation.assigning', () => {
    const s = send(screening(), 'ACCEPT', { occurredAt: T.accepted });
    expect(path(s)).toBe('mediation.assigning');
    expect(s.context.lastEventAt).toBe('2026-03-02T01:00:00.000Z');
    expect(s.context.mediationDueAt).toBeNull(); // the clock starts at ASSIGN, not ACCEPT
  });

  it.each(RETURN_REASONS)('RETURN (%s) → closed, outcome returned', (reason) => {
    const s = send(screening(), 'RETURN', { reason, note: '说明', occurredAt: T.accepted });
    expect(path(s)).toBe('closed');
    expect(s.status).toBe('done');
    expect(s.context).toMatchObject({ outcome: 'returned', outcomeReason: reason, closedAt: '2026-03-02T01:00:00.000Z' });
  });

  it('WITHDRAW → closed, outcome withdrawn', () => {
    const s = send(screening(), 'WITHDRAW', { note: '当事人撤回', occurredAt: T.accepted });
    expect(path(s)).toBe('closed');
    expect(s.context).toMatchObject({ outcome: 'withdrawn', outcomeReason: null, closedAt: '2026-03-02T01:00:00.000Z' });
  });
});

describe('mediation.assigning → ASSIGN starts the mediation clock', () => {
  it.each([
    // ASSIGN on 03-02 (+08)
    ['pre_filing', 'ordinary', '2026-04-01T16:00:00.000Z'], // 30 days: last day 04-01
    ['pre_filing', 'simple', '2026-04-01T16:00:00.000Z'], // procedure does not matter before filing
    ['post_filing', 'ordinary', '2026-03-17T16:00:00.000Z'], // 15 days: last day 03-17
    ['post_filing', 'simple', '2026-03-09T16:00:00.000Z'], // 7 days: last day 03-09
  ] as const)('%s / %s: due %s', (track, procedure, due) => {
    const s = active({ track, procedure });
    expect(path(s)).toBe('mediation.active');
    expect(s.context).toMatchObject({
      mediatorName: '王调解员',
      deputyIds: ['d1', 'd2'],
      mediationStartedAt: '2026-03-02T02:00:00.000Z',
      mediationDueAt: due,
      extendedDays: 0,
    });
    expect(caseDeadlines(s)).toEqual([{ kind: 'mediation_expiry', dueAt: due, event: 'MEDIATION_EXPIRED' }]);
  });

  it('counts from the Shanghai date of the assignment (16:00Z boundary)', () => {
    // 03-02T15:59Z = 03-02 23:59 +08 → last day 04-01
    const late = send(assigning(), 'ASSIGN', { deputyIds: ['d1'], occurredAt: '2026-03-02T15:59:00Z' });
    expect(late.context.mediationDueAt).toBe('2026-04-01T16:00:00.000Z');
    // 03-02T16:00Z = 03-03 00:00 +08 → last day 04-02
    const next = send(assigning(), 'ASSIGN', { deputyIds: ['d1'], occurredAt: '2026-03-02T16:00:00Z' });
    expect(next.context.mediationDueAt).toBe('2026-04-02T16:00:00.000Z');
  });

  it('the mediator is optional', () => {
    const s = send(assigning(), 'ASSIGN', { deputyIds: ['d1'], occurredAt: T.assigned });
    expect(s.context.mediatorName).toBeNull();
  });

  it('FAIL from assigning → closed (litigation); WITHDRAW → withdrawn', () => {
    const failed = send(assigning(), 'FAIL', { reason: 'no_contact', occurredAt: T.assigned });
    expect(failed.context).toMatchObject({ outcome: 'litigation', outcomeReason: 'no_contact' });
    const withdrawn = send(assigning(), 'WITHDRAW', { occurredAt: T.assigned });
    expect(withdrawn.context.outcome).toBe('withdrawn');
    expect(path(withdrawn)).toBe('closed');
  });
});

describe('mediation.active: the clock', () => {
  it.each([
    ['pre_filing', 'ordinary', '2026-04-01T16:00:00.000Z', 'litigation'],
    ['post_filing', 'ordinary', '2026-03-17T16:00:00.000Z', 'trial_resumed'],
    ['post_filing', 'simple', '2026-03-09T16:00:00.000Z', 'trial_resumed'],
  ] as const)('%s / %s: MEDIATION_EXPIRED refused before %s, then closes as %s', (track, procedure, due, outcome) => {
    const s = active({ track, procedure });
    const justBefore = new Date(Date.parse(due) - 1).toISOString();
    expect(refuse(s, 'MEDIATION_EXPIRED', { occurredAt: justBefore })).toBe(`调解期限尚未届满（${due}）`);
    const closed = send(s, 'MEDIATION_EXPIRED', { occurredAt: due });
    expect(path(closed)).toBe('closed');
    expect(closed.context).toMatchObject({ outcome, outcomeReason: 'deadline_expired', closedAt: due });
  });

  it('EXTEND moves the deadline by the days agreed, cumulatively', () => {
    const once = send(active(), 'EXTEND', { days: 10, partiesConsent: true, occurredAt: '2026-03-25T10:00:00+08:00' });
    expect(path(once)).toBe('mediation.active');
    expect(once.context.mediationDueAt).toBe('2026-04-11T16:00:00.000Z'); // 04-01 + 10
    expect(once.context.extendedDays).toBe(10);
    const twice = send(once, 'EXTEND', { days: 5, partiesConsent: true, occurredAt: '2026-03-26T10:00:00+08:00' });
    expect(twice.context.mediationDueAt).toBe('2026-04-16T16:00:00.000Z');
    expect(twice.context.extendedDays).toBe(15);
    expect(caseDeadlines(twice)).toEqual([
      { kind: 'mediation_expiry', dueAt: '2026-04-16T16:00:00.000Z', event: 'MEDIATION_EXPIRED' },
    ]);
    refuse(twice, 'MEDIATION_EXPIRED', { occurredAt: PRE_MEDIATION_DUE });
    refuse(twice, 'MEDIATION_EXPIRED', { occurredAt: '2026-04-16T15:59:59Z' });
    expect(path(send(twice, 'MEDIATION_EXPIRED', { occurredAt: '2026-04-16T16:00:00Z' }))).toBe('closed');
  });

  it('PAUSE stops the clock; RESUME adds the paused calendar days back', () => {
    const p = paused();
    expect(path(p)).toBe('mediation.paused');
    expect(p.context.pausedAt).toBe('2026-03-10T02:00:00.000Z');
    expect(caseDeadlines(p)).toEqual([]);
    // the clock is stopped: even past the original deadline, nothing expires
    refuse(p, 'MEDIATION_EXPIRED', { occurredAt: '2026-04-05T10:00:00+08:00' });
    // 03-10 → 03-20: 10 calendar days, although 23 hours short of 10 × 24 h
    const r = send(p, 'RESUME', { occurredAt: '2026-03-20T09:00:00+08:00' });
    expect(path(r)).toBe('mediation.active');
    expect(r.context.pausedAt).toBeNull();
    expect(r.context.mediationDueAt).toBe('2026-04-11T16:00:00.000Z'); // 04-01 + 10
    refuse(r, 'MEDIATION_EXPIRED', { occurredAt: PRE_MEDIATION_DUE });
    expect(send(r, 'MEDIATION_EXPIRED', { occurredAt: '2026-04-11T16:00:00Z' }).context.outcome).toBe('litigation');
  });

  it('a pause over Shanghai midnight counts one day; within one day counts none', () => {
    const overMidnight = send(
      send(active(), 'PAUSE', { reason: '鉴定', occurredAt: '2026-03-10T23:30:00+08:00' }),
      'RESUME',
      { occurredAt: '2026-03-11T00:30:00+08:00' },
    );
    expect(overMidnight.context.mediationDueAt).toBe('2026-04-02T16:00:00.000Z');
    const sameDay = send(
      send(active(), 'PAUSE', { reason: '鉴定', occurredAt: '2026-03-10T09:00:00+08:00' }),
      'RESUME',
      { occurredAt: '2026-03-10T18:00:00+08:00' },
    );
    expect(sameDay.context.mediationDueAt).toBe(PRE_MEDIATION_DUE);
  });

  it('paused mediation can still FAIL or be WITHDRAWn', () => {
    expect(send(paused(), 'FAIL', { reason: 'gap_too_wide', occurredAt: T.late }).context).toMatchObject({
      outcome: 'litigation',
      outcomeReason: 'gap_too_wide',
    });
    expect(send(paused({ track: 'post_filing' }), 'FAIL', { reason: 'other', occurredAt: T.late }).context.outcome).toBe(
      'trial_resumed',
    );
    expect(send(paused(), 'WITHDRAW', { occurredAt: T.late }).context.outcome).toBe('withdrawn');
  });
});

describe('mediation.active: deputies and sessions', () => {
  it('RECUSE of one of two deputies stays in mediation.active', () => {
    const s = send(active(), 'RECUSE', { deputyId: 'd1', reason: '与当事人系同事', occurredAt: '2026-03-05T10:00:00+08:00' });
    expect(path(s)).toBe('mediation.active');
    expect(s.context.deputyIds).toEqual(['d2']);
    expect(s.context.recusedDeputyIds).toEqual(['d1']);
    expect(s.context.mediationDueAt).toBe(PRE_MEDIATION_DUE);
  });

  it('RECUSE of the last deputy → mediation.assigning; re-ASSIGN keeps the running clock', () => {
    const one = send(active(), 'RECUSE', { deputyId: 'd1', reason: '回避', occurredAt: '2026-03-05T10:00:00+08:00' });
    const none = send(one, 'RECUSE', { deputyId: 'd2', reason: '回避', occurredAt: '2026-03-06T10:00:00+08:00' });
    expect(path(none)).toBe('mediation.assigning');
    expect(none.context.deputyIds).toEqual([]);
    expect(none.context.recusedDeputyIds).toEqual(['d1', 'd2']);
    expect(caseDeadlines(none)).toEqual([]);
    const again = send(none, 'ASSIGN', { deputyIds: ['d3'], occurredAt: '2026-03-08T10:00:00+08:00' });
    expect(path(again)).toBe('mediation.active');
    expect(again.context).toMatchObject({
      deputyIds: ['d3'],
      mediatorName: '王调解员', // kept when the new ASSIGN names none
      mediationStartedAt: '2026-03-02T02:00:00.000Z',
      mediationDueAt: PRE_MEDIATION_DUE,
    });
  });

  it('RECUSE of a deputy not assigned is refused', () => {
    expect(refuse(active(), 'RECUSE', { deputyId: 'd9', reason: '回避', occurredAt: T.late })).toBe(
      '该代表未被指派到本案，不能回避',
    );
    const s = send(active(), 'RECUSE', { deputyId: 'd1', reason: '回避', occurredAt: '2026-03-05T10:00:00+08:00' });
    refuse(s, 'RECUSE', { deputyId: 'd1', reason: '再次回避', occurredAt: T.late }); // already recused
  });

  it('SCHEDULE_SESSION sets the next session; RECORD_SESSION counts sessions and deputy attendances', () => {
    const scheduled = send(active(), 'SCHEDULE_SESSION', {
      at: '2026-03-05T09:30:00+08:00',
      location: '呼兰区利民街道代表联络站',
      occurredAt: '2026-03-03T10:00:00+08:00',
    });
    expect(path(scheduled)).toBe('mediation.active');
    expect(scheduled.context.nextSession).toEqual({ at: '2026-03-05T01:30:00.000Z', location: '呼兰区利民街道代表联络站' });
    const held = send(scheduled, 'RECORD_SESSION', {
      heldAt: '2026-03-05T09:30:00+08:00',
      attendeeDeputyIds: ['d1', 'd2'],
      minutes: '双方陈述意见',
      occurredAt: '2026-03-05T12:00:00+08:00',
    });
    expect(held.context).toMatchObject({ sessionsHeld: 1, deputyAttendances: 2, nextSession: null });
    const noDeputy = send(held, 'RECORD_SESSION', {
      heldAt: '2026-03-06T09:30:00+08:00',
      minutes: '调解员单独约谈',
      occurredAt: '2026-03-06T12:00:00+08:00',
    });
    expect(noDeputy.context).toMatchObject({ sessionsHeld: 2, deputyAttendances: 2 });
  });

  it('RECORD_SESSION attendees must be assigned now', () => {
    const payload = { heldAt: '2026-03-05T09:30:00+08:00', minutes: '记录', occurredAt: '2026-03-05T12:00:00+08:00' };
    expect(refuse(active(), 'RECORD_SESSION', { ...payload, attendeeDeputyIds: ['d1', 'd9'] })).toBe(
      '出席代表须为本案当前指派的代表',
    );
    const recused = send(active(), 'RECUSE', { deputyId: 'd1', reason: '回避', occurredAt: '2026-03-04T10:00:00+08:00' });
    refuse(recused, 'RECORD_SESSION', { ...payload, attendeeDeputyIds: ['d1'] });
    expect(send(recused, 'RECORD_SESSION', { ...payload, attendeeDeputyIds: ['d2'] }).context.deputyAttendances).toBe(1);
  });
});

describe('mediation.active: FAIL and WITHDRAW', () => {
  it.each(FAIL_REASONS)('FAIL (%s): pre_filing → litigation, post_filing → trial_resumed', (reason) => {
    const pre = send(active(), 'FAIL', { reason, note: '说明', occurredAt: '2026-03-20T10:00:00+08:00' });
    expect(path(pre)).toBe('closed');
    expect(pre.status).toBe('done');
    expect(pre.context).toMatchObject({ outcome: 'litigation', outcomeReason: reason, closedAt: '2026-03-20T02:00:00.000Z' });
    const post = send(active({ track: 'post_filing' }), 'FAIL', { reason, occurredAt: '2026-03-05T10:00:00+08:00' });
    expect(post.context).toMatchObject({ outcome: 'trial_resumed', outcomeReason: reason });
  });

  it('WITHDRAW → closed (withdrawn), clearing the next session', () => {
    const scheduled = send(active(), 'SCHEDULE_SESSION', { at: '2026-03-05T09:30:00+08:00', location: '站', occurredAt: T.assigned });
    const s = send(scheduled, 'WITHDRAW', { note: '双方自行和解', occurredAt: '2026-03-04T10:00:00+08:00' });
    expect(path(s)).toBe('closed');
    expect(s.context).toMatchObject({ outcome: 'withdrawn', nextSession: null, closedAt: '2026-03-04T02:00:00.000Z' });
  });
});

describe('REACH_AGREEMENT', () => {
  it('pre_filing: agreement recorded, not yet enforceable, deadlines for performance and confirmation', () => {
    const s = performing();
    expect(path(s)).toBe('agreement.performing');
    expect(s.context.agreement).toEqual({
      terms: '被申请人于 2026-06-30 前一次性归还借款',
      amountFen: 1200050,
      dueDate: '2026-06-30',
      installments: null,
      reachedAt: '2026-03-06T02:00:00.000Z',
    });
    expect(s.context.enforceable).toBe(false);
    expect(s.context.paidFen).toBe(0);
    expect(caseDeadlines(s)).toEqual([
      { kind: 'performance', dueAt: PERFORMANCE_DUE, event: 'PERFORMANCE_OVERDUE' },
      { kind: 'confirmation_window', dueAt: CONFIRMATION_WINDOW_END, event: null },
    ]);
  });

  it('post_filing: a court mediation document, enforceable at once; no judicial confirmation', () => {
    const s = performing({ track: 'post_filing' });
    expect(s.context.enforceable).toBe(true);
    expect(caseDeadlines(s)).toEqual([{ kind: 'performance', dueAt: PERFORMANCE_DUE, event: 'PERFORMANCE_OVERDUE' }]);
    expect(refuse(s, 'APPLY_CONFIRMATION', { occurredAt: T.applied })).toBe('诉中调解已制作调解书，无需申请司法确认');
    const d = send(s, 'REPORT_DEFAULT', { note: '未按期还款', occurredAt: '2026-07-02T10:00:00+08:00' });
    expect(refuse(d, 'FILE_LAWSUIT', { occurredAt: '2026-07-03T10:00:00+08:00' })).toBe(
      '协议已具有强制执行力，应申请执行（APPLY_ENFORCEMENT）',
    );
    const e = send(d, 'APPLY_ENFORCEMENT', { enforcementCaseNumber: '(2026)执1号', occurredAt: '2026-07-03T10:00:00+08:00' });
    expect(path(e)).toBe('enforcement.active');
  });

  it('clears a scheduled session', () => {
    const scheduled = send(active(), 'SCHEDULE_SESSION', { at: '2026-03-09T09:30:00+08:00', location: '站', occurredAt: T.assigned });
    expect(send(scheduled, 'REACH_AGREEMENT', { ...SAMPLE.REACH_AGREEMENT, occurredAt: T.agreed }).context.nextSession).toBeNull();
  });

  it('a dueDate given as an instant is read as its Shanghai date', () => {
    expect(performing({}, { dueDate: '2026-06-30T20:00:00+08:00' }).context.agreement!.dueDate).toBe('2026-06-30');
    expect(performing({}, { dueDate: '2026-06-30T16:30:00Z' }).context.agreement!.dueDate).toBe('2026-07-01');
  });
});

describe('judicial confirmation (司法确认)', () => {
  it('APPLY_CONFIRMATION within 30 days of the agreement → agreement.confirming', () => {
    // agreed 03-06: the window runs 03-07 … 04-05 and has closed at 04-06 00:00 +08
    const last = send(performing(), 'APPLY_CONFIRMATION', { occurredAt: '2026-04-05T15:59:59Z' });
    expect(path(last)).toBe('agreement.confirming');
    expect(last.context.confirmationAppliedAt).toBe('2026-04-05T15:59:59.000Z');
    expect(caseDeadlines(last)).toEqual([]);
    expect(refuse(performing(), 'APPLY_CONFIRMATION', { occurredAt: '2026-04-05T16:00:00Z' })).toBe(
      `申请司法确认须在协议达成之日起 30 日内（截止 ${CONFIRMATION_WINDOW_END}）`,
    );
  });

  it('the window counts from the Shanghai date of the agreement', () => {
    // agreed 03-06T16:30Z = 03-07 00:30 +08: window 03-08 … 04-06
    const s = performing({}, { occurredAt: '2026-03-06T16:30:00Z' });
    expect(caseDeadlines(s)).toContainEqual({ kind: 'confirmation_window', dueAt: '2026-04-06T16:00:00.000Z', event: null });
    expect(path(send(s, 'APPLY_CONFIRMATION', { occurredAt: '2026-04-06T15:00:00Z' }))).toBe('agreement.confirming');
  });

  it('CONFIRM → agreement.performing, enforceable; a second application is refused', () => {
    const s = confirmed();
    expect(path(s)).toBe('agreement.performing');
    expect(s.context).toMatchObject({
      enforceable: true,
      rulingNumber: '(2026)黑0111民特12号',
      confirmationAppliedAt: '2026-03-10T02:00:00.000Z',
    });
    expect(caseDeadlines(s)).toEqual([{ kind: 'performance', dueAt: PERFORMANCE_DUE, event: 'PERFORMANCE_OVERDUE' }]);
    expect(refuse(s, 'APPLY_CONFIRMATION', { occurredAt: '2026-03-21T10:00:00+08:00' })).toBe('协议已具有强制执行力');
  });

  it('DENY_CONFIRMATION → mediation.active with a fresh clock, the agreement dropped', () => {
    const extended = send(active(), 'EXTEND', { days: 5, partiesConsent: true, occurredAt: '2026-03-04T10:00:00+08:00' });
    expect(extended.context.mediationDueAt).toBe('2026-04-06T16:00:00.000Z');
    const agreed = send(extended, 'REACH_AGREEMENT', { ...SAMPLE.REACH_AGREEMENT, amount: '1000', occurredAt: T.agreed });
    const paid = send(agreed, 'RECORD_PERFORMANCE', { amount: '100', occurredAt: '2026-03-08T10:00:00+08:00' });
    const applied = send(paid, 'APPLY_CONFIRMATION', { occurredAt: T.applied });
    const denied = send(applied, 'DENY_CONFIRMATION', { reason: '协议内容违反法律规定', occurredAt: '2026-03-25T10:00:00+08:00' });
    expect(path(denied)).toBe('mediation.active');
    expect(denied.context).toMatchObject({
      agreement: null,
      paidFen: 0,
      confirmationAppliedAt: null,
      enforceable: false,
      mediationStartedAt: '2026-03-25T02:00:00.000Z',
      // 03-25 + 30: last day 04-24
      mediationDueAt: '2026-04-24T16:00:00.000Z',
      extendedDays: 0,
      deputyIds: ['d1', 'd2'],
    });
    expect(caseDeadlines(denied)).toEqual([
      { kind: 'mediation_expiry', dueAt: '2026-04-24T16:00:00.000Z', event: 'MEDIATION_EXPIRED' },
    ]);
    refuse(denied, 'MEDIATION_EXPIRED', { occurredAt: '2026-04-06T16:00:00Z' }); // the old deadline
    const again = send(denied, 'REACH_AGREEMENT', { ...SAMPLE.REACH_AGREEMENT, occurredAt: '2026-04-01T10:00:00+08:00' });
    expect(path(again)).toBe('agreement.performing');
    expect(again.context.agreement!.reachedAt).toBe('2026-04-01T02:00:00.000Z');
  });

  it('a post_filing case never reaches agreement.confirming, even inside the window', () => {
    refuse(performing({ track: 'post_filing' }), 'APPLY_CONFIRMATION', { occurredAt: T.applied });
  });
});

describe('performance', () => {
  it('partial payment stays; cumulative payments close with outcome performed', () => {
    const part = send(performing(), 'RECORD_PERFORMANCE', { amount: '5000', occurredAt: '2026-04-01T10:00:00+08:00' });
    expect(path(part)).toBe('agreement.performing');
    expect(part.context.paidFen).toBe(500000);
    const rest = send(part, 'RECORD_PERFORMANCE', { amount: '7000.50', occurredAt: '2026-05-01T10:00:00+08:00' });
    expect(path(rest)).toBe('closed');
    expect(rest.status).toBe('done');
    expect(rest.context).toMatchObject({ paidFen: 1200050, outcome: 'performed', closedAt: '2026-05-01T02:00:00.000Z' });
  });

  it('one fen short stays; overpayment is refused unless confirmed, and then closes (issue 15 §1)', () => {
    const short = send(performing(), 'RECORD_PERFORMANCE', { amount: '12000.49', occurredAt: '2026-04-01T10:00:00+08:00' });
    expect(path(short)).toBe('agreement.performing');
    expect(refuse(performing(), 'RECORD_PERFORMANCE', { amount: '13000', occurredAt: '2026-04-01T10:00:00+08:00' })).toMatch(
      /本次履行金额 ¥13,000\.00 超过尚欠金额 ¥12,000\.50/,
    );
    // After a part payment, the limit is what is left.
    expect(refuse(short, 'RECORD_PERFORMANCE', { amount: '0.02', occurredAt: '2026-04-02T10:00:00+08:00' })).toMatch(/超过尚欠金额 ¥0\.01/);
    const exact = send(short, 'RECORD_PERFORMANCE', { amount: '0.01', occurredAt: '2026-04-02T10:00:00+08:00' });
    expect(exact.context).toMatchObject({ paidFen: 1200050, outcome: 'performed' });
    const over = send(performing(), 'RECORD_PERFORMANCE', { amount: '13000', confirmOverpayment: true, occurredAt: '2026-04-01T10:00:00+08:00' });
    expect(over.context).toMatchObject({ paidFen: 1300000, outcome: 'performed' });
    // From defaulted the same.
    expect(refuse(defaulted(false), 'RECORD_PERFORMANCE', { amount: '12001', occurredAt: '2026-07-05T10:00:00+08:00' })).toMatch(/超过尚欠金额/);
  });

  it('sums exactly: 0.10 + 0.20 pays 0.30', () => {
    const s = performing({}, { amount: '0.30' });
    const one = send(s, 'RECORD_PERFORMANCE', { amount: '0.1', occurredAt: '2026-04-01T10:00:00+08:00' });
    const two = send(one, 'RECORD_PERFORMANCE', { amount: 0.2, occurredAt: '2026-04-02T10:00:00+08:00' });
    expect(two.context.paidFen).toBe(30);
    expect(two.context.outcome).toBe('performed');
  });

  it('PERFORMANCE_OVERDUE is refused before the due date has passed, then → agreement.defaulted', () => {
    expect(refuse(performing(), 'PERFORMANCE_OVERDUE', { occurredAt: '2026-06-30T15:59:59.999Z' })).toBe(
      `履行期限尚未届满（${PERFORMANCE_DUE}）`,
    );
    const d = defaulted(false);
    expect(path(d)).toBe('agreement.defaulted');
    expect(d.context).toMatchObject({ overdue: true, defaultedAt: PERFORMANCE_DUE });
  });

  it('REPORT_DEFAULT is refused before anything is due, saying why (issue 15 §1)', () => {
    expect(refuse(performing(), 'REPORT_DEFAULT', { note: '明确表示不履行', occurredAt: '2026-04-01T10:00:00+08:00' })).toBe(
      '尚无到期应履行的款项（最近一期应于 2026-06-30 履行），届期未履行后才能报告未履行',
    );
    // With instalments: due once the first instalment not yet paid is due.
    const inst = performing({}, { amount: '3000', installments: [{ dueDate: '2026-04-30', amount: '1000' }, { dueDate: '2026-06-30', amount: '2000' }] });
    expect(refuse(inst, 'REPORT_DEFAULT', { occurredAt: '2026-04-29T23:00:00+08:00' })).toMatch(/2026-04-30/);
    expect(path(send(inst, 'REPORT_DEFAULT', { occurredAt: '2026-04-30T09:00:00+08:00' }))).toBe('agreement.defaulted');
  });

  it('REPORT_DEFAULT → agreement.defaulted from the due date on, before the sweeper marks it overdue', () => {
    const d = send(performing(), 'REPORT_DEFAULT', { note: '到期未还', occurredAt: '2026-06-30T18:00:00+08:00' });
    expect(path(d)).toBe('agreement.defaulted');
    expect(d.context).toMatchObject({ overdue: false, defaultedAt: '2026-06-30T10:00:00.000Z' });
  });

  it('payments from agreement.defaulted: partial stays, full closes as performed', () => {
    const part = send(defaulted(false), 'RECORD_PERFORMANCE', { amount: '2000', occurredAt: '2026-07-05T10:00:00+08:00' });
    expect(path(part)).toBe('agreement.defaulted');
    expect(part.context.paidFen).toBe(200000);
    const full = send(part, 'RECORD_PERFORMANCE', { amount: '10000.50', occurredAt: '2026-07-06T10:00:00+08:00' });
    expect(path(full)).toBe('closed');
    expect(full.context).toMatchObject({ paidFen: 1200050, outcome: 'performed' });
  });

  describe('instalments: performance is late from the first instalment not covered', () => {
    const instalments = () =>
      performing(
        {},
        {
          amount: '3000',
          dueDate: '2026-06-30',
          // given out of order on purpose
          installments: [
            { dueDate: '2026-05-31', amount: '1000' },
            { dueDate: '2026-04-30', amount: '1000' },
            { dueDate: '2026-06-30', amount: '1000.00' },
          ],
        },
      );

    it('stores them in fen; the first deadline is the first instalment', () => {
      const s = instalments();
      expect(s.context.agreement!.installments).toEqual([
        { dueDate: '2026-05-31', amountFen: 100000 },
        { dueDate: '2026-04-30', amountFen: 100000 },
        { dueDate: '2026-06-30', amountFen: 100000 },
      ]);
      expect(performanceDueAt(s.context)).toBe('2026-04-30T16:00:00.000Z');
      expect(caseDeadlines(s)[0]).toEqual({ kind: 'performance', dueAt: '2026-04-30T16:00:00.000Z', event: 'PERFORMANCE_OVERDUE' });
      refuse(s, 'PERFORMANCE_OVERDUE', { occurredAt: '2026-04-30T15:59:59Z' });
      expect(path(send(s, 'PERFORMANCE_OVERDUE', { occurredAt: '2026-04-30T16:00:00Z' }))).toBe('agreement.defaulted');
    });

    it('payments move the deadline instalment by instalment', () => {
      const first = send(instalments(), 'RECORD_PERFORMANCE', { amount: '1000', occurredAt: '2026-04-20T10:00:00+08:00' });
      expect(caseDeadlines(first)[0].dueAt).toBe('2026-05-31T16:00:00.000Z');
      refuse(first, 'PERFORMANCE_OVERDUE', { occurredAt: '2026-04-30T16:00:00Z' });
      const half = send(first, 'RECORD_PERFORMANCE', { amount: '500', occurredAt: '2026-05-20T10:00:00+08:00' });
      expect(caseDeadlines(half)[0].dueAt).toBe('2026-05-31T16:00:00.000Z'); // second instalment not covered yet
      const second = send(half, 'RECORD_PERFORMANCE', { amount: '500', occurredAt: '2026-05-25T10:00:00+08:00' });
      expect(caseDeadlines(second)[0].dueAt).toBe('2026-06-30T16:00:00.000Z');
      const last = send(second, 'RECORD_PERFORMANCE', { amount: '1000', occurredAt: '2026-06-25T10:00:00+08:00' });
      expect(last.context).toMatchObject({ outcome: 'performed', paidFen: 300000 });
    });
  });
});

describe('agreement.defaulted: APPLY_ENFORCEMENT or FILE_LAWSUIT', () => {
  it('not enforceable (pre_filing, unconfirmed): APPLY_ENFORCEMENT refused, FILE_LAWSUIT → litigation', () => {
    const d = defaulted(false);
    expect(caseDeadlines(d)).toEqual([]);
    expect(refuse(d, 'APPLY_ENFORCEMENT', { enforcementCaseNumber: '(2026)执1号', occurredAt: T.enforced })).toBe(
      '协议未经司法确认，不具有强制执行力：请另行起诉（FILE_LAWSUIT）',
    );
    const sued = send(d, 'FILE_LAWSUIT', { note: '另行起诉', occurredAt: T.enforced });
    expect(path(sued)).toBe('closed');
    expect(sued.context).toMatchObject({ outcome: 'litigation', closedAt: '2026-07-10T02:00:00.000Z' });
  });

  it('enforceable: FILE_LAWSUIT refused, APPLY_ENFORCEMENT → enforcement.active with the 6-month clock', () => {
    const d0 = defaulted(true);
    expect(caseDeadlines(d0)).toEqual([{ kind: 'enforcement_bar', dueAt: ENFORCEMENT_BAR, event: null }]);
    refuse(d0, 'FILE_LAWSUIT', { occurredAt: T.enforced });
    const d = send(d0, 'RECORD_PERFORMANCE', { amount: '2000.50', occurredAt: '2026-07-05T10:00:00+08:00' });
    const e = send(d, 'APPLY_ENFORCEMENT', { enforcementCaseNumber: '(2026)黑0111执345号', occurredAt: T.enforced });
    expect(path(e)).toBe('enforcement.active');
    expect(e.context).toMatchObject({
      enforcementCaseNumber: '(2026)黑0111执345号',
      owedFen: 1000000, // 12000.50 − 2000.50
      enforcementStartedAt: '2026-07-10T02:00:00.000Z',
      enforcementDueAt: ENFORCEMENT_DUE,
      overdue: false, // the performance overdue flag belongs to the previous stage
    });
    expect(caseDeadlines(e)).toEqual([{ kind: 'enforcement_limit', dueAt: ENFORCEMENT_DUE, event: 'ENFORCEMENT_OVERDUE' }]);
  });

  it('the 2-year bar after the due date (民诉法 Art 250)', () => {
    const payload = { enforcementCaseNumber: '(2028)执9号' };
    expect(path(send(defaulted(true), 'APPLY_ENFORCEMENT', { ...payload, occurredAt: '2028-06-30T15:59:59Z' }))).toBe(
      'enforcement.active',
    );
    expect(refuse(defaulted(true), 'APPLY_ENFORCEMENT', { ...payload, occurredAt: '2028-06-30T16:00:00Z' })).toBe(
      `申请执行期间已届满（履行期限届满后二年，截止 ${ENFORCEMENT_BAR}）`,
    );
  });

  it('the 2-year bar clamps a leap day to 02-28', () => {
    // dueDate 2028-02-29 + 24 months → 2030-02-28
    const agreed = performing({ track: 'post_filing' }, { dueDate: '2028-02-29' });
    const s = send(agreed, 'REPORT_DEFAULT', { occurredAt: '2028-03-01T10:00:00+08:00' });
    expect(caseDeadlines(s)).toEqual([{ kind: 'enforcement_bar', dueAt: '2030-02-28T16:00:00.000Z', event: null }]);
    refuse(s, 'APPLY_ENFORCEMENT', { enforcementCaseNumber: 'x', occurredAt: '2030-02-28T16:00:00Z' });
  });

  it('applied for on 08-31, the 6 months end on 02-28', () => {
    const e = send(defaulted(true), 'APPLY_ENFORCEMENT', { enforcementCaseNumber: '(2026)执2号', occurredAt: '2026-08-31T10:00:00+08:00' });
    expect(e.context.enforcementDueAt).toBe('2027-02-28T16:00:00.000Z');
  });
});

describe('enforcement', () => {
  it('RECORD_MEASURE keeps every measure in order', () => {
    let s = enforcing();
    MEASURE_KINDS.forEach((kind, i) => {
      s = send(s, 'RECORD_MEASURE', { kind, occurredAt: `2026-07-${String(11 + i).padStart(2, '0')}T10:00:00+08:00` });
    });
    expect(path(s)).toBe('enforcement.active');
    expect(s.context.measures).toEqual([...MEASURE_KINDS]);
  });

  it('RECORD_RECOVERY sums exactly and stays', () => {
    const one = send(enforcing(), 'RECORD_RECOVERY', { amount: '0.10', occurredAt: '2026-07-11T10:00:00+08:00' });
    const two = send(one, 'RECORD_RECOVERY', { amount: '4999.90', occurredAt: '2026-07-12T10:00:00+08:00' });
    expect(path(two)).toBe('enforcement.active');
    expect(two.context.recoveredFen).toBe(500000);
  });

  it('ENFORCEMENT_OVERDUE: refused before the limit, then marks overdue once and stays', () => {
    const s = enforcing();
    expect(refuse(s, 'ENFORCEMENT_OVERDUE', { occurredAt: '2027-01-10T15:59:59.999Z' })).toBe(
      `执行期限尚未届满（${ENFORCEMENT_DUE}）`,
    );
    const over = send(s, 'ENFORCEMENT_OVERDUE', { occurredAt: ENFORCEMENT_DUE });
    expect(path(over)).toBe('enforcement.active');
    expect(over.context.overdue).toBe(true);
    expect(over.context.lastEventAt).toBe(ENFORCEMENT_DUE);
    expect(caseDeadlines(over)).toEqual([]);
    expect(refuse(over, 'ENFORCEMENT_OVERDUE', { occurredAt: '2027-02-01T10:00:00+08:00' })).toBe('已标记为执行超期');
  });

  it('SUSPEND stops the 6-month clock; RESUME adds the suspended calendar days back', () => {
    const s = suspended();
    expect(path(s)).toBe('enforcement.suspended');
    expect(s.context.suspendedAt).toBe('2026-08-01T02:00:00.000Z');
    expect(caseDeadlines(s)).toEqual([]);
    refuse(s, 'ENFORCEMENT_OVERDUE', { occurredAt: '2027-02-01T10:00:00+08:00' });
    // 08-01 → 08-21: 20 days
    const r = send(s, 'RESUME', { occurredAt: '2026-08-21T10:00:00+08:00' });
    expect(path(r)).toBe('enforcement.active');
    expect(r.context.suspendedAt).toBeNull();
    expect(r.context.enforcementDueAt).toBe('2027-01-30T16:00:00.000Z'); // 2027-01-10 + 20
    refuse(r, 'ENFORCEMENT_OVERDUE', { occurredAt: ENFORCEMENT_DUE });
    expect(send(r, 'ENFORCEMENT_OVERDUE', { occurredAt: '2027-01-30T16:00:00Z' }).context.overdue).toBe(true);
  });

  it('an enforcement_referral suspends and resumes the same way', () => {
    const s = send(referral(), 'SUSPEND', { reason: '中止', occurredAt: '2026-04-01T10:00:00+08:00' });
    const r = send(s, 'RESUME', { occurredAt: '2026-04-11T09:00:00+08:00' });
    expect(r.context.enforcementDueAt).toBe('2026-09-11T16:00:00.000Z'); // 09-01 + 10
  });

  it.each(CONCLUDE_RESULTS)('CONCLUDE (%s) from enforcement.active and enforcement.suspended → closed', (result) => {
    for (const s of [enforcing(), suspended()]) {
      const c = send(s, 'CONCLUDE', { result, note: '结案', occurredAt: '2026-12-01T10:00:00+08:00' });
      expect(path(c)).toBe('closed');
      expect(c.status).toBe('done');
      expect(c.context).toMatchObject({ outcome: result, closedAt: '2026-12-01T02:00:00.000Z' });
    }
  });

  it('an enforcement_referral concludes like any enforcement', () => {
    const c = send(referral(), 'CONCLUDE', { result: 'fulfilled', occurredAt: '2026-05-01T10:00:00+08:00' });
    expect(c.context.outcome).toBe('fulfilled');
  });
});

// ---------------------------------------------------------------------------------------------
// The whole table: what each state takes, and that everything else is refused unchanged

const closedByWithdrawal = () => send(screening(), 'WITHDRAW', { occurredAt: T.accepted });
const STATES: [string, () => Snap, CaseEventType[]][] = [
  ['intake.screening', screening, ['ACCEPT', 'RETURN', 'WITHDRAW']],
  ['mediation.assigning', assigning, ['ASSIGN', 'FAIL', 'WITHDRAW']],
  [
    'mediation.active',
    active,
    ['RECUSE', 'SCHEDULE_SESSION', 'RECORD_SESSION', 'PAUSE', 'EXTEND', 'REACH_AGREEMENT', 'MEDIATION_EXPIRED', 'FAIL', 'WITHDRAW'],
  ],
  ['mediation.paused', paused, ['RESUME', 'FAIL', 'WITHDRAW']],
  ['agreement.performing', performing, ['APPLY_CONFIRMATION', 'RECORD_PERFORMANCE', 'PERFORMANCE_OVERDUE', 'REPORT_DEFAULT']],
  ['agreement.confirming', confirming, ['CONFIRM', 'DENY_CONFIRMATION']],
  ['agreement.defaulted', () => defaulted(true), ['RECORD_PERFORMANCE', 'APPLY_ENFORCEMENT', 'FILE_LAWSUIT']],
  ['enforcement.active', enforcing, ['RECORD_MEASURE', 'RECORD_RECOVERY', 'SUSPEND', 'ENFORCEMENT_OVERDUE', 'CONCLUDE']],
  ['enforcement.suspended', suspended, ['RESUME', 'CONCLUDE']],
  ['closed', closedByWithdrawal, []],
];

describe('the transition table of DESIGN §3', () => {
  it.each(STATES)('%s handles exactly its events', (name, reach, handled) => {
    const s = reach();
    expect(path(s)).toBe(name);
    expect(handledEvents(s).sort()).toEqual([...handled].sort());
  });

  it.each(STATES)('%s refuses every other event and changes nothing', (name, reach, handled) => {
    const s = reach();
    const others = CASE_EVENT_TYPES.filter((t) => !handled.includes(t));
    expect(others.length).toBe(CASE_EVENT_TYPES.length - handled.length);
    for (const type of others) {
      const why = refuse(s, type, sample(type));
      expect(why).toBe(name === 'closed' ? `案件已结案，不能再发送 ${type}` : `当前状态 ${name} 不接受事件 ${type}`);
    }
  });

  it('there are 26 event types', () => {
    expect(CASE_EVENT_TYPES).toHaveLength(26);
  });
});

describe('pure and replayable (DESIGN §5)', () => {
  /** What the engine stores (JSON) and how it restores it. */
  const restore = (s: Snap) => {
    const stored = JSON.parse(JSON.stringify(caseMachine.getPersistedSnapshot(s))) as { value: unknown; context: unknown };
    return caseMachine.resolveState({ value: stored.value as Snap['value'], context: stored.context as Snap['context'] });
  };

  it('the same events give the same snapshot', () => {
    expect(caseMachine.getPersistedSnapshot(suspended())).toEqual(caseMachine.getPersistedSnapshot(suspended()));
  });

  it.each(STATES)('%s survives a JSON round trip and restore', (name, reach, handled) => {
    const s = reach();
    const r = restore(s);
    expect(path(r)).toBe(name);
    expect(r.status).toBe(s.status);
    expect(r.context).toEqual(s.context);
    expect(handledEvents(r).sort()).toEqual([...handled].sort());
    for (const type of handled) {
      const e = event(type, sample(type));
      expect(r.can(e), type).toBe(s.can(e));
      if (s.can(e)) expect(transition(caseMachine, r, e)[0].context).toEqual(transition(caseMachine, s, e)[0].context);
    }
  });
});

describe('closed is final', () => {
  const closings: [string, () => Snap][] = [
    ['returned', () => send(screening(), 'RETURN', { reason: 'out_of_scope', occurredAt: T.accepted })],
    ['withdrawn', closedByWithdrawal],
    ['litigation', () => send(active(), 'MEDIATION_EXPIRED', { occurredAt: PRE_MEDIATION_DUE })],
    ['trial_resumed', () => send(active({ track: 'post_filing' }), 'FAIL', { reason: 'refused_to_sign', occurredAt: T.agreed })],
    ['performed', () => send(performing(), 'RECORD_PERFORMANCE', { amount: '12000.50', occurredAt: '2026-04-01T10:00:00+08:00' })],
    ['terminated_this_round', () => send(enforcing(), 'CONCLUDE', { result: 'terminated_this_round', occurredAt: '2026-12-01T10:00:00+08:00' })],
  ];

  it.each(closings)('closed (%s): status done, no deadlines, nothing accepted, nothing to send', (outcome, reach) => {
    const s = reach();
    expect(path(s)).toBe('closed');
    expect(s.status).toBe('done');
    expect(s.context.outcome).toBe(outcome);
    expect(caseDeadlines(s)).toEqual([]);
    for (const type of CASE_EVENT_TYPES) refuse(s, type, sample(type));
    for (const actor of Object.values(ACTORS)) expect(nextEvents(caseSpec, s, actor, T.late)).toEqual([]);
  });
});

// ---------------------------------------------------------------------------------------------
// Deadlines, refusals, permissions, next events

describe('caseDeadlines', () => {
  it('lists nothing where no clock runs', () => {
    for (const s of [screening(), assigning(), paused(), confirming(), defaulted(false), suspended(), closedByWithdrawal()]) {
      expect(caseDeadlines(s), path(s)).toEqual([]);
    }
  });

  it('lists one deadline per running clock, with the sweeper’s event where it fires one', () => {
    expect(caseDeadlines(active())).toEqual([{ kind: 'mediation_expiry', dueAt: PRE_MEDIATION_DUE, event: 'MEDIATION_EXPIRED' }]);
    expect(caseDeadlines(performing())).toEqual([
      { kind: 'performance', dueAt: PERFORMANCE_DUE, event: 'PERFORMANCE_OVERDUE' },
      { kind: 'confirmation_window', dueAt: CONFIRMATION_WINDOW_END, event: null },
    ]);
    expect(caseDeadlines(defaulted(true))).toEqual([{ kind: 'enforcement_bar', dueAt: ENFORCEMENT_BAR, event: null }]);
    expect(caseDeadlines(enforcing())).toEqual([{ kind: 'enforcement_limit', dueAt: ENFORCEMENT_DUE, event: 'ENFORCEMENT_OVERDUE' }]);
  });
});

const ACTORS = {
  court: { id: 'u-court', role: 'court', name: '李法官' },
  stationOwn: { id: 'u-hl', role: 'station', name: '呼兰站', stationCode: 'HL01' },
  stationOther: { id: 'u-sc', role: 'station', name: '双城站', stationCode: 'SC01' },
  deputy1: { id: 'u-d1', role: 'deputy', name: '代表一', deputyId: 'd1' },
  deputyOther: { id: 'u-d9', role: 'deputy', name: '代表九', deputyId: 'd9' },
  committee: { id: 'u-cm', role: 'committee', name: '监司委' },
  admin: { id: 'u-admin', role: 'admin', name: '管理员' },
  system: { id: 'system', role: 'system', name: '系统' },
} satisfies Record<string, Actor>;

describe('nextEvents for each role', () => {
  const next = (s: Snap, now: string) =>
    Object.fromEntries(Object.entries(ACTORS).map(([k, a]) => [k, nextEvents(caseSpec, s, a, now)]));
  const none = { stationOther: [], deputyOther: [], committee: [], admin: [] };

  it('intake.screening', () => {
    expect(next(screening(), T.accepted)).toEqual({
      ...none,
      court: ['ACCEPT', 'RETURN', 'WITHDRAW'],
      stationOwn: ['WITHDRAW'],
      deputy1: [],
      system: [],
    });
  });

  it('mediation.assigning', () => {
    expect(next(assigning(), T.assigned)).toEqual({
      ...none,
      court: ['ASSIGN', 'FAIL', 'WITHDRAW'],
      stationOwn: ['WITHDRAW'],
      deputy1: [],
      system: [],
    });
  });

  it('mediation.active, before and at the deadline', () => {
    const s = active();
    const before = next(s, '2026-03-10T10:00:00+08:00');
    expect(before).toEqual({
      ...none,
      court: ['RECUSE', 'SCHEDULE_SESSION', 'RECORD_SESSION', 'PAUSE', 'EXTEND', 'REACH_AGREEMENT', 'FAIL', 'WITHDRAW'],
      stationOwn: ['WITHDRAW'],
      deputy1: ['RECUSE', 'SCHEDULE_SESSION', 'RECORD_SESSION', 'REACH_AGREEMENT', 'FAIL'],
      system: [],
    });
    expect(next(s, PRE_MEDIATION_DUE)).toEqual({ ...before, system: ['MEDIATION_EXPIRED'] });
  });

  it('mediation.paused', () => {
    expect(next(paused(), '2026-03-11T10:00:00+08:00')).toEqual({
      ...none,
      court: ['RESUME', 'FAIL', 'WITHDRAW'],
      stationOwn: ['WITHDRAW'],
      deputy1: ['FAIL'],
      system: [],
    });
  });

  it('agreement.performing: confirmation only inside its window; the system at the due date', () => {
    const s = performing();
    const inWindow = next(s, '2026-03-10T10:00:00+08:00');
    // REPORT_DEFAULT only once something is due (issue 15 §1): not before the due date's day.
    expect(inWindow).toEqual({
      ...none,
      court: ['APPLY_CONFIRMATION', 'RECORD_PERFORMANCE'],
      stationOwn: [],
      deputy1: ['RECORD_PERFORMANCE'],
      system: [],
    });
    expect(next(s, CONFIRMATION_WINDOW_END).court).toEqual(['RECORD_PERFORMANCE']);
    expect(next(s, '2026-06-30T09:00:00+08:00').court).toEqual(['RECORD_PERFORMANCE', 'REPORT_DEFAULT']);
    expect(next(s, PERFORMANCE_DUE).system).toEqual(['PERFORMANCE_OVERDUE']);
    expect(next(performing({ track: 'post_filing' }), '2026-03-10T10:00:00+08:00').court).toEqual(['RECORD_PERFORMANCE']);
  });

  it('agreement.confirming: court only', () => {
    expect(next(confirming(), '2026-03-11T10:00:00+08:00')).toEqual({
      ...none,
      court: ['CONFIRM', 'DENY_CONFIRMATION'],
      stationOwn: [],
      deputy1: [],
      system: [],
    });
  });

  it('agreement.defaulted: lawsuit or enforcement by enforceability, enforcement until the bar', () => {
    expect(next(defaulted(false), '2026-07-01T10:00:00+08:00')).toEqual({
      ...none,
      court: ['RECORD_PERFORMANCE', 'FILE_LAWSUIT'],
      stationOwn: [],
      deputy1: ['RECORD_PERFORMANCE'],
      system: [],
    });
    const d = defaulted(true);
    expect(next(d, '2026-07-01T10:00:00+08:00').court).toEqual(['RECORD_PERFORMANCE', 'APPLY_ENFORCEMENT']);
    expect(next(d, ENFORCEMENT_BAR).court).toEqual(['RECORD_PERFORMANCE']);
  });

  it('enforcement.active: court only (deputies never enforce); the system once at the limit', () => {
    const s = enforcing();
    expect(s.context.deputyIds).toEqual(['d1', 'd2']); // still assigned, yet nothing to send
    expect(next(s, '2026-08-01T10:00:00+08:00')).toEqual({
      ...none,
      court: ['RECORD_MEASURE', 'RECORD_RECOVERY', 'SUSPEND', 'CONCLUDE'],
      stationOwn: [],
      deputy1: [],
      system: [],
    });
    expect(next(s, ENFORCEMENT_DUE).system).toEqual(['ENFORCEMENT_OVERDUE']);
    const over = send(s, 'ENFORCEMENT_OVERDUE', { occurredAt: ENFORCEMENT_DUE });
    expect(next(over, '2027-02-01T10:00:00+08:00').system).toEqual([]);
  });

  it('enforcement.suspended', () => {
    expect(next(suspended(), '2026-08-02T10:00:00+08:00')).toEqual({
      ...none,
      court: ['RESUME', 'CONCLUDE'],
      stationOwn: [],
      deputy1: [],
      system: [],
    });
  });
});

describe('casePermissions (one table, read by the engine and by nextEvents)', () => {
  const court: Permission = { court: true };
  const courtOrDeputy: Permission = { court: true, deputy: 'assigned' };
  const system: Permission = { system: true };

  it('is exactly the "sent by" column of DESIGN §3', () => {
    expect(casePermissions).toEqual({
      ACCEPT: court,
      RETURN: court,
      ASSIGN: court,
      RECUSE: { court: true, deputy: 'self' },
      SCHEDULE_SESSION: courtOrDeputy,
      RECORD_SESSION: courtOrDeputy,
      PAUSE: court,
      RESUME: court,
      EXTEND: court,
      REACH_AGREEMENT: courtOrDeputy,
      FAIL: courtOrDeputy,
      WITHDRAW: { court: true, station: 'own' },
      MEDIATION_EXPIRED: system,
      APPLY_CONFIRMATION: court,
      CONFIRM: court,
      DENY_CONFIRMATION: court,
      RECORD_PERFORMANCE: courtOrDeputy,
      PERFORMANCE_OVERDUE: system,
      REPORT_DEFAULT: courtOrDeputy,
      APPLY_ENFORCEMENT: court,
      FILE_LAWSUIT: court,
      RECORD_MEASURE: court,
      RECORD_RECOVERY: court,
      SUSPEND: court,
      CONCLUDE: court,
      ENFORCEMENT_OVERDUE: system,
    });
    expect(caseSpec.permissions).toBe(casePermissions);
    expect(caseSpec.createRoles).toEqual(['court', 'station']);
  });

  const assignedFacts = { stationCode: 'HL01', deputyIds: ['d1', 'd2'] };
  const allowed = (actor: Actor, facts = assignedFacts, event?: { deputyId?: unknown }) =>
    CASE_EVENT_TYPES.filter((t) => permits(casePermissions[t], actor, facts, event));

  it('代表法 Art 59: an assigned deputy never confirms, enforces, concludes or decides', () => {
    expect(allowed(ACTORS.deputy1)).toEqual([
      'RECUSE',
      'SCHEDULE_SESSION',
      'RECORD_SESSION',
      'REACH_AGREEMENT',
      'FAIL',
      'RECORD_PERFORMANCE',
      'REPORT_DEFAULT',
    ]);
    for (const judicial of [
      'ACCEPT',
      'RETURN',
      'ASSIGN',
      'EXTEND',
      'APPLY_CONFIRMATION',
      'CONFIRM',
      'DENY_CONFIRMATION',
      'APPLY_ENFORCEMENT',
      'FILE_LAWSUIT',
      'RECORD_MEASURE',
      'SUSPEND',
      'CONCLUDE',
    ] as const) {
      expect(permits(casePermissions[judicial], ACTORS.deputy1, assignedFacts), judicial).toBe(false);
    }
  });

  it('a deputy not assigned to the case may send nothing, not even RECUSE', () => {
    expect(allowed(ACTORS.deputyOther)).toEqual([]);
    expect(allowed({ ...ACTORS.deputy1, deputyId: null })).toEqual([]);
  });

  it('RECUSE is about oneself only', () => {
    expect(permits(casePermissions.RECUSE, ACTORS.deputy1, assignedFacts, { deputyId: 'd1' })).toBe(true);
    expect(permits(casePermissions.RECUSE, ACTORS.deputy1, assignedFacts, { deputyId: 'd2' })).toBe(false);
    expect(permits(casePermissions.RECUSE, ACTORS.deputy1, assignedFacts)).toBe(true); // payload not known yet
    expect(permits(casePermissions.RECUSE, ACTORS.court, assignedFacts, { deputyId: 'd2' })).toBe(true);
    expect(permits(casePermissions.RECORD_SESSION, ACTORS.deputy1, assignedFacts, { deputyId: 'd2' })).toBe(true);
  });

  it('the committee has no case events; admin neither', () => {
    expect(allowed(ACTORS.committee)).toEqual([]);
    expect(allowed(ACTORS.admin)).toEqual([]);
  });

  it('system events are for role system only, and system sends nothing else', () => {
    const sys = ['MEDIATION_EXPIRED', 'PERFORMANCE_OVERDUE', 'ENFORCEMENT_OVERDUE'];
    expect(allowed(ACTORS.system)).toEqual(sys);
    for (const actor of Object.values(ACTORS).filter((a) => a.role !== 'system')) {
      expect(allowed(actor).filter((t) => sys.includes(t)), actor.id).toEqual([]);
    }
  });

  it('court may send every non-system event', () => {
    expect(allowed(ACTORS.court)).toEqual(
      CASE_EVENT_TYPES.filter((t) => !['MEDIATION_EXPIRED', 'PERFORMANCE_OVERDUE', 'ENFORCEMENT_OVERDUE'].includes(t)),
    );
  });

  it('station staff may only WITHDRAW, and only their own station’s case', () => {
    expect(allowed(ACTORS.stationOwn)).toEqual(['WITHDRAW']);
    expect(allowed(ACTORS.stationOther)).toEqual([]);
    expect(allowed({ ...ACTORS.stationOwn, stationCode: null })).toEqual([]);
    expect(allowed(ACTORS.stationOwn, { stationCode: null as unknown as string, deputyIds: [] })).toEqual([]);
  });

  it('caseSpec.facts exposes the station and the deputies assigned now', () => {
    expect(caseSpec.facts(active())).toEqual({ stationCode: 'HL01', deputyIds: ['d1', 'd2'] });
    const recused = send(active(), 'RECUSE', { deputyId: 'd1', reason: '回避', occurredAt: '2026-03-05T10:00:00+08:00' });
    expect(caseSpec.facts(recused)).toEqual({ stationCode: 'HL01', deputyIds: ['d2'] });
    expect(nextEvents(caseSpec, recused, ACTORS.deputy1, '2026-03-06T10:00:00+08:00')).toEqual([]);
  });
});

describe('guards on actions that close a case and on dates (issue 15 §1)', () => {
  it('RECORD_RECOVERY above what is still owed is refused unless confirmed; the flag stays in the event', () => {
    // enforcing(): 12000.50 agreed, nothing paid → 12000.50 owed in enforcement.
    const part = send(enforcing(), 'RECORD_RECOVERY', { amount: '12000', occurredAt: '2026-07-11T10:00:00+08:00' });
    expect(refuse(part, 'RECORD_RECOVERY', { amount: '0.51', occurredAt: '2026-07-12T10:00:00+08:00' })).toMatch(
      /本次执行到位金额 ¥0\.51 超过尚未执行到位的金额 ¥0\.50/,
    );
    const over = send(part, 'RECORD_RECOVERY', { amount: '0.51', confirmOverpayment: true, occurredAt: '2026-07-12T10:00:00+08:00' });
    expect(over.context.recoveredFen).toBe(1200051);
    expect(path(over)).toBe('enforcement.active');
  });

  it('a session is never scheduled before the case was registered (one held on the spot before it is recorded)', () => {
    expect(refuse(active(), 'SCHEDULE_SESSION', { at: '2026-02-28T09:00:00+08:00', location: '联络站', occurredAt: '2026-03-03T10:00:00+08:00' })).toBe(
      '调解时间不能早于案件登记时间（2026-03-01 09:00）',
    );
    const held = send(active(), 'RECORD_SESSION', { heldAt: '2026-03-01T08:30:00+08:00', attendeeDeputyIds: ['d1'], minutes: '当场调解', occurredAt: '2026-03-03T10:00:00+08:00' });
    expect(held.context.sessionsHeld).toBe(1);
    const ok = send(active(), 'SCHEDULE_SESSION', { at: T.opened, location: '联络站', occurredAt: '2026-03-03T10:00:00+08:00' });
    expect(ok.context.nextSession).toEqual({ at: '2026-03-01T01:00:00.000Z', location: '联络站' });
  });

  it('an agreement whose due date or an instalment is already past on the day it was reached is refused', () => {
    const at = '2026-03-06T10:00:00+08:00';
    expect(refuse(active(), 'REACH_AGREEMENT', { terms: '还款', amount: '100', dueDate: '2026-03-05', occurredAt: at })).toBe(
      '期限 2026-03-05 在本事项发生之日（2026-03-06）之前已经届满：请核对日期；如是补录线下已办事项，请填写实际发生时间',
    );
    expect(
      refuse(active(), 'REACH_AGREEMENT', {
        terms: '分期',
        amount: '100',
        dueDate: '2026-06-30',
        installments: [{ dueDate: '2026-03-01', amount: '50' }, { dueDate: '2026-06-30', amount: '50' }],
        occurredAt: at,
      }),
    ).toMatch(/期限 2026-03-01/);
    // Due the same day is not past; a backdated entry is judged at its own occurredAt.
    expect(path(send(active(), 'REACH_AGREEMENT', { terms: '当日付清', amount: '100', dueDate: '2026-03-06', occurredAt: at }))).toBe('agreement.performing');
  });

  it('closingKinds reads from the machine which events close the case', () => {
    expect(closingKinds(screening(), ['ACCEPT', 'RETURN', 'WITHDRAW'])).toEqual({ RETURN: 'always', WITHDRAW: 'always' });
    expect(closingKinds(active(), ['SCHEDULE_SESSION', 'REACH_AGREEMENT', 'FAIL', 'WITHDRAW'])).toEqual({ FAIL: 'always', WITHDRAW: 'always' });
    expect(closingKinds(performing(), ['RECORD_PERFORMANCE', 'REPORT_DEFAULT'])).toEqual({ RECORD_PERFORMANCE: 'maybe' });
    expect(closingKinds(defaulted(false), ['FILE_LAWSUIT', 'RECORD_PERFORMANCE'])).toEqual({ FILE_LAWSUIT: 'always', RECORD_PERFORMANCE: 'maybe' });
    expect(closingKinds(enforcing(), ['RECORD_RECOVERY', 'CONCLUDE'])).toEqual({ CONCLUDE: 'always' });
  });
});
