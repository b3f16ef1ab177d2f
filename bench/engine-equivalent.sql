-- The database work of one engine event of the `sessions` mix (RECORD_SESSION or SCHEDULE_SESSION,
-- one in two each, on a case in mediation.active, with an Idempotency-Key, half of them by court
-- staff and half by the case's deputy) as pgbench runs it: the same statements, in the same order,
-- without HTTP, the machine or the ORM.
-- scripts/bench.ts runs it with -M prepared (the engine's statements are prepared too,
-- src/db/client.ts) and these variables:
--   :per   cases per client (each client works on its own slice of bench_cases: no CAS losses)
--   :uid   a court user's id (bench_cases holds each case's deputy's user)
-- Keep it in step with src/engine/write/event.ts and write/sql.ts: one statement here per round
-- trip there. Like the engine's, neither runs in an explicit transaction: each statement is its
-- own. The token is not looked up: the API caches authenticated tokens (src/engine/directory.ts).
-- Since issue 16's second round it also carries what the engine's statement carries besides the
-- journal: the outbox row's "does anyone listen" test (no webhook and no consenting party here,
-- as in the engine's run: no row) and, for SCHEDULE_SESSION, the notice to the case's deputies
-- (one or two notifications rows). Before, the ratio compared the engine with fewer statements
-- than it runs. Like the engine's (noticeInsertSql), the notice's statement tests only the kind of
-- recipient it names (deputies: no roles, station or court authors — no look-up of the case's
-- journal, so both get PostgreSQL's generic plan), and has no ON CONFLICT: an event's notice is
-- new with its journal row (ref seq:N). A
-- RECORD_SESSION also sets the case's row of open_case_sessions (the report's session counts,
-- kept out of the indexes of `cases` so that its update of the case is HOT).
\set n :client_id * :per + random(0, :per - 1)
\set court random(0, 1)
\set sched random(0, 1)
\set k random(1, 9223372036854775806)
-- 1. the case row, its parties (what the answer shows) and the caller's Idempotency-Key record
--    if any (writePath().read); the caller is the court user or the case's deputy.
SELECT c::text AS row, c.id AS cid, c.version AS v, c.snapshot AS snap, c.number AS num, to_jsonb(c.deputy_ids)::text AS deps,
  b.actor AS actor, coalesce(ik::text, '') AS prior,
  (SELECT coalesce(jsonb_agg(jsonb_build_object('id', p.id, 'role', p.role, 'name', p.name, 'idNumber', p.id_number, 'phone', p.phone) ORDER BY p.position), '[]'::jsonb)
     FROM parties p WHERE p.case_id = c.id) AS parties
  FROM (SELECT id, CASE WHEN :court = 1 THEN :uid ELSE deputy_user::text END AS actor FROM bench_cases WHERE n = :n) b
  JOIN cases c ON c.id = b.id
  LEFT JOIN idempotency_keys ik ON ik.user_id = b.actor AND ik.key = 'pgb-' || :k \gset
-- 2. the write, one statement (writePath().swap): the compare-and-swap of the snapshot, the
--    version and the query columns the event changes; the journal row, the access-log row when
--    court staff see the parties unmasked, the idempotency record with the answer (parties as
--    their roles only), the outbox row when someone listens, the notice of a scheduled session —
--    each only if the swap took. (Deadlines: none move — the engine then needs no transaction.)
\if :sched
WITH swapped AS (
  UPDATE cases SET snapshot = jsonb_set(jsonb_set(:snap::jsonb, '{context,lastEventAt}', to_jsonb(now()::text)), '{context,nextSession}',
      jsonb_build_object('at', '2026-01-04T00:00:00.000Z', 'location', '联络站调解室')),
    version = :v + 1, updated_at = now(), last_event_at = now()
  WHERE id = :cid AND version = :v RETURNING id),
journaled AS (
  INSERT INTO case_events (case_id, seq, type, payload, from_state, to_state, actor_id, actor_role, actor_name, occurred_at, recorded_at, request_id)
  SELECT :cid::uuid, (:v + 1)::integer, 'SCHEDULE_SESSION'::text, '{"at":"2026-01-04T00:00:00.000Z","location":"联络站调解室"}'::jsonb,
    'mediation.active'::text, 'mediation.active'::text, :actor::text, 'court'::text, '李书记员'::text, now(), now(), 'bc0c0a53-7c16-4d0e-9d0b-6b3c1f0e5a11'::text
  FROM swapped RETURNING 1),
logged AS (
  INSERT INTO access_log (user_id, user_role, entity_type, entity_id, fields, request_id)
  SELECT :uid::text, 'court'::text, 'case'::text, :cid::uuid, 'parties.idNumber,parties.phone'::text, 'bc0c0a53-7c16-4d0e-9d0b-6b3c1f0e5a11'::text FROM swapped WHERE :court = 1),
remembered AS (
  INSERT INTO idempotency_keys (user_id, key, request_hash, status, response)
  SELECT :actor::text, 'pgb-' || :k, 'h'::text, 200, jsonb_build_object('case', :snap::jsonb, 'parties', '[{"role":"applicant"},{"role":"respondent"}]'::jsonb) FROM swapped),
outboxed AS (
  INSERT INTO outbox (entity_type, entity_id, seq, event_type, to_state, occurred_at)
  SELECT 'case'::text, :cid::uuid, (:v + 1)::integer, 'SCHEDULE_SESSION'::text, 'mediation.active'::text, now() FROM swapped
  WHERE (exists (select 1 from webhooks w where w.deleted_at is null and ('*' = any(w.events) or 'SCHEDULE_SESSION'::text = any(w.events)))
    or (true and exists (select 1 from parties p where p.case_id = :cid::uuid and p.sms_consent)))),
noticed AS (
  INSERT INTO notifications (user_id, kind, entity_type, entity_id, entity_number, params, ref)
  SELECT u.id, 'session_scheduled'::text, 'case'::text, :cid::uuid, :num::text, '{"at":"2026-01-04T00:00:00.000Z","location":"联络站调解室"}'::jsonb, 'seq:' || (:v + 1)
  FROM users u
  WHERE exists (select 1 from swapped) and u.active and u.id::text <> :actor::text and (
    (u.role = 'deputy' and u.deputy_id::text in (select jsonb_array_elements_text(:deps::jsonb)))))
SELECT count(*)::int AS journaled FROM journaled;
\else
WITH swapped AS (
  UPDATE cases SET snapshot = jsonb_set(:snap::jsonb, '{context,lastEventAt}', to_jsonb(now()::text)),
    version = :v + 1, updated_at = now(), sessions_held = sessions_held + 1,
    deputy_attendances = deputy_attendances + 1, last_event_at = now()
  WHERE id = :cid AND version = :v RETURNING id, opened_at, station_code, source, dispute_type, sessions_held, deputy_attendances),
journaled AS (
  INSERT INTO case_events (case_id, seq, type, payload, from_state, to_state, actor_id, actor_role, actor_name, occurred_at, recorded_at, request_id)
  SELECT :cid::uuid, (:v + 1)::integer, 'RECORD_SESSION'::text,
    '{"heldAt":"2026-01-01T00:00:00.000Z","minutes":"双方当事人到场，代表释法说理，双方就还款期限初步达成一致意见。","attendeeDeputyIds":["00000000-0000-0000-0000-000000000000"]}'::jsonb,
    'mediation.active'::text, 'mediation.active'::text, :actor::text, 'court'::text, '李书记员'::text, now(), now(), 'bc0c0a53-7c16-4d0e-9d0b-6b3c1f0e5a11'::text
  FROM swapped RETURNING 1),
logged AS (
  INSERT INTO access_log (user_id, user_role, entity_type, entity_id, fields, request_id)
  SELECT :uid::text, 'court'::text, 'case'::text, :cid::uuid, 'parties.idNumber,parties.phone'::text, 'bc0c0a53-7c16-4d0e-9d0b-6b3c1f0e5a11'::text FROM swapped WHERE :court = 1),
remembered AS (
  INSERT INTO idempotency_keys (user_id, key, request_hash, status, response)
  SELECT :actor::text, 'pgb-' || :k, 'h'::text, 200, jsonb_build_object('case', :snap::jsonb, 'parties', '[{"role":"applicant"},{"role":"respondent"}]'::jsonb) FROM swapped),
outboxed AS (
  INSERT INTO outbox (entity_type, entity_id, seq, event_type, to_state, occurred_at)
  SELECT 'case'::text, :cid::uuid, (:v + 1)::integer, 'RECORD_SESSION'::text, 'mediation.active'::text, now() FROM swapped
  WHERE (exists (select 1 from webhooks w where w.deleted_at is null and ('*' = any(w.events) or 'RECORD_SESSION'::text = any(w.events)))
    or (false and exists (select 1 from parties p where p.case_id = :cid::uuid and p.sms_consent)))),
sessioned AS (
  INSERT INTO open_case_sessions (case_id, opened_at, station_code, source, dispute_type, sessions_held, deputy_attendances)
  SELECT id, opened_at, station_code, source, dispute_type, sessions_held, deputy_attendances FROM swapped
  ON CONFLICT (case_id) DO UPDATE SET sessions_held = excluded.sessions_held, deputy_attendances = excluded.deputy_attendances)
SELECT count(*)::int AS journaled FROM journaled;
\endif
