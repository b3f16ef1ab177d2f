/**
 * The committee report across processes (PostgreSQL only): the real server (`src/main.ts`) runs as
 * a child process on the test's database beside this process's app — two processes, two pools.
 * A fresh process answers right with its very first report (there is nothing to warm up), and a
 * case closed in one process is in the other's next report at once: the closed-case summary is
 * written in the closing transaction, not kept in any process.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { enforcementReport, parseReportQuery } from '../../src/engine/reports.js';
import type { Actor } from '../../src/machines/roles.js';
import { startServer, type RunningServer } from '../helpers/server.js';
import { ADMIN_TOKEN, createWorld, type World } from '../helpers/world.js';

const COMMITTEE: Actor = { id: '00000000-0000-4000-8000-0000000000cc', role: 'committee', name: '委员会' };
let w: World;
let server: RunningServer;
const ids: string[] = [];
const at = (date: string, time = '10:00') => `${date}T${time}:00+08:00`;
const QUERIES = ['', 'from=2025-03-01&to=2025-03-31', 'from=2025-03-04&to=2025-04-02', 'stationCode=HL01&from=2025-03-05'];

beforeAll(async () => {
  w = await createWorld();
  // Four cases in mediation (opened 2025-03-03 … 03-06, Shanghai days), one already failed.
  for (const day of ['03', '04', '05', '06']) {
    const c = await w.openCase({ occurredAt: at(`2025-03-${day}`) });
    await w.send(c.id, w.tokens.court,
      { type: 'ACCEPT', occurredAt: at(`2025-03-${day}`, '11:00') },
      { type: 'ASSIGN', deputyIds: [w.deputies.a], occurredAt: at(`2025-03-${day}`, '12:00') },
    );
    ids.push(c.id);
  }
  await w.send(ids[0], w.tokens.court, { type: 'FAIL', reason: 'refused', occurredAt: at('2025-03-20') });
  server = await startServer({ DATABASE_URL: w.database.url!, ADMIN_TOKEN });
}, 120_000);
afterAll(async () => {
  await server?.stop();
  await w?.close();
});

/** The report as the other process (the server) answers it. */
async function fromServer(query: string): Promise<any> {
  const res = await fetch(`${server.url}/api/reports/enforcement?${query}`, { headers: { authorization: `Bearer ${w.tokens.committee}` } });
  expect(res.status).toBe(200);
  return res.json();
}
/** The report as this process answers it, through its own app. */
async function fromHere(query: string) {
  const r = await w.call(w.tokens.committee, 'GET', `/api/reports/enforcement?${query}`);
  expect(r.status).toBe(200);
  return r.body;
}
/** Every case aggregated afresh, without the summary. */
const fromScratch = (query: string) =>
  enforcementReport(w.database.db, COMMITTEE, parseReportQuery(Object.fromEntries(new URLSearchParams(query))), { summary: false });
const same = (a: any, b: any) => expect({ ...a, generatedAt: null }).toEqual({ ...b, generatedAt: null });

describe('the report in several processes', () => {
  it('is right in a fresh process from its very first answer', async () => {
    // The server has answered nothing yet: this is its first report, of each kind.
    for (const q of QUERIES) same(await fromServer(q), await fromScratch(q));
    expect((await fromServer('')).mediation.failed).toBe(1);
  });

  it('has a case closed in one process in the other process at once', async () => {
    // Closed here, read there.
    await w.send(ids[1], w.tokens.court, { type: 'FAIL', reason: 'refused', occurredAt: at('2025-03-21') });
    expect((await fromServer('')).mediation.failed).toBe(2);
    expect((await fromServer('from=2025-03-04&to=2025-03-04')).mediation.failed).toBe(1);
    // Closed there, read here.
    const res = await fetch(`${server.url}/api/cases/${ids[2]}/events`, {
      method: 'POST',
      headers: { authorization: `Bearer ${w.tokens.court}`, 'content-type': 'application/json' },
      body: JSON.stringify({ type: 'FAIL', reason: 'refused', occurredAt: at('2025-03-22') }),
    });
    expect(res.status).toBe(200);
    expect((await fromHere('')).mediation.failed).toBe(3);
    expect((await fromHere('from=2025-03-05&to=2025-03-05')).mediation.failed).toBe(1);
    for (const q of QUERIES) {
      const expected = await fromScratch(q);
      same(await fromServer(q), expected);
      same(await fromHere(q), expected);
    }
  });
});
