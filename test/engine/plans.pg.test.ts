/**
 * The write path's statements are prepared once per connection; PostgreSQL then plans each one
 * for the values at hand for five executions and keeps one generic plan afterwards — unless the
 * generic plan looks dearer than those, and then it plans every execution anew. A statement that
 * did (a notice's insert with a look-up of the case's journal it never ran) cost 0.5–0.8 ms of
 * planning for 0.1 ms of work on every SCHEDULE_SESSION. PostgreSQL only: PGlite prepares nothing
 * across queries in the same way, and its planner's choices are not what a server pays for.
 */
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyEvent, createEntity } from '../../src/engine/apply.js';
import { caseStore } from '../../src/engine/stores.js';
import { rowsOf } from '../../src/db/client.js';
import type { Actor } from '../../src/machines/roles.js';
import { freshDatabase, type TestDatabase } from '../helpers/db.js';
import { ADMIN, seedDirectory } from '../helpers/actors.js';
import { createDeputy, createUser } from '../../src/engine/directory.js';
import { copyCase } from '../helpers/copies.js';

let database: TestDatabase;
let court: Actor;
let deputyId: string;
const render = (w: { row: { id: string; version: number } }) => ({ body: { id: w.row.id, version: w.row.version } });

beforeAll(async () => {
  // One connection: every execution lands on it, and pg_prepared_statements (per session) shows them.
  database = await freshDatabase({ max: 1 });
  ({ court, deputyId } = await seedDirectory(database.db));
});
afterAll(async () => database?.destroy());

const ctx = () => ({ db: database.db });

describe('the event statements settle on a generic plan', () => {
  it('SCHEDULE_SESSION (with its notice) and RECORD_SESSION, after a few executions', async () => {
    const c = (
      await createEntity(ctx(), caseStore, court, { track: 'pre_filing', source: 'court_referral', stationCode: 'HL01', disputeType: '借贷', summary: '计划', parties: [{ role: 'applicant', name: '甲' }] }, { render })
    ).body as { id: string };
    // A journal of some size, as in any real database: the planner then prices a look-up of a
    // case's journal rows as what it is (2,000 cases of 40 rows each, interleaved as events come, analyzed).
    await copyCase(database.db, c.id, 2000, { id: 'gen_random_uuid()', number: `'PLAN-' || i` });
    await database.db.execute(sql`insert into case_events (case_id, seq, type, payload, to_state, actor_id, actor_role, actor_name, occurred_at, recorded_at)
      select c.id, s, 'CREATE', '{}'::jsonb, 'intake.screening', 'x', 'court', 'x', now(), now()
      from generate_series(1, 40) s, cases c where c.number like 'PLAN-%' order by s, c.id`);
    await database.db.execute(sql`analyze case_events`);
    await applyEvent(ctx(), caseStore, court, c.id, { type: 'ACCEPT' }, { render });
    await applyEvent(ctx(), caseStore, court, c.id, { type: 'ASSIGN', deputyIds: [deputyId] }, { render });
    for (let i = 0; i < 8; i++) {
      const idempotency = { key: `plan-${c.id}-${i}`, hash: `h${i}` };
      await applyEvent(ctx(), caseStore, court, c.id, { type: 'SCHEDULE_SESSION', at: new Date(Date.now() + 86_400_000).toISOString(), location: '调解室' }, { render, idempotency });
      await applyEvent(ctx(), caseStore, court, c.id, { type: 'RECORD_SESSION', heldAt: new Date().toISOString(), attendeeDeputyIds: [deputyId], minutes: `第${i + 1}次` }, { render, idempotency: { ...idempotency, key: `${idempotency.key}-r` } });
    }
    const plans = rowsOf<{ notice: boolean; generic: number; custom: number; runs: number }>(
      await database.db.execute(sql`select statement like '%insert into "notifications"%' as notice, generic_plans::int as generic, custom_plans::int as custom,
        (generic_plans + custom_plans)::int as runs from pg_prepared_statements where statement like 'with swapped as (update "cases"%'`),
    ).filter((p) => p.runs > 1);
    // One statement per shape: the session scheduled (with its notice) and the session recorded.
    expect(plans.map((p) => ({ notice: p.notice, runs: p.runs })).sort((a, b) => Number(a.notice) - Number(b.notice))).toEqual([
      { notice: false, runs: 8 },
      { notice: true, runs: 8 },
    ]);
    for (const p of plans) expect(p, 'executions after the fifth run one generic plan').toMatchObject({ custom: 5, generic: 3 });
  });
});

describe("an event's notice", () => {
  it('tests only the kind of recipient it names, with no ON CONFLICT, and tells every assigned deputy but the sender once', async () => {
    const second = await createDeputy(database.db, ADMIN, { name: '赵刚', level: 'county', stationCode: 'HL01' });
    const users = [];
    for (const [name, id] of [['王丽', deputyId], ['赵刚', second.id]] as const) users.push((await createUser(database.db, ADMIN, { name, role: 'deputy', deputyId: id })).id);
    const c = (
      await createEntity(ctx(), caseStore, court, { track: 'pre_filing', source: 'court_referral', stationCode: 'HL01', disputeType: '借贷', summary: '通知', parties: [{ role: 'applicant', name: '甲' }] }, { render })
    ).body as { id: string };
    await applyEvent(ctx(), caseStore, court, c.id, { type: 'ACCEPT' }, { render });
    await applyEvent(ctx(), caseStore, court, c.id, { type: 'ASSIGN', deputyIds: [deputyId, second.id] }, { render });
    for (let i = 0; i < 2; i++) {
      await applyEvent(ctx(), caseStore, court, c.id, { type: 'SCHEDULE_SESSION', at: new Date(Date.now() + (i + 1) * 86_400_000).toISOString(), location: '调解室' }, { render });
    }
    const told = rowsOf<{ user_id: string; kind: string; ref: string }>(
      await database.db.execute(sql`select user_id, kind, ref from notifications where entity_id = ${c.id} order by ref, kind, user_id`),
    );
    const both = [...users].sort();
    expect(told).toEqual([
      ...both.map((u) => ({ user_id: u, kind: 'case_assigned', ref: 'seq:3' })),
      ...both.map((u) => ({ user_id: u, kind: 'session_scheduled', ref: 'seq:4' })),
      ...both.map((u) => ({ user_id: u, kind: 'session_scheduled', ref: 'seq:5' })),
    ]);

    const noticed = rowsOf<{ statement: string }>(
      await database.db.execute(sql`select statement from pg_prepared_statements where statement like 'with swapped as (update "cases"%' and statement like '%insert into "notifications"%'`),
    ).map((r) => r.statement);
    expect(noticed.length).toBeGreaterThan(0);
    for (const s of noticed) {
      const notice = s.slice(s.indexOf('insert into "notifications"'));
      expect(notice).not.toMatch(/on conflict/i);
      expect(notice).toContain("u.role = 'deputy'");
      expect(notice).not.toContain("u.role = 'station'");
      expect(notice).not.toContain('"case_events"');
    }
  });
});
