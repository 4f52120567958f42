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

struct ArkaStrMaskSlot
{
	const char *p;				/* NULL = empty slot; points into a set's copy */
	size_t		len;
	uint32_t	hash;
	uint64_t	mask;
};

/* Grow a mask map to twice its capacity (arena memory). */
static bool
strmask_grow(ArkaStrMask *m, ArkaArena *arena)
{
	uint32_t	ncap = m->cap ? m->cap * 2 : 16;
	struct ArkaStrMaskSlot *ns = arka_arena_alloc(arena, ncap * sizeof(*ns));

	if (ns == NULL)
		return false;
	memset(ns, 0, ncap * sizeof(*ns));
	for (uint32_t i = 0; i < m->cap; i++)
	{
		struct ArkaStrMaskSlot *o = &m->slots[i];
		uint32_t	j;

		if (o->p == NULL)
			continue;
		for (j = o->hash & (ncap - 1); ns[j].p != NULL; j = (j + 1) & (ncap - 1))
			;
		ns[j] = *o;
	}
	m->slots = ns;
	m->cap = ncap;
	return true;
}

/*
 * Add every string of a list's set with this bit.  A field tested against
 * several lists (a country against three sanctions lists) then costs one
 * probe instead of one per list.  The strings are not copied: the map
 * lives no longer than the ruleset that owns the sets.  False on OOM.
 */
bool
arka_strmask_add_set(ArkaStrMask *m, ArkaArena *arena, const ArkaStrSet *set, uint64_t bit)
{
	for (uint32_t i = 0; i < set->cap; i++)
	{
		const struct ArkaStrSetSlot *e = &set->slots[i];
		uint32_t	j;

		if (e->p == NULL)
			continue;
		/* room first, so the probe below always ends at a match or a hole */
		if ((m->n + 1) * 2 > m->cap && !strmask_grow(m, arena))
			return false;
		for (j = e->hash & (m->cap - 1); m->slots[j].p != NULL; j = (j + 1) & (m->cap - 1))
		{
			const struct ArkaStrMaskSlot *o = &m->slots[j];

			if (o->hash == e->hash && o->len == e->len && memcmp(o->p, e->p, e->len) == 0)
				break;
		}
		if (m->slots[j].p == NULL)
		{
			m->slots[j].p = e->p;
			m->slots[j].len = e->len;
			m->slots[j].hash = e->hash;
			m->n++;
		}
		m->slots[j].mask |= bit;
	}
	return true;
}

/* The mask of the lists holding this string (0: none). */
uint64_t
arka_strmask_get(const ArkaStrMask *m, const char *p, size_t len)
{
	uint32_t	h;

	if (m->n == 0)
		return 0;
	h = str_hash(p, len);
	for (uint32_t j = h & (m->cap - 1); m->slots[j].p != NULL; j = (j + 1) & (m->cap - 1))
	{
		const struct ArkaStrMaskSlot *e = &m->slots[j];

		if (e->hash == h && e->len == len && memcmp(e->p, p, len) == 0)
			return e->mask;
	}
	return 0;
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
