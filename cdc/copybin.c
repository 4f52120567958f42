/*-------------------------------------------------------------------------
 *
 * copybin.c
 *	  COPY binary format encoding (copybin.h).
 *
 *-------------------------------------------------------------------------
 */
#include <string.h>

#include "copybin.h"

/* Store v big-endian in n bytes at p. */
static inline void
put_be(char *p, uint64_t v, int n)
{
	for (int i = n - 1; i >= 0; i--)
	{
		p[i] = (char) (v & 0xFF);
		v >>= 8;
	}
}

/*
 * Append a field: its length word and its bytes.  The caller has made
 * sure len fits a field (an int32 length); a longer value would be
 * refused by the server anyway (1 GB per field).
 */
static void
put_field(ArkaBuf *b, const char *prefix, size_t prefix_len, const char *s, size_t len)
{
	char	   *p;

	if (len + prefix_len > INT32_MAX)
	{
		b->oom = true;			/* cannot be sent: fail the row like a failed allocation */
		return;
	}
	p = arka_buf_reserve(b, 4 + prefix_len + len);
	if (p == NULL)
		return;
	put_be(p, (uint64_t) (len + prefix_len), 4);
	if (prefix_len)
		memcpy(p + 4, prefix, prefix_len);
	if (len)
		memcpy(p + 4 + prefix_len, s, len);
	arka_buf_commit(b, 4 + prefix_len + len);
}

/*
 * The header: the 11-byte signature, no flags (no OIDs), no header
 * extension.  Sent once at the start of each COPY.
 */
void
copybin_header(ArkaBuf *b)
{
	static const char header[COPYBIN_HEADER_LEN] =
		"PGCOPY\n\377\r\n\0" "\0\0\0\0" "\0\0\0\0";

	arka_buf_append(b, header, sizeof(header));
}

/* The trailer: a field count of -1 ends the data. */
void
copybin_trailer(ArkaBuf *b)
{
	arka_buf_append(b, "\377\377", 2);
}

/* A tuple starts with its field count (int16). */
void
copybin_tuple(ArkaBuf *b, int nfields)
{
	char	   *p = arka_buf_reserve(b, 2);

	if (p == NULL)
		return;
	put_be(p, (uint64_t) nfields, 2);
	arka_buf_commit(b, 2);
}

/* SQL NULL is a length of -1 and no bytes. */
void
copybin_null(ArkaBuf *b)
{
	arka_buf_append(b, "\377\377\377\377", 4);
}

/* text_recv takes the bytes as they are (after encoding conversion). */
void
copybin_text(ArkaBuf *b, const char *s, size_t len)
{
	if (s == NULL)
		copybin_null(b);
	else
		put_field(b, NULL, 0, s, len);
}

/*
 * jsonb_recv wants version 1 followed by the JSON text, which it parses
 * exactly as jsonb_in parses the text form.
 */
void
copybin_jsonb(ArkaBuf *b, const char *json, size_t len)
{
	if (json == NULL)
		copybin_null(b);
	else
		put_field(b, "\001", 1, json, len);
}

/* An integer field: its length n, then the n bytes big-endian. */
static void
put_int(ArkaBuf *b, uint64_t v, int n)
{
	char	   *p = arka_buf_reserve(b, 4 + (size_t) n);

	if (p == NULL)
		return;
	put_be(p, (uint64_t) n, 4);
	put_be(p + 4, v, n);
	arka_buf_commit(b, 4 + (size_t) n);
}

/* int4recv: 4 bytes. */
void
copybin_int4(ArkaBuf *b, int32_t v)
{
	put_int(b, (uint64_t) (uint32_t) v, 4);
}

/* int8recv, pg_lsn_recv, timestamptz_recv: 8 bytes. */
void
copybin_int8(ArkaBuf *b, int64_t v)
{
	put_int(b, (uint64_t) v, 8);
}
