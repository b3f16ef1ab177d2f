/**
 * 扫码联 over JSON (DESIGN.md §13): the public door (no sign-in) and the stations' queue.
 * Thin: validate, call the engine verb, render.
 */
import { Hono } from 'hono';
import { publicStatusBody } from '../../edge/citizen.js';
import { clientAddress } from '../../edge/context.js';
import { fieldErrors, ValidationError } from '../../engine/errors.js';
import {
  acceptSubmission,
  declineSubmission,
  getSubmission,
  listSubmissions,
  lookupStatus,
  PUBLIC_LIMITS,
  submissionListQuery,
  submit,
} from '../../engine/submissions.js';
import { renderCase } from '../../engine/views.js';
import { engineCtx, idempotencyOf, jsonBody, type AppDeps, type Env } from '../context.js';

/** `/api/public/*`: mounted before the bearer-token check, so no sign-in is asked for. */
export function publicApiRoutes(deps: AppDeps) {
  const app = new Hono<Env>();
  app.use('*', async (c, next) => {
    await next();
    // What a citizen typed and what is answered about it is nobody else's to keep.
    c.header('Cache-Control', 'no-store');
  });
  app.post('/submissions', async (c) => {
    const body = await jsonBody(c, PUBLIC_LIMITS.maxBodyBytes);
    const { receipt } = await submit({ db: deps.db, now: deps.now, client: clientAddress(deps, c) }, body);
    return c.json({ receipt }, 201);
  });
  app.get('/status', async (c) => {
    const status = await lookupStatus(
      { db: deps.db, now: deps.now, client: clientAddress(deps, c) },
      { receipt: c.req.query('receipt') ?? '', phone: c.req.query('phone') ?? '' },
    );
    return c.json(publicStatusBody(status));
  });
  return app;
}

/** `/api/submissions`: the queue, for court staff and the station's own staff. */
export function submissionRoutes(deps: AppDeps) {
  const app = new Hono<Env>();
  const now = () => deps.now?.() ?? new Date();
  app.use('*', async (c, next) => {
    await next();
    c.header('Cache-Control', 'no-store');
  });
  app.get('/', async (c) => {
    const parsed = submissionListQuery.safeParse(c.req.query());
    if (!parsed.success) throw new ValidationError('invalid.list_query', fieldErrors(parsed.error));
    return c.json(await listSubmissions(deps.db, c.get('actor'), parsed.data, { requestId: c.get('requestId') }));
  });
  app.get('/:id', async (c) => c.json(await getSubmission(deps.db, c.get('actor'), c.req.param('id'), { requestId: c.get('requestId') })));
  app.post('/:id/accept', async (c) => {
    const body = await jsonBody(c);
    const actor = c.get('actor');
    const result = await acceptSubmission(engineCtx(deps, c), actor, c.req.param('id'), body, {
      idempotency: idempotencyOf(c, body),
      render: (w) => renderCase(actor, w, { now: now(), requestId: c.get('requestId') }),
    });
    const created = result.body as { id: string };
    c.header('Location', `/api/cases/${created.id}`);
    if (result.replayed) c.header('Idempotent-Replayed', 'true');
    return c.json(created, 201);
  });
  app.post('/:id/decline', async (c) =>
    c.json(await declineSubmission(deps.db, c.get('actor'), c.req.param('id'), await jsonBody(c), { requestId: c.get('requestId') })),
  );
  return app;
}
