\echo
\echo '== 1. Install arka and the four shipped rule packs'
CREATE EXTENSION arka;
SELECT p AS pack, arka_install_pack(p) AS rules
FROM unnest(ARRAY['us_bsa', 'ofac_country', 'fatf_high_risk', 'eu_amlr']) AS p;
SELECT rule_id, version, action, jurisdiction, coalesce(effective_from::text, 'in force') AS effective
FROM arka.active_rules ORDER BY rule_id;

\echo
\echo '== 2. Decide payments with arka_evaluate (outcome, rules fired, proof id)'
CREATE TEMP TABLE samples (label text, doc jsonb);
INSERT INTO samples VALUES
('domestic wire, complete',
 '{"id":"p-1","amount":2500.00,"currency":"USD","channel":"wire",
   "payer":{"name":"Ana Lima","account":"US-001","address":"1 Main St","country":"US"},
   "payee":{"name":"Bo Chen","account":"US-002","country":"US"}}'),
('cash deposit $10,000.00 (CTR needs MORE than $10,000)',
 '{"id":"p-2","amount":10000.00,"currency":"USD","channel":"cash","payer":{"name":"C","country":"US"}}'),
('cash deposit $10,000.01',
 '{"id":"p-3","amount":10000.01,"currency":"USD","channel":"cash","payer":{"name":"C","country":"US"}}'),
('wire $3,000 without beneficiary account (travel rule)',
 '{"id":"p-4","amount":3000,"currency":"USD","channel":"wire",
   "payer":{"name":"Ana Lima","account":"US-001","address":"1 Main St","country":"US"},
   "payee":{"name":"Dmitri","country":"DE"}}'),
('wire to Iran',
 '{"id":"p-5","amount":120,"currency":"USD","channel":"wire",
   "payer":{"name":"Ana Lima","account":"US-001","address":"1 Main St","country":"US"},
   "payee":{"name":"E","account":"IR-9","country":"IR"}}'),
('wire to Syria (comprehensive program ended 1 July 2025)',
 '{"id":"p-6","amount":120,"currency":"USD","channel":"wire",
   "payer":{"name":"Ana Lima","account":"US-001","address":"1 Main St","country":"US"},
   "payee":{"name":"F","account":"SY-1","country":"SY"}}'),
('payment to Myanmar (FATF enhanced due diligence)',
 '{"id":"p-7","amount":800,"currency":"EUR","channel":"card","payer":{"country":"FR"},"payee":{"country":"MM"}}');

SELECT label, r->>'outcome' AS outcome, r->'compliant' AS compliant,
	   jsonb_path_query_array(r, '$.violations[*].rule_id') AS fired,
	   left(r->'proof'->>'proof_id', 16) || '…' AS proof_id
FROM samples, arka_evaluate(doc) AS r;

\echo
\echo '== 3. Each violation carries its evidence: the values that made the rule fire'
SELECT jsonb_pretty((arka_evaluate(doc)->'violations'->0) - 'description') AS violation
FROM samples WHERE label LIKE 'wire $3,000%';

\echo
\echo '== 4. Money is exact: JSON Logic over decimals, not binary floating point'
SELECT arka_apply('{"+": [0.1, 0.2]}') AS "0.1 + 0.2",
	   arka_apply('{">=": [{"*": [100.10, 3]}, 300.30]}') AS "100.10 * 3 >= 300.30",
	   arka_apply('{">": [10000.001, 10000]}') AS "10000.001 > 10000";

\echo
\echo '== 5. The EU cash limit is not in force until 10 July 2027 (arka.as_of back-tests)'
SET arka.as_of = '2027-07-10';
SELECT arka_evaluate('{"amount":10000.50,"currency":"EUR","channel":"cash"}', '{EU}')->>'outcome' AS outcome_on_2027_07_10;
RESET arka.as_of;

\echo
\echo '== 6. Proof ids are deterministic; the leaf explains them (docs/proof.md)'
SELECT arka_explain_proof(doc) AS leaf FROM samples WHERE label = 'wire to Iran';

\echo
\echo '== 7. Enforcement: protect a payments table; the trigger decides every write'
CREATE TABLE payments (
	id bigserial PRIMARY KEY, amount numeric(18,2) NOT NULL, currency char(3) NOT NULL,
	channel text NOT NULL, payer_name text, payer_account text, payer_address text,
	payer_country char(2), beneficiary jsonb);
SELECT arka_protect('payments', mapping => '{
	"payer.name": "payer_name", "payer.account": "payer_account",
	"payer.address": "payer_address", "payer.country": "payer_country",
	"payee": {"column": "beneficiary"}}') AS protection;

\echo
\echo '-- a compliant wire is written'
INSERT INTO payments (amount, currency, channel, payer_name, payer_account, payer_address, payer_country, beneficiary)
VALUES (2500, 'USD', 'wire', 'Ana Lima', 'US-001', '1 Main St', 'US',
		'{"name": "Bo Chen", "account": "DE-002", "country": "DE"}') RETURNING id, amount;

\echo
\echo '-- a cash deposit over $10,000 is written and recorded for review (same transaction)'
INSERT INTO payments (amount, currency, channel, payer_name, payer_country)
VALUES (12500, 'USD', 'cash', 'Carla Diaz', 'US') RETURNING id, amount;
SELECT table_name, row_key, outcome, violations->0->>'rule_id' AS rule, left(proof_id, 16) || '…' AS proof
FROM arka.decisions;

\echo
\echo '-- a wire to Iran is rejected: what the application receives (SQLSTATE ZA001)'
\set ON_ERROR_STOP off
\set VERBOSITY verbose
INSERT INTO payments (amount, currency, channel, payer_name, payer_account, payer_address, payer_country, beneficiary)
VALUES (900, 'USD', 'wire', 'Ana Lima', 'US-001', '1 Main St', 'US',
		'{"name": "E", "account": "IR-9", "country": "IR"}');
\echo
\echo '-- ... and bypassing it is refused, even to the table owner'
ALTER TABLE payments DISABLE TRIGGER zz_arka_enforce;
\set VERBOSITY default
\set ON_ERROR_STOP on
SELECT count(*) AS rows_written FROM payments;

\echo
\echo '== 8. Sanctions screening: load the real OFAC SDN list, screen names, block a payment to a listed party'
\set sdn :ofac/ofac_sdn.csv
\set alt :ofac/ofac_alt.csv
\set add :ofac/ofac_add.csv
SELECT arka_load_ofac(pg_read_file(:'sdn'), pg_read_file(:'alt'), pg_read_file(:'add')) AS sdn_entries_loaded;
SELECT list_name, entry_count, alias_count, identifier_count, left(source_sha256, 16) || '…' AS version
FROM arka.watchlists;
SELECT q AS name_screened, s.entry_id, s.matched_name, round(s.score::numeric, 3) AS score,
	   s.entry->>'name_kind' AS matched
FROM unnest(ARRAY['Nicolás Maduro', 'Caribex', 'BELLETECH CORP', 'Ana Lima']) AS q
LEFT JOIN LATERAL arka_screen(q, max_results => 1) s ON true;
SELECT arka_install_pack('ofac_sdn_screening') AS rules;
\echo
\echo '-- a wire to a listed person is rejected; the DETAIL names the matched SDN entry'
\set ON_ERROR_STOP off
INSERT INTO payments (amount, currency, channel, payer_name, payer_account, payer_address, payer_country, beneficiary)
VALUES (2500, 'USD', 'wire', 'Ana Lima', 'US-001', '1 Main St', 'US',
		'{"name": "MADURO MOROS, Nicolas", "account": "VE-1", "country": "DE"}');
\set ON_ERROR_STOP on
SELECT v->>'rule_id' AS rule, m->>'entry_id' AS sdn_entry, m->>'matched_name' AS matched_name,
	   round((m->>'score')::numeric, 3) AS score
FROM arka_evaluate('{"payee": {"name": "MADURO MOROS, Nicolas"}}', domains => '{SANCTIONS}') AS r,
	 jsonb_array_elements(r->'violations') AS v,
	 jsonb_array_elements(v->'evidence'->'sanctions_matches') AS m;
