-- make demo, arka-cdc part (scripts/demo.sh runs it in three steps around
-- the daemon: psql -v part=setup | part=write | part=show).
\set ON_ERROR_STOP on
\pset pager off
\if :{?part}
\else
\echo 'run with -v part=setup, then part=write, then part=show (see scripts/demo.sh)'
\quit
\endif
SELECT :'part' = 'setup' AS setup, :'part' = 'write' AS write, :'part' = 'show' AS show \gset

\if :setup
CREATE EXTENSION IF NOT EXISTS arka;
SELECT arka_define_rule('demo.large_cash', '{"and": [{"==": [{"var": "channel"}, "cash"]}, {">=": [{"var": "amount"}, 10000]}]}',
	'US', 'AML', 'review', 'medium', 'cash of 10,000 or more: currency transaction report');
SELECT arka_define_rule('demo.sanctioned_country', '{"in": [{"var": "payee_country"}, ["IR", "KP", "SY", "CU"]]}',
	'US', 'SANCTIONS', 'block', 'critical', 'payee in a comprehensively sanctioned country');
-- a table the trigger only watches (log) and one it enforces (block)
CREATE TABLE ledger (id bigint PRIMARY KEY, amount numeric(14,2), channel text, payee_country text);
SELECT arka_protect('ledger', 'log');
CREATE TABLE transfers (id bigint PRIMARY KEY, amount numeric(14,2), channel text, payee_country text);
SELECT arka_protect('transfers', 'block');
\endif

\if :write
\echo '-- committed rows of the log-mode table: one ordinary, one large cash deposit, one to a sanctioned country'
INSERT INTO ledger VALUES (1, 120.00, 'card', 'DE'), (2, 12500.00, 'cash', 'US'), (3, 900.00, 'wire', 'IR');
\echo '-- an attempt the block-mode trigger rejects (the error is expected):'
\set ON_ERROR_STOP off
INSERT INTO transfers VALUES (10, 5000.00, 'wire', 'KP');
\set ON_ERROR_STOP on
\endif

\if :show
\echo '-- arka.flags: what arka-cdc flagged among the committed rows'
SELECT table_name, row_key, operation, kind, outcome,
	   (SELECT string_agg(v->>'rule_id', ', ') FROM jsonb_array_elements(violations) v) AS rules,
	   left(proof_id, 16) || '…' AS proof_id, commit_lsn
FROM arka.flags ORDER BY commit_lsn, change_seq;
\echo '-- the same proof id as arka_evaluate over the same row:'
SELECT f.row_key, f.proof_id = (arka_evaluate(to_jsonb(l)))->'proof'->>'proof_id' AS same_proof
FROM arka.flags f JOIN ledger l ON l.id = (f.row_key->>'id')::bigint WHERE f.table_name = 'public.ledger';
\echo '-- arka.rejections: the rejected attempt, recorded from its logical message'
SELECT table_name, row_key, operation, outcome, attempted_by, message_lsn,
	   (SELECT string_agg(v->>'rule_id', ', ') FROM jsonb_array_elements(violations) v) AS rules
FROM arka.rejections ORDER BY rejection_id;
\echo '-- arka.cdc_status'
SELECT slot_name, processed_lsn, confirmed_flush_lsn, lag_bytes, changes, flags, rejections FROM arka.cdc_status;
\endif
