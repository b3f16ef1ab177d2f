/**
 * Domain errors: what the engine refuses and why, knowing nothing of HTTP. The API maps each
 * `code` to a status and a problem type in one place.
 */
import type { z } from 'zod';

export type FieldErrors = { field: string; message: string }[];

/** A zod error as field errors (`parties.0.name`; `(body)` for the body as a whole), under `prefix`. */
export function fieldErrors(error: z.ZodError, prefix: string[] = []): FieldErrors {
  return error.issues.map((i) => ({ field: [...prefix, ...i.path].join('.') || '(body)', message: i.message }));
}

export class DomainError extends Error {
  constructor(
    readonly code:
      | 'validation'
      | 'unauthenticated'
      | 'forbidden'
      | 'not_found'
      | 'invalid_transition'
      | 'version_conflict'
      | 'idempotency_mismatch'
      | 'conflict'
      | 'machine_version'
      | 'unavailable',
    message: string,
    readonly extra: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = new.target.name;
  }
}

export class ValidationError extends DomainError {
  constructor(message: string, readonly errors: FieldErrors) {
    super('validation', `${message}：${errors.map((e) => `${e.field} ${e.message}`).join('；')}`, { errors });
  }
}
export class Unauthenticated extends DomainError {
  constructor(message = '缺少或无效的访问令牌') {
    super('unauthenticated', message);
  }
}
export class Forbidden extends DomainError {
  constructor(message: string) {
    super('forbidden', message);
  }
}
export class NotFound extends DomainError {
  constructor(message: string) {
    super('not_found', message);
  }
}
export class InvalidTransition extends DomainError {
  constructor(message: string, state: string, event: string) {
    super('invalid_transition', message, { state, event });
  }
}
export class VersionConflict extends DomainError {
  constructor(expected: number, actual: number) {
    super('version_conflict', `版本已变化：请求基于版本 ${expected}，当前版本为 ${actual}，请刷新后重试`, {
      expectedVersion: expected,
      currentVersion: actual,
    });
  }
}
export class IdempotencyMismatch extends DomainError {
  constructor() {
    super('idempotency_mismatch', '该 Idempotency-Key 已用于另一个请求内容；请为新请求使用新的 key');
  }
}
/** A unique value already taken (station code, …). */
export class Conflict extends DomainError {
  constructor(message: string, extra: Record<string, unknown> = {}) {
    super('conflict', message, extra);
  }
}
/**
 * A stored snapshot this code cannot read: written by a newer machine definition (upgrade the
 * server), or by an older one with no registered migration (src/machines/migrations.ts).
 */
export class MachineVersionMismatch extends DomainError {
  constructor(stored: number, current: number, machine?: string) {
    const what = machine ? `${machine} 状态机` : '状态机';
    super(
      'machine_version',
      stored > current
        ? `该记录由更新的${what}版本 ${stored} 写入，本服务只认识版本 ${current}：请升级服务后再操作`
        : `该记录由${what}版本 ${stored} 写入，当前版本为 ${current}，且没有从版本 ${stored} 到 ${current} 的迁移`,
      { storedVersion: stored, currentVersion: current, ...(machine ? { machine } : {}) },
    );
  }
}
export class DatabaseUnavailable extends DomainError {
  constructor(cause?: unknown) {
    super('unavailable', '数据库暂时无法访问，请稍后重试');
    this.cause = cause;
  }
}

const CONNECTION_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ENOTFOUND',
  'ETIMEDOUT',
  'EPIPE',
  'CONNECT_TIMEOUT',
  'CONNECTION_CLOSED',
  'CONNECTION_ENDED',
  'CONNECTION_DESTROYED',
  '57P01', // admin_shutdown
  '57P02', // crash_shutdown
  '57P03', // cannot_connect_now
  '53300', // too_many_connections: the server is full, try again (a 503, not a 500)
]);

/** True when an error means the database could not be reached (answer 503, not 500). */
export function isConnectionError(err: unknown): boolean {
  for (let e: unknown = err, depth = 0; e && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && (CONNECTION_CODES.has(code) || code.startsWith('08'))) return true;
    // Embedded PGlite has no connection codes: a closed (or shutting-down) instance throws this.
    if (e instanceof Error && e.message === 'PGlite is closed') return true;
  }
  return false;
}

/** The Postgres SQLSTATE of an error, looking through drizzle's wrapping. */
export function sqlState(err: unknown): string | undefined {
  for (let e: unknown = err, depth = 0; e && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code)) return code;
  }
  return undefined;
}
