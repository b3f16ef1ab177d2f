/**
 * Sending a round of notices (webhooks and SMS alike): each a signed POST over kept-open
 * connections, several at once. The dispatcher (src/engine/notify/dispatcher.ts) decides what is
 * sent and records what came of it; this module only sends. It runs in a worker thread of its own
 * (src/engine/notify/send-worker.ts), so that signing and HTTP — the part of delivery that grows
 * with every notice — do not take turns with the API's requests on the main thread; or here, on
 * the calling thread, when no worker can be had.
 */
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { createHmac } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import { post1 } from './http-post.js';

/** One POST: `id` is its `webhook-id`; signed per Standard Webhooks when `secret` is given. */
export interface SendJob {
  url: string;
  body: string;
  id: string;
  secret: string | null;
}

/** What a try came to: an HTTP status (null: no answer), or an error; when it began (epoch ms). */
export interface SendOutcome {
  ok: boolean;
  status: number | null;
  error: string | null;
  durationMs: number;
  startedAt: number;
}

/** Tries under way at once per round (and sockets kept open to each receiver). */
export const CONCURRENCY = 16;

/**
 * The HMAC key of a secret: a `whsec_<base64>` secret's decoded bytes, any other text's own bytes
 * (an SMS gateway's secret). A `whsec_` secret that is not canonical base64 gets no key here:
 * standardwebhooks' own decoder judges it (and refuses it, as before).
 */
function keyOf(secret: string): Buffer | null {
  if (!secret.startsWith('whsec_')) return Buffer.from(secret, 'utf8');
  const encoded = secret.slice('whsec_'.length);
  const key = Buffer.from(encoded, 'base64');
  return key.length > 0 && key.toString('base64') === encoded ? key : null;
}

/** Keys by secret: each decoded once, not once per message. */
const keys = new Map<string, Buffer | null>();

/**
 * The Standard Webhooks signature of message `id` sent at `at` (`v1,<base64 HMAC-SHA256 of
 * "id.timestamp.body">`, timestamp in whole seconds), computed with node:crypto: byte for byte what
 * the `standardwebhooks` library's `Webhook.sign` gives for the same secret and message
 * (test/engine/webhook-signature.test.ts checks it on thousands of random ones, and every delivery
 * test verifies with the library), at a fifth of its CPU — the library hashes in JavaScript
 * (fast-sha256), 13 µs a message against 3 µs, on the sender's path of every notice. A secret
 * node:crypto cannot take as the library would is signed by the library itself.
 */
export function signature(secret: string, id: string, at: Date, body: string): string {
  let key = keys.get(secret);
  if (key === undefined) {
    if (keys.size >= 1000) keys.clear();
    keys.set(secret, (key = keyOf(secret)));
  }
  if (!key) return new Webhook(secret).sign(id, at, body);
  return `v1,${createHmac('sha256', key).update(`${id}.${Math.floor(at.getTime() / 1000)}.${body}`).digest('base64')}`;
}

/** The Standard Webhooks headers of a message `id` sent at `at`. */
export function signedHeaders(secret: string, id: string, at: Date, body: string): Record<string, string> {
  return {
    'webhook-id': id,
    'webhook-timestamp': String(Math.floor(at.getTime() / 1000)),
    'webhook-signature': signature(secret, id, at, body),
  };
}

/** POSTs `body` to `url` (src/engine/notify/http-post.ts); any answer within `timeoutMs` is an outcome, 2xx a success; never throws. */
export async function post(url: string, body: string, headers: Record<string, string>, timeoutMs: number): Promise<SendOutcome> {
  const startedAt = Date.now();
  const started = performance.now();
  const { status, error } = await post1(url, body, { 'Content-Type': 'application/json', 'User-Agent': 'jiefen-webhooks/1', ...headers }, timeoutMs);
  const ok = status !== null && status >= 200 && status < 300;
  return { ok, status, error: ok ? null : (error ?? `HTTP ${status}`).slice(0, 500), durationMs: Math.round(performance.now() - started), startedAt };
}

/**
 * Sends `jobs`, `CONCURRENCY` at once, each signed as it begins; a job begins only before
 * `sendBy` (epoch ms). Returns each job's outcome in order: null for a job not begun.
 */
export async function sendJobs(jobs: SendJob[], sendBy: number, timeoutMs: number): Promise<(SendOutcome | null)[]> {
  const out: (SendOutcome | null)[] = new Array(jobs.length).fill(null);
  let next = 0;
  const worker = async () => {
    while (next < jobs.length) {
      const i = next++;
      const now = Date.now();
      if (now > sendBy) continue;
      const j = jobs[i];
      const headers = j.secret ? signedHeaders(j.secret, j.id, new Date(now), j.body) : { 'webhook-id': j.id };
      out[i] = await post(j.url, j.body, headers, timeoutMs);
    }
  };
  await Promise.all(Array.from({ length: Math.min(CONCURRENCY, jobs.length) }, worker));
  return out;
}

/** Sends a round's jobs: here, or in the sender thread. */
export interface Sender {
  send(jobs: SendJob[], sendBy: number, timeoutMs: number): Promise<(SendOutcome | null)[]>;
  /** Makes ready what the first round would (a thread): the dispatcher's start calls it. */
  start?(): void;
}

/** On the calling thread. */
export const inlineSender: Sender = { send: sendJobs };

interface Waiting {
  resolve: (outcomes: (SendOutcome | null)[]) => void;
  reject: (err: Error) => void;
}
let thread: { worker: Worker; waiting: Map<number, Waiting>; n: number } | undefined;

/** The worker's module is TypeScript, like this one: the thread registers tsx, then loads it. */
function startThread(): NonNullable<typeof thread> {
  const tsx = typeof import.meta.resolve === 'function' ? import.meta.resolve('tsx/esm/api') : pathToFileURL(createRequire(import.meta.url).resolve('tsx/esm/api')).href;
  const entry = new URL('./send-worker.ts', import.meta.url).href;
  const boot = `import(${JSON.stringify(tsx)}).then((t) => { (t.register ?? t.default.register)(); return import(${JSON.stringify(entry)}); })`;
  const worker = new Worker(boot, { eval: true });
  // Idle, the thread keeps no process alive; while a round is out, it does.
  worker.unref();
  const t = { worker, waiting: new Map<number, Waiting>(), n: 0 };
  worker.on('message', (m: { n: number; outcomes?: (SendOutcome | null)[]; error?: string }) => {
    const w = t.waiting.get(m.n);
    if (!w) return;
    t.waiting.delete(m.n);
    if (t.waiting.size === 0) worker.unref();
    if (m.outcomes) w.resolve(m.outcomes);
    else w.reject(new Error(m.error ?? 'sender thread failed'));
  });
  const fail = (err: Error) => {
    if (thread === t) thread = undefined;
    for (const w of t.waiting.values()) w.reject(err);
    t.waiting.clear();
  };
  worker.on('error', fail);
  worker.on('exit', (code) => fail(new Error(`sender thread exited (${code})`)));
  return t;
}

/**
 * In a worker thread of this process, started with the dispatcher (or at the first round) and
 * kept: signing and HTTP take their CPU beside the main thread's, not from it. A thread that dies
 * fails the rounds it held (their claims run out and are tried again, with the same ids); the
 * next round starts another.
 */
export const threadSender: Sender = {
  // Booting the thread (tsx, then this module) costs 0.2–0.3 s of CPU once: at the server's start,
  // not in the middle of the first notices' round.
  start() {
    thread ??= startThread();
  },
  send(jobs, sendBy, timeoutMs) {
    if (jobs.length === 0) return Promise.resolve([]);
    const t = (thread ??= startThread());
    const n = ++t.n;
    return new Promise((resolve, reject) => {
      t.waiting.set(n, { resolve, reject });
      if (t.waiting.size === 1) t.worker.ref();
      t.worker.postMessage({ n, jobs, sendBy, timeoutMs });
    });
  },
};
