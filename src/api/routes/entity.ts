/**
 * The four routes every machine-backed resource has (DESIGN.md §6): create, list, read, send an
 * event, read the history. Cases and supervision items are both served by this one factory.
 */
import { Hono, type Context } from 'hono';
import type { z } from 'zod';
import type { Actor } from '../../machines/roles.js';
import type { Db } from '../../db/client.js';
import { applyEvent, createEntity, type Rendered, type Written, type WriteResult } from '../../engine/apply.js';
import { fieldErrors, ValidationError } from '../../engine/errors.js';
import type { EntityStore } from '../../engine/stores.js';
import type { ViewOptions } from '../../engine/views.js';
import { engineCtx, etag, idempotencyOf, ifMatchOf, jsonBody, type AppDeps, type Env } from '../context.js';

export interface EntityResource {
  store: EntityStore;
  path: string;
  listQuery: z.ZodType;
  /** A write's answer, from what it wrote (no query). */
  render(actor: Actor, written: Written, opts: ViewOptions): Rendered;
  get(db: Db, actor: Actor, id: string, opts: ViewOptions): Promise<{ version: number }>;
  list(db: Db, actor: Actor, filters: any, opts: ViewOptions): Promise<unknown>;
  history(db: Db, actor: Actor, id: string, opts: ViewOptions): Promise<unknown>;
  /** An idempotent replay hands the stored response out again (cases: log it if it shows personal data). */
  replayed?(db: Db, actor: Actor, body: unknown, opts: ViewOptions): Promise<void>;
}

export function entityRoutes(deps: AppDeps, r: EntityResource) {
  const app = new Hono<Env>();
  const opts = (c: Context<Env>): ViewOptions => ({ now: deps.now?.() ?? new Date(), requestId: c.get('requestId'), warningDays: deps.warningDays });
  const render = (c: Context<Env>) => (w: Written) => r.render(c.get('actor'), w, opts(c));
  const send = async (c: Context<Env>, result: WriteResult) => {
    const body = result.body as { version?: number };
    if (typeof body?.version === 'number') c.header('ETag', etag(body.version));
    if (result.replayed) {
      c.header('Idempotent-Replayed', 'true');
      await r.replayed?.(deps.db, c.get('actor'), result.body, opts(c));
    }
    // The engine serialized the answer once already, to store it with the key: send those bytes.
    const status = result.created ? 201 : 200;
    if (result.json !== undefined) return c.body(result.json, status, { 'content-type': 'application/json' });
    return c.json(result.body as object, status);
  };

  app.post('/', async (c) => {
    const body = await jsonBody(c);
    const result = await createEntity(engineCtx(deps, c), r.store, c.get('actor'), body, {
      idempotency: idempotencyOf(c, body),
      render: render(c),
    });
    c.header('Location', `/api/${r.path}/${(result.body as { id: string }).id}`);
    return send(c, result);
  });

  app.get('/', async (c) => {
    const parsed = r.listQuery.safeParse(c.req.query());
    if (!parsed.success) throw new ValidationError('invalid.list_query', fieldErrors(parsed.error));
    return c.json((await r.list(deps.db, c.get('actor'), parsed.data, opts(c))) as object);
  });

  app.get('/:id', async (c) => {
    const view = await r.get(deps.db, c.get('actor'), c.req.param('id'), opts(c));
    c.header('ETag', etag(view.version));
    return c.json(view);
  });

  app.post('/:id/events', async (c) => {
    const body = await jsonBody(c);
    const result = await applyEvent(engineCtx(deps, c), r.store, c.get('actor'), c.req.param('id'), body, {
      idempotency: idempotencyOf(c, body),
      ifMatch: ifMatchOf(c),
      render: render(c),
    });
    return send(c, result);
  });

  app.get('/:id/history', async (c) => c.json((await r.history(deps.db, c.get('actor'), c.req.param('id'), opts(c))) as object));

  return app;
}
