/**
 * `npm run chaos`: the write path under faults, end to end, against real PostgreSQL.
 *
 * On a database of its own (CHAOS_DATABASE_URL, default 127.0.0.1:5432/jiefen_chaos, made afresh
 * at the start and kept afterwards for a look) it runs the real server (with the node flags of package.json's `start`, as `npm start` does) as a
 * child process with the deadline sweeper on, and drives it with 32 connections (plain fetch
 * loops). Every write carries its own Idempotency-Key and a unique marker (the `minutes` of a
 * RECORD_SESSION, the `summary` of a new case); a request whose outcome is unknown (connection
 * error, client timeout, 503) is retried with the same key until it gets a definite answer.
 * Meanwhile it
 *
 * - kills the server with SIGKILL several times mid-load and starts a new one on the same port;
 * - stops PostgreSQL with `pg_ctlcluster … stop -m immediate` mid-load, keeps it down a few
 *   seconds while probing the API, then starts it again — and does not restart the server.
 *
 * Cases opened during the run are backdated so their mediation (and some performance) deadlines
 * are already due: the sweeper fires them while the server is being killed.
 *
 * Then it checks and prints, and exits 1 when any fails:
 * - every event acknowledged with a 2xx is in the journal exactly once (by marker; by the seq the
 *   answer named), every refused one not at all, every unknown one at most once;
 * - every journal is gap-free (seq 1..version) and every entity replays to its stored snapshot;
 * - no deadline fired twice, and every fired deadline has exactly one journal row;
 * - while the database was down the API answered 503 problem+json, quickly (max latency below
 *   --max-503-ms), never hanging past the client timeout; it recovered by itself once PostgreSQL
 *   was back; no 500 at any time;
 * - notifications (DESIGN.md §12): a webhook on a local receiver that fails a share of requests
 *   gets every event: every journal row has its outbox row and no outbox row lacks its journal
 *   row; once the dispatchers have drained, every message was answered 2xx at least once, every
 *   request carried the id of a committed message, and repeats are retries with that same id.
 *
 * PostgreSQL is started again at the end whatever happens (finally, and on SIGINT/SIGTERM).
 *
 *   npm run chaos [-- --duration 60 --connections 32 --kills 4 --outage 6]
 *
 * The cluster it stops is the one `pg_lsclusters` says listens on CHAOS_DATABASE_URL's port, on
 * this machine. CHAOS_PG_CLUSTER ("15 chaos") may name it, and must then be that one: a run never
 * stops a cluster that does not serve its database. Stopping a cluster stops every database on it
 * for the outage: give chaos a cluster of its own where others work (`pg_createcluster 15 chaos
 * -p 5433`, then CHAOS_DATABASE_URL=postgres://postgres@127.0.0.1:5433/jiefen_chaos).
 */
import { execFile } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { createServer as createHttpServer } from 'node:http';
import { createServer, type AddressInfo } from 'node:net';
import { parseArgs, promisify } from 'node:util';
import { sql } from 'drizzle-orm';
import postgres from 'postgres';
import { openDatabase, rowsOf, type Database } from '../src/db/client.js';
import { stores } from '../src/engine/registry.js';
import { sweep } from '../src/engine/sweeper.js';
import { dispatch } from '../src/engine/notify/dispatcher.js';
import { verifyStore } from '../src/engine/verify.js';
import { startServer, type RunningServer } from '../test/helpers/server.js';

const run = promisify(execFile);

const { values: args } = parseArgs({
  options: {
    duration: { type: 'string', default: '60' },
    connections: { type: 'string', default: '32' },
    kills: { type: 'string', default: '4' },
    outage: { type: 'string', default: '6' },
    'client-timeout-ms': { type: 'string', default: '10000' },
    'max-503-ms': { type: 'string', default: '2000' },
    'max-recovery-ms': { type: 'string', default: '30000' },
    'pool-cases': { type: 'string', default: '64' },
  },
});
const DURATION_MS = Number(args.duration) * 1000;
const CONNECTIONS = Number(args.connections);
const KILLS = Number(args.kills);
const OUTAGE_MS = Number(args.outage) * 1000;
const CLIENT_TIMEOUT_MS = Number(args['client-timeout-ms']);
const MAX_503_MS = Number(args['max-503-ms']);
const MAX_RECOVERY_MS = Number(args['max-recovery-ms']);
const POOL_CASES = Number(args['pool-cases']);

const DATABASE_URL = process.env.CHAOS_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/jiefen_chaos';
const DB_NAME = new URL(DATABASE_URL).pathname.slice(1);
const ADMIN_URL = Object.assign(new URL(DATABASE_URL), { pathname: '/postgres' }).toString();
const PG_HOST = new URL(DATABASE_URL).hostname;
const PG_PORT = new URL(DATABASE_URL).port || '5432';
const [PG_VERSION, PG_CLUSTER] = await clusterServing(PG_HOST, PG_PORT).catch((err: Error) => {
  console.error(`chaos: ${err.message}`);
  return process.exit(1);
});
const ADMIN_TOKEN = `chaos-admin-${randomBytes(12).toString('hex')}`;

const DAY = 86_400_000;
const t0 = performance.now();
const clock = () => performance.now() - t0;
const log = (msg: string) => console.log(`[${(clock() / 1000).toFixed(1).padStart(6)}s] ${msg}`);

// ---------------------------------------------------------------------------------------------
// PostgreSQL control

/** The local cluster listening on `port`: the only one a run may stop (see the head of this file). */
async function clusterServing(host: string, port: string): Promise<[string, string]> {
  if (!['127.0.0.1', 'localhost', '::1', '[::1]'].includes(host)) {
    throw new Error(`CHAOS_DATABASE_URL names ${host}: chaos stops and starts PostgreSQL with pg_ctlcluster, so its database must be on this machine`);
  }
  const { stdout } = await run('pg_lsclusters', ['--no-header']);
  const clusters = stdout.trim().split('\n').map((line) => line.trim().split(/\s+/));
  const serving = clusters.find((c) => c[2] === port);
  if (!serving) throw new Error(`no cluster in pg_lsclusters listens on port ${port}, where CHAOS_DATABASE_URL points`);
  const named = process.env.CHAOS_PG_CLUSTER?.trim().split(/\s+/);
  if (named && (named[0] !== serving[0] || named[1] !== serving[1])) {
    throw new Error(`CHAOS_PG_CLUSTER="${named.join(' ')}" is not the cluster on port ${port} (that is "${serving[0]} ${serving[1]}"): refusing to stop a cluster that does not serve the run's database`);
  }
  return [serving[0], serving[1]];
}

async function pgctl(action: 'start' | 'stop'): Promise<void> {
  const extra = action === 'stop' ? ['-m', 'immediate'] : [];
  await run('pg_ctlcluster', ['--skip-systemctl-redirect', PG_VERSION, PG_CLUSTER, action, ...extra]);
}

async function pgReady(): Promise<boolean> {
  try {
    await run('pg_isready', ['-h', PG_HOST, '-p', PG_PORT, '-q']);
    return true;
  } catch {
    return false;
  }
}

/** Starts the cluster if it is not accepting connections, and waits until it does. */
async function ensurePgUp(): Promise<void> {
  if (await pgReady()) return;
  try {
    await pgctl('start');
  } catch (err) {
    // "already running" while it is still recovering: wait for it below.
    if (!/already running/i.test(String((err as { stderr?: string }).stderr ?? err))) console.error(`pg start: ${String(err)}`);
  }
  for (let i = 0; i < 120 && !(await pgReady()); i++) await sleep(500);
  if (!(await pgReady())) throw new Error(`PostgreSQL ${PG_VERSION}/${PG_CLUSTER} did not come back`);
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.unref();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

// ---------------------------------------------------------------------------------------------
// The server, restarted on the same port

let server: RunningServer | null = null;
let port = 0;
let base = '';
const serverOutputs: string[] = [];
let generation = 0;
/** Servers that exited without being told to: a crash is a failed run. */
const crashes: string[] = [];

async function startChaosServer(): Promise<void> {
  const s = await startServer(
    { DATABASE_URL, ADMIN_TOKEN, PORT: String(port), SWEEP_INTERVAL_MS: '250', NOTIFY_INTERVAL_MS: '100', WEBHOOK_RETRY_BASE_MS: '100', LOG_LEVEL: 'error' },
    120_000,
  );
  server = s;
  generation++;
  serverOutputs.push('');
  const i = serverOutputs.length - 1;
  const collect = () => (serverOutputs[i] = s.output());
  s.child.stdout!.on('data', collect);
  s.child.stderr!.on('data', collect);
  const n = generation;
  s.child.on('exit', (code, signal) => {
    collect();
    if (server === s) {
      server = null;
      const tail = s.output().split('\n').slice(-15).join('\n      ');
      crashes.push(`server #${n} exited by itself (${signal ?? code}):\n      ${tail}`);
      log(`server #${n} CRASHED (${signal ?? code})`);
    }
  });
}

async function killServer(): Promise<void> {
  if (!server) return;
  const s = server;
  server = null;
  await s.stop('SIGKILL');
}

// ---------------------------------------------------------------------------------------------
// The client: every attempt recorded; logical requests retried with the same key until definite

interface Attempt {
  path: string;
  start: number;
  end: number;
  /** HTTP status, or 0 for a connection error, -1 for the client timeout. */
  status: number;
  problemJson: boolean;
  replayed: boolean;
  type?: string;
}
const attempts: Attempt[] = [];

type Kind = 'session' | 'create' | 'event' | 'read';
interface Logical {
  kind: Kind;
  key?: string;
  marker?: string;
  eventType?: string;
  /** 'acked' (2xx), 'refused' (4xx), 'unknown' (never a definite answer). */
  outcome: 'acked' | 'refused' | 'unknown';
  status?: number;
  body?: any;
}
const logicals: Logical[] = [];

let stopLoad = false;
let finalDeadline = Infinity;

async function attempt(token: string, method: string, path: string, body: unknown, key?: string): Promise<{ a: Attempt; body?: any }> {
  const start = clock();
  try {
    const res = await fetch(base + path, {
      method,
      headers: {
        authorization: `Bearer ${token}`,
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
        ...(key ? { 'idempotency-key': key } : {}),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(CLIENT_TIMEOUT_MS),
    });
    const text = await res.text();
    const end = clock();
    let parsed: any = undefined;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      // not JSON
    }
    const a: Attempt = {
      path,
      start,
      end,
      status: res.status,
      problemJson: (res.headers.get('content-type') ?? '').startsWith('application/problem+json'),
      replayed: res.headers.get('idempotent-replayed') === 'true',
      type: parsed?.type,
    };
    attempts.push(a);
    return { a, body: parsed };
  } catch (err) {
    const timedOut = (err as Error).name === 'TimeoutError' || (err as Error).name === 'AbortError';
    const a: Attempt = { path, start, end: clock(), status: timedOut ? -1 : 0, problemJson: false, replayed: false };
    attempts.push(a);
    return { a };
  }
}

/** One logical request: retried with the same Idempotency-Key while its outcome is unknown. */
async function logical(l: Omit<Logical, 'outcome'>, token: string, method: string, path: string, body?: unknown): Promise<Logical> {
  const rec: Logical = { ...l, outcome: 'unknown' };
  logicals.push(rec);
  for (let i = 0; ; i++) {
    const { a, body: b } = await attempt(token, method, path, body, l.key);
    if (a.status >= 200 && a.status < 300) {
      Object.assign(rec, { outcome: 'acked', status: a.status, body: b });
      return rec;
    }
    if (a.status >= 400 && a.status < 500) {
      Object.assign(rec, { outcome: 'refused', status: a.status, body: b });
      return rec;
    }
    // 0 (connection), -1 (timeout), 503, or a 500 (counted as a failure later): retry, same key.
    if (clock() > finalDeadline) return rec;
    await sleep(50 + Math.random() * Math.min(500, 50 * (i + 1)));
  }
}

// ---------------------------------------------------------------------------------------------
// The world and the load

interface Deputy {
  id: string;
  token: string;
}
let court = '';
let courtId = '';
const deputies: Deputy[] = [];
const pool: { id: string; deputy: Deputy }[] = [];

// ---------------------------------------------------------------------------------------------
// The webhook receiver: fails a share of requests, records every request's id and answer.

let hookUrl = '';
const hookGot: { id: string; ok: boolean }[] = [];
const hookServer = createHttpServer((req, res) => {
  req.resume();
  req.on('end', () => {
    const ok = Math.random() >= 0.1;
    hookGot.push({ id: String(req.headers['webhook-id']), ok });
    res.statusCode = ok ? 204 : 500;
    res.end();
  });
});

async function setup(): Promise<void> {
  const must = async (token: string, method: string, path: string, body?: unknown) => {
    const r = await logical({ kind: 'read' }, token, method, path, body);
    if (r.outcome !== 'acked') throw new Error(`setup ${method} ${path}: ${r.status} ${JSON.stringify(r.body)}`);
    return r.body;
  };
  await must(ADMIN_TOKEN, 'POST', '/api/webhooks', { url: `${hookUrl}/chaos`, events: ['*'] });
  await must(ADMIN_TOKEN, 'POST', '/api/stations', { code: 'HL01', name: '呼兰区人民法院人大代表联络站', kind: 'court', district: '呼兰区' });
  const u = await must(ADMIN_TOKEN, 'POST', '/api/users', { name: '李书记员', role: 'court' });
  court = u.token;
  courtId = u.id;
  for (let i = 0; i < 4; i++) {
    const d = await must(ADMIN_TOKEN, 'POST', '/api/deputies', { name: `代表${i}`, level: 'county', stationCode: 'HL01' });
    const du = await must(ADMIN_TOKEN, 'POST', '/api/users', { name: `代表${i}`, role: 'deputy', deputyId: d.id });
    deputies.push({ id: d.id, token: du.token });
  }
  for (let i = 0; i < POOL_CASES; i++) {
    const deputy = deputies[i % deputies.length];
    const c = await must(court, 'POST', '/api/cases', caseBody(`pool-${i}`));
    await must(court, 'POST', `/api/cases/${c.id}/events`, { type: 'ACCEPT' });
    await must(court, 'POST', `/api/cases/${c.id}/events`, { type: 'ASSIGN', deputyIds: [deputy.id] });
    pool.push({ id: c.id, deputy });
  }
  logicals.length = 0;
  attempts.length = 0;
}

function caseBody(summary: string, occurredAt?: string) {
  return {
    track: 'pre_filing',
    source: 'court_referral',
    stationCode: 'HL01',
    disputeType: '民间借贷',
    summary,
    claimAmount: '20000.00',
    parties: [{ role: 'applicant', name: '张三', idNumber: '230102199001011234', phone: '13812345678' }, { role: 'respondent', name: '李四' }],
    ...(occurredAt ? { occurredAt } : {}),
  };
}

const ago = (days: number, extraMs = 0) => new Date(Date.now() - days * DAY + extraMs).toISOString();
const pick = <T>(xs: T[]) => xs[Math.floor(Math.random() * xs.length)];

/** A session on a pool case (always accepted: the pool stays in mediation.active). */
async function sessionOp(): Promise<void> {
  const c = pick(pool);
  const byDeputy = Math.random() < 0.5;
  const marker = `chaos:${randomUUID()}`;
  await logical(
    { kind: 'session', key: randomUUID(), marker, eventType: 'RECORD_SESSION' },
    byDeputy ? c.deputy.token : court,
    'POST',
    `/api/cases/${c.id}/events`,
    { type: 'RECORD_SESSION', heldAt: ago(0, -60_000), attendeeDeputyIds: [c.deputy.id], minutes: marker },
  );
}

/**
 * A backdated case: opened 40 days ago, assigned 35 days ago, so its 30-day mediation clock has
 * run out and the sweeper fires MEDIATION_EXPIRED; half reach an agreement due 33 days ago first
 * (racing the sweeper), whose performance deadline is due too.
 */
async function lifecycleOp(): Promise<void> {
  const deputy = pick(deputies);
  const marker = `chaos-case:${randomUUID()}`;
  const created = await logical({ kind: 'create', key: randomUUID(), marker }, court, 'POST', '/api/cases', caseBody(marker, ago(40)));
  if (created.outcome !== 'acked') return;
  const id = created.body.id as string;
  const send = (eventType: string, body: Record<string, unknown>) =>
    logical({ kind: 'event', key: randomUUID(), eventType }, court, 'POST', `/api/cases/${id}/events`, { type: eventType, ...body });
  if ((await send('ACCEPT', { occurredAt: ago(40, 60_000) })).outcome !== 'acked') return;
  if ((await send('ASSIGN', { deputyIds: [deputy.id], occurredAt: ago(35) })).outcome !== 'acked') return;
  if (Math.random() < 0.5) {
    await send('REACH_AGREEMENT', {
      terms: '分期还款',
      amount: '20000.00',
      dueDate: ago(33).slice(0, 10),
      occurredAt: ago(34),
    });
  }
}

async function readOp(): Promise<void> {
  await logical({ kind: 'read' }, court, 'GET', `/api/cases/${pick(pool).id}`);
}

async function worker(): Promise<void> {
  while (!stopLoad) {
    const r = Math.random();
    if (r < 0.8) await sessionOp();
    else if (r < 0.93) await lifecycleOp();
    else await readOp();
  }
}

// ---------------------------------------------------------------------------------------------
// Faults

interface Outage {
  stopIssued: number;
  stopped: number;
  startIssued: number;
  started: number;
  healthy: number;
  firstAckAfter: number;
  probes: Attempt[];
  serverGeneration: number;
}

async function outage(): Promise<Outage> {
  const o: Outage = { stopIssued: clock(), stopped: 0, startIssued: 0, started: 0, healthy: 0, firstAckAfter: 0, probes: [], serverGeneration: generation };
  log(`PostgreSQL ${PG_VERSION}/${PG_CLUSTER}: stop -m immediate`);
  await pgctl('stop');
  o.stopped = clock();
  const until = o.stopped + OUTAGE_MS;
  while (clock() < until) {
    const start = clock();
    try {
      const res = await fetch(`${base}/healthz`, { signal: AbortSignal.timeout(CLIENT_TIMEOUT_MS) });
      await res.text();
      o.probes.push({ path: '/healthz', start, end: clock(), status: res.status, problemJson: (res.headers.get('content-type') ?? '').startsWith('application/problem+json'), replayed: false });
    } catch (err) {
      o.probes.push({ path: '/healthz', start, end: clock(), status: (err as Error).name === 'TimeoutError' ? -1 : 0, problemJson: false, replayed: false });
    }
    await sleep(200);
  }
  log('PostgreSQL: start');
  o.startIssued = clock();
  await pgctl('start');
  o.started = clock();
  for (;;) {
    try {
      const res = await fetch(`${base}/healthz`, { signal: AbortSignal.timeout(CLIENT_TIMEOUT_MS) });
      await res.text();
      if (res.status === 200) break;
    } catch {
      // keep probing
    }
    if (clock() - o.started > MAX_RECOVERY_MS) break;
    await sleep(100);
  }
  o.healthy = clock();
  log(`healthz 200 again ${Math.round(o.healthy - o.started)} ms after PostgreSQL started`);
  return o;
}

async function killAndRestart(n: number): Promise<void> {
  log(`kill -9 server #${generation} (${n}/${KILLS})`);
  await killServer();
  await startChaosServer();
  log(`server #${generation} up on port ${port}`);
}

// ---------------------------------------------------------------------------------------------
// Checks

interface Check {
  name: string;
  ok: boolean;
  detail: string;
}
const checks: Check[] = [];
const check = (name: string, ok: boolean, detail: string) => checks.push({ name, ok, detail });

const pct = (xs: number[], p: number) => {
  if (xs.length === 0) return 0;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
};
const ms = (x: number) => `${Math.round(x)} ms`;

async function runChecks(database: Database, o: Outage | null): Promise<void> {
  const db = database.db;
  const q = async <T>(query: ReturnType<typeof sql>) => rowsOf<T>(await db.execute(query));

  // 1. acknowledged writes: exactly once; refused: never; unknown: at most once
  const sessionRows = await q<{ marker: string; n: number }>(sql`
    select payload->>'minutes' as marker, count(*)::int as n from case_events
    where type = 'RECORD_SESSION' and payload->>'minutes' like 'chaos:%' group by 1`);
  const caseRows = await q<{ marker: string; n: number }>(sql`select summary as marker, count(*)::int as n from cases where summary like 'chaos-case:%' group by 1`);
  const written = new Map<string, number>([...sessionRows, ...caseRows].map((r) => [r.marker, Number(r.n)]));
  const bad = { missing: 0, duplicated: 0, writtenOnRefusal: 0, unknownTwice: 0 };
  const counts = { acked: 0, refused: 0, unknown: 0, unknownWritten: 0 };
  for (const l of logicals) {
    if (!l.marker) continue;
    const n = written.get(l.marker) ?? 0;
    counts[l.outcome]++;
    if (l.outcome === 'acked' && n === 0) bad.missing++;
    if (n > 1) bad.duplicated++;
    if (l.outcome === 'refused' && n > 0) bad.writtenOnRefusal++;
    if (l.outcome === 'unknown' && n > 0) counts.unknownWritten++;
  }
  const markers = new Set(logicals.map((l) => l.marker).filter(Boolean));
  const strays = [...written.keys()].filter((m) => !markers.has(m)).length;
  check(
    'acked writes in the journal exactly once (by marker)',
    bad.missing === 0 && bad.duplicated === 0 && bad.writtenOnRefusal === 0 && strays === 0,
    `${counts.acked} acked, ${counts.refused} refused, ${counts.unknown} unknown (${counts.unknownWritten} of them written); ` +
      `missing ${bad.missing}, duplicated ${bad.duplicated}, written on refusal ${bad.writtenOnRefusal}, strays ${strays}`,
  );

  // every acknowledged event's answer names its seq: that journal row is there, with that type;
  // ACCEPT / ASSIGN / REACH_AGREEMENT happen once per case here
  const events = await q<{ case_id: string; seq: number; type: string }>(sql`select case_id, seq, type from case_events`);
  const bySeq = new Map(events.map((e) => [`${e.case_id}/${e.seq}`, e.type]));
  const perCaseType = new Map<string, number>();
  for (const e of events) perCaseType.set(`${e.case_id}/${e.type}`, (perCaseType.get(`${e.case_id}/${e.type}`) ?? 0) + 1);
  let ackedEvents = 0;
  let notAtSeq = 0;
  let twice = 0;
  for (const l of logicals) {
    if (l.outcome !== 'acked' || !l.eventType) continue;
    ackedEvents++;
    if (bySeq.get(`${l.body?.id}/${l.body?.version}`) !== l.eventType) notAtSeq++;
    if (l.eventType !== 'RECORD_SESSION' && (perCaseType.get(`${l.body?.id}/${l.eventType}`) ?? 0) !== 1) twice++;
  }
  check('acked events at the seq their answer named', notAtSeq === 0 && twice === 0, `${ackedEvents} acked events; ${notAtSeq} not at their seq, ${twice} one-off events not exactly once`);

  // every acknowledged Idempotency-Key is recorded with a 2xx answer
  const keys = await q<{ key: string; status: number }>(sql`select key, status from idempotency_keys where user_id <> 'system'`);
  const keyStatus = new Map(keys.map((k) => [k.key, Number(k.status)]));
  const ackedKeys = logicals.filter((l) => l.outcome === 'acked' && l.key);
  const keyMissing = ackedKeys.filter((l) => !((keyStatus.get(l.key!) ?? 0) >= 200 && (keyStatus.get(l.key!) ?? 0) < 300)).length;
  const replayed = attempts.filter((a) => a.replayed).length;
  check('acked Idempotency-Keys recorded', keyMissing === 0, `${ackedKeys.length} keys, ${keyMissing} missing; ${replayed} answers were idempotent replays of a write whose first answer was lost`);

  // 2. journals gap-free
  for (const store of Object.values(stores)) {
    const table = store.type === 'case' ? sql.raw('cases') : sql.raw('supervisions');
    const journal = store.type === 'case' ? sql.raw('case_events') : sql.raw('supervision_events');
    const key = store.type === 'case' ? sql.raw('case_id') : sql.raw('supervision_id');
    const gaps = await q<{ id: string }>(sql`
      select t.id from ${table} t left join ${journal} e on e.${key} = t.id
      group by t.id, t.version
      having count(e.seq) <> t.version or min(e.seq) <> 1 or max(e.seq) <> t.version`);
    const [{ n }] = await q<{ n: number }>(sql`select count(*)::int as n from ${table}`);
    check(`${store.type} journals gap-free (seq 1..version)`, gaps.length === 0, `${n} ${store.type === 'case' ? 'cases' : 'supervision items'}, ${gaps.length} with a gap`);
  }

  // 3. replay = stored snapshot
  for (const store of Object.values(stores)) {
    const started = performance.now();
    const r = await verifyStore(db, store);
    check(
      `${store.type} replays to its stored snapshot (verifyStore)`,
      r.mismatches.length === 0,
      `${r.entities} entities, ${r.events} events replayed in ${ms(performance.now() - started)}, ${r.mismatches.length} mismatches` +
        r.mismatches.slice(0, 5).map((m) => `\n      ${m.number}: ${m.reason}`).join(''),
    );
  }

  // 4. deadlines: none fired twice; every fired one has exactly one journal row
  const doubles = await q<{ case_id: string }>(sql`
    select case_id, type from case_events where type in ('MEDIATION_EXPIRED', 'PERFORMANCE_OVERDUE', 'ENFORCEMENT_OVERDUE')
    group by case_id, type having count(*) > 1`);
  const unmatched = await q<{ id: number }>(sql`
    select d.id from deadlines d
    where d.fired_at is not null and d.entity_type = 'case'
      and (select count(*) from case_events e where e.case_id = d.entity_id and e.type = d.event and e.actor_role = 'system') <> 1`);
  const [dl] = await q<{ fired: number; system_rows: number; open_due: number; open: number }>(sql`
    select (select count(*)::int from deadlines where fired_at is not null) as fired,
           (select count(*)::int from case_events where actor_role = 'system') as system_rows,
           (select count(*)::int from deadlines where fired_at is null and due_at <= now()) as open_due,
           (select count(*)::int from deadlines where fired_at is null) as open`);
  check(
    'no deadline fired twice',
    doubles.length === 0 && unmatched.length === 0 && Number(dl.fired) === Number(dl.system_rows) && Number(dl.open_due) === 0,
    `${dl.fired} deadlines fired, ${dl.system_rows} system journal rows, ${doubles.length} fired twice, ${unmatched.length} fired without exactly one row; ` +
      `${dl.open} still open, ${dl.open_due} of them due`,
  );

  // 5. the outage: 503 problem+json, fast, never a hang; recovery without a restart
  if (o) {
    const inside = (a: Attempt) => a.start >= o.stopped && a.end <= o.startIssued;
    const during = [...attempts.filter(inside), ...o.probes.filter(inside)];
    const answers503 = during.filter((a) => a.status === 503 && a.problemJson);
    const other = during.filter((a) => !(a.status === 503 && a.problemJson));
    const lat = answers503.map((a) => a.end - a.start);
    const probeLat = o.probes.filter(inside).map((a) => a.end - a.start);
    const hangs = [...attempts, ...o.probes].filter((a) => a.status === -1 && a.end > o.stopIssued && a.start < o.healthy).length;
    check(
      'database down: 503 problem+json, quickly, no hang',
      during.length > 0 && other.length === 0 && hangs === 0 && Math.max(0, ...lat) <= MAX_503_MS,
      `${answers503.length} answers in ${ms(o.startIssued - o.stopped)} down: 503 problem+json latency p50 ${ms(pct(lat, 50))}, p99 ${ms(pct(lat, 99))}, max ${ms(Math.max(0, ...lat))} ` +
        `(limit ${MAX_503_MS} ms); /healthz max ${ms(Math.max(0, ...probeLat))}; ${other.length} other answers` +
        (other.length ? ` (${[...new Set(other.map((a) => a.status))].join(', ')})` : '') +
        `; ${hangs} client timeouts (${CLIENT_TIMEOUT_MS} ms)`,
    );
    if (process.env.CHAOS_DEBUG) {
      for (let t = o.stopIssued - 1000; t < o.healthy + 6000; t += 500) {
        const b = attempts.filter((a) => a.end >= t && a.end < t + 500);
        const m = new Map<number, number>();
        for (const a of b) m.set(a.status, (m.get(a.status) ?? 0) + 1);
        console.log(`  t=${Math.round(t - o.started)} ms: ${[...m].map(([k, v]) => `${k}×${v}`).join(' ')}`);
      }
    }
    // PostgreSQL accepts connections before `pg_ctlcluster start` returns: count from the command.
    const firstAck = attempts.filter((a) => a.status >= 200 && a.status < 300 && a.start >= o.stopped).sort((a, b) => a.end - b.end)[0];
    const recovery = firstAck ? firstAck.end - o.startIssued : Infinity;
    check(
      'recovered by itself once PostgreSQL was back',
      o.healthy - o.startIssued <= MAX_RECOVERY_MS && recovery <= MAX_RECOVERY_MS && o.serverGeneration === generationAtOutageEnd,
      `first 2xx answer ${ms(recovery)} after \`pg_ctlcluster start\` was issued (which took ${ms(o.started - o.startIssued)} to return), /healthz 200 ${ms(o.healthy - o.started)} after it returned; ` +
        `same server process throughout: ${o.serverGeneration === generationAtOutageEnd ? 'yes' : 'NO'}`,
    );
  } else {
    check('database outage ran', false, 'no outage happened');
  }

  // 6. never a 500; no unhandled error in any server's log; nothing left unknown
  const fivehundreds = attempts.filter((a) => a.status >= 500 && a.status !== 503);
  const unhandled = serverOutputs.reduce((n, out) => n + (out.match(/"msg":"unhandled error"/g)?.length ?? 0), 0);
  check(
    'no crash, no 500, no unhandled error',
    crashes.length === 0 && fivehundreds.length === 0 && unhandled === 0,
    `${crashes.length} server crashes, ${fivehundreds.length} answers ≥ 500 other than 503, ${unhandled} "unhandled error" lines in ${serverOutputs.length} server logs` +
      crashes.map((c) => `\n      ${c}`).join(''),
  );
  const mismatched = attempts.filter((a) => a.status === 422).length;
  const unknownLeft = logicals.filter((l) => l.outcome === 'unknown').length;
  check('every retried request settled', unknownLeft === 0 && mismatched === 0, `${unknownLeft} requests without a definite answer, ${mismatched} 422 on a retry with the same key and body`);
}

let generationAtOutageEnd = 0;

// ---------------------------------------------------------------------------------------------

function printSummary() {
  const by = new Map<string, number>();
  for (const a of attempts) {
    const k = a.status === 0 ? 'connection error' : a.status === -1 ? 'client timeout' : String(a.status);
    by.set(k, (by.get(k) ?? 0) + 1);
  }
  const refusals = new Map<string, number>();
  for (const l of logicals) if (l.outcome === 'refused') refusals.set(`${l.eventType ?? l.kind} ${l.status} ${l.body?.type ?? ''}`.trim(), (refusals.get(`${l.eventType ?? l.kind} ${l.status} ${l.body?.type ?? ''}`.trim()) ?? 0) + 1);
  console.log('');
  console.log(`load: ${attempts.length} HTTP attempts from ${CONNECTIONS} connections, ${logicals.length} logical requests`);
  console.log(`  answers: ${[...by.entries()].sort().map(([k, v]) => `${k} × ${v}`).join(', ')}`);
  if (refusals.size) console.log(`  refusals (expected: backdated cases race the sweeper): ${[...refusals.entries()].map(([k, v]) => `${k} × ${v}`).join('; ')}`);
}

async function main(): Promise<number> {
  console.log(`jiefen chaos: ${DB_NAME} on ${PG_HOST}:${PG_PORT}, cluster ${PG_VERSION}/${PG_CLUSTER}; ${args.duration} s of load on ${CONNECTIONS} connections, ${KILLS} × kill -9, ${args.outage} s database outage`);
  await ensurePgUp();
  const admin = postgres(ADMIN_URL, { max: 1, onnotice: () => {} });
  await admin.unsafe(`drop database if exists "${DB_NAME}" with (force)`);
  await admin.unsafe(`create database "${DB_NAME}"`);
  await admin.end();

  port = await freePort();
  base = `http://127.0.0.1:${port}`;
  await new Promise<void>((resolve) => hookServer.listen(0, '127.0.0.1', resolve));
  hookUrl = `http://127.0.0.1:${(hookServer.address() as AddressInfo).port}`;
  await startChaosServer();
  log(`server #${generation} up on port ${port}`);
  await setup();
  log(`world: ${deputies.length} deputies, ${pool.length} cases in mediation.active`);

  // the fault schedule, as fractions of the run: kills spread out, the outage in between
  const killAt = Array.from({ length: KILLS }, (_, i) => (i < KILLS - 1 ? 0.12 + (0.4 * i) / Math.max(1, KILLS - 2) : 0.85));
  const outageAt = 0.6;
  const workers = Array.from({ length: CONNECTIONS }, () => worker());
  const loadStart = clock();
  let outageResult: Outage | null = null;
  const faults = [...killAt.map((at, i) => ({ at, run: () => killAndRestart(i + 1) })), { at: outageAt, run: async () => {
    outageResult = await outage();
    generationAtOutageEnd = generation;
  } }].sort((a, b) => a.at - b.at);
  for (const f of faults) {
    const wait = loadStart + f.at * DURATION_MS - clock();
    if (wait > 0) await sleep(wait);
    await f.run();
  }
  const rest = loadStart + DURATION_MS - clock();
  if (rest > 0) await sleep(rest);
  stopLoad = true;
  finalDeadline = clock() + 60_000;
  log('load stopped; waiting for in-flight requests to settle');
  await Promise.all(workers);
  log('settled');

  const database = await openDatabase({ databaseUrl: DATABASE_URL, migrate: false, max: 4 });
  try {
    printSummary();
    await killServerGracefully();
    // Deadlines claimed by a killed server stay leased for 60 s: one more pass, as if run after
    // the lease, takes them over — each must still fire exactly once (checked below).
    const takeover = await sweep({ db: database.db, now: () => new Date(Date.now() + 61_000) }, stores);
    console.log(`  final sweep pass after the leases: ${takeover.fired.length} fired, ${takeover.dropped.length} dropped, ${takeover.failed.length} failed`);
    await drainNotifications(database);
    await runChecks(database, outageResult);
    await notificationChecks(database);
  } finally {
    await database.close();
  }

  console.log('');
  console.log('invariants:');
  for (const c of checks) console.log(`  ${c.ok ? 'PASS' : 'FAIL'}  ${c.name}\n        ${c.detail}`);
  const failed = checks.filter((c) => !c.ok).length;
  console.log('');
  console.log(failed ? `chaos: ${failed} of ${checks.length} invariants FAILED` : `chaos: all ${checks.length} invariants hold`);
  return failed ? 1 : 0;
}

/**
 * Deliveries and outbox rows claimed by a killed server stay leased for 60 s (an outbox row whose
 * first webhook tries were under way has no delivery yet): dispatch passes with a clock past the
 * lease take them over, until nothing is pending (at most 2 minutes).
 */
async function drainNotifications(database: Database): Promise<void> {
  const until = Date.now() + 120_000;
  let shift = 61_000;
  for (;;) {
    await dispatch(database.db, { retryBaseMs: 100, now: () => new Date(Date.now() + shift) });
    const [left] = rowsOf<{ n: number }>(
      await database.db.execute(sql`select (select count(*) from deliveries where status = 'pending') + (select count(*) from outbox where fanned_out_at is null) as n`),
    );
    if (Number(left.n) === 0 || Date.now() > until) break;
    // Backoff is counted on the shifted clock: move it on with each pass.
    shift += 1000;
  }
  hookServer.close();
}

async function notificationChecks(database: Database): Promise<void> {
  const q = async <T>(query: ReturnType<typeof sql>) => rowsOf<T>(await database.db.execute(query));
  const [pairs] = await q<{ journal: number; outbox: number; orphans: number; missing: number }>(sql`
    select
      (select count(*) from case_events) + (select count(*) from supervision_events) as journal,
      (select count(*) from outbox) as outbox,
      (select count(*) from outbox o where not exists (
         select 1 from case_events e where o.entity_type = 'case' and e.case_id = o.entity_id and e.seq = o.seq
         union all select 1 from supervision_events e where o.entity_type = 'supervision' and e.supervision_id = o.entity_id and e.seq = o.seq)) as orphans,
      (select count(*) from case_events e where not exists (select 1 from outbox o where o.entity_type = 'case' and o.entity_id = e.case_id and o.seq = e.seq))
        + (select count(*) from supervision_events e where not exists (select 1 from outbox o where o.entity_type = 'supervision' and o.entity_id = e.supervision_id and o.seq = e.seq)) as missing`);
  check(
    'every journal row has its outbox row, and none without',
    Number(pairs.missing) === 0 && Number(pairs.orphans) === 0,
    `${pairs.journal} journal rows, ${pairs.outbox} outbox rows; ${pairs.missing} journal rows without one, ${pairs.orphans} outbox rows without a journal row`,
  );
  const ids = new Set((await q<{ id: string }>(sql`select id from outbox`)).map((r) => r.id));
  const okBy = new Map<string, number>();
  for (const g of hookGot) if (g.ok) okBy.set(g.id, (okBy.get(g.id) ?? 0) + 1);
  const undelivered = [...ids].filter((id) => !okBy.has(id)).length;
  const strangers = hookGot.filter((g) => !ids.has(g.id)).length;
  const repeated = [...okBy.values()].filter((n) => n > 1).length;
  const [status] = await q<{ pending: number; dead: number }>(sql`select count(*) filter (where status = 'pending') as pending, count(*) filter (where status = 'dead') as dead from deliveries`);
  check(
    'every committed event delivered to the webhook; repeats only with the same id',
    undelivered === 0 && strangers === 0 && Number(status.pending) === 0 && Number(status.dead) === 0,
    `${ids.size} messages, ${hookGot.length} requests (${hookGot.filter((g) => !g.ok).length} answered 500 and retried); ${undelivered} never answered 2xx, ` +
      `${strangers} with an id of no committed event, ${repeated} answered 2xx more than once (a retry after a kill, same id); ${status.pending} still pending, ${status.dead} dead`,
  );
}

async function killServerGracefully(): Promise<void> {
  if (!server) return;
  const s = server;
  server = null;
  const code = await s.stop('SIGTERM');
  if (code !== 0) log(`server exited with ${code} on SIGTERM`);
}

async function cleanup(): Promise<void> {
  if (server) server.child.kill('SIGKILL');
  server = null;
  // ALWAYS leave PostgreSQL running, whatever happened above. The database is kept for a look
  // (`DATABASE_URL=… npm run verify`); the next run makes it afresh.
  await ensurePgUp();
}

let exiting = false;
for (const sig of ['SIGINT', 'SIGTERM'] as const) {
  process.on(sig, () => {
    if (exiting) return;
    exiting = true;
    console.error(`\n${sig}: restarting PostgreSQL if it is down, then exiting`);
    cleanup().finally(() => process.exit(130));
  });
}

let code = 1;
try {
  code = await main();
} catch (err) {
  console.error(`chaos: ${(err as Error).stack ?? err}`);
  code = 1;
} finally {
  if (!exiting) {
    try {
      await cleanup();
    } catch (err) {
      console.error(`chaos cleanup: ${(err as Error).message}`);
      code = 1;
    }
  }
}
process.exit(code);
