/**
 * `npm run bench:search:pglite`: issue 16 goal 1 on PGlite — the searches of `bench:reads`
 * (`q` = a case number, a name that occurs once, a common name, words of the summary that are
 * everywhere, a dispute type, no match; court staff and the committee) at 100k cases on an
 * embedded PGlite, through the engine (`listCases`, what GET /api/cases runs), as `npm start` with
 * no DATABASE_URL serves them. Target: ≤ 100 ms each, the first call after opening included.
 *
 * scripts/seed.ts writes through postgres.js's COPY, which PGlite does not speak; so the cases are
 * seeded into PostgreSQL as for bench:reads (`<DATABASE_URL's name>_100k`, reused when there), then
 * copied into PGlite table by table: `COPY … TO STDOUT` from PostgreSQL (psql), `COPY … FROM '/dev/blob'`
 * into PGlite, in chunks, with PGlite's secondary indexes dropped during the load and built once
 * after it. What search reads is copied: stations, deputies, cases, parties. The PGlite directory
 * (`--dir`) is kept and reused while it holds that many cases (`--reload` forces a new copy). The
 * time of each step is printed.
 *
 *   npm run bench:search:pglite [-- --cases 100000 --runs 10 --dir ./data/bench-pglite-100k --reload]
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, rmSync } from 'node:fs';
import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { PGlite } from '@electric-sql/pglite';
import postgres from 'postgres';
import { openDatabase, rowsOf, type Db } from '../src/db/client.js';
import { listCases } from '../src/engine/views.js';
import { readEnv } from '../src/env.js';
import type { Actor } from '../src/machines/roles.js';
import { seededDatabase, sizeLabel, stats } from './bench-setup.js';
import { sql } from 'drizzle-orm';

const { values: args } = parseArgs({
  options: {
    cases: { type: 'string', default: '100000' },
    runs: { type: 'string', default: '10' },
    dir: { type: 'string' },
    reload: { type: 'boolean', default: false },
  },
});
const SIZE = Number(args.cases);
const RUNS = Number(args.runs);
const DIR = args.dir ?? `./data/bench-pglite-${sizeLabel(SIZE)}`;
const BASE = readEnv().DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/jiefen_bench_reads';
/** What search reads, in the order their foreign keys need. */
const TABLES = ['stations', 'deputies', 'cases', 'parties'];
const CHUNK = 20_000;

const load = () => loadavg().map((x) => x.toFixed(2)).join(' ');
const seconds = (t0: number) => ((performance.now() - t0) / 1000).toFixed(1);

async function count(db: Db): Promise<number> {
  return rowsOf<{ n: number }>(await db.execute(sql`select count(*)::int as n from cases`))[0].n;
}

/** Copies TABLES from PostgreSQL at `url` into `pg`, replacing what it held; the time of each step. */
async function copyInto(pg: PGlite, url: string): Promise<void> {
  const source = postgres(url, { max: 1, onnotice: () => {} });
  try {
    const t0 = performance.now();
    await pg.exec(`truncate ${TABLES.join(', ')} cascade`);
    // Secondary indexes of the copied tables (not keys): dropped for the load, built once after it.
    const indexes = (
      await pg.query<{ name: string; def: string }>(
        `select indexname as name, indexdef as def from pg_indexes where schemaname = 'public' and tablename = any($1)
           and indexname not in (select conname from pg_constraint)`,
        [TABLES],
      )
    ).rows;
    for (const i of indexes) await pg.exec(`drop index "${i.name}"`);
    for (const table of TABLES) {
      const t1 = performance.now();
      const columns = (await source<{ c: string }[]>`select column_name as c from information_schema.columns where table_schema = 'public' and table_name = ${table} order by ordinal_position`).map((r) => `"${r.c}"`).join(', ');
      // Chunks by primary key (keyset), each one COPY out and one COPY in.
      const key = table === 'stations' ? 'code' : 'id';
      let after: string | null = null;
      let rows = 0;
      for (;;) {
        const [last]: { k: string; n: number }[] = await source.unsafe(
          `select ${key}::text as k, count(*) over ()::int as n from (select ${key} from ${table} ${after === null ? '' : `where ${key} > $1`} order by ${key} limit ${CHUNK}) s order by ${key} desc limit 1`,
          after === null ? [] : [after],
        );
        if (!last) break;
        const range = `${after === null ? '' : `${key} > '${after.replace(/'/g, "''")}' and `}${key} <= '${String(last.k).replace(/'/g, "''")}'`;
        // Through psql: postgres.js's COPY stream stalled now and then on this load.
        const data = execFileSync('psql', [url, '-X', '-q', '-c', `copy (select ${columns} from ${table} where ${range}) to stdout`], { maxBuffer: 2 ** 31 });
        await pg.query(`copy ${table} (${columns}) from '/dev/blob'`, [], { blob: new Blob([data]) });
        rows += last.n;
        after = String(last.k);
      }
      console.log(`   copied ${table}: ${rows} rows in ${seconds(t1)} s`);
    }
    const t2 = performance.now();
    for (const i of indexes) await pg.exec(i.def);
    await pg.exec(`analyze ${TABLES.join(', ')}`);
    console.log(`   built ${indexes.length} indexes and analyzed in ${seconds(t2)} s; the whole copy took ${seconds(t0)} s`);
  } finally {
    await source.end();
  }
}

const url = await seededDatabase(BASE, SIZE);
// A copy cut short (indexes dropped, not built back) must not be reused: a new copy starts afresh.
if (args.reload) rmSync(DIR, { recursive: true, force: true });
mkdirSync(DIR, { recursive: true });
console.log(`bench:search:pglite — ${SIZE} cases from ${new URL(url).pathname.slice(1)} in PGlite at ${DIR}; load average ${load()}`);
let t0 = performance.now();
let pg = await PGlite.create(DIR);
let database = await openDatabase({ pglite: pg });
console.log(`   opened PGlite and ran the migrations in ${seconds(t0)} s`);
if (args.reload || (await count(database.db)) !== SIZE) {
  if (!args.reload) {
    // Whatever is there is not this copy: start from an empty directory, migrated afresh.
    await pg.close();
    rmSync(DIR, { recursive: true, force: true });
    mkdirSync(DIR, { recursive: true });
    pg = await PGlite.create(DIR);
    database = await openDatabase({ pglite: pg });
  }
  await copyInto(pg, url);
  // Close and open again: what is timed below is the first search of a freshly opened database.
  await pg.close();
  t0 = performance.now();
  pg = await PGlite.create(DIR);
  database = await openDatabase({ pglite: pg });
  console.log(`   opened again in ${seconds(t0)} s`);
}
const db = database.db;
const one = async <T>(q: ReturnType<typeof sql>) => rowsOf<T>(await db.execute(q))[0];
const aCase = await one<{ number: string }>(sql`select number from cases where version > 6 order by opened_at desc offset ${Math.min(1000, Math.floor(SIZE / 10))} limit 1`);
const once = await one<{ name: string }>(sql`select name from parties where length(name) = 3 group by name having count(*) = 1 order by name limit 1`);
const common = await one<{ name: string; n: number }>(sql`select name, count(*)::int as n from parties where length(name) = 2 group by name order by count(*) desc, name limit 1`);
const court: Actor = { id: '00000000-0000-4000-8000-00000000b101', role: 'court', name: 'bench court' };
const committee: Actor = { id: '00000000-0000-4000-8000-00000000b102', role: 'committee', name: 'bench committee' };
const searches: { name: string; q: string; as: Actor }[] = [
  { name: 'search: case number', q: aCase.number, as: court },
  { name: 'search: a name that occurs once', q: once.name, as: court },
  { name: `search: a common name (${common.n} parties)`, q: common.name, as: court },
  { name: 'search: summary words, everywhere', q: '热线转办', as: court },
  { name: 'search: a dispute type', q: '物业服务合同', as: court },
  { name: 'search: no match', q: '无此案情词语', as: court },
  { name: 'search: committee, case number', q: aCase.number, as: committee },
];
console.log(`\n   ${'search'.padEnd(44)} ${'first'.padStart(8)} ${'median'.padStart(8)} ${'p95'.padStart(8)}  target  (ms; first = first call after opening, then ${RUNS} runs)`);
for (const s of searches) {
  const time = async () => {
    const t = performance.now();
    await listCases(db, s.as, { q: s.q });
    return performance.now() - t;
  };
  const first = await time();
  const ms: number[] = [];
  for (let i = 0; i < RUNS; i++) ms.push(await time());
  const r = stats(ms);
  const over = Math.max(first, r.p95) <= 100 ? '' : r.median <= 100 ? '  (p95/first over)' : '  OVER';
  console.log(`   ${s.name.padEnd(44)} ${first.toFixed(1).padStart(8)} ${r.median.toFixed(1).padStart(8)} ${r.p95.toFixed(1).padStart(8)}  ≤ 100${over}`);
}
console.log(`   load average now ${load()}`);
await pg.close();
process.exit(0);
