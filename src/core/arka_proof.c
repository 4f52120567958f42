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
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "arka_proof.h"

static void
put_len(ArkaBuf *b, char tag, size_t n)
{
	char		tmp[32];
	int			len = snprintf(tmp, sizeof(tmp), "%c%zu", tag, n);

	arka_buf_append(b, tmp, len);
}

void
arka_canon_null(ArkaBuf *b)
{
	arka_buf_putc(b, 'n');
}

void
arka_canon_bool(ArkaBuf *b, bool v)
{
	arka_buf_putc(b, v ? 't' : 'f');
}

void
arka_canon_num(ArkaBuf *b, const ArkaDec *d)
{
	char		tmp[ARKA_DEC_STRLEN];
	size_t		n = arka_dec_to_canonical(d, tmp);

	arka_buf_putc(b, 'd');
	arka_buf_append(b, tmp, n);
	arka_buf_putc(b, ';');
}

void
arka_canon_str(ArkaBuf *b, const char *p, size_t len)
{
	put_len(b, 's', len);
	arka_buf_putc(b, ':');
	arka_buf_append(b, p, len);
}

void
arka_canon_array_begin(ArkaBuf *b, size_t n)
{
	put_len(b, 'a', n);
	arka_buf_putc(b, '[');
}

void
arka_canon_array_end(ArkaBuf *b)
{
	arka_buf_putc(b, ']');
}

void
arka_canon_object_begin(ArkaBuf *b, size_t n)
{
	put_len(b, 'o', n);
	arka_buf_putc(b, '{');
}

void
arka_canon_object_end(ArkaBuf *b)
{
	arka_buf_putc(b, '}');
}

int
arka_canon_key_cmp(const char *a, size_t alen, const char *b, size_t blen)
{
	int			c;

	if (alen != blen)
		return alen < blen ? -1 : 1;
	c = memcmp(a, b, alen);
	return c;
}

static int
member_cmp(const void *x, const void *y)
{
	const ArkaMember *a = *(const ArkaMember *const *) x;
	const ArkaMember *b = *(const ArkaMember *const *) y;

	return arka_canon_key_cmp(a->key, a->keylen, b->key, b->keylen);
}

/* Encode an in-memory value; object members sorted into canonical order. */
bool
arka_canon_value(ArkaBuf *b, const ArkaValue *v)
{
	switch (v->type)
	{
		case ARKA_NULL:
			arka_canon_null(b);
			return true;
		case ARKA_BOOL:
			arka_canon_bool(b, v->u.b);
			return true;
		case ARKA_NUM:
			arka_canon_num(b, &v->u.num);
			return true;
		case ARKA_STR:
			arka_canon_str(b, v->u.str.ptr, v->u.str.len);
			return true;
		case ARKA_ARR:
			arka_canon_array_begin(b, v->u.arr.n);
			for (size_t i = 0; i < v->u.arr.n; i++)
				if (!arka_canon_value(b, &v->u.arr.items[i]))
					return false;
			arka_canon_array_end(b);
			return true;
		case ARKA_OBJ:
			{
				const ArkaMember **order;

				arka_canon_object_begin(b, v->u.obj.n);
				if (v->u.obj.n == 0)
				{
					arka_canon_object_end(b);
					return true;
				}
				order = malloc(v->u.obj.n * sizeof(*order));
				if (order == NULL)
					return false;
				for (size_t i = 0; i < v->u.obj.n; i++)
					order[i] = &v->u.obj.members[i];
				qsort(order, v->u.obj.n, sizeof(*order), member_cmp);
				for (size_t i = 0; i < v->u.obj.n; i++)
				{
					arka_canon_str(b, order[i]->key, order[i]->keylen);
					if (!arka_canon_value(b, &order[i]->val))
					{
						free(order);
						return false;
					}
				}
				free(order);
				arka_canon_object_end(b);
				return true;
			}
	}
	return true;
}

void
arka_doc_digest(const char *canon, size_t len, uint8_t out[32])
{
	crypto_generichash(out, 32, (const unsigned char *) canon, len, NULL, 0);
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

/* Digest of the rule list a call evaluates: "rule_id version\n" lines. */
void
arka_selection_digest(const ArkaRuleset *rs, ArkaSelection *sel)
{
	crypto_hash_sha256_state st;

	crypto_hash_sha256_init(&st);
	for (int i = 0; i < rs->nrules; i++)
	{
		char		tmp[32];
		int			n;

		if (!sel->mask[i])
			continue;
		crypto_hash_sha256_update(&st, (const unsigned char *) rs->rules[i].rule_id,
								  strlen(rs->rules[i].rule_id));
		n = snprintf(tmp, sizeof(tmp), " %d\n", rs->rules[i].version);
		crypto_hash_sha256_update(&st, (const unsigned char *) tmp, n);
	}
	crypto_hash_sha256_final(&st, sel->digest);
}

void
arka_proof_id(const uint8_t doc_digest[32], const ArkaRuleset *rs,
			  const ArkaSelection *sel, const ArkaDecision *d, char hex[65],
			  ArkaBuf *leaf)
{
	char		buf[1024];
	size_t		len = 0;
	char		dh[65],
				rh[65];
	uint8_t		out[32];
	crypto_hash_sha256_state st;

	arka_hex(doc_digest, 32, dh);
	arka_hex(sel->digest, 32, rh);
	buf[len++] = 0x00;			/* RFC 6962 leaf prefix */
	len += snprintf(buf + len, sizeof(buf) - len,
					"arka-decision-v1\ndocument blake2b-256 %s\nrules %d sha256 %s\noutcome %s\n",
					dh, sel->nselected, rh, arka_action_name(d->outcome));
	crypto_hash_sha256_init(&st);
	crypto_hash_sha256_update(&st, (const unsigned char *) buf, len);
	if (leaf)
		arka_buf_append(leaf, buf + 1, len - 1);
	for (int i = 0; i < d->nfired; i++)
	{
		const ArkaRule *r = &rs->rules[d->fired[i]];
		char		ver[32];
		int			n = snprintf(ver, sizeof(ver), " %d\n", r->version);

		crypto_hash_sha256_update(&st, (const unsigned char *) "fired ", 6);
		crypto_hash_sha256_update(&st, (const unsigned char *) r->rule_id, strlen(r->rule_id));
		crypto_hash_sha256_update(&st, (const unsigned char *) ver, n);
		if (leaf)
		{
			arka_buf_append(leaf, "fired ", 6);
			arka_buf_puts(leaf, r->rule_id);
			arka_buf_append(leaf, ver, n);
		}
	}
	crypto_hash_sha256_final(&st, out);
	arka_hex(out, 32, hex);
}
