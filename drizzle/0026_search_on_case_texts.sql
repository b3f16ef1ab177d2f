-- The search indexes move from `cases` to `case_texts` (issue 9 §5, issue 16 goal 3: the write
-- path). Number, summary and dispute type never change after a case is opened, but every event that
-- writes an indexed column of `cases` — its state: ACCEPT, ASSIGN, REACH_AGREEMENT, a closing — is
-- an update that is not HOT, and PostgreSQL then inserts a new entry into every index of the table:
-- for these two, the grams of the summary and of the number computed again and some 60 GIN keys
-- inserted for texts that did not change. That was 0.25–0.3 ms of PostgreSQL CPU per event of the
-- bench's lifecycle mix (of 1.0). case_texts holds the same texts, one row per case, written when
-- the case is inserted (its trigger, drizzle/0025) and never by an event. Search finds the ids
-- there (src/engine/views.ts searchedCaseIds); the list keeps its own ILIKE on `cases`.
DROP INDEX "cases_search_idx";--> statement-breakpoint
DROP INDEX "cases_number_search_idx";--> statement-breakpoint
CREATE INDEX "case_texts_search_idx" ON "case_texts" USING gin (search_bigrams("summary" || ' ' || "dispute_type"));--> statement-breakpoint
CREATE INDEX "case_texts_number_search_idx" ON "case_texts" USING gin (search_number_grams("number"));