/**
 * The sender's HTTP/1.1 POST (src/engine/notify/send.ts): one request at a time on each kept-open
 * connection, over node:net (node:tls for https), the request written in one piece and the answer
 * read only as far as its status and its end.
 *
 * Why not node:http: a notice is a small POST whose answer only matters by its status, and
 * node:http's request and response streams, agent bookkeeping and header checks made a signed
 * POST of the sender cost ~70 µs of CPU on loopback, ~25 µs with this (20,000 POSTs to a node:http
 * receiver in another process) — on every notice, on a machine that also runs the API and PostgreSQL.
 *
 * What it reads of an answer: the status line (1xx skipped), and where the answer ends —
 * `Content-Length`, chunked `Transfer-Encoding`, no body (204, 304), or the connection's close.
 * Anything it cannot read as HTTP/1.x ends the try as an error and closes the connection; the
 * delivery is tried again later with the same id, as after any failure.
 */
import net from 'node:net';
import tls from 'node:tls';

/** What a POST came to: an HTTP status (null: no answer) or an error code or message. */
export interface PostResult {
  status: number | null;
  error: string | null;
}

/** An idle connection is closed after this, before a receiver's usual keep-alive timeout (Node's 5 s) closes it under a request. */
const IDLE_MS = 4000;
/** Idle connections kept per receiver. */
const MAX_IDLE = 16;
/** Larger status line and headers than this are not an answer we read. */
const MAX_HEAD = 64 * 1024;

interface Origin {
  key: string;
  tls: boolean;
  /** Host to connect to (an IPv6 address without brackets), and port. */
  host: string;
  port: number;
  /** The request's first lines up to (not including) its own headers: request line, Host, credentials. */
  head: (path: string) => string;
  idle: Conn[];
}

const origins = new Map<string, Origin>();
/** Receivers' URLs, parsed once (a round sends hundreds to the same few): their origin and path, or why not. */
const targets = new Map<string, { origin: Origin; path: string } | string>();

function targetOf(url: string): { origin: Origin; path: string } | string {
  let t = targets.get(url);
  if (t === undefined) {
    try {
      const u = new URL(url);
      t = u.protocol === 'http:' || u.protocol === 'https:' ? { origin: originOf(u), path: `${u.pathname}${u.search}` } : `不支持的协议 ${u.protocol}`;
    } catch (err) {
      t = (err as Error).message;
    }
    if (targets.size >= 1000) targets.clear();
    targets.set(url, t);
  }
  return t;
}

function originOf(u: URL): Origin {
  const key = `${u.protocol}//${u.username}:${u.password}@${u.host}`;
  let o = origins.get(key);
  if (!o) {
    const secure = u.protocol === 'https:';
    const host = u.hostname.startsWith('[') ? u.hostname.slice(1, -1) : u.hostname;
    // As node:http sends a URL's credentials: Basic, of the decoded user and password.
    const auth = u.username || u.password ? `Authorization: Basic ${Buffer.from(`${decodeURIComponent(u.username)}:${decodeURIComponent(u.password)}`).toString('base64')}\r\n` : '';
    const hostHeader = `Host: ${u.host}\r\n`;
    o = { key, tls: secure, host, port: Number(u.port) || (secure ? 443 : 80), head: (path) => `POST ${path} HTTP/1.1\r\n${hostHeader}${auth}`, idle: [] };
    if (origins.size >= 1000) origins.clear();
    origins.set(key, o);
  }
  return o;
}

/** Where the answer being read is. */
type Phase = 'head' | 'length' | 'chunk-size' | 'chunk-data' | 'chunk-crlf' | 'trailers' | 'until-close' | 'done';

/** One kept-open connection to one receiver, one request at a time. */
class Conn {
  readonly socket: net.Socket;
  private buf: Buffer | null = null;
  private phase: Phase = 'done';
  private status = 0;
  private left = 0;
  private keepAlive = true;
  private done: ((r: PostResult) => void) | null = null;

  constructor(readonly origin: Origin) {
    this.socket = origin.tls
      ? tls.connect({ host: origin.host, port: origin.port, servername: net.isIP(origin.host) ? undefined : origin.host })
      : net.connect({ host: origin.host, port: origin.port });
    this.socket.setNoDelay(true);
    this.socket.on('data', (chunk: Buffer) => this.read(chunk));
    this.socket.on('error', (err: NodeJS.ErrnoException) => this.fail(err.code ?? err.message));
    this.socket.on('end', () => this.ended());
    this.socket.on('close', () => this.ended());
    this.socket.on('timeout', () => this.socket.destroy());
  }

  /** Sends one request (already written out) and resolves with its answer. */
  send(request: string, done: (r: PostResult) => void) {
    this.done = done;
    this.phase = 'head';
    this.buf = null;
    this.keepAlive = true;
    this.socket.setTimeout(0);
    this.socket.ref();
    this.socket.write(request);
  }

  /** The try ended without an answer: this connection is not used again. */
  fail(error: string) {
    this.socket.destroy();
    const done = this.done;
    this.done = null;
    this.phase = 'done';
    this.drop();
    done?.({ status: null, error });
  }

  private ended() {
    if (this.phase === 'until-close') return this.finish();
    if (this.done) return this.fail('ECONNRESET');
    this.socket.destroy();
    this.drop();
  }

  private drop() {
    const i = this.origin.idle.indexOf(this);
    if (i >= 0) this.origin.idle.splice(i, 1);
  }

  /** The answer has been read to its end: the connection goes back to the idle ones, or is closed. */
  private finish() {
    const done = this.done;
    this.done = null;
    this.phase = 'done';
    if (this.keepAlive && !this.buf?.length && !this.socket.destroyed && this.origin.idle.length < MAX_IDLE) {
      this.socket.setTimeout(IDLE_MS);
      this.socket.unref();
      this.origin.idle.push(this);
    } else {
      this.socket.destroy();
    }
    this.buf = null;
    done?.({ status: this.status, error: null });
  }

  private read(chunk: Buffer) {
    if (!this.done) {
      // Bytes nobody asked for: not a connection to reuse.
      this.socket.destroy();
      this.drop();
      return;
    }
    const b = this.buf?.length ? Buffer.concat([this.buf, chunk]) : chunk;
    let at = 0;
    while (at < b.length || this.phase === 'done') {
      switch (this.phase) {
        case 'head': {
          const end = b.indexOf('\r\n\r\n', at, 'latin1');
          if (end < 0) {
            if (b.length - at > MAX_HEAD) return this.fail('应答头过长');
            this.buf = b.subarray(at);
            return;
          }
          const head = b.toString('latin1', at, end);
          at = end + 4;
          const m = /^HTTP\/1\.([01]) (\d{3})/.exec(head);
          if (!m) return this.fail('应答不是 HTTP/1.x');
          const status = Number(m[2]);
          // An interim answer (100 Continue, 103 Early Hints): the real one follows.
          if (status >= 100 && status < 200 && status !== 101) continue;
          if (status === 101) return this.fail('HTTP 101');
          this.status = status;
          let length = -1;
          let chunked = false;
          this.keepAlive = m[1] === '1';
          for (const line of head.split('\r\n').slice(1)) {
            const colon = line.indexOf(':');
            if (colon <= 0) continue;
            const name = line.slice(0, colon).trim().toLowerCase();
            const value = line.slice(colon + 1).trim().toLowerCase();
            if (name === 'content-length') {
              if (!/^\d+$/.test(value) || (length >= 0 && length !== Number(value))) return this.fail('Content-Length 无效');
              length = Number(value);
            } else if (name === 'transfer-encoding') chunked = value.split(',').pop()!.trim() === 'chunked';
            else if (name === 'connection') {
              const tokens = value.split(',').map((t) => t.trim());
              if (tokens.includes('close')) this.keepAlive = false;
              else if (tokens.includes('keep-alive')) this.keepAlive = true;
            }
          }
          if (status === 204 || status === 304) this.phase = 'done';
          else if (chunked) this.phase = 'chunk-size';
          else if (length >= 0) {
            this.left = length;
            this.phase = length === 0 ? 'done' : 'length';
          } else {
            this.keepAlive = false;
            this.phase = 'until-close';
          }
          break;
        }
        case 'length': {
          const n = Math.min(this.left, b.length - at);
          at += n;
          this.left -= n;
          if (this.left === 0) this.phase = 'done';
          break;
        }
        case 'chunk-size':
        case 'trailers': {
          const eol = b.indexOf('\r\n', at, 'latin1');
          if (eol < 0) {
            if (b.length - at > MAX_HEAD) return this.fail('应答分块无效');
            this.buf = b.subarray(at);
            return;
          }
          const line = b.toString('latin1', at, eol);
          at = eol + 2;
          if (this.phase === 'trailers') {
            if (line === '') this.phase = 'done';
            break;
          }
          const size = /^[0-9a-fA-F]+/.exec(line);
          if (!size) return this.fail('应答分块无效');
          this.left = parseInt(size[0], 16);
          this.phase = this.left === 0 ? 'trailers' : 'chunk-data';
          break;
        }
        case 'chunk-data': {
          const n = Math.min(this.left, b.length - at);
          at += n;
          this.left -= n;
          if (this.left === 0) {
            this.left = 2;
            this.phase = 'chunk-crlf';
          }
          break;
        }
        case 'chunk-crlf': {
          const n = Math.min(this.left, b.length - at);
          at += n;
          this.left -= n;
          if (this.left === 0) this.phase = 'chunk-size';
          break;
        }
        case 'until-close':
          at = b.length;
          break;
        case 'done':
          this.buf = at < b.length ? b.subarray(at) : null;
          return this.finish();
      }
    }
    this.buf = null;
  }
}

/**
 * POSTs `body` with `headers` (written as given: names and values the caller's own, no CR or LF)
 * to `url`; resolves with the answer's status once the answer has been read to its end, or an
 * error, within `timeoutMs`. Never rejects.
 */
export function post1(url: string, body: string, headers: Record<string, string>, timeoutMs: number): Promise<PostResult> {
  return new Promise((resolve) => {
    const t = targetOf(url);
    if (typeof t === 'string') return resolve({ status: null, error: t });
    const conn = t.origin.idle.pop() ?? new Conn(t.origin);
    let request = t.origin.head(t.path);
    for (const name in headers) request += `${name}: ${headers[name]}\r\n`;
    request += `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`;
    const timer = setTimeout(() => conn.fail(`超时（${timeoutMs} ms）`), timeoutMs);
    conn.send(request, (r) => {
      clearTimeout(timer);
      resolve(r);
    });
  });
}
