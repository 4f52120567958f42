/*-------------------------------------------------------------------------
 *
 * arka_jsonb.c
 *	  jsonb <-> engine values, and the document accessor over jsonb.
 *
 * arka_evaluate reads a document in place: each path a rule needs is
 * looked up once in the jsonb container (no jsonb is converted as a
 * whole), strings point into the datum, and numerics are decoded straight
 * from their on-disk base-10000 digits into exact decimals.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "fmgr.h"
#include "utils/builtins.h"
#include "utils/jsonb.h"
#include "utils/numeric.h"

#include "arka_jsonb.h"
#include "arka_proof.h"

/*
 * The numeric on-disk header (stable: it is what pg_upgrade carries over).
 * Only the parts needed to read finite values are mirrored here.
 */
#define NUMERIC_SIGN_MASK	0xC000
#define NUMERIC_NEG			0x4000
#define NUMERIC_SHORT		0x8000
#define NUMERIC_SPECIAL		0xC000
#define NUMERIC_SHORT_SIGN_MASK 0x2000
#define NUMERIC_SHORT_WEIGHT_SIGN_MASK 0x0040
#define NUMERIC_SHORT_WEIGHT_MASK 0x003F

/*
 * Decode a numeric into coef * 10^exp.  Up to nine base-10000 digits (36
 * decimal digits) fit the 128-bit coefficient directly; anything larger
 * or stranger goes through numeric_out and the exact text parser.
 */
bool
arka_numeric_to_dec(Numeric num, ArkaDec *out)
{
	const char *data = VARDATA_ANY(num);
	Size		size = VARSIZE_ANY_EXHDR(num);
	uint16		header;
	int			weight;
	bool		neg;
	const int16 *digits;
	int			ndigits;

	if (size >= sizeof(uint16))
	{
		memcpy(&header, data, sizeof(uint16));
		if ((header & NUMERIC_SIGN_MASK) == NUMERIC_SHORT)
		{
			neg = (header & NUMERIC_SHORT_SIGN_MASK) != 0;
			weight = (header & NUMERIC_SHORT_WEIGHT_MASK);
			if (header & NUMERIC_SHORT_WEIGHT_SIGN_MASK)
				weight |= ~NUMERIC_SHORT_WEIGHT_MASK;
			digits = (const int16 *) (data + sizeof(uint16));
			ndigits = (size - sizeof(uint16)) / sizeof(int16);
		}
		else if ((header & NUMERIC_SIGN_MASK) != NUMERIC_SPECIAL &&
				 size >= sizeof(uint16) + sizeof(int16))
		{
			int16		w;

			neg = (header & NUMERIC_SIGN_MASK) == NUMERIC_NEG;
			memcpy(&w, data + sizeof(uint16), sizeof(int16));
			weight = w;
			digits = (const int16 *) (data + 2 * sizeof(uint16));
			ndigits = (size - 2 * sizeof(uint16)) / sizeof(int16);
		}
		else
			ndigits = -1;

		if (ndigits >= 0 && ndigits <= 9)
		{
			__int128	coef = 0;
			int			exp = 4 * (weight - ndigits + 1);

			for (int i = 0; i < ndigits; i++)
			{
				int16		d;

				memcpy(&d, &digits[i], sizeof(int16));
				coef = coef * 10000 + d;
			}
			if (ndigits == 0)
				exp = 0;
			if (exp > -6000 && exp < 6000)
			{
				memset(out, 0, sizeof(*out));
				out->coef = neg ? -coef : coef;
				out->exp = exp;
				out->kind = ARKA_DEC_FINITE;
				return true;
			}
		}
	}

	/*
	 * Slow path: the text form, parsed exactly.  A document value with more
	 * than 38 significant digits is refused rather than rounded: rounding
	 * could move an amount across a threshold.
	 */
	{
		char	   *s = DatumGetCString(DirectFunctionCall1(numeric_out, NumericGetDatum(num)));
		int			sig = 0;
		int			pending_zeros = 0;
		bool		leading = true;

		for (const char *p = s; *p; p++)
		{
			if (*p < '0' || *p > '9')
				continue;
			if (*p == '0')
			{
				if (!leading)
					pending_zeros++;
				continue;
			}
			leading = false;
			sig += pending_zeros + 1;
			pending_zeros = 0;
		}
		if (sig > ARKA_DEC_DIGITS)
			return false;
		return arka_dec_parse_json(s, strlen(s), out) == ARKA_DEC_OK;
	}
}

static void convert_jbv(JsonbValue *v, ArkaArena *arena, ArkaValue *out, int depth);

static void *
arena_alloc_or_error(ArkaArena *arena, size_t size)
{
	void	   *p = arka_arena_alloc(arena, size ? size : 1);

	if (p == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("arka evaluation exceeded its memory limit")));
	return p;
}

/* Convert a container (object, array or raw scalar) recursively. */
static void
convert_container(JsonbContainer *c, ArkaArena *arena, ArkaValue *out, int depth)
{
	JsonbIterator *it;
	JsonbValue	v;
	JsonbIteratorToken tok;
	uint32		n = JsonContainerSize(c);
	size_t		k = 0;

	if (depth > ARKA_JSON_MAX_DEPTH)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("jsonb value is nested too deeply for arka"),
				 errdetail("arka reads JSON nested at most %d levels deep.",
						   ARKA_JSON_MAX_DEPTH)));

	it = JsonbIteratorInit(c);
	tok = JsonbIteratorNext(&it, &v, true);
	if (tok == WJB_BEGIN_ARRAY && v.val.array.rawScalar)
	{
		tok = JsonbIteratorNext(&it, &v, true);
		convert_jbv(&v, arena, out, depth);
		return;
	}
	if (tok == WJB_BEGIN_OBJECT)
	{
		out->type = ARKA_OBJ;
		out->u.obj.n = n;
		out->u.obj.members = arena_alloc_or_error(arena, n * sizeof(ArkaMember));
		while ((tok = JsonbIteratorNext(&it, &v, true)) != WJB_DONE)
		{
			if (tok == WJB_KEY && k < n)
			{
				out->u.obj.members[k].key = v.val.string.val;
				out->u.obj.members[k].keylen = v.val.string.len;
			}
			else if (tok == WJB_VALUE && k < n)
				convert_jbv(&v, arena, &out->u.obj.members[k++].val, depth + 1);
		}
		return;
	}
	out->type = ARKA_ARR;
	out->u.arr.n = n;
	out->u.arr.items = arena_alloc_or_error(arena, n * sizeof(ArkaValue));
	while ((tok = JsonbIteratorNext(&it, &v, true)) != WJB_DONE)
	{
		if (tok == WJB_ELEM && k < n)
			convert_jbv(&v, arena, &out->u.arr.items[k++], depth + 1);
	}
}

static void
convert_jbv(JsonbValue *v, ArkaArena *arena, ArkaValue *out, int depth)
{
	switch (v->type)
	{
		case jbvNull:
			*out = arka_null();
			break;
		case jbvBool:
			*out = arka_bool(v->val.boolean);
			break;
		case jbvString:
			*out = arka_str(v->val.string.val, v->val.string.len);
			break;
		case jbvNumeric:
			out->type = ARKA_NUM;
			if (!arka_numeric_to_dec(v->val.numeric, &out->u.num))
				ereport(ERROR,
						(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
						 errmsg("number out of range for arka"),
						 errdetail("arka computes with exact decimals of at most 38 significant digits and exponents up to %d.",
								   ARKA_DEC_EXP_MAX)));
			break;
		case jbvBinary:
			convert_container(v->val.binary.data, arena, out, depth + 1);
			break;
		default:
			elog(ERROR, "unexpected jsonb value type %d", (int) v->type);
	}
}

void
arka_jsonb_to_value(JsonbContainer *c, ArkaArena *arena, ArkaValue *out)
{
	convert_container(c, arena, out, 0);
}

/*
 * ArkaDocOps lookup over a jsonb container: object keys by binary search
 * (getKeyJsonValueFromContainer), arrays by index.  A path that runs into
 * a scalar continues with JavaScript's string rules (index, length).
 */
static int
jsonb_lookup(void *doc, const ArkaPath *path, ArkaEval *ev, ArkaValue *out)
{
	JsonbContainer *c = (JsonbContainer *) doc;
	JsonbValue	cur;
	JsonbValue	tmp;

	cur.type = jbvBinary;
	cur.val.binary.data = c;
	cur.val.binary.len = 0;
	for (int i = 0; i < path->nseg; i++)
	{
		const ArkaPathSeg *seg = &path->segs[i];
		JsonbContainer *cc;
		JsonbValue *found = NULL;

		if (cur.type != jbvBinary || JsonContainerIsScalar(cur.val.binary.data))
		{
			/* a scalar in the middle of the path: JavaScript lookup rules */
			ArkaValue	sv;
			ArkaPath	rest;

			convert_jbv(&cur, ev->arena, &sv, 0);
			rest.text = path->text;
			rest.textlen = path->textlen;
			rest.nseg = path->nseg - i;
			rest.segs = path->segs + i;
			return arka_value_lookup(&sv, &rest, out);
		}
		cc = cur.val.binary.data;
		if (JsonContainerIsObject(cc))
			found = getKeyJsonValueFromContainer(cc, seg->key, seg->len, &tmp);
		else if (seg->index >= 0 && seg->index < (int64) JsonContainerSize(cc))
			found = getIthJsonbValueFromContainer(cc, (uint32) seg->index);
		else if (seg->len == 6 && memcmp(seg->key, "length", 6) == 0)
		{
			*out = arka_num(arka_dec_from_int64(JsonContainerSize(cc)));
			return i + 1 == path->nseg ? 1 : 0;
		}
		if (found == NULL)
			return 0;
		cur = *found;
	}
	convert_jbv(&cur, ev->arena, out, 0);
	return 1;
}

const ArkaDocOps arka_jsonb_doc_ops = {jsonb_lookup};

/* Push one value onto a jsonb parse state (tok: WJB_VALUE or WJB_ELEM). */
void
arka_push_value(JsonbParseState **ps, JsonbIteratorToken tok, const ArkaValue *v)
{
	JsonbValue	jv;

	switch (v->type)
	{
		case ARKA_NULL:
			jv.type = jbvNull;
			break;
		case ARKA_BOOL:
			jv.type = jbvBool;
			jv.val.boolean = v->u.b;
			break;
		case ARKA_NUM:
			if (!arka_dec_is_finite(&v->u.num))
				jv.type = jbvNull;	/* as JSON.stringify prints NaN/Infinity */
			else
			{
				char		buf[ARKA_DEC_STRLEN];

				arka_dec_to_json(&v->u.num, buf);
				jv.type = jbvNumeric;
				jv.val.numeric = DatumGetNumeric(DirectFunctionCall3(numeric_in,
																	 CStringGetDatum(buf),
																	 ObjectIdGetDatum(InvalidOid),
																	 Int32GetDatum(-1)));
			}
			break;
		case ARKA_STR:
			jv.type = jbvString;
			jv.val.string.val = (char *) v->u.str.ptr;
			jv.val.string.len = v->u.str.len;
			break;
		case ARKA_ARR:
			pushJsonbValue(ps, WJB_BEGIN_ARRAY, NULL);
			for (size_t i = 0; i < v->u.arr.n; i++)
				arka_push_value(ps, WJB_ELEM, &v->u.arr.items[i]);
			pushJsonbValue(ps, WJB_END_ARRAY, NULL);
			return;
		case ARKA_OBJ:
			pushJsonbValue(ps, WJB_BEGIN_OBJECT, NULL);
			for (size_t i = 0; i < v->u.obj.n; i++)
			{
				JsonbValue	key;

				key.type = jbvString;
				key.val.string.val = (char *) v->u.obj.members[i].key;
				key.val.string.len = v->u.obj.members[i].keylen;
				pushJsonbValue(ps, WJB_KEY, &key);
				arka_push_value(ps, WJB_VALUE, &v->u.obj.members[i].val);
			}
			pushJsonbValue(ps, WJB_END_OBJECT, NULL);
			return;
	}
	pushJsonbValue(ps, tok, &jv);
}

Jsonb *
arka_value_to_jsonb(const ArkaValue *v)
{
	JsonbParseState *ps = NULL;

	if (v->type != ARKA_ARR && v->type != ARKA_OBJ)
	{
		/* a scalar result is a raw-scalar pseudo array */
		JsonbValue *res;

		pushJsonbValue(&ps, WJB_BEGIN_ARRAY, NULL);
		ps->contVal.val.array.rawScalar = true;
		arka_push_value(&ps, WJB_ELEM, v);
		res = pushJsonbValue(&ps, WJB_END_ARRAY, NULL);
		return JsonbValueToJsonb(res);
	}
	if (v->type == ARKA_ARR)
	{
		pushJsonbValue(&ps, WJB_BEGIN_ARRAY, NULL);
		for (size_t i = 0; i < v->u.arr.n; i++)
			arka_push_value(&ps, WJB_ELEM, &v->u.arr.items[i]);
		return JsonbValueToJsonb(pushJsonbValue(&ps, WJB_END_ARRAY, NULL));
	}
	pushJsonbValue(&ps, WJB_BEGIN_OBJECT, NULL);
	for (size_t i = 0; i < v->u.obj.n; i++)
	{
		JsonbValue	key;

		key.type = jbvString;
		key.val.string.val = (char *) v->u.obj.members[i].key;
		key.val.string.len = v->u.obj.members[i].keylen;
		pushJsonbValue(&ps, WJB_KEY, &key);
		arka_push_value(&ps, WJB_VALUE, &v->u.obj.members[i].val);
	}
	return JsonbValueToJsonb(pushJsonbValue(&ps, WJB_END_OBJECT, NULL));
}

/*
 * Canonical encoding of a jsonb document.  jsonb already stores object
 * keys shortest first, then bytewise: exactly the canonical order.
 */
void
arka_jsonb_canon(JsonbContainer *c, ArkaBuf *b)
{
	JsonbIterator *it = JsonbIteratorInit(c);
	JsonbValue	v;
	JsonbIteratorToken tok;
	bool		raw_scalar = false;

	while ((tok = JsonbIteratorNext(&it, &v, false)) != WJB_DONE)
	{
		switch (tok)
		{
			case WJB_BEGIN_ARRAY:
				if (v.val.array.rawScalar)
					raw_scalar = true;
				else
					arka_canon_array_begin(b, v.val.array.nElems);
				break;
			case WJB_END_ARRAY:
				if (!raw_scalar)
					arka_canon_array_end(b);
				break;
			case WJB_BEGIN_OBJECT:
				arka_canon_object_begin(b, v.val.object.nPairs);
				break;
			case WJB_END_OBJECT:
				arka_canon_object_end(b);
				break;
			case WJB_KEY:
				arka_canon_str(b, v.val.string.val, v.val.string.len);
				break;
			case WJB_VALUE:
			case WJB_ELEM:
				switch (v.type)
				{
					case jbvNull:
						arka_canon_null(b);
						break;
					case jbvBool:
						arka_canon_bool(b, v.val.boolean);
						break;
					case jbvString:
						arka_canon_str(b, v.val.string.val, v.val.string.len);
						break;
					case jbvNumeric:
						{
							ArkaDec		d;

							if (!arka_numeric_to_dec(v.val.numeric, &d))
								ereport(ERROR,
										(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
										 errmsg("number out of range for arka"),
										 errdetail("arka computes with exact decimals of at most 38 significant digits and exponents up to %d.",
												   ARKA_DEC_EXP_MAX)));
							arka_canon_num(b, &d);
						}
						break;
					default:
						elog(ERROR, "unexpected jsonb value type %d", (int) v.type);
				}
				break;
			default:
				break;
		}
	}
}
