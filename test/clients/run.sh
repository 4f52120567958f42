#!/usr/bin/env bash
# Driver tests: psycopg2 and node-postgres against a throwaway cluster.
# Usage: test/clients/run.sh <scratch dir>   (run as a non-root user)
# Prints each driver's "<driver>: N passed, N failed" line.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
work=$1
PG_BIN=/usr/lib/postgresql/15/bin
export PGHOST=$work PGPORT=$((40000 + RANDOM % 20000)) PGDATABASE=postgres PGUSER=$(id -un)
"$PG_BIN/initdb" -D "$work/data" -A trust >"$work/initdb.log" 2>&1 || { cat "$work/initdb.log"; exit 1; }
printf "listen_addresses = ''\nport = $PGPORT\nunix_socket_directories = '$work'\nwal_level = logical\n" \
	>>"$work/data/postgresql.conf"
"$PG_BIN/pg_ctl" -D "$work/data" -l "$work/server.log" -w start >/dev/null || { cat "$work/server.log"; exit 1; }
trap '"$PG_BIN/pg_ctl" -D "$work/data" -m fast -w stop >/dev/null' EXIT
status=0
"$PG_BIN/psql" -X -q -v ON_ERROR_STOP=1 -f "$here/setup.sql" >/dev/null || exit 1
/usr/bin/python3 "$here/psycopg2_test.py" || status=1
NODE_PATH=$work/node/node_modules node "$here/pg_test.js" || status=1
exit $status
