/*-------------------------------------------------------------------------
 *
 * arka_proof.c
 *	  Canonical encodings and the proof id (see docs/proof.md).
 *
 * The proof must not depend on how a document was stored (jsonb text,
 * heap tuple, wal2json): numbers are encoded by value (1.50 == 1.5), keys
 * in one fixed order, strings length-prefixed so no escaping is needed.
 *
 *-------------------------------------------------------------------------
 */
#include <stdlib.h>
#include <string.h>

#include "arka_proof.h"
#include "arka_sha256.h"

static char *
put_str(char *p, const char *s)
{
	size_t		n = strlen(s);

	memcpy(p, s, n);
	return p + n;
}

bool
arka_doc_digest(const char *canon, size_t len, uint8_t out[32])
{
	return arka_sha256(canon, len, out);
}

void
arka_hex(const uint8_t *bytes, size_t n, char *out)
{
	static const char digits[] = "0123456789abcdef";

	for (size_t i = 0; i < n; i++)
	{
		out[2 * i] = digits[bytes[i] >> 4];
		out[2 * i + 1] = digits[bytes[i] & 15];
	}
	out[2 * n] = '\0';
}

/* The length prefix keeps an item holding a newline apart from two items. */
bool
arka_list_digest_item(const char *item, size_t len)
{
	char		prefix[24];
	char	   *e = arka_put_uint(prefix, (uint64_t) len);

	*e++ = ':';
	return arka_sha256_update(prefix, e - prefix) && arka_sha256_update(item, len) &&
		arka_sha256_update("\n", 1);
}

/* Digest of the rule list a call evaluates: "rule_id version\n" lines. */
bool
arka_selection_digest(const ArkaRuleset *rs, ArkaSelection *sel)
{
	if (!arka_sha256_begin())
		return false;
	for (int i = 0; i < rs->nrules; i++)
	{
		char		tmp[32];
		int			n;

		if (!sel->mask[i])
			continue;
		tmp[0] = ' ';
		n = arka_put_uint(tmp + 1, (uint64_t) rs->rules[i].version) - tmp;
		tmp[n++] = '\n';
		if (!arka_sha256_update(rs->rules[i].rule_id, strlen(rs->rules[i].rule_id)) ||
			!arka_sha256_update(tmp, n))
			return false;
	}
	/* named lists decide as much as rules do: "list <name> <sha256 of items>" */
	for (int i = 0; i < rs->lists.n; i++)
	{
		char		hex[65];

		arka_hex(rs->lists.lists[i].digest, 32, hex);
		if (!arka_sha256_update("list ", 5) ||
			!arka_sha256_update(rs->lists.lists[i].name, strlen(rs->lists.lists[i].name)) ||
			!arka_sha256_update(" ", 1) || !arka_sha256_update(hex, 64) ||
			!arka_sha256_update("\n", 1))
			return false;
	}
	if (!arka_sha256_end(sel->digest))
		return false;
	arka_hex(sel->digest, 32, sel->digest_hex);
	return true;
}

/*
 * Build the leaf (docs/proof.md) into `leaf` (reset first) and hash it
 * once: SHA-256(0x00 || leaf).  The 0x00 is hashed but not kept in leaf.
 */
bool
arka_proof_id(const uint8_t doc_digest[32], const ArkaRuleset *rs,
			  const ArkaSelection *sel, const ArkaDecision *d, char hex[65],
			  ArkaBuf *leaf)
{
	char		dh[65];
	uint8_t		out[32];
	char	   *p;

	arka_hex(doc_digest, 32, dh);
	leaf->len = 0;
	p = arka_buf_reserve(leaf, 256);
	if (p == NULL)
		return false;
	{
		char	   *e = p;

		e = put_str(e, "arka-decision-v1\ndocument sha256 ");
		e = put_str(e, dh);
		e = put_str(e, "\nrules ");
		e = arka_put_uint(e, (uint64_t) sel->nselected);
		e = put_str(e, " sha256 ");
		e = put_str(e, sel->digest_hex);
		e = put_str(e, "\noutcome ");
		e = put_str(e, arka_action_name(d->outcome));
		*e++ = '\n';
		arka_buf_commit(leaf, e - p);
	}
	for (int i = 0; i < d->nfired; i++)
	{
		const ArkaRule *r = &rs->rules[d->fired[i]];
		char		ver[32];
		int			n;

		ver[0] = ' ';
		n = arka_put_uint(ver + 1, (uint64_t) r->version) - ver;
		ver[n++] = '\n';
		arka_buf_append(leaf, "fired ", 6);
		arka_buf_puts(leaf, r->rule_id);
		arka_buf_append(leaf, ver, n);
	}
	if (leaf->oom || !arka_sha256_begin() || !arka_sha256_update("", 1) ||
		!arka_sha256_update(leaf->data, leaf->len) || !arka_sha256_end(out))
		return false;
	arka_hex(out, 32, hex);
	return true;
}
