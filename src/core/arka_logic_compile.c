/*-------------------------------------------------------------------------
 *
 * arka_logic_compile.c
 *	  Compile a JSON Logic rule into an ArkaNode tree.
 *
 * Compilation resolves everything that does not depend on the document:
 * operator names become enum values, literals are copied once, static
 * `var` and `missing` paths are split and interned as memo slots, and
 * in_list names are bound to list indexes.  Errors name the JSON path of
 * the offending node, e.g. $.and[1][">="].
 *
 *-------------------------------------------------------------------------
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "arka_logic_int.h"

#define ARKA_LOGIC_MAX_DEPTH 1000

typedef struct OpName
{
	const char *name;
	ArkaOp		op;
} OpName;

static const OpName op_names[] = {
	{"var", OP_VAR}, {"missing", OP_MISSING}, {"missing_some", OP_MISSING_SOME},
	{"if", OP_IF}, {"?:", OP_IF}, {"and", OP_AND}, {"or", OP_OR},
	{"!", OP_NOT}, {"!!", OP_NOTNOT},
	{"==", OP_EQ}, {"===", OP_SEQ}, {"!=", OP_NE}, {"!==", OP_SNE},
	{"<", OP_LT}, {"<=", OP_LE}, {">", OP_GT}, {">=", OP_GE},
	{"+", OP_ADD}, {"-", OP_SUB}, {"*", OP_MUL}, {"/", OP_DIV}, {"%", OP_MOD},
	{"min", OP_MIN}, {"max", OP_MAX},
	{"cat", OP_CAT}, {"substr", OP_SUBSTR}, {"in", OP_IN},
	{"merge", OP_MERGE}, {"map", OP_MAP}, {"filter", OP_FILTER},
	{"reduce", OP_REDUCE}, {"all", OP_ALL}, {"none", OP_NONE}, {"some", OP_SOME},
	{"log", OP_LOG}, {"in_list", OP_IN_LIST}, {"sanctions_match", OP_SANCTIONS_MATCH},
};

typedef struct CompileState
{
	ArkaArena  *arena;
	const ArkaCompileOpts *opts;
	ArkaError  *err;
	char		path[256];
	size_t		pathlen;
	bool		path_truncated;
} CompileState;

static ArkaNode *compile_node(CompileState *cs, const ArkaValue *v, int scope, int depth);

/*
 * Look an operator name up; -1 when unknown.  Linear scan: compile time
 * only, and the table is small.
 */
static int
lookup_op(const char *name, size_t len)
{
	for (size_t i = 0; i < sizeof(op_names) / sizeof(op_names[0]); i++)
	{
		if (strlen(op_names[i].name) == len && memcmp(op_names[i].name, name, len) == 0)
			return op_names[i].op;
	}
	return -1;
}

/*
 * Append a path step to the error path; saved length lets the caller
 * restore it when leaving the node.  Identifier-like keys print as .key,
 * others as ["key"], so the path can be pasted into a JSON path tool.
 */
static size_t
path_push_key(CompileState *cs, const char *key, size_t len)
{
	size_t		saved = cs->pathlen;
	bool		ident = len > 0;
	char		tmp[96];
	int			n;

	for (size_t i = 0; i < len; i++)
	{
		char		c = key[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' ||
			  (i > 0 && c >= '0' && c <= '9')))
			ident = false;
	}
	if (len > 64)
		len = 64;
	if (ident)
		n = snprintf(tmp, sizeof(tmp), ".%.*s", (int) len, key);
	else
	{
		/* quote, escaping only what would make the path ambiguous */
		size_t		o = 0;

		tmp[o++] = '[';
		tmp[o++] = '"';
		for (size_t i = 0; i < len && o < sizeof(tmp) - 4; i++)
		{
			if (key[i] == '"' || key[i] == '\\')
				tmp[o++] = '\\';
			tmp[o++] = ((unsigned char) key[i] < 0x20) ? '?' : key[i];
		}
		tmp[o++] = '"';
		tmp[o++] = ']';
		tmp[o] = '\0';
		n = (int) o;
	}
	if (cs->pathlen + n < sizeof(cs->path))
	{
		memcpy(cs->path + cs->pathlen, tmp, n + 1);
		cs->pathlen += n;
	}
	else
		cs->path_truncated = true;
	return saved;
}

static size_t
path_push_index(CompileState *cs, size_t idx)
{
	size_t		saved = cs->pathlen;
	char		tmp[32];
	int			n = snprintf(tmp, sizeof(tmp), "[%zu]", idx);

	if (cs->pathlen + n < sizeof(cs->path))
	{
		memcpy(cs->path + cs->pathlen, tmp, n + 1);
		cs->pathlen += n;
	}
	else
		cs->path_truncated = true;
	return saved;
}

static void
path_pop(CompileState *cs, size_t saved)
{
	cs->pathlen = saved;
	cs->path[saved] = '\0';
}

/* Record a compile error at the current path. */
static ArkaNode *
compile_error(CompileState *cs, ArkaErrCode code, const char *msg, const char *detail)
{
	arka_error_set(cs->err, code, cs->path, "%s%s%s", msg,
				   detail ? ": " : "", detail ? detail : "");
	return NULL;
}

/* Allocate a node with its `where` path copied, ready to fill. */
static ArkaNode *
new_node(CompileState *cs, ArkaOp op, int scope)
{
	ArkaNode   *n = arka_arena_alloc(cs->arena, sizeof(ArkaNode));

	if (n == NULL)
	{
		compile_error(cs, ARKA_ERR_LIMIT, "out of memory compiling rule", NULL);
		return NULL;
	}
	memset(n, 0, sizeof(*n));
	n->op = op;
	n->scoped = scope > 0;
	n->slot = -1;
	n->list = -1;
	n->where = arka_arena_strdup(cs->arena, cs->path, cs->pathlen);
	if (n->where == NULL)
	{
		compile_error(cs, ARKA_ERR_LIMIT, "out of memory compiling rule", NULL);
		return NULL;
	}
	return n;
}

/*
 * Deep-copy a literal into the compile arena so the compiled program does
 * not depend on the lifetime of the rule text it came from.
 */
static bool
copy_value(ArkaArena *arena, const ArkaValue *src, ArkaValue *dst)
{
	*dst = *src;
	switch (src->type)
	{
		case ARKA_STR:
			dst->u.str.ptr = arka_arena_strdup(arena, src->u.str.ptr, src->u.str.len);
			return dst->u.str.ptr != NULL;
		case ARKA_ARR:
			if (src->u.arr.n == 0)
				return true;
			dst->u.arr.items = arka_arena_alloc(arena, src->u.arr.n * sizeof(ArkaValue));
			if (dst->u.arr.items == NULL)
				return false;
			for (size_t i = 0; i < src->u.arr.n; i++)
				if (!copy_value(arena, &src->u.arr.items[i], &dst->u.arr.items[i]))
					return false;
			return true;
		case ARKA_OBJ:
			if (src->u.obj.n == 0)
				return true;
			dst->u.obj.members = arka_arena_alloc(arena, src->u.obj.n * sizeof(ArkaMember));
			if (dst->u.obj.members == NULL)
				return false;
			for (size_t i = 0; i < src->u.obj.n; i++)
			{
				ArkaMember *m = &dst->u.obj.members[i];

				m->keylen = src->u.obj.members[i].keylen;
				m->key = arka_arena_strdup(arena, src->u.obj.members[i].key, m->keylen);
				if (m->key == NULL ||
					!copy_value(arena, &src->u.obj.members[i].val, &m->val))
					return false;
			}
			return true;
		default:
			return true;
	}
}

/*
 * Split a dotted path ("payer.name", "items.0") into segments.  Numeric
 * segments also carry their index so arrays need no parsing at run time.
 * The empty path means the whole data (nseg = 0).
 */
bool
arka_path_split(ArkaArena *arena, const char *text, size_t len, ArkaPath *out)
{
	int			nseg = 1;
	int			k = 0;
	size_t		start = 0;

	out->text = text;
	out->textlen = len;
	out->nseg = 0;
	out->segs = NULL;
	if (len == 0)
		return true;
	for (size_t i = 0; i < len; i++)
		if (text[i] == '.')
			nseg++;
	out->segs = arka_arena_alloc(arena, nseg * sizeof(ArkaPathSeg));
	if (out->segs == NULL)
		return false;
	for (size_t i = 0; i <= len; i++)
	{
		if (i == len || text[i] == '.')
		{
			ArkaPathSeg *s = &out->segs[k++];
			size_t		slen = i - start;

			s->key = text + start;
			s->len = slen;
			s->index = -1;
			if (slen > 0 && slen <= 18 && (slen == 1 || text[start] != '0'))
			{
				int64_t		idx = 0;
				size_t		j;

				for (j = 0; j < slen; j++)
				{
					char		c = text[start + j];

					if (c < '0' || c > '9')
						break;
					idx = idx * 10 + (c - '0');
				}
				if (j == slen)
					s->index = idx;
			}
			start = i + 1;
		}
	}
	out->nseg = nseg;
	return true;
}

/*
 * Intern a static document path in the table; returns its slot, or -1 on
 * allocation failure.  Equal paths share a slot, which is what lets all
 * rules of a ruleset reuse one lookup of "amount".
 */
static int
intern_path(CompileState *cs, const char *text, size_t len, const ArkaPath **pathp)
{
	ArkaPathTable *t = cs->opts->paths;

	for (int i = 0; i < t->n; i++)
	{
		if (t->paths[i].textlen == len && memcmp(t->paths[i].text, text, len) == 0)
		{
			*pathp = &t->paths[i];
			return i;
		}
	}
	if (t->n == t->cap)
	{
		int			ncap = t->cap ? t->cap * 2 : 16;
		ArkaPath   *np = arka_arena_alloc(cs->arena, ncap * sizeof(ArkaPath));

		if (np == NULL)
			return -1;
		if (t->n)
			memcpy(np, t->paths, t->n * sizeof(ArkaPath));
		t->paths = np;
		t->cap = ncap;
	}
	{
		char	   *copy = arka_arena_strdup(cs->arena, text, len);

		if (copy == NULL || !arka_path_split(cs->arena, copy, len, &t->paths[t->n]))
			return -1;
	}
	*pathp = &t->paths[t->n];
	return t->n++;
}

/*
 * Resolve a literal key (string, number or null) to a static path: the
 * slot when it reads the document, or just the split path inside an
 * iterator scope.  JavaScript turns a numeric key into its string form.
 */
static bool
static_path(CompileState *cs, const ArkaValue *key, int scope, int32_t *slot,
			const ArkaPath **path)
{
	char		numbuf[ARKA_DEC_STRLEN];
	const char *text;
	size_t		len;

	if (key->type == ARKA_STR)
	{
		text = key->u.str.ptr;
		len = key->u.str.len;
	}
	else if (key->type == ARKA_NUM)
	{
		len = arka_dec_to_js_string(&key->u.num, numbuf);
		text = numbuf;
	}
	else
	{
		text = "";
		len = 0;
	}

	*slot = -1;
	if (scope == 0 && cs->opts->paths != NULL)
	{
		*slot = intern_path(cs, text, len, path);
		return *slot >= 0;
	}
	else
	{
		ArkaPath   *p = arka_arena_alloc(cs->arena, sizeof(ArkaPath));
		char	   *copy = arka_arena_strdup(cs->arena, text, len);

		if (p == NULL || copy == NULL || !arka_path_split(cs->arena, copy, len, p))
			return false;
		*path = p;
		return true;
	}
}

static bool
is_static_key(const ArkaValue *v)
{
	return v->type == ARKA_STR || v->type == ARKA_NUM || v->type == ARKA_NULL;
}

/*
 * missing/missing_some with literal keys: precompute their paths so the
 * lookups are memoized and show up as evidence.  `keys` is the array of
 * key values; non-literal keys leave the node dynamic.
 */
static bool
compile_static_keys(CompileState *cs, ArkaNode *n, const ArkaValue *keys, size_t nkeys,
					int scope)
{
	for (size_t i = 0; i < nkeys; i++)
		if (keys[i].type != ARKA_STR)
			return true;		/* dynamic: evaluated at run time */
	n->nkeys = (int32_t) nkeys;
	if (nkeys == 0)
		return true;
	n->keyslots = arka_arena_alloc(cs->arena, nkeys * sizeof(int32_t));
	n->keypaths = arka_arena_alloc(cs->arena, nkeys * sizeof(ArkaPath *));
	if (n->keyslots == NULL || n->keypaths == NULL)
		return false;
	for (size_t i = 0; i < nkeys; i++)
		if (!static_path(cs, &keys[i], scope, &n->keyslots[i], &n->keypaths[i]))
			return false;
	return true;
}

/* Compile the argument list of an operator (already wrapped as an array). */
static bool
compile_args(CompileState *cs, ArkaNode *n, const ArkaValue *items, size_t nitems,
			 int scope, int depth, int body_from)
{
	n->nargs = (int32_t) nitems;
	if (nitems == 0)
		return true;
	n->args = arka_arena_alloc(cs->arena, nitems * sizeof(ArkaNode *));
	if (n->args == NULL)
	{
		compile_error(cs, ARKA_ERR_LIMIT, "out of memory compiling rule", NULL);
		return false;
	}
	for (size_t i = 0; i < nitems; i++)
	{
		size_t		saved = path_push_index(cs, i);
		int			s = scope;

		/* the logic argument of an iterator runs with the item as data */
		if (body_from >= 0 && (int) i == body_from)
			s = scope + 1;
		n->args[i] = compile_node(cs, &items[i], s, depth + 1);
		path_pop(cs, saved);
		if (n->args[i] == NULL)
			return false;
	}
	return true;
}

/*
 * Mark the shapes rule packs are made of -- a document field compared
 * with a literal string or number, or tested against a named list -- so
 * the evaluator can decide them without the generic argument machinery.
 * The field must be a memoized document slot without a default.
 */
static void
mark_fast_path(ArkaNode *n)
{
	int			var = -1;
	const ArkaNode *lit;

	if (n->nargs != 2)
		return;
	for (int i = 0; i < 2; i++)
		if (n->args[i]->op == OP_VAR && n->args[i]->slot >= 0 && !n->args[i]->scoped &&
			n->args[i]->nargs <= 1)
			var = i;
	if (var < 0)
		return;
	lit = n->args[1 - var];
	switch (n->op)
	{
		case OP_EQ:
		case OP_NE:
		case OP_SEQ:
		case OP_SNE:
			if (lit->op == OP_LIT && lit->lit.type == ARKA_STR)
				n->fast = 1;
			break;
		case OP_LT:
		case OP_LE:
		case OP_GT:
		case OP_GE:
			if (lit->op == OP_LIT && lit->lit.type == ARKA_NUM && arka_dec_is_finite(&lit->lit.u.num))
				n->fast = 1;
			break;
		case OP_IN_LIST:
			if (var == 0)
				n->fast = 1;
			break;
		default:
			break;
	}
	n->fast_var = (int8_t) var;
}

/* Compile a single-key object {op: args}. */
static ArkaNode *
compile_operation(CompileState *cs, const ArkaMember *m, int scope, int depth)
{
	int			op = lookup_op(m->key, m->keylen);
	const ArkaValue *items;
	size_t		nitems;
	ArkaNode   *n;
	size_t		saved = path_push_key(cs, m->key, m->keylen);
	int			body_from = -1;

	if (op < 0)
	{
		char		name[80];

		snprintf(name, sizeof(name), "%.*s", (int) (m->keylen > 64 ? 64 : m->keylen), m->key);
		if (cs->opts->strict)
			return compile_error(cs, ARKA_ERR_UNKNOWN_OP, "unknown operator", name);
		op = OP_UNKNOWN;
	}

	/* a non-array operand is wrapped: {"var":"x"} == {"var":["x"]} */
	if (m->val.type == ARKA_ARR)
	{
		items = m->val.u.arr.items;
		nitems = m->val.u.arr.n;
	}
	else
	{
		items = &m->val;
		nitems = 1;
	}

	n = new_node(cs, (ArkaOp) op, scope);
	if (n == NULL)
		return NULL;
	if (op == OP_UNKNOWN)
		n->name = arka_arena_strdup(cs->arena, m->key, m->keylen);

	switch (op)
	{
		case OP_MAP:
		case OP_FILTER:
		case OP_REDUCE:
		case OP_ALL:
		case OP_NONE:
		case OP_SOME:
			body_from = 1;
			break;
		default:
			break;
	}
	/* sanctions_match's options are data, not logic: compile the name only */
	if (!compile_args(cs, n, items, op == OP_SANCTIONS_MATCH && nitems > 1 ? 1 : nitems,
					  scope, depth, body_from))
		return NULL;

	switch (op)
	{
		case OP_VAR:
			if (nitems == 0 || is_static_key(&items[0]))
			{
				ArkaValue	empty = arka_null();

				if (!static_path(cs, nitems ? &items[0] : &empty, scope, &n->slot, &n->path))
					return compile_error(cs, ARKA_ERR_LIMIT, "out of memory compiling rule", NULL);
			}
			break;
		case OP_MISSING:
			if (nitems == 1 && items[0].type == ARKA_ARR)
			{
				if (!compile_static_keys(cs, n, items[0].u.arr.items, items[0].u.arr.n, scope))
					return compile_error(cs, ARKA_ERR_LIMIT, "out of memory compiling rule", NULL);
			}
			else if (m->val.type == ARKA_ARR || m->val.type == ARKA_STR)
			{
				if (!compile_static_keys(cs, n, items, nitems, scope))
					return compile_error(cs, ARKA_ERR_LIMIT, "out of memory compiling rule", NULL);
			}
			break;
		case OP_MISSING_SOME:
			if (nitems >= 2 && items[1].type == ARKA_ARR)
			{
				if (!compile_static_keys(cs, n, items[1].u.arr.items, items[1].u.arr.n, scope))
					return compile_error(cs, ARKA_ERR_LIMIT, "out of memory compiling rule", NULL);
			}
			break;
		case OP_IN_LIST:
			{
				const ArkaValue *name = nitems >= 2 ? &items[1] : NULL;

				if (nitems != 2 || name->type != ARKA_STR)
					return compile_error(cs, ARKA_ERR_COMPILE,
										 "in_list takes [value, \"list name\"] with a literal list name",
										 NULL);
				n->name = arka_arena_strdup(cs->arena, name->u.str.ptr, name->u.str.len);
				if (cs->opts->lists)
					n->list = arka_list_find(cs->opts->lists, name->u.str.ptr, name->u.str.len);
				if (n->list < 0 && cs->opts->strict)
				{
					char		lname[80];

					snprintf(lname, sizeof(lname), "%.*s",
							 (int) (name->u.str.len > 64 ? 64 : name->u.str.len),
							 name->u.str.ptr);
					return compile_error(cs, ARKA_ERR_UNKNOWN_LIST, "unknown list", lname);
				}
			}
			break;
		case OP_SANCTIONS_MATCH:
			{
				const ArkaValue *o = nitems >= 2 ? &items[1] : NULL;
				ArkaScreenOpts *so = arka_arena_alloc(cs->arena, sizeof(ArkaScreenOpts));

				if (so == NULL)
					return compile_error(cs, ARKA_ERR_LIMIT, "out of memory compiling rule", NULL);
				so->nlists = 0;
				so->lists = NULL;
				so->min_score = -1;
				if (nitems < 1 || nitems > 2 || (o && o->type != ARKA_OBJ))
					return compile_error(cs, ARKA_ERR_COMPILE,
										 "sanctions_match takes [name, {\"lists\": [...], \"min_score\": n}]",
										 NULL);
				for (size_t k = 0; o && k < o->u.obj.n; k++)
				{
					const ArkaMember *m2 = &o->u.obj.members[k];

					if (m2->keylen == 5 && memcmp(m2->key, "lists", 5) == 0 && m2->val.type == ARKA_ARR)
					{
						so->nlists = (int) m2->val.u.arr.n;
						so->lists = arka_arena_alloc(cs->arena, sizeof(char *) * (so->nlists ? so->nlists : 1));
						if (so->lists == NULL)
							return compile_error(cs, ARKA_ERR_LIMIT, "out of memory compiling rule", NULL);
						for (int l = 0; l < so->nlists; l++)
						{
							const ArkaValue *ln = &m2->val.u.arr.items[l];

							if (ln->type != ARKA_STR)
								return compile_error(cs, ARKA_ERR_COMPILE,
													 "sanctions_match lists must be list names", NULL);
							so->lists[l] = arka_arena_strdup(cs->arena, ln->u.str.ptr, ln->u.str.len);
						}
					}
					else if (m2->keylen == 9 && memcmp(m2->key, "min_score", 9) == 0 &&
							 m2->val.type == ARKA_NUM)
					{
						so->min_score = arka_dec_to_double(&m2->val.u.num);
						if (!(so->min_score > 0 && so->min_score <= 1))
							return compile_error(cs, ARKA_ERR_COMPILE,
												 "sanctions_match min_score must be in (0, 1]", NULL);
					}
					else
						return compile_error(cs, ARKA_ERR_COMPILE,
											 "sanctions_match options are \"lists\" (array of names) and \"min_score\" (number)",
											 NULL);
				}
				n->screen = so;
			}
			break;
		default:
			break;
	}
	mark_fast_path(n);
	path_pop(cs, saved);
	return n;
}

/*
 * Compile one value: an operation, an array rule (element-wise), or a
 * literal.  Arrays of literals fold into a single literal.
 */
static ArkaNode *
compile_node(CompileState *cs, const ArkaValue *v, int scope, int depth)
{
	ArkaNode   *n;

	if (depth > ARKA_LOGIC_MAX_DEPTH)
		return compile_error(cs, ARKA_ERR_LIMIT, "rule nested too deeply", NULL);

	if (v->type == ARKA_OBJ && v->u.obj.n == 1)
		return compile_operation(cs, &v->u.obj.members[0], scope, depth);

	if (v->type == ARKA_ARR && v->u.arr.n > 0)
	{
		bool		all_lit = true;

		n = new_node(cs, OP_ARRAY, scope);
		if (n == NULL || !compile_args(cs, n, v->u.arr.items, v->u.arr.n, scope, depth, -1))
			return NULL;
		for (int i = 0; i < n->nargs; i++)
			if (n->args[i]->op != OP_LIT)
				all_lit = false;
		if (!all_lit)
			return n;
		/* fold to a literal array */
		n->op = OP_LIT;
		n->lit.type = ARKA_ARR;
		n->lit.u.arr.n = n->nargs;
		n->lit.u.arr.items = arka_arena_alloc(cs->arena, n->nargs * sizeof(ArkaValue));
		if (n->lit.u.arr.items == NULL)
			return compile_error(cs, ARKA_ERR_LIMIT, "out of memory compiling rule", NULL);
		for (int i = 0; i < n->nargs; i++)
			n->lit.u.arr.items[i] = n->args[i]->lit;
		return n;
	}

	n = new_node(cs, OP_LIT, scope);
	if (n == NULL)
		return NULL;
	if (!copy_value(cs->arena, v, &n->lit))
		return compile_error(cs, ARKA_ERR_LIMIT, "out of memory compiling rule", NULL);
	return n;
}

ArkaNode *
arka_logic_compile(const ArkaValue *rule, ArkaArena *arena,
				   const ArkaCompileOpts *opts, ArkaError *err)
{
	CompileState cs;
	ArkaNode   *root;

	memset(&cs, 0, sizeof(cs));
	cs.arena = arena;
	cs.opts = opts;
	cs.err = err;
	cs.path[0] = '$';
	cs.path[1] = '\0';
	cs.pathlen = 1;
	err->code = ARKA_OK;
	root = compile_node(&cs, rule, 0, 0);
	return root;
}

/* Collect the distinct document slots a compiled rule can read. */
static int
collect_slots(const ArkaNode *n, int *slots, int nslots, int max)
{
	if (n->op == OP_VAR && n->slot >= 0)
	{
		bool		seen = false;

		for (int i = 0; i < nslots; i++)
			if (slots[i] == n->slot)
				seen = true;
		if (!seen && nslots < max)
			slots[nslots++] = n->slot;
	}
	if ((n->op == OP_MISSING || n->op == OP_MISSING_SOME) && n->keyslots && !n->scoped)
	{
		for (int k = 0; k < n->nkeys; k++)
		{
			bool		seen = false;

			for (int i = 0; i < nslots; i++)
				if (slots[i] == n->keyslots[k])
					seen = true;
			if (!seen && nslots < max)
				slots[nslots++] = n->keyslots[k];
		}
	}
	for (int i = 0; i < n->nargs; i++)
		nslots = collect_slots(n->args[i], slots, nslots, max);
	return nslots;
}

int
arka_logic_slots(const ArkaNode *root, int *slots, int max)
{
	return collect_slots(root, slots, 0, max);
}

void
arka_error_set(ArkaError *err, ArkaErrCode code, const char *path, const char *fmt,...)
{
	va_list		ap;

	err->code = code;
	snprintf(err->path, sizeof(err->path), "%s", path ? path : "");
	va_start(ap, fmt);
	vsnprintf(err->message, sizeof(err->message), fmt, ap);
	va_end(ap);
}
