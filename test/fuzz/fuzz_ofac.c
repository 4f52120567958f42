/*-------------------------------------------------------------------------
 *
 * fuzz_ofac.c
 *	  libFuzzer target: the CSV reader, the OFAC parser and the Remarks
 *	  grammar.
 *
 * Input layout: byte 0 picks the options (bit 0-1 encoding, bit 2
 * allow_missing_eof, bit 3 a small max_field); the rest is split on the
 * marker "@@@\n" into sdn, alt, add and comments (missing parts are "not
 * given").  Whatever the bytes:
 *	- the parse succeeds or fails cleanly, never reading out of bounds;
 *	- on failure the caller's buffer is untouched and the message names a
 *	  file;
 *	- on success the output is JSON: an array of stats.entries objects of
 *	  exactly nine members;
 *	- the CSV reader alone hands out only valid UTF-8 fields;
 *	- the Remarks scanner reports only pieces of its input.
 *
 *-------------------------------------------------------------------------
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "arka_csv.h"
#include "arka_json.h"
#include "arka_ofac.h"

int			LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MARK "@@@\n"

typedef struct ScanCtx
{
	const char *lo;
	const char *hi;
} ScanCtx;

static void
scan_check(void *ctx, ArkaOfacItem kind, const char *type, size_t tl,
		   const char *v, size_t vl)
{
	ScanCtx    *c = ctx;

	if (v < c->lo || v + vl > c->hi || vl == 0)
		abort();				/* a value must be a non-empty piece of the input */
	if (kind == ARKA_OFAC_IDENTIFIER && (type == NULL || tl == 0))
		abort();
	if (kind != ARKA_OFAC_IDENTIFIER && type != NULL)
		abort();
}

static void
check_csv(const char *p, size_t n, uint8_t flags)
{
	ArkaCsvReader r;
	ArkaCsvOptions o;
	int			records = 0;

	memset(&o, 0, sizeof(o));
	o.encoding = (flags & 1) ? ARKA_CSV_WIN1252 : ARKA_CSV_UTF8;
	o.sub_eof = (flags & 2) != 0;
	o.require_sub_eof = (flags & 4) != 0;
	o.require_line_end = (flags & 16) != 0;
	o.max_field = (flags & 8) ? 7 : 0;
	o.max_fields = (flags & 8) ? 3 : 0;
	o.separator = (flags & 32) ? ';' : ',';
	arka_csv_init(&r, p, n, &o);
	for (;;)
	{
		ArkaCsvResult res = arka_csv_next(&r);
		size_t		i;

		if (res == ARKA_CSV_ERROR)
		{
			if (r.error[0] == '\0' || r.error_offset > n)
				abort();
			if (arka_csv_next(&r) != ARKA_CSV_ERROR)
				abort();		/* errors are sticky */
			break;
		}
		if (res == ARKA_CSV_END)
			break;
		if (r.nfields == 0 || ++records > (int) n + 1)
			abort();
		for (i = 0; i < r.nfields; i++)
		{
			if (arka_utf8_valid_prefix(r.fields[i].ptr, r.fields[i].len) != r.fields[i].len ||
				r.fields[i].ptr[r.fields[i].len] != '\0' ||
				memchr(r.fields[i].ptr, '\0', r.fields[i].len) != NULL)
				abort();
			if (o.max_field && r.fields[i].len > o.max_field)
				abort();
		}
	}
	arka_csv_free(&r);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *p;
	size_t		n;
	const char *part[4] = {NULL, NULL, NULL, NULL};
	size_t		plen[4] = {0, 0, 0, 0};
	int			np = 0;
	uint8_t		flags;
	ArkaOfacInput in;
	ArkaOfacOptions opts;
	ArkaOfacStats st;
	ArkaOfacError err;
	ArkaBuf		out;
	ScanCtx		sc;

	if (size < 1)
		return 0;
	flags = data[0];
	p = (const char *) data + 1;
	n = size - 1;

	/* the pieces on their own */
	check_csv(p, n, flags);
	sc.lo = p;
	sc.hi = p + n;
	arka_ofac_scan_remarks(p, n, (flags & 64) != 0, scan_check, &sc);

	/* split into files */
	while (np < 4)
	{
		const char *m = NULL;
		size_t		i;

		for (i = 0; i + 4 <= n; i++)
			if (memcmp(p + i, MARK, 4) == 0)
			{
				m = p + i;
				break;
			}
		part[np] = p;
		plen[np] = m ? (size_t) (m - p) : n;
		np++;
		if (m == NULL)
			break;
		n -= (size_t) (m - p) + 4;
		p = m + 4;
	}

	memset(&in, 0, sizeof(in));
	in.sdn.data = part[0];
	in.sdn.len = plen[0];
	in.alt.data = part[1];
	in.alt.len = plen[1];
	in.add.data = part[2];
	in.add.len = plen[2];
	in.comments.data = part[3];
	in.comments.len = plen[3];
	memset(&opts, 0, sizeof(opts));
	opts.encoding = (ArkaOfacEncoding) ((flags & 3) % 3);
	opts.allow_missing_eof = (flags & 4) != 0;
	opts.max_field = (flags & 8) ? 16 : 0;

	arka_buf_init(&out);
	arka_buf_puts(&out, "X");
	if (arka_ofac_parse(&in, &opts, &out, &st, &err))
	{
		ArkaArena	arena;
		ArkaValue	v;
		ArkaJsonError jerr;
		size_t		i;

		if (out.len < 3 || out.data[0] != 'X')
			abort();
		arka_arena_init(&arena, 256 * 1024 * 1024);
		if (!arka_json_parse(out.data + 1, out.len - 1, &arena, &v, &jerr))
			abort();			/* the output must be JSON */
		if (v.type != ARKA_ARR || v.u.arr.n != st.entries || st.entries == 0)
			abort();
		for (i = 0; i < v.u.arr.n; i++)
			if (v.u.arr.items[i].type != ARKA_OBJ || v.u.arr.items[i].u.obj.n != 9)
				abort();
		arka_arena_free(&arena);
	}
	else
	{
		if (out.len != 1 || strcmp(out.data, "X") != 0)
			abort();			/* nothing half-built */
		if (err.message[0] == '\0' || err.file == NULL)
			abort();
		if (arka_utf8_valid_prefix(err.message, strlen(err.message)) != strlen(err.message))
			abort();			/* messages go into SQL errors: valid UTF-8 */
	}
	arka_buf_free(&out);
	return 0;
}
