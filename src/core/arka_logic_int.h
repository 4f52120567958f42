/*-------------------------------------------------------------------------
 *
 * arka_logic_int.h
 *	  Internals shared by the JSON Logic compiler, evaluator and operators.
 *
 *-------------------------------------------------------------------------
 */
#ifndef ARKA_LOGIC_INT_H
#define ARKA_LOGIC_INT_H

#include "arka_logic.h"
#include "arka_json.h"

typedef enum ArkaOp
{
	OP_LIT = 0,					/* literal value */
	OP_ARRAY,					/* array rule, evaluated element-wise */
	OP_UNKNOWN,					/* lenient mode: fails when evaluated */
	OP_VAR,
	OP_MISSING,
	OP_MISSING_SOME,
	OP_IF,
	OP_AND,
	OP_OR,
	OP_NOT,
	OP_NOTNOT,
	OP_EQ,
	OP_SEQ,
	OP_NE,
	OP_SNE,
	OP_LT,
	OP_LE,
	OP_GT,
	OP_GE,
	OP_ADD,
	OP_SUB,
	OP_MUL,
	OP_DIV,
	OP_MOD,
	OP_MIN,
	OP_MAX,
	OP_CAT,
	OP_SUBSTR,
	OP_IN,
	OP_MERGE,
	OP_MAP,
	OP_FILTER,
	OP_REDUCE,
	OP_ALL,
	OP_NONE,
	OP_SOME,
	OP_LOG,
	OP_IN_LIST,					/* arka extension: value in a named list */
	OP_SANCTIONS_MATCH			/* arka extension: name screened against watchlists */
} ArkaOp;

struct ArkaNode
{
	uint8_t		op;				/* ArkaOp */
	uint8_t		scoped;			/* inside an iterator body: data is the item */
	int32_t		nargs;
	ArkaNode  **args;
	ArkaValue	lit;			/* OP_LIT */
	int32_t		slot;			/* OP_VAR: static document slot, else -1 */
	const ArkaPath *path;		/* OP_VAR: static path, else NULL */
	int32_t    *keyslots;		/* OP_MISSING(_SOME): static key slots or NULL */
	const ArkaPath **keypaths;	/* same keys as paths (scoped lookups) */
	int32_t		nkeys;
	int32_t		list;			/* OP_IN_LIST: list index or -1 */
	const char *name;			/* OP_UNKNOWN operator / OP_IN_LIST list name */
	const char *where;			/* JSON path of this node, for errors */
	uint8_t		fast;			/* a document field against a literal */
	int8_t		fast_var;		/* which argument is that field */
	ArkaScreenOpts *screen;		/* OP_SANCTIONS_MATCH options */
};

/* String builder over the evaluation arena (arka_coerce.c). */
typedef struct ArkaSb
{
	ArkaEval   *ev;
	char	   *data;
	size_t		len;
	size_t		cap;
} ArkaSb;

extern void arka_sb_init(ArkaSb *sb, ArkaEval *ev);
extern bool arka_sb_append(ArkaSb *sb, const char *s, size_t len);

/* Coercions with JavaScript semantics (arka_coerce.c). */
extern ArkaDec arka_to_number(const ArkaValue *v);
extern ArkaDec arka_parse_float(const ArkaValue *v);
extern bool arka_to_js_string(ArkaSb *sb, const ArkaValue *v, bool null_empty);
extern bool arka_js_string_value(ArkaEval *ev, const ArkaValue *v, ArkaValue *out);
extern bool arka_loose_equal(ArkaEval *ev, const ArkaValue *a, const ArkaValue *b, bool *result);
extern bool arka_strict_equal(const ArkaValue *a, const ArkaValue *b);
extern int	arka_utf16_cmp(const char *a, size_t alen, const char *b, size_t blen);
extern bool arka_to_primitive(ArkaEval *ev, const ArkaValue *v, ArkaValue *out);

/* Operators (arka_logic_ops.c): args already evaluated. */
extern bool arka_op_apply(ArkaEval *ev, const ArkaNode *node, ArkaValue *args,
						  int nargs, ArkaValue *out);

/* Evaluator helpers used by operators. */
extern void *arka_eval_alloc(ArkaEval *ev, size_t size);
extern bool arka_eval_fail(ArkaEval *ev, const ArkaNode *node, ArkaErrCode code,
						   const char *fmt,...) __attribute__((format(printf, 4, 5)));

#endif							/* ARKA_LOGIC_INT_H */
