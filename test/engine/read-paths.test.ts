/**
 * Read paths rewritten for speed at a million cases (issue 16) answer exactly what the plain
 * queries they replace answered, on a generated population of a few thousand cases:
 * - the court's to-do cases (src/engine/todo.ts courtTodoCases): the oldest N of each waiting state
 *   and of the deadlines by a bound, merged, against the plain `state in (…) or next_due_at <= bound`
 *   oldest first;
 * - and the deadline branch of both it and the case list's `dueWithinDays` reads cases_due_idx;
 * - a deputy's case list (src/engine/views.ts deputysCases), through case_deputies, against the
 *   plain `deputy_ids @> ARRAY[d]` newest first: every page, with and without a filter, after
 *   deputies were assigned and recused by hand-written updates (the table's trigger keeps it).
 */
import { and, asc, desc, eq, inArray, lte, or, sql, type SQL } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rowsOf } from '../../src/db/client.js';
import { cases } from '../../src/db/schema.js';
import { authenticate } from '../../src/engine/directory.js';
import { courtTodoCases } from '../../src/engine/todo.js';
import { listCases } from '../../src/engine/views.js';
import { copyCase } from '../helpers/copies.js';
import { createWorld, type World } from '../helpers/world.js';

const N = 2000;
const STATES = ['intake.screening', 'mediation.assigning', 'agreement.confirming'];

let w: World;

beforeAll(async () => {
  w = await createWorld();
  const template = await w.openCase();
  const db = w.database.db;
  // Every state the to-do reads and some it does not; a deadline on some (some by the bound, most
  // later); pairs share an opening time, so the id breaks ties.
  const set: Record<string, string> = {
    id: 'gen_random_uuid()',
    number: `'R' || lpad(i::text, 6, '0')`,
    external_ref: 'null',
    state: `(ARRAY['intake.screening','mediation.assigning','agreement.confirming','mediation.active','agreement.performing','closed','enforcement.active'])[i % 7 + 1]`,
    next_due_at: `case when i % 5 = 0 then now() + ((i % 40) || ' days')::interval when i % 11 = 0 then now() - interval '2 days' else null end`,
    opened_at: `date_trunc('milliseconds', now()) - ((i / 2) || ' hours')::interval`,
    deputy_ids: `case i % 3 when 0 then ARRAY['${w.deputies.a}'] when 1 then ARRAY['${w.deputies.a}', '${w.deputies.b}'] else '{}' end::text[]`,
  };
  await copyCase(db, template.id, N, set);
  await db.execute(sql`analyze cases`);
}, 120_000);

afterAll(async () => {
  await w?.close();
});

describe("the court's to-do cases", () => {
  it('equal the plain query, oldest first, for every bound and limit', async () => {
    const db = w.database.db;
    for (const days of [0, 5, 30, 100]) {
      const bound = new Date(Date.now() + days * 86_400_000).toISOString();
      for (const limit of [1, 7, 200, 5000]) {
        const plain = await db
          .select({ id: cases.id })
          .from(cases)
          .where(or(inArray(cases.state, STATES), lte(cases.nextDueAt, bound)))
          .orderBy(asc(cases.openedAt), asc(cases.id))
          .limit(limit);
        const got = await courtTodoCases(db, STATES, bound, limit);
        expect(got.map((r) => r.id), `${days} days, limit ${limit}`).toEqual(plain.map((r) => r.id));
        if (limit === 5000) expect(got.length).toBeGreaterThan(200);
      }
    }
  });

  it("a deadline by a bound is found in cases_due_idx, the bound checked in the index (not on each case's row)", async () => {
    await w.database.db.transaction(async (tx) => {
      const plan = async (q: string) => rowsOf<Record<string, string>>(await tx.execute(sql.raw(`explain ${q}`))).map((r) => Object.values(r)[0]).join('\n');
      await tx.execute(sql`set local enable_seqscan = off`);
      await tx.execute(sql`set local enable_bitmapscan = off`);
      const bound = `'${new Date(Date.now() + 7 * 86_400_000).toISOString()}'::timestamptz`;
      // The to-do's branch (oldest first) and the case list's dueWithinDays (newest first).
      for (const order of ['opened_at, id', 'opened_at desc, id desc']) {
        const p = await plan(`select id from cases where next_due_at <= ${bound} order by ${order} limit 51`);
        expect(p, order).toMatch(/Index (Only )?Scan (Backward )?using cases_due_idx/);
        expect(p, order).toMatch(/Index Cond: \(next_due_at <=/);
      }
    });
  });
});

describe("a deputy's cases", () => {
  /** Every page of the deputy's list, in order. */
  async function allPages(token: string, filters: { state?: string }, limit: number): Promise<string[]> {
    const actor = await authenticate(w.database.db, token);
    const ids: string[] = [];
    let cursor: string | undefined;
    for (let page = 0; page < 10_000; page++) {
      const r = await listCases(w.database.db, actor, { ...filters, limit, cursor });
      ids.push(...r.items.map((c) => c.id));
      if (!r.nextCursor) return ids;
      cursor = r.nextCursor;
    }
    throw new Error('more than 10,000 pages');
  }
  async function plain(deputyId: string, extra: SQL[] = []): Promise<string[]> {
    const rows = await w.database.db
      .select({ id: cases.id })
      .from(cases)
      .where(and(sql`${cases.deputyIds} @> ARRAY[${deputyId}]::text[]`, ...extra))
      .orderBy(desc(cases.openedAt), desc(cases.id));
    return rows.map((r) => r.id);
  }
  const keptRows = async () => {
    const q = (s: string) => w.database.db.execute(sql.raw(`select x::text as r from (${s}) x order by 1`)).then((r) => rowsOf<{ r: string }>(r).map((x) => x.r));
    return { kept: await q('select deputy_id, opened_at, case_id from case_deputies'), plain: await q('select distinct d, opened_at, id from cases, unnest(deputy_ids) d') };
  };

  it('equal the plain query, every page, with and without a filter, after assignments and recusals by hand', async () => {
    const db = w.database.db;
    // Recusals (one of two deputies, the only one), new assignments, a case moved in time.
    await db.execute(sql.raw(`update cases set deputy_ids = ARRAY['${w.deputies.b}'] where number like 'R%' and substr(number, 2)::int % 30 = 1`));
    await db.execute(sql.raw(`update cases set deputy_ids = '{}' where number like 'R%' and substr(number, 2)::int % 30 = 3`));
    await db.execute(sql.raw(`update cases set deputy_ids = ARRAY['${w.deputies.other}', '${w.deputies.a}'] where number like 'R%' and substr(number, 2)::int % 30 = 5`));
    await db.execute(sql.raw(`update cases set opened_at = opened_at - interval '1 minute' where number = 'R000012'`));
    const { kept, plain: expected } = await keptRows();
    expect(kept).toEqual(expected);
    for (const [token, id] of [
      [w.tokens.deputyA, w.deputies.a],
      [w.tokens.deputyB, w.deputies.b],
      [w.tokens.deputyOther, w.deputies.other],
    ]) {
      const all = await plain(id);
      expect(all.length, id).toBeGreaterThan(id === w.deputies.other ? 10 : 500);
      for (const limit of [7, 50, 200]) expect(await allPages(token, {}, limit), `${id}, pages of ${limit}`).toEqual(all);
      expect(await allPages(token, { state: 'closed' }, 50), `${id}, closed`).toEqual(await plain(id, [eq(cases.state, 'closed')]));
      expect(await allPages(token, { state: 'mediation' }, 50), `${id}, mediation.*`).toEqual(await plain(id, [sql`${cases.state} like 'mediation.%'`]));
    }
  });

  it('walk case_deputies in the list order', async () => {
    await w.database.db.transaction(async (tx) => {
      await tx.execute(sql`analyze case_deputies`);
      await tx.execute(sql`set local enable_seqscan = off`);
      await tx.execute(sql`set local enable_bitmapscan = off`);
      await tx.execute(sql`set local enable_sort = off`);
      const p = rowsOf<Record<string, string>>(
        await tx.execute(sql.raw(`explain select c.id from case_deputies d join cases c on c.id = d.case_id and c.opened_at = d.opened_at
          where d.deputy_id = '${w.deputies.a}' and c.deputy_ids @> ARRAY['${w.deputies.a}'] order by d.opened_at desc, d.case_id desc limit 51`)),
      ).map((r) => Object.values(r)[0]).join('\n');
      expect(p).toMatch(/Index (Only )?Scan Backward using case_deputies_deputy_id_opened_at_case_id_pk/);
    });
  });
});
