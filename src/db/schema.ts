/**
 * The schema, in the database's words: snake_case columns, timestamptz everywhere, amounts in
 * integer fen (bigint). Migrations are generated from this file by drizzle-kit and committed.
 */
import { sql } from 'drizzle-orm';
import {
  type AnyPgColumn,
  bigint,
  date,
  bigserial,
  boolean,
  check,
  index,
  integer,
  jsonb,
  pgTable,
  primaryKey,
  text,
  timestamp,
  uniqueIndex,
  uuid,
} from 'drizzle-orm/pg-core';

const ts = (name: string) => timestamp(name, { withTimezone: true, mode: 'string' });
const fen = (name: string) => bigint(name, { mode: 'number' });

/** 人大代表联络站 (or a court's studio): where cases are taken and deputies sit. */
export const stations = pgTable('stations', {
  code: text('code').primaryKey(),
  name: text('name').notNull(),
  kind: text('kind').notNull(),
  district: text('district').notNull(),
  /** 热线联: the station's public hotline, printed on its card. */
  hotline: text('hotline'),
  address: text('address'),
  /** Deputies on duty (值班代表) as shown to the public: a name and when they receive people. */
  deputiesOnDuty: jsonb('deputies_on_duty').$type<{ name: string; schedule?: string }[]>().notNull().default([]),
  /** False: retired (撤销) — offered for no new case, user or activity, still shown on old records. */
  active: boolean('active').notNull().default(true),
  createdAt: ts('created_at').notNull().defaultNow(),
});

/** 人大代表 */
export const deputies = pgTable(
  'deputies',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    name: text('name').notNull(),
    level: text('level').notNull(),
    stationCode: text('station_code')
      .notNull()
      .references(() => stations.code),
    expertise: jsonb('expertise').$type<string[]>().notNull().default([]),
    phone: text('phone'),
    /** The deputy's number in the register it was imported from (DESIGN.md §14): imports are idempotent by it. */
    externalRef: text('external_ref').unique(),
    /** False: retired (no longer a deputy here) — assigned to no new case, still shown on old records. */
    active: boolean('active').notNull().default(true),
    createdAt: ts('created_at').notNull().defaultNow(),
  },
  (t) => [index('deputies_station_idx').on(t.stationCode)],
);

export const users = pgTable(
  'users',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    name: text('name').notNull(),
    role: text('role').notNull(),
    stationCode: text('station_code').references(() => stations.code),
    deputyId: uuid('deputy_id').references(() => deputies.id),
    /** sha256 of the bearer token; the token itself is shown once and never stored. */
    tokenHash: text('token_hash').notNull().unique(),
    /** Sign-in name for the web interface (unique when set). */
    login: text('login').unique(),
    /** scrypt hash for the web sign-in: `scrypt$N$r$p$salt$hash`, null until a password is set. */
    passwordHash: text('password_hash'),
    /** Set when an admin (re)sets the password: the user must choose their own at next sign-in. */
    mustChangePassword: boolean('must_change_password').notNull().default(false),
    /** False: the user is switched off — their token is refused and no web session opens. */
    active: boolean('active').notNull().default(true),
    /** The admin whose token comes from ADMIN_TOKEN: a new ADMIN_TOKEN replaces its token at start. */
    bootstrap: boolean('bootstrap').notNull().default(false),
    createdAt: ts('created_at').notNull().defaultNow(),
  },
  (t) => [
    // The users who are some deputies, as a notice names them (src/engine/notify/notices.ts: deputy
    // ids as JSON text, compared as text): every ASSIGN and SCHEDULE_SESSION looks its recipients up
    // here, in the write path's statement. Without it that read every user (0.5–1 ms at 3,000 users).
    index('users_deputy_idx').on(sql`(${t.deputyId}::text)`).where(sql`role = 'deputy'`),
  ],
);

/**
 * The audit log (DESIGN.md §10): one row per administrative or security-relevant act, written in
 * the transaction of the act; append-only like the journals (a trigger refuses UPDATE and DELETE).
 */
export const auditLog = pgTable(
  'audit_log',
  {
    seq: bigserial('seq', { mode: 'number' }).primaryKey(),
    at: ts('at').notNull().defaultNow(),
    /** Null for an anonymous act (a failed sign-in of an unknown name). */
    actorId: text('actor_id'),
    actorRole: text('actor_role'),
    actorName: text('actor_name'),
    action: text('action').notNull(),
    targetType: text('target_type'),
    targetId: text('target_id'),
    detail: jsonb('detail').notNull().default({}),
    /** Made by the server; a client's own X-Request-Id is kept beside it, never instead. */
    requestId: text('request_id'),
    clientRequestId: text('client_request_id'),
    clientAddress: text('client_address'),
  },
  (t) => [
    index('audit_log_action_idx').on(t.action, t.seq),
    index('audit_log_actor_idx').on(t.actorId, t.seq),
    index('audit_log_at_idx').on(t.at),
  ],
);

/**
 * Sign-in attempts, counted before the password is checked (DESIGN.md §10): a row per attempt
 * that got through to the check; a success deletes its login's rows. Counted per login and per
 * client address over the last 15 minutes.
 */
export const signInAttempts = pgTable(
  'sign_in_attempts',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    login: text('login').notNull(),
    address: text('address').notNull(),
    at: ts('at').notNull(),
  },
  (t) => [index('sign_in_attempts_login_idx').on(t.login, t.at), index('sign_in_attempts_address_idx').on(t.address, t.at)],
);

/** A login (`login:<name>`) or a client address (`address:<ip>`) that takes no attempt until `locked_until`. */
export const signInLocks = pgTable('sign_in_locks', {
  key: text('key').primaryKey(),
  lockedUntil: ts('locked_until').notNull(),
});

/** Web sign-in sessions: the cookie holds a random id, only its hash is stored. */
export const webSessions = pgTable(
  'web_sessions',
  {
    idHash: text('id_hash').primaryKey(),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id),
    csrfToken: text('csrf_token').notNull(),
    expiresAt: ts('expires_at').notNull(),
    createdAt: ts('created_at').notNull().defaultNow(),
  },
  (t) => [index('web_sessions_user_idx').on(t.userId)],
);

/**
 * What the search indexes hold (drizzle/0016_search_grams.sql, drizzle/0020_case_number_search.sql):
 * a case's summary and dispute type as character pairs, its number as its pieces of two and of four
 * characters, a party's name as characters and pairs. Queries that want the indexes write these
 * very expressions (src/engine/views.ts).
 */
export const caseSearchGrams = (t: { summary: AnyPgColumn; disputeType: AnyPgColumn }) => sql`search_bigrams(${t.summary} || ' ' || ${t.disputeType})`;
export const caseNumberGrams = (t: { number: AnyPgColumn }) => sql`search_number_grams(${t.number})`;
export const partySearchGrams = (t: { name: AnyPgColumn }) => sql`search_chars_and_bigrams(${t.name})`;

/**
 * What the committee report reads of an open case: the key of cases_report_open_idx (see below).
 * Not the session counts: those change with every RECORD_SESSION, and a column any index holds
 * makes each update of the row write a new entry into every index of `cases` (no HOT update);
 * the report reads them from `open_case_sessions`.
 */
const REPORT_COLUMNS = [
  'openedAt', 'stationCode', 'source', 'disputeType', 'agreedAt', 'outcome', 'enforcementStartedAt',
  'overdue', 'owedFen', 'recoveredFen', 'deputyIds',
] as const;
const reportColumns = (t: Record<(typeof REPORT_COLUMNS)[number], AnyPgColumn>) =>
  REPORT_COLUMNS.map((k) => t[k]) as [AnyPgColumn, ...AnyPgColumn[]];

export const cases = pgTable(
  'cases',
  {
    id: uuid('id').primaryKey(),
    number: text('number').notNull().unique(),
    state: text('state').notNull(),
    snapshot: jsonb('snapshot').notNull(),
    version: integer('version').notNull(),
    machineVersion: integer('machine_version').notNull(),
    track: text('track').notNull(),
    procedure: text('procedure').notNull(),
    source: text('source').notNull(),
    stationCode: text('station_code')
      .notNull()
      .references(() => stations.code),
    disputeType: text('dispute_type').notNull(),
    summary: text('summary').notNull(),
    claimFen: fen('claim_fen'),
    agreedFen: fen('agreed_fen'),
    paidFen: fen('paid_fen').notNull().default(0),
    owedFen: fen('owed_fen'),
    recoveredFen: fen('recovered_fen').notNull().default(0),
    outcome: text('outcome'),
    overdue: boolean('overdue').notNull().default(false),
    enforceable: boolean('enforceable').notNull().default(false),
    deputyIds: text('deputy_ids').array().notNull().default(sql`'{}'::text[]`),
    sessionsHeld: integer('sessions_held').notNull().default(0),
    deputyAttendances: integer('deputy_attendances').notNull().default(0),
    /** When the case was opened (the creation's occurredAt). */
    openedAt: ts('opened_at').notNull(),
    agreedAt: ts('agreed_at'),
    enforcementStartedAt: ts('enforcement_started_at'),
    closedAt: ts('closed_at'),
    lastEventAt: ts('last_event_at').notNull(),
    /** The earliest of the deadlines the case shows now (DESIGN §11 `dueWithinDays`); null when none. */
    nextDueAt: ts('next_due_at'),
    createdBy: uuid('created_by').notNull(),
    /** The case's number in the register it was imported from (DESIGN.md §14): imports are idempotent by it. */
    externalRef: text('external_ref').unique(),
    createdAt: ts('created_at').notNull().defaultNow(),
    updatedAt: ts('updated_at').notNull().defaultNow(),
  },
  (t) => [
    // Lists by state walk newest first, and the court's to-do reads each waiting state oldest first:
    // both in the index's order, never a sort of every case in the state (issue 16).
    index('cases_state_idx').on(t.state, t.openedAt, t.id),
    // The overdue list (and the dashboard's): a tenth of all cases, most of them long closed, so a
    // walk of cases_opened_idx newest first read 36k rows (450 ms cold at 1M) to fill a page.
    index('cases_overdue_idx').on(t.openedAt, t.id).where(sql`overdue`),
    // "A deadline within N days", the case list's and the court's to-do's: newest (or oldest)
    // first among the ~2% of cases that have a deadline, with the bound checked in the index —
    // cases_opened_idx read every case's heap row down to the 51st match (8k rows, 8k pages at 1M
    // cases; the to-do's oldest 200: 13k), and the bare next_due_at index fetched every match to sort.
    index('cases_due_idx').on(t.openedAt, t.id, t.nextDueAt).where(sql`next_due_at is not null`),
    index('cases_station_idx').on(t.stationCode, t.openedAt),
    index('cases_opened_idx').on(t.openedAt, t.id),
    index('cases_outcome_idx').on(t.outcome),
    index('cases_deputies_idx').using('gin', t.deputyIds),
    // The committee report (src/engine/reports.ts) reads open cases only from this index, never
    // the wide heap rows (snapshots): every column it needs is a key column, because drizzle cannot
    // declare INCLUDE. Closed cases are read from case_report_totals instead.
    index('cases_report_open_idx')
      .on(...reportColumns(t))
      .where(sql`outcome is null`),
    // The search indexes (`q`) are on case_texts, not here: see caseTexts below.
  ],
);

/**
 * The session counts of the open cases that have any, for the committee report
 * (src/engine/reports.ts): `cases.sessions_held` and `cases.deputy_attendances` of each case whose
 * `outcome` is null and which has held a session, with the case's key columns of the report
 * (which never change). Kept by the write path in the statement that changes them: a
 * RECORD_SESSION sets the row (its update of `cases` then changes no indexed column and is HOT:
 * issue 9 §5, the write path), the close deletes it (the case is then in the closed-case summary).
 * No index but the key: the report reads it whole (a row per open case with sessions).
 */
export const openCaseSessions = pgTable(
  'open_case_sessions',
  {
    caseId: uuid('case_id').primaryKey(),
    openedAt: ts('opened_at').notNull(),
    stationCode: text('station_code').notNull(),
    source: text('source').notNull(),
    disputeType: text('dispute_type').notNull(),
    sessionsHeld: integer('sessions_held').notNull(),
    deputyAttendances: integer('deputy_attendances').notNull(),
  },
  () => [],
);

/**
 * Which deputies each case is assigned to, by deputy and opening time (issue 16: a deputy's case
 * list, newest first). `cases.deputy_ids` stays what decides; this table only says where to look,
 * in the list's order — the GIN index on deputy_ids cannot give a deputy's newest cases without
 * fetching them all, and the walk of cases_opened_idx read ~10k case rows to find a busy deputy's
 * 51 at a million cases (about a second when PostgreSQL's and the OS's caches do not hold them).
 * Kept by a trigger on `cases` (drizzle/0024_case_deputies.sql), so every writer of deputy_ids —
 * the engine, an import, a hand-written row — keeps it; the seed fills it in bulk.
 */
export const caseDeputies = pgTable(
  'case_deputies',
  {
    deputyId: text('deputy_id').notNull(),
    openedAt: ts('opened_at').notNull(),
    caseId: uuid('case_id').notNull(),
  },
  (t) => [primaryKey({ columns: [t.deputyId, t.openedAt, t.caseId] })],
);

/**
 * What search matches in a case's own words — its number, summary and dispute type, which never
 * change — by opening time (issue 16: search's first call after a start). A search whose matches
 * are dense (words found in a tenth of all cases) finds its page among the newest cases; this
 * table, narrow and written in opening order, holds those words for a thousand cases in a few
 * dozen pages, where the cases' own rows (snapshots, and scattered by their updates) took a
 * thousand. `cases` still decides: the table only says which of the newest cases to read.
 * Kept by a trigger on `cases` (drizzle/0025_case_texts.sql); the seed fills it in bulk.
 */
export const caseTexts = pgTable(
  'case_texts',
  {
    openedAt: ts('opened_at').notNull(),
    caseId: uuid('case_id').notNull(),
    number: text('number').notNull(),
    summary: text('summary').notNull(),
    disputeType: text('dispute_type').notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.openedAt, t.caseId] }),
    // Search (`q`): the character pairs of summary and dispute type (drizzle/0016_search_grams.sql),
    // and the number's pieces of two and four characters (drizzle/0020_case_number_search.sql).
    // Here and not on `cases` (drizzle/0026_search_on_case_texts.sql): these columns never change
    // after a case is opened, but every event that moves an indexed column of `cases` (its state:
    // ACCEPT, ASSIGN, REACH_AGREEMENT, a closing) is an update that is not HOT, and such an update
    // writes a new entry into every index of the table — for these two, the grams of the summary
    // and the number computed again and some 60 GIN keys inserted, for texts that did not change.
    // case_texts is written once per case (its trigger) and never by an event.
    index('case_texts_search_idx').using('gin', caseSearchGrams(t)),
    index('case_texts_number_search_idx').using('gin', caseNumberGrams(t)),
  ],
);

/** Parties hold the personal data (PIPL): kept out of snapshots, masked on read for most roles. */
export const parties = pgTable(
  'parties',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    caseId: uuid('case_id')
      .notNull()
      .references(() => cases.id),
    position: integer('position').notNull(),
    role: text('role').notNull(),
    name: text('name').notNull(),
    idNumber: text('id_number'),
    phone: text('phone'),
    /** The party agreed to be told by SMS (DESIGN.md §12): recorded at intake, changeable later. */
    smsConsent: boolean('sms_consent').notNull().default(false),
    /**
     * Its case's `opened_at` (which never changes), written with the row at creation: a search by
     * name orders the parties it finds by their case's opening time without reading every such
     * case (issue 16; drizzle/0027_parties_opened_at.sql fills it for a row written without it).
     */
    openedAt: ts('opened_at').notNull(),
  },
  (t) => [
    index('parties_case_idx').on(t.caseId, t.position),
    // Search by name (`q`, court and station staff only): its characters and character pairs.
    index('parties_search_idx').using('gin', partySearchGrams(t)),
    // The exact look-up of a party by phone or resident ID number (court and station staff).
    index('parties_phone_idx').on(t.phone),
    index('parties_id_number_idx').on(t.idNumber),
  ],
);

/**
 * What every journal row holds besides its entity: `seq` (= the entity's version after the
 * event), the event, the states, the actor, when it happened and when it was recorded.
 */
function journalColumns() {
  return {
    seq: integer('seq').notNull(),
    type: text('type').notNull(),
    payload: jsonb('payload').notNull(),
    fromState: text('from_state'),
    toState: text('to_state').notNull(),
    actorId: text('actor_id').notNull(),
    actorRole: text('actor_role').notNull(),
    actorName: text('actor_name').notNull(),
    occurredAt: ts('occurred_at').notNull(),
    recordedAt: ts('recorded_at').notNull().defaultNow(),
    requestId: text('request_id'),
  };
}

/** The journal: one row per accepted event, append-only, never updated or deleted. */
export const caseEvents = pgTable(
  'case_events',
  {
    caseId: uuid('case_id')
      .notNull()
      .references(() => cases.id),
    ...journalColumns(),
  },
  (t) => [primaryKey({ columns: [t.caseId, t.seq] })],
);

/**
 * Statutory clocks as rows: the sweeper fires `event` once `due_at` has passed. Rows of a state
 * the entity has left are deleted; fired rows stay as the record that they fired.
 */
export const deadlines = pgTable(
  'deadlines',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    entityType: text('entity_type').notNull(),
    entityId: uuid('entity_id').notNull(),
    kind: text('kind').notNull(),
    dueAt: ts('due_at').notNull(),
    event: text('event').notNull(),
    firedAt: ts('fired_at'),
    /** When its warning-level notices were written (once per row; a moved deadline is a new row). */
    warnedAt: ts('warned_at'),
    claimedBy: text('claimed_by'),
    claimedUntil: ts('claimed_until'),
    createdAt: ts('created_at').notNull().defaultNow(),
  },
  (t) => [
    index('deadlines_due_idx').on(t.dueAt).where(sql`fired_at is null`),
    index('deadlines_entity_idx').on(t.entityType, t.entityId),
    uniqueIndex('deadlines_open_kind_uq').on(t.entityType, t.entityId, t.kind).where(sql`fired_at is null`),
  ],
);

/** Idempotency-Key records: the first response, replayed for a repeat of the same request. */
export const idempotencyKeys = pgTable(
  'idempotency_keys',
  {
    userId: text('user_id').notNull(),
    key: text('key').notNull(),
    requestHash: text('request_hash').notNull(),
    status: integer('status').notNull(),
    /**
     * The answer (a case's view: 2–3 kB, so compressed in the row). Compressed with lz4 where the
     * server has it (drizzle/0032, which drizzle-kit cannot express): pglz cost the write path 6% of
     * PostgreSQL's CPU. PGlite has no lz4 and keeps pglz.
     */
    response: jsonb('response').notNull(),
    createdAt: ts('created_at').notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.userId, t.key] })],
);

/** Every read of unmasked personal data (PIPL). */
export const accessLog = pgTable(
  'access_log',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    userId: text('user_id').notNull(),
    userRole: text('user_role').notNull(),
    entityType: text('entity_type').notNull(),
    entityId: uuid('entity_id').notNull(),
    fields: text('fields').notNull(),
    requestId: text('request_id'),
    at: ts('at').notNull().defaultNow(),
  },
  (t) => [index('access_log_entity_idx').on(t.entityType, t.entityId)],
);

/** Per-scope yearly counters behind human case numbers (2026-HL01-000123). */
export const numberSequences = pgTable(
  'number_sequences',
  {
    scope: text('scope').notNull(),
    year: integer('year').notNull(),
    last: integer('last').notNull(),
  },
  (t) => [primaryKey({ columns: [t.scope, t.year] })],
);

/** 监督事项: a committee's supervision list entry (清单管理, 跟踪督办), tracked until closed. */
export const supervisions = pgTable(
  'supervisions',
  {
    id: uuid('id').primaryKey(),
    number: text('number').notNull().unique(),
    state: text('state').notNull(),
    snapshot: jsonb('snapshot').notNull(),
    version: integer('version').notNull(),
    machineVersion: integer('machine_version').notNull(),
    kind: text('kind').notNull(),
    subject: text('subject').notNull(),
    respondent: text('respondent').notNull(),
    overdue: boolean('overdue').notNull().default(false),
    rating: text('rating'),
    openedAt: ts('opened_at').notNull(),
    closedAt: ts('closed_at'),
    lastEventAt: ts('last_event_at').notNull(),
    /** The earliest of the deadlines the item shows now (DESIGN §11 `dueWithinDays`); null when none. */
    nextDueAt: ts('next_due_at'),
    createdBy: uuid('created_by').notNull(),
    createdAt: ts('created_at').notNull().defaultNow(),
    updatedAt: ts('updated_at').notNull().defaultNow(),
  },
  (t) => [index('supervisions_state_idx').on(t.state), index('supervisions_opened_idx').on(t.openedAt, t.id)],
);

/** The supervision journal: append-only, like case_events. */
export const supervisionEvents = pgTable(
  'supervision_events',
  {
    supervisionId: uuid('supervision_id')
      .notNull()
      .references(() => supervisions.id),
    ...journalColumns(),
  },
  (t) => [
    primaryKey({ columns: [t.supervisionId, t.seq] }),
    // 报告逾期 in the committee report: the few REPORT_OVERDUE rows, without reading the journal.
    index('supervision_events_overdue_idx').on(t.supervisionId).where(sql`type = 'REPORT_OVERDUE'`),
  ],
);

/** Sample cases linked to a supervision item (专题问案). */
export const supervisionCases = pgTable(
  'supervision_cases',
  {
    supervisionId: uuid('supervision_id')
      .notNull()
      .references(() => supervisions.id),
    caseId: uuid('case_id')
      .notNull()
      .references(() => cases.id),
    position: integer('position').notNull(),
  },
  (t) => [primaryKey({ columns: [t.supervisionId, t.caseId] }), index('supervision_cases_case_idx').on(t.caseId)],
);

/** 履职记录: what a station did on a day — theme, content, deputies present, voters received. */
export const stationActivities = pgTable(
  'station_activities',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    stationCode: text('station_code')
      .notNull()
      .references(() => stations.code),
    date: date('date', { mode: 'string' }).notNull(),
    theme: text('theme').notNull(),
    content: text('content').notNull(),
    deputyIds: uuid('deputy_ids').array().notNull().default(sql`'{}'::uuid[]`),
    /** 进站人次: deputies present, counted once per activity. */
    deputyVisits: integer('deputy_visits').notNull(),
    /** 接待选民人次 */
    votersReceived: integer('voters_received').notNull(),
    recordedBy: uuid('recorded_by').notNull(),
    /** The activity's number in the register it was imported from (DESIGN.md §14): imports are idempotent by it. */
    externalRef: text('external_ref').unique(),
    createdAt: ts('created_at').notNull().defaultNow(),
  },
  (t) => [index('station_activities_station_date_idx').on(t.stationCode, t.date)],
);

// ---------------------------------------------------------------------------------------------
// Notifications (DESIGN.md §12)

/**
 * The transactional outbox: one row per journal row, written by the statement (or transaction)
 * that writes the journal row, so an event committed has its row and an event refused none. The
 * dispatcher fans each row out into webhook and SMS deliveries (`fanned_out_at`): a webhook's first
 * try is sent under the row's lease and its delivery written with the outcome. Its id is the
 * stable message id receivers see as `webhook-id`. No personal data: ids, numbers, types, states.
 */
export const outbox = pgTable(
  'outbox',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    entityType: text('entity_type').notNull(),
    entityId: uuid('entity_id').notNull(),
    seq: integer('seq').notNull(),
    eventType: text('event_type').notNull(),
    toState: text('to_state').notNull(),
    occurredAt: ts('occurred_at').notNull(),
    createdAt: ts('created_at').notNull().defaultNow(),
    fannedOutAt: ts('fanned_out_at'),
    /**
     * A dispatcher's claim of the row's webhook tries (src/engine/notify/dispatcher.ts): until then
     * no other claims it; a dispatcher that dies while sending leaves it to run out. Unindexed, so
     * that writing it is a heap-only update (the table keeps room on its pages: migration 0030).
     */
    leaseUntil: ts('lease_until'),
  },
  (t) => [
    // No unique key on (entity_type, entity_id, seq): the row is written in the statement (or
    // transaction) of its journal row, whose own key (entity, seq) already makes it once, and no
    // query looks an outbox row up by them (migration 0029: one index entry fewer at its insert
    // and at each of its updates).
    index('outbox_pending_idx').on(t.createdAt).where(sql`fanned_out_at is null`),
  ],
);

/**
 * 站内消息: one row per user told. Written in the transaction of what causes it (an event, a
 * deadline reaching warning level, a citizen's submission). `kind` and `params` are data; the
 * words are made from them when shown (src/words.ts). `ref` makes a notice once-only where it
 * must be (a deadline's warning: its kind and due time).
 */
export const notifications = pgTable(
  'notifications',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    userId: uuid('user_id').notNull(),
    kind: text('kind').notNull(),
    entityType: text('entity_type').notNull(),
    entityId: uuid('entity_id').notNull(),
    entityNumber: text('entity_number').notNull(),
    params: jsonb('params').notNull().default({}),
    ref: text('ref').notNull().default(''),
    // Milliseconds, as a JSON instant holds them: the list's cursor carries one exactly.
    at: ts('at').notNull().default(sql`date_trunc('milliseconds', now())`),
    readAt: ts('read_at'),
  },
  (t) => [
    index('notifications_user_idx').on(t.userId, t.at, t.id),
    index('notifications_unread_idx').on(t.userId).where(sql`read_at is null`),
    // Once per user, kind, entity and ref, for the notices written `on conflict do nothing` (a
    // deadline's warning, a submission, a digest). An event's notice (ref `seq:N`, notices.ts) is
    // new with its journal row, whose key (entity, seq) already makes it once: it is left out, so
    // each SCHEDULE_SESSION's rows go into three indexes, not four.
    uniqueIndex('notifications_once_uq').on(t.userId, t.kind, t.entityId, t.ref).where(sql`ref not like 'seq:%'`),
  ],
);

/** Webhook endpoints registered by the admin; the secret is kept to sign (shown once, when made). */
export const webhooks = pgTable('webhooks', {
  id: uuid('id').primaryKey().defaultRandom(),
  url: text('url').notNull(),
  /** Event types (`ASSIGN`, `CREATE`, …) or `*`. */
  events: text('events').array().notNull(),
  secret: text('secret').notNull(),
  createdBy: uuid('created_by'),
  createdAt: ts('created_at').notNull().defaultNow(),
  deletedAt: ts('deleted_at'),
});

/**
 * One message to one receiver: a webhook endpoint (`webhook_id`) or a party's phone by SMS
 * (`party_id`, the number read from `parties` when sent, never stored here). `pending` rows are
 * claimed when `next_attempt_at` has come (a claim pushes it out by a lease, so a crashed
 * dispatcher's row is taken over); failures back off exponentially until `expires_at`, then `dead`.
 */
export const deliveries = pgTable(
  'deliveries',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    messageId: uuid('message_id').notNull(),
    channel: text('channel').notNull(),
    webhookId: uuid('webhook_id'),
    partyId: uuid('party_id'),
    /** SMS: the template's name (src/engine/notify/sms.ts). */
    template: text('template'),
    /**
     * A reminder's own values (an instalment's due date), for a message no event caused: its
     * `message_id` is derived from what it reminds of, and there is no outbox row behind it.
     */
    params: jsonb('params'),
    status: text('status').notNull(),
    attempts: integer('attempts').notNull().default(0),
    nextAttemptAt: ts('next_attempt_at').notNull(),
    expiresAt: ts('expires_at').notNull(),
    lastStatus: integer('last_status'),
    lastError: text('last_error'),
    deliveredAt: ts('delivered_at'),
    /**
     * A webhook delivered at its first try has no row in `delivery_attempts` for it: that try is
     * `delivered_at`, `last_status` and this, its duration in ms (null: every try has its row).
     * It is the first try the log shows, before any row (a repeat's, after a lease ran out). A
     * delivered row's `delivered_at` and `last_status` never change again.
     */
    firstTryMs: integer('first_try_ms'),
    createdAt: ts('created_at').notNull().defaultNow(),
  },
  (t) => [
    index('deliveries_due_idx').on(t.nextAttemptAt).where(sql`status = 'pending'`),
    index('deliveries_webhook_idx').on(t.webhookId, t.createdAt),
    // A message reaches each receiver once: a fan-out that runs twice (a lease run out) adds nothing.
    uniqueIndex('deliveries_once_uq').on(t.messageId, sql`coalesce(${t.webhookId}, ${t.partyId})`),
  ],
);

/** Every attempt at a delivery: when, the answer's status (null: no answer) or the error, how long. */
export const deliveryAttempts = pgTable(
  'delivery_attempts',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    deliveryId: uuid('delivery_id').notNull(),
    at: ts('at').notNull(),
    status: integer('status'),
    error: text('error'),
    durationMs: integer('duration_ms').notNull(),
  },
  (t) => [index('delivery_attempts_delivery_idx').on(t.deliveryId, t.id)],
);

/**
 * The committee report's figures of the closed cases (src/engine/report-summary.ts), added up by
 * when they were opened × station × source × dispute type. A case is added once, in the
 * transaction that closes it: `closed` is final, so the sums are exact and every process sees them
 * the moment the close commits. Three tables of the same columns, by Shanghai calendar year, month
 * and day of opening (`period` the first day of each): the year rows answer whole years, the month
 * rows the whole months left at either end, the day rows the days left after those. Apart, so
 * that reading the few year rows does not wade through the many more month and day rows. Columns
 * named as the report's figures.
 */
function caseTotalsColumns() {
  return {
    period: date('period', { mode: 'string' }).notNull(),
    stationCode: text('station_code').notNull(),
    source: text('source').notNull(),
    disputeType: text('dispute_type').notNull(),
    cases: integer('cases').notNull(),
    agreements: integer('agreements').notNull(),
    failed: integer('failed').notNull(),
    withDeputies: integer('with_deputies').notNull(),
    sessions: integer('sessions').notNull(),
    attendances: integer('attendances').notNull(),
    performed: integer('performed').notNull(),
    settled: integer('settled').notNull(),
    sent: integer('sent').notNull(),
    fromAgreements: integer('from_agreements').notNull(),
    fulfilled: integer('fulfilled').notNull(),
    settledEnf: integer('settled_enf').notNull(),
    terminatedThisRound: integer('terminated_this_round').notNull(),
    terminated: integer('terminated').notNull(),
    overLimit: integer('over_limit').notNull(),
    owedFen: bigint('owed_fen', { mode: 'bigint' }).notNull(),
    recoveredFen: bigint('recovered_fen', { mode: 'bigint' }).notNull(),
  };
}

export const caseReportYears = pgTable('case_report_years', caseTotalsColumns(), (t) => [
  primaryKey({ columns: [t.period, t.stationCode, t.source, t.disputeType] }),
]);

export const caseReportMonths = pgTable('case_report_months', caseTotalsColumns(), (t) => [
  primaryKey({ columns: [t.period, t.stationCode, t.source, t.disputeType] }),
]);

export const caseReportDays = pgTable('case_report_days', caseTotalsColumns(), (t) => [
  primaryKey({ columns: [t.period, t.stationCode, t.source, t.disputeType] }),
]);

/**
 * 扫码联: a citizen's submission through a station's QR code (DESIGN.md §13). Its name, phone and
 * counterparty are personal data: kept here while it waits or stays declined, never in a journal,
 * a log line or another table. Accepted, it holds none of them: the transaction that opens its
 * case (whose `parties` now hold them, DESIGN.md §10) empties them, and what still works off the
 * phone keeps a column of its own (its last 4 digits, a hash of it).
 */
export const submissions = pgTable(
  'submissions',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    /** What the citizen keeps to look the submission up: random, unambiguous letters and digits. */
    receipt: text('receipt').notNull().unique(),
    stationCode: text('station_code')
      .notNull()
      .references(() => stations.code),
    /** The sender's name, phone and the other side's name: null once accepted (they are the case's parties). */
    name: text('name'),
    phone: text('phone'),
    counterparty: text('counterparty'),
    /**
     * The phone's last 4 digits: what the status look-up matches, accepted or not. Null only where
     * the phone was erased before this column was made (drizzle/0034): nothing matches it then.
     */
    phoneLast4: text('phone_last4'),
    /**
     * The phone's one-way hash (`phoneKey`), which the per-phone daily limit counts by; cleared once
     * its day is long past (`purgeExpired`) or its case's personal data is erased.
     */
    phoneHash: text('phone_hash'),
    disputeType: text('dispute_type').notNull(),
    description: text('description').notNull(),
    /** The version of the consent text the citizen agreed to (PIPL Art 14: informed consent). */
    consentVersion: text('consent_version').notNull(),
    /** pending | accepted | declined */
    status: text('status').notNull().default('pending'),
    caseId: uuid('case_id')
      .unique()
      .references(() => cases.id),
    declineReason: text('decline_reason'),
    decidedBy: uuid('decided_by'),
    decidedAt: ts('decided_at'),
    submittedAt: ts('submitted_at').notNull(),
  },
  (t) => [
    index('submissions_station_status_idx').on(t.stationCode, t.status, t.submittedAt),
    index('submissions_status_idx').on(t.status, t.submittedAt),
    index('submissions_phone_hash_idx').on(t.phoneHash, t.submittedAt),
  ],
);

/**
 * Counters for the public pages' limits, one row per scope, key and time window. The key is a
 * hash (of a client address, a receipt typed in), never the value itself. Old windows are pruned.
 */
export const rateCounters = pgTable(
  'rate_counters',
  {
    scope: text('scope').notNull(),
    key: text('key').notNull(),
    windowStart: ts('window_start').notNull(),
    count: integer('count').notNull(),
  },
  (t) => [primaryKey({ columns: [t.scope, t.key, t.windowStart] }), index('rate_counters_window_idx').on(t.windowStart)],
);

/**
 * The statutory calendar (DESIGN §11): 法定节假日 (`holiday`) and 调休 make-up working days on a
 * weekend (`workday`), as the State Council's yearly notice declares them. A date not listed is a
 * working day Monday to Friday and a rest day on Saturday and Sunday.
 */
export const calendarDays = pgTable(
  'calendar_days',
  {
    date: date('date', { mode: 'string' }).primaryKey(),
    kind: text('kind').notNull(),
    name: text('name').notNull(),
  },
  (t) => [check('calendar_days_kind_ck', sql`${t.kind} in ('holiday', 'workday')`)],
);

/**
 * The years the calendar covers: a year is complete once its notice was entered (seeded from the
 * data package, or by the admin). A year not listed counts weekends only (`calendarMissing`).
 */
export const calendarYears = pgTable('calendar_years', {
  year: integer('year').primaryKey(),
  /** `chinese-days@<version>` for a seeded year, `admin` once the admin replaced it. */
  source: text('source').notNull(),
  updatedBy: text('updated_by'),
  updatedAt: ts('updated_at').notNull().defaultNow(),
});
