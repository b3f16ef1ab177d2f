/**
 * The report's closed-case summary (src/engine/report-summary.ts), on both databases: it equals a
 * recomputation from the `cases` table after a random workload (concurrent on PostgreSQL), a close
 * that rolls back leaves it as it was (and a summary write that fails takes the close with it),
 * and the migration that fills it for existing data computes the same rows.
 */
import { randomUUID } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { sql, type SQL } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MIGRATIONS_FOLDER, rowsOf, type Db } from '../../src/db/client.js';
import { applyEvent } from '../../src/engine/apply.js';
import { closedCaseTotals, GRAINS, openCaseSessions, TOTALS_TABLE, type Grain } from '../../src/engine/report-summary.js';
import { enforcementReport, parseReportQuery } from '../../src/engine/reports.js';
import { caseStore } from '../../src/engine/stores.js';
import type { Actor } from '../../src/machines/roles.js';
import { DB_KIND } from '../helpers/db.js';
import { createWorld, type World } from '../helpers/world.js';

const NOW = new Date('2026-06-01T00:00:00Z');
const COMMITTEE: Actor = { id: '00000000-0000-4000-8000-0000000000cc', role: 'committee', name: '委员会' };
const COURT: Actor = { id: randomUUID(), role: 'court', name: '法院' };
const render = () => ({ body: null });

let w: World;
let db: Db;

/** A query's rows as sorted text (driver-independent: bigint, date and numeric alike). */
async function textRows(q: SQL, on: Db = db): Promise<string[]> {
  return rowsOf<{ r: string }>(await on.execute(sql`select x::text as r from (${q}) x order by 1`)).map((r) => r.r);
}
const stored = (grain: Grain, on: Db = db) => textRows(sql`select * from ${sql.raw(TOTALS_TABLE[grain])}`, on);
const recomputed = (grain: Grain, on: Db = db) => textRows(closedCaseTotals(grain), on);
const allStored = async (on: Db = db) => Object.fromEntries(await Promise.all(GRAINS.map(async (g) => [g, await stored(g, on)])));
/** `open_case_sessions` as stored, and as recomputed from `cases`. */
const storedSessions = () => textRows(sql`select * from open_case_sessions`);
const recomputedSessions = () => textRows(openCaseSessions());

/** mulberry32: the same workload every run. */
function rng(seed: number) {
  let s = seed >>> 0;
  const next = () => {
    let t = (s = (s + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return { next, int: (n: number) => Math.floor(next() * n), pick: <T>(xs: readonly T[]) => xs[Math.floor(next() * xs.length)] };
}

const DAY = 86_400_000;
const iso = (ms: number) => new Date(ms).toISOString();

/**
 * One random case: a station, source, dispute type and opening time (near midnight in Shanghai
 * now and then, where the UTC day differs), one of the case's lives, cut short at random so that
 * some cases stay open. Events one day apart, all before NOW.
 */
function randomCase(r: ReturnType<typeof rng>, w: World) {
  const station = r.pick(['HL01', 'SC01'] as const);
  const deputies = station === 'HL01' ? [w.deputies.a, w.deputies.b] : [w.deputies.other];
  const openedMs = Date.parse('2025-01-01T00:00:00+08:00') + r.int(480) * DAY + r.pick([10, 30, 600, 1000, 1430]) * 60_000;
  const lives: { track?: string; source: string; owedAmount?: string; events: Record<string, unknown>[] }[] = [
    { source: 'court_referral', events: [{ type: 'RETURN', reason: 'unsuitable' }] },
    { source: r.pick(['walk_in', 'qr_code', 'hotline', 'home_visit']), events: [{ type: 'ACCEPT' }, { type: 'WITHDRAW', note: '撤回' }] },
    {
      source: 'court_referral',
      events: [
        { type: 'ACCEPT' },
        { type: 'ASSIGN', deputyIds: deputies },
        { type: 'RECORD_SESSION', heldAt: 'T', attendeeDeputyIds: deputies.slice(0, 1), minutes: '笔录' },
        { type: 'FAIL', reason: 'refused' },
      ],
    },
    {
      source: r.pick(['court_referral', 'walk_in']),
      events: [
        { type: 'ACCEPT' },
        { type: 'ASSIGN', deputyIds: deputies },
        { type: 'REACH_AGREEMENT', terms: '还款', amount: '1000.00', dueDate: 'DUE' },
        { type: 'RECORD_PERFORMANCE', amount: '400.00' },
        { type: 'RECORD_PERFORMANCE', amount: '600.00' },
      ],
    },
    {
      source: 'court_referral',
      events: [
        { type: 'ACCEPT' },
        { type: 'ASSIGN', deputyIds: deputies.slice(-1) },
        { type: 'REACH_AGREEMENT', terms: '还款', amount: '500.00', dueDate: 'DUE' },
        { type: 'REPORT_DEFAULT', note: '未履行' },
        { type: 'FILE_LAWSUIT', note: '起诉' },
      ],
    },
    {
      track: 'post_filing',
      source: 'court_referral',
      events: [
        { type: 'ACCEPT' },
        { type: 'ASSIGN', deputyIds: deputies.slice(0, 1) },
        { type: 'REACH_AGREEMENT', terms: '给付', amount: '2000.00', dueDate: 'DUE' },
        { type: 'REPORT_DEFAULT', note: '未履行' },
        { type: 'APPLY_ENFORCEMENT', enforcementCaseNumber: '（2025）黑0111执1号' },
        { type: 'RECORD_RECOVERY', amount: '300.25' },
        { type: 'CONCLUDE', result: r.pick(['fulfilled', 'settled', 'terminated_this_round', 'terminated']), note: '结案' },
      ],
    },
    {
      source: 'enforcement_referral',
      owedAmount: r.pick(['800.00', '12345.67']),
      events: [{ type: 'RECORD_RECOVERY', amount: '100.10' }, { type: 'CONCLUDE', result: r.pick(['fulfilled', 'settled', 'terminated']), note: '结案' }],
    },
  ];
  const life = r.pick(lives);
  const keep = r.next() < 0.25 ? r.int(life.events.length) : life.events.length;
  const events = life.events.slice(0, keep).map((e, i) => {
    const t = openedMs + (i + 1) * DAY;
    const out: Record<string, unknown> = { ...e, occurredAt: iso(t) };
    if (e.heldAt) out.heldAt = iso(t - 3_600_000);
    // Due by the next event's day: REPORT_DEFAULT is taken only once something is due (issue 15 §1).
    if (e.dueDate) out.dueDate = iso(t + DAY).slice(0, 10);
    return out;
  });
  const stationSource = !['court_referral', 'enforcement_referral'].includes(life.source);
  return {
    token: stationSource ? (station === 'HL01' ? w.tokens.stationHL : w.tokens.stationSC) : w.tokens.court,
    open: {
      track: life.source === 'enforcement_referral' ? undefined : (life.track ?? 'pre_filing'),
      source: life.source,
      stationCode: station,
      disputeType: r.pick(['民间借贷', '婚姻家庭', '物业服务合同']),
      occurredAt: iso(openedMs),
      ...(life.owedAmount ? { owedAmount: life.owedAmount, enforceableDocument: '（2024）黑0111民初1号民事判决书' } : {}),
    },
    events,
  };
}

beforeAll(async () => {
  w = await createWorld({ now: () => NOW });
  db = w.database.db;
});
afterAll(async () => w?.close());

describe('the closed-case summary', () => {
  it('equals a recomputation from every case after a random workload, and so does every report', async () => {
    const r = rng(20260601);
    const cases = Array.from({ length: 60 }, () => randomCase(r, w));
    // Concurrent on PostgreSQL: closings of the same month, station, source and dispute type race on one row.
    const lanes = DB_KIND === 'postgres' ? 8 : 1;
    let closed = 0;
    await Promise.all(
      Array.from({ length: lanes }, async (_, lane) => {
        for (let i = lane; i < cases.length; i += lanes) {
          const c = cases[i];
          const opened = await w.openCase(c.open, c.token);
          const last = c.events.length ? await w.send(opened.id, w.tokens.court, ...c.events) : opened;
          if (last.state === 'closed') closed++;
        }
      }),
    );
    expect(closed).toBeGreaterThan(20);
    expect(closed).toBeLessThan(60);
    for (const grain of GRAINS) {
      const rows = await stored(grain);
      expect(rows.length).toBeGreaterThan(5);
      expect(rows).toEqual(await recomputed(grain));
    }
    expect(await storedSessions()).toEqual(await recomputedSessions());
    const queries = ['', 'from=2025-03-01&to=2025-08-31', 'from=2025-02-17&to=2025-11-03', 'from=2025-06-30&to=2025-07-01', 'to=2025-04-15', 'from=2025-10-02',
      'from=2025-01-01&to=2025-12-31', 'from=2024-12-31&to=2026-01-01', 'from=2024-11-15&to=2026-02-03', 'from=2025-01-01', 'to=2025-12-31'];
    for (const q of [...queries, ...queries.map((p) => `${p}&district=双城区`), ...queries.map((p) => `${p}&stationCode=HL01`)]) {
      const query = parseReportQuery(Object.fromEntries(new URLSearchParams(q)));
      const fromSummary = await enforcementReport(db, COMMITTEE, query, { now: NOW });
      expect(fromSummary, q).toEqual(await enforcementReport(db, COMMITTEE, query, { now: NOW, summary: false }));
    }
  });

  it('is left as it was by a close that rolls back, and has the case the moment one commits', async () => {
    const c = await w.openCase({ occurredAt: '2025-05-05T10:00:00+08:00' });
    const before = await allStored();
    const opened = async () => (await enforcementReport(db, COMMITTEE, parseReportQuery({ from: '2025-05-05', to: '2025-05-05' }), { now: NOW })).cases.opened;
    const n = await opened();
    // A check that fails at COMMIT, after the close and its summary rows were written: the whole
    // transaction rolls back.
    await db.execute(sql.raw(`create function refuse_commit() returns trigger language plpgsql as $$ begin raise exception 'refused at commit'; end $$`));
    await db.execute(sql.raw(`create constraint trigger refuse_commit after insert or update on case_report_years deferrable initially deferred for each row execute function refuse_commit()`));
    try {
      await expect(applyEvent({ db, now: () => NOW }, caseStore, COURT, c.id, { type: 'RETURN', reason: 'unsuitable' }, { render })).rejects.toThrow();
    } finally {
      await db.execute(sql.raw(`drop trigger refuse_commit on case_report_years`));
      await db.execute(sql.raw(`drop function refuse_commit()`));
    }
    // The case is open and counted once, live; the summary is as it was.
    expect(await allStored()).toEqual(before);
    expect((await w.call(w.tokens.court, 'GET', `/api/cases/${c.id}`)).body.state).toBe('intake.screening');
    expect(await opened()).toBe(n);

    await w.send(c.id, w.tokens.court, { type: 'RETURN', reason: 'unsuitable', occurredAt: '2025-05-06T10:00:00+08:00' });
    expect(await stored('day')).not.toEqual(before.day);
    for (const grain of GRAINS) expect(await stored(grain)).toEqual(await recomputed(grain));
    expect(await opened()).toBe(n);
  });

  it('takes the close with it when its own write fails: no close without its summary', async () => {
    const c = await w.openCase({ occurredAt: '2025-05-07T10:00:00+08:00' });
    await db.execute(sql.raw(`create function refuse_summary() returns trigger language plpgsql as $$ begin raise exception 'summary write refused'; end $$`));
    await db.execute(sql.raw(`create trigger refuse_summary before insert or update on case_report_days for each row execute function refuse_summary()`));
    try {
      await expect(applyEvent({ db, now: () => NOW }, caseStore, COURT, c.id, { type: 'RETURN', reason: 'unsuitable' }, { render })).rejects.toThrow();
    } finally {
      await db.execute(sql.raw(`drop trigger refuse_summary on case_report_days`));
      await db.execute(sql.raw(`drop function refuse_summary()`));
    }
    const history = await w.call(w.tokens.court, 'GET', `/api/cases/${c.id}/history`);
    expect(history.body.items.map((e: { type: string }) => e.type)).toEqual(['CREATE']);
    expect((await w.call(w.tokens.court, 'GET', `/api/cases/${c.id}`)).body.state).toBe('intake.screening');
    for (const grain of GRAINS) expect(await stored(grain)).toEqual(await recomputed(grain));
  });

  it("counts an open case's sessions from open_case_sessions, and the summary's once it closes", async () => {
    const c = await w.openCase({ occurredAt: '2025-09-09T10:00:00+08:00' });
    const query = parseReportQuery({ from: '2025-09-09', to: '2025-09-09' });
    const deputies = async () => (await enforcementReport(db, COMMITTEE, query, { now: NOW })).deputies;
    const session = (day: string, attendees: string[]) => ({ type: 'RECORD_SESSION', heldAt: `2025-09-${day}T09:00:00+08:00`, attendeeDeputyIds: attendees, minutes: '笔录', occurredAt: `2025-09-${day}T10:00:00+08:00` });
    const before = await deputies();
    await w.send(c.id, w.tokens.court, { type: 'ACCEPT', occurredAt: '2025-09-10T10:00:00+08:00' }, { type: 'ASSIGN', deputyIds: [w.deputies.a, w.deputies.b], occurredAt: '2025-09-10T11:00:00+08:00' });
    await w.send(c.id, w.tokens.court, session('11', [w.deputies.a, w.deputies.b]), session('12', [w.deputies.a]));
    const open = await deputies();
    expect(open).toEqual({ casesWithDeputies: before.casesWithDeputies + 1, sessionsHeld: before.sessionsHeld + 2, deputyAttendances: before.deputyAttendances + 3 });
    expect(await storedSessions()).toEqual(await recomputedSessions());
    expect(rowsOf(await db.execute(sql`select sessions_held, deputy_attendances from open_case_sessions where case_id = ${c.id}`))).toEqual([{ sessions_held: 2, deputy_attendances: 3 }]);
    expect(await enforcementReport(db, COMMITTEE, query, { now: NOW })).toEqual(await enforcementReport(db, COMMITTEE, query, { now: NOW, summary: false }));

    // Closed: its row leaves open_case_sessions in the statement that adds it to the summary.
    await w.send(c.id, w.tokens.court, { type: 'FAIL', reason: 'refused', occurredAt: '2025-09-13T10:00:00+08:00' });
    expect(await deputies()).toEqual(open);
    expect(rowsOf(await db.execute(sql`select 1 from open_case_sessions where case_id = ${c.id}`))).toEqual([]);
    expect(await storedSessions()).toEqual(await recomputedSessions());
    expect(await enforcementReport(db, COMMITTEE, query, { now: NOW })).toEqual(await enforcementReport(db, COMMITTEE, query, { now: NOW, summary: false }));
  });

  it('is filled for existing data by its migration with the same rows', async () => {
    const file = readdirSync(MIGRATIONS_FOLDER).find((f) => f.endsWith('_report_summary_backfill.sql'));
    expect(file).toBeDefined();
    const before = await allStored();
    expect(before.day.length).toBeGreaterThan(0);
    await db.transaction(async (tx) => {
      for (const grain of GRAINS) await tx.execute(sql`delete from ${sql.raw(TOTALS_TABLE[grain])}`);
      for (const statement of readFileSync(`${MIGRATIONS_FOLDER}/${file}`, 'utf8').split('--> statement-breakpoint')) {
        if (statement.replace(/--.*$/gm, '').trim()) await tx.execute(sql.raw(statement));
      }
    });
    expect(await allStored()).toEqual(before);
  });

  it('has its open cases\' session counts filled for existing data by their migration', async () => {
    const file = readdirSync(MIGRATIONS_FOLDER).find((f) => f.endsWith('_open_case_sessions.sql'));
    expect(file).toBeDefined();
    const c = await w.openCase({ occurredAt: '2025-09-20T10:00:00+08:00' });
    await w.send(c.id, w.tokens.court, { type: 'ACCEPT' }, { type: 'ASSIGN', deputyIds: [w.deputies.a] }, { type: 'RECORD_SESSION', heldAt: new Date(NOW.getTime() - 3_600_000).toISOString(), attendeeDeputyIds: [w.deputies.a], minutes: '笔录' });
    const before = await storedSessions();
    expect(before.length).toBeGreaterThan(0);
    const fill = readFileSync(`${MIGRATIONS_FOLDER}/${file}`, 'utf8')
      .split('--> statement-breakpoint')
      .find((statement) => /^\s*insert into "open_case_sessions"/im.test(statement.replace(/--.*$/gm, '')));
    expect(fill).toBeDefined();
    await db.transaction(async (tx) => {
      await tx.execute(sql`delete from open_case_sessions`);
      await tx.execute(sql.raw(fill!));
    });
    expect(await storedSessions()).toEqual(before);
  });
});
