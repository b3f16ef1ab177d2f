/**
 * `npm run bench:verify`: how fast `verifyStore` replays journals, on about a million events.
 *
 * Builds its own database (DATABASE_URL, default …/jiefen_bench_verify; created and dropped here):
 * a few template cases are written through the engine (`createEntity` / `applyEvent`, as the API
 * would), each with a long tail of mediation sessions and a realistic ending — performed,
 * enforced, still in mediation, withdrawn — then copied in bulk with SQL: new ids and numbers,
 * the same journal, parties and snapshot (a snapshot holds nothing of its case's id, so every copy
 * replays to exactly its stored snapshot). Then times `verifyStore` over all of it.
 *
 *   npm run bench:verify [-- --events 1000000 --batch 500 --runs 3 --keep --reuse]
 */
import { parseArgs } from 'node:util';
import postgres from 'postgres';
import { openDatabase } from '../src/db/client.js';
import { applyEvent, createEntity } from '../src/engine/apply.js';
import { createDeputy, createStation, createUser, authenticate } from '../src/engine/directory.js';
import { caseStore } from '../src/engine/stores.js';
import { verifyStore } from '../src/engine/verify.js';
import type { Actor } from '../src/machines/roles.js';

const { values: args } = parseArgs({
  options: {
    events: { type: 'string', default: '1000000' },
    batch: { type: 'string', default: '500' },
    keep: { type: 'boolean', default: false },
    // Reuse a database built by an earlier `--keep` run: time verify only.
    reuse: { type: 'boolean', default: false },
    runs: { type: 'string', default: '3' },
  },
});
const TARGET = Number(args.events);
const DATABASE_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/jiefen_bench_verify';
const DB_NAME = new URL(DATABASE_URL).pathname.slice(1);
const adminUrl = Object.assign(new URL(DATABASE_URL), { pathname: '/postgres' }).toString();
const log = (...a: unknown[]) => console.log(...a);

async function admin(statement: string) {
  const a = postgres(adminUrl, { max: 1, onnotice: () => {} });
  try {
    await a.unsafe(statement);
  } finally {
    await a.end();
  }
}

const ADMIN: Actor = { id: '00000000-0000-0000-0000-0000000000ad', role: 'admin', name: '系统管理员' };
const DAY = 86_400_000;

interface Template {
  name: string;
  /** RECORD_SESSION / SCHEDULE_SESSION pairs after ASSIGN. */
  sessions: number;
  ending: 'performed' | 'enforced' | 'active' | 'withdrawn';
  /** Share of the copies. */
  weight: number;
}

const TEMPLATES: Template[] = [
  { name: 'short, withdrawn', sessions: 2, ending: 'withdrawn', weight: 3 },
  { name: 'performed after 30 sessions', sessions: 30, ending: 'performed', weight: 3 },
  { name: 'enforced after 60 sessions', sessions: 60, ending: 'enforced', weight: 2 },
  { name: 'in mediation, 120 sessions', sessions: 120, ending: 'active', weight: 1 },
  { name: 'in mediation, 400 sessions', sessions: 400, ending: 'active', weight: 1 },
];

async function build() {
  const database = await openDatabase({ databaseUrl: DATABASE_URL, max: 4 });
  const db = database.db;
  await createStation(db, ADMIN, { code: 'HL01', name: '呼兰区人民法院人大代表联络站', kind: 'court', district: '呼兰区' });
  const d1 = await createDeputy(db, ADMIN, { name: '王丽', level: 'county', stationCode: 'HL01' });
  const d2 = await createDeputy(db, ADMIN, { name: '赵刚', level: 'municipal', stationCode: 'HL01' });
  const court = await authenticate(db, (await createUser(db, ADMIN, { name: '李书记员', role: 'court' })).token);
  const deputy = await authenticate(db, (await createUser(db, ADMIN, { name: '王丽', role: 'deputy', deputyId: d1.id })).token);

  // Events happened over the last months, offline entries included: occurredAt climbs from the
  // case's opening to just before now, so no event is in the future or before the previous one.
  const started = performance.now();
  const templates: { template: Template; id: string; events: number }[] = [];
  for (const t of TEMPLATES) {
    const total = 3 + 2 * t.sessions + (t.ending === 'performed' ? 3 : t.ending === 'enforced' ? 6 : t.ending === 'withdrawn' ? 1 : 0);
    const span = 25 * DAY; // inside the 30-day mediation period
    // An enforced case's agreement falls due and is defaulted on before it is enforced: its
    // mediation ends 8 days ago, and its last five events have days of their own (`at`).
    const tail = t.ending === 'enforced' ? 8 * DAY : 0;
    let step = 0;
    const when = () => new Date(Date.now() - tail - span + (span * ++step) / (total + 1)).toISOString();
    const daysAgo = (days: number) => new Date(Date.now() - days * DAY).toISOString();
    const ctx = { db };
    const opts = { render: () => ({ body: null }) };
    const created = await createEntity(ctx, caseStore, court, {
      track: 'pre_filing',
      source: 'walk_in',
      stationCode: 'HL01',
      disputeType: '民间借贷纠纷',
      summary: `${t.name}：申请人与被申请人因借款未还发生纠纷，请求调解。`,
      claimAmount: '12000.00',
      parties: [
        { role: 'applicant', name: '张三', idNumber: '230102199001011234', phone: '13812345678' },
        { role: 'respondent', name: '李四', phone: '13987654321' },
      ],
      occurredAt: when(),
    }, { render: (w) => ({ body: { id: w.row.id } }) });
    const id = (created.body as { id: string }).id;
    const send = (actor: Actor, event: Record<string, unknown>) => applyEvent(ctx, caseStore, actor, id, { occurredAt: when(), ...event }, opts);
    await send(court, { type: 'ACCEPT' });
    await send(court, { type: 'ASSIGN', mediatorName: '调解员王芳', deputyIds: [d1.id, d2.id] });
    for (let i = 0; i < t.sessions; i++) {
      await send(deputy, { type: 'SCHEDULE_SESSION', at: new Date(Date.now() + DAY).toISOString(), location: '联络站调解室' });
      await send(deputy, {
        type: 'RECORD_SESSION',
        heldAt: new Date(Date.now() - span).toISOString(),
        attendeeDeputyIds: i % 3 ? [d1.id] : [d1.id, d2.id],
        minutes: `第${i + 1}次调解：双方当事人到场，代表释法说理，就还款期限和金额交换意见。`,
      });
    }
    // Due in 60 days; an enforced case's agreement (7 days ago) fell due 6 days ago.
    const due = (t.ending === 'enforced' ? new Date(Date.now() - 6 * DAY) : new Date(Date.now() + 60 * DAY)).toISOString().slice(0, 10);
    if (t.ending === 'withdrawn') await send(court, { type: 'WITHDRAW', note: '申请人撤回' });
    if (t.ending === 'performed' || t.ending === 'enforced') {
      await send(deputy, { type: 'REACH_AGREEMENT', terms: '被申请人分两期偿还借款。', amount: '12000.00', dueDate: due, ...(t.ending === 'enforced' ? { occurredAt: daysAgo(7) } : {}) });
    }
    if (t.ending === 'performed') {
      await send(court, { type: 'RECORD_PERFORMANCE', amount: '5000.00' });
      await send(deputy, { type: 'RECORD_PERFORMANCE', amount: '7000.00' });
    }
    if (t.ending === 'enforced') {
      await send(court, { type: 'APPLY_CONFIRMATION', occurredAt: daysAgo(6.5) });
      await send(court, { type: 'CONFIRM', rulingNumber: '(2026)黑0111民特1号', occurredAt: daysAgo(6) });
      await send(court, { type: 'REPORT_DEFAULT', note: '逾期未履行', occurredAt: daysAgo(3) });
      await send(court, { type: 'APPLY_ENFORCEMENT', enforcementCaseNumber: '(2026)黑0111执1号', occurredAt: daysAgo(2) });
      await send(court, { type: 'RECORD_MEASURE', kind: 'freeze', note: '冻结银行存款', occurredAt: daysAgo(1) });
    }
    templates.push({ template: t, id, events: total });
  }
  log(`templates: ${templates.map((t) => `${t.template.name} (${t.events} events)`).join('; ')} — written through the engine in ${((performance.now() - started) / 1000).toFixed(1)} s`);

  // Copies: each template's share of the target, in its own weight.
  const sql = postgres(DATABASE_URL, { max: 1, onnotice: () => {} });
  const copyStarted = performance.now();
  const weights = TEMPLATES.reduce((s, t) => s + t.weight, 0);
  let total = templates.reduce((s, t) => s + t.events, 0);
  for (const [k, t] of templates.entries()) {
    const copies = Math.max(0, Math.round((TARGET * t.template.weight) / weights / t.events) - 1);
    if (copies === 0) continue;
    await sql.begin(async (tx) => {
      await tx`create temp table copy_map on commit drop as
        select gen_random_uuid() as id, g as n from generate_series(1, ${copies}::int) g`;
      await tx`insert into cases (id, number, state, snapshot, version, machine_version, track, procedure, source, station_code,
          dispute_type, summary, claim_fen, agreed_fen, paid_fen, owed_fen, recovered_fen, outcome, overdue, enforceable, deputy_ids,
          sessions_held, deputy_attendances, opened_at, agreed_at, enforcement_started_at, closed_at, last_event_at, created_by,
          created_at, updated_at)
        select m.id, c.number || '-C' || ${k}::text || '-' || m.n, c.state, c.snapshot, c.version, c.machine_version, c.track, c.procedure,
          c.source, c.station_code, c.dispute_type, c.summary, c.claim_fen, c.agreed_fen, c.paid_fen, c.owed_fen, c.recovered_fen,
          c.outcome, c.overdue, c.enforceable, c.deputy_ids, c.sessions_held, c.deputy_attendances, c.opened_at, c.agreed_at,
          c.enforcement_started_at, c.closed_at, c.last_event_at, c.created_by, c.created_at, c.updated_at
        from cases c, copy_map m where c.id = ${t.id}`;
      await tx`insert into parties (id, case_id, position, role, name, id_number, phone)
        select gen_random_uuid(), m.id, p.position, p.role, p.name, p.id_number, p.phone from parties p, copy_map m where p.case_id = ${t.id}`;
      await tx`insert into case_events (case_id, seq, type, payload, from_state, to_state, actor_id, actor_role, actor_name, occurred_at, recorded_at, request_id)
        select m.id, e.seq, e.type, e.payload, e.from_state, e.to_state, e.actor_id, e.actor_role, e.actor_name, e.occurred_at, e.recorded_at, e.request_id
        from case_events e, copy_map m where e.case_id = ${t.id}`;
      await tx`insert into deadlines (entity_type, entity_id, kind, due_at, event)
        select d.entity_type, m.id, d.kind, d.due_at, d.event from deadlines d, copy_map m where d.entity_id = ${t.id} and d.fired_at is null`;
    });
    total += copies * t.events;
  }
  await sql`vacuum analyze`;
  const [{ cases, events }] = await sql<{ cases: number; events: number }[]>`
    select (select count(*)::int from cases) as cases, (select count(*)::int from case_events) as events`;
  log(`copied in bulk with SQL in ${((performance.now() - copyStarted) / 1000).toFixed(1)} s: ${cases} cases, ${events} journal rows (expected ${total})`);
  await sql.end();
  await database.close();
}

/**
 * Times `verifyStore` over the whole database, `--runs` times (default 3): on a shared machine one
 * pass can be 10-20% off; every pass is printed, and the median.
 */
async function time() {
  const database = await openDatabase({ databaseUrl: DATABASE_URL, max: 4, migrate: false });
  try {
    const rates: number[] = [];
    for (let run = 1; run <= Number(args.runs); run++) {
      const started = performance.now();
      const r = await verifyStore(database.db, caseStore, { batch: Number(args.batch) });
      const seconds = (performance.now() - started) / 1000;
      rates.push(r.events / seconds);
      log(`verifyStore(case) pass ${run}: ${r.entities} entities, ${r.events} events in ${seconds.toFixed(2)} s = ${Math.round(r.events / seconds)} events/s, ${r.mismatches.length} mismatches`);
      for (const m of r.mismatches.slice(0, 5)) log(`  MISMATCH ${m.number}: ${m.reason}`);
      if (r.mismatches.length) process.exitCode = 1;
    }
    const sorted = [...rates].sort((a, b) => a - b);
    log(`median ${Math.round(sorted[Math.floor(sorted.length / 2)])} events/s over ${rates.length} passes (goal ≥ 50,000)`);
  } finally {
    await database.close();
  }
}

if (!args.reuse) {
  await admin(`drop database if exists "${DB_NAME}" with (force)`);
  await admin(`create database "${DB_NAME}"`);
}
try {
  if (!args.reuse) await build();
  await time();
} finally {
  if (!args.keep) await admin(`drop database if exists "${DB_NAME}" with (force)`);
}
