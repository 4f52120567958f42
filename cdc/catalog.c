/*-------------------------------------------------------------------------
 *
 * catalog.c
 *	  The copy of arka's rules, lists, protections and watchlist versions,
 *	  and its ruleset.
 *
 * Rows come from two places that must agree: SQL at (re)connection
 * (every column read as text, so both paths parse the same text), and
 * the wal2json stream afterwards.  See catalog.h.
 *
 *-------------------------------------------------------------------------
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "arka_json.h"
#include "arka_proof.h"
#include "arka_sha256.h"
#include "catalog.h"
#include "log.h"

static char *
xstrdup(const char *s)
{
	return s ? strdup(s) : NULL;
}

static bool
grow(void **arr, size_t *cap, size_t n, size_t elem)
{
	if (n < *cap)
		return true;
	{
		size_t		ncap = *cap ? *cap * 2 : 16;
		void	   *p = realloc(*arr, ncap * elem);

		if (p == NULL)
			return false;
		*arr = p;
		*cap = ncap;
	}
	return true;
}

void
catalog_init(Catalog *c)
{
	memset(c, 0, sizeof(*c));
	c->dirty = true;
}

static void
free_rule(CatRule *r)
{
	free(r->rule_id);
	free(r->jurisdiction);
	free(r->domain);
	free(r->action);
	free(r->severity);
	free(r->description);
	free(r->logic);
}

static void
free_prot(CatProtection *p)
{
	free(p->schema);
	free(p->table);
	free(p->mapping);
	free(p->jurisdictions_text);
	free(p->domains_text);
	arka_arena_free(&p->arena);
}

/* Empty one kind of row (a TRUNCATE, or a reload). */
static void
clear_rules(Catalog *c)
{
	for (size_t i = 0; i < c->nrules; i++)
		free_rule(&c->rules[i]);
	c->nrules = 0;
}

static void
clear_lists(Catalog *c)
{
	for (size_t i = 0; i < c->nlists; i++)
		free(c->lists[i]);
	c->nlists = 0;
}

static void
clear_items(Catalog *c)
{
	for (size_t i = 0; i < c->nitems; i++)
	{
		free(c->items[i].list_name);
		free(c->items[i].item);
	}
	c->nitems = 0;
}

static void
clear_prots(Catalog *c)
{
	for (size_t i = 0; i < c->nprots; i++)
		free_prot(&c->prots[i]);
	c->nprots = 0;
}

static void
free_watchlist(CatWatchlist *w)
{
	free(w->name);
	free(w->source_sha256);
	free(w->entries_sha256);
}

static void
free_clearance(CatClearance *k)
{
	free(k->list_name);
	free(k->entry_id);
	free(k->name_normalized);
}

static void
clear_watchlists(Catalog *c)
{
	for (size_t i = 0; i < c->nwatchlists; i++)
		free_watchlist(&c->watchlists[i]);
	c->nwatchlists = 0;
}

static void
clear_clearances(Catalog *c)
{
	for (size_t i = 0; i < c->nclearances; i++)
		free_clearance(&c->clearances[i]);
	c->nclearances = 0;
}

static void
catalog_clear(Catalog *c)
{
	clear_rules(c);
	clear_lists(c);
	clear_items(c);
	clear_prots(c);
	clear_watchlists(c);
	clear_clearances(c);
	c->dirty = true;
	c->version++;
}

void
catalog_free(Catalog *c)
{
	catalog_clear(c);
	free(c->rules);
	free(c->lists);
	free(c->items);
	free(c->prots);
	free(c->watchlists);
	free(c->clearances);
	arka_ruleset_free(c->rs);
	memset(c, 0, sizeof(*c));
}

/* ---- parsing helpers ---- */

bool
catalog_parse_date(const char *s, int32_t *days)
{
	int			y,
				m,
				d;
	int64_t		yy,
				era,
				yoe,
				doy,
				doe;

	if (s == NULL || sscanf(s, "%4d-%2d-%2d", &y, &m, &d) != 3 || strlen(s) != 10)
		return false;
	/* days from civil (Howard Hinnant's algorithm), proleptic Gregorian */
	yy = y - (m <= 2);
	era = (yy >= 0 ? yy : yy - 399) / 400;
	yoe = yy - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	*days = (int32_t) (era * 146097 + doe - 719468);
	return true;
}

bool
catalog_parse_text_array(const char *s, ArkaArena *arena, ArkaStrList *out)
{
	size_t		len = strlen(s),
				cap = 1;
	char	   *buf = arka_arena_alloc(arena, len + 1);
	size_t		i = 1;

	out->n = 0;
	for (size_t k = 0; k < len; k++)
		if (s[k] == ',')
			cap++;
	out->items = arka_arena_alloc(arena, sizeof(char *) * cap);
	out->lens = arka_arena_alloc(arena, sizeof(size_t) * cap);
	if (buf == NULL || out->items == NULL || out->lens == NULL)
		return false;
	if (len < 2 || s[0] != '{' || s[len - 1] != '}')
		return false;
	if (len == 2)
		return true;
	while (i < len - 1)
	{
		size_t		b = 0;
		bool		quoted = false;
		char	   *item = buf;

		if (s[i] == '"')
		{
			quoted = true;
			i++;
			while (i < len - 1 && s[i] != '"')
			{
				if (s[i] == '\\' && i + 1 < len - 1)
					i++;
				item[b++] = s[i++];
			}
			i++;				/* closing quote */
		}
		else
			while (i < len - 1 && s[i] != ',')
				item[b++] = s[i++];
		item[b] = '\0';
		buf += b + 1;
		/* an unquoted NULL is a null element: the extension skips those */
		if (quoted || strcmp(item, "NULL") != 0)
		{
			out->items[out->n] = item;
			out->lens[out->n] = b;
			out->n++;
		}
		if (i < len - 1 && s[i] == ',')
			i++;
	}
	return true;
}

/* One identifier of a regclass text: quoted ("A""b") or as is. */
static const char *
parse_ident(const char *s, char **out)
{
	size_t		len = strlen(s);
	char	   *buf = malloc(len + 1);
	size_t		b = 0;

	if (buf == NULL)
		return NULL;
	if (*s == '"')
	{
		s++;
		while (*s)
		{
			if (*s == '"')
			{
				if (s[1] == '"')
				{
					buf[b++] = '"';
					s += 2;
					continue;
				}
				s++;
				break;
			}
			buf[b++] = *s++;
		}
	}
	else
		while (*s && *s != '.')
			buf[b++] = *s++;
	buf[b] = '\0';
	*out = buf;
	return s;
}

bool
catalog_parse_regclass(const char *s, char **schema, char **table)
{
	char	   *a = NULL,
			   *b = NULL;
	const char *p = parse_ident(s, &a);

	if (p == NULL)
		return false;
	if (*p == '.')
	{
		p = parse_ident(p + 1, &b);
		if (p == NULL || *p != '\0')
		{
			free(a);
			free(b);
			return false;
		}
		*schema = a;
		*table = b;
		return true;
	}
	if (*p != '\0')
	{
		free(a);
		return false;
	}
	/*
	 * An unqualified name is visible on the search_path: with the default
	 * ("$user", public) that is public.  docs/cdc.md says so.
	 */
	*schema = strdup("public");
	*table = a;
	return *schema != NULL;
}

/* ---- rows ---- */

/* The text of column `name` in a wal2json column array (NULL for SQL NULL). */
static const W2jColumn *
find_col(const W2jColumn *cols, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(cols[i].name, name) == 0)
			return &cols[i];
	return NULL;
}

/* A column's value as text (numbers and booleans too); NULL for null/absent. */
static char *
col_text(const W2jColumn *col, ArkaArena *scratch)
{
	if (col == NULL || !col->has_value || col->value.type == ARKA_NULL)
		return NULL;
	if (col->value.type == ARKA_BOOL)
		return arka_arena_strdup(scratch, col->value.u.b ? "t" : "f", 1);
	if (col->text)
		return arka_arena_strdup(scratch, col->text, col->text_len);
	return NULL;
}

/* Fields of a rule row, by column name (text values). */
typedef const char *(*FieldFn) (void *ctx, const char *name);

/* Every NOT NULL column of arka.rules is there. */
static bool
has_rule_fields(const CatRule *r)
{
	return r->rule_id && r->jurisdiction && r->domain && r->action && r->severity && r->logic;
}

static bool
set_rule(CatRule *r, FieldFn f, void *ctx)
{
	const char *v;

	memset(r, 0, sizeof(*r));
	r->rule_id = xstrdup(f(ctx, "rule_id"));
	v = f(ctx, "version");
	r->version = v ? atoi(v) : 0;
	r->jurisdiction = xstrdup(f(ctx, "jurisdiction"));
	r->domain = xstrdup(f(ctx, "domain"));
	r->action = xstrdup(f(ctx, "action"));
	r->severity = xstrdup(f(ctx, "severity"));
	r->description = xstrdup(f(ctx, "description"));
	r->logic = xstrdup(f(ctx, "logic"));
	v = f(ctx, "enabled");
	r->enabled = v && (v[0] == 't' || v[0] == 'T');
	v = f(ctx, "effective_from");
	if (v == NULL || !catalog_parse_date(v, &r->effective_from))
		r->effective_from = ARKA_ALWAYS_EFFECTIVE;
	return has_rule_fields(r);
}

static bool
upsert_rule(Catalog *c, FieldFn f, void *ctx)
{
	CatRule		r;

	if (!set_rule(&r, f, ctx))
	{
		free_rule(&r);
		return false;
	}
	for (size_t i = 0; i < c->nrules; i++)
		if (strcmp(c->rules[i].rule_id, r.rule_id) == 0 && c->rules[i].version == r.version)
		{
			free_rule(&c->rules[i]);
			c->rules[i] = r;
			return true;
		}
	if (!grow((void **) &c->rules, &c->cap_rules, c->nrules, sizeof(CatRule)))
		return false;
	c->rules[c->nrules++] = r;
	return true;
}

static void
delete_rule(Catalog *c, const char *rule_id, int32_t version)
{
	for (size_t i = 0; i < c->nrules; i++)
		if (strcmp(c->rules[i].rule_id, rule_id) == 0 && c->rules[i].version == version)
		{
			free_rule(&c->rules[i]);
			c->rules[i] = c->rules[--c->nrules];
			return;
		}
}

static bool
add_list(Catalog *c, const char *name)
{
	for (size_t i = 0; i < c->nlists; i++)
		if (strcmp(c->lists[i], name) == 0)
			return true;
	if (!grow((void **) &c->lists, &c->cap_lists, c->nlists, sizeof(char *)))
		return false;
	c->lists[c->nlists] = strdup(name);
	return c->lists[c->nlists++] != NULL;
}

static void
delete_item(Catalog *c, const char *list, const char *item)
{
	for (size_t i = 0; i < c->nitems; i++)
		if (strcmp(c->items[i].list_name, list) == 0 &&
			(item == NULL || strcmp(c->items[i].item, item) == 0))
		{
			free(c->items[i].list_name);
			free(c->items[i].item);
			c->items[i] = c->items[--c->nitems];
			if (item != NULL)
				return;
			i--;
		}
}

static void
delete_list(Catalog *c, const char *name)
{
	/*
	 * ON DELETE CASCADE: the items go too (their deletes follow anyway);
	 * first, while name may still be the list's own string.
	 */
	delete_item(c, name, NULL);
	for (size_t i = 0; i < c->nlists; i++)
		if (strcmp(c->lists[i], name) == 0)
		{
			free(c->lists[i]);
			c->lists[i] = c->lists[--c->nlists];
			break;
		}
}

static bool
add_item(Catalog *c, const char *list, const char *item)
{
	for (size_t i = 0; i < c->nitems; i++)
		if (strcmp(c->items[i].list_name, list) == 0 && strcmp(c->items[i].item, item) == 0)
			return true;
	if (!grow((void **) &c->items, &c->cap_items, c->nitems, sizeof(CatListItem)))
		return false;
	c->items[c->nitems].list_name = strdup(list);
	c->items[c->nitems].item = strdup(item);
	c->nitems++;
	return true;
}

static void
delete_prot(Catalog *c, const char *schema, const char *table)
{
	for (size_t i = 0; i < c->nprots; i++)
		if (strcmp(c->prots[i].schema, schema) == 0 && strcmp(c->prots[i].table, table) == 0)
		{
			free_prot(&c->prots[i]);
			c->prots[i] = c->prots[--c->nprots];
			return;
		}
}

static bool
upsert_prot(Catalog *c, const char *schema, const char *table, const char *mode,
			const char *jur, const char *dom, const char *mapping)
{
	CatProtection p;

	delete_prot(c, schema, table);
	memset(&p, 0, sizeof(p));
	arka_arena_init(&p.arena, 0);
	p.schema = strdup(schema);
	p.table = strdup(table);
	p.mode = mode ? mode[0] : 'b';
	p.mapping = xstrdup(mapping);
	p.jurisdictions_text = xstrdup(jur);
	p.domains_text = xstrdup(dom);
	p.mapping_value = arka_null();
	if (jur && !(p.has_jurisdictions = catalog_parse_text_array(jur, &p.arena, &p.jurisdictions)))
		log_warn("catalog.protection", "table %s.%s: cannot read jurisdictions %s", schema, table, jur);
	if (dom && !(p.has_domains = catalog_parse_text_array(dom, &p.arena, &p.domains)))
		log_warn("catalog.protection", "table %s.%s: cannot read domains %s", schema, table, dom);
	if (mapping)
	{
		ArkaJsonError jerr;

		if (!arka_json_parse(p.mapping, strlen(p.mapping), &p.arena, &p.mapping_value, &jerr))
		{
			log_warn("catalog.protection", "table %s.%s: cannot read mapping: %s", schema, table,
					 jerr.message);
			p.mapping_value = arka_null();
		}
	}
	if (!grow((void **) &c->prots, &c->cap_prots, c->nprots, sizeof(CatProtection)))
		return false;
	c->prots[c->nprots++] = p;
	return true;
}

static void
delete_watchlist(Catalog *c, const char *name)
{
	for (size_t i = 0; i < c->nwatchlists; i++)
		if (strcmp(c->watchlists[i].name, name) == 0)
		{
			free_watchlist(&c->watchlists[i]);
			c->watchlists[i] = c->watchlists[--c->nwatchlists];
			return;
		}
}

/* A watchlist's version (both hashes are NOT NULL in arka.watchlists). */
static bool
upsert_watchlist(Catalog *c, const char *name, const char *source_sha256,
				 const char *entries_sha256)
{
	CatWatchlist *w;

	if (name == NULL || source_sha256 == NULL || entries_sha256 == NULL)
		return false;
	delete_watchlist(c, name);
	if (!grow((void **) &c->watchlists, &c->cap_watchlists, c->nwatchlists, sizeof(CatWatchlist)))
		return false;
	w = &c->watchlists[c->nwatchlists];
	w->name = strdup(name);
	w->source_sha256 = strdup(source_sha256);
	w->entries_sha256 = strdup(entries_sha256);
	if (!w->name || !w->source_sha256 || !w->entries_sha256)
	{
		free_watchlist(w);
		return false;
	}
	c->nwatchlists++;
	return true;
}

static bool
same_clearance(const CatClearance *k, const char *list, const char *entry, const char *norm)
{
	return strcmp(k->list_name, list) == 0 && strcmp(k->entry_id, entry) == 0 &&
		strcmp(k->name_normalized, norm) == 0;
}

static void
delete_clearance(Catalog *c, const char *list, const char *entry, const char *norm)
{
	for (size_t i = 0; i < c->nclearances; i++)
		if (same_clearance(&c->clearances[i], list, entry, norm))
		{
			free_clearance(&c->clearances[i]);
			c->clearances[i] = c->clearances[--c->nclearances];
			return;
		}
}

static bool
add_clearance(Catalog *c, const char *list, const char *entry, const char *norm)
{
	CatClearance *k;

	if (list == NULL || entry == NULL || norm == NULL)
		return false;
	for (size_t i = 0; i < c->nclearances; i++)
		if (same_clearance(&c->clearances[i], list, entry, norm))
			return true;
	if (!grow((void **) &c->clearances, &c->cap_clearances, c->nclearances, sizeof(CatClearance)))
		return false;
	k = &c->clearances[c->nclearances];
	k->list_name = strdup(list);
	k->entry_id = strdup(entry);
	k->name_normalized = strdup(norm);
	if (!k->list_name || !k->entry_id || !k->name_normalized)
	{
		free_clearance(k);
		return false;
	}
	c->nclearances++;
	return true;
}

/* ---- SQL load ---- */

typedef struct ResRow
{
	PGresult   *res;
	int			row;
} ResRow;

static const char *
res_field(void *ctx, const char *name)
{
	ResRow	   *r = ctx;
	int			col = PQfnumber(r->res, name);

	if (col < 0 || PQgetisnull(r->res, r->row, col))
		return NULL;
	return PQgetvalue(r->res, r->row, col);
}

static PGresult *
query(PGSQL *sql, const char *q)
{
	PGresult   *res = PQexec(sql->conn, q);

	if (PQresultStatus(res) != PGRES_TUPLES_OK)
	{
		pgsql_fail_result(sql, res, "could not read arka's catalog", "catalog.load");
		PQclear(res);
		return NULL;
	}
	return res;
}

bool
catalog_load(Catalog *c, PGSQL *sql)
{
	PGresult   *res;

	catalog_clear(c);
	res = query(sql, "SELECT rule_id, version::text, jurisdiction, domain, action, severity, "
				"description, logic::text AS logic, enabled::text AS enabled, "
				"effective_from::text AS effective_from FROM arka.rules");
	if (res == NULL)
		return false;
	for (int i = 0; i < PQntuples(res); i++)
	{
		ResRow		r = {res, i};

		if (!upsert_rule(c, res_field, &r))
			log_warn("catalog.load", "skipped an unreadable row of arka.rules");
	}
	PQclear(res);

	res = query(sql, "SELECT list_name FROM arka.lists");
	if (res == NULL)
		return false;
	for (int i = 0; i < PQntuples(res); i++)
		add_list(c, PQgetvalue(res, i, 0));
	PQclear(res);

	res = query(sql, "SELECT list_name, item FROM arka.list_items");
	if (res == NULL)
		return false;
	for (int i = 0; i < PQntuples(res); i++)
		add_item(c, PQgetvalue(res, i, 0), PQgetvalue(res, i, 1));
	PQclear(res);

	res = query(sql, "SELECT n.nspname, k.relname, p.mode, p.jurisdictions::text, "
				"p.domains::text, p.mapping::text FROM arka.protections p "
				"JOIN pg_catalog.pg_class k ON k.oid = p.relid "
				"JOIN pg_catalog.pg_namespace n ON n.oid = k.relnamespace");
	if (res == NULL)
		return false;
	for (int i = 0; i < PQntuples(res); i++)
	{
		const char *v[6];

		for (int k = 0; k < 6; k++)
			v[k] = PQgetisnull(res, i, k) ? NULL : PQgetvalue(res, i, k);
		upsert_prot(c, v[0], v[1], v[2], v[3], v[4], v[5]);
	}
	PQclear(res);

	res = query(sql, "SELECT list_name, source_sha256, entries_sha256 FROM arka.watchlists");
	if (res == NULL)
		return false;
	for (int i = 0; i < PQntuples(res); i++)
		upsert_watchlist(c, PQgetvalue(res, i, 0), PQgetvalue(res, i, 1), PQgetvalue(res, i, 2));
	PQclear(res);

	res = query(sql, "SELECT list_name, entry_id, name_normalized FROM arka.match_clearances");
	if (res == NULL)
		return false;
	for (int i = 0; i < PQntuples(res); i++)
		add_clearance(c, PQgetvalue(res, i, 0), PQgetvalue(res, i, 1), PQgetvalue(res, i, 2));
	PQclear(res);
	c->dirty = true;
	log_info("catalog.load", "loaded %zu rule versions, %zu lists (%zu items), %zu protections, "
			 "%zu watchlists (%zu cleared matches)",
			 c->nrules, c->nlists, c->nitems, c->nprots, c->nwatchlists, c->nclearances);
	return true;
}

/* ---- snapshot (stored with arka-cdc's progress) ---- */

/* A JSON string, or null for NULL. */
static void
put_str(ArkaBuf *b, const char *key, const char *s, bool comma)
{
	if (comma)
		arka_buf_putc(b, ',');
	arka_json_write_string(b, key, strlen(key));
	arka_buf_putc(b, ':');
	if (s == NULL)
		arka_buf_puts(b, "null");
	else
		arka_json_write_string(b, s, strlen(s));
}

/* A JSON array of strings. */
static void
put_tuple(ArkaBuf *b, const char *const *v, int n, bool comma)
{
	arka_buf_puts(b, comma ? ",[" : "[");
	for (int k = 0; k < n; k++)
	{
		if (k)
			arka_buf_putc(b, ',');
		arka_json_write_string(b, v[k], strlen(v[k]));
	}
	arka_buf_putc(b, ']');
}

/*
 * {"rules":[{...}],"lists":[...],"items":[[list,item],...],
 *  "protections":[{...}],"watchlists":[[name,source,entries],...],
 *  "clearances":[[list,entry,name],...]}: every field of the copy, texts
 * as they came from the catalog, so loading gives back the same copy.
 */
bool
catalog_serialize(const Catalog *c, ArkaBuf *b)
{
	char		num[32];

	arka_buf_puts(b, "{\"rules\":[");
	for (size_t i = 0; i < c->nrules; i++)
	{
		const CatRule *r = &c->rules[i];

		arka_buf_puts(b, i ? ",{" : "{");
		put_str(b, "rule_id", r->rule_id, false);
		snprintf(num, sizeof(num), ",\"version\":%d", (int) r->version);
		arka_buf_puts(b, num);
		put_str(b, "jurisdiction", r->jurisdiction, true);
		put_str(b, "domain", r->domain, true);
		put_str(b, "action", r->action, true);
		put_str(b, "severity", r->severity, true);
		put_str(b, "description", r->description, true);
		put_str(b, "logic", r->logic, true);
		arka_buf_puts(b, r->enabled ? ",\"enabled\":true" : ",\"enabled\":false");
		if (r->effective_from == ARKA_ALWAYS_EFFECTIVE)
			arka_buf_puts(b, ",\"effective_from\":null}");
		else
		{
			snprintf(num, sizeof(num), ",\"effective_from\":%d}", (int) r->effective_from);
			arka_buf_puts(b, num);
		}
	}
	arka_buf_puts(b, "],\"lists\":[");
	for (size_t i = 0; i < c->nlists; i++)
	{
		if (i)
			arka_buf_putc(b, ',');
		arka_json_write_string(b, c->lists[i], strlen(c->lists[i]));
	}
	arka_buf_puts(b, "],\"items\":[");
	for (size_t i = 0; i < c->nitems; i++)
		put_tuple(b, (const char *const[]) {c->items[i].list_name, c->items[i].item}, 2, i > 0);
	arka_buf_puts(b, "],\"watchlists\":[");
	for (size_t i = 0; i < c->nwatchlists; i++)
		put_tuple(b, (const char *const[]) {c->watchlists[i].name, c->watchlists[i].source_sha256,
											 c->watchlists[i].entries_sha256}, 3, i > 0);
	arka_buf_puts(b, "],\"clearances\":[");
	for (size_t i = 0; i < c->nclearances; i++)
		put_tuple(b, (const char *const[]) {c->clearances[i].list_name, c->clearances[i].entry_id,
											 c->clearances[i].name_normalized}, 3, i > 0);
	arka_buf_puts(b, "],\"protections\":[");
	for (size_t i = 0; i < c->nprots; i++)
	{
		const CatProtection *p = &c->prots[i];
		char		mode[2] = {p->mode, '\0'};

		arka_buf_puts(b, i ? ",{" : "{");
		put_str(b, "schema", p->schema, false);
		put_str(b, "table", p->table, true);
		put_str(b, "mode", mode, true);
		put_str(b, "jurisdictions", p->jurisdictions_text, true);
		put_str(b, "domains", p->domains_text, true);
		put_str(b, "mapping", p->mapping, true);
		arka_buf_putc(b, '}');
	}
	arka_buf_puts(b, "]}");
	return !b->oom;
}

/* The member key of an object: a string (NULL for null or absent). */
static const char *
snap_str(const ArkaValue *obj, const char *key, bool *ok)
{
	for (size_t i = 0; i < obj->u.obj.n; i++)
	{
		const ArkaMember *m = &obj->u.obj.members[i];

		if (strcmp(m->key, key) != 0)
			continue;
		if (m->val.type == ARKA_STR)
			return m->val.u.str.ptr;
		if (m->val.type != ARKA_NULL)
			*ok = false;
		return NULL;
	}
	return NULL;
}

/* The member key of an object: an int32 (null for none: *has false). */
static int32_t
snap_int(const ArkaValue *obj, const char *key, bool *has, bool *ok)
{
	*has = false;
	for (size_t i = 0; i < obj->u.obj.n; i++)
	{
		const ArkaMember *m = &obj->u.obj.members[i];
		int64_t		v;

		if (strcmp(m->key, key) != 0)
			continue;
		if (m->val.type == ARKA_NULL)
			return 0;
		if (m->val.type != ARKA_NUM || !arka_dec_to_int64(&m->val.u.num, &v) ||
			v < INT32_MIN || v > INT32_MAX)
		{
			*ok = false;
			return 0;
		}
		*has = true;
		return (int32_t) v;
	}
	*ok = false;
	return 0;
}

/* A member that must be an array. */
static const ArkaValue *
snap_array(const ArkaValue *obj, const char *key)
{
	for (size_t i = 0; i < obj->u.obj.n; i++)
		if (strcmp(obj->u.obj.members[i].key, key) == 0 &&
			obj->u.obj.members[i].val.type == ARKA_ARR)
			return &obj->u.obj.members[i].val;
	return NULL;
}

/* An array of n strings (an item, watchlist or clearance of a snapshot). */
static bool
snap_tuple(const ArkaValue *v, size_t n, const char **out)
{
	if (v->type != ARKA_ARR || v->u.arr.n != n)
		return false;
	for (size_t k = 0; k < n; k++)
	{
		if (v->u.arr.items[k].type != ARKA_STR)
			return false;
		out[k] = v->u.arr.items[k].u.str.ptr;
	}
	return true;
}

/* One rule of a snapshot into the copy. */
static bool
snap_rule(Catalog *c, const ArkaValue *o)
{
	CatRule		r;
	bool		ok = o->type == ARKA_OBJ,
				has;

	if (!ok)
		return false;
	memset(&r, 0, sizeof(r));
	r.rule_id = xstrdup(snap_str(o, "rule_id", &ok));
	r.version = snap_int(o, "version", &has, &ok);
	r.jurisdiction = xstrdup(snap_str(o, "jurisdiction", &ok));
	r.domain = xstrdup(snap_str(o, "domain", &ok));
	r.action = xstrdup(snap_str(o, "action", &ok));
	r.severity = xstrdup(snap_str(o, "severity", &ok));
	r.description = xstrdup(snap_str(o, "description", &ok));
	r.logic = xstrdup(snap_str(o, "logic", &ok));
	for (size_t i = 0; i < o->u.obj.n; i++)
		if (strcmp(o->u.obj.members[i].key, "enabled") == 0)
			r.enabled = o->u.obj.members[i].val.type == ARKA_BOOL && o->u.obj.members[i].val.u.b;
	r.effective_from = snap_int(o, "effective_from", &has, &ok);
	if (!has)
		r.effective_from = ARKA_ALWAYS_EFFECTIVE;
	if (!ok || !has_rule_fields(&r) ||
		!grow((void **) &c->rules, &c->cap_rules, c->nrules, sizeof(CatRule)))
	{
		free_rule(&r);
		return false;
	}
	c->rules[c->nrules++] = r;
	return true;
}

bool
catalog_load_snapshot(Catalog *c, const char *text, size_t len, char *err, size_t errlen)
{
	ArkaArena	arena;
	ArkaValue	root;
	ArkaJsonError jerr;
	const ArkaValue *rules,
			   *lists,
			   *items,
			   *prots,
			   *wls,
			   *cls;
	const char *v[3];
	bool		ok = true;

	catalog_clear(c);
	arka_arena_init(&arena, 0);
	if (!arka_json_parse(text, len, &arena, &root, &jerr))
	{
		snprintf(err, errlen, "not JSON: %s at byte %zu", jerr.message, jerr.offset);
		arka_arena_free(&arena);
		return false;
	}
	if (root.type != ARKA_OBJ || (rules = snap_array(&root, "rules")) == NULL ||
		(lists = snap_array(&root, "lists")) == NULL || (items = snap_array(&root, "items")) == NULL ||
		(prots = snap_array(&root, "protections")) == NULL ||
		(wls = snap_array(&root, "watchlists")) == NULL ||
		(cls = snap_array(&root, "clearances")) == NULL)
	{
		snprintf(err, errlen, "not a catalog snapshot (rules, lists, items, protections, "
				 "watchlists, clearances)");
		arka_arena_free(&arena);
		return false;
	}
	for (size_t i = 0; ok && i < rules->u.arr.n; i++)
		ok = snap_rule(c, &rules->u.arr.items[i]);
	for (size_t i = 0; ok && i < lists->u.arr.n; i++)
		ok = lists->u.arr.items[i].type == ARKA_STR && add_list(c, lists->u.arr.items[i].u.str.ptr);
	for (size_t i = 0; ok && i < items->u.arr.n; i++)
		ok = snap_tuple(&items->u.arr.items[i], 2, v) && add_item(c, v[0], v[1]);
	for (size_t i = 0; ok && i < wls->u.arr.n; i++)
		ok = snap_tuple(&wls->u.arr.items[i], 3, v) && upsert_watchlist(c, v[0], v[1], v[2]);
	for (size_t i = 0; ok && i < cls->u.arr.n; i++)
		ok = snap_tuple(&cls->u.arr.items[i], 3, v) && add_clearance(c, v[0], v[1], v[2]);
	for (size_t i = 0; ok && i < prots->u.arr.n; i++)
	{
		const ArkaValue *o = &prots->u.arr.items[i];
		const char *schema,
				   *table;

		ok = o->type == ARKA_OBJ;
		if (!ok)
			break;
		schema = snap_str(o, "schema", &ok);
		table = snap_str(o, "table", &ok);
		ok = ok && schema && table &&
			upsert_prot(c, schema, table, snap_str(o, "mode", &ok), snap_str(o, "jurisdictions", &ok),
						snap_str(o, "domains", &ok), snap_str(o, "mapping", &ok));
	}
	arka_arena_free(&arena);
	if (!ok)
	{
		catalog_clear(c);
		snprintf(err, errlen, "a catalog snapshot entry is malformed");
		return false;
	}
	c->dirty = true;
	c->version++;
	log_info("catalog.load", "loaded the stored snapshot: %zu rule versions, %zu lists (%zu items), "
			 "%zu protections, %zu watchlists (%zu cleared matches)", c->nrules, c->nlists, c->nitems,
			 c->nprots, c->nwatchlists, c->nclearances);
	return true;
}

/* ---- stream changes ---- */

bool
catalog_is_catalog_table(const char *schema, const char *table)
{
	return schema && table && strcmp(schema, "arka") == 0 &&
		(strcmp(table, "rules") == 0 || strcmp(table, "lists") == 0 ||
		 strcmp(table, "list_items") == 0 || strcmp(table, "protections") == 0 ||
		 strcmp(table, "watchlists") == 0 || strcmp(table, "match_clearances") == 0);
}

typedef struct MsgRow
{
	const W2jColumn *cols;
	size_t		n;
	ArkaArena  *scratch;
} MsgRow;

static const char *
msg_field(void *ctx, const char *name)
{
	MsgRow	   *r = ctx;

	return col_text(find_col(r->cols, r->n, name), r->scratch);
}

/* TRUNCATE of a followed table (a cascade sends one per table). */
static void
truncate_table(Catalog *c, const char *t)
{
	c->dirty = true;
	if (strcmp(t, "rules") == 0)
		clear_rules(c);
	else if (strcmp(t, "lists") == 0)
	{
		/* lists cannot be truncated without their items (foreign key) */
		clear_lists(c);
		clear_items(c);
	}
	else if (strcmp(t, "list_items") == 0)
		clear_items(c);
	else if (strcmp(t, "protections") == 0)
		clear_prots(c);
	else if (strcmp(t, "watchlists") == 0)
		clear_watchlists(c);
	else if (strcmp(t, "match_clearances") == 0)
		clear_clearances(c);
}

bool
catalog_apply(Catalog *c, const W2jMessage *m)
{
	ArkaArena	scratch;
	MsgRow		newrow,
				oldrow;
	bool		ok = true;
	const char *t = m->table;

	c->version++;
	if (m->action == W2J_TRUNCATE)
	{
		truncate_table(c, t);
		return true;
	}
	arka_arena_init(&scratch, 0);
	newrow = (MsgRow) {m->columns, m->ncolumns, &scratch};
	/* the old key: identity, else (no key change) the new row */
	oldrow = m->has_identity ? (MsgRow) {m->identity, m->nidentity, &scratch} : newrow;
	c->dirty = true;

	if (strcmp(t, "rules") == 0)
	{
		const char *id = msg_field(&oldrow, "rule_id");
		const char *ver = msg_field(&oldrow, "version");

		if (m->action != W2J_INSERT && id && ver)
			delete_rule(c, id, atoi(ver));
		if (m->action != W2J_DELETE)
			ok = upsert_rule(c, msg_field, &newrow);
	}
	else if (strcmp(t, "lists") == 0)
	{
		const char *old = msg_field(&oldrow, "list_name");
		const char *name = msg_field(&newrow, "list_name");

		if (m->action == W2J_DELETE && old)
			delete_list(c, old);
		else if (m->action == W2J_UPDATE && old && name && strcmp(old, name) != 0)
		{
			/* a rename cascades to the items, whose updates follow */
			delete_list(c, old);
			ok = add_list(c, name);
		}
		else if (name)
			ok = add_list(c, name);
	}
	else if (strcmp(t, "list_items") == 0)
	{
		const char *ol = msg_field(&oldrow, "list_name");
		const char *oi = msg_field(&oldrow, "item");

		if (m->action != W2J_INSERT && ol && oi)
			delete_item(c, ol, oi);
		if (m->action != W2J_DELETE)
		{
			const char *l = msg_field(&newrow, "list_name");
			const char *i = msg_field(&newrow, "item");

			ok = l && i && add_item(c, l, i);
		}
	}
	else if (strcmp(t, "protections") == 0)
	{
		const char *orel = msg_field(&oldrow, "relid");
		char	   *schema,
				   *table;

		if (m->action != W2J_INSERT && orel && catalog_parse_regclass(orel, &schema, &table))
		{
			delete_prot(c, schema, table);
			free(schema);
			free(table);
		}
		if (m->action != W2J_DELETE)
		{
			const char *rel = msg_field(&newrow, "relid");

			if (rel && catalog_parse_regclass(rel, &schema, &table))
			{
				ok = upsert_prot(c, schema, table, msg_field(&newrow, "mode"),
								 msg_field(&newrow, "jurisdictions"), msg_field(&newrow, "domains"),
								 msg_field(&newrow, "mapping"));
				free(schema);
				free(table);
			}
			else
				ok = false;
		}
	}
	else if (strcmp(t, "watchlists") == 0)
	{
		const char *old = msg_field(&oldrow, "list_name");

		if (m->action != W2J_INSERT && old)
			delete_watchlist(c, old);
		if (m->action != W2J_DELETE)
			ok = upsert_watchlist(c, msg_field(&newrow, "list_name"),
								  msg_field(&newrow, "source_sha256"),
								  msg_field(&newrow, "entries_sha256"));
	}
	else if (strcmp(t, "match_clearances") == 0)
	{
		const char *ol = msg_field(&oldrow, "list_name");
		const char *oe = msg_field(&oldrow, "entry_id");
		const char *on = msg_field(&oldrow, "name_normalized");

		if (m->action != W2J_INSERT && ol && oe && on)
			delete_clearance(c, ol, oe, on);
		if (m->action != W2J_DELETE)
			ok = add_clearance(c, msg_field(&newrow, "list_name"), msg_field(&newrow, "entry_id"),
							   msg_field(&newrow, "name_normalized"));
	}
	arka_arena_free(&scratch);
	if (!ok)
		log_warn("catalog.apply", "could not apply a change to arka.%s; arka-cdc reloads its catalog "
				 "on restart", t);
	return ok;
}

/* ---- compiled ruleset ---- */

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *) a, *(char *const *) b);
}

static int
cmp_item(const void *a, const void *b)
{
	const CatListItem *x = a,
			   *y = b;
	int			r = strcmp(x->list_name, y->list_name);

	return r ? r : strcmp(x->item, y->item);
}

static int
cmp_rule(const void *a, const void *b)
{
	const CatRule *const *x = a,
			   *const *y = b;
	int			r = strcmp((*x)->rule_id, (*y)->rule_id);

	return r ? r : (*y)->version - (*x)->version;	/* newest first */
}

static int
cmp_watchlist(const void *a, const void *b)
{
	return strcmp(((const CatWatchlist *) a)->name, ((const CatWatchlist *) b)->name);
}

static int
cmp_clearance(const void *a, const void *b)
{
	const CatClearance *x = a,
			   *y = b;
	int			r = strcmp(x->list_name, y->list_name);

	if (r == 0)
		r = strcmp(x->entry_id, y->entry_id);
	return r ? r : strcmp(x->name_normalized, y->name_normalized);
}

/* "<characters>:<text>", as SQL's length(t) || ':' || t writes it. */
static bool
hash_counted(const char *t)
{
	size_t		chars = 0;
	char		num[24];

	for (const char *p = t; *p; p++)
		chars += ((unsigned char) *p & 0xC0) != 0x80;
	snprintf(num, sizeof(num), "%zu:", chars);
	return arka_sha256_update(num, strlen(num)) && arka_sha256_update(t, strlen(t));
}

/*
 * The "watchlist:<name>" entries, digests as src/arka_cache.c has SQL
 * compute them: SHA-256 of "<source_sha256>\n<entries_sha256>\n" and the
 * list's cleared matches, "<entry_id><name_normalized>" each counted,
 * joined by "\n" in byte order.
 */
static bool
build_watchlists(Catalog *c, ArkaRuleset *rs)
{
	size_t		k = 0;

	if (c->nwatchlists > 1)
		qsort(c->watchlists, c->nwatchlists, sizeof(CatWatchlist), cmp_watchlist);
	if (c->nclearances > 1)
		qsort(c->clearances, c->nclearances, sizeof(CatClearance), cmp_clearance);
	for (size_t w = 0; w < c->nwatchlists; w++)
	{
		const CatWatchlist *wl = &c->watchlists[w];
		char		key[256];
		int			li;
		bool		first = true;

		snprintf(key, sizeof(key), "watchlist:%s", wl->name);
		li = arka_ruleset_add_list(rs, key, strlen(key));
		if (li < 0 || !arka_sha256_begin() ||
			!arka_sha256_update(wl->source_sha256, strlen(wl->source_sha256)) ||
			!arka_sha256_update("\n", 1) ||
			!arka_sha256_update(wl->entries_sha256, strlen(wl->entries_sha256)) ||
			!arka_sha256_update("\n", 1))
			return false;
		while (k < c->nclearances && strcmp(c->clearances[k].list_name, wl->name) < 0)
			k++;				/* clearances of a list not loaded */
		for (; k < c->nclearances && strcmp(c->clearances[k].list_name, wl->name) == 0; k++)
		{
			if ((!first && !arka_sha256_update("\n", 1)) ||
				!hash_counted(c->clearances[k].entry_id) ||
				!hash_counted(c->clearances[k].name_normalized))
				return false;
			first = false;
		}
		if (!arka_sha256_end(rs->lists.lists[li].digest))
			return false;
	}
	return true;
}

static bool
build(Catalog *c, ArkaRuleset *rs)
{
	ArkaArena	scratch;
	CatRule   **order;
	size_t		it = 0;

	if (c->nlists > 1)
		qsort(c->lists, c->nlists, sizeof(char *), cmp_str);
	if (c->nitems > 1)
		qsort(c->items, c->nitems, sizeof(CatListItem), cmp_item);
	for (size_t l = 0; l < c->nlists; l++)
	{
		const char *name = c->lists[l];
		int			li = arka_ruleset_add_list(rs, name, strlen(name));

		if (li < 0 || !arka_sha256_begin())
			return false;
		while (it < c->nitems && strcmp(c->items[it].list_name, name) < 0)
			it++;				/* items of a list we do not have */
		for (; it < c->nitems && strcmp(c->items[it].list_name, name) == 0; it++)
		{
			const char *item = c->items[it].item;

			if (!arka_ruleset_add_list_item(rs, li, item, strlen(item)) ||
				!arka_list_digest_item(item, strlen(item)))
				return false;
		}
		if (!arka_sha256_end(rs->lists.lists[li].digest))
			return false;
	}
	if (!build_watchlists(c, rs))
		return false;

	order = malloc(sizeof(CatRule *) * (c->nrules ? c->nrules : 1));
	if (order == NULL)
		return false;
	for (size_t i = 0; i < c->nrules; i++)
		order[i] = &c->rules[i];
	if (c->nrules > 1)
		qsort(order, c->nrules, sizeof(CatRule *), cmp_rule);
	arka_arena_init(&scratch, 0);
	for (size_t i = 0; i < c->nrules; i++)
	{
		CatRule    *r = order[i];
		ArkaRule	def;
		ArkaValue	logic;
		ArkaJsonError jerr;
		ArkaError	err;

		/* the latest version of each rule id decides (arka.active_rules) */
		if (i > 0 && strcmp(order[i - 1]->rule_id, r->rule_id) == 0)
			continue;
		if (!r->enabled)
			continue;
		memset(&def, 0, sizeof(def));
		def.rule_id = r->rule_id;
		def.version = r->version;
		def.jurisdiction = r->jurisdiction;
		def.domain = r->domain;
		def.severity = r->severity;
		def.description = r->description;
		def.effective_from = r->effective_from;
		if (!arka_action_parse(r->action, &def.action))
		{
			snprintf(c->build_error, sizeof(c->build_error), "rule \"%s\" has invalid action \"%s\"",
					 r->rule_id, r->action);
			goto fail;
		}
		arka_arena_reset(&scratch);
		if (!arka_json_parse(r->logic, strlen(r->logic), &scratch, &logic, &jerr))
		{
			snprintf(c->build_error, sizeof(c->build_error), "rule \"%s\" version %d: %s",
					 r->rule_id, r->version, jerr.message);
			goto fail;
		}
		if (!arka_ruleset_add_rule(rs, &def, &logic, &err))
		{
			snprintf(c->build_error, sizeof(c->build_error),
					 "active rule \"%.128s\" version %d cannot be compiled: %.256s at %.256s",
					 r->rule_id, r->version, err.message, err.path);
			goto fail;
		}
	}
	arka_arena_free(&scratch);
	free(order);
	return true;
fail:
	arka_arena_free(&scratch);
	free(order);
	return false;
}

ArkaRuleset *
catalog_ruleset(Catalog *c)
{
	ArkaRuleset *rs;

	if (!c->dirty && c->rs)
		return c->rs;
	if (!c->dirty && c->build_error[0])
		return NULL;
	c->dirty = false;
	c->build_error[0] = '\0';
	arka_ruleset_free(c->rs);
	c->rs = NULL;
	rs = arka_ruleset_create();
	if (rs == NULL || !build(c, rs))
	{
		if (c->build_error[0] == '\0')
			snprintf(c->build_error, sizeof(c->build_error), "out of memory building the ruleset");
		log_error("catalog.build", "%s; rows of protected tables are flagged as evaluation "
				  "failures until the rules are fixed", c->build_error);
		arka_ruleset_free(rs);
		return NULL;
	}
	c->rs = rs;
	c->generation++;
	return rs;
}

const CatProtection *
catalog_protection(const Catalog *c, const char *schema, const char *table)
{
	for (size_t i = 0; i < c->nprots; i++)
		if (strcmp(c->prots[i].schema, schema) == 0 && strcmp(c->prots[i].table, table) == 0)
			return &c->prots[i];
	return NULL;
}
