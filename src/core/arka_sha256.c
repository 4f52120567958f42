/*-------------------------------------------------------------------------
 *
 * arka_sha256.c
 *	  SHA-256 through OpenSSL EVP with one reused context.
 *
 *-------------------------------------------------------------------------
 */
#include <openssl/evp.h>

#include "arka_sha256.h"

static EVP_MD *sha256_md = NULL;
static EVP_MD_CTX *sha256_ctx = NULL;

/* Fetch the algorithm and allocate the context once per process. */
static bool
sha256_setup(void)
{
	if (sha256_ctx != NULL)
		return true;
	if (sha256_md == NULL && (sha256_md = EVP_MD_fetch(NULL, "SHA256", NULL)) == NULL)
		return false;
	sha256_ctx = EVP_MD_CTX_new();
	return sha256_ctx != NULL;
}

bool
arka_sha256_begin(void)
{
	return sha256_setup() && EVP_DigestInit_ex(sha256_ctx, sha256_md, NULL) == 1;
}

bool
arka_sha256_update(const void *data, size_t len)
{
	return EVP_DigestUpdate(sha256_ctx, data, len) == 1;
}

bool
arka_sha256_end(uint8_t out[32])
{
	unsigned int outlen = 0;

	return EVP_DigestFinal_ex(sha256_ctx, out, &outlen) == 1 && outlen == 32;
}

bool
arka_sha256(const void *data, size_t len, uint8_t out[32])
{
	return arka_sha256_begin() && arka_sha256_update(data, len) && arka_sha256_end(out);
}
