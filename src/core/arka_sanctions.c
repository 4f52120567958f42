/*-------------------------------------------------------------------------
 *
 * arka_sanctions.c
 *	  The sanctions_match decision over compiled watchlists, shared by the
 *	  extension and arka-cdc (see arka_sanctions.h).
 *
 *-------------------------------------------------------------------------
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arka_json.h"
#include "arka_sanctions.h"

#define WATCHLIST_PREFIX "watchlist:"

static ArkaEntryType
entry_type(const char *t)
{
	if (strcmp(t, "individual") == 0)
		return ARKA_ENTRY_INDIVIDUAL;
	if (strcmp(t, "entity") == 0)
		return ARKA_ENTRY_ENTITY;
	if (strcmp(t, "vessel") == 0)
		return ARKA_ENTRY_VESSEL;
	if (strcmp(t, "aircraft") == 0)
		return ARKA_ENTRY_AIRCRAFT;
	return ARKA_ENTRY_UNKNOWN;
}

/*
 * The one place that says what an entry contributes to a compiled list,
 * so that the backend and arka-cdc build the same list from the same rows.
 */
ArkaMatchStatus
arka_watchlist_add(ArkaMatchList *list, const ArkaWatchlistEntry *e)
{
	uint32_t	entry;
	ArkaMatchStatus st;

	st = arka_match_add_entry(list, e->entry_id, strlen(e->entry_id), entry_type(e->type),
							  e->name, strlen(e->name), &entry);
	if (st != ARKA_MATCH_OK)
		return st;
	for (int weak = 0; weak <= 1; weak++)
	{
		const char **names = weak ? e->weak_aliases : e->aliases;
		int			n = weak ? e->nweak_aliases : e->naliases;

		for (int k = 0; k < n; k++)
		{
			st = arka_match_add_alias(list, entry, names[k], strlen(names[k]), weak);
			/* an alias without a letter or digit is no name to match */
			if (st != ARKA_MATCH_OK && st != ARKA_MATCH_EEMPTY)
				return st;
		}
	}
	for (int k = 0; k < e->nids; k++)
		if ((st = arka_match_add_identifier(list, entry, e->id_types[k], strlen(e->id_types[k]),
											e->id_values[k], strlen(e->id_values[k]))) != ARKA_MATCH_OK)
			return st;
	for (int k = 0; k < e->nprograms; k++)
		if ((st = arka_match_add_program(list, entry, e->programs[k], strlen(e->programs[k]))) != ARKA_MATCH_OK)
			return st;
	for (int k = 0; k < e->ncountries; k++)
		if ((st = arka_match_add_country(list, entry, e->countries[k], strlen(e->countries[k]))) != ARKA_MATCH_OK)
			return st;
	return ARKA_MATCH_OK;
}

const uint8_t *
arka_ruleset_watchlist_digest(const ArkaRuleset *rs, const char *name)
{
	char		key[256];
	int			len = snprintf(key, sizeof(key), WATCHLIST_PREFIX "%s", name);
	int			li;

	if (len < 0 || (size_t) len >= sizeof(key))
		return NULL;			/* longer than any list name arka stores */
	li = arka_list_find(&rs->lists, key, (size_t) len);
	return li >= 0 ? rs->lists.lists[li].digest : NULL;
}

int
arka_cmp_cstr(const void *a, const void *b)
{
	return strcmp(*(char *const *) a, *(char *const *) b);
}

/* strcmp of `s` against entry_id || '\t' || norm, without building the latter. */
static int
cmp_pairing(const char *s, const char *entry_id, const char *norm)
{
	const char *parts[3] = {entry_id, "\t", norm};

	for (int p = 0; p < 3; p++)
		for (const char *q = parts[p]; *q; q++, s++)
			if (*s != *q)
				return (unsigned char) *s - (unsigned char) *q;
	return *s ? 1 : 0;
}

bool
arka_watchlist_cleared(const ArkaWatchlist *w, const char *entry_id, const char *norm)
{
	int			lo = 0,
				hi = w->ncleared - 1;

	while (lo <= hi)
	{
		int			mid = lo + (hi - lo) / 2;
		int			c = cmp_pairing(w->cleared[mid], entry_id, norm);

		if (c == 0)
			return true;
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid - 1;
	}
	return false;
}

int
arka_ruleset_watchlists(const ArkaRuleset *rs, const char **names)
{
	int			n = 0;
	size_t		plen = strlen(WATCHLIST_PREFIX);

	for (int i = 0; i < rs->lists.n; i++)
		if (strncmp(rs->lists.lists[i].name, WATCHLIST_PREFIX, plen) == 0)
			names[n++] = rs->lists.lists[i].name + plen;
	return n;
}

/* {"list": name, ...the evidence members of arka_match_result_json} */
static void
write_evidence(ArkaBuf *json, const ArkaWatchlist *w, const ArkaMatchResults *res,
			   const ArkaMatchResult *r)
{
	ArkaBuf		one;

	json->len = 0;
	arka_buf_puts(json, "{\"list\":");
	arka_json_write_string(json, w->name, strlen(w->name));
	arka_buf_putc(json, ',');
	arka_buf_init(&one);
	arka_match_result_json(w->list, res, r, &one);
	/* splice the evidence object's members after "list" */
	if (one.len > 2)
		arka_buf_append(json, one.data + 1, one.len - 1);
	else
		arka_buf_puts(json, "\"score\":0}");
	arka_buf_free(&one);
}

int
arka_sanctions_hook(void *ctx, const char *name, size_t len, const ArkaScreenOpts *opts,
					ArkaEval *ev, ArkaValue *match)
{
	const ArkaSanctionsCtx *sc = (const ArkaSanctionsCtx *) ctx;
	const char **names;
	int			nlists;
	double		best = -1;
	int			ret = 0;
	ArkaBuf		json;
	ArkaMatchResults res;

	if (opts->nlists > 0)
	{
		names = opts->lists;
		nlists = opts->nlists;
	}
	else
	{
		names = arka_arena_alloc(ev->arena, sizeof(char *) * (sc->rs->lists.n ? sc->rs->lists.n : 1));
		if (names == NULL)
		{
			arka_error_set(&ev->err, ARKA_ERR_LIMIT, "$", "out of memory screening a name");
			return -1;
		}
		nlists = arka_ruleset_watchlists(sc->rs, names);
	}
	arka_buf_init(&json);
	arka_match_results_init(&res);
	for (int i = 0; i < nlists && ret == 0; i++)
	{
		const ArkaWatchlist *w = NULL;
		int			got = sc->get(sc->get_ctx, names[i], ev, &w);
		ArkaMatchStatus st;

		if (got <= 0)
		{
			if (got == 0)
				arka_error_set(&ev->err, ARKA_ERR_EVAL, "$",
							   "sanctions_match: watchlist \"%s\" is not loaded", names[i]);
			ret = -1;
			break;
		}
		st = arka_match_screen(w->list, name, len, opts->min_score, 8, 0, &res);
		if (st == ARKA_MATCH_ETOOLONG || st == ARKA_MATCH_ETOOMANY)
		{
			arka_error_set(&ev->err, ARKA_ERR_EVAL, "$", "sanctions screening failed: %s",
						   arka_match_status_string(st));
			ret = -1;
			break;
		}
		if (st != ARKA_MATCH_OK)
			continue;
		for (int k = 0; k < res.count; k++)
		{
			const ArkaMatchResult *r = &res.items[k];

			if (r->score <= best)
				break;
			if (arka_watchlist_cleared(w, arka_match_entry_id(w->list, r->entry),
									   res.query_norm ? res.query_norm : ""))
				continue;
			write_evidence(&json, w, &res, r);
			best = r->score;
			break;
		}
	}
	arka_match_results_free(&res);
	if (ret == 0 && best >= 0)
	{
		ArkaJsonError jerr;

		if (!json.oom && arka_json_parse(json.data, json.len, ev->arena, match, &jerr))
			ret = 1;
		else
		{
			arka_error_set(&ev->err, ARKA_ERR_EVAL, "$", "sanctions_match evidence unreadable");
			ret = -1;
		}
	}
	arka_buf_free(&json);
	return ret;
}
