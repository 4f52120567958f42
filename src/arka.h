/*-------------------------------------------------------------------------
 *
 * arka.h
 *	  Settings and error codes shared by the extension's modules.
 *
 *-------------------------------------------------------------------------
 */
#ifndef ARKA_H
#define ARKA_H

#include "postgres.h"

/* SQLSTATE class ZA: arka */
#define ERRCODE_ARKA_REJECTED	MAKE_SQLSTATE('Z','A','0','0','1')
#define ERRCODE_ARKA_EVALUATION MAKE_SQLSTATE('Z','A','0','0','2')

/* GUC arka.as_of: the date rules' effective_from is judged at ("" = today) */
extern char *arka_as_of;

/* GUCs of the enforcement trigger (arka_protect.c) */
extern bool arka_fail_open;		/* superuser-only: let rows through on errors */
extern bool arka_record_all;		/* record allow decisions too */
extern int	arka_dry_run_limit;	/* rows arka_protect checks at most */

/* Days since 1970-01-01 of the evaluation date (arka.as_of or today). */
extern int32 arka_evaluation_day(bool honor_as_of);

/* Cancel hook for the engine core: a pending interrupt stops evaluation. */
extern bool arka_interrupt_pending(void);

#endif							/* ARKA_H */
