/*-------------------------------------------------------------------------
 *
 * arka_coerce.c
 *	  JavaScript coercions that JSON Logic inherits from json-logic-js.
 *
 * JSON Logic is defined by its reference implementation, so "==" is
 * JavaScript's loose equality, "+" uses parseFloat, and strings order by
 * UTF-16 code units.  These helpers reproduce those rules over exact
 * decimals; see docs/rules.md ("Differences from json-logic-js") for
 * where arka deliberately differs.
 *
 *-------------------------------------------------------------------------
 */
#include <string.h>

#include "arka_logic_int.h"

/* Start an empty string in the evaluation arena. */
void
arka_sb_init(ArkaSb *sb, ArkaEval *ev)
{
	sb->ev = ev;
	sb->data = NULL;
	sb->len = 0;
	sb->cap = 0;
}

/*
 * Append bytes, growing by doubling in the arena (the old block is
 * abandoned; the arena is reset per document, so this is cheap).
 */
bool
arka_sb_append(ArkaSb *sb, const char *s, size_t len)
{
	if (sb->len + len + 1 > sb->cap)
	{
		size_t		ncap = sb->cap ? sb->cap * 2 : 64;
		char	   *nd;

		while (ncap < sb->len + len + 1)
			ncap *= 2;
		nd = arka_eval_alloc(sb->ev, ncap);
		if (nd == NULL)
			return false;
		if (sb->len)
			memcpy(nd, sb->data, sb->len);
		sb->data = nd;
		sb->cap = ncap;
	}
	if (len)
		memcpy(sb->data + sb->len, s, len);
	sb->len += len;
	sb->data[sb->len] = '\0';
	return true;
}

bool
arka_truthy(const ArkaValue *v)
{
	switch (v->type)
	{
		case ARKA_NULL:
			return false;
		case ARKA_BOOL:
			return v->u.b;
		case ARKA_NUM:
			return !arka_dec_is_nan(&v->u.num) && !arka_dec_is_zero(&v->u.num);
		case ARKA_STR:
			return v->u.str.len > 0;
		case ARKA_ARR:
			return v->u.arr.n > 0;
		case ARKA_OBJ:
			return true;
	}
	return false;
}

/*
 * JavaScript ToNumber.  Arrays go through their string form: [] is 0,
 * [x] is ToNumber(String(x)), two or more elements contain a comma and
 * are NaN; so no string needs to be built.
 */
ArkaDec
arka_to_number(const ArkaValue *v)
{
	switch (v->type)
	{
		case ARKA_NULL:
			return arka_dec_from_int64(0);
		case ARKA_BOOL:
			return arka_dec_from_int64(v->u.b ? 1 : 0);
		case ARKA_NUM:
			return v->u.num;
		case ARKA_STR:
			return arka_dec_from_js_string(v->u.str.ptr, v->u.str.len);
		case ARKA_ARR:
			if (v->u.arr.n == 0)
				return arka_dec_from_int64(0);
			if (v->u.arr.n == 1)
			{
				const ArkaValue *e = &v->u.arr.items[0];

				/* String([true]) is "true": NaN, unlike ToNumber(true) */
				if (e->type == ARKA_BOOL || e->type == ARKA_OBJ)
					return arka_dec_nan();
				if (e->type == ARKA_NULL)
					return arka_dec_from_int64(0);
				return arka_to_number(e);
			}
			return arka_dec_nan();
		case ARKA_OBJ:
			return arka_dec_nan();
	}
	return arka_dec_nan();
}

/*
 * JavaScript parseFloat(String(v)), used by "+" and "*".  The comma that
 * joins array elements ends the numeric prefix, so an array parses as its
 * first element.
 */
ArkaDec
arka_parse_float(const ArkaValue *v)
{
	switch (v->type)
	{
		case ARKA_NUM:
			return v->u.num;
		case ARKA_STR:
			return arka_dec_parse_float_prefix(v->u.str.ptr, v->u.str.len);
		case ARKA_ARR:
			if (v->u.arr.n == 0 || v->u.arr.items[0].type == ARKA_NULL)
				return arka_dec_nan();
			return arka_parse_float(&v->u.arr.items[0]);
		default:
			/* "null", "true", "false", "[object Object]" */
			return arka_dec_nan();
	}
}

/*
 * Append JavaScript String(v).  null_empty: null becomes "" (what
 * Array.prototype.join does to null elements) instead of "null".
 */
bool
arka_to_js_string(ArkaSb *sb, const ArkaValue *v, bool null_empty)
{
	char		buf[ARKA_DEC_STRLEN];
	size_t		n;

	switch (v->type)
	{
		case ARKA_NULL:
			return null_empty ? true : arka_sb_append(sb, "null", 4);
		case ARKA_BOOL:
			return v->u.b ? arka_sb_append(sb, "true", 4) : arka_sb_append(sb, "false", 5);
		case ARKA_NUM:
			n = arka_dec_to_js_string(&v->u.num, buf);
			return arka_sb_append(sb, buf, n);
		case ARKA_STR:
			return arka_sb_append(sb, v->u.str.ptr, v->u.str.len);
		case ARKA_ARR:
			for (size_t i = 0; i < v->u.arr.n; i++)
			{
				if (i > 0 && !arka_sb_append(sb, ",", 1))
					return false;
				if (!arka_to_js_string(sb, &v->u.arr.items[i], true))
					return false;
			}
			return true;
		case ARKA_OBJ:
			return arka_sb_append(sb, "[object Object]", 15);
	}
	return true;
}

/* String(v) as a value; a string is returned without copying. */
bool
arka_js_string_value(ArkaEval *ev, const ArkaValue *v, ArkaValue *out)
{
	ArkaSb		sb;

	if (v->type == ARKA_STR)
	{
		*out = *v;
		return true;
	}
	arka_sb_init(&sb, ev);
	if (!arka_sb_append(&sb, "", 0) || !arka_to_js_string(&sb, v, false))
		return false;
	*out = arka_str(sb.data, sb.len);
	return true;
}

/* ToPrimitive: arrays and objects become their string form. */
bool
arka_to_primitive(ArkaEval *ev, const ArkaValue *v, ArkaValue *out)
{
	if (v->type == ARKA_ARR || v->type == ARKA_OBJ)
		return arka_js_string_value(ev, v, out);
	*out = *v;
	return true;
}

/* Arrays and objects are equal only as the same reference (same data). */
static bool
same_reference(const ArkaValue *a, const ArkaValue *b)
{
	if (a->type == ARKA_ARR)
		return a->u.arr.items != NULL && a->u.arr.items == b->u.arr.items &&
			a->u.arr.n == b->u.arr.n;
	return a->u.obj.members != NULL && a->u.obj.members == b->u.obj.members &&
		a->u.obj.n == b->u.obj.n;
}

static bool
num_equal(const ArkaDec *a, const ArkaDec *b)
{
	bool		unordered;
	int			c = arka_dec_cmp(a, b, &unordered);

	return !unordered && c == 0;
}

bool
arka_strict_equal(const ArkaValue *a, const ArkaValue *b)
{
	if (a->type != b->type)
		return false;
	switch (a->type)
	{
		case ARKA_NULL:
			return true;
		case ARKA_BOOL:
			return a->u.b == b->u.b;
		case ARKA_NUM:
			return num_equal(&a->u.num, &b->u.num);
		case ARKA_STR:
			return a->u.str.len == b->u.str.len &&
				memcmp(a->u.str.ptr, b->u.str.ptr, a->u.str.len) == 0;
		default:
			return same_reference(a, b);
	}
}

/*
 * JavaScript Abstract Equality (==).  Returns false only on an allocation
 * failure; the answer goes to *result.
 */
bool
arka_loose_equal(ArkaEval *ev, const ArkaValue *a, const ArkaValue *b, bool *result)
{
	ArkaValue	pa,
				pb;

	if (a->type == b->type)
	{
		*result = arka_strict_equal(a, b);
		return true;
	}
	if (a->type == ARKA_NULL || b->type == ARKA_NULL)
	{
		*result = false;
		return true;
	}
	/* booleans become numbers first */
	if (a->type == ARKA_BOOL)
	{
		pa = arka_num(arka_dec_from_int64(a->u.b));
		return arka_loose_equal(ev, &pa, b, result);
	}
	if (b->type == ARKA_BOOL)
	{
		pb = arka_num(arka_dec_from_int64(b->u.b));
		return arka_loose_equal(ev, a, &pb, result);
	}
	/* objects and arrays against primitives compare by their string form */
	if (a->type == ARKA_ARR || a->type == ARKA_OBJ)
	{
		if (b->type == ARKA_ARR || b->type == ARKA_OBJ)
		{
			*result = false;
			return true;
		}
		if (!arka_to_primitive(ev, a, &pa))
			return false;
		return arka_loose_equal(ev, &pa, b, result);
	}
	if (b->type == ARKA_ARR || b->type == ARKA_OBJ)
	{
		if (!arka_to_primitive(ev, b, &pb))
			return false;
		return arka_loose_equal(ev, a, &pb, result);
	}
	/* number vs string: the string goes through ToNumber */
	{
		ArkaDec		na = arka_to_number(a);
		ArkaDec		nb = arka_to_number(b);

		*result = num_equal(&na, &nb);
	}
	return true;
}

/* Decode one UTF-8 sequence starting at p (input already valid UTF-8). */
static uint32_t
utf8_decode(const unsigned char *p, const unsigned char *end)
{
	uint32_t	c = p[0];

	if (c < 0x80)
		return c;
	if ((c & 0xE0) == 0xC0 && p + 1 < end)
		return ((c & 0x1F) << 6) | (p[1] & 0x3F);
	if ((c & 0xF0) == 0xE0 && p + 2 < end)
		return ((c & 0x0F) << 12) | ((p[1] & 0x3F) << 6) | (p[2] & 0x3F);
	if ((c & 0xF8) == 0xF0 && p + 3 < end)
		return ((c & 0x07) << 18) | ((p[1] & 0x3F) << 12) | ((p[2] & 0x3F) << 6) | (p[3] & 0x3F);
	return c;
}

/*
 * Compare two UTF-8 strings in UTF-16 code-unit order, as JavaScript does.
 * UTF-8 byte order equals code-point order, which differs from UTF-16
 * order only between U+E000..U+FFFF and astral characters (whose lead
 * surrogate D800..DBFF sorts lower); fix up just that case.
 */
int
arka_utf16_cmp(const char *a, size_t alen, const char *b, size_t blen)
{
	size_t		n = alen < blen ? alen : blen;
	size_t		i;
	const unsigned char *ua = (const unsigned char *) a;
	const unsigned char *ub = (const unsigned char *) b;
	uint32_t	ca,
				cb;

	for (i = 0; i < n; i++)
		if (ua[i] != ub[i])
			break;
	if (i == n)
		return alen < blen ? -1 : (alen > blen ? 1 : 0);
	/* back up to the start of the character holding the first difference */
	while (i > 0 && (ua[i] & 0xC0) == 0x80)
		i--;
	ca = utf8_decode(ua + i, ua + alen);
	cb = utf8_decode(ub + i, ub + blen);
	if (ca >= 0x10000 && cb >= 0xE000 && cb <= 0xFFFF)
		return -1;
	if (cb >= 0x10000 && ca >= 0xE000 && ca <= 0xFFFF)
		return 1;
	return ca < cb ? -1 : (ca > cb ? 1 : 0);
}
