/**
 * A request Node's HTTP parser refuses before the app sees it — a Chinese character sent
 * unencoded in the address, as `curl "…/api/cases?q=张秀英"` sends it — is answered as every
 * refusal is (problem+json, the reason in Chinese and what to do), not with Node's bare 400 and no
 * body. The real server (`src/main.ts`), raw bytes over a socket: no client would send them otherwise.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startServer, type RunningServer } from './helpers/server.js';

const dir = mkdtempSync(join(tmpdir(), 'jiefen-client-error-'));
let server: RunningServer;
beforeAll(async () => {
  server = await startServer({ PGLITE_DIR: join(dir, 'db'), DATABASE_URL: '', ADMIN_TOKEN: 'client-error-admin-token-0123' });
}, 90_000);
afterAll(async () => {
  await server?.stop();
  rmSync(dir, { recursive: true, force: true });
});

/** Sends `head` as it is (its UTF-8 bytes) and reads the whole answer. */
function raw(head: string): Promise<{ status: number; headers: string; body: string }> {
  const { port } = new URL(server.url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), '127.0.0.1', () => socket.write(Buffer.from(head, 'utf8')));
    const chunks: Buffer[] = [];
    socket.on('data', (d) => chunks.push(d));
    socket.on('error', reject);
    socket.on('close', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      const [headers, body = ''] = text.split('\r\n\r\n');
      resolve({ status: Number(/^HTTP\/1\.1 (\d{3})/.exec(headers)?.[1]), headers: headers.toLowerCase(), body });
    });
  });
}

it('an unencoded Chinese character in the query: 400 problem+json saying to URL-encode it', async () => {
  const r = await raw('GET /api/cases?q=张秀英 HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer client-error-admin-token-0123\r\n\r\n');
  expect(r.status).toBe(400);
  expect(r.headers).toContain('content-type: application/problem+json');
  const p = JSON.parse(r.body);
  expect(p).toMatchObject({ type: 'urn:jiefen:problem:validation', status: 400 });
  expect(p.detail).toContain('URL 编码');
  expect(p.detail).toContain('--data-urlencode');
});

it('the same search, encoded, is answered by the API', async () => {
  const r = await raw(`GET /api/stations?q=${encodeURIComponent('张秀英')} HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer client-error-admin-token-0123\r\nConnection: close\r\n\r\n`);
  expect(r.status).toBe(200);
});

it('a request line that is not HTTP at all: 400 problem+json, not an empty answer', async () => {
  const r = await raw('HELLO THERE\r\n\r\n');
  expect(r.status).toBe(400);
  expect(JSON.parse(r.body)).toMatchObject({ status: 400, title: '请求内容有误' });
});
