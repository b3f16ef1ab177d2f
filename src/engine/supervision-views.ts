/** The read side of supervision items: the item, its linked cases' current states, its journal. */
import { and, asc, eq, ilike, inArray, lte, or, type SQL } from 'drizzle-orm';
import type { AnyMachineSnapshot } from 'xstate';
import type { Actor } from '../machines/roles.js';
import { closingEvents, nextEvents } from '../machines/spec.js';
import type { Db } from '../db/client.js';
import { supervisionCases, supervisionEvents, supervisions } from '../db/schema.js';
import type { Rendered, Written } from './apply.js';
import { Forbidden, NotFound } from './errors.js';
import { restore } from './write/snapshots.js';
import { readWithView } from './write/sql.js';
import { isUuid, supervisionStore, type EntityRow } from './stores.js';
import { deadlineStatus, dueWithinBound } from './legal-time.js';
import { supervisionRanOut } from '../machines/supervision-spec.js';
import { deadlineViews, entityHead, entityTimes, historyItem, newestFirst, presentContext, type ViewOptions } from './views.js';

type SupervisionRow = typeof supervisions.$inferSelect;

function summary(row: SupervisionRow) {
  return {
    ...entityHead(row),
    kind: row.kind,
    subject: row.subject,
    respondent: row.respondent,
    overdue: row.overdue,
    rating: row.rating,
    ...entityTimes(row),
  };
}

/** `ranOut: {kind, dueAt, daysLeft, level}`: the report deadline a late item ran past, and by how much (as a case's). */
function ranOut(snapshot: AnyMachineSnapshot, opts: ViewOptions) {
  const d = supervisionRanOut(snapshot);
  return d ? { ranOut: { kind: d.kind, dueAt: d.dueAt, ...deadlineStatus(d.dueAt, opts.now ?? new Date(), opts.warningDays) } } : {};
}

function withDeadlines(snapshot: AnyMachineSnapshot, opts: ViewOptions) {
  return { deadlines: deadlineViews(supervisionStore.spec, snapshot, opts), ...ranOut(snapshot, opts) };
}

/** A linked case as `supervisionStore.viewData` reads it, in the item's order. */
interface LinkedCase {
  id: string;
  number: string;
  state: string;
  outcome: string | null;
  overdue: boolean;
  stationCode: string;
  disputeType: string;
}

/** The item with the linked sample cases as they stand now (专题问案), from the row, its snapshot and the linked cases. */
export function presentSupervision(actor: Actor, row: SupervisionRow, snapshot: AnyMachineSnapshot, linked: LinkedCase[], opts: ViewOptions = {}) {
  return {
    body: {
      ...summary(row),
      caseIds: linked.map((c) => c.id),
      cases: linked,
      context: presentContext(snapshot.context),
      deadlines: deadlineViews(supervisionStore.spec, snapshot, opts),
      ...ranOut(snapshot, opts),
      ...withClosing(snapshot, nextEvents(supervisionStore.spec, snapshot, actor, (opts.now ?? new Date()).toISOString())),
    },
  };
}

/** A write's answer: the item as written. */
export const renderSupervision = (actor: Actor, w: Written, opts: ViewOptions = {}): Rendered =>
  presentSupervision(actor, w.row as unknown as SupervisionRow, w.snapshot, w.data as LinkedCase[], opts);

/** The item, when it exists and this caller may read it (404 / 403 otherwise), with its linked cases. */
async function readable(db: Db, actor: Actor, id: string) {
  if (!supervisionStore.canRead(actor, {})) throw new Forbidden('forbidden.supervision_read');
  if (!isUuid(id)) throw new NotFound('not_found.supervision', { id });
  const found = await readWithView(db, supervisionStore, id);
  if (!found) throw new NotFound('not_found.supervision', { id });
  return found;
}

export async function getSupervision(db: Db, actor: Actor, id: string, opts: ViewOptions = {}) {
  const { row, viewData } = await readable(db, actor, id);
  return presentSupervision(actor, row as unknown as SupervisionRow, restore(supervisionStore, row), viewData as LinkedCase[], opts).body;
}

export async function supervisionHistory(db: Db, actor: Actor, id: string) {
  await readable(db, actor, id);
  const events = await db
    .select()
    .from(supervisionEvents)
    .where(eq(supervisionEvents.supervisionId, id))
    .orderBy(asc(supervisionEvents.seq));
  return { items: events.map((e) => historyItem(e)) };
}

export interface SupervisionFilters {
  state?: string;
  kind?: string;
  overdue?: boolean;
  /** Words of the number, the subject or the body asked to answer (no personal data in any of them). */
  q?: string;
  cursor?: string;
  limit?: number;
  /** DESIGN §11: a deadline whose last day is at most this many days away (overdue included). */
  dueWithinDays?: number;
}

export async function listSupervisions(db: Db, actor: Actor, f: SupervisionFilters, opts: ViewOptions = {}) {
  if (!supervisionStore.canRead(actor, {})) throw new Forbidden('forbidden.supervision_read');
  const where: SQL[] = [];
  if (f.state) where.push(eq(supervisions.state, f.state));
  if (f.kind) where.push(eq(supervisions.kind, f.kind));
  if (f.overdue !== undefined) where.push(eq(supervisions.overdue, f.overdue));
  if (f.q) {
    // A committee's list is a few hundred items a year: a scan, no index.
    const like = `%${f.q.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
    where.push(or(ilike(supervisions.number, like), ilike(supervisions.subject, like), ilike(supervisions.respondent, like))!);
  }
  if (f.dueWithinDays !== undefined) {
    // Overdue included: a report or rectification whose deadline already fired (REPORT_OVERDUE: no
    // deadline row left) is still due until it comes in.
    const ranOut = and(eq(supervisions.overdue, true), inArray(supervisions.state, ['awaitingReport', 'rectifying']));
    where.push(or(lte(supervisions.nextDueAt, dueWithinBound(f.dueWithinDays, opts.now ?? new Date())), ranOut)!);
  }
  const { page, nextCursor } = await newestFirst(supervisions, where, f, (w, order, n) =>
    db.select().from(supervisions).where(w).orderBy(...order).limit(n),
  );
  const counts = page.length
    ? await db
        .select({ id: supervisionCases.supervisionId, caseId: supervisionCases.caseId })
        .from(supervisionCases)
        .where(inArray(supervisionCases.supervisionId, page.map((r) => r.id)))
        .orderBy(asc(supervisionCases.position))
    : [];
  return {
    items: page.map((r) => ({
      ...summary(r),
      caseIds: counts.filter((c) => c.id === r.id).map((c) => c.caseId),
      ...withDeadlines(restore(supervisionStore, r as unknown as EntityRow), opts),
    })),
    nextCursor,
  };
}

/** `nextEvents`, and which of them close the item (CLOSE always; EVALUATE when satisfied). */
function withClosing(snapshot: Parameters<typeof closingEvents>[0], next: string[]) {
  return { nextEvents: next, ...closingEvents(snapshot, next) };
}
