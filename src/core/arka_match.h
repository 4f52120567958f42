/*-------------------------------------------------------------------------
 *
 * arka_match.h
 *	  In-memory sanctions watchlist: candidate index, fuzzy name scoring
 *	  with evidence, exact identifier matching.
 *
 * A list is built once (per backend, or per daemon thread) from entries:
 * an id, a type, a primary name, aliases (strong, or weak as OFAC keeps
 * them in Remarks), identifiers (passport, IMO, digital-currency address
 * ...), programs and countries.  arka_match_finalise normalises every
 * name (arka_names.h) and builds the candidate index; after that the list
 * is read-only and arka_match_screen answers "which entries does this
 * name match, how well, and why".
 *
 * Scoring, in one paragraph (docs/matching.md has the details and the
 * reasons): query and candidate tokens are aligned one-to-one so that the
 * total weighted Jaro-Winkler similarity is maximal; the score is the
 * agreeing weight over the agreeing weight plus disagreement, where
 * unmatched tokens cost according to whether they conflict (both sides
 * have an unexplained token: "Bush" vs "Habbash") or are merely extra (a
 * middle name present on one side only); a single-word query reaches the
 * threshold only by equalling an individual's surname; weak aliases score
 * slightly lower; an exact identifier scores 1.0.
 *
 * Candidate pruning is exact: for any min_score > 0, arka_match_screen
 * returns exactly the entries ARKA_MATCH_EXHAUSTIVE (which scores every
 * name) returns; test/core/test_match.c checks this on the full OFAC list.
 *
 * No PostgreSQL headers.  Errors are return values; nothing aborts.  All
 * memory belongs to the list (or to the ArkaMatchResults the caller
 * passes) and is released by the matching free function.
 *
 *-------------------------------------------------------------------------
 */
#ifndef ARKA_MATCH_H
#define ARKA_MATCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "arka_json.h"
#include "arka_names.h"

/*
 * Default min_score when the caller passes a negative one.  Measured on
 * the OFAC SDN list by test/core/bench_match.c; docs/matching.md records
 * the recall and false-positive figures behind it.
 */
#define ARKA_MATCH_DEFAULT_THRESHOLD	0.91

/* Scoring constants (docs/matching.md). */
#define ARKA_MATCH_TOKEN_FLOOR		0.80	/* token similarity below: 0 */
#define ARKA_MATCH_SIM_INITIAL		0.75	/* "J" vs "John" */
#define ARKA_MATCH_SIM_SKELETON		0.93	/* same transliteration key */
#define ARKA_MATCH_SKELETON_MIN_JW	0.75	/* ... and at least this JW, */
#define ARKA_MATCH_SKELETON_MIN_JW2	0.85	/* or this with two consonants */
#define ARKA_MATCH_LEN_FREE			0.80	/* token length ratio without penalty */
#define ARKA_MATCH_LEN_PENALTY		0.50	/* slope below that ratio */
#define ARKA_MATCH_COST_CONFLICT	2.0		/* per unit of conflicting weight */
#define ARKA_MATCH_COST_EXTRA_QUERY 0.50	/* per unit of extra query weight */
#define ARKA_MATCH_COST_EXTRA_CAND	0.30	/* per unit of extra candidate weight */
#define ARKA_MATCH_COST_LEGAL		0.20	/* per unit of unmatched legal form */
#define ARKA_MATCH_COST_SURNAME		0.50	/* surname entirely unmatched */
#define ARKA_MATCH_WEAK_FACTOR		0.95	/* weak a.k.a. from Remarks */
#define ARKA_MATCH_SINGLE_CAP		0.80	/* one-word query, longer name */
#define ARKA_MATCH_SURNAME_SCORE	0.92	/* one-word query = a surname */

#define ARKA_MATCH_MAX_RESULTS		10000
#define ARKA_MATCH_CACHE_PAIRS		(256 * 1024)	/* partner cache, per scratch
													 * (3 MiB) */

typedef enum ArkaEntryType
{
	ARKA_ENTRY_UNKNOWN = 0,
	ARKA_ENTRY_INDIVIDUAL,
	ARKA_ENTRY_ENTITY,
	ARKA_ENTRY_VESSEL,
	ARKA_ENTRY_AIRCRAFT
} ArkaEntryType;

typedef enum ArkaMatchStatus
{
	ARKA_MATCH_OK = 0,
	ARKA_MATCH_ENOMEM,			/* out of memory */
	ARKA_MATCH_EINVAL,			/* NULL or out-of-range argument */
	ARKA_MATCH_ESTATE,			/* add after finalise, screen before it,
								 * anything after a failed finalise */
	ARKA_MATCH_ETOOLONG,		/* name > ARKA_NAME_MAX_BYTES bytes */
	ARKA_MATCH_ETOOMANY,		/* name > ARKA_NAME_MAX_TOKENS words */
	ARKA_MATCH_EEMPTY,			/* name without a letter or digit */
	ARKA_MATCH_ELIMIT			/* list beyond 2^31 names or 4 GiB text */
} ArkaMatchStatus;

/* Flags for arka_match_screen. */
#define ARKA_MATCH_EXHAUSTIVE	0x01	/* score every name, no index */
#define ARKA_MATCH_NO_EVIDENCE	0x02	/* skip token pairs (faster) */
#define ARKA_MATCH_NO_IDS		0x04	/* do not look the query up as an
										 * identifier */
#define ARKA_MATCH_NO_CACHE		0x08	/* bypass the partner cache (for
										 * measuring the cold path) */

/* Rules that changed a score (ArkaMatchResult.rules). */
#define ARKA_MATCH_RULE_WEAK_ALIAS	0x01	/* x ARKA_MATCH_WEAK_FACTOR */
#define ARKA_MATCH_RULE_SINGLE_CAP	0x02	/* capped at SINGLE_CAP */
#define ARKA_MATCH_RULE_SURNAME		0x04	/* raised to SURNAME_SCORE */
#define ARKA_MATCH_RULE_IDENTIFIER	0x08	/* exact identifier: 1.0 */

/* How two tokens were found similar. */
typedef enum ArkaMatchSimKind
{
	ARKA_SIM_EXACT = 0,
	ARKA_SIM_JARO_WINKLER,
	ARKA_SIM_SKELETON,			/* same transliteration key */
	ARKA_SIM_INITIAL,			/* an initial and a word it starts */
	ARKA_SIM_SYNONYM			/* ltd = limited, ooo = llc, al = el */
} ArkaMatchSimKind;

typedef struct ArkaMatchList ArkaMatchList;
typedef struct ArkaMatchScratch ArkaMatchScratch;

/* One aligned token pair. */
typedef struct ArkaMatchPair
{
	const char *query_token;	/* normalised, NUL-terminated */
	const char *cand_token;		/* normalised, NUL-terminated */
	double		similarity;		/* token similarity in (0,1] */
	double		query_weight;
	double		cand_weight;
	ArkaMatchSimKind kind;
} ArkaMatchPair;

/* A token left without a partner, and what it cost. */
typedef struct ArkaMatchUnmatched
{
	const char *token;
	double		weight;
	bool		query_side;		/* else candidate side */
} ArkaMatchUnmatched;

typedef struct ArkaMatchResult
{
	uint32_t	entry;			/* entry index, 0-based, in add order */
	int32_t		name_index;		/* 0 primary, k = k-th alias */
	const char *matched_name;	/* that name, as added */
	const char *matched_norm;	/* its normalised form */
	bool		weak;			/* matched a weak alias */
	double		score;			/* final score in [0,1] */
	double		base_score;		/* before the rules below */
	unsigned	rules;			/* ARKA_MATCH_RULE_* */
	/* evidence (empty with ARKA_MATCH_NO_EVIDENCE) */
	double		agreement;		/* sum of sim * (wq + wc) over pairs */
	double		disagreement;	/* sum of (1 - sim) * (wq + wc) */
	double		conflict_weight;	/* min(unmatched query, unmatched cand) */
	double		extra_query_weight;
	double		extra_cand_weight;
	double		legal_weight;	/* unmatched legal forms, both sides */
	double		surname_penalty;	/* the person's surname went unmatched */
	double		penalty;		/* conflict and extra costs together */
	int			npairs;
	const ArkaMatchPair *pairs;
	int			nunmatched;
	const ArkaMatchUnmatched *unmatched;
	/* identifier matches */
	const char *id_type;
	const char *id_value;
} ArkaMatchResult;

/* Results of one screen; reusable across calls. */
typedef struct ArkaMatchResults
{
	int			count;
	ArkaMatchResult *items;		/* best first */
	const char *query_norm;		/* the normalised query */
	int			candidates;		/* names scored (diagnostics) */
	/* private */
	int			cap;
	ArkaMatchPair *pairs;
	int			npairs,
				pairs_cap;
	ArkaMatchUnmatched *unm;
	int			nunm,
				unm_cap;
	char	   *text;
	size_t		text_len,
				text_cap;
} ArkaMatchResults;

/* Building */
extern ArkaMatchList *arka_match_list_create(void);
extern void arka_match_list_free(ArkaMatchList *list);
extern ArkaMatchStatus arka_match_add_entry(ArkaMatchList *list,
											const char *entry_id, size_t id_len,
											ArkaEntryType type,
											const char *name, size_t name_len,
											uint32_t *entry_out);
extern ArkaMatchStatus arka_match_add_alias(ArkaMatchList *list, uint32_t entry,
											const char *name, size_t name_len,
											bool weak);
extern ArkaMatchStatus arka_match_add_identifier(ArkaMatchList *list, uint32_t entry,
												 const char *type, size_t type_len,
												 const char *value, size_t value_len);
extern ArkaMatchStatus arka_match_add_program(ArkaMatchList *list, uint32_t entry,
											  const char *program, size_t len);
extern ArkaMatchStatus arka_match_add_country(ArkaMatchList *list, uint32_t entry,
											  const char *country, size_t len);
extern ArkaMatchStatus arka_match_finalise(ArkaMatchList *list);
extern void arka_match_set_threshold(ArkaMatchList *list, double threshold);
extern double arka_match_threshold(const ArkaMatchList *list);

/* Inspecting */
extern uint32_t arka_match_entry_count(const ArkaMatchList *list);
extern uint32_t arka_match_name_count(const ArkaMatchList *list);
extern uint32_t arka_match_vocab_count(const ArkaMatchList *list);
extern size_t arka_match_memory(const ArkaMatchList *list);
extern const char *arka_match_entry_id(const ArkaMatchList *list, uint32_t entry);
extern ArkaEntryType arka_match_entry_type(const ArkaMatchList *list, uint32_t entry);
extern int	arka_match_entry_names(const ArkaMatchList *list, uint32_t entry);
extern const char *arka_match_entry_name(const ArkaMatchList *list, uint32_t entry,
										 int k, bool *weak);
extern int	arka_match_entry_attrs(const ArkaMatchList *list, uint32_t entry,
								   char kind);
extern const char *arka_match_entry_attr(const ArkaMatchList *list, uint32_t entry,
										 char kind, int k, const char **id_type);
extern const char *arka_match_entry_type_string(ArkaEntryType type);
extern const char *arka_match_status_string(ArkaMatchStatus st);

/* Screening */
extern void arka_match_results_init(ArkaMatchResults *res);
extern void arka_match_results_free(ArkaMatchResults *res);

/*
 * Screen a name.  min_score < 0 means the list's threshold; results are
 * the entries whose best name scores >= min_score (and > 0), best first,
 * ties by entry index, at most max_results of them (capped at
 * ARKA_MATCH_MAX_RESULTS).  An empty name (no letters or digits) gives no
 * results and ARKA_MATCH_OK; an over-long one gives ARKA_MATCH_ETOOLONG
 * or ARKA_MATCH_ETOOMANY.  Uses the list's own scratch space: one screen
 * at a time per list (one backend); threads use arka_match_screen_with.
 */
extern ArkaMatchStatus arka_match_screen(ArkaMatchList *list,
										 const char *name, size_t len,
										 double min_score, int max_results,
										 unsigned flags, ArkaMatchResults *out);
extern ArkaMatchScratch *arka_match_scratch_create(const ArkaMatchList *list);
extern void arka_match_scratch_free(ArkaMatchScratch *scratch);
extern ArkaMatchStatus arka_match_screen_with(const ArkaMatchList *list,
											  ArkaMatchScratch *scratch,
											  const char *name, size_t len,
											  double min_score, int max_results,
											  unsigned flags, ArkaMatchResults *out);

/*
 * Screen an identifier value (passport number, IMO number, digital
 * currency address ...).  type may be NULL (any type) or e.g. "IMO";
 * types compare case-insensitively, values ignoring spaces, dashes, dots
 * and slashes and, except digital-currency addresses, case.  Every entry
 * holding it is a result with score 1.0.
 */
extern ArkaMatchStatus arka_match_screen_id(const ArkaMatchList *list,
											const char *value, size_t len,
											const char *type, size_t type_len,
											int max_results, ArkaMatchResults *out);

/*
 * The evidence of one result as a JSON object (for the "entry" column of
 * arka_screen and the evidence of sanctions_match).
 */
extern void arka_match_result_json(const ArkaMatchList *list,
								   const ArkaMatchResults *res,
								   const ArkaMatchResult *r, ArkaBuf *out);

#endif							/* ARKA_MATCH_H */
