/*-------------------------------------------------------------------------
 *
 * test_copybin.c
 *	  The COPY binary encoder (cdc/copybin.c) and the flag tuples built
 *	  with it (flags_encode): exact bytes, and a decoder that reads the
 *	  tuples back and compares every field with the text form the flag
 *	  used to be sent in.  live_replication.c has the server read them.
 *
 *-------------------------------------------------------------------------
 */
#include <stdint.h>

#include "cdc_test.h"
#include "copybin.h"
#include "flags.h"
#include "lsn.h"
#include "wal2json.h"

/* A reader over COPY binary data, as the server's CopyReadBinary* reads it. */
typedef struct Reader
{
	const unsigned char *p;
	size_t		len;
	size_t		pos;
	bool		bad;			/* read past the end */
} Reader;

static uint64_t
get_be(Reader *r, int n)
{
	uint64_t	v = 0;

	if (r->pos + (size_t) n > r->len)
	{
		r->bad = true;
		return 0;
	}
	for (int i = 0; i < n; i++)
		v = (v << 8) | r->p[r->pos++];
	return v;
}

/* One field: its length (-1 for NULL) and, in *data, its bytes. */
static int32_t
get_field(Reader *r, const unsigned char **data)
{
	int32_t		len = (int32_t) (uint32_t) get_be(r, 4);

	*data = NULL;
	if (len < 0)
		return len;
	if (r->pos + (size_t) len > r->len)
	{
		r->bad = true;
		return -2;
	}
	*data = r->p + r->pos;
	r->pos += (size_t) len;
	return len;
}

/* A field holds prefix then s, or is NULL when s is. */
static bool
field_is(Reader *r, const char *prefix, const char *s)
{
	const unsigned char *d;
	int32_t		len = get_field(r, &d);
	size_t		plen = strlen(prefix);

	if (s == NULL)
		return len == -1;
	return len == (int32_t) (plen + strlen(s)) && memcmp(d, prefix, plen) == 0 &&
		memcmp(d + plen, s, (size_t) len - plen) == 0;
}

/* text is its bytes */
#define text_is(r, s) field_is((r), "", (s))
/* jsonb is version 1 then the JSON text */
#define jsonb_is(r, s) field_is((r), "\001", (s))

/* An int8-sized field (bigint, pg_lsn, timestamptz) holding v. */
static bool
int8_is(Reader *r, int64_t v)
{
	const unsigned char *d;
	int32_t		len = get_field(r, &d);
	uint64_t	got = 0;

	if (len != 8)
		return false;
	for (int i = 0; i < 8; i++)
		got = (got << 8) | d[i];
	return (int64_t) got == v;
}

static bool
int4_is(Reader *r, int32_t v)
{
	const unsigned char *d;
	int32_t		len = get_field(r, &d);

	if (len != 4)
		return false;
	return (int32_t) (((uint32_t) d[0] << 24) | ((uint32_t) d[1] << 16) |
						((uint32_t) d[2] << 8) | d[3]) == v;
}

static Reader
reader(const ArkaBuf *b)
{
	Reader		r = {(const unsigned char *) b->data, b->len, 0, false};

	return r;
}

/* The header, trailer and field framing, byte for byte. */
static void
test_framing(void)
{
	ArkaBuf		b;
	static const unsigned char header[] = {
		'P', 'G', 'C', 'O', 'P', 'Y', '\n', 0xFF, '\r', '\n', 0,
		0, 0, 0, 0, 0, 0, 0, 0
	};
	static const unsigned char fields[] = {
		0x00, 0x06,				/* six fields */
		0xFF, 0xFF, 0xFF, 0xFF, /* NULL */
		0x00, 0x00, 0x00, 0x02, 'a', '\t',	/* text: no escaping */
		0x00, 0x00, 0x00, 0x00, /* empty text, not NULL */
		0x00, 0x00, 0x00, 0x03, 0x01, '[', ']', /* jsonb */
		0x00, 0x00, 0x00, 0x04, 0xFF, 0xFF, 0xFF, 0xFE, /* int4 -2 */
		0x00, 0x00, 0x00, 0x08, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08,
		0xFF, 0xFF				/* trailer */
	};

	arka_buf_init(&b);
	copybin_header(&b);
	CHECK(b.len == COPYBIN_HEADER_LEN && b.len == sizeof(header));
	CHECK_BYTES(b.data, header, sizeof(header));

	b.len = 0;
	copybin_tuple(&b, 6);
	copybin_null(&b);
	copybin_text(&b, "a\tb", 2);
	copybin_text(&b, "", 0);
	copybin_jsonb(&b, "[]", 2);
	copybin_int4(&b, -2);
	copybin_int8(&b, INT64_C(0x0102030405060708));
	copybin_trailer(&b);
	CHECK(!b.oom && b.len == sizeof(fields));
	CHECK_BYTES(b.data, fields, sizeof(fields));

	/* NULL pointers are SQL NULL for text and jsonb */
	b.len = 0;
	copybin_text(&b, NULL, 0);
	copybin_jsonb(&b, NULL, 0);
	CHECK(b.len == 8 && memcmp(b.data, "\377\377\377\377\377\377\377\377", 8) == 0);

	/* extremes of the integers */
	{
		Reader		r;

		b.len = 0;
		copybin_int4(&b, INT32_MIN);
		copybin_int4(&b, INT32_MAX);
		copybin_int8(&b, INT64_MIN);
		copybin_int8(&b, -1);
		r = reader(&b);
		CHECK(int4_is(&r, INT32_MIN));
		CHECK(int4_is(&r, INT32_MAX));
		CHECK(int8_is(&r, INT64_MIN));
		CHECK(int8_is(&r, -1));
		CHECK(!r.bad && r.pos == b.len);
	}

	/* bytes that text COPY would escape, and a NUL inside, go as they are */
	{
		static const char raw[] = "\\N\r\n\t\\\0x\xc3\xa9";
		Reader		r;
		const unsigned char *d;

		b.len = 0;
		copybin_text(&b, raw, sizeof(raw) - 1);
		r = reader(&b);
		CHECK(get_field(&r, &d) == (int32_t) sizeof(raw) - 1);
		CHECK(d != NULL && memcmp(d, raw, sizeof(raw) - 1) == 0);
	}
	arka_buf_free(&b);
}

/* Decode a flag tuple and compare each field with the text form. */
static void
check_flag(const FlagRow *f, const char *lsn_text, const char *committed_at_text)
{
	ArkaBuf		b;
	Reader		r;
	CdcLsn		lsn = 0;
	int64_t		ts = 0;

	arka_buf_init(&b);
	flags_encode(&b, f);
	CHECK(!b.oom);
	r = reader(&b);
	CHECK(get_be(&r, 2) == 14);
	CHECK(text_is(&r, f->table_name));
	CHECK(jsonb_is(&r, f->row_key));
	CHECK(text_is(&r, f->operation));
	/* pg_lsn: the int8 pg_lsn_in makes of the text */
	CHECK(cdc_lsn_parse(lsn_text, strlen(lsn_text), &lsn));
	CHECK(int8_is(&r, (int64_t) lsn));
	CHECK(int4_is(&r, f->change_seq));
	if (f->has_xid)
		CHECK(int8_is(&r, (int64_t) f->xid));	/* bigint, never negative */
	else
		CHECK(text_is(&r, NULL));
	if (committed_at_text)
	{
		/* timestamptz: µs since 2000-01-01 UTC, as timestamptz_in reads the text */
		CHECK(w2j_parse_timestamp(committed_at_text, strlen(committed_at_text), &ts));
		CHECK(int8_is(&r, ts));
	}
	else
		CHECK(text_is(&r, NULL));
	CHECK(text_is(&r, f->kind));
	CHECK(text_is(&r, f->outcome));
	CHECK(jsonb_is(&r, f->violations));
	CHECK(jsonb_is(&r, f->rule_versions));
	CHECK(text_is(&r, f->ruleset_version));
	CHECK(text_is(&r, f->proof_id));
	CHECK(text_is(&r, f->note));
	CHECK(!r.bad && r.pos == b.len);
	arka_buf_free(&b);
}

static void
test_flags_encode(void)
{
	FlagRow		f = {
		.table_name = "public.pay\tments",
		.row_key = "{\"id\": \"a\\\\b\\n\"}",
		.operation = "INSERT",
		.commit_lsn = (UINT64_C(0x16) << 32) | UINT64_C(0xB374D848),
		.change_seq = 7,
		.has_xid = true,
		.xid = UINT32_MAX,
		.has_committed_at = true,
		.kind = "violation",
		.outcome = "review",
		.violations = "[{\"action\": \"review\", \"evidence\": {\"amount\": 10000.01}}]",
		.rule_versions = "{\"us.bsa.ctr\": 1}",
		.ruleset_version = "847b077da2846cc53ce5b991ad01f7188bfdc17b881548af06e1ba8abab0d233",
		.proof_id = "f35d3ca0482c01b0874c9a05b3eade9c603208ce33060db6f5798776a8b187b3",
		.note = "rules changed\\between\nwrite and commit",
	};
	const char *when = "2026-11-26 05:44:55.322138+00";

	CHECK(w2j_parse_timestamp(when, strlen(when), &f.committed_at));
	check_flag(&f, "16/B374D848", when);

	/* before 2000: a negative timestamptz; the largest LSN; NULLs */
	when = "1999-12-31 23:59:59.5+00";
	CHECK(w2j_parse_timestamp(when, strlen(when), &f.committed_at));
	CHECK(f.committed_at == -500000);
	f.commit_lsn = UINT64_MAX;
	f.has_xid = false;
	f.row_key = NULL;
	f.rule_versions = NULL;
	f.ruleset_version = NULL;
	f.proof_id = NULL;
	f.note = NULL;
	f.violations = "[]";
	f.outcome = "block";
	f.kind = "bypass";
	f.operation = "UPDATE";
	check_flag(&f, "FFFFFFFF/FFFFFFFF", when);

	f.has_committed_at = false;
	f.commit_lsn = 1;
	f.xid = 0;
	f.has_xid = true;
	check_flag(&f, "0/1", NULL);

	/* tuples queue back to back */
	{
		ArkaBuf		one,
					two;

		arka_buf_init(&one);
		arka_buf_init(&two);
		flags_encode(&one, &f);
		flags_encode(&two, &f);
		flags_encode(&two, &f);
		CHECK(two.len == 2 * one.len && memcmp(two.data + one.len, one.data, one.len) == 0);
		arka_buf_free(&one);
		arka_buf_free(&two);
	}
}

int
main(void)
{
	test_framing();
	test_flags_encode();
	return arka_test_summary("test_copybin");
}
