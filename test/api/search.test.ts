/**
 * Issue 15 §4: search ignores stray spaces, and court and station staff find a party by phone or
 * ID number (exact match), each such find logged as a read of personal data. Both databases.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createWorld, type World } from '../helpers/world.js';
import { tag } from '../helpers/api.js';

let w: World;
beforeAll(async () => {
  w = await createWorld();
});
afterAll(async () => {
  await w?.close();
});

const ids = (r: any) => r.body.items.map((c: any) => c.id);
const search = (token: string, q: string) => w.call(token, 'GET', `/api/cases?q=${encodeURIComponent(q)}`);
const searchLog = async (caseId: string) =>
  (await w.call(w.tokens.admin, 'GET', `/api/access-log?caseId=${caseId}`)).body.items.filter((i: any) => String(i.fields).startsWith('search:'));

describe('search', () => {
  it('stray spaces around and inside the words do not count', async () => {
    const t = tag('Q');
    const c = await w.openCase({ summary: `物业 纠纷 ${t}` });
    expect(ids(await search(w.tokens.court, `  物业   纠纷   ${t} `))).toEqual([c.id]);
  });

  it('court and station staff find a party by phone or ID number, exactly; each find is logged', async () => {
    const phone = `139${String(Date.now()).slice(-8)}`;
    const idNumber = `2301021990${String(Date.now()).slice(-7)}X`;
    const c = await w.openCase({ parties: [{ role: 'applicant', name: '周五', idNumber, phone }] });
    expect(ids(await search(w.tokens.court, `${phone.slice(0, 3)} ${phone.slice(3, 7)} ${phone.slice(7)}`))).toEqual([c.id]);
    expect(ids(await search(w.tokens.court, idNumber.toLowerCase()))).toEqual([c.id]);
    expect(ids(await search(w.tokens.stationHL, phone))).toEqual([c.id]);
    // Exact only: a part of a number finds nothing; another station's staff see none of HL01's cases.
    expect(ids(await search(w.tokens.court, phone.slice(0, 9)))).toEqual([]);
    expect(ids(await search(w.tokens.stationSC, phone))).toEqual([]);
    const log = await searchLog(c.id);
    expect(log.map((l: any) => l.fields).sort()).toEqual(['search:parties.idNumber', 'search:parties.phone', 'search:parties.phone']);
    expect(log.every((l: any) => ['court', 'station'].includes(l.actor.role))).toBe(true);
  });

  it('a deputy or the committee does not find a party by phone; nothing is logged', async () => {
    const phone = `137${String(Date.now()).slice(-8)}`;
    const c = await w.openCase({ parties: [{ role: 'applicant', name: '吴六', phone }] });
    await w.send(c.id, w.tokens.court, { type: 'ACCEPT' }, { type: 'ASSIGN', deputyIds: [w.deputies.a] });
    expect(ids(await search(w.tokens.committee, phone))).toEqual([]);
    expect(ids(await search(w.tokens.deputyA, phone))).toEqual([]);
    expect(await searchLog(c.id)).toEqual([]);
  });
});
