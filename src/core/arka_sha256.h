/*-------------------------------------------------------------------------
 *
 * arka_sha256.h
 *	  SHA-256 for proof ids, through OpenSSL's libcrypto.
 *
 * libcrypto uses the CPU's SHA extensions where present: 204 ns for a
 * 200-byte leaf here, against 766 ns for libsodium 1.0.18 (Debian 12),
 * which has no such path.  Every evaluation hashes its document and its
 * leaf, so this is on the hot path (README: "Dependencies").
 *
 *-------------------------------------------------------------------------
 */
#ifndef ARKA_SHA256_H
#define ARKA_SHA256_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * One process-wide hashing context, reused (allocating one per hash costs
 * more than hashing a leaf).  begin/update/end must not nest.  Each
 * returns false if libcrypto fails, which callers report as an error.
 */
extern bool arka_sha256_begin(void);
extern bool arka_sha256_update(const void *data, size_t len);
extern bool arka_sha256_end(uint8_t out[32]);

/* One-shot convenience. */
extern bool arka_sha256(const void *data, size_t len, uint8_t out[32]);

#endif							/* ARKA_SHA256_H */
