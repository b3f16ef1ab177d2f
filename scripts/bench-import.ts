/**
 * `npm run bench:import [-- --cases 100000 --export 1000000]`: what DESIGN.md §14's data paths cost
 * on PostgreSQL.
 *
 * 1. Import: a CSV register of `--cases` cases (the columns of jiefen's own case export, two
 *    parties each) through `importFile` — the code behind `npm run import` and POST /api/imports:
 *    every row checked, then created through the engine's batched path (`createEntities`:
 *    `--batch` cases per transaction, `--concurrency` batches at once), each journaled like any
 *    other. Then the same file again (idempotent: every row skipped). `--compare N` first imports
 *    N other rows one by one through `createEntity` (the path before batches), for the rate.
 * 2. Export: the case list as CSV and as XLSX through `tableResponse(caseTable(…))` — the code
 *    behind `GET /api/cases?format=…` — read to the end as a client would, as court staff
 *    (unmasked: every row's read is written to the access log). First the imported cases; then,
 *    with `--export N`, the table is filled up to N cases by copying the imported rows in SQL (the
 *    export reads rows, it does not care how they were written) and exported again.
 *    `--export-db NAME` instead exports the million-case database NAME as it is (e.g. the shared
 *    `jiefen_bench_reads_1m`), read-only: on a connection whose transactions are read only, no
 *    migration, as the committee (masked, so nothing to log) — it is never written to.
 *
 * Each phase prints its wall time, rows per second, this process's CPU time, its peak RSS and heap
 * during the phase (sampled every 20 ms) and the load average. A fresh database `jiefen_bench_import_<pid>`
 * on the server of DATABASE_URL (default the local one) is created and dropped at the end
 * (`--keep` keeps it).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { sql } from 'drizzle-orm';
import postgres from 'postgres';
import { caseTable } from '../src/edge/exports.js';
import { IMPORT_BATCH, importFile } from '../src/edge/imports.js';
import { CASE_HEADERS } from '../src/edge/registers.js';
import { csvRows, tableResponse, type FileFormat } from '../src/edge/tabular.js';
import { openDatabase, rowsOf } from '../src/db/client.js';
import { createStation } from '../src/engine/directory.js';
import { readEnv } from '../src/env.js';
import type { Actor } from '../src/machines/roles.js';

const { values: args } = parseArgs({
  options: {
    cases: { type: 'string', default: '100000' },
    export: { type: 'string', default: '0' },
    keep: { type: 'boolean', default: false },
    batch: { type: 'string', default: String(IMPORT_BATCH) },
    concurrency: { type: 'string', default: '2' },
    compare: { type: 'string', default: '0' },
    'export-db': { type: 'string' },
  },
});
const N = Number(args.cases);
const EXPORT_N = Number(args.export);
const BASE = readEnv().DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const ADMIN: Actor = { id: '00000000-0000-4000-8000-00000000b001', role: 'admin', name: 'bench' };
const COURT: Actor = { id: '00000000-0000-4000-8000-00000000b002', role: 'court', name: 'bench' };
const COMMITTEE: Actor = { id: '00000000-0000-4000-8000-00000000b003', role: 'committee', name: 'bench' };
const load = () => loadavg().map((x) => x.toFixed(1)).join(' ');
const STATIONS = ['HL01', 'SC01', 'TH01', 'FZ01', 'DL01', 'DW01', 'NG01', 'PF01', 'AC01', 'SZ01'];

/** Peak RSS and heap while `run` runs. */
async function measured<T>(label: string, rows: number, run: () => Promise<T>): Promise<T> {
  global.gc?.();
  let rss = 0;
  let heap = 0;
  const sample = () => {
    const m = process.memoryUsage();
    rss = Math.max(rss, m.rss);
    heap = Math.max(heap, m.heapUsed);
  };
  sample();
  const timer = setInterval(sample, 20);
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  try {
    return await run();
  } finally {
    const secs = (performance.now() - t0) / 1000;
    const cpu = process.cpuUsage(cpu0);
    clearInterval(timer);
    sample();
    const mb = (b: number) => `${(b / 1024 / 1024).toFixed(0)} MiB`;
    console.log(`${label.padEnd(44)} ${String(rows).padStart(9)} rows ${secs.toFixed(1).padStart(7)} s ${String(Math.round(rows / secs)).padStart(7)} rows/s   node CPU ${((cpu.user + cpu.system) / 1e6).toFixed(1)} s   peak RSS ${mb(rss)}, heap ${mb(heap)}   load ${load()}`);
  }
}

function registerCsv(n: number, prefix = 'OLD'): string {
  const header = [CASE_HEADERS.number, CASE_HEADERS.source, CASE_HEADERS.track, CASE_HEADERS.stationCode, CASE_HEADERS.disputeType, CASE_HEADERS.summary,
    CASE_HEADERS.claimAmount, CASE_HEADERS.applicants, CASE_HEADERS.applicantIds, CASE_HEADERS.applicantPhones, CASE_HEADERS.respondents, CASE_HEADERS.respondentPhones, CASE_HEADERS.openedAt];
  const types = ['民间借贷', '婚姻家庭', '物业服务合同', '相邻关系', '买卖合同', '劳动争议'];
  const sources = ['入站', '扫码联', '热线联', '入户联', '法院委派/委托'];
  const start = Date.parse('2023-01-01T00:00:00Z');
  const chunks = [csvRows([header])];
  for (let i = 0; i < n; i += 10_000) {
    const rows: string[][] = [];
    for (let k = i; k < Math.min(n, i + 10_000); k++) {
      const at = new Date(start + k * 37_000).toISOString(); // spread over the years before now
      rows.push([
        `${prefix}-${String(k).padStart(7, '0')}`,
        sources[k % sources.length],
        k % 3 ? '诉前委派调解' : '诉中委托调解',
        STATIONS[k % STATIONS.length],
        types[k % types.length],
        `纸质登记簿第 ${k} 号：借款 ${1000 + (k % 50) * 100} 元到期未还`,
        `${1000 + (k % 50) * 100}.00`,
        `申请人${k}`,
        `2301021990${String(k % 100000).padStart(5, '0')}123`.slice(0, 18),
        `138${String(k).padStart(8, '0')}`.slice(0, 11),
        `被申请人${k}`,
        `139${String(k).padStart(8, '0')}`.slice(0, 11),
        `${at.slice(0, 10)} ${at.slice(11, 19)}`,
      ]);
    }
    chunks.push(csvRows(rows));
  }
  return `\uFEFF${chunks.join('')}`;
}

async function drain(res: Response): Promise<number> {
  let bytes = 0;
  const reader = res.body!.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return bytes;
    bytes += value.length;
  }
}

async function exportAll(db: Awaited<ReturnType<typeof openDatabase>>['db'], rows: number, actor = COURT) {
  for (const format of ['csv', 'xlsx'] as FileFormat[]) {
    let bytes = 0;
    const who = actor.role === 'court' ? 'court: unmasked, logged' : `${actor.role}: masked`;
    await measured(`export ${format.toUpperCase()} (every case, ${who})`, rows, async () => {
      bytes = await drain(await tableResponse(caseTable(db, actor, {}), format, { asciiName: 'cases' }));
    });
    console.log(`${''.padEnd(44)} file ${(bytes / 1024 / 1024).toFixed(1)} MiB`);
  }
}

/** `--export-db`: the cases of an existing database, exported read-only as the committee. */
async function exportExisting(name: string) {
  const url = new URL(BASE);
  url.pathname = `/${name}`;
  // Every transaction of this connection is read only: the shared database is never written to.
  url.searchParams.set('default_transaction_read_only', 'on');
  const database = await openDatabase({ databaseUrl: url.toString(), migrate: false, max: 2 });
  try {
    const [{ n }] = rowsOf<{ n: string }>(await database.db.execute(sql`select count(*)::text as n from cases`));
    console.log(`PostgreSQL ${url.host}/${name} (read only): ${n} cases; node ${process.version}; ${new Date().toISOString()}; load ${load()}`);
    await exportAll(database.db, Number(n), COMMITTEE);
  } finally {
    await database.close();
  }
}

async function main() {
  if (args['export-db']) return exportExisting(args['export-db']);
  const name = `jiefen_bench_import_${process.pid}`;
  const admin = postgres(BASE, { max: 1, onnotice: () => {} });
  await admin.unsafe(`create database ${name}`);
  const url = new URL(BASE);
  url.pathname = `/${name}`;
  const database = await openDatabase({ databaseUrl: url.toString() });
  const dir = mkdtempSync(join(tmpdir(), 'jiefen-bench-import-'));
  try {
    const { db } = database;
    for (const code of STATIONS) await createStation(db, ADMIN, { code, name: `${code} 代表联络站`, kind: 'court', district: `${code} 区` });
    const batch = Number(args.batch);
    const concurrency = Number(args.concurrency);
    console.log(`PostgreSQL ${url.host}/${name}; ${N} cases; batch ${batch}, ${concurrency} at once; node ${process.version}; ${new Date().toISOString()}; load ${load()}`);
    const compare = Number(args.compare);
    if (compare > 0) {
      const sample = Buffer.from(registerCsv(compare, 'CMP'));
      const one = await measured('import one by one (createEntity, 4 at a time)', compare, () => importFile(db, COURT, 'cases', sample, { concurrency: 4, batchSize: 1 }));
      console.log(`${''.padEnd(44)} created ${one.created}`);
    }
    const file = join(dir, 'cases.csv');
    const csv = registerCsv(N);
    writeFileSync(file, csv);
    const bytes = Buffer.from(csv);
    console.log(`register file: ${(bytes.length / 1024 / 1024).toFixed(1)} MiB CSV`);

    const dry = await measured('import --dry-run (check every row)', N, () => importFile(db, COURT, 'cases', bytes, { dryRun: true }));
    if (dry.problems.length) throw new Error(`unexpected problems: ${JSON.stringify(dry.problems.slice(0, 3))}`);
    const result = await measured(`import (batched: ${batch} per transaction)`, N, () => importFile(db, COURT, 'cases', bytes, { concurrency, batchSize: batch }));
    console.log(`${''.padEnd(44)} created ${result.created}, skipped ${result.skipped}, problems ${result.problems.length}`);
    const again = await measured('import again (idempotent: all skipped)', N, () => importFile(db, COURT, 'cases', bytes, { concurrency, batchSize: batch }));
    console.log(`${''.padEnd(44)} created ${again.created}, skipped ${again.skipped}`);
    const [{ events }] = rowsOf<{ events: string }>(await db.execute(sql`select count(*)::text as events from case_events where type = 'CREATE'`));
    console.log(`${''.padEnd(44)} journal CREATE rows: ${events}`);

    await exportAll(db, N + compare);

    if (EXPORT_N > N) {
      const t0 = performance.now();
      // Copies of the imported cases (new ids and numbers), their parties with them.
      for (let made = N; made < EXPORT_N; made += N) {
        const take = Math.min(N, EXPORT_N - made);
        await db.execute(sql`
          with src as (select * from cases order by opened_at limit ${take}),
          copied as (
            insert into cases (id, number, state, snapshot, version, machine_version, track, procedure, source, station_code, dispute_type, summary,
              claim_fen, agreed_fen, paid_fen, owed_fen, recovered_fen, outcome, overdue, enforceable, deputy_ids, sessions_held, deputy_attendances,
              opened_at, agreed_at, enforcement_started_at, closed_at, last_event_at, created_by, created_at, updated_at)
            select gen_random_uuid(), number || '-C' || ${made}, state, snapshot, version, machine_version, track, procedure, source, station_code, dispute_type, summary,
              claim_fen, agreed_fen, paid_fen, owed_fen, recovered_fen, outcome, overdue, enforceable, deputy_ids, sessions_held, deputy_attendances,
              opened_at - interval '1 second' * ${made}, agreed_at, enforcement_started_at, closed_at, last_event_at, created_by, created_at, updated_at
            from src returning id, number, opened_at)
          insert into parties (case_id, position, role, name, id_number, phone, opened_at)
          select c.id, p.position, p.role, p.name, p.id_number, p.phone, c.opened_at
          from copied c join cases o on o.number = split_part(c.number, '-C', 1) join parties p on p.case_id = o.id`);
      }
      await db.execute(sql`analyze cases; analyze parties`);
      console.log(`filled to ${EXPORT_N} cases by SQL copies in ${((performance.now() - t0) / 1000).toFixed(0)} s`);
      await exportAll(db, EXPORT_N);
    }
  } finally {
    await database.close();
    rmSync(dir, { recursive: true, force: true });
    if (!args.keep) await admin.unsafe(`drop database if exists ${name} with (force)`);
    await admin.end();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
