/**
 * Applying one event to one entity: read (one statement), the pure transition and every check in
 * memory, then write (one statement: the compare-and-swap with its rows, the deadline rows when
 * they move, the report's summary when a case closes); a deadline the sweeper fires adds its own
 * statements, in one transaction. A lost swap means another writer came first: read again and retry.
 */
import { driverOf } from '../../db/client.js';
import type { Actor } from '../../machines/roles.js';
import { permits } from '../../machines/policy.js';
import { handledEvents, statePath } from '../../machines/spec.js';
import { Contention, fieldError, fieldErrors, Forbidden, InvalidTransition, NotFound, ValidationError, VersionConflict, type FieldErrors } from '../errors.js';
import { addClosedCase, closesCase } from '../report-summary.js';
import { isUuid, type EntityRow, type EntityStore } from '../stores.js';
import { nextSnapshot } from '../transition.js';
import { stampLegalTime } from '../legal-time.js';
import { enforcedDeadlines, rewriteDeadlines, sameDeadlines } from './deadlines.js';
import { answerTexts, keyRecord, onceByKey, priorResponse, replayOf } from './idempotency.js';
import { checkOccurredAt, journalRow } from './journal.js';
import { persist, restore } from './snapshots.js';
import { accessRow, changedColumns, splitRead, swap, writePath, type Write } from './sql.js';
import { eventNotices } from '../notify/notices.js';
import type { EngineContext, EventOptions, WriteResult } from './types.js';

const MAX_ATTEMPTS = 200;

/** Thrown inside a write's transaction to roll it back when the swap did not take. */
class LostRace extends Error {}

interface ParsedEvent {
  type: string;
  /** The client left occurredAt out: the event happens when it is written. */
  occurredAtDefaulted: boolean;
  event: { type: string; occurredAt: string; [k: string]: unknown } | null;
  errors: FieldErrors | null;
}

function parseEvent(store: EntityStore, raw: unknown, now: Date): ParsedEvent {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    throw new ValidationError('invalid.not_object', [fieldError('(body)', 'field.not_event_object')]);
  }
  const { type, ...rest } = raw as Record<string, unknown>;
  // Own keys only: `type in` would take "toString" or "constructor" for an event (a 500).
  if (typeof type !== 'string' || !Object.hasOwn(store.spec.eventSchemas, type)) {
    throw new ValidationError('invalid.event_type', [fieldError('type', 'field.event_types', { types: Object.keys(store.spec.eventSchemas) })]);
  }
  // The payload as a client sends it (the schema the API describes), its occurredAt filled in.
  const parsed = store.spec.request.events[type].safeParse({ ...rest, occurredAt: rest.occurredAt ?? now.toISOString() });
  const occurredAtDefaulted = rest.occurredAt === undefined;
  if (!parsed.success) return { type, occurredAtDefaulted, event: null, errors: fieldErrors(parsed.error) };
  return { type, occurredAtDefaulted, event: { type, ...(parsed.data as object) } as ParsedEvent['event'], errors: null };
}

/**
 * Apply one event to one entity. Refusals throw a DomainError and write nothing.
 *
 * Order of checks, so each refusal says the most useful thing: unknown type (400) → entity
 * (404) → may this user see it (403) → may this role send this event here (403) → pinned
 * version (412) → does the state take this event at all (409) → payload (400) → `occurredAt` (400) → guards (409).
 */
export async function applyEvent(
  ctx: EngineContext,
  store: EntityStore,
  actor: Actor,
  id: string,
  raw: unknown,
  opts: EventOptions,
): Promise<WriteResult> {
  const now = ctx.now?.() ?? new Date();
  const parsed = parseEvent(store, raw, now);
  if (!isUuid(id)) throw new NotFound(store.type === 'case' ? 'not_found.case' : 'not_found.supervision', { id });

  return onceByKey(ctx, actor, opts.idempotency, async () => {
    for (let attempt = 1; ; attempt++) {
      const result = await attemptEvent(ctx, store, actor, id, parsed, opts, ctx.now?.() ?? new Date());
      if (result !== LOST) return result;
      if (opts.ifMatch !== undefined) throw new VersionConflict(opts.ifMatch, opts.ifMatch + 1);
      if (attempt >= MAX_ATTEMPTS) throw new Contention();
      // Back off a little so a crowd of writers on one case does not retry in lockstep.
      await new Promise((r) => setTimeout(r, Math.random() * Math.min(20, attempt * 2)));
    }
  }, true);
}

/** Another writer swapped the row first: nothing was written; read again. */
const LOST = Symbol('lost race');

async function attemptEvent(
  ctx: EngineContext,
  store: EntityStore,
  actor: Actor,
  id: string,
  parsed: ParsedEvent,
  opts: EventOptions,
  now: Date,
): Promise<WriteResult | typeof LOST> {
  // The key's record comes with the row, in one statement: a request with the same key that
  // committed while this one waited is answered as it was.
  const idem = opts.idempotency;
  const table = store.table;
  const [read] = await writePath(store).read.run(ctx.db, { id, userId: idem ? actor.id : null, key: idem?.key ?? null });
  const found = read && splitRead(read);
  if (idem) {
    const prior = found
      ? replayOf(found.prior, idem)
      : // No row: the key may still have been used, on another path (422 before 404, as always).
        await priorResponse(ctx.db, actor, idem);
    if (prior) return prior;
  }
  if (!found) throw new NotFound(store.type === 'case' ? 'not_found.case' : 'not_found.supervision', { id });
  const { row, viewData } = found;

  const snapshot = restore(store, row, ctx.migrations);
  const facts = store.spec.facts(snapshot);
  if (!store.canRead(actor, facts)) throw new Forbidden('forbidden.record');
  const rule = store.spec.permissions[parsed.type];
  if (!rule || !permits(rule, actor, facts, (parsed.event ?? undefined) as { deputyId?: unknown } | undefined)) {
    throw new Forbidden('forbidden.event', { role: actor.role, event: parsed.type });
  }
  // After the access checks: a 412 tells the current version, which is not for callers who may not act here.
  if (opts.ifMatch !== undefined && opts.ifMatch !== row.version) throw new VersionConflict(opts.ifMatch, row.version);
  const from = statePath(snapshot.value);
  // A state that does not take this event at all: say so before any detail of the payload.
  if (snapshot.status !== 'active' || !handledEvents(snapshot).includes(parsed.type)) {
    throw new InvalidTransition(store.spec.explainRefusal(snapshot, { type: parsed.type }), from, parsed.type);
  }
  if (parsed.errors) throw new ValidationError('invalid.body', parsed.errors);
  const lastEventAt = (snapshot.context as { lastEventAt?: string }).lastEventAt ?? null;
  // Written once: a defaulted occurredAt, updatedAt and recordedAt are this same instant (and
  // toISOString costs a microsecond or more on node 20).
  const nowIso = now.toISOString();
  let event = parsed.event!;
  if (parsed.occurredAtDefaulted) event = { ...event, occurredAt: nowIso };
  // Unstated or system times follow the journal: a writer that lost a race to an event stamped a
  // moment later is not refused for being "earlier than the previous event".
  if ((parsed.occurredAtDefaulted || opts.notBeforeLastEvent) && lastEventAt && Date.parse(event.occurredAt) < Date.parse(lastEventAt)) {
    event = { ...event, occurredAt: lastEventAt };
  }
  checkOccurredAt(event.occurredAt, now, lastEventAt);
  // Within the tolerated clock skew an event may claim a moment ahead: it cannot have happened
  // after it was recorded, so it happened when it was recorded.
  if (Date.parse(event.occurredAt) > now.getTime()) event = { ...event, occurredAt: nowIso };

  if (!snapshot.can(event)) {
    throw new InvalidTransition(store.spec.explainRefusal(snapshot, event), from, event.type);
  }
  await store.checkEvent(ctx.db, event);
  // DESIGN §11: the Art 85 ends this event starts or moves, computed with the calendar, go into
  // the event itself (and so into the journal): replay never reads the calendar.
  const stamped = await stampLegalTime(ctx.db, store.spec, snapshot, event);
  event = stamped.event;
  const next = stamped.next ?? nextSnapshot(store.spec.machine, snapshot, event);
  const to = statePath(next.value);
  const version = row.version + 1;

  const written = {
    snapshot: persist(store, next),
    version,
    updatedAt: nowIso,
    // Only the columns whose value changes: most events move one or two of them.
    ...changedColumns(table, row, {
      state: to,
      // A row read through a migration is written back under the version it now conforms to.
      machineVersion: store.spec.version,
      ...store.columns(next),
    }),
  };
  const rendered = opts.render({ row: { ...row, ...written } as EntityRow, snapshot: next, seq: version, type: event.type, data: viewData });
  const { json, kept } = answerTexts(rendered.body, idem ? store : undefined);
  const { type: _t, occurredAt, ...payload } = event;
  const write: Write = {
    written,
    journalRow: journalRow(store, id, {
      seq: version,
      type: event.type,
      payload,
      fromState: from,
      toState: to,
      actor,
      occurredAt,
      // The same clock as a defaulted occurredAt, so a journal row is never recorded before it happened.
      recordedAt: nowIso,
      requestId: ctx.requestId ?? null,
    }),
    access: rendered.accessLog ? accessRow(ctx, actor, store, id, rendered.accessLog) : undefined,
    remember: idem ? keyRecord(actor, idem, false, kept) : undefined,
    ...eventNotices(store.type, row, version, event, to, next, actor),
  };

  // One statement is the whole write: the swap and its rows and, when the event moves the entity's
  // deadlines, the deadline rows made what the new snapshot implies (diffed against the open rows,
  // in SQL); when it closes a case, the case added to the report's summary (report-summary.ts).
  // Most events (sessions, payments on account, measures) leave every deadline where it was: the
  // open rows are what the stored snapshot implied (every write goes through here), unless it was
  // read through a migration. A deadline the sweeper fires is marked fired at most once, with the
  // rest, in one transaction.
  const closing = closesCase(store.type, from, to);
  const firing = opts.firingDeadlineId !== undefined;
  const deadlinesStay = !firing && row.machineVersion === store.spec.version && sameDeadlines(store, snapshot, next);
  let swapped: boolean;
  if (!firing) {
    if (!deadlinesStay) write.deadlines = enforcedDeadlines(store, next);
    if (closing) write.closing = true;
    swapped = await swap(ctx.db, store, id, row.version, write);
  } else {
    swapped = await driverOf(ctx.db)
      .transaction(async (tx) => {
        if (!(await swap(tx, store, id, row.version, write))) throw new LostRace();
        await rewriteDeadlines(tx, store, id, next, opts.firingDeadlineId);
        if (closing) await addClosedCase(tx, id);
        return true;
      })
      .catch((err) => {
        if (err instanceof LostRace) return false;
        throw err;
      });
  }
  if (!swapped) return LOST;
  return { created: false, body: rendered.body, json, replayed: false };
}
