-- make bench, part 1: arka_evaluate over 100,000 documents with all four
-- packs (result and proof built) beside the same rules hand-written in
-- PL/pgSQL (bench/plpgsql_rules.sql), in one run.  Prints µs per document
-- and the ratio.  Expects arka installed and the packs loaded.
\set ndocs 100000

-- Deterministic documents: mostly compliant payments, with cash over the
-- CTR threshold, wires missing travel-rule data, sanctioned and FATF
-- countries mixed in, like a real payment stream.
SELECT setseed(0.42);
CREATE TABLE bench_docs AS
SELECT i, jsonb_build_object(
	'id', 'tx-' || i,
	'type', 'payment',
	'amount', round((random() * 20000)::numeric, 2),
	'currency', (ARRAY['USD','USD','USD','EUR'])[1 + i % 4],
	'channel', (ARRAY['wire','ach','card','cash','wire'])[1 + i % 5],
	'occurred_at', '2026-11-26T10:00:00Z',
	'payer', jsonb_build_object('name', 'Payer ' || i, 'account', 'AC' || i,
								'address', i || ' Main Street', 'country', 'US'),
	'payee', jsonb_build_object('name', CASE WHEN i % 17 = 0 THEN '' ELSE 'Payee ' || i END,
								'account', 'BC' || i, 'address', i || ' High Street',
								'country', (ARRAY['US','DE','GB','FR','MM','IR','KP','CU','SY','US'])[1 + i % 10])
) AS doc
FROM generate_series(1, :ndocs) AS i;
VACUUM ANALYZE bench_docs;

-- wall-clock milliseconds of one statement, best of three
CREATE FUNCTION bench_ms(stmt text) RETURNS float8 LANGUAGE plpgsql AS $$
DECLARE
	t0 timestamptz;
	best float8 := 'Infinity';
BEGIN
	FOR i IN 1..3 LOOP
		t0 := clock_timestamp();
		EXECUTE stmt;
		best := least(best, extract(epoch FROM clock_timestamp() - t0) * 1000);
	END LOOP;
	RETURN best;
END
$$;

-- the two implementations must agree before their speed means anything
SELECT count(*) AS documents,
	   count(*) FILTER (WHERE arka_evaluate(doc)->>'outcome'
						<> bench_plpgsql_evaluate(doc, current_date)->>'outcome') AS outcome_mismatches,
	   count(*) FILTER (WHERE arka_evaluate(doc)->>'outcome' = 'block') AS blocked,
	   count(*) FILTER (WHERE arka_evaluate(doc)->>'outcome' = 'review') AS review
FROM bench_docs;

SET max_parallel_workers_per_gather = 0;
CREATE TEMP TABLE timings AS
SELECT bench_ms('SELECT count(doc) FROM bench_docs') AS scan_ms,
	   bench_ms('SELECT count(arka_evaluate(doc)) FROM bench_docs') AS arka_ms,
	   bench_ms('SELECT count(bench_plpgsql_evaluate(doc, current_date)) FROM bench_docs') AS plpgsql_ms;

SELECT round((arka_ms * 1000 / :ndocs)::numeric, 2) AS arka_us_per_doc,
	   round((plpgsql_ms * 1000 / :ndocs)::numeric, 2) AS plpgsql_us_per_doc,
	   round((scan_ms * 1000 / :ndocs)::numeric, 2) AS scan_only_us_per_doc,
	   round(((arka_ms - scan_ms) * 1000 / :ndocs)::numeric, 2) AS arka_net_us,
	   round(((plpgsql_ms - scan_ms) * 1000 / :ndocs)::numeric, 2) AS plpgsql_net_us,
	   round((plpgsql_ms / arka_ms)::numeric, 2) AS plpgsql_over_arka,
	   round(((plpgsql_ms - scan_ms) / (arka_ms - scan_ms))::numeric, 2) AS net_ratio
FROM timings;
