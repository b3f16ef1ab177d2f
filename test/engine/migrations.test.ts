/**
 * Machine versioning (DESIGN.md §5): a snapshot written by an older machine definition is
 * migrated explicitly, or refused with a clear 409 — never silently misread.
 *
 * Production is still at case machine version 1 with no migrations. This file writes by hand the
 * rows an imagined version 0 would have left behind — v0 kept money in the context as yuan strings
 * under `…Amount` names (`claimAmount: "20000.00"`), where v1 keeps integer fen under `…Fen`
 * (`claimFen: 2000000`), so a v0 context lacks the fields v1 reads — and inserts them with SQL.
 * The v0 → v1 migration lives in this test only and is injected into the engine
 * (`EngineContext.migrations`, `verifyStore({ migrations })`); the server uses the production
 * registry (src/machines/migrations.ts), which has no step from 0.
 */
import { randomUUID } from 'node:crypto';
import { asc, eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyEvent } from '../../src/engine/apply.js';
import { authenticate } from '../../src/engine/directory.js';
import { MachineVersionMismatch } from '../../src/engine/errors.js';
import { caseStore } from '../../src/engine/stores.js';
import { verifyStore } from '../../src/engine/verify.js';
import { stores } from '../../src/engine/registry.js';
import { sweep } from '../../src/engine/sweeper.js';
import { caseEvents, cases, deadlines } from '../../src/db/schema.js';
import { periodEnd } from '../../src/machines/calendar.js';
import { CASE_MACHINE_VERSION } from '../../src/machines/case.js';
import { migrateSnapshot, SNAPSHOT_MIGRATIONS, type MigrationRegistry, type PersistedSnapshot, type SnapshotMigration } from '../../src/machines/migrations.js';
import { toFen } from '../../src/machines/money.js';
import type { Actor } from '../../src/machines/roles.js';
import { expectProblem, fingerprint } from '../helpers/api.js';
import { createWorld, type World } from '../helpers/world.js';

// ---------------------------------------------------------------------------------------------
// The imagined v0 definition's money fields, and the migration a v1 release would have shipped

const fen = (yuan: unknown) => (yuan === null || yuan === undefined ? null : toFen(yuan as string));

/** v0 → v1: yuan strings under `…Amount` become integer fen under `…Fen`. */
const yuanToFen: SnapshotMigration = {
  from: 0,
  to: 1,
  description: 'money in the context as integer fen (claimFen, paidFen, owedFen, recoveredFen, agreement.amountFen)',
  migrate(s) {
    const { claimAmount, paidAmount, owedAmount, recoveredAmount, agreement, ...rest } = s.context as Record<string, any>;
    return {
      ...s,
      context: {
        ...rest,
        claimFen: fen(claimAmount),
        paidFen: fen(paidAmount) ?? 0,
        owedFen: fen(owedAmount),
        recoveredFen: fen(recoveredAmount) ?? 0,
        agreement: agreement
          ? {
              terms: agreement.terms,
              amountFen: fen(agreement.amount),
              dueDate: agreement.dueDate,
              installments: agreement.installments?.map((i: any) => ({ dueDate: i.dueDate, amountFen: fen(i.amount) })) ?? null,
              reachedAt: agreement.reachedAt,
            }
          : null,
      },
    };
  },
};
const TEST_MIGRATIONS: MigrationRegistry = { case: [yuanToFen] };

// ---------------------------------------------------------------------------------------------
// A v0 case, written by hand: in mediation.active with deputy A assigned and one session held

const DAY = 86_400_000;
const iso = (ms: number) => new Date(ms).toISOString();

function v0Case(opts: { deputyId: string; courtId: string; number: string; machineVersion?: number; openedDaysAgo?: number }) {
  const id = randomUUID();
  const t0 = Date.now() - (opts.openedDaysAgo ?? 3) * DAY;
  const openedAt = iso(t0);
  const acceptedAt = iso(t0 + 3_600_000);
  const assignedAt = iso(t0 + 7_200_000);
  const heldAt = iso(t0 + DAY);
  const mediationDueAt = periodEnd(assignedAt, 30);
  const snapshot: PersistedSnapshot = {
    status: 'active',
    value: { mediation: 'active' },
    historyValue: {},
    children: {},
    context: {
      track: 'pre_filing',
      procedure: 'ordinary',
      source: 'court_referral',
      stationCode: 'HL01',
      disputeType: '民间借贷',
      openedAt,
      lastEventAt: heldAt,
      claimAmount: '20000.00', // v1: claimFen 2000000
      mediatorName: '周调解员',
      deputyIds: [opts.deputyId],
      recusedDeputyIds: [],
      sessionsHeld: 1,
      deputyAttendances: 1,
      nextSession: null,
      mediationStartedAt: assignedAt,
      mediationDueAt,
      pausedAt: null,
      extendedDays: 0,
      agreement: null,
      enforceable: false,
      confirmationAppliedAt: null,
      rulingNumber: null,
      paidAmount: '0.00', // v1: paidFen 0
      defaultedAt: null,
      enforceableDocument: null,
      enforcementCaseNumber: null,
      owedAmount: null, // v1: owedFen null
      recoveredAmount: '0.00', // v1: recoveredFen 0
      measures: [],
      enforcementStartedAt: null,
      enforcementDueAt: null,
      suspendedAt: null,
      overdue: false,
      outcome: null,
      outcomeReason: null,
      closedAt: null,
    },
  };
  const actor = { actor_id: opts.courtId, actor_role: 'court', actor_name: '李书记员' };
  const journal = [
    {
      seq: 1,
      type: 'CREATE',
      from: null,
      to: 'intake.screening',
      at: openedAt,
      payload: {
        track: 'pre_filing',
        procedure: 'ordinary',
        source: 'court_referral',
        stationCode: 'HL01',
        disputeType: '民间借贷',
        summary: 'v0 借款两万元到期未还',
        claimAmount: '20000.00',
        parties: [{ role: 'applicant', name: '张三', idNumber: '230102199001011234', phone: '13812345678' }],
      },
    },
    { seq: 2, type: 'ACCEPT', from: 'intake.screening', to: 'mediation.assigning', at: acceptedAt, payload: {} },
    { seq: 3, type: 'ASSIGN', from: 'mediation.assigning', to: 'mediation.active', at: assignedAt, payload: { mediatorName: '周调解员', deputyIds: [opts.deputyId] } },
    {
      seq: 4,
      type: 'RECORD_SESSION',
      from: 'mediation.active',
      to: 'mediation.active',
      at: heldAt,
      payload: { heldAt, attendeeDeputyIds: [opts.deputyId], minutes: '第一次调解：双方陈述意见' },
    },
  ].map((e) => ({ ...e, ...actor }));
  return { id, openedAt, lastEventAt: heldAt, mediationDueAt, snapshot, journal, ...opts, machineVersion: opts.machineVersion ?? 0 };
}

/** Inserts the v0 rows the way the old release left them: case, party, journal, open deadline. */
async function insertV0(w: World, c: ReturnType<typeof v0Case>) {
  const db = w.database.db;
  await db.execute(sql`
    insert into cases (id, number, state, snapshot, version, machine_version, track, procedure, source, station_code,
      dispute_type, summary, claim_fen, paid_fen, recovered_fen, deputy_ids, sessions_held, deputy_attendances,
      opened_at, last_event_at, created_by)
    values (${c.id}, ${c.number}, 'mediation.active', ${JSON.stringify(c.snapshot)}::jsonb, 4, ${c.machineVersion},
      'pre_filing', 'ordinary', 'court_referral', 'HL01', '民间借贷', 'v0 借款两万元到期未还', 2000000, 0, 0,
      ${`{${c.deputyId}}`}::text[], 1, 1, ${c.openedAt}, ${c.lastEventAt}, ${c.courtId})`);
  await db.execute(sql`
    insert into parties (case_id, position, role, name, id_number, phone)
    values (${c.id}, 0, 'applicant', '张三', '230102199001011234', '13812345678')`);
  for (const e of c.journal) {
    await db.execute(sql`
      insert into case_events (case_id, seq, type, payload, from_state, to_state, actor_id, actor_role, actor_name, occurred_at)
      values (${c.id}, ${e.seq}, ${e.type}, ${JSON.stringify(e.payload)}::jsonb, ${e.from}, ${e.to}, ${e.actor_id}, ${e.actor_role}, ${e.actor_name}, ${e.at})`);
  }
  await db.execute(sql`
    insert into deadlines (entity_type, entity_id, kind, due_at, event)
    values ('case', ${c.id}, 'mediation_expiry', ${c.mediationDueAt}, 'MEDIATION_EXPIRED')`);
}

async function caseRow(w: World, id: string) {
  const [row] = await w.database.db.select().from(cases).where(eq(cases.id, id));
  return row;
}
async function journalOf(w: World, id: string) {
  return w.database.db.select().from(caseEvents).where(eq(caseEvents.caseId, id)).orderBy(asc(caseEvents.seq));
}
const mismatchesFor = (r: { mismatches: { id: string; reason: string }[] }, id: string) => r.mismatches.filter((m) => m.id === id);

let w: World;
let court: Actor;
let courtId: string;
let seq = 0;
const number = () => `2025-HL01-9${String(++seq).padStart(5, '0')}`;

beforeAll(async () => {
  w = await createWorld();
  court = await authenticate(w.database.db, w.tokens.court);
  courtId = court.id;
});
afterAll(async () => w?.close());

// ---------------------------------------------------------------------------------------------

describe('migrateSnapshot (pure)', () => {
  const snap: PersistedSnapshot = { value: 'x', context: { n: 0 } };
  const step = (from: number): SnapshotMigration => ({
    from,
    to: from + 1,
    description: `step ${from}`,
    migrate: (s) => ({ ...s, context: { ...s.context, n: (s.context.n as number) + 1, [`v${from + 1}`]: true } }),
  });

  it('chains the steps from the stored version to the current one, without touching its input', () => {
    const r = migrateSnapshot([step(2), step(0), step(1)], snap, 0, 3);
    expect(r).toMatchObject({ ok: true, snapshot: { context: { n: 3, v1: true, v2: true, v3: true } } });
    expect(r.ok && r.applied.map((m) => m.from)).toEqual([0, 1, 2]);
    expect(snap).toEqual({ value: 'x', context: { n: 0 } });
  });

  it('is the identity at the current version', () => {
    expect(migrateSnapshot([], snap, 1, 1)).toEqual({ ok: true, snapshot: snap, applied: [] });
  });

  it('refuses a gap, a step that skips a version, and a version newer than the code', () => {
    expect(migrateSnapshot([step(0)], snap, 0, 2)).toEqual({ ok: false, reason: 'missing', stored: 0, current: 2, missingFrom: 1 });
    expect(migrateSnapshot([{ ...step(0), to: 2 }], snap, 0, 2)).toMatchObject({ ok: false, reason: 'missing', missingFrom: 0 });
    expect(migrateSnapshot([step(0), step(0)], snap, 0, 1)).toMatchObject({ ok: false, reason: 'missing', missingFrom: 0 });
    expect(migrateSnapshot([step(1)], snap, 2, 1)).toEqual({ ok: false, reason: 'newer', stored: 2, current: 1 });
  });

  it('production has no case migrations yet: the case machine is still at version 1', () => {
    expect(CASE_MACHINE_VERSION).toBe(1);
    expect(SNAPSHOT_MIGRATIONS.case).toEqual([]);
  });
});

describe('a case stored by machine version 0', () => {
  it('with the v0 → v1 migration registered: is migrated, takes events, and its journal stays consistent', async () => {
    const c = v0Case({ deputyId: w.deputies.a, courtId, number: number() });
    await insertV0(w, c);

    // verify compares the migrated stored snapshot with the replay of the journal on v1
    expect(mismatchesFor(await verifyStore(w.database.db, caseStore, { migrations: TEST_MIGRATIONS }), c.id)).toEqual([]);
    expect(mismatchesFor(await verifyStore(w.database.db, caseStore), c.id)).toEqual([
      expect.objectContaining({ reason: expect.stringContaining('machine version 0') }),
    ]);

    const heldAt = new Date(Date.now() - 60_000).toISOString();
    const r = await applyEvent({ db: w.database.db, migrations: TEST_MIGRATIONS }, caseStore, court, c.id, {
      type: 'RECORD_SESSION',
      heldAt,
      attendeeDeputyIds: [w.deputies.a],
      minutes: '第二次调解：迁移后的第一个事件',
    }, { render: (written) => ({ body: { version: written.row.version, state: written.row.state } }) });
    expect(r).toMatchObject({ created: false, body: { version: 5, state: 'mediation.active' } });

    const row = await caseRow(w, c.id);
    expect(row).toMatchObject({ machineVersion: 1, version: 5, state: 'mediation.active', sessionsHeld: 2, claimFen: 2_000_000 });
    const ctx = (row.snapshot as PersistedSnapshot).context;
    expect(ctx).toMatchObject({ claimFen: 2_000_000, paidFen: 0, owedFen: null, recoveredFen: 0, sessionsHeld: 2, deputyAttendances: 2 });
    for (const gone of ['claimAmount', 'paidAmount', 'owedAmount', 'recoveredAmount']) expect(ctx).not.toHaveProperty(gone);

    const journal = await journalOf(w, c.id);
    expect(journal.map((e) => [e.seq, e.type])).toEqual([
      [1, 'CREATE'],
      [2, 'ACCEPT'],
      [3, 'ASSIGN'],
      [4, 'RECORD_SESSION'],
      [5, 'RECORD_SESSION'],
    ]);
    // the row is now current: the production registry reads it and verify finds no mismatch
    expect(mismatchesFor(await verifyStore(w.database.db, caseStore), c.id)).toEqual([]);

    // and the server (production registry) carries on with it
    const view = await w.call(w.tokens.court, 'GET', `/api/cases/${c.id}`);
    expect(view.status).toBe(200);
    expect(view.body).toMatchObject({ machineVersion: 1, version: 5, claimAmount: '20000.00', context: { claimAmount: '20000.00', sessionsHeld: 2 } });
    expect(view.body.nextEvents).toContain('REACH_AGREEMENT');
    const agreed = await w.call(w.tokens.deputyA, 'POST', `/api/cases/${c.id}/events`, {
      type: 'REACH_AGREEMENT',
      terms: '李四分两期还清',
      amount: '20000.00',
      dueDate: new Date(Date.now() + 60 * DAY).toISOString().slice(0, 10),
    });
    expect(agreed.status).toBe(200);
    expect(agreed.body).toMatchObject({ state: 'agreement.performing', version: 6 });
    const history = await w.call(w.tokens.court, 'GET', `/api/cases/${c.id}/history`);
    expect(history.body.items.map((e: any) => e.seq)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(mismatchesFor(await verifyStore(w.database.db, caseStore), c.id)).toEqual([]);
  });

  it('without a migration: the API answers 409 problem+json saying so, and writes nothing', async () => {
    const c = v0Case({ deputyId: w.deputies.a, courtId, number: number() });
    await insertV0(w, c);
    const before = await fingerprint(w);

    const sent = await w.call(w.tokens.court, 'POST', `/api/cases/${c.id}/events`, { type: 'PAUSE', reason: '鉴定' }, { 'idempotency-key': randomUUID() });
    const body = expectProblem(sent, 409, 'urn:jiefen:problem:machine-version');
    expect(body).toMatchObject({ storedVersion: 0, currentVersion: 1, machine: 'case' });
    expect(body.detail).toContain('版本 0');
    expect(body.detail).toContain('迁移');
    const read = await w.call(w.tokens.court, 'GET', `/api/cases/${c.id}`);
    expectProblem(read, 409, 'urn:jiefen:problem:machine-version');

    expect(await fingerprint(w)).toEqual(before);
    expect(await caseRow(w, c.id)).toMatchObject({ machineVersion: 0, version: 4 });
    expect((await journalOf(w, c.id)).length).toBe(4);
    // the engine refuses it the same way, and verify names it
    await expect(applyEvent({ db: w.database.db }, caseStore, court, c.id, { type: 'PAUSE', reason: '鉴定' }, { render: () => ({ body: null }) })).rejects.toBeInstanceOf(
      MachineVersionMismatch,
    );
    expect(mismatchesFor(await verifyStore(w.database.db, caseStore), c.id)).toEqual([
      expect.objectContaining({ reason: expect.stringContaining('no migration path') }),
    ]);
  });

  it('the sweeper neither fires nor drops the deadline of a row it cannot read; with the migration it fires it', async () => {
    // opened 40 days ago, assigned the same day: the 30-day mediation clock has run out
    const c = v0Case({ deputyId: w.deputies.a, courtId, number: number(), openedDaysAgo: 40 });
    await insertV0(w, c);
    const due = async () => w.database.db.select().from(deadlines).where(eq(deadlines.entityId, c.id));

    const blocked = await sweep({ db: w.database.db }, stores);
    expect(blocked.failed.filter((f) => f.entityId === c.id)).toEqual([expect.objectContaining({ event: 'MEDIATION_EXPIRED', reason: expect.stringContaining('迁移') })]);
    expect(blocked.dropped.filter((f) => f.entityId === c.id)).toEqual([]);
    expect(await due()).toEqual([expect.objectContaining({ kind: 'mediation_expiry', firedAt: null })]);
    expect(await caseRow(w, c.id)).toMatchObject({ machineVersion: 0, version: 4, state: 'mediation.active' });

    // a later pass (after the first one's lease) of a release that carries the migration
    const later = () => new Date(Date.now() + 120_000);
    const fired = await sweep({ db: w.database.db, now: later, migrations: TEST_MIGRATIONS }, stores);
    expect(fired.fired.filter((f) => f.entityId === c.id)).toEqual([expect.objectContaining({ event: 'MEDIATION_EXPIRED' })]);
    expect(await caseRow(w, c.id)).toMatchObject({ machineVersion: 1, version: 5, state: 'closed', outcome: 'litigation' });
    const journal = await journalOf(w, c.id);
    expect(journal.at(-1)).toMatchObject({ seq: 5, type: 'MEDIATION_EXPIRED', actorRole: 'system' });
    expect(await due()).toEqual([expect.objectContaining({ kind: 'mediation_expiry', firedAt: expect.anything() })]);
    expect(mismatchesFor(await verifyStore(w.database.db, caseStore), c.id)).toEqual([]);
  });

  it('a snapshot from a newer definition is refused even with migrations registered', async () => {
    const c = v0Case({ deputyId: w.deputies.a, courtId, number: number(), machineVersion: CASE_MACHINE_VERSION + 1 });
    await insertV0(w, c);
    const before = await fingerprint(w);
    const err = await applyEvent({ db: w.database.db, migrations: TEST_MIGRATIONS }, caseStore, court, c.id, { type: 'PAUSE', reason: '鉴定' }, {
      render: () => ({ body: null }),
    }).catch((e) => e);
    expect(err).toBeInstanceOf(MachineVersionMismatch);
    expect(err.message).toContain('更新');
    const sent = await w.call(w.tokens.court, 'POST', `/api/cases/${c.id}/events`, { type: 'PAUSE', reason: '鉴定' });
    expect(expectProblem(sent, 409, 'urn:jiefen:problem:machine-version')).toMatchObject({ storedVersion: 2, currentVersion: 1 });
    expect(await fingerprint(w)).toEqual(before);
  });
});
