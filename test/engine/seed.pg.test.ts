/**
 * `npm run seed` (scripts/seed.ts) on a small population, by the bulk path a million cases take
 * (indexes and keys dropped, COPY … FREEZE, rebuilt after): every journal replays to its stored
 * snapshot, the report's summary tables are exactly the plain queries' rows, every state and
 * outcome occurs, the same seed gives the same population, and what the seed writes by COPY is
 * what the engine's own functions make. PostgreSQL only (COPY, worker threads, many connections).
 */
import { sql, type SQL } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { iso, seedDatabase } from '../../scripts/seed.js';
import { rowsOf, type Db } from '../../src/db/client.js';
import { closedCaseTotals, GRAINS, openCaseSessions, TOTALS_TABLE } from '../../src/engine/report-summary.js';
import { stores } from '../../src/engine/registry.js';
import { verifyStore } from '../../src/engine/verify.js';
import { OUTCOMES } from '../../src/machines/case.js';
import { freshDatabase, type TestDatabase } from '../helpers/db.js';

const NOW = Date.parse('2026-11-20T03:04:05.678Z');
const CASES = 3000;
const quiet = () => {};

let a: TestDatabase;
let b: TestDatabase;
let seeded: Awaited<ReturnType<typeof seedDatabase>>;

beforeAll(async () => {
  [a, b] = await Promise.all([freshDatabase({ max: 2 }), freshDatabase({ max: 2 })]);
  seeded = await seedDatabase(a.url!, { cases: CASES, seed: 7, now: NOW, bulk: true, workers: 0, log: quiet });
}, 180_000);
afterAll(async () => {
  await a?.destroy();
  await b?.destroy();
});

async function textRows(db: Db, q: SQL): Promise<string[]> {
  return rowsOf<{ r: string }>(await db.execute(sql`select x::text as r from (${q}) x order by 1`)).map((r) => r.r);
}

/** What a seed wrote that does not depend on the directory's random ids: one digest per table. */
async function population(db: Db) {
  const digest = async (q: SQL) => rowsOf<{ d: string }>(await db.execute(sql`select md5(coalesce(string_agg(x::text, '|' order by x::text), '')) as d from (${q}) x`))[0].d;
  return {
    cases: await digest(sql`select id, number, state, version, opened_at, closed_at, last_event_at, next_due_at, outcome, claim_fen, agreed_fen, paid_fen,
      owed_fen, recovered_fen, overdue, sessions_held, deputy_attendances, cardinality(deputy_ids), summary, updated_at from cases`),
    events: await digest(sql`select case_id, seq, type, from_state, to_state, actor_role, occurred_at, recorded_at from case_events`),
    parties: await digest(sql`select id, case_id, position, role, name, id_number, phone from parties`),
    deadlines: await digest(sql`select entity_id, kind, due_at, event, fired_at from deadlines where entity_type = 'case'`),
  };
}

describe('the seed', () => {
  it('writes journals that replay to their stored snapshots', async () => {
    expect(seeded.cases).toBe(CASES);
    for (const store of Object.values(stores)) {
      const r = await verifyStore(a.db, store);
      expect(r.mismatches, store.type).toEqual([]);
      expect(r.entities, store.type).toBeGreaterThan(0);
    }
    const [{ n }] = rowsOf<{ n: string }>(await a.db.execute(sql`select count(*)::text as n from case_events`));
    expect(Number(n)).toBe(seeded.events);
  });

  it('fills the summary tables (and open_case_sessions) with exactly the rows of the plain queries', async () => {
    for (const grain of GRAINS) {
      const stored = await textRows(a.db, sql`select * from ${sql.raw(TOTALS_TABLE[grain])}`);
      expect(stored.length, grain).toBeGreaterThan(0);
      expect(stored, grain).toEqual(await textRows(a.db, closedCaseTotals(grain)));
    }
    const sessions = await textRows(a.db, sql`select * from open_case_sessions`);
    expect(sessions.length).toBeGreaterThan(0);
    expect(sessions).toEqual(await textRows(a.db, openCaseSessions()));
  });

  it("fills case_deputies (written past its trigger) with exactly every case's deputies", async () => {
    const stored = await textRows(a.db, sql`select deputy_id, opened_at, case_id from case_deputies`);
    expect(stored.length).toBeGreaterThan(0);
    expect(stored).toEqual(await textRows(a.db, sql`select distinct d, c.opened_at, c.id from cases c, unnest(c.deputy_ids) d`));
  });

  it('fills case_texts (written past its trigger) with exactly every case', async () => {
    const stored = await textRows(a.db, sql`select opened_at, case_id, number, summary, dispute_type from case_texts`);
    expect(stored.length).toBe(CASES);
    expect(stored).toEqual(await textRows(a.db, sql`select opened_at, id, number, summary, dispute_type from cases`));
  });

  it("writes each party's case opened_at (written past the trigger that would fill it)", async () => {
    const stored = await textRows(a.db, sql`select case_id, opened_at from parties`);
    expect(stored.length).toBeGreaterThan(CASES);
    expect(stored).toEqual(await textRows(a.db, sql`select c.id, c.opened_at from parties p join cases c on c.id = p.case_id`));
  });

  it('puts back every index and key it dropped for the load (and the search indexes of case_texts)', async () => {
    const indexes = rowsOf<{ name: string }>(
      await a.db.execute(sql`select indexname as name from pg_indexes where schemaname = 'public' and tablename in ('cases', 'case_events', 'parties', 'deadlines', 'case_texts')`),
    ).map((r) => r.name);
    const expected = rowsOf<{ name: string }>(
      await b.db.execute(sql`select indexname as name from pg_indexes where schemaname = 'public' and tablename in ('cases', 'case_events', 'parties', 'deadlines', 'case_texts')`),
    ).map((r) => r.name);
    expect(indexes.sort()).toEqual(expected.sort());
    const keys = async (db: Db) => rowsOf<{ c: string }>(await db.execute(sql`select conname || ' ' || pg_get_constraintdef(oid) as c from pg_constraint where connamespace = 'public'::regnamespace order by 1`)).map((r) => r.c);
    expect(await keys(a.db)).toEqual(await keys(b.db));
  });

  it('has cases in every outcome, open cases, overdue cases and nothing after its present', async () => {
    const outcomes = rowsOf<{ o: string }>(await a.db.execute(sql`select distinct outcome as o from cases where outcome is not null`)).map((r) => r.o);
    expect(outcomes.sort()).toEqual([...OUTCOMES].sort());
    const states = Object.keys(seeded.states);
    for (const s of ['intake.screening', 'mediation.active', 'agreement.performing', 'agreement.defaulted', 'enforcement.active', 'closed']) expect(states).toContain(s);
    const [row] = rowsOf<{ overdue: string; late: string; open: string }>(
      await a.db.execute(sql`select count(*) filter (where overdue)::text as overdue, count(*) filter (where outcome is null)::text as open,
        (select count(*) from case_events where occurred_at > ${iso(NOW)}::timestamptz or recorded_at > ${iso(NOW)}::timestamptz)::text as late from cases`),
    );
    expect(Number(row.overdue)).toBeGreaterThan(0);
    expect(Number(row.open)).toBeGreaterThan(0);
    expect(Number(row.late)).toBe(0);
  });

  it('is deterministic: the same seed and present give the same population, on worker threads too', async () => {
    await seedDatabase(b.url!, { cases: CASES, seed: 7, now: NOW, bulk: true, workers: 2, log: quiet });
    expect(await population(b.db)).toEqual(await population(a.db));
    expect((await verifyStore(b.db, stores.case)).mismatches).toEqual([]);
  }, 180_000);
});

describe('iso', () => {
  it('is toISOString, for any instant', () => {
    const samples = [0, 1, 999, 86_399_999, 86_400_000, Date.parse('2000-02-29T23:59:59.999Z'), NOW, 253_402_300_799_999, -1, 1.5, 1e15, NaN];
    for (let i = 0; i < 20_000; i++) samples.push(Math.floor(Math.random() * 4_102_444_800_000), Math.random() * 2e12);
    for (const ms of samples) {
      const want = Number.isNaN(ms) || Math.abs(ms) > 8.64e15 ? 'throws' : new Date(ms).toISOString();
      let got: string;
      try {
        got = iso(ms);
      } catch {
        got = 'throws';
      }
      expect(got, String(ms)).toBe(want);
    }
  });
});
