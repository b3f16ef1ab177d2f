/**
 * Messages no event causes (DESIGN.md §12), on both databases: the SMS that an instalment is due
 * in 3 days, sent to consenting parties through a real HTTP gateway on 127.0.0.1 and verified with
 * the `standardwebhooks` library; the deputies' daily digest in the inbox, once per deputy and day
 * however many dispatchers run; and the audit row of an SMS consent change.
 */
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { eq, sql } from 'drizzle-orm';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rowsOf } from '../../src/db/client.js';
import { notifications } from '../../src/db/schema.js';
import { dispatch, type DispatchOptions } from '../../src/engine/notify/dispatcher.js';
import { digestDate } from '../../src/engine/notify/reminders.js';
import { addDays, shanghaiDate } from '../../src/machines/calendar.js';
import { expectProblem } from '../helpers/api.js';
import { createWorld, type World } from '../helpers/world.js';

let w: World;
let gateway: { url: string; got: { headers: IncomingHttpHeaders; body: string }[]; close(): Promise<void> };

beforeAll(async () => {
  w = await createWorld();
  const got: { headers: IncomingHttpHeaders; body: string }[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      got.push({ headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
      res.statusCode = 200;
      res.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  gateway = {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/sms`,
    got,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}, 180_000);
afterAll(async () => {
  await gateway?.close();
  await w?.close();
});

const today = () => shanghaiDate(new Date().toISOString());
const SECRET = `whsec_${Buffer.from('sms-gateway-secret-32-bytes-long').toString('base64')}`;
const PERSONAL = ['张三', '李四', '230102199001011234', '230103198505054321', '13987654321'];

/** A case at HL01, mediated by deputy A, agreement reached with `agreement`'s terms. */
async function agreed(agreement: Record<string, unknown>, parties?: unknown[]) {
  const c = await w.openCase(parties ? { parties } : {});
  await w.send(
    c.id,
    w.tokens.court,
    { type: 'ACCEPT' },
    { type: 'ASSIGN', deputyIds: [w.deputies.a] },
    { type: 'REACH_AGREEMENT', terms: '分期归还', amount: '3000.00', ...agreement },
  );
  return c;
}

describe('SMS: an instalment due in 3 days', () => {
  it('texts each consenting party once, signed, with the case number and the due date only', async () => {
    const consenting = [
      { role: 'applicant', name: '张三', idNumber: '230102199001011234', phone: '13812345678', smsConsent: true },
      { role: 'respondent', name: '李四', idNumber: '230103198505054321', phone: '13987654321' },
    ];
    const soon = addDays(today(), 2);
    const c = await agreed(
      { dueDate: addDays(today(), 40), installments: [{ dueDate: soon, amount: '1000.00' }, { dueDate: addDays(today(), 40), amount: '2000.00' }] },
      consenting,
    );
    // Not yet within 3 days: no text.
    const later = await agreed({ dueDate: addDays(today(), 10) }, consenting);
    // Within 3 days, but nobody consented: no text.
    await agreed({ dueDate: addDays(today(), 1) });

    const opts = (): DispatchOptions => ({ retryBaseMs: 1000, smsGatewayUrl: gateway.url, smsGatewaySecret: SECRET, reminders: { digestHour: 24 } }); // no digest here: the digest test counts its own
    gateway.got.length = 0;
    // Two dispatchers at once, as two API processes would run them.
    await Promise.all([dispatch(w.database.db, opts()), dispatch(w.database.db, opts())]);
    await dispatch(w.database.db, opts());
    expect(gateway.got).toHaveLength(1);
    const body = new Webhook(SECRET).verify(gateway.got[0].body, gateway.got[0].headers as Record<string, string>) as any;
    expect(body).toEqual({ to: '13812345678', template: expect.stringContaining('{dueDate}'), params: { caseNumber: c.number, dueDate: soon } });
    for (const p of PERSONAL) expect(gateway.got[0].body).not.toContain(p);
    expect(gateway.got[0].body).not.toContain(later.number);

    // The first instalment paid: the next is 40 days away, nothing more is sent.
    await w.send(c.id, w.tokens.court, { type: 'RECORD_PERFORMANCE', amount: '1000.00' });
    await dispatch(w.database.db, opts());
    expect(gateway.got).toHaveLength(1);
  });

  it('records the text as skipped when no gateway is set', async () => {
    const c = await agreed({ dueDate: addDays(today(), 3) }, [{ role: 'applicant', name: '张三', phone: '13812345678', smsConsent: true }]);
    await dispatch(w.database.db, { retryBaseMs: 1000, reminders: { digestHour: 24 } });
    const rows = rowsOf<{ status: string; template: string }>(
      await w.database.db.execute(sql`select d.status, d.template from deliveries d join parties p on p.id = d.party_id where p.case_id = ${c.id}`),
    );
    expect(rows).toEqual([{ status: 'skipped', template: 'instalment_due' }]);
  });
});

describe('the deputies\u2019 daily digest', () => {
  it('is written from 8:00 Asia/Shanghai', () => {
    expect(digestDate(new Date('2026-12-03T23:59:59Z'))).toBeNull(); // 07:59:59 on the 4th in Shanghai
    expect(digestDate(new Date('2026-12-04T00:00:00Z'))).toBe('2026-12-04');
    expect(digestDate(new Date('2026-12-04T15:59:59Z'))).toBe('2026-12-04');
    expect(digestDate(new Date('2026-12-04T16:00:00Z'))).toBeNull(); // midnight: the 5th, before 8:00
  });

  it('tells each deputy once a day of their sessions in the next 7 days and deadlines at warning level', async () => {
    const meeting = await w.openCase();
    const at = new Date(Date.parse(`${addDays(today(), 2)}T10:00:00+08:00`)).toISOString();
    await w.send(meeting.id, w.tokens.court, { type: 'ACCEPT' }, { type: 'ASSIGN', deputyIds: [w.deputies.a] }, { type: 'SCHEDULE_SESSION', at, location: '呼兰站调解室' });
    // Performance on a date the parties agreed (not moved by Art 85): 2 days left, warning level.
    const paying = await agreed({ dueDate: addDays(today(), 2) });
    const before = (await w.call(w.tokens.deputyA, 'GET', '/api/me/todo')).body.items;

    // Not before the hour; then two dispatchers at once, and again: one digest for the day.
    await dispatch(w.database.db, { retryBaseMs: 1000, reminders: { digestHour: 24 } });
    expect(await w.database.db.select().from(notifications).where(eq(notifications.kind, 'daily_digest'))).toEqual([]);
    await Promise.all([
      dispatch(w.database.db, { retryBaseMs: 1000, reminders: { digestHour: 0 } }),
      dispatch(w.database.db, { retryBaseMs: 1000, reminders: { digestHour: 0 } }),
    ]);
    await dispatch(w.database.db, { retryBaseMs: 1000, reminders: { digestHour: 0 } });

    const inbox = (await w.call(w.tokens.deputyA, 'GET', '/api/me/notifications')).body;
    const digests = inbox.items.filter((n: any) => n.kind === 'daily_digest');
    expect(digests).toHaveLength(1);
    const [d] = digests;
    expect(d.entity).toEqual({ type: 'digest', id: expect.any(String), number: today() });
    expect(d.body).toContain(meeting.number);
    expect(d.body).toContain('呼兰站调解室');
    expect(d.body).toContain(paying.number);
    expect(d.body).toMatch(/履行期限还剩2天|还剩2天/);
    const listed = before.filter((i: any) => i.kind === 'session' || i.kind === 'deadline');
    expect(d.title).toBe(`${today()} 每日提醒：${listed.length} 项待办`);
    for (const p of PERSONAL) expect(JSON.stringify(d)).not.toContain(p);

    // A deputy with nothing to do that day gets no digest.
    const other = (await w.call(w.tokens.deputyOther, 'GET', '/api/me/notifications')).body;
    expect(other.items.filter((n: any) => n.kind === 'daily_digest')).toEqual([]);
  });
});

describe('SMS consent change', () => {
  it('is audited with the case and the party\u2019s place, never the party\u2019s name or phone; a refusal writes no row', async () => {
    const c = await w.openCase();
    const auditRows = async () => (await w.call(w.tokens.admin, 'GET', '/api/audit?action=party.consent')).body.items.filter((r: any) => r.target?.id === c.id);
    expectProblem(await w.call(w.tokens.court, 'PATCH', `/api/cases/${c.id}/parties/7`, { smsConsent: true }), 404);
    expectProblem(await w.call(w.tokens.deputyA, 'PATCH', `/api/cases/${c.id}/parties/0`, { smsConsent: true }), 403);
    expect(await auditRows()).toEqual([]);
    expect((await w.call(w.tokens.court, 'PATCH', `/api/cases/${c.id}/parties/1`, { smsConsent: true })).status).toBe(200);
    const rows = await auditRows();
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ action: 'party.consent', actor: { role: 'court' }, target: { type: 'case', id: c.id }, detail: { party: 1, role: 'respondent', smsConsent: true } });
    for (const p of PERSONAL) expect(JSON.stringify(rows[0])).not.toContain(p);
  });
});
