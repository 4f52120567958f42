-- make bench, part 2b: what one recorded decision costs.  Runs after
-- bench/trigger.sql, on its tables and bench_insert_ms().  50,000 rows into
-- pay_arka three ways, interleaved in rounds after a CHECKPOINT each: every
-- row a review (a cash deposit over $10,000, recorded with its proof), the
-- same rows with nothing firing (the allow path), and plain inserts of the
-- same rows.  A review's cost is the difference of the first two per row;
-- it is reported in plain rows' worth, and as the points it adds to
-- arka / plain when 1 row in 50 is a review, as in bench/trigger.sql.
\set nrows 50000
CREATE TABLE pay_src_review AS
SELECT id, 12000::numeric AS amount, currency, 'cash'::text AS channel, payer, payee
FROM pay_src WHERE id <= :nrows;
CREATE TABLE pay_src_review_allow AS
SELECT id, 9000::numeric AS amount, currency, 'cash'::text AS channel, payer, payee
FROM pay_src_review;
VACUUM ANALYZE pay_src_review, pay_src_review_allow;

\set rounds 5
CREATE TEMP TABLE review_variant (ord int, name text, tbl text, src text);
INSERT INTO review_variant VALUES (1, 'plain', 'pay_plain', 'pay_src_review'),
	(2, 'allow', 'pay_arka', 'pay_src_review_allow'), (3, 'review', 'pay_arka', 'pay_src_review');
CREATE TEMP TABLE review_run (round int, name text, ms float8);
SELECT stmt
FROM generate_series(0, :rounds) AS r(round)
CROSS JOIN review_variant AS v
CROSS JOIN LATERAL unnest(ARRAY['CHECKPOINT',
	format('INSERT INTO review_run SELECT %s, %L, bench_insert_ms(%L, %L)', round, name, tbl, src)])
	WITH ORDINALITY AS s(stmt, step)
ORDER BY round, ord, step \gexec
DELETE FROM review_run WHERE round = 0;

SELECT count(*) AS reviews_recorded FROM arka.decisions WHERE outcome = 'review';
CREATE TEMP TABLE review_med AS
SELECT name, percentile_cont(0.5) WITHIN GROUP (ORDER BY ms) * 1000 / :nrows AS us
FROM review_run GROUP BY name;
SELECT round(p.us::numeric, 2) AS plain_us_per_row,
	   round(a.us::numeric, 2) AS allow_us_per_row,
	   round(r.us::numeric, 2) AS review_us_per_row,
	   round((r.us - a.us)::numeric, 2) AS us_per_review,
	   round(((r.us - a.us) / p.us)::numeric, 1) AS review_in_plain_rows,
	   round(((r.us - a.us) / 50 / p.us)::numeric, 3) AS ratio_points_at_1_in_50
FROM review_med p, review_med a, review_med r
WHERE p.name = 'plain' AND a.name = 'allow' AND r.name = 'review';
DROP TABLE pay_src_review, pay_src_review_allow;
