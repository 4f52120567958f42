/*-------------------------------------------------------------------------
 *
 * rowdoc.c
 *	  wal2json columns -> the document the trigger decides (rowdoc.h).
 *
 * Conversions, column type by column type, against column_value() in
 * src/arka_tupledoc.c.  The replication session runs with TimeZone UTC,
 * DateStyle ISO and extra_float_digits 1 (cdc/pgsql.c), which fixes what
 * wal2json prints:
 *
 *   numeric, int2/4/8, oid   JSON number, read exactly      = exact decimal
 *   float8                   shortest text -> double -> arka_dec_from_double
 *   float4                   the shortest text that reads back as the same
 *                            float (as the trigger: a real 0.1 is 0.1)
 *   money                    "$1,234.56" (lc_monetary): digits, sign and point kept
 *   text, varchar, name      the string
 *   char(n)                  the string, trailing spaces stripped
 *   bool                     JSON true/false
 *   date                     "2026-11-26"                   = "2026-11-26"
 *   timestamptz              "2026-11-26 05:44:55.3+00"     -> "2026-11-26T05:44:55.300000Z"
 *   timestamp                "2026-11-26 05:44:55"          -> "2026-11-26T05:44:55"
 *   jsonb                    parsed, numbers exact          = nested value
 *   json                     the text (the trigger uses json's output function)
 *   bytea                    hex digits                     -> "\x" + hex digits
 *   enum, anything else      the type's output text         = same
 *
 * Differences wal2json 2.5 imposes (docs/cdc.md): numeric and float NaN
 * and infinities arrive as null (the trigger fails closed on them); a
 * numeric of more than 38 significant digits is rounded here where the
 * trigger refuses it.
 *
 *-------------------------------------------------------------------------
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arka_json.h"
#include "arka_logic.h"
#include "rowdoc.h"

#define OID_BOOL		16
#define OID_BYTEA		17
#define OID_NAME		19
#define OID_INT8		20
#define OID_INT2		21
#define OID_INT4		23
#define OID_TEXT		25
#define OID_OID			26
#define OID_JSON		114
#define OID_FLOAT4		700
#define OID_FLOAT8		701
#define OID_MONEY		790
#define OID_BPCHAR		1042
#define OID_VARCHAR		1043
#define OID_DATE		1082
#define OID_TIMESTAMP	1114
#define OID_TIMESTAMPTZ 1184
#define OID_NUMERIC		1700
#define OID_JSONB		3802

/* The column's type OID, from typeoid or (without it) the type name. */
static uint32_t
type_of(const W2jColumn *col)
{
	static const struct
	{
		const char *name;
		uint32_t	oid;
	}			names[] = {
		{"boolean", OID_BOOL}, {"bytea", OID_BYTEA}, {"real", OID_FLOAT4},
		{"double precision", OID_FLOAT8}, {"money", OID_MONEY}, {"date", OID_DATE},
		{"timestamp without time zone", OID_TIMESTAMP},
		{"timestamp with time zone", OID_TIMESTAMPTZ}, {"json", OID_JSON}, {"jsonb", OID_JSONB},
		{"character", OID_BPCHAR},
	};

	if (col->typeoid)
		return col->typeoid;
	if (col->type == NULL)
		return 0;
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
	{
		size_t		n = strlen(names[i].name);

		/* typmods follow in parentheses: "character(3)", "timestamp(3) ..." */
		if (strncmp(col->type, names[i].name, n) == 0 &&
			(col->type[n] == '\0' || col->type[n] == '('))
			return names[i].oid;
	}
	return 0;
}

/*
 * Built byte by byte: this runs for every timestamp column of every row,
 * and a printf-family call cost more than the rest of the conversion.
 * The result is truncated to cap like snprintf's.
 */
bool
rowdoc_timestamp(const char *s, size_t len, bool with_tz, char *out, size_t cap)
{
	char		buf[32];		/* "YYYY-MM-DDTHH:MM:SS.ffffffZ": 27 bytes */
	const char *text = buf;
	size_t		n,
				i;

	/* "YYYY-MM-DD HH:MM:SS[.f{1,6}][+00]"; infinity passes through */
	if (len >= 8 && (memcmp(s, "infinity", 8) == 0 || (len >= 9 && memcmp(s, "-infinity", 9) == 0)))
	{
		text = s;
		n = len;
	}
	else
	{
		if (len < 19 || s[10] != ' ' || s[13] != ':' || s[16] != ':')
			return false;
		memcpy(buf, s, 10);
		buf[10] = 'T';
		memcpy(buf + 11, s + 11, 8);
		n = 19;
		i = 19;
		if (i < len && s[i] == '.')
		{
			/* up to six digits, padded with zeros to six */
			i++;
			buf[n++] = '.';
			for (int k = 0; k < 6; k++)
				buf[n++] = i < len && s[i] >= '0' && s[i] <= '9' ? s[i++] : '0';
		}
		if (with_tz)
		{
			/* the session is in UTC: the offset is +00 */
			if (!(len - i == 3 && memcmp(s + i, "+00", 3) == 0))
				return false;
			buf[n++] = 'Z';
		}
		else if (i != len)
			return false;
	}
	if (cap == 0)
		return true;
	if (n > cap - 1)
		n = cap - 1;
	memcpy(out, text, n);
	out[n] = '\0';
	return true;
}

bool
rowdoc_column_value(const W2jColumn *col, ArkaArena *arena, ArkaValue *out, char *err,
					size_t errlen)
{
	uint32_t	type = type_of(col);
	const char *t = col->text;
	size_t		len = col->text_len;

	if (!col->has_value || col->value.type == ARKA_NULL)
	{
		*out = arka_null();
		return true;
	}
	switch (type)
	{
		case OID_FLOAT4:
		case OID_FLOAT8:
			{
				char		buf[64];
				double		d;

				if (t == NULL || len >= sizeof(buf))
					break;
				memcpy(buf, t, len);
				buf[len] = '\0';
				d = strtod(buf, NULL);
				if (isnan(d) || isinf(d))
				{
					snprintf(err, errlen, "column \"%s\" is not a finite number", col->name);
					return false;
				}
				if (type == OID_FLOAT4)
				{
					/* as the trigger: the shortest text that reads back as this float */
					float		f4 = (float) d;
					ArkaDec		dec;

					for (int prec = 1; prec <= 9; prec++)
					{
						snprintf(buf, sizeof(buf), "%.*g", prec, (double) f4);
						if (strtof(buf, NULL) == f4)
							break;
					}
					if (arka_dec_parse_json(buf, strlen(buf), &dec) != ARKA_DEC_OK)
						dec = arka_dec_from_double((double) f4);
					*out = arka_num(dec);
					return true;
				}
				*out = arka_num(arka_dec_from_double(d));
				return true;
			}
		case OID_MONEY:
			if (col->value.type == ARKA_STR)
			{
				char		buf[64];
				size_t		b = 0;
				ArkaDec		d;

				for (size_t i = 0; i < len && b < sizeof(buf) - 1; i++)
					if ((t[i] >= '0' && t[i] <= '9') || t[i] == '.' || t[i] == '-')
						buf[b++] = t[i];
				if (arka_dec_parse_json(buf, b, &d) != ARKA_DEC_OK)
				{
					snprintf(err, errlen, "column \"%s\" could not be read as a decimal", col->name);
					return false;
				}
				*out = arka_num(d);
				return true;
			}
			break;
		case OID_BPCHAR:
			if (col->value.type == ARKA_STR)
			{
				while (len > 0 && t[len - 1] == ' ')
					len--;
				*out = arka_str(t, len);
				return true;
			}
			break;
		case OID_TIMESTAMP:
		case OID_TIMESTAMPTZ:
			if (col->value.type == ARKA_STR)
			{
				char		buf[64];
				char	   *copy;

				if (!rowdoc_timestamp(t, len, type == OID_TIMESTAMPTZ, buf, sizeof(buf)))
				{
					snprintf(err, errlen, "column \"%s\" holds a timestamp arka-cdc cannot read: %.*s",
							 col->name, (int) (len > 40 ? 40 : len), t);
					return false;
				}
				copy = arka_arena_strdup(arena, buf, strlen(buf));
				if (copy == NULL)
					return false;
				*out = arka_str(copy, strlen(copy));
				return true;
			}
			break;
		case OID_JSONB:
			if (t != NULL)
			{
				ArkaJsonError jerr;

				if (!arka_json_parse(t, len, arena, out, &jerr))
				{
					snprintf(err, errlen, "column \"%s\": invalid JSON: %s", col->name, jerr.message);
					return false;
				}
				return true;
			}
			break;
		case OID_BYTEA:
			if (t != NULL)
			{
				char	   *copy = arka_arena_alloc(arena, len + 3);

				if (copy == NULL)
					return false;
				copy[0] = '\\';
				copy[1] = 'x';
				memcpy(copy + 2, t, len);
				*out = arka_str(copy, len + 2);
				return true;
			}
			break;
		default:
			break;
	}
	/* numbers (exact), booleans, strings, json text: as the parser read them */
	if (type == OID_JSON && t != NULL)
		*out = arka_str(t, len);
	else
		*out = col->value;
	return true;
}

/* A column's value by name in the base (columns-only) document. */
static const ArkaValue *
base_column(const ArkaValue *base, const char *name, size_t len)
{
	for (size_t i = 0; i < base->u.obj.n; i++)
		if (base->u.obj.members[i].keylen == len && memcmp(base->u.obj.members[i].key, name, len) == 0)
			return &base->u.obj.members[i].val;
	return NULL;
}

/* The value a mapping entry's source gives in this row (null when absent). */
static bool
source_value(const ArkaValue *base, const ArkaValue *src, ArkaArena *arena, ArkaValue *out)
{
	const ArkaValue *colname = NULL;
	const ArkaValue *subpath = NULL;
	const ArkaValue *col;

	*out = arka_null();
	if (src->type == ARKA_STR)
		colname = src;
	else if (src->type == ARKA_OBJ)
	{
		for (size_t k = 0; k < src->u.obj.n; k++)
		{
			const ArkaMember *f = &src->u.obj.members[k];

			if (f->keylen == 6 && memcmp(f->key, "column", 6) == 0 && f->val.type == ARKA_STR)
				colname = &f->val;
			else if (f->keylen == 4 && memcmp(f->key, "path", 4) == 0 && f->val.type == ARKA_STR)
				subpath = &f->val;
			else if (f->keylen == 5 && memcmp(f->key, "value", 5) == 0)
			{
				*out = f->val;
				return true;
			}
		}
	}
	if (colname == NULL)
		return true;
	col = base_column(base, colname->u.str.ptr, colname->u.str.len);
	if (col == NULL)
		return true;
	if (subpath == NULL)
	{
		*out = *col;
		return true;
	}
	{
		ArkaPath	p;
		char	   *copy = arka_arena_strdup(arena, subpath->u.str.ptr, subpath->u.str.len);

		if (copy == NULL || !arka_path_split(arena, copy, subpath->u.str.len, &p))
			return false;
		if (arka_value_lookup(col, &p, out) != 1)
			*out = arka_null();
	}
	return true;
}

bool
rowdoc_build(const W2jColumn *const *columns, size_t ncolumns, const ArkaValue *mapping,
			 ArkaArena *arena, ArkaValue *doc, char *err, size_t errlen)
{
	ArkaValue	base;

	base.type = ARKA_OBJ;
	base.u.obj.n = ncolumns;
	base.u.obj.members = arka_arena_alloc(arena, sizeof(ArkaMember) * (ncolumns ? ncolumns : 1));
	if (base.u.obj.members == NULL)
		goto oom;
	for (size_t i = 0; i < ncolumns; i++)
	{
		ArkaMember *m = &base.u.obj.members[i];

		m->key = columns[i]->name;
		m->keylen = columns[i]->name_len ? columns[i]->name_len : strlen(columns[i]->name);
		if (!rowdoc_column_value(columns[i], arena, &m->val, err, errlen))
			return false;
	}
	*doc = base;
	if (mapping == NULL || mapping->type != ARKA_OBJ || mapping->u.obj.n == 0)
		return true;

	/* a separate member array: the mapping writes into the document only */
	doc->u.obj.members = arka_arena_alloc(arena, sizeof(ArkaMember) * (ncolumns ? ncolumns : 1));
	if (doc->u.obj.members == NULL)
		goto oom;
	memcpy(doc->u.obj.members, base.u.obj.members, sizeof(ArkaMember) * ncolumns);
	for (int len = 1; len <= 64; len++)
	{
		for (size_t i = 0; i < mapping->u.obj.n; i++)
		{
			const ArkaMember *e = &mapping->u.obj.members[i];
			ArkaPath	path;
			ArkaValue	v;
			char	   *copy;

			if (e->keylen == 0)
				continue;
			copy = arka_arena_strdup(arena, e->key, e->keylen);
			if (copy == NULL || !arka_path_split(arena, copy, e->keylen, &path))
				goto oom;
			if (path.nseg != len)
				continue;
			if (!source_value(&base, &e->val, arena, &v))
				goto oom;
			if (!arka_value_set_path(arena, doc, &path, 0, &v))
				goto oom;
		}
	}
	return true;
oom:
	snprintf(err, errlen, "out of memory building the row's document");
	return false;
}
