/*-------------------------------------------------------------------------
 *
 * arka_test.h
 *	  Minimal assertion helpers shared by the core unit tests.
 *
 * Each test program counts its checks and ends with one line
 * "<program>: N passed, N failed" that the test runner sums up; the exit
 * status is non-zero when any check failed.
 *
 *-------------------------------------------------------------------------
 */
#ifndef ARKA_TEST_H
#define ARKA_TEST_H

#include <stdio.h>
#include <string.h>

static int	arka_test_passed;
static int	arka_test_failed;

#define CHECK(cond) \
	do { \
		if (cond) \
			arka_test_passed++; \
		else \
		{ \
			arka_test_failed++; \
			fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond); \
		} \
	} while (0)

#define CHECK_STR(got, want) \
	do { \
		const char *g_ = (got), *w_ = (want); \
		if (g_ != NULL && strcmp(g_, w_) == 0) \
			arka_test_passed++; \
		else \
		{ \
			arka_test_failed++; \
			fprintf(stderr, "%s:%d: got \"%s\", want \"%s\" (%s)\n", __FILE__, __LINE__, \
					g_ ? g_ : "(null)", w_, #got); \
		} \
	} while (0)

/* Print the summary line and return the process exit status. */
static inline int
arka_test_summary(const char *name)
{
	printf("%s: %d passed, %d failed\n", name, arka_test_passed, arka_test_failed);
	return arka_test_failed == 0 ? 0 : 1;
}

#endif							/* ARKA_TEST_H */
