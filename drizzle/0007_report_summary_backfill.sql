-- The committee report's closed-case summary (src/engine/report-summary.ts) for the cases closed
-- before it existed. From here on the engine adds each case in the transaction that closes it.
-- The same rows as closedCaseTotals('year' | 'month' | 'day'): keep them in step
-- (test/engine/report-summary.test.ts runs these statements and compares).
insert into case_report_years (period, station_code, source, dispute_type, cases, agreements, failed, with_deputies, sessions, attendances, performed, settled, sent, from_agreements, fulfilled, settled_enf, terminated_this_round, terminated, over_limit, owed_fen, recovered_fen)
select date_trunc('year', ((opened_at at time zone 'UTC') + interval '8 hours')::date::timestamp)::date as period, station_code, source, dispute_type,
  count(*)::integer as cases,
  count(*) filter (where agreed_at is not null)::integer as agreements,
  count(*) filter (where agreed_at is null and outcome in ('litigation', 'trial_resumed'))::integer as failed,
  count(*) filter (where cardinality(deputy_ids) > 0)::integer as with_deputies,
  coalesce(sum(sessions_held), 0)::integer as sessions,
  coalesce(sum(deputy_attendances), 0)::integer as attendances,
  count(*) filter (where outcome = 'performed')::integer as performed,
  count(*) filter (where agreed_at is not null and (outcome in ('performed', 'litigation') or enforcement_started_at is not null))::integer as settled,
  count(*) filter (where enforcement_started_at is not null)::integer as sent,
  count(*) filter (where enforcement_started_at is not null and agreed_at is not null)::integer as from_agreements,
  count(*) filter (where outcome = 'fulfilled')::integer as fulfilled,
  count(*) filter (where outcome = 'settled')::integer as settled_enf,
  count(*) filter (where outcome = 'terminated_this_round')::integer as terminated_this_round,
  count(*) filter (where outcome = 'terminated')::integer as terminated,
  count(*) filter (where overdue and enforcement_started_at is not null)::integer as over_limit,
  coalesce(sum(owed_fen) filter (where enforcement_started_at is not null), 0)::bigint as owed_fen,
  coalesce(sum(recovered_fen) filter (where enforcement_started_at is not null), 0)::bigint as recovered_fen
from cases where outcome is not null group by 1, 2, 3, 4;
--> statement-breakpoint
insert into case_report_months (period, station_code, source, dispute_type, cases, agreements, failed, with_deputies, sessions, attendances, performed, settled, sent, from_agreements, fulfilled, settled_enf, terminated_this_round, terminated, over_limit, owed_fen, recovered_fen)
select date_trunc('month', ((opened_at at time zone 'UTC') + interval '8 hours')::date::timestamp)::date as period, station_code, source, dispute_type,
  count(*)::integer as cases,
  count(*) filter (where agreed_at is not null)::integer as agreements,
  count(*) filter (where agreed_at is null and outcome in ('litigation', 'trial_resumed'))::integer as failed,
  count(*) filter (where cardinality(deputy_ids) > 0)::integer as with_deputies,
  coalesce(sum(sessions_held), 0)::integer as sessions,
  coalesce(sum(deputy_attendances), 0)::integer as attendances,
  count(*) filter (where outcome = 'performed')::integer as performed,
  count(*) filter (where agreed_at is not null and (outcome in ('performed', 'litigation') or enforcement_started_at is not null))::integer as settled,
  count(*) filter (where enforcement_started_at is not null)::integer as sent,
  count(*) filter (where enforcement_started_at is not null and agreed_at is not null)::integer as from_agreements,
  count(*) filter (where outcome = 'fulfilled')::integer as fulfilled,
  count(*) filter (where outcome = 'settled')::integer as settled_enf,
  count(*) filter (where outcome = 'terminated_this_round')::integer as terminated_this_round,
  count(*) filter (where outcome = 'terminated')::integer as terminated,
  count(*) filter (where overdue and enforcement_started_at is not null)::integer as over_limit,
  coalesce(sum(owed_fen) filter (where enforcement_started_at is not null), 0)::bigint as owed_fen,
  coalesce(sum(recovered_fen) filter (where enforcement_started_at is not null), 0)::bigint as recovered_fen
from cases where outcome is not null group by 1, 2, 3, 4;
--> statement-breakpoint
insert into case_report_days (period, station_code, source, dispute_type, cases, agreements, failed, with_deputies, sessions, attendances, performed, settled, sent, from_agreements, fulfilled, settled_enf, terminated_this_round, terminated, over_limit, owed_fen, recovered_fen)
select ((opened_at at time zone 'UTC') + interval '8 hours')::date as period, station_code, source, dispute_type,
  count(*)::integer as cases,
  count(*) filter (where agreed_at is not null)::integer as agreements,
  count(*) filter (where agreed_at is null and outcome in ('litigation', 'trial_resumed'))::integer as failed,
  count(*) filter (where cardinality(deputy_ids) > 0)::integer as with_deputies,
  coalesce(sum(sessions_held), 0)::integer as sessions,
  coalesce(sum(deputy_attendances), 0)::integer as attendances,
  count(*) filter (where outcome = 'performed')::integer as performed,
  count(*) filter (where agreed_at is not null and (outcome in ('performed', 'litigation') or enforcement_started_at is not null))::integer as settled,
  count(*) filter (where enforcement_started_at is not null)::integer as sent,
  count(*) filter (where enforcement_started_at is not null and agreed_at is not null)::integer as from_agreements,
  count(*) filter (where outcome = 'fulfilled')::integer as fulfilled,
  count(*) filter (where outcome = 'settled')::integer as settled_enf,
  count(*) filter (where outcome = 'terminated_this_round')::integer as terminated_this_round,
  count(*) filter (where outcome = 'terminated')::integer as terminated,
  count(*) filter (where overdue and enforcement_started_at is not null)::integer as over_limit,
  coalesce(sum(owed_fen) filter (where enforcement_started_at is not null), 0)::bigint as owed_fen,
  coalesce(sum(recovered_fen) filter (where enforcement_started_at is not null), 0)::bigint as recovered_fen
from cases where outcome is not null group by 1, 2, 3, 4;
