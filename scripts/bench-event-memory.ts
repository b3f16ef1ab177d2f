/**
 * What the write path computes in memory for one event of `npm run bench`'s sessions mix
 * (RECORD_SESSION / SCHEDULE_SESSION on a case in mediation.active, half by court staff, half by
 * the case's deputy, each with an Idempotency-Key), without a database: the steps of
 * `attemptEvent` (src/engine/write/event.ts) between the read and the swap, on a row shaped as the
 * read statement returns it. Prints µs per event for the whole and for each step, so a change to
 * one of them can be measured on its own.
 *
 *   npx tsx scripts/bench-event-memory.ts [--events 20000] [--rounds 5]   (with the machine to itself)
 */
import { parseArgs } from 'node:util';
import type { AnyMachineSnapshot } from 'xstate';
import { caseStore, type EntityRow } from '../src/engine/stores.js';
import { firstSnapshot, nextSnapshot } from '../src/engine/transition.js';
import { persist, restore } from '../src/engine/write/snapshots.js';
import { changedColumns } from '../src/engine/write/sql.js';
import { answerTexts } from '../src/engine/write/idempotency.js';
import { enforcedDeadlines, sameDeadlines } from '../src/engine/write/deadlines.js';
import { journalRow } from '../src/engine/write/journal.js';
import { stampLegalTime } from '../src/engine/legal-time.js';
import { renderCase } from '../src/engine/views.js';
import { eventNotices } from '../src/engine/notify/notices.js';
import { handledEvents, statePath } from '../src/machines/spec.js';
import { permits } from '../src/machines/policy.js';
import type { Actor } from '../src/machines/roles.js';
import type { Db } from '../src/db/client.js';
import { legalPeriods, type CaseContext } from '../src/machines/case.js';
import { art85End } from '../src/machines/calendar.js';

const { values: args } = parseArgs({ options: { events: { type: 'string', default: '20000' }, rounds: { type: 'string', default: '5' } } });
const N = Number(args.events);
const ROUNDS = Number(args.rounds);

const store = caseStore;
const spec = store.spec;
const DAY = 86_400_000;
const t0 = Date.now() - 2 * DAY;
const iso = (ms: number) => new Date(t0 + ms).toISOString();
/** A timestamptz as PostgreSQL's text output gives it (drizzle's string mode). */
const pgTime = (s: string | null) => (s === null ? null : s.replace('T', ' ').replace('Z', '+00'));

const d1 = '0b5c3a0e-1111-4c6b-9a52-0d3f1e2a7b01';
const d2 = '0b5c3a0e-2222-4c6b-9a52-0d3f1e2a7b02';
const court: Actor = { id: '7c1e2d3f-4a5b-4c6d-8e7f-9a0b1c2d3e4f', role: 'court', name: '李书记员' };
const deputy: Actor = { id: '9d8c7b6a-5f4e-4d3c-8b2a-1f0e9d8c7b6a', role: 'deputy', name: '代表', deputyId: d1 };
// The case as court staff opened it: the machine's input, and the row's creation columns made from it.
const input = {
  track: 'pre_filing',
  procedure: 'ordinary',
  source: 'court_referral',
  stationCode: 'HL01',
  disputeType: '民间借贷纠纷',
  summary: '申请人与被申请人因借款10042元未还发生纠纷，请求调解。',
  claimAmount: '10042.00',
  occurredAt: iso(0),
};
let snapshot = firstSnapshot(spec.machine, input);
snapshot = nextSnapshot(spec.machine, snapshot, { type: 'ACCEPT', occurredAt: iso(60_000) } as { type: string });
// ASSIGN starts the mediation period: the write path stamps its Art 85 end into the event (stampLegalTime).
const assign = { type: 'ASSIGN', mediatorName: '调解员王芳', deputyIds: [d1, d2], occurredAt: iso(120_000) } as { type: string; occurredAt: string; [k: string]: unknown };
const lastDay = legalPeriods(nextSnapshot(spec.machine, snapshot, assign).context as CaseContext).mediation_expiry!;
snapshot = nextSnapshot(spec.machine, snapshot, { ...assign, periodEnds: { mediation_expiry: art85End(lastDay, { days: {}, years: [Number(lastDay.slice(0, 4))] }) } } as typeof assign);
const columns = store.columns(snapshot);
const stored: EntityRow = {
  id: '5d7a6c1e-3b2f-4a8e-9c1d-2e3f4a5b6c7d',
  number: '2026-HL01-000042',
  state: statePath(snapshot.value),
  // The jsonb column, as the driver parses it.
  snapshot: JSON.parse(JSON.stringify(persist(store, snapshot))),
  version: 3,
  machineVersion: spec.version,
  ...store.createColumns(input, court),
  ...Object.fromEntries(Object.entries(columns).map(([k, v]) => [k, typeof v === 'string' && /At$/.test(k) ? pgTime(v) : v])),
  openedAt: pgTime(iso(0)),
  createdBy: court.id,
  createdAt: pgTime(iso(0)),
  updatedAt: pgTime(iso(120_000)),
} as unknown as EntityRow;
const storedSnapshot = JSON.stringify(stored.snapshot);
const viewData = [
  { id: 'a1b2c3d4-0000-4000-8000-000000000001', role: 'applicant', name: '张三', idNumber: '230102199001011234', phone: '13812345678' },
  { id: 'a1b2c3d4-0000-4000-8000-000000000002', role: 'respondent', name: '李四', idNumber: null, phone: '13987654321' },
];
const idem = { key: 'k', hash: 'h' };

const steps = ['restore', 'checks', 'transition', 'persist+columns', 'render', 'answerTexts', 'journal+notices', 'deadlines'] as const;
const spent = new Map<string, number>(steps.map((s) => [s, 0]));

/** One event, as attemptEvent computes it between the read and the swap. */
async function oneEvent(i: number, timed: boolean) {
  // Each read parses its row's snapshot afresh (the driver's jsonb): nothing is cached on it yet.
  const row = { ...stored, snapshot: JSON.parse(storedSnapshot) } as EntityRow;
  let t = timed ? performance.now() : 0;
  const lap = (step: (typeof steps)[number]) => {
    if (!timed) return;
    const n = performance.now();
    spent.set(step, spent.get(step)! + n - t);
    t = n;
  };
  const actor = i % 2 === 0 ? deputy : court;
  const now = new Date();
  const event: any =
    (i >> 1) % 2 === 0
      ? { type: 'RECORD_SESSION', heldAt: new Date(now.getTime() - 3_600_000).toISOString(), attendeeDeputyIds: [d1], minutes: '双方当事人到场，代表释法说理，双方就还款期限初步达成一致意见。', occurredAt: now.toISOString() }
      : { type: 'SCHEDULE_SESSION', at: new Date(now.getTime() + 3 * DAY).toISOString(), location: '联络站调解室', occurredAt: now.toISOString() };
  const snap = restore(store, row);
  lap('restore');
  const facts = spec.facts(snap);
  if (!store.canRead(actor, facts)) throw new Error('canRead');
  if (!permits(spec.permissions[event.type], actor, facts, event)) throw new Error('permits');
  const from = statePath(snap.value);
  if (snap.status !== 'active' || !handledEvents(snap).includes(event.type)) throw new Error('handled');
  if (!snap.can(event)) throw new Error('can');
  lap('checks');
  const stamped = await stampLegalTime(null as unknown as Db, spec, snap, event);
  const next: AnyMachineSnapshot = stamped.next ?? nextSnapshot(spec.machine, snap, stamped.event);
  const to = statePath(next.value);
  lap('transition');
  const version = row.version + 1;
  const written = {
    snapshot: persist(store, next),
    version,
    updatedAt: now.toISOString(),
    ...changedColumns(store.table, row, { state: to, machineVersion: spec.version, ...store.columns(next) }),
  };
  lap('persist+columns');
  const rendered = renderCase(actor, { row: { ...row, ...written } as EntityRow, snapshot: next, seq: version, type: event.type, data: viewData }, { now });
  lap('render');
  const texts = answerTexts(rendered.body, store);
  lap('answerTexts');
  const { type: _t, occurredAt, ...payload } = event;
  const j = journalRow(store, row.id, { seq: version, type: event.type, payload, fromState: from, toState: to, actor, occurredAt, recordedAt: now.toISOString(), requestId: null });
  const n = eventNotices(store.type, row, version, event, to, next, actor);
  lap('journal+notices');
  const stay = sameDeadlines(store, snap, next);
  const d = stay ? undefined : enforcedDeadlines(store, next);
  lap('deadlines');
  return [texts.json.length, texts.kept.length, j, n, d, idem];
}

for (let i = 0; i < 2000; i++) await oneEvent(i, false);
const wholes: number[] = [];
for (let r = 1; r <= ROUNDS; r++) {
  for (const s of steps) spent.set(s, 0);
  const start = performance.now();
  for (let i = 0; i < N; i++) await oneEvent(i, false);
  const whole = ((performance.now() - start) * 1000) / N;
  wholes.push(whole);
  for (let i = 0; i < N; i++) await oneEvent(i, true);
  console.log(`round ${r}: ${whole.toFixed(1)} µs/event  (` + steps.map((s) => `${s} ${((spent.get(s)! * 1000) / N).toFixed(1)}`).join(', ') + ')');
}
// The fastest round: the others differ by what else the machine did meanwhile (and by garbage collection).
console.log(`best of ${ROUNDS}: ${Math.min(...wholes).toFixed(1)} µs/event`);
