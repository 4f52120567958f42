/*-------------------------------------------------------------------------
 *
 * arka_record.h
 *	  Writing decision rows into arka.decisions from the trigger.
 *
 *-------------------------------------------------------------------------
 */
#ifndef ARKA_RECORD_H
#define ARKA_RECORD_H

#include "postgres.h"
#include "utils/jsonb.h"

/* One row of arka.decisions; NULL pointers are stored as SQL NULL. */
typedef struct ArkaDecisionRow
{
	const char *table_name;
	Jsonb	   *row_key;
	const char *operation;		/* INSERT, UPDATE */
	const char *mode;			/* block, log */
	const char *outcome;
	Jsonb	   *violations;
	Jsonb	   *rule_versions;
	const char *ruleset_version;
	const char *proof_id;
	const char *note;
} ArkaDecisionRow;

/* Insert the row in the current (sub)transaction, with its index entries. */
extern void arka_record_decision(const ArkaDecisionRow *row);

/* Register the writer's transaction, utility and invalidation callbacks. */
extern void arka_record_init(void);

#endif							/* ARKA_RECORD_H */
