/*-------------------------------------------------------------------------
 *
 * wal2json.c
 *	  Parser of wal2json 2.5 format-version 2 messages, with exact numbers.
 *
 * The message is parsed by the engine core's JSON parser
 * (arka_json_parse_opts, the parser of the core's tests and fuzz
 * targets): numbers go straight from their literal to an exact decimal
 * with arka_dec_parse_json (38 significant digits, exponents to +-6111,
 * beyond that a clear "beyond the decimal range" error), strings are
 * unescaped and UTF-8-checked into the arena, and a repeated key or a
 * \u0000 in a string is an error.  The fields are then read off the
 * value tree.
 *
 * Why not jansson, the daemon's JSON library elsewhere: jansson stores a
 * literal with '.', 'e' or 'E' as a double (1234567890123456789.123456789
 * loses its last ten digits; 0.1 is not 0.1), fails on an integer beyond
 * long long (a numeric 1e30 prints as 31 digits) and on a real beyond
 * double range (numeric 9.99e400 prints as 401 digits), and has no
 * raw-number API; it also builds a malloc'd hash table per object, which
 * cost 9.4 us per typical INSERT message against 1.0 us here (README,
 * "Dependencies").
 *
 *-------------------------------------------------------------------------
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arka_decimal.h"
#include "wal2json.h"

#define W2J_USEC_PER_SEC INT64_C(1000000)
#define W2J_PG_EPOCH_DAYS INT64_C(10957)	/* 1970-01-01 .. 2000-01-01 */

/* Everything one parse needs. */
typedef struct W2jCtx
{
	W2jParser  *p;
	ArkaArena  *arena;
	W2jError   *err;
} W2jCtx;

static bool
fail(W2jError *err, size_t offset, const char *fmt,...)
__attribute__((format(printf, 3, 4)));

static bool
fail(W2jError *err, size_t offset, const char *fmt,...)
{
	va_list		ap;

	err->offset = offset;
	va_start(ap, fmt);
	vsnprintf(err->message, sizeof(err->message), fmt, ap);
	va_end(ap);
	return false;
}

/* Default options: json and jsonb columns are parsed into values. */
void
w2j_parser_init(W2jParser *p)
{
	memset(p, 0, sizeof(*p));
	p->parse_json_columns = true;
}

const char *
w2j_action_name(W2jAction a)
{
	switch (a)
	{
		case W2J_BEGIN:
			return "begin";
		case W2J_COMMIT:
			return "commit";
		case W2J_INSERT:
			return "insert";
		case W2J_UPDATE:
			return "update";
		case W2J_DELETE:
			return "delete";
		case W2J_MESSAGE:
			return "message";
		case W2J_TRUNCATE:
			return "truncate";
	}
	return "unknown";
}

/* ---------------------------------------------------------------------
 * Reading the parsed message
 * ---------------------------------------------------------------------
 */

/*
 * A member of an object (NULL when absent); wal2json objects are small.
 * Called through obj_get with a literal key, whose length is known.
 */
static const ArkaValue *
obj_get_n(const ArkaValue *obj, const char *key, size_t len)
{
	if (obj == NULL || obj->type != ARKA_OBJ)
		return NULL;
	for (size_t i = 0; i < obj->u.obj.n; i++)
	{
		const ArkaMember *m = &obj->u.obj.members[i];

		if (m->keylen == len && memcmp(m->key, key, len) == 0)
			return &m->val;
	}
	return NULL;
}

/* "" key "" admits only a string literal, so that sizeof is its length + 1 */
#define obj_get(obj, key) obj_get_n((obj), "" key "", sizeof(key) - 1)

#define OOM(c) fail((c)->err, 0, "out of memory (arena limit reached)")

/*
 * An unsigned 32-bit integer field (xid, typeoid): a plain integer
 * literal, so "1e3" and "1.0" are refused although their values are
 * integers (wal2json never writes them; they mean corruption).  The
 * parser keeps a literal's exponent: 1e3 is coef 1, exp 3.
 */
static bool
get_uint32(W2jCtx *c, const ArkaValue *v, const char *field, uint32_t *out)
{
	const ArkaDec *d;

	if (v == NULL || v->type != ARKA_NUM)
		return fail(c->err, 0, "field \"%s\" must be a number", field);
	d = &v->u.num;
	if (d->kind != ARKA_DEC_FINITE || d->coef < 0 || d->negzero || d->exp < 0)
		return fail(c->err, 0, "field \"%s\" must be an unsigned 32-bit integer", field);
	if (d->exp > 0)
	{
		/* an exponent literal, or an integer of more than 38 digits */
		if (d->coef != 0 && d->exp + 1 > 10)
			return fail(c->err, 0, "field \"%s\" is beyond 32 bits", field);
		return fail(c->err, 0, "field \"%s\" must be an unsigned 32-bit integer, "
					"without exponent", field);
	}
	if (d->coef > (__int128) UINT32_MAX)
		return fail(c->err, 0, "field \"%s\" is beyond 32 bits", field);
	*out = (uint32_t) d->coef;
	return true;
}

/* A string field (already in the arena); *out NULL for JSON null if allowed. */
static bool
get_string(W2jCtx *c, const ArkaValue *v, const char *field, bool null_ok, const char **out,
		   size_t *outlen)
{
	*out = NULL;
	if (outlen)
		*outlen = 0;
	if (v == NULL || (null_ok && v->type == ARKA_NULL))
		return true;
	if (v->type != ARKA_STR)
		return fail(c->err, 0, "field \"%s\" must be a string%s", field, null_ok ? " or null" : "");
	*out = v->u.str.ptr;
	if (outlen)
		*outlen = v->u.str.len;
	return true;
}

static bool
get_lsn(W2jCtx *c, const ArkaValue *v, const char *field, bool *has, CdcLsn *out)
{
	*has = false;
	if (v == NULL || v->type == ARKA_NULL)
		return true;
	if (v->type != ARKA_STR || !cdc_lsn_parse(v->u.str.ptr, v->u.str.len, out))
		return fail(c->err, 0, "field \"%s\" must be an LSN string like \"0/1540B18\"", field);
	*has = true;
	return true;
}

/* Base type name: "numeric(20,2)" -> "numeric"; arrays are not scalars. */
static bool
type_is(const char *type, const char *const *names)
{
	size_t		n;

	if (type == NULL)
		return false;
	n = strcspn(type, "(");
	if (strstr(type, "[]") != NULL)
		return false;
	for (; *names; names++)
		if (strlen(*names) == n && memcmp(*names, type, n) == 0)
			return true;
	return false;
}

static bool
is_numeric_column(const W2jColumn *col)
{
	static const char *const names[] = {"smallint", "integer", "bigint", "oid", "real",
	"double precision", "numeric", NULL};

	switch (col->typeoid)
	{
		case W2J_INT2OID:
		case W2J_INT4OID:
		case W2J_INT8OID:
		case W2J_OIDOID:
		case W2J_FLOAT4OID:
		case W2J_FLOAT8OID:
		case W2J_NUMERICOID:
			return true;
		default:
			return type_is(col->type, names);
	}
}

static bool
is_json_column(const W2jColumn *col)
{
	static const char *const names[] = {"json", "jsonb", NULL};

	return col->typeoid == W2J_JSONOID || col->typeoid == W2J_JSONBOID || type_is(col->type, names);
}

/* A number from text: exact, with the spellings of NaN and infinities. */
static bool
parse_number_text(W2jCtx *c, const W2jColumn *col, const char *s, size_t len, size_t off,
				  ArkaDec *out)
{
	ArkaDecStatus st;

	if (len == 3 && memcmp(s, "NaN", 3) == 0)
	{
		*out = arka_dec_nan();
		return true;
	}
	if (len == 8 && memcmp(s, "Infinity", 8) == 0)
	{
		*out = arka_dec_inf(false);
		return true;
	}
	if (len == 9 && memcmp(s, "-Infinity", 9) == 0)
	{
		*out = arka_dec_inf(true);
		return true;
	}
	st = arka_dec_parse_json(s, len, out);
	if (st == ARKA_DEC_OK)
		return true;
	if (st == ARKA_DEC_OVERFLOW)
		return fail(c->err, off, "column \"%s\": number %.*s%s is beyond the decimal range "
					"(exponent above %d)", col->name, (int) (len > 40 ? 40 : len), s,
					len > 40 ? "..." : "", ARKA_DEC_EXP_MAX);
	return fail(c->err, off, "column \"%s\": \"%.*s\" is not a number", col->name,
				(int) (len > 40 ? 40 : len), s);
}

/*
 * Convert one column value (see w2j_parse for the rules).  A number's
 * text is the JSON text of its exact value (the literal itself unless it
 * had more than 38 significant digits): rowdoc.c reads floats from it
 * and main.c sends key values back to the server as parameters.
 */
static bool
convert_value(W2jCtx *c, W2jColumn *col, const ArkaValue *v)
{
	col->has_value = true;
	col->text = NULL;
	col->text_len = 0;
	switch (v->type)
	{
		case ARKA_NULL:
		case ARKA_BOOL:
			col->value = *v;
			return true;
		case ARKA_NUM:
			{
				char	   *buf = arka_arena_alloc(c->arena, ARKA_DEC_STRLEN);

				if (buf == NULL)
					return OOM(c);
				col->text_len = arka_dec_to_json(&v->u.num, buf);
				col->text = buf;
				col->value = *v;
				return true;
			}
		case ARKA_STR:
			{
				const char *s = v->u.str.ptr;
				size_t		len = v->u.str.len;

				col->text = s;
				col->text_len = len;
				if (is_numeric_column(col))
				{
					ArkaDec		d;

					if (!parse_number_text(c, col, s, len, 0, &d))
						return false;
					col->value = arka_num(d);
				}
				else if (c->p->parse_json_columns && is_json_column(col))
				{
					ArkaJsonError jerr;

					if (!arka_json_parse(s, len, c->arena, &col->value, &jerr))
						return fail(c->err, 0, "column \"%s\": invalid JSON value: %s at byte %zu",
									col->name, jerr.message, jerr.offset);
				}
				else
					col->value = *v;
				return true;
			}
		default:
			return fail(c->err, 0, "column \"%s\": a value must be a string, number, "
						"boolean or null", col->name);
	}
}

/* Parse "columns", "identity" or "pk": an array of {name, type, typeoid, value}. */
static bool
parse_columns(W2jCtx *c, const ArkaValue *arr, const char *field, bool want_value,
			  W2jColumn **out, size_t *nout)
{
	size_t		n;
	W2jColumn  *cols;

	*out = NULL;
	*nout = 0;
	if (arr->type != ARKA_ARR)
		return fail(c->err, 0, "field \"%s\" must be an array", field);
	n = arr->u.arr.n;
	if (n == 0)
		return true;
	if (n > SIZE_MAX / sizeof(W2jColumn))
		return OOM(c);
	cols = arka_arena_alloc(c->arena, n * sizeof(W2jColumn));
	if (cols == NULL)
		return OOM(c);
	memset(cols, 0, n * sizeof(W2jColumn));

	for (size_t i = 0; i < n; i++)
	{
		const ArkaValue *o = &arr->u.arr.items[i];
		const ArkaValue *v;
		W2jColumn  *col = &cols[i];

		if (o->type != ARKA_OBJ)
			return fail(c->err, 0, "%s[%zu] must be an object", field, i);
		v = obj_get(o, "name");
		if (v == NULL)
			return fail(c->err, 0, "%s[%zu] has no \"name\"", field, i);
		if (!get_string(c, v, "name", false, &col->name, &col->name_len))
			return false;
		if (!get_string(c, obj_get(o, "type"), "type", false, &col->type, NULL))
			return false;
		v = obj_get(o, "typeoid");
		if (v != NULL && !get_uint32(c, v, "typeoid", &col->typeoid))
			return false;
		v = obj_get(o, "value");
		if (v == NULL)
		{
			if (want_value)
				return fail(c->err, 0, "%s[%zu] (\"%s\") has no \"value\"", field, i, col->name);
			col->value = arka_null();
		}
		else if (!convert_value(c, col, v))
			return false;
	}
	*out = cols;
	*nout = n;
	return true;
}

/* Column pointers sorted by name, for duplicate checks and lookups. */
static int
colptr_cmp(const void *a, const void *b)
{
	const W2jColumn *x = *(const W2jColumn *const *) a;
	const W2jColumn *y = *(const W2jColumn *const *) b;
	size_t		n = x->name_len < y->name_len ? x->name_len : y->name_len;
	int			r = memcmp(x->name, y->name, n);

	if (r != 0)
		return r;
	return (x->name_len > y->name_len) - (x->name_len < y->name_len);
}

static bool
sort_columns(W2jCtx *c, W2jColumn *cols, size_t n, const char *field, W2jColumn ***sorted)
{
	W2jColumn **s;

	*sorted = NULL;
	if (n == 0)
		return true;
	s = arka_arena_alloc(c->arena, n * sizeof(W2jColumn *));
	if (s == NULL)
		return OOM(c);
	for (size_t i = 0; i < n; i++)
		s[i] = &cols[i];
	if (n > 16)
		qsort(s, n, sizeof(W2jColumn *), colptr_cmp);
	else
	{
		/* a typical row: insertion sort, without qsort's per-call cost */
		for (size_t i = 1; i < n; i++)
		{
			W2jColumn  *x = s[i];
			size_t		k = i;

			for (; k > 0 && colptr_cmp(&s[k - 1], &x) > 0; k--)
				s[k] = s[k - 1];
			s[k] = x;
		}
	}
	for (size_t i = 1; i < n; i++)
		if (colptr_cmp(&s[i - 1], &s[i]) == 0)
			return fail(c->err, 0, "%s: duplicate column \"%s\"", field, s[i]->name);
	*sorted = s;
	return true;
}

static W2jColumn *
find_column(W2jColumn **sorted, size_t n, const char *name, size_t len)
{
	W2jColumn	key;
	W2jColumn  *kp = &key;
	W2jColumn **hit;

	if (sorted == NULL || n == 0)
		return NULL;
	key.name = name;
	key.name_len = len;
	hit = bsearch(&kp, sorted, n, sizeof(W2jColumn *), colptr_cmp);
	return hit ? *hit : NULL;
}

/* Build an object value from columns (then extra ones). */
static bool
build_object(W2jCtx *c, W2jColumn *cols, size_t n, W2jColumn *extra, size_t nextra, ArkaValue *out)
{
	ArkaMember *m;
	size_t		total = n + nextra;

	out->type = ARKA_OBJ;
	out->u.obj.members = NULL;
	out->u.obj.n = 0;
	if (total == 0)
		return true;
	m = arka_arena_alloc(c->arena, total * sizeof(ArkaMember));
	if (m == NULL)
		return OOM(c);
	for (size_t i = 0; i < n; i++)
	{
		m[i].key = cols[i].name;
		m[i].keylen = cols[i].name_len;
		m[i].val = cols[i].value;
	}
	for (size_t i = 0; i < nextra; i++)
	{
		m[n + i].key = extra[i].name;
		m[n + i].keylen = extra[i].name_len;
		m[n + i].val = extra[i].value;
	}
	out->u.obj.members = m;
	out->u.obj.n = total;
	return true;
}

/* ---------------------------------------------------------------------
 * Timestamps
 * ---------------------------------------------------------------------
 */

/* Days from 1970-01-01 to y-m-d in the proleptic Gregorian calendar. */
static int64_t
days_from_civil(int64_t y, int m, int d)
{
	int64_t		era;
	int64_t		yoe,
				doy,
				doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

/* Read exactly n digits at s[*i]. */
static bool
digits(const char *s, size_t len, size_t *i, int n, int *out)
{
	int			v = 0;

	if (*i + (size_t) n > len)
		return false;
	for (int k = 0; k < n; k++)
	{
		char		ch = s[*i + (size_t) k];

		if (ch < '0' || ch > '9')
			return false;
		v = v * 10 + (ch - '0');
	}
	*i += (size_t) n;
	*out = v;
	return true;
}

bool
w2j_parse_timestamp(const char *s, size_t len, int64_t *pg_us)
{
	size_t		i = 0;
	int64_t		year = 0;
	int			ydigits = 0;
	int			mon,
				day,
				hour,
				min,
				sec,
				tzh = 0,
				tzm = 0,
				tzs = 0;
	int64_t		frac = 0;
	int			sign;
	static const int mdays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	int64_t		secs;

	while (i < len && s[i] >= '0' && s[i] <= '9' && ydigits < 7)
	{
		year = year * 10 + (s[i] - '0');
		i++;
		ydigits++;
	}
	if (ydigits < 4 || ydigits > 6 || year < 1)
		return false;
	if (i >= len || s[i++] != '-' || !digits(s, len, &i, 2, &mon) ||
		i >= len || s[i++] != '-' || !digits(s, len, &i, 2, &day) ||
		i >= len || s[i++] != ' ' || !digits(s, len, &i, 2, &hour) ||
		i >= len || s[i++] != ':' || !digits(s, len, &i, 2, &min) ||
		i >= len || s[i++] != ':' || !digits(s, len, &i, 2, &sec))
		return false;
	if (mon < 1 || mon > 12 || day < 1 || day > mdays[mon - 1] || hour > 23 || min > 59 || sec > 59)
		return false;
	if (mon == 2 && day == 29 && !((year % 4 == 0 && year % 100 != 0) || year % 400 == 0))
		return false;
	if (i < len && s[i] == '.')
	{
		int			n = 0;

		i++;
		while (i < len && s[i] >= '0' && s[i] <= '9')
		{
			if (n == 6)
				return false;
			frac = frac * 10 + (s[i] - '0');
			i++;
			n++;
		}
		if (n == 0)
			return false;
		for (; n < 6; n++)
			frac *= 10;
	}
	if (i >= len || (s[i] != '+' && s[i] != '-'))
		return false;
	sign = s[i++] == '-' ? -1 : 1;
	if (!digits(s, len, &i, 2, &tzh))
		return false;
	if (i < len && s[i] == ':')
	{
		i++;
		if (!digits(s, len, &i, 2, &tzm))
			return false;
		if (i < len && s[i] == ':')
		{
			i++;
			if (!digits(s, len, &i, 2, &tzs))
				return false;
		}
	}
	if (i != len || tzm > 59 || tzs > 59)
		return false;

	secs = (days_from_civil(year, mon, day) - W2J_PG_EPOCH_DAYS) * 86400 +
		hour * 3600 + min * 60 + sec;
	/* local time = UTC + offset, so UTC = local - offset */
	secs -= sign * (tzh * 3600 + tzm * 60 + tzs);
	*pg_us = secs * W2J_USEC_PER_SEC + frac;
	return true;
}

/* ---------------------------------------------------------------------
 * The parser
 * ---------------------------------------------------------------------
 */

/* Does the action's object carry a table change with a new tuple? */
static bool
parse_change(W2jCtx *c, const ArkaValue *root, W2jMessage *m)
{
	const ArkaValue *v;
	W2jColumn **cols_sorted = NULL;
	W2jColumn **ident_sorted = NULL;

	if (!get_string(c, obj_get(root, "schema"), "schema", false, &m->schema, NULL) ||
		!get_string(c, obj_get(root, "table"), "table", false, &m->table, NULL))
		return false;
	if (m->table == NULL)
		return fail(c->err, 0, "a \"%s\" message needs a \"table\"", w2j_action_name(m->action));
	if (m->action == W2J_TRUNCATE)
		return true;

	v = obj_get(root, "columns");
	if (v != NULL)
	{
		if (!parse_columns(c, v, "columns", true, &m->columns, &m->ncolumns))
			return false;
		m->has_columns = true;
	}
	else if (m->action != W2J_DELETE)
		return fail(c->err, 0, "a \"%s\" message needs \"columns\"", w2j_action_name(m->action));

	v = obj_get(root, "identity");
	if (v != NULL)
	{
		if (!parse_columns(c, v, "identity", true, &m->identity, &m->nidentity))
			return false;
		m->has_identity = true;
	}
	else if (m->action == W2J_DELETE)
		return fail(c->err, 0, "a \"delete\" message needs \"identity\"");

	v = obj_get(root, "pk");
	if (v != NULL)
	{
		if (!parse_columns(c, v, "pk", false, &m->pk, &m->npk))
			return false;
		m->has_pk = true;
	}

	if (!sort_columns(c, m->columns, m->ncolumns, "columns", &cols_sorted) ||
		!sort_columns(c, m->identity, m->nidentity, "identity", &ident_sorted))
		return false;

	/* U: columns the new tuple leaves out but the old row carries */
	if (m->action == W2J_UPDATE && m->nidentity > 0)
	{
		size_t		k = 0;

		for (size_t i = 0; i < m->nidentity; i++)
			if (!find_column(cols_sorted, m->ncolumns, m->identity[i].name, m->identity[i].name_len))
				k++;
		if (k > 0)
		{
			m->unchanged = arka_arena_alloc(c->arena, k * sizeof(W2jColumn));
			if (m->unchanged == NULL)
				return OOM(c);
			for (size_t i = 0; i < m->nidentity; i++)
				if (!find_column(cols_sorted, m->ncolumns, m->identity[i].name, m->identity[i].name_len))
					m->unchanged[m->nunchanged++] = m->identity[i];
		}
	}

	if (m->action == W2J_DELETE)
	{
		if (!build_object(c, m->identity, m->nidentity, NULL, 0, &m->row))
			return false;
	}
	else if (!build_object(c, m->columns, m->ncolumns, m->unchanged, m->nunchanged, &m->row))
		return false;

	/* the primary key, when every key column has a value */
	m->row_key = arka_null();
	if (m->npk > 0)
	{
		W2jColumn  *keycols = arka_arena_alloc(c->arena, m->npk * sizeof(W2jColumn));
		bool		complete = true;

		if (keycols == NULL)
			return OOM(c);
		for (size_t i = 0; i < m->npk && complete; i++)
		{
			W2jColumn  *hit = find_column(cols_sorted, m->ncolumns, m->pk[i].name, m->pk[i].name_len);

			if (hit == NULL)
				hit = find_column(ident_sorted, m->nidentity, m->pk[i].name, m->pk[i].name_len);
			if (hit == NULL)
				complete = false;
			else
				keycols[i] = *hit;
		}
		if (complete)
		{
			W2jColumn **ks;

			if (!sort_columns(c, keycols, m->npk, "pk", &ks) ||
				!build_object(c, keycols, m->npk, NULL, 0, &m->row_key))
				return false;
		}
	}
	return true;
}

static bool
parse_message(W2jCtx *c, const ArkaValue *root, W2jMessage *m)
{
	const ArkaValue *v = obj_get(root, "transactional");

	if (v == NULL || v->type != ARKA_BOOL)
		return fail(c->err, 0, "a \"message\" needs \"transactional\": true or false");
	m->transactional = v->u.b;
	v = obj_get(root, "prefix");
	if (v == NULL)
		return fail(c->err, 0, "a \"message\" needs a \"prefix\"");
	if (!get_string(c, v, "prefix", false, &m->prefix, &m->prefix_len))
		return false;
	v = obj_get(root, "content");
	if (v == NULL)
		return fail(c->err, 0, "a \"message\" needs a \"content\"");
	return get_string(c, v, "content", false, &m->content, &m->content_len);
}

bool
w2j_parse(W2jParser *p, const char *text, size_t len, ArkaArena *arena,
		  W2jMessage *out, W2jError *err)
{
	W2jCtx		c = {p, arena, err};
	ArkaValue	rootval;
	const ArkaValue *root = &rootval;
	ArkaJsonError jerr;
	const ArkaValue *v;
	const char *action;

	memset(out, 0, sizeof(*out));
	out->row = arka_null();
	out->row_key = arka_null();
	err->offset = 0;
	err->message[0] = '\0';
	if (text == NULL || len == 0)
		return fail(err, 0, "empty message");

	if (!arka_json_parse_opts(text, len, arena, ARKA_JSON_REJECT_DUPLICATES | ARKA_JSON_REJECT_NUL,
							  &rootval, &jerr))
	{
		if (strcmp(jerr.message, "number out of range") == 0)
			return fail(err, jerr.offset, "invalid JSON at byte %zu: a number is beyond the "
						"decimal range (exponent above %d)", jerr.offset, ARKA_DEC_EXP_MAX);
		return fail(err, jerr.offset, "invalid JSON at byte %zu: %s", jerr.offset, jerr.message);
	}
	if (root->type != ARKA_OBJ)
		return fail(err, 0, "a wal2json message must be a JSON object");

	v = obj_get(root, "action");
	if (v == NULL || v->type != ARKA_STR || v->u.str.len != 1)
		return fail(err, 0, "field \"action\" must be a one-letter string");
	action = v->u.str.ptr;
	switch (action[0])
	{
		case 'B':
		case 'C':
		case 'I':
		case 'U':
		case 'D':
		case 'M':
		case 'T':
			out->action = (W2jAction) action[0];
			break;
		default:
			return fail(err, 0, "unknown action \"%s\"", action);
	}

	v = obj_get(root, "xid");
	if (v != NULL && v->type != ARKA_NULL)
	{
		if (!get_uint32(&c, v, "xid", &out->xid))
			return false;
		out->has_xid = true;
	}
	if (!get_lsn(&c, obj_get(root, "lsn"), "lsn", &out->has_lsn, &out->lsn) ||
		!get_lsn(&c, obj_get(root, "nextlsn"), "nextlsn", &out->has_nextlsn, &out->nextlsn))
		return false;
	if (!get_string(&c, obj_get(root, "timestamp"), "timestamp", true, &out->timestamp, NULL))
		return false;
	if (out->timestamp)
		out->has_commit_time = w2j_parse_timestamp(out->timestamp, strlen(out->timestamp),
												   &out->commit_time);

	switch (out->action)
	{
		case W2J_BEGIN:
		case W2J_COMMIT:
			return true;
		case W2J_MESSAGE:
			return parse_message(&c, root, out);
		default:
			return parse_change(&c, root, out);
	}
}

/* ---------------------------------------------------------------------
 * Helpers for callers
 * ---------------------------------------------------------------------
 */

const ArkaValue *
w2j_row_get(const W2jMessage *m, const char *name, size_t len)
{
	if (m->row.type != ARKA_OBJ)
		return NULL;
	for (size_t i = 0; i < m->row.u.obj.n; i++)
	{
		const ArkaMember *mb = &m->row.u.obj.members[i];

		if (mb->keylen == len && memcmp(mb->key, name, len) == 0)
			return &mb->val;
	}
	return NULL;
}

size_t
w2j_missing_columns(const W2jMessage *m, const char *const *names, size_t n, bool *missing)
{
	size_t		k = 0;

	for (size_t i = 0; i < n; i++)
	{
		missing[i] = names[i] != NULL && w2j_row_get(m, names[i], strlen(names[i])) == NULL;
		if (missing[i])
			k++;
	}
	return k;
}

bool
w2j_message_content_json(const W2jMessage *m, ArkaArena *arena, ArkaValue *out, W2jError *err)
{
	ArkaJsonError jerr;

	if (m->action != W2J_MESSAGE || m->content == NULL)
		return fail(err, 0, "not a logical message");
	if (!arka_json_parse(m->content, m->content_len, arena, out, &jerr))
		return fail(err, jerr.offset, "message content is not valid JSON: %s at byte %zu",
					jerr.message, jerr.offset);
	return true;
}
