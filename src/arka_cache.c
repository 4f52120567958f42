/*-------------------------------------------------------------------------
 *
 * arka_cache.c
 *	  The per-backend compiled ruleset and its transactional invalidation.
 *
 * Rules and lists are compiled once per backend.  Statement triggers on
 * arka.rules, arka.lists and arka.list_items send a relcache invalidation
 * keyed on arka.rules (arka_invalidate_cache): PostgreSQL delivers it to
 * other backends only when the changing transaction commits, and applies
 * it locally at once (and again on rollback), which is exactly the
 * visibility a rule change needs.  The cache itself is invalidated by a
 * relcache callback; the next evaluation rebuilds it with SPI.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/xact.h"
#include "catalog/namespace.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "miscadmin.h"
#include "storage/proc.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/date.h"
#include "utils/inval.h"
#include "utils/jsonb.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/timestamp.h"

#include "arka_cache.h"
#include "arka_decision.h"
#include "arka_jsonb.h"
#include "arka_proof.h"
#include "arka_sha256.h"
#include "arka_tupledoc.h"

static ArkaRuleset *cached_ruleset = NULL;
static bool cache_valid = false;
static Oid	rules_relid = InvalidOid;

/* per-statement check for pending invalidations */
static LocalTransactionId checked_lxid = InvalidLocalTransactionId;
static TimestampTz checked_stmt = 0;

/* a ruleset built under a transaction snapshot is good for that transaction only */
static bool built_with_xact_snapshot = false;
static LocalTransactionId built_lxid = InvalidLocalTransactionId;

/*
 * The statement in which the last invalidation arrived.  Its snapshot may
 * predate the commit that sent it, so a ruleset built in that statement is
 * rebuilt once more at the next statement (see arka_get_ruleset).
 */
static LocalTransactionId inval_lxid = InvalidLocalTransactionId;
static TimestampTz inval_stmt = 0;
static bool rebuild_next_statement = false;

int64		arka_ruleset_builds = 0;
Oid			arka_catalog_owner = InvalidOid;
Oid			arka_decisions_relid = InvalidOid;
Oid			arka_decisions_seqid = InvalidOid;

/* protections, rebuilt with the ruleset */
static MemoryContext protections_cxt = NULL;
static ArkaProtection *protections = NULL;
static int	nprotections = 0;

/*
 * Relcache callback: InvalidOid means "everything" (cache reset).  Any
 * table's invalidation also reaches the compiled table programs of the
 * enforcement trigger (ALTER TABLE changes a tuple descriptor).
 */
static void
arka_relcache_callback(Datum arg, Oid relid)
{
	if (relid == InvalidOid || relid == rules_relid)
	{
		cache_valid = false;
		if (MyProc != NULL)
		{
			inval_lxid = MyProc->lxid;
			inval_stmt = GetCurrentStatementStartTimestamp();
		}
	}
	arka_tupledoc_invalidate(relid);
}

/*
 * Act as the catalog owner: its rights, a restricted-operation context and
 * a search_path of pg_catalog only, so no object of the caller's (an
 * operator or function in a schema they control) can run with the owner's
 * rights while arka reads or writes its catalog.
 */
void
arka_become_owner(ArkaOwnerContext *c)
{
	GetUserIdAndSecContext(&c->save_userid, &c->save_sec);
	SetUserIdAndSecContext(arka_catalog_owner, c->save_sec | SECURITY_LOCAL_USERID_CHANGE |
						   SECURITY_RESTRICTED_OPERATION);
	c->save_nestlevel = NewGUCNestLevel();
	(void) set_config_option("search_path", "pg_catalog, pg_temp", PGC_USERSET, PGC_S_SESSION,
							 GUC_ACTION_SAVE, true, 0, false);
}

void
arka_restore_user(ArkaOwnerContext *c)
{
	AtEOXact_GUC(true, c->save_nestlevel);
	SetUserIdAndSecContext(c->save_userid, c->save_sec);
}

ArkaProtection *
arka_get_protection(Oid relid)
{
	for (int i = 0; i < nprotections; i++)
		if (protections[i].relid == relid)
			return &protections[i];
	return NULL;
}

/* Read arka.protections into protections_cxt (inside SPI, as the owner). */
static void
load_protections(void)
{
	MemoryContext old;
	TupleDesc	desc;

	if (SPI_execute("SELECT relid::oid, mode, jurisdictions, domains, mapping "
					"FROM arka.protections", true, 0) != SPI_OK_SELECT)
		elog(ERROR, "arka: could not read arka.protections");
	if (protections_cxt == NULL)
		protections_cxt = AllocSetContextCreate(TopMemoryContext, "arka protections",
												ALLOCSET_SMALL_SIZES);
	else
		MemoryContextReset(protections_cxt);
	protections = NULL;
	nprotections = 0;
	desc = SPI_tuptable->tupdesc;
	old = MemoryContextSwitchTo(protections_cxt);
	protections = palloc0(sizeof(ArkaProtection) * (SPI_processed ? SPI_processed : 1));
	for (uint64 i = 0; i < SPI_processed; i++)
	{
		HeapTuple	tup = SPI_tuptable->vals[i];
		ArkaProtection *p = &protections[i];
		bool		isnull;
		Datum		d;
		char	   *mode;

		p->relid = DatumGetObjectId(SPI_getbinval(tup, desc, 1, &isnull));
		mode = SPI_getvalue(tup, desc, 2);
		p->mode = mode[0];
		d = SPI_getbinval(tup, desc, 3, &isnull);
		p->jurisdictions = isnull ? NULL : DatumGetArrayTypePCopy(d);
		d = SPI_getbinval(tup, desc, 4, &isnull);
		p->domains = isnull ? NULL : DatumGetArrayTypePCopy(d);
		d = SPI_getbinval(tup, desc, 5, &isnull);
		p->mapping = isnull ? NULL : DatumGetJsonbPCopy(d);
	}
	nprotections = (int) SPI_processed;
	MemoryContextSwitchTo(old);
}

void
arka_cache_init(void)
{
	CacheRegisterRelcacheCallback(arka_relcache_callback, (Datum) 0);
}

/* Owner of the arka extension: the catalog is read with its rights. */
static Oid
extension_owner(void)
{
	bool		isnull;
	Datum		d;

	if (SPI_execute("SELECT extowner FROM pg_catalog.pg_extension WHERE extname = 'arka'",
					true, 1) != SPI_OK_SELECT || SPI_processed != 1)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("extension \"arka\" is not installed in this database"),
				 errhint("Run CREATE EXTENSION arka.")));
	d = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull);
	return DatumGetObjectId(d);
}

static char *
text_col(HeapTuple tup, TupleDesc desc, int col)
{
	return SPI_getvalue(tup, desc, col);
}

/* Read lists and active rules into a new ruleset (inside SPI). */
static void
load_ruleset(ArkaRuleset *rs)
{
	ArkaArena	scratch;
	uint64		i;
	TupleDesc	desc;

	if (SPI_execute("SELECT l.list_name, i.item FROM arka.lists l "
					"LEFT JOIN arka.list_items i ON i.list_name = l.list_name "
					"ORDER BY l.list_name COLLATE \"C\", i.item COLLATE \"C\"",
					true, 0) != SPI_OK_SELECT)
		elog(ERROR, "arka: could not read arka.lists");
	desc = SPI_tuptable->tupdesc;
	for (i = 0; i < SPI_processed; i++)
	{
		HeapTuple	tup = SPI_tuptable->vals[i];
		char	   *name = text_col(tup, desc, 1);
		char	   *item = text_col(tup, desc, 2);
		int			li = arka_ruleset_add_list(rs, name, strlen(name));
		bool		first = li == rs->lists.n - 1 && rs->lists.lists[li].items.n == 0 &&
			(i == 0 || strcmp(text_col(SPI_tuptable->vals[i - 1], desc, 1), name) != 0);
		bool		last = i + 1 == SPI_processed ||
			strcmp(text_col(SPI_tuptable->vals[i + 1], desc, 1), name) != 0;

		if (li < 0 || (item && !arka_ruleset_add_list_item(rs, li, item, strlen(item))))
			ereport(ERROR,
					(errcode(ERRCODE_OUT_OF_MEMORY),
					 errmsg("out of memory loading arka lists")));
		/* the list's digest: "<bytes>:<item>\n" per item, in byte order */
		if (first && !arka_sha256_begin())
			elog(ERROR, "arka: could not hash list \"%s\"", name);
		if (item && !arka_list_digest_item(item, strlen(item)))
			elog(ERROR, "arka: could not hash list \"%s\"", name);
		if (last && !arka_sha256_end(rs->lists.lists[li].digest))
			elog(ERROR, "arka: could not hash list \"%s\"", name);
	}

	/*
	 * Watchlists: one "watchlist:<name>" entry each, whose digest covers the
	 * loaded source, the entries (arka._hash_entries_of) and the cleared
	 * matches.  It puts the list's version in the proof's rules line and
	 * tells compiled watchlists when they are stale (arka_screen.c).
	 */
	if (SPI_execute("SELECT 'watchlist:' || w.list_name, "
					"sha256(convert_to(w.source_sha256 || E'\n' || w.entries_sha256 || E'\n' || coalesce((SELECT string_agg("
					"length(c.entry_id) || ':' || c.entry_id || length(c.name_normalized) || ':' || c.name_normalized, "
					"E'\n' ORDER BY c.entry_id COLLATE \"C\", c.name_normalized COLLATE \"C\") "
					"FROM arka.match_clearances c WHERE c.list_name = w.list_name), ''), 'UTF8')) "
					"FROM arka.watchlists w ORDER BY w.list_name COLLATE \"C\"", true, 0) != SPI_OK_SELECT)
		elog(ERROR, "arka: could not read arka.watchlists");
	for (i = 0; i < SPI_processed; i++)
	{
		HeapTuple	tup = SPI_tuptable->vals[i];
		char	   *name = text_col(tup, SPI_tuptable->tupdesc, 1);
		bool		isnull;
		bytea	   *digest = DatumGetByteaPP(SPI_getbinval(tup, SPI_tuptable->tupdesc, 2, &isnull));
		int			li = arka_ruleset_add_list(rs, name, strlen(name));

		if (li < 0 || VARSIZE_ANY_EXHDR(digest) != 32)
			elog(ERROR, "arka: could not load watchlist \"%s\"", name);
		memcpy(rs->lists.lists[li].digest, VARDATA_ANY(digest), 32);
	}

	if (SPI_execute("SELECT rule_id, version, jurisdiction, domain, action, severity, "
					"description, logic, effective_from - DATE '1970-01-01' "
					"FROM arka.active_rules ORDER BY rule_id COLLATE \"C\"",
					true, 0) != SPI_OK_SELECT)
		elog(ERROR, "arka: could not read arka.active_rules");
	desc = SPI_tuptable->tupdesc;
	arka_arena_init(&scratch, 0);
	PG_TRY();
	{
		for (i = 0; i < SPI_processed; i++)
		{
			HeapTuple	tup = SPI_tuptable->vals[i];
			ArkaRule	def;
			ArkaValue	logic;
			ArkaError	err;
			bool		isnull;
			Datum		d;
			char	   *action;

			memset(&def, 0, sizeof(def));
			def.rule_id = text_col(tup, desc, 1);
			def.version = DatumGetInt32(SPI_getbinval(tup, desc, 2, &isnull));
			def.jurisdiction = text_col(tup, desc, 3);
			def.domain = text_col(tup, desc, 4);
			action = text_col(tup, desc, 5);
			if (!arka_action_parse(action, &def.action))
				elog(ERROR, "arka: rule \"%s\" has invalid action \"%s\"", def.rule_id, action);
			def.severity = text_col(tup, desc, 6);
			def.description = text_col(tup, desc, 7);
			d = SPI_getbinval(tup, desc, 9, &isnull);
			def.effective_from = isnull ? ARKA_ALWAYS_EFFECTIVE : DatumGetInt32(d);
			d = SPI_getbinval(tup, desc, 8, &isnull);
			arka_arena_reset(&scratch);
			arka_jsonb_to_value(&DatumGetJsonbP(d)->root, &scratch, &logic);
			if (!arka_ruleset_add_rule(rs, &def, &logic, &err))
				ereport(ERROR,
						(errcode(ERRCODE_DATA_CORRUPTED),
						 errmsg("active rule \"%s\" version %d cannot be compiled: %s at %s",
								def.rule_id, def.version, err.message, err.path),
						 errdetail("arka refuses to evaluate with an incomplete ruleset."),
						 errhint("Redefine or disable the rule, or restore the list it uses.")));
		}
	}
	PG_FINALLY();
	{
		arka_arena_free(&scratch);
	}
	PG_END_TRY();
}

/* Build the ruleset with the extension owner's rights; replaces the cache. */
static void
build_ruleset(void)
{
	ArkaRuleset *rs;
	ArkaOwnerContext oc;
	Oid			nsp;

	rs = arka_ruleset_create();
	if (rs == NULL)
		ereport(ERROR, (errcode(ERRCODE_OUT_OF_MEMORY), errmsg("out of memory")));

	/* an invalidation arriving while we build clears this again */
	cache_valid = true;
	PG_TRY();
	{
		if (SPI_connect() != SPI_OK_CONNECT)
			elog(ERROR, "arka: SPI_connect failed");
		nsp = get_namespace_oid("arka", true);
		rules_relid = OidIsValid(nsp) ? get_relname_relid("rules", nsp) : InvalidOid;
		arka_decisions_relid = OidIsValid(nsp) ? get_relname_relid("decisions", nsp) : InvalidOid;
		arka_decisions_seqid = OidIsValid(nsp) ?
			get_relname_relid("decisions_decision_id_seq", nsp) : InvalidOid;
		arka_catalog_owner = extension_owner();
		arka_become_owner(&oc);
		load_ruleset(rs);
		load_protections();
		arka_restore_user(&oc);
		SPI_finish();
	}
	PG_CATCH();
	{
		cache_valid = false;
		arka_ruleset_free(rs);
		PG_RE_THROW();
	}
	PG_END_TRY();

	arka_ruleset_free(cached_ruleset);
	cached_ruleset = rs;
	arka_ruleset_builds++;
	built_with_xact_snapshot = IsolationUsesXactSnapshot();
	built_lxid = MyProc->lxid;
	/*
	 * Built in a statement in which an invalidation arrived -- or this
	 * backend's first build, when invalidations of arka.rules could not yet
	 * be recognised -- so the snapshot may predate the change: build again
	 * at the next statement.
	 */
	rebuild_next_statement = arka_ruleset_builds == 1 ||
		(inval_lxid == MyProc->lxid && inval_stmt == GetCurrentStatementStartTimestamp());
}

ArkaRuleset *
arka_get_ruleset(void)
{
	/*
	 * While a decision is in progress, anything arka runs meanwhile (user
	 * code in a default or a generated column) keeps the ruleset that
	 * decision uses: rebuilding would free it under the decision.
	 */
	if (arka_eval_busy() && cached_ruleset != NULL)
		return cached_ruleset;

	/*
	 * Once per statement, take in invalidations committed meanwhile, so a
	 * rule committed elsewhere applies from the next statement on even
	 * inside an open transaction block.
	 */
	if (MyProc->lxid != checked_lxid || GetCurrentStatementStartTimestamp() != checked_stmt)
	{
		AcceptInvalidationMessages();
		checked_lxid = MyProc->lxid;
		checked_stmt = GetCurrentStatementStartTimestamp();
		if (built_with_xact_snapshot && built_lxid != MyProc->lxid)
			cache_valid = false;
		/* built from a snapshot that may not see the change that caused it */
		if (rebuild_next_statement)
		{
			rebuild_next_statement = false;
			cache_valid = false;
		}
	}
	if (!cache_valid || cached_ruleset == NULL)
		build_ruleset();
	return cached_ruleset;
}

ArkaListCatalog *
arka_load_list_names(ArkaArena *arena)
{
	ArkaListCatalog *cat = palloc0(sizeof(ArkaListCatalog));

	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "arka: SPI_connect failed");
	if (SPI_execute("SELECT list_name FROM arka.lists", true, 0) != SPI_OK_SELECT)
		elog(ERROR, "arka: could not read arka.lists");
	cat->n = (int) SPI_processed;
	cat->lists = palloc0(sizeof(ArkaList) * (cat->n ? cat->n : 1));
	for (int i = 0; i < cat->n; i++)
	{
		char	   *name = SPI_getvalue(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 1);

		cat->lists[i].name = arka_arena_strdup(arena, name, strlen(name));
	}
	SPI_finish();
	return cat;
}
