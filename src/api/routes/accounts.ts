/** Users' life cycle, the audit log and the access log (DESIGN.md §10): thin — the engine decides. */
import { Hono } from 'hono';
import { listAccessLog, listAudit } from '../../engine/audit.js';
import { accessCsv, auditCsv, csvDownload } from '../../edge/audit.js';
import { rotateToken, updateUser, type TokenCache } from '../../engine/directory.js';
import { erasePersonalData } from '../../engine/erasure.js';
import { jsonBody, requestMeta, type AppDeps, type Env } from '../context.js';

export function accountRoutes(deps: AppDeps, tokens: TokenCache) {
  const app = new Hono<Env>();
  app.patch('/users/:id', async (c) => {
    const user = await updateUser(deps.db, c.get('actor'), c.req.param('id'), await jsonBody(c), requestMeta(c));
    tokens.forgetUser(user.id);
    return c.json(user);
  });
  app.post('/users/:id/token', async (c) => {
    const out = await rotateToken(deps.db, c.get('actor'), c.req.param('id'), requestMeta(c));
    tokens.forgetUser(c.req.param('id'));
    return c.json(out, 201);
  });
  app.post('/admin/erase-personal-data', async (c) => c.json(await erasePersonalData(deps.db, c.get('actor'), await jsonBody(c), requestMeta(c))));
  app.get('/audit', async (c) => {
    if (c.req.query('format') === 'csv') {
      const { items } = await listAudit(deps.db, c.get('actor'), { ...c.req.query(), format: undefined }, { all: true });
      return c.body(auditCsv(items), 200, csvDownload('audit-log'));
    }
    return c.json(await listAudit(deps.db, c.get('actor'), { ...c.req.query(), format: undefined }));
  });
  app.get('/access-log', async (c) => {
    if (c.req.query('format') === 'csv') {
      const { items } = await listAccessLog(deps.db, c.get('actor'), { ...c.req.query(), format: undefined }, { all: true });
      return c.body(accessCsv(items), 200, csvDownload('access-log'));
    }
    return c.json(await listAccessLog(deps.db, c.get('actor'), { ...c.req.query(), format: undefined }));
  });
  return app;
}
