/*-------------------------------------------------------------------------
 *
 * arka_jaro.c
 *	  Jaro and Jaro-Winkler similarity over Unicode code points.
 *
 * Textbook definitions (Winkler 1990; the LingPipe and Silk unit tests
 * quoted in name-matching-vectors.md section 1 are reproduced exactly):
 *
 *	 window  = max(0, max(|a|,|b|)/2 - 1)
 *	 m       = characters of a matched, in order, to a not yet matched equal
 *			   character of b at most `window' positions away
 *	 t       = half the number of matched characters out of order
 *	 jaro    = (m/|a| + m/|b| + (m-t)/m) / 3, or 0 when m = 0
 *	 jw      = jaro + l * 0.1 * (1 - jaro), l = common prefix, at most 4
 *
 * Tokens in the matcher are at most 64 code points, so the common case
 * keeps the "matched" flags of b in a 64-bit word (and ASCII tokens, the
 * usual case, match bit-parallel); longer inputs use byte arrays (on the
 * stack up to 256, else malloc).
 *
 *-------------------------------------------------------------------------
 */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <utf8proc.h>

#include "arka_jaro.h"

/*
 * Jaro for ASCII strings of at most 64 characters, bit-parallel: pos[c]
 * holds the positions of c in b, so "the first unmatched equal character
 * of b within the window" is the lowest set bit of pos[a[i]] & window &
 * ~used.  Same greedy matching as jaro_short, in O(|a| + |b|).
 */
static double
jaro_ascii(const uint32_t *a, size_t la, const uint32_t *b, size_t lb)
{
	uint64_t	pos[128];
	size_t		maxl = la > lb ? la : lb;
	size_t		window = maxl / 2 >= 1 ? maxl / 2 - 1 : 0;
	uint64_t	used = 0,
				bits;
	uint32_t	amatch[64];
	size_t		m = 0,
				t = 0,
				k = 0;

	for (size_t i = 0; i < la; i++)
		pos[a[i]] = 0;
	for (size_t j = 0; j < lb; j++)
		pos[b[j]] = 0;
	for (size_t j = 0; j < lb; j++)
		pos[b[j]] |= (uint64_t) 1 << j;
	for (size_t i = 0; i < la; i++)
	{
		size_t		lo = i > window ? i - window : 0;
		size_t		hi = i + window + 1 < lb ? i + window + 1 : lb;
		uint64_t	win = (hi >= 64 ? ~(uint64_t) 0 : (((uint64_t) 1 << hi) - 1)) &
			~(((uint64_t) 1 << lo) - 1);
		uint64_t	cand;

		if (lo >= hi)
			continue;
		cand = pos[a[i]] & win & ~used;
		if (cand)
		{
			used |= cand & (~cand + 1);	/* lowest set bit */
			amatch[m++] = a[i];
		}
	}
	if (m == 0)
		return 0.0;
	for (bits = used; bits; bits &= bits - 1)
	{
		if (amatch[k] != b[__builtin_ctzll(bits)])
			t++;
		k++;
	}
	t /= 2;
	return ((double) m / la + (double) m / lb + (double) (m - t) / m) / 3.0;
}

/*
 * Jaro for strings of at most 64 code points: b's matched flags fit one
 * word, and a's matched characters are collected in order as we go, so the
 * transposition count needs no second pass over a.
 */
static double
jaro_short(const uint32_t *a, size_t la, const uint32_t *b, size_t lb)
{
	size_t		maxl = la > lb ? la : lb;
	size_t		window = maxl / 2 >= 1 ? maxl / 2 - 1 : 0;
	uint64_t	bflags = 0;
	uint32_t	amatch[64];
	size_t		m = 0;
	size_t		t = 0;
	size_t		k = 0;

	for (size_t i = 0; i < la; i++)
	{
		size_t		lo = i > window ? i - window : 0;
		size_t		hi = i + window + 1 < lb ? i + window + 1 : lb;

		for (size_t j = lo; j < hi; j++)
		{
			if (!(bflags & ((uint64_t) 1 << j)) && a[i] == b[j])
			{
				bflags |= (uint64_t) 1 << j;
				amatch[m++] = a[i];
				break;
			}
		}
	}
	if (m == 0)
		return 0.0;
	for (size_t j = 0; j < lb; j++)
	{
		if (bflags & ((uint64_t) 1 << j))
		{
			if (amatch[k] != b[j])
				t++;
			k++;
		}
	}
	t /= 2;
	return ((double) m / la + (double) m / lb + (double) (m - t) / m) / 3.0;
}

/* General case with byte flags; -1.0 when memory runs out. */
static double
jaro_long(const uint32_t *a, size_t la, const uint32_t *b, size_t lb)
{
	uint8_t		stackbuf[512];
	uint8_t    *af,
			   *bf;
	size_t		maxl = la > lb ? la : lb;
	size_t		window = maxl / 2 >= 1 ? maxl / 2 - 1 : 0;
	size_t		m = 0,
				t = 0,
				k = 0;
	double		r;

	if (la + lb <= sizeof(stackbuf))
		af = stackbuf;
	else if ((af = malloc(la + lb)) == NULL)
		return -1.0;
	bf = af + la;
	memset(af, 0, la + lb);

	for (size_t i = 0; i < la; i++)
	{
		size_t		lo = i > window ? i - window : 0;
		size_t		hi = i + window + 1 < lb ? i + window + 1 : lb;

		for (size_t j = lo; j < hi; j++)
		{
			if (!bf[j] && a[i] == b[j])
			{
				af[i] = bf[j] = 1;
				m++;
				break;
			}
		}
	}
	if (m == 0)
		r = 0.0;
	else
	{
		for (size_t i = 0; i < la; i++)
		{
			if (!af[i])
				continue;
			while (!bf[k])
				k++;
			if (a[i] != b[k])
				t++;
			k++;
		}
		t /= 2;
		r = ((double) m / la + (double) m / lb + (double) (m - t) / m) / 3.0;
	}
	if (af != stackbuf)
		free(af);
	return r;
}

/*
 * Jaro similarity.  Empty-vs-empty is 1 and empty-vs-nonempty 0, the
 * LingPipe convention (documented in arka_jaro.h).
 */
double
arka_jaro(const uint32_t *a, size_t la, const uint32_t *b, size_t lb)
{
	if (la > ARKA_JARO_MAX_LEN || lb > ARKA_JARO_MAX_LEN)
		return -1.0;
	if (la == 0 && lb == 0)
		return 1.0;
	if (la == 0 || lb == 0)
		return 0.0;
	if (la <= 64 && lb <= 64)
	{
		uint32_t	any = 0;

		for (size_t i = 0; i < la; i++)
			any |= a[i];
		for (size_t j = 0; j < lb; j++)
			any |= b[j];
		return any < 128 ? jaro_ascii(a, la, b, lb) : jaro_short(a, la, b, lb);
	}
	return jaro_long(a, la, b, lb);
}

/*
 * Jaro-Winkler: reward a common prefix (names are most reliable at the
 * start), but only above boost_threshold, as Winkler did, so that two
 * unrelated strings sharing a first letter do not look similar.
 */
double
arka_jaro_winkler(const uint32_t *a, size_t la, const uint32_t *b, size_t lb,
				  double boost_threshold)
{
	double		j = arka_jaro(a, la, b, lb);
	size_t		l = 0;

	if (j <= boost_threshold || j < 0.0)
		return j;
	while (l < ARKA_JW_PREFIX_MAX && l < la && l < lb && a[l] == b[l])
		l++;
	return j + (double) l * ARKA_JW_PREFIX_SCALE * (1.0 - j);
}

/*
 * Decode UTF-8 into code points, one U+FFFD per invalid byte.  Returns the
 * number of code points, or -1 when there are more than `cap'.
 */
static long
decode_utf8(const char *s, size_t len, uint32_t *out, size_t cap)
{
	size_t		i = 0,
				n = 0;

	while (i < len)
	{
		utf8proc_int32_t cp;
		utf8proc_ssize_t r;

		if (n >= cap)
			return -1;
		r = utf8proc_iterate((const utf8proc_uint8_t *) s + i,
							 (utf8proc_ssize_t) (len - i), &cp);
		if (r <= 0)
		{
			cp = 0xFFFD;
			r = 1;
		}
		out[n++] = (uint32_t) cp;
		i += (size_t) r;
	}
	return (long) n;
}

/*
 * Convenience wrapper for tests and SQL-level helpers: decode both sides
 * and compare.  Code points never outnumber bytes, so the byte length
 * bounds the buffer.
 */
double
arka_jaro_winkler_utf8(const char *a, size_t alen, const char *b, size_t blen,
					   double boost_threshold)
{
	uint32_t	stackbuf[256];
	uint32_t   *buf;
	size_t		cap_a = alen < ARKA_JARO_MAX_LEN ? alen : ARKA_JARO_MAX_LEN;
	size_t		cap_b = blen < ARKA_JARO_MAX_LEN ? blen : ARKA_JARO_MAX_LEN;
	long		na,
				nb;
	double		r;

	if (cap_a + cap_b <= 256)
		buf = stackbuf;
	else if ((buf = malloc((cap_a + cap_b) * sizeof(uint32_t) + 1)) == NULL)
		return -1.0;
	na = decode_utf8(a, alen, buf, cap_a);
	nb = decode_utf8(b, blen, buf + cap_a, cap_b);
	if (na < 0 || nb < 0)
		r = -1.0;
	else
		r = arka_jaro_winkler(buf, (size_t) na, buf + cap_a, (size_t) nb,
							  boost_threshold);
	if (buf != stackbuf)
		free(buf);
	return r;
}
