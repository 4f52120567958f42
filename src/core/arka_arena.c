/*-------------------------------------------------------------------------
 *
 * arka_arena.c
 *	  Bump allocator holding every value produced while evaluating.
 *
 * Memory comes from malloc in chunks: the first normal chunk holds 64 KiB,
 * each later one twice the previous, capped at 8 MiB.  A request larger
 * than the next normal chunk gets a dedicated chunk of its own, so a big
 * string does not waste (or force) a huge normal chunk.  Every pointer
 * handed out is 16-byte aligned because values embed __int128.
 *
 * The limit bounds "allocated", the bytes obtained from malloc including
 * chunk headers.  Chunk sizes are clamped to what remains under the limit,
 * so a small limit still works for small documents.  Exceeding the limit
 * or a failing malloc makes arka_arena_alloc return NULL; nothing here
 * ever aborts.
 *
 *-------------------------------------------------------------------------
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "arka_value.h"

#define ARENA_ALIGN			((size_t) 16)
#define ARENA_FIRST_CHUNK	((size_t) 64 * 1024)
#define ARENA_MAX_CHUNK		((size_t) 8 * 1024 * 1024)

struct ArkaArenaChunk
{
	ArkaArenaChunk *next;		/* older chunk */
	size_t		size;			/* usable bytes after the header */
	bool		dedicated;		/* holds one oversized request */
};

/* Header size rounded up so the data area keeps malloc's alignment. */
#define CHUNK_HDR	((sizeof(ArkaArenaChunk) + ARENA_ALIGN - 1) & ~(ARENA_ALIGN - 1))

static inline size_t
arena_limit(const ArkaArena *a)
{
	return a->limit == 0 ? ARKA_ARENA_DEFAULT_LIMIT : a->limit;
}

static inline char *
chunk_data(ArkaArenaChunk *c)
{
	return (char *) c + CHUNK_HDR;
}

/*
 * Round a pointer up to the arena alignment.  malloc already returns
 * 16-byte aligned memory on the platforms we target, but aligning here
 * keeps the guarantee independent of the C library.
 */
static inline char *
align_ptr(char *p)
{
	uintptr_t	u = (uintptr_t) p;

	u = (u + ARENA_ALIGN - 1) & ~(uintptr_t) (ARENA_ALIGN - 1);
	return (char *) u;
}

/*
 * Set up an empty arena.  No memory is obtained until the first
 * allocation, so initialisation cannot fail.
 */
void
arka_arena_init(ArkaArena *a, size_t limit)
{
	a->cur = NULL;
	a->end = NULL;
	a->chunks = NULL;
	a->allocated = 0;
	a->limit = limit;
}

/*
 * Obtain a chunk with at least "need" usable bytes (plus alignment slack)
 * from malloc, charging it to the limit.  "want" is the preferred usable
 * size; it is clamped to the room left under the limit.  Returns NULL on
 * limit or malloc failure, leaving the arena unchanged.
 */
static ArkaArenaChunk *
arena_new_chunk(ArkaArena *a, size_t need, size_t want, bool dedicated)
{
	size_t		limit = arena_limit(a);
	size_t		room;
	size_t		total;
	ArkaArenaChunk *c;

	/* need + slack + header must not wrap (need is already bounded). */
	if (need > SIZE_MAX - ARENA_ALIGN - CHUNK_HDR)
		return NULL;
	need += ARENA_ALIGN;
	if (want < need)
		want = need;

	if (a->allocated >= limit)
		return NULL;
	room = limit - a->allocated;
	if (room < CHUNK_HDR + need)
		return NULL;
	if (want > room - CHUNK_HDR)
		want = room - CHUNK_HDR;

	total = CHUNK_HDR + want;
	c = (ArkaArenaChunk *) malloc(total);
	if (c == NULL)
		return NULL;
	c->size = want;
	c->dedicated = dedicated;
	a->allocated += total;
	return c;
}

/*
 * Size of the next normal chunk: double the newest normal chunk, starting
 * at 64 KiB and capped at 8 MiB.  Dedicated chunks do not count.
 */
static size_t
arena_next_size(const ArkaArena *a)
{
	const ArkaArenaChunk *c;

	for (c = a->chunks; c != NULL; c = c->next)
	{
		if (!c->dedicated)
		{
			if (c->size >= ARENA_MAX_CHUNK / 2)
				return ARENA_MAX_CHUNK;
			return c->size < ARENA_FIRST_CHUNK / 2 ?
				ARENA_FIRST_CHUNK : c->size * 2;
		}
	}
	return ARENA_FIRST_CHUNK;
}

/*
 * arka_arena_alloc's general case (arka_value.h has the inline bump): a
 * zero-byte or large request, a misaligned position, or a new chunk.  A
 * zero-byte request still gets a distinct valid pointer so that NULL
 * always means failure.  Returns NULL past the limit, on malloc failure or
 * when size is absurd.
 */
void *
arka_arena_alloc_slow(ArkaArena *a, size_t size)
{
	char	   *p;
	size_t		next;
	ArkaArenaChunk *c;

	if (size > SIZE_MAX - ARENA_ALIGN)
		return NULL;
	size = size == 0 ? ARENA_ALIGN : (size + ARENA_ALIGN - 1) & ~(ARENA_ALIGN - 1);

	/* Fast path: fits in the current chunk. */
	if (a->cur != NULL)
	{
		size_t		pad = (size_t) (-(uintptr_t) a->cur & (ARENA_ALIGN - 1));
		size_t		avail = (size_t) (a->end - a->cur);

		if (avail >= pad && avail - pad >= size)
		{
			p = a->cur + pad;
			a->cur = p + size;
			return p;
		}
	}

	next = arena_next_size(a);
	if (size > next)
	{
		/*
		 * Oversized request: a chunk of its own, linked at the head to
		 * keep the list in age order.  cur/end are left alone and keep
		 * serving small requests from the current normal chunk.
		 */
		c = arena_new_chunk(a, size, size, true);
		if (c == NULL)
			return NULL;
		c->next = a->chunks;
		a->chunks = c;
		return align_ptr(chunk_data(c));
	}

	c = arena_new_chunk(a, size, next, false);
	if (c == NULL)
		return NULL;
	c->next = a->chunks;
	a->chunks = c;
	p = align_ptr(chunk_data(c));
	a->cur = p + size;
	a->end = chunk_data(c) + c->size;
	return p;
}

/*
 * Forget every allocation but keep the oldest chunk, so that a loop of
 * reset + evaluate settles into doing no malloc at all.  The kept chunk
 * becomes the current one even if it was a dedicated chunk.
 */
void
arka_arena_reset(ArkaArena *a)
{
	ArkaArenaChunk *c = a->chunks;
	ArkaArenaChunk *next;

	if (c == NULL)
		return;
	while (c->next != NULL)
	{
		next = c->next;
		free(c);
		c = next;
	}
	c->dedicated = false;
	a->chunks = c;
	a->allocated = CHUNK_HDR + c->size;
	a->cur = chunk_data(c);
	a->end = chunk_data(c) + c->size;
}

/*
 * Return every chunk to malloc.  The arena may be used again afterwards,
 * keeping its limit.
 */
void
arka_arena_free(ArkaArena *a)
{
	ArkaArenaChunk *c = a->chunks;
	ArkaArenaChunk *next;

	while (c != NULL)
	{
		next = c->next;
		free(c);
		c = next;
	}
	a->chunks = NULL;
	a->cur = NULL;
	a->end = NULL;
	a->allocated = 0;
}

/*
 * Copy len bytes into the arena and NUL-terminate them, so the copy can
 * outlive the source and also be handed to C string functions.
 */
char *
arka_arena_strdup(ArkaArena *a, const char *s, size_t len)
{
	char	   *p;

	if (len == SIZE_MAX)
		return NULL;
	p = (char *) arka_arena_alloc(a, len + 1);
	if (p == NULL)
		return NULL;
	if (len > 0)
		memcpy(p, s, len);
	p[len] = '\0';
	return p;
}
