/*-------------------------------------------------------------------------
 *
 * arka_value.h
 *	  JSON-like values and the per-evaluation arena of the engine core.
 *
 * Values are small tagged structs.  Strings point at UTF-8 bytes that are
 * not NUL-terminated (they often point straight into a jsonb datum or a
 * rule literal); arrays and objects own contiguous item arrays.  Every
 * value produced while evaluating lives in an ArkaArena that is reset
 * between documents, so evaluation never frees individual values.
 *
 *-------------------------------------------------------------------------
 */
#ifndef ARKA_VALUE_H
#define ARKA_VALUE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "arka_decimal.h"

typedef enum ArkaType
{
	ARKA_NULL = 0,
	ARKA_BOOL,
	ARKA_NUM,
	ARKA_STR,
	ARKA_ARR,
	ARKA_OBJ
} ArkaType;

typedef struct ArkaValue ArkaValue;
typedef struct ArkaMember ArkaMember;

struct ArkaValue
{
	ArkaType	type;
	union
	{
		bool		b;
		ArkaDec		num;
		struct
		{
			const char *ptr;
			size_t		len;
		}			str;
		struct
		{
			ArkaValue  *items;
			size_t		n;
		}			arr;
		struct
		{
			ArkaMember *members;	/* in source order, keys unique */
			size_t		n;
		}			obj;
	}			u;
};

struct ArkaMember
{
	const char *key;
	size_t		keylen;
	ArkaValue	val;
};

/* Convenience constructors (no allocation). */
static inline ArkaValue
arka_null(void)
{
	ArkaValue	v;

	v.type = ARKA_NULL;
	return v;
}

static inline ArkaValue
arka_bool(bool b)
{
	ArkaValue	v;

	v.type = ARKA_BOOL;
	v.u.b = b;
	return v;
}

static inline ArkaValue
arka_num(ArkaDec d)
{
	ArkaValue	v;

	v.type = ARKA_NUM;
	v.u.num = d;
	return v;
}

static inline ArkaValue
arka_str(const char *p, size_t len)
{
	ArkaValue	v;

	v.type = ARKA_STR;
	v.u.str.ptr = p;
	v.u.str.len = len;
	return v;
}

/*
 * Bump allocator.  Chunks come from malloc; arka_arena_reset keeps the
 * first chunk so steady-state evaluation does no malloc at all.  A limit
 * bounds what hostile rules (merge/cat in a reduce) can allocate: past it
 * arka_arena_alloc returns NULL and the caller reports ARKA_ERR_LIMIT.
 */
typedef struct ArkaArenaChunk ArkaArenaChunk;

typedef struct ArkaArena
{
	char	   *cur;
	char	   *end;
	ArkaArenaChunk *chunks;		/* newest first */
	size_t		allocated;		/* bytes obtained from malloc */
	size_t		limit;			/* 0 = ARKA_ARENA_DEFAULT_LIMIT */
} ArkaArena;

#define ARKA_ARENA_DEFAULT_LIMIT ((size_t) 256 * 1024 * 1024)

extern void arka_arena_init(ArkaArena *a, size_t limit);
extern void *arka_arena_alloc_slow(ArkaArena *a, size_t size);

/*
 * Allocate size bytes, 16-byte aligned; NULL past the limit or on malloc
 * failure.  Inline because a trigger's row allocates a few small blocks:
 * the common case is a pointer bump in the current chunk, whose position
 * stays 16-byte aligned (every size is rounded up to 16).
 */
static inline void *
arka_arena_alloc(ArkaArena *a, size_t size)
{
	if (a->cur != NULL && size - 1 < (size_t) 4096 &&
		(((uintptr_t) a->cur) & 15) == 0 &&
		(size_t) (a->end - a->cur) >= ((size + 15) & ~(size_t) 15))
	{
		void	   *p = a->cur;

		a->cur += (size + 15) & ~(size_t) 15;
		return p;
	}
	return arka_arena_alloc_slow(a, size);
}
extern void arka_arena_reset(ArkaArena *a);
extern void arka_arena_free(ArkaArena *a);
extern char *arka_arena_strdup(ArkaArena *a, const char *s, size_t len);

#endif							/* ARKA_VALUE_H */
