/*-------------------------------------------------------------------------
 *
 * test_json.c
 *	  Unit tests of the arena, the JSON parser/writer and value equality.
 *
 * Hostile inputs are passed in exactly-sized malloc'd copies so that an
 * address sanitizer build catches any read past the end of the input.
 *
 *-------------------------------------------------------------------------
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "arka_json.h"
#include "arka_test.h"

static ArkaArena arena;
static ArkaJsonError jerr;
static ArkaValue jval;

/*
 * Parse [s, s+len) from an exactly-sized heap copy.  The arena is reset
 * first; jval and jerr keep the outcome.
 */
static bool
parse_n(const char *s, size_t len)
{
	char	   *copy = malloc(len > 0 ? len : 1);
	bool		ok;

	memcpy(copy, s, len);
	arka_arena_reset(&arena);
	ok = arka_json_parse(copy, len, &arena, &jval, &jerr);
	free(copy);
	return ok;
}

static bool
parse(const char *s)
{
	return parse_n(s, strlen(s));
}

/* Error message of a parse expected to fail, or "(parsed)" if it did not. */
static const char *
parse_err(const char *s, size_t len)
{
	if (parse_n(s, len))
		return "(parsed)";
	return jerr.message;
}

#define ERR(lit) parse_err(lit, sizeof(lit) - 1)

/* Compact text of jval in a static buffer (strings read back by tests). */
static char outbuf[4096];

static const char *
written(const ArkaValue *v)
{
	ArkaBuf		b;

	arka_buf_init(&b);
	arka_json_write(&b, v);
	if (b.oom || b.data == NULL || b.len >= sizeof(outbuf))
		snprintf(outbuf, sizeof(outbuf), "(write failed)");
	else
		memcpy(outbuf, b.data, b.len + 1);
	arka_buf_free(&b);
	return outbuf;
}

/* Parse then write; "(error: msg)" on a parse failure. */
static const char *
roundtrip(const char *s)
{
	if (!parse(s))
	{
		snprintf(outbuf, sizeof(outbuf), "(error: %s)", jerr.message);
		return outbuf;
	}
	return written(&jval);
}

/* Parse two texts into separate arenas and compare structurally. */
static bool
equal_texts(const char *x, const char *y)
{
	ArkaArena	a1,
				a2;
	ArkaValue	v1,
				v2;
	ArkaJsonError e;
	bool		r = false;

	arka_arena_init(&a1, 0);
	arka_arena_init(&a2, 0);
	if (arka_json_parse(x, strlen(x), &a1, &v1, &e) &&
		arka_json_parse(y, strlen(y), &a2, &v2, &e))
		r = arka_value_equal(&v1, &v2);
	arka_arena_free(&a1);
	arka_arena_free(&a2);
	return r;
}

static void
test_arena(void)
{
	ArkaArena	a;
	size_t		i,
				steady;
	bool		aligned = true;
	bool		constant = true;
	char	   *s;
	void	   *p,
			   *q;

	arka_arena_init(&a, 0);
	CHECK(a.allocated == 0);
	for (i = 0; i < 200; i++)
	{
		p = arka_arena_alloc(&a, i % 37);
		if (p == NULL || ((uintptr_t) p & 15) != 0)
			aligned = false;
		else
			memset(p, 0xab, i % 37);
	}
	CHECK(aligned);

	/* zero-byte requests still give distinct valid pointers */
	p = arka_arena_alloc(&a, 0);
	q = arka_arena_alloc(&a, 0);
	CHECK(p != NULL && q != NULL && p != q);

	/* oversized request: dedicated chunk, small allocations continue */
	p = arka_arena_alloc(&a, 3 * 1024 * 1024);
	CHECK(p != NULL && ((uintptr_t) p & 15) == 0);
	if (p)
		memset(p, 1, 3 * 1024 * 1024);
	q = arka_arena_alloc(&a, 24);
	CHECK(q != NULL && ((uintptr_t) q & 15) == 0);
	CHECK(a.allocated > 3 * 1024 * 1024);

	/* overflow guards */
	CHECK(arka_arena_alloc(&a, SIZE_MAX) == NULL);
	CHECK(arka_arena_alloc(&a, SIZE_MAX - 8) == NULL);
	CHECK(arka_arena_alloc(&a, SIZE_MAX / 2) == NULL);
	CHECK(arka_arena_strdup(&a, "x", SIZE_MAX) == NULL);

	s = arka_arena_strdup(&a, "hello world", 5);
	CHECK_STR(s, "hello");
	s = arka_arena_strdup(&a, NULL, 0);
	CHECK_STR(s, "");

	/* reset keeps the first chunk only */
	arka_arena_reset(&a);
	steady = a.allocated;
	CHECK(steady > 0 && steady <= 64 * 1024 + 64);

	/*
	 * 10 000 cycles: each fills more than the first chunk (forcing new
	 * chunks and a dedicated one), then resets; after every reset the
	 * arena is back to its first chunk.
	 */
	for (i = 0; i < 10000; i++)
	{
		size_t		k;

		for (k = 0; k < 20; k++)
		{
			p = arka_arena_alloc(&a, 1000 + (i % 7) * 100);
			if (p == NULL)
				constant = false;
		}
		if (i % 100 == 0)
		{
			for (k = 0; k < 100; k++)
				(void) arka_arena_alloc(&a, 1000);
			if (arka_arena_alloc(&a, 200 * 1024) == NULL)
				constant = false;
		}
		arka_arena_reset(&a);
		if (a.allocated != steady)
			constant = false;
	}
	CHECK(constant);
	arka_arena_free(&a);
	CHECK(a.allocated == 0 && a.chunks == NULL);

	/* allocations past the limit fail cleanly; small ones still work */
	arka_arena_init(&a, 4096);
	p = arka_arena_alloc(&a, 100);
	CHECK(p != NULL);
	CHECK(arka_arena_alloc(&a, 8192) == NULL);
	for (i = 0; i < 1000 && arka_arena_alloc(&a, 64) != NULL; i++)
		;
	CHECK(i < 1000);
	CHECK(a.allocated <= 4096);
	arka_arena_free(&a);

	/* the arena is reusable after free */
	p = arka_arena_alloc(&a, 10);
	CHECK(p != NULL);
	arka_arena_free(&a);
}

static void
test_types(void)
{
	CHECK(parse("null") && jval.type == ARKA_NULL);
	CHECK(parse("true") && jval.type == ARKA_BOOL && jval.u.b);
	CHECK(parse("false") && jval.type == ARKA_BOOL && !jval.u.b);
	CHECK(parse("42") && jval.type == ARKA_NUM);
	CHECK(parse("\"hi\"") && jval.type == ARKA_STR && jval.u.str.len == 2 &&
		  memcmp(jval.u.str.ptr, "hi", 2) == 0);
	CHECK(parse("\"\"") && jval.type == ARKA_STR && jval.u.str.len == 0);
	CHECK(parse("[]") && jval.type == ARKA_ARR && jval.u.arr.n == 0);
	CHECK(parse("{}") && jval.type == ARKA_OBJ && jval.u.obj.n == 0);
	CHECK(parse("[1,\"a\",null]") && jval.type == ARKA_ARR && jval.u.arr.n == 3 &&
		  jval.u.arr.items[0].type == ARKA_NUM &&
		  jval.u.arr.items[1].type == ARKA_STR &&
		  jval.u.arr.items[2].type == ARKA_NULL);
	CHECK(parse("{\"k\":{\"x\":[true]},\"z\":false}") && jval.type == ARKA_OBJ &&
		  jval.u.obj.n == 2 && jval.u.obj.members[0].keylen == 1 &&
		  jval.u.obj.members[0].key[0] == 'k' &&
		  jval.u.obj.members[0].val.type == ARKA_OBJ &&
		  jval.u.obj.members[1].val.type == ARKA_BOOL);
	/* whitespace of all four kinds around tokens */
	CHECK_STR(roundtrip(" \t\r\n{ \"a\" :\n[ 1 , 2 ] }\n "), "{\"a\":[1,2]}");
}

static void
test_roundtrip(void)
{
	static const char *const canon[] = {
		"null", "true", "false", "0", "-1", "0.1", "1.5", "-12.25",
		"12345678901234567890", "-99999999999999999999.00000000000000001",
		"1e+21", "1e-7", "0.000001", "\"\"", "\"abc\"",
		"\"a\\\"b\\\\c\\n\\t\\r\\b\\f\"", "\"\\u0000\\u001f\"",
		"\"caf\xc3\xa9 \xf0\x9f\x98\x80\"",
		"[]", "{}", "[[]]", "[1,[2,[3,[]]]]",
		"{\"a\":1,\"b\":[true,false,null],\"c\":{\"d\":\"e\"}}",
		"{\"\":0}", "[{\"x\":{}},\"y\",-0.5]",
	};
	size_t		i;

	for (i = 0; i < sizeof(canon) / sizeof(canon[0]); i++)
		CHECK_STR(roundtrip(canon[i]), canon[i]);

	/* non-canonical input, canonical output */
	CHECK_STR(roundtrip("\"\\/\""), "\"/\"");
	CHECK_STR(roundtrip("\"\\u0041\\u00e9\""), "\"A\xc3\xa9\"");
	CHECK_STR(roundtrip("1.50"), "1.5");
	CHECK_STR(roundtrip("1E2"), "100");
	CHECK_STR(roundtrip("-0"), "0");
	CHECK_STR(roundtrip("\"\x7f\""), "\"\x7f\"");
}

static void
test_numbers(void)
{
	CHECK(parse("0.1"));
	CHECK_STR(written(&jval), "0.1");
	CHECK(equal_texts("1.50", "1.5"));
	CHECK(equal_texts("1.0", "1"));
	CHECK(equal_texts("100", "1e2"));
	CHECK(!equal_texts("0.1", "0.10000000000000001"));
	CHECK(equal_texts("[0.1,0.2]", "[0.10,2e-1]"));

	/*
	 * The exponent range is decimal128's (arka_decimal.h), so 1e400, out
	 * of range for a double, is still an exact number here.
	 */
	CHECK(parse("1e400"));
	CHECK_STR(written(&jval), "1e+400");
	CHECK_STR(ERR("1e7000"), "number out of range");
	CHECK_STR(ERR("1e400000000000000000000"), "number out of range");
	CHECK(parse("1e-400000000000000000000"));
	CHECK_STR(ERR("1e9999996999999999999999999"), "number out of range");
	CHECK_STR(ERR("2999999999999999999999699999999999999999999991e+9999996999999999999999999"),
			  "number out of range");
	/* more than 38 significant digits round, they are not an error */
	CHECK(parse("1.000000000000000000000000000000000000000000001"));
	CHECK(equal_texts("1.000000000000000000000000000000000000000000001", "1"));
	CHECK(parse("0e999999999999"));
	CHECK_STR(ERR("[1,-1e99999]"), "number out of range");
	CHECK_STR(ERR("{\"a\":9.9e6200}"), "number out of range");
	CHECK_STR(ERR("01"), "invalid number: leading zero");
	CHECK_STR(ERR("-"), "invalid number");
	CHECK_STR(ERR("1."), "invalid number");
	CHECK_STR(ERR("1.e5"), "invalid number");
	CHECK_STR(ERR("1e"), "invalid number");
	CHECK_STR(ERR("1e+"), "invalid number");
	CHECK_STR(ERR("-a"), "invalid number");
	CHECK_STR(ERR(".5"), "unexpected character '.'");
	CHECK_STR(ERR("+1"), "unexpected character '+'");
	CHECK_STR(ERR("0x10"), "trailing characters");
	CHECK_STR(ERR("NaN"), "unexpected character 'N'");
	CHECK_STR(ERR("Infinity"), "unexpected character 'I'");
}

static void
test_strings(void)
{
	CHECK(parse("\"\\ud83d\\ude00\"") && jval.type == ARKA_STR &&
		  jval.u.str.len == 4 && memcmp(jval.u.str.ptr, "\xf0\x9f\x98\x80", 4) == 0);
	CHECK(parse("\"\\uD83D\\uDE00x\"") && jval.u.str.len == 5);
	CHECK(parse("\"\\udbff\\udfff\"") && jval.u.str.len == 4 &&
		  memcmp(jval.u.str.ptr, "\xf4\x8f\xbf\xbf", 4) == 0);
	CHECK(parse("\"\\u0000\"") && jval.u.str.len == 1 && jval.u.str.ptr[0] == '\0');
	CHECK(parse("\"\\u20ac\"") && jval.u.str.len == 3 &&
		  memcmp(jval.u.str.ptr, "\xe2\x82\xac", 3) == 0);
	CHECK(parse("\"\\u07ff\"") && jval.u.str.len == 2 &&
		  memcmp(jval.u.str.ptr, "\xdf\xbf", 2) == 0);

	/* lone surrogates */
	CHECK_STR(ERR("\"\\ud800\""), "lone surrogate in \\u escape");
	CHECK_STR(ERR("\"\\udc00\""), "lone surrogate in \\u escape");
	CHECK_STR(ERR("\"\\ud800x\""), "lone surrogate in \\u escape");
	CHECK_STR(ERR("\"\\ud800\\u0041\""), "lone surrogate in \\u escape");
	CHECK_STR(ERR("\"\\ud800\\ud800\""), "lone surrogate in \\u escape");
	CHECK_STR(ERR("\"\\ud800\\n\""), "lone surrogate in \\u escape");
	CHECK_STR(ERR("\"\\ud800\\uzzzz\""), "invalid \\u escape");

	/* bad escapes */
	CHECK_STR(ERR("\"\\u12\""), "invalid \\u escape");
	CHECK_STR(ERR("\"\\u12g4\""), "invalid \\u escape");
	CHECK_STR(ERR("\"\\x\""), "invalid escape in string");
	CHECK_STR(ERR("\"\\U0041\""), "invalid escape in string");
	CHECK_STR(ERR("\"\\'\""), "invalid escape in string");
	CHECK_STR(ERR("\"abc"), "unterminated string");
	CHECK_STR(ERR("\"abc\\"), "unterminated string");
	CHECK_STR(ERR("\"\\u00"), "invalid \\u escape");

	/* unescaped control characters */
	CHECK_STR(ERR("\"a\nb\""), "unescaped control character in string");
	CHECK_STR(ERR("\"a\tb\""), "unescaped control character in string");
	CHECK_STR(ERR("\"\x01\""), "unescaped control character in string");
	CHECK_STR(ERR("\"\x1f\""), "unescaped control character in string");
	CHECK_STR(ERR("[\"ok\", \"\r\"]"), "unescaped control character in string");

	/* embedded NUL */
	CHECK_STR(ERR("\"a\0b\""), "unexpected NUL byte");
	CHECK_STR(ERR("[1,\0 2]"), "unexpected NUL byte");
	CHECK_STR(ERR("\0"), "unexpected NUL byte");
	CHECK_STR(ERR("\"\\\0\""), "unexpected NUL byte");
	CHECK_STR(ERR("1\0"), "trailing characters");

	/* writing escapes */
	CHECK(parse("\"\\u0001\\u001f\\b\\f\\n\\r\\t\\\"\\\\/\""));
	CHECK_STR(written(&jval), "\"\\u0001\\u001f\\b\\f\\n\\r\\t\\\"\\\\/\"");
	{
		ArkaBuf		b;

		arka_buf_init(&b);
		arka_json_write_string(&b, "a\0\x7f\xff", 4);
		CHECK(b.len == 11 && memcmp(b.data, "\"a\\u0000\x7f\xff\"", 11) == 0);
		arka_buf_free(&b);
	}
}

static void
test_utf8(void)
{
	static const char *const bad[] = {
		"\"\x80\"",				/* lone continuation */
		"\"\xbf\"",
		"\"\xc0\xaf\"",			/* overlong '/' */
		"\"\xc1\xbf\"",			/* overlong */
		"\"\xe0\x80\xaf\"",		/* overlong 3-byte */
		"\"\xe0\x9f\xbf\"",		/* overlong 3-byte */
		"\"\xf0\x80\x80\xaf\"", /* overlong 4-byte */
		"\"\xf0\x8f\xbf\xbf\"", /* overlong 4-byte */
		"\"\xed\xa0\x80\"",		/* U+D800 encoded */
		"\"\xed\xbf\xbf\"",		/* U+DFFF encoded */
		"\"\xf4\x90\x80\x80\"", /* U+110000 */
		"\"\xf5\x80\x80\x80\"", /* beyond */
		"\"\xf8\x88\x80\x80\x80\"",
		"\"\xfe\"", "\"\xff\"",
		"\"\xe2\x82\"",			/* truncated before the quote */
		"\"\xc3\"",
		"\"\xf0\x9f\x98\"",
		"\"\xc3\x28\"",			/* bad continuation */
		"\"\xe2\x28\xa1\"",
		"\"\xf0\x9f\x28\x80\"",
	};
	static const char *const good[] = {
		"\"\xc2\x80\"", "\"\xdf\xbf\"", "\"\xe0\xa0\x80\"", "\"\xed\x9f\xbf\"",
		"\"\xee\x80\x80\"", "\"\xef\xbf\xbf\"", "\"\xf0\x90\x80\x80\"",
		"\"\xf4\x8f\xbf\xbf\"", "\"\xf3\xbf\xbf\xbf\"",
	};
	size_t		i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
	{
		if (parse(bad[i]))
			fprintf(stderr, "bad UTF-8 #%zu accepted\n", i);
		else
			CHECK_STR(jerr.message, "invalid UTF-8");
	}
	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		CHECK(parse(good[i]) && jval.u.str.len == strlen(good[i]) - 2);

	/* truncated multi-byte sequence at the very end of input */
	CHECK_STR(ERR("\"\xf0\x9f"), "invalid UTF-8");
	/* raw UTF-8 outside a string */
	CHECK_STR(ERR("\xc3\xa9"), "unexpected byte 0xc3");
	CHECK(parse("\"\xef\xbb\xbf\""));
	CHECK_STR(ERR("\xef\xbb\xbf{}"), "unexpected byte 0xef");
}

static void
test_syntax(void)
{
	CHECK_STR(ERR(""), "empty input");
	CHECK_STR(ERR("   \n\t\r "), "empty input");
	CHECK(!arka_json_parse(NULL, 0, &arena, &jval, &jerr));
	CHECK_STR(jerr.message, "empty input");
	CHECK_STR(ERR("1 2"), "trailing characters");
	CHECK_STR(ERR("{} x"), "trailing characters");
	CHECK_STR(ERR("[]]"), "trailing characters");
	CHECK_STR(ERR("nullx"), "trailing characters");
	CHECK_STR(ERR("\"a\"\"b\""), "trailing characters");
	CHECK_STR(ERR("[1,]"), "unexpected character ']'");
	CHECK_STR(ERR("[,1]"), "unexpected character ','");
	CHECK_STR(ERR("[1 2]"), "unexpected character '2'");
	CHECK_STR(ERR("[1"), "unexpected end of input");
	CHECK_STR(ERR("["), "unexpected end of input");
	CHECK_STR(ERR("{"), "unexpected end of input");
	CHECK_STR(ERR("{\"a\"}"), "unexpected character '}'");
	CHECK_STR(ERR("{\"a\":}"), "unexpected character '}'");
	CHECK_STR(ERR("{\"a\":1,}"), "unexpected character '}'");
	CHECK_STR(ERR("{\"a\" 1}"), "unexpected character '1'");
	CHECK_STR(ERR("{1:2}"), "unexpected character '1'");
	CHECK_STR(ERR("{'a':2}"), "unexpected character '''");
	CHECK_STR(ERR("{\"a\":1 \"b\":2}"), "unexpected character '\"'");
	CHECK_STR(ERR("'a'"), "unexpected character '''");
	CHECK_STR(ERR("tru"), "unexpected end of input");
	CHECK_STR(ERR("trUe"), "invalid literal");
	CHECK_STR(ERR("nul"), "unexpected end of input");
	CHECK_STR(ERR("[True]"), "unexpected character 'T'");
	CHECK_STR(ERR("\x01"), "unexpected byte 0x01");
	CHECK_STR(ERR("\f1"), "unexpected byte 0x0c");
	CHECK_STR(ERR("]"), "unexpected character ']'");

	/* error position */
	CHECK(!parse("[1,\n2,\n  x]"));
	CHECK(jerr.line == 3 && jerr.offset == 9);
	CHECK(!parse("{\"a\": tru"));
	CHECK(jerr.line == 1 && jerr.offset == 9);
	CHECK(!parse("\n\n\"ab\x80\""));
	CHECK(jerr.line == 3 && jerr.offset == 5);
	CHECK(!parse("  1 x"));
	CHECK(jerr.line == 1 && jerr.offset == 4);
	CHECK(!parse("\"\\ud800\""));
	CHECK(jerr.offset == 1);
}

static void
test_truncation(void)
{
	static const char doc[] =
		"{\"name\": \"caf\xc3\xa9 \\ud83d\\ude00 \\\"q\\\"\", \"n\": [0, -1.5e-3, 12345678901234567890,"
		" true, false, null], \"o\": {\"a\": {\"b\": []}, \"c\": \"\\u00e9\\n\"},"
		" \"e\": {}, \"z\": 1E+2}";
	size_t		len = sizeof(doc) - 1;
	size_t		i;
	size_t		failed = 0;
	bool		sane = true;

	CHECK(parse_n(doc, len));
	for (i = 0; i < len; i++)
	{
		if (parse_n(doc, i))
			fprintf(stderr, "prefix of %zu bytes accepted\n", i);
		else
		{
			failed++;
			if (jerr.message[0] == '\0' || jerr.offset > i || jerr.line != 1)
				sane = false;
		}
	}
	CHECK(failed == len);
	CHECK(sane);
	/* the full document plus junk */
	CHECK(!parse_n(doc, sizeof(doc)));	/* includes the terminating NUL */
	CHECK_STR(jerr.message, "trailing characters");
}

static void
test_nesting(void)
{
	size_t		depth;
	char	   *s = malloc(2 * 1001 + 16);
	size_t		i;

	for (depth = 1000; depth <= 1001; depth++)
	{
		for (i = 0; i < depth; i++)
		{
			s[i] = '[';
			s[depth + i] = ']';
		}
		if (depth == 1000)
		{
			CHECK(parse_n(s, 2 * depth));
			CHECK(jval.type == ARKA_ARR);
		}
		else
		{
			CHECK(!parse_n(s, 2 * depth));
			CHECK_STR(jerr.message, "nesting too deep");
			CHECK(jerr.offset == 1000);
		}
	}

	/* objects count toward the same depth */
	{
		char	   *o = malloc(1001 * 6 + 16);
		size_t		n = 0;

		for (i = 0; i < 1001; i++)
		{
			memcpy(o + n, "{\"a\":", 5);
			n += 5;
		}
		o[n++] = '1';
		for (i = 0; i < 1001; i++)
			o[n++] = '}';
		CHECK(!parse_n(o, n));
		CHECK_STR(jerr.message, "nesting too deep");
		/* drop one level: 1000 deep is fine */
		CHECK(parse_n(o + 5, n - 6));
		free(o);
	}

	/* deep but unterminated: must fail without exhausting the stack */
	memset(s, '[', 2 * 1001 + 16);
	CHECK(!parse_n(s, 2 * 1001 + 16));
	CHECK_STR(jerr.message, "nesting too deep");
	CHECK(!parse_n(s, 999));
	CHECK_STR(jerr.message, "unexpected end of input");
	free(s);
}

static void
test_big(void)
{
	size_t		slen = 10 * 1024 * 1024;
	char	   *s = malloc(slen + 16);
	size_t		i,
				n;
	ArkaArena	small;
	ArkaValue	v;
	ArkaJsonError e;

	/* a 10 MB string with an escape and multi-byte characters at the end */
	s[0] = '"';
	memset(s + 1, 'a', slen);
	memcpy(s + slen - 10, "\\n\xc3\xa9\\u00e9", 10);
	s[slen + 1] = '"';
	CHECK(parse_n(s, slen + 2));
	CHECK(jval.type == ARKA_STR && jval.u.str.len == slen - 10 + 5 &&
		  jval.u.str.ptr[0] == 'a' &&
		  memcmp(jval.u.str.ptr + slen - 11, "\n\xc3\xa9\xc3\xa9", 5) == 0);
	free(s);

	/* a 1 MB array of numbers */
	slen = 1024 * 1024;
	s = malloc(slen + 16);
	s[0] = '[';
	n = 1;
	for (i = 0; n + 8 < slen; i++)
	{
		n += (size_t) snprintf(s + n, 16, "%zu.5,", i % 100000);
	}
	s[n - 1] = ']';
	CHECK(parse_n(s, n));
	CHECK(jval.type == ARKA_ARR && jval.u.arr.n == i);
	CHECK(jval.u.arr.n > 100000);
	CHECK_STR(written(&jval.u.arr.items[3]), "3.5");

	/* the same document under a 4 KiB arena limit fails cleanly */
	arka_arena_init(&small, 4096);
	CHECK(!arka_json_parse(s, n, &small, &v, &e));
	CHECK_STR(e.message, "out of memory");
	CHECK(small.allocated <= 4096);
	arka_arena_reset(&small);
	/* ... while a small document fits */
	CHECK(arka_json_parse("[1,2,{\"a\":\"b\"}]", 15, &small, &v, &e));
	arka_arena_free(&small);

	/* a big string under the small limit */
	arka_arena_init(&small, 4096);
	memset(s, 'x', slen);
	s[0] = '"';
	s[slen - 1] = '"';
	CHECK(!arka_json_parse(s, slen, &small, &v, &e));
	CHECK_STR(e.message, "out of memory");
	arka_arena_free(&small);
	free(s);
}

static void
test_dup_keys(void)
{
	char		big[4096];
	char		want[4096];
	size_t		n,
				w,
				i;

	CHECK_STR(roundtrip("{\"a\":1,\"b\":2,\"a\":3}"), "{\"a\":3,\"b\":2}");
	CHECK_STR(roundtrip("{\"a\":1,\"a\":2,\"a\":{\"x\":[]}}"), "{\"a\":{\"x\":[]}}");
	CHECK_STR(roundtrip("{\"a\":{\"k\":1,\"k\":2},\"b\":0,\"a\":{\"k\":3,\"j\":1,\"k\":4}}"),
			  "{\"a\":{\"k\":4,\"j\":1},\"b\":0}");
	/* keys equal only after unescaping */
	CHECK_STR(roundtrip("{\"\\u0061\":1,\"a\":2}"), "{\"a\":2}");
	/* prefixes are different keys */
	CHECK_STR(roundtrip("{\"ab\":1,\"a\":2,\"\":3,\"abc\":4}"),
			  "{\"ab\":1,\"a\":2,\"\":3,\"abc\":4}");

	/* more than 16 members exercises the sort-based path */
	n = (size_t) snprintf(big, sizeof(big), "{");
	w = (size_t) snprintf(want, sizeof(want), "{");
	for (i = 0; i < 40; i++)
		n += (size_t) snprintf(big + n, sizeof(big) - n, "\"k%zu\":%zu,", i, i);
	n += (size_t) snprintf(big + n, sizeof(big) - n,
						   "\"k7\":\"seven\",\"k0\":null,\"new\":1,\"k7\":77}");
	for (i = 0; i < 40; i++)
	{
		if (i == 0)
			w += (size_t) snprintf(want + w, sizeof(want) - w, "\"k0\":null,");
		else if (i == 7)
			w += (size_t) snprintf(want + w, sizeof(want) - w, "\"k7\":77,");
		else
			w += (size_t) snprintf(want + w, sizeof(want) - w, "\"k%zu\":%zu,", i, i);
	}
	(void) snprintf(want + w, sizeof(want) - w, "\"new\":1}");
	CHECK_STR(roundtrip(big), want);
	CHECK(parse(big) && jval.u.obj.n == 41);

	/* ARKA_JSON_REJECT_DUPLICATES: both paths refuse, naming the key */
	CHECK(!arka_json_parse_opts(big, strlen(big), &arena, ARKA_JSON_REJECT_DUPLICATES, &jval, &jerr));
	CHECK_STR(jerr.message, "duplicate key \"k0\"");
	CHECK(!arka_json_parse_opts("{\"a\":{\"k\":1,\"k\":2}}", 21, &arena,
								ARKA_JSON_REJECT_DUPLICATES, &jval, &jerr));
	CHECK_STR(jerr.message, "duplicate key \"k\"");
	CHECK(!arka_json_parse_opts("{\"\\u0061\":1,\"a\":2}", 20, &arena,
								ARKA_JSON_REJECT_DUPLICATES, &jval, &jerr));
	CHECK(arka_json_parse_opts("{\"ab\":1,\"a\":2}", 14, &arena, ARKA_JSON_REJECT_DUPLICATES,
							   &jval, &jerr) && jval.u.obj.n == 2);
}

/* ARKA_JSON_REJECT_NUL: \u0000 is refused only with the option. */
static void
test_reject_nul(void)
{
	static const char text[] = "[\"a\\u0000b\"]";

	CHECK(parse(text) && jval.u.arr.items[0].u.str.len == 3);
	CHECK(!arka_json_parse_opts(text, sizeof(text) - 1, &arena, ARKA_JSON_REJECT_NUL, &jval, &jerr));
	CHECK_STR(jerr.message, "\\u0000 in a string");
	CHECK(jerr.offset == 3);
	CHECK(arka_json_parse_opts("[\"a\\u0001\"]", 11, &arena, ARKA_JSON_REJECT_NUL, &jval, &jerr));
}

static void
test_equal(void)
{
	ArkaValue	a,
				b;

	CHECK(equal_texts("{\"a\":1,\"b\":[1,2]}", "{\"b\":[1,2.0],\"a\":1}"));
	CHECK(!equal_texts("[1,2]", "[2,1]"));
	CHECK(!equal_texts("{\"a\":1}", "{\"a\":1,\"b\":1}"));
	CHECK(!equal_texts("{\"a\":1,\"c\":1}", "{\"a\":1,\"b\":1}"));
	CHECK(!equal_texts("{\"a\":1}", "{\"a\":2}"));
	CHECK(!equal_texts("1", "\"1\""));
	CHECK(!equal_texts("null", "false"));
	CHECK(!equal_texts("true", "false"));
	CHECK(equal_texts("null", "null"));
	CHECK(!equal_texts("\"ab\"", "\"abc\""));
	CHECK(equal_texts("\"\"", "\"\""));
	CHECK(equal_texts("-0", "0"));
	CHECK(!equal_texts("[[]]", "[{}]"));

	a = arka_num(arka_dec_nan());
	b = arka_num(arka_dec_nan());
	CHECK(!arka_value_equal(&a, &b));
	CHECK(!arka_value_equal(&a, &a));
	b = arka_num(arka_dec_from_int64(1));
	CHECK(!arka_value_equal(&a, &b));
	CHECK_STR(written(&a), "null");
	a = arka_str("a\0b", 3);
	b = arka_str("a\0c", 3);
	CHECK(!arka_value_equal(&a, &b));
}

static void
test_buf(void)
{
	ArkaBuf		b;
	size_t		i;
	bool		ok = true;

	arka_buf_init(&b);
	CHECK(b.data == NULL && b.len == 0 && !b.oom);
	for (i = 0; i < 100000; i++)
		arka_buf_append(&b, "0123456789", 10);
	CHECK(b.len == 1000000 && !b.oom && b.data[b.len] == '\0');
	for (i = 0; i < b.len; i += 9973)
		if (b.data[i] != (char) ('0' + i % 10))
			ok = false;
	CHECK(ok);
	arka_buf_free(&b);
	CHECK(b.data == NULL && b.len == 0);

	arka_buf_puts(&b, "ab");
	arka_buf_putc(&b, 'c');
	arka_buf_append(&b, NULL, 0);
	CHECK_STR(b.data, "abc");
	/* after a failure, appends are ignored */
	b.oom = true;
	arka_buf_puts(&b, "zzz");
	CHECK(b.len == 3);
	arka_buf_free(&b);
	CHECK(!b.oom);
}

int
main(void)
{
	arka_arena_init(&arena, 0);

	test_arena();
	test_types();
	test_roundtrip();
	test_numbers();
	test_strings();
	test_utf8();
	test_syntax();
	test_truncation();
	test_nesting();
	test_big();
	test_dup_keys();
	test_reject_nul();
	test_equal();
	test_buf();

	arka_arena_free(&arena);
	return arka_test_summary("test_json");
}
