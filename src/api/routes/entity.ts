/**
 * The four routes every machine-backed resource has (DESIGN.md §6): create, list, read, send an
 * event, read the history. Cases and supervision items are both served by this one factory.
 */
import { Hono, type Context } from 'hono';
import type { AnyStateMachine } from 'xstate';
import { z } from 'zod';
import { stateFilterValues } from '../../machines/spec.js';
import type { Actor } from '../../machines/roles.js';
import { userEventTypes } from '../../machines/spec.js';
import type { Db } from '../../db/client.js';
import { applyEvent, createEntity, type Rendered, type Written, type WriteResult } from '../../engine/apply.js';
import { fieldErrors, ValidationError } from '../../engine/errors.js';
import type { EntityStore } from '../../engine/stores.js';
import type { ViewOptions } from '../../engine/views.js';
import { listFile } from '../../edge/exports.js';
import { doc } from '../openapi.js';
import type { Table } from '../../edge/tabular.js';
import { engineCtx, etag, idempotencyOf, ifMatchOf, jsonBody, type AppDeps, type Env } from '../context.js';

/**
 * A list's `dueWithinDays` filter (DESIGN §11): a whole number of days, 0–3650. Left empty
 * (`?dueWithinDays=`) it is refused, not read as 0 — `z.coerce` makes '' the number 0, which
 * would list only what is due today or overdue, without a word.
 */
export const dueWithinDaysFilter = z.string().trim().min(1).pipe(z.coerce.number<string>().int().min(0).max(3650));

/** A list's `state` filter: a state of `machine` or a parent of some (DESIGN §6: `state` as the API shows it). */
export function stateFilter(machine: AnyStateMachine) {
  const values = stateFilterValues(machine);
  const known = new Set(values);
  return z
    .string()
    .trim()
    .refine((v) => known.has(v), { message: `未知的状态，须为以下之一：${values.join('、')}` });
}

export interface EntityResource {
  store: EntityStore;
  path: string;
  /** In words, for the API description: 案件, 监督事项. */
  noun: string;
  listQuery: z.ZodType;
  /** A write's answer, from what it wrote (no query). */
  render(actor: Actor, written: Written, opts: ViewOptions): Rendered;
  get(db: Db, actor: Actor, id: string, opts: ViewOptions): Promise<{ version: number }>;
  list(db: Db, actor: Actor, filters: any, opts: ViewOptions): Promise<unknown>;
  history(db: Db, actor: Actor, id: string, opts: ViewOptions): Promise<unknown>;
  /** An idempotent replay: the stored response as answered now (cases: parties read again, the read logged). */
  replayed?(db: Db, actor: Actor, body: unknown, opts: ViewOptions): Promise<unknown>;
  /** The list as a file (`?format=csv|xlsx`, src/api/exports.ts). */
  table?(db: Db, actor: Actor, filters: any, opts: ViewOptions): Table<any>;
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
      if (r.replayed) return c.json((await r.replayed(deps.db, c.get('actor'), result.body, opts(c))) as object, result.created ? 201 : 200);
    }
    // The engine serialized the answer once already, to store it with the key: send those bytes.
    const status = result.created ? 201 : 200;
    if (result.json !== undefined) return c.body(result.json, status, { 'content-type': 'application/json' });
    return c.json(result.body as object, status);
  };

  const tags = [r.noun];
  // `{type, ...payload}`: one object per event type a user may send, each its payload as the
  // engine parses it (the sweeper's own events are refused to users, so not offered).
  const eventBody = z.union(
    userEventTypes(r.store.spec).map((type) => r.store.spec.request.events[type].safeExtend({ type: z.literal(type) })) as unknown as [z.ZodType, z.ZodType, ...z.ZodType[]],
  );
  const id = { id: `${r.noun} id` };

  app.post('/', doc({ summary: `新建${r.noun}`, tags, body: r.store.createSchema, ok: { status: 201, description: r.noun }, errors: [400, 403, 409, 422] }), async (c) => {
    const body = await jsonBody(c);
    const result = await createEntity(engineCtx(deps, c), r.store, c.get('actor'), body, {
      idempotency: idempotencyOf(c, body),
      render: render(c),
    });
    c.header('Location', `/api/${r.path}/${(result.body as { id: string }).id}`);
    return send(c, result);
  });

  app.get('/', doc({ summary: `${r.noun}列表（新的在前，游标分页）`, tags, query: r.listQuery, files: true, ok: { status: 200, description: '{items, nextCursor}' }, errors: [400, 403] }), async (c) => {
    const parsed = r.listQuery.safeParse(c.req.query());
    if (!parsed.success) throw new ValidationError('invalid.list_query', fieldErrors(parsed.error));
    const file = r.table && (await listFile(c, r.path, () => r.table!(deps.db, c.get('actor'), parsed.data, opts(c)), opts(c).now));
    if (file) return file;
    return c.json((await r.list(deps.db, c.get('actor'), parsed.data, opts(c))) as object);
  });

  app.get('/:id', doc({ summary: `${r.noun}详情（含本人现在可办理的事件 nextEvents）`, tags, params: id, ok: { status: 200, description: r.noun }, errors: [403, 404] }), async (c) => {
    const view = await r.get(deps.db, c.get('actor'), c.req.param('id'), opts(c));
    c.header('ETag', etag(view.version));
    return c.json(view);
  });

  app.post('/:id/events', doc({ summary: `办理${r.noun}事件`, tags, params: id, body: eventBody, ok: { status: 200, description: r.noun }, errors: [400, 403, 404, 409, 412, 422] }), async (c) => {
    const body = await jsonBody(c);
    const result = await applyEvent(engineCtx(deps, c), r.store, c.get('actor'), c.req.param('id'), body, {
      idempotency: idempotencyOf(c, body),
      ifMatch: ifMatchOf(c),
      render: render(c),
    });
    return send(c, result);
  });

  app.get('/:id/history', doc({ summary: `${r.noun}的流转记录`, tags, params: id, ok: { status: 200, description: '{items}' }, errors: [403, 404] }), async (c) => c.json((await r.history(deps.db, c.get('actor'), c.req.param('id'), opts(c))) as object));

  return app;
}
