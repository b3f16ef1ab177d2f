/**
 * Committee views of cases (DESIGN.md §1, §6, §8): GET /api/cases by district (through the
 * station that took the case), by the Shanghai calendar day it was opened (`to` inclusive) and
 * by overdue; personal data always masked for the committee, and such reads not logged.
 */
import { count, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { accessLog } from '../../src/db/schema.js';
import { createWorld, type World } from '../helpers/world.js';
import { expectProblem, tag } from '../helpers/api.js';

let w: World;
beforeAll(async () => {
  w = await createWorld();
});
afterAll(async () => w?.close());

type Caller = keyof World['tokens'];
const list = async (caller: Caller, query: Record<string, string>) => {
  const r = await w.call(w.tokens[caller], 'GET', `/api/cases?${new URLSearchParams({ limit: '200', ...query })}`);
  expect(r.status, JSON.stringify(r.body)).toBe(200);
  return r.body as { items: any[]; nextCursor: string | null };
};
const ids = (r: { items: any[] }) => r.items.map((i) => i.id).sort();
const sorted = (...xs: string[]) => [...xs].sort();

describe('district', () => {
  const t = tag('D');
  let hl: any;
  let sc: any;
  beforeAll(async () => {
    hl = await w.openCase({ summary: `${t} 呼兰的案件` });
    sc = await w.openCase({ summary: `${t} 双城的案件`, stationCode: 'SC01' });
  });

  it('filters by the district of the station that took the case', async () => {
    expect(ids(await list('committee', { q: t, district: '呼兰区' }))).toEqual([hl.id]);
    expect(ids(await list('committee', { q: t, district: '双城区' }))).toEqual([sc.id]);
    expect(ids(await list('committee', { q: t }))).toEqual(sorted(hl.id, sc.id));
    expect(ids(await list('committee', { q: t, district: '道里区' }))).toEqual([]);
    expect(ids(await list('committee', { q: t, district: '呼兰区', stationCode: 'SC01' }))).toEqual([]);
  });

  it('follows the station: a new station in the district brings its cases in', async () => {
    const code = `HL${Date.now() % 100000}`;
    expect((await w.call(w.tokens.admin, 'POST', '/api/stations', { code, name: '兰河街道联络站', kind: 'street', district: '呼兰区' })).status).toBe(201);
    const other = await w.openCase({ summary: `${t} 街道站的案件`, stationCode: code });
    expect(ids(await list('committee', { q: t, district: '呼兰区' }))).toEqual(sorted(hl.id, other.id));
  });

  it('never widens what a caller may see: station staff stay within their own station', async () => {
    expect(ids(await list('stationHL', { q: t, district: '双城区' }))).toEqual([]);
    expect(ids(await list('stationHL', { q: t, district: '呼兰区' }))).toEqual([hl.id]);
    expect(ids(await list('stationSC', { q: t, district: '呼兰区' }))).toEqual([]);
  });

  it('pages within the filter', async () => {
    const p = tag('P');
    const a = await w.openCase({ summary: `${p} 第一件`, occurredAt: new Date(Date.now() - 2 * 86_400_000).toISOString() });
    const b = await w.openCase({ summary: `${p} 第二件`, occurredAt: new Date(Date.now() - 86_400_000).toISOString() });
    await w.openCase({ summary: `${p} 双城`, stationCode: 'SC01' });
    const first = await list('committee', { q: p, district: '呼兰区', limit: '1' });
    expect(first.items.map((i) => i.id)).toEqual([b.id]);
    expect(first.nextCursor).not.toBeNull();
    const next = await list('committee', { q: p, district: '呼兰区', limit: '1', cursor: first.nextCursor! });
    expect(next.items.map((i) => i.id)).toEqual([a.id]);
    expect(next.nextCursor).toBeNull();
  });
});

describe('from / to: the Shanghai calendar day a case was opened', () => {
  const t = tag('F');
  const opened: Record<string, string> = {};
  beforeAll(async () => {
    // Around Shanghai midnights: the UTC date of A and B is the same day (2025-03-01).
    const at: Record<string, string> = {
      A: '2025-03-01T23:30:00+08:00', // 2025-03-01 15:30Z
      B: '2025-03-02T00:10:00+08:00', // 2025-03-01 16:10Z
      C: '2025-03-03T23:59:59+08:00',
      D: '2025-03-04T00:00:00+08:00',
    };
    for (const [k, occurredAt] of Object.entries(at)) opened[k] = (await w.openCase({ summary: `${t} ${k}`, occurredAt })).id;
  });
  const only = (...ks: string[]) => sorted(...ks.map((k) => opened[k]));

  it('from is the start of that day in Asia/Shanghai', async () => {
    expect(ids(await list('committee', { q: t, from: '2025-03-02' }))).toEqual(only('B', 'C', 'D'));
    expect(ids(await list('committee', { q: t, from: '2025-03-04' }))).toEqual(only('D'));
    expect(ids(await list('committee', { q: t, from: '2025-03-05' }))).toEqual([]);
  });

  it('to takes in the whole of that day', async () => {
    expect(ids(await list('committee', { q: t, to: '2025-03-01' }))).toEqual(only('A'));
    expect(ids(await list('committee', { q: t, to: '2025-03-03' }))).toEqual(only('A', 'B', 'C'));
    expect(ids(await list('committee', { q: t, from: '2025-03-02', to: '2025-03-03' }))).toEqual(only('B', 'C'));
    expect(ids(await list('committee', { q: t, from: '2025-03-01', to: '2025-03-01' }))).toEqual(only('A'));
  });

  it('combines with district and keeps newest first', async () => {
    const r = await list('committee', { q: t, district: '呼兰区', from: '2025-03-01', to: '2025-03-04' });
    expect(r.items.map((i) => i.id)).toEqual(['D', 'C', 'B', 'A'].map((k) => opened[k]));
    expect(ids(await list('committee', { q: t, district: '双城区', from: '2025-03-01' }))).toEqual([]);
  });

  it('rejects what is not a date, and to before from: 400', async () => {
    const bad: Record<string, string>[] = [{ from: '2025-02-30' }, { to: '2025/03/01' }, { from: '2025-03-01T00:00:00Z' }, { from: '2025-03-03', to: '2025-03-02' }, { district: '' }];
    for (const query of bad) {
      const p = expectProblem(await w.call(w.tokens.committee, 'GET', `/api/cases?${new URLSearchParams(query)}`), 400);
      expect(p.errors.length).toBeGreaterThan(0);
    }
  });
});

describe('overdue', () => {
  it('overdue=true finds the cases the sweeper flagged; overdue=false the others', async () => {
    const t = tag('O');
    // 执行期限: six months from the referral; opened seven months ago, it is overdue at the next sweep.
    const late = await w.openCase({
      summary: `${t} 逾期执行`,
      track: undefined,
      source: 'enforcement_referral',
      enforceableDocument: '(2024)黑0111民初88号',
      owedAmount: '30000.00',
      occurredAt: new Date(Date.now() - 213 * 86_400_000).toISOString(),
    });
    const fresh = await w.openCase({ summary: `${t} 未逾期`, track: undefined, source: 'enforcement_referral', enforceableDocument: '(2025)黑0111民初9号', owedAmount: '100.00' });
    const other = await w.openCase({ summary: `${t} 调解`, stationCode: 'SC01' });
    expect(ids(await list('committee', { q: t, overdue: 'true' }))).toEqual([]);

    const swept = (await w.call(w.tokens.admin, 'POST', '/api/admin/sweep')).body;
    expect(swept.fired.filter((f: any) => f.entityId === late.id).map((f: any) => f.event)).toEqual(['ENFORCEMENT_OVERDUE']);

    expect(ids(await list('committee', { q: t, overdue: 'true' }))).toEqual([late.id]);
    expect(ids(await list('committee', { q: t, overdue: 'false' }))).toEqual(sorted(fresh.id, other.id));
    expect(ids(await list('committee', { q: t, overdue: 'true', district: '呼兰区', state: 'enforcement' }))).toEqual([late.id]);
    expect(ids(await list('committee', { q: t, overdue: 'true', district: '双城区' }))).toEqual([]);
    expectProblem(await w.call(w.tokens.committee, 'GET', '/api/cases?overdue=yes'), 400);
  });
});

describe('the committee sees personal data masked, always', () => {
  const t = tag('M');
  let c: any;
  beforeAll(async () => {
    c = await w.openCase({ summary: `${t} 个人信息` });
    await w.send(c.id, w.tokens.court, { type: 'ACCEPT' }, { type: 'ASSIGN', deputyIds: [w.deputies.a] });
  });
  const logged = async (userRole: string) =>
    Number((await w.database.db.select({ n: count() }).from(accessLog).where(eq(accessLog.userRole, userRole)))[0].n);

  it('in the list, the case and its history; and such reads are not written to the access log', async () => {
    const before = await logged('committee');
    // DESIGN.md §10: at least half of each value hidden, names to the surname for the committee.
    const masked = [
      { role: 'applicant', name: '张*', idNumber: '23010*********1234', phone: '1******5678' },
      { role: 'respondent', name: '李*', idNumber: '23010*********4321', phone: '1******4321' },
    ];
    const l = await list('committee', { q: t, district: '呼兰区' });
    expect(l.items).toHaveLength(1);
    expect(l.items[0].parties).toEqual(masked);
    const one = await w.call(w.tokens.committee, 'GET', `/api/cases/${c.id}`);
    expect(one.body.parties).toEqual(masked);
    const h = await w.call(w.tokens.committee, 'GET', `/api/cases/${c.id}/history`);
    expect(h.body.items[0].payload.parties.map((p: any) => [p.idNumber, p.phone])).toEqual(masked.map((p) => [p.idNumber, p.phone]));
    for (const body of [l, one.body, h.body]) expect(JSON.stringify(body)).not.toMatch(/230102199001011234|13812345678|198505054321|13987654321/);
    expect(await logged('committee')).toBe(before);
  });

  it('while the court sees them in full, and that read is logged', async () => {
    const before = await logged('court');
    const l = await list('court', { q: t });
    expect(l.items[0].parties[0]).toMatchObject({ idNumber: '230102199001011234', phone: '13812345678' });
    expect(await logged('court')).toBe(before + 1);
  });

  it('the committee reads but never sends case events', async () => {
    const p = expectProblem(await w.call(w.tokens.committee, 'POST', `/api/cases/${c.id}/events`, { type: 'SCHEDULE_SESSION', at: new Date(Date.now() + 86_400_000).toISOString(), location: '调解室' }), 403);
    expect(p.detail.length).toBeGreaterThan(0);
    expect((await w.call(w.tokens.committee, 'GET', `/api/cases/${c.id}`)).body.nextEvents).toEqual([]);
  });
});
