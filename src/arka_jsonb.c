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
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/jsonb.h"
#include "utils/numeric.h"

#include "arka_jsonb.h"
#include "arka_canon.h"

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
 * NaN or an infinity?  Reads the header in place, so a short-header datum
 * straight from a tuple needs no aligned copy (numeric_is_nan would).
 */
bool
arka_numeric_is_special(Numeric num)
{
	uint16		header;

	if (VARSIZE_ANY_EXHDR(num) < sizeof(uint16))
		return false;
	memcpy(&header, VARDATA_ANY(num), sizeof(uint16));
	return (header & NUMERIC_SIGN_MASK) == NUMERIC_SPECIAL;
}

/*
 * Decode a numeric into coef * 10^exp.  The datum may be a short-header
 * one read in place (every load is a memcpy).  Up to nine base-10000 digits (36
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
		if (arka_dec_parse_json(s, strlen(s), out) != ARKA_DEC_OK)
			return false;
		/* below the decimal range: refused, not rounded to zero */
		return sig == 0 || !arka_dec_is_zero(out);
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
			/* convert_container counts this level for its members */
			convert_container(v->val.binary.data, arena, out, depth);
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
 * Containers read in place may lie at any address: a short-header datum
 * straight from a tuple starts one byte into it.  So the reader below
 * takes a container as bytes and loads every header and JEntry with
 * memcpy (a plain load on the CPUs we run on); only what it hands to
 * PostgreSQL's own jsonb code (whole containers) is copied to an aligned
 * buffer first.  Offsets inside a container stay valid wherever it lies:
 * jsonb pads relative to the start of the datum's 4-byte-aligned data.
 */
static inline uint32
load_u32(const char *p)
{
	uint32		v;

	memcpy(&v, p, sizeof(v));
	return v;
}

/* A container's header word. */
static inline uint32
raw_header(const char *c)
{
	return load_u32(c);
}

/* A container's JEntry i. */
static inline JEntry
raw_child(const char *c, uint32 i)
{
	return load_u32(c + offsetof(JsonbContainer, children) + i * sizeof(JEntry));
}

/*
 * One entry of a container read in place: its JEntry and where its data
 * lies (offsets relative to the container's data area).
 */
typedef struct RawEntry
{
	JEntry		je;
	const char *base;
	uint32		off;
	uint32		end;
} RawEntry;

/* End offset of entry i given the end of entry i-1 (jsonb's stride rule). */
static inline uint32
entry_end(JEntry je, uint32 prev_end)
{
	return JBE_HAS_OFF(je) ? JBE_OFFLENFLD(je) : prev_end + JBE_OFFLENFLD(je);
}

/*
 * Entry first+index of a container, walking from entry `first`, whose data
 * starts at offset `off`, and adding up lengths (offsets where stored).
 */
static bool
walk_entries(const char *c, const char *base, uint32 first, uint32 index,
			 uint32 off, RawEntry *out)
{
	for (uint32 i = 0; i <= index; i++)
	{
		JEntry		je = raw_child(c, first + i);
		uint32		end = entry_end(je, off);

		if (i == index)
		{
			out->je = je;
			out->base = base;
			out->off = off;
			out->end = end;
			return true;
		}
		off = end;
	}
	return false;
}

/* Number of JEntries of a container (an object has keys and values). */
static uint32
raw_nentries(uint32 header)
{
	uint32		count = header & JB_CMASK;

	return (header & JB_FOBJECT) ? count * 2 : count;
}

/* Size in bytes of a container: its header, JEntries and data. */
static Size
raw_container_size(const char *c)
{
	uint32		n = raw_nentries(raw_header(c));
	uint32		end = 0;

	for (uint32 i = 0; i < n; i++)
		end = entry_end(raw_child(c, i), end);
	return offsetof(JsonbContainer, children) + n * sizeof(JEntry) + end;
}

/*
 * The container at c as PostgreSQL's jsonb code may read it: itself when
 * aligned, else a copy in the arena.
 */
static JsonbContainer *
aligned_container(const char *c, ArkaArena *arena)
{
	Size		size;
	char	   *copy;

	if (((uintptr_t) c & (sizeof(uint32) - 1)) == 0)
		return (JsonbContainer *) c;
	size = raw_container_size(c);
	copy = arena_alloc_or_error(arena, size);
	memcpy(copy, c, size);
	return (JsonbContainer *) copy;
}

/*
 * Find a key in an object by scanning its key entries in place.  Keys are
 * stored shortest first, so the scan stops at the first longer key; for
 * the small objects of payment documents this beats a binary search that
 * builds JsonbValues.
 */
static bool
raw_object_find(const char *c, const char *key, size_t len, RawEntry *out)
{
	uint32		count = raw_header(c) & JB_CMASK;
	const char *base = c + offsetof(JsonbContainer, children) + count * 2 * sizeof(JEntry);
	uint32		off = 0;
	uint32		found = count;

	for (uint32 i = 0; i < count; i++)
	{
		JEntry		je = raw_child(c, i);
		uint32		end = entry_end(je, off);
		size_t		klen = end - off;

		if (found == count)
		{
			/* first bytes before memcmp: most keys of equal length differ there */
			if (klen == len && (len == 0 || base[off] == key[0]) &&
				memcmp(base + off, key, len) == 0)
				found = i;
			else if (klen > len)
			{
				/* sorted by length: the key is absent */
				return false;
			}
		}
		off = end;
	}
	if (found == count)
		return false;
	/* values follow the keys; walk them to the one we need */
	return walk_entries(c, base, count, found, off, out);
}

/* Element i of an array, in place. */
static bool
raw_array_elem(const char *c, uint64 index, RawEntry *out)
{
	uint32		count = raw_header(c) & JB_CMASK;

	if (index >= count)
		return false;
	return walk_entries(c, c + offsetof(JsonbContainer, children) + count * sizeof(JEntry),
						0, (uint32) index, 0, out);
}

static const char *
raw_container(const RawEntry *e)
{
	return e->base + INTALIGN(e->off);
}

/* Convert an in-place entry into an engine value (containers deeply). */
static void
raw_to_value(const RawEntry *e, ArkaArena *arena, ArkaValue *out)
{
	JEntry		je = e->je;

	if (JBE_ISSTRING(je))
		*out = arka_str(e->base + e->off, e->end - e->off);
	else if (JBE_ISNUMERIC(je))
	{
		const char *p = e->base + INTALIGN(e->off);
		Numeric		num = (Numeric) p;

		if (((uintptr_t) p & (sizeof(uint32) - 1)) != 0)
		{
			/* numeric.c's macros read its header as a word: align it */
			Size		size = e->end - INTALIGN(e->off);

			num = (Numeric) arena_alloc_or_error(arena, size);
			memcpy(num, p, size);
		}
		out->type = ARKA_NUM;
		if (!arka_numeric_to_dec(num, &out->u.num))
			ereport(ERROR,
					(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
					 errmsg("number out of range for arka"),
					 errdetail("arka computes with exact decimals of at most 38 significant digits and exponents up to %d.",
							   ARKA_DEC_EXP_MAX)));
	}
	else if (JBE_ISBOOL_TRUE(je))
		*out = arka_bool(true);
	else if (JBE_ISBOOL_FALSE(je))
		*out = arka_bool(false);
	else if (JBE_ISNULL(je))
		*out = arka_null();
	else
		convert_container(aligned_container(raw_container(e), arena), arena, out, 1);
}

/*
 * A path's value in a jsonb document, reading containers in place: doc
 * is a container's bytes at any alignment (see load_u32).  A path that
 * runs into a scalar continues with JavaScript's rules (string index,
 * length); "length" of an array is its size.
 */
int
arka_jsonb_lookup(const char *doc, const ArkaPath *path, ArkaEval *ev, ArkaValue *out)
{
	const char *c = doc;
	RawEntry	e;
	bool		have_entry = false;

	if (path->nseg == 0)
	{
		convert_container(aligned_container(c, ev->arena), ev->arena, out, 0);
		return 1;
	}
	for (int i = 0; i < path->nseg; i++)
	{
		const ArkaPathSeg *seg = &path->segs[i];
		uint32		header;

		if (have_entry && !JBE_ISCONTAINER(e.je))
		{
			/* a scalar in the middle of the path: JavaScript lookup rules */
			ArkaValue	sv;
			ArkaPath	rest;

			raw_to_value(&e, ev->arena, &sv);
			rest.text = path->text;
			rest.textlen = path->textlen;
			rest.nseg = path->nseg - i;
			rest.segs = path->segs + i;
			return arka_value_lookup(&sv, &rest, out);
		}
		if (have_entry)
			c = raw_container(&e);
		header = raw_header(c);
		if (header & JB_FOBJECT)
		{
			if (!raw_object_find(c, seg->key, seg->len, &e))
				return 0;
		}
		else if (header & JB_FSCALAR)
		{
			/* a raw scalar document: look into its one value */
			ArkaValue	sv;
			ArkaPath	rest;

			convert_container(aligned_container(c, ev->arena), ev->arena, &sv, 0);
			rest.text = path->text;
			rest.textlen = path->textlen;
			rest.nseg = path->nseg - i;
			rest.segs = path->segs + i;
			return arka_value_lookup(&sv, &rest, out);
		}
		else if (seg->index >= 0)
		{
			if (!raw_array_elem(c, (uint64) seg->index, &e))
				return 0;
		}
		else if (seg->len == 6 && memcmp(seg->key, "length", 6) == 0 && i + 1 == path->nseg)
		{
			*out = arka_num(arka_dec_from_int64(header & JB_CMASK));
			return 1;
		}
		else
			return 0;
		have_entry = true;
	}
	raw_to_value(&e, ev->arena, out);
	return 1;
}

/* ArkaDocOps lookup over a jsonb document (a JsonbContainer). */
static int
jsonb_lookup(void *doc, const ArkaPath *path, ArkaEval *ev, ArkaValue *out)
{
	return arka_jsonb_lookup((const char *) doc, path, ev, out);
}

const ArkaDocOps arka_jsonb_doc_ops = {jsonb_lookup, NULL};

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

void
arka_jbv_string(JsonbValue *v, const char *s, size_t len)
{
	v->type = jbvString;
	v->val.string.val = (char *) s;
	v->val.string.len = (int) len;
}

/* jsonb's key order: shorter keys first, then bytewise. */
int
arka_jsonb_key_cmp(const char *a, size_t alen, const char *b, size_t blen)
{
	if (alen != blen)
		return alen < blen ? -1 : 1;
	return memcmp(a, b, alen);
}

static int
pair_cmp(const void *x, const void *y)
{
	const JsonbPair *a = x;
	const JsonbPair *b = y;

	return arka_jsonb_key_cmp(a->key.val.string.val, a->key.val.string.len,
							  b->key.val.string.val, b->key.val.string.len);
}

/* Expand a container into a JsonbValue tree (keys come out in jsonb order). */
static void
container_to_jbv(JsonbContainer *c, JsonbValue *out)
{
	JsonbIterator *it = JsonbIteratorInit(c);
	JsonbValue	v;
	JsonbIteratorToken tok;
	uint32		n = JsonContainerSize(c);
	uint32		k = 0;

	tok = JsonbIteratorNext(&it, &v, true);
	if (tok == WJB_BEGIN_ARRAY && v.val.array.rawScalar)
	{
		JsonbIteratorNext(&it, out, true);
		return;
	}
	if (tok == WJB_BEGIN_OBJECT)
	{
		out->type = jbvObject;
		out->val.object.nPairs = n;
		out->val.object.pairs = palloc(sizeof(JsonbPair) * (n ? n : 1));
		while ((tok = JsonbIteratorNext(&it, &v, true)) != WJB_DONE)
		{
			if (tok == WJB_KEY && k < n)
			{
				out->val.object.pairs[k].key = v;
				out->val.object.pairs[k].order = k;
			}
			else if (tok == WJB_VALUE && k < n)
			{
				if (v.type == jbvBinary)
					container_to_jbv(v.val.binary.data, &out->val.object.pairs[k].value);
				else
					out->val.object.pairs[k].value = v;
				k++;
			}
		}
		return;
	}
	out->type = jbvArray;
	out->val.array.rawScalar = false;
	out->val.array.nElems = n;
	out->val.array.elems = palloc(sizeof(JsonbValue) * (n ? n : 1));
	while ((tok = JsonbIteratorNext(&it, &v, true)) != WJB_DONE)
	{
		if (tok == WJB_ELEM && k < n)
		{
			if (v.type == jbvBinary)
				container_to_jbv(v.val.binary.data, &out->val.array.elems[k]);
			else
				out->val.array.elems[k] = v;
			k++;
		}
	}
}

bool
arka_jsonb_path_jbv(JsonbContainer *root, const ArkaPath *path, JsonbValue *out)
{
	JsonbValue	cur;
	JsonbValue	tmp;

	cur.type = jbvBinary;
	cur.val.binary.data = root;
	cur.val.binary.len = 0;
	for (int i = 0; i < path->nseg; i++)
	{
		const ArkaPathSeg *seg = &path->segs[i];
		JsonbContainer *cc;
		JsonbValue *found = NULL;

		if (cur.type != jbvBinary || JsonContainerIsScalar(cur.val.binary.data))
			return false;		/* JavaScript string rules: caller falls back */
		cc = cur.val.binary.data;
		if (JsonContainerIsObject(cc))
			found = getKeyJsonValueFromContainer(cc, seg->key, seg->len, &tmp);
		else if (seg->index >= 0 && seg->index < (int64) JsonContainerSize(cc))
			found = getIthJsonbValueFromContainer(cc, (uint32) seg->index);
		if (found == NULL)
			return false;
		cur = *found;
	}
	if (cur.type == jbvBinary)
		container_to_jbv(cur.val.binary.data, out);
	else
		*out = cur;
	return true;
}

void
arka_value_to_jbv(const ArkaValue *v, JsonbValue *out)
{
	switch (v->type)
	{
		case ARKA_NULL:
			out->type = jbvNull;
			break;
		case ARKA_BOOL:
			out->type = jbvBool;
			out->val.boolean = v->u.b;
			break;
		case ARKA_NUM:
			if (!arka_dec_is_finite(&v->u.num))
				out->type = jbvNull;
			else
			{
				char		buf[ARKA_DEC_STRLEN];

				arka_dec_to_json(&v->u.num, buf);
				out->type = jbvNumeric;
				out->val.numeric = DatumGetNumeric(DirectFunctionCall3(numeric_in,
																	   CStringGetDatum(buf),
																	   ObjectIdGetDatum(InvalidOid),
																	   Int32GetDatum(-1)));
			}
			break;
		case ARKA_STR:
			arka_jbv_string(out, v->u.str.ptr, v->u.str.len);
			break;
		case ARKA_ARR:
			out->type = jbvArray;
			out->val.array.rawScalar = false;
			out->val.array.nElems = v->u.arr.n;
			out->val.array.elems = palloc(sizeof(JsonbValue) * (v->u.arr.n ? v->u.arr.n : 1));
			for (size_t i = 0; i < v->u.arr.n; i++)
				arka_value_to_jbv(&v->u.arr.items[i], &out->val.array.elems[i]);
			break;
		case ARKA_OBJ:
			out->type = jbvObject;
			out->val.object.nPairs = v->u.obj.n;
			out->val.object.pairs = palloc(sizeof(JsonbPair) * (v->u.obj.n ? v->u.obj.n : 1));
			for (size_t i = 0; i < v->u.obj.n; i++)
			{
				JsonbPair  *p = &out->val.object.pairs[i];

				arka_jbv_string(&p->key, v->u.obj.members[i].key, v->u.obj.members[i].keylen);
				arka_value_to_jbv(&v->u.obj.members[i].val, &p->value);
				p->order = i;
			}
			/* engine objects keep source order and unique keys: sort only */
			qsort(out->val.object.pairs, v->u.obj.n, sizeof(JsonbPair), pair_cmp);
			break;
	}
}

/* Canonical encoding of one scalar JEntry whose data starts at base+off. */
static void
canon_scalar(ArkaBuf *b, JEntry je, const char *base, uint32 off, uint32 end, int depth);

/*
 * Canonical encoding of a container, read straight from jsonb's on-disk
 * layout (JEntry array, then data; offsets are stored every
 * JB_OFFSET_STRIDE entries and lengths otherwise).  No iterator, no
 * JsonbValue, no allocation: this runs for every evaluated document.
 * Object keys are stored shortest first, then bytewise: the canonical
 * order already.
 */
static void
canon_container(ArkaBuf *b, const JsonbContainer *c, int depth)
{
	uint32		count = c->header & JB_CMASK;
	bool		is_object = (c->header & JB_FOBJECT) != 0;
	bool		is_scalar = (c->header & JB_FSCALAR) != 0;
	uint32		nentries = is_object ? count * 2 : count;
	const char *base = (const char *) &c->children[nentries];
	uint32		off = 0;

	if (depth > ARKA_JSON_MAX_DEPTH)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("jsonb value is nested too deeply for arka"),
				 errdetail("arka reads JSON nested at most %d levels deep.",
						   ARKA_JSON_MAX_DEPTH)));
	check_stack_depth();

	if (!is_object)
	{
		if (!is_scalar)
			arka_canon_array_begin(b, count);
		for (uint32 i = 0; i < count; i++)
		{
			JEntry		je = c->children[i];
			uint32		end = JBE_HAS_OFF(je) ? JBE_OFFLENFLD(je) : off + JBE_OFFLENFLD(je);

			canon_scalar(b, je, base, off, end, depth);
			off = end;
		}
		if (!is_scalar)
			arka_canon_array_end(b);
		return;
	}

	arka_canon_object_begin(b, count);
	{
		/* values start where the last key ends */
		uint32		voff = 0;
		uint32		koff = 0;

		for (uint32 i = 0; i < count; i++)
		{
			JEntry		je = c->children[i];

			voff = JBE_HAS_OFF(je) ? JBE_OFFLENFLD(je) : voff + JBE_OFFLENFLD(je);
		}
		for (uint32 i = 0; i < count; i++)
		{
			JEntry		kje = c->children[i];
			JEntry		vje = c->children[count + i];
			uint32		kend = JBE_HAS_OFF(kje) ? JBE_OFFLENFLD(kje) : koff + JBE_OFFLENFLD(kje);
			uint32		vend = JBE_HAS_OFF(vje) ? JBE_OFFLENFLD(vje) : voff + JBE_OFFLENFLD(vje);

			arka_canon_str(b, base + koff, kend - koff);
			canon_scalar(b, vje, base, voff, vend, depth);
			koff = kend;
			voff = vend;
		}
	}
	arka_canon_object_end(b);
}

static void
canon_scalar(ArkaBuf *b, JEntry je, const char *base, uint32 off, uint32 end, int depth)
{
	if (JBE_ISSTRING(je))
		arka_canon_str(b, base + off, end - off);
	else if (JBE_ISNUMERIC(je))
	{
		ArkaDec		d;

		if (!arka_numeric_to_dec((Numeric) (base + INTALIGN(off)), &d))
			ereport(ERROR,
					(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
					 errmsg("number out of range for arka"),
					 errdetail("arka computes with exact decimals of at most 38 significant digits and exponents up to %d.",
							   ARKA_DEC_EXP_MAX)));
		arka_canon_num(b, &d);
	}
	else if (JBE_ISBOOL_TRUE(je))
		arka_canon_bool(b, true);
	else if (JBE_ISBOOL_FALSE(je))
		arka_canon_bool(b, false);
	else if (JBE_ISNULL(je))
		arka_canon_null(b);
	else
		canon_container(b, (const JsonbContainer *) (base + INTALIGN(off)), depth + 1);
}

void
arka_jsonb_canon(JsonbContainer *c, ArkaBuf *b)
{
	canon_container(b, c, 0);
}
