-- Enforcement: arka_protect and the BEFORE INSERT/UPDATE trigger, for
-- every statement form and column type, hostile rows, modes, fail-open,
-- bypass attempts and the rejected-attempt logical message.
CREATE EXTENSION arka;

-- SQLSTATE, message, and the error fields drivers expose
CREATE FUNCTION attempt(stmt text) RETURNS text
LANGUAGE plpgsql AS $$
DECLARE
	st text; msg text; tbl text; sch text; con text;
BEGIN
	EXECUTE stmt;
	RETURN 'ok';
EXCEPTION WHEN others THEN
	GET STACKED DIAGNOSTICS st = RETURNED_SQLSTATE, msg = MESSAGE_TEXT,
		tbl = TABLE_NAME, sch = SCHEMA_NAME, con = CONSTRAINT_NAME;
	RETURN st || ': ' || msg ||
		coalesce(' [' || nullif(sch, '') || '.' || nullif(tbl, '') || coalesce(' constraint ' || nullif(con, ''), '') || ']', '');
END
$$;

-- one blocking rule per column type, so the error names the type that fired
SELECT rule, arka_define_rule(rule, logic::jsonb, 'US', 'TYPES')
FROM (VALUES
	('types.numeric',	'{">": [{"var": "n"}, 100]}'),
	('types.integer',	'{">": [{"var": "i"}, 100]}'),
	('types.bigint',	'{">": [{"var": "b"}, 9000000000]}'),
	('types.money',		'{">": [{"var": "m"}, 100]}'),
	('types.text',		'{"==": [{"var": "t"}, "bad"]}'),
	('types.varchar',	'{"==": [{"var": "v"}, "bad"]}'),
	('types.char',		'{"==": [{"var": "c"}, "BAD"]}'),
	('types.boolean',	'{"===": [{"var": "ok"}, false]}'),
	('types.date',		'{"<": [{"var": "d"}, "2000-01-01"]}'),
	('types.timestamptz', '{"<": [{"var": "ts"}, "2000-01-01T00:00:00Z"]}'),
	('types.enum',		'{"==": [{"var": "ch"}, "cash"]}'),
	('types.domain',	'{">": [{"var": "dm"}, 100]}'),
	('types.jsonb',		'{"==": [{"var": "j.payer.country"}, "KP"]}')
) AS r(rule, logic);

CREATE TYPE channel_t AS ENUM ('card', 'wire', 'cash');
CREATE DOMAIN amount_t AS numeric(20, 2) CHECK (VALUE > -1e15);
CREATE TABLE typed (
	id integer PRIMARY KEY, gone text,
	n numeric, i integer, b bigint, m money, t text, v varchar(10), c char(5),
	ok boolean, d date, ts timestamptz, ch channel_t, dm amount_t, j jsonb
);
-- a dropped column before protection
ALTER TABLE typed DROP COLUMN gone;
INSERT INTO typed (id, n) VALUES (1, 5), (2, 500);

-- protecting reports what the existing rows would give, and changes nothing
SELECT arka_protect('typed', domains => '{TYPES}') AS report;
SELECT count(*) AS rows_untouched FROM typed;
SELECT table_name, mode, jurisdictions, domains, trigger FROM arka.protected_tables;

-- each column type, through the compiled tuple program
SELECT attempt(format('INSERT INTO typed (id, %s) VALUES (%s, %s)', col, 1000 + row_number() OVER (), val)) AS outcome, col
FROM (VALUES
	('n', '100.01'), ('n', '100'), ('i', '101'), ('b', '9000000001'), ('m', '100.01'),
	('t', '''bad'''), ('v', '''bad'''), ('c', '''BAD'''), ('ok', 'false'), ('ok', 'true'),
	('d', '''1999-12-31'''), ('ts', '''1999-12-31 23:59:59 UTC'''), ('ts', '''2000-01-01 01:00:00+01'''),
	('ch', '''cash'''), ('ch', '''wire'''), ('dm', '100.01'),
	('j', '''{"payer": {"country": "KP"}}'''), ('j', '''{"payer": {"country": "DE"}}''')
) AS x(col, val);
DELETE FROM typed WHERE id > 1000;

-- statement forms: multi-row VALUES, INSERT ... SELECT, COPY, UPDATE, ON CONFLICT
SELECT attempt($$INSERT INTO typed (id, n) VALUES (20, 1), (21, 2), (22, 300)$$) AS multi_values;
SELECT attempt($$INSERT INTO typed (id, n) SELECT g, g FROM generate_series(30, 200) g$$) AS insert_select;
SELECT attempt($$INSERT INTO typed (id, n) SELECT g, g FROM generate_series(30, 40) g$$) AS insert_select_ok;
COPY typed (id, n, t) FROM stdin;
50	1	fine
51	2	also fine
\.
SELECT attempt($$COPY typed (id, n, t) FROM PROGRAM 'printf "60\t1\tx\n61\t2\tbad\n"'$$) AS copy_with_a_bad_row;
SELECT attempt($$UPDATE typed SET n = 1000 WHERE id = 50$$) AS update_to_bad;
SELECT attempt($$UPDATE typed SET t = 'renamed' WHERE id = 50$$) AS update_ok;
SELECT attempt($$INSERT INTO typed (id, n) VALUES (50, 7) ON CONFLICT (id) DO UPDATE SET n = 700$$) AS upsert_update_bad;
SELECT attempt($$INSERT INTO typed (id, n) VALUES (70, 700) ON CONFLICT (id) DO NOTHING$$) AS upsert_insert_bad;
SELECT attempt($$INSERT INTO typed (id, n) VALUES (50, 7) ON CONFLICT (id) DO UPDATE SET n = 8$$) AS upsert_ok;
SELECT id, n, t FROM typed ORDER BY id;

-- hostile rows: NULLs everywhere, megabyte text, NaN, negative and 38-digit amounts
SELECT attempt($$INSERT INTO typed VALUES (80, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL)$$) AS all_nulls;
SELECT attempt(format('INSERT INTO typed (id, t) VALUES (81, %L)', repeat('x', 1024 * 1024))) AS megabyte_text;
SELECT attempt($$INSERT INTO typed (id, n) VALUES (82, 'NaN')$$) AS nan_amount;
SELECT attempt($$INSERT INTO typed (id, n) VALUES (83, '-Infinity')$$) AS infinite_amount;
SELECT attempt($$INSERT INTO typed (id, n) VALUES (84, -5000)$$) AS negative_amount;
SELECT attempt($$INSERT INTO typed (id, n) VALUES (85, 12345678901234567890123456789012345678)$$) AS digits_38;
SELECT attempt($$INSERT INTO typed (id, n) VALUES (86, 100.000000000000000000000000000000000000000001)$$) AS digits_45;
SELECT attempt($$INSERT INTO typed (id, j) VALUES (87, '{"payer": [1, 2, {"country": "KP"}]}')$$) AS jsonb_wrong_shape;

-- a rule committed now applies to the next row; ALTER TABLE recompiles the program
SELECT arka_define_rule('types.added', '{"==": [{"var": "note"}, "forbidden"]}', 'US', 'TYPES');
ALTER TABLE typed ADD COLUMN note text;
SELECT attempt($$INSERT INTO typed (id, note) VALUES (90, 'forbidden')$$) AS added_column;
ALTER TABLE typed DROP COLUMN v;
SELECT attempt($$INSERT INTO typed (id, note) VALUES (91, 'fine')$$) AS after_drop_column;
SELECT arka_disable_rule('types.added');

-- fail closed, and the superuser-only fail-open that records the error
SET arka.fail_open = on;
SELECT attempt($$INSERT INTO typed (id, n) VALUES (95, 'NaN')$$) AS nan_with_fail_open;
RESET arka.fail_open;
SELECT outcome, row_key, note FROM arka.decisions WHERE outcome = 'error';

-- review outcomes are written and recorded in the same transaction
SELECT arka_define_rule('types.review', '{">": [{"var": "i"}, 50]}', 'US', 'TYPES', 'review', 'low');
BEGIN;
INSERT INTO typed (id, i) VALUES (100, 60);
SELECT table_name, row_key, operation, mode, outcome, violations->0->>'rule_id' AS rule,
	   rule_versions ? 'types.review' AS versions_recorded, length(proof_id) AS proof_len
FROM arka.decisions WHERE outcome = 'review';
ROLLBACK;
SELECT count(*) AS review_rolled_back_with_its_row FROM arka.decisions WHERE outcome = 'review';
INSERT INTO typed (id, i) VALUES (100, 60);
-- allow decisions are recorded only when asked
SET arka.record_all_decisions = on;
INSERT INTO typed (id, i) VALUES (101, 1);
RESET arka.record_all_decisions;
INSERT INTO typed (id, i) VALUES (102, 1);
SELECT row_key, outcome FROM arka.decisions WHERE outcome IN ('review', 'allow') ORDER BY decision_id;

-- a rejected attempt leaves a non-transactional logical message (prefix arka)
SELECT 'slot' FROM pg_create_logical_replication_slot('arka_regress', 'test_decoding');
SELECT attempt($$INSERT INTO typed (id, n) VALUES (110, 5000)$$) AS rejected;
SELECT substring(data FROM 'prefix: ([a-z]+)') AS prefix,
	   data LIKE 'message: transactional: 0%' AS non_transactional,
	   (substring(data FROM 'content:(.*)$')::jsonb) - 'at' - 'xid' #- '{result,proof}' AS payload
FROM pg_logical_slot_get_changes('arka_regress', NULL, NULL)
WHERE data LIKE 'message:%';
SELECT pg_drop_replication_slot('arka_regress');

-- modes: log writes and records blocking rows; async leaves it to arka-cdc
SELECT arka_protect('typed', 'log', domains => '{TYPES}')->>'mode' AS mode;
INSERT INTO typed (id, n) VALUES (120, 5000);
SELECT row_key, mode, outcome, violations->0->>'rule_id' AS rule FROM arka.decisions WHERE mode = 'log';
SELECT arka_protect('typed', 'async', domains => '{TYPES}')->>'mode' AS mode;
INSERT INTO typed (id, n) VALUES (121, 5000);
SELECT table_name, mode, trigger FROM arka.protected_tables;
SELECT arka_protect('typed', domains => '{TYPES}') - 'table' AS back_to_block;

-- bypass attempts
-- arka.as_of back-tests arka_evaluate but cannot date a written row before a rule took effect
SET arka.as_of = '1990-01-01';
SELECT arka_define_rule('types.dated', '{">": [{"var": "i"}, 1000]}', 'US', 'TYPES', effective_from => '2000-01-01') AS v;
SELECT jsonb_path_query_array(arka_evaluate('{"i": 5000}', NULL, '{TYPES}'), '$.violations[*].rule_id') AS evaluate_as_of_1990;
SELECT attempt($$INSERT INTO typed (id, i) VALUES (129, 5000)$$) AS trigger_ignores_as_of;
RESET arka.as_of;
SELECT arka_disable_rule('types.dated');
SELECT attempt($$ALTER TABLE typed DISABLE TRIGGER zz_arka_enforce$$) AS disable_trigger;
SELECT attempt($$ALTER TABLE typed DISABLE TRIGGER ALL$$) AS disable_all;
SELECT attempt($$ALTER TABLE typed ENABLE TRIGGER zz_arka_enforce$$) AS not_always;
SELECT attempt($$ALTER TRIGGER zz_arka_enforce ON typed RENAME TO quiet$$) AS rename_trigger;
SELECT attempt($$DROP TRIGGER zz_arka_enforce ON typed$$) AS drop_trigger;
CREATE FUNCTION sneak() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN NEW.n := 99999; RETURN NEW; END $$;
SELECT attempt($$CREATE TRIGGER zzz_after_arka BEFORE INSERT ON typed FOR EACH ROW EXECUTE FUNCTION sneak()$$) AS trigger_after_arka;
CREATE TRIGGER aa_before_arka BEFORE INSERT ON typed FOR EACH ROW EXECUTE FUNCTION sneak();
SELECT attempt($$INSERT INTO typed (id, n) VALUES (130, 1)$$) AS arka_sees_the_final_row;
DROP TRIGGER aa_before_arka ON typed;
SET session_replication_role = replica;
SELECT attempt($$INSERT INTO typed (id, n) VALUES (131, 5000)$$) AS replica_role;
-- rules changed under replica mode reach the rule cache too: the catalog's
-- triggers fire always
SELECT arka_evaluate('{"n": 7}', domains => '{TYPES}')->>'outcome' AS before_rule;
SELECT arka_define_rule('types.seven', '{"==": [{"var": "n"}, 7]}', 'US', 'TYPES') AS v;
SELECT arka_evaluate('{"n": 7}', domains => '{TYPES}')->>'outcome' AS defined_under_replica;
SELECT arka_disable_rule('types.seven') AS v;
SELECT arka_evaluate('{"n": 7}', domains => '{TYPES}')->>'outcome' AS disabled_under_replica;
SELECT attempt($$UPDATE arka.rules SET enabled = false WHERE rule_id = 'types.seven'$$) AS still_immutable;
RESET session_replication_role;

-- a table owner who is not an arka administrator can neither disable nor unprotect
CREATE ROLE arka_table_owner;
CREATE TABLE owned (id int PRIMARY KEY, n numeric);
ALTER TABLE owned OWNER TO arka_table_owner;
SELECT arka_protect('owned', domains => '{TYPES}') - 'table' AS protected;
SET ROLE arka_table_owner;
SELECT attempt($$ALTER TABLE owned DISABLE TRIGGER zz_arka_enforce$$) AS owner_disables;
SELECT attempt($$DROP TRIGGER zz_arka_enforce ON owned$$) AS owner_drops;
SELECT attempt($$SELECT arka_unprotect('owned')$$) AS owner_unprotects;
SELECT attempt($$INSERT INTO owned VALUES (1, 5000)$$) AS owner_inserts;
RESET ROLE;

-- partitioned tables: protect the parent; existing and later partitions are checked
CREATE TABLE ppay (id int, region text, n numeric) PARTITION BY LIST (region);
CREATE TABLE ppay_eu PARTITION OF ppay FOR VALUES IN ('EU');
SELECT arka_protect('ppay', domains => '{TYPES}') - 'table' AS protected;
CREATE TABLE ppay_us PARTITION OF ppay FOR VALUES IN ('US');
SELECT attempt($$INSERT INTO ppay VALUES (1, 'EU', 500)$$) AS existing_partition;
SELECT attempt($$INSERT INTO ppay VALUES (2, 'US', 500)$$) AS later_partition;
SELECT attempt($$INSERT INTO ppay_us VALUES (3, 'US', 500)$$) AS partition_directly;
SELECT attempt($$INSERT INTO ppay VALUES (4, 'US', 5)$$) AS compliant_row;
SELECT attempt($$ALTER TABLE ppay_us DISABLE TRIGGER zz_arka_enforce$$) AS disable_on_partition;
SELECT tgrelid::regclass AS partition, tgenabled FROM pg_trigger
WHERE tgname = 'zz_arka_enforce' AND tgrelid::regclass::text LIKE 'ppay%' ORDER BY 1;

-- mappings: renamed columns, paths inside jsonb, constants; bad mappings refused
CREATE TABLE mapped (id int PRIMARY KEY, amt numeric, parties jsonb, kind text);
SELECT arka_define_rule('types.mapped', '{"and": [{">": [{"var": "amount"}, 100]}, {"==": [{"var": "payee.country"}, "IR"]}, {"==": [{"var": "currency"}, "USD"]}]}', 'US', 'TYPES');
SELECT arka_protect('mapped', domains => '{TYPES}',
	mapping => '{"amount": "amt", "payee": {"column": "parties", "path": "to"}, "currency": {"value": "USD"}}') - 'table' AS protected;
SELECT attempt($$INSERT INTO mapped VALUES (1, 500, '{"to": {"country": "IR"}}', 'x')$$) AS mapped_block;
SELECT attempt($$INSERT INTO mapped VALUES (2, 500, '{"to": {"country": "DE"}}', 'x')$$) AS mapped_allow;
SELECT attempt($$SELECT arka_protect('mapped', mapping => '{"amount": "no_such_column"}')$$) AS unknown_column;
SELECT attempt($$SELECT arka_protect('mapped', mapping => '{"amount": {"column": "amt", "path": "x"}}')$$) AS path_in_non_jsonb;
SELECT attempt($$SELECT arka_protect('mapped', mapping => '{"amount": 5}')$$) AS bad_source;
SELECT attempt($$SELECT arka_protect('mapped', mapping => '["amount"]')$$) AS not_an_object;
SELECT attempt($$SELECT arka_protect('mapped', 'strict')$$) AS bad_mode;
SELECT attempt($$SELECT arka_protect('arka.active_rules')$$) AS not_a_table;
SELECT attempt($$SELECT arka_unprotect('ppay_eu')$$) AS not_protected;

-- name (fixed-width) and real (float4) columns read as what they hold
CREATE TABLE odd_types (id int PRIMARY KEY, nm name, r real);
SELECT arka_define_rule('types.name_real', '{"or": [{"==": [{"var": "nm"}, "alice"]}, {"==": [{"var": "r"}, 0.1]}]}', 'US', 'ODD');
SELECT arka_protect('odd_types', domains => '{ODD}') - 'table' AS protected;
SELECT attempt($$INSERT INTO odd_types VALUES (1, 'alice', 1)$$) AS name_alice;
SELECT attempt($$INSERT INTO odd_types VALUES (2, 'bob', 0.1)$$) AS real_point_one;
SELECT attempt($$INSERT INTO odd_types VALUES (3, 'bob', 0.2)$$) AS neither;
DROP TABLE odd_types;

-- jsonb columns are read in place at any alignment: a short datum (its
-- container one byte into the tuple), a long inline one, a compressed one
-- and one stored out of line (an UPDATE's unchanged column) must all
-- decide as arka_evaluate does on the same document, for strings, numbers,
-- array elements, lengths, whole arrays and a scalar document
SELECT rule, arka_define_rule(rule, logic::jsonb, 'US', 'JDOC')
FROM (VALUES
	('jdoc.amount',	'{">": [{"var": "j.amount"}, 100]}'),
	('jdoc.elem',	'{"==": [{"var": "j.items.1.code"}, "X"]}'),
	('jdoc.count',	'{">": [{"var": "j.items.length"}, 3]}'),
	('jdoc.tags',	'{"in": ["bad", {"var": "j.tags"}]}'),
	('jdoc.deep',	'{"==": [{"var": "j.a.b.c"}, 7.5]}')
) AS r(rule, logic);
CREATE TEMP TABLE jcases (id int, j jsonb);
INSERT INTO jcases VALUES
	(1, '{"amount": 100.5}'), (2, '{"amount": 99}'),
	(3, '{"x": "y", "items": [{"code": "A"}, {"code": "X"}]}'), (4, '{"items": [1, {"code": "Y"}]}'),
	(5, '{"items": [1, 2, 3, 4]}'), (6, '{"tags": ["ok", "bad"]}'), (7, '{"tags": ["ok"]}'),
	(8, '{"a": {"b": {"c": 7.50}}}'), (9, '{"a": {"b": 1}}'), (10, '5'), (11, '[1, 2]'),
	-- long inline (4-byte header), then compressed, then stored out of line
	(12, jsonb_build_object('pad', repeat('p', 200), 'amount', 101)),
	(13, jsonb_build_object('pad', repeat('p', 5000), 'amount', 50, 'tags', '["bad"]'::jsonb)),
	(14, jsonb_build_object('pad', (SELECT string_agg(md5(g::text), '') FROM generate_series(1, 400) g),
							'items', '[0, {"code": "X"}]'::jsonb));
-- the long ones are written before protection, so they are stored as such
CREATE TABLE jdocs (id int PRIMARY KEY, j jsonb);
INSERT INTO jdocs SELECT * FROM jcases WHERE id >= 12;
SELECT id, pg_column_size(j) > 127 AS long_datum, pg_column_size(j) < 1000 AS compressed FROM jdocs ORDER BY id;
SELECT pg_relation_size(reltoastrelid) > 0 AS out_of_line FROM pg_class WHERE relname = 'jdocs';
-- the dry run reads them from disk; the trigger reads the short ones
SELECT arka_protect('jdocs', domains => '{JDOC}') - 'table' AS protected;
SELECT id, pg_column_size(j) > 127 AS long_datum, attempt(format('INSERT INTO jdocs VALUES (%s, %L)', id, j)) AS trigger,
	   arka_evaluate(jsonb_build_object('j', j), NULL, '{JDOC}')->'violations' @? '$[*] ? (@.action == "block")' AS evaluate_blocks
FROM jcases WHERE id < 12 ORDER BY id;
-- an UPDATE that leaves j alone hands the trigger the stored (compressed or toasted) datum
SELECT id, attempt(format('UPDATE jdocs SET id = %s WHERE id = %s', id + 100, id)) AS update_keeping_j
FROM jdocs ORDER BY id;
SELECT arka_unprotect('jdocs');
DROP TABLE jdocs;

-- the dry run frees its table program (malloc'd outside memory contexts):
-- 2,000 dry runs in one transaction leave the backend's memory as it was
-- (private memory, RssAnon; each used to keep 5 to 64 kB until the backend exited)
CREATE FUNCTION rss_kb() RETURNS bigint LANGUAGE sql AS
$$ SELECT substring(pg_read_file('/proc/' || pg_backend_pid() || '/status') from 'RssAnon:\s*(\d+) kB')::bigint $$;
DO $$
DECLARE
	before	bigint;
BEGIN
	FOR i IN 1..100 LOOP PERFORM arka._dry_run('mapped', 10); END LOOP;
	before := rss_kb();
	FOR i IN 1..2000 LOOP PERFORM arka._dry_run('mapped', 10); END LOOP;
	IF rss_kb() - before > 2048 THEN
		RAISE EXCEPTION 'dry runs kept % kB', rss_kb() - before;
	END IF;
END
$$;
DROP FUNCTION rss_kb();

-- dropping a protected table drops its protection
DROP TABLE mapped;
SELECT table_name FROM arka.protected_tables ORDER BY 1;

SELECT arka_unprotect(t) FROM unnest(ARRAY['typed', 'owned', 'ppay']::regclass[]) AS t;
DROP TABLE typed, owned, ppay;
DROP FUNCTION sneak();
DROP ROLE arka_table_owner;
DROP EXTENSION arka;
DROP TYPE channel_t;
DROP DOMAIN amount_t;
DROP FUNCTION attempt(text);
