/*-------------------------------------------------------------------------
 *
 * arka_json.c
 *	  JSON text <-> ArkaValue, with exact decimals.
 *
 * The parser is a strict RFC 8259 recursive descent with an explicit
 * depth counter, so hostile nesting yields an error instead of a stack
 * overflow.  Container elements are collected on two parser-wide
 * temporary stacks (one for array items, one for object members) shared
 * by all nesting levels; when a container closes its slice of the stack
 * is copied into an exactly-sized arena array and popped.  This costs
 * O(document) temporary memory, a few reallocs per parse and no malloc
 * per element.  The temporary stacks are bounded by the arena's limit.
 *
 * Strings are scanned twice: once to validate (UTF-8, escapes, control
 * characters) and measure, once to decode into an exactly-sized arena
 * buffer.
 *
 *-------------------------------------------------------------------------
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arka_json.h"

/* Initial capacities of the temporary stacks, in elements. */
#define STACK_INIT	32

typedef struct JsonParser
{
	const char *s;				/* input */
	size_t		len;
	size_t		pos;			/* next byte to look at */
	ArkaArena  *arena;
	ArkaJsonError *err;
	unsigned	flags;			/* ARKA_JSON_* options */
	int			depth;			/* containers currently open */
	size_t		stack_limit;	/* max bytes of each temporary stack */

	ArkaValue  *items;			/* pending array items, all levels */
	size_t		nitems;
	size_t		items_cap;

	ArkaMember *members;		/* pending object members, all levels */
	size_t		nmembers;
	size_t		members_cap;
} JsonParser;

/* ----------------------------------------------------------------
 * Error reporting
 * ----------------------------------------------------------------
 */

/*
 * Record an error at a byte offset.  The line number is computed only
 * here, by counting newlines before the offset, which keeps the hot
 * paths free of line bookkeeping.  Always returns false so callers can
 * "return json_error(...)".
 */
static bool
json_error(JsonParser *p, size_t offset, const char *msg)
{
	ArkaJsonError *err = p->err;
	size_t		i;
	int			line = 1;

	if (offset > p->len)
		offset = p->len;
	for (i = 0; i < offset; i++)
	{
		if (p->s[i] == '\n')
			line++;
	}
	err->offset = offset;
	err->line = line;
	snprintf(err->message, sizeof(err->message), "%s", msg);
	return false;
}

/*
 * Report whatever sits at the current position as unexpected: end of
 * input, a NUL byte, a printable character or a raw byte value.  This
 * gives uniform messages for every structural mismatch.
 */
static bool
json_unexpected(JsonParser *p)
{
	char		msg[64];
	unsigned char c;

	if (p->pos >= p->len)
		return json_error(p, p->len, "unexpected end of input");
	c = (unsigned char) p->s[p->pos];
	if (c == '\0')
		return json_error(p, p->pos, "unexpected NUL byte");
	if (c >= 0x20 && c < 0x7f)
		snprintf(msg, sizeof(msg), "unexpected character '%c'", c);
	else
		snprintf(msg, sizeof(msg), "unexpected byte 0x%02x", c);
	return json_error(p, p->pos, msg);
}

/* ----------------------------------------------------------------
 * Lexical helpers
 * ----------------------------------------------------------------
 */

/* Skip the four whitespace characters RFC 8259 allows between tokens. */
static inline void
skip_ws(JsonParser *p)
{
	while (p->pos < p->len)
	{
		char		c = p->s[p->pos];

		if (c != ' ' && c != '\t' && c != '\n' && c != '\r')
			break;
		p->pos++;
	}
}

/* Value of a hex digit, or -1. */
static inline int
hexval(unsigned char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/*
 * Read four hex digits at s[pos..pos+3] into *cp.  Returns false when the
 * input is too short or a digit is not hex.
 */
static bool
read_hex4(const char *s, size_t len, size_t pos, unsigned *cp)
{
	unsigned	v = 0;
	int			i;

	if (pos > len || len - pos < 4)
		return false;
	for (i = 0; i < 4; i++)
	{
		int			h = hexval((unsigned char) s[pos + i]);

		if (h < 0)
			return false;
		v = (v << 4) | (unsigned) h;
	}
	*cp = v;
	return true;
}

/*
 * Length of the well-formed UTF-8 sequence starting at s[pos], or 0 if it
 * is invalid: overlong forms, UTF-16 surrogates (U+D800..U+DFFF), code
 * points above U+10FFFF and sequences truncated by the end of input are
 * all rejected (the table of RFC 3629, section 4).
 */
static size_t
utf8_seq_len(const unsigned char *s, size_t len, size_t pos)
{
	unsigned char c = s[pos];
	size_t		n;
	unsigned char lo = 0x80,
				hi = 0xbf;
	size_t		i;

	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf)
		n = 2;
	else if (c >= 0xe0 && c <= 0xef)
	{
		n = 3;
		if (c == 0xe0)
			lo = 0xa0;			/* overlong */
		else if (c == 0xed)
			hi = 0x9f;			/* surrogates */
	}
	else if (c >= 0xf0 && c <= 0xf4)
	{
		n = 4;
		if (c == 0xf0)
			lo = 0x90;			/* overlong */
		else if (c == 0xf4)
			hi = 0x8f;			/* > U+10FFFF */
	}
	else
		return 0;				/* continuation byte, C0/C1, F5..FF */

	if (len - pos < n)
		return 0;
	if (s[pos + 1] < lo || s[pos + 1] > hi)
		return 0;
	for (i = 2; i < n; i++)
	{
		if (s[pos + i] < 0x80 || s[pos + i] > 0xbf)
			return 0;
	}
	return n;
}

/* Encode a code point (known valid, not a surrogate) as UTF-8. */
static size_t
utf8_encode(unsigned cp, char *out)
{
	if (cp < 0x80)
	{
		out[0] = (char) cp;
		return 1;
	}
	if (cp < 0x800)
	{
		out[0] = (char) (0xc0 | (cp >> 6));
		out[1] = (char) (0x80 | (cp & 0x3f));
		return 2;
	}
	if (cp < 0x10000)
	{
		out[0] = (char) (0xe0 | (cp >> 12));
		out[1] = (char) (0x80 | ((cp >> 6) & 0x3f));
		out[2] = (char) (0x80 | (cp & 0x3f));
		return 3;
	}
	out[0] = (char) (0xf0 | (cp >> 18));
	out[1] = (char) (0x80 | ((cp >> 12) & 0x3f));
	out[2] = (char) (0x80 | ((cp >> 6) & 0x3f));
	out[3] = (char) (0x80 | (cp & 0x3f));
	return 4;
}

/*
 * Decode a \u escape whose backslash is at s[pos], combining a surrogate
 * pair.  On success sets *cp and *consumed (6 or 12 bytes).  On failure
 * sets *msg to the error and *consumed to the offset of the problem
 * relative to pos.
 */
static bool
decode_u_escape(const char *s, size_t len, size_t pos, unsigned *cp,
				size_t *consumed, const char **msg)
{
	unsigned	hi,
				lo;

	if (!read_hex4(s, len, pos + 2, &hi))
	{
		*msg = "invalid \\u escape";
		*consumed = 0;
		return false;
	}
	if (hi >= 0xdc00 && hi <= 0xdfff)
	{
		*msg = "lone surrogate in \\u escape";
		*consumed = 0;
		return false;
	}
	if (hi < 0xd800 || hi > 0xdbff)
	{
		*cp = hi;
		*consumed = 6;
		return true;
	}
	/* High surrogate: a \u low surrogate must follow. */
	if (len - pos < 8 || s[pos + 6] != '\\' || s[pos + 7] != 'u')
	{
		*msg = "lone surrogate in \\u escape";
		*consumed = 0;
		return false;
	}
	if (!read_hex4(s, len, pos + 8, &lo))
	{
		*msg = "invalid \\u escape";
		*consumed = 6;
		return false;
	}
	if (lo < 0xdc00 || lo > 0xdfff)
	{
		*msg = "lone surrogate in \\u escape";
		*consumed = 0;
		return false;
	}
	*cp = 0x10000 + ((hi - 0xd800) << 10) + (lo - 0xdc00);
	*consumed = 12;
	return true;
}

/*
 * Parse a string literal whose opening quote is at the current position.
 * The first pass validates and measures, the second decodes into an
 * exactly-sized, NUL-terminated arena buffer.  Raw bytes are validated as
 * UTF-8 because the result must be valid UTF-8 whatever the input was.
 */
static bool
parse_string(JsonParser *p, const char **outp, size_t *outlen)
{
	const unsigned char *s = (const unsigned char *) p->s;
	size_t		len = p->len;
	size_t		start = p->pos + 1;
	size_t		i = start;
	size_t		n = 0;			/* decoded length */
	bool		escapes = false;
	char	   *buf;
	size_t		o;

	/* Pass 1: validate and measure. */
	for (;;)
	{
		unsigned char c;

		if (i >= len)
			return json_error(p, p->pos, "unterminated string");
		c = s[i];
		if (c == '"')
			break;
		if (c == '\\')
		{
			escapes = true;
			if (i + 1 >= len)
				return json_error(p, p->pos, "unterminated string");
			switch (s[i + 1])
			{
				case '"':
				case '\\':
				case '/':
				case 'b':
				case 'f':
				case 'n':
				case 'r':
				case 't':
					n++;
					i += 2;
					break;
				case 'u':
					{
						unsigned	cp;
						size_t		used;
						const char *msg;
						char		tmp[4];

						if (!decode_u_escape(p->s, len, i, &cp, &used, &msg))
							return json_error(p, i + used, msg);
						if (cp == 0 && (p->flags & ARKA_JSON_REJECT_NUL))
							return json_error(p, i, "\\u0000 in a string");
						n += utf8_encode(cp, tmp);
						i += used;
						break;
					}
				case '\0':
					return json_error(p, i + 1, "unexpected NUL byte");
				default:
					return json_error(p, i, "invalid escape in string");
			}
		}
		else if (c < 0x20)
		{
			if (c == '\0')
				return json_error(p, i, "unexpected NUL byte");
			return json_error(p, i, "unescaped control character in string");
		}
		else if (c < 0x80)
		{
			n++;
			i++;
		}
		else
		{
			size_t		sl = utf8_seq_len(s, len, i);

			if (sl == 0)
				return json_error(p, i, "invalid UTF-8");
			n += sl;
			i += sl;
		}
	}

	/* Pass 2: copy or decode. */
	if (!escapes)
		buf = arka_arena_strdup(p->arena, p->s + start, n);
	else
	{
		buf = (n == SIZE_MAX) ? NULL : (char *) arka_arena_alloc(p->arena, n + 1);
		if (buf != NULL)
		{
			size_t		j = start;

			o = 0;
			while (j < i)
			{
				size_t		run = j;

				while (run < i && s[run] != '\\')
					run++;
				if (run > j)
				{
					memcpy(buf + o, p->s + j, run - j);
					o += run - j;
					j = run;
				}
				if (j >= i)
					break;
				switch (s[j + 1])
				{
					case 'b':
						buf[o++] = '\b';
						j += 2;
						break;
					case 'f':
						buf[o++] = '\f';
						j += 2;
						break;
					case 'n':
						buf[o++] = '\n';
						j += 2;
						break;
					case 'r':
						buf[o++] = '\r';
						j += 2;
						break;
					case 't':
						buf[o++] = '\t';
						j += 2;
						break;
					case 'u':
						{
							unsigned	cp = 0;
							size_t		used = 6;
							const char *msg;

							/* validated in pass 1 */
							(void) decode_u_escape(p->s, len, j, &cp, &used, &msg);
							o += utf8_encode(cp, buf + o);
							j += used;
							break;
						}
					default:	/* " \ / */
						buf[o++] = (char) s[j + 1];
						j += 2;
						break;
				}
			}
			buf[n] = '\0';
		}
	}
	if (buf == NULL)
		return json_error(p, p->pos, "out of memory");

	*outp = buf;
	*outlen = n;
	p->pos = i + 1;
	return true;
}

/*
 * Parse a number.  The extent is found with the RFC 8259 grammar
 * -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)? and handed to
 * arka_dec_parse_json, so the value never goes through a double.
 */
static bool
parse_number(JsonParser *p, ArkaValue *out)
{
	const char *s = p->s;
	size_t		len = p->len;
	size_t		start = p->pos;
	size_t		i = start;
	ArkaDec		d;
	ArkaDecStatus st;

	if (s[i] == '-')
		i++;
	if (i >= len || s[i] < '0' || s[i] > '9')
		return json_error(p, i, "invalid number");
	if (s[i] == '0')
	{
		i++;
		if (i < len && s[i] >= '0' && s[i] <= '9')
			return json_error(p, start, "invalid number: leading zero");
	}
	else
	{
		while (i < len && s[i] >= '0' && s[i] <= '9')
			i++;
	}
	if (i < len && s[i] == '.')
	{
		i++;
		if (i >= len || s[i] < '0' || s[i] > '9')
			return json_error(p, i, "invalid number");
		while (i < len && s[i] >= '0' && s[i] <= '9')
			i++;
	}
	if (i < len && (s[i] == 'e' || s[i] == 'E'))
	{
		i++;
		if (i < len && (s[i] == '+' || s[i] == '-'))
			i++;
		if (i >= len || s[i] < '0' || s[i] > '9')
			return json_error(p, i, "invalid number");
		while (i < len && s[i] >= '0' && s[i] <= '9')
			i++;
	}

	st = arka_dec_parse_json(s + start, i - start, &d);
	if (st == ARKA_DEC_OVERFLOW)
		return json_error(p, start, "number out of range");
	if (st != ARKA_DEC_OK)
		return json_error(p, start, "invalid number");
	*out = arka_num(d);
	p->pos = i;
	return true;
}

/* Match a literal word (true, false, null) at the current position. */
static bool
parse_literal(JsonParser *p, const char *word, ArkaValue v, ArkaValue *out)
{
	size_t		wl = strlen(word);
	size_t		k;

	for (k = 0; k < wl; k++)
	{
		if (p->pos + k >= p->len || p->s[p->pos + k] != word[k])
		{
			if (p->pos + k >= p->len)
				return json_error(p, p->len, "unexpected end of input");
			if (k == 0)
				return json_unexpected(p);
			return json_error(p, p->pos + k, "invalid literal");
		}
	}
	p->pos += wl;
	*out = v;
	return true;
}

/* ----------------------------------------------------------------
 * Temporary stacks
 * ----------------------------------------------------------------
 */

/*
 * Grow a temporary stack by doubling.  Its size is bounded by the arena
 * limit so a hostile document cannot use more temporary memory than it
 * could ever keep.  Returns false (error set) when growth is refused.
 */
static bool
stack_grow(JsonParser *p, void **data, size_t *cap, size_t elsize)
{
	size_t		newcap = *cap == 0 ? STACK_INIT : *cap * 2;
	void	   *nd;

	if (newcap > p->stack_limit / elsize)
	{
		/* Try exactly the limit once before giving up. */
		newcap = p->stack_limit / elsize;
		if (newcap <= *cap)
			return json_error(p, p->pos, "out of memory");
	}
	nd = realloc(*data, newcap * elsize);
	if (nd == NULL)
		return json_error(p, p->pos, "out of memory");
	*data = nd;
	*cap = newcap;
	return true;
}

static bool
push_item(JsonParser *p, const ArkaValue *v)
{
	if (p->nitems == p->items_cap &&
		!stack_grow(p, (void **) &p->items, &p->items_cap, sizeof(ArkaValue)))
		return false;
	p->items[p->nitems++] = *v;
	return true;
}

static bool
push_member(JsonParser *p, const char *key, size_t keylen, const ArkaValue *v)
{
	ArkaMember *m;

	if (p->nmembers == p->members_cap &&
		!stack_grow(p, (void **) &p->members, &p->members_cap, sizeof(ArkaMember)))
		return false;
	m = &p->members[p->nmembers++];
	m->key = key;
	m->keylen = keylen;
	m->val = *v;
	return true;
}

/* ----------------------------------------------------------------
 * Duplicate keys
 * ----------------------------------------------------------------
 */

/* Order member indexes by key bytes, then by index (a total order). */
static int
member_cmp(const ArkaMember *m, size_t a, size_t b)
{
	size_t		la = m[a].keylen,
				lb = m[b].keylen;
	int			c = memcmp(m[a].key, m[b].key, la < lb ? la : lb);

	if (c != 0)
		return c;
	if (la != lb)
		return la < lb ? -1 : 1;
	return a < b ? -1 : (a > b ? 1 : 0);
}

/*
 * The error for a repeated key under ARKA_JSON_REJECT_DUPLICATES (the
 * object's members are all read, so the position is its end).
 */
static bool
duplicate_key(JsonParser *p, const ArkaMember *m)
{
	char		msg[96];

	snprintf(msg, sizeof(msg), "duplicate key \"%.*s\"",
			 (int) (m->keylen > 40 ? 40 : m->keylen), m->key);
	return json_error(p, p->pos, msg);
}

/*
 * Remove duplicate keys from members m[0..*n): the surviving member sits
 * at the position of the key's first occurrence and carries the value of
 * its last occurrence.  Small objects use a quadratic scan; larger ones a
 * bottom-up merge sort of indexes, which is O(n log n) in the worst case
 * whatever keys an attacker chooses (unlike an unkeyed hash table).
 */
static bool
dedup_members(JsonParser *p, ArkaMember *m, size_t *np)
{
	size_t		n = *np;
	size_t		i,
				j,
				w;
	bool		any = false;

	if (n < 2)
		return true;

	if (n <= 16)
	{
		bool		dead[16] = {false};

		for (i = 1; i < n; i++)
		{
			for (j = 0; j < i; j++)
			{
				if (!dead[j] && m[j].keylen == m[i].keylen &&
					memcmp(m[j].key, m[i].key, m[i].keylen) == 0)
				{
					if (p->flags & ARKA_JSON_REJECT_DUPLICATES)
						return duplicate_key(p, &m[i]);
					m[j].val = m[i].val;
					dead[i] = true;
					any = true;
					break;
				}
			}
		}
		if (!any)
			return true;
		for (i = 0, w = 0; i < n; i++)
		{
			if (!dead[i])
				m[w++] = m[i];
		}
		*np = w;
		return true;
	}
	else
	{
		size_t	   *idx;
		size_t	   *tmp;
		size_t		width;

		if (n > SIZE_MAX / (2 * sizeof(size_t)))
			return json_error(p, p->pos, "out of memory");
		idx = malloc(2 * n * sizeof(size_t));
		if (idx == NULL)
			return json_error(p, p->pos, "out of memory");
		tmp = idx + n;
		for (i = 0; i < n; i++)
			idx[i] = i;
		for (width = 1; width < n; width *= 2)
		{
			size_t		lo;

			for (lo = 0; lo < n; lo += 2 * width)
			{
				size_t		mid = lo + width < n ? lo + width : n;
				size_t		hi = lo + 2 * width < n ? lo + 2 * width : n;
				size_t		a = lo,
							b = mid,
							k = lo;

				while (a < mid && b < hi)
					tmp[k++] = member_cmp(m, idx[a], idx[b]) <= 0 ? idx[a++] : idx[b++];
				while (a < mid)
					tmp[k++] = idx[a++];
				while (b < hi)
					tmp[k++] = idx[b++];
			}
			memcpy(idx, tmp, n * sizeof(size_t));
			if (width > SIZE_MAX / 4)
				break;
		}

		/*
		 * Equal keys are now adjacent, in source order.  Give the first
		 * occurrence the last value and mark the others dead by clearing
		 * their key pointer (real keys are never NULL).
		 */
		for (i = 0; i < n; i = j)
		{
			for (j = i + 1; j < n; j++)
			{
				const ArkaMember *x = &m[idx[i]],
						   *y = &m[idx[j]];

				if (x->keylen != y->keylen ||
					memcmp(x->key, y->key, x->keylen) != 0)
					break;
			}
			if (j - i > 1 && (p->flags & ARKA_JSON_REJECT_DUPLICATES))
			{
				bool		r = duplicate_key(p, &m[idx[i]]);

				free(idx);
				return r;
			}
			if (j - i > 1)
			{
				size_t		k;

				m[idx[i]].val = m[idx[j - 1]].val;
				for (k = i + 1; k < j; k++)
					m[idx[k]].key = NULL;
				any = true;
			}
		}
		free(idx);
		if (!any)
			return true;
		for (i = 0, w = 0; i < n; i++)
		{
			if (m[i].key != NULL)
				m[w++] = m[i];
		}
		*np = w;
		return true;
	}
}

/* ----------------------------------------------------------------
 * Recursive descent
 * ----------------------------------------------------------------
 */

static bool parse_value(JsonParser *p, ArkaValue *out);

/*
 * Enter a container: the depth check happens before any recursion, so
 * the C stack depth is bounded by ARKA_JSON_MAX_DEPTH frames.
 */
static bool
enter_container(JsonParser *p)
{
	if (p->depth >= ARKA_JSON_MAX_DEPTH)
		return json_error(p, p->pos, "nesting too deep");
	p->depth++;
	p->pos++;					/* the bracket */
	return true;
}

/* Parse an array: its items collect on the item stack, then move to the arena. */
static bool
parse_array(JsonParser *p, ArkaValue *out)
{
	size_t		base = p->nitems;
	size_t		n;
	ArkaValue	v;

	if (!enter_container(p))
		return false;
	skip_ws(p);
	if (p->pos < p->len && p->s[p->pos] == ']')
		p->pos++;
	else
	{
		for (;;)
		{
			skip_ws(p);
			if (!parse_value(p, &v) || !push_item(p, &v))
				return false;
			skip_ws(p);
			if (p->pos < p->len && p->s[p->pos] == ',')
			{
				p->pos++;
				continue;
			}
			if (p->pos < p->len && p->s[p->pos] == ']')
			{
				p->pos++;
				break;
			}
			return json_unexpected(p);
		}
	}

	n = p->nitems - base;
	out->type = ARKA_ARR;
	out->u.arr.n = n;
	out->u.arr.items = NULL;
	if (n > 0)
	{
		/* n * size cannot wrap: the stack itself holds n items. */
		out->u.arr.items = arka_arena_alloc(p->arena, n * sizeof(ArkaValue));
		if (out->u.arr.items == NULL)
			return json_error(p, p->pos, "out of memory");
		memcpy(out->u.arr.items, p->items + base, n * sizeof(ArkaValue));
	}
	p->nitems = base;
	p->depth--;
	return true;
}

/*
 * Parse an object.  Duplicate keys: the last value wins and the key keeps
 * the position of its first occurrence (see dedup_members).
 */
static bool
parse_object(JsonParser *p, ArkaValue *out)
{
	size_t		base = p->nmembers;
	size_t		n;
	ArkaValue	v;
	const char *key;
	size_t		keylen;

	if (!enter_container(p))
		return false;
	skip_ws(p);
	if (p->pos < p->len && p->s[p->pos] == '}')
		p->pos++;
	else
	{
		for (;;)
		{
			skip_ws(p);
			if (p->pos >= p->len || p->s[p->pos] != '"')
				return json_unexpected(p);
			if (!parse_string(p, &key, &keylen))
				return false;
			skip_ws(p);
			if (p->pos >= p->len || p->s[p->pos] != ':')
				return json_unexpected(p);
			p->pos++;
			skip_ws(p);
			if (!parse_value(p, &v) || !push_member(p, key, keylen, &v))
				return false;
			skip_ws(p);
			if (p->pos < p->len && p->s[p->pos] == ',')
			{
				p->pos++;
				continue;
			}
			if (p->pos < p->len && p->s[p->pos] == '}')
			{
				p->pos++;
				break;
			}
			return json_unexpected(p);
		}
	}

	n = p->nmembers - base;
	if (n > 1 && !dedup_members(p, p->members + base, &n))
		return false;
	out->type = ARKA_OBJ;
	out->u.obj.n = n;
	out->u.obj.members = NULL;
	if (n > 0)
	{
		out->u.obj.members = arka_arena_alloc(p->arena, n * sizeof(ArkaMember));
		if (out->u.obj.members == NULL)
			return json_error(p, p->pos, "out of memory");
		memcpy(out->u.obj.members, p->members + base, n * sizeof(ArkaMember));
	}
	p->nmembers = base;
	p->depth--;
	return true;
}

/* Dispatch on the first byte of a value (whitespace already skipped). */
static bool
parse_value(JsonParser *p, ArkaValue *out)
{
	if (p->pos >= p->len)
		return json_unexpected(p);
	switch (p->s[p->pos])
	{
		case '{':
			return parse_object(p, out);
		case '[':
			return parse_array(p, out);
		case '"':
			{
				const char *s;
				size_t		l;

				if (!parse_string(p, &s, &l))
					return false;
				*out = arka_str(s, l);
				return true;
			}
		case 't':
			return parse_literal(p, "true", arka_bool(true), out);
		case 'f':
			return parse_literal(p, "false", arka_bool(false), out);
		case 'n':
			return parse_literal(p, "null", arka_null(), out);
		case '-':
		case '0':
		case '1':
		case '2':
		case '3':
		case '4':
		case '5':
		case '6':
		case '7':
		case '8':
		case '9':
			return parse_number(p, out);
		default:
			return json_unexpected(p);
	}
}

/*
 * Parse one JSON document.  See arka_json.h.  Duplicate object keys: the
 * last value wins and the key keeps the position of its first occurrence
 * ({"a":1,"b":2,"a":3} gives {"a":3,"b":2}), matching what jsonb keeps.
 * On failure *out is set to null and the arena may hold partial results
 * (they are reclaimed by the next arena reset).
 */
bool
arka_json_parse(const char *text, size_t len, ArkaArena *arena,
				ArkaValue *out, ArkaJsonError *err)
{
	return arka_json_parse_opts(text, len, arena, 0, out, err);
}

/* arka_json_parse with ARKA_JSON_* options (see arka_json.h). */
bool
arka_json_parse_opts(const char *text, size_t len, ArkaArena *arena, unsigned flags,
					 ArkaValue *out, ArkaJsonError *err)
{
	JsonParser	p;
	bool		ok;

	memset(&p, 0, sizeof(p));
	p.flags = flags;
	p.s = text;
	p.len = len;
	p.arena = arena;
	p.err = err;
	p.stack_limit = arena->limit == 0 ? ARKA_ARENA_DEFAULT_LIMIT : arena->limit;

	err->offset = 0;
	err->line = 0;
	err->message[0] = '\0';
	*out = arka_null();

	if (text == NULL && len > 0)
		return json_error(&p, 0, "no input");

	skip_ws(&p);
	if (p.pos >= p.len)
		ok = json_error(&p, p.pos, "empty input");
	else
	{
		ok = parse_value(&p, out);
		if (ok)
		{
			skip_ws(&p);
			if (p.pos < p.len)
				ok = json_error(&p, p.pos, "trailing characters");
		}
	}
	free(p.items);
	free(p.members);
	if (!ok)
		*out = arka_null();
	return ok;
}

/* ----------------------------------------------------------------
 * Output buffer
 * ----------------------------------------------------------------
 */

/* Start an empty buffer; nothing is allocated until the first append. */
void
arka_buf_init(ArkaBuf *b)
{
	b->data = NULL;
	b->len = 0;
	b->cap = 0;
	b->oom = false;
}

/* Release the buffer's memory and leave it empty and reusable. */
void
arka_buf_free(ArkaBuf *b)
{
	free(b->data);
	arka_buf_init(b);
}

/*
 * Append bytes, growing by doubling.  The contents are kept NUL-terminated
 * (not counted in len) so callers may print them directly.  After a
 * failed allocation the buffer sets oom and ignores further appends rather
 * than crash or write a torn prefix mid-way.
 */
void
arka_buf_append(ArkaBuf *b, const char *s, size_t len)
{
	if (b->oom || len == 0)
		return;
	if (len > SIZE_MAX - 1 - b->len)
	{
		b->oom = true;
		return;
	}
	if (b->len + len + 1 > b->cap)
	{
		size_t		need = b->len + len + 1;
		size_t		newcap = b->cap == 0 ? 256 : b->cap;
		char	   *nd;

		while (newcap < need)
		{
			if (newcap > SIZE_MAX / 2)
			{
				newcap = need;
				break;
			}
			newcap *= 2;
		}
		nd = realloc(b->data, newcap);
		if (nd == NULL)
		{
			b->oom = true;
			return;
		}
		b->data = nd;
		b->cap = newcap;
	}
	memcpy(b->data + b->len, s, len);
	b->len += len;
	b->data[b->len] = '\0';
}

/* Append one byte. */
/* Slow path of arka_buf_reserve: grow the buffer to fit n more bytes. */
char *
arka_buf_grow(ArkaBuf *b, size_t n)
{
	if (b->oom)
		return NULL;
	if (b->len + n + 1 > b->cap)
	{
		if (n > SIZE_MAX - 1 - b->len)
		{
			b->oom = true;
			return NULL;
		}
		{
			size_t		need = b->len + n + 1;
			size_t		newcap = b->cap == 0 ? 256 : b->cap;
			char	   *nd;

			while (newcap < need)
				newcap = newcap > SIZE_MAX / 2 ? need : newcap * 2;
			nd = realloc(b->data, newcap);
			if (nd == NULL)
			{
				b->oom = true;
				return NULL;
			}
			b->data = nd;
			b->cap = newcap;
		}
	}
	return b->data + b->len;
}

void
arka_buf_putc(ArkaBuf *b, char c)
{
	arka_buf_append(b, &c, 1);
}

/* Append a NUL-terminated C string. */
void
arka_buf_puts(ArkaBuf *b, const char *s)
{
	arka_buf_append(b, s, strlen(s));
}

/* ----------------------------------------------------------------
 * Serialisation
 * ----------------------------------------------------------------
 */

/*
 * Append a JSON string literal.  Only what JSON requires is escaped; bytes
 * >= 0x80 are copied unchanged (the core's strings are UTF-8 already).
 * Runs of plain bytes are appended in one call to keep this fast.
 */
void
arka_json_write_string(ArkaBuf *b, const char *s, size_t len)
{
	static const char hex[] = "0123456789abcdef";
	size_t		i,
				run = 0;

	arka_buf_putc(b, '"');
	for (i = 0; i < len; i++)
	{
		unsigned char c = (unsigned char) s[i];
		const char *esc = NULL;
		char		ubuf[6];

		switch (c)
		{
			case '"':
				esc = "\\\"";
				break;
			case '\\':
				esc = "\\\\";
				break;
			case '\b':
				esc = "\\b";
				break;
			case '\f':
				esc = "\\f";
				break;
			case '\n':
				esc = "\\n";
				break;
			case '\r':
				esc = "\\r";
				break;
			case '\t':
				esc = "\\t";
				break;
			default:
				if (c >= 0x20)
					continue;
				break;
		}
		if (i > run)
			arka_buf_append(b, s + run, i - run);
		if (esc != NULL)
			arka_buf_append(b, esc, 2);
		else
		{
			ubuf[0] = '\\';
			ubuf[1] = 'u';
			ubuf[2] = '0';
			ubuf[3] = '0';
			ubuf[4] = hex[c >> 4];
			ubuf[5] = hex[c & 0xf];
			arka_buf_append(b, ubuf, 6);
		}
		run = i + 1;
	}
	if (len > run)
		arka_buf_append(b, s + run, len - run);
	arka_buf_putc(b, '"');
}

/*
 * Append compact JSON for a value.  Recursion depth follows the value's
 * nesting, which the parser bounds at ARKA_JSON_MAX_DEPTH.
 */
void
arka_json_write(ArkaBuf *b, const ArkaValue *v)
{
	size_t		i;

	if (b->oom)
		return;
	switch (v->type)
	{
		case ARKA_NULL:
			arka_buf_append(b, "null", 4);
			break;
		case ARKA_BOOL:
			if (v->u.b)
				arka_buf_append(b, "true", 4);
			else
				arka_buf_append(b, "false", 5);
			break;
		case ARKA_NUM:
			{
				char		nb[ARKA_DEC_STRLEN];
				size_t		nl = arka_dec_to_json(&v->u.num, nb);

				arka_buf_append(b, nb, nl);
				break;
			}
		case ARKA_STR:
			arka_json_write_string(b, v->u.str.ptr, v->u.str.len);
			break;
		case ARKA_ARR:
			arka_buf_putc(b, '[');
			for (i = 0; i < v->u.arr.n; i++)
			{
				if (i > 0)
					arka_buf_putc(b, ',');
				arka_json_write(b, &v->u.arr.items[i]);
			}
			arka_buf_putc(b, ']');
			break;
		case ARKA_OBJ:
			arka_buf_putc(b, '{');
			for (i = 0; i < v->u.obj.n; i++)
			{
				const ArkaMember *m = &v->u.obj.members[i];

				if (i > 0)
					arka_buf_putc(b, ',');
				arka_json_write_string(b, m->key, m->keylen);
				arka_buf_putc(b, ':');
				arka_json_write(b, &m->val);
			}
			arka_buf_putc(b, '}');
			break;
		default:
			/* Not a valid type; write null rather than garbage. */
			arka_buf_append(b, "null", 4);
			break;
	}
}

/*
 * Structural equality for tests.  Numbers compare by value through
 * arka_dec_cmp (NaN equals nothing, itself included); strings bytewise;
 * arrays element by element; objects as unordered key sets, which is
 * quadratic but objects compared in tests are small.
 */
bool
arka_value_equal(const ArkaValue *a, const ArkaValue *b)
{
	size_t		i,
				j;

	if (a->type != b->type)
		return false;
	switch (a->type)
	{
		case ARKA_NULL:
			return true;
		case ARKA_BOOL:
			return a->u.b == b->u.b;
		case ARKA_NUM:
			{
				bool		unordered = false;
				int			c = arka_dec_cmp(&a->u.num, &b->u.num, &unordered);

				return !unordered && c == 0;
			}
		case ARKA_STR:
			return a->u.str.len == b->u.str.len &&
				(a->u.str.len == 0 ||
				 memcmp(a->u.str.ptr, b->u.str.ptr, a->u.str.len) == 0);
		case ARKA_ARR:
			if (a->u.arr.n != b->u.arr.n)
				return false;
			for (i = 0; i < a->u.arr.n; i++)
			{
				if (!arka_value_equal(&a->u.arr.items[i], &b->u.arr.items[i]))
					return false;
			}
			return true;
		case ARKA_OBJ:
			if (a->u.obj.n != b->u.obj.n)
				return false;
			for (i = 0; i < a->u.obj.n; i++)
			{
				const ArkaMember *ma = &a->u.obj.members[i];
				bool		found = false;

				for (j = 0; j < b->u.obj.n; j++)
				{
					const ArkaMember *mb = &b->u.obj.members[j];

					if (ma->keylen == mb->keylen &&
						(ma->keylen == 0 ||
						 memcmp(ma->key, mb->key, ma->keylen) == 0))
					{
						if (!arka_value_equal(&ma->val, &mb->val))
							return false;
						found = true;
						break;
					}
				}
				if (!found)
					return false;
			}
			return true;
	}
	return false;
}
