/*-------------------------------------------------------------------------
 *
 * main.c
 *	  arka-cdc: flag committed changes of arka-protected tables, exactly
 *	  once, from a wal2json logical replication slot.
 *
 *   arka-cdc --dbname CONNINFO [--slot NAME] [--create-slot] [--stop-at-end]
 *            [--metrics-port N] [--config FILE] [--log-level LEVEL]
 *
 * The loop, in steps (docs/cdc.md explains each guarantee):
 *
 *   read     a wal2json message from the slot (stream.c);
 *   decide   B opens a transaction; each I/U of a protected table is
 *            decided with the rules committed before it (catalog.c,
 *            rowdoc.c, decide.c) and review/block outcomes are queued as
 *            flags; changes to arka.rules/lists/list_items/protections
 *            are applied to the in-memory catalog in stream order; an
 *            'arka' message (a rejected attempt) is queued for
 *            arka.rejections; C closes the transaction;
 *   write    queued flags, rejections and the progress row go to the
 *            database in ONE transaction (flags.c), after one or several
 *            whole transactions (group commit), and inside a huge
 *            transaction in batches that do not move the progress;
 *   confirm  only then is the slot position advanced (stream_confirm).
 *
 *-------------------------------------------------------------------------
 */
#include <errno.h>
#include <getopt.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "catalog.h"
#include "decide.h"
#include "flags.h"
#include "log.h"
#include "metrics.h"
#include "pgsql.h"
#include "rowdoc.h"
#include "stream.h"
#include "wal2json.h"

#define ARKA_CDC_VERSION "1.0"

/* Settings (SIGHUP re-reads --config). */
typedef struct Settings
{
	const char *conninfo;
	const char *slot;
	const char *config;
	bool		create_slot;
	bool		stop_at_end;
	int			metrics_port;
	int			batch_flags;	/* write once this many flags are queued */
	int			batch_delay_ms; /* or once the oldest queued work is this old */
	int			status_interval_ms;
} Settings;

static Settings settings = {
	.slot = "arka_cdc",
	.batch_flags = 5000,
	.batch_delay_ms = 200,
	.status_interval_ms = 10000,
};

/* The transaction being read (between B and C). */
typedef struct Txn
{
	bool		open;
	bool		skip;			/* already processed before a restart */
	uint32_t	xid;
	bool		has_xid;
	CdcLsn		commit_lsn;		/* B/C "lsn": the commit record */
	CdcLsn		end_lsn;		/* B/C "nextlsn": the position to confirm */
	int64_t		commit_time;	/* µs since 2000-01-01 UTC */
	bool		has_timestamp;	/* commit_time is wal2json's, not the clock's */
	int32_t		day;			/* commit date, days since 1970-01-01 (UTC) */
	int			seq;			/* changes so far */
	CdcLsn		first_change_lsn;
	bool		catalog_changed;
} Txn;

/* Everything the loop keeps. */
/* A table's partition root ("" when it is not a partition), cached. */
typedef struct RootEntry
{
	char	   *key;			/* "schema\x1ftable" */
	char	   *schema;			/* root, NULL when none */
	char	   *table;
} RootEntry;

typedef struct Daemon
{
	RootEntry  *roots;
	size_t		nroots,
				cap_roots;
	PGSQL		sql;
	PGSQL		repl;
	StreamContext stream;
	W2jParser	parser;
	ArkaArena	msg_arena;
	Catalog		catalog;
	Decider		decider;
	CdcWatchlists watchlists;	/* sanctions_match's lists, read through sql */
	Decision	decision;
	ArkaBuf		row_key;		/* a flag's row_key JSON, reused */

	/*
	 * Two writers, each with its own connection: one queues the flags of
	 * the transactions being read while the other commits the previous
	 * batch in the writer thread (at most one batch in flight, so batches
	 * commit in stream order).
	 */
	PGSQL		wsql[2];
	FlagWriter	w[2];
	uint32_t	origin[2];		/* replication origin of each writer, 0 = none */
	int			cur;			/* the queueing writer */
	bool		inflight;		/* the other one is committing */
	int			inflight_idx;
	CdcLsn		inflight_lsn;	/* confirm this once that commit is done */
	uint64_t	tot_flags,
				tot_rejections,
				tot_commits;
	CdcLsn		committed_lsn;	/* progress LSN of the last finished commit */
	Txn			txn;

	CdcLsn		progress_at_start;	/* stored progress when streaming began */
	CdcLsn		pending_lsn;	/* confirm this once the queued work commits */
	int64_t		pending_since;	/* monotonic ms of the oldest queued work, 0 = none */
	int64_t		pending_commit_time;	/* commit time of the oldest queued work */
	CdcLsn		last_catalog_commit;	/* commit LSN of the last catalog change */
	uint64_t	snapshot_version;	/* catalog version stored (or queued) last */
	CdcLsn		stop_target;	/* --stop-at-end: current WAL at start */
	int64_t		last_heartbeat_ms;

	CdcMetrics	metrics;
	uint64_t	rate_changes;
	int64_t		rate_ms;
} Daemon;

static int64_t
mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t) ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void
usage(FILE *f)
{
	fprintf(f,
			"arka-cdc flags committed changes of arka-protected tables from a wal2json\n"
			"logical replication slot, exactly once, and records rejected attempts.\n\n"
			"Usage:\n"
			"  arka-cdc --dbname CONNINFO [OPTION]...\n\n"
			"Options:\n"
			"  -d, --dbname=CONNINFO    database to connect to (conninfo string or URI;\n"
			"                           PGHOST, PGPORT, PGUSER, PGPASSWORD... fill the rest)\n"
			"  -S, --slot=NAME          replication slot (default \"arka_cdc\")\n"
			"      --create-slot        create the slot (wal2json) if it does not exist\n"
			"      --stop-at-end        exit 0 once everything committed before the start\n"
			"                           is processed and durable\n"
			"      --metrics-port=N     serve Prometheus metrics on port N\n"
			"      --config=FILE        settings file (key = value), re-read on SIGHUP:\n"
			"                           log_level, batch_flags, batch_delay_ms\n"
			"      --log-level=LEVEL    debug, info (default), warn, error\n"
			"  -V, --version            print the version and exit\n"
			"  -?, --help               show this help and exit\n\n"
			"Signals: SIGTERM/SIGINT drain and exit; SIGHUP re-reads --config.\n"
			"Documentation: docs/cdc.md.\n");
}

/* Re-read --config (key = value lines; # comments). */
static void
read_config(bool initial)
{
	FILE	   *f;
	char		line[512];

	if (settings.config == NULL)
		return;
	f = fopen(settings.config, "r");
	if (f == NULL)
	{
		log_error("config.read", "could not open %s: %s", settings.config, strerror(errno));
		return;
	}
	while (fgets(line, sizeof(line), f))
	{
		char		key[64],
					val[256];

		if (line[0] == '#' || sscanf(line, " %63[a-z_] = %255s", key, val) != 2)
			continue;
		if (strcmp(key, "log_level") == 0)
		{
			CdcLogLevel lv;

			if (cdc_log_parse_level(val, &lv))
				cdc_log_set_level(lv);
			else
				log_warn("config.read", "unknown log_level \"%s\"", val);
		}
		else if (strcmp(key, "batch_flags") == 0 && atoi(val) > 0)
			settings.batch_flags = atoi(val);
		else if (strcmp(key, "batch_delay_ms") == 0 && atoi(val) >= 0)
			settings.batch_delay_ms = atoi(val);
		else
			log_warn("config.read", "unknown or invalid setting \"%s\"", key);
	}
	fclose(f);
	log_info("config.read", "%s settings from %s: batch_flags=%d batch_delay_ms=%d log_level=%s",
			 initial ? "read" : "reloaded", settings.config, settings.batch_flags,
			 settings.batch_delay_ms, cdc_log_level_name(cdc_log_get_level()));
}

/* Record an error for the metrics (it has been logged where it happened). */
static void
note_error(Daemon *d, const char *msg)
{
	d->metrics.errors++;
	size_t		n = strlen(msg);

	if (n >= sizeof(d->metrics.last_error))
		n = sizeof(d->metrics.last_error) - 1;
	memcpy(d->metrics.last_error, msg, n);
	d->metrics.last_error[n] = '\0';
	d->metrics.last_error_time = (int64_t) time(NULL);
}

/* ---- the writer thread ---- */

static pthread_mutex_t wlock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t wjob = PTHREAD_COND_INITIALIZER;
static pthread_cond_t wdone = PTHREAD_COND_INITIALIZER;
static FlagWriter *job;			/* being committed, NULL when idle */
static CdcLsn job_lsn;
static bool job_finished;		/* a result waits to be collected */
static bool job_ok;

static void *
writer_main(void *arg)
{
	for (;;)
	{
		FlagWriter *w;
		CdcLsn		lsn;
		bool		ok;

		pthread_mutex_lock(&wlock);
		while (job == NULL || job_finished)
			pthread_cond_wait(&wjob, &wlock);
		w = job;
		lsn = job_lsn;
		pthread_mutex_unlock(&wlock);

		ok = flags_commit(w, lsn);

		pthread_mutex_lock(&wlock);
		job_ok = ok;
		job_finished = true;
		pthread_cond_signal(&wdone);
		pthread_mutex_unlock(&wlock);
	}
	return arg;
}

static void
writer_submit(FlagWriter *w, CdcLsn lsn)
{
	pthread_mutex_lock(&wlock);
	job = w;
	job_lsn = lsn;
	job_finished = false;
	pthread_cond_signal(&wjob);
	pthread_mutex_unlock(&wlock);
}

/* Has the job finished (waiting for it if asked)?  Then *ok is its result. */
static bool
writer_poll(bool wait, bool *ok)
{
	bool		done;

	pthread_mutex_lock(&wlock);
	while (wait && job != NULL && !job_finished)
		pthread_cond_wait(&wdone, &wlock);
	done = job != NULL && job_finished;
	if (done)
	{
		*ok = job_ok;
		job = NULL;
		job_finished = false;
	}
	pthread_mutex_unlock(&wlock);
	return done;
}

/* The queueing writer. */
#define QUEUE(d) (&(d)->w[(d)->cur])

/* Nothing read is left unwritten or uncommitted. */
static bool
all_durable(const Daemon *d)
{
	return !d->txn.open && d->pending_since == 0 && !d->inflight;
}

/*
 * Collect the batch in flight if it has finished (or wait for it).  On
 * success its LSN is confirmed.  False when its commit failed (logged).
 */
static bool
collect(Daemon *d, bool wait)
{
	bool		ok;
	FlagWriter *done;

	if (!d->inflight || !writer_poll(wait, &ok))
		return true;
	d->inflight = false;
	done = &d->w[d->inflight_idx];
	if (!ok)
	{
		note_error(d, done->sql->errmsg);
		return false;
	}
	d->tot_flags = done->total_flags;
	d->tot_rejections = done->total_rejections;
	d->tot_commits++;
	if (done->committed_lsn > d->committed_lsn)
		d->committed_lsn = done->committed_lsn;

	/*
	 * LSN decision: inflight_lsn is the end of the last transaction (or
	 * the last rejected-attempt message) whose flags were in the batch
	 * just committed -- durable, since synchronous_commit is on.  Batches
	 * commit in stream order and every transaction ending before it was
	 * in this batch or an earlier one, so the server may forget them.  0
	 * means a batch inside a transaction: it confirms nothing.
	 */
	if (d->inflight_lsn != CDC_INVALID_LSN)
		stream_confirm(&d->stream, d->inflight_lsn, all_durable(d));
	return stream_send_status(&d->stream, false, false);
}

/*
 * Queue a snapshot of the catalog with a batch ending at lsn, if it
 * changed since the last one.  LSN decision: lsn is the end of the last
 * whole transaction read (or a confirmed position past it), and the copy
 * holds exactly the changes of the transactions read, so the snapshot is
 * the catalog as of lsn; a batch inside a transaction (lsn 0) carries
 * none.
 */
static bool
attach_snapshot(Daemon *d, CdcLsn lsn)
{
	FlagWriter *w = QUEUE(d);

	if (lsn == CDC_INVALID_LSN || d->txn.open || d->catalog.version == d->snapshot_version)
		return true;
	w->catalog.len = 0;
	if (!catalog_serialize(&d->catalog, &w->catalog))
	{
		log_error("catalog.snapshot", "out of memory serializing the catalog");
		return false;
	}
	w->has_catalog = true;
	d->snapshot_version = d->catalog.version;
	return true;
}

/* How far the queue grows past batch_flags while a batch is in flight. */
#define QUEUE_GROWTH 4

/*
 * Is the queue to be handed to the writer now, waiting for the batch in
 * flight if there is one?  At batch_flags when the writer is idle; while
 * it commits, only at QUEUE_GROWTH times that: waiting stops the reading
 * and deciding, and the writer's commits (WAL flushes) leave a core idle
 * that the reader would use.  Memory stays bounded.
 */
static bool
queue_full(Daemon *d)
{
	uint64_t	n = QUEUE(d)->nflags;

	return n >= (uint64_t) settings.batch_flags * (d->inflight ? QUEUE_GROWTH : 1);
}

/* Hand the queue to the writer thread (after the batch in flight). */
static bool
submit(Daemon *d, CdcLsn lsn)
{
	if (!collect(d, true) || !attach_snapshot(d, lsn))
		return false;
	d->inflight = true;
	d->inflight_idx = d->cur;
	d->inflight_lsn = lsn;
	writer_submit(QUEUE(d), lsn);
	d->cur ^= 1;
	return true;
}

/* Wait for the batch in flight, ignoring its result (we restart anyway). */
static void
abandon_inflight(Daemon *d)
{
	bool		ok;

	if (d->inflight)
		(void) writer_poll(true, &ok);
	d->inflight = false;
}

static void
publish(Daemon *d)
{
	int64_t		now = mono_ms();
	CdcMetrics *m = &d->metrics;

	m->flags = d->tot_flags;
	m->rejections = d->tot_rejections;
	m->commits = d->tot_commits;
	m->bytes_received = d->stream.bytes_received;
	m->received_lsn = d->stream.received_lsn;
	m->confirmed_lsn = d->stream.durable_lsn;
	m->server_wal_end = d->stream.server_wal_end;
	if (d->pending_since)
		m->lag_seconds = (stream_now_pg() - d->pending_commit_time) / 1e6;
	else if (d->txn.open)
		m->lag_seconds = (stream_now_pg() - d->txn.commit_time) / 1e6;
	else
		m->lag_seconds = 0;
	if (m->lag_seconds < 0)
		m->lag_seconds = 0;
	if (now - d->rate_ms >= 1000)
	{
		m->changes_per_second = (m->changes - d->rate_changes) * 1000.0 / (double) (now - d->rate_ms);
		d->rate_changes = m->changes;
		d->rate_ms = now;
	}
	metrics_publish(m);
}

/*
 * Hand what is queued to the writer thread; with nothing to write, just
 * confirm.  False if a write failed (logged): the caller then restarts
 * from the durable position.
 */
static bool
commit_pending(Daemon *d)
{
	CdcLsn		lsn = d->pending_lsn;

	d->pending_since = 0;
	d->pending_commit_time = 0;
	if (!attach_snapshot(d, lsn))
		return false;
	if (flags_pending(QUEUE(d)))
		return submit(d, lsn);	/* confirmed by collect() once committed */
	if (!collect(d, true))
		return false;

	/*
	 * LSN decision: nothing is queued and no batch is in flight, so every
	 * transaction ending at or before lsn is completely processed (its
	 * flags, if any, were in a batch already committed).
	 */
	if (lsn != CDC_INVALID_LSN)
		stream_confirm(&d->stream, lsn, all_durable(d));
	return stream_send_status(&d->stream, false, false);
}

/* Commit everything now and wait for it (stop, heartbeat). */
static bool
commit_all(Daemon *d, CdcLsn progress)
{
	if (d->pending_since && !commit_pending(d))
		return false;
	if (!collect(d, true))
		return false;
	if (progress != CDC_INVALID_LSN && progress > d->committed_lsn)
	{
		/*
		 * LSN decision: progress is a position already confirmed (the
		 * stream's durable position); storing it claims nothing new.
		 */
		if (!submit(d, progress) || !collect(d, true))
			return false;
	}
	return true;
}

/* Work was queued: remember since when (for batching and lag). */
static void
mark_pending(Daemon *d, int64_t commit_time)
{
	if (d->pending_since == 0)
	{
		d->pending_since = mono_ms();
		d->pending_commit_time = commit_time;
	}
}

static void
lsn_text(CdcLsn lsn, char *buf)
{
	cdc_lsn_format(lsn, buf);
}

/*
 * Columns an UPDATE left out (unchanged TOASTed values, which wal2json
 * omits; under REPLICA IDENTITY FULL the parser took them from the old
 * row already) are read from the table's current row by primary key.
 * Policy (docs/cdc.md): the current value is the unchanged value unless a
 * later transaction changed the column again before arka-cdc read it.
 * Returns how many columns could not be recovered; they are left out of
 * the document and named in *note.
 */
static int
recover_toast(Daemon *d, const W2jMessage *m, W2jColumn **extra, size_t *nextra,
			  char *note, size_t notecap)
{
	char		q[2048];
	const char *params[1];
	PGresult   *res;
	int			missing = 0;
	size_t		n = 0;
	ArkaBuf		sql;
	const char *pvals[32];
	int			np = 0;

	*extra = NULL;
	*nextra = 0;
	note[0] = '\0';
	snprintf(q, sizeof(q),
			 "SELECT a.attname, a.atttypid::int FROM pg_catalog.pg_attribute a "
			 "WHERE a.attrelid = (SELECT c.oid FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace s "
			 "ON s.oid = c.relnamespace WHERE s.nspname = $1 AND c.relname = $2) "
			 "AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum");
	{
		const char *p2[2] = {m->schema, m->table};

		res = PQexecParams(d->sql.conn, q, 2, NULL, p2, NULL, NULL, 0);
	}
	(void) params;
	if (PQresultStatus(res) != PGRES_TUPLES_OK)
	{
		PQclear(res);
		return -1;
	}
	{
		int			nt = PQntuples(res);
		W2jColumn  *cols = arka_arena_alloc(&d->msg_arena, sizeof(W2jColumn) * (nt ? nt : 1));

		arka_buf_init(&sql);
		for (int i = 0; i < nt && cols; i++)
		{
			const char *name = PQgetvalue(res, i, 0);
			bool		present = w2j_row_get(m, name, strlen(name)) != NULL;

			if (present)
				continue;
			memset(&cols[n], 0, sizeof(W2jColumn));
			cols[n].name = arka_arena_strdup(&d->msg_arena, name, strlen(name));
			cols[n].name_len = strlen(name);
			cols[n].typeoid = (uint32_t) atoi(PQgetvalue(res, i, 1));
			n++;
		}
		PQclear(res);
		if (n == 0)
		{
			arka_buf_free(&sql);
			return 0;
		}
		if (!m->has_pk || m->npk == 0 || m->row_key.type != ARKA_OBJ || m->npk > 30)
		{
			snprintf(note, notecap, "%zu TOAST-unchanged column(s) unavailable: the table has no "
					 "primary key", n);
			arka_buf_free(&sql);
			return (int) n;
		}
		arka_buf_puts(&sql, "SELECT ");
		for (size_t i = 0; i < n; i++)
		{
			char	   *id = PQescapeIdentifier(d->sql.conn, cols[i].name, strlen(cols[i].name));

			if (i)
				arka_buf_putc(&sql, ',');
			arka_buf_puts(&sql, id);
			arka_buf_puts(&sql, "::text");
			PQfreemem(id);
		}
		{
			char	   *s = PQescapeIdentifier(d->sql.conn, m->schema, strlen(m->schema));
			char	   *t = PQescapeIdentifier(d->sql.conn, m->table, strlen(m->table));

			arka_buf_puts(&sql, " FROM ");
			arka_buf_puts(&sql, s);
			arka_buf_putc(&sql, '.');
			arka_buf_puts(&sql, t);
			arka_buf_puts(&sql, " WHERE ");
			PQfreemem(s);
			PQfreemem(t);
		}
		for (size_t k = 0; k < m->npk; k++)
		{
			const W2jColumn *kc = NULL;
			char	   *id = PQescapeIdentifier(d->sql.conn, m->pk[k].name, strlen(m->pk[k].name));
			char		num[16];

			for (size_t i = 0; i < m->ncolumns; i++)
				if (strcmp(m->columns[i].name, m->pk[k].name) == 0)
					kc = &m->columns[i];
			if (k)
				arka_buf_puts(&sql, " AND ");
			snprintf(num, sizeof(num), " = $%d", np + 1);
			arka_buf_puts(&sql, id);
			arka_buf_puts(&sql, num);
			PQfreemem(id);
			pvals[np++] = kc && kc->text ? arka_arena_strdup(&d->msg_arena, kc->text, kc->text_len) :
				kc && kc->value.type == ARKA_BOOL ? (kc->value.u.b ? "true" : "false") : NULL;
		}
		res = PQexecParams(d->sql.conn, sql.data, np, NULL, pvals, NULL, NULL, 0);
		arka_buf_free(&sql);
		if (PQresultStatus(res) != PGRES_TUPLES_OK || PQntuples(res) != 1)
		{
			snprintf(note, notecap, "%zu TOAST-unchanged column(s) unavailable: the row is gone", n);
			PQclear(res);
			return (int) n;
		}
		for (size_t i = 0; i < n; i++)
		{
			W2jColumn  *c = &cols[i];
			const char *v = PQgetvalue(res, 0, (int) i);
			size_t		len = strlen(v);

			c->has_value = true;
			if (PQgetisnull(res, 0, (int) i))
			{
				c->value = arka_null();
				continue;
			}
			/* the text as wal2json would print it */
			if (c->typeoid == 17 && len >= 2 && v[0] == '\\' && v[1] == 'x')
			{
				v += 2;
				len -= 2;
			}
			c->text = arka_arena_strdup(&d->msg_arena, v, len);
			c->text_len = len;
			if (c->typeoid == 16)
				c->value = arka_bool(v[0] == 't');
			else if (c->typeoid == 1700 || c->typeoid == 20 || c->typeoid == 21 || c->typeoid == 23)
			{
				ArkaDec		dec;

				c->value = arka_dec_parse_json(v, len, &dec) == ARKA_DEC_OK ? arka_num(dec) : arka_null();
			}
			else
				c->value = arka_str(c->text, len);
		}
		PQclear(res);
		*extra = cols;
		*nextra = n;
		snprintf(note, notecap, "%zu TOAST-unchanged column(s) read from the current row", n);
	}
	return missing;
}

/*
 * "schema.table" into out, without a printf-family call in the usual
 * case: this runs for every flag.
 */
static void
qualified_name(char *out, size_t cap, const char *schema, const char *table)
{
	size_t		ls = strlen(schema),
				lt = strlen(table);

	if (ls + lt + 2 <= cap)
	{
		memcpy(out, schema, ls);
		out[ls] = '.';
		memcpy(out + ls + 1, table, lt + 1);
	}
	else
		snprintf(out, cap, "%s.%s", schema, table);	/* beyond PostgreSQL's names: cut */
}

/* Decide one I/U of a protected table and queue a flag if needed. */
static bool
handle_row(Daemon *d, const W2jMessage *m, const CatProtection *prot)
{
	ArkaArena  *arena = decider_begin(&d->decider);
	const W2jColumn **cols;
	W2jColumn  *extra = NULL;
	size_t		nextra = 0,
				n = 0;
	ArkaValue	doc;
	char		err[512];
	char		note[512] = "";
	char		toast_note[256] = "";
	Decision   *dec = &d->decision;
	bool		block_mode = prot->mode == 'b';
	const char *kind;
	const char *outcome;
	char		table_name[256];
	ArkaBuf    *key = &d->row_key;

	d->metrics.changes++;
	QUEUE(d)->changes++;
	if (m->action == W2J_UPDATE && m->has_columns)
		recover_toast(d, m, &extra, &nextra, toast_note, sizeof(toast_note));
	cols = arka_arena_alloc(arena, sizeof(W2jColumn *) * (m->ncolumns + m->nunchanged + nextra + 1));
	if (cols == NULL)
		return false;
	for (size_t i = 0; i < m->ncolumns; i++)
		cols[n++] = &m->columns[i];
	for (size_t i = 0; i < m->nunchanged; i++)
		cols[n++] = &m->unchanged[i];
	for (size_t i = 0; i < nextra; i++)
		cols[n++] = &extra[i];

	if (!rowdoc_build(cols, n, &prot->mapping_value, arena, &doc, err, sizeof(err)))
	{
		dec->failed = true;
		snprintf(dec->error, sizeof(dec->error), "%s", err);
	}
	else if (!decider_decide(&d->decider, &d->catalog, prot, d->txn.day, &doc, dec))
	{
		log_error("decide.row", "out of memory deciding a row of %s.%s", m->schema, m->table);
		return false;
	}
	if (!dec->failed && dec->outcome == ARKA_ACTION_ALLOW)
		return true;

	/* fails closed: an evaluation error is flagged as a block */
	outcome = dec->failed ? "block" : arka_action_name(dec->outcome);
	kind = block_mode && strcmp(outcome, "block") == 0 ? "bypass" : "violation";
	if (dec->failed)
		snprintf(note, sizeof(note), "arka-cdc could not decide the row (%.400s)", dec->error);
	else if (strcmp(kind, "bypass") == 0)
	{
		/*
		 * Which bypass: a catalog change committed between the row's write
		 * (its first change in this transaction) and its commit means the
		 * trigger may have judged it with the older rules.  Otherwise the
		 * trigger did not run or let it through.
		 */
		if (d->last_catalog_commit != CDC_INVALID_LSN &&
			d->last_catalog_commit > d->txn.first_change_lsn &&
			d->last_catalog_commit < d->txn.commit_lsn)
			snprintf(note, sizeof(note), "rules changed between write and commit");
		else if (d->txn.catalog_changed)
			snprintf(note, sizeof(note), "rules changed in the same transaction");
		else
			snprintf(note, sizeof(note), "committed past the block-mode trigger: trigger disabled, "
					 "session_replication_role = replica, or arka.fail_open");
	}
	if (toast_note[0])
	{
		size_t		l = strlen(note);

		if (l + strlen(toast_note) + 3 < sizeof(note))
		{
			if (l)
				strcat(note, "; ");
			strcat(note, toast_note);
		}
	}
	qualified_name(table_name, sizeof(table_name), m->schema, m->table);
	key->len = 0;
	if (m->row_key.type == ARKA_OBJ)
		arka_json_write(key, &m->row_key);
	{
		FlagRow		f = {
			.table_name = table_name,
			.row_key = m->row_key.type == ARKA_OBJ ? key->data : NULL,
			.operation = m->action == W2J_INSERT ? "INSERT" : "UPDATE",
			.commit_lsn = d->txn.commit_lsn,
			.change_seq = d->txn.seq,
			.has_xid = d->txn.has_xid,
			.xid = d->txn.xid,
			.has_committed_at = d->txn.has_timestamp,
			.committed_at = d->txn.commit_time,
			.kind = kind,
			.outcome = outcome,
			.violations = dec->failed ? "[]" : dec->violations.data,
			.rule_versions = dec->failed ? NULL : dec->rule_versions.data,
			.ruleset_version = dec->failed || !dec->ruleset_version[0] ? NULL : dec->ruleset_version,
			.proof_id = dec->failed ? NULL : dec->proof,
			.note = note[0] ? note : NULL,
		};
		bool		ok = !key->oom && flags_add(QUEUE(d), &f);

		if (!ok)
		{
			log_error("flags.queue", "out of memory queueing a flag");
			return false;
		}
	}
	if (strcmp(kind, "bypass") == 0)
	{
		char		a[CDC_LSN_STRLEN];

		lsn_text(d->txn.commit_lsn, a);
		log_warn("decide.bypass", "a blocked row of %s committed (commit_lsn %s): %s", table_name, a,
				 note);
	}
	return true;
}

/*
 * The protection that covers a changed table: its own, else its partition
 * root's (arka_protect on a partitioned table covers its partitions; the
 * change is reported for the partition, as the trigger reports it).
 */
static const CatProtection *
protection_for(Daemon *d, const char *schema, const char *table)
{
	const CatProtection *prot = catalog_protection(&d->catalog, schema, table);
	char		key[256];
	RootEntry  *e = NULL;

	if (prot != NULL || d->catalog.nprots == 0)
		return prot;
	snprintf(key, sizeof(key), "%s\x1f%s", schema, table);
	for (size_t i = 0; i < d->nroots; i++)
		if (strcmp(d->roots[i].key, key) == 0)
			e = &d->roots[i];
	if (e == NULL)
	{
		const char *params[2] = {schema, table};
		PGresult   *res = PQexecParams(d->sql.conn,
									   "SELECT n.nspname, c.relname FROM pg_catalog.pg_class c "
									   "JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace "
									   "WHERE c.oid = pg_catalog.pg_partition_root(pg_catalog.to_regclass("
									   "pg_catalog.quote_ident($1) || '.' || pg_catalog.quote_ident($2)))",
									   2, NULL, params, NULL, NULL, 0);

		if (PQresultStatus(res) != PGRES_TUPLES_OK)
		{
			PQclear(res);
			return NULL;		/* not cached: asked again next time */
		}
		if (d->nroots == d->cap_roots)
		{
			size_t		ncap = d->cap_roots ? d->cap_roots * 2 : 64;
			RootEntry  *n = realloc(d->roots, ncap * sizeof(RootEntry));

			if (n == NULL)
			{
				PQclear(res);
				return NULL;
			}
			d->roots = n;
			d->cap_roots = ncap;
		}
		e = &d->roots[d->nroots++];
		e->key = strdup(key);
		e->schema = PQntuples(res) == 1 ? strdup(PQgetvalue(res, 0, 0)) : NULL;
		e->table = PQntuples(res) == 1 ? strdup(PQgetvalue(res, 0, 1)) : NULL;
		PQclear(res);
	}
	if (e->schema == NULL || e->table == NULL ||
		(strcmp(e->schema, schema) == 0 && strcmp(e->table, table) == 0))
		return NULL;
	return catalog_protection(&d->catalog, e->schema, e->table);
}

/* One wal2json message.  False: stop streaming and restart (logged). */
static bool
handle_message(Daemon *d, const StreamMessage *sm)
{
	W2jMessage	m;
	W2jError	err;

	arka_arena_reset(&d->msg_arena);
	if (!w2j_parse(&d->parser, sm->data, sm->len, &d->msg_arena, &m, &err))
	{
		char		a[CDC_LSN_STRLEN];

		/*
		 * A message we cannot read is never skipped silently: stop, and
		 * let the operator see it (it is not confirmed, so nothing is lost).
		 */
		log_error("wal2json.parse", "at %s: %s (offset %zu)", cdc_lsn_format(sm->data_start, a),
				  err.message, err.offset);
		note_error(d, err.message);
		return false;
	}

	switch (m.action)
	{
		case W2J_BEGIN:
			memset(&d->txn, 0, sizeof(d->txn));
			d->txn.open = true;
			d->txn.has_xid = m.has_xid;
			d->txn.xid = m.xid;
			d->txn.commit_lsn = m.lsn;
			d->txn.end_lsn = m.has_nextlsn ? m.nextlsn : sm->data_start;
			d->txn.commit_time = m.has_commit_time ? m.commit_time : stream_now_pg();
			d->txn.has_timestamp = m.has_commit_time;
			if (m.timestamp && !m.has_commit_time)
			{
				char		a[CDC_LSN_STRLEN];

				/*
				 * Not a time a clock gives (BC, infinity): flags of this
				 * transaction get committed_at NULL, and the date that
				 * judges effective_from is today's.
				 */
				log_warn("wal2json.timestamp", "unreadable commit time \"%s\" of the transaction "
						 "committed at %s: its flags have no committed_at", m.timestamp,
						 cdc_lsn_format(m.lsn, a));
			}
			/* the commit date in UTC judges effective_from (docs/cdc.md) */
			d->txn.day = (int32_t) ((d->txn.commit_time >= 0 ? d->txn.commit_time / INT64_C(86400000000) :
									 (d->txn.commit_time + 1) / INT64_C(86400000000) - 1) + 10957);

			/*
			 * LSN decision: a transaction ending at or before the progress
			 * stored when we started was fully written in a previous run
			 * (progress commits with its flags); the server may send it
			 * again when that run crashed before confirming.  Skip it.
			 */
			d->txn.skip = d->txn.end_lsn <= d->progress_at_start;
			return true;

		case W2J_COMMIT:
			if (!d->txn.open)
				return true;
			d->metrics.transactions++;
			if (d->txn.catalog_changed)
				d->last_catalog_commit = d->txn.commit_lsn;
			d->txn.open = false;
			{
				CdcLsn		end = m.has_nextlsn ? m.nextlsn : d->txn.end_lsn;

				/*
				 * LSN decision: a catalog change is confirmed only once the
				 * snapshot holding it is stored, or a restart would resume
				 * past it with an older snapshot.
				 */
				if (flags_pending(QUEUE(d)) || d->inflight ||
					d->catalog.version != d->snapshot_version)
				{
					/* confirmed once written (commit_pending, collect) */
					d->pending_lsn = end;
					mark_pending(d, d->txn.commit_time);
				}
				else if (d->pending_since == 0)
				{
					/*
					 * LSN decision: nothing of this transaction (or of any
					 * before it) waits to be written, so it is completely
					 * processed: confirm its end now.
					 */
					stream_confirm(&d->stream, end, true);
					d->pending_lsn = end;
				}
				else
					d->pending_lsn = end;
			}
			return true;

		case W2J_INSERT:
		case W2J_UPDATE:
		case W2J_DELETE:
		case W2J_TRUNCATE:
			if (!d->txn.open)
				return true;
			d->txn.seq++;
			if (d->txn.first_change_lsn == CDC_INVALID_LSN && m.has_lsn)
				d->txn.first_change_lsn = m.lsn;
			if (catalog_is_catalog_table(m.schema, m.table))
			{
				/*
				 * A skipped transaction is already in the copy: the copy
				 * was loaded as of the stored progress (or as it is now).
				 */
				if (!d->txn.skip)
					catalog_apply(&d->catalog, &m);
				d->txn.catalog_changed = true;
				return true;
			}
			if (d->txn.skip || (m.action != W2J_INSERT && m.action != W2J_UPDATE))
				return true;
			{
				const CatProtection *prot = protection_for(d, m.schema, m.table);

				if (prot == NULL)
					return true;
				if (!handle_row(d, &m, prot))
					return false;
				/* a huge transaction: write flags in batches, progress unchanged */
				if (queue_full(d) && !submit(d, CDC_INVALID_LSN))
					return false;
			}
			return true;

		case W2J_MESSAGE:
			if (m.transactional || m.prefix == NULL || m.prefix_len != 4 ||
				memcmp(m.prefix, "arka", 4) != 0)
			{
				if (d->txn.open)
					d->txn.seq++;
				return true;
			}
			{
				ArkaValue	v;
				W2jError	jerr;

				if (!w2j_message_content_json(&m, &d->msg_arena, &v, &jerr) || v.type != ARKA_OBJ)
				{
					char		a[CDC_LSN_STRLEN];

					log_warn("rejection.parse", "skipped an unreadable arka message at %s: %s",
							 cdc_lsn_format(m.lsn, a), jerr.message);
					return true;
				}
				if (m.lsn <= d->progress_at_start)
					return true;	/* recorded by a previous run */
				if (!flags_add_rejection(QUEUE(d), m.lsn, m.content))
					return false;
				/*
				 * LSN decision: a non-transactional message is never inside
				 * an open transaction's output; once recorded, its position
				 * may be confirmed (the server skips messages before the
				 * confirmed position on restart, and message_lsn is unique).
				 */
				if (!d->txn.open)
					d->pending_lsn = m.lsn > d->pending_lsn ? m.lsn : d->pending_lsn;
				mark_pending(d, stream_now_pg());
			}
			return true;
	}
	return true;
}

/* Open one SQL session of arka-cdc (reads, and writes of flags). */
static bool
open_session(PGSQL *p)
{
	static const char *const extra[] = {
		/* the write of flags + progress must be durable before we confirm */
		"SET synchronous_commit TO on",
		"SET standard_conforming_strings TO on",
		"SET application_name TO 'arka-cdc'",
	};

	if (!pgsql_open(p, settings.conninfo, PGSQL_CONN_SQL) || !pgsql_set_session(p))
		return false;
	for (size_t i = 0; i < sizeof(extra) / sizeof(extra[0]); i++)
	{
		PGresult   *res = PQexec(p->conn, extra[i]);

		if (PQresultStatus(res) != PGRES_COMMAND_OK)
		{
			pgsql_fail_result(p, res, "could not set up the session", "pgsql.session");
			PQclear(res);
			return false;
		}
		PQclear(res);
	}
	return true;
}

/* The SQL session and the two writer sessions; errors end up in d->sql. */
static bool
open_sessions(Daemon *d)
{
	if (!open_session(&d->sql))
		return false;
	for (int i = 0; i < 2; i++)
	{
		char		origin[128];	/* a slot name has at most 63 bytes */

		if (!open_session(&d->wsql[i]) || !flags_prepare(&d->w[i]))
		{
			d->sql.err_kind = d->wsql[i].err_kind;
			memcpy(d->sql.errmsg, d->wsql[i].errmsg, sizeof(d->sql.errmsg));
			return false;
		}
		/* one origin per writer: a PostgreSQL 15 origin is active in one session */
		snprintf(origin, sizeof(origin), "arka_cdc_%s_w%d", settings.slot, i);
		d->origin[i] = flags_use_origin(&d->w[i], origin);
	}
	return true;
}

/* Close every session (the writer thread is idle). */
static void
close_sessions(Daemon *d)
{
	abandon_inflight(d);
	flags_discard(&d->w[0]);
	flags_discard(&d->w[1]);
	pgsql_finish(&d->repl);
	pgsql_finish(&d->sql);
	pgsql_finish(&d->wsql[0]);
	pgsql_finish(&d->wsql[1]);
}

static bool
create_slot(Daemon *d)
{
	PGSQL		p;
	CdcLsn		lsn;
	bool		created;
	bool		ok;

	memset(&p, 0, sizeof(p));
	if (!pgsql_open(&p, settings.conninfo, PGSQL_CONN_REPLICATION))
		return false;
	ok = pgsql_set_session(&p) && pgsql_create_slot(&p, settings.slot, &lsn, &created);
	pgsql_finish(&p);
	return ok;
}

/*
 * The stored progress, and the catalog as of it: the snapshot stored with
 * the progress, else (first start, or a snapshot that cannot be read) the
 * catalog as it is now, which is then stored with the next write.
 */
static bool
load_catalog(Daemon *d)
{
	char	   *snapshot = NULL;
	char		err[256];
	bool		ok;

	if (!flags_read_progress(&d->w[0], &d->progress_at_start, &snapshot))
	{
		d->sql.err_kind = d->wsql[0].err_kind;
		memcpy(d->sql.errmsg, d->wsql[0].errmsg, sizeof(d->sql.errmsg));
		return false;
	}
	if (snapshot != NULL &&
		catalog_load_snapshot(&d->catalog, snapshot, strlen(snapshot), err, sizeof(err)))
	{
		free(snapshot);
		d->snapshot_version = d->catalog.version;
		return true;
	}
	if (snapshot != NULL)
		log_warn("catalog.snapshot", "the catalog stored in arka.cdc_progress cannot be read (%s); "
				 "loading the catalog as it is now", err);
	free(snapshot);
	ok = catalog_load(&d->catalog, &d->sql);
	d->snapshot_version = 0;	/* stored with the first write */
	return ok;
}

/* Everything about one streaming session; false on a (logged) failure. */
static bool
stream_session(Daemon *d, bool *stopped, bool *fatal)
{
	static const char *filter =
		"arka.flags,arka.rejections,arka.cdc_progress,arka.decisions,arka.watchlist_entries";
	char		origins[32];
	PgsqlOption *opts;
	StreamConnectOpts co;
	CdcLsn		startpos;

	*stopped = false;
	*fatal = false;
	/* partition roots are looked up again in this session (ATTACH meanwhile) */
	for (size_t i = 0; i < d->nroots; i++)
	{
		free(d->roots[i].key);
		free(d->roots[i].schema);
		free(d->roots[i].table);
	}
	d->nroots = 0;
	if (!open_sessions(d))
	{
		*fatal = !pgsql_error_is_transient(d->sql.err_kind) &&
			d->sql.err_kind != PGSQL_ERR_NONE;
		note_error(d, d->sql.errmsg);
		return false;
	}
	if (settings.create_slot && !create_slot(d))
	{
		*fatal = true;
		return false;
	}
	if (!load_catalog(d))
	{
		note_error(d, d->sql.errmsg);
		*fatal = !pgsql_error_is_transient(d->sql.err_kind) && d->sql.err_kind != PGSQL_ERR_QUERY;
		return false;
	}
	if (settings.stop_at_end && d->stop_target == CDC_INVALID_LSN &&
		!pgsql_current_wal_lsn(&d->sql, &d->stop_target))
		return false;

	opts = calloc(pgsql_wal2json_noptions + 2, sizeof(PgsqlOption));
	if (opts == NULL)
		return false;
	memcpy(opts, pgsql_wal2json_options, sizeof(PgsqlOption) * pgsql_wal2json_noptions);
	/* arka-cdc's own writes would come back to it: filter them out */
	opts[pgsql_wal2json_noptions].name = "filter-tables";
	opts[pgsql_wal2json_noptions].value = filter;
	memset(&co, 0, sizeof(co));
	co.noptions = pgsql_wal2json_noptions + 1;

	/*
	 * ... and, when the writers carry replication origins, before they are
	 * even decoded.  Only the writers' own transactions have these origins
	 * (they hold nothing but flags, rejections and progress), so nothing
	 * else can be filtered away.
	 */
	origins[0] = '\0';
	for (int i = 0; i < 2; i++)
		if (d->origin[i] != 0)
			snprintf(origins + strlen(origins), sizeof(origins) - strlen(origins), "%s%u",
					 origins[0] ? "," : "", d->origin[i]);
	if (origins[0])
	{
		opts[co.noptions].name = "filter-origins";
		opts[co.noptions].value = origins;
		co.noptions++;
	}
	co.conninfo = settings.conninfo;
	co.slot = settings.slot;
	co.options = opts;
	co.base_ms = 500;
	co.cap_ms = 30000;

	/*
	 * LSN decision: start from our stored progress; stream_reconnect raises
	 * it to the slot's confirmed_flush_lsn when that is later (the server
	 * starts there anyway).  Transactions between the two are skipped by
	 * the progress check in handle_message.
	 */
	startpos = d->progress_at_start;
	if (!stream_reconnect(&co, &startpos, &d->repl))
	{
		free(opts);
		*stopped = stream_stop_requested();
		*fatal = !*stopped;
		return false;
	}
	free(opts);
	stream_init(&d->stream, &d->repl, startpos, settings.status_interval_ms);
	d->pending_lsn = CDC_INVALID_LSN;
	d->pending_since = 0;
	d->txn.open = false;
	d->tot_flags = d->w[0].total_flags;
	d->tot_rejections = d->w[0].total_rejections;
	d->committed_lsn = d->w[0].committed_lsn;
	d->metrics.connected = true;
	{
		CdcLogLine	l;

		if (cdc_log_begin(&l, CDC_LOG_INFO, "stream.start"))
		{
			cdc_log_str(&l, "slot", settings.slot);
			cdc_log_lsn(&l, "startpos", startpos);
			cdc_log_lsn(&l, "progress", d->progress_at_start);
			cdc_log_end(&l);
		}
	}

	for (;;)
	{
		StreamMessage sm;
		StreamResult r;
		/*
		 * Queued work and a free writer: only look for data already there
		 * (none means idle: write now).  With the writer busy, wait briefly
		 * for data, then check whether it has finished.
		 */
		int			timeout = d->pending_since ? (d->inflight ? 1 : 0) : d->inflight ? 5 : 1000;

		if (stream_reload_requested())
			read_config(false);
		r = stream_next(&d->stream, &sm, timeout);
		switch (r)
		{
			case STREAM_DATA:
				if (!handle_message(d, &sm))
					return false;
				break;
			case STREAM_KEEPALIVE:
			case STREAM_IDLE:
				/* idle: write what is queued, unless a batch is still in flight */
				if (d->pending_since && !d->txn.open && !d->inflight && !commit_pending(d))
					return false;
				break;
			case STREAM_STOP:

				/*
				 * Drain: write and confirm what whole transactions queued;
				 * a transaction read in part is dropped (not confirmed, so
				 * the server sends it again next time).
				 */
				if (d->txn.open)
				{
					abandon_inflight(d);
					d->pending_since = 0;
				}
				else
					(void) commit_all(d, CDC_INVALID_LSN);
				stream_close(&d->stream, 5000);
				*stopped = true;
				return true;
			case STREAM_END:
			case STREAM_ERROR:
				note_error(d, d->repl.errmsg[0] ? d->repl.errmsg : "replication connection lost");
				return false;
		}

		/* a batch in flight may have finished: confirm it */
		if (!collect(d, false))
			return false;

		/*
		 * Group commit: enough queued, or queued long enough.  While a
		 * batch is in flight the queue keeps growing rather than waiting
		 * for it (queue_full): the batch after it is then larger, so the
		 * writer keeps up with the stream in fewer commits.
		 */
		if (d->pending_since && !d->txn.open &&
			(queue_full(d) ||
			 (!d->inflight && mono_ms() - d->pending_since >= settings.batch_delay_ms)))
		{
			if (!commit_pending(d))
				return false;
		}

		/*
		 * LSN decision: nothing queued, nothing in flight, no transaction
		 * half read: every message delivered is processed, which lets the
		 * stream confirm a later keepalive's position (stream.c).
		 */
		if (all_durable(d))
			stream_confirm(&d->stream, d->stream.durable_lsn, true);

		/* heartbeat: keep arka.cdc_progress (and arka.cdc_status) current */
		if (all_durable(d) && d->stream.durable_lsn > d->committed_lsn &&
			mono_ms() - d->last_heartbeat_ms >= 30000)
		{
			d->last_heartbeat_ms = mono_ms();
			if (!commit_all(d, d->stream.durable_lsn))
				return false;
		}
		publish(d);

		if (settings.stop_at_end && all_durable(d) && d->stream.durable_lsn >= d->stop_target)
		{
			char		a[CDC_LSN_STRLEN];

			/* the durable position is stored as progress too */
			if (!commit_all(d, d->stream.durable_lsn))
				return false;
			stream_send_status(&d->stream, true, false);
			log_info("stream.end", "processed everything committed before the start (up to %s)",
					 cdc_lsn_format(d->stop_target, a));
			stream_close(&d->stream, 5000);
			*stopped = true;
			return true;
		}
	}
}

int
main(int argc, char **argv)
{
	static struct option long_opts[] = {
		{"dbname", required_argument, NULL, 'd'},
		{"slot", required_argument, NULL, 'S'},
		{"create-slot", no_argument, NULL, 1},
		{"stop-at-end", no_argument, NULL, 2},
		{"metrics-port", required_argument, NULL, 3},
		{"config", required_argument, NULL, 4},
		{"log-level", required_argument, NULL, 5},
		{"version", no_argument, NULL, 'V'},
		{"help", no_argument, NULL, '?'},
		{NULL, 0, NULL, 0}
	};
	Daemon	   *d;
	int			c;
	CdcBackoff	backoff;

	while ((c = getopt_long(argc, argv, "d:S:V?", long_opts, NULL)) != -1)
	{
		switch (c)
		{
			case 'd':
				settings.conninfo = optarg;
				break;
			case 'S':
				settings.slot = optarg;
				break;
			case 1:
				settings.create_slot = true;
				break;
			case 2:
				settings.stop_at_end = true;
				break;
			case 3:
				settings.metrics_port = atoi(optarg);
				if (settings.metrics_port <= 0 || settings.metrics_port > 65535)
				{
					fprintf(stderr, "arka-cdc: invalid --metrics-port \"%s\"\n", optarg);
					return 2;
				}
				break;
			case 4:
				settings.config = optarg;
				break;
			case 5:
				{
					CdcLogLevel lv;

					if (!cdc_log_parse_level(optarg, &lv))
					{
						fprintf(stderr, "arka-cdc: invalid --log-level \"%s\"\n", optarg);
						return 2;
					}
					cdc_log_set_level(lv);
					break;
				}
			case 'V':
				printf("arka-cdc %s\n", ARKA_CDC_VERSION);
				return 0;
			case '?':
				if (optopt == 0 && strcmp(argv[optind - 1], "-?") != 0 &&
					strcmp(argv[optind - 1], "--help") != 0)
				{
					fprintf(stderr, "Try \"arka-cdc --help\" for more information.\n");
					return 2;
				}
				usage(stdout);
				return 0;
			default:
				fprintf(stderr, "Try \"arka-cdc --help\" for more information.\n");
				return 2;
		}
	}
	if (optind < argc)
	{
		fprintf(stderr, "arka-cdc: unexpected argument \"%s\"\n"
				"Try \"arka-cdc --help\" for more information.\n", argv[optind]);
		return 2;
	}
	if (settings.conninfo == NULL)
		settings.conninfo = "";	/* libpq environment variables decide */
	read_config(true);
	if (!stream_install_signals())
		return 1;
	if (settings.metrics_port && !metrics_start(settings.metrics_port))
		return 1;

	d = calloc(1, sizeof(Daemon));
	if (d == NULL)
		return 1;
	w2j_parser_init(&d->parser);
	d->parser.parse_json_columns = false;	/* rowdoc.c parses jsonb itself */
	arka_arena_init(&d->msg_arena, 0);
	catalog_init(&d->catalog);
	decider_init(&d->decider);
	watchlists_init(&d->watchlists, &d->sql, &d->catalog);
	d->decider.watchlists = &d->watchlists;
	decision_init(&d->decision);
	arka_buf_init(&d->row_key);
	flags_init(&d->w[0], &d->wsql[0], settings.slot);
	flags_init(&d->w[1], &d->wsql[1], settings.slot);
	{
		pthread_t	th;

		if (pthread_create(&th, NULL, writer_main, NULL) != 0)
		{
			log_fatal("main.start", "could not start the writer thread");
			return 1;
		}
		pthread_detach(th);
	}
	d->rate_ms = mono_ms();
	cdc_backoff_init(&backoff, 500, 30000, (uint64_t) getpid() * 2654435761u);
	log_info("main.start", "arka-cdc %s, slot \"%s\"%s", ARKA_CDC_VERSION, settings.slot,
			 settings.stop_at_end ? ", stopping at the end" : "");

	for (;;)
	{
		bool		stopped,
					fatal;
		bool		ok = stream_session(d, &stopped, &fatal);

		d->metrics.connected = false;
		if (ok && stopped)
			break;
		if (stopped || stream_stop_requested())
			break;
		/* start over from the durable position: queued work is not confirmed */
		close_sessions(d);
		memset(&d->txn, 0, sizeof(d->txn));
		if (fatal)
		{
			log_fatal("main.exit", "arka-cdc cannot continue: %s",
					  d->metrics.last_error[0] ? d->metrics.last_error : "see the error above");
			return 1;
		}
		d->metrics.reconnects++;
		publish(d);
		{
			int			delay = cdc_backoff_next(&backoff);

			log_warn("main.reconnect", "restarting from the durable position in %d ms", delay);
			if (!stream_sleep(delay))
				break;
		}
	}
	close_sessions(d);
	watchlists_free(&d->watchlists);
	log_info("main.exit", "stopped cleanly: changes=%llu flags=%llu rejections=%llu",
			 (unsigned long long) d->metrics.changes, (unsigned long long) d->tot_flags,
			 (unsigned long long) d->tot_rejections);
	return 0;
}
