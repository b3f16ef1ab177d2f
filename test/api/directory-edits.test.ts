/**
 * Issue 15 §4: stations, deputies and station activities are edited (and a station or deputy
 * retired) by those who may create them, each change audited with who and when; a second deputy
 * of the same name at one station is entered only on purpose; every phone is a Chinese mobile or
 * landline. Runs on both databases.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createWorld, type World } from '../helpers/world.js';
import { refused, tag } from '../helpers/api.js';

let w: World;
beforeAll(async () => {
  w = await createWorld();
});
afterAll(async () => {
  await w?.close();
});

const audit = async (action: string, targetId: string) =>
  (await w.call(w.tokens.admin, 'GET', `/api/audit?action=${action}`)).body.items.filter((i: any) => i.target.id === targetId);

async function newStation() {
  const code = tag('S').slice(0, 12);
  const r = await w.call(w.tokens.admin, 'POST', '/api/stations', { code, name: '康金街道联络站', kind: 'street', district: '呼兰区' });
  expect(r.status).toBe(201);
  return code;
}

describe('PATCH /api/stations/:code', () => {
  it('the admin edits a station: 200, and the change is audited with who and when', async () => {
    const code = await newStation();
    const r = await w.call(w.tokens.admin, 'PATCH', `/api/stations/${code}`, { name: '康金街道人大代表联络站', hotline: '0451-57301234' });
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ code, name: '康金街道人大代表联络站', hotline: '0451-57301234', kind: 'street' });
    const [row] = await audit('station.update', code);
    expect(row).toMatchObject({
      actor: { role: 'admin' },
      action: 'station.update',
      detail: { name: { from: '康金街道联络站', to: '康金街道人大代表联络站' }, hotline: { from: null, to: '0451-57301234' } },
    });
    expect(Date.parse(row.at)).not.toBeNaN();
  });

  it('refuses court staff (403), an unknown station (404), a bad field or the code (400): nothing written', async () => {
    const code = await newStation();
    await refused(w, 403, () => w.call(w.tokens.court, 'PATCH', `/api/stations/${code}`, { name: 'x' }));
    await refused(w, 404, () => w.call(w.tokens.admin, 'PATCH', '/api/stations/NOPE99', { name: 'x' }));
    await refused(w, 400, () => w.call(w.tokens.admin, 'PATCH', `/api/stations/${code}`, { kind: 'province' }));
    await refused(w, 400, () => w.call(w.tokens.admin, 'PATCH', `/api/stations/${code}`, { code: 'OTHER' }));
    expect(await audit('station.update', code)).toEqual([]);
  });

  it('a retired station is shown as such and takes no new case; its old cases stay', async () => {
    const code = await newStation();
    const old = await w.openCase({ stationCode: code });
    const r = await w.call(w.tokens.admin, 'PATCH', `/api/stations/${code}`, { active: false });
    expect(r.body).toMatchObject({ code, active: false });
    const list = await w.call(w.tokens.court, 'GET', '/api/stations');
    expect(list.body.items.find((s: any) => s.code === code)).toMatchObject({ active: false });
    const body = await refused(w, 400, () =>
      w.call(w.tokens.court, 'POST', '/api/cases', { track: 'pre_filing', source: 'court_referral', stationCode: code, disputeType: '借贷', summary: 's', parties: [{ role: 'applicant', name: '甲' }] }),
    );
    expect(body.errors).toEqual([{ field: 'stationCode', message: `联络站 ${code} 已撤销，不能再受理新案件` }]);
    expect((await w.call(w.tokens.court, 'GET', `/api/cases/${old.id}`)).body.stationCode).toBe(code);
    expect((await audit('station.update', code))[0].detail).toEqual({ active: { from: true, to: false } });
  });
});

describe('deputies', () => {
  it('a second deputy of the same name at one station: 409 unless confirmed; another station is fine', async () => {
    const name = `王${tag('')}`;
    const first = await w.call(w.tokens.admin, 'POST', '/api/deputies', { name, level: 'county', stationCode: 'HL01', phone: '13900002222' });
    expect(first.status).toBe(201);
    const body = await refused(w, 409, () => w.call(w.tokens.admin, 'POST', '/api/deputies', { name, level: 'township', stationCode: 'HL01' }), {
      type: 'urn:jiefen:problem:conflict',
    });
    expect(body.detail).toContain(`联络站 HL01 已有名为“${name}”的代表`);
    expect(body.detail).toContain('confirmDuplicate');
    expect((await w.call(w.tokens.admin, 'POST', '/api/deputies', { name, level: 'county', stationCode: 'SC01' })).status).toBe(201);
    const second = await w.call(w.tokens.admin, 'POST', '/api/deputies', { name, level: 'township', stationCode: 'HL01', confirmDuplicate: true });
    expect(second.status).toBe(201);
    expect(second.body).not.toHaveProperty('confirmDuplicate');
  });

  it('the admin edits and retires a deputy; the phone change is audited without the number; a retired deputy is assigned to no new case', async () => {
    const d = (await w.call(w.tokens.admin, 'POST', '/api/deputies', { name: `赵${tag('')}`, level: 'county', stationCode: 'HL01', phone: '13900003333' })).body;
    const old = await w.openCase();
    await w.send(old.id, w.tokens.court, { type: 'ACCEPT' }, { type: 'ASSIGN', deputyIds: [d.id] });
    const r = await w.call(w.tokens.admin, 'PATCH', `/api/deputies/${d.id}`, { level: 'municipal', phone: '0451-86623456' });
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ id: d.id, level: 'municipal', phone: '045186623456' });
    const [row] = await audit('deputy.update', d.id);
    expect(row.detail).toEqual({ level: { from: 'county', to: 'municipal' }, phone: { from: '***', to: '***' } });
    expect(JSON.stringify(row)).not.toContain('13900003333');
    await refused(w, 403, () => w.call(w.tokens.court, 'PATCH', `/api/deputies/${d.id}`, { active: false }));
    await refused(w, 404, () => w.call(w.tokens.admin, 'PATCH', '/api/deputies/00000000-0000-4000-8000-000000000000', { active: false }));
    const retired = await w.call(w.tokens.admin, 'PATCH', `/api/deputies/${d.id}`, { active: false });
    expect(retired.body).toMatchObject({ active: false });
    const c = await w.openCase();
    await w.send(c.id, w.tokens.court, { type: 'ACCEPT' });
    const body = await refused(w, 400, () => w.call(w.tokens.court, 'POST', `/api/cases/${c.id}/events`, { type: 'ASSIGN', deputyIds: [d.id] }), { caseId: c.id });
    expect(body.errors[0]).toMatchObject({ field: 'deputyIds', message: expect.stringContaining('已撤销') });
    // The old case still shows them.
    expect((await w.call(w.tokens.court, 'GET', `/api/cases/${old.id}`)).body.deputyIds).toEqual([d.id]);
  });
});

describe('PATCH /api/stations/:code/activities/:id', () => {
  it('station staff edit their own station’s record (audited); another station’s staff may not', async () => {
    const a = await w.call(w.tokens.stationHL, 'POST', '/api/stations/HL01/activities', { date: '2026-03-01', theme: '接待选民', content: '接待', deputyIds: [w.deputies.a], votersReceived: 3 });
    expect(a.status).toBe(201);
    const r = await w.call(w.tokens.stationHL, 'PATCH', `/api/stations/HL01/activities/${a.body.id}`, { votersReceived: 5, deputyIds: [w.deputies.a, w.deputies.b], content: '接待并调解' });
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ votersReceived: 5, deputyVisits: 2, content: '接待并调解' });
    const [row] = await audit('activity.update', a.body.id);
    expect(row).toMatchObject({ actor: { role: 'station' }, detail: { stationCode: 'HL01', votersReceived: { from: 3, to: 5 }, content: 'changed' } });
    const other = await w.call(w.tokens.stationSC, 'PATCH', `/api/stations/HL01/activities/${a.body.id}`, { votersReceived: 9 });
    expect(other.status).toBe(403);
    expect((await w.call(w.tokens.committee, 'PATCH', `/api/stations/HL01/activities/${a.body.id}`, { votersReceived: 9 })).status).toBe(403);
    expect((await w.call(w.tokens.court, 'PATCH', `/api/stations/SC01/activities/${a.body.id}`, { votersReceived: 9 })).status).toBe(404);
    const bad = await w.call(w.tokens.court, 'PATCH', `/api/stations/HL01/activities/${a.body.id}`, { date: '2099-01-01' });
    expect(bad.status).toBe(400);
    expect((await audit('activity.update', a.body.id)).length).toBe(1);
  });
});

describe('phones: one validator for every phone entered', () => {
  const party = (phone: string) => ({ parties: [{ role: 'applicant', name: '张三', phone }] });
  it('a party’s phone: mobile or landline with area code; anything else is a 400 saying what is expected', async () => {
    for (const bad of ['12345', '23812345678', '1381234567', '451-86623456', 'call me']) {
      const body = await refused(w, 400, () => w.call(w.tokens.court, 'POST', '/api/cases', { track: 'pre_filing', source: 'court_referral', stationCode: 'HL01', disputeType: '借贷', summary: 's', ...party(bad) }));
      expect(body.errors).toEqual([{ field: 'parties.0.phone', message: expect.stringContaining('请填写 11 位手机号码') }]);
    }
    for (const [typed, stored] of [
      ['138 1234 5678', '13812345678'],
      ['+86 138-1234-5678', '13812345678'],
      ['0451-86623456', '045186623456'],
      ['01087654321', '01087654321'],
    ]) {
      const c = await w.openCase(party(typed));
      expect(c.parties[0].phone).toBe(stored);
    }
  });

  it('a deputy’s phone, the same rule', async () => {
    const body = await refused(w, 400, () => w.call(w.tokens.admin, 'POST', '/api/deputies', { name: `孙${tag('')}`, level: 'county', stationCode: 'HL01', phone: '12345' }));
    expect(body.errors[0]).toMatchObject({ field: 'phone', message: expect.stringContaining('请填写 11 位手机号码') });
    const d = await w.call(w.tokens.admin, 'POST', '/api/deputies', { name: `孙${tag('')}`, level: 'county', stationCode: 'HL01', phone: '0451-5730123' });
    expect(d.body.phone).toBe('04515730123');
  });
});
