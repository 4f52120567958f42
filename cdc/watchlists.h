/*-------------------------------------------------------------------------
 *
 * watchlists.h
 *	  The watchlists arka-cdc screens names against (sanctions_match).
 *
 * A list is compiled, as a backend compiles it, from the rows of
 * arka._watchlist_rows, the first time a row needs it and again when its
 * version in the catalog copy changes; its cleared pairings come from the
 * catalog copy.  The entries are read from the database as it is now, so
 * the read checks, in the same snapshot, that their hash is the
 * entries_sha256 the catalog copy holds for the row being decided.  When
 * the list has been reloaded or edited since that row was written, the
 * version it was written under is gone: screening fails, and the row is
 * flagged with the reason, like any row arka-cdc cannot decide
 * (docs/cdc.md).
 *
 *-------------------------------------------------------------------------
 */
#ifndef CDC_WATCHLISTS_H
#define CDC_WATCHLISTS_H

#include "arka_sanctions.h"
#include "catalog.h"
#include "pgsql.h"

typedef struct CdcList CdcList;

typedef struct CdcWatchlists
{
	PGSQL	   *sql;			/* where entries are read (NULL: none can be) */
	Catalog    *cat;
	CdcList    *lists;
	uint64_t	compiles;		/* lists compiled so far */
} CdcWatchlists;

extern void watchlists_init(CdcWatchlists *w, PGSQL *sql, Catalog *cat);
extern void watchlists_free(CdcWatchlists *w);

/* ArkaWatchlistFn: ctx is the CdcWatchlists (see arka_sanctions.h). */
extern int	watchlists_get(void *ctx, const char *name, ArkaEval *ev, const ArkaWatchlist **out);

#endif							/* CDC_WATCHLISTS_H */
