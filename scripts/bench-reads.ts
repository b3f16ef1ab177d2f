/**
 * `npm run bench:reads`: how fast the reads people wait on answer at 100k and 1M cases on real
 * PostgreSQL — the case lists (first page, by state, overdue, due soon, a deputy's, a station's),
 * search (`q` = a case number, a name that occurs once, a common name, words of the summary that
 * are rare and that are everywhere, no match), a case page and its history, the supervision and
 * activity lists, the to-do list, the enforcement report and the committee's dashboard page —
 * through a real server process (`src/main.ts`) over HTTP, as a client sees them.
 *
 * For each size it uses its own database beside DATABASE_URL's (default the local server's
 * `jiefen_bench_reads`: `jiefen_bench_reads_100k`, `jiefen_bench_reads_1m`), seeded by
 * scripts/seed.ts when missing or of another size (`--reseed` forces it), reused otherwise. Then it
 * starts the server, and for each read prints the first call after that start (nothing warmed:
 * the process has not run that read before), then the median and p95 of `--runs` more; last, the
 * server's peak memory (VmHWM: its largest resident set). `--idle S` waits S seconds after the
 * start before the first read: the first calls then show what a server that has been idle (a
 * court's night, a lunch break) answers first — a pool that closed its idle connections would
 * open new ones, new PostgreSQL backends, for them. The committee's dashboard is read with a
 * web session; everything else with bearer tokens of bench users it creates (court staff, the
 * committee, the busiest station's staff and the busiest deputy). `--before-start CMD` runs a shell
 * command after the planning (which scans every case and party) and before the server starts: for
 * first calls on caches emptied again, e.g. a restart of PostgreSQL and its files dropped from the
 * OS cache.
 *
 *   npm run bench:reads [-- --sizes 100000,1000000 --runs 20 --reseed --idle 40 --before-start CMD]
 *
 * Targets (issue 16): search ≤ 100 ms, every list, case page and the dashboard ≤ 200 ms, the first
 * call after a start included. The figures are wall-clock times: run it on a quiet machine, and
 * read them beside the load average it prints.
 */
import { execSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { openDatabase, rowsOf } from '../src/db/client.js';
import { createUser } from '../src/engine/directory.js';
import { openSession } from '../src/engine/sessions.js';
import { readEnv } from '../src/env.js';
import type { Actor } from '../src/machines/roles.js';
import { SESSION_COOKIE } from '../src/web/http.js';
import { seededDatabase, sizeLabel as label, startServer, stats, stopServer } from './bench-setup.js';
import { sql } from 'drizzle-orm';

const { values: args } = parseArgs({
  options: {
    sizes: { type: 'string', default: '100000,1000000' },
    runs: { type: 'string', default: '20' },
    reseed: { type: 'boolean', default: false },
    port: { type: 'string', default: '3917' },
    idle: { type: 'string', default: '0' },
    'before-start': { type: 'string' },
  },
});
const SIZES = args.sizes.split(',').map(Number);
const RUNS = Number(args.runs);
const BASE = readEnv().DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/jiefen_bench_reads';
const ADMIN: Actor = { id: '00000000-0000-4000-8000-00000000b001', role: 'admin', name: 'bench' };

interface Read {
  name: string;
  path: string;
  as: 'court' | 'committee' | 'station' | 'deputy' | 'web-committee';
  /** Search reads are held to 100 ms, the rest to 200 ms. */
  target: number;
}

/** What the reads ask for, from the seeded data: a case number, names, summary words, the busiest station and deputy. */
async function plan(url: string) {
  const database = await openDatabase({ databaseUrl: url, max: 2 });
  try {
    const db = database.db;
    const one = async <T>(q: ReturnType<typeof sql>) => rowsOf<T>(await db.execute(q))[0];
    const aCase = await one<{ id: string; number: string }>(sql`select id, number from cases where version > 6 order by opened_at desc offset 1000 limit 1`);
    const once = await one<{ name: string }>(sql`select name from parties where length(name) = 3 group by name having count(*) = 1 order by name limit 1`);
    const common = await one<{ name: string; n: number }>(sql`select name, count(*)::int as n from parties where length(name) = 2 group by name order by count(*) desc, name limit 1`);
    const station = await one<{ code: string }>(sql`select station_code as code from cases group by 1 order by count(*) desc limit 1`);
    const deputy = await one<{ id: string }>(sql`select d as id from cases, unnest(deputy_ids) d group by d order by count(*) desc limit 1`);
    const stamp = Date.now();
    const user = (body: Record<string, unknown>) => createUser(db, ADMIN, { ...body, name: `bench ${body.role} ${stamp}` });
    const court = await user({ role: 'court' });
    const committee = await user({ role: 'committee' });
    const staff = await user({ role: 'station', stationCode: station.code });
    const dep = await user({ role: 'deputy', deputyId: deputy.id });
    const session = await openSession(db, committee.id);
    const tokens = { court: court.token, committee: committee.token, station: staff.token, deputy: dep.token };
    const q = (s: string) => `/api/cases?q=${encodeURIComponent(s)}`;
    const reads: Read[] = [
      { name: 'case list, first page', path: '/api/cases', as: 'court', target: 200 },
      { name: 'case list, by state (mediation.active)', path: '/api/cases?state=mediation.active', as: 'court', target: 200 },
      { name: 'case list, overdue', path: '/api/cases?overdue=true', as: 'court', target: 200 },
      { name: 'case list, a deadline within 7 days', path: '/api/cases?dueWithinDays=7', as: 'court', target: 200 },
      { name: "a deputy's cases", path: '/api/cases', as: 'deputy', target: 200 },
      { name: `a station's cases (${station.code})`, path: '/api/cases', as: 'station', target: 200 },
      { name: `search: case number`, path: q(aCase.number), as: 'court', target: 100 },
      { name: `search: a name that occurs once`, path: q(once.name), as: 'court', target: 100 },
      { name: `search: a common name (${common.n} parties)`, path: q(common.name), as: 'court', target: 100 },
      { name: 'search: summary words, everywhere', path: q('热线转办'), as: 'court', target: 100 },
      { name: 'search: a dispute type', path: q('物业服务合同'), as: 'court', target: 100 },
      { name: 'search: no match', path: q('无此案情词语'), as: 'court', target: 100 },
      { name: 'search: committee, case number', path: q(aCase.number), as: 'committee', target: 100 },
      { name: 'case page', path: `/api/cases/${aCase.id}`, as: 'court', target: 200 },
      { name: 'case history', path: `/api/cases/${aCase.id}/history`, as: 'court', target: 200 },
      { name: 'supervision list', path: '/api/supervisions', as: 'committee', target: 200 },
      { name: `station activities (${station.code})`, path: `/api/stations/${station.code}/activities`, as: 'station', target: 200 },
      { name: 'to-do list, court', path: '/api/me/todo', as: 'court', target: 200 },
      { name: 'enforcement report', path: '/api/reports/enforcement', as: 'committee', target: 200 },
      { name: 'dashboard page (web)', path: '/dashboard', as: 'web-committee', target: 200 },
    ];
    return { reads, tokens, cookie: `${SESSION_COOKIE}=${session.sessionId}` };
  } finally {
    await database.close();
  }
}

function peakMemoryMb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = Number(/VmHWM:\s+(\d+) kB/.exec(status)?.[1] ?? 0);
  return Math.round(kb / 1024);
}

async function benchSize(size: number) {
  const url = await seededDatabase(BASE, size, { reseed: args.reseed });
  const { reads, tokens, cookie } = await plan(url);
  // Planning read every case and party (a scan each): a command that empties the caches again
  // (restart PostgreSQL, drop its files from the OS cache) runs here, before the server starts.
  if (args['before-start']) execSync(args['before-start'], { stdio: 'inherit' });
  const port = Number(args.port);
  const server = await startServer(url, port);
  try {
    const call = async (r: Read) => {
      const headers: Record<string, string> = r.as === 'web-committee' ? { cookie } : { authorization: `Bearer ${tokens[r.as]}` };
      const t0 = performance.now();
      const res = await fetch(`http://127.0.0.1:${port}${r.path}`, { headers, redirect: 'manual' });
      const body = await res.text();
      const ms = performance.now() - t0;
      if (res.status !== 200) throw new Error(`${r.name}: HTTP ${res.status} ${body.slice(0, 300)}`);
      return ms;
    };
    const idle = Number(args.idle);
    if (idle > 0) await new Promise((r) => setTimeout(r, idle * 1000));
    console.log(`\n== ${label(size)}: ${size} cases; server pid ${server.pid}, started ${idle > 0 ? `${idle} s ago, idle since` : 'just now'}; load average ${loadavg().map((x) => x.toFixed(2)).join(' ')}`);
    console.log(`   ${'read'.padEnd(44)} ${'first'.padStart(8)} ${'median'.padStart(8)} ${'p95'.padStart(8)}  target  (ms; first = first call after the start, then ${RUNS} runs)`);
    const rows: { name: string; first: number; median: number; p95: number; target: number }[] = [];
    for (const r of reads) {
      const first = await call(r);
      const ms: number[] = [];
      for (let i = 0; i < RUNS; i++) ms.push(await call(r));
      const s = stats(ms);
      rows.push({ name: r.name, first, ...s, target: r.target });
      const ok = Math.max(first, s.p95) <= r.target ? '' : s.median <= r.target ? '  (p95/first over)' : '  OVER';
      console.log(`   ${r.name.padEnd(44)} ${first.toFixed(1).padStart(8)} ${s.median.toFixed(1).padStart(8)} ${s.p95.toFixed(1).padStart(8)}  ≤ ${r.target}${ok}`);
    }
    const peak = peakMemoryMb(server.pid!);
    console.log(`   server peak memory (VmHWM): ${peak} MB; load average now ${loadavg().map((x) => x.toFixed(2)).join(' ')}`);
    return { rows, peak };
  } finally {
    await stopServer(server);
  }
}

console.log(`bench:reads — PostgreSQL ${BASE.replace(/\/[^/]*$/, '/…')}, sizes ${SIZES.map(label).join(', ')}, ${RUNS} runs per read`);
const all: Record<string, Awaited<ReturnType<typeof benchSize>>> = {};
for (const size of SIZES) all[label(size)] = await benchSize(size);
console.log('\n== summary: first / median / p95 (ms)');
for (const [size, r] of Object.entries(all)) {
  for (const row of r.rows) console.log(`   ${size.padEnd(5)} ${row.name.padEnd(44)} ${row.first.toFixed(1)} / ${row.median.toFixed(1)} / ${row.p95.toFixed(1)}`);
  console.log(`   ${size.padEnd(5)} server peak memory ${r.peak} MB`);
}
process.exit(0);
