/*-------------------------------------------------------------------------
 *
 * watchlists.c
 *	  The watchlists arka-cdc screens names against (see watchlists.h).
 *
 *-------------------------------------------------------------------------
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "log.h"
#include "watchlists.h"

/* A compiled list, or why the version a row needs could not be compiled. */
struct CdcList
{
	ArkaWatchlist w;			/* w.list NULL when failed */
	uint8_t		digest[32];		/* the ruleset's "watchlist:<name>" digest */
	char	   *error;			/* set when failed */
	CdcList    *next;
};

void
watchlists_init(CdcWatchlists *w, PGSQL *sql, Catalog *cat)
{
	memset(w, 0, sizeof(*w));
	w->sql = sql;
	w->cat = cat;
}

static void
list_free(CdcList *l)
{
	arka_match_list_free(l->w.list);
	for (int i = 0; i < l->w.ncleared; i++)
		free(l->w.cleared[i]);
	free(l->w.cleared);
	free((char *) l->w.name);
	free(l->error);
	free(l);
}

void
watchlists_free(CdcWatchlists *w)
{
	while (w->lists)
	{
		CdcList    *next = w->lists->next;

		list_free(w->lists);
		w->lists = next;
	}
}

/* The catalog copy's entries_sha256 of a list, or NULL. */
static const char *
expected_entries_hash(const Catalog *cat, const char *name)
{
	for (size_t i = 0; i < cat->nwatchlists; i++)
		if (strcmp(cat->watchlists[i].name, name) == 0)
			return cat->watchlists[i].entries_sha256;
	return NULL;
}

/* The catalog copy's cleared pairings of a list, sorted; false on OOM. */
static bool
load_cleared(CdcList *l, const Catalog *cat)
{
	size_t		n = 0;

	for (size_t i = 0; i < cat->nclearances; i++)
		if (strcmp(cat->clearances[i].list_name, l->w.name) == 0)
			n++;
	l->w.cleared = calloc(n ? n : 1, sizeof(char *));
	if (l->w.cleared == NULL)
		return false;
	for (size_t i = 0; i < cat->nclearances; i++)
	{
		const CatClearance *c = &cat->clearances[i];
		size_t		len;
		char	   *s;

		if (strcmp(c->list_name, l->w.name) != 0)
			continue;
		len = strlen(c->entry_id) + strlen(c->name_normalized) + 2;
		if ((s = malloc(len)) == NULL)
			return false;
		snprintf(s, len, "%s\t%s", c->entry_id, c->name_normalized);
		l->w.cleared[l->w.ncleared++] = s;
	}
	qsort(l->w.cleared, l->w.ncleared, sizeof(char *), arka_cmp_cstr);
	return true;
}

/* Run q (one parameter); the result, or NULL with err filled. */
static PGresult *
run(PGSQL *sql, const char *q, const char *param, ExecStatusType want, char *err, size_t errlen)
{
	PGresult   *res = PQexecParams(sql->conn, q, param ? 1 : 0, NULL, param ? &param : NULL,
								   NULL, NULL, 0);

	if (PQresultStatus(res) == want)
		return res;
	snprintf(err, errlen, "reading the watchlist failed: %s", PQresultErrorMessage(res));
	/* one line: libpq's message ends with a newline */
	err[strcspn(err, "\n")] = '\0';
	PQclear(res);
	return NULL;
}

/* One row of arka._watchlist_rows into the matcher; false with err set. */
static bool
add_row(ArkaMatchList *ml, PGresult *res, int row, ArkaArena *arena, char *err, size_t errlen)
{
	ArkaStrList arr[6];
	ArkaWatchlistEntry e;
	ArkaMatchStatus st;

	for (int col = 3; col <= 8; col++)
		if (!catalog_parse_text_array(PQgetvalue(res, row, col), arena, &arr[col - 3]))
		{
			snprintf(err, errlen, "unreadable array in entry %.200s", PQgetvalue(res, row, 0));
			return false;
		}
	e = (ArkaWatchlistEntry) {
		.entry_id = PQgetvalue(res, row, 0),
		.type = PQgetvalue(res, row, 1),
		.name = PQgetvalue(res, row, 2),
		.aliases = arr[0].items, .naliases = arr[0].n,
		.weak_aliases = arr[1].items, .nweak_aliases = arr[1].n,
		.id_types = arr[2].items, .id_values = arr[3].items,
		.nids = arr[2].n < arr[3].n ? arr[2].n : arr[3].n,
		.programs = arr[4].items, .nprograms = arr[4].n,
		.countries = arr[5].items, .ncountries = arr[5].n,
	};
	if ((st = arka_watchlist_add(ml, &e)) != ARKA_MATCH_OK)
	{
		snprintf(err, errlen, "could not compile entry %.200s: %s", e.entry_id,
				 arka_match_status_string(st));
		return false;
	}
	return true;
}

/*
 * Read the list's entries, in one snapshot that also shows their hash is
 * `want`, and compile them.  NULL with err set when they cannot be had.
 * *gone is set when the database holds another version of the list (a
 * lasting failure for rows written under `want`).
 */
static ArkaMatchList *
compile(PGSQL *sql, const char *name, const char *want, bool *gone, char *err, size_t errlen)
{
	PGresult   *res;
	ArkaMatchList *ml = NULL;
	ArkaArena	arena;
	bool		ok = false;

	*gone = false;
	if ((res = run(sql, "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", NULL, PGRES_COMMAND_OK,
				   err, errlen)) == NULL)
		return NULL;
	PQclear(res);
	arka_arena_init(&arena, 0);
	if ((res = run(sql, "SELECT arka._entries_sha256($1)", name, PGRES_TUPLES_OK, err, errlen)) == NULL)
		goto done;
	if (strcmp(PQgetvalue(res, 0, 0), want) != 0)
	{
		snprintf(err, errlen, "watchlist %s was reloaded or edited after this row was written: "
				 "the entries it was screened against (entries_sha256 %.12s) are gone "
				 "(now %.12s)", name, want, PQgetvalue(res, 0, 0));
		*gone = true;
		goto done;
	}
	PQclear(res);
	/* 2,000 entries per round trip: a list of millions is never one result */
	if ((res = run(sql, "DECLARE arka_watchlist NO SCROLL CURSOR FOR "
				   "SELECT entry_id, type, name, aliases, weak_aliases, id_types, id_values, "
				   "programs, countries, min_score::text FROM arka._watchlist_rows($1)",
				   name, PGRES_COMMAND_OK, err, errlen)) == NULL)
		goto done;
	if ((ml = arka_match_list_create()) == NULL)
	{
		snprintf(err, errlen, "out of memory");
		goto done;
	}
	for (bool first = true;; first = false)
	{
		PQclear(res);
		if ((res = run(sql, "FETCH FORWARD 2000 FROM arka_watchlist", NULL, PGRES_TUPLES_OK, err, errlen)) == NULL)
			goto done;
		if (PQntuples(res) == 0)
			break;
		if (first)
			arka_match_set_threshold(ml, strtod(PQgetvalue(res, 0, 9), NULL));
		for (int r = 0; r < PQntuples(res); r++)
		{
			if (!add_row(ml, res, r, &arena, err, errlen))
				goto done;
			arka_arena_reset(&arena);
		}
	}
	if (arka_match_finalise(ml) != ARKA_MATCH_OK)
	{
		snprintf(err, errlen, "could not compile watchlist %s", name);
		goto done;
	}
	ok = true;
done:
	if (res)
		PQclear(res);
	arka_arena_free(&arena);
	PQclear(PQexec(sql->conn, "COMMIT"));
	if (!ok)
	{
		arka_match_list_free(ml);
		return NULL;
	}
	return ml;
}

/* Remember a list (or its failure) for this digest, replacing older ones. */
static CdcList *
remember(CdcWatchlists *w, const char *name, const uint8_t *digest, ArkaMatchList *ml,
		 const char *error)
{
	CdcList    *l = calloc(1, sizeof(CdcList));
	CdcList   **pp;

	if (l == NULL || (l->w.name = strdup(name)) == NULL ||
		(error && (l->error = strdup(error)) == NULL) || (ml && !load_cleared(l, w->cat)))
	{
		if (l)
			list_free(l);
		arka_match_list_free(ml);
		return NULL;
	}
	l->w.list = ml;
	memcpy(l->digest, digest, 32);
	for (pp = &w->lists; *pp; pp = &(*pp)->next)
		if (strcmp((*pp)->w.name, name) == 0)
		{
			CdcList    *old = *pp;

			*pp = old->next;
			list_free(old);
			break;
		}
	l->next = w->lists;
	w->lists = l;
	return l;
}

int
watchlists_get(void *ctx, const char *name, ArkaEval *ev, const ArkaWatchlist **out)
{
	CdcWatchlists *w = ctx;
	ArkaRuleset *rs = catalog_ruleset(w->cat);
	const uint8_t *digest = rs ? arka_ruleset_watchlist_digest(rs, name) : NULL;
	const char *want = expected_entries_hash(w->cat, name);
	CdcList    *l;
	char		err[512];
	bool		gone;
	ArkaMatchList *ml;
	struct timespec t0,
				t1;

	*out = NULL;
	if (digest == NULL || want == NULL)
		return 0;
	for (l = w->lists; l; l = l->next)
		if (strcmp(l->w.name, name) == 0 && memcmp(l->digest, digest, 32) == 0)
			break;
	if (l == NULL)
	{
		if (w->sql == NULL || w->sql->conn == NULL)
		{
			arka_error_set(&ev->err, ARKA_ERR_EVAL, "$",
						   "sanctions_match: no connection to read watchlist \"%s\"", name);
			return -1;
		}
		clock_gettime(CLOCK_MONOTONIC, &t0);
		ml = compile(w->sql, name, want, &gone, err, sizeof(err));
		clock_gettime(CLOCK_MONOTONIC, &t1);
		if (ml == NULL && !gone)
		{
			/* not remembered: the next row tries again */
			log_warn("watchlist.read", "%s", err);
			arka_error_set(&ev->err, ARKA_ERR_EVAL, "$", "sanctions_match: %s", err);
			return -1;
		}
		if ((l = remember(w, name, digest, ml, ml ? NULL : err)) == NULL)
		{
			arka_error_set(&ev->err, ARKA_ERR_LIMIT, "$", "out of memory compiling a watchlist");
			return -1;
		}
		if (ml)
		{
			w->compiles++;
			log_info("watchlist.compile", "compiled watchlist %s: %u entries, %u names, %ld ms",
					 name, arka_match_entry_count(ml), arka_match_name_count(ml),
					 (long) ((t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000));
		}
		else
			log_warn("watchlist.gone", "%s", err);
	}
	if (l->w.list == NULL)
	{
		arka_error_set(&ev->err, ARKA_ERR_EVAL, "$", "sanctions_match: %s", l->error);
		return -1;
	}
	*out = &l->w;
	return 1;
}
