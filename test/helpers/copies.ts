import { sql } from 'drizzle-orm';
import { rowsOf, type Db } from '../../src/db/client.js';

/**
 * Inserts `n` copies of the case `templateId`, row `i` (1…n) of `generate_series` taking each
 * column from `set` (an SQL expression that may use `i`) or else from the template: many cases in
 * one statement for the read-path tests.
 */
export async function copyCase(db: Db, templateId: string, n: number, set: Record<string, string>): Promise<void> {
  const columns = rowsOf<{ column_name: string }>(
    await db.execute(sql`select column_name from information_schema.columns where table_schema = 'public' and table_name = 'cases' order by ordinal_position`),
  ).map((r) => r.column_name);
  await db.execute(
    sql.raw(`insert into cases (${columns.map((c) => `"${c}"`).join(', ')})
      select ${columns.map((c) => set[c] ?? `c."${c}"`).join(', ')} from cases c, generate_series(1, ${n}) i where c.id = '${templateId}'`),
  );
}
