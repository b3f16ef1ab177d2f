/**
 * Notifications (DESIGN.md §12) on both databases: the outbox is written with the journal row or
 * not at all; who is told what; the inbox API; webhooks signed per Standard Webhooks and checked
 * with the `standardwebhooks` library as a receiver would, against a real HTTP receiver; backoff,
 * dead-lettering and retry; SMS only to consenting parties; no personal data in any body sent.
 */
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { and, eq, sql } from 'drizzle-orm';
import { Webhook } from 'standardwebhooks';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { rowsOf } from '../../src/db/client.js';
import { caseEvents, deliveries, notifications, outbox } from '../../src/db/schema.js';
import { dispatch, type DispatchOptions } from '../../src/engine/notify/dispatcher.js';
import { notifyDeadlineWarning } from '../../src/engine/notify/notices.js';
import { threadSender } from '../../src/engine/notify/send.js';
import { daysAgo, expectProblem, refused } from '../helpers/api.js';
import { createWorld, type World } from '../helpers/world.js';
import { addDays, shanghaiDate } from '../../src/machines/calendar.js';

let w: World;
beforeAll(async () => {
  w = await createWorld();
}, 180_000);
afterAll(async () => {
  await receiver?.close();
  await w.close();
});

// ---------------------------------------------------------------------------------------------
// A real HTTP receiver on 127.0.0.1: records each request, answers with `answer()`.

interface Received {
  headers: IncomingHttpHeaders;
  body: string;
}
let receiver: { url: string; got: Received[]; answer: () => number; close(): Promise<void> } | undefined;

async function startReceiver(): Promise<NonNullable<typeof receiver>> {
  const got: Received[] = [];
  const r = { url: '', got, answer: () => 204, close: async () => {} };
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      got.push({ headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
      res.statusCode = r.answer();
      res.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  r.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  r.close = () => new Promise<void>((resolve) => server.close(() => resolve()));
  return r;
}

afterEach(async () => {
  // Each test's webhooks end with it: the next test's deliveries are its own.
  const list = await w.call(w.tokens.admin, 'GET', '/api/webhooks');
  for (const h of list.body.items) await w.call(w.tokens.admin, 'DELETE', `/api/webhooks/${h.id}`);
  await dispatch(w.database.db, { retryBaseMs: 1000 });
});

const PERSONAL = ['张三', '李四', '230102199001011234', '230103198505054321', '13812345678', '13987654321', '5678', '4321'];
const inbox = async (token: string, query = '') => w.call(token, 'GET', `/api/me/notifications${query}`);
const assigned = async () => {
  const c = await w.openCase();
  await w.send(c.id, w.tokens.court, { type: 'ACCEPT' }, { type: 'ASSIGN', deputyIds: [w.deputies.a] });
  return c;
};

describe('outbox: written with the journal row, or not at all', () => {
  const listen = () => w.call(w.tokens.admin, 'POST', '/api/webhooks', { url: 'http://127.0.0.1:9/none', events: ['*'] });

  it('writes no outbox row while no one listens', async () => {
    const c = await assigned();
    expect(await w.database.db.select().from(outbox).where(eq(outbox.entityId, c.id))).toEqual([]);
    // The inbox does not wait for listeners.
    expect((await inbox(w.tokens.deputyA)).body.items.some((n: any) => n.entity.id === c.id)).toBe(true);
  });

  it('gives every journal row exactly one outbox row while a webhook listens, and tells the deputy assigned', async () => {
    await listen();
    const c = await assigned();
    const journal = await w.database.db.select().from(caseEvents).where(eq(caseEvents.caseId, c.id));
    const rows = await w.database.db.select().from(outbox).where(eq(outbox.entityId, c.id));
    expect(rows.map((r) => [r.seq, r.eventType, r.toState]).sort()).toEqual(journal.map((j) => [j.seq, j.type, j.toState]).sort());
    const got = await inbox(w.tokens.deputyA, '?unread=true');
    expect(got.status).toBe(200);
    const notice = got.body.items.find((n: any) => n.entity.id === c.id);
    expect(notice).toMatchObject({ kind: 'case_assigned', entity: { type: 'case', id: c.id, number: c.number }, readAt: null });
    expect(notice.title).toContain(c.number);
    // Deputy B was not assigned; the court clerk who assigned is not told of their own act.
    expect((await inbox(w.tokens.deputyB)).body.items.some((n: any) => n.entity.id === c.id)).toBe(false);
    expect((await inbox(w.tokens.court)).body.items.some((n: any) => n.entity.id === c.id)).toBe(false);
  });

  it('tells no user who was switched off', async () => {
    const mk = await w.call(w.tokens.admin, 'POST', '/api/users', { name: '孙明', role: 'deputy', deputyId: w.deputies.other });
    expect(mk.status).toBe(201);
    expect((await w.call(w.tokens.admin, 'PATCH', `/api/users/${mk.body.id}`, { active: false })).status).toBe(200);
    const c = await w.openCase();
    await w.send(c.id, w.tokens.court, { type: 'ACCEPT' }, { type: 'ASSIGN', deputyIds: [w.deputies.other] });
    const told = await w.database.db.select().from(notifications).where(eq(notifications.entityId, c.id));
    expect(told.map((n) => n.userId)).not.toContain(mk.body.id);
    // Switched on again, the same user is told of the next assignment.
    expect((await w.call(w.tokens.admin, 'PATCH', `/api/users/${mk.body.id}`, { active: true })).status).toBe(200);
    const d = await w.openCase();
    await w.send(d.id, w.tokens.court, { type: 'ACCEPT' }, { type: 'ASSIGN', deputyIds: [w.deputies.other] });
    const toldAgain = await w.database.db.select().from(notifications).where(eq(notifications.entityId, d.id));
    expect(toldAgain.map((n) => n.userId)).toContain(mk.body.id);
  });

  it('writes nothing for a refused event', async () => {
    await listen();
    const c = await w.openCase();
    // ASSIGN before ACCEPT: refused (409), no outbox row, no notice.
    await refused(w, 409, () => w.call(w.tokens.court, 'POST', `/api/cases/${c.id}/events`, { type: 'ASSIGN', deputyIds: [w.deputies.a] }), { caseId: c.id });
  });

  it('writes nothing when the transaction rolls back', async () => {
    await listen();
    const c = await w.openCase();
    await w.send(c.id, w.tokens.court, { type: 'ACCEPT' });
    // A row already at seq 3 makes the journal insert of the ASSIGN fail after the case row was swapped.
    await w.database.db.insert(caseEvents).values({
      caseId: c.id, seq: 3, type: 'BLOCKER', payload: {}, fromState: 'x', toState: 'x', actorId: 't', actorRole: 'court', actorName: 't', occurredAt: new Date().toISOString(),
    });
    const r = await w.call(w.tokens.court, 'POST', `/api/cases/${c.id}/events`, { type: 'ASSIGN', deputyIds: [w.deputies.a] });
    expect(r.status).toBeGreaterThanOrEqual(500);
    expect((await w.database.db.select().from(outbox).where(eq(outbox.entityId, c.id))).map((o) => o.seq).sort()).toEqual([1, 2]);
    expect(await w.database.db.select().from(notifications).where(eq(notifications.entityId, c.id))).toEqual([]);
  });

  it('tells the assigned deputies of a session scheduled, and the court authors and deputies when a deadline fires', async () => {
    // Assigned 20 days ago under a 7-day clock: the mediation has expired, the sweep fires it.
    const c = await w.openCase({ track: 'post_filing', procedure: 'simple', occurredAt: daysAgo(21) });
    await w.send(c.id, w.tokens.court, { type: 'ACCEPT', occurredAt: daysAgo(20) }, { type: 'ASSIGN', deputyIds: [w.deputies.a, w.deputies.b], occurredAt: daysAgo(20) });
    await w.send(c.id, w.tokens.deputyA, { type: 'SCHEDULE_SESSION', at: new Date(Date.now() + 86_400_000).toISOString(), location: '呼兰站调解室' });
    const forB = (await inbox(w.tokens.deputyB)).body.items.filter((n: any) => n.entity.id === c.id).map((n: any) => n.kind);
    expect(forB.sort()).toEqual(['case_assigned', 'session_scheduled']);
    // Deputy A scheduled it: told of the assignment only.
    expect((await inbox(w.tokens.deputyA)).body.items.filter((n: any) => n.entity.id === c.id).map((n: any) => n.kind)).toEqual(['case_assigned']);
    // The mediation clock runs out: the sweeper fires MEDIATION_EXPIRED as system.
    const swept = await w.call(w.tokens.admin, 'POST', '/api/admin/sweep');
    expect(swept.body.fired.filter((f: any) => f.entityId === c.id), JSON.stringify(swept.body)).toHaveLength(1);
    for (const token of [w.tokens.court, w.tokens.deputyA, w.tokens.deputyB]) {
      const kinds = (await inbox(token)).body.items.filter((n: any) => n.entity.id === c.id).map((n: any) => n.kind);
      expect(kinds).toContain('deadline_fired');
    }
    expect((await inbox(w.tokens.deputyOther)).body.items.some((n: any) => n.entity.id === c.id)).toBe(false);
  });

  it('tells the court users and deputies of a case once when a deadline comes within the warning days', async () => {
    const c = await assigned();
    // Two Shanghai calendar days ahead, whatever the hour (a UTC date is a day behind from 16:00 UTC).
    const due = addDays(shanghaiDate(new Date().toISOString()), 2);
    await w.send(c.id, w.tokens.court, { type: 'REACH_AGREEMENT', terms: '分期还款', amount: '1000.00', dueDate: due });
    const warned = async (token: string) =>
      (await inbox(token)).body.items.filter((n: any) => n.entity.id === c.id && n.kind === 'deadline_warning');
    // Not yet within 1 day: nothing.
    await dispatch(w.database.db, { retryBaseMs: 1000, warningDays: 1 });
    expect(await warned(w.tokens.deputyA)).toHaveLength(0);
    await dispatch(w.database.db, { retryBaseMs: 1000, warningDays: 5 });
    await dispatch(w.database.db, { retryBaseMs: 1000, warningDays: 5 });
    for (const token of [w.tokens.deputyA, w.tokens.court]) {
      const got = await warned(token);
      expect(got).toHaveLength(1);
      expect(got[0].body).toContain('履行期限');
    }
    expect(await warned(w.tokens.deputyB)).toHaveLength(0);
  });

  it('tells them the moment the view says warning: a last day exactly the warning days away', async () => {
    const c = await assigned();
    const due = addDays(shanghaiDate(new Date().toISOString()), 5);
    const view = await w.send(c.id, w.tokens.court, { type: 'REACH_AGREEMENT', terms: '一次付清', amount: '1000.00', dueDate: due });
    expect(view.deadlines.find((d: any) => d.kind === 'performance')).toMatchObject({ daysLeft: 5, level: 'warning' });
    const warned = async () => (await inbox(w.tokens.deputyA)).body.items.filter((n: any) => n.entity.id === c.id && n.kind === 'deadline_warning');
    await dispatch(w.database.db, { retryBaseMs: 1000, warningDays: 4 });
    expect(await warned()).toHaveLength(0);
    await dispatch(w.database.db, { retryBaseMs: 1000, warningDays: 5 });
    expect(await warned()).toHaveLength(1);
  });

  it('keeps a warning once per user, deadline and due time; an event notice is left out of that unique index', async () => {
    const c = await assigned();
    const warning = { entityType: 'case', entityId: c.id, entityNumber: c.number, kind: 'performance', dueAt: '2099-12-31T15:59:59.999Z', deputyIds: [w.deputies.a] };
    const first = await notifyDeadlineWarning(w.database.db, warning);
    expect(first).toBeGreaterThanOrEqual(2);
    expect(await notifyDeadlineWarning(w.database.db, warning)).toBe(0);
    // An event's notice (ref seq:N) is once by its journal row (notices.ts): the unique index need not hold it (0028).
    const [index] = rowsOf<{ def: string }>(await w.database.db.execute(sql`select indexdef as def from pg_indexes where indexname = 'notifications_once_uq'`));
    expect(index.def).toContain(`WHERE (ref !~~ 'seq:%'::text)`);
  });

  it('tells court users of a report requested and committee users of a report submitted', async () => {
    const s = await w.call(w.tokens.committee, 'POST', '/api/supervisions', { kind: 'case_inquiry', subject: '专题问案', respondent: '呼兰区人民法院' });
    expect(s.status).toBe(201);
    const ev = (token: string, body: unknown) => w.call(token, 'POST', `/api/supervisions/${s.body.id}/events`, body);
    expect((await ev(w.tokens.committee, { type: 'REQUEST_REPORT', dueDate: '2049-12-31' })).status).toBe(200);
    expect((await inbox(w.tokens.court)).body.items.find((n: any) => n.entity.id === s.body.id)).toMatchObject({ kind: 'report_requested', entity: { type: 'supervision', number: s.body.number } });
    expect((await ev(w.tokens.court, { type: 'SUBMIT_REPORT', content: '报告正文' })).status).toBe(200);
    expect((await inbox(w.tokens.committee)).body.items.find((n: any) => n.entity.id === s.body.id)).toMatchObject({ kind: 'report_submitted' });
  });
});

describe('inbox API', () => {
  it('lists newest first with the unread count, pages, and marks read by ids or all', async () => {
    for (let i = 0; i < 3; i++) await assigned();
    const all = await inbox(w.tokens.deputyA, '?limit=2');
    expect(all.body).toMatchObject({ items: expect.any(Array), unread: expect.any(Number) });
    expect(all.body.items).toHaveLength(2);
    expect(all.body.nextCursor).toEqual(expect.any(String));
    const next = await inbox(w.tokens.deputyA, `?limit=2&cursor=${all.body.nextCursor}`);
    expect(next.status).toBe(200);
    expect(next.body.items[0].id).not.toBe(all.body.items[1].id);
    expect(Date.parse(next.body.items[0].at)).toBeLessThanOrEqual(Date.parse(all.body.items[1].at));
    const before = all.body.unread;
    const one = await w.call(w.tokens.deputyA, 'POST', '/api/me/notifications/read', { ids: [all.body.items[0].id] });
    expect(one.body).toEqual({ read: 1, unread: before - 1 });
    const unread = await inbox(w.tokens.deputyA, '?unread=true&limit=200');
    expect(unread.body.items.every((n: any) => n.readAt === null)).toBe(true);
    expect(unread.body.items.some((n: any) => n.id === all.body.items[0].id)).toBe(false);
    // Another user's notice is not theirs to mark.
    expect((await w.call(w.tokens.deputyB, 'POST', '/api/me/notifications/read', { ids: [unread.body.items[0].id] })).body.read).toBe(0);
    const everything = await w.call(w.tokens.deputyA, 'POST', '/api/me/notifications/read', { all: true });
    expect(everything.body).toEqual({ read: before - 1, unread: 0 });
    expect((await inbox(w.tokens.deputyA, '?unread=true')).body).toMatchObject({ items: [], unread: 0 });
  });

  it('refuses bad input and unknown callers with problem+json', async () => {
    expectProblem(await inbox(''), 401);
    expectProblem(await inbox(w.tokens.deputyA, '?cursor=nonsense'), 400);
    expectProblem(await inbox(w.tokens.deputyA, '?limit=0'), 400);
    expectProblem(await w.call(w.tokens.deputyA, 'POST', '/api/me/notifications/read', {}), 400);
    expectProblem(await w.call(w.tokens.deputyA, 'POST', '/api/me/notifications/read', { ids: ['x'] }), 400);
    expectProblem(await w.call(w.tokens.deputyA, 'POST', '/api/me/notifications/read', { all: false }), 400);
  });
});

describe('webhooks', () => {
  it('registers (admin only), validates URL and events, lists and deletes', async () => {
    const made = await w.call(w.tokens.admin, 'POST', '/api/webhooks', { url: 'https://example.org/hook', events: ['ASSIGN', 'CREATE'] });
    expect(made.status).toBe(201);
    expect(made.body).toMatchObject({ id: expect.any(String), url: 'https://example.org/hook', events: ['ASSIGN', 'CREATE'] });
    expect(made.body.secret).toMatch(/^whsec_[A-Za-z0-9+/]+=*$/);
    const list = await w.call(w.tokens.admin, 'GET', '/api/webhooks');
    expect(list.body.items.map((h: any) => h.id)).toContain(made.body.id);
    expect(JSON.stringify(list.body)).not.toContain(made.body.secret);
    // Where the answer's Location points: the webhook as the list shows it, without its secret.
    expect(made.headers.get('location')).toBe(`/api/webhooks/${made.body.id}`);
    const one = await w.call(w.tokens.admin, 'GET', made.headers.get('location')!);
    expect(one.status).toBe(200);
    expect(one.body).toEqual(list.body.items.find((h: any) => h.id === made.body.id));
    expectProblem(await w.call(w.tokens.court, 'GET', `/api/webhooks/${made.body.id}`), 403);
    for (const [body, field] of [
      [{ url: 'ftp://example.org/x', events: ['*'] }, 'url'],
      [{ url: 'javascript:alert(1)', events: ['*'] }, 'url'],
      [{ url: 'not a url', events: ['*'] }, 'url'],
      [{ url: 'https://example.org/x', events: [] }, 'events'],
      [{ url: 'https://example.org/x', events: ['NO_SUCH_EVENT'] }, 'events.0'],
    ] as const) {
      const r = await w.call(w.tokens.admin, 'POST', '/api/webhooks', body);
      expect(expectProblem(r, 400).errors.map((e: any) => e.field)).toContain(field);
    }
    expectProblem(await w.call(w.tokens.court, 'POST', '/api/webhooks', { url: 'https://example.org/x', events: ['*'] }), 403);
    expectProblem(await w.call(w.tokens.court, 'GET', '/api/webhooks'), 403);
    expectProblem(await w.call(null, 'GET', '/api/webhooks'), 401);
    expectProblem(await w.call(w.tokens.court, 'DELETE', `/api/webhooks/${made.body.id}`), 403);
    expect((await w.call(w.tokens.admin, 'DELETE', `/api/webhooks/${made.body.id}`)).status).toBe(204);
    expectProblem(await w.call(w.tokens.admin, 'DELETE', `/api/webhooks/${made.body.id}`), 404);
    expectProblem(await w.call(w.tokens.admin, 'GET', `/api/webhooks/${made.body.id}`), 404);
    expectProblem(await w.call(w.tokens.admin, 'GET', '/api/webhooks/not-a-uuid'), 404);
    expectProblem(await w.call(w.tokens.admin, 'GET', `/api/webhooks/not-a-uuid/deliveries`), 404);
  });

  it('delivers signed bodies a receiver verifies with the standardwebhooks library, with no personal data', async () => {
    receiver ??= await startReceiver();
    receiver.got.length = 0;
    receiver.answer = () => 204;
    const hook = await w.call(w.tokens.admin, 'POST', '/api/webhooks', { url: `${receiver.url}/in`, events: ['*'] });
    const c = await assigned();
    const r = await dispatch(w.database.db, { retryBaseMs: 1000 });
    expect(r.delivered).toBeGreaterThanOrEqual(3);
    const mine = receiver.got.filter((g) => g.body.includes(c.id));
    expect(mine.map((g) => JSON.parse(g.body).type)).toEqual(expect.arrayContaining(['CREATE', 'ACCEPT', 'ASSIGN']));
    const verifier = new Webhook(hook.body.secret);
    for (const g of mine) {
      const payload = verifier.verify(g.body, g.headers as Record<string, string>) as any;
      expect(payload).toEqual({
        type: expect.any(String),
        timestamp: expect.any(String),
        data: { entity: { type: 'case', id: c.id, number: c.number }, event: { seq: expect.any(Number), type: payload.type, occurredAt: expect.any(String) }, state: expect.any(String) },
      });
      for (const p of PERSONAL) expect(g.body).not.toContain(p);
      // The same id on every try of a message: receivers drop duplicates by it.
      const [row] = await w.database.db.select().from(outbox).where(and(eq(outbox.entityId, c.id), eq(outbox.seq, payload.data.event.seq)));
      expect(g.headers['webhook-id']).toBe(row.id);
    }
    // A tampered body or another secret does not verify.
    expect(() => verifier.verify(mine[0].body.replace(c.number, 'X'), mine[0].headers as Record<string, string>)).toThrow();
    expect(() => new Webhook(`whsec_${Buffer.from('another secret!!').toString('base64')}`).verify(mine[0].body, mine[0].headers as Record<string, string>)).toThrow();
    const seen = await w.call(w.tokens.admin, 'GET', `/api/webhooks/${hook.body.id}/deliveries`);
    expect(seen.body.items.find((d: any) => d.entity.id === c.id && d.event.type === 'ASSIGN')).toMatchObject({ status: 'delivered', attempts: 1, attemptLog: [{ status: 204 }] });
  });

  it('sends from a worker thread as the API does: signed, verified by the library, recorded', async () => {
    receiver ??= await startReceiver();
    receiver.got.length = 0;
    receiver.answer = () => 204;
    const hook = await w.call(w.tokens.admin, 'POST', '/api/webhooks', { url: `${receiver.url}/in`, events: ['ASSIGN'] });
    const c = await assigned();
    const r = await dispatch(w.database.db, { retryBaseMs: 1000, sender: threadSender });
    expect(r.delivered).toBe(1);
    const [g] = receiver.got.filter((x) => x.body.includes(c.id));
    expect((new Webhook(hook.body.secret).verify(g.body, g.headers as Record<string, string>) as any).type).toBe('ASSIGN');
    const seen = await w.call(w.tokens.admin, 'GET', `/api/webhooks/${hook.body.id}/deliveries`);
    expect(seen.body.items.find((d: any) => d.entity.id === c.id)).toMatchObject({ status: 'delivered', attempts: 1, attemptLog: [{ status: 204 }] });
  });

  it('only sends the event types asked for', async () => {
    receiver ??= await startReceiver();
    receiver.got.length = 0;
    await w.call(w.tokens.admin, 'POST', '/api/webhooks', { url: `${receiver.url}/in`, events: ['ASSIGN'] });
    const c = await assigned();
    await dispatch(w.database.db, { retryBaseMs: 1000 });
    expect(receiver.got.filter((g) => g.body.includes(c.id)).map((g) => JSON.parse(g.body).type)).toEqual(['ASSIGN']);
  });

  /** A webhook on ACCEPT whose receiver answers 503, a case accepted, and its one delivery row as it stands. */
  async function failingDelivery() {
    receiver ??= await startReceiver();
    receiver.got.length = 0;
    receiver.answer = () => 503;
    const hook = await w.call(w.tokens.admin, 'POST', '/api/webhooks', { url: `${receiver.url}/in`, events: ['ACCEPT'] });
    const c = await w.openCase();
    await w.send(c.id, w.tokens.court, { type: 'ACCEPT' });
    const row = async () => (await w.database.db.select().from(deliveries).where(eq(deliveries.webhookId, hook.body.id)))[0];
    return { hook, c, row, receiver };
  }

  it('backs off exponentially on failure, dead after the deadline, and a dead one can be retried', async () => {
    const { hook, c, row, receiver: rx } = await failingDelivery();
    let t = Date.now();
    const opts = (): DispatchOptions => ({ retryBaseMs: 100, now: () => new Date(t) });
    await dispatch(w.database.db, opts());
    let d = await row();
    expect(d).toMatchObject({ status: 'pending', attempts: 1, lastStatus: 503 });
    expect(Date.parse(d.nextAttemptAt) - t).toBe(100);
    // Not due yet: nothing sent.
    await dispatch(w.database.db, opts());
    expect((await row()).attempts).toBe(1);
    t += 100;
    await dispatch(w.database.db, opts());
    d = await row();
    expect(d.attempts).toBe(2);
    expect(Date.parse(d.nextAttemptAt) - t).toBe(200);
    t += 200;
    await dispatch(w.database.db, opts());
    d = await row();
    expect(Date.parse(d.nextAttemptAt) - t).toBe(400);
    // A day later the next failure is the last: dead.
    t = Date.parse(d.expiresAt) + 1;
    const r = await dispatch(w.database.db, opts());
    expect(r.dead).toBe(1);
    d = await row();
    expect(d).toMatchObject({ status: 'dead', attempts: 4 });
    expect(rx.got.filter((g) => g.body.includes(c.id))).toHaveLength(4);
    expect(new Set(rx.got.filter((g) => g.body.includes(c.id)).map((g) => g.headers['webhook-id'])).size).toBe(1);
    const listed = await w.call(w.tokens.admin, 'GET', `/api/webhooks/${hook.body.id}/deliveries?status=dead`);
    expect(listed.body.items[0]).toMatchObject({ id: d.id, status: 'dead', attempts: 4 });
    expect(listed.body.items[0].attemptLog).toHaveLength(4);
    // Retry: only a dead one (a delivered or pending one is 409), then it goes through.
    expectProblem(await w.call(w.tokens.court, 'POST', `/api/webhooks/${hook.body.id}/deliveries/${d.id}/retry`), 403);
    const again = await w.call(w.tokens.admin, 'POST', `/api/webhooks/${hook.body.id}/deliveries/${d.id}/retry`);
    expect(again.body).toMatchObject({ status: 'pending' });
    expectProblem(await w.call(w.tokens.admin, 'POST', `/api/webhooks/${hook.body.id}/deliveries/${d.id}/retry`), 409, 'urn:jiefen:problem:conflict');
    rx.answer = () => 200;
    await dispatch(w.database.db, { retryBaseMs: 100 });
    expect(await row()).toMatchObject({ status: 'delivered', attempts: 5, lastStatus: 200 });
  });

  it('retries for up to 24 hours, then marks the delivery dead: no try is put off past its 24 hours', async () => {
    const { c, row, receiver: rx } = await failingDelivery();
    // WEBHOOK_RETRY_BASE_MS as by default; the clock jumps to each try as it falls due.
    let t = Date.now();
    const opts = (): DispatchOptions => ({ retryBaseMs: 5000, now: () => new Date(t) });
    await dispatch(w.database.db, opts());
    let d = await row();
    const expiresAt = Date.parse(d.expiresAt);
    const tries = [t];
    while (d.status === 'pending') {
      // DESIGN §12: retried for up to 24 hours — the next try is never set after them.
      expect(Date.parse(d.nextAttemptAt)).toBeLessThanOrEqual(expiresAt);
      t = Date.parse(d.nextAttemptAt);
      await dispatch(w.database.db, opts());
      tries.push(t);
      d = await row();
      expect(tries.length).toBeLessThan(100);
    }
    // Then dead, at the 24 hours, not at the first hourly try after them.
    expect(d).toMatchObject({ status: 'dead', attempts: tries.length });
    expect(tries.at(-1)).toBe(expiresAt);
    expect(rx.got.filter((g) => g.body.includes(c.id))).toHaveLength(tries.length);
  });

  it('pages the deliveries newest first, each once, to a last page whose nextCursor is null', async () => {
    receiver ??= await startReceiver();
    receiver.answer = () => 204;
    const hook = await w.call(w.tokens.admin, 'POST', '/api/webhooks', { url: `${receiver.url}/in`, events: ['*'] });
    for (let i = 0; i < 7; i++) await w.openCase();
    await dispatch(w.database.db, { retryBaseMs: 1000 });
    // As if two processes had recorded them in one millisecond: pairs of ties, microseconds apart.
    await w.database.db.execute(sql`
      update deliveries d set created_at = date_trunc('milliseconds', d.created_at) + n.k / 2 * interval '1 microsecond'
      from (select id, row_number() over (order by id) as k from deliveries where webhook_id = ${hook.body.id}) n
      where d.id = n.id`);
    const newestFirst = rowsOf<{ id: string }>(
      await w.database.db.execute(sql`select id from deliveries where webhook_id = ${hook.body.id} order by created_at desc, id desc`),
    ).map((r) => r.id);
    expect(newestFirst).toHaveLength(7);
    const url = `/api/webhooks/${hook.body.id}/deliveries`;
    const pages: any[] = [];
    for (let cursor = ''; ; ) {
      const page = await w.call(w.tokens.admin, 'GET', `${url}?status=delivered&limit=3${cursor}`);
      expect(page.status).toBe(200);
      pages.push(page.body);
      if (page.body.nextCursor === null) break;
      cursor = `&cursor=${page.body.nextCursor}`;
    }
    expect(pages.map((p) => p.items.length)).toEqual([3, 3, 1]);
    expect(pages.flatMap((p) => p.items.map((d: any) => d.id))).toEqual(newestFirst);
    // Without a limit, one page of 50.
    expect((await w.call(w.tokens.admin, 'GET', url)).body).toMatchObject({ items: { length: 7 }, nextCursor: null });
    expect((await w.call(w.tokens.admin, 'GET', `${url}?status=pending`)).body).toEqual({ items: [], nextCursor: null });
    for (const [query, field] of [
      ['limit=abc', 'limit'],
      ['limit=0', 'limit'],
      ['limit=201', 'limit'],
      ['cursor=zzz', 'cursor'],
      [`cursor=${Buffer.from(JSON.stringify(['2026-02-30T00:00:00.000000Z', newestFirst[0]])).toString('base64url')}`, 'cursor'],
      ['status=lost', 'status'],
    ]) {
      expect(expectProblem(await w.call(w.tokens.admin, 'GET', `${url}?${query}`), 400).errors.map((e: any) => e.field)).toEqual([field]);
    }
  });
});

describe('SMS', () => {
  it('texts only parties who consented, through a signed gateway, with the case number and the action only', async () => {
    receiver ??= await startReceiver();
    receiver.got.length = 0;
    receiver.answer = () => 200;
    const gatewaySecret = `whsec_${Buffer.from('sms-gateway-secret-32-bytes-long').toString('base64')}`;
    const sms: DispatchOptions = { retryBaseMs: 1000, smsGatewayUrl: `${receiver.url}/sms`, smsGatewaySecret: gatewaySecret };
    const c = await w.openCase({
      parties: [
        { role: 'applicant', name: '张三', idNumber: '230102199001011234', phone: '13812345678', smsConsent: true },
        { role: 'respondent', name: '李四', idNumber: '230103198505054321', phone: '13987654321' },
      ],
    });
    await w.send(c.id, w.tokens.court, { type: 'ACCEPT' }, { type: 'ASSIGN', deputyIds: [w.deputies.a] }, { type: 'SCHEDULE_SESSION', at: '2049-03-01T01:30:00.000Z', location: '调解室' });
    await dispatch(w.database.db, sms);
    const texts = receiver.got.filter((g) => g.headers['content-type']?.includes('json') && JSON.parse(g.body).to);
    expect(texts).toHaveLength(1);
    const body = new Webhook(gatewaySecret).verify(texts[0].body, texts[0].headers as Record<string, string>) as any;
    expect(body).toEqual({ to: '13812345678', template: expect.stringContaining('{caseNumber}'), params: { caseNumber: c.number, time: '2049-03-01 09:30' } });
    for (const p of PERSONAL.filter((x) => x !== '13812345678' && x !== '5678')) expect(texts[0].body).not.toContain(p);
    // The phone is not kept anywhere but parties.
    const stored = JSON.stringify(rowsOf(await w.database.db.execute(sql`select * from deliveries d join outbox o on o.id = d.message_id where o.entity_id = ${c.id}`)));
    expect(stored).not.toContain('13812345678');

    // Consent withdrawn (court), then the case closes: no text; the other party never consented.
    expectProblem(await w.call(w.tokens.deputyA, 'PATCH', `/api/cases/${c.id}/parties/0`, { smsConsent: false }), 403);
    expectProblem(await w.call(w.tokens.stationSC, 'PATCH', `/api/cases/${c.id}/parties/0`, { smsConsent: false }), 403);
    expectProblem(await w.call(w.tokens.court, 'PATCH', `/api/cases/${c.id}/parties/7`, { smsConsent: false }), 404);
    expectProblem(await w.call(w.tokens.court, 'PATCH', `/api/cases/${c.id}/parties/0`, { smsConsent: 'no' }), 400);
    const off = await w.call(w.tokens.court, 'PATCH', `/api/cases/${c.id}/parties/0`, { smsConsent: false });
    expect(off.body).toEqual({ index: 0, role: 'applicant', smsConsent: false });
    receiver.got.length = 0;
    await w.send(c.id, w.tokens.court, { type: 'WITHDRAW', note: '当事人撤回' });
    await dispatch(w.database.db, sms);
    expect(receiver.got.filter((g) => g.body.includes('"to"'))).toHaveLength(0);

    // Station staff of the case's station may turn it on again; a closed case texts the consenting party.
    const d = await w.openCase({ parties: [{ role: 'applicant', name: '张三', phone: '13812345678' }] });
    expect((await w.call(w.tokens.stationHL, 'PATCH', `/api/cases/${d.id}/parties/0`, { smsConsent: true })).status).toBe(200);
    await w.send(d.id, w.tokens.court, { type: 'WITHDRAW', note: '撤回' });
    await dispatch(w.database.db, sms);
    const closed = receiver.got.filter((g) => g.body.includes('"to"'));
    expect(closed).toHaveLength(1);
    expect(JSON.parse(closed[0].body)).toMatchObject({ to: '13812345678', params: { caseNumber: d.number } });
  });

  it('records texts as skipped when no gateway is set', async () => {
    const c = await w.openCase({ parties: [{ role: 'applicant', name: '张三', phone: '13812345678', smsConsent: true }] });
    await w.send(c.id, w.tokens.court, { type: 'WITHDRAW', note: '撤回' });
    await dispatch(w.database.db, { retryBaseMs: 1000 });
    const rows = rowsOf<{ status: string; channel: string }>(
      await w.database.db.execute(sql`select d.status, d.channel from deliveries d join outbox o on o.id = d.message_id where o.entity_id = ${c.id}`),
    );
    expect(rows).toEqual([{ status: 'skipped', channel: 'sms' }]);
  });
});
