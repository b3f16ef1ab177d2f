/**
 * The supervision machine (DESIGN.md §4), pure: states are reached by sending events through
 * `transition`, never built by hand. Every transition, every refusal, and the deadlines and
 * permissions the engine reads beside the machine (supervision-spec.ts).
 */
import { describe, expect, it } from 'vitest';
import { initialTransition, transition, type AnyMachineSnapshot } from 'xstate';
import { endOfDate } from '../../src/machines/calendar.js';
import { permits, type Actor } from '../../src/machines/roles.js';
import { messageOf } from '../../src/messages.js';
import { nextEvents, statePath } from '../../src/machines/spec.js';
import {
  explainSupervisionRefusal,
  supervisionDeadlines,
  supervisionPermissions,
  supervisionSpec,
} from '../../src/machines/supervision-spec.js';
import {
  supervisionEventSchemas,
  supervisionInputSchema,
  supervisionMachine,
  type SupervisionContext,
  type SupervisionEventType,
} from '../../src/machines/supervision.js';

/** A refusal as the API words it. */
const said = (why: { reason: Parameters<typeof messageOf>[0]; params?: Record<string, unknown> }) => messageOf(why.reason, why.params);

const T0 = '2026-03-02T09:00:00+08:00';
/** An instant `days` days (and `hours` hours) after T0. */
const at = (days: number, hours = 0) => new Date(Date.parse(T0) + days * 86_400_000 + hours * 3_600_000).toISOString();

type Payload = Record<string, unknown>;
const EVENT_TYPES = Object.keys(supervisionEventSchemas) as SupervisionEventType[];

/** An event as the engine hands it to the machine: parsed by its schema. */
function ev(type: SupervisionEventType, payload: Payload = {}) {
  return { type, ...(supervisionEventSchemas[type].parse({ occurredAt: at(1), ...payload }) as object) } as any;
}

const start = (): AnyMachineSnapshot => {
  const input = supervisionInputSchema.parse({
    kind: 'case_inquiry',
    subject: '民间借贷纠纷诉前调解专题问案',
    respondent: '呼兰区人民法院',
    caseIds: ['c1', 'c2'],
    occurredAt: T0,
  });
  return initialTransition(supervisionMachine, input)[0] as AnyMachineSnapshot;
};

/** Sends events in order; each must be taken (changes the snapshot). */
function send(s: AnyMachineSnapshot, ...events: { type: string }[]): AnyMachineSnapshot {
  for (const e of events) {
    expect(s.can(e), `${statePath(s.value)} should take ${e.type}`).toBe(true);
    s = transition(supervisionMachine, s, e as any)[0] as AnyMachineSnapshot;
  }
  return s;
}

const ctx = (s: AnyMachineSnapshot) => s.context as SupervisionContext;
const state = (s: AnyMachineSnapshot) => statePath(s.value);

/** A refused event changes nothing: same state, same context. */
function expectRefused(s: AnyMachineSnapshot, e: { type: string }) {
  expect(s.can(e as any), `${state(s)} must refuse ${e.type}`).toBe(false);
  const [next] = transition(supervisionMachine, s, e as any);
  expect(statePath(next.value)).toBe(state(s));
  expect(next.context).toEqual(s.context);
}

/** A valid payload of every event type, for refusal sweeps. */
function anyEvent(type: SupervisionEventType, occurredAt = at(100)) {
  const payloads: Record<SupervisionEventType, Payload> = {
    REQUEST_REPORT: { dueDate: '2026-12-31' },
    SUBMIT_REPORT: { content: '报告' },
    REPORT_OVERDUE: {},
    EVALUATE: { rating: 'unsatisfied', opinion: '意见', dueDate: '2026-12-31' },
    SUBMIT_RECTIFICATION: { content: '整改报告' },
    CLOSE: { conclusion: '办结' },
  };
  return ev(type, { ...payloads[type], occurredAt });
}

// The states, reached by events.
const open = () => start();
const awaiting = (dueDate = '2026-03-31') => send(open(), ev('REQUEST_REPORT', { dueDate, occurredAt: at(1) }));
const reviewing = () => send(awaiting(), ev('SUBMIT_REPORT', { content: '关于专题问案情况的报告', occurredAt: at(10) }));
const rectifying = (dueDate = '2026-05-31') =>
  send(reviewing(), ev('EVALUATE', { rating: 'unsatisfied', opinion: '执行到位率偏低', dueDate, occurredAt: at(20) }));
const closed = () => send(reviewing(), ev('EVALUATE', { rating: 'satisfied', opinion: '满意', occurredAt: at(20) }));

/** What each state takes (guards aside), from DESIGN.md §4. */
const TAKES: Record<string, SupervisionEventType[]> = {
  open: ['REQUEST_REPORT', 'CLOSE'],
  awaitingReport: ['SUBMIT_REPORT', 'REPORT_OVERDUE', 'CLOSE'],
  reviewing: ['EVALUATE', 'CLOSE'],
  rectifying: ['SUBMIT_RECTIFICATION', 'REPORT_OVERDUE', 'CLOSE'],
  closed: [],
};
const REACH: Record<string, () => AnyMachineSnapshot> = { open, awaitingReport: () => awaiting(), reviewing, rectifying: () => rectifying(), closed };

describe('supervision machine: creation', () => {
  it('opens in `open` with the input as context and no deadline', () => {
    const s = start();
    expect(state(s)).toBe('open');
    expect(s.status).toBe('active');
    expect(ctx(s)).toMatchObject({
      kind: 'case_inquiry',
      respondent: '呼兰区人民法院',
      caseIds: ['c1', 'c2'],
      openedAt: new Date(T0).toISOString(),
      lastEventAt: new Date(T0).toISOString(),
      reportDueDate: null,
      overdue: false,
      rating: null,
      evaluations: 0,
      closedAt: null,
    });
    expect(supervisionDeadlines(s)).toEqual([]);
  });

  it('rejects bad input: unknown kind, empty subject, repeated cases', () => {
    const base = { kind: 'case_inquiry', subject: 's', respondent: 'r', occurredAt: T0 };
    expect(supervisionInputSchema.safeParse({ ...base, kind: 'inspection' }).success).toBe(false);
    expect(supervisionInputSchema.safeParse({ ...base, subject: '  ' }).success).toBe(false);
    expect(supervisionInputSchema.safeParse({ ...base, caseIds: ['a', 'a'] }).success).toBe(false);
    expect(supervisionInputSchema.parse(base).caseIds).toEqual([]);
  });
});

describe('supervision machine: every transition', () => {
  it('open → REQUEST_REPORT → awaitingReport, with the report due date and its deadline', () => {
    const s = awaiting('2026-03-31');
    expect(state(s)).toBe('awaitingReport');
    expect(ctx(s).reportDueDate).toBe('2026-03-31');
    expect(ctx(s).lastEventAt).toBe(at(1));
    // 民诉法 Art 85 reading: due by the end of that Shanghai day.
    expect(supervisionDeadlines(s)).toEqual([{ kind: 'report_due', dueAt: '2026-03-31T16:00:00.000Z', event: 'REPORT_OVERDUE' }]);
    expect(supervisionDeadlines(s)[0].dueAt).toBe(endOfDate('2026-03-31'));
  });

  it('awaitingReport → SUBMIT_REPORT → reviewing; no deadline while the committee reviews', () => {
    const s = reviewing();
    expect(state(s)).toBe('reviewing');
    expect(ctx(s).reportsSubmitted).toBe(1);
    expect(supervisionDeadlines(s)).toEqual([]);
  });

  it('REPORT_OVERDUE is refused before the end of the due date and taken from that instant, once', () => {
    const s = awaiting('2026-03-31');
    const due = endOfDate('2026-03-31');
    expectRefused(s, ev('REPORT_OVERDUE', { occurredAt: new Date(Date.parse(due) - 1).toISOString() }));
    expectRefused(s, ev('REPORT_OVERDUE', { occurredAt: at(2) }));
    const late = send(s, ev('REPORT_OVERDUE', { occurredAt: due }));
    expect(state(late)).toBe('awaitingReport');
    expect(ctx(late).overdue).toBe(true);
    expect(ctx(late).lastEventAt).toBe(due);
    // Flagged once: no second flag, and the deadline is gone.
    expectRefused(late, ev('REPORT_OVERDUE', { occurredAt: at(60) }));
    expect(supervisionDeadlines(late)).toEqual([]);
    // A late report is still a report.
    const answered = send(late, ev('SUBMIT_REPORT', { content: '迟交的报告', occurredAt: at(40) }));
    expect(state(answered)).toBe('reviewing');
    expect(ctx(answered).overdue).toBe(true);
  });

  it.each(['satisfied', 'basically_satisfied'] as const)('reviewing → EVALUATE %s → closed', (rating) => {
    const s = send(reviewing(), ev('EVALUATE', { rating, opinion: '同意', occurredAt: at(20) }));
    expect(state(s)).toBe('closed');
    expect(s.status).toBe('done');
    expect(ctx(s)).toMatchObject({ rating, evaluations: 1, closedAt: at(20), rectificationDueDate: null });
    expect(supervisionDeadlines(s)).toEqual([]);
  });

  it('reviewing → EVALUATE unsatisfied [dueDate] → rectifying, with the rectification deadline', () => {
    const s = rectifying('2026-05-31');
    expect(state(s)).toBe('rectifying');
    expect(ctx(s)).toMatchObject({ rating: 'unsatisfied', evaluations: 1, rectificationDueDate: '2026-05-31', overdue: false, closedAt: null });
    expect(supervisionDeadlines(s)).toEqual([{ kind: 'rectification_due', dueAt: endOfDate('2026-05-31'), event: 'REPORT_OVERDUE' }]);
  });

  it('EVALUATE unsatisfied without a rectification due date is invalid (schema), the others need none', () => {
    const r = supervisionEventSchemas.EVALUATE.safeParse({ rating: 'unsatisfied', opinion: '不满意', occurredAt: at(1) });
    expect(r.success).toBe(false);
    expect(r.error!.issues.map((i) => i.path.join('.'))).toEqual(['dueDate']);
    expect(supervisionEventSchemas.EVALUATE.safeParse({ rating: 'satisfied', opinion: '满意', occurredAt: at(1) }).success).toBe(true);
    expect(supervisionEventSchemas.EVALUATE.safeParse({ rating: 'excellent', opinion: '好', occurredAt: at(1) }).success).toBe(false);
    expect(supervisionEventSchemas.REQUEST_REPORT.safeParse({ occurredAt: at(1) }).success).toBe(false);
    expect(supervisionEventSchemas.REQUEST_REPORT.safeParse({ dueDate: '2026-02-30', occurredAt: at(1) }).success).toBe(false);
  });

  it('rectifying → SUBMIT_RECTIFICATION → reviewing → EVALUATE satisfied → closed', () => {
    let s = send(rectifying(), ev('SUBMIT_RECTIFICATION', { content: '整改情况报告', occurredAt: at(30) }));
    expect(state(s)).toBe('reviewing');
    expect(ctx(s).rectificationsSubmitted).toBe(1);
    expect(supervisionDeadlines(s)).toEqual([]);
    s = send(s, ev('EVALUATE', { rating: 'satisfied', opinion: '整改到位', occurredAt: at(40) }));
    expect(state(s)).toBe('closed');
    expect(ctx(s)).toMatchObject({ rating: 'satisfied', evaluations: 2, reportsSubmitted: 1, rectificationsSubmitted: 1 });
  });

  it('rectification may go round more than once, each round with its own due date', () => {
    let s = send(rectifying('2026-05-31'), ev('SUBMIT_RECTIFICATION', { content: '第一次整改', occurredAt: at(30) }));
    s = send(s, ev('EVALUATE', { rating: 'unsatisfied', opinion: '仍不到位', dueDate: '2026-07-31', occurredAt: at(40) }));
    expect(state(s)).toBe('rectifying');
    expect(ctx(s)).toMatchObject({ evaluations: 2, rectificationDueDate: '2026-07-31' });
    expect(supervisionDeadlines(s)[0].dueAt).toBe(endOfDate('2026-07-31'));
  });

  it('a late rectification is flagged once; a new unsatisfied evaluation starts a new clock (flag cleared)', () => {
    const due = endOfDate('2026-05-31');
    let s = rectifying('2026-05-31');
    expectRefused(s, ev('REPORT_OVERDUE', { occurredAt: new Date(Date.parse(due) - 1).toISOString() }));
    s = send(s, ev('REPORT_OVERDUE', { occurredAt: due }));
    expect(state(s)).toBe('rectifying');
    expect(ctx(s).overdue).toBe(true);
    expect(supervisionDeadlines(s)).toEqual([]);
    expectRefused(s, ev('REPORT_OVERDUE', { occurredAt: at(200) }));
    s = send(s, ev('SUBMIT_RECTIFICATION', { content: '迟交的整改报告', occurredAt: at(100) }));
    s = send(s, ev('EVALUATE', { rating: 'unsatisfied', opinion: '再整改', dueDate: '2026-08-31', occurredAt: at(101) }));
    expect(ctx(s).overdue).toBe(false);
    expect(supervisionDeadlines(s)).toEqual([{ kind: 'rectification_due', dueAt: endOfDate('2026-08-31'), event: 'REPORT_OVERDUE' }]);
  });

  it.each(['open', 'awaitingReport', 'reviewing', 'rectifying'])('CLOSE from %s → closed, with the conclusion', (from) => {
    const s = send(REACH[from](), ev('CLOSE', { conclusion: '经审议，予以办结', occurredAt: at(50) }));
    expect(state(s)).toBe('closed');
    expect(s.status).toBe('done');
    expect(ctx(s)).toMatchObject({ conclusion: '经审议，予以办结', closedAt: at(50), lastEventAt: at(50) });
    expect(supervisionDeadlines(s)).toEqual([]);
  });
});

describe('supervision machine: every refusal', () => {
  for (const [name, reach] of Object.entries(REACH)) {
    const refusedHere = EVENT_TYPES.filter((t) => !TAKES[name].includes(t));
    it(`${name} refuses ${refusedHere.join(', ') || '(nothing)'}; handles exactly ${TAKES[name].join(', ') || 'nothing'}`, () => {
      const s = reach();
      for (const type of refusedHere) {
        expectRefused(s, anyEvent(type));
        expect(said(explainSupervisionRefusal(s, { type }))).toMatch(name === 'closed' ? /已办结/ : /不接受/);
      }
      for (const type of TAKES[name]) {
        if (type === 'REPORT_OVERDUE') continue; // guarded by time, tested above
        expect(s.can(anyEvent(type)), `${name} takes ${type}`).toBe(true);
      }
    });
  }

  it('explains a REPORT_OVERDUE refused by its guard as not yet due', () => {
    expect(said(explainSupervisionRefusal(awaiting(), { type: 'REPORT_OVERDUE' }))).toMatch(/尚未届满/);
  });

  it('closed is final: nothing more, CLOSE included', () => {
    const s = closed();
    for (const type of EVENT_TYPES) expectRefused(s, anyEvent(type));
  });
});

describe('supervision-spec: who sends what', () => {
  const actors: Record<string, Actor> = {
    committee: { id: 'u1', role: 'committee', name: '委员会' },
    court: { id: 'u2', role: 'court', name: '法院' },
    admin: { id: 'u3', role: 'admin', name: '管理员' },
    station: { id: 'u4', role: 'station', name: '站', stationCode: 'HL01' },
    deputy: { id: 'u5', role: 'deputy', name: '代表', deputyId: 'd1' },
    system: { id: 'system', role: 'system', name: '系统' },
  };
  const SENDER: Record<SupervisionEventType, string> = {
    REQUEST_REPORT: 'committee',
    SUBMIT_REPORT: 'court',
    REPORT_OVERDUE: 'system',
    EVALUATE: 'committee',
    SUBMIT_RECTIFICATION: 'court',
    CLOSE: 'committee',
  };

  it.each(EVENT_TYPES)('%s is sent by its one role only', (type) => {
    for (const [role, actor] of Object.entries(actors)) {
      expect(permits(supervisionPermissions[type], actor, { stationCode: 'HL01', deputyIds: ['d1'] }), `${role} ${type}`).toBe(role === SENDER[type]);
    }
  });

  it('only the committee opens items', () => {
    expect(supervisionSpec.createRoles).toEqual(['committee']);
  });

  it('nextEvents: per state and role, what the engine will offer', () => {
    const now = at(5);
    const offer = (s: AnyMachineSnapshot, who: string) => nextEvents(supervisionSpec, s, actors[who], now);
    expect(offer(open(), 'committee')).toEqual(['REQUEST_REPORT', 'CLOSE']);
    expect(offer(open(), 'court')).toEqual([]);
    expect(offer(awaiting(), 'court')).toEqual(['SUBMIT_REPORT']);
    expect(offer(awaiting(), 'committee')).toEqual(['CLOSE']);
    expect(offer(reviewing(), 'committee')).toEqual(['EVALUATE', 'CLOSE']);
    expect(offer(rectifying(), 'court')).toEqual(['SUBMIT_RECTIFICATION']);
    for (const who of ['admin', 'station', 'deputy']) {
      for (const reach of Object.values(REACH)) expect(offer(reach(), who)).toEqual([]);
    }
    expect(offer(closed(), 'committee')).toEqual([]);
  });
});

describe('supervision due dates already past are refused (issue 15 §1)', () => {
  it('REQUEST_REPORT and an unsatisfied EVALUATE with a due date before the day they happen', () => {
    // at(1) is 2026-03-03 in Shanghai.
    expectRefused(open(), ev('REQUEST_REPORT', { dueDate: '2026-03-01', occurredAt: at(1) }));
    expect(said(explainSupervisionRefusal(open(), { type: 'REQUEST_REPORT', dueDate: '2026-03-01', occurredAt: at(1) } as any))).toMatch(/期限 2026-03-01/);
    expectRefused(reviewing(), ev('EVALUATE', { rating: 'unsatisfied', opinion: '不到位', dueDate: '2026-03-01', occurredAt: at(20) }));
    // A satisfied rating sets no due date; the due day itself is not past.
    expect(state(send(reviewing(), ev('EVALUATE', { rating: 'satisfied', opinion: '满意', occurredAt: at(20) })))).toBe('closed');
    expect(state(send(open(), ev('REQUEST_REPORT', { dueDate: shanghaiDay(at(1)), occurredAt: at(1) })))).toBe('awaitingReport');
  });
});

const shanghaiDay = (iso: string) => new Date(Date.parse(iso) + 8 * 3_600_000).toISOString().slice(0, 10);
