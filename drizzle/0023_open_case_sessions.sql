-- A RECORD_SESSION changes no indexed column of `cases` (issue 9 §5, the write path): the session
-- counts leave the report's covering index for a table of their own, `open_case_sessions` (the
-- open cases that held a session), which the write path keeps in the statement that changes them.
-- With a count in an index, every session recorded wrote a new entry into each of the 13 indexes
-- of `cases` (the search GINs computing the summary's grams again); without, the update is HOT.
-- Room on its pages for the next version of a row, so that its updates are HOT too.
CREATE TABLE "open_case_sessions" (
	"case_id" uuid PRIMARY KEY NOT NULL,
	"opened_at" timestamp with time zone NOT NULL,
	"station_code" text NOT NULL,
	"source" text NOT NULL,
	"dispute_type" text NOT NULL,
	"sessions_held" integer NOT NULL,
	"deputy_attendances" integer NOT NULL
) WITH (fillfactor = 50);
--> statement-breakpoint
-- The open cases of today that held a session (the same rows as rebuildOpenCaseSessions).
INSERT INTO "open_case_sessions" (case_id, opened_at, station_code, source, dispute_type, sessions_held, deputy_attendances)
SELECT id, opened_at, station_code, source, dispute_type, sessions_held, deputy_attendances FROM cases
WHERE outcome is null and (sessions_held <> 0 or deputy_attendances <> 0);
--> statement-breakpoint
DROP INDEX "cases_report_open_idx";--> statement-breakpoint
CREATE INDEX "cases_report_open_idx" ON "cases" USING btree ("opened_at","station_code","source","dispute_type","agreed_at","outcome","enforcement_started_at","overdue","owed_fen","recovered_fen","deputy_ids") WHERE outcome is null;
