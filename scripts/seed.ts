/**
 * `npm run seed -- --cases 1000000`: a realistic population for demos and for the report benchmark.
 *
 * Harbin's liaison stations (the court studios of 呼兰, 双城, 通河, 方正; street and town stations of
 * 道里, 道外, 南岗 燎原街道, 平房, 阿城, 尚志, 五常, 宾县, 巴彦, 木兰, 依兰, 延寿), their deputies and
 * staff, cases in every state and outcome, station activities and supervision items.
 *
 * How each kind of row is written, and why:
 * - stations, deputies, users: through the engine's directory verbs (createStation, …).
 * - cases: every case is driven through the real case machine (`initialTransition` / `transition`)
 *   event by event, from a simulated life — opened over the last three years, screened, mediated
 *   with deputies, agreed, confirmed, performed or defaulted, enforced, concluded — so its `state`,
 *   `snapshot`, query columns and `version` are exactly what the engine would have written, and its
 *   journal (CREATE and every event after it, with the right actor) replays to the stored snapshot:
 *   `npm run verify` passes. Statutory clocks are simulated the way the sweeper runs them: whenever
 *   a deadline with an event falls before the next planned event it fires first, at its due time,
 *   as the system actor, and leaves a fired row in `deadlines`; open cases keep their open
 *   deadline rows, all in the future. Nothing is in the future of the seed's start.
 *   The rows go in by COPY (postgres.js `.writable()`), one stream per table, with secondary indexes
 *   dropped and rebuilt after a large load and foreign-key triggers off for the load
 *   (session_replication_role = replica: the generator is what guarantees the references). Going
 *   through applyEvent instead would cost ~6 transactions per case — hours for a million.
 * - station activities: multi-row inserts.
 * - supervision items (one per ~1000 cases, at least 30): through the engine itself (createEntity,
 *   applyEvent, the deadline fired as the sweeper fires it), since they are few.
 *
 * Deterministic: the same `--seed` gives the same population (ids included). Appends to what is
 * there; `--reset` drops and recreates the database first. DATABASE_URL defaults to the local
 * server's `jiefen_bench`, created when missing. The case rows of one run are committed per table,
 * at the end of their COPY: a run that dies midway may leave a table loaded without the others —
 * rerun with --reset.
 */
import { once } from 'node:events';
import { availableParallelism } from 'node:os';
import { pathToFileURL } from 'node:url';
import { isMainThread, Worker } from 'node:worker_threads';
import { parseArgs } from 'node:util';
import postgres from 'postgres';
import { createActor, type AnyMachineSnapshot, type EventObject } from 'xstate';
import { openDatabase, rowsOf, type Db } from '../src/db/client.js';
import { stationActivities, deadlines as deadlinesTable } from '../src/db/schema.js';
import { createEntity, applyEvent } from '../src/engine/apply.js';
import { createDeputy, createStation, createUser } from '../src/engine/directory.js';
import { rebuildClosedCaseTotals } from '../src/engine/report-summary.js';
import { caseStore, supervisionStore } from '../src/engine/stores.js';
import { SYSTEM_ACTOR } from '../src/engine/sweeper.js';
import { canonical } from '../src/engine/write/idempotency.js';
import { journalColumns, journalRow } from '../src/engine/write/journal.js';
import { persist } from '../src/engine/write/snapshots.js';
import { readEnv } from '../src/env.js';
import { shanghaiDate } from '../src/machines/calendar.js';
import { caseEventSchemas, caseMachine, performanceDueAt, CASE_MACHINE_VERSION, type CaseContext } from '../src/machines/case.js';
import { caseDeadlines, DEADLINE_KINDS } from '../src/machines/case-spec.js';
import { fenToYuan } from '../src/machines/money.js';
import type { Actor } from '../src/machines/roles.js';
import { statePath } from '../src/machines/spec.js';
import { and, eq, isNull, sql } from 'drizzle-orm';

const DAY = 86_400_000;
const ADMIN: Actor = { id: '00000000-0000-4000-8000-00000000a000', role: 'admin', name: '种子数据' };

// ---------------------------------------------------------------------------------------------
// The directory: Harbin (哈尔滨) districts and stations

/** [code, name, kind, district, weight of cases] */
export const STATIONS: [string, string, 'court' | 'street' | 'town' | 'village', string, number][] = [
  ['HL01', '呼兰区人民法院人大代表联络站', 'court', '呼兰区', 9],
  ['HL02', '呼兰区兰河街道人大代表联络站', 'street', '呼兰区', 3],
  ['HL03', '呼兰区康金街道人大代表联络站', 'street', '呼兰区', 2],
  ['SC01', '双城区人民法院人大代表联络站', 'court', '双城区', 8],
  ['SC02', '双城区承旭街道人大代表联络站', 'street', '双城区', 2],
  ['TH01', '通河县人民法院人大代表联络站', 'court', '通河县', 4],
  ['FZ01', '方正县人民法院人大代表联络站', 'court', '方正县', 4],
  ['FZ02', '方正县会发镇人大代表联络站', 'town', '方正县', 1],
  ['NG01', '南岗区燎原街道人大代表联络站', 'street', '南岗区', 6],
  ['NG02', '南岗区花园街道人大代表联络站', 'street', '南岗区', 4],
  ['DL01', '道里区新阳路街道人大代表联络站', 'street', '道里区', 4],
  ['DL02', '道里区群力街道人大代表联络站', 'street', '道里区', 5],
  ['DL03', '道里区安静街道人大代表联络站', 'street', '道里区', 3],
  ['DL04', '道里区工农街道人大代表联络站', 'street', '道里区', 3],
  ['DL05', '道里区新发镇人大代表联络站', 'town', '道里区', 1],
  ['DW01', '道外区靖宇街道人大代表联络站', 'street', '道外区', 4],
  ['DW02', '道外区太古街道人大代表联络站', 'street', '道外区', 3],
  ['DW03', '道外区团结镇人大代表联络站', 'town', '道外区', 2],
  ['PF01', '平房区友协街道人大代表联络站', 'street', '平房区', 3],
  ['PF02', '平房区平房镇人大代表联络站', 'town', '平房区', 1],
  ['AC01', '阿城区金城街道人大代表联络站', 'street', '阿城区', 3],
  ['AC02', '阿城区玉泉街道人大代表联络站', 'street', '阿城区', 2],
  ['SZ01', '尚志市尚志镇人大代表联络站', 'town', '尚志市', 3],
  ['SZ02', '尚志市亚布力镇人大代表联络站', 'town', '尚志市', 1],
  ['SZ03', '尚志市一面坡镇长寿村代表之家', 'village', '尚志市', 1],
  ['WC01', '五常市山河镇人大代表联络站', 'town', '五常市', 3],
  ['WC02', '五常市拉林满族镇人大代表联络站', 'town', '五常市', 2],
  ['BX01', '宾县宾州镇人大代表联络站', 'town', '宾县', 3],
  ['BX02', '宾县宾西镇人大代表联络站', 'town', '宾县', 2],
  ['BY01', '巴彦县巴彦镇人大代表联络站', 'town', '巴彦县', 2],
  ['ML01', '木兰县木兰镇人大代表联络站', 'town', '木兰县', 2],
  ['YL01', '依兰县依兰镇人大代表联络站', 'town', '依兰县', 2],
  ['YS01', '延寿县延寿镇人大代表联络站', 'town', '延寿县', 1],
  ['TH02', '通河县通河镇人大代表联络站', 'town', '通河县', 1],
];

const DISPUTE_TYPES: [string, number][] = [
  ['民间借贷', 22],
  ['婚姻家庭', 12],
  ['买卖合同', 10],
  ['物业服务合同', 9],
  ['追索劳动报酬', 8],
  ['相邻关系', 6],
  ['机动车交通事故', 6],
  ['房屋租赁合同', 5],
  ['继承纠纷', 5],
  ['土地承包经营权', 4],
  ['人身损害赔偿', 4],
  ['建设工程施工合同', 3],
  ['农资买卖', 3],
  ['劳动争议', 3],
];

const SURNAMES = '王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕苏卢蒋蔡贾丁魏薛叶阎余潘杜戴夏钟汪田任姜范方石姚谭廖邹熊金陆郝孔白崔康毛邱秦江史顾侯邵孟龙万段雷钱汤尹黎易常武乔贺赖龚文';
const GIVEN = '伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰红梅鹏辉宇浩凯健俊帆帅旭宁婷雪琳晶颖倩慧佳琦欣怡子涵志国建军海燕春生立新德福永胜凤霞淑珍';
const SURNAME_CHARS = [...SURNAMES];
const GIVEN_CHARS = [...GIVEN];
const EXPERTISE = ['民间借贷', '婚姻家庭', '劳动争议', '物业管理', '土地承包', '交通事故', '建设工程', '农业农村', '企业经营', '法律服务'];

// ---------------------------------------------------------------------------------------------
// Deterministic randomness

/**
 * sfc32: 128 bits of state, so the streams of different chunks (seeded by splitmix32 from the
 * seed and the chunk's index) never run into each other the way offsets on one 32-bit cycle do.
 */
export class Rng {
  private a: number;
  private b: number;
  private c: number;
  private d: number;
  constructor(seed: number, stream = 0) {
    let x = (seed ^ Math.imul(stream + 1, 0x9e3779b9)) >>> 0;
    const mix = () => {
      x = (x + 0x9e3779b9) >>> 0;
      let z = x;
      z = Math.imul(z ^ (z >>> 16), 0x21f0aaad);
      z = Math.imul(z ^ (z >>> 15), 0x735a2d97);
      return (z ^ (z >>> 15)) >>> 0;
    };
    this.a = mix();
    this.b = mix();
    this.c = mix();
    this.d = mix() ^ stream;
    for (let i = 0; i < 12; i++) this.next();
  }
  next(): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0;
    this.d = (this.d + 1) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) | 0;
    return (t >>> 0) / 4294967296;
  }
  int(lo: number, hi: number): number {
    return lo + Math.floor(this.next() * (hi - lo + 1));
  }
  between(lo: number, hi: number): number {
    return lo + this.next() * (hi - lo);
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
  pick<T>(xs: readonly T[]): T {
    return xs[Math.floor(this.next() * xs.length)];
  }
  weighted<T>(xs: readonly [T, number][]): T {
    const total = xs.reduce((a, x) => a + x[1], 0);
    let r = this.next() * total;
    for (const [x, w] of xs) if ((r -= w) < 0) return x;
    return xs[xs.length - 1][0];
  }
  uuid(): string {
    const h = (n: number) => Math.floor(this.next() * 16 ** n).toString(16).padStart(n, '0');
    return `${h(8)}-${h(4)}-4${h(3)}-${'89ab'[this.int(0, 3)]}${h(3)}-${h(6)}${h(6)}`;
  }
  name(): string {
    return this.pick(SURNAME_CHARS) + this.pick(GIVEN_CHARS) + (this.chance(0.6) ? this.pick(GIVEN_CHARS) : '');
  }
}

// ---------------------------------------------------------------------------------------------
// COPY text format

const SPECIAL = /[\\\t\n\r]/;
const escapeText = (s: string) => s.replace(/[\\\t\n\r]/g, (c) => (c === '\\' ? '\\\\' : c === '\t' ? '\\t' : c === '\n' ? '\\n' : '\\r'));
/**
 * One field in COPY's text format. Most fields need no escaping, and JSON text never holds a raw
 * tab or line break (JSON.stringify escapes them), only backslashes: each case is checked by the
 * cheapest test that decides it.
 */
function copyField(v: unknown): string {
  if (v === null || v === undefined) return '\\N';
  if (typeof v === 'string') return SPECIAL.test(v) ? escapeText(v) : v;
  if (typeof v !== 'object') return String(v);
  const json = JSON.stringify(v);
  return json.includes('\\') ? json.replaceAll('\\', '\\\\') : json;
}
const copyLine = (fields: unknown[]) => `${fields.map(copyField).join('\t')}\n`;
const textArray = (xs: string[]) => `{${xs.map((x) => `"${x}"`).join(',')}}`;

// ---------------------------------------------------------------------------------------------
// One case's life

export interface World {
  now: number;
  stations: { code: string; weight: number; deputyIds: string[]; staff: Actor }[];
  court: Actor;
  deputyActors: Map<string, Actor>;
}

interface Journal {
  type: string;
  payload: Record<string, unknown>;
  from: string | null;
  to: string;
  actor: Actor;
  occurredAt: string;
  /** `occurredAt` in epoch milliseconds. */
  at: number;
}

/** What this case is going to do; chosen as it enters each stage. */
interface Intent {
  mediation?: 'agree' | 'fail' | 'withdraw' | 'expire';
  sessions?: number;
  pause?: boolean;
  extend?: boolean;
  recuse?: boolean;
  confirm?: boolean;
  denied?: boolean;
  perform?: 'pay' | 'partial' | 'report' | 'overdue';
  afterDefault?: 'enforce' | 'lawsuit' | 'pay' | 'stay';
  enforcementPlan?: { type: string; payload: Record<string, unknown>; at: number }[];
}

interface Planned {
  type: string;
  payload: Record<string, unknown>;
  at: number;
  actor: Actor;
}

const TWO = Array.from({ length: 100 }, (_, i) => String(i).padStart(2, '0'));
const THREE = Array.from({ length: 1000 }, (_, i) => String(i).padStart(3, '0'));
const dayPrefixes = new Map<number, string>();
/**
 * `new Date(instant).toISOString()`, the same text, for years 1970–9999: the date part is made once
 * per day, the time from tables. A seeded case writes some 40 instants; toISOString was 8% of
 * building one. Not calendar.ts `isoAt` (the engine's, which keeps no cache): over the instants a
 * seed writes, this takes ~85 ns and isoAt ~185 ns (toISOString ~540), December 2026.
 */
export function iso(instant: number): string {
  if (!(instant >= 0 && instant < 253_402_300_800_000)) return new Date(instant).toISOString();
  const ms = Math.floor(instant); // as Date does (TimeClip truncates; the same for positive numbers)
  const day = Math.floor(ms / DAY);
  let prefix = dayPrefixes.get(day);
  if (prefix === undefined) dayPrefixes.set(day, (prefix = new Date(day * DAY).toISOString().slice(0, 11)));
  let r = ms - day * DAY;
  const h = Math.floor(r / 3_600_000);
  r -= h * 3_600_000;
  const m = Math.floor(r / 60_000);
  r -= m * 60_000;
  const sec = Math.floor(r / 1000);
  return `${prefix}${TWO[h]}:${TWO[m]}:${TWO[sec]}.${THREE[r - sec * 1000]}Z`;
}
const yuan = (fen: number) => fenToYuan(fen);

export interface SeededCase {
  id: string;
  stationCode: string;
  openedAt: number;
  snapshot: AnyMachineSnapshot;
  input: Record<string, unknown>;
  journal: Journal[];
  fired: { kind: string; dueAt: string; firedAt: string }[];
  creator: Actor;
}

/**
 * The case machine's transitions, as src/engine/transition.ts makes them, in one inert actor
 * scope for the whole run. xstate's `transition()` / `initialTransition()` build a throwaway actor
 * (an actor system and an initial snapshot) for every call, which was most of a seeded event's
 * cost; the machine is pure (only `assign` actions, no children: see that file), so one scope
 * whose executor runs nothing gives the same snapshots. `npm run verify` replays every seeded
 * journal through the engine's own functions and compares.
 */
const machine = (() => {
  let scope: Parameters<typeof caseMachine.transition>[2] | null = null;
  const scopeOf = (input: unknown) => {
    if (scope) return scope;
    const self = createActor(caseMachine, { input } as never);
    const noop = () => {};
    scope = { self, defer: noop, id: '', logger: noop, sessionId: '', stopChild: noop, system: self.system, emit: noop, actionExecutor: noop } as never;
    return scope!;
  };
  return {
    first(input: Record<string, unknown>): AnyMachineSnapshot {
      const snapshot = caseMachine.getInitialSnapshot(scopeOf(input), input as never) as AnyMachineSnapshot;
      // As firstSnapshot does: a plain copy of the initial context keeps every later assign fast.
      (snapshot as { context: unknown }).context = { ...snapshot.context };
      return snapshot;
    },
    next(snapshot: AnyMachineSnapshot, event: EventObject): AnyMachineSnapshot {
      return caseMachine.transition(snapshot as never, event as never, scopeOf(null)) as AnyMachineSnapshot;
    },
  };
})();

const stationWeights = new WeakMap<World, [World['stations'][number], number][]>();

/** Simulates one case from its opening to `world.now` through the real machine. */
export function simulateCase(rng: Rng, world: World, opts: { check: boolean }): SeededCase {
  let weighted = stationWeights.get(world);
  if (!weighted) stationWeights.set(world, (weighted = world.stations.map((s) => [s, s.weight])));
  const station = rng.weighted(weighted);
  const span = 3 * 365 * DAY;
  // Slightly more cases in recent years: the studios grew.
  const openedAt = Math.floor(world.now - span * (1 - Math.sqrt(rng.next())) - rng.between(0.02, 1) * DAY);
  const disputeType = rng.weighted(DISPUTE_TYPES);
  const isCourt = station.code.endsWith('01') && ['HL', 'SC', 'TH', 'FZ'].includes(station.code.slice(0, 2));
  const source = rng.weighted<string>(
    isCourt
      ? [['court_referral', 70], ['enforcement_referral', 8], ['walk_in', 12], ['hotline', 5], ['qr_code', 3], ['home_visit', 2]]
      : [['walk_in', 40], ['qr_code', 20], ['hotline', 20], ['home_visit', 12], ['court_referral', 6], ['enforcement_referral', 2]],
  );
  const stationSource = ['walk_in', 'qr_code', 'hotline', 'home_visit'].includes(source);
  const creator = stationSource && rng.chance(0.8) ? station.staff : world.court;
  const claimFen = rng.chance(0.9) ? rng.int(5, 3000) * 10_000 + (rng.chance(0.2) ? rng.int(1, 9999) : 0) : null;
  const party = (role: string) => {
    const p: Record<string, unknown> = { role, name: rng.name() };
    if (rng.chance(0.85)) {
      const birth = new Date(Date.UTC(rng.int(1950, 2003), rng.int(0, 11), rng.int(1, 28))).toISOString().slice(0, 10).replace(/-/g, '');
      p.idNumber = `2301${rng.pick(['02', '03', '04', '08', '09', '10', '11', '12', '13'])}${birth}${rng.int(100, 999)}${rng.pick(['0', '1', '2', '3', '4', '5', '6', '7', '8', '9', 'X'])}`;
    }
    if (rng.chance(0.9)) p.phone = `1${rng.pick(['3', '5', '7', '8', '9'])}${rng.int(0, 9)}${String(rng.int(0, 99_999_999)).padStart(8, '0')}`;
    return p;
  };
  const parties = [party('applicant'), party('respondent')];
  if (rng.chance(0.1)) parties.push(party('respondent'));

  const input: Record<string, unknown> = {};
  if (source === 'enforcement_referral') {
    const owed = rng.int(3, 2000) * 10_000;
    Object.assign(input, {
      procedure: 'ordinary',
      source,
      stationCode: station.code,
      disputeType,
      summary: `${disputeType}案件生效法律文书确定的给付义务未履行，申请执行人请求联络站协助跟进执行`,
      ...(claimFen !== null ? { claimAmount: yuan(claimFen) } : {}),
      enforceableDocument: `（${shanghaiDate(iso(openedAt)).slice(0, 4)}）黑01${rng.int(10, 99)}民初${rng.int(100, 9999)}号民事判决书`,
      owedAmount: yuan(owed),
      parties,
    });
  } else {
    const track = source === 'court_referral' && rng.chance(0.35) ? 'post_filing' : 'pre_filing';
    Object.assign(input, {
      track,
      procedure: track === 'post_filing' && rng.chance(0.4) ? 'simple' : 'ordinary',
      source,
      stationCode: station.code,
      disputeType,
      summary: `${disputeType}纠纷：${rng.pick(['双方协商未果', '当事人来站求助', '社区网格员上报', '热线转办', '法院委派调解'])}，请求调解`,
      ...(claimFen !== null ? { claimAmount: yuan(claimFen) } : {}),
      parties,
    });
  }
  if (opts.check) {
    const parsed = caseStore.parseCreate({ ...input, occurredAt: iso(openedAt) });
    if (!parsed.success) throw new Error(`seed: invalid case input ${JSON.stringify(parsed.error.issues)}`);
    const { occurredAt: _o, ...again } = parsed.data as Record<string, unknown>;
    if (canonical(again) !== canonical(input)) throw new Error(`seed: case input is not in its parsed form:\n${canonical(again)}\n${canonical(input)}`);
  }

  const openedIso = iso(openedAt);
  let snapshot = machine.first({ ...input, occurredAt: openedIso });
  const journal: Journal[] = [
    { type: 'CREATE', payload: input, from: null, to: statePath(snapshot.value), actor: creator, occurredAt: openedIso, at: openedAt },
  ];
  const fired: SeededCase['fired'] = [];
  const intent: Intent = {};
  let t = openedAt;
  const ctx = () => snapshot.context as CaseContext;
  const deputyOrCourt = () => {
    const ids = ctx().deputyIds;
    return ids.length && rng.chance(0.4) ? world.deputyActors.get(rng.pick(ids)) ?? world.court : world.court;
  };
  const after = (lo: number, hi: number) => t + Math.floor(rng.between(lo, hi) * DAY);

  const apply = (type: string, payload: Record<string, unknown>, at: number, actor: Actor) => {
    const occurredAt = iso(at);
    const event = { type, ...payload, occurredAt };
    if (opts.check) {
      const parsed = caseEventSchemas[type as keyof typeof caseEventSchemas].safeParse({ ...payload, occurredAt });
      if (!parsed.success) throw new Error(`seed: invalid ${type} payload ${JSON.stringify(parsed.error.issues)}`);
      const { occurredAt: _o, ...again } = parsed.data as Record<string, unknown>;
      if (canonical(again) !== canonical(payload)) throw new Error(`seed: ${type} payload is not in its parsed form`);
    }
    const from = statePath(snapshot.value);
    const next = machine.next(snapshot, event);
    if (next === snapshot) throw new Error(`seed: the machine refused ${type} in ${from} (${canonical(payload)})`);
    snapshot = next;
    journal.push({ type, payload, from, to: statePath(next.value), actor, occurredAt, at });
    t = at;
  };

  const plan = (): Planned | null => {
    const c = ctx();
    const state = statePath(snapshot.value);
    switch (state) {
      case 'intake.screening': {
        const r = rng.next();
        if (r < 0.86) return { type: 'ACCEPT', payload: {}, at: after(0.05, 4), actor: world.court };
        if (r < 0.93) return { type: 'RETURN', payload: { reason: rng.pick(['out_of_scope', 'no_jurisdiction', 'unsuitable']), note: '经审查不宜调解' }, at: after(0.5, 5), actor: world.court };
        return { type: 'WITHDRAW', payload: { note: '申请人撤回调解申请' }, at: after(0.5, 6), actor: creator };
      }
      case 'mediation.assigning': {
        if (rng.chance(0.02)) return { type: 'WITHDRAW', payload: { note: '当事人自行和解' }, at: after(0.5, 5), actor: world.court };
        const pool = station.deputyIds;
        const k = Math.min(pool.length, rng.weighted([[1, 55], [2, 35], [3, 10]]));
        const ids = [...pool].sort(() => rng.next() - 0.5).slice(0, k);
        const payload: Record<string, unknown> = { deputyIds: ids };
        if (rng.chance(0.8)) payload.mediatorName = `${rng.name()}（特邀调解员）`;
        return { type: 'ASSIGN', payload, at: after(0.1, 3), actor: world.court };
      }
      case 'mediation.active': {
        if (!intent.mediation) {
          intent.mediation = rng.weighted([['agree', 64], ['fail', 20], ['withdraw', 5], ['expire', 11]]);
          intent.sessions = rng.weighted([[0, 10], [1, 50], [2, 30], [3, 10]]);
          intent.pause = rng.chance(0.05);
          intent.extend = c.track === 'pre_filing' && rng.chance(0.05);
          intent.recuse = rng.chance(0.03);
        }
        const dueIn = (Date.parse(c.mediationDueAt!) - t) / DAY;
        const step = () => after(0.05, Math.max(0.1, Math.min(3, dueIn / 4)));
        if (intent.recuse && c.deputyIds.length > 1) {
          intent.recuse = false;
          const d = rng.pick(c.deputyIds);
          return { type: 'RECUSE', payload: { deputyId: d, reason: '与当事人存在利害关系' }, at: step(), actor: world.deputyActors.get(d) ?? world.court };
        }
        if (intent.pause) {
          intent.pause = false;
          return { type: 'PAUSE', payload: { reason: rng.pick(['伤残等级鉴定', '房屋质量鉴定', '笔迹鉴定']) }, at: step(), actor: world.court };
        }
        if (intent.extend) {
          intent.extend = false;
          return { type: 'EXTEND', payload: { days: rng.pick([10, 15, 30]), partiesConsent: true }, at: step(), actor: world.court };
        }
        if (c.sessionsHeld < (intent.sessions ?? 0)) {
          if (!c.nextSession) {
            const at = step();
            const when = at + Math.floor(rng.between(0.5, 2) * DAY);
            return { type: 'SCHEDULE_SESSION', payload: { at: iso(when), location: `${station.code}调解室` }, at, actor: deputyOrCourt() };
          }
          const heldAt = Math.max(t, Date.parse(c.nextSession.at));
          const attendees = c.deputyIds.filter(() => rng.chance(0.85));
          return {
            type: 'RECORD_SESSION',
            payload: { heldAt: iso(heldAt), attendeeDeputyIds: attendees, minutes: '双方陈述意见，代表释法说理，促成双方协商' },
            at: heldAt + Math.floor(rng.between(0.05, 0.3) * DAY),
            actor: deputyOrCourt(),
          };
        }
        switch (intent.mediation) {
          case 'agree': {
            const claim = c.claimFen ?? rng.int(1, 500) * 10_000;
            const amountFen = Math.max(10_000, Math.round((claim * rng.between(0.4, 1)) / 10_000) * 10_000);
            const at = step();
            const due = shanghaiDate(iso(at + rng.int(7, 90) * DAY));
            const payload: Record<string, unknown> = { terms: `被申请人于${due}前给付申请人${yuan(amountFen)}元`, amount: yuan(amountFen), dueDate: due };
            if (rng.chance(0.1)) {
              const n = rng.int(2, 3);
              const part = Math.floor(amountFen / n / 100) * 100;
              const days = (Date.parse(`${due}T00:00:00Z`) - Date.parse(`${shanghaiDate(iso(at))}T00:00:00Z`)) / DAY;
              payload.installments = Array.from({ length: n }, (_, i) => ({
                dueDate: shanghaiDate(iso(Date.parse(`${due}T00:00:00Z`) - Math.floor(((n - 1 - i) * days) / n) * DAY)),
                amount: yuan(i === n - 1 ? amountFen - part * (n - 1) : part),
              }));
            }
            return { type: 'REACH_AGREEMENT', payload, at, actor: deputyOrCourt() };
          }
          case 'fail':
            return { type: 'FAIL', payload: { reason: rng.pick(['no_contact', 'refused', 'gap_too_wide', 'refused_to_sign', 'other']), note: '调解不成，告知当事人诉讼权利' }, at: step(), actor: deputyOrCourt() };
          case 'withdraw':
            return { type: 'WITHDRAW', payload: { note: '当事人撤回' }, at: step(), actor: world.court };
          default:
            return null; // the mediation clock runs out (MEDIATION_EXPIRED)
        }
      }
      case 'mediation.paused':
        return { type: 'RESUME', payload: { note: '鉴定意见已出具' }, at: after(3, 25), actor: world.court };
      case 'agreement.performing': {
        if (!intent.perform) {
          intent.perform = rng.weighted([['pay', 66], ['partial', 9], ['report', 9], ['overdue', 16]]);
          intent.confirm = c.track === 'pre_filing' && rng.chance(0.4);
        }
        const due = Date.parse(performanceDueAt(c)!);
        if (intent.confirm && !c.enforceable && !c.confirmationAppliedAt) {
          intent.confirm = false;
          return { type: 'APPLY_CONFIRMATION', payload: {}, at: after(0.5, Math.min(10, Math.max(1, (due - t) / DAY / 2))), actor: world.court };
        }
        const before = () => t + Math.floor(rng.between(0.1, 0.9) * Math.max(DAY / 10, due - t));
        const remaining = c.agreement!.amountFen - c.paidFen;
        switch (intent.perform) {
          case 'pay': {
            const next = c.agreement!.installments ? Math.min(remaining, nextInstallment(c)) : rng.chance(0.25) && c.paidFen === 0 ? Math.max(100, Math.floor(remaining / 2 / 100) * 100) : remaining;
            return { type: 'RECORD_PERFORMANCE', payload: { amount: yuan(next) }, at: before(), actor: deputyOrCourt() };
          }
          case 'partial':
            if (c.paidFen === 0 && remaining > 200) {
              return { type: 'RECORD_PERFORMANCE', payload: { amount: yuan(Math.floor(remaining / 3 / 100) * 100 || 100) }, at: before(), actor: world.court };
            }
            return null;
          case 'report': {
            // 报告未履行 is refused until something is due (the due day itself counts): report on that day.
            const dayStart = Math.max(t + 1, due - DAY);
            return { type: 'REPORT_DEFAULT', payload: { note: '被申请人明确表示无力履行' }, at: dayStart + Math.floor(rng.between(0.1, 0.9) * (due - dayStart)), actor: deputyOrCourt() };
          }
          default:
            return null; // PERFORMANCE_OVERDUE at the due date
        }
      }
      case 'agreement.confirming':
        if (!intent.denied && rng.chance(0.07)) {
          intent.denied = true;
          intent.mediation = undefined;
          intent.perform = undefined;
          return { type: 'DENY_CONFIRMATION', payload: { reason: '协议内容违反法律强制性规定' }, at: after(2, 12), actor: world.court };
        }
        return {
          type: 'CONFIRM',
          payload: { rulingNumber: `（${shanghaiDate(iso(t)).slice(0, 4)}）黑01${rng.int(10, 99)}民特${rng.int(1, 999)}号` },
          at: after(2, 15),
          actor: world.court,
        };
      case 'agreement.defaulted': {
        if (!intent.afterDefault) {
          intent.afterDefault = c.enforceable
            ? rng.weighted([['enforce', 72], ['pay', 10], ['stay', 18]])
            : rng.weighted([['lawsuit', 60], ['pay', 12], ['stay', 28]]);
        }
        switch (intent.afterDefault) {
          case 'enforce':
            return {
              type: 'APPLY_ENFORCEMENT',
              payload: { enforcementCaseNumber: `（${shanghaiDate(iso(t)).slice(0, 4)}）黑01${rng.int(10, 99)}执${rng.int(1, 9999)}号` },
              at: after(3, 60),
              actor: world.court,
            };
          case 'lawsuit':
            return { type: 'FILE_LAWSUIT', payload: { note: '协议未经司法确认，告知另行起诉' }, at: after(3, 40), actor: world.court };
          case 'pay':
            return { type: 'RECORD_PERFORMANCE', payload: { amount: yuan(c.agreement!.amountFen - c.paidFen) }, at: after(3, 60), actor: world.court };
          default:
            return null;
        }
      }
      case 'enforcement.active':
      case 'enforcement.suspended': {
        if (!intent.enforcementPlan) intent.enforcementPlan = enforcementPlan(rng, c, t);
        const next = intent.enforcementPlan.shift();
        if (!next) return null;
        return { ...next, at: Math.max(t, next.at), actor: world.court };
      }
      default:
        return null;
    }
  };

  for (let guard = 0; guard < 200; guard++) {
    if (snapshot.status !== 'active') break;
    const planned = plan();
    // The sweeper: a deadline with an event that falls before the next planned event fires first.
    const due = caseDeadlines(snapshot)
      .filter((d) => d.event)
      .sort((a, b) => Date.parse(a.dueAt) - Date.parse(b.dueAt))[0];
    if (due && (!planned || planned.at >= Date.parse(due.dueAt))) {
      const at = Math.max(Date.parse(due.dueAt), t);
      if (at > world.now) break;
      apply(due.event!, {}, at, SYSTEM_ACTOR);
      fired.push({ kind: due.kind, dueAt: due.dueAt, firedAt: iso(at + rng.int(1, 60_000)) });
      if (planned && intent.enforcementPlan && statePath(snapshot.value).startsWith('enforcement')) intent.enforcementPlan.unshift(planned);
      continue;
    }
    if (!planned || planned.at > world.now) break;
    apply(planned.type, planned.payload, planned.at, planned.actor);
  }
  return { id: rng.uuid(), stationCode: station.code, openedAt, snapshot, input, journal, fired, creator };
}

function nextInstallment(c: CaseContext): number {
  let cumulative = 0;
  for (const i of [...c.agreement!.installments!].sort((a, b) => a.dueDate.localeCompare(b.dueDate))) {
    cumulative += i.amountFen;
    if (cumulative > c.paidFen) return cumulative - c.paidFen;
  }
  return c.agreement!.amountFen - c.paidFen;
}

/** What enforcement will do, in order: measures, recoveries, perhaps a suspension, the conclusion. */
function enforcementPlan(rng: Rng, c: CaseContext, start: number): { type: string; payload: Record<string, unknown>; at: number }[] {
  const owed = c.owedFen ?? 0;
  const result = rng.weighted<string>([['fulfilled', 42], ['settled', 14], ['terminated_this_round', 34], ['terminated', 10]]);
  const length = rng.between(30, 320) * DAY;
  const plan: { type: string; payload: Record<string, unknown>; at: number }[] = [];
  const kinds = ['asset_inquiry', 'freeze', 'seize', 'auction', 'credit_blacklist', 'consumption_restriction', 'travel_ban'];
  const measures = rng.int(1, 3);
  for (let i = 0; i < measures; i++) {
    plan.push({ type: 'RECORD_MEASURE', payload: { kind: i === 0 ? 'asset_inquiry' : rng.pick(kinds), note: '依法采取执行措施' }, at: start + ((i + 1) / (measures + 3)) * length * 0.5 });
  }
  const share = result === 'fulfilled' ? 1 : result === 'settled' ? rng.between(0.4, 0.9) : result === 'terminated_this_round' ? rng.between(0, 0.3) : rng.between(0, 0.1);
  let toRecover = Math.floor((owed * share) / 100) * 100;
  if (result === 'fulfilled') toRecover = owed;
  const parts = toRecover > 0 ? rng.int(1, 3) : 0;
  let left = toRecover;
  for (let i = 0; i < parts; i++) {
    const amount = i === parts - 1 ? left : Math.max(100, Math.floor(left / (parts - i) / 100) * 100);
    if (amount <= 0) break;
    left -= amount;
    plan.push({ type: 'RECORD_RECOVERY', payload: { amount: yuan(amount), note: '执行款到账' }, at: start + (0.5 + (i + 1) / (parts + 1) / 5) * length });
  }
  if (rng.chance(0.08)) {
    plan.push({ type: 'SUSPEND', payload: { reason: '被执行人涉及破产程序' }, at: start + 0.75 * length });
    plan.push({ type: 'RESUME', payload: { note: '中止情形消失' }, at: start + 0.85 * length });
  }
  plan.push({ type: 'CONCLUDE', payload: { result, note: '执行结案' }, at: start + length });
  return plan.map((p) => ({ ...p, at: Math.floor(p.at) }));
}

// ---------------------------------------------------------------------------------------------
// Writing

async function ensureDatabase(url: string, reset: boolean) {
  const u = new URL(url);
  const name = decodeURIComponent(u.pathname.slice(1));
  const admin = postgres(Object.assign(new URL(url), { pathname: '/postgres' }).toString(), { max: 1, onnotice: () => {} });
  try {
    if (reset) await admin.unsafe(`drop database if exists "${name}" with (force)`);
    const [row] = await admin`select 1 as x from pg_database where datname = ${name}`;
    if (!row) await admin.unsafe(`create database "${name}"`);
  } finally {
    await admin.end();
  }
}

async function ensureDirectory(db: Db, rng: Rng) {
  const existing = new Set(rowsOf<{ code: string }>(await db.execute(sql`select code from stations`)).map((r) => r.code));
  for (const [code, name, kind, district] of STATIONS) {
    if (existing.has(code)) continue;
    await createStation(db, ADMIN, { code, name, kind, district });
    const n = kind === 'court' ? rng.int(10, 16) : kind === 'village' ? rng.int(3, 5) : rng.int(5, 9);
    for (let i = 0; i < n; i++) {
      const deputy = await createDeputy(db, ADMIN, {
        name: rng.name(),
        level: rng.weighted([['national', 1], ['provincial', 4], ['municipal', 15], ['county', 50], ['township', 30]]),
        stationCode: code,
        expertise: [rng.pick(EXPERTISE), rng.pick(EXPERTISE)].filter((x, j, a) => a.indexOf(x) === j),
        phone: `139${String(rng.int(0, 99_999_999)).padStart(8, '0')}`,
      });
      await createUser(db, ADMIN, { name: deputy.name, role: 'deputy', deputyId: deputy.id });
    }
    await createUser(db, ADMIN, { name: `${name.replace(/人大代表联络站|代表之家/, '')}工作人员`, role: 'station', stationCode: code });
  }
  const hasCourt = rowsOf(await db.execute(sql`select 1 from users where role = 'court' and name = '法院立案庭（种子数据）'`)).length;
  if (!hasCourt) await createUser(db, ADMIN, { name: '法院立案庭（种子数据）', role: 'court' });
  const hasCommittee = rowsOf(await db.execute(sql`select 1 from users where role = 'committee' and name = '监察和司法委员会（种子数据）'`)).length;
  if (!hasCommittee) await createUser(db, ADMIN, { name: '监察和司法委员会（种子数据）', role: 'committee' });
}

async function loadWorld(sqlc: postgres.Sql, now: number): Promise<World & { committee: Actor }> {
  const rows = await sqlc<{ id: string; name: string; role: string; station_code: string | null; deputy_id: string | null }[]>`
    select id, name, role, station_code, deputy_id from users order by created_at, id`;
  const actor = (r: (typeof rows)[number]): Actor => ({ id: r.id, role: r.role as Actor['role'], name: r.name, stationCode: r.station_code, deputyId: r.deputy_id });
  const court = actor(rows.find((r) => r.role === 'court' && r.name === '法院立案庭（种子数据）')!);
  const committee = actor(rows.find((r) => r.role === 'committee' && r.name === '监察和司法委员会（种子数据）')!);
  const deputyActors = new Map(rows.filter((r) => r.role === 'deputy' && r.deputy_id).map((r) => [r.deputy_id!, actor(r)]));
  const deputies = await sqlc<{ id: string; station_code: string }[]>`select id, station_code from deputies order by id`;
  const stations = STATIONS.map(([code, , , , weight]) => ({
    code,
    weight,
    deputyIds: deputies.filter((d) => d.station_code === code && deputyActors.has(d.id)).map((d) => d.id),
    staff: actor(rows.find((r) => r.role === 'station' && r.station_code === code)!),
  }));
  return { now, stations, court, deputyActors, committee };
}

// ---------------------------------------------------------------------------------------------
// Cases in chunks, built by worker threads

/**
 * Cases per chunk. Each chunk draws from its own random stream (the seed and the chunk's index),
 * so the population is the same however many workers build it; the chunks are written, and the
 * case numbers drawn, in chunk order.
 */
const CHUNK = 1000;

const CASE_COLUMNS = [
  'id', 'number', 'state', 'snapshot', 'version', 'machine_version', 'track', 'procedure', 'source', 'station_code',
  'dispute_type', 'summary', 'claim_fen', 'agreed_fen', 'paid_fen', 'owed_fen', 'recovered_fen', 'outcome', 'overdue',
  'enforceable', 'deputy_ids', 'sessions_held', 'deputy_attendances', 'opened_at', 'agreed_at', 'enforcement_started_at',
  'closed_at', 'last_event_at', 'next_due_at', 'created_by', 'created_at', 'updated_at',
];
const PARTY_COLUMNS = ['id', 'case_id', 'position', 'role', 'name', 'id_number', 'phone', 'opened_at'];
const DEADLINE_COLUMNS = ['entity_type', 'entity_id', 'kind', 'due_at', 'event', 'fired_at', 'created_at'];

export interface ChunkJob {
  k: number;
  n: number;
  seed: number;
  check: boolean;
}

/** One chunk as COPY text: each case's line split around its number, which the writer draws. */
export interface ChunkRows {
  k: number;
  /** Per case: `station|year`, the number's sequence. */
  keys: string[];
  /** Per case: the COPY line before the number (its id and a tab) and after it. */
  heads: string[];
  tails: string[];
  events: Uint8Array;
  parties: Uint8Array;
  deadlines: Uint8Array;
  eventCount: number;
  states: [string, number][];
  sample: string[];
}

/**
 * The rows of `job.n` cases: the case row from the machine's snapshot (`caseStore.columns`,
 * `createColumns`, the persisted snapshot), the journal through the engine's one row builder
 * (`journalRow`, the CREATE payload as `caseStore.createPayload` makes it: each party by id and
 * role, its name, ID number and phone in `parties` alone), the parties, and the deadline rows.
 */
export function buildChunk(world: World, job: ChunkJob): ChunkRows {
  const rng = new Rng(job.seed, job.k);
  const keys: string[] = [];
  const heads: string[] = [];
  const tails: string[] = [];
  let e = '';
  let p = '';
  let d = '';
  let eventCount = 0;
  const states = new Map<string, number>();
  const sample: string[] = [];
  for (let i = 0; i < job.n; i++) {
    const sc = simulateCase(rng, world, { check: job.check });
    const state = statePath(sc.snapshot.value);
    states.set(state, (states.get(state) ?? 0) + 1);
    const openedIso = sc.journal[0].occurredAt;
    keys.push(`${sc.stationCode}|${shanghaiDate(openedIso).slice(0, 4)}`);
    const cols = caseStore.columns(sc.snapshot) as Record<string, unknown>;
    const created = caseStore.createColumns({ ...sc.input, occurredAt: openedIso }, sc.creator) as Record<string, unknown>;
    const last = sc.journal[sc.journal.length - 1];
    heads.push(`${sc.id}\t`);
    tails.push(
      `\t${copyLine([
        state, persist(caseStore, sc.snapshot), sc.journal.length, CASE_MACHINE_VERSION,
        created.track, created.procedure, created.source, created.stationCode, created.disputeType, created.summary, created.claimFen,
        cols.agreedFen, cols.paidFen, cols.owedFen, cols.recoveredFen, cols.outcome, cols.overdue, cols.enforceable,
        textArray(cols.deputyIds as string[]), cols.sessionsHeld, cols.deputyAttendances, created.openedAt, cols.agreedAt,
        cols.enforcementStartedAt, cols.closedAt, cols.lastEventAt, cols.nextDueAt, sc.creator.id, iso(sc.openedAt + 30_000),
        recordedAt(last.at, last.actor, world.now),
      ])}`,
    );
    const people = sc.input.parties as Record<string, unknown>[];
    const partyIds = people.map(() => rng.uuid());
    sc.journal.forEach((j, k) => {
      const row = journalRow(caseStore, sc.id, {
        seq: k + 1,
        type: j.type,
        payload: k === 0 ? caseStore.createPayload(sc.input as never, { partyIds }) : j.payload,
        fromState: j.from,
        toState: j.to,
        actor: j.actor,
        occurredAt: j.occurredAt,
        recordedAt: recordedAt(j.at, j.actor, world.now),
        requestId: null,
      });
      e += copyLine(Object.values(row)); // in journalColumns' order
    });
    eventCount += sc.journal.length;
    people.forEach((party, k) => {
      p += copyLine([partyIds[k], sc.id, k, party.role, party.name, party.idNumber ?? null, party.phone ?? null, created.openedAt]);
    });
    for (const f of sc.fired) {
      d += copyLine(['case', sc.id, f.kind, f.dueAt, DEADLINE_KINDS[f.kind as keyof typeof DEADLINE_KINDS], f.firedAt, iso(Date.parse(f.dueAt) - DAY)]);
    }
    if (sc.snapshot.status === 'active') {
      for (const w of caseDeadlines(sc.snapshot).filter((x) => x.event)) {
        d += copyLine(['case', sc.id, w.kind, w.dueAt, w.event, null, last.occurredAt]);
      }
    }
    if (sample.length < 5 && sc.journal.length > 6) sample.push(sc.id);
  }
  const utf8 = new TextEncoder();
  return { k: job.k, keys, heads, tails, events: utf8.encode(e), parties: utf8.encode(p), deadlines: utf8.encode(d), eventCount, states: [...states], sample };
}

/** Chunks built by `count` worker threads (scripts/seed-worker.ts), or here when `count` is 0. */
function chunkBuilders(world: World, count: number) {
  if (count === 0) return { build: async (job: ChunkJob) => buildChunk(world, job), close: async () => {} };
  const workers = Array.from({ length: count }, () => {
    // The worker is TypeScript too: it registers tsx, as this script runs under it, then loads.
    const boot = `import(${JSON.stringify(import.meta.resolve('tsx/esm/api'))}).then((t) => { t.register(); return import(${JSON.stringify(new URL('./seed-worker.ts', import.meta.url).href)}); })`;
    const worker = new Worker(boot, { eval: true, workerData: { world } });
    const waiting: { resolve: (r: ChunkRows) => void; reject: (e: unknown) => void }[] = [];
    worker.on('message', (rows: ChunkRows) => waiting.shift()!.resolve(rows));
    worker.on('error', (err) => {
      for (const w of waiting.splice(0)) w.reject(err);
    });
    return { worker, waiting };
  });
  return {
    build(job: ChunkJob): Promise<ChunkRows> {
      const w = workers[job.k % workers.length];
      return new Promise((resolve, reject) => {
        w.waiting.push({ resolve, reject });
        w.worker.postMessage(job);
      });
    },
    close: async () => {
      await Promise.all(workers.map((w) => w.worker.terminate()));
    },
  };
}

// ---------------------------------------------------------------------------------------------
// COPY, and the indexes and constraints put back after a large load

/**
 * COPY into `table` on a reserved connection with triggers off (session_replication_role =
 * replica: the generator guarantees the references). `fresh`: the table is empty and nothing
 * refers to it for the load, so the COPY truncates it in its own transaction and writes the rows
 * frozen (COPY … FREEZE: no VACUUM needed after, no hint bits set by the first readers).
 */
async function copyStream(sqlc: postgres.Sql, table: string, columns: string[], fresh: boolean) {
  const conn = await sqlc.reserve();
  await conn`set session_replication_role = replica`;
  if (fresh) await conn.unsafe(`begin; truncate ${table}`);
  const stream = await conn.unsafe(`copy ${table} (${columns.join(', ')}) from stdin${fresh ? ' with (freeze)' : ''}`).writable();
  const done = new Promise<void>((resolve, reject) => {
    stream.on('finish', resolve);
    stream.on('error', reject);
  });
  done.catch(() => {}); // awaited by end(); a failed load is reported by what failed first
  return {
    async write(chunk: string | Uint8Array) {
      if (!stream.write(chunk)) await once(stream, 'drain');
    },
    async end() {
      stream.end();
      await done;
      if (fresh) await conn.unsafe('commit');
      conn.release();
    },
  };
}

const CASE_TABLES = ['cases', 'case_events', 'parties', 'deadlines'];

interface Dropped {
  table: string;
  name: string;
  /** The statement that puts it back. */
  create: string;
  kind: 'index' | 'key' | 'foreign';
}

/**
 * Takes off the case tables what a large load would otherwise maintain row by row: their
 * secondary indexes; on a fresh load also their primary and unique keys and the foreign keys
 * that refer to them (which TRUNCATE, and so COPY FREEZE, needs gone). Returns how to put each
 * back: the same names and definitions, read from the catalog.
 */
async function dropForLoad(sqlc: postgres.Sql, fresh: boolean): Promise<Dropped[]> {
  const foreign = fresh
    ? await sqlc<{ table: string; name: string; def: string }[]>`
        select conrelid::regclass::text as table, conname as name, pg_get_constraintdef(oid) as def from pg_constraint
        where contype = 'f' and confrelid::regclass::text = any(${CASE_TABLES}) order by conname`
    : [];
  const keys = fresh
    ? await sqlc<{ table: string; name: string; def: string }[]>`
        select conrelid::regclass::text as table, conname as name, pg_get_constraintdef(oid) as def from pg_constraint
        where contype in ('p', 'u') and conrelid::regclass::text = any(${CASE_TABLES}) order by conname`
    : [];
  const indexes = await sqlc<{ table: string; name: string; def: string }[]>`
    select tablename as table, indexname as name, indexdef as def from pg_indexes
    where schemaname = 'public' and tablename = any(${CASE_TABLES})
      and indexname not in (select conname from pg_constraint) order by indexname`;
  for (const f of foreign) await sqlc.unsafe(`alter table "${f.table}" drop constraint "${f.name}"`);
  for (const k of keys) await sqlc.unsafe(`alter table "${k.table}" drop constraint "${k.name}"`);
  for (const i of indexes) await sqlc.unsafe(`drop index "${i.name}"`);
  return [
    ...keys.map((k): Dropped => ({ table: k.table, name: k.name, create: `alter table "${k.table}" add constraint "${k.name}" ${k.def}`, kind: 'key' })),
    ...indexes.map((i): Dropped => ({ table: i.table, name: i.name, create: i.def, kind: 'index' })),
    ...foreign.map((f): Dropped => ({ table: f.table, name: f.name, create: `alter table "${f.table}" add constraint "${f.name}" ${f.def}`, kind: 'foreign' })),
  ];
}

/**
 * Builds back what `dropForLoad` took off: keys and indexes on `connections` connections at once,
 * then the foreign keys (each checks its rows against the keys). The longest builds start first,
 * so that no connection is left with a long one at the end while the other idles: GIN indexes
 * (the search indexes compute their grams row by row: at 1M `cases_search_idx` alone took 24 of
 * the phase's 35 s, and was started among the last), then by the size of their table.
 */
async function restoreAfterLoad(sqlc: postgres.Sql, dropped: Dropped[], connections: number, log: (m: string) => void) {
  const sizes = new Map(
    (await sqlc<{ table: string; bytes: string }[]>`select relname as table, pg_table_size(oid)::text as bytes from pg_class where relname = any(${CASE_TABLES})`).map((r) => [
      r.table,
      Number(r.bytes),
    ]),
  );
  const gin = (d: Dropped) => (/ using gin /i.test(d.create) ? 1 : 0);
  const queue = dropped
    .filter((d) => d.kind !== 'foreign')
    .sort((a, b) => gin(b) - gin(a) || (sizes.get(b.table) ?? 0) - (sizes.get(a.table) ?? 0));
  const run = async () => {
    const conn = await sqlc.reserve();
    try {
      await conn.unsafe(`set maintenance_work_mem = '512MB'`);
      for (let d = queue.shift(); d; d = queue.shift()) {
        const t0 = performance.now();
        await conn.unsafe(d.create);
        log(`    ${d.name}: ${((performance.now() - t0) / 1000).toFixed(1)} s`);
      }
    } finally {
      conn.release();
    }
  };
  await Promise.all(Array.from({ length: connections }, run));
  for (const f of dropped.filter((d) => d.kind === 'foreign')) {
    const t0 = performance.now();
    await sqlc.unsafe(f.create);
    log(`    ${f.name}: ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  }
}

export interface SeedOptions {
  cases: number;
  supervisions?: number;
  seed?: number;
  reset?: boolean;
  /** Worker threads that build the rows; default: one per core for 20,000 cases or more, else none. */
  workers?: number;
  /** Drop the case tables' indexes for the load and build them after; default: for 50,000 cases or more. */
  bulk?: boolean;
  /** The seed's present, in epoch ms (default: a minute ago): nothing seeded is later. For tests. */
  now?: number;
  log?: (msg: string) => void;
}

/** Seeds `url` (created when missing); returns what it wrote. */
export async function seedDatabase(url: string, opts: SeedOptions) {
  const log = opts.log ?? ((m: string) => console.log(m));
  const started = performance.now();
  const cpu0 = process.cpuUsage();
  const phases: Record<string, number> = {};
  let mark = started;
  const phase = (name: string) => {
    const now = performance.now();
    phases[name] = Math.round((now - mark) / 100) / 10;
    mark = now;
  };
  await ensureDatabase(url, opts.reset ?? false);
  // The seed's own sessions commit without waiting for the WAL flush (synchronous_commit = off, a
  // setting of these connections only, sent when they open): a crash may lose the last moment of
  // a seed, which is rerun with --reset anyway, and no other session is touched. The supervision
  // items go through the engine, a few transactions each.
  const session = new URL(url);
  session.searchParams.set('synchronous_commit', 'off');
  const database = await openDatabase({ databaseUrl: session.toString(), max: 4 });
  const sqlc = postgres(session.toString(), { max: 8, onnotice: () => {} });
  try {
    const [{ count: before }] = await sqlc<{ count: string }[]>`select count(*)::text as count from cases`;
    const seedValue = (opts.seed ?? 20260101) + Number(before);
    await ensureDirectory(database.db, new Rng(opts.seed ?? 20260101, 0x7fff_0001));
    const now = opts.now ?? Date.now() - 60_000;
    const world = await loadWorld(sqlc, now);
    phase('directory');

    // A large load builds the indexes once at the end instead of maintaining them row by row; into
    // empty tables it also writes the rows frozen.
    const bulk = opts.bulk ?? opts.cases >= 50_000;
    const fresh = bulk && Number(before) === 0 && (await sqlc`select 1 from parties limit 1`).length === 0;
    const dropped = bulk ? await dropForLoad(sqlc, fresh) : [];

    const seqRows = await sqlc<{ scope: string; year: number; last: number }[]>`select scope, year, last from number_sequences`;
    const seqs = new Map(seqRows.map((r) => [`${r.scope}|${r.year}`, r.last]));

    const casesOut = await copyStream(sqlc, 'cases', CASE_COLUMNS, fresh);
    const eventsOut = await copyStream(sqlc, 'case_events', journalColumns(caseStore), fresh);
    const partiesOut = await copyStream(sqlc, 'parties', PARTY_COLUMNS, fresh);
    const deadlinesOut = await copyStream(sqlc, 'deadlines', DEADLINE_COLUMNS, fresh);

    const workerCount = opts.workers ?? (opts.cases >= 20_000 ? availableParallelism() : 0);
    const builders = chunkBuilders(world, workerCount);
    let events = 0;
    const states = new Map<string, number>();
    const sample: string[] = [];
    const chunks = Math.ceil(opts.cases / CHUNK);
    const jobOf = (k: number): ChunkJob => ({ k, n: Math.min(CHUNK, opts.cases - k * CHUNK), seed: seedValue, check: k < 3 });
    // Each worker has the next chunks queued behind the one it builds, so none waits on the writer.
    const ahead = Math.max(2, 3 * workerCount);
    const pending = new Map<number, Promise<ChunkRows>>();
    let asked = 0;
    try {
      for (let k = 0; k < chunks; k++) {
        for (; asked < chunks && asked <= k + ahead; asked++) {
          const job = builders.build(jobOf(asked));
          job.catch(() => {}); // awaited in order below
          pending.set(asked, job);
        }
        const rows = await pending.get(k)!;
        pending.delete(k);
        let c = '';
        rows.keys.forEach((key, i) => {
          const seq = (seqs.get(key) ?? 0) + 1;
          seqs.set(key, seq);
          const [station, year] = key.split('|');
          c += `${rows.heads[i]}${year}-${station}-${String(seq).padStart(6, '0')}${rows.tails[i]}`;
        });
        await Promise.all([casesOut.write(c), eventsOut.write(rows.events), partiesOut.write(rows.parties), deadlinesOut.write(rows.deadlines)]);
        events += rows.eventCount;
        for (const [state, n] of rows.states) states.set(state, (states.get(state) ?? 0) + n);
        for (const id of rows.sample) if (sample.length < 5) sample.push(id);
        const done = Math.min(opts.cases, (k + 1) * CHUNK);
        if (done % 50_000 === 0 || done === opts.cases) {
          const sec = (performance.now() - started) / 1000;
          log(`  seed: ${done}/${opts.cases} cases, ${events} journal rows, ${sec.toFixed(0)} s (${Math.round(done / sec)} cases/s)`);
        }
      }
    } finally {
      await builders.close();
    }
    await Promise.all([casesOut.end(), eventsOut.end(), partiesOut.end(), deadlinesOut.end()]);
    phase('cases');
    for (const [key, last] of seqs) {
      const [scope, year] = key.split('|');
      await sqlc`insert into number_sequences (scope, year, last) values (${scope}, ${Number(year)}, ${last})
        on conflict (scope, year) do update set last = greatest(number_sequences.last, excluded.last)`;
    }
    if (dropped.length) {
      log(`  seed: building ${dropped.length} indexes and constraints`);
      await restoreAfterLoad(sqlc, dropped, 2, log);
      phase('indexes');
    }

    // What is left runs as three strands at once: the summary (a scan of the cases), the activities
    // and supervision items (through the engine: round trips and commits more than CPU) and the
    // statistics of the case tables; each touches tables the others do not write.
    const strand = async <T>(name: string, work: () => Promise<T>): Promise<T> => {
      const t0 = performance.now();
      const out = await work();
      log(`  seed: ${name}: ${((performance.now() - t0) / 1000).toFixed(1)} s`);
      return out;
    };
    // Frozen rows need no vacuum; statistics are wanted either way.
    const analyze = async (tables: string[]) => {
      for (const t of tables) await sqlc.unsafe(`${fresh && CASE_TABLES.includes(t) ? 'analyze' : 'vacuum (analyze)'} ${t}`);
    };
    const rest = new Rng(seedValue, 0x7fff_0002);
    const supervisionCount = opts.supervisions ?? Math.max(30, Math.round(opts.cases / 1000));
    const [, { activities, sup }] = await Promise.all([
      // The cases went in by COPY, past the engine's write hook: the report's closed-case summary is
      // recomputed from them (it holds every closed case, so appending to a database is fine too).
      strand('closed-case summary', async () => {
        await rebuildClosedCaseTotals(database.db);
        await analyze(['case_report_years', 'case_report_months', 'case_report_days']);
      }),
      strand('activities and supervision items', async () => {
        const activities = await seedActivities(database.db, rest, world, opts.cases);
        const sup = await seedSupervisions(database.db, sqlc, rest, world, supervisionCount);
        await analyze(['station_activities', 'supervisions', 'supervision_events', 'supervision_cases', 'deadlines']);
        return { activities, sup };
      }),
      strand(fresh ? 'analyze' : 'vacuum analyze', () => analyze(['cases', 'case_events', 'parties'])),
      // The cases went in past the triggers that keep case_deputies and case_texts (drizzle/0024,
      // 0025): their rows are added here, in key order (appended at the index's right edge; the
      // texts in opening order, as the engine writes them). Sorted in memory, not on disk.
      strand('case deputies', async () => {
        await sqlc.begin(async (tx) => {
          await tx`set local work_mem = '256MB'`;
          await tx`insert into case_deputies (deputy_id, opened_at, case_id)
            select distinct d, c.opened_at, c.id from cases c, unnest(c.deputy_ids) d order by 1, 2, 3 on conflict do nothing`;
        });
        await analyze(['case_deputies']);
      }),
      strand('case texts', async () => {
        // The search indexes are on case_texts (drizzle/0026): in bulk they are built after its rows
        // go in, at once, rather than a million rows' grams inserted into them one row at a time.
        const searchIndexes = bulk
          ? await sqlc<{ name: string; def: string }[]>`select indexname as name, indexdef as def from pg_indexes
              where schemaname = 'public' and tablename = 'case_texts' and indexdef ilike '% using gin %' order by indexname`
          : [];
        for (const i of searchIndexes) await sqlc.unsafe(`drop index "${i.name}"`);
        await sqlc.begin(async (tx) => {
          await tx`set local work_mem = '512MB'`;
          await tx`insert into case_texts (opened_at, case_id, number, summary, dispute_type)
            select opened_at, id, number, summary, dispute_type from cases order by opened_at, id on conflict do nothing`;
        });
        await Promise.all(
          searchIndexes.map((i) =>
            sqlc.begin(async (tx) => {
              await tx`set local maintenance_work_mem = '512MB'`;
              await tx.unsafe(i.def);
            }),
          ),
        );
        await analyze(['case_texts']);
      }),
    ]);
    phase('summary, activities and supervisions, analyze (at once)');
    const seconds = (performance.now() - started) / 1000;
    const cpu = process.cpuUsage(cpu0);
    return {
      cases: opts.cases,
      events,
      activities,
      supervisions: sup,
      states: Object.fromEntries([...states].sort()),
      seconds,
      phases,
      workers: workerCount,
      nodeCpuSeconds: Math.round((cpu.user + cpu.system) / 1e5) / 10,
      sample,
    };
  } finally {
    await sqlc.end({ timeout: 5 });
    await database.close();
  }
}

/** When a clerk typed the event in: within the hour and a half for people, a moment later for the sweeper; never after `now`. */
function recordedAt(at: number, actor: Actor, now: number): string {
  const h = (at / 1000) % 97;
  return iso(Math.max(at, Math.min(now, at + (actor.role === 'system' ? 200 + h : Math.floor(h * 60_000)))));
}

async function seedActivities(db: Db, rng: Rng, world: World, cases: number) {
  // About 4–10 activities a month per station over three years (more where more cases are taken),
  // and never more than one row per ~20 cases.
  const rows: (typeof stationActivities.$inferInsert)[] = [];
  const months = 36;
  const perMonth = Math.max(1, Math.min(10, Math.round(cases / 20 / months / world.stations.length)));
  const themes = ['代表接待日', '政府部门进站', '法官进站释法', '矛盾纠纷排查', '民生实事征集', '普法宣传', '联系选民活动', '专题调研'];
  for (const s of world.stations) {
    for (let m = 0; m < months; m++) {
      const k = rng.int(Math.max(1, perMonth - 2), perMonth + 2);
      for (let i = 0; i < k; i++) {
        const at = world.now - (m * 30 + rng.int(0, 29)) * DAY;
        const present = s.deputyIds.filter(() => rng.chance(0.4));
        rows.push({
          stationCode: s.code,
          date: shanghaiDate(iso(at)),
          theme: rng.pick(themes),
          content: `${rng.pick(themes)}：接待群众来访，听取意见建议，现场答复和转办群众诉求`,
          deputyIds: present,
          deputyVisits: present.length,
          votersReceived: rng.int(0, 60),
          recordedBy: s.staff.id,
          createdAt: iso(Math.min(world.now, at + DAY / 2)),
        });
      }
    }
  }
  for (let i = 0; i < rows.length; i += 1000) await db.insert(stationActivities).values(rows.slice(i, i + 1000));
  return rows.length;
}

async function seedSupervisions(db: Db, sqlc: postgres.Sql, rng: Rng, world: World & { committee: Actor }, count: number) {
  const committee = world.committee;
  const court = world.court;
  const render = () => ({ body: null });
  const sampleCases = await sqlc<{ id: string }[]>`select id from cases where enforcement_started_at is not null order by id limit 500`;
  let written = 0;
  for (let i = 0; i < count; i++) {
    const kind = rng.weighted<string>([['enforcement_inspection', 15], ['enforcement_review', 40], ['case_inquiry', 25], ['deputy_suggestion', 20]]);
    let t = world.now - Math.floor(rng.between(20, 3 * 365) * DAY);
    const station = rng.pick(STATIONS);
    const caseIds = kind === 'case_inquiry' && sampleCases.length ? [...new Set(Array.from({ length: rng.int(1, 5) }, () => rng.pick(sampleCases).id))] : [];
    const ctx = { db, now: () => new Date(world.now) };
    const created = await createEntity(ctx, supervisionStore, committee, {
      kind,
      subject: `${station[3]}${rng.pick(['涉民生案件执行情况', '执行到位率偏低问题', '终结本次执行案件清理', '代表建议办理情况', '调解协议履行情况'])}`,
      respondent: rng.pick(['哈尔滨市中级人民法院', `${station[3]}人民法院`]),
      caseIds,
      occurredAt: iso(t),
    }, { render: (w) => ({ body: w.row.id }) });
    const id = created.body as string;
    const send = async (actor: Actor, event: Record<string, unknown>, firingDeadlineId?: number) => {
      await applyEvent(ctx, supervisionStore, actor, id, event, { render, firingDeadlineId, notBeforeLastEvent: firingDeadlineId !== undefined });
    };
    /** The sweeper's part: fire the open report deadline if it fell due before `until`. */
    const sweepBefore = async (until: number) => {
      const [dl] = await db
        .select({ id: deadlinesTable.id, dueAt: deadlinesTable.dueAt })
        .from(deadlinesTable)
        .where(and(eq(deadlinesTable.entityType, 'supervision'), eq(deadlinesTable.entityId, id), isNull(deadlinesTable.firedAt)));
      if (dl && Date.parse(dl.dueAt) <= Math.min(until, world.now)) {
        const at = Math.max(Date.parse(dl.dueAt), t);
        await send(SYSTEM_ACTOR, { type: 'REPORT_OVERDUE', occurredAt: iso(at) }, dl.id);
        t = at;
      }
    };
    const step = (lo: number, hi: number) => (t += Math.floor(rng.between(lo, hi) * DAY));
    written++;
    if (rng.chance(0.05) || step(1, 10) > world.now) continue; // still open
    await send(committee, { type: 'REQUEST_REPORT', dueDate: shanghaiDate(iso(t + 30 * DAY)), note: '请于期限内书面报告', occurredAt: iso(t) });
    for (let round = 0; round < 3; round++) {
      const reportAt = t + Math.floor(rng.between(5, rng.chance(0.25) ? 60 : 28) * DAY);
      await sweepBefore(reportAt);
      if (reportAt > world.now) break;
      t = reportAt;
      await send(court, { type: round === 0 ? 'SUBMIT_REPORT' : 'SUBMIT_RECTIFICATION', content: '关于有关情况的报告', occurredAt: iso(t) });
      if (step(3, 20) > world.now) break;
      const rating = rng.weighted<string>([['satisfied', 55], ['basically_satisfied', 30], ['unsatisfied', 15]]);
      await send(committee, {
        type: 'EVALUATE',
        rating,
        opinion: '经常委会审议',
        ...(rating === 'unsatisfied' ? { dueDate: shanghaiDate(iso(t + 45 * DAY)) } : {}),
        occurredAt: iso(t),
      });
      if (rating !== 'unsatisfied') break;
    }
    await sweepBefore(world.now);
  }
  const [{ n }] = await sqlc<{ n: string }[]>`select count(*)::text as n from supervisions`;
  return { written, total: Number(n) };
}

// ---------------------------------------------------------------------------------------------
// CLI

async function main() {
  const { values } = parseArgs({
    options: {
      cases: { type: 'string', default: '10000' },
      supervisions: { type: 'string' },
      seed: { type: 'string', default: '20260101' },
      reset: { type: 'boolean', default: false },
    },
  });
  const env = readEnv();
  const url = env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/jiefen_bench';
  const result = await seedDatabase(url, {
    cases: Number(values.cases),
    supervisions: values.supervisions ? Number(values.supervisions) : undefined,
    seed: Number(values.seed),
    reset: values.reset,
  });
  console.log(JSON.stringify({ database: new URL(url).pathname.slice(1), ...result }, null, 2));
}

if (isMainThread && import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  main().catch((err) => {
    console.error(err);
    process.exit(1);
  });
}
