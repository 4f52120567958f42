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

#include "arka_json.h"
#include "arka_ruleset.h"

/*
 * Canonical document encoding (doc-c14n-v1).  Each implementation of the
 * document interface walks its document and emits these tokens; objects
 * must emit members ordered by key length, then key bytes (jsonb's own
 * order), so jsonb, heap tuples and jansson documents hash alike.
 */
extern void arka_canon_null(ArkaBuf *b);
extern void arka_canon_bool(ArkaBuf *b, bool v);
extern void arka_canon_num(ArkaBuf *b, const ArkaDec *d);
extern void arka_canon_str(ArkaBuf *b, const char *p, size_t len);
extern void arka_canon_array_begin(ArkaBuf *b, size_t n);
extern void arka_canon_array_end(ArkaBuf *b);
extern void arka_canon_object_begin(ArkaBuf *b, size_t n);
extern void arka_canon_object_end(ArkaBuf *b);

/* Order of object keys in the canonical encoding (negative: a first). */
extern int	arka_canon_key_cmp(const char *a, size_t alen, const char *b, size_t blen);

/* Canonical encoding of an in-memory value (sorts object members). */
extern bool arka_canon_value(ArkaBuf *b, const ArkaValue *v);

/* BLAKE2b-256 of a canonical encoding. */
extern void arka_doc_digest(const char *canon, size_t len, uint8_t out[32]);

/* SHA-256 of the selected rules' "rule_id version" lines. */
extern void arka_selection_digest(const ArkaRuleset *rs, ArkaSelection *sel);

/*
 * Build the leaf and return the proof id as 64 lower-case hex characters
 * plus NUL in hex.  `leaf` (may be NULL) receives the leaf text, for
 * auditors and tests.
 */
extern void arka_proof_id(const uint8_t doc_digest[32], const ArkaRuleset *rs,
						  const ArkaSelection *sel, const ArkaDecision *d,
						  char hex[65], ArkaBuf *leaf);

extern void arka_hex(const uint8_t *bytes, size_t n, char *out);

#endif							/* ARKA_PROOF_H */
