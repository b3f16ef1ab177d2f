/**
 * RFC 9457 problem+json: the one place where domain errors become HTTP statuses.
 */
import type { Context } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { DomainError, isConnectionError, loggableError, ValidationError, type ErrorCode } from '../engine/errors.js';
import { fieldMessage, messageOf } from '../messages.js';
import { statusOf } from '../edge/errors.js';

/** Each problem type's title (the status comes from the one map in src/edge/errors.ts). */
const TITLES: Record<ErrorCode, string> = {
  validation: '请求内容有误',
  unauthenticated: '未认证',
  forbidden: '无权操作',
  not_found: '未找到',
  invalid_transition: '当前状态不允许此操作',
  conflict: '与现有数据冲突',
  machine_version: '状态机版本不兼容',
  version_conflict: '版本已变化',
  idempotency_mismatch: 'Idempotency-Key 重复使用',
  too_many_requests: '请求过于频繁',
  payload_too_large: '提交的内容过大',
  rate_limited: '请求过于频繁',
  unavailable: '服务暂不可用',
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
    if (err.code === 'unavailable') c.header('Retry-After', '1');
    // RFC 9110 §15.5.2: a 401 names the scheme it wants (RFC 6750: a bearer token).
    if (err.code === 'unauthenticated') c.header('WWW-Authenticate', 'Bearer realm="jiefen"');
    if (err.code === 'too_many_requests') c.header('Retry-After', String(err.extra.retryAfter));
    if (err.code === 'rate_limited') c.header('Retry-After', String(err.extra.retryAfterSeconds ?? 60));
    // Field errors go out as the API has always sent them: `{field, message}`.
    const errors = err instanceof ValidationError ? { errors: err.errors.map((e) => ({ field: e.field, message: fieldMessage(e) })) } : {};
    return problem(c, statusOf(err), err.code, TITLES[err.code], messageOf(err.reason, err.params), { ...err.extra, ...errors });
  }
  if (isConnectionError(err)) {
    c.header('Retry-After', '1');
    return problem(c, 503, 'unavailable', TITLES.unavailable, messageOf('unavailable.database'));
  }
  log('unhandled error', { path: c.req.path, requestId: c.get('requestId' as never), ...loggableError(err) });
  return problem(c, 500, 'internal', '服务器内部错误', '服务器内部错误，已记录；请联系管理员');
}
