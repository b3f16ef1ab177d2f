/**
 * Fuzzing the HTTP API with fast-check, through `app.request()` (no server), on both databases.
 *
 * Random and mutated requests to every endpoint as every role: valid bodies with fields dropped,
 * retyped, huge, unicode, NUL, lone surrogates, null, arrays, prototype keys; junk Authorization,
 * Idempotency-Key, If-Match, X-Request-Id, Content-Type; ids that are random strings, uuids,
 * other entities' ids, path traversal, malformed escapes; junk query strings and cursors. And
 * random event sequences on fresh cases and supervision items, mostly following what the state
 * takes, so deep states are reached. For every answer:
 * - never a 5xx;
 * - every refusal is RFC 9457 problem+json and writes nothing (every table's row count, every
 *   entity's version and state, deadlines, users: compared before and after);
 * - every state an answer reports (and every state stored) is one of the machine's states,
 *   enumerated from the machine definition; an accepted event bumps the version by exactly one;
 * - at the end `verifyStore` replays every journal to its stored snapshot with no mismatch.
 *
 * `npm test` runs a small seeded run per database; `npm run fuzz` the long one (FUZZ_RUNS, default
 * 10000 requests per property, PostgreSQL). FUZZ_SEED pins the seed (default below); a failure
 * prints the seed and the counterexample path to replay it.
 */
import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rowsOf } from '../src/db/client.js';
import { caseStore, supervisionStore } from '../src/engine/stores.js';
import { verifyStore } from '../src/engine/verify.js';
import { CASE_EVENT_TYPES, caseMachine, CONCLUDE_RESULTS, FAIL_REASONS, MEASURE_KINDS, RETURN_REASONS, SOURCES } from '../src/machines/case.js';
import { RATINGS, SUPERVISION_KINDS, supervisionEventSchemas, supervisionMachine } from '../src/machines/supervision.js';
import { createWorld, type Call, type World } from './helpers/world.js';

const LONG = Number(process.env.FUZZ_RUNS) > 0;
/** Requests per property: small in `npm test`, FUZZ_RUNS in `npm run fuzz`. */
const RUNS = LONG ? Number(process.env.FUZZ_RUNS) : 500;
const SEED = process.env.FUZZ_SEED !== undefined ? Number(process.env.FUZZ_SEED) : 20261124;
const TIMEOUT = LONG ? 24 * 3_600_000 : 120_000;

// ---------------------------------------------------------------------------------------------
// The machines' states, from their definitions (leaf nodes; `opening` is transient: never stored)

type Node = { path: string[]; states?: Record<string, Node>; always?: unknown[]; ownEvents: string[]; parent?: Node };
function leafStates(root: Node): string[] {
  const kids = Object.values(root.states ?? {});
  if (kids.length === 0) return root.always?.length ? [] : [root.path.join('.')];
  return kids.flatMap(leafStates);
}
const CASE_STATES = new Set(leafStates(caseMachine.root as unknown as Node));
const SUPERVISION_STATES = new Set(leafStates(supervisionMachine.root as unknown as Node));

/** Events the state (or one of its ancestors) handles, guards not considered. */
function handledIn(machine: { getStateNodeById(id: string): unknown }, id: string, state: string): string[] {
  try {
    const out = new Set<string>();
    for (let n = machine.getStateNodeById(`${id}.${state}`) as Node | undefined; n; n = n.parent) for (const e of n.ownEvents) out.add(e);
    return [...out];
  } catch {
    return [];
  }
}

// ---------------------------------------------------------------------------------------------
// The world and what "nothing was written" means

let w: World;
const pool = { cases: [] as string[], supervisions: [] as string[] };
let fingerprintSql: ReturnType<typeof sql>;
const stats = { requests: 0, byStatus: new Map<number, number>(), reached: new Set<string>(), sequences: 0, opened: 0, events: 0 };

beforeAll(async () => {
  w = await createWorld();
  // Every table's row count (whatever tables exist), and the content of the rows a write changes.
  const tables = rowsOf<{ name: string }>(
    await w.database.db.execute(sql`select table_name as name from information_schema.tables where table_schema = 'public' and table_type = 'BASE TABLE' order by 1`),
  )
    .map((t) => t.name)
    // A refusal for lack of rights leaves its own audit row (`access.denied`, DESIGN.md §10): the
    // record of the refusal, not a write of the refused act. Every other table must not move.
    .filter((t) => t !== 'audit_log');
  const counts = tables.map((t) => sql`(select count(*) from ${sql.identifier(t)})::text as ${sql.identifier(`n_${t}`)}`);
  fingerprintSql = sql.join(
    [
      sql`select `,
      sql.join(counts, sql`, `),
      sql`, (select md5(coalesce(string_agg(id::text || state || version || machine_version, ',' order by id), '')) from cases) as cases_rows`,
      sql`, (select md5(coalesce(string_agg(id::text || state || version, ',' order by id), '')) from supervisions) as supervision_rows`,
      sql`, (select md5(coalesce(string_agg(id::text || coalesce(fired_at::text, '-') || due_at::text, ',' order by id), '')) from deadlines) as deadline_rows`,
      sql`, (select md5(coalesce(string_agg(id::text || token_hash || coalesce(login, '') || coalesce(password_hash, ''), ',' order by id), '')) from users) as user_rows`,
      sql`, (select coalesce(sum(last), 0)::text from number_sequences) as numbers`,
    ],
    sql``,
  );
}, 120_000);
afterAll(async () => w?.close());

async function fingerprint(): Promise<Record<string, string>> {
  return rowsOf<Record<string, string>>(await w.database.db.execute(fingerprintSql))[0];
}

// ---------------------------------------------------------------------------------------------
// Requests: generated as plain data with markers, resolved against the world when sent

type Caller = keyof World['tokens'];
const CALLERS: Caller[] = ['admin', 'court', 'committee', 'stationHL', 'stationSC', 'deputyA', 'deputyB', 'deputyOther'];

/** Printable Latin-1: what an HTTP header value can carry. */
const headerChar = fc.oneof(fc.integer({ min: 0x20, max: 0x7e }), fc.integer({ min: 0xa0, max: 0xff })).map((c) => String.fromCharCode(c));
const headerValue = (maxLength = 300) => fc.string({ unit: headerChar, maxLength });

const authArb = fc.oneof(
  { weight: 10, arbitrary: fc.constantFrom(...CALLERS).map((c) => ({ caller: c })) },
  { weight: 1, arbitrary: fc.constant({ header: null as string | null }) },
  {
    weight: 3,
    arbitrary: fc.oneof(
      headerValue(100).map((v) => ({ header: `Bearer ${v}` })),
      headerValue(100).map((v) => ({ header: v })),
      fc.constantFrom('Bearer', 'Bearer ', 'Basic dXNlcjpwYXNz', 'Bearer jf_', 'Bearer a b', 'bearer\tx', 'Token abc', 'Bearer ' + 'x'.repeat(5000)).map((h) => ({ header: h })),
      fc.constantFrom(...CALLERS).map((c) => ({ caller: c, mangle: 'suffix' as const })),
      fc.constantFrom(...CALLERS).map((c) => ({ caller: c, mangle: 'lowercase-scheme' as const })),
    ),
  },
);
type Auth = { caller?: Caller; header?: string | null; mangle?: 'suffix' | 'lowercase-scheme' };

function authHeader(a: Auth): string | null {
  if (a.caller) {
    const t = w.tokens[a.caller];
    if (a.mangle === 'suffix') return `Bearer ${t}x`;
    if (a.mangle === 'lowercase-scheme') return `bearer ${t}`;
    return `Bearer ${t}`;
  }
  return a.header ?? null;
}

const NASTY = [
  '\u0000',
  'a\u0000b',
  '\uD800',
  'x\uDFFFy',
  '\u202Egnp.exe',
  '𠀀𠀁',
  '😀👨‍👩‍👧',
  '',
  ' ',
  '\n\t',
  '../../etc/passwd',
  "'; drop table cases; --",
  '%00',
  '%',
  '${x}',
  '<script>alert(1)</script>',
  'null',
  'true',
  '1e309',
  '-0',
  'NaN',
  '2026-02-30',
  '2026-11-24T25:61:00+08:00',
  '9999-12-31T23:59:59Z',
  '0000-01-01T00:00:00Z',
  '\\',
  '"',
];
const weirdString = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(...NASTY) },
  { weight: 2, arbitrary: fc.string({ maxLength: 40 }) },
  { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 40 }) },
  { weight: 1, arbitrary: fc.string({ unit: 'grapheme', maxLength: 40 }) },
  { weight: 1, arbitrary: fc.constantFrom('x'.repeat(100_001), '案'.repeat(30_000), 'a\u0000'.repeat(1000)) },
);
const weirdValue: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 4, arbitrary: weirdString },
  { weight: 1, arbitrary: fc.constant(null) },
  { weight: 1, arbitrary: fc.boolean() },
  { weight: 1, arbitrary: fc.oneof(fc.integer(), fc.double({ noNaN: true }), fc.constantFrom(-1, 0, 1e308, -1e308, 2 ** 53, 0.1)) },
  { weight: 1, arbitrary: fc.array(fc.jsonValue({ maxDepth: 2 }), { maxLength: 3 }) },
  { weight: 1, arbitrary: fc.dictionary(fc.string({ maxLength: 8 }), fc.jsonValue({ maxDepth: 1 }), { maxKeys: 3 }) },
);
const extraKey = fc.oneof(
  fc.constantFrom('__proto__', 'constructor', 'toString', 'prototype', 'hasOwnProperty', 'type', 'occurredAt', 'version', 'state', 'id', 'snapshot', 'machineVersion', 'role'),
  fc.string({ maxLength: 12 }),
);

type Mutation =
  | { op: 'none' }
  | { op: 'drop'; at: number }
  | { op: 'set'; at: number; value: unknown }
  | { op: 'add'; key: string; value: unknown }
  | { op: 'poison'; at: number; with: string };
const poisonArb = fc
  .record({ at: fc.nat(), with: fc.constantFrom('\u0000', '\uD800', '\uDFFF', '\u0000\u0000', '\uFFFF', '\uFEFF') })
  .map((m): Mutation => ({ op: 'poison', ...m }));
const mutationArb: fc.Arbitrary<Mutation> = fc.oneof(
  fc.nat().map((at) => ({ op: 'drop' as const, at })),
  fc.record({ at: fc.nat(), value: weirdValue }).map((m) => ({ op: 'set' as const, ...m })),
  fc.record({ key: extraKey, value: weirdValue }).map((m) => ({ op: 'add' as const, ...m })),
  // one string of an otherwise valid body gets a character the database cannot store
  poisonArb,
);
/** A step of a sequence: mostly sent as generated, sometimes mutated or poisoned. */
const stepMutationArb: fc.Arbitrary<Mutation> = fc.oneof(
  { weight: 16, arbitrary: fc.constant<Mutation>({ op: 'none' }) },
  { weight: 2, arbitrary: mutationArb },
  { weight: 1, arbitrary: poisonArb },
);

/** Paths to every value in a JSON document (objects and arrays, depth ≤ 3). */
function paths(v: unknown, prefix: (string | number)[] = [], depth = 0): (string | number)[][] {
  if (depth > 3 || v === null || typeof v !== 'object') return prefix.length ? [prefix] : [];
  const keys: (string | number)[] = Array.isArray(v) ? v.map((_, i) => i) : Object.keys(v);
  return [...(prefix.length ? [prefix] : []), ...keys.flatMap((k) => paths((v as any)[k], [...prefix, k], depth + 1))];
}

function setOwn(target: any, key: string | number, value: unknown) {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}

function mutate(body: unknown, m: Mutation): unknown {
  if (m.op === 'none' || body === null || typeof body !== 'object') return body;
  const copy = structuredClone(body) as any;
  if (m.op === 'add') {
    setOwn(copy, m.key, m.value);
    return copy;
  }
  const all = paths(copy);
  if (all.length === 0) return copy;
  if (m.op === 'poison') {
    // any string but the event's type (a poisoned type is just an unknown event)
    const strings = all.filter((p) => typeof p.reduce((o: any, k) => o[k], copy) === 'string' && !(p.length === 1 && p[0] === 'type'));
    if (strings.length === 0) return copy;
    const p = strings[m.at % strings.length];
    const parent = p.slice(0, -1).reduce((o: any, k) => o[k], copy);
    const v = parent[p.at(-1)!] as string;
    setOwn(parent, p.at(-1)!, v.slice(0, 1) + m.with + v.slice(1));
    return copy;
  }
  const path = all[m.at % all.length];
  const parent = path.slice(0, -1).reduce((o: any, k) => o[k], copy);
  const key = path.at(-1)!;
  if (m.op === 'drop') {
    if (Array.isArray(parent)) parent.splice(Number(key), 1);
    else delete parent[key];
  } else setOwn(parent, key, m.value);
  return copy;
}

/** Markers in generated bodies, resolved when sent: deputies, dates and instants relative to now. */
function resolve(v: unknown): unknown {
  if (typeof v === 'string' && v.startsWith('@')) {
    const [kind, arg] = v.slice(1).split(':');
    const now = Date.now();
    switch (kind) {
      case 'deputyA':
        return w.deputies.a;
      case 'deputyB':
        return w.deputies.b;
      case 'deputyOther':
        return w.deputies.other;
      case 'case':
        return pool.cases.length ? pool.cases[Number(arg) % pool.cases.length] : randomUUID();
      case 'days': // a Shanghai calendar date, days from today
        return new Date(now + 8 * 3_600_000 + Number(arg) * 86_400_000).toISOString().slice(0, 10);
      case 'ago': // an instant, minutes ago
        return new Date(now - Number(arg) * 60_000).toISOString();
      case 'in':
        return new Date(now + Number(arg) * 60_000).toISOString();
    }
  }
  if (Array.isArray(v)) return v.map(resolve);
  if (v !== null && typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) setOwn(out, k, resolve(x));
    return out;
  }
  return v;
}

// ---------------------------------------------------------------------------------------------
// Valid (or nearly) bodies

const cjk = fc.constantFrom('民间借贷', '婚姻家庭', '邻里纠纷', '物业服务', '劳务合同', '买卖合同');
const words = fc.oneof({ weight: 4, arbitrary: cjk }, { weight: 1, arbitrary: fc.string({ minLength: 1, maxLength: 30 }) });
const maybe = <T>(a: fc.Arbitrary<T>) => fc.option(a, { nil: undefined, freq: 2 });
const amountArb = fc.oneof(
  { weight: 6, arbitrary: fc.integer({ min: 1, max: 5_000_000 }).map((f) => (f / 100).toFixed(2)) },
  { weight: 2, arbitrary: fc.constantFrom('20000.00', '20000', '0.01', '10000.00') },
  { weight: 1, arbitrary: fc.constantFrom('0', '0.00', '-1', '1.234', 'abc', '1e5', 12000, 12000.5, -3) },
);
const occurredAtArb = fc.oneof(
  { weight: 12, arbitrary: fc.constant(undefined) },
  { weight: 2, arbitrary: fc.integer({ min: 0, max: 60 * 24 * 10 }).map((m) => `@ago:${m}`) },
  { weight: 1, arbitrary: fc.integer({ min: 5, max: 600 }).map((m) => `@in:${m}`) },
);
const deputyRef = fc.constantFrom('@deputyA', '@deputyB');
const someDeputies = fc.oneof(
  { weight: 6, arbitrary: fc.subarray(['@deputyA', '@deputyB'], { minLength: 1 }) },
  { weight: 1, arbitrary: fc.constantFrom(['@deputyOther'], [], ['@deputyA', '@deputyA'], [randomUUID()], ['not-a-uuid']) },
);
const partyOf = (idNumbers: string[]) =>
  fc.record(
    {
      role: fc.constantFrom('applicant', 'respondent'),
      name: fc.constantFrom('张三', '李四', '王五', '赵六'),
      idNumber: maybe(fc.constantFrom(...idNumbers)),
      phone: maybe(fc.constantFrom('13812345678', '+86 138-1234-5678', '0451-1234567')),
    },
    { requiredKeys: ['role', 'name'] },
  );
const VALID_ID_NUMBERS = ['230102199001011234', '23010319850505432X'];

const caseCreateOf = (amountArb: fc.Arbitrary<unknown>, idNumbers: string[]) => fc.record(
  {
    track: fc.constantFrom('pre_filing', 'post_filing'),
    procedure: maybe(fc.constantFrom('ordinary', 'simple')),
    source: fc.oneof({ weight: 5, arbitrary: fc.constantFrom(...SOURCES.filter((s) => s !== 'enforcement_referral')) }, { weight: 1, arbitrary: fc.constant('enforcement_referral') }),
    stationCode: fc.oneof({ weight: 6, arbitrary: fc.constant('HL01') }, { weight: 1, arbitrary: fc.constantFrom('SC01', 'NOPE') }),
    disputeType: cjk,
    summary: words,
    claimAmount: maybe(amountArb),
    enforceableDocument: fc.oneof({ weight: 3, arbitrary: fc.constant('（2025）黑0111民初123号民事调解书') }, { weight: 1, arbitrary: fc.constant(undefined) }),
    owedAmount: fc.oneof({ weight: 3, arbitrary: amountArb }, { weight: 1, arbitrary: fc.constant(undefined) }),
    parties: fc.array(partyOf(idNumbers), { minLength: 1, maxLength: 3 }),
    occurredAt: fc.oneof({ weight: 6, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary: fc.integer({ min: 60, max: 60 * 24 * 30 }).map((m) => `@ago:${m}`) }),
  },
  { requiredKeys: ['track', 'source', 'stationCode', 'disputeType', 'summary', 'parties'] },
);
const validAmountArb = fc.integer({ min: 1, max: 5_000_000 }).map((f) => (f / 100).toFixed(2));
const caseCreateArb = caseCreateOf(amountArb, [...VALID_ID_NUMBERS, '12345']);

/** Payloads for every case event: valid most of the time, odd some of the time. */
const caseEventPayload: Record<string, fc.Arbitrary<Record<string, unknown>>> = {
  ACCEPT: fc.record({ note: maybe(words) }, { requiredKeys: [] }),
  RETURN: fc.record({ reason: fc.constantFrom(...RETURN_REASONS, 'bogus'), note: maybe(words) }, { requiredKeys: ['reason'] }),
  ASSIGN: fc.record({ mediatorName: maybe(fc.constantFrom('周调解员', '吴调解员')), deputyIds: someDeputies }, { requiredKeys: ['deputyIds'] }),
  RECUSE: fc.record({ deputyId: fc.oneof(deputyRef, fc.constant('@deputyOther')), reason: words }),
  SCHEDULE_SESSION: fc.record({ at: fc.integer({ min: 60, max: 60 * 24 * 20 }).map((m) => `@in:${m}`), location: words }),
  RECORD_SESSION: fc.record({ heldAt: fc.integer({ min: 0, max: 600 }).map((m) => `@ago:${m}`), attendeeDeputyIds: fc.subarray(['@deputyA', '@deputyB']), minutes: words }),
  PAUSE: fc.record({ reason: words }),
  RESUME: fc.record({ note: maybe(words) }, { requiredKeys: [] }),
  EXTEND: fc.record({ days: fc.oneof(fc.integer({ min: 1, max: 90 }), fc.constantFrom(0, 91, 1.5)), partiesConsent: fc.oneof({ weight: 5, arbitrary: fc.constant(true) }, { weight: 1, arbitrary: fc.constant(false) }) }),
  REACH_AGREEMENT: fc
    .record({ terms: words, amount: amountArb, due: fc.integer({ min: -40, max: 120 }), split: fc.boolean() })
    .map(({ terms, amount, due, split }) => ({
      terms,
      amount,
      dueDate: `@days:${due}`,
      ...(split ? { installments: [{ dueDate: `@days:${due - 1}`, amount }] } : {}),
    })),
  FAIL: fc.record({ reason: fc.constantFrom(...FAIL_REASONS), note: maybe(words) }, { requiredKeys: ['reason'] }),
  WITHDRAW: fc.record({ note: maybe(words) }, { requiredKeys: [] }),
  MEDIATION_EXPIRED: fc.constant({}),
  APPLY_CONFIRMATION: fc.record({ note: maybe(words) }, { requiredKeys: [] }),
  CONFIRM: fc.record({ rulingNumber: fc.constantFrom('（2026）黑0111民特12号', 'X') }),
  DENY_CONFIRMATION: fc.record({ reason: words }),
  RECORD_PERFORMANCE: fc.record({ amount: amountArb, note: maybe(words) }, { requiredKeys: ['amount'] }),
  PERFORMANCE_OVERDUE: fc.constant({}),
  REPORT_DEFAULT: fc.record({ note: maybe(words) }, { requiredKeys: [] }),
  APPLY_ENFORCEMENT: fc.record({ enforcementCaseNumber: fc.constantFrom('（2026）黑0111执100号', 'E1') }),
  FILE_LAWSUIT: fc.record({ note: maybe(words) }, { requiredKeys: [] }),
  RECORD_MEASURE: fc.record({ kind: fc.constantFrom(...MEASURE_KINDS), note: maybe(words) }, { requiredKeys: ['kind'] }),
  RECORD_RECOVERY: fc.record({ amount: amountArb, note: maybe(words) }, { requiredKeys: ['amount'] }),
  SUSPEND: fc.record({ reason: words }),
  CONCLUDE: fc.record({ result: fc.constantFrom(...CONCLUDE_RESULTS), note: maybe(words) }, { requiredKeys: ['result'] }),
  ENFORCEMENT_OVERDUE: fc.constant({}),
};

const SUPERVISION_EVENT_TYPES = Object.keys(supervisionEventSchemas);
const ENDING = new Set(['RETURN', 'WITHDRAW', 'FAIL', 'FILE_LAWSUIT', 'CONCLUDE', 'CLOSE']);
const supervisionEventPayload: Record<string, fc.Arbitrary<Record<string, unknown>>> = {
  REQUEST_REPORT: fc.record({ dueDate: fc.integer({ min: -5, max: 60 }).map((d) => `@days:${d}`), note: maybe(words) }, { requiredKeys: ['dueDate'] }),
  SUBMIT_REPORT: fc.record({ content: words }),
  REPORT_OVERDUE: fc.constant({}),
  EVALUATE: fc.record(
    { rating: fc.constantFrom(...RATINGS), opinion: words, dueDate: maybe(fc.integer({ min: 1, max: 60 }).map((d) => `@days:${d}`)) },
    { requiredKeys: ['rating', 'opinion'] },
  ),
  SUBMIT_RECTIFICATION: fc.record({ content: words }),
  CLOSE: fc.record({ conclusion: words }),
};

const anyCaseEvent = fc.constantFrom(...CASE_EVENT_TYPES).chain((type) => caseEventPayload[type].map((p) => ({ type, ...p })));
const anySupervisionEvent = fc.constantFrom(...SUPERVISION_EVENT_TYPES).chain((type) => supervisionEventPayload[type].map((p) => ({ type, ...p })));
const supervisionCreateArb = fc.record(
  {
    kind: fc.constantFrom(...SUPERVISION_KINDS),
    subject: words,
    respondent: fc.constantFrom('呼兰区人民法院', '双城区人民法院'),
    caseIds: maybe(fc.array(fc.nat().map((i) => `@case:${i}`), { maxLength: 3 })),
  },
  { requiredKeys: ['kind', 'subject', 'respondent'] },
);
const stationArb = fc.record({
  code: fc.oneof(fc.stringMatching(/^[A-Z]{2}[0-9]{2}$/), fc.constantFrom('HL01', 'x y', '')),
  name: words,
  kind: fc.constantFrom('court', 'street', 'town', 'village', 'moon'),
  district: fc.constantFrom('呼兰区', '双城区'),
});
const deputyArb = fc.record(
  {
    name: fc.constantFrom('钱七', '孙八'),
    level: fc.constantFrom('national', 'provincial', 'municipal', 'county', 'township'),
    stationCode: fc.constantFrom('HL01', 'SC01', 'NOPE'),
    expertise: maybe(fc.array(cjk, { maxLength: 3 })),
    phone: maybe(fc.constantFrom('13900001111', 'abc')),
  },
  { requiredKeys: ['name', 'level', 'stationCode'] },
);
const userArb = fc.record(
  {
    name: words,
    role: fc.constantFrom('admin', 'court', 'station', 'deputy', 'committee', 'root'),
    stationCode: maybe(fc.constantFrom('HL01', 'SC01', 'NOPE')),
    deputyId: maybe(fc.oneof(deputyRef, fc.constant(randomUUID()), fc.constant('x'))),
    login: maybe(fc.stringMatching(/^[a-z][a-z0-9]{1,10}$/)),
    password: maybe(fc.constantFrom('correct horse battery', 'short')),
  },
  { requiredKeys: ['name', 'role'] },
);
const activityArb = fc.record({
  date: fc.integer({ min: -60, max: 3 }).map((d) => `@days:${d}`),
  theme: words,
  content: words,
  deputyIds: fc.subarray(['@deputyA', '@deputyB', '@deputyOther']),
  votersReceived: fc.oneof(fc.nat({ max: 200 }), fc.constantFrom(-1, 1.5, 10_000_000)),
});

/** A body for a write: valid, mutated, any JSON, or not JSON at all. */
type Body = { json: unknown } | { raw: string };
function bodyOf(valid: fc.Arbitrary<unknown>): fc.Arbitrary<Body> {
  return fc.oneof(
    { weight: 4, arbitrary: valid.map((json) => ({ json })) },
    // mutated before the markers are resolved (a marker is a string like any other)
    { weight: 5, arbitrary: fc.tuple(valid, mutationArb, fc.option(mutationArb, { nil: undefined })).map(([b, m1, m2]) => ({ json: mutate(mutate(b, m1), m2 ?? { op: 'none' }) })) },
    { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 3 }).map((json) => ({ json })) },
    {
      weight: 1,
      arbitrary: fc.oneof(
        fc.string({ maxLength: 50 }),
        fc.constantFrom(
          '{',
          '{"type":',
          '[1,2',
          '{"a":1}}',
          'null',
          '""',
          '\u0000',
          '{"type":"ACCEPT"',
          `{"summary":"${'x'.repeat(200_000)}"`,
          '{"__proto__":{"role":"admin"}}',
          '\uFEFF{}',
          '{"type":"ACCEPT","note":"\\u0000"}',
          '{"type":"ACCEPT","note":"\\ud800"}',
          `${'['.repeat(20_000)}${']'.repeat(20_000)}`,
          `{"type":"ACCEPT","x":${'['.repeat(5_000)}${']'.repeat(5_000)}}`,
          `{"a":${'{"a":'.repeat(3_000)}1${'}'.repeat(3_000)}}`,
        ),
      ).map((raw) => ({ raw })),
    },
  );
}

// ---------------------------------------------------------------------------------------------
// Endpoints

type IdRef = { kind: 'case' | 'supervision'; i: number } | { kind: 'uuid'; v: string } | { kind: 'raw'; v: string } | { kind: 'encoded'; v: string };
const idArb: fc.Arbitrary<IdRef> = fc.oneof(
  { weight: 4, arbitrary: fc.nat().map((i) => ({ kind: 'case' as const, i })) },
  { weight: 2, arbitrary: fc.nat().map((i) => ({ kind: 'supervision' as const, i })) },
  { weight: 1, arbitrary: fc.uuid().map((v) => ({ kind: 'uuid' as const, v })) },
  {
    weight: 2,
    arbitrary: fc
      .constantFrom('..', '../..', '..%2f..%2fhealthz', '%2e%2e', '.%2e', '%00', '%ff', '%', '%zz', '%E4%B8', 'a%2Fb', '00000000-0000-0000-0000-000000000000', 'NULL', '1', '-1', '0x10')
      .map((v) => ({ kind: 'raw' as const, v })),
  },
  { weight: 2, arbitrary: fc.oneof(fc.string({ maxLength: 60 }), fc.string({ unit: 'binary', maxLength: 20 }), fc.constant('x'.repeat(3000))).map((v) => ({ kind: 'encoded' as const, v })) },
);

function idOf(r: IdRef): string {
  switch (r.kind) {
    case 'case':
      return pool.cases.length ? pool.cases[r.i % pool.cases.length] : randomUUID();
    case 'supervision':
      return pool.supervisions.length ? pool.supervisions[r.i % pool.supervisions.length] : randomUUID();
    case 'uuid':
    case 'raw':
      return r.v;
    case 'encoded':
      return encodeURIComponent(r.v.replace(/[\uD800-\uDFFF]/g, '\uFFFD'));
  }
}

const queryArb = fc.array(
  fc.tuple(
    fc.oneof(fc.constantFrom('state', 'stationCode', 'overdue', 'outcome', 'q', 'cursor', 'limit', 'district', 'from', 'to', 'format', 'kind', 'name'), fc.string({ maxLength: 6 })),
    fc.oneof(
      fc.constantFrom('mediation', 'mediation.active', 'closed', 'HL01', 'true', 'false', '1', '0', '-1', '201', '1e3', 'abc', '2026-01-01', '2026-13-45', 'csv', 'json', 'xml', 'performed'),
      weirdString.map((s) => (s.length > 2000 ? s.slice(0, 2000) : s)),
      fc.array(fc.jsonValue({ maxDepth: 1 }), { maxLength: 3 }).map((v) => Buffer.from(JSON.stringify(v)).toString('base64url')),
    ),
  ),
  { maxLength: 4 },
);

interface Endpoint {
  method: string;
  path: string;
  body?: fc.Arbitrary<{ json: unknown } | { raw: string }>;
  query?: boolean;
}
const ENDPOINTS: Endpoint[] = [
  { method: 'GET', path: '/healthz' },
  { method: 'GET', path: '/api/me' },
  { method: 'GET', path: '/api/stations' },
  { method: 'POST', path: '/api/stations', body: bodyOf(stationArb) },
  { method: 'GET', path: '/api/deputies', query: true },
  { method: 'POST', path: '/api/deputies', body: bodyOf(deputyArb) },
  { method: 'GET', path: '/api/users' },
  { method: 'POST', path: '/api/users', body: bodyOf(userArb) },
  { method: 'GET', path: '/api/cases', query: true },
  { method: 'POST', path: '/api/cases', body: bodyOf(caseCreateArb) },
  { method: 'GET', path: '/api/cases/:id' },
  { method: 'POST', path: '/api/cases/:id/events', body: bodyOf(anyCaseEvent) },
  { method: 'GET', path: '/api/cases/:id/history' },
  { method: 'GET', path: '/api/cases/:id/diagram' },
  { method: 'GET', path: '/api/supervisions', query: true },
  { method: 'POST', path: '/api/supervisions', body: bodyOf(supervisionCreateArb) },
  { method: 'GET', path: '/api/supervisions/:id' },
  { method: 'POST', path: '/api/supervisions/:id/events', body: bodyOf(anySupervisionEvent) },
  { method: 'GET', path: '/api/supervisions/:id/history' },
  { method: 'GET', path: '/api/stations/:code/activities', query: true },
  { method: 'POST', path: '/api/stations/:code/activities', body: bodyOf(activityArb) },
  { method: 'GET', path: '/api/reports/enforcement', query: true },
  { method: 'GET', path: '/api/machines/:name' },
  { method: 'POST', path: '/api/admin/sweep', body: bodyOf(fc.constant({})) },
];

/** Endpoints by `METHOD path`: generated values name them, so a counterexample prints short. */
const ENDPOINT_KEYS = ENDPOINTS.map((e) => `${e.method} ${e.path}`);
const endpointOf = (key: string) => ENDPOINTS[ENDPOINT_KEYS.indexOf(key)];

const headersArb = fc.record(
  {
    idempotencyKey: fc.oneof({ weight: 3, arbitrary: fc.uuid() }, { weight: 1, arbitrary: headerValue(300) }, { weight: 1, arbitrary: fc.constantFrom('', ' ', 'k', 'x'.repeat(201)) }),
    ifMatch: fc.oneof(fc.nat({ max: 20 }).map((n) => `"${n}"`), fc.nat({ max: 20 }).map(String), fc.constantFrom('*', 'W/"2"', '"-1"', '"1e3"', '"99999999999"', '', 'garbage'), headerValue(40)),
    requestId: headerValue(120),
    contentType: fc.constantFrom('application/json', 'text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/json; charset=latin1', 'garbage'),
  },
  { requiredKeys: [] },
);

const requestArb = fc.record({
  endpoint: fc.constantFrom(...ENDPOINT_KEYS),
  otherMethod: fc.option(fc.constantFrom('PUT', 'PATCH', 'DELETE', 'POST', 'GET'), { nil: undefined, freq: 12 }),
  id: idArb,
  code: fc.oneof(fc.constantFrom('HL01', 'SC01', 'NOPE', '..', '%', 'case', 'supervision'), fc.string({ maxLength: 20 }).map((c) => encodeURIComponent(c.replace(/[\uD800-\uDFFF]/g, '')))),
  query: queryArb,
  auth: authArb,
  headers: headersArb,
});

// ---------------------------------------------------------------------------------------------
// Sending, and the checks every answer must pass

async function send(method: string, path: string, auth: Auth, body: { json: unknown } | { raw: string } | undefined, headers: Record<string, string | undefined> = {}): Promise<Call> {
  const h: Record<string, string> = {};
  const authz = authHeader(auth);
  if (authz !== null) h.authorization = authz;
  for (const [k, v] of Object.entries(headers)) if (v !== undefined) h[k] = v;
  let text: string | undefined;
  if (body) {
    text = 'raw' in body ? body.raw : JSON.stringify(resolve(body.json));
    if (text === undefined) text = '';
    if (!h['content-type']) h['content-type'] = 'application/json';
  }
  const res = await w.app.request(path, { method, headers: h, body: method === 'GET' ? undefined : text });
  const raw = await res.text();
  let parsed: unknown = raw;
  try {
    parsed = raw ? JSON.parse(raw) : null;
  } catch {
    // not JSON
  }
  stats.requests++;
  stats.byStatus.set(res.status, (stats.byStatus.get(res.status) ?? 0) + 1);
  return { status: res.status, body: parsed, headers: res.headers };
}

/** Never a 5xx; a refusal is problem+json and wrote nothing; a state is a machine state. */
async function checked(
  what: string,
  request: () => Promise<Call>,
  opts: { path: string } = { path: '/api' },
): Promise<Call> {
  const before = await fingerprint();
  const r = await request();
  const where = `${what} → ${r.status} ${typeof r.body === 'string' ? r.body.slice(0, 300) : JSON.stringify(r.body)?.slice(0, 300)}`;
  expect(r.status, where).toBeLessThan(500);
  const normalized = new URL(opts.path, 'http://localhost').pathname;
  const api = normalized.startsWith('/api/') || normalized === '/api' || normalized === '/healthz';
  if (r.status >= 400) {
    if (api) {
      expect(r.headers.get('content-type') ?? '', where).toMatch(/^application\/problem\+json/);
      expect(r.body, where).toMatchObject({ status: r.status, type: expect.stringMatching(/^urn:jiefen:problem:/), title: expect.any(String), detail: expect.any(String) });
    }
    expect(await fingerprint(), `${where}: a refusal wrote something`).toEqual(before);
  } else if (api && r.body && typeof r.body === 'object') {
    const b = r.body as { state?: unknown; version?: unknown; items?: { state?: unknown }[] };
    const states = normalized.startsWith('/api/supervisions') ? SUPERVISION_STATES : CASE_STATES;
    if (typeof b.state === 'string' && (normalized.startsWith('/api/cases') || normalized.startsWith('/api/supervisions'))) {
      expect(states.has(b.state), `${where}: unknown state`).toBe(true);
    }
    if (Array.isArray(b.items) && (normalized === '/api/cases' || normalized === '/api/supervisions')) {
      for (const i of b.items) expect(states.has(i.state as string), `${where}: unknown state ${i.state}`).toBe(true);
    }
  }
  return r;
}

function remember(path: string, method: string, r: Call) {
  if (method !== 'POST' || r.status !== 201) return;
  const id = (r.body as { id?: string })?.id;
  if (!id) return;
  if (path === '/api/cases') pool.cases.push(id);
  if (path === '/api/supervisions') pool.supervisions.push(id);
}

async function assertFuzz(name: string, seedOffset: number, prop: fc.IAsyncProperty<any>, numRuns: number) {
  const seed = SEED + seedOffset;
  try {
    await fc.assert(prop, { seed, numRuns, endOnFailure: LONG });
  } catch (err) {
    // fast-check's report carries the seed and the counterexample path; say how to rerun it too.
    (err as Error).message = `fuzz "${name}" failed — rerun with FUZZ_SEED=${SEED} (property seed ${seed}, numRuns ${numRuns}):\n${(err as Error).message}`;
    throw err;
  }
}

async function globalInvariants() {
  for (const store of [caseStore, supervisionStore]) {
    const r = await verifyStore(w.database.db, store);
    expect(r.mismatches, `${store.type}: replay differs from the stored snapshot`).toEqual([]);
  }
  const states = rowsOf<{ state: string; kind: string }>(
    await w.database.db.execute(sql`select distinct state, 'case' as kind from cases union select distinct state, 'supervision' from supervisions`),
  );
  for (const s of states) expect((s.kind === 'case' ? CASE_STATES : SUPERVISION_STATES).has(s.state), `stored ${s.kind} state ${s.state}`).toBe(true);
}

// ---------------------------------------------------------------------------------------------

describe(`fuzz (seed ${SEED}, ${RUNS} runs per property)`, () => {
  it('the machines have the states DESIGN.md names', () => {
    expect([...CASE_STATES].sort()).toEqual([
      'agreement.confirming',
      'agreement.defaulted',
      'agreement.performing',
      'closed',
      'enforcement.active',
      'enforcement.suspended',
      'intake.screening',
      'mediation.active',
      'mediation.assigning',
      'mediation.paused',
    ]);
    expect([...SUPERVISION_STATES].sort()).toEqual(['awaitingReport', 'closed', 'open', 'rectifying', 'reviewing']);
    // and the generators cover every event of both machines
    expect(Object.keys(caseEventPayload).sort()).toEqual([...CASE_EVENT_TYPES].sort());
    expect(Object.keys(supervisionEventPayload).sort()).toEqual([...SUPERVISION_EVENT_TYPES].sort());
  });

  it(
    'every endpoint as every caller: random and mutated requests',
    async () => {
      // a few entities to aim at
      for (let i = 0; i < 3; i++) pool.cases.push((await w.openCase()).id);
      const sup = await w.call(w.tokens.committee, 'POST', '/api/supervisions', { kind: 'case_inquiry', subject: '专题问案', respondent: '呼兰区人民法院', caseIds: [pool.cases[0]] });
      expect(sup.status).toBe(201);
      pool.supervisions.push(sup.body.id);

      // every (endpoint, caller) pair at least once, then random requests
      const pairs = ENDPOINT_KEYS.flatMap((e) => [...CALLERS.map((c) => ({ caller: c })), { header: null }, { header: 'Bearer nope' }].map((auth) => ({ e, auth })));
      let k = 0;
      for (const { e, auth } of pairs) {
        const [sample] = fc.sample(requestArb, { seed: SEED + 1000 + k++, numRuns: 1 });
        const body = endpointOf(e).body;
        try {
          await runRequest({ ...sample, endpoint: e, otherMethod: undefined, auth }, body ? fc.sample(body, { seed: SEED + k, numRuns: 1 })[0] : undefined);
        } catch (err) {
          (err as Error).message = `fuzz "every pair" failed — rerun with FUZZ_SEED=${SEED} (pair ${k}):\n${(err as Error).message}`;
          throw err;
        }
      }

      await assertFuzz(
        'requests',
        1,
        fc.asyncProperty(
          requestArb.chain((r) => {
            const body = endpointOf(r.endpoint).body;
            return body ? body.map((b): { r: Req; body?: Body } => ({ r, body: b })) : fc.constant<{ r: Req; body?: Body }>({ r });
          }),
          async ({ r, body }) => {
            await runRequest(r, body);
          },
        ),
        RUNS,
      );
      await globalInvariants();
    },
    TIMEOUT,
  );

  it(
    'every write as a caller allowed to make it: valid bodies mutated, poisoned, nested, with junk headers',
    async () => {
      /** Who may make each write (the others are the security suite's business). */
      const writers: Record<string, Caller[]> = {
        'POST /api/stations': ['admin'],
        'POST /api/deputies': ['admin'],
        'POST /api/users': ['admin'],
        'POST /api/cases': ['court', 'stationHL'],
        'POST /api/cases/:id/events': ['court', 'deputyA'],
        'POST /api/supervisions': ['committee'],
        'POST /api/supervisions/:id/events': ['committee', 'court'],
        'POST /api/stations/:code/activities': ['court', 'stationHL'],
        'POST /api/admin/sweep': ['admin'],
      };
      const writeArb = fc
        .record({ endpoint: fc.constantFrom(...Object.keys(writers)), pick: fc.nat(), i: fc.nat(), headers: headersArb })
        .chain((x) => endpointOf(x.endpoint).body!.map((body) => ({ ...x, body })));
      await assertFuzz(
        'writes',
        4,
        fc.asyncProperty(writeArb, async (x) => {
          const callers = writers[x.endpoint];
          const id: IdRef = { kind: x.endpoint.startsWith('POST /api/supervisions/') ? 'supervision' : 'case', i: x.i };
          await runRequest({ endpoint: x.endpoint, otherMethod: undefined, id, code: 'HL01', query: [], auth: { caller: callers[x.pick % callers.length] }, headers: x.headers }, x.body);
        }),
        RUNS,
      );
      await globalInvariants();
    },
    TIMEOUT,
  );

  it(
    'random event sequences on fresh cases, mostly along what the state takes',
    async () => {
      const actorArb = fc.oneof(
        { weight: 10, arbitrary: fc.constant<Caller>('court') },
        { weight: 3, arbitrary: fc.constant<Caller>('deputyA') },
        { weight: 1, arbitrary: fc.constantFrom<Caller>('deputyB', 'stationHL', 'stationSC', 'committee', 'admin', 'deputyOther') },
      );
      const stepArb = fc.record({
        actor: actorArb,
        follow: fc.oneof({ weight: 5, arbitrary: fc.constant(true) }, { weight: 1, arbitrary: fc.constant(false) }),
        pick: fc.nat(),
        payloads: fc.record(Object.fromEntries(CASE_EVENT_TYPES.map((t) => [t, caseEventPayload[t]]))),
        occurredAt: occurredAtArb,
        mutation: stepMutationArb,
        idem: fc.oneof({ weight: 3, arbitrary: fc.constant('none' as const) }, { weight: 2, arbitrary: fc.constant('fresh' as const) }, { weight: 1, arbitrary: fc.constant('reuse' as const) }),
        ifMatch: fc.oneof({ weight: 4, arbitrary: fc.constant('none' as const) }, { weight: 1, arbitrary: fc.constantFrom('current' as const, 'stale' as const) }),
      });
      await assertFuzz(
        'case sequences',
        2,
        fc.asyncProperty(
          fc.record({ open: caseCreateOf(validAmountArb, VALID_ID_NUMBERS), openMutation: stepMutationArb, opener: fc.oneof({ weight: 12, arbitrary: fc.constant<Caller>('court') }, { weight: 1, arbitrary: fc.constantFrom<Caller>('stationHL', 'stationSC') }), steps: fc.array(stepArb, { minLength: 3, maxLength: 30, size: 'max' }) }),
          async ({ open, openMutation, opener, steps }) => {
            const created = await checked('open case', () => send('POST', '/api/cases', { caller: opener }, { json: mutate(open, openMutation) }));
            remember('/api/cases', 'POST', created);
            stats.sequences++;
            if (created.status !== 201) return;
            stats.opened++;
            const id = created.body.id as string;
            let version = created.body.version as number;
            let state = created.body.state as string;
            let lastKey: { key: string; body: string } | null = null;
            for (const s of steps) {
              // what the state takes, the events that end a case weighted down so sequences go deep
              const takes = handledIn(caseMachine, 'case', state).flatMap((t) => (ENDING.has(t) ? [t] : [t, t, t, t, t, t]));
              const type = s.follow && takes.length ? takes[s.pick % takes.length] : CASE_EVENT_TYPES[s.pick % CASE_EVENT_TYPES.length];
              let event: Record<string, unknown> = { type, ...s.payloads[type], ...(s.occurredAt ? { occurredAt: s.occurredAt } : {}) };
              event = mutate(event, s.mutation) as Record<string, unknown>;
              const text = JSON.stringify(resolve(event));
              const key: string | undefined = s.idem === 'fresh' ? randomUUID() : s.idem === 'reuse' && lastKey ? lastKey.key : undefined;
              const ifMatch = s.ifMatch === 'current' ? `"${version}"` : s.ifMatch === 'stale' ? `"${Math.max(0, version - 1)}"` : undefined;
              const r = await checked(`${s.actor} ${text.slice(0, 200)} on ${state} v${version}`, () =>
                send('POST', `/api/cases/${id}/events`, { caller: s.actor }, { raw: text }, { 'idempotency-key': key, 'if-match': ifMatch }),
              );
              if (key) lastKey = { key, body: text };
              if (r.status === 200) {
                const replayed = r.headers.get('idempotent-replayed') === 'true';
                if (!replayed) {
                  expect(r.body.version, 'an accepted event bumps the version by one').toBe(version + 1);
                  version = r.body.version;
                  state = r.body.state;
                  stats.reached.add(`case ${state}`);
                  stats.events++;
                }
              }
            }
            const history = await w.call(w.tokens.court, 'GET', `/api/cases/${id}/history`);
            expect(history.body.items.map((e: { seq: number }) => e.seq)).toEqual(Array.from({ length: version }, (_, i) => i + 1));
            expect(CASE_STATES.has(history.body.items.at(-1).to)).toBe(true);
          },
        ),
        Math.max(10, Math.round(RUNS / 5)),
      );
      await globalInvariants();
    },
    TIMEOUT,
  );

  it(
    'random event sequences on fresh supervision items',
    async () => {
      const stepArb = fc.record({
        actor: fc.oneof({ weight: 4, arbitrary: fc.constant<Caller>('committee') }, { weight: 3, arbitrary: fc.constant<Caller>('court') }, { weight: 1, arbitrary: fc.constantFrom<Caller>('admin', 'stationHL', 'deputyA') }),
        follow: fc.oneof({ weight: 5, arbitrary: fc.constant(true) }, { weight: 1, arbitrary: fc.constant(false) }),
        pick: fc.nat(),
        payloads: fc.record(Object.fromEntries(SUPERVISION_EVENT_TYPES.map((t) => [t, supervisionEventPayload[t]]))),
        occurredAt: occurredAtArb,
        mutation: stepMutationArb,
      });
      await assertFuzz(
        'supervision sequences',
        3,
        fc.asyncProperty(fc.record({ open: supervisionCreateArb, openMutation: stepMutationArb, steps: fc.array(stepArb, { minLength: 2, maxLength: 14, size: 'max' }) }), async ({ open, openMutation, steps }) => {
          const created = await checked('open supervision', () => send('POST', '/api/supervisions', { caller: 'committee' }, { json: mutate(open, openMutation) }));
          remember('/api/supervisions', 'POST', created);
          if (created.status !== 201) return;
          const id = created.body.id as string;
          let version = created.body.version as number;
          let state = created.body.state as string;
          for (const s of steps) {
            const takes = handledIn(supervisionMachine, 'supervision', state).flatMap((t) => (ENDING.has(t) ? [t] : [t, t, t, t]));
            const type = s.follow && takes.length ? takes[s.pick % takes.length] : SUPERVISION_EVENT_TYPES[s.pick % SUPERVISION_EVENT_TYPES.length];
            const event = mutate({ type, ...s.payloads[type], ...(s.occurredAt ? { occurredAt: s.occurredAt } : {}) }, s.mutation);
            const r = await checked(`${s.actor} ${JSON.stringify(event).slice(0, 200)} on ${state}`, () =>
              send('POST', `/api/supervisions/${id}/events`, { caller: s.actor }, { json: event }),
            );
            if (r.status === 200) {
              expect(r.body.version).toBe(version + 1);
              version = r.body.version;
              state = r.body.state;
              stats.reached.add(`supervision ${state}`);
            }
          }
        }),
        Math.max(10, Math.round(RUNS / 8)),
      );
      await globalInvariants();
      // what the runs covered, for the record
      console.log(
        `fuzz ${process.env.JIEFEN_TEST_DB ?? 'pglite'}: seed ${SEED}, ${stats.requests} requests; statuses ${[...stats.byStatus].sort().map(([s, n]) => `${s}×${n}`).join(' ')}; ` +
          `case sequences: ${stats.opened} of ${stats.sequences} opened, ${stats.events} events accepted; states reached by events: ${[...stats.reached].sort().join(', ')}`,
      );
    },
    TIMEOUT,
  );
});

type Req = typeof requestArb extends fc.Arbitrary<infer T> ? T : never;

async function runRequest(r: Req, body: Body | undefined) {
  const e = endpointOf(r.endpoint);
  let path = e.path.replace(':id', idOf(r.id)).replace(':code', r.code).replace(':name', r.id.kind === 'case' ? 'case' : r.id.kind === 'supervision' ? 'supervision' : idOf(r.id));
  if (e.query && r.query.length) path += `?${new URLSearchParams(r.query.map(([k, v]) => [k, v.replace(/[\uD800-\uDFFF]/g, '\uFFFD')] as [string, string])).toString()}`;
  const method = r.otherMethod ?? e.method;
  const h = r.headers;
  const headers = { 'idempotency-key': h.idempotencyKey, 'if-match': h.ifMatch, 'x-request-id': h.requestId, 'content-type': h.contentType };
  const sent = method === 'GET' ? undefined : (body ?? { json: {} });
  const res = await checked(`${method} ${path.slice(0, 200)} as ${JSON.stringify(r.auth).slice(0, 80)} ${sent ? JSON.stringify(sent).slice(0, 200) : ''}`, () => send(method, path, r.auth, sent, headers), { path });
  remember(path, method, res);
}
