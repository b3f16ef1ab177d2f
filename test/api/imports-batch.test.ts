/**
 * A batched case import (src/engine/write/create-many.ts: many creations per transaction) writes
 * what importing the same file row by row through `createEntity` writes: the same cases, numbers,
 * snapshots and query columns (next_due_at), the same journal, parties, deadlines and outbox rows,
 * the same answers through the API, the same refusals and skips — and every journal replays to
 * its stored snapshot.
 */
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rowsOf } from '../../src/db/client.js';
import { importFile, type ImportResult } from '../../src/edge/imports.js';
import { CASE_HEADERS } from '../../src/edge/registers.js';
import { caseStore } from '../../src/engine/stores.js';
import { verifyStore } from '../../src/engine/verify.js';
import { cliActor } from '../../scripts/import.js';
import { createWorld, type World } from '../helpers/world.js';
import { fingerprint } from '../helpers/api.js';

let oneByOne: World;
let batched: World;
const NOW = new Date('2026-03-10T04:00:00.000Z');
const utf8 = (s: string) => new TextEncoder().encode(s);

const H = CASE_HEADERS;
const HEADER = [H.number, H.source, H.track, H.procedure, H.stationCode, H.disputeType, H.summary, H.claimAmount, H.enforceableDocument, H.owedAmount,
  H.applicants, H.applicantIds, H.applicantPhones, H.respondents, H.respondentPhones, H.openedAt].join(',');

/** 23 rows: both stations, every source, enforcement referrals (their own deadlines), old and recent register dates. */
function register(): string {
  const sources = ['入站', '扫码联', '热线联', '入户联', '法院委派/委托'];
  const rows = [HEADER];
  for (let k = 0; k < 20; k++) {
    const day = String(1 + (k % 28)).padStart(2, '0');
    // Older ones (their mediation clock ran out long ago) and this month's (open deadlines).
    const at = k % 2 ? `2025-0${1 + (k % 9)}-${day} 09:${String(k).padStart(2, '0')}:00` : `2026-03-0${1 + (k % 9)} 1${k % 10}:30`;
    rows.push(
      [`BATCH-${k}`, sources[k % 5], k % 3 ? '诉前委派调解' : '诉中委托调解', k % 4 ? '普通程序' : '简易程序', k % 2 ? 'HL01' : 'SC01', '民间借贷',
        `纸质登记第 ${k} 号`, k % 5 ? `${1000 + k}.50` : '', '', '', `申请人${k}；共同申请人${k}`, k % 3 ? '230102199001011234' : '', `1380000${String(k).padStart(4, '0')}`,
        `被申请人${k}`, '', at].join(','),
    );
  }
  for (let k = 20; k < 23; k++) {
    rows.push([`BATCH-${k}`, '执行转入', '', '普通程序', 'HL01', '买卖合同', `执行转入第 ${k} 号`, '', `（2025）黑0111民初${k}号民事判决书`, `${8000 + k}.00`,
      `申请执行人${k}`, '', '', `被执行人${k}`, '13600000000', `2026-02-2${k - 20} 08:00`].join(','));
  }
  // Already there (opened through the API with this externalRef): skipped by both.
  rows.push(['PRE-1', '入站', '诉前委派调解', '普通程序', 'HL01', '民间借贷', '已登记', '', '', '', '张三', '', '', '李四', '', '2026-01-01'].join(','));
  return `${rows.join('\r\n')}\r\n`;
}

async function setUp(w: World) {
  // Someone listens to CREATE: each creation writes its outbox row.
  expect((await w.call(w.tokens.admin, 'POST', '/api/webhooks', { url: 'https://example.org/hook', events: ['CREATE'] })).status).toBe(201);
  const pre = await w.openCase({ externalRef: 'PRE-1', summary: '已登记', occurredAt: '2026-01-01T00:00:00Z' });
  expect(pre.externalRef).toBe('PRE-1');
}

beforeAll(async () => {
  [oneByOne, batched] = await Promise.all([createWorld(), createWorld()]);
  await Promise.all([setUp(oneByOne), setUp(batched)]);
}, 180_000); // two worlds (on PGlite each runs every migration)

afterAll(async () => {
  await Promise.all([oneByOne?.close(), batched?.close()]);
});

/**
 * Everything the import wrote, with the ids it drew (cases, parties) replaced by what they stand for.
 * PRE-1 was opened through the API, at the wall clock: it is set aside.
 */
async function written(w: World) {
  const db = w.database.db;
  const q = async (query: ReturnType<typeof sql>) => rowsOf<Record<string, unknown>>(await db.execute(query));
  const cases = await q(sql`select external_ref, number, state, snapshot, version, machine_version, track, procedure, source, station_code, dispute_type, summary,
      claim_fen, agreed_fen, paid_fen, owed_fen, recovered_fen, outcome, overdue, enforceable, deputy_ids, sessions_held, deputy_attendances,
      opened_at::text, agreed_at::text, enforcement_started_at::text, closed_at::text, last_event_at::text, next_due_at::text, created_by
    from cases where external_ref <> 'PRE-1' order by external_ref`);
  const partyPos = new Map((await q(sql`select id::text, position from parties`)).map((p) => [p.id as string, p.position]));
  const journal = (await q(sql`select c.external_ref, e.seq, e.type, e.payload, e.from_state, e.to_state, e.actor_id, e.actor_role, e.actor_name,
      e.occurred_at::text, e.recorded_at::text, e.request_id
    from case_events e join cases c on c.id = e.case_id where c.external_ref <> 'PRE-1' order by c.external_ref, e.seq`)).map((e) => {
    const payload = e.payload as { parties?: { id: string; role: string }[] };
    // A party's id is drawn at random: it stands for the party at its position.
    return payload.parties ? { ...e, payload: { ...payload, parties: payload.parties.map((p) => ({ ...p, id: partyPos.get(p.id) })) } } : e;
  });
  const parties = await q(sql`select c.external_ref, p.position, p.role, p.name, p.id_number, p.phone, p.sms_consent from parties p join cases c on c.id = p.case_id
    order by c.external_ref, p.position`);
  const deadlines = await q(sql`select c.external_ref, d.entity_type, d.kind, d.due_at::text, d.event, d.fired_at::text from deadlines d join cases c on c.id = d.entity_id
    order by c.external_ref, d.kind`);
  const outbox = await q(sql`select c.external_ref, o.entity_type, o.seq, o.event_type, o.to_state, o.occurred_at::text from outbox o join cases c on c.id = o.entity_id
    order by c.external_ref`);
  const sequences = await q(sql`select scope, year, last from number_sequences order by scope, year`);
  return { cases, journal, parties, deadlines, outbox, sequences };
}

/** Every imported case as the API answers it (the case, its history, the list), ids set aside. */
async function answers(w: World) {
  const list = await w.call(w.tokens.court, 'GET', '/api/cases?limit=100');
  expect(list.status).toBe(200);
  const strip = (c: any) => ({ ...c, id: undefined, createdAt: undefined, updatedAt: undefined, parties: c.parties?.map((p: any) => ({ ...p, id: undefined })) });
  const out: Record<string, unknown> = {};
  for (const item of list.body.items.filter((i: any) => i.externalRef !== 'PRE-1')) {
    const one = await w.call(w.tokens.court, 'GET', `/api/cases/${item.id}`);
    const history = await w.call(w.tokens.court, 'GET', `/api/cases/${item.id}/history`);
    expect(one.status).toBe(200);
    out[item.externalRef ?? item.number] = {
      item: strip(item),
      case: strip(one.body),
      history: history.body.items.map((h: any) => ({ ...h, payload: h.payload?.parties ? { ...h.payload, parties: h.payload.parties.map((p: any) => ({ ...p, id: undefined })) } : h.payload })),
    };
  }
  return out;
}

describe('a batched case import', () => {
  let results: ImportResult[];

  it('writes what importing row by row writes: cases, numbers, journal, parties, deadlines, outbox; the same answers; every journal replays', async () => {
    const file = utf8(register());
    const actor = cliActor('cases');
    const reference = await importFile(oneByOne.database.db, actor, 'cases', file, { now: NOW, requestId: 'import-test', batchSize: 1 });
    // Batches of 4: several full ones and a short last one.
    const progress: number[] = [];
    const result = await importFile(batched.database.db, actor, 'cases', file, { now: NOW, requestId: 'import-test', batchSize: 4, onProgress: (p) => progress.push(p.done) });
    results = [reference, result];
    expect(reference).toMatchObject({ total: 24, created: 23, skipped: 1, problems: [] });
    expect(result).toEqual(reference);
    expect(progress.at(-1)).toBe(24);

    const [a, b] = [await written(oneByOne), await written(batched)];
    expect(b.cases).toHaveLength(23);
    expect(b.cases.filter((c) => c.next_due_at !== null).length).toBeGreaterThan(0);
    expect(b.deadlines.length).toBeGreaterThan(0);
    expect(b.outbox).toHaveLength(24); // PRE-1's too
    for (const key of ['cases', 'journal', 'parties', 'deadlines', 'outbox', 'sequences'] as const) expect(b[key], key).toEqual(a[key]);
    const counts = async (w: World) => {
      const { states: _ids, ...rest } = await fingerprint(w); // states are listed in id order, and ids are random
      return rest;
    };
    expect(await counts(batched)).toEqual(await counts(oneByOne));
    expect(await answers(batched)).toEqual(await answers(oneByOne));

    for (const w of [oneByOne, batched]) {
      const verified = await verifyStore(w.database.db, caseStore);
      expect(verified.entities).toBe(24);
      expect(verified.mismatches).toEqual([]);
    }
  });

  it('is idempotent: the same file again writes nothing; a row the engine refuses is refused alike, the rest written', async () => {
    expect(results).toHaveLength(2);
    const file = utf8(register());
    const actor = cliActor('cases');
    const before = await fingerprint(batched);
    expect(await importFile(batched.database.db, actor, 'cases', file, { now: NOW, batchSize: 4 })).toMatchObject({ created: 0, skipped: 24, problems: [] });
    expect(await fingerprint(batched)).toEqual(before);

    // A row that passes the file's checks but not the engine's: its register time after the
    // import's clock (the file check uses the wall clock; the engine the import's `now`).
    const late = `${HEADER}\r\n${['LATE-1', '入站', '诉前委派调解', '普通程序', 'HL01', '民间借贷', '晚', '', '', '', '甲', '', '', '乙', '', '2026-03-11 08:00'].join(',')}\r\n${
      ['OK-1', '入站', '诉前委派调解', '普通程序', 'HL01', '民间借贷', '好', '', '', '', '甲', '', '', '乙', '', '2026-03-09 08:00'].join(',')}\r\n`;
    const outcomes = await Promise.all([
      importFile(oneByOne.database.db, actor, 'cases', utf8(late), { now: NOW, batchSize: 1 }),
      importFile(batched.database.db, actor, 'cases', utf8(late), { now: NOW, batchSize: 500 }),
    ]);
    expect(outcomes[1]).toEqual(outcomes[0]);
    expect(outcomes[1]).toMatchObject({ created: 1, skipped: 0, problems: [{ row: 2, column: '登记时间' }] });
    expect(outcomes[1].problems[0].message).toMatch(/[\u4e00-\u9fff]/);
    expect(await written(batched)).toEqual(await written(oneByOne));
  });
});
