/*-------------------------------------------------------------------------
 *
 * arka_canon.c
 *	  Canonical encoding of in-memory values (see arka_canon.h).
 *
 *-------------------------------------------------------------------------
 */
#include <stdlib.h>
#include <string.h>

#include "arka_canon.h"

int
arka_canon_key_cmp(const char *a, size_t alen, const char *b, size_t blen)
{
	int			c;

	if (alen != blen)
		return alen < blen ? -1 : 1;
	c = memcmp(a, b, alen);
	return c;
}

static int
member_cmp(const void *x, const void *y)
{
	const ArkaMember *a = *(const ArkaMember *const *) x;
	const ArkaMember *b = *(const ArkaMember *const *) y;

	return arka_canon_key_cmp(a->key, a->keylen, b->key, b->keylen);
}

/* Encode an in-memory value; object members sorted into canonical order. */
bool
arka_canon_value(ArkaBuf *b, const ArkaValue *v)
{
	switch (v->type)
	{
		case ARKA_NULL:
			arka_canon_null(b);
			return true;
		case ARKA_BOOL:
			arka_canon_bool(b, v->u.b);
			return true;
		case ARKA_NUM:
			arka_canon_num(b, &v->u.num);
			return true;
		case ARKA_STR:
			arka_canon_str(b, v->u.str.ptr, v->u.str.len);
			return true;
		case ARKA_ARR:
			arka_canon_array_begin(b, v->u.arr.n);
			for (size_t i = 0; i < v->u.arr.n; i++)
				if (!arka_canon_value(b, &v->u.arr.items[i]))
					return false;
			arka_canon_array_end(b);
			return true;
		case ARKA_OBJ:
			{
				const ArkaMember **order;

				arka_canon_object_begin(b, v->u.obj.n);
				if (v->u.obj.n == 0)
				{
					arka_canon_object_end(b);
					return true;
				}
				order = malloc(v->u.obj.n * sizeof(*order));
				if (order == NULL)
					return false;
				for (size_t i = 0; i < v->u.obj.n; i++)
					order[i] = &v->u.obj.members[i];
				qsort(order, v->u.obj.n, sizeof(*order), member_cmp);
				for (size_t i = 0; i < v->u.obj.n; i++)
				{
					arka_canon_str(b, order[i]->key, order[i]->keylen);
					if (!arka_canon_value(b, &order[i]->val))
					{
						free(order);
						return false;
					}
				}
				free(order);
				arka_canon_object_end(b);
				return true;
			}
	}
	return true;
}

