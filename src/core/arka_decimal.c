/*-------------------------------------------------------------------------
 *
 * arka_decimal.c
 *	  Exact decimal numbers for the arka engine core.
 *
 * A finite number is coef * 10^exp with |coef| < 10^38.  Internally every
 * operation works on an unsigned magnitude plus a sign, computes the exact
 * result (in 128 or 256 bits), and rounds it exactly once, half-even, in
 * dec_finish128().  Digits that an intermediate step had to drop are
 * summarized in a "lost" code so that a later rounding never rounds twice:
 *
 *	LOST_NONE	nothing dropped, the magnitude is exact
 *	LOST_LOW	dropped part is in (0, 1/2) of the last kept digit
 *	LOST_HALF	dropped part is exactly 1/2
 *	LOST_HIGH	dropped part is in (1/2, 1)
 *
 * Finite results always satisfy |coef| < 10^38 and EXP_MIN <= exp, and the
 * exponent of their normalized form (trailing zeros stripped) is at most
 * EXP_MAX; anything bigger is ARKA_DEC_OVERFLOW.  Results below the range
 * are rounded to exponent EXP_MIN (so tiny values become zero).
 *
 * Portable C11 plus the GCC/Clang __int128 extension; libc only.
 *
 *-------------------------------------------------------------------------
 */
#include "arka_decimal.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef unsigned __int128 u128;

/* Unsigned 256-bit integer, used for products and scaled dividends. */
typedef struct U256
{
	u128		lo;
	u128		hi;
} U256;

#define LOST_NONE	0
#define LOST_LOW	1
#define LOST_HALF	2
#define LOST_HIGH	3

#define U128(hi, lo) (((u128) (hi) << 64) | (u128) (lo))
#define U128_MAX	(~(u128) 0)
#define U64_MASK	((u128) UINT64_MAX)

/* Exponent digits are saturated here while parsing (never overflows). */
#define EXP_SATURATE	INT64_C(100000000000000000)

/*
 * Worst case of every formatter: sign, 38 digits, point, "e+", and the
 * exponent of a (possibly hand-built) int32 exp plus 38: 1+38+1+2+11 = 53.
 */
_Static_assert(ARKA_DEC_STRLEN >= 54, "ARKA_DEC_STRLEN too small");

/* 10^0 .. 10^38; 10^38 < 2^127, so all of them fit a signed __int128 too. */
static const u128 pow10_tab[39] = {
	U128(0x0000000000000000ULL, 0x0000000000000001ULL),	/* 10^0 */
	U128(0x0000000000000000ULL, 0x000000000000000aULL),	/* 10^1 */
	U128(0x0000000000000000ULL, 0x0000000000000064ULL),	/* 10^2 */
	U128(0x0000000000000000ULL, 0x00000000000003e8ULL),	/* 10^3 */
	U128(0x0000000000000000ULL, 0x0000000000002710ULL),	/* 10^4 */
	U128(0x0000000000000000ULL, 0x00000000000186a0ULL),	/* 10^5 */
	U128(0x0000000000000000ULL, 0x00000000000f4240ULL),	/* 10^6 */
	U128(0x0000000000000000ULL, 0x0000000000989680ULL),	/* 10^7 */
	U128(0x0000000000000000ULL, 0x0000000005f5e100ULL),	/* 10^8 */
	U128(0x0000000000000000ULL, 0x000000003b9aca00ULL),	/* 10^9 */
	U128(0x0000000000000000ULL, 0x00000002540be400ULL),	/* 10^10 */
	U128(0x0000000000000000ULL, 0x000000174876e800ULL),	/* 10^11 */
	U128(0x0000000000000000ULL, 0x000000e8d4a51000ULL),	/* 10^12 */
	U128(0x0000000000000000ULL, 0x000009184e72a000ULL),	/* 10^13 */
	U128(0x0000000000000000ULL, 0x00005af3107a4000ULL),	/* 10^14 */
	U128(0x0000000000000000ULL, 0x00038d7ea4c68000ULL),	/* 10^15 */
	U128(0x0000000000000000ULL, 0x002386f26fc10000ULL),	/* 10^16 */
	U128(0x0000000000000000ULL, 0x016345785d8a0000ULL),	/* 10^17 */
	U128(0x0000000000000000ULL, 0x0de0b6b3a7640000ULL),	/* 10^18 */
	U128(0x0000000000000000ULL, 0x8ac7230489e80000ULL),	/* 10^19 */
	U128(0x0000000000000005ULL, 0x6bc75e2d63100000ULL),	/* 10^20 */
	U128(0x0000000000000036ULL, 0x35c9adc5dea00000ULL),	/* 10^21 */
	U128(0x000000000000021eULL, 0x19e0c9bab2400000ULL),	/* 10^22 */
	U128(0x000000000000152dULL, 0x02c7e14af6800000ULL),	/* 10^23 */
	U128(0x000000000000d3c2ULL, 0x1bcecceda1000000ULL),	/* 10^24 */
	U128(0x0000000000084595ULL, 0x161401484a000000ULL),	/* 10^25 */
	U128(0x000000000052b7d2ULL, 0xdcc80cd2e4000000ULL),	/* 10^26 */
	U128(0x00000000033b2e3cULL, 0x9fd0803ce8000000ULL),	/* 10^27 */
	U128(0x00000000204fce5eULL, 0x3e25026110000000ULL),	/* 10^28 */
	U128(0x00000001431e0faeULL, 0x6d7217caa0000000ULL),	/* 10^29 */
	U128(0x0000000c9f2c9cd0ULL, 0x4674edea40000000ULL),	/* 10^30 */
	U128(0x0000007e37be2022ULL, 0xc0914b2680000000ULL),	/* 10^31 */
	U128(0x000004ee2d6d415bULL, 0x85acef8100000000ULL),	/* 10^32 */
	U128(0x0000314dc6448d93ULL, 0x38c15b0a00000000ULL),	/* 10^33 */
	U128(0x0001ed09bead87c0ULL, 0x378d8e6400000000ULL),	/* 10^34 */
	U128(0x0013426172c74d82ULL, 0x2b878fe800000000ULL),	/* 10^35 */
	U128(0x00c097ce7bc90715ULL, 0xb34b9f1000000000ULL),	/* 10^36 */
	U128(0x0785ee10d5da46d9ULL, 0x00f436a000000000ULL),	/* 10^37 */
	U128(0x4b3b4ca85a86c47aULL, 0x098a224000000000ULL),	/* 10^38 */
};

/* floor((2^128 - 1) / 10^d): m * 10^d fits in 128 bits iff m <= this. */
static const u128 mul_limit_tab[39] = {
	U128(0xffffffffffffffffULL, 0xffffffffffffffffULL),
	U128(0x1999999999999999ULL, 0x9999999999999999ULL),
	U128(0x028f5c28f5c28f5cULL, 0x28f5c28f5c28f5c2ULL),
	U128(0x004189374bc6a7efULL, 0x9db22d0e56041893ULL),
	U128(0x00068db8bac710cbULL, 0x295e9e1b089a0275ULL),
	U128(0x0000a7c5ac471b47ULL, 0x84230fcf80dc3372ULL),
	U128(0x000010c6f7a0b5edULL, 0x8d36b4c7f3493858ULL),
	U128(0x000001ad7f29abcaULL, 0xf485787a6520ec08ULL),
	U128(0x0000002af31dc461ULL, 0x1873bf3f70834acdULL),
	U128(0x000000044b82fa09ULL, 0xb5a52cb98b405447ULL),
	U128(0x000000006df37f67ULL, 0x5ef6eadf5ab9a207ULL),
	U128(0x000000000afebff0ULL, 0xbcb24aafef78f69aULL),
	U128(0x0000000001197998ULL, 0x12dea11197f27f0fULL),
	U128(0x00000000001c25c2ULL, 0x68497681c2650cb4ULL),
	U128(0x000000000002d093ULL, 0x70d42573603d4e12ULL),
	U128(0x000000000000480eULL, 0xbe7b9d58566c87ceULL),
	U128(0x0000000000000734ULL, 0xaca5f6226f0ada61ULL),
	U128(0x00000000000000b8ULL, 0x77aa3236a4b44909ULL),
	U128(0x0000000000000012ULL, 0x725dd1d243aba0e7ULL),
	U128(0x0000000000000001ULL, 0xd83c94fb6d2ac34aULL),
	U128(0x0000000000000000ULL, 0x2f394219248446baULL),
	U128(0x0000000000000000ULL, 0x04b8ed0283a6d3dfULL),
	U128(0x0000000000000000ULL, 0x0078e480405d7b96ULL),
	U128(0x0000000000000000ULL, 0x000c16d9a0095928ULL),
	U128(0x0000000000000000ULL, 0x0001357c299a88eaULL),
	U128(0x0000000000000000ULL, 0x00001ef2d0f5da7dULL),
	U128(0x0000000000000000ULL, 0x00000318481895d9ULL),
	U128(0x0000000000000000ULL, 0x0000004f3a68dbc8ULL),
	U128(0x0000000000000000ULL, 0x00000007ec3daf94ULL),
	U128(0x0000000000000000ULL, 0x00000000cad2f7f5ULL),
	U128(0x0000000000000000ULL, 0x0000000014484bfeULL),
	U128(0x0000000000000000ULL, 0x0000000002073accULL),
	U128(0x0000000000000000ULL, 0x000000000033ec47ULL),
	U128(0x0000000000000000ULL, 0x000000000005313aULL),
	U128(0x0000000000000000ULL, 0x00000000000084ecULL),
	U128(0x0000000000000000ULL, 0x0000000000000d4aULL),
	U128(0x0000000000000000ULL, 0x0000000000000154ULL),
	U128(0x0000000000000000ULL, 0x0000000000000022ULL),
	U128(0x0000000000000000ULL, 0x0000000000000003ULL),
};

#define POW10(n)	(pow10_tab[(n)])
#define P19			((uint64_t) 10000000000000000000ULL)

/* Unpacked finite operand: sign, magnitude < 10^38, 64-bit exponent. */
typedef struct DecParts
{
	bool		neg;
	u128		mag;
	int64_t		exp;
} DecParts;


/* ----------------------------------------------------------------
 *		Small integer helpers
 * ----------------------------------------------------------------
 */

/*
 * Number of bits needed for v (0 for 0).  The digit-count estimate below
 * starts from it, which avoids a search through the powers table.
 */
static inline int
bitlen128(u128 v)
{
	uint64_t	hi = (uint64_t) (v >> 64);
	uint64_t	lo = (uint64_t) v;

	if (hi != 0)
		return 128 - __builtin_clzll(hi);
	if (lo != 0)
		return 64 - __builtin_clzll(lo);
	return 0;
}

/*
 * Decimal digits of v (0 for 0).  floor(bits * log10(2)) is either the
 * answer or one less; (b * 1233) >> 12 computes it exactly for b <= 128.
 */
static inline int
digits128(u128 v)
{
	int			t = (bitlen128(v) * 1233) >> 12;

	return t + (v >= POW10(t) ? 1 : 0);
}

/*
 * Strip up to max trailing decimal zeros from *mag, returning how many
 * were stripped.  Works in 64 bits once the value fits, because 128-bit
 * division is a library call.
 */
static int
strip_zeros(u128 *mag, int64_t max)
{
	u128		m = *mag;
	int			n = 0;
	uint64_t	m64;

	if (m == 0 || max <= 0)
		return 0;
	while ((m >> 64) != 0 && n + 16 <= max && m % POW10(16) == 0)
	{
		m /= POW10(16);
		n += 16;
	}
	while ((m >> 64) != 0 && n < max && m % 10 == 0)
	{
		m /= 10;
		n++;
	}
	if ((m >> 64) == 0)
	{
		m64 = (uint64_t) m;
		while (n + 4 <= max && m64 % 10000 == 0)
		{
			m64 /= 10000;
			n += 4;
		}
		while (n < max && m64 % 10 == 0)
		{
			m64 /= 10;
			n++;
		}
		m = m64;
	}
	*mag = m;
	return n;
}

/*
 * Classify a remainder rem of a division by 10^n (1 <= n <= 38) against
 * half a unit, folding in what an earlier step had lost below it.  This is
 * the one place the half-even tie rule's inputs are decided.
 */
static inline int
classify_rem(u128 rem, int n, int lower_lost)
{
	u128		half = POW10(n) / 2;

	if (rem < half)
		return (rem != 0 || lower_lost != LOST_NONE) ? LOST_LOW : LOST_NONE;
	if (rem == half)
		return lower_lost != LOST_NONE ? LOST_HIGH : LOST_HALF;
	return LOST_HIGH;
}

/* Whether a magnitude followed by a lost code rounds up (half-even). */
static inline bool
round_up(u128 mag, int lost)
{
	return lost == LOST_HIGH || (lost == LOST_HALF && (mag & 1) != 0);
}

/* ----------------------------------------------------------------
 *		256-bit helpers
 * ----------------------------------------------------------------
 */

/* Full 128 x 128 -> 256 bit product, from four 64 x 64 partial products. */
static U256
mul128x128(u128 a, u128 b)
{
	u128		a0 = a & U64_MASK,
				a1 = a >> 64,
				b0 = b & U64_MASK,
				b1 = b >> 64;
	u128		p00 = a0 * b0,
				p01 = a0 * b1,
				p10 = a1 * b0,
				p11 = a1 * b1;
	u128		mid = (p00 >> 64) + (p01 & U64_MASK) + (p10 & U64_MASK);
	U256		r;

	r.lo = (p00 & U64_MASK) | (mid << 64);
	r.hi = p11 + (p01 >> 64) + (p10 >> 64) + (mid >> 64);
	return r;
}

/* a + b; the callers' operands are far below 2^256. */
static inline U256
add256(U256 a, u128 b)
{
	U256		r;

	r.lo = a.lo + b;
	r.hi = a.hi + (r.lo < b ? 1 : 0);
	return r;
}

/* a - b for a >= b. */
static inline U256
sub256(U256 a, u128 b)
{
	U256		r;

	r.lo = a.lo - b;
	r.hi = a.hi - (a.lo < b ? 1 : 0);
	return r;
}

/* Three-way comparison of two 256-bit values. */
static inline int
cmp256(U256 a, U256 b)
{
	if (a.hi != b.hi)
		return a.hi < b.hi ? -1 : 1;
	if (a.lo != b.lo)
		return a.lo < b.lo ? -1 : 1;
	return 0;
}

/*
 * In-place division of a 256-bit value by a 64-bit divisor, limb by limb
 * with native 128/64 divisions; returns the remainder.
 */
static uint64_t
divmod256_u64(U256 *n, uint64_t d)
{
	uint64_t	limb[4];
	u128		r = 0;
	int			i;

	limb[3] = (uint64_t) (n->hi >> 64);
	limb[2] = (uint64_t) n->hi;
	limb[1] = (uint64_t) (n->lo >> 64);
	limb[0] = (uint64_t) n->lo;
	for (i = 3; i >= 0; i--)
	{
		u128		cur = (r << 64) | limb[i];

		limb[i] = (uint64_t) (cur / d);
		r = cur % d;
	}
	n->hi = U128(limb[3], limb[2]);
	n->lo = U128(limb[1], limb[0]);
	return (uint64_t) r;
}

/*
 * Divide a 256-bit value by d when the quotient fits 128 bits (n.hi < d).
 * Native division when possible, two 128/64 steps for a 64-bit divisor,
 * otherwise plain shift-and-subtract over the low 128 bits.
 */
static u128
div256_128(U256 n, u128 d, u128 *rem)
{
	u128		r,
				q;
	int			i;

	if (n.hi == 0)
	{
		*rem = n.lo % d;
		return n.lo / d;
	}
	if ((d >> 64) == 0)
	{
		u128		x,
					q1,
					q0;

		x = (n.hi << 64) | (n.lo >> 64);
		q1 = x / d;
		r = x % d;
		x = (r << 64) | (n.lo & U64_MASK);
		q0 = x / d;
		*rem = x % d;
		return (q1 << 64) | q0;
	}
	r = n.hi;
	q = 0;
	for (i = 127; i >= 0; i--)
	{
		bool		carry = (r >> 127) != 0;

		r = (r << 1) | ((n.lo >> i) & 1);
		q <<= 1;
		if (carry || r >= d)
		{
			r -= d;
			q |= 1;
		}
	}
	*rem = r;
	return q;
}

/* (a * b) mod m for a, b < m, through the 256-bit product. */
static u128
mulmod128(u128 a, u128 b, u128 m)
{
	u128		r;

	(void) div256_128(mul128x128(a, b), m, &r);
	return r;
}

/* 10^e mod m by square-and-multiply, for modulo with huge exponent gaps. */
static u128
pow10mod(int64_t e, u128 m)
{
	u128		result = 1 % m;
	u128		base = 10 % m;

	while (e > 0)
	{
		if (e & 1)
			result = mulmod128(result, base, m);
		base = mulmod128(base, base, m);
		e >>= 1;
	}
	return result;
}

/* ----------------------------------------------------------------
 *		Packing, unpacking and the single rounding step
 * ----------------------------------------------------------------
 */

/* Build a finite value; a zero magnitude keeps the sign as negzero. */
static inline ArkaDec
dec_make(bool neg, u128 mag, int32_t exp)
{
	ArkaDec		d;

	d.coef = neg ? -(__int128) mag : (__int128) mag;
	d.exp = exp;
	d.kind = ARKA_DEC_FINITE;
	d.negzero = (neg && mag == 0) ? 1 : 0;
	return d;
}

static inline ArkaDec
dec_special(ArkaDecKind kind)
{
	ArkaDec		d;

	d.coef = 0;
	d.exp = 0;
	d.kind = (uint8_t) kind;
	d.negzero = 0;
	return d;
}

/*
 * Round an exact-or-truncated magnitude (any 128-bit value, with the lost
 * code describing what lies below its last digit) to 38 digits and to the
 * exponent range, and store it.  This is where every result is rounded,
 * exactly once.  Returns ARKA_DEC_OVERFLOW when the normalized exponent
 * would exceed ARKA_DEC_EXP_MAX; *out is then NaN.
 */
static ArkaDecStatus
dec_finish128(bool neg, u128 mag, int64_t exp, int lost, ArkaDec *out)
{
	int64_t		n = 0;

	if (mag >= POW10(38))
		n = 1;					/* 2^128 < 10^39: at most one extra digit */
	if (exp + n < ARKA_DEC_EXP_MIN)
		n = ARKA_DEC_EXP_MIN - exp;

	if (n > 0)
	{
		if (n >= 39)
			mag = 0;			/* below 10^39 / 10^39: less than half */
		else
		{
			u128		q = mag / POW10(n);
			int			l = classify_rem(mag % POW10(n), (int) n, lost);

			mag = q + (round_up(q, l) ? 1 : 0);
		}
		exp += n;
	}
	else if (lost != LOST_NONE && round_up(mag, lost))
		mag++;

	if (mag == POW10(38))
	{
		mag = POW10(37);
		exp++;
	}

	if (mag == 0)
	{
		if (exp > ARKA_DEC_EXP_MAX)
			exp = ARKA_DEC_EXP_MAX;
		*out = dec_make(neg, 0, (int32_t) exp);
		return ARKA_DEC_OK;
	}

	if (exp > ARKA_DEC_EXP_MAX - (ARKA_DEC_DIGITS - 1))
	{
		u128		m = mag;

		if (exp > ARKA_DEC_EXP_MAX ||
			exp + strip_zeros(&m, ARKA_DEC_DIGITS) > ARKA_DEC_EXP_MAX)
		{
			*out = dec_special(ARKA_DEC_NAN);
			return ARKA_DEC_OVERFLOW;
		}
	}
	*out = dec_make(neg, mag, (int32_t) exp);
	return ARKA_DEC_OK;
}

/*
 * Same for a 256-bit magnitude below 10^76 (products and aligned sums):
 * cut it to 38 digits by one division, summarize the cut-off digits in
 * the lost code, and let dec_finish128() do the rounding.
 */
static ArkaDecStatus
dec_finish256(bool neg, U256 p, int64_t exp, int lost, ArkaDec *out)
{
	int			bl,
				t,
				n;
	U256		q;
	u128		rem;

	if (p.hi == 0)
		return dec_finish128(neg, p.lo, exp, lost, out);

	/* digits(p) is t or t + 1; p >= 2^128 > 10^38 so t >= 38 */
	bl = 256 - (p.hi >> 64 != 0 ? __builtin_clzll((uint64_t) (p.hi >> 64))
				: 64 + __builtin_clzll((uint64_t) p.hi));
	t = (bl * 78913) >> 18;
	if (t > 76)
		t = 76;					/* unreachable for p < 10^76; bounds the table */
	if (t > 38 && cmp256(p, mul128x128(POW10(38), POW10(t - 38))) >= 0)
		t++;
	else if (t == 38 && (p.hi != 0 || p.lo >= POW10(38)))
		t++;
	n = t - 38;					/* 1 .. 38 since p < 10^76 */

	q = p;
	if (n <= 19)
		rem = divmod256_u64(&q, (uint64_t) POW10(n));
	else
	{
		uint64_t	r1 = divmod256_u64(&q, P19);
		uint64_t	r2 = divmod256_u64(&q, (uint64_t) POW10(n - 19));

		rem = (u128) r2 * P19 + r1;
	}
	return dec_finish128(neg, q.lo, exp + n, classify_rem(rem, n, lost), out);
}

/*
 * Split a finite ArkaDec into sign, magnitude and 64-bit exponent.  A
 * hand-built coefficient of 10^38 or more is first rounded to 38 digits,
 * so the arithmetic below can rely on mag < 10^38 without undefined
 * behaviour on malformed input.
 */
static inline DecParts
dec_unpack(const ArkaDec *a)
{
	DecParts	p;

	p.neg = a->coef < 0 || (a->coef == 0 && a->negzero);
	p.mag = a->coef < 0 ? -(u128) a->coef : (u128) a->coef;
	p.exp = a->exp;
	if (p.mag >= POW10(38))
	{
		u128		q = p.mag / 10;
		int			l = classify_rem(p.mag % 10, 1, LOST_NONE);

		p.mag = q + (round_up(q, l) ? 1 : 0);
		p.exp++;
		if (p.mag == POW10(38))
		{
			p.mag = POW10(37);
			p.exp++;
		}
	}
	return p;
}

/* ----------------------------------------------------------------
 *		Constructors and predicates
 * ----------------------------------------------------------------
 */

/* Integers are the most common source of numbers (indexes, counts). */
ArkaDec
arka_dec_from_int64(int64_t v)
{
	ArkaDec		d;

	d.coef = v;
	d.exp = 0;
	d.kind = ARKA_DEC_FINITE;
	d.negzero = 0;
	return d;
}

/* NaN: the result of failed JS number conversions. */
ArkaDec
arka_dec_nan(void)
{
	return dec_special(ARKA_DEC_NAN);
}

/* Infinities: JS ToNumber("Infinity"), min/max of nothing, and so on. */
ArkaDec
arka_dec_inf(bool negative)
{
	return dec_special(negative ? ARKA_DEC_NINF : ARKA_DEC_PINF);
}

/* Zero test for truthiness; -0 is zero too. */
bool
arka_dec_is_zero(const ArkaDec *d)
{
	return d->kind == ARKA_DEC_FINITE && d->coef == 0;
}

/* Finite without fractional part: 1.00 qualifies, whatever its scale. */
bool
arka_dec_is_integer(const ArkaDec *d)
{
	u128		mag;

	if (d->kind != ARKA_DEC_FINITE)
		return false;
	if (d->exp >= 0 || d->coef == 0)
		return true;
	if (d->exp < -38)
		return false;			/* |coef| < 2^127 < 10^39, nonzero */
	mag = d->coef < 0 ? -(u128) d->coef : (u128) d->coef;
	return mag % POW10(-d->exp) == 0;
}

/* ----------------------------------------------------------------
 *		Comparison
 * ----------------------------------------------------------------
 */

/*
 * Three-way compare.  Equal exponents (the common case for amounts of one
 * currency) take one 128-bit comparison; otherwise the operand with the
 * larger exponent is scaled up when that fits in 128 bits, and when it
 * does not, it is necessarily the larger in magnitude.  No division.
 */
int
arka_dec_cmp(const ArkaDec *a, const ArkaDec *b, bool *unordered)
{
	int			sa,
				sb,
				r;
	const ArkaDec *x,
			   *y;
	u128		xm,
				ym;
	int64_t		d;

	if (unordered)
		*unordered = false;
	if ((a->kind | b->kind) == ARKA_DEC_FINITE)
	{
		if (a->exp == b->exp)
			return (a->coef > b->coef) - (a->coef < b->coef);
	}
	else
	{
		int			ra,
					rb;

		if (a->kind == ARKA_DEC_NAN || b->kind == ARKA_DEC_NAN)
		{
			if (unordered)
				*unordered = true;
			return 0;
		}
		/* rank: -Inf < finite < +Inf; two finite ones never get here */
		ra = a->kind == ARKA_DEC_PINF ? 1 : a->kind == ARKA_DEC_NINF ? -1 : 0;
		rb = b->kind == ARKA_DEC_PINF ? 1 : b->kind == ARKA_DEC_NINF ? -1 : 0;
		return (ra > rb) - (ra < rb);
	}

	sa = (a->coef > 0) - (a->coef < 0);
	sb = (b->coef > 0) - (b->coef < 0);
	if (sa != sb)
		return (sa > sb) - (sa < sb);
	if (sa == 0)
		return 0;

	/* same sign, nonzero: compare magnitudes; x has the larger exponent */
	if (a->exp > b->exp)
	{
		x = a;
		y = b;
	}
	else
	{
		x = b;
		y = a;
	}
	xm = x->coef < 0 ? -(u128) x->coef : (u128) x->coef;
	ym = y->coef < 0 ? -(u128) y->coef : (u128) y->coef;
	d = (int64_t) x->exp - y->exp;
	if (d <= 38 && xm <= mul_limit_tab[d])
	{
		xm *= POW10(d);
		r = (xm > ym) - (xm < ym);
	}
	else
		r = 1;					/* xm * 10^d >= 2^128 > ym */
	if (x != a)
		r = -r;
	return sa < 0 ? -r : r;
}

/* ----------------------------------------------------------------
 *		Arithmetic
 * ----------------------------------------------------------------
 */

/*
 * Exact sum of two finite operands, rounded once.  When the operand with
 * the larger exponent can be scaled to the other's exponent in 128 bits,
 * the sum is exact there; otherwise it is scaled by 10^38 into 256 bits
 * and the other operand is cut to that exponent, its cut-off digits kept
 * as a lost code.  When the operands are more than 38 digits apart the
 * scaled one has at least 39 digits, so a subtraction cannot cancel to
 * fewer than 38 and the lost code stays meaningful.
 */
static ArkaDecStatus
dec_add_parts(DecParts x, DecParts y, ArkaDec *out)
{
	int64_t		d;
	U256		xs;
	u128		yq;
	int			lost;
	int64_t		et;

	if (x.mag == 0 || y.mag == 0)
	{
		if (x.mag == 0 && y.mag == 0)
			return dec_finish128(x.neg && y.neg, 0,
								 x.exp < y.exp ? x.exp : y.exp,
								 LOST_NONE, out);
		if (x.mag == 0)
			x = y;
		return dec_finish128(x.neg, x.mag, x.exp, LOST_NONE, out);
	}
	if (x.exp < y.exp)
	{
		DecParts	t = x;

		x = y;
		y = t;
	}
	d = x.exp - y.exp;

	if (d <= 38 && x.mag <= mul_limit_tab[d])
	{
		u128		xm = x.mag * POW10(d);

		if (x.neg != y.neg)
		{
			if (xm > y.mag)
				return dec_finish128(x.neg, xm - y.mag, y.exp, LOST_NONE, out);
			if (xm < y.mag)
				return dec_finish128(y.neg, y.mag - xm, y.exp, LOST_NONE, out);
			return dec_finish128(false, 0, y.exp, LOST_NONE, out);
		}
		if (xm <= U128_MAX - y.mag)
			return dec_finish128(x.neg, xm + y.mag, y.exp, LOST_NONE, out);
	}

	/* 256-bit path: scale x by up to 10^38 */
	if (d <= 38)
	{
		xs = mul128x128(x.mag, POW10(d));
		et = y.exp;
		yq = y.mag;
		lost = LOST_NONE;
	}
	else
	{
		int64_t		k = d - 38;

		xs = mul128x128(x.mag, POW10(38));
		et = x.exp - 38;
		if (k <= 38)
		{
			yq = y.mag / POW10(k);
			lost = classify_rem(y.mag % POW10(k), (int) k, LOST_NONE);
		}
		else
		{
			yq = 0;
			lost = LOST_LOW;	/* y < 10^38 <= half of 10^k */
		}
	}

	if (x.neg == y.neg)
		return dec_finish256(x.neg, add256(xs, yq), et, lost, out);

	if (d <= 38)
	{
		/* exact difference; xs may be the smaller one */
		U256		yy = {yq, 0};
		int			c = cmp256(xs, yy);

		if (c == 0)
			return dec_finish128(false, 0, et, LOST_NONE, out);
		if (c < 0)
			return dec_finish128(y.neg, yq - xs.lo, et, LOST_NONE, out);
		return dec_finish256(x.neg, sub256(xs, yq), et, LOST_NONE, out);
	}
	/* xs >= 10^38 > y: x - (yq + f) = (x - yq - 1) + (1 - f) */
	xs = sub256(xs, yq);
	if (lost != LOST_NONE)
	{
		xs = sub256(xs, 1);
		lost = LOST_HIGH + LOST_LOW - lost;
	}
	return dec_finish256(x.neg, xs, et, lost, out);
}

/*
 * Addition and subtraction share the NaN/Infinity rules: Inf - Inf and
 * Inf + -Inf are NaN, any other Infinity wins over finite values.
 */
static ArkaDecStatus
dec_add_special(const ArkaDec *a, const ArkaDec *b, bool negate_b, ArkaDec *out)
{
	int			kb = b->kind;

	if (negate_b && kb == ARKA_DEC_PINF)
		kb = ARKA_DEC_NINF;
	else if (negate_b && kb == ARKA_DEC_NINF)
		kb = ARKA_DEC_PINF;

	if (a->kind == ARKA_DEC_NAN || kb == ARKA_DEC_NAN)
		*out = dec_special(ARKA_DEC_NAN);
	else if (a->kind != ARKA_DEC_FINITE && kb != ARKA_DEC_FINITE)
		*out = dec_special(a->kind == kb ? (ArkaDecKind) kb : ARKA_DEC_NAN);
	else if (a->kind != ARKA_DEC_FINITE)
		*out = dec_special((ArkaDecKind) a->kind);
	else
		*out = dec_special((ArkaDecKind) kb);
	return ARKA_DEC_OK;
}

/*
 * a + b.  Same exponents (amounts of one scale) and no carry past 38
 * digits take a single checked 128-bit addition.
 */
ArkaDecStatus
arka_dec_add(const ArkaDec *a, const ArkaDec *b, ArkaDec *out)
{
	if ((a->kind | b->kind) != ARKA_DEC_FINITE)
		return dec_add_special(a, b, false, out);

	if (a->exp == b->exp && a->exp >= ARKA_DEC_EXP_MIN &&
		a->exp <= ARKA_DEC_EXP_MAX - (ARKA_DEC_DIGITS - 1))
	{
		__int128	s;

		if (!__builtin_add_overflow(a->coef, b->coef, &s) &&
			s < (__int128) POW10(38) && s > -(__int128) POW10(38))
		{
			out->coef = s;
			out->exp = a->exp;
			out->kind = ARKA_DEC_FINITE;
			out->negzero = (a->coef == 0 && b->coef == 0 &&
							a->negzero && b->negzero) ? 1 : 0;
			return ARKA_DEC_OK;
		}
	}
	return dec_add_parts(dec_unpack(a), dec_unpack(b), out);
}

/* a - b, as a + (-b) with the same single rounding. */
ArkaDecStatus
arka_dec_sub(const ArkaDec *a, const ArkaDec *b, ArkaDec *out)
{
	DecParts	y;

	if ((a->kind | b->kind) != ARKA_DEC_FINITE)
		return dec_add_special(a, b, true, out);

	if (a->exp == b->exp && a->exp >= ARKA_DEC_EXP_MIN &&
		a->exp <= ARKA_DEC_EXP_MAX - (ARKA_DEC_DIGITS - 1))
	{
		__int128	s;

		if (!__builtin_sub_overflow(a->coef, b->coef, &s) &&
			s < (__int128) POW10(38) && s > -(__int128) POW10(38))
		{
			out->coef = s;
			out->exp = a->exp;
			out->kind = ARKA_DEC_FINITE;
			/* only -0 - (+0) is -0 */
			out->negzero = (a->coef == 0 && b->coef == 0 &&
							a->negzero && !b->negzero) ? 1 : 0;
			return ARKA_DEC_OK;
		}
	}
	y = dec_unpack(b);
	y.neg = !y.neg;
	return dec_add_parts(dec_unpack(a), y, out);
}

/*
 * a * b.  Coefficients below 2^64 multiply natively; larger ones go
 * through the full 256-bit product, which is then rounded half-even to 38
 * digits, so an overflowing product is never undefined behaviour.
 */
ArkaDecStatus
arka_dec_mul(const ArkaDec *a, const ArkaDec *b, ArkaDec *out)
{
	DecParts	x,
				y;
	bool		neg;

	if ((a->kind | b->kind) != ARKA_DEC_FINITE)
	{
		if (a->kind == ARKA_DEC_NAN || b->kind == ARKA_DEC_NAN ||
			arka_dec_is_zero(a) || arka_dec_is_zero(b))
			*out = dec_special(ARKA_DEC_NAN);
		else
		{
			bool		na = a->kind == ARKA_DEC_NINF ||
				(a->kind == ARKA_DEC_FINITE && a->coef < 0);
			bool		nb = b->kind == ARKA_DEC_NINF ||
				(b->kind == ARKA_DEC_FINITE && b->coef < 0);

			*out = arka_dec_inf(na != nb);
		}
		return ARKA_DEC_OK;
	}

	x = dec_unpack(a);
	y = dec_unpack(b);
	neg = x.neg != y.neg;
	if ((x.mag >> 64) == 0 && (y.mag >> 64) == 0)
		return dec_finish128(neg, x.mag * y.mag, x.exp + y.exp, LOST_NONE, out);
	return dec_finish256(neg, mul128x128(x.mag, y.mag), x.exp + y.exp,
						 LOST_NONE, out);
}

/*
 * a / b to 34 significant digits, half-even.  The dividend is scaled so
 * that the integer quotient has 34 or 35 digits (or all of a large
 * dividend's); the remainder decides the rounding.  Exact quotients drop
 * trailing zeros down to the ideal exponent ea - eb, so 4/2 is 2, 10/4 is
 * 2.5 and 1.00/4 is 0.25.
 */
ArkaDecStatus
arka_dec_div(const ArkaDec *a, const ArkaDec *b, ArkaDec *out)
{
	DecParts	x,
				y;
	bool		neg;
	int			s,
				dq,
				lost;
	U256		num;
	u128		q,
				r;
	int64_t		exp,
				ideal;

	if (a->kind == ARKA_DEC_NAN || b->kind == ARKA_DEC_NAN)
	{
		*out = dec_special(ARKA_DEC_NAN);
		return ARKA_DEC_OK;
	}
	if (arka_dec_is_zero(b))
	{
		*out = dec_special(ARKA_DEC_NAN);
		return ARKA_DEC_DIVZERO;
	}
	if (a->kind != ARKA_DEC_FINITE)
	{
		if (b->kind != ARKA_DEC_FINITE)
			*out = dec_special(ARKA_DEC_NAN);
		else
			*out = arka_dec_inf((a->kind == ARKA_DEC_NINF) != (b->coef < 0));
		return ARKA_DEC_OK;
	}
	if (b->kind != ARKA_DEC_FINITE)
	{
		bool		na = a->coef < 0 || (a->coef == 0 && a->negzero);

		*out = dec_make(na != (b->kind == ARKA_DEC_NINF), 0, 0);
		return ARKA_DEC_OK;
	}

	x = dec_unpack(a);
	y = dec_unpack(b);
	neg = x.neg != y.neg;
	ideal = x.exp - y.exp;
	if (x.mag == 0)
		return dec_finish128(neg, 0, ideal, LOST_NONE, out);

	s = ARKA_DEC_DIV_DIGITS + digits128(y.mag) - digits128(x.mag);
	if (s < 0)
		s = 0;
	if (s <= 38)
		num = mul128x128(x.mag, POW10(s));
	else
		num = mul128x128(x.mag * POW10(s - 38), POW10(38));
	q = div256_128(num, y.mag, &r);
	exp = ideal - s;

	/* remainder against half the divisor; 2r < 2 * 10^38 fits */
	if (r == 0)
		lost = LOST_NONE;
	else if (2 * r < y.mag)
		lost = LOST_LOW;
	else if (2 * r == y.mag)
		lost = LOST_HALF;
	else
		lost = LOST_HIGH;

	dq = digits128(q);
	if (dq > ARKA_DEC_DIV_DIGITS)
	{
		int			n = dq - ARKA_DEC_DIV_DIGITS;
		u128		q2 = q / POW10(n);

		lost = classify_rem(q % POW10(n), n, lost);
		q = q2;
		exp += n;
	}
	/* exact quotients shed trailing zeros; inexact ones round in finish */
	if (lost == LOST_NONE && exp < ideal)
		exp += strip_zeros(&q, ideal - exp);
	return dec_finish128(neg, q, exp, lost, out);
}

/*
 * a % b with the sign of a (JavaScript %), exact: the result is a
 * multiple of 10^min(ea, eb) below |b| and, when ea < eb, at most |a|, so
 * it always fits in 38 digits.  A huge exponent gap is bridged with
 * modular exponentiation instead of scaling.
 */
ArkaDecStatus
arka_dec_mod(const ArkaDec *a, const ArkaDec *b, ArkaDec *out)
{
	DecParts	x,
				y;
	u128		r;
	int64_t		d,
				e;

	if (a->kind == ARKA_DEC_NAN || b->kind == ARKA_DEC_NAN)
	{
		*out = dec_special(ARKA_DEC_NAN);
		return ARKA_DEC_OK;
	}
	if (arka_dec_is_zero(b))
	{
		*out = dec_special(ARKA_DEC_NAN);
		return ARKA_DEC_DIVZERO;
	}
	if (a->kind != ARKA_DEC_FINITE)
	{
		*out = dec_special(ARKA_DEC_NAN);
		return ARKA_DEC_OK;
	}
	x = dec_unpack(a);
	if (b->kind != ARKA_DEC_FINITE)
		return dec_finish128(x.neg, x.mag, x.exp, LOST_NONE, out);

	y = dec_unpack(b);
	if (x.exp >= y.exp)
	{
		d = x.exp - y.exp;
		if (d <= 38 && x.mag <= mul_limit_tab[d])
			r = (x.mag * POW10(d)) % y.mag;
		else
			r = mulmod128(x.mag % y.mag, pow10mod(d, y.mag), y.mag);
		e = y.exp;
	}
	else
	{
		d = y.exp - x.exp;
		if (d <= 38 && y.mag <= mul_limit_tab[d])
			r = x.mag % (y.mag * POW10(d));
		else
			r = x.mag;			/* |b| >= 10^38 units of a > |a| */
		e = x.exp;
	}
	return dec_finish128(x.neg, r, e, LOST_NONE, out);
}

/* Negation; -0 and 0 swap, NaN stays NaN. */
ArkaDec
arka_dec_neg(const ArkaDec *a)
{
	ArkaDec		r = *a;

	switch (a->kind)
	{
		case ARKA_DEC_PINF:
			r.kind = ARKA_DEC_NINF;
			break;
		case ARKA_DEC_NINF:
			r.kind = ARKA_DEC_PINF;
			break;
		case ARKA_DEC_FINITE:
			if (a->coef == 0)
				r.negzero = a->negzero ? 0 : 1;
			else
			{
				r.coef = (__int128) (-(u128) a->coef);
				r.negzero = 0;
			}
			break;
		default:
			break;
	}
	return r;
}

/*
 * Strip trailing zeros, giving the unique form used by formatting and
 * hashing; zero becomes 0e0 without sign.
 */
ArkaDec
arka_dec_normalize(const ArkaDec *a)
{
	ArkaDec		r = *a;
	u128		mag;
	bool		neg;

	if (a->kind != ARKA_DEC_FINITE)
		return r;
	if (a->coef == 0)
		return dec_make(false, 0, 0);
	neg = a->coef < 0;
	mag = neg ? -(u128) a->coef : (u128) a->coef;
	r.exp += strip_zeros(&mag, (int64_t) INT32_MAX - a->exp);
	r.coef = neg ? (__int128) (-mag) : (__int128) mag;
	r.negzero = 0;
	return r;
}

/* ----------------------------------------------------------------
 *		Integer and double conversions
 * ----------------------------------------------------------------
 */

/*
 * Magnitude of the integer part, truncated; *exact tells whether the value
 * was an integer, *big whether it is at least 2^64.
 */
static u128
dec_int_part(const ArkaDec *a, bool *exact, bool *big)
{
	u128		mag = a->coef < 0 ? -(u128) a->coef : (u128) a->coef;
	int64_t		e = a->exp;

	*exact = true;
	*big = false;
	if (mag == 0)
		return 0;
	if (e < 0)
	{
		if (e < -38)
		{
			*exact = false;
			return 0;
		}
		*exact = mag % POW10(-e) == 0;
		mag /= POW10(-e);
	}
	else if (e > 0)
	{
		if (e > 38 || mag > mul_limit_tab[e])
		{
			*big = true;
			return 0;
		}
		mag *= POW10(e);
	}
	if ((mag >> 64) != 0)
		*big = true;
	return mag;
}

/* Exact integer conversion for indexes and counts. */
bool
arka_dec_to_int64(const ArkaDec *a, int64_t *out)
{
	bool		exact,
				big;
	u128		mag;

	if (a->kind != ARKA_DEC_FINITE)
		return false;
	mag = dec_int_part(a, &exact, &big);
	if (!exact || big)
		return false;
	if (a->coef < 0)
	{
		if (mag > (u128) INT64_MAX + 1)
			return false;
		*out = mag == (u128) INT64_MAX + 1 ? INT64_MIN : -(int64_t) mag;
	}
	else
	{
		if (mag > (u128) INT64_MAX)
			return false;
		*out = (int64_t) mag;
	}
	return true;
}

/* Truncating, saturating conversion (JS ToIntegerOrInfinity, clamped). */
int64_t
arka_dec_to_int64_trunc(const ArkaDec *a)
{
	bool		exact,
				big;
	u128		mag;

	switch (a->kind)
	{
		case ARKA_DEC_NAN:
			return 0;
		case ARKA_DEC_PINF:
			return INT64_MAX;
		case ARKA_DEC_NINF:
			return INT64_MIN;
		default:
			break;
	}
	mag = dec_int_part(a, &exact, &big);
	if (a->coef < 0)
	{
		if (big || mag >= (u128) INT64_MAX + 1)
			return INT64_MIN;
		return -(int64_t) mag;
	}
	if (big || mag > (u128) INT64_MAX)
		return INT64_MAX;
	return (int64_t) mag;
}

/* Correctly rounded double, by letting strtod read the canonical text. */
double
arka_dec_to_double(const ArkaDec *a)
{
	char		buf[ARKA_DEC_STRLEN];

	switch (a->kind)
	{
		case ARKA_DEC_NAN:
			return NAN;
		case ARKA_DEC_PINF:
			return HUGE_VAL;
		case ARKA_DEC_NINF:
			return -HUGE_VAL;
		default:
			break;
	}
	if (a->coef == 0)
		return a->negzero ? -0.0 : 0.0;
	(void) arka_dec_to_canonical(a, buf);
	return strtod(buf, NULL);
}

/*
 * The decimal JavaScript would print for a double: the shortest "%.*g"
 * text that reads back as the same double, parsed exactly.
 */
ArkaDec
arka_dec_from_double(double v)
{
	char		buf[64];
	int			p;
	char	   *c;
	ArkaDec		r;

	if (isnan(v))
		return dec_special(ARKA_DEC_NAN);
	if (isinf(v))
		return arka_dec_inf(v < 0);
	if (v == 0)
		return dec_make(signbit(v) != 0, 0, 0);

	for (p = 1; p <= 17; p++)
	{
		snprintf(buf, sizeof(buf), "%.*g", p, v);
		if (strtod(buf, NULL) == v)
			break;
	}
	/* a locale with a decimal comma would break the JSON grammar */
	for (c = buf; *c; c++)
	{
		if (*c == ',')
			*c = '.';
	}
	if (arka_dec_parse_json(buf, strlen(buf), &r) != ARKA_DEC_OK)
		return dec_special(ARKA_DEC_NAN);	/* cannot happen for doubles */
	return r;
}

/* ----------------------------------------------------------------
 *		Parsing
 * ----------------------------------------------------------------
 */

/*
 * Accumulator of significant digits: keeps the first 38, counts the rest
 * and remembers the first dropped digit and whether any later one was
 * nonzero, which is all half-even rounding needs.  Linear in the input.
 */
typedef struct DigitAcc
{
	u128		mag;
	int			nd;				/* significant digits kept, <= 38 */
	int			first;			/* first dropped digit */
	bool		sticky;			/* a later dropped digit was nonzero */
	int64_t		dropped;		/* number of dropped digits */
} DigitAcc;

static inline void
acc_digit(DigitAcc *acc, int d)
{
	if (acc->nd < ARKA_DEC_DIGITS)
	{
		if (acc->nd == 0 && d == 0)
			return;				/* leading zero */
		acc->mag = acc->mag * 10 + (unsigned) d;
		acc->nd++;
	}
	else
	{
		if (acc->dropped == 0)
			acc->first = d;
		else if (d != 0)
			acc->sticky = true;
		acc->dropped++;
	}
}

/* The lost code of the dropped digits. */
static inline int
acc_lost(const DigitAcc *acc)
{
	if (acc->dropped == 0)
		return LOST_NONE;
	if (acc->first > 5)
		return LOST_HIGH;
	if (acc->first == 5)
		return acc->sticky ? LOST_HIGH : LOST_HALF;
	if (acc->first > 0)
		return LOST_LOW;
	return acc->sticky ? LOST_LOW : LOST_NONE;
}

static inline bool
is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/*
 * Read exponent digits, saturating far beyond any meaningful exponent so
 * "1e999999999999" neither overflows nor wraps.
 */
static const char *
read_exp_digits(const char *p, const char *end, int64_t *ev)
{
	int64_t		v = 0;

	while (p < end && is_digit(*p))
	{
		if (v < EXP_SATURATE)
			v = v * 10 + (*p - '0');
		p++;
	}
	*ev = v;
	return p;
}

/* Strict JSON number grammar (RFC 8259), exact up to 38 digits. */
ArkaDecStatus
arka_dec_parse_json(const char *s, size_t len, ArkaDec *out)
{
	const char *p = s;
	const char *end;
	DigitAcc	acc = {0, 0, 0, false, 0};
	bool		neg = false,
				eneg = false;
	int64_t		frac = 0,
				ev = 0;

	*out = dec_special(ARKA_DEC_NAN);
	if (s == NULL || len == 0)
		return ARKA_DEC_SYNTAX;
	end = s + len;
	if (*p == '-')
	{
		neg = true;
		p++;
	}
	if (p >= end)
		return ARKA_DEC_SYNTAX;
	if (*p == '0')
		p++;
	else if (*p >= '1' && *p <= '9')
	{
		while (p < end && is_digit(*p))
			acc_digit(&acc, *p++ - '0');
	}
	else
		return ARKA_DEC_SYNTAX;

	if (p < end && *p == '.')
	{
		p++;
		if (p >= end || !is_digit(*p))
			return ARKA_DEC_SYNTAX;
		while (p < end && is_digit(*p))
		{
			acc_digit(&acc, *p++ - '0');
			frac++;
		}
	}
	if (p < end && (*p == 'e' || *p == 'E'))
	{
		p++;
		if (p < end && (*p == '+' || *p == '-'))
			eneg = *p++ == '-';
		if (p >= end || !is_digit(*p))
			return ARKA_DEC_SYNTAX;
		p = read_exp_digits(p, end, &ev);
	}
	if (p != end)
		return ARKA_DEC_SYNTAX;

	return dec_finish128(neg, acc.mag, (eneg ? -ev : ev) - frac + acc.dropped,
						 acc_lost(&acc), out);
}

/*
 * Length of the JavaScript white space or line terminator starting at p
 * (ASCII, or UTF-8 encoded U+00A0, U+1680, U+2000-U+200A, U+2028, U+2029,
 * U+202F, U+205F, U+3000, U+FEFF), 0 if there is none.
 */
static int
js_space_len(const char *p, const char *end)
{
	const unsigned char *u = (const unsigned char *) p;
	ptrdiff_t	n = end - p;

	if (n <= 0)
		return 0;
	switch (u[0])
	{
		case ' ':
		case '\t':
		case '\n':
		case '\v':
		case '\f':
		case '\r':
			return 1;
		case 0xC2:
			return (n >= 2 && u[1] == 0xA0) ? 2 : 0;
		case 0xE1:
			return (n >= 3 && u[1] == 0x9A && u[2] == 0x80) ? 3 : 0;
		case 0xE2:
			if (n < 3)
				return 0;
			if (u[1] == 0x80 &&
				((u[2] >= 0x80 && u[2] <= 0x8A) ||
				 u[2] == 0xA8 || u[2] == 0xA9 || u[2] == 0xAF))
				return 3;
			if (u[1] == 0x81 && u[2] == 0x9F)
				return 3;
			return 0;
		case 0xE3:
			return (n >= 3 && u[1] == 0x80 && u[2] == 0x80) ? 3 : 0;
		case 0xEF:
			return (n >= 3 && u[1] == 0xBB && u[2] == 0xBF) ? 3 : 0;
		default:
			return 0;
	}
}

/*
 * Same, for the white space ending at end.  UTF-8 lead bytes are never
 * continuation bytes, so matching a suffix cannot split a character.
 */
static int
js_space_len_back(const char *start, const char *end)
{
	if (end - start >= 1 && js_space_len(end - 1, end) == 1)
		return 1;
	if (end - start >= 2 && js_space_len(end - 2, end) == 2)
		return 2;
	if (end - start >= 3 && js_space_len(end - 3, end) == 3)
		return 3;
	return 0;
}

/*
 * Longest prefix at p that is a JavaScript StrDecimalLiteral: optional
 * sign, then "Infinity" or digits with an optional point (".5" and "5."
 * allowed) and an exponent only when it has digits.  Returns the end of
 * the prefix with the value in *out, or NULL when there is none.  Values
 * out of range become +/-Infinity, like JavaScript.
 */
static const char *
scan_js_decimal(const char *p, const char *end, ArkaDec *out)
{
	DigitAcc	acc = {0, 0, 0, false, 0};
	bool		neg = false,
				any = false;
	int64_t		frac = 0,
				ev = 0;

	if (p < end && (*p == '+' || *p == '-'))
		neg = *p++ == '-';
	if (end - p >= 8 && memcmp(p, "Infinity", 8) == 0)
	{
		*out = arka_dec_inf(neg);
		return p + 8;
	}
	while (p < end && is_digit(*p))
	{
		acc_digit(&acc, *p++ - '0');
		any = true;
	}
	if (p < end && *p == '.' &&
		(any || (end - p >= 2 && is_digit(p[1]))))
	{
		p++;
		while (p < end && is_digit(*p))
		{
			acc_digit(&acc, *p++ - '0');
			frac++;
			any = true;
		}
	}
	if (!any)
		return NULL;
	if (p < end && (*p == 'e' || *p == 'E'))
	{
		const char *q = p + 1;
		bool		eneg = false;

		if (q < end && (*q == '+' || *q == '-'))
			eneg = *q++ == '-';
		if (q < end && is_digit(*q))
		{
			p = read_exp_digits(q, end, &ev);
			if (eneg)
				ev = -ev;
		}
	}
	if (dec_finish128(neg, acc.mag, ev - frac + acc.dropped, acc_lost(&acc),
					  out) != ARKA_DEC_OK)
		*out = arka_dec_inf(neg);
	return p;
}

/* Highest number of significant bits a non-decimal literal may have. */
#define NONDEC_MAX_BITS 20500
#define NONDEC_LIMBS	((NONDEC_MAX_BITS + 4 + 31) / 32 + 1)
#define NONDEC_CHUNKS	(NONDEC_MAX_BITS * 30103 / 100000 / 9 + 3)

/*
 * Value of the digits of a "0x", "0o" or "0b" literal (shift = bits per
 * digit), rounded to 38 digits; NaN on a bad digit.  Up to 128 bits go
 * straight to an integer; longer ones are converted through a bounded
 * bignum, and anything beyond ~20500 bits is past the exponent range.
 */
static ArkaDec
js_nondecimal(const char *p, const char *end, int shift)
{
	int			radix = 1 << shift;
	const char *q;
	size_t		h;
	ArkaDec		r;

	if (p == end)
		return dec_special(ARKA_DEC_NAN);
	for (q = p; q < end; q++)
	{
		int			c = (unsigned char) *q;
		int			v = is_digit((char) c) ? c - '0' :
			(c >= 'a' && c <= 'f') ? c - 'a' + 10 :
			(c >= 'A' && c <= 'F') ? c - 'A' + 10 : 99;

		if (v >= radix)
			return dec_special(ARKA_DEC_NAN);
	}
	while (p < end && *p == '0')
		p++;
	h = (size_t) (end - p);
	if (h == 0)
		return dec_make(false, 0, 0);

	if (h * (size_t) shift <= 128)
	{
		u128		mag = 0;

		for (q = p; q < end; q++)
		{
			int			c = (unsigned char) *q;
			int			v = is_digit((char) c) ? c - '0' : (c | 0x20) - 'a' + 10;

			mag = (mag << shift) | (unsigned) v;
		}
		(void) dec_finish128(false, mag, 0, LOST_NONE, &r);
		return r;
	}
	if ((h - 1) * (size_t) shift > NONDEC_MAX_BITS)
		return arka_dec_inf(false);

	{
		uint32_t	limbs[NONDEC_LIMBS];
		uint32_t	chunks[NONDEC_CHUNKS];
		size_t		nl = (h * (size_t) shift + 31) / 32;
		size_t		nc = 0;
		size_t		i;
		DigitAcc	acc = {0, 0, 0, false, 0};

		memset(limbs, 0, sizeof(limbs));
		for (i = 0; i < h; i++)
		{
			int			c = (unsigned char) end[-1 - (ptrdiff_t) i];
			uint32_t	v = (uint32_t) (is_digit((char) c) ? c - '0' :
										(c | 0x20) - 'a' + 10);
			size_t		bit = i * (size_t) shift;

			limbs[bit / 32] |= v << (bit % 32);
			if (bit % 32 + (size_t) shift > 32)
				limbs[bit / 32 + 1] |= v >> (32 - bit % 32);
		}
		while (nl > 0 && limbs[nl - 1] == 0)
			nl--;
		/* base 10^9 digits, least significant first */
		while (nl > 0 && nc < NONDEC_CHUNKS)
		{
			uint64_t	rem = 0;

			for (i = nl; i-- > 0;)
			{
				uint64_t	cur = (rem << 32) | limbs[i];

				limbs[i] = (uint32_t) (cur / 1000000000u);
				rem = cur % 1000000000u;
			}
			chunks[nc++] = (uint32_t) rem;
			while (nl > 0 && limbs[nl - 1] == 0)
				nl--;
		}
		for (i = nc; i-- > 0;)
		{
			uint32_t	c = chunks[i];
			uint32_t	div = 100000000u;
			int			k;

			for (k = 0; k < 9; k++)
			{
				acc_digit(&acc, (int) (c / div));
				c %= div;
				div /= 10;
			}
		}
		if (dec_finish128(false, acc.mag, acc.dropped, acc_lost(&acc), &r) !=
			ARKA_DEC_OK)
			r = arka_dec_inf(false);
		return r;
	}
}

/*
 * JavaScript ToNumber(string): trimmed, "" is 0, the whole rest must be a
 * decimal literal, Infinity, or an unsigned 0x/0o/0b integer.
 */
ArkaDec
arka_dec_from_js_string(const char *s, size_t len)
{
	const char *p = s;
	const char *end;
	const char *q;
	int			w;
	ArkaDec		r;

	if (s == NULL || len == 0)
		return dec_make(false, 0, 0);
	end = s + len;
	while ((w = js_space_len(p, end)) > 0)
		p += w;
	while ((w = js_space_len_back(p, end)) > 0)
		end -= w;
	if (p == end)
		return dec_make(false, 0, 0);

	if (end - p >= 2 && p[0] == '0')
	{
		switch (p[1])
		{
			case 'x':
			case 'X':
				return js_nondecimal(p + 2, end, 4);
			case 'o':
			case 'O':
				return js_nondecimal(p + 2, end, 3);
			case 'b':
			case 'B':
				return js_nondecimal(p + 2, end, 1);
			default:
				break;
		}
	}
	q = scan_js_decimal(p, end, &r);
	if (q != end)
		return dec_special(ARKA_DEC_NAN);
	return r;
}

/* JavaScript parseFloat: leading white space, then the longest number. */
ArkaDec
arka_dec_parse_float_prefix(const char *s, size_t len)
{
	const char *p = s;
	const char *end;
	int			w;
	ArkaDec		r;

	if (s == NULL || len == 0)
		return dec_special(ARKA_DEC_NAN);
	end = s + len;
	while ((w = js_space_len(p, end)) > 0)
		p += w;
	if (scan_js_decimal(p, end, &r) == NULL)
		return dec_special(ARKA_DEC_NAN);
	return r;
}

/* ----------------------------------------------------------------
 *		Formatting
 * ----------------------------------------------------------------
 */

/* Decimal digits of v (no sign, no NUL); returns the count. */
static int
u128_digits(u128 v, char *buf)
{
	uint64_t	part[3];
	int			np = 0,
				len = 0,
				i;
	char		tmp[20];

	do
	{
		part[np++] = (uint64_t) (v % P19);
		v /= P19;
	} while (v != 0);

	for (i = np - 1; i >= 0; i--)
	{
		uint64_t	x = part[i];
		int			n = 0;

		do
		{
			tmp[n++] = (char) ('0' + x % 10);
			x /= 10;
		} while (x != 0);
		if (i != np - 1)
		{
			while (n < 19)
				tmp[n++] = '0';
		}
		while (n > 0)
			buf[len++] = tmp[--n];
	}
	return len;
}

/* Signed 64-bit exponent in decimal; returns the length. */
static int
put_int64(char *buf, int64_t v, bool plus)
{
	char		tmp[24];
	uint64_t	m;
	int			n = 0,
				len = 0;

	if (v < 0)
	{
		buf[len++] = '-';
		m = (uint64_t) 0 - (uint64_t) v;
	}
	else
	{
		if (plus)
			buf[len++] = '+';
		m = (uint64_t) v;
	}
	do
	{
		tmp[n++] = (char) ('0' + m % 10);
		m /= 10;
	} while (m != 0);
	while (n > 0)
		buf[len++] = tmp[--n];
	return len;
}

/* Text of a non-finite value, or 0 when it is finite. */
static size_t
put_special(const ArkaDec *a, char *buf)
{
	const char *t;

	switch (a->kind)
	{
		case ARKA_DEC_NAN:
			t = "NaN";
			break;
		case ARKA_DEC_PINF:
			t = "Infinity";
			break;
		case ARKA_DEC_NINF:
			t = "-Infinity";
			break;
		default:
			return 0;
	}
	strcpy(buf, t);
	return strlen(t);
}

/*
 * Number::toString(10) of the exact value: with k significant digits and
 * the point after n of them, plain notation for -6 < n <= 21, otherwise
 * one digit, the rest after a point, and "e+N"/"e-N".
 */
size_t
arka_dec_to_js_string(const ArkaDec *a, char *buf)
{
	char		dig[40];
	u128		mag;
	int64_t		exp,
				n;
	int			k,
				len = 0,
				i;
	size_t		sl;

	if ((sl = put_special(a, buf)) > 0)
		return sl;
	if (a->coef == 0)
	{
		strcpy(buf, "0");
		return 1;
	}
	mag = a->coef < 0 ? -(u128) a->coef : (u128) a->coef;
	exp = a->exp;
	exp += strip_zeros(&mag, ARKA_DEC_DIGITS + 1);
	k = u128_digits(mag, dig);
	n = k + exp;

	if (a->coef < 0)
		buf[len++] = '-';
	if (k <= n && n <= 21)
	{
		memcpy(buf + len, dig, k);
		len += k;
		for (i = 0; i < n - k; i++)
			buf[len++] = '0';
	}
	else if (0 < n && n <= 21)
	{
		memcpy(buf + len, dig, n);
		len += (int) n;
		buf[len++] = '.';
		memcpy(buf + len, dig + n, k - n);
		len += (int) (k - n);
	}
	else if (-6 < n && n <= 0)
	{
		buf[len++] = '0';
		buf[len++] = '.';
		for (i = 0; i < -n; i++)
			buf[len++] = '0';
		memcpy(buf + len, dig, k);
		len += k;
	}
	else
	{
		buf[len++] = dig[0];
		if (k > 1)
		{
			buf[len++] = '.';
			memcpy(buf + len, dig + 1, k - 1);
			len += k - 1;
		}
		buf[len++] = 'e';
		len += put_int64(buf + len, n - 1, true);
	}
	buf[len] = '\0';
	return (size_t) len;
}

/* JSON output: JavaScript's text for numbers, null for NaN/Infinity. */
size_t
arka_dec_to_json(const ArkaDec *a, char *buf)
{
	if (a->kind != ARKA_DEC_FINITE)
	{
		strcpy(buf, "null");
		return 4;
	}
	return arka_dec_to_js_string(a, buf);
}

/* "<coef>e<exp>" of the normalized value: one text per numeric value. */
size_t
arka_dec_to_canonical(const ArkaDec *a, char *buf)
{
	u128		mag;
	int64_t		exp;
	int			len = 0;
	size_t		sl;

	if ((sl = put_special(a, buf)) > 0)
		return sl;
	if (a->coef == 0)
	{
		strcpy(buf, "0e0");
		return 3;
	}
	mag = a->coef < 0 ? -(u128) a->coef : (u128) a->coef;
	exp = a->exp;
	exp += strip_zeros(&mag, ARKA_DEC_DIGITS + 1);
	if (a->coef < 0)
		buf[len++] = '-';
	len += u128_digits(mag, buf + len);
	buf[len++] = 'e';
	len += put_int64(buf + len, exp, false);
	buf[len] = '\0';
	return (size_t) len;
}
