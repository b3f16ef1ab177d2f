import { and, count, eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyEvent, createEntity } from '../../src/engine/apply.js';
import { IdempotencyMismatch, InvalidTransition, ValidationError, VersionConflict } from '../../src/engine/errors.js';
import { caseStore } from '../../src/engine/stores.js';
import { verifyStore } from '../../src/engine/verify.js';
import { caseEvents, cases, deadlines, idempotencyKeys } from '../../src/db/schema.js';
import type { Actor } from '../../src/machines/roles.js';
import { freshDatabase, type TestDatabase } from '../helpers/db.js';
import { daysAgo, seedDirectory } from '../helpers/actors.js';

let database: TestDatabase;
let court: Actor;
let deputyId: string;
const render = (w: { row: { id: string; version: number; state: string } }) => ({
  body: { id: w.row.id, version: w.row.version, state: w.row.state },
});

beforeAll(async () => {
  database = await freshDatabase();
  ({ court, deputyId } = await seedDirectory(database.db));
});
afterAll(async () => database?.destroy());

const ctx = () => ({ db: database.db });
const newCase = async (extra: Record<string, unknown> = {}) =>
  (
    await createEntity(ctx(), caseStore, court, {
      track: 'pre_filing',
      source: 'court_referral',
      stationCode: 'HL01',
      disputeType: '民间借贷',
      summary: '借款纠纷',
      parties: [{ role: 'applicant', name: '张三' }],
      ...extra,
    }, { render })
  ).body as { id: string; version: number; state: string };

async function journalLength(id: string) {
  const [r] = await database.db.select({ n: count() }).from(caseEvents).where(eq(caseEvents.caseId, id));
  return Number(r.n);
}
async function openDeadlines(id: string) {
  return database.db
    .select({ kind: deadlines.kind, dueAt: deadlines.dueAt })
    .from(deadlines)
    .where(and(eq(deadlines.entityId, id), sql`${deadlines.firedAt} is null`));
}

describe('applyEvent', () => {
  it('creates a case as journal row 1 and appends one row per event', async () => {
    const c = await newCase();
    expect(c).toMatchObject({ version: 1, state: 'intake.screening' });
    const r = await applyEvent(ctx(), caseStore, court, c.id, { type: 'ACCEPT' }, { render });
    expect(r).toMatchObject({ created: false, replayed: false, body: { version: 2, state: 'mediation.assigning' } });
    const rows = await database.db.select().from(caseEvents).where(eq(caseEvents.caseId, c.id)).orderBy(caseEvents.seq);
    expect(rows.map((e) => [e.seq, e.type, e.fromState, e.toState, e.actorRole])).toEqual([
      [1, 'CREATE', null, 'intake.screening', 'court'],
      [2, 'ACCEPT', 'intake.screening', 'mediation.assigning', 'court'],
    ]);
  });

  it('numbers cases per station and year without gaps', async () => {
    const [a, b] = [await newCase(), await newCase()];
    const rows = await database.db.select({ id: cases.id, number: cases.number }).from(cases);
    const na = rows.find((r) => r.id === a.id)!.number;
    const nb = rows.find((r) => r.id === b.id)!.number;
    expect(Number(nb.slice(-6))).toBe(Number(na.slice(-6)) + 1);
  });

  it('rewrites deadlines in the same transaction: a state left drops its deadline', async () => {
    const c = await newCase();
    await applyEvent(ctx(), caseStore, court, c.id, { type: 'ACCEPT' }, { render });
    await applyEvent(ctx(), caseStore, court, c.id, { type: 'ASSIGN', deputyIds: [deputyId] }, { render });
    const before = await openDeadlines(c.id);
    expect(before.map((d) => d.kind)).toEqual(['mediation_expiry']);
    await applyEvent(ctx(), caseStore, court, c.id, { type: 'REACH_AGREEMENT', terms: '还款', amount: '100', dueDate: '2049-01-01' }, { render });
    const after = await openDeadlines(c.id);
    expect(after.map((d) => d.kind)).toEqual(['performance']);
    expect(new Date(after[0].dueAt).toISOString()).toBe('2049-01-01T16:00:00.000Z');
  });

  it('refuses an event the state does not take, and writes nothing', async () => {
    const c = await newCase();
    await expect(applyEvent(ctx(), caseStore, court, c.id, { type: 'CONFIRM', rulingNumber: 'x' }, { render })).rejects.toBeInstanceOf(InvalidTransition);
    expect(await journalLength(c.id)).toBe(1);
  });

  it('validates occurredAt: not in the future, not before the previous event', async () => {
    const c = await newCase({ occurredAt: daysAgo(10) });
    const future = new Date(Date.now() + 3_600_000).toISOString();
    await expect(applyEvent(ctx(), caseStore, court, c.id, { type: 'ACCEPT', occurredAt: future }, { render })).rejects.toBeInstanceOf(ValidationError);
    await expect(applyEvent(ctx(), caseStore, court, c.id, { type: 'ACCEPT', occurredAt: daysAgo(11) }, { render })).rejects.toBeInstanceOf(ValidationError);
    const nineDaysAgo = daysAgo(9);
    await applyEvent(ctx(), caseStore, court, c.id, { type: 'ACCEPT', occurredAt: nineDaysAgo }, { render });
    const [row] = await database.db.select().from(caseEvents).where(and(eq(caseEvents.caseId, c.id), eq(caseEvents.seq, 2)));
    expect(new Date(row.occurredAt).toISOString()).toBe(nineDaysAgo);
    expect(Date.parse(row.recordedAt) - Date.parse(row.occurredAt)).toBeGreaterThan(8 * 86_400_000);
  });

  it('never records an event before it happened: recordedAt ≥ occurredAt, a skewed clock is clamped', async () => {
    const c = await newCase();
    await applyEvent(ctx(), caseStore, court, c.id, { type: 'ACCEPT' }, { render });
    // 30 s ahead is within the tolerated skew: accepted, as happening when it was recorded.
    const ahead = new Date(Date.now() + 30_000).toISOString();
    await applyEvent(ctx(), caseStore, court, c.id, { type: 'ASSIGN', deputyIds: [deputyId], occurredAt: ahead }, { render });
    const rows = await database.db.select().from(caseEvents).where(eq(caseEvents.caseId, c.id)).orderBy(caseEvents.seq);
    expect(rows).toHaveLength(3);
    for (const r of rows) expect(Date.parse(r.recordedAt)).toBeGreaterThanOrEqual(Date.parse(r.occurredAt));
    expect(Date.parse(rows[2].occurredAt)).toBeLessThan(Date.parse(ahead));
    expect(new Date(rows[2].occurredAt).toISOString()).toBe(new Date(rows[2].recordedAt).toISOString());
  });

  it('answers 412 (VersionConflict) when If-Match is stale, and writes nothing', async () => {
    const c = await newCase();
    await applyEvent(ctx(), caseStore, court, c.id, { type: 'ACCEPT' }, { render, ifMatch: 1 });
    await expect(
      applyEvent(ctx(), caseStore, court, c.id, { type: 'ASSIGN', deputyIds: [deputyId] }, { render, ifMatch: 1 }),
    ).rejects.toBeInstanceOf(VersionConflict);
    expect(await journalLength(c.id)).toBe(2);
  });

  it('replays an Idempotency-Key: the first response, no second transition', async () => {
    const c = await newCase();
    const idempotency = { key: `k-${c.id}`, hash: 'h1' };
    const first = await applyEvent(ctx(), caseStore, court, c.id, { type: 'ACCEPT' }, { render, idempotency });
    const again = await applyEvent(ctx(), caseStore, court, c.id, { type: 'ACCEPT' }, { render, idempotency });
    expect(again).toEqual({ created: first.created, body: first.body, replayed: true });
    // The first answer went out as the very JSON that was stored.
    expect(JSON.parse(first.json!)).toEqual(again.body);
    expect(await journalLength(c.id)).toBe(2);
  });

  it('refuses an Idempotency-Key reused with another body, and writes nothing', async () => {
    const c = await newCase();
    await applyEvent(ctx(), caseStore, court, c.id, { type: 'ACCEPT' }, { render, idempotency: { key: `r-${c.id}`, hash: 'h1' } });
    await expect(
      applyEvent(ctx(), caseStore, court, c.id, { type: 'RETURN', reason: 'unsuitable' }, { render, idempotency: { key: `r-${c.id}`, hash: 'h2' } }),
    ).rejects.toBeInstanceOf(IdempotencyMismatch);
    expect(await journalLength(c.id)).toBe(2);
  });

  it('leaves no journal row, deadline or idempotency record behind when the transaction fails', async () => {
    const c = await newCase();
    await applyEvent(ctx(), caseStore, court, c.id, { type: 'ACCEPT' }, { render });
    // A row already at seq 3 makes the journal insert fail after the case row was updated.
    await database.db.insert(caseEvents).values({
      caseId: c.id, seq: 3, type: 'BLOCKER', payload: {}, fromState: 'x', toState: 'x', actorId: 't', actorRole: 'court', actorName: 't', occurredAt: new Date().toISOString(),
    });
    const key = `fail-${c.id}`;
    await expect(
      applyEvent(ctx(), caseStore, court, c.id, { type: 'ASSIGN', deputyIds: [deputyId] }, { render, idempotency: { key, hash: 'h' } }),
    ).rejects.toThrow();
    const [row] = await database.db.select().from(cases).where(eq(cases.id, c.id));
    expect(row).toMatchObject({ version: 2, state: 'mediation.assigning' });
    expect(await openDeadlines(c.id)).toEqual([]);
    expect(await database.db.select().from(idempotencyKeys).where(eq(idempotencyKeys.key, key))).toEqual([]);
    const journal = await database.db.select().from(caseEvents).where(eq(caseEvents.caseId, c.id));
    expect(journal.map((j) => j.type).sort()).toEqual(['ACCEPT', 'BLOCKER', 'CREATE']);
  });
});

/** A database of its own for `body`: the failed-transaction test above leaves a deliberate journal defect. */
async function onOwnDatabase(body: () => Promise<void>) {
  const own = await freshDatabase();
  const saved = database;
  database = own;
  try {
    ({ court, deputyId } = await seedDirectory(own.db));
    await body();
  } finally {
    database = saved;
    await own.destroy();
  }
}

describe('verify', () => {
  it('reads in batches: every case once, every event counted, a defect found in whichever batch it lies', () =>
    onOwnDatabase(async () => {
      // Batches of 2 over 7 cases: verify prepares the next batches while it replays one.
      const ids: string[] = [];
      for (let i = 0; i < 7; i++) {
        const c = await newCase();
        for (let k = 0; k < Math.min(i, 2); k++) {
          await applyEvent(ctx(), caseStore, court, c.id, k === 0 ? { type: 'ACCEPT' } : { type: 'ASSIGN', deputyIds: [deputyId] }, { render });
        }
        ids.push(c.id);
      }
      const events = 7 + [0, 1, 2, 2, 2, 2, 2].reduce((n, k) => n + k, 0);
      expect(await verifyStore(database.db, caseStore, { batch: 2 })).toEqual({ entities: 7, events, mismatches: [] });
      const fifth = [...ids].sort()[4];
      await database.db.execute(sql`update cases set snapshot = jsonb_set(snapshot, '{context,sessionsHeld}', '5') where id = ${fifth}`);
      const dirty = await verifyStore(database.db, caseStore, { batch: 2 });
      expect({ entities: dirty.entities, events: dirty.events }).toEqual({ entities: 7, events });
      expect(dirty.mismatches.map((m) => m.id)).toEqual([fifth]);
    }));

  it('replays every journal to its snapshot, and reports a tampered one', () => onOwnDatabase(verifyTampering));
});

async function verifyTampering() {
  {
    const c = await newCase();
    await applyEvent(ctx(), caseStore, court, c.id, { type: 'ACCEPT' }, { render });
    await applyEvent(ctx(), caseStore, court, c.id, { type: 'ASSIGN', deputyIds: [deputyId] }, { render });
    await applyEvent(ctx(), caseStore, court, c.id, { type: 'RECORD_SESSION', heldAt: new Date().toISOString(), attendeeDeputyIds: [deputyId], minutes: '双方陈述' }, { render });
    const clean = await verifyStore(database.db, caseStore);
    expect(clean).toEqual({ entities: 1, events: 4, mismatches: [] });

    await database.db.execute(sql`update cases set snapshot = jsonb_set(snapshot, '{context,sessionsHeld}', '5') where id = ${c.id}`);
    const dirty = await verifyStore(database.db, caseStore);
    expect(dirty.mismatches).toHaveLength(1);
    expect(dirty.mismatches[0]).toMatchObject({ id: c.id, reason: expect.stringMatching(/differs/) });
  }
}
