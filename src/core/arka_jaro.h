/*-------------------------------------------------------------------------
 *
 * arka_jaro.h
 *	  Jaro and Jaro-Winkler similarity over Unicode code points.
 *
 * The name matcher compares normalised tokens with Jaro-Winkler (JW).  The
 * functions here are the plain, textbook metric (Winkler's prefix scale
 * p = 0.1, common prefix capped at 4 characters) so that they reproduce
 * the published tables exactly; everything matcher-specific (length-ratio
 * penalty, transliteration keys, floors) lives in arka_match.c.
 *
 * Conventions, decided once for the whole extension:
 *	 - two empty strings are identical: similarity 1.0;
 *	 - an empty string against a non-empty one: 0.0;
 *	 - strings are compared code point by code point, case-sensitively
 *	   (callers normalise first);
 *	 - the Winkler boost is applied only when the Jaro similarity exceeds
 *	   boost_threshold (Winkler used 0.7; pass 0 for "always boost", which
 *	   is what the classic tables assume).
 *
 * Jaro is quadratic in the worst case, so inputs longer than
 * ARKA_JARO_MAX_LEN code points are refused (return -1.0) rather than
 * burning CPU on hostile input.  Nothing here allocates except the UTF-8
 * wrapper for long strings; nothing aborts.
 *
 *-------------------------------------------------------------------------
 */
#ifndef ARKA_JARO_H
#define ARKA_JARO_H

#include <stddef.h>
#include <stdint.h>

#define ARKA_JARO_MAX_LEN		4096	/* code points per side */
#define ARKA_JW_PREFIX_SCALE	0.1
#define ARKA_JW_PREFIX_MAX		4

/* Jaro similarity in [0,1]; -1.0 when a side exceeds ARKA_JARO_MAX_LEN. */
extern double arka_jaro(const uint32_t *a, size_t la, const uint32_t *b, size_t lb);

/*
 * Jaro-Winkler similarity in [0,1]; -1.0 when a side exceeds
 * ARKA_JARO_MAX_LEN.  The prefix boost is added when the Jaro similarity
 * is strictly greater than boost_threshold.
 */
extern double arka_jaro_winkler(const uint32_t *a, size_t la,
								const uint32_t *b, size_t lb,
								double boost_threshold);

/*
 * The same on UTF-8 text.  Invalid bytes count as one U+FFFD each, so any
 * byte string has a defined result.  -1.0 when a side is longer than
 * ARKA_JARO_MAX_LEN code points or memory runs out.
 */
extern double arka_jaro_winkler_utf8(const char *a, size_t alen,
									 const char *b, size_t blen,
									 double boost_threshold);

#endif							/* ARKA_JARO_H */
