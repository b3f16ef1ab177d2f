/**
 * drizzle/0034_submissions_phone_columns.sql: an accepted submission keeps no personal data
 * (DESIGN.md §10: a party's name and phone only in `parties`). On a database written before it —
 * where an accepted submission kept its sender's name and phone and the other side's name — the
 * migration
 * - empties them in accepted rows, and leaves pending and declined ones as they were;
 * - gives every row its phone's last 4 digits and its hash, the hash the engine computes
 *   (`phoneKey`): the status look-up and the per-phone daily limit go on working for them;
 * - gives neither to a row whose phone was erased (`已删除`) before it: it had no phone left;
 * - leaves the table with the columns and indexes it builds on an empty database.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MIGRATIONS_FOLDER, rowsOf } from '../../src/db/client.js';
import { lookupStatus, phoneKey } from '../../src/engine/submissions.js';
import { createWorld, type World } from '../helpers/world.js';

let w: World;

beforeAll(async () => {
  w = await createWorld();
}, 120_000);

afterAll(async () => {
  await w?.close();
});

const PHONE = '13604519871';
const ERASED_PHONE = '13604519872';

async function sent(phone: string, name: string) {
  const r = await w.call(null, 'POST', '/api/public/submissions', {
    stationCode: 'HL01', name, phone, counterparty: '对方某某', disputeType: '邻里纠纷', description: '楼上漏水', consent: true,
  });
  expect(r.status, JSON.stringify(r.body)).toBe(201);
  const [row] = rowsOf<{ id: string }>(await w.database.db.execute(sql`select id from submissions where receipt = ${r.body.receipt}`));
  return { id: row.id, receipt: r.body.receipt as string };
}

type Row = { id: string; name: string | null; phone: string | null; counterparty: string | null; phone_last4: string | null; phone_hash: string | null; status: string };
const rows = async () =>
  rowsOf<Row>(await w.database.db.execute(sql`select id, name, phone, counterparty, phone_last4, phone_hash, status from submissions order by submitted_at, id`));

describe('0034: the submission phone columns', () => {
  it('empties accepted rows, gives every row its last 4 digits and hash, and leaves the table as it builds it', async () => {
    const db = w.database.db;
    const pending = await sent(PHONE, '甲某');
    const accepted = await sent(PHONE, '乙某');
    const declined = await sent('13604519873', '丙某');
    const erased = await sent(ERASED_PHONE, '丁某');
    for (const s of [accepted, erased]) expect((await w.call(w.tokens.court, 'POST', `/api/submissions/${s.id}/accept`, { track: 'pre_filing' })).status).toBe(201);
    expect((await w.call(w.tokens.court, 'POST', `/api/submissions/${declined.id}/decline`, { reason: '不属于调解范围' })).status).toBe(200);

    const shape = async () => ({
      columns: rowsOf<{ c: string }>(
        await db.execute(sql`select column_name || ' ' || data_type || ' ' || is_nullable || ' ' || coalesce(column_default, '') as c from information_schema.columns where table_schema = 'public' and table_name = 'submissions' order by 1`),
      ).map((r) => r.c),
      indexes: rowsOf<{ d: string }>(await db.execute(sql`select indexdef as d from pg_indexes where schemaname = 'public' and tablename = 'submissions' order by 1`)).map((r) => r.d),
    });
    const before = await shape();
    const now = await rows();

    // The database as it was before 0034: the copies kept in accepted rows (one erased since), no
    // phone columns of their own.
    await db.execute(sql`drop index submissions_phone_hash_idx`);
    await db.execute(sql`alter table submissions drop column phone_last4, drop column phone_hash`);
    await db.execute(sql`update submissions set name = '乙某', phone = ${PHONE}, counterparty = '对方某某' where id = ${accepted.id}`);
    await db.execute(sql`update submissions set name = '已删除', phone = '已删除', counterparty = '已删除' where id = ${erased.id}`);
    await db.execute(sql`alter table submissions alter column name set not null, alter column phone set not null, alter column counterparty set not null`);
    await db.execute(sql`create index submissions_phone_idx on submissions using btree (phone, submitted_at)`);

    const migration = readFileSync(join(MIGRATIONS_FOLDER, '0034_submissions_phone_columns.sql'), 'utf8');
    for (const statement of migration.split('--> statement-breakpoint')) await db.execute(sql.raw(statement));

    expect(await shape()).toEqual(before);
    const after = await rows();
    // What the engine wrote, the migration writes: accepted rows hold nothing personal.
    expect(after).toEqual(now.map((r) => (r.id === erased.id ? { ...r, phone_last4: null, phone_hash: null } : r)));
    const byId = new Map(after.map((r) => [r.id, r]));
    expect(byId.get(accepted.id)).toEqual({ id: accepted.id, name: null, phone: null, counterparty: null, phone_last4: '9871', phone_hash: phoneKey(PHONE), status: 'accepted' });
    expect(byId.get(pending.id)).toMatchObject({ name: '甲某', phone: PHONE, phone_last4: '9871', phone_hash: phoneKey(PHONE) });
    expect(byId.get(declined.id)).toMatchObject({ name: '丙某', phone: '13604519873', phone_last4: '9873', phone_hash: phoneKey('13604519873') });

    // The look-up finds the accepted one by its last 4 digits (and the erased one by none).
    const ctx = { db, client: '192.0.2.10' };
    await expect(lookupStatus(ctx, { receipt: accepted.receipt, phone: '9871' })).resolves.toMatchObject({ status: 'case' });
    await expect(lookupStatus(ctx, { receipt: accepted.receipt, phone: '9870' })).rejects.toMatchObject({ code: 'not_found' });
    await expect(lookupStatus(ctx, { receipt: erased.receipt, phone: '9872' })).rejects.toMatchObject({ code: 'not_found' });
    // The daily limit counts the migrated rows by their hash: 2 of the phone's 5 are taken.
    for (let i = 0; i < 3; i++) await sent(PHONE, '甲某');
    const sixth = await w.call(null, 'POST', '/api/public/submissions', {
      stationCode: 'HL01', name: '甲某', phone: PHONE, counterparty: '对方某某', disputeType: '邻里纠纷', description: '楼上漏水', consent: true,
    });
    expect(sixth.status).toBe(429);
  });
});
