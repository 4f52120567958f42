/*-------------------------------------------------------------------------
 *
 * cdc_test.h
 *	  Helpers shared by the arka-cdc unit tests.
 *
 * The checks and the closing "<name>: N passed, N failed" line come from
 * the core tests' arka_test.h.
 *
 *-------------------------------------------------------------------------
 */
#ifndef CDC_TEST_H
#define CDC_TEST_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/arka_test.h"

#ifndef CDC_TEST_DATA
#define CDC_TEST_DATA "../test/cdc/data"
#endif

/* Check that two byte arrays are equal, printing both in hex otherwise. */
#define CHECK_BYTES(got, want, n) \
	do { \
		const unsigned char *g_ = (const unsigned char *) (got); \
		const unsigned char *w_ = (const unsigned char *) (want); \
		if (memcmp(g_, w_, (n)) == 0) \
			arka_test_passed++; \
		else \
		{ \
			arka_test_failed++; \
			fprintf(stderr, "%s:%d: bytes differ (%s)\n  got: ", __FILE__, __LINE__, #got); \
			for (size_t i_ = 0; i_ < (size_t) (n); i_++) \
				fprintf(stderr, "%02x", g_[i_]); \
			fprintf(stderr, "\n want: "); \
			for (size_t i_ = 0; i_ < (size_t) (n); i_++) \
				fprintf(stderr, "%02x", w_[i_]); \
			fprintf(stderr, "\n"); \
		} \
	} while (0)

/* Read a whole file (NUL-terminated, malloc'd); NULL if unreadable. */
static inline char *
cdc_test_read_file(const char *path, size_t *len)
{
	FILE	   *f = fopen(path, "rb");
	char	   *buf;
	long		n;

	if (f == NULL)
		return NULL;
	if (fseek(f, 0, SEEK_END) != 0 || (n = ftell(f)) < 0 || fseek(f, 0, SEEK_SET) != 0)
	{
		fclose(f);
		return NULL;
	}
	buf = malloc((size_t) n + 1);
	if (buf == NULL || fread(buf, 1, (size_t) n, f) != (size_t) n)
	{
		free(buf);
		fclose(f);
		return NULL;
	}
	buf[n] = '\0';
	fclose(f);
	if (len)
		*len = (size_t) n;
	return buf;
}

#endif							/* CDC_TEST_H */
