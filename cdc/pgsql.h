/*-------------------------------------------------------------------------
 *
 * pgsql.h
 *	  The libpq wrapper of arka-cdc: connections, server checks, slots and
 *	  START_REPLICATION.
 *
 * Every function returns bool.  A failure is logged once, where it is
 * detected, and described in PGSQL.errmsg (one line saying what is wrong
 * and how to fix it) with PGSQL.err_kind telling the caller whether a
 * retry can help; callers only propagate false ("errors have already
 * been logged", as pgcopydb puts it).
 *
 * Connection strings go through libpq unchanged (a conninfo string or a
 * URI, with PGHOST, PGPORT, PGUSER, PGDATABASE, PGPASSWORD, PGSSLMODE ...
 * honoured for what it leaves out).
 *
 *-------------------------------------------------------------------------
 */
#ifndef CDC_PGSQL_H
#define CDC_PGSQL_H

#include <stdbool.h>
#include <stddef.h>

#include <libpq-fe.h>

#include "lsn.h"

typedef enum PgsqlConnKind
{
	PGSQL_CONN_SQL,				/* an ordinary session */
	PGSQL_CONN_REPLICATION		/* replication=database: walsender + SQL */
} PgsqlConnKind;

/* What went wrong, from the operator's point of view. */
typedef enum PgsqlErrorKind
{
	PGSQL_ERR_NONE = 0,
	PGSQL_ERR_CONNECT,			/* server unreachable or gone: retry */
	PGSQL_ERR_AUTH,				/* authentication, unknown role or database */
	PGSQL_ERR_PRIVILEGE,		/* role lacks REPLICATION */
	PGSQL_ERR_WAL_LEVEL,		/* wal_level is not logical */
	PGSQL_ERR_PLUGIN_GATED,		/* wal2json missing from output_plugin_libraries */
	PGSQL_ERR_PLUGIN_OPTION,	/* wal2json refused an option */
	PGSQL_ERR_SLOT_MISSING,		/* the slot does not exist */
	PGSQL_ERR_SLOT_MISMATCH,	/* other plugin, physical, other database */
	PGSQL_ERR_SLOT_LOST,		/* invalidated (max_slot_wal_keep_size) */
	PGSQL_ERR_SLOT_BUSY,		/* another process streams from it: retry */
	PGSQL_ERR_QUERY,			/* any other error reported by the server */
	PGSQL_ERR_PROTOCOL			/* a reply we did not expect */
} PgsqlErrorKind;

#define PGSQL_ERRMSG_LEN 2048

typedef struct PGSQL
{
	PGconn	   *conn;
	PgsqlConnKind kind;
	PgsqlErrorKind err_kind;
	char		sqlstate[6];	/* of the last server error, "" if none */
	char		errmsg[PGSQL_ERRMSG_LEN];
} PGSQL;

/* A START_REPLICATION plugin option: "name" 'value'. */
typedef struct PgsqlOption
{
	const char *name;
	const char *value;
} PgsqlOption;

/*
 * The wal2json 2.5 options arka-cdc streams with (format-version 2 and
 * what each include-* adds is documented in pgsql.c).  Callers append
 * their own, e.g. filter-tables for arka-cdc's own catalog tables.
 */
extern const PgsqlOption pgsql_wal2json_options[];
extern const size_t pgsql_wal2json_noptions;

/* Information the checks gather; useful for logging too. */
typedef struct PgsqlServerInfo
{
	int			server_version;	/* e.g. 150020 */
	char		wal_level[32];
	bool		has_plugin_gate;	/* server knows output_plugin_libraries */
	char		output_plugin_libraries[512];
	bool		wal2json_allowed;
	bool		can_replicate;	/* rolreplication or rolsuper */
	char		user[128];
	char		database[128];
} PgsqlServerInfo;

typedef struct PgsqlSlotInfo
{
	bool		exists;
	char		slot_type[16];	/* "logical" or "physical" */
	char		plugin[128];
	char		database[128];
	char		wal_status[16]; /* reserved, extended, unreserved, lost */
	int			active_pid;		/* 0 when nobody streams from it */
	CdcLsn		restart_lsn;
	CdcLsn		confirmed_flush;
} PgsqlSlotInfo;

typedef struct PgsqlSystem
{
	char		systemid[32];
	int			timeline;
	CdcLsn		xlogpos;
	char		dbname[128];
} PgsqlSystem;

/* Connections */
extern bool pgsql_open(PGSQL *p, const char *conninfo, PgsqlConnKind kind);
extern void pgsql_finish(PGSQL *p);
extern bool pgsql_is_connected(const PGSQL *p);

/* Can the same call succeed later without an operator's change? */
extern bool pgsql_error_is_transient(PgsqlErrorKind kind);
extern const char *pgsql_error_kind_name(PgsqlErrorKind kind);

/*
 * Session settings that shape what wal2json prints, so the output is the
 * same whatever the role's or database's defaults: TimeZone UTC (commit
 * timestamps and timestamptz columns), DateStyle ISO, extra_float_digits
 * 1 (shortest exact float text), bytea_output hex, IntervalStyle
 * postgres; and statement_timeout 0, so a slot creation waiting for
 * running transactions is not cancelled.
 */
extern bool pgsql_set_session(PGSQL *p);

/*
 * Server checks, each with an actionable message: wal_level logical,
 * wal2json allowed by output_plugin_libraries (PostgreSQL 15.19+), and
 * the REPLICATION attribute.
 */
extern bool pgsql_check_server(PGSQL *p, PgsqlServerInfo *info);

/* Read a slot's row of pg_replication_slots (info->exists false if none). */
extern bool pgsql_get_slot(PGSQL *p, const char *slot, PgsqlSlotInfo *info);

/*
 * The slot must exist, be logical, use wal2json, belong to this database
 * and not be invalidated.  A slot busy with another process is reported
 * as PGSQL_ERR_SLOT_BUSY (transient).
 */
extern bool pgsql_check_slot(PGSQL *p, const char *slot, PgsqlSlotInfo *info);

/* IDENTIFY_SYSTEM (replication connections only). */
extern bool pgsql_identify_system(PGSQL *p, PgsqlSystem *sys);

/* SELECT pg_current_wal_lsn() */
extern bool pgsql_current_wal_lsn(PGSQL *p, CdcLsn *lsn);

/*
 * CREATE_REPLICATION_SLOT "slot" LOGICAL "wal2json" (SNAPSHOT 'nothing').
 * Idempotent: an existing wal2json slot of this database is accepted
 * (*created false, *consistent_point its confirmed position).
 */
extern bool pgsql_create_slot(PGSQL *p, const char *slot, CdcLsn *consistent_point,
							  bool *created);

/*
 * START_REPLICATION SLOT "slot" LOGICAL X/X ("name" 'value', ...); on
 * success the connection is in COPY BOTH mode.
 */
extern bool pgsql_start_replication(PGSQL *p, const char *slot, CdcLsn startpos,
									const PgsqlOption *opts, size_t nopts);

/*
 * Pure helpers, unit tested.
 *
 * pgsql_build_start_replication: the command text (malloc'd; NULL when
 * out of memory or for an invalid name/value).
 *
 * pgsql_plugin_list_has: parse an output_plugin_libraries setting (a GUC
 * list: comma-separated, blanks trimmed, elements optionally in double
 * quotes) and say whether plugin is an element; *pitfall is set when an
 * element itself holds a comma, which is what ALTER SYSTEM makes of one
 * quoted 'a, b, c' string.
 *
 * pgsql_plugin_list_suggest: the value to set, in postgresql.conf syntax
 * without the outer quotes: the current elements (commas split out of a
 * pitfall element) followed by plugin, ", "-separated.
 *
 * pgsql_format_gate_error: the whole actionable message.
 */
extern char *pgsql_build_start_replication(const char *slot, CdcLsn startpos,
										   const PgsqlOption *opts, size_t nopts);
extern bool pgsql_plugin_list_has(const char *setting, const char *plugin, bool *pitfall);
extern size_t pgsql_plugin_list_suggest(const char *setting, const char *plugin,
										char *buf, size_t cap);
extern void pgsql_format_gate_error(const char *setting, const char *plugin,
									char *buf, size_t cap);

/*
 * Record a failure on p and log it once as `event`: from a result (NULL
 * for a lost connection; the message, detail and hint are kept and the
 * SQLSTATE classified), or from a message of our own.  For the stream
 * module, which talks to the connection directly.
 */
extern void pgsql_fail_result(PGSQL *p, PGresult *res, const char *what, const char *event);
extern void pgsql_fail(PGSQL *p, PgsqlErrorKind kind, const char *event, const char *fmt,...)
			__attribute__((format(printf, 4, 5)));

/*
 * Classify a server error: SQLSTATE and primary message (plus detail) to
 * an error kind.  Exposed for tests.
 */
extern PgsqlErrorKind pgsql_classify_error(const char *sqlstate, const char *message,
										   const char *detail);
extern PgsqlErrorKind pgsql_classify_connect_error(const char *message);

#endif							/* CDC_PGSQL_H */
