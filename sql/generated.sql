-- Stored generated columns.  PostgreSQL computes them after the BEFORE ROW
-- triggers, so the trigger's row holds NULL there on INSERT and the old
-- value on UPDATE; arka computes them itself.  A rule that reads one
-- decides on the value the row is stored with, on INSERT, UPDATE and
-- COPY, and a recorded decision's proof is the stored row's.
CREATE EXTENSION arka;
\i sql/helpers.inc
SELECT arka_define_rule('gen.block_usd', '{">": [{"var": "amount_usd"}, 10000]}', 'US', 'GEN', 'block');
SELECT arka_define_rule('gen.review_usd', '{">": [{"var": "amount_usd"}, 1000]}', 'US', 'GEN', 'review', 'low');
CREATE TABLE pay (id int PRIMARY KEY, amount numeric, fx numeric,
	amount_usd numeric GENERATED ALWAYS AS (amount * fx) STORED);
SELECT arka_protect('pay', domains => '{GEN}')->>'mode' AS mode;

-- 20,000 at 1.1 is 22,000 USD: blocked
SELECT sqlstate_of($$INSERT INTO pay VALUES (1, 20000, 1.1)$$) AS insert_over_limit;
-- 2,000 at 1.1: a review, with the computed amount as evidence
INSERT INTO pay VALUES (2, 2000, 1.1);
SELECT row_key, outcome, violations->0->'evidence' AS evidence FROM arka.decisions;
-- the recorded proof is the proof of the row as stored
SELECT d.proof_id = arka_evaluate(to_jsonb(p), domains => '{GEN}')->'proof'->>'proof_id' AS proof_of_stored_row
FROM arka.decisions d JOIN pay p ON p.id = (d.row_key->>'id')::int;
-- UPDATE: the new rate makes 2,000 into 20,000 USD; the old value is not read
SELECT sqlstate_of($$UPDATE pay SET fx = 10 WHERE id = 2$$) AS update_over_limit;
UPDATE pay SET fx = 0.1 WHERE id = 2;
SELECT id, amount_usd FROM pay ORDER BY id;
-- COPY
SELECT sqlstate_of($$COPY pay (id, amount, fx) FROM PROGRAM 'echo 3,50000,1' WITH (FORMAT csv)$$) AS copy_over_limit;
SELECT count(*) AS rows_written FROM pay;

-- a generated column added later is computed too: ALTER TABLE recompiles
-- the table's program
ALTER TABLE pay ADD COLUMN fee numeric GENERATED ALWAYS AS (amount * 0.6) STORED;
SELECT arka_define_rule('gen.fee', '{">": [{"var": "fee"}, 5000]}', 'US', 'GEN', 'block');
SELECT sqlstate_of($$INSERT INTO pay VALUES (4, 9000, 0.1)$$) AS fee_over_limit;
INSERT INTO pay VALUES (5, 8000, 0.1);
SELECT id, amount_usd, fee FROM pay ORDER BY id;

SELECT arka_unprotect('pay');
DROP TABLE pay;
DROP EXTENSION arka;
DROP FUNCTION sqlstate_of(text);
