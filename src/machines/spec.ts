/**
 * What the engine needs to know about a machine, as data: the engine is written once against
 * this and serves both the case and the supervision machine.
 */
import type { AnyMachineSnapshot, AnyStateMachine, AnyStateNode } from 'xstate';
import type { z } from 'zod';
import { instant } from './fields.js';
import { permits, type AccessFacts, type Permission } from './policy.js';
import { ROLES, type Actor, type Role } from './roles.js';

export interface DeadlineSpec {
  kind: string;
  dueAt: string;
  /** The event the sweeper sends when it is due; null for a deadline shown but not enforced. */
  event: string | null;
  /** A 民诉法 Art 85 end computed in a year the statutory calendar does not cover (weekends only). */
  calendarMissing?: true;
}

/**
 * How the statutory calendar reaches a machine that has 民诉法 Art 85 periods (DESIGN §11), as
 * data: the engine computes the ends with the calendar and stamps them into the event that starts
 * or moves a period (`stamp`), and journals a record when a calendar edit moves an open one
 * (`record`). The machine itself stays pure; replay reads what the journal holds.
 */
export interface LegalTimeSpec {
  /** The events that may start or move a period (the others are never stamped). */
  events: readonly string[];
  /** The last calendar day of each period the snapshot defines, before Art 85 moves it. */
  periods(snapshot: AnyMachineSnapshot): Record<string, string>;
  /** The periods whose ends the snapshot's deadlines show now: a calendar edit moves these. */
  open(snapshot: AnyMachineSnapshot): string[];
  /** The end the snapshot holds for a period now (a stamp, or the end of its last day). */
  current(snapshot: AnyMachineSnapshot, kind: string): { dueAt: string; calendarMissing?: true } | null;
  /** The journal row type of a calendar edit's record, and how it applies (pure; replay uses it too). */
  recordType: string;
  record(snapshot: AnyMachineSnapshot, payload: unknown): AnyMachineSnapshot;
}

/** Why a machine refuses an event: a closed reason and its parameters (worded at the edge, src/messages.ts). */
export type TransitionReason =
  | 'transition.case_closed'
  | 'transition.supervision_closed'
  | 'transition.not_accepted'
  | 'transition.recuse_not_assigned'
  | 'transition.attendees_not_assigned'
  | 'transition.confirmation_post_filing'
  | 'transition.already_enforceable'
  | 'transition.confirmation_window'
  | 'transition.not_enforceable'
  | 'transition.enforcement_barred'
  | 'transition.lawsuit_enforceable'
  | 'transition.mediation_not_due'
  | 'transition.performance_not_due'
  | 'transition.enforcement_marked'
  | 'transition.enforcement_not_due'
  | 'transition.conditions'
  | 'transition.supervision_conditions'
  | 'transition.report_not_due'
  | 'transition.overpayment'
  | 'transition.overrecovery'
  | 'transition.nothing_paid'
  | 'transition.session_before_registration'
  | 'transition.due_date_past'
  | 'transition.nothing_due';

export interface TransitionRefusal {
  reason: TransitionReason;
  params?: Record<string, unknown>;
}

export interface MachineSpec {
  name: 'case' | 'supervision';
  version: number;
  machine: AnyStateMachine;
  /**
   * The same machine with payload-dependent guards passed, used to list the events a caller could
   * send now (the payload is not known yet; state, context and time guards still apply): made by
   * `probeOf` from `probeGuards`.
   */
  probe: AnyStateMachine;
  /** The probe's guards: each payload-dependent guard's fixed answer. */
  probeGuards: Readonly<Record<string, boolean>>;
  /** The creation's input and each event's payload as the machine takes them: `occurredAt` always there. */
  inputSchema: z.ZodType;
  eventSchemas: Record<string, z.ZodType>;
  /** The same as a client sends them (`requestSchemas`): what the engine parses a request with, and the API describes. */
  request: RequestSchemas;
  permissions: Record<string, Permission>;
  createRoles: readonly Role[];
  /** Deadlines that follow from a snapshot: rewritten after every event. */
  deadlines(snapshot: AnyMachineSnapshot): DeadlineSpec[];
  /** Why `event` is refused in `snapshot`, as data. */
  explainRefusal(snapshot: AnyMachineSnapshot, event: { type: string; occurredAt?: string }): TransitionRefusal;
  facts(snapshot: AnyMachineSnapshot): AccessFacts;
  /** Set for a machine with 民诉法 Art 85 periods. */
  legalTime?: LegalTimeSpec;
}

export interface RequestSchemas {
  input: z.ZodObject;
  events: Record<string, z.ZodObject>;
}

/**
 * A machine's creation and event schemas as a client sends them: `occurredAt` may be left out
 * (DESIGN §5) — the engine fills in the moment it writes before the machine sees the event, so
 * the machine's own schemas require it and these do not. Everything else, refinements included,
 * is the machine's.
 */
export function requestSchemas(input: z.ZodObject, events: Record<string, z.ZodObject>): RequestSchemas {
  const sent = (schema: z.ZodObject) => schema.safeExtend({ occurredAt: instant.optional() });
  return { input: sent(input), events: Object.fromEntries(Object.entries(events).map(([type, schema]) => [type, sent(schema)])) };
}

/**
 * The events a signed-in user may ever send: those the machine's role table gives to some user
 * role. The rest (MEDIATION_EXPIRED, REPORT_OVERDUE …) are the sweeper's alone (`system`): any
 * user sending one is refused (403), so the API does not offer them.
 */
export function userEventTypes(spec: Pick<MachineSpec, 'eventSchemas' | 'permissions'>): string[] {
  return Object.keys(spec.eventSchemas).filter((type) => {
    const rule = spec.permissions[type] as Record<string, unknown> | undefined;
    return ROLES.some((role) => rule?.[role] !== undefined);
  });
}

/** The machine with each of `guards` answering as given, whatever the context, event and time (MachineSpec `probe`). */
export function probeOf(machine: AnyStateMachine, guards: Readonly<Record<string, boolean>>): AnyStateMachine {
  return machine.provide({ guards: Object.fromEntries(Object.entries(guards).map(([name, answer]) => [name, () => answer])) });
}

/** A state value as the API shows it: `mediation.active`, `closed`. */
export function statePath(value: unknown): string {
  if (typeof value === 'string') return value;
  const [key, child] = Object.entries(value as Record<string, unknown>)[0];
  return `${key}.${statePath(child)}`;
}

/**
 * What a list's `state` filter takes: each state's dotted path (`mediation.active`) and each
 * parent's own name, for all of its states (`mediation`). Anything else is a mistyped state, to be
 * refused rather than answered with an empty list. A transient state (the case's `opening`, left
 * at once by an eventless transition) is never stored nor shown (DESIGN.md §3 lists the states):
 * offered as a filter, it could only ever answer an empty list.
 */
export function stateFilterValues(machine: AnyStateMachine): string[] {
  const out: string[] = [];
  const walk = (node: AnyStateNode, path: string) => {
    for (const [key, child] of Object.entries(node.states)) {
      const p = path ? `${path}.${key}` : key;
      if (child.always?.length) continue;
      out.push(p);
      walk(child, p);
    }
  };
  walk(machine.root, '');
  return out;
}

/** Events handled anywhere in the current state configuration, guards not yet considered. */
export function handledEvents(snapshot: AnyMachineSnapshot): string[] {
  // A pure function of the machine's definition and the state value: computed once per state
  // (xstate's `ownEvents` rebuilds its list on every read).
  let byState = handledByMachine.get(snapshot.machine);
  if (!byState) handledByMachine.set(snapshot.machine, (byState = new Map()));
  const key = typeof snapshot.value === 'string' ? snapshot.value : JSON.stringify(snapshot.value);
  let handled = byState.get(key);
  if (!handled) {
    const events = new Set<string>();
    // The active state nodes, from the root down the snapshot's value (each key of a parallel state).
    const visit = (node: AnyStateNode, value: unknown) => {
      for (const e of node.ownEvents) events.add(e);
      if (typeof value === 'string') visit(node.states[value], undefined);
      else if (value !== null && typeof value === 'object') for (const [k, child] of Object.entries(value)) visit(node.states[k], child);
    };
    visit(snapshot.machine.root, snapshot.value);
    handled = [...events];
    byState.set(key, handled);
  }
  // A copy: the caller may sort it.
  return handled.slice();
}
const handledByMachine = new WeakMap<AnyStateMachine, Map<string, string[]>>();

/** The events `actor` may send now: allowed to their role, handled by the state, guards passing. */
export function nextEvents(spec: MachineSpec, snapshot: AnyMachineSnapshot, actor: Actor, now: string): string[] {
  return offeredEvents(spec, snapshot, actor, now).nextEvents;
}

/**
 * The events `actor` may not send with today's date but could with an earlier one: what an event
 * may do is judged at its occurredAt (DESIGN §5), and the next event may claim any moment from
 * the previous one's on. A backdated agreement whose 30-day window closed since still takes
 * APPLY_CONFIRMATION dated inside it (issue 11 item 7). Empty when the last event is today.
 */
export function backdatableEvents(spec: MachineSpec, snapshot: AnyMachineSnapshot, actor: Actor, now: string): string[] {
  return offeredEvents(spec, snapshot, actor, now).backdatableEvents;
}

/**
 * `nextEvents` and `backdatableEvents` together, as a view shows them: the candidates (handled by
 * the state, allowed to the caller) and the probe's snapshot are found once for both instants.
 */
export function offeredEvents(spec: MachineSpec, snapshot: AnyMachineSnapshot, actor: Actor, now: string): { nextEvents: string[]; backdatableEvents: string[] } {
  if (snapshot.status !== 'active') return { nextEvents: [], backdatableEvents: [] };
  const facts = spec.facts(snapshot);
  const { handled, fixed } = stateOffers(spec, snapshot);
  // Only events the state handles and the caller may send reach the probe (building it and
  // evaluating guards is most of the cost); the order stays that of the event schemas.
  const candidates = handled.filter((type) => {
    const rule = spec.permissions[type];
    return rule !== undefined && permits(rule, actor, facts);
  });
  if (candidates.length === 0) return { nextEvents: [], backdatableEvents: [] };
  // Most candidates' answers are fixed by the state (fixedAnswers): only the others need the probe's
  // snapshot and their guards evaluated, at each instant. Same lists, same order.
  const probing: Probing = { spec, snapshot, actor, fixed, probe: undefined };
  const today = candidates.filter((type) => takes(probing, type, now));
  const lastEventAt = (snapshot.context as { lastEventAt?: unknown }).lastEventAt;
  if (typeof lastEventAt !== 'string' || Date.parse(lastEventAt) >= Date.parse(now)) return { nextEvents: today, backdatableEvents: [] };
  // Only the events refused now are tried dated earlier: most states take nearly all of theirs today,
  // and each probe evaluates the event's guards (every answer asks, the write path's included). A
  // fixed refusal is a refusal at any instant.
  const refused = candidates.filter((type) => !today.includes(type) && fixed.get(type) === undefined);
  return { nextEvents: today, backdatableEvents: refused.filter((type) => takes(probing, type, lastEventAt)) };
}

/**
 * What `offeredEvents` asks of one snapshot for one caller, the probe's snapshot made at the first
 * event that needs it. At module level, not a closure per answer: under tsx (esbuild's keepNames)
 * a named function made at run time costs a call to `__name`, a defineProperty, every time.
 */
interface Probing {
  spec: MachineSpec;
  snapshot: AnyMachineSnapshot;
  actor: Actor;
  fixed: Map<string, boolean>;
  probe: AnyMachineSnapshot | undefined;
}

/** Whether the state takes `type` from this caller at `occurredAt`: its fixed answer, or the probe's. */
function takes(p: Probing, type: string, occurredAt: string): boolean {
  const answer = p.fixed.get(type);
  if (answer !== undefined) return answer;
  p.probe ??= p.spec.probe.resolveState({ value: p.snapshot.value, context: p.snapshot.context });
  return p.probe.can({ type, occurredAt, ...(p.actor.deputyId ? { deputyId: p.actor.deputyId } : {}) });
}

/**
 * The events of the snapshot's state whose answer from the probe (`can`) does not depend on the
 * context, the event or the time, with that answer, read from the probe's own transitions as xstate
 * selects them: from the deepest active state up, each state's transitions for the event in order,
 * the first whose guard passes is taken — and the answer is fixed when the guards met on the way
 * there are none or the probe's fixed ones (`probeGuards`). An event whose way meets any other guard
 * is left out (the probe decides). A pure function of the machine and the state value, so computed
 * once per state (stateOffers keeps it): every answer lists what its reader may send, and probing 8
 * events cost ~6 µs besides the ~4 µs of the probe's snapshot, for a state like mediation.active
 * whose events are all fixed.
 */
function fixedAnswers(snapshot: AnyMachineSnapshot, probe: AnyStateMachine, guards: Readonly<Record<string, boolean>>): Map<string, boolean> {
  const answers = new Map<string, boolean>();
  // The active states on the probe's own definition; parallel states (each region decides) and
  // wildcard descriptors (matched by pattern) are left to the probe.
  const nodes = activeNodes(probe.root, snapshot.value);
  const plain = nodes.every((n) => n.type !== 'parallel' && Object.keys(n.on).every((d) => d !== '*' && !d.endsWith('.*')));
  if (plain) {
    for (const type of handledEvents(snapshot)) {
      const answer = fixedAnswer(nodes, type, guards);
      if (answer !== undefined) answers.set(type, answer);
    }
  }
  return answers;
}

/**
 * What `offeredEvents` needs of the snapshot's state alone, computed once per state (a pure
 * function of the machine and the state value): the events it handles, in the event schemas'
 * order (the lists' order), and their fixed answers (fixedAnswers).
 */
function stateOffers(spec: MachineSpec, snapshot: AnyMachineSnapshot): { handled: string[]; fixed: Map<string, boolean> } {
  let byState = offersByProbe.get(spec.probe);
  if (!byState) offersByProbe.set(spec.probe, (byState = new Map()));
  const key = typeof snapshot.value === 'string' ? snapshot.value : JSON.stringify(snapshot.value);
  let offers = byState.get(key);
  if (!offers) {
    const handled = handledEvents(snapshot);
    offers = { handled: Object.keys(spec.eventSchemas).filter((type) => handled.includes(type)), fixed: fixedAnswers(snapshot, spec.probe, spec.probeGuards) };
    byState.set(key, offers);
  }
  return offers;
}
const offersByProbe = new WeakMap<AnyStateMachine, Map<string, { handled: string[]; fixed: Map<string, boolean> }>>();

/** The state nodes a state value makes active, from the root down (a parent before its children). */
function activeNodes(root: AnyStateNode, value: unknown): AnyStateNode[] {
  const nodes: AnyStateNode[] = [];
  const visit = (node: AnyStateNode, value: unknown) => {
    nodes.push(node);
    if (typeof value === 'string') visit(node.states[value], undefined);
    else if (value !== null && typeof value === 'object') for (const [k, child] of Object.entries(value)) visit(node.states[k], child);
  };
  visit(root, value);
  return nodes;
}

function fixedAnswer(nodes: AnyStateNode[], type: string, guards: Readonly<Record<string, boolean>>): boolean | undefined {
  for (let i = nodes.length - 1; i >= 0; i--) {
    for (const t of (nodes[i].on[type] ?? []) as readonly { guard?: unknown; target?: unknown; actions: readonly unknown[] }[]) {
      if (t.guard !== undefined && (typeof t.guard !== 'string' || !Object.hasOwn(guards, t.guard))) return undefined;
      // Taken: `can` says whether it does anything (a forbidden transition does not).
      if (t.guard === undefined || guards[t.guard as string]) return t.target !== undefined || t.actions.length > 0;
    }
  }
  return false;
}

/**
 * Which of `types` end the entity when taken now, read from the machine's own transitions (not a
 * hand list): `always` when every transition the current state has for it goes to a final state
 * (撤回, 退回, 调解不成 …), `maybe` when only some do (a payment that pays in full, a satisfied
 * evaluation). The web marks these buttons and asks for a confirmation (issue 15 §1).
 */
export function closingKinds(snapshot: AnyMachineSnapshot, types: readonly string[]): Record<string, 'always' | 'maybe'> {
  if (snapshot.status !== 'active' || types.length === 0) return {};
  const kinds = closingKindsOfState(snapshot);
  const out: Record<string, 'always' | 'maybe'> = {};
  for (const type of types) if (kinds.has(type)) out[type] = kinds.get(type)!;
  return out;
}

/**
 * Every event the state handles that closes the entity, and how: a pure function of the machine's
 * definition and the state value, so computed once per state (every answer asks).
 */
function closingKindsOfState(snapshot: AnyMachineSnapshot): Map<string, 'always' | 'maybe'> {
  let byState = closingByMachine.get(snapshot.machine);
  if (!byState) closingByMachine.set(snapshot.machine, (byState = new Map()));
  const key = typeof snapshot.value === 'string' ? snapshot.value : JSON.stringify(snapshot.value);
  let kinds = byState.get(key);
  if (kinds) return kinds;
  // The deepest active node that handles an event is the one taken.
  const nodes = activeNodes(snapshot.machine.root, snapshot.value);
  kinds = new Map();
  for (const type of handledEvents(snapshot)) {
    const owner = [...nodes].reverse().find((n) => n.on[type]?.length);
    const transitions = owner?.on[type] ?? [];
    const final = transitions.map((t) => (t.target ?? []).some((n: AnyStateNode) => n.type === 'final'));
    if (final.length && final.every(Boolean)) kinds.set(type, 'always');
    else if (final.some(Boolean)) kinds.set(type, 'maybe');
  }
  byState.set(key, kinds);
  return kinds;
}
const closingByMachine = new WeakMap<AnyStateMachine, Map<string, Map<string, 'always' | 'maybe'>>>();

/** The events of `types` that close the entity whatever their payload; and those that may. */
export function closingEvents(snapshot: AnyMachineSnapshot, types: readonly string[]): { closingEvents: string[]; mayCloseEvents: string[] } {
  const kinds = closingKinds(snapshot, types);
  return {
    closingEvents: types.filter((t) => kinds[t] === 'always'),
    mayCloseEvents: types.filter((t) => kinds[t] === 'maybe'),
  };
}

/**
 * The events that close the entity from every state that takes them (退回, 撤回, 调解不成 …),
 * read from the machine definition: what a form can know before it reads the entity.
 */
export function alwaysClosingEvents(machine: AnyStateMachine): string[] {
  const verdict = new Map<string, boolean>();
  const visit = (node: AnyStateNode) => {
    for (const [type, transitions] of Object.entries(node.on as Record<string, { target?: AnyStateNode[] }[]>)) {
      const all = transitions.length > 0 && transitions.every((t) => (t.target ?? []).some((n) => n.type === 'final'));
      verdict.set(type, (verdict.get(type) ?? true) && all);
    }
    for (const child of Object.values(node.states)) visit(child);
  };
  visit(machine.root);
  return [...verdict].filter(([, closes]) => closes).map(([type]) => type);
}
