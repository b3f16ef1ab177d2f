/**
 * What the server runs on each database connection before it listens (src/main.ts, through
 * openDatabase's `warm`): the reads people wait on first after a start — the case list, a search
 * by number and by name, the court's to-do, the committee's report — once each, so that their code
 * is loaded and compiled in this process, and each PostgreSQL backend has loaded the catalog
 * entries of the tables, indexes and functions they use and prepared their statements, before
 * the first clerk asks (issue 16: the first call after a restart). They change nothing and log
 * nothing: the list and the report are read as the committee, which sees no personal data (so no
 * access is logged), the searches as staff of a station that cannot exist (a code the directory
 * refuses), so they find no case and read no party; the to-do only reads.
 */
import type { Db } from '../db/client.js';
import type { Actor } from '../machines/roles.js';
import { enforcementReport } from './reports.js';
import { myTodo } from './todo.js';
import { listCases } from './views.js';

const WARM_UP = '00000000-0000-4000-8000-00000000f00d';
const committee: Actor = { id: WARM_UP, role: 'committee', name: '(warm-up)' };
const court: Actor = { id: WARM_UP, role: 'court', name: '(warm-up)' };
/** Station codes are letters, digits, - and _ (src/engine/directory.ts): no case is at this one. */
const nowhere: Actor = { id: WARM_UP, role: 'station', name: '(warm-up)', stationCode: '(warm-up)' };

export async function warmReads(db: Db): Promise<void> {
  await listCases(db, committee, {});
  // A case number (the number, text and name indexes: views.ts searchedCaseKeys) and a name (the
  // newest cases first: pageAmongNewest).
  await listCases(db, nowhere, { q: '2026-HL01-000001' });
  await listCases(db, nowhere, { q: '王伟' });
  await myTodo(db, court);
  await enforcementReport(db, committee, { format: 'json' });
}
