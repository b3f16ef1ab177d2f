/**
 * Notifications (DESIGN.md §12): the caller's inbox, webhook endpoints (admin), a party's SMS
 * consent. Thin: the verbs in src/engine/notify decide who and what; words come from labels.
 */
import { Hono } from 'hono';
import { consentSchema, setSmsConsent } from '../../engine/notify/consent.js';
import { inboxQuerySchema, listNotices, markRead, markReadSchema } from '../../engine/notify/inbox.js';
import { presentNotice } from '../../edge/notices.js';
import { createWebhookOnce, deleteWebhook, deliveriesQuerySchema, getWebhook, listDeliveries, listWebhooks, retryDelivery, webhookSchema } from '../../engine/notify/webhooks.js';
import { idempotencyOf, jsonBody, onceAnswer, requestMeta, type AppDeps, type Env } from '../context.js';
import { REPLAY_NOTES } from '../../messages.js';
import { doc } from '../openapi.js';

export function notificationRoutes(deps: AppDeps) {
  const app = new Hono<Env>();
  const now = () => deps.now?.() ?? new Date();

  app.get('/me/notifications', doc({ summary: '我的消息（unread=true 只看未读）', tags: ['消息'], query: inboxQuerySchema, ok: { status: 200, description: '{items, nextCursor, unread}' }, errors: [400] }), async (c) => {
    const page = await listNotices(deps.db, c.get('actor'), c.req.query());
    return c.json({ items: page.items.map(presentNotice), nextCursor: page.nextCursor, unread: page.unread });
  });
  app.post('/me/notifications/read', doc({ summary: '标记消息已读（{ids} 或 {all: true}）', tags: ['消息'], body: markReadSchema, ok: { status: 200, description: '已读' }, errors: [400, 422] }), async (c) => {
    const body = await jsonBody(c);
    return onceAnswer(c, await markRead(deps.db, c.get('actor'), body, now(), idempotencyOf(c, body)));
  });

  app.post('/webhooks', doc({ summary: '新增 Webhook（{url, events}），返回 {id, secret}', tags: ['消息'], body: webhookSchema, ok: { status: 201, description: '{id, secret}' }, errors: [400, 403, 422] }), async (c) => {
    const body = await jsonBody(c);
    const result = await createWebhookOnce(deps.db, c.get('actor'), body, requestMeta(c), idempotencyOf(c, body));
    const id = (result.body as { id: string }).id;
    c.header('Location', `/api/webhooks/${id}`);
    c.header('Cache-Control', 'no-store');
    return onceAnswer(c, result, () => REPLAY_NOTES.secret(id));
  });
  app.get('/webhooks', doc({ summary: 'Webhook 列表', tags: ['消息'], ok: { status: 200, description: '{items, nextCursor}' }, errors: [403] }), async (c) => c.json(await listWebhooks(deps.db, c.get('actor'))));
  app.get('/webhooks/:id', doc({ summary: '一个 Webhook（不含密钥）', tags: ['消息'], params: { id: 'Webhook id' }, ok: { status: 200, description: 'Webhook' }, errors: [403, 404] }), async (c) => c.json(await getWebhook(deps.db, c.get('actor'), c.req.param('id'))));
  app.delete('/webhooks/:id', doc({ summary: '删除 Webhook', tags: ['消息'], params: { id: 'Webhook id' }, ok: { status: 204, description: '已删除', content: {} }, errors: [403, 404] }), async (c) => {
    await deleteWebhook(deps.db, c.get('actor'), c.req.param('id'), now(), requestMeta(c));
    return c.body(null, 204);
  });
  app.get('/webhooks/:id/deliveries', doc({ summary: 'Webhook 的推送记录（新的在前，status、cursor、limit）', tags: ['消息'], params: { id: 'Webhook id' }, query: deliveriesQuerySchema, ok: { status: 200, description: '{items, nextCursor}' }, errors: [400, 403, 404] }), async (c) => c.json(await listDeliveries(deps.db, c.get('actor'), c.req.param('id'), c.req.query())));
  app.post('/webhooks/:id/deliveries/:deliveryId/retry', doc({ summary: '重新推送已失效的推送', tags: ['消息'], params: { id: 'Webhook id', deliveryId: '推送 id' }, ok: { status: 200, description: '推送' }, errors: [403, 404, 409, 422] }), async (c) =>
    // The request takes no body: what identifies it under its key is its path alone.
    onceAnswer(c, await retryDelivery(deps.db, c.get('actor'), c.req.param('id'), c.req.param('deliveryId'), now(), idempotencyOf(c, {}))),
  );

  app.patch('/cases/:id/parties/:index', doc({ summary: '当事人是否同意接收短信（smsConsent）', tags: ['案件'], params: { id: '案件 id', index: '当事人序号（0 起）' }, body: consentSchema, ok: { status: 200, description: '当事人' }, errors: [400, 403, 404] }), async (c) =>
    c.json(await setSmsConsent(deps.db, c.get('actor'), c.req.param('id'), c.req.param('index'), await jsonBody(c), requestMeta(c))),
  );
  return app;
}
