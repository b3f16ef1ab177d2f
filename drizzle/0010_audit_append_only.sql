-- The audit log is append-only like the journals (DESIGN.md §10): the same trigger function refuses UPDATE and DELETE.
CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log FOR EACH ROW EXECUTE FUNCTION jiefen_journal_append_only();
--> statement-breakpoint
-- The bootstrap admin of a database made before this column: the first admin, as ensureAdmin made it.
UPDATE users SET bootstrap = true WHERE id = (SELECT id FROM users WHERE role = 'admin' ORDER BY created_at, id LIMIT 1);
