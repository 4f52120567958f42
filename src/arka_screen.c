/*-------------------------------------------------------------------------
 *
 * arka_screen.c
 *	  Sanctions screening in the backend: compiled watchlists, the
 *	  sanctions_match operator's hook, arka_screen and the OFAC loader.
 *
 * Each backend compiles a watchlist (names, aliases, identifiers and the
 * candidate index of src/core/arka_match.c) on first use and keeps it
 * until the list changes.  The ruleset, rebuilt transactionally like the
 * rules, carries one "watchlist:<name>" digest per list (its source hash
 * and its clearances); a compiled list whose digest differs is recompiled.
 * So a writer screens against the old or the new version of a list,
 * never a mix, and a reload blocks no writer.  No SPI runs per row.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/jsonb.h"
#include "utils/memutils.h"

#include "arka.h"
#include "arka_cache.h"
#include "arka_jsonb.h"
#include "arka_match.h"
#include "arka_names.h"
#include "arka_ofac.h"
#include "arka_screen.h"

PG_FUNCTION_INFO_V1(arka_screen);
PG_FUNCTION_INFO_V1(arka_parse_ofac);
PG_FUNCTION_INFO_V1(arka_normalize_name);
PG_FUNCTION_INFO_V1(arka_watchlist_stats);

/* A compiled watchlist and what it was compiled from. */
typedef struct CompiledList
{
	char	   *name;
	uint8_t		digest[32];		/* the ruleset's "watchlist:<name>" digest */
	ArkaMatchList *list;
	char	  **cleared;		/* "entry_id\tnormalized name", sorted */
	int			ncleared;
	double		build_ms;		/* first-use build time, for reports */
	struct CompiledList *next;
} CompiledList;

static CompiledList *compiled = NULL;
static MemoryContext screen_cxt = NULL;

#define WATCHLIST_PREFIX "watchlist:"

/* The ruleset's digest for a watchlist, or NULL when no such list exists. */
static const uint8_t *
ruleset_digest(ArkaRuleset *rs, const char *name)
{
	char		key[128];
	int			li;

	snprintf(key, sizeof(key), WATCHLIST_PREFIX "%s", name);
	li = arka_list_find(&rs->lists, key, strlen(key));
	return li >= 0 ? rs->lists.lists[li].digest : NULL;
}

static int
cmp_cstr(const void *a, const void *b)
{
	return strcmp(*(char *const *) a, *(char *const *) b);
}

static void
free_compiled(CompiledList *c)
{
	arka_match_list_free(c->list);
	pfree(c->name);
	for (int i = 0; i < c->ncleared; i++)
		pfree(c->cleared[i]);
	if (c->cleared)
		pfree(c->cleared);
	pfree(c);
}

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

static void
check_match(ArkaMatchStatus st, const char *what)
{
	if (st != ARKA_MATCH_OK)
		ereport(ERROR,
				(errcode(st == ARKA_MATCH_ENOMEM ? ERRCODE_OUT_OF_MEMORY : ERRCODE_DATA_EXCEPTION),
				 errmsg("arka could not compile the watchlist: %s (%s)",
						arka_match_status_string(st), what)));
}

/*
 * Compile a watchlist from arka.watchlist_entries (as the catalog owner,
 * inside SPI).  Aliases and identifiers come from the jsonb columns in the
 * shape arka_load_watchlist stores (docs/watchlists.md).
 */
static CompiledList *
compile_list(const char *name, const uint8_t *digest)
{
	MemoryContext old;
	CompiledList *c;
	ArkaOwnerContext oc;
	Oid			argtypes[1] = {TEXTOID};
	Datum		args[1];
	instr_time	t0,
				t1;
	ArkaMatchList *ml = arka_match_list_create();

	if (ml == NULL)
		ereport(ERROR, (errcode(ERRCODE_OUT_OF_MEMORY), errmsg("out of memory")));
	INSTR_TIME_SET_CURRENT(t0);
	if (screen_cxt == NULL)
		screen_cxt = AllocSetContextCreate(TopMemoryContext, "arka watchlists",
										   ALLOCSET_SMALL_SIZES);
	old = MemoryContextSwitchTo(screen_cxt);
	c = palloc0(sizeof(CompiledList));
	c->name = pstrdup(name);
	memcpy(c->digest, digest, 32);
	c->list = ml;
	MemoryContextSwitchTo(old);

	PG_TRY();
	{
		if (SPI_connect() != SPI_OK_CONNECT)
			elog(ERROR, "arka: SPI_connect failed");
		arka_become_owner(&oc);
		args[0] = CStringGetTextDatum(name);
		if (SPI_execute_with_args("SELECT e.entry_id, e.type, e.name, "
								  "(SELECT coalesce(array_agg(a->>'name'), '{}') FROM jsonb_array_elements(e.aliases) a "
								  "  WHERE a->>'strength' IS DISTINCT FROM 'weak'), "
								  "(SELECT coalesce(array_agg(a->>'name'), '{}') FROM jsonb_array_elements(e.aliases) a "
								  "  WHERE a->>'strength' = 'weak'), "
								  "(SELECT coalesce(array_agg(i->>'type'), '{}') FROM jsonb_array_elements(e.identifiers) i), "
								  "(SELECT coalesce(array_agg(i->>'value'), '{}') FROM jsonb_array_elements(e.identifiers) i), "
								  "e.programs, e.countries, w.min_score "
								  "FROM arka.watchlist_entries e JOIN arka.watchlists w USING (list_name) "
								  "WHERE e.list_name = $1 ORDER BY e.entry_id COLLATE \"C\"",
								  1, argtypes, args, NULL, true, 0) != SPI_OK_SELECT)
			elog(ERROR, "arka: could not read arka.watchlist_entries");
		for (uint64 r = 0; r < SPI_processed; r++)
		{
			HeapTuple	tup = SPI_tuptable->vals[r];
			TupleDesc	desc = SPI_tuptable->tupdesc;
			char	   *id = SPI_getvalue(tup, desc, 1);
			char	   *type = SPI_getvalue(tup, desc, 2);
			char	   *ename = SPI_getvalue(tup, desc, 3);
			uint32_t	entry;
			bool		isnull;
			Datum	   *elems,
					   *vals;
			int			n,
						nv;

			check_match(arka_match_add_entry(ml, id, strlen(id), entry_type(type),
											 ename, strlen(ename), &entry), id);
			for (int col = 4; col <= 5; col++)
			{
				deconstruct_array(DatumGetArrayTypeP(SPI_getbinval(tup, desc, col, &isnull)),
								  TEXTOID, -1, false, TYPALIGN_INT, &elems, NULL, &n);
				for (int k = 0; k < n; k++)
				{
					char	   *alias = TextDatumGetCString(elems[k]);
					ArkaMatchStatus st = arka_match_add_alias(ml, entry, alias, strlen(alias), col == 5);

					/* an alias without a letter or digit is no name to match */
					if (st != ARKA_MATCH_EEMPTY)
						check_match(st, id);
				}
			}
			deconstruct_array(DatumGetArrayTypeP(SPI_getbinval(tup, desc, 6, &isnull)),
							  TEXTOID, -1, false, TYPALIGN_INT, &elems, NULL, &n);
			deconstruct_array(DatumGetArrayTypeP(SPI_getbinval(tup, desc, 7, &isnull)),
							  TEXTOID, -1, false, TYPALIGN_INT, &vals, NULL, &nv);
			for (int k = 0; k < n && k < nv; k++)
			{
				char	   *t = TextDatumGetCString(elems[k]);
				char	   *v = TextDatumGetCString(vals[k]);

				check_match(arka_match_add_identifier(ml, entry, t, strlen(t), v, strlen(v)), id);
			}
			for (int col = 8; col <= 9; col++)
			{
				deconstruct_array(DatumGetArrayTypeP(SPI_getbinval(tup, desc, col, &isnull)),
								  TEXTOID, -1, false, TYPALIGN_INT, &elems, NULL, &n);
				for (int k = 0; k < n; k++)
				{
					char	   *a = TextDatumGetCString(elems[k]);

					check_match(col == 8 ? arka_match_add_program(ml, entry, a, strlen(a))
								: arka_match_add_country(ml, entry, a, strlen(a)), id);
				}
			}
			if (r == 0)
				arka_match_set_threshold(ml, DatumGetFloat8(SPI_getbinval(tup, desc, 10, &isnull)));
		}
		check_match(arka_match_finalise(ml), name);

		/* human-cleared false positives: exactly these pairings are suppressed */
		if (SPI_execute_with_args("SELECT entry_id || E'\\t' || name_normalized FROM arka.match_clearances "
								  "WHERE list_name = $1", 1, argtypes, args, NULL, true, 0) != SPI_OK_SELECT)
			elog(ERROR, "arka: could not read arka.match_clearances");
		old = MemoryContextSwitchTo(screen_cxt);
		c->ncleared = (int) SPI_processed;
		c->cleared = c->ncleared ? palloc(sizeof(char *) * c->ncleared) : NULL;
		for (int k = 0; k < c->ncleared; k++)
			c->cleared[k] = pstrdup(SPI_getvalue(SPI_tuptable->vals[k], SPI_tuptable->tupdesc, 1));
		MemoryContextSwitchTo(old);
		qsort(c->cleared, c->ncleared, sizeof(char *), cmp_cstr);
		arka_restore_user(&oc);
		SPI_finish();
	}
	PG_CATCH();
	{
		free_compiled(c);
		PG_RE_THROW();
	}
	PG_END_TRY();
	INSTR_TIME_SET_CURRENT(t1);
	INSTR_TIME_SUBTRACT(t1, t0);
	c->build_ms = INSTR_TIME_GET_MILLISEC(t1);
	return c;
}

/*
 * The compiled list for `name` as of the current ruleset, compiling it on
 * first use or after it changed; NULL when no such watchlist is loaded.
 */
static CompiledList *
get_list(ArkaRuleset *rs, const char *name)
{
	const uint8_t *digest = ruleset_digest(rs, name);
	CompiledList **pp;

	if (digest == NULL)
		return NULL;
	for (pp = &compiled; *pp; pp = &(*pp)->next)
	{
		if (strcmp((*pp)->name, name) != 0)
			continue;
		if (memcmp((*pp)->digest, digest, 32) == 0)
			return *pp;
		{
			CompiledList *stale = *pp;

			*pp = stale->next;
			free_compiled(stale);
		}
		break;
	}
	{
		CompiledList *c = compile_list(name, digest);

		c->next = compiled;
		compiled = c;
		return c;
	}
}

static bool
is_cleared(const CompiledList *c, const char *entry_id, const char *norm)
{
	char	   *key = psprintf("%s\t%s", entry_id, norm);
	char	  **hit = c->ncleared ? bsearch(&key, c->cleared, c->ncleared, sizeof(char *), cmp_cstr) : NULL;

	pfree(key);
	return hit != NULL;
}

/* Names of every loaded watchlist (for sanctions_match without "lists"). */
static int
all_lists(ArkaRuleset *rs, const char ***names)
{
	int			n = 0;

	*names = palloc(sizeof(char *) * (rs->lists.n ? rs->lists.n : 1));
	for (int i = 0; i < rs->lists.n; i++)
		if (strncmp(rs->lists.lists[i].name, WATCHLIST_PREFIX, strlen(WATCHLIST_PREFIX)) == 0)
			(*names)[n++] = rs->lists.lists[i].name + strlen(WATCHLIST_PREFIX);
	return n;
}

/* Error from the matcher during evaluation (-1 with ev->err set). */
static int
screen_error(ArkaEval *ev, ArkaMatchStatus st)
{
	arka_error_set(&ev->err, ARKA_ERR_EVAL, "$", "sanctions screening failed: %s",
				   arka_match_status_string(st));
	return -1;
}

/*
 * ArkaScreenFn for sanctions_match: the best uncleared match over the
 * requested lists, as an engine value (the evidence of arka_match), or 0.
 */
int
arka_screen_hook(void *ctx, const char *name, size_t len, const ArkaScreenOpts *opts,
				 ArkaEval *ev, ArkaValue *match)
{
	ArkaRuleset *rs = (ArkaRuleset *) ctx;
	const char **names;
	int			nlists;
	double		best = -1;
	ArkaBuf		json;
	ArkaMatchResults res;

	if (opts->nlists > 0)
	{
		names = opts->lists;
		nlists = opts->nlists;
	}
	else
		nlists = all_lists(rs, &names);
	arka_buf_init(&json);
	arka_match_results_init(&res);
	for (int i = 0; i < nlists; i++)
	{
		CompiledList *c = get_list(rs, names[i]);
		ArkaMatchStatus st;

		if (c == NULL)
		{
			arka_buf_free(&json);
			arka_match_results_free(&res);
			arka_error_set(&ev->err, ARKA_ERR_EVAL, "$",
						   "sanctions_match: watchlist \"%s\" is not loaded", names[i]);
			return -1;
		}
		st = arka_match_screen(c->list, name, len, opts->min_score, 8, 0, &res);
		if (st == ARKA_MATCH_ETOOLONG || st == ARKA_MATCH_ETOOMANY)
		{
			arka_buf_free(&json);
			arka_match_results_free(&res);
			return screen_error(ev, st);
		}
		if (st != ARKA_MATCH_OK)
			continue;
		for (int k = 0; k < res.count; k++)
		{
			const ArkaMatchResult *r = &res.items[k];

			if (r->score <= best)
				break;
			if (is_cleared(c, arka_match_entry_id(c->list, r->entry), res.query_norm ? res.query_norm : ""))
				continue;
			/* {"list": name, ...evidence of the match...} */
			json.len = 0;
			arka_buf_puts(&json, "{\"list\":");
			arka_json_write_string(&json, names[i], strlen(names[i]));
			arka_buf_putc(&json, ',');
			{
				ArkaBuf		one;

				arka_buf_init(&one);
				arka_match_result_json(c->list, &res, r, &one);
				/* splice the evidence object's members after "list" */
				if (one.len > 2)
					arka_buf_append(&json, one.data + 1, one.len - 1);
				else
					arka_buf_puts(&json, "\"score\":0}");
				arka_buf_free(&one);
			}
			best = r->score;
			break;
		}
	}
	arka_match_results_free(&res);
	if (best < 0)
	{
		arka_buf_free(&json);
		return 0;
	}
	{
		ArkaJsonError jerr;
		bool		ok = !json.oom && arka_json_parse(json.data, json.len, ev->arena, match, &jerr);

		arka_buf_free(&json);
		if (!ok)
		{
			arka_error_set(&ev->err, ARKA_ERR_EVAL, "$", "sanctions_match evidence unreadable");
			return -1;
		}
	}
	return 1;
}

/*
 * arka_screen(name, min_score, lists, max_results): screen one name,
 * best matches first, with their evidence, cleared pairings excluded.
 */
Datum
arka_screen(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	ArkaRuleset *rs;
	text	   *qname;
	double		min_score = PG_ARGISNULL(1) ? -1 : PG_GETARG_FLOAT8(1);
	int			max_results = PG_ARGISNULL(3) ? 10 : PG_GETARG_INT32(3);
	const char **names;
	int			nlists;

	InitMaterializedSRF(fcinfo, 0);
	if (PG_ARGISNULL(0))
		PG_RETURN_NULL();
	if (!PG_ARGISNULL(1) && !(min_score > 0 && min_score <= 1))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("min_score must be in (0, 1]")));
	if (max_results < 1 || max_results > ARKA_MATCH_MAX_RESULTS)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("max_results must be between 1 and %d", ARKA_MATCH_MAX_RESULTS)));
	qname = PG_GETARG_TEXT_PP(0);
	rs = arka_get_ruleset();
	if (PG_ARGISNULL(2))
		nlists = all_lists(rs, &names);
	else
	{
		Datum	   *elems;
		bool	   *nulls;

		deconstruct_array(PG_GETARG_ARRAYTYPE_P(2), TEXTOID, -1, false, TYPALIGN_INT,
						  &elems, &nulls, &nlists);
		names = palloc(sizeof(char *) * (nlists ? nlists : 1));
		for (int i = 0; i < nlists; i++)
			names[i] = nulls[i] ? "" : TextDatumGetCString(elems[i]);
	}
	for (int i = 0; i < nlists; i++)
	{
		CompiledList *c = get_list(rs, names[i]);
		ArkaMatchResults res;
		ArkaMatchStatus st;
		int			emitted = 0;

		if (c == NULL)
			ereport(ERROR,
					(errcode(ERRCODE_UNDEFINED_OBJECT),
					 errmsg("watchlist \"%s\" is not loaded", names[i]),
					 errhint("Load it with arka_load_ofac() or arka_load_watchlist().")));
		arka_match_results_init(&res);
		st = arka_match_screen(c->list, VARDATA_ANY(qname), VARSIZE_ANY_EXHDR(qname),
							   min_score, max_results + c->ncleared, 0, &res);
		if (st == ARKA_MATCH_ETOOLONG || st == ARKA_MATCH_ETOOMANY)
			ereport(ERROR,
					(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
					 errmsg("name too long to screen: %s", arka_match_status_string(st))));
		for (int k = 0; st == ARKA_MATCH_OK && k < res.count && emitted < max_results; k++)
		{
			const ArkaMatchResult *r = &res.items[k];
			const char *entry_id = arka_match_entry_id(c->list, r->entry);
			Datum		values[5];
			bool		nulls[5] = {false, false, false, false, false};
			ArkaBuf		json;

			if (is_cleared(c, entry_id, res.query_norm ? res.query_norm : ""))
				continue;
			arka_buf_init(&json);
			arka_match_result_json(c->list, &res, r, &json);
			values[0] = CStringGetTextDatum(names[i]);
			values[1] = CStringGetTextDatum(entry_id);
			values[2] = CStringGetTextDatum(r->matched_name ? r->matched_name : "");
			values[3] = Float8GetDatum(r->score);
			values[4] = DirectFunctionCall1(jsonb_in, CStringGetDatum(json.data ? json.data : "{}"));
			arka_buf_free(&json);
			tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
			emitted++;
		}
		arka_match_results_free(&res);
	}
	return (Datum) 0;
}

/*
 * arka._parse_ofac(sdn, alt, addr): parse OFAC's legacy CSV files into
 * {"entries": [...], "sha256": hex, "stats": {...}}.  A malformed file is
 * an error naming the file and line, raised before anything is loaded.
 */
Datum
arka_parse_ofac(PG_FUNCTION_ARGS)
{
	ArkaOfacInput in;
	ArkaOfacOptions opts;
	ArkaOfacStats stats;
	ArkaOfacError err;
	ArkaBuf		out;
	StringInfoData doc;

	memset(&in, 0, sizeof(in));
	memset(&opts, 0, sizeof(opts));
	if (PG_ARGISNULL(0))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("the SDN file is required")));
	in.sdn.name = "sdn.csv";
	in.sdn.data = VARDATA_ANY(PG_GETARG_TEXT_PP(0));
	in.sdn.len = VARSIZE_ANY_EXHDR(PG_GETARG_TEXT_PP(0));
	if (!PG_ARGISNULL(1))
	{
		in.alt.name = "alt.csv";
		in.alt.data = VARDATA_ANY(PG_GETARG_TEXT_PP(1));
		in.alt.len = VARSIZE_ANY_EXHDR(PG_GETARG_TEXT_PP(1));
	}
	if (!PG_ARGISNULL(2))
	{
		in.add.name = "add.csv";
		in.add.data = VARDATA_ANY(PG_GETARG_TEXT_PP(2));
		in.add.len = VARSIZE_ANY_EXHDR(PG_GETARG_TEXT_PP(2));
	}
	arka_buf_init(&out);
	if (!arka_ofac_parse(&in, &opts, &out, &stats, &err))
	{
		arka_buf_free(&out);
		ereport(ERROR,
				(errcode(ERRCODE_BAD_COPY_FILE_FORMAT),
				 errmsg("invalid OFAC file: %s", err.message),
				 errdetail("Nothing was loaded; the previous version of the list stays in force."),
				 errhint("Pass the files' contents, e.g. pg_read_file('/path/sdn.csv').")));
	}
	initStringInfo(&doc);
	appendStringInfo(&doc, "{\"sha256\": \"%s\", \"stats\": {\"entries\": %zu, "
					 "\"aliases_strong\": %zu, \"aliases_weak\": %zu, \"identifiers\": %zu}, "
					 "\"entries\": ",
					 stats.sha256_hex, stats.entries, stats.aliases_strong, stats.aliases_weak,
					 stats.identifiers);
	appendBinaryStringInfo(&doc, out.data, out.len);
	appendStringInfoChar(&doc, '}');
	arka_buf_free(&out);
	PG_RETURN_DATUM(DirectFunctionCall1(jsonb_in, CStringGetDatum(doc.data)));
}

/* arka._normalize_name(name): the normalised form screening compares. */
Datum
arka_normalize_name(PG_FUNCTION_ARGS)
{
	text	   *t = PG_GETARG_TEXT_PP(0);
	ArkaName   *nm = palloc(sizeof(ArkaName));
	ArkaNameStatus st = arka_name_normalise(VARDATA_ANY(t), VARSIZE_ANY_EXHDR(t), ARKA_NAME_QUERY, nm);

	if (st != ARKA_NAME_OK)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("cannot normalise the name: %s", arka_name_status_string(st))));
	PG_RETURN_TEXT_P(cstring_to_text_with_len(nm->display, nm->display_len));
}

/*
 * arka_watchlist_stats(): the watchlists this backend has compiled, with
 * their size in memory and how long the first use took to build them.
 */
Datum
arka_watchlist_stats(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;

	InitMaterializedSRF(fcinfo, 0);
	for (CompiledList *c = compiled; c; c = c->next)
	{
		Datum		values[5];
		bool		nulls[5] = {false, false, false, false, false};

		values[0] = CStringGetTextDatum(c->name);
		values[1] = Int64GetDatum(arka_match_entry_count(c->list));
		values[2] = Int64GetDatum(arka_match_name_count(c->list));
		values[3] = Int64GetDatum((int64) arka_match_memory(c->list));
		values[4] = Float8GetDatum(c->build_ms);
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}
	return (Datum) 0;
}

/* First-use build time of a compiled list, or -1 (arka.watchlist_stats). */
double
arka_screen_build_ms(const char *name)
{
	for (CompiledList *c = compiled; c; c = c->next)
		if (strcmp(c->name, name) == 0)
			return c->build_ms;
	return -1;
}
