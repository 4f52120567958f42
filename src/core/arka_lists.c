/*-------------------------------------------------------------------------
 *
 * arka_lists.c
 *	  Hash sets of strings backing named value lists (in_list).
 *
 * A rule such as "payee country in fatf_call_for_action" must cost a hash
 * probe, not a scan, and the list must be replaceable without touching
 * rules: lists are loaded into these sets when a ruleset is built.
 *
 *-------------------------------------------------------------------------
 */
#include <string.h>

#include "arka_logic.h"

struct ArkaStrSetSlot
{
	const char *p;				/* NULL = empty slot */
	size_t		len;
	uint32_t	hash;
};

/* FNV-1a: short keys (country codes, names), no adversarial concern here. */
static uint32_t
str_hash(const char *p, size_t len)
{
	uint32_t	h = 2166136261u;

	for (size_t i = 0; i < len; i++)
	{
		h ^= (unsigned char) p[i];
		h *= 16777619u;
	}
	return h;
}

/* Grow to twice the capacity, rehashing into arena memory. */
static bool
strset_grow(ArkaStrSet *s, ArkaArena *arena)
{
	uint32_t	ncap = s->cap ? s->cap * 2 : 16;
	struct ArkaStrSetSlot *ns = arka_arena_alloc(arena, ncap * sizeof(*ns));

	if (ns == NULL)
		return false;
	memset(ns, 0, ncap * sizeof(*ns));
	for (uint32_t i = 0; i < s->cap; i++)
	{
		struct ArkaStrSetSlot *o = &s->slots[i];
		uint32_t	j;

		if (o->p == NULL)
			continue;
		for (j = o->hash & (ncap - 1); ns[j].p != NULL; j = (j + 1) & (ncap - 1))
			;
		ns[j] = *o;
	}
	s->slots = ns;
	s->cap = ncap;
	return true;
}

/* Add a copy of the string (duplicates are ignored); false on OOM. */
bool
arka_strset_add(ArkaStrSet *s, ArkaArena *arena, const char *p, size_t len)
{
	uint32_t	h = str_hash(p, len);
	uint32_t	j;
	char	   *copy;

	if (arka_strset_contains(s, p, len))
		return true;
	if ((s->n + 1) * 2 > s->cap && !strset_grow(s, arena))
		return false;
	copy = arka_arena_strdup(arena, p, len);
	if (copy == NULL)
		return false;
	for (j = h & (s->cap - 1); s->slots[j].p != NULL; j = (j + 1) & (s->cap - 1))
		;
	s->slots[j].p = copy;
	s->slots[j].len = len;
	s->slots[j].hash = h;
	s->n++;
	return true;
}

bool
arka_strset_contains(const ArkaStrSet *s, const char *p, size_t len)
{
	uint32_t	h;

	if (s->n == 0)
		return false;
	h = str_hash(p, len);
	for (uint32_t j = h & (s->cap - 1); s->slots[j].p != NULL; j = (j + 1) & (s->cap - 1))
	{
		const struct ArkaStrSetSlot *e = &s->slots[j];

		if (e->hash == h && e->len == len && memcmp(e->p, p, len) == 0)
			return true;
	}
	return false;
}

/* Index of the list with this name, or -1. */
int
arka_list_find(const ArkaListCatalog *cat, const char *name, size_t len)
{
	for (int i = 0; i < cat->n; i++)
		if (strlen(cat->lists[i].name) == len && memcmp(cat->lists[i].name, name, len) == 0)
			return i;
	return -1;
}
