/*-------------------------------------------------------------------------
 *
 * arka_logic.h
 *	  JSON Logic: compile once into a node tree, evaluate many times.
 *
 * Compilation turns a rule (an ArkaValue tree) into nodes whose operator
 * is an enum, whose literal operands are pre-built values and whose
 * static `var` paths are pre-split and interned in an ArkaPathTable, so
 * evaluation does no string comparison of operator names and looks each
 * document path up at most once per document (the slot memo).
 *
 * Documents are read through ArkaDocOps, so the same compiled rule runs
 * over jsonb (the extension), a heap tuple (the trigger) or jansson
 * (arka-cdc) without converting the document first.
 *
 *-------------------------------------------------------------------------
 */
#ifndef ARKA_LOGIC_H
#define ARKA_LOGIC_H

#include "arka_value.h"

/* Error codes shared by compile and evaluate. */
typedef enum ArkaErrCode
{
	ARKA_OK = 0,
	ARKA_ERR_COMPILE,			/* malformed rule (compile time) */
	ARKA_ERR_UNKNOWN_OP,		/* unknown operator */
	ARKA_ERR_UNKNOWN_LIST,		/* in_list names no list */
	ARKA_ERR_DIVZERO,			/* division or modulo by zero */
	ARKA_ERR_RANGE,				/* number beyond the decimal range */
	ARKA_ERR_LIMIT,				/* memory or depth limit */
	ARKA_ERR_DOCUMENT,			/* document accessor failed */
	ARKA_ERR_INTERRUPTED,		/* host asked to stop (query cancel) */
	ARKA_ERR_EVAL				/* other evaluation error (e.g. "*" of nothing) */
} ArkaErrCode;

typedef struct ArkaError
{
	ArkaErrCode code;
	char		path[256];		/* JSON path of the rule node, e.g. $.and[1][">="] */
	char		message[256];	/* lower-case, says what is wrong */
} ArkaError;

extern void arka_error_set(ArkaError *err, ArkaErrCode code, const char *path,
						   const char *fmt,...) __attribute__((format(printf, 4, 5)));

/* One segment of a pre-split `var` path ("payer.name" -> payer, name). */
typedef struct ArkaPathSeg
{
	const char *key;
	size_t		len;
	int64_t		index;			/* >= 0 when the segment is a decimal index */
} ArkaPathSeg;

typedef struct ArkaPath
{
	const char *text;			/* the dotted path as written */
	size_t		textlen;
	int			nseg;			/* 0 = the whole data */
	ArkaPathSeg *segs;
} ArkaPath;

/* Split a dotted path into segments in the arena ("" = the whole data). */
extern bool arka_path_split(ArkaArena *arena, const char *text, size_t len, ArkaPath *out);

/* Interned static document paths; index = memo slot. */
typedef struct ArkaPathTable
{
	ArkaPath   *paths;
	int			n;
	int			cap;
} ArkaPathTable;

/* Named value lists referenced by the in_list operator. */
typedef struct ArkaStrSet
{
	uint32_t	cap;			/* power of two, 0 when empty */
	uint32_t	n;
	struct ArkaStrSetSlot *slots;
} ArkaStrSet;

typedef struct ArkaList
{
	char	   *name;
	ArkaStrSet	items;
	uint8_t		digest[32];		/* SHA-256 of its items, in byte order, one per line */
} ArkaList;

typedef struct ArkaListCatalog
{
	ArkaList   *lists;
	int			n;
} ArkaListCatalog;

/* Strings mapped to a bit mask of the lists (up to 64) that hold them. */
typedef struct ArkaStrMask
{
	uint32_t	cap;			/* power of two, 0 when empty */
	uint32_t	n;
	struct ArkaStrMaskSlot *slots;
} ArkaStrMask;

extern bool arka_strset_add(ArkaStrSet *s, ArkaArena *arena, const char *p, size_t len);
extern bool arka_strset_contains(const ArkaStrSet *s, const char *p, size_t len);
extern bool arka_strmask_add_set(ArkaStrMask *m, ArkaArena *arena, const ArkaStrSet *set,
								 uint64_t bit);
extern uint64_t arka_strmask_get(const ArkaStrMask *m, const char *p, size_t len);
extern int	arka_list_find(const ArkaListCatalog *cat, const char *name, size_t len);

typedef struct ArkaEval ArkaEval;

/*
 * Options of {"sanctions_match": [name, {"lists": [...], "min_score": s}]}.
 * Screening itself belongs to the host (the extension holds the compiled
 * watchlists): the evaluator calls ArkaEval.screen.
 */
typedef struct ArkaScreenOpts
{
	int			nlists;			/* 0 = every loaded list */
	const char **lists;
	double		min_score;		/* < 0: each list's default threshold */
} ArkaScreenOpts;

/*
 * Screen `name`; 1 and the best match as a value (an object, used as the
 * operator's result and recorded as evidence) when one scores at least the
 * threshold, 0 when none does, -1 on error (ev->err set).
 */
typedef int (*ArkaScreenFn) (void *ctx, const char *name, size_t len,
							 const ArkaScreenOpts *opts, ArkaEval *ev, ArkaValue *match);

/*
 * Document accessor.  lookup returns 1 and fills *out when the path is
 * present (a present JSON null is found, with type ARKA_NULL), 0 when it
 * is absent, -1 on error (after arka_error_set on ev's error).  Values
 * handed out must stay valid until the arena is reset.
 */
typedef struct ArkaDocOps
{
	int			(*lookup) (void *doc, const ArkaPath *path, ArkaEval *ev, ArkaValue *out);

	/*
	 * Optional: the same for the path table's entry `slot`, for documents
	 * that resolved the table's paths ahead (a row: a column per path).
	 * NULL: lookup is called with the slot's path.
	 */
	int			(*lookup_slot) (void *doc, int slot, ArkaEval *ev, ArkaValue *out);
} ArkaDocOps;

/* Accessor over an in-memory ArkaValue (tests, scopes, arka-cdc). */
extern const ArkaDocOps arka_value_doc_ops;
extern int	arka_value_lookup(const ArkaValue *root, const ArkaPath *path, ArkaValue *out);
extern bool arka_value_set_path(ArkaArena *arena, ArkaValue *obj, const ArkaPath *path, int from,
								const ArkaValue *value);

typedef struct ArkaNode ArkaNode;

/*
 * Compile options.  strict: unknown operators and lists are compile
 * errors (rule definitions); otherwise they compile to nodes that fail
 * only when evaluated, like json-logic-js (arka_apply, conformance).
 */
typedef struct ArkaCompileOpts
{
	bool		strict;
	const ArkaListCatalog *lists;	/* may be NULL */
	ArkaPathTable *paths;		/* where static document paths are interned */
} ArkaCompileOpts;

/*
 * Compile `rule` into nodes allocated in `arena` (which must outlive the
 * result; literal strings are copied).  Returns NULL with *err set
 * (err->path names the offending node).
 */
extern ArkaNode *arka_logic_compile(const ArkaValue *rule, ArkaArena *arena,
									const ArkaCompileOpts *opts, ArkaError *err);

/* Static document slots a compiled rule reads (for evidence). */
extern int	arka_logic_slots(const ArkaNode *root, int *slots, int max);

/*
 * Evaluation state for one document.  Set up with arka_eval_init, then
 * call arka_logic_eval for as many rules as needed; the slot memo is
 * shared by all of them.  Reset the arena after the document.
 */
typedef bool (*ArkaInterruptFn) (void);

enum
{
	ARKA_SLOT_UNKNOWN = 0,
	ARKA_SLOT_ABSENT,
	ARKA_SLOT_FOUND
};

struct ArkaEval
{
	ArkaArena  *arena;
	const ArkaDocOps *ops;
	void	   *doc;
	const ArkaPathTable *paths;
	ArkaValue  *slot_vals;
	uint8_t    *slot_state;
	const ArkaListCatalog *lists;
	ArkaInterruptFn interrupt;	/* may be NULL */
	const ArkaValue *scope;		/* data of the current iterator body */
	ArkaScreenFn screen;		/* sanctions_match (may be NULL) */
	void	   *screen_ctx;
	ArkaValue  *notes;			/* evidence operators add while a rule runs */
	int			nnotes;
	int			cap_notes;
	uint32_t	steps;
	int			depth;
	ArkaError	err;
};

extern bool arka_eval_init(ArkaEval *ev, ArkaArena *arena, const ArkaPathTable *paths,
						   const ArkaDocOps *ops, void *doc,
						   const ArkaListCatalog *lists);

/* Look up (memoized) static document slot i. Returns 1/0/-1 as lookup. */
extern int	arka_eval_slot(ArkaEval *ev, int slot, ArkaValue *out);
extern const ArkaValue *arka_eval_slot_read(ArkaEval *ev, int slot, int *found);

/*
 * The value of document slot `slot`: *found is 1 (its value, in the memo),
 * 0 (absent: NULL) or -1 (an error, in ev->err).  Inline because every
 * leaf of the quick check asks, and most ask for a field already read.
 */
static inline const ArkaValue *
arka_eval_slot_ref(ArkaEval *ev, int slot, int *found)
{
	if (ev->slot_state[slot] == ARKA_SLOT_FOUND)
	{
		*found = 1;
		return &ev->slot_vals[slot];
	}
	if (ev->slot_state[slot] == ARKA_SLOT_ABSENT)
	{
		*found = 0;
		return NULL;
	}
	return arka_eval_slot_read(ev, slot, found);
}

/* Evaluate; false on error (ev->err set). */
extern bool arka_logic_eval(ArkaEval *ev, const ArkaNode *root, ArkaValue *out);

/* JSON Logic truthiness (JavaScript's, with [] falsy). */
extern bool arka_truthy(const ArkaValue *v);

#endif							/* ARKA_LOGIC_H */
