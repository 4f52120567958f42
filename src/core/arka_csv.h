/*-------------------------------------------------------------------------
 *
 * arka_csv.h
 *	  A strict, bounded CSV record reader over an in-memory buffer.
 *
 * RFC 4180 quoting ("" inside a quoted field is one quote), records ended
 * by CRLF or LF, fields decoded to UTF-8 on the fly.  It knows nothing of
 * any list's semantics (see arka_ofac.h for OFAC's); it only guarantees
 * that what it hands out is well-formed text and that it never reads past
 * the buffer, whatever the bytes.
 *
 * Refused, with the 1-based line and byte offset of the problem:
 *	- a bare CR (not followed by LF), anywhere;
 *	- a NUL or other C0 control byte other than TAB (CR/LF only as line
 *	  ends or inside quotes);
 *	- a quote inside an unquoted field, anything but a separator or line
 *	  end after a closing quote, a quoted field still open at the end;
 *	- a field longer than max_field bytes, a record with more than
 *	  max_fields fields;
 *	- invalid UTF-8 (overlong, surrogate, > U+10FFFF, truncated sequence)
 *	  in UTF-8 mode, or a byte Windows-1252 leaves undefined in WIN1252
 *	  mode;
 *	- an end-of-file SUB byte (0x1A) anywhere but as the very last byte
 *	  of the buffer, right after a line end, when sub_eof allows one; and
 *	  its absence when require_sub_eof asks for it (OFAC's files always
 *	  end with CRLF + 0x1A, so a missing one means a truncated copy);
 *	- with require_line_end, a last record without its line end.
 *
 *-------------------------------------------------------------------------
 */
#ifndef ARKA_CSV_H
#define ARKA_CSV_H

#include <stdbool.h>
#include <stddef.h>

typedef enum ArkaCsvEncoding
{
	ARKA_CSV_UTF8 = 0,			/* bytes must be valid UTF-8, copied as is */
	ARKA_CSV_WIN1252			/* each byte decoded as Windows-1252 */
} ArkaCsvEncoding;

typedef struct ArkaCsvOptions
{
	ArkaCsvEncoding encoding;
	char		separator;		/* ',' unless told */
	size_t		max_field;		/* bytes after decoding; 0 = 1 MiB */
	size_t		max_fields;		/* per record; 0 = 256 */
	bool		sub_eof;		/* allow one 0x1A as the last byte */
	bool		require_sub_eof;	/* ... and insist on it */
	bool		require_line_end;	/* last record must end with LF */
} ArkaCsvOptions;

#define ARKA_CSV_DEFAULT_MAX_FIELD ((size_t) 1024 * 1024)
#define ARKA_CSV_DEFAULT_MAX_FIELDS 256

typedef struct ArkaCsvField
{
	const char *ptr;			/* decoded UTF-8, NUL-terminated */
	size_t		len;
	bool		quoted;			/* was written between quotes */
} ArkaCsvField;

typedef struct ArkaCsvReader
{
	/* input */
	const unsigned char *data;
	size_t		len;
	size_t		pos;
	size_t		line;			/* 1-based line at pos */
	ArkaCsvOptions opts;
	bool		done;

	/* the current record, valid until the next arka_csv_next() */
	ArkaCsvField *fields;
	size_t		nfields;
	size_t		record_line;	/* line the record starts on */
	size_t		record_offset;	/* byte offset of its first byte */

	/* scratch: decoded bytes of the current record */
	char	   *scratch;
	size_t		scratch_len;
	size_t		scratch_cap;
	size_t	   *starts;			/* field start offsets into scratch */
	size_t		fields_cap;

	/* the error, when arka_csv_next() returned ARKA_CSV_ERROR */
	size_t		error_line;
	size_t		error_offset;
	char		error[160];
} ArkaCsvReader;

typedef enum ArkaCsvResult
{
	ARKA_CSV_ERROR = -1,
	ARKA_CSV_END = 0,
	ARKA_CSV_RECORD = 1
} ArkaCsvResult;

/* Start reading [data, data+len); opts may be NULL for the defaults. */
extern void arka_csv_init(ArkaCsvReader *r, const char *data, size_t len,
						  const ArkaCsvOptions *opts);

/*
 * Read the next record into r->fields / r->nfields.  ARKA_CSV_END once the
 * input (and its SUB byte, if any) is used up; ARKA_CSV_ERROR with
 * r->error, r->error_line and r->error_offset set, after which the reader
 * stays in error.  An empty line is a record of one empty field.
 */
extern ArkaCsvResult arka_csv_next(ArkaCsvReader *r);

/* Release the reader's scratch memory (the input is the caller's). */
extern void arka_csv_free(ArkaCsvReader *r);

/*
 * Length of the longest prefix of [s, s+len) that is valid UTF-8
 * (RFC 3629: no overlongs, surrogates or code points past U+10FFFF).
 */
extern size_t arka_utf8_valid_prefix(const char *s, size_t len);

#endif							/* ARKA_CSV_H */
