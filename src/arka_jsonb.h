/*-------------------------------------------------------------------------
 *
 * arka_jsonb.h
 *	  jsonb <-> engine values, and the document accessor over jsonb.
 *
 *-------------------------------------------------------------------------
 */
#ifndef ARKA_JSONB_H
#define ARKA_JSONB_H

#include "postgres.h"
#include "utils/jsonb.h"
#include "utils/numeric.h"

#include "arka_json.h"
#include "arka_logic.h"

/* The document behind arka_jsonb_doc_ops is a JsonbContainer *. */
extern const ArkaDocOps arka_jsonb_doc_ops;

/* A path looked up in a container's bytes, in place (any alignment). */
extern int	arka_jsonb_lookup(const char *doc, const ArkaPath *path, ArkaEval *ev,
							  ArkaValue *out);

/* Exact decimal from a numeric; false when beyond the decimal range. */
extern bool arka_numeric_is_special(Numeric num);
extern bool arka_numeric_to_dec(Numeric num, ArkaDec *out);

/*
 * Convert a whole jsonb container into an in-memory value in the arena.
 * Raises an error (never crashes) when nesting exceeds the engine's limit.
 */
extern void arka_jsonb_to_value(JsonbContainer *c, ArkaArena *arena, ArkaValue *out);

/* Build jsonb from a value (NaN/Infinity become JSON null). */
extern Jsonb *arka_value_to_jsonb(const ArkaValue *v);
extern void arka_push_value(JsonbParseState **ps, JsonbIteratorToken tok, const ArkaValue *v);

/*
 * JsonbValue trees, for building results without pushJsonbValue's key
 * sort: callers supply object pairs already in jsonb key order.
 */
extern void arka_jbv_string(JsonbValue *v, const char *s, size_t len);
extern int	arka_jsonb_key_cmp(const char *a, size_t alen, const char *b, size_t blen);

/*
 * The value at a path of a jsonb document as a JsonbValue tree (pointing
 * into the document), for evidence; false when the path is absent.
 */
extern bool arka_jsonb_path_jbv(JsonbContainer *root, const ArkaPath *path, JsonbValue *out);

/* An engine value as a JsonbValue tree (object keys sorted as jsonb needs). */
extern void arka_value_to_jbv(const ArkaValue *v, JsonbValue *out);

/* Canonical encoding (doc-c14n-v1) of a jsonb document. */
extern void arka_jsonb_canon(JsonbContainer *c, ArkaBuf *b);

#endif							/* ARKA_JSONB_H */
