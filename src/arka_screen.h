/*-------------------------------------------------------------------------
 *
 * arka_screen.h
 *	  Sanctions screening in the backend (see arka_screen.c).
 *
 *-------------------------------------------------------------------------
 */
#ifndef ARKA_SCREEN_H
#define ARKA_SCREEN_H

#include "arka_sanctions.h"

/*
 * ArkaWatchlistFn for arka_sanctions_hook: this backend's compiled lists
 * as of the ruleset (ctx), compiled on first use.
 */
extern int	arka_screen_watchlist(void *ctx, const char *name, ArkaEval *ev,
								  const ArkaWatchlist **out);

/* First-use build time of a compiled watchlist in this backend, or -1. */
extern double arka_screen_build_ms(const char *name);

#endif							/* ARKA_SCREEN_H */
