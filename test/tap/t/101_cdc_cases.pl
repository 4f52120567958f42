# arka-cdc behaviours (docs/cdc.md): bypass flags, rejected attempts
# recorded exactly once, rules and protections changing inside the
# stream, TOAST-unchanged columns, tables without a primary key, tables
# altered and dropped while streaming, a 1,000,000-row transaction, the
# command line, the metrics endpoint and arka.cdc_status.
use strict;
use warnings;
use FindBin;
use IO::Socket::INET;
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

# command line
{
	my ($out, $err);
	IPC::Run::run([ $daemon, '--help' ], '>', \$out, '2>', \$err);
	like($out, qr/--stop-at-end/, '--help');
	IPC::Run::run([ $daemon, '--version' ], '>', \$out, '2>', \$err);
	like($out, qr/^arka-cdc \d/, '--version');
	ok(!IPC::Run::run([ $daemon, '--bogus' ], '>', \$out, '2>', \$err), 'unknown option fails');
}

my $node = PostgreSQL::Test::Cluster->new('cdc_cases');
$node->init(allows_streaming => 'logical');
$node->append_conf('postgresql.conf', qq{
output_plugin_libraries = 'pgoutput, test_decoding, wal2json'
max_replication_slots = 6
max_wal_senders = 6
});
$node->start;
my $connstr = $node->connstr('postgres');
my $logdir = $PostgreSQL::Test::Utils::log_path;

sub sql { return $node->safe_psql('postgres', $_[0]); }

sub run_to_end
{
	my ($slot, @extra) = @_;
	my ($out, $err);
	my $ok = IPC::Run::run([ $daemon, '--dbname', $connstr, '--slot', $slot, '--stop-at-end', @extra ],
		'>', \$out, '2>', \$err);
	open my $fh, '>>', "$logdir/cdc_cases_$slot.log";
	print $fh $err;
	close $fh;
	return ($ok, $err);
}

# wait until a query returns the expected value (daemon running)
sub wait_for
{
	my ($query, $expected, $what) = @_;
	ok($node->poll_query_until('postgres', $query, $expected), $what);
}

sql(q{
	CREATE EXTENSION arka;
	SELECT arka_define_rule('t.big', '{">": [{"var": "amount"}, 1000]}', 'US', 'AML', 'block');
	SELECT arka_define_rule('t.memo', '{"in": ["SANCTIONED", {"var": "memo"}]}', 'US', 'SANCTIONS', 'review');
	CREATE TABLE guarded (id int PRIMARY KEY, amount numeric, memo text);
	SELECT arka_protect('guarded', 'block');
});

# a slot without the daemon's --create-slot is an actionable error
{
	my ($ok, $err) = run_to_end('nosuch');
	ok(!$ok, 'missing slot: exit status');
	like($err, qr/nosuch/, 'missing slot: error names it');
}

my ($ok, $err) = run_to_end('main', '--create-slot');
ok($ok, 'slot created');
# a second slot records the same rejected attempts: message_lsn is unique
($ok, $err) = run_to_end('second', '--create-slot');
ok($ok, 'second slot created');

# --- rejected attempt and bypass ---
my ($stdout, $stderr);
$node->psql('postgres', q{INSERT INTO guarded VALUES (1, 5000, 'x')}, stdout => \$stdout, stderr => \$stderr);
like($stderr, qr/row rejected by arka/, 'blocking row rejected by the trigger');
sql(q{
	ALTER EVENT TRIGGER arka_guard_ddl DISABLE;
	ALTER TABLE guarded DISABLE TRIGGER USER;
	INSERT INTO guarded VALUES (2, 7000, 'bypassed');
	ALTER TABLE guarded ENABLE ALWAYS TRIGGER zz_arka_enforce;
	ALTER EVENT TRIGGER arka_guard_ddl ENABLE;
});
($ok, $err) = run_to_end('main');
ok($ok, 'daemon ran to the end');
is(sql(q{SELECT kind || ' ' || outcome || ' ' || row_key::text FROM arka.flags WHERE table_name = 'public.guarded'}),
	'bypass block {"id": 2}', 'a bypass flag for the row that got past the trigger');
like(sql(q{SELECT note FROM arka.flags WHERE table_name = 'public.guarded'}), qr/trigger disabled/,
	'bypass note says what happened');
like($err, qr/event=decide.bypass/, 'bypass logged');
is(sql(q{SELECT count(*) || ' ' || min(row_key::text) || ' ' || min(outcome) || ' ' || min(attempted_by) FROM arka.rejections}),
	'1 {"id": 1} block ' . sql('SELECT current_user'), 'rejected attempt recorded');
is(sql(q{SELECT r.proof_id = (arka_evaluate('{"id": 1, "amount": 5000, "memo": "x"}'))->'proof'->>'proof_id'
	FROM arka.rejections r}), 't', 'rejection keeps the trigger proof id');
($ok, $err) = run_to_end('second');
($ok, $err) = run_to_end('main');
is(sql('SELECT count(*) FROM arka.rejections'), '1', 'rejected attempt recorded exactly once (two slots, reruns)');
is(sql('SELECT count(*) FROM arka.flags'), '1', 'the bypass flag is not duplicated by the second slot');
sql(q{SELECT pg_drop_replication_slot('second')});

# --- the daemon running: rules and protections change inside the stream ---
my $h = IPC::Run::start([ $daemon, '--dbname', $connstr, '--slot', 'main', '--metrics-port', '0' ],
	'>', "$logdir/cdc_run.log", '2>', "$logdir/cdc_run.err");
$h->finish;
isnt($h->full_result(0), 0, '--metrics-port 0 refused');

my $port = PostgreSQL::Test::Cluster::get_free_port();
$h = IPC::Run::start([ $daemon, '--dbname', $connstr, '--slot', 'main', '--metrics-port', $port ],
	'>', "$logdir/cdc_run.log", '2>', "$logdir/cdc_run.err");
# streaming (its catalog copy loaded) before the changes below are written
wait_for(q{SELECT active FROM pg_replication_slots WHERE slot_name = 'main'}, 't', 'daemon streaming');
sql(q{
	CREATE TABLE live (id int PRIMARY KEY, amount numeric, memo text);
	INSERT INTO live VALUES (1, 5000, 'before protect');
	SELECT arka_protect('live', 'async');
	INSERT INTO live VALUES (2, 600, 'allowed by the rules of its time');
	SELECT arka_define_rule('t.mid', '{">": [{"var": "amount"}, 500]}', 'US', 'AML', 'review');
	INSERT INTO live VALUES (3, 600, 'flagged by t.mid');
	SELECT arka_disable_rule('t.mid');
	INSERT INTO live VALUES (4, 600, 'after t.mid was disabled');
});
wait_for(q{SELECT count(*) FROM arka.flags WHERE table_name = 'public.live'}, '1', 'daemon flags live rows');
is(sql(q{SELECT string_agg(row_key->>'id', ',' ORDER BY row_key->>'id') FROM arka.flags WHERE table_name = 'public.live'}),
	'3', 'each row judged by the rules and protections committed before it');
is(sql(q{SELECT rule_versions->>'t.mid' FROM arka.flags WHERE table_name = 'public.live'}), '1',
	'the rule version in force is recorded');

# --- a rule committed between a row's write and its commit: a bypass the trigger could not stop ---
{
	my $bg = $node->background_psql('postgres');
	$bg->query_safe(q{BEGIN});
	$bg->query_safe(q{INSERT INTO guarded VALUES (50, 500, 'written under the old rules')});
	sql(q{SELECT arka_define_rule('t.late', '{">": [{"var": "amount"}, 100]}', 'US', 'AML', 'block')});
	$bg->query_safe(q{COMMIT});
	$bg->quit;
	sql(q{SELECT arka_disable_rule('t.late')});
}
wait_for(q{SELECT count(*) FROM arka.flags WHERE table_name = 'public.guarded' AND row_key = '{"id": 50}'},
	'1', 'the row committed after the new rule is flagged');
is(sql(q{SELECT kind || ': ' || note FROM arka.flags WHERE table_name = 'public.guarded' AND row_key = '{"id": 50}'}),
	'bypass: rules changed between write and commit', 'bypass told apart: rules changed between write and commit');

# --- SIGHUP re-reads --config ---
{
	open my $fh, '>', "$logdir/cdc.conf" or die;
	print $fh "batch_delay_ms = 50\n";
	close $fh;
}
$h->signal('TERM');
$h->finish;
$h = IPC::Run::start([ $daemon, '--dbname', $connstr, '--slot', 'main', '--metrics-port', $port,
		'--config', "$logdir/cdc.conf" ],
	'>', "$logdir/cdc_run.log", '2>>', "$logdir/cdc_run.err");
wait_for(q{SELECT active FROM pg_replication_slots WHERE slot_name = 'main'}, 't', 'daemon streaming again');
{
	open my $fh, '>', "$logdir/cdc.conf" or die;
	print $fh "batch_delay_ms = 20\nlog_level = info\n";
	close $fh;
}
$h->signal('HUP');
sql(q{INSERT INTO live VALUES (6, 10, 'wakes the loop')});
my $reloaded = 0;
for (1 .. 100)
{
	$reloaded = 1 if slurp_file("$logdir/cdc_run.err") =~ /reloaded settings from .* batch_delay_ms=20/;
	last if $reloaded;
	usleep(100_000);
}
ok($reloaded, 'SIGHUP: settings reloaded');

# --- TOAST-unchanged columns: an UPDATE that leaves a big memo alone ---
sql(q{
	CREATE TABLE toasty (id int PRIMARY KEY, amount numeric, memo text);
	ALTER TABLE toasty ALTER memo SET STORAGE EXTERNAL;
	SELECT arka_protect('toasty', 'async');
	INSERT INTO toasty VALUES (1, 10, 'SANCTIONED ' || repeat('x', 20000));
	UPDATE toasty SET amount = 20 WHERE id = 1;
});
wait_for(q{SELECT count(*) FROM arka.flags WHERE table_name = 'public.toasty'}, '2',
	'insert and update of the toasted row flagged');
is(sql(q{SELECT f.proof_id = (arka_evaluate(to_jsonb(t)))->'proof'->>'proof_id'
	FROM arka.flags f, toasty t WHERE f.table_name = 'public.toasty' AND f.operation = 'UPDATE'}),
	't', 'a missing TOAST column is unchanged, not NULL: same proof as the whole row');
like(sql(q{SELECT note FROM arka.flags WHERE table_name = 'public.toasty' AND operation = 'UPDATE'}),
	qr/TOAST-unchanged/, 'the note says where the column came from');

# --- a partitioned table: its protection covers the partitions ---
sql(q{
	CREATE TABLE parted (id int, amount numeric, PRIMARY KEY (id)) PARTITION BY RANGE (id);
	CREATE TABLE parted_1 PARTITION OF parted FOR VALUES FROM (0) TO (100);
	SELECT arka_protect('parted', 'async');
	INSERT INTO parted VALUES (1, 10), (2, 5000);
});
wait_for(q{SELECT count(*) FROM arka.flags WHERE table_name = 'public.parted_1'}, '1',
	'a row of a partition of a protected table is flagged, under the partition\'s name');

# --- a table without a primary key ---
sql(q{
	CREATE TABLE nopk (amount numeric, memo text);
	SELECT arka_protect('nopk', 'async');
	INSERT INTO nopk VALUES (2000, 'no key');
	UPDATE nopk SET memo = 'changed';
});
wait_for(q{SELECT count(*) FROM arka.flags WHERE table_name = 'public.nopk'}, '1', 'insert into a table without a key flagged');
is(sql(q{SELECT coalesce(row_key::text, 'null') || ' ' || operation FROM arka.flags WHERE table_name = 'public.nopk'}),
	'null INSERT', 'no row key; the update is not decoded without a replica identity (documented)');

# --- tables altered and dropped while streaming ---
sql(q{
	CREATE TABLE shifting (id int PRIMARY KEY, amount numeric);
	SELECT arka_protect('shifting', 'async');
	INSERT INTO shifting VALUES (1, 2000);
	ALTER TABLE shifting ADD COLUMN memo text DEFAULT 'SANCTIONED';
	INSERT INTO shifting VALUES (2, 1);
	ALTER TABLE shifting DROP COLUMN memo;
	INSERT INTO shifting VALUES (3, 3000);
	CREATE TABLE doomed (id int PRIMARY KEY, amount numeric);
	SELECT arka_protect('doomed', 'async');
	INSERT INTO doomed VALUES (1, 9000);
	SELECT arka_unprotect('doomed');
	DROP TABLE doomed;
	INSERT INTO live VALUES (5, 5000, 'after the drop');
});
wait_for(q{SELECT count(*) FROM arka.flags WHERE table_name = 'public.live'}, '2', 'still streaming after the drop');
is(sql(q{SELECT string_agg(row_key->>'id', ',' ORDER BY row_key->>'id') FROM arka.flags WHERE table_name = 'public.shifting'}),
	'1,2,3', 'rows flagged across ADD and DROP COLUMN');
is(sql(q{SELECT count(*) FROM arka.flags WHERE table_name = 'public.doomed'}), '1', 'row of a dropped table flagged');

# metrics and status
{
	my $sock = IO::Socket::INET->new(PeerAddr => '127.0.0.1', PeerPort => $port, Proto => 'tcp');
	ok($sock, 'metrics endpoint answers');
	my $body = '';
	if ($sock)
	{
		print $sock "GET /metrics HTTP/1.0\r\n\r\n";
		local $/;
		$body = <$sock>;
	}
	like($body, qr/^arka_cdc_changes_total \d+/m, 'metrics: changes');
	like($body, qr/^arka_cdc_lag_bytes \d+/m, 'metrics: lag bytes');
	like($body, qr/^arka_cdc_flags_total \d+/m, 'metrics: flags');
}
is(sql(q{SELECT active FROM arka.cdc_status WHERE slot_name = 'main'}), 't', 'arka.cdc_status shows the slot');

$h->signal('TERM');
$h->finish;
is($h->full_result(0), 0, 'SIGTERM: clean exit');

# --- rules changed while the daemon is down: judged by the rules as of the resume position ---
sql(q{
	CREATE TABLE resumed (id int PRIMARY KEY, amount numeric);
	SELECT arka_protect('resumed', 'async');
	SELECT arka_define_rule('t.resume', '{">": [{"var": "amount"}, 200]}', 'US', 'AML', 'review');
	SELECT arka_set_list('resume_names', ARRAY['a', 'b']);
});
($ok, $err) = run_to_end('main');
ok($ok, 'daemon stored the catalog with its progress');
is(sql(q{SELECT jsonb_array_length(catalog->'items') FROM arka.cdc_progress WHERE slot_name = 'main'}), '2',
	'arka.cdc_progress holds the catalog snapshot');
sql(q{
	INSERT INTO resumed VALUES (1, 300);
	SELECT arka_define_rule('t.resume', '{">": [{"var": "amount"}, 2000]}', 'US', 'AML', 'review');
	INSERT INTO resumed VALUES (2, 300);
	CREATE TABLE late (id int PRIMARY KEY, amount numeric);
	INSERT INTO late VALUES (1, 3000);
	SELECT arka_protect('late', 'async');
	INSERT INTO late VALUES (2, 3000);
	SELECT arka_unprotect('late');
	INSERT INTO late VALUES (3, 3000);
});
($ok, $err) = run_to_end('main');
ok($ok, 'daemon resumed');
like($err, qr/loaded the stored snapshot/, 'the catalog comes from the stored snapshot, not as it is now');
is(sql(q{SELECT string_agg(row_key->>'id' || ':' || (rule_versions->>'t.resume'), ',' ORDER BY row_key->>'id')
	FROM arka.flags WHERE table_name = 'public.resumed'}),
	'1:1', 'rows written while the daemon was down: each judged by the rules of its time');
is(sql(q{SELECT string_agg(row_key->>'id', ',') FROM arka.flags WHERE table_name = 'public.late'}), '2',
	'and by the protections of its time');
sql(q{TRUNCATE arka.list_items});
($ok, $err) = run_to_end('main');
is(sql(q{SELECT jsonb_array_length(catalog->'items') FROM arka.cdc_progress WHERE slot_name = 'main'}), '0',
	'a TRUNCATE of a catalog table is followed and stored');

# --- replication origins: granted by arka_grant_cdc; without them, slower but as correct ---
sql(q{
	CREATE ROLE cdc_granted LOGIN REPLICATION;
	SELECT arka_grant_cdc('cdc_granted');
	CREATE ROLE cdc_plain LOGIN REPLICATION;
	GRANT USAGE ON SCHEMA arka TO cdc_plain;
	GRANT SELECT ON arka.rules, arka.lists, arka.list_items, arka.protections, arka.watchlists,
		arka.watchlist_entries, arka.match_clearances TO cdc_plain;
	GRANT SELECT, INSERT, UPDATE ON arka.cdc_progress TO cdc_plain;
	GRANT SELECT, INSERT ON arka.flags, arka.rejections TO cdc_plain;
	GRANT USAGE ON SEQUENCE arka.rejections_rejection_id_seq TO cdc_plain;
});
is(sql(q{SELECT has_function_privilege('cdc_granted', 'pg_replication_origin_session_setup(text)', 'EXECUTE')}),
	't', 'arka_grant_cdc grants the replication origin functions when run by a superuser');
is(sql(q{SELECT has_table_privilege('cdc_granted', 'arka.watchlists', 'SELECT')
	AND has_table_privilege('cdc_granted', 'arka.match_clearances', 'SELECT')
	AND has_table_privilege('cdc_granted', 'arka.watchlist_entries', 'SELECT')
	AND has_function_privilege('cdc_granted', 'arka._watchlist_rows(text)', 'EXECUTE')
	AND has_function_privilege('cdc_granted', 'arka._entries_sha256(text)', 'EXECUTE')}),
	't', 'arka_grant_cdc grants reading the watchlists the daemon follows and screens against');
is(sql(q{SELECT count(*) FROM pg_replication_origin WHERE roname LIKE 'arka_cdc_main_w%'}), '2',
	'the superuser daemon tags its two writers with origins');
{
	my $plain = $node->connstr('postgres') . ' user=cdc_plain';
	my ($out, $err2);
	ok(IPC::Run::run([ $daemon, '--dbname', $plain, '--slot', 'plain', '--create-slot', '--stop-at-end' ],
		'>', \$out, '2>', \$err2), 'a role without origin privileges runs');
	sql(q{
		CREATE TABLE plainrole (id int PRIMARY KEY, amount numeric);
		SELECT arka_protect('plainrole', 'async');
		INSERT INTO plainrole VALUES (1, 5000), (2, 10);
	});
	ok(IPC::Run::run([ $daemon, '--dbname', $plain, '--slot', 'plain', '--stop-at-end' ],
		'>', \$out, '2>', \$err2), 'and flags');
	like($err2, qr/event=flags.origin .*permission denied/, 'it says why it is slower and what to grant');
	unlike($err2, qr/level=error/, 'no error');
	is(sql(q{SELECT string_agg(row_key->>'id', ',') FROM arka.flags WHERE table_name = 'public.plainrole'}), '1',
		'the flag is written once (the main slot has not read it yet; keys make any rerun a no-op)');
	# the main slot flags it again later: leave it to that one, whose counts are checked below
	sql(q{SELECT pg_drop_replication_slot('plain');
		DELETE FROM arka.flags WHERE table_name = 'public.plainrole';
		DELETE FROM arka.cdc_progress WHERE slot_name = 'plain'});
}

# --- a 1,000,000-row transaction (flags written in batches, progress at the commit) ---
sql(q{
	CREATE TABLE bulk (id int PRIMARY KEY, amount numeric);
	SELECT arka_protect('bulk', 'async');
	INSERT INTO bulk SELECT g, CASE WHEN g % 10 = 0 THEN 1500 ELSE 10 END FROM generate_series(1, 1000000) g;
});
($ok, $err) = run_to_end('main');
ok($ok, 'daemon ran through the big transaction');
is(sql(q{SELECT count(*) FROM arka.flags WHERE table_name = 'public.bulk'}), '100000', 'every flag of the big transaction');
is(sql(q{SELECT count(DISTINCT commit_lsn) FROM arka.flags WHERE table_name = 'public.bulk'}), '1', 'one commit');
is(sql(q{SELECT flags FROM arka.cdc_progress WHERE slot_name = 'main'}), sql('SELECT count(*) FROM arka.flags'),
	'progress counts them once');

$node->stop;
done_testing();
