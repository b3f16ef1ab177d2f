/**
 * Case search (`q`) through the search indexes (drizzle/0016_search_grams.sql, and the numbers'
 * own, drizzle/0020_case_number_search.sql) answers exactly
 * what the plain ILIKE query answered before them: on a generated population of a few thousand
 * cases, for every kind of q (a name that occurs once, a common two-character name, one character,
 * a case number in another case, words of the summary that are rare and that are everywhere, a
 * dispute type, no match, LIKE's own characters) and every kind of reader (court staff, who search
 * names, the committee, which does not, a station and a deputy, who see only their cases), every
 * page of the list equals, in order, the old query's result. Both paths are taken: the index
 * (few matches) and the walk newest first (more than SEARCH_INDEX_LIMIT matches).
 */
import { and, desc, eq, ilike, or, sql, type SQL } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rowsOf } from '../../src/db/client.js';
import { cases, parties } from '../../src/db/schema.js';
import { authenticate } from '../../src/engine/directory.js';
import { listCases, searchedCaseKeys, SEARCH_INDEX_LIMIT } from '../../src/engine/views.js';
import { caseScope, searchesPartyNames } from '../../src/machines/policy.js';
import type { Actor } from '../../src/machines/roles.js';
import { copyCase } from '../helpers/copies.js';
import { createWorld, type World } from '../helpers/world.js';

/** The ids searchedCaseKeys finds (null: the indexes do not help). */
const searchedCaseIds = async (...args: Parameters<typeof searchedCaseKeys>) => (await searchedCaseKeys(...args))?.map((k) => k.id) ?? null;

const N = 3000;
const SURNAMES = ['王', '李', '张', '刘', '陈', '杨', '赵', '黄', '周', '吴', '徐', '孙', '胡', '朱', '高', '林', '何', '郭', '马', '罗'];
const GIVEN = ['伟', '芳', '娜', '敏', '静', '丽', '强', '磊', '军', '洋', '勇', '艳', '杰', '娟', '涛', '明', '超', '秀', '霞', '平', '刚', '桂', '英', '华', '玉', '兰', '红', '梅', '鹏', '辉'];
const sqlArray = (xs: string[]) => `ARRAY[${xs.map((x) => `'${x}'`).join(',')}]`;

let w: World;
const actors: Record<string, Actor> = {};

beforeAll(async () => {
  w = await createWorld();
  for (const [k, token] of Object.entries({ court: w.tokens.court, committee: w.tokens.committee, station: w.tokens.stationHL, deputy: w.tokens.deputyA })) {
    actors[k] = await authenticate(w.database.db, token);
  }
  const template = await w.openCase();
  const db = w.database.db;
  // N copies of the template with their own ids, numbers, summaries, stations, deputies, times
  // (pairs share an opening time, so the id breaks ties) and parties.
  const set: Record<string, string> = {
    id: 'gen_random_uuid()',
    number: `'T' || lpad(i::text, 6, '0')`,
    external_ref: 'null',
    station_code: `case when i % 2 = 0 then 'HL01' else 'SC01' end`,
    dispute_type: `case when i % 5 = 0 then '物业服务合同' else '民间借贷' end`,
    summary: `'案情：' || (ARRAY['借款到期未还','物业费拖欠','邻里漏水纠纷','工资拖欠'])[i % 4 + 1] || case when i % 500 = 7 then '，罕见词语' else '' end || case when i = 1717 then '，见T002024号' else '' end || case when i = 99 then '，100%_偿还' else '' end`,
    deputy_ids: `case when i % 3 = 0 then ARRAY['${w.deputies.a}']::text[] else '{}'::text[] end`,
    // Whole milliseconds, as the engine writes them (a list's cursor carries milliseconds).
    opened_at: `date_trunc('milliseconds', now()) - ((i / 2) || ' hours')::interval`,
  };
  await copyCase(db, template.id, N, set);
  // Two parties each: a two-character name or a three-character one, and one name that occurs once.
  await db.execute(
    sql.raw(`insert into parties (case_id, position, role, name)
      select c.id, p, case when p = 0 then 'applicant' else 'respondent' end,
        case when c.number = 'T001234' and p = 1 then '欧阳独一无二'
          else (${sqlArray(SURNAMES)})[(n * (p + 3)) % 20 + 1] || (${sqlArray(GIVEN)})[(n * 7 + p) % 30 + 1] || case when n % 3 = 0 then (${sqlArray(GIVEN)})[(n * 11 + p) % 30 + 1] else '' end end
      from (select id, number, substr(number, 2)::int as n from cases where number like 'T%') c, generate_series(0, 1) p`),
  );
  await db.execute(sql`analyze cases`);
  await db.execute(sql`analyze parties`);
}, 120_000);

afterAll(async () => {
  await w?.close();
});

/** The list's search as it was before the search indexes: its scope and q's ILIKE, nothing else. */
async function oldQuery(actor: Actor, q: string, extra: SQL[] = []): Promise<string[]> {
  const like = `%${q.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
  const where: SQL[] = [...extra];
  const scope = caseScope(actor);
  if (scope.kind === 'station') where.push(eq(cases.stationCode, scope.stationCode));
  if (scope.kind === 'deputy') where.push(sql`${cases.deputyIds} @> ARRAY[${scope.deputyId}]::text[]`);
  where.push(
    or(
      ilike(cases.number, like),
      ilike(cases.summary, like),
      ilike(cases.disputeType, like),
      searchesPartyNames(actor) ? sql`exists (select 1 from ${parties} where ${parties.caseId} = ${cases.id} and ${parties.name} ilike ${like})` : undefined,
    )!,
  );
  const rows = await w.database.db.select({ id: cases.id }).from(cases).where(and(...where)).orderBy(desc(cases.openedAt), desc(cases.id));
  return rows.map((r) => r.id);
}

/** Every page of the list, in order. */
async function allPages(actor: Actor, q: string, filters: { state?: string; stationCode?: string } = {}, limit = 200): Promise<string[]> {
  const ids: string[] = [];
  let cursor: string | undefined;
  for (let page = 0; page < 100; page++) {
    const r = await listCases(w.database.db, actor, { ...filters, q, limit, cursor });
    ids.push(...r.items.map((c) => c.id));
    if (!r.nextCursor) return ids;
    cursor = r.nextCursor;
  }
  throw new Error('more than 100 pages');
}

const QUERIES = [
  '欧阳独一无二', // a name that occurs once
  '独一无二', // part of it
  '王伟', // a common two-character name (and the start of three-character ones)
  '张', // one character
  'T001234', // a case number
  't001234', // … in lower case (ILIKE)
  'T002024', // a case number that another case's summary mentions too
  'T0012', // part of many numbers
  '01234', // the end of a number (its pieces of four characters, not its start)
  '0123', // four characters: in the middle of some numbers, at the end of others
  '023', // three characters of numbers: their pairs
  '12', // two
  't0', // two, at the start of every number
  '罕见词语', // rare words of the summary
  '漏水', // words of a quarter of the summaries
  '案情', // words of every summary: more matches than the index path takes
  '物业服务', // a dispute type (and words of summaries)
  '无此词语', // no match
  '100%_', // LIKE's own characters, literally
  '%',
  '_偿',
];

describe('search: the same results as the plain ILIKE query', () => {
  for (const role of ['court', 'committee', 'station', 'deputy']) {
    it(`${role}: every q, every page, in order`, async () => {
      const actor = actors[role];
      for (const q of QUERIES) {
        const expected = await oldQuery(actor, q);
        const got = await allPages(actor, q);
        expect(got, `${role} q=${q}`).toEqual(expected);
      }
    });
  }

  // Pages of 50 (the default): dense matches are found among the newest SEARCH_NEWEST_ROWS cases
  // after each cursor (views.ts pageAmongNewest) until too few are left there, then through the
  // indexes or the walk; every page still equals the plain query's.
  it('court and station, pages of 50: every q, every page, in order', async () => {
    for (const role of ['court', 'station']) {
      for (const q of ['王伟', '张', 'T0012', '漏水', '案情', '物业服务', '无此词语']) expect(await allPages(actors[role], q, {}, 50), `${role} q=${q}`).toEqual(await oldQuery(actors[role], q));
    }
  });

  it('with filters beside q (state, station)', async () => {
    for (const q of ['王伟', '漏水', '案情', '无此词语']) {
      expect(await allPages(actors.court, q, { stationCode: 'SC01' })).toEqual(await oldQuery(actors.court, q, [eq(cases.stationCode, 'SC01')]));
      expect(await allPages(actors.court, q, { state: 'intake.screening' })).toEqual(await oldQuery(actors.court, q, [eq(cases.state, 'intake.screening')]));
    }
  });

  it('the data has matches where expected, and both paths are taken', async () => {
    const db = w.database.db;
    const court = actors.court;
    expect((await oldQuery(court, '欧阳独一无二')).length).toBe(1);
    expect((await oldQuery(court, '王伟')).length).toBeGreaterThan(5);
    expect((await oldQuery(court, '无此词语')).length).toBe(0);
    expect((await oldQuery(court, 'T002024')).length).toBe(2);
    expect((await oldQuery(court, '案情')).length).toBeGreaterThan(SEARCH_INDEX_LIMIT);
    const like = (q: string) => `%${q}%`;
    // Few matches: through the index, exactly the matching cases.
    expect((await searchedCaseIds(db, '王伟', like('王伟'), true))!.sort()).toEqual((await oldQuery(court, '王伟')).sort());
    expect(await searchedCaseIds(db, '无此词语', like('无此词语'), true)).toEqual([]);
    // A number (and a summary that mentions it), a number's end, its middle: every case that has it.
    for (const q of ['T002024', '01234', '0123', '023']) expect((await searchedCaseIds(db, q, like(q), true))!.sort(), q).toEqual((await oldQuery(court, q)).sort());
    // Every piece of a number, of every length, from every place in it.
    const number = 'T001717';
    for (let i = 0; i < number.length; i++) {
      for (let j = i + 2; j <= number.length; j++) {
        const q = number.slice(i, j).toLowerCase();
        const ids = await searchedCaseIds(db, q, like(q), true);
        const expected = await oldQuery(court, q);
        // Null (too many matches for the index path): the list walks the cases, and still finds them all.
        if (ids) expect(ids.sort(), q).toEqual([...expected].sort());
        else expect(await allPages(court, q), q).toEqual(expected);
      }
    }
    // Names are looked for only when the reader searches names.
    expect(await searchedCaseIds(db, '欧阳独一无二', like('欧阳独一无二'), false)).toEqual([]);
    // Dense matches and one character: the walk.
    expect(await searchedCaseIds(db, '案情', like('案情'), true)).toBeNull();
    expect(await searchedCaseIds(db, '张', like('张'), true)).toBeNull();
  });

  it('the searches use the indexes', async () => {
    await w.database.db.transaction(async (tx) => {
      const plan = async (q: SQL) => rowsOf<Record<string, string>>(await tx.execute(sql`explain ${q}`)).map((r) => Object.values(r)[0]).join('\n');
      await tx.execute(sql`set local enable_seqscan = off`);
      // On case_texts since drizzle/0026 (cases' own texts, never written by an event).
      expect(await plan(sql`select case_id from case_texts where search_bigrams(summary || ' ' || dispute_type) @> search_query_grams('漏水')`)).toContain('case_texts_search_idx');
      expect(await plan(sql`select case_id from case_texts where search_number_grams(number) @> search_number_query_grams('T001234')`)).toContain('case_texts_number_search_idx');
      expect(await plan(sql`select case_id from parties where search_chars_and_bigrams(name) @> search_query_grams('王伟')`)).toContain('parties_search_idx');
    });
  });
});
