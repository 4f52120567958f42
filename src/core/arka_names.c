/*-------------------------------------------------------------------------
 *
 * arka_names.c
 *	  Normalisation and tokenisation of person and organisation names.
 *
 * See arka_names.h for the pipeline and docs/matching.md for the reasons.
 * The work is a single pass over the input that turns each code point into
 * zero or more output code points or a separator event, followed by a
 * few passes over at most ARKA_NAME_MAX_TOKENS tokens.  ASCII, by far the
 * common case (OFAC files are pure ASCII), never calls into libutf8proc.
 *
 *-------------------------------------------------------------------------
 */
#include <stdlib.h>
#include <string.h>

#include <utf8proc.h>

#include "arka_names.h"

/* What a code point contributes to the token stream. */
typedef enum CpEvent
{
	EV_CHAR = 0,				/* letter or digit: part of a token */
	EV_JOIN,					/* apostrophe: vanishes, no split */
	EV_SPACE,					/* any other separator */
	EV_DOT,						/* '.', remembered for acronyms */
	EV_COMMA					/* ',', remembered for LAST, First */
} CpEvent;

/* Separator seen before a raw token; a stronger one wins. */
#define SEP_NONE	0
#define SEP_SPACE	1
#define SEP_DOT		2
#define SEP_COMMA	3

typedef struct RawTok
{
	uint16_t	cp_off;
	uint16_t	len;
	uint8_t		sep_before;
	uint8_t		comma_group;	/* commas seen before the token */
	uint8_t		cls;
	uint8_t		group;			/* lexicon synonym group */
	uint8_t		ambiguous;		/* legal form that may be a name part */
	uint8_t		dead;			/* merged into a neighbour or dropped */
} RawTok;

typedef struct NormState
{
	ArkaName   *out;
	RawTok		raw[ARKA_NAME_MAX_TOKENS];
	int			nraw;
	bool		in_token;
	bool		overflow;		/* too many tokens */
	uint16_t	ncps;			/* code points used in out->cps */
	uint8_t		pending_sep;
	uint8_t		commas;
} NormState;

/*
 * Legal forms, particles and honorifics, lower-case ASCII, sorted for
 * bsearch.  Legal forms are kept but weigh little, so "BELLETECH CORP"
 * cannot ride on "CORP" (Watchman #483) and "EMMA LLC" is not "emma
 * daniels" (#338).  Honorifics are dropped: they say nothing about who
 * the person is.  Particles are the connective parts of names (al-, bin,
 * van, de, of, the); generational suffixes (jr, iii) count as particles.
 * Words in one group mean the same (ltd = limited, ooo = llc, al = el).
 *
 * A legal form that is also a plausible name part ("SA", "SAL", "CO",
 * "PAO") is marked A: still a legal form, but it counts as a word for the
 * one-word rule ("Tony SAB" is two words), and in a person's name it is a
 * word.
 */
#define LEX_AMBIGUOUS_LEGAL 100

typedef struct LexEntry
{
	const char *word;
	uint8_t		cls;
	uint8_t		group;			/* same non-zero group: same meaning */
} LexEntry;

#define L ARKA_TOK_LEGAL
#define A LEX_AMBIGUOUS_LEGAL
#define P ARKA_TOK_PARTICLE
#define H ARKA_TOK_HONORIFIC
static const LexEntry lexicon[] = {
	{"ab", A, 0}, {"ad", A, 0}, {"ag", A, 0}, {"aktsionernoe", L, 14},
	{"aktsionernoye", L, 14}, {"al", P, 11}, {"alhaj", H, 0}, {"alhaji", H, 0},
	{"alhajj", H, 0}, {"alhajji", H, 0}, {"and", P, 0}, {"anonim", L, 0},
	{"ao", A, 6}, {"as", A, 0}, {"asa", A, 0}, {"ayatollah", H, 0},
	{"bhd", L, 0}, {"bin", P, 12}, {"bint", P, 0}, {"bsc", A, 0},
	{"bv", A, 0}, {"cheikh", H, 0}, {"cia", A, 0}, {"cie", A, 0},
	{"cjsc", L, 9}, {"co", A, 2}, {"company", L, 2}, {"corp", L, 3},
	{"corporation", L, 3}, {"cos", A, 2}, {"cv", A, 0}, {"da", P, 0},
	{"dame", H, 0}, {"das", P, 0}, {"dd", A, 0}, {"de", P, 0},
	{"del", P, 0}, {"dela", P, 0}, {"della", P, 0}, {"den", P, 0},
	{"der", P, 0}, {"di", P, 0}, {"do", P, 0}, {"doo", A, 0},
	{"dos", P, 0}, {"dr", H, 0}, {"du", P, 0}, {"ead", A, 0},
	{"eirl", L, 0}, {"el", P, 11}, {"eood", L, 0}, {"eurl", L, 0},
	{"ev", A, 0}, {"fzc", L, 0}, {"fzco", L, 0}, {"fze", L, 0},
	{"fzllc", L, 0}, {"gie", A, 0}, {"gk", A, 0}, {"gmbh", L, 10},
	{"gongsi", L, 0}, {"hadji", H, 0}, {"haji", H, 0}, {"hajj", H, 0},
	{"hajji", H, 0}, {"herr", H, 0}, {"hojatoleslam", H, 0}, {"hojjatoleslam", H, 0},
	{"hon", H, 0}, {"ibn", P, 12}, {"ii", P, 0}, {"iii", P, 0},
	{"inc", L, 4}, {"incorporated", L, 4}, {"iv", P, 0}, {"joint", L, 0},
	{"jr", P, 0}, {"jsc", L, 6}, {"kabushiki", L, 0}, {"kaisha", L, 0},
	{"kft", L, 0}, {"kg", A, 0}, {"kk", A, 0}, {"la", P, 0},
	{"lady", H, 0}, {"le", P, 0}, {"les", P, 0}, {"liability", L, 0},
	{"limited", L, 1}, {"llc", L, 5}, {"llp", L, 0}, {"lord", H, 0},
	{"lp", A, 0}, {"ltd", L, 1}, {"ltda", L, 0}, {"madam", H, 0},
	{"madame", H, 0}, {"maulana", H, 0}, {"maulvi", H, 0}, {"mawlana", H, 0},
	{"mawlawi", H, 0}, {"mbh", A, 10}, {"messrs", H, 0}, {"miss", H, 0},
	{"mister", H, 0}, {"mlle", H, 0}, {"mme", H, 0}, {"moulvi", H, 0},
	{"mr", H, 0}, {"mrs", H, 0}, {"ms", H, 0}, {"mulla", H, 0},
	{"mullah", H, 0}, {"mx", H, 0}, {"nv", A, 0}, {"nyrt", L, 0},
	{"oao", A, 8}, {"obshchestvo", L, 13}, {"obshestvo", L, 13}, {"of", P, 0},
	{"ogranichennoi", L, 18}, {"ogranichennoy", L, 18}, {"ohg", A, 0}, {"ojsc", L, 8},
	{"ooo", L, 5}, {"otkrytoe", L, 15}, {"otkrytoye", L, 15}, {"otvetstvennostiu", L, 19},
	{"otvetstvennostyu", L, 19}, {"oy", A, 0}, {"oyj", L, 0}, {"pao", A, 7},
	{"pjsc", L, 7}, {"plc", L, 0}, {"private", L, 20}, {"prof", H, 0},
	{"psc", A, 0}, {"pte", L, 0}, {"pty", L, 0}, {"public", L, 0},
	{"publichnoe", L, 17}, {"publichnoye", L, 17}, {"pvt", L, 20}, {"qpsc", L, 0},
	{"qsc", A, 0}, {"rev", H, 0}, {"revd", H, 0}, {"sa", A, 0},
	{"saa", A, 0}, {"sab", A, 0}, {"sac", A, 0}, {"sae", A, 0},
	{"sal", A, 0}, {"saoc", L, 0}, {"saog", L, 0}, {"sarl", L, 0},
	{"sas", A, 0}, {"sau", A, 0}, {"sdn", L, 0}, {"senor", H, 0},
	{"senora", H, 0}, {"shaikh", H, 0}, {"shaykh", H, 0}, {"sheik", H, 0},
	{"sheikh", H, 0}, {"sir", H, 0}, {"sirketi", L, 0}, {"sl", A, 0},
	{"spa", A, 0}, {"spc", A, 0}, {"sprl", L, 0}, {"sr", P, 0},
	{"sra", H, 0}, {"srl", L, 0}, {"srta", H, 0}, {"sti", A, 0},
	{"stock", L, 0}, {"tbk", L, 0}, {"ten", P, 0}, {"ter", P, 0},
	{"the", P, 0}, {"tov", A, 5}, {"ug", A, 0}, {"ul", P, 11},
	{"und", P, 0}, {"van", P, 0}, {"vom", P, 0}, {"von", P, 0},
	{"wll", L, 0}, {"youxian", L, 0}, {"zakrytoe", L, 16}, {"zakrytoye", L, 16},
	{"zao", A, 9}, {"zrt", A, 0}, {"zu", P, 0},
};
#undef L
#undef A
#undef P
#undef H

/* bsearch comparator for the lexicon. */
static int
lex_cmp(const void *key, const void *elem)
{
	return strcmp((const char *) key, ((const LexEntry *) elem)->word);
}

/*
 * Class of a normalised token.  Only short all-ASCII tokens can be in the
 * lexicon; everything else is a word, a number or an initial.
 */
ArkaTokClass
arka_name_classify(const char *tok, size_t len)
{
	return arka_name_classify_group(tok, len, NULL);
}

/* Is this legal form also a plausible name part? */
bool
arka_name_legal_ambiguous(const char *tok, size_t len)
{
	char		buf[24];
	const LexEntry *e;

	if (len == 0 || len >= sizeof(buf))
		return false;
	memcpy(buf, tok, len);
	buf[len] = '\0';
	e = bsearch(buf, lexicon, sizeof(lexicon) / sizeof(lexicon[0]),
				sizeof(LexEntry), lex_cmp);
	return e && e->cls == LEX_AMBIGUOUS_LEGAL;
}

/* The class, and the synonym group of lexicon words (0: none). */
ArkaTokClass
arka_name_classify_group(const char *tok, size_t len, int *group)
{
	char		buf[24];
	bool		digits = true;
	size_t		ncp = 0;
	const LexEntry *e;

	if (len == 0)
		return ARKA_TOK_WORD;
	for (size_t i = 0; i < len; i++)
	{
		if (tok[i] < '0' || tok[i] > '9')
			digits = false;
		if (((unsigned char) tok[i] & 0xC0) != 0x80)
			ncp++;				/* a UTF-8 lead byte starts a code point */
	}
	if (group)
		*group = 0;
	if (digits)
		return ARKA_TOK_NUMBER;
	if (ncp == 1)
		return ARKA_TOK_INITIAL;
	if (len >= sizeof(buf))
		return ARKA_TOK_WORD;
	memcpy(buf, tok, len);
	buf[len] = '\0';
	e = bsearch(buf, lexicon, sizeof(lexicon) / sizeof(lexicon[0]),
				sizeof(LexEntry), lex_cmp);
	if (e && group)
		*group = e->group;
	if (e && e->cls == LEX_AMBIGUOUS_LEGAL)
		return ARKA_TOK_LEGAL;
	return e ? (ArkaTokClass) e->cls : ARKA_TOK_WORD;
}

/* Text form of a status, for error messages. */
const char *
arka_name_status_string(ArkaNameStatus st)
{
	switch (st)
	{
		case ARKA_NAME_OK:
			return "ok";
		case ARKA_NAME_EMPTY:
			return "name has no letters or digits";
		case ARKA_NAME_TOO_LONG:
			return "name is longer than 4096 bytes";
		case ARKA_NAME_TOO_MANY_TOKENS:
			return "name has more than 48 words";
	}
	return "unknown status";
}

/* Text form of a token class, for evidence and tests. */
const char *
arka_name_class_string(ArkaTokClass cls)
{
	switch (cls)
	{
		case ARKA_TOK_WORD:
			return "word";
		case ARKA_TOK_NUMBER:
			return "number";
		case ARKA_TOK_INITIAL:
			return "initial";
		case ARKA_TOK_LEGAL:
			return "legal_form";
		case ARKA_TOK_PARTICLE:
			return "particle";
		case ARKA_TOK_HONORIFIC:
			return "honorific";
	}
	return "word";
}

/* Windows-1252 for the bytes 0x80..0x9F that are not Latin-1 controls. */
static const uint16_t cp1252_high[32] = {
	0x20AC, 0xFFFD, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021,
	0x02C6, 0x2030, 0x0160, 0x2039, 0x0152, 0xFFFD, 0x017D, 0xFFFD,
	0xFFFD, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014,
	0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0xFFFD, 0x017E, 0x0178
};

/*
 * Lower-case Cyrillic U+0430..U+045F to Latin, a simple BGN/PCGN-like
 * romanisation: enough for "Владимир Путин" to meet "PUTIN, Vladimir".
 * Letters with diacritics (ё, ї, ў, ќ ...) were decomposed before this
 * table is consulted, so only base letters need entries.
 */
static const char *const cyrillic_lat[48] = {
	"a", "b", "v", "g", "d", "e", "zh", "z", "i", "y", "k", "l", "m", "n", "o", "p",
	"r", "s", "t", "u", "f", "kh", "ts", "ch", "sh", "shch", "", "y", "", "e", "yu", "ya",
	"e", "e", "dj", "g", "ye", "dz", "i", "yi", "j", "lj", "nj", "c", "k", "i", "u", "dz"
};

/* Lower-case Greek U+03B1..U+03C9 to Latin. */
static const char *const greek_lat[25] = {
	"a", "v", "g", "d", "e", "z", "i", "th", "i", "k", "l", "m", "n", "x", "o", "p",
	"r", "s", "s", "t", "y", "f", "ch", "ps", "o"
};

/* Letters that carry no decomposition but have an obvious Latin base. */
static const char *
special_letter(uint32_t cp)
{
	switch (cp)
	{
		case 0x00E6:			/* æ */
			return "ae";
		case 0x00F0:			/* ð */
		case 0x0111:			/* đ */
			return "d";
		case 0x00F8:			/* ø */
			return "o";
		case 0x00FE:			/* þ */
			return "th";
		case 0x0127:			/* ħ */
			return "h";
		case 0x0131:			/* ı */
			return "i";
		case 0x0138:			/* ĸ */
			return "k";
		case 0x0142:			/* ł */
			return "l";
		case 0x014B:			/* ŋ */
			return "n";
		case 0x0153:			/* œ */
			return "oe";
		case 0x0192:			/* ƒ */
			return "f";
		case 0x0491:			/* ґ */
			return "g";
	}
	return NULL;
}

/* Apostrophe look-alikes: removed without splitting the token. */
static bool
is_apostrophe(uint32_t cp)
{
	switch (cp)
	{
		case 0x0027:
		case 0x0060:
		case 0x00B4:
		case 0x02B9:
		case 0x02BB:
		case 0x02BC:
		case 0x02BE:
		case 0x02BF:
		case 0x2018:
		case 0x2019:
		case 0x201B:
		case 0x2032:
		case 0xFF07:
			return true;
	}
	return false;
}

/* Close the token being built, if any. */
static void
end_token(NormState *st)
{
	if (st->in_token)
	{
		RawTok	   *t = &st->raw[st->nraw - 1];

		if (t->len == 0)
			st->nraw--;
		st->in_token = false;
	}
}

/*
 * A separator.  A gap made of dots only ("S.A") is SEP_DOT; a dot and a
 * space ("C.V. S.A.") is a plain space; a comma anywhere wins.
 */
static void
separator(NormState *st, uint8_t sep)
{
	end_token(st);
	if (sep == SEP_COMMA && st->commas < 255)
		st->commas++;
	if (sep == SEP_COMMA || st->pending_sep == SEP_COMMA)
		st->pending_sep = SEP_COMMA;
	else if (sep == SEP_SPACE || st->pending_sep == SEP_SPACE)
		st->pending_sep = SEP_SPACE;
	else
		st->pending_sep = SEP_DOT;
}

/* Append one output code point (a letter or digit) to the current token. */
static void
emit_char(NormState *st, uint32_t cp)
{
	RawTok	   *t;

	if (!st->in_token)
	{
		if (st->nraw >= ARKA_NAME_MAX_TOKENS)
		{
			st->overflow = true;
			return;
		}
		t = &st->raw[st->nraw++];
		t->cp_off = st->ncps;
		t->len = 0;
		t->sep_before = st->nraw == 1 ? SEP_NONE : st->pending_sep;
		t->comma_group = st->commas;
		t->cls = ARKA_TOK_WORD;
		t->dead = 0;
		st->pending_sep = SEP_NONE;
		st->in_token = true;
	}
	t = &st->raw[st->nraw - 1];
	if (t->len >= ARKA_NAME_MAX_TOKEN_CPS)
		return;					/* cut overlong tokens */
	st->out->cps[st->ncps++] = cp;
	t->len++;
}

/* Append an ASCII transliteration, letter by letter. */
static void
emit_ascii_str(NormState *st, const char *s)
{
	for (; *s; s++)
		emit_char(st, (uint32_t) (unsigned char) *s);
}

/* One ASCII character (input or produced by decomposition). */
static void
feed_ascii(NormState *st, uint32_t c)
{
	if (c >= 'A' && c <= 'Z')
		emit_char(st, c + ('a' - 'A'));
	else if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'))
		emit_char(st, c);
	else if (c == '\'' || c == '`')
		return;
	else if (c == ',')
		separator(st, SEP_COMMA);
	else if (c == '.')
		separator(st, SEP_DOT);
	else
		separator(st, SEP_SPACE);
}

/* A code point produced by utf8proc (already folded and mark-free). */
static void
feed_mapped(NormState *st, uint32_t c)
{
	const char *lat;

	if (c < 0x80)
	{
		feed_ascii(st, c);
		return;
	}
	if (is_apostrophe(c))
		return;
	if (c >= 0x0430 && c <= 0x045F)
	{
		emit_ascii_str(st, cyrillic_lat[c - 0x0430]);
		return;
	}
	if (c >= 0x03B1 && c <= 0x03C9)
	{
		emit_ascii_str(st, greek_lat[c - 0x03B1]);
		return;
	}
	if ((lat = special_letter(c)) != NULL)
	{
		emit_ascii_str(st, lat);
		return;
	}
	switch (utf8proc_category((utf8proc_int32_t) c))
	{
		case UTF8PROC_CATEGORY_LU:
		case UTF8PROC_CATEGORY_LL:
		case UTF8PROC_CATEGORY_LT:
		case UTF8PROC_CATEGORY_LM:
		case UTF8PROC_CATEGORY_LO:
		case UTF8PROC_CATEGORY_ND:
		case UTF8PROC_CATEGORY_NL:
		case UTF8PROC_CATEGORY_NO:
			emit_char(st, c);
			break;
		case UTF8PROC_CATEGORY_MN:
		case UTF8PROC_CATEGORY_MC:
		case UTF8PROC_CATEGORY_ME:
			break;				/* a mark that survived STRIPMARK */
		default:
			separator(st, SEP_SPACE);
			break;
	}
}

/*
 * One input code point.  Compatibility decomposition, case folding and
 * mark stripping come from libutf8proc (utf8proc_decompose_char is the
 * per-character core of utf8proc_map, used here so that invalid input
 * never aborts the whole name and nothing is allocated).
 */
static void
feed_cp(NormState *st, uint32_t cp)
{
	utf8proc_int32_t buf[32];
	utf8proc_ssize_t n;
	int			last_bound = 0;

	if (cp < 0x80)
	{
		feed_ascii(st, cp);
		return;
	}
	if (is_apostrophe(cp))
		return;
	if (cp == 0x0419 || cp == 0x0439)	/* Й й: y, not i + breve */
	{
		emit_char(st, 'y');
		return;
	}
	n = utf8proc_decompose_char((utf8proc_int32_t) cp, buf, 32,
								UTF8PROC_COMPAT | UTF8PROC_CASEFOLD |
								UTF8PROC_STRIPMARK | UTF8PROC_IGNORE |
								UTF8PROC_LUMP | UTF8PROC_STRIPNA |
								UTF8PROC_DECOMPOSE,
								&last_bound);
	if (n < 0 || n > 32)
	{
		separator(st, SEP_SPACE);
		return;
	}
	for (utf8proc_ssize_t i = 0; i < n; i++)
		feed_mapped(st, (uint32_t) buf[i]);
}

/* Write a code point as UTF-8; returns bytes written (1..4). */
static int
put_utf8(char *p, uint32_t cp)
{
	if (cp < 0x80)
	{
		p[0] = (char) cp;
		return 1;
	}
	if (cp < 0x800)
	{
		p[0] = (char) (0xC0 | (cp >> 6));
		p[1] = (char) (0x80 | (cp & 0x3F));
		return 2;
	}
	if (cp < 0x10000)
	{
		p[0] = (char) (0xE0 | (cp >> 12));
		p[1] = (char) (0x80 | ((cp >> 6) & 0x3F));
		p[2] = (char) (0x80 | (cp & 0x3F));
		return 3;
	}
	p[0] = (char) (0xF0 | (cp >> 18));
	p[1] = (char) (0x80 | ((cp >> 12) & 0x3F));
	p[2] = (char) (0x80 | ((cp >> 6) & 0x3F));
	p[3] = (char) (0x80 | (cp & 0x3F));
	return 4;
}

/* Class (and synonym group) of a raw token from its code points. */
static uint8_t
raw_class(const ArkaName *out, const RawTok *t, uint8_t *group, uint8_t *ambiguous)
{
	char		buf[24];
	bool		ascii = true;
	int			g = 0;
	uint8_t		cls;

	*group = 0;
	*ambiguous = 0;
	if (t->len == 1)
	{
		uint32_t	c = out->cps[t->cp_off];

		return (c >= '0' && c <= '9') ? ARKA_TOK_NUMBER : ARKA_TOK_INITIAL;
	}
	for (int i = 0; i < t->len; i++)
		if (out->cps[t->cp_off + i] >= 0x80)
			ascii = false;
	if (!ascii)
		return ARKA_TOK_WORD;
	if (t->len >= (int) sizeof(buf))
	{
		for (int i = 0; i < t->len; i++)
		{
			uint32_t	c = out->cps[t->cp_off + i];

			if (c < '0' || c > '9')
				return ARKA_TOK_WORD;
		}
		return ARKA_TOK_NUMBER;
	}
	for (int i = 0; i < t->len; i++)
		buf[i] = (char) out->cps[t->cp_off + i];
	cls = (uint8_t) arka_name_classify_group(buf, t->len, &g);
	*group = (uint8_t) g;
	if (cls == ARKA_TOK_LEGAL && arka_name_legal_ambiguous(buf, t->len))
		*ambiguous = 1;
	return cls;
}

/*
 * Join runs of single letters that spell a legal form ("S.A." -> sa,
 * "L L C" -> llc, "C.V. S.A." -> cv sa; "A B" stays two initials).  Within
 * a run of initials the longest prefix spelling a legal form is joined,
 * then the rest of the run is tried the same way.  Letters written with
 * dots only between them always qualify; spaced letters only from three
 * on.  The letters of a run are adjacent in cps, so joining only widens
 * the first token.
 */
static void
join_acronyms(NormState *st)
{
	ArkaName   *out = st->out;
	int			i = 0;

	while (i < st->nraw)
	{
		int			j = i;
		int			best = 0,
					best_g = 0;
		bool		dotted = true;
		char		buf[24];

		while (j < st->nraw && st->raw[j].cls == ARKA_TOK_INITIAL &&
			   (j == i || st->raw[j].sep_before == SEP_SPACE ||
				st->raw[j].sep_before == SEP_DOT) &&
			   j - i < (int) sizeof(buf) - 1 &&
			   out->cps[st->raw[j].cp_off] < 0x80)
		{
			int			g = 0;

			buf[j - i] = (char) out->cps[st->raw[j].cp_off];
			if (j > i && st->raw[j].sep_before != SEP_DOT)
				dotted = false;
			j++;
			if (j - i >= 2 && (dotted || j - i >= 3) &&
				arka_name_classify_group(buf, j - i, &g) == ARKA_TOK_LEGAL)
			{
				best = j - i;
				best_g = g;
			}
		}
		if (best >= 2)
		{
			st->raw[i].len = (uint16_t) best;
			st->raw[i].cls = ARKA_TOK_LEGAL;
			st->raw[i].group = (uint8_t) best_g;
			st->raw[i].ambiguous = 0;	/* spelled as a legal form */
			for (int k = i + 1; k < i + best; k++)
				st->raw[k].dead = 1;
			i += best;
		}
		else
			i++;
	}
}

/* Weight of a token of this class and length (arka_names.h). */
static float
class_weight(uint8_t cls, int len)
{
	switch (cls)
	{
		case ARKA_TOK_NUMBER:
			return (float) ARKA_NAME_W_NUMBER;
		case ARKA_TOK_INITIAL:
			return (float) ARKA_NAME_W_INITIAL;
		case ARKA_TOK_LEGAL:
			return (float) ARKA_NAME_W_LEGAL;
		case ARKA_TOK_PARTICLE:
			return (float) ARKA_NAME_W_PARTICLE;
		default:
			return (float) (len == 2 ? ARKA_NAME_W_WORD2 : ARKA_NAME_W_WORD);
	}
}

/*
 * Normalise a name: decode, map, tokenise, then classify, reorder and
 * weigh the tokens.  Returns ARKA_NAME_OK with at least one token, or a
 * status saying why there is nothing to compare.
 */
ArkaNameStatus
arka_name_normalise(const char *s, size_t len, ArkaNameMode mode, ArkaName *out)
{
	NormState	st;
	size_t		i = 0;
	int			order[ARKA_NAME_MAX_TOKENS];
	int			norder = 0;
	int			live = 0,
				honorifics = 0,
				signif = 0;
	bool		comma_form = false;
	size_t		tpos = 0,
				dpos = 0;

	out->ntokens = 0;
	out->nsignificant = 0;
	out->ndropped = 0;
	out->comma_form = false;
	out->all_minor = false;
	out->display[0] = '\0';
	out->display_len = 0;
	if (len > ARKA_NAME_MAX_BYTES)
		return ARKA_NAME_TOO_LONG;

	memset(&st, 0, sizeof(st));
	st.out = out;
	while (i < len)
	{
		unsigned char c = (unsigned char) s[i];

		if (c < 0x80)
		{
			feed_ascii(&st, c);
			i++;
		}
		else
		{
			utf8proc_int32_t cp;
			utf8proc_ssize_t r;

			r = utf8proc_iterate((const utf8proc_uint8_t *) s + i,
								 (utf8proc_ssize_t) (len - i), &cp);
			if (r <= 0)
			{
				/* not UTF-8: read the byte as Windows-1252 */
				cp = c < 0xA0 ? cp1252_high[c - 0x80] : c;
				r = 1;
			}
			feed_cp(&st, (uint32_t) cp);
			i += (size_t) r;
		}
		if (st.overflow)
			return ARKA_NAME_TOO_MANY_TOKENS;
	}
	end_token(&st);
	if (st.nraw == 0)
		return ARKA_NAME_EMPTY;

	for (int k = 0; k < st.nraw; k++)
		st.raw[k].cls = raw_class(out, &st.raw[k], &st.raw[k].group,
								  &st.raw[k].ambiguous);
	join_acronyms(&st);

	/*
	 * People have no legal forms ("SAL, John" is a surname); in an
	 * organisation's name "AG" is a legal form.  Only names of unknown
	 * kind (queries) keep the ambiguity.
	 */
	for (int k = 0; k < st.nraw; k++)
	{
		if (st.raw[k].cls != ARKA_TOK_LEGAL || mode == ARKA_NAME_QUERY)
			continue;
		if (mode == ARKA_NAME_PERSON)
			st.raw[k].cls = ARKA_TOK_WORD;
		st.raw[k].ambiguous = 0;
	}

	/* Honorifics go, unless nothing else is left. */
	for (int k = 0; k < st.nraw; k++)
	{
		if (st.raw[k].dead)
			continue;
		live++;
		if (st.raw[k].cls == ARKA_TOK_HONORIFIC)
			honorifics++;
	}
	for (int k = 0; k < st.nraw; k++)
	{
		if (st.raw[k].dead || st.raw[k].cls != ARKA_TOK_HONORIFIC)
			continue;
		if (honorifics == live)
		{
			st.raw[k].cls = ARKA_TOK_WORD;
			st.raw[k].group = 0;
		}
		else
		{
			st.raw[k].dead = 1;
			out->ndropped++;
		}
	}

	/* "LAST, First": decide, then order given names before the surname. */
	if (mode != ARKA_NAME_ORG)
	{
		bool		before = false,
					after = false,
					after_major = false;

		for (int k = 0; k < st.nraw; k++)
		{
			if (st.raw[k].dead)
				continue;
			if (st.raw[k].comma_group == 0)
				before = true;
			else
			{
				after = true;
				if (st.raw[k].cls != ARKA_TOK_LEGAL &&
					st.raw[k].cls != ARKA_TOK_PARTICLE)
					after_major = true;
			}
		}
		comma_form = before && after &&
			(mode == ARKA_NAME_PERSON || after_major);
	}
	if (comma_form)
	{
		for (int k = 0; k < st.nraw; k++)
			if (!st.raw[k].dead && st.raw[k].comma_group > 0)
				order[norder++] = k;
		for (int k = 0; k < st.nraw; k++)
			if (!st.raw[k].dead && st.raw[k].comma_group == 0)
				order[norder++] = k;
	}
	else
	{
		for (int k = 0; k < st.nraw; k++)
			if (!st.raw[k].dead)
				order[norder++] = k;
	}

	/* Emit tokens, weights and the text forms. */
	for (int k = 0; k < norder; k++)
	{
		RawTok	   *r = &st.raw[order[k]];
		ArkaNameToken *t = &out->tok[k];

		t->cp_off = r->cp_off;
		t->len = r->len;
		t->cls = r->cls;
		t->group = r->group;
		t->flags = (comma_form && r->comma_group == 0) ? ARKA_TOKF_SURNAME : 0;
		if (r->ambiguous)
			t->flags |= ARKA_TOKF_AMBIGUOUS;
		t->weight = class_weight(r->cls, r->len);
		t->text_off = (uint16_t) tpos;
		if (k > 0)
			out->display[dpos++] = ' ';
		for (int c = 0; c < r->len; c++)
		{
			int			w = put_utf8(out->text + tpos, out->cps[r->cp_off + c]);

			memcpy(out->display + dpos, out->text + tpos, w);
			tpos += w;
			dpos += w;
		}
		t->text_len = (uint16_t) (tpos - t->text_off);
		out->text[tpos++] = '\0';
		if (r->cls == ARKA_TOK_WORD || r->cls == ARKA_TOK_NUMBER)
			signif++;
	}
	out->display[dpos] = '\0';
	out->display_len = dpos;
	out->ntokens = norder;
	out->nsignificant = signif;
	out->comma_form = comma_form;

	/* Only legal forms and particles ("CO LTD"): compare them as words. */
	{
		bool		major = false;

		for (int k = 0; k < norder; k++)
			if (out->tok[k].cls == ARKA_TOK_WORD ||
				out->tok[k].cls == ARKA_TOK_NUMBER ||
				out->tok[k].cls == ARKA_TOK_INITIAL)
				major = true;
		if (!major)
		{
			out->all_minor = true;
			for (int k = 0; k < norder; k++)
				out->tok[k].weight = 1.0f;
		}
	}
	return ARKA_NAME_OK;
}
