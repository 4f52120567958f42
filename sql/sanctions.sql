-- Sanctions screening on OFAC's real SDN release: loading, the field's
-- known matching failures, variants, identifiers, clearances, the
-- sanctions_match operator in arka_evaluate and the trigger, and bad files.
CREATE EXTENSION arka;

\i sql/helpers.inc

\getenv arka_data ARKA_DATA
\set sdn :arka_data/watchlists/ofac_sdn.csv
\set alt :arka_data/watchlists/ofac_alt.csv
\set add :arka_data/watchlists/ofac_add.csv

SELECT arka_load_ofac(pg_read_file(:'sdn'), pg_read_file(:'alt'), pg_read_file(:'add')) AS entries;
SELECT list_name, entry_count, alias_count, identifier_count, min_score, source_sha256
FROM arka.watchlists;
SELECT type, count(*) FROM arka.watchlist_entries GROUP BY type ORDER BY type;

-- the field's known failures (Watchman issue numbers)
SELECT count(*) AS "#483 BELLETECH CORP vs 11420 CORP." FROM arka_screen('BELLETECH CORP') WHERE matched_name = '11420 CORP.';
SELECT count(*) AS "#115 George Bush matches nothing" FROM arka_screen('George Bush');
SELECT count(*) AS "#338 emma daniels vs EMMA LLC" FROM arka_screen('emma daniels');
SELECT entry_id, matched_name, score >= 0.91 AS "#141 Maduro finds MADURO MOROS"
FROM arka_screen('Maduro') WHERE entry_id = '22790';
SELECT entry_id, matched_name, entry->>'name_kind' AS "#450 alias only in Remarks"
FROM arka_screen('Caribex') WHERE entry_id = '751';

-- variants of a listed name: diacritics, order, missing middle name, typo, honorific
SELECT q AS query, (SELECT entry_id FROM arka_screen(q) ORDER BY score DESC LIMIT 1) AS best_entry
FROM unnest(ARRAY['Nicolás Maduro Moros', 'Maduro Moros, Nicolas', 'MADURO MOROS Nicolas',
				  'Nicolas Maduro', 'Nicolas Madurro Moros', 'President Nicolas Maduro Moros']) AS q;
-- ordinary names match nothing
SELECT q AS query, (SELECT count(*) FROM arka_screen(q)) AS matches
FROM unnest(ARRAY['Ana Lima', 'John Smith', 'Maria Garcia Lopez', 'Acme Trading GmbH']) AS q;

-- an exact identifier scores 1.0: an IMO number, a digital-currency address
SELECT entry_id, score FROM arka_screen('9187629') WHERE entry_id = '15036';
SELECT entry_id, score FROM arka_screen('12QtD5BFwRsdNsAZY76UVE1xyCGNTojH9h') WHERE entry_id = '25308';
SELECT jsonb_typeof(entry->'pairs') AS evidence_pairs, entry ? 'score' AS has_score
FROM arka_screen('Nicolas Maduro Moros', max_results => 1);

-- argument checks
SELECT sqlstate_of($$SELECT * FROM arka_screen('x', 1.5)$$);
SELECT sqlstate_of($$SELECT * FROM arka_screen('x', lists => '{nosuchlist}')$$);
SELECT sqlstate_of(format($$SELECT * FROM arka_screen(%L)$$, repeat('x ', 100000)));
SELECT count(*) AS empty_name_matches FROM arka_screen('!!! ---');

-- sanctions_match in rules: arka_evaluate and the trigger
SELECT arka_install_pack('ofac_sdn_screening') AS rules;
SELECT r->>'outcome' AS outcome,
	   r->'violations'->0->'evidence'->'sanctions_matches'->0->>'entry_id' AS entry,
	   r->'violations'->0->'evidence'->'sanctions_matches'->0->>'list' AS list,
	   r->'violations'->0->'evidence'->>'payee.name' AS payee
FROM arka_evaluate('{"payer": {"name": "Ana Lima"}, "payee": {"name": "Nicolas MADURO"}}') AS r;
SELECT arka_evaluate('{"payer": {"name": "Ana Lima"}, "payee": {"name": "Bo Chen"}}')->>'outcome' AS ordinary;
SELECT sqlstate_of($$SELECT arka_define_rule('t.bad', '{"sanctions_match": [{"var": "n"}, {"min_score": 7}]}', 'US', 'SANCTIONS')$$);
SELECT sqlstate_of($$SELECT arka_define_rule('t.bad', '{"sanctions_match": [{"var": "n"}, {"lists": [1]}]}', 'US', 'SANCTIONS')$$);

CREATE TABLE spay (id serial PRIMARY KEY, payer_name text, payee_name text, amount numeric);
SELECT arka_protect('spay', domains => '{SANCTIONS}',
					mapping => '{"payer.name": "payer_name", "payee.name": "payee_name"}') - 'table' AS protected;
SELECT sqlstate_of($$INSERT INTO spay (payer_name, payee_name, amount) VALUES ('Ana Lima', 'MADURO MOROS, Nicolas', 10)$$) AS listed_payee;
SELECT sqlstate_of($$INSERT INTO spay (payer_name, payee_name, amount) VALUES ('Ana Lima', 'Bo Chen', 10)$$) AS ordinary_payee;

-- a cleared false positive suppresses exactly that pairing, and is on record
SELECT arka_clear_match('ofac_sdn', '22790', 'Nicolas Maduro Moros', 'different person: passport checked, case 17');
SELECT sqlstate_of($$INSERT INTO spay (payer_name, payee_name, amount) VALUES ('Ana Lima', 'Maduro Moros, Nicolás', 10)$$) AS cleared_name;
SELECT sqlstate_of($$INSERT INTO spay (payer_name, payee_name, amount) VALUES ('Ana Lima', 'Nicolas Ernesto Maduro Guerra', 10)$$) AS other_entry_still_blocked;
SELECT count(*) AS cleared_pair_gone FROM arka_screen('Nicolas Maduro Moros') WHERE entry_id = '22790';
SELECT table_name, operation, outcome, row_key, note FROM arka.decisions WHERE operation = 'CHECK';
SELECT sqlstate_of($$SELECT arka_clear_match('ofac_sdn', 'no-such-entry', 'x', 'y')$$);
SELECT sqlstate_of($$SELECT arka_clear_match('ofac_sdn', '22790', 'x', '')$$);

-- a malformed file is refused, naming the line; the loaded version stays
SELECT sqlstate_of(format($$SELECT arka_load_ofac(%L)$$, left(pg_read_file(:'sdn'), 200000))) AS truncated;
SELECT sqlstate_of($$SELECT arka_load_ofac(E'1,"NAME,individual\r\n')$$) AS unterminated_quote;
SELECT entry_count FROM arka.watchlists WHERE list_name = 'ofac_sdn';

-- any list in the documented JSON shape; reloading replaces it atomically
SELECT arka_load_watchlist('internal_blocklist', '[
	{"entry_id": "c1", "type": "entity", "name": "Northwind Shell Trading LLC",
	 "aliases": [{"name": "NW Shell", "strength": "weak"}],
	 "identifiers": [{"type": "LEI", "value": "5493001KJTIIGC8Y1R12"}]}]') AS entries;
SELECT list_name, entry_id, matched_name FROM arka_screen('Northwind Shell Trading', lists => '{internal_blocklist}');
SELECT list_name, entry_id, score FROM arka_screen('5493001KJTIIGC8Y1R12', lists => '{internal_blocklist}');
SELECT arka_load_watchlist('internal_blocklist', '[]') AS entries;
SELECT count(*) AS after_reload FROM arka_screen('Northwind Shell Trading', lists => '{internal_blocklist}');
SELECT sqlstate_of($$SELECT arka_load_watchlist('internal_blocklist', '{"not": "an array"}')$$);

-- an entry written in place changes the list's version like a reload:
-- the compiled list (already built above) is rebuilt and finds it
SELECT entries_sha256 = encode(sha256(''), 'hex') AS empty_list_hash
FROM arka.watchlists WHERE list_name = 'internal_blocklist';
INSERT INTO arka.watchlist_entries (list_name, entry_id, type, name)
VALUES ('internal_blocklist', 'c2', 'entity', 'Blue Harbor Freight Ltd');
SELECT list_name, entry_id, matched_name FROM arka_screen('Blue Harbor Freight', lists => '{internal_blocklist}');
UPDATE arka.watchlist_entries SET name = 'Red Harbor Freight Ltd' WHERE entry_id = 'c2';
SELECT count(*) AS old_name FROM arka_screen('Blue Harbor Freight', lists => '{internal_blocklist}');
SELECT count(*) AS new_name FROM arka_screen('Red Harbor Freight', lists => '{internal_blocklist}');
DELETE FROM arka.watchlist_entries WHERE entry_id = 'c2';
SELECT count(*) AS deleted FROM arka_screen('Red Harbor Freight', lists => '{internal_blocklist}');

SELECT arka_unprotect('spay');
DROP TABLE spay;
DROP EXTENSION arka;
DROP FUNCTION sqlstate_of(text);
