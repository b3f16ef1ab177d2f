/**
 * Nothing lost across a restart: what one server process wrote to a PGlite directory is there,
 * unchanged, when a new process opens the same directory.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startServer } from './helpers/server.js';

const dir = mkdtempSync(join(tmpdir(), 'jiefen-restart-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function call(url: string, token: string, method: string, path: string, body?: unknown) {
  const res = await fetch(url + path, {
    method,
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as any };
}

describe('restart on the same PGlite directory', () => {
  it('keeps every case, event and token, and prints the admin token only on first start', async () => {
    const first = await startServer({ PGLITE_DIR: dir });
    const token = /ADMIN TOKEN: (\S+)/.exec(first.output())?.[1];
    expect(token).toMatch(/^jf_/);
    const admin = token!;
    expect((await call(first.url, admin, 'POST', '/api/stations', { code: 'HL01', name: '呼兰区人民法院人大代表联络站', kind: 'court', district: '呼兰区' })).status).toBe(201);
    const court = (await call(first.url, admin, 'POST', '/api/users', { name: '李书记员', role: 'court' })).body.token;
    const created = await call(first.url, court, 'POST', '/api/cases', {
      track: 'pre_filing', source: 'walk_in', stationCode: 'HL01', disputeType: '邻里纠纷', summary: '漏水', claimAmount: '1500.50',
      parties: [{ role: 'applicant', name: '张三', idNumber: '230102199001011234' }],
    });
    expect(created.status).toBe(201);
    const id = created.body.id;
    expect((await call(first.url, court, 'POST', `/api/cases/${id}/events`, { type: 'ACCEPT' })).status).toBe(200);
    const before = await call(first.url, court, 'GET', `/api/cases/${id}`);
    const historyBefore = await call(first.url, court, 'GET', `/api/cases/${id}/history`);
    expect(await first.stop()).toBe(0);

    const second = await startServer({ PGLITE_DIR: dir });
    expect(second.output()).not.toMatch(/ADMIN TOKEN/);
    const after = await call(second.url, court, 'GET', `/api/cases/${id}`);
    const historyAfter = await call(second.url, court, 'GET', `/api/cases/${id}/history`);
    await second.stop();
    expect(after.status).toBe(200);
    const { nextEvents: _a, ...b } = before.body;
    const { nextEvents: _b, ...a } = after.body;
    expect(a).toEqual(b);
    expect(after.body).toMatchObject({ state: 'mediation.assigning', version: 2, claimAmount: '1500.50' });
    expect(historyAfter.body).toEqual(historyBefore.body);
  });
});
