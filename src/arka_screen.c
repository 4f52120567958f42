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
#include "arka_sanctions.h"
#include "arka_screen.h"

PG_FUNCTION_INFO_V1(arka_screen);
PG_FUNCTION_INFO_V1(arka_parse_ofac);
PG_FUNCTION_INFO_V1(arka_normalize_name);
PG_FUNCTION_INFO_V1(arka_watchlist_stats);

/* A compiled watchlist and what it was compiled from. */
typedef struct CompiledList
{
	ArkaWatchlist w;			/* name, matcher, cleared pairings */
	uint8_t		digest[32];		/* the ruleset's "watchlist:<name>" digest */
	double		build_ms;		/* first-use build time, for reports */
	struct CompiledList *next;
} CompiledList;

static CompiledList *compiled = NULL;
static MemoryContext screen_cxt = NULL;

static void
free_compiled(CompiledList *c)
{
	arka_match_list_free(c->w.list);
	pfree((char *) c->w.name);
	for (int i = 0; i < c->w.ncleared; i++)
		pfree(c->w.cleared[i]);
	if (c->w.cleared)
		pfree(c->w.cleared);
	pfree(c);
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

/* A text[] column of an SPI row as C strings (no NULL elements). */
static const char **
text_array(HeapTuple tup, TupleDesc desc, int col, int *n)
{
	bool		isnull;
	Datum	   *elems;
	const char **out;

	deconstruct_array(DatumGetArrayTypeP(SPI_getbinval(tup, desc, col, &isnull)),
					  TEXTOID, -1, false, TYPALIGN_INT, &elems, NULL, n);
	out = palloc(sizeof(char *) * (*n ? *n : 1));
	for (int k = 0; k < *n; k++)
		out[k] = TextDatumGetCString(elems[k]);
	return out;
}

/*
 * Compile a watchlist from arka._watchlist_rows (as the catalog owner,
 * inside SPI): arka-cdc compiles from the same rows, so both screen alike.
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
	c->w.name = pstrdup(name);
	memcpy(c->digest, digest, 32);
	c->w.list = ml;
	MemoryContextSwitchTo(old);

	PG_TRY();
	{
		if (SPI_connect() != SPI_OK_CONNECT)
			elog(ERROR, "arka: SPI_connect failed");
		arka_become_owner(&oc);
		args[0] = CStringGetTextDatum(name);
		if (SPI_execute_with_args("SELECT * FROM arka._watchlist_rows($1)",
								  1, argtypes, args, NULL, true, 0) != SPI_OK_SELECT)
			elog(ERROR, "arka: could not read arka.watchlist_entries");
		for (uint64 r = 0; r < SPI_processed; r++)
		{
			HeapTuple	tup = SPI_tuptable->vals[r];
			TupleDesc	desc = SPI_tuptable->tupdesc;
			ArkaWatchlistEntry e;
			int			nvalues;
			bool		isnull;

			e.entry_id = SPI_getvalue(tup, desc, 1);
			e.type = SPI_getvalue(tup, desc, 2);
			e.name = SPI_getvalue(tup, desc, 3);
			e.aliases = text_array(tup, desc, 4, &e.naliases);
			e.weak_aliases = text_array(tup, desc, 5, &e.nweak_aliases);
			e.id_types = text_array(tup, desc, 6, &e.nids);
			e.id_values = text_array(tup, desc, 7, &nvalues);
			e.nids = Min(e.nids, nvalues);
			e.programs = text_array(tup, desc, 8, &e.nprograms);
			e.countries = text_array(tup, desc, 9, &e.ncountries);
			check_match(arka_watchlist_add(ml, &e), e.entry_id);
			if (r == 0)
				arka_match_set_threshold(ml, DatumGetFloat8(SPI_getbinval(tup, desc, 10, &isnull)));
		}
		check_match(arka_match_finalise(ml), name);

		/* human-cleared false positives: exactly these pairings are suppressed */
		if (SPI_execute_with_args("SELECT entry_id || E'\\t' || name_normalized FROM arka.match_clearances "
								  "WHERE list_name = $1", 1, argtypes, args, NULL, true, 0) != SPI_OK_SELECT)
			elog(ERROR, "arka: could not read arka.match_clearances");
		old = MemoryContextSwitchTo(screen_cxt);
		c->w.ncleared = (int) SPI_processed;
		c->w.cleared = c->w.ncleared ? palloc(sizeof(char *) * c->w.ncleared) : NULL;
		for (int k = 0; k < c->w.ncleared; k++)
			c->w.cleared[k] = pstrdup(SPI_getvalue(SPI_tuptable->vals[k], SPI_tuptable->tupdesc, 1));
		MemoryContextSwitchTo(old);
		if (c->w.ncleared)
			qsort(c->w.cleared, c->w.ncleared, sizeof(char *), arka_cmp_cstr);
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
	const uint8_t *digest = arka_ruleset_watchlist_digest(rs, name);
	CompiledList **pp;

	if (digest == NULL)
		return NULL;
	for (pp = &compiled; *pp; pp = &(*pp)->next)
	{
		if (strcmp((*pp)->w.name, name) != 0)
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

/* Names of every loaded watchlist (arka_screen without "lists"). */
static int
all_lists(ArkaRuleset *rs, const char ***names)
{
	*names = palloc(sizeof(char *) * (rs->lists.n ? rs->lists.n : 1));
	return arka_ruleset_watchlists(rs, *names);
}

/* ArkaWatchlistFn over this backend's compiled lists; ctx is the ruleset. */
int
arka_screen_watchlist(void *ctx, const char *name, ArkaEval *ev, const ArkaWatchlist **out)
{
	CompiledList *c = get_list((ArkaRuleset *) ctx, name);

	*out = c ? &c->w : NULL;
	return c != NULL;
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
		st = arka_match_screen(c->w.list, VARDATA_ANY(qname), VARSIZE_ANY_EXHDR(qname),
							   min_score, max_results + c->w.ncleared, 0, &res);
		if (st == ARKA_MATCH_ETOOLONG || st == ARKA_MATCH_ETOOMANY)
			ereport(ERROR,
					(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
					 errmsg("name too long to screen: %s", arka_match_status_string(st))));
		for (int k = 0; st == ARKA_MATCH_OK && k < res.count && emitted < max_results; k++)
		{
			const ArkaMatchResult *r = &res.items[k];
			const char *entry_id = arka_match_entry_id(c->w.list, r->entry);
			Datum		values[5];
			bool		nulls[5] = {false, false, false, false, false};
			ArkaBuf		json;

			if (arka_watchlist_cleared(&c->w, entry_id, res.query_norm ? res.query_norm : ""))
				continue;
			arka_buf_init(&json);
			arka_match_result_json(c->w.list, &res, r, &json);
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

		values[0] = CStringGetTextDatum(c->w.name);
		values[1] = Int64GetDatum(arka_match_entry_count(c->w.list));
		values[2] = Int64GetDatum(arka_match_name_count(c->w.list));
		values[3] = Int64GetDatum((int64) arka_match_memory(c->w.list));
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
		if (strcmp(c->w.name, name) == 0)
			return c->build_ms;
	return -1;
}
