/*-------------------------------------------------------------------------
 *
 * arka_ruleset.c
 *	  Build a ruleset, select rules for a call, and decide an outcome.
 *
 *-------------------------------------------------------------------------
 */
#include <stdlib.h>
#include <string.h>

#include "arka_proof.h"
#include "arka_ruleset.h"

static const char *const action_names[] = {"allow", "review", "block"};

const char *
arka_action_name(ArkaAction a)
{
	return action_names[a];
}

bool
arka_action_parse(const char *s, ArkaAction *out)
{
	for (int i = 0; i < 3; i++)
		if (strcmp(s, action_names[i]) == 0)
		{
			*out = (ArkaAction) i;
			return true;
		}
	return false;
}

ArkaRuleset *
arka_ruleset_create(void)
{
	ArkaRuleset *rs = calloc(1, sizeof(ArkaRuleset));

	if (rs == NULL)
		return NULL;
	arka_arena_init(&rs->arena, 0);
	return rs;
}

void
arka_ruleset_free(ArkaRuleset *rs)
{
	if (rs == NULL)
		return;
	arka_arena_free(&rs->arena);
	free(rs);
}

/* Grow an arena-backed array (old block abandoned: build time only). */
static void *
grow(ArkaArena *a, void *old, int n, int *cap, size_t elem)
{
	int			ncap = *cap ? *cap * 2 : 16;
	void	   *p = arka_arena_alloc(a, ncap * elem);

	if (p == NULL)
		return NULL;
	if (n)
		memcpy(p, old, n * elem);
	*cap = ncap;
	return p;
}

int
arka_ruleset_add_list(ArkaRuleset *rs, const char *name, size_t len)
{
	ArkaList   *l;
	int			found = arka_list_find(&rs->lists, name, len);

	if (found >= 0)
		return found;
	if (rs->lists.n == rs->lists_cap)
	{
		ArkaList   *nl = grow(&rs->arena, rs->lists.lists, rs->lists.n, &rs->lists_cap,
							  sizeof(ArkaList));

		if (nl == NULL)
			return -1;
		rs->lists.lists = nl;
	}
	l = &rs->lists.lists[rs->lists.n];
	memset(l, 0, sizeof(*l));
	l->name = arka_arena_strdup(&rs->arena, name, len);
	if (l->name == NULL)
		return -1;
	return rs->lists.n++;
}

bool
arka_ruleset_add_list_item(ArkaRuleset *rs, int list, const char *p, size_t len)
{
	return arka_strset_add(&rs->lists.lists[list].items, &rs->arena, p, len);
}

static const char *
dup_or_null(ArkaArena *a, const char *s)
{
	return s ? arka_arena_strdup(a, s, strlen(s)) : NULL;
}

bool
arka_ruleset_add_rule(ArkaRuleset *rs, const ArkaRule *def, const ArkaValue *logic,
					  ArkaError *err)
{
	ArkaCompileOpts opts = {.strict = true, .lists = &rs->lists, .paths = &rs->paths};
	ArkaRule	r = *def;
	int			slots[256];

	r.logic = arka_logic_compile(logic, &rs->arena, &opts, err);
	if (r.logic == NULL)
		return false;
	r.rule_id = dup_or_null(&rs->arena, def->rule_id);
	r.jurisdiction = dup_or_null(&rs->arena, def->jurisdiction);
	r.domain = dup_or_null(&rs->arena, def->domain);
	r.severity = dup_or_null(&rs->arena, def->severity);
	r.description = dup_or_null(&rs->arena, def->description);
	r.nslots = arka_logic_slots(r.logic, slots, 256);
	r.slots = arka_arena_alloc(&rs->arena, (r.nslots ? r.nslots : 1) * sizeof(int));
	if (r.rule_id == NULL || r.jurisdiction == NULL || r.domain == NULL ||
		r.severity == NULL || r.slots == NULL)
	{
		arka_error_set(err, ARKA_ERR_LIMIT, "$", "out of memory building ruleset");
		return false;
	}
	memcpy(r.slots, slots, r.nslots * sizeof(int));
	if (rs->nrules == rs->rules_cap)
	{
		ArkaRule   *nr = grow(&rs->arena, rs->rules, rs->nrules, &rs->rules_cap,
							  sizeof(ArkaRule));

		if (nr == NULL)
		{
			arka_error_set(err, ARKA_ERR_LIMIT, "$", "out of memory building ruleset");
			return false;
		}
		rs->rules = nr;
	}
	rs->rules[rs->nrules++] = r;
	return true;
}

/* Case-sensitive membership of s in a filter list; NULL list = all. */
static bool
filter_match(const ArkaStrList *f, const char *s)
{
	size_t		len;

	if (f == NULL)
		return true;
	len = strlen(s);
	for (int i = 0; i < f->n; i++)
		if (f->lens[i] == len && memcmp(f->items[i], s, len) == 0)
			return true;
	return false;
}

bool
arka_ruleset_select(const ArkaRuleset *rs, const ArkaStrList *jurisdictions,
					const ArkaStrList *domains, int32_t today, ArkaArena *arena,
					ArkaSelection *sel)
{
	sel->mask = arka_arena_alloc(arena, rs->nrules ? rs->nrules : 1);
	if (sel->mask == NULL)
		return false;
	sel->nselected = 0;
	for (int i = 0; i < rs->nrules; i++)
	{
		const ArkaRule *r = &rs->rules[i];
		bool		on = filter_match(jurisdictions, r->jurisdiction) &&
			filter_match(domains, r->domain) &&
			(r->effective_from == ARKA_ALWAYS_EFFECTIVE || r->effective_from <= today);

		sel->mask[i] = on;
		sel->nselected += on;
	}
	/* without it (out of memory) every document takes the full evaluation */
	sel->quick = arka_quick_compile(rs, sel, arena);
	return arka_selection_digest(rs, sel);
}

bool
arka_ruleset_evaluate(const ArkaRuleset *rs, const ArkaSelection *sel, ArkaEval *ev,
					  ArkaDecision *d, int *failed_rule)
{
	int			nfired = 0;

	d->outcome = ARKA_ACTION_ALLOW;
	if (sel->quick != NULL)
	{
		/* the usual case, nothing fires, decided without building a result */
		if (arka_quick_none_fire(sel->quick, ev))
		{
			d->nfired = 0;
			d->fired = NULL;
			d->notes = NULL;
			return true;
		}

		/*
		 * Undecided: evaluate in full.  The slot memo stays (the check read
		 * what the full evaluation reads first, in the same order); an
		 * error it met is met again, at the same rule.
		 */
		ev->err.code = ARKA_OK;
		ev->err.path[0] = '\0';
		ev->err.message[0] = '\0';
	}
	d->fired = arka_arena_alloc(ev->arena, (sel->nselected ? sel->nselected : 1) * sizeof(int));
	d->notes = arka_arena_alloc(ev->arena, (sel->nselected ? sel->nselected : 1) * sizeof(ArkaValue));
	if (d->fired == NULL || d->notes == NULL)
	{
		arka_error_set(&ev->err, ARKA_ERR_LIMIT, "$", "evaluation exceeded its memory limit");
		*failed_rule = -1;
		return false;
	}
	for (int i = 0; i < rs->nrules; i++)
	{
		ArkaValue	result;

		if (!sel->mask[i])
			continue;
		ev->scope = NULL;
		ev->nnotes = 0;
		if (!arka_logic_eval(ev, rs->rules[i].logic, &result))
		{
			*failed_rule = i;
			return false;
		}
		if (arka_truthy(&result))
		{
			ArkaValue  *note = &d->notes[nfired];

			*note = arka_null();
			if (ev->nnotes > 0)
			{
				note->type = ARKA_ARR;
				note->u.arr.items = ev->notes;
				note->u.arr.n = ev->nnotes;
				/* the next rule collects into a fresh array */
				ev->notes = NULL;
				ev->cap_notes = 0;
			}
			d->fired[nfired++] = i;
			if (rs->rules[i].action > d->outcome)
				d->outcome = rs->rules[i].action;
		}
	}
	d->nfired = nfired;
	return true;
}
