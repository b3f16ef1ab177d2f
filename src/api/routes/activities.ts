/** Station activity records (履职记录), DESIGN.md §6: thin — the verbs decide who and what. */
import { Hono } from 'hono';
import { activityPatchSchema, activityQuerySchema, activitySchema, listActivities, recordActivity, updateActivity } from '../../engine/activities.js';
import { doc } from '../openapi.js';
import { activityTable, listFile } from '../../edge/exports.js';
import { idempotencyOf, jsonBody, requestMeta, type AppDeps, type Env } from '../context.js';

export function activityRoutes(deps: AppDeps) {
  const app = new Hono<Env>();
  app.post('/:code/activities', doc({ summary: '登记联络站履职记录', tags: ['履职记录'], params: { code: '站点代码' }, body: activitySchema, ok: { status: 201, description: '履职记录' }, errors: [400, 403, 404, 422] }), async (c) => {
    const body = await jsonBody(c);
    const result = await recordActivity(deps.db, c.get('actor'), c.req.param('code'), body, {
      now: deps.now?.(),
      idempotency: idempotencyOf(c, body),
    });
    if (result.replayed) c.header('Idempotent-Replayed', 'true');
    c.header('Location', `/api/stations/${encodeURIComponent(result.body.stationCode)}/activities`);
    return c.json(result.body, result.status as 201);
  });
  app.get('/:code/activities', doc({ summary: '联络站履职记录（新的在前）', tags: ['履职记录'], params: { code: '站点代码' }, query: activityQuerySchema, files: true, ok: { status: 200, description: '{items, nextCursor}' }, errors: [400, 403, 404] }), async (c) => {
    const code = c.req.param('code');
    const file = await listFile(c, `activities_${code}`, () => activityTable(deps.db, c.get('actor'), code, c.req.query()), deps.now?.());
    return file ?? c.json(await listActivities(deps.db, c.get('actor'), code, c.req.query()));
  });
  app.patch('/:code/activities/:id', doc({ summary: '修改联络站履职记录', description: '由可登记该站履职记录的人修改；每次修改记入审计日志（activity.update）。', tags: ['履职记录'], params: { code: '站点代码', id: '履职记录 id' }, body: activityPatchSchema, ok: { status: 200, description: '履职记录' }, errors: [400, 403, 404] }), async (c) =>
    c.json(await updateActivity(deps.db, c.get('actor'), c.req.param('code'), c.req.param('id'), await jsonBody(c), { now: deps.now?.(), meta: requestMeta(c) })),
  );
  return app;
}
