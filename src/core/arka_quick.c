/*-------------------------------------------------------------------------
 *
 * arka_quick.c
 *	  A selection's quick check: prove cheaply that no selected rule fires.
 *
 * Almost every payment fires no rule, and its decision (allow, nothing
 * fired) needs no evidence.  Rules are mostly an "and" or an "or" of
 * fields compared with literals, so a selection is flattened once into
 * such leaves with their literal, list and slot resolved (a field tested
 * against several lists gets one map, probed once).  Per document
 * the leaves run in the rules' order, with the evaluator's short-circuits,
 * and stop at the first rule that fires.  Reaching a leaf the flat form
 * cannot decide (another operator, a number compared with a string)
 * stops the check too: "nothing fires" is only answered when every leaf
 * reached was decided exactly as the generic evaluator decides it, so
 * the verdict always equals arka_ruleset_evaluate's.  Everything else is
 * left to the full evaluation, which finds the fields the check read in
 * the slot memo; the check itself evaluates nothing generically, so it
 * never runs an operator twice (a sanctions screening) nor spends the
 * evaluation's memory budget twice.
 *
 *-------------------------------------------------------------------------
 */
#include <string.h>

#include "arka_logic_int.h"
#include "arka_ruleset.h"

typedef enum QuickKind
{
	QUICK_STR_EQ,				/* == or === against a string literal */
	QUICK_STR_NE,				/* != or !== against a string literal */
	QUICK_NUM_CMP,				/* < <= > >= against a finite number */
	QUICK_IN_LIST,				/* in_list of a field */
	QUICK_NODE					/* anything else: undecided */
} QuickKind;

typedef struct QuickLeaf
{
	uint8_t		kind;			/* QuickKind */
	uint8_t		op;				/* QUICK_NUM_CMP: OP_LT .. OP_GE */
	uint8_t		var_first;		/* QUICK_NUM_CMP: the field is the left operand */
	int8_t		group;			/* QUICK_IN_LIST: its field's group, or -1 */
	int32_t		slot;			/* the field's document slot */
	int32_t		list;			/* QUICK_IN_LIST: list index */
	uint64_t	bit;			/* QUICK_IN_LIST with a group: the list's bit */
	const ArkaValue *lit;		/* the literal (string or number) */
} QuickLeaf;

/*
 * A field tested against several lists: one probe of a map from string to
 * the lists holding it answers all of its in_list leaves.
 */
#define QUICK_MAX_GROUPS 32
#define QUICK_GROUP_LISTS 64

typedef struct QuickGroup
{
	int32_t		slot;
	int			nlists;
	int32_t		lists[QUICK_GROUP_LISTS];	/* bit i stands for lists[i] */
	ArkaStrMask map;
} QuickGroup;

typedef struct QuickRule
{
	uint8_t		is_or;			/* operands combine with "or", else "and" */
	int32_t		first;			/* its leaves: leaves[first .. first + n) */
	int32_t		n;
} QuickRule;

struct ArkaQuickCheck
{
	const ArkaPathTable *paths; /* the ruleset's: slots index it */
	const ArkaListCatalog *lists;	/* the ruleset's: list indexes index it */
	int			nrules;
	QuickRule  *rules;
	QuickLeaf  *leaves;
	int			nleaves;
	int			ngroups;
	QuickGroup *groups;
};

/* Per document: the groups' masks, probed at most once each. */
typedef struct QuickMemo
{
	uint32_t	known;			/* bit g: masks[g] is set */
	uint64_t	masks[QUICK_MAX_GROUPS];
} QuickMemo;

/* A leaf from a compiled node: flat when the compiler marked it fast. */
static void
leaf_of(const ArkaNode *n, QuickLeaf *leaf)
{
	memset(leaf, 0, sizeof(*leaf));
	leaf->kind = QUICK_NODE;
	leaf->group = -1;
	if (!n->fast)
		return;
	leaf->slot = n->args[n->fast_var]->slot;
	leaf->lit = &n->args[1 - n->fast_var]->lit;
	switch (n->op)
	{
		case OP_EQ:
		case OP_SEQ:
			leaf->kind = QUICK_STR_EQ;
			break;
		case OP_NE:
		case OP_SNE:
			leaf->kind = QUICK_STR_NE;
			break;
		case OP_LT:
		case OP_LE:
		case OP_GT:
		case OP_GE:
			leaf->kind = QUICK_NUM_CMP;
			leaf->op = n->op;
			leaf->var_first = n->fast_var == 0;
			break;
		case OP_IN_LIST:
			if (n->list >= 0)
			{
				leaf->kind = QUICK_IN_LIST;
				leaf->list = n->list;
			}
			break;
		default:
			break;
	}
}

/*
 * The bit of list `list` in group g, adding the list (and its strings to
 * the group's map) when it is new.  0 when the group is full; -1 on OOM.
 */
static int
group_bit(QuickGroup *g, const ArkaListCatalog *lists, int32_t list, ArkaArena *arena,
		  uint64_t *bit)
{
	for (int i = 0; i < g->nlists; i++)
		if (g->lists[i] == list)
		{
			*bit = (uint64_t) 1 << i;
			return 1;
		}
	if (g->nlists == QUICK_GROUP_LISTS)
		return 0;
	*bit = (uint64_t) 1 << g->nlists;
	if (!arka_strmask_add_set(&g->map, arena, &lists->lists[list].items, *bit))
		return -1;
	g->lists[g->nlists++] = list;
	return 1;
}

/*
 * Group the in_list leaves by field: a field tested against two or more
 * lists gets one string -> lists map, so a document probes it once.  A
 * field with one list keeps its plain set probe, which costs the same.
 */
static bool
group_lists(ArkaQuickCheck *qc, ArkaArena *arena)
{
	qc->ngroups = 0;
	qc->groups = arka_arena_alloc(arena, sizeof(QuickGroup) * QUICK_MAX_GROUPS);
	if (qc->groups == NULL)
		return false;
	for (int l = 0; l < qc->nleaves; l++)
	{
		QuickLeaf  *leaf = &qc->leaves[l];
		QuickGroup *g = NULL;
		bool		several = false;
		int			r;

		if (leaf->kind != QUICK_IN_LIST || leaf->list >= qc->lists->n)
			continue;
		for (int i = 0; i < qc->ngroups; i++)
			if (qc->groups[i].slot == leaf->slot)
				g = &qc->groups[i];
		if (g == NULL)
		{
			/* worth a group only if another leaf tests this field against another list */
			for (int k = 0; k < qc->nleaves && !several; k++)
				several = qc->leaves[k].kind == QUICK_IN_LIST &&
					qc->leaves[k].slot == leaf->slot &&
					qc->leaves[k].list != leaf->list &&
					qc->leaves[k].list < qc->lists->n;
			if (!several || qc->ngroups == QUICK_MAX_GROUPS)
				continue;
			g = &qc->groups[qc->ngroups++];
			memset(g, 0, sizeof(*g));
			g->slot = leaf->slot;
		}
		r = group_bit(g, qc->lists, leaf->list, arena, &leaf->bit);
		if (r < 0)
			return false;
		/* a full group leaves the leaf to probe its own set */
		if (r > 0)
			leaf->group = (int8_t) (g - qc->groups);
	}
	return true;
}

ArkaQuickCheck *
arka_quick_compile(const ArkaRuleset *rs, const ArkaSelection *sel, ArkaArena *arena)
{
	ArkaQuickCheck *qc = arka_arena_alloc(arena, sizeof(ArkaQuickCheck));
	int			nleaves = 0;

	if (qc == NULL)
		return NULL;
	for (int i = 0; i < rs->nrules; i++)
	{
		const ArkaNode *root = rs->rules[i].logic;

		if (sel->mask[i])
			nleaves += (root->op == OP_AND || root->op == OP_OR) ? root->nargs : 1;
	}
	qc->paths = &rs->paths;
	qc->lists = &rs->lists;
	qc->nrules = 0;
	qc->rules = arka_arena_alloc(arena, sizeof(QuickRule) * (sel->nselected ? sel->nselected : 1));
	qc->leaves = arka_arena_alloc(arena, sizeof(QuickLeaf) * (nleaves ? nleaves : 1));
	if (qc->rules == NULL || qc->leaves == NULL)
		return NULL;
	nleaves = 0;
	for (int i = 0; i < rs->nrules; i++)
	{
		const ArkaNode *root = rs->rules[i].logic;
		QuickRule  *r;

		if (!sel->mask[i])
			continue;
		r = &qc->rules[qc->nrules++];
		r->first = nleaves;
		if ((root->op == OP_AND || root->op == OP_OR) && root->nargs > 0)
		{
			r->is_or = root->op == OP_OR;
			r->n = root->nargs;
			for (int a = 0; a < root->nargs; a++)
				leaf_of(root->args[a], &qc->leaves[nleaves++]);
		}
		else
		{
			/* one leaf; an and/or of nothing (null) goes to the generic evaluator */
			r->is_or = false;
			r->n = 1;
			leaf_of(root, &qc->leaves[nleaves]);
			if (root->op == OP_AND || root->op == OP_OR)
				qc->leaves[nleaves].kind = QUICK_NODE;
			nleaves++;
		}
	}
	qc->nleaves = nleaves;
	if (!group_lists(qc, arena))
		return NULL;
	return qc;
}

/*
 * One leaf's truth: 1 true, 0 false, -1 undecided (a value the flat form
 * does not decide, another operator, an error).  The flat cases answer
 * as eval_fast does.
 */
static int
leaf_truth(const ArkaQuickCheck *qc, const QuickLeaf *leaf, ArkaEval *ev, QuickMemo *memo)
{
	static const ArkaValue null_value = {.type = ARKA_NULL};
	const ArkaValue *vp;
	int			r;

	if (leaf->kind == QUICK_NODE)
		return -1;
	/* read once per document (by this or an earlier rule), then the memo */
	vp = arka_eval_slot_ref(ev, leaf->slot, &r);
	if (r < 0)
		return -1;
	if (r == 0)
		vp = &null_value;
	switch (leaf->kind)
	{
		case QUICK_STR_EQ:
		case QUICK_STR_NE:
			if (vp->type == ARKA_STR)
			{
				bool		eq = vp->u.str.len == leaf->lit->u.str.len &&
					memcmp(vp->u.str.ptr, leaf->lit->u.str.ptr, vp->u.str.len) == 0;

				return eq == (leaf->kind == QUICK_STR_EQ);
			}
			if (vp->type == ARKA_NULL)
				return leaf->kind == QUICK_STR_NE;	/* null equals no string */
			break;
		case QUICK_IN_LIST:
			if (vp->type == ARKA_NUM || leaf->list >= qc->lists->n)
				break;			/* as its JavaScript string; or no such list */
			if (vp->type != ARKA_STR)
				return 0;
			if (leaf->group < 0)
				return arka_strset_contains(&qc->lists->lists[leaf->list].items,
											vp->u.str.ptr, vp->u.str.len);
			if (!(memo->known & ((uint32_t) 1 << leaf->group)))
			{
				memo->masks[leaf->group] =
					arka_strmask_get(&qc->groups[leaf->group].map, vp->u.str.ptr, vp->u.str.len);
				memo->known |= (uint32_t) 1 << leaf->group;
			}
			return (memo->masks[leaf->group] & leaf->bit) != 0;
		case QUICK_NUM_CMP:
			if (vp->type == ARKA_NUM)
			{
				bool		unordered;
				int			c = leaf->var_first ?
					arka_dec_cmp(&vp->u.num, &leaf->lit->u.num, &unordered) :
					arka_dec_cmp(&leaf->lit->u.num, &vp->u.num, &unordered);

				if (unordered)
					return 0;
				switch (leaf->op)
				{
					case OP_LT:
						return c < 0;
					case OP_LE:
						return c <= 0;
					case OP_GT:
						return c > 0;
					default:
						return c >= 0;
				}
			}
			break;
		default:
			break;
	}
	/* the generic semantics decide (loose equality, coercions) */
	return -1;
}

bool
arka_quick_none_fire(const ArkaQuickCheck *qc, ArkaEval *ev)
{
	QuickMemo	memo;

	/* the flat form indexes the ruleset's slots and lists */
	if (ev->paths != qc->paths || ev->lists != qc->lists)
		return false;
	memo.known = 0;
	for (int i = 0; i < qc->nrules; i++)
	{
		const QuickRule *r = &qc->rules[i];
		bool		fires = !r->is_or;

		ev->scope = NULL;
		ev->nnotes = 0;
		for (int l = 0; l < r->n; l++)
		{
			int			t = leaf_truth(qc, &qc->leaves[r->first + l], ev, &memo);

			if (t < 0)
				return false;
			/* "and" stops at the first false operand, "or" at the first true */
			if (t == r->is_or)
			{
				fires = r->is_or;
				break;
			}
		}
		if (fires)
			return false;
	}
	return true;
}
