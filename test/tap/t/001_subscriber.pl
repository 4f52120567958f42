# A logical-replication subscriber applying rows into an arka-protected
# table (docs/protect.md, "Bypass decisions").  The trigger is ENABLE
# ALWAYS, so it fires in the apply worker too: a blocking row stops
# replication with ZA001 in the subscriber's log -- loudly, never a silent
# write -- while compliant rows replicate; in mode 'log' the subscriber
# accepts the row and records the decision.  Rules replicated into
# arka.rules reach the apply worker's own rule cache: it fires row triggers
# only, and arka's invalidation runs as one there.
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $pub = PostgreSQL::Test::Cluster->new('publisher');
$pub->init(allows_streaming => 'logical');
$pub->start;
my $sub = PostgreSQL::Test::Cluster->new('subscriber');
$sub->init;
$sub->start;

my $ddl = 'CREATE TABLE pay (id int PRIMARY KEY, amount numeric, country text)';
$pub->safe_psql('postgres', $ddl);
$pub->safe_psql('postgres', 'CREATE EXTENSION arka');
$pub->safe_psql('postgres', 'CREATE PUBLICATION p FOR TABLE pay, arka.rules');
$sub->safe_psql('postgres', $ddl);
$sub->safe_psql('postgres', q{
	CREATE EXTENSION arka;
	SELECT arka_define_rule('t.sanctioned', '{"in": [{"var": "country"}, ["IR", "KP"]]}', 'US', 'SANCTIONS');
	SELECT arka_protect('pay');
});
my $connstr = $pub->connstr . ' dbname=postgres';
$sub->safe_psql('postgres', "CREATE SUBSCRIPTION s CONNECTION '$connstr' PUBLICATION p");
$sub->wait_for_subscription_sync($pub, 's');

# a compliant row replicates
$pub->safe_psql('postgres', "INSERT INTO pay VALUES (1, 10, 'DE')");
$pub->wait_for_catchup('s');
is($sub->safe_psql('postgres', 'SELECT count(*) FROM pay'), '1', 'compliant row replicated');

# a blocking row is rejected by the apply worker, loudly
my $offset = -s $sub->logfile;
$pub->safe_psql('postgres', "INSERT INTO pay VALUES (2, 10, 'IR')");
ok($sub->wait_for_log(qr/row rejected by arka: t\.sanctioned/, $offset),
	'apply worker reports ZA001 in the subscriber log');
is($sub->safe_psql('postgres', 'SELECT count(*) FROM pay WHERE id = 2'), '0',
	'blocking row not written on the subscriber');

# mode 'log' on the subscriber: the row is applied and the decision recorded
$sub->safe_psql('postgres', "SELECT arka_protect('pay', 'log')");
$pub->wait_for_catchup('s');
is($sub->safe_psql('postgres', 'SELECT count(*) FROM pay WHERE id = 2'), '1',
	'in log mode the subscriber applies the row');
is($sub->safe_psql('postgres',
	"SELECT outcome || ' ' || mode FROM arka.decisions WHERE row_key = '{\"id\": 2}'"),
	'block log', 'and records the blocking decision');

# a rule defined on the publisher reaches the subscriber by replication and
# applies to the very next row the same apply worker writes
$sub->safe_psql('postgres', "SELECT arka_protect('pay', 'block')");
$pub->safe_psql('postgres', "INSERT INTO pay VALUES (3, 5000, 'DE')");
$pub->wait_for_catchup('s');
is($sub->safe_psql('postgres', 'SELECT count(*) FROM pay WHERE id = 3'), '1',
	'a large compliant row replicates before the rule exists');
$pub->safe_psql('postgres',
	q{SELECT arka_define_rule('t.big', '{">": [{"var": "amount"}, 1000]}', 'US', 'AML')});
$pub->wait_for_catchup('s');
is($sub->safe_psql('postgres', q{SELECT count(*) FROM arka.active_rules WHERE rule_id = 't.big'}), '1',
	'the rule replicated into arka.rules');
$offset = -s $sub->logfile;
$pub->safe_psql('postgres', "INSERT INTO pay VALUES (4, 5000, 'DE')");
ok($sub->wait_for_log(qr/row rejected by arka: t\.big/, $offset),
	'the apply worker enforces the replicated rule at once');
is($sub->safe_psql('postgres', 'SELECT count(*) FROM pay WHERE id = 4'), '0',
	'the row breaking the replicated rule is not written');

done_testing();
