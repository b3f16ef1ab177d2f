DROP INDEX "cases_state_idx";--> statement-breakpoint
CREATE INDEX "cases_overdue_idx" ON "cases" USING btree ("opened_at","id") WHERE overdue;--> statement-breakpoint
CREATE INDEX "cases_state_idx" ON "cases" USING btree ("state","opened_at","id");