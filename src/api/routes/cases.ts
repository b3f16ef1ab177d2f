import { Hono, type Context } from 'hono';
import { z } from 'zod';
import { OUTCOMES } from '../../machines/case.js';
import { applyEvent, createEntity, fieldErrors, type WriteResult } from '../../engine/apply.js';
import { ValidationError } from '../../engine/errors.js';
import { caseStore } from '../../engine/stores.js';
import { caseHistory, caseView, getCase, listCases } from '../../engine/views.js';
import { engineCtx, etag, idempotencyOf, ifMatchOf, jsonBody, type AppDeps, type Env } from '../context.js';
import type { cases } from '../../db/schema.js';

const listQuery = z.object({
  state: z.string().trim().min(1).max(50).optional(),
  stationCode: z.string().trim().min(1).max(32).optional(),
  overdue: z.enum(['true', 'false']).transform((v) => v === 'true').optional(),
  outcome: z.enum(OUTCOMES).optional(),
  q: z.string().trim().min(1).max(100).optional(),
  cursor: z.string().min(1).max(500).optional(),
  limit: z.coerce.number().int().min(1).max(200).optional(),
});

function send(c: Context<Env>, result: WriteResult) {
  const body = result.body as { version?: number };
  if (typeof body?.version === 'number') c.header('ETag', etag(body.version));
  if (result.replayed) c.header('Idempotent-Replayed', 'true');
  return c.json(result.body as object, result.status as 200 | 201);
}

export function caseRoutes(deps: AppDeps) {
  const app = new Hono<Env>();
  const now = () => deps.now?.() ?? new Date();
  const render = (c: Context<Env>) => (tx: any, w: { row: unknown }) =>
    caseView(tx, c.get('actor'), w.row as typeof cases.$inferSelect, { now: now(), requestId: c.get('requestId') });

  app.post('/', async (c) => {
    const body = await jsonBody(c);
    const result = await createEntity(engineCtx(deps, c), caseStore, c.get('actor'), body, {
      idempotency: idempotencyOf(c, body),
      render: render(c),
    });
    if (!result.replayed) c.header('Location', `/api/cases/${(result.body as { id: string }).id}`);
    return send(c, result);
  });

  app.get('/', async (c) => {
    const parsed = listQuery.safeParse(c.req.query());
    if (!parsed.success) throw new ValidationError('查询参数有误', fieldErrors(parsed.error));
    return c.json(await listCases(deps.db, c.get('actor'), parsed.data, { requestId: c.get('requestId') }));
  });

  app.get('/:id', async (c) => {
    const view = await getCase(deps.db, c.get('actor'), c.req.param('id'), { now: now(), requestId: c.get('requestId') });
    c.header('ETag', etag(view.version));
    return c.json(view);
  });

  app.post('/:id/events', async (c) => {
    const body = await jsonBody(c);
    const result = await applyEvent(engineCtx(deps, c), caseStore, c.get('actor'), c.req.param('id'), body, {
      idempotency: idempotencyOf(c, body),
      ifMatch: ifMatchOf(c),
      render: render(c),
    });
    return send(c, result);
  });

  app.get('/:id/history', async (c) =>
    c.json(await caseHistory(deps.db, c.get('actor'), c.req.param('id'), { requestId: c.get('requestId') })),
  );

  return app;
}
