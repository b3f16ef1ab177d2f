-- What search matches in a case's own words, by opening time (issue 16: search's first call after
-- a start). A search whose matches are dense (summary words found in a tenth of all cases) finds
-- its page among the newest thousand cases (src/engine/views.ts pageAmongNewest): at a million
-- cases that read a thousand case rows — wide (snapshots), scattered by their updates, and for a
-- name a look-up of each case's parties too — ~3,000 pages, 100–250 ms when PostgreSQL's buffers
-- did not hold them. Number, summary and dispute type never change after a case is opened; here
-- they sit in opening order, a thousand cases in a few dozen pages. `cases` still decides (the
-- list keeps its condition): this table only says which of the newest cases to read.
-- It is kept by a trigger on `cases`: a row for each case inserted (by the engine, an import, by
-- hand), and the row rewritten if one of its columns is ever written. Events do not write them,
-- so the trigger never fires for them. The seed writes past triggers and fills the table itself.
CREATE TABLE "case_texts" (
	"opened_at" timestamp with time zone NOT NULL,
	"case_id" uuid NOT NULL,
	"number" text NOT NULL,
	"summary" text NOT NULL,
	"dispute_type" text NOT NULL,
	CONSTRAINT "case_texts_opened_at_case_id_pk" PRIMARY KEY("opened_at","case_id")
);
--> statement-breakpoint
-- In opening order: the newest cases' rows are neighbours, and the key is appended at its right edge.
INSERT INTO "case_texts" ("opened_at", "case_id", "number", "summary", "dispute_type")
  SELECT opened_at, id, number, summary, dispute_type FROM cases ORDER BY opened_at, id;
--> statement-breakpoint
CREATE FUNCTION jiefen_case_texts() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'UPDATE' THEN
    DELETE FROM case_texts WHERE opened_at = OLD.opened_at AND case_id = OLD.id;
  END IF;
  INSERT INTO case_texts (opened_at, case_id, number, summary, dispute_type) VALUES (NEW.opened_at, NEW.id, NEW.number, NEW.summary, NEW.dispute_type);
  RETURN NULL;
END;
$$;
--> statement-breakpoint
CREATE TRIGGER cases_texts_insert AFTER INSERT ON cases FOR EACH ROW EXECUTE FUNCTION jiefen_case_texts();
--> statement-breakpoint
CREATE TRIGGER cases_texts_update AFTER UPDATE OF opened_at, id, number, summary, dispute_type ON cases FOR EACH ROW
  WHEN (OLD.opened_at IS DISTINCT FROM NEW.opened_at OR OLD.id IS DISTINCT FROM NEW.id OR OLD.number IS DISTINCT FROM NEW.number
    OR OLD.summary IS DISTINCT FROM NEW.summary OR OLD.dispute_type IS DISTINCT FROM NEW.dispute_type)
  EXECUTE FUNCTION jiefen_case_texts();
--> statement-breakpoint
-- Statistics at once: without them PostgreSQL takes the new table for a small one and scans it whole.
ANALYZE "case_texts";
