-- An event's notice (ref `seq:N`, src/engine/notify/notices.ts) is written without ON CONFLICT: its
-- ref is new with its journal row, in the same statement, and the journal's key (entity, seq) makes
-- it once. Only the notices written `on conflict do nothing` (a deadline's warning, a submission, a
-- digest) need the unique index; leaving the event notices out of it spares every SCHEDULE_SESSION's
-- and ASSIGN's rows one of their four index insertions, the widest (issue 9 §5). No ANALYZE: the
-- index is on plain columns and its predicate reads no statistics.
DROP INDEX "notifications_once_uq";--> statement-breakpoint
CREATE UNIQUE INDEX "notifications_once_uq" ON "notifications" USING btree ("user_id","kind","entity_id","ref") WHERE ref not like 'seq:%';
