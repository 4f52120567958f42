/*-------------------------------------------------------------------------
 *
 * arka_valuedoc.c
 *	  Path lookup over an in-memory ArkaValue.
 *
 * Used for iterator scopes (the item of map/filter/reduce), for documents
 * parsed by the core's own JSON parser (tests, fuzzing) and by arka-cdc.
 * Lookup follows json-logic-js: objects by key, arrays by numeric index,
 * strings by UTF-16 index, "length" of arrays and strings; anything else
 * (including JavaScript's inherited properties) is absent.
 *
 *-------------------------------------------------------------------------
 */
#include <string.h>

#include "arka_logic.h"

static const char replacement_char[] = "\xEF\xBF\xBD";

/* One step of a lookup into a string: index (UTF-16 units) or length. */
static int
string_step(const ArkaValue *cur, const ArkaPathSeg *seg, ArkaValue *out)
{
	const unsigned char *s = (const unsigned char *) cur->u.str.ptr;
	size_t		len = cur->u.str.len;
	int64_t		unit = 0;

	if (seg->index < 0)
	{
		if (seg->len == 6 && memcmp(seg->key, "length", 6) == 0)
		{
			for (size_t i = 0; i < len; i++)
				if ((s[i] & 0xC0) != 0x80)
					unit += (s[i] & 0xF8) == 0xF0 ? 2 : 1;
			*out = arka_num(arka_dec_from_int64(unit));
			return 1;
		}
		return 0;
	}
	for (size_t i = 0; i < len;)
	{
		size_t		clen = s[i] < 0x80 ? 1 : (s[i] & 0xE0) == 0xC0 ? 2 : (s[i] & 0xF0) == 0xE0 ? 3 : 4;
		int			units = clen == 4 ? 2 : 1;

		if (clen > len - i)
			clen = len - i;
		if (seg->index < unit + units)
		{
			if (units == 2)
				*out = arka_str(replacement_char, 3);	/* half a surrogate pair */
			else
				*out = arka_str((const char *) s + i, clen);
			return 1;
		}
		unit += units;
		i += clen;
	}
	return 0;
}

int
arka_value_lookup(const ArkaValue *root, const ArkaPath *path, ArkaValue *out)
{
	ArkaValue	cur = *root;

	for (int i = 0; i < path->nseg; i++)
	{
		const ArkaPathSeg *seg = &path->segs[i];
		bool		found = false;

		switch (cur.type)
		{
			case ARKA_OBJ:
				for (size_t k = 0; k < cur.u.obj.n; k++)
				{
					const ArkaMember *m = &cur.u.obj.members[k];

					if (m->keylen == seg->len && memcmp(m->key, seg->key, seg->len) == 0)
					{
						cur = m->val;
						found = true;
						break;
					}
				}
				break;
			case ARKA_ARR:
				if (seg->index >= 0 && (uint64_t) seg->index < cur.u.arr.n)
				{
					cur = cur.u.arr.items[seg->index];
					found = true;
				}
				else if (seg->len == 6 && memcmp(seg->key, "length", 6) == 0)
				{
					cur = arka_num(arka_dec_from_int64((int64_t) cur.u.arr.n));
					found = true;
				}
				break;
			case ARKA_STR:
				{
					ArkaValue	ch;

					if (string_step(&cur, seg, &ch))
					{
						cur = ch;
						found = true;
					}
				}
				break;
			default:
				break;
		}
		if (!found)
			return 0;
	}
	*out = cur;
	return 1;
}

/* ArkaDocOps adapter: the document is a const ArkaValue *. */
static int
value_doc_lookup(void *doc, const ArkaPath *path, ArkaEval *ev, ArkaValue *out)
{
	(void) ev;
	if (doc == NULL)
	{
		if (path->nseg == 0)
		{
			*out = arka_null();
			return 1;
		}
		return 0;
	}
	return arka_value_lookup((const ArkaValue *) doc, path, out);
}

const ArkaDocOps arka_value_doc_ops = {value_doc_lookup, NULL};

/*
 * Set path (segments from `from` on) to value inside obj, creating the
 * objects on the way (a non-object on the way is replaced by one).  Used
 * to lay a protection's mapping over a row's document, by the trigger and
 * by arka-cdc alike, so the two build the same document.
 */
bool
arka_value_set_path(ArkaArena *arena, ArkaValue *obj, const ArkaPath *path, int from,
					const ArkaValue *value)
{
	const ArkaPathSeg *seg = &path->segs[from];
	ArkaMember *m = NULL;

	if (obj->type != ARKA_OBJ)
	{
		obj->type = ARKA_OBJ;
		obj->u.obj.members = NULL;
		obj->u.obj.n = 0;
	}
	for (size_t i = 0; i < obj->u.obj.n; i++)
		if (obj->u.obj.members[i].keylen == seg->len &&
			memcmp(obj->u.obj.members[i].key, seg->key, seg->len) == 0)
			m = &obj->u.obj.members[i];
	if (m == NULL)
	{
		ArkaMember *nm = arka_arena_alloc(arena, sizeof(ArkaMember) * (obj->u.obj.n + 1));

		if (nm == NULL)
			return false;
		if (obj->u.obj.n)
			memcpy(nm, obj->u.obj.members, sizeof(ArkaMember) * obj->u.obj.n);
		m = &nm[obj->u.obj.n];
		m->key = seg->key;
		m->keylen = seg->len;
		m->val = arka_null();
		obj->u.obj.members = nm;
		obj->u.obj.n++;
	}
	if (from + 1 == path->nseg)
	{
		m->val = *value;
		return true;
	}
	return arka_value_set_path(arena, &m->val, path, from + 1, value);
}
