/*-------------------------------------------------------------------------
 *
 * arka_decision.c
 *	  One decision over any document: evaluate, prove, build the result.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/xact.h"
#include "catalog/pg_type.h"
#include "miscadmin.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/jsonb.h"
#include "utils/memutils.h"

#include "arka.h"
#include "arka_cache.h"
#include "arka_decision.h"
#include "arka_jsonb.h"
#include "arka_screen.h"

/* Reused across calls: steady-state evaluation does no malloc. */
static ArkaArena eval_arena;
static bool eval_arena_ready = false;
static ArkaBuf canon_buf;
static ArkaBuf leaf_buf;

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
	const ArrayType *jur_stable;	/* arrays known not to move (protections) */
	const ArrayType *dom_stable;
	bool		stable;			/* the *_stable pointers are set (NULL = no filter) */
	ArkaArena	arena;
	ArkaSelection sel;
	bool		valid;
} SelectionCache;

static SelectionCache selcache;

/*
 * The evaluation memory above has one user at a time.  An expression that
 * arka runs while it decides (a default of arka.decisions, a generated
 * column) could call arka_evaluate and reset the arena, the buffers and the
 * selection under the decision in progress, so such a nested call is
 * refused.  An error releases the claim: the (sub)transaction in which it
 * was taken aborts.
 */
static bool eval_busy = false;
static SubTransactionId eval_busy_subxid = InvalidSubTransactionId;
static bool eval_callbacks = false;

static void
eval_xact_callback(XactEvent event, void *arg)
{
	if (event == XACT_EVENT_ABORT || event == XACT_EVENT_PARALLEL_ABORT)
		eval_busy = false;
}

static void
eval_subxact_callback(SubXactEvent event, SubTransactionId mySubid,
					  SubTransactionId parentSubid, void *arg)
{
	if (event == SUBXACT_EVENT_ABORT_SUB && mySubid == eval_busy_subxid)
		eval_busy = false;
}

void
arka_eval_begin(void)
{
	if (!eval_callbacks)
	{
		RegisterXactCallback(eval_xact_callback, NULL);
		RegisterSubXactCallback(eval_subxact_callback, NULL);
		eval_callbacks = true;
	}
	if (eval_busy)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("arka cannot evaluate while it decides another document"),
				 errdetail("An expression that arka ran while deciding (a default of arka.decisions, "
						   "a generated column of a protected table) called an arka function."),
				 errhint("Call arka functions outside such expressions.")));
	eval_busy = true;
	eval_busy_subxid = GetCurrentSubTransactionId();
}

void
arka_eval_end(void)
{
	eval_busy = false;
}

bool
arka_eval_busy(void)
{
	return eval_busy;
}

ArkaArena *
arka_eval_arena(void)
{
	if (!eval_arena_ready)
	{
		arka_arena_init(&eval_arena, 0);
		arka_buf_init(&canon_buf);
		arka_buf_init(&leaf_buf);
		arka_arena_init(&selcache.arena, 0);
		eval_arena_ready = true;
	}
	arka_arena_reset(&eval_arena);
	return &eval_arena;
}

/* A text[] filter as a string key ("\x1f"-joined), or NULL for no filter. */
static char *
filter_key(ArrayType *arr, ArkaStrList *list, ArkaArena *arena)
{
	Datum	   *elems;
	bool	   *nulls;
	int			n;
	StringInfoData key;

	if (arr == NULL)
		return NULL;
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

ArkaSelection *
arka_get_selection(ArkaRuleset *rs, ArrayType *jurisdictions, ArrayType *domains, bool stable)
{
	char	   *jur;
	char	   *dom;
	int32		day = arka_evaluation_day(!stable);
	ArkaStrList jl,
				dl;

	/* the trigger's filters live as long as the ruleset: compare pointers */
	if (stable && selcache.valid && selcache.stable && selcache.rs == rs &&
		selcache.builds == arka_ruleset_builds && selcache.day == day &&
		selcache.jur_stable == jurisdictions && selcache.dom_stable == domains)
		return &selcache.sel;
	jur = filter_key(jurisdictions, NULL, NULL);
	dom = filter_key(domains, NULL, NULL);

	if (selcache.valid && selcache.rs == rs && selcache.builds == arka_ruleset_builds &&
		selcache.day == day && same_key(selcache.jur_key, jur) &&
		same_key(selcache.dom_key, dom))
	{
		selcache.jur_stable = stable ? jurisdictions : NULL;
		selcache.dom_stable = stable ? domains : NULL;
		selcache.stable = stable;
		return &selcache.sel;
	}

	selcache.valid = false;
	arka_arena_reset(&selcache.arena);
	filter_key(jurisdictions, &jl, &selcache.arena);
	filter_key(domains, &dl, &selcache.arena);
	if (!arka_ruleset_select(rs, jur ? &jl : NULL, dom ? &dl : NULL, day,
							 &selcache.arena, &selcache.sel))
		ereport(ERROR, (errcode(ERRCODE_OUT_OF_MEMORY), errmsg("out of memory")));
	if (selcache.jur_key)
		pfree(selcache.jur_key);
	if (selcache.dom_key)
		pfree(selcache.dom_key);
	selcache.jur_key = jur ? MemoryContextStrdup(TopMemoryContext, jur) : NULL;
	selcache.dom_key = dom ? MemoryContextStrdup(TopMemoryContext, dom) : NULL;
	selcache.jur_stable = stable ? jurisdictions : NULL;
	selcache.dom_stable = stable ? domains : NULL;
	selcache.stable = stable;
	selcache.rs = rs;
	selcache.builds = arka_ruleset_builds;
	selcache.day = day;
	selcache.valid = true;
	return &selcache.sel;
}

/* Map an engine error to an ereport (never returns). */
void
arka_report_engine_error(const ArkaError *err, const char *rule_id, int errcode_default)
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

bool
arka_decide(ArkaDecisionCtx *dec, ArkaRuleset *rs, ArkaSelection *sel,
			const ArkaDocSource *src)
{
	ArkaArena  *arena = arka_eval_arena();

	dec->src = src;
	dec->rs = rs;
	dec->sel = sel;
	dec->failed_rule = -1;
	dec->proof[0] = '\0';
	dec->leaf = NULL;
	if (!arka_eval_init(&dec->ev, arena, &rs->paths, src->ops, src->doc, &rs->lists))
		return false;
	dec->ev.interrupt = arka_interrupt_pending;
	dec->screening = (ArkaSanctionsCtx) {rs, arka_screen_watchlist, rs};
	dec->ev.screen = arka_sanctions_hook;
	dec->ev.screen_ctx = &dec->screening;
	if (!arka_ruleset_evaluate(rs, sel, &dec->ev, &dec->d, &dec->failed_rule))
	{
		if (dec->ev.err.code == ARKA_ERR_INTERRUPTED)
			arka_report_engine_error(&dec->ev.err, NULL, 0);
		return false;
	}
	return true;
}

void
arka_decide_proof(ArkaDecisionCtx *dec)
{
	uint8_t		digest[32];

	canon_buf.len = 0;
	dec->src->canon(dec->src->doc, &canon_buf);
	if (canon_buf.oom)
		ereport(ERROR, (errcode(ERRCODE_OUT_OF_MEMORY), errmsg("out of memory")));
	dec->leaf = &leaf_buf;
	if (!arka_doc_digest(canon_buf.data, canon_buf.len, digest) ||
		!arka_proof_id(digest, dec->rs, dec->sel, &dec->d, dec->proof, dec->leaf))
		ereport(ERROR,
				(errcode(ERRCODE_INTERNAL_ERROR),
				 errmsg("arka could not compute the proof id"),
				 errdetail("SHA-256 through libcrypto failed or memory ran out.")));
}

/*
 * What every violation object of a rule repeats, prepared once per
 * ruleset: the version as a numeric and the evidence keys in jsonb order.
 * Results are then built as JsonbValue trees whose object pairs are
 * already sorted, so no per-document key sort is needed.
 */
typedef struct RuleJson
{
	JsonbValue	version;
	int			nslots;
	int		   *slots;			/* evidence slots, in jsonb key order */
} RuleJson;

static MemoryContext rulejson_cxt = NULL;
static RuleJson *rulejson = NULL;
static int64 rulejson_builds = -1;

/* Display key of a slot in the evidence object ("$" = whole document). */
static void
slot_key(const ArkaRuleset *rs, int slot, const char **key, size_t *len)
{
	const ArkaPath *p = &rs->paths.paths[slot];

	*key = p->textlen ? p->text : "$";
	*len = p->textlen ? p->textlen : 1;
}

static const ArkaRuleset *sort_rs;

static int
slot_cmp(const void *x, const void *y)
{
	const char *a,
			   *b;
	size_t		alen,
				blen;

	slot_key(sort_rs, *(const int *) x, &a, &alen);
	slot_key(sort_rs, *(const int *) y, &b, &blen);
	return arka_jsonb_key_cmp(a, alen, b, blen);
}

static RuleJson *
get_rule_json(ArkaRuleset *rs)
{
	MemoryContext old;

	if (rulejson != NULL && rulejson_builds == arka_ruleset_builds)
		return rulejson;
	if (rulejson_cxt == NULL)
		rulejson_cxt = AllocSetContextCreate(TopMemoryContext, "arka result templates",
											 ALLOCSET_SMALL_SIZES);
	else
		MemoryContextReset(rulejson_cxt);
	rulejson = NULL;
	old = MemoryContextSwitchTo(rulejson_cxt);
	rulejson = palloc0(sizeof(RuleJson) * (rs->nrules ? rs->nrules : 1));
	for (int i = 0; i < rs->nrules; i++)
	{
		RuleJson   *rj = &rulejson[i];

		rj->version.type = jbvNumeric;
		rj->version.val.numeric = int64_to_numeric(rs->rules[i].version);
		rj->nslots = rs->rules[i].nslots;
		rj->slots = palloc(sizeof(int) * (rj->nslots ? rj->nslots : 1));
		memcpy(rj->slots, rs->rules[i].slots, sizeof(int) * rj->nslots);
		sort_rs = rs;
		qsort(rj->slots, rj->nslots, sizeof(int), slot_cmp);
	}
	MemoryContextSwitchTo(old);
	rulejson_builds = arka_ruleset_builds;
	return rulejson;
}

static void
set_pair(JsonbPair *p, int order, const char *key, const JsonbValue *value)
{
	arka_jbv_string(&p->key, key, strlen(key));
	p->value = *value;
	p->order = order;
}

static void
jbv_cstring(JsonbValue *v, const char *s)
{
	if (s == NULL)
		v->type = jbvNull;
	else
		arka_jbv_string(v, s, strlen(s));
}

/* One violation: the rule and the document values it read (evidence). */
static int
pair_key_cmp(const void *x, const void *y)
{
	const JsonbPair *a = x;
	const JsonbPair *b = y;

	return arka_jsonb_key_cmp(a->key.val.string.val, a->key.val.string.len,
							  b->key.val.string.val, b->key.val.string.len);
}

static void
violation_jbv(ArkaDecisionCtx *dec, const RuleJson *rj, const ArkaRule *r,
			  const ArkaValue *notes, JsonbValue *out)
{
	JsonbPair  *pairs = palloc(sizeof(JsonbPair) * 8);
	JsonbValue	v;
	JsonbValue	evidence;
	int			n = 0;

	evidence.type = jbvObject;
	evidence.val.object.pairs = palloc(sizeof(JsonbPair) * (rj->nslots + 1));
	for (int i = 0; i < rj->nslots; i++)
	{
		int			slot = rj->slots[i];
		JsonbPair  *p = &evidence.val.object.pairs[n];
		const char *key;
		size_t		keylen;

		if (dec->ev.slot_state[slot] == ARKA_SLOT_UNKNOWN)
			continue;			/* not read: short-circuited */
		slot_key(dec->rs, slot, &key, &keylen);
		arka_jbv_string(&p->key, key, keylen);
		p->order = n;
		if (dec->ev.slot_state[slot] == ARKA_SLOT_ABSENT)
			p->value.type = jbvNull;
		else if (dec->src->evidence == NULL ||
				 !dec->src->evidence(dec->src->doc, &dec->rs->paths.paths[slot], &p->value))
			arka_value_to_jbv(&dec->ev.slot_vals[slot], &p->value);
		n++;
	}
	/* what operators found while the rule ran: the sanctions matches */
	if (notes && notes->type == ARKA_ARR)
	{
		JsonbPair  *p = &evidence.val.object.pairs[n];

		arka_jbv_string(&p->key, "sanctions_matches", strlen("sanctions_matches"));
		arka_value_to_jbv(notes, &p->value);
		p->order = n++;
		qsort(evidence.val.object.pairs, n, sizeof(JsonbPair), pair_key_cmp);
	}
	evidence.val.object.nPairs = n;

	/* jsonb key order: action domain rule_id version evidence severity description jurisdiction */
	jbv_cstring(&v, arka_action_name(r->action));
	set_pair(&pairs[0], 0, "action", &v);
	jbv_cstring(&v, r->domain);
	set_pair(&pairs[1], 1, "domain", &v);
	jbv_cstring(&v, r->rule_id);
	set_pair(&pairs[2], 2, "rule_id", &v);
	set_pair(&pairs[3], 3, "version", &rj->version);
	set_pair(&pairs[4], 4, "evidence", &evidence);
	jbv_cstring(&v, r->severity);
	set_pair(&pairs[5], 5, "severity", &v);
	jbv_cstring(&v, r->description);
	set_pair(&pairs[6], 6, "description", &v);
	jbv_cstring(&v, r->jurisdiction);
	set_pair(&pairs[7], 7, "jurisdiction", &v);
	out->type = jbvObject;
	out->val.object.nPairs = 8;
	out->val.object.pairs = pairs;
}

/* The result's "violations" array, as a jsonb value. */
static void
violations_jbv(ArkaDecisionCtx *dec, JsonbValue *v)
{
	RuleJson   *rj = get_rule_json(dec->rs);

	v->type = jbvArray;
	v->val.array.rawScalar = false;
	v->val.array.nElems = dec->d.nfired;
	v->val.array.elems = palloc(sizeof(JsonbValue) * (dec->d.nfired ? dec->d.nfired : 1));
	for (int i = 0; i < dec->d.nfired; i++)
		violation_jbv(dec, &rj[dec->d.fired[i]], &dec->rs->rules[dec->d.fired[i]],
					  &dec->d.notes[i], &v->val.array.elems[i]);
}

/*
 * The violations alone (what arka.decisions stores), without building the
 * whole result first: a recorded review needs nothing else.
 */
Jsonb *
arka_violations_jsonb(ArkaDecisionCtx *dec)
{
	JsonbValue	v;

	violations_jbv(dec, &v);
	return JsonbValueToJsonb(&v);
}

Jsonb *
arka_decision_jsonb(ArkaDecisionCtx *dec)
{
	JsonbPair	top[5];
	JsonbPair	proof[2];
	JsonbValue	v;
	JsonbValue	result;

	/* jsonb key order: proof outcome compliant violations ruleset_version */
	jbv_cstring(&v, "sha256");
	set_pair(&proof[0], 0, "alg", &v);
	jbv_cstring(&v, dec->proof);
	set_pair(&proof[1], 1, "proof_id", &v);
	v.type = jbvObject;
	v.val.object.nPairs = 2;
	v.val.object.pairs = proof;
	set_pair(&top[0], 0, "proof", &v);
	jbv_cstring(&v, arka_action_name(dec->d.outcome));
	set_pair(&top[1], 1, "outcome", &v);
	v.type = jbvBool;
	v.val.boolean = dec->d.outcome != ARKA_ACTION_BLOCK;
	set_pair(&top[2], 2, "compliant", &v);
	violations_jbv(dec, &v);
	set_pair(&top[3], 3, "violations", &v);
	jbv_cstring(&v, dec->sel->digest_hex);
	set_pair(&top[4], 4, "ruleset_version", &v);
	result.type = jbvObject;
	result.val.object.nPairs = 5;
	result.val.object.pairs = top;

	return JsonbValueToJsonb(&result);
}

