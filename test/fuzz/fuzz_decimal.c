/*-------------------------------------------------------------------------
 *
 * fuzz_decimal.c
 *	  libFuzzer target: decimal parsing, arithmetic and formatting.
 *
 * The input is split in two strings parsed every way the engine parses
 * numbers; each result is formatted, reparsed (must be equal) and combined
 * with the other by every operation.
 *
 *-------------------------------------------------------------------------
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "arka_decimal.h"

int			LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Formatting then parsing a finite value must give the same value. */
static void
check_round_trip(const ArkaDec *d)
{
	char		buf[ARKA_DEC_STRLEN];
	size_t		n;
	ArkaDec		back;
	bool		unordered;

	if (!arka_dec_is_finite(d))
		return;
	n = arka_dec_to_json(d, buf);
	if (n >= ARKA_DEC_STRLEN || arka_dec_parse_json(buf, n, &back) != ARKA_DEC_OK ||
		arka_dec_cmp(d, &back, &unordered) != 0)
		abort();
	arka_dec_to_js_string(d, buf);
	arka_dec_to_canonical(d, buf);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *s = (const char *) data;
	size_t		half = size / 2;
	ArkaDec		a[3],
				b[3];
	ArkaDec		r;
	bool		unordered;

	if (arka_dec_parse_json(s, half, &a[0]) != ARKA_DEC_OK)
		a[0] = arka_dec_nan();
	a[1] = arka_dec_from_js_string(s, half);
	a[2] = arka_dec_parse_float_prefix(s, half);
	if (arka_dec_parse_json(s + half, size - half, &b[0]) != ARKA_DEC_OK)
		b[0] = arka_dec_from_int64(7);
	b[1] = arka_dec_from_js_string(s + half, size - half);
	b[2] = arka_dec_parse_float_prefix(s + half, size - half);

	for (int i = 0; i < 3; i++)
	{
		check_round_trip(&a[i]);
		check_round_trip(&b[i]);
		for (int j = 0; j < 3; j++)
		{
			(void) arka_dec_cmp(&a[i], &b[j], &unordered);
			if (arka_dec_add(&a[i], &b[j], &r) == ARKA_DEC_OK)
				check_round_trip(&r);
			if (arka_dec_sub(&a[i], &b[j], &r) == ARKA_DEC_OK)
				check_round_trip(&r);
			if (arka_dec_mul(&a[i], &b[j], &r) == ARKA_DEC_OK)
				check_round_trip(&r);
			if (arka_dec_div(&a[i], &b[j], &r) == ARKA_DEC_OK)
				check_round_trip(&r);
			if (arka_dec_mod(&a[i], &b[j], &r) == ARKA_DEC_OK)
				check_round_trip(&r);
		}
		r = arka_dec_normalize(&a[i]);
		check_round_trip(&r);
		(void) arka_dec_to_int64_trunc(&a[i]);
	}
	return 0;
}
