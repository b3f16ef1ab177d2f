/**
 * Each party row carries its case's opened_at (drizzle/0027_parties_opened_at.sql), which search
 * orders its name matches by (src/engine/views.ts searchedCaseKeys): it must equal the case's.
 * - the engine writes it, opening one case and importing a batch (the fill-in trigger is disabled
 *   there, so a writer that left it out would fail the insert, not be rescued by the trigger);
 * - a party row written by hand without it takes its case's, and a case's opened_at rewritten by
 *   hand carries its parties with it;
 * - the migration fills it for rows written before it, and leaves the table with the same keys,
 *   indexes and triggers it creates on an empty database;
 * - on a new database the migration leaves the rebuilt table unanalyzed, not "analyzed empty": with
 *   statistics saying it holds no rows (and autovacuum off) every event's notice read every party
 *   of every case to find one case's SMS recipients.
 * The seed's COPY is checked in seed.pg.test.ts.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cliActor } from '../../scripts/import.js';
import { MIGRATIONS_FOLDER, rowsOf, type Db } from '../../src/db/client.js';
import { importFile } from '../../src/edge/imports.js';
import { CASE_HEADERS } from '../../src/edge/registers.js';
import { createWorld, type World } from '../helpers/world.js';
import { freshDatabase } from '../helpers/db.js';

let w: World;
const utf8 = (s: string) => new TextEncoder().encode(s);

beforeAll(async () => {
  w = await createWorld();
}, 120_000);

afterAll(async () => {
  await w?.close();
});

/** Parties whose opened_at is not their case's (with the case's number), and how many parties there are. */
async function mismatches(db: Db) {
  const wrong = rowsOf<{ number: string }>(
    await db.execute(sql`select c.number from parties p join cases c on c.id = p.case_id where p.opened_at is distinct from c.opened_at order by 1`),
  ).map((r) => r.number);
  const [{ n }] = rowsOf<{ n: number }>(await db.execute(sql`select count(*)::int as n from parties`));
  return { wrong, parties: Number(n) };
}

describe("a party's opened_at", () => {
  it('is written by the engine: one case opened, a register imported in batches', async () => {
    const db = w.database.db;
    await db.execute(sql`alter table parties disable trigger parties_opened_at_insert`);
    try {
      await w.openCase();
      await w.openCase({ occurredAt: '2025-06-01T08:30:00.123Z' });
      const H = CASE_HEADERS;
      const rows = [[H.number, H.source, H.track, H.procedure, H.stationCode, H.disputeType, H.summary, H.applicants, H.respondents, H.openedAt].join(',')];
      for (let k = 0; k < 5; k++) rows.push([`OPEN-${k}`, '入站', '诉前委派调解', '普通程序', 'HL01', '民间借贷', `登记第 ${k} 号`, `申请人${k}`, `被申请人${k}；另一人${k}`, `2025-0${k + 1}-1${k} 09:3${k}:00`].join(','));
      const result = await importFile(db, cliActor('cases'), 'cases', utf8(`${rows.join('\r\n')}\r\n`), { batchSize: 2 });
      expect(result).toMatchObject({ created: 5, problems: [] });
    } finally {
      await db.execute(sql`alter table parties enable trigger parties_opened_at_insert`);
    }
    const { wrong, parties } = await mismatches(db);
    expect(parties).toBeGreaterThanOrEqual(2 * 2 + 5 * 3);
    expect(wrong).toEqual([]);
  });

  it("is its case's when a row is written by hand without it, and follows a case's opened_at rewritten by hand", async () => {
    const db = w.database.db;
    const c = await w.openCase();
    await db.execute(sql`insert into parties (case_id, position, role, name) values (${c.id}, 9, 'respondent', '手写当事人')`);
    expect((await mismatches(db)).wrong).toEqual([]);
    await db.execute(sql`update cases set opened_at = opened_at - interval '3 days' where id = ${c.id}`);
    const [{ n }] = rowsOf<{ n: number }>(await db.execute(sql`select count(*)::int as n from parties where case_id = ${c.id} and opened_at = ${c.openedAt}::timestamptz - interval '3 days'`));
    expect(Number(n)).toBe(c.parties.length + 1);
    expect((await mismatches(db)).wrong).toEqual([]);
  });

  it('is filled by the migration for the rows written before it, which leaves the table as it builds it on an empty database', async () => {
    const db = w.database.db;
    const shape = async () => ({
      columns: rowsOf<{ c: string }>(
        await db.execute(sql`select column_name || ' ' || data_type || ' ' || is_nullable || ' ' || coalesce(column_default, '') as c from information_schema.columns where table_schema = 'public' and table_name = 'parties' order by 1`),
      ).map((r) => r.c),
      indexes: rowsOf<{ d: string }>(await db.execute(sql`select indexdef as d from pg_indexes where schemaname = 'public' and tablename = 'parties' order by 1`)).map((r) => r.d),
      keys: rowsOf<{ c: string }>(await db.execute(sql`select conname || ' ' || pg_get_constraintdef(oid) as c from pg_constraint where conrelid = 'parties'::regclass order by 1`)).map((r) => r.c),
      triggers: rowsOf<{ t: string }>(await db.execute(sql`select tgname || ' ' || tgrelid::regclass::text as t from pg_trigger where not tgisinternal and tgname like '%opened_at%' order by 1`)).map((r) => r.t),
    });
    const before = await shape();
    const { parties } = await mismatches(db);
    expect(parties).toBeGreaterThan(0);
    // The database as it was before 0027: no column, no triggers.
    await db.execute(sql`drop trigger parties_opened_at_insert on parties`);
    await db.execute(sql`drop trigger cases_parties_opened_at on cases`);
    await db.execute(sql`drop function jiefen_party_opened_at()`);
    await db.execute(sql`drop function jiefen_case_opened_at()`);
    await db.execute(sql`alter table parties drop column opened_at`);
    const migration = readFileSync(join(MIGRATIONS_FOLDER, '0027_parties_opened_at.sql'), 'utf8');
    for (const statement of migration.split('--> statement-breakpoint')) await db.execute(sql.raw(statement));
    expect(await mismatches(db)).toEqual({ wrong: [], parties });
    expect(await shape()).toEqual(before);
  });

  it('leaves a new database\'s parties unanalyzed, so the planner goes by its size as it grows, not by "no rows"', async () => {
    const fresh = await freshDatabase();
    try {
      const [row] = rowsOf<{ reltuples: number }>(await fresh.db.execute(sql`select reltuples::float8 as reltuples from pg_class where relname = 'parties' and relkind = 'r'`));
      // -1: never analyzed. 0 would be "analyzed, and empty", which the planner believes until the next ANALYZE.
      expect(Number(row.reltuples)).toBe(-1);
    } finally {
      await fresh.destroy();
    }
  });
});
