/*-------------------------------------------------------------------------
 *
 * arka_csv.c
 *	  A strict, bounded CSV record reader over an in-memory buffer.
 *
 * One pass, byte by byte, never past data+len.  Each record's fields are
 * decoded into one scratch buffer (NUL after each field), so callers get
 * UTF-8 text whatever the source encoding.  See arka_csv.h for what is
 * refused.
 *
 *-------------------------------------------------------------------------
 */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arka_csv.h"

/*
 * Windows-1252 0x80..0x9F; 0 marks the five bytes the code page leaves
 * undefined.  0xA0..0xFF are U+00A0..U+00FF.
 */
static const uint16_t cp1252_high[32] = {
	0x20AC, 0, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021,
	0x02C6, 0x2030, 0x0160, 0x2039, 0x0152, 0, 0x017D, 0,
	0, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014,
	0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0, 0x017E, 0x0178
};

/* Length of the valid UTF-8 sequence at s (0 if invalid or cut short). */
static size_t
utf8_seq_len(const unsigned char *s, size_t avail)
{
	unsigned char c = s[0];

	if (c < 0x80)
		return 1;
	if (c >= 0xC2 && c <= 0xDF)
	{
		if (avail >= 2 && (s[1] & 0xC0) == 0x80)
			return 2;
		return 0;
	}
	if (c >= 0xE0 && c <= 0xEF)
	{
		if (avail < 3 || (s[1] & 0xC0) != 0x80 || (s[2] & 0xC0) != 0x80)
			return 0;
		if (c == 0xE0 && s[1] < 0xA0)
			return 0;			/* overlong */
		if (c == 0xED && s[1] >= 0xA0)
			return 0;			/* UTF-16 surrogate */
		return 3;
	}
	if (c >= 0xF0 && c <= 0xF4)
	{
		if (avail < 4 || (s[1] & 0xC0) != 0x80 || (s[2] & 0xC0) != 0x80 ||
			(s[3] & 0xC0) != 0x80)
			return 0;
		if (c == 0xF0 && s[1] < 0x90)
			return 0;			/* overlong */
		if (c == 0xF4 && s[1] >= 0x90)
			return 0;			/* past U+10FFFF */
		return 4;
	}
	return 0;					/* 0x80..0xC1, 0xF5..0xFF */
}

size_t
arka_utf8_valid_prefix(const char *s, size_t len)
{
	const unsigned char *u = (const unsigned char *) s;
	size_t		i = 0;

	while (i < len)
	{
		size_t		n;

		if (u[i] < 0x80)
		{
			i++;
			continue;
		}
		n = utf8_seq_len(u + i, len - i);
		if (n == 0)
			break;
		i += n;
	}
	return i;
}

void
arka_csv_init(ArkaCsvReader *r, const char *data, size_t len,
			  const ArkaCsvOptions *opts)
{
	memset(r, 0, sizeof(*r));
	r->data = (const unsigned char *) data;
	r->len = data != NULL ? len : 0;
	r->line = 1;
	if (opts != NULL)
		r->opts = *opts;
	if (r->opts.separator == 0)
		r->opts.separator = ',';
	if (r->opts.max_field == 0)
		r->opts.max_field = ARKA_CSV_DEFAULT_MAX_FIELD;
	if (r->opts.max_fields == 0)
		r->opts.max_fields = ARKA_CSV_DEFAULT_MAX_FIELDS;
	if (r->opts.require_sub_eof)
		r->opts.sub_eof = true;
}

void
arka_csv_free(ArkaCsvReader *r)
{
	free(r->scratch);
	free(r->fields);
	free(r->starts);
	r->scratch = NULL;
	r->fields = NULL;
	r->starts = NULL;
	r->scratch_cap = r->fields_cap = 0;
}

static ArkaCsvResult csv_fail(ArkaCsvReader *r, const char *fmt,...)
			__attribute__((format(printf, 2, 3)));

/* Record an error at the current position; always returns ARKA_CSV_ERROR. */
static ArkaCsvResult
csv_fail(ArkaCsvReader *r, const char *fmt,...)
{
	va_list		ap;

	va_start(ap, fmt);
	vsnprintf(r->error, sizeof(r->error), fmt, ap);
	va_end(ap);
	r->error_line = r->line;
	r->error_offset = r->pos;
	r->done = true;
	r->nfields = 0;
	return ARKA_CSV_ERROR;
}

/* Make room for n more scratch bytes (plus a NUL). */
static bool
scratch_reserve(ArkaCsvReader *r, size_t n)
{
	size_t		need;
	size_t		cap;
	char	   *p;

	if (r->scratch_len + n + 1 <= r->scratch_cap)
		return true;
	need = r->scratch_len + n + 1;
	cap = r->scratch_cap ? r->scratch_cap : 1024;
	while (cap < need)
		cap *= 2;
	p = realloc(r->scratch, cap);
	if (p == NULL)
		return false;
	r->scratch = p;
	r->scratch_cap = cap;
	return true;
}

/* Open a new field at the current scratch position. */
static bool
field_open(ArkaCsvReader *r)
{
	if (r->nfields >= r->opts.max_fields)
		return false;
	if (r->nfields >= r->fields_cap)
	{
		size_t		cap = r->fields_cap ? r->fields_cap * 2 : 16;
		size_t	   *s;
		ArkaCsvField *f;

		if (cap > r->opts.max_fields)
			cap = r->opts.max_fields;
		s = realloc(r->starts, cap * sizeof(size_t));
		if (s == NULL)
			return false;
		r->starts = s;
		f = realloc(r->fields, cap * sizeof(ArkaCsvField));
		if (f == NULL)
			return false;
		r->fields = f;
		r->fields_cap = cap;
	}
	r->starts[r->nfields] = r->scratch_len;
	r->fields[r->nfields].quoted = false;
	r->nfields++;
	return true;
}

/* NUL-terminate the open field. */
static bool
field_close(ArkaCsvReader *r)
{
	if (!scratch_reserve(r, 1))
		return false;
	r->scratch[r->scratch_len++] = '\0';
	return true;
}

/*
 * Copy the content byte at pos (and, for UTF-8, the rest of its sequence)
 * into the open field, decoding as configured.  Returns false after
 * recording an error.
 */
static bool
field_byte(ArkaCsvReader *r)
{
	const unsigned char *p = r->data + r->pos;
	unsigned char c = *p;
	size_t		field_len = r->scratch_len - r->starts[r->nfields - 1];
	size_t		in_len = 1;
	size_t		out_len;
	unsigned char out[4];

	if (c < 0x20 && c != '\t' && c != '\n' && c != '\r')
	{
		if (c == 0)
			csv_fail(r, "NUL byte in field %zu", r->nfields);
		else if (c == 0x1A)
			csv_fail(r, "stray 0x1A (SUB) byte in field %zu: it may only be the last byte of the file",
					 r->nfields);
		else
			csv_fail(r, "control byte 0x%02X in field %zu", c, r->nfields);
		return false;
	}
	if (c < 0x80)
	{
		out[0] = c;
		out_len = 1;
	}
	else if (r->opts.encoding == ARKA_CSV_WIN1252)
	{
		unsigned	cp = c >= 0xA0 ? c : cp1252_high[c - 0x80];

		if (cp == 0)
		{
			csv_fail(r, "byte 0x%02X is undefined in Windows-1252 (field %zu)", c, r->nfields);
			return false;
		}
		if (cp < 0x800)
		{
			out[0] = (unsigned char) (0xC0 | (cp >> 6));
			out[1] = (unsigned char) (0x80 | (cp & 0x3F));
			out_len = 2;
		}
		else
		{
			out[0] = (unsigned char) (0xE0 | (cp >> 12));
			out[1] = (unsigned char) (0x80 | ((cp >> 6) & 0x3F));
			out[2] = (unsigned char) (0x80 | (cp & 0x3F));
			out_len = 3;
		}
	}
	else
	{
		in_len = utf8_seq_len(p, r->len - r->pos);
		if (in_len == 0)
		{
			csv_fail(r, "invalid UTF-8 byte 0x%02X in field %zu (the file is not UTF-8: convert it, or read it as Windows-1252)",
					 c, r->nfields);
			return false;
		}
		memcpy(out, p, in_len);
		out_len = in_len;
	}
	if (field_len + out_len > r->opts.max_field)
	{
		csv_fail(r, "field %zu is longer than %zu bytes", r->nfields, r->opts.max_field);
		return false;
	}
	if (!scratch_reserve(r, out_len))
	{
		csv_fail(r, "out of memory");
		return false;
	}
	memcpy(r->scratch + r->scratch_len, out, out_len);
	r->scratch_len += out_len;
	r->pos += in_len;
	return true;
}

/*
 * Copy a run of plain bytes (printable ASCII that ends nothing) in one go:
 * the common case, and what keeps a 4 MB file at memcpy speed.
 */
static bool
field_run(ArkaCsvReader *r, bool quoted)
{
	size_t		start = r->pos;
	size_t		end = start;
	size_t		field_len = r->scratch_len - r->starts[r->nfields - 1];
	size_t		n;

	while (end < r->len)
	{
		unsigned char c = r->data[end];

		if (c < 0x20 || c >= 0x7F || c == '"' || (!quoted && c == (unsigned char) r->opts.separator))
			break;
		end++;
	}
	n = end - start;
	if (n == 0)
		return true;
	if (field_len + n > r->opts.max_field)
	{
		r->pos = start + (r->opts.max_field - field_len);
		csv_fail(r, "field %zu is longer than %zu bytes", r->nfields, r->opts.max_field);
		return false;
	}
	if (!scratch_reserve(r, n))
	{
		csv_fail(r, "out of memory");
		return false;
	}
	memcpy(r->scratch + r->scratch_len, r->data + start, n);
	r->scratch_len += n;
	r->pos = end;
	return true;
}

/* Finish the record: point the fields into scratch. */
static ArkaCsvResult
record_done(ArkaCsvReader *r)
{
	size_t		i;

	if (!field_close(r))
		return csv_fail(r, "out of memory");
	for (i = 0; i < r->nfields; i++)
	{
		size_t		end = i + 1 < r->nfields ? r->starts[i + 1] : r->scratch_len;

		r->fields[i].ptr = r->scratch + r->starts[i];
		r->fields[i].len = end - r->starts[i] - 1;	/* minus the NUL */
	}
	return ARKA_CSV_RECORD;
}

/* The record ran into the end of the input without a line end. */
static ArkaCsvResult
record_at_eof(ArkaCsvReader *r)
{
	if (r->opts.require_sub_eof || r->opts.require_line_end)
		return csv_fail(r, "the last line has no line end (truncated file?)");
	r->done = true;
	return record_done(r);
}

ArkaCsvResult
arka_csv_next(ArkaCsvReader *r)
{
	const char	sep = r->opts.separator;

	if (r->done)
		return r->error[0] ? ARKA_CSV_ERROR : ARKA_CSV_END;
	r->nfields = 0;
	r->scratch_len = 0;

	/* End of input, or the end-of-file byte. */
	if (r->pos >= r->len)
	{
		if (r->opts.require_sub_eof)
		{
			if (r->len == 0)
			{
				csv_fail(r, "the file is empty");
				r->error_line = 0;	/* about the file, not a line */
				return ARKA_CSV_ERROR;
			}
			return csv_fail(r, "the file does not end with the 0x1A end-of-file byte (truncated file?)");
		}
		r->done = true;
		return ARKA_CSV_END;
	}
	if (r->data[r->pos] == 0x1A && r->opts.sub_eof)
	{
		if (r->pos + 1 != r->len)
		{
			r->pos++;
			return csv_fail(r, "data after the 0x1A end-of-file byte");
		}
		r->pos++;
		r->done = true;
		return ARKA_CSV_END;
	}

	r->record_line = r->line;
	r->record_offset = r->pos;
	for (;;)
	{
		/* one field */
		if (!field_open(r))
		{
			if (r->nfields >= r->opts.max_fields)
				return csv_fail(r, "more than %zu fields in one record", r->opts.max_fields);
			return csv_fail(r, "out of memory");
		}
		if (r->pos < r->len && r->data[r->pos] == '"')
		{
			size_t		open_line = r->line;

			r->fields[r->nfields - 1].quoted = true;
			r->pos++;
			for (;;)
			{
				unsigned char c;

				if (!field_run(r, true))
					return ARKA_CSV_ERROR;
				if (r->pos >= r->len)
					return csv_fail(r, "quoted field %zu opened on line %zu is not closed",
									r->nfields, open_line);
				c = r->data[r->pos];
				if (c == '"')
				{
					if (r->pos + 1 < r->len && r->data[r->pos + 1] == '"')
					{
						r->pos++;	/* "" is one quote: copy the second */
						if (!field_byte(r))
							return ARKA_CSV_ERROR;
						continue;
					}
					r->pos++;
					break;
				}
				if (c == '\r' && (r->pos + 1 >= r->len || r->data[r->pos + 1] != '\n'))
					return csv_fail(r, "CR not followed by LF");
				if (c == '\n')
					r->line++;
				if (!field_byte(r))
					return ARKA_CSV_ERROR;
			}
			/* after the closing quote */
			if (r->pos >= r->len)
				return record_at_eof(r);
			if (r->data[r->pos] == (unsigned char) sep)
			{
				r->pos++;
				if (!field_close(r))
					return csv_fail(r, "out of memory");
				continue;
			}
			if (r->data[r->pos] != '\r' && r->data[r->pos] != '\n')
				return csv_fail(r, "unexpected character after the closing quote of field %zu",
								r->nfields);
		}
		else
		{
			for (;;)
			{
				unsigned char c;

				if (!field_run(r, false))
					return ARKA_CSV_ERROR;
				if (r->pos >= r->len)
					return record_at_eof(r);
				c = r->data[r->pos];
				if (c == (unsigned char) sep || c == '\r' || c == '\n')
					break;
				if (c == '"')
					return csv_fail(r, "quote character inside unquoted field %zu", r->nfields);
				if (!field_byte(r))
					return ARKA_CSV_ERROR;
			}
			if (r->data[r->pos] == (unsigned char) sep)
			{
				r->pos++;
				if (!field_close(r))
					return csv_fail(r, "out of memory");
				continue;
			}
		}
		/* line end: LF or CRLF */
		if (r->data[r->pos] == '\r')
		{
			if (r->pos + 1 >= r->len || r->data[r->pos + 1] != '\n')
				return csv_fail(r, "CR not followed by LF");
			r->pos++;
		}
		r->pos++;				/* the LF */
		r->line++;
		return record_done(r);
	}
}
