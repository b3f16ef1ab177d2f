-- Case search (`q`, src/engine/views.ts) by index: the ILIKE '%q%' it answers cannot use a btree,
-- and pg_trgm's trigrams cannot answer a two-character q — most Chinese names are two or three
-- characters. So texts are indexed by their character pairs (bigrams), lower-cased as ILIKE
-- compares them: a text contains q only if it has every pair of q. The index finds the rows that
-- have them; the query keeps its ILIKE, so the results are those of the ILIKE alone.
-- Plain SQL expressions of built-in functions, not STRICT: PostgreSQL inlines them, in the index
-- and in the query alike. Calls between them name the schema: PostgreSQL 17 (PGlite) builds
-- indexes with search_path = pg_catalog.
--
-- search_bigrams: every pair of adjacent characters of lower(t) — the pairs at even offsets, then
-- those at odd offsets (a trailing single character comes along and does no harm).
CREATE FUNCTION search_bigrams(t text) RETURNS text[] LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT array_cat(
    string_to_array(rtrim(regexp_replace(lower(t), '(..)', E'\\1\x1f', 'g'), E'\x1f'), E'\x1f'),
    string_to_array(rtrim(regexp_replace(substr(lower(t), 2), '(..)', E'\\1\x1f', 'g'), E'\x1f'), E'\x1f'))
$$;
--> statement-breakpoint
-- For short texts (party names) single characters too, so a one-character q is found as well.
CREATE FUNCTION search_chars_and_bigrams(t text) RETURNS text[] LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT array_cat(regexp_split_to_array(lower(t), ''), public.search_bigrams(t))
$$;
--> statement-breakpoint
-- What a text containing q must have: q's pairs (q itself when it is one character).
CREATE FUNCTION search_query_grams(q text) RETURNS text[] LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT CASE WHEN length(q) < 2 THEN ARRAY[lower(q)]
    ELSE ARRAY(SELECT g FROM unnest(public.search_bigrams(q)) g WHERE length(g) = 2) END
$$;
