/**
 * 扫码联 — the citizen's door (DESIGN.md §13), through the API on a real database: stations'
 * public fields, the public submission and every refusal of it (consent, honeypot, body size,
 * per-phone and per-address limits: nothing stored), the station boundary of the queue, accept
 * and decline (once each), and the status look-up (right and wrong pairs, nothing personal).
 */
import { randomUUID } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp, type App } from '../../src/app.js';
import { rowsOf } from '../../src/db/client.js';
import { phoneKey, purgeExpired } from '../../src/engine/submissions.js';
import { expectProblem, fingerprint } from '../helpers/api.js';
import { createWorld, type Call, type World } from '../helpers/world.js';

let w: World;
/** The app as it runs behind a trusted proxy: the client address comes from X-Forwarded-For. */
let proxied: App;
/** A second process on the same database. */
let proxied2: App;
const logged: unknown[] = [];

let ipSeq = 0;
/** A client address of its own for each test, so the per-address limits do not meet. */
const freshIp = () => `198.51.100.${++ipSeq}`;
let phoneSeq = 0;
const freshPhone = () => `139${String(10_000_000 + ++phoneSeq * 7919).slice(-8)}`;

async function request(app: App, method: string, path: string, opts: { body?: unknown; ip?: string; token?: string; headers?: Record<string, string> } = {}): Promise<Call> {
  const res = await app.request(path, {
    method,
    headers: {
      ...(opts.body !== undefined ? { 'content-type': 'application/json' } : {}),
      ...(opts.ip ? { 'x-forwarded-for': `203.0.113.250, ${opts.ip}` } : {}),
      ...(opts.token ? { authorization: `Bearer ${opts.token}` } : {}),
      ...opts.headers,
    },
    body: opts.body === undefined ? undefined : typeof opts.body === 'string' ? opts.body : JSON.stringify(opts.body),
  });
  const text = await res.text();
  let body: unknown = text;
  try {
    body = text ? JSON.parse(text) : null;
  } catch {
    // not JSON
  }
  return { status: res.status, body, headers: res.headers };
}

const submission = (overrides: Record<string, unknown> = {}) => ({
  stationCode: 'HL01',
  name: '张秀英',
  phone: freshPhone(),
  counterparty: '李建国',
  disputeType: '邻里纠纷',
  description: '楼上漏水两个月，多次沟通未果。',
  consent: true,
  ...overrides,
});

const post = (body: unknown, ip = freshIp(), app = proxied) => request(app, 'POST', '/api/public/submissions', { body, ip });
const lookup = (receipt: string, phone: string, ip = freshIp(), app = proxied) =>
  request(app, 'GET', `/api/public/status?receipt=${encodeURIComponent(receipt)}&phone=${encodeURIComponent(phone)}`, { ip });

async function stored() {
  const [row] = rowsOf<{ submissions: number; counted: number }>(
    await w.database.db.execute(sql`select (select count(*)::int from submissions) as submissions,
      (select coalesce(sum(count), 0)::int from rate_counters where scope like 'submit-%') as counted`),
  );
  return { ...row, ...(await fingerprint(w)) };
}

/** A refusal of a submission: the status, a problem+json body, and nothing stored anywhere. */
async function refusedSubmission(status: number, send: () => Promise<Call>, type?: string) {
  const before = await stored();
  const r = await send();
  const body = expectProblem(r, status, type);
  expect(await stored()).toEqual(before);
  return { body, r };
}

async function submitted(overrides: Record<string, unknown> = {}) {
  const body = submission(overrides);
  const r = await post(body);
  expect(r.status, JSON.stringify(r.body)).toBe(201);
  const [row] = rowsOf<{ id: string }>(await w.database.db.execute(sql`select id from submissions where receipt = ${r.body.receipt}`));
  return { receipt: r.body.receipt as string, id: row.id, phone: body.phone as string, body };
}

beforeAll(async () => {
  w = await createWorld();
  const log = (msg: string, extra?: unknown) => logged.push({ msg, extra });
  proxied = createApp({ db: w.database.db, log, trustProxy: true });
  proxied2 = createApp({ db: w.database.db, log, trustProxy: true });
  await w.call(w.tokens.admin, 'POST', '/api/stations', {
    code: 'DL07',
    name: '道里区新阳路街道人大代表联络站',
    kind: 'street',
    district: '道里区',
    hotline: '0451-84651234',
    address: '道里区新阳路 118 号',
    deputiesOnDuty: [{ name: '王丽', schedule: '每周三上午' }, { name: '赵刚' }],
  });
});

afterAll(async () => {
  await w?.close();
});

describe('stations carry what their card and public page show', () => {
  it('POST and GET /api/stations take and return hotline, address and deputies on duty (all optional)', async () => {
    const list = await w.call(w.tokens.court, 'GET', '/api/stations');
    const dl = list.body.items.find((s: any) => s.code === 'DL07');
    expect(dl).toMatchObject({
      hotline: '0451-84651234',
      address: '道里区新阳路 118 号',
      deputiesOnDuty: [{ name: '王丽', schedule: '每周三上午' }, { name: '赵刚' }],
    });
    const hl = list.body.items.find((s: any) => s.code === 'HL01');
    // Unset, they are left out: a station reads as it always did.
    expect(Object.keys(hl).sort()).toEqual(['code', 'createdAt', 'district', 'kind', 'name']);
  });

  it('refuses a malformed hotline or a nameless deputy on duty (400, nothing stored)', async () => {
    const before = await fingerprint(w);
    const r = await w.call(w.tokens.admin, 'POST', '/api/stations', { code: 'XX01', name: '某站', kind: 'town', district: '某区', hotline: 'call me', deputiesOnDuty: [{ name: '' }] });
    const p = expectProblem(r, 400);
    expect(p.errors.map((e: any) => e.field).sort()).toEqual(['deputiesOnDuty.0.name', 'hotline']);
    expect(await fingerprint(w)).toEqual(before);
  });
});

describe('POST /api/public/submissions', () => {
  it('takes a submission without sign-in and answers 201 with only an unguessable receipt', async () => {
    const body = submission();
    const r = await post(body);
    expect(r.status).toBe(201);
    expect(Object.keys(r.body)).toEqual(['receipt']);
    expect(r.body.receipt).toMatch(/^[23456789ABCDEFGHJKMNPQRSTUVWXYZ]{12}$/);
    expect(r.headers.get('cache-control')).toBe('no-store');
    const [row] = rowsOf<any>(await w.database.db.execute(sql`select * from submissions where receipt = ${r.body.receipt}`));
    expect(row).toMatchObject({ station_code: 'HL01', name: '张秀英', phone: body.phone, counterparty: '李建国', status: 'pending', case_id: null });
  });

  it('gives every submission its own receipt', async () => {
    const receipts = new Set<string>();
    for (let i = 0; i < 5; i++) receipts.add((await submitted()).receipt);
    expect(receipts.size).toBe(5);
  });

  it('refuses without consent (400) and stores nothing', async () => {
    for (const consent of [undefined, false, 'yes', 1]) {
      const { body } = await refusedSubmission(400, () => post(submission({ consent })));
      expect(body.errors.map((e: any) => e.field)).toEqual(['consent']);
      expect(body.detail).toContain('同意');
    }
  });

  it('refuses a filled honeypot (400) and stores nothing', async () => {
    const { body } = await refusedSubmission(400, () => post(submission({ website: 'http://spam.example' })));
    expect(body.errors.map((e: any) => e.field)).toEqual(['website']);
  });

  it('refuses missing or malformed fields with the field named (400)', async () => {
    const { body } = await refusedSubmission(400, () => post({ stationCode: 'HL01', phone: '12345', consent: true }));
    expect(body.errors.map((e: any) => e.field).sort()).toEqual(['counterparty', 'description', 'disputeType', 'name', 'phone']);
  });

  it('answers 404 for an unknown station and stores nothing', async () => {
    await refusedSubmission(404, () => post(submission({ stationCode: 'NOPE99' })));
  });

  it('refuses a body over 16 KiB with 413 problem+json, declared or not, and stores nothing', async () => {
    const big = JSON.stringify(submission({ description: '漏'.repeat(6000) }));
    expect(Buffer.byteLength(big)).toBeGreaterThan(16 * 1024);
    const declared = await refusedSubmission(413, () => request(proxied, 'POST', '/api/public/submissions', { body: big, ip: freshIp(), headers: { 'content-length': String(Buffer.byteLength(big)) } }), 'urn:jiefen:problem:payload-too-large');
    expect(declared.body.detail).toContain('16 KiB');
    await refusedSubmission(413, () => post(big), 'urn:jiefen:problem:payload-too-large');
  });

  it('takes 5 submissions per phone a day, then 429 with Retry-After (across processes), storing nothing', async () => {
    const phone = freshPhone();
    for (let i = 0; i < 5; i++) {
      const r = await post(submission({ phone }), freshIp(), i % 2 ? proxied2 : proxied);
      expect(r.status).toBe(201);
    }
    const { body, r } = await refusedSubmission(429, () => post(submission({ phone: phone.replace(/^(\d{3})(\d{4})/, '$1 $2 ') }), freshIp(), proxied2), 'urn:jiefen:problem:too-many-requests');
    expect(body.detail).toContain('每天最多提交 5 次');
    expect(Number(r.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(Number(r.headers.get('retry-after'))).toBeLessThanOrEqual(86_400);
    // Another number is not held back.
    expect((await post(submission())).status).toBe(201);
  });

  it('takes 20 submissions per client address an hour, then 429, storing nothing; another address is served', async () => {
    const ip = freshIp();
    for (let i = 0; i < 20; i++) {
      const r = await post(submission(), ip, i % 2 ? proxied2 : proxied);
      expect(r.status).toBe(201);
    }
    const { body, r } = await refusedSubmission(429, () => post(submission(), ip), 'urn:jiefen:problem:too-many-requests');
    expect(body.detail).toContain('一小时内最多提交 20 次');
    expect(Number(r.headers.get('retry-after'))).toBeLessThanOrEqual(3600);
    expect((await post(submission(), freshIp())).status).toBe(201);
  });

  it('counts concurrent submissions for one phone exactly: never more than 5 stored', async () => {
    const phone = freshPhone();
    const results = await Promise.all(Array.from({ length: 9 }, (_, i) => post(submission({ phone }), freshIp(), i % 2 ? proxied2 : proxied)));
    expect(results.filter((r) => r.status === 201)).toHaveLength(5);
    expect(results.filter((r) => r.status === 429)).toHaveLength(4);
    const [row] = rowsOf<{ n: number }>(await w.database.db.execute(sql`select count(*)::int as n from submissions where phone = ${phone}`));
    expect(row.n).toBe(5);
  });

  it('writes no personal data to the log', () => {
    expect(JSON.stringify(logged)).not.toMatch(/张秀英|李建国|139\d{8}/);
  });
});

describe('Idempotency-Key on POST /api/public/submissions (DESIGN.md §5: any POST)', () => {
  const keyed = (body: unknown, key: string, ip = freshIp(), app = proxied) =>
    request(app, 'POST', '/api/public/submissions', { body, ip, headers: { 'idempotency-key': key } });
  const rowsFor = async (phone: string) =>
    rowsOf<{ receipt: string }>(await w.database.db.execute(sql`select receipt from submissions where phone = ${phone}`));

  it('a repeat of the key with the same body answers the first receipt and stores, counts and notifies nothing more', async () => {
    const body = submission();
    const key = `k-${randomUUID()}`;
    const first = await keyed(body, key);
    expect(first.status).toBe(201);
    expect(first.headers.get('idempotent-replayed')).toBeNull();
    const before = await stored();
    // From another address, through another process: a phone that changed networks and retried.
    const again = await keyed(body, key, freshIp(), proxied2);
    expect(again.status).toBe(201);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(again.body).toEqual({ receipt: first.body.receipt });
    expect(await stored()).toEqual(before);
    expect(await rowsFor(body.phone as string)).toEqual([{ receipt: first.body.receipt }]);
  });

  it('another body under the key is a 422 and stores nothing', async () => {
    const key = `k-${randomUUID()}`;
    expect((await keyed(submission(), key)).status).toBe(201);
    const other = submission();
    await refusedSubmission(422, () => keyed(other, key), 'urn:jiefen:problem:idempotency-mismatch');
    expect(await rowsFor(other.phone as string)).toEqual([]);
  });

  it('five concurrent sends of one key and body store one submission, and all five answer its receipt', async () => {
    const body = submission();
    const key = `k-${randomUUID()}`;
    const results = await Promise.all(Array.from({ length: 5 }, (_, i) => keyed(body, key, freshIp(), i % 2 ? proxied2 : proxied)));
    expect(results.map((r) => r.status)).toEqual([201, 201, 201, 201, 201]);
    const rows = await rowsFor(body.phone as string);
    expect(rows).toHaveLength(1);
    expect(new Set(results.map((r) => r.body.receipt))).toEqual(new Set([rows[0].receipt]));
  });

  it('a replay is answered even after the phone has used up its day: the first submission is not counted twice', async () => {
    const phone = freshPhone();
    const key = `k-${randomUUID()}`;
    const first = await keyed(submission({ phone }), key);
    expect(first.status).toBe(201);
    for (let i = 0; i < 4; i++) expect((await post(submission({ phone }))).status).toBe(201);
    expect((await post(submission({ phone }))).status).toBe(429);
    const again = await keyed(submission({ phone }), key);
    expect(again.status).toBe(201);
    expect(again.body.receipt).toBe(first.body.receipt);
  });

  it('concurrent sends of one key when the phone has one submission left: one is stored, and none is answered 429', async () => {
    const phone = freshPhone();
    for (let i = 0; i < 4; i++) expect((await post(submission({ phone }))).status).toBe(201);
    const body = submission({ phone });
    const key = `k-${randomUUID()}`;
    // The one that stores takes the phone's last place of the day; its twins, counting after it, are the same request.
    const results = await Promise.all(Array.from({ length: 4 }, (_, i) => keyed(body, key, freshIp(), i % 2 ? proxied2 : proxied)));
    expect(results.map((r) => r.status)).toEqual([201, 201, 201, 201]);
    expect(new Set(results.map((r) => r.body.receipt)).size).toBe(1);
    expect(await rowsFor(phone)).toHaveLength(5);
  });

  it('the record of the key keeps neither the citizen\'s data nor the receipt, only which submission answered it', async () => {
    const body = submission();
    const key = `k-${randomUUID()}`;
    const first = await keyed(body, key);
    const [record] = rowsOf<{ user_id: string; response: unknown }>(await w.database.db.execute(sql`select user_id, response from idempotency_keys where key = ${key}`));
    const [row] = rowsOf<{ id: string }>(await w.database.db.execute(sql`select id from submissions where receipt = ${first.body.receipt}`));
    expect(record).toEqual({ user_id: 'public', response: { submissionId: row.id } });
  });

  it('refuses a malformed key (400) before anything is stored', async () => {
    await refusedSubmission(400, () => keyed(submission(), 'x'.repeat(201)));
  });
});

describe('the queue: GET /api/submissions, accept, decline', () => {
  it('shows station staff their own station only, court staff every station; others are refused', async () => {
    const hl = await submitted();
    const dl = await submitted({ stationCode: 'DL07' });
    const ids = (r: Call) => r.body.items.map((s: any) => s.id);

    const mine = await w.call(w.tokens.stationHL, 'GET', '/api/submissions?status=pending&limit=200');
    expect(mine.status).toBe(200);
    expect(ids(mine)).toContain(hl.id);
    expect(ids(mine)).not.toContain(dl.id);
    expect(mine.body.items.every((s: any) => s.stationCode === 'HL01')).toBe(true);
    expect(mine.body.items.find((s: any) => s.id === hl.id)).toMatchObject({ name: '张秀英', phone: hl.phone, counterparty: '李建国', status: 'pending' });
    expect(mine.headers.get('cache-control')).toBe('no-store');

    const other = await w.call(w.tokens.stationSC, 'GET', '/api/submissions?status=pending&limit=200');
    expect(ids(other)).not.toContain(hl.id);
    expect(ids(other)).not.toContain(dl.id);
    expectProblem(await w.call(w.tokens.stationSC, 'GET', '/api/submissions?stationCode=HL01'), 403);

    const court = await w.call(w.tokens.court, 'GET', '/api/submissions?status=pending&limit=200');
    expect(ids(court)).toEqual(expect.arrayContaining([hl.id, dl.id]));

    for (const token of [w.tokens.committee, w.tokens.deputyA, w.tokens.admin]) expectProblem(await w.call(token, 'GET', '/api/submissions'), 403);
    expectProblem(await w.call(null, 'GET', '/api/submissions'), 401);
    expectProblem(await w.call(w.tokens.stationSC, 'GET', `/api/submissions/${hl.id}`), 403);
  });

  it('tells the station staff of a new submission in their inbox, without the citizen’s data', async () => {
    const s = await submitted();
    const inbox = await w.call(w.tokens.stationHL, 'GET', '/api/me/notifications');
    expect(inbox.status).toBe(200);
    const notice = inbox.body.items.find((n: any) => n.entity?.id === s.id);
    expect(notice).toMatchObject({ kind: 'submission_received', entity: { type: 'submission', id: s.id } });
    expect(JSON.stringify(notice)).not.toMatch(/张秀英|李建国|139\d{8}/);
    expect(JSON.stringify(notice)).not.toContain(s.receipt);
    const other = await w.call(w.tokens.stationSC, 'GET', '/api/me/notifications');
    expect(other.body.items.some((n: any) => n.entity?.id === s.id)).toBe(false);
  });

  it('logs each read of a submission (its personal data) in the access log', async () => {
    const s = await submitted();
    await w.call(w.tokens.stationHL, 'GET', `/api/submissions/${s.id}`);
    const [row] = rowsOf<{ n: number }>(
      await w.database.db.execute(sql`select count(*)::int as n from access_log where entity_type = 'submission' and entity_id = ${s.id}`),
    );
    expect(row.n).toBeGreaterThanOrEqual(1);
    // And the admin and the committee find it in GET /api/access-log (DESIGN §1: every read of unmasked personal data).
    const me = (await w.call(w.tokens.stationHL, 'GET', '/api/me')).body;
    for (const reader of [w.tokens.admin, w.tokens.committee]) {
      const log = await w.call(reader, 'GET', `/api/access-log?actorId=${me.id}&limit=500`);
      expect(log.status).toBe(200);
      expect(log.body.items).toContainEqual(expect.objectContaining({ caseId: null, submissionId: s.id, actor: expect.objectContaining({ id: me.id, role: 'station' }) }));
    }
    // A case filter still lists reads of that case only.
    const byCase = await w.call(w.tokens.admin, 'GET', `/api/access-log?caseId=${s.id}`);
    expect(byCase.body.items).toEqual([]);
    const csv = await w.call(w.tokens.admin, 'GET', `/api/access-log?format=csv&actorId=${me.id}`);
    expect(csv.status).toBe(200);
    expect(String(csv.body)).toContain(`,${s.id},`);
  });

  it('accept opens a case through the engine: qr_code, the station, the parties, occurredAt the submission time, the submission in its history', async () => {
    const s = await submitted();
    const [{ submitted_at }] = rowsOf<{ submitted_at: string }>(await w.database.db.execute(sql`select submitted_at from submissions where id = ${s.id}`));
    const r = await w.call(w.tokens.stationHL, 'POST', `/api/submissions/${s.id}/accept`, { track: 'pre_filing' });
    expect(r.status, JSON.stringify(r.body)).toBe(201);
    expect(r.headers.get('location')).toBe(`/api/cases/${r.body.id}`);
    expect(r.body).toMatchObject({ state: 'intake.screening', source: 'qr_code', stationCode: 'HL01', disputeType: '邻里纠纷', track: 'pre_filing' });
    expect(r.body.number).toMatch(/^\d{4}-HL01-\d{6}$/);
    expect(r.body.summary).toBe('楼上漏水两个月，多次沟通未果。');
    expect(r.body.parties).toEqual([
      expect.objectContaining({ role: 'applicant', name: '张秀英', phone: s.phone }),
      expect.objectContaining({ role: 'respondent', name: '李建国' }),
    ]);
    expect(Date.parse(r.body.openedAt ?? r.body.context?.openedAt)).toBe(Date.parse(submitted_at));

    const h = await w.call(w.tokens.court, 'GET', `/api/cases/${r.body.id}/history`);
    expect(h.body.items[0]).toMatchObject({ type: 'CREATE', payload: expect.objectContaining({ source: 'qr_code', submissionId: s.id }) });
    expect(Date.parse(h.body.items[0].occurredAt)).toBe(Date.parse(submitted_at));

    const queue = await w.call(w.tokens.stationHL, 'GET', '/api/submissions?status=accepted&limit=200');
    expect(queue.body.items.find((x: any) => x.id === s.id)).toMatchObject({ status: 'accepted', caseId: r.body.id, caseNumber: r.body.number });

    // Once only: a second accept, or a decline, is a 409 and changes nothing.
    const before = await fingerprint(w);
    const again = expectProblem(await w.call(w.tokens.court, 'POST', `/api/submissions/${s.id}/accept`, { track: 'post_filing' }), 409, 'urn:jiefen:problem:conflict');
    expect(again.status).toBe(409);
    expectProblem(await w.call(w.tokens.stationHL, 'POST', `/api/submissions/${s.id}/decline`, { reason: '重复' }), 409, 'urn:jiefen:problem:conflict');
    expect(await fingerprint(w)).toEqual(before);
  });

  it('court staff accept at any station, with their own summary', async () => {
    const s = await submitted({ stationCode: 'DL07' });
    const r = await w.call(w.tokens.court, 'POST', `/api/submissions/${s.id}/accept`, { track: 'post_filing', summary: '相邻漏水纠纷' });
    expect(r.status).toBe(201);
    expect(r.body).toMatchObject({ stationCode: 'DL07', summary: '相邻漏水纠纷', track: 'post_filing', source: 'qr_code' });
  });

  it('accept repeated under its Idempotency-Key answers the first response again, parties and all (read again from parties)', async () => {
    const s = await submitted();
    const key = { 'idempotency-key': `accept-${s.id}` };
    const first = await w.call(w.tokens.stationHL, 'POST', `/api/submissions/${s.id}/accept`, { track: 'pre_filing' }, key);
    expect(first.status).toBe(201);
    expect(first.body.parties).toEqual([
      { role: 'applicant', name: '张秀英', idNumber: null, phone: s.phone },
      { role: 'respondent', name: '李建国', idNumber: null, phone: null },
    ]);
    const again = await w.call(w.tokens.stationHL, 'POST', `/api/submissions/${s.id}/accept`, { track: 'pre_filing' }, key);
    expect(again.status).toBe(201);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(again.body).toEqual(first.body);
    // The record itself keeps none of it (DESIGN §10).
    const [kept] = rowsOf<{ response: string }>(await w.database.db.execute(sql`select response::text as response from idempotency_keys where key = ${key['idempotency-key']}`));
    expect(kept.response).not.toContain(s.phone);
    expect(kept.response).not.toContain('张秀英');
  });

  it('two accepts at once open one case', async () => {
    const s = await submitted();
    const [a, b] = await Promise.all([
      w.call(w.tokens.stationHL, 'POST', `/api/submissions/${s.id}/accept`, { track: 'pre_filing' }),
      w.call(w.tokens.court, 'POST', `/api/submissions/${s.id}/accept`, { track: 'pre_filing' }),
    ]);
    expect([a.status, b.status].sort()).toEqual([201, 409]);
    const [row] = rowsOf<{ n: number }>(await w.database.db.execute(sql`select count(*)::int as n from case_events where type = 'CREATE' and payload->>'submissionId' = ${s.id}`));
    expect(row.n).toBe(1);
  });

  it('refuses accept and decline from another station, other roles, and with a bad body; nothing written', async () => {
    const s = await submitted();
    const before = await fingerprint(w);
    expectProblem(await w.call(w.tokens.stationSC, 'POST', `/api/submissions/${s.id}/accept`, { track: 'pre_filing' }), 403);
    expectProblem(await w.call(w.tokens.stationSC, 'POST', `/api/submissions/${s.id}/decline`, { reason: '不属本站' }), 403);
    expectProblem(await w.call(w.tokens.deputyA, 'POST', `/api/submissions/${s.id}/accept`, { track: 'pre_filing' }), 403);
    expectProblem(await w.call(w.tokens.committee, 'POST', `/api/submissions/${s.id}/decline`, { reason: 'x' }), 403);
    expectProblem(await w.call(null, 'POST', `/api/submissions/${s.id}/accept`, { track: 'pre_filing' }), 401);
    expectProblem(await w.call(w.tokens.stationHL, 'POST', `/api/submissions/${s.id}/accept`, { track: 'sideways' }), 400);
    expectProblem(await w.call(w.tokens.stationHL, 'POST', `/api/submissions/${s.id}/decline`, {}), 400);
    expectProblem(await w.call(w.tokens.court, 'POST', '/api/submissions/00000000-0000-4000-8000-000000000000/accept', { track: 'pre_filing' }), 404);
    expectProblem(await w.call(w.tokens.court, 'POST', '/api/submissions/not-an-id/decline', { reason: 'x' }), 404);
    expect(await fingerprint(w)).toEqual(before);
    const [row] = rowsOf<{ status: string }>(await w.database.db.execute(sql`select status from submissions where id = ${s.id}`));
    expect(row.status).toBe('pending');
  });

  it('a case cannot claim a submission of another station or channel through POST /api/cases', async () => {
    const s = await submitted();
    const body = {
      track: 'pre_filing',
      source: 'qr_code',
      stationCode: 'SC01',
      disputeType: '邻里纠纷',
      summary: 'x',
      parties: [{ role: 'applicant', name: '甲' }],
      submissionId: s.id,
    };
    expectProblem(await w.call(w.tokens.court, 'POST', '/api/cases', body), 400);
    expectProblem(await w.call(w.tokens.court, 'POST', '/api/cases', { ...body, stationCode: 'HL01', source: 'walk_in' }), 400);
    expectProblem(await w.call(w.tokens.stationSC, 'POST', '/api/cases', { ...body, stationCode: 'HL01' }), 403);
  });

  it('decline records the reason once; afterwards accept and decline are 409', async () => {
    const s = await submitted();
    const r = await w.call(w.tokens.stationHL, 'POST', `/api/submissions/${s.id}/decline`, { reason: '属于物业服务范围，已告知向物业公司反映' });
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ id: s.id, status: 'declined', declineReason: '属于物业服务范围，已告知向物业公司反映' });
    const before = await fingerprint(w);
    expectProblem(await w.call(w.tokens.stationHL, 'POST', `/api/submissions/${s.id}/decline`, { reason: '再次' }), 409, 'urn:jiefen:problem:conflict');
    expectProblem(await w.call(w.tokens.court, 'POST', `/api/submissions/${s.id}/accept`, { track: 'pre_filing' }), 409, 'urn:jiefen:problem:conflict');
    expect(await fingerprint(w)).toEqual(before);
  });
});

describe('GET /api/public/status', () => {
  it('answers pending, declined and case with nothing else — no name, no phone', async () => {
    const pending = await submitted();
    const p = await lookup(pending.receipt, pending.phone.slice(-4));
    expect(p.status).toBe(200);
    expect(p.body).toEqual({ status: 'pending' });
    expect(p.headers.get('cache-control')).toBe('no-store');

    const declined = await submitted();
    await w.call(w.tokens.stationHL, 'POST', `/api/submissions/${declined.id}/decline`, { reason: '不属于调解范围' });
    expect((await lookup(declined.receipt, declined.phone.slice(-4))).body).toEqual({ status: 'declined' });

    const opened = await submitted();
    const c = await w.call(w.tokens.stationHL, 'POST', `/api/submissions/${opened.id}/accept`, { track: 'pre_filing' });
    const r = await lookup(opened.receipt.toLowerCase().replace(/(.{4})(?!$)/g, '$1-'), opened.phone.slice(-4));
    expect(r.status).toBe(200);
    expect(r.body).toEqual({ status: 'case', case: { number: c.body.number, stateLabel: '登记待审查' } });
    const text = JSON.stringify(r.body);
    for (const personal of ['张秀英', '李建国', opened.phone, opened.phone.slice(-4), declined.receipt, '不属于调解范围']) expect(text).not.toContain(personal);
  });

  it('follows the case: its state in words and the next session date', async () => {
    const s = await submitted();
    const c = await w.call(w.tokens.court, 'POST', `/api/submissions/${s.id}/accept`, { track: 'pre_filing' });
    const at = new Date(Date.now() + 3 * 86_400_000).toISOString();
    await w.send(c.body.id, w.tokens.court, { type: 'ACCEPT' }, { type: 'ASSIGN', deputyIds: [w.deputies.a] }, { type: 'SCHEDULE_SESSION', at, location: '呼兰区人民法院人大代表联络站' });
    const r = await lookup(s.receipt, s.phone.slice(-4));
    expect(r.body).toEqual({ status: 'case', case: { number: c.body.number, stateLabel: '调解中', nextDate: at } });
  });

  it('answers a wrong pair exactly as an unknown receipt (404, the same body)', async () => {
    const s = await submitted();
    const wrongDigits = String((Number(s.phone.slice(-4)) + 1) % 10_000).padStart(4, '0');
    const wrong = await lookup(s.receipt, wrongDigits);
    const unknown = await lookup('ZZZZ2222ZZZZ', s.phone.slice(-4));
    const strip = (b: any) => {
      const { requestId: _r, ...rest } = b;
      return rest;
    };
    expectProblem(wrong, 404);
    expectProblem(unknown, 404);
    expect(strip(wrong.body)).toEqual(strip(unknown.body));
    expect(JSON.stringify(wrong.body)).not.toContain(s.receipt);
    expect(wrong.headers.get('content-type')).toBe(unknown.headers.get('content-type'));
  });

  it('refuses a malformed query with 400 (no look-up)', async () => {
    expectProblem(await lookup('abc', '1234'), 400);
    expectProblem(await lookup('ZZZZ2222ZZZZ', '12'), 400);
    expectProblem(await request(proxied, 'GET', '/api/public/status', { ip: freshIp() }), 400);
  });

  it('throttles per client address (30 an hour) across processes, whatever was asked', async () => {
    const s = await submitted();
    const ip = freshIp();
    for (let i = 0; i < 30; i++) {
      const r = await lookup(`ZZZZ${String(1000 + i).replace(/[01]/g, '3')}ZZZZ`, '0000', ip, i % 2 ? proxied2 : proxied);
      expect(r.status).toBe(404);
    }
    const r = await lookup(s.receipt, s.phone.slice(-4), ip);
    expectProblem(r, 429, 'urn:jiefen:problem:too-many-requests');
    expect(Number(r.headers.get('retry-after'))).toBeGreaterThan(0);
    expect((await lookup(s.receipt, s.phone.slice(-4), freshIp())).status).toBe(200);
  });

  it('throttles guesses at one receipt (10 a day), known or unknown alike', async () => {
    const s = await submitted();
    for (let i = 0; i < 10; i++) expect((await lookup(s.receipt, String(i).padStart(4, '0'), freshIp())).status).toBe(404);
    expectProblem(await lookup(s.receipt, s.phone.slice(-4), freshIp()), 429, 'urn:jiefen:problem:too-many-requests');
    for (let i = 0; i < 10; i++) expect((await lookup('YYYY3333YYYY', String(i).padStart(4, '0'), freshIp())).status).toBe(404);
    expectProblem(await lookup('YYYY3333YYYY', '0000', freshIp()), 429, 'urn:jiefen:problem:too-many-requests');
  });
});

describe('an accepted submission keeps no personal data (DESIGN §10: a party\'s name and phone only in parties)', () => {
  const rowOf = async (id: string) =>
    rowsOf<Record<string, unknown>>(await w.database.db.execute(sql`select name, phone, counterparty, phone_last4, phone_hash, status, case_id from submissions where id = ${id}`))[0];
  const accessReads = async (id: string) =>
    rowsOf<{ n: number }>(await w.database.db.execute(sql`select count(*)::int as n from access_log where entity_type = 'submission' and entity_id = ${id}`))[0].n;

  it('the acceptance empties its name, phone and counterparty (the case\'s parties hold them); its last 4 digits and hash stay', async () => {
    const s = await submitted();
    expect(await rowOf(s.id)).toMatchObject({ name: '张秀英', phone: s.phone, counterparty: '李建国', phone_last4: s.phone.slice(-4), phone_hash: phoneKey(s.phone) });
    const c = await w.call(w.tokens.stationHL, 'POST', `/api/submissions/${s.id}/accept`, { track: 'pre_filing' });
    expect(c.status).toBe(201);
    expect(await rowOf(s.id)).toEqual({ name: null, phone: null, counterparty: null, phone_last4: s.phone.slice(-4), phone_hash: phoneKey(s.phone), status: 'accepted', case_id: c.body.id });
    const parties = rowsOf<{ name: string; phone: string | null }>(await w.database.db.execute(sql`select name, phone from parties where case_id = ${c.body.id} order by position`));
    expect(parties).toEqual([{ name: '张秀英', phone: s.phone }, { name: '李建国', phone: null }]);
    // A declined one keeps its data until it is purged (no case holds it).
    const d = await submitted();
    await w.call(w.tokens.stationHL, 'POST', `/api/submissions/${d.id}/decline`, { reason: '不属于调解范围' });
    expect(await rowOf(d.id)).toMatchObject({ name: '张秀英', phone: d.phone, counterparty: '李建国', status: 'declined' });
  });

  it('the status look-up still matches its last 4 digits, and answers 404 to others', async () => {
    const s = await submitted();
    const c = await w.call(w.tokens.stationHL, 'POST', `/api/submissions/${s.id}/accept`, { track: 'pre_filing' });
    const r = await lookup(s.receipt, s.phone.slice(-4));
    expect(r.status).toBe(200);
    expect(r.body).toEqual({ status: 'case', case: { number: c.body.number, stateLabel: '登记待审查' } });
    const wrongDigits = String((Number(s.phone.slice(-4)) + 1) % 10_000).padStart(4, '0');
    expectProblem(await lookup(s.receipt, wrongDigits), 404);
    expectProblem(await lookup(s.receipt, s.phone.slice(-8, -4)), 404);
  });

  it('the per-phone daily limit still counts accepted submissions of the day', async () => {
    const phone = freshPhone();
    for (let i = 0; i < 5; i++) {
      const s = await submitted({ phone });
      if (i % 2 === 0) expect((await w.call(w.tokens.court, 'POST', `/api/submissions/${s.id}/accept`, { track: 'pre_filing' })).status).toBe(201);
    }
    const [{ n }] = rowsOf<{ n: number }>(await w.database.db.execute(sql`select count(*)::int as n from submissions where phone = ${phone}`));
    expect(n).toBe(2);
    await refusedSubmission(429, () => post(submission({ phone })), 'urn:jiefen:problem:too-many-requests');
  });

  it('the queue and GET /api/submissions/:id show the case it became, not the citizen\'s data, and log no read of personal data', async () => {
    const s = await submitted();
    const c = await w.call(w.tokens.stationHL, 'POST', `/api/submissions/${s.id}/accept`, { track: 'pre_filing' });
    const before = await accessReads(s.id);
    const one = await w.call(w.tokens.stationHL, 'GET', `/api/submissions/${s.id}`);
    expect(one.status).toBe(200);
    expect(one.body).toMatchObject({ id: s.id, status: 'accepted', caseId: c.body.id, caseNumber: c.body.number, name: null, phone: null, counterparty: null });
    const queue = await w.call(w.tokens.court, 'GET', '/api/submissions?status=accepted&limit=200');
    expect(queue.body.items.find((x: any) => x.id === s.id)).toMatchObject({ caseId: c.body.id, caseNumber: c.body.number, name: null, phone: null, counterparty: null });
    for (const answer of [one.body, queue.body]) expect(JSON.stringify(answer)).not.toMatch(/张秀英|李建国|139\d{8}/);
    expect(await accessReads(s.id)).toBe(before);
    // A pending one's read is still logged.
    const p = await submitted();
    await w.call(w.tokens.stationHL, 'GET', `/api/submissions/${p.id}`);
    expect(await accessReads(p.id)).toBe(1);
  });

  it('a second accept, with or without the first one\'s Idempotency-Key, finds no parties to take: the first answer, or 409', async () => {
    const s = await submitted();
    const key = { 'idempotency-key': `accept-again-${s.id}` };
    const first = await w.call(w.tokens.stationHL, 'POST', `/api/submissions/${s.id}/accept`, { track: 'pre_filing' }, key);
    expect(first.status).toBe(201);
    const before = await fingerprint(w);
    expectProblem(await w.call(w.tokens.stationHL, 'POST', `/api/submissions/${s.id}/accept`, { track: 'post_filing' }, key), 422, 'urn:jiefen:problem:idempotency-mismatch');
    expectProblem(await w.call(w.tokens.stationHL, 'POST', `/api/submissions/${s.id}/accept`, { track: 'pre_filing' }, { 'idempotency-key': `other-${s.id}` }), 409, 'urn:jiefen:problem:conflict');
    expectProblem(await w.call(w.tokens.court, 'POST', `/api/submissions/${s.id}/accept`, { track: 'pre_filing' }), 409, 'urn:jiefen:problem:conflict');
    expect(await fingerprint(w)).toEqual(before);
    // The replay reads the parties again from parties (an access-log row, as for POST /api/cases).
    const again = await w.call(w.tokens.stationHL, 'POST', `/api/submissions/${s.id}/accept`, { track: 'pre_filing' }, key);
    expect(again.status).toBe(201);
    expect(again.body).toEqual(first.body);
  });
});

describe('retention', () => {
  it('deletes declined submissions 180 days after the decision, keeps pending and accepted ones, and drops old counters', async () => {
    const declined = await submitted();
    const pending = await submitted();
    const accepted = await submitted();
    await w.call(w.tokens.stationHL, 'POST', `/api/submissions/${declined.id}/decline`, { reason: '不属于调解范围' });
    await w.call(w.tokens.stationHL, 'POST', `/api/submissions/${accepted.id}/accept`, { track: 'pre_filing' });
    const ids = async () =>
      rowsOf<{ id: string }>(await w.database.db.execute(sql`select id from submissions where id in (${declined.id}, ${pending.id}, ${accepted.id})`)).map((r) => r.id).sort();
    const hashes = async () =>
      rowsOf<{ h: string | null }>(await w.database.db.execute(sql`select phone_hash as h from submissions where id in (${declined.id}, ${pending.id}, ${accepted.id})`)).map((r) => r.h);
    // The phones' hashes serve their day's limit only: two days on, they are gone.
    await purgeExpired(w.database.db, new Date(Date.now() + 86_400_000));
    expect(await hashes()).toEqual([expect.any(String), expect.any(String), expect.any(String)]);
    const early = await purgeExpired(w.database.db, new Date(Date.now() + 179 * 86_400_000));
    expect(await hashes()).toEqual([null, null, null]);
    expect(early.submissions).toBe(0);
    expect(early.counters).toBeGreaterThanOrEqual(1); // the counters of this file's requests, long past by then
    expect(await ids()).toEqual([declined.id, pending.id, accepted.id].sort());
    const purged = await purgeExpired(w.database.db, new Date(Date.now() + 181 * 86_400_000));
    expect(purged.submissions).toBeGreaterThanOrEqual(1);
    expect(await ids()).toEqual([pending.id, accepted.id].sort());
    expect((await lookup(declined.receipt, declined.phone.slice(-4))).status).toBe(404);
  });
});
