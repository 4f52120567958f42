-- Workload behind test/cdc/data/wal2json_v2.jsonl: real wal2json 2.5
-- (format-version 2) output captured from PostgreSQL 15 with the options
-- arka-cdc sends (see cdc/pgsql.c, pgsql_wal2json_options).  To refresh
-- it, on a throwaway cluster with wal_level = logical and wal2json in
-- output_plugin_libraries:
--   psql -c "SELECT pg_create_logical_replication_slot('cap', 'wal2json')"
--   psql -f test/cdc/data/capture.sql
--   PGOPTIONS='-c TimeZone=UTC -c DateStyle=ISO -c extra_float_digits=1' \
--   pg_recvlogical --slot cap --start -E "$(psql -Atc 'SELECT pg_current_wal_lsn()')" \
--     -o format-version=2 -o include-xids=1 -o include-timestamp=1 \
--     -o include-lsn=1 -o include-transaction=1 -o include-pk=1 \
--     -o include-type-oids=1 -o include-types=1 -o include-typmod=1 \
--     -o include-schemas=1 -o include-domain-data-type=1 \
--     -o add-msg-prefixes=arka -f test/cdc/data/wal2json_v2.jsonl
-- The slot must be created before the workload runs.  The commit
-- timestamps, xids and LSNs differ on every run; the tests check shapes
-- and values, not those.
SET synchronous_commit = on;

CREATE TABLE payments (
	id bigint PRIMARY KEY,
	amount numeric(20,2),
	fee numeric,
	rate float8,
	ratio real,
	small int2,
	qty int4,
	ok boolean,
	payer_name text,
	note text,
	raw bytea,
	tags text[],
	meta jsonb,
	occurred_at timestamptz,
	d date,
	"Weird ""Col""" text
);
-- EXTERNAL: a long note is moved out of line (TOAST) without compression,
-- so an UPDATE that leaves it alone sends no value for it.
ALTER TABLE payments ALTER COLUMN note SET STORAGE EXTERNAL;
CREATE TABLE nopk (a int, b text);
-- a domain over numeric: wal2json prints its values as JSON strings
CREATE DOMAIN money_amount AS numeric(12,2);
CREATE TABLE dom (id int PRIMARY KEY, amt money_amount, amts numeric[]);

-- 1: the decimal torture row
INSERT INTO payments VALUES (1, 10000.01, 1234567890123456789.123456789, 1e-7, 0.1, -5, 42,
	true, 'Ann "the" O''Brien', 'short', '\x00ff41', ARRAY['a','b c'],
	'{"k": [1, 2.50, "x"], "amount": 1234567890123456789.123456789}',
	'2024-03-01 12:34:56.789+00', '2024-03-01', 'w');
-- 2: negative zeros and a TOASTed note
INSERT INTO payments (id, amount, fee, rate, note) VALUES (2, -0.00, -0.0, '-0', repeat('toast-me-', 300));
-- 3: NaN and infinities (wal2json 2.5 prints null), escapes and non-ASCII
INSERT INTO payments (id, amount, fee, rate, ratio, payer_name)
	VALUES (3, 'NaN', 'NaN', 'Infinity', '-Infinity', E'tab\there\nnewline \u00e9 \U0001F600 \\ back');
-- 4: beyond int64 and beyond double
INSERT INTO payments (id, fee, rate, small, qty) VALUES (4, 1e30, 1.7976931348623157e308, -32768, 2147483647);
INSERT INTO payments (id, fee, rate) VALUES (5, 9.99e400, 5e-324);
INSERT INTO payments (id, fee, amount) VALUES (9223372036854775807, 0.0000001, -99999999999999999.99);
INSERT INTO payments (id, fee) VALUES (-9223372036854775808, -1e-30);

-- several changes in one transaction; the note of 2 stays TOASTed (absent)
BEGIN;
UPDATE payments SET amount = 20.5 WHERE id = 2;
UPDATE payments SET id = 20, amount = 1 WHERE id = 1;
INSERT INTO payments (id, amount) VALUES (6, 0.1), (7, 0.2);
COMMIT;

-- REPLICA IDENTITY FULL: identity carries the whole old row, TOAST included
ALTER TABLE payments REPLICA IDENTITY FULL;
UPDATE payments SET amount = 30 WHERE id = 2;
ALTER TABLE payments REPLICA IDENTITY DEFAULT;

DELETE FROM payments WHERE id = 3;

-- messages: transactional (kept), non-transactional in a rolled-back
-- transaction (kept, xid null), other prefix (filtered by add-msg-prefixes)
SELECT pg_logical_emit_message(true, 'arka', '{"table":"public.payments","row_key":{"id":7},"outcome":"block","amount":12.30}');
BEGIN;
SELECT pg_logical_emit_message(false, 'arka', E'{"rejected":true,"note":"quote \\" and \\\\ backslash","amount":10000.01}');
ROLLBACK;
SELECT pg_logical_emit_message(true, 'other', 'ignored');

-- no primary key: INSERT is sent; UPDATE/DELETE are skipped with a warning
INSERT INTO nopk VALUES (1, 'x');
UPDATE nopk SET b = 'y';
DELETE FROM nopk;
TRUNCATE nopk;

-- rolled back: nothing is sent
BEGIN;
INSERT INTO payments (id, amount) VALUES (100, 1);
ROLLBACK;

-- subtransaction: only the surviving row is sent
BEGIN;
INSERT INTO payments (id, amount) VALUES (200, 2);
SAVEPOINT s;
INSERT INTO payments (id, amount) VALUES (201, 3);
ROLLBACK TO s;
COMMIT;

INSERT INTO dom VALUES (1, 12.30, '{1.5,2}');

-- heartbeat
SELECT pg_logical_emit_message(true, 'arka', 'hb');
