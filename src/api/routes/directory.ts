import { Hono } from 'hono';
import { z } from 'zod';
import { createDeputyOnce, createStationOnce, createUserOnce, deputyPatchSchema, deputySchema, listDeputies, listStations, listUsers, stationPatchSchema, stationSchema, updateDeputy, updateStation, userSchema } from '../../engine/directory.js';
import { doc } from '../openapi.js';
import { deputyTable, listFile, stationTable } from '../../edge/exports.js';
import { idempotencyOf, jsonBody, onceAnswer, requestMeta, type AppDeps, type Env } from '../context.js';
import { REPLAY_NOTES } from '../../messages.js';

export function directoryRoutes(deps: AppDeps) {
  const app = new Hono<Env>();
  app.post('/stations', doc({ summary: '新增联络站', tags: ['目录'], body: stationSchema, ok: { status: 201, description: '联络站' }, errors: [400, 403, 409, 422] }), async (c) => {
    const body = await jsonBody(c);
    return onceAnswer(c, await createStationOnce(deps.db, c.get('actor'), body, requestMeta(c), idempotencyOf(c, body)));
  });
  app.get('/stations', doc({ summary: '联络站列表', tags: ['目录'], files: true, ok: { status: 200, description: '{items, nextCursor}' } }), async (c) => (await listFile(c, 'stations', () => stationTable(deps.db), deps.now?.())) ?? c.json(await listStations(deps.db)));
  app.post('/deputies', doc({ summary: '新增人大代表', tags: ['目录'], body: deputySchema, ok: { status: 201, description: '代表' }, description: '同一联络站已有同名代表时答 409，除非带 confirmDuplicate: true。', errors: [400, 403, 409, 422] }), async (c) => {
    const body = await jsonBody(c);
    return onceAnswer(c, await createDeputyOnce(deps.db, c.get('actor'), body, requestMeta(c), { idempotency: idempotencyOf(c, body) }));
  });
  app.get('/deputies', doc({ summary: '人大代表列表', tags: ['目录'], files: true, query: z.object({ stationCode: z.string().optional() }), ok: { status: 200, description: '{items, nextCursor}' } }), async (c) =>
    (await listFile(c, 'deputies', () => deputyTable(deps.db, c.get('actor'), c.req.query('stationCode')), deps.now?.())) ?? c.json(await listDeputies(deps.db, c.get('actor'), c.req.query('stationCode'))),
  );
  app.patch('/stations/:code', doc({ summary: '修改联络站（含撤销：active: false）', description: '站点代码不可修改。撤销的站点不再受理新案件，旧记录照常显示；每次修改记入审计日志（station.update）。', tags: ['目录'], params: { code: '站点代码' }, body: stationPatchSchema, ok: { status: 200, description: '联络站' }, errors: [400, 403, 404] }), async (c) =>
    c.json(await updateStation(deps.db, c.get('actor'), c.req.param('code'), await jsonBody(c), requestMeta(c))),
  );
  app.patch('/deputies/:id', doc({ summary: '修改人大代表（含撤销：active: false）', description: '撤销的代表不再被指派到新案件，旧记录照常显示；改名或换站后与同站代表重名时答 409，除非带 confirmDuplicate: true；每次修改记入审计日志（deputy.update，电话只记“已修改”）。', tags: ['目录'], params: { id: '代表 id' }, body: deputyPatchSchema, ok: { status: 200, description: '代表' }, errors: [400, 403, 404, 409] }), async (c) =>
    c.json(await updateDeputy(deps.db, c.get('actor'), c.req.param('id'), await jsonBody(c), requestMeta(c))),
  );
  app.post('/users', doc({ summary: '新增用户（令牌只显示这一次）', tags: ['目录'], body: userSchema, ok: { status: 201, description: '{id, name, role, token}' }, errors: [400, 403, 409, 422] }), async (c) => {
    const body = await jsonBody(c);
    return onceAnswer(c, await createUserOnce(deps.db, c.get('actor'), body, requestMeta(c), idempotencyOf(c, body)), (user) => REPLAY_NOTES.token(user.id));
  });
  app.get('/users', doc({ summary: '用户列表', tags: ['目录'], ok: { status: 200, description: '{items, nextCursor}' }, errors: [403] }), async (c) => c.json(await listUsers(deps.db, c.get('actor'))));
  app.get('/me', doc({ summary: '当前用户', tags: ['目录'], ok: { status: 200, description: 'actor' } }), (c) => c.json(c.get('actor')));
  return app;
}
