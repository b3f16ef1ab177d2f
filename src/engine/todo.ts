/**
 * GET /api/me/todo (DESIGN §11): what this user should do next, most urgent first.
 *
 * - court: cases awaiting screening, assignment or a confirmation decision; deadlines at warning
 *   level (and those already run out); supervision items awaiting the court's report or
 *   rectification (DESIGN §1: the court answers supervision requests), with their due dates;
 * - deputy: their sessions in the next 7 days; their cases' deadlines at warning level;
 * - station: their station's cases awaiting screening;
 * - committee: supervision items awaiting evaluation; reports overdue;
 * - admin: the years the statutory calendar is missing.
 */
import { and, asc, eq, inArray, lte, or, sql, type SQL } from 'drizzle-orm';
import type { CaseContext } from '../machines/case.js';
import type { Actor } from '../machines/roles.js';
import type { Db } from '../db/client.js';
import { cases, supervisions } from '../db/schema.js';
import { restore } from './write/snapshots.js';
import { calendarCoverage, dueWithinBound, type DeadlineLevel } from './legal-time.js';
import { caseStore, supervisionStore, type EntityRow } from './stores.js';
import { deadlineViews, type ViewOptions } from './views.js';

export type TodoKind =
  | 'screening'
  | 'assignment'
  | 'confirmation'
  | 'deadline'
  | 'session'
  | 'evaluation'
  | 'report_overdue'
  | 'report_due'
  | 'rectification_due'
  | 'calendar_missing';

/**
 * One thing to do, as data: the words a person reads (`title` in GET /api/me/todo, the web's list,
 * a deputy's daily digest) are made from it at the edge (`todoTitle` in src/words.ts).
 */
export interface TodoItem {
  kind: TodoKind;
  entity: { type: 'case' | 'supervision' | 'calendar'; id: string; number: string };
  /** What the item is about, as stored: a case's dispute type, a session's place, a supervision item's subject. */
  subject?: string;
  dueAt?: string;
  level: DeadlineLevel;
  /** For `deadline`: which deadline, and its days left (negative once run out). */
  deadline?: string;
  daysLeft?: number;
}

/** How many entities of each kind one list reads: a to-do list longer than this is read in the case list. */
const LIMIT = 200;
const SESSION_DAYS = 7;

/** The case states that wait on the court (or a station), and the to-do kind of each. */
const STATE_TODO: Record<string, TodoKind> = {
  'intake.screening': 'screening',
  'mediation.assigning': 'assignment',
  'agreement.confirming': 'confirmation',
};

const RANK: Record<DeadlineLevel, number> = { overdue: 0, warning: 1, normal: 2 };

/** Most urgent first: run out, then warning, then the rest; earlier due dates first; undated last. */
export function byUrgency(a: TodoItem, b: TodoItem): number {
  return (
    RANK[a.level] - RANK[b.level] ||
    (a.dueAt ? Date.parse(a.dueAt) : Infinity) - (b.dueAt ? Date.parse(b.dueAt) : Infinity) ||
    a.entity.number.localeCompare(b.entity.number)
  );
}

type CaseRow = typeof cases.$inferSelect;

function caseItems(rows: CaseRow[], opts: ViewOptions, want: { states: string[]; deadlines: boolean; sessionsOf?: string }): TodoItem[] {
  const now = opts.now ?? new Date();
  const items: TodoItem[] = [];
  for (const row of rows) {
    const entity = { type: 'case' as const, id: row.id, number: row.number };
    const snapshot = restore(caseStore, row as unknown as EntityRow);
    const byState = STATE_TODO[row.state];
    if (byState && want.states.includes(row.state)) {
      items.push({ kind: byState, entity, subject: row.disputeType, level: 'normal' });
    }
    if (want.deadlines) {
      for (const d of deadlineViews(caseStore.spec, snapshot, opts)) {
        if (d.level === 'normal') continue;
        items.push({ kind: 'deadline', entity, subject: row.disputeType, dueAt: d.dueAt, level: d.level, deadline: d.kind, daysLeft: d.daysLeft });
      }
    }
    const session = (snapshot.context as CaseContext).nextSession;
    if (want.sessionsOf && session) {
      const at = Date.parse(session.at);
      if (at >= now.getTime() && at <= now.getTime() + SESSION_DAYS * 86_400_000) {
        items.push({ kind: 'session', entity, subject: session.location, dueAt: session.at, level: 'normal' });
      }
    }
  }
  return items;
}

/**
 * The court's to-do cases: the oldest `limit` (by opened_at, then id) that wait in one of `states`
 * or have a deadline by `soon` — found as the oldest `limit` of each state (cases_state_idx, in its
 * order) and of the few deadlines by `soon`, rather than by walking every case oldest first until
 * `limit` match (12k rows, 150 ms at 1M cases). Any case among the oldest `limit` overall is among
 * the oldest `limit` of its own branch, so the result is the plain query's
 * (test/engine/read-paths.test.ts compares them).
 */
export async function courtTodoCases(db: Db, states: string[], soon: string, limit: number): Promise<CaseRow[]> {
  const branch = (where: SQL) => sql`(select ${cases.id}, ${cases.openedAt} from ${cases} where ${where} order by ${cases.openedAt}, ${cases.id} limit ${limit})`;
  const oldest = sql.join([...states.map((s) => branch(eq(cases.state, s))), branch(lte(cases.nextDueAt, soon))], sql` union `);
  return db
    .select()
    .from(cases)
    .where(sql`${cases.id} in (select id from (${oldest}) u order by opened_at, id limit ${limit})`)
    .orderBy(asc(cases.openedAt), asc(cases.id));
}

/** A supervision item's running deadline as its view shows it (none once it fired). */
const supervisionDeadline = (row: typeof supervisions.$inferSelect, opts: ViewOptions) =>
  deadlineViews(supervisionStore.spec, restore(supervisionStore, row as unknown as EntityRow), opts)[0];

/** The supervision items waiting for the court's report or rectification, each with its due date and level (overdue once it ran out). */
async function reportsToAnswer(db: Db, opts: ViewOptions): Promise<TodoItem[]> {
  const rows = await db
    .select()
    .from(supervisions)
    .where(inArray(supervisions.state, ['awaitingReport', 'rectifying']))
    .orderBy(asc(supervisions.openedAt))
    .limit(LIMIT);
  return rows.map((row) => {
    const d = supervisionDeadline(row, opts);
    return {
      kind: row.state === 'rectifying' ? 'rectification_due' : 'report_due',
      entity: { type: 'supervision', id: row.id, number: row.number },
      subject: row.subject,
      ...(d ? { dueAt: d.dueAt, daysLeft: d.daysLeft } : {}),
      level: row.overdue ? 'overdue' : (d?.level ?? 'normal'),
    };
  });
}

export async function myTodo(db: Db, actor: Actor, opts: ViewOptions = {}): Promise<{ items: TodoItem[] }> {
  const now = opts.now ?? new Date();
  const soon = dueWithinBound(opts.warningDays ?? 5, now);
  const read = (where: SQL) => db.select().from(cases).where(where).orderBy(asc(cases.openedAt)).limit(LIMIT);
  let items: TodoItem[] = [];
  switch (actor.role) {
    case 'court': {
      const states = Object.keys(STATE_TODO);
      items = caseItems(await courtTodoCases(db, states, soon, LIMIT), opts, { states, deadlines: true });
      items.push(...(await reportsToAnswer(db, opts)));
      break;
    }
    case 'deputy': {
      const mine = sql`${cases.deputyIds} @> ARRAY[${actor.deputyId ?? ''}]::text[]`;
      const rows = await read(and(mine, sql`${cases.outcome} is null`)!);
      items = caseItems(rows, opts, { states: [], deadlines: true, sessionsOf: actor.deputyId ?? '' });
      break;
    }
    case 'station': {
      const rows = await read(and(eq(cases.stationCode, actor.stationCode ?? ''), eq(cases.state, 'intake.screening'))!);
      items = caseItems(rows, opts, { states: ['intake.screening'], deadlines: false });
      break;
    }
    case 'committee': {
      const rows = await db
        .select()
        .from(supervisions)
        .where(or(eq(supervisions.state, 'reviewing'), and(eq(supervisions.overdue, true), inArray(supervisions.state, ['awaitingReport', 'rectifying']))))
        .orderBy(asc(supervisions.openedAt))
        .limit(LIMIT);
      for (const row of rows) {
        const entity = { type: 'supervision' as const, id: row.id, number: row.number };
        if (row.state === 'reviewing') {
          items.push({ kind: 'evaluation', entity, subject: row.subject, level: 'normal' });
          continue;
        }
        const d = supervisionDeadline(row, opts);
        items.push({ kind: 'report_overdue', entity, subject: row.subject, ...(d ? { dueAt: d.dueAt, daysLeft: d.daysLeft } : {}), level: 'overdue' });
      }
      break;
    }
    case 'admin': {
      for (const year of (await calendarCoverage(db, now)).missing) {
        items.push({ kind: 'calendar_missing', entity: { type: 'calendar', id: String(year), number: String(year) }, level: 'warning' });
      }
      break;
    }
  }
  return { items: items.sort(byUrgency) };
}
