/*-------------------------------------------------------------------------
 *
 * fuzz_names.c
 *	  libFuzzer target: the name normaliser, Jaro-Winkler and the matcher.
 *
 * Any byte string must normalise or fail cleanly, into valid UTF-8 tokens
 * with sane weights, and the normalised form must normalise again.
 * Screening it against a small watchlist must give sorted scores in
 * [0,1], evidence that is valid JSON, and exactly the entries an
 * exhaustive scan gives (the candidate index is never allowed to lose a
 * match), at a threshold taken from the input.
 *
 *-------------------------------------------------------------------------
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <utf8proc.h>

#include "arka_jaro.h"
#include "arka_json.h"
#include "arka_match.h"
#include "arka_names.h"

int			LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const struct
{
	const char *id;
	ArkaEntryType type;
	const char *name;
	const char *alias;			/* strong */
	const char *weak;			/* weak, from Remarks */
}			entries[] = {
	{"22790", ARKA_ENTRY_INDIVIDUAL, "MADURO MOROS, Nicolas", NULL, NULL},
	{"24430", ARKA_ENTRY_ENTITY, "11420 CORP.", NULL, NULL},
	{"29857", ARKA_ENTRY_ENTITY, "EMMA LLC", NULL, NULL},
	{"751", ARKA_ENTRY_ENTITY, "EMPRESA CUBANA DE PESCADOS Y MARISCOS", NULL, "CARIBEX"},
	{"12606", ARKA_ENTRY_INDIVIDUAL, "QADHAFI, Muammar", "GADDAFI, Mu'ammar", NULL},
	{"6365", ARKA_ENTRY_INDIVIDUAL, "BIN LADIN, Usama bin Muhammad bin Awad", "BIN LADEN, Osama", NULL},
	{"12735", ARKA_ENTRY_INDIVIDUAL, "AL-ASSAD, Bashar", "ASSAD, Bashar", NULL},
	{"12725", ARKA_ENTRY_INDIVIDUAL, "AL-ASSAD, Maher", NULL, NULL},
	{"9760", ARKA_ENTRY_INDIVIDUAL, "LUKASHENKA, Alyaksandr Ryhorovich", "LUKASHENKO, Alexander Grigoryevich", NULL},
	{"20157", ARKA_ENTRY_INDIVIDUAL, "KIM, Jong Un", NULL, NULL},
	{"480", ARKA_ENTRY_ENTITY, "CECOEX, S.A.", NULL, NULL},
	{"173", ARKA_ENTRY_ENTITY, "ANGLO-CARIBBEAN CO., LTD.", "AVIA IMPORT", NULL},
	{"99", ARKA_ENTRY_VESSEL, "HOSHIKAZE MARU NO. 8", NULL, NULL},
	{"42086", ARKA_ENTRY_ENTITY, "MEGAFON PAO", "OOO MEGAFON", NULL},
	{"7", ARKA_ENTRY_UNKNOWN, "\xD0\x92\xD0\xBB\xD0\xB0\xD0\xB4\xD0\xB8\xD0\xBC\xD0\xB8\xD1\x80 \xD0\x9F\xD1\x83\xD1\x82\xD0\xB8\xD0\xBD", "Putin, V.", "VVP"},
	{"8", ARKA_ENTRY_INDIVIDUAL, "AL ZAWAHIRI, Dr. Ayman", "SALIM, Ahmad Fuad", NULL},
	{"9", ARKA_ENTRY_AIRCRAFT, "EP-GOM", NULL, NULL},
	{"10", ARKA_ENTRY_ENTITY, "SOCIEDAD A B C S.A. DE C.V.", NULL, "A.B.C."},
};

static ArkaMatchList *list;

/* The watchlist, built on first use (test code: a static is fine here). */
static ArkaMatchList *
get_list(void)
{
	if (list)
		return list;
	list = arka_match_list_create();
	if (!list)
		abort();
	for (size_t i = 0; i < sizeof(entries) / sizeof(entries[0]); i++)
	{
		uint32_t	e;

		if (arka_match_add_entry(list, entries[i].id, strlen(entries[i].id), entries[i].type,
								 entries[i].name, strlen(entries[i].name), &e) != ARKA_MATCH_OK)
			abort();
		if (entries[i].alias)
			arka_match_add_alias(list, e, entries[i].alias, strlen(entries[i].alias), false);
		if (entries[i].weak)
			arka_match_add_alias(list, e, entries[i].weak, strlen(entries[i].weak), true);
		arka_match_add_program(list, e, "SDGT", 4);
	}
	arka_match_add_identifier(list, 5, "Passport", 8, "T-321642", 8);
	arka_match_add_identifier(list, 12, "IMO", 3, "9187629", 7);
	if (arka_match_finalise(list) != ARKA_MATCH_OK)
		abort();
	return list;
}

/* Is [s, s+len) valid UTF-8?  The normaliser only ever writes UTF-8. */
static bool
valid_utf8(const char *s, size_t len)
{
	size_t		i = 0;

	while (i < len)
	{
		utf8proc_int32_t cp;
		utf8proc_ssize_t r = utf8proc_iterate((const utf8proc_uint8_t *) s + i,
											  (utf8proc_ssize_t) (len - i), &cp);

		if (r <= 0)
			return false;
		i += (size_t) r;
	}
	return true;
}

static void
check_name(const uint8_t *data, size_t size, ArkaNameMode mode, ArkaName *a, ArkaName *b)
{
	ArkaNameStatus st = arka_name_normalise((const char *) data, size, mode, a);

	if (st != ARKA_NAME_OK)
	{
		if (a->ntokens != 0)
			abort();
		return;
	}
	if (a->ntokens <= 0 || a->ntokens > ARKA_NAME_MAX_TOKENS ||
		a->display_len != strlen(a->display) || !valid_utf8(a->display, a->display_len))
		abort();
	for (int i = 0; i < a->ntokens; i++)
	{
		const ArkaNameToken *t = &a->tok[i];

		if (t->len == 0 || t->len > ARKA_NAME_MAX_TOKEN_CPS || !(t->weight > 0.0f) ||
			t->weight > 1.0f || t->text_len != strlen(a->text + t->text_off))
			abort();
	}
	/*
	 * The normalised form normalises again, to no more tokens (commas are
	 * gone by then, so single letters a comma kept apart may now join).
	 */
	if (arka_name_normalise(a->display, a->display_len, ARKA_NAME_QUERY, b) != ARKA_NAME_OK ||
		b->ntokens > a->ntokens)
		abort();
}

/* Indexed and exhaustive screens agree; scores are sane; evidence parses. */
static void
check_screen(ArkaMatchList *l, const char *name, size_t len, double T)
{
	ArkaMatchResults a,
				b;
	ArkaMatchStatus sa,
				sb;

	arka_match_results_init(&a);
	arka_match_results_init(&b);
	sa = arka_match_screen(l, name, len, T, 100, 0, &a);
	sb = arka_match_screen(l, name, len, T, 100, ARKA_MATCH_EXHAUSTIVE, &b);
	if (sa != sb)
		abort();
	if (sa == ARKA_MATCH_OK)
	{
		if (a.count != b.count)
			abort();
		for (int k = 0; k < a.count; k++)
		{
			const ArkaMatchResult *r = &a.items[k];

			if (r->entry != b.items[k].entry || r->score != b.items[k].score ||
				!(r->score > 0.0) || r->score > 1.0 || r->score < T ||
				(k > 0 && r->score > a.items[k - 1].score))
				abort();
			for (int p = 0; p < r->npairs; p++)
				if (!(r->pairs[p].similarity > 0.0) || r->pairs[p].similarity > 1.0)
					abort();
			{
				ArkaBuf		json;
				ArkaArena	arena;
				ArkaValue	v;
				ArkaJsonError err;

				arka_buf_init(&json);
				arka_match_result_json(l, &a, r, &json);
				arka_arena_init(&arena, 0);
				if (!json.oom && !arka_json_parse(json.data, json.len, &arena, &v, &err))
					abort();
				arka_arena_free(&arena);
				arka_buf_free(&json);
			}
		}
	}
	arka_match_results_free(&a);
	arka_match_results_free(&b);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	ArkaMatchList *l = get_list();
	ArkaName   *a = malloc(sizeof(ArkaName));
	ArkaName   *b = malloc(sizeof(ArkaName));
	double		T;

	if (!a || !b)
		abort();
	check_name(data, size, ARKA_NAME_QUERY, a, b);
	check_name(data, size, ARKA_NAME_PERSON, a, b);
	check_name(data, size, ARKA_NAME_ORG, a, b);

	/* threshold from the first byte: 0.30 .. 1.00 */
	T = size ? 0.30 + (data[0] % 71) / 100.0 : 0.5;
	check_screen(l, (const char *) data, size, T);
	check_screen(l, (const char *) data, size, -1.0);
	{
		ArkaMatchResults r;

		arka_match_results_init(&r);
		if (arka_match_screen_id(l, (const char *) data, size, NULL, 0, 10, &r) == ARKA_MATCH_OK)
			for (int k = 0; k < r.count; k++)
				if (r.items[k].score != 1.0)
					abort();
		arka_match_results_free(&r);
	}
	/* Jaro-Winkler on the two halves: defined, in [0,1] (or -1 if huge) */
	{
		double		jw = arka_jaro_winkler_utf8((const char *) data, size / 2,
												(const char *) data + size / 2,
												size - size / 2, 0.7);

		if (!(jw == -1.0 || (jw >= 0.0 && jw <= 1.0)))
			abort();
	}
	free(a);
	free(b);
	return 0;
}
