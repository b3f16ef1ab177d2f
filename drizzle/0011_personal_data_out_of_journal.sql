-- Personal data only in `parties` (DESIGN.md §10). The journal's CREATE rows written before kept
-- each party's name, ID number and phone; from now on they name each party by id and role only
-- (the machine never read them, so every journal replays as before). This one rewrite of old rows
-- is the only time the append-only trigger is set aside, inside this migration's transaction.
ALTER TABLE case_events DISABLE TRIGGER case_events_append_only;
--> statement-breakpoint
UPDATE case_events e
SET payload = jsonb_set(e.payload, '{parties}', (
  SELECT coalesce(jsonb_agg(jsonb_build_object('id', p.id, 'role', p.role) ORDER BY p.position), '[]'::jsonb)
  FROM parties p WHERE p.case_id = e.case_id))
WHERE e.type = 'CREATE' AND jsonb_typeof(e.payload->'parties') = 'array';
--> statement-breakpoint
ALTER TABLE case_events ENABLE TRIGGER case_events_append_only;
--> statement-breakpoint
-- Idempotency records keep what a replay needs: a case answer's parties as their roles only
-- (a replay reads them again from `parties`).
UPDATE idempotency_keys
SET response = jsonb_set(response, '{parties}', (
  SELECT coalesce(jsonb_agg(jsonb_build_object('role', x->'role')), '[]'::jsonb) FROM jsonb_array_elements(response->'parties') x))
WHERE jsonb_typeof(response) = 'object' AND jsonb_typeof(response->'parties') = 'array';
