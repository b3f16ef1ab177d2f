/**
 * A PostgreSQL server in this process, as little of one as postgres.js needs to run queries: it
 * answers the extended protocol (Parse, Describe, Bind, Execute, Sync) with no rows, and records
 * every byte the client writes. Given to postgres.js as its `socket` option, it shows what the
 * client sends (test/engine/pg-send.pg.test.ts compares it with the unpatched postgres.js's) and
 * what the client's send path costs with no server to wait for (scripts/bench-send.ts).
 */
import { EventEmitter } from 'node:events';

export interface FakeServerOptions {
  /**
   * The type PostgreSQL would infer for each parameter of a statement the client left untyped
   * (0), as its ParameterDescription says: what decides postgres.js's serializer for each value.
   */
  paramType?: (sql: string, index: number) => number;
  /** Keep every byte written (the tests); the bench does not. */
  record?: boolean;
}

const msg = (type: string, body: Buffer = Buffer.alloc(0)) => {
  const out = Buffer.allocUnsafe(5 + body.length);
  out[0] = type.charCodeAt(0);
  out.writeUInt32BE(4 + body.length, 1);
  body.copy(out, 5);
  return out;
};
const i32 = (x: number) => {
  const b = Buffer.allocUnsafe(4);
  b.writeUInt32BE(x >>> 0);
  return b;
};

const AUTH_OK = msg('R', i32(0));
const KEY_DATA = msg('K', Buffer.concat([i32(4242), i32(99)]));
const READY = msg('Z', Buffer.from('I'));
const PARSE_COMPLETE = msg('1');
const BIND_COMPLETE = msg('2');
const CLOSE_COMPLETE = msg('3');
const NO_DATA = msg('n');
const SELECT_0 = msg('C', Buffer.from('SELECT 0\0'));

/** One client connection's socket, and the server at its other end. */
export class FakeSocket extends EventEmitter {
  readyState = 'open';
  /** Everything the client wrote, in order (with `record`). */
  readonly written: Buffer[] = [];
  private pending: Buffer = Buffer.alloc(0);
  private started = false;
  private replies: Buffer[] = [];
  private scheduled = false;
  /** Parameter counts and SQL of statements parsed, by name (for their ParameterDescription). */
  private parsed = new Map<string, { sql: string; types: number[] }>();

  constructor(private readonly opts: FakeServerOptions = {}) {
    super();
  }

  write(chunk: Buffer, cb?: () => void): boolean {
    if (this.opts.record) this.written.push(Buffer.from(chunk));
    this.pending = this.pending.length ? Buffer.concat([this.pending, chunk]) : chunk;
    this.serve();
    if (cb) process.nextTick(cb);
    return true;
  }

  end(chunk?: Buffer): this {
    if (chunk && this.opts.record) this.written.push(Buffer.from(chunk));
    this.destroy();
    return this;
  }

  destroy(): this {
    if (this.readyState === 'closed') return this;
    this.readyState = 'closed';
    setImmediate(() => this.emit('close', false));
    return this;
  }

  setKeepAlive(): void {}
  pause(): void {}
  resume(): void {}

  /** Every byte written since the last call, as one buffer. */
  take(): Buffer {
    const out = Buffer.concat(this.written);
    this.written.length = 0;
    return out;
  }

  private serve() {
    let p = this.pending;
    if (!this.started) {
      if (p.length < 4 || p.length < p.readUInt32BE(0)) return;
      p = p.subarray(p.readUInt32BE(0));
      this.started = true;
      this.reply(AUTH_OK, KEY_DATA, READY);
    }
    while (p.length >= 5 && p.length >= 1 + p.readUInt32BE(1)) {
      const end = 1 + p.readUInt32BE(1);
      this.message(p[0], p.subarray(5, end));
      p = p.subarray(end);
    }
    this.pending = p;
  }

  private message(type: number, body: Buffer) {
    switch (String.fromCharCode(type)) {
      case 'P': {
        const nameEnd = body.indexOf(0);
        const sqlEnd = body.indexOf(0, nameEnd + 1);
        const n = body.readUInt16BE(sqlEnd + 1);
        const types = Array.from({ length: n }, (_, i) => body.readUInt32BE(sqlEnd + 3 + 4 * i));
        this.parsed.set(body.toString('utf8', 0, nameEnd), { sql: body.toString('utf8', nameEnd + 1, sqlEnd), types });
        return this.reply(PARSE_COMPLETE);
      }
      case 'D': {
        if (body[0] !== 0x53 /* S */) return this.reply(NO_DATA);
        const s = this.parsed.get(body.toString('utf8', 1, body.length - 1))!;
        const desc = Buffer.allocUnsafe(2 + 4 * s.types.length);
        desc.writeUInt16BE(s.types.length);
        s.types.forEach((t, i) => desc.writeUInt32BE(t || this.opts.paramType?.(s.sql, i) || 25, 2 + 4 * i));
        return this.reply(msg('t', desc), NO_DATA);
      }
      case 'B':
        return this.reply(BIND_COMPLETE);
      case 'E':
        return this.reply(SELECT_0);
      case 'S':
        return this.reply(READY);
      case 'Q':
        return this.reply(SELECT_0, READY);
      case 'C':
        return this.reply(CLOSE_COMPLETE);
      case 'X':
        this.destroy();
        return;
      default:
      // Flush: nothing to send that is not sent already.
    }
  }

  private reply(...xs: Buffer[]) {
    this.replies.push(...xs);
    if (this.scheduled) return;
    this.scheduled = true;
    // Answers arrive later, as a real server's do: never inside the client's own write.
    setImmediate(() => {
      this.scheduled = false;
      const out = this.replies.length === 1 ? this.replies[0] : Buffer.concat(this.replies);
      this.replies = [];
      if (this.readyState === 'open') this.emit('data', out);
    });
  }
}

/**
 * postgres.js options that connect to fake servers (its `socket` option, which its types do not
 * declare), and the sockets it opened, in order.
 */
export function fakeServer(opts: FakeServerOptions = {}): { options: { fetch_types: false }; sockets: FakeSocket[] } {
  const sockets: FakeSocket[] = [];
  const socket = () => {
    const s = new FakeSocket(opts);
    sockets.push(s);
    return s;
  };
  return { options: { fetch_types: false, socket } as { fetch_types: false }, sockets };
}
