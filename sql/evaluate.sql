-- arka_evaluate: result shape, outcomes, exact thresholds, evidence,
-- filters, effective dates, proof ids and hostile input.
CREATE EXTENSION arka;
SELECT arka_install_pack(p) AS rules, p AS pack
FROM unnest(ARRAY['us_bsa', 'ofac_country', 'fatf_high_risk', 'eu_amlr']) AS p;

\i sql/helpers.inc

-- a complete, compliant domestic wire
CREATE TEMP TABLE base AS SELECT jsonb_build_object(
	'id', 'tx-1', 'type', 'payment', 'amount', 2500.00, 'currency', 'USD', 'channel', 'wire',
	'occurred_at', '2026-11-26T10:00:00Z',
	'payer', jsonb_build_object('name', 'Ana Lima', 'account', 'US-001', 'address', '1 Main St, Springfield', 'country', 'US'),
	'payee', jsonb_build_object('name', 'Bo Chen', 'account', 'US-002', 'address', '2 Oak Ave, Shelbyville', 'country', 'US')) AS doc;

-- the v1 result shape, exactly
SELECT jsonb_object_keys(arka_evaluate(doc)) AS key FROM base ORDER BY 1;
SELECT r->'outcome' AS outcome, r->'compliant' AS compliant, r->'violations' AS violations,
	   r->'proof'->>'alg' AS alg, length(r->'proof'->>'proof_id') AS proof_len,
	   r->>'proof_id' IS NULL AS no_stray_keys
FROM base, arka_evaluate(doc) AS r;

-- CTR: cash in USD of MORE than 10,000 is review; exactly 10,000 is not
SELECT amount, r->>'outcome' AS outcome, r->'compliant' AS compliant,
	   jsonb_path_query_array(r, '$.violations[*].rule_id') AS rules
FROM base, unnest(ARRAY[10000, 10000.00, 10000.001, 10000.01, 12000]::numeric[]) AS amount,
	 arka_evaluate(doc || jsonb_build_object('amount', amount, 'channel', 'cash')) AS r
ORDER BY amount;

-- travel rule: wires of 3,000 OR MORE missing originator/beneficiary data are blocked
SELECT amount, missing, r->>'outcome' AS outcome, r->'compliant' AS compliant,
	   jsonb_path_query_array(r, '$.violations[*].rule_id') AS rules
FROM base,
	 unnest(ARRAY[2999.99, 3000, 3000.00]::numeric[]) AS amount,
	 unnest(ARRAY['payer.name', 'payer.account', 'payer.address', 'payee.name', 'payee.account', 'payee.address']) AS missing,
	 arka_evaluate(jsonb_set(doc || jsonb_build_object('amount', amount),
							 string_to_array(missing, '.'), '""')) AS r
ORDER BY amount, amount::text, missing;

-- evidence carries the values that made the rule fire (null for what is missing)
SELECT v->>'rule_id' AS rule_id, v->'version' AS version, v->>'action' AS action,
	   v->'evidence' AS evidence
FROM base, jsonb_array_elements(arka_evaluate(doc #- '{payee,account}' || '{"amount": 5000}')->'violations') AS v;

-- sanctioned countries block; Syria no longer does (EO 14312); Myanmar is review
SELECT country, r->>'outcome' AS outcome,
	   jsonb_path_query_array(r, '$.violations[*].rule_id') AS rules
FROM base, unnest(ARRAY['CU', 'IR', 'KP', 'SY', 'MM', 'RU', 'DE']) AS country,
	 arka_evaluate(jsonb_set(doc, '{payee,country}', to_jsonb(country))) AS r
ORDER BY country;

-- embargoed regions are read from the optional region field
SELECT region, arka_evaluate(jsonb_set(doc, '{payer,region}', to_jsonb(region)))->>'outcome' AS outcome
FROM base, unnest(ARRAY['UA-43', 'UA-40', 'UA-DNR', 'UA-LNR', 'UA-30']) AS region
ORDER BY region;

-- outcome is the worst action that fired: review + block = block
SELECT r->>'outcome' AS outcome, r->'compliant' AS compliant,
	   jsonb_path_query_array(r, '$.violations[*].action') AS actions
FROM base, arka_evaluate(doc || '{"amount": 20000, "channel": "cash"}'
						 || jsonb_build_object('payee', doc->'payee' || '{"country": "KP"}')) AS r;

-- jurisdiction and domain filters
SELECT j, d, jsonb_path_query_array(r, '$.violations[*].rule_id') AS rules,
	   r->>'outcome' AS outcome
FROM base,
	 (VALUES (NULL::text[], NULL::text[]), ('{US}', NULL), ('{INTL}', NULL), (NULL, '{SANCTIONS}'),
			 ('{US}', '{AML}'), ('{EU}', NULL), ('{}', NULL)) AS f(j, d),
	 arka_evaluate(doc || '{"amount": 20000, "channel": "cash"}'
				   || jsonb_build_object('payee', doc->'payee' || '{"country": "IR"}'), j, d) AS r;

-- the EU cash limit is not in force before 2027-07-10 (arka.as_of back-tests)
SELECT as_of, r->>'outcome' AS outcome, jsonb_path_query_array(r, '$.violations[*].rule_id') AS rules
FROM base, unnest(ARRAY['2026-11-26', '2027-07-09', '2027-07-10']) AS as_of,
	 LATERAL (SELECT set_config('arka.as_of', as_of, false)) AS s,
	 arka_evaluate(doc || '{"amount": 10000.01, "currency": "EUR", "channel": "cash"}', '{EU}') AS r
ORDER BY as_of;
RESET arka.as_of;

-- without arka.as_of, "today" is the transaction's UTC date whatever the
-- session's TimeZone: at UTC+14 the local date may be tomorrow, at UTC-12
-- yesterday; neither moves a rule's effective_from
SELECT arka_define_rule('utc.tomorrow', '{"==": [{"var": "x"}, 1]}', 'US', 'UTCDAY',
						effective_from => (now() AT TIME ZONE 'UTC')::date + 1) AS v;
SELECT arka_define_rule('utc.today', '{"==": [{"var": "x"}, 1]}', 'US', 'UTCDAY',
						effective_from => (now() AT TIME ZONE 'UTC')::date) AS v;
SET TimeZone = 'Etc/GMT-14';
SELECT jsonb_path_query_array(arka_evaluate('{"x": 1}', domains => '{UTCDAY}'), '$.violations[*].rule_id') AS at_utc_plus_14;
SET TimeZone = 'Etc/GMT+12';
SELECT jsonb_path_query_array(arka_evaluate('{"x": 1}', domains => '{UTCDAY}'), '$.violations[*].rule_id') AS at_utc_minus_12;
RESET TimeZone;
SELECT arka_disable_rule('utc.tomorrow') AS v, arka_disable_rule('utc.today') AS v;
SET arka.as_of = '26/11/2026';

-- proof ids: deterministic, independent of key order and numeric scale ...
SELECT (arka_evaluate(doc)->'proof'->>'proof_id') = (arka_evaluate(doc)->'proof'->>'proof_id') AS same_run,
	   (arka_evaluate(doc)->'proof'->>'proof_id')
		 = (arka_evaluate((doc::text)::jsonb || '{"amount": 2500}')->'proof'->>'proof_id') AS same_value_other_scale
FROM base;
-- ... and different when any input value, the outcome or a rule version differs
CREATE TEMP TABLE proofs AS
SELECT 'base' AS variant, arka_evaluate(doc)->'proof'->>'proof_id' AS proof_id FROM base
UNION ALL SELECT 'amount+0.01', arka_evaluate(doc || '{"amount": 2500.01}')->'proof'->>'proof_id' FROM base
UNION ALL SELECT 'payer name', arka_evaluate(jsonb_set(doc, '{payer,name}', '"Ana Lima "'))->'proof'->>'proof_id' FROM base
UNION ALL SELECT 'extra field', arka_evaluate(doc || '{"memo": "x"}')->'proof'->>'proof_id' FROM base
UNION ALL SELECT 'string vs number', arka_evaluate(doc || '{"amount": "2500"}')->'proof'->>'proof_id' FROM base
UNION ALL SELECT 'US filter', arka_evaluate(doc, '{US}')->'proof'->>'proof_id' FROM base;
SELECT count(*) AS variants, count(DISTINCT proof_id) AS distinct_ids FROM proofs;
-- a new version of a rule changes the proof of the same document
SELECT arka_define_rule('us.bsa.ctr_cash_over_10k',
	(SELECT logic FROM arka.active_rules WHERE rule_id = 'us.bsa.ctr_cash_over_10k'),
	'US', 'AML', 'review', 'medium', 'same logic, new wording') AS new_version;
SELECT (arka_evaluate(doc)->'proof'->>'proof_id') <> (SELECT proof_id FROM proofs WHERE variant = 'base') AS proof_changed
FROM base;
-- the leaf behind the proof id (docs/proof.md): its SHA-256 with the 0x00 prefix is the id
SELECT regexp_replace(arka_explain_proof(doc || '{"amount": 9000, "channel": "wire"}' #- '{payee,account}'),
					  '[0-9a-f]{64}', '<hex>', 'g') AS leaf
FROM base;
SELECT encode(sha256('\x00'::bytea || convert_to(arka_explain_proof(doc), 'UTF8')), 'hex')
	   = arka_evaluate(doc)->'proof'->>'proof_id' AS leaf_hash_is_proof_id
FROM base;

-- the document digest is the one the engine core computes for the same
-- document written differently (test/core/test_proof.c, GOLDEN_DIGEST):
-- the extension's in-place jsonb encoder and the core's encoder agree
SELECT arka_explain_proof('{"id": "tx-9", "amount": 2500.00, "tags": ["a", 1.50, null, true, false, {"k": -0}], "payer": {"name": "Zoë Øster 😀", "country": "DE"}, "big": 12345678901234567890123456789012345678, "tiny": 1e-30, "e": 1e100}', '{}');

-- hostile input: a clear error or a documented result, never a crash
SELECT sqlstate_of($$SELECT arka_evaluate(NULL)$$);
SELECT sqlstate_of($$SELECT arka_evaluate('[1,2]')$$);
SELECT sqlstate_of($$SELECT arka_evaluate('"a string"')$$);
SELECT arka_evaluate('{}')->>'outcome' AS empty_document;
SELECT sqlstate_of($$SELECT arka_evaluate('{"amount": 1e7000}')$$) AS beyond_decimal_range;
SELECT arka_evaluate('{"amount": 1e300, "currency": "USD", "channel": "cash"}')->>'outcome' AS huge_but_in_range;
SELECT arka_evaluate('{"amount": -1e300, "currency": "USD", "channel": "cash"}')->>'outcome' AS negative;
SELECT arka_evaluate(jsonb_build_object('amount', 12345678901234567890123456789012345678::numeric,
										'currency', 'USD', 'channel', 'cash'))->>'outcome' AS digits_38;
-- more than 38 significant digits is refused, never rounded across a threshold
SELECT sqlstate_of($$SELECT arka_evaluate(jsonb_build_object('amount', '10000.000000000000000000000000000000000000000000001'::numeric,
										'currency', 'USD', 'channel', 'cash'))$$) AS digits_50;
SELECT arka_evaluate(jsonb_build_object('payer', jsonb_build_object('name', repeat('x', 1024 * 1024)),
										'amount', 5000, 'currency', 'USD', 'channel', 'wire'))->>'outcome' AS megabyte_name;
SELECT arka_evaluate(jsonb_build_object('amount', 'twelve thousand', 'currency', 'USD', 'channel', 'cash'))->>'outcome' AS text_amount;
SELECT arka_evaluate('{"payer": 5, "payee": [1,2], "amount": null, "channel": ["cash"]}')->>'outcome' AS wrong_types;
-- 10,000 levels of nesting: refused with a clear error (arka reads at most 1,000 levels)
SELECT sqlstate_of(format($$SELECT arka_evaluate('{"deep": %s1%s}')$$, repeat('[', 10000), repeat(']', 10000)));
SELECT sqlstate_of(format($$SELECT arka_apply('%s1%s')$$, repeat('{"!":', 5000), repeat('}', 5000)));
-- a rule that divides by zero fails closed with ZA002 and names the rule
SELECT arka_define_rule('test.ratio', '{">": [{"/": [{"var": "amount"}, {"var": "fee"}]}, 100]}', 'US', 'TEST');
SELECT sqlstate_of($$SELECT arka_evaluate('{"amount": 500, "fee": 0}', NULL, '{TEST}')$$);
SELECT arka_evaluate('{"amount": 500, "fee": 2}', NULL, '{TEST}')->>'outcome' AS with_fee;
SELECT arka_disable_rule('test.ratio');

DROP EXTENSION arka;
DROP FUNCTION sqlstate_of(text);
