/*-------------------------------------------------------------------------
 *
 * arka_logic_ops.c
 *	  JSON Logic operators that take already-evaluated arguments.
 *
 * Semantics follow json-logic-js 2.0.5 (the reference implementation)
 * except for numbers, which are exact decimals, and division or modulo by
 * zero, which is an error instead of Infinity/NaN: a compliance rule that
 * divides by zero is a defect to surface, not a silent "does not fire".
 *
 *-------------------------------------------------------------------------
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE				/* memmem */
#endif
#include <string.h>

#include "arka_logic_int.h"

/* The value JavaScript would see for a missing argument. */
static const ArkaValue *
arg_or_undefined(ArkaValue *args, int nargs, int i, ArkaValue *undef)
{
	if (i < nargs)
		return &args[i];
	/* undefined: falsy, NaN as a number, equal only to null */
	*undef = arka_null();
	return undef;
}

static bool
dec_status(ArkaEval *ev, const ArkaNode *n, ArkaDecStatus st)
{
	switch (st)
	{
		case ARKA_DEC_OK:
			return true;
		case ARKA_DEC_DIVZERO:
			return arka_eval_fail(ev, n, ARKA_ERR_DIVZERO, "division by zero");
		default:
			return arka_eval_fail(ev, n, ARKA_ERR_RANGE,
								  "number out of range (beyond 1e%d)", ARKA_DEC_EXP_MAX);
	}
}

/*
 * a < b (or a <= b) with JavaScript's abstract relational comparison:
 * two strings compare as strings, anything else as numbers, NaN is never
 * ordered.  A missing operand is undefined, i.e. NaN.
 */
static bool
js_less(ArkaEval *ev, const ArkaValue *a, const ArkaValue *b, bool or_equal,
		bool *result)
{
	ArkaValue	pa,
				pb;
	ArkaDec		na,
				nb;
	bool		unordered;
	int			c;

	if (!arka_to_primitive(ev, a, &pa) || !arka_to_primitive(ev, b, &pb))
		return false;
	if (pa.type == ARKA_STR && pb.type == ARKA_STR)
	{
		c = arka_utf16_cmp(pa.u.str.ptr, pa.u.str.len, pb.u.str.ptr, pb.u.str.len);
		*result = or_equal ? c <= 0 : c < 0;
		return true;
	}
	na = arka_to_number(&pa);
	nb = arka_to_number(&pb);
	c = arka_dec_cmp(&na, &nb, &unordered);
	*result = !unordered && (or_equal ? c <= 0 : c < 0);
	return true;
}

static bool
op_compare(ArkaEval *ev, const ArkaNode *n, ArkaValue *args, int nargs, ArkaValue *out)
{
	ArkaValue	nan = arka_num(arka_dec_nan());
	const ArkaValue *a = nargs > 0 ? &args[0] : &nan;
	const ArkaValue *b = nargs > 1 ? &args[1] : &nan;
	bool		r;

	switch (n->op)
	{
		case OP_LT:
		case OP_LE:
			if (!js_less(ev, a, b, n->op == OP_LE, &r))
				return false;
			/* between form: a < b < c (only < and <= have it) */
			if (r && nargs >= 3 && !js_less(ev, b, &args[2], n->op == OP_LE, &r))
				return false;
			break;
		case OP_GT:
			if (!js_less(ev, b, a, false, &r))
				return false;
			break;
		default:				/* OP_GE */
			if (!js_less(ev, b, a, true, &r))
				return false;
			break;
	}
	*out = arka_bool(r);
	return true;
}

/* "+" and "*": parseFloat each argument, fold exactly. */
static bool
op_fold(ArkaEval *ev, const ArkaNode *n, ArkaValue *args, int nargs, ArkaValue *out)
{
	ArkaDec		acc;
	int			i = 0;

	if (n->op == OP_ADD)
		acc = arka_dec_from_int64(0);
	else
	{
		/* json-logic-js reduces "*" without an initial value */
		if (nargs == 0)
			return arka_eval_fail(ev, n, ARKA_ERR_EVAL, "\"*\" needs at least one argument");
		if (nargs == 1)
		{
			*out = args[0];
			return true;
		}
		acc = arka_parse_float(&args[0]);
		i = 1;
	}
	for (; i < nargs; i++)
	{
		ArkaDec		x = arka_parse_float(&args[i]);
		ArkaDecStatus st = n->op == OP_ADD ? arka_dec_add(&acc, &x, &acc)
		: arka_dec_mul(&acc, &x, &acc);

		if (!dec_status(ev, n, st))
			return false;
	}
	*out = arka_num(acc);
	return true;
}

/* "-", "/" and "%": ToNumber on both operands, extra ones ignored. */
static bool
op_binary(ArkaEval *ev, const ArkaNode *n, ArkaValue *args, int nargs, ArkaValue *out)
{
	ArkaDec		a,
				b,
				r;
	ArkaDecStatus st;

	if (nargs == 0)
	{
		*out = arka_num(arka_dec_nan());
		return true;
	}
	a = arka_to_number(&args[0]);
	if (nargs == 1)
	{
		if (n->op == OP_SUB)
			r = arka_dec_neg(&a);
		else
			r = arka_dec_nan(); /* x / undefined */
		*out = arka_num(r);
		return true;
	}
	b = arka_to_number(&args[1]);
	if (n->op == OP_SUB)
		st = arka_dec_sub(&a, &b, &r);
	else if (n->op == OP_DIV)
		st = arka_dec_div(&a, &b, &r);
	else
		st = arka_dec_mod(&a, &b, &r);
	if (!dec_status(ev, n, st))
		return false;
	*out = arka_num(r);
	return true;
}

/* min/max: ToNumber each; NaN anywhere gives NaN; none gives +/-Infinity. */
static bool
op_minmax(const ArkaNode *n, ArkaValue *args, int nargs, ArkaValue *out)
{
	bool		is_max = n->op == OP_MAX;
	ArkaDec		best = arka_dec_inf(is_max);

	for (int i = 0; i < nargs; i++)
	{
		ArkaDec		x = arka_to_number(&args[i]);
		bool		unordered;
		int			c;

		if (arka_dec_is_nan(&x))
		{
			*out = arka_num(x);
			return true;
		}
		c = arka_dec_cmp(&x, &best, &unordered);
		if (is_max ? c > 0 : c < 0)
			best = x;
	}
	*out = arka_num(best);
	return true;
}

static bool
op_cat(ArkaEval *ev, ArkaValue *args, int nargs, ArkaValue *out)
{
	ArkaSb		sb;

	arka_sb_init(&sb, ev);
	if (!arka_sb_append(&sb, "", 0))
		return false;
	for (int i = 0; i < nargs; i++)
		if (!arka_to_js_string(&sb, &args[i], true))
			return false;
	*out = arka_str(sb.data, sb.len);
	return true;
}

/* Byte offset of UTF-16 unit `unit` in s; *split set if it falls inside a pair. */
static size_t
utf16_offset(const char *s, size_t len, int64_t unit, bool *split)
{
	size_t		i = 0;
	int64_t		u = 0;

	*split = false;
	while (i < len && u < unit)
	{
		unsigned char c = (unsigned char) s[i];
		size_t		clen = c < 0x80 ? 1 : (c & 0xE0) == 0xC0 ? 2 : (c & 0xF0) == 0xE0 ? 3 : 4;

		if (clen == 4)
		{
			if (u + 1 == unit)
			{
				*split = true;
				return i;
			}
			u += 2;
		}
		else
			u += 1;
		i += clen;
	}
	return i > len ? len : i;
}

static int64_t
utf16_length(const char *s, size_t len)
{
	int64_t		u = 0;

	for (size_t i = 0; i < len; i++)
	{
		unsigned char c = (unsigned char) s[i];

		if ((c & 0xC0) != 0x80)
			u += (c & 0xF8) == 0xF0 ? 2 : 1;
	}
	return u;
}

/*
 * substr(source, start[, length]) counting UTF-16 units.  A negative
 * length drops that many units from the end.  Cutting through a surrogate
 * pair cannot be represented in UTF-8: that half becomes U+FFFD.
 */
static bool
op_substr(ArkaEval *ev, const ArkaNode *n, ArkaValue *args, int nargs, ArkaValue *out)
{
	ArkaValue	src;
	int64_t		size,
				start,
				end;
	size_t		b0,
				b1;
	bool		split0,
				split1;
	ArkaSb		sb;

	if (nargs == 0)
		src = arka_str("undefined", 9);
	else if (!arka_js_string_value(ev, &args[0], &src))
		return false;
	size = utf16_length(src.u.str.ptr, src.u.str.len);
	start = 0;
	if (nargs > 1)
	{
		ArkaDec		d = arka_to_number(&args[1]);

		start = arka_dec_to_int64_trunc(&d);
	}
	if (start < 0)
		start = size + start < 0 ? 0 : size + start;
	if (start > size)
		start = size;
	end = size;
	if (nargs > 2)
	{
		/*
		 * json-logic-js: if (len < 0) { t = s.substr(start);
		 * return t.substr(0, t.length + len); } else s.substr(start, len).
		 * The sign test sees the untruncated value (-0.5 < 0), and
		 * t.length + len is computed before truncation (9 + -0.5 is 8.5:
		 * 8 units).
		 * A negative len that is not a number ("-3", [-3]) makes that
		 * a string concatenation ("8-3"), NaN, i.e. length 0.
		 */
		ArkaDec		d = arka_to_number(&args[2]);
		ArkaDec		zero = arka_dec_from_int64(0);
		bool		unordered;

		if (arka_dec_cmp(&d, &zero, &unordered) < 0 && !unordered)
		{
			ArkaDec		rest = arka_dec_from_int64(size - start);
			ArkaDec		count;
			int64_t		c;

			if (args[2].type != ARKA_NUM)
				c = 0;
			else if (!dec_status(ev, n, arka_dec_add(&rest, &d, &count)))
				return false;
			else
				c = arka_dec_to_int64_trunc(&count);
			end = c <= 0 ? start : c > size - start ? size : start + c;
		}
		else
		{
			int64_t		len = arka_dec_to_int64_trunc(&d);

			end = len <= 0 ? start : len > size - start ? size : start + len;
		}
	}
	if (start >= end)
	{
		*out = arka_str("", 0);
		return true;
	}
	b0 = utf16_offset(src.u.str.ptr, src.u.str.len, start, &split0);
	b1 = utf16_offset(src.u.str.ptr, src.u.str.len, end, &split1);
	if (!split0 && !split1)
	{
		*out = arka_str(src.u.str.ptr + b0, b1 - b0);
		return true;
	}
	/* a cut through a surrogate pair keeps that half as U+FFFD */
	arka_sb_init(&sb, ev);
	if (!arka_sb_append(&sb, "", 0))
		return false;
	if (split0)
	{
		if (!arka_sb_append(&sb, "\xEF\xBF\xBD", 3))
			return false;
		b0 += 4;
	}
	if (b1 > b0 && !arka_sb_append(&sb, src.u.str.ptr + b0, b1 - b0))
		return false;
	if (split1 && !arka_sb_append(&sb, "\xEF\xBF\xBD", 3))
		return false;
	*out = arka_str(sb.data, sb.len);
	return true;
}

static bool
js_falsy(const ArkaValue *v)
{
	/* plain JavaScript truthiness: unlike JSON Logic, [] is truthy */
	if (v->type == ARKA_ARR || v->type == ARKA_OBJ)
		return false;
	return !arka_truthy(v);
}

/* in(needle, haystack): substring for strings, === membership for arrays. */
static bool
op_in(ArkaEval *ev, ArkaValue *args, int nargs, ArkaValue *out)
{
	ArkaValue	undef;
	const ArkaValue *needle = arg_or_undefined(args, nargs, 0, &undef);
	const ArkaValue *hay = nargs > 1 ? &args[1] : NULL;

	*out = arka_bool(false);
	if (hay == NULL || js_falsy(hay))
		return true;
	if (hay->type == ARKA_STR)
	{
		ArkaValue	s;

		if (!arka_js_string_value(ev, needle, &s))
			return false;
		if (s.u.str.len == 0)
			*out = arka_bool(true);
		else if (s.u.str.len <= hay->u.str.len)
			out->u.b = memmem(hay->u.str.ptr, hay->u.str.len, s.u.str.ptr, s.u.str.len) != NULL;
		return true;
	}
	if (hay->type == ARKA_ARR)
	{
		for (size_t i = 0; i < hay->u.arr.n; i++)
			if (arka_strict_equal(needle, &hay->u.arr.items[i]))
			{
				out->u.b = true;
				break;
			}
	}
	return true;
}

/* merge: flatten exactly one level. */
static bool
op_merge(ArkaEval *ev, ArkaValue *args, int nargs, ArkaValue *out)
{
	size_t		total = 0;
	ArkaValue  *items;
	size_t		k = 0;

	for (int i = 0; i < nargs; i++)
		total += args[i].type == ARKA_ARR ? args[i].u.arr.n : 1;
	items = arka_eval_alloc(ev, total * sizeof(ArkaValue));
	if (items == NULL)
		return false;
	for (int i = 0; i < nargs; i++)
	{
		if (args[i].type == ARKA_ARR)
		{
			if (args[i].u.arr.n)
				memcpy(items + k, args[i].u.arr.items, args[i].u.arr.n * sizeof(ArkaValue));
			k += args[i].u.arr.n;
		}
		else
			items[k++] = args[i];
	}
	out->type = ARKA_ARR;
	out->u.arr.items = items;
	out->u.arr.n = total;
	return true;
}

/* in_list(value, "name"): membership in a named list (arka extension). */
static bool
op_in_list(ArkaEval *ev, const ArkaNode *n, ArkaValue *args, int nargs, ArkaValue *out)
{
	const ArkaList *list;
	ArkaValue	s;

	if (n->list < 0 || ev->lists == NULL || n->list >= ev->lists->n)
		return arka_eval_fail(ev, n, ARKA_ERR_UNKNOWN_LIST, "unknown list \"%s\"",
							  n->name ? n->name : "");
	list = &ev->lists->lists[n->list];
	*out = arka_bool(false);
	if (nargs < 1 || (args[0].type != ARKA_STR && args[0].type != ARKA_NUM))
		return true;
	if (!arka_js_string_value(ev, &args[0], &s))
		return false;
	out->u.b = arka_strset_contains(&list->items, s.u.str.ptr, s.u.str.len);
	return true;
}

/*
 * sanctions_match(name, options): the host screens the name; a match is
 * the operator's (truthy) result and is kept as evidence of the rule.
 * A missing or non-string name screens nothing: false.
 */
static bool
op_sanctions_match(ArkaEval *ev, const ArkaNode *n, ArkaValue *args, int nargs, ArkaValue *out)
{
	ArkaValue	match;
	int			r;

	*out = arka_bool(false);
	if (nargs < 1 || args[0].type != ARKA_STR)
		return true;
	if (ev->screen == NULL)
		return arka_eval_fail(ev, n, ARKA_ERR_EVAL, "sanctions_match needs loaded watchlists");
	r = ev->screen(ev->screen_ctx, args[0].u.str.ptr, args[0].u.str.len, n->screen, ev, &match);
	if (r < 0)
		return false;
	if (r == 0)
		return true;
	if (ev->nnotes == ev->cap_notes)
	{
		int			ncap = ev->cap_notes ? ev->cap_notes * 2 : 4;
		ArkaValue  *nn = arka_eval_alloc(ev, sizeof(ArkaValue) * ncap);

		if (nn == NULL)
			return false;
		if (ev->nnotes)
			memcpy(nn, ev->notes, sizeof(ArkaValue) * ev->nnotes);
		ev->notes = nn;
		ev->cap_notes = ncap;
	}
	ev->notes[ev->nnotes++] = match;
	*out = match;
	return true;
}

bool
arka_op_apply(ArkaEval *ev, const ArkaNode *n, ArkaValue *args, int nargs, ArkaValue *out)
{
	ArkaValue	undef;
	bool		r;

	switch (n->op)
	{
		case OP_NOT:
			*out = arka_bool(!arka_truthy(arg_or_undefined(args, nargs, 0, &undef)));
			return true;
		case OP_NOTNOT:
			*out = arka_bool(arka_truthy(arg_or_undefined(args, nargs, 0, &undef)));
			return true;
		case OP_EQ:
		case OP_NE:
			{
				ArkaValue	u2;

				if (!arka_loose_equal(ev, arg_or_undefined(args, nargs, 0, &undef),
									  arg_or_undefined(args, nargs, 1, &u2), &r))
					return false;
				*out = arka_bool(n->op == OP_EQ ? r : !r);
				return true;
			}
		case OP_SEQ:
		case OP_SNE:
			{
				/*
				 * A missing operand is undefined, which === only
				 * undefined: {"===":[null]} is false, {"===":[]} true.
				 */
				if (nargs < 2)
					r = nargs == 0;
				else
					r = arka_strict_equal(&args[0], &args[1]);
				*out = arka_bool(n->op == OP_SEQ ? r : !r);
				return true;
			}
		case OP_LT:
		case OP_LE:
		case OP_GT:
		case OP_GE:
			return op_compare(ev, n, args, nargs, out);
		case OP_ADD:
		case OP_MUL:
			return op_fold(ev, n, args, nargs, out);
		case OP_SUB:
		case OP_DIV:
		case OP_MOD:
			return op_binary(ev, n, args, nargs, out);
		case OP_MIN:
		case OP_MAX:
			return op_minmax(n, args, nargs, out);
		case OP_CAT:
			return op_cat(ev, args, nargs, out);
		case OP_SUBSTR:
			return op_substr(ev, n, args, nargs, out);
		case OP_IN:
			return op_in(ev, args, nargs, out);
		case OP_MERGE:
			return op_merge(ev, args, nargs, out);
		case OP_LOG:
			*out = *arg_or_undefined(args, nargs, 0, &undef);
			return true;
		case OP_IN_LIST:
			return op_in_list(ev, n, args, nargs, out);
		case OP_SANCTIONS_MATCH:
			return op_sanctions_match(ev, n, args, nargs, out);
		case OP_UNKNOWN:
			return arka_eval_fail(ev, n, ARKA_ERR_UNKNOWN_OP, "unknown operator \"%s\"",
								  n->name ? n->name : "");
		default:
			return arka_eval_fail(ev, n, ARKA_ERR_EVAL, "operator %d not evaluable here", n->op);
	}
}
