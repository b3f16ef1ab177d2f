/**
 * An event's Idempotency-Key record keeps its answer (2–3 kB of JSON for a case) in
 * `idempotency_keys.response`. Past ~2 kB a row's largest value is compressed: with lz4 where the
 * server has it (drizzle/0032), pglz was 6% of PostgreSQL's CPU on the write path. Where it has not
 * (PGlite), the column keeps pglz. Either way the replay answers exactly what the first answer said.
 */
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyEvent, createEntity } from '../../src/engine/apply.js';
import { caseStore } from '../../src/engine/stores.js';
import { rowsOf } from '../../src/db/client.js';
import type { Actor } from '../../src/machines/roles.js';
import { freshDatabase, type TestDatabase } from '../helpers/db.js';
import { seedDirectory } from '../helpers/actors.js';

let database: TestDatabase;
let court: Actor;

beforeAll(async () => {
  database = await freshDatabase();
  ({ court } = await seedDirectory(database.db));
});
afterAll(async () => database?.destroy());

const ctx = () => ({ db: database.db });
const small = (w: { row: { id: string; version: number } }) => ({ body: { id: w.row.id, version: w.row.version } });

describe("an event's idempotency record", () => {
  it('is compressed with lz4 where the server has it, pglz where not, and replays the answer exactly', async () => {
    const c = (
      await createEntity(ctx(), caseStore, court, { track: 'pre_filing', source: 'court_referral', stationCode: 'HL01', disputeType: '借贷', summary: '压缩', parties: [{ role: 'applicant', name: '甲' }] }, { render: small })
    ).body as { id: string };
    // An answer the size of a case's view, and more: 1,500 CJK characters are 4.5 kB of UTF-8.
    const minutes = '调解笔录'.repeat(375);
    const big = (w: { row: { id: string; version: number } }) => ({ body: { id: w.row.id, version: w.row.version, minutes, parties: [{ role: 'applicant', name: '甲' }] } });
    const idempotency = { key: `lz4-${c.id}`, hash: 'h-accept' };
    const first = await applyEvent(ctx(), caseStore, court, c.id, { type: 'ACCEPT' }, { render: big, idempotency });
    expect(first.replayed).toBe(false);

    const methods = rowsOf<{ enumvals: string[] | string }>(await database.db.execute(sql`select enumvals from pg_settings where name = 'default_toast_compression'`))[0].enumvals;
    const hasLz4 = (Array.isArray(methods) ? methods : String(methods).replace(/[{}]/g, '').split(',')).includes('lz4');
    expect(hasLz4, 'PostgreSQL 15 as packaged has lz4; PGlite has not').toBe(database.kind === 'postgres');
    const [stored] = rowsOf<{ method: string | null; bytes: number }>(
      await database.db.execute(sql`select pg_column_compression(response) as method, octet_length(response::text) as bytes from idempotency_keys where key = ${idempotency.key}`),
    );
    expect(Number(stored.bytes)).toBeGreaterThan(4000);
    expect(stored.method).toBe(hasLz4 ? 'lz4' : 'pglz');

    // The same request again: the first answer (personal data reduced as the store keeps it), no second transition.
    const again = await applyEvent(ctx(), caseStore, court, c.id, { type: 'ACCEPT' }, { render: big, idempotency });
    expect(again.replayed).toBe(true);
    expect(again.body).toEqual({ ...(first.body as object), parties: [{ role: 'applicant' }] });
    const [{ version }] = rowsOf<{ version: number }>(await database.db.execute(sql`select version from cases where id = ${c.id}`));
    expect(Number(version)).toBe(2);
  });
});
