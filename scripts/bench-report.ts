/**
 * `npm run bench:report`: how fast the committee's enforcement report (DESIGN.md §8) answers at
 * 10k, 100k and 1M cases on real PostgreSQL. Target: ≤ 300 ms at 1M cases.
 *
 * For each size it uses its own database beside DATABASE_URL's (default the local server's
 * `jiefen_bench`: `jiefen_bench_10k`, `jiefen_bench_100k`, `jiefen_bench_1m`), seeded by
 * scripts/seed.ts when missing or of another size (`--reseed` forces it; the 1M seed takes ~10
 * minutes, later runs reuse it). Then, per scenario, it times the engine function and the same
 * report through HTTP (`app.request()`, auth, JSON or CSV rendering included): a few warm-up runs,
 * then median and p95 of `--runs`. Before those, the first report of the process (cold: nothing
 * cached in the process, no warm-up — there is nothing to warm up), the same report aggregated
 * afresh from every case without the closed-case summary, and whether both agree. Last,
 * `EXPLAIN (ANALYZE, BUFFERS)` of the report's SQL — the very queries `reportQueries()` builds —
 * for the largest size.
 *
 *   npm run bench:report [-- --sizes 10000,100000,1000000 --runs 30 --reseed]
 *
 * Run it on a quiet machine: the figures are wall-clock times.
 */
import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { sql } from 'drizzle-orm';
import { createApp } from '../src/app.js';
import { openDatabase, rowsOf, type Db } from '../src/db/client.js';
import { createUser } from '../src/engine/directory.js';
import { enforcementReport, parseReportQuery, reportQueries } from '../src/engine/reports.js';
import { readEnv } from '../src/env.js';
import type { Actor } from '../src/machines/roles.js';
import { seededDatabase, sizeLabel as label, stats } from './bench-setup.js';

const { values: args } = parseArgs({
  options: {
    sizes: { type: 'string', default: '10000,100000,1000000' },
    runs: { type: 'string', default: '30' },
    reseed: { type: 'boolean', default: false },
    explain: { type: 'boolean', default: true },
  },
});
const SIZES = args.sizes.split(',').map(Number);
const RUNS = Number(args.runs);
const BASE = readEnv().DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/jiefen_bench';
const ADMIN: Actor = { id: '00000000-0000-4000-8000-00000000b000', role: 'admin', name: 'bench' };

async function time(runs: number, f: () => Promise<unknown>) {
  for (let i = 0; i < 3; i++) await f(); // warm-up: plans cached, pages in memory
  const ms: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    await f();
    ms.push(performance.now() - t0);
  }
  return stats(ms);
}

/** The last full Shanghai calendar year, and the district and station with the most cases. */
async function scenarios(db: Db) {
  const year = new Date(Date.now() + 8 * 3_600_000).getUTCFullYear() - 1;
  const [top] = rowsOf<{ district: string }>(
    await db.execute(sql`select s.district from cases c join stations s on s.code = c.station_code group by 1 order by count(*) desc limit 1`),
  );
  const [station] = rowsOf<{ code: string }>(await db.execute(sql`select station_code as code from cases group by 1 order by count(*) desc limit 1`));
  return [
    { name: 'all cases, no filter', query: '' },
    { name: `year ${year}`, query: `from=${year}-01-01&to=${year}-12-31` },
    { name: `district ${top.district}`, query: `district=${encodeURIComponent(top.district)}` },
    { name: `station ${station.code}, year ${year}`, query: `stationCode=${station.code}&from=${year}-01-01&to=${year}-12-31` },
    { name: `${year}-03-10 … ${year}-09-20 (part months)`, query: `from=${year}-03-10&to=${year}-09-20` },
    { name: 'all cases, CSV', query: 'format=csv' },
  ];
}

const fmt = (x: number) => x.toFixed(1).padStart(7);

async function benchSize(size: number) {
  const url = await seededDatabase(BASE, size, { reseed: args.reseed });
  const database = await openDatabase({ databaseUrl: url, max: 10 });
  try {
    const db = database.db;
    const [sizes] = rowsOf<Record<string, string>>(
      await db.execute(sql`select
        (select count(*) from cases)::text as cases, (select count(*) from case_events)::text as events,
        (select count(*) from station_activities)::text as activities, (select count(*) from supervisions)::text as supervisions,
        (select count(*) from cases where outcome is null)::text as open,
        (select count(*) from case_report_years)::text as years, (select count(*) from case_report_months)::text as months, (select count(*) from case_report_days)::text as days,
        pg_size_pretty(pg_total_relation_size('cases')) as cases_size,
        pg_size_pretty(pg_relation_size('cases_report_open_idx')) as open_idx_size`),
    );
    console.log(
      `\n== ${label(size)}: ${sizes.cases} cases, ${sizes.open} of them open (${sizes.cases_size} with indexes; cases_report_open_idx ${sizes.open_idx_size}), ` +
        `${sizes.events} journal rows, ${sizes.activities} station activities, ${sizes.supervisions} supervision items; ` +
        `closed-case summary: ${sizes.years} year rows, ${sizes.months} month rows, ${sizes.days} day rows`,
    );
    const committee = await createUser(db, ADMIN, { name: `bench committee ${Date.now()}`, role: 'committee' });
    const actor: Actor = { id: committee.id, role: 'committee', name: committee.name };
    const app = createApp({ db, log: (m, e) => console.error(m, e) });
    const t0 = performance.now();
    const first = await enforcementReport(db, actor, parseReportQuery({}));
    console.log(`   first report in this process (cold start, no warm-up): ${(performance.now() - t0).toFixed(0)} ms`);
    const plain = await time(Math.min(RUNS, 10), () => enforcementReport(db, actor, parseReportQuery({}), { summary: false }));
    console.log(`   every case aggregated afresh, no summary (engine, ${Math.min(RUNS, 10)} runs): median ${plain.median.toFixed(1)} ms, p95 ${plain.p95.toFixed(1)} ms`);
    const fromScratch = await enforcementReport(db, actor, parseReportQuery({}), { summary: false });
    const same = JSON.stringify({ ...first, generatedAt: '' }) === JSON.stringify({ ...fromScratch, generatedAt: '' });
    console.log(`   the report from the summary equals the one aggregated afresh: ${same ? 'yes' : 'NO'}`);
    console.log(`   load average now: ${loadavg().map((x) => x.toFixed(2)).join(' ')} (2 cores: other work on the machine inflates every figure)`);
    console.log(`   ${'scenario'.padEnd(36)} ${'engine median'.padStart(14)} ${'p95'.padStart(7)}   ${'HTTP median'.padStart(12)} ${'p95'.padStart(7)}  (ms, ${RUNS} runs each)`);
    const rows: { name: string; engine: ReturnType<typeof stats>; http: ReturnType<typeof stats> }[] = [];
    for (const s of await scenarios(db)) {
      const q = parseReportQuery(Object.fromEntries(new URLSearchParams(s.query)));
      const engine = await time(RUNS, () => enforcementReport(db, actor, q));
      const http = await time(RUNS, async () => {
        const res = await app.request(`/api/reports/enforcement?${s.query}`, { headers: { authorization: `Bearer ${committee.token}` } });
        if (res.status !== 200) throw new Error(`HTTP ${res.status}: ${await res.text()}`);
        await res.text();
      });
      rows.push({ name: s.name, engine, http });
      console.log(`   ${s.name.padEnd(36)} ${fmt(engine.median).padStart(14)} ${fmt(engine.p95)}   ${fmt(http.median).padStart(12)} ${fmt(http.p95)}`);
    }
    if (args.explain && size === Math.max(...SIZES)) {
      const explain = async (title: string, query: ReturnType<typeof sql>) => {
        const plan = rowsOf<Record<string, string>>(await db.execute(sql`explain (analyze, buffers) ${query}`));
        console.log(`\n-- EXPLAIN (ANALYZE, BUFFERS) ${title}, ${label(size)}`);
        for (const line of plan) console.log(`   ${Object.values(line)[0]}`);
      };
      const all = reportQueries({}, null);
      await explain('every case aggregated afresh (what the summary avoids)', all.casesFromScratch);
      await explain('cases: summary years + open cases live', all.cases);
      const [top] = rowsOf<{ district: string }>(await db.execute(sql`select s.district from cases c join stations s on s.code = c.station_code group by 1 order by count(*) desc limit 1`));
      const codes = rowsOf<{ code: string }>(await db.execute(sql`select code from stations where district = ${top.district}`)).map((r) => r.code);
      await explain(`cases, district ${top.district}`, reportQueries({}, codes).cases);
      const y = new Date(Date.now() + 8 * 3_600_000).getUTCFullYear() - 1;
      await explain(`cases, ${y}-03-10 … ${y}-09-20: summary days, months, days + open cases live`, reportQueries({ from: `${y}-03-10`, to: `${y}-09-20` }, null).cases);
      await explain('station activities', all.activities);
      await explain('supervision items', all.supervisions);
      await explain('overdue reports', all.overdueReports);
    }
    return rows;
  } finally {
    await database.close();
  }
}

console.log(`bench:report — PostgreSQL ${BASE.replace(/\/[^/]*$/, '/…')}, sizes ${SIZES.map(label).join(', ')}, ${RUNS} runs per figure`);
const all: Record<string, Awaited<ReturnType<typeof benchSize>>> = {};
for (const size of SIZES) all[label(size)] = await benchSize(size);
console.log('\n== summary: median / p95 (ms), engine function | HTTP');
for (const [size, rows] of Object.entries(all)) {
  for (const r of rows) {
    console.log(`   ${size.padEnd(5)} ${r.name.padEnd(36)} ${r.engine.median.toFixed(1)} / ${r.engine.p95.toFixed(1)} | ${r.http.median.toFixed(1)} / ${r.http.p95.toFixed(1)}`);
  }
}
const worst = all[label(Math.max(...SIZES))]?.reduce((m, r) => Math.max(m, r.http.median), 0) ?? 0;
console.log(`\nslowest HTTP median at ${label(Math.max(...SIZES))}: ${worst.toFixed(1)} ms (target ≤ 300 ms)`);
process.exit(0);
