/**
 * The supervision machine (DESIGN.md §4): a committee's list entry (监督事项, 清单管理), tracked
 * until closed (跟踪督办). Pure, like the case machine: times come in on events.
 */
import { assign, setup } from 'xstate';
import { z } from 'zod';
import { endOfDate, shanghaiDate } from './calendar.js';
import { calendarDate, id, instant, optionalText, text, withinHorizon } from './fields.js';

export const SUPERVISION_MACHINE_VERSION = 1;

export const SUPERVISION_KINDS = [
  'enforcement_inspection', // 执法检查
  'enforcement_review', // 申请执行 / 执行监督
  'case_inquiry', // 专题问案
  'deputy_suggestion', // 代表建议
] as const;
export const RATINGS = ['satisfied', 'basically_satisfied', 'unsatisfied'] as const;
export type SupervisionKind = (typeof SUPERVISION_KINDS)[number];
export type Rating = (typeof RATINGS)[number];

export const supervisionInputSchema = z.object({
  kind: z.enum(SUPERVISION_KINDS),
  subject: text(500),
  respondent: text(200),
  caseIds: z
    .array(id)
    .max(200)
    .default([])
    .refine((ids) => new Set(ids).size === ids.length, { message: '案件不能重复' }),
  occurredAt: instant,
});
export type SupervisionInput = z.output<typeof supervisionInputSchema>;

const at = { occurredAt: instant };

export const supervisionEventSchemas = {
  REQUEST_REPORT: z.object({ dueDate: calendarDate, note: optionalText(), ...at }).superRefine(withinHorizon((v) => [[['dueDate'], v.dueDate]])),
  SUBMIT_REPORT: z.object({ content: text(50000), ...at }),
  REPORT_OVERDUE: z.object({ ...at }),
  EVALUATE: z
    .object({ rating: z.enum(RATINGS), opinion: text(20000), dueDate: calendarDate.optional(), ...at })
    .superRefine((v, ctx) => {
      if (v.rating === 'unsatisfied' && !v.dueDate) {
        ctx.addIssue({ code: 'custom', path: ['dueDate'], message: '评议不满意时须确定整改期限' });
      }
    })
    .superRefine(withinHorizon((v) => [[['dueDate'], v.dueDate]])),
  SUBMIT_RECTIFICATION: z.object({ content: text(50000), ...at }),
  CLOSE: z.object({ conclusion: text(20000), ...at }),
} as const;

export type SupervisionEventType = keyof typeof supervisionEventSchemas;
export type SupervisionEvent = {
  [K in SupervisionEventType]: { type: K } & z.output<(typeof supervisionEventSchemas)[K]>;
}[SupervisionEventType];
type E<K extends SupervisionEventType> = Extract<SupervisionEvent, { type: K }>;

export interface SupervisionContext {
  kind: SupervisionKind;
  subject: string;
  respondent: string;
  caseIds: string[];
  openedAt: string;
  lastEventAt: string;
  /** The report (or rectification report) asked for is due by the end of this date. */
  reportDueDate: string | null;
  reportsSubmitted: number;
  rectificationDueDate: string | null;
  rectificationsSubmitted: number;
  /** The report now awaited is late (报告逾期); every late report is also a REPORT_OVERDUE journal row. */
  overdue: boolean;
  rating: Rating | null;
  evaluations: number;
  conclusion: string | null;
  closedAt: string | null;
}

/** The due date an event sets, when it lies before the (Shanghai) day the event happened. */
export function pastDueDate(event: { occurredAt: string; dueDate?: string }): string | null {
  return typeof event.dueDate === 'string' && event.dueDate < shanghaiDate(event.occurredAt) ? event.dueDate : null;
}

const notBefore = (a: string, date: string | null) => date !== null && Date.parse(a) >= Date.parse(endOfDate(date));

export const supervisionMachine = setup({
  types: {
    context: {} as SupervisionContext,
    events: {} as SupervisionEvent,
    input: {} as SupervisionInput,
  },
  guards: {
    reportOverdue: ({ context, event }) => !context.overdue && notBefore(event.occurredAt, context.reportDueDate),
    rectificationOverdue: ({ context, event }) => !context.overdue && notBefore(event.occurredAt, context.rectificationDueDate),
    satisfied: ({ event }) => event.type === 'EVALUATE' && event.rating !== 'unsatisfied',
    /** A report or rectification due date is not already past on the day it was set (judged at occurredAt). */
    dueDateAhead: ({ event }) => pastDueDate(event) === null,
  },
  actions: {
    stamp: assign({ lastEventAt: ({ event }) => event.occurredAt }),
    close: assign(({ event }) => ({ conclusion: (event as E<'CLOSE'>).conclusion, closedAt: event.occurredAt })),
  },
}).createMachine({
  id: 'supervision',
  version: String(SUPERVISION_MACHINE_VERSION),
  context: ({ input }) => ({
    kind: input.kind,
    subject: input.subject,
    respondent: input.respondent,
    caseIds: input.caseIds,
    openedAt: input.occurredAt,
    lastEventAt: input.occurredAt,
    reportDueDate: null,
    reportsSubmitted: 0,
    rectificationDueDate: null,
    rectificationsSubmitted: 0,
    overdue: false,
    rating: null,
    evaluations: 0,
    conclusion: null,
    closedAt: null,
  }),
  initial: 'open',
  // CLOSE is taken in every state but closed. It is declared on each of them, not once on the
  // root: XState still runs a root handler on a machine that is done, so a closed item would
  // take a second CLOSE and have its conclusion rewritten.
  states: {
    open: {
      description: 'Entered on the list (已立项).',
      on: {
        CLOSE: { target: 'closed', actions: ['stamp', 'close'] },
        REQUEST_REPORT: {
          guard: 'dueDateAhead',
          target: 'awaitingReport',
          actions: ['stamp', assign(({ event }) => ({ reportDueDate: (event as E<'REQUEST_REPORT'>).dueDate }))],
        },
      },
    },
    awaitingReport: {
      description: 'The respondent has been asked for a report (待报告).',
      on: {
        CLOSE: { target: 'closed', actions: ['stamp', 'close'] },
        SUBMIT_REPORT: {
          target: 'reviewing',
          actions: ['stamp', assign(({ context }) => ({ reportsSubmitted: context.reportsSubmitted + 1 }))],
        },
        REPORT_OVERDUE: { guard: 'reportOverdue', actions: ['stamp', assign({ overdue: true })] },
      },
    },
    reviewing: {
      description: 'The committee reviews the report (审议).',
      on: {
        CLOSE: { target: 'closed', actions: ['stamp', 'close'] },
        EVALUATE: [
          {
            guard: 'satisfied',
            target: 'closed',
            actions: [
              'stamp',
              assign(({ context, event }) => ({
                rating: (event as E<'EVALUATE'>).rating,
                evaluations: context.evaluations + 1,
                closedAt: event.occurredAt,
              })),
            ],
          },
          {
            guard: 'dueDateAhead',
            target: 'rectifying',
            actions: [
              'stamp',
              assign(({ context, event }) => ({
                rating: (event as E<'EVALUATE'>).rating,
                evaluations: context.evaluations + 1,
                rectificationDueDate: (event as E<'EVALUATE'>).dueDate ?? null,
                // A new due date, a new clock: the flag speaks of the report now awaited.
                overdue: false,
              })),
            ],
          },
        ],
      },
    },
    rectifying: {
      description: 'Rated unsatisfied: rectification under way (整改).',
      on: {
        CLOSE: { target: 'closed', actions: ['stamp', 'close'] },
        SUBMIT_RECTIFICATION: {
          target: 'reviewing',
          actions: ['stamp', assign(({ context }) => ({ rectificationsSubmitted: context.rectificationsSubmitted + 1 }))],
        },
        // The rectification report is a report too: late, it is flagged the same way.
        REPORT_OVERDUE: { guard: 'rectificationOverdue', actions: ['stamp', assign({ overdue: true })] },
      },
    },
    closed: {
      description: 'Closed (办结).',
      type: 'final',
    },
  },
});

export type SupervisionMachine = typeof supervisionMachine;
