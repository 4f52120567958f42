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

done_testing();
