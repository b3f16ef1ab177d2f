/**
 * What `bench:reads` and `bench:report` set up alike before they time anything: one seeded
 * database per size beside DATABASE_URL's (`<name>_100k`, `<name>_1m`), reused while it holds that
 * many cases, and — for reads through HTTP — a real server process on it (`src/main.ts`, as
 * `npm start` runs it). Timing statistics are shared too, so both print the same median and p95.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import postgres from 'postgres';
import { seedDatabase } from './seed.js';
import { SERVER_ARGS } from '../test/helpers/server.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

/** 100000 → `100k`, 1000000 → `1m`: a size as it appears in database names and tables. */
export const sizeLabel = (n: number) => (n >= 1_000_000 ? `${n / 1_000_000}m` : n >= 1000 ? `${n / 1000}k` : String(n));

/**
 * The database of one size beside `base`'s: `…/jiefen_bench` → `…/jiefen_bench_100k`.
 *
 * @example sizedDatabaseUrl('postgres://postgres@127.0.0.1:5432/jiefen_bench', 1_000_000) // …/jiefen_bench_1m
 */
export function sizedDatabaseUrl(base: string, size: number): string {
  const u = new URL(base);
  u.pathname = `/${decodeURIComponent(u.pathname.slice(1))}_${sizeLabel(size)}`;
  return u.toString();
}

/** How many cases the database holds, or null when it does not exist or has no cases table. */
async function seededCount(url: string): Promise<number | null> {
  const admin = postgres(Object.assign(new URL(url), { pathname: '/postgres' }).toString(), { max: 1, onnotice: () => {} });
  try {
    const [exists] = await admin`select 1 as x from pg_database where datname = ${new URL(url).pathname.slice(1)}`;
    if (!exists) return null;
  } finally {
    await admin.end();
  }
  const c = postgres(url, { max: 1, onnotice: () => {} });
  try {
    const [row] = await c`select count(*)::int as n from cases`;
    return row.n;
  } catch {
    return null;
  } finally {
    await c.end();
  }
}

/**
 * The database for `size` cases beside `base`'s, seeded by scripts/seed.ts when it is missing or
 * holds another number of cases (`reseed`: always); its URL.
 */
export async function seededDatabase(base: string, size: number, opts: { reseed?: boolean } = {}): Promise<string> {
  const url = sizedDatabaseUrl(base, size);
  const have = await seededCount(url);
  if (opts.reseed || have !== size) {
    console.log(`\n== ${sizeLabel(size)}: seeding ${size} cases into ${new URL(url).pathname.slice(1)} (had ${have ?? 'no database'})`);
    const r = await seedDatabase(url, { cases: size, reset: true, log: (m) => console.log(m) });
    console.log(
      `   seeded in ${r.seconds.toFixed(0)} s (${JSON.stringify(r.phases)}; node CPU ${r.nodeCpuSeconds} s): ` +
        `${r.cases} cases, ${r.events} journal rows, ${r.activities} activities, ${r.supervisions.total} supervision items`,
    );
  }
  return url;
}

/** Median and p95 (nearest rank), and the extremes, of timings in ms. */
export function stats(ms: number[]) {
  const s = [...ms].sort((a, b) => a - b);
  const at = (p: number) => s[Math.min(s.length - 1, Math.ceil(p * s.length) - 1)];
  return { median: at(0.5), p95: at(0.95), min: s[0], max: s[s.length - 1] };
}

/**
 * The server as `npm start` runs it, on `url` at `port`, with no sweeper and no notification
 * dispatcher (they would add work of their own to what is timed); resolves once it listens.
 */
export async function startServer(url: string, port: number): Promise<ChildProcess> {
  const child = spawn(process.execPath, SERVER_ARGS, {
    cwd: ROOT,
    env: { ...process.env, DATABASE_URL: url, PORT: String(port), SWEEP_INTERVAL_MS: '0', NOTIFY_INTERVAL_MS: '0', LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  await new Promise<void>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (d) => {
      out += String(d);
      if (out.includes('listening on')) resolve();
    });
    child.on('exit', (code) => reject(new Error(`server exited (${code}): ${out}`)));
  });
  return child;
}

/** Stops a server `startServer` started and waits until it has exited. */
export async function stopServer(server: ChildProcess): Promise<void> {
  server.kill('SIGTERM');
  await new Promise((resolve) => server.once('exit', resolve));
}
