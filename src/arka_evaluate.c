/*-------------------------------------------------------------------------
 *
 * arka_evaluate.c
 *	  SQL entry points that evaluate: arka_evaluate, arka_explain_proof,
 *	  arka_apply, and the rule validator behind arka_define_rule.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "fmgr.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/jsonb.h"

#include "arka.h"
#include "arka_cache.h"
#include "arka_decision.h"
#include "arka_jsonb.h"

PG_FUNCTION_INFO_V1(arka_evaluate);
PG_FUNCTION_INFO_V1(arka_explain_proof);
PG_FUNCTION_INFO_V1(arka_apply);
PG_FUNCTION_INFO_V1(arka_check_logic);

/* The document argument: a non-null JSON object. */
static Jsonb *
document_arg(FunctionCallInfo fcinfo)
{
	Jsonb	   *doc;

	if (PG_ARGISNULL(0))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("arka cannot evaluate a null document"),
				 errhint("Pass the transaction as a jsonb object, e.g. to_jsonb(row).")));
	doc = PG_GETARG_JSONB_P(0);
	if (!JB_ROOT_IS_OBJECT(doc))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("arka documents must be JSON objects"),
				 errdetail("The document is a JSON %s.",
						   JB_ROOT_IS_SCALAR(doc) ? "scalar" : "array"),
				 errhint("Pass the transaction as a jsonb object, e.g. to_jsonb(row).")));
	return doc;
}

static void
jsonb_doc_canon(void *doc, ArkaBuf *buf)
{
	arka_jsonb_canon((JsonbContainer *) doc, buf);
}

static bool
jsonb_doc_evidence(void *doc, const ArkaPath *path, JsonbValue *out)
{
	return arka_jsonb_path_jbv((JsonbContainer *) doc, path, out);
}

/*
 * Decide a jsonb document for the calling SQL function, proof included.
 * It claims the evaluation memory; the caller releases it (arka_eval_end)
 * once it has read the decision.
 */
static void
decide_jsonb(FunctionCallInfo fcinfo, Jsonb *doc, ArkaDecisionCtx *dec, ArkaDocSource *src)
{
	ArkaRuleset *rs = arka_get_ruleset();
	ArkaSelection *sel;

	arka_eval_begin();
	sel = arka_get_selection(rs,
							 PG_NARGS() > 1 && !PG_ARGISNULL(1) ? PG_GETARG_ARRAYTYPE_P(1) : NULL,
							 PG_NARGS() > 2 && !PG_ARGISNULL(2) ? PG_GETARG_ARRAYTYPE_P(2) : NULL,
							 false);
	src->ops = &arka_jsonb_doc_ops;
	src->doc = &doc->root;
	src->canon = jsonb_doc_canon;
	src->evidence = jsonb_doc_evidence;
	if (!arka_decide(dec, rs, sel, src))
		arka_report_engine_error(&dec->ev.err,
								 dec->failed_rule >= 0 ? rs->rules[dec->failed_rule].rule_id : NULL,
								 ERRCODE_ARKA_EVALUATION);
	arka_decide_proof(dec);
}

/*
 * arka_evaluate(doc, jurisdictions, domains): the decision as the v1
 * result object (DESIGN.md): compliant, outcome, violations,
 * ruleset_version, proof.
 */
Datum
arka_evaluate(PG_FUNCTION_ARGS)
{
	Jsonb	   *doc = document_arg(fcinfo);
	ArkaDecisionCtx dec;
	ArkaDocSource src;

	Jsonb	   *result;

	decide_jsonb(fcinfo, doc, &dec, &src);
	result = arka_decision_jsonb(&dec);
	arka_eval_end();
	PG_RETURN_JSONB_P(result);
}

/* arka_explain_proof: the leaf text hashed into arka_evaluate's proof id. */
Datum
arka_explain_proof(PG_FUNCTION_ARGS)
{
	Jsonb	   *doc = document_arg(fcinfo);
	ArkaDecisionCtx dec;
	ArkaDocSource src;
	text	   *t;

	decide_jsonb(fcinfo, doc, &dec, &src);
	t = cstring_to_text_with_len(dec.leaf->data, dec.leaf->len);
	arka_eval_end();
	PG_RETURN_TEXT_P(t);
}

/*
 * arka_apply(logic, data): jsonLogic.apply with exact decimals.  Unknown
 * operators fail only when evaluated, as in json-logic-js; in_list sees
 * the current named lists.
 */
Datum
arka_apply(PG_FUNCTION_ARGS)
{
	ArkaArena  *arena;
	ArkaValue	logic;
	ArkaValue	data = arka_null();
	ArkaValue	result;
	ArkaCompileOpts opts = {.strict = false, .lists = NULL, .paths = NULL};
	ArkaError	err;
	ArkaNode   *node;
	ArkaEval	ev;
	ArkaRuleset *rs;
	Jsonb	   *out;

	if (PG_ARGISNULL(0))
		PG_RETURN_NULL();
	rs = arka_get_ruleset();
	opts.lists = &rs->lists;
	arka_eval_begin();
	arena = arka_eval_arena();
	arka_jsonb_to_value(&PG_GETARG_JSONB_P(0)->root, arena, &logic);
	if (PG_NARGS() > 1 && !PG_ARGISNULL(1))
		arka_jsonb_to_value(&PG_GETARG_JSONB_P(1)->root, arena, &data);
	node = arka_logic_compile(&logic, arena, &opts, &err);
	if (node == NULL)
		arka_report_engine_error(&err, NULL, 0);
	arka_eval_init(&ev, arena, NULL, &arka_value_doc_ops, &data, &rs->lists);
	ev.interrupt = arka_interrupt_pending;
	if (!arka_logic_eval(&ev, node, &result))
		arka_report_engine_error(&ev.err, NULL, 0);
	out = arka_value_to_jsonb(&result);
	arka_eval_end();
	PG_RETURN_JSONB_P(out);
}

/*
 * arka._check_logic(logic, lists_must_exist): compile strictly, as a rule
 * definition must: unknown operators and unknown lists are refused, naming
 * the JSON path.  A restore passes lists_must_exist = false: it may load
 * the rules before the lists they use.
 */
Datum
arka_check_logic(PG_FUNCTION_ARGS)
{
	ArkaArena	arena;
	ArkaValue	logic;
	ArkaPathTable paths = {0};
	ArkaCompileOpts opts = {.strict = true, .lists = NULL, .paths = &paths};
	ArkaError	err;
	Jsonb	   *jb = PG_GETARG_JSONB_P(0);
	bool		lists_must_exist = PG_NARGS() < 2 || PG_GETARG_BOOL(1);

	arka_arena_init(&arena, 0);
	PG_TRY();
	{
		opts.lists = arka_load_list_names(&arena);
		arka_jsonb_to_value(&jb->root, &arena, &logic);
		if (arka_logic_compile(&logic, &arena, &opts, &err) == NULL &&
			(lists_must_exist || err.code != ARKA_ERR_UNKNOWN_LIST))
			ereport(ERROR,
					(errcode(err.code == ARKA_ERR_UNKNOWN_LIST ? ERRCODE_UNDEFINED_OBJECT :
							 ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("invalid rule logic at %s: %s", err.path, err.message),
					 errdetail("Nothing was stored."),
					 errhint(err.code == ARKA_ERR_UNKNOWN_LIST ?
							 "Create the list first with arka_set_list()." :
							 "Rules are JSON Logic; docs/rules.md lists the operators arka supports.")));
	}
	PG_FINALLY();
	{
		arka_arena_free(&arena);
	}
	PG_END_TRY();
	PG_RETURN_VOID();
}
