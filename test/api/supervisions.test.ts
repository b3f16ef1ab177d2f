/**
 * Supervision items through the API (DESIGN.md §4, §6, §7): the whole lifecycle, every role's
 * allowed and refused events, linked sample cases as they stand now, and the report and
 * rectification deadlines fired by the sweeper exactly once.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { endOfDate, shanghaiDate } from '../../src/machines/calendar.js';
import { createWorld, type Call, type World } from '../helpers/world.js';
import { daysAgo, expectProblem } from '../helpers/api.js';

let w: World;
beforeAll(async () => {
  w = await createWorld();
});
afterAll(async () => w?.close());

type Caller = keyof World['tokens'];
const tok = (c: Caller) => w.tokens[c];

/** The Shanghai calendar date `days` days from now (negative: in the past). */
const dateIn = (days: number) => shanghaiDate(new Date(Date.now() + days * 86_400_000).toISOString());

const create = (body: Record<string, unknown>, caller: Caller = 'committee') => w.call(tok(caller), 'POST', '/api/supervisions', body);
const send = (id: string, caller: Caller, event: Record<string, unknown>) => w.call(tok(caller), 'POST', `/api/supervisions/${id}/events`, event);
const get = (id: string, caller: Caller = 'committee') => w.call(tok(caller), 'GET', `/api/supervisions/${id}`);
const history = (id: string, caller: Caller = 'committee') => w.call(tok(caller), 'GET', `/api/supervisions/${id}/history`);

function ok(r: Call, status = 200) {
  expect({ status: r.status, body: r.body }).toMatchObject({ status });
  return r.body;
}

async function openItem(overrides: Record<string, unknown> = {}) {
  return ok(
    await create({ kind: 'enforcement_review', subject: '执行案件监督：民间借贷案件执行到位率', respondent: '呼兰区人民法院', ...overrides }),
    201,
  );
}

/** Events that take an item to each state (as committee/court, who may send them). */
const REQUEST = () => ({ type: 'REQUEST_REPORT', dueDate: dateIn(30), note: '请于期限内书面报告' });
const REPORT = { type: 'SUBMIT_REPORT', content: '关于民间借贷案件执行情况的报告' };
const UNSATISFIED = () => ({ type: 'EVALUATE', rating: 'unsatisfied', opinion: '执行到位率偏低，请整改', dueDate: dateIn(60) });
const RECTIFICATION = { type: 'SUBMIT_RECTIFICATION', content: '整改情况报告' };
const SATISFIED = { type: 'EVALUATE', rating: 'satisfied', opinion: '整改到位' };
const CLOSE = { type: 'CLOSE', conclusion: '经审议，予以办结' };

/** A fresh item in `state`, reached through the API. */
async function itemIn(state: 'open' | 'awaitingReport' | 'reviewing' | 'rectifying' | 'closed') {
  const item = await openItem();
  const steps: [Caller, Record<string, unknown>][] = [];
  if (state !== 'open') steps.push(['committee', REQUEST()]);
  if (['reviewing', 'rectifying', 'closed'].includes(state)) steps.push(['court', REPORT]);
  if (state === 'rectifying') steps.push(['committee', UNSATISFIED()]);
  if (state === 'closed') steps.push(['committee', CLOSE]);
  let body = item;
  for (const [caller, e] of steps) body = ok(await send(item.id, caller, e));
  expect(body.state).toBe(state);
  return body;
}

describe('lifecycle through the API', () => {
  it('open → REQUEST_REPORT → SUBMIT_REPORT → EVALUATE unsatisfied → SUBMIT_RECTIFICATION → EVALUATE satisfied → closed', async () => {
    const item = await openItem({ kind: 'case_inquiry' });
    expect(item).toMatchObject({ state: 'open', version: 1, overdue: false, rating: null, kind: 'case_inquiry', respondent: '呼兰区人民法院', deadlines: [] });
    expect(item.number).toMatch(/^\d{4}-JD-\d{6}$/);
    expect(item.nextEvents).toEqual(['REQUEST_REPORT', 'CLOSE']);

    const due = dateIn(30);
    let s = ok(await send(item.id, 'committee', { type: 'REQUEST_REPORT', dueDate: due }));
    expect(s).toMatchObject({ state: 'awaitingReport', version: 2, nextEvents: ['CLOSE'] });
    expect(s.deadlines).toEqual([{ kind: 'report_due', dueAt: endOfDate(due), daysLeft: 30, level: 'normal', event: 'REPORT_OVERDUE' }]);
    expect((await get(item.id, 'court')).body.nextEvents).toEqual(['SUBMIT_REPORT']);

    s = ok(await send(item.id, 'court', REPORT));
    // nextEvents are the caller's: the court has answered and may send nothing more now.
    expect(s).toMatchObject({ state: 'reviewing', version: 3, deadlines: [], nextEvents: [] });
    expect((await get(item.id)).body.nextEvents).toEqual(['EVALUATE', 'CLOSE']);

    // Unsatisfied needs a rectification due date: 400 with the field, nothing written.
    const noDue = expectProblem(await send(item.id, 'committee', { type: 'EVALUATE', rating: 'unsatisfied', opinion: '不满意' }), 400);
    expect(noDue.errors).toEqual([expect.objectContaining({ field: 'dueDate' })]);
    expect((await get(item.id)).body.version).toBe(3);

    const rectDue = dateIn(60);
    s = ok(await send(item.id, 'committee', { type: 'EVALUATE', rating: 'unsatisfied', opinion: '执行到位率偏低', dueDate: rectDue }));
    expect(s).toMatchObject({ state: 'rectifying', version: 4, rating: 'unsatisfied', overdue: false });
    expect(s.deadlines).toEqual([{ kind: 'rectification_due', dueAt: endOfDate(rectDue), daysLeft: 60, level: 'normal', event: 'REPORT_OVERDUE' }]);

    s = ok(await send(item.id, 'court', RECTIFICATION));
    expect(s).toMatchObject({ state: 'reviewing', version: 5, deadlines: [] });

    s = ok(await send(item.id, 'committee', SATISFIED));
    expect(s).toMatchObject({ state: 'closed', version: 6, rating: 'satisfied', nextEvents: [], deadlines: [] });
    expect(s.closedAt).not.toBeNull();

    const h = ok(await history(item.id));
    expect(h.items.map((e: any) => [e.seq, e.type, e.from, e.to, e.actor.role])).toEqual([
      [1, 'CREATE', null, 'open', 'committee'],
      [2, 'REQUEST_REPORT', 'open', 'awaitingReport', 'committee'],
      [3, 'SUBMIT_REPORT', 'awaitingReport', 'reviewing', 'court'],
      [4, 'EVALUATE', 'reviewing', 'rectifying', 'committee'],
      [5, 'SUBMIT_RECTIFICATION', 'rectifying', 'reviewing', 'court'],
      [6, 'EVALUATE', 'reviewing', 'closed', 'committee'],
    ]);
    expect(h.items[3].payload).toMatchObject({ rating: 'unsatisfied', dueDate: rectDue });

    // Closed takes nothing more: 409 with the state.
    for (const [caller, e] of [['committee', CLOSE], ['committee', REQUEST()], ['court', REPORT]] as const) {
      const p = expectProblem(await send(item.id, caller, e), 409);
      expect(p.state).toBe('closed');
    }
    expect((await get(item.id)).body.version).toBe(6);
  });

  it.each(['open', 'awaitingReport', 'reviewing', 'rectifying'] as const)('CLOSE from %s → closed, clearing its deadlines', async (from) => {
    const item = await itemIn(from);
    const closed = ok(await send(item.id, 'committee', CLOSE));
    expect(closed).toMatchObject({ state: 'closed', deadlines: [], nextEvents: [] });
    expect(closed.context.conclusion).toBe('经审议，予以办结');
    const h = ok(await history(item.id));
    expect(h.items.at(-1)).toMatchObject({ type: 'CLOSE', from, to: 'closed', actor: { role: 'committee' } });
  });

  it('events a state does not take are 409 with the current state; unknown types 400; unknown ids 404', async () => {
    const item = await openItem();
    for (const [caller, e] of [
      ['court', REPORT],
      ['court', RECTIFICATION],
      ['committee', SATISFIED],
    ] as const) {
      const p = expectProblem(await send(item.id, caller, e), 409);
      expect(p).toMatchObject({ state: 'open', event: e.type });
    }
    expectProblem(await send(item.id, 'committee', { type: 'APPROVE' }), 400);
    expectProblem(await send(item.id, 'committee', { type: 'REQUEST_REPORT', dueDate: '2026-02-30' }), 400);
    expectProblem(await send(randomUUID(), 'committee', REQUEST()), 404);
    expectProblem(await get(randomUUID()), 404);
    expectProblem(await get('not-an-id'), 404);
    expect((await get(item.id)).body.version).toBe(1);
  });
});

describe('who may do what', () => {
  /** DESIGN.md §1/§4: the committee drives the item, the court answers; nobody else sends anything. */
  const SENDER: Record<string, Caller> = {
    REQUEST_REPORT: 'committee',
    SUBMIT_REPORT: 'court',
    EVALUATE: 'committee',
    SUBMIT_RECTIFICATION: 'court',
    CLOSE: 'committee',
  };
  const WHERE: Record<string, 'open' | 'awaitingReport' | 'reviewing' | 'rectifying'> = {
    REQUEST_REPORT: 'open',
    SUBMIT_REPORT: 'awaitingReport',
    EVALUATE: 'reviewing',
    SUBMIT_RECTIFICATION: 'rectifying',
    CLOSE: 'awaitingReport',
  };
  const BODY: Record<string, () => Record<string, unknown>> = {
    REQUEST_REPORT: REQUEST,
    SUBMIT_REPORT: () => REPORT,
    EVALUATE: () => SATISFIED,
    SUBMIT_RECTIFICATION: () => RECTIFICATION,
    CLOSE: () => CLOSE,
  };
  const CALLERS: Caller[] = ['committee', 'court', 'admin', 'stationHL', 'stationSC', 'deputyA', 'deputyOther'];

  it.each(Object.keys(SENDER))('%s: its one role gets through, every other role gets 403 and writes nothing', async (type) => {
    const item = await itemIn(WHERE[type]);
    for (const caller of CALLERS.filter((c) => c !== SENDER[type])) {
      const p = expectProblem(await send(item.id, caller, BODY[type]()), 403);
      expect(p.detail.length).toBeGreaterThan(0);
    }
    const after = ok(await get(item.id));
    expect(after.version).toBe(item.version);
    expect((await history(item.id)).body.items).toHaveLength(item.version);
    expect(ok(await send(item.id, SENDER[type], BODY[type]())).version).toBe(item.version + 1);
  });

  it('REPORT_OVERDUE is the deadline\'s alone: every user gets 403, even once it is due', async () => {
    const item = ok(await create({ kind: 'deputy_suggestion', subject: '代表建议办理', respondent: '呼兰区人民法院', occurredAt: daysAgo(10) }), 201);
    ok(await send(item.id, 'committee', { type: 'REQUEST_REPORT', dueDate: dateIn(-5), occurredAt: daysAgo(9) }));
    for (const caller of CALLERS) expectProblem(await send(item.id, caller, { type: 'REPORT_OVERDUE' }), 403);
    expect((await get(item.id)).body).toMatchObject({ version: 2, overdue: false });
  });

  it('q finds items by words of their number, subject or respondent; % and _ are plain characters', async () => {
    const t = `Q${Date.now()}`;
    const a = ok(await create({ kind: 'case_inquiry', subject: `${t} 民间借贷专题问案`, respondent: '呼兰区人民法院' }), 201);
    const b = ok(await create({ kind: 'enforcement_review', subject: '执行监督', respondent: `${t} 双城区人民法院` }), 201);
    const c = ok(await create({ kind: 'deputy_suggestion', subject: `${t}_100% 代表建议`, respondent: '呼兰区人民法院' }), 201);
    const found = async (q: string) => ok(await w.call(tok('committee'), 'GET', `/api/supervisions?q=${encodeURIComponent(q)}&limit=200`)).items.map((i: any) => i.id).sort();
    expect(await found(t)).toEqual([a.id, b.id, c.id].sort());
    expect(await found(`${t} 民间借贷`)).toEqual([a.id]);
    expect(await found(`${t} 双城`)).toEqual([b.id]);
    expect(await found(`${t}_100%`)).toEqual([c.id]);
    expect(await found(`${t}%`)).toEqual([]);
    expect(await found(a.number)).toEqual([a.id]);
    expectProblem(await w.call(tok('committee'), 'GET', `/api/supervisions?q=${'长'.repeat(101)}`), 400);
  });

  it('only the committee opens items', async () => {
    const before = (await w.call(tok('committee'), 'GET', '/api/supervisions?limit=200')).body.items.length;
    for (const caller of ['court', 'admin', 'stationHL', 'deputyA'] as const) {
      expectProblem(await create({ kind: 'case_inquiry', subject: '专题问案', respondent: '呼兰区人民法院' }, caller), 403);
    }
    expect((await w.call(tok('committee'), 'GET', '/api/supervisions?limit=200')).body.items).toHaveLength(before);
  });

  it('committee, court and admin read list, item and history; station staff and deputies get 403 on all three', async () => {
    const item = await itemIn('reviewing');
    for (const caller of ['committee', 'court', 'admin'] as const) {
      const list = ok(await w.call(tok(caller), 'GET', '/api/supervisions'));
      expect(list.items.map((i: any) => i.id)).toContain(item.id);
      expect(ok(await get(item.id, caller)).id).toBe(item.id);
      expect(ok(await history(item.id, caller)).items).toHaveLength(3);
    }
    // What each reader may do now is theirs: admin sees the item but is offered nothing.
    expect((await get(item.id, 'admin')).body.nextEvents).toEqual([]);
    expect((await get(item.id, 'court')).body.nextEvents).toEqual([]);
    expect((await get(item.id, 'committee')).body.nextEvents).toEqual(['EVALUATE', 'CLOSE']);
    expect(ok(await w.call(tok('committee'), 'GET', '/api/supervisions?state=reviewing')).items.map((i: any) => i.id)).toContain(item.id);
    expect(ok(await w.call(tok('committee'), 'GET', '/api/supervisions?state=closed')).items.map((i: any) => i.id)).not.toContain(item.id);
    expectProblem(await w.call(tok('committee'), 'GET', '/api/supervisions?state=bogus'), 400);
    for (const caller of ['stationHL', 'stationSC', 'deputyA', 'deputyB', 'deputyOther'] as const) {
      expectProblem(await w.call(tok(caller), 'GET', '/api/supervisions'), 403);
      expectProblem(await get(item.id, caller), 403);
      expectProblem(await history(item.id, caller), 403);
    }
  });

  it('no token or a bad token: 401', async () => {
    const item = await openItem();
    expectProblem(await w.call(null, 'GET', `/api/supervisions/${item.id}`), 401);
    expectProblem(await w.call('jf_made_up', 'POST', `/api/supervisions/${item.id}/events`, REQUEST()), 401);
    expectProblem(await w.call(null, 'POST', '/api/supervisions', { kind: 'case_inquiry', subject: 's', respondent: 'r' }), 401);
  });
});

describe('linked sample cases (专题问案)', () => {
  it('shows each linked case as it stands now, in the order given', async () => {
    const a = await w.openCase();
    const b = await w.openCase({ stationCode: 'SC01', disputeType: '买卖合同' });
    const item = await openItem({ kind: 'case_inquiry', caseIds: [b.id, a.id] });
    expect(item.caseIds).toEqual([b.id, a.id]);
    expect(item.cases.map((c: any) => [c.id, c.state])).toEqual([
      [b.id, 'intake.screening'],
      [a.id, 'intake.screening'],
    ]);

    await w.send(a.id, w.tokens.court, { type: 'ACCEPT' }, { type: 'ASSIGN', deputyIds: [w.deputies.a] });
    await w.send(b.id, w.tokens.court, { type: 'RETURN', reason: 'out_of_scope' });
    const now = ok(await get(item.id));
    expect(now.cases.map((c: any) => [c.id, c.state, c.outcome])).toEqual([
      [b.id, 'closed', 'returned'],
      [a.id, 'mediation.active', null],
    ]);
    expect(now.cases[1]).toMatchObject({ number: a.number, stationCode: 'HL01', stateLabel: '调解中' });
    // The item itself did not move: cases are read, not driven (no case events from the committee).
    expect(now.version).toBe(1);
    // No personal data of the cases is shown with the item.
    expect(JSON.stringify(now)).not.toMatch(/230102|13812345678/);
    // The list carries the links too.
    const list = ok(await w.call(tok('committee'), 'GET', '/api/supervisions?kind=case_inquiry&limit=200'));
    expect(list.items.find((i: any) => i.id === item.id).caseIds).toEqual([b.id, a.id]);
  });

  it('unknown case ids are a 400 naming them, and nothing is created', async () => {
    const known = await w.openCase();
    const missing = randomUUID();
    const count = async () => (await w.call(tok('committee'), 'GET', '/api/supervisions?limit=200')).body.items.length;
    const before = await count();
    for (const caseIds of [[missing], ['not-a-case-id'], [known.id, missing], [known.id, known.id]]) {
      const p = expectProblem(await create({ kind: 'case_inquiry', subject: '专题问案', respondent: '呼兰区人民法院', caseIds }), 400);
      expect(p.errors[0].field).toMatch(/^caseIds/);
    }
    const p = expectProblem(await create({ kind: 'case_inquiry', subject: '专题问案', respondent: '呼兰区人民法院', caseIds: [known.id, missing] }), 400);
    expect(p.detail).toContain(missing);
    expect(p.detail).not.toContain(known.id);
    expect(await count()).toBe(before);
  });
});

describe('deadlines: late reports flagged by the sweeper exactly once', () => {
  const sweep = async () => ok(await w.call(tok('admin'), 'POST', '/api/admin/sweep'));
  const firedFor = (r: any, id: string) => r.fired.filter((f: any) => f.entityId === id);

  it('a report requested with a due date already past: REPORT_OVERDUE once, as system, at the due instant', async () => {
    const item = ok(await create({ kind: 'enforcement_inspection', subject: '执法检查', respondent: '呼兰区人民法院', occurredAt: daysAgo(20) }), 201);
    const due = dateIn(-10);
    const asked = ok(await send(item.id, 'committee', { type: 'REQUEST_REPORT', dueDate: due, occurredAt: daysAgo(19) }));
    expect(asked.deadlines).toEqual([{ kind: 'report_due', dueAt: endOfDate(due), daysLeft: -10, level: 'overdue', event: 'REPORT_OVERDUE' }]);
    expect(asked.overdue).toBe(false);

    const first = await sweep();
    expect(firedFor(first, item.id)).toEqual([
      expect.objectContaining({ entityType: 'supervision', kind: 'report_due', event: 'REPORT_OVERDUE', dueAt: endOfDate(due) }),
    ]);
    const second = await sweep();
    expect(firedFor(second, item.id)).toEqual([]);
    expect([...second.dropped, ...second.failed].filter((f: any) => f.entityId === item.id)).toEqual([]);

    const now = ok(await get(item.id));
    expect(now).toMatchObject({ state: 'awaitingReport', overdue: true, version: 3, deadlines: [] });
    const h = ok(await history(item.id));
    const overdue = h.items.filter((e: any) => e.type === 'REPORT_OVERDUE');
    expect(overdue).toHaveLength(1);
    expect(overdue[0]).toMatchObject({ from: 'awaitingReport', to: 'awaitingReport', actor: { role: 'system' }, occurredAt: endOfDate(due) });
    // The committee's list finds late items.
    const late = ok(await w.call(tok('committee'), 'GET', '/api/supervisions?overdue=true&limit=200'));
    expect(late.items.map((i: any) => i.id)).toContain(item.id);
    // And "due within N days, overdue included" still has it after the deadline fired (DESIGN §11).
    const soon = ok(await w.call(tok('committee'), 'GET', '/api/supervisions?dueWithinDays=0&limit=200'));
    expect(soon.items.map((i: any) => i.id)).toContain(item.id);
    // A late report is still taken.
    expect(ok(await send(item.id, 'court', REPORT)).state).toBe('reviewing');
  });

  it('the rectification deadline likewise, with its own kind', async () => {
    const item = ok(await create({ kind: 'enforcement_review', subject: '执行监督', respondent: '双城区人民法院', occurredAt: daysAgo(30) }), 201);
    ok(await send(item.id, 'committee', { type: 'REQUEST_REPORT', dueDate: dateIn(-25), occurredAt: daysAgo(29) }));
    // The report came in time, so its deadline is gone before any sweep.
    ok(await send(item.id, 'court', { ...REPORT, occurredAt: daysAgo(27) }));
    const due = dateIn(-10);
    const r = ok(await send(item.id, 'committee', { type: 'EVALUATE', rating: 'unsatisfied', opinion: '请整改', dueDate: due, occurredAt: daysAgo(20) }));
    expect(r).toMatchObject({ state: 'rectifying', overdue: false });
    expect(r.deadlines).toEqual([{ kind: 'rectification_due', dueAt: endOfDate(due), daysLeft: -10, level: 'overdue', event: 'REPORT_OVERDUE' }]);

    const first = await sweep();
    expect(firedFor(first, item.id)).toEqual([expect.objectContaining({ kind: 'rectification_due', event: 'REPORT_OVERDUE' })]);
    expect(firedFor(await sweep(), item.id)).toEqual([]);

    const h = ok(await history(item.id));
    expect(h.items.map((e: any) => e.type)).toEqual(['CREATE', 'REQUEST_REPORT', 'SUBMIT_REPORT', 'EVALUATE', 'REPORT_OVERDUE']);
    expect(h.items[4]).toMatchObject({ from: 'rectifying', to: 'rectifying', actor: { role: 'system' }, occurredAt: endOfDate(due) });
    expect(ok(await get(item.id))).toMatchObject({ state: 'rectifying', overdue: true, deadlines: [] });

    // Late rectification is taken; a new unsatisfied round starts a new clock and clears the flag.
    ok(await send(item.id, 'court', RECTIFICATION));
    const again = ok(await send(item.id, 'committee', UNSATISFIED()));
    expect(again).toMatchObject({ state: 'rectifying', overdue: false });
    expect(again.deadlines).toHaveLength(1);
  });

  it('a deadline not yet due does not fire', async () => {
    const item = await itemIn('awaitingReport');
    expect(firedFor(await sweep(), item.id)).toEqual([]);
    expect(ok(await get(item.id))).toMatchObject({ overdue: false, version: 2 });
  });
});
