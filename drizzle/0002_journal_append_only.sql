-- The journals are append-only (DESIGN.md §5): never updated, never deleted, enforced by the database itself.
CREATE OR REPLACE FUNCTION jiefen_journal_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'journal % is append-only: % refused', TG_TABLE_NAME, TG_OP USING ERRCODE = '55000';
END;
$$;
--> statement-breakpoint
CREATE TRIGGER case_events_append_only BEFORE UPDATE OR DELETE ON case_events FOR EACH ROW EXECUTE FUNCTION jiefen_journal_append_only();
--> statement-breakpoint
CREATE TRIGGER supervision_events_append_only BEFORE UPDATE OR DELETE ON supervision_events FOR EACH ROW EXECUTE FUNCTION jiefen_journal_append_only();
