/**
 * Domain errors: what the engine refuses and why, as data — a closed `code` (the kind of refusal:
 * the edge maps it to an HTTP status, src/edge/errors.ts) and a closed `reason` with its
 * parameters (the edge words it in zh-CN, src/messages.ts). Nothing here knows HTTP or a page.
 *
 * `Error.message` is the plain zh-CN wording, for logs, the sweeper's report and callers without
 * an edge (scripts); answers to people are rendered from `reason` and `params` instead.
 */
import type { z } from 'zod';
import type { TransitionRefusal } from '../machines/spec.js';
import { messageOf } from '../messages.js';

export type ErrorCode =
  | 'validation'
  | 'unauthenticated'
  | 'forbidden'
  | 'not_found'
  | 'invalid_transition'
  | 'version_conflict'
  | 'idempotency_mismatch'
  | 'conflict'
  | 'machine_version'
  | 'too_many_requests'
  | 'payload_too_large'
  | 'rate_limited'
  | 'unavailable';

export type Params = Record<string, unknown>;

/** Why a request body or query was refused (the summary of a 400; each field says its own). */
export type ValidationReason =
  | 'invalid.body'
  | 'invalid.query'
  | 'invalid.list_query'
  | 'invalid.not_object'
  | 'invalid.event_type'
  | 'invalid.too_large'
  | 'invalid.json'
  | 'invalid.url'
  | 'invalid.idempotency_key'
  | 'invalid.if_match'
  | 'invalid.import_file';

/** What is wrong with one field. `field.schema`: the payload schema's own words (`params.message`). */
export type FieldReason =
  | 'field.schema'
  | 'field.station_unknown'
  | 'field.deputies_unknown'
  | 'field.deputy_unknown'
  | 'field.deputies_retired'
  | 'field.station_retired'
  | 'field.cases_unknown'
  | 'field.occurred_in_future'
  | 'field.occurred_before_previous'
  | 'field.cursor'
  | 'field.activity_in_future'
  | 'field.not_object'
  | 'field.not_event_object'
  | 'field.event_types'
  | 'field.unstorable'
  | 'field.too_deep'
  | 'field.too_large'
  | 'field.json'
  | 'field.key_length'
  | 'field.if_match'
  | 'field.login_missing'
  | 'field.current_password'
  | 'field.import_file'
  | 'field.submission_unknown'
  | 'field.submission_mismatch'
  | 'field.calendar_other_year'
  | 'field.calendar_duplicate'
  | 'field.calendar_workday_weekday';

export type ForbiddenReason =
  | 'forbidden.role'
  | 'forbidden.create'
  | 'forbidden.event'
  | 'forbidden.record'
  | 'forbidden.case_read'
  | 'forbidden.supervision_read'
  | 'forbidden.sweep'
  | 'forbidden.activity_record'
  | 'forbidden.activity_record_own'
  | 'forbidden.activity_read_own'
  | 'forbidden.activity_read_deputy'
  | 'forbidden.activity_read'
  | 'forbidden.report_unlinked'
  | 'forbidden.report_own'
  | 'forbidden.report_deputy'
  | 'forbidden.case_create_own'
  | 'forbidden.case_create_source'
  | 'forbidden.submission_own'
  | 'forbidden.card_own'
  | 'forbidden.token_other'
  | 'forbidden.audit_read'
  | 'forbidden.webhooks'
  | 'forbidden.sms_consent'
  | 'forbidden.inbox';

export type Reason =
  | ValidationReason
  | FieldReason
  | ForbiddenReason
  | TransitionRefusal['reason']
  | 'auth.no_token'
  | 'auth.bad_token'
  | 'auth.sign_in_failed'
  | 'auth.inactive'
  | 'auth.account_inactive'
  | 'auth.locked'
  | 'conflict.last_admin'
  | NotFoundReason
  | 'version.stale'
  | 'idempotency.reused'
  | 'conflict.station_code'
  | 'conflict.login'
  | 'conflict.external_ref'
  | 'conflict.delivery_not_dead'
  | 'conflict.deputy_duplicate'
  | 'conflict.deadline_gone'
  | 'machine.newer'
  | 'machine.no_migration'
  | 'unavailable.database'
  | 'unavailable.contention'
  // 扫码联 (DESIGN.md §13)
  | 'conflict.submission_decided'
  | 'limit.phone_per_day'
  | 'limit.address_per_hour'
  | 'limit.lookups_per_address'
  | 'limit.lookups_per_receipt'
  | 'too_large.body';

/** What was not found (扫码联's submission and receipt too, DESIGN.md §13). */
export type NotFoundReason =
  | 'not_found.case'
  | 'not_found.supervision'
  | 'not_found.user'
  | 'not_found.station'
  | 'not_found.station_retired'
  | 'not_found.deputy'
  | 'not_found.activity'
  | 'not_found.machine'
  | 'not_found.entity_type'
  | 'not_found.webhook'
  | 'not_found.delivery'
  | 'not_found.party'
  | 'not_found.submission'
  | 'not_found.receipt';

/** One field's refusal: the field (dotted path) and why, as data. */
export interface FieldError {
  field: string;
  reason: FieldReason;
  params?: Params;
}
export type FieldErrors = FieldError[];

export class DomainError extends Error {
  constructor(
    readonly code: ErrorCode,
    readonly reason: Reason,
    readonly params: Params = {},
    /** Members the problem+json answer carries as they are (the current `state`, the field). */
    readonly extra: Record<string, unknown> = {},
  ) {
    super(messageOf(reason, params));
    this.name = new.target.name;
  }
}

export class ValidationError extends DomainError {
  constructor(reason: ValidationReason, readonly errors: FieldErrors) {
    super('validation', reason, { errors });
  }
}
/** A schema's refusal of one field, in the schema's own words. */
export const schemaField = (field: string, message: string, issue: { code?: string; expected?: unknown; values?: unknown[] } = {}): FieldError => ({
  field,
  reason: 'field.schema',
  params: { message, issue: issue.code, expected: issue.expected, values: issue.values },
});
/** A zod error as field errors (`parties.0.name`; `(body)` for the body as a whole), under `prefix`. */
export function fieldErrors(error: z.ZodError, prefix: string[] = []): FieldErrors {
  return error.issues.map((i) =>
    schemaField([...prefix, ...i.path].join('.') || '(body)', i.message, {
      code: i.code,
      expected: (i as { expected?: unknown }).expected,
      values: (i as { values?: unknown[] }).values,
    }),
  );
}
export const fieldError = (field: string, reason: FieldReason, params?: Params): FieldError => (params ? { field, reason, params } : { field, reason });

/**
 * A request body parsed by `schema`, or a ValidationError with a field error for each issue.
 * `object: true`: a body that is no JSON object (null, an array, a string) is refused as that first.
 *
 * @example const input = parseBody(stationSchema, raw);
 */
export function parseBody<T extends z.ZodType>(schema: T, raw: unknown, opts: { object?: boolean } = {}): z.output<T> {
  if (opts.object && (raw === null || typeof raw !== 'object' || Array.isArray(raw))) {
    throw new ValidationError('invalid.not_object', [fieldError('(body)', 'field.not_object')]);
  }
  const r = schema.safeParse(raw ?? {});
  if (!r.success) throw new ValidationError('invalid.body', fieldErrors(r.error));
  return r.data;
}

export class Unauthenticated extends DomainError {
  constructor(reason: 'auth.no_token' | 'auth.bad_token' | 'auth.sign_in_failed' | 'auth.inactive' | 'auth.account_inactive') {
    super('unauthenticated', reason);
  }
}
export class Forbidden extends DomainError {
  constructor(reason: ForbiddenReason, params: Params = {}) {
    super('forbidden', reason, params);
  }
}
export class NotFound extends DomainError {
  constructor(
    reason: NotFoundReason,
    params: Params,
  ) {
    super('not_found', reason, params);
  }
}
export class InvalidTransition extends DomainError {
  constructor(refusal: TransitionRefusal, state: string, event: string) {
    super('invalid_transition', refusal.reason, refusal.params ?? {}, { state, event });
  }
}
export class VersionConflict extends DomainError {
  constructor(expected: number, actual: number) {
    super('version_conflict', 'version.stale', { expected, actual }, { expectedVersion: expected, currentVersion: actual });
  }
}
export class IdempotencyMismatch extends DomainError {
  constructor() {
    super('idempotency_mismatch', 'idempotency.reused');
  }
}
/** A unique value already taken (station code, …). */
export class Conflict extends DomainError {
  constructor(reason: 'conflict.station_code' | 'conflict.login' | 'conflict.external_ref' | 'conflict.last_admin' | 'conflict.delivery_not_dead' | 'conflict.deputy_duplicate', params: Params, extra: Record<string, unknown> = {}) {
    super('conflict', reason, params, extra);
  }
}
/**
 * A stored snapshot this code cannot read: written by a newer machine definition (upgrade the
 * server), or by an older one with no registered migration (src/machines/migrations.ts).
 */
export class MachineVersionMismatch extends DomainError {
  constructor(stored: number, current: number, machine?: string) {
    super('machine_version', stored > current ? 'machine.newer' : 'machine.no_migration', { stored, current, machine }, {
      storedVersion: stored,
      currentVersion: current,
      ...(machine ? { machine } : {}),
    });
  }
}
/** A limit counted in the database was reached (public submissions, status look-ups): try again later. */
export class TooManyRequests extends DomainError {
  constructor(reason: 'limit.phone_per_day' | 'limit.address_per_hour' | 'limit.lookups_per_address' | 'limit.lookups_per_receipt', params: Params, retryAfterSeconds: number) {
    super('too_many_requests', reason, params, { retryAfter: Math.max(1, Math.ceil(retryAfterSeconds)) });
  }
}
/** A body larger than the route takes, refused before it is read. */
export class PayloadTooLarge extends DomainError {
  constructor(readonly maxBytes: number) {
    super('payload_too_large', 'too_large.body', { kib: maxBytes / 1024 }, { maxBytes });
  }
}
/** A citizen's submission already opened into a case or declined: it is decided once. */
export class SubmissionDecided extends DomainError {
  constructor(status: string) {
    super('conflict', 'conflict.submission_decided', { status }, { submissionStatus: status });
  }
}
/** Too many attempts (sign-in): refused before any check, with how long to wait. */
export class TooManyAttempts extends DomainError {
  constructor(readonly retryAfterSeconds: number) {
    super('rate_limited', 'auth.locked', { minutes: Math.max(1, Math.ceil(retryAfterSeconds / 60)) }, { retryAfterSeconds });
  }
}
export class DatabaseUnavailable extends DomainError {
  constructor(cause?: unknown) {
    super('unavailable', 'unavailable.database');
    this.cause = cause;
  }
}
/** Writers kept colliding on one entity: try again shortly. */
export class Contention extends DomainError {
  constructor() {
    super('unavailable', 'unavailable.contention');
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

/**
 * An unexpected error as a log line may carry it: never a SQL parameter or a value from the
 * database. drizzle's query error puts every parameter in its message ("Failed query: … params:
 * 张三,230102…"), and PostgreSQL's own messages and details quote values ("Key (id)=(…)",
 * `invalid input syntax for type uuid: "…"`). Of a database error only its class, SQLSTATE, the
 * statement's text (placeholders, not values) and the stack frames are kept; other errors keep
 * their message.
 *
 * @example log('unhandled error', { requestId, ...loggableError(err) })
 */
export function loggableError(err: unknown): Record<string, unknown> {
  if (!(err instanceof Error)) return { error: typeof err };
  const frames = (err.stack ?? '').split('\n').filter((l) => /^\s+at /.test(l)).slice(0, 12).join('\n');
  const state = sqlState(err);
  const query = (err as { query?: unknown }).query;
  if (state !== undefined || typeof query === 'string' || (err.cause && sqlState(err.cause) !== undefined)) {
    return {
      error: err.name,
      sqlState: state ?? null,
      ...(typeof query === 'string' ? { query: query.slice(0, 500) } : {}),
      stack: frames,
    };
  }
  return { error: err.name, message: err.message.slice(0, 500), stack: frames };
}
