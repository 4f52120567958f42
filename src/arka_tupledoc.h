/*-------------------------------------------------------------------------
 *
 * arka_tupledoc.h
 *	  A table row as an arka document, read straight from the heap tuple.
 *
 * The enforcement trigger builds no jsonb per row: a "table program",
 * compiled once per backend against the table's tuple descriptor, the
 * protection's mapping and the ruleset's document paths, says for each
 * path which column (and which path inside a jsonb column) holds it.
 * docs/protect.md specifies the document a row stands for.
 *
 *-------------------------------------------------------------------------
 */
#ifndef ARKA_TUPLEDOC_H
#define ARKA_TUPLEDOC_H

#include "postgres.h"
#include "access/htup.h"
#include "access/tupdesc.h"
#include "executor/tuptable.h"
#include "utils/jsonb.h"
#include "utils/rel.h"

#include "arka_cache.h"
#include "arka_decision.h"

typedef struct ArkaTableProgram ArkaTableProgram;

/*
 * The program for rows of rel, compiled or cached; NULL when neither rel
 * nor a partition ancestor is protected.  The cache follows ruleset
 * rebuilds (rules, lists, protections) and the table's relcache
 * invalidations (ALTER TABLE).
 */
extern ArkaTableProgram *arka_table_program(Relation rel, ArkaRuleset *rs);

/* The protection a program enforces. */
extern const ArkaProtection *arka_table_program_protection(const ArkaTableProgram *tp);

/* An uncached program for a tuple descriptor (the dry run over a query). */
extern ArkaTableProgram *arka_table_program_for_desc(TupleDesc desc, Jsonb *mapping,
													 ArkaRuleset *rs);
/* Free a program from arka_table_program_for_desc. */
extern void arka_table_program_free(ArkaTableProgram *tp);

/* Check a mapping against a table, raising an error naming what is wrong. */
extern void arka_validate_mapping(TupleDesc desc, Jsonb *mapping, const char *relname);

/* One row being decided. */
typedef struct ArkaRowDoc
{
	ArkaTableProgram *tp;
	HeapTuple	tuple;
	TupleTableSlot *slot;		/* the trigger's slot holding tuple, or NULL */
	Datum	   *values;			/* the tuple deformed once, on first use */
	bool	   *isnull;
	Jsonb	  **jsonb;			/* detoasted jsonb columns, by column index */
	ArkaArena  *arena;
	ArkaValue	whole;			/* the full document, built on demand */
	bool		have_whole;
	ArkaDocSource src;
} ArkaRowDoc;

/*
 * Set up rd (and rd->src) to decide tuple; slot, when not NULL, holds the
 * same row (a trigger's), whose datums are read from it.  arena is the
 * evaluation arena.
 */
extern void arka_row_doc_init(ArkaRowDoc *rd, ArkaTableProgram *tp, HeapTuple tuple,
							  TupleTableSlot *slot, ArkaArena *arena);

/* The row's key: primary key (or replica identity) columns, or NULL. */
extern Jsonb *arka_row_key(ArkaRowDoc *rd);

/* The schema-qualified name of the program's table. */
extern const char *arka_table_program_name(const ArkaTableProgram *tp);

/*
 * Relcache callback hook (see arka_cache.c): the table's programs are
 * recompiled at their next use and freed when the transaction ends.
 */
extern void arka_tupledoc_invalidate(Oid relid);

/* Register the end-of-transaction release of invalidated programs. */
extern void arka_tupledoc_init(void);

#endif							/* ARKA_TUPLEDOC_H */
