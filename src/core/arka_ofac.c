/*-------------------------------------------------------------------------
 *
 * arka_ofac.c
 *	  OFAC legacy CSV files into watchlist entries (JSON array text).
 *
 * Four passes over the inputs, each one streaming through its file with
 * the strict reader of arka_csv.c: sdn (entries, in file order), then alt,
 * add and sdn_comments (each row attached to its entry by ent_num, an
 * unknown ent_num being an error).  Field text is kept in one pool; rows
 * of each kind are grouped per entry with a counting sort; then every
 * entry is written out once, with its Remarks scanned for weak aliases,
 * identifiers and countries.  Nothing is written to the caller's buffer
 * until everything has parsed.
 *
 *-------------------------------------------------------------------------
 */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "arka_csv.h"
#include "arka_ofac.h"
#include "arka_sha256.h"

#define F_SDN 0
#define F_ALT 1
#define F_ADD 2
#define F_COMMENTS 3
#define NKINDS 3				/* child row kinds: alt, add, comments */

#define SPAN_NULL ((size_t) -1)

static const char *const default_names[4] = {
	"sdn.csv", "alt.csv", "add.csv", "sdn_comments.csv"
};
static const size_t expected_fields[4] = {12, 5, 6, 2};

/* A piece of text in the pool; off == SPAN_NULL for OFAC's null. */
typedef struct Span
{
	size_t		off;
	size_t		len;
} Span;

typedef struct Entry
{
	uint64_t	ent_num;
	size_t		line;
	const char *type;
	Span		name;
	Span		program;
	Span		remarks;
	Span		vess_flag;
	Span		call_sign;
} Entry;

/* A row of alt/add/comments, attached to an entry. */
typedef struct Child
{
	size_t		entry;
	Span		a;				/* alt name / address text / spillover */
	Span		b;				/* add: country */
} Child;

/* One remark item of the entry being written. */
typedef struct Item
{
	ArkaOfacItem kind;
	const char *type;
	size_t		type_len;
	const char *value;
	size_t		value_len;
} Item;

/* De-duplication within one entry (generation-stamped, never cleared). */
typedef struct SeenSlot
{
	uint32_t	gen;
	int			kind;
	uint64_t	hash;
	const char *a;
	size_t		alen;
	const char *b;
	size_t		blen;
} SeenSlot;

typedef struct Parser
{
	const ArkaOfacInput *in;
	ArkaOfacOptions opts;
	ArkaOfacError *err;
	ArkaOfacStats st;

	ArkaBuf		pool;
	Entry	   *entries;
	size_t		n_entries;
	size_t		cap_entries;
	size_t	   *by_num;			/* entry indexes sorted by ent_num */

	Child	   *kids[NKINDS];
	size_t		n_kids[NKINDS];
	size_t		cap_kids[NKINDS];
	size_t	   *kid_start[NKINDS];	/* n_entries + 1 offsets into kid_order */
	size_t	   *kid_order[NKINDS];

	/* per-entry scratch while writing */
	ArkaBuf		text;			/* remarks + spillover */
	Item	   *items;
	size_t		n_items;
	size_t		cap_items;
	bool		items_oom;
	SeenSlot   *seen;
	size_t		seen_cap;
	size_t		seen_n;
	uint32_t	seen_gen;
} Parser;

/* ----------------------------------------------------------------
 * Small helpers
 * ----------------------------------------------------------------
 */

static const char *
file_name(const Parser *p, int f)
{
	const ArkaOfacFile *files[4] = {&p->in->sdn, &p->in->alt, &p->in->add, &p->in->comments};

	return files[f]->name != NULL ? files[f]->name : default_names[f];
}

static bool fail(Parser *p, int f, size_t line, size_t offset, const char *fmt,...)
			__attribute__((format(printf, 5, 6)));

/* Fill the error: "<file> line N: <what>"; returns false for chaining. */
static bool
fail(Parser *p, int f, size_t line, size_t offset, const char *fmt,...)
{
	char		what[256];
	va_list		ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	p->err->file = f >= 0 ? file_name(p, f) : NULL;
	p->err->line = line;
	p->err->offset = offset;
	if (f < 0)
		snprintf(p->err->message, sizeof(p->err->message), "%s", what);
	else if (line > 0)
		snprintf(p->err->message, sizeof(p->err->message), "%s line %zu: %s",
				 file_name(p, f), line, what);
	else
		snprintf(p->err->message, sizeof(p->err->message), "%s: %s", file_name(p, f), what);
	return false;
}

/*
 * A short, printable, valid-UTF-8 rendering of a field for messages: at
 * most 40 bytes, never cut inside a character, controls as '?'.
 */
static const char *
show(const char *s, size_t n, char *buf, size_t cap)
{
	size_t		keep = n > 40 ? 40 : n;
	size_t		i;

	keep = arka_utf8_valid_prefix(s, keep);
	if (keep > cap - 4)
		keep = cap - 4;
	for (i = 0; i < keep; i++)
		buf[i] = (unsigned char) s[i] < 0x20 ? '?' : s[i];
	if (keep < n)
	{
		memcpy(buf + keep, "...", 3);
		keep += 3;
	}
	buf[keep] = '\0';
	return buf;
}

static bool
is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* Trim spaces and tabs at both ends of [*s, *s + *n). */
static void
trim(const char **s, size_t *n)
{
	while (*n > 0 && is_space((*s)[0]))
	{
		(*s)++;
		(*n)--;
	}
	while (*n > 0 && is_space((*s)[*n - 1]))
		(*n)--;
}

/* OFAC's null: "-0-", in the files always written "-0- ". */
static bool
is_null_field(const char *s, size_t n)
{
	trim(&s, &n);
	return n == 3 && memcmp(s, "-0-", 3) == 0;
}

static bool
eq_ci(const char *s, size_t n, const char *lit)
{
	size_t		l = strlen(lit);

	return n == l && strncasecmp(s, lit, l) == 0;
}

static bool
starts_with(const char *s, size_t n, const char *lit)
{
	size_t		l = strlen(lit);

	return n >= l && memcmp(s, lit, l) == 0;
}

/* Store a field's text (trimmed, or verbatim) in the pool. */
static Span
pool_put(Parser *p, const char *s, size_t n, bool do_trim)
{
	Span		sp;

	if (is_null_field(s, n))
	{
		sp.off = SPAN_NULL;
		sp.len = 0;
		return sp;
	}
	if (do_trim)
		trim(&s, &n);
	sp.off = p->pool.len;
	sp.len = n;
	arka_buf_append(&p->pool, s, n);
	return sp;
}

static const char *
span_ptr(const Parser *p, Span sp)
{
	return p->pool.data + sp.off;
}

static bool
span_present(Span sp)
{
	return sp.off != SPAN_NULL && sp.len > 0;
}

/* Grow an array of elem-sized items to hold one more; false on OOM. */
static bool
grow(void **arr, size_t *cap, size_t n, size_t elem)
{
	void	   *na;
	size_t		nc;

	if (n < *cap)
		return true;
	nc = *cap ? *cap * 2 : 256;
	if (nc > SIZE_MAX / elem)
		return false;
	na = realloc(*arr, nc * elem);
	if (na == NULL)
		return false;
	*arr = na;
	*cap = nc;
	return true;
}

/* ent_num: 1 to 18 digits (OFAC: a number up to 10 digits). */
static bool
parse_ent_num(const char *s, size_t n, uint64_t *out)
{
	uint64_t	v = 0;
	size_t		i;

	trim(&s, &n);
	if (n == 0 || n > 18)
		return false;
	for (i = 0; i < n; i++)
	{
		if (s[i] < '0' || s[i] > '9')
			return false;
		v = v * 10 + (uint64_t) (s[i] - '0');
	}
	*out = v;
	return true;
}

/* ----------------------------------------------------------------
 * Reading the files
 * ----------------------------------------------------------------
 */

static bool
open_file(Parser *p, int f, const ArkaOfacFile *file, ArkaCsvReader *r)
{
	ArkaCsvOptions co;

	memset(&co, 0, sizeof(co));
	co.separator = ',';
	co.max_field = p->opts.max_field;
	co.max_fields = 64;
	co.sub_eof = true;
	co.require_sub_eof = !p->opts.allow_missing_eof;
	co.encoding = ARKA_CSV_UTF8;
	if (p->opts.encoding == ARKA_OFAC_WIN1252 ||
		(p->opts.encoding == ARKA_OFAC_AUTO &&
		 arka_utf8_valid_prefix(file->data, file->len) != file->len))
	{
		co.encoding = ARKA_CSV_WIN1252;
		p->st.win1252[f] = true;
	}
	arka_csv_init(r, file->data, file->len, &co);
	return true;
}

/*
 * Next data record of file f, checked for its column count; skips an
 * "ent_num,..." header line first.  Returns 1, 0 at the end, -1 on error.
 */
static int
next_row(Parser *p, int f, ArkaCsvReader *r)
{
	for (;;)
	{
		ArkaCsvResult res = arka_csv_next(r);

		if (res == ARKA_CSV_ERROR)
		{
			fail(p, f, r->error_line, r->error_offset, "%s", r->error);
			return -1;
		}
		if (res == ARKA_CSV_END)
			return 0;
		if (r->nfields != expected_fields[f])
		{
			if (r->nfields == 1 && r->fields[0].len == 0)
				fail(p, f, r->record_line, r->record_offset, "empty line");
			else
				fail(p, f, r->record_line, r->record_offset,
					 "expected %zu fields, found %zu%s", expected_fields[f], r->nfields,
					 r->nfields >= 64 ? " or more" : "");
			return -1;
		}
		if (r->record_line == 1 && !p->st.header_skipped[f])
		{
			const char *s = r->fields[0].ptr;
			size_t		n = r->fields[0].len;

			trim(&s, &n);
			if (eq_ci(s, n, "ent_num"))
			{
				p->st.header_skipped[f] = true;
				continue;
			}
		}
		p->st.rows[f]++;
		return 1;
	}
}

static bool
read_sdn(Parser *p)
{
	ArkaCsvReader r;
	int			rc;
	char		sb[48];

	open_file(p, F_SDN, &p->in->sdn, &r);
	while ((rc = next_row(p, F_SDN, &r)) > 0)
	{
		const ArkaCsvField *fl = r.fields;
		Entry	   *e;
		const char *ts = fl[2].ptr;
		size_t		tn = fl[2].len;

		if (!grow((void **) &p->entries, &p->cap_entries, p->n_entries, sizeof(Entry)))
		{
			rc = -1;
			fail(p, F_SDN, r.record_line, r.record_offset, "out of memory");
			break;
		}
		e = &p->entries[p->n_entries];
		e->line = r.record_line;
		if (!parse_ent_num(fl[0].ptr, fl[0].len, &e->ent_num))
		{
			rc = -1;
			fail(p, F_SDN, r.record_line, r.record_offset, "ent_num \"%s\" is not a number",
				 show(fl[0].ptr, fl[0].len, sb, sizeof(sb)));
			break;
		}
		trim(&ts, &tn);
		if (is_null_field(ts, tn) || eq_ci(ts, tn, "entity"))
			e->type = "entity";
		else if (eq_ci(ts, tn, "individual"))
			e->type = "individual";
		else if (eq_ci(ts, tn, "vessel"))
			e->type = "vessel";
		else if (eq_ci(ts, tn, "aircraft"))
			e->type = "aircraft";
		else
		{
			rc = -1;
			fail(p, F_SDN, r.record_line, r.record_offset, "unknown SDN_Type \"%s\"",
				 show(ts, tn, sb, sizeof(sb)));
			break;
		}
		e->name = pool_put(p, fl[1].ptr, fl[1].len, true);
		if (!span_present(e->name))
		{
			rc = -1;
			fail(p, F_SDN, r.record_line, r.record_offset, "SDN_Name is empty");
			break;
		}
		e->program = pool_put(p, fl[3].ptr, fl[3].len, true);
		e->call_sign = pool_put(p, fl[5].ptr, fl[5].len, true);
		e->vess_flag = pool_put(p, fl[9].ptr, fl[9].len, true);
		/* Remarks verbatim: a 1000-byte cut may end in a space */
		e->remarks = pool_put(p, fl[11].ptr, fl[11].len, false);
		p->n_entries++;
	}
	arka_csv_free(&r);
	if (rc < 0)
		return false;
	if (p->pool.oom)
		return fail(p, F_SDN, 0, 0, "out of memory");
	if (p->n_entries == 0)
		return fail(p, F_SDN, 0, 0, "no entries");
	return true;
}

/* Sort entry indexes by ent_num (heap sort: no recursion, no worst case). */
static void
sift(size_t *a, const Entry *e, size_t root, size_t n)
{
	for (;;)
	{
		size_t		child = 2 * root + 1;
		size_t		t;

		if (child >= n)
			return;
		if (child + 1 < n && e[a[child + 1]].ent_num > e[a[child]].ent_num)
			child++;
		if (e[a[root]].ent_num >= e[a[child]].ent_num)
			return;
		t = a[root];
		a[root] = a[child];
		a[child] = t;
		root = child;
	}
}

static bool
index_entries(Parser *p)
{
	size_t		n = p->n_entries;
	size_t		i;

	p->by_num = malloc(n * sizeof(size_t));
	if (p->by_num == NULL)
		return fail(p, -1, 0, 0, "out of memory");
	for (i = 0; i < n; i++)
		p->by_num[i] = i;
	for (i = n / 2; i-- > 0;)
		sift(p->by_num, p->entries, i, n);
	for (i = n; i-- > 1;)
	{
		size_t		t = p->by_num[0];

		p->by_num[0] = p->by_num[i];
		p->by_num[i] = t;
		sift(p->by_num, p->entries, 0, i);
	}
	for (i = 1; i < n; i++)
	{
		const Entry *a = &p->entries[p->by_num[i - 1]];
		const Entry *b = &p->entries[p->by_num[i]];

		if (a->ent_num == b->ent_num)
		{
			const Entry *later = a->line > b->line ? a : b;
			const Entry *first = a->line > b->line ? b : a;

			return fail(p, F_SDN, later->line, 0, "duplicate ent_num %llu (first on line %zu)",
						(unsigned long long) later->ent_num, first->line);
		}
	}
	return true;
}

static bool
find_entry(const Parser *p, uint64_t num, size_t *idx)
{
	size_t		lo = 0,
				hi = p->n_entries;

	while (lo < hi)
	{
		size_t		mid = lo + (hi - lo) / 2;
		uint64_t	v = p->entries[p->by_num[mid]].ent_num;

		if (v == num)
		{
			*idx = p->by_num[mid];
			return true;
		}
		if (v < num)
			lo = mid + 1;
		else
			hi = mid;
	}
	return false;
}

/* Read alt, add or comments rows and attach them to their entries. */
static bool
read_children(Parser *p, int f)
{
	const ArkaOfacFile *file = f == F_ALT ? &p->in->alt : f == F_ADD ? &p->in->add : &p->in->comments;
	int			k = f - 1;
	ArkaCsvReader r;
	int			rc;
	char		sb[48];

	if (file->data == NULL)
		return true;
	open_file(p, f, file, &r);
	while ((rc = next_row(p, f, &r)) > 0)
	{
		const ArkaCsvField *fl = r.fields;
		uint64_t	num;
		Child	   *c;

		if (!parse_ent_num(fl[0].ptr, fl[0].len, &num))
		{
			rc = -1;
			fail(p, f, r.record_line, r.record_offset, "ent_num \"%s\" is not a number",
				 show(fl[0].ptr, fl[0].len, sb, sizeof(sb)));
			break;
		}
		if (!grow((void **) &p->kids[k], &p->cap_kids[k], p->n_kids[k], sizeof(Child)))
		{
			rc = -1;
			fail(p, f, r.record_line, r.record_offset, "out of memory");
			break;
		}
		c = &p->kids[k][p->n_kids[k]];
		if (!find_entry(p, num, &c->entry))
		{
			rc = -1;
			fail(p, f, r.record_line, r.record_offset, "ent_num %llu is not in %s",
				 (unsigned long long) num, file_name(p, F_SDN));
			break;
		}
		c->b.off = SPAN_NULL;
		c->b.len = 0;
		if (f == F_ALT)
		{
			c->a = pool_put(p, fl[3].ptr, fl[3].len, true);
			if (!span_present(c->a))
			{
				rc = -1;
				fail(p, f, r.record_line, r.record_offset, "alt_name is empty");
				break;
			}
		}
		else if (f == F_ADD)
		{
			/* "address, city/state/postal, country (add_remarks)" */
			static const int parts[3] = {2, 3, 4};
			size_t		start = p->pool.len;
			bool		any = false;
			int			i;

			for (i = 0; i < 3; i++)
			{
				const char *s = fl[parts[i]].ptr;
				size_t		n = fl[parts[i]].len;

				if (is_null_field(s, n))
					continue;
				trim(&s, &n);
				if (n == 0)
					continue;
				if (any)
					arka_buf_append(&p->pool, ", ", 2);
				arka_buf_append(&p->pool, s, n);
				any = true;
			}
			if (!is_null_field(fl[5].ptr, fl[5].len))
			{
				const char *s = fl[5].ptr;
				size_t		n = fl[5].len;

				trim(&s, &n);
				if (n > 0)
				{
					if (any)
						arka_buf_append(&p->pool, " ", 1);
					arka_buf_append(&p->pool, "(", 1);
					arka_buf_append(&p->pool, s, n);
					arka_buf_append(&p->pool, ")", 1);
					any = true;
				}
			}
			c->a.off = any ? start : SPAN_NULL;
			c->a.len = any ? p->pool.len - start : 0;
			c->b = pool_put(p, fl[4].ptr, fl[4].len, true);
		}
		else
			c->a = pool_put(p, fl[1].ptr, fl[1].len, false);
		p->n_kids[k]++;
	}
	arka_csv_free(&r);
	if (rc < 0)
		return false;
	if (p->pool.oom)
		return fail(p, f, 0, 0, "out of memory");
	return true;
}

/* Group each kind of child rows by entry, keeping file order (counting sort). */
static bool
group_children(Parser *p)
{
	int			k;

	for (k = 0; k < NKINDS; k++)
	{
		size_t		n = p->n_entries;
		size_t	   *start = calloc(n + 1, sizeof(size_t));
		size_t	   *order = malloc((p->n_kids[k] + 1) * sizeof(size_t));
		size_t	   *fill;
		size_t		i;

		p->kid_start[k] = start;
		p->kid_order[k] = order;
		if (start == NULL || order == NULL)
			return fail(p, -1, 0, 0, "out of memory");
		for (i = 0; i < p->n_kids[k]; i++)
			start[p->kids[k][i].entry + 1]++;
		for (i = 0; i < n; i++)
			start[i + 1] += start[i];
		fill = malloc((n + 1) * sizeof(size_t));
		if (fill == NULL)
			return fail(p, -1, 0, 0, "out of memory");
		memcpy(fill, start, (n + 1) * sizeof(size_t));
		for (i = 0; i < p->n_kids[k]; i++)
			order[fill[p->kids[k][i].entry]++] = i;
		free(fill);
	}
	return true;
}

/* ----------------------------------------------------------------
 * The Remarks grammar
 * ----------------------------------------------------------------
 */

#define ID_KEEP_PARENS 1		/* phone numbers: "(98)(21)(66153220)" */

typedef struct IdLabel
{
	const char *label;
	const char *type;			/* NULL: the label itself */
	int			flags;
} IdLabel;

/*
 * Identifier labels as OFAC writes them at the start of a Remarks item
 * (after an optional "alt. "), and the type reported.  The longest label
 * that matches wins, so "Vessel Registration Identification IMO" beats
 * "Vessel Registration Identification".
 */
static const IdLabel id_labels[] = {
	/* vessels and aircraft */
	{"Vessel Registration Identification IMO", "IMO", 0},
	{"Identification Number IMO", "IMO", 0},
	{"Company Number IMO", "IMO", 0},
	{"International Maritime Organization No.", "IMO", 0},
	{"IMO", "IMO", 0},
	{"Vessel Registration Identification", NULL, 0},
	{"MMSI", NULL, 0},
	{"Other Vessel Call Sign", "Call Sign", 0},
	{"Call Sign", NULL, 0},
	{"Aircraft Tail Number", NULL, 0},
	{"Previous Aircraft Tail Number", "Aircraft Tail Number", 0},
	{"Aircraft Manufacturer's Serial Number (MSN)", NULL, 0},
	{"Aircraft Construction Number (also called L/N or S/N or F/N)", "Aircraft Construction Number", 0},
	{"Aircraft Mode S Transponder Code", NULL, 0},
	{"Aircraft Serial Identification", NULL, 0},
	/* money, contact */
	{"SWIFT/BIC", NULL, 0},
	{"BIK (RU)", NULL, 0},
	{"ISIN", NULL, 0},
	{"Email Address", NULL, 0},
	{"Email", "Email Address", 0},
	{"Website", NULL, 0},
	{"Phone Number", NULL, ID_KEEP_PARENS},
	{"Phone No.", "Phone Number", ID_KEEP_PARENS},
	{"PHONE", "Phone Number", ID_KEEP_PARENS},
	{"Telephone", "Phone Number", ID_KEEP_PARENS},
	{"Telephone No.", "Phone Number", ID_KEEP_PARENS},
	{"Telephone Number", "Phone Number", ID_KEEP_PARENS},
	{"Fax", NULL, ID_KEEP_PARENS},
	{"Fax No.", "Fax", ID_KEEP_PARENS},
	{"FAX", "Fax", ID_KEEP_PARENS},
	/* travel and identity documents */
	{"Passport", NULL, 0},
	{"Passport No.", "Passport", 0},
	{"Passport Booklet", "Passport", 0},
	{"Diplomatic Passport", NULL, 0},
	{"British National Overseas Passport", NULL, 0},
	{"Stateless Person Passport", NULL, 0},
	{"Stateless Person ID Card", NULL, 0},
	{"Travel Document Number", NULL, 0},
	{"Seafarer's Identification Document", NULL, 0},
	{"National ID No.", NULL, 0},
	{"National Foreign ID Number", NULL, 0},
	{"Tazkira National ID Card", NULL, 0},
	{"Kenyan ID No.", NULL, 0},
	{"Turkish Identification Number", NULL, 0},
	{"Moroccan Personal ID No.", NULL, 0},
	{"Bosnian Personal ID No.", NULL, 0},
	{"UAE Identification", NULL, 0},
	{"Personal ID Card", NULL, 0},
	{"Refugee ID Card", NULL, 0},
	{"Numero de Identidad", NULL, 0},
	{"Citizen's Card Number", NULL, 0},
	{"CNP (Personal Numerical Code)", NULL, 0},
	{"Identification Number", NULL, 0},
	{"Residency Number", NULL, 0},
	{"Romanian Permanent Resident CAN", NULL, 0},
	{"SSN", NULL, 0},
	{"Driver's License No.", NULL, 0},
	{"Birth Certificate Number", NULL, 0},
	{"Electoral Registry No.", NULL, 0},
	{"Credencial electoral", NULL, 0},
	{"I.F.E.", NULL, 0},
	{"Cartilla de Servicio Militar Nacional", NULL, 0},
	{"Military Registration Number", NULL, 0},
	{"Immigration No.", NULL, 0},
	{"Public Security and Immigration No.", NULL, 0},
	{"VisaNumberID", NULL, 0},
	{"SRE Permit No.", NULL, 0},
	{"Permit Number", NULL, 0},
	{"Pilot License Number", NULL, 0},
	{"Cedula No.", NULL, 0},
	{"C.U.R.P.", NULL, 0},
	{"C.U.R.P. #", "C.U.R.P.", 0},
	{"C.U.I.", NULL, 0},
	{"C.U.I.P.", NULL, 0},
	{"C.U.I.T.", NULL, 0},
	{"D.N.I.", NULL, 0},
	{"N.I.E.", NULL, 0},
	{"N.I.F.", NULL, 0},
	{"C.I.F.", NULL, 0},
	{"C.I.N.", NULL, 0},
	/* tax and company registers */
	{"R.F.C.", NULL, 0},
	{"R.F.C. #", "R.F.C.", 0},
	{"RFC", "R.F.C.", 0},
	{"NIT #", NULL, 0},
	{"RUC #", NULL, 0},
	{"RIF #", NULL, 0},
	{"RTN", NULL, 0},
	{"LE Number", NULL, 0},
	{"Tax ID No.", NULL, 0},
	{"Paraguayan tax identification number", NULL, 0},
	{"Romanian Tax Registration", NULL, 0},
	{"Numero Unico de Identificacao Tributaria (NUIT)", NULL, 0},
	{"Italian Fiscal Code", NULL, 0},
	{"Fiscal Code", NULL, 0},
	{"US FEIN", NULL, 0},
	{"V.A.T. Number", NULL, 0},
	{"Registration Number", NULL, 0},
	{"Registration ID", NULL, 0},
	{"Registration Certificate Number (Dubai)", NULL, 0},
	{"Business Registration Number", NULL, 0},
	{"Business Registration Document #", NULL, 0},
	{"Business Number", NULL, 0},
	{"Russian State Individual Business Registration Number Pattern (OGRNIP)", NULL, 0},
	{"Government Gazette Number", NULL, 0},
	{"Company Number", NULL, 0},
	{"UK Company Number", NULL, 0},
	{"Legal Entity Number", NULL, 0},
	{"D-U-N-S Number", NULL, 0},
	{"Unified Social Credit Code (USCC)", NULL, 0},
	{"United Social Credit Code Certificate (USCCC)", NULL, 0},
	{"Organization Code", NULL, 0},
	{"Economic Register Number (CBLS)", NULL, 0},
	{"Commercial Registry Number", NULL, 0},
	{"Romanian C.R.", NULL, 0},
	{"C.R. No.", NULL, 0},
	{"Trade License No.", NULL, 0},
	{"Tourism License No.", NULL, 0},
	{"License", NULL, 0},
	{"Afghan Money Service Provider License Number", NULL, 0},
	{"MSB Registration Number", NULL, 0},
	{"Folio Mercantil No.", NULL, 0},
	{"Matricula Mercantil No", NULL, 0},
	{"Public Registration Number", NULL, 0},
	{"Certificate of Incorporation Number", NULL, 0},
	{"Chamber of Commerce Number", NULL, 0},
	{"Istanbul Chamber of Comm. No.", NULL, 0},
	{"Dubai Chamber of Commerce Membership No.", NULL, 0},
	{"Central Registration System Number", NULL, 0},
	{"Enterprise Number", NULL, 0},
	{"Branch Unit Number", NULL, 0},
	{"Registered Charity No.", NULL, 0},
	{"File Number", NULL, 0},
	{"Trademark number", NULL, 0},
};

#define DCA_LABEL "Digital Currency Address - "

static bool
is_alnum_ascii(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
}

/* Find s (a C string) in [p, p+n); returns the offset or n. */
static size_t
find_lit(const char *p, size_t n, const char *s)
{
	size_t		l = strlen(s);
	size_t		i;

	if (l > n)
		return n;
	for (i = 0; i + l <= n; i++)
		if (p[i] == s[0] && memcmp(p + i, s, l) == 0)
			return i;
	return n;
}

/*
 * The value after an identifier label: up to " issued"/" expires", less
 * the trailing "(Country)" groups (unless ID_KEEP_PARENS); a value that
 * is one parenthesised group, "(5777731)", is its inside.
 */
static void
emit_id(const char *type, size_t type_len, const char *v, size_t n, int flags,
		ArkaOfacItemFn fn, void *ctx)
{
	static const char *const stops[] = {" issued", ", issued", " expires", ", expires", " Issue Date"};
	size_t		i;
	bool		has_alnum = false;

	while (n > 0 && (v[0] == ':' || is_space(v[0])))
	{
		v++;
		n--;
	}
	for (i = 0; i < sizeof(stops) / sizeof(stops[0]); i++)
	{
		size_t		at = find_lit(v, n, stops[i]);

		if (at < n)
			n = at;
	}
	trim(&v, &n);
	while (n > 0 && (v[n - 1] == ',' || v[n - 1] == ';'))
		n--;
	trim(&v, &n);
	if (!(flags & ID_KEEP_PARENS))
	{
		while (n > 0 && v[n - 1] == ')')
		{
			size_t		j = n - 1;
			int			depth = 0;
			bool		found = false;

			for (;;)
			{
				if (v[j] == ')')
					depth++;
				else if (v[j] == '(' && --depth == 0)
				{
					found = true;
					break;
				}
				if (j == 0)
					break;
				j--;
			}
			if (!found)
				break;
			if (j == 0)
			{
				/* the whole value is "(5777731)": take its inside if a number */
				size_t		d;
				bool		digit = false;

				for (d = 1; d + 1 < n; d++)
					if (v[d] >= '0' && v[d] <= '9')
						digit = true;
				if (digit)
				{
					v++;
					n -= 2;
					trim(&v, &n);
				}
				else
					n = 0;
				break;
			}
			n = j;
			trim(&v, &n);
		}
	}
	for (i = 0; i < n; i++)
		if (is_alnum_ascii(v[i]))
			has_alnum = true;
	if (!has_alnum || n > 256)
		return;
	fn(ctx, ARKA_OFAC_IDENTIFIER, type, type_len, v, n);
}

/* One ';'-separated Remarks item that is not a quoted alias. */
static void
scan_item(const char *s, size_t n, ArkaOfacItemFn fn, void *ctx)
{
	static const char *const country_prefixes[] = {
		"nationality ", "citizen ", "Nationality of Registration "
	};
	const IdLabel *best = NULL;
	size_t		best_len = 0;
	size_t		i;

	trim(&s, &n);
	if (starts_with(s, n, "alt. ") || starts_with(s, n, "Alt. "))
	{
		s += 5;
		n -= 5;
		trim(&s, &n);
	}
	if (n == 0)
		return;

	/* countries */
	for (i = 0; i < sizeof(country_prefixes) / sizeof(country_prefixes[0]); i++)
	{
		if (starts_with(s, n, country_prefixes[i]))
		{
			const char *v = s + strlen(country_prefixes[i]);
			size_t		vn = n - strlen(country_prefixes[i]);
			size_t		j;

			trim(&v, &vn);
			if (vn == 0 || vn > 80 || v[0] < 'A' || v[0] > 'Z')
				return;			/* "nationality possibly Palestinian" */
			for (j = 0; j < vn; j++)
				if (v[j] >= '0' && v[j] <= '9')
					return;
			fn(ctx, ARKA_OFAC_COUNTRY, NULL, 0, v, vn);
			return;
		}
	}

	/* digital currency addresses: the type carries the currency code */
	if (starts_with(s, n, DCA_LABEL))
	{
		size_t		l = strlen(DCA_LABEL);
		size_t		code = 0;

		while (l + code < n && code <= 16 && is_alnum_ascii(s[l + code]))
			code++;
		if (code > 0 && code <= 16 && l + code < n && s[l + code] == ' ')
			emit_id(s, l + code, s + l + code, n - l - code, 0, fn, ctx);
		return;
	}

	/* other identifiers: the longest matching label */
	for (i = 0; i < sizeof(id_labels) / sizeof(id_labels[0]); i++)
	{
		size_t		l = strlen(id_labels[i].label);

		if (l > best_len && l < n && memcmp(s, id_labels[i].label, l) == 0 &&
			(s[l] == ' ' || s[l] == ':'))
		{
			best = &id_labels[i];
			best_len = l;
		}
	}
	if (best != NULL)
	{
		const char *type = best->type ? best->type : best->label;

		emit_id(type, strlen(type), s + best_len, n - best_len, best->flags, fn, ctx);
	}
}

/*
 * If an alias item starts at s ("a.k.a. 'NAME'"), return the offset of
 * its closing quote: the first "'" followed only by spaces and then ';'
 * or the end.  0 if it is not one, or if a ';' comes first (so each item
 * is scanned once: no quadratic work on hostile text).
 */
static size_t
alias_close(const char *s, size_t n)
{
	size_t		i;

	if (!(starts_with(s, n, "a.k.a. '") || starts_with(s, n, "f.k.a. '") ||
		  starts_with(s, n, "n.k.a. '")))
		return 0;
	for (i = 8; i < n; i++)
	{
		size_t		j;

		if (s[i] == ';')
			return 0;			/* no closing quote before the item ends */
		if (s[i] != '\'')
			continue;
		j = i + 1;
		while (j < n && is_space(s[j]))
			j++;
		if (j == n || s[j] == ';')
			return i;
	}
	return 0;
}

void
arka_ofac_scan_remarks(const char *s, size_t n, bool truncated,
					   ArkaOfacItemFn fn, void *ctx)
{
	size_t		pos = 0;

	if (s == NULL)
		return;
	while (n > 0 && is_space(s[n - 1]))
		n--;
	if (!truncated && n > 0 && s[n - 1] == '.')
		n--;					/* the full stop closing the Remarks */

	while (pos < n)
	{
		size_t		close;
		size_t		end;
		const char *semi;

		while (pos < n && is_space(s[pos]))
			pos++;
		if (pos >= n)
			break;
		close = alias_close(s + pos, n - pos);
		if (close > 0)
		{
			const char *a = s + pos + 8;
			size_t		an = close - 8;

			end = pos + close + 1;
			while (end < n && s[end] != ';')
				end++;
			if (!(truncated && end >= n))
			{
				trim(&a, &an);
				/* ''FOOPIE'': a name quoted twice */
				while (an >= 2 && a[0] == '\'' && a[an - 1] == '\'')
				{
					a++;
					an -= 2;
					trim(&a, &an);
				}
				if (an > 0)
					fn(ctx, ARKA_OFAC_ALIAS, NULL, 0, a, an);
			}
			pos = end + 1;
			continue;
		}
		semi = memchr(s + pos, ';', n - pos);
		end = semi ? (size_t) (semi - s) : n;
		if (!(truncated && end >= n))
			scan_item(s + pos, end - pos, fn, ctx);
		pos = end + 1;
	}
}

/* ----------------------------------------------------------------
 * Writing entries
 * ----------------------------------------------------------------
 */

static uint64_t
hash_bytes(uint64_t h, const char *s, size_t n)
{
	size_t		i;

	for (i = 0; i < n; i++)
	{
		h ^= (unsigned char) s[i];
		h *= 1099511628211ULL;
	}
	return h;
}

static void
seen_reset(Parser *p)
{
	p->seen_gen++;
	p->seen_n = 0;
	if (p->seen_gen == 0)
	{
		/* wrapped after 4 billion entries: clear once */
		if (p->seen != NULL)
			memset(p->seen, 0, p->seen_cap * sizeof(SeenSlot));
		p->seen_gen = 1;
	}
}

/*
 * Add (kind, a, b) to this entry's set; true if it was new.  On memory
 * exhaustion it answers "new" (a duplicate in the output beats losing
 * data; the writer's own OOM check still fails the load).
 */
static bool
seen_add(Parser *p, int kind, const char *a, size_t alen, const char *b, size_t blen)
{
	uint64_t	h = hash_bytes(14695981039346656037ULL ^ (uint64_t) kind, a, alen);
	size_t		i;

	h = hash_bytes(h * 31 + 0xff, b, blen);
	if ((p->seen_n + 1) * 2 > p->seen_cap)
	{
		size_t		nc = p->seen_cap ? p->seen_cap * 2 : 64;
		SeenSlot   *ns = calloc(nc, sizeof(SeenSlot));

		if (ns == NULL)
			return true;
		for (i = 0; i < p->seen_cap; i++)
		{
			SeenSlot   *o = &p->seen[i];
			size_t		j;

			if (o->gen != p->seen_gen)
				continue;
			j = (size_t) o->hash & (nc - 1);
			while (ns[j].gen == p->seen_gen)
				j = (j + 1) & (nc - 1);
			ns[j] = *o;
		}
		free(p->seen);
		p->seen = ns;
		p->seen_cap = nc;
	}
	i = (size_t) h & (p->seen_cap - 1);
	while (p->seen[i].gen == p->seen_gen)
	{
		SeenSlot   *sl = &p->seen[i];

		if (sl->hash == h && sl->kind == kind && sl->alen == alen && sl->blen == blen &&
			memcmp(sl->a, a, alen) == 0 && (blen == 0 || memcmp(sl->b, b, blen) == 0))
			return false;
		i = (i + 1) & (p->seen_cap - 1);
	}
	p->seen[i].gen = p->seen_gen;
	p->seen[i].kind = kind;
	p->seen[i].hash = h;
	p->seen[i].a = a;
	p->seen[i].alen = alen;
	p->seen[i].b = b;
	p->seen[i].blen = blen;
	p->seen_n++;
	return true;
}

static void
collect_item(void *ctx, ArkaOfacItem kind, const char *type, size_t type_len,
			 const char *value, size_t value_len)
{
	Parser	   *p = ctx;
	Item	   *it;

	if (!grow((void **) &p->items, &p->cap_items, p->n_items, sizeof(Item)))
	{
		p->items_oom = true;
		return;
	}
	it = &p->items[p->n_items++];
	it->kind = kind;
	it->type = type;
	it->type_len = type_len;
	it->value = value;
	it->value_len = value_len;
}

/* Comma before every array member but the first. */
static void
sep(ArkaBuf *b, bool *first)
{
	if (!*first)
		arka_buf_putc(b, ',');
	*first = false;
}

static void
write_alias(ArkaBuf *b, bool *first, const char *s, size_t n, bool strong)
{
	sep(b, first);
	arka_buf_puts(b, "{\"name\":");
	arka_json_write_string(b, s, n);
	arka_buf_puts(b, strong ? ",\"strength\":\"strong\",\"source\":\"alt\"}"
				  : ",\"strength\":\"weak\",\"source\":\"remarks\"}");
}

enum
{
	SEEN_ALIAS, SEEN_PROGRAM, SEEN_COUNTRY, SEEN_ADDRESS, SEEN_ID
};

static void
write_country(Parser *p, ArkaBuf *b, bool *first, const char *s, size_t n)
{
	trim(&s, &n);
	if (n == 0 || eq_ci(s, n, "undetermined") || eq_ci(s, n, "None Identified"))
		return;
	if (!seen_add(p, SEEN_COUNTRY, s, n, NULL, 0))
		return;
	sep(b, first);
	arka_json_write_string(b, s, n);
	p->st.countries++;
}

static void
write_identifier(Parser *p, ArkaBuf *b, bool *first, const char *t, size_t tn,
				 const char *v, size_t vn)
{
	if (!seen_add(p, SEEN_ID, t, tn, v, vn))
		return;
	sep(b, first);
	arka_buf_puts(b, "{\"type\":");
	arka_json_write_string(b, t, tn);
	arka_buf_puts(b, ",\"value\":");
	arka_json_write_string(b, v, vn);
	arka_buf_putc(b, '}');
	p->st.identifiers++;
}

static bool
write_entry(Parser *p, size_t ei, ArkaBuf *b)
{
	const Entry *e = &p->entries[ei];
	const char *name = span_ptr(p, e->name);
	char		num[24];
	bool		first;
	bool		has_remarks;
	bool		truncated;
	size_t		i,
				k;

	/* Remarks text: the field plus any spillover rows, in file order. */
	p->text.len = 0;
	has_remarks = span_present(e->remarks);
	if (has_remarks)
		arka_buf_append(&p->text, span_ptr(p, e->remarks), e->remarks.len);
	for (k = p->kid_start[2][ei]; k < p->kid_start[2][ei + 1]; k++)
	{
		const Child *c = &p->kids[2][p->kid_order[2][k]];

		if (span_present(c->a))
		{
			arka_buf_append(&p->text, span_ptr(p, c->a), c->a.len);
			has_remarks = true;
		}
	}
	if (p->text.oom)
		return false;
	/* cut at OFAC's 1000-character limit with no spillover to complete it */
	truncated = has_remarks && p->kid_start[2][ei] == p->kid_start[2][ei + 1] &&
		p->text.len >= 1000 && p->text.data[p->text.len - 1] != '.';
	p->n_items = 0;
	p->items_oom = false;
	if (has_remarks)
		arka_ofac_scan_remarks(p->text.data, p->text.len, truncated, collect_item, p);
	if (p->items_oom)
		return false;

	seen_reset(p);
	snprintf(num, sizeof(num), "%llu", (unsigned long long) e->ent_num);
	arka_buf_puts(b, "{\"entry_id\":\"");
	arka_buf_puts(b, num);
	arka_buf_puts(b, "\",\"type\":\"");
	arka_buf_puts(b, e->type);
	arka_buf_puts(b, "\",\"name\":");
	arka_json_write_string(b, name, e->name.len);

	/* aliases: alt.csv (strong), then Remarks (weak); none twice */
	arka_buf_puts(b, ",\"aliases\":[");
	first = true;
	seen_add(p, SEEN_ALIAS, name, e->name.len, NULL, 0);
	for (k = p->kid_start[0][ei]; k < p->kid_start[0][ei + 1]; k++)
	{
		const Child *c = &p->kids[0][p->kid_order[0][k]];

		if (seen_add(p, SEEN_ALIAS, span_ptr(p, c->a), c->a.len, NULL, 0))
		{
			write_alias(b, &first, span_ptr(p, c->a), c->a.len, true);
			p->st.aliases_strong++;
		}
	}
	for (i = 0; i < p->n_items; i++)
	{
		const Item *it = &p->items[i];

		if (it->kind == ARKA_OFAC_ALIAS &&
			seen_add(p, SEEN_ALIAS, it->value, it->value_len, NULL, 0))
		{
			write_alias(b, &first, it->value, it->value_len, false);
			p->st.aliases_weak++;
		}
	}

	/* programs: "SDGT] [IRGC" */
	arka_buf_puts(b, "],\"programs\":[");
	first = true;
	if (span_present(e->program))
	{
		const char *s = span_ptr(p, e->program);
		size_t		n = e->program.len;

		while (n > 0)
		{
			size_t		at = find_lit(s, n, "] [");
			const char *t = s;
			size_t		tn = at;

			trim(&t, &tn);
			while (tn > 0 && t[0] == '[')
			{
				t++;
				tn--;
			}
			while (tn > 0 && t[tn - 1] == ']')
				tn--;
			trim(&t, &tn);
			if (tn > 0 && seen_add(p, SEEN_PROGRAM, t, tn, NULL, 0))
			{
				sep(b, &first);
				arka_json_write_string(b, t, tn);
				p->st.programs++;
			}
			if (at >= n)
				break;
			s += at + 3;
			n -= at + 3;
		}
	}

	/* countries: addresses, nationality/citizenship, vessel flag */
	arka_buf_puts(b, "],\"countries\":[");
	first = true;
	for (k = p->kid_start[1][ei]; k < p->kid_start[1][ei + 1]; k++)
	{
		const Child *c = &p->kids[1][p->kid_order[1][k]];

		if (span_present(c->b))
			write_country(p, b, &first, span_ptr(p, c->b), c->b.len);
	}
	for (i = 0; i < p->n_items; i++)
		if (p->items[i].kind == ARKA_OFAC_COUNTRY)
			write_country(p, b, &first, p->items[i].value, p->items[i].value_len);
	if (span_present(e->vess_flag))
		write_country(p, b, &first, span_ptr(p, e->vess_flag), e->vess_flag.len);

	/* addresses */
	arka_buf_puts(b, "],\"addresses\":[");
	first = true;
	for (k = p->kid_start[1][ei]; k < p->kid_start[1][ei + 1]; k++)
	{
		const Child *c = &p->kids[1][p->kid_order[1][k]];

		if (span_present(c->a) &&
			seen_add(p, SEEN_ADDRESS, span_ptr(p, c->a), c->a.len, NULL, 0))
		{
			sep(b, &first);
			arka_json_write_string(b, span_ptr(p, c->a), c->a.len);
			p->st.addresses++;
		}
	}

	/* identifiers: the Call_Sign column, then Remarks */
	arka_buf_puts(b, "],\"identifiers\":[");
	first = true;
	if (span_present(e->call_sign))
		write_identifier(p, b, &first, "Call Sign", 9, span_ptr(p, e->call_sign),
						 e->call_sign.len);
	for (i = 0; i < p->n_items; i++)
		if (p->items[i].kind == ARKA_OFAC_IDENTIFIER)
			write_identifier(p, b, &first, p->items[i].type, p->items[i].type_len,
							 p->items[i].value, p->items[i].value_len);

	arka_buf_puts(b, "],\"remarks\":");
	if (has_remarks)
		arka_json_write_string(b, p->text.data, p->text.len);
	else
		arka_buf_puts(b, "null");
	arka_buf_putc(b, '}');
	return !b->oom;
}

/* ----------------------------------------------------------------
 * Entry point
 * ----------------------------------------------------------------
 */

static void
parser_free(Parser *p)
{
	int			k;

	arka_buf_free(&p->pool);
	arka_buf_free(&p->text);
	free(p->entries);
	free(p->by_num);
	for (k = 0; k < NKINDS; k++)
	{
		free(p->kids[k]);
		free(p->kid_start[k]);
		free(p->kid_order[k]);
	}
	free(p->items);
	free(p->seen);
}

static bool
hash_files(Parser *p)
{
	const ArkaOfacFile *files[4] = {&p->in->sdn, &p->in->alt, &p->in->add, &p->in->comments};
	uint8_t		all[4 * 32];
	uint8_t		digest[32];
	static const char hex[] = "0123456789abcdef";
	int			f,
				i;

	memset(all, 0, sizeof(all));
	for (f = 0; f < 4; f++)
	{
		if (files[f]->data == NULL)
			continue;
		p->st.file_present[f] = true;
		if (!arka_sha256(files[f]->data, files[f]->len, p->st.file_sha256[f]))
			return fail(p, f, 0, 0, "SHA-256 failed");
		memcpy(all + 32 * f, p->st.file_sha256[f], 32);
	}
	if (!arka_sha256(all, sizeof(all), digest))
		return fail(p, -1, 0, 0, "SHA-256 failed");
	for (i = 0; i < 32; i++)
	{
		p->st.sha256_hex[2 * i] = hex[digest[i] >> 4];
		p->st.sha256_hex[2 * i + 1] = hex[digest[i] & 15];
	}
	p->st.sha256_hex[64] = '\0';
	return true;
}

bool
arka_ofac_parse(const ArkaOfacInput *in, const ArkaOfacOptions *opts,
				ArkaBuf *out, ArkaOfacStats *stats, ArkaOfacError *err)
{
	Parser		p;
	ArkaBuf		json;
	bool		ok = false;
	size_t		i;

	memset(&p, 0, sizeof(p));
	memset(err, 0, sizeof(*err));
	if (stats != NULL)
		memset(stats, 0, sizeof(*stats));
	p.in = in;
	p.err = err;
	if (opts != NULL)
		p.opts = *opts;
	if (p.opts.max_field == 0)
		p.opts.max_field = ARKA_OFAC_MAX_FIELD;
	arka_buf_init(&p.pool);
	arka_buf_init(&p.text);
	arka_buf_init(&json);

	if (in->sdn.data == NULL)
	{
		fail(&p, F_SDN, 0, 0, "not given");
		goto done;
	}
	if (out->oom)
	{
		fail(&p, -1, 0, 0, "output buffer is out of memory");
		goto done;
	}
	if (!hash_files(&p) || !read_sdn(&p) || !index_entries(&p) ||
		!read_children(&p, F_ALT) || !read_children(&p, F_ADD) ||
		!read_children(&p, F_COMMENTS) || !group_children(&p))
		goto done;

	arka_buf_putc(&json, '[');
	for (i = 0; i < p.n_entries; i++)
	{
		if (i > 0)
			arka_buf_putc(&json, ',');
		if (!write_entry(&p, i, &json))
		{
			fail(&p, -1, 0, 0, "out of memory writing entry %zu", i + 1);
			goto done;
		}
	}
	arka_buf_putc(&json, ']');
	if (json.oom)
	{
		fail(&p, -1, 0, 0, "out of memory");
		goto done;
	}
	p.st.entries = p.n_entries;

	/* hand over: take the buffer whole when out is empty, else append */
	if (out->len == 0)
	{
		arka_buf_free(out);
		*out = json;
		arka_buf_init(&json);
	}
	else
	{
		size_t		before = out->len;

		arka_buf_append(out, json.data, json.len);
		if (out->oom)
		{
			out->oom = false;
			out->len = before;
			out->data[before] = '\0';
			fail(&p, -1, 0, 0, "out of memory");
			goto done;
		}
	}
	if (stats != NULL)
		*stats = p.st;
	ok = true;

done:
	arka_buf_free(&json);
	parser_free(&p);
	return ok;
}
