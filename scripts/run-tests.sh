#!/usr/bin/env bash
# Run every arka test suite and end with one line "N passed, N failed".
#
# Suites: core unit tests under ASan+UBSan, the JSON Logic conformance
# suites, bounded libFuzzer runs, pg_regress on a throwaway instance,
# isolation specs.  PostgreSQL refuses to run as root, so when invoked as
# root the build is installed as root and the server-side suites run as
# the postgres user from a scratch copy that user can read and write.
set -uo pipefail

cd "$(dirname "$0")/.."
ROOT=$(pwd)
SHARED=${SHARED:-$(cd "$ROOT/.." && pwd)/shared}
PG_BIN=/usr/lib/postgresql/15/bin
PGXS_DIR=/usr/lib/postgresql/15/lib/pgxs
FUZZ_SECONDS=${FUZZ_SECONDS:-60}

passed=0
failed=0
failures=()

pass() { passed=$((passed + 1)); echo "PASS $1"; }
fail() { failed=$((failed + 1)); failures+=("$1"); echo "FAIL $1"; }

scripts/deps.sh || { echo "0 passed, 1 failed"; exit 1; }

echo "== build and install"
if ! make -s all >/tmp/arka-build.log 2>&1 || ! make -s install >>/tmp/arka-build.log 2>&1; then
	cat /tmp/arka-build.log
	echo "0 passed, 1 failed"
	exit 1
fi

echo "== core unit tests (ASan + UBSan)"
make -s -f test/core/Makefile.core SHARED="$SHARED" sanitized >/tmp/arka-core-build.log 2>&1 ||
	{ cat /tmp/arka-core-build.log; fail "core build"; }
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
for t in build/san/test_*; do
	[ -x "$t" ] || continue
	name=$(basename "$t")
	if [ "$name" = test_conformance ]; then
		args=("$SHARED/data/jsonlogic" "$ROOT/test/jsonlogic")
	elif [ "$name" = test_quick ]; then
		args=("$ROOT/packs" "$SHARED/data/jsonlogic")
	elif [ "$name" = test_ofac ] || [ "$name" = test_match ]; then
		args=("$SHARED/data/watchlists")
	else
		args=()
	fi
	if "$t" "${args[@]}" >"/tmp/arka-$name.log" 2>&1; then
		pass "$name ($(tail -1 "/tmp/arka-$name.log" | sed 's/^[^:]*: //'))"
		[ "$name" = test_conformance ] && grep -E '^(official|semantics|community)' "/tmp/arka-$name.log"
	else
		tail -40 "/tmp/arka-$name.log"
		fail "$name"
	fi
done

echo "== fuzz targets (libFuzzer, ${FUZZ_SECONDS}s each)"
if make -s -f test/core/Makefile.core fuzz >/tmp/arka-fuzz-build.log 2>&1; then
	for f in build/fuzz/fuzz_*; do
		[ -x "$f" ] || continue
		name=$(basename "$f")
		corpus=$(mktemp -d)
		cp test/fuzz/corpus/"${name#fuzz_}"/* "$corpus"/ 2>/dev/null
		if "$f" -max_total_time="$FUZZ_SECONDS" -rss_limit_mb=2048 -max_len=65536 \
			-artifact_prefix=/tmp/arka-"$name"- "$corpus" test/fuzz/corpus/"${name#fuzz_}" \
			>"/tmp/arka-$name.log" 2>&1; then
			pass "$name ($(grep -o 'Done [0-9]* runs' "/tmp/arka-$name.log" | tail -1))"
		else
			tail -30 "/tmp/arka-$name.log"
			fail "$name"
		fi
		rm -rf "$corpus"
	done
else
	cat /tmp/arka-fuzz-build.log
	fail "fuzz build"
fi

echo "== arka-cdc unit tests (and again under ASan + UBSan), wal2json fuzz target"
for target in check sanitized; do
	if make -s -C cdc "$target" >"/tmp/arka-cdc-$target.log" 2>&1; then
		while read -r line; do
			pass "cdc $target ${line%%:*} (${line#*: })"
		done < <(grep -E '^[a-z_0-9]+: [0-9]+ passed, 0 failed' "/tmp/arka-cdc-$target.log")
	else
		tail -40 "/tmp/arka-cdc-$target.log"
		fail "cdc $target"
	fi
done
if make -s -C cdc fuzz-run FUZZ_SECONDS="$FUZZ_SECONDS" >/tmp/arka-cdc-fuzz.log 2>&1; then
	pass "fuzz_wal2json ($(grep -o 'Done [0-9]* runs' /tmp/arka-cdc-fuzz.log | tail -1))"
else
	tail -30 /tmp/arka-cdc-fuzz.log
	fail "fuzz_wal2json"
fi

echo "== watchlist XML converter"
if tools_out=$(test/tools/test_watchlist_xml.sh "$SHARED/data/watchlists" 2>&1); then
	pass "watchlist_xml ($(echo "$tools_out" | tail -1))"
else
	echo "$tools_out" | tail -30
	fail "watchlist_xml"
fi

if fz_out=$(FUZZ_ARTIFACTS=/tmp /usr/bin/python3 test/fuzz/fuzz_watchlist_xml.py "$FUZZ_SECONDS" \
	"$SHARED/data/watchlists" 2>&1); then
	pass "fuzz_watchlist_xml (${fz_out##*: })"
else
	echo "$fz_out" | tail -20
	fail "fuzz_watchlist_xml"
fi

# Server-side suites run from a scratch directory the postgres user owns.
WORK=$(mktemp -d /tmp/arka-test.XXXXXX)
rsync -a "$ROOT/sql" "$ROOT/expected" "$ROOT/test" "$WORK/"
mkdir -p "$WORK/data/watchlists"
cp -r "$SHARED/data/jsonlogic" "$WORK/data/"
cp "$SHARED"/data/watchlists/ofac_{sdn,alt,add}.csv "$WORK/data/watchlists/"
cat >"$WORK/regress.conf" <<CONF
wal_level = logical
max_replication_slots = 10
max_wal_senders = 10
output_plugin_libraries = 'pgoutput, test_decoding, wal2json'
CONF
# MALLOC_PERTURB_: glibc overwrites freed memory, so a server that reads
# memory it freed (test/isolation/specs/program_invalidation.spec) reads
# garbage and fails the test instead of passing by luck.
as_pg() {
	if [ "$(id -u)" -eq 0 ]; then
		chown -R postgres: "$WORK"
		runuser -u postgres -- env MALLOC_PERTURB_=165 ARKA_DATA="$WORK/data" PATH="$PG_BIN:$PATH" bash -c "$1"
	else
		env MALLOC_PERTURB_=165 ARKA_DATA="$WORK/data" PATH="$PG_BIN:$PATH" bash -c "$1"
	fi
}

# Count pg_regress's per-test lines: "test name ... ok" / "... FAILED".
count_regress() {
	local log=$1 kind=$2
	while read -r line; do
		local name
		name=$(echo "$line" | sed -E 's/^(test|     )? *([^ ]+) +\.\.\. .*/\2/')
		if echo "$line" | grep -qE '\.\.\. +ok'; then
			pass "$kind $name"
		else
			fail "$kind $name"
		fi
	done < <(grep -E '\.\.\. +(ok|FAILED|failed)' "$log")
}

# run_pg_suite KIND LOG COMMAND: run a pg_regress-style suite as postgres,
# count its per-test lines, and count the suite as failed if it exits
# non-zero without naming a failed test (e.g. a missing expected file).
run_pg_suite() {
	local kind=$1 log=$2 cmd=$3 status before=$failed
	as_pg "$cmd" >"$log" 2>&1
	status=$?
	count_regress "$log" "$kind"
	if [ $status -ne 0 ] || [ $failed -ne $before ]; then
		cat "$log"
		find "$WORK" -name regression.diffs -path "*$kind*" -exec head -300 {} \;
		[ $failed -eq $before ] && fail "$kind (exit $status)"
	fi
}

echo "== pg_regress"
REGRESS_TESTS=$(cd "$WORK/sql" && ls *.sql | sed 's/\.sql$//' | sort | tr '\n' ' ')
run_pg_suite regress /tmp/arka-regress.log "cd '$WORK' && '$PGXS_DIR/src/test/regress/pg_regress' \
	--temp-instance='$WORK/tmp_regress' --temp-config='$WORK/regress.conf' \
	--inputdir='$WORK' --outputdir='$WORK/out_regress' --bindir='$PG_BIN' \
	--dbname=arka_regress $REGRESS_TESTS"

echo "== isolation"
ISO_TESTS=$(cd "$WORK/test/isolation/specs" && ls *.spec | sed 's/\.spec$//' | sort | tr '\n' ' ')
run_pg_suite isolation /tmp/arka-iso.log "cd '$WORK' && '$PGXS_DIR/src/test/isolation/pg_isolation_regress' \
	--temp-instance='$WORK/tmp_iso' --temp-config='$WORK/regress.conf' \
	--inputdir='$WORK/test/isolation' --outputdir='$WORK/out_isolation' --bindir='$PG_BIN' \
	--dbname=arka_iso $ISO_TESTS"

echo "== TAP (several clusters and processes)"
for t in "$WORK"/test/tap/t/*.pl; do
	name=$(basename "$t" .pl)
	if as_pg "'$WORK/test/tap/run.sh' '$WORK' '$t'" >"/tmp/arka-tap-$name.log" 2>&1 &&
		grep -q "^Result: PASS" "/tmp/arka-tap-$name.log"; then
		pass "tap $name ($(grep -c '^ok ' "/tmp/arka-tap-$name.log") checks)"
	else
		cat "/tmp/arka-tap-$name.log"
		tail -50 "$WORK"/tmp_check/log/regress_log_"$name" 2>/dev/null
		fail "tap $name"
	fi
done

echo "== drivers: psycopg2 and node-postgres see arka's rejections"
mkdir -p "$WORK/clients/node"
if (cd "$WORK/clients/node" && npm install --silent --no-audit --no-fund pg@8) >/tmp/arka-npm.log 2>&1; then
	as_pg "'$WORK/test/clients/run.sh' '$WORK/clients'" >/tmp/arka-clients.log 2>&1
	for driver in psycopg2 node-postgres; do
		line=$(grep "^$driver: " /tmp/arka-clients.log)
		if [[ $line == *", 0 failed" ]]; then
			pass "driver $driver (${line#*: })"
		else
			cat /tmp/arka-clients.log
			fail "driver $driver"
		fi
	done
else
	cat /tmp/arka-npm.log
	fail "npm install pg"
fi

rm -rf "$WORK"
echo
if [ ${#failures[@]} -gt 0 ]; then
	echo "failed: ${failures[*]}"
fi
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
