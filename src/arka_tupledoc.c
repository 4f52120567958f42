/*-------------------------------------------------------------------------
 *
 * arka_tupledoc.c
 *	  A table row as an arka document, read straight from the heap tuple.
 *
 * The document a row stands for (docs/protect.md): an object with one
 * member per column (column name -> value, SQL NULL -> null), over which
 * the protection's mapping sets document paths from other sources:
 *   "payer.name": "payer_name"                  a column
 *   "payer":      {"column": "parties", "path": "payer"}   a path in a jsonb column
 *   "currency":   {"value": "USD"}              a constant
 * Rules' paths are resolved once per table program to a column (plus a
 * path inside a jsonb column) or a constant; only rows that must be
 * recorded build the whole document, for their proof.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "access/relation.h"
#include "access/xact.h"
#include "catalog/index.h"
#include "catalog/partition.h"
#include "catalog/pg_index.h"
#include "catalog/pg_type.h"
#include "datatype/timestamp.h"
#include "executor/executor.h"
#include "fmgr.h"
#include "rewrite/rewriteHandler.h"
#include "utils/builtins.h"
#include "utils/date.h"
#include "utils/datetime.h"
#include "utils/jsonb.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/numeric.h"
#include "utils/relcache.h"
#include "utils/syscache.h"
#include "utils/timestamp.h"

#include "arka.h"
#include "arka_canon.h"
#include "arka_jsonb.h"
#include "arka_tupledoc.h"

/* How a column's datums become engine values. */
typedef enum ColKind
{
	COL_NUMERIC,
	COL_INT,
	COL_FLOAT,
	COL_MONEY,
	COL_TEXT,
	COL_NAME,					/* fixed-width, NUL-padded: not a varlena */
	COL_BPCHAR,
	COL_BOOL,
	COL_DATE,
	COL_TIMESTAMPTZ,
	COL_TIMESTAMP,
	COL_ENUM,
	COL_JSONB,
	COL_OTHER					/* the type's output function, as a string */
} ColKind;

typedef struct ColInfo
{
	AttrNumber	attnum;
	char	   *name;
	Oid			basetype;
	ColKind		kind;
	FmgrInfo	out;			/* COL_OTHER */
	ExprState  *generated;		/* a stored generated column's expression */
} ColInfo;

/* Where a document value comes from. */
typedef enum SourceKind
{
	SRC_ABSENT,					/* no such field */
	SRC_COLUMN,					/* a column, maybe a path inside it */
	SRC_CONST,					/* a constant of the mapping, maybe a path inside */
	SRC_WHOLE					/* look it up in the whole document */
} SourceKind;

typedef struct Source
{
	SourceKind	kind;
	int			col;			/* SRC_COLUMN: index into cols */
	ArkaPath	subpath;		/* path inside the column's or constant's value */
	ArkaValue	constval;		/* SRC_CONST */
} Source;

/* One entry of the mapping: a document path and its source. */
typedef struct MapEntry
{
	ArkaPath	path;
	Source		src;
} MapEntry;

struct ArkaTableProgram
{
	Oid			relid;			/* cache key (InvalidOid: uncached) */
	const ArkaProtection *prot; /* of the table or its nearest protected ancestor */
	int64		builds;			/* arka_ruleset_builds it was made for */
	ArkaRuleset *rs;
	MemoryContext cxt;
	ArkaArena	arena;			/* paths and constants */
	TupleDesc	desc;
	int			ncols;
	ColInfo    *cols;
	int			nmap;
	MapEntry   *map;
	int			nslots;
	Source	   *slots;			/* one per ruleset document path */
	int			nkey;
	int		   *keycols;		/* primary key / replica identity columns */
	int			ngenerated;		/* stored generated columns (cols[].generated) */
	EState	   *gen_estate;		/* holds their expressions and results */
	TupleTableSlot *gen_slot;	/* a bare tuple, for their evaluation */
	char	   *table_name;		/* schema-qualified, for messages */
	struct ArkaTableProgram *next;
};

static ArkaTableProgram *programs = NULL;

/*
 * Programs invalidated while they may be in use.  An invalidation is taken
 * in whenever a lock is first taken on a relation: in the middle of a row,
 * when a toasted value is fetched, a sequence or arka.decisions is opened.
 * The trigger call deciding that row still reads its program, so an
 * invalidated program is only unlinked, and freed when the transaction
 * ends, when no trigger call can be running.
 */
static ArkaTableProgram *retired = NULL;

static int	row_lookup(void *doc, const ArkaPath *path, ArkaEval *ev, ArkaValue *out);
static int	row_lookup_slot(void *doc, int slot, ArkaEval *ev, ArkaValue *out);
static const ArkaDocOps row_doc_ops = {row_lookup, row_lookup_slot};

/* Which conversion a (base) type gets. */
static ColKind
kind_of(Oid type)
{
	switch (type)
	{
		case NUMERICOID:
			return COL_NUMERIC;
		case INT2OID:
		case INT4OID:
		case INT8OID:
		case OIDOID:
			return COL_INT;
		case FLOAT4OID:
		case FLOAT8OID:
			return COL_FLOAT;
		case CASHOID:
			return COL_MONEY;
		case TEXTOID:
		case VARCHAROID:
			return COL_TEXT;
		case NAMEOID:
			return COL_NAME;
		case BPCHAROID:
			return COL_BPCHAR;
		case BOOLOID:
			return COL_BOOL;
		case DATEOID:
			return COL_DATE;
		case TIMESTAMPTZOID:
			return COL_TIMESTAMPTZ;
		case TIMESTAMPOID:
			return COL_TIMESTAMP;
		case JSONBOID:
			return COL_JSONB;
		default:
			return type_is_enum(type) ? COL_ENUM : COL_OTHER;
	}
}

/* Split a dotted path into the program's arena (error on exhaustion). */
static void
split_path(ArkaArena *arena, const char *text, size_t len, ArkaPath *out)
{
	char	   *copy = arka_arena_strdup(arena, text, len);

	if (copy == NULL || !arka_path_split(arena, copy, len, out))
		ereport(ERROR, (errcode(ERRCODE_OUT_OF_MEMORY), errmsg("out of memory")));
}

static int
find_column(ArkaTableProgram *tp, const char *name, size_t len)
{
	for (int i = 0; i < tp->ncols; i++)
		if (strlen(tp->cols[i].name) == len && memcmp(tp->cols[i].name, name, len) == 0)
			return i;
	return -1;
}

static bool
path_is_prefix(const ArkaPath *prefix, const ArkaPath *path)
{
	if (prefix->nseg > path->nseg)
		return false;
	for (int i = 0; i < prefix->nseg; i++)
		if (prefix->segs[i].len != path->segs[i].len ||
			memcmp(prefix->segs[i].key, path->segs[i].key, path->segs[i].len) != 0)
			return false;
	return true;
}

/* A path made of base's segments followed by rest's from index `from`. */
static ArkaPath
join_paths(ArkaArena *arena, const ArkaPath *base, const ArkaPath *rest, int from)
{
	ArkaPath	p;
	int			n = base->nseg + rest->nseg - from;

	p.text = rest->text;
	p.textlen = rest->textlen;
	p.nseg = n;
	p.segs = arka_arena_alloc(arena, sizeof(ArkaPathSeg) * (n ? n : 1));
	if (p.segs == NULL)
		ereport(ERROR, (errcode(ERRCODE_OUT_OF_MEMORY), errmsg("out of memory")));
	for (int i = 0; i < base->nseg; i++)
		p.segs[i] = base->segs[i];
	for (int i = from; i < rest->nseg; i++)
		p.segs[base->nseg + i - from] = rest->segs[i];
	return p;
}

/* Raise a mapping error naming the entry. */
static void
mapping_error(const char *relname, const char *key, const char *msg, const char *hint)
{
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("invalid arka mapping for table %s at \"%s\": %s", relname, key, msg),
			 hint ? errhint("%s", hint) : 0));
}

/*
 * Parse the mapping into entries (validating it against the columns when
 * tp has them).  Values: "column", {"column": c, "path": p}, {"value": v}.
 */
static void
parse_mapping(ArkaTableProgram *tp, Jsonb *mapping, const char *relname)
{
	ArkaValue	m;
	static const char *const shape_hint =
		"A mapping maps document paths to \"column\", {\"column\": \"c\", \"path\": \"a.b\"} "
		"or {\"value\": <constant>}.";

	tp->nmap = 0;
	if (mapping == NULL)
		return;
	arka_jsonb_to_value(&mapping->root, &tp->arena, &m);
	if (m.type != ARKA_OBJ)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid arka mapping for table %s: not a JSON object", relname),
				 errhint("%s", shape_hint)));
	tp->map = arka_arena_alloc(&tp->arena, sizeof(MapEntry) * (m.u.obj.n ? m.u.obj.n : 1));
	if (tp->map == NULL)
		ereport(ERROR, (errcode(ERRCODE_OUT_OF_MEMORY), errmsg("out of memory")));
	for (size_t i = 0; i < m.u.obj.n; i++)
	{
		ArkaMember *mem = &m.u.obj.members[i];
		MapEntry   *e = &tp->map[tp->nmap];
		char	   *key = pnstrdup(mem->key, mem->keylen);
		const ArkaValue *colname = NULL;
		const ArkaValue *subpath = NULL;

		if (mem->keylen == 0)
			mapping_error(relname, key, "the document path is empty", NULL);
		split_path(&tp->arena, mem->key, mem->keylen, &e->path);
		for (int s = 0; s < e->path.nseg; s++)
			if (e->path.segs[s].len == 0)
				mapping_error(relname, key, "the document path has an empty segment", NULL);
		memset(&e->src, 0, sizeof(e->src));
		if (mem->val.type == ARKA_STR)
			colname = &mem->val;
		else if (mem->val.type == ARKA_OBJ)
		{
			for (size_t k = 0; k < mem->val.u.obj.n; k++)
			{
				ArkaMember *f = &mem->val.u.obj.members[k];

				if (f->keylen == 6 && memcmp(f->key, "column", 6) == 0 && f->val.type == ARKA_STR)
					colname = &f->val;
				else if (f->keylen == 4 && memcmp(f->key, "path", 4) == 0 && f->val.type == ARKA_STR)
					subpath = &f->val;
				else if (f->keylen == 5 && memcmp(f->key, "value", 5) == 0 && mem->val.u.obj.n == 1)
				{
					e->src.kind = SRC_CONST;
					e->src.constval = f->val;
				}
				else
					mapping_error(relname, key, "unknown or ill-typed field in the source", shape_hint);
			}
		}
		if (e->src.kind != SRC_CONST)
		{
			if (colname == NULL)
				mapping_error(relname, key, "no column given", shape_hint);
			e->src.kind = SRC_COLUMN;
			e->src.col = find_column(tp, colname->u.str.ptr, colname->u.str.len);
			if (e->src.col < 0)
				mapping_error(relname, key,
							  psprintf("column \"%.*s\" does not exist",
									   (int) colname->u.str.len, colname->u.str.ptr),
							  NULL);
			if (subpath)
			{
				if (tp->cols[e->src.col].kind != COL_JSONB)
					mapping_error(relname, key, "a path can only be given inside a jsonb column", NULL);
				split_path(&tp->arena, subpath->u.str.ptr, subpath->u.str.len, &e->src.subpath);
			}
		}
		tp->nmap++;
	}
}

/*
 * Resolve a document path to its source: a mapping entry that equals it
 * or is its prefix (longest wins), else the column named by its first
 * segment.  A path that is a proper prefix of a mapping entry (e.g.
 * "payer" with "payer.name" mapped) reads the whole document.
 */
static Source
resolve_path(ArkaTableProgram *tp, const ArkaPath *path)
{
	Source		s;
	int			best = -1;

	memset(&s, 0, sizeof(s));
	if (path->nseg == 0)
	{
		s.kind = SRC_WHOLE;
		return s;
	}
	for (int i = 0; i < tp->nmap; i++)
	{
		const ArkaPath *mp = &tp->map[i].path;

		if (path_is_prefix(mp, path))
		{
			if (best < 0 || mp->nseg > tp->map[best].path.nseg)
				best = i;
		}
		else if (path_is_prefix(path, mp))
		{
			s.kind = SRC_WHOLE;
			return s;
		}
	}
	if (best >= 0)
	{
		const MapEntry *e = &tp->map[best];

		s = e->src;
		s.subpath = join_paths(&tp->arena, &e->src.subpath, path, e->path.nseg);
		return s;
	}
	s.col = find_column(tp, path->segs[0].key, path->segs[0].len);
	if (s.col < 0)
		return s;				/* SRC_ABSENT */
	s.kind = SRC_COLUMN;
	s.subpath = join_paths(&tp->arena, &(ArkaPath) {0}, path, 1);
	return s;
}

/* Columns of the primary key, else of the replica identity index. */
static void
load_key_columns(ArkaTableProgram *tp, Relation rel)
{
	Oid			indexoid;
	HeapTuple	ht;
	Form_pg_index idx;

	tp->nkey = 0;
	if (rel == NULL)
		return;
	(void) RelationGetIndexList(rel);
	indexoid = OidIsValid(rel->rd_pkindex) ? rel->rd_pkindex : rel->rd_replidindex;
	if (!OidIsValid(indexoid))
		return;
	ht = SearchSysCache1(INDEXRELID, ObjectIdGetDatum(indexoid));
	if (!HeapTupleIsValid(ht))
		return;
	idx = (Form_pg_index) GETSTRUCT(ht);
	tp->keycols = palloc(sizeof(int) * idx->indnkeyatts);
	for (int i = 0; i < idx->indnkeyatts; i++)
	{
		AttrNumber	att = idx->indkey.values[i];
		bool		seen = false;

		/* a column can appear twice in an index; once in the key object */
		for (int k = 0; k < i; k++)
			seen |= idx->indkey.values[k] == att;
		for (int c = 0; c < tp->ncols && !seen; c++)
			if (tp->cols[c].attnum == att)
				tp->keycols[tp->nkey++] = c;
	}
	ReleaseSysCache(ht);
}

/*
 * Stored generated columns: PostgreSQL computes them after the BEFORE ROW
 * triggers, so the trigger's row holds NULL (INSERT) or the old value
 * (UPDATE) there.  The program computes them itself, with the same
 * expressions, so rules and proofs see the row as it will be stored.
 */
static void
prepare_generated(ArkaTableProgram *tp, Relation rel)
{
	TupleConstr *constr = RelationGetDescr(rel)->constr;

	if (constr == NULL || !constr->has_generated_stored)
		return;
	tp->gen_estate = CreateExecutorState();
	for (int i = 0; i < tp->ncols; i++)
	{
		ColInfo    *c = &tp->cols[i];
		Expr	   *expr;

		if (TupleDescAttr(tp->desc, c->attnum - 1)->attgenerated != ATTRIBUTE_GENERATED_STORED)
			continue;
		expr = (Expr *) build_column_default(rel, c->attnum);
		if (expr == NULL)
			elog(ERROR, "arka: no generation expression for column \"%s\" of \"%s\"",
				 c->name, RelationGetRelationName(rel));
		c->generated = ExecPrepareExpr(expr, tp->gen_estate);
		tp->ngenerated++;
	}
	tp->gen_slot = MakeSingleTupleTableSlot(tp->desc, &TTSOpsHeapTuple);
}

/* Compile a program in its own memory context under parent. */
static ArkaTableProgram *
compile_program(Relation rel, TupleDesc desc, Jsonb *mapping, ArkaRuleset *rs,
				MemoryContext parent)
{
	MemoryContext cxt = AllocSetContextCreate(parent, "arka table program",
											  ALLOCSET_SMALL_SIZES);
	MemoryContext old = MemoryContextSwitchTo(cxt);
	ArkaTableProgram *tp = palloc0(sizeof(ArkaTableProgram));
	const char *relname = rel ? RelationGetRelationName(rel) : "(query)";

	tp->cxt = cxt;
	tp->rs = rs;
	tp->builds = arka_ruleset_builds;
	arka_arena_init(&tp->arena, 0);
	PG_TRY();
	{
		tp->desc = CreateTupleDescCopyConstr(desc);
		tp->cols = palloc(sizeof(ColInfo) * (desc->natts ? desc->natts : 1));
		for (int i = 0; i < desc->natts; i++)
		{
			Form_pg_attribute att = TupleDescAttr(desc, i);
			ColInfo    *c = &tp->cols[tp->ncols];

			if (att->attisdropped)
				continue;
			c->attnum = att->attnum;
			c->name = pstrdup(NameStr(att->attname));
			c->basetype = getBaseType(att->atttypid);
			c->kind = kind_of(c->basetype);
			c->generated = NULL;
			if (c->kind == COL_OTHER)
			{
				Oid			outfn;
				bool		varlena;

				getTypeOutputInfo(att->atttypid, &outfn, &varlena);
				fmgr_info_cxt(outfn, &c->out, cxt);
			}
			tp->ncols++;
		}
		if (rel != NULL)
			prepare_generated(tp, rel);
		parse_mapping(tp, mapping, relname);
		tp->nslots = rs->paths.n;
		/* Source holds engine values (128-bit decimals): the arena aligns to 16 */
		tp->slots = arka_arena_alloc(&tp->arena, sizeof(Source) * (tp->nslots ? tp->nslots : 1));
		if (tp->slots == NULL)
			ereport(ERROR, (errcode(ERRCODE_OUT_OF_MEMORY), errmsg("out of memory")));
		for (int i = 0; i < tp->nslots; i++)
			tp->slots[i] = resolve_path(tp, &rs->paths.paths[i]);
		load_key_columns(tp, rel);
		if (rel)
			tp->table_name = psprintf("%s.%s",
									  get_namespace_name(RelationGetNamespace(rel)),
									  RelationGetRelationName(rel));
	}
	PG_CATCH();
	{
		arka_arena_free(&tp->arena);
		MemoryContextSwitchTo(old);
		MemoryContextDelete(cxt);
		PG_RE_THROW();
	}
	PG_END_TRY();
	MemoryContextSwitchTo(old);
	return tp;
}

static void
free_program(ArkaTableProgram *tp)
{
	if (tp->gen_slot != NULL)
		ExecDropSingleTupleTableSlot(tp->gen_slot);
	if (tp->gen_estate != NULL)
		FreeExecutorState(tp->gen_estate);
	arka_arena_free(&tp->arena);
	MemoryContextDelete(tp->cxt);
}

void
arka_tupledoc_invalidate(Oid relid)
{
	ArkaTableProgram **pp = &programs;

	while (*pp)
	{
		ArkaTableProgram *tp = *pp;

		if (relid == InvalidOid || tp->relid == relid)
		{
			*pp = tp->next;
			tp->next = retired;
			retired = tp;
		}
		else
			pp = &tp->next;
	}
}

/* Free the programs invalidated during the transaction that is ending. */
static void
tupledoc_xact_callback(XactEvent event, void *arg)
{
	switch (event)
	{
		case XACT_EVENT_COMMIT:
		case XACT_EVENT_PARALLEL_COMMIT:
		case XACT_EVENT_PREPARE:
		case XACT_EVENT_ABORT:
		case XACT_EVENT_PARALLEL_ABORT:
			while (retired != NULL)
			{
				ArkaTableProgram *tp = retired;

				retired = tp->next;
				free_program(tp);
			}
			break;
		default:
			break;
	}
}

void
arka_tupledoc_init(void)
{
	RegisterXactCallback(tupledoc_xact_callback, NULL);
}

/*
 * The protection that covers rel: its own, or that of the nearest
 * partitioned ancestor (a partition carries a clone of its parent's
 * trigger).  Catalog access happens here, once per program, never per row.
 */
static const ArkaProtection *
find_protection(Relation rel)
{
	const ArkaProtection *p = arka_get_protection(RelationGetRelid(rel));

	if (p == NULL && rel->rd_rel->relispartition)
	{
		List	   *ancestors = get_partition_ancestors(RelationGetRelid(rel));
		ListCell   *lc;

		foreach(lc, ancestors)
		{
			if ((p = arka_get_protection(lfirst_oid(lc))) != NULL)
				break;
		}
		list_free(ancestors);
	}
	return p;
}

ArkaTableProgram *
arka_table_program(Relation rel, ArkaRuleset *rs)
{
	Oid			relid = RelationGetRelid(rel);
	ArkaTableProgram *tp;
	const ArkaProtection *prot;

	for (tp = programs; tp; tp = tp->next)
	{
		if (tp->relid != relid)
			continue;
		if (tp->builds == arka_ruleset_builds && tp->rs == rs)
			return tp;
		/* ruleset, lists or protections changed: recompile */
		arka_tupledoc_invalidate(relid);
		break;
	}
	prot = find_protection(rel);
	if (prot == NULL)
		return NULL;
	tp = compile_program(rel, RelationGetDescr(rel), prot->mapping, rs, TopMemoryContext);
	tp->relid = relid;
	tp->prot = prot;
	tp->next = programs;
	programs = tp;
	return tp;
}

const ArkaProtection *
arka_table_program_protection(const ArkaTableProgram *tp)
{
	return tp->prot;
}

/*
 * A program for the rows of a query (the dry run), never cached.  It is
 * retired at once, so that the end of the transaction frees it (its arena
 * is malloc'd, outside any memory context) if an error comes before
 * arka_table_program_free.
 */
ArkaTableProgram *
arka_table_program_for_desc(TupleDesc desc, Jsonb *mapping, ArkaRuleset *rs)
{
	ArkaTableProgram *tp = compile_program(NULL, desc, mapping, rs, TopMemoryContext);

	tp->next = retired;
	retired = tp;
	return tp;
}

/* Free an uncached program now (the dry run is done with it). */
void
arka_table_program_free(ArkaTableProgram *tp)
{
	for (ArkaTableProgram **pp = &retired; *pp; pp = &(*pp)->next)
	{
		if (*pp == tp)
		{
			*pp = tp->next;
			free_program(tp);
			return;
		}
	}
}

void
arka_validate_mapping(TupleDesc desc, Jsonb *mapping, const char *relname)
{
	MemoryContext cxt = AllocSetContextCreate(CurrentMemoryContext, "arka mapping check",
											  ALLOCSET_SMALL_SIZES);
	MemoryContext old = MemoryContextSwitchTo(cxt);
	ArkaTableProgram tp;

	memset(&tp, 0, sizeof(tp));
	arka_arena_init(&tp.arena, 0);
	PG_TRY();
	{
		tp.cols = palloc(sizeof(ColInfo) * (desc->natts ? desc->natts : 1));
		for (int i = 0; i < desc->natts; i++)
		{
			Form_pg_attribute att = TupleDescAttr(desc, i);

			if (att->attisdropped)
				continue;
			tp.cols[tp.ncols].name = NameStr(att->attname);
			tp.cols[tp.ncols].kind = kind_of(getBaseType(att->atttypid));
			tp.ncols++;
		}
		parse_mapping(&tp, mapping, relname);
	}
	PG_FINALLY();
	{
		arka_arena_free(&tp.arena);
	}
	PG_END_TRY();
	MemoryContextSwitchTo(old);
	MemoryContextDelete(cxt);
}

/* Set an evaluation error about a column and return -1. */
static int
column_error(ArkaEval *ev, const ColInfo *c, const char *what)
{
	arka_error_set(&ev->err, ARKA_ERR_DOCUMENT, "$", "column \"%s\" %s", c->name, what);
	return -1;
}

/* ISO 8601 text of a date/timestamp, independent of DateStyle and TimeZone. */
static int
datetime_value(ArkaEval *ev, const ColInfo *c, Datum d, ArkaValue *out)
{
	char		buf[MAXDATELEN + 1];
	struct pg_tm tm;
	fsec_t		fsec;
	char	   *copy;

	if (c->kind == COL_DATE)
	{
		DateADT		date = DatumGetDateADT(d);

		if (DATE_NOT_FINITE(date))
			snprintf(buf, sizeof(buf), "%s", DATE_IS_NOBEGIN(date) ? "-infinity" : "infinity");
		else
		{
			j2date(date + POSTGRES_EPOCH_JDATE, &tm.tm_year, &tm.tm_mon, &tm.tm_mday);
			snprintf(buf, sizeof(buf), "%04d-%02d-%02d", tm.tm_year, tm.tm_mon, tm.tm_mday);
		}
	}
	else
	{
		Timestamp	ts = DatumGetTimestamp(d);

		if (TIMESTAMP_NOT_FINITE(ts))
			snprintf(buf, sizeof(buf), "%s", TIMESTAMP_IS_NOBEGIN(ts) ? "-infinity" : "infinity");
		else if (timestamp2tm(ts, NULL, &tm, &fsec, NULL, NULL) != 0)
			return column_error(ev, c, "holds a timestamp out of range");
		else if (fsec != 0)
			snprintf(buf, sizeof(buf), "%04d-%02d-%02dT%02d:%02d:%02d.%06d%s",
					 tm.tm_year, tm.tm_mon, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
					 (int) fsec, c->kind == COL_TIMESTAMPTZ ? "Z" : "");
		else
			snprintf(buf, sizeof(buf), "%04d-%02d-%02dT%02d:%02d:%02d%s",
					 tm.tm_year, tm.tm_mon, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
					 c->kind == COL_TIMESTAMPTZ ? "Z" : "");
	}
	copy = arka_arena_strdup(ev->arena, buf, strlen(buf));
	if (copy == NULL)
		return column_error(ev, c, "could not be read: out of memory");
	*out = arka_str(copy, strlen(copy));
	return 1;
}

/*
 * The row's stored generated columns computed from its other columns
 * (prepare_generated), into a copy of its datums: the trigger's slot
 * belongs to the executor.  The results live in the program's expression
 * context until the next row of the table.
 */
static void
row_generated(ArkaRowDoc *rd)
{
	ArkaTableProgram *tp = rd->tp;
	int			natts = tp->desc->natts;
	ExprContext *econtext = GetPerTupleExprContext(tp->gen_estate);
	Datum	   *values = palloc(sizeof(Datum) * natts);
	bool	   *isnull = palloc(sizeof(bool) * natts);
	TupleTableSlot *slot = rd->slot;

	if (slot == NULL || slot->tts_tupleDescriptor->natts != natts)
		slot = ExecStoreHeapTuple(rd->tuple, tp->gen_slot, false);
	memcpy(values, rd->values, sizeof(Datum) * natts);
	memcpy(isnull, rd->isnull, sizeof(bool) * natts);
	ResetExprContext(econtext);
	econtext->ecxt_scantuple = slot;
	for (int i = 0; i < tp->ncols; i++)
	{
		const ColInfo *c = &tp->cols[i];

		if (c->generated != NULL)
			values[c->attnum - 1] = ExecEvalExprSwitchContext(c->generated, econtext,
															  &isnull[c->attnum - 1]);
	}
	rd->values = values;
	rd->isnull = isnull;
}

/*
 * The row's datums, once per row.  A trigger's slot usually has them
 * already (the projection of an INSERT ... SELECT is a deformed virtual
 * slot), so reading them there saves deforming the tuple again; a bare
 * tuple is deformed in one pass instead of a walk per attribute.
 */
static void
row_deform(ArkaRowDoc *rd)
{
	int			natts = rd->tp->desc->natts;

	if (rd->slot != NULL && rd->slot->tts_tupleDescriptor->natts == natts)
	{
		slot_getallattrs(rd->slot);
		rd->values = rd->slot->tts_values;
		rd->isnull = rd->slot->tts_isnull;
	}
	else
	{
		rd->values = palloc(sizeof(Datum) * natts);
		rd->isnull = palloc(sizeof(bool) * natts);
		heap_deform_tuple(rd->tuple, rd->tp->desc, rd->values, rd->isnull);
	}
	if (rd->tp->ngenerated > 0)
		row_generated(rd);
}

/*
 * A jsonb column's value at subpath, read in place in the tuple; a
 * toasted or compressed value is expanded once per row, not per path.
 */
static int
jsonb_column_value(ArkaRowDoc *rd, ArkaEval *ev, int col, Datum d, const ArkaPath *subpath,
				   ArkaValue *out)
{
	struct varlena *raw = (struct varlena *) DatumGetPointer(d);

	/* a toast pointer's header also reads as short: test it first */
	if (!VARATT_IS_EXTERNAL(raw) && !VARATT_IS_COMPRESSED(raw))
		return arka_jsonb_lookup(VARATT_IS_SHORT(raw) ? VARDATA_SHORT(raw) : VARDATA(raw),
								 subpath, ev, out);
	if (rd->jsonb == NULL)
	{
		rd->jsonb = arka_arena_alloc(rd->arena, sizeof(Jsonb *) * rd->tp->ncols);
		if (rd->jsonb == NULL)
			return column_error(ev, &rd->tp->cols[col], "could not be read: out of memory");
		memset(rd->jsonb, 0, sizeof(Jsonb *) * rd->tp->ncols);
	}
	if (rd->jsonb[col] == NULL)
		rd->jsonb[col] = DatumGetJsonbP(d);
	return arka_jsonb_lookup((const char *) &rd->jsonb[col]->root, subpath, ev, out);
}

/*
 * A non-null datum of column c converted to an engine value, then looked
 * into along subpath (JavaScript lookups into a scalar: string index,
 * length).  Not-a-number and infinite amounts are errors: a rule must
 * never silently not fire because an amount compared as NaN.
 */
static int
convert_column(ArkaEval *ev, const ColInfo *c, Datum d, const ArkaPath *subpath, ArkaValue *out)
{
	ArkaValue	v;
	int			r;

	switch (c->kind)
	{
		case COL_NUMERIC:
			{
				struct varlena *raw = (struct varlena *) DatumGetPointer(d);

				/* an inline datum is read in place, short header or not */
				Numeric		num = VARATT_IS_EXTERNAL(raw) || VARATT_IS_COMPRESSED(raw) ?
					DatumGetNumeric(d) : (Numeric) raw;

				if (arka_numeric_is_special(num))
					return column_error(ev, c, "is not a finite number");
				v.type = ARKA_NUM;
				if (!arka_numeric_to_dec(num, &v.u.num))
					return column_error(ev, c, "is beyond 38 significant digits or the decimal range");
				break;
			}
		case COL_INT:
			{
				Oid			t = c->basetype;
				int64		i = t == INT2OID ? DatumGetInt16(d) : t == INT4OID ? DatumGetInt32(d) :
					t == OIDOID ? (int64) DatumGetObjectId(d) : DatumGetInt64(d);

				v = arka_num(arka_dec_from_int64(i));
				break;
			}
		case COL_FLOAT:
			{
				double		f = c->basetype == FLOAT4OID ? DatumGetFloat4(d) : DatumGetFloat8(d);

				if (isnan(f) || isinf(f))
					return column_error(ev, c, "is not a finite number");
				if (c->basetype == FLOAT4OID)
				{
					/* a real 0.1 is 0.1, not its double 0.10000000149011612 */
					char		buf[32];
					float		f4 = DatumGetFloat4(d);

					for (int prec = 1; prec <= 9; prec++)
					{
						snprintf(buf, sizeof(buf), "%.*g", prec, (double) f4);
						if (strtof(buf, NULL) == f4)
							break;
					}
					v.type = ARKA_NUM;
					if (arka_dec_parse_json(buf, strlen(buf), &v.u.num) != ARKA_DEC_OK)
						v.u.num = arka_dec_from_double(f);
				}
				else
					v = arka_num(arka_dec_from_double(f));
				break;
			}
		case COL_MONEY:
			v.type = ARKA_NUM;
			if (!arka_numeric_to_dec(DatumGetNumeric(DirectFunctionCall1(cash_numeric, d)), &v.u.num))
				return column_error(ev, c, "could not be read as a decimal");
			break;
		case COL_TEXT:
		case COL_BPCHAR:
			{
				text	   *t = DatumGetTextPP(d);
				size_t		len = VARSIZE_ANY_EXHDR(t);
				const char *p = VARDATA_ANY(t);

				/* char(n) pads with spaces that mean nothing */
				if (c->kind == COL_BPCHAR)
					while (len > 0 && p[len - 1] == ' ')
						len--;
				v = arka_str(p, len);
				break;
			}
		case COL_NAME:
			{
				const char *p = NameStr(*DatumGetName(d));

				v = arka_str(p, strnlen(p, NAMEDATALEN));
				break;
			}
		case COL_BOOL:
			v = arka_bool(DatumGetBool(d));
			break;
		case COL_DATE:
		case COL_TIMESTAMPTZ:
		case COL_TIMESTAMP:
			if ((r = datetime_value(ev, c, d, &v)) < 0)
				return r;
			break;
		case COL_ENUM:
			{
				char	   *label = DatumGetCString(DirectFunctionCall1(enum_out, d));

				v = arka_str(label, strlen(label));
				break;
			}
		default:
			{
				char	   *s = OutputFunctionCall(&((ColInfo *) c)->out, d);

				v = arka_str(s, strlen(s));
				break;
			}
	}
	if (subpath->nseg == 0)
	{
		*out = v;
		return 1;
	}
	/* JavaScript lookups into a scalar (string index, length) */
	return arka_value_lookup(&v, subpath, out);
}

/*
 * The value of column col in the row; a jsonb column is read in place
 * when subpath has segments.  Returns 1/0/-1 like a document lookup.
 * Inline: jsonb paths and plain text, the fields of nearly every rule,
 * are read here without a call; other kinds go to convert_column.
 */
static inline int
column_value(ArkaRowDoc *rd, ArkaEval *ev, int col, const ArkaPath *subpath, ArkaValue *out)
{
	const ColInfo *c = &rd->tp->cols[col];
	int			att = c->attnum - 1;
	Datum		d;

	if (rd->values == NULL)
		row_deform(rd);
	if (rd->isnull[att])
	{
		if (subpath->nseg > 0)
			return 0;
		*out = arka_null();
		return 1;
	}
	d = rd->values[att];
	if (c->kind == COL_JSONB)
		return jsonb_column_value(rd, ev, col, d, subpath, out);
	if (c->kind == COL_TEXT && subpath->nseg == 0)
	{
		struct varlena *raw = (struct varlena *) DatumGetPointer(d);

		if (!VARATT_IS_EXTERNAL(raw) && !VARATT_IS_COMPRESSED(raw))
		{
			*out = arka_str(VARDATA_ANY(raw), VARSIZE_ANY_EXHDR(raw));
			return 1;
		}
	}
	return convert_column(ev, c, d, subpath, out);
}

/* The value of a mapping source in this row (1 found, 0 absent, -1 error). */
static int
source_value(ArkaRowDoc *rd, ArkaEval *ev, const Source *s, ArkaValue *out)
{
	switch (s->kind)
	{
		case SRC_COLUMN:
			return column_value(rd, ev, s->col, &s->subpath, out);
		case SRC_CONST:
			return arka_value_lookup(&s->constval, &s->subpath, out);
		default:
			return 0;
	}
}

/*
 * Build the whole document of the row (docs/protect.md): every column by
 * name, then the mapping's paths set over it, shortest first.
 */
static int
build_whole(ArkaRowDoc *rd, ArkaEval *ev)
{
	ArkaTableProgram *tp = rd->tp;
	ArkaValue	doc;
	ArkaPath	none = {0};

	doc.type = ARKA_OBJ;
	doc.u.obj.n = tp->ncols;
	doc.u.obj.members = arka_arena_alloc(rd->arena, sizeof(ArkaMember) * (tp->ncols ? tp->ncols : 1));
	if (doc.u.obj.members == NULL)
		return column_error(ev, &tp->cols[0], "could not be read: out of memory");
	for (int i = 0; i < tp->ncols; i++)
	{
		ArkaMember *m = &doc.u.obj.members[i];

		m->key = tp->cols[i].name;
		m->keylen = strlen(tp->cols[i].name);
		if (column_value(rd, ev, i, &none, &m->val) < 0)
			return -1;
	}
	for (int len = 1; len <= 64; len++)
	{
		for (int i = 0; i < tp->nmap; i++)
		{
			ArkaValue	v;
			int			r;

			if (tp->map[i].path.nseg != len)
				continue;
			r = source_value(rd, ev, &tp->map[i].src, &v);
			if (r < 0)
				return -1;
			if (r == 0)
				v = arka_null();
			if (!arka_value_set_path(rd->arena, &doc, &tp->map[i].path, 0, &v))
				return column_error(ev, &tp->cols[0], "could not be read: out of memory");
		}
	}
	rd->whole = doc;
	rd->have_whole = true;
	return 1;
}

/*
 * ArkaDocOps lookup for a row.  Paths of the ruleset come with a
 * precompiled source (pointer identity with the path table); any other
 * path (computed in a rule) is resolved against the whole document.
 */
static int
row_lookup(void *doc, const ArkaPath *path, ArkaEval *ev, ArkaValue *out)
{
	ArkaRowDoc *rd = (ArkaRowDoc *) doc;
	ArkaTableProgram *tp = rd->tp;
	const ArkaPathTable *pt = &tp->rs->paths;

	if (path >= pt->paths && path < pt->paths + tp->nslots)
	{
		const Source *s = &tp->slots[path - pt->paths];

		if (s->kind != SRC_WHOLE)
			return s->kind == SRC_ABSENT ? 0 : source_value(rd, ev, s, out);
	}
	if (!rd->have_whole && build_whole(rd, ev) < 0)
		return -1;
	return arka_value_lookup(&rd->whole, path, out);
}

/*
 * ArkaDocOps lookup_slot: a ruleset path by its index, straight to the
 * source the program resolved for it (the common case of every rule).
 */
static int
row_lookup_slot(void *doc, int slot, ArkaEval *ev, ArkaValue *out)
{
	ArkaRowDoc *rd = (ArkaRowDoc *) doc;
	const ArkaTableProgram *tp = rd->tp;

	if (ev->paths == &tp->rs->paths && slot < tp->nslots)
	{
		const Source *s = &tp->slots[slot];

		if (s->kind == SRC_COLUMN)
			return column_value(rd, ev, s->col, &s->subpath, out);
		if (s->kind == SRC_ABSENT)
			return 0;
	}
	return row_lookup(doc, &ev->paths->paths[slot], ev, out);
}

/* Canonical encoding of the row's whole document, for its proof. */
static void
row_canon(void *doc, ArkaBuf *buf)
{
	ArkaRowDoc *rd = (ArkaRowDoc *) doc;
	ArkaEval	ev;

	memset(&ev, 0, sizeof(ev));
	ev.arena = rd->arena;
	if (!rd->have_whole && build_whole(rd, &ev) < 0)
		ereport(ERROR,
				(errcode(ERRCODE_ARKA_EVALUATION),
				 errmsg("arka could not read the row: %s", ev.err.message)));
	if (!arka_canon_value(buf, &rd->whole))
		buf->oom = true;
}

void
arka_row_doc_init(ArkaRowDoc *rd, ArkaTableProgram *tp, HeapTuple tuple, TupleTableSlot *slot,
				  ArkaArena *arena)
{
	rd->tp = tp;
	rd->tuple = tuple;
	rd->slot = slot;
	rd->values = NULL;
	rd->isnull = NULL;
	rd->jsonb = NULL;
	rd->arena = arena;
	rd->have_whole = false;
	rd->src.ops = &row_doc_ops;
	rd->src.doc = rd;
	rd->src.canon = row_canon;
	rd->src.evidence = NULL;
}

/* jsonb's order of object keys: shorter first, then bytewise. */
static int
jsonb_key_order(const void *a, const void *b)
{
	const JsonbValue *x = &((const JsonbPair *) a)->key;
	const JsonbValue *y = &((const JsonbPair *) b)->key;

	if (x->val.string.len != y->val.string.len)
		return x->val.string.len < y->val.string.len ? -1 : 1;
	return memcmp(x->val.string.val, y->val.string.val, x->val.string.len);
}

/*
 * The row's key for arka.decisions and rejections: an object of its key
 * columns' values, or NULL when the table has no key.
 */
Jsonb *
arka_row_key(ArkaRowDoc *rd)
{
	ArkaTableProgram *tp = rd->tp;
	JsonbValue	obj;
	ArkaEval	ev;
	ArkaPath	none = {0};

	if (tp->nkey == 0)
		return NULL;
	memset(&ev, 0, sizeof(ev));
	ev.arena = rd->arena;
	obj.type = jbvObject;
	obj.val.object.nPairs = tp->nkey;
	obj.val.object.pairs = palloc(sizeof(JsonbPair) * tp->nkey);
	for (int i = 0; i < tp->nkey; i++)
	{
		ArkaValue	v;
		JsonbPair  *p = &obj.val.object.pairs[i];
		const char *name = tp->cols[tp->keycols[i]].name;

		if (column_value(rd, &ev, tp->keycols[i], &none, &v) < 0)
			v = arka_null();
		arka_jbv_string(&p->key, name, strlen(name));
		arka_value_to_jbv(&v, &p->value);
		p->order = i;
	}
	/*
	 * jsonb needs its keys sorted and unique; column names are unique.
	 * (pushJsonbValue would do it too, but takes no object or array value,
	 * such as a jsonb key column's.)
	 */
	if (tp->nkey > 1)
		qsort(obj.val.object.pairs, tp->nkey, sizeof(JsonbPair), jsonb_key_order);
	return JsonbValueToJsonb(&obj);
}

const char *
arka_table_program_name(const ArkaTableProgram *tp)
{
	return tp->table_name;
}
