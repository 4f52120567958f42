/*-------------------------------------------------------------------------
 *
 * arka_catalog.c
 *	  Catalog support: cache invalidation trigger and rule-pack files.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <sys/stat.h>

#include "catalog/namespace.h"
#include "commands/trigger.h"
#include "fmgr.h"
#include "miscadmin.h"
#include "storage/fd.h"
#include "utils/builtins.h"
#include "utils/inval.h"
#include "utils/lsyscache.h"

#include "arka.h"

PG_FUNCTION_INFO_V1(arka_invalidate_cache);
PG_FUNCTION_INFO_V1(arka_read_pack);

#define ARKA_PACK_MAX_BYTES (16 * 1024 * 1024)

/*
 * Statement trigger on arka.rules, arka.lists and arka.list_items: queue a
 * relcache invalidation of arka.rules.  PostgreSQL sends it to every
 * backend at commit (and drops it on rollback), which is what makes rule
 * changes transactional for the per-backend caches.
 */
Datum
arka_invalidate_cache(PG_FUNCTION_ARGS)
{
	TriggerData *trigdata = (TriggerData *) fcinfo->context;
	Oid			nsp;
	Oid			rules;

	if (!CALLED_AS_TRIGGER(fcinfo))
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("arka._invalidate_cache() must be called as a trigger")));
	nsp = RelationGetNamespace(trigdata->tg_relation);
	rules = get_relname_relid("rules", nsp);
	if (OidIsValid(rules))
		CacheInvalidateRelcacheByRelid(rules);
	return PointerGetDatum(NULL);
}

/*
 * arka._read_pack(name): the pack file shipped in
 * <sharedir>/extension/arka_packs/<name>.json, as jsonb.  The name is
 * checked so it cannot reach outside that directory.
 */
Datum
arka_read_pack(PG_FUNCTION_ARGS)
{
	char	   *name = text_to_cstring(PG_GETARG_TEXT_PP(0));
	char		sharepath[MAXPGPATH];
	char		path[MAXPGPATH * 2];
	FILE	   *f;
	struct stat st;
	char	   *buf;
	size_t		n;
	bool		ok = name[0] >= 'a' && name[0] <= 'z' && strlen(name) <= 63;

	for (const char *p = name; *p && ok; p++)
		ok = (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '_';
	if (!ok)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid rule pack name \"%s\"", name),
				 errhint("Pack names are lower-case letters, digits and \"_\"; "
						 "shipped packs: us_bsa, ofac_country, fatf_high_risk, eu_amlr.")));

	get_share_path(my_exec_path, sharepath);
	snprintf(path, sizeof(path), "%s/extension/arka_packs/%s.json", sharepath, name);
	if (stat(path, &st) != 0)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_OBJECT),
				 errmsg("rule pack \"%s\" does not exist", name),
				 errdetail("No file %s.", path),
				 errhint("Shipped packs: us_bsa, ofac_country, fatf_high_risk, eu_amlr.")));
	if (st.st_size > ARKA_PACK_MAX_BYTES)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("rule pack file \"%s\" is too large", path),
				 errdetail("The limit is %d bytes.", ARKA_PACK_MAX_BYTES)));
	f = AllocateFile(path, PG_BINARY_R);
	if (f == NULL)
		ereport(ERROR,
				(errcode_for_file_access(),
				 errmsg("could not open rule pack file \"%s\": %m", path)));
	buf = palloc(st.st_size + 1);
	n = fread(buf, 1, st.st_size, f);
	FreeFile(f);
	if (n != (size_t) st.st_size)
		ereport(ERROR,
				(errcode_for_file_access(),
				 errmsg("could not read rule pack file \"%s\"", path)));
	buf[n] = '\0';
	PG_RETURN_DATUM(DirectFunctionCall1(jsonb_in, CStringGetDatum(buf)));
}
