#!/usr/bin/env bash
# arka-cdc benchmark (docs/cdc.md, "Performance"): flagged changes per
# second end to end beside pg_recvlogical reading an identical wal2json
# slot to /dev/null (the decoding limit), in the same run; then the
# commit-to-flag lag (p50/p99) at 5,000 inserts/s.
#
# Standalone: bench/cdc.sh (starts and removes its own cluster).  From
# scripts/bench.sh: run after start_cluster; it uses database cdcbench.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ -z "${CLUSTER_DIR:-}" ]; then
	. scripts/cluster.sh
	start_cluster cdcbench
fi
DAEMON=${ARKA_CDC:-$PWD/cdc/build/arka-cdc}
[ -x "$DAEMON" ] || make -s -C cdc >/dev/null
ROWS=200000
LAG_SECONDS=${LAG_SECONDS:-20}
W2J_OPTS=(-o format-version=2 -o include-transaction=1 -o include-xids=1 -o include-timestamp=1
	-o include-lsn=1 -o include-pk=1 -o include-types=1 -o include-typmod=1 -o include-type-oids=1
	-o include-schemas=1 -o include-domain-data-type=1 -o add-msg-prefixes=arka
	-o filter-tables=arka.flags,arka.rejections,arka.cdc_progress,arka.decisions)
CONN="dbname=cdcbench"
log=$(mktemp -d /tmp/arka-cdcbench-log.XXXXXX)
chmod 777 "$log"

pg_sql -d postgres -c "CREATE DATABASE cdcbench" >/dev/null
as_postgres cat bench/cdc_setup.sql | pg_sql -d cdcbench >/dev/null

# throughput TITLE TABLE INSERT_FILE: slots created, rows inserted, then
# pg_recvlogical twice (two identical slots; the faster run counts: its
# rate varies between runs on a shared machine, and the faster baseline
# is the stricter comparison) and arka-cdc, each reading the same changes
throughput() {
	local title=$1 table=$2 file=$3 end recv_s t0 t1 t2 flags
	as_postgres "$DAEMON" --dbname "$CONN" --slot arka_bench --create-slot --stop-at-end 2>/dev/null
	for s in recv_bench recv_bench2; do
		as_postgres "$PG_BIN/pg_recvlogical" -d cdcbench -S $s -P wal2json --create-slot
	done
	echo "== $title ($(date -u +%F), $(nproc) cores)"
	as_postgres cat "$file" | pg_sql -d cdcbench >/dev/null
	end=$(pg_sql -d cdcbench -Atc "SELECT pg_current_wal_lsn()")
	recv_s=
	for s in recv_bench recv_bench2; do
		pg_sql -d cdcbench -c "CHECKPOINT" >/dev/null
		t0=$(date +%s.%N)
		as_postgres "$PG_BIN/pg_recvlogical" -d cdcbench -S $s --start --endpos="$end" "${W2J_OPTS[@]}" \
			--no-loop -f /dev/null
		t1=$(date +%s.%N)
		recv_s="$recv_s $(echo "$t0 $t1" | awk '{ printf "%.3f", $2 - $1 }')"
	done
	pg_sql -d cdcbench -c "CHECKPOINT" >/dev/null
	t1=$(date +%s.%N)
	as_postgres "$DAEMON" --dbname "$CONN" --slot arka_bench --stop-at-end 2>"$log/arka.log"
	t2=$(date +%s.%N)
	flags=$(pg_sql -d cdcbench -Atc "SELECT count(*) FROM arka.flags WHERE table_name = 'public.$table'")
	echo "$recv_s" | awk -v r="$ROWS" -v f="$flags" -v b="$t1" -v c="$t2" '{
		best = ($1 < $2) ? $1 : $2;
		rr = r / best; ra = r / (c - b);
		printf "pg_recvlogical (decode only, to /dev/null): %.2f s and %.2f s, best %.0f changes/s\n", $1, $2, rr;
		printf "arka-cdc (decode, decide all, write %d flags, confirm): %.2f s, %.0f changes/s\n", f, c - b, ra;
		printf "arka-cdc / pg_recvlogical: %.0f %%\n", 100 * ra / rr }'
	pg_sql -d postgres -c "SELECT pg_drop_replication_slot(s) FROM unnest(ARRAY['recv_bench', 'recv_bench2', 'arka_bench']) s" >/dev/null
}

if [ -z "${SKIP_THROUGHPUT:-}" ]; then
	throughput "arka-cdc vs pg_recvlogical: $ROWS inserts in 200 transactions, every change flagged" \
		bench_pay bench/cdc_insert.sql
	echo
	throughput "the same with 1 change in 50 flagged" bench_mix bench/cdc_insert_mix.sql
fi

echo
echo "== commit-to-flag lag at 5,000 inserts/s (pgbench, 100 tx/s x 50 rows, $LAG_SECONDS s)"
# a slot created now: the earlier part's rows are not its backlog
as_postgres "$DAEMON" --dbname "$CONN" --slot arka_lag --create-slot --stop-at-end 2>/dev/null
as_postgres sh -c 'echo $$ > "$0"; exec "$@"' "$log/lag.pid" "$DAEMON" --dbname "$CONN" --slot arka_lag 2>"$log/lag.log" &
sleep 1
dpid=$(cat "$log/lag.pid")
# writers commit synchronously here (the bench cluster defaults to off,
# which delays decoding until the WAL writer flushes); a checkpoint first,
# so the previous part's writes do not land in the middle
pg_sql -d cdcbench -c "CHECKPOINT" >/dev/null
as_postgres env PGOPTIONS='-c synchronous_commit=on' "$PG_BIN/pgbench" -n -d cdcbench -R 100 -T "$LAG_SECONDS" -c 2 -j 2 -f bench/cdc_lag.sql >"$log/pgbench.log" 2>&1
rows=$(pg_sql -d cdcbench -Atc "SELECT count(*) FROM bench_lag")
for _ in $(seq 1 60); do
	n=$(pg_sql -d cdcbench -Atc "SELECT count(*) FROM arka.flags WHERE table_name = 'public.bench_lag'")
	[ "$n" -ge "$rows" ] && break
	sleep 1
done
kill -TERM "$dpid" 2>/dev/null || true
wait 2>/dev/null || true
pg_sql -d cdcbench -Atc "
	SELECT format('%s rows in %s s (%s inserts/s); %s flags; lag p50 %s ms, p99 %s ms, max %s ms',
		count(*), $LAG_SECONDS, round(count(*) / $LAG_SECONDS.0), count(*),
		round(percentile_cont(0.5) WITHIN GROUP (ORDER BY ms)::numeric, 1),
		round(percentile_cont(0.99) WITHIN GROUP (ORDER BY ms)::numeric, 1), round(max(ms)::numeric, 1))
	FROM (SELECT extract(epoch FROM flagged_at - committed_at) * 1000 AS ms FROM arka.flags
		  WHERE table_name = 'public.bench_lag') l"
pg_sql -d postgres -c "SELECT pg_drop_replication_slot('arka_lag')" >/dev/null
rm -rf "$log"
