/*-------------------------------------------------------------------------
 *
 * flags.c
 *	  One-statement writes of flags, rejections and progress (flags.h).
 *
 *-------------------------------------------------------------------------
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "copybin.h"
#include "flags.h"
#include "log.h"

void
flags_init(FlagWriter *w, PGSQL *sql, const char *slot)
{
	memset(w, 0, sizeof(*w));
	w->sql = sql;
	w->slot = strdup(slot);
	arka_buf_init(&w->flags);
	arka_buf_init(&w->rejections);
	arka_buf_init(&w->stmt);
	arka_buf_init(&w->catalog);
}

void
flags_free(FlagWriter *w)
{
	arka_buf_free(&w->flags);
	arka_buf_free(&w->rejections);
	arka_buf_free(&w->stmt);
	arka_buf_free(&w->catalog);
	free(w->slot);
}

/*
 * A string literal, for the few values put in statement text.  The
 * session has standard_conforming_strings on (cdc/main.c sets it).
 */
static void
lit(ArkaBuf *b, const char *s)
{
	if (s == NULL)
	{
		arka_buf_puts(b, "NULL");
		return;
	}
	arka_buf_putc(b, '\'');
	for (const char *p = s; *p; p++)
	{
		if (*p == '\'')
			arka_buf_putc(b, '\'');
		arka_buf_putc(b, *p);
	}
	arka_buf_putc(b, '\'');
}

static void
lsn_lit(ArkaBuf *b, CdcLsn lsn)
{
	char		s[CDC_LSN_STRLEN];

	lit(b, cdc_lsn_format(lsn, s));
	arka_buf_puts(b, "::pg_lsn");
}

/* A text or jsonb value given as a C string (NULL for SQL NULL). */
static inline size_t
len_of(const char *s)
{
	return s ? strlen(s) : 0;
}

/*
 * One flag as a binary COPY tuple: the server receives the integers,
 * LSN and commit time as they are, with no text to split, de-escape and
 * parse (copybin.h).  The values are those the text form carried.
 */
void
flags_encode(ArkaBuf *b, const FlagRow *f)
{
	copybin_tuple(b, 14);
	copybin_text(b, f->table_name, len_of(f->table_name));
	copybin_jsonb(b, f->row_key, len_of(f->row_key));
	copybin_text(b, f->operation, len_of(f->operation));
	copybin_int8(b, (int64_t) f->commit_lsn);
	copybin_int4(b, f->change_seq);
	if (f->has_xid)
		copybin_int8(b, (int64_t) f->xid);
	else
		copybin_null(b);
	if (f->has_committed_at)
		copybin_int8(b, f->committed_at);
	else
		copybin_null(b);
	copybin_text(b, f->kind, len_of(f->kind));
	copybin_text(b, f->outcome, len_of(f->outcome));
	copybin_jsonb(b, f->violations, len_of(f->violations));
	copybin_jsonb(b, f->rule_versions, len_of(f->rule_versions));
	copybin_text(b, f->ruleset_version, len_of(f->ruleset_version));
	copybin_text(b, f->proof_id, len_of(f->proof_id));
	copybin_text(b, f->note, len_of(f->note));
}

bool
flags_add(FlagWriter *w, const FlagRow *f)
{
	flags_encode(&w->flags, f);
	w->nflags++;
	return !w->flags.oom;
}

/* A rejected attempt for the staging table: payload text, message_lsn pg_lsn. */
bool
flags_add_rejection(FlagWriter *w, CdcLsn message_lsn, const char *payload)
{
	ArkaBuf    *b = &w->rejections;

	copybin_tuple(b, 2);
	copybin_text(b, payload, len_of(payload));
	copybin_int8(b, (int64_t) message_lsn);
	w->nrejections++;
	return !b->oom;
}

bool
flags_pending(const FlagWriter *w)
{
	return w->nflags || w->nrejections || w->changes || w->has_catalog;
}

void
flags_discard(FlagWriter *w)
{
	w->flags.len = 0;
	w->rejections.len = 0;
	w->catalog.len = 0;
	w->has_catalog = false;
	w->nflags = w->nrejections = w->changes = 0;
}

/* Run one command expecting `want`; false (logged) otherwise. */
static bool
exec_ok(FlagWriter *w, const char *q, ExecStatusType want)
{
	PGresult   *res = PQexec(w->sql->conn, q);

	if (PQresultStatus(res) != want)
	{
		pgsql_fail_result(w->sql, res, "could not write flags and progress", "flags.commit");
		PQclear(res);
		return false;
	}
	PQclear(res);
	return true;
}

/* How a batch write ended. */
typedef enum BatchResult
{
	BATCH_OK,
	BATCH_CONFLICT,				/* a flag was already written: redo safely */
	BATCH_FAILED				/* logged; the connection needs a reset */
} BatchResult;

/*
 * COPY the queued rows of one kind into `table` (with a column list when
 * cols is set), in the binary format they are queued in: header, the
 * tuples, trailer.  With conflict_ok, a unique violation is
 * BATCH_CONFLICT, not logged: the caller rolls back and writes the batch
 * the safe way.
 */
static BatchResult
copy_in(FlagWriter *w, const char *table, const char *cols, const ArkaBuf *rows, bool conflict_ok)
{
	char		q[512];
	PGresult   *res;
	BatchResult r = BATCH_OK;
	ArkaBuf		head,
				tail;
	bool		sent;

	snprintf(q, sizeof(q), "COPY %s%s FROM STDIN (FORMAT binary)", table, cols ? cols : "");
	res = PQexec(w->sql->conn, q);
	if (PQresultStatus(res) != PGRES_COPY_IN)
	{
		pgsql_fail_result(w->sql, res, "could not write flags and progress", "flags.commit");
		PQclear(res);
		return BATCH_FAILED;
	}
	PQclear(res);
	arka_buf_init(&head);
	arka_buf_init(&tail);
	copybin_header(&head);
	copybin_trailer(&tail);
	sent = !head.oom && !tail.oom &&
		PQputCopyData(w->sql->conn, head.data, (int) head.len) == 1 &&
		PQputCopyData(w->sql->conn, rows->data, (int) rows->len) == 1 &&
		PQputCopyData(w->sql->conn, tail.data, (int) tail.len) == 1 &&
		PQputCopyEnd(w->sql->conn, NULL) == 1;
	arka_buf_free(&head);
	arka_buf_free(&tail);
	if (!sent)
	{
		pgsql_fail_result(w->sql, NULL, "could not write flags and progress", "flags.commit");
		return BATCH_FAILED;
	}
	res = PQgetResult(w->sql->conn);
	if (PQresultStatus(res) != PGRES_COMMAND_OK)
	{
		const char *state = PQresultErrorField(res, PG_DIAG_SQLSTATE);

		if (conflict_ok && state != NULL && strcmp(state, "23505") == 0)
			r = BATCH_CONFLICT;
		else
		{
			pgsql_fail_result(w->sql, res, "could not write flags and progress", "flags.commit");
			r = BATCH_FAILED;
		}
	}
	PQclear(res);
	while ((res = PQgetResult(w->sql->conn)) != NULL)
		PQclear(res);
	return r;
}

bool
flags_prepare(FlagWriter *w)
{
	/*
	 * Staging tables of this session: rows arrive by binary COPY (no
	 * statement text to parse per row), so their columns have the types
	 * of the tuples (flags_encode: those of arka.flags), and are emptied
	 * at every commit.
	 */
	return exec_ok(w, "CREATE TEMP TABLE IF NOT EXISTS arka_cdc_flags_in (table_name text, row_key jsonb, "
				   "operation text, commit_lsn pg_lsn, change_seq int, xid bigint, "
				   "committed_at timestamptz, kind text, outcome text, violations jsonb, "
				   "rule_versions jsonb, ruleset_version text, proof_id text, note text) "
				   "ON COMMIT DELETE ROWS", PGRES_COMMAND_OK) &&
		exec_ok(w, "CREATE TEMP TABLE IF NOT EXISTS arka_cdc_rejections_in (payload text, "
				"message_lsn pg_lsn) ON COMMIT DELETE ROWS", PGRES_COMMAND_OK);
}

/*
 * Tag this writer session's transactions with replication origin `name`
 * (created if missing), so the walsender drops them before decoding
 * (wal2json's filter-origins) instead of reassembling every flag only for
 * filter-tables to discard it.  Needs EXECUTE on the origin functions
 * (superuser by default; arka_grant_cdc grants them when run by a
 * superuser).  Returns the origin id, or 0 when the session cannot use
 * one: that is logged as a warning and costs speed, not correctness,
 * since filter-tables still keeps arka-cdc's own writes out.
 */
uint32_t
flags_use_origin(FlagWriter *w, const char *name)
{
	static const char *const steps[] = {
		"SELECT COALESCE(pg_catalog.pg_replication_origin_oid($1), "
		"pg_catalog.pg_replication_origin_create($1))",
		"SELECT pg_catalog.pg_replication_origin_session_setup($1)",
	};
	const char *params[1] = {name};
	uint32_t	id = 0;

	for (size_t i = 0; i < sizeof(steps) / sizeof(steps[0]); i++)
	{
		PGresult   *res = NULL;
		const char *state = NULL;

		/*
		 * An origin is active in one session at a time: the backend of a
		 * previous run may not have exited yet, so wait for it a little.
		 */
		for (int attempt = 0; attempt < 20; attempt++)
		{
			PQclear(res);
			res = PQexecParams(w->sql->conn, steps[i], 1, NULL, params, NULL, NULL, 0);
			state = PQresultErrorField(res, PG_DIAG_SQLSTATE);
			if (PQresultStatus(res) == PGRES_TUPLES_OK || state == NULL ||
				strcmp(state, "55006") != 0)
				break;
			usleep(100 * 1000);
		}
		if (PQresultStatus(res) != PGRES_TUPLES_OK)
		{
			const char *msg = PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY);

			if (state != NULL && strcmp(state, "42501") == 0)
				log_warn("flags.origin", "cannot tag arka-cdc's writes with replication origin %s "
						 "(%s): the server decodes them too, which slows arka-cdc down; as a "
						 "superuser, SELECT arka_grant_cdc('<role>') or GRANT EXECUTE ON FUNCTION "
						 "pg_replication_origin_oid(text), pg_replication_origin_create(text), "
						 "pg_replication_origin_session_setup(text) TO <role>", name, msg);
			else
				log_warn("flags.origin", "cannot tag arka-cdc's writes with replication origin %s "
						 "(%s): the server decodes them too until the next reconnection, which "
						 "slows arka-cdc down", name, msg ? msg : PQerrorMessage(w->sql->conn));
			PQclear(res);
			return 0;
		}
		if (i == 0)
			id = (uint32_t) strtoul(PQgetvalue(res, 0, 0), NULL, 10);
		PQclear(res);
	}
	return id;
}

/*
 * The statement that ends a batch: the staged rejections (and, on the
 * safe path, the staged flags) with ON CONFLICT DO NOTHING, and the
 * progress row, counting only rows really inserted.
 */
static void
build_batch_statement(FlagWriter *w, CdcLsn progress_lsn, bool direct)
{
	ArkaBuf    *s = &w->stmt;
	char		num[64];

	s->len = 0;
	arka_buf_puts(s, "WITH f AS (");
	if (w->nflags && !direct)
		arka_buf_puts(s, "INSERT INTO arka.flags (" FLAG_COLUMNS ") SELECT " FLAG_COLUMNS " "
					  "FROM pg_temp.arka_cdc_flags_in ON CONFLICT DO NOTHING RETURNING 1");
	else
		arka_buf_puts(s, "SELECT 1 WHERE false");
	arka_buf_puts(s, "), r AS (");
	if (w->nrejections)
	{
		/* the trigger's payload (src/arka_protect.c emit_rejection) */
		arka_buf_puts(s, "INSERT INTO arka.rejections (table_name, row_key, operation, outcome, "
					  "violations, proof_id, attempted_by, message_lsn, rejected_at) "
					  "SELECT j->>'table', NULLIF(j->'row_key', 'null'::jsonb), j->>'operation', "
					  "COALESCE(j->'result'->>'outcome', 'block'), "
					  "COALESCE(j->'result'->'violations', '[]'::jsonb), "
					  "j->'result'->'proof'->>'proof_id', j->>'user', l, "
					  "COALESCE((j->>'at')::timestamptz, now()) "
					  "FROM (SELECT payload::jsonb AS j, message_lsn AS l "
					  "FROM pg_temp.arka_cdc_rejections_in) v WHERE j->>'table' IS NOT NULL "
					  "ON CONFLICT DO NOTHING RETURNING 1");
	}
	else
		arka_buf_puts(s, "SELECT 1 WHERE false");
	arka_buf_puts(s, ") INSERT INTO arka.cdc_progress AS p (slot_name, lsn, changes, flags, "
				  "rejections, updated_at, catalog) VALUES (");
	lit(s, w->slot);
	arka_buf_putc(s, ',');
	lsn_lit(s, progress_lsn);
	snprintf(num, sizeof(num), ",%llu,", (unsigned long long) w->changes);
	arka_buf_puts(s, num);
	if (direct)
	{
		/* COPY inserted every row or failed as a whole */
		snprintf(num, sizeof(num), "%llu", (unsigned long long) w->nflags);
		arka_buf_puts(s, num);
	}
	else
		arka_buf_puts(s, "(SELECT count(*) FROM f)");
	arka_buf_puts(s, ", (SELECT count(*) FROM r), now(), $1::jsonb) "
				  "ON CONFLICT (slot_name) DO UPDATE SET "
				  "lsn = GREATEST(p.lsn, EXCLUDED.lsn), changes = p.changes + EXCLUDED.changes, "
				  "flags = p.flags + EXCLUDED.flags, rejections = p.rejections + EXCLUDED.rejections, "
				  "updated_at = now(), catalog = COALESCE(EXCLUDED.catalog, p.catalog) "
				  "RETURNING lsn::text, changes, flags, rejections");
}

/*
 * Write the queued batch in one transaction.  direct: COPY the flags
 * straight into arka.flags; a flag written before (see flags_commit)
 * aborts the transaction with a unique violation and BATCH_CONFLICT.
 */
static BatchResult
commit_batch(FlagWriter *w, CdcLsn progress_lsn, bool direct)
{
	PGresult   *res;
	BatchResult r = BATCH_OK;

	build_batch_statement(w, progress_lsn, direct);
	if (w->stmt.oom || w->flags.oom || w->rejections.oom || w->catalog.oom)
	{
		pgsql_fail(w->sql, PGSQL_ERR_PROTOCOL, "flags.commit", "out of memory building the write");
		return BATCH_FAILED;
	}

	/*
	 * One transaction: flags, rejections and progress commit together or
	 * not at all.  COMMIT returns once the commit is durable, which
	 * synchronous_commit = on (set for this session) guarantees.
	 */
	if (!exec_ok(w, "BEGIN", PGRES_COMMAND_OK))
		return BATCH_FAILED;
	if (w->nflags)
		r = direct ? copy_in(w, "arka.flags", " (" FLAG_COLUMNS ")", &w->flags, true) :
			copy_in(w, "pg_temp.arka_cdc_flags_in", NULL, &w->flags, false);
	if (r == BATCH_OK && w->nrejections)
		r = copy_in(w, "pg_temp.arka_cdc_rejections_in", NULL, &w->rejections, false);
	if (r != BATCH_OK)
	{
		if (!exec_ok(w, "ROLLBACK", PGRES_COMMAND_OK))
			return BATCH_FAILED;
		return r;
	}
	{
		/* the snapshot of the catalog as of progress_lsn, when it changed */
		const char *params[1] = {w->has_catalog ? w->catalog.data : NULL};

		res = PQexecParams(w->sql->conn, w->stmt.data, 1, NULL, params, NULL, NULL, 0);
	}
	if (PQresultStatus(res) != PGRES_TUPLES_OK || PQntuples(res) != 1)
	{
		pgsql_fail_result(w->sql, res, "could not write flags and progress", "flags.commit");
		PQclear(res);
		exec_ok(w, "ROLLBACK", PGRES_COMMAND_OK);
		return BATCH_FAILED;
	}
	if (!exec_ok(w, "COMMIT", PGRES_COMMAND_OK))
	{
		PQclear(res);
		return BATCH_FAILED;
	}
	cdc_lsn_parse(PQgetvalue(res, 0, 0), strlen(PQgetvalue(res, 0, 0)), &w->committed_lsn);
	w->total_changes = strtoull(PQgetvalue(res, 0, 1), NULL, 10);
	w->total_flags = strtoull(PQgetvalue(res, 0, 2), NULL, 10);
	w->total_rejections = strtoull(PQgetvalue(res, 0, 3), NULL, 10);
	PQclear(res);
	w->commits++;
	flags_discard(w);
	return BATCH_OK;
}

/*
 * Commit the queued batch.  Flags normally go straight into arka.flags
 * by COPY, which is what keeps up with the stream: no staging table, no
 * speculative insertion.  A change already flagged -- part of a huge
 * transaction replayed after a crash, or a second slot's daemon flagging
 * the same change -- makes that COPY fail on the unique key
 * (commit_lsn, change_seq) and roll back, losing nothing; the batch is
 * then written through the staging table with ON CONFLICT DO NOTHING,
 * and so are the next FLAGS_SAFE_BATCHES batches, since conflicts come in
 * runs.
 */
bool
flags_commit(FlagWriter *w, CdcLsn progress_lsn)
{
	if (w->nflags > 0 && w->safe_batches == 0)
	{
		switch (commit_batch(w, progress_lsn, true))
		{
			case BATCH_OK:
				return true;
			case BATCH_FAILED:
				return false;
			case BATCH_CONFLICT:
				log_info("flags.conflict", "a change in this batch is flagged already: writing "
						 "this and the next %d batches with ON CONFLICT DO NOTHING",
						 FLAGS_SAFE_BATCHES);
				w->conflicts++;
				w->safe_batches = FLAGS_SAFE_BATCHES + 1;
				break;
		}
	}
	if (w->safe_batches > 0)
		w->safe_batches--;
	return commit_batch(w, progress_lsn, false) == BATCH_OK;
}

bool
flags_read_progress(FlagWriter *w, CdcLsn *lsn, char **catalog)
{
	const char *params[1] = {w->slot};
	PGresult   *res = PQexecParams(w->sql->conn,
								   "SELECT lsn::text, changes, flags, rejections, catalog::text "
								   "FROM arka.cdc_progress WHERE slot_name = $1",
								   1, NULL, params, NULL, NULL, 0);

	*lsn = CDC_INVALID_LSN;
	*catalog = NULL;
	if (PQresultStatus(res) != PGRES_TUPLES_OK)
	{
		pgsql_fail_result(w->sql, res, "could not read arka.cdc_progress", "flags.progress");
		PQclear(res);
		return false;
	}
	if (PQntuples(res) == 1)
	{
		cdc_lsn_parse(PQgetvalue(res, 0, 0), strlen(PQgetvalue(res, 0, 0)), lsn);
		w->committed_lsn = *lsn;
		w->total_changes = strtoull(PQgetvalue(res, 0, 1), NULL, 10);
		w->total_flags = strtoull(PQgetvalue(res, 0, 2), NULL, 10);
		w->total_rejections = strtoull(PQgetvalue(res, 0, 3), NULL, 10);
		if (!PQgetisnull(res, 0, 4) && (*catalog = strdup(PQgetvalue(res, 0, 4))) == NULL)
		{
			PQclear(res);
			pgsql_fail(w->sql, PGSQL_ERR_PROTOCOL, "flags.progress", "out of memory");
			return false;
		}
	}
	PQclear(res);
	return true;
}
