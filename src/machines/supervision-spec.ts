/** The supervision machine as the engine sees it: permissions, deadlines, refusals. */
import type { AnyMachineSnapshot } from 'xstate';
import { endOfDate } from './calendar.js';
import { rolesFor, type Permission } from './policy.js';
import { handledEvents, probeOf, requestSchemas, statePath, type DeadlineSpec, type MachineSpec, type TransitionRefusal } from './spec.js';
import {
  pastDueDate,
  SUPERVISION_MACHINE_VERSION,
  supervisionEventSchemas,
  supervisionInputSchema,
  supervisionMachine,
  type SupervisionContext,
  type SupervisionEventType,
} from './supervision.js';

const committee: Permission = { committee: true };
const court: Permission = { court: true };

/** Only committee staff open, request, evaluate and close; only court staff answer. */
export const supervisionPermissions: Record<SupervisionEventType, Permission> = {
  REQUEST_REPORT: committee,
  SUBMIT_REPORT: court,
  REPORT_OVERDUE: { system: true },
  EVALUATE: committee,
  SUBMIT_RECTIFICATION: court,
  CLOSE: committee,
};

export function supervisionDeadlines(snapshot: AnyMachineSnapshot): DeadlineSpec[] {
  const ctx = snapshot.context as SupervisionContext;
  const state = statePath(snapshot.value);
  if (state === 'awaitingReport' && ctx.reportDueDate && !ctx.overdue) {
    return [{ kind: 'report_due', dueAt: endOfDate(ctx.reportDueDate), event: 'REPORT_OVERDUE' }];
  }
  if (state === 'rectifying' && ctx.rectificationDueDate && !ctx.overdue) {
    return [{ kind: 'rectification_due', dueAt: endOfDate(ctx.rectificationDueDate), event: 'REPORT_OVERDUE' }];
  }
  return [];
}

/**
 * The report deadline a late item ran past (报告逾期): which one, so a list can say by how many
 * days. Null while nothing is late or once the item is closed.
 */
export function supervisionRanOut(snapshot: AnyMachineSnapshot): { kind: string; dueAt: string } | null {
  const ctx = snapshot.context as SupervisionContext;
  if (!ctx.overdue || snapshot.status !== 'active') return null;
  const state = statePath(snapshot.value);
  if (state === 'awaitingReport' && ctx.reportDueDate) return { kind: 'report_due', dueAt: endOfDate(ctx.reportDueDate) };
  if (state === 'rectifying' && ctx.rectificationDueDate) return { kind: 'rectification_due', dueAt: endOfDate(ctx.rectificationDueDate) };
  return null;
}

export function explainSupervisionRefusal(snapshot: AnyMachineSnapshot, event: { type: string }): TransitionRefusal {
  const state = statePath(snapshot.value);
  if (snapshot.status !== 'active') return { reason: 'transition.supervision_closed', params: { event: event.type } };
  if (!handledEvents(snapshot).includes(event.type)) return { reason: 'transition.not_accepted', params: { state, event: event.type } };
  if (event.type === 'REPORT_OVERDUE') return { reason: 'transition.report_not_due' };
  const occurredAt = (event as { occurredAt?: unknown }).occurredAt;
  const past = typeof occurredAt === 'string' ? pastDueDate(event as unknown as { occurredAt: string; dueDate?: string }) : null;
  if (past) return { reason: 'transition.due_date_past', params: { date: past, at: occurredAt } };
  return { reason: 'transition.supervision_conditions', params: { state, event: event.type } };
}

/** The due date is the payload's: unknown while listing what may be sent (MachineSpec `probe`). */
const SUPERVISION_PROBE_GUARDS = { dueDateAhead: true } as const;

export const supervisionSpec: MachineSpec = {
  name: 'supervision',
  version: SUPERVISION_MACHINE_VERSION,
  machine: supervisionMachine,
  probe: probeOf(supervisionMachine, SUPERVISION_PROBE_GUARDS),
  probeGuards: SUPERVISION_PROBE_GUARDS,
  inputSchema: supervisionInputSchema,
  eventSchemas: supervisionEventSchemas,
  request: requestSchemas(supervisionInputSchema, supervisionEventSchemas),
  permissions: supervisionPermissions,
  createRoles: rolesFor('supervision.create'),
  deadlines: supervisionDeadlines,
  explainRefusal: explainSupervisionRefusal,
  facts: () => ({}),
};
