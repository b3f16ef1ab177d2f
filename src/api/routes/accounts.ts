/** Users' life cycle, the audit log and the access log (DESIGN.md §10): thin — the engine decides. */
import { Hono, type Context } from 'hono';
import { listAccessLog, listAudit, recordAudit } from '../../engine/audit.js';
import { rotateToken, updateUser, type TokenCache } from '../../engine/directory.js';
import { csvFile } from '../../engine/csv.js';
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

export function csvDownload(name: string): Record<string, string> {
  return { 'content-type': 'text/csv; charset=utf-8', 'content-disposition': `attachment; filename="${name}.csv"`, 'cache-control': 'no-store' };
}

export function auditCsv(items: Awaited<ReturnType<typeof listAudit>>['items']): string {
  return csvFile(
    ['seq', 'at', 'actorId', 'actorRole', 'actorName', 'action', 'targetType', 'targetId', 'detail', 'requestId', 'clientRequestId', 'clientAddress'],
    items.map((i) => [i.seq, i.at, i.actor.id, i.actor.role, i.actor.name, i.action, i.target?.type, i.target?.id, JSON.stringify(i.detail), i.requestId, i.clientRequestId, i.clientAddress]),
  );
}

export function accessCsv(items: Awaited<ReturnType<typeof listAccessLog>>['items']): string {
  return csvFile(
    ['at', 'actorId', 'actorRole', 'actorName', 'caseId', 'fields', 'requestId'],
    items.map((i) => [i.at, i.actor.id, i.actor.role, i.actor.name, i.caseId, i.fields, i.requestId]),
  );
}

/**
 * `access.denied`: a signed-in user refused for lack of rights (403), on the API or a page. Best
 * effort: a database that cannot take the row must not turn the 403 into a 500.
 */
export async function auditDenied(deps: AppDeps, c: Context, reason: string): Promise<void> {
  const actor = c.get('actor' as never) as Env['Variables']['actor'] | undefined;
  if (!actor) return;
  try {
    await recordAudit(deps.db, {
      action: 'access.denied',
      actor,
      target: { type: 'path', id: `${c.req.method} ${c.req.path}`.slice(0, 300) },
      detail: { reason: reason.slice(0, 300) },
      meta: requestMeta(c),
    });
  } catch (err) {
    deps.log('audit row for a refusal not written', { requestId: c.get('requestId' as never), error: (err as Error)?.name });
  }
}
