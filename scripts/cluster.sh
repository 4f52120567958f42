# Throwaway PostgreSQL cluster for make demo and make bench (sourced).
#   start_cluster NAME   initdb + start in /tmp/arka-NAME.XXXX as postgres,
#                        exports PGHOST/PGPORT/PGDATABASE/PGUSER
#   pg_sql [psql args]   psql against it, as postgres, stopping on errors
#   stop_cluster         stop and remove it (also on exit)
PG_BIN=/usr/lib/postgresql/15/bin

start_cluster() {
	CLUSTER_DIR=$(mktemp -d "/tmp/arka-$1.XXXXXX")
	chmod 755 "$CLUSTER_DIR"
	[ "$(id -u)" -eq 0 ] && chown postgres: "$CLUSTER_DIR"
	export PGHOST=$CLUSTER_DIR PGPORT=$((20000 + RANDOM % 20000)) PGDATABASE=postgres PGUSER=postgres
	as_postgres "$PG_BIN/initdb" -D "$CLUSTER_DIR/data" -A trust -U postgres >"$CLUSTER_DIR/initdb.log" 2>&1 ||
		{ cat "$CLUSTER_DIR/initdb.log"; return 1; }
	cat >>"$CLUSTER_DIR/data/postgresql.conf" <<CONF
listen_addresses = ''
port = $PGPORT
unix_socket_directories = '$CLUSTER_DIR'
wal_level = logical
output_plugin_libraries = 'pgoutput, test_decoding, wal2json'
shared_buffers = 512MB
synchronous_commit = off
CONF
	as_postgres "$PG_BIN/pg_ctl" -D "$CLUSTER_DIR/data" -l "$CLUSTER_DIR/server.log" -w start >/dev/null ||
		{ cat "$CLUSTER_DIR/server.log"; return 1; }
	trap stop_cluster EXIT
}

stop_cluster() {
	[ -n "${CLUSTER_DIR:-}" ] || return 0
	as_postgres "$PG_BIN/pg_ctl" -D "$CLUSTER_DIR/data" -m fast -w stop >/dev/null 2>&1
	rm -rf "$CLUSTER_DIR"
	CLUSTER_DIR=
}

as_postgres() {
	if [ "$(id -u)" -eq 0 ]; then
		runuser -u postgres -- env PGHOST="$PGHOST" PGPORT="$PGPORT" PGDATABASE="$PGDATABASE" PGUSER="$PGUSER" "$@"
	else
		"$@"
	fi
}

pg_sql() {
	as_postgres "$PG_BIN/psql" -X -q -v ON_ERROR_STOP=1 "$@"
}
