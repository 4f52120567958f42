/*-------------------------------------------------------------------------
 *
 * arka_decision.h
 *	  One decision over any document: evaluate, prove, build the result.
 *
 * Shared by arka_evaluate (jsonb documents) and the enforcement trigger
 * (heap tuples): both select the rules for their filters, evaluate them
 * through an ArkaDocOps, compute the proof id from the document's
 * canonical encoding and build the v1 result object.
 *
 *-------------------------------------------------------------------------
 */
#ifndef ARKA_DECISION_H
#define ARKA_DECISION_H

#include "postgres.h"
#include "utils/array.h"
#include "utils/jsonb.h"

#include "arka_proof.h"
#include "arka_sanctions.h"

/* A document as the decision machinery reads it. */
typedef struct ArkaDocSource
{
	const ArkaDocOps *ops;
	void	   *doc;
	/* append the canonical encoding (doc-c14n-v1) of the whole document */
	void		(*canon) (void *doc, ArkaBuf *buf);
	/* evidence value of a path read in place; NULL or false: use the slot value */
	bool		(*evidence) (void *doc, const ArkaPath *path, JsonbValue *out);
} ArkaDocSource;

typedef struct ArkaDecisionCtx
{
	const ArkaDocSource *src;
	ArkaRuleset *rs;
	ArkaSelection *sel;
	ArkaEval	ev;
	ArkaSanctionsCtx screening; /* ev's sanctions_match context */
	ArkaDecision d;
	int			failed_rule;	/* after a failed evaluation, or -1 */
	char		proof[65];
	ArkaBuf    *leaf;			/* the leaf text, valid until the next decision */
} ArkaDecisionCtx;

/*
 * The rules to evaluate for these filters (NULL = no filter), cached.
 * stable: the arrays stay put until the ruleset is rebuilt (protections),
 * so a repeat call is recognised by pointer without reading them; such
 * callers are the enforcement trigger and its dry run, which judge rules'
 * effective dates by today's date and never by arka.as_of.
 */
extern ArkaSelection *arka_get_selection(ArkaRuleset *rs, ArrayType *jurisdictions,
										 ArrayType *domains, bool stable);

/*
 * Evaluate the selected rules on a document.  False on an evaluation
 * error: dec->ev.err says what and dec->failed_rule which rule (-1 if
 * none); the caller decides whether to raise (arka_report_engine_error)
 * or, under arka.fail_open, to let the row through.
 */
extern bool arka_decide(ArkaDecisionCtx *dec, ArkaRuleset *rs, ArkaSelection *sel,
						const ArkaDocSource *src);

/* Compute dec->proof (and the leaf) from the document's canonical encoding. */
extern void arka_decide_proof(ArkaDecisionCtx *dec);

/* The v1 result object of a decision whose proof has been computed. */
extern Jsonb *arka_decision_jsonb(ArkaDecisionCtx *dec);
extern Jsonb *arka_violations_jsonb(ArkaDecisionCtx *dec);

/*
 * Raise an engine error as an ereport (never returns).  errcode_default 0
 * maps the engine's code (division by zero -> 22012, ...); otherwise that
 * SQLSTATE is used (ZA002 for rule evaluation).
 */
extern void arka_report_engine_error(const ArkaError *err, const char *rule_id,
									 int errcode_default) pg_attribute_noreturn();

/*
 * Claim and release the backend's evaluation memory (arena, buffers, the
 * cached selection) around a decision: a nested claim is an error.
 * arka_eval_busy: a decision is in progress.
 */
extern void arka_eval_begin(void);
extern void arka_eval_end(void);
extern bool arka_eval_busy(void);

/* The per-backend evaluation arena, reset for each use (inside a claim). */
extern ArkaArena *arka_eval_arena(void);

#endif							/* ARKA_DECISION_H */
