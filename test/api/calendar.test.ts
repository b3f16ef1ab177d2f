/**
 * Legal time through the API on a real database (DESIGN §11): the seeded statutory calendar, Art 85
 * ends stamped into the journal, a calendar edit moving an open deadline with verify clean, missing
 * years, levels, dueWithinDays, the to-do of each role, and backfilled work judged at its time.
 * The clock is pinned, so every date is a real 2026 date.
 */
import { and, eq, isNull } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../src/app.js';
import { deadlines } from '../../src/db/schema.js';
import { deadlineStatus } from '../../src/engine/legal-time.js';
import { stores } from '../../src/engine/registry.js';
import { sweep } from '../../src/engine/sweeper.js';
import { verifyStore } from '../../src/engine/verify.js';
import { expectProblem, fingerprint } from '../helpers/api.js';
import { createWorld, type World } from '../helpers/world.js';

const at = (local: string) => new Date(`${local}+08:00`).toISOString();
let clock = new Date(at('2026-09-03T10:00:00'));
let w: World;
beforeAll(async () => {
  w = await createWorld({ now: () => clock });
});
afterAll(async () => w?.close());

/** A pre-filing case assigned at `assignedAt` (the clock set there), in mediation.active. */
async function assignedCase(assignedAt: string, overrides: Record<string, unknown> = {}) {
  clock = new Date(assignedAt);
  const c = await w.openCase(overrides);
  return w.send(c.id, w.tokens.court, { type: 'ACCEPT' }, { type: 'ASSIGN', deputyIds: [w.deputies.a] });
}

const deadline = (view: any, kind: string) => view.deadlines.find((d: any) => d.kind === kind);
const openRow = async (id: string, kind: string) =>
  (await w.database.db.select().from(deadlines).where(and(eq(deadlines.entityId, id), eq(deadlines.kind, kind), isNull(deadlines.firedAt))))[0];

async function verifyClean() {
  const r = await verifyStore(w.database.db, stores.case);
  expect(r.mismatches).toEqual([]);
  return r;
}

describe('the seeded calendar (chinese-days, 2004–2026)', () => {
  it('GET /api/calendar?year=2026: complete, with the National Day holiday and the make-up Saturday', async () => {
    const r = await w.call(w.tokens.deputyA, 'GET', '/api/calendar?year=2026');
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ year: 2026, complete: true });
    expect(r.body.days).toContainEqual({ date: '2026-10-01', kind: 'holiday', name: '国庆节' });
    expect(r.body.days).toContainEqual({ date: '2026-10-10', kind: 'workday', name: '国庆节' });
    expect(r.body.days.map((d: any) => d.date)).toEqual([...r.body.days.map((d: any) => d.date)].sort());
    const old = await w.call(w.tokens.committee, 'GET', '/api/calendar?year=2004');
    expect(old.body.complete).toBe(true);
  });

  it('a year not published: complete false, no days; the coverage lists it as missing', async () => {
    const r = await w.call(w.tokens.court, 'GET', '/api/calendar?year=2027');
    expect(r.body).toEqual({ year: 2027, complete: false, days: [] });
    const cov = await w.call(w.tokens.admin, 'GET', '/api/calendar');
    expect(cov.body.missing).toEqual([2027]);
    expect(cov.body.years.at(-1)).toMatchObject({ year: 2026, source: 'chinese-days@1.5.7' });
  });

  it('refusals: no token 401, a bad year 400, as problem+json', async () => {
    expectProblem(await w.call(null, 'GET', '/api/calendar?year=2026'), 401);
    for (const y of ['abc', '1800', '2026.5']) {
      const p = expectProblem(await w.call(w.tokens.court, 'GET', `/api/calendar?year=${y}`), 400);
      expect(p.errors[0].field).toBe('year');
    }
  });
});

describe('Art 85 through the engine: stamped into the journal', () => {
  it('DESIGN §11 example: assigned 2026-09-03, expires 2026-10-09T00:00+08:00; the sweeper fires then, not on 10-04', async () => {
    const c = await assignedCase(at('2026-09-03T10:00:00'));
    expect(deadline(c, 'mediation_expiry')).toMatchObject({ dueAt: at('2026-10-09T00:00:00'), level: 'normal', daysLeft: 35 });
    expect(deadline(c, 'mediation_expiry').calendarMissing).toBeUndefined();
    // The context gives the same end, not the unmoved 10-04.
    expect(c.context.mediationDueAt).toBe(at('2026-10-09T00:00:00'));
    const h = await w.call(w.tokens.court, 'GET', `/api/cases/${c.id}/history`);
    expect(h.body.items.at(-1)).toMatchObject({ type: 'ASSIGN', payload: { deputyIds: [w.deputies.a] }, periodEnds: { mediation_expiry: { lastDay: '2026-10-03', dueAt: at('2026-10-09T00:00:00') } } });
    expect(h.body.items.at(-1).payload.periodEnds).toBeUndefined();
    expect(Date.parse((await openRow(c.id, 'mediation_expiry')).dueAt)).toBe(Date.parse(at('2026-10-09T00:00:00')));

    const early = await sweep({ db: w.database.db, now: () => new Date(at('2026-10-05T09:00:00')) }, stores);
    expect(early.fired.filter((f) => f.entityId === c.id)).toEqual([]);
    const due = await sweep({ db: w.database.db, now: () => new Date(at('2026-10-09T00:00:01')) }, stores);
    expect(due.fired.filter((f) => f.entityId === c.id).map((f) => f.event)).toEqual(['MEDIATION_EXPIRED']);
    await verifyClean();
  });

  it('the confirmation window of an agreement of 2026-09-03 runs to the end of 10-08; performance on 10-03 is not moved', async () => {
    const c = await assignedCase(at('2026-09-03T09:00:00'));
    const a = await w.send(c.id, w.tokens.court, { type: 'REACH_AGREEMENT', terms: '一次付清', amount: '1000', dueDate: '2026-10-03' });
    expect(deadline(a, 'confirmation_window').dueAt).toBe(at('2026-10-09T00:00:00'));
    expect(deadline(a, 'performance').dueAt).toBe(at('2026-10-04T00:00:00'));
    clock = new Date(at('2026-10-08T16:00:00'));
    const applied = await w.send(c.id, w.tokens.court, { type: 'APPLY_CONFIRMATION' });
    expect(applied.state).toBe('agreement.confirming');
    await verifyClean();
  });
});

describe('PUT /api/calendar/:year', () => {
  it('admin only; invalid notices are 400 with the field; nothing is written', async () => {
    const days = [{ date: '2027-01-01', kind: 'holiday', name: '元旦' }];
    for (const t of [w.tokens.court, w.tokens.committee, w.tokens.deputyA, w.tokens.stationHL]) {
      expectProblem(await w.call(t, 'PUT', '/api/calendar/2027', { days }), 403);
    }
    const bad: [unknown, string][] = [
      [{ days: [] }, 'days'],
      [{}, 'days'],
      [{ days: [{ date: '2026-01-01', kind: 'holiday', name: '元旦' }] }, 'days.0.date'],
      [{ days: [{ date: '2027-02-30', kind: 'holiday', name: '春节' }] }, 'days.0.date'],
      [{ days: [{ date: '2027-01-01', kind: 'rest', name: '元旦' }] }, 'days.0.kind'],
      [{ days: [{ date: '2027-01-01', kind: 'holiday', name: ' ' }] }, 'days.0.name'],
      [{ days: [{ date: '2027-01-05', kind: 'workday', name: '春节' }] }, 'days.0.kind'], // a Tuesday
      [{ days: [days[0], days[0]] }, 'days.1.date'],
    ];
    for (const [body, field] of bad) {
      const p = expectProblem(await w.call(w.tokens.admin, 'PUT', '/api/calendar/2027', body), 400);
      expect(p.errors.map((e: any) => e.field), JSON.stringify(body)).toContain(field);
    }
    expectProblem(await w.call(w.tokens.admin, 'PUT', '/api/calendar/20x7', { days }), 400);
    expect((await w.call(w.tokens.court, 'GET', '/api/calendar?year=2027')).body).toEqual({ year: 2027, complete: false, days: [] });
  });

  it('an edit that moves an open deadline: one CALENDAR_CHANGED record in the history, the sweeper row moved, verify clean; and back', async () => {
    const c = await assignedCase(at('2026-09-03T11:00:00'));
    const untouched = await assignedCase(at('2026-09-10T11:00:00')); // 30th day 10-10, a make-up Saturday: a working day either way
    expect(deadline(untouched, 'mediation_expiry').dueAt).toBe(at('2026-10-11T00:00:00'));
    const original = (await w.call(w.tokens.admin, 'GET', '/api/calendar?year=2026')).body.days;
    // A notice where the holiday ends on Sunday 10-04: the 30th day 10-03 then ends on Monday 10-05.
    const shorter = original.filter((d: any) => !['2026-10-05', '2026-10-06', '2026-10-07'].includes(d.date));
    clock = new Date(at('2026-09-05T09:00:00'));
    const r = await w.call(w.tokens.admin, 'PUT', '/api/calendar/2026', { days: shorter });
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ year: 2026, complete: true, source: 'admin' });
    expect(r.body.moved).toContainEqual({ entityType: 'case', id: c.id, number: c.number, kinds: ['mediation_expiry'] });
    expect(r.body.moved.map((m: any) => m.id)).not.toContain(untouched.id);

    const moved = (await w.call(w.tokens.court, 'GET', `/api/cases/${c.id}`)).body;
    expect(deadline(moved, 'mediation_expiry').dueAt).toBe(at('2026-10-06T00:00:00'));
    expect(moved.context.mediationDueAt).toBe(at('2026-10-06T00:00:00'));
    expect(moved.version).toBe(c.version + 1);
    const h = (await w.call(w.tokens.court, 'GET', `/api/cases/${c.id}/history`)).body.items;
    expect(h.at(-1)).toMatchObject({
      type: 'CALENDAR_CHANGED',
      typeLabel: '法定节假日调整，期限变更',
      from: 'mediation.active',
      to: 'mediation.active',
      actor: { role: 'admin' },
      payload: { year: 2026, periodEnds: { mediation_expiry: { lastDay: '2026-10-03', dueAt: at('2026-10-06T00:00:00') } }, previous: { mediation_expiry: { dueAt: at('2026-10-09T00:00:00') } } },
    });
    expect(Date.parse((await openRow(c.id, 'mediation_expiry')).dueAt)).toBe(Date.parse(at('2026-10-06T00:00:00')));
    await verifyClean();

    // Work goes on after the record (a backdated session too: the record did not move lastEventAt).
    await w.send(c.id, w.tokens.court, { type: 'RECORD_SESSION', heldAt: at('2026-09-04T10:00:00'), attendeeDeputyIds: [w.deputies.a], minutes: '第一次调解', occurredAt: at('2026-09-04T12:00:00') });
    await verifyClean();

    // The State Council's notice entered again: the deadline moves back, recorded again.
    const back = await w.call(w.tokens.admin, 'PUT', '/api/calendar/2026', { days: original });
    expect(back.body.moved.map((m: any) => m.id)).toContain(c.id);
    expect(deadline((await w.call(w.tokens.court, 'GET', `/api/cases/${c.id}`)).body, 'mediation_expiry').dueAt).toBe(at('2026-10-09T00:00:00'));
    // The same notice again moves nothing.
    expect((await w.call(w.tokens.admin, 'PUT', '/api/calendar/2026', { days: original })).body.moved).toEqual([]);
    await verifyClean();
  });

  it('a missing year: weekends only and calendarMissing; entering the notice clears it and moves the end', async () => {
    // Assigned 2026-12-03: the 30th day is Saturday 2027-01-02 → Monday 01-04 without a 2027 notice.
    const c = await assignedCase(at('2026-12-03T10:00:00'));
    expect(deadline(c, 'mediation_expiry')).toMatchObject({ dueAt: at('2027-01-05T00:00:00'), calendarMissing: true });
    const days = [
      { date: '2027-01-01', kind: 'holiday', name: '元旦' },
      { date: '2027-01-02', kind: 'holiday', name: '元旦' },
      { date: '2027-01-03', kind: 'holiday', name: '元旦' },
      { date: '2027-01-04', kind: 'holiday', name: '元旦（示例）' },
    ];
    const r = await w.call(w.tokens.admin, 'PUT', '/api/calendar/2027', { days });
    expect(r.body).toMatchObject({ year: 2027, complete: true, days });
    expect(r.body.moved.map((m: any) => m.id)).toContain(c.id);
    const after = (await w.call(w.tokens.court, 'GET', `/api/cases/${c.id}`)).body;
    expect(deadline(after, 'mediation_expiry').dueAt).toBe(at('2027-01-06T00:00:00'));
    expect(deadline(after, 'mediation_expiry').calendarMissing).toBeUndefined();
    expect((await w.call(w.tokens.admin, 'GET', '/api/calendar')).body.missing).toEqual([]);
    await verifyClean();
  });
});

describe('levels (DEADLINE_WARNING_DAYS, default 5)', () => {
  const due = at('2026-10-09T00:00:00'); // last day 10-08
  it.each([
    ['2026-10-02T09:00:00', 6, 'normal'],
    ['2026-10-03T00:00:00', 5, 'warning'],
    ['2026-10-08T23:59:59', 0, 'warning'],
    ['2026-10-09T00:00:00', -1, 'overdue'],
    ['2026-10-12T10:00:00', -4, 'overdue'],
  ])('at %s: %i days left, %s', (now, daysLeft, level) => {
    expect(deadlineStatus(due, new Date(at(now)))).toEqual({ daysLeft, level });
  });
  it('the warning threshold is configurable', () => {
    expect(deadlineStatus(due, new Date(at('2026-10-02T09:00:00')), 6).level).toBe('warning');
    expect(deadlineStatus(due, new Date(at('2026-10-03T09:00:00')), 0).level).toBe('normal');
  });

  it('lists carry levels and filter by dueWithinDays', async () => {
    const near = await assignedCase(at('2026-09-20T10:00:00')); // 30th day 10-20 (Tue)
    clock = new Date(at('2026-10-16T10:00:00'));
    const list = (await w.call(w.tokens.court, 'GET', '/api/cases?dueWithinDays=4&limit=200')).body.items;
    const item = list.find((i: any) => i.id === near.id);
    expect(item.deadlines).toEqual([{ kind: 'mediation_expiry', dueAt: at('2026-10-21T00:00:00'), daysLeft: 4, level: 'warning', event: 'MEDIATION_EXPIRED' }]);
    const narrower = (await w.call(w.tokens.court, 'GET', '/api/cases?dueWithinDays=3&limit=200')).body.items;
    expect(narrower.map((i: any) => i.id)).not.toContain(near.id);
    expectProblem(await w.call(w.tokens.court, 'GET', '/api/cases?dueWithinDays=-1'), 400);
    expectProblem(await w.call(w.tokens.committee, 'GET', '/api/supervisions?dueWithinDays=x'), 400);
    // Left empty, it is no "0 days" (only what is due today or overdue) read without a word: a 400 naming it.
    for (const [who, path] of [[w.tokens.court, '/api/cases?dueWithinDays='], [w.tokens.committee, '/api/supervisions?dueWithinDays=%20']] as const) {
      expect(expectProblem(await w.call(who, 'GET', path), 400).errors.map((e: any) => e.field)).toEqual(['dueWithinDays']);
    }
  });

  it('DEADLINE_WARNING_DAYS set to 10: every view, list and the to-do say warning 8 days ahead, alike', async () => {
    clock = new Date(at('2026-11-02T10:00:00'));
    const c = await assignedCase(at('2026-11-02T10:00:00'));
    const s = await w.call(w.tokens.committee, 'POST', '/api/supervisions', { kind: 'enforcement_inspection', subject: '十天预警', respondent: '呼兰区人民法院' });
    await w.call(w.tokens.committee, 'POST', `/api/supervisions/${s.body.id}/events`, { type: 'REQUEST_REPORT', dueDate: '2026-11-20' });
    clock = new Date(at('2026-11-12T10:00:00')); // the report's last day 11-20 is 8 days away; the mediation's 12-02, 20
    const app = createApp({ db: w.database.db, log: () => {}, now: () => clock, warningDays: 10 });
    const get = async (token: string, path: string) => {
      const r = await app.request(path, { headers: { authorization: `Bearer ${token}` } });
      expect(r.status, path).toBe(200);
      return (await r.json()) as any;
    };
    const want = { kind: 'report_due', dueAt: at('2026-11-21T00:00:00'), daysLeft: 8, level: 'warning' };
    expect((await get(w.tokens.committee, `/api/supervisions/${s.body.id}`)).deadlines).toEqual([expect.objectContaining(want)]);
    const listed = (await get(w.tokens.committee, '/api/supervisions?limit=200')).items.find((i: any) => i.id === s.body.id);
    expect(listed.deadlines).toEqual([expect.objectContaining(want)]);
    const todo = (await get(w.tokens.court, '/api/me/todo')).items.find((i: any) => i.entity.id === s.body.id);
    expect(todo).toMatchObject({ kind: 'report_due', daysLeft: 8, level: 'warning' });
    // The case's deadline 20 days away stays normal, in its view and in the list.
    expect(deadline(await get(w.tokens.court, `/api/cases/${c.id}`), 'mediation_expiry')).toMatchObject({ daysLeft: 20, level: 'normal' });
    const caseListed = (await get(w.tokens.court, '/api/cases?limit=200')).items.find((i: any) => i.id === c.id);
    expect(deadline(caseListed, 'mediation_expiry')).toMatchObject({ daysLeft: 20, level: 'normal' });
  });
});

describe('GET /api/me/todo', () => {
  it('each role: most urgent first, each item naming its entity', async () => {
    clock = new Date(at('2026-11-02T09:00:00'));
    const screening = await w.openCase();
    const stationCase = await w.openCase({ source: 'walk_in' }, w.tokens.stationHL);
    const assigning = await w.openCase();
    await w.send(assigning.id, w.tokens.court, { type: 'ACCEPT' });
    // Mediation assigned 2026-10-05: 30th day 11-04 (Wed) → 2 days left on 11-02: a warning.
    clock = new Date(at('2026-10-05T09:00:00'));
    const urgent = await w.openCase();
    await w.send(urgent.id, w.tokens.court, { type: 'ACCEPT' }, { type: 'ASSIGN', deputyIds: [w.deputies.a] });
    clock = new Date(at('2026-11-02T09:00:00'));
    await w.send(urgent.id, w.tokens.deputyA, { type: 'SCHEDULE_SESSION', at: at('2026-11-03T14:00:00'), location: '呼兰站调解室' });

    const court = (await w.call(w.tokens.court, 'GET', '/api/me/todo')).body.items;
    const ofCase = (items: any[], id: string) => items.filter((i) => i.entity.id === id);
    expect(ofCase(court, screening.id)).toEqual([{ kind: 'screening', entity: { type: 'case', id: screening.id, number: screening.number }, title: expect.stringContaining('待审查'), level: 'normal' }]);
    expect(ofCase(court, assigning.id).map((i) => i.kind)).toEqual(['assignment']);
    expect(ofCase(court, urgent.id)).toEqual([
      expect.objectContaining({ kind: 'deadline', deadline: 'mediation_expiry', level: 'warning', daysLeft: 2, dueAt: at('2026-11-05T00:00:00') }),
    ]);
    const ranks = court.map((i: any) => ['overdue', 'warning', 'normal'].indexOf(i.level));
    expect(ranks).toEqual([...ranks].sort((a, b) => a - b));

    const deputy = (await w.call(w.tokens.deputyA, 'GET', '/api/me/todo')).body.items;
    expect(ofCase(deputy, urgent.id).map((i) => i.kind)).toEqual(['deadline', 'session']);
    expect(ofCase(deputy, screening.id)).toEqual([]);
    expect((await w.call(w.tokens.deputyOther, 'GET', '/api/me/todo')).body.items.filter((i: any) => i.entity.id === urgent.id)).toEqual([]);

    const station = (await w.call(w.tokens.stationHL, 'GET', '/api/me/todo')).body.items;
    expect(station.map((i: any) => i.entity.id)).toContain(stationCase.id);
    expect(station.every((i: any) => i.kind === 'screening')).toBe(true);
    expect((await w.call(w.tokens.stationSC, 'GET', '/api/me/todo')).body.items).toEqual([]);

    const sup = (await w.call(w.tokens.committee, 'POST', '/api/supervisions', { kind: 'case_inquiry', subject: '专题问案', respondent: '呼兰区人民法院' })).body;
    await w.call(w.tokens.committee, 'POST', `/api/supervisions/${sup.id}/events`, { type: 'REQUEST_REPORT', dueDate: '2026-11-20' });
    // The court answers supervision requests (DESIGN §1): a report asked of it is on its list, with its due date.
    const ofSup = async (token: string) => ofCase((await w.call(token, 'GET', '/api/me/todo')).body.items, sup.id);
    const entity = { type: 'supervision', id: sup.id, number: sup.number };
    expect(await ofSup(w.tokens.court)).toEqual([
      { kind: 'report_due', entity, title: '待提交监督报告：专题问案', dueAt: at('2026-11-21T00:00:00'), daysLeft: 18, level: 'normal' },
    ]);
    await w.call(w.tokens.court, 'POST', `/api/supervisions/${sup.id}/events`, { type: 'SUBMIT_REPORT', content: '报告内容' });
    expect(await ofSup(w.tokens.court)).toEqual([]);
    const committee = (await w.call(w.tokens.committee, 'GET', '/api/me/todo')).body.items;
    expect(committee).toContainEqual({ kind: 'evaluation', entity: { type: 'supervision', id: sup.id, number: sup.number }, title: expect.stringContaining('待测评'), level: 'normal' });
    // Unsatisfied: the rectification is the court's to do, at warning level 3 days before it is due.
    await w.call(w.tokens.committee, 'POST', `/api/supervisions/${sup.id}/events`, { type: 'EVALUATE', rating: 'unsatisfied', opinion: '不满意', dueDate: '2026-11-04' });
    expect(await ofSup(w.tokens.court)).toEqual([expect.objectContaining({ kind: 'rectification_due', title: '待提交整改情况：专题问案', level: 'warning', daysLeft: 2 })]);
    expect(await ofSup(w.tokens.stationHL)).toEqual([]);

    expectProblem(await w.call(null, 'GET', '/api/me/todo'), 401);
  });
});

describe('backfilled work is judged at its occurredAt (issue 11 item 7)', () => {
  it('a backdated agreement of 2026-05-02: APPLY_CONFIRMATION offered for an earlier date, refused today with the reason, accepted dated inside the window', async () => {
    clock = new Date(at('2026-12-03T10:00:00'));
    const c = await w.openCase({ occurredAt: at('2026-04-28T09:00:00') });
    const a = await w.send(
      c.id,
      w.tokens.court,
      { type: 'ACCEPT', occurredAt: at('2026-04-29T09:00:00') },
      { type: 'ASSIGN', deputyIds: [w.deputies.a], occurredAt: at('2026-04-29T10:00:00') },
      { type: 'REACH_AGREEMENT', terms: '一次付清', amount: '1000', dueDate: '2026-12-31', occurredAt: at('2026-05-02T10:00:00') },
    );
    expect(a.nextEvents).not.toContain('APPLY_CONFIRMATION');
    expect(a.backdatableEvents).toEqual(['APPLY_CONFIRMATION']);
    const refused = expectProblem(await w.call(w.tokens.court, 'POST', `/api/cases/${c.id}/events`, { type: 'APPLY_CONFIRMATION' }), 409);
    expect(refused.detail).toContain('30 日内');
    const ok = await w.send(c.id, w.tokens.court, { type: 'APPLY_CONFIRMATION', occurredAt: at('2026-05-20T10:00:00') });
    expect(ok.state).toBe('agreement.confirming');
    await verifyClean();
  });
});

describe('dates a user types lie at most 100 years after the day of the event (a 400, never a 500)', () => {
  const post = (id: string, body: Record<string, unknown>, token = w.tokens.court) => w.call(token, 'POST', `/api/cases/${id}/events`, body);
  const refusal = async (r: Promise<any>, field: string) => {
    const p = expectProblem(await r, 400);
    expect(p.errors).toContainEqual(expect.objectContaining({ field, message: expect.stringMatching(/^须在事件发生之日起 100 年内（不晚于 \d{4}-\d{2}-\d{2}）$/) }));
    return p;
  };

  it('an agreement due in year 9999 (its enforcement bar past the calendar): 400 on dueDate, nothing written; 100 years to the day is accepted', async () => {
    const c = await assignedCase(at('2026-09-03T10:00:00'));
    const before = await fingerprint(w);
    for (const dueDate of ['9999-12-31', '9997-12-31', '9998-01-01', '9998-06-30', '9999-06-01', '9997-06-01', '2126-09-04']) {
      const p = await refusal(post(c.id, { type: 'REACH_AGREEMENT', terms: 't', amount: '5.00', dueDate }), 'dueDate');
      expect(p.errors[0].message).toBe('须在事件发生之日起 100 年内（不晚于 2126-09-03）');
    }
    await refusal(post(c.id, { type: 'REACH_AGREEMENT', terms: 't', amount: '5.00', dueDate: '2030-01-01', installments: [{ dueDate: '9999-12-31', amount: '5.00' }] }), 'installments.0.dueDate');
    // A full instant in a date field is read as its Shanghai date; one whose Shanghai date is past 9999 is no date.
    const p = expectProblem(await post(c.id, { type: 'REACH_AGREEMENT', terms: 't', amount: '5.00', dueDate: '9999-12-31T20:00:00Z' }), 400);
    expect(p.errors).toEqual([expect.objectContaining({ field: 'dueDate', message: '须为日期 YYYY-MM-DD，例如 2026-11-24' })]);
    expect(await fingerprint(w)).toEqual(before);

    const a = await w.send(c.id, w.tokens.court, { type: 'REACH_AGREEMENT', terms: 't', amount: '5.00', dueDate: '2126-09-03' });
    expect(deadline(a, 'performance').dueAt).toBe(at('2126-09-04T00:00:00'));
    await verifyClean();
  });

  it('judged at the event: a backdated agreement of 2026-05-02 may fall due up to 2126-05-02; a date field given an instant keeps its Shanghai date', async () => {
    const c = await assignedCase(at('2026-04-29T10:00:00'));
    clock = new Date(at('2026-09-03T10:00:00'));
    const occurredAt = at('2026-05-02T10:00:00');
    await refusal(post(c.id, { type: 'REACH_AGREEMENT', terms: 't', amount: '5.00', dueDate: '2126-05-03', occurredAt }), 'dueDate');
    const a = await w.send(c.id, w.tokens.court, { type: 'REACH_AGREEMENT', terms: 't', amount: '5.00', dueDate: '2026-12-06T18:00:00Z', occurredAt });
    expect(deadline(a, 'performance').dueAt).toBe(at('2026-12-08T00:00:00')); // 12-06T18:00Z is 12-07 in Shanghai
  });

  it('session times and a supervision’s due dates: the same rule', async () => {
    const c = await assignedCase(at('2026-09-03T10:00:00'));
    await refusal(post(c.id, { type: 'SCHEDULE_SESSION', at: '9999-12-31T10:00:00+08:00', location: '调解室' }), 'at');
    await refusal(post(c.id, { type: 'SCHEDULE_SESSION', at: '2126-09-04T00:00:00+08:00', location: '调解室' }), 'at');
    await refusal(post(c.id, { type: 'RECORD_SESSION', heldAt: '2127-01-01T10:00:00+08:00', minutes: '纪要' }), 'heldAt');
    await w.send(c.id, w.tokens.court, { type: 'SCHEDULE_SESSION', at: '2126-09-03T23:59:00+08:00', location: '调解室' });

    const sup = (await w.call(w.tokens.committee, 'POST', '/api/supervisions', { kind: 'case_inquiry', subject: '专题问案', respondent: '呼兰区人民法院' })).body;
    const supPost = (body: Record<string, unknown>) => w.call(w.tokens.committee, 'POST', `/api/supervisions/${sup.id}/events`, body);
    await refusal(supPost({ type: 'REQUEST_REPORT', dueDate: '9999-12-31' }), 'dueDate');
    expect((await supPost({ type: 'REQUEST_REPORT', dueDate: '2026-11-20' })).status).toBe(200);
    await w.call(w.tokens.court, 'POST', `/api/supervisions/${sup.id}/events`, { type: 'SUBMIT_REPORT', content: '报告内容' });
    await refusal(supPost({ type: 'EVALUATE', rating: 'unsatisfied', opinion: '不满意', dueDate: '9998-06-30' }), 'dueDate');
  });
});

describe('Art 85 walks to the first working day, however long the run of rest days', () => {
  it('65 holidays in a row: a 30th day on the first ends after the last, stamped and moved alike; all of 2027: weekends of 2028 only', async () => {
    // Assigned 2026-12-06: the 30th day is 2027-01-05.
    const movedByTheEdit = await assignedCase(at('2026-12-06T10:00:00'));
    const days = [];
    for (let d = new Date('2027-01-05T00:00:00Z'); d <= new Date('2027-03-10T00:00:00Z'); d = new Date(d.getTime() + 86_400_000)) {
      days.push({ date: d.toISOString().slice(0, 10), kind: 'holiday', name: '示例长假' });
    }
    expect(days).toHaveLength(65);
    const r = await w.call(w.tokens.admin, 'PUT', '/api/calendar/2027', { days });
    expect(r.status).toBe(200);
    expect(r.body.moved.map((m: any) => m.id)).toContain(movedByTheEdit.id);
    const stamped = await assignedCase(at('2026-12-06T11:00:00'));
    for (const c of [(await w.call(w.tokens.court, 'GET', `/api/cases/${movedByTheEdit.id}`)).body, stamped]) {
      // Thursday 2027-03-11, the first working day after the holiday.
      expect(deadline(c, 'mediation_expiry')).toMatchObject({ dueAt: at('2027-03-12T00:00:00') });
      expect(deadline(c, 'mediation_expiry').calendarMissing).toBeUndefined();
    }

    const all = [];
    for (let d = new Date('2027-01-01T00:00:00Z'); d <= new Date('2027-12-31T00:00:00Z'); d = new Date(d.getTime() + 86_400_000)) {
      all.push({ date: d.toISOString().slice(0, 10), kind: 'holiday', name: '示例' });
    }
    const whole = await w.call(w.tokens.admin, 'PUT', '/api/calendar/2027', { days: all });
    expect(whole.body.moved.map((m: any) => m.id)).toEqual(expect.arrayContaining([movedByTheEdit.id, stamped.id]));
    const later = await assignedCase(at('2026-12-06T12:00:00'));
    for (const c of [(await w.call(w.tokens.court, 'GET', `/api/cases/${stamped.id}`)).body, later]) {
      // 2028 is not covered: Saturday 01-01 and Sunday 01-02 rest, Monday 2028-01-03 works.
      expect(deadline(c, 'mediation_expiry')).toMatchObject({ dueAt: at('2028-01-04T00:00:00'), calendarMissing: true });
    }
    await verifyClean();
  });

  it('an edit moves a period whose last day lies months before the year edited, when its run of rest days reaches into it', async () => {
    // Assigned 2028-10-06: the 30th day is Sunday 2028-11-05; 2028 declares every day from 11-01 a holiday.
    const nov = [];
    for (let d = new Date('2028-11-01T00:00:00Z'); d <= new Date('2028-12-31T00:00:00Z'); d = new Date(d.getTime() + 86_400_000)) {
      nov.push({ date: d.toISOString().slice(0, 10), kind: 'holiday', name: '示例' });
    }
    clock = new Date(at('2028-10-01T09:00:00'));
    expect((await w.call(w.tokens.admin, 'PUT', '/api/calendar/2028', { days: nov })).status).toBe(200);
    const c = await assignedCase(at('2028-10-06T10:00:00'));
    // 2029 not covered yet: Monday 2029-01-01 is a working day.
    expect(deadline(c, 'mediation_expiry')).toMatchObject({ dueAt: at('2029-01-02T00:00:00'), calendarMissing: true });
    const r = await w.call(w.tokens.admin, 'PUT', '/api/calendar/2029', { days: [{ date: '2029-01-01', kind: 'holiday', name: '元旦' }] });
    expect(r.body.moved.map((m: any) => m.id)).toContain(c.id);
    const after = (await w.call(w.tokens.court, 'GET', `/api/cases/${c.id}`)).body;
    expect(deadline(after, 'mediation_expiry').dueAt).toBe(at('2029-01-03T00:00:00'));
    expect(deadline(after, 'mediation_expiry').calendarMissing).toBeUndefined();
    await verifyClean();
  });
});
