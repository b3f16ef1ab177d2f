/**
 * Personal data only where it must be (DESIGN.md §10): a party's name, ID number and phone live in
 * `parties` and nowhere else — not in the journal, an idempotency record, the access or audit log,
 * nor any other table — after creation, an idempotent replay, erasure and a forced database error;
 * journals written before the change are migrated and still replay; masking and reading rules.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rowsOf } from '../../src/db/client.js';
import { caseStore } from '../../src/engine/stores.js';
import { verifyStore } from '../../src/engine/verify.js';
import { maskIdNumber, maskName, maskPhone } from '../../src/machines/policy.js';
import { expectProblem } from '../helpers/api.js';
import { createWorld, type World } from '../helpers/world.js';

let w: World;
beforeAll(async () => {
  w = await createWorld();
});
afterAll(async () => w?.close());

let n = 0;
/** A fresh, unique ID number and phone for one test. */
function person() {
  n++;
  const id = `1101011990${String(n).padStart(4, '0')}77X`.slice(0, 18);
  return { idNumber: id, phone: `1391234${String(n).padStart(4, '0')}`, name: `欧阳测${'试'.repeat(n % 3 + 1)}` };
}

/** Every table (and column) whose text holds `secret`, on this database. */
async function tablesHolding(secret: string): Promise<string[]> {
  const tables = rowsOf<{ name: string }>(
    await w.database.db.execute(sql`select table_name as name from information_schema.tables where table_schema = 'public' and table_type = 'BASE TABLE'`),
  ).map((t) => t.name);
  const found: string[] = [];
  for (const t of tables) {
    const [row] = rowsOf<{ n: number }>(await w.database.db.execute(sql`select count(*)::int as n from ${sql.identifier(t)} x where x::text like ${`%${secret}%`}`));
    if (row.n > 0) found.push(t);
  }
  return found.sort();
}

async function openWith(p: ReturnType<typeof person>, headers: Record<string, string> = {}) {
  const r = await w.call(w.tokens.court, 'POST', '/api/cases', {
    track: 'pre_filing', source: 'court_referral', stationCode: 'HL01', disputeType: '民间借贷', summary: '个人信息',
    parties: [{ role: 'applicant', ...p }, { role: 'respondent', name: '李四' }],
  }, headers);
  expect(r.status).toBe(201);
  return r;
}

describe('where a party’s personal data lives', () => {
  it('only in parties: after creation, an idempotent replay, events and reads', async () => {
    const p = person();
    const key = { 'idempotency-key': `pd-${n}` };
    const first = await openWith(p, key);
    const again = await openWith(p, key);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    // The replay answers with the parties, read again from `parties`.
    expect(again.body.parties).toEqual(first.body.parties);
    expect(first.body.parties[0]).toMatchObject({ name: p.name, idNumber: p.idNumber, phone: p.phone });
    await w.send(first.body.id, w.tokens.court, { type: 'ACCEPT' });
    await w.call(w.tokens.court, 'GET', `/api/cases/${first.body.id}/history`);
    await w.call(w.tokens.court, 'GET', `/api/cases?q=${encodeURIComponent(p.name)}`);
    for (const secret of [p.idNumber, p.phone, p.name]) expect(await tablesHolding(secret), secret).toEqual(['parties']);
    // The journal names the parties by id and role.
    const [create] = rowsOf<{ payload: any }>(await w.database.db.execute(sql`select payload from case_events where case_id = ${first.body.id} and seq = 1`));
    expect(create.payload.parties).toEqual([
      { id: expect.any(String), role: 'applicant' },
      { id: expect.any(String), role: 'respondent' },
    ]);
    // History still shows who they are, from `parties`.
    const h = await w.call(w.tokens.court, 'GET', `/api/cases/${first.body.id}/history`);
    expect(h.body.items[0].payload.parties[0]).toMatchObject({ role: 'applicant', name: p.name, idNumber: p.idNumber, phone: p.phone });
  });

  it('nowhere after a forced database error (the creation rolled back, the log clean)', async () => {
    const p = person();
    await w.database.db.execute(sql`create or replace function test_fail_case() returns trigger language plpgsql as $$
      begin raise exception 'forced failure'; end $$`);
    await w.database.db.execute(sql`create trigger test_fail_case before insert on case_events for each row execute function test_fail_case()`);
    try {
      const r = await w.call(w.tokens.court, 'POST', '/api/cases', {
        track: 'pre_filing', source: 'court_referral', stationCode: 'HL01', disputeType: '民间借贷', summary: '强制出错',
        parties: [{ role: 'applicant', ...p }],
      });
      expect(r.status).toBe(500);
    } finally {
      await w.database.db.execute(sql`drop trigger if exists test_fail_case on case_events`);
    }
    for (const secret of [p.idNumber, p.phone]) expect(await tablesHolding(secret), secret).toEqual([]);
  });

  it('erasure replaces them by 已删除 for cases closed before the date; journals still replay', async () => {
    const p = person();
    const open = await openWith(p);
    const closed = await openWith(person());
    await w.send(closed.body.id, w.tokens.court, { type: 'RETURN', reason: 'out_of_scope', note: '不属受案范围' });
    const tomorrow = new Date(Date.now() + 86_400_000 + 8 * 3_600_000).toISOString().slice(0, 10);
    expectProblem(await w.call(w.tokens.court, 'POST', '/api/admin/erase-personal-data', { closedBefore: tomorrow }), 403);
    expectProblem(await w.call(w.tokens.admin, 'POST', '/api/admin/erase-personal-data', { closedBefore: 'soon' }), 400);
    const r = await w.call(w.tokens.admin, 'POST', '/api/admin/erase-personal-data', { closedBefore: tomorrow });
    expect(r.status).toBe(200);
    expect(r.body.cases).toBeGreaterThanOrEqual(1);
    const c = await w.call(w.tokens.court, 'GET', `/api/cases/${closed.body.id}`);
    expect(c.body.parties[0]).toMatchObject({ name: '已删除', idNumber: '已删除', phone: '已删除' });
    expect(c.body.parties[1]).toMatchObject({ name: '已删除', idNumber: null, phone: null });
    expect(c.body.state).toBe('closed');
    // The open case keeps its parties.
    expect((await w.call(w.tokens.court, 'GET', `/api/cases/${open.body.id}`)).body.parties[0].idNumber).toBe(p.idNumber);
    expect(await tablesHolding(closed.body.parties[0].idNumber)).toEqual([]);
    const again = await w.call(w.tokens.admin, 'POST', '/api/admin/erase-personal-data', { closedBefore: tomorrow });
    expect(again.body.cases).toBe(0);
    const [row] = (await w.call(w.tokens.admin, 'GET', '/api/audit?action=personal_data.erase&limit=1')).body.items;
    expect(row.detail).toEqual({ closedBefore: tomorrow, cases: again.body.cases });
    const v = await verifyStore(w.database.db, caseStore);
    expect(v.mismatches).toEqual([]);
  });

  it('erasure reaches a case opened from a citizen’s submission, which has kept no copy of the name and phone since it was accepted', async () => {
    const p = person();
    const sent = await w.call(null, 'POST', '/api/public/submissions', {
      stationCode: 'HL01', name: p.name, phone: p.phone, counterparty: '司马对方', disputeType: '邻里纠纷', description: '楼上漏水', consent: true,
    });
    expect(sent.status).toBe(201);
    const [s] = rowsOf<{ id: string }>(await w.database.db.execute(sql`select id from submissions where receipt = ${sent.body.receipt}`));
    const opened = await w.call(w.tokens.court, 'POST', `/api/submissions/${s.id}/accept`, { track: 'pre_filing' });
    expect(opened.status).toBe(201);
    // Accepted: the names and the phone are the parties' now, and nowhere else (DESIGN §10).
    for (const secret of [p.phone, p.name, '司马对方']) expect(await tablesHolding(secret), secret).toEqual(['parties']);
    await w.send(opened.body.id, w.tokens.court, { type: 'WITHDRAW', note: '当事人撤回' });
    const tomorrow = new Date(Date.now() + 86_400_000 + 8 * 3_600_000).toISOString().slice(0, 10);
    const r = await w.call(w.tokens.admin, 'POST', '/api/admin/erase-personal-data', { closedBefore: tomorrow });
    expect(r.status).toBe(200);
    expect(r.body.cases).toBeGreaterThanOrEqual(1);
    // DESIGN §10 / PIPL Art 47: the parties' names and phones are gone, wherever they were kept.
    for (const secret of [p.phone, p.name, '司马对方']) expect(await tablesHolding(secret), secret).toEqual([]);
    const listed = (await w.call(w.tokens.court, 'GET', '/api/submissions?status=accepted')).body.items.find((i: any) => i.id === s.id);
    expect(listed).toMatchObject({ name: null, phone: null, counterparty: null, caseId: opened.body.id });
    // The phone's hash, kept for the day's limit, goes with the rest; the last 4 digits stay for the citizen's look-up.
    const [kept] = rowsOf<{ phone_hash: string | null; phone_last4: string }>(await w.database.db.execute(sql`select phone_hash, phone_last4 from submissions where id = ${s.id}`));
    expect(kept).toEqual({ phone_hash: null, phone_last4: p.phone.slice(-4) });
    // A second pass finds nothing left to erase.
    expect((await w.call(w.tokens.admin, 'POST', '/api/admin/erase-personal-data', { closedBefore: tomorrow })).body.cases).toBe(0);
    expect((await verifyStore(w.database.db, caseStore)).mismatches).toEqual([]);
  });

  it('journals written before the change are migrated and still replay', async () => {
    const p = person();
    const c = await openWith(p);
    // Put the CREATE row back as it was written before (parties in full), as an old database has it.
    await w.database.db.execute(sql`alter table case_events disable trigger case_events_append_only`);
    await w.database.db.execute(sql`update case_events set payload = jsonb_set(payload, '{parties}',
      ${JSON.stringify([{ role: 'applicant', ...p }, { role: 'respondent', name: '李四' }])}::jsonb) where case_id = ${c.body.id} and seq = 1`);
    await w.database.db.execute(sql`alter table case_events enable trigger case_events_append_only`);
    await w.database.db.execute(sql`insert into idempotency_keys (user_id, key, request_hash, status, response)
      values ('old-user', ${`old-${n}`}, 'h', 201, ${JSON.stringify({ id: c.body.id, parties: [{ role: 'applicant', ...p }] })}::jsonb)`);
    expect(await tablesHolding(p.idNumber)).toEqual(['case_events', 'idempotency_keys', 'parties']);
    const dir = new URL('../../drizzle/', import.meta.url);
    const file = readdirSync(dir).find((f) => /^\d{4}_personal_data_out_of_journal\.sql$/.test(f))!;
    for (const statement of readFileSync(new URL(file, dir), 'utf8').split('--> statement-breakpoint')) {
      await w.database.db.execute(sql.raw(statement));
    }
    expect(await tablesHolding(p.idNumber)).toEqual(['parties']);
    expect((await verifyStore(w.database.db, caseStore)).mismatches).toEqual([]);
    const h = await w.call(w.tokens.court, 'GET', `/api/cases/${c.body.id}/history`);
    expect(h.body.items[0].payload.parties[0]).toMatchObject({ name: p.name, idNumber: p.idNumber });
  });
});

describe('masking (DESIGN.md §10)', () => {
  it.each([
    ['230102199001011234', 18],
    ['H1234567890', 11],
    ['5551234', 7],
    ['13812345678', 11],
    ['AB12345', 7],
    ['1234', 4],
    ['12345', 5],
  ])('hides at least half of %s and never fewer than 4 characters', (value, length) => {
    // A phone is masked on its digits; an ID number as written.
    for (const masked of /^\d+$/.test(value) ? [maskIdNumber(value), maskPhone(value)] : [maskIdNumber(value)]) {
      expect(masked).toHaveLength(length);
      const hidden = [...masked].filter((ch) => ch === '*').length;
      expect(hidden).toBeGreaterThanOrEqual(Math.min(length, Math.max(4, Math.ceil(length / 2))));
    }
    expect(maskIdNumber('H1234567890')).not.toBe('H12345*7890');
  });

  it('masks names to the surname, compound surnames too', () => {
    expect(maskName('张三')).toBe('张*');
    expect(maskName('张小三')).toBe('张**');
    expect(maskName('欧阳娜娜')).toBe('欧阳**');
    expect(maskName('已删除')).toBe('已删除');
  });

  it('shows the committee surnames only, and no party-name search', async () => {
    const p = person();
    const c = await openWith(p);
    const seen = await w.call(w.tokens.committee, 'GET', `/api/cases/${c.body.id}`);
    expect(seen.body.parties[0].name).toBe(maskName(p.name));
    expect(JSON.stringify(seen.body)).not.toContain(p.name);
    const h = await w.call(w.tokens.committee, 'GET', `/api/cases/${c.body.id}/history`);
    expect(JSON.stringify(h.body)).not.toContain(p.name);
    // `q` by a party's name finds the case for court and station staff, not for the committee.
    expect((await w.call(w.tokens.court, 'GET', `/api/cases?q=${encodeURIComponent(p.name)}`)).body.items.map((i: any) => i.id)).toContain(c.body.id);
    expect((await w.call(w.tokens.stationHL, 'GET', `/api/cases?q=${encodeURIComponent(p.name)}`)).body.items.map((i: any) => i.id)).toContain(c.body.id);
    expect((await w.call(w.tokens.committee, 'GET', `/api/cases?q=${encodeURIComponent(p.name)}`)).body.items).toEqual([]);
  });

  it('shows a deputy’s phone in full only to the admin, court staff and that deputy', async () => {
    const full = '13900001111';
    const phoneOf = async (token: string) => (await w.call(token, 'GET', '/api/deputies')).body.items.find((d: any) => d.id === w.deputies.a).phone;
    for (const t of [w.tokens.admin, w.tokens.court, w.tokens.deputyA]) expect(await phoneOf(t)).toBe(full);
    for (const t of [w.tokens.committee, w.tokens.stationHL, w.tokens.deputyB]) {
      const masked = await phoneOf(t);
      expect(masked).not.toBe(full);
      expect(masked).toBe(maskPhone(full));
    }
  });

  it('the admin reads no case', async () => {
    const c = await openWith(person());
    for (const path of [`/api/cases/${c.body.id}`, `/api/cases/${c.body.id}/history`, '/api/cases']) {
      expectProblem(await w.call(w.tokens.admin, 'GET', path), 403);
    }
  });
});
