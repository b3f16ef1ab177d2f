-- Each party carries its case's opening time (issue 16: search for a common name, first call after a
-- start). A search by name finds the parties through their names' grams (0016/0017), but the list
-- shows their cases newest first: without the opening time beside the name, every matching case
-- (hundreds for a common name at a million cases, each a random page of `cases` and one of its
-- key) was read only to sort them, and the page kept 51. A case's opened_at never changes; the
-- engine writes it into the party rows it creates, the seed into those it copies.
-- The table is written anew rather than updated in place: an UPDATE of every row would leave a dead
-- version of each behind and insert every row again into each index, the names' GIN among them;
-- a new table in its old row order with its indexes built after the load is quicker and compact.
-- Its NOT NULL constraints are named as the old table's were (PostgreSQL 17, PGlite, names them).
CREATE TABLE "parties_new" (
	"id" uuid DEFAULT gen_random_uuid() CONSTRAINT "parties_id_not_null" NOT NULL,
	"case_id" uuid CONSTRAINT "parties_case_id_not_null" NOT NULL,
	"position" integer CONSTRAINT "parties_position_not_null" NOT NULL,
	"role" text CONSTRAINT "parties_role_not_null" NOT NULL,
	"name" text CONSTRAINT "parties_name_not_null" NOT NULL,
	"id_number" text,
	"phone" text,
	"sms_consent" boolean DEFAULT false CONSTRAINT "parties_sms_consent_not_null" NOT NULL,
	"opened_at" timestamp with time zone CONSTRAINT "parties_opened_at_not_null" NOT NULL
);
--> statement-breakpoint
INSERT INTO "parties_new" ("id", "case_id", "position", "role", "name", "id_number", "phone", "sms_consent", "opened_at")
  SELECT p.id, p.case_id, p.position, p.role, p.name, p.id_number, p.phone, p.sms_consent, c.opened_at
  FROM parties p JOIN cases c ON c.id = p.case_id ORDER BY p.ctid;
--> statement-breakpoint
DROP TABLE "parties";
--> statement-breakpoint
ALTER TABLE "parties_new" RENAME TO "parties";
--> statement-breakpoint
ALTER TABLE "parties" ADD CONSTRAINT "parties_pkey" PRIMARY KEY ("id");
--> statement-breakpoint
ALTER TABLE "parties" ADD CONSTRAINT "parties_case_id_cases_id_fk" FOREIGN KEY ("case_id") REFERENCES "public"."cases"("id") ON DELETE no action ON UPDATE no action;
--> statement-breakpoint
CREATE INDEX "parties_case_idx" ON "parties" USING btree ("case_id","position");
--> statement-breakpoint
CREATE INDEX "parties_search_idx" ON "parties" USING gin (search_chars_and_bigrams("name"));
--> statement-breakpoint
CREATE INDEX "parties_phone_idx" ON "parties" USING btree ("phone");
--> statement-breakpoint
CREATE INDEX "parties_id_number_idx" ON "parties" USING btree ("id_number");
--> statement-breakpoint
-- A party row written without it (by hand, by an older script) takes its case's: the engine and
-- the seed always write it, so for them this never runs.
CREATE FUNCTION jiefen_party_opened_at() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  NEW.opened_at := (SELECT opened_at FROM cases WHERE id = NEW.case_id);
  RETURN NEW;
END;
$$;
--> statement-breakpoint
CREATE TRIGGER parties_opened_at_insert BEFORE INSERT ON parties FOR EACH ROW WHEN (NEW.opened_at IS NULL) EXECUTE FUNCTION jiefen_party_opened_at();
--> statement-breakpoint
-- Were a case's opening time ever rewritten (no event does it), its parties follow.
CREATE FUNCTION jiefen_case_opened_at() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE parties SET opened_at = NEW.opened_at WHERE case_id = NEW.id;
  RETURN NULL;
END;
$$;
--> statement-breakpoint
CREATE TRIGGER cases_parties_opened_at AFTER UPDATE OF opened_at ON cases FOR EACH ROW
  WHEN (OLD.opened_at IS DISTINCT FROM NEW.opened_at) EXECUTE FUNCTION jiefen_case_opened_at();
--> statement-breakpoint
-- Statistics for the new table, but only when it holds rows. Analyzed empty (a new database), it
-- would say "no rows" until the next ANALYZE, and the planner would then read every party of every
-- case to find one case's (the SMS recipients of each event's notice): where autovacuum is off, on
-- every event from then on. Left unanalyzed, PostgreSQL estimates from the table's pages as it grows.
DO $$ BEGIN
  IF EXISTS (SELECT 1 FROM "parties") THEN ANALYZE "parties"; END IF;
END $$;
