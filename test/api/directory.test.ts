/**
 * The directory (stations, deputies, users and their tokens) and the case list: shapes of
 * DESIGN.md §6, validation, and the list's filters and cursor pagination.
 */
import { createHash } from 'node:crypto';
import { eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rowsOf } from '../../src/db/client.js';
import { users } from '../../src/db/schema.js';
import { createWorld, type World } from '../helpers/world.js';
import { daysAgo, expectProblem, refused, tag } from '../helpers/api.js';

let w: World;
beforeAll(async () => {
  w = await createWorld();
});
afterAll(async () => w?.close());

const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
const fields = (body: any) => body.errors.map((e: any) => e.field).sort();
let seq = 0;
const code = () => `T${Date.now() % 1e6}${++seq}`;

describe('the directory lists are whole, and say so as every list does (DESIGN §6: {items, nextCursor})', () => {
  it.each([
    ['/api/stations', 'court'],
    ['/api/deputies', 'court'],
    ['/api/users', 'admin'],
    ['/api/webhooks', 'admin'],
  ] as const)('GET %s answers {items, nextCursor: null}', async (path, who) => {
    const r = await w.call(w.tokens[who], 'GET', path);
    expect(r.status).toBe(200);
    expect(Object.keys(r.body).sort()).toEqual(['items', 'nextCursor']);
    expect(Array.isArray(r.body.items)).toBe(true);
    expect(r.body.nextCursor).toBeNull();
  });
});

describe('stations', () => {
  it('creates a station (201) and lists it', async () => {
    const c = code();
    const r = await w.call(w.tokens.admin, 'POST', '/api/stations', { code: c, name: '康金街道联络站', kind: 'street', district: '呼兰区' });
    expect(r.status).toBe(201);
    expect(r.body).toEqual({ code: c, name: '康金街道联络站', kind: 'street', district: '呼兰区', createdAt: expect.stringMatching(ISO) });
    const list = await w.call(w.tokens.deputyA, 'GET', '/api/stations');
    expect(list.status).toBe(200);
    expect(list.body.items).toContainEqual(r.body);
    const codes = list.body.items.map((s: any) => s.code);
    expect(codes).toEqual([...codes].sort());
    expect(codes).toEqual(expect.arrayContaining(['HL01', 'SC01', c]));
  });

  it.each(['court', 'street', 'town', 'village'])('accepts kind %s', async (kind) => {
    expect((await w.call(w.tokens.admin, 'POST', '/api/stations', { code: code(), name: '站', kind, district: '双城区' })).status).toBe(201);
  });

  it('refuses an invalid station with its field errors', async () => {
    const body = await refused(w, 400, () => w.call(w.tokens.admin, 'POST', '/api/stations', { code: '呼兰 01', name: '', kind: 'province' }));
    expect(fields(body)).toEqual(['code', 'district', 'kind', 'name']);
    const kind = await refused(w, 400, () => w.call(w.tokens.admin, 'POST', '/api/stations', { code: code(), name: '站', kind: 'county', district: '呼兰区' }));
    expect(kind.errors).toEqual([{ field: 'kind', message: expect.any(String) }]);
  });

  it('refuses a duplicate code with 409, and leaves the first station as it was', async () => {
    const body = await refused(
      w,
      409,
      () => w.call(w.tokens.admin, 'POST', '/api/stations', { code: ' HL01 ', name: '另一个站', kind: 'town', district: '松北区' }),
      { type: 'urn:jiefen:problem:conflict' },
    );
    expect(body.detail).toContain('HL01');
    const hl = (await w.call(w.tokens.admin, 'GET', '/api/stations')).body.items.find((s: any) => s.code === 'HL01');
    expect(hl).toMatchObject({ name: '呼兰区人民法院人大代表联络站', kind: 'court', district: '呼兰区' });
  });
});

describe('deputies', () => {
  it('creates a deputy (201) with the shape of DESIGN.md §6', async () => {
    const r = await w.call(w.tokens.admin, 'POST', '/api/deputies', {
      name: '周敏',
      level: 'provincial',
      stationCode: 'SC01',
      expertise: ['劳动争议', '物业'],
      phone: '13600002222',
    });
    expect(r.status).toBe(201);
    expect(r.body).toEqual({
      id: expect.stringMatching(/^[0-9a-f-]{36}$/),
      name: '周敏',
      level: 'provincial',
      stationCode: 'SC01',
      expertise: ['劳动争议', '物业'],
      phone: '13600002222',
      createdAt: expect.stringMatching(ISO),
    });
    const minimal = await w.call(w.tokens.admin, 'POST', '/api/deputies', { name: '吴强', level: 'township', stationCode: 'SC01' });
    expect(minimal.body).toMatchObject({ expertise: [], phone: null });
  });

  it('lists deputies, and by station', async () => {
    const all = await w.call(w.tokens.court, 'GET', '/api/deputies');
    expect(all.status).toBe(200);
    expect(all.body.items.map((d: any) => d.id)).toEqual(expect.arrayContaining([w.deputies.a, w.deputies.b, w.deputies.other]));
    const sc = await w.call(w.tokens.court, 'GET', '/api/deputies?stationCode=SC01');
    expect(sc.body.items.length).toBeGreaterThan(0);
    expect(sc.body.items.every((d: any) => d.stationCode === 'SC01')).toBe(true);
    expect(sc.body.items.map((d: any) => d.id)).toContain(w.deputies.other);
    expect(sc.body.items.map((d: any) => d.id)).not.toContain(w.deputies.a);
    expect((await w.call(w.tokens.court, 'GET', '/api/deputies?stationCode=NONE')).body.items).toEqual([]);
  });

  it('refuses a bad level, a bad phone and an unknown station', async () => {
    const body = await refused(w, 400, () => w.call(w.tokens.admin, 'POST', '/api/deputies', { name: '郑', level: 'district', stationCode: 'HL01', phone: 'call me' }));
    expect(fields(body)).toEqual(['level', 'phone']);
    const station = await refused(w, 400, () => w.call(w.tokens.admin, 'POST', '/api/deputies', { name: '郑', level: 'county', stationCode: 'XX99' }));
    expect(station.errors).toEqual([{ field: 'stationCode', message: expect.stringContaining('XX99') }]);
    const missing = await refused(w, 400, () => w.call(w.tokens.admin, 'POST', '/api/deputies', {}));
    expect(fields(missing)).toEqual(['level', 'name', 'stationCode']);
  });
});

describe('users and tokens', () => {
  it('creates a user as {id, name, role, token}; the token works at once', async () => {
    const r = await w.call(w.tokens.admin, 'POST', '/api/users', { name: '审判员 冯', role: 'court' });
    expect(r.status).toBe(201);
    expect(r.body).toMatchObject({ id: expect.stringMatching(/^[0-9a-f-]{36}$/), name: '审判员 冯', role: 'court', token: expect.any(String) });
    expect(r.body.token.length).toBeGreaterThanOrEqual(32);
    const me = await w.call(r.body.token, 'GET', '/api/me');
    expect(me.status).toBe(200);
    expect(me.body).toMatchObject({ id: r.body.id, role: 'court', name: '审判员 冯' });
    const opened = await w.openCase({}, r.body.token);
    expect(opened.state).toBe('intake.screening');
  });

  it('stores only a hash of the token', async () => {
    const r = await w.call(w.tokens.admin, 'POST', '/api/users', { name: '委员 卫', role: 'committee' });
    const [row] = await w.database.db.select().from(users).where(eq(users.id, r.body.id));
    expect(row.tokenHash).toBe(createHash('sha256').update(r.body.token).digest('hex'));
    const [whole] = rowsOf<{ t: string }>(await w.database.db.execute(sql`select row_to_json(u)::text as t from users u where id = ${r.body.id}`));
    expect(whole.t).not.toContain(r.body.token);
    expect(whole.t).not.toContain(r.body.token.slice(3)); // nor the token without its prefix
  });

  it('never shows a token or its hash again', async () => {
    const r = await w.call(w.tokens.admin, 'POST', '/api/users', { name: '站长 蒋', role: 'station', stationCode: 'SC01' });
    const list = await w.call(w.tokens.admin, 'GET', '/api/users');
    expect(list.status).toBe(200);
    const item = list.body.items.find((u: any) => u.id === r.body.id);
    expect(item).toMatchObject({ id: r.body.id, name: '站长 蒋', role: 'station', stationCode: 'SC01' });
    expect(JSON.stringify(list.body)).not.toContain(r.body.token);
    for (const u of list.body.items) {
      expect(u).not.toHaveProperty('token');
      expect(u).not.toHaveProperty('tokenHash');
    }
    expect(JSON.stringify(await w.call(r.body.token, 'GET', '/api/me'))).not.toContain(r.body.token);
  });

  it('gives each user a different token', async () => {
    const a = await w.call(w.tokens.admin, 'POST', '/api/users', { name: '同名', role: 'court' });
    const b = await w.call(w.tokens.admin, 'POST', '/api/users', { name: '同名', role: 'court' });
    expect(a.body.token).not.toBe(b.body.token);
    expect(a.body.id).not.toBe(b.body.id);
  });

  it('links a station user to a station and a deputy user to a deputy', async () => {
    const station = await w.call(w.tokens.admin, 'POST', '/api/users', { name: '双城站 韩', role: 'station', stationCode: 'SC01' });
    expect(station.body).toMatchObject({ role: 'station', stationCode: 'SC01' });
    const opened = await w.call(station.body.token, 'POST', '/api/cases', {
      track: 'pre_filing',
      source: 'qr_code',
      stationCode: 'SC01',
      disputeType: '物业纠纷',
      summary: '物业费',
      parties: [{ role: 'applicant', name: '杨' }],
    });
    expect(opened.status).toBe(201);
    const deputy = await w.call(w.tokens.admin, 'POST', '/api/users', { name: '代表 王丽', role: 'deputy', deputyId: w.deputies.a });
    expect(deputy.body).toMatchObject({ role: 'deputy', deputyId: w.deputies.a });
    const c = await w.openCase();
    await w.send(c.id, w.tokens.court, { type: 'ACCEPT' }, { type: 'ASSIGN', deputyIds: [w.deputies.a] });
    expect((await w.call(deputy.body.token, 'GET', `/api/cases/${c.id}`)).status).toBe(200);
  });

  it.each([
    [{ name: '无站', role: 'station' }, ['stationCode']],
    [{ name: '错站', role: 'station', stationCode: 'XX99' }, ['stationCode']],
    [{ name: '无代表', role: 'deputy' }, ['deputyId']],
    [{ name: '假代表', role: 'deputy', deputyId: '00000000-0000-4000-8000-000000000000' }, ['deputyId']],
    [{ name: '坏代表', role: 'deputy', deputyId: 'abc' }, ['deputyId']],
    [{ name: '法官兼代表', role: 'court', deputyId: '00000000-0000-4000-8000-000000000000' }, ['deputyId']],
    [{ name: '系统', role: 'system' }, ['role']],
    [{ name: '', role: 'root' }, ['name', 'role']],
  ] as [Record<string, unknown>, string[]][])('refuses %j with field errors %j', async (input, expected) => {
    const body = await refused(w, 400, () => w.call(w.tokens.admin, 'POST', '/api/users', input));
    expect(fields(body)).toEqual(expected);
  });
});

describe('GET /api/cases filters', () => {
  /** Opens a case whose summary carries `t`; `steps` are sent by the court. */
  async function open(t: string, overrides: Record<string, unknown> = {}, ...steps: Record<string, unknown>[]) {
    const c = await w.openCase({ summary: `纠纷 ${t}`, ...overrides });
    return steps.length ? w.send(c.id, w.tokens.court, ...steps) : c;
  }
  const ids = async (query: string, token = w.tokens.committee) => {
    const r = await w.call(token, 'GET', `/api/cases?${query}`);
    expect(r.status).toBe(200);
    return (r.body.items as any[]).map((i) => i.id).sort();
  };
  const sorted = (...xs: { id: string }[]) => xs.map((x) => x.id).sort();

  it('filters by state, exact or by top-level state', async () => {
    const t = tag();
    const screening = await open(t);
    const assigning = await open(t, {}, { type: 'ACCEPT' });
    const active = await open(t, {}, { type: 'ACCEPT' }, { type: 'ASSIGN', deputyIds: [w.deputies.a] });
    const closed = await open(t, {}, { type: 'WITHDRAW' });
    expect(await ids(`q=${t}&state=intake.screening`)).toEqual(sorted(screening));
    expect(await ids(`q=${t}&state=mediation.active`)).toEqual(sorted(active));
    expect(await ids(`q=${t}&state=mediation`)).toEqual(sorted(assigning, active));
    expect(await ids(`q=${t}&state=closed`)).toEqual(sorted(closed));
    expect(await ids(`q=${t}&state=agreement`)).toEqual([]);
    expect(await ids(`q=${t}`)).toEqual(sorted(screening, assigning, active, closed));
    // A mistyped state is a 400 naming the field, not an empty list that looks like "no such cases".
    // `opening` is the machine's transient routing state: never stored, not a state of DESIGN §3.
    for (const bad of ['bogus', 'mediation.', 'mediation.activ', 'Mediation.active', 'closed.x', 'opening']) {
      const p = expectProblem(await w.call(w.tokens.court, 'GET', `/api/cases?state=${encodeURIComponent(bad)}`), 400);
      expect(JSON.stringify(p.errors)).toContain('state');
    }
  });

  it('filters by station', async () => {
    const t = tag();
    const hl = await open(t);
    const sc = await open(t, { stationCode: 'SC01' });
    expect(await ids(`q=${t}&stationCode=HL01`)).toEqual(sorted(hl));
    expect(await ids(`q=${t}&stationCode=SC01`)).toEqual(sorted(sc));
    expect(await ids(`q=${t}&stationCode=SC01`, w.tokens.stationSC)).toEqual(sorted(sc));
    expect(await ids(`q=${t}`, w.tokens.stationSC)).toEqual(sorted(sc));
  });

  it('filters by outcome', async () => {
    const t = tag();
    const withdrawn = await open(t, {}, { type: 'WITHDRAW' });
    const returned = await open(t, {}, { type: 'RETURN', reason: 'no_jurisdiction' });
    const performed = await open(
      t,
      {},
      { type: 'ACCEPT' },
      { type: 'ASSIGN', deputyIds: [w.deputies.a] },
      { type: 'REACH_AGREEMENT', terms: '当场付清', amount: '300', dueDate: '2030-01-01' },
      { type: 'RECORD_PERFORMANCE', amount: '300' },
    );
    await open(t);
    expect(performed).toMatchObject({ state: 'closed', outcome: 'performed' });
    expect(await ids(`q=${t}&outcome=withdrawn`)).toEqual(sorted(withdrawn));
    expect(await ids(`q=${t}&outcome=returned`)).toEqual(sorted(returned));
    expect(await ids(`q=${t}&outcome=performed`)).toEqual(sorted(performed));
    expect(await ids(`q=${t}&outcome=litigation`)).toEqual([]);
  });

  it('filters by overdue', async () => {
    const t = tag();
    const onTime = await open(t, {}, { type: 'ACCEPT' });
    const late = await open(
      t,
      { occurredAt: daysAgo(30) },
      { type: 'ACCEPT', occurredAt: daysAgo(30) },
      { type: 'ASSIGN', deputyIds: [w.deputies.a], occurredAt: daysAgo(29) },
      { type: 'REACH_AGREEMENT', terms: '月底前付清', amount: '900', dueDate: daysAgo(10).slice(0, 10), occurredAt: daysAgo(20) },
    );
    expect(await ids(`q=${t}&overdue=true`)).toEqual([]);
    const swept = await w.call(w.tokens.admin, 'POST', '/api/admin/sweep');
    expect(swept.body.fired.map((f: any) => [f.entityId, f.event])).toContainEqual([late.id, 'PERFORMANCE_OVERDUE']);
    expect(await ids(`q=${t}&overdue=true`)).toEqual(sorted(late));
    expect(await ids(`q=${t}&overdue=false`)).toEqual(sorted(onTime));
    expect(await ids(`q=${t}&overdue=true&state=agreement.defaulted`)).toEqual(sorted(late));
  });

  it('searches number, summary, dispute type and party name with q', async () => {
    const t = tag();
    const bySummary = await open(t);
    const byParty = await w.openCase({ parties: [{ role: 'applicant', name: `当事人${t}` }] });
    const byType = await w.openCase({ disputeType: `类型${t}` });
    // Party names are searched for court and station staff only (DESIGN.md §10).
    expect(await ids(`q=${t}`, w.tokens.court)).toEqual(sorted(bySummary, byParty, byType));
    expect(await ids(`q=${t.toLowerCase()}`, w.tokens.court)).toEqual(sorted(bySummary, byParty, byType));
    expect(await ids(`q=${t}`)).toEqual(sorted(bySummary, byType));
    expect(await ids(`q=${encodeURIComponent(bySummary.number)}`)).toEqual(sorted(bySummary));
    // LIKE wildcards are taken literally.
    expect(await ids(`q=${encodeURIComponent('%')}&limit=200`)).toEqual([]);
  });

  it('combines filters', async () => {
    const t = tag();
    const a = await open(t, {}, { type: 'WITHDRAW' });
    await open(t, { stationCode: 'SC01' }, { type: 'WITHDRAW' });
    await open(t);
    expect(await ids(`q=${t}&stationCode=HL01&state=closed&outcome=withdrawn`)).toEqual(sorted(a));
  });
});

describe('GET /api/cases pagination', () => {
  it('walks every page once: newest first, no duplicates, none missing, even on equal times', async () => {
    const t = tag('P');
    const same = daysAgo(3);
    const made: { id: string; openedAt: string }[] = [];
    for (let i = 0; i < 4; i++) made.push(await w.openCase({ summary: `分页 ${t}`, occurredAt: same }));
    for (let i = 0; i < 5; i++) made.push(await w.openCase({ summary: `分页 ${t}`, occurredAt: daysAgo(10 - i) }));
    const seen: any[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const r: any = await w.call(w.tokens.court, 'GET', `/api/cases?q=${t}&limit=2${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
      expect(r.status).toBe(200);
      expect(Object.keys(r.body).sort()).toEqual(['items', 'nextCursor']);
      expect(r.body.items.length).toBeLessThanOrEqual(2);
      seen.push(...r.body.items);
      cursor = r.body.nextCursor;
      pages++;
      expect(pages).toBeLessThan(10);
    } while (cursor);
    expect(pages).toBe(5);
    const seenIds = seen.map((c) => c.id);
    expect(new Set(seenIds).size).toBe(seenIds.length);
    expect([...seenIds].sort()).toEqual(made.map((m) => m.id).sort());
    const times = seen.map((c) => Date.parse(c.openedAt));
    expect(times).toEqual([...times].sort((x, y) => y - x));
  });

  it('ends with nextCursor null on an exact last page', async () => {
    const t = tag('P');
    for (let i = 0; i < 4; i++) await w.openCase({ summary: `分页 ${t}` });
    const first = await w.call(w.tokens.court, 'GET', `/api/cases?q=${t}&limit=2`);
    expect(first.body.items).toHaveLength(2);
    expect(first.body.nextCursor).toEqual(expect.any(String));
    const second = await w.call(w.tokens.court, 'GET', `/api/cases?q=${t}&limit=2&cursor=${encodeURIComponent(first.body.nextCursor)}`);
    expect(second.body.items).toHaveLength(2);
    expect(second.body.nextCursor).toBeNull();
    const all = await w.call(w.tokens.court, 'GET', `/api/cases?q=${t}&limit=4`);
    expect(all.body.nextCursor).toBeNull();
    expect(all.body.items.map((i: any) => i.id)).toEqual([...first.body.items, ...second.body.items].map((i: any) => i.id));
  });

  it('keeps the caller\'s scope on every page', async () => {
    const t = tag('P');
    for (let i = 0; i < 3; i++) await w.openCase({ summary: `分页 ${t}` });
    for (let i = 0; i < 3; i++) await w.openCase({ summary: `分页 ${t}`, stationCode: 'SC01' });
    const seen: any[] = [];
    let cursor: string | null = null;
    do {
      const r: any = await w.call(w.tokens.stationSC, 'GET', `/api/cases?q=${t}&limit=1${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
      seen.push(...r.body.items);
      cursor = r.body.nextCursor;
    } while (cursor);
    expect(seen).toHaveLength(3);
    expect(seen.every((c) => c.stationCode === 'SC01')).toBe(true);
  });
});

describe('case shapes (DESIGN.md §6)', () => {
  it('GET /api/cases/:id: state, version, data, context, deadlines and nextEvents', async () => {
    const c = await w.openCase({ occurredAt: '2025-03-01T08:00:00+08:00', claimAmount: '20000.5' });
    expect(c).toMatchObject({ state: 'intake.screening', version: 1, overdue: false });
    await w.send(
      c.id,
      w.tokens.court,
      { type: 'ACCEPT', occurredAt: '2025-03-01T08:30:00+08:00' },
      { type: 'ASSIGN', deputyIds: [w.deputies.a], mediatorName: '调解员 钱', occurredAt: '2025-03-01T09:00:00+08:00' },
    );
    const r = await w.call(w.tokens.court, 'GET', `/api/cases/${c.id}`);
    expect(r.status).toBe(200);
    expect(r.headers.get('etag')).toBe('"3"');
    expect(r.body).toMatchObject({
      id: c.id,
      number: c.number,
      state: 'mediation.active',
      version: 3,
      overdue: false,
      track: 'pre_filing',
      source: 'court_referral',
      stationCode: 'HL01',
      disputeType: '民间借贷',
      claimAmount: '20000.50',
      deputyIds: [w.deputies.a],
      openedAt: '2025-03-01T00:00:00.000Z',
      // 30 days from 2025-03-01 (the start day not counted): expired at 2025-04-01 00:00 Shanghai.
      deadlines: [{ kind: 'mediation_expiry', dueAt: '2025-03-31T16:00:00.000Z' }],
      context: { mediatorName: '调解员 钱', mediationDueAt: '2025-03-31T16:00:00.000Z', claimAmount: '20000.50', deputyIds: [w.deputies.a] },
    });
    expect(r.body).not.toHaveProperty('outcome');
    expect([...r.body.nextEvents].sort()).toEqual(['EXTEND', 'FAIL', 'PAUSE', 'REACH_AGREEMENT', 'RECORD_SESSION', 'RECUSE', 'SCHEDULE_SESSION', 'WITHDRAW']);
  });

  it('a closed case carries its outcome and no deadline', async () => {
    const c = await w.openCase();
    const closed = await w.send(c.id, w.tokens.court, { type: 'RETURN', reason: 'no_jurisdiction' });
    expect(closed).toMatchObject({ state: 'closed', outcome: 'returned', deadlines: [], nextEvents: [], version: 2 });
  });

  it('GET /api/cases/:id/history: the journal, oldest first', async () => {
    const courtId = (await w.call(w.tokens.court, 'GET', '/api/me')).body.id;
    const c = await w.openCase({ occurredAt: '2025-05-01T08:00:00+08:00' });
    await w.send(c.id, w.tokens.court, { type: 'ACCEPT', occurredAt: '2025-05-02T08:00:00+08:00' }, { type: 'ASSIGN', deputyIds: [w.deputies.a], occurredAt: '2025-05-03T08:00:00+08:00' });
    await w.send(c.id, w.tokens.deputyA, { type: 'FAIL', reason: 'refused', note: '被申请人拒绝调解' });
    const h = await w.call(w.tokens.committee, 'GET', `/api/cases/${c.id}/history`);
    expect(Object.keys(h.body)).toEqual(['items']);
    expect(h.body.items.map((i: any) => [i.seq, i.type, i.from, i.to])).toEqual([
      [1, 'CREATE', null, 'intake.screening'],
      [2, 'ACCEPT', 'intake.screening', 'mediation.assigning'],
      [3, 'ASSIGN', 'mediation.assigning', 'mediation.active'],
      [4, 'FAIL', 'mediation.active', 'closed'],
    ]);
    expect(h.body.items[1]).toMatchObject({
      actor: { id: courtId, role: 'court', name: '李书记员' },
      occurredAt: '2025-05-02T00:00:00.000Z',
      recordedAt: expect.stringMatching(ISO),
      payload: {},
    });
    expect(h.body.items[2].payload).toEqual({ deputyIds: [w.deputies.a] });
    expect(h.body.items[3]).toMatchObject({ actor: { role: 'deputy', name: '王丽' }, payload: { reason: 'refused', note: '被申请人拒绝调解' } });
    expect(h.body.items[0].payload).toMatchObject({ track: 'pre_filing', source: 'court_referral', stationCode: 'HL01' });
  });
});
