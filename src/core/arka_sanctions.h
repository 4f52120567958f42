/*-------------------------------------------------------------------------
 *
 * arka_sanctions.h
 *	  The sanctions_match decision over compiled watchlists, shared by the
 *	  extension and arka-cdc.
 *
 * Where the watchlists come from differs (the backend reads them with
 * SPI, arka-cdc with libpq); what is built from an entry, which match is
 * the best, which pairings are cleared and the evidence recorded do not,
 * so both hosts screen through these functions and give the same
 * decision and proof id for the same row (docs/matching.md).
 *
 *-------------------------------------------------------------------------
 */
#ifndef ARKA_SANCTIONS_H
#define ARKA_SANCTIONS_H

#include "arka_match.h"
#include "arka_ruleset.h"

/* One row of arka._watchlist_rows(): an entry as the matcher takes it. */
typedef struct ArkaWatchlistEntry
{
	const char *entry_id;
	const char *type;			/* "individual", "entity", ... */
	const char *name;
	const char **aliases;		/* strong aliases */
	int			naliases;
	const char **weak_aliases;
	int			nweak_aliases;
	const char **id_types;		/* identifiers, pairwise with id_values */
	const char **id_values;
	int			nids;
	const char **programs;
	int			nprograms;
	const char **countries;
	int			ncountries;
} ArkaWatchlistEntry;

/* Add an entry to a list being built; ARKA_MATCH_OK or why not. */
extern ArkaMatchStatus arka_watchlist_add(ArkaMatchList *list, const ArkaWatchlistEntry *e);

/* A compiled watchlist as the screening needs it. */
typedef struct ArkaWatchlist
{
	const char *name;
	ArkaMatchList *list;
	char	  **cleared;		/* "entry_id\tnormalized name", strcmp order */
	int			ncleared;
} ArkaWatchlist;

/*
 * The host's compiled list `name` as of the ruleset being evaluated: 1
 * with *out set, 0 when no such watchlist is loaded, -1 when it cannot be
 * had (ev->err set).
 */
typedef int (*ArkaWatchlistFn) (void *ctx, const char *name, ArkaEval *ev,
								const ArkaWatchlist **out);

/* The screen_ctx of arka_sanctions_hook. */
typedef struct ArkaSanctionsCtx
{
	const ArkaRuleset *rs;
	ArkaWatchlistFn get;
	void	   *get_ctx;
} ArkaSanctionsCtx;

/*
 * ArkaScreenFn for sanctions_match (ctx is an ArkaSanctionsCtx): the best
 * uncleared match over the requested lists (every loaded list when none
 * is named), as {"list": name, ...arka_match_result_json evidence}.
 */
extern int	arka_sanctions_hook(void *ctx, const char *name, size_t len,
								const ArkaScreenOpts *opts, ArkaEval *ev, ArkaValue *match);

/* The ruleset's "watchlist:<name>" digest, or NULL when not loaded. */
extern const uint8_t *arka_ruleset_watchlist_digest(const ArkaRuleset *rs, const char *name);

/* Fill names (room for rs->lists.n) with the loaded watchlists; their count. */
extern int	arka_ruleset_watchlists(const ArkaRuleset *rs, const char **names);

/* Is (entry_id, normalized query name) one of the list's cleared pairings? */
extern bool arka_watchlist_cleared(const ArkaWatchlist *w, const char *entry_id, const char *norm);

/* strcmp over char *const * (sorting and searching cleared pairings). */
extern int	arka_cmp_cstr(const void *a, const void *b);

#endif							/* ARKA_SANCTIONS_H */
