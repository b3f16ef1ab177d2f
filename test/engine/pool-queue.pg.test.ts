/**
 * postgres.js's pool queue, patched (patches/postgres+3.4.9.patch, `jiefen-patch` in
 * src/queue.js): a busy pool's queue of connections was shifted and pushed back on every query
 * without ever being empty, so it grew by a hole per query and every `remove` scanned all of
 * them — 74 µs of client CPU per query at 32 concurrent queries on 4 connections for 10 s, 25 with
 * the patch (`npm run bench:pool`). The patch must not change what the queue does: checked here
 * against a plain array on long random runs (past the compaction), and through a real pool kept
 * saturated.
 */
import { randomBytes } from 'node:crypto';
import postgres from 'postgres';
import { describe, expect, it } from 'vitest';
// The very module the pool uses (the package's exports do not list it; it has no types).
// @ts-expect-error TS7016
import Queue from '../../node_modules/postgres/src/queue.js';
import { SERVER_URL } from '../helpers/db.js';

type Q = { length: number; push(x: unknown): unknown; shift(): unknown; remove(x: unknown): unknown };

describe("postgres.js's pool queue (patched)", () => {
  it('is patched: remove looks only at what is still queued', async () => {
    const { readFile } = await import('node:fs/promises');
    for (const f of ['src', 'cjs/src', 'cf/src']) {
      expect(await readFile(new URL(`../../node_modules/postgres/${f}/queue.js`, import.meta.url), 'utf8')).toContain('xs.indexOf(x, index)');
    }
  });

  it('behaves as a plain FIFO array with removal, over 60,000 random operations', () => {
    let seed = 42;
    const rand = (n: number) => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) % n);
    const first = { id: -1 };
    const q = (Queue as (initial?: unknown[]) => Q)([first]);
    const model: { id: number }[] = [first];
    let next = 0;
    for (let i = 0; i < 60_000; i++) {
      const op = rand(10);
      if (op < 4 || model.length === 0) {
        const x = { id: next++ };
        expect(q.push(x)).toBe(x);
        model.push(x);
      } else if (op < 8) {
        expect(q.shift()).toBe(model.shift());
      } else if (op < 9) {
        const k = rand(model.length);
        expect(q.remove(model[k])).toBe(model[k]);
        model.splice(k, 1);
      } else {
        // Something not queued (already shifted or never pushed): nothing happens.
        expect(q.remove({ id: -3 })).toBeNull();
      }
      expect(q.length).toBe(model.length);
    }
    // A queue that is shifted and pushed without ever being empty, the busy pool's way.
    for (let i = 0; i < 20_000; i++) {
      const x = q.shift();
      expect(x).toBe(model.shift());
      q.push(x);
      model.push(x as { id: number });
      const k = rand(model.length);
      expect(q.remove(model[k])).toBe(model[k]);
      q.push(model[k]);
      model.push(model.splice(k, 1)[0]);
    }
    while (model.length) expect(q.shift()).toBe(model.shift());
    expect(q.length).toBe(0);
  });

  it('serves 32 concurrent queriers on 4 connections, each its own answer, for 20,000 queries', async () => {
    const sql = postgres(SERVER_URL, { max: 4, onnotice: () => {} });
    try {
      let n = 0;
      const wrong: string[] = [];
      await Promise.all(
        Array.from({ length: 32 }, async () => {
          while (n < 20_000) {
            const mine = randomBytes(6).toString('hex');
            n++;
            const [row] = await sql`select ${mine}::text as x`;
            if (row.x !== mine) wrong.push(`${row.x} for ${mine}`);
          }
        }),
      );
      expect(wrong).toEqual([]);
      expect(n).toBeGreaterThanOrEqual(20_000);
    } finally {
      await sql.end();
    }
  });
});
