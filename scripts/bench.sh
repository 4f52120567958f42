#!/usr/bin/env bash
# make bench: build, install, start a throwaway cluster and run every
# benchmark in bench/, printing figures side by side from one run.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh
make -s all >/dev/null && make -s install >/dev/null
. scripts/cluster.sh
start_cluster bench
pg_sql -c "CREATE EXTENSION arka" \
	-c "SELECT arka_install_pack(p) FROM unnest(ARRAY['us_bsa','ofac_country','fatf_high_risk','eu_amlr']) p" >/dev/null
as_postgres cat bench/plpgsql_rules.sql | pg_sql >/dev/null
echo "== arka_evaluate vs PL/pgSQL, 100,000 documents, all four packs ($(date -u +%F), $(nproc) cores)"
as_postgres cat bench/evaluate.sql | pg_sql
