-- The JSON Logic conformance suites through the SQL path (arka_apply), so
-- the SQL surface and the engine core agree: the official suite (all 277
-- cases) and the semantics cases with arka's documented differences
-- (test/jsonlogic/semantics_differences.json).
CREATE EXTENSION arka;

\getenv arka_data ARKA_DATA
\set official :arka_data/jsonlogic/official_tests.json
\set semantics :arka_data/jsonlogic/semantics_cases.jsonl
\set differences :arka_data/../test/jsonlogic/semantics_differences.json

-- an error becomes {"error": <message>} so one failing case cannot hide others
CREATE FUNCTION try_apply(rule jsonb, data jsonb) RETURNS jsonb
LANGUAGE plpgsql AS $$
BEGIN
	RETURN arka_apply(rule, data);
EXCEPTION WHEN others THEN
	RETURN jsonb_build_object('error', SQLERRM);
END
$$;

CREATE FUNCTION try_jsonb(t text) RETURNS jsonb
LANGUAGE plpgsql AS $$
BEGIN
	RETURN t::jsonb;
EXCEPTION WHEN others THEN
	RETURN NULL;
END
$$;

CREATE TEMP TABLE official AS
SELECT n, c->0 AS rule, c->1 AS data, c->2 AS expected
FROM jsonb_array_elements(pg_read_file(:'official')::jsonb) WITH ORDINALITY AS t(c, n)
WHERE jsonb_typeof(c) = 'array';

SELECT count(*) AS official_cases,
	   count(*) FILTER (WHERE try_apply(rule, data) = expected) AS passed
FROM official;

-- failures, if any, with what arka returned
SELECT n, rule, expected, try_apply(rule, data) AS got
FROM official
WHERE try_apply(rule, data) IS DISTINCT FROM expected
ORDER BY n;

-- semantics cases: NaN/Infinity/undefined results print as null; lines in
-- the differences file carry arka's answer (or restate a case jsonb cannot
-- hold, such as a lone surrogate)
CREATE TEMP TABLE differences AS
SELECT (d->>'line')::int AS line, d->'arka' AS arka, d->'arka_error' AS arka_error,
	   d->'rule' AS rule, d->'data' AS data
FROM jsonb_array_elements(pg_read_file(:'differences')::jsonb) AS d;

CREATE TEMP TABLE semantics AS
SELECT n::int AS line, try_jsonb(l) AS c
FROM regexp_split_to_table(rtrim(pg_read_file(:'semantics'), E'\n'), E'\n') WITH ORDINALITY AS t(l, n);

CREATE TEMP TABLE semantics_run AS
SELECT s.line,
	   coalesce(d.rule, s.c->'rule') AS rule,
	   coalesce(d.data, s.c->'data') AS data,
	   CASE WHEN d.arka_error IS NOT NULL THEN 'error'
			WHEN d.arka IS NOT NULL THEN 'value'
			WHEN s.c ? 'expected_error' THEN 'error'
			ELSE 'value' END AS kind,
	   coalesce(d.arka, s.c->'expected',
				CASE WHEN s.c ? 'expected_nonjson' THEN 'null'::jsonb END) AS expected
FROM semantics s LEFT JOIN differences d ON d.line = s.line;

SELECT count(*) AS semantics_cases,
	   count(*) FILTER (WHERE kind = 'error' AND try_apply(rule, data) ? 'error'
						OR kind = 'value' AND try_apply(rule, data) = expected) AS passed,
	   (SELECT count(*) FROM differences) AS documented_differences
FROM semantics_run;

SELECT line, rule, expected, try_apply(rule, data) AS got
FROM semantics_run
WHERE NOT (kind = 'error' AND coalesce(try_apply(rule, data) ? 'error', false)
		   OR kind = 'value' AND try_apply(rule, data) IS NOT DISTINCT FROM expected)
ORDER BY line;

DROP EXTENSION arka;
DROP FUNCTION try_apply(jsonb, jsonb);
DROP FUNCTION try_jsonb(text);
