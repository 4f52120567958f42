# arka-cdc exactly once (docs/cdc.md): 50,000 mixed inserts and updates
# stream in while the daemon is killed with SIGKILL 20 times and the
# server is shut down in immediate mode 5 times.  At the end the flags
# equal exactly the decisions arka_evaluate makes over every committed
# change (recorded by an audit trigger in the same transactions): nothing
# lost, nothing duplicated, the same proof ids (exact decimals included).
use strict;
use warnings;
use FindBin;
use IPC::Run;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use Time::HiRes qw(usleep);

# the daemon: $ARKA_CDC, else the one built in this tree, else the one make install put
# beside the PostgreSQL binaries (make test runs these files from a scratch copy)
my $daemon = $ENV{ARKA_CDC} // "$FindBin::RealBin/../../../cdc/build/arka-cdc";
$daemon = "/usr/lib/postgresql/15/bin/arka-cdc" unless -x $daemon;
plan skip_all => "arka-cdc is not built ($daemon)" unless -x $daemon;

my $node = PostgreSQL::Test::Cluster->new('cdc_crash');
$node->init(allows_streaming => 'logical');
$node->append_conf('postgresql.conf', qq{
output_plugin_libraries = 'pgoutput, test_decoding, wal2json'
max_replication_slots = 4
max_wal_senders = 4
wal_sender_timeout = 20s
});
$node->start;
my $connstr = $node->connstr('postgres');

$node->safe_psql('postgres', q{
	CREATE EXTENSION arka;
	SELECT arka_define_rule('t.big', '{">": [{"var": "amount"}, 900]}', 'US', 'AML', 'block');
	SELECT arka_define_rule('t.mid', '{">=": [{"*": [{"var": "amount"}, 3]}, 1500.03]}', 'US', 'AML', 'review');
	SELECT arka_define_rule('t.flag', '{"==": [{"var": "meta.kind"}, "odd"]}', 'EU', 'AML', 'review');
	CREATE TABLE pay (id bigint PRIMARY KEY, amount numeric(30,8), payer text, ok boolean, meta jsonb);
	SELECT arka_protect('pay', 'async', jurisdictions => ARRAY['US', 'EU']);
	-- every committed change, in the change's own transaction
	CREATE TABLE audit (seq bigserial, op text, doc jsonb);
	CREATE FUNCTION audit_row() RETURNS trigger LANGUAGE plpgsql AS $$
	BEGIN
		INSERT INTO audit (op, doc) VALUES (TG_OP, to_jsonb(NEW));
		RETURN NEW;
	END $$;
	CREATE TRIGGER audit AFTER INSERT OR UPDATE ON pay FOR EACH ROW EXECUTE FUNCTION audit_row();
});

my $logdir = $PostgreSQL::Test::Utils::log_path;
my $run = 0;

# Start the daemon in the background; returns the IPC::Run handle.
sub start_daemon
{
	my @extra = @_;
	$run++;
	return IPC::Run::start([ $daemon, '--dbname', $connstr, '--slot', 'crash', @extra ],
		'>', "$logdir/cdc_crash_$run.log", '2>', "$logdir/cdc_crash_$run.err");
}

# the slot exists before the first write
my $rc = system($daemon, '--dbname', $connstr, '--slot', 'crash', '--create-slot', '--stop-at-end');
is($rc, 0, 'slot created');

# 25 chunks of 2,000 changes (1,600 inserts, 400 updates) in 40 transactions
sub chunk_sql
{
	my ($c) = @_;
	my $sql = '';
	for my $t (0 .. 39)
	{
		my $base = $c * 1600 + $t * 40;
		$sql .= "BEGIN;\n";
		$sql .= "INSERT INTO pay SELECT g, round((g % 1000) + (g % 7) * 0.0001 + 0.00000001 * (g % 3), 8), "
		  . "'payer ' || g, g % 2 = 0, jsonb_build_object('kind', CASE WHEN g % 5 = 0 THEN 'odd' ELSE 'even' END, "
		  . "'n', g * 1.1) FROM generate_series($base + 1, $base + 40) g;\n";
		$sql .= "UPDATE pay SET amount = amount + 500.00000001 WHERE id IN "
		  . "(SELECT id FROM pay WHERE id <= $base + 40 ORDER BY (id * 7919) % 1009 LIMIT 10);\n";
		$sql .= "COMMIT;\n";
	}
	return $sql;
}

my $h = start_daemon();
my $kills = 0;
my $restarts = 0;
for my $c (0 .. 24)
{
	my $file = "$logdir/chunk_$c.sql";
	open my $fh, '>', $file or die;
	print $fh chunk_sql($c);
	close $fh;
	my $w = IPC::Run::start([ 'psql', '-X', '-q', '-d', $connstr, '-f', $file ],
		'>', '/dev/null', '2>', "$logdir/chunk_$c.err");
	usleep(150_000 + int(rand(300_000)));
	if ($c < 20)
	{
		# SIGKILL while changes stream in
		$h->signal('KILL');
		$h->finish;
		$kills++;
		$w->finish;
		$h = start_daemon();
	}
	else
	{
		# the server dies under the daemon and the writer
		$node->stop('immediate');
		$w->finish;
		$node->start;
		$restarts++;
		usleep(200_000);
	}
}
is($kills, 20, '20 daemon kills');
is($restarts, 5, '5 immediate shutdowns');

# let the running daemon work a little, then end it with SIGTERM (drain)
usleep(500_000);
$h->signal('TERM');
$h->finish;
ok(1, 'daemon stopped with SIGTERM');

# finish: everything committed so far
$rc = system($daemon, '--dbname', $connstr, '--slot', 'crash', '--stop-at-end');
is($rc, 0, '--stop-at-end exits 0');

my $changes = $node->safe_psql('postgres', 'SELECT count(*) FROM audit');
cmp_ok($changes, '>=', 30000, "many changes committed ($changes)");
note("committed changes: $changes");

# the expected flags: arka_evaluate over each committed change's document
$node->safe_psql('postgres', q{
	CREATE TABLE expected AS
	SELECT 'public.pay'::text AS table_name, jsonb_build_object('id', doc->'id') AS row_key,
		   op AS operation, r->>'outcome' AS outcome, r->'violations' AS violations,
		   r->'proof'->>'proof_id' AS proof_id
	FROM (SELECT op, doc, arka_evaluate(doc, ARRAY['US', 'EU']) AS r FROM audit) s
	WHERE r->>'outcome' <> 'allow';
});
my $expected = $node->safe_psql('postgres', 'SELECT count(*) FROM expected');
my $flags = $node->safe_psql('postgres', 'SELECT count(*) FROM arka.flags');
cmp_ok($expected, '>', 1000, "many changes to flag ($expected)");
is($flags, $expected, 'as many flags as flagged changes');
is($node->safe_psql('postgres', q{
	SELECT count(*) FROM (
		(SELECT table_name, row_key, operation, outcome, violations, proof_id FROM arka.flags
		 EXCEPT ALL SELECT * FROM expected)
		UNION ALL
		(SELECT * FROM expected EXCEPT ALL
		 SELECT table_name, row_key, operation, outcome, violations, proof_id FROM arka.flags)) d}),
	'0', 'flags equal arka_evaluate over the committed changes: outcome, violations, proof id');
is($node->safe_psql('postgres',
	'SELECT count(*) - count(DISTINCT (commit_lsn, change_seq)) FROM arka.flags'), '0', 'no duplicate change');
is($node->safe_psql('postgres', q{SELECT count(*) FROM arka.flags WHERE kind <> 'violation'}),
	'0', 'async table: kind violation');
is($node->safe_psql('postgres', 'SELECT flags FROM arka.cdc_progress WHERE slot_name = $$crash$$'),
	$flags, 'progress counts each flag once');
is($node->safe_psql('postgres',
	q{SELECT processed_lsn >= confirmed_flush_lsn FROM arka.cdc_status WHERE slot_name = 'crash'}),
	't', 'slot never confirmed beyond the stored progress');

$node->stop;
done_testing();
