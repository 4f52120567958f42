/*-------------------------------------------------------------------------
 *
 * arka_proof.h
 *	  Canonical encoding of a decision and its proof id.
 *
 * proof_id = SHA-256(0x00 || leaf), the RFC 6962 leaf hash, so a decision
 * can later become a leaf of a Merkle-tree decision log unchanged.  The
 * leaf is a versioned, line-based text naming the document digest, the
 * evaluated rules and the outcome; docs/proof.md specifies it byte by byte.
 *
 *-------------------------------------------------------------------------
 */
#ifndef ARKA_PROOF_H
#define ARKA_PROOF_H

#include "arka_canon.h"
#include "arka_ruleset.h"

/* SHA-256 of a canonical encoding.  False if hashing failed. */
extern bool arka_doc_digest(const char *canon, size_t len, uint8_t out[32]);

/*
 * Hash one list item into the running SHA-256 of its list's items:
 * "<bytes>:<item>\n", items in byte order (docs/proof.md).  The backend
 * and arka-cdc both use it, so their ruleset versions agree.
 */
extern bool arka_list_digest_item(const char *item, size_t len);

/* SHA-256 of the selected rules' "rule_id version" lines. */
extern bool arka_selection_digest(const ArkaRuleset *rs, ArkaSelection *sel);

/*
 * Build the leaf into `leaf` (a reusable scratch buffer that afterwards
 * holds the leaf text, for auditors) and put the proof id, 64 lower-case
 * hex characters, in hex.  False if hashing or allocation failed.
 */
extern bool arka_proof_id(const uint8_t doc_digest[32], const ArkaRuleset *rs,
						  const ArkaSelection *sel, const ArkaDecision *d,
						  char hex[65], ArkaBuf *leaf);

extern void arka_hex(const uint8_t *bytes, size_t n, char *out);

#endif							/* ARKA_PROOF_H */
