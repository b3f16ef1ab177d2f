/** Users' life cycle, the audit log and the access log (DESIGN.md §10): thin — the engine decides. */
import { Hono } from 'hono';
import { doc } from '../openapi.js';
import { accessQuery, auditQuery, listAccessLog, listAudit } from '../../engine/audit.js';
import { accessCsv, auditCsv, csvDownload } from '../../edge/audit.js';
import { rotateTokenOnce, updateUser, userPatchSchema, type TokenCache } from '../../engine/directory.js';
import { erasePersonalDataOnce, eraseSchema } from '../../engine/erasure.js';
import { idempotencyOf, jsonBody, onceAnswer, requestMeta, type AppDeps, type Env } from '../context.js';
import { REPLAY_NOTES } from '../../messages.js';

export function accountRoutes(deps: AppDeps, tokens: TokenCache) {
  const app = new Hono<Env>();
  app.patch('/users/:id', doc({ summary: '修改用户（含停用、启用）', description: 'active: false 立即拒绝该用户的令牌并结束其网页会话（其他进程 5 秒内）。', tags: ['用户'], params: { id: '用户 id' }, body: userPatchSchema, ok: { status: 200, description: '用户' }, errors: [400, 403, 404, 409] }), async (c) => {
    const user = await updateUser(deps.db, c.get('actor'), c.req.param('id'), await jsonBody(c), requestMeta(c));
    tokens.forgetUser(user.id);
    return c.json(user);
  });
  app.post('/users/:id/token', doc({ summary: '换发令牌', description: '管理员为任何用户、用户为自己换发；此前的令牌随即失效。', tags: ['用户'], params: { id: '用户 id' }, ok: { status: 201, description: '{token}' }, errors: [403, 404, 422] }), async (c) => {
    const id = c.req.param('id');
    // The request takes no body: what identifies it under its key is its path alone.
    const result = await rotateTokenOnce(deps.db, c.get('actor'), id, requestMeta(c), idempotencyOf(c, {}));
    tokens.forgetUser(id);
    return onceAnswer(c, result, () => REPLAY_NOTES.token(id));
  });
  app.post('/admin/erase-personal-data', doc({ summary: '删除已结案件当事人个人信息', description: '个人信息保护法第 47 条：closedBefore 之前结案的案件，当事人姓名、证件号码、电话改为“已删除”；案件、记录和报表保留。', tags: ['用户'], body: eraseSchema, ok: { status: 200, description: '{cases}' }, errors: [400, 403, 422] }), async (c) => {
    const body = await jsonBody(c);
    return onceAnswer(c, await erasePersonalDataOnce(deps.db, c.get('actor'), body, requestMeta(c), idempotencyOf(c, body)));
  });
  app.get('/audit', doc({ summary: '审计日志', tags: ['审计'], query: auditQuery, ok: { status: 200, description: '{items, nextCursor}；format=csv 为 CSV 文件' }, errors: [400, 403] }), async (c) => {
    if (c.req.query('format') === 'csv') {
      const { items } = await listAudit(deps.db, c.get('actor'), { ...c.req.query(), format: undefined }, { all: true });
      return c.body(auditCsv(items), 200, csvDownload('audit-log'));
    }
    return c.json(await listAudit(deps.db, c.get('actor'), { ...c.req.query(), format: undefined }));
  });
  app.get('/access-log', doc({ summary: '个人信息查看记录', description: '谁查看了当事人未遮蔽的个人信息。', tags: ['审计'], query: accessQuery, ok: { status: 200, description: '{items, nextCursor}；format=csv 为 CSV 文件' }, errors: [400, 403] }), async (c) => {
    if (c.req.query('format') === 'csv') {
      const { items } = await listAccessLog(deps.db, c.get('actor'), { ...c.req.query(), format: undefined }, { all: true });
      return c.body(accessCsv(items), 200, csvDownload('access-log'));
    }
    return c.json(await listAccessLog(deps.db, c.get('actor'), { ...c.req.query(), format: undefined }));
  });
  return app;
}
