/*-------------------------------------------------------------------------
 *
 * decide.h
 *	  One decision over a row's document, as arka_evaluate makes it.
 *
 * Same steps as src/arka_decision.c: select the rules (the protection's
 * jurisdictions and domains, effective dates judged at the commit date),
 * evaluate, then the proof id over the canonical encoding of the whole
 * document (arka_canon_value, arka_doc_digest, arka_proof_id).  The
 * violations come out as JSON text with the same members and evidence
 * as arka_evaluate's "violations"; PostgreSQL turns it into jsonb.
 *
 *-------------------------------------------------------------------------
 */
#ifndef CDC_DECIDE_H
#define CDC_DECIDE_H

#include <stdbool.h>

#include "arka_json.h"
#include "arka_ruleset.h"
#include "catalog.h"
#include "watchlists.h"

typedef struct Decision
{
	bool		failed;			/* evaluation error: *error says why */
	char		error[512];
	ArkaAction	outcome;
	char		proof[65];
	char		ruleset_version[65];
	ArkaBuf		violations;		/* JSON array */
	ArkaBuf		rule_versions;	/* JSON object {"rule_id": version} */
} Decision;

typedef struct Decider
{
	ArkaArena	arena;			/* per document */
	ArkaArena	sel_arena;		/* selections */
	ArkaBuf		canon;
	ArkaBuf		leaf;
	/* selection cache, keyed by protection filters, ruleset and day */
	const ArkaRuleset *sel_rs;
	uint64_t	sel_generation;
	int32_t		sel_day;
	const CatProtection *sel_prot;	/* the protection it was last used for */
	ArkaBuf		sel_key;		/* its filters (filter_key) */
	ArkaBuf		key;			/* scratch: the filters of the row's protection */
	ArkaSelection sel;
	ArkaBuf		sel_versions;	/* the selection's rule_versions JSON */
	/* sanctions_match screens through these (NULL: it fails) */
	CdcWatchlists *watchlists;
	ArkaSanctionsCtx screening;
} Decider;

extern void decider_init(Decider *d);
extern void decider_free(Decider *d);
extern void decision_init(Decision *dec);
extern void decision_free(Decision *dec);

/*
 * Decide doc (built in d->arena by the caller after decider_begin) with
 * the catalog's ruleset under protection prot on day `day` (days since
 * 1970-01-01).  False only on out-of-memory; an evaluation error is a
 * decision with failed set (arka fails closed: callers flag it).
 */
extern ArkaArena *decider_begin(Decider *d);
extern bool decider_decide(Decider *d, Catalog *cat, const CatProtection *prot, int32_t day,
						   const ArkaValue *doc, Decision *dec);

#endif							/* CDC_DECIDE_H */
