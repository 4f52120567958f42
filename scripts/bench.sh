#!/usr/bin/env bash
# make bench: build, install, start a throwaway cluster and run every
# benchmark in bench/, printing figures side by side from one run.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh
make -s all >/dev/null && make -s install >/dev/null
. scripts/cluster.sh
start_cluster bench
# WAL segments are recycled at checkpoints rather than created (and
# zero-filled) inside timed statements; bench/trigger.sql checkpoints
# before each statement it times
pg_sql -c "ALTER SYSTEM SET min_wal_size = '2GB'" -c "ALTER SYSTEM SET max_wal_size = '8GB'" \
	-c "SELECT pg_reload_conf()" >/dev/null
mkdir -p "$CLUSTER_DIR/ofac" && cp "${SHARED:-../shared}"/data/watchlists/ofac_{sdn,alt,add}.csv "$CLUSTER_DIR/ofac/"
[ "$(id -u)" -eq 0 ] && chown -R postgres: "$CLUSTER_DIR/ofac"
pg_sql -c "CREATE EXTENSION arka" \
	-c "SELECT arka_install_pack(p) FROM unnest(ARRAY['us_bsa','ofac_country','fatf_high_risk','eu_amlr']) p" >/dev/null
as_postgres cat bench/plpgsql_rules.sql | pg_sql >/dev/null
echo "== arka_evaluate vs PL/pgSQL, 100,000 documents, all four packs ($(date -u +%F), $(nproc) cores)"
as_postgres cat bench/evaluate.sql | pg_sql

echo
echo "== enforcement trigger: INSERT ... SELECT of 200,000 rows (a) plain (b) arka (c) PL/pgSQL"
as_postgres cat bench/trigger.sql | pg_sql
echo "== one recorded decision: 50,000 rows, every one a review, beside the allow path and plain"
as_postgres cat bench/review_cost.sql | pg_sql

echo
echo "== single-row inserts, pgbench, 1 client, synchronous_commit = off, 15 s each"
for tbl in pay_plain pay_arka; do
	pg_sql -c "TRUNCATE $tbl" >/dev/null
	tps=$(as_postgres "$PG_BIN/pgbench" -n -c 1 -T 15 -D tbl=$tbl -f bench/pgbench_insert.sql 2>&1 |
		sed -n 's/^tps = \([0-9.]*\).*/\1/p')
	echo "$tbl: $tps inserts/s ($(awk -v t="$tps" 'BEGIN { printf "%.1f", 1e6 / t }') µs per insert)"
done

echo
echo "== screening one name against the OFAC SDN list: arka_screen vs pg_trgm vs pg_similarity"
pg_sql -c "CREATE EXTENSION pg_trgm" -c "CREATE EXTENSION pg_similarity" \
	-c "SELECT arka_load_ofac(pg_read_file('$CLUSTER_DIR/ofac/ofac_sdn.csv'), pg_read_file('$CLUSTER_DIR/ofac/ofac_alt.csv'), pg_read_file('$CLUSTER_DIR/ofac/ofac_add.csv'))" >/dev/null
as_postgres cat bench/screen.sql | pg_sql

echo
# arka-cdc: flagged changes/s beside pg_recvlogical, commit-to-flag lag
# (docs/cdc.md), in a cluster of its own: after the gigabytes the parts
# above write, file writes on this VM cost the kernel several times more
# (page allocation and clearing), which slowed the flag writers by 40 %
# while pg_recvlogical, which writes nothing, was unaffected
stop_cluster
bench/cdc.sh
