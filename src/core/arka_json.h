/*-------------------------------------------------------------------------
 *
 * arka_json.h
 *	  JSON text <-> ArkaValue, with exact decimals.
 *
 * The extension itself reads documents from jsonb; this parser serves the
 * core's own tests, the fuzz targets and arka-cdc, which must read numbers
 * exactly (a JSON number never goes through a double here).
 *
 *-------------------------------------------------------------------------
 */
#ifndef ARKA_JSON_H
#define ARKA_JSON_H

#include "arka_value.h"

#define ARKA_JSON_MAX_DEPTH 1000

typedef struct ArkaJsonError
{
	size_t		offset;			/* byte offset of the problem */
	int			line;			/* 1-based line of the problem */
	char		message[128];	/* e.g. "unexpected character 'x'" */
} ArkaJsonError;

/*
 * Parse exactly one JSON value (RFC 8259) from [text, text+len), allowing
 * surrounding whitespace.  Strings are unescaped into the arena (\uXXXX
 * surrogate pairs combined; a lone surrogate or invalid UTF-8 is an
 * error); object keys keep source order (a duplicate key keeps the last
 * value, as jsonb does); numbers are parsed with arka_dec_parse_json, so a
 * number out of range is an error.  Nesting deeper than
 * ARKA_JSON_MAX_DEPTH is an error, never a stack overflow.  Returns false
 * with *err filled on any error, including arena exhaustion.
 */
extern bool arka_json_parse(const char *text, size_t len, ArkaArena *arena,
							ArkaValue *out, ArkaJsonError *err);

/*
 * Options of arka_json_parse_opts, for machine-written input where these
 * mean corruption (arka-cdc's wal2json messages: PostgreSQL text holds no
 * NUL, and wal2json never repeats a key).  ARKA_JSON_REJECT_DUPLICATES: a
 * key repeated in one object is an error ("duplicate key \"k\"") instead
 * of last-wins.  ARKA_JSON_REJECT_NUL: \u0000 in a string is an error, so
 * every string is a C string of its full length.
 */
#define ARKA_JSON_REJECT_DUPLICATES 0x0001
#define ARKA_JSON_REJECT_NUL		0x0002

extern bool arka_json_parse_opts(const char *text, size_t len, ArkaArena *arena,
								 unsigned flags, ArkaValue *out, ArkaJsonError *err);

/*
 * Growable output buffer used by serializers across the core.
 */
typedef struct ArkaBuf
{
	char	   *data;
	size_t		len;
	size_t		cap;
	bool		oom;			/* an allocation failed; contents truncated */
} ArkaBuf;

extern void arka_buf_init(ArkaBuf *b);
extern void arka_buf_free(ArkaBuf *b);
extern void arka_buf_append(ArkaBuf *b, const char *s, size_t len);
extern void arka_buf_putc(ArkaBuf *b, char c);
extern void arka_buf_puts(ArkaBuf *b, const char *s);
extern char *arka_buf_grow(ArkaBuf *b, size_t n);

/*
 * Make room for n more bytes and return where to write them (NULL after an
 * allocation failure); then arka_buf_commit what was written.  Inline: the
 * canonical encoder calls it for every token of every document.
 */
static inline char *
arka_buf_reserve(ArkaBuf *b, size_t n)
{
	if (!b->oom && b->data != NULL && n < b->cap - b->len)
		return b->data + b->len;
	return arka_buf_grow(b, n);
}

/* Account for bytes written after arka_buf_reserve and keep the NUL. */
static inline void
arka_buf_commit(ArkaBuf *b, size_t n)
{
	b->len += n;
	b->data[b->len] = '\0';
}

/* Append a JSON string literal (quotes, escapes "\\ \" \b \f \n \r \t and \u00XX for other controls). */
extern void arka_json_write_string(ArkaBuf *b, const char *s, size_t len);

/*
 * Append compact JSON text of a value (no spaces; object members in their
 * stored order; numbers via arka_dec_to_json, so NaN/Infinity -> null).
 */
extern void arka_json_write(ArkaBuf *b, const ArkaValue *v);

/*
 * Structural equality used by tests: numbers compare by value (1.0 == 1),
 * objects irrespective of member order.
 */
extern bool arka_value_equal(const ArkaValue *a, const ArkaValue *b);

#endif							/* ARKA_JSON_H */
