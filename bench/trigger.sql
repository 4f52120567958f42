-- make bench, part 2: the enforcement trigger.  One INSERT ... SELECT of
-- 200,000 payment rows into three identical tables, side by side:
--   (a) no trigger, (b) arka in block mode with us_bsa, ofac_country and
--   fatf_high_risk, (c) the same rules as a PL/pgSQL trigger
--   (bench_plpgsql_trigger over to_jsonb(NEW)).  Beside them, (d) a C
--   trigger that does nothing on INSERT (contrib lo's lo_manage): what
--   PostgreSQL itself charges for calling a C BEFORE row trigger.
-- All rows pass (a blocking row would abort the whole statement); 1 in 50
-- is a cash deposit over $10,000, a review outcome that arka records in
-- arka.decisions.  arka also runs over the same rows with those
-- deposits under the threshold: its allow path alone.  Figures are the
-- median of interleaved rounds (see below).  Expects arka installed with
-- its packs and bench/plpgsql_rules.sql loaded.
\set nrows 200000

SELECT setseed(0.17);
CREATE TABLE pay_src AS
SELECT i AS id,
	   CASE WHEN i % 50 = 0 THEN 12000 ELSE round((random() * 2000)::numeric, 2) END AS amount,
	   'USD'::text AS currency,
	   CASE WHEN i % 50 = 0 THEN 'cash' ELSE (ARRAY['wire','ach','card'])[1 + i % 3] END AS channel,
	   jsonb_build_object('name', 'Payer ' || i, 'account', 'AC' || i, 'address', i || ' Main St', 'country', 'US') AS payer,
	   jsonb_build_object('name', 'Payee ' || i, 'account', 'BC' || i, 'country', (ARRAY['US','DE','GB','FR'])[1 + i % 4]) AS payee
FROM generate_series(1, :nrows) AS i;

CREATE TABLE pay_plain (id int PRIMARY KEY, amount numeric, currency text, channel text, payer jsonb, payee jsonb);
CREATE TABLE pay_arka (LIKE pay_plain INCLUDING ALL);
CREATE TABLE pay_plpgsql (LIKE pay_plain INCLUDING ALL);
CREATE TABLE pay_ctrig (LIKE pay_plain INCLUDING ALL);
-- the issue's rule set: us_bsa + ofac_country + fatf_high_risk (jurisdictions US and INTL;
-- eu_amlr, installed for the evaluate benchmark, is left out on both sides)
SELECT arka_protect('pay_arka', 'block', ARRAY['US', 'INTL'])->>'mode' AS arka_mode;
CREATE TRIGGER compliance BEFORE INSERT OR UPDATE ON pay_plpgsql
	FOR EACH ROW EXECUTE FUNCTION bench_plpgsql_trigger('without_eu');
-- lo_manage on INSERT only finds its column and returns the row: the floor
-- any C row trigger pays (the call, the trigger's tuple)
CREATE EXTENSION IF NOT EXISTS lo;
CREATE TRIGGER c_noop BEFORE INSERT ON pay_ctrig FOR EACH ROW EXECUTE FUNCTION lo_manage(id);
VACUUM ANALYZE pay_src;

-- the same rows with the cash deposits at $9,000: no rule fires on any row,
-- so arka's allow path alone is measured (nothing recorded)
CREATE TABLE pay_src_allow AS
SELECT id, CASE WHEN amount = 12000 THEN 9000 ELSE amount END AS amount, currency, channel, payer, payee
FROM pay_src;
VACUUM ANALYZE pay_src_allow;

-- wall-clock milliseconds of one statement into an emptied table
CREATE FUNCTION bench_insert_ms(tbl text, src text) RETURNS float8 LANGUAGE plpgsql AS $$
DECLARE
	t0 timestamptz;
BEGIN
	EXECUTE format('TRUNCATE %I', tbl);
	-- arka's recorded reviews go too (TRUNCATE: no dead index entries
	-- piling up across runs); the count below is then the last arka run's
	IF tbl = 'pay_arka' THEN
		TRUNCATE arka.decisions;
	END IF;
	t0 := clock_timestamp();
	EXECUTE format('INSERT INTO %I SELECT * FROM %I', tbl, src);
	RETURN extract(epoch FROM clock_timestamp() - t0) * 1000;
END
$$;

-- The variants run in rounds, interleaved (plain, arka allow path, arka,
-- PL/pgSQL, the no-op C trigger, then again), each statement in its own transaction after a
-- CHECKPOINT.  A fixed order with all of one variant's runs together
-- charged later variants with more of the machine's I/O state (dirty
-- pages piling up, new WAL segment files being zero-filled); here every
-- statement starts from written-out buffers and writes its WAL into
-- segments recycled by the checkpoint (bench.sh sets min_wal_size).  One
-- untimed round first warms caches and creates those segments.
\set rounds 7
CREATE TEMP TABLE variant (ord int, name text, tbl text, src text);
INSERT INTO variant VALUES (1, 'plain', 'pay_plain', 'pay_src'),
	(2, 'arka_allow', 'pay_arka', 'pay_src_allow'), (3, 'arka', 'pay_arka', 'pay_src'),
	(4, 'plpgsql', 'pay_plpgsql', 'pay_src'), (5, 'c_trigger_noop', 'pay_ctrig', 'pay_src');
CREATE TEMP TABLE run (round int, name text, ms float8);
SELECT stmt
FROM generate_series(0, :rounds) AS r(round)
CROSS JOIN variant AS v
CROSS JOIN LATERAL unnest(ARRAY['CHECKPOINT',
	format('INSERT INTO run SELECT %s, %L, bench_insert_ms(%L, %L)', round, name, tbl, src)])
	WITH ORDINALITY AS s(stmt, step)
ORDER BY round, ord, step \gexec
DELETE FROM run WHERE round = 0;

SELECT (SELECT count(*) FROM pay_arka) AS arka_rows,
	   (SELECT count(*) FROM arka.decisions WHERE outcome = 'review') AS reviews_recorded;

-- per variant: median and fastest of the rounds, in µs per row
CREATE TEMP TABLE t AS
SELECT name,
	   percentile_cont(0.5) WITHIN GROUP (ORDER BY ms) AS med_ms,
	   min(ms) AS min_ms
FROM run GROUP BY name;
SELECT name,
	   round((med_ms * 1000 / :nrows)::numeric, 2) AS us_per_row_median,
	   round((min_ms * 1000 / :nrows)::numeric, 2) AS us_per_row_min
FROM t JOIN variant USING (name) ORDER BY ord;

-- the ratios, of the medians; and the spread of arka / plain from round to
-- round (each round's runs are neighbours in time)
SELECT round((a.med_ms / p.med_ms)::numeric, 2) AS arka_over_plain,
	   round((al.med_ms / p.med_ms)::numeric, 2) AS arka_allow_over_plain,
	   round((n.med_ms / p.med_ms)::numeric, 2) AS c_noop_over_plain,
	   round(((a.med_ms - p.med_ms) * 1000 / :nrows)::numeric, 2) AS arka_added_us,
	   round(((g.med_ms - p.med_ms) * 1000 / :nrows)::numeric, 2) AS plpgsql_added_us,
	   round(((a.med_ms - p.med_ms) / (g.med_ms - p.med_ms))::numeric, 3) AS arka_added_over_plpgsql_added
FROM t a, t al, t p, t g, t n
WHERE a.name = 'arka' AND al.name = 'arka_allow' AND p.name = 'plain' AND g.name = 'plpgsql'
	AND n.name = 'c_trigger_noop';
SELECT round(min(a.ms / p.ms)::numeric, 2) AS arka_over_plain_round_min,
	   round(max(a.ms / p.ms)::numeric, 2) AS arka_over_plain_round_max,
	   round(min(al.ms / p.ms)::numeric, 2) AS allow_over_plain_round_min,
	   round(max(al.ms / p.ms)::numeric, 2) AS allow_over_plain_round_max
FROM run a JOIN run p USING (round) JOIN run al USING (round)
WHERE a.name = 'arka' AND p.name = 'plain' AND al.name = 'arka_allow';
