/**
 * Idempotency-Key on the POSTs outside the machines (DESIGN.md §5): the directory (stations,
 * deputies, users), a user's new token and a webhook; marking notices read, retrying a dead
 * delivery and a deadline pass. A repeat of the key with the same body gets
 * the first answer and creates nothing; another body under the key is a 422; five concurrent
 * repeats create one. A secret the first answer showed (a token, a webhook's secret) is kept by no
 * record (DESIGN.md §10): a replay shows it as null, with a note saying how to get a new one.
 */
import { randomUUID } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rowsOf } from '../../src/db/client.js';
import { dispatch } from '../../src/engine/notify/dispatcher.js';
import { daysAgo, expectProblem, fingerprint, tag } from '../helpers/api.js';
import { createWorld, type Call, type World } from '../helpers/world.js';

let w: World;
beforeAll(async () => {
  w = await createWorld();
});
afterAll(async () => w?.close());

const admin = () => w.tokens.admin;
const keyed = (key: string) => ({ 'idempotency-key': key });
const items = async (path: string) => {
  const r = await w.call(admin(), 'GET', path);
  expect(r.status).toBe(200);
  return r.body.items as any[];
};
/** How many audit rows of `action` name `targetId` (newest 500: each test's own rows are among them). */
const audited = async (action: string, targetId: string) =>
  (await items(`/api/audit?action=${action}&limit=500`)).filter((i) => i.target.id === targetId).length;

interface Route {
  name: string;
  path: string;
  /** A body of this test's own (`t` is unique to it), and another body under the same key. */
  body(t: string): Record<string, unknown>;
  other(t: string): Record<string, unknown>;
  /** The secret field the first answer alone shows. */
  secret?: 'token' | 'secret';
  /** How many of this test's things the API lists (by `t`), and the audit action of one. */
  count(t: string): Promise<number>;
  action: string;
  targetOf(body: any): string;
}

const ROUTES: Route[] = [
  {
    name: 'POST /api/users',
    path: '/api/users',
    body: (t) => ({ name: `用户${t}`, role: 'court' }),
    other: (t) => ({ name: `用户${t}`, role: 'committee' }),
    secret: 'token',
    count: async (t) => (await items('/api/users')).filter((u) => u.name === `用户${t}`).length,
    action: 'user.create',
    targetOf: (b) => b.id,
  },
  {
    name: 'POST /api/deputies',
    path: '/api/deputies',
    // A phone: the replay shows it in full to the admin, though the record keeps none.
    body: (t) => ({ name: `代表${t}`, level: 'county', stationCode: 'HL01', phone: '13900002222' }),
    other: (t) => ({ name: `代表${t}`, level: 'municipal', stationCode: 'HL01' }),
    count: async (t) => (await items('/api/deputies?stationCode=HL01')).filter((d) => d.name === `代表${t}`).length,
    action: 'deputy.create',
    targetOf: (b) => b.id,
  },
  {
    name: 'POST /api/stations',
    path: '/api/stations',
    body: (t) => ({ code: t, name: `测试联络站${t}`, kind: 'street', district: '呼兰区' }),
    other: (t) => ({ code: t, name: `另一个联络站${t}`, kind: 'street', district: '呼兰区' }),
    count: async (t) => (await items('/api/stations')).filter((s) => s.code === t).length,
    action: 'station.create',
    targetOf: (b) => b.code,
  },
  {
    name: 'POST /api/webhooks',
    path: '/api/webhooks',
    body: (t) => ({ url: `https://hooks.example.org/${t}`, events: ['*'] }),
    other: (t) => ({ url: `https://hooks.example.org/${t}`, events: ['ACCEPT'] }),
    secret: 'secret',
    count: async (t) => (await items('/api/webhooks')).filter((h) => h.url === `https://hooks.example.org/${t}`).length,
    action: 'webhook.create',
    targetOf: (b) => b.id,
  },
];

/** The first answer as a replay shows it: the secret null, and a note in Chinese saying why. */
function asReplayed(route: Route, first: any) {
  return route.secret ? { ...first, [route.secret]: null, note: expect.stringMatching(/只在第一次回答中显示/) } : first;
}

/** No stored record holds the secret, nor the deputy's phone (DESIGN.md §10). */
async function recordsHoldNo(...values: string[]) {
  const rows = rowsOf<{ response: string }>(await w.database.db.execute(sql`select response::text as response from idempotency_keys`));
  for (const v of values) expect(rows.filter((r) => r.response.includes(v))).toEqual([]);
}

describe.each(ROUTES)('Idempotency-Key on $name', (route) => {
  it('a repeat with the same body answers the first answer and creates nothing; the record keeps no secret', async () => {
    const t = tag('K');
    const key = keyed(randomUUID());
    const first = await w.call(admin(), 'POST', route.path, route.body(t), key);
    expect(first.status).toBe(201);
    if (route.secret) expect(first.body[route.secret]).toEqual(expect.any(String));
    const again = await w.call(admin(), 'POST', route.path, route.body(t), key);
    expect(again.status).toBe(201);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(again.headers.get('content-type')).toMatch(/^application\/json/);
    expect(again.body).toEqual(asReplayed(route, first.body));
    expect(await route.count(t)).toBe(1);
    expect(await audited(route.action, route.targetOf(first.body))).toBe(1);
    await recordsHoldNo(...(route.secret ? [first.body[route.secret]] : []), '13900002222');
  });

  it('another body under the same key is a 422 problem, and nothing is written', async () => {
    const t = tag('K');
    const key = keyed(randomUUID());
    const first = await w.call(admin(), 'POST', route.path, route.body(t), key);
    expect(first.status).toBe(201);
    const before = await fingerprint(w);
    expectProblem(await w.call(admin(), 'POST', route.path, route.other(t), key), 422);
    expect(await fingerprint(w)).toEqual(before);
    expect(await route.count(t)).toBe(1);
  });

  it('five concurrent repeats create one, and each is answered the first answer', async () => {
    const t = tag('K');
    const key = keyed(randomUUID());
    const all: Call[] = await Promise.all(Array.from({ length: 5 }, () => w.call(admin(), 'POST', route.path, route.body(t), key)));
    expect(all.map((r) => r.status)).toEqual([201, 201, 201, 201, 201]);
    const made = all.filter((r) => r.headers.get('idempotent-replayed') !== 'true');
    expect(made).toHaveLength(1);
    for (const r of all) if (r !== made[0]) expect(r.body).toEqual(asReplayed(route, made[0].body));
    expect(await route.count(t)).toBe(1);
    expect(await audited(route.action, route.targetOf(made[0].body))).toBe(1);
  });
});

describe('Idempotency-Key on POST /api/users/:id/token', () => {
  const newUser = async () => (await w.call(admin(), 'POST', '/api/users', { name: `用户${tag('T')}`, role: 'court' })).body as { id: string; token: string };
  const works = async (token: string) => (await w.call(token, 'GET', '/api/me')).status === 200;

  it('a repeat answers token null with a note, and the token the first answer gave still works', async () => {
    const u = await newUser();
    const key = keyed(randomUUID());
    const first = await w.call(admin(), 'POST', `/api/users/${u.id}/token`, undefined, key);
    expect(first.status).toBe(201);
    const again = await w.call(admin(), 'POST', `/api/users/${u.id}/token`, undefined, key);
    expect(again.status).toBe(201);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(again.body).toEqual({ token: null, note: expect.stringContaining(`POST /api/users/${u.id}/token`) });
    expect(await works(first.body.token)).toBe(true);
    expect(await audited('user.token', u.id)).toBe(1);
    await recordsHoldNo(first.body.token);
  });

  it("the same key for another user's token is a 422, and that user's token is not replaced", async () => {
    const [u, v] = [await newUser(), await newUser()];
    const key = keyed(randomUUID());
    expect((await w.call(admin(), 'POST', `/api/users/${u.id}/token`, undefined, key)).status).toBe(201);
    expectProblem(await w.call(admin(), 'POST', `/api/users/${v.id}/token`, undefined, key), 422);
    expect(await works(v.token)).toBe(true);
    expect(await audited('user.token', v.id)).toBe(0);
  });

  it('five concurrent repeats make one token, the one answer that shows it', async () => {
    const u = await newUser();
    const key = keyed(randomUUID());
    const all = await Promise.all(Array.from({ length: 5 }, () => w.call(admin(), 'POST', `/api/users/${u.id}/token`, undefined, key)));
    expect(all.map((r) => r.status)).toEqual([201, 201, 201, 201, 201]);
    const shown = all.map((r) => r.body.token).filter((x) => x !== null);
    expect(shown).toHaveLength(1);
    expect(await works(shown[0])).toBe(true);
    expect(await audited('user.token', u.id)).toBe(1);
  });
});

describe('Idempotency-Key on POST /api/submissions/:id/decline', () => {
  let phones = 0;
  /** A pending submission of the public door at HL01, by its id. */
  async function pending(): Promise<string> {
    const phone = `1390000${String(3000 + ++phones)}`;
    const r = await w.call(null, 'POST', '/api/public/submissions', { stationCode: 'HL01', name: '张秀英', phone, counterparty: '李建国', disputeType: '邻里纠纷', description: '楼上漏水。', consent: true });
    expect(r.status).toBe(201);
    const [row] = rowsOf<{ id: string }>(await w.database.db.execute(sql`select id from submissions where receipt = ${r.body.receipt}`));
    return row.id;
  }
  const decline = (id: string, reason: string, key: string) => w.call(w.tokens.court, 'POST', `/api/submissions/${id}/decline`, { reason }, keyed(key));

  it('a repeat answers the first answer, not 409 for its own decision; the record keeps no citizen data', async () => {
    const id = await pending();
    const key = randomUUID();
    const first = await decline(id, '不属于人民调解范围', key);
    expect(first.status).toBe(200);
    const again = await decline(id, '不属于人民调解范围', key);
    expect(again.status).toBe(200);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(again.body).toEqual(first.body);
    await recordsHoldNo(first.body.phone, '楼上漏水');
  });

  it('another reason under the same key is a 422, and the submission keeps the first', async () => {
    const id = await pending();
    const key = randomUUID();
    expect((await decline(id, '不属于人民调解范围', key)).status).toBe(200);
    expectProblem(await decline(id, '另一个理由', key), 422);
    expect((await w.call(w.tokens.court, 'GET', `/api/submissions/${id}`)).body.declineReason).toBe('不属于人民调解范围');
  });

  it('five concurrent repeats are each answered the one decision', async () => {
    const id = await pending();
    const key = randomUUID();
    const all = await Promise.all(Array.from({ length: 5 }, () => decline(id, '不属于人民调解范围', key)));
    expect(all.map((r) => r.status)).toEqual([200, 200, 200, 200, 200]);
    for (const r of all) expect(r.body).toEqual(all[0].body);
  });
});

describe('Idempotency-Key on POST /api/admin/erase-personal-data', () => {
  const erasures = async () => (await items('/api/audit?action=personal_data.erase&limit=500')).length;
  /** A case closed now (returned at screening), so the next erasure has one to erase. */
  const closedCase = async () => {
    const c = await w.openCase();
    await w.send(c.id, w.tokens.court, { type: 'RETURN', reason: 'out_of_scope', note: '不属受案范围' });
  };
  const erase = (closedBefore: string, key: string) => w.call(admin(), 'POST', '/api/admin/erase-personal-data', { closedBefore }, keyed(key));
  const inDays = (days: number) => new Date(Date.now() + days * 86_400_000 + 8 * 3_600_000).toISOString().slice(0, 10);

  it('a repeat answers the first count and writes no second erasure row; another date under the key is a 422', async () => {
    await closedCase();
    const key = randomUUID();
    const before = await erasures();
    const first = await erase(inDays(1), key);
    expect(first.status).toBe(200);
    expect(first.body.cases).toBeGreaterThanOrEqual(1);
    const again = await erase(inDays(1), key);
    expect(again.status).toBe(200);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(again.body).toEqual(first.body);
    expectProblem(await erase(inDays(2), key), 422);
    expect(await erasures()).toBe(before + 1);
  });

  it('five concurrent repeats erase once and are each answered that count', async () => {
    await closedCase();
    const key = randomUUID();
    const before = await erasures();
    const all = await Promise.all(Array.from({ length: 5 }, () => erase(inDays(1), key)));
    expect(all.map((r) => r.status)).toEqual([200, 200, 200, 200, 200]);
    expect(all[0].body.cases).toBeGreaterThanOrEqual(1);
    for (const r of all) expect(r.body).toEqual(all[0].body);
    expect(await erasures()).toBe(before + 1);
  });
});

describe('Idempotency-Key on POST /api/me/notifications/read', () => {
  const unread = async () => (await w.call(w.tokens.deputyA, 'GET', '/api/me/notifications?unread=true')).body.unread as number;
  /** A case assigned to deputy A: one more notice in A's inbox (DESIGN.md §12). */
  const assignA = async () => {
    const c = await w.openCase();
    await w.send(c.id, w.tokens.court, { type: 'ACCEPT' }, { type: 'ASSIGN', deputyIds: [w.deputies.a] });
  };
  const markAll = (key: string, body: unknown = { all: true }) => w.call(w.tokens.deputyA, 'POST', '/api/me/notifications/read', body, keyed(key));

  it('a repeat answers the first {read, unread} and marks nothing read since; another body under the key is a 422', async () => {
    await assignA();
    const key = randomUUID();
    const first = await markAll(key);
    expect(first.status).toBe(200);
    expect(first.body).toEqual({ read: expect.any(Number), unread: 0 });
    expect(first.body.read).toBeGreaterThanOrEqual(1);
    await assignA();
    const again = await markAll(key);
    expect(again.status).toBe(200);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(again.body).toEqual(first.body);
    // The notice that came after the first answer is still unread: the repeat did not run again.
    expect(await unread()).toBe(1);
    const before = await fingerprint(w);
    expectProblem(await markAll(key, { ids: [randomUUID()] }), 422);
    expect(await fingerprint(w)).toEqual(before);
    expect(await unread()).toBe(1);
  });
});

describe('Idempotency-Key on POST /api/webhooks/:id/deliveries/:deliveryId/retry', () => {
  /** A webhook whose one delivery (an ACCEPT) is dead: its endpoint refused the connection, and its day ran out. */
  async function deadDelivery() {
    const hook = await w.call(admin(), 'POST', '/api/webhooks', { url: `http://127.0.0.1:1/${tag('H')}`, events: ['ACCEPT'] });
    expect(hook.status).toBe(201);
    const c = await w.openCase();
    await w.send(c.id, w.tokens.court, { type: 'ACCEPT' });
    await dispatch(w.database.db, { retryBaseMs: 60_000, timeoutMs: 500 });
    const [d] = rowsOf<{ id: string }>(await w.database.db.execute(sql`update deliveries set status = 'dead' where webhook_id = ${hook.body.id} returning id`));
    expect(d).toBeDefined();
    return { hook: hook.body.id as string, delivery: d.id };
  }
  const retry = (hook: string, delivery: string, key: string) => w.call(admin(), 'POST', `/api/webhooks/${hook}/deliveries/${delivery}/retry`, undefined, keyed(key));

  it('a repeat answers the first answer (pending again), not a 409 for its own retry; the key on another delivery is a 422', async () => {
    const { hook, delivery } = await deadDelivery();
    const key = randomUUID();
    const first = await retry(hook, delivery, key);
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({ id: delivery, status: 'pending' });
    const again = await retry(hook, delivery, key);
    expect(again.status).toBe(200);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(again.body).toEqual(first.body);
    // A new key is a new request: the delivery is no longer dead.
    expectProblem(await retry(hook, delivery, randomUUID()), 409, 'urn:jiefen:problem:conflict');
    const other = await deadDelivery();
    expectProblem(await retry(other.hook, other.delivery, key), 422);
    const [row] = rowsOf<{ status: string }>(await w.database.db.execute(sql`select status from deliveries where id = ${other.delivery}`));
    expect(row.status).toBe('dead');
  });
});

describe('Idempotency-Key on POST /api/admin/sweep', () => {
  /** A case whose mediation period ran out nine days ago (work entered from paper): its deadline is due. */
  async function expiredMediation() {
    const c = await w.openCase({ occurredAt: daysAgo(40) });
    await w.send(c.id, w.tokens.court, { type: 'ACCEPT', occurredAt: daysAgo(39) }, { type: 'ASSIGN', deputyIds: [w.deputies.a], occurredAt: daysAgo(39) });
    return c.id as string;
  }
  const sweep = (key: string) => w.call(admin(), 'POST', '/api/admin/sweep', undefined, keyed(key));
  const state = async (id: string) => (await w.call(w.tokens.court, 'GET', `/api/cases/${id}`)).body.state;

  it('a repeat answers what the first pass fired and runs no second pass', async () => {
    const a = await expiredMediation();
    const key = randomUUID();
    const first = await sweep(key);
    expect(first.status).toBe(200);
    expect(first.body.fired.map((f: any) => f.entityId)).toContain(a);
    expect(await state(a)).toBe('closed');
    const b = await expiredMediation();
    const again = await sweep(key);
    expect(again.status).toBe(200);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(again.body).toEqual(first.body);
    expect(await state(b)).toBe('mediation.active');
    // A new key is a new pass.
    const next = await sweep(randomUUID());
    expect(next.body.fired.map((f: any) => f.entityId)).toEqual([b]);
    expect(await state(b)).toBe('closed');
  });
});
