/**
 * RFC 9457 problem+json: the one place where domain errors become HTTP statuses.
 */
import type { Context } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { DomainError, isConnectionError, loggableError } from '../engine/errors.js';

const STATUS: Record<DomainError['code'], { status: ContentfulStatusCode; title: string }> = {
  validation: { status: 400, title: '请求内容有误' },
  unauthenticated: { status: 401, title: '未认证' },
  forbidden: { status: 403, title: '无权操作' },
  not_found: { status: 404, title: '未找到' },
  invalid_transition: { status: 409, title: '当前状态不允许此操作' },
  conflict: { status: 409, title: '与现有数据冲突' },
  machine_version: { status: 409, title: '状态机版本不兼容' },
  version_conflict: { status: 412, title: '版本已变化' },
  idempotency_mismatch: { status: 422, title: 'Idempotency-Key 重复使用' },
  rate_limited: { status: 429, title: '请求过于频繁' },
  unavailable: { status: 503, title: '服务暂不可用' },
};

export const problemType = (code: string) => `urn:jiefen:problem:${code.replace(/_/g, '-')}`;

export function problem(c: Context, status: ContentfulStatusCode, code: string, title: string, detail: string, extra: Record<string, unknown> = {}) {
  const requestId = c.get('requestId' as never) as string | undefined;
  return c.body(
    JSON.stringify({ type: problemType(code), title, status, detail, instance: c.req.path, ...(requestId ? { requestId } : {}), ...extra }),
    status,
    { 'content-type': 'application/problem+json; charset=utf-8' },
  );
}

export function errorResponse(c: Context, err: unknown, log: (msg: string, extra?: unknown) => void) {
  if (err instanceof DomainError) {
    const { status, title } = STATUS[err.code];
    if (err.code === 'unavailable') c.header('Retry-After', '1');
    if (err.code === 'rate_limited') c.header('Retry-After', String(err.extra.retryAfterSeconds ?? 60));
    return problem(c, status, err.code, title, err.message, err.extra);
  }
  if (isConnectionError(err)) {
    c.header('Retry-After', '1');
    return problem(c, 503, 'unavailable', STATUS.unavailable.title, '数据库暂时无法访问，请稍后重试');
  }
  log('unhandled error', { path: c.req.path, requestId: c.get('requestId' as never), ...loggableError(err) });
  return problem(c, 500, 'internal', '服务器内部错误', '服务器内部错误，已记录；请联系管理员');
}
