/**
 * Read paths rewritten for speed at a million cases (issue 16) answer exactly what the plain
 * queries they replace answered, on a generated population of a few thousand cases:
 * - the court's to-do cases (src/engine/todo.ts courtTodoCases): the oldest N of each waiting state
 *   and of the deadlines by a bound, merged, against the plain `state in (…) or next_due_at <= bound`
 *   oldest first;
 * - and the deadline branch of both it and the case list's `dueWithinDays` reads cases_due_idx.
 */
import { asc, inArray, lte, or, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rowsOf } from '../../src/db/client.js';
import { cases } from '../../src/db/schema.js';
import { courtTodoCases } from '../../src/engine/todo.js';
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
