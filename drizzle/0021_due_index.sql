-- "A deadline within N days" (the case list's dueWithinDays, the court's to-do): the cases with a
-- deadline in opened_at order, with next_due_at in the key so that the bound is checked in the
-- index, not on each case's heap row (issue 16: 8k-13k heap pages per first call at 1M cases).
-- It replaces the bare next_due_at index, which served the same filter by fetching every match.
DROP INDEX "cases_next_due_idx";--> statement-breakpoint
CREATE INDEX "cases_due_idx" ON "cases" USING btree ("opened_at","id","next_due_at") WHERE next_due_at is not null;