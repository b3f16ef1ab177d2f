/**
 * The API's answers byte for byte, as the real server writes them on the socket: status line,
 * every header in the order sent, body. Requests are raw HTTP, so that odd headers, bad bodies
 * and odd URLs reach the server as written. The snapshots were taken before the request and
 * answer plumbing (src/edge/context.ts, src/api/context.ts, the middleware) was made cheaper:
 * they pin that it answers exactly as before. What differs between runs (the Date header, ids)
 * and the database's own stamps) is replaced by placeholders; the clock is pinned.
 */
import { connect, type AddressInfo } from 'node:net';
import { serve, type ServerType } from '@hono/node-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_BODY_BYTES } from '../../src/api/context.js';
import { caseBody, createWorld, type World } from '../helpers/world.js';

const NOW = new Date('2026-11-02T02:00:00.000Z');
const at = (ms: number) => new Date(NOW.getTime() + ms).toISOString();

let w: World;
let server: ServerType;
let port: number;
let caseId: string;
let otherCaseId: string;

beforeAll(async () => {
  w = await createWorld({ now: () => NOW });
  server = serve({ fetch: w.app.fetch, port: 0, hostname: '127.0.0.1' });
  await new Promise<void>((resolve) => server.once('listening', resolve));
  port = (server.address() as AddressInfo).port;
  const c = await w.openCase();
  await w.send(c.id, w.tokens.court, { type: 'ACCEPT' }, { type: 'ASSIGN', mediatorName: '调解员王芳', deputyIds: [w.deputies.a] });
  caseId = c.id;
  otherCaseId = (await w.openCase({ stationCode: 'SC01' })).id;
});
afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
  await w.close();
});

const started = Date.now();
/** Ids by the order they first appear in one exchange's answers: `<id 1>`, `<id 2>`, … */
function normalize(text: string): string {
  const ids = new Map<string, string>();
  return text
    .replace(/^Date: .*$/gm, 'Date: <date>')
    // Stamps the database makes (createdAt) on the real clock, not the pinned one.
    .replace(/\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z/g, (t) => (Date.parse(t) >= started - 1000 && Date.parse(t) <= Date.now() + 1000 ? '<time>' : t))
    .replace(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g, (id) => {
      if (!ids.has(id)) ids.set(id, `<id ${ids.size + 1}>`);
      return ids.get(id)!;
    });
}

interface Req {
  method?: string;
  path: string;
  /** Header lines as sent, `Name: value`; Host and Connection are added. */
  headers?: string[];
  /** Sent as is, with its Content-Length unless `chunks` or a Content-Length line is given. */
  body?: string | Buffer;
  /** Sent with Transfer-Encoding: chunked, one chunk each. */
  chunks?: string[];
}

function requestBytes(r: Req, last: boolean): Buffer {
  const lines = [`${r.method ?? 'POST'} ${r.path} HTTP/1.1`];
  const headers = r.headers ?? [];
  if (!headers.some((h) => /^host:/i.test(h))) lines.push(`Host: 127.0.0.1:${port}`);
  lines.push(`Connection: ${last ? 'close' : 'keep-alive'}`, ...headers);
  let body: Buffer = Buffer.alloc(0);
  if (r.chunks) {
    lines.push('Transfer-Encoding: chunked');
    body = Buffer.concat([...r.chunks.map((c) => Buffer.from(`${Buffer.byteLength(c).toString(16)}\r\n${c}\r\n`)), Buffer.from('0\r\n\r\n')]);
  } else if (r.body !== undefined) {
    body = typeof r.body === 'string' ? Buffer.from(r.body) : r.body;
    if (!headers.some((h) => /^content-length:/i.test(h))) lines.push(`Content-Length: ${body.length}`);
  }
  return Buffer.concat([Buffer.from(lines.join('\r\n') + '\r\n\r\n'), body]);
}

/**
 * Sends the requests on one connection, each once the answer before it is complete (pipelined
 * requests would be handled at once, in no fixed order), the last one closing it; every byte of
 * the answers.
 */
function exchange(...reqs: Req[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    let received: Buffer = Buffer.alloc(0);
    let answered = 0;
    let next = 0;
    const send = () => socket.write(requestBytes(reqs[next], ++next === reqs.length));
    socket.on('data', (d) => {
      received = Buffer.concat([received, d]);
      // Every answer before the last has a Content-Length: count the complete ones.
      for (;;) {
        const head = received.indexOf('\r\n\r\n', answered);
        if (head < 0 || next === reqs.length) return;
        const length = /^content-length: *(\d+)/im.exec(received.subarray(answered, head).toString('latin1'));
        if (!length) return reject(new Error(`an answer without Content-Length: ${received.toString('utf8')}`));
        const end = head + 4 + Number(length[1]);
        if (received.length < end) return;
        answered = end;
        send();
      }
    });
    socket.on('error', reject);
    socket.on('close', () => resolve(normalize(received.toString('utf8'))));
    send();
  });
}

const json = ['Content-Type: application/json'];
const bearer = (token: string) => `Authorization: Bearer ${token}`;
const court = () => [bearer(w.tokens.court), ...json];
const events = () => `/api/cases/${caseId}/events`;
const schedule = (days = 3) => JSON.stringify({ type: 'SCHEDULE_SESSION', at: at(days * 86_400_000), location: '联络站调解室' });
const record = () => JSON.stringify({ type: 'RECORD_SESSION', heldAt: at(-3_600_000), attendeeDeputyIds: [w.deputies.a], minutes: '双方当事人到场，代表释法说理，双方就还款期限初步达成一致意见。' });

// In order: each answer's version and ids follow from those before.
describe.sequential('the API on the wire', () => {
  it('an event as the bench sends it, its replay, and the same key for another body', async () => {
    const headers = () => [...court(), 'X-Request-Id: bench-1', 'Idempotency-Key: key-1'];
    expect(await exchange({ path: events(), headers: headers(), body: schedule() })).toMatchSnapshot();
    expect(await exchange({ path: events(), headers: headers(), body: schedule() })).toMatchSnapshot();
    expect(await exchange({ path: events(), headers: headers(), body: schedule(4) })).toMatchSnapshot();
  });

  it('the same event with its keys in another order is the same request under the key', async () => {
    const reordered = JSON.stringify({ location: '联络站调解室', at: at(3 * 86_400_000), type: 'SCHEDULE_SESSION' });
    expect(await exchange({ path: events(), headers: [...court(), 'Idempotency-Key: key-1'], body: reordered })).toMatchSnapshot();
  });

  it('events by the deputy, pinned by If-Match, on one kept-alive connection', async () => {
    const deputy = [bearer(w.tokens.deputyA), ...json];
    expect(
      await exchange(
        { path: events(), headers: [...deputy, 'If-Match: "2"'], body: record() },
        { path: events(), headers: [...deputy, 'If-Match: 3'], body: schedule(5) },
        { path: events(), headers: [...deputy, 'If-Match: W/"4"'], body: record() },
        { path: events(), headers: [...deputy, 'If-Match: "4"'], body: record() },
        { path: events(), headers: [...deputy, 'If-Match: four'], body: record() },
        { path: events(), headers: [...deputy, 'If-Match: *'], body: schedule(6) },
      ),
    ).toMatchSnapshot();
  });

  it('client request ids: kept, refused for their characters or length, fields joined', async () => {
    const get = (h: string[]) => ({ method: 'GET', path: `/api/cases/${caseId}`, headers: [bearer(w.tokens.court), ...h] });
    expect(
      await exchange(
        get(['X-Request-Id: abc.DEF:1-2_3']),
        get(['X-Request-Id:   spaced\t ']),
        get(['X-Request-Id: a b']),
        get([`X-Request-Id: ${'x'.repeat(100)}`]),
        get([`X-Request-Id: ${'x'.repeat(101)}`]),
        get(['X-Request-Id: one', 'x-request-id: two']),
        get(['X-Request-Id:']),
      ),
    ).toMatchSnapshot();
  });

  it('tokens: odd spacing and case, other schemes, none, unknown, two fields', async () => {
    const get = (h: string[]) => ({ method: 'GET', path: `/api/cases/${caseId}`, headers: h });
    const t = w.tokens.court;
    expect(
      await exchange(
        get([`authorization: bearer   ${t}  `]),
        get([`AUTHORIZATION: BEARER\t${t}`]),
        get([`Authorization: Basic ${t}`]),
        get([]),
        get(['Authorization: Bearer']),
        get(['Authorization: Bearer not-a-token']),
        get([`Authorization: Bearer ${t}`, `Authorization: Bearer ${t}`]),
        get([`Authorization: Bearer ${t} extra`]),
      ),
    ).toMatchSnapshot();
  });

  it('Idempotency-Key: empty, too long, longest, spaced', async () => {
    expect(
      await exchange(
        { path: events(), headers: [...court(), 'Idempotency-Key:'], body: schedule(7) },
        { path: events(), headers: [...court(), `Idempotency-Key: ${'k'.repeat(201)}`], body: schedule(7) },
        { path: events(), headers: [...court(), `Idempotency-Key: ${'k'.repeat(200)}`], body: schedule(7) },
        { path: events(), headers: [...court(), 'Idempotency-Key:   spaced key  '], body: schedule(8) },
        { path: events(), headers: [...court(), 'Idempotency-Key: spaced key'], body: schedule(8) },
        { path: events(), headers: [...court(), 'Idempotency-Key: a', 'Idempotency-Key: b'], body: schedule(9) },
      ),
    ).toMatchSnapshot();
  });

  it('bodies that are not an event', async () => {
    const send = (body: string | Buffer, headers = court()) => ({ path: events(), headers, body });
    expect(
      await exchange(
        send('{"type": "RECORD_'),
        send(''),
        send(' \r\n\t '),
        send('null'),
        send('[]'),
        send('"RECORD_SESSION"'),
        send('42'),
        send('{"type":"NO_SUCH_EVENT"}'),
        send('{"type":"toString"}'),
        send('{"type":7}'),
        send('{}'),
        send(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(schedule())])),
        send('{"type":"SCHEDULE_SESSION","type":"RECORD_SESSION"}'),
      ),
    ).toMatchSnapshot();
  });

  it('events with wrong, missing and unknown fields', async () => {
    const send = (event: Record<string, unknown>) => ({ path: events(), headers: court(), body: JSON.stringify(event) });
    expect(
      await exchange(
        send({ type: 'SCHEDULE_SESSION' }),
        send({ type: 'SCHEDULE_SESSION', at: 'tomorrow', location: 5 }),
        send({ type: 'SCHEDULE_SESSION', at: at(86_400_000), location: '联络站', unknownField: true }),
        send({ type: 'SCHEDULE_SESSION', at: at(86_400_000), location: '联络站', occurredAt: at(-86_400_000 * 400) }),
        send({ type: 'SCHEDULE_SESSION', at: at(86_400_000), location: '联络站', occurredAt: 'yesterday' }),
        send({ type: 'RECORD_SESSION', heldAt: at(-60_000), attendeeDeputyIds: ['not-an-id'], minutes: '' }),
        send({ type: 'REACH_AGREEMENT' }),
        send({ type: 'ACCEPT' }),
      ),
    ).toMatchSnapshot();
  });

  it('what PostgreSQL cannot store, and documents too deep', async () => {
    const send = (body: string) => ({ path: events(), headers: court(), body });
    const nested = (depth: number) => '{"a":'.repeat(depth) + '1' + '}'.repeat(depth);
    expect(
      await exchange(
        send('{"type":"SCHEDULE_SESSION","location":"a\\u0000b"}'),
        send('{"type":"SCHEDULE_SESSION","location":"\\ud800"}'),
        send('{"type":"SCHEDULE_SESSION","location":"x\\udc00"}'),
        send('{"type":"SCHEDULE_SESSION","location":"\\ud83d\\ude00"}'),
        send('{"type":"SCHEDULE_SESSION","nested":{"list":[1,{"k\\u0000":2}]}}'),
        send('{"type":"SCHEDULE_SESSION","nested":{"list":[1,{"k":"\\u0000"}]}}'),
        send(`{"type":"SCHEDULE_SESSION","deep":${nested(63)}}`),
        send(`{"type":"SCHEDULE_SESSION","deep":${nested(64)}}`),
        send(`{"type":"SCHEDULE_SESSION","deep":${'['.repeat(70)}${']'.repeat(70)}}`),
      ),
    ).toMatchSnapshot();
  });

  it('which unstorable member is named: the first, depth first in key order', async () => {
    const send = (body: string) => ({ path: events(), headers: court(), body });
    expect(
      await exchange(
        send('{"k\\u0000":1,"type":"SCHEDULE_SESSION"}'),
        send('{"type":"SCHEDULE_SESSION","a":{"b":["ok","\\udfff"],"c":"\\u0000"}}'),
        send('{"type":"SCHEDULE_SESSION","z":"\\u0000","a":{"":{"":"\\ud800"}}}'),
        send('{"type":"SCHEDULE_SESSION","2":"\\u0000","1":[{"x":"\\u0000"}]}'),
        send('{"type":"SCHEDULE_SESSION","a":{"b":{"c":1},"d":[2]},"e":"\\u0000"}'),
        send('"\\u0000"'),
        send('["\\u0000"]'),
        send(`{"type":"SCHEDULE_SESSION","deep":${'{"a":'.repeat(64)}"\\u0000"${'}'.repeat(64)}}`),
      ),
    ).toMatchSnapshot();
  });

  it('body sizes and framings', async () => {
    expect(
      await exchange(
        { path: events(), headers: [...court(), `Content-Length: ${MAX_BODY_BYTES + 1}`], body: '' },
        { path: events(), headers: court(), chunks: ['{"type":"SCHEDULE_SESSION",', `"at":"${at(10 * 86_400_000)}","location":"联络站调解室"}`] },
      ),
    ).toMatchSnapshot();
  });

  it('content types other than JSON', async () => {
    const send = (headers: string[]) => ({ path: events(), headers: [bearer(w.tokens.court), ...headers], body: schedule(11) });
    expect(await exchange(send(['Content-Type: text/plain']), send([]), send(['Content-Type: application/json; charset=utf-8']))).toMatchSnapshot();
  });

  it('URLs: NUL, bad escapes, unknown routes and ids, another station', async () => {
    const get = (path: string, token = w.tokens.court) => ({ method: 'GET', path, headers: [bearer(token)] });
    expect(
      await exchange(
        get(`/api/cases/${caseId}%00`),
        get(`/api/cases?q=%00`),
        get(`/api/cases/%zz`),
        get(`/api/nothing-here`),
        get(`/api/cases/not-a-uuid`),
        get(`/api/cases/00000000-0000-4000-8000-000000000000`),
        get(`/api/cases/${otherCaseId}`, w.tokens.deputyA),
        { path: `/api/cases/${otherCaseId}/events`, headers: [bearer(w.tokens.deputyA), ...json], body: schedule() },
        { method: 'DELETE', path: `/api/cases/${caseId}`, headers: [bearer(w.tokens.court)] },
        get(`/healthz`),
        get(`/api/cases/${caseId}/history`),
      ),
    ).toMatchSnapshot();
  });

  it('a creation, its replay, and its Location', async () => {
    const body = JSON.stringify(caseBody());
    const create = { path: '/api/cases', headers: [...court(), 'Idempotency-Key: create-1', 'X-Request-Id: c-1'], body };
    expect(await exchange(create, create)).toMatchSnapshot();
  });

  it('requests the HTTP layer refuses before the app', async () => {
    expect(await exchange({ method: 'GET', path: '/healthz', headers: ['Host: exa mple'] })).toMatchSnapshot();
    expect(await exchange({ method: 'GET', path: '/api\\cases', headers: [bearer(w.tokens.court)] })).toMatchSnapshot();
  });
});
