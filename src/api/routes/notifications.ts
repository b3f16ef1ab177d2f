/**
 * Notifications (DESIGN.md §12): the caller's inbox, webhook endpoints (admin), a party's SMS
 * consent. Thin: the verbs in src/engine/notify decide who and what; words come from labels.
 */
import { Hono } from 'hono';
import { setSmsConsent } from '../../engine/notify/consent.js';
import { listNotices, markRead } from '../../engine/notify/inbox.js';
import { presentNotice } from '../../edge/notices.js';
import { createWebhook, deleteWebhook, listDeliveries, listWebhooks, retryDelivery } from '../../engine/notify/webhooks.js';
import { jsonBody, type AppDeps, type Env } from '../context.js';

export function notificationRoutes(deps: AppDeps) {
  const app = new Hono<Env>();
  const now = () => deps.now?.() ?? new Date();

  app.get('/me/notifications', async (c) => {
    const page = await listNotices(deps.db, c.get('actor'), c.req.query());
    return c.json({ items: page.items.map(presentNotice), nextCursor: page.nextCursor, unread: page.unread });
  });
  app.post('/me/notifications/read', async (c) => c.json(await markRead(deps.db, c.get('actor'), await jsonBody(c), now())));

  app.post('/webhooks', async (c) => {
    const created = await createWebhook(deps.db, c.get('actor'), await jsonBody(c));
    c.header('Location', `/api/webhooks/${created.id}`);
    c.header('Cache-Control', 'no-store');
    return c.json(created, 201);
  });
  app.get('/webhooks', async (c) => c.json(await listWebhooks(deps.db, c.get('actor'))));
  app.delete('/webhooks/:id', async (c) => {
    await deleteWebhook(deps.db, c.get('actor'), c.req.param('id'), now());
    return c.body(null, 204);
  });
  app.get('/webhooks/:id/deliveries', async (c) => c.json(await listDeliveries(deps.db, c.get('actor'), c.req.param('id'), c.req.query())));
  app.post('/webhooks/:id/deliveries/:deliveryId/retry', async (c) =>
    c.json(await retryDelivery(deps.db, c.get('actor'), c.req.param('id'), c.req.param('deliveryId'), now())),
  );

  app.patch('/cases/:id/parties/:index', async (c) =>
    c.json(await setSmsConsent(deps.db, c.get('actor'), c.req.param('id'), c.req.param('index'), await jsonBody(c))),
  );
  return app;
}
