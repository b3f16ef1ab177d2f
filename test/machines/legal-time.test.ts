/**
 * 民诉法 Art 85 in the case machine (DESIGN §11), with the State Council's 2026 schedule: a period
 * whose last day is a rest day ends on the first working day after it. The calendar reaches the
 * machine only as data stamped into events (here computed with `art85End`, as the engine does).
 */
import { describe, expect, it } from 'vitest';
import { initialTransition, transition, type SnapshotFrom } from 'xstate';
import { art85End, type StatutoryCalendar } from '../../src/machines/calendar.js';
import { caseMachine, legalPeriods, type CaseContext } from '../../src/machines/case.js';
import { caseDeadlines, caseSpec } from '../../src/machines/case-spec.js';
import { backdatableEvents, nextEvents } from '../../src/machines/spec.js';

type Snap = SnapshotFrom<typeof caseMachine>;

/** The 2026 notice's days around National Day (国办发明电〔2025〕7号), and 元旦 2026. */
const CAL_2026: StatutoryCalendar = {
  days: {
    '2026-01-01': 'holiday',
    '2026-01-02': 'holiday',
    '2026-01-03': 'holiday',
    '2026-01-04': 'workday',
    '2026-09-20': 'workday',
    '2026-09-25': 'holiday',
    '2026-09-26': 'holiday',
    '2026-09-27': 'holiday',
    '2026-10-01': 'holiday',
    '2026-10-02': 'holiday',
    '2026-10-03': 'holiday',
    '2026-10-04': 'holiday',
    '2026-10-05': 'holiday',
    '2026-10-06': 'holiday',
    '2026-10-07': 'holiday',
    '2026-10-10': 'workday',
  },
  years: [2024, 2025, 2026],
};

const at = (local: string) => new Date(`${local}+08:00`).toISOString();

describe('art85End', () => {
  it('a last day inside the National Day holiday ends on the first working day after it (DESIGN §11 example)', () => {
    expect(art85End('2026-10-03', CAL_2026)).toEqual({ lastDay: '2026-10-03', dueAt: at('2026-10-09T00:00:00') });
  });
  it('a last day on a weekend ends on the Monday', () => {
    expect(art85End('2026-11-14', CAL_2026)).toEqual({ lastDay: '2026-11-14', dueAt: at('2026-11-17T00:00:00') });
    expect(art85End('2026-11-15', CAL_2026).dueAt).toBe(at('2026-11-17T00:00:00'));
  });
  it('a make-up Saturday (调休上班日) is a working day: not moved', () => {
    expect(art85End('2026-10-10', CAL_2026)).toEqual({ lastDay: '2026-10-10', dueAt: at('2026-10-11T00:00:00') });
    expect(art85End('2026-09-20', CAL_2026).dueAt).toBe(at('2026-09-21T00:00:00'));
  });
  it('a working day is not moved', () => {
    expect(art85End('2026-10-08', CAL_2026)).toEqual({ lastDay: '2026-10-08', dueAt: at('2026-10-09T00:00:00') });
  });
  it('a year the calendar does not cover counts weekends only, and says so', () => {
    // 2027-01-01 is a Friday: New Year's Day in fact, but no 2027 notice is known here.
    expect(art85End('2027-01-01', CAL_2026)).toEqual({ lastDay: '2027-01-01', dueAt: at('2027-01-02T00:00:00'), calendarMissing: true });
    expect(art85End('2027-01-02', CAL_2026)).toEqual({ lastDay: '2027-01-02', dueAt: at('2027-01-05T00:00:00'), calendarMissing: true });
    // A run of rest days from a covered year into a missing one is flagged too.
    expect(art85End('2026-12-31', { days: { '2026-12-31': 'holiday' }, years: [2026] }).calendarMissing).toBe(true);
  });
});

// ---------------------------------------------------------------------------------------------
// The machine, with stamps as the engine makes them

/** Sends an event; when `stamp`, with the ends of the periods it starts or moves (as the engine stamps them). */
function send(s: Snap, event: Record<string, unknown> & { type: string }, stamp = true): Snap {
  const before = legalPeriods(s.context as CaseContext) as Record<string, string>;
  const [tentative] = transition(caseMachine, s, event as any);
  const after = legalPeriods(tentative.context as CaseContext) as Record<string, string>;
  const moved = Object.keys(after).filter((k) => after[k] !== before[k]);
  if (!stamp || moved.length === 0) return tentative;
  const periodEnds = Object.fromEntries(moved.map((k) => [k, art85End(after[k], CAL_2026)]));
  return transition(caseMachine, s, { ...event, periodEnds } as any)[0];
}

function open(track: 'pre_filing' | 'post_filing', openedAt: string): Snap {
  const [s] = initialTransition(caseMachine, {
    track,
    procedure: 'ordinary',
    source: 'court_referral',
    stationCode: 'HL01',
    disputeType: '民间借贷',
    summary: '借款',
    occurredAt: openedAt,
  } as any);
  return s;
}

function assigned(assignedAt: string, stamp = true, track: 'pre_filing' | 'post_filing' = 'pre_filing'): Snap {
  let s = open(track, assignedAt);
  s = send(s, { type: 'ACCEPT', occurredAt: assignedAt }, stamp);
  return send(s, { type: 'ASSIGN', deputyIds: ['d1'], occurredAt: assignedAt }, stamp);
}

function agreed(agreedAt: string, dueDate: string, stamp = true, track: 'pre_filing' | 'post_filing' = 'pre_filing'): Snap {
  const s = assigned(agreedAt, stamp, track);
  return send(s, { type: 'REACH_AGREEMENT', terms: '分期还款', amount: '1000', dueDate, occurredAt: agreedAt }, stamp);
}

const deadline = (s: Snap, kind: string) => caseDeadlines(s).find((d) => d.kind === kind);
const can = (s: Snap, type: string, occurredAt: string, extra: Record<string, unknown> = {}) => s.can({ type, occurredAt, ...extra } as any);

describe('mediation_expiry', () => {
  it('assigned 2026-09-03 (pre-filing, 30 days): the 30th day 10-03 is in the holiday, so it expires 2026-10-09T00:00+08:00', () => {
    const s = assigned(at('2026-09-03T10:00:00'));
    expect(deadline(s, 'mediation_expiry')).toEqual({ kind: 'mediation_expiry', dueAt: at('2026-10-09T00:00:00'), event: 'MEDIATION_EXPIRED' });
    expect(can(s, 'MEDIATION_EXPIRED', at('2026-10-04T00:00:00'))).toBe(false);
    expect(can(s, 'MEDIATION_EXPIRED', at('2026-10-08T23:59:59'))).toBe(false);
    expect(can(s, 'MEDIATION_EXPIRED', at('2026-10-09T00:00:00'))).toBe(true);
    // The mediation clock itself (the calendar-day count) is unchanged: EXTEND and pauses move it.
    expect(s.context.mediationDueAt).toBe(at('2026-10-04T00:00:00'));
  });

  it('an old journal (no stamps) keeps the old computation: 2026-10-04T00:00+08:00, and no periodEnds in its context', () => {
    const s = assigned(at('2026-09-03T10:00:00'), false);
    expect(deadline(s, 'mediation_expiry')!.dueAt).toBe(at('2026-10-04T00:00:00'));
    expect(can(s, 'MEDIATION_EXPIRED', at('2026-10-04T00:00:00'))).toBe(true);
    expect('periodEnds' in s.context).toBe(false);
  });

  it('on a weekend: a post-filing ordinary 15-day period from 2026-10-30 ends Saturday 11-14 → Monday 11-16', () => {
    const s = assigned(at('2026-10-30T09:00:00'), true, 'post_filing');
    expect(deadline(s, 'mediation_expiry')!.dueAt).toBe(at('2026-11-17T00:00:00'));
  });

  it('on a make-up Saturday: the 15th day 2026-10-10 is a working day, not moved', () => {
    const s = assigned(at('2026-09-25T09:00:00'), true, 'post_filing');
    expect(deadline(s, 'mediation_expiry')!.dueAt).toBe(at('2026-10-11T00:00:00'));
  });

  it('EXTEND moves the period, and the new last day is judged again', () => {
    // 30th day 2026-09-27 (中秋, Sunday) → 09-28; extended by 6 days → last day 10-03 → 10-08.
    let s = assigned(at('2026-08-28T09:00:00'));
    expect(deadline(s, 'mediation_expiry')!.dueAt).toBe(at('2026-09-29T00:00:00'));
    s = send(s, { type: 'EXTEND', days: 6, partiesConsent: true, occurredAt: at('2026-09-10T09:00:00') });
    expect(deadline(s, 'mediation_expiry')!.dueAt).toBe(at('2026-10-09T00:00:00'));
  });
});

describe('confirmation_window and enforcement_bar move; performance and enforcement_limit do not', () => {
  it('agreement on 2026-09-03: the confirmation window (30th day 10-03) runs to the end of 10-08, and the guard uses it', () => {
    const s = agreed(at('2026-09-03T15:00:00'), '2026-10-03');
    expect(deadline(s, 'confirmation_window')).toEqual({ kind: 'confirmation_window', dueAt: at('2026-10-09T00:00:00'), event: null });
    expect(can(s, 'APPLY_CONFIRMATION', at('2026-10-08T17:00:00'))).toBe(true);
    expect(can(s, 'APPLY_CONFIRMATION', at('2026-10-09T00:00:00'))).toBe(false);
    // Performance on the day the parties agreed (10-03, a holiday): not moved.
    expect(deadline(s, 'performance')).toEqual({ kind: 'performance', dueAt: at('2026-10-04T00:00:00'), event: 'PERFORMANCE_OVERDUE' });
    // Without the calendar (an old journal) the window closed at the end of 10-03.
    const old = agreed(at('2026-09-03T15:00:00'), '2026-10-03', false);
    expect(can(old, 'APPLY_CONFIRMATION', at('2026-10-05T10:00:00'))).toBe(false);
  });

  it('the enforcement bar two years after a due date of 2024-10-03 ends with 2026-10-08; the six-month limit is not moved', () => {
    let s = agreed(at('2024-09-03T15:00:00'), '2024-10-03', true, 'post_filing');
    s = send(s, { type: 'REPORT_DEFAULT', occurredAt: at('2024-10-10T09:00:00') });
    expect(deadline(s, 'enforcement_bar')).toEqual({ kind: 'enforcement_bar', dueAt: at('2026-10-09T00:00:00'), event: null });
    expect(can(s, 'APPLY_ENFORCEMENT', at('2026-10-08T10:00:00'), { enforcementCaseNumber: '(2026)黑0111执1号' })).toBe(true);
    expect(can(s, 'APPLY_ENFORCEMENT', at('2026-10-09T00:00:00'), { enforcementCaseNumber: '(2026)黑0111执1号' })).toBe(false);
    // Filed 2026-04-03: six months end with 10-03, inside the holiday — the court's internal limit stays.
    s = send(s, { type: 'APPLY_ENFORCEMENT', enforcementCaseNumber: '(2026)黑0111执1号', occurredAt: at('2026-04-03T10:00:00') });
    expect(deadline(s, 'enforcement_limit')).toEqual({ kind: 'enforcement_limit', dueAt: at('2026-10-04T00:00:00'), event: 'ENFORCEMENT_OVERDUE' });
  });

  it('a confirmation denied restarts mediation with a fresh, calendar-aware period and drops the agreement\'s', () => {
    let s = agreed(at('2026-08-20T10:00:00'), '2026-12-01');
    s = send(s, { type: 'APPLY_CONFIRMATION', occurredAt: at('2026-08-25T10:00:00') });
    s = send(s, { type: 'DENY_CONFIRMATION', reason: '违反法律规定', occurredAt: at('2026-09-03T10:00:00') });
    expect(deadline(s, 'mediation_expiry')!.dueAt).toBe(at('2026-10-09T00:00:00'));
    expect(Object.keys(s.context.periodEnds ?? {})).toEqual(['mediation_expiry']);
  });
});

describe('backfilled work is judged at its occurredAt (issue 11 item 7)', () => {
  it('a backdated agreement of 2026-05-02: APPLY_CONFIRMATION is not open today, but is offered for an earlier date', () => {
    const s = agreed(at('2026-05-02T10:00:00'), '2026-06-30');
    const court = { id: 'c', role: 'court' as const, name: '书记员' };
    const today = at('2026-12-03T10:00:00');
    expect(nextEvents(caseSpec, s, court, today)).not.toContain('APPLY_CONFIRMATION');
    expect(backdatableEvents(caseSpec, s, court, today)).toEqual(['APPLY_CONFIRMATION']);
    expect(can(s, 'APPLY_CONFIRMATION', at('2026-05-20T10:00:00'))).toBe(true);
    // Nothing to backdate when the last event is today.
    expect(backdatableEvents(caseSpec, s, court, at('2026-05-02T10:00:00'))).toEqual([]);
  });
});
