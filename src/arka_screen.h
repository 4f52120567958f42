/*-------------------------------------------------------------------------
 *
 * arka_screen.h
 *	  Sanctions screening in the backend (see arka_screen.c).
 *
 *-------------------------------------------------------------------------
 */
#ifndef ARKA_SCREEN_H
#define ARKA_SCREEN_H

#include "arka_logic.h"

/* The sanctions_match hook; ctx is the current ArkaRuleset. */
extern int	arka_screen_hook(void *ctx, const char *name, size_t len,
							 const ArkaScreenOpts *opts, ArkaEval *ev, ArkaValue *match);

/* First-use build time of a compiled watchlist in this backend, or -1. */
extern double arka_screen_build_ms(const char *name);

#endif							/* ARKA_SCREEN_H */
