/**
 * `npm run bench:send`: postgres.js's send path — building a query, its Bind message and the
 * writes — with no server to wait for: the pool talks to test/helpers/fake-pg.ts in this process,
 * which answers every statement at once with no rows. Prints this process's CPU per query (the
 * fake server's share included, the same before and after) for two shapes, at the server's
 * concurrency (32 queriers on a pool of 4):
 *
 * - `swap`: shaped as the engine's event write (`swap`, src/engine/write/sql.ts): a 2 kB statement
 *   with 30 parameters, 4.3 kB of Bind — a 1.2 kB snapshot JSON, a 2.4 kB answer JSON in Chinese,
 *   ids, numbers, nulls;
 * - `one`: `select $1::int`, the floor every query pays.
 *
 * Their difference is what the swap's parameters cost on the way out (patches/README.md).
 *
 *   npm run bench:send [-- --duration 5 --runs 3]
 */
import { parseArgs } from 'node:util';
import { drizzle } from 'drizzle-orm/postgres-js';
import postgres from 'postgres';
import { fakeServer } from '../test/helpers/fake-pg.js';

const { values: args } = parseArgs({
  options: {
    duration: { type: 'string', default: '5' },
    runs: { type: 'string', default: '3' },
    concurrency: { type: 'string', default: '32' },
    max: { type: 'string', default: '4' },
  },
});

/** The shape of the swap's SQL: one CTE per row it writes, ~2 kB, 30 placeholders. */
const SWAP_SQL = (() => {
  const cols = ['id', 'case_id', 'version', 'state', 'snapshot', 'payload', 'actor_id', 'actor_role', 'request_id', 'at'];
  const parts: string[] = [];
  let n = 0;
  for (const table of ['cases', 'case_events', 'idempotency_keys']) {
    const ps = cols.map(() => `$${++n}`);
    parts.push(
      `${table}_w as (insert into "${table}" (${cols.map((c) => `"${c}"`).join(', ')}) values (${ps.join(', ')}) ` +
        `on conflict ("id") do update set ${cols.map((c) => `"${c}" = excluded."${c}"`).join(', ')} returning "id", "version")`,
    );
  }
  return `with ${parts.join(', ')} select (select count(*) from cases_w), (select count(*) from case_events_w), (select count(*) from idempotency_keys_w)`;
})();

/** What PostgreSQL would infer for the swap's parameters: jsonb, uuid, int, text, timestamptz. */
function swapParamType(index: number): number {
  return [2950, 2950, 23, 25, 3802, 3802, 2950, 25, 25, 1184][index % 10];
}

const SNAPSHOT = JSON.stringify({
  value: { mediation: 'active' },
  context: {
    caseId: '7d3f8a2e-1b4c-4e5f-9a6b-0c1d2e3f4a5b',
    sessions: Array.from({ length: 8 }, (_, i) => ({ at: `2026-12-0${i + 1}T09:30:00.000Z`, room: `R${i}`, minutes: 45 + i })),
    deadlines: { acceptBy: '2026-12-20T00:00:00.000Z', closeBy: '2027-01-30T00:00:00.000Z' },
    parties: ['p-1', 'p-2', 'p-3'],
  },
  status: 'active',
  historyValue: {},
  version: 17,
}).padEnd(1200, ' ');
const ANSWER = JSON.stringify({
  type: 'RECORD_SESSION',
  summary: '双方当事人就借款本金及利息的支付方式进行了协商，申请人同意分三期收回欠款，被申请人表示认可并承诺按期履行。'.repeat(6),
  attendees: ['申请人张某', '被申请人李某', '调解员王某', '人大代表赵某'],
  note: 'next session to confirm the schedule of payments',
}).padEnd(2400, ' ');

/** One swap's parameters, as the engine passes them (src/db/statements.ts): strings, numbers, nulls. */
function swapParams(i: number): unknown[] {
  const id = `0b6e${(i % 65536).toString(16).padStart(4, '0')}-2c3d-4e5f-8a9b-0c1d2e3f4a5b`;
  const row = (k: number) => [id, id, 17 + k, 'mediation.active', SNAPSHOT, k === 1 ? ANSWER : null, id, 'mediator', `req-${i}-${k}`, '2026-12-06T05:00:00.000Z'];
  return [...row(0), ...row(1), ...row(2)];
}

async function run(shape: 'swap' | 'one', seconds: number): Promise<{ n: number; cpu: number; wall: number }> {
  const fake = fakeServer({ paramType: (sql, i) => (sql === SWAP_SQL ? swapParamType(i) : 23) });
  const client = postgres({ ...fake.options, max: Number(args.max), onnotice: () => {} });
  drizzle(client); // the server's client: drizzle's serializers (jsonb, timestamps passed as they are)
  const query = shape === 'swap' ? (i: number) => client.unsafe(SWAP_SQL, swapParams(i) as never[], { prepare: true }).values() : (i: number) => client.unsafe('select $1::int', [i], { prepare: true }).values();
  await Promise.all(Array.from({ length: Number(args.max) * 2 }, (_, i) => query(i))); // every connection open, statements prepared
  let n = 0;
  const until = performance.now() + seconds * 1000;
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: Number(args.concurrency) }, async () => {
      while (performance.now() < until) await query(n++);
    }),
  );
  const cpu = process.cpuUsage(cpu0);
  const wall = performance.now() - t0;
  await client.end();
  return { n, cpu: cpu.user + cpu.system, wall };
}

const seconds = Number(args.duration);
const swap: number[] = [];
const one: number[] = [];
for (let r = 0; r < Number(args.runs); r++) {
  for (const shape of ['swap', 'one'] as const) {
    const { n, cpu, wall } = await run(shape, seconds);
    (shape === 'swap' ? swap : one).push(cpu / n);
    console.log(`${shape.padEnd(4)} ${n} queries in ${(wall / 1000).toFixed(1)} s: ${((wall * 1000) / n).toFixed(1)} µs/query wall, client CPU ${(cpu / n).toFixed(1)} µs/query`);
  }
}
const med = (xs: number[]) => xs.sort((a, b) => a - b)[xs.length >> 1];
console.log(`median client CPU: swap ${med(swap).toFixed(1)} µs/query, one ${med(one).toFixed(1)} µs/query, swap − one ${(med(swap) - med(one)).toFixed(1)} µs`);
