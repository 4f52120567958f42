/*-------------------------------------------------------------------------
 *
 * lsn.h
 *	  WAL positions (LSNs) as arka-cdc handles them.
 *
 * An LSN is a byte position in the WAL, an unsigned 64-bit integer that
 * PostgreSQL prints as two hexadecimal halves, "16/B374D848".  The wire
 * protocol carries it as a big-endian int64; wal2json prints the text
 * form.  0 is InvalidXLogRecPtr: "no position".
 *
 *-------------------------------------------------------------------------
 */
#ifndef CDC_LSN_H
#define CDC_LSN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

typedef uint64_t CdcLsn;

#define CDC_INVALID_LSN ((CdcLsn) 0)

/* Buffer size always enough for cdc_lsn_format: "FFFFFFFF/FFFFFFFF". */
#define CDC_LSN_STRLEN 18

/*
 * Parse the text form "X/X" (1 to 8 hex digits on each side, nothing else)
 * from [s, s+len).  Strict, so that a garbled position from a hostile or
 * truncated message is an error rather than a wrong position.
 */
static inline bool
cdc_lsn_parse(const char *s, size_t len, CdcLsn *out)
{
	uint64_t	hi = 0,
				lo = 0;
	size_t		i = 0,
				digits;

	for (digits = 0; i < len && s[i] != '/'; i++, digits++)
	{
		char		c = s[i];
		int			v;

		if (c >= '0' && c <= '9')
			v = c - '0';
		else if (c >= 'A' && c <= 'F')
			v = c - 'A' + 10;
		else if (c >= 'a' && c <= 'f')
			v = c - 'a' + 10;
		else
			return false;
		hi = (hi << 4) | (uint64_t) v;
	}
	if (digits == 0 || digits > 8 || i >= len)
		return false;
	i++;						/* the '/' */
	for (digits = 0; i < len; i++, digits++)
	{
		char		c = s[i];
		int			v;

		if (c >= '0' && c <= '9')
			v = c - '0';
		else if (c >= 'A' && c <= 'F')
			v = c - 'A' + 10;
		else if (c >= 'a' && c <= 'f')
			v = c - 'a' + 10;
		else
			return false;
		lo = (lo << 4) | (uint64_t) v;
	}
	if (digits == 0 || digits > 8)
		return false;
	*out = (hi << 32) | lo;
	return true;
}

/* Format as PostgreSQL does ("%X/%X"); returns buf. */
static inline char *
cdc_lsn_format(CdcLsn lsn, char buf[CDC_LSN_STRLEN])
{
	snprintf(buf, CDC_LSN_STRLEN, "%X/%X",
			 (unsigned int) (lsn >> 32), (unsigned int) (lsn & 0xFFFFFFFFu));
	return buf;
}

#endif							/* CDC_LSN_H */
