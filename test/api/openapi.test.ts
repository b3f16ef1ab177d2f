/**
 * The API described (DESIGN.md §14): GET /api/openapi.json is an OpenAPI 3.1 document generated
 * from the routes and the zod schemas that validate them; every /api route of the app is in it
 * with a description — a route added without one fails here — and /api/docs is served locally.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp } from '../helpers/world.js';

let t: Awaited<ReturnType<typeof createTestApp>>;
let spec: any;

beforeAll(async () => {
  t = await createTestApp();
  const res = await t.app.request('/api/openapi.json');
  expect(res.status).toBe(200);
  spec = await res.json();
});
afterAll(() => t?.database.destroy());

/** `/api/cases/:id/events` → `/cases/{id}/events` (the document's server is /api). */
const openApiPath = (p: string) => p.replace(/^\/api/, '').replace(/:(\w+)/g, '{$1}') || '/';

describe('GET /api/openapi.json', () => {
  it('is OpenAPI 3.1, public, with bearer auth and the problem+json schema', () => {
    expect(spec.openapi).toBe('3.1.0');
    expect(spec.servers).toEqual([{ url: '/api' }]);
    expect(spec.components.securitySchemes.bearer).toEqual({ type: 'http', scheme: 'bearer' });
    expect(spec.components.schemas.Problem.required).toEqual(['type', 'title', 'status', 'detail']);
  });

  it('describes every /api route of the app', () => {
    const routes = t.app.routes.filter((r) => r.path.startsWith('/api/') && r.method !== 'ALL' && !r.path.endsWith('*'));
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
  });

  it('takes request bodies and their refusals from the zod schemas that validate them', () => {
    const create = spec.paths['/cases'].post;
    const body = JSON.stringify(create.requestBody.content['application/json'].schema);
    for (const field of ['track', 'source', 'stationCode', 'parties', 'idNumber', 'occurredAt']) expect(body).toContain(`"${field}"`);
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

describe('GET /api/docs', () => {
  it('is a reference page whose assets come from this process', async () => {
    const page = await t.app.request('/api/docs');
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).not.toMatch(/https?:\/\//);
    for (const asset of ['/api/docs/swagger-ui.css', '/api/docs/swagger-ui-bundle.js', '/api/docs/init.js']) {
      expect(html).toContain(asset);
      const res = await t.app.request(asset);
      expect(res.status).toBe(200);
      expect((await res.text()).length).toBeGreaterThan(10);
    }
    expect((await t.app.request('/api/docs/nope.js')).status).toBe(404);
  });
});
