/*-------------------------------------------------------------------------
 *
 * pgsql.c
 *	  The libpq wrapper of arka-cdc.
 *
 * One PGSQL per connection.  Checks run over the replication connection
 * itself (a replication=database walsender also accepts plain SQL), so
 * arka-cdc needs a single connection to stream; the daemon's writes use a
 * second, ordinary one.  Note that a replication connection only speaks
 * the simple query protocol, so values are quoted here rather than bound.
 *
 * Errors observed on PostgreSQL 15.20 with wal2json 2.5 and used below:
 *   - no REPLICATION: the connection itself fails with FATAL "must be
 *     superuser or replication role to start walsender" (42501);
 *   - plugin gate (15.19+): 42501 'library "wal2json" may not be used as
 *     an output plugin', at slot creation and at START_REPLICATION;
 *   - unknown plugin option: 22023 'option "x" = "1" is unknown';
 *   - missing slot: 42704; slot in use: 55006;
 *   - invalidated slot: 55000 'cannot read from logical replication slot'
 *     with DETAIL "This slot has been invalidated because it exceeded the
 *     maximum reserved size."  A *physical* slot gets the very same error
 *     there, which is why the slot is checked in pg_replication_slots
 *     before START_REPLICATION.
 *
 *-------------------------------------------------------------------------
 */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "pgsql.h"

/*
 * The wal2json 2.5 options arka-cdc sends.  wal2json rejects unknown
 * options with an ERROR, so only options 2.5 knows are listed (in
 * particular not numeric-data-types-as-string, which is 2.6+):
 *
 *   format-version 2      one JSON object per change ("action" B, C, I, U,
 *                         D, M, T) instead of one object per transaction
 *                         (v1 hits the 1 GB limit on big transactions)
 *   include-transaction   B and C objects around each transaction (their
 *                         "lsn" is the commit record, "nextlsn" its end)
 *   include-xids          "xid" on every object (null on a
 *                         non-transactional M)
 *   include-timestamp     "timestamp": the commit time, printed in the
 *                         walsender's TimeZone (UTC, see pgsql_set_session)
 *   include-lsn           "lsn" on every object, plus "nextlsn" on B/C
 *   include-pk            "pk": [{name,type,typeoid}] on I/U/D (no values)
 *   include-types         "type" of each column, e.g. "numeric(20,2)"
 *   include-typmod        the typmod inside "type" ("numeric(20,2)")
 *   include-type-oids     "typeoid", so numeric/float/int columns are
 *                         recognised without parsing type names
 *   include-schemas       "schema" on I/U/D/T
 *   include-domain-data-type  "type" of a domain column names its base
 *                         type ("numeric(12,2)", not "money_amt"): wal2json
 *                         prints domain values as JSON strings ("12.30"),
 *                         and the base type tells the parser it is a number
 *   add-msg-prefixes      only logical messages with prefix "arka" (the
 *                         trigger's rejected attempts, heartbeats)
 *
 * Defaults of include-types, include-typmod and include-schemas are
 * already true; they are sent anyway so a changed default cannot change
 * the shape silently.
 */
const PgsqlOption pgsql_wal2json_options[] = {
	{"format-version", "2"},
	{"include-transaction", "1"},
	{"include-xids", "1"},
	{"include-timestamp", "1"},
	{"include-lsn", "1"},
	{"include-pk", "1"},
	{"include-types", "1"},
	{"include-typmod", "1"},
	{"include-type-oids", "1"},
	{"include-schemas", "1"},
	{"include-domain-data-type", "1"},
	{"add-msg-prefixes", "arka"},
};
const size_t pgsql_wal2json_noptions =
sizeof(pgsql_wal2json_options) / sizeof(pgsql_wal2json_options[0]);

/* Record an error on p (one line) without logging it. */
static void
set_error(PGSQL *p, PgsqlErrorKind kind, const char *fmt,...)
__attribute__((format(printf, 3, 4)));

static void
set_error(PGSQL *p, PgsqlErrorKind kind, const char *fmt,...)
{
	va_list		ap;

	p->err_kind = kind;
	va_start(ap, fmt);
	vsnprintf(p->errmsg, sizeof(p->errmsg), fmt, ap);
	va_end(ap);
}

/* Log the error recorded on p, once, as event `event`. */
static void
log_pgsql_error(PGSQL *p, const char *event)
{
	CdcLogLine	l;

	if (cdc_log_begin(&l, CDC_LOG_ERROR, event))
	{
		cdc_log_str(&l, "kind", pgsql_error_kind_name(p->err_kind));
		if (p->sqlstate[0])
			cdc_log_str(&l, "sqlstate", p->sqlstate);
		cdc_log_bool(&l, "retry", pgsql_error_is_transient(p->err_kind));
		cdc_log_str(&l, "msg", p->errmsg);
		cdc_log_end(&l);
	}
}

/* Trim libpq's trailing newline(s) and join lines with "; ". */
static void
one_line(const char *in, char *out, size_t cap)
{
	size_t		o = 0;

	if (cap == 0)
		return;
	for (const char *s = in ? in : ""; *s && o + 1 < cap; s++)
	{
		if (*s == '\n')
		{
			if (s[1] == '\0')
				break;
			if (o + 3 < cap)
			{
				out[o++] = ';';
				out[o++] = ' ';
			}
			while (s[1] == '\t' || s[1] == ' ')
				s++;
		}
		else
			out[o++] = *s;
	}
	out[o] = '\0';
}

bool
pgsql_error_is_transient(PgsqlErrorKind kind)
{
	switch (kind)
	{
		case PGSQL_ERR_CONNECT:
		case PGSQL_ERR_SLOT_BUSY:
		case PGSQL_ERR_QUERY:
		case PGSQL_ERR_PROTOCOL:
			return true;
		default:
			return false;
	}
}

const char *
pgsql_error_kind_name(PgsqlErrorKind kind)
{
	switch (kind)
	{
		case PGSQL_ERR_NONE:
			return "none";
		case PGSQL_ERR_CONNECT:
			return "connect";
		case PGSQL_ERR_AUTH:
			return "auth";
		case PGSQL_ERR_PRIVILEGE:
			return "privilege";
		case PGSQL_ERR_WAL_LEVEL:
			return "wal_level";
		case PGSQL_ERR_PLUGIN_GATED:
			return "plugin_gated";
		case PGSQL_ERR_PLUGIN_OPTION:
			return "plugin_option";
		case PGSQL_ERR_SLOT_MISSING:
			return "slot_missing";
		case PGSQL_ERR_SLOT_MISMATCH:
			return "slot_mismatch";
		case PGSQL_ERR_SLOT_LOST:
			return "slot_lost";
		case PGSQL_ERR_SLOT_BUSY:
			return "slot_busy";
		case PGSQL_ERR_QUERY:
			return "query";
		case PGSQL_ERR_PROTOCOL:
			return "protocol";
	}
	return "unknown";
}

PgsqlErrorKind
pgsql_classify_connect_error(const char *message)
{
	if (message == NULL)
		return PGSQL_ERR_CONNECT;
	if (strstr(message, "must be superuser or replication role") ||
		strstr(message, "permission denied to start WAL sender"))
		return PGSQL_ERR_PRIVILEGE;
	if (strstr(message, "authentication failed") ||
		strstr(message, "no pg_hba.conf entry") ||
		(strstr(message, "role \"") && strstr(message, "\" does not exist")) ||
		(strstr(message, "database \"") && strstr(message, "\" does not exist")) ||
		strstr(message, "invalid connection option") ||
		strstr(message, "missing \"=\" after") ||
		strstr(message, "invalid URI"))
		return PGSQL_ERR_AUTH;
	return PGSQL_ERR_CONNECT;
}

PgsqlErrorKind
pgsql_classify_error(const char *sqlstate, const char *message, const char *detail)
{
	const char *m = message ? message : "";
	const char *d = detail ? detail : "";

	if (sqlstate == NULL)
		sqlstate = "";
	if (strstr(m, "may not be used as an output plugin"))
		return PGSQL_ERR_PLUGIN_GATED;
	if (strcmp(sqlstate, "42501") == 0)
		return strstr(m, "replication") ? PGSQL_ERR_PRIVILEGE : PGSQL_ERR_QUERY;
	if (strcmp(sqlstate, "42704") == 0 && strstr(m, "replication slot"))
		return PGSQL_ERR_SLOT_MISSING;
	if (strcmp(sqlstate, "55006") == 0)
		return PGSQL_ERR_SLOT_BUSY;
	if (strcmp(sqlstate, "55000") == 0)
	{
		if (strstr(m, "wal_level"))
			return PGSQL_ERR_WAL_LEVEL;
		if (strstr(d, "invalidated") || strstr(m, "can no longer get changes"))
			return PGSQL_ERR_SLOT_LOST;
		if (strstr(m, "physical replication slot") || strstr(m, "was not created in this database"))
			return PGSQL_ERR_SLOT_MISMATCH;
		return PGSQL_ERR_QUERY;
	}
	if (strcmp(sqlstate, "22023") == 0 && strstr(m, "option"))
		return PGSQL_ERR_PLUGIN_OPTION;
	/* class 08 (connection exception) and 57P0x (shutdown, crash) */
	if (strncmp(sqlstate, "08", 2) == 0 || strncmp(sqlstate, "57P0", 4) == 0)
		return PGSQL_ERR_CONNECT;
	return PGSQL_ERR_QUERY;
}

/*
 * Record a failed result (or a lost connection) on p with its kind; the
 * caller adds context in `what`.
 */
static void
set_result_error(PGSQL *p, PGresult *res, const char *what)
{
	char		msg[PGSQL_ERRMSG_LEN];
	const char *state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
	const char *primary = res ? PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY) : NULL;
	const char *detail = res ? PQresultErrorField(res, PG_DIAG_MESSAGE_DETAIL) : NULL;
	const char *hint = res ? PQresultErrorField(res, PG_DIAG_MESSAGE_HINT) : NULL;
	PgsqlErrorKind kind;

	snprintf(p->sqlstate, sizeof(p->sqlstate), "%s", state ? state : "");
	if (primary == NULL)
	{
		one_line(PQerrorMessage(p->conn), msg, sizeof(msg));
		kind = PGSQL_ERR_CONNECT;
		if (PQstatus(p->conn) != CONNECTION_BAD && res != NULL)
			kind = PGSQL_ERR_PROTOCOL;
	}
	else
	{
		snprintf(msg, sizeof(msg), "%s%s%s%s%s", primary,
				 detail ? ": " : "", detail ? detail : "",
				 hint ? " (hint: " : "", hint ? hint : "");
		if (hint)
			strncat(msg, ")", sizeof(msg) - strlen(msg) - 1);
		kind = pgsql_classify_error(state, primary, detail);
	}
	if (PQstatus(p->conn) == CONNECTION_BAD)
		kind = PGSQL_ERR_CONNECT;
	set_error(p, kind, "%s: %s", what, msg);
}

void
pgsql_fail_result(PGSQL *p, PGresult *res, const char *what, const char *event)
{
	set_result_error(p, res, what);
	log_pgsql_error(p, event);
}

void
pgsql_fail(PGSQL *p, PgsqlErrorKind kind, const char *event, const char *fmt,...)
{
	va_list		ap;

	p->err_kind = kind;
	p->sqlstate[0] = '\0';
	va_start(ap, fmt);
	vsnprintf(p->errmsg, sizeof(p->errmsg), fmt, ap);
	va_end(ap);
	log_pgsql_error(p, event);
}

/*
 * Connect.  The conninfo may be a "key=value" string or a URI; libpq
 * environment variables supply what it leaves out.  For a replication
 * connection "replication=database" is added after the user's settings,
 * so it wins.
 */
/* libpq notice processor: one structured line per server notice. */
static void
notice_to_log(void *arg, const char *message)
{
	char		msg[PGSQL_ERRMSG_LEN];

	one_line(message, msg, sizeof(msg));
	log_warn("pgsql.notice", "%s", msg);
}

bool
pgsql_open(PGSQL *p, const char *conninfo, PgsqlConnKind kind)
{
	const char *keys[4];
	const char *vals[4];
	int			n = 0;

	memset(p, 0, sizeof(*p));
	p->kind = kind;

	keys[n] = "dbname";
	vals[n++] = conninfo ? conninfo : "";
	keys[n] = "fallback_application_name";
	vals[n++] = "arka-cdc";
	if (kind == PGSQL_CONN_REPLICATION)
	{
		keys[n] = "replication";
		vals[n++] = "database";
	}
	keys[n] = NULL;
	vals[n] = NULL;

	p->conn = PQconnectdbParams(keys, vals, 1);
	if (p->conn == NULL)
	{
		set_error(p, PGSQL_ERR_CONNECT, "could not connect: out of memory");
		log_pgsql_error(p, "pgsql.connect");
		return false;
	}
	if (PQstatus(p->conn) != CONNECTION_OK)
	{
		char		msg[PGSQL_ERRMSG_LEN];
		PgsqlErrorKind k;

		one_line(PQerrorMessage(p->conn), msg, sizeof(msg));
		k = pgsql_classify_connect_error(msg);
		if (k == PGSQL_ERR_PRIVILEGE)
		{
			const char *user = PQuser(p->conn);

			set_error(p, k, "role \"%s\" lacks the REPLICATION attribute that streaming "
					  "changes needs: as a superuser run ALTER ROLE \"%s\" REPLICATION; (%s)",
					  user ? user : "?", user ? user : "?", msg);
		}
		else
			set_error(p, k, "could not connect to the server: %s", msg);
		log_pgsql_error(p, "pgsql.connect");
		PQfinish(p->conn);
		p->conn = NULL;
		return false;
	}
	/* server notices and warnings become structured lines too */
	PQsetNoticeProcessor(p->conn, notice_to_log, NULL);
	return true;
}

void
pgsql_finish(PGSQL *p)
{
	if (p->conn)
		PQfinish(p->conn);
	p->conn = NULL;
}

bool
pgsql_is_connected(const PGSQL *p)
{
	return p->conn != NULL && PQstatus(p->conn) == CONNECTION_OK;
}

/*
 * Run a query expecting `expect`; on failure record and log the error
 * under `event`.  Returns the result (to PQclear) or NULL.
 */
static PGresult *
run(PGSQL *p, const char *sql, ExecStatusType expect, const char *event, const char *what)
{
	PGresult   *res;

	if (p->conn == NULL)
	{
		set_error(p, PGSQL_ERR_CONNECT, "%s: not connected", what);
		log_pgsql_error(p, event);
		return NULL;
	}
	res = PQexec(p->conn, sql);
	if (res == NULL || PQresultStatus(res) != expect)
	{
		if (res && PQresultStatus(res) != PGRES_FATAL_ERROR &&
			PQresultStatus(res) != PGRES_NONFATAL_ERROR)
		{
			set_error(p, PGSQL_ERR_PROTOCOL, "%s: unexpected reply %s",
					  what, PQresStatus(PQresultStatus(res)));
		}
		else
			set_result_error(p, res, what);
		log_pgsql_error(p, event);
		PQclear(res);
		return NULL;
	}
	p->err_kind = PGSQL_ERR_NONE;
	p->sqlstate[0] = '\0';
	return res;
}

bool
pgsql_set_session(PGSQL *p)
{
	static const char *const settings[] = {
		"SET TimeZone TO 'UTC'",
		"SET DateStyle TO 'ISO, YMD'",
		"SET IntervalStyle TO 'postgres'",
		"SET extra_float_digits TO 1",
		"SET bytea_output TO 'hex'",
		"SET statement_timeout TO 0",
		"SET idle_in_transaction_session_timeout TO 0",
	};

	for (size_t i = 0; i < sizeof(settings) / sizeof(settings[0]); i++)
	{
		PGresult   *res = run(p, settings[i], PGRES_COMMAND_OK, "pgsql.session", settings[i]);

		if (res == NULL)
			return false;
		PQclear(res);
	}
	return true;
}

/* Copy a result cell into a fixed buffer ("" for NULL). */
static void
cell(PGresult *res, int row, int col, char *buf, size_t cap)
{
	const char *v = PQgetisnull(res, row, col) ? "" : PQgetvalue(res, row, col);

	snprintf(buf, cap, "%s", v);
}

/*
 * Split a GUC list value into elements: commas separate, blanks around
 * an element are trimmed, an element may be double-quoted ("" inside
 * quotes is one quote).  Calls fn for each; stops early if fn returns
 * false.
 */
static void
split_guc_list(const char *setting, bool (*fn) (const char *elem, size_t len, void *arg), void *arg)
{
	const char *s = setting ? setting : "";

	while (*s)
	{
		char		elem[512];
		size_t		n = 0;

		while (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r')
			s++;
		if (*s == '\0')
			break;
		if (*s == '"')
		{
			s++;
			while (*s)
			{
				if (*s == '"')
				{
					if (s[1] == '"')
					{
						if (n + 1 < sizeof(elem))
							elem[n++] = '"';
						s += 2;
						continue;
					}
					s++;
					break;
				}
				if (n + 1 < sizeof(elem))
					elem[n++] = *s;
				s++;
			}
			while (*s && *s != ',')
				s++;
		}
		else
		{
			while (*s && *s != ',')
			{
				if (n + 1 < sizeof(elem))
					elem[n++] = *s;
				s++;
			}
			while (n > 0 && (elem[n - 1] == ' ' || elem[n - 1] == '\t'))
				n--;
		}
		elem[n] = '\0';
		if (n > 0 && !fn(elem, n, arg))
			return;
		if (*s == ',')
			s++;
	}
}

typedef struct ListHas
{
	const char *plugin;
	bool		found;
	bool		pitfall;
} ListHas;

static bool
list_has_cb(const char *elem, size_t len, void *arg)
{
	ListHas    *h = arg;

	if (strlen(h->plugin) == len && memcmp(elem, h->plugin, len) == 0)
		h->found = true;
	if (memchr(elem, ',', len))
		h->pitfall = true;
	return true;
}

bool
pgsql_plugin_list_has(const char *setting, const char *plugin, bool *pitfall)
{
	ListHas		h = {plugin, false, false};

	split_guc_list(setting, list_has_cb, &h);
	if (pitfall)
		*pitfall = h.pitfall;
	return h.found;
}

typedef struct ListSuggest
{
	char	   *buf;
	size_t		cap;
	size_t		len;
	const char *plugin;
	bool		has_plugin;
} ListSuggest;

static void
suggest_add(ListSuggest *s, const char *name, size_t len)
{
	/* skip duplicates already written */
	const char *p = s->buf;

	while (len > 0 && (*name == ' ' || *name == '\t'))
		name++, len--;
	while (len > 0 && (name[len - 1] == ' ' || name[len - 1] == '\t'))
		len--;
	if (len == 0)
		return;
	for (;;)
	{
		const char *e = strstr(p, ", ");
		size_t		n = e ? (size_t) (e - p) : strlen(p);

		if (n == len && memcmp(p, name, len) == 0)
			return;
		if (e == NULL)
			break;
		p = e + 2;
	}
	if (len == strlen(s->plugin) && memcmp(name, s->plugin, len) == 0)
		s->has_plugin = true;
	if (s->len > 0 && s->len + 2 < s->cap)
	{
		memcpy(s->buf + s->len, ", ", 2);
		s->len += 2;
	}
	if (s->len + len < s->cap)
	{
		memcpy(s->buf + s->len, name, len);
		s->len += len;
	}
	s->buf[s->len] = '\0';
}

static bool
list_suggest_cb(const char *elem, size_t len, void *arg)
{
	ListSuggest *s = arg;
	size_t		start = 0;

	/* a pitfall element "a, b, c" is split back into its libraries */
	for (size_t i = 0; i <= len; i++)
	{
		if (i == len || elem[i] == ',')
		{
			suggest_add(s, elem + start, i - start);
			start = i + 1;
		}
	}
	return true;
}

size_t
pgsql_plugin_list_suggest(const char *setting, const char *plugin, char *buf, size_t cap)
{
	ListSuggest s = {buf, cap, 0, plugin, false};

	if (cap == 0)
		return 0;
	buf[0] = '\0';
	split_guc_list(setting, list_suggest_cb, &s);
	if (!s.has_plugin)
		suggest_add(&s, plugin, strlen(plugin));
	return s.len;
}

void
pgsql_format_gate_error(const char *setting, const char *plugin, char *buf, size_t cap)
{
	char		suggest[512];
	char		alter[700];
	size_t		a = 0;
	bool		pitfall = false;
	const char *s;

	pgsql_plugin_list_has(setting, plugin, &pitfall);
	pgsql_plugin_list_suggest(setting, plugin, suggest, sizeof(suggest));

	/* ALTER SYSTEM form: one literal per library */
	s = suggest;
	while (*s && a + 8 < sizeof(alter))
	{
		const char *e = strstr(s, ", ");
		size_t		n = e ? (size_t) (e - s) : strlen(s);

		a += (size_t) snprintf(alter + a, sizeof(alter) - a, "%s'%.*s'",
							   a ? ", " : "", (int) n, s);
		if (a >= sizeof(alter))
			a = sizeof(alter) - 1;
		if (e == NULL)
			break;
		s = e + 2;
	}
	alter[a] = '\0';

	snprintf(buf, cap,
			 "output plugin %s is not allowed by output_plugin_libraries (current value: %s)%s: "
			 "add this line to postgresql.conf and reload (SELECT pg_reload_conf()): "
			 "output_plugin_libraries = '%s'; with ALTER SYSTEM give each library as its own literal: "
			 "ALTER SYSTEM SET output_plugin_libraries = %s; "
			 "(one quoted 'a, b, c' string there becomes a single element naming no library)",
			 plugin, (setting && *setting) ? setting : "empty",
			 pitfall ? ", which is one element holding commas, the result of ALTER SYSTEM "
			 "with a single quoted list" : "",
			 suggest, alter);
}

bool
pgsql_check_server(PGSQL *p, PgsqlServerInfo *info)
{
	PGresult   *res;
	char		gate[8];
	char		repl[8];

	memset(info, 0, sizeof(*info));
	res = run(p,
			  "SELECT current_setting('wal_level'), "
			  "(SELECT setting FROM pg_catalog.pg_settings WHERE name = 'output_plugin_libraries'), "
			  "(SELECT count(*) FROM pg_catalog.pg_settings WHERE name = 'output_plugin_libraries'), "
			  "(SELECT rolreplication OR rolsuper FROM pg_catalog.pg_roles WHERE rolname = current_user), "
			  "current_user, current_database(), current_setting('server_version_num')",
			  PGRES_TUPLES_OK, "pgsql.check_server", "could not read the server settings");
	if (res == NULL)
		return false;
	if (PQntuples(res) != 1 || PQnfields(res) != 7)
	{
		PQclear(res);
		set_error(p, PGSQL_ERR_PROTOCOL, "could not read the server settings: unexpected result shape");
		log_pgsql_error(p, "pgsql.check_server");
		return false;
	}
	cell(res, 0, 0, info->wal_level, sizeof(info->wal_level));
	cell(res, 0, 1, info->output_plugin_libraries, sizeof(info->output_plugin_libraries));
	cell(res, 0, 2, gate, sizeof(gate));
	cell(res, 0, 3, repl, sizeof(repl));
	cell(res, 0, 4, info->user, sizeof(info->user));
	cell(res, 0, 5, info->database, sizeof(info->database));
	info->server_version = atoi(PQgetvalue(res, 0, 6));
	PQclear(res);

	info->has_plugin_gate = strcmp(gate, "1") == 0;
	info->can_replicate = strcmp(repl, "t") == 0;
	info->wal2json_allowed = !info->has_plugin_gate ||
		pgsql_plugin_list_has(info->output_plugin_libraries, "wal2json", NULL);

	if (strcmp(info->wal_level, "logical") != 0)
	{
		set_error(p, PGSQL_ERR_WAL_LEVEL,
				  "wal_level is \"%s\" but logical decoding needs \"logical\": "
				  "set wal_level = logical in postgresql.conf and restart the server "
				  "(ALTER SYSTEM SET wal_level = logical also needs the restart)",
				  info->wal_level);
		log_pgsql_error(p, "pgsql.check_server");
		return false;
	}
	if (!info->wal2json_allowed)
	{
		char		msg[PGSQL_ERRMSG_LEN];

		pgsql_format_gate_error(info->output_plugin_libraries, "wal2json", msg, sizeof(msg));
		set_error(p, PGSQL_ERR_PLUGIN_GATED, "%s", msg);
		log_pgsql_error(p, "pgsql.check_server");
		return false;
	}
	if (!info->can_replicate)
	{
		set_error(p, PGSQL_ERR_PRIVILEGE,
				  "role \"%s\" lacks the REPLICATION attribute that streaming changes needs: "
				  "as a superuser run ALTER ROLE \"%s\" REPLICATION",
				  info->user, info->user);
		log_pgsql_error(p, "pgsql.check_server");
		return false;
	}
	return true;
}

/* Quote a string as a SQL literal for the simple query protocol. */
static char *
quote_literal(PGSQL *p, const char *s)
{
	char	   *q = PQescapeLiteral(p->conn, s, strlen(s));

	if (q == NULL)
	{
		one_line(PQerrorMessage(p->conn), p->errmsg, sizeof(p->errmsg));
		p->err_kind = PGSQL_ERR_PROTOCOL;
	}
	return q;
}

bool
pgsql_get_slot(PGSQL *p, const char *slot, PgsqlSlotInfo *info)
{
	char		sql[1024];
	char	   *lit;
	PGresult   *res;

	memset(info, 0, sizeof(*info));
	if (p->conn == NULL || (lit = quote_literal(p, slot)) == NULL)
	{
		if (p->conn == NULL)
			set_error(p, PGSQL_ERR_CONNECT, "could not read replication slot \"%s\": not connected", slot);
		log_pgsql_error(p, "pgsql.get_slot");
		return false;
	}
	snprintf(sql, sizeof(sql),
			 "SELECT slot_type, coalesce(plugin, ''), coalesce(database::text, ''), "
			 "coalesce(wal_status, ''), coalesce(active_pid, 0), "
			 "coalesce(restart_lsn, '0/0'), coalesce(confirmed_flush_lsn, '0/0') "
			 "FROM pg_catalog.pg_replication_slots WHERE slot_name = %s", lit);
	PQfreemem(lit);
	res = run(p, sql, PGRES_TUPLES_OK, "pgsql.get_slot", "could not read pg_replication_slots");
	if (res == NULL)
		return false;
	if (PQntuples(res) == 1 && PQnfields(res) == 7)
	{
		char		lsn[32];

		info->exists = true;
		cell(res, 0, 0, info->slot_type, sizeof(info->slot_type));
		cell(res, 0, 1, info->plugin, sizeof(info->plugin));
		cell(res, 0, 2, info->database, sizeof(info->database));
		cell(res, 0, 3, info->wal_status, sizeof(info->wal_status));
		info->active_pid = atoi(PQgetvalue(res, 0, 4));
		cell(res, 0, 5, lsn, sizeof(lsn));
		(void) cdc_lsn_parse(lsn, strlen(lsn), &info->restart_lsn);
		cell(res, 0, 6, lsn, sizeof(lsn));
		(void) cdc_lsn_parse(lsn, strlen(lsn), &info->confirmed_flush);
	}
	PQclear(res);
	return true;
}

bool
pgsql_check_slot(PGSQL *p, const char *slot, PgsqlSlotInfo *info)
{
	const char *db;

	if (!pgsql_get_slot(p, slot, info))
		return false;
	db = PQdb(p->conn);
	if (!info->exists)
	{
		set_error(p, PGSQL_ERR_SLOT_MISSING,
				  "replication slot \"%s\" does not exist: run arka-cdc once with --create-slot, "
				  "or create it with SELECT pg_create_logical_replication_slot('%s', 'wal2json')",
				  slot, slot);
	}
	else if (strcmp(info->slot_type, "logical") != 0)
	{
		set_error(p, PGSQL_ERR_SLOT_MISMATCH,
				  "replication slot \"%s\" is a %s slot; arka-cdc needs a logical slot with plugin "
				  "wal2json: choose another name with --slot",
				  slot, info->slot_type);
	}
	else if (strcmp(info->plugin, "wal2json") != 0)
	{
		set_error(p, PGSQL_ERR_SLOT_MISMATCH,
				  "replication slot \"%s\" uses output plugin \"%s\", not wal2json: choose another "
				  "name with --slot, or drop it (SELECT pg_drop_replication_slot('%s')) if nothing "
				  "else consumes it",
				  slot, info->plugin, slot);
	}
	else if (db && strcmp(info->database, db) != 0)
	{
		set_error(p, PGSQL_ERR_SLOT_MISMATCH,
				  "replication slot \"%s\" belongs to database \"%s\", not \"%s\": connect to that "
				  "database or choose another name with --slot",
				  slot, info->database, db);
	}
	else if (strcmp(info->wal_status, "lost") == 0)
	{
		char		lsn[CDC_LSN_STRLEN];

		set_error(p, PGSQL_ERR_SLOT_LOST,
				  "replication slot \"%s\" has been invalidated (wal_status = lost): the WAL it "
				  "needed was removed because the slot fell behind by more than "
				  "max_slot_wal_keep_size, so changes committed after its confirmed position %s "
				  "can no longer be decoded; drop and recreate it (SELECT pg_drop_replication_slot('%s'), "
				  "then arka-cdc --create-slot), review the protected tables for the gap, and raise "
				  "max_slot_wal_keep_size or watch safe_wal_size in pg_replication_slots",
				  slot, cdc_lsn_format(info->confirmed_flush, lsn), slot);
	}
	else if (info->active_pid != 0)
	{
		set_error(p, PGSQL_ERR_SLOT_BUSY,
				  "replication slot \"%s\" is in use by server process %d: another arka-cdc or "
				  "consumer is attached to it",
				  slot, info->active_pid);
	}
	else
		return true;
	log_pgsql_error(p, "pgsql.check_slot");
	return false;
}

bool
pgsql_identify_system(PGSQL *p, PgsqlSystem *sys)
{
	PGresult   *res;
	char		lsn[32];

	memset(sys, 0, sizeof(*sys));
	res = run(p, "IDENTIFY_SYSTEM", PGRES_TUPLES_OK, "pgsql.identify_system",
			  "IDENTIFY_SYSTEM failed");
	if (res == NULL)
		return false;
	if (PQntuples(res) != 1 || PQnfields(res) < 4)
	{
		PQclear(res);
		set_error(p, PGSQL_ERR_PROTOCOL, "IDENTIFY_SYSTEM: unexpected result shape");
		log_pgsql_error(p, "pgsql.identify_system");
		return false;
	}
	cell(res, 0, 0, sys->systemid, sizeof(sys->systemid));
	sys->timeline = atoi(PQgetvalue(res, 0, 1));
	cell(res, 0, 2, lsn, sizeof(lsn));
	if (!cdc_lsn_parse(lsn, strlen(lsn), &sys->xlogpos))
		sys->xlogpos = CDC_INVALID_LSN;
	cell(res, 0, 3, sys->dbname, sizeof(sys->dbname));
	PQclear(res);
	return true;
}

bool
pgsql_current_wal_lsn(PGSQL *p, CdcLsn *out)
{
	PGresult   *res;
	char		lsn[32];
	bool		ok;

	res = run(p, "SELECT pg_catalog.pg_current_wal_lsn()", PGRES_TUPLES_OK,
			  "pgsql.current_wal_lsn", "could not read the current WAL position");
	if (res == NULL)
		return false;
	ok = PQntuples(res) == 1 && !PQgetisnull(res, 0, 0);
	if (ok)
	{
		cell(res, 0, 0, lsn, sizeof(lsn));
		ok = cdc_lsn_parse(lsn, strlen(lsn), out);
	}
	PQclear(res);
	if (!ok)
	{
		set_error(p, PGSQL_ERR_PROTOCOL, "pg_current_wal_lsn(): unexpected result");
		log_pgsql_error(p, "pgsql.current_wal_lsn");
	}
	return ok;
}

/* A growable string for building commands. */
typedef struct StrBuf
{
	char	   *data;
	size_t		len;
	size_t		cap;
	bool		oom;
} StrBuf;

static void
sb_append(StrBuf *b, const char *s, size_t n)
{
	if (b->oom)
		return;
	if (b->len + n + 1 > b->cap)
	{
		size_t		cap = b->cap ? b->cap : 256;
		char	   *d;

		while (cap < b->len + n + 1)
			cap *= 2;
		d = realloc(b->data, cap);
		if (d == NULL)
		{
			b->oom = true;
			return;
		}
		b->data = d;
		b->cap = cap;
	}
	memcpy(b->data + b->len, s, n);
	b->len += n;
	b->data[b->len] = '\0';
}

/* Append s between quote characters q, doubling any q inside. */
static void
sb_quoted(StrBuf *b, const char *s, char q)
{
	sb_append(b, &q, 1);
	for (; *s; s++)
	{
		sb_append(b, s, 1);
		if (*s == q)
			sb_append(b, s, 1);
	}
	sb_append(b, &q, 1);
}

char *
pgsql_build_start_replication(const char *slot, CdcLsn startpos,
							  const PgsqlOption *opts, size_t nopts)
{
	StrBuf		b = {0};
	char		lsn[CDC_LSN_STRLEN];

	if (slot == NULL || *slot == '\0')
		return NULL;
	sb_append(&b, "START_REPLICATION SLOT ", 23);
	sb_quoted(&b, slot, '"');
	sb_append(&b, " LOGICAL ", 9);
	cdc_lsn_format(startpos, lsn);
	sb_append(&b, lsn, strlen(lsn));
	if (nopts > 0)
	{
		sb_append(&b, " (", 2);
		for (size_t i = 0; i < nopts; i++)
		{
			if (opts[i].name == NULL || *opts[i].name == '\0')
			{
				free(b.data);
				return NULL;
			}
			if (i > 0)
				sb_append(&b, ", ", 2);
			sb_quoted(&b, opts[i].name, '"');
			if (opts[i].value)
			{
				sb_append(&b, " ", 1);
				sb_quoted(&b, opts[i].value, '\'');
			}
		}
		sb_append(&b, ")", 1);
	}
	if (b.oom)
	{
		free(b.data);
		return NULL;
	}
	return b.data;
}

bool
pgsql_create_slot(PGSQL *p, const char *slot, CdcLsn *consistent_point, bool *created)
{
	StrBuf		b = {0};
	PGresult   *res;
	PgsqlSlotInfo info;

	*created = false;
	*consistent_point = CDC_INVALID_LSN;

	sb_append(&b, "CREATE_REPLICATION_SLOT ", 24);
	sb_quoted(&b, slot, '"');
	sb_append(&b, " LOGICAL \"wal2json\" (SNAPSHOT 'nothing')", 40);
	if (b.oom)
	{
		set_error(p, PGSQL_ERR_PROTOCOL, "could not create replication slot \"%s\": out of memory", slot);
		log_pgsql_error(p, "pgsql.create_slot");
		free(b.data);
		return false;
	}

	res = PQexec(p->conn, b.data);
	free(b.data);
	if (res && PQresultStatus(res) == PGRES_TUPLES_OK && PQntuples(res) == 1 && PQnfields(res) >= 2)
	{
		const char *lsn = PQgetvalue(res, 0, 1);

		if (!cdc_lsn_parse(lsn, strlen(lsn), consistent_point))
			*consistent_point = CDC_INVALID_LSN;
		*created = true;
		PQclear(res);
		log_info("pgsql.create_slot", "created replication slot \"%s\" with plugin wal2json", slot);
		return true;
	}

	/* "already exists" is fine when the existing slot is usable */
	if (res && PQresultErrorField(res, PG_DIAG_SQLSTATE) &&
		strcmp(PQresultErrorField(res, PG_DIAG_SQLSTATE), "42710") == 0)
	{
		PQclear(res);
		if (!pgsql_check_slot(p, slot, &info))
			return false;
		*consistent_point = info.confirmed_flush;
		log_info("pgsql.create_slot", "replication slot \"%s\" already exists with plugin wal2json", slot);
		return true;
	}

	set_result_error(p, res, "could not create replication slot");
	PQclear(res);
	if (p->err_kind == PGSQL_ERR_PLUGIN_GATED)
	{
		char		saved[PGSQL_ERRMSG_LEN];
		PgsqlServerInfo si;

		/*
		 * The server's hint names the setting but not the line to write:
		 * pgsql_check_server builds that from the current value (and logs
		 * it).  If the setting looks right, report the server's words.
		 */
		memcpy(saved, p->errmsg, sizeof(saved));
		if (!pgsql_check_server(p, &si))
			return false;
		set_error(p, PGSQL_ERR_PLUGIN_GATED, "%s", saved);
	}
	log_pgsql_error(p, "pgsql.create_slot");
	return false;
}

bool
pgsql_start_replication(PGSQL *p, const char *slot, CdcLsn startpos,
						const PgsqlOption *opts, size_t nopts)
{
	char	   *cmd = pgsql_build_start_replication(slot, startpos, opts, nopts);
	PGresult   *res;
	CdcLogLine	l;

	if (cmd == NULL)
	{
		set_error(p, PGSQL_ERR_PROTOCOL, "could not build START_REPLICATION for slot \"%s\"",
				  slot ? slot : "");
		log_pgsql_error(p, "pgsql.start_replication");
		return false;
	}
	if (cdc_log_begin(&l, CDC_LOG_DEBUG, "pgsql.start_replication"))
	{
		cdc_log_str(&l, "command", cmd);
		cdc_log_end(&l);
	}
	res = PQexec(p->conn, cmd);
	free(cmd);
	if (res == NULL || PQresultStatus(res) != PGRES_COPY_BOTH)
	{
		if (res && (PQresultStatus(res) == PGRES_FATAL_ERROR ||
					PQresultStatus(res) == PGRES_NONFATAL_ERROR))
			set_result_error(p, res, "could not start replication");
		else if (res == NULL)
			set_result_error(p, NULL, "could not start replication");
		else
			set_error(p, PGSQL_ERR_PROTOCOL, "could not start replication: unexpected reply %s",
					  PQresStatus(PQresultStatus(res)));
		if (p->err_kind == PGSQL_ERR_PLUGIN_OPTION)
		{
			size_t		n = strlen(p->errmsg);

			snprintf(p->errmsg + n, sizeof(p->errmsg) - n,
					 "; the installed wal2json does not know an option arka-cdc sends "
					 "(arka-cdc targets wal2json 2.5)");
		}
		log_pgsql_error(p, "pgsql.start_replication");
		PQclear(res);
		return false;
	}
	PQclear(res);
	if (cdc_log_begin(&l, CDC_LOG_INFO, "pgsql.start_replication"))
	{
		cdc_log_str(&l, "slot", slot);
		cdc_log_lsn(&l, "startpos", startpos);
		cdc_log_end(&l);
	}
	return true;
}
