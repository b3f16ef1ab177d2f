-- The recipients of a notice that names deputies (ASSIGN, SCHEDULE_SESSION, deadlines: see
-- noticeInsertSql in src/engine/notify/notices.ts) are looked up in the write path's own statement
-- by their deputy id as text. Without an index that read every row of `users`: ~0.01 ms at the
-- bench's 18 users, 0.5–1 ms at 3,000 — more than the rest of the statement. The index holds the
-- expression the statement compares (deputy ids go as JSON text), deputies' rows only. No ANALYZE
-- (drizzle/0027 says why an empty table is not analyzed); the statement's `= any(array(…))` is
-- planned as an index scan without statistics.
CREATE INDEX "users_deputy_idx" ON "users" USING btree (("deputy_id"::text)) WHERE role = 'deputy';
