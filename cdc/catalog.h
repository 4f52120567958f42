/*-------------------------------------------------------------------------
 *
 * catalog.h
 *	  arka's rules, lists and protections as arka-cdc sees them.
 *
 * arka-cdc keeps a copy of the rows of arka.rules, arka.lists,
 * arka.list_items and arka.protections, and of the versions of the loaded
 * watchlists (arka.watchlists' hashes and arka.match_clearances), which
 * the ruleset version covers.  It loads them when it
 * (re)connects -- from the snapshot stored with its progress, else with
 * SQL -- then applies the changes to those tables that it reads in the
 * WAL stream, in commit order, so a row is judged by the rules committed
 * before it (docs/cdc.md, "Rule changes").  The compiled
 * ArkaRuleset is rebuilt lazily, the first time a row needs it after a
 * change, exactly as src/arka_cache.c builds it: lists in byte order with
 * their digests, then one "watchlist:<name>" digest per watchlist, then
 * the active rules (latest version of each rule id, when enabled) in
 * rule_id byte order.
 *
 *-------------------------------------------------------------------------
 */
#ifndef CDC_CATALOG_H
#define CDC_CATALOG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "arka_ruleset.h"
#include "pgsql.h"
#include "wal2json.h"

typedef struct CatRule
{
	char	   *rule_id;
	int32_t		version;
	char	   *jurisdiction;
	char	   *domain;
	char	   *action;
	char	   *severity;
	char	   *description;	/* NULL allowed */
	char	   *logic;			/* JSON text, exact numbers */
	bool		enabled;
	int32_t		effective_from; /* days since 1970-01-01 or ARKA_ALWAYS_EFFECTIVE */
} CatRule;

typedef struct CatListItem
{
	char	   *list_name;
	char	   *item;
} CatListItem;

/* A loaded watchlist: the hashes of its source and of its entries. */
typedef struct CatWatchlist
{
	char	   *name;
	char	   *source_sha256;
	char	   *entries_sha256;
} CatWatchlist;

/* A cleared match of arka.match_clearances (its primary key). */
typedef struct CatClearance
{
	char	   *list_name;
	char	   *entry_id;
	char	   *name_normalized;
} CatClearance;

/* A protection, keyed by the table's schema and name. */
typedef struct CatProtection
{
	char	   *schema;
	char	   *table;
	char		mode;			/* 'b'lock, 'l'og, 'a'sync */
	char	   *jurisdictions_text; /* as arka.protections holds them, or NULL */
	char	   *domains_text;
	bool		has_jurisdictions;
	ArkaStrList jurisdictions;
	bool		has_domains;
	ArkaStrList domains;
	char	   *mapping;		/* JSON text or NULL */
	ArkaArena	arena;			/* filters and parsed mapping */
	ArkaValue	mapping_value;	/* ARKA_NULL when none */
} CatProtection;

typedef struct Catalog
{
	CatRule    *rules;
	size_t		nrules,
				cap_rules;
	char	  **lists;
	size_t		nlists,
				cap_lists;
	CatListItem *items;
	size_t		nitems,
				cap_items;
	CatProtection *prots;
	size_t		nprots,
				cap_prots;
	CatWatchlist *watchlists;
	size_t		nwatchlists,
				cap_watchlists;
	CatClearance *clearances;
	size_t		nclearances,
				cap_clearances;

	uint64_t	version;		/* bumped by every change to the rows */

	ArkaRuleset *rs;			/* compiled; NULL until needed */
	bool		dirty;			/* rows changed since rs was built */
	uint64_t	generation;		/* bumped at every rebuild */
	char		build_error[1024];	/* why the last build failed ("" if none) */
} Catalog;

extern void catalog_init(Catalog *c);
extern void catalog_free(Catalog *c);

/* Replace the contents with the rows read through an SQL connection. */
extern bool catalog_load(Catalog *c, PGSQL *sql);

/*
 * The copy as JSON text (appended to out), and back.  arka-cdc stores it
 * in arka.cdc_progress with the progress it belongs to, so that after a
 * restart the stream resumes with the rules, lists and protections as of
 * the resume position, not as they are now (docs/cdc.md).  Loading
 * replaces the contents; false with err filled if the text is not a
 * snapshot.
 */
extern bool catalog_serialize(const Catalog *c, ArkaBuf *out);
extern bool catalog_load_snapshot(Catalog *c, const char *text, size_t len, char *err,
								  size_t errlen);

/*
 * Is (schema, table) one of the catalog tables arka-cdc follows?
 * Then apply an I/U/D/T message to the copy (marks it dirty).
 */
extern bool catalog_is_catalog_table(const char *schema, const char *table);
extern bool catalog_apply(Catalog *c, const W2jMessage *m);

/*
 * The compiled ruleset (rebuilt if dirty).  NULL when it cannot be built
 * (c->build_error says why; logged once per failure).
 */
extern ArkaRuleset *catalog_ruleset(Catalog *c);

extern const CatProtection *catalog_protection(const Catalog *c, const char *schema,
											   const char *table);

/*
 * Helpers exposed for tests: a PostgreSQL array literal ('{a,"b c"}') to
 * strings, a regclass text ("t", "s.t", "\"S\".\"T\"") to schema and
 * name, an ISO date to days since 1970-01-01.
 */
extern bool catalog_parse_text_array(const char *s, ArkaArena *arena, ArkaStrList *out);
extern bool catalog_parse_regclass(const char *s, char **schema, char **table);
extern bool catalog_parse_date(const char *s, int32_t *days);

#endif							/* CDC_CATALOG_H */
