/**
 * A webhook's first try is sent before its delivery row exists (issue 12): the dispatcher leases
 * the outbox row, sends, then writes the delivery with its outcome. These check what that must keep
 * on both databases: a dispatcher that dies between the claim and the record (simulated: `fanOut`
 * claims, nothing sends or records) has its notice sent again — with the same `webhook-id` — once
 * the lease has run out, and not before; a row no webhook takes is marked at once, with no lease;
 * an endpoint deleted while its first try is under way ends cancelled with that try logged. A first
 * try that delivers writes no `delivery_attempts` row (the delivery row is that try, `first_try_ms`
 * its duration), and the deliveries' list shows it as before, first, before any try's row.
 */
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { eq, sql } from 'drizzle-orm';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { rowsOf } from '../../src/db/client.js';
import { deliveries, outbox } from '../../src/db/schema.js';
import { dispatch, fanOut } from '../../src/engine/notify/dispatcher.js';
import { createWorld, type World } from '../helpers/world.js';

let w: World;
let server: Server;
let url: string;
const got: { headers: IncomingHttpHeaders; body: string }[] = [];
/** While set, the receiver holds its answer until it is called (only the first request's, with `holdFirst`). */
let hold: Promise<void> | undefined;
let holdFirst = false;
let held = 0;
let received: (() => void) | undefined;
/** The receiver's answer, and how long it takes to give it. */
let answer = 204;
let slowMs = 0;

beforeAll(async () => {
  w = await createWorld();
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', async () => {
      got.push({ headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
      received?.();
      if (hold && !(holdFirst && held++ > 0)) await hold;
      if (slowMs) await new Promise((resolve) => setTimeout(resolve, slowMs));
      res.statusCode = answer;
      res.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/in`;
}, 180_000);
afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
  await w.close();
});
afterEach(async () => {
  hold = undefined;
  received = undefined;
  const list = await w.call(w.tokens.admin, 'GET', '/api/webhooks');
  for (const h of list.body.items) await w.call(w.tokens.admin, 'DELETE', `/api/webhooks/${h.id}`);
  // Whatever a test left leased is taken over (as after its lease) and ended.
  await dispatch(w.database.db, { retryBaseMs: 1000, now: () => new Date(Date.now() + 120_000) });
  got.length = 0;
  answer = 204;
  slowMs = 0;
  holdFirst = false;
  held = 0;
});

/** A webhook for ACCEPT on the receiver, and a case accepted: one notice in the outbox for it. */
async function acceptedCaseWithHook() {
  const hook = await w.call(w.tokens.admin, 'POST', '/api/webhooks', { url, events: ['ACCEPT'] });
  const c = await w.openCase();
  await w.send(c.id, w.tokens.court, { type: 'ACCEPT' });
  return { hook, c };
}

/**
 * Holds the receiver's answers — only the first request's with `firstOnly` — until `release`;
 * `nextArrival()` settles when the next request has come in.
 */
function holdAnswers(firstOnly = false) {
  let release!: () => void;
  hold = new Promise<void>((resolve) => (release = resolve));
  holdFirst = firstOnly;
  return { release, nextArrival: () => new Promise<void>((resolve) => (received = resolve)) };
}

const q = async <T>(query: ReturnType<typeof sql>) => rowsOf<T>(await w.database.db.execute(query));
const outboxOf = (caseId: string) =>
  q<{ id: string; event_type: string; fanned_out_at: string | null; lease_until: string | null }>(
    sql`select id, event_type, fanned_out_at, lease_until from outbox where entity_id = ${caseId} order by seq`,
  );
const triesOf = (deliveryId: string) =>
  q<{ at: string; status: number | null; error: string | null; duration_ms: number }>(
    sql`select at, status, error, duration_ms from delivery_attempts where delivery_id = ${deliveryId} order by id`,
  );
const deliveriesOf = (caseId: string) =>
  q<{ id: string; status: string; attempts: number; message_id: string }>(
    sql`select d.id, d.status, d.attempts, d.message_id from deliveries d join outbox o on o.id = d.message_id where o.entity_id = ${caseId}`,
  );

describe('first try before the delivery row', () => {
  it('leases a claimed row and writes no delivery; killed before recording, it is sent again with the same id after the lease, not before', async () => {
    await w.call(w.tokens.admin, 'POST', '/api/webhooks', { url, events: ['ACCEPT'] });
    const c = await w.openCase();
    await w.send(c.id, w.tokens.court, { type: 'ACCEPT' });
    const t = Date.now();
    // The claim of a dispatcher that dies before it sends or records: the lease is all it leaves.
    const claim = await fanOut(w.database.db, { retryBaseMs: 1000 }, new Date(t), new Date(t + 60_000));
    const [row] = await outboxOf(c.id);
    expect(claim.claimed.map((m) => [m.id, m.message_id, m.webhook_id !== null])).toEqual([[null, row.id, true]]);
    expect(row.fanned_out_at).toBeNull();
    expect(Date.parse(row.lease_until!)).toBe(t + 60_000);
    expect(await deliveriesOf(c.id)).toEqual([]);

    // Another dispatcher while the lease holds: nothing of it is sent or claimed.
    const before = await dispatch(w.database.db, { retryBaseMs: 1000, now: () => new Date(t + 59_000) });
    expect(before.fannedOut).toBe(0);
    expect(got.filter((g) => g.body.includes(c.id))).toHaveLength(0);
    expect(await deliveriesOf(c.id)).toEqual([]);

    // After it: sent again, with the outbox row's id, and recorded once.
    const after = await dispatch(w.database.db, { retryBaseMs: 1000, now: () => new Date(t + 60_000) });
    expect(after).toMatchObject({ fannedOut: 1, delivered: 1 });
    const sent = got.filter((g) => g.body.includes(c.id));
    expect(sent.map((g) => g.headers['webhook-id'])).toEqual([row.id]);
    expect(await deliveriesOf(c.id)).toMatchObject([{ status: 'delivered', attempts: 1, message_id: row.id }]);
    expect((await outboxOf(c.id))[0].fanned_out_at).not.toBeNull();
    // And never again.
    await dispatch(w.database.db, { retryBaseMs: 1000, now: () => new Date(t + 200_000) });
    expect(got.filter((g) => g.body.includes(c.id))).toHaveLength(1);
  });

  it('marks at once, with no lease and no delivery, a row no live webhook takes', async () => {
    const { hook, c } = await acceptedCaseWithHook();
    // Written while the endpoint listened; it is gone before the claim.
    expect((await w.call(w.tokens.admin, 'DELETE', `/api/webhooks/${hook.body.id}`)).status).toBe(204);
    const t = Date.now();
    const claim = await fanOut(w.database.db, { retryBaseMs: 1000 }, new Date(t), new Date(t + 60_000));
    expect(claim.fannedOut).toBeGreaterThanOrEqual(1);
    expect(claim.claimed.filter((m) => m.entity_id === c.id)).toEqual([]);
    const [row] = await outboxOf(c.id);
    expect(Date.parse(row.fanned_out_at!)).toBe(t);
    expect(row.lease_until).toBeNull();
    expect(await deliveriesOf(c.id)).toEqual([]);
    expect(got).toHaveLength(0);
  });

  it('ends cancelled, with its try logged, a first try whose endpoint is deleted while it is under way', async () => {
    const { hook, c } = await acceptedCaseWithHook();
    const answers = holdAnswers();
    const arrived = answers.nextArrival();
    const pass = dispatch(w.database.db, { retryBaseMs: 1000 });
    await arrived;
    expect((await w.call(w.tokens.admin, 'DELETE', `/api/webhooks/${hook.body.id}`)).status).toBe(204);
    answers.release();
    await pass;
    const [d] = await w.database.db.select().from(deliveries).where(eq(deliveries.webhookId, hook.body.id));
    expect(d).toMatchObject({ status: 'cancelled', attempts: 1, lastError: '接收地址已删除' });
    const tries = await q<{ status: number }>(sql`select status from delivery_attempts where delivery_id = ${d.id}`);
    expect(tries).toEqual([{ status: 204 }]);
    const [o] = await w.database.db.select().from(outbox).where(eq(outbox.id, d.messageId));
    expect(o.fannedOutAt).not.toBeNull();
  });

  it("keeps one delivery, with both tries counted and logged, when a stalled dispatcher's lease ran out and another sent too", async () => {
    const { hook, c } = await acceptedCaseWithHook();
    const t = Date.now();
    const answers = holdAnswers();
    let arrived = answers.nextArrival();
    // The first is stuck in its send past its lease; a second, on a clock past it, claims and sends too.
    const stalled = dispatch(w.database.db, { retryBaseMs: 1000, now: () => new Date(t) });
    await arrived;
    arrived = answers.nextArrival();
    const late = dispatch(w.database.db, { retryBaseMs: 1000, now: () => new Date(t + 60_000) });
    await arrived;
    answers.release();
    const [a, b] = await Promise.all([stalled, late]);
    expect(a.delivered + b.delivered).toBe(2);
    const sent = got.filter((g) => g.body.includes(c.id));
    expect(sent).toHaveLength(2);
    expect(new Set(sent.map((g) => g.headers['webhook-id'])).size).toBe(1);
    const listed = await w.call(w.tokens.admin, 'GET', `/api/webhooks/${hook.body.id}/deliveries`);
    expect(listed.body.items).toMatchObject([{ status: 'delivered', attempts: 2, attemptLog: [{ status: 204 }, { status: 204 }] }]);
  });

  it('writes a first try that fails as pending with its backoff, its try logged, and retries it from there', async () => {
    const hook = await w.call(w.tokens.admin, 'POST', '/api/webhooks', { url: url.replace(/:\d+\//, ':1/'), events: ['ACCEPT'] });
    const c = await w.openCase();
    await w.send(c.id, w.tokens.court, { type: 'ACCEPT' });
    const t = Date.now();
    const r = await dispatch(w.database.db, { retryBaseMs: 500, now: () => new Date(t) });
    expect(r).toMatchObject({ fannedOut: 1, failed: 1, delivered: 0 });
    const [d] = await w.database.db.select().from(deliveries).where(eq(deliveries.webhookId, hook.body.id));
    expect(d).toMatchObject({ status: 'pending', attempts: 1, lastStatus: null });
    expect(Date.parse(d.nextAttemptAt) - t).toBe(500);
    expect(Date.parse(d.expiresAt) - t).toBe(24 * 3600_000);
    const listed = await w.call(w.tokens.admin, 'GET', `/api/webhooks/${hook.body.id}/deliveries`);
    expect(listed.body.items).toMatchObject([{ id: d.id, status: 'pending', attempts: 1, attemptLog: [{ status: null }] }]);
    await dispatch(w.database.db, { retryBaseMs: 500, now: () => new Date(t + 500) });
    const [again] = await w.database.db.select().from(deliveries).where(eq(deliveries.webhookId, hook.body.id));
    expect(again).toMatchObject({ id: d.id, status: 'pending', attempts: 2 });
    expect(Date.parse(again.nextAttemptAt) - (t + 500)).toBe(1000);
  });

  it('writes no attempt row for a first try that delivers: the delivery row is that try, listed with its status and duration', async () => {
    const { hook, c } = await acceptedCaseWithHook();
    answer = 202;
    slowMs = 40;
    const t = Date.now();
    expect(await dispatch(w.database.db, { retryBaseMs: 1000, now: () => new Date(t) })).toMatchObject({ fannedOut: 1, delivered: 1 });
    const [d] = await w.database.db.select().from(deliveries).where(eq(deliveries.webhookId, hook.body.id));
    expect(d).toMatchObject({ status: 'delivered', attempts: 1, lastStatus: 202, lastError: null });
    expect(Date.parse(d.deliveredAt!)).toBe(t);
    expect(d.firstTryMs).toBeGreaterThanOrEqual(35);
    expect(await triesOf(d.id)).toEqual([]);
    const listed = await w.call(w.tokens.admin, 'GET', `/api/webhooks/${hook.body.id}/deliveries`);
    expect(listed.body.items).toHaveLength(1);
    expect(listed.body.items[0]).toMatchObject({ id: d.id, status: 'delivered', attempts: 1, lastStatus: 202 });
    expect(listed.body.items[0].attemptLog).toEqual([{ at: new Date(t).toISOString(), status: 202, error: null, durationMs: d.firstTryMs }]);
    // Nothing of the new column in the API.
    expect(listed.body.items[0]).not.toHaveProperty('firstTryMs');
  });

  it('logs a first try that fails and the retry that delivers, each as its row, none compacted', async () => {
    const { hook, c } = await acceptedCaseWithHook();
    answer = 503;
    const t = Date.now();
    expect(await dispatch(w.database.db, { retryBaseMs: 500, now: () => new Date(t) })).toMatchObject({ fannedOut: 1, failed: 1 });
    answer = 204;
    expect(await dispatch(w.database.db, { retryBaseMs: 500, now: () => new Date(t + 500) })).toMatchObject({ delivered: 1 });
    const [d] = await w.database.db.select().from(deliveries).where(eq(deliveries.webhookId, hook.body.id));
    expect(d).toMatchObject({ status: 'delivered', attempts: 2, lastStatus: 204, firstTryMs: null });
    const rows = await triesOf(d.id);
    expect(rows.map((r) => [Date.parse(r.at), r.status, r.error])).toEqual([
      [t, 503, 'HTTP 503'],
      [t + 500, 204, null],
    ]);
    const listed = await w.call(w.tokens.admin, 'GET', `/api/webhooks/${hook.body.id}/deliveries`);
    expect(listed.body.items[0].attemptLog).toEqual([
      { at: new Date(t).toISOString(), status: 503, error: 'HTTP 503', durationMs: rows[0].duration_ms },
      { at: new Date(t + 500).toISOString(), status: 204, error: null, durationMs: rows[1].duration_ms },
    ]);
  });

  it("keeps both tries when a stalled dispatcher's repeat comes after a first try that delivered and wrote no row", async () => {
    const { hook, c } = await acceptedCaseWithHook();
    const t = Date.now();
    const answers = holdAnswers(true);
    const arrived = answers.nextArrival();
    // The first is stuck in its send past its lease; a second, on a clock past it, sends and records first.
    const stalled = dispatch(w.database.db, { retryBaseMs: 1000, now: () => new Date(t) });
    await arrived;
    const late = await dispatch(w.database.db, { retryBaseMs: 1000, now: () => new Date(t + 60_000) });
    expect(late).toMatchObject({ fannedOut: 1, delivered: 1 });
    const [first] = await w.database.db.select().from(deliveries).where(eq(deliveries.webhookId, hook.body.id));
    expect(first).toMatchObject({ status: 'delivered', attempts: 1 });
    expect(first.firstTryMs).not.toBeNull();
    expect(await triesOf(first.id)).toEqual([]);
    // The stalled one's try ends and is recorded on the same delivery, as a row of its own.
    answers.release();
    expect(await stalled).toMatchObject({ delivered: 1 });
    expect(got.filter((g) => g.body.includes(c.id))).toHaveLength(2);
    const [d] = await w.database.db.select().from(deliveries).where(eq(deliveries.webhookId, hook.body.id));
    expect(d).toMatchObject({ id: first.id, status: 'delivered', attempts: 2, lastStatus: 204, firstTryMs: first.firstTryMs });
    expect(Date.parse(d.deliveredAt!)).toBe(t + 60_000);
    const rows = await triesOf(d.id);
    expect(rows.map((r) => [Date.parse(r.at), r.status, r.error])).toEqual([[t, 204, null]]);
    // Listed as before: the try recorded first (the compacted one), then the repeat's.
    const listed = await w.call(w.tokens.admin, 'GET', `/api/webhooks/${hook.body.id}/deliveries`);
    expect(listed.body.items).toHaveLength(1);
    expect(listed.body.items[0]).toMatchObject({ status: 'delivered', attempts: 2 });
    expect(listed.body.items[0].attemptLog).toEqual([
      { at: new Date(t + 60_000).toISOString(), status: 204, error: null, durationMs: first.firstTryMs },
      { at: new Date(t).toISOString(), status: 204, error: null, durationMs: rows[0].duration_ms },
    ]);
  });

  // The later claim's failed first try leaves the delivery pending, or dead when it came past the
  // expiry (deadAfterMs 0: as if the stalled try had taken its 24 hours): either way the stalled try
  // that delivered it sets it delivered, and nothing is sent again.
  it.each([
    { left: 'pending', deadAfterMs: undefined, counted: { failed: 1 } },
    { left: 'dead', deadAfterMs: 0, counted: { dead: 1 } },
  ])("sets delivered, and never sends again, a delivery left $left by a failed first try recorded before a stalled dispatcher's repeat that delivered it", async ({ left, deadAfterMs, counted }) => {
    const { hook, c } = await acceptedCaseWithHook();
    const t = Date.now();
    const at = (ms: number) => ({ retryBaseMs: 1000, deadAfterMs, now: () => new Date(t + ms) });
    const answers = holdAnswers(true);
    const arrived = answers.nextArrival();
    // The first is stuck in its send past its lease; a second, on a clock past it, sends, fails and records first.
    const stalled = dispatch(w.database.db, at(0));
    await arrived;
    answer = 503;
    expect(await dispatch(w.database.db, at(60_000))).toMatchObject({ fannedOut: 1, ...counted });
    const [first] = await w.database.db.select().from(deliveries).where(eq(deliveries.webhookId, hook.body.id));
    expect(first).toMatchObject({ status: left, attempts: 1, lastStatus: 503, firstTryMs: null });
    // The stalled one's try is answered 204: the receiver has the message.
    answer = 204;
    answers.release();
    expect(await stalled).toMatchObject({ delivered: 1 });
    const [d] = await w.database.db.select().from(deliveries).where(eq(deliveries.webhookId, hook.body.id));
    expect(d).toMatchObject({ id: first.id, status: 'delivered', attempts: 2, lastStatus: 204, lastError: null, firstTryMs: null });
    expect(Date.parse(d.deliveredAt!)).toBe(t);
    // Both tries logged as rows, in the order recorded.
    const rows = await triesOf(d.id);
    expect(rows.map((r) => [Date.parse(r.at), r.status])).toEqual([
      [t + 60_000, 503],
      [t, 204],
    ]);
    const listed = await w.call(w.tokens.admin, 'GET', `/api/webhooks/${hook.body.id}/deliveries`);
    expect(listed.body.items).toMatchObject([{ id: d.id, status: 'delivered', attempts: 2, nextAttemptAt: null }]);
    expect(listed.body.items[0].attemptLog.map((a: { status: number }) => a.status)).toEqual([503, 204]);
    // Past the failure's backoff: not POSTed again.
    expect(await dispatch(w.database.db, at(200_000))).toMatchObject({ delivered: 0, failed: 0, dead: 0 });
    expect(got.filter((g) => g.body.includes(c.id))).toHaveLength(2);
  });

  // The later claim's failed try leaves the delivery pending, or, past its expiry, dead: either way the
  // stalled try that delivered it sets it delivered, and nothing is sent again.
  it.each([
    { left: 'pending', deadAfterMs: undefined, counted: { failed: 1 } },
    { left: 'dead', deadAfterMs: 30_000, counted: { dead: 1 } },
  ])("sets delivered, and never sends again, a delivery left $left by a later claim's failed try while its stalled retry delivered it", async ({ left, deadAfterMs, counted }) => {
    const { hook, c } = await acceptedCaseWithHook();
    const t = Date.now();
    const at = (ms: number) => ({ retryBaseMs: 500, deadAfterMs, now: () => new Date(t + ms) });
    answer = 503;
    expect(await dispatch(w.database.db, at(0))).toMatchObject({ fannedOut: 1, failed: 1 });
    // The retry is stuck in its send past its claim; another claims the delivery again, tries and fails.
    const answers = holdAnswers(true);
    const arrived = answers.nextArrival();
    const stalled = dispatch(w.database.db, at(500));
    await arrived;
    expect(await dispatch(w.database.db, at(60_500))).toMatchObject(counted);
    const [before] = await w.database.db.select().from(deliveries).where(eq(deliveries.webhookId, hook.body.id));
    expect(before).toMatchObject({ status: left, attempts: 3, lastStatus: 503 });
    answer = 204;
    answers.release();
    expect(await stalled).toMatchObject({ delivered: 1 });
    const [d] = await w.database.db.select().from(deliveries).where(eq(deliveries.webhookId, hook.body.id));
    expect(d).toMatchObject({ id: before.id, status: 'delivered', attempts: 3, lastStatus: 204, lastError: null });
    expect(Date.parse(d.deliveredAt!)).toBe(t + 500);
    expect((await triesOf(d.id)).map((r) => [Date.parse(r.at), r.status])).toEqual([
      [t, 503],
      [t + 60_500, 503],
      [t + 500, 204],
    ]);
    expect(await dispatch(w.database.db, at(200_000))).toMatchObject({ delivered: 0, failed: 0, dead: 0 });
    expect(got.filter((g) => g.body.includes(c.id))).toHaveLength(3);
  });
});
