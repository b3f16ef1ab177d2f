/**
 * The sender's POST (src/engine/notify/http-post.ts, undici) against a node:http receiver and
 * against raw sockets that answer byte for byte as a test wants: what it sends, which answers it
 * reads to their end (length, chunked, close-delimited, interim 1xx, split into single bytes), that
 * it keeps connections open and reuses them, and that whatever is not an answer is an error.
 */
import { createServer, type IncomingHttpHeaders } from 'node:http';
import net, { type AddressInfo } from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import { post1 } from '../../src/engine/notify/http-post.js';

const closers: (() => void)[] = [];
afterAll(() => closers.forEach((c) => c()));

/** A node:http receiver answering `answer(req)`, counting the connections it was opened. */
async function httpReceiver(answer: (path: string, res: import('node:http').ServerResponse) => void) {
  const got: { path: string; headers: IncomingHttpHeaders; body: string }[] = [];
  let connections = 0;
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      got.push({ path: req.url!, headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
      answer(req.url!, res);
    });
  });
  server.on('connection', () => connections++);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  closers.push(() => server.close());
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, got, connections: () => connections };
}

/** A raw receiver: on each request's first bytes, `answer` writes what it likes to the socket. */
async function rawReceiver(answer: (socket: net.Socket) => void) {
  const server = net.createServer((socket) => {
    socket.once('data', () => answer(socket));
    socket.on('error', () => {});
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  closers.push(() => server.close());
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/x`;
}

describe('post1', () => {
  it('sends the path, Host, the headers given and the body by its byte length', async () => {
    const r = await httpReceiver((_p, res) => res.writeHead(204).end());
    const body = JSON.stringify({ number: '（2026）黑0111民调1号' });
    const out = await post1(`${r.url}/in?a=1`, body, { 'Content-Type': 'application/json', 'webhook-id': 'm1' }, 5000);
    expect(out).toEqual({ status: 204, error: null });
    expect(r.got[0]).toMatchObject({ path: '/in?a=1', body, headers: { host: r.url.slice('http://'.length), 'content-type': 'application/json', 'webhook-id': 'm1', 'content-length': String(Buffer.byteLength(body)) } });
  });

  it('sends a URL’s credentials as Basic authorization, as node:http does', async () => {
    const r = await httpReceiver((_p, res) => res.writeHead(200).end('ok'));
    const url = r.url.replace('http://', 'http://gw%40user:p%3Ass@');
    expect(await post1(`${url}/sms`, '{}', {}, 5000)).toEqual({ status: 200, error: null });
    expect(r.got[0].headers.authorization).toBe(`Basic ${Buffer.from('gw@user:p:ss').toString('base64')}`);
  });

  it('reads answers with a length, chunked and empty, and reuses its connections for them in turn', async () => {
    const r = await httpReceiver((path, res) => {
      if (path === '/len') res.writeHead(200, { 'content-length': 5 }).end('hello');
      else if (path === '/chunked') {
        res.writeHead(500);
        res.write('part one, ');
        setImmediate(() => res.end('part two'));
      } else res.writeHead(204).end();
    });
    const statuses = [];
    const paths = ['/len', '/chunked', '/empty', '/len', '/chunked', '/empty', '/len', '/chunked', '/empty', '/len'];
    for (const p of paths) statuses.push((await post1(`${r.url}${p}`, 'x', {}, 5000)).status);
    expect(statuses).toEqual([200, 500, 204, 200, 500, 204, 200, 500, 204, 200]);
    // undici may open a second connection while the first finishes its answer; never one a POST.
    expect(r.connections()).toBeLessThanOrEqual(2);
  });

  it('opens a connection per request under way at once, then reuses them', async () => {
    const r = await httpReceiver((_p, res) => setTimeout(() => res.writeHead(204).end(), 20));
    const many = () => Promise.all(Array.from({ length: 4 }, () => post1(`${r.url}/`, 'x', {}, 5000)));
    for (let round = 0; round < 4; round++) expect((await many()).map((o) => o.status)).toEqual([204, 204, 204, 204]);
    // Four at once need four connections; the later rounds reuse them (16 POSTs, far fewer connections).
    expect(r.connections()).toBeGreaterThanOrEqual(4);
    expect(r.connections()).toBeLessThanOrEqual(8);
  });

  // An interim 103 Early Hints is what a server may send unasked (100 Continue only answers an
  // `Expect: 100-continue`, which the sender never sends).
  it('skips an interim 103 Early Hints, and reads an answer split into single bytes', async () => {
    const answer = 'HTTP/1.1 103 Early Hints\r\nLink: </style.css>; rel=preload\r\n\r\nHTTP/1.1 201 Created\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\nX-Trailer: 1\r\n\r\n';
    const url = await rawReceiver(async (socket) => {
      for (const byte of Buffer.from(answer)) {
        socket.write(Buffer.from([byte]));
        await new Promise((r) => setImmediate(r));
      }
    });
    expect(await post1(url, 'x', {}, 5000)).toEqual({ status: 201, error: null });
  });

  it('reads an answer with no length to the connection’s close', async () => {
    const url = await rawReceiver((socket) => socket.end('HTTP/1.0 202 Accepted\r\nContent-Type: text/plain\r\n\r\nqueued, no length'));
    expect(await post1(url, 'x', {}, 5000)).toEqual({ status: 202, error: null });
  });

  it('takes what is not an answer, a close before the status line, a refused connection and no answer in time as errors', async () => {
    const garbage = await rawReceiver((socket) => socket.write('SSH-2.0-OpenSSH\r\n\r\n'));
    expect(await post1(garbage, 'x', {}, 5000)).toMatchObject({ status: null, error: expect.any(String) });
    const hangUp = await rawReceiver((socket) => socket.end());
    expect(await post1(hangUp, 'x', {}, 5000)).toEqual({ status: null, error: 'ECONNRESET' });
    // A 2xx status line is the receiver's acceptance; a body cut short after it does not undo it.
    const half = await rawReceiver((socket) => socket.end('HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc'));
    expect(await post1(half, 'x', {}, 5000)).toEqual({ status: 200, error: null });
    expect(await post1('http://127.0.0.1:9/none', 'x', {}, 5000)).toEqual({ status: null, error: 'ECONNREFUSED' });
    const silent = await rawReceiver(() => {});
    expect(await post1(silent, 'x', {}, 200)).toEqual({ status: null, error: '超时（200 ms）' });
    expect(await post1('ftp://example.org/x', 'x', {}, 5000)).toEqual({ status: null, error: '不支持的协议 ftp:' });
  });
});
