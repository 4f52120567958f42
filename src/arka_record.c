/*-------------------------------------------------------------------------
 *
 * arka_record.c
 *	  The trigger's writer of decision rows into arka.decisions.
 *
 * A recorded decision (a review, a logged block, a fail-open error) is a
 * row of arka.decisions written in the writing transaction.  No SQL runs:
 * no executor start-up per row, no name lookup the writer could influence,
 * and writers need no privilege on the table.  Still, the table is a user
 * table that DBAs extend, so the insert is the executor's: index entries
 * through ExecInsertIndexTuples (expression and partial indexes, exclusion
 * constraints), CHECK and NOT NULL constraints, stored generated columns
 * and the defaults of columns arka does not fill.  (Triggers on
 * arka.decisions do not fire; docs/protect.md says so.)
 *
 * Opening the table, its indexes and an executor state costs more than the
 * insert itself, so the writer stays open for the rest of the transaction,
 * held by the top transaction's resource owner, and is closed
 *   - before commit or prepare;
 *   - before any utility command (TRUNCATE, ALTER TABLE, CREATE or DROP
 *     INDEX, DROP EXTENSION... would otherwise find the table in use);
 *   - at its next use after an invalidation of arka.decisions (a new
 *     index, column or constraint);
 * and forgotten at abort, whose resource owner releases what it held.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/table.h"
#include "access/tableam.h"
#include "access/xact.h"
#include "catalog/pg_type.h"
#include "commands/sequence.h"
#include "executor/executor.h"
#include "executor/nodeModifyTable.h"
#include "miscadmin.h"
#include "rewrite/rewriteHandler.h"
#include "storage/proc.h"
#include "tcop/utility.h"
#include "utils/builtins.h"
#include "utils/inval.h"
#include "utils/memutils.h"
#include "utils/rel.h"
#include "utils/resowner.h"
#include "utils/xid8.h"

#include "arka_cache.h"
#include "arka_record.h"

/* The columns arka fills, in the table's order. */
typedef enum DecisionCol
{
	DC_DECISION_ID,
	DC_TABLE_NAME,
	DC_ROW_KEY,
	DC_OPERATION,
	DC_MODE,
	DC_OUTCOME,
	DC_VIOLATIONS,
	DC_RULE_VERSIONS,
	DC_RULESET_VERSION,
	DC_PROOF_ID,
	DC_NOTE,
	DC_XID,
	DC_DECIDED_BY,
	DC_DECIDED_AT,
	DC_NCOLS
} DecisionCol;

static const char *const decision_col_names[DC_NCOLS] = {
	"decision_id", "table_name", "row_key", "operation", "mode", "outcome",
	"violations", "rule_versions", "ruleset_version", "proof_id", "note", "xid",
	"decided_by", "decided_at"
};

/* Their types: the datums arka stores are of exactly these. */
static const Oid decision_col_types[DC_NCOLS] = {
	INT8OID, TEXTOID, JSONBOID, TEXTOID, TEXTOID, TEXTOID,
	JSONBOID, JSONBOID, TEXTOID, TEXTOID, TEXTOID, XID8OID,
	NAMEOID, TIMESTAMPTZOID
};

typedef struct DecisionWriter
{
	LocalTransactionId lxid;	/* the transaction that opened it */
	bool		ready;			/* fully opened */
	bool		stale;			/* invalidated: close and reopen at next use */
	bool		busy;			/* inside an insert: only mark stale */
	SubTransactionId busy_subxid;	/* the subtransaction of that insert */
	Oid			relid;
	Relation	rel;			/* NULL: closed */
	EState	   *estate;			/* its memory holds everything below */
	ResultRelInfo *rri;
	bool		indices_open;
	TupleTableSlot *slot;
	AttrNumber	attnum[DC_NCOLS];
	int			ndefaults;		/* other columns with a default */
	AttrNumber *default_att;
	ExprState **default_expr;
	Oid			user;			/* decided_by: the last user and its name */
	Datum		user_name;
} DecisionWriter;

static DecisionWriter writer;
static ProcessUtility_hook_type prev_process_utility = NULL;

/* Drop the writer's pointers without touching them (abort released them). */
static void
writer_forget(void)
{
	memset(&writer, 0, sizeof(writer));
}

/* Close whatever is open, as the top transaction's resource owner. */
static void
writer_close(void)
{
	ResourceOwner save_owner = CurrentResourceOwner;

	CurrentResourceOwner = TopTransactionResourceOwner;
	if (writer.slot != NULL)
		ExecDropSingleTupleTableSlot(writer.slot);
	if (writer.indices_open)
		ExecCloseIndices(writer.rri);
	if (writer.rel != NULL)
		table_close(writer.rel, NoLock);
	if (writer.estate != NULL)
		FreeExecutorState(writer.estate);
	CurrentResourceOwner = save_owner;
	writer_forget();
}

/*
 * Open arka.decisions for inserts until the end of the transaction: its
 * indexes, a slot, its columns' positions and the other columns' defaults.
 * Each resource is noted as soon as it is held, so an error half-way
 * leaves a writer that the next use or the commit closes.
 */
static void
writer_open(void)
{
	ResourceOwner save_owner = CurrentResourceOwner;
	MemoryContext save_cxt = CurrentMemoryContext;

	if (!OidIsValid(arka_decisions_relid) || !OidIsValid(arka_decisions_seqid))
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_TABLE),
				 errmsg("arka.decisions is missing"),
				 errhint("Reinstall the extension: DROP EXTENSION arka; CREATE EXTENSION arka.")));
	writer.lxid = MyProc->lxid;
	writer.relid = arka_decisions_relid;
	PG_TRY();
	{
		TupleDesc	desc;
		bool		known[MaxHeapAttributeNumber];

		CurrentResourceOwner = TopTransactionResourceOwner;
		MemoryContextSwitchTo(TopTransactionContext);
		writer.rel = table_open(writer.relid, RowExclusiveLock);
		writer.estate = CreateExecutorState();
		MemoryContextSwitchTo(writer.estate->es_query_cxt);
		writer.rri = makeNode(ResultRelInfo);
		InitResultRelInfo(writer.rri, writer.rel, 0, NULL, 0);
		ExecOpenIndices(writer.rri, false);
		writer.indices_open = true;
		writer.slot = table_slot_create(writer.rel, NULL);

		desc = RelationGetDescr(writer.rel);
		memset(known, 0, sizeof(known));
		for (int c = 0; c < DC_NCOLS; c++)
		{
			AttrNumber	att = InvalidAttrNumber;

			for (int i = 0; i < desc->natts && att == InvalidAttrNumber; i++)
				if (!TupleDescAttr(desc, i)->attisdropped &&
					strcmp(NameStr(TupleDescAttr(desc, i)->attname), decision_col_names[c]) == 0)
					att = i + 1;
			if (att == InvalidAttrNumber)
				ereport(ERROR,
						(errcode(ERRCODE_UNDEFINED_COLUMN),
						 errmsg("arka.decisions has no column \"%s\"", decision_col_names[c]),
						 errdetail("arka records decisions into the columns the extension created."),
						 errhint("Restore the column, or reinstall the extension.")));
			if (TupleDescAttr(desc, att - 1)->atttypid != decision_col_types[c])
				ereport(ERROR,
						(errcode(ERRCODE_DATATYPE_MISMATCH),
						 errmsg("column \"%s\" of arka.decisions has type %s, but arka records %s there",
								decision_col_names[c],
								format_type_be(TupleDescAttr(desc, att - 1)->atttypid),
								format_type_be(decision_col_types[c])),
						 errdetail("arka writes decisions into the columns as the extension created them."),
						 errhint("Restore the type: ALTER TABLE arka.decisions ALTER COLUMN %s TYPE %s.",
								 decision_col_names[c], format_type_be(decision_col_types[c]))));
			writer.attnum[c] = att;
			known[att - 1] = true;
		}
		writer.default_att = palloc(sizeof(AttrNumber) * desc->natts);
		writer.default_expr = palloc(sizeof(ExprState *) * desc->natts);
		for (int i = 0; i < desc->natts; i++)
		{
			Form_pg_attribute att = TupleDescAttr(desc, i);
			Node	   *def;

			if (known[i] || att->attisdropped || att->attgenerated)
				continue;
			def = build_column_default(writer.rel, i + 1);
			if (def == NULL)
				continue;
			writer.default_att[writer.ndefaults] = i + 1;
			writer.default_expr[writer.ndefaults++] = ExecPrepareExpr((Expr *) def, writer.estate);
		}
		writer.ready = true;
	}
	PG_FINALLY();
	{
		CurrentResourceOwner = save_owner;
		MemoryContextSwitchTo(save_cxt);
	}
	PG_END_TRY();
}

/* decided_by: the current user's name, looked up once per user. */
static Datum
current_user_name(void)
{
	Oid			user = GetUserId();

	if (writer.user_name == (Datum) 0 || writer.user != user)
	{
		MemoryContext old = MemoryContextSwitchTo(writer.estate->es_query_cxt);

		writer.user_name = DirectFunctionCall1(namein,
											   CStringGetDatum(GetUserNameFromId(user, false)));
		writer.user = user;
		MemoryContextSwitchTo(old);
	}
	return writer.user_name;
}

static inline void
set_text(Datum *values, bool *isnull, AttrNumber att, const char *s)
{
	if (s != NULL)
	{
		values[att - 1] = CStringGetTextDatum(s);
		isnull[att - 1] = false;
	}
}

void
arka_record_decision(const ArkaDecisionRow *row)
{
	TupleTableSlot *slot;
	EState	   *estate;
	Datum	   *values;
	bool	   *isnull;
	TupleConstr *constr;

	/* a writer of an earlier transaction was released with it */
	if (writer.rel != NULL && writer.lxid != MyProc->lxid)
		writer_forget();

	/*
	 * Recording into the row being filled: arka_eval_begin already refuses
	 * the only way there (a default writing to a protected table).
	 */
	if (writer.busy)
		elog(ERROR, "arka: a decision was recorded while another was being recorded");
	if (writer.rel != NULL && (writer.stale || !writer.ready))
		writer_close();

	/*
	 * From here on the user's code can run (defaults, constraints, index
	 * expressions, even the constant folding of their planning): a utility
	 * command it runs only marks the writer stale instead of closing it.
	 */
	writer.busy = true;
	writer.busy_subxid = GetCurrentSubTransactionId();
	if (writer.rel == NULL)
		writer_open();

	slot = writer.slot;
	estate = writer.estate;
	ExecClearTuple(slot);
	values = slot->tts_values;
	isnull = slot->tts_isnull;
	memset(isnull, true, sizeof(bool) * slot->tts_tupleDescriptor->natts);

	values[writer.attnum[DC_DECISION_ID] - 1] =
		Int64GetDatum(nextval_internal(arka_decisions_seqid, false));
	isnull[writer.attnum[DC_DECISION_ID] - 1] = false;
	set_text(values, isnull, writer.attnum[DC_TABLE_NAME], row->table_name);
	if (row->row_key != NULL)
	{
		values[writer.attnum[DC_ROW_KEY] - 1] = JsonbPGetDatum(row->row_key);
		isnull[writer.attnum[DC_ROW_KEY] - 1] = false;
	}
	set_text(values, isnull, writer.attnum[DC_OPERATION], row->operation);
	set_text(values, isnull, writer.attnum[DC_MODE], row->mode);
	set_text(values, isnull, writer.attnum[DC_OUTCOME], row->outcome);
	values[writer.attnum[DC_VIOLATIONS] - 1] = JsonbPGetDatum(row->violations);
	isnull[writer.attnum[DC_VIOLATIONS] - 1] = false;
	values[writer.attnum[DC_RULE_VERSIONS] - 1] = JsonbPGetDatum(row->rule_versions);
	isnull[writer.attnum[DC_RULE_VERSIONS] - 1] = false;
	set_text(values, isnull, writer.attnum[DC_RULESET_VERSION], row->ruleset_version);
	set_text(values, isnull, writer.attnum[DC_PROOF_ID], row->proof_id);
	set_text(values, isnull, writer.attnum[DC_NOTE], row->note);
	values[writer.attnum[DC_XID] - 1] = FullTransactionIdGetDatum(GetTopFullTransactionId());
	isnull[writer.attnum[DC_XID] - 1] = false;
	values[writer.attnum[DC_DECIDED_BY] - 1] = current_user_name();
	isnull[writer.attnum[DC_DECIDED_BY] - 1] = false;
	values[writer.attnum[DC_DECIDED_AT] - 1] =
		TimestampTzGetDatum(GetCurrentTransactionStartTimestamp());
	isnull[writer.attnum[DC_DECIDED_AT] - 1] = false;
	for (int i = 0; i < writer.ndefaults; i++)
	{
		AttrNumber	att = writer.default_att[i];

		values[att - 1] = ExecEvalExprSwitchContext(writer.default_expr[i],
													GetPerTupleExprContext(estate),
													&isnull[att - 1]);
	}
	ExecStoreVirtualTuple(slot);

	constr = RelationGetDescr(writer.rel)->constr;
	if (constr != NULL && constr->has_generated_stored)
		ExecComputeStoredGenerated(writer.rri, estate, slot, CMD_INSERT);
	if (constr != NULL)
		ExecConstraints(writer.rri, slot, estate);
	table_tuple_insert(writer.rel, slot, GetCurrentCommandId(true), 0, NULL);
	if (writer.rri->ri_NumIndices > 0)
		list_free(ExecInsertIndexTuples(writer.rri, slot, estate, false, false, NULL, NIL));
	ExecClearTuple(slot);
	ResetPerTupleExprContext(estate);
	writer.busy = false;
}

/* A change to arka.decisions (index, column, constraint): reopen. */
static void
record_relcache_callback(Datum arg, Oid relid)
{
	if (writer.rel != NULL && (relid == InvalidOid || relid == writer.relid))
		writer.stale = true;
}

static void
record_xact_callback(XactEvent event, void *arg)
{
	switch (event)
	{
		case XACT_EVENT_PRE_COMMIT:
		case XACT_EVENT_PRE_PREPARE:
			if (writer.rel != NULL && writer.lxid == MyProc->lxid)
				writer_close();
			writer_forget();
			break;
		case XACT_EVENT_ABORT:
		case XACT_EVENT_PARALLEL_ABORT:
			writer_forget();
			break;
		default:
			break;
	}
}

/*
 * An error out of an insert leaves the writer's executor state mid-way:
 * it is reopened at its next use (the top transaction still holds it).
 * Only the abort of the insert's own subtransaction ends the insert: one
 * that a default's function opened and caught inside it does not.
 */
static void
record_subxact_callback(SubXactEvent event, SubTransactionId mySubid,
						SubTransactionId parentSubid, void *arg)
{
	if (event == SUBXACT_EVENT_ABORT_SUB && writer.busy && mySubid == writer.busy_subxid)
	{
		writer.busy = false;
		writer.stale = true;
	}
}

/*
 * Close the writer before any utility command, which could otherwise find
 * arka.decisions in use by this session.  Inside an insert (a utility run
 * by an index expression's function) it is only marked for reopening.
 */
static void
record_process_utility(PlannedStmt *pstmt, const char *queryString, bool readOnlyTree,
					   ProcessUtilityContext context, ParamListInfo params,
					   QueryEnvironment *queryEnv, DestReceiver *dest, QueryCompletion *qc)
{
	if (writer.rel != NULL && writer.lxid == MyProc->lxid && IsTransactionState())
	{
		if (writer.busy)
			writer.stale = true;
		else
			writer_close();
	}
	if (prev_process_utility)
		prev_process_utility(pstmt, queryString, readOnlyTree, context, params, queryEnv,
							 dest, qc);
	else
		standard_ProcessUtility(pstmt, queryString, readOnlyTree, context, params, queryEnv,
								dest, qc);
}

void
arka_record_init(void)
{
	CacheRegisterRelcacheCallback(record_relcache_callback, (Datum) 0);
	RegisterXactCallback(record_xact_callback, NULL);
	RegisterSubXactCallback(record_subxact_callback, NULL);
	prev_process_utility = ProcessUtility_hook;
	ProcessUtility_hook = record_process_utility;
}
