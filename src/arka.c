/*-------------------------------------------------------------------------
 *
 * arka.c
 *	  Module entry point: settings and cache registration.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/xact.h"
#include "fmgr.h"
#include "miscadmin.h"
#include "storage/proc.h"
#include "utils/builtins.h"
#include "utils/date.h"
#include "utils/guc.h"
#include "utils/timestamp.h"

#include "arka.h"
#include "arka_cache.h"
#include "arka_record.h"
#include "arka_tupledoc.h"

PG_MODULE_MAGIC;

char	   *arka_as_of = NULL;

/* Days from 1970-01-01 to PostgreSQL's date epoch 2000-01-01. */
#define ARKA_UNIX_TO_PG_DAYS 10957

static bool
check_as_of(char **newval, void **extra, GucSource source)
{
	if (*newval == NULL || (*newval)[0] == '\0')
		return true;
	/* reject anything date_in would refuse, with GUC's own message */
	{
		int			year,
					month,
					day;
		char		tail;

		static const int mdays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
		bool		leap;

		if (sscanf(*newval, "%4d-%2d-%2d%c", &year, &month, &day, &tail) != 3 ||
			month < 1 || month > 12 || year < 1900 || year > 9999)
		{
			GUC_check_errdetail("arka.as_of must be empty or a date written YYYY-MM-DD.");
			return false;
		}
		leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
		if (day < 1 || day > mdays[month - 1] || (month == 2 && day == 29 && !leap))
		{
			GUC_check_errdetail("arka.as_of must be empty or a date written YYYY-MM-DD.");
			return false;
		}
	}
	return true;
}

void		_PG_init(void);

void
_PG_init(void)
{
	DefineCustomStringVariable("arka.as_of",
							   "Date at which rules' effective_from is judged.",
							   "Empty means the current date.  Set it to back-test or to "
							   "preview rules that are not yet in force.",
							   &arka_as_of,
							   "",
							   PGC_USERSET,
							   0,
							   check_as_of, NULL, NULL);
	DefineCustomBoolVariable("arka.fail_open",
							 "Let rows through when a rule cannot be evaluated.",
							 "Off (the default) rejects such rows with SQLSTATE ZA002; on "
							 "writes them and records the error in arka.decisions.",
							 &arka_fail_open,
							 false,
							 PGC_SUSET,
							 0,
							 NULL, NULL, NULL);
	DefineCustomBoolVariable("arka.record_all_decisions",
							 "Record every decision of the enforcement trigger, allow included.",
							 NULL,
							 &arka_record_all,
							 false,
							 PGC_SUSET,
							 0,
							 NULL, NULL, NULL);
	DefineCustomIntVariable("arka.dry_run_limit",
							"Rows arka_protect() checks at most when it reports on existing rows.",
							NULL,
							&arka_dry_run_limit,
							1000000,
							0, INT_MAX,
							PGC_USERSET,
							0,
							NULL, NULL, NULL);
	MarkGUCPrefixReserved("arka");
	arka_cache_init();
	arka_record_init();
	arka_tupledoc_init();
}

/*
 * The evaluation date, computed once per transaction (rules in force do
 * not change in the middle of a statement): the UTC date of the
 * transaction's start, so a writer's TimeZone cannot move the day a rule
 * takes effect, and arka-cdc (which judges by the UTC commit date) agrees.
 * honor_as_of: arka_evaluate back-tests with arka.as_of; the enforcement
 * trigger never does, or a writer could date a row before a rule took
 * effect.
 */
int32
arka_evaluation_day(bool honor_as_of)
{
	static LocalTransactionId lxid = InvalidLocalTransactionId;
	static int32 today;

	if (honor_as_of && arka_as_of && arka_as_of[0] != '\0')
		return DatumGetDateADT(DirectFunctionCall1(date_in, CStringGetDatum(arka_as_of))) +
			ARKA_UNIX_TO_PG_DAYS;
	if (lxid != MyProc->lxid)
	{
		TimestampTz start = GetCurrentTransactionStartTimestamp();
		int64		day = start / USECS_PER_DAY;

		/* the UTC date: floor, also before 2000 */
		if (start < 0 && start % USECS_PER_DAY != 0)
			day--;
		today = (int32) day + ARKA_UNIX_TO_PG_DAYS;
		lxid = MyProc->lxid;
	}
	return today;
}

bool
arka_interrupt_pending(void)
{
	return InterruptPending;
}
