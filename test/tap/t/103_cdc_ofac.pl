# arka-cdc screens names against the real OFAC SDN list as the trigger
# does (docs/cdc.md, "Names are screened as the trigger screens them"):
# the ofac_sdn_screening pack on a 'log'-mode table with every decision
# recorded, payer and payee names taken from the list (as listed, and in
# capitals) and ordinary names; every flag must be the trigger's decision
# with the same evidence and proof id.  The real list exercises what a
# small one does not: 13,821 entries whose aliases hold commas, quotes and
# non-ASCII letters, read by the daemon through libpq's text arrays.
use strict;
use warnings;
use FindBin;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $daemon = $ENV{ARKA_CDC} // "$FindBin::RealBin/../../../cdc/build/arka-cdc";
$daemon = "/usr/lib/postgresql/15/bin/arka-cdc" unless -x $daemon;
plan skip_all => "arka-cdc is not built ($daemon)" unless -x $daemon;
my $data = $ENV{ARKA_DATA} // "$FindBin::RealBin/../../../../shared/data";
my $ofac = "$data/watchlists";
die "the OFAC files are missing from $ofac (set ARKA_DATA)" unless -r "$ofac/ofac_sdn.csv";

my $node = PostgreSQL::Test::Cluster->new('cdc_ofac');
$node->init(allows_streaming => 'logical');
$node->append_conf('postgresql.conf', "output_plugin_libraries = 'pgoutput, test_decoding, wal2json'\n");
$node->start;
my $connstr = $node->connstr('postgres');
sub sql { return $node->safe_psql('postgres', $_[0]); }

sql(qq{
	CREATE EXTENSION arka;
	SELECT arka_load_ofac(pg_read_file('$ofac/ofac_sdn.csv'), pg_read_file('$ofac/ofac_alt.csv'),
		pg_read_file('$ofac/ofac_add.csv'));
	SELECT arka_install_pack('ofac_sdn_screening');
	CREATE TABLE pay (id int PRIMARY KEY, amount numeric, payer jsonb, payee jsonb);
	SELECT arka_protect('pay', 'log');
});
is(system($daemon, '--dbname', $connstr, '--slot', 'ofac', '--create-slot', '--stop-at-end'), 0, 'slot created');

# names of listed entries and their aliases (with commas, quotes, accents), as listed and in
# capitals, beside ordinary names
sql(q{
	SET arka.record_all_decisions = on;
	WITH names AS (
		SELECT row_number() OVER (ORDER BY entry_id COLLATE "C", n) AS k, n
		FROM (SELECT entry_id, name AS n FROM arka.watchlist_entries
			  UNION ALL
			  SELECT entry_id, a->>'name' FROM arka.watchlist_entries, jsonb_array_elements(aliases) a) x
		WHERE n ~ '[,"''À-ÿ]' OR entry_id::int % 97 = 0)
	INSERT INTO pay
	SELECT g, 100,
		jsonb_build_object('name', CASE WHEN g % 3 = 0 THEN (SELECT n FROM names WHERE k = g) ELSE 'Customer ' || g END),
		jsonb_build_object('name', CASE WHEN g % 5 = 0 THEN upper((SELECT n FROM names WHERE k = g + 1))
			ELSE 'Payee Person ' || g END)
	FROM generate_series(1, 1500) g;
});
is(system($daemon, '--dbname', $connstr, '--slot', 'ofac', '--stop-at-end'), 0, 'daemon ran to the end');

my $blocked = sql(q{SELECT count(*) FROM arka.decisions WHERE outcome = 'block'});
cmp_ok($blocked, '>', 400, "the trigger blocked many listed names ($blocked)");
is(sql(q{SELECT count(*) FROM arka.flags}), $blocked, 'one flag per blocked row');
is(sql(q{SELECT count(*) FROM arka.flags WHERE note IS NOT NULL OR proof_id IS NULL}), '0',
	'every row was screened (no undecided flag)');
is(sql(q{
	SELECT count(*) FROM (
		(SELECT row_key, outcome, violations, rule_versions, ruleset_version, proof_id
		 FROM arka.decisions WHERE outcome <> 'allow'
		 EXCEPT ALL
		 SELECT row_key, outcome, violations, rule_versions, ruleset_version, proof_id FROM arka.flags)
		UNION ALL
		(SELECT row_key, outcome, violations, rule_versions, ruleset_version, proof_id FROM arka.flags
		 EXCEPT ALL
		 SELECT row_key, outcome, violations, rule_versions, ruleset_version, proof_id
		 FROM arka.decisions WHERE outcome <> 'allow')) d}),
	'0', 'same outcome, matched entries and token pairs (evidence) and proof id as the trigger');
is(sql(q{SELECT count(*) FROM arka.flags
		 WHERE violations::text ~ '"matched_name": "[^"]*(,|\\\\"|[À-ÿ])'}) > 0 ? 1 : 0, 1,
	'matches on names with commas, quotes or accents are among them');

$node->stop;
done_testing();
