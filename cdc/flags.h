/*-------------------------------------------------------------------------
 *
 * flags.h
 *	  Writing arka.flags, arka.rejections and arka.cdc_progress.
 *
 * Flags and rejections are queued as COPY binary tuples (copybin.h) and
 * written by flags_commit in ONE transaction (COPY into arka.flags or
 * session temp tables, then one statement inserting the rest and the
 * slot's row of arka.cdc_progress): either all of it is durable or none
 * is.  Both inserts say ON CONFLICT DO NOTHING against the unique keys
 * (commit_lsn, change_seq) and message_lsn, so writing the same change
 * twice (after a crash before the slot was confirmed) adds nothing, and
 * the progress counters add only the rows really inserted.
 *
 *-------------------------------------------------------------------------
 */
#ifndef CDC_FLAGS_H
#define CDC_FLAGS_H

#include <stdbool.h>
#include <stdint.h>

#include "arka_json.h"
#include "lsn.h"
#include "pgsql.h"

typedef struct FlagRow
{
	const char *table_name;		/* schema.table */
	const char *row_key;		/* JSON text or NULL */
	const char *operation;		/* INSERT | UPDATE */
	CdcLsn		commit_lsn;
	int			change_seq;
	bool		has_xid;
	uint32_t	xid;
	bool		has_committed_at;
	int64_t		committed_at;	/* µs since 2000-01-01 UTC */
	const char *kind;			/* violation | bypass */
	const char *outcome;		/* review | block */
	const char *violations;		/* JSON array */
	const char *rule_versions;	/* JSON object or NULL */
	const char *ruleset_version;
	const char *proof_id;
	const char *note;
} FlagRow;

typedef struct FlagWriter
{
	PGSQL	   *sql;
	char	   *slot;
	ArkaBuf		flags;			/* COPY binary tuples, FLAG_COLUMNS */
	uint64_t	nflags;
	ArkaBuf		rejections;		/* COPY binary tuples (payload, message_lsn) */
	uint64_t	nrejections;
	uint64_t	changes;		/* changes decided since the last commit */
	ArkaBuf		stmt;
	ArkaBuf		catalog;		/* catalog snapshot to store with the progress */
	bool		has_catalog;

	/* totals as arka.cdc_progress holds them after the last commit */
	uint64_t	total_changes;
	uint64_t	total_flags;
	uint64_t	total_rejections;
	CdcLsn		committed_lsn;	/* progress lsn of the last commit */
	uint64_t	commits;

	/* batches still to write the safe way after a conflict (flags_commit) */
	int			safe_batches;
	uint64_t	conflicts;		/* batches that met an already written flag */
} FlagWriter;

/* After a batch meets an existing flag, write this many more the safe way. */
#define FLAGS_SAFE_BATCHES 16

extern void flags_init(FlagWriter *w, PGSQL *sql, const char *slot);
extern void flags_free(FlagWriter *w);

/* Create the session's staging tables (after every connection). */
extern bool flags_prepare(FlagWriter *w);
extern uint32_t flags_use_origin(FlagWriter *w, const char *name);

/* The columns of arka.flags arka-cdc writes, in the order of its tuples. */
#define FLAG_COLUMNS "table_name, row_key, operation, commit_lsn, change_seq, xid, committed_at, " \
	"kind, outcome, violations, rule_versions, ruleset_version, proof_id, note"

/*
 * Append f as one COPY binary tuple of FLAG_COLUMNS (their types in
 * arka.flags: text, jsonb, text, pg_lsn, integer, bigint, timestamptz,
 * text, text, jsonb, jsonb, text, text, text).
 */
extern void flags_encode(ArkaBuf *b, const FlagRow *f);

/* Queue (in memory only). */
extern bool flags_add(FlagWriter *w, const FlagRow *f);
extern bool flags_add_rejection(FlagWriter *w, CdcLsn message_lsn, const char *payload);
extern bool flags_pending(const FlagWriter *w);

/* Forget what is queued (the stream restarts from the durable position). */
extern void flags_discard(FlagWriter *w);

/*
 * Write what is queued and the progress row in one transaction.
 * progress_lsn 0 keeps the stored position (a batch inside a huge
 * transaction).  Returns only once the commit is durable
 * (synchronous_commit is on in this session).
 */
extern bool flags_commit(FlagWriter *w, CdcLsn progress_lsn);

/* The stored progress of a slot (0 if none). */
/*
 * The stored progress of this slot (CDC_INVALID_LSN if none) and, in
 * *catalog (malloc'd, NULL if none), the catalog snapshot stored with it.
 */
extern bool flags_read_progress(FlagWriter *w, CdcLsn *lsn, char **catalog);

#endif							/* CDC_FLAGS_H */
