-- The worked example of docs/proof.md, run for real: the proof id, the
-- ruleset version, the leaf and the catalog recomputation printed there
-- must be what arka computes.  If this output changes, so must the doc.
CREATE EXTENSION arka;

SELECT arka_set_list('acme_high_risk', '{KP,IR}') AS items;
SELECT arka_define_rule('acme.cash_over_10k',
  '{"and": [{"==": [{"var": "channel"}, "cash"]}, {">": [{"var": "amount"}, 10000]}]}',
  'US', 'AML', 'review', 'medium', 'cash above 10,000') AS v;
SELECT arka_define_rule('acme.high_risk_country',
  '{"in_list": [{"var": "payee.country"}, "acme_high_risk"]}',
  'US', 'SANCTIONS', 'block', 'high', 'payee in a high-risk country') AS v;

\set doc '{"amount": 12000.50, "channel": "cash", "payee": {"name": "Bo Chen", "country": "DE"}}'
SELECT r->'proof'->>'proof_id' AS proof_id, r->>'ruleset_version' AS ruleset_version
FROM arka_evaluate(:'doc') AS r;
SELECT arka_explain_proof(:'doc') AS leaf;

-- the recomputation from the catalog, as docs/proof.md gives it
WITH rule_lines AS (
  SELECT string_agg(rule_id || ' ' || version || E'\n', '' ORDER BY rule_id COLLATE "C") AS t,
         count(*) AS n
  FROM arka.active_rules
  WHERE effective_from IS NULL OR effective_from <= (now() AT TIME ZONE 'UTC')::date
), list_lines AS (
  SELECT string_agg('list ' || list_name || ' ' || items_hex || E'\n', ''
                    ORDER BY list_name COLLATE "C") AS t
  FROM (SELECT l.list_name,
               encode(sha256(convert_to(coalesce(string_agg(octet_length(i.item) || ':' || i.item || E'\n', ''
                                                   ORDER BY i.item COLLATE "C"), ''), 'UTF8')),
                      'hex') AS items_hex
        FROM arka.lists l LEFT JOIN arka.list_items i ON i.list_name = l.list_name
        GROUP BY l.list_name) AS per_list
)
SELECT r.n,
       encode(sha256(convert_to(coalesce(r.t, '') || coalesce(l.t, ''), 'UTF8')), 'hex')
         = (arka_evaluate(:'doc')->>'ruleset_version') AS recomputed_equals
FROM rule_lines r, list_lines l;

-- an item holding a newline is not two items
SELECT arka_set_list('acme_high_risk', ARRAY[E'IR\nKP']) AS items;
SELECT arka_evaluate(:'doc')->>'ruleset_version' <> '9200bd6417f93ad798a1b803fb283c90ae1cf8c4e7ae0ed0b19e70aff1e84991'
	AS newline_item_differs;

DROP EXTENSION arka;
