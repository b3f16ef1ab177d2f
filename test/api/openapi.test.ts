/**
 * The API described (DESIGN.md §14): GET /api/openapi.json is an OpenAPI 3.1 document generated
 * from the routes and the zod schemas that validate them; every API route of the app is in it
 * with a description — a route added without one fails here — and /api/docs is served locally.
 * What the document says a request takes is held to what the server takes: a field it marks
 * required is refused when left out, an event it offers is one a user may send, and each write
 * and each query the server reads is described.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { caseSpec } from '../../src/machines/case-spec.js';
import { supervisionSpec } from '../../src/machines/supervision-spec.js';
import { createWorld, type World } from '../helpers/world.js';

let w: World;
let spec: any;

beforeAll(async () => {
  w = await createWorld();
  const res = await w.app.request('/api/openapi.json');
  expect(res.status).toBe(200);
  spec = await res.json();
});
afterAll(() => w?.close());

/** `/api/cases/:id/events` → `/cases/{id}/events` (the document's server is /api; /healthz names its own). */
const openApiPath = (p: string) => p.replace(/^\/api/, '').replace(/:(\w+)/g, '{$1}') || '/';

/** Every operation of the document, with its path and method. */
const operations = () =>
  Object.entries(spec.paths).flatMap(([path, item]: [string, any]) =>
    Object.entries(item)
      .filter(([method]) => ['get', 'put', 'post', 'delete', 'patch'].includes(method))
      .map(([method, op]) => ({ path, method, op: op as any })),
  );

describe('GET /api/openapi.json', () => {
  it('is OpenAPI 3.1, public, with bearer auth and the problem+json schema', () => {
    expect(spec.openapi).toBe('3.1.0');
    expect(spec.servers).toEqual([{ url: '/api' }]);
    expect(spec.components.securitySchemes.bearer).toEqual({ type: 'http', scheme: 'bearer' });
    expect(spec.components.schemas.Problem.required).toEqual(['type', 'title', 'status', 'detail']);
  });

  it('describes every API route of the app: each /api route, and /healthz with its own server', () => {
    const routes = w.app.routes.filter((r) => (r.path.startsWith('/api/') || r.path === '/healthz') && r.method !== 'ALL' && !r.path.endsWith('*'));
    const seen = new Set<string>();
    for (const r of routes) {
      const key = `${r.method} ${r.path}`;
      if (seen.has(key)) continue;
      seen.add(key);
      const op = spec.paths[openApiPath(r.path)]?.[r.method.toLowerCase()];
      expect(op, `${key} has no description in the OpenAPI document`).toBeTruthy();
      expect(typeof op.description === 'string' && op.description.length > 0, `${key} has no description`).toBe(true);
      expect(Object.keys(op.responses).length).toBeGreaterThan(1);
      expect(op.responses['503'].content['application/problem+json'].schema).toEqual({ $ref: '#/components/schemas/Problem' });
    }
    expect(seen.size).toBeGreaterThanOrEqual(25);
    expect(seen).toContain('GET /healthz');
    // Served at the host's root, not under the document's /api.
    expect(spec.paths['/healthz'].servers).toEqual([{ url: '/' }]);
  });

  it('names each parameter once per operation (OpenAPI: a name and place are unique)', () => {
    for (const { path, method, op } of operations()) {
      const keys = (op.parameters ?? []).map((p: any) => `${p.in} ${p.name}`);
      expect(keys, `${method.toUpperCase()} ${path}`).toEqual([...new Set(keys)]);
    }
  });

  it('describes the body of every write, but the few that take none', () => {
    // These act on the path alone: their handlers read no body.
    const bodiless = ['POST /users/{id}/token', 'POST /webhooks/{id}/deliveries/{deliveryId}/retry', 'POST /admin/sweep'];
    for (const { path, method, op } of operations()) {
      if (!['post', 'put', 'patch'].includes(method)) continue;
      const key = `${method.toUpperCase()} ${path}`;
      if (bodiless.includes(key)) expect(op.requestBody, `${key} takes no body`).toBeUndefined();
      else expect(op.requestBody, `${key} has no requestBody`).toBeTruthy();
    }
  });

  it('describes the query each list reads, from the schema that validates it', () => {
    const query = (path: string, method = 'get') => Object.fromEntries(spec.paths[path][method].parameters.filter((p: any) => p.in === 'query').map((p: any) => [p.name, p]));
    expect(Object.keys(query('/me/notifications'))).toEqual(['unread', 'cursor', 'limit']);
    expect(query('/webhooks/{id}/deliveries').status.schema.enum).toEqual(['pending', 'delivered', 'dead', 'cancelled']);
    const report = query('/reports/enforcement');
    expect(report.format.schema.enum).toEqual(['json', 'csv', 'xlsx']);
    // A parameter the schema requires is required; one with a default is not.
    expect(query('/imports', 'post').kind.required).toBe(true);
    expect(query('/imports', 'post').dryRun.required).toBe(false);
  });

  it('takes request bodies and their refusals from the zod schemas that validate them', () => {
    const create = spec.paths['/cases'].post;
    const body = JSON.stringify(create.requestBody.content['application/json'].schema);
    for (const field of ['track', 'source', 'stationCode', 'parties', 'idNumber', 'occurredAt', 'externalRef']) expect(body).toContain(`"${field}"`);
    expect(Object.keys(create.responses)).toEqual(expect.arrayContaining(['201', '400', '401', '403', '503']));
    const event = JSON.stringify(spec.paths['/cases/{id}/events'].post.requestBody.content['application/json'].schema);
    for (const type of ['ACCEPT', 'REACH_AGREEMENT', 'CONCLUDE']) expect(event).toContain(`"${type}"`);
    expect(Object.keys(spec.paths['/cases/{id}/events'].post.responses)).toEqual(expect.arrayContaining(['200', '409', '412', '422']));
    expect(JSON.stringify(spec.paths['/stations'].post.requestBody.content['application/json'].schema)).toContain('"district"');
    const list = spec.paths['/cases'].get;
    expect(list.parameters.map((p: any) => p.name)).toEqual(expect.arrayContaining(['state', 'stationCode', 'q', 'cursor', 'format']));
    expect(Object.keys(list.responses['200'].content)).toEqual(expect.arrayContaining(['application/json', 'text/csv']));
    expect(spec.paths['/imports'].post.responses['413']).toBeTruthy();
    expect(spec.paths['/openapi.json'].get.security).toEqual([]);
  });
});

/** The variant of a documented request body that `body` is (the event of its `type`; the union member it fits). */
function documentedBody(op: any, body: Record<string, unknown>): any {
  const schema = op.requestBody.content['application/json'].schema;
  return (schema.anyOf ?? [schema]).find(
    (v: any) => (v.properties?.type?.const === undefined || v.properties.type.const === body.type) && Object.keys(body).every((k) => k in (v.properties ?? {})),
  );
}

/**
 * `body`, a valid request, is accepted; before it, the same body without each field the document
 * marks required is refused (400) — a field the document requires but the server does without
 * (or a body variant the document lacks) fails here.
 */
async function requiredHeld(token: string, method: string, docPath: string, url: string, body: Record<string, unknown>, okStatus: number) {
  const op = spec.paths[docPath][method.toLowerCase()];
  const schema = documentedBody(op, body);
  expect(schema, `${method} ${docPath} documents no body like ${JSON.stringify(body)}`).toBeTruthy();
  for (const field of schema.required ?? []) {
    const { [field]: _, ...without } = body;
    const res = await w.call(token, method, url, without);
    expect(res.status, `${method} ${docPath} without "${field}", which the document marks required: ${JSON.stringify(res.body)}`).toBe(400);
  }
  const res = await w.call(token, method, url, body);
  expect(res.status, `${method} ${docPath} ${JSON.stringify(res.body)}`).toBe(okStatus);
  return res.body;
}

/** A Shanghai calendar date `days` from today. */
const dateIn = (days: number) => new Date(Date.now() + 8 * 3600_000 + days * 86400_000).toISOString().slice(0, 10);

describe('what the document says a request takes, held to the server', () => {
  it('requires in a body only what the server refuses to do without (occurredAt is optional everywhere)', async () => {
    // Minimal bodies: no occurredAt, none of the optional fields (track is required unless the
    // source is an enforcement referral: a rule of the schema's refinement, not of its fields).
    const created = await requiredHeld(w.tokens.court, 'POST', '/cases', '/api/cases', { track: 'pre_filing', source: 'court_referral', stationCode: 'HL01', disputeType: '民间借贷', summary: '借款未还', parties: [{ role: 'applicant', name: '张三' }] }, 201);
    const events = `/api/cases/${created.id}/events`;
    await requiredHeld(w.tokens.court, 'POST', '/cases/{id}/events', events, { type: 'ACCEPT' }, 200);
    await requiredHeld(w.tokens.court, 'POST', '/cases/{id}/events', events, { type: 'ASSIGN', deputyIds: [w.deputies.a] }, 200);
    await requiredHeld(w.tokens.court, 'PATCH', '/cases/{id}/parties/{index}', `/api/cases/${created.id}/parties/0`, { smsConsent: true }, 200);

    const item = await requiredHeld(w.tokens.committee, 'POST', '/supervisions', '/api/supervisions', { kind: 'case_inquiry', subject: '执行案件专题问案', respondent: '呼兰区人民法院' }, 201);
    await requiredHeld(w.tokens.committee, 'POST', '/supervisions/{id}/events', `/api/supervisions/${item.id}/events`, { type: 'REQUEST_REPORT', dueDate: dateIn(20) }, 200);

    await requiredHeld(w.tokens.admin, 'POST', '/webhooks', '/api/webhooks', { url: 'https://hooks.example.org/jiefen', events: ['CONCLUDE'] }, 201);
    await requiredHeld(w.tokens.court, 'POST', '/me/notifications/read', '/api/me/notifications/read', { all: true }, 200);
    await requiredHeld(w.tokens.court, 'POST', '/me/notifications/read', '/api/me/notifications/read', { ids: [created.id] }, 200);
  });

  it('offers users no event only the sweeper may send, and the server refuses each of those to them', async () => {
    const created = await w.openCase();
    const item = (await w.call(w.tokens.committee, 'POST', '/api/supervisions', { kind: 'case_inquiry', subject: '专题问案', respondent: '呼兰区人民法院' })).body;
    const machines = [
      { machine: caseSpec, path: '/cases/{id}/events', url: `/api/cases/${created.id}/events`, token: w.tokens.court },
      { machine: supervisionSpec, path: '/supervisions/{id}/events', url: `/api/supervisions/${item.id}/events`, token: w.tokens.committee },
    ];
    for (const { machine, path, url, token } of machines) {
      // The role table says it: an event whose rule names no role but `system`.
      const sweeperOnly = Object.keys(machine.eventSchemas).filter((type) => Object.keys(machine.permissions[type]).every((role) => role === 'system'));
      expect(sweeperOnly.length, path).toBeGreaterThan(0);
      const offered = spec.paths[path].post.requestBody.content['application/json'].schema.anyOf.map((v: any) => v.properties.type.const);
      expect([...offered].sort(), path).toEqual(Object.keys(machine.eventSchemas).filter((type) => !sweeperOnly.includes(type)).sort());
      for (const type of sweeperOnly) expect((await w.call(token, 'POST', url, { type })).status, `${type} by a user`).toBe(403);
    }
  });
});

describe('GET /api/docs', () => {
  it('is a reference page whose assets come from this process', async () => {
    const page = await w.app.request('/api/docs');
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).not.toMatch(/https?:\/\//);
    for (const asset of ['/api/docs/swagger-ui.css', '/api/docs/swagger-ui-bundle.js', '/api/docs/init.js']) {
      expect(html).toContain(asset);
      const res = await w.app.request(asset);
      expect(res.status).toBe(200);
      expect((await res.text()).length).toBeGreaterThan(10);
    }
    expect((await w.app.request('/api/docs/nope.js')).status).toBe(404);
  });
});
