-- Room on each page of `cases` for the row's next version (issue 16 goal 3: the write path). Every
-- event updates its case's row; when no indexed column changes (a session scheduled, a measure, a
-- payment on account) and the new version fits on the row's page, PostgreSQL writes it as a
-- heap-only tuple (HOT): no index is touched — not the search GIN, not the report's covering index —
-- and the page's dead versions are pruned in place. Packed full (the default, 100), a page seldom
-- has room: 30% of updates were HOT where half of the bench's events change no indexed column;
-- at 70 nearly all of those are. The price: a third more heap pages for the same rows.
-- Pages written from now on are filled to 70%; an existing table gets the room as its rows are
-- updated, or at once by a `VACUUM FULL cases` (which locks the table while it rewrites it).
ALTER TABLE "cases" SET (fillfactor = 70);
