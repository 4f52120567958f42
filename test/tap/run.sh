#!/usr/bin/env bash
# Run the TAP suites with PostgreSQL's test modules (run as a non-root user).
# Usage: test/tap/run.sh <scratch dir> [test.pl ...]   (default: all of t/)
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
export PATH=/usr/lib/postgresql/15/bin:$PATH
export PERL5LIB=/usr/lib/postgresql/15/lib/pgxs/src/test/perl${PERL5LIB:+:$PERL5LIB}
export PG_REGRESS=/usr/lib/postgresql/15/lib/pgxs/src/test/regress/pg_regress
export TESTDATADIR=$1/tap_data TESTLOGDIR=$1/tap_log
mkdir -p "$TESTDATADIR" "$TESTLOGDIR"
scratch=$1
shift
cd "$scratch" && prove -v "${@:-$here/t/*.pl}"
