/**
 * The case machine as the engine sees it: who may send each event (one table, read by the engine
 * and by `nextEvents` alike), the deadlines a snapshot implies, and why an event is refused.
 */
import type { AnyMachineSnapshot } from 'xstate';
import {
  CASE_MACHINE_VERSION,
  CONFIRMATION_WINDOW_DAYS,
  caseEventSchemas,
  caseInputSchema,
  caseMachine,
  confirmationWindowEndsAt,
  enforcementBarAt,
  legalPeriodEnd,
  legalPeriods,
  LEGAL_PERIOD_KINDS,
  mediationExpiresAt,
  pastDueDate,
  payableFen,
  performanceDueDate,
  PERIOD_EVENTS,
  performanceDueAt,
  stampedEnd,
  withPeriodEnds,
  type LegalPeriodKind,
  type PeriodEnds,
  type CaseContext,
  type CaseEventType,
} from './case.js';
import { fenToYuan, toFen } from './money.js';
import { rolesFor, type Permission } from './policy.js';
import { handledEvents, probeOf, requestSchemas, statePath, type DeadlineSpec, type MachineSpec, type TransitionRefusal } from './spec.js';

const court: Permission = { court: true };
const courtOrAssignedDeputy: Permission = { court: true, deputy: 'assigned' };
const system: Permission = { system: true };

/**
 * 代表法 Art 59: deputies take part in mediation but never decide judicial matters, so they never
 * confirm, enforce or conclude. The committee supervises through reports, never through case events.
 */
export const casePermissions: Record<CaseEventType, Permission> = {
  ACCEPT: court,
  RETURN: court,
  ASSIGN: court,
  RECUSE: { court: true, deputy: 'self' },
  SCHEDULE_SESSION: courtOrAssignedDeputy,
  RECORD_SESSION: courtOrAssignedDeputy,
  PAUSE: court,
  RESUME: court,
  EXTEND: court,
  REACH_AGREEMENT: courtOrAssignedDeputy,
  FAIL: courtOrAssignedDeputy,
  WITHDRAW: { court: true, station: 'own' },
  MEDIATION_EXPIRED: system,
  APPLY_CONFIRMATION: court,
  CONFIRM: court,
  DENY_CONFIRMATION: court,
  RECORD_PERFORMANCE: courtOrAssignedDeputy,
  PERFORMANCE_OVERDUE: system,
  REPORT_DEFAULT: courtOrAssignedDeputy,
  APPLY_ENFORCEMENT: court,
  FILE_LAWSUIT: court,
  RECORD_MEASURE: court,
  RECORD_RECOVERY: court,
  SUSPEND: court,
  CONCLUDE: court,
  ENFORCEMENT_OVERDUE: system,
};

export const DEADLINE_KINDS = {
  mediation_expiry: 'MEDIATION_EXPIRED',
  performance: 'PERFORMANCE_OVERDUE',
  enforcement_limit: 'ENFORCEMENT_OVERDUE',
  confirmation_window: null,
  enforcement_bar: null,
} as const;

/** An Art 85 period's deadline: its end, flagged when the calendar did not cover its year. */
function legalDeadline(ctx: CaseContext, kind: LegalPeriodKind, event: string | null): DeadlineSpec {
  const missing = stampedEnd(ctx, kind)?.calendarMissing;
  return { kind, dueAt: legalPeriodEnd(ctx, kind)!, event, ...(missing ? { calendarMissing: true as const } : {}) };
}

export function caseDeadlines(snapshot: AnyMachineSnapshot): DeadlineSpec[] {
  // A snapshot is never changed (a transition makes a new one): its deadlines are computed once.
  // A write asks for them four times (the deadline rows before and after, the next-due column,
  // the answer); callers make new arrays from this one and never change it.
  let out = deadlinesOf.get(snapshot);
  if (!out) deadlinesOf.set(snapshot, (out = sameInputsDeadlines(snapshot)));
  return out;
}
const deadlinesOf = new WeakMap<AnyMachineSnapshot, DeadlineSpec[]>();

/**
 * What `snapshotDeadlines` reads — the state and these fields of the context, each compared as it
 * is (a context is never changed, nor any object in it: an assign makes new ones) — and the
 * deadlines it made of them last. A write asks for the deadlines of the snapshot it read and of the
 * one the event made, one after the other; most events (sessions, measures, payments on account)
 * move none of these, and then the second is the first's list, not computed again (two date
 * conversions per period, four objects). Keep this list what `snapshotDeadlines` reads:
 * test/machines/case-deadlines.test.ts compares both along whole journeys.
 */
function deadlineInputs(state: string, ctx: CaseContext): unknown[] {
  return [state, ctx.mediationDueAt, ctx.periodEnds, ctx.agreement, ctx.paidFen, ctx.track, ctx.enforceable, ctx.confirmationAppliedAt, ctx.enforcementDueAt, ctx.overdue];
}
let lastInputs: unknown[] = [];
let lastDeadlines: DeadlineSpec[] = [];

function sameInputsDeadlines(snapshot: AnyMachineSnapshot): DeadlineSpec[] {
  const state = statePath(snapshot.value);
  const inputs = deadlineInputs(state, snapshot.context as CaseContext);
  if (inputs.every((v, i) => v === lastInputs[i])) return lastDeadlines;
  lastDeadlines = snapshotDeadlines(snapshot, state);
  lastInputs = inputs;
  return lastDeadlines;
}

/** The deadlines a snapshot implies, computed afresh (`caseDeadlines` keeps them). */
export function snapshotDeadlines(snapshot: AnyMachineSnapshot, state = statePath(snapshot.value)): DeadlineSpec[] {
  const ctx = snapshot.context as CaseContext;
  const out: DeadlineSpec[] = [];
  if (state === 'mediation.active' && ctx.mediationDueAt) {
    out.push(legalDeadline(ctx, 'mediation_expiry', 'MEDIATION_EXPIRED'));
  }
  if (state === 'agreement.performing') {
    // A date the parties agreed: 民诉法 Art 85 does not move it.
    out.push({ kind: 'performance', dueAt: performanceDueAt(ctx)!, event: 'PERFORMANCE_OVERDUE' });
    if (ctx.track === 'pre_filing' && !ctx.enforceable && !ctx.confirmationAppliedAt) {
      out.push(legalDeadline(ctx, 'confirmation_window', null));
    }
  }
  if (state === 'agreement.defaulted' && ctx.enforceable) {
    out.push(legalDeadline(ctx, 'enforcement_bar', null));
  }
  if (state === 'enforcement.active' && ctx.enforcementDueAt && !ctx.overdue) {
    out.push({ kind: 'enforcement_limit', dueAt: ctx.enforcementDueAt, event: 'ENFORCEMENT_OVERDUE' });
  }
  return out;
}

/**
 * The deadline an overdue case ran past (DESIGN §11: an overdue case says which deadline ran out):
 * its deadline row has fired, so `caseDeadlines` no longer lists it.
 */
export function ranOutDeadline(snapshot: AnyMachineSnapshot): { kind: string; dueAt: string } | null {
  const ctx = snapshot.context as CaseContext;
  if (!ctx.overdue || snapshot.status !== 'active') return null;
  const state = statePath(snapshot.value);
  if (state.startsWith('enforcement.') && ctx.enforcementDueAt) return { kind: 'enforcement_limit', dueAt: ctx.enforcementDueAt };
  if (state === 'agreement.defaulted' && ctx.agreement) return { kind: 'performance', dueAt: performanceDueAt(ctx)! };
  return null;
}

export function explainCaseRefusal(snapshot: AnyMachineSnapshot, event: { type: string; occurredAt?: string; [k: string]: unknown }): TransitionRefusal {
  const ctx = snapshot.context as CaseContext;
  const state = statePath(snapshot.value);
  const why = (reason: TransitionRefusal['reason'], params?: TransitionRefusal['params']): TransitionRefusal => (params ? { reason, params } : { reason });
  if (snapshot.status !== 'active') return why('transition.case_closed', { event: event.type });
  if (!handledEvents(snapshot).includes(event.type)) return why('transition.not_accepted', { state, event: event.type });
  switch (event.type) {
    case 'RECUSE':
      return why('transition.recuse_not_assigned');
    case 'SCHEDULE_SESSION':
      return why('transition.session_before_registration', { openedAt: ctx.openedAt });
    case 'RECORD_SESSION':
      return why('transition.attendees_not_assigned');
    case 'REACH_AGREEMENT': {
      const past = event.occurredAt ? pastDueDate(event as Parameters<typeof pastDueDate>[0]) : null;
      if (past) return why('transition.due_date_past', { date: past, at: event.occurredAt });
      break;
    }
    case 'RECORD_PERFORMANCE':
    case 'RECORD_RECOVERY': {
      const limit = payableFen(ctx, event.type);
      const amount = typeof event.amount === 'string' ? event.amount : null;
      if (amount !== null && toFen(amount) === 0) return why('transition.nothing_paid', { owed: limit === null ? null : fenToYuan(limit) });
      if (limit !== null && amount !== null) {
        return why(event.type === 'RECORD_PERFORMANCE' ? 'transition.overpayment' : 'transition.overrecovery', {
          amount,
          owed: fenToYuan(limit),
        });
      }
      break;
    }
    case 'REPORT_DEFAULT':
      return why('transition.nothing_due', { dueDate: performanceDueDate(ctx) });
    case 'APPLY_CONFIRMATION':
      if (ctx.track !== 'pre_filing') return why('transition.confirmation_post_filing');
      if (ctx.enforceable) return why('transition.already_enforceable');
      return why('transition.confirmation_window', { days: CONFIRMATION_WINDOW_DAYS, until: confirmationWindowEndsAt(ctx) });
    case 'APPLY_ENFORCEMENT':
      if (!ctx.enforceable) return why('transition.not_enforceable');
      return why('transition.enforcement_barred', { until: enforcementBarAt(ctx) });
    case 'FILE_LAWSUIT':
      return why('transition.lawsuit_enforceable');
    case 'MEDIATION_EXPIRED':
      return why('transition.mediation_not_due', { dueAt: mediationExpiresAt(ctx) });
    case 'PERFORMANCE_OVERDUE':
      return why('transition.performance_not_due', { dueAt: performanceDueAt(ctx) });
    case 'ENFORCEMENT_OVERDUE':
      return ctx.overdue ? why('transition.enforcement_marked') : why('transition.enforcement_not_due', { dueAt: ctx.enforcementDueAt });
  }
  return why('transition.conditions', { state, event: event.type, at: event.occurredAt ?? '' });
}

/** The payload-dependent guards, as the probe answers them (MachineSpec `probe`). */
const CASE_PROBE_GUARDS = {
  deputyIsAssigned: true,
  isLastDeputy: false,
  attendeesAreAssigned: true,
  paysInFull: false,
  amountWithinOwed: true,
  sessionAfterRegistration: true,
  dueDatesAhead: true,
} as const;

export const caseSpec: MachineSpec = {
  name: 'case',
  version: CASE_MACHINE_VERSION,
  machine: caseMachine,
  probe: probeOf(caseMachine, CASE_PROBE_GUARDS),
  probeGuards: CASE_PROBE_GUARDS,
  inputSchema: caseInputSchema,
  eventSchemas: caseEventSchemas,
  request: requestSchemas(caseInputSchema, caseEventSchemas),
  permissions: casePermissions,
  createRoles: rolesFor('case.create'),
  deadlines: caseDeadlines,
  explainRefusal: explainCaseRefusal,
  facts: (snapshot) => {
    const ctx = snapshot.context as CaseContext;
    return { stationCode: ctx.stationCode, deputyIds: ctx.deputyIds };
  },
  legalTime: {
    events: PERIOD_EVENTS,
    periods: (snapshot) => legalPeriods(snapshot.context as CaseContext) as Record<string, string>,
    open: (snapshot) => caseDeadlines(snapshot).map((d) => d.kind).filter((k) => (LEGAL_PERIOD_KINDS as readonly string[]).includes(k)),
    current(snapshot, kind) {
      const ctx = snapshot.context as CaseContext;
      const dueAt = legalPeriodEnd(ctx, kind as LegalPeriodKind);
      if (!dueAt) return null;
      return stampedEnd(ctx, kind as LegalPeriodKind)?.calendarMissing ? { dueAt, calendarMissing: true } : { dueAt };
    },
    recordType: 'CALENDAR_CHANGED',
    record: (snapshot, payload) =>
      caseMachine.resolveState({
        value: snapshot.value as any,
        context: withPeriodEnds(snapshot.context as CaseContext, (payload as { periodEnds: PeriodEnds }).periodEnds),
      }),
  },
};
