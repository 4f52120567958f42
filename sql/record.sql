-- arka.decisions is a table DBAs extend.  The trigger records into it as
-- an INSERT would: expression and partial indexes get the entries an
-- INSERT gives them, added columns get their defaults, constraints hold;
-- and the table can be altered, indexed or truncated in a transaction
-- that has already recorded decisions.
CREATE EXTENSION arka;
CREATE EXTENSION amcheck;
\i sql/helpers.inc
SELECT arka_define_rule('rec.review', '{">": [{"var": "amount"}, 100]}', 'US', 'REC', 'review', 'low');
SELECT arka_define_rule('rec.block', '{">": [{"var": "amount"}, 10000]}', 'US', 'REC', 'block');
CREATE TABLE pay (id int PRIMARY KEY, amount numeric);
SELECT arka_protect('pay', 'log', domains => '{REC}')->>'mode' AS mode;

-- an expression index, and a partial index the reviews do not belong in
CREATE INDEX decisions_by_id ON arka.decisions (((row_key->>'id')::int));
CREATE INDEX decisions_blocked ON arka.decisions (decision_id) WHERE outcome = 'block';
INSERT INTO pay VALUES (1, 500), (2, 5), (3, 700), (4, 20000);
-- amcheck's heapallindexed: every decision that belongs in an index is in it
SELECT 'complete' AS expression_index FROM bt_index_check('arka.decisions_by_id', true);
SELECT 'complete' AS partial_index FROM bt_index_check('arka.decisions_blocked', true);
SET enable_seqscan = off;
SET enable_bitmapscan = off;
EXPLAIN (COSTS OFF) SELECT outcome FROM arka.decisions WHERE (row_key->>'id')::int = 3;
SELECT outcome FROM arka.decisions WHERE (row_key->>'id')::int = 3;
EXPLAIN (COSTS OFF) SELECT row_key FROM arka.decisions WHERE outcome = 'block' ORDER BY decision_id;
SELECT row_key FROM arka.decisions WHERE outcome = 'block' ORDER BY decision_id;
RESET enable_seqscan;
RESET enable_bitmapscan;

-- an added column gets its default; a stored generated column is computed
ALTER TABLE arka.decisions
	ADD COLUMN tenant text NOT NULL DEFAULT coalesce(current_setting('app.tenant', true), 'none'),
	ADD COLUMN amount numeric GENERATED ALWAYS AS ((violations->0->'evidence'->>'amount')::numeric) STORED;
SET app.tenant = 'eu-1';
INSERT INTO pay VALUES (5, 800);
SELECT row_key, tenant, amount FROM arka.decisions WHERE row_key = '{"id": 5}';

-- a constraint the decision breaks fails the write, with its own error
ALTER TABLE arka.decisions ADD CONSTRAINT reviews_under_1000 CHECK (outcome <> 'review' OR amount < 1000);
SELECT sqlstate_of($$INSERT INTO pay VALUES (6, 5000)$$) AS breaks_check;
SELECT count(*) AS payment_not_written FROM pay WHERE id = 6;
-- an error out of the writer under a savepoint leaves it usable
BEGIN;
INSERT INTO pay VALUES (7, 300);
SAVEPOINT s;
\set VERBOSITY terse
INSERT INTO pay VALUES (8, 5000);
\set VERBOSITY default
ROLLBACK TO s;
INSERT INTO pay VALUES (9, 400);
COMMIT;
SELECT row_key FROM arka.decisions WHERE row_key->>'id' IN ('7', '8', '9') ORDER BY decision_id;
ALTER TABLE arka.decisions DROP CONSTRAINT reviews_under_1000;

-- DDL on arka.decisions in a transaction that has recorded decisions:
-- a new index gets the later decisions' entries
BEGIN;
INSERT INTO pay VALUES (10, 500);
CREATE INDEX decisions_by_amount ON arka.decisions (amount);
INSERT INTO pay VALUES (11, 600);
ALTER TABLE arka.decisions DROP COLUMN tenant;
INSERT INTO pay VALUES (12, 650);
COMMIT;
SELECT 'complete' AS new_index FROM bt_index_check('arka.decisions_by_amount', true);
SELECT row_key, amount FROM arka.decisions WHERE row_key->>'id' IN ('10', '11', '12') ORDER BY decision_id;
-- TRUNCATE, and a decision after it
BEGIN;
INSERT INTO pay VALUES (13, 500);
TRUNCATE arka.decisions;
INSERT INTO pay VALUES (14, 500);
COMMIT;
SELECT row_key FROM arka.decisions;
-- a rolled-back savepoint takes its decisions with it
BEGIN;
INSERT INTO pay VALUES (15, 500);
SAVEPOINT s;
INSERT INTO pay VALUES (16, 500);
ROLLBACK TO s;
INSERT INTO pay VALUES (17, 500);
COMMIT;
SELECT row_key FROM arka.decisions WHERE row_key->>'id' IN ('15', '16', '17') ORDER BY decision_id;

-- a column arka writes is missing: the write fails, clearly
BEGIN;
ALTER TABLE arka.decisions RENAME COLUMN proof_id TO proof;
SELECT sqlstate_of($$INSERT INTO pay VALUES (18, 500)$$) AS missing_column;
ROLLBACK;

-- a column arka writes has another type: the write fails, clearly (a name
-- stored into a text column was read as a varlena and crashed the backend)
BEGIN;
ALTER TABLE arka.decisions ALTER COLUMN decided_by TYPE text;
INSERT INTO pay VALUES (18, 500);
ROLLBACK;

-- a default of arka.decisions that runs a utility command (SET LOCAL)
-- while the decision row is being filled: the writer stays open under it,
-- also after the function caught an error in a block of its own (that
-- subtransaction's abort does not end the insert)
CREATE FUNCTION rec_default_with_set() RETURNS text LANGUAGE plpgsql AS $$
BEGIN
	BEGIN
		PERFORM 1 / 0;
	EXCEPTION WHEN division_by_zero THEN
		NULL;
	END;
	SET LOCAL app.source = 'default';
	RETURN current_setting('app.source');
END $$;
BEGIN;
ALTER TABLE arka.decisions ADD COLUMN source text;
ALTER TABLE arka.decisions ALTER COLUMN source SET DEFAULT rec_default_with_set();
INSERT INTO pay VALUES (18, 500), (19, 600);
SELECT row_key, source FROM arka.decisions WHERE row_key->>'id' IN ('18', '19') ORDER BY decision_id;
ROLLBACK;

-- a default that writes to a protected table would record a decision into
-- the row being filled: refused
CREATE FUNCTION rec_default_with_write() RETURNS text LANGUAGE plpgsql AS $$
BEGIN
	INSERT INTO pay VALUES (90, 900);
	RETURN 'written';
END $$;
BEGIN;
ALTER TABLE arka.decisions ADD COLUMN nested text;
ALTER TABLE arka.decisions ALTER COLUMN nested SET DEFAULT rec_default_with_write();
INSERT INTO pay VALUES (18, 500);
ROLLBACK;
SELECT count(*) AS nothing_written FROM pay WHERE id IN (18, 90);

-- a default that calls arka_evaluate while the trigger decides is refused:
-- it would reuse the memory of the decision being recorded.  Caught in the
-- default's own block, the outer decision is recorded intact.
CREATE FUNCTION rec_default_with_evaluate() RETURNS text LANGUAGE plpgsql AS $$
BEGIN
	RETURN arka_evaluate('{"amount": 1}', domains => '{OTHER}')->>'ruleset_version';
EXCEPTION WHEN object_not_in_prerequisite_state THEN
	RETURN SQLERRM;
END $$;
BEGIN;
ALTER TABLE arka.decisions ADD COLUMN nested_eval text;
ALTER TABLE arka.decisions ALTER COLUMN nested_eval SET DEFAULT rec_default_with_evaluate();
INSERT INTO pay VALUES (18, 500);
SELECT nested_eval,
	   ruleset_version = arka_evaluate('{"id": 18, "amount": 500}', domains => '{REC}')->>'ruleset_version'
		 AS ruleset_version_intact,
	   proof_id = arka_evaluate('{"id": 18, "amount": 500}', domains => '{REC}')->'proof'->>'proof_id'
		 AS proof_id_intact
FROM arka.decisions WHERE row_key->>'id' = '18';
ROLLBACK;
DROP FUNCTION rec_default_with_set(), rec_default_with_write(), rec_default_with_evaluate();

-- a key of several columns, one of them jsonb: an object in jsonb's key order
CREATE TABLE pay2 (meta jsonb, id int, amount numeric, PRIMARY KEY (meta, id));
SELECT arka_protect('pay2', 'log', domains => '{REC}')->>'mode' AS mode;
INSERT INTO pay2 VALUES ('{"b": [1, 2], "a": null}', 7, 500);
SELECT row_key FROM arka.decisions WHERE table_name = 'public.pay2';
SELECT arka_unprotect('pay2');
DROP TABLE pay2;
-- a replica identity index naming a column twice: the column once
CREATE TABLE pay3 (a int NOT NULL, amount numeric);
CREATE UNIQUE INDEX pay3_a_a ON pay3 (a, a);
ALTER TABLE pay3 REPLICA IDENTITY USING INDEX pay3_a_a;
SELECT arka_protect('pay3', 'log', domains => '{REC}')->>'mode' AS mode;
INSERT INTO pay3 VALUES (5, 500);
SELECT row_key FROM arka.decisions WHERE table_name = 'public.pay3';
SELECT arka_unprotect('pay3');
DROP TABLE pay3;

-- the extension can go in the same transaction
BEGIN;
INSERT INTO pay VALUES (19, 500);
SELECT arka_unprotect('pay');
DROP EXTENSION arka;
ROLLBACK;
SELECT count(*) AS decisions_kept FROM arka.decisions;

SELECT arka_unprotect('pay');
DROP TABLE pay;
DROP EXTENSION arka;
DROP EXTENSION amcheck;
DROP FUNCTION sqlstate_of(text);
