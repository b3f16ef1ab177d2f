/**
 * postgres.js's send path, patched (patches/postgres+3.4.9.patch, `jiefen-patch` in
 * src/connection.js): a prepared query's Bind and Execute are written at once into one buffer,
 * nothing the connection writes is copied again, and a query's statement is found without making
 * a new `types + text` key string each time. What goes on the wire must not change: the patched
 * client and postgres.js as released (the package with the patch taken back off) run the same
 * thousands of random queries against the same fake server (test/helpers/fake-pg.ts) and must
 * write the same bytes in the same writes; then a real PostgreSQL gets the values back as sent
 * and the same statements are reused.
 */
import { execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { drizzle } from 'drizzle-orm/postgres-js';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { fakeServer } from '../helpers/fake-pg.js';
import { SERVER_URL } from '../helpers/db.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
type Postgres = typeof postgres;

/** The OIDs PostgreSQL gives the casts of these tests' statements (what picks each serializer). */
const OID: Record<string, number> = { text: 25, json: 114, jsonb: 3802, int4: 23, bool: 16, timestamptz: 1184, bytea: 17, uuid: 2950, numeric: 1700 };
const CASTS = Object.keys(OID);
/** What UTF-8 can say of a string: each lone surrogate becomes U+FFFD. */
const wellFormed = (s: string) => Buffer.from(s).toString();
const castOf = (sql: string, i: number) => OID[new RegExp(`\\$${i + 1}::(\\w+)`).exec(sql)?.[1] ?? 'text'];

function prng(seed: number) {
  return (n: number) => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) % n);
}

const CHINESE = '调解员人大代表联络站司法确认申请人被申请人借款本金利息协商履行法院多元解纷工作室';
const PIECES = ['', 'a', "it's", 'back\\slash', '"quoted"', '\0', '\n\t', '😀', '👍🏽', '🇨🇳', '\ud800', '\udfff', 'x\udc00y', 'é', '€', CHINESE];

/** A string of `len` UTF-16 units, or about: ASCII, Chinese, emoji, lone surrogates, mixed. */
function randomString(rand: (n: number) => number, len: number): string {
  const kind = rand(5);
  if (kind === 0) return 'a'.repeat(len);
  if (kind === 1) return CHINESE.repeat(Math.ceil(len / CHINESE.length)).slice(0, len);
  let s = '';
  while (s.length < len) s += kind === 2 ? PIECES[rand(PIECES.length)] : String.fromCharCode(rand(kind === 3 ? 0x80 : 0x10000));
  return s;
}

/** A parameter value: the kinds an application passes, sizes from nothing to past 64 kB. */
function randomValue(rand: (n: number) => number): unknown {
  switch (rand(14)) {
    case 0:
    case 1:
      return null;
    case 2:
      return '';
    case 3:
      return rand(1000) - 500;
    case 4:
      return [0.5, -0, 1e21, NaN, Infinity, 2 ** 53][rand(6)];
    case 5:
      return rand(2) === 0;
    case 6:
      return new Date(1_765_000_000_000 + rand(1e9));
    case 7:
      return Buffer.from(randomString(rand, rand(40)));
    case 8:
      return BigInt(rand(1e9)) * 1_000_000_000n;
    case 9:
      return [randomString(rand, 3), randomString(rand, 2)];
    case 10:
      return randomString(rand, [20_000, 30_000, 70_000][rand(3)]); // past the slab, past 64 kB
    default:
      return randomString(rand, [1, 10, 100, 1200, 2400, 5000][rand(6)]);
  }
}

/** A message the fake server cannot read is never answered: fail then, not at the test's timeout. */
async function answered<T>(p: Promise<T>, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const stuck = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: no answer in 5 s (a message the server could not read?)`)), 5000);
  });
  return Promise.race([p, stuck]).finally(() => clearTimeout(timer));
}

interface Run {
  chunks: Buffer[];
  outcomes: string[];
}

/** The same random queries through `pg`, with each socket's writes recorded. */
async function runQueries(pg: Postgres, seed: number, opts: { drizzle: boolean }): Promise<Run> {
  const rand = prng(seed);
  const fake = fakeServer({ record: true, paramType: castOf });
  // Statement names are random per connection: the same ones for both clients.
  const random = vi.spyOn(Math, 'random').mockReturnValue(0.123456789);
  const sql = pg({ ...fake.options, max: 1, onnotice: () => {} });
  if (opts.drizzle) drizzle(sql); // the server's client: jsonb and timestamps passed as they are
  const texts = Array.from({ length: 12 }, (_, t) => {
    const n = t === 0 ? 0 : rand(40) + 1;
    return `/* ${t} */ select ${Array.from({ length: n }, (_, i) => `$${i + 1}::${CASTS[rand(CASTS.length)]}`).join(', ') || '1'}`;
  });
  const outcomes: string[] = [];
  try {
    for (let q = 0; q < 1000; ) {
      // Some queries in the same tick: pipelined, their writes joined.
      const batch = Array.from({ length: 1 + (rand(4) === 0 ? rand(6) : 0) }, () => {
        q++;
        const text = texts[rand(texts.length)];
        const n = (text.match(/\$/g) ?? []).length;
        const params = Array.from({ length: n }, () => randomValue(rand));
        return sql.unsafe(text, params as never[], { prepare: rand(5) !== 0 }).values();
      });
      for (const r of await answered(Promise.allSettled(batch), `query ${q}`)) outcomes.push(r.status === 'fulfilled' ? 'ok' : String((r.reason as Error).message));
    }
    await answered(sql`select ${'tagged'}, ${null}, ${CHINESE}`, 'a tagged query');
    await answered(sql.begin((tx) => tx`select ${1}::int4`), 'a transaction');
  } finally {
    await answered(sql.end(), 'the end');
    random.mockRestore();
  }
  return { chunks: fake.sockets.flatMap((s) => s.written), outcomes };
}

describe("postgres.js's send path (patched)", () => {
  let released: Postgres;
  let dir: string;

  beforeAll(async () => {
    // postgres.js as released: this package with jiefen's patch taken off again.
    dir = mkdtempSync(join(tmpdir(), 'pgsend-released-'));
    cpSync(join(ROOT, 'node_modules/postgres'), join(dir, 'node_modules/postgres'), { recursive: true });
    execFileSync('git', ['apply', '-R', join(ROOT, 'patches/postgres+3.4.9.patch')], { cwd: dir });
    released = (await import(pathToFileURL(join(dir, 'node_modules/postgres/src/index.js')).href)).default;
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('is patched, in all three builds, and the released copy is not', () => {
    for (const f of ['src', 'cjs/src', 'cf/src']) {
      const text = readFileSync(join(ROOT, `node_modules/postgres/${f}/connection.js`), 'utf8');
      expect(text).toContain('function BindExecute(');
      expect(text).toContain('signature(types, string)');
    }
    expect(readFileSync(join(dir, 'node_modules/postgres/src/connection.js'), 'utf8')).not.toContain('jiefen-patch');
  });

  for (const [seed, drizzleSerializers] of [[1, false], [2, true], [3, false]] as const) {
    it(`writes the bytes released postgres.js writes, in the same writes: 1,000 random queries (seed ${seed}${drizzleSerializers ? ", drizzle's serializers" : ''})`, async () => {
      const before = await runQueries(released, seed, { drizzle: drizzleSerializers });
      const after = await runQueries(postgres, seed, { drizzle: drizzleSerializers });
      expect(after.outcomes).toEqual(before.outcomes);
      // The run is worth comparing: most queries ran, some failed in their serializers.
      expect(before.outcomes.filter((o) => o === 'ok').length).toBeGreaterThan(100);
      expect(before.outcomes.some((o) => o !== 'ok')).toBe(true);
      expect(after.chunks.length).toBe(before.chunks.length);
      const total = before.chunks.reduce((n, c) => n + c.length, 0);
      expect(total).toBeGreaterThan(5_000_000);
      for (let i = 0; i < before.chunks.length; i++) {
        if (!after.chunks[i].equals(before.chunks[i])) expect({ write: i, bytes: after.chunks[i].toString('hex') }).toEqual({ write: i, bytes: before.chunks[i].toString('hex') });
      }
    }, 120_000);
  }

  it('sends values PostgreSQL gets back as they were, and reuses statements across values and types', async () => {
    const sql = postgres(SERVER_URL, { max: 1, onnotice: () => {} });
    drizzle(sql); // the server's client: a jsonb is sent as the JSON text it is given
    // PostgreSQL takes no NUL in text
    const text = (rand: (n: number) => number, len: number) => randomString(rand, len).replace(/\0/g, ' ');
    try {
      const rand = prng(7);
      const statement = 'select $1::text as a, $2::jsonb as b, $3::int4 as c, $4::text as d, $5::bytea as e';
      for (let i = 0; i < 300; i++) {
        const a = rand(4) === 0 ? null : text(rand, [0, 5, 2400, 70_000][rand(4)]);
        // (JSON refuses the escape of a lone surrogate)
        const b = JSON.stringify({ answer: wellFormed(text(rand, rand(3000))), n: i });
        const d = rand(3) === 0 ? '' : text(rand, rand(200));
        const e = Buffer.from(randomString(rand, rand(100)));
        const [row] = await sql.unsafe(statement, [a, b, i, d, e], { prepare: true });
        // A lone surrogate arrives as U+FFFD: UTF-8 has no other way to say it.
        expect(row).toEqual({ a: a === null ? null : wellFormed(a), b: JSON.parse(b), c: i, d: wellFormed(d), e });
      }
      // Many at once on the one connection: pipelined, small messages waiting to be joined while
      // the next are made — none may be overwritten before it is sent.
      const rows = await Promise.all(
        Array.from({ length: 400 }, async (_, i) => {
          const a = rand(5) === 0 ? null : text(rand, [1, 30, 300, 3000][rand(4)]);
          const [row] = await sql.unsafe('select $1::text as a, $2::int4 as i', [a, i], { prepare: true });
          return [row, { a: a === null ? null : wellFormed(a), i }];
        }),
      );
      for (const [got, sent] of rows) expect(got).toEqual(sent);
      // null and strings are both untyped (0): one statement; a Buffer is a bytea: a second.
      await sql.unsafe('select $1::text is null as n', [null], { prepare: true });
      await sql.unsafe('select $1::text is null as n', ['x'], { prepare: true });
      await sql.unsafe('select $1::text is null as n', [Buffer.from('x')], { prepare: true });
      await sql.unsafe('select $1::text is null as n', [null], { prepare: true });
      const prepared = await sql`select statement, parameter_types::text[] as types from pg_prepared_statements order by prepare_time`;
      expect(prepared.filter((p) => p.statement === statement)).toHaveLength(1);
      expect(prepared.filter((p) => p.statement === 'select $1::text is null as n').map((p) => p.types)).toEqual([['text'], ['bytea']]);
    } finally {
      await sql.end();
    }
  });
});
