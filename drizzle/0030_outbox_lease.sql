-- The dispatcher sends a notice's first webhook tries before any delivery row exists (issue 12):
-- it claims the outbox row with a lease, sends, then writes each delivery with its outcome and marks
-- the row fanned out in one statement. A dispatcher killed in between leaves the lease to run out
-- and another sends again with the same webhook-id. The lease column is in no index and no index's
-- predicate, so the claim's update is heap-only (HOT) when the new version fits on the row's page.
-- A claim leases every row of a page at once (a second of notices is a few pages), so a page needs
-- room for all its rows' next versions: in `npm run bench -- --webhook` (sessions@8, 5 s), 41% of
-- the leases were HOT at fillfactor 80, 60% at 65, 100% at 50 — where the table was also smaller
-- (180 pages for 4835 rows against 224 for 5356 at 65: the non-HOT ones move rows to new pages).
-- Pages written from now on get the room; existing rows are fanned out already, never updated again.
ALTER TABLE "outbox" ADD COLUMN "lease_until" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "outbox" SET (fillfactor = 50);
