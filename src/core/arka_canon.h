/*-------------------------------------------------------------------------
 *
 * arka_canon.h
 *	  Canonical document encoding (doc-c14n-v1), the input of proof ids.
 *
 * The encoding must not depend on how a document was stored (jsonb, heap
 * tuple, wal2json): numbers are encoded by value (1.50 == 1.5), strings
 * are length-prefixed (no escaping), and object members come in one fixed
 * order, shorter keys first, then bytewise (jsonb's own order).  Tokens:
 *   n  t  f  d<coef>e<exp>;  s<bytes>:<utf8>  a<n>[ ... ]  o<n>{ key value ... }
 * The writers are inline: they run for every token of every document.
 *
 *-------------------------------------------------------------------------
 */
#ifndef ARKA_CANON_H
#define ARKA_CANON_H

#include <string.h>

#include "arka_json.h"

/* Write v in decimal at p; returns the end.  (printf is too slow here.) */
static inline char *
arka_put_uint(char *p, uint64_t v)
{
	char		tmp[24];
	int			n = 0;

	do
	{
		tmp[n++] = (char) ('0' + v % 10);
		v /= 10;
	} while (v);
	while (n)
		*p++ = tmp[--n];
	return p;
}

/* A one-character token (n, t, f, ], }). */
static inline void
arka_canon_char(ArkaBuf *b, char c)
{
	char	   *p = arka_buf_reserve(b, 1);

	if (p)
	{
		*p = c;
		arka_buf_commit(b, 1);
	}
}

/* A tag, a count and an opening character: "a3[" or "o2{". */
static inline void
arka_canon_open(ArkaBuf *b, char tag, size_t n, char open)
{
	char	   *p = arka_buf_reserve(b, 24);

	if (p)
	{
		char	   *e = p;

		*e++ = tag;
		e = arka_put_uint(e, n);
		*e++ = open;
		arka_buf_commit(b, e - p);
	}
}

static inline void
arka_canon_null(ArkaBuf *b)
{
	arka_canon_char(b, 'n');
}

static inline void
arka_canon_bool(ArkaBuf *b, bool v)
{
	arka_canon_char(b, v ? 't' : 'f');
}

static inline void
arka_canon_num(ArkaBuf *b, const ArkaDec *d)
{
	char	   *p = arka_buf_reserve(b, ARKA_DEC_STRLEN + 2);

	if (p)
	{
		size_t		n;

		p[0] = 'd';
		n = arka_dec_to_canonical(d, p + 1);
		p[n + 1] = ';';
		arka_buf_commit(b, n + 2);
	}
}

static inline void
arka_canon_str(ArkaBuf *b, const char *s, size_t len)
{
	char	   *p = arka_buf_reserve(b, len + 24);

	if (p)
	{
		char	   *e = p;

		*e++ = 's';
		e = arka_put_uint(e, len);
		*e++ = ':';
		memcpy(e, s, len);
		arka_buf_commit(b, (e - p) + len);
	}
}

static inline void
arka_canon_array_begin(ArkaBuf *b, size_t n)
{
	arka_canon_open(b, 'a', n, '[');
}

static inline void
arka_canon_array_end(ArkaBuf *b)
{
	arka_canon_char(b, ']');
}

static inline void
arka_canon_object_begin(ArkaBuf *b, size_t n)
{
	arka_canon_open(b, 'o', n, '{');
}

static inline void
arka_canon_object_end(ArkaBuf *b)
{
	arka_canon_char(b, '}');
}

/* Order of object keys in the canonical encoding (negative: a first). */
extern int	arka_canon_key_cmp(const char *a, size_t alen, const char *b, size_t blen);

/* Canonical encoding of an in-memory value (sorts object members). */
extern bool arka_canon_value(ArkaBuf *b, const ArkaValue *v);

#endif							/* ARKA_CANON_H */
