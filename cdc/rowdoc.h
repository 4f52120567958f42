/*-------------------------------------------------------------------------
 *
 * rowdoc.h
 *	  A committed row, as wal2json printed it, as the arka document the
 *	  enforcement trigger would have decided.
 *
 * src/arka_tupledoc.c builds the document from the heap tuple (see
 * docs/protect.md, "The document a row stands for"); this module builds
 * the same document from a wal2json message: every column by name (SQL
 * NULL -> null), then the protection's mapping set over it, shortest
 * path first, with each column converted to the value the trigger gives
 * it (rowdoc.c lists the conversions and the few differences that
 * wal2json 2.5 forces, e.g. numeric NaN arrives as null).
 *
 *-------------------------------------------------------------------------
 */
#ifndef CDC_ROWDOC_H
#define CDC_ROWDOC_H

#include <stdbool.h>
#include <stddef.h>

#include "arka_value.h"
#include "wal2json.h"

/* Convert one column as the trigger does (value in arena). */
extern bool rowdoc_column_value(const W2jColumn *col, ArkaArena *arena, ArkaValue *out,
								char *err, size_t errlen);

/*
 * The row's document.  columns: the row's columns (the message's new
 * tuple, plus any TOAST-unchanged columns the caller recovered); mapping:
 * the protection's parsed mapping (ARKA_NULL for none).
 */
extern bool rowdoc_build(const W2jColumn *const *columns, size_t ncolumns,
						 const ArkaValue *mapping, ArkaArena *arena, ArkaValue *doc,
						 char *err, size_t errlen);

/* Helpers exposed for tests: wal2json's timestamp text to the trigger's. */
extern bool rowdoc_timestamp(const char *s, size_t len, bool with_tz, char *out, size_t cap);

#endif							/* CDC_ROWDOC_H */
