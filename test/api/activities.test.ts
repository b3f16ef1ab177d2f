/**
 * Station activity records (履职记录), DESIGN.md §6: happy, error and security. Who records:
 * the station's own staff, court staff and admins; who reads: committee, court and admin all,
 * station staff and deputies their own station.
 */
import { randomUUID } from 'node:crypto';
import { count, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stationActivities } from '../../src/db/schema.js';
import { shanghaiDate } from '../../src/machines/calendar.js';
import { createWorld, type World } from '../helpers/world.js';
import { expectProblem } from '../helpers/api.js';

let w: World;
beforeAll(async () => {
  w = await createWorld();
});
afterAll(async () => w?.close());

type Caller = keyof World['tokens'];
const dateIn = (days: number) => shanghaiDate(new Date(Date.now() + days * 86_400_000).toISOString());
const path = (code: string) => `/api/stations/${code}/activities`;
const post = (caller: Caller | null, code: string, body: unknown, headers?: Record<string, string>) =>
  w.call(caller ? w.tokens[caller] : null, 'POST', path(code), body, headers);
const list = (caller: Caller, code: string, query = '') => w.call(w.tokens[caller], 'GET', `${path(code)}${query}`);

const activity = (overrides: Record<string, unknown> = {}) => ({
  date: dateIn(-1),
  theme: '代表进站接待选民',
  content: '王丽、赵刚代表进站，接待选民反映的邻里纠纷和物业问题',
  deputyIds: [w.deputies.a, w.deputies.b],
  votersReceived: 12,
  ...overrides,
});

async function rows(code?: string): Promise<number> {
  const [r] = await w.database.db
    .select({ n: count() })
    .from(stationActivities)
    .where(code ? eq(stationActivities.stationCode, code) : undefined);
  return Number(r.n);
}

describe('POST /api/stations/:code/activities', () => {
  it('station staff record their own station: 201 with the record, deputy visits counted', async () => {
    const r = await post('stationHL', 'HL01', activity());
    expect(r.status).toBe(201);
    expect(r.body).toEqual({
      id: expect.stringMatching(/^[0-9a-f-]{36}$/),
      stationCode: 'HL01',
      date: dateIn(-1),
      theme: '代表进站接待选民',
      content: '王丽、赵刚代表进站，接待选民反映的邻里纠纷和物业问题',
      deputyIds: [w.deputies.a, w.deputies.b],
      deputyVisits: 2,
      votersReceived: 12,
      recordedBy: expect.stringMatching(/^[0-9a-f-]{36}$/),
      createdAt: expect.any(String),
    });
    const me = (await w.call(w.tokens.stationHL, 'GET', '/api/me')).body;
    expect(r.body.recordedBy).toBe(me.id);
    expect(Date.parse(r.body.createdAt)).toBeGreaterThan(Date.now() - 60_000);
  });

  it('today (Asia/Shanghai) is allowed; no deputies and no voters is a valid record', async () => {
    const r = await post('stationSC', 'SC01', activity({ date: dateIn(0), deputyIds: [], votersReceived: 0, theme: '站务例会' }));
    expect(r.status).toBe(201);
    expect(r.body).toMatchObject({ stationCode: 'SC01', date: dateIn(0), deputyIds: [], deputyVisits: 0, votersReceived: 0 });
  });

  it('deputies from another station may attend (代表跨站进站)', async () => {
    const r = await post('stationHL', 'HL01', activity({ deputyIds: [w.deputies.other] }));
    expect(r.status).toBe(201);
    expect(r.body.deputyVisits).toBe(1);
  });

  it('court staff and admins may record for any station', async () => {
    for (const caller of ['court', 'admin'] as const) {
      for (const code of ['HL01', 'SC01']) {
        const r = await post(caller, code, activity({ theme: `${caller} 补录` }));
        expect(r.status).toBe(201);
        expect(r.body.stationCode).toBe(code);
      }
    }
  });

  it('refuses other roles and other stations with 403, writing nothing', async () => {
    const before = await rows();
    const cases: [Caller, string][] = [
      ['stationSC', 'HL01'],
      ['stationHL', 'SC01'],
      ['committee', 'HL01'],
      ['deputyA', 'HL01'],
      ['deputyOther', 'SC01'],
    ];
    for (const [caller, code] of cases) expectProblem(await post(caller, code, activity()), 403);
    // Station staff cannot probe other codes either.
    expectProblem(await post('stationHL', 'NOPE', activity()), 403);
    expect(await rows()).toBe(before);
  });

  it('no token or a bad token: 401', async () => {
    const before = await rows();
    expectProblem(await post(null, 'HL01', activity()), 401);
    expectProblem(await w.call('jf_made_up', 'POST', path('HL01'), activity()), 401);
    expectProblem(await w.call(null, 'GET', path('HL01')), 401);
    expect(await rows()).toBe(before);
  });

  it('an unknown station is 404', async () => {
    const before = await rows();
    expectProblem(await post('admin', 'NOPE', activity()), 404);
    expectProblem(await post('court', 'NOPE', activity()), 404);
    expect(await rows()).toBe(before);
  });

  it('validates the body: 400 with field errors, nothing written', async () => {
    const before = await rows();
    const bad: [Record<string, unknown>, string][] = [
      [activity({ votersReceived: -1 }), 'votersReceived'],
      [activity({ votersReceived: 1.5 }), 'votersReceived'],
      [activity({ votersReceived: '12' }), 'votersReceived'],
      [activity({ votersReceived: undefined }), 'votersReceived'],
      [activity({ date: dateIn(1) }), 'date'],
      [activity({ date: '2026-02-30' }), 'date'],
      [activity({ date: '2026/03/01' }), 'date'],
      [activity({ theme: '   ' }), 'theme'],
      [activity({ content: undefined }), 'content'],
      [activity({ deputyIds: [randomUUID()] }), 'deputyIds'],
      [activity({ deputyIds: ['not-a-deputy'] }), 'deputyIds'],
      [activity({ deputyIds: [w.deputies.a, w.deputies.a] }), 'deputyIds'],
      [activity({ deputyIds: 'a' }), 'deputyIds'],
    ];
    for (const [body, field] of bad) {
      const p = expectProblem(await post('stationHL', 'HL01', body), 400);
      expect(p.errors.map((e: any) => e.field), JSON.stringify(body)).toContain(field);
    }
    const missing = randomUUID();
    const p = expectProblem(await post('stationHL', 'HL01', activity({ deputyIds: [w.deputies.a, missing] })), 400);
    expect(p.detail).toContain(missing);
    expect(p.detail).not.toContain(w.deputies.a);
    expectProblem(await post('stationHL', 'HL01', '[1,2]'), 400);
    expectProblem(await post('stationHL', 'HL01', '{"date":'), 400);
    expect(await rows()).toBe(before);
  });

  it('Idempotency-Key: a repeat returns the first record and writes nothing; another body with the key is 422', async () => {
    const key = { 'idempotency-key': randomUUID() };
    const body = activity({ theme: '重复提交测试' });
    const first = await post('stationHL', 'HL01', body, key);
    expect(first.status).toBe(201);
    const before = await rows();
    const again = await post('stationHL', 'HL01', body, key);
    expect(again.status).toBe(201);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(again.body).toEqual(first.body);
    expect(await rows()).toBe(before);
    expectProblem(await post('stationHL', 'HL01', { ...body, votersReceived: 13 }, key), 422);
    expect(await rows()).toBe(before);
  });
});

describe('GET /api/stations/:code/activities', () => {
  let station: string;
  beforeAll(async () => {
    // A station of its own, so the list is exactly what this block records.
    station = `T${Date.now() % 1_000_000}`;
    const admin = w.tokens.admin;
    expect((await w.call(admin, 'POST', '/api/stations', { code: station, name: '测试街道联络站', kind: 'street', district: '呼兰区' })).status).toBe(201);
    for (const [date, theme] of [
      [dateIn(-10), '十天前'],
      [dateIn(-3), '三天前'],
      [dateIn(-3), '三天前（后录）'],
      [dateIn(0), '今天'],
      [dateIn(-40), '四十天前'],
    ]) {
      expect((await post('court', station, activity({ date, theme }))).status).toBe(201);
    }
  });

  it('newest first: by date, then the later recorded first', async () => {
    const r = await list('committee', station);
    expect(r.status).toBe(200);
    expect(r.body.items.map((i: any) => i.theme)).toEqual(['今天', '三天前（后录）', '三天前', '十天前', '四十天前']);
    expect(r.body.nextCursor).toBeNull();
  });

  it('from/to filter by date, both inclusive', async () => {
    const r = await list('court', station, `?from=${dateIn(-10)}&to=${dateIn(-3)}`);
    expect(r.body.items.map((i: any) => i.theme)).toEqual(['三天前（后录）', '三天前', '十天前']);
    expect((await list('court', station, `?from=${dateIn(-3)}`)).body.items).toHaveLength(3);
    expect((await list('court', station, `?to=${dateIn(-11)}`)).body.items.map((i: any) => i.theme)).toEqual(['四十天前']);
  });

  it('pages with a cursor, without skipping or repeating', async () => {
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const r: any = await list('admin', station, `?limit=2${cursor ? `&cursor=${cursor}` : ''}`);
      expect(r.status).toBe(200);
      expect(r.body.items.length).toBeLessThanOrEqual(2);
      seen.push(...r.body.items.map((i: any) => i.theme));
      cursor = r.body.nextCursor;
    } while (cursor);
    expect(seen).toEqual(['今天', '三天前（后录）', '三天前', '十天前', '四十天前']);
  });

  it('bad filters are 400', async () => {
    for (const q of ['?from=2026-13-01', '?to=yesterday', `?from=${dateIn(0)}&to=${dateIn(-1)}`, '?limit=0', '?cursor=xyz']) {
      expectProblem(await list('committee', station, q), 400);
    }
  });

  it('committee, court and admin read every station; an unknown station is 404', async () => {
    for (const caller of ['committee', 'court', 'admin'] as const) {
      for (const code of ['HL01', 'SC01', station]) expect((await list(caller, code)).status).toBe(200);
      expectProblem(await list(caller, 'NOPE'), 404);
    }
  });

  it('station staff read their own station only', async () => {
    const own = await list('stationHL', 'HL01');
    expect(own.status).toBe(200);
    expect(own.body.items.length).toBeGreaterThan(0);
    expect(own.body.items.every((i: any) => i.stationCode === 'HL01')).toBe(true);
    expectProblem(await list('stationHL', 'SC01'), 403);
    expectProblem(await list('stationSC', 'HL01'), 403);
    expectProblem(await list('stationSC', station), 403);
  });

  it('a deputy reads the station they belong to, not others', async () => {
    expect((await list('deputyA', 'HL01')).status).toBe(200);
    expect((await list('deputyOther', 'SC01')).status).toBe(200);
    expectProblem(await list('deputyA', 'SC01'), 403);
    expectProblem(await list('deputyOther', 'HL01'), 403);
  });
});
