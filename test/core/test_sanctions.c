/*-------------------------------------------------------------------------
 *
 * test_sanctions.c
 *	  Unit tests of the sanctions_match decision shared by the extension
 *	  and arka-cdc: what an entry adds to a list, the best match over
 *	  several lists, cleared pairings, and the host's failures.
 *
 *-------------------------------------------------------------------------
 */
#include <stdlib.h>

#include "arka_json.h"
#include "arka_sanctions.h"
#include "arka_test.h"

/* The host side of the tests: lists by name, or a failure. */
typedef struct Host
{
	ArkaWatchlist *lists;
	int			n;
	bool		fail;			/* the host cannot get any list */
	int			calls;
} Host;

static int
host_get(void *ctx, const char *name, ArkaEval *ev, const ArkaWatchlist **out)
{
	Host	   *h = ctx;

	h->calls++;
	*out = NULL;
	if (h->fail)
	{
		arka_error_set(&ev->err, ARKA_ERR_EVAL, "$", "list %s changed since", name);
		return -1;
	}
	for (int i = 0; i < h->n; i++)
		if (strcmp(h->lists[i].name, name) == 0)
		{
			*out = &h->lists[i];
			return 1;
		}
	return 0;
}

static ArkaMatchList *
build(const ArkaWatchlistEntry *entries, int n)
{
	ArkaMatchList *l = arka_match_list_create();

	for (int i = 0; i < n; i++)
		CHECK(arka_watchlist_add(l, &entries[i]) == ARKA_MATCH_OK);
	CHECK(arka_match_finalise(l) == ARKA_MATCH_OK);
	return l;
}

/* Screen `name` through the hook; the result code, *match its evidence. */
static int
screen(Host *h, const ArkaRuleset *rs, const char **lists, int nlists, const char *name,
	   ArkaArena *arena, ArkaEval *ev, ArkaValue *match)
{
	ArkaSanctionsCtx sc = {rs, host_get, h};
	ArkaScreenOpts opts = {nlists, lists, -1};

	memset(ev, 0, sizeof(*ev));
	ev->arena = arena;
	return arka_sanctions_hook(&sc, name, strlen(name), &opts, ev, match);
}

static const char *
member_str(const ArkaValue *obj, const char *key)
{
	static char buf[256];

	for (size_t i = 0; obj->type == ARKA_OBJ && i < obj->u.obj.n; i++)
	{
		const ArkaMember *m = &obj->u.obj.members[i];

		if (m->keylen == strlen(key) && memcmp(m->key, key, m->keylen) == 0 &&
			m->val.type == ARKA_STR && m->val.u.str.len < sizeof(buf))
		{
			memcpy(buf, m->val.u.str.ptr, m->val.u.str.len);
			buf[m->val.u.str.len] = '\0';
			return buf;
		}
	}
	return NULL;
}

/* The query name as the matcher normalises it (what clearances store). */
static char *
query_norm(ArkaMatchList *l, const char *name)
{
	ArkaMatchResults r;
	char	   *norm = NULL;

	arka_match_results_init(&r);
	if (arka_match_screen(l, name, strlen(name), 0.5, 10, 0, &r) == ARKA_MATCH_OK && r.query_norm)
		norm = strdup(r.query_norm);
	arka_match_results_free(&r);
	return norm;
}

static void
test_entries_and_hook(void)
{
	const char *strong[] = {"Northern Star Trading"};
	const char *weak[] = {"NST", "--"};		/* "--" has nothing to match: skipped */
	const char *id_types[] = {"IMO"};
	const char *id_values[] = {"9123456"};
	const char *programs[] = {"SDGT"};
	const char *countries[] = {"IR"};
	ArkaWatchlistEntry a[] = {
		{.entry_id = "a1", .type = "entity", .name = "Polar Shipping Company",
		 .aliases = strong, .naliases = 1, .weak_aliases = weak, .nweak_aliases = 2,
		 .id_types = id_types, .id_values = id_values, .nids = 1,
		 .programs = programs, .nprograms = 1, .countries = countries, .ncountries = 1},
		{.entry_id = "a2", .type = "individual", .name = "Ivan Petrovich Sidorov"},
	};
	ArkaWatchlistEntry b[] = {
		{.entry_id = "b1", .type = "no such type", .name = "Arctic Polar Shipping Co"},
		{.entry_id = "b2", .type = "entity", .name = "Arctic Polar Shiping Co"},
	};
	const char *empty_alias[] = {"***"};
	ArkaWatchlistEntry bad = {.entry_id = "x", .type = "entity", .name = "***"};
	ArkaWatchlistEntry tolerated = {.entry_id = "y", .type = "entity", .name = "Real Name",
		.aliases = empty_alias, .naliases = 1};
	ArkaWatchlist lists[2] = {{.name = "la", .list = build(a, 2)}, {.name = "lb", .list = build(b, 2)}};
	Host		h = {lists, 2, false, 0};
	ArkaList	rl[3] = {{.name = "plain_list"}, {.name = "watchlist:la"}, {.name = "watchlist:lb"}};
	ArkaRuleset rs;
	ArkaArena	arena;
	ArkaEval	ev;
	ArkaValue	m;
	const char *both[] = {"la", "lb"};
	const char *only_b[] = {"lb"};
	const char *missing[] = {"la", "nope"};
	const char *names[3];
	char	   *norm;
	ArkaMatchList *l = arka_match_list_create();

	/* an entry whose name has nothing to match is refused; such an alias is not */
	CHECK(arka_watchlist_add(l, &bad) != ARKA_MATCH_OK);
	CHECK(arka_watchlist_add(l, &tolerated) == ARKA_MATCH_OK);
	arka_match_list_free(l);

	memset(&rs, 0, sizeof(rs));
	rs.lists.lists = rl;
	rs.lists.n = 3;
	CHECK(arka_ruleset_watchlists(&rs, names) == 2);
	CHECK_STR(names[0], "la");
	CHECK_STR(names[1], "lb");
	arka_arena_init(&arena, 1 << 20);

	/* the aliases, identifiers, programs and countries went in */
	CHECK(arka_match_entry_count(lists[0].list) == 2);
	CHECK(arka_match_name_count(lists[0].list) == 4);
	CHECK(screen(&h, &rs, both, 2, "Northern Star Trading", &arena, &ev, &m) == 1);
	CHECK_STR(member_str(&m, "list"), "la");
	CHECK_STR(member_str(&m, "entry_id"), "a1");

	/* the better match wins across lists: an exact name on lb */
	CHECK(screen(&h, &rs, both, 2, "Arctic Polar Shipping Co", &arena, &ev, &m) == 1);
	CHECK_STR(member_str(&m, "list"), "lb");
	CHECK_STR(member_str(&m, "entry_id"), "b1");
	/* no list named: every loaded watchlist, not plain lists */
	h.calls = 0;
	CHECK(screen(&h, &rs, NULL, 0, "Arctic Polar Shipping Co", &arena, &ev, &m) == 1);
	CHECK(h.calls == 2);
	CHECK_STR(member_str(&m, "list"), "lb");
	/* nothing close */
	CHECK(screen(&h, &rs, both, 2, "Maria Gonzalez Lopez", &arena, &ev, &m) == 0);

	/* a cleared pairing is skipped: the next match, then nothing */
	norm = query_norm(lists[1].list, "Arctic Polar Shipping Co");
	CHECK(norm != NULL);
	if (norm)
	{
		char	   *pair = malloc(strlen(norm) + 4);
		char	   *pair2 = malloc(strlen(norm) + 4);
		char	   *cleared[4];

		sprintf(pair, "b1\t%s", norm);
		sprintf(pair2, "b2\t%s", norm);
		cleared[0] = "b0\tarctic polar shipping co";
		cleared[1] = pair;
		cleared[2] = "b1\tarctic polar shipping co x";
		qsort(cleared, 3, sizeof(char *), arka_cmp_cstr);
		lists[1].cleared = cleared;
		lists[1].ncleared = 3;
		CHECK(arka_watchlist_cleared(&lists[1], "b1", norm));
		CHECK(!arka_watchlist_cleared(&lists[1], "b", norm));
		CHECK(!arka_watchlist_cleared(&lists[1], "b1", ""));
		CHECK(!arka_watchlist_cleared(&lists[1], "b1\t", norm));
		CHECK(screen(&h, &rs, both, 2, "Arctic Polar Shipping Co", &arena, &ev, &m) == 1);
		CHECK_STR(member_str(&m, "entry_id"), "b2");
		cleared[3] = pair2;
		lists[1].ncleared = 4;
		qsort(cleared, 4, sizeof(char *), arka_cmp_cstr);
		CHECK(screen(&h, &rs, only_b, 1, "Arctic Polar Shipping Co", &arena, &ev, &m) == 0);
		lists[1].cleared = NULL;
		lists[1].ncleared = 0;
		free(pair);
		free(pair2);
		free(norm);
	}

	/* a list the host does not have, and a host that fails: errors */
	CHECK(screen(&h, &rs, missing, 2, "Arctic Polar Shipping Co", &arena, &ev, &m) == -1);
	CHECK(strstr(ev.err.message, "\"nope\" is not loaded") != NULL);
	h.fail = true;
	CHECK(screen(&h, &rs, both, 2, "Arctic Polar Shipping Co", &arena, &ev, &m) == -1);
	CHECK(strstr(ev.err.message, "list la changed since") != NULL);
	h.fail = false;

	/* hostile names: empty, only punctuation, very long */
	CHECK(screen(&h, &rs, both, 2, "", &arena, &ev, &m) == 0);
	CHECK(screen(&h, &rs, both, 2, "!!!", &arena, &ev, &m) == 0);
	{
		size_t		n = 1 << 16;
		char	   *big = malloc(n + 1);

		for (size_t i = 0; i < n; i++)
			big[i] = "Polar Shipping "[i % 15];
		big[n] = '\0';
		CHECK(screen(&h, &rs, both, 2, big, &arena, &ev, &m) == -1);
		CHECK(strstr(ev.err.message, "sanctions screening failed") != NULL);
		free(big);
	}

	arka_arena_free(&arena);
	arka_match_list_free(lists[0].list);
	arka_match_list_free(lists[1].list);
}

int
main(void)
{
	test_entries_and_hook();
	return arka_test_summary("test_sanctions");
}
