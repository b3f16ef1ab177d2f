/**
 * The server's warm-up before it listens (src/engine/warm.ts) changes nothing and logs nothing,
 * even where its searches would find cases and its lists show personal data to court staff: it
 * reads as the committee and as staff of a station that cannot exist.
 */
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rowsOf } from '../../src/db/client.js';
import { warmReads } from '../../src/engine/warm.js';
import { createWorld, type World } from '../helpers/world.js';

let w: World;
beforeAll(async () => {
  w = await createWorld();
  // Cases its searches would find for court staff: the number it asks for in a summary, and the name.
  await w.openCase({ summary: '与2026-HL01-000001号案同一借款', parties: [{ role: 'applicant', name: '王伟', idNumber: '230102199001011234', phone: '13812345678' }, { role: 'respondent', name: '李四' }] });
  await w.openCase();
}, 60_000);
afterAll(async () => {
  await w?.close();
});

const counts = async () =>
  rowsOf<Record<string, number>>(
    await w.database.db.execute(sql`select (select count(*)::int from access_log) as access, (select count(*)::int from audit_log) as audit,
      (select count(*)::int from case_events) as events, (select count(*)::int from cases) as cases, (select count(*)::int from idempotency_keys) as keys`),
  )[0];

describe('warmReads', () => {
  it('reads, and writes nothing: no access logged, no row added', async () => {
    const before = await counts();
    await warmReads(w.database.db);
    await warmReads(w.database.db);
    expect(await counts()).toEqual(before);
  });
});
