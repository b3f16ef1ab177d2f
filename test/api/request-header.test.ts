/**
 * `requestHeader` reads a header from Node's raw header list under @hono/node-server, and must
 * give exactly what `c.req.header()` gives: every field of that name joined by ", ", each value
 * trimmed, undefined when there is none. Raw HTTP over a socket, so that duplicate fields, odd
 * spacing and mixed case reach the server as written.
 */
import { connect, type AddressInfo } from 'node:net';
import { serve, type ServerType } from '@hono/node-server';
import { Hono } from 'hono';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requestHeader } from '../../src/edge/context.js';

const NAMES = ['authorization', 'x-request-id', 'idempotency-key', 'if-match', 'content-length', 'x-forwarded-for', 'x-absent'];

let server: ServerType;
let port: number;

beforeAll(async () => {
  const app = new Hono();
  app.post('/echo', async (c) => {
    const ours = Object.fromEntries(NAMES.map((n) => [n, requestHeader(c, n) ?? null]));
    const hono = Object.fromEntries(NAMES.map((n) => [n, c.req.header(n) ?? null]));
    return c.json({ ours, hono });
  });
  server = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' });
  await new Promise<void>((resolve) => server.once('listening', resolve));
  port = (server.address() as AddressInfo).port;
});
afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
});

/** Sends `head` (header lines, CRLF-joined) and an empty JSON body; the answer's JSON. */
function raw(lines: string[]): Promise<{ ours: Record<string, string | null>; hono: Record<string, string | null> }> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    let data = '';
    socket.on('data', (d) => (data += d.toString('utf8')));
    socket.on('error', reject);
    socket.on('end', () => {
      const body = data.slice(data.indexOf('\r\n\r\n') + 4);
      try {
        resolve(JSON.parse(body));
      } catch (err) {
        reject(new Error(`${(err as Error).message}: ${data}`));
      }
    });
    socket.write([`POST /echo HTTP/1.1`, `Host: 127.0.0.1:${port}`, 'Connection: close', ...lines, '', '{}'].join('\r\n'));
  });
}

describe('requestHeader', () => {
  it('gives what c.req.header gives, for single, repeated, spaced and absent fields', async () => {
    const cases: string[][] = [
      ['Authorization: Bearer abc', 'X-Request-Id: r-1', 'Idempotency-Key: k1', 'Content-Length: 2'],
      ['authorization:Bearer abc  ', 'x-request-id:   spaced\t', 'Content-Length: 2'],
      ['X-REQUEST-ID: a', 'x-request-id: b', 'Idempotency-Key: one', 'idempotency-key: two', 'Content-Length: 2'],
      ['If-Match: "3"', 'if-match: W/"4"', 'X-Forwarded-For: 10.0.0.1, 10.0.0.2', 'x-forwarded-for: 10.0.0.3', 'Content-Length: 2'],
      ['Authorization: Bearer one', 'Authorization: Bearer two', 'Content-Length: 2'],
      ['Content-Length: 2'],
    ];
    for (const lines of cases) {
      const { ours, hono } = await raw(lines);
      expect(ours, lines.join(' | ')).toEqual(hono);
    }
  });
});
