/*-------------------------------------------------------------------------
 *
 * arka_ruleset.h
 *	  A compiled set of rules and named lists, and one decision over it.
 *
 * The extension builds a ruleset once per backend from arka.rules and the
 * named lists, and rebuilds it only when they change; arka-cdc builds the
 * same structure from the same rows.  Everything lives in one arena, so
 * dropping a ruleset is one free.
 *
 *-------------------------------------------------------------------------
 */
#ifndef ARKA_RULESET_H
#define ARKA_RULESET_H

#include "arka_logic.h"

typedef enum ArkaAction
{
	ARKA_ACTION_ALLOW = 0,
	ARKA_ACTION_REVIEW,
	ARKA_ACTION_BLOCK
} ArkaAction;

#define ARKA_ALWAYS_EFFECTIVE INT32_MIN

typedef struct ArkaRule
{
	const char *rule_id;
	int32_t		version;
	const char *jurisdiction;
	const char *domain;
	const char *severity;
	const char *description;	/* may be NULL */
	ArkaAction	action;
	int32_t		effective_from; /* days since 1970-01-01, or ALWAYS */
	ArkaNode   *logic;
	int		   *slots;			/* document slots the rule reads */
	int			nslots;
} ArkaRule;

typedef struct ArkaRuleset
{
	ArkaArena	arena;
	ArkaPathTable paths;
	ArkaListCatalog lists;
	int			lists_cap;
	ArkaRule   *rules;
	int			nrules;
	int			rules_cap;
} ArkaRuleset;

/* A selection flattened to decide "no rule fires" cheaply (arka_quick.c). */
typedef struct ArkaQuickCheck ArkaQuickCheck;

/* Which rules one call evaluates (filters and date applied). */
typedef struct ArkaSelection
{
	uint8_t    *mask;			/* nrules entries, 1 = evaluate */
	int			nselected;
	const ArkaQuickCheck *quick;	/* NULL: always the full evaluation */
	uint8_t		digest[32];		/* SHA-256 of the selected "id version" lines */
	char		digest_hex[65]; /* the same in hex (ruleset_version) */
} ArkaSelection;

typedef struct ArkaDecision
{
	ArkaAction	outcome;
	int			nfired;
	int		   *fired;			/* rule indexes, in ruleset order */
	ArkaValue  *notes;			/* per fired rule: array of operator evidence
								 * (sanctions matches) or null */
} ArkaDecision;

extern ArkaRuleset *arka_ruleset_create(void);
extern void arka_ruleset_free(ArkaRuleset *rs);

/* Lists must be added before the rules that reference them. */
extern int	arka_ruleset_add_list(ArkaRuleset *rs, const char *name, size_t len);
extern bool arka_ruleset_add_list_item(ArkaRuleset *rs, int list, const char *p, size_t len);

/*
 * Compile and append a rule (strings are copied).  Rules should be added
 * in rule_id order: the selection digest and the fired list follow it.
 */
extern bool arka_ruleset_add_rule(ArkaRuleset *rs, const ArkaRule *def,
								  const ArkaValue *logic, ArkaError *err);

/*
 * Select the rules for a call: jurisdictions/domains are arrays of
 * strings (NULL = no filter), `today` in days since 1970-01-01 excludes
 * rules not yet in effect.  sel->mask is allocated in `arena`.
 */
typedef struct ArkaStrList
{
	const char **items;
	size_t	   *lens;
	int			n;
} ArkaStrList;

extern bool arka_ruleset_select(const ArkaRuleset *rs, const ArkaStrList *jurisdictions,
								const ArkaStrList *domains, int32_t today,
								ArkaArena *arena, ArkaSelection *sel);

/*
 * The quick check of a selection (in `arena`; NULL when out of memory),
 * and its verdict on one document: true only when evaluating the
 * selection would fire no rule and raise no error.  false says nothing:
 * the full evaluation decides.  ev is set up as for arka_ruleset_evaluate.
 */
extern ArkaQuickCheck *arka_quick_compile(const ArkaRuleset *rs, const ArkaSelection *sel,
										  ArkaArena *arena);
extern bool arka_quick_none_fire(const ArkaQuickCheck *qc, ArkaEval *ev);

/*
 * Evaluate the selected rules on the document behind `ev`.  On an
 * evaluation error returns false with ev->err set and *failed_rule the
 * index of the rule that failed: arka fails closed, it never treats an
 * error as "did not fire".
 */
extern bool arka_ruleset_evaluate(const ArkaRuleset *rs, const ArkaSelection *sel,
								  ArkaEval *ev, ArkaDecision *d, int *failed_rule);

extern const char *arka_action_name(ArkaAction a);
extern bool arka_action_parse(const char *s, ArkaAction *out);

#endif							/* ARKA_RULESET_H */
