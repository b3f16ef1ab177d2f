/**
 * The notification dispatcher (DESIGN.md §12). Each API process runs one, every
 * `NOTIFY_INTERVAL_MS`; any number may run at once against one PostgreSQL.
 *
 * A pass does two things, each claiming rows with FOR UPDATE SKIP LOCKED:
 * 1. fan-out: outbox rows not yet fanned out become deliveries — one per webhook whose events
 *    match, one per consenting party of a case for the SMS events — and are marked, in one
 *    statement (a unique key makes a repeat add nothing);
 * 2. delivery: due pending deliveries are claimed with a lease (their `next_attempt_at` pushed past
 *    the send's timeout, committed before sending), sent, and marked delivered, or rescheduled with
 *    exponential backoff, or dead once `expires_at` (24 hours after the first try) has passed.
 *
 * At least once: a dispatcher killed while sending leaves its claim to run out, then another sends
 * again — with the same `webhook-id`, which receivers use to drop the duplicate.
 */
import { everyInterval } from '../interval.js';
import { sql } from 'drizzle-orm';
import { Webhook } from 'standardwebhooks';
import type { Db } from '../../db/client.js';
import { isoOf, rowsOf } from '../../db/client.js';
import { caseEvents, cases, deliveries, deliveryAttempts, outbox, parties, supervisions, webhooks } from '../../db/schema.js';
import { warnDeadlines } from './notices.js';
import { DIGEST_HOUR, digestDate, remindInstalments, writeDigests } from './reminders.js';
import { smsBody, type SmsTemplate } from './sms.js';
import { loggableError } from '../errors.js';

export const DEAD_AFTER_MS = 24 * 3600_000;
/** Longest wait between two tries (the 24 hours go on being tried hourly). */
const MAX_BACKOFF_MS = 3600_000;
const SEND_TIMEOUT_MS = 10_000;
/** A claim outlives the send's timeout by far: a live dispatcher's row is never taken over. */
const LEASE_MS = 60_000;
const CONCURRENCY = 16;

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

/** A signer for a `whsec_<base64>` secret, or for any other text taken as the key's bytes. */
export function signer(secret: string): Webhook {
  return secret.startsWith('whsec_') ? new Webhook(secret) : new Webhook(new TextEncoder().encode(secret), { format: 'raw' });
}

/** Outbox rows into deliveries; returns how many outbox rows were fanned out. */
export async function fanOut(db: Db, opts: DispatchOptions): Promise<number> {
  const now = (opts.now?.() ?? new Date()).toISOString();
  const expires = new Date(Date.parse(now) + (opts.deadAfterMs ?? DEAD_AFTER_MS)).toISOString();
  const smsStatus = opts.smsGatewayUrl ? 'pending' : 'skipped';
  const smsNote = opts.smsGatewayUrl ? null : '未配置短信网关（SMS_GATEWAY_URL），未发送';
  const [row] = rowsOf<{ n: number }>(
    await db.execute(sql`
      with claimed as (
        select id, entity_type, entity_id, event_type, to_state from ${outbox}
        where fanned_out_at is null order by created_at limit ${opts.batch ?? 500}
        for update skip locked),
      marked as (update ${outbox} set fanned_out_at = ${now} where id in (select id from claimed)),
      hooks as (
        insert into ${deliveries} (message_id, channel, webhook_id, status, next_attempt_at, expires_at)
        select c.id, 'webhook', w.id, 'pending', ${now}, ${expires}
        from claimed c join ${webhooks} w on w.deleted_at is null and ('*' = any(w.events) or c.event_type = any(w.events))
        on conflict do nothing),
      texts as (
        insert into ${deliveries} (message_id, channel, party_id, template, status, last_error, next_attempt_at, expires_at)
        select c.id, 'sms', p.id, case when c.event_type = 'SCHEDULE_SESSION' then 'session_scheduled' else 'case_closed' end,
          ${smsStatus}, ${smsNote}::text, ${now}, ${expires}
        from claimed c join ${parties} p on p.case_id = c.entity_id and p.sms_consent
        where c.entity_type = 'case' and (c.event_type = 'SCHEDULE_SESSION' or c.to_state = 'closed')
        on conflict do nothing)
      select count(*)::int as n from claimed`),
  );
  return Number(row?.n ?? 0);
}

interface Claimed {
  id: string;
  message_id: string;
  channel: 'webhook' | 'sms';
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

/** What a try came to: an HTTP status (null: no answer), or an error. */
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

async function post(url: string, body: string, headers: Record<string, string>, timeoutMs: number): Promise<Outcome> {
  const started = performance.now();
  try {
    const res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'user-agent': 'jiefen-webhooks/1', ...headers },
      body,
      redirect: 'manual',
      signal: AbortSignal.timeout(timeoutMs),
    });
    await res.arrayBuffer().catch(() => undefined);
    const ok = res.status >= 200 && res.status < 300;
    return { ok, status: res.status, error: ok ? null : `HTTP ${res.status}`, durationMs: Math.round(performance.now() - started) };
  } catch (err) {
    const e = err as Error & { cause?: { code?: string } };
    const reason = e.name === 'TimeoutError' ? `超时（${timeoutMs} ms）` : (e.cause?.code ?? e.message);
    return { ok: false, status: null, error: String(reason).slice(0, 500), durationMs: Math.round(performance.now() - started) };
  }
}

function signed(secret: string, id: string, at: Date, body: string): Record<string, string> {
  return {
    'webhook-id': id,
    'webhook-timestamp': String(Math.floor(at.getTime() / 1000)),
    'webhook-signature': signer(secret).sign(id, at, body),
  };
}

async function attempt(m: Claimed, opts: DispatchOptions, at: Date): Promise<Outcome> {
  const timeout = opts.timeoutMs ?? SEND_TIMEOUT_MS;
  if (m.channel === 'webhook') {
    if (!m.url || !m.secret || m.hook_gone) return { ok: false, status: null, error: '接收地址已删除', final: 'cancelled', durationMs: 0 };
    const body = JSON.stringify(webhookBody(m));
    return post(m.url, body, signed(m.secret, m.message_id, at, body), timeout);
  }
  // SMS: consent and the phone as they are now; a reminder's values are its own, an event's are its payload.
  if (!opts.smsGatewayUrl) return { ok: false, status: null, error: '未配置短信网关（SMS_GATEWAY_URL），未发送', final: 'skipped', durationMs: 0 };
  if (!m.sms_consent) return { ok: false, status: null, error: '当事人已撤回短信同意', final: 'skipped', durationMs: 0 };
  if (!m.phone || !m.number || !m.template) return { ok: false, status: null, error: '当事人无电话号码', final: 'skipped', durationMs: 0 };
  const values = m.params ?? m.payload;
  const payload = typeof values === 'string' ? JSON.parse(values) : (values ?? {});
  const body = JSON.stringify(smsBody(m.phone, m.template, m.number, payload));
  const headers = opts.smsGatewaySecret ? signed(opts.smsGatewaySecret, m.id, at, body) : { 'webhook-id': m.id };
  return post(opts.smsGatewayUrl, body, headers, timeout);
}

/** Claims due deliveries, sends them, records each try. Returns what became of them. */
export async function deliver(db: Db, opts: DispatchOptions): Promise<Omit<DispatchResult, 'fannedOut'>> {
  const now = opts.now?.() ?? new Date();
  const claimed = rowsOf<Claimed>(
    await db.execute(sql`
      with due as (
        update ${deliveries} set next_attempt_at = ${new Date(now.getTime() + LEASE_MS).toISOString()}, attempts = attempts + 1
        where id in (
          select id from ${deliveries}
          where status = 'pending' and next_attempt_at <= ${now.toISOString()}
          order by next_attempt_at limit ${opts.batch ?? 200}
          for update skip locked)
        returning id, message_id, channel, attempts, expires_at, template, params, webhook_id, party_id)
      select d.id, d.message_id, d.channel, d.attempts, d.expires_at, d.template, d.params,
        o.entity_type, o.entity_id, o.seq, o.event_type, o.to_state, o.occurred_at, o.created_at,
        coalesce(c.number, s.number) as number,
        w.url, w.secret, w.deleted_at is not null as hook_gone,
        p.phone, p.sms_consent,
        case when d.channel = 'sms' and o.id is not null then (select e.payload from ${caseEvents} e where e.case_id = o.entity_id and e.seq = o.seq) end as payload
      from due d
      -- A reminder (an instalment's text) has no outbox row: its case is its party's.
      left join ${outbox} o on o.id = d.message_id
      left join ${parties} p on p.id = d.party_id
      left join ${cases} c on c.id = case when o.id is null then p.case_id when o.entity_type = 'case' then o.entity_id end
      left join ${supervisions} s on o.entity_type = 'supervision' and s.id = o.entity_id
      left join ${webhooks} w on w.id = d.webhook_id`),
  );
  const result = { delivered: 0, failed: 0, dead: 0 };
  let next = 0;
  const worker = async () => {
    while (next < claimed.length) {
      const m = claimed[next++];
      const at = opts.now?.() ?? new Date();
      const outcome = await attempt(m, opts, at);
      await record(db, m, outcome, at, opts);
      if (outcome.ok) result.delivered++;
      else if (!outcome.final && Date.parse(isoOf(m.expires_at)) <= at.getTime()) result.dead++;
      else if (!outcome.final) result.failed++;
    }
  };
  await Promise.all(Array.from({ length: Math.min(CONCURRENCY, claimed.length) }, worker));
  return result;
}

async function record(db: Db, m: Claimed, o: Outcome, at: Date, opts: DispatchOptions): Promise<void> {
  const atIso = at.toISOString();
  const expired = Date.parse(isoOf(m.expires_at)) <= at.getTime();
  const status = o.ok ? 'delivered' : o.final ? o.final : expired ? 'dead' : 'pending';
  const nextAt = new Date(at.getTime() + backoffMs(opts.retryBaseMs, m.attempts)).toISOString();
  // Only a row still pending is changed: an admin's cancel or a concurrent outcome stays.
  await db.execute(sql`
    with tried as (
      insert into ${deliveryAttempts} (delivery_id, at, status, error, duration_ms)
      values (${m.id}, ${atIso}, ${o.status}, ${o.error}, ${o.durationMs}))
    update ${deliveries} set status = ${status}, last_status = ${o.status}, last_error = ${o.error},
      delivered_at = ${o.ok ? atIso : null}, next_attempt_at = ${status === 'pending' ? nextAt : atIso}
    where id = ${m.id} and status = 'pending'`);
}

/** One pass: fan out, then deliver what is due. */
export async function dispatch(db: Db, opts: DispatchOptions): Promise<DispatchResult> {
  if (opts.warningDays) await warnDeadlines(db, { now: opts.now?.(), warningDays: opts.warningDays });
  if (opts.reminders) {
    const now = opts.now?.() ?? new Date();
    await remindInstalments(db, { now, smsGatewayUrl: opts.smsGatewayUrl, deadAfterMs: opts.deadAfterMs ?? DEAD_AFTER_MS });
    const hour = opts.reminders.digestHour ?? DIGEST_HOUR;
    const today = digestDate(now, hour);
    if (today && opts.reminders.digestDoneFor !== today) {
      await writeDigests(db, { now, warningDays: opts.warningDays || 5, hour });
      opts.reminders.digestDoneFor = today;
    }
  }
  let fannedOut = 0;
  for (let n = -1; n !== 0; ) fannedOut += n = await fanOut(db, opts);
  const done = { delivered: 0, failed: 0, dead: 0 };
  for (;;) {
    const r = await deliver(db, opts);
    done.delivered += r.delivered;
    done.failed += r.failed;
    done.dead += r.dead;
    if (r.delivered + r.failed + r.dead === 0) break;
    // A pass ends when nothing more is due now (a failure is due again only after its backoff).
    if (r.delivered === 0) break;
  }
  return { fannedOut, ...done };
}

/** Runs `dispatch` every `intervalMs`, never two passes at once in this process (like the sweeper). */
export function startDispatcher(db: Db, opts: DispatchOptions, intervalMs: number, log: (msg: string, extra?: unknown) => void): () => Promise<void> {
  return everyInterval(intervalMs, () =>
    dispatch(db, opts)
      .then((r) => {
        if (r.failed || r.dead) log('notify', r);
      })
      .catch((err) => log('notify failed', loggableError(err))),
  );
}
