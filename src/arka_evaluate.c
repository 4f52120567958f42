/*-------------------------------------------------------------------------
 *
 * arka_evaluate.c
 *	  SQL entry points that evaluate: arka_evaluate, arka_explain_proof,
 *	  arka_apply, and the rule validator behind arka_define_rule.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "fmgr.h"
#include "miscadmin.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/memutils.h"
#include "utils/jsonb.h"

#include "arka.h"
#include "arka_cache.h"
#include "arka_jsonb.h"
#include "arka_proof.h"

PG_FUNCTION_INFO_V1(arka_evaluate);
PG_FUNCTION_INFO_V1(arka_explain_proof);
PG_FUNCTION_INFO_V1(arka_apply);
PG_FUNCTION_INFO_V1(arka_check_logic);

/* Reused across calls: steady-state evaluation does no malloc. */
static ArkaArena eval_arena;
static bool eval_arena_ready = false;
static ArkaBuf canon_buf;

/*
 * The rule selection of the last call.  Batches call with the same
 * filters, so the selection (and its digest) is computed once per
 * ruleset, filter and day rather than per document.
 */
typedef struct SelectionCache
{
	ArkaRuleset *rs;
	int64		builds;
	int32		day;
	char	   *jur_key;		/* NULL = no filter */
	char	   *dom_key;
	ArkaArena	arena;
	ArkaSelection sel;
	bool		valid;
} SelectionCache;

static SelectionCache selcache;

static ArkaArena *
get_eval_arena(void)
{
	if (!eval_arena_ready)
	{
		arka_arena_init(&eval_arena, 0);
		arka_buf_init(&canon_buf);
		arka_arena_init(&selcache.arena, 0);
		eval_arena_ready = true;
	}
	arka_arena_reset(&eval_arena);
	return &eval_arena;
}

/* A text[] filter as a string key ("\x1f"-joined), or NULL for no filter. */
static char *
filter_key(FunctionCallInfo fcinfo, int argno, ArkaStrList *list, ArkaArena *arena)
{
	ArrayType  *arr;
	Datum	   *elems;
	bool	   *nulls;
	int			n;
	StringInfoData key;

	if (PG_NARGS() <= argno || PG_ARGISNULL(argno))
		return NULL;
	arr = PG_GETARG_ARRAYTYPE_P(argno);
	deconstruct_array(arr, TEXTOID, -1, false, TYPALIGN_INT, &elems, &nulls, &n);
	initStringInfo(&key);
	if (list)
	{
		list->n = 0;
		list->items = arka_arena_alloc(arena, sizeof(char *) * (n ? n : 1));
		list->lens = arka_arena_alloc(arena, sizeof(size_t) * (n ? n : 1));
		if (list->items == NULL || list->lens == NULL)
			ereport(ERROR, (errcode(ERRCODE_OUT_OF_MEMORY), errmsg("out of memory")));
	}
	for (int i = 0; i < n; i++)
	{
		char	   *s;

		if (nulls[i])
			continue;
		s = TextDatumGetCString(elems[i]);
		appendStringInfoString(&key, s);
		appendStringInfoChar(&key, '\x1f');
		if (list)
		{
			list->items[list->n] = arka_arena_strdup(arena, s, strlen(s));
			list->lens[list->n] = strlen(s);
			list->n++;
		}
	}
	return key.data;
}

static bool
same_key(const char *a, const char *b)
{
	if (a == NULL || b == NULL)
		return a == b;
	return strcmp(a, b) == 0;
}

/* Selection for this call's filters, cached while they repeat. */
static ArkaSelection *
get_selection(FunctionCallInfo fcinfo, ArkaRuleset *rs)
{
	char	   *jur = filter_key(fcinfo, 1, NULL, NULL);
	char	   *dom = filter_key(fcinfo, 2, NULL, NULL);
	int32		day = arka_evaluation_day();
	ArkaStrList jl,
				dl;

	if (selcache.valid && selcache.rs == rs && selcache.builds == arka_ruleset_builds &&
		selcache.day == day && same_key(selcache.jur_key, jur) &&
		same_key(selcache.dom_key, dom))
		return &selcache.sel;

	selcache.valid = false;
	arka_arena_reset(&selcache.arena);
	filter_key(fcinfo, 1, &jl, &selcache.arena);
	filter_key(fcinfo, 2, &dl, &selcache.arena);
	if (!arka_ruleset_select(rs, jur ? &jl : NULL, dom ? &dl : NULL, day,
							 &selcache.arena, &selcache.sel))
		ereport(ERROR, (errcode(ERRCODE_OUT_OF_MEMORY), errmsg("out of memory")));
	if (selcache.jur_key)
		pfree(selcache.jur_key);
	if (selcache.dom_key)
		pfree(selcache.dom_key);
	selcache.jur_key = jur ? MemoryContextStrdup(TopMemoryContext, jur) : NULL;
	selcache.dom_key = dom ? MemoryContextStrdup(TopMemoryContext, dom) : NULL;
	selcache.rs = rs;
	selcache.builds = arka_ruleset_builds;
	selcache.day = day;
	selcache.valid = true;
	return &selcache.sel;
}

/* Map an engine error to an ereport (never returns). */
static void
report_engine_error(const ArkaError *err, const char *rule_id, int errcode_default)
{
	int			code = errcode_default;

	if (err->code == ARKA_ERR_INTERRUPTED)
	{
		CHECK_FOR_INTERRUPTS();
		ereport(ERROR,
				(errcode(ERRCODE_QUERY_CANCELED),
				 errmsg("canceling arka evaluation")));
	}
	if (errcode_default == 0)
	{
		switch (err->code)
		{
			case ARKA_ERR_DIVZERO:
				code = ERRCODE_DIVISION_BY_ZERO;
				break;
			case ARKA_ERR_RANGE:
				code = ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE;
				break;
			case ARKA_ERR_LIMIT:
				code = ERRCODE_PROGRAM_LIMIT_EXCEEDED;
				break;
			case ARKA_ERR_UNKNOWN_OP:
				code = ERRCODE_UNDEFINED_FUNCTION;
				break;
			case ARKA_ERR_UNKNOWN_LIST:
				code = ERRCODE_UNDEFINED_OBJECT;
				break;
			default:
				code = ERRCODE_INVALID_PARAMETER_VALUE;
				break;
		}
	}
	if (rule_id)
		ereport(ERROR,
				(errcode(code),
				 errmsg("arka could not evaluate rule \"%s\": %s", rule_id, err->message),
				 errdetail("The error is at %s in the rule's logic.", err->path),
				 errhint("No decision was made: arka fails closed.  Fix the rule "
						 "(arka_define_rule) or the document.")));
	ereport(ERROR,
			(errcode(code),
			 errmsg("%s", err->message),
			 errdetail("The error is at %s in the logic.", err->path)));
}

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

typedef struct Decision
{
	ArkaRuleset *rs;
	ArkaSelection *sel;
	ArkaEval	ev;
	ArkaDecision d;
	char		proof[65];
	ArkaBuf		leaf;
} Decision;

/* Evaluate the selected rules and compute the proof id. */
static void
decide(FunctionCallInfo fcinfo, Jsonb *doc, Decision *dec, bool want_leaf)
{
	ArkaArena  *arena = get_eval_arena();
	int			failed;
	uint8_t		digest[32];

	dec->rs = arka_get_ruleset();
	dec->sel = get_selection(fcinfo, dec->rs);
	if (!arka_eval_init(&dec->ev, arena, &dec->rs->paths, &arka_jsonb_doc_ops, &doc->root,
						&dec->rs->lists))
		report_engine_error(&dec->ev.err, NULL, 0);
	dec->ev.interrupt = arka_interrupt_pending;
	if (!arka_ruleset_evaluate(dec->rs, dec->sel, &dec->ev, &dec->d, &failed))
		report_engine_error(&dec->ev.err,
							failed >= 0 ? dec->rs->rules[failed].rule_id : NULL,
							ERRCODE_ARKA_EVALUATION);

	canon_buf.len = 0;
	arka_jsonb_canon(&doc->root, &canon_buf);
	if (canon_buf.oom)
		ereport(ERROR, (errcode(ERRCODE_OUT_OF_MEMORY), errmsg("out of memory")));
	arka_doc_digest(canon_buf.data, canon_buf.len, digest);
	arka_buf_init(&dec->leaf);
	arka_proof_id(digest, dec->rs, dec->sel, &dec->d, dec->proof,
				  want_leaf ? &dec->leaf : NULL);
}

static void
push_key(JsonbParseState **ps, const char *key)
{
	JsonbValue	k;

	k.type = jbvString;
	k.val.string.val = (char *) key;
	k.val.string.len = strlen(key);
	pushJsonbValue(ps, WJB_KEY, &k);
}

static void
push_string(JsonbParseState **ps, JsonbIteratorToken tok, const char *s)
{
	JsonbValue	v;

	if (s == NULL)
		v.type = jbvNull;
	else
	{
		v.type = jbvString;
		v.val.string.val = (char *) s;
		v.val.string.len = strlen(s);
	}
	pushJsonbValue(ps, tok, &v);
}

/* One violation: the rule and the document values it read (evidence). */
static void
push_violation(JsonbParseState **ps, Decision *dec, const ArkaRule *r)
{
	JsonbValue	v;

	pushJsonbValue(ps, WJB_BEGIN_OBJECT, NULL);
	push_key(ps, "rule_id");
	push_string(ps, WJB_VALUE, r->rule_id);
	push_key(ps, "version");
	v.type = jbvNumeric;
	v.val.numeric = int64_to_numeric(r->version);
	pushJsonbValue(ps, WJB_VALUE, &v);
	push_key(ps, "jurisdiction");
	push_string(ps, WJB_VALUE, r->jurisdiction);
	push_key(ps, "domain");
	push_string(ps, WJB_VALUE, r->domain);
	push_key(ps, "action");
	push_string(ps, WJB_VALUE, arka_action_name(r->action));
	push_key(ps, "severity");
	push_string(ps, WJB_VALUE, r->severity);
	push_key(ps, "description");
	push_string(ps, WJB_VALUE, r->description);
	push_key(ps, "evidence");
	pushJsonbValue(ps, WJB_BEGIN_OBJECT, NULL);
	for (int i = 0; i < r->nslots; i++)
	{
		int			slot = r->slots[i];
		const ArkaPath *p = &dec->rs->paths.paths[slot];
		JsonbValue	k;
		ArkaValue	null_value = arka_null();

		if (dec->ev.slot_state[slot] == ARKA_SLOT_UNKNOWN)
			continue;			/* not read: short-circuited */
		k.type = jbvString;
		k.val.string.val = (char *) (p->textlen ? p->text : "$");
		k.val.string.len = p->textlen ? p->textlen : 1;
		pushJsonbValue(ps, WJB_KEY, &k);
		arka_push_value(ps, WJB_VALUE,
						dec->ev.slot_state[slot] == ARKA_SLOT_FOUND ?
						&dec->ev.slot_vals[slot] : &null_value);
	}
	pushJsonbValue(ps, WJB_END_OBJECT, NULL);
	pushJsonbValue(ps, WJB_END_OBJECT, NULL);
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
	Decision	dec;
	JsonbParseState *ps = NULL;
	JsonbValue	v;
	JsonbValue *res;
	char		rulesver[65];

	decide(fcinfo, doc, &dec, false);

	pushJsonbValue(&ps, WJB_BEGIN_OBJECT, NULL);
	push_key(&ps, "compliant");
	v.type = jbvBool;
	v.val.boolean = dec.d.outcome != ARKA_ACTION_BLOCK;
	pushJsonbValue(&ps, WJB_VALUE, &v);
	push_key(&ps, "outcome");
	push_string(&ps, WJB_VALUE, arka_action_name(dec.d.outcome));
	push_key(&ps, "violations");
	pushJsonbValue(&ps, WJB_BEGIN_ARRAY, NULL);
	for (int i = 0; i < dec.d.nfired; i++)
		push_violation(&ps, &dec, &dec.rs->rules[dec.d.fired[i]]);
	pushJsonbValue(&ps, WJB_END_ARRAY, NULL);
	push_key(&ps, "ruleset_version");
	arka_hex(dec.sel->digest, 32, rulesver);
	push_string(&ps, WJB_VALUE, rulesver);
	push_key(&ps, "proof");
	pushJsonbValue(&ps, WJB_BEGIN_OBJECT, NULL);
	push_key(&ps, "proof_id");
	push_string(&ps, WJB_VALUE, dec.proof);
	push_key(&ps, "alg");
	push_string(&ps, WJB_VALUE, "sha256");
	pushJsonbValue(&ps, WJB_END_OBJECT, NULL);
	res = pushJsonbValue(&ps, WJB_END_OBJECT, NULL);

	PG_RETURN_JSONB_P(JsonbValueToJsonb(res));
}

/* arka_explain_proof: the leaf text hashed into arka_evaluate's proof id. */
Datum
arka_explain_proof(PG_FUNCTION_ARGS)
{
	Jsonb	   *doc = document_arg(fcinfo);
	Decision	dec;
	text	   *t;

	decide(fcinfo, doc, &dec, true);
	if (dec.leaf.oom)
		ereport(ERROR, (errcode(ERRCODE_OUT_OF_MEMORY), errmsg("out of memory")));
	t = cstring_to_text_with_len(dec.leaf.data, dec.leaf.len);
	arka_buf_free(&dec.leaf);
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

	if (PG_ARGISNULL(0))
		PG_RETURN_NULL();
	rs = arka_get_ruleset();
	opts.lists = &rs->lists;
	arena = get_eval_arena();
	arka_jsonb_to_value(&PG_GETARG_JSONB_P(0)->root, arena, &logic);
	if (PG_NARGS() > 1 && !PG_ARGISNULL(1))
		arka_jsonb_to_value(&PG_GETARG_JSONB_P(1)->root, arena, &data);
	node = arka_logic_compile(&logic, arena, &opts, &err);
	if (node == NULL)
		report_engine_error(&err, NULL, 0);
	arka_eval_init(&ev, arena, NULL, &arka_value_doc_ops, &data, &rs->lists);
	ev.interrupt = arka_interrupt_pending;
	if (!arka_logic_eval(&ev, node, &result))
		report_engine_error(&ev.err, NULL, 0);
	PG_RETURN_JSONB_P(arka_value_to_jsonb(&result));
}

/*
 * arka._check_logic(logic): compile strictly, as a rule definition must:
 * unknown operators and unknown lists are refused, naming the JSON path.
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

	arka_arena_init(&arena, 0);
	PG_TRY();
	{
		opts.lists = arka_load_list_names(&arena);
		arka_jsonb_to_value(&jb->root, &arena, &logic);
		if (arka_logic_compile(&logic, &arena, &opts, &err) == NULL)
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
