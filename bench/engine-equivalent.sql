-- The database work of one engine event (RECORD_SESSION / SCHEDULE_SESSION on a case in
-- mediation.active, with an Idempotency-Key, half of them by court staff) as pgbench runs it:
-- the same statements, in the same order, without HTTP, the machine or the ORM.
-- scripts/bench.ts runs it with -M prepared (the engine's statements are prepared too,
-- src/db/client.ts) and these variables:
--   :per   cases per client (each client works on its own slice of bench_cases: no CAS losses)
--   :uid   a court user's id
-- Keep it in step with src/engine/apply.ts: one statement here per round trip there. Like the
-- engine's, neither runs in an explicit transaction: each statement is its own. The token is not
-- looked up: the API caches authenticated tokens (src/engine/directory.ts).
\set n :client_id * :per + random(0, :per - 1)
\set court random(0, 1)
\set k random(1, 9223372036854775806)
-- 1. the case row, its parties (what the answer shows) and the caller's Idempotency-Key record
--    if any (writePath().read)
SELECT c::text AS row, c.id AS cid, c.version AS v, c.snapshot AS snap, coalesce(ik::text, '') AS prior,
  (SELECT coalesce(jsonb_agg(jsonb_build_object('role', p.role, 'name', p.name, 'idNumber', p.id_number, 'phone', p.phone) ORDER BY p.position), '[]'::jsonb)
     FROM parties p WHERE p.case_id = c.id) AS parties
  FROM cases c LEFT JOIN idempotency_keys ik ON ik.user_id = :uid AND ik.key = 'pgb-' || :k
  WHERE c.id = (SELECT id FROM bench_cases WHERE n = :n) \gset
-- 2. the write, one statement (writePath().swap): the compare-and-swap of the snapshot, the
--    version and the query columns a session changes; the journal row, the access-log row when
--    court staff see the parties unmasked, and the idempotency record with the answer, each only
--    if the swap took. (Deadlines: none move — the engine then needs no transaction.)
WITH swapped AS (
  UPDATE cases SET snapshot = jsonb_set(:snap::jsonb, '{context,lastEventAt}', to_jsonb(now()::text)),
    version = :v + 1, updated_at = now(), sessions_held = sessions_held + 1,
    deputy_attendances = deputy_attendances + 1, last_event_at = now()
  WHERE id = :cid AND version = :v RETURNING id),
journaled AS (
  INSERT INTO case_events (case_id, seq, type, payload, from_state, to_state, actor_id, actor_role, actor_name, occurred_at, recorded_at, request_id)
  SELECT :cid::uuid, (:v + 1)::integer, 'RECORD_SESSION'::text,
    '{"heldAt":"2026-01-01T00:00:00.000Z","minutes":"双方当事人到场，代表释法说理，双方就还款期限初步达成一致意见。","attendeeDeputyIds":["00000000-0000-0000-0000-000000000000"]}'::jsonb,
    'mediation.active'::text, 'mediation.active'::text, :uid::text, 'court'::text, '李书记员'::text, now(), now(), 'pgbench'::text
  FROM swapped RETURNING 1),
logged AS (
  INSERT INTO access_log (user_id, user_role, entity_type, entity_id, fields, request_id)
  SELECT :uid::text, 'court'::text, 'case'::text, :cid::uuid, 'parties.idNumber,parties.phone'::text, 'pgbench'::text FROM swapped WHERE :court = 1),
remembered AS (
  INSERT INTO idempotency_keys (user_id, key, request_hash, status, response)
  SELECT :uid::text, 'pgb-' || :k, 'h'::text, 200, jsonb_build_object('case', :snap::jsonb, 'parties', :parties::jsonb) FROM swapped)
SELECT count(*)::int AS journaled FROM journaled;
