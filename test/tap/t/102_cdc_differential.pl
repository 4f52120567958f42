# Differential test (docs/cdc.md, "Same decisions as the trigger"):
# thousands of rows of many column types written to a 'log'-mode table
# with arka.record_all_decisions on, so the trigger records its own
# decision and proof id for every row; arka-cdc's flags must carry the
# same outcome, violations and proof id for each of them.  Also a table
# with a mapping (document paths set over the columns), and names
# screened against a watchlist (sanctions_match) across its versions.
use strict;
use warnings;
use FindBin;
use IPC::Run;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

# the daemon: $ARKA_CDC, else the one built in this tree, else the one make install put
# beside the PostgreSQL binaries (make test runs these files from a scratch copy)
my $daemon = $ENV{ARKA_CDC} // "$FindBin::RealBin/../../../cdc/build/arka-cdc";
$daemon = "/usr/lib/postgresql/15/bin/arka-cdc" unless -x $daemon;
plan skip_all => "arka-cdc is not built ($daemon)" unless -x $daemon;

my $node = PostgreSQL::Test::Cluster->new('cdc_diff');
$node->init(allows_streaming => 'logical');
$node->append_conf('postgresql.conf', qq{
output_plugin_libraries = 'pgoutput, test_decoding, wal2json'
timezone = 'America/New_York'
});
$node->start;
my $connstr = $node->connstr('postgres');
sub sql { return $node->safe_psql('postgres', $_[0]); }

sql(q{
	CREATE EXTENSION arka;
	SELECT arka_define_rule('d.amount', '{">": [{"var": "amount"}, 700.005]}', 'US', 'AML', 'block');
	SELECT arka_define_rule('d.sum', '{">=": [{"+": [{"var": "amount"}, {"var": "fee"}]}, 500.10]}', 'US', 'AML', 'review');
	SELECT arka_define_rule('d.code', '{"==": [{"var": "code"}, "AB"]}', 'US', 'AML', 'review');
	SELECT arka_define_rule('d.when', '{"<": [{"var": "at"}, "2024-06-01"]}', 'US', 'AML', 'review');
	SELECT arka_define_rule('d.meta', '{"==": [{"var": "meta.deep.x"}, 1.10]}', 'US', 'AML', 'review');
	SELECT arka_define_rule('d.payee', '{"in": [{"var": "payee.country"}, ["IR", "KP"]]}', 'US', 'SANCTIONS', 'block');
	-- a named list: its items' digest is part of every ruleset version
	SELECT arka_set_list('d_names', ARRAY['name 7', 'Ωmega Ltd', E'two\nlines']);
	SELECT arka_define_rule('d.listed', '{"in_list": [{"var": "name"}, "d_names"]}', 'US', 'AML', 'review');
	-- loaded watchlists and their cleared matches are in every ruleset version too
	SELECT arka_load_watchlist('d_watch', '[{"entry_id": "w1", "type": "entity", "name": "Ωmega Shipping Ltd"},
		{"entry_id": "w2", "type": "individual", "name": "Zoë Exports"}]');
	SELECT arka_load_watchlist('d_gone', '[{"entry_id": "g1", "type": "entity", "name": "Gone Trading"}]');
	SELECT arka_clear_match('d_watch', 'w1', 'Omega Shipping', 'a customer of ours');
	SELECT arka_define_rule('d.screen', '{"sanctions_match": [{"var": "name"}, {"lists": ["d_watch"]}]}',
		'US', 'SANCTIONS', 'review');
	CREATE TYPE color AS ENUM ('red', 'green');
	CREATE TABLE wide (id bigint PRIMARY KEY, amount numeric(38,10), fee numeric, code char(4), name varchar(40),
		at timestamptz, local_at timestamp, day date, ok boolean, meta jsonb, f8 float8, f4 real,
		small smallint, big bigint, hue color, tags text[], raw bytea, note text);
	SELECT arka_protect('wide', 'log');
	CREATE TABLE mapped (id int PRIMARY KEY, amt numeric, parties jsonb, kind text);
	SELECT arka_protect('mapped', 'log', mapping => '{"amount": "amt", "payee": {"column": "parties", "path": "to"}, "currency": {"value": "USD"}}');
});
is(system($daemon, '--dbname', $connstr, '--slot', 'diff', '--create-slot', '--stop-at-end'), 0, 'slot created');

sql(q{
	SET arka.record_all_decisions = on;
	INSERT INTO wide
	SELECT g, round((g % 1000) + (g % 13) * 0.0001 + 0.005, 10), (g % 17) * 0.1 + 0.00001 * (g % 2),
		CASE WHEN g % 3 = 0 THEN 'AB' ELSE 'CD' END,
		CASE g % 100 WHEN 0 THEN 'Omega Shipping Ltd' WHEN 1 THEN 'OMEGA SHIPPING' WHEN 2 THEN 'Zoe Exports'
			WHEN 3 THEN 'Omega Shipping Limited' ELSE 'name ' || g END,
		timestamptz '2024-05-30 22:00:00+00' + g * interval '1 minute 1.25 second',
		timestamp '2024-05-31 10:00:00' + g * interval '17 second',
		date '2024-01-01' + g % 400, g % 2 = 0,
		jsonb_build_object('deep', jsonb_build_object('x', (g % 3) * 0.55), 'g', g, 'big', 12345678901234567890.123456789),
		g / 3.0, g / 7.0, g % 300, g::bigint * 1000000007, CASE WHEN g % 2 = 0 THEN 'red' ELSE 'green' END::color,
		ARRAY['a' || g, 'b c'], decode(md5(g::text), 'hex'), CASE WHEN g % 4 = 0 THEN NULL ELSE 'n' END
	FROM generate_series(1, 3000) g;
});
# arka-cdc reads a watchlist's entries as they are now: it decides these
# rows before the list is corrected below (see the end for the other case)
is(system($daemon, '--dbname', $connstr, '--slot', 'diff', '--stop-at-end'), 0, 'daemon ran over the first rows');

sql(q{
	SET arka.record_all_decisions = on;
	-- watchlist changes in the stream: a clearance, an entry corrected by hand, a list dropped
	SELECT arka_clear_match('d_watch', 'w2', 'Zoë Exports', 'known exporter');
	UPDATE arka.watchlist_entries SET name = 'Ωmega Shipping Limited' WHERE entry_id = 'w1';
	DELETE FROM arka.watchlists WHERE list_name = 'd_gone';
	UPDATE wide SET amount = amount + 300.0001, meta = meta || '{"u": 1}' WHERE id % 5 = 0;
	INSERT INTO mapped SELECT g, g * 1.5, jsonb_build_object('to', jsonb_build_object('country', CASE WHEN g % 4 = 0 THEN 'IR' ELSE 'DE' END)), 'k'
	FROM generate_series(1, 500) g;
});
is(system($daemon, '--dbname', $connstr, '--slot', 'diff', '--stop-at-end'), 0, 'daemon ran to the end');
is(sql(q{SELECT count(*) FROM arka.decisions WHERE violations @> '[{"rule_id": "d.screen"}]'}),
	'120', 'names matched the watchlist before and after its changes (3 names x 30 inserted, 30 updated; the cleared one not)');

my $decided = sql(q{SELECT count(*) FROM arka.decisions WHERE outcome IN ('review', 'block')});
cmp_ok($decided, '>', 2000, "the trigger recorded many review/block decisions ($decided)");
is(sql('SELECT count(*) FROM arka.flags'), $decided, 'one flag per recorded review/block decision');
my $differ = sql(q{
	SELECT side || ' ' || row_key::text || ' ' || outcome || ' ' || violations::text FROM (
		(SELECT 'trigger' AS side, table_name, row_key, operation, outcome, violations, rule_versions, ruleset_version, proof_id
		 FROM arka.decisions WHERE outcome IN ('review', 'block')
		 EXCEPT ALL
		 SELECT 'trigger', table_name, row_key, operation, outcome, violations, rule_versions, ruleset_version, proof_id
		 FROM arka.flags)
		UNION ALL
		(SELECT 'arka-cdc', table_name, row_key, operation, outcome, violations, rule_versions, ruleset_version, proof_id
		 FROM arka.flags
		 EXCEPT ALL
		 SELECT 'arka-cdc', table_name, row_key, operation, outcome, violations, rule_versions, ruleset_version, proof_id
		 FROM arka.decisions WHERE outcome IN ('review', 'block'))) d
	ORDER BY row_key::text, side LIMIT 4});
is($differ, '', 'same outcome, violations (evidence), rule versions, ruleset version and proof id as the trigger');
is(sql(q{SELECT count(*) FROM arka.flags WHERE table_name = 'public.mapped'}),
	sql(q{SELECT count(*) FROM arka.decisions WHERE table_name = 'public.mapped' AND outcome <> 'allow'}),
	'mapped table: same decisions');
is(sql(q{SELECT count(DISTINCT outcome) FROM arka.flags}), '2', 'both outcomes occur');
is(sql(q{SELECT count(DISTINCT ruleset_version) FROM arka.decisions WHERE outcome <> 'allow' AND table_name <> 'arka.match_clearances'}),
	'2', 'the rows before and after the watchlist changes have different ruleset versions');

# A row written under a version of the watchlist that is reloaded before
# arka-cdc reads it: that version's entries are gone, so the row is
# flagged as undecidable (block, with the reason), never screened against
# the new entries under the old version's proof.
sql(q{
	SET arka.record_all_decisions = on;
	INSERT INTO wide (id, amount, name) VALUES (90001, 1, 'Omega Shipping Ltd'), (90002, 1, 'nobody');
	SELECT arka_load_watchlist('d_watch', '[{"entry_id": "w9", "type": "entity", "name": "Other Name"}]');
	INSERT INTO wide (id, amount, name) VALUES (90003, 1, 'Other Name');
});
is(system($daemon, '--dbname', $connstr, '--slot', 'diff', '--stop-at-end'), 0, 'daemon ran after the reload');
is(sql(q{SELECT string_agg(row_key->>'id' || ' ' || outcome || ' ' || (proof_id IS NULL)::text, ', ' ORDER BY row_key->>'id')
		 FROM arka.flags WHERE (row_key->>'id')::int > 90000}),
	'90001 block true, 90002 block true, 90003 review false',
	'rows written under the reloaded version fail closed; the next row is screened against the new one');
like(sql(q{SELECT note FROM arka.flags WHERE row_key->>'id' = '90002'}),
	qr/watchlist d_watch was reloaded or edited after this row was written/, 'the flag says why');
is(sql(q{SELECT count(*) FROM arka.flags f JOIN arka.decisions d USING (table_name, row_key, operation, proof_id, ruleset_version)
		 WHERE (f.row_key->>'id')::int = 90003}), '1', 'the row after the reload: same decision and proof as the trigger');

$node->stop;
done_testing();
