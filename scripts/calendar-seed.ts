/**
 * Writes the SQL that seeds the statutory calendar (DESIGN §11) from the `chinese-days` data
 * package (pinned exactly in package.json): every holiday and make-up workday of the years it
 * covers, and those years as complete. The output is committed as a drizzle custom migration, so
 * a fresh PGlite or PostgreSQL has the calendar before the first request, and a review sees the
 * dates. Re-create it after upgrading the package (a new year published):
 *
 *   npx drizzle-kit generate --custom --name calendar_seed
 *   npx tsx scripts/calendar-seed.ts > drizzle/<that file>.sql
 *
 * Years the admin replaced (`source = 'admin'`) are never overwritten by a seed.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

const require = createRequire(import.meta.url);
const pkgDir = dirname(require.resolve('chinese-days/package.json'));
const version = (JSON.parse(readFileSync(join(pkgDir, 'package.json'), 'utf8')) as { version: string }).version;
const yearsDir = join(pkgDir, 'dist', 'years');
const years = readdirSync(yearsDir)
  .filter((f) => /^\d{4}\.json$/.test(f))
  .map((f) => Number(f.slice(0, 4)))
  .sort((a, b) => a - b);

/** `"National Day,国庆节,3"` → `国庆节` */
const nameOf = (v: string) => v.split(',')[1] ?? v;
const q = (s: string) => `'${s.replace(/'/g, "''")}'`;

const lines: string[] = [`-- The statutory calendar from chinese-days@${version} (years ${years[0]}–${years.at(-1)}), by scripts/calendar-seed.ts.`];
for (const year of years) {
  const data = JSON.parse(readFileSync(join(yearsDir, `${year}.json`), 'utf8')) as { holidays: Record<string, string>; workdays: Record<string, string> };
  const rows = [
    ...Object.entries(data.holidays).map(([d, v]) => `(${q(d)}, 'holiday', ${q(nameOf(v))})`),
    ...Object.entries(data.workdays).map(([d, v]) => `(${q(d)}, 'workday', ${q(nameOf(v))})`),
  ].sort();
  lines.push(
    `INSERT INTO "calendar_years" ("year", "source") VALUES (${year}, ${q(`chinese-days@${version}`)}) ON CONFLICT ("year") DO NOTHING;`,
    '--> statement-breakpoint',
    `INSERT INTO "calendar_days" ("date", "kind", "name") SELECT d::date, k, n FROM (VALUES ${rows.join(', ')}) AS v(d, k, n)` +
      ` WHERE NOT EXISTS (SELECT 1 FROM "calendar_years" y WHERE y."year" = ${year} AND y."source" = 'admin') ON CONFLICT ("date") DO NOTHING;`,
    '--> statement-breakpoint',
  );
}
lines.pop();
process.stdout.write(lines.join('\n') + '\n');
