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
CREATE INDEX "case_texts_number_search_idx" ON "case_texts" USING gin (search_number_grams("number"));--> statement-breakpoint
-- The trigger that keeps case_deputies (drizzle/0024) deletes the rows of the case's old deputies
-- only when it had some: an ASSIGN of a case with none (the usual first assignment) ran the DELETE
-- for an empty list all the same — planned once per connection, when case_deputies was small, as a
-- scan of the whole table, which it then stayed as the table grew (a tenth of the trigger's time
-- in the bench's lifecycle mix). The rows it keeps are the same.
CREATE OR REPLACE FUNCTION jiefen_case_deputies() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'UPDATE' AND cardinality(OLD.deputy_ids) > 0 THEN
    DELETE FROM case_deputies WHERE deputy_id = ANY (OLD.deputy_ids) AND opened_at = OLD.opened_at AND case_id = OLD.id;
  END IF;
  INSERT INTO case_deputies (deputy_id, opened_at, case_id)
    SELECT DISTINCT d, NEW.opened_at, NEW.id FROM unnest(NEW.deputy_ids) d ON CONFLICT DO NOTHING;
  RETURN NULL;
END;
$$;
