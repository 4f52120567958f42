/*-------------------------------------------------------------------------
 *
 * copybin.h
 *	  Encoding rows in COPY's binary format (COPY ... FROM STDIN
 *	  (FORMAT binary)).
 *
 * arka-cdc sends its flags this way so that the server neither splits
 * and de-escapes text lines nor runs the text input functions of
 * pg_lsn, integer, bigint and timestamptz columns: their binary forms are
 * plain big-endian integers.  The format (PostgreSQL's "COPY", "Binary
 * Format"):
 *
 *	 header	  "PGCOPY\n\377\r\n\0", int32 flags 0, int32 extension length 0
 *	 tuple	  int16 field count, then per field int32 length (-1: NULL)
 *			  and that many bytes
 *	 trailer  int16 -1
 *
 * All integers are big-endian.  Field forms used here: text is its bytes
 * (converted from client_encoding like any text the server receives);
 * jsonb is the version byte 1 then the JSON text (jsonb_recv parses it
 * as jsonb_in does); int4, int8 as such; pg_lsn is an int8; timestamptz
 * is an int8 of microseconds since 2000-01-01 00:00:00 UTC (integer
 * datetimes, the only kind since PostgreSQL 10).
 *
 * Every function appends to an ArkaBuf; an allocation failure sets the
 * buffer's oom flag, which callers check once per row.
 *
 *-------------------------------------------------------------------------
 */
#ifndef CDC_COPYBIN_H
#define CDC_COPYBIN_H

#include <stddef.h>
#include <stdint.h>

#include "arka_json.h"

/* Length of the header (signature, flags, extension length). */
#define COPYBIN_HEADER_LEN 19

extern void copybin_header(ArkaBuf *b);
extern void copybin_trailer(ArkaBuf *b);

/* Start a tuple of nfields fields. */
extern void copybin_tuple(ArkaBuf *b, int nfields);

extern void copybin_null(ArkaBuf *b);

/* text, varchar: the bytes of s (NULL for SQL NULL). */
extern void copybin_text(ArkaBuf *b, const char *s, size_t len);

/* jsonb from JSON text (NULL for SQL NULL). */
extern void copybin_jsonb(ArkaBuf *b, const char *json, size_t len);

extern void copybin_int4(ArkaBuf *b, int32_t v);

/* bigint; also pg_lsn and timestamptz, whose binary form is an int8. */
extern void copybin_int8(ArkaBuf *b, int64_t v);

#endif							/* CDC_COPYBIN_H */
