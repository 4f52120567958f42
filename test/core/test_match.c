/*-------------------------------------------------------------------------
 *
 * test_match.c
 *	  Unit tests of the sanctions name matcher: Jaro-Winkler vectors, the
 *	  normaliser, the field's known failures (Watchman #483, #115, #338,
 *	  #141, #450), hostile input, identifiers, and on the real OFAC SDN
 *	  list: exactness of the candidate index against an exhaustive scan,
 *	  and recall / false-positive rate at the default threshold.
 *
 * Usage: test_match <watchlists dir>   (../shared/data/watchlists)
 * Without the directory only the self-contained tests run.
 *
 * The OFAC CSV reader below is deliberately minimal and lives here only:
 * the real loader is part of the extension.  Format: no header, CRLF,
 * quoted fields with "" escapes, "-0- " for null, a trailing 0x1A byte.
 *
 * test/core/bench_match.c includes this file (ARKA_MATCH_NO_MAIN) to
 * reuse the loader and the labelled-set generator.
 *
 *-------------------------------------------------------------------------
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "arka_jaro.h"
#include "arka_match.h"
#include "arka_names.h"
#include "arka_test.h"

#define UNUSED __attribute__((unused))

#ifdef ARKA_MATCH_NO_MAIN
/* included by a benchmark that uses only some of the helpers */
#pragma GCC diagnostic ignored "-Wunused-function"
#endif

/* ---------------------------------------------------------------------
 * Small helpers
 * ---------------------------------------------------------------------
 */
static uint64_t rng_state = 0x9E3779B97F4A7C15ull;

/* xorshift64*: deterministic, so every run screens the same names. */
static uint64_t
rng(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 0x2545F4914F6CDD1Dull;
}

static int
rnd(int n)
{
	return n <= 0 ? 0 : (int) (rng() % (uint64_t) n);
}

static double
now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

static char *
slurp(const char *path, size_t *len)
{
	FILE	   *f = fopen(path, "rb");
	char	   *buf;
	long		n;

	if (!f)
		return NULL;
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	fseek(f, 0, SEEK_SET);
	buf = malloc((size_t) n + 1);
	if (!buf || fread(buf, 1, (size_t) n, f) != (size_t) n)
	{
		free(buf);
		fclose(f);
		return NULL;
	}
	buf[n] = '\0';
	fclose(f);
	*len = (size_t) n;
	return buf;
}

/* ---------------------------------------------------------------------
 * Minimal OFAC CSV reader
 * ---------------------------------------------------------------------
 */
#define CSV_MAXF 16

typedef struct CsvRow
{
	int			nf;
	char	   *f[CSV_MAXF];	/* NULL for "-0-" */
} CsvRow;

typedef struct Csv
{
	char	   *text;			/* unescaped fields, NUL-terminated */
	CsvRow	   *rows;
	int			nrows;
} Csv;

static bool
is_null_field(const char *s)
{
	while (*s == ' ')
		s++;
	if (strncmp(s, "-0-", 3) != 0)
		return false;
	s += 3;
	while (*s == ' ')
		s++;
	return *s == '\0';
}

/* Parse a whole file; false when it cannot be read. */
static bool
csv_load(const char *path, Csv *csv)
{
	size_t		len,
				i = 0,
				o = 0;
	char	   *in = slurp(path, &len);
	int			cap = 1024;

	memset(csv, 0, sizeof(*csv));
	if (!in)
		return false;
	while (len > 0 && (in[len - 1] == 0x1A || in[len - 1] == '\n' || in[len - 1] == '\r'))
		len--;
	csv->text = malloc(len + CSV_MAXF + 2);
	csv->rows = malloc(cap * sizeof(CsvRow));
	while (i < len)
	{
		CsvRow	   *r;

		if (csv->nrows == cap)
		{
			cap *= 2;
			csv->rows = realloc(csv->rows, cap * sizeof(CsvRow));
		}
		r = &csv->rows[csv->nrows++];
		r->nf = 0;
		for (;;)
		{
			char	   *start = csv->text + o;

			if (i < len && in[i] == '"')
			{
				i++;
				while (i < len)
				{
					if (in[i] == '"' && i + 1 < len && in[i + 1] == '"')
					{
						csv->text[o++] = '"';
						i += 2;
					}
					else if (in[i] == '"')
					{
						i++;
						break;
					}
					else
						csv->text[o++] = in[i++];
				}
			}
			while (i < len && in[i] != ',' && in[i] != '\r' && in[i] != '\n')
				csv->text[o++] = in[i++];
			csv->text[o++] = '\0';
			if (r->nf < CSV_MAXF)
				r->f[r->nf++] = is_null_field(start) ? NULL : start;
			if (i < len && in[i] == ',')
			{
				i++;
				continue;
			}
			break;
		}
		while (i < len && (in[i] == '\r' || in[i] == '\n'))
			i++;
	}
	free(in);
	return true;
}

static void
csv_free(Csv *csv)
{
	free(csv->text);
	free(csv->rows);
}

/* ---------------------------------------------------------------------
 * Loading the OFAC SDN list (sdn.csv + alt.csv)
 * ---------------------------------------------------------------------
 */
typedef struct Ofac
{
	ArkaMatchList *list;
	int			nentries;
	int			weak_aliases;
	int			strong_aliases;
	int			identifiers;
	uint32_t   *entry_of;		/* ent_num -> entry index + 1 */
	int			max_ent;
	double		parse_ms;		/* reading the CSV files */
	double		add_ms;			/* arka_match_add_* (normalising) */
	double		finalise_ms;	/* arka_match_finalise (the index) */
} Ofac;

static ArkaEntryType
ofac_type(const char *t)
{
	if (!t)
		return ARKA_ENTRY_ENTITY;	/* OFAC leaves entities' type null */
	if (strcmp(t, "individual") == 0)
		return ARKA_ENTRY_INDIVIDUAL;
	if (strcmp(t, "vessel") == 0)
		return ARKA_ENTRY_VESSEL;
	if (strcmp(t, "aircraft") == 0)
		return ARKA_ENTRY_AIRCRAFT;
	return ARKA_ENTRY_UNKNOWN;
}

/* Weak a.k.a.s and identifiers from Remarks, the way a loader would. */
static void
parse_remarks(Ofac *o, uint32_t e, const char *rem)
{
	static const char *const idkw[] = {
		"Passport ", "IMO ", "National ID No. ", "Tax ID No. ", "Cedula No. ",
		"SWIFT/BIC ", "Digital Currency Address - "
	};
	const char *p;

	for (p = rem; (p = strstr(p, "a.k.a. '")) != NULL;)
	{
		const char *s = p + 8,
				   *q = s;

		while (*q && !(*q == '\'' && (q[1] == '\0' || strchr(";.,) ", q[1]))))
			q++;
		if (*q == '\'' && q > s)
		{
			if (arka_match_add_alias(o->list, e, s, (size_t) (q - s), true) == ARKA_MATCH_OK)
				o->weak_aliases++;
		}
		p = *q ? q + 1 : q;
	}
	for (size_t k = 0; k < sizeof(idkw) / sizeof(idkw[0]); k++)
	{
		size_t		kl = strlen(idkw[k]);

		for (p = rem; (p = strstr(p, idkw[k])) != NULL; p += kl)
		{
			const char *v = p + kl,
					   *ve;
			char		type[64];
			size_t		tl;

			if (k == 6)
			{
				/* "Digital Currency Address - XBT <address>" */
				const char *sp = strchr(v, ' ');

				if (!sp)
					continue;
				tl = (size_t) (sp - p);
				if (tl >= sizeof(type))
					continue;
				memcpy(type, p, tl);
				type[tl] = '\0';
				v = sp + 1;
			}
			else
			{
				tl = kl - 1;
				memcpy(type, idkw[k], tl);
				type[tl] = '\0';
				if (tl > 4 && strcmp(type + tl - 4, " No.") == 0)
					type[tl - 4] = '\0';
			}
			ve = v;
			while (*ve && *ve != ' ' && *ve != ';')
				ve++;
			while (ve > v && strchr(".,)", ve[-1]))
				ve--;
			if (ve > v && arka_match_add_identifier(o->list, e, type, strlen(type),
													v, (size_t) (ve - v)) == ARKA_MATCH_OK)
				o->identifiers++;
		}
	}
}

/* Build and finalise the list; NULL when the files are not there. */
static ArkaMatchList *
ofac_load(const char *dir, Ofac *o)
{
	char		path[1024];
	Csv			sdn,
				alt;
	double		t0 = now_us(),
				t1;

	memset(o, 0, sizeof(*o));
	snprintf(path, sizeof(path), "%s/ofac_sdn.csv", dir);
	if (!csv_load(path, &sdn))
		return NULL;
	snprintf(path, sizeof(path), "%s/ofac_alt.csv", dir);
	if (!csv_load(path, &alt))
	{
		csv_free(&sdn);
		return NULL;
	}
	t1 = now_us();
	o->parse_ms = (t1 - t0) / 1000.0;
	o->list = arka_match_list_create();
	for (int r = 0; r < sdn.nrows; r++)
		if (sdn.rows[r].nf >= 1 && sdn.rows[r].f[0] && atoi(sdn.rows[r].f[0]) > o->max_ent)
			o->max_ent = atoi(sdn.rows[r].f[0]);
	o->entry_of = calloc((size_t) o->max_ent + 1, sizeof(uint32_t));
	for (int r = 0; r < sdn.nrows; r++)
	{
		CsvRow	   *row = &sdn.rows[r];
		uint32_t	e;
		const char *prog;
		int			ent;

		if (row->nf != 12 || !row->f[0] || !row->f[1])
			continue;
		ent = atoi(row->f[0]);
		if (arka_match_add_entry(o->list, row->f[0], strlen(row->f[0]),
								 ofac_type(row->f[2]), row->f[1], strlen(row->f[1]),
								 &e) != ARKA_MATCH_OK)
			continue;
		o->entry_of[ent] = e + 1;
		o->nentries++;
		for (prog = row->f[3]; prog && *prog;)
		{
			const char *sep = strstr(prog, "] [");
			size_t		pl = sep ? (size_t) (sep - prog) : strlen(prog);

			arka_match_add_program(o->list, e, prog, pl);
			prog = sep ? sep + 3 : prog + pl;
		}
		if (row->f[11])
			parse_remarks(o, e, row->f[11]);
	}
	for (int r = 0; r < alt.nrows; r++)
	{
		CsvRow	   *row = &alt.rows[r];
		int			ent;

		if (row->nf != 5 || !row->f[0] || !row->f[3])
			continue;
		ent = atoi(row->f[0]);
		if (ent <= 0 || ent > o->max_ent || !o->entry_of[ent])
			continue;
		if (arka_match_add_alias(o->list, o->entry_of[ent] - 1, row->f[3],
								 strlen(row->f[3]), false) == ARKA_MATCH_OK)
			o->strong_aliases++;
	}
	o->add_ms = (now_us() - t1) / 1000.0;
	csv_free(&sdn);
	csv_free(&alt);
	t1 = now_us();
	if (arka_match_finalise(o->list) != ARKA_MATCH_OK)
	{
		arka_match_list_free(o->list);
		free(o->entry_of);
		o->list = NULL;
		return NULL;
	}
	o->finalise_ms = (now_us() - t1) / 1000.0;
	return o->list;
}

static void
ofac_free(Ofac *o)
{
	arka_match_list_free(o->list);
	free(o->entry_of);
}

static int UNUSED
entry_of(const Ofac *o, int ent)
{
	return (ent > 0 && ent <= o->max_ent && o->entry_of[ent]) ? (int) o->entry_of[ent] - 1 : -1;
}

/* ---------------------------------------------------------------------
 * Labelled set: variants of listed names, and ordinary names
 * ---------------------------------------------------------------------
 */
typedef enum VarKind
{
	V_EXACT = 0,
	V_ORDER,
	V_TRANSLIT,
	V_MIDDLE,
	V_DIACRITIC,
	V_TYPO,
	V_HONORIFIC,
	V_LEGAL,
	V_NKINDS
} VarKind;

static const char *const var_names[V_NKINDS] = {
	"exact", "word order", "transliteration", "missing middle name",
	"diacritics", "one-letter typo", "honorific", "legal form"
};

typedef struct Labelled
{
	char	   *name;
	int			entry;			/* -1 for an ordinary (negative) name */
	int			kind;			/* VarKind, or -1 */
} Labelled;

typedef struct LabelSet
{
	Labelled   *items;
	int			n,
				cap;
	int			npos,
				nneg,
				excluded;		/* ordinary names that are listed names */
} LabelSet;

static void
label_add(LabelSet *ls, const char *name, int entry, int kind)
{
	if (ls->n == ls->cap)
	{
		ls->cap = ls->cap ? ls->cap * 2 : 1024;
		ls->items = realloc(ls->items, ls->cap * sizeof(Labelled));
	}
	ls->items[ls->n].name = strdup(name);
	ls->items[ls->n].entry = entry;
	ls->items[ls->n].kind = kind;
	ls->n++;
	if (entry >= 0)
		ls->npos++;
	else
		ls->nneg++;
}

static void
label_free(LabelSet *ls)
{
	for (int i = 0; i < ls->n; i++)
		free(ls->items[i].name);
	free(ls->items);
}

/* Words of a name split at spaces and commas; "LAST, First" reordered. */
typedef struct Words
{
	int			n;
	char		w[32][64];
	int			nsurname;		/* leading words that were the surname */
} Words;

static void
split_words(const char *name, bool person, Words *out)
{
	char		buf[1024];
	char	   *comma;
	char	   *parts[2];
	int			np = 0;

	out->n = 0;
	out->nsurname = 0;
	snprintf(buf, sizeof(buf), "%s", name);
	comma = person ? strchr(buf, ',') : NULL;
	if (comma)
	{
		*comma = '\0';
		parts[np++] = comma + 1;	/* given names first */
		parts[np++] = buf;
	}
	else
		parts[np++] = buf;
	for (int p = 0; p < np; p++)
	{
		char	   *save = NULL;

		for (char *t = strtok_r(parts[p], " ,", &save); t && out->n < 32;
			 t = strtok_r(NULL, " ,", &save))
		{
			snprintf(out->w[out->n], 64, "%s", t);
			out->n++;
		}
	}
}

static void
join_words(const Words *w, char *out, size_t cap)
{
	size_t		o = 0;

	out[0] = '\0';
	for (int i = 0; i < w->n; i++)
	{
		if (!w->w[i][0])
			continue;
		o += snprintf(out + o, o < cap ? cap - o : 0, "%s%s", o ? " " : "", w->w[i]);
	}
}

static bool
is_alpha_word(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (!((*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z')))
			return false;
	return true;
}

/* Substring substitutions seen between romanisations of one name. */
static const char *const translit_rules[][2] = {
	{"MOHAMMED", "MUHAMMAD"}, {"MUHAMMAD", "MOHAMMED"}, {"MOHAMED", "MUHAMMAD"},
	{"MOHAMMAD", "MOHAMED"}, {"MUHAMMED", "MOHAMMAD"}, {"MOHAMAD", "MUHAMMAD"},
	{"AHMED", "AHMAD"}, {"AHMAD", "AHMED"}, {"HUSSEIN", "HUSAIN"}, {"HUSAIN", "HUSSEIN"},
	{"HUSSAIN", "HUSAYN"}, {"HASSAN", "HASAN"}, {"HASAN", "HASSAN"}, {"ABDUL", "ABDEL"},
	{"ABDEL", "ABDUL"}, {"ABDULLAH", "ABDALLAH"}, {"ABDALLAH", "ABDULLAH"},
	{"YUSUF", "YOUSSEF"}, {"YOUSEF", "YUSUF"}, {"OSAMA", "USAMA"}, {"USAMA", "OSAMA"},
	{"OMAR", "UMAR"}, {"UMAR", "OMAR"}, {"MAHMOUD", "MAHMUD"}, {"MAHMUD", "MAHMOUD"},
	{"KHALED", "KHALID"}, {"KHALID", "KHALED"}, {"SAEED", "SAID"}, {"SAID", "SAEED"},
	{"QADHAFI", "GADDAFI"}, {"HUSSEIN", "HOSSEIN"}, {"HOSSEIN", "HUSSEIN"},
	{"KH", "H"}, {"OU", "U"}, {"EE", "I"}, {"EI", "EY"}, {"EY", "EI"}, {"PH", "F"},
	{"Q", "K"}, {"DH", "D"}, {"CK", "K"}, {"KS", "X"}, {"X", "KS"}, {"SCH", "SH"},
	{"OV", "OFF"}, {"EV", "EFF"}, {"IY", "II"}, {"II", "IY"}, {"AA", "A"}, {"OO", "U"},
	{"SS", "S"}, {"LL", "L"}, {"MM", "M"}, {"NN", "N"}, {"DD", "D"}, {"TT", "T"},
	{"ZH", "J"}, {"TS", "TZ"}, {"YU", "IU"}, {"YA", "IA"}, {"IA", "YA"}, {"AI", "AY"},
	{"AY", "AI"}, {"IE", "YE"}, {"W", "V"}, {"V", "W"}, {"J", "DJ"}, {"Y", "I"},
};

/* Replace the first occurrence of from in word (not at position 0 for
 * the generic rules, so a rule does not just change the first letter). */
static bool
apply_rule(char *word, const char *from, const char *to, bool whole)
{
	char	   *p = strstr(word, from);
	char		buf[128];

	if (!p)
		return false;
	if (whole && (p != word || strlen(word) != strlen(from)))
		return false;
	if (!whole && p == word)
	{
		p = strstr(word + 1, from);
		if (!p)
			return false;
	}
	snprintf(buf, sizeof(buf), "%.*s%s%s", (int) (p - word), word, to, p + strlen(from));
	if (strlen(buf) >= 64)
		return false;
	strcpy(word, buf);
	return true;
}

/* Accented forms of vowels and a few consonants, UTF-8, NFC and NFD. */
static const char *
accent_for(char c, bool nfd)
{
	static const char *const nfc[] = {"\xC3\x81", "\xC3\x89", "\xC3\x8D", "\xC3\x93", "\xC3\x9A", "\xC3\x91", "\xC3\x87"};
	static const char *const nfdv[] = {"A\xCC\x81", "E\xCC\x81", "I\xCC\x81", "O\xCC\x88", "U\xCC\x88", "N\xCC\x83", "C\xCC\xA7"};
	const char *set = "AEIOUNC";
	const char *p = strchr(set, c);

	if (!p || !c)
		return NULL;
	return nfd ? nfdv[p - set] : nfc[p - set];
}

static const char *const honorifics[] = {"Mr", "Mr.", "Dr", "Dr.", "Sheikh", "Hajji", "Mrs", "Haji"};
static const char *const legal_forms[] = {
	"LTD", "LIMITED", "LLC", "L.L.C.", "CO", "COMPANY", "INC", "CORP", "CORPORATION",
	"S.A.", "SA", "GMBH", "JSC", "OOO", "PJSC", "CO., LTD."
};

static bool
is_legal_word(const char *w)
{
	char		buf[64];

	snprintf(buf, sizeof(buf), "%s", w);
	for (char *p = buf; *p; p++)
		if (*p >= 'A' && *p <= 'Z')
			*p += 32;
	{
		/* strip dots for "S.A." */
		char	   *o = buf;

		for (char *p = buf; *p; p++)
			if (*p != '.')
				*o++ = *p;
		*o = '\0';
	}
	return arka_name_classify(buf, strlen(buf)) == ARKA_TOK_LEGAL;
}

/*
 * Make one variant of kind k from a listed name; false when the name does
 * not lend itself to that kind (no middle name, no rule applies, ...).
 */
static bool
make_variant(const char *name, ArkaEntryType type, int k, char *out, size_t cap)
{
	bool		person = type == ARKA_ENTRY_INDIVIDUAL;
	Words		w;

	split_words(name, person, &w);
	if (w.n == 0)
		return false;
	switch (k)
	{
		case V_EXACT:
			snprintf(out, cap, "%s", name);
			return true;
		case V_ORDER:
			if (w.n < 2)
				return false;
			if (person)
			{
				/* natural order "First Middle LAST", or surname first
				 * without the comma */
				if (!strchr(name, ','))
					return false;
				if (rnd(2))
					join_words(&w, out, cap);
				else
				{
					char		buf[1024];
					Words		r = w;

					/* rotate: surname words (at the end) to the front */
					for (int i = 0; i < w.n; i++)
						strcpy(r.w[i], w.w[(i + w.n - 1) % w.n]);
					join_words(&r, buf, sizeof(buf));
					snprintf(out, cap, "%s", buf);
				}
				return true;
			}
			else
			{
				Words		r = w;
				int			a = rnd(w.n),
							b = rnd(w.n);

				if (a == b)
					b = (a + 1) % w.n;
				strcpy(r.w[a], w.w[b]);
				strcpy(r.w[b], w.w[a]);
				join_words(&r, out, cap);
				return true;
			}
		case V_TRANSLIT:
			{
				int			tries = 0;
				int			nrules = (int) (sizeof(translit_rules) / sizeof(translit_rules[0]));

				/* whole-word rules first, then a random generic one */
				for (int i = 0; i < w.n; i++)
					for (int r = 0; r < 32; r++)
						if (apply_rule(w.w[i], translit_rules[r][0], translit_rules[r][1], true))
						{
							join_words(&w, out, cap);
							return true;
						}
				while (tries++ < 40)
				{
					int			i = rnd(w.n),
								r = 32 + rnd(nrules - 32);

					if (!is_alpha_word(w.w[i]) || strlen(w.w[i]) < 4)
						continue;
					if (apply_rule(w.w[i], translit_rules[r][0], translit_rules[r][1], false))
					{
						join_words(&w, out, cap);
						return true;
					}
				}
				return false;
			}
		case V_MIDDLE:
			{
				/* drop a middle given name: not the first word, not the
				 * last (the surname in natural order) */
				int			cand[32],
							nc = 0;

				if (!person || w.n < 3 || !strchr(name, ','))
					return false;
				for (int i = 1; i < w.n - 1; i++)
					if (is_alpha_word(w.w[i]) && strlen(w.w[i]) >= 3)
						cand[nc++] = i;
				if (nc == 0)
					return false;
				w.w[cand[rnd(nc)]][0] = '\0';
				join_words(&w, out, cap);
				return true;
			}
		case V_DIACRITIC:
			{
				char		buf[1024];
				size_t		o = 0;
				int			changed = 0;
				bool		nfd = rnd(2);

				for (const char *p = name; *p && o + 8 < sizeof(buf); p++)
				{
					const char *acc = (rnd(3) == 0) ? accent_for(*p, nfd) : NULL;

					if (acc)
					{
						o += (size_t) snprintf(buf + o, sizeof(buf) - o, "%s", acc);
						changed++;
					}
					else
						buf[o++] = *p;
				}
				buf[o] = '\0';
				if (!changed)
					return false;
				snprintf(out, cap, "%s", buf);
				return true;
			}
		case V_TYPO:
			{
				int			cand[32],
							nc = 0,
							i,
							len,
							pos;
				char	   *t;
				static const char letters[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ";

				for (i = 0; i < w.n; i++)
					if (is_alpha_word(w.w[i]) && strlen(w.w[i]) >= 4)
						cand[nc++] = i;
				if (nc == 0)
					return false;
				t = w.w[cand[rnd(nc)]];
				len = (int) strlen(t);
				pos = rnd(len);
				switch (rnd(4))
				{
					case 0:		/* substitution */
						{
							char		c = letters[rnd(26)];

							if (c == t[pos])
								c = c == 'Z' ? 'A' : c + 1;
							t[pos] = c;
						}
						break;
					case 1:		/* deletion */
						memmove(t + pos, t + pos + 1, (size_t) (len - pos));
						break;
					case 2:		/* insertion */
						if (len < 60)
						{
							memmove(t + pos + 1, t + pos, (size_t) (len - pos + 1));
							t[pos] = letters[rnd(26)];
						}
						break;
					default:	/* transposition */
						if (pos + 1 < len && t[pos] != t[pos + 1])
						{
							char		c = t[pos];

							t[pos] = t[pos + 1];
							t[pos + 1] = c;
						}
						else
							t[pos] = t[pos] == 'A' ? 'E' : 'A';
						break;
				}
				join_words(&w, out, cap);
				return true;
			}
		case V_HONORIFIC:
			{
				char		buf[512];

				if (!person)
					return false;
				join_words(&w, buf, sizeof(buf));
				snprintf(out, cap, "%s %s",
						 honorifics[rnd((int) (sizeof(honorifics) / sizeof(honorifics[0])))], buf);
				return true;
			}
		case V_LEGAL:
			{
				int			last = w.n - 1;
				const char *lf = legal_forms[rnd((int) (sizeof(legal_forms) / sizeof(legal_forms[0])))];

				if (type != ARKA_ENTRY_ENTITY)
					return false;
				if (is_legal_word(w.w[last]) && w.n >= 2)
				{
					/* change or drop the legal form */
					if (rnd(3) == 0)
						w.w[last][0] = '\0';
					else
						snprintf(w.w[last], 64, "%s", lf);
					join_words(&w, out, cap);
				}
				else
				{
					char		buf[512];

					join_words(&w, buf, sizeof(buf));
					snprintf(out, cap, "%s %s", buf, lf);
				}
				return true;
			}
	}
	return false;
}

/* Common given and family names from many countries, none chosen
 * because of the list. */
static const char *const first_names[] = {
	"James", "Mary", "John", "Patricia", "Robert", "Jennifer", "Michael", "Linda",
	"William", "Elizabeth", "David", "Barbara", "Richard", "Susan", "Joseph", "Jessica",
	"Thomas", "Sarah", "Charles", "Karen", "Christopher", "Nancy", "Daniel", "Lisa",
	"Matthew", "Betty", "Anthony", "Margaret", "Mark", "Sandra", "Donald", "Ashley",
	"Steven", "Kimberly", "Paul", "Emily", "Andrew", "Donna", "Joshua", "Michelle",
	"Kenneth", "Carol", "Kevin", "Amanda", "Brian", "Melissa", "George", "Deborah",
	"Emma", "Olivia", "Sophie", "Hannah", "Lukas", "Felix", "Jonas", "Leon",
	"Pierre", "Camille", "Julien", "Chloe", "Giulia", "Marco", "Luca", "Francesca",
	"Jan", "Piotr", "Katarzyna", "Agnieszka", "Sven", "Astrid", "Lars", "Ingrid",
	"Sergei", "Olga", "Dmitri", "Natalia", "Igor", "Svetlana", "Andrei", "Tatiana",
	"Wei", "Fang", "Li", "Jing", "Hiroshi", "Yuki", "Takeshi", "Aiko",
	"Minjun", "Seoyeon", "Priya", "Rahul", "Anjali", "Vikram", "Arjun", "Deepika",
	"Mehmet", "Ayse", "Emre", "Zeynep", "Carlos", "Maria", "Jose", "Lucia",
	"Juan", "Sofia", "Diego", "Valentina", "Chinedu", "Amara", "Kwame", "Abena",
	"Thanh", "Linh", "Siddharth", "Ananya", "Mateo", "Camila", "Noah", "Ava"
};
static const char *const last_names[] = {
	"Smith", "Johnson", "Williams", "Brown", "Jones", "Miller", "Davis", "Wilson",
	"Anderson", "Taylor", "Thomas", "Moore", "Jackson", "Martin", "Thompson", "White",
	"Harris", "Clark", "Lewis", "Robinson", "Walker", "Young", "Allen", "King",
	"Wright", "Scott", "Hill", "Green", "Adams", "Baker", "Nelson", "Carter",
	"Mitchell", "Roberts", "Turner", "Phillips", "Campbell", "Parker", "Evans", "Edwards",
	"Collins", "Stewart", "Morris", "Murphy", "Cook", "Rogers", "Daniels", "Bush",
	"Mueller", "Schmidt", "Schneider", "Fischer", "Weber", "Becker", "Wagner", "Hoffmann",
	"Dubois", "Moreau", "Laurent", "Lefebvre", "Rossi", "Russo", "Ferrari", "Esposito",
	"Kowalski", "Nowak", "Wisniewski", "Johansson", "Andersson", "Nilsson", "Larsen", "Hansen",
	"Petrov", "Smirnova", "Volkov", "Sokolov", "Lebedev", "Novikova", "Morozov", "Pavlova",
	"Wang", "Zhang", "Liu", "Chen", "Yang", "Huang", "Zhou", "Wu",
	"Sato", "Suzuki", "Takahashi", "Tanaka", "Kim", "Park", "Choi", "Jung",
	"Sharma", "Patel", "Gupta", "Singh", "Iyer", "Reddy", "Nair", "Mehta",
	"Yilmaz", "Kaya", "Demir", "Celik", "Garcia", "Martinez", "Lopez", "Gonzalez",
	"Fernandez", "Silva", "Santos", "Oliveira", "Okafor", "Mensah", "Nguyen", "Tran"
};

/* Lower-case token set of a name through the real normaliser. */
static int
token_set(const char *name, char toks[][64], int cap)
{
	ArkaName   *nm = malloc(sizeof(ArkaName));
	int			n = 0;

	if (arka_name_normalise(name, strlen(name), ARKA_NAME_QUERY, nm) == ARKA_NAME_OK)
		for (int i = 0; i < nm->ntokens && n < cap; i++)
			snprintf(toks[n++], 64, "%s", nm->text + nm->tok[i].text_off);
	free(nm);
	return n;
}

/*
 * Is this generated "ordinary" name actually a listed name?  True when
 * every one of its words occurs, spelled the same, in one listed name:
 * screening is supposed to flag those, so they cannot be negatives.
 */
static bool
is_listed_name(const ArkaMatchList *l, const char *name)
{
	char		qt[8][64];
	int			nq = token_set(name, qt, 8);
	ArkaMatchResults r;
	bool		listed = false;

	arka_match_results_init(&r);
	/* any name containing all words scores > 0.5; check them exactly */
	arka_match_screen((ArkaMatchList *) l, name, strlen(name), 0.5, 200,
					  ARKA_MATCH_NO_EVIDENCE, &r);
	for (int k = 0; k < r.count && !listed; k++)
	{
		int			nn = arka_match_entry_names(l, r.items[k].entry);

		for (int a = 0; a < nn && !listed; a++)
		{
			char		ct[48][64];
			int			nc = token_set(arka_match_entry_name(l, r.items[k].entry, a, NULL), ct, 48);
			int			found = 0;

			for (int i = 0; i < nq; i++)
				for (int j = 0; j < nc; j++)
					if (strcmp(qt[i], ct[j]) == 0)
					{
						found++;
						break;
					}
			if (found == nq)
				listed = true;
		}
	}
	arka_match_results_free(&r);
	return listed;
}

/*
 * The labelled set: per_kind variants of each kind from randomly chosen
 * entries (primary names and strong aliases), then nneg ordinary names.
 */
static void
build_labels(const ArkaMatchList *l, int per_kind, int nneg, LabelSet *ls)
{
	uint32_t	ne = arka_match_entry_count(l);
	char		out[1024];
	int			nfirst = (int) (sizeof(first_names) / sizeof(first_names[0]));
	int			nlast = (int) (sizeof(last_names) / sizeof(last_names[0]));

	memset(ls, 0, sizeof(*ls));
	rng_state = 0x9E3779B97F4A7C15ull;
	for (int k = 0; k < V_NKINDS; k++)
	{
		int			made = 0,
					tries = 0;

		while (made < per_kind && tries++ < per_kind * 200)
		{
			uint32_t	e = (uint32_t) rnd((int) ne);
			int			nn = arka_match_entry_names(l, e);
			int			a = rnd(nn);
			bool		weak;
			const char *name = arka_match_entry_name(l, e, a, &weak);

			if (!name || weak || strlen(name) < 4)
				continue;
			if (!make_variant(name, arka_match_entry_type(l, e), k, out, sizeof(out)))
				continue;
			label_add(ls, out, (int) e, k);
			made++;
		}
	}
	while (ls->nneg < nneg)
	{
		char		name[256];
		int			shape = rnd(10);
		const char *f = first_names[rnd(nfirst)],
				   *m = first_names[rnd(nfirst)],
				   *s = last_names[rnd(nlast)];

		if (shape < 7)
			snprintf(name, sizeof(name), "%s %s", f, s);
		else if (shape < 9)
			snprintf(name, sizeof(name), "%s %s %s", f, m, s);
		else
			snprintf(name, sizeof(name), "%s, %s", s, f);
		if (is_listed_name(l, name))
		{
			ls->excluded++;
			continue;
		}
		label_add(ls, name, -1, -1);
	}
}

/* Recall, top-1 and false positives of a labelled set at threshold T. */
typedef struct Quality
{
	int			pos,
				found,
				top1,
				neg,
				fp;
	int			kind_n[V_NKINDS],
				kind_found[V_NKINDS];
} Quality;

/*
 * Screen every labelled name once at a low floor and record, per name,
 * the true entry's score and the best score, so that any threshold can
 * be evaluated afterwards.
 */
typedef struct Scored
{
	double		true_score;		/* -1: not returned */
	double		best;			/* best score of any entry */
	double		best_other;		/* best score of another entry */
} Scored;

static void
score_labels(ArkaMatchList *l, const LabelSet *ls, double floor, Scored *sc)
{
	ArkaMatchResults r;

	arka_match_results_init(&r);
	for (int i = 0; i < ls->n; i++)
	{
		const Labelled *x = &ls->items[i];

		sc[i].true_score = -1.0;
		sc[i].best = -1.0;
		sc[i].best_other = -1.0;
		if (arka_match_screen(l, x->name, strlen(x->name), floor, 100,
							  ARKA_MATCH_NO_EVIDENCE, &r) != ARKA_MATCH_OK)
			continue;
		for (int k = 0; k < r.count; k++)
		{
			double		s = r.items[k].score;

			if (s > sc[i].best)
				sc[i].best = s;
			if ((int) r.items[k].entry == x->entry)
				sc[i].true_score = s;
			else if (s > sc[i].best_other)
				sc[i].best_other = s;
		}
	}
	arka_match_results_free(&r);
}

static void
quality_at(const LabelSet *ls, const Scored *sc, double T, Quality *q)
{
	memset(q, 0, sizeof(*q));
	for (int i = 0; i < ls->n; i++)
	{
		const Labelled *x = &ls->items[i];

		if (x->entry >= 0)
		{
			q->pos++;
			q->kind_n[x->kind]++;
			if (sc[i].true_score >= T)
			{
				q->found++;
				q->kind_found[x->kind]++;
				if (sc[i].true_score >= sc[i].best_other)
					q->top1++;
			}
		}
		else
		{
			q->neg++;
			if (sc[i].best >= T)
				q->fp++;
		}
	}
}

static void UNUSED
print_quality(const char *label, double T, const Quality *q)
{
	printf("%s T=%.2f: recall %.4f (%d/%d), top-1 %.4f, false positives %.4f (%d/%d)\n",
		   label, T, (double) q->found / q->pos, q->found, q->pos,
		   (double) q->top1 / q->pos, (double) q->fp / q->neg, q->fp, q->neg);
}

#ifndef ARKA_MATCH_NO_MAIN

/* ---------------------------------------------------------------------
 * Self-contained tests
 * ---------------------------------------------------------------------
 */
static double
jw_utf8(const char *a, const char *b)
{
	return arka_jaro_winkler_utf8(a, strlen(a), b, strlen(b), 0.0);
}

static double
jaro_utf8(const char *a, const char *b)
{
	uint32_t	x[64],
				y[64];
	size_t		la = strlen(a),
				lb = strlen(b);

	for (size_t i = 0; i < la; i++)
		x[i] = (unsigned char) a[i];
	for (size_t i = 0; i < lb; i++)
		y[i] = (unsigned char) b[i];
	return arka_jaro(x, la, y, lb);
}

#define CHECK_NEAR(got, want, tol) \
	do { \
		double g__ = (got), w__ = (want); \
		if (fabs(g__ - w__) <= (tol)) \
			arka_test_passed++; \
		else \
		{ \
			arka_test_failed++; \
			fprintf(stderr, "%s:%d: got %.4f, want %.4f (%s)\n", __FILE__, __LINE__, g__, w__, #got); \
		} \
	} while (0)

/* Winkler's table (name-matching-vectors.md section 1), to 3 decimals. */
static void
test_jaro_winkler(void)
{
	static const struct
	{
		const char *a,
				   *b;
		double		jaro,
					jw;
	}			v[] = {
		{"SHACKLEFORD", "SHACKELFORD", 0.970, 0.982},
		{"DUNNINGHAM", "CUNNIGHAM", 0.896, 0.896},
		{"NICHLESON", "NICHULSON", 0.926, 0.956},
		{"JONES", "JOHNSON", 0.790, 0.832},
		{"MASSEY", "MASSIE", 0.889, 0.933},
		{"ABROMS", "ABRAMS", 0.889, 0.922},
		{"HARDIN", "MARTINEZ", 0.722, 0.722},
		{"ITMAN", "SMITH", 0.467, 0.467},
		{"JERALDINE", "GERALDINE", 0.926, 0.926},
		{"MARHTA", "MARTHA", 0.944, 0.961},
		{"MICHELLE", "MICHAEL", 0.869, 0.921},
		{"JULIES", "JULIUS", 0.889, 0.933},
		{"TANYA", "TONYA", 0.867, 0.880},
		{"DWAYNE", "DUANE", 0.822, 0.840},
		{"SEAN", "SUSAN", 0.783, 0.805},
		{"JON", "JOHN", 0.917, 0.933},
		{"JON", "JAN", 0.778, 0.800},
		{"DIXON", "DICKSONX", 0.767, 0.813},
	};

	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++)
	{
		CHECK_NEAR(jaro_utf8(v[i].a, v[i].b), v[i].jaro, 0.0006);
		CHECK_NEAR(jw_utf8(v[i].a, v[i].b), v[i].jw, 0.0006);
		CHECK_NEAR(jw_utf8(v[i].b, v[i].a), v[i].jw, 0.0006);	/* symmetric */
	}
	CHECK(jw_utf8("", "") == 1.0);
	CHECK(jw_utf8("a", "a") == 1.0);
	CHECK(jw_utf8("abcde", "abcde") == 1.0);
	CHECK(jw_utf8("aaaaa", "aaaaa") == 1.0);
	CHECK(jw_utf8("a", "b") == 0.0);
	CHECK(jw_utf8("", "abc") == 0.0);
	CHECK(jw_utf8("abcd", "") == 0.0);
	/* code points, not bytes: one differing letter out of three */
	CHECK_NEAR(jw_utf8("\xCE\xB1\xCE\xB2\xCE\xB3", "\xCE\xB1\xCE\xB2\xCE\xB4"), 0.8222, 0.001);
	/* boost threshold: no boost at or below it */
	{
		uint32_t	a[] = {'a', 'b', 'x', 'y'},
					b[] = {'a', 'b', 'z', 'w'};

		CHECK(arka_jaro_winkler(a, 4, b, 4, 0.7) == arka_jaro(a, 4, b, 4));
	}
	/* long strings: refused, not quadratic */
	{
		size_t		n = ARKA_JARO_MAX_LEN + 1;
		char	   *big = malloc(n);

		memset(big, 'a', n);
		CHECK(arka_jaro_winkler_utf8(big, n, "a", 1, 0.7) < 0.0);
		CHECK(arka_jaro_winkler_utf8(big, n - 100, big, n - 100, 0.7) == 1.0);
		free(big);
	}
	/* invalid UTF-8 has a defined result */
	CHECK(jw_utf8("\xff\xfe", "\xff\xfe") == 1.0);
}

static const char *
norm(ArkaName *nm, const char *s, ArkaNameMode mode)
{
	if (arka_name_normalise(s, strlen(s), mode, nm) != ARKA_NAME_OK)
		return "(error)";
	return nm->display;
}

static void
test_normalise(void)
{
	ArkaName   *nm = malloc(sizeof(ArkaName));

	CHECK_STR(norm(nm, "MADURO MOROS, Nicolas", ARKA_NAME_PERSON), "nicolas maduro moros");
	CHECK(nm->comma_form);
	CHECK(nm->tok[1].flags & ARKA_TOKF_SURNAME);
	CHECK(nm->tok[2].flags & ARKA_TOKF_SURNAME);
	CHECK(!(nm->tok[0].flags & ARKA_TOKF_SURNAME));
	CHECK_STR(norm(nm, "Nicol\xC3\xA1s Maduro", ARKA_NAME_QUERY), "nicolas maduro");
	CHECK_STR(norm(nm, "Nicola\xCC\x81s MADURO", ARKA_NAME_QUERY), "nicolas maduro");	/* NFD */
	CHECK_STR(norm(nm, "Nicol\xE1s Maduro", ARKA_NAME_QUERY), "nicolas maduro");	/* Latin-1 */
	CHECK_STR(norm(nm, "GADDAFI, Mu'ammar", ARKA_NAME_PERSON), "muammar gaddafi");
	CHECK_STR(norm(nm, "Mu\xE2\x80\x99" "ammar", ARKA_NAME_QUERY), "muammar");
	CHECK_STR(norm(nm, "AL ZAWAHIRI, Dr. Ayman", ARKA_NAME_PERSON), "ayman al zawahiri");
	CHECK(nm->ndropped == 1);
	CHECK(nm->tok[1].cls == ARKA_TOK_PARTICLE);
	CHECK_STR(norm(nm, "CECOEX, S.A.", ARKA_NAME_QUERY), "cecoex sa");
	CHECK(!nm->comma_form);
	CHECK(nm->tok[1].cls == ARKA_TOK_LEGAL);
	CHECK(nm->tok[1].weight < 0.5f);
	CHECK_STR(norm(nm, "ANGLO-CARIBBEAN CO., LTD.", ARKA_NAME_ORG), "anglo caribbean co ltd");
	CHECK_STR(norm(nm, "Acme L.L.C.", ARKA_NAME_QUERY), "acme llc");
	CHECK_STR(norm(nm, "J.R.R. Tolkien", ARKA_NAME_QUERY), "j r r tolkien");
	CHECK(nm->tok[0].cls == ARKA_TOK_INITIAL);
	CHECK_STR(norm(nm, "11,420.2-1 CORP.", ARKA_NAME_ORG), "11 420 2 1 corp");
	CHECK(nm->tok[0].cls == ARKA_TOK_NUMBER);
	CHECK_STR(norm(nm, "\xD0\x92\xD0\xBB\xD0\xB0\xD0\xB4\xD0\xB8\xD0\xBC\xD0\xB8\xD1\x80 "
				   "\xD0\x9F\xD1\x83\xD1\x82\xD0\xB8\xD0\xBD", ARKA_NAME_QUERY), "vladimir putin");
	CHECK_STR(norm(nm, "\xD0\x90\xD0\xBD\xD0\xB4\xD1\x80\xD0\xB5\xD0\xB9", ARKA_NAME_QUERY), "andrey");
	CHECK_STR(norm(nm, "Stra\xC3\x9F" "e \xC3\x98resund \xC5\x81\xC3\xB3" "d\xC5\xBA", ARKA_NAME_QUERY),
			  "strasse oresund lodz");
	CHECK_STR(norm(nm, "\xEF\xBC\xA1\xEF\xBC\xA2\xEF\xBC\xA3", ARKA_NAME_QUERY), "abc");	/* fullwidth */
	CHECK_STR(norm(nm, "Mr. John SMITH", ARKA_NAME_QUERY), "john smith");
	CHECK_STR(norm(nm, "Mr", ARKA_NAME_QUERY), "mr");	/* nothing else: kept */
	CHECK_STR(norm(nm, "CO LTD", ARKA_NAME_ORG), "co ltd");
	CHECK(nm->all_minor && nm->tok[0].weight == 1.0f);
	CHECK_STR(norm(nm, "Karadeniz \xC5\x9E" "ah\xC4\xB1ni", ARKA_NAME_QUERY), "karadeniz sahini");
	CHECK_STR(norm(nm, "a\xE2\x80\x8B" "b", ARKA_NAME_QUERY), "ab");	/* zero-width space */
	CHECK_STR(norm(nm, "x\tY\nz\x01", ARKA_NAME_QUERY), "x y z");

	/* hostile input */
	CHECK(arka_name_normalise("", 0, ARKA_NAME_QUERY, nm) == ARKA_NAME_EMPTY);
	CHECK(arka_name_normalise("!!! ,,, ...", 11, ARKA_NAME_QUERY, nm) == ARKA_NAME_EMPTY);
	CHECK(arka_name_normalise("\xff\xfe\x80", 3, ARKA_NAME_QUERY, nm) == ARKA_NAME_OK ||
		  arka_name_normalise("\xff\xfe\x80", 3, ARKA_NAME_QUERY, nm) == ARKA_NAME_EMPTY);
	{
		char		nul[] = {'a', 0, 'b'};

		CHECK_STR(norm(nm, "", ARKA_NAME_QUERY), "(error)");
		CHECK(arka_name_normalise(nul, 3, ARKA_NAME_QUERY, nm) == ARKA_NAME_OK);
		CHECK_STR(nm->display, "a b");
	}
	{
		char		many[400];
		size_t		o = 0;

		for (int i = 0; i < 49; i++)
			o += (size_t) snprintf(many + o, sizeof(many) - o, "w%d ", i);
		CHECK(arka_name_normalise(many, o, ARKA_NAME_QUERY, nm) == ARKA_NAME_TOO_MANY_TOKENS);
	}
	{
		char		longtok[300];

		memset(longtok, 'q', sizeof(longtok));
		CHECK(arka_name_normalise(longtok, sizeof(longtok), ARKA_NAME_QUERY, nm) == ARKA_NAME_OK);
		CHECK(nm->tok[0].len == ARKA_NAME_MAX_TOKEN_CPS);
	}
	CHECK(arka_name_classify("llc", 3) == ARKA_TOK_LEGAL);
	CHECK(arka_name_classify("sheikh", 6) == ARKA_TOK_HONORIFIC);
	CHECK(arka_name_classify("bin", 3) == ARKA_TOK_PARTICLE);
	CHECK(arka_name_classify("\xC3\xA9", 2) == ARKA_TOK_INITIAL);
	CHECK(arka_name_classify("maduro", 6) == ARKA_TOK_WORD);
	free(nm);
}

/* Screen and return the score of the entry with this id, -1 if absent. */
static double
screen_score(ArkaMatchList *l, const char *name, const char *id)
{
	ArkaMatchResults r;
	double		s = -1.0;

	arka_match_results_init(&r);
	if (arka_match_screen(l, name, strlen(name), 0.01, 1000, 0, &r) == ARKA_MATCH_OK)
	{
		for (int k = 0; k < r.count; k++)
			if (strcmp(arka_match_entry_id(l, r.items[k].entry), id) == 0)
				s = r.items[k].score;
	}
	arka_match_results_free(&r);
	return s;
}

/*
 * The field's known failures, on a small list holding the names involved
 * (Watchman issues #483, #115, #338, #141, #450).
 */
static void
test_regressions(void)
{
	ArkaMatchList *l = arka_match_list_create();
	uint32_t	e;
	double		T = ARKA_MATCH_DEFAULT_THRESHOLD;
	ArkaMatchResults r;
	ArkaBuf		json;

	CHECK(arka_match_add_entry(l, "24430", 5, ARKA_ENTRY_ENTITY, "11420 CORP.", 11, &e) == ARKA_MATCH_OK);
	CHECK(arka_match_add_entry(l, "115", 3, ARKA_ENTRY_INDIVIDUAL, "HABBASH, George", 15, &e) == ARKA_MATCH_OK);
	CHECK(arka_match_add_entry(l, "29857", 5, ARKA_ENTRY_ENTITY, "EMMA LLC", 8, &e) == ARKA_MATCH_OK);
	CHECK(arka_match_add_entry(l, "22790", 5, ARKA_ENTRY_INDIVIDUAL, "MADURO MOROS, Nicolas", 21, &e) == ARKA_MATCH_OK);
	arka_match_add_program(l, e, "VENEZUELA", 9);
	arka_match_add_program(l, e, "IRAN-CON-ARMS-EO", 16);
	CHECK(arka_match_add_entry(l, "751", 3, ARKA_ENTRY_ENTITY,
							   "EMPRESA CUBANA DE PESCADOS Y MARISCOS", 37, &e) == ARKA_MATCH_OK);
	CHECK(arka_match_add_alias(l, e, "CARIBEX", 7, true) == ARKA_MATCH_OK);	/* from Remarks */
	CHECK(arka_match_add_entry(l, "12606", 5, ARKA_ENTRY_INDIVIDUAL, "QADHAFI, Muammar", 16, &e) == ARKA_MATCH_OK);
	CHECK(arka_match_add_entry(l, "6365", 4, ARKA_ENTRY_INDIVIDUAL,
							   "BIN LADIN, Usama bin Muhammad bin Awad", 38, &e) == ARKA_MATCH_OK);
	CHECK(arka_match_add_alias(l, e, "BIN LADEN, Osama", 16, false) == ARKA_MATCH_OK);
	CHECK(arka_match_add_identifier(l, e, "Passport", 8, "T-321642", 8) == ARKA_MATCH_OK);
	CHECK(arka_match_add_entry(l, "12735", 5, ARKA_ENTRY_INDIVIDUAL, "AL-ASSAD, Bashar", 16, &e) == ARKA_MATCH_OK);
	CHECK(arka_match_add_entry(l, "12725", 5, ARKA_ENTRY_INDIVIDUAL, "AL-ASSAD, Maher", 15, &e) == ARKA_MATCH_OK);
	CHECK(arka_match_add_entry(l, "99", 2, ARKA_ENTRY_VESSEL, "HOSHIKAZE MARU NO. 8", 20, &e) == ARKA_MATCH_OK);
	CHECK(arka_match_add_identifier(l, e, "IMO", 3, "9187629", 7) == ARKA_MATCH_OK);
	CHECK(arka_match_add_entry(l, "98", 2, ARKA_ENTRY_ENTITY, "LAZARUS GROUP", 13, &e) == ARKA_MATCH_OK);
	CHECK(arka_match_add_identifier(l, e, "Digital Currency Address - XBT", 30,
									"12QtD5BFwRsdNsAZY76UVE1xyCGNTojH9h", 34) == ARKA_MATCH_OK);
	/* errors at add time name the problem */
	CHECK(arka_match_add_entry(l, "x", 1, ARKA_ENTRY_ENTITY, "...", 3, &e) == ARKA_MATCH_EEMPTY);
	CHECK(arka_match_add_alias(l, 999, "X", 1, false) == ARKA_MATCH_EINVAL);
	{
		ArkaMatchResults r0;

		arka_match_results_init(&r0);
		CHECK(arka_match_screen(l, "x", 1, -1, 10, 0, &r0) == ARKA_MATCH_ESTATE);
		arka_match_results_free(&r0);
	}
	CHECK(arka_match_finalise(l) == ARKA_MATCH_OK);
	CHECK(arka_match_finalise(l) == ARKA_MATCH_ESTATE);
	CHECK(arka_match_add_entry(l, "y", 1, ARKA_ENTRY_ENTITY, "LATE", 4, &e) == ARKA_MATCH_ESTATE);
	CHECK(arka_match_entry_count(l) == 11);

	/* #483: a number is a token and must agree; CORP alone is nothing */
	CHECK(screen_score(l, "BELLETECH CORP", "24430") < 0.5);
	CHECK(screen_score(l, "11420 CORP", "24430") == 1.0);
	CHECK(screen_score(l, "11421 CORP", "24430") < T);
	/* #115 */
	CHECK(screen_score(l, "George Bush", "115") < T);
	CHECK(screen_score(l, "George Habash", "115") >= T);
	/* #338 */
	CHECK(screen_score(l, "emma daniels", "29857") < T);
	CHECK(screen_score(l, "Emma LLC", "29857") == 1.0);
	CHECK(screen_score(l, "EMMA L.L.C.", "29857") == 1.0);
	CHECK(screen_score(l, "Emma Limited", "29857") >= T);
	/* #141: a single surname matches an individual; a given name does not */
	CHECK(screen_score(l, "Maduro", "22790") >= T);
	CHECK(screen_score(l, "Nicolas", "22790") < T);
	CHECK(screen_score(l, "Moros", "22790") >= T);
	CHECK(screen_score(l, "Maduro Moros", "22790") >= T);
	CHECK(screen_score(l, "Nicolas Maduro", "22790") >= T);
	CHECK(screen_score(l, "Nicolás Maduro", "22790") >= T);
	CHECK(screen_score(l, "MADURO MOROS, Nicolas", "22790") == 1.0);
	CHECK(screen_score(l, "Nicolas Ernesto Maduro Moros", "22790") >= T);
	CHECK(screen_score(l, "Madura", "22790") < T);	/* not equal: capped */
	CHECK(screen_score(l, "Cubana", "751") < T);	/* entity: capped */
	/* #450: the weak alias from Remarks is found, slightly discounted */
	CHECK(screen_score(l, "Caribex", "751") >= T);
	CHECK(screen_score(l, "Caribex", "751") < 1.0);
	CHECK(screen_score(l, "CARIBEX S.A.", "751") >= T);
	/* transliteration, order, typos */
	CHECK(screen_score(l, "Muammar Gaddafi", "12606") >= T);
	CHECK(screen_score(l, "Moammar Qadhafi", "12606") >= T);
	CHECK(screen_score(l, "Osama bin Laden", "6365") >= T);
	CHECK(screen_score(l, "Usama bin Ladin", "6365") >= T);
	CHECK(screen_score(l, "Ossama Bin Ladden", "6365") >= T);
	CHECK(screen_score(l, "Bashar al-Assad", "12735") >= T);
	CHECK(screen_score(l, "Bashar Assad", "12735") >= T);
	CHECK(screen_score(l, "Bashar al-Assad", "12725") < T);	/* brother, not him */
	CHECK(screen_score(l, "Maher al Assad", "12725") >= T);
	CHECK(screen_score(l, "HOSHIKAZE MARU NO. 6", "99") < T);	/* other vessel */
	/* identifiers: exact, 1.0, also inside a screened "name" */
	CHECK(screen_score(l, "T321642", "6365") == 1.0);
	CHECK(screen_score(l, "IMO 9187629", "99") == 1.0);
	CHECK(screen_score(l, "12QtD5BFwRsdNsAZY76UVE1xyCGNTojH9h", "98") == 1.0);
	arka_match_results_init(&r);
	CHECK(arka_match_screen_id(l, "t 321 642", 9, "passport", 8, 10, &r) == ARKA_MATCH_OK);
	CHECK(r.count == 1 && strcmp(arka_match_entry_id(l, r.items[0].entry), "6365") == 0);
	CHECK(r.count == 1 && (r.items[0].rules & ARKA_MATCH_RULE_IDENTIFIER));
	CHECK(arka_match_screen_id(l, "T321642", 7, "IMO", 3, 10, &r) == ARKA_MATCH_OK && r.count == 0);
	CHECK(arka_match_screen_id(l, "12qtd5bfwrsdnsazy76uve1xycgntojh9h", 34, NULL, 0, 10, &r) == ARKA_MATCH_OK &&
		  r.count == 0);		/* addresses are case-sensitive */
	CHECK(arka_match_screen_id(l, "12QtD5BFwRsdNsAZY76UVE1xyCGNTojH9h", 34, "Digital Currency Address", 24, 10, &r) ==
		  ARKA_MATCH_OK && r.count == 1);

	/* evidence: pairs, penalties, rules, and valid JSON */
	CHECK(arka_match_screen(l, "Nicolas Maduro", 14, -1, 10, 0, &r) == ARKA_MATCH_OK);
	CHECK(r.count == 1);
	if (r.count >= 1)
	{
		const ArkaMatchResult *x = &r.items[0];
		ArkaArena	arena;
		ArkaValue	v;
		ArkaJsonError err;

		CHECK(x->npairs == 2);
		CHECK(x->nunmatched == 1 && !x->unmatched[0].query_side &&
			  strcmp(x->unmatched[0].token, "moros") == 0);
		CHECK(x->extra_cand_weight == 1.0 && x->conflict_weight == 0.0);
		CHECK_STR(x->pairs[0].query_token, "nicolas");
		CHECK_STR(x->pairs[0].cand_token, "nicolas");
		CHECK_STR(x->matched_name, "MADURO MOROS, Nicolas");
		CHECK_STR(r.query_norm, "nicolas maduro");
		arka_buf_init(&json);
		arka_match_result_json(l, &r, x, &json);
		arka_arena_init(&arena, 0);
		CHECK(arka_json_parse(json.data, json.len, &arena, &v, &err));
		CHECK(strstr(json.data, "\"programs\":[\"VENEZUELA\",\"IRAN-CON-ARMS-EO\"]") != NULL);
		arka_arena_free(&arena);
		arka_buf_free(&json);
	}
	CHECK(arka_match_screen(l, "Maduro", 6, -1, 10, 0, &r) == ARKA_MATCH_OK);
	CHECK(r.count == 1 && (r.items[0].rules & ARKA_MATCH_RULE_SURNAME));
	CHECK(arka_match_screen(l, "Caribex", 7, -1, 10, 0, &r) == ARKA_MATCH_OK);
	CHECK(r.count == 1 && r.items[0].weak && (r.items[0].rules & ARKA_MATCH_RULE_WEAK_ALIAS));
	if (r.count == 1)
	{
		arka_buf_init(&json);
		arka_match_result_json(l, &r, &r.items[0], &json);
		CHECK(strstr(json.data, "\"name_kind\":\"weak_alias\"") != NULL);
		arka_buf_free(&json);
	}
	CHECK(arka_match_screen(l, "IMO 9187629", 11, -1, 10, 0, &r) == ARKA_MATCH_OK);
	if (r.count >= 1)
	{
		arka_buf_init(&json);
		arka_match_result_json(l, &r, &r.items[0], &json);
		CHECK(strstr(json.data, "\"identifier\":{\"type\":\"IMO\",\"value\":\"9187629\"}") != NULL);
		arka_buf_free(&json);
	}

	/* hostile input: errors or empty results, never a crash */
	{
		size_t		n = 10 * 1024 * 1024;
		char	   *big = malloc(n);

		memset(big, 'A', n);
		CHECK(arka_match_screen(l, big, n, -1, 10, 0, &r) == ARKA_MATCH_ETOOLONG);
		for (size_t i = 0; i < n; i++)
			big[i] = (char) (rng() & 0xFF);
		CHECK(arka_match_screen(l, big, 4000, -1, 10, 0, &r) != ARKA_MATCH_ENOMEM);
		CHECK(arka_match_screen_id(l, big, n, NULL, 0, 10, &r) == ARKA_MATCH_ETOOLONG);
		free(big);
	}
	CHECK(arka_match_screen(l, "", 0, -1, 10, 0, &r) == ARKA_MATCH_OK && r.count == 0);
	CHECK(arka_match_screen(l, NULL, 0, -1, 10, 0, &r) == ARKA_MATCH_OK && r.count == 0);
	CHECK(arka_match_screen(l, "?!.,;", 5, -1, 10, 0, &r) == ARKA_MATCH_OK && r.count == 0);
	CHECK(arka_match_screen(l, "\xC3", 1, -1, 10, 0, &r) == ARKA_MATCH_OK);
	CHECK(arka_match_screen(l, "Maduro", 6, -1, 0, 0, &r) == ARKA_MATCH_OK && r.count == 0);
	CHECK(arka_match_screen(l, "Maduro", 6, 2.0, 10, 0, &r) == ARKA_MATCH_OK && r.count == 0);
	CHECK(arka_match_screen(l, "Maduro", 6, NAN, 10, 0, &r) == ARKA_MATCH_OK && r.count == 1);
	arka_match_results_free(&r);

	/* a second scratch for another thread gives the same answers */
	{
		ArkaMatchScratch *s2 = arka_match_scratch_create(l);

		arka_match_results_init(&r);
		CHECK(arka_match_screen_with(l, s2, "Osama bin Laden", 15, -1, 10, 0, &r) == ARKA_MATCH_OK);
		CHECK(r.count == 1);
		arka_match_results_free(&r);
		arka_match_scratch_free(s2);
	}
	arka_match_list_free(l);

	/* an empty list works */
	l = arka_match_list_create();
	CHECK(arka_match_finalise(l) == ARKA_MATCH_OK);
	arka_match_results_init(&r);
	CHECK(arka_match_screen(l, "Nobody", 6, -1, 10, 0, &r) == ARKA_MATCH_OK && r.count == 0);
	CHECK(arka_match_screen_id(l, "123456", 6, NULL, 0, 10, &r) == ARKA_MATCH_OK && r.count == 0);
	arka_match_results_free(&r);
	arka_match_list_free(l);
	arka_match_list_free(NULL);
}

/* ---------------------------------------------------------------------
 * Tests on the real OFAC list
 * ---------------------------------------------------------------------
 */

/* The known failures again, against the full list. */
static void
test_full_regressions(Ofac *o)
{
	ArkaMatchList *l = o->list;
	double		T = arka_match_threshold(l);
	ArkaMatchResults r;
	bool		ok;

	CHECK(screen_score(l, "Maduro", "22790") >= T);
	CHECK(screen_score(l, "Nicolas Maduro", "22790") >= T);
	CHECK(screen_score(l, "Nicolas Maduro Moros", "22790") >= T);
	CHECK(screen_score(l, "BELLETECH CORP", "24430") < T);
	CHECK(screen_score(l, "emma daniels", "29857") < T);
	CHECK(screen_score(l, "Caribex", "751") >= T);	/* Remarks-only a.k.a. */
	CHECK(screen_score(l, "Osama bin Laden", "6365") >= T);
	CHECK(screen_score(l, "Muammar Gaddafi", "12606") >= T);
	CHECK(screen_score(l, "Moamar Kadhafi", "12606") >= T);
	CHECK(screen_score(l, "Alexander Lukashenko", "9760") >= T);
	CHECK(screen_score(l, "Vladimir Putin", "35096") >= T);
	CHECK(screen_score(l, "\xD0\x92\xD0\xBB\xD0\xB0\xD0\xB4\xD0\xB8\xD0\xBC\xD0\xB8\xD1\x80 "
					   "\xD0\x9F\xD1\x83\xD1\x82\xD0\xB8\xD0\xBD", "35096") >= T);
	CHECK(screen_score(l, "Kim Jong Un", "20157") >= T);
	CHECK(screen_score(l, "Joaquin Guzman Loera", "6861") >= T);
	CHECK(screen_score(l, "Ayman al-Zawahiri", "2676") >= T);
	CHECK(screen_score(l, "Bashar al-Assad", "12735") >= T);
	CHECK(screen_score(l, "Asma al-Assad", "29068") >= T);
	CHECK(screen_score(l, "Bashar al-Assad", "29068") < T);
	/* "George Bush" matches nobody on the list */
	arka_match_results_init(&r);
	ok = arka_match_screen(l, "George Bush", 11, -1, 10, 0, &r) == ARKA_MATCH_OK;
	CHECK(ok && r.count == 0);
	ok = arka_match_screen(l, "BELLETECH CORP", 14, -1, 10, 0, &r) == ARKA_MATCH_OK;
	CHECK(ok && r.count == 0);
	arka_match_results_free(&r);
}

/*
 * The index returns exactly what the exhaustive scan returns: same
 * entries, same scores, for every query, at the default threshold and at
 * a lower one (a lower threshold searches more query tokens).
 */
static void
test_exactness(Ofac *o, const LabelSet *ls, int nqueries)
{
	ArkaMatchList *l = o->list;
	ArkaMatchResults a,
				b;
	int			compared = 0,
				mismatched = 0,
				with_hits = 0;
	long		cand_index = 0,
				cand_full = 0;
	double		thresholds[2] = {arka_match_threshold(l), 0.70};
	double		t0 = now_us();

	arka_match_results_init(&a);
	arka_match_results_init(&b);
	for (int i = 0; i < nqueries; i++)
	{
		/* alternate positives and negatives; extra one-word queries */
		const char *name;
		char		one[64];
		double		T = thresholds[(i % 5) == 4];

		if (i % 10 == 9)
		{
			char		toks[8][64];
			int			nt = token_set(ls->items[rnd(ls->n)].name, toks, 8);

			snprintf(one, sizeof(one), "%s", nt ? toks[rnd(nt)] : "x");
			name = one;
		}
		else
			name = ls->items[(i * 7919) % ls->n].name;
		/* half the time through the partner cache, half without */
		if (arka_match_screen(l, name, strlen(name), T, ARKA_MATCH_MAX_RESULTS,
							  ARKA_MATCH_NO_EVIDENCE | ((i & 2) ? ARKA_MATCH_NO_CACHE : 0),
							  &a) != ARKA_MATCH_OK ||
			arka_match_screen(l, name, strlen(name), T, ARKA_MATCH_MAX_RESULTS,
							  ARKA_MATCH_NO_EVIDENCE | ARKA_MATCH_EXHAUSTIVE, &b) != ARKA_MATCH_OK)
		{
			mismatched++;
			continue;
		}
		compared++;
		cand_index += a.candidates;
		cand_full += b.candidates;
		if (b.count > 0)
			with_hits++;
		if (a.count != b.count)
		{
			mismatched++;
			fprintf(stderr, "exactness: \"%s\" T=%.2f: index %d results, exhaustive %d\n",
					name, T, a.count, b.count);
			continue;
		}
		for (int k = 0; k < a.count; k++)
			if (a.items[k].entry != b.items[k].entry || a.items[k].score != b.items[k].score)
			{
				mismatched++;
				fprintf(stderr, "exactness: \"%s\" T=%.2f: result %d differs\n", name, T, k);
				break;
			}
	}
	printf("exactness: %d queries (%d with matches), %d differ; names scored per query: "
		   "index %.0f, exhaustive %.0f (%.1f s)\n",
		   compared, with_hits, mismatched, (double) cand_index / (compared ? compared : 1),
		   (double) cand_full / (compared ? compared : 1), (now_us() - t0) / 1e6);
	CHECK(compared == nqueries);
	CHECK(mismatched == 0);
	CHECK(with_hits > nqueries / 4);
	arka_match_results_free(&a);
	arka_match_results_free(&b);
}

/* Recall, top-1 and false positives at the default threshold. */
static void
test_quality(Ofac *o, const LabelSet *ls)
{
	ArkaMatchList *l = o->list;
	double		T = arka_match_threshold(l);
	Scored	   *sc = calloc((size_t) ls->n, sizeof(Scored));
	Quality		q;
	double		t0 = now_us();

	score_labels(l, ls, T, sc);
	quality_at(ls, sc, T, &q);
	print_quality("quality", T, &q);
	printf("  (%d names screened in %.1f s)\n", ls->n, (now_us() - t0) / 1e6);
	for (int k = 0; k < V_NKINDS; k++)
		printf("  %-20s recall %.4f (%d)\n", var_names[k],
			   q.kind_n[k] ? (double) q.kind_found[k] / q.kind_n[k] : 0.0, q.kind_n[k]);
	CHECK(q.pos >= 4000);
	CHECK(q.neg >= 5000);
	CHECK((double) q.found / q.pos >= 0.98);
	CHECK((double) q.fp / q.neg <= 0.005);
	free(sc);
}

int
main(int argc, char **argv)
{
	test_jaro_winkler();
	test_normalise();
	test_regressions();

	if (argc > 1)
	{
		Ofac		o;
		double		t0 = now_us();
		LabelSet	ls;

		if (!ofac_load(argv[1], &o))
		{
			fprintf(stderr, "test_match: cannot load OFAC files from %s\n", argv[1]);
			CHECK(false);
			return arka_test_summary("test_match");
		}
		printf("loaded %u entries, %u names (%d aliases, %d weak from Remarks), %d identifiers, "
			   "%u distinct tokens in %.0f ms, %.1f MiB\n",
			   arka_match_entry_count(o.list), arka_match_name_count(o.list),
			   o.strong_aliases, o.weak_aliases, o.identifiers, arka_match_vocab_count(o.list),
			   (now_us() - t0) / 1000.0, arka_match_memory(o.list) / 1048576.0);
		CHECK(arka_match_entry_count(o.list) == 13821);
		CHECK(arka_match_name_count(o.list) > 30000);
		CHECK(arka_match_memory(o.list) <= (size_t) 32 * 1024 * 1024);
		test_full_regressions(&o);
		t0 = now_us();
		build_labels(o.list, 700, 6000, &ls);
		printf("labelled set: %d variants of listed names, %d ordinary names (%d generated names "
			   "excluded as listed) in %.1f s\n", ls.npos, ls.nneg, ls.excluded, (now_us() - t0) / 1e6);
		test_quality(&o, &ls);
		test_exactness(&o, &ls, 2000);
		label_free(&ls);
		ofac_free(&o);
	}
	return arka_test_summary("test_match");
}

#endif							/* ARKA_MATCH_NO_MAIN */
