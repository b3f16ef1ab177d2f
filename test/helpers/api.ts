/**
 * Assertions shared by the API suites: problem+json bodies, and "nothing was written" — the
 * whole database fingerprinted before and after a refusal (DESIGN.md §6: nothing is written on
 * any error).
 */
import { randomBytes } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { expect } from 'vitest';
import { rowsOf } from '../../src/db/client.js';
import type { Call, World } from './world.js';

/** The closed set of problem types (src/api/problem.ts), by status. */
export const PROBLEM = {
  400: 'urn:jiefen:problem:validation',
  401: 'urn:jiefen:problem:unauthenticated',
  403: 'urn:jiefen:problem:forbidden',
  404: 'urn:jiefen:problem:not-found',
  409: 'urn:jiefen:problem:invalid-transition',
  412: 'urn:jiefen:problem:version-conflict',
  422: 'urn:jiefen:problem:idempotency-mismatch',
} as const;

/** Asserts an RFC 9457 problem+json answer with this status and returns its body. */
export function expectProblem(r: Call, status: number, type?: string): any {
  expect({ status: r.status, body: r.body }).toMatchObject({ status });
  expect(r.headers.get('content-type') ?? '').toMatch(/^application\/problem\+json/);
  expect(r.body).toMatchObject({ status, type: type ?? PROBLEM[status as keyof typeof PROBLEM] });
  expect(typeof r.body.title).toBe('string');
  expect(r.body.title.length).toBeGreaterThan(0);
  expect(typeof r.body.detail).toBe('string');
  expect(r.body.detail.length).toBeGreaterThan(0);
  // RFC 9110 §15.5.2: every 401 names the scheme it wants.
  if (status === 401) expect(r.headers.get('www-authenticate')).toBe('Bearer realm="jiefen"');
  return r.body;
}

/** Row counts and sums of every table a write could touch. */
export async function fingerprint(w: World): Promise<Record<string, string>> {
  const [row] = rowsOf<Record<string, unknown>>(
    await w.database.db.execute(sql`select
      (select count(*) from cases) as cases,
      (select coalesce(sum(version), 0) from cases) as versions,
      (select coalesce(string_agg(state, ',' order by id), '') from cases) as states,
      (select count(*) from case_events) as events,
      (select count(*) from parties) as parties,
      (select count(*) from deadlines) as deadlines,
      (select count(*) from deadlines where fired_at is not null) as fired,
      (select count(*) from idempotency_keys) as idempotency,
      (select count(*) from access_log) as access_log,
      (select coalesce(sum(last), 0) from number_sequences) as numbers,
      (select count(*) from users) as users,
      (select count(*) from stations) as stations,
      (select count(*) from deputies) as deputies,
      (select count(*) from outbox) as outbox,
      (select count(*) from notifications) as notifications,
      (select count(*) from deliveries) as deliveries`),
  );
  return Object.fromEntries(Object.entries(row).map(([k, v]) => [k, String(v)]));
}

/** What an observer sees of a case through the API (committee reads are masked: no access log). */
export async function observe(w: World, caseId?: string) {
  const list = await w.call(w.tokens.committee, 'GET', '/api/cases?limit=200');
  expect(list.status).toBe(200);
  const seen: { listIds: string[]; version?: number; state?: string; historyLength?: number } = {
    listIds: list.body.items.map((i: any) => i.id),
  };
  if (caseId) {
    const c = await w.call(w.tokens.committee, 'GET', `/api/cases/${caseId}`);
    const h = await w.call(w.tokens.committee, 'GET', `/api/cases/${caseId}/history`);
    expect([c.status, h.status]).toEqual([200, 200]);
    Object.assign(seen, { version: c.body.version, state: c.body.state, historyLength: h.body.items.length });
  }
  return seen;
}

/**
 * Runs a request that must be refused with `status`, and asserts nothing was written: the
 * database fingerprint, the case's version and history length, and the case list are unchanged.
 */
export async function refused(
  w: World,
  status: number,
  request: () => Promise<Call>,
  opts: { caseId?: string; type?: string } = {},
): Promise<any> {
  const seenBefore = await observe(w, opts.caseId);
  const before = await fingerprint(w);
  const r = await request();
  const body = expectProblem(r, status, opts.type);
  expect(await fingerprint(w)).toEqual(before);
  expect(await observe(w, opts.caseId)).toEqual(seenBefore);
  return body;
}

/** A marker unique to one test, put in a case's summary so `q` finds only that test's cases. */
export function tag(prefix = 'T'): string {
  return `${prefix}${randomBytes(5).toString('hex')}`;
}

/** An ISO instant `days` days before now. */
export function daysAgo(days: number): string {
  return new Date(Date.now() - days * 86_400_000).toISOString();
}
