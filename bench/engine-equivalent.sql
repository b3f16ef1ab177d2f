-- The database work of one engine event (RECORD_SESSION / SCHEDULE_SESSION on a case in
-- mediation.active, with an Idempotency-Key, half of them by court staff) as pgbench runs it:
-- the same statements, in the same order, inside one transaction, without HTTP, the machine or
-- the ORM. scripts/bench.ts runs it with -M prepared (the engine's statements are prepared too,
-- src/db/client.ts) and these variables:
--   :per   cases per client (each client works on its own slice of bench_cases: no CAS losses)
--   :uid   a court user's id
-- Keep it in step with src/engine/apply.ts and the case view: one statement here per round trip
-- there. The token is not looked up: the API caches authenticated tokens (src/engine/directory.ts).
\set n :client_id * :per + random(0, :per - 1)
\set court random(0, 1)
\set k random(1, 9223372036854775806)
BEGIN;
-- the case row, with the caller's Idempotency-Key record if any (src/engine/apply.ts attemptEvent)
SELECT c::text AS row, c.id AS cid, c.version AS v, c.snapshot AS snap, coalesce(ik::text, '') AS prior
  FROM cases c LEFT JOIN idempotency_keys ik ON ik.user_id = :uid AND ik.key = 'pgb-' || :k
  WHERE c.id = (SELECT id FROM bench_cases WHERE n = :n) \gset
-- compare-and-swap and the journal row in one statement (swapAndJournal): the snapshot, the
-- version, and the query columns a session changes
WITH swapped AS (
  UPDATE cases SET snapshot = jsonb_set(:snap::jsonb, '{context,lastEventAt}', to_jsonb(now()::text)),
    version = :v + 1, updated_at = now(), sessions_held = sessions_held + 1,
    deputy_attendances = deputy_attendances + 1, last_event_at = now()
  WHERE id = :cid AND version = :v RETURNING id)
INSERT INTO case_events (case_id, seq, type, payload, from_state, to_state, actor_id, actor_role, actor_name, occurred_at, request_id)
  SELECT :cid::uuid, (:v + 1)::integer, 'RECORD_SESSION'::text,
  '{"heldAt":"2026-01-01T00:00:00.000Z","minutes":"双方当事人到场，代表释法说理，双方就还款期限初步达成一致意见。","attendeeDeputyIds":["00000000-0000-0000-0000-000000000000"]}'::jsonb,
  'mediation.active'::text, 'mediation.active'::text, :uid::text, 'court'::text, '李书记员'::text, now(), 'pgbench'::text
  FROM swapped RETURNING 1 AS journaled;
-- deadlines: none (the new snapshot implies the same deadlines as the old one: nothing to rewrite)
-- render: the parties, and the access log when court staff see them unmasked (src/engine/views.ts)
SELECT * FROM parties WHERE case_id = :cid ORDER BY position;
\if :court
INSERT INTO access_log (user_id, user_role, entity_type, entity_id, fields, request_id)
  VALUES (:uid, 'court', 'case', :cid, 'parties.idNumber,parties.phone', 'pgbench');
\endif
-- the idempotency record with the response
INSERT INTO idempotency_keys (user_id, key, request_hash, status, response) VALUES (:uid, 'pgb-' || :k, 'h', 200, :snap::jsonb);
END;
