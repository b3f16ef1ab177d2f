/**
 * A small world for API tests, built through the API itself: two stations (呼兰 court studio and
 * 双城 court studio), deputies, and one user of every role. `createTestApp()` builds the app
 * exactly as the server does.
 */
import { createApp, type App } from '../../src/app.js';
import { ensureAdmin } from '../../src/engine/directory.js';
import { freshDatabase, type TestDatabase } from './db.js';

export interface Call {
  status: number;
  body: any;
  headers: Headers;
}

export interface World {
  app: App;
  database: TestDatabase;
  tokens: {
    admin: string;
    court: string;
    committee: string;
    stationHL: string;
    stationSC: string;
    deputyA: string;
    deputyB: string;
    deputyOther: string;
  };
  deputies: { a: string; b: string; other: string };
  call(token: string | null, method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<Call>;
  /** Opens a case as court staff at HL01 and returns its body. */
  openCase(overrides?: Record<string, unknown>, token?: string): Promise<any>;
  /** Sends events in order as `token`, failing loudly on the first refusal. */
  send(caseId: string, token: string, ...events: Record<string, unknown>[]): Promise<any>;
  close(): Promise<void>;
}

export const ADMIN_TOKEN = 'test-admin-token-0123456789';

/** The body `openCase` posts: a pre-filing loan case the court refers to HL01, two parties. */
export const caseBody = (overrides: Record<string, unknown> = {}) => ({
  track: 'pre_filing',
  source: 'court_referral',
  stationCode: 'HL01',
  disputeType: '民间借贷',
  summary: '借款两万元到期未还',
  claimAmount: '20000.00',
  parties: [
    { role: 'applicant', name: '张三', idNumber: '230102199001011234', phone: '13812345678' },
    { role: 'respondent', name: '李四', idNumber: '230103198505054321', phone: '13987654321' },
  ],
  ...overrides,
});

export async function createTestApp(opts: { now?: () => Date } = {}) {
  const database = await freshDatabase();
  await ensureAdmin(database.db, ADMIN_TOKEN);
  const errors: unknown[] = [];
  const app = createApp({ db: database.db, log: (msg, extra) => errors.push({ msg, extra }), now: opts.now });
  return { app, database, errors };
}

export async function createWorld(opts: { now?: () => Date } = {}): Promise<World> {
  const { app, database } = await createTestApp(opts);
  const call: World['call'] = async (token, method, path, body, headers = {}) => {
    const res = await app.request(path, {
      method,
      headers: {
        ...(token ? { authorization: `Bearer ${token}` } : {}),
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
        ...headers,
      },
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    });
    const text = await res.text();
    let parsed: unknown = text;
    try {
      parsed = text ? JSON.parse(text) : null;
    } catch {
      // not JSON; keep the text
    }
    return { status: res.status, body: parsed, headers: res.headers };
  };
  const ok = async (p: Promise<Call>, status = 201) => {
    const r = await p;
    if (r.status !== status) throw new Error(`setup call failed: ${r.status} ${JSON.stringify(r.body)}`);
    return r.body;
  };
  const admin = ADMIN_TOKEN;
  await ok(call(admin, 'POST', '/api/stations', { code: 'HL01', name: '呼兰区人民法院人大代表联络站', kind: 'court', district: '呼兰区' }));
  await ok(call(admin, 'POST', '/api/stations', { code: 'SC01', name: '双城区人民法院人大代表联络站', kind: 'court', district: '双城区' }));
  const a = await ok(call(admin, 'POST', '/api/deputies', { name: '王丽', level: 'county', stationCode: 'HL01', expertise: ['婚姻家庭'], phone: '13900001111' }));
  const b = await ok(call(admin, 'POST', '/api/deputies', { name: '赵刚', level: 'municipal', stationCode: 'HL01', expertise: ['民间借贷'] }));
  const other = await ok(call(admin, 'POST', '/api/deputies', { name: '孙明', level: 'county', stationCode: 'SC01' }));
  const user = async (body: Record<string, unknown>) => (await ok(call(admin, 'POST', '/api/users', body))).token as string;
  const tokens = {
    admin,
    court: await user({ name: '李书记员', role: 'court' }),
    committee: await user({ name: '监察和司法委员会 周', role: 'committee' }),
    stationHL: await user({ name: '呼兰站 刘', role: 'station', stationCode: 'HL01' }),
    stationSC: await user({ name: '双城站 陈', role: 'station', stationCode: 'SC01' }),
    deputyA: await user({ name: '王丽', role: 'deputy', deputyId: a.id }),
    deputyB: await user({ name: '赵刚', role: 'deputy', deputyId: b.id }),
    deputyOther: await user({ name: '孙明', role: 'deputy', deputyId: other.id }),
  };
  const openCase: World['openCase'] = async (overrides = {}, token = tokens.court) => ok(call(token, 'POST', '/api/cases', caseBody(overrides)));
  const send: World['send'] = async (caseId, token, ...events) => {
    let last: any;
    for (const e of events) last = await ok(call(token, 'POST', `/api/cases/${caseId}/events`, e), 200);
    return last;
  };
  return {
    app,
    database,
    tokens,
    deputies: { a: a.id, b: b.id, other: other.id },
    call,
    openCase,
    send,
    close: () => database.destroy(),
  };
}
