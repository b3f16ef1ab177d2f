/**
 * The notification dispatcher (DESIGN.md §12). Each API process runs one, every
 * `NOTIFY_INTERVAL_MS`; any number may run at once against one PostgreSQL.
 *
 * A pass works in rounds of a few statements for up to `BATCH` messages, whatever their number:
 * 1. claim: outbox rows not yet fanned out and not leased (FOR UPDATE SKIP LOCKED, like the
 *    sweeper) that a live webhook takes are leased to this process (`lease_until`, a heap-only
 *    update) and come back as that webhook's first tries, ready to send — no delivery row yet; the
 *    SMS texts they cause become deliveries at once, claimed for their first try; a row no webhook
 *    takes is marked fanned out in the same statement;
 * 2. due deliveries (retries, claims run out) are claimed with a lease, SKIP LOCKED too;
 * 3. both are sent, several at once over kept-open connections, each claim committed before its
 *    send: its lease (`lease_until`, `next_attempt_at`) is pushed past the send's timeout, and no
 *    try begins once its claim could run out before the send's timeout;
 * 4. one statement records every try: a first try's delivery row is written with its outcome
 *    (delivered, pending with backoff, or dead) and its try, and its outbox row is marked fanned
 *    out (a unique key makes a repeat add nothing); a claimed delivery is marked delivered, or
 *    rescheduled with exponential backoff, or dead once `expires_at` (24 hours after the first
 *    try) has passed.
 *
 * At least once: a dispatcher killed while sending leaves its claims — of outbox rows and of
 * deliveries — to run out, then another sends again, with the same `webhook-id` (the outbox row's
 * id), which receivers use to drop the duplicate. A live one never sends a row another process has
 * claimed: its claim outlasts its sends.
 */
import { everyInterval } from '../interval.js';
import { sql, type SQL } from 'drizzle-orm';
import type { Db } from '../../db/client.js';
import { isoOf, rowsOf } from '../../db/client.js';
import { cases, deliveries, deliveryAttempts, outbox, parties, supervisions, webhooks } from '../../db/schema.js';
import { warnDeadlines } from './notices.js';
import { DIGEST_HOUR, digestDate, remindInstalments, writeDigests } from './reminders.js';
import { smsBody, type SmsTemplate } from './sms.js';
import { inlineSender, threadSender, type SendJob, type Sender } from './send.js';
import { loggableError } from '../errors.js';

export const DEAD_AFTER_MS = 24 * 3600_000;
/** Longest wait between two tries (the 24 hours go on being tried hourly). */
const MAX_BACKOFF_MS = 3600_000;
const SEND_TIMEOUT_MS = 10_000;
/** A claim outlives the send's timeout by far: a live dispatcher's row is never taken over. */
const LEASE_MS = 60_000;
/** No try begins later than this before its claim runs out, beyond the send's own timeout. */
const LEASE_MARGIN_MS = 5_000;
/** Rows a round claims: outbox rows to fan out, and due deliveries. */
const BATCH = 500;

export interface DispatchOptions {
  now?: () => Date;
  /** WEBHOOK_RETRY_BASE_MS: the wait after the first failure; doubled after each one. */
  retryBaseMs: number;
  deadAfterMs?: number;
  smsGatewayUrl?: string;
  smsGatewaySecret?: string;
  batch?: number;
  timeoutMs?: number;
  /** DEADLINE_WARNING_DAYS: deadlines this close are told to their people once (0: not). */
  warningDays?: number;
  /**
   * Messages no event causes (src/engine/notify/reminders.ts): instalment texts each pass, the
   * deputies' digest once a day from `digestHour` (Asia/Shanghai). Off when absent. `digestDoneFor`
   * is this process's memory of the day it wrote them (the database keeps them once regardless).
   */
  reminders?: { digestHour?: number; digestDoneFor?: string };
  /** Where the POSTs are made: here (the default), or `threadSender`'s worker thread (the API's dispatcher). */
  sender?: Sender;
}

export interface DispatchResult {
  fannedOut: number;
  delivered: number;
  failed: number;
  dead: number;
}

/** The wait before try `attempts + 1` after `attempts` failed ones. */
export function backoffMs(retryBaseMs: number, attempts: number): number {
  return Math.min(MAX_BACKOFF_MS, retryBaseMs * 2 ** Math.max(0, attempts - 1));
}

/** The columns a claimed delivery is sent with (`d`: the claimed rows, each `Claimed`'s own columns). */
const SENDABLE = sql.raw(`d.id, d.message_id, d.channel, d.webhook_id, d.attempts, d.expires_at, d.template, d.params,
        o.entity_type, o.entity_id, o.seq, o.event_type, o.to_state, o.occurred_at, o.created_at,
        coalesce(c.number, s.number) as number,
        w.url, w.secret, w.deleted_at is not null as hook_gone,
        p.phone, p.sms_consent,
        case when d.channel = 'sms' and o.id is not null then (select e.payload from case_events e where e.case_id = o.entity_id and e.seq = o.seq) end as payload`);

/** What a claimed delivery is sent with, joined to the rows `d` a statement claimed. */
function sendable(d: SQL): SQL {
  return sql`select ${SENDABLE}
      from ${d} d
      -- A reminder (an instalment's text) has no outbox row: its case is its party's.
      left join ${outbox} o on o.id = d.message_id
      left join ${parties} p on p.id = d.party_id
      left join ${cases} c on c.id = case when o.id is null then p.case_id when o.entity_type = 'case' then o.entity_id end
      left join ${supervisions} s on o.entity_type = 'supervision' and s.id = o.entity_id
      left join ${webhooks} w on w.id = d.webhook_id`;
}

/**
 * Claims due outbox rows, in one statement. A row a live webhook takes is leased until
 * `leaseUntil` and comes back as one first try per such webhook (attempt 1, no delivery row yet:
 * `record` writes it with its outcome); the texts it causes become deliveries already claimed for
 * their first try (texts with no gateway are recorded as skipped and not returned). A row no
 * webhook takes is marked fanned out at once. A row whose lease has run out (its dispatcher died
 * while sending) is claimed again: its webhooks get their first try again, with the same id, and
 * a unique key makes its texts' repeat add nothing.
 */
export async function fanOut(db: Db, opts: DispatchOptions, now: Date, leaseUntil: Date): Promise<{ fannedOut: number; claimed: Claimed[] }> {
  // Through `outbox_pending_idx`, whose entry of every row fanned out is dead until a vacuum.
  return withoutBitmapScans(db, (tx) => fanOutRows(tx, opts, now, leaseUntil));
}

async function fanOutRows(db: Db, opts: DispatchOptions, now: Date, leaseUntil: Date): Promise<{ fannedOut: number; claimed: Claimed[] }> {
  const at = now.toISOString();
  const lease = leaseUntil.toISOString();
  const expires = new Date(now.getTime() + (opts.deadAfterMs ?? DEAD_AFTER_MS)).toISOString();
  const sms = opts.smsGatewayUrl ? sql`'pending', null::text, 1, ${lease}::timestamptz` : sql`'skipped', ${'未配置短信网关（SMS_GATEWAY_URL），未发送'}::text, 0, ${at}::timestamptz`;
  const takes = sql`w.deleted_at is null and ('*' = any(w.events) or c.event_type = any(w.events))`;
  const rows = rowsOf<Claimed & { fanned_out: number }>(
    await db.execute(sql`
      with claimed as (
        select c.id, c.entity_type, c.entity_id, c.seq, c.event_type, c.to_state, c.occurred_at, c.created_at,
          exists (select 1 from ${webhooks} w where ${takes}) as hooked
        from ${outbox} c
        where c.fanned_out_at is null and (c.lease_until is null or c.lease_until <= ${at})
        order by c.created_at limit ${opts.batch ?? BATCH}
        for update skip locked),
      -- Leased (only lease_until changes: heap-only), or done with at once.
      marked as (
        update ${outbox} o set fanned_out_at = case when c.hooked then null else ${at}::timestamptz end,
          lease_until = case when c.hooked then ${lease}::timestamptz end
        from claimed c where o.id = c.id),
      texts as (
        insert into ${deliveries} (message_id, channel, party_id, template, status, last_error, attempts, next_attempt_at, expires_at)
        select c.id, 'sms', p.id, case when c.event_type = 'SCHEDULE_SESSION' then 'session_scheduled' else 'case_closed' end,
          ${sms}, ${expires}
        from claimed c join ${parties} p on p.case_id = c.entity_id and p.sms_consent
        where c.entity_type = 'case' and (c.event_type = 'SCHEDULE_SESSION' or c.to_state = 'closed')
        on conflict do nothing
        returning id, message_id, channel, webhook_id, attempts, expires_at, template, params, party_id, status),
      fresh as (
        select null::uuid as id, c.id as message_id, 'webhook'::text as channel, w.id as webhook_id, 1 as attempts,
          ${expires}::timestamptz as expires_at, null::text as template, null::jsonb as params,
          c.entity_type, c.entity_id, c.seq, c.event_type, c.to_state, c.occurred_at, c.created_at,
          coalesce(k.number, s.number) as number, w.url, w.secret, false as hook_gone,
          null::text as phone, null::boolean as sms_consent, null::jsonb as payload
        from claimed c join ${webhooks} w on ${takes}
        left join ${cases} k on c.entity_type = 'case' and k.id = c.entity_id
        left join ${supervisions} s on c.entity_type = 'supervision' and s.id = c.entity_id
        union all
        ${sendable(sql`(select * from texts where status = 'pending')`)})
      select k.n as fanned_out, x.* from (select count(*)::int as n from claimed) k
      left join fresh x on true`),
  );
  return { fannedOut: Number(rows[0]?.fanned_out ?? 0), claimed: rows.filter((r) => r.message_id !== null) };
}

/**
 * Runs a claim in a transaction that reads its index in order, never as a bitmap. Both claims read
 * a partial index of what waits (`outbox_pending_idx`, `deliveries_due_idx`), and every row done
 * leaves its entry there, dead until a vacuum: a delivery's pending version is keyed by its lease,
 * so behind `now` a minute later. A bitmap scan (what the planner takes for the few rows it
 * expects) fetches each of them from the table on every claim, ever more: 18,000 delivered rows,
 * 330 pages and 4.3 ms a claim of due deliveries, growing with every notice sent; 4,999 fanned-out
 * rows, 167–170 buffers and 0.34–1.2 ms (0.4–4 ms on PGlite) a claim of the outbox. An index scan
 * marks each dead in the index the first time it meets it (LP_DEAD), and later scans, of either
 * kind, pass over it there: 19 index pages and 0.04 ms; 16 buffers and 0.03 ms.
 */
async function withoutBitmapScans<T>(db: Db, claim: (tx: Db) => Promise<T>): Promise<T> {
  return db.transaction(async (tx) => {
    await tx.execute(sql`set local enable_bitmapscan = off`);
    return claim(tx);
  });
}

/** Claims due pending deliveries (retries, leases run out, reminders' texts) for a try, leased until `leaseUntil`. */
async function claimDue(db: Db, opts: DispatchOptions, now: Date, leaseUntil: Date): Promise<Claimed[]> {
  return withoutBitmapScans(db, (tx) => claimDueRows(tx, opts, now, leaseUntil));
}

async function claimDueRows(db: Db, opts: DispatchOptions, now: Date, leaseUntil: Date): Promise<Claimed[]> {
  return rowsOf<Claimed>(
    await db.execute(sql`
      with due as (
        update ${deliveries} set next_attempt_at = ${leaseUntil.toISOString()}, attempts = attempts + 1
        where id in (
          select id from ${deliveries}
          where status = 'pending' and next_attempt_at <= ${now.toISOString()}
          order by next_attempt_at limit ${opts.batch ?? BATCH}
          for update skip locked)
        returning id, message_id, channel, attempts, expires_at, template, params, webhook_id, party_id)
      ${sendable(sql`due`)}`),
  );
}

/** A try to make: of a delivery (`id`), or a webhook's first try of an outbox row (`id` null: no delivery row yet). */
interface Claimed {
  id: string | null;
  message_id: string;
  channel: 'webhook' | 'sms';
  webhook_id: string | null;
  attempts: number;
  expires_at: string;
  template: SmsTemplate | null;
  params: Record<string, unknown> | string | null;
  entity_type: string;
  entity_id: string;
  seq: number;
  event_type: string;
  to_state: string;
  occurred_at: string;
  created_at: string;
  number: string | null;
  url: string | null;
  secret: string | null;
  hook_gone: boolean | null;
  phone: string | null;
  sms_consent: boolean | null;
  payload: Record<string, unknown> | string | null;
}

/** What a try came to (src/engine/notify/send.ts), or an end decided without sending. */
interface Outcome {
  ok: boolean;
  status: number | null;
  error: string | null;
  /** Not to be tried again (no phone, consent withdrawn, endpoint deleted). */
  final?: 'skipped' | 'cancelled';
  durationMs: number;
}

/** The webhook body (DESIGN.md §12): ids, numbers, types, states — no personal data. */
export function webhookBody(m: Pick<Claimed, 'entity_type' | 'entity_id' | 'number' | 'seq' | 'event_type' | 'occurred_at' | 'to_state' | 'created_at'>) {
  return {
    type: m.event_type,
    timestamp: isoOf(m.created_at),
    data: {
      entity: { type: m.entity_type, id: m.entity_id, number: m.number },
      event: { seq: m.seq, type: m.event_type, occurredAt: isoOf(m.occurred_at) },
      state: m.to_state,
    },
  };
}

/** The POST a claimed delivery is, or the end it comes to without one. */
function jobOf(m: Claimed, opts: DispatchOptions): SendJob | Outcome {
  if (m.channel === 'webhook') {
    if (!m.url || !m.secret || m.hook_gone) return { ok: false, status: null, error: '接收地址已删除', final: 'cancelled', durationMs: 0 };
    return { url: m.url, body: JSON.stringify(webhookBody(m)), id: m.message_id, secret: m.secret };
  }
  // SMS: consent and the phone as they are now; a reminder's values are its own, an event's are its payload.
  if (!opts.smsGatewayUrl) return { ok: false, status: null, error: '未配置短信网关（SMS_GATEWAY_URL），未发送', final: 'skipped', durationMs: 0 };
  if (!m.sms_consent) return { ok: false, status: null, error: '当事人已撤回短信同意', final: 'skipped', durationMs: 0 };
  if (!m.phone || !m.number || !m.template) return { ok: false, status: null, error: '当事人无电话号码', final: 'skipped', durationMs: 0 };
  const values = m.params ?? m.payload;
  const payload = typeof values === 'string' ? JSON.parse(values) : (values ?? {});
  const body = JSON.stringify(smsBody(m.phone, m.template, m.number, payload));
  // Signed when the gateway has a secret; its id is the delivery's (one text per party: a text's
  // delivery row is written when it is claimed, so it has one).
  return { url: opts.smsGatewayUrl, body, id: m.id ?? m.message_id, secret: opts.smsGatewaySecret ?? null };
}

/** One claimed delivery's end in this round: tried (with its outcome) or not sent (its claim given back). */
interface Done {
  m: Claimed;
  at: Date;
  outcome?: Outcome;
}

/**
 * Sends claimed deliveries (through `opts.sender`) and records every outcome in one statement.
 * A try is begun only before `sendBy`, while its claim will outlast it; the rest are given back,
 * due at once, so no try of this process can overlap another process's claim of the same row.
 */
async function sendAll(db: Db, claimed: Claimed[], opts: DispatchOptions, sendBy: number): Promise<Omit<DispatchResult, 'fannedOut'>> {
  const result = { delivered: 0, failed: 0, dead: 0 };
  if (claimed.length === 0) return result;
  const ends = claimed.map((m) => jobOf(m, opts));
  const jobs = ends.filter((e): e is SendJob => 'url' in e);
  const sent = await (opts.sender ?? inlineSender).send(jobs, sendBy, opts.timeoutMs ?? SEND_TIMEOUT_MS);
  let k = 0;
  const done: Done[] = claimed.map((m, i) => {
    const end = ends[i];
    const tried = 'url' in end ? sent[k++] : end;
    // The try's own time, or the clock's the caller gave (tests, the chaos drain).
    const at = opts.now?.() ?? (tried && 'startedAt' in tried ? new Date(tried.startedAt) : new Date());
    if (!tried) return { m, at };
    if (tried.ok) result.delivered++;
    else if (!('final' in tried && tried.final) && Date.parse(isoOf(m.expires_at)) <= at.getTime()) result.dead++;
    else if (!('final' in tried && tried.final)) result.failed++;
    return { m, at, outcome: tried };
  });
  await record(db, done, opts);
  return result;
}

/**
 * Every outcome of a round in one statement. A webhook's first try (no delivery row yet) becomes
 * its delivery row, written with its outcome — delivered, rescheduled with backoff, dead once
 * `expires_at` has passed, cancelled if its endpoint was deleted meanwhile, or due at once when it
 * was not sent — with its try's row in `delivery_attempts` (none for a try that delivered it: the
 * row itself is that try, `first_try_ms` its duration), and its outbox row is marked fanned
 * out; a unique key makes a repeat (another process's, after this one's lease ran out) add no
 * second delivery: the try is counted and logged on the one there is. A claimed delivery gets its try's row
 * and is marked delivered, rescheduled, dead or final; one not sent gets its claim back. Only a
 * delivery still pending under this claim (its `attempts` as claimed) is changed: an admin's
 * cancel or another process's later claim stays — but a try that delivered it sets any pending or
 * dead delivery delivered, first try or not: the receiver has the message; a pending row would be
 * sent again, and a dead one would say it never arrived.
 */
async function record(db: Db, done: Done[], opts: DispatchOptions): Promise<void> {
  const rows = [];
  const firsts = [];
  for (const { m, at, outcome: o } of done) {
    const atIso = at.toISOString();
    let row: { tried: boolean; at: string; http?: number | null; error?: string | null; ms?: number; status: string; next_at: string };
    if (!o) row = { tried: false, at: atIso, status: 'pending', next_at: atIso };
    else {
      const expired = Date.parse(isoOf(m.expires_at)) <= at.getTime();
      const status = o.ok ? 'delivered' : o.final ? o.final : expired ? 'dead' : 'pending';
      // Tried for up to 24 hours (DESIGN.md §12): a backoff that would reach past them is cut to their
      // end, where one last try fails into dead — not an hour later, after a try outside them.
      const nextAt = status === 'pending' ? new Date(Math.min(at.getTime() + backoffMs(opts.retryBaseMs, m.attempts), Date.parse(isoOf(m.expires_at)))).toISOString() : atIso;
      row = { tried: true, at: atIso, http: o.status, error: o.error, ms: o.durationMs, status, next_at: nextAt };
    }
    if (m.id === null) firsts.push({ ...row, message_id: m.message_id, webhook_id: m.webhook_id, attempts: row.tried ? 1 : 0, expires_at: isoOf(m.expires_at) });
    else rows.push({ ...row, id: m.id, attempts: m.attempts });
  }
  const parts: SQL[] = [];
  if (firsts.length) {
    // This try delivered it (`delivered_at` is written only then) and the row there still waits.
    // A dead one too: the receiver has it after all (a try stalled past the 24 hours), and the record says so.
    const delivers = sql`excluded.delivered_at is not null and ${deliveries.status} in ('pending', 'dead')`;
    parts.push(sql`
      f as (
        select f.*, h.deleted_at is not null as gone
        from jsonb_to_recordset(${JSON.stringify(firsts)}::jsonb)
          as f(message_id uuid, webhook_id uuid, tried boolean, at timestamptz, http int, error text, ms int, status text, attempts int, next_at timestamptz, expires_at timestamptz)
        left join ${webhooks} h on h.id = f.webhook_id),
      -- An endpoint deleted while its first try was under way: cancelled, as its pending delivery would have been.
      -- Delivered at its first try: the row is that try (delivered_at, last_status, first_try_ms), with no attempt row.
      firsts as (
        insert into ${deliveries} (message_id, channel, webhook_id, status, attempts, next_attempt_at, expires_at, last_status, last_error, delivered_at, first_try_ms)
        select message_id, 'webhook', webhook_id, case when gone then 'cancelled' else status end, attempts, next_at, expires_at,
          case when not gone then http end, case when gone then ${'接收地址已删除'} else error end,
          case when status = 'delivered' and not gone then at end, case when status = 'delivered' and not gone then ms end
        from f
        -- Another process sent it too (this one's lease ran out while it was sending): one delivery, both tries counted and
        -- logged — the one there is keeps its own (a row, or its first_try_ms), this one's gets a row. A pending one this try
        -- delivered is delivered, as a retry's success makes it: left pending, it would be POSTed again. Its first_try_ms
        -- stays null (its first try has its row); a dead one this try delivered is delivered too; a delivered or cancelled one
        -- is left as it is.
        on conflict (message_id, (coalesce(webhook_id, party_id))) do update set attempts = ${deliveries.attempts} + excluded.attempts,
          status = case when ${delivers} then 'delivered' else ${deliveries.status} end,
          delivered_at = case when ${delivers} then excluded.delivered_at else ${deliveries.deliveredAt} end,
          last_status = case when ${delivers} then excluded.last_status else ${deliveries.lastStatus} end,
          last_error = case when ${delivers} then null else ${deliveries.lastError} end,
          next_attempt_at = case when ${delivers} then excluded.next_attempt_at else ${deliveries.nextAttemptAt} end
        returning id, message_id, webhook_id, attempts, first_try_ms),
      -- A row this statement wrote with its first try compacted is the one with that try only (a repeat adds to attempts).
      first_tries as (
        insert into ${deliveryAttempts} (delivery_id, at, status, error, duration_ms)
        select n.id, f.at, f.http, f.error, f.ms from f join firsts n on n.message_id = f.message_id and n.webhook_id = f.webhook_id
        where f.tried and not (n.first_try_ms is not null and n.attempts = 1)),
      fanned as (
        update ${outbox} o set fanned_out_at = f.at from (select message_id, min(at) as at from f group by message_id) f
        where o.id = f.message_id and o.fanned_out_at is null)`);
  }
  if (rows.length) {
    parts.push(sql`
      o as (
        select * from jsonb_to_recordset(${JSON.stringify(rows)}::jsonb)
          as o(id uuid, attempts int, tried boolean, at timestamptz, http int, error text, ms int, status text, next_at timestamptz)),
      tried as (
        insert into ${deliveryAttempts} (delivery_id, at, status, error, duration_ms)
        select id, at, http, error, ms from o where tried),
      claimed as (
        update ${deliveries} d set status = o.status,
          attempts = case when o.tried then d.attempts else d.attempts - 1 end,
          last_status = case when o.tried then o.http else d.last_status end,
          last_error = case when o.tried then o.error else d.last_error end,
          delivered_at = case when o.status = 'delivered' then o.at end,
          next_attempt_at = o.next_at
        from o
        -- A try that delivered it counts whoever claimed it since (this claim ran out while it was sending): left
        -- pending, it would be POSTed again; dead, the record would deny what the receiver has.
        where d.id = o.id and ((d.status = 'pending' and d.attempts = o.attempts) or (o.status = 'delivered' and d.status in ('pending', 'dead'))))`);
  }
  if (parts.length) await db.execute(sql`with ${sql.join(parts, sql`,`)} select 1`);
}

/**
 * One pass, in rounds: each fans out new outbox rows (their first tries claimed with them), claims
 * what else is due, sends it all and records the outcomes, until nothing more waits now.
 */
export async function dispatch(db: Db, opts: DispatchOptions): Promise<DispatchResult> {
  // 0 is a setting (warn on the last day), not "off".
  if (opts.warningDays !== undefined) await warnDeadlines(db, { now: opts.now?.(), warningDays: opts.warningDays });
  if (opts.reminders) {
    const now = opts.now?.() ?? new Date();
    await remindInstalments(db, { now, smsGatewayUrl: opts.smsGatewayUrl, deadAfterMs: opts.deadAfterMs ?? DEAD_AFTER_MS });
    const hour = opts.reminders.digestHour ?? DIGEST_HOUR;
    const today = digestDate(now, hour);
    if (today && opts.reminders.digestDoneFor !== today) {
      await writeDigests(db, { now, warningDays: opts.warningDays ?? 5, hour });
      opts.reminders.digestDoneFor = today;
    }
  }
  let fannedOut = 0;
  const done = { delivered: 0, failed: 0, dead: 0 };
  const batch = opts.batch ?? BATCH;
  for (;;) {
    const now = opts.now?.() ?? new Date();
    const leaseUntil = new Date(now.getTime() + LEASE_MS);
    // Tries begin only while a send's timeout still ends inside the claim.
    const sendBy = Date.now() + LEASE_MS - (opts.timeoutMs ?? SEND_TIMEOUT_MS) - LEASE_MARGIN_MS;
    const fresh = await fanOut(db, opts, now, leaseUntil);
    const due = await claimDue(db, opts, now, leaseUntil);
    const r = await sendAll(db, [...fresh.claimed, ...due], opts, sendBy);
    fannedOut += fresh.fannedOut;
    done.delivered += r.delivered;
    done.failed += r.failed;
    done.dead += r.dead;
    // Another round while a claim came back full: more may wait. Rows another pass holds are its
    // own, and a failure is due again only after its backoff (a round of failures only ends it).
    if (fresh.fannedOut < batch && (due.length < batch || r.delivered === 0)) break;
  }
  return { fannedOut, ...done };
}

/**
 * Runs `dispatch` every `intervalMs`, never two passes at once in this process (like the sweeper),
 * sending from a worker thread unless `opts.sender` says otherwise.
 */
export function startDispatcher(db: Db, opts: DispatchOptions, intervalMs: number, log: (msg: string, extra?: unknown) => void): () => Promise<void> {
  const withSender = { sender: threadSender, ...opts };
  if (intervalMs > 0) withSender.sender.start?.();
  return everyInterval(intervalMs, () =>
    dispatch(db, withSender)
      .then((r) => {
        if (r.failed || r.dead) log('notify', r);
      })
      .catch((err) => log('notify failed', loggableError(err))),
  );
}
