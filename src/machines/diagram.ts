/**
 * The machines as data and as Mermaid state diagrams, generated from the XState definitions
 * themselves (their state nodes and transitions) and the permission tables beside them — never
 * drawn by hand, so the picture cannot drift from the code.
 *
 * Mermaid ids cannot hold dots, and Mermaid cannot draw a transition between states nested in
 * different composites, so the diagram is flat: `mediation.active` is the state id
 * `mediation_active`, drawn with its label and its dotted path. A transition declared on a
 * parent (`WITHDRAW` on `mediation`, `CLOSE` on the supervision root) is drawn from every state
 * it applies to.
 */
import type { AnyStateMachine } from 'xstate';
import { caseSpec } from './case-spec.js';
import type { Permission } from './policy.js';
import type { Role } from './roles.js';
import type { MachineSpec } from './spec.js';
import { supervisionSpec } from './supervision-spec.js';

export const MACHINE_SPECS = { case: caseSpec, supervision: supervisionSpec } as const satisfies Record<string, MachineSpec>;
export type MachineName = keyof typeof MACHINE_SPECS;

export function isMachineName(name: string): name is MachineName {
  return Object.hasOwn(MACHINE_SPECS, name);
}

/** Words for people; the caller passes them in (they live in one module outside the machines). */
export interface Labels {
  state(path: string): string;
  event(type: string): string;
}

const plainLabels: Labels = { state: (p) => p, event: (t) => t };

export interface StateInfo {
  /** Dotted path as the API shows it: `mediation.active`. */
  path: string;
  /** The id in the Mermaid diagram: `mediation_active`. */
  id: string;
  label: string;
  description: string | null;
  /** `compound` nodes group their children; a record is only ever in an atomic or final state. */
  type: 'atomic' | 'compound' | 'final';
  /** Entered when the machine starts (it may be transient and route on at once). */
  initial: boolean;
  /** Left at once by eventless transitions (`opening` routes a new case); never a resting state. */
  transient: boolean;
}

export interface TransitionInfo {
  from: string;
  to: string;
  /** Guard name the machine checks; null when unconditional. */
  guard: string | null;
  /** No target: the record stays in `from` (its context changes). */
  stays: boolean;
}

export interface EventInfo {
  type: string;
  label: string;
  /** The states that take this event (guards aside). */
  from: string[];
  /** The states it may lead to. */
  to: string[];
  /** Roles that may send it; `deputy`/`station` carry conditions, see `permission`. */
  roles: Role[];
  permission: Permission;
  transitions: TransitionInfo[];
}

export interface MachineDescription {
  name: MachineName;
  version: number;
  initial: string;
  states: StateInfo[];
  events: EventInfo[];
  mermaid: string;
}

// Minimal structural view of an XState v5 StateNode: what this module reads of it.
interface TransitionDef {
  target?: readonly Node[];
  guard?: unknown;
}
interface Node {
  key: string;
  path: string[];
  type: 'atomic' | 'compound' | 'parallel' | 'final' | 'history';
  description?: string;
  states: Record<string, Node>;
  parent?: Node;
  transitions: Map<string, TransitionDef[]>;
  always?: TransitionDef[];
  initial: { target: readonly Node[] };
}

const pathOf = (n: Node) => n.path.join('.');
/** `mediation.active` → `mediation_active`: Mermaid ids take no dots. */
export const mermaidId = (path: string) => path.replace(/\./g, '_');

function allNodes(root: Node): Node[] {
  const out: Node[] = [];
  const walk = (n: Node) => {
    for (const child of Object.values(n.states)) {
      out.push(child);
      walk(child);
    }
  };
  walk(root);
  return out;
}

const isLeaf = (n: Node) => n.type === 'atomic' || n.type === 'final';

/** The leaf a transition into `n` ends in (a compound target enters its initial child). */
function settle(n: Node): Node {
  let node = n;
  while (!isLeaf(node)) {
    const next = node.initial?.target?.[0];
    if (!next || node.type === 'parallel') throw new Error(`diagram: unsupported state node ${node.path.join('.')} (${node.type})`);
    node = next;
  }
  return node;
}

/** The leaves a transition declared on `n` applies to: `n` itself, or its non-final descendants. */
function leavesUnder(n: Node): Node[] {
  if (isLeaf(n)) return [n];
  // A final state takes no events, so a parent's transition never leaves it.
  return allNodes(n).filter((d) => d.type === 'atomic' && d.always === undefined);
}

/**
 * A guard as the diagram names it: its name, or xstate's `and`/`or`/`not` of named guards spelled
 * out (`amountWithinOwed and paysInFull`), so a reader sees which checks a transition makes.
 */
function guardName(guard: unknown): string | null {
  if (guard === undefined || guard === null) return null;
  if (typeof guard === 'string') return guard;
  if (typeof guard === 'object' && typeof (guard as { type?: unknown }).type === 'string') return (guard as { type: string }).type;
  const combined = guard as { name?: unknown; guards?: unknown };
  if (typeof guard === 'function' && Array.isArray(combined.guards)) {
    const parts = combined.guards.map((g) => guardName(g) ?? 'guard');
    if (combined.name === 'not') return `not ${parts.length > 1 ? `(${parts.join(' and ')})` : parts[0]}`;
    if (combined.name === 'and' || combined.name === 'or') return parts.map((p) => (/ (and|or) /.test(p) ? `(${p})` : p)).join(` ${combined.name} `);
  }
  return 'guard';
}

function rolesOf(p: Permission | undefined): Role[] {
  if (!p) return [];
  const roles: Role[] = [];
  if (p.court) roles.push('court');
  if (p.station) roles.push('station');
  if (p.deputy) roles.push('deputy');
  if (p.committee) roles.push('committee');
  if (p.system) roles.push('system');
  return roles;
}

/** Text Mermaid would read as syntax (`:` and `;` end a label, `"` a state name) made harmless. */
function safe(text: string): string {
  return text
    .replace(/:/g, '：')
    .replace(/;/g, '；')
    .replace(/"/g, '＂')
    .replace(/#/g, '＃')
    .replace(/%/g, '％')
    .replace(/</g, '＜')
    .replace(/>/g, '＞')
    .replace(/[{}]/g, (c) => (c === '{' ? '｛' : '｝'))
    .replace(/\s+/g, ' ')
    .trim();
}

interface Walked {
  root: Node;
  nodes: Node[];
  initialLeaf: Node;
  transitions: (TransitionInfo & { event: string })[];
  eventless: TransitionInfo[];
}

function walk(machine: AnyStateMachine): Walked {
  const root = machine.root as unknown as Node;
  const nodes = allNodes(root);
  const transitions: Walked['transitions'] = [];
  const eventless: TransitionInfo[] = [];
  for (const n of [root, ...nodes]) {
    for (const [event, defs] of n.transitions) {
      for (const def of defs) {
        for (const source of leavesUnder(n)) {
          const target = def.target?.[0] ? settle(def.target[0]) : source;
          transitions.push({ event, from: pathOf(source), to: pathOf(target), guard: guardName(def.guard), stays: !def.target?.length });
        }
      }
    }
    for (const def of n.always ?? []) {
      const target = def.target?.[0] ? settle(def.target[0]) : n;
      eventless.push({ from: pathOf(n), to: pathOf(target), guard: guardName(def.guard), stays: !def.target?.length });
    }
  }
  return { root, nodes, initialLeaf: settle(root.initial.target[0]), transitions, eventless };
}

const uniq = <T>(xs: T[]) => [...new Set(xs)];

/**
 * The machine `name` as data: states, events (who may send them, from where, to where) and a
 * Mermaid `stateDiagram-v2`. Pass `current` (a dotted state path) to highlight that state.
 *
 * @example describeMachine('supervision', labels).states.map((s) => s.path)
 * // ['open', 'awaitingReport', 'reviewing', 'rectifying', 'closed']
 */
export function describeMachine(name: MachineName, labels: Labels = plainLabels, current?: string): MachineDescription {
  const spec = MACHINE_SPECS[name];
  const w = walk(spec.machine);
  const transientPaths = new Set(w.eventless.map((t) => t.from));
  const states: StateInfo[] = w.nodes
    .filter((n) => n.type === 'atomic' || n.type === 'compound' || n.type === 'final')
    .map((n) => ({
      path: pathOf(n),
      id: mermaidId(pathOf(n)),
      label: labels.state(pathOf(n)),
      description: n.description ?? null,
      type: n.type as StateInfo['type'],
      initial: n === w.initialLeaf,
      transient: transientPaths.has(pathOf(n)),
    }));

  const types = uniq([...w.transitions.map((t) => t.event), ...Object.keys(spec.eventSchemas)]);
  const events: EventInfo[] = types.map((type) => {
    const ts = w.transitions.filter((t) => t.event === type).map(({ event: _e, ...t }) => t);
    const permission = spec.permissions[type] ?? {};
    return {
      type,
      label: labels.event(type),
      from: uniq(ts.map((t) => t.from)),
      to: uniq(ts.map((t) => t.to)),
      roles: rolesOf(permission),
      permission,
      transitions: ts,
    };
  });

  return {
    name,
    version: spec.version,
    initial: pathOf(w.initialLeaf),
    states,
    events,
    mermaid: toMermaid(w, labels, current),
  };
}

function toMermaid(w: Walked, labels: Labels, current?: string): string {
  const lines = ['stateDiagram-v2'];
  const leaves = w.nodes.filter(isLeaf);
  const transient = new Set(w.eventless.map((t) => t.from));
  for (const n of leaves) {
    const path = pathOf(n);
    const id = mermaidId(path);
    if (transient.has(path)) {
      // A transient state only routes: a choice point.
      lines.push(`  state ${id} <<choice>>`);
    } else {
      lines.push(`  state "${safe(labels.state(path))}" as ${id}`);
      // The dotted path as a second line, where it says more than the id.
      if (path !== id) lines.push(`  ${id} : ${safe(path)}`);
    }
  }
  lines.push(`  [*] --> ${mermaidId(pathOf(w.root.initial.target[0] as Node))}`);
  for (const t of w.eventless) {
    lines.push(`  ${mermaidId(t.from)} --> ${mermaidId(t.to)} : ${safe(`[${t.guard ?? 'else'}]`)}`);
  }
  for (const t of w.transitions) {
    const label = `${t.event} ${labels.event(t.event)}${t.guard ? ` [${t.guard}]` : ''}`;
    lines.push(`  ${mermaidId(t.from)} --> ${mermaidId(t.to)} : ${safe(label)}`);
  }
  for (const n of leaves) if (n.type === 'final') lines.push(`  ${mermaidId(pathOf(n))} --> [*]`);
  if (current !== undefined) {
    if (!leaves.some((n) => pathOf(n) === current)) throw new Error(`diagram: ${current} is not a state of this machine`);
    lines.push('  classDef current fill:#fde68a,stroke:#b45309,stroke-width:3px,font-weight:bold');
    lines.push(`  class ${mermaidId(current)} current`);
  }
  return `${lines.join('\n')}\n`;
}
