#!/usr/bin/env bash
# make demo: install what is missing, build, start a throwaway PostgreSQL,
# load the rule packs and show arka deciding real-looking payments.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh
make -s all >/dev/null && make -s install >/dev/null
. scripts/cluster.sh
start_cluster demo
echo "arka demo: throwaway cluster in $CLUSTER_DIR (removed on exit)"
# the OFAC files are read by the server: give it a copy it can read
mkdir -p "$CLUSTER_DIR/ofac" && cp "${SHARED:-../shared}"/data/watchlists/ofac_{sdn,alt,add}.csv "$CLUSTER_DIR/ofac/"
[ "$(id -u)" -eq 0 ] && chown -R postgres: "$CLUSTER_DIR/ofac"
as_postgres cat demo/demo.sql | pg_sql -P pager=off -v ofac="$CLUSTER_DIR/ofac"

# arka-cdc: a committed row flagged, a rejected attempt recorded (docs/cdc.md)
echo
echo "== arka-cdc: flags committed rows and records rejected attempts from the WAL"
pg_sql -d postgres -c "CREATE DATABASE cdcdemo" >/dev/null
as_postgres cat demo/cdc.sql | pg_sql -d cdcdemo -v part=setup >/dev/null
as_postgres "$PWD/cdc/build/arka-cdc" --dbname "dbname=cdcdemo" --slot arka_demo --create-slot --stop-at-end 2>/dev/null
as_postgres cat demo/cdc.sql | pg_sql -d cdcdemo -v part=write 2>&1 | sed -n '/^--/p;/ERROR/p'
echo "-- arka-cdc --stop-at-end:"
as_postgres "$PWD/cdc/build/arka-cdc" --dbname "dbname=cdcdemo" --slot arka_demo --stop-at-end 2>&1 |
	grep -E 'event=(decide|main.exit)' | sed 's/^ts=[^ ]* //'
as_postgres cat demo/cdc.sql | pg_sql -d cdcdemo -P pager=off -v part=show
pg_sql -d postgres -c "SELECT pg_drop_replication_slot('arka_demo')" >/dev/null
