/**
 * What the JSON API and the web share of the audit and access logs: their CSV files and the
 * `access.denied` row of a refusal.
 */
import type { Context } from 'hono';
import { recordAudit, type listAccessLog, type listAudit } from '../engine/audit.js';
import { csvFile } from '../engine/csv.js';
import { requestMeta, type AppDeps, type Env } from './context.js';

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
    ['at', 'actorId', 'actorRole', 'actorName', 'caseId', 'submissionId', 'fields', 'requestId'],
    items.map((i) => [i.at, i.actor.id, i.actor.role, i.actor.name, i.caseId, i.submissionId, i.fields, i.requestId]),
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
