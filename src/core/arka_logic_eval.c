/*-------------------------------------------------------------------------
 *
 * arka_logic_eval.c
 *	  Evaluate compiled JSON Logic: control flow, data access, iterators.
 *
 * The evaluator walks the node tree.  Lazy operators (if, and, or) and
 * the operators that touch data or scopes (var, missing, map, reduce, ...)
 * live here; every other operator gets its arguments evaluated first and
 * is applied in arka_logic_ops.c, as json-logic-js does.
 *
 *-------------------------------------------------------------------------
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "arka_logic_int.h"

#define ARKA_EVAL_MAX_DEPTH 1100	/* compile depth + iterator frames */
#define ARKA_STACK_ARGS 8

/*
 * Set up evaluation of one document: the slot memo is allocated here so a
 * path read by several rules is looked up once.
 */
bool
arka_eval_init(ArkaEval *ev, ArkaArena *arena, const ArkaPathTable *paths,
			   const ArkaDocOps *ops, void *doc, const ArkaListCatalog *lists)
{
	int			n = paths ? paths->n : 0;

	/* field by field: zeroing the error's message buffers per row costs more */
	memset(ev, 0, offsetof(ArkaEval, err));
	ev->err.code = ARKA_OK;
	ev->err.path[0] = '\0';
	ev->err.message[0] = '\0';
	ev->arena = arena;
	ev->ops = ops;
	ev->doc = doc;
	ev->paths = paths;
	ev->lists = lists;
	if (n > 0)
	{
		ev->slot_vals = arka_arena_alloc(arena, n * sizeof(ArkaValue));
		ev->slot_state = arka_arena_alloc(arena, n);
		if (ev->slot_vals == NULL || ev->slot_state == NULL)
		{
			arka_error_set(&ev->err, ARKA_ERR_LIMIT, "$", "out of memory");
			return false;
		}
		memset(ev->slot_state, ARKA_SLOT_UNKNOWN, n);
	}
	return true;
}

void *
arka_eval_alloc(ArkaEval *ev, size_t size)
{
	void	   *p = arka_arena_alloc(ev->arena, size ? size : 1);

	if (p == NULL)
		arka_error_set(&ev->err, ARKA_ERR_LIMIT, "$",
					   "evaluation exceeded its memory limit");
	return p;
}

bool
arka_eval_fail(ArkaEval *ev, const ArkaNode *node, ArkaErrCode code, const char *fmt,...)
{
	va_list		ap;

	ev->err.code = code;
	snprintf(ev->err.path, sizeof(ev->err.path), "%s", node && node->where ? node->where : "$");
	va_start(ap, fmt);
	vsnprintf(ev->err.message, sizeof(ev->err.message), fmt, ap);
	va_end(ap);
	return false;
}

/*
 * arka_eval_slot_ref's first read of a slot: the value goes straight into
 * the memo, so the quick check compares it where it lies instead of
 * copying it around.
 */
const ArkaValue *
arka_eval_slot_read(ArkaEval *ev, int slot, int *found)
{
	ArkaValue  *v = &ev->slot_vals[slot];
	int			r;

	r = ev->ops->lookup_slot ? ev->ops->lookup_slot(ev->doc, slot, ev, v) :
		ev->ops->lookup(ev->doc, &ev->paths->paths[slot], ev, v);
	*found = r;
	if (r <= 0)
	{
		if (r == 0)
			ev->slot_state[slot] = ARKA_SLOT_ABSENT;
		return NULL;
	}
	ev->slot_state[slot] = ARKA_SLOT_FOUND;
	return v;
}

/* The value of document slot `slot` (1), absent (0) or an error (-1). */
int
arka_eval_slot(ArkaEval *ev, int slot, ArkaValue *out)
{
	int			r;
	const ArkaValue *v = arka_eval_slot_ref(ev, slot, &r);

	if (v != NULL)
		*out = *v;
	return r;
}

/* Look a path up in the data of the current scope (iterator item). */
static int
scope_lookup(ArkaEval *ev, const ArkaPath *path, ArkaValue *out)
{
	if (ev->scope == NULL)
	{
		if (path->nseg == 0)
		{
			*out = arka_null();
			return 1;
		}
		return 0;
	}
	return arka_value_lookup(ev->scope, path, out);
}

/* Look a path up where `node` reads data: its scope or the document. */
static int
data_lookup(ArkaEval *ev, const ArkaNode *node, int32_t slot, const ArkaPath *path,
			ArkaValue *out)
{
	if (node->scoped)
		return scope_lookup(ev, path, out);
	if (slot >= 0)
		return arka_eval_slot(ev, slot, out);
	return ev->ops->lookup(ev->doc, path, ev, out);
}

/*
 * Turn a computed key into a path, as json-logic-js does with
 * String(key).split("."): null and "" mean the whole data.
 */
static bool
dynamic_path(ArkaEval *ev, const ArkaValue *key, ArkaPath *path)
{
	ArkaValue	s;

	if (key->type == ARKA_NULL)
		return arka_path_split(ev->arena, "", 0, path);
	if (!arka_js_string_value(ev, key, &s))
		return false;
	if (!arka_path_split(ev->arena, s.u.str.ptr, s.u.str.len, path))
	{
		arka_error_set(&ev->err, ARKA_ERR_LIMIT, "$", "evaluation exceeded its memory limit");
		return false;
	}
	return true;
}

static bool
eval_var(ArkaEval *ev, const ArkaNode *n, ArkaValue *out)
{
	ArkaValue	found;
	int			r;

	if (n->path)
		r = data_lookup(ev, n, n->slot, n->path, &found);
	else
	{
		ArkaValue	key;
		ArkaPath	path;

		if (!arka_logic_eval(ev, n->args[0], &key) || !dynamic_path(ev, &key, &path))
			return false;
		r = data_lookup(ev, n, -1, &path, &found);
	}
	if (r < 0)
		return false;
	if (r == 0)
	{
		if (n->nargs >= 2)
			return arka_logic_eval(ev, n->args[1], out);
		*out = arka_null();
		return true;
	}
	*out = found;
	return true;
}

/* A value counts as missing when absent, null or "". */
static bool
is_missing_value(int r, const ArkaValue *v)
{
	return r == 0 || v->type == ARKA_NULL || (v->type == ARKA_STR && v->u.str.len == 0);
}

/*
 * Collect missing keys into out (an arena array of at most nkeys values).
 * Static keys use their interned paths; computed keys are split now.
 */
static bool
collect_missing(ArkaEval *ev, const ArkaNode *n, const ArkaValue *keys, size_t nkeys,
				ArkaValue *out, size_t *nmissing)
{
	*nmissing = 0;
	for (size_t i = 0; i < nkeys; i++)
	{
		ArkaValue	v;
		int			r;

		if (keys == NULL)
		{
			r = data_lookup(ev, n, n->keyslots[i], n->keypaths[i], &v);
			if (r < 0)
				return false;
			if (is_missing_value(r, &v))
				out[(*nmissing)++] = arka_str(n->keypaths[i]->text, n->keypaths[i]->textlen);
		}
		else
		{
			ArkaPath	path;

			if (!dynamic_path(ev, &keys[i], &path))
				return false;
			r = data_lookup(ev, n, -1, &path, &v);
			if (r < 0)
				return false;
			if (is_missing_value(r, &v))
				out[(*nmissing)++] = keys[i];
		}
	}
	return true;
}

/* Evaluate all arguments of n into an array (arena). */
static bool
eval_args(ArkaEval *ev, const ArkaNode *n, ArkaValue *vals)
{
	for (int i = 0; i < n->nargs; i++)
		if (!arka_logic_eval(ev, n->args[i], &vals[i]))
			return false;
	return true;
}

static bool
make_array(ArkaEval *ev, ArkaValue *items, size_t n, ArkaValue *out)
{
	out->type = ARKA_ARR;
	out->u.arr.items = items;
	out->u.arr.n = n;
	(void) ev;
	return true;
}

static bool
eval_missing(ArkaEval *ev, const ArkaNode *n, ArkaValue *out)
{
	const ArkaValue *keys = NULL;
	size_t		nkeys;
	ArkaValue  *res;
	size_t		nmissing;

	if (n->keypaths || (n->nkeys == 0 && n->keyslots == NULL && n->nargs == 0))
		nkeys = n->nkeys;
	else
	{
		ArkaValue  *vals = arka_eval_alloc(ev, n->nargs * sizeof(ArkaValue));

		if (vals == NULL || !eval_args(ev, n, vals))
			return false;
		/* one array argument is the key list (e.g. the output of merge) */
		if (n->nargs >= 1 && vals[0].type == ARKA_ARR)
		{
			keys = vals[0].u.arr.items;
			nkeys = vals[0].u.arr.n;
		}
		else
		{
			keys = vals;
			nkeys = n->nargs;
		}
	}
	res = arka_eval_alloc(ev, nkeys * sizeof(ArkaValue));
	if (res == NULL || !collect_missing(ev, n, keys, nkeys, res, &nmissing))
		return false;
	return make_array(ev, res, nmissing, out);
}

static bool
eval_missing_some(ArkaEval *ev, const ArkaNode *n, ArkaValue *out)
{
	ArkaValue	need;
	const ArkaValue *keys = NULL;
	size_t		nkeys = 0;
	ArkaValue  *res;
	size_t		nmissing;
	ArkaDec		present;
	ArkaDec		needn;
	bool		unordered;

	if (n->nargs < 1)
		need = arka_null();
	else if (!arka_logic_eval(ev, n->args[0], &need))
		return false;
	if (n->keypaths)
		nkeys = n->nkeys;
	else if (n->nargs >= 2)
	{
		ArkaValue	kv;

		if (!arka_logic_eval(ev, n->args[1], &kv))
			return false;
		if (kv.type == ARKA_ARR)
		{
			keys = kv.u.arr.items;
			nkeys = kv.u.arr.n;
		}
		else
			return arka_eval_fail(ev, n, ARKA_ERR_EVAL,
								  "missing_some needs an array of keys as its second argument");
	}
	else						/* json-logic-js: undefined.length throws */
		return arka_eval_fail(ev, n, ARKA_ERR_EVAL,
							  "missing_some needs an array of keys as its second argument");
	res = arka_eval_alloc(ev, nkeys * sizeof(ArkaValue));
	if (res == NULL || !collect_missing(ev, n, keys, nkeys, res, &nmissing))
		return false;
	present = arka_dec_from_int64((int64_t) (nkeys - nmissing));
	needn = arka_to_number(&need);
	if (arka_dec_cmp(&present, &needn, &unordered) >= 0 && !unordered)
		return make_array(ev, NULL, 0, out);
	return make_array(ev, res, nmissing, out);
}

/*
 * map, filter, all, none, some: evaluate the data argument in the current
 * scope, then the logic argument once per item with the item as data.
 */
static bool
eval_iterator(ArkaEval *ev, const ArkaNode *n, ArkaValue *out)
{
	ArkaValue	data;
	const ArkaValue *saved = ev->scope;
	ArkaValue  *res = NULL;
	size_t		nres = 0;
	size_t		count;

	if (n->nargs < 1)
		data = arka_null();
	else if (!arka_logic_eval(ev, n->args[0], &data))
		return false;

	if (data.type != ARKA_ARR)
	{
		/* json-logic-js: map/filter give [], all gives false, none true */
		switch (n->op)
		{
			case OP_ALL:
			case OP_SOME:
				*out = arka_bool(false);
				return true;
			case OP_NONE:
				*out = arka_bool(true);
				return true;
			default:
				return make_array(ev, NULL, 0, out);
		}
	}
	count = data.u.arr.n;
	if (n->op == OP_ALL && count == 0)
	{
		*out = arka_bool(false);
		return true;
	}
	if (n->op == OP_MAP || n->op == OP_FILTER)
	{
		res = arka_eval_alloc(ev, count * sizeof(ArkaValue));
		if (res == NULL)
			return false;
	}

	for (size_t i = 0; i < count; i++)
	{
		ArkaValue	r;
		bool		t;

		if (n->nargs >= 2)
		{
			ev->scope = &data.u.arr.items[i];
			if (!arka_logic_eval(ev, n->args[1], &r))
			{
				ev->scope = saved;
				return false;
			}
			ev->scope = saved;
		}
		else
			r = arka_null();
		switch (n->op)
		{
			case OP_MAP:
				res[nres++] = r;
				break;
			case OP_FILTER:
				if (arka_truthy(&r))
					res[nres++] = data.u.arr.items[i];
				break;
			case OP_ALL:
				if (!arka_truthy(&r))
				{
					*out = arka_bool(false);
					return true;
				}
				break;
			default:			/* some, none */
				t = arka_truthy(&r);
				if (t)
				{
					*out = arka_bool(n->op == OP_SOME);
					return true;
				}
				break;
		}
	}
	switch (n->op)
	{
		case OP_ALL:
			*out = arka_bool(true);
			return true;
		case OP_SOME:
			*out = arka_bool(false);
			return true;
		case OP_NONE:
			*out = arka_bool(true);
			return true;
		default:
			return make_array(ev, res, nres, out);
	}
}

/* reduce: data argument, logic over {current, accumulator}, initial value. */
static bool
eval_reduce(ArkaEval *ev, const ArkaNode *n, ArkaValue *out)
{
	ArkaValue	data;
	ArkaValue	acc;
	const ArkaValue *saved = ev->scope;

	if (n->nargs < 1)
		data = arka_null();
	else if (!arka_logic_eval(ev, n->args[0], &data))
		return false;
	if (n->nargs >= 3)
	{
		if (!arka_logic_eval(ev, n->args[2], &acc))
			return false;
	}
	else
		acc = arka_null();
	if (data.type != ARKA_ARR)
	{
		*out = acc;
		return true;
	}
	for (size_t i = 0; i < data.u.arr.n; i++)
	{
		ArkaMember *m = arka_eval_alloc(ev, 2 * sizeof(ArkaMember));
		ArkaValue	scope;

		if (m == NULL)
			return false;
		m[0].key = "current";
		m[0].keylen = 7;
		m[0].val = data.u.arr.items[i];
		m[1].key = "accumulator";
		m[1].keylen = 11;
		m[1].val = acc;
		scope.type = ARKA_OBJ;
		scope.u.obj.members = m;
		scope.u.obj.n = 2;
		if (n->nargs >= 2)
		{
			ev->scope = &scope;
			if (!arka_logic_eval(ev, n->args[1], &acc))
			{
				ev->scope = saved;
				return false;
			}
			ev->scope = saved;
		}
		else
			acc = arka_null();
	}
	*out = acc;
	return true;
}

/*
 * Decide a fast-path node (see mark_fast_path): 1 when decided, 0 when the
 * field's value needs the generic semantics (e.g. a number compared with
 * a string), -1 on error.  Answers equal the generic path's exactly.
 */
static int
eval_fast(ArkaEval *ev, const ArkaNode *n, ArkaValue *out)
{
	const ArkaNode *lit = n->args[1 - n->fast_var];
	ArkaValue	v;
	int			r = arka_eval_slot(ev, n->args[n->fast_var]->slot, &v);
	bool		b;

	if (r < 0)
		return -1;
	if (r == 0)
		v = arka_null();
	switch (n->op)
	{
		case OP_EQ:
		case OP_NE:
		case OP_SEQ:
		case OP_SNE:
			if (v.type == ARKA_STR)
				b = v.u.str.len == lit->lit.u.str.len &&
					memcmp(v.u.str.ptr, lit->lit.u.str.ptr, v.u.str.len) == 0;
			else if (v.type == ARKA_NULL)
				b = false;		/* null equals no string, loosely or strictly */
			else
				return 0;
			*out = arka_bool((n->op == OP_EQ || n->op == OP_SEQ) ? b : !b);
			return 1;
		case OP_IN_LIST:
			if (n->list < 0 || ev->lists == NULL || n->list >= ev->lists->n)
				return 0;		/* the generic path reports the error */
			if (v.type == ARKA_NUM)
				return 0;		/* looked up as its JavaScript string: generic path */
			/* op_in_list: only strings and numbers can be members */
			*out = arka_bool(v.type == ARKA_STR &&
							 arka_strset_contains(&ev->lists->lists[n->list].items,
												  v.u.str.ptr, v.u.str.len));
			return 1;
		default:
			{
				bool		unordered;
				int			c;

				if (v.type != ARKA_NUM)
					return 0;
				c = n->fast_var == 0 ? arka_dec_cmp(&v.u.num, &lit->lit.u.num, &unordered)
					: arka_dec_cmp(&lit->lit.u.num, &v.u.num, &unordered);
				if (unordered)
					b = false;
				else if (n->op == OP_LT)
					b = c < 0;
				else if (n->op == OP_LE)
					b = c <= 0;
				else if (n->op == OP_GT)
					b = c > 0;
				else
					b = c >= 0;
				*out = arka_bool(b);
				return 1;
			}
	}
}

bool
arka_logic_eval(ArkaEval *ev, const ArkaNode *n, ArkaValue *out)
{
	ArkaValue	stackargs[ARKA_STACK_ARGS];
	ArkaValue  *vals;
	bool		ok;

	if (n->op == OP_LIT)
	{
		*out = n->lit;
		return true;
	}
	if ((++ev->steps & 0xFFF) == 0 && ev->interrupt && ev->interrupt())
		return arka_eval_fail(ev, n, ARKA_ERR_INTERRUPTED, "evaluation interrupted");
	if (ev->depth >= ARKA_EVAL_MAX_DEPTH)
		return arka_eval_fail(ev, n, ARKA_ERR_LIMIT, "evaluation nested too deeply");

	if (n->fast)
	{
		int			r = eval_fast(ev, n, out);

		if (r != 0)
			return r > 0;
	}
	switch (n->op)
	{
		case OP_VAR:
			return eval_var(ev, n, out);
		case OP_IF:
			{
				int			i;

				for (i = 0; i + 1 < n->nargs; i += 2)
				{
					ArkaValue	c;

					if (!arka_logic_eval(ev, n->args[i], &c))
						return false;
					if (arka_truthy(&c))
						return arka_logic_eval(ev, n->args[i + 1], out);
				}
				if (i < n->nargs)
					return arka_logic_eval(ev, n->args[i], out);
				*out = arka_null();
				return true;
			}
		case OP_AND:
		case OP_OR:
			{
				/* no operand gives undefined, which JSON shows as null */
				*out = arka_null();
				for (int i = 0; i < n->nargs; i++)
				{
					const ArkaNode *arg = n->args[i];
					int			r = 0;

					/*
					 * The usual operand, a field against a literal, directly:
					 * no entry checks per operand.  When the fast path cannot
					 * decide (r == 0), the generic evaluation does.
					 */
					if (arg->fast && (r = eval_fast(ev, arg, out)) < 0)
						return false;
					if (r == 0 && !arka_logic_eval(ev, arg, out))
						return false;
					if (arka_truthy(out) == (n->op == OP_OR))
						return true;
				}
				return true;
			}
		case OP_MISSING:
			return eval_missing(ev, n, out);
		case OP_MISSING_SOME:
			return eval_missing_some(ev, n, out);
		case OP_MAP:
		case OP_FILTER:
		case OP_ALL:
		case OP_NONE:
		case OP_SOME:
			return eval_iterator(ev, n, out);
		case OP_REDUCE:
			return eval_reduce(ev, n, out);
		default:
			break;
	}

	/* everything else: evaluate all arguments, then apply */
	if (n->nargs <= ARKA_STACK_ARGS)
		vals = stackargs;
	else if ((vals = arka_eval_alloc(ev, n->nargs * sizeof(ArkaValue))) == NULL)
		return false;
	ev->depth++;
	ok = eval_args(ev, n, vals);
	ev->depth--;
	if (!ok)
		return false;
	if (n->op == OP_ARRAY)
	{
		ArkaValue  *items = arka_eval_alloc(ev, n->nargs * sizeof(ArkaValue));

		if (items == NULL)
			return false;
		memcpy(items, vals, n->nargs * sizeof(ArkaValue));
		return make_array(ev, items, n->nargs, out);
	}
	return arka_op_apply(ev, n, vals, n->nargs, out);
}
