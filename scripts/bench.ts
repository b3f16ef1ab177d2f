/**
 * `npm run bench`: the write path under load, end to end, against real PostgreSQL.
 *
 * Creates its own database (DATABASE_URL, default …/jiefen_bench_load), starts the real server
 * (with the node flags of package.json's `start`, as `npm start` does) as a child process, builds a world through
 * the API, then drives two event mixes with autocannon at 1, 8 and 32 connections:
 *
 * - `sessions`: RECORD_SESSION and SCHEDULE_SESSION on cases in `mediation.active`, spread over
 *   many cases, half sent by court staff and half by the case's assigned deputy, each with its own
 *   Idempotency-Key. Every answer must be 2xx.
 * - `lifecycle`: per connection, case after case: create → ACCEPT → ASSIGN → SCHEDULE_SESSION →
 *   RECORD_SESSION → REACH_AGREEMENT → RECORD_PERFORMANCE (closed, performed).
 *
 * The server makes every request id and writes it into the journal row; it answers with it
 * (X-Request-Id) and echoes the client's own (X-Client-Request-Id). Each request carries an id of
 * the bench's, so each answer is matched to its request; after each run every acknowledged 2xx
 * must have exactly one journal row under the id its answer named, no refused request any, and
 * no more rows of the run's time than requests cut off at its end (at most one per connection).
 *
 * Then pgbench runs bench/engine-equivalent.sql — the statements the engine issues for one such
 * event, without the HTTP server, the machine and the ORM — at the same client counts, and the
 * ratio engine events/s ÷ pgbench tps says what the application layer costs.
 *
 *   npm run bench [-- --duration 10 --connections 1,8,32 --cases 2000 --profile DIR --keep]
 *
 * `--profile DIR` runs the server under `node --cpu-prof` (see scripts/cpuprofile-top.ts).
 * `--latency` prints each run's latency distribution (autocannon's percentiles, mean and sd).
 * `--client wrk` drives the sessions mix with wrk (Debian's `wrk`, a load generator written in C, as
 * pgbench is) and bench/wrk-sessions.lua instead of autocannon: the same requests, every answer
 * read back into the same exactly-once check. On a machine where the load generator shares the
 * server's cores, autocannon's CPU per event (0.11 ms) against pgbench's own (0.03 ms per
 * transaction) is part of what the ratio compares; wrk's is 0.04–0.05. The lifecycle mix stays on
 * autocannon (each request depends on the answer before it).
 * `--waits` samples, every 20 ms of each run, what the PostgreSQL backends serving it are doing
 * (pg_stat_activity: on CPU, waiting for the WAL to be flushed, waiting for their client, …) and
 * prints each state's share of the samples, for the engine's runs and for pgbench's, and how much
 * WAL the run wrote.
 * `--node-flags "…"` gives the server's node more flags (`--trace-gc`, say), and `--server-log F`
 * writes what the server printed to F when the bench ends.
 * `--webhook` registers a webhook for every event type (`*`) on a receiver in this process that
 * answers 204, before the load: every event then writes its outbox row and the server's
 * dispatcher delivers it while the load runs (DESIGN §12: notifications on). Compare with a run
 * without it. Each run says how many deliveries the receiver got while it ran, against its
 * acknowledged events: a dispatcher that put them off until after the run would show here.
 * `--receiver thread` (the default) runs the receiver, a minimal HTTP/1.1 server over node:net, on
 * a worker thread of this process, so that its requests do not queue with autocannon's answers on
 * one event loop (a receiver is another system; its CPU still counts as this process's, "client");
 * `--receiver node-http` runs node:http's server on that thread instead, to compare;
 * `--receiver inline` runs node:http's on this thread, as the bench first did.
 */
import { execFile, spawnSync } from 'node:child_process';
import { createServer as createHttpServer } from 'node:http';
import { Worker } from 'node:worker_threads';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadavg } from 'node:os';
import { randomBytes, randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { parseArgs, promisify } from 'node:util';
import autocannon from 'autocannon';
import postgres from 'postgres';
import { startServer, type RunningServer } from '../test/helpers/server.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const { values: args } = parseArgs({
  options: {
    duration: { type: 'string', default: '10' },
    connections: { type: 'string', default: '1,8,32' },
    cases: { type: 'string', default: '2000' },
    mixes: { type: 'string', default: 'sessions,lifecycle,pgbench' },
    profile: { type: 'string' },
    keep: { type: 'boolean', default: false },
    webhook: { type: 'boolean', default: false },
    receiver: { type: 'string', default: 'thread' },
    latency: { type: 'boolean', default: false },
    'node-flags': { type: 'string', default: '' },
    'server-log': { type: 'string' },
    waits: { type: 'boolean', default: false },
    client: { type: 'string', default: 'autocannon' },
  },
});
const DURATION = Number(args.duration);
const CONNECTIONS = args.connections.split(',').map(Number);
const N_CASES = Number(args.cases);
const MIXES = new Set(args.mixes.split(','));
if (!['autocannon', 'wrk'].includes(args.client)) {
  console.error(`--client must be autocannon or wrk, not "${args.client}"`);
  process.exit(2);
}
if (args.client === 'wrk' && spawnSync('sh', ['-c', 'command -v wrk']).status !== 0) {
  console.error('--client wrk: wrk is not installed here (Debian: apt-get install wrk)');
  process.exit(2);
}
if (!['thread', 'node-http', 'inline'].includes(args.receiver)) {
  console.error(`--receiver must be thread, node-http or inline, not "${args.receiver}"`);
  process.exit(2);
}
const DATABASE_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/jiefen_bench_load';
const dbUrl = new URL(DATABASE_URL);
const DB_NAME = dbUrl.pathname.slice(1);
const adminUrl = Object.assign(new URL(DATABASE_URL), { pathname: '/postgres' }).toString();
const ADMIN_TOKEN = `bench-admin-${randomBytes(12).toString('hex')}`;
const log = (...a: unknown[]) => console.log(...a);

// ---------------------------------------------------------------------------------------------
// Database and server

async function recreateDatabase() {
  const admin = postgres(adminUrl, { max: 1, onnotice: () => {} });
  await admin.unsafe(`drop database if exists "${DB_NAME}" with (force)`);
  await admin.unsafe(`create database "${DB_NAME}"`);
  await admin.end();
}

async function dropDatabase() {
  const admin = postgres(adminUrl, { max: 1, onnotice: () => {} });
  await admin.unsafe(`drop database if exists "${DB_NAME}" with (force)`);
  await admin.end();
}

let server: RunningServer;
let base: URL;

/** Deliveries the webhook receiver has answered (a counter shared with its thread). */
const hooked = new Int32Array(new SharedArrayBuffer(4));
const received = () => Atomics.load(hooked, 0);

/**
 * The webhook receiver's thread: a keep-alive HTTP/1.1 server of its own over node:net, which
 * answers every request 204 once it has read it to its end (by `Content-Length`, or chunked, as
 * any HTTP/1.1 server must read) and counts it — what the node:http receiver did and verified,
 * at about half its CPU (10 against 19 µs a request, 20,000 signed POSTs from the sender), CPU
 * that is not jiefen's but takes this machine's 2 cores from it. Requests pipelined on one
 * connection are answered in order, in one write; `Connection: close` is honoured. Anything that
 * is not a request it can read gets 400 and the connection's close. `--receiver node-http` keeps
 * the node:http one, to compare.
 */
const NET_RECEIVER = `const { parentPort, workerData: hooked } = require('node:worker_threads');
const END = Buffer.from('\\r\\n\\r\\n');
const CRLF = Buffer.from('\\r\\n');
const receiver = require('node:net').createServer((socket) => {
  socket.setNoDelay(true);
  let buf = Buffer.alloc(0);
  // The request being read: its head ('head'), then its body by length ('length') or by chunks ('chunks').
  let phase = 'head', need = 0, close = false;
  socket.on('data', (chunk) => {
    buf = buf.length ? Buffer.concat([buf, chunk]) : chunk;
    let out = '';
    for (;;) {
      if (phase === 'head') {
        const end = buf.indexOf(END);
        if (end < 0) { if (buf.length > 65536) return socket.end('HTTP/1.1 431 Request Header Fields Too Large\\r\\nConnection: close\\r\\n\\r\\n'); break; }
        const head = buf.latin1Slice(0, end);
        buf = buf.subarray(end + 4);
        const request = /^[A-Z]+ \\S+ HTTP\\/1\\.([01])(?:\\r\\n|$)/.exec(head);
        if (!request) return socket.end('HTTP/1.1 400 Bad Request\\r\\nConnection: close\\r\\n\\r\\n');
        close = request[1] === '0' || /\\r\\nconnection:[ \\t]*close/i.test(head);
        const length = /\\r\\ncontent-length:[ \\t]*(\\d+)[ \\t]*(?:\\r|$)/i.exec(head);
        if (/\\r\\ntransfer-encoding:[^\\r]*chunked/i.test(head)) phase = 'chunks';
        else { phase = 'length'; need = length ? Number(length[1]) : 0; }
      }
      if (phase === 'length') {
        if (buf.length < need) break;
        buf = buf.subarray(need);
      } else {
        // Chunks: a size line, its bytes and CRLF, until the 0 chunk and the trailers' empty line.
        const line = buf.indexOf(CRLF);
        if (line < 0) break;
        const size = parseInt(buf.latin1Slice(0, line), 16);
        if (!(size >= 0)) return socket.end('HTTP/1.1 400 Bad Request\\r\\nConnection: close\\r\\n\\r\\n');
        if (size > 0) {
          if (buf.length < line + 2 + size + 2) break;
          buf = buf.subarray(line + 2 + size + 2);
          continue;
        }
        const trailers = buf.indexOf(CRLF, line + 2) === line + 2 ? line + 4 : buf.indexOf(END, line) + 4;
        if (trailers < 4) break;
        buf = buf.subarray(trailers);
      }
      phase = 'head';
      Atomics.add(hooked, 0, 1);
      out += close ? 'HTTP/1.1 204 No Content\\r\\nConnection: close\\r\\n\\r\\n' : 'HTTP/1.1 204 No Content\\r\\n\\r\\n';
      if (close) break;
    }
    if (out) socket.write(out);
    if (close) socket.end();
  });
  socket.on('error', () => socket.destroy());
});
receiver.listen(0, '127.0.0.1', () => parentPort.postMessage(receiver.address().port));`;

/** The node:http receiver the bench used first (answers 204 to every request once read), for `--receiver node-http`. */
const NODE_HTTP_RECEIVER = `const { parentPort, workerData: hooked } = require('node:worker_threads');
const receiver = require('node:http').createServer((req, res) => {
  req.resume();
  req.on('end', () => { Atomics.add(hooked, 0, 1); res.statusCode = 204; res.end(); });
});
receiver.listen(0, '127.0.0.1', () => parentPort.postMessage(receiver.address().port));`;

/** The webhook receiver (answers 204 to every POST): on a worker thread, or on this one. Its port and its stop. */
async function startReceiver(where: string): Promise<{ port: number; close: () => Promise<unknown> }> {
  if (where === 'inline') {
    const receiver = createHttpServer((req, res) => {
      req.resume();
      req.on('end', () => {
        Atomics.add(hooked, 0, 1);
        res.statusCode = 204;
        res.end();
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    return { port: (receiver.address() as AddressInfo).port, close: async () => receiver.close() };
  }
  const worker = new Worker(where === 'node-http' ? NODE_HTTP_RECEIVER : NET_RECEIVER, { eval: true, workerData: hooked });
  const port = await new Promise<number>((resolve, reject) => worker.once('message', resolve).once('error', reject));
  return { port, close: () => worker.terminate() };
}

async function api(token: string, method: string, path: string, body?: unknown, expect = [200, 201]): Promise<any> {
  const res = await fetch(new URL(path, base), {
    method,
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  if (!expect.includes(res.status)) throw new Error(`${method} ${path} → ${res.status} ${text}`);
  return text ? JSON.parse(text) : null;
}

/** Runs `fn` over `items` with at most `width` at once. */
async function pool<T, R>(items: T[], width: number, fn: (item: T, i: number) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: width }, async () => {
      while (next < items.length) {
        const i = next++;
        out[i] = await fn(items[i], i);
      }
    }),
  );
  return out;
}

// ---------------------------------------------------------------------------------------------
// The world: stations, deputies, users, cases in mediation.active

interface Deputy {
  id: string;
  /** The deputy's user (who sends the deputy's events). */
  userId: string;
  token: string;
  stationCode: string;
}
interface World {
  court: { id: string; token: string };
  stations: string[];
  deputies: Deputy[];
}
interface ActiveCase {
  id: string;
  deputy: Deputy;
}

const STATIONS = [
  { code: 'HL01', name: '呼兰区人民法院人大代表联络站', kind: 'court', district: '呼兰区' },
  { code: 'SC01', name: '双城区人民法院人大代表联络站', kind: 'court', district: '双城区' },
  { code: 'DL01', name: '道里区新阳路街道人大代表联络站', kind: 'street', district: '道里区' },
  { code: 'NG01', name: '南岗区哈西街道人大代表联络站', kind: 'street', district: '南岗区' },
];

async function buildWorld(): Promise<World> {
  for (const s of STATIONS) await api(ADMIN_TOKEN, 'POST', '/api/stations', s);
  const deputies: Deputy[] = [];
  for (const s of STATIONS) {
    for (let i = 0; i < 4; i++) {
      const d = await api(ADMIN_TOKEN, 'POST', '/api/deputies', {
        name: `代表${s.code}-${i}`,
        level: i % 2 ? 'county' : 'municipal',
        stationCode: s.code,
        expertise: ['婚姻家庭', '民间借贷'],
        phone: `1390000${String(deputies.length).padStart(4, '0')}`,
      });
      const u = await api(ADMIN_TOKEN, 'POST', '/api/users', { name: d.name, role: 'deputy', deputyId: d.id });
      deputies.push({ id: d.id, userId: u.id, token: u.token, stationCode: s.code });
    }
  }
  const court = await api(ADMIN_TOKEN, 'POST', '/api/users', { name: '李书记员', role: 'court' });
  return { court: { id: court.id, token: court.token }, stations: STATIONS.map((s) => s.code), deputies };
}

let seq = 0;
function caseBody(stationCode: string) {
  const n = ++seq;
  return {
    track: n % 3 ? 'pre_filing' : 'post_filing',
    source: 'court_referral',
    stationCode,
    disputeType: n % 2 ? '民间借贷纠纷' : '婚姻家庭纠纷',
    summary: `申请人与被申请人因借款${n}元未还发生纠纷，请求调解。`,
    claimAmount: `${10000 + (n % 500)}.00`,
    parties: [
      { role: 'applicant', name: '张三', idNumber: '230102199001011234', phone: '13812345678' },
      { role: 'respondent', name: '李四', phone: '13987654321' },
    ],
  };
}

function deputiesOf(w: World, stationCode: string): Deputy[] {
  return w.deputies.filter((d) => d.stationCode === stationCode);
}

async function openActiveCases(w: World, n: number): Promise<ActiveCase[]> {
  return pool(Array.from({ length: n }, (_, i) => i), 16, async (i) => {
    const station = w.stations[i % w.stations.length];
    const [d1, d2] = [deputiesOf(w, station)[i % 4], deputiesOf(w, station)[(i + 1) % 4]];
    const c = await api(w.court.token, 'POST', '/api/cases', caseBody(station));
    await api(w.court.token, 'POST', `/api/cases/${c.id}/events`, { type: 'ACCEPT' });
    await api(w.court.token, 'POST', `/api/cases/${c.id}/events`, { type: 'ASSIGN', mediatorName: '调解员王芳', deputyIds: [d1.id, d2.id] });
    return { id: c.id, deputy: d1 };
  });
}

// ---------------------------------------------------------------------------------------------
// Load

interface Ctx {
  rid?: string;
  caseId?: string;
  deputy?: Deputy;
}

interface Tally {
  /** Server-made request ids of the 2xx answers. */
  acked: Set<string>;
  /** Server-made request ids of the refused answers, and their status. */
  refused: Map<string, number>;
  refusedSamples: string[];
  /** Answers without the server's request id, or echoing another request's id than the one sent. */
  unmatched: number;
}

function tracker(prefix: string) {
  let n = 0;
  const tally: Tally = { acked: new Set(), refused: new Map(), refusedSamples: [], unmatched: 0 };
  /** The client request ids answered: each at most once. */
  const answered = new Set<string>();
  /**
   * One answer, by the request id the server made for it (the one its journal row carries): `sent`
   * is the client request id the request carried (wrk's answers say it only by the echo), `echoed`
   * the answer's X-Client-Request-Id.
   */
  const recordAnswer = (status: number, body: string, sent: string | undefined, serverRid: unknown, echoed: unknown) => {
    if (!sent?.startsWith(`${prefix}-`) || typeof serverRid !== 'string' || !serverRid || serverRid === sent || echoed !== sent || answered.has(sent)) {
      tally.unmatched++;
      return;
    }
    answered.add(sent);
    if (status >= 200 && status < 300) tally.acked.add(serverRid);
    else {
      tally.refused.set(serverRid, status);
      if (tally.refusedSamples.length < 5) tally.refusedSamples.push(`${status} ${body.slice(0, 300)}`);
    }
  };
  return {
    tally,
    prefix,
    recordAnswer,
    /** Headers for one request: its own client request id (echoed back) and Idempotency-Key. */
    headers(ctx: Ctx, token: string) {
      ctx.rid = `${prefix}-${++n}`;
      return {
        authorization: `Bearer ${token}`,
        'content-type': 'application/json',
        'x-request-id': ctx.rid,
        'idempotency-key': randomUUID(),
      };
    },
    /** One answer autocannon got. */
    record(status: number, body: string, ctx: Ctx, headers: Record<string, unknown> = {}) {
      // autocannon keeps the header names as they came on the wire.
      const header = (name: string) => Object.entries(headers).find(([k]) => k.toLowerCase() === name)?.[1];
      recordAnswer(status, body, ctx.rid, header('x-request-id'), header('x-client-request-id'));
    },
  };
}

const iso = (ms = 0) => new Date(Date.now() + ms).toISOString();
const dateIn = (days: number) => new Date(Date.now() + days * 86_400_000).toISOString().slice(0, 10);

function sessionsRequests(w: World, active: ActiveCase[], t: ReturnType<typeof tracker>): autocannon.Request[] {
  let i = Math.floor(Math.random() * active.length);
  return [
    {
      method: 'POST',
      setupRequest: (req, context) => {
        const ctx = context as Ctx;
        // Cases visited in a stride so concurrent connections rarely meet on one case.
        i = (i + 7919) % active.length;
        const c = active[i];
        const byDeputy = i % 2 === 0;
        const body =
          (i >> 1) % 2 === 0
            ? { type: 'RECORD_SESSION', heldAt: iso(-3_600_000), attendeeDeputyIds: [c.deputy.id], minutes: '双方当事人到场，代表释法说理，双方就还款期限初步达成一致意见。' }
            : { type: 'SCHEDULE_SESSION', at: iso(3 * 86_400_000), location: '联络站调解室' };
        return { ...req, path: `/api/cases/${c.id}/events`, headers: t.headers(ctx, byDeputy ? c.deputy.token : w.court.token), body: JSON.stringify(body) };
      },
      onResponse: (status, body, context, headers) => t.record(status, body, context as Ctx, headers),
    },
  ];
}

function lifecycleRequests(w: World, t: ReturnType<typeof tracker>): autocannon.Request[] {
  let k = 0;
  const event = (build: (ctx: Ctx) => { token: string; body: object }): autocannon.Request => ({
    method: 'POST',
    setupRequest: (req, context) => {
      const ctx = context as Ctx;
      if (!ctx.caseId) return undefined as unknown as autocannon.Request; // creation refused: start over
      const { token, body } = build(ctx);
      return { ...req, path: `/api/cases/${ctx.caseId}/events`, headers: t.headers(ctx, token), body: JSON.stringify(body) };
    },
    onResponse: (status, body, context, headers) => t.record(status, body, context as Ctx, headers),
  });
  return [
    {
      method: 'POST',
      setupRequest: (req, context) => {
        const ctx = context as Ctx;
        const station = w.stations[k++ % w.stations.length];
        ctx.caseId = undefined;
        ctx.deputy = deputiesOf(w, station)[k % 4];
        return { ...req, path: '/api/cases', headers: t.headers(ctx, w.court.token), body: JSON.stringify(caseBody(station)) };
      },
      onResponse: (status, body, context, headers) => {
        const ctx = context as Ctx;
        t.record(status, body, ctx, headers);
        if (status === 201) ctx.caseId = JSON.parse(body).id;
      },
    },
    event(() => ({ token: w.court.token, body: { type: 'ACCEPT', note: '符合委派调解条件' } })),
    event((ctx) => ({ token: w.court.token, body: { type: 'ASSIGN', mediatorName: '调解员王芳', deputyIds: [ctx.deputy!.id] } })),
    event((ctx) => ({ token: ctx.deputy!.token, body: { type: 'SCHEDULE_SESSION', at: iso(86_400_000), location: '联络站调解室' } })),
    event((ctx) => ({
      token: ctx.deputy!.token,
      body: { type: 'RECORD_SESSION', heldAt: iso(-60_000), attendeeDeputyIds: [ctx.deputy!.id], minutes: '双方同意分期还款。' },
    })),
    event((ctx) => ({
      token: ctx.deputy!.token,
      body: { type: 'REACH_AGREEMENT', terms: '被申请人于期限内一次性偿还借款。', amount: '12000.00', dueDate: dateIn(60) },
    })),
    event(() => ({ token: w.court.token, body: { type: 'RECORD_PERFORMANCE', amount: '12000.00', note: '已当庭履行' } })),
  ];
}

interface RunResult {
  mix: string;
  connections: number;
  eventsPerSec: number;
  p50: number;
  p99: number;
  ok: number;
  non2xx: number;
  journal: string;
  exactlyOnce: boolean;
  /** 1-minute load average at the end of the run: other work on the machine skews the figures. */
  load: number;
  /** CPU ms per acknowledged event: the server process, and the PostgreSQL backends. */
  serverMsPerEvent: number;
  /** The part of serverMsPerEvent spent in the kernel (socket writes and reads, mostly). */
  serverSysMsPerEvent: number;
  pgMsPerEvent: number;
  /** CPU ms per event of the load generator (this process: autocannon and the request builders). */
  clientMsPerEvent: number;
  /** Busy CPU ms per event of the whole machine (/proc/stat): everything an event costs. */
  machineMsPerEvent: number;
  /** Webhook deliveries the receiver answered while the load ran, and by the end of the wait after it. */
  hookedDuring: number;
  hookedAfter: number;
}

/** What a load generator reports of a run: latencies in ms, its own child process's CPU if any. */
interface Load {
  duration: number;
  latency: { mean: number; stddev: number; p10: number; p25: number; p50: number; p75: number; p90: number; p97_5: number; p99: number; p99_9: number; max: number };
  non2xx: number;
  errors: number;
  timeouts: number;
  childCpuMs: number;
}

/** autocannon, in this process. */
function autocannonLoad(connections: number, requests: autocannon.Request[]): () => Promise<Load> {
  return async () => {
    const r = await autocannon({ url: base.toString(), connections, duration: DURATION, requests, timeout: 30 });
    return { duration: r.duration, latency: r.latency, non2xx: r.non2xx, errors: r.errors, timeouts: r.timeouts, childCpuMs: 0 };
  };
}

/**
 * wrk (`--client wrk`), a child process, with bench/wrk-sessions.lua: the sessions mix from a load
 * generator written in C, as pgbench is. Its answers are read back into the tally afterwards.
 */
function wrkLoad(connections: number, w: World, active: ActiveCase[], t: ReturnType<typeof tracker>): () => Promise<Load> {
  return async () => {
    const dir = mkdtempSync(join(tmpdir(), 'jiefen-wrk-'));
    try {
      writeFileSync(join(dir, 'cases.tsv'), active.map((c) => `${c.id}\t${c.deputy.token}\t${c.deputy.id}\n`).join(''));
      const env = { ...process.env, WRK_CASES: join(dir, 'cases.tsv'), WRK_COURT: w.court.token, WRK_OUT: dir, WRK_PREFIX: t.prefix };
      const argv = ['-t', String(Math.min(connections, 2)), '-c', String(connections), '-d', `${DURATION}s`, '--timeout', '30s', '-s', `${ROOT}bench/wrk-sessions.lua`, base.toString()];
      const { cpuMs } = await execTimed('wrk', argv, env);
      const summary = new Map(
        readFileSync(join(dir, 'summary.txt'), 'utf8')
          .trim()
          .split('\n')
          .map((line) => line.split(' ') as [string, string]),
      );
      const num = (k: string) => Number(summary.get(k));
      const ms = (k: string) => num(k) / 1000;
      for (const f of readdirSync(dir).filter((f) => f.startsWith('answers-'))) {
        for (const line of readFileSync(join(dir, f), 'utf8').split('\n')) {
          if (!line) continue;
          const [status, serverRid, clientRid, body] = line.split('\t');
          t.recordAnswer(Number(status), body ?? '', clientRid, serverRid, clientRid);
        }
      }
      return {
        duration: num('duration_us') / 1e6,
        latency: { mean: ms('mean'), stddev: ms('stdev'), p10: ms('p10'), p25: ms('p25'), p50: ms('p50'), p75: ms('p75'), p90: ms('p90'), p97_5: ms('p97.5'), p99: ms('p99'), p99_9: ms('p99.9'), max: ms('max') },
        non2xx: num('non2xx'),
        errors: num('errors'),
        timeouts: num('timeouts'),
        childCpuMs: cpuMs,
      };
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  };
}

/**
 * Runs a load generator (wrk, pgbench) through sh, whose `times` then says what the generator itself
 * spent: its user + system CPU in ms, from the last line `times` writes ("1m2.500s 0m0.300s").
 */
async function execTimed(command: string, argv: string[], env: NodeJS.ProcessEnv): Promise<{ stdout: string; cpuMs: number }> {
  const { stdout, stderr } = await exec('/bin/sh', ['-c', `${command} "$@"; code=$?; times >&2; exit $code`, 'sh', ...argv], { env, maxBuffer: 16 << 20 });
  const [user, sys] = (stderr.trim().split('\n').at(-1) ?? '').split(/\s+/).map((t) => {
    const m = /^(\d+)m([\d.]+)s$/.exec(t);
    return m ? Number(m[1]) * 60_000 + Number(m[2]) * 1000 : NaN;
  });
  return { stdout, cpuMs: user + sys };
}

async function run(mix: string, connections: number, drive: () => Promise<Load>, t: ReturnType<typeof tracker>, sql: postgres.Sql) {
  const cpuBefore = await cpuNow(sql);
  const clientBefore = process.cpuUsage();
  const machineBefore = machineBusyMs();
  // The journal rows of this run: those the engine recorded from now on (its clock is this machine's).
  const startedAt = new Date();
  const hookedBefore = received();
  const result = await withWaits(`${mix}@${connections}`, 'server', sql, drive);
  const hookedDuring = received() - hookedBefore;
  // A request cut off by the end of the run may still commit: wait for the server to finish it.
  await new Promise((r) => setTimeout(r, 500));
  const hookedAfter = received() - hookedBefore;
  const machine = machineBusyMs() - machineBefore;
  const client = process.cpuUsage(clientBefore);
  const cpu = await cpuSince(sql, cpuBefore);
  const rows = await sql<{ request_id: string | null; n: number }[]>`
    select request_id, count(*)::int as n from case_events where recorded_at >= ${startedAt} group by request_id`;
  const journaled = new Map(rows.map((r) => [r.request_id ?? '(none)', r.n]));
  let missing = 0;
  let duplicated = 0;
  let refusedButWritten = 0;
  let unacknowledged = 0;
  for (const rid of t.tally.acked) {
    const n = journaled.get(rid) ?? 0;
    if (n === 0) missing++;
    if (n > 1) duplicated++;
  }
  for (const [rid, n] of journaled) {
    if (n > 1 && !t.tally.acked.has(rid)) duplicated++;
    if (t.tally.refused.has(rid)) refusedButWritten++;
    else if (!t.tally.acked.has(rid)) unacknowledged += n;
  }
  const ok = t.tally.acked.size;
  const journalRows = rows.reduce((s, r) => s + r.n, 0);
  // Unacknowledged rows are requests in flight when autocannon stopped: at most one per connection
  // (a row of this run under an id no answer named, or under none, counts as one of them).
  const unmatched = t.tally.unmatched;
  const exactlyOnce = missing === 0 && duplicated === 0 && refusedButWritten === 0 && unacknowledged <= connections && unmatched === 0;
  if (args.latency) {
    const l = result.latency;
    const f = (x: number) => String(Math.round(x * 100) / 100);
    log(`${mix}@${connections} latency ms: mean ${f(l.mean)} sd ${f(l.stddev)} p10 ${f(l.p10)} p25 ${f(l.p25)} p50 ${f(l.p50)} p75 ${f(l.p75)} p90 ${f(l.p90)} p97.5 ${f(l.p97_5)} p99 ${f(l.p99)} p99.9 ${f(l.p99_9)} max ${f(l.max)}`);
  }
  const r: RunResult = {
    mix,
    connections,
    eventsPerSec: ok / result.duration,
    p50: result.latency.p50,
    p99: result.latency.p99,
    ok,
    non2xx: result.non2xx + result.errors,
    journal: `${journalRows} rows for ${ok} acked (${unacknowledged} cut off at stop)${missing ? `, ${missing} MISSING` : ''}${duplicated ? `, ${duplicated} DUPLICATED` : ''}${refusedButWritten ? `, ${refusedButWritten} WRITTEN ON REFUSAL` : ''}${unmatched ? `, ${unmatched} ANSWERS NOT MATCHED TO THEIR REQUEST` : ''}`,
    exactlyOnce,
    load: loadavg()[0],
    serverMsPerEvent: cpu.server / Math.max(ok, 1),
    serverSysMsPerEvent: cpu.serverSys / Math.max(ok, 1),
    pgMsPerEvent: cpu.pg / Math.max(ok, 1),
    clientMsPerEvent: ((client.user + client.system) / 1000 + result.childCpuMs) / Math.max(ok, 1),
    machineMsPerEvent: machine / Math.max(ok, 1),
    hookedDuring,
    hookedAfter,
  };
  if (t.tally.refused.size || result.errors) {
    const byStatus = new Map<number, number>();
    for (const s of t.tally.refused.values()) byStatus.set(s, (byStatus.get(s) ?? 0) + 1);
    log(`  ${mix}@${connections}: non-2xx ${[...byStatus].map(([s, n]) => `${s}×${n}`).join(' ')} errors ${result.errors} timeouts ${result.timeouts}`);
    for (const s of t.tally.refusedSamples) log(`    ${s}`);
  }
  return r;
}

// ---------------------------------------------------------------------------------------------
// What the backends wait on (--waits)

/**
 * Runs `fn` while sampling, every 20 ms, the state of the backends serving the run — pgbench's
 * (application_name 'pgbench'), or else the server's (neither pgbench's nor the bench's own,
 * 'jiefen-bench') — then prints each state's share of the samples:
 * "cpu" (active, waiting on nothing), a wait event (LWLock:WALWrite, IO:WALSync, …), or "idle:
 * waiting for its client" (ClientRead between statements).
 */
async function withWaits<T>(label: string, of: 'server' | 'pgbench', sql: postgres.Sql, fn: () => Promise<T>): Promise<T> {
  if (!args.waits) return fn();
  const counts = new Map<string, number>();
  let samples = 0;
  let running = true;
  const [{ lsn: walBefore }] = await sql<{ lsn: string }[]>`select pg_current_wal_lsn()::text as lsn`;
  const sampler = (async () => {
    while (running) {
      const rows = await sql<{ w: string; n: number }[]>`
        select case when state = 'active' and wait_event is null then 'cpu'
                    when state like 'idle%' then 'idle: waiting for its client'
                    else coalesce(wait_event_type || ':' || wait_event, state) end as w, count(*)::int as n
          from pg_stat_activity
         where datname = ${DB_NAME} and backend_type = 'client backend'
           and (application_name = 'pgbench') = ${of === 'pgbench'} and application_name <> 'jiefen-bench'
         group by 1`;
      samples++;
      for (const r of rows) counts.set(r.w, (counts.get(r.w) ?? 0) + r.n);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  })();
  try {
    return await fn();
  } finally {
    running = false;
    await sampler;
    const [{ mb }] = await sql<{ mb: number }[]>`select pg_wal_lsn_diff(pg_current_wal_lsn(), ${walBefore}::pg_lsn)::float8 / 1048576 as mb`;
    log(`${label} WAL written: ${mb.toFixed(1)} MB (the whole cluster's, while it ran)`);
    const total = [...counts.values()].reduce((a, b) => a + b, 0);
    const shares = [...counts].sort((a, b) => b[1] - a[1]).map(([w, n]) => `${w} ${((100 * n) / Math.max(total, 1)).toFixed(0)}%`);
    log(`${label} backends (${(total / Math.max(samples, 1)).toFixed(1)} on average, ${samples} samples): ${shares.join(' · ')}`);
  }
}

// ---------------------------------------------------------------------------------------------
// CPU time: with other work on the machine, events/s moves with it; CPU per event does not.

/** utime + stime of a process, in ms (0 once it is gone); `sys`: stime alone. */
function cpuMs(pid: number, sys = false): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return (((sys ? 0 : Number(fields[11])) + Number(fields[12])) * 1000) / 100; // USER_HZ = 100
  } catch {
    return 0;
  }
}

/** Busy CPU ms of the whole machine since boot (user, nice, system, irq, softirq). */
function machineBusyMs(): number {
  const [, user, nice, system, , , irq, softirq] = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).map(Number);
  return ((user + nice + system + irq + softirq) * 1000) / 100; // USER_HZ = 100
}

/** CPU of the server process and of the PostgreSQL backends serving this database. */
async function cpuNow(sql: postgres.Sql): Promise<{ server: number; serverSys: number; pg: Map<number, number> }> {
  const pids = await sql<{ pid: number }[]>`select pid from pg_stat_activity where datname = ${DB_NAME} and pid <> pg_backend_pid()`;
  return { server: cpuMs(server.child.pid!), serverSys: cpuMs(server.child.pid!, true), pg: new Map(pids.map((p) => [p.pid, cpuMs(p.pid)])) };
}

async function cpuSince(sql: postgres.Sql, before: Awaited<ReturnType<typeof cpuNow>>) {
  const after = await cpuNow(sql);
  let pg = 0;
  for (const [pid, ms] of after.pg) pg += ms - (before.pg.get(pid) ?? 0);
  return { server: after.server - before.server, serverSys: after.serverSys - before.serverSys, pg };
}

// ---------------------------------------------------------------------------------------------
// pgbench

const exec = promisify(execFile);

async function pgbench(
  clients: number,
  vars: Record<string, string>,
): Promise<{ tps: number; latencyMs: number; p50: number; p99: number; failed: string; load: number; machineMsPerTx: number; clientMsPerTx: number }> {
  // Each transaction's latency (-l: one line per transaction, its time in µs third), for the
  // percentiles pgbench itself does not print: the same p50 and p99 as the engine's runs show.
  const logDir = mkdtempSync(join(tmpdir(), 'jiefen-pgbench-'));
  const argv = [
    '-l',
    `--log-prefix=${join(logDir, 'tx')}`,
    '-n',
    '-M',
    'prepared',
    '-c',
    String(clients),
    '-j',
    String(Math.min(clients, 2)),
    '-T',
    String(DURATION),
    '-f',
    `${ROOT}bench/engine-equivalent.sql`,
    ...Object.entries(vars).flatMap(([k, v]) => ['-D', `${k}=${v}`]),
    '-h',
    dbUrl.hostname,
    '-p',
    dbUrl.port || '5432',
    '-U',
    decodeURIComponent(dbUrl.username || 'postgres'),
    DB_NAME,
  ];
  const env = { ...process.env, ...(dbUrl.password ? { PGPASSWORD: decodeURIComponent(dbUrl.password) } : {}) };
  const machineBefore = machineBusyMs();
  // With what pgbench itself (its client threads) spent: the counterpart of the engine's load generator ("client").
  const { stdout, cpuMs } = await execTimed('/usr/bin/pgbench', argv, env);
  const machine = machineBusyMs() - machineBefore;
  const tps = Number(/tps = ([\d.]+)/.exec(stdout)?.[1]);
  const latencyMs = Number(/latency average = ([\d.]+) ms/.exec(stdout)?.[1]);
  const failed = /number of failed transactions: (\d+)/.exec(stdout)?.[1] ?? '0';
  const transactions = Number(/number of transactions actually processed: (\d+)/.exec(stdout)?.[1]);
  const latencies: number[] = [];
  for (const f of readdirSync(logDir)) {
    for (const line of readFileSync(join(logDir, f), 'utf8').split('\n')) {
      const us = Number(line.split(' ')[2]);
      if (line && Number.isFinite(us)) latencies.push(us / 1000);
    }
  }
  rmSync(logDir, { recursive: true, force: true });
  latencies.sort((a, b) => a - b);
  const at = (q: number) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? NaN;
  if (args.latency) {
    const mean = latencies.reduce((s, x) => s + x, 0) / Math.max(latencies.length, 1);
    const q = (x: number) => at(x).toFixed(1);
    log(`pgbench@${clients} latency ms: mean ${mean.toFixed(2)} p10 ${q(0.1)} p25 ${q(0.25)} p50 ${q(0.5)} p75 ${q(0.75)} p90 ${q(0.9)} p97.5 ${q(0.975)} p99 ${q(0.99)} p99.9 ${q(0.999)} max ${q(1)}`);
  }
  return { tps, latencyMs, p50: at(0.5), p99: at(0.99), failed, load: loadavg()[0], machineMsPerTx: machine / Math.max(transactions, 1), clientMsPerTx: cpuMs / Math.max(transactions, 1) };
}

/** pgbench works on cases of its own (the engine's stay replayable), a disjoint slice per client. */
async function preparePgbench(sql: postgres.Sql, pgCases: ActiveCase[], w: World) {
  await sql`create table bench_cases (n int primary key, id uuid not null, deputy_user uuid not null)`;
  await sql`insert into bench_cases ${sql(pgCases.map((c, i) => ({ n: i, id: c.id, deputy_user: c.deputy.userId })))}`;
  return { per: String(Math.floor(pgCases.length / Math.max(...CONNECTIONS))), uid: w.court.id };
}

// ---------------------------------------------------------------------------------------------

const fmt = (n: number, d = 0) => n.toFixed(d).padStart(8);

async function main() {
  await recreateDatabase();
  const nodeFlags = [...(args.profile ? ['--cpu-prof', `--cpu-prof-dir=${args.profile}`] : []), ...args['node-flags'].split(' ').filter(Boolean)];
  server = await startServer({ DATABASE_URL, ADMIN_TOKEN }, 60_000, nodeFlags);
  base = new URL(server.url);
  // Named, so that --waits leaves the bench's own connections out.
  const sql = postgres(DATABASE_URL, { max: 2, onnotice: () => {}, connection: { application_name: 'jiefen-bench' } });
  try {
    const started = performance.now();
    const w = await buildWorld();
    let receiver: Awaited<ReturnType<typeof startReceiver>> | undefined;

    const active = await openActiveCases(w, N_CASES);
    const pgCases = MIXES.has('pgbench') ? await openActiveCases(w, N_CASES) : [];
    log(`setup: ${w.stations.length} stations, ${w.deputies.length} deputies, ${active.length + pgCases.length} cases in mediation.active in ${((performance.now() - started) / 1000).toFixed(1)} s`);
    const pgVars = MIXES.has('pgbench') ? await preparePgbench(sql, pgCases, w) : null;
    // Registered after the setup: the load's events are the ones delivered, not the setup's backlog.
    if (args.webhook) {
      receiver = await startReceiver(args.receiver);
      await api(ADMIN_TOKEN, 'POST', '/api/webhooks', { url: `http://127.0.0.1:${receiver.port}/hook`, events: ['*'] });
      log(`notifications on: a webhook for every event type, on a local receiver answering 204 (${args.receiver === 'inline' ? 'node:http on the load generator\'s thread' : args.receiver === 'node-http' ? 'node:http on a thread of its own' : 'node:net on a thread of its own'})`);
    }

    const results: RunResult[] = [];
    const pg = new Map<number, Awaited<ReturnType<typeof pgbench>>>();
    for (const c of CONNECTIONS) {
      if (MIXES.has('sessions')) {
        const prefix = `bench-s${c}-${randomBytes(3).toString('hex')}`;
        const t = tracker(prefix);
        const drive = args.client === 'wrk' ? wrkLoad(c, w, active, t) : autocannonLoad(c, sessionsRequests(w, active, t));
        results.push(await run('sessions', c, drive, t, sql));
      }
      if (MIXES.has('lifecycle')) {
        const prefix = `bench-l${c}-${randomBytes(3).toString('hex')}`;
        const t = tracker(prefix);
        results.push(await run('lifecycle', c, autocannonLoad(c, lifecycleRequests(w, t)), t, sql));
      }
      if (pgVars) pg.set(c, await withWaits(`pgbench@${c}`, 'pgbench', sql, () => pgbench(c, pgVars)));
    }

    log('');
    log(`duration ${DURATION} s per run; events/s = acknowledged 2xx / s; latency in ms`);
    log('cpu ms/event: server process (of it kernel), PostgreSQL backends, load generator, whole machine');
    log('mix        conns  events/s   p50 ms   p99 ms   non-2xx  load  cpu: server (sys)    pg client machine  exactly-once  journal');
    for (const r of results) {
      log(
        `${r.mix.padEnd(10)} ${String(r.connections).padStart(5)} ${fmt(r.eventsPerSec, 0)} ${fmt(r.p50, 1)} ${fmt(r.p99, 1)} ${String(r.non2xx).padStart(9)} ${r.load.toFixed(1).padStart(5)}  ${r.serverMsPerEvent.toFixed(2).padStart(13)} (${r.serverSysMsPerEvent.toFixed(2)}) ${r.pgMsPerEvent.toFixed(2).padStart(5)} ${r.clientMsPerEvent.toFixed(2).padStart(6)} ${r.machineMsPerEvent.toFixed(2).padStart(7)}  ${(r.exactlyOnce ? 'yes' : 'NO').padEnd(12)}  ${r.journal}`,
      );
    }
    if (pg.size) {
      log('');
      log('pgbench bench/engine-equivalent.sql (-M prepared): the same statements per event without the application');
      log('conns   pgbench tps  avg ms  p50 ms  p99 ms  failed   load  machine cpu ms/tx (pgbench)   sessions events/s  ratio');
      for (const [c, p] of pg) {
        const s = results.find((r) => r.mix === 'sessions' && r.connections === c);
        log(
          `${String(c).padStart(5)} ${fmt(p.tps, 0)}     ${fmt(p.latencyMs, 2)}${fmt(p.p50, 1)}${fmt(p.p99, 1)} ${p.failed.padStart(6)}  ${p.load.toFixed(1).padStart(5)}  ${p.machineMsPerTx.toFixed(2).padStart(17)} (${p.clientMsPerTx.toFixed(2)})   ${s ? fmt(s.eventsPerSec, 0) : '       -'}           ${s ? (s.eventsPerSec / p.tps).toFixed(2) : '-'}`,
        );
      }
    }
    if (receiver) {
      log('');
      for (const r of results) {
        log(
          `webhook receiver, ${r.mix}@${r.connections}: ${r.hookedDuring} deliveries while the load ran for ${r.ok} acknowledged events (${((100 * r.hookedDuring) / Math.max(r.ok, 1)).toFixed(1)}%), ${r.hookedAfter} by 0.5 s after it`,
        );
      }
      log(`webhook receiver: ${received()} deliveries in all`);
      await receiver.close();
    }
    const bad = results.filter((r) => !r.exactlyOnce || (r.mix === 'sessions' && r.non2xx > 0));
    if (bad.length) {
      log(`\nFAILED: ${bad.map((r) => `${r.mix}@${r.connections}`).join(', ')} (non-2xx in the sessions mix, or a journal that does not match the acknowledged events)`);
      process.exitCode = 1;
    }
  } finally {
    await sql.end();
    await server.stop();
    if (args['server-log']) writeFileSync(args['server-log'], server.output());
    if (!args.keep) await dropDatabase();
  }
}

await main();
