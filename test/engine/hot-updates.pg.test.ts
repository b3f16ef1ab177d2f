/**
 * Recording or scheduling a session — the commonest events — changes no column that any index of
 * `cases` holds, so PostgreSQL writes the new version of the case's row as a heap-only tuple (HOT)
 * and touches none of its 13 indexes (with a session count in the report's covering index, every
 * RECORD_SESSION wrote an entry into each, the search GINs computing the summary's grams again).
 * The columns each event writes are read from the very statements the write path prepared; the
 * columns the indexes hold (keys, expressions, predicates) from the catalog. PostgreSQL only: the
 * prepared statements are a server's.
 */
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyEvent, createEntity } from '../../src/engine/apply.js';
import { searchedCaseKeys } from '../../src/engine/views.js';
import { caseStore } from '../../src/engine/stores.js';
import { rowsOf } from '../../src/db/client.js';
import type { Actor } from '../../src/machines/roles.js';
import { freshDatabase, type TestDatabase } from '../helpers/db.js';
import { seedDirectory } from '../helpers/actors.js';

/** The ids searchedCaseKeys finds (null: the indexes do not help). */
const searchedCaseIds = async (...args: Parameters<typeof searchedCaseKeys>) => (await searchedCaseKeys(...args))?.map((k) => k.id) ?? null;

let database: TestDatabase;
let court: Actor;
let deputyId: string;
const render = (w: { row: { id: string; version: number } }) => ({ body: { id: w.row.id, version: w.row.version } });

beforeAll(async () => {
  // One connection: pg_prepared_statements is per session.
  database = await freshDatabase({ max: 1 });
  ({ court, deputyId } = await seedDirectory(database.db));
});
afterAll(async () => database?.destroy());

const ctx = () => ({ db: database.db });

describe('the sessions events update the case as a heap-only tuple', () => {
  it('RECORD_SESSION and SCHEDULE_SESSION write no column an index of cases reads', async () => {
    const c = (
      await createEntity(ctx(), caseStore, court, { track: 'pre_filing', source: 'court_referral', stationCode: 'HL01', disputeType: '借贷', summary: '热更新', parties: [{ role: 'applicant', name: '甲' }] }, { render })
    ).body as { id: string };
    await applyEvent(ctx(), caseStore, court, c.id, { type: 'ACCEPT' }, { render });
    await applyEvent(ctx(), caseStore, court, c.id, { type: 'ASSIGN', deputyIds: [deputyId] }, { render });
    const statementsBefore = new Set(rowsOf<{ statement: string }>(await database.db.execute(sql`select statement from pg_prepared_statements`)).map((r) => r.statement));
    await applyEvent(ctx(), caseStore, court, c.id, { type: 'SCHEDULE_SESSION', at: new Date(Date.now() + 86_400_000).toISOString(), location: '调解室' }, { render, idempotency: { key: `hot-${c.id}-s`, hash: 'h' } });
    await applyEvent(ctx(), caseStore, court, c.id, { type: 'RECORD_SESSION', heldAt: new Date().toISOString(), attendeeDeputyIds: [deputyId], minutes: '笔录' }, { render, idempotency: { key: `hot-${c.id}-r`, hash: 'h' } });

    // The two write statements the events prepared, and the columns each sets.
    const writes = rowsOf<{ statement: string }>(await database.db.execute(sql`select statement from pg_prepared_statements where statement like 'with swapped as (update "cases" set %'`))
      .map((r) => r.statement)
      .filter((s) => !statementsBefore.has(s));
    expect(writes).toHaveLength(2);
    const written = writes.map((s) => [...s.slice(0, s.indexOf(' where ')).matchAll(/"(\w+)" = \$\d+/g)].map((m) => m[1]).sort());
    expect(written.flat()).toEqual(expect.arrayContaining(['snapshot', 'version', 'sessions_held', 'deputy_attendances']));

    // Every column of cases an index holds: a key, or read by an index's expression or predicate.
    const indexed = rowsOf<{ column: string }>(
      await database.db.execute(sql`
        select distinct a.attname as column
        from pg_index i join pg_attribute a on a.attrelid = i.indrelid and a.attnum > 0 and not a.attisdropped
        where i.indrelid = 'cases'::regclass and (a.attnum = any(i.indkey)
          or pg_get_expr(i.indexprs, i.indrelid) ~ ('\\m' || a.attname || '\\M')
          or pg_get_expr(i.indpred, i.indrelid) ~ ('\\m' || a.attname || '\\M'))`),
    ).map((r) => r.column);
    // (summary left this list with drizzle/0026: the search indexes are on case_texts now.)
    expect(indexed).toEqual(expect.arrayContaining(['id', 'state', 'opened_at', 'outcome', 'number', 'next_due_at']));
    for (const columns of written) expect(columns.filter((k) => indexed.includes(k))).toEqual([]);
  });
});

describe('an event that changes the state writes no search index', () => {
  it('cases has no index computed from its texts; case_texts has the search indexes, and a case the engine creates is found there', async () => {
    // An update of `cases` that is not HOT (every change of state) inserts into every index of the
    // table: none of them may be one that computes grams from texts an event never changes.
    const computed = rowsOf<{ name: string }>(
      await database.db.execute(sql`select indexrelid::regclass::text as name from pg_index where indrelid = 'cases'::regclass and indexprs is not null`),
    ).map((r) => r.name);
    expect(computed).toEqual([]);
    const onTexts = rowsOf<{ name: string }>(
      await database.db.execute(sql`select indexrelid::regclass::text as name from pg_index where indrelid = 'case_texts'::regclass and indexprs is not null order by 1`),
    ).map((r) => r.name);
    expect(onTexts).toEqual(['case_texts_number_search_idx', 'case_texts_search_idx']);

    const c = (
      await createEntity(ctx(), caseStore, court, { track: 'pre_filing', source: 'court_referral', stationCode: 'HL01', disputeType: '借贷', summary: '独角兽漏水纠纷', parties: [{ role: 'applicant', name: '乙' }] }, { render })
    ).body as { id: string };
    await applyEvent(ctx(), caseStore, court, c.id, { type: 'ACCEPT' }, { render });
    const [{ number }] = rowsOf<{ number: string }>(await database.db.execute(sql`select number from cases where id = ${c.id}`));
    expect(await searchedCaseIds(database.db, '独角兽', '%独角兽%', false)).toEqual([c.id]);
    expect(await searchedCaseIds(database.db, number, `%${number}%`, false)).toEqual([c.id]);
  });
});
