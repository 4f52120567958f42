/*-------------------------------------------------------------------------
 *
 * arka_protect.c
 *	  The enforcement trigger, and the checks behind arka_protect.
 *
 * zz_arka_enforce is a C BEFORE INSERT OR UPDATE row trigger: it decides
 * the new row with the compiled ruleset through the table program (no
 * jsonb, no SPI, no catalog access per row) and
 *   - allow:  writes the row (and records it only under
 *             arka.record_all_decisions);
 *   - review: writes the row and records the decision in arka.decisions
 *             in the same transaction;
 *   - block:  in block mode, emits a non-transactional logical message
 *             (prefix "arka", which survives the rollback) and raises
 *             SQLSTATE ZA001; in log mode, records and writes the row;
 *   - error:  raises ZA002 (fail closed), unless the superuser-only
 *             arka.fail_open lets the row through and records the error.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "access/table.h"
#include "access/xact.h"
#include "access/xlog.h"
#include "catalog/pg_type.h"
#include "commands/trigger.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "miscadmin.h"
#include "replication/message.h"
#include "utils/builtins.h"
#include "utils/jsonb.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/rel.h"
#include "utils/timestamp.h"

#include "arka.h"
#include "arka_cache.h"
#include "arka_decision.h"
#include "arka_jsonb.h"
#include "arka_record.h"
#include "arka_tupledoc.h"

PG_FUNCTION_INFO_V1(arka_enforce);
PG_FUNCTION_INFO_V1(arka_check_mapping);
PG_FUNCTION_INFO_V1(arka_dry_run);

bool		arka_fail_open = false;
bool		arka_record_all = false;
int			arka_dry_run_limit = 1000000;

/*
 * {"rule_id": version, ...} of the rules a decision evaluated.  It depends
 * only on the selection, whose digest covers exactly those "rule_id
 * version" lines, so it is built once per ruleset and selection rather
 * than for every recorded decision.
 */
static Jsonb *
rule_versions(ArkaDecisionCtx *dec)
{
	static Jsonb *cached = NULL;
	static int64 cached_builds = -1;
	static char cached_digest[65];
	JsonbParseState *ps = NULL;
	JsonbValue *res;
	Jsonb	   *built;

	if (cached != NULL && cached_builds == arka_ruleset_builds &&
		strcmp(cached_digest, dec->sel->digest_hex) == 0)
		return cached;
	pushJsonbValue(&ps, WJB_BEGIN_OBJECT, NULL);
	for (int i = 0; i < dec->rs->nrules; i++)
	{
		JsonbValue	k,
					v;

		if (!dec->sel->mask[i])
			continue;
		arka_jbv_string(&k, dec->rs->rules[i].rule_id, strlen(dec->rs->rules[i].rule_id));
		pushJsonbValue(&ps, WJB_KEY, &k);
		v.type = jbvNumeric;
		v.val.numeric = int64_to_numeric(dec->rs->rules[i].version);
		pushJsonbValue(&ps, WJB_VALUE, &v);
	}
	res = pushJsonbValue(&ps, WJB_END_OBJECT, NULL);
	built = JsonbValueToJsonb(res);
	if (cached != NULL)
		pfree(cached);
	cached = MemoryContextAlloc(TopMemoryContext, VARSIZE(built));
	memcpy(cached, built, VARSIZE(built));
	cached_builds = arka_ruleset_builds;
	strlcpy(cached_digest, dec->sel->digest_hex, sizeof(cached_digest));
	return cached;
}

/* The protection mode as arka.decisions records it. */
static const char *
mode_name(char mode)
{
	return mode == 'b' ? "block" : mode == 'l' ? "log" : "check";
}

/*
 * The rejected attempt, as a non-transactional logical message with
 * prefix "arka" (docs/protect.md specifies the payload): it is in the
 * WAL even though the writing transaction is about to roll back, so
 * arka-cdc can persist it into arka.rejections.
 */
static void
emit_rejection(const char *table_name, Jsonb *row_key, const char *operation,
			   Jsonb *result)
{
	JsonbParseState *ps = NULL;
	JsonbValue	k,
				v;
	JsonbValue *res;
	Jsonb	   *payload;
	char	   *text;
	TransactionId xid = GetTopTransactionIdIfAny();

#define PUSH_KEY(name) (arka_jbv_string(&k, name, strlen(name)), pushJsonbValue(&ps, WJB_KEY, &k))
	pushJsonbValue(&ps, WJB_BEGIN_OBJECT, NULL);
	PUSH_KEY("v");
	v.type = jbvNumeric;
	v.val.numeric = int64_to_numeric(1);
	pushJsonbValue(&ps, WJB_VALUE, &v);
	PUSH_KEY("table");
	arka_jbv_string(&v, table_name, strlen(table_name));
	pushJsonbValue(&ps, WJB_VALUE, &v);
	PUSH_KEY("operation");
	arka_jbv_string(&v, operation, strlen(operation));
	pushJsonbValue(&ps, WJB_VALUE, &v);
	PUSH_KEY("row_key");
	if (row_key)
	{
		v.type = jbvBinary;
		v.val.binary.data = &row_key->root;
		v.val.binary.len = VARSIZE(row_key) - VARHDRSZ;
	}
	else
		v.type = jbvNull;
	pushJsonbValue(&ps, WJB_VALUE, &v);
	PUSH_KEY("result");
	v.type = jbvBinary;
	v.val.binary.data = &result->root;
	v.val.binary.len = VARSIZE(result) - VARHDRSZ;
	pushJsonbValue(&ps, WJB_VALUE, &v);
	PUSH_KEY("user");
	{
		const char *user = GetUserNameFromId(GetUserId(), false);

		arka_jbv_string(&v, user, strlen(user));
	}
	pushJsonbValue(&ps, WJB_VALUE, &v);
	PUSH_KEY("xid");
	if (TransactionIdIsValid(xid))
	{
		v.type = jbvNumeric;
		v.val.numeric = int64_to_numeric(xid);
	}
	else
		v.type = jbvNull;
	pushJsonbValue(&ps, WJB_VALUE, &v);
	PUSH_KEY("at");
	{
		const char *at = timestamptz_to_str(GetCurrentTimestamp());

		arka_jbv_string(&v, at, strlen(at));
	}
	pushJsonbValue(&ps, WJB_VALUE, &v);
	res = pushJsonbValue(&ps, WJB_END_OBJECT, NULL);
#undef PUSH_KEY
	payload = JsonbValueToJsonb(res);
	text = JsonbToCString(NULL, &payload->root, VARSIZE(payload));
	/*
	 * Flush it now: the transaction is about to abort, and an abort does not
	 * flush WAL, so without this a crash could lose the record of the attempt
	 * (and a logical decoder would not see it until other WAL is flushed).
	 */
	XLogFlush(LogLogicalMessage("arka", text, strlen(text), false));
}

/* The blocking rules that fired, comma-separated, and the first of them. */
static char *
blocking_rules(ArkaDecisionCtx *dec, const char **first)
{
	StringInfoData s;

	initStringInfo(&s);
	*first = NULL;
	for (int i = 0; i < dec->d.nfired; i++)
	{
		const ArkaRule *r = &dec->rs->rules[dec->d.fired[i]];

		if (r->action != ARKA_ACTION_BLOCK)
			continue;
		if (*first == NULL)
			*first = r->rule_id;
		else
			appendStringInfoString(&s, ", ");
		appendStringInfoString(&s, r->rule_id);
	}
	return s.data;
}

/* Reject the row: ZA001 with the result JSON on one line as DETAIL. */
static void
reject_row(Relation rel, ArkaDecisionCtx *dec, Jsonb *result)
{
	const char *first;
	char	   *rules = blocking_rules(dec, &first);
	char	   *json = JsonbToCString(NULL, &result->root, VARSIZE(result));

	ereport(ERROR,
			(errcode(ERRCODE_ARKA_REJECTED),
			 errmsg("row rejected by arka: %s", rules),
			 errdetail_internal("%s", json),
			 errhint("The row breaks a blocking compliance rule and was not written; "
					 "the attempt is logged.  arka_evaluate() with the same values "
					 "explains the decision."),
			 errtableconstraint(rel, first)));
}

/* Fail closed: an evaluation error rejects the row with ZA002. */
static void
reject_on_error(Relation rel, ArkaDecisionCtx *dec)
{
	const char *rule = dec->failed_rule >= 0 ? dec->rs->rules[dec->failed_rule].rule_id : NULL;

	ereport(ERROR,
			(errcode(ERRCODE_ARKA_EVALUATION),
			 errmsg("row rejected by arka: evaluation failed%s%s: %s",
					rule ? " in rule " : "", rule ? rule : "", dec->ev.err.message),
			 errdetail("The error is at %s; arka fails closed, so the row was not written.",
					   dec->ev.err.path),
			 errhint("Fix the row or the rule.  A superuser can set arka.fail_open to let "
					 "rows through while recording the error."),
			 rule ? errtableconstraint(rel, rule) : errtable(rel)));
}

/*
 * arka._enforce(): the BEFORE INSERT OR UPDATE row trigger.  A partition
 * (which gets a clone of its parent's trigger) enforces the protection of
 * its nearest protected ancestor; the table is found from the trigger's
 * relation, never from a stored OID, so dump and restore keep it working.
 */
Datum
arka_enforce(PG_FUNCTION_ARGS)
{
	TriggerData *td = (TriggerData *) fcinfo->context;
	Relation	rel;
	HeapTuple	tuple;
	TupleTableSlot *slot;
	const char *operation;
	ArkaRuleset *rs;
	const ArkaProtection *prot;
	ArkaTableProgram *tp;
	ArkaRowDoc	rd;
	ArkaDecisionCtx dec;
	bool		ok;
	const char *table_name;

	if (!CALLED_AS_TRIGGER(fcinfo) || !TRIGGER_FIRED_BEFORE(td->tg_event) ||
		!TRIGGER_FIRED_FOR_ROW(td->tg_event))
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("arka._enforce() must be a BEFORE ROW trigger created by arka_protect()")));
	rel = td->tg_relation;
	if (TRIGGER_FIRED_BY_UPDATE(td->tg_event))
	{
		tuple = td->tg_newtuple;
		slot = td->tg_newslot;
		operation = "UPDATE";
	}
	else if (TRIGGER_FIRED_BY_INSERT(td->tg_event))
	{
		tuple = td->tg_trigtuple;
		slot = td->tg_trigslot;
		operation = "INSERT";
	}
	else
		return PointerGetDatum(td->tg_trigtuple);

	rs = arka_get_ruleset();
	tp = arka_table_program(rel, rs);
	prot = tp ? arka_table_program_protection(tp) : NULL;
	if (prot == NULL || prot->mode == 'a')
		ereport(ERROR,
				(errcode(ERRCODE_ARKA_EVALUATION),
				 errmsg("row rejected by arka: table %s has an arka trigger but no protection",
						RelationGetRelationName(rel)),
				 errhint("Run arka_protect() or arka_unprotect() on the table."),
				 errtable(rel)));

	table_name = arka_table_program_name(tp);
	arka_eval_begin();
	arka_row_doc_init(&rd, tp, tuple, slot, arka_eval_arena());
	ok = arka_decide(&dec, rs,
					 arka_get_selection(rs, prot->jurisdictions, prot->domains, true),
					 &rd.src);
	if (!ok)
	{
		ArkaDecisionRow row;

		if (!arka_fail_open)
			reject_on_error(rel, &dec);
		row = (ArkaDecisionRow) {
			.table_name = table_name,
			.row_key = arka_row_key(&rd),
			.operation = operation,
			.mode = mode_name(prot->mode),
			.outcome = "error",
			.violations = DatumGetJsonbP(DirectFunctionCall1(jsonb_in, CStringGetDatum("[]"))),
			.rule_versions = DatumGetJsonbP(DirectFunctionCall1(jsonb_in, CStringGetDatum("{}"))),
			.note = psprintf("arka.fail_open let the row through: %s at %s%s%s",
							 dec.ev.err.message, dec.ev.err.path,
							 dec.failed_rule >= 0 ? " in rule " : "",
							 dec.failed_rule >= 0 ? rs->rules[dec.failed_rule].rule_id : "")
		};

		arka_record_decision(&row);
		arka_eval_end();
		return PointerGetDatum(tuple);
	}
	if (dec.d.outcome == ARKA_ACTION_ALLOW && !arka_record_all)
	{
		arka_eval_end();
		return PointerGetDatum(tuple);
	}

	/* recorded or rejected: the decision needs its proof and result */
	{
		Jsonb	   *row_key = arka_row_key(&rd);
		ArkaDecisionRow row;

		arka_decide_proof(&dec);
		if (dec.d.outcome == ARKA_ACTION_BLOCK && prot->mode == 'b')
		{
			Jsonb	   *result = arka_decision_jsonb(&dec);

			emit_rejection(table_name, row_key, operation, result);
			reject_row(rel, &dec, result);
		}
		row = (ArkaDecisionRow) {
			.table_name = table_name,
			.row_key = row_key,
			.operation = operation,
			.mode = mode_name(prot->mode),
			.outcome = arka_action_name(dec.d.outcome),
			.violations = arka_violations_jsonb(&dec),
			.rule_versions = rule_versions(&dec),
			.ruleset_version = dec.sel->digest_hex,
			.proof_id = dec.proof
		};
		arka_record_decision(&row);
	}
	arka_eval_end();
	return PointerGetDatum(tuple);
}

/* arka._check_mapping(tbl, mapping): validate a mapping against a table. */
Datum
arka_check_mapping(PG_FUNCTION_ARGS)
{
	Oid			relid = PG_GETARG_OID(0);
	Relation	rel;

	if (PG_ARGISNULL(1))
		PG_RETURN_VOID();
	rel = table_open(relid, AccessShareLock);
	arka_validate_mapping(RelationGetDescr(rel), PG_GETARG_JSONB_P(1),
						  RelationGetRelationName(rel));
	table_close(rel, AccessShareLock);
	PG_RETURN_VOID();
}

/*
 * arka._dry_run(tbl, row_limit): decide up to row_limit existing rows as
 * the trigger would, writing and rejecting nothing.  Reports
 * {"rows_checked", "would_block", "would_review", "would_fail",
 * "limit_reached"}.
 */
Datum
arka_dry_run(PG_FUNCTION_ARGS)
{
	Oid			relid = PG_GETARG_OID(0);
	int64		limit = PG_GETARG_INT64(1);
	ArkaRuleset *rs = arka_get_ruleset();
	ArkaProtection *prot = arka_get_protection(relid);
	Portal		portal;
	ArkaTableProgram *tp = NULL;
	int64		checked = 0,
				block = 0,
				review = 0,
				failed = 0;
	bool		limit_reached = false;
	char	   *query;
	MemoryContext rowcxt;
	MemoryContext old;

	arka_eval_begin();
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "arka: SPI_connect failed");
	query = psprintf("SELECT * FROM %s", quote_qualified_identifier(
																	get_namespace_name(get_rel_namespace(relid)),
																	get_rel_name(relid)));
	portal = SPI_cursor_open_with_args(NULL, query, 0, NULL, NULL, NULL, true, 0);
	/* what a row allocates (detoasted values, keys) goes with the row */
	rowcxt = AllocSetContextCreate(CurrentMemoryContext, "arka dry run row", ALLOCSET_DEFAULT_SIZES);
	for (;;)
	{
		SPI_cursor_fetch(portal, true, 10000);
		if (SPI_processed == 0)
			break;
		if (tp == NULL)
			tp = arka_table_program_for_desc(SPI_tuptable->tupdesc,
											 prot ? prot->mapping : NULL, rs);
		for (uint64 i = 0; i < SPI_processed; i++)
		{
			ArkaRowDoc	rd;
			ArkaDecisionCtx dec;

			if (checked >= limit)
			{
				limit_reached = true;
				break;
			}
			old = MemoryContextSwitchTo(rowcxt);
			arka_row_doc_init(&rd, tp, SPI_tuptable->vals[i], NULL, arka_eval_arena());
			if (!arka_decide(&dec, rs,
							 arka_get_selection(rs, prot ? prot->jurisdictions : NULL,
												prot ? prot->domains : NULL, prot != NULL),
							 &rd.src))
				failed++;
			else if (dec.d.outcome == ARKA_ACTION_BLOCK)
				block++;
			else if (dec.d.outcome == ARKA_ACTION_REVIEW)
				review++;
			checked++;
			MemoryContextSwitchTo(old);
			MemoryContextReset(rowcxt);
		}
		SPI_freetuptable(SPI_tuptable);
		if (limit_reached)
			break;
		CHECK_FOR_INTERRUPTS();
	}
	SPI_cursor_close(portal);
	SPI_finish();
	if (tp != NULL)
		arka_table_program_free(tp);
	arka_eval_end();
	PG_RETURN_JSONB_P(DatumGetJsonbP(DirectFunctionCall1(jsonb_in,
		CStringGetDatum(psprintf("{\"existing_rows_checked\": " INT64_FORMAT
								 ", \"would_block\": " INT64_FORMAT
								 ", \"would_review\": " INT64_FORMAT
								 ", \"would_fail\": " INT64_FORMAT
								 ", \"limit_reached\": %s}",
								 checked, block, review, failed,
								 limit_reached ? "true" : "false")))));
}
