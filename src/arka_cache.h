/*-------------------------------------------------------------------------
 *
 * arka_cache.h
 *	  The per-backend compiled ruleset and its transactional invalidation.
 *
 *-------------------------------------------------------------------------
 */
#ifndef ARKA_CACHE_H
#define ARKA_CACHE_H

#include "postgres.h"
#include "utils/array.h"
#include "utils/jsonb.h"

#include "arka_ruleset.h"

/*
 * The compiled active ruleset, rebuilt from arka.rules and the named lists
 * only after a committed change (or a change of this transaction).  Never
 * returns NULL: a rule that no longer compiles raises an error, so arka
 * fails closed instead of silently skipping it.
 */
extern ArkaRuleset *arka_get_ruleset(void);

/* A protected table (arka.protections), loaded with the ruleset. */
typedef struct ArkaProtection
{
	Oid			relid;
	char		mode;			/* 'b'lock, 'l'og, 'a'sync */
	ArrayType  *jurisdictions;	/* NULL = no filter */
	ArrayType  *domains;
	Jsonb	   *mapping;		/* NULL = the row is the document */
} ArkaProtection;

/* The protection of a table, or NULL; valid until the next arka_get_ruleset. */
extern ArkaProtection *arka_get_protection(Oid relid);

/* Owner of the extension, whose rights read and write the catalog. */
extern Oid	arka_catalog_owner;

/* arka.decisions and its sequence, resolved with the ruleset */
extern Oid	arka_decisions_relid;
extern Oid	arka_decisions_seqid;

/* Run as the catalog owner with a pg_catalog-only search_path, and back. */
typedef struct ArkaOwnerContext
{
	Oid			save_userid;
	int			save_sec;
	int			save_nestlevel;
} ArkaOwnerContext;

extern void arka_become_owner(ArkaOwnerContext *c);
extern void arka_restore_user(ArkaOwnerContext *c);

/* Number of times this backend has built its ruleset (tests, bench). */
extern int64 arka_ruleset_builds;

extern void arka_cache_init(void);

/* Load the names of the named lists (for validating rule definitions). */
extern ArkaListCatalog *arka_load_list_names(ArkaArena *arena);

#endif							/* ARKA_CACHE_H */
