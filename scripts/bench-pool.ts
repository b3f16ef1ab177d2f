/**
 * `npm run bench:pool`: postgres.js's pool kept saturated, the server's shape — 32 concurrent
 * queriers on a pool of 4 connections (DATABASE_POOL_SIZE's default on 2 cores), each running a
 * one-row query in a loop for `--duration` seconds. Prints queries/s and this process's CPU per
 * query: what the pool's own bookkeeping costs (patches/postgres+3.4.9.patch, the queue).
 *
 *   npm run bench:pool [-- --duration 10 --concurrency 32 --max 4]
 */
import { parseArgs } from 'node:util';
import postgres from 'postgres';

const { values: args } = parseArgs({
  options: { duration: { type: 'string', default: '10' }, concurrency: { type: 'string', default: '32' }, max: { type: 'string', default: '4' } },
});
const url = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const sql = postgres(url, { max: Number(args.max), onnotice: () => {} });
await sql`select 1`;
const until = performance.now() + Number(args.duration) * 1000;
let n = 0;
const cpu0 = process.cpuUsage();
const t0 = performance.now();
await Promise.all(
  Array.from({ length: Number(args.concurrency) }, async () => {
    while (performance.now() < until) {
      await sql`select ${n}::int as x`;
      n++;
    }
  }),
);
const cpu = process.cpuUsage(cpu0);
const seconds = (performance.now() - t0) / 1000;
console.log(
  `${args.concurrency} queriers on ${args.max} connections: ${n} queries in ${seconds.toFixed(1)} s, ${(n / seconds).toFixed(0)} queries/s, ` +
    `client CPU ${((cpu.user + cpu.system) / n).toFixed(1)} µs/query`,
);
await sql.end();
