/*-------------------------------------------------------------------------
 *
 * test_proof.c
 *	  Canonical document encoding and proof ids of the engine core.
 *
 * The extension encodes jsonb in place (src/arka_jsonb.c) and arka-cdc
 * encodes in-memory values (arka_canon_value); both must give the same
 * document digest, or trigger and daemon proofs would disagree.  The
 * golden digest below is the one sql/evaluate.sql prints through
 * arka_explain_proof for the same document, written differently there
 * (other key order, other numeric scales).
 *
 *-------------------------------------------------------------------------
 */
#include <stdlib.h>
#include <string.h>

#include "arka_test.h"
#include "arka_json.h"
#include "arka_proof.h"
#include "arka_sha256.h"

#define GOLDEN_DOC \
	"{\"e\": 1E+100, \"tiny\": 0.000000000000000000000000000001, \"id\": \"tx-9\"," \
	" \"payer\": {\"country\": \"DE\", \"name\": \"Zo\\u00eb \\u00d8ster \\ud83d\\ude00\"}," \
	" \"tags\": [\"a\", 1.5, null, true, false, {\"k\": 0}], \"amount\": 2500," \
	" \"big\": 12345678901234567890123456789012345678}"
#define GOLDEN_DIGEST "a468b3a771eb34a3c7c87c3fece55e04a51b53d85d8e31ba911ba6ff2fff2e48"

static void
digest_of(const char *json, char hex[65])
{
	ArkaArena	arena;
	ArkaValue	v;
	ArkaJsonError err;
	ArkaBuf		b;
	uint8_t		d[32];

	arka_arena_init(&arena, 0);
	arka_buf_init(&b);
	hex[0] = '\0';
	if (arka_json_parse(json, strlen(json), &arena, &v, &err) && arka_canon_value(&b, &v) &&
		arka_doc_digest(b.data, b.len, d))
		arka_hex(d, 32, hex);
	arka_buf_free(&b);
	arka_arena_free(&arena);
}

static void
canon_of(const char *json, char *out, size_t outlen)
{
	ArkaArena	arena;
	ArkaValue	v;
	ArkaJsonError err;
	ArkaBuf		b;

	arka_arena_init(&arena, 0);
	arka_buf_init(&b);
	out[0] = '\0';
	if (arka_json_parse(json, strlen(json), &arena, &v, &err) && arka_canon_value(&b, &v))
		snprintf(out, outlen, "%.*s", (int) b.len, b.data);
	arka_buf_free(&b);
	arka_arena_free(&arena);
}

int
main(void)
{
	char		hex[65],
				hex2[65],
				canon[512];
	uint8_t		d[32];

	/* the tokens, exactly as docs/proof.md specifies them */
	canon_of("{\"b\": [1.50, -0, 1e3, \"x\"], \"aa\": null, \"c\": {\"t\": true, \"f\": false}}",
			 canon, sizeof(canon));
	CHECK_STR(canon, "o3{s1:ba4[d15e-1;d0e0;d1e3;s1:x]s1:co2{s1:ffs1:tt}s2:aan}");
	canon_of("\"Zo\\u00eb\"", canon, sizeof(canon));
	CHECK_STR(canon, "s4:Zo\xc3\xab");
	canon_of("[]", canon, sizeof(canon));
	CHECK_STR(canon, "a0[]");

	/* agreement with the extension's jsonb encoder (see sql/evaluate.sql) */
	digest_of(GOLDEN_DOC, hex);
	CHECK_STR(hex, GOLDEN_DIGEST);

	/* what must not change the digest: key order, numeric scale */
	digest_of("{\"a\": 1, \"b\": 2.50}", hex);
	digest_of("{\"b\": 2.5, \"a\": 1.000}", hex2);
	CHECK_STR(hex, hex2);
	/* what must: a value, a type, a key */
	digest_of("{\"a\": 1, \"b\": 2.51}", hex2);
	CHECK(strcmp(hex, hex2) != 0);
	digest_of("{\"a\": 1, \"b\": \"2.50\"}", hex2);
	CHECK(strcmp(hex, hex2) != 0);
	digest_of("{\"a\": 1, \"bb\": 2.50}", hex2);
	CHECK(strcmp(hex, hex2) != 0);
	/* length prefixes keep strings from running into each other */
	digest_of("[\"ab\", \"c\"]", hex);
	digest_of("[\"a\", \"bc\"]", hex2);
	CHECK(strcmp(hex, hex2) != 0);

	/* SHA-256 itself: the empty string and "abc" (FIPS 180-2 vectors) */
	CHECK(arka_sha256("", 0, d));
	arka_hex(d, 32, hex);
	CHECK_STR(hex, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
	CHECK(arka_sha256("abc", 3, d));
	arka_hex(d, 32, hex);
	CHECK_STR(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");

	return arka_test_summary("test_proof");
}
