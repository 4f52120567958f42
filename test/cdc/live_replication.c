/*-------------------------------------------------------------------------
 *
 * live_replication.c
 *	  The wrapper and the stream against a running PostgreSQL 15 with
 *	  wal2json: checks, slot creation, START_REPLICATION, the CopyBoth
 *	  loop, what the server records as confirmed, and redelivery; and
 *	  that the server reads arka-cdc's binary COPY flag tuples as the
 *	  values their text forms give.
 *
 * Usage: CDC_TEST_CONNINFO='host=... port=... user=<superuser> dbname=postgres'
 *        build/live_replication
 * The conninfo must be in key=value form: the test appends
 * "dbname=arka_cdc_live" (a database it creates and drops) and
 * "user=arka_cdc_norepl" (a role without REPLICATION it creates and
 * drops).  With CDC_TEST_MUTATE_CONFIG=1 it also invalidates a slot by
 * setting max_slot_wal_keep_size for a moment (ALTER SYSTEM, reset at
 * the end): only on a throwaway server.
 *
 *-------------------------------------------------------------------------
 */
#include <stdarg.h>
#include <time.h>
#include <unistd.h>

#include "cdc_test.h"
#include "copybin.h"
#include "flags.h"
#include "log.h"
#include "pgsql.h"
#include "stream.h"
#include "wal2json.h"

#define DB "arka_cdc_live"
#define SLOT "arka_cdc_live"

static char conninfo[2048];		/* into the test database */
static PGconn *sqlconn;			/* ordinary session in the test database */

static bool
exec_ok(PGconn *c, const char *fmt,...)
{
	char		sql[4096];
	va_list		ap;
	PGresult   *r;
	bool		ok;

	va_start(ap, fmt);
	vsnprintf(sql, sizeof(sql), fmt, ap);
	va_end(ap);
	r = PQexec(c, sql);
	ok = PQresultStatus(r) == PGRES_COMMAND_OK || PQresultStatus(r) == PGRES_TUPLES_OK;
	if (!ok)
		fprintf(stderr, "SQL failed: %s\n  %s", sql, PQerrorMessage(c));
	PQclear(r);
	return ok;
}

/* First cell of a query as text (static buffer; "" on error or NULL). */
static const char *
scalar(PGconn *c, const char *sql)
{
	static char buf[1024];
	PGresult   *r = PQexec(c, sql);

	buf[0] = '\0';
	if (PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) > 0 && !PQgetisnull(r, 0, 0))
		snprintf(buf, sizeof(buf), "%s", PQgetvalue(r, 0, 0));
	else if (PQresultStatus(r) != PGRES_TUPLES_OK)
		fprintf(stderr, "SQL failed: %s\n  %s", sql, PQerrorMessage(c));
	PQclear(r);
	return buf;
}

static CdcLsn
slot_confirmed(const char *slot)
{
	char		sql[256];
	const char *v;
	CdcLsn		l = 0;

	snprintf(sql, sizeof(sql),
			 "SELECT confirmed_flush_lsn FROM pg_replication_slots WHERE slot_name = '%s'", slot);
	v = scalar(sqlconn, sql);
	(void) cdc_lsn_parse(v, strlen(v), &l);
	return l;
}

static CdcLsn
current_lsn(void)
{
	const char *v = scalar(sqlconn, "SELECT pg_current_wal_lsn()");
	CdcLsn		l = 0;

	(void) cdc_lsn_parse(v, strlen(v), &l);
	return l;
}

/* Wait (bounded) until the server shows the walsender gone from the slot. */
static void
wait_slot_inactive(const char *slot)
{
	char		sql[256];

	snprintf(sql, sizeof(sql),
			 "SELECT active FROM pg_replication_slots WHERE slot_name = '%s'", slot);
	for (int i = 0; i < 100; i++)
	{
		if (strcmp(scalar(sqlconn, sql), "t") != 0)
			return;
		usleep(100 * 1000);
	}
}

/* What one streaming session saw. */
typedef struct Seen
{
	int			inserts;
	int			commits;
	int			messages;
	int			keepalives;
	bool		exact_ok;
	bool		utc_ok;
	bool		commit_start_is_nextlsn;
	CdcLsn		last_commit_end;
	CdcLsn		first_commit_end;
} Seen;

/*
 * Stream until `want_inserts` inserts have been seen and the server is
 * past `target`, confirming each transaction at its commit when
 * `confirm`; at most timeout_s seconds.
 */
static void
stream_until(StreamContext *s, W2jParser *wp, ArkaArena *arena, int want_inserts, CdcLsn target,
			 bool confirm, int timeout_s, Seen *seen)
{
	time_t		end = time(NULL) + timeout_s;

	memset(seen, 0, sizeof(*seen));
	seen->exact_ok = true;
	seen->utc_ok = true;
	seen->commit_start_is_nextlsn = true;
	while (time(NULL) < end)
	{
		StreamMessage msg;
		StreamResult r = stream_next(s, &msg, 500);

		if (r == STREAM_DATA)
		{
			W2jMessage	m;
			W2jError	err;

			arka_arena_reset(arena);
			if (!w2j_parse(wp, msg.data, msg.len, arena, &m, &err))
			{
				fprintf(stderr, "parse failed: %s\n", err.message);
				CHECK(false);
				continue;
			}
			if (m.timestamp && strstr(m.timestamp, "+00") == NULL)
				seen->utc_ok = false;
			if (m.action == W2J_INSERT && strcmp(m.table, "live_pay") == 0)
			{
				const ArkaValue *v = w2j_row_get(&m, "amount", 6);
				char		c[ARKA_DEC_STRLEN];

				seen->inserts++;
				if (v == NULL || v->type != ARKA_NUM)
					seen->exact_ok = false;
				else
				{
					arka_dec_to_canonical(&v->u.num, c);
					if (strcmp(c, "1234567890123456789123456789e-9") != 0)
						seen->exact_ok = false;
				}
			}
			else if (m.action == W2J_MESSAGE)
				seen->messages++;
			else if (m.action == W2J_COMMIT)
			{
				/* the C message's dataStart is the end of the commit */
				if (msg.data_start != m.nextlsn)
					seen->commit_start_is_nextlsn = false;
				seen->commits++;
				seen->last_commit_end = m.nextlsn;
				if (seen->first_commit_end == 0)
					seen->first_commit_end = m.nextlsn;
				if (confirm)
				{
					stream_confirm(s, msg.data_start, true);
					CHECK(stream_send_status(s, true, false));
				}
			}
		}
		else if (r == STREAM_KEEPALIVE)
			seen->keepalives++;
		else if (r != STREAM_IDLE)
		{
			fprintf(stderr, "stream_next: %d\n", (int) r);
			break;
		}
		if (seen->inserts >= want_inserts && s->received_lsn >= target)
			break;
	}
}

static bool
start(PGSQL *p, StreamContext *s, CdcLsn *startpos)
{
	StreamConnectOpts o = {conninfo, SLOT, pgsql_wal2json_options, pgsql_wal2json_noptions,
	1, 100, 1000};

	if (!stream_reconnect(&o, startpos, p))
		return false;
	stream_init(s, p, *startpos, 0);
	return true;
}

static void
test_checks_and_slot(void)
{
	PGSQL		p;
	PgsqlServerInfo si;
	PgsqlSlotInfo slot;
	PgsqlSystem sys;
	CdcLsn		cp;
	bool		created;

	CHECK(pgsql_open(&p, conninfo, PGSQL_CONN_REPLICATION));
	CHECK(pgsql_set_session(&p));
	CHECK(pgsql_check_server(&p, &si));
	CHECK(strcmp(si.wal_level, "logical") == 0 && si.can_replicate && si.wal2json_allowed);
	CHECK(si.server_version >= 150000);
	CHECK(pgsql_identify_system(&p, &sys));
	CHECK(strcmp(sys.dbname, DB) == 0 && sys.timeline >= 1 && sys.xlogpos > 0);

	/* missing slot: actionable */
	CHECK(!pgsql_check_slot(&p, SLOT, &slot));
	CHECK(p.err_kind == PGSQL_ERR_SLOT_MISSING);
	CHECK(strstr(p.errmsg, "--create-slot") != NULL);

	/* create, then create again: idempotent */
	CHECK(pgsql_create_slot(&p, SLOT, &cp, &created));
	CHECK(created && cp > 0);
	CHECK(pgsql_create_slot(&p, SLOT, &cp, &created));
	CHECK(!created);
	CHECK(pgsql_check_slot(&p, SLOT, &slot));
	CHECK(strcmp(slot.plugin, "wal2json") == 0 && slot.active_pid == 0);

	/* slots of another kind or plugin */
	CHECK(exec_ok(sqlconn, "SELECT pg_create_physical_replication_slot('arka_cdc_phys')"));
	CHECK(exec_ok(sqlconn, "SELECT pg_create_logical_replication_slot('arka_cdc_td', 'test_decoding')"));
	CHECK(!pgsql_check_slot(&p, "arka_cdc_phys", &slot));
	CHECK(p.err_kind == PGSQL_ERR_SLOT_MISMATCH && strstr(p.errmsg, "physical") != NULL);
	CHECK(!pgsql_check_slot(&p, "arka_cdc_td", &slot));
	CHECK(p.err_kind == PGSQL_ERR_SLOT_MISMATCH && strstr(p.errmsg, "test_decoding") != NULL);
	CHECK(!pgsql_create_slot(&p, "arka_cdc_td", &cp, &created));
	CHECK(p.err_kind == PGSQL_ERR_SLOT_MISMATCH);
	CHECK(exec_ok(sqlconn, "SELECT pg_drop_replication_slot('arka_cdc_phys')"));
	CHECK(exec_ok(sqlconn, "SELECT pg_drop_replication_slot('arka_cdc_td')"));

	/* START_REPLICATION on a slot that is not there: classified */
	CHECK(!pgsql_start_replication(&p, "arka_cdc_nope", 0, pgsql_wal2json_options,
								   pgsql_wal2json_noptions));
	CHECK(p.err_kind == PGSQL_ERR_SLOT_MISSING);

	/* an option wal2json 2.5 does not know */
	{
		static const PgsqlOption bad[] = {{"format-version", "2"},
		{"numeric-data-types-as-string", "1"}};

		CHECK(!pgsql_start_replication(&p, SLOT, 0, bad, 2));
		CHECK(p.err_kind == PGSQL_ERR_PLUGIN_OPTION);
		CHECK(strstr(p.errmsg, "numeric-data-types-as-string") != NULL);
	}

	/*
	 * The plugin gate, without touching the server's configuration: the
	 * setting is superuser-settable per session.
	 */
	CHECK(exec_ok(p.conn, "SET output_plugin_libraries TO 'pgoutput', 'test_decoding'"));
	CHECK(!pgsql_check_server(&p, &si));
	CHECK(p.err_kind == PGSQL_ERR_PLUGIN_GATED);
	CHECK(strstr(p.errmsg, "output_plugin_libraries = 'pgoutput, test_decoding, wal2json'") != NULL);
	CHECK(!pgsql_create_slot(&p, "arka_cdc_gated", &cp, &created));
	CHECK(p.err_kind == PGSQL_ERR_PLUGIN_GATED);
	CHECK(!pgsql_start_replication(&p, SLOT, 0, pgsql_wal2json_options, pgsql_wal2json_noptions));
	CHECK(p.err_kind == PGSQL_ERR_PLUGIN_GATED);
	/* the ALTER SYSTEM pitfall: one quoted list is a single element */
	CHECK(exec_ok(p.conn, "SET output_plugin_libraries TO 'pgoutput, test_decoding, wal2json'"));
	CHECK(!pgsql_check_server(&p, &si));
	CHECK(strstr(p.errmsg, "holding commas") != NULL);
	pgsql_finish(&p);

	/* a role without REPLICATION */
	{
		char		ci[2200];

		CHECK(exec_ok(sqlconn, "DROP ROLE IF EXISTS arka_cdc_norepl"));
		CHECK(exec_ok(sqlconn, "CREATE ROLE arka_cdc_norepl LOGIN"));
		snprintf(ci, sizeof(ci), "%s user=arka_cdc_norepl", conninfo);
		CHECK(!pgsql_open(&p, ci, PGSQL_CONN_REPLICATION));
		CHECK(p.err_kind == PGSQL_ERR_PRIVILEGE);
		CHECK(strstr(p.errmsg, "ALTER ROLE \"arka_cdc_norepl\" REPLICATION") != NULL);
		/* over an ordinary connection the check says the same */
		CHECK(pgsql_open(&p, ci, PGSQL_CONN_SQL));
		CHECK(!pgsql_check_server(&p, &si));
		CHECK(p.err_kind == PGSQL_ERR_PRIVILEGE);
		pgsql_finish(&p);
		CHECK(exec_ok(sqlconn, "DROP ROLE arka_cdc_norepl"));
	}
}

static void
test_stream(void)
{
	PGSQL		p;
	StreamContext s;
	W2jParser	wp;
	ArkaArena	arena;
	Seen		seen;
	CdcLsn		startpos = 0,
				target,
				confirmed;

	w2j_parser_init(&wp);
	arka_arena_init(&arena, 0);

	/* a walsender session in another TimeZone: our SET makes it UTC */
	CHECK(exec_ok(sqlconn, "ALTER DATABASE " DB " SET TimeZone = 'Asia/Kolkata'"));
	CHECK(exec_ok(sqlconn, "CREATE TABLE live_pay (id bigint PRIMARY KEY, amount numeric)"));
	CHECK(exec_ok(sqlconn, "INSERT INTO live_pay SELECT g, 1234567890123456789.123456789 "
				  "FROM generate_series(1, 100) g"));
	CHECK(exec_ok(sqlconn, "SELECT pg_logical_emit_message(true, 'arka', '{\"amount\":12.30}')"));
	CHECK(exec_ok(sqlconn, "SELECT pg_logical_emit_message(true, 'other', 'filtered')"));
	CHECK(exec_ok(sqlconn, "INSERT INTO live_pay VALUES (101, 1234567890123456789.123456789)"));
	target = current_lsn();

	/* 1: stream everything, confirm at each commit */
	CHECK(start(&p, &s, &startpos));
	stream_until(&s, &wp, &arena, 101, target, true, 30, &seen);
	CHECK(seen.inserts == 101);
	CHECK(seen.messages == 1);	/* the "other" prefix filtered by the server */
	CHECK(seen.exact_ok);
	CHECK(seen.utc_ok);
	CHECK(seen.commit_start_is_nextlsn);
	CHECK(s.durable_lsn >= seen.last_commit_end);
	CHECK(stream_close(&s, 5000));
	pgsql_finish(&p);
	wait_slot_inactive(SLOT);
	confirmed = slot_confirmed(SLOT);
	/* what the server recorded is exactly what we declared durable */
	CHECK(confirmed == s.durable_lsn);
	CHECK(confirmed >= seen.last_commit_end);

	/*
	 * 2: receive a transaction but do not confirm it, then stop as on
	 * SIGTERM: the server must not record it, and must send it again.
	 */
	CHECK(exec_ok(sqlconn, "INSERT INTO live_pay VALUES (102, 1234567890123456789.123456789)"));
	target = current_lsn();
	startpos = 0;
	CHECK(start(&p, &s, &startpos));
	CHECK(startpos == confirmed);	/* raised to the slot's position */
	stream_until(&s, &wp, &arena, 1, target, false, 30, &seen);
	CHECK(seen.inserts == 1 && seen.commits == 1);
	stream_request_stop();
	{
		StreamMessage msg;

		CHECK(stream_next(&s, &msg, 1000) == STREAM_STOP);
	}
	CHECK(stream_close(&s, 5000));
	pgsql_finish(&p);
	stream_reset_signals();
	wait_slot_inactive(SLOT);
	/*
	 * Unprocessed, so not confirmed: the slot may have moved to a
	 * keepalive's walEnd seen before the transaction arrived, never to
	 * its commit.
	 */
	CHECK(slot_confirmed(SLOT) >= confirmed);
	CHECK(slot_confirmed(SLOT) < seen.last_commit_end);

	startpos = 0;
	CHECK(start(&p, &s, &startpos));
	stream_until(&s, &wp, &arena, 1, target, true, 30, &seen);
	CHECK(seen.inserts == 1);	/* delivered again: at least once */
	CHECK(stream_close(&s, 5000));
	pgsql_finish(&p);
	wait_slot_inactive(SLOT);
	confirmed = slot_confirmed(SLOT);
	CHECK(confirmed >= seen.last_commit_end);

	/*
	 * 3: caught up and idle, WAL that produces no output (a filtered
	 * non-transactional message) moves the server on; its keepalive's
	 * walEnd is confirmed, so an idle slot does not pin WAL.
	 */
	startpos = 0;
	CHECK(start(&p, &s, &startpos));
	CHECK(exec_ok(sqlconn, "SELECT pg_logical_emit_message(false, 'other', 'x')"));
	CHECK(exec_ok(sqlconn, "SELECT pg_switch_wal()"));
	target = current_lsn();
	{
		time_t		end = time(NULL) + 20;
		StreamMessage msg;

		while (time(NULL) < end && s.durable_lsn < target)
		{
			StreamResult r = stream_next(&s, &msg, 500);

			if (r == STREAM_DATA)
			{
				/* anything else (autovacuum, etc.) is confirmed at its C */
				W2jMessage	m;
				W2jError	err;

				arka_arena_reset(&arena);
				if (w2j_parse(&wp, msg.data, msg.len, &arena, &m, &err) && m.action == W2J_COMMIT)
					stream_confirm(&s, msg.data_start, true);
			}
			else if (r != STREAM_KEEPALIVE && r != STREAM_IDLE)
				break;
			/* nudge the server to report its position */
			if (r == STREAM_IDLE)
				CHECK(stream_send_status(&s, true, true));
		}
	}
	CHECK(s.durable_lsn >= target);
	CHECK(s.n_keepalive > 0);
	CHECK(stream_close(&s, 5000));
	pgsql_finish(&p);
	wait_slot_inactive(SLOT);
	CHECK(slot_confirmed(SLOT) == s.durable_lsn);

	/* 4: a busy slot is transient: reconnect gives up after max_attempts */
	{
		PGSQL		p2;
		CdcLsn		sp = 0;
		StreamConnectOpts o = {conninfo, SLOT, pgsql_wal2json_options, pgsql_wal2json_noptions,
		2, 50, 100};

		CHECK(start(&p, &s, &startpos));
		CHECK(!stream_reconnect(&o, &sp, &p2));
		CHECK(p2.err_kind == PGSQL_ERR_SLOT_BUSY);
		CHECK(stream_close(&s, 5000));
		pgsql_finish(&p);
	}

	/* 5: server unreachable: retried with backoff, each attempt logged */
	{
		PGSQL		p2;
		CdcLsn		sp = 0;
		StreamConnectOpts o = {"host=/nonexistent-arka-cdc port=1", SLOT, NULL, 0, 3, 20, 50};
		time_t		t0 = time(NULL);

		CHECK(!stream_reconnect(&o, &sp, &p2));
		CHECK(p2.err_kind == PGSQL_ERR_CONNECT);
		CHECK(time(NULL) - t0 < 5);
	}
	/* 6: a missing slot is not retried */
	{
		PGSQL		p2;
		CdcLsn		sp = 0;
		StreamConnectOpts o = {conninfo, "arka_cdc_nope", NULL, 0, 0, 20, 50};

		CHECK(!stream_reconnect(&o, &sp, &p2));
		CHECK(p2.err_kind == PGSQL_ERR_SLOT_MISSING);
	}

	/*
	 * 7: the server side goes away mid-stream (walsender terminated, as
	 * in a server restart): a transient error, then streaming resumes
	 * from the durable position.
	 */
	{
		StreamMessage msg;
		StreamResult r = STREAM_IDLE;
		time_t		end;

		startpos = 0;
		CHECK(start(&p, &s, &startpos));
		CHECK(exec_ok(sqlconn, "SELECT pg_terminate_backend(active_pid) FROM pg_replication_slots "
					  "WHERE slot_name = '" SLOT "'"));
		end = time(NULL) + 10;
		while (time(NULL) < end)
		{
			r = stream_next(&s, &msg, 500);
			if (r == STREAM_ERROR || r == STREAM_END)
				break;
		}
		CHECK(r == STREAM_ERROR);
		CHECK(pgsql_error_is_transient(p.err_kind));
		CHECK(stream_close(&s, 1000));	/* nothing left to close: fine */
		pgsql_finish(&p);
		wait_slot_inactive(SLOT);
		CHECK(exec_ok(sqlconn, "INSERT INTO live_pay VALUES (103, 1234567890123456789.123456789)"));
		target = current_lsn();
		startpos = s.durable_lsn;
		CHECK(start(&p, &s, &startpos));
		stream_until(&s, &wp, &arena, 1, target, true, 30, &seen);
		CHECK(seen.inserts == 1 && seen.exact_ok);
		CHECK(stream_close(&s, 5000));
		pgsql_finish(&p);
	}

	arka_arena_free(&arena);
}

/* Invalidate a slot through max_slot_wal_keep_size (throwaway servers only). */
static void
test_lost_slot(void)
{
	PGSQL		p;
	PgsqlSlotInfo slot;
	CdcLsn		cp;
	bool		created;

	CHECK(pgsql_open(&p, conninfo, PGSQL_CONN_REPLICATION));
	CHECK(pgsql_create_slot(&p, "arka_cdc_lost", &cp, &created));
	CHECK(exec_ok(sqlconn, "ALTER SYSTEM SET max_slot_wal_keep_size = '1MB'"));
	CHECK(exec_ok(sqlconn, "SELECT pg_reload_conf()"));
	usleep(300 * 1000);
	for (int i = 0; i < 6; i++)
	{
		CHECK(exec_ok(sqlconn, "INSERT INTO live_pay SELECT g, 1 FROM generate_series(1000 + %d * 1000, 1999 + %d * 1000) g", i, i));
		CHECK(exec_ok(sqlconn, "SELECT pg_switch_wal()"));
	}
	CHECK(exec_ok(sqlconn, "CHECKPOINT"));
	CHECK(exec_ok(sqlconn, "ALTER SYSTEM RESET max_slot_wal_keep_size"));
	CHECK(exec_ok(sqlconn, "SELECT pg_reload_conf()"));

	CHECK(!pgsql_check_slot(&p, "arka_cdc_lost", &slot));
	CHECK(p.err_kind == PGSQL_ERR_SLOT_LOST);
	CHECK(strstr(p.errmsg, "max_slot_wal_keep_size") != NULL);
	CHECK(!pgsql_start_replication(&p, "arka_cdc_lost", 0, pgsql_wal2json_options,
								   pgsql_wal2json_noptions));
	CHECK(p.err_kind == PGSQL_ERR_SLOT_LOST);
	pgsql_finish(&p);
	CHECK(exec_ok(sqlconn, "SELECT pg_drop_replication_slot('arka_cdc_lost')"));
}

/*
 * Flags sent in COPY's binary format (flags_encode) hold what their text
 * forms, read by the types' input functions, hold: same table as
 * arka.flags' columns, one row per flag both ways, no difference.
 */
static void
test_copy_binary(void)
{
	static const char *const cols =
		"(table_name text, row_key jsonb, operation text, commit_lsn pg_lsn, change_seq int, "
		"xid bigint, committed_at timestamptz, kind text, outcome text, violations jsonb, "
		"rule_versions jsonb, ruleset_version text, proof_id text, note text)";
	/* the text forms: LSN, xid, commit time as wal2json prints it */
	static const struct
	{
		const char *lsn;
		const char *xid;
		const char *at;
		const char *table_name;
		const char *row_key;
		const char *note;
	}			rows[] = {
		{"16/B374D848", "4294967295", "2026-11-26 05:44:55.322138+00", "public.pay\tments",
		"{\"id\": \"a\\\\b\\n\\t \\u0001 \u00e9\u20ac\"}", "back\\slash\ttab\nnl\rcr \\N"},
		{"0/1", NULL, "1999-12-31 23:59:59.5+00", "s.t", NULL, NULL},
		{"FFFFFFFF/FFFFFFFF", "0", NULL, "", "{}", ""},
		{"0/1540978", "727", "2000-01-01 05:30:00+05:30", "public.x", "{\"k\": [1, 2.50, null, true]}", "\\"},
	};
	ArkaBuf		b;
	PGresult   *r;
	bool		sent;

	CHECK(exec_ok(sqlconn, "CREATE TEMP TABLE flags_bin %s", cols));
	CHECK(exec_ok(sqlconn, "CREATE TEMP TABLE flags_txt %s", cols));
	arka_buf_init(&b);
	copybin_header(&b);
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++)
	{
		FlagRow		f = {
			.table_name = rows[i].table_name,
			.row_key = rows[i].row_key,
			.operation = i % 2 ? "UPDATE" : "INSERT",
			.change_seq = (int) i + 1,
			.has_xid = rows[i].xid != NULL,
			.xid = rows[i].xid ? (uint32_t) strtoul(rows[i].xid, NULL, 10) : 0,
			.has_committed_at = rows[i].at != NULL,
			.kind = "violation",
			.outcome = "review",
			.violations = "[{\"action\": \"review\", \"evidence\": {\"amount\": 10000.010}}]",
			.rule_versions = i == 1 ? NULL : "{\"us.bsa.ctr\": 1, \"a\": 2}",
			.ruleset_version = i == 1 ? NULL : "847b077da2846cc53ce5b991ad01f7188bfdc17b881548af06e1ba8abab0d233",
			.proof_id = i == 1 ? NULL : "f35d3ca0482c01b0874c9a05b3eade9c603208ce33060db6f5798776a8b187b3",
			.note = rows[i].note,
		};
		char		seq[16];
		const char *params[14];

		CHECK(cdc_lsn_parse(rows[i].lsn, strlen(rows[i].lsn), &f.commit_lsn));
		if (rows[i].at)
			CHECK(w2j_parse_timestamp(rows[i].at, strlen(rows[i].at), &f.committed_at));
		flags_encode(&b, &f);

		snprintf(seq, sizeof(seq), "%d", f.change_seq);
		params[0] = f.table_name;
		params[1] = f.row_key;
		params[2] = f.operation;
		params[3] = rows[i].lsn;
		params[4] = seq;
		params[5] = rows[i].xid;
		params[6] = rows[i].at;
		params[7] = f.kind;
		params[8] = f.outcome;
		params[9] = f.violations;
		params[10] = f.rule_versions;
		params[11] = f.ruleset_version;
		params[12] = f.proof_id;
		params[13] = f.note;
		r = PQexecParams(sqlconn, "INSERT INTO flags_txt VALUES ($1, $2, $3, $4, $5, $6, $7, $8, "
						 "$9, $10, $11, $12, $13, $14)", 14, NULL, params, NULL, NULL, 0);
		CHECK(PQresultStatus(r) == PGRES_COMMAND_OK);
		PQclear(r);
	}
	copybin_trailer(&b);
	CHECK(!b.oom);

	r = PQexec(sqlconn, "COPY flags_bin FROM STDIN (FORMAT binary)");
	CHECK(PQresultStatus(r) == PGRES_COPY_IN);
	PQclear(r);
	sent = PQputCopyData(sqlconn, b.data, (int) b.len) == 1 && PQputCopyEnd(sqlconn, NULL) == 1;
	CHECK(sent);
	r = PQgetResult(sqlconn);
	if (PQresultStatus(r) != PGRES_COMMAND_OK)
		fprintf(stderr, "binary COPY failed: %s", PQerrorMessage(sqlconn));
	CHECK(PQresultStatus(r) == PGRES_COMMAND_OK);
	CHECK(strcmp(PQcmdTuples(r), "4") == 0);
	PQclear(r);
	while ((r = PQgetResult(sqlconn)) != NULL)
		PQclear(r);

	CHECK(strcmp(scalar(sqlconn, "SELECT count(*) FROM flags_txt"), "4") == 0);
	CHECK(strcmp(scalar(sqlconn, "SELECT count(*) FROM ((TABLE flags_bin EXCEPT ALL TABLE flags_txt) "
						"UNION ALL (TABLE flags_txt EXCEPT ALL TABLE flags_bin)) d"), "0") == 0);
	/* the values themselves, as the text forms print them back */
	CHECK(strcmp(scalar(sqlconn, "SELECT string_agg(concat_ws('|', commit_lsn, xid, committed_at), ' ' "
						"ORDER BY change_seq) FROM flags_bin"),
				 "16/B374D848|4294967295|2026-11-26 05:44:55.322138+00 "
				 "0/1|1999-12-31 23:59:59.5+00 FFFFFFFF/FFFFFFFF|0 "
				 "0/1540978|727|2000-01-01 00:00:00+00") == 0);

	/* a tuple of the wrong shape is refused, not misread */
	b.len = 0;
	copybin_header(&b);
	copybin_tuple(&b, 2);
	copybin_text(&b, "x", 1);
	copybin_int4(&b, 1);
	copybin_trailer(&b);
	r = PQexec(sqlconn, "COPY flags_bin FROM STDIN (FORMAT binary)");
	CHECK(PQresultStatus(r) == PGRES_COPY_IN);
	PQclear(r);
	CHECK(PQputCopyData(sqlconn, b.data, (int) b.len) == 1 && PQputCopyEnd(sqlconn, NULL) == 1);
	r = PQgetResult(sqlconn);
	CHECK(PQresultStatus(r) == PGRES_FATAL_ERROR);
	CHECK(strcmp(PQresultErrorField(r, PG_DIAG_SQLSTATE), "22P04") == 0);	/* bad_copy_file_format */
	PQclear(r);
	while ((r = PQgetResult(sqlconn)) != NULL)
		PQclear(r);
	arka_buf_free(&b);
	CHECK(exec_ok(sqlconn, "DROP TABLE flags_bin, flags_txt"));
}

int
main(void)
{
	const char *base = getenv("CDC_TEST_CONNINFO");
	PGconn	   *admin;

	if (base == NULL || *base == '\0')
	{
		printf("live_replication: skipped (set CDC_TEST_CONNINFO)\n");
		return 0;
	}
	cdc_log_set_level(getenv("CDC_TEST_VERBOSE") ? CDC_LOG_DEBUG : CDC_LOG_FATAL);

	admin = PQconnectdb(base);
	if (PQstatus(admin) != CONNECTION_OK)
	{
		fprintf(stderr, "cannot connect: %s", PQerrorMessage(admin));
		return 1;
	}
	exec_ok(admin, "SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots "
			"WHERE slot_name LIKE 'arka_cdc_%%'");
	exec_ok(admin, "DROP DATABASE IF EXISTS " DB);
	CHECK(exec_ok(admin, "CREATE DATABASE " DB));
	snprintf(conninfo, sizeof(conninfo), "%s dbname=" DB, base);
	sqlconn = PQconnectdb(conninfo);
	CHECK(PQstatus(sqlconn) == CONNECTION_OK);

	test_checks_and_slot();
	test_stream();
	test_copy_binary();
	if (getenv("CDC_TEST_MUTATE_CONFIG") && strcmp(getenv("CDC_TEST_MUTATE_CONFIG"), "1") == 0)
		test_lost_slot();

	exec_ok(sqlconn, "SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots "
			"WHERE slot_name LIKE 'arka_cdc_%%'");
	PQfinish(sqlconn);
	exec_ok(admin, "DROP DATABASE IF EXISTS " DB);
	PQfinish(admin);
	return arka_test_summary("live_replication");
}
