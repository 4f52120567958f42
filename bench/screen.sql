-- make bench, part 3: screening one name against the full OFAC SDN list
-- (names and aliases), side by side in one run:
--   arka_screen (compiled list, candidate index, token alignment),
--   pg_similarity's jarowinkler over every name (the way a user without
--   arka would write it), and pg_trgm (GIN index, % then similarity).
-- 600 queries: 300 variants of listed names, 300 ordinary names.
-- Expects arka with the SDN list loaded, pg_similarity and pg_trgm.
SELECT setseed(0.3);

CREATE TABLE sdn_names AS
SELECT e.entry_id, e.name FROM arka.watchlist_entries e WHERE e.list_name = 'ofac_sdn'
UNION ALL
SELECT e.entry_id, a->>'name' FROM arka.watchlist_entries e, jsonb_array_elements(e.aliases) a
WHERE e.list_name = 'ofac_sdn';
CREATE INDEX sdn_names_trgm ON sdn_names USING gin (name gin_trgm_ops);
ANALYZE sdn_names;
SELECT count(*) AS sdn_names_with_aliases FROM sdn_names;

CREATE TABLE queries AS
(SELECT 'listed' AS kind,
		-- a realistic variant: lower case, first and last word swapped
		lower(regexp_replace(name, '^(\S+)\s+(.*)\s+(\S+)$', '\3 \2 \1')) AS q
 FROM sdn_names WHERE name ~ '^[A-Za-z]+( [A-Za-z]+)+$' ORDER BY random() LIMIT 300)
UNION ALL
(SELECT 'ordinary', f || ' ' || l
 FROM unnest(ARRAY['Anna','Bruno','Carla','David','Elena','Frank','Grace','Hugo','Irene','Jonas',
				   'Klara','Lukas','Marta','Nils','Olga','Paul','Rosa','Simon','Tina','Victor']) f,
	  unnest(ARRAY['Andersen','Becker','Costa','Dubois','Eriksen','Fischer','Garcia','Hansen',
				   'Ivanova','Jensen','Kowalski','Larsen','Moreau','Novak','Olsen']) l
 ORDER BY random() LIMIT 300);

-- per-query wall time in µs for a screening statement over $1
CREATE FUNCTION time_queries(stmt text) RETURNS TABLE (kind text, us float8) LANGUAGE plpgsql AS $$
DECLARE
	r record;
	t0 timestamptz;
BEGIN
	FOR r IN SELECT * FROM queries LOOP
		t0 := clock_timestamp();
		EXECUTE stmt USING r.q;
		kind := r.kind;
		us := extract(epoch FROM clock_timestamp() - t0) * 1e6;
		RETURN NEXT;
	END LOOP;
END
$$;

-- first use in this backend compiles the list
SELECT count(*) AS warmup FROM arka_screen('warm up');
SELECT list_name, entries, names, pg_size_pretty(memory_bytes) AS memory, round(build_ms::numeric) AS first_use_build_ms
FROM arka_watchlist_stats();

CREATE TEMP TABLE t_arka AS SELECT * FROM time_queries('SELECT count(*) FROM arka_screen($1)');
CREATE TEMP TABLE t_trgm AS SELECT * FROM time_queries(
	'SELECT count(*) FROM (SELECT name FROM sdn_names WHERE name % $1 ORDER BY similarity(name, $1) DESC LIMIT 10) s');
CREATE TEMP TABLE t_jw AS SELECT * FROM time_queries(
	'SELECT count(*) FROM sdn_names WHERE jarowinkler(name, $1) > 0.9');

SELECT method,
	   round(percentile_cont(0.5) WITHIN GROUP (ORDER BY us)::numeric, 1) AS p50_us,
	   round(percentile_cont(0.99) WITHIN GROUP (ORDER BY us)::numeric, 1) AS p99_us,
	   count(*) AS queries
FROM (SELECT 'arka_screen' AS method, us FROM t_arka
	  UNION ALL SELECT 'pg_trgm (GIN, % + similarity)', us FROM t_trgm
	  UNION ALL SELECT 'pg_similarity jarowinkler > 0.9', us FROM t_jw) x
GROUP BY method ORDER BY p50_us;

-- how often each finds the listed name behind a variant (recall on this set)
SELECT 'arka_screen' AS method, count(*) FILTER (WHERE EXISTS (SELECT 1 FROM arka_screen(q))) AS listed_found,
	   (SELECT count(*) FROM queries WHERE kind = 'ordinary' AND EXISTS (SELECT 1 FROM arka_screen(q))) AS ordinary_flagged
FROM queries WHERE kind = 'listed'
UNION ALL
SELECT 'pg_trgm %', count(*) FILTER (WHERE EXISTS (SELECT 1 FROM sdn_names WHERE name % q)),
	   (SELECT count(*) FROM queries WHERE kind = 'ordinary' AND EXISTS (SELECT 1 FROM sdn_names WHERE name % q))
FROM queries WHERE kind = 'listed'
UNION ALL
SELECT 'jarowinkler > 0.9', count(*) FILTER (WHERE EXISTS (SELECT 1 FROM sdn_names WHERE jarowinkler(name, q) > 0.9)),
	   (SELECT count(*) FROM queries WHERE kind = 'ordinary' AND EXISTS (SELECT 1 FROM sdn_names WHERE jarowinkler(name, q) > 0.9))
FROM queries WHERE kind = 'listed';
