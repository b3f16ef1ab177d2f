import { and, eq, isNull } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyEvent, createEntity } from '../../src/engine/apply.js';
import { stores } from '../../src/engine/registry.js';
import { caseStore } from '../../src/engine/stores.js';
import { BACKFILL_GRACE_MS, sweep } from '../../src/engine/sweeper.js';
import { caseEvents, cases, deadlines } from '../../src/db/schema.js';
import type { Actor } from '../../src/machines/roles.js';
import { freshDatabase, type TestDatabase } from '../helpers/db.js';
import { daysAgo, seedDirectory } from '../helpers/actors.js';

let database: TestDatabase;
let court: Actor;
let deputyId: string;
const render = (w: { row: { id: string } }) => ({ body: { id: w.row.id } });

beforeAll(async () => {
  database = await freshDatabase();
  ({ court, deputyId } = await seedDirectory(database.db));
});
afterAll(async () => database?.destroy());

const ctx = () => ({ db: database.db });
const send = (id: string, event: Record<string, unknown>) => applyEvent(ctx(), caseStore, court, id, event, { render });
async function open(extra: Record<string, unknown> = {}) {
  return (
    (await createEntity(ctx(), caseStore, court, {
      track: 'post_filing', procedure: 'simple', source: 'court_referral', stationCode: 'HL01', disputeType: '物业', summary: '物业费', parties: [{ role: 'applicant', name: '甲' }], ...extra,
    }, { render })).body as { id: string }
  ).id;
}
const stateOf = async (id: string) => (await database.db.select().from(cases).where(eq(cases.id, id)))[0];

describe('the deadline sweeper', () => {
  it('expires a mediation past its 7-day simple-procedure clock, as actor system, once', async () => {
    const id = await open({ occurredAt: daysAgo(20) });
    await send(id, { type: 'ACCEPT', occurredAt: daysAgo(19) });
    await send(id, { type: 'ASSIGN', deputyIds: [deputyId], occurredAt: daysAgo(10) });
    const first = await sweep(ctx(), stores);
    expect(first.fired.map((f) => [f.entityId, f.event])).toContainEqual([id, 'MEDIATION_EXPIRED']);
    const row = await stateOf(id);
    expect(row).toMatchObject({ state: 'closed', outcome: 'trial_resumed', version: 4 });
    expect((row.snapshot as any).context.outcomeReason).toBe('deadline_expired');
    const [last] = await database.db.select().from(caseEvents).where(and(eq(caseEvents.caseId, id), eq(caseEvents.seq, 4)));
    expect(last).toMatchObject({ type: 'MEDIATION_EXPIRED', actorRole: 'system', actorId: 'system' });
    // The event happened when the clock ran out, not when the sweeper noticed.
    const [d] = await database.db.select().from(deadlines).where(eq(deadlines.entityId, id));
    expect(new Date(last.occurredAt).toISOString()).toBe(new Date(d.dueAt).toISOString());
    expect(d.firedAt).not.toBeNull();
    const second = await sweep(ctx(), stores);
    expect(second.fired.filter((f) => f.entityId === id)).toEqual([]);
  });

  it('the running sweeper gives history being entered from paper a day before a deadline already past fires', async () => {
    const id = await open({ occurredAt: daysAgo(20) });
    await send(id, { type: 'ACCEPT', occurredAt: daysAgo(19) });
    await send(id, { type: 'ASSIGN', deputyIds: [deputyId], occurredAt: daysAgo(10) });
    // The clerk is still entering: a pass of the running sweeper leaves the backfilled clock alone.
    const held = await sweep(ctx(), stores, { backfillGraceMs: BACKFILL_GRACE_MS });
    expect(held.fired.filter((f) => f.entityId === id)).toEqual([]);
    expect((await stateOf(id)).state).toBe('mediation.active');
    // A day later nobody entered the agreement: it fires, dated when the period ran out.
    const later = () => new Date(Date.now() + BACKFILL_GRACE_MS + 60_000);
    const fired = await sweep({ db: database.db, now: later }, stores, { backfillGraceMs: BACKFILL_GRACE_MS });
    expect(fired.fired.filter((f) => f.entityId === id).map((f) => f.event)).toEqual(['MEDIATION_EXPIRED']);
    expect((await stateOf(id)).state).toBe('closed');
  });

  it('holds back no deadline that was written before it was due', async () => {
    const id = await open();
    await send(id, { type: 'ACCEPT' });
    await send(id, { type: 'ASSIGN', deputyIds: [deputyId] });
    // Twenty days on (simple procedure: 7, moved past rest days at most), the row was written in time: no grace.
    const r = await sweep({ db: database.db, now: () => new Date(Date.now() + 20 * 86_400_000) }, stores, { backfillGraceMs: BACKFILL_GRACE_MS });
    expect(r.fired.filter((f) => f.entityId === id).map((f) => f.event)).toEqual(['MEDIATION_EXPIRED']);
  });

  it('does not fire a deadline that is not yet due', async () => {
    const id = await open();
    await send(id, { type: 'ACCEPT' });
    await send(id, { type: 'ASSIGN', deputyIds: [deputyId] });
    const r = await sweep(ctx(), stores);
    expect(r.fired.filter((f) => f.entityId === id)).toEqual([]);
    expect((await stateOf(id)).state).toBe('mediation.active');
  });

  it('drops the deadline of a state the case has left', async () => {
    const id = await open({ occurredAt: daysAgo(20) });
    await send(id, { type: 'ACCEPT', occurredAt: daysAgo(19) });
    await send(id, { type: 'ASSIGN', deputyIds: [deputyId], occurredAt: daysAgo(10) });
    // Agreement reached before the sweeper ran: the expired mediation clock must not fire.
    await send(id, { type: 'REACH_AGREEMENT', terms: '分期', amount: '3000.00', dueDate: '2049-12-31' });
    const open_ = await database.db.select().from(deadlines).where(and(eq(deadlines.entityId, id), isNull(deadlines.firedAt)));
    expect(open_.map((d) => d.kind)).toEqual(['performance']);
    const r = await sweep(ctx(), stores);
    expect(r.fired.filter((f) => f.entityId === id)).toEqual([]);
    expect((await stateOf(id)).state).toBe('agreement.performing');
  });

  it('marks performance overdue, then enforcement overdue, each once', async () => {
    const id = await open({ occurredAt: daysAgo(400) });
    await send(id, { type: 'ACCEPT', occurredAt: daysAgo(399) });
    await send(id, { type: 'ASSIGN', deputyIds: [deputyId], occurredAt: daysAgo(398) });
    const due = daysAgo(390).slice(0, 10);
    await send(id, { type: 'REACH_AGREEMENT', terms: '还款', amount: '5000', dueDate: due, occurredAt: daysAgo(397) });
    let r = await sweep(ctx(), stores);
    expect(r.fired.filter((f) => f.entityId === id).map((f) => f.event)).toEqual(['PERFORMANCE_OVERDUE']);
    expect(await stateOf(id)).toMatchObject({ state: 'agreement.defaulted', overdue: true });
    // post_filing agreements are enforceable at once; filed 300 days ago, past the 6-month limit
    await send(id, { type: 'APPLY_ENFORCEMENT', enforcementCaseNumber: '(2025)黑0111执100号', occurredAt: daysAgo(300) });
    expect(await stateOf(id)).toMatchObject({ state: 'enforcement.active', overdue: false });
    r = await sweep(ctx(), stores);
    expect(r.fired.filter((f) => f.entityId === id).map((f) => f.event)).toEqual(['ENFORCEMENT_OVERDUE']);
    expect(await stateOf(id)).toMatchObject({ state: 'enforcement.active', overdue: true });
    r = await sweep(ctx(), stores);
    expect(r.fired.filter((f) => f.entityId === id)).toEqual([]);
  });
});
