/**
 * How a domain refusal becomes an HTTP status: one map, read by the JSON API (problem+json,
 * src/api/problem.ts) and by the web's pages (src/web/page.tsx) alike.
 */
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import type { DomainError, ErrorCode } from '../engine/errors.js';

export const STATUS: Record<ErrorCode, ContentfulStatusCode> = {
  validation: 400,
  unauthenticated: 401,
  forbidden: 403,
  not_found: 404,
  invalid_transition: 409,
  conflict: 409,
  machine_version: 409,
  version_conflict: 412,
  idempotency_mismatch: 422,
  unavailable: 503,
};

/** The HTTP status of a domain refusal. */
export const statusOf = (err: DomainError): ContentfulStatusCode => STATUS[err.code];
