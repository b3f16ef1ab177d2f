/**
 * Request bodies as the real server reads them: @hono/node-server hands the engine Node's
 * IncomingMessage, and the API reads the body from it directly (src/api/context.ts). The other
 * API suites call `app.request()`, which takes the other branch; this one goes over HTTP.
 */
import type { AddressInfo } from 'node:net';
import { request as httpRequest } from 'node:http';
import { serve, type ServerType } from '@hono/node-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_BODY_BYTES } from '../../src/api/context.js';
import { createWorld, type Call, type World } from '../helpers/world.js';
import { expectProblem, fingerprint } from '../helpers/api.js';

let w: World;
let server: ServerType;
let port: number;

beforeAll(async () => {
  w = await createWorld();
  server = serve({ fetch: w.app.fetch, port: 0, hostname: '127.0.0.1' });
  await new Promise<void>((resolve) => server.once('listening', resolve));
  port = (server.address() as AddressInfo).port;
});
afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
  await w.close();
});

/**
 * One request over a real socket. `chunks`: the body written piece by piece (chunked transfer,
 * no Content-Length), with a pause between pieces so each arrives as its own read.
 */
function post(token: string, path: string, body: string | Buffer | Buffer[], headers: Record<string, string> = {}): Promise<Call> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      { host: '127.0.0.1', port, method: 'POST', path, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', ...headers } },
      (res) => {
        const parts: Buffer[] = [];
        res.on('data', (d: Buffer) => parts.push(d));
        res.on('end', () => {
          const text = Buffer.concat(parts).toString('utf8');
          const h = new Headers();
          for (const [k, v] of Object.entries(res.headers)) if (typeof v === 'string') h.set(k, v);
          let parsed: unknown = text;
          try {
            parsed = text ? JSON.parse(text) : null;
          } catch {
            // not JSON
          }
          resolve({ status: res.statusCode!, body: parsed, headers: h });
        });
      },
    );
    req.on('error', reject);
    if (!Array.isArray(body)) {
      req.end(body);
      return;
    }
    let i = 0;
    const next = () => {
      if (i === body.length) return void req.end();
      req.write(body[i++]);
      setTimeout(next, 2);
    };
    next();
  });
}

async function activeCase(): Promise<string> {
  const c = await w.openCase();
  await w.send(c.id, w.tokens.court, { type: 'ACCEPT' }, { type: 'ASSIGN', mediatorName: '调解员王芳', deputyIds: [w.deputies.a] });
  return c.id;
}

describe('request bodies over HTTP', () => {
  it('takes an event whose UTF-8 arrives split across reads, and stores its text intact', async () => {
    const id = await activeCase();
    const minutes = '双方当事人到场，代表释法说理，双方就还款期限初步达成一致意见。';
    const bytes = Buffer.from(JSON.stringify({ type: 'RECORD_SESSION', heldAt: new Date(Date.now() - 60_000).toISOString(), attendeeDeputyIds: [w.deputies.a], minutes }));
    // One byte per write: every Chinese character (three bytes) is cut across reads.
    const r = await post(w.tokens.court, `/api/cases/${id}/events`, [...bytes].map((b) => Buffer.from([b])));
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toMatch(/^application\/json/);
    expect(r.headers.get('etag')).toBe(`"${r.body.version}"`);
    const history = await w.call(w.tokens.court, 'GET', `/api/cases/${id}/history`);
    expect(history.body.items.at(-1)).toMatchObject({ type: 'RECORD_SESSION', payload: { minutes } });
  });

  it('answers an event with the same JSON it stores for a replay', async () => {
    const id = await activeCase();
    const body = JSON.stringify({ type: 'SCHEDULE_SESSION', at: new Date(Date.now() + 86_400_000).toISOString(), location: '呼兰区人民法院人大代表联络站' });
    const first = await post(w.tokens.court, `/api/cases/${id}/events`, body, { 'idempotency-key': `http-${id}` });
    const again = await post(w.tokens.court, `/api/cases/${id}/events`, body, { 'idempotency-key': `http-${id}` });
    expect(first.status).toBe(200);
    expect(again.status).toBe(200);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(again.body).toEqual(first.body);
    // Court staff see the parties in full: the answer shows them, and the read is logged.
    expect(first.body.parties[0]).toMatchObject({ name: '张三', idNumber: '230102199001011234', phone: '13812345678' });
  });

  it('refuses a body that is not JSON, and writes nothing', async () => {
    const id = await activeCase();
    const before = await fingerprint(w);
    const r = await post(w.tokens.court, `/api/cases/${id}/events`, [Buffer.from('{"type": "RECORD_'), Buffer.from('SESSION",')]);
    expect(expectProblem(r, 400).detail).toContain('请求体不是合法的 JSON');
    expect(await fingerprint(w)).toEqual(before);
  });

  it('refuses a body over the limit by its Content-Length, before reading it', async () => {
    const id = await activeCase();
    const before = await fingerprint(w);
    const big = Buffer.alloc(MAX_BODY_BYTES + 1, ' ');
    const r = await post(w.tokens.court, `/api/cases/${id}/events`, big);
    const p = expectProblem(r, 400);
    expect(p.detail).toContain('请求体过大');
    expect(p.errors).toEqual([{ field: '(body)', message: `不能超过 ${MAX_BODY_BYTES / 1024} KiB` }]);
    expect(await fingerprint(w)).toEqual(before);
  });

  it('refuses a chunked body once it passes the limit, and writes nothing', async () => {
    const id = await activeCase();
    const before = await fingerprint(w);
    const piece = Buffer.alloc(256 * 1024, ' ');
    const pieces = [Buffer.from('{"type":"RECORD_SESSION","minutes":"'), piece, piece, piece, piece, piece, Buffer.from('"}')];
    const r = await post(w.tokens.court, `/api/cases/${id}/events`, pieces);
    expect(expectProblem(r, 400).detail).toContain('请求体过大');
    expect(await fingerprint(w)).toEqual(before);
  });

  it('takes a body just under the limit as a body like any other (here: an invalid event)', async () => {
    const id = await activeCase();
    const padded = JSON.stringify({ type: 'RECORD_SESSION', minutes: 'x'.repeat(MAX_BODY_BYTES - 100) });
    const r = await post(w.tokens.court, `/api/cases/${id}/events`, padded);
    // Read in full and judged on its fields: minutes far too long, heldAt missing.
    const fields = expectProblem(r, 400).errors.map((e: { field: string }) => e.field);
    expect(fields).toEqual(expect.arrayContaining(['heldAt', 'minutes']));
  });

  it('reads an empty event body as {}, which names no event type', async () => {
    const id = await activeCase();
    const r = await post(w.tokens.court, `/api/cases/${id}/events`, '');
    expect(expectProblem(r, 400).errors[0].field).toBe('type');
  });
});
