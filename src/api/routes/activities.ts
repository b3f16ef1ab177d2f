/** Station activity records (履职记录), DESIGN.md §6: thin — the verbs decide who and what. */
import { Hono } from 'hono';
import { listActivities, recordActivity } from '../../engine/activities.js';
import { activityTable, listFile } from '../exports.js';
import { idempotencyOf, jsonBody, type AppDeps, type Env } from '../context.js';

export function activityRoutes(deps: AppDeps) {
  const app = new Hono<Env>();
  app.post('/:code/activities', async (c) => {
    const body = await jsonBody(c);
    const result = await recordActivity(deps.db, c.get('actor'), c.req.param('code'), body, {
      now: deps.now?.(),
      idempotency: idempotencyOf(c, body),
    });
    if (result.replayed) c.header('Idempotent-Replayed', 'true');
    c.header('Location', `/api/stations/${encodeURIComponent(result.body.stationCode)}/activities`);
    return c.json(result.body, result.status as 201);
  });
  app.get('/:code/activities', async (c) => {
    const code = c.req.param('code');
    const file = await listFile(c, `activities_${code}`, () => activityTable(deps.db, c.get('actor'), code, c.req.query()), deps.now?.());
    return file ?? c.json(await listActivities(deps.db, c.get('actor'), code, c.req.query()));
  });
  return app;
}
