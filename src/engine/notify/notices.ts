/**
 * Who is told what (DESIGN.md §12), and the SQL that tells them inside the transaction of what
 * causes it. A notice is data — `kind`, the entity, `params` (never personal data) — and its words
 * are made when it is shown (src/words.ts).
 *
 * Recipients are described, not listed: deputies by deputy id, every user of some roles, the
 * court users who wrote an event of the case. The SQL resolves them against `users` in the same
 * statement as the journal row, so a refused or lost write tells no one.
 */
import { sql, type SQL } from 'drizzle-orm';
import type { AnyMachineSnapshot } from 'xstate';
import type { Actor } from '../../machines/roles.js';
import type { Db } from '../../db/client.js';
import { caseEvents, cases, deadlines, notifications, outbox, parties, supervisions, users, webhooks } from '../../db/schema.js';
import { smsTemplateOf } from './sms.js';
import { rowsOf } from '../../db/client.js';
import { insertRows, type RowsOf } from '../../db/bulk.js';
import { dueWithinBound } from '../legal-time.js';

export const NOTICE_KINDS = [
  'case_assigned',
  'session_scheduled',
  'deadline_warning',
  'deadline_fired',
  'report_requested',
  'rectification_requested',
  'report_submitted',
  'report_overdue',
  'submission_received',
  'daily_digest',
] as const;
export type NoticeKind = (typeof NOTICE_KINDS)[number];

/** Who gets a notice: any that matches one of these (never the actor who caused it). */
export interface Recipients {
  /** Users who are these deputies. */
  deputyIds?: readonly string[];
  /** Every user of these roles. */
  roles?: readonly string[];
  /** Court users who wrote an event of this case (its journal). */
  courtAuthorsOfCase?: boolean;
  /** Staff of this station. */
  stationCode?: string;
}

export interface Notice {
  kind: NoticeKind;
  entityType: string;
  entityId: string;
  entityNumber: string;
  params: Record<string, unknown>;
  /** Once per user, kind, entity and ref: an event's seq, a deadline's kind and due time. */
  ref: string;
  recipients: Recipients;
  /** Not told: the user who caused it. */
  exceptUserId?: string;
}

/** The events of a case whose firing is a deadline's (the sweeper sends them as `system`). */
const CASE_DEADLINE_EVENTS = new Set(['MEDIATION_EXPIRED', 'PERFORMANCE_OVERDUE', 'ENFORCEMENT_OVERDUE']);

/**
 * The notice an accepted event causes, if any: pure, from the event and the snapshots around it.
 *
 * @example
 * noticeOfEvent('case', row, 3, { type: 'ASSIGN', deputyIds: [d] }, before, after, court)
 * // → { kind: 'case_assigned', recipients: { deputyIds: [d] }, ref: 'seq:3', … }
 */
export function noticeOfEvent(
  entityType: string,
  entity: { id: string; number: string },
  seq: number,
  event: { type: string; [k: string]: unknown },
  next: AnyMachineSnapshot,
  actor: Actor,
): Notice | undefined {
  const base = { entityType, entityId: entity.id, entityNumber: entity.number, ref: `seq:${seq}`, exceptUserId: actor.id };
  if (entityType === 'case') {
    const deputyIds = ((next.context as { deputyIds?: string[] }).deputyIds ?? []).slice();
    switch (event.type) {
      case 'ASSIGN':
        return { ...base, kind: 'case_assigned', params: {}, recipients: { deputyIds: event.deputyIds as string[] } };
      case 'SCHEDULE_SESSION':
        return { ...base, kind: 'session_scheduled', params: { at: event.at, location: event.location }, recipients: { deputyIds } };
    }
    if (CASE_DEADLINE_EVENTS.has(event.type)) {
      return { ...base, kind: 'deadline_fired', params: { event: event.type }, recipients: { deputyIds, courtAuthorsOfCase: true } };
    }
    return undefined;
  }
  if (entityType === 'supervision') {
    switch (event.type) {
      case 'REQUEST_REPORT':
        return { ...base, kind: 'report_requested', params: { dueDate: event.dueDate }, recipients: { roles: ['court'] } };
      case 'EVALUATE':
        if (event.rating !== 'unsatisfied') return undefined;
        return { ...base, kind: 'rectification_requested', params: { dueDate: event.dueDate }, recipients: { roles: ['court'] } };
      case 'SUBMIT_REPORT':
      case 'SUBMIT_RECTIFICATION':
        return { ...base, kind: 'report_submitted', params: { event: event.type }, recipients: { roles: ['committee'] } };
      case 'REPORT_OVERDUE':
        return { ...base, kind: 'report_overdue', params: {}, recipients: { roles: ['committee'] } };
    }
  }
  return undefined;
}

/** The placeholders of a notice in a compiled statement (prefix `n_`), as its SQL reads them. */
export function noticeValues(n: Notice): Record<string, unknown> {
  return {
    n_kind: n.kind,
    n_entity_type: n.entityType,
    n_entity_id: n.entityId,
    n_number: n.entityNumber,
    n_params: JSON.stringify(n.params),
    n_ref: n.ref,
    n_except: n.exceptUserId ?? '',
    // Lists go as JSON text: both drivers bind text alike, not always arrays.
    n_deputies: JSON.stringify(n.recipients.deputyIds ?? []),
    n_roles: JSON.stringify(n.recipients.roles ?? []),
    n_station: n.recipients.stationCode ?? '',
  };
}

/**
 * The kinds of recipient a notice names, as letters: `d` deputies (a non-empty list), `r` roles (a
 * non-empty list), `s` a station's staff, `a` the case's court authors. A notice that names none
 * tells no one. The SQL has the test of each kind named, and no other (noticeInsertSql).
 */
export function noticeBranches(r: Recipients): string {
  return `${r.deputyIds?.length ? 'd' : ''}${r.roles?.length ? 'r' : ''}${r.stationCode !== undefined ? 's' : ''}${r.courtAuthorsOfCase === true ? 'a' : ''}`;
}

/**
 * `insert into notifications … select … from users …` for a notice whose values `v` gives: the
 * write path's placeholders (`slot`), or bound values. `guard`: a condition the rows depend on (the
 * write path's swap took). `branches`: the kinds of recipient the notice names (noticeBranches).
 * `once`: a repeat (same user, kind, entity, ref) adds nothing — `on conflict do nothing`; false
 * for an event's notice, whose ref (`seq:N`) is new with its journal row, written in the same
 * statement under the journal's key (entity, seq): no earlier row can have it, and the
 * speculative insertion ON CONFLICT costs (a probe of both unique indexes, then the insertion
 * under a token, per row) buys nothing there. For the same reason `notifications_once_uq` leaves
 * refs `seq:…` out (0028): an event's rows go into three indexes, not four.
 *
 * Only the tests of the kinds named are in the text, rather than switched off by parameters: in a
 * prepared statement PostgreSQL plans for any value — the look-up of the case's journal for its
 * authors made the generic plan look six times dearer than a plan made for the values at hand, so
 * the write path's statement was planned anew on every execution (0.5–0.8 ms of planning for
 * 0.1 ms of work, every SCHEDULE_SESSION) — and each test left in is evaluated for every user.
 */
export function noticeInsertSql(v: (name: string) => SQL, guard: SQL = sql`true`, branches = 'drsa', once = true): SQL {
  const tests: SQL[] = [];
  // `= any(array(…))`, not `in (select …)`: PostgreSQL reads the array's few ids from users_deputy_idx
  // (drizzle/0031); for `in` it guesses a hundred rows from the list and reads every user instead.
  if (branches.includes('d')) tests.push(sql`(u.role = 'deputy' and u.deputy_id::text = any(array(select jsonb_array_elements_text(${v('n_deputies')}::jsonb))))`);
  if (branches.includes('r')) tests.push(sql`u.role in (select jsonb_array_elements_text(${v('n_roles')}::jsonb))`);
  if (branches.includes('s')) tests.push(sql`(u.role = 'station' and u.station_code = ${v('n_station')}::text)`);
  if (branches.includes('a')) {
    tests.push(sql`(u.role = 'court' and u.id::text in (
        select actor_id from ${caseEvents} where case_id = ${v('n_entity_id')}::uuid and actor_role = 'court'))`);
  }
  return sql`insert into ${notifications} (user_id, kind, entity_type, entity_id, entity_number, params, ref)
    select u.id, ${v('n_kind')}::text, ${v('n_entity_type')}::text, ${v('n_entity_id')}::uuid, ${v('n_number')}::text, ${v('n_params')}::jsonb, ${v('n_ref')}::text
    from ${users} u
    where ${guard} and u.active and u.id::text <> ${v('n_except')}::text and (${tests.length ? sql.join(tests, sql`
      or `) : sql`false`})${once ? sql`
    on conflict do nothing` : sql``}`;
}

/**
 * Tell who a notice names, inside the caller's transaction (a deadline's warning, a citizen's
 * submission, a creation). Returns how many were told.
 */
export async function writeNotice(tx: Db, n: Notice): Promise<number> {
  const values = noticeValues(n);
  const branches = noticeBranches(n.recipients);
  if (!branches) return 0;
  const rows = rowsOf(await tx.execute(sql`${noticeInsertSql((name) => sql`${values[name]}`, sql`true`, branches)} returning 1`));
  return rows.length;
}

/**
 * The hook for a deadline that reaches warning level (DESIGN.md §11, §12): the case's court users
 * and deputies (a supervision item's court users) are told once per deadline and due time.
 * Call it in the transaction that marks the level reached.
 */
export async function notifyDeadlineWarning(
  tx: Db,
  d: { entityType: string; entityId: string; entityNumber: string; kind: string; dueAt: string; deputyIds?: readonly string[] },
): Promise<number> {
  return writeNotice(tx, {
    kind: 'deadline_warning',
    entityType: d.entityType,
    entityId: d.entityId,
    entityNumber: d.entityNumber,
    params: { deadline: d.kind, dueAt: d.dueAt },
    ref: `${d.kind}:${new Date(d.dueAt).toISOString()}`,
    // A supervision item's report is due from the court: its staff are the ones to act.
    recipients: d.entityType === 'case' ? { deputyIds: d.deputyIds ?? [], courtAuthorsOfCase: true } : { roles: ['court'] },
  });
}

/**
 * A citizen submitted a dispute at a station (§13): its staff are told, in the submission's
 * transaction. `submission`: its id and a human reference (receipt or number), no personal data.
 *
 * @example
 * await notifyStation(tx, 'HL01', { id: submission.id, number: submission.receipt })
 */
export async function notifyStation(tx: Db, stationCode: string, submission: { id: string; number: string }): Promise<number> {
  return writeNotice(tx, {
    kind: 'submission_received',
    entityType: 'submission',
    entityId: submission.id,
    entityNumber: submission.number,
    params: { stationCode },
    ref: '',
    recipients: { stationCode },
  });
}

/** The outbox row of a journal row (webhooks and SMS are fanned out from it by the dispatcher). */
export function outboxRow(entityType: string, entityId: string, seq: number, eventType: string, toState: string, occurredAt: string) {
  return { entityType, entityId, seq, eventType, toState, occurredAt };
}

/**
 * Whether anyone listens to an event, as SQL over the event's values `v` (`o_eventType`, `x_sms`,
 * `id`): a live webhook that takes its type, or — for an event that texts parties — a party of the
 * case who consented. An event no one listens to writes no outbox row: the write path pays for a
 * message only when there is someone to send it to (a webhook registered later gets the events
 * committed after it).
 */
export function listenedSql(v: (name: string) => SQL): SQL {
  return sql`(exists (select 1 from ${webhooks} w where w.deleted_at is null and ('*' = any(w.events) or ${v('o_eventType')}::text = any(w.events)))
    or (${v('x_sms')}::boolean and exists (select 1 from ${parties} p where p.case_id = ${v('id')}::uuid and p.sms_consent)))`;
}

/**
 * The outbox rows of creations (a batched import, src/engine/write/create-many.ts), in their
 * transaction, when someone listens — in one statement. A creation texts no one (`x_sms` false):
 * only a webhook that takes `CREATE` listens, the same for every one of them.
 */
export async function writeCreationOutboxes(tx: Db, entityType: string, items: { id: string; toState: string; occurredAt: string }[]): Promise<void> {
  if (items.length === 0) return;
  const { table, rows, where } = creationOutbox(entityType, items);
  await insertRows(tx, table, rows, { where });
}

/** The creations' outbox rows and the condition they are written on, for a caller's own statement (`insertTogether`). */
export function creationOutbox(entityType: string, items: { id: string; toState: string; occurredAt: string }[]): RowsOf {
  const values: Record<string, unknown> = { o_eventType: 'CREATE', x_sms: false, id: items[0]?.id };
  return {
    table: outbox,
    rows: items.map((m) => outboxRow(entityType, m.id, 1, 'CREATE', m.toState, m.occurredAt)),
    where: listenedSql((name) => sql`${values[name]}`),
  };
}

/**
 * What an accepted event writes beside its journal row, in the same statement: its outbox row
 * (when someone listens), and its notice when it tells someone.
 */
export function eventNotices(
  entityType: string,
  entity: { id: string; number: string },
  seq: number,
  event: { type: string; occurredAt: string; [k: string]: unknown },
  toState: string,
  next: AnyMachineSnapshot,
  actor: Actor,
): { outbox: ReturnType<typeof outboxRow>; smsWanted: boolean; notice?: Notice } {
  return {
    outbox: outboxRow(entityType, entity.id, seq, event.type, toState, event.occurredAt),
    smsWanted: entityType === 'case' && smsTemplateOf(event.type, toState) !== undefined,
    notice: noticeOfEvent(entityType, entity, seq, event, next, actor),
  };
}

/**
 * Deadlines that have come within `warningDays` of their due time and are not yet due: each open
 * row is marked warned and its people told, in one transaction, once (a moved deadline is a new
 * row and warns again). Claimed with SKIP LOCKED, so several processes split the work.
 */
export async function warnDeadlines(db: Db, opts: { now?: Date; warningDays: number; batch?: number }): Promise<number> {
  const now = opts.now ?? new Date();
  // The same bound as the views' level (DESIGN §11: days left counted in Shanghai calendar days): a
  // deadline is told the moment its view says `warning`, not at the next midnight.
  const limit = dueWithinBound(opts.warningDays, now);
  return db.transaction(async (tx) => {
    const rows = rowsOf<{ entity_type: string; entity_id: string; kind: string; due_at: unknown; number: string | null; deputy_ids: string[] | string | null }>(
      await tx.execute(sql`
        with warned as (
          update ${deadlines} set warned_at = ${now.toISOString()}
          where id in (
            select id from ${deadlines}
            where fired_at is null and warned_at is null and due_at > ${now.toISOString()} and due_at <= ${limit}
            order by due_at limit ${opts.batch ?? 200}
            for update skip locked)
          returning entity_type, entity_id, kind, due_at)
        select w.entity_type, w.entity_id, w.kind, w.due_at, coalesce(c.number, s.number) as number, to_json(c.deputy_ids)::text as deputy_ids
        from warned w
        left join ${cases} c on w.entity_type = 'case' and c.id = w.entity_id
        left join ${supervisions} s on w.entity_type = 'supervision' and s.id = w.entity_id`),
    );
    for (const r of rows) {
      if (!r.number) continue;
      const deputyIds = typeof r.deputy_ids === 'string' ? (JSON.parse(r.deputy_ids) as string[] | null) : r.deputy_ids;
      await notifyDeadlineWarning(tx, {
        entityType: r.entity_type,
        entityId: r.entity_id,
        entityNumber: r.number,
        kind: r.kind,
        dueAt: new Date(r.due_at as string).toISOString(),
        deputyIds: deputyIds ?? [],
      });
    }
    return rows.length;
  });
}
