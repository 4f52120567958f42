# A protected table survives pg_dump and restore into another database:
# the DDL guard lets the restore create and enable the trigger, and the
# restored trigger finds its protection from its table, not a stored OID.
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $node = PostgreSQL::Test::Cluster->new('dump');
$node->init;
$node->start;
$node->safe_psql('postgres', q{
	CREATE EXTENSION arka;
	SELECT arka_define_rule('t.big', '{">": [{"var": "amount"}, 100]}', 'US', 'AML');
	CREATE TABLE pay (id int PRIMARY KEY, amount numeric);
	INSERT INTO pay VALUES (1, 5);
	SELECT arka_protect('pay');
});
$node->safe_psql('postgres', 'CREATE DATABASE restored');
my $dump = $node->basedir . '/dump.sql';
$node->command_ok([ 'pg_dump', '-d', $node->connstr('postgres'), '-f', $dump ], 'pg_dump');
$node->command_ok([ 'psql', '-X', '-v', 'ON_ERROR_STOP=1', '-q', '-d', $node->connstr('restored'), '-f', $dump ],
	'restore runs without errors');

is($node->safe_psql('restored', 'SELECT count(*) FROM pay'), '1', 'data restored');
is($node->safe_psql('restored', 'SELECT trigger FROM arka.protected_tables'), 'enabled always',
	'protection and trigger restored');
my ($ret, $out, $err) = $node->psql('restored', 'INSERT INTO pay VALUES (2, 500)');
like($err, qr/row rejected by arka: t\.big/, 'the restored table is enforced');
is($node->safe_psql('restored', 'SELECT count(*) FROM pay'), '1', 'the blocking row was not written');

# A production-like catalog: packs, a loaded watchlist with a cleared
# match, a protected table with recorded decisions, and a rule whose old
# version used a list dropped after the rule was redefined.  The restore
# must keep every rule version (an old version is not re-validated against
# today's lists), and decide every document exactly as the source did:
# same outcome, ruleset version and proof id.
$node->safe_psql('postgres', q{
	SELECT arka_disable_rule('t.big');
	SELECT arka_install_pack(p) FROM unnest(ARRAY['us_bsa', 'ofac_country', 'fatf_high_risk']) p;
	SELECT arka_load_watchlist('ofac_sdn', '[{"entry_id": "1", "type": "individual", "name": "Ivan Petrov"},
		{"entry_id": "2", "type": "entity", "name": "Acme Shipping Ltd"}]');
	SELECT arka_install_pack('ofac_sdn_screening');
	SELECT arka_clear_match('ofac_sdn', '1', 'Ivan Petrov', 'our customer, cleared by compliance');
	SELECT arka_set_list('tmp_list', '{XX,YY}');
	SELECT arka_define_rule('acme.tmp', '{"in_list": [{"var": "payee.country"}, "tmp_list"]}', 'US', 'SANCTIONS', 'block');
	SELECT arka_define_rule('acme.tmp', '{"==": [{"var": "payee.country"}, "ZZ"]}', 'US', 'SANCTIONS', 'block');
	DELETE FROM arka.lists WHERE list_name = 'tmp_list';
	CREATE TABLE pay2 (id int PRIMARY KEY, amount numeric, currency text, channel text, payer jsonb, payee jsonb);
	SELECT arka_protect('pay2', 'block', ARRAY['US', 'INTL']);
	INSERT INTO pay2 VALUES (1, 12000, 'USD', 'cash', '{"name": "Bo Chen", "country": "US"}',
		'{"name": "Ivan Petrov", "country": "US"}');
});
my @docs = (
	'{"amount": 12000, "currency": "USD", "channel": "cash", "payee": {"name": "Ivan Petrov", "country": "US"}}',
	'{"amount": 50, "currency": "USD", "channel": "wire", "payee": {"name": "ACME SHIPPING LTD", "country": "DE"}}',
	'{"amount": 50, "currency": "USD", "channel": "wire", "payee": {"name": "Bo Chen", "country": "KP"}}',
	'{"amount": 50, "currency": "USD", "channel": "wire", "payee": {"name": "Bo Chen", "country": "ZZ"}}');
my $decide = join(' UNION ALL ', map {
	"SELECT $_ AS n, r->>'outcome', r->>'ruleset_version', r->>'proof_id' FROM arka_evaluate('$docs[$_]') r"
} 0 .. $#docs) . ' ORDER BY 1';
my $catalog = q{SELECT (SELECT count(*) FROM arka.rules), (SELECT count(*) FROM arka.active_rules),
	(SELECT count(*) FROM arka.watchlist_entries), (SELECT count(*) FROM arka.match_clearances),
	(SELECT count(*) FROM arka.decisions), (SELECT string_agg(table_name || ' ' || trigger, ', ' ORDER BY table_name) FROM arka.protected_tables)};
my $before = $node->safe_psql('postgres', $decide);
my $catalog_before = $node->safe_psql('postgres', $catalog);
like($before, qr/^0\|review\|.*\n1\|block\|.*\n2\|block\|.*\n3\|block\|/, 'the source decides the four documents');

$node->safe_psql('postgres', 'CREATE DATABASE restored2');
$node->command_ok([ 'pg_dump', '-d', $node->connstr('postgres'), '-f', $dump ], 'pg_dump of the production-like catalog');
$node->command_ok([ 'psql', '-X', '-v', 'ON_ERROR_STOP=1', '-q', '-d', $node->connstr('restored2'), '-f', $dump ],
	'restore runs without errors, old rule versions included');
is($node->safe_psql('restored2', $catalog), $catalog_before,
	'rule versions, active rules, watchlist, clearance, decisions and protections restored');
is($node->safe_psql('restored2', $decide), $before,
	'the restored database decides as the source: same outcomes, ruleset versions and proof ids');
($ret, $out, $err) = $node->psql('restored2',
	q{INSERT INTO pay2 VALUES (2, 50, 'USD', 'wire', '{"name": "Bo Chen", "country": "US"}', '{"name": "Acme Shipping Ltd", "country": "DE"}')});
like($err, qr/row rejected by arka: .*ofac/, 'the restored table screens names against the restored watchlist');

# pg_restore -j loads tables in parallel, largest first: with many recorded
# decisions, arka.rules is loaded while arka.lists is not there yet.  The
# rules must come back all the same (check_function_bodies is off there).
$node->safe_psql('postgres', q{
	SET arka.record_all_decisions = on;
	INSERT INTO pay2 SELECT g, 10, 'USD', 'wire', '{"name": "Bo Chen", "country": "US"}', '{"name": "Jo Roe", "country": "DE"}'
	FROM generate_series(100, 30099) g;
});
my $dir = $node->basedir . '/dump.dir';
$catalog_before = $node->safe_psql('postgres', $catalog);
$node->safe_psql('postgres', 'CREATE DATABASE restored3');
$node->command_ok([ 'pg_dump', '-Fd', '-f', $dir, '-d', $node->connstr('postgres') ], 'pg_dump -Fd');
$node->command_ok([ 'pg_restore', '-j', '2', '-e', '-d', $node->connstr('restored3'), $dir ],
	'pg_restore -j 2 runs without errors');
is($node->safe_psql('restored3', $catalog), $catalog_before, 'pg_restore -j 2: the whole catalog is restored');
is($node->safe_psql('restored3', $decide), $before, 'pg_restore -j 2: the restored database decides as the source');

done_testing();
