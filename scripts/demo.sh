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
