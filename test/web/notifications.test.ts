/**
 * The inbox and the admin's webhook pages, without a browser, on both databases: the header's
 * unread count, each notice linking to its case, mark read; register (secret shown once),
 * refusals in Chinese, deliveries with their tries, and the retry of a dead one.
 */
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dispatch } from '../../src/engine/notify/dispatcher.js';
import { createWorld, type World } from '../helpers/world.js';
import { csrfOf, signedInPeople, textOf, WebClient } from '../helpers/web.js';

let w: World;
const people: Record<string, WebClient> = {};

beforeAll(async () => {
  w = await createWorld();
  const users: Record<string, Record<string, unknown>> = {
    deputy: { name: '王丽', role: 'deputy', deputyId: w.deputies.b },
    admin: { name: '管理员二', role: 'admin' },
  };
  Object.assign(people, (await signedInPeople(w, 'n', users)).people);
}, 180_000);
afterAll(() => w.close());

describe('inbox pages', () => {
  it('shows the unread count in the header, lists notices linking to their case, and marks them read', async () => {
    const deputy = people.deputy;
    expect((await deputy.get('/cases')).text).not.toContain('data-testid="unread"');
    const c = await w.openCase();
    await w.send(c.id, w.tokens.court, { type: 'ACCEPT' }, { type: 'ASSIGN', deputyIds: [w.deputies.b] });
    const home = await deputy.get('/cases');
    expect(home.text).toMatch(/data-testid="unread"[^>]*>1</);
    const inbox = await deputy.get('/notifications');
    expect(inbox.status).toBe(200);
    expect(inbox.text).toContain(`href="/cases/${c.id}"`);
    expect(textOf(inbox.text)).toContain(`您被指派参与调解案件 ${c.number}`);
    const done = await deputy.post('/notifications/read', { all: 'true' }, { csrf: csrfOf(inbox.text) });
    expect(done.status).toBe(303);
    const after = await deputy.get('/notifications');
    expect(after.text).not.toContain('data-testid="unread"');
    expect(textOf(after.text)).toContain('已读');
    // The case page the notice leads to opens for the deputy.
    expect((await deputy.get(`/cases/${c.id}`)).status).toBe(200);
  });
});

describe('webhook pages', () => {
  it('registers a URL, shows the secret once, refuses a bad URL in Chinese, lists deliveries and retries a dead one', async () => {
    const admin = people.admin;
    const list = await admin.get('/admin/webhooks');
    expect(list.status).toBe(200);
    const bad = await admin.post('/admin/webhooks', { url: 'ftp://example.org/x', events: 'ASSIGN' }, { from: '/admin/webhooks' });
    expect(bad.status).toBe(400);
    expect(textOf(bad.text)).toContain('http:// 或 https://');
    // 127.0.0.1:9 (discard) refuses connections: every try fails.
    const made = await admin.post('/admin/webhooks', { url: 'http://127.0.0.1:9/hook', events: 'ACCEPT' }, { from: '/admin/webhooks' });
    expect(made.status).toBe(201);
    const secret = /data-testid="webhook-secret">([^<]+)</.exec(made.text)?.[1];
    expect(secret).toMatch(/^whsec_/);
    const again = await admin.get('/admin/webhooks');
    expect(again.text).not.toContain(secret!);
    const id = /href="\/admin\/webhooks\/([0-9a-f-]{36})"/.exec(again.text)![1];

    const c = await w.openCase();
    await w.send(c.id, w.tokens.court, { type: 'ACCEPT' });
    await dispatch(w.database.db, { retryBaseMs: 10, timeoutMs: 2000 });
    await w.database.db.execute(sql`update deliveries set expires_at = now() - interval '1 second', next_attempt_at = now() - interval '1 second' where webhook_id = ${id}`);
    await dispatch(w.database.db, { retryBaseMs: 10, timeoutMs: 2000 });
    const page = await admin.get(`/admin/webhooks/${id}`);
    expect(page.text).toContain('data-status="dead"');
    expect(textOf(page.text)).toContain('已失效');
    const action = /action="(\/admin\/webhooks\/[^"]+\/retry)"/.exec(page.text)![1];
    const retried = await admin.post(action, {}, { csrf: csrfOf(page.text) });
    expect(retried.status).toBe(303);
    expect((await admin.get(`/admin/webhooks/${id}`)).text).toContain('data-status="pending"');
    // Deleting it cancels what is pending.
    const del = await admin.post(`/admin/webhooks/${id}/delete`, {}, { from: '/admin/webhooks' });
    expect(del.status).toBe(303);
    expect((await admin.get('/admin/webhooks')).text).not.toContain('127.0.0.1:9');
    // Not for other roles.
    expect((await people.deputy.get('/admin/webhooks')).status).toBe(403);
  });

  it('pages the deliveries 50 at a time with a link to the next page, each delivery once', async () => {
    const hook = await w.call(w.tokens.admin, 'POST', '/api/webhooks', { url: 'http://127.0.0.1:9/all', events: ['*'] });
    for (let i = 0; i < 51; i++) await w.openCase();
    await dispatch(w.database.db, { retryBaseMs: 10, timeoutMs: 2000 });
    const shown: string[] = [];
    let next: string | undefined = `/admin/webhooks/${hook.body.id}`;
    const sizes: number[] = [];
    while (next) {
      const page = await people.admin.get(next);
      expect(page.status).toBe(200);
      const ids = [...page.text.matchAll(/data-delivery="([0-9a-f-]{36})"/g)].map((m) => m[1]);
      sizes.push(ids.length);
      shown.push(...ids);
      next = /<nav class="pager"><a href="([^"]+)"/.exec(page.text)?.[1].replace(/&amp;/g, '&');
    }
    expect(sizes).toEqual([50, 1]);
    expect(new Set(shown).size).toBe(51);
    expect((await w.call(w.tokens.admin, 'GET', `/api/webhooks/${hook.body.id}/deliveries?limit=200`)).body.items.map((d: any) => d.id)).toEqual(shown);
    // An unreadable ?cursor= gives the first page with a note: test/web/paging.test.ts.
  });
});
