/**
 * The journeys the machine tests walk whole — a pre-filing case from intake to the close of its
 * enforcement, a case referred for enforcement, a supervision item — and `walk`, which steps a
 * machine through one as the engine steps it and hands every snapshot to a check. Written once
 * here so that the tests comparing two ways of doing one thing (test/engine/transition.test.ts,
 * test/machines/offered-events.test.ts, test/machines/case-deadlines.test.ts) compare them on the
 * same steps. Pure: no database (test/machines runs without one).
 */
import type { AnyMachineSnapshot } from 'xstate';
import type { MachineSpec } from '../../src/machines/spec.js';
import { firstSnapshot, nextSnapshot } from '../../src/engine/transition.js';

export const day = 86_400_000;
/** The journeys' day 0: 09:00 in Shanghai on Monday 2 March 2026. */
export const t0 = Date.parse('2026-03-02T01:00:00.000Z');
/** The instant `days` days after day 0. */
export const at = (days: number) => new Date(t0 + days * day).toISOString();

export type JourneyEvent = { type: string; occurredAt: string; [field: string]: unknown };

/** A walk-in pre-filing loan case at HL01 opened on day 0, as the machine's input. */
export const caseInput = (over: Record<string, unknown> = {}) => ({
  track: 'pre_filing',
  procedure: 'ordinary',
  source: 'walk_in',
  stationCode: 'HL01',
  disputeType: '民间借贷纠纷',
  summary: '借款未还',
  claimAmount: '12000.00',
  occurredAt: at(0),
  ...over,
});

/** A case referred for enforcement (执行): it starts in `enforcement.active`. */
export const referralInput = caseInput({ source: 'enforcement_referral', track: undefined, enforceableDocument: '(2025)黑0111民初1号', owedAmount: '5000.00' });

/**
 * A pre-filing case through every phase: mediation (a session, a recusal, a pause, an extension),
 * an agreement in three instalments with payments before it is confirmed, its default on the second
 * instalment, and enforcement (a measure, a suspension, a recovery, the limit's lapse) to the close.
 * With `detours`, also what the machine refuses or routes back on the way: a session attended by a
 * deputy not on the case, the whole panel recused and a new one assigned, a default reported before
 * anything is due, and an ACCEPT after the close.
 */
export function preFilingJourney({ detours = false } = {}): JourneyEvent[] {
  const only = (events: JourneyEvent[]) => (detours ? events : []);
  return [
    { type: 'ACCEPT', occurredAt: at(1) },
    { type: 'ASSIGN', deputyIds: ['d1', 'd2'], mediatorName: '王芳', occurredAt: at(2) },
    { type: 'SCHEDULE_SESSION', at: at(4), location: '调解室', occurredAt: at(3) },
    ...only([{ type: 'RECORD_SESSION', heldAt: at(4), attendeeDeputyIds: ['d9'], minutes: '不在册的代表', occurredAt: at(4) }]),
    { type: 'RECORD_SESSION', heldAt: at(4), attendeeDeputyIds: ['d1'], minutes: '初步意见', occurredAt: at(4) },
    { type: 'RECUSE', deputyId: 'd2', reason: '亲属', occurredAt: at(5) },
    ...only([
      { type: 'RECUSE', deputyId: 'd1', reason: '回避', occurredAt: at(5) },
      { type: 'ASSIGN', deputyIds: ['d3'], occurredAt: at(6) },
    ]),
    { type: 'PAUSE', reason: '鉴定', occurredAt: at(7) },
    { type: 'RESUME', occurredAt: at(12) },
    { type: 'EXTEND', days: 10, partiesConsent: true, occurredAt: at(13) },
    {
      type: 'REACH_AGREEMENT',
      terms: '分期',
      amount: '12000.00',
      dueDate: '2026-06-01',
      installments: [
        { dueDate: '2026-04-01', amount: '4000.00' },
        { dueDate: '2026-05-01', amount: '4000.00' },
        { dueDate: '2026-06-01', amount: '4000.00' },
      ],
      occurredAt: at(14),
    },
    // A payment that covers the first instalment moves performance to the second's date.
    { type: 'RECORD_PERFORMANCE', amount: '4000.00', occurredAt: at(20) },
    { type: 'RECORD_PERFORMANCE', amount: '100.00', occurredAt: at(21) },
    { type: 'APPLY_CONFIRMATION', occurredAt: at(22) },
    { type: 'CONFIRM', rulingNumber: '(2026)黑0111民特1号', occurredAt: at(23) },
    ...only([{ type: 'PERFORMANCE_OVERDUE', occurredAt: at(30) }]),
    { type: 'PERFORMANCE_OVERDUE', occurredAt: at(70) },
    { type: 'APPLY_ENFORCEMENT', enforcementCaseNumber: '(2026)黑0111执1号', occurredAt: at(71) },
    { type: 'RECORD_MEASURE', kind: 'freeze', occurredAt: at(72) },
    { type: 'SUSPEND', reason: '无财产', occurredAt: at(80) },
    { type: 'RESUME', occurredAt: at(90) },
    { type: 'RECORD_RECOVERY', amount: '1000.00', occurredAt: at(95) },
    { type: 'ENFORCEMENT_OVERDUE', occurredAt: at(400) },
    { type: 'CONCLUDE', result: 'fulfilled', occurredAt: at(401) },
    ...only([{ type: 'ACCEPT', occurredAt: at(402) }]),
  ];
}

/** A case inquiry (监督) answered unsatisfactorily, rectified, then found satisfactory. */
export const supervisionInput = { kind: 'case_inquiry', subject: '执行监督', respondent: '呼兰区人民法院', caseIds: [], occurredAt: at(0) };
export const supervisionJourney: JourneyEvent[] = [
  { type: 'REQUEST_REPORT', dueDate: '2026-04-01', occurredAt: at(1) },
  { type: 'SUBMIT_REPORT', content: '报告', occurredAt: at(2) },
  { type: 'EVALUATE', rating: 'unsatisfied', opinion: '整改', dueDate: '2026-05-01', occurredAt: at(3) },
  { type: 'SUBMIT_RECTIFICATION', content: '整改报告', occurredAt: at(4) },
  { type: 'EVALUATE', rating: 'satisfied', opinion: '满意', occurredAt: at(5) },
];

export interface Step {
  /** As the spec's schema parsed it: what the engine sends the machine. */
  event: { type: string; occurredAt: string; [field: string]: unknown };
  /** The snapshot the event was sent to (as `read` gave it back). */
  before: AnyMachineSnapshot;
}

/**
 * Steps `spec`'s machine from `input` through `events` with the engine's own transition, each
 * event parsed by the spec's schema first, and calls `check` with every snapshot reached: the
 * first with no step, then each after the step that reached it (a refused event reaches the
 * snapshot it was sent to). `read` stands for how the next step reads the snapshot it starts from
 * (as the write path reads a row); by default it is used as it is. Returns the last snapshot.
 *
 * @example
 * const states: string[] = [];
 * walk(caseSpec, caseInput(), preFilingJourney(), (s) => states.push(statePath(s.value)));
 */
export function walk(
  spec: MachineSpec,
  input: unknown,
  events: readonly JourneyEvent[],
  check: (snapshot: AnyMachineSnapshot, step?: Step) => void,
  read: (snapshot: AnyMachineSnapshot) => AnyMachineSnapshot = (s) => s,
): AnyMachineSnapshot {
  let snapshot = firstSnapshot(spec.machine, input);
  check(snapshot);
  for (const raw of events) {
    const event = { type: raw.type, ...(spec.eventSchemas[raw.type].parse(raw) as object) } as Step['event'];
    const before = read(snapshot);
    snapshot = nextSnapshot(spec.machine, before, event);
    check(snapshot, { event, before });
  }
  return snapshot;
}
