-- Every event sent with an Idempotency-Key stores its answer here: the entity's view, 2–3 kB of
-- JSON for a case. A row past ~2 kB has its largest value compressed, with pglz unless the column
-- names another method: in `npm run bench` (sessions) that was 6% of PostgreSQL's CPU, ~25 µs per
-- event, in every write path statement. lz4 makes the same answers about as small (1.8 against
-- 1.6 kB a row) in about the time of storing them uncompressed. Only the method of values written
-- from now on changes: rows written before keep pglz, and both are read alike. A server built
-- without lz4 (PGlite is) refuses the method: there the column keeps pglz, as before.
DO $$
BEGIN
  ALTER TABLE "idempotency_keys" ALTER COLUMN "response" SET COMPRESSION lz4;
EXCEPTION WHEN feature_not_supported THEN
  NULL;
END $$;
