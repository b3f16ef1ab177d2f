/**
 * The read side: what a caller may see of a case, with personal data masked by role (PIPL) and
 * every unmasked read written to the access log.
 */
import { and, asc, desc, eq, getTableColumns, ilike, inArray, lt, lte, or, sql, type SQL } from 'drizzle-orm';
import type { PgColumn } from 'drizzle-orm/pg-core';
import type { AnyMachineSnapshot } from 'xstate';
import { endOfDate, startOfShanghaiDay } from '../machines/calendar.js';
import { fenToYuan } from '../machines/money.js';
import { can, caseScope, partyAsSeen, searchesPartyIdentifiers, searchesPartyNames, seesPartyNames, seesPersonalData } from '../machines/policy.js';
import { isPhoneNumber, normalisePhone } from '../machines/fields.js';
import type { Actor } from '../machines/roles.js';
import { closingEvents, offeredEvents, type MachineSpec } from '../machines/spec.js';
import { mediationExpiresAt, outstandingFen, unrecoveredFen, type CaseContext } from '../machines/case.js';
import { ranOutDeadline } from '../machines/case-spec.js';
import { isoOf, rowsOf, type Db } from '../db/client.js';
import { slot, statement } from '../db/statements.js';
import { accessLog, caseDeputies, caseEvents, caseNumberGrams, cases, caseTexts, caseSearchGrams, parties, partySearchGrams, stations } from '../db/schema.js';
import type { Rendered, Written } from './apply.js';
import { fieldError, Forbidden, NotFound, ValidationError } from './errors.js';
import { restore } from './write/snapshots.js';
import { readWithView } from './write/sql.js';
import { caseStore, isUuid, type EntityRow } from './stores.js';
import { deadlineStatus, dueWithinBound } from './legal-time.js';

/** A party as a case view shows it: `caseStore.viewData` reads these, in order. */
type PartyRow = Pick<typeof parties.$inferSelect, 'role' | 'name' | 'idNumber' | 'phone'> & { id?: string };

function partyView(p: PartyRow, unmasked: boolean, names = true) {
  return partyAsSeen({ role: p.role, name: p.name, idNumber: p.idNumber, phone: p.phone }, unmasked, names);
}

/** Context for people: fen become yuan strings (`paidFen` → `paidAmount`, `amountFen` → `amount`). */
export function presentContext(value: unknown): unknown {
  if (value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map(presentContext);
  const source = value as Record<string, unknown>;
  const keys = Object.keys(source);
  return (presenterOf(keys) ?? presentKeys)(source, keys);
}

/** One object of a context as people see it: the keys of `source` in order, fen keys renamed and shown in yuan. */
type Presenter = (source: Record<string, unknown>, keys: string[]) => Record<string, unknown>;

function presentKeys(source: Record<string, unknown>, keys: string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const k of keys) {
    if (k.endsWith('Fen')) out[yuanName(k)] = yuanOf(source[k]);
    else out[k] = presentContext(source[k]);
  }
  return out;
}

const yuanOf = (v: unknown) => (typeof v === 'number' ? fenToYuan(v) : v);

/**
 * Every answer shows its context, a few dozen keys of a handful of shapes (the case's, its session,
 * its period ends…). Written key by key (`out[k] = v`) such an object costs 2.8 µs and ends in
 * dictionary mode (V8 allows few properties added by computed name); one object literal per shape,
 * its keys in order, is 0.5 µs. The literal does what the stores do: a key written twice keeps its
 * first place and its last value, `__proto__` sets the prototype. Keys are quoted with
 * JSON.stringify, so a key is never code. At most MAX_SHAPES literals; beyond, key by key.
 */
function presenterOf(keys: string[]): Presenter | undefined {
  search: for (const shape of shapes) {
    if (shape.keys.length !== keys.length) continue;
    for (let i = 0; i < keys.length; i++) if (shape.keys[i] !== keys[i]) continue search;
    return shape.present;
  }
  if (shapes.length >= MAX_SHAPES) return undefined;
  const fields = keys.map((k) => (k.endsWith('Fen') ? `${JSON.stringify(yuanName(k))}: yuan(s[${JSON.stringify(k)}])` : `${JSON.stringify(k)}: nested(s[${JSON.stringify(k)}])`));
  const literal = new Function('yuan', 'nested', `return (s) => ({${fields.join(', ')}});`)(yuanOf, presentContext) as Presenter;
  shapes.push({ keys, present: literal });
  return literal;
}
const shapes: { keys: string[]; present: Presenter }[] = [];
const MAX_SHAPES = 64;

/** `paidFen` → `paidAmount`, `amountFen` → `amount`. */
function yuanName(k: string): string {
  let name = yuanNames.get(k);
  if (name === undefined) yuanNames.set(k, (name = k === 'amountFen' ? 'amount' : `${k.slice(0, -3)}Amount`));
  return name;
}
const yuanNames = new Map<string, string>();

/** Every deadline as views show it (DESIGN §11): `{kind, dueAt, daysLeft, level}`, and `calendarMissing` when so. */
export function deadlineViews(spec: MachineSpec, snapshot: AnyMachineSnapshot, opts: ViewOptions = {}) {
  const now = opts.now ?? new Date();
  return spec.deadlines(snapshot).map((d) => ({
    kind: d.kind,
    dueAt: d.dueAt,
    ...deadlineStatus(d.dueAt, now, opts.warningDays),
    ...(d.event ? { event: d.event } : {}),
    ...(d.calendarMissing ? { calendarMissing: true } : {}),
  }));
}

const logOneAccess = statement((db) =>
  db.insert(accessLog).values({ userId: slot('userId'), userRole: slot('userRole'), entityType: slot('entityType'), entityId: slot('entityId'), fields: slot('fields'), requestId: slot('requestId') }),
);

async function logAccess(tx: Db, actor: Actor, entityType: string, ids: string[], fields: string, requestId?: string) {
  if (ids.length === 0) return;
  if (ids.length === 1) {
    await logOneAccess.run(tx, { userId: actor.id, userRole: actor.role, entityType, entityId: ids[0], fields, requestId: requestId ?? null });
    return;
  }
  await tx.insert(accessLog).values(ids.map((entityId) => ({ userId: actor.id, userRole: actor.role, entityType, entityId, fields, requestId: requestId ?? null })));
}

type CaseRow = typeof cases.$inferSelect;

type Stamped = { id: string; number: string; state: string; version: number; machineVersion: number; openedAt: string; createdAt: string; updatedAt: string; closedAt: string | null };

/** What the view of a case or a supervision item starts with: who it is and where its machine stands. */
export const entityHead = (row: Stamped) => ({ id: row.id, number: row.number, state: row.state, version: row.version, machineVersion: row.machineVersion });

/** And what it ends with: when it was opened, written and closed. */
export const entityTimes = (row: Stamped) => ({
  openedAt: isoOf(row.openedAt),
  createdAt: isoOf(row.createdAt),
  updatedAt: isoOf(row.updatedAt),
  closedAt: row.closedAt ? isoOf(row.closedAt) : null,
});

function caseSummary(row: CaseRow, snapshot: AnyMachineSnapshot, partyRows: PartyRow[], unmasked: boolean, opts: ViewOptions, names = true) {
  const ctx = snapshot.context as CaseContext;
  // Built key by key, in the order the API shows them, rather than spread from parts: every write
  // answers with this, and the spreads made V8 copy it into slow, dictionary-mode objects.
  const out: Record<string, unknown> = { id: row.id, number: row.number, state: row.state, version: row.version, machineVersion: row.machineVersion };
  if (row.externalRef) out.externalRef = row.externalRef;
  if (row.outcome) {
    out.outcome = row.outcome;
    out.outcomeReason = ctx.outcomeReason;
  }
  out.overdue = row.overdue;
  out.track = row.track;
  out.procedure = row.procedure;
  out.source = row.source;
  out.stationCode = row.stationCode;
  out.disputeType = row.disputeType;
  out.summary = row.summary;
  out.claimAmount = row.claimFen === null ? null : fenToYuan(row.claimFen);
  out.enforceable = row.enforceable;
  out.enforceableDocument = ctx.enforceableDocument;
  out.owedAmount = row.owedFen === null ? null : fenToYuan(row.owedFen);
  out.recoveredAmount = fenToYuan(row.recoveredFen);
  out.deputyIds = ctx.deputyIds;
  out.parties = partyRows.map((p) => partyView(p, unmasked, names));
  out.openedAt = isoOf(row.openedAt);
  out.createdAt = isoOf(row.createdAt);
  out.updatedAt = isoOf(row.updatedAt);
  out.closedAt = row.closedAt ? isoOf(row.closedAt) : null;
  out.deadlines = deadlineViews(caseStore.spec, snapshot, opts);
  const overdue = ranOut(snapshot, opts);
  if (overdue.ranOut) out.ranOut = overdue.ranOut;
  return out as CaseSummary;
}

/** A case as lists and views show it (`caseSummary`). */
type CaseSummary = ReturnType<typeof entityHead> & {
  externalRef?: string;
  outcome?: CaseRow['outcome'];
  outcomeReason?: CaseContext['outcomeReason'];
  overdue: CaseRow['overdue'];
  track: CaseRow['track'];
  procedure: CaseRow['procedure'];
  source: CaseRow['source'];
  stationCode: CaseRow['stationCode'];
  disputeType: CaseRow['disputeType'];
  summary: CaseRow['summary'];
  claimAmount: string | null;
  enforceable: CaseRow['enforceable'];
  enforceableDocument: CaseContext['enforceableDocument'];
  owedAmount: string | null;
  recoveredAmount: string;
  deputyIds: CaseContext['deputyIds'];
  parties: ReturnType<typeof partyView>[];
} & ReturnType<typeof entityTimes> & {
    deadlines: ReturnType<typeof deadlineViews>;
    ranOut?: ReturnType<typeof ranOut>['ranOut'];
  };

/** `ranOut: {kind, dueAt, daysLeft, level}`: the deadline an overdue case ran past, and by how much. */
function ranOut(snapshot: AnyMachineSnapshot, opts: ViewOptions) {
  const d = ranOutDeadline(snapshot);
  return d ? { ranOut: { kind: d.kind, dueAt: d.dueAt, ...deadlineStatus(d.dueAt, opts.now ?? new Date(), opts.warningDays) } } : {};
}

export interface ViewOptions {
  now?: Date;
  requestId?: string;
  /** `DEADLINE_WARNING_DAYS` (DESIGN §11); default 5. */
  warningDays?: number;
}

const PARTY_PII = 'parties.idNumber,parties.phone';

/**
 * The full case for one caller: data, context, deadlines and the events they may send now, from
 * the row, its snapshot and its parties, with no query; `accessLog` when it shows personal data.
 */
export function presentCase(actor: Actor, row: CaseRow, snapshot: AnyMachineSnapshot, partyRows: PartyRow[], opts: ViewOptions = {}) {
  const unmasked = seesPersonalData(actor, row.stationCode);
  // The summary's own object, given the rest key by key (no copy, see caseSummary).
  const body = caseSummary(row, snapshot, partyRows, unmasked, opts, seesPartyNames(actor)) as CaseSummary & {
    outstandingAmount: string | null;
    unrecoveredAmount: string | null;
    context: unknown;
    nextEvents: string[];
    backdatableEvents: string[];
    closingEvents: string[];
    mayCloseEvents: string[];
  };
  const ctx = snapshot.context as CaseContext;
  const outstanding = outstandingFen(ctx);
  const unrecovered = unrecoveredFen(ctx);
  // What is still owed: what RECORD_PERFORMANCE / RECORD_RECOVERY may carry without confirmOverpayment.
  body.outstandingAmount = outstanding === null ? null : fenToYuan(outstanding);
  body.unrecoveredAmount = unrecovered === null ? null : fenToYuan(unrecovered);
  body.context = presentContext(snapshot.context);
  // The machine keeps the mediation period's calendar end (the start of the day after its last
  // day); the Art 85 end, moved past rest days, is in periodEnds. Shown as one instant, the one the
  // deadline and the sweeper use, so that the view never gives two ends of one period (DESIGN §11).
  if (ctx.mediationDueAt) (body.context as { mediationDueAt: string | null }).mediationDueAt = mediationExpiresAt(ctx) ?? ctx.mediationDueAt;
  // And backdatableEvents: those allowed only dated earlier (backfilled work, judged at its
  // occurredAt), sent with an occurredAt.
  const offered = offeredEvents(caseStore.spec, snapshot, actor, (opts.now ?? new Date()).toISOString());
  body.nextEvents = offered.nextEvents;
  body.backdatableEvents = offered.backdatableEvents;
  // Which of them close the case (always, or depending on the payload), read from the machine.
  const closing = closingEvents(snapshot, [...offered.nextEvents, ...offered.backdatableEvents]);
  body.closingEvents = closing.closingEvents;
  body.mayCloseEvents = closing.mayCloseEvents;
  return {
    body,
    accessLog: unmasked && partyRows.some((p) => p.idNumber || p.phone) ? PARTY_PII : undefined,
  };
}

/** A write's answer: the case as written (the engine logs the access with the write). */
export const renderCase = (actor: Actor, w: Written, opts: ViewOptions = {}): Rendered =>
  presentCase(actor, w.row as unknown as CaseRow, w.snapshot, w.data as PartyRow[], opts);

/**
 * An idempotent replay hands back the stored first response with the parties read again from
 * `parties` (as this caller may see them today: erased is erased); when that shows personal data
 * in full, it is another read of it and is logged like one.
 */
export async function replayedCaseAnswer(db: Db, actor: Actor, body: unknown, opts: ViewOptions = {}): Promise<unknown> {
  const view = body as { id?: unknown; stationCode?: unknown; parties?: unknown[] } | null;
  if (!view || typeof view.id !== 'string' || !isUuid(view.id) || typeof view.stationCode !== 'string' || !Array.isArray(view.parties)) return body;
  const rows = await db.select().from(parties).where(eq(parties.caseId, view.id)).orderBy(asc(parties.position));
  const unmasked = seesPersonalData(actor, view.stationCode);
  if (unmasked && rows.some((p) => p.idNumber || p.phone)) await logAccess(db, actor, 'case', [view.id], PARTY_PII, opts.requestId);
  return { ...view, parties: rows.map((p) => partyView(p, unmasked, seesPartyNames(actor))) };
}

/**
 * The case, when it exists and this caller may read it (404 / 403 otherwise): its row, snapshot
 * and parties, read in one statement.
 */
export async function readableCase(db: Db, actor: Actor, id: string) {
  if (!isUuid(id)) throw new NotFound('not_found.case', { id });
  const found = await readWithView(db, caseStore, id);
  if (!found) throw new NotFound('not_found.case', { id });
  const snapshot = restore(caseStore, found.row);
  if (!caseStore.canRead(actor, caseStore.spec.facts(snapshot))) throw new Forbidden('forbidden.case_read');
  return { row: found.row as unknown as CaseRow, snapshot, parties: found.viewData as PartyRow[] };
}

/** GET /api/cases/:id: the case for this caller, and the read logged if unmasked. */
export async function getCase(db: Db, actor: Actor, id: string, opts: ViewOptions = {}) {
  const { row, snapshot, parties: partyRows } = await readableCase(db, actor, id);
  const view = presentCase(actor, row, snapshot, partyRows, opts);
  if (view.accessLog) await logAccess(db, actor, 'case', [id], view.accessLog, opts.requestId);
  return view.body;
}

type JournalRow = {
  seq: number;
  type: string;
  fromState: string | null;
  toState: string;
  actorId: string;
  actorRole: string;
  actorName: string;
  occurredAt: string;
  recordedAt: string;
  payload: unknown;
  requestId: string | null;
};

/** A journal row as history shows it: who, when it happened, when it was recorded, what. */
export function historyItem(e: JournalRow, payload: unknown = e.payload) {
  // The Art 85 ends the engine stamped into an event (DESIGN §11) are shown beside what the
  // sender gave, not mixed into it. A calendar edit's record keeps them in its own payload.
  let periodEnds: unknown;
  if (e.type !== 'CALENDAR_CHANGED' && payload && typeof payload === 'object' && 'periodEnds' in payload) {
    const { periodEnds: stamped, ...given } = payload as { periodEnds: unknown };
    periodEnds = stamped;
    payload = given;
  }
  return {
    seq: e.seq,
    type: e.type,
    from: e.fromState,
    to: e.toState,
    actor: { id: e.actorId, role: e.actorRole, name: e.actorName },
    occurredAt: isoOf(e.occurredAt),
    recordedAt: isoOf(e.recordedAt),
    payload,
    ...(periodEnds ? { periodEnds } : {}),
    requestId: e.requestId,
  };
}

export async function caseHistory(db: Db, actor: Actor, id: string, opts: ViewOptions = {}) {
  const { row, parties: partyRows } = await readableCase(db, actor, id);
  const unmasked = seesPersonalData(actor, row.stationCode);
  const events = await db.select().from(caseEvents).where(eq(caseEvents.caseId, id)).orderBy(asc(caseEvents.seq));
  let sawPersonalData = false;
  const byId = new Map(partyRows.filter((p) => p.id).map((p) => [p.id!, p]));
  const items = events.map((e) => {
    let payload = e.payload as Record<string, unknown>;
    if (e.type === 'CREATE' && Array.isArray(payload.parties)) {
      // The journal names each party by id; who they are is read from `parties`, masked per reader.
      const refs = payload.parties as { id?: string }[];
      const shown = refs.map((ref, i) => byId.get(ref?.id ?? '') ?? partyRows[i]).filter((p): p is PartyRow => !!p);
      sawPersonalData = shown.some((p) => p.idNumber || p.phone);
      payload = { ...payload, parties: shown.map((p) => partyView(p, unmasked, seesPartyNames(actor))) };
    }
    return historyItem(e, payload);
  });
  if (unmasked && sawPersonalData) await logAccess(db, actor, 'case', [id], 'history.parties', opts.requestId);
  return { items };
}

export interface CaseFilters {
  state?: string;
  stationCode?: string;
  overdue?: boolean;
  outcome?: string;
  q?: string;
  cursor?: string;
  limit?: number;
  /** The district of the station that took the case. */
  district?: string;
  /** Opened on or after this Shanghai calendar date (YYYY-MM-DD). */
  from?: string;
  /** Opened on or before this Shanghai calendar date (YYYY-MM-DD), inclusive. */
  to?: string;
  /** DESIGN §11: a deadline's last day is at most this many days away (overdue included). */
  dueWithinDays?: number;
}

/** The cursor after the last row of a page fetched with `limit + 1` rows; null on the last page. */
export function nextCursorOf(rows: { openedAt: string; id: string }[], limit: number): string | null {
  const last = rows[limit - 1];
  return rows.length > limit && last ? cursorOf(isoOf(last.openedAt), last.id) : null;
}

/**
 * A list that is whole in one answer (a county's stations, deputies, users, webhooks): its one
 * page says there is no next, as every list's does (DESIGN §6: lists as `{items, nextCursor}`).
 */
export const WHOLE_LIST = { nextCursor: null } as const;

/** The cursor `decodeCursor` reads: a row's instant (ISO, UTC, milli- or microseconds) and its id. */
export function cursorOf(at: string, id: string): string {
  return Buffer.from(JSON.stringify([at, id])).toString('base64url');
}

/**
 * One page of a list, newest first by (opened_at, id): `fetch` runs the query with the filters,
 * the order and one row more than the page, so the cursor of the next page is known.
 */
export async function newestFirst<R extends { openedAt: string; id: string }>(
  table: { openedAt: PgColumn; id: PgColumn },
  where: SQL[],
  f: { cursor?: string; limit?: number },
  fetch: (where: SQL | undefined, order: SQL[], rows: number) => Promise<R[]>,
): Promise<{ page: R[]; nextCursor: string | null }> {
  const limit = f.limit ?? 50;
  const all = f.cursor ? [...where, afterCursor(table.openedAt, table.id, f.cursor)] : where;
  const rows = await fetch(all.length ? and(...all) : undefined, [desc(table.openedAt), desc(table.id)], limit + 1);
  return { page: rows.slice(0, limit), nextCursor: nextCursorOf(rows, limit) };
}

/**
 * Lists run newest first by (opened_at, id): the rows that come after a cursor's row. A row-value
 * comparison, which PostgreSQL reads as where to start in the (opened_at, id) index; the same
 * condition spelt `opened_at < $1 or (opened_at = $1 and id < $2)` is only a filter, so every page
 * walked the index from the newest row down to the cursor — quadratic over a file export that
 * reads a list to its end.
 */
export function afterCursor(openedAt: PgColumn, id: PgColumn, cursor: string): SQL {
  const [at, last] = decodeCursor(cursor);
  return sql`(${openedAt}, ${id}) < (${at}::timestamptz, ${last}::uuid)`;
}

export function decodeCursor(cursor: string): [string, string] {
  try {
    const [openedAt, id] = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    // Only what cursorOf is given (a canonical ISO instant): anything else Date.parse takes
    // ("1", "2026-02-30…") PostgreSQL may not, which would be a 500. Microseconds too: a column
    // written by the database's now() (deliveries.created_at) keeps them, and a cursor cut to the
    // millisecond would skip the rows later in that millisecond than the page's last.
    const canonical =
      typeof openedAt === 'string' &&
      /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}(\d{3})?Z$/.test(openedAt) &&
      !Number.isNaN(Date.parse(openedAt)) &&
      new Date(openedAt).toISOString() === `${openedAt.slice(0, 23)}Z`;
    if (canonical && typeof id === 'string' && isUuid(id)) return [openedAt, id];
  } catch {
    // fall through
  }
  throw new ValidationError('invalid.query', [fieldError('cursor', 'field.cursor')]);
}

/** Above this many cases matching `q`, a page is found faster by walking the cases newest first. */
export const SEARCH_INDEX_LIMIT = 2000;

/**
 * A case found by search, with its opening time (microseconds since 1970, exact as a JS number) read
 * from the row that matched — the case's own, or the party's, which carries its case's opened_at
 * (drizzle/0027_parties_opened_at.sql) — so the matches can be put in the list's order without
 * reading their cases.
 */
export interface CaseKey {
  id: string;
  at: number;
}

/** `opened_at` as a CaseKey's `at`. */
function keyTime(openedAt: PgColumn): SQL {
  return sql`(extract(epoch from ${openedAt}) * 1000000)::float8`;
}

/**
 * The keys (id and opening time; newest first by (opened_at, id), each case once) of every case
 * whose number, summary or dispute type contains `q` (ILIKE `like`), or one of whose parties'
 * names does when `byName` — found through the search indexes (character pairs,
 * drizzle/0016_search_grams.sql; the number's pieces of four characters,
 * drizzle/0020_case_number_search.sql) — or null when the indexes do not help: more than
 * SEARCH_INDEX_LIMIT matches (then the matches are dense, and walking the cases newest first
 * reaches a page of them sooner than fetching and sorting them all), or a one-character q, which
 * the case index (pairs only) cannot answer. The list keeps its own ILIKE condition beside these
 * ids: the ids only narrow where it looks, so the results are the same either way. A phone or ID
 * number search (`identifier`, court and station staff) adds the cases of the parties whose phone
 * or ID number equals it — the same exact match the list's own condition has — so the ids cover
 * every case that condition can accept. `named`: the cases with a party of that name, when the
 * caller has looked them up already (namedCaseIds).
 */
export async function searchedCaseKeys(
  db: Db,
  q: string,
  like: string,
  byName: boolean,
  identifier: PartyIdentifier | null = null,
  named: CaseKey[] | null = null,
): Promise<CaseKey[] | null> {
  if ([...q].length < 2) return null;
  const grams = sql`search_query_grams(${q})`;
  // In case_texts (one row per case, the same texts: drizzle/0026_search_on_case_texts.sql says why not `cases`).
  const t = caseTexts;
  const inTexts = sql`select ${t.caseId} as id, ${keyTime(t.openedAt)} as at from ${t} where ${caseSearchGrams(t)} @> ${grams}
    and (${t.summary} ilike ${like} or ${t.disputeType} ilike ${like})`;
  const inNumbers = sql`select ${t.caseId} as id, ${keyTime(t.openedAt)} as at from ${t} where ${caseNumberGrams(t)} @> search_number_query_grams(${q}) and ${t.number} ilike ${like}`;
  const rows = rowsOf<CaseKey>(
    await db.execute(
      sql`${inNumbers} union all ${inTexts} ${byName && !named ? sql`union all ${inPartyNames(q, like)}` : sql``} ${identifier ? sql`union all ${byIdentifier(identifier)}` : sql``} limit ${SEARCH_INDEX_LIMIT + 1}`,
    ),
  );
  const keys = byName && named ? [...rows, ...named] : rows;
  if (keys.length > SEARCH_INDEX_LIMIT) return null;
  return newestKeysFirst(keys);
}

/** `keys` newest first by (opened_at, id) — the lists' order — each case once. */
function newestKeysFirst(keys: CaseKey[]): CaseKey[] {
  const once = new Map<string, CaseKey>();
  for (const k of keys) once.set(k.id, { id: k.id, at: Number(k.at) });
  return [...once.values()].sort((a, b) => b.at - a.at || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0));
}

/** The cases of the parties whose name contains `q`: the names index's grams, then the same ILIKE. */
function inPartyNames(q: string, like: string): SQL {
  return sql`select ${parties.caseId} as id, ${keyTime(parties.openedAt)} as at from ${parties} where ${partySearchGrams(parties)} @> search_query_grams(${q}) and ${parties.name} ilike ${like}`;
}

/**
 * One page of the cases of `keys` (newest first, as searchedCaseKeys gives them) that satisfy
 * `where` (the list's filters and q's condition, which still decide), after the cursor: the keys'
 * cases are read by id in that order, a page and one at a time (more while `where` refuses too
 * many), rather than every match read to be sorted — for a common name at a million cases that was
 * ~300 case rows for a page of 51, each a random page when the caches did not hold it.
 */
async function casesOfKeys(db: Db, keys: CaseKey[], where: SQL[], f: { cursor?: string; limit?: number }) {
  const limit = f.limit ?? 50;
  let rest = keys;
  const all = [...where];
  if (f.cursor) {
    const [at, id] = decodeCursor(f.cursor);
    const cursorAt = Date.parse(at) * 1000;
    const lastId = id.toLowerCase();
    rest = keys.filter((k) => k.at < cursorAt || (k.at === cursorAt && k.id < lastId));
    all.push(afterCursor(cases.openedAt, cases.id, f.cursor));
  }
  const found: (typeof cases.$inferSelect)[] = [];
  for (let start = 0, batch = limit + 1; found.length <= limit && start < rest.length; start += batch, batch = Math.min(4 * batch, 5000)) {
    found.push(...(await casesInOrder(db, rest.slice(start, start + batch), all)));
  }
  return { page: found.slice(0, limit), nextCursor: nextCursorOf(found, limit) };
}

/** `column = any(ids)`, the ids as one uuid[] parameter. */
function idAmong(column: PgColumn, ids: readonly string[]): SQL {
  return sql`${column} = any(${`{${ids.join(',')}}`}::uuid[])`;
}

/** The cases of the parties whose phone or ID number is exactly `identifier`'s value. */
function byIdentifier(identifier: PartyIdentifier): SQL {
  return sql`select ${parties.caseId} as id, ${keyTime(parties.openedAt)} as at from ${parties} where ${parties[identifier.field]} = ${identifier.value}`;
}

/**
 * The cases that have a party whose name contains `q` (ILIKE `like`), through the names index (its
 * grams, then the same ILIKE): exactly the cases the list's `exists (… name ilike …)` accepts. Null
 * for a one-character q (the walk answers it) or more than SEARCH_INDEX_LIMIT such parties.
 */
async function namedCaseIds(db: Db, q: string, like: string): Promise<CaseKey[] | null> {
  if ([...q].length < 2) return null;
  const hits = rowsOf<CaseKey>(
    await db.execute(
      sql`${inPartyNames(q, like)} limit ${SEARCH_INDEX_LIMIT + 1}`,
    ),
  );
  return hits.length > SEARCH_INDEX_LIMIT ? null : newestKeysFirst(hits);
}

/** A q that names one case or person: a case number (2026-HL01-000123) or part of one, a long number. */
const NAMES_ONE = /\d{4}-|\d{5}/;

/** How many of the newest cases (of the other filters, after the cursor) a search looks through first. */
export const SEARCH_NEWEST_ROWS = 1000;

/**
 * A search's page when it lies within the newest SEARCH_NEWEST_ROWS cases of the other filters
 * (`where`, the cursor's too): the matches among those, newest first, one more than the page —
 * the first matches of the whole list, in its order, so the page and its cursor are the full
 * query's. Null when those rows hold fewer (the matches are sparse: the search indexes find them).
 * At a million cases, q = 热线转办 (a fifth of all summaries) took 270 ms in the search indexes
 * only to learn that there were too many matches; here it is a walk of ~250 rows.
 */
async function pageAmongNewest(db: Db, where: SQL[], matches: SQL, f: { cursor?: string; limit?: number }) {
  const limit = f.limit ?? 50;
  const rows = Math.max(SEARCH_NEWEST_ROWS, 5 * (limit + 1));
  const base = f.cursor ? [...where, afterCursor(cases.openedAt, cases.id, f.cursor)] : where;
  const [edge] = await db
    .select({ openedAt: cases.openedAt, id: cases.id })
    .from(cases)
    .where(base.length ? and(...base) : undefined)
    .orderBy(desc(cases.openedAt), desc(cases.id))
    .offset(rows - 1)
    .limit(1);
  // Fewer rows than that in all: the plain walk is as short.
  const within = edge ? [...where, sql`(${cases.openedAt}, ${cases.id}) >= (${edge.openedAt}::timestamptz, ${edge.id}::uuid)`, matches] : [...where, matches];
  const found = await newestFirst(cases, within, f, (w, order, n) => db.select().from(cases).where(w).orderBy(...order).limit(n));
  return !edge || found.nextCursor ? found : null;
}

/**
 * The cases of `keys` (ids in the list's order) that satisfy `where`, in that order. Fetched by id
 * with no ORDER BY or LIMIT in the statement: given both, PostgreSQL may prefer walking
 * cases_opened_idx newest first and testing each row against the ids — a thousand rows read for
 * a page among the newest thousand.
 */
async function casesInOrder(db: Db, keys: { id: string }[], where: SQL[]) {
  if (!keys.length) return [];
  const rows = await db
    .select()
    .from(cases)
    .where(and(...where, idAmong(cases.id, keys.map((k) => k.id))));
  const byId = new Map(rows.map((r) => [r.id, r]));
  return keys.flatMap((k) => byId.get(k.id) ?? []);
}

/**
 * A deputy's cases (`where` holds the deputy condition and any other filters), newest first: the
 * deputy's keys in case_deputies (drizzle/0024_case_deputies.sql), read in the list's order from
 * the cursor on, a page and one at a time (more while filters leave too few), and their cases
 * read by id under `where`, which still decides. The same page as the plain walk of the cases
 * newest first, which read ~10k case rows for a busy deputy's 51 at a million cases (about a
 * second when the caches did not hold them); this reads the page's.
 */
async function deputysCases(db: Db, deputyId: string, where: SQL[], f: { cursor?: string; limit?: number }) {
  const limit = f.limit ?? 50;
  const t = caseDeputies;
  let after = f.cursor ? afterCursor(t.openedAt, t.caseId, f.cursor) : undefined;
  const found: (typeof cases.$inferSelect)[] = [];
  for (let batch = limit + 1; found.length <= limit; batch = Math.min(4 * batch, 5000)) {
    const keys = await db
      .select({ openedAt: t.openedAt, id: t.caseId })
      .from(t)
      .where(and(eq(t.deputyId, deputyId), after))
      .orderBy(desc(t.openedAt), desc(t.caseId))
      .limit(batch);
    found.push(...(await casesInOrder(db, keys, where)));
    if (keys.length < batch) break;
    const last = keys[keys.length - 1];
    after = sql`(${t.openedAt}, ${t.caseId}) < (${last.openedAt}::timestamptz, ${last.id}::uuid)`;
  }
  return { page: found.slice(0, limit), nextCursor: nextCursorOf(found, limit) };
}

/**
 * pageAmongNewest for a search with no other filter (court staff and the committee as they look a
 * case up), without reading the newest cases' rows: which of them match by their own words is read
 * from case_texts (drizzle/0025_case_texts.sql: number, summary and dispute type in opening order,
 * a thousand cases in a few dozen pages), and which by a party's name from `named` (namedCaseIds;
 * empty for a reader who does not search names). Only the candidates, at most a page and one, are
 * read from `cases`, under the list's own condition — so the page is pageAmongNewest's. At a
 * million cases the plain walk read ~1,000 case rows and each case's parties, 100–400 ms when the
 * caches did not hold them. Undefined when a candidate the list's condition refuses (case_texts
 * out of step with `cases`): then the plain walk answers.
 */
async function pageAmongNewestTexts(db: Db, like: string, named: CaseKey[], matches: SQL, f: { cursor?: string; limit?: number }) {
  const limit = f.limit ?? 50;
  const rows = Math.max(SEARCH_NEWEST_ROWS, 5 * (limit + 1));
  const t = caseTexts;
  const base = f.cursor ? [afterCursor(t.openedAt, t.caseId, f.cursor)] : [];
  const [edge] = await db
    .select({ openedAt: t.openedAt, id: t.caseId })
    .from(t)
    .where(base.length ? and(...base) : undefined)
    .orderBy(desc(t.openedAt), desc(t.caseId))
    .offset(rows - 1)
    .limit(1);
  const candidates = await db
    .select({ id: t.caseId })
    .from(t)
    .where(
      and(
        ...base,
        edge ? sql`(${t.openedAt}, ${t.caseId}) >= (${edge.openedAt}::timestamptz, ${edge.id}::uuid)` : undefined,
        or(ilike(t.number, like), ilike(t.summary, like), ilike(t.disputeType, like), named.length ? idAmong(t.caseId, named.map((k) => k.id)) : undefined),
      ),
    )
    .orderBy(desc(t.openedAt), desc(t.caseId))
    .limit(limit + 1);
  // Fewer than a page and one among the newest: the matches are sparse (or none), the indexes find them.
  if (edge && candidates.length <= limit) return null;
  const found = await casesInOrder(db, candidates, [matches]);
  if (found.length !== candidates.length) return undefined;
  return { page: found.slice(0, limit), nextCursor: nextCursorOf(found, limit) };
}

/** Cases this caller may see, newest first, with keyset pagination. */
export async function listCases(db: Db, actor: Actor, f: CaseFilters, opts: ViewOptions = {}) {
  // The admin manages the directory but reads no case (DESIGN.md §10).
  if (!can(actor, 'case.list')) throw new Forbidden('forbidden.case_read');
  const limit = f.limit ?? 50;
  const where: SQL[] = [];
  const scope = caseScope(actor);
  if (scope.kind === 'station') where.push(eq(cases.stationCode, scope.stationCode));
  if (scope.kind === 'deputy') where.push(sql`${cases.deputyIds} @> ARRAY[${scope.deputyId}]::text[]`);
  if (f.state) where.push(f.state.includes('.') || f.state === 'closed' ? eq(cases.state, f.state) : ilike(cases.state, `${f.state}.%`));
  if (f.stationCode) where.push(eq(cases.stationCode, f.stationCode));
  if (f.overdue !== undefined) where.push(eq(cases.overdue, f.overdue));
  if (f.outcome) where.push(eq(cases.outcome, f.outcome));
  // District through the station that took the case; from/to are Shanghai calendar days, `to` inclusive.
  if (f.district) where.push(sql`${cases.stationCode} in (select ${stations.code} from ${stations} where ${stations.district} = ${f.district})`);
  if (f.from) where.push(sql`${cases.openedAt} >= ${startOfShanghaiDay(f.from)}`);
  if (f.to) where.push(sql`${cases.openedAt} < ${endOfDate(f.to)}`);
  // Stray spaces typed or pasted around and inside the words do not count (issue 15 §4).
  const q = f.q?.trim().replace(/\s+/g, ' ') || undefined;
  const identifier = q && searchesPartyIdentifiers(actor) ? partyIdentifier(q) : null;
  if (f.dueWithinDays !== undefined) where.push(lte(cases.nextDueAt, dueWithinBound(f.dueWithinDays, opts.now ?? new Date())));
  let found: Awaited<ReturnType<typeof pageAmongNewest>> = null;
  if (q) {
    const like = `%${q.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
    const byName = searchesPartyNames(actor);
    // The cases with a party of that name, looked up once in the names index: the same cases the
    // EXISTS below accepts, so the list asks `id = any(…)` instead of each case's parties (null:
    // a one-character q or too many names, the EXISTS asks).
    const named = byName ? await namedCaseIds(db, q, like) : null;
    const matches = or(
      ilike(cases.number, like),
      ilike(cases.summary, like),
      ilike(cases.disputeType, like),
      // Party names are searched only for court and station staff (DESIGN.md §10). `offset 0`
      // keeps this a lookup per case (parties_case_idx) as the list walks newest first: without
      // it PostgreSQL turns the EXISTS into a hashed subplan that reads every party's name first
      // (q = 热线转办 at 100k cases: 238 ms → 24 ms). It changes nothing in what matches.
      named
        ? idAmong(cases.id, named.map((k) => k.id))
        : byName
          ? sql`exists (select 1 from ${parties} where ${parties.caseId} = ${cases.id} and ${parties.name} ilike ${like} offset 0)`
          : undefined,
      // A phone or ID number: exact match only, never a substring of someone's number.
      identifier ? sql`exists (select 1 from ${parties} where ${parties.caseId} = ${cases.id} and ${parties[identifier.field]} = ${identifier.value} offset 0)` : undefined,
    )!;
    // Dense matches (summary words or a dispute type found in a tenth of all cases) fill a page
    // within the newest few hundred cases: looked for there first, the page is the full query's
    // and the search indexes, which would gather every match first, are not needed. Not for what
    // names one case or person (a case number, a phone or ID number): that is never dense.
    if (!identifier && !NAMES_ONE.test(q)) {
      const texts = where.length || (byName && !named) ? undefined : await pageAmongNewestTexts(db, like, named ?? [], matches, f);
      found = texts === undefined ? await pageAmongNewest(db, where, matches, f) : texts;
    }
    where.push(matches);
    // The same condition decides; the search indexes only say where to look (searchedCaseKeys).
    // A phone/ID search looks there too (same exact match), or the index path would miss its cases.
    // Its matches, each with its opening time, say which cases a page is: only those are read.
    const keys = found ? null : await searchedCaseKeys(db, q, like, byName, identifier, named);
    if (keys) found = await casesOfKeys(db, keys, where, f);
  }
  const { page, nextCursor } =
    found ??
    (scope.kind === 'deputy' && !q
      ? await deputysCases(db, scope.deputyId, where, f)
      : await newestFirst(cases, where, f, (w, order, n) => db.select().from(cases).where(w).orderBy(...order).limit(n)));
  const partyRows = page.length
    ? await db.select().from(parties).where(inArray(parties.caseId, page.map((r) => r.id))).orderBy(asc(parties.position))
    : [];
  const byCase = new Map<string, PartyRow[]>();
  for (const p of partyRows) byCase.set(p.caseId, [...(byCase.get(p.caseId) ?? []), p]);
  const unmaskedIds: string[] = [];
  const items = page.map((row) => {
    const unmasked = seesPersonalData(actor, row.stationCode);
    const ps = byCase.get(row.id) ?? [];
    if (unmasked && ps.some((p) => p.idNumber || p.phone)) unmaskedIds.push(row.id);
    return caseSummary(row, restore(caseStore, row as unknown as EntityRow), ps, unmasked, opts, seesPartyNames(actor));
  });
  await logAccess(db, actor, 'case', unmaskedIds, PARTY_PII, opts.requestId);
  // Looking a party up by phone or ID number is a read of it, whatever the page then shows.
  if (identifier) await logAccess(db, actor, 'case', page.map((r) => r.id), `search:parties.${identifier.field}`, opts.requestId);
  return { items, nextCursor };
}

type PartyIdentifier = { field: 'phone' | 'idNumber'; value: string };

/** A search that is a phone (normalised) or an ID number (upper-cased), or null. */
function partyIdentifier(q: string): PartyIdentifier | null {
  if (isPhoneNumber(q)) return { field: 'phone', value: normalisePhone(q) };
  const id = q.replace(/\s/g, '');
  // 居民身份证: 18 characters (the last may be X) or the old 15 digits. Nothing looser: a search
  // for a summary word with six digits in it is not a look-up of someone's ID (nor logged as one).
  if (/^(\d{17}[\dXx]|\d{15})$/.test(id)) return { field: 'idNumber', value: id.toUpperCase() };
  return null;
}
