-- The dispatcher sends a notice's first webhook tries before any delivery row exists (issue 12):
-- it claims the outbox row with a lease, sends, then writes each delivery with its outcome and marks
-- the row fanned out in one statement. A dispatcher killed in between leaves the lease to run out
-- and another sends again with the same webhook-id. The lease column is in no index and no index's
-- predicate, so the claim's update is heap-only (HOT) when the new version fits on the row's page:
-- outbox pages are filled to 80% (as 0022 did for cases) to keep that room. Pages written from now
-- on get it; existing rows are mostly fanned out already and never updated again.
ALTER TABLE "outbox" ADD COLUMN "lease_until" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "outbox" SET (fillfactor = 80);
