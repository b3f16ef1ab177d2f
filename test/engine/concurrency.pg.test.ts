/**
 * What only a real server can prove: many connections racing on one case, and two sweepers
 * claiming the same due deadlines. PostgreSQL only (PGlite is one connection).
 */
import { and, count, eq, isNull, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyEvent, createEntity } from '../../src/engine/apply.js';
import { InvalidTransition } from '../../src/engine/errors.js';
import { stores } from '../../src/engine/registry.js';
import { caseStore } from '../../src/engine/stores.js';
import { sweep } from '../../src/engine/sweeper.js';
import { verifyStore } from '../../src/engine/verify.js';
import { accessLog, caseEvents, cases, deadlines, idempotencyKeys } from '../../src/db/schema.js';
import type { Actor } from '../../src/machines/roles.js';
import { freshDatabase, type TestDatabase } from '../helpers/db.js';
import { daysAgo, seedDirectory } from '../helpers/actors.js';

let database: TestDatabase;
let court: Actor;
let deputyId: string;
const render = (w: { row: { id: string; version: number } }) => ({ body: { id: w.row.id, version: w.row.version } });
/** An answer that shows personal data: the engine writes its access-log row with the event. */
const renderLogged = (w: { row: { id: string; version: number } }) => ({ ...render(w), accessLog: 'parties.idNumber' });
const countWhere = async (table: typeof accessLog | typeof idempotencyKeys, where: ReturnType<typeof eq>) =>
  Number((await database.db.select({ n: count() }).from(table).where(where))[0].n);

beforeAll(async () => {
  database = await freshDatabase({ max: 20 });
  ({ court, deputyId } = await seedDirectory(database.db));
});
afterAll(async () => database?.destroy());

const ctx = () => ({ db: database.db });
async function activeCase(occurredAt?: string[]) {
  const [opened, accepted, assigned] = occurredAt ?? [];
  const c = (
    await createEntity(ctx(), caseStore, court, {
      track: 'pre_filing', source: 'court_referral', stationCode: 'HL01', disputeType: '借贷', summary: '并发', parties: [{ role: 'applicant', name: '甲' }],
      ...(opened ? { occurredAt: opened } : {}),
    }, { render })
  ).body as { id: string };
  await applyEvent(ctx(), caseStore, court, c.id, { type: 'ACCEPT', ...(accepted ? { occurredAt: accepted } : {}) }, { render });
  await applyEvent(ctx(), caseStore, court, c.id, { type: 'ASSIGN', deputyIds: [deputyId], ...(assigned ? { occurredAt: assigned } : {}) }, { render });
  return c.id;
}

describe('racing writers on one case', () => {
  it('lands all 50 concurrent events, versions gap-free, each with one access-log row and one key record', async () => {
    const id = await activeCase();
    const results = await Promise.allSettled(
      Array.from({ length: 50 }, (_, i) =>
        applyEvent(ctx(), caseStore, court, id, { type: 'RECORD_SESSION', heldAt: new Date().toISOString(), attendeeDeputyIds: [], minutes: `第${i + 1}次调解` }, {
          render: renderLogged,
          idempotency: { key: `race-${id}-${i}`, hash: `h${i}` },
        }),
      ),
    );
    expect(results.filter((r) => r.status === "rejected").map((r) => String((r as PromiseRejectedResult).reason))).toEqual([]);
    const versions = results.map((r) => (r as PromiseFulfilledResult<{ body: { version: number } }>).value.body.version).sort((a, b) => a - b);
    expect(versions).toEqual(Array.from({ length: 50 }, (_, i) => i + 4));
    const seqs = (await database.db.select({ seq: caseEvents.seq }).from(caseEvents).where(eq(caseEvents.caseId, id)).orderBy(caseEvents.seq)).map((r) => r.seq);
    expect(seqs).toEqual(Array.from({ length: 53 }, (_, i) => i + 1));
    const [row] = await database.db.select().from(cases).where(eq(cases.id, id));
    expect(row.version).toBe(53);
    expect(row.sessionsHeld).toBe(50);
    // Writers that lost a swap and retried left nothing behind: one row of each per event.
    expect(await countWhere(accessLog, eq(accessLog.entityId, id))).toBe(50);
    expect(await countWhere(idempotencyKeys, sql`${idempotencyKeys.key} like ${`race-${id}-%`}`)).toBe(50);
  });

  it('lets exactly one of 12 racing events win when only one is legal; the rest are refused and write nothing', async () => {
    const id = await activeCase();
    const racers = Array.from({ length: 12 }, (_, i) =>
      applyEvent(ctx(), caseStore, court, id, i % 2 === 0
        ? { type: 'FAIL', reason: 'refused' }
        : { type: 'REACH_AGREEMENT', terms: `方案${i}`, amount: '1000', dueDate: '2049-01-01' }, { render }),
    );
    const results = await Promise.allSettled(racers);
    const won = results.filter((r) => r.status === 'fulfilled');
    expect(won).toHaveLength(1);
    for (const r of results.filter((r) => r.status === 'rejected')) {
      expect((r as PromiseRejectedResult).reason).toBeInstanceOf(InvalidTransition);
    }
    const [n] = await database.db.select({ n: count() }).from(caseEvents).where(eq(caseEvents.caseId, id));
    expect(Number(n.n)).toBe(4);
  });

  // PAUSE moves the case's deadlines (a write in a transaction); RECORD_SESSION leaves them (one statement).
  it.each([
    ['PAUSE', { type: 'PAUSE', reason: '鉴定' }],
    ['RECORD_SESSION', { type: 'RECORD_SESSION', heldAt: new Date().toISOString(), attendeeDeputyIds: [], minutes: '同一请求' }],
  ])('makes one %s for 10 concurrent requests with the same Idempotency-Key', async (_name, event) => {
    const id = await activeCase();
    const idempotency = { key: `same-${id}`, hash: 'h' };
    const results = await Promise.all(
      Array.from({ length: 10 }, () => applyEvent(ctx(), caseStore, court, id, event, { render: renderLogged, idempotency })),
    );
    expect(results.filter((r) => !r.replayed)).toHaveLength(1);
    expect(new Set(results.map((r) => JSON.stringify(r.body))).size).toBe(1);
    const [n] = await database.db.select({ n: count() }).from(caseEvents).where(eq(caseEvents.caseId, id));
    expect(Number(n.n)).toBe(4);
    expect(await countWhere(accessLog, eq(accessLog.entityId, id))).toBe(1);
  });
});

describe('two sweepers at once', () => {
  it('fires every due deadline exactly once', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 30; i++) ids.push(await activeCase([daysAgo(60), daysAgo(50), daysAgo(45)]));
    const [a, b] = await Promise.all([
      sweep(ctx(), stores, { worker: 'sweeper-a', batch: 4 }),
      sweep(ctx(), stores, { worker: 'sweeper-b', batch: 4 }),
    ]);
    const fired = [...a.fired, ...b.fired].filter((f) => ids.includes(f.entityId));
    expect(fired).toHaveLength(30);
    expect(new Set(fired.map((f) => f.entityId)).size).toBe(30);
    expect(a.fired.length).toBeGreaterThan(0);
    expect(b.fired.length).toBeGreaterThan(0);
    const expiries = await database.db
      .select({ caseId: caseEvents.caseId, n: count() })
      .from(caseEvents)
      .where(eq(caseEvents.type, 'MEDIATION_EXPIRED'))
      .groupBy(caseEvents.caseId);
    expect(expiries.filter((e) => ids.includes(e.caseId)).map((e) => Number(e.n))).toEqual(Array(30).fill(1));
    const open = await database.db.select().from(deadlines).where(and(isNull(deadlines.firedAt), sql`${deadlines.entityId} in ${ids}`));
    expect(open).toEqual([]);
    const again = await sweep(ctx(), stores, { worker: 'sweeper-c' });
    expect(again.fired.filter((f) => ids.includes(f.entityId))).toEqual([]);
    expect((await verifyStore(database.db, caseStore)).mismatches).toEqual([]);
  });
});
