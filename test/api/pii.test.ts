/**
 * Personal data (PIPL, DESIGN.md §1): a party's ID number and phone in full only for the court and
 * the station that took the case, masked for everyone else, in every read (case, list, history);
 * every unmasked read leaves an access_log row, a masked read none.
 */
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { accessLog, cases, idempotencyKeys } from '../../src/db/schema.js';
import { createWorld, type World } from '../helpers/world.js';
import { expectProblem, refused, tag } from '../helpers/api.js';

let w: World;
const ids: Record<string, string> = {};
beforeAll(async () => {
  w = await createWorld();
  for (const [k, t] of Object.entries(w.tokens)) ids[k] = (await w.call(t, 'GET', '/api/me')).body.id;
});
afterAll(async () => w?.close());

type Caller = keyof World['tokens'];

const FULL = [
  { role: 'applicant', name: '张三', idNumber: '230102199001011234', phone: '13812345678' },
  { role: 'respondent', name: '李四', idNumber: '230103198505054321', phone: '13987654321' },
];
// DESIGN.md §10: a mask hides at least half of the value and never fewer than 4 characters.
const MASKED = [
  { role: 'applicant', name: '张三', idNumber: '23010*********1234', phone: '1******5678' },
  { role: 'respondent', name: '李四', idNumber: '23010*********4321', phone: '1******4321' },
];
/** The committee sees party names as surnames only (DESIGN.md §10). */
const MASKED_COMMITTEE = MASKED.map((p) => ({ ...p, name: `${p.name[0]}*` }));
const maskedFor = (caller: Caller) => (caller === 'committee' ? MASKED_COMMITTEE : MASKED);
/** The hidden middle of each value: must appear nowhere in a masked answer. */
const SECRETS = ['19900101', '19850505', '1234567', '8765432'];

const logRows = (caseId: string) => w.database.db.select().from(accessLog).where(eq(accessLog.entityId, caseId)).orderBy(accessLog.id);

/** A case in mediation.active at HL01 with deputy A assigned, and a tag in its summary for `q`. */
async function caseWithParties(opener: Caller = 'court') {
  const t = tag('PII');
  const c = await w.openCase({ summary: `欠款纠纷 ${t}`, source: opener === 'court' ? 'court_referral' : 'walk_in' }, w.tokens[opener]);
  await w.send(c.id, w.tokens.court, { type: 'ACCEPT' }, { type: 'ASSIGN', deputyIds: [w.deputies.a] });
  return { id: c.id as string, tag: t, created: c };
}

function expectNoSecret(body: unknown) {
  const text = JSON.stringify(body);
  for (const s of SECRETS) expect(text).not.toContain(s);
}

const FULL_READERS: Caller[] = ['court', 'stationHL'];
// The admin reads no case at all (DESIGN.md §10; test/api/personal-data.test.ts).
const MASKED_READERS: Caller[] = ['committee', 'deputyA'];

describe('GET /api/cases/:id', () => {
  it.each(FULL_READERS)('shows %s the parties in full and logs the read', async (caller) => {
    const { id } = await caseWithParties();
    const before = (await logRows(id)).length;
    const r = await w.call(w.tokens[caller], 'GET', `/api/cases/${id}`);
    expect(r.status).toBe(200);
    expect(r.body.parties).toEqual(FULL);
    const rows = await logRows(id);
    expect(rows.length).toBe(before + 1);
    expect(rows.at(-1)).toMatchObject({
      userId: ids[caller],
      userRole: caller === 'court' ? 'court' : 'station',
      entityType: 'case',
      entityId: id,
      fields: expect.stringContaining('idNumber'),
      requestId: r.headers.get('x-request-id'),
    });
  });

  it.each(MASKED_READERS)('masks the parties for %s and logs nothing', async (caller) => {
    const { id } = await caseWithParties();
    const before = (await logRows(id)).length;
    const r = await w.call(w.tokens[caller], 'GET', `/api/cases/${id}`);
    expect(r.status).toBe(200);
    expect(r.body.parties).toEqual(maskedFor(caller));
    expectNoSecret(r.body);
    expect((await logRows(id)).length).toBe(before);
  });

  it('shows the other station and unassigned deputies nothing at all', async () => {
    const { id } = await caseWithParties();
    for (const caller of ['stationSC', 'deputyB', 'deputyOther'] as Caller[]) {
      const body = await refused(w, 403, () => w.call(w.tokens[caller], 'GET', `/api/cases/${id}`), { caseId: id });
      expectNoSecret(body);
    }
  });

  it('logs no read of a case whose parties gave no ID number or phone', async () => {
    const c = await w.openCase({ parties: [{ role: 'applicant', name: '赵六' }] });
    const r = await w.call(w.tokens.court, 'GET', `/api/cases/${c.id}`);
    expect(r.body.parties).toEqual([{ role: 'applicant', name: '赵六', idNumber: null, phone: null }]);
    expect(await logRows(c.id)).toEqual([]);
  });

  it('shows the station that took the case in full, and the court too', async () => {
    const { id } = await caseWithParties('stationHL');
    expect((await w.call(w.tokens.stationHL, 'GET', `/api/cases/${id}`)).body.parties).toEqual(FULL);
    expect((await w.call(w.tokens.court, 'GET', `/api/cases/${id}`)).body.parties).toEqual(FULL);
    expect((await w.call(w.tokens.committee, 'GET', `/api/cases/${id}`)).body.parties).toEqual(MASKED_COMMITTEE);
  });
});

describe('GET /api/cases (list)', () => {
  it.each(FULL_READERS)('shows %s the parties in full and logs one row per case shown', async (caller) => {
    const a = await caseWithParties();
    const b = await caseWithParties();
    const [beforeA, beforeB] = [(await logRows(a.id)).length, (await logRows(b.id)).length];
    const r = await w.call(w.tokens[caller], 'GET', `/api/cases?q=${a.tag}`);
    expect(r.body.items.map((i: any) => i.id)).toEqual([a.id]);
    expect(r.body.items[0].parties).toEqual(FULL);
    expect((await logRows(a.id)).length).toBe(beforeA + 1);
    expect((await logRows(b.id)).length).toBe(beforeB);
  });

  it.each(MASKED_READERS)('masks the parties for %s and logs nothing', async (caller) => {
    const a = await caseWithParties();
    const before = (await logRows(a.id)).length;
    const r = await w.call(w.tokens[caller], 'GET', `/api/cases?q=${a.tag}`);
    expect(r.body.items.map((i: any) => i.id)).toEqual([a.id]);
    expect(r.body.items[0].parties).toEqual(maskedFor(caller));
    expectNoSecret(r.body);
    expect((await logRows(a.id)).length).toBe(before);
  });

  it("does not list another station's case to a station", async () => {
    const a = await caseWithParties();
    const before = (await logRows(a.id)).length;
    expect((await w.call(w.tokens.stationSC, 'GET', `/api/cases?q=${a.tag}`)).body.items).toEqual([]);
    expect((await w.call(w.tokens.deputyB, 'GET', `/api/cases?q=${a.tag}`)).body.items).toEqual([]);
    expect((await logRows(a.id)).length).toBe(before);
  });

  it('does not let q search the hidden ID number or phone', async () => {
    const a = await caseWithParties();
    for (const q of ['199001011234', '13812345678']) {
      const items = (await w.call(w.tokens.committee, 'GET', `/api/cases?q=${q}&limit=200`)).body.items.map((i: any) => i.id);
      expect(items).not.toContain(a.id);
    }
  });
});

describe('GET /api/cases/:id/history', () => {
  it.each(FULL_READERS)('shows %s the creation payload in full and logs the read', async (caller) => {
    const { id } = await caseWithParties();
    const before = (await logRows(id)).length;
    const r = await w.call(w.tokens[caller], 'GET', `/api/cases/${id}/history`);
    expect(r.body.items[0]).toMatchObject({ seq: 1, type: 'CREATE' });
    expect(r.body.items[0].payload.parties).toEqual(FULL);
    const rows = await logRows(id);
    expect(rows.length).toBe(before + 1);
    expect(rows.at(-1)).toMatchObject({ userId: ids[caller], entityId: id });
  });

  it.each(MASKED_READERS)('masks the creation payload for %s and logs nothing', async (caller) => {
    const { id } = await caseWithParties();
    const before = (await logRows(id)).length;
    const r = await w.call(w.tokens[caller], 'GET', `/api/cases/${id}/history`);
    expect(r.body.items[0].payload.parties).toEqual(maskedFor(caller));
    expectNoSecret(r.body);
    expect((await logRows(id)).length).toBe(before);
  });
});

describe('write responses', () => {
  it('show the writer what a read would, and log it the same way', async () => {
    const { id } = await caseWithParties();
    const before = (await logRows(id)).length;
    const byDeputy = await w.call(w.tokens.deputyA, 'POST', `/api/cases/${id}/events`, {
      type: 'SCHEDULE_SESSION',
      at: new Date(Date.now() + 86_400_000).toISOString(),
      location: '调解室',
    });
    expect(byDeputy.status).toBe(200);
    expect(byDeputy.body.parties).toEqual(MASKED);
    expect((await logRows(id)).length).toBe(before);
    // An event that leaves the deadlines is written in one statement, one that moves them in a
    // transaction: both log the unmasked answer with the write.
    const scheduled = await w.call(w.tokens.court, 'POST', `/api/cases/${id}/events`, {
      type: 'SCHEDULE_SESSION',
      at: new Date(Date.now() + 2 * 86_400_000).toISOString(),
      location: '调解室',
    });
    expect(scheduled.body.parties).toEqual(FULL);
    expect((await logRows(id)).length).toBe(before + 1);
    const byCourt = await w.call(w.tokens.court, 'POST', `/api/cases/${id}/events`, { type: 'PAUSE', reason: '鉴定' });
    expect(byCourt.body.parties).toEqual(FULL);
    const rows = await logRows(id);
    expect(rows.length).toBe(before + 2);
    expect(rows.filter((r) => r.requestId === byCourt.headers.get('x-request-id'))).toEqual([
      expect.objectContaining({ userRole: 'court', entityType: 'case', fields: 'parties.idNumber,parties.phone' }),
    ]);
  });

  it('logs an idempotent replay that shows personal data again', async () => {
    const { id } = await caseWithParties();
    const key = { 'idempotency-key': `pause-${id}` };
    const first = await w.call(w.tokens.court, 'POST', `/api/cases/${id}/events`, { type: 'PAUSE', reason: '鉴定' }, key);
    expect(first.body.parties).toEqual(FULL);
    const before = (await logRows(id)).length;
    const again = await w.call(w.tokens.court, 'POST', `/api/cases/${id}/events`, { type: 'PAUSE', reason: '鉴定' }, key);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(again.body.parties).toEqual(FULL);
    expect((await logRows(id)).length).toBe(before + 1);
    // A masked replay logs nothing.
    const dKey = { 'idempotency-key': `session-${id}` };
    const session = { type: 'RECORD_SESSION', heldAt: new Date().toISOString(), attendeeDeputyIds: [w.deputies.a], minutes: '记录' };
    await w.call(w.tokens.court, 'POST', `/api/cases/${id}/events`, { type: 'RESUME' });
    expect((await w.call(w.tokens.deputyA, 'POST', `/api/cases/${id}/events`, session, dKey)).status).toBe(200);
    const n = (await logRows(id)).length;
    expect((await w.call(w.tokens.deputyA, 'POST', `/api/cases/${id}/events`, session, dKey)).body.parties).toEqual(MASKED);
    expect((await logRows(id)).length).toBe(n);
  });
});

describe('storage', () => {
  it('keeps personal data out of the snapshot', async () => {
    const { id } = await caseWithParties();
    const [row] = await w.database.db.select({ snapshot: cases.snapshot }).from(cases).where(eq(cases.id, id));
    const text = JSON.stringify(row.snapshot);
    for (const v of ['230102199001011234', '13812345678', '230103198505054321']) expect(text).not.toContain(v);
    expect(JSON.stringify((await w.call(w.tokens.court, 'GET', `/api/cases/${id}`)).body.context)).not.toContain('230102199001011234');
  });

  it('stores a masked reader\'s response masked, and replays it to nobody else', async () => {
    // Keys are per user, so a stored response is only ever replayed to the user who wrote it.
    const { id } = await caseWithParties();
    const key = { 'idempotency-key': `own-${id}` };
    const session = { type: 'SCHEDULE_SESSION', at: new Date(Date.now() + 3_600_000).toISOString(), location: '站内' };
    expect((await w.call(w.tokens.deputyA, 'POST', `/api/cases/${id}/events`, session, key)).status).toBe(200);
    const stored = await w.database.db.select().from(idempotencyKeys).where(eq(idempotencyKeys.userId, ids.deputyA));
    const mine = stored.find((s) => s.key === key['idempotency-key'])!;
    expect(JSON.stringify(mine.response)).not.toContain('199001011234');
    // The same key and body from another user is that user's own request: refused for their role, not replayed.
    const other = await w.call(w.tokens.committee, 'POST', `/api/cases/${id}/events`, session, key);
    expectProblem(other, 403);
  });
});
