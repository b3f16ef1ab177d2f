/**
 * Every error status of DESIGN.md §6, each as application/problem+json, and for every refusal
 * proof that nothing was written (database fingerprint, case version, history, case list).
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_TOKEN, createTestApp, createWorld, type World } from '../helpers/world.js';
import { daysAgo, fingerprint, observe, refused } from '../helpers/api.js';

let w: World;
beforeAll(async () => {
  w = await createWorld();
});
afterAll(async () => w?.close());

const CASE_BODY = {
  track: 'pre_filing',
  source: 'court_referral',
  stationCode: 'HL01',
  disputeType: '民间借贷',
  summary: '借款五千元到期未还',
  parties: [{ role: 'applicant', name: '张三' }],
};

const events = (id: string) => `/api/cases/${id}/events`;

/** A case in mediation.active with deputy A assigned. */
async function activeCase() {
  const c = await w.openCase();
  return w.send(c.id, w.tokens.court, { type: 'ACCEPT' }, { type: 'ASSIGN', deputyIds: [w.deputies.a] });
}

describe('400 malformed or invalid body', () => {
  it('refuses a body that is not JSON when opening a case', async () => {
    const body = await refused(w, 400, () => w.call(w.tokens.court, 'POST', '/api/cases', '{"track": "pre_filing",'));
    expect(body.errors).toEqual([{ field: '(body)', message: expect.any(String) }]);
  });

  it('refuses a body that is not JSON on an event', async () => {
    const c = await w.openCase();
    const body = await refused(w, 400, () => w.call(w.tokens.court, 'POST', events(c.id), '{type: ACCEPT}'), { caseId: c.id });
    expect(body.errors[0].field).toBe('(body)');
  });

  it('refuses a JSON body that is not an object', async () => {
    const c = await w.openCase();
    await refused(w, 400, () => w.call(w.tokens.court, 'POST', '/api/cases', [CASE_BODY]));
    const body = await refused(w, 400, () => w.call(w.tokens.court, 'POST', events(c.id), '"ACCEPT"'), { caseId: c.id });
    expect(body.errors).toEqual([{ field: '(body)', message: expect.any(String) }]);
  });

  it('lists every invalid field of a case', async () => {
    const body = await refused(w, 400, () =>
      w.call(w.tokens.court, 'POST', '/api/cases', {
        track: 'sideways',
        source: 'walk_in',
        stationCode: 'HL01',
        summary: '   ',
        claimAmount: '12.345',
        parties: [],
      }),
    );
    const fields = body.errors.map((e: any) => e.field).sort();
    expect(fields).toEqual(['claimAmount', 'disputeType', 'parties', 'summary', 'track']);
    for (const e of body.errors) expect(e.message).toEqual(expect.any(String));
  });

  it('names the field of an invalid party by its path', async () => {
    const body = await refused(w, 400, () =>
      w.call(w.tokens.court, 'POST', '/api/cases', {
        ...CASE_BODY,
        parties: [{ role: 'applicant', name: '张三' }, { role: 'witness', name: '李四', idNumber: '12#' }],
      }),
    );
    expect(body.errors.map((e: any) => e.field).sort()).toEqual(['parties.1.idNumber', 'parties.1.role']);
  });

  it('refuses an unknown station as a field error, not a 500', async () => {
    const body = await refused(w, 400, () => w.call(w.tokens.court, 'POST', '/api/cases', { ...CASE_BODY, stationCode: 'NOPE99' }));
    expect(body.errors).toEqual([{ field: 'stationCode', message: expect.stringContaining('NOPE99') }]);
  });

  it('lists the invalid fields of an event payload', async () => {
    const c = await w.openCase();
    await w.send(c.id, w.tokens.court, { type: 'ACCEPT' });
    const body = await refused(w, 400, () => w.call(w.tokens.court, 'POST', events(c.id), { type: 'ASSIGN', deputyIds: [] }), {
      caseId: c.id,
    });
    expect(body.errors.map((e: any) => e.field)).toEqual(['deputyIds']);

    const a = await activeCase();
    const agreement = await refused(
      w,
      400,
      () => w.call(w.tokens.court, 'POST', events(a.id), { type: 'REACH_AGREEMENT', terms: '', amount: '1.005', dueDate: '2030-02-30' }),
      { caseId: a.id },
    );
    expect(agreement.errors.map((e: any) => e.field).sort()).toEqual(['amount', 'dueDate', 'terms']);
  });

  it('refuses a deputy id that does not exist', async () => {
    const c = await w.openCase();
    await w.send(c.id, w.tokens.court, { type: 'ACCEPT' });
    const ghost = randomUUID();
    const body = await refused(w, 400, () => w.call(w.tokens.court, 'POST', events(c.id), { type: 'ASSIGN', deputyIds: [ghost, 'not-a-uuid'] }), {
      caseId: c.id,
    });
    expect(body.errors).toEqual([{ field: 'deputyIds', message: expect.stringContaining(ghost) }]);
  });

  it('refuses an unknown event type, and a missing one', async () => {
    const c = await w.openCase();
    const body = await refused(w, 400, () => w.call(w.tokens.court, 'POST', events(c.id), { type: 'APPROVE' }), { caseId: c.id });
    expect(body.errors).toEqual([{ field: 'type', message: expect.stringContaining('ACCEPT') }]);
    const missing = await refused(w, 400, () => w.call(w.tokens.court, 'POST', events(c.id), { reason: 'out_of_scope' }), { caseId: c.id });
    expect(missing.errors[0].field).toBe('type');
  });

  it('refuses an event type that is a name every object has (not a 500)', async () => {
    const c = await w.openCase();
    for (const type of ['toString', 'constructor', '__proto__', 'hasOwnProperty', 'valueOf', 42, null]) {
      const body = await refused(w, 400, () => w.call(w.tokens.court, 'POST', events(c.id), { type }), { caseId: c.id });
      expect(body.errors[0].field).toBe('type');
    }
  });

  it('refuses an occurredAt in the future, on creation and on an event', async () => {
    const future = new Date(Date.now() + 3_600_000).toISOString();
    const created = await refused(w, 400, () => w.call(w.tokens.court, 'POST', '/api/cases', { ...CASE_BODY, occurredAt: future }));
    expect(created.errors).toEqual([{ field: 'occurredAt', message: expect.any(String) }]);
    const c = await w.openCase();
    const ev = await refused(w, 400, () => w.call(w.tokens.court, 'POST', events(c.id), { type: 'ACCEPT', occurredAt: future }), {
      caseId: c.id,
    });
    expect(ev.errors).toEqual([{ field: 'occurredAt', message: expect.any(String) }]);
  });

  it('refuses an occurredAt earlier than the previous event', async () => {
    const c = await w.openCase({ occurredAt: daysAgo(5) });
    await w.send(c.id, w.tokens.court, { type: 'ACCEPT', occurredAt: daysAgo(3) });
    const body = await refused(
      w,
      400,
      () => w.call(w.tokens.court, 'POST', events(c.id), { type: 'ASSIGN', deputyIds: [w.deputies.a], occurredAt: daysAgo(4) }),
      { caseId: c.id },
    );
    expect(body.errors).toEqual([{ field: 'occurredAt', message: expect.any(String) }]);
    // The same instant as the previous event is fine.
    const ok = await w.call(w.tokens.court, 'POST', events(c.id), { type: 'ASSIGN', deputyIds: [w.deputies.a], occurredAt: daysAgo(2) });
    expect(ok.status).toBe(200);
  });

  it('refuses an occurredAt that is not an ISO instant with a zone', async () => {
    const c = await w.openCase();
    for (const occurredAt of ['2026-01-01 10:00', '2026-01-01T10:00:00', 'yesterday', 12345]) {
      const body = await refused(w, 400, () => w.call(w.tokens.court, 'POST', events(c.id), { type: 'ACCEPT', occurredAt }), {
        caseId: c.id,
      });
      expect(body.errors.map((e: any) => e.field)).toEqual(['occurredAt']);
    }
  });

  it('refuses invalid list parameters', async () => {
    const c = await w.openCase();
    // Cursors are opaque, but a forged one is the client's mistake (400), never a 500.
    const forged = ['1', '2026-02-30T00:00:00Z', '+275760-09-13T00:00:00.000Z', '2026-01-01'].map(
      (t) => `cursor=${Buffer.from(JSON.stringify([t, c.id])).toString('base64url')}`,
    );
    for (const q of ['outcome=won', 'overdue=yes', 'limit=0', 'limit=500', 'cursor=not-a-cursor', ...forged]) {
      const body = await refused(w, 400, () => w.call(w.tokens.court, 'GET', `/api/cases?${q}`));
      expect(body.errors.length).toBeGreaterThan(0);
    }
  });
});

describe('401 no or bad token', () => {
  it('refuses a request without a token', async () => {
    const c = await w.openCase();
    await refused(w, 401, () => w.call(null, 'POST', '/api/cases', CASE_BODY));
    await refused(w, 401, () => w.call(null, 'POST', events(c.id), { type: 'ACCEPT' }), { caseId: c.id });
    await refused(w, 401, () => w.call(null, 'GET', `/api/cases/${c.id}`), { caseId: c.id });
  });

  it('refuses a bad token and a malformed Authorization header', async () => {
    const c = await w.openCase();
    await refused(w, 401, () => w.call('jf_not-a-real-token', 'POST', events(c.id), { type: 'ACCEPT' }), { caseId: c.id });
    await refused(w, 401, () => w.call(`${w.tokens.court}x`, 'POST', '/api/cases', CASE_BODY));
    await refused(w, 401, () => w.call(null, 'POST', events(c.id), { type: 'ACCEPT' }, { authorization: `Basic ${w.tokens.court}` }), {
      caseId: c.id,
    });
    expect((await observe(w, c.id)).version).toBe(1);
  });
});

describe('403 role or case not allowed', () => {
  it('refuses an event to a role that may not send it', async () => {
    const c = await w.openCase();
    const body = await refused(w, 403, () => w.call(w.tokens.committee, 'POST', events(c.id), { type: 'ACCEPT' }), { caseId: c.id });
    expect(body.detail).toContain('ACCEPT');
    await refused(w, 403, () => w.call(w.tokens.committee, 'POST', '/api/cases', CASE_BODY));
  });

  it("refuses another station's case, to read and to act", async () => {
    const c = await w.openCase({ source: 'walk_in' }, w.tokens.stationHL);
    await refused(w, 403, () => w.call(w.tokens.stationSC, 'GET', `/api/cases/${c.id}`), { caseId: c.id });
    await refused(w, 403, () => w.call(w.tokens.stationSC, 'GET', `/api/cases/${c.id}/history`), { caseId: c.id });
    await refused(w, 403, () => w.call(w.tokens.stationSC, 'POST', events(c.id), { type: 'WITHDRAW' }), { caseId: c.id });
    await refused(w, 403, () => w.call(w.tokens.stationSC, 'POST', '/api/cases', { ...CASE_BODY, source: 'walk_in' }));
  });

  it('refuses a deputy who is not assigned, to read and to act', async () => {
    const c = await activeCase();
    await refused(w, 403, () => w.call(w.tokens.deputyB, 'GET', `/api/cases/${c.id}`), { caseId: c.id });
    await refused(w, 403, () => w.call(w.tokens.deputyB, 'GET', `/api/cases/${c.id}/history`), { caseId: c.id });
    await refused(
      w,
      403,
      () => w.call(w.tokens.deputyB, 'POST', events(c.id), { type: 'SCHEDULE_SESSION', at: new Date().toISOString(), location: '调解室' }),
      { caseId: c.id },
    );
  });

  it('answers 403 before anything about the payload or the version', async () => {
    const c = await activeCase();
    // An invalid payload and a stale If-Match: the caller may not act at all, so they learn nothing more.
    await refused(w, 403, () => w.call(w.tokens.deputyOther, 'POST', events(c.id), { type: 'REACH_AGREEMENT' }), { caseId: c.id });
    const body = await refused(
      w,
      403,
      () => w.call(w.tokens.deputyOther, 'POST', events(c.id), { type: 'SCHEDULE_SESSION', at: new Date().toISOString(), location: 'x' }, { 'if-match': '"1"' }),
      { caseId: c.id },
    );
    expect(body).not.toHaveProperty('currentVersion');
  });
});

describe('404 unknown case', () => {
  it('answers 404 for a random uuid', async () => {
    const id = randomUUID();
    const body = await refused(w, 404, () => w.call(w.tokens.court, 'GET', `/api/cases/${id}`));
    expect(body.detail).toContain(id);
    await refused(w, 404, () => w.call(w.tokens.court, 'GET', `/api/cases/${id}/history`));
    await refused(w, 404, () => w.call(w.tokens.court, 'POST', events(id), { type: 'ACCEPT' }));
  });

  it('answers 404 for an id that is not a uuid', async () => {
    for (const id of ['12345', 'not-a-case', '2026-HL01-000001']) {
      await refused(w, 404, () => w.call(w.tokens.court, 'GET', `/api/cases/${id}`));
      await refused(w, 404, () => w.call(w.tokens.court, 'GET', `/api/cases/${id}/history`));
      await refused(w, 404, () => w.call(w.tokens.court, 'POST', events(id), { type: 'ACCEPT' }));
    }
  });

  it('answers 404 for an unknown path', async () => {
    await refused(w, 404, () => w.call(w.tokens.court, 'GET', '/api/nothing-here'));
    await refused(w, 404, () => w.call(w.tokens.court, 'POST', '/api/cases/events', { type: 'ACCEPT' }));
  });
});

describe('409 event not allowed in the current state', () => {
  it('says the current state', async () => {
    const c = await w.openCase();
    await w.send(c.id, w.tokens.court, { type: 'ACCEPT' });
    const body = await refused(w, 409, () => w.call(w.tokens.court, 'POST', events(c.id), { type: 'ACCEPT' }), { caseId: c.id });
    expect(body).toMatchObject({ state: 'mediation.assigning', event: 'ACCEPT' });
  });

  it('refuses any event on a closed case', async () => {
    const c = await w.openCase();
    await w.send(c.id, w.tokens.court, { type: 'RETURN', reason: 'out_of_scope' });
    for (const e of [{ type: 'ACCEPT' }, { type: 'WITHDRAW' }, { type: 'RETURN', reason: 'unsuitable' }]) {
      const body = await refused(w, 409, () => w.call(w.tokens.court, 'POST', events(c.id), e), { caseId: c.id });
      expect(body.state).toBe('closed');
    }
  });

  it('answers 409 (not 400) for an event the state does not take, whatever its payload', async () => {
    const c = await w.openCase();
    const body = await refused(w, 409, () => w.call(w.tokens.court, 'POST', events(c.id), { type: 'REACH_AGREEMENT' }), { caseId: c.id });
    expect(body.state).toBe('intake.screening');
  });

  it('refuses an event whose guard fails', async () => {
    const c = await activeCase();
    // Deputy B is not assigned to this case: nobody can recuse them.
    const body = await refused(w, 409, () => w.call(w.tokens.court, 'POST', events(c.id), { type: 'RECUSE', deputyId: w.deputies.b, reason: '亲属' }), {
      caseId: c.id,
    });
    expect(body.state).toBe('mediation.active');
    // A pre_filing agreement cannot be enforced before judicial confirmation.
    await w.send(c.id, w.tokens.court, { type: 'REACH_AGREEMENT', terms: '分期还款', amount: '5000', dueDate: todayInShanghai() }, { type: 'REPORT_DEFAULT' });
    const enforce = await refused(w, 409, () => w.call(w.tokens.court, 'POST', events(c.id), { type: 'APPLY_ENFORCEMENT', enforcementCaseNumber: '(2026)黑0111执1号' }), {
      caseId: c.id,
    });
    expect(enforce.state).toBe('agreement.defaulted');
  });
});

describe('412 stale If-Match', () => {
  it('refuses a write based on an old version and says the current one', async () => {
    const c = await w.openCase();
    const got = await w.call(w.tokens.court, 'GET', `/api/cases/${c.id}`);
    expect(got.headers.get('etag')).toBe('"1"');
    await w.send(c.id, w.tokens.court, { type: 'ACCEPT' });
    const body = await refused(
      w,
      412,
      () => w.call(w.tokens.court, 'POST', events(c.id), { type: 'ASSIGN', deputyIds: [w.deputies.a] }, { 'if-match': '"1"' }),
      { caseId: c.id },
    );
    expect(body).toMatchObject({ expectedVersion: 1, currentVersion: 2 });
  });

  it('accepts the current version and returns the new ETag', async () => {
    const c = await w.openCase();
    const r = await w.call(w.tokens.court, 'POST', events(c.id), { type: 'ACCEPT' }, { 'if-match': '"1"' });
    expect(r.status).toBe(200);
    expect(r.body.version).toBe(2);
    expect(r.headers.get('etag')).toBe('"2"');
  });

  it('refuses an If-Match that is not a version with 400', async () => {
    const c = await w.openCase();
    const body = await refused(w, 400, () => w.call(w.tokens.court, 'POST', events(c.id), { type: 'ACCEPT' }, { 'if-match': 'abc' }), {
      caseId: c.id,
    });
    expect(body.errors[0].field).toBe('If-Match');
  });
});

describe('Idempotency-Key', () => {
  it('replays the first response to the same request, writing nothing', async () => {
    const c = await w.openCase();
    const key = { 'idempotency-key': `accept-${c.id}` };
    const first = await w.call(w.tokens.court, 'POST', events(c.id), { type: 'ACCEPT', note: '符合受理条件' }, key);
    expect(first.status).toBe(200);
    expect(first.body.version).toBe(2);
    const before = await fingerprint(w);
    const seen = await observe(w, c.id);
    const again = await w.call(w.tokens.court, 'POST', events(c.id), { note: '符合受理条件', type: 'ACCEPT' }, key);
    expect(again.status).toBe(200);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(again.body).toEqual(first.body);
    // No transition, no journal row; only the access log records that personal data was shown again.
    expect(await fingerprint(w)).toEqual({ ...before, access_log: String(Number(before.access_log) + 1) });
    expect(await observe(w, c.id)).toEqual(seen);
    expect(seen).toMatchObject({ version: 2, historyLength: 2 });
  });

  it('replays a creation: the same case, no second one', async () => {
    const key = { 'idempotency-key': `open-${randomUUID()}` };
    const first = await w.call(w.tokens.court, 'POST', '/api/cases', CASE_BODY, key);
    expect(first.status).toBe(201);
    const before = await fingerprint(w);
    const again = await w.call(w.tokens.court, 'POST', '/api/cases', CASE_BODY, key);
    expect(again.status).toBe(201);
    expect(again.body.id).toBe(first.body.id);
    expect(again.body.number).toBe(first.body.number);
    expect(await fingerprint(w)).toEqual(before);
  });

  it('refuses the same key with another body with 422', async () => {
    const c = await w.openCase();
    const key = { 'idempotency-key': `k-${c.id}` };
    expect((await w.call(w.tokens.court, 'POST', events(c.id), { type: 'ACCEPT' }, key)).status).toBe(200);
    await refused(w, 422, () => w.call(w.tokens.court, 'POST', events(c.id), { type: 'WITHDRAW', note: '撤回' }, key), { caseId: c.id });
    // The same key and body on another case is another request too.
    const other = await w.openCase();
    await refused(w, 422, () => w.call(w.tokens.court, 'POST', events(other.id), { type: 'ACCEPT' }, key), { caseId: other.id });
    await refused(w, 422, () => w.call(w.tokens.court, 'POST', '/api/cases', CASE_BODY, key));
  });

  it('keeps keys per user: another user with the same key makes a new request', async () => {
    const key = { 'idempotency-key': `shared-${randomUUID()}` };
    const body = { ...CASE_BODY, source: 'walk_in' };
    const byStation = await w.call(w.tokens.stationHL, 'POST', '/api/cases', body, key);
    const byCourt = await w.call(w.tokens.court, 'POST', '/api/cases', body, key);
    expect([byStation.status, byCourt.status]).toEqual([201, 201]);
    expect(byCourt.body.id).not.toBe(byStation.body.id);
  });

  it('does not record a refused request under its key', async () => {
    const c = await w.openCase();
    const key = { 'idempotency-key': `retry-${c.id}` };
    await refused(w, 409, () => w.call(w.tokens.court, 'POST', events(c.id), { type: 'REACH_AGREEMENT', terms: 'x', amount: '1', dueDate: '2030-01-01' }, key), {
      caseId: c.id,
    });
    // The key is still free: a corrected request under it goes through.
    const ok = await w.call(w.tokens.court, 'POST', events(c.id), { type: 'ACCEPT' }, key);
    expect(ok.status).toBe(200);
    expect(ok.headers.get('idempotent-replayed')).toBeNull();
  });

  it('refuses an empty or overlong key with 400', async () => {
    const c = await w.openCase();
    for (const k of ['', 'k'.repeat(201)]) {
      const body = await refused(w, 400, () => w.call(w.tokens.court, 'POST', events(c.id), { type: 'ACCEPT' }, { 'idempotency-key': k }), {
        caseId: c.id,
      });
      expect(body.errors[0].field).toBe('Idempotency-Key');
    }
  });
});

describe('a refusal is still a problem after a success', () => {
  it('keeps version and history exact through a mix of refusals', async () => {
    const c = await activeCase();
    const seen = await observe(w, c.id);
    expect(seen).toMatchObject({ version: 3, historyLength: 3, state: 'mediation.active' });
    await refused(w, 403, () => w.call(w.tokens.deputyA, 'POST', events(c.id), { type: 'EXTEND', days: 10, partiesConsent: true }), { caseId: c.id });
    await refused(w, 400, () => w.call(w.tokens.court, 'POST', events(c.id), { type: 'EXTEND', days: 10, partiesConsent: false }), { caseId: c.id });
    await refused(w, 409, () => w.call(w.tokens.court, 'POST', events(c.id), { type: 'RESUME' }), { caseId: c.id });
    expect(await observe(w, c.id)).toEqual(seen);
  });
});

describe('503 database unreachable', () => {
  it('answers 503 with Retry-After, on health and on the API, when the database is gone', async () => {
    const { app, database, errors } = await createTestApp();
    await database.destroy();
    const health = await app.request('/healthz');
    expect(health.status).toBe(503);
    expect(health.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(await health.json()).toMatchObject({ type: 'urn:jiefen:problem:unavailable', status: 503 });
    const api = await app.request('/api/cases', { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
    expect(api.status).toBe(503);
    expect(api.headers.get('retry-after')).toBe('1');
    expect(await api.json()).toMatchObject({ type: 'urn:jiefen:problem:unavailable', status: 503, title: expect.any(String), detail: expect.any(String) });
    expect(errors).toEqual([]);
  });
});

/** Today's date in Shanghai: an agreement due today may be reported not performed (issue 15 §1). */
function todayInShanghai(): string {
  return new Date(Date.now() + 8 * 3_600_000).toISOString().slice(0, 10);
}
