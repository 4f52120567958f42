/*-------------------------------------------------------------------------
 *
 * test_decimal_recovery.c
 *	  Exact decimals out of wal2json's bare JSON numbers.
 *
 * For each literal, a wal2json-shaped INSERT carrying it as a numeric
 * column's value is parsed, and the value must be exactly the decimal the
 * literal spells (checked through the core's canonical form, which is
 * what proof ids hash).  Beside it, what jansson alone makes of the same
 * literal, to show why the parser does not use jansson's numbers: reals
 * become doubles (digits lost), integers beyond long long and reals
 * beyond double range are parse errors.
 *
 *-------------------------------------------------------------------------
 */
#include <jansson.h>

#include "arka_decimal.h"
#include "cdc_test.h"
#include "wal2json.h"

static W2jParser parser;
static ArkaArena arena;

typedef struct Case
{
	const char *literal;
	const char *canonical;		/* expected, or NULL for "must fail" */
} Case;

/* Parse the literal as a numeric column; canonical form into out. */
static bool
recover(const char *literal, char *out, W2jError *err, ArkaDec *dec)
{
	char		msg[1024 * 64];
	W2jMessage	m;

	snprintf(msg, sizeof(msg),
			 "{\"action\":\"I\",\"xid\":1,\"lsn\":\"0/1\",\"schema\":\"public\",\"table\":\"t\","
			 "\"columns\":[{\"name\":\"v\",\"type\":\"numeric\",\"typeoid\":1700,\"value\":%s}],"
			 "\"pk\":[]}", literal);
	arka_arena_reset(&arena);
	if (!w2j_parse(&parser, msg, strlen(msg), &arena, &m, err))
		return false;
	if (m.ncolumns != 1 || m.columns[0].value.type != ARKA_NUM)
		return false;
	*dec = m.columns[0].value.u.num;
	/* the text is the value's JSON text: it reads back to the same number */
	{
		ArkaDec		back;
		bool		unordered;

		if (arka_dec_parse_json(m.columns[0].text, m.columns[0].text_len, &back) != ARKA_DEC_OK ||
			arka_dec_cmp(&back, dec, &unordered) != 0 || unordered)
			return false;
	}
	arka_dec_to_canonical(dec, out);
	return true;
}

static void
test_cases(void)
{
	static const Case cases[] = {
		{"10000.01", "1000001e-2"},
		{"1234567890123456789.123456789", "1234567890123456789123456789e-9"},
		{"1e-7", "1e-7"},
		{"1e-07", "1e-7"},		/* how float8out prints 1e-7 */
		{"0.0000001", "1e-7"},	/* how numeric prints it */
		{"-0.0", "0e0"},
		{"-0", "0e0"},
		{"0.1", "1e-1"},
		{"12.30", "123e-1"},
		{"-99999999999999999.99", "-9999999999999999999e-2"},
		{"9223372036854775807", "9223372036854775807e0"},
		{"-9223372036854775808", "-9223372036854775808e0"},
		{"9223372036854775808", "9223372036854775808e0"},	/* > long long */
		{"1000000000000000000000000000000", "1e30"},
		{"1.7976931348623157e+308", "17976931348623157e292"},
		{"5e-324", "5e-324"},
		{"1E+2", "1e2"},
		{"1.0e-0", "1e0"},
		{"0.000000000000000000000000000000000000000000001", "1e-45"},
		/* 38 significant digits are kept exactly ... */
		{"12345678901234567890123456789012345678", "12345678901234567890123456789012345678e0"},
		/* ... beyond, round half-even to 38 */
		{"1234567890123456789012345678901234567851", "12345678901234567890123456789012345679e2"},
		{"1234567890123456789012345678901234567850", "12345678901234567890123456789012345678e2"},
		{"1234567890123456789012345678901234567750", "12345678901234567890123456789012345678e2"},
		{"1e6111", "1e6111"},
		/* beyond the decimal range: a clear error, never Infinity */
		{"1e6112", NULL},
		{"-1e99999", NULL},
	};
	char		canon[ARKA_DEC_STRLEN];
	W2jError	err;
	ArkaDec		d;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
	{
		bool		ok = recover(cases[i].literal, canon, &err, &d);

		if (cases[i].canonical == NULL)
		{
			CHECK(!ok);
			CHECK(strstr(err.message, "beyond the decimal range") != NULL);
			continue;
		}
		CHECK(ok);
		if (!ok)
		{
			fprintf(stderr, "  %s: %s\n", cases[i].literal, err.message);
			continue;
		}
		CHECK_STR(canon, cases[i].canonical);
	}

	/* -0.0 is a zero that remembers its sign, and equals 0 */
	CHECK(recover("-0.0", canon, &err, &d));
	CHECK(arka_dec_is_zero(&d) && d.negzero);
	{
		ArkaDec		zero = arka_dec_from_int64(0);
		bool		unordered;

		CHECK(arka_dec_cmp(&d, &zero, &unordered) == 0 && !unordered);
	}

	/* 1e400 as numeric prints 401 digits: exact, where a double overflows */
	{
		char		lit[512];

		lit[0] = '1';
		memset(lit + 1, '0', 400);
		lit[401] = '\0';
		CHECK(recover(lit, canon, &err, &d));
		CHECK_STR(canon, "1e400");
	}
}

/* Arithmetic on recovered values is decimal arithmetic. */
static void
test_arithmetic(void)
{
	char		canon[ARKA_DEC_STRLEN];
	W2jError	err;
	ArkaDec		a,
				b,
				c,
				sum,
				three = arka_dec_from_int64(3);
	bool		unordered;

	CHECK(recover("0.1", canon, &err, &a));
	CHECK(recover("0.2", canon, &err, &b));
	CHECK(recover("0.3", canon, &err, &c));
	CHECK(arka_dec_add(&a, &b, &sum) == ARKA_DEC_OK);
	CHECK(arka_dec_cmp(&sum, &c, &unordered) == 0);

	CHECK(recover("100.10", canon, &err, &a));
	CHECK(recover("300.30", canon, &err, &c));
	CHECK(arka_dec_mul(&a, &three, &sum) == ARKA_DEC_OK);
	CHECK(arka_dec_cmp(&sum, &c, &unordered) >= 0);
	CHECK(arka_dec_cmp(&sum, &c, &unordered) == 0);
}

/*
 * What jansson makes of the same literals, with the flags the parser
 * would otherwise need: this is the loss the span re-reading avoids.
 */
static void
test_jansson_alone(void)
{
	json_error_t jerr;
	json_t	   *v;
	ArkaDec		viadouble;
	char		canon[ARKA_DEC_STRLEN];

	/* a real becomes a double: the last digits are gone */
	v = json_loads("1234567890123456789.123456789", JSON_DECODE_ANY, &jerr);
	CHECK(v != NULL && json_is_real(v));
	if (v)
	{
		viadouble = arka_dec_from_double(json_real_value(v));
		arka_dec_to_canonical(&viadouble, canon);
		CHECK(strcmp(canon, "1234567890123456789123456789e-9") != 0);
		CHECK_STR(canon, "12345678901234568e2");	/* 1.2345678901234568e18 */
		json_decref(v);
	}

	/* an integer beyond long long is an error (numeric 1e30 prints so) */
	v = json_loads("1000000000000000000000000000000", JSON_DECODE_ANY, &jerr);
	CHECK(v == NULL);
	CHECK(strstr(jerr.text, "too big") != NULL);

	/* a real beyond double range is an error (numeric 1e400) */
	{
		char		lit[512];

		lit[0] = '1';
		memset(lit + 1, '0', 400);
		memcpy(lit + 401, ".5", 3);
		v = json_loads(lit, JSON_DECODE_ANY, &jerr);
		CHECK(v == NULL);
		CHECK(strstr(jerr.text, "overflow") != NULL);
	}

	/*
	 * Short literals survive a double when printed back shortest-first
	 * (10000.01), which is why the loss goes unnoticed on small amounts.
	 */
	v = json_loads("10000.01", JSON_DECODE_ANY, &jerr);
	CHECK(v != NULL && json_is_real(v));
	if (v)
	{
		viadouble = arka_dec_from_double(json_real_value(v));
		arka_dec_to_canonical(&viadouble, canon);
		CHECK_STR(canon, "1000001e-2");
		json_decref(v);
	}
}

int
main(void)
{
	w2j_parser_init(&parser);
	arka_arena_init(&arena, 0);
	test_cases();
	test_arithmetic();
	test_jansson_alone();
	arka_arena_free(&arena);
	return arka_test_summary("test_decimal_recovery");
}
