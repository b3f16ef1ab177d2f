/**
 * The case machine: one dispute from intake to closure (DESIGN.md §3).
 *
 * Pure: no I/O and no clock. Every event carries `occurredAt` (filled in by the engine when the
 * client leaves it out), and every time in the context comes from an event, so replaying the
 * journal reproduces the stored snapshot exactly.
 */
import { and, assign, setup } from 'xstate';
import { z } from 'zod';
import { addDays, endOfDate, calendarDaysBetween, isValidDate, monthsPeriodEnd, periodEnd, shanghaiDate, shiftDays, addMonthsToDate, type PeriodEnd } from './calendar.js';
import { amount, calendarDate, id, instant, optionalText, positiveAmount, text, wholeNumber, withinHorizon } from './fields.js';
import { toFen } from './money.js';

/** Bumped whenever a change to this definition changes how a stored snapshot must be read. */
export const CASE_MACHINE_VERSION = 1;

export const TRACKS = ['pre_filing', 'post_filing'] as const; // 诉前委派 / 诉中委托
export const PROCEDURES = ['ordinary', 'simple'] as const;
export const SOURCES = [
  'walk_in', // 入站
  'qr_code', // 扫码联
  'hotline', // 热线联
  'home_visit', // 入户联
  'court_referral',
  'enforcement_referral',
] as const;
export const STATION_SOURCES = ['walk_in', 'qr_code', 'hotline', 'home_visit'] as const;
export const RETURN_REASONS = ['out_of_scope', 'no_jurisdiction', 'unsuitable'] as const;
export const FAIL_REASONS = ['no_contact', 'refused', 'gap_too_wide', 'refused_to_sign', 'other'] as const;
export const MEASURE_KINDS = [
  'asset_inquiry',
  'freeze',
  'seize',
  'auction',
  'credit_blacklist',
  'consumption_restriction',
  'travel_ban',
] as const;
export const CONCLUDE_RESULTS = ['fulfilled', 'settled', 'terminated_this_round', 'terminated'] as const;
export const OUTCOMES = [
  'returned',
  'withdrawn',
  'litigation',
  'trial_resumed',
  'performed',
  ...CONCLUDE_RESULTS,
] as const;

export type Track = (typeof TRACKS)[number];
export type Procedure = (typeof PROCEDURES)[number];
export type Source = (typeof SOURCES)[number];
export type Outcome = (typeof OUTCOMES)[number];

/** Mediation periods in calendar days: 诉前委派调解 30 days; 诉中委托调解 15 (ordinary) or 7 (simple). */
export function mediationDays(track: Track, procedure: Procedure): number {
  if (track === 'pre_filing') return 30;
  return procedure === 'simple' ? 7 : 15;
}
/** 司法确认 must be applied for within 30 days of the agreement taking effect. */
export const CONFIRMATION_WINDOW_DAYS = 30;
/** 民诉法 Art 250: enforcement must be applied for within 2 years of the last day of performance. */
export const ENFORCEMENT_BAR_MONTHS = 24;
/** Enforcement should be concluded within 6 months of filing (最高法 执行期限), suspension not counted. */
export const ENFORCEMENT_LIMIT_MONTHS = 6;

// ---------------------------------------------------------------------------------------------
// Creation input and event payloads

const installment = z.object({ dueDate: calendarDate, amount: positiveAmount });

export const caseInputSchema = z
  .object({
    track: z.enum(TRACKS).optional(),
    procedure: z.enum(PROCEDURES).default('ordinary'),
    source: z.enum(SOURCES),
    stationCode: text(32),
    disputeType: text(64),
    summary: text(4000),
    claimAmount: amount.optional(),
    enforceableDocument: optionalText(200),
    owedAmount: positiveAmount.optional(),
    occurredAt: instant,
  })
  .superRefine((v, ctx) => {
    if (v.source === 'enforcement_referral') {
      if (!v.enforceableDocument)
        ctx.addIssue({ code: 'custom', path: ['enforceableDocument'], message: '执行转入案件须填写执行依据文书' });
      if (!v.owedAmount) ctx.addIssue({ code: 'custom', path: ['owedAmount'], message: '执行转入案件须填写应执行金额' });
    } else if (!v.track) {
      ctx.addIssue({ code: 'custom', path: ['track'], message: '须选择 pre_filing（诉前）或 post_filing（诉中）' });
    }
  });
export type CaseInput = z.output<typeof caseInputSchema>;

const note = { note: optionalText() };
const at = { occurredAt: instant };
/**
 * An amount above what is still owed is refused unless the sender says it is meant (issue 15 §1:
 * a ¥15,000 payment against a ¥12,000 agreement once closed a case for good by a typo). The flag
 * is part of the payload, so the journal keeps it and replay takes the same branch.
 */
const confirmOverpayment = z.boolean().optional();

/** Every event's payload, by type. `occurredAt` is always there once the engine has parsed it. */
export const caseEventSchemas = {
  ACCEPT: z.object({ ...note, ...at }),
  RETURN: z.object({ reason: z.enum(RETURN_REASONS), ...note, ...at }),
  ASSIGN: z.object({
    mediatorName: optionalText(100),
    deputyIds: z
      .array(id)
      .min(1, { message: '至少指派一名人大代表' })
      .refine((ids) => new Set(ids).size === ids.length, { message: '代表不能重复' }),
    ...at,
  }),
  RECUSE: z.object({ deputyId: id, reason: text(), ...at }),
  SCHEDULE_SESSION: z.object({ at: instant, location: text(200), ...at }).superRefine(withinHorizon((v) => [[['at'], v.at]])),
  RECORD_SESSION: z.object({
    heldAt: instant,
    attendeeDeputyIds: z
      .array(id)
      .default([])
      .refine((ids) => new Set(ids).size === ids.length, { message: '代表不能重复' }),
    minutes: text(20000),
    ...at,
  }).superRefine(withinHorizon((v) => [[['heldAt'], v.heldAt]])),
  PAUSE: z.object({ reason: text(), ...at }),
  RESUME: z.object({ ...note, ...at }),
  EXTEND: z.object({
    days: wholeNumber(1, 90),
    partiesConsent: z.literal(true, { message: '延长调解期限须经双方当事人同意（partiesConsent: true）' }),
    ...at,
  }),
  REACH_AGREEMENT: z
    .object({
      terms: text(20000),
      amount,
      dueDate: calendarDate,
      installments: z.array(installment).min(1).max(120).optional(),
      ...at,
    })
    .superRefine((v, ctx) => {
      // zod still runs this after a field issue (an empty list, a bad amount or date), with the
      // raw values: compare only what parsed, so a bad field is one 400, never a TypeError.
      if (!v.installments?.length || toFen(v.amount) === null || !isValidDate(v.dueDate)) return;
      if (v.installments.some((i) => toFen(i.amount) === null || !isValidDate(i.dueDate))) return;
      const sum = v.installments.reduce((s, i) => s + toFen(i.amount)!, 0);
      if (sum !== toFen(v.amount))
        ctx.addIssue({ code: 'custom', path: ['installments'], message: '分期金额之和须等于协议金额' });
      const last = [...v.installments].sort((a, b) => a.dueDate.localeCompare(b.dueDate)).at(-1)!;
      if (last.dueDate > v.dueDate)
        ctx.addIssue({ code: 'custom', path: ['installments'], message: '分期履行日期不能晚于协议履行期限' });
    })
    .superRefine(withinHorizon((v) => [[['dueDate'], v.dueDate], ...(Array.isArray(v.installments) ? v.installments : []).map((i, n): [(string | number)[], unknown] => [['installments', n, 'dueDate'], i?.dueDate])])),
  FAIL: z.object({ reason: z.enum(FAIL_REASONS), ...note, ...at }),
  WITHDRAW: z.object({ ...note, ...at }),
  MEDIATION_EXPIRED: z.object({ ...at }),
  APPLY_CONFIRMATION: z.object({ ...note, ...at }),
  CONFIRM: z.object({ rulingNumber: text(100), ...at }),
  DENY_CONFIRMATION: z.object({ reason: text(), ...at }),
  // "0.00" only closes an agreement that owes nothing (a non-monetary one: an apology, a wall
  // rebuilt); where money is owed the guard refuses it (amountWithinOwed).
  RECORD_PERFORMANCE: z.object({ amount, confirmOverpayment, ...note, ...at }),
  PERFORMANCE_OVERDUE: z.object({ ...at }),
  REPORT_DEFAULT: z.object({ ...note, ...at }),
  APPLY_ENFORCEMENT: z.object({ enforcementCaseNumber: text(100), ...at }),
  FILE_LAWSUIT: z.object({ ...note, ...at }),
  RECORD_MEASURE: z.object({ kind: z.enum(MEASURE_KINDS), ...note, ...at }),
  RECORD_RECOVERY: z.object({ amount: positiveAmount, confirmOverpayment, ...note, ...at }),
  SUSPEND: z.object({ reason: text(), ...at }),
  CONCLUDE: z.object({ result: z.enum(CONCLUDE_RESULTS), ...note, ...at }),
  ENFORCEMENT_OVERDUE: z.object({ ...at }),
} as const;

export type CaseEventType = keyof typeof caseEventSchemas;
export const CASE_EVENT_TYPES = Object.keys(caseEventSchemas) as CaseEventType[];
export type CaseEvent = {
  [K in CaseEventType]: { type: K } & z.output<(typeof caseEventSchemas)[K]>;
}[CaseEventType];
type E<K extends CaseEventType> = Extract<CaseEvent, { type: K }>;

// ---------------------------------------------------------------------------------------------
// Context

export interface Agreement {
  terms: string;
  amountFen: number;
  dueDate: string;
  installments: { dueDate: string; amountFen: number }[] | null;
  reachedAt: string;
}

export interface CaseContext {
  track: Track;
  procedure: Procedure;
  source: Source;
  stationCode: string;
  disputeType: string;
  openedAt: string;
  /** occurredAt of the latest event: a later event may not be earlier. */
  lastEventAt: string;
  claimFen: number | null;
  mediatorName: string | null;
  /** Deputies assigned now; a recused deputy leaves this list. */
  deputyIds: string[];
  recusedDeputyIds: string[];
  sessionsHeld: number;
  /** Sum of deputies present over all sessions (代表参与人次). */
  deputyAttendances: number;
  nextSession: { at: string; location: string } | null;
  mediationStartedAt: string | null;
  mediationDueAt: string | null;
  pausedAt: string | null;
  extendedDays: number;
  agreement: Agreement | null;
  /** 可强制执行: a confirmed agreement, a court mediation document, or a referred enforceable document. */
  enforceable: boolean;
  confirmationAppliedAt: string | null;
  rulingNumber: string | null;
  paidFen: number;
  defaultedAt: string | null;
  enforceableDocument: string | null;
  enforcementCaseNumber: string | null;
  owedFen: number | null;
  recoveredFen: number;
  measures: string[];
  enforcementStartedAt: string | null;
  enforcementDueAt: string | null;
  suspendedAt: string | null;
  /** The current stage ran past its statutory limit (performance or enforcement). */
  overdue: boolean;
  outcome: Outcome | null;
  outcomeReason: string | null;
  closedAt: string | null;
  /**
   * The 民诉法 Art 85 ends of the periods below, as the engine computed them with the statutory
   * calendar and stamped them into the event that started or moved each period (or into a
   * `CALENDAR_CHANGED` record when the admin replaced a year). Absent in snapshots written before
   * the calendar existed, and for a period no stamp has reached: such a period ends at the end of
   * its last calendar day, as it always did, so old journals replay exactly.
   */
  periodEnds?: PeriodEnds;
}

/** The periods 民诉法 Art 85 moves (DESIGN §11); not `performance`, `enforcement_limit`, nor supervision dates. */
export const LEGAL_PERIOD_KINDS = ['mediation_expiry', 'confirmation_window', 'enforcement_bar'] as const;
export type LegalPeriodKind = (typeof LEGAL_PERIOD_KINDS)[number];
export type PeriodEnds = Partial<Record<LegalPeriodKind, PeriodEnd>>;
/** The events that start or move an Art 85 period: the engine stamps their ends into them. */
export const PERIOD_EVENTS: readonly CaseEventType[] = ['ASSIGN', 'EXTEND', 'RESUME', 'REACH_AGREEMENT', 'DENY_CONFIRMATION'];

// ---------------------------------------------------------------------------------------------
// Derived times

/** The date performance is next due: the first instalment not yet covered by payments, else the due date. */
export function performanceDueDate(ctx: CaseContext): string | null {
  const a = ctx.agreement;
  if (!a) return null;
  if (a.installments) {
    let cumulative = 0;
    for (const i of [...a.installments].sort((x, y) => x.dueDate.localeCompare(y.dueDate))) {
      cumulative += i.amountFen;
      if (cumulative > ctx.paidFen) return i.dueDate;
    }
  }
  return a.dueDate;
}

/** When performance is late: the end of the day it is next due. */
export function performanceDueAt(ctx: CaseContext): string | null {
  const date = performanceDueDate(ctx);
  return date === null ? null : endOfDate(date);
}

/** What is still owed under the agreement, in fen (0 once paid in full); null without an agreement. */
export function outstandingFen(ctx: CaseContext): number | null {
  return ctx.agreement ? Math.max(0, ctx.agreement.amountFen - ctx.paidFen) : null;
}

/** What enforcement has still to recover, in fen; null when no amount is owed on record. */
export function unrecoveredFen(ctx: CaseContext): number | null {
  return ctx.owedFen === null ? null : Math.max(0, ctx.owedFen - ctx.recoveredFen);
}

/** The amount a payment event may carry without `confirmOverpayment`, in fen (null: no limit). */
export function payableFen(ctx: CaseContext, type: 'RECORD_PERFORMANCE' | 'RECORD_RECOVERY'): number | null {
  return type === 'RECORD_PERFORMANCE' ? outstandingFen(ctx) : unrecoveredFen(ctx);
}

/**
 * The first date an event sets that lies before the day it happened (Shanghai), if any: an
 * agreement's due date and instalments, judged at the event's occurredAt, so a backdated entry of
 * offline work is judged by the day the work was done.
 */
export function pastDueDate(event: { type: string; occurredAt: string; dueDate?: string; installments?: { dueDate: string }[] }): string | null {
  const today = shanghaiDate(event.occurredAt);
  const dates = [event.dueDate, ...(event.installments ?? []).map((i) => i.dueDate)].filter((d): d is string => typeof d === 'string');
  return dates.filter((d) => d < today).sort()[0] ?? null;
}

/**
 * The last calendar day of each Art 85 period the context defines, before Art 85 moves it: the
 * mediation period (as started, extended and paused), the 30-day confirmation window and the
 * two-year enforcement bar.
 */
export function legalPeriods(ctx: CaseContext): Readonly<Partial<Record<LegalPeriodKind, string>>> {
  // A context is never changed (an assign makes a new one): its periods are computed once. A
  // request asks for them a dozen times (guards, deadlines before and after, the view), each a
  // few date conversions.
  let out = periodsOf.get(ctx);
  if (out) return out;
  // They follow from mediationDueAt and the agreement alone. A write asks for them of the context it
  // read and then of the one its event made; most events (sessions, measures, payments) change
  // neither, and the second is the first's, not computed again (~1 µs).
  if (ctx.mediationDueAt === lastPeriods.mediationDueAt && ctx.agreement === lastPeriods.agreement) {
    periodsOf.set(ctx, lastPeriods.periods);
    return lastPeriods.periods;
  }
  const periods: Partial<Record<LegalPeriodKind, string>> = {};
  // mediationDueAt is the start of the day after the last day (periodEnd, moved by whole days).
  if (ctx.mediationDueAt) periods.mediation_expiry = addDays(shanghaiDate(ctx.mediationDueAt), -1);
  if (ctx.agreement) {
    periods.confirmation_window = addDays(shanghaiDate(ctx.agreement.reachedAt), CONFIRMATION_WINDOW_DAYS);
    periods.enforcement_bar = addMonthsToDate(ctx.agreement.dueDate, ENFORCEMENT_BAR_MONTHS);
  }
  out = Object.freeze(periods);
  periodsOf.set(ctx, out);
  lastPeriods = { mediationDueAt: ctx.mediationDueAt, agreement: ctx.agreement, periods: out };
  return out;
}
const periodsOf = new WeakMap<CaseContext, Readonly<Partial<Record<LegalPeriodKind, string>>>>();
/** The last periods computed, and what they were computed from (an agreement is never changed: compared by identity). */
let lastPeriods: { mediationDueAt: unknown; agreement: unknown; periods: Readonly<Partial<Record<LegalPeriodKind, string>>> } = {
  mediationDueAt: {},
  agreement: {},
  periods: Object.freeze({}),
};

/** The stamped end of an Art 85 period, when one was stamped for its current last day. */
export function stampedEnd(ctx: CaseContext, kind: LegalPeriodKind): PeriodEnd | null {
  const last = legalPeriods(ctx)[kind];
  const stamped = ctx.periodEnds?.[kind];
  return last && stamped && stamped.lastDay === last ? stamped : null;
}

/** When an Art 85 period has expired: its stamped end, else the end of its last calendar day. */
export function legalPeriodEnd(ctx: CaseContext, kind: LegalPeriodKind): string | null {
  const last = legalPeriods(ctx)[kind];
  if (!last) return null;
  return stampedEnd(ctx, kind)?.dueAt ?? endOfDate(last);
}

export function mediationExpiresAt(ctx: CaseContext): string | null {
  return legalPeriodEnd(ctx, 'mediation_expiry');
}

export function confirmationWindowEndsAt(ctx: CaseContext): string | null {
  return legalPeriodEnd(ctx, 'confirmation_window');
}

export function enforcementBarAt(ctx: CaseContext): string | null {
  return legalPeriodEnd(ctx, 'enforcement_bar');
}

/**
 * After an event that started or moved a period: keep the stamps that still match their period's
 * last day, take the event's. Nothing changes for a case that never had a stamp (old journals).
 */
function nextPeriodEnds(ctx: CaseContext, stamps: PeriodEnds | undefined): Partial<CaseContext> {
  if (!stamps && !ctx.periodEnds) return {};
  const periods = legalPeriods(ctx);
  const out: PeriodEnds = {};
  for (const kind of LEGAL_PERIOD_KINDS) {
    const last = periods[kind];
    if (!last) continue;
    const s = stamps?.[kind];
    const kept = ctx.periodEnds?.[kind];
    if (s && s.lastDay === last) out[kind] = s;
    else if (kept && kept.lastDay === last) out[kind] = kept;
  }
  return { periodEnds: out };
}

/**
 * A `CALENDAR_CHANGED` record (the admin replaced a year of the statutory calendar): the new ends
 * of the open periods it moved. Not an event anyone sends: the engine journals it and replay
 * applies it with this same function.
 */
export function withPeriodEnds(ctx: CaseContext, ends: PeriodEnds): CaseContext {
  return { ...ctx, periodEnds: { ...ctx.periodEnds, ...ends } };
}

const before = (a: string, b: string | null) => b !== null && Date.parse(a) < Date.parse(b);
const notBefore = (a: string, b: string | null) => b !== null && Date.parse(a) >= Date.parse(b);

function closing(outcome: Outcome, reason: string | null, at: string): Partial<CaseContext> {
  return { outcome, outcomeReason: reason, closedAt: at, nextSession: null };
}

function failureOutcome(ctx: CaseContext): Outcome {
  return ctx.track === 'post_filing' ? 'trial_resumed' : 'litigation';
}

// ---------------------------------------------------------------------------------------------
// The machine

export const caseMachine = setup({
  types: {
    context: {} as CaseContext,
    events: {} as CaseEvent,
    input: {} as CaseInput,
  },
  guards: {
    isEnforcementReferral: ({ context }) => context.source === 'enforcement_referral',
    deputyIsAssigned: ({ context, event }) =>
      event.type === 'RECUSE' && context.deputyIds.includes(event.deputyId),
    isLastDeputy: ({ context, event }) =>
      event.type === 'RECUSE' && context.deputyIds.length === 1 && context.deputyIds[0] === event.deputyId,
    attendeesAreAssigned: ({ context, event }) =>
      event.type === 'RECORD_SESSION' && event.attendeeDeputyIds.every((d) => context.deputyIds.includes(d)),
    mediationExpired: ({ context, event }) => notBefore(event.occurredAt, mediationExpiresAt(context)),
    canApplyConfirmation: ({ context, event }) =>
      context.track === 'pre_filing' &&
      !context.enforceable &&
      before(event.occurredAt, confirmationWindowEndsAt(context)),
    paysInFull: ({ context, event }) =>
      event.type === 'RECORD_PERFORMANCE' &&
      context.agreement !== null &&
      context.paidFen + toFen(event.amount)! >= context.agreement.amountFen,
    /**
     * A payment or recovery up to what is still owed, or above it with `confirmOverpayment: true`;
     * nothing paid (0) only to record the performance of an agreement that owes nothing.
     */
    amountWithinOwed: ({ context, event }) => {
      if (event.type !== 'RECORD_PERFORMANCE' && event.type !== 'RECORD_RECOVERY') return false;
      const limit = payableFen(context, event.type);
      if (toFen(event.amount) === 0) return limit === 0;
      return event.confirmOverpayment === true || limit === null || toFen(event.amount)! <= limit;
    },
    /**
     * A session is not scheduled before the case was registered. A session *held* earlier is
     * recorded as it was: a walk-in dispute is often mediated on the spot and registered after.
     */
    sessionAfterRegistration: ({ context, event }) => event.type === 'SCHEDULE_SESSION' && !before(event.at, context.openedAt),
    /** An agreement's due dates are not already past on the day it was reached. */
    dueDatesAhead: ({ event }) => event.type === 'REACH_AGREEMENT' && pastDueDate(event) === null,
    /** 报告未履行 only once something is due: the first instalment not yet covered, or the due date. */
    somethingDue: ({ context, event }) => {
      const due = performanceDueDate(context);
      return due !== null && shanghaiDate(event.occurredAt) >= due;
    },
    performanceOverdue: ({ context, event }) => notBefore(event.occurredAt, performanceDueAt(context)),
    canApplyEnforcement: ({ context, event }) =>
      context.enforceable && before(event.occurredAt, enforcementBarAt(context)),
    notEnforceable: ({ context }) => !context.enforceable,
    enforcementOverdue: ({ context, event }) =>
      !context.overdue && notBefore(event.occurredAt, context.enforcementDueAt),
  },
  actions: {
    stamp: assign({ lastEventAt: ({ event }) => event.occurredAt }),
    /** After an event that starts or moves an Art 85 period: the ends the engine stamped into it. */
    periodEnds: assign(({ context, event }) => nextPeriodEnds(context, (event as { periodEnds?: PeriodEnds }).periodEnds)),
    /** RECORD_PERFORMANCE, from performing and from defaulted alike. */
    addPayment: assign(({ context, event }) => ({
      paidFen: context.paidFen + toFen((event as E<'RECORD_PERFORMANCE'>).amount)!,
    })),
    closePerformed: assign(({ event }) => closing('performed', null, event.occurredAt)),
    startEnforcementReferral: assign(({ context }) => ({
      enforceable: true,
      enforcementStartedAt: context.openedAt,
      enforcementDueAt: monthsPeriodEnd(context.openedAt, ENFORCEMENT_LIMIT_MONTHS),
    })),
  },
}).createMachine({
  id: 'case',
  version: String(CASE_MACHINE_VERSION),
  context: ({ input }) => ({
    track: input.track ?? 'pre_filing',
    procedure: input.procedure,
    source: input.source,
    stationCode: input.stationCode,
    disputeType: input.disputeType,
    openedAt: input.occurredAt,
    lastEventAt: input.occurredAt,
    claimFen: input.claimAmount === undefined ? null : toFen(input.claimAmount),
    mediatorName: null,
    deputyIds: [],
    recusedDeputyIds: [],
    sessionsHeld: 0,
    deputyAttendances: 0,
    nextSession: null,
    mediationStartedAt: null,
    mediationDueAt: null,
    pausedAt: null,
    extendedDays: 0,
    agreement: null,
    enforceable: false,
    confirmationAppliedAt: null,
    rulingNumber: null,
    paidFen: 0,
    defaultedAt: null,
    enforceableDocument: input.enforceableDocument ?? null,
    enforcementCaseNumber: null,
    owedFen: input.owedAmount === undefined ? null : toFen(input.owedAmount),
    recoveredFen: 0,
    measures: [],
    enforcementStartedAt: null,
    enforcementDueAt: null,
    suspendedAt: null,
    overdue: false,
    outcome: null,
    outcomeReason: null,
    closedAt: null,
  }),
  initial: 'opening',
  states: {
    opening: {
      description: 'Transient: an enforcement referral opens straight in enforcement.',
      always: [
        { guard: 'isEnforcementReferral', target: 'enforcement.active', actions: 'startEnforcementReferral' },
        { target: 'intake.screening' },
      ],
    },
    intake: {
      initial: 'screening',
      on: {
        WITHDRAW: {
          target: 'closed',
          actions: ['stamp', assign(({ event }) => closing('withdrawn', null, event.occurredAt))],
        },
      },
      states: {
        screening: {
          description: 'Registered, awaiting screening (登记待审查).',
          on: {
            ACCEPT: { target: '#case.mediation.assigning', actions: 'stamp' },
            RETURN: {
              target: '#case.closed',
              actions: ['stamp', assign(({ event }) => closing('returned', (event as E<'RETURN'>).reason, event.occurredAt))],
            },
          },
        },
      },
    },
    mediation: {
      initial: 'assigning',
      on: {
        FAIL: {
          target: 'closed',
          actions: [
            'stamp',
            assign(({ context, event }) => closing(failureOutcome(context), (event as E<'FAIL'>).reason, event.occurredAt)),
          ],
        },
        WITHDRAW: {
          target: 'closed',
          actions: ['stamp', assign(({ event }) => closing('withdrawn', null, event.occurredAt))],
        },
      },
      states: {
        assigning: {
          description: 'Accepted, awaiting a mediator and deputies (待指派).',
          on: {
            ASSIGN: {
              target: 'active',
              actions: [
                'stamp',
                assign(({ context, event }) => {
                  const e = event as E<'ASSIGN'>;
                  // The mediation clock starts at the first assignment; re-assigning after every
                  // deputy recused does not restart it.
                  const started = context.mediationDueAt !== null;
                  return {
                    mediatorName: e.mediatorName ?? context.mediatorName,
                    deputyIds: e.deputyIds,
                    mediationStartedAt: started ? context.mediationStartedAt : e.occurredAt,
                    mediationDueAt: started
                      ? context.mediationDueAt
                      : periodEnd(e.occurredAt, mediationDays(context.track, context.procedure)),
                  };
                }),
                'periodEnds',
              ],
            },
          },
        },
        active: {
          description: 'Mediation under way; the mediation clock runs (调解中).',
          on: {
            RECUSE: [
              {
                guard: 'isLastDeputy',
                target: 'assigning',
                actions: [
                  'stamp',
                  assign(({ context, event }) => ({
                    deputyIds: [],
                    recusedDeputyIds: [...context.recusedDeputyIds, (event as E<'RECUSE'>).deputyId],
                  })),
                ],
              },
              {
                guard: 'deputyIsAssigned',
                actions: [
                  'stamp',
                  assign(({ context, event }) => {
                    const d = (event as E<'RECUSE'>).deputyId;
                    return {
                      deputyIds: context.deputyIds.filter((x) => x !== d),
                      recusedDeputyIds: [...context.recusedDeputyIds, d],
                    };
                  }),
                ],
              },
            ],
            // Sessions are most of a journal: each is stamped in its own assign, one copy of the
            // context per event instead of two (`stamp`, then the change), which is what replay
            // and the write path spend their time on.
            SCHEDULE_SESSION: {
              guard: 'sessionAfterRegistration',
              actions: assign(({ event }) => {
                const e = event as E<'SCHEDULE_SESSION'>;
                return { lastEventAt: e.occurredAt, nextSession: { at: e.at, location: e.location } };
              }),
            },
            RECORD_SESSION: {
              guard: 'attendeesAreAssigned',
              actions: assign(({ context, event }) => ({
                lastEventAt: event.occurredAt,
                sessionsHeld: context.sessionsHeld + 1,
                deputyAttendances: context.deputyAttendances + (event as E<'RECORD_SESSION'>).attendeeDeputyIds.length,
                nextSession: null,
              })),
            },
            PAUSE: {
              target: 'paused',
              actions: ['stamp', assign(({ event }) => ({ pausedAt: event.occurredAt }))],
            },
            EXTEND: {
              actions: [
                'stamp',
                assign(({ context, event }) => {
                  const days = (event as E<'EXTEND'>).days;
                  return { mediationDueAt: shiftDays(context.mediationDueAt!, days), extendedDays: context.extendedDays + days };
                }),
                'periodEnds',
              ],
            },
            REACH_AGREEMENT: {
              guard: 'dueDatesAhead',
              target: '#case.agreement.performing',
              actions: [
                'stamp',
                assign(({ context, event }) => {
                  const e = event as E<'REACH_AGREEMENT'>;
                  return {
                    agreement: {
                      terms: e.terms,
                      amountFen: toFen(e.amount)!,
                      dueDate: e.dueDate,
                      installments: e.installments?.map((i) => ({ dueDate: i.dueDate, amountFen: toFen(i.amount)! })) ?? null,
                      reachedAt: e.occurredAt,
                    },
                    paidFen: 0,
                    // 诉中调解 is recorded in a court mediation document (调解书), enforceable at once.
                    enforceable: context.track === 'post_filing',
                    nextSession: null,
                  };
                }),
                'periodEnds',
              ],
            },
            MEDIATION_EXPIRED: {
              guard: 'mediationExpired',
              target: '#case.closed',
              actions: [
                'stamp',
                assign(({ context, event }) => closing(failureOutcome(context), 'deadline_expired', event.occurredAt)),
              ],
            },
          },
        },
        paused: {
          description: 'Clock stopped, e.g. for an appraisal (鉴定); the days paused are added back.',
          on: {
            RESUME: {
              target: 'active',
              actions: [
                'stamp',
                assign(({ context, event }) => ({
                  mediationDueAt: shiftDays(context.mediationDueAt!, calendarDaysBetween(context.pausedAt!, event.occurredAt)),
                  pausedAt: null,
                })),
                'periodEnds',
              ],
            },
          },
        },
      },
    },
    agreement: {
      initial: 'performing',
      states: {
        performing: {
          description: 'Agreement signed; awaiting performance (履行中).',
          on: {
            APPLY_CONFIRMATION: {
              guard: 'canApplyConfirmation',
              target: 'confirming',
              actions: ['stamp', assign(({ event }) => ({ confirmationAppliedAt: event.occurredAt }))],
            },
            RECORD_PERFORMANCE: [
              { guard: and(['amountWithinOwed', 'paysInFull']), target: '#case.closed', actions: ['stamp', 'addPayment', 'closePerformed'] },
              { guard: 'amountWithinOwed', actions: ['stamp', 'addPayment'] },
            ],
            PERFORMANCE_OVERDUE: {
              guard: 'performanceOverdue',
              target: 'defaulted',
              actions: ['stamp', assign(({ event }) => ({ overdue: true, defaultedAt: event.occurredAt }))],
            },
            REPORT_DEFAULT: {
              guard: 'somethingDue',
              target: 'defaulted',
              actions: ['stamp', assign(({ event }) => ({ defaultedAt: event.occurredAt }))],
            },
          },
        },
        confirming: {
          description: 'Judicial confirmation (司法确认) applied for.',
          on: {
            CONFIRM: {
              target: 'performing',
              actions: [
                'stamp',
                assign(({ event }) => ({ enforceable: true, rulingNumber: (event as E<'CONFIRM'>).rulingNumber })),
              ],
            },
            DENY_CONFIRMATION: {
              target: '#case.mediation.active',
              actions: [
                'stamp',
                assign(({ context, event }) => ({
                  agreement: null,
                  paidFen: 0,
                  confirmationAppliedAt: null,
                  mediationStartedAt: event.occurredAt,
                  mediationDueAt: periodEnd(event.occurredAt, mediationDays(context.track, context.procedure)),
                  extendedDays: 0,
                })),
                'periodEnds',
              ],
            },
          },
        },
        defaulted: {
          description: 'Performance overdue or reported not done (未履行).',
          on: {
            RECORD_PERFORMANCE: [
              { guard: and(['amountWithinOwed', 'paysInFull']), target: '#case.closed', actions: ['stamp', 'addPayment', 'closePerformed'] },
              { guard: 'amountWithinOwed', actions: ['stamp', 'addPayment'] },
            ],
            APPLY_ENFORCEMENT: {
              guard: 'canApplyEnforcement',
              target: '#case.enforcement.active',
              actions: [
                'stamp',
                assign(({ context, event }) => ({
                  enforcementCaseNumber: (event as E<'APPLY_ENFORCEMENT'>).enforcementCaseNumber,
                  owedFen: context.agreement!.amountFen - context.paidFen,
                  enforcementStartedAt: event.occurredAt,
                  enforcementDueAt: monthsPeriodEnd(event.occurredAt, ENFORCEMENT_LIMIT_MONTHS),
                  overdue: false,
                })),
              ],
            },
            FILE_LAWSUIT: {
              guard: 'notEnforceable',
              target: '#case.closed',
              actions: ['stamp', assign(({ event }) => closing('litigation', null, event.occurredAt))],
            },
          },
        },
      },
    },
    enforcement: {
      initial: 'active',
      on: {
        CONCLUDE: {
          target: 'closed',
          actions: [
            'stamp',
            assign(({ event }) => {
              const result = (event as E<'CONCLUDE'>).result;
              return closing(result, null, event.occurredAt);
            }),
          ],
        },
      },
      states: {
        active: {
          description: 'Enforcement filed; the 6-month clock runs (执行中).',
          on: {
            RECORD_MEASURE: {
              actions: ['stamp', assign(({ context, event }) => ({ measures: [...context.measures, (event as E<'RECORD_MEASURE'>).kind] }))],
            },
            RECORD_RECOVERY: {
              guard: 'amountWithinOwed',
              actions: [
                'stamp',
                assign(({ context, event }) => ({
                  recoveredFen: context.recoveredFen + toFen((event as E<'RECORD_RECOVERY'>).amount)!,
                })),
              ],
            },
            SUSPEND: {
              target: 'suspended',
              actions: ['stamp', assign(({ event }) => ({ suspendedAt: event.occurredAt }))],
            },
            ENFORCEMENT_OVERDUE: {
              guard: 'enforcementOverdue',
              actions: ['stamp', assign({ overdue: true })],
            },
          },
        },
        suspended: {
          description: 'Enforcement suspended (中止); the clock stops.',
          on: {
            RESUME: {
              target: 'active',
              actions: [
                'stamp',
                assign(({ context, event }) => ({
                  enforcementDueAt: shiftDays(context.enforcementDueAt!, calendarDaysBetween(context.suspendedAt!, event.occurredAt)),
                  suspendedAt: null,
                })),
              ],
            },
          },
        },
      },
    },
    closed: {
      description: 'Final; `outcome` says how (结案).',
      type: 'final',
    },
  },
});

export type CaseMachine = typeof caseMachine;
