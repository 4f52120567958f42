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
as_postgres cat demo/demo.sql | pg_sql -P pager=off
