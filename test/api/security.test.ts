/**
 * The shared security suite (STYLE.md §9): every endpoint, without a token, with a bad token, and
 * with each role that may not use it. Every refusal is problem+json and writes nothing; every
 * caller that may use an endpoint gets through, so the suite can tell a refusal from an outage.
 */
import { randomUUID } from 'node:crypto';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { users } from '../../src/db/schema.js';
import { createWorld, type World } from '../helpers/world.js';
import { expectProblem, fingerprint, refused } from '../helpers/api.js';

let w: World;
beforeAll(async () => {
  w = await createWorld();
});
afterAll(async () => w?.close());

type Caller = keyof World['tokens'];
const CALLERS: Caller[] = ['admin', 'court', 'committee', 'stationHL', 'stationSC', 'deputyA', 'deputyB', 'deputyOther'];

/** A case of HL01 in mediation.active with deputy A assigned. */
async function activeCase(): Promise<string> {
  const c = await w.openCase();
  await w.send(c.id, w.tokens.court, { type: 'ACCEPT' }, { type: 'ASSIGN', deputyIds: [w.deputies.a] });
  return c.id;
}

let n = 0;
interface Endpoint {
  method: 'GET' | 'POST';
  path: string;
  /** The path to call, built fresh when the call writes (a new case per successful event). */
  target?: () => Promise<string>;
  body?: () => unknown;
  /** Callers that must get 403; every other caller must get through (2xx). */
  forbidden: Caller[];
}

const everyoneBut = (...allowed: Caller[]) => CALLERS.filter((c) => !allowed.includes(c));

const ENDPOINTS: Endpoint[] = [
  { method: 'GET', path: '/api/me', forbidden: [] },
  { method: 'GET', path: '/api/stations', forbidden: [] },
  {
    method: 'POST',
    path: '/api/stations',
    body: () => ({ code: `S${++n}x${Date.now() % 100000}`, name: '新站', kind: 'village', district: '呼兰区' }),
    forbidden: everyoneBut('admin'),
  },
  { method: 'GET', path: '/api/deputies', forbidden: [] },
  { method: 'POST', path: '/api/deputies', body: () => ({ name: '新代表', level: 'township', stationCode: 'HL01' }), forbidden: everyoneBut('admin') },
  { method: 'GET', path: '/api/users', forbidden: everyoneBut('admin') },
  { method: 'POST', path: '/api/users', body: () => ({ name: '新用户', role: 'committee' }), forbidden: everyoneBut('admin') },
  // The admin reads no case (DESIGN.md §10).
  { method: 'GET', path: '/api/cases', forbidden: ['admin'] },
  {
    method: 'POST',
    path: '/api/cases',
    body: () => ({
      track: 'pre_filing',
      source: 'walk_in',
      stationCode: 'HL01',
      disputeType: '相邻关系',
      summary: '院墙越界',
      parties: [{ role: 'applicant', name: '钱七', phone: '13700001111' }],
    }),
    // The other station may open cases, but not at HL01.
    forbidden: ['admin', 'committee', 'stationSC', 'deputyA', 'deputyB', 'deputyOther'],
  },
  { method: 'GET', path: '/api/cases/:id', forbidden: ['stationSC', 'deputyB', 'deputyOther', 'admin'] },
  {
    method: 'POST',
    path: '/api/cases/:id/events',
    target: async () => `/api/cases/${await activeCase()}/events`,
    body: () => ({ type: 'SCHEDULE_SESSION', at: new Date(Date.now() + 86_400_000).toISOString(), location: '调解室' }),
    forbidden: everyoneBut('court', 'deputyA'),
  },
  { method: 'GET', path: '/api/cases/:id/history', forbidden: ['stationSC', 'deputyB', 'deputyOther', 'admin'] },
  { method: 'POST', path: '/api/admin/sweep', forbidden: everyoneBut('admin') },
];

/** Endpoints of other resources: at least no anonymous use. */
const ANONYMOUS_ONLY: [string, string][] = [
  ['GET', '/api/supervisions'],
  ['POST', '/api/supervisions'],
  ['GET', `/api/supervisions/${randomUUID()}`],
  ['POST', `/api/supervisions/${randomUUID()}/events`],
  ['GET', `/api/supervisions/${randomUUID()}/history`],
  ['GET', '/api/no-such-endpoint'],
];

let shared: string;
beforeAll(async () => {
  shared = await activeCase();
});
const pathOf = (e: Endpoint) => e.path.replace(':id', shared);

describe.each(ENDPOINTS.map((e) => [`${e.method} ${e.path}`, e] as const))('%s', (_name, e) => {
  const caseId = () => (e.path.includes(':id') ? shared : undefined);

  it('refuses a request without a token (401)', async () => {
    const body = await refused(w, 401, () => w.call(null, e.method, pathOf(e), e.body?.()), { caseId: caseId() });
    expect(body.detail).toMatch(/令牌/);
  });

  it('refuses bad tokens (401)', async () => {
    const [hash] = await w.database.db.select({ tokenHash: users.tokenHash }).from(users).where(eq(users.role, 'court'));
    const court = w.tokens.court;
    const bad: Record<string, string>[] = [
      { authorization: 'Bearer jf_made_up' },
      { authorization: `Bearer ${court.slice(0, -1)}${court.endsWith('a') ? 'b' : 'a'}` },
      { authorization: `Bearer ${hash.tokenHash}` }, // the stored hash is not a credential
      { authorization: `Token ${court}` },
      { authorization: court },
      { authorization: 'Bearer' },
    ];
    for (const headers of bad) {
      await refused(w, 401, () => w.call(null, e.method, pathOf(e), e.body?.(), headers), { caseId: caseId() });
    }
  });

  if (e.forbidden.length) {
    it.each(e.forbidden)('refuses %s (403)', async (caller) => {
        await refused(w, 403, () => w.call(w.tokens[caller], e.method, pathOf(e), e.body?.()), { caseId: caseId() });
    });
  }

  it('lets everyone else through', async () => {
    for (const caller of CALLERS.filter((c) => !e.forbidden.includes(c))) {
      const path = e.target ? await e.target() : pathOf(e);
      const r = await w.call(w.tokens[caller], e.method, path, e.body?.());
      expect({ caller, status: r.status }).toEqual({ caller, status: e.method === 'POST' && e.path !== '/api/admin/sweep' && !e.target ? 201 : 200 });
    }
  });
});

describe('other endpoints under /api', () => {
  it.each(ANONYMOUS_ONLY)('%s %s refuses a request without a token or with a bad one (401)', async (method, path) => {
    const before = await fingerprint(w);
    expectProblem(await w.call(null, method, path, method === 'POST' ? {} : undefined), 401);
    expectProblem(await w.call('jf_wrong', method, path, method === 'POST' ? {} : undefined), 401);
    expect(await fingerprint(w)).toEqual(before);
  });

  it('answers 401 before 404: an anonymous caller learns nothing about which cases exist', async () => {
    const unknown = await w.call(null, 'GET', `/api/cases/${randomUUID()}`);
    const known = await w.call(null, 'GET', `/api/cases/${shared}`);
    expectProblem(unknown, 401);
    expectProblem(known, 401);
    expect(known.body.detail).toBe(unknown.body.detail);
  });

  it('keeps /healthz public', async () => {
    const r = await w.call(null, 'GET', '/healthz');
    expect(r.status).toBe(200);
    expect(r.body).toEqual({ status: 'ok', database: 'reachable' });
  });
});
