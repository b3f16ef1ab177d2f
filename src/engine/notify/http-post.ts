/**
 * The sender's POST (src/engine/notify/send.ts) through undici, the HTTP/1.1 client Node's own
 * fetch is built on, with its connections kept open between rounds.
 *
 * Why not node:http: a notice is a small POST whose answer only matters by its status, and
 * node:http's request and response streams, agent bookkeeping and header checks cost ~70 µs of
 * CPU per signed POST on loopback, undici's dispatcher ~37 µs (20,000 POSTs to a node:http receiver
 * in another process). A hand-written HTTP/1.1 client measured ~25 µs; for 12 µs a notice the
 * parsing of answers from courts' and hotlines' servers (chunked coding, interim 1xx, TLS) stays
 * with a library that is kept for exactly that.
 *
 * The answer's body is read and dropped, so the connection can carry the next POST. Whatever is
 * not an answer within `timeoutMs` (undici's own header and body timeouts: an AbortController and a
 * timer per POST cost 52–56 µs of CPU a POST against 38–40 µs without, 20,000 signed POSTs, 2 runs)
 * ends the try as an error; the delivery is tried again later with the same id, as after any
 * failure. The wait is per phase: the answer's head within `timeoutMs` of the POST, each piece of its
 * body within `timeoutMs` of the last, a connection within undici's 10 s.
 */
import { Agent, type Dispatcher } from 'undici';

/** What a POST came to: an HTTP status (null: no answer) or an error code or message. */
export interface PostResult {
  status: number | null;
  error: string | null;
}

/**
 * Idle connections are closed after 4 s, before a receiver's usual keep-alive timeout (Node's 5 s)
 * closes one under a request; one request at a time on each.
 */
const agent = new Agent({ keepAliveTimeout: 4000, keepAliveMaxTimeout: 4000, pipelining: 1 });

/** Receivers' URLs, parsed once (a round sends hundreds to the same few): origin, path and credentials, or why not. */
const targets = new Map<string, { origin: string; path: string; authorization: string | null } | string>();

function targetOf(url: string) {
  let t = targets.get(url);
  if (t === undefined) {
    try {
      const u = new URL(url);
      t =
        u.protocol === 'http:' || u.protocol === 'https:'
          ? {
              origin: u.origin,
              path: `${u.pathname}${u.search}`,
              // As node:http sends a URL's credentials.
              authorization: u.username || u.password ? `Basic ${Buffer.from(`${decodeURIComponent(u.username)}:${decodeURIComponent(u.password)}`).toString('base64')}` : null,
            }
          : `不支持的协议 ${u.protocol}`;
    } catch (err) {
      t = (err as Error).message;
    }
    if (targets.size >= 1000) targets.clear();
    targets.set(url, t);
  }
  return t;
}

/** undici's error codes for a connection the other side closed, under the name node:http gives them. */
const CLOSED = new Set(['UND_ERR_SOCKET', 'UND_ERR_CLOSED']);

/** The answer's body is read this far, then the connection is given up (the status stands). */
const MAX_BODY = 128 * 1024;

/** A timeout's or a closed connection's error code, in the words the deliveries show. */
function errorOf(err: Error, timeoutMs: number): string {
  const code = (err as { code?: string }).code;
  if (code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_BODY_TIMEOUT' || code === 'UND_ERR_CONNECT_TIMEOUT') return `超时（${timeoutMs} ms）`;
  return code && CLOSED.has(code) ? 'ECONNRESET' : (code ?? err.message);
}

/**
 * POSTs `body` with `headers` to `url`; resolves with the answer's status once the answer has been
 * read to its end, or an error, within `timeoutMs`. Never rejects.
 *
 * Through undici's `dispatch` with a handler of its own rather than `request`: the answer's status
 * and end are all a try needs, and `request` wraps each answer in a Readable body and an
 * AsyncResource only for it to be dumped — 24–27 µs of CPU per signed POST against 21–22 µs with
 * the handler (20,000 POSTs to a receiver in another process, 2 runs each, same hold).
 */
export function post1(url: string, body: string, headers: Record<string, string>, timeoutMs: number): Promise<PostResult> {
  const t = targetOf(url);
  if (typeof t === 'string') return Promise.resolve({ status: null, error: t });
  return new Promise((resolve) => {
    let status: number | null = null;
    let read = 0;
    const handler: Dispatcher.DispatchHandler = {
      // Its presence is what tells undici this handler takes its current (v7) callbacks.
      onRequestStart() {},
      onResponseStart(_controller, statusCode) {
        // An interim 1xx is not the answer: undici reads past it and calls again with the final one.
        status = statusCode;
      },
      onResponseData(controller, chunk) {
        read += chunk.length;
        if (read > MAX_BODY) controller.abort(new Error('answer too long'));
      },
      onResponseEnd() {
        resolve({ status, error: null });
      },
      onResponseError(_controller, err) {
        // A status line received is the receiver's answer: a body cut short (or too long) after it does not undo it.
        resolve(status !== null ? { status, error: null } : { status: null, error: errorOf(err, timeoutMs) });
      },
    };
    try {
      agent.dispatch(
        {
          origin: t.origin,
          path: t.path,
          method: 'POST',
          headers: t.authorization ? { ...headers, authorization: t.authorization } : headers,
          body,
          headersTimeout: timeoutMs,
          bodyTimeout: timeoutMs,
        },
        handler,
      );
    } catch (err) {
      resolve({ status: null, error: errorOf(err as Error, timeoutMs) });
    }
  });
}
