/*-------------------------------------------------------------------------
 *
 * arka_decimal.h
 *	  Exact decimal numbers for the arka engine core.
 *
 * A number is coef * 10^exp with a signed 128-bit coefficient holding at
 * most ARKA_DEC_DIGITS decimal digits.  Money never passes through binary
 * floating point: 0.1 + 0.2 == 0.3 exactly.  Addition, subtraction and
 * multiplication are exact whenever the result fits in 38 significant
 * digits (any realistic money amount); beyond that they round half-even
 * to 38 digits.  Division rounds half-even to 34 significant digits (the
 * precision of IEEE 754 decimal128).  Modulo is exact: the remainder
 * always fits in 38 digits (arka_dec_mod).
 *
 * Besides finite values a number may be NaN or +/-Infinity: JSON Logic
 * follows JavaScript, where "abc" converted to a number is NaN and every
 * comparison with NaN is false.  These never appear in JSON output.
 *
 * No PostgreSQL headers: this file is part of the portable engine core.
 *
 *-------------------------------------------------------------------------
 */
#ifndef ARKA_DECIMAL_H
#define ARKA_DECIMAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define ARKA_DEC_DIGITS		38		/* max significant digits in coef */
#define ARKA_DEC_DIV_DIGITS	34		/* significant digits of a quotient */
#define ARKA_DEC_EXP_MIN	(-6176) /* decimal128's range, documented */
#define ARKA_DEC_EXP_MAX	6111

typedef enum ArkaDecKind
{
	ARKA_DEC_FINITE = 0,
	ARKA_DEC_NAN,
	ARKA_DEC_PINF,
	ARKA_DEC_NINF
} ArkaDecKind;

typedef struct ArkaDec
{
	__int128	coef;			/* |coef| < 10^38; sign of the number */
	int32_t		exp;			/* value = coef * 10^exp */
	uint8_t		kind;			/* ArkaDecKind */
	uint8_t		negzero;		/* 1 for -0 (JS prints it as 0) */
} ArkaDec;

/* Result codes of operations that can fail. */
typedef enum ArkaDecStatus
{
	ARKA_DEC_OK = 0,
	ARKA_DEC_SYNTAX,			/* text is not a number */
	ARKA_DEC_OVERFLOW,			/* exponent beyond ARKA_DEC_EXP_MAX */
	ARKA_DEC_DIVZERO			/* division or modulo by zero */
} ArkaDecStatus;

/* Constructors */
extern ArkaDec arka_dec_from_int64(int64_t v);
extern ArkaDec arka_dec_nan(void);
extern ArkaDec arka_dec_inf(bool negative);

/*
 * Parse JSON number syntax exactly (e.g. "-12.50", "1e-7", "1E+21").
 * The whole of [s, s+len) must be the number.  Values with more than 38
 * significant digits are rounded half-even; exponents beyond the range
 * give ARKA_DEC_OVERFLOW (never silently Infinity); tiny values round to
 * zero.
 */
extern ArkaDecStatus arka_dec_parse_json(const char *s, size_t len, ArkaDec *out);

/*
 * JavaScript ToNumber on a string: trims ASCII and Unicode whitespace,
 * "" -> 0, accepts decimal and exponent forms with optional sign, leading
 * "." and trailing "." ("5." and ".5"), "0x"/"0o"/"0b" integer literals
 * (unsigned), "Infinity"/"+Infinity"/"-Infinity".  Anything else -> NaN.
 * Never fails: out-of-range exponents give +/-Infinity or 0 like JS.
 */
extern ArkaDec arka_dec_from_js_string(const char *s, size_t len);

/*
 * JavaScript parseFloat: skips leading whitespace, reads the longest
 * prefix that is a decimal number (sign, digits, ".", exponent) or
 * "Infinity"; no hex.  No numeric prefix -> NaN.
 */
extern ArkaDec arka_dec_parse_float_prefix(const char *s, size_t len);

/* Predicates */
static inline bool
arka_dec_is_nan(const ArkaDec *d)
{
	return d->kind == ARKA_DEC_NAN;
}
static inline bool
arka_dec_is_finite(const ArkaDec *d)
{
	return d->kind == ARKA_DEC_FINITE;
}
extern bool arka_dec_is_zero(const ArkaDec *d);
extern bool arka_dec_is_integer(const ArkaDec *d);

/*
 * Compare: returns -1, 0, 1; *unordered set true when either is NaN (then
 * the return value is 0 and must not be used).  Infinities order as usual.
 * 1.0 and 1 compare equal; -0 equals 0.
 */
extern int	arka_dec_cmp(const ArkaDec *a, const ArkaDec *b, bool *unordered);

/*
 * Arithmetic.  Results follow IEEE rules for NaN/Infinity operands
 * (Inf - Inf = NaN, 0 * Inf = NaN, ...).  add/sub/mul return
 * ARKA_DEC_OVERFLOW only when the finite result's exponent exceeds
 * ARKA_DEC_EXP_MAX.  div and mod return ARKA_DEC_DIVZERO for a finite or
 * infinite dividend over zero (arka's documented choice: an error, not
 * Infinity).  mod: result takes the sign of the dividend (JS %), exact.
 */
extern ArkaDecStatus arka_dec_add(const ArkaDec *a, const ArkaDec *b, ArkaDec *out);
extern ArkaDecStatus arka_dec_sub(const ArkaDec *a, const ArkaDec *b, ArkaDec *out);
extern ArkaDecStatus arka_dec_mul(const ArkaDec *a, const ArkaDec *b, ArkaDec *out);
extern ArkaDecStatus arka_dec_div(const ArkaDec *a, const ArkaDec *b, ArkaDec *out);
extern ArkaDecStatus arka_dec_mod(const ArkaDec *a, const ArkaDec *b, ArkaDec *out);
extern ArkaDec arka_dec_neg(const ArkaDec *a);

/* Strip trailing zeros from coef (1.500 -> 1.5, 100 -> 1e2); -0 -> 0. */
extern ArkaDec arka_dec_normalize(const ArkaDec *a);

/*
 * Conversion to int64 when the value is an integer within range (used
 * for array indexes, substr positions, missing_some counts).  Returns
 * false otherwise.  arka_dec_to_int64_trunc truncates toward zero and
 * saturates (JS ToIntegerOrInfinity for positions); NaN -> 0.
 */
extern bool arka_dec_to_int64(const ArkaDec *a, int64_t *out);
extern int64_t arka_dec_to_int64_trunc(const ArkaDec *a);

/* Approximate double value (never used for decisions; for reporting). */
extern double arka_dec_to_double(const ArkaDec *a);

/*
 * Build from the (finite) value of a double using the shortest decimal
 * string that round-trips (what JavaScript prints), e.g. 0.1 -> 0.1,
 * not 0.1000000000000000055...  Used where a source (jansson) hands us a
 * double.  NaN and infinities map to their kinds.
 */
extern ArkaDec arka_dec_from_double(double v);

/*
 * Formatting.  Buffers of ARKA_DEC_STRLEN bytes are always enough; the
 * functions return the length written (no NUL counted, but one written).
 *
 * arka_dec_to_js_string: JavaScript Number::toString(10) applied to the
 * normalized value: "100" for 100.0, "1.5", "1e+21", "1e-7", "0.000001",
 * "-5", "NaN", "Infinity", "-Infinity"; -0 prints "0".
 *
 * arka_dec_to_json: the JSON text used for output: the same as the JS
 * form for finite values (valid JSON), "null" for NaN/Infinity.
 *
 * arka_dec_to_canonical: the unambiguous form used in proof encodings,
 * "<coef>e<exp>" of the normalized value, e.g. "15e-1", "0e0", "-3e2".
 */
#define ARKA_DEC_STRLEN 64
extern size_t arka_dec_to_js_string(const ArkaDec *a, char *buf);
extern size_t arka_dec_to_json(const ArkaDec *a, char *buf);
extern size_t arka_dec_to_canonical(const ArkaDec *a, char *buf);

#endif							/* ARKA_DECIMAL_H */
