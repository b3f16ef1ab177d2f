/**
 * The machines as data (GET /api/machines/:name) and a case's diagram (GET /api/cases/:id/diagram).
 * The expected states are computed here by walking the XState definitions themselves, so a state
 * added to a machine and missing from the diagram fails; the Mermaid text is checked line by line
 * against the stateDiagram-v2 grammar it uses.
 */
import { randomUUID } from 'node:crypto';
import { count } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AnyStateMachine } from 'xstate';
import { accessLog } from '../../src/db/schema.js';
import { caseEventSchemas, caseMachine, CASE_MACHINE_VERSION } from '../../src/machines/case.js';
import { supervisionEventSchemas, supervisionMachine, SUPERVISION_MACHINE_VERSION } from '../../src/machines/supervision.js';
import { createWorld, type World } from '../helpers/world.js';
import { expectProblem } from '../helpers/api.js';

let w: World;
beforeAll(async () => {
  w = await createWorld();
});
afterAll(async () => w?.close());

type Caller = keyof World['tokens'];
const CALLERS: Caller[] = ['admin', 'court', 'committee', 'stationHL', 'stationSC', 'deputyA', 'deputyB', 'deputyOther'];

interface WalkedNode {
  path: string;
  type: string;
  hasChildren: boolean;
  transient: boolean;
}

/** Every state node of a machine, from its own definition (`machine.root`). */
function statesOf(machine: AnyStateMachine): WalkedNode[] {
  const out: WalkedNode[] = [];
  const walk = (node: any) => {
    for (const child of Object.values(node.states) as any[]) {
      out.push({ path: child.path.join('.'), type: child.type, hasChildren: Object.keys(child.states).length > 0, transient: !!child.always?.length });
      walk(child);
    }
  };
  walk(machine.root);
  return out;
}

const MACHINES = {
  case: { machine: caseMachine, version: CASE_MACHINE_VERSION, events: Object.keys(caseEventSchemas) },
  supervision: { machine: supervisionMachine, version: SUPERVISION_MACHINE_VERSION, events: Object.keys(supervisionEventSchemas) },
};

// The subset of Mermaid's stateDiagram grammar (packages/mermaid/src/diagrams/state/parser/
// stateDiagram.jison) the generator may use. Ids: no dots, no dashes (the lexer's ID is
// [^:\n\s\-\{]+). Labels: no ':' or ';' in a transition label, no '"' in a state name.
const ID = '[A-Za-z_][A-Za-z0-9_]*';
const FORMS: [string, RegExp][] = [
  ['header', /^stateDiagram-v2$/],
  ['state', new RegExp(`^  state "([^"\\n]+)" as (${ID})$`)],
  ['choice', new RegExp(`^  state (${ID}) <<choice>>$`)],
  ['describe', new RegExp(`^  (${ID}) : ([^:;\\n]+)$`)],
  ['edge', new RegExp(`^  (\\[\\*\\]|${ID}) --> (\\[\\*\\]|${ID})(?: : ([^:;\\n]+))?$`)],
  ['classDef', /^  classDef current [a-z-]+:[^\s;]+(,[a-z-]+:[^\s,;]+)*$/],
  ['class', new RegExp(`^  class (${ID}) current$`)],
];

interface Parsed {
  declared: Set<string>;
  edges: { from: string; to: string; label: string | null }[];
  highlighted: string[];
}

/** Parses the diagram with the grammar above; any line outside it fails the test. */
function parseMermaid(text: string): Parsed {
  expect(text.endsWith('\n')).toBe(true);
  const lines = text.trimEnd().split('\n');
  expect(lines[0]).toBe('stateDiagram-v2');
  const out: Parsed = { declared: new Set(), edges: [], highlighted: [] };
  for (const line of lines) {
    const form = FORMS.find(([, re]) => re.test(line));
    expect(form, `not stateDiagram-v2 as generated: ${JSON.stringify(line)}`).toBeDefined();
    const m = line.match(form![1])!;
    if (form![0] === 'state') out.declared.add(m[2]);
    if (form![0] === 'choice') out.declared.add(m[1]);
    if (form![0] === 'describe') expect(out.declared.has(m[1]), `described before declared: ${m[1]}`).toBe(true);
    if (form![0] === 'edge') out.edges.push({ from: m[1], to: m[2], label: m[3] ?? null });
    if (form![0] === 'class') out.highlighted.push(m[1]);
  }
  for (const e of out.edges) {
    for (const end of [e.from, e.to]) if (end !== '[*]') expect(out.declared.has(end), `edge to undeclared state ${end}`).toBe(true);
  }
  for (const id of out.highlighted) expect(out.declared.has(id)).toBe(true);
  if (out.highlighted.length) expect(text).toMatch(/\n {2}classDef current /);
  return out;
}

const idOf = (path: string) => path.replace(/\./g, '_');
const han = /[\u4e00-\u9fff]/;

describe.each(Object.entries(MACHINES))('GET /api/machines/%s', (name, m) => {
  const nodes = statesOf(m.machine);
  const leaves = nodes.filter((n) => !n.hasChildren);

  it('any signed-in role may read it; without a token 401', async () => {
    for (const caller of CALLERS) expect((await w.call(w.tokens[caller], 'GET', `/api/machines/${name}`)).status).toBe(200);
    expectProblem(await w.call(null, 'GET', `/api/machines/${name}`), 401);
  });

  it('lists every state of the definition, with a Chinese label and its description', async () => {
    const d = (await w.call(w.tokens.committee, 'GET', `/api/machines/${name}`)).body;
    expect(d).toMatchObject({ name, version: m.version });
    expect(d.states.map((s: any) => s.path).sort()).toEqual(nodes.map((n) => n.path).sort());
    for (const s of d.states) {
      expect(s.label, s.path).toMatch(han);
      expect(s.id).toBe(idOf(s.path));
      const node = nodes.find((n) => n.path === s.path)!;
      expect(s.transient).toBe(node.transient);
      if (!node.hasChildren) expect(typeof s.description, s.path).toBe('string');
    }
    const initial = d.states.filter((s: any) => s.initial);
    expect(initial.map((s: any) => s.path)).toEqual([d.initial]);
  });

  it('lists every event type, with a label, who sends it, and where from and to', async () => {
    const d = (await w.call(w.tokens.court, 'GET', `/api/machines/${name}`)).body;
    expect(d.events.map((e: any) => e.type).sort()).toEqual([...m.events].sort());
    const leafPaths = new Set(leaves.map((n) => n.path));
    for (const e of d.events) {
      expect(e.label, e.type).toMatch(han);
      expect(e.roles.length, e.type).toBeGreaterThan(0);
      expect(e.from.length, e.type).toBeGreaterThan(0);
      for (const p of [...e.from, ...e.to]) expect(leafPaths.has(p), `${e.type}: ${p}`).toBe(true);
      for (const t of e.transitions) {
        expect(e.from).toContain(t.from);
        expect(e.to).toContain(t.to);
      }
    }
  });

  it('draws every state and every transition in valid stateDiagram-v2, nothing highlighted', async () => {
    const d = (await w.call(w.tokens.stationHL, 'GET', `/api/machines/${name}`)).body;
    const parsed = parseMermaid(d.mermaid);
    expect([...parsed.declared].sort()).toEqual(leaves.map((n) => idOf(n.path)).sort());
    for (const n of leaves) if (n.path.includes('.')) expect(d.mermaid).toContain(`${idOf(n.path)} : ${n.path}`);
    for (const e of d.events) {
      for (const t of e.transitions) {
        const drawn = parsed.edges.some((x) => x.from === idOf(t.from) && x.to === idOf(t.to) && x.label?.startsWith(`${e.type} `));
        expect(drawn, `${e.type}: ${t.from} → ${t.to}`).toBe(true);
      }
    }
    // Entered from the start, and every final state ends.
    expect(parsed.edges.filter((x) => x.from === '[*]').map((x) => x.to)).toEqual([idOf(d.initial)]);
    for (const n of nodes.filter((x) => x.type === 'final')) expect(parsed.edges).toContainEqual({ from: idOf(n.path), to: '[*]', label: null });
    expect(parsed.highlighted).toEqual([]);
  });
});

describe('GET /api/machines/:name: the rules as DESIGN.md §3/§4 state them', () => {
  const get = async (name: string) => (await w.call(w.tokens.admin, 'GET', `/api/machines/${name}`)).body;
  const event = (d: any, type: string) => d.events.find((e: any) => e.type === type);

  it('case: who sends what, from where', async () => {
    const d = await get('case');
    expect(event(d, 'ACCEPT')).toMatchObject({ roles: ['court'], from: ['intake.screening'], to: ['mediation.assigning'] });
    expect(event(d, 'REACH_AGREEMENT')).toMatchObject({ roles: ['court', 'deputy'], from: ['mediation.active'], to: ['agreement.performing'] });
    expect(event(d, 'RECUSE')).toMatchObject({ roles: ['court', 'deputy'], permission: { court: true, deputy: 'self' } });
    expect(event(d, 'WITHDRAW').roles).toEqual(['court', 'station']);
    expect(event(d, 'WITHDRAW').from.sort()).toEqual(['intake.screening', 'mediation.active', 'mediation.assigning', 'mediation.paused']);
    expect(event(d, 'RESUME').transitions).toEqual([
      { from: 'mediation.paused', to: 'mediation.active', guard: null, stays: false },
      { from: 'enforcement.suspended', to: 'enforcement.active', guard: null, stays: false },
    ]);
    // A combined guard is spelled out, not shown as a bare "guard".
    expect(event(d, 'RECORD_PERFORMANCE').transitions).toContainEqual({ from: 'agreement.performing', to: 'closed', guard: 'amountWithinOwed and paysInFull', stays: false });
    for (const e of d.events) for (const t of e.transitions) expect(t.guard, `${e.type}: ${t.from} → ${t.to}`).not.toBe('guard');
    for (const type of ['MEDIATION_EXPIRED', 'PERFORMANCE_OVERDUE', 'ENFORCEMENT_OVERDUE']) expect(event(d, type).roles).toEqual(['system']);
    // 代表法 Art 59: deputies never confirm, enforce or conclude; the committee sends no case event.
    for (const e of d.events) {
      if (['CONFIRM', 'APPLY_CONFIRMATION', 'APPLY_ENFORCEMENT', 'CONCLUDE', 'RECORD_MEASURE'].includes(e.type)) expect(e.roles).not.toContain('deputy');
      expect(e.roles).not.toContain('committee');
    }
    // A new case is routed at once: intake, or straight to enforcement for an enforcement referral.
    expect(d.initial).toBe('opening');
    expect(d.mermaid).toContain('state opening <<choice>>');
    expect(d.mermaid).toMatch(/\n {2}opening --> enforcement_active : /);
    expect(d.mermaid).toMatch(/\n {2}opening --> intake_screening : /);
  });

  it('supervision: the committee drives it, the court answers, CLOSE from every state but closed', async () => {
    const d = await get('supervision');
    expect(event(d, 'CLOSE')).toMatchObject({ roles: ['committee'], to: ['closed'] });
    expect(event(d, 'CLOSE').from.sort()).toEqual(['awaitingReport', 'open', 'rectifying', 'reviewing']);
    expect(event(d, 'SUBMIT_REPORT')).toMatchObject({ roles: ['court'], from: ['awaitingReport'], to: ['reviewing'] });
    expect(event(d, 'SUBMIT_RECTIFICATION')).toMatchObject({ roles: ['court'], from: ['rectifying'], to: ['reviewing'] });
    expect(event(d, 'EVALUATE')).toMatchObject({ roles: ['committee'], from: ['reviewing'] });
    expect(event(d, 'EVALUATE').to.sort()).toEqual(['closed', 'rectifying']);
    expect(event(d, 'REPORT_OVERDUE')).toMatchObject({ roles: ['system'] });
    expect(event(d, 'REPORT_OVERDUE').transitions.every((t: any) => t.stays)).toBe(true);
    expect(d.mermaid).toContain('  reviewing --> closed : EVALUATE 满意度测评 [satisfied]');
  });

  it('an unknown machine is 404 problem+json', async () => {
    for (const name of ['nope', 'Case', 'case.ts', '__proto__', 'constructor']) {
      const p = expectProblem(await w.call(w.tokens.committee, 'GET', `/api/machines/${name}`), 404);
      expect(p.detail).toMatch(/case/);
    }
  });
});

describe('GET /api/cases/:id/diagram', () => {
  const diagram = (caller: Caller | null, id: string) => w.call(caller ? w.tokens[caller] : null, 'GET', `/api/cases/${id}/diagram`);

  it('highlights the case\'s current state, and follows it as the case moves on', async () => {
    const c = await w.openCase();
    let r = await diagram('court', c.id);
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ id: c.id, state: 'intake.screening' });
    expect(parseMermaid(r.body.mermaid).highlighted).toEqual(['intake_screening']);

    await w.send(c.id, w.tokens.court, { type: 'ACCEPT' }, { type: 'ASSIGN', deputyIds: [w.deputies.a] });
    r = await diagram('deputyA', c.id);
    expect(r.body.state).toBe('mediation.active');
    const parsed = parseMermaid(r.body.mermaid);
    expect(parsed.highlighted).toEqual(['mediation_active']);
    // The whole machine is drawn, not just the path taken.
    expect([...parsed.declared].sort()).toEqual(statesOf(caseMachine).filter((n) => !n.hasChildren).map((n) => idOf(n.path)).sort());

    await w.send(c.id, w.tokens.court, { type: 'WITHDRAW', note: '当事人撤回' });
    r = await diagram('committee', c.id);
    expect(r.body.state).toBe('closed');
    expect(parseMermaid(r.body.mermaid).highlighted).toEqual(['closed']);
  });

  it('an enforcement referral opens highlighted in enforcement.active', async () => {
    const c = await w.openCase({ track: undefined, source: 'enforcement_referral', enforceableDocument: '(2025)黑0111民初123号', owedAmount: '5000.00' });
    const r = await diagram('court', c.id);
    expect(r.body.state).toBe('enforcement.active');
    expect(r.body.mermaid).toContain('\n  class enforcement_active current\n');
  });

  it('is read like the case: same 403s and 404s; it shows no personal data and logs no access', async () => {
    const c = await w.openCase();
    await w.send(c.id, w.tokens.court, { type: 'ACCEPT' }, { type: 'ASSIGN', deputyIds: [w.deputies.a] });
    const [{ n: before }] = await w.database.db.select({ n: count() }).from(accessLog);
    for (const caller of ['court', 'committee', 'stationHL', 'deputyA'] as const) {
      const r = await diagram(caller, c.id);
      expect(r.status, caller).toBe(200);
      expect(JSON.stringify(r.body)).not.toMatch(/230102|13812345678|张三/);
    }
    const [{ n: after }] = await w.database.db.select({ n: count() }).from(accessLog);
    expect(Number(after)).toBe(Number(before));
    // The admin reads no case (DESIGN.md §10).
    for (const caller of ['stationSC', 'deputyB', 'deputyOther', 'admin'] as const) expectProblem(await diagram(caller, c.id), 403);
    expectProblem(await diagram('court', randomUUID()), 404);
    expectProblem(await diagram('court', 'not-a-case'), 404);
    expectProblem(await diagram(null, c.id), 401);
  });
});
