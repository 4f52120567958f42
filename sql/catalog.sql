-- Rule catalog: versions, disable, immutability, validation with JSON
-- paths, named lists, packs (install, reinstall, upgrade), privileges.
CREATE EXTENSION arka;

\i sql/helpers.inc

-- every object is part of the extension (\dx+ lists them)
SELECT pg_describe_object(classid, objid, objsubid) AS object
FROM pg_depend
WHERE refclassid = 'pg_extension'::regclass AND deptype = 'e'
  AND refobjid = (SELECT oid FROM pg_extension WHERE extname = 'arka')
ORDER BY 1;

-- define, version, redefine identically (no new version), disable, re-enable
SELECT arka_define_rule('acme.large_wire', '{">": [{"var": "amount"}, 50000]}', 'US', 'AML', 'review', 'medium', 'wires above 50k') AS v;
SELECT arka_define_rule('acme.large_wire', '{">": [{"var": "amount"}, 50000]}', 'US', 'AML', 'review', 'medium', 'wires above 50k') AS same_again;
SELECT arka_define_rule('acme.large_wire', '{">": [{"var": "amount"}, 25000]}', 'US', 'AML', 'review', 'medium', 'wires above 25k') AS v;
SELECT arka_evaluate('{"amount": 30000}')->>'outcome' AS at_30k;
SELECT arka_disable_rule('acme.large_wire') AS disabled_version;
SELECT arka_disable_rule('acme.large_wire') AS again_no_op;
SELECT arka_evaluate('{"amount": 30000}')->>'outcome' AS after_disable;
SELECT rule_id, version, enabled, logic->'>'->1 AS threshold, description FROM arka.rules ORDER BY version;
SELECT count(*) AS active FROM arka.active_rules;
SELECT arka_define_rule('acme.large_wire', '{">": [{"var": "amount"}, 25000]}', 'US', 'AML', 'review', 'medium', 'wires above 25k') AS reenabled;
SELECT arka_evaluate('{"amount": 30000}')->'violations'->0->>'version' AS fired_version;

-- rules are never edited in place
SELECT sqlstate_of($$UPDATE arka.rules SET action = 'allow'$$);
SELECT sqlstate_of($$DELETE FROM arka.rules$$);
SELECT sqlstate_of($$TRUNCATE arka.rules$$);

-- invalid definitions are refused, naming the JSON path, and store nothing
SELECT sqlstate_of($$SELECT arka_define_rule('acme.bad', '{"and": [true, {">=": [{"var": "amount"}, {"nosuchop": 1}]}]}', 'US', 'AML')$$);
SELECT sqlstate_of($$SELECT arka_define_rule('acme.bad', '{"in_list": [{"var": "payee.country"}, "no_such_list"]}', 'US', 'AML')$$);
SELECT sqlstate_of($$SELECT arka_define_rule('acme.bad', '{"in_list": [{"var": "payee.country"}, {"var": "x"}]}', 'US', 'AML')$$);
SELECT sqlstate_of($$SELECT arka_define_rule('acme.bad', '{">": [1, 0]}', 'US', 'AML', 'deny')$$);
SELECT sqlstate_of($$SELECT arka_define_rule('acme.bad', '{">": [1, 0]}', 'US', 'AML', 'block', 'urgent')$$);
SELECT sqlstate_of($$SELECT arka_define_rule('acme bad', '{">": [1, 0]}', 'US', 'AML')$$);
SELECT sqlstate_of($$SELECT arka_define_rule('acme.bad', NULL, 'US', 'AML')$$);
SELECT sqlstate_of($$SELECT arka_define_rule('acme.bad', '{">": [1, 0]}', 'usa', 'AML')$$);
SELECT count(*) AS bad_rules_stored FROM arka.rules WHERE rule_id = 'acme.bad';
SELECT sqlstate_of($$SELECT arka_disable_rule('acme.nothing')$$);

-- named lists: rules read them through in_list; updating a list needs no rule edit
SELECT arka_set_list('acme_watch', '{ZZ,YY}', 'countries we watch', 'internal memo 7', '2026-11-01') AS items;
SELECT arka_define_rule('acme.watched_country', '{"in_list": [{"var": "payee.country"}, "acme_watch"]}', 'US', 'AML', 'review', 'low') AS v;
SELECT arka_evaluate('{"payee": {"country": "ZZ"}}')->>'outcome' AS zz,
	   arka_evaluate('{"payee": {"country": "XX"}}')->>'outcome' AS xx;
SELECT arka_set_list('acme_watch', '{XX}') AS items;
SELECT arka_evaluate('{"payee": {"country": "ZZ"}}')->>'outcome' AS zz,
	   arka_evaluate('{"payee": {"country": "XX"}}')->>'outcome' AS xx;
SELECT list_name, description, source, as_of, (SELECT array_agg(item) FROM arka.list_items i WHERE i.list_name = l.list_name) AS items
FROM arka.lists l;
SELECT sqlstate_of($$SELECT arka_drop_list('acme_watch')$$);
SELECT sqlstate_of($$SELECT arka_set_list('Bad Name', '{a}')$$);
SELECT sqlstate_of($$SELECT arka_set_list('acme_nulls', '{a,NULL}')$$);
SELECT arka_disable_rule('acme.watched_country');
SELECT arka_drop_list('acme_watch');
SELECT sqlstate_of($$SELECT arka_drop_list('acme_watch')$$);

-- packs: install, reinstall without duplicates, unknown names refused
SELECT arka_install_pack('us_bsa') AS rules;
SELECT arka_install_pack('us_bsa') AS rules_again;
SELECT rule_id, count(*) AS versions FROM arka.rules WHERE pack = 'us_bsa' GROUP BY 1 ORDER BY 1;
SELECT name, version ~ '^\d{4}\.\d+\.\d+$' AS versioned, jsonb_array_length(sources) > 0 AS has_sources, rule_ids
FROM arka.packs;
-- every shipped rule cites its source in its description
SELECT arka_install_pack(p) FROM unnest(ARRAY['ofac_country', 'fatf_high_risk', 'eu_amlr']) AS p;
SELECT rule_id, action, effective_from,
	   description ~ '(CFR|EO |Regulation|FATF|OFAC)' AS cites_source
FROM arka.active_rules WHERE pack IS NOT NULL ORDER BY rule_id;
SELECT list_name, pack, as_of, (SELECT string_agg(item, ',' ORDER BY item) FROM arka.list_items i WHERE i.list_name = l.list_name) AS items
FROM arka.lists l ORDER BY list_name;
SELECT sqlstate_of($$SELECT arka_install_pack('no_such_pack')$$);
SELECT sqlstate_of($$SELECT arka_install_pack('../../etc/passwd')$$);

-- a pack upgrade retires rules the new version no longer ships
UPDATE arka.packs SET rule_ids = rule_ids || 'us.bsa.retired_rule'::text WHERE name = 'us_bsa';
SELECT arka._define_rule('us.bsa.retired_rule', '{"==": [1, 1]}', 'US', 'AML', 'review', 'low', 'old rule', NULL, 'us_bsa');
SELECT arka_install_pack('us_bsa') AS rules;
SELECT rule_id, version, enabled FROM arka.rules WHERE rule_id = 'us.bsa.retired_rule' ORDER BY version;

-- privileges: ordinary roles evaluate; only the owner or granted roles change rules
CREATE ROLE arka_clerk LOGIN;
CREATE ROLE arka_officer LOGIN;
SET ROLE arka_clerk;
SELECT arka_evaluate('{"amount": 20000, "currency": "USD", "channel": "cash"}')->>'outcome' AS clerk_evaluates;
SELECT arka_apply('{"in_list": ["KP", "fatf_call_for_action"]}') AS clerk_applies;
SELECT sqlstate_of($$SELECT arka_define_rule('clerk.rule', '{"==": [1, 1]}', 'US', 'AML')$$);
SELECT sqlstate_of($$SELECT arka_disable_rule('us.bsa.ctr_cash_over_10k')$$);
SELECT sqlstate_of($$SELECT arka_set_list('fatf_call_for_action', '{}')$$);
SELECT sqlstate_of($$SELECT arka_install_pack('us_bsa')$$);
SELECT sqlstate_of($$INSERT INTO arka.rules (rule_id, version, jurisdiction, domain, action, severity, logic) VALUES ('x', 99, 'US', 'AML', 'block', 'high', 'true')$$);
SELECT sqlstate_of($$DELETE FROM arka.list_items$$);
SELECT sqlstate_of($$SELECT * FROM arka.rules$$);
RESET ROLE;
SELECT arka_grant_admin('arka_officer');
SET ROLE arka_officer;
SELECT arka_define_rule('officer.rule', '{">": [{"var": "amount"}, 1000000]}', 'US', 'AML', 'review', 'low') AS officer_defines;
SELECT arka_set_list('officer_list', '{A}') AS officer_lists;
SELECT arka_install_pack('fatf_high_risk') AS officer_installs;
SELECT created_by FROM arka.rules WHERE rule_id = 'officer.rule';
RESET ROLE;
SET ROLE arka_clerk;
SELECT jsonb_path_query_array(arka_evaluate('{"amount": 2000000}', '{US}', '{AML}'), '$.violations[*].rule_id') AS clerk_sees_officer_rule;
RESET ROLE;

-- direct writes by an administrator are checked like the functions' writes
SET ROLE arka_officer;
-- (the check runs at commit, on the latest version of each rule)
\set VERBOSITY terse
INSERT INTO arka.rules (rule_id, version, jurisdiction, domain, action, severity, logic) VALUES ('officer.raw', 1, 'US', 'AML', 'block', 'high', '{"nosuchop": 1}');
BEGIN;
INSERT INTO arka.rules (rule_id, version, jurisdiction, domain, action, severity, logic) VALUES ('officer.raw', 1, 'US', 'AML', 'block', 'high', '{">": [{"var": "amount"}, 5]}');
INSERT INTO arka.rules (rule_id, version, jurisdiction, domain, action, severity, logic) VALUES ('officer.raw', 2, 'US', 'AML', 'block', 'high', '{"in_list": [{"var": "payee.country"}, "no_such_list"]}');
COMMIT;
\set VERBOSITY default
SELECT count(*) AS raw_versions_stored FROM arka.rules WHERE rule_id = 'officer.raw';
-- a superseded version is not compiled: a pg_dump restore loads old versions
-- whose list was dropped after they were replaced
BEGIN;
INSERT INTO arka.rules (rule_id, version, jurisdiction, domain, action, severity, logic) VALUES ('officer.raw', 1, 'US', 'AML', 'block', 'high', '{"in_list": [{"var": "payee.country"}, "no_such_list"]}');
INSERT INTO arka.rules (rule_id, version, jurisdiction, domain, action, severity, logic) VALUES ('officer.raw', 2, 'US', 'AML', 'review', 'high', '{">": [{"var": "amount"}, 1000000000]}');
COMMIT;
SELECT rule_id, version, action FROM arka.active_rules WHERE rule_id = 'officer.raw';
-- a restore (check_function_bodies = off, as pg_dump's scripts and pg_restore
-- set it) may load arka.rules before arka.lists: unknown lists pass there,
-- unknown operators do not
SET check_function_bodies = off;
INSERT INTO arka.rules (rule_id, version, jurisdiction, domain, action, severity, logic) VALUES ('officer.raw', 3, 'US', 'AML', 'block', 'high', '{"in_list": [{"var": "payee.country"}, "not_yet_restored"]}');
SELECT sqlstate_of($$INSERT INTO arka.rules (rule_id, version, jurisdiction, domain, action, severity, logic) VALUES ('officer.raw', 4, 'US', 'AML', 'block', 'high', '{"nosuchop": 1}'); SET CONSTRAINTS arka.rules_validate IMMEDIATE$$) AS restore_still_checks_operators;
RESET check_function_bodies;
SELECT arka_set_list('not_yet_restored', '{KP}') AS restored_list;
SELECT jsonb_path_query_array(arka_evaluate('{"payee": {"country": "KP"}}', '{US}', '{AML}'), '$.violations[*] ? (@.rule_id == "officer.raw").version') AS restored_rule_applies;
-- an administrator loads and corrects a watchlist (the entries' hash is kept as that role)
SELECT arka_load_watchlist('officer_list', '[{"entry_id": "o1", "type": "entity", "name": "Tailspin Freight"}]') AS officer_loads;
UPDATE arka.watchlist_entries SET name = 'Tailspin Freight Ltd' WHERE list_name = 'officer_list';
SELECT entry_count, entries_sha256 <> '' AS hashed FROM arka.watchlists WHERE list_name = 'officer_list';
SELECT sqlstate_of($$DELETE FROM arka.lists WHERE list_name = 'fatf_call_for_action'$$) AS raw_delete_list_in_use;
SELECT sqlstate_of($$UPDATE arka.lists SET list_name = 'renamed' WHERE list_name = 'fatf_call_for_action'$$) AS raw_rename_list_in_use;
RESET ROLE;

-- arka.as_of takes real dates only
SELECT sqlstate_of($$SET arka.as_of = '2024-02-31'$$) AS impossible_date;
SELECT sqlstate_of($$SET arka.as_of = '2023-02-29'$$) AS not_a_leap_year;
SELECT sqlstate_of($$SET arka.as_of = '2024-02-29'$$) AS leap_day;
RESET arka.as_of;

-- the catalog is read with the owner's rights but never the caller's
-- search_path: an operator planted in the caller's schema does not run
CREATE ROLE arka_attacker;
GRANT CREATE ON DATABASE arka_regress TO arka_attacker;
SET ROLE arka_attacker;
CREATE SCHEMA evil;
CREATE FUNCTION evil.eq(text, text) RETURNS boolean LANGUAGE plpgsql AS $$
BEGIN
	EXECUTE 'ALTER ROLE arka_attacker SUPERUSER';
	RETURN $1 OPERATOR(pg_catalog.=) $2;
END $$;
CREATE OPERATOR evil.= (LEFTARG = text, RIGHTARG = text, FUNCTION = evil.eq);
SET search_path = evil, pg_catalog, public;
RESET ROLE;
SELECT arka_define_rule('acme.cache_buster', '{"==": [1, 1]}', 'US', 'AML', 'review', 'low') AS v;
SET ROLE arka_attacker;
SELECT arka_evaluate('{"amount": 1}')->>'outcome' AS attacker_evaluates;
RESET ROLE;
RESET search_path;
SELECT rolsuper AS attacker_became_superuser FROM pg_roles WHERE rolname = 'arka_attacker';
DROP SCHEMA evil CASCADE;
REVOKE CREATE ON DATABASE arka_regress FROM arka_attacker;
DROP ROLE arka_attacker;

DROP EXTENSION arka;
DROP FUNCTION sqlstate_of(text);
DROP OWNED BY arka_officer, arka_clerk;
DROP ROLE arka_officer, arka_clerk;
