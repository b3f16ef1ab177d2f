-- An outbox row is written in the statement (or transaction) that writes its journal row, whose own
-- key (entity, seq) already makes it once — as 0028 reasoned for an event's notice. Nothing looks an
-- outbox row up by (entity_type, entity_id, seq) nor names the index in an ON CONFLICT: the
-- dispatcher reads rows by id and by outbox_pending_idx. Dropping it spares each notice one index
-- entry at its insert and one at each update that is not HOT (issue 12: webhooks on vs off).
DROP INDEX "outbox_event_uq";
