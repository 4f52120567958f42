/*-------------------------------------------------------------------------
 *
 * decide.c
 *	  Evaluate, prove and describe one row's decision (decide.h).
 *
 *-------------------------------------------------------------------------
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arka_canon.h"
#include "arka_proof.h"
#include "decide.h"

void
decider_init(Decider *d)
{
	memset(d, 0, sizeof(*d));
	arka_arena_init(&d->arena, 0);
	arka_arena_init(&d->sel_arena, 0);
	arka_buf_init(&d->canon);
	arka_buf_init(&d->leaf);
	arka_buf_init(&d->sel_versions);
	arka_buf_init(&d->sel_key);
	arka_buf_init(&d->key);
}

void
decider_free(Decider *d)
{
	arka_arena_free(&d->arena);
	arka_arena_free(&d->sel_arena);
	arka_buf_free(&d->canon);
	arka_buf_free(&d->leaf);
	arka_buf_free(&d->sel_versions);
	arka_buf_free(&d->sel_key);
	arka_buf_free(&d->key);
}

void
decision_init(Decision *dec)
{
	memset(dec, 0, sizeof(*dec));
	arka_buf_init(&dec->violations);
	arka_buf_init(&dec->rule_versions);
}

void
decision_free(Decision *dec)
{
	arka_buf_free(&dec->violations);
	arka_buf_free(&dec->rule_versions);
}

ArkaArena *
decider_begin(Decider *d)
{
	arka_arena_reset(&d->arena);
	return &d->arena;
}

/*
 * The filters as one string key ("\x1f" ends an item, "\x1e" separates
 * the two lists; "-" = no filter), whole whatever its length.
 */
static void
filter_key(const CatProtection *p, ArkaBuf *b)
{
	b->len = 0;
	arka_buf_puts(b, "");		/* a NUL-terminated empty key, also for no protection */
	if (p == NULL)
		return;
	arka_buf_putc(b, p->has_jurisdictions ? 'J' : '-');
	for (int i = 0; p->has_jurisdictions && i < p->jurisdictions.n; i++)
	{
		arka_buf_puts(b, p->jurisdictions.items[i]);
		arka_buf_putc(b, '\x1f');
	}
	arka_buf_putc(b, '\x1e');
	arka_buf_putc(b, p->has_domains ? 'D' : '-');
	for (int i = 0; p->has_domains && i < p->domains.n; i++)
	{
		arka_buf_puts(b, p->domains.items[i]);
		arka_buf_putc(b, '\x1f');
	}
}

/* Append v in decimal, without a printf-family call (once per violation). */
static void
put_int(ArkaBuf *b, int v)
{
	char		digits[12];
	size_t		n = 0;
	unsigned int u = v < 0 ? 0u - (unsigned int) v : (unsigned int) v;

	do
	{
		digits[sizeof(digits) - 1 - n++] = (char) ('0' + u % 10);
		u /= 10;
	} while (u != 0);
	if (v < 0)
		digits[sizeof(digits) - 1 - n++] = '-';
	arka_buf_append(b, digits + sizeof(digits) - n, n);
}

/* jsonb's order of object keys: shorter first, then bytewise. */
static int
jsonb_key_cmp(const char *a, size_t alen, const char *b, size_t blen)
{
	if (alen != blen)
		return alen < blen ? -1 : 1;
	return memcmp(a, b, alen);
}

/*
 * {"rule_id": version, ...} of the rules a selection evaluates, in
 * jsonb's key order (see write_violation): the same for every decision
 * of the selection, so built once with it.
 */
static bool
build_rule_versions(ArkaBuf *b, const ArkaRuleset *rs, const ArkaSelection *sel)
{
	int		   *order = malloc(sizeof(int) * (rs->nrules ? rs->nrules : 1));
	int			n = 0;

	if (order == NULL)
		return false;
	for (int i = 0; i < rs->nrules; i++)
	{
		const char *id = rs->rules[i].rule_id;
		int			k = n;

		if (!sel->mask[i])
			continue;
		n++;
		while (k > 0 && jsonb_key_cmp(rs->rules[order[k - 1]].rule_id,
									  strlen(rs->rules[order[k - 1]].rule_id),
									  id, strlen(id)) > 0)
		{
			order[k] = order[k - 1];
			k--;
		}
		order[k] = i;
	}
	b->len = 0;
	arka_buf_putc(b, '{');
	for (int i = 0; i < n; i++)
	{
		if (i)
			arka_buf_putc(b, ',');
		arka_json_write_string(b, rs->rules[order[i]].rule_id, strlen(rs->rules[order[i]].rule_id));
		arka_buf_putc(b, ':');
		put_int(b, rs->rules[order[i]].version);
	}
	arka_buf_putc(b, '}');
	free(order);
	return !b->oom;
}

/*
 * The selection of rules for a row of protection prot: the last one when
 * the ruleset, the day and the filters are those it was made for.  The
 * same protection as last time needs no comparison: protections change
 * only with the catalog, which makes a new generation.
 */
static ArkaSelection *
selection(Decider *d, Catalog *cat, const ArkaRuleset *rs, const CatProtection *prot, int32_t day)
{
	bool		same = d->sel_rs == rs && d->sel_generation == cat->generation && d->sel_day == day;

	if (same && d->sel_prot == prot)
		return &d->sel;
	filter_key(prot, &d->key);
	if (d->key.oom)
		return NULL;
	if (same && d->sel_key.len == d->key.len && memcmp(d->sel_key.data, d->key.data, d->key.len) == 0)
	{
		d->sel_prot = prot;
		return &d->sel;
	}
	arka_arena_reset(&d->sel_arena);
	d->sel_rs = NULL;
	if (!arka_ruleset_select(rs, prot && prot->has_jurisdictions ? &prot->jurisdictions : NULL,
							 prot && prot->has_domains ? &prot->domains : NULL, day,
							 &d->sel_arena, &d->sel) ||
		!build_rule_versions(&d->sel_versions, rs, &d->sel))
		return NULL;
	d->sel_key.len = 0;
	arka_buf_append(&d->sel_key, d->key.data, d->key.len);
	if (d->sel_key.oom)
		return NULL;
	d->sel_prot = prot;
	d->sel_rs = rs;
	d->sel_generation = cat->generation;
	d->sel_day = day;
	return &d->sel;
}

/*
 * One violation object: the members of arka_evaluate's, written in the
 * order jsonb stores them (action, domain, rule_id, version, evidence,
 * severity, description, jurisdiction; evidence keys likewise).  Any
 * order gives the same jsonb, but in this one the server's key sort finds
 * the keys already sorted: a measurable share of writing a flag.
 */
static void
write_violation(ArkaBuf *b, const ArkaRuleset *rs, const ArkaRule *r, const ArkaEval *ev,
				const ArkaValue *notes)
{
	static const char notes_key[] = "sanctions_matches";
	bool		notes_pending = notes->type == ARKA_ARR;

	int			stack[32];
	int		   *order = r->nslots <= 32 ? stack : malloc(sizeof(int) * r->nslots);
	int			n = 0;

	if (order == NULL)
	{
		b->oom = true;			/* reported by the caller's buffer check */
		return;
	}

	arka_buf_puts(b, "{\"action\":");
	arka_json_write_string(b, arka_action_name(r->action), strlen(arka_action_name(r->action)));
	arka_buf_puts(b, ",\"domain\":");
	arka_json_write_string(b, r->domain, strlen(r->domain));
	arka_buf_puts(b, ",\"rule_id\":");
	arka_json_write_string(b, r->rule_id, strlen(r->rule_id));
	arka_buf_puts(b, ",\"version\":");
	put_int(b, r->version);

	/* the evidence: the slots read, in jsonb key order (a few; insertion sort) */
	for (int i = 0; i < r->nslots; i++)
	{
		const ArkaPath *p = &rs->paths.paths[r->slots[i]];
		int			k = n;

		if (ev->slot_state[r->slots[i]] == ARKA_SLOT_UNKNOWN)
			continue;			/* not read: short-circuited */
		n++;
		while (k > 0)
		{
			const ArkaPath *q = &rs->paths.paths[order[k - 1]];

			if (jsonb_key_cmp(q->textlen ? q->text : "$", q->textlen ? q->textlen : 1,
							  p->textlen ? p->text : "$", p->textlen ? p->textlen : 1) <= 0)
				break;
			order[k] = order[k - 1];
			k--;
		}
		order[k] = r->slots[i];
	}
	arka_buf_puts(b, ",\"evidence\":{");
	for (int i = 0; i <= n; i++)
	{
		const ArkaPath *p = i < n ? &rs->paths.paths[order[i]] : NULL;

		/* what operators found while the rule ran (the sanctions matches), in key order */
		if (notes_pending &&
			(p == NULL || jsonb_key_cmp(notes_key, strlen(notes_key), p->textlen ? p->text : "$",
										p->textlen ? p->textlen : 1) < 0))
		{
			if (i > 0)
				arka_buf_putc(b, ',');
			arka_json_write_string(b, notes_key, strlen(notes_key));
			arka_buf_putc(b, ':');
			arka_json_write(b, notes);
			notes_pending = false;
			if (p)
				arka_buf_putc(b, ',');
		}
		else if (i > 0 && p)
			arka_buf_putc(b, ',');
		if (p == NULL)
			break;
		if (p->textlen)
			arka_json_write_string(b, p->text, p->textlen);
		else
			arka_buf_puts(b, "\"$\"");
		arka_buf_putc(b, ':');
		if (ev->slot_state[order[i]] == ARKA_SLOT_ABSENT)
			arka_buf_puts(b, "null");
		else
			arka_json_write(b, &ev->slot_vals[order[i]]);
	}
	arka_buf_puts(b, "},\"severity\":");
	arka_json_write_string(b, r->severity, strlen(r->severity));
	arka_buf_puts(b, ",\"description\":");
	if (r->description)
		arka_json_write_string(b, r->description, strlen(r->description));
	else
		arka_buf_puts(b, "null");
	arka_buf_puts(b, ",\"jurisdiction\":");
	arka_json_write_string(b, r->jurisdiction, strlen(r->jurisdiction));
	arka_buf_putc(b, '}');
	if (order != stack)
		free(order);
}

bool
decider_decide(Decider *d, Catalog *cat, const CatProtection *prot, int32_t day,
			   const ArkaValue *doc, Decision *dec)
{
	ArkaRuleset *rs = catalog_ruleset(cat);
	ArkaSelection *sel;
	ArkaEval	ev;
	ArkaDecision ad;
	int			failed_rule = -1;
	uint8_t		digest[32];

	dec->failed = false;
	dec->error[0] = '\0';
	dec->proof[0] = '\0';
	dec->ruleset_version[0] = '\0';
	dec->violations.len = 0;
	dec->rule_versions.len = 0;
	arka_buf_puts(&dec->violations, "");
	arka_buf_puts(&dec->rule_versions, "");
	if (rs == NULL)
	{
		dec->failed = true;
		snprintf(dec->error, sizeof(dec->error), "the ruleset cannot be built: %.400s", cat->build_error);
		return true;
	}
	sel = selection(d, cat, rs, prot, day);
	if (sel == NULL)
		return false;
	memcpy(dec->ruleset_version, sel->digest_hex, 65);
	if (!arka_eval_init(&ev, &d->arena, &rs->paths, &arka_value_doc_ops, (void *) doc, &rs->lists))
		return false;
	if (d->watchlists)
	{
		d->screening = (ArkaSanctionsCtx) {rs, watchlists_get, d->watchlists};
		ev.screen = arka_sanctions_hook;
		ev.screen_ctx = &d->screening;
	}
	if (!arka_ruleset_evaluate(rs, sel, &ev, &ad, &failed_rule))
	{
		dec->failed = true;
		snprintf(dec->error, sizeof(dec->error), "evaluation failed%s%.128s: %.200s at %.120s",
				 failed_rule >= 0 ? " in rule " : "",
				 failed_rule >= 0 ? rs->rules[failed_rule].rule_id : "",
				 ev.err.message, ev.err.path);
		return true;
	}
	dec->outcome = ad.outcome;
	if (ad.outcome == ARKA_ACTION_ALLOW)
		return true;			/* nothing to flag: no proof needed */

	d->canon.len = 0;
	if (!arka_canon_value(&d->canon, doc) || d->canon.oom ||
		!arka_doc_digest(d->canon.data, d->canon.len, digest) ||
		!arka_proof_id(digest, rs, sel, &ad, dec->proof, &d->leaf))
		return false;

	arka_buf_putc(&dec->violations, '[');
	for (int i = 0; i < ad.nfired; i++)
	{
		if (i)
			arka_buf_putc(&dec->violations, ',');
		write_violation(&dec->violations, rs, &rs->rules[ad.fired[i]], &ev, &ad.notes[i]);
	}
	arka_buf_putc(&dec->violations, ']');

	arka_buf_append(&dec->rule_versions, d->sel_versions.data, d->sel_versions.len);
	return !dec->violations.oom && !dec->rule_versions.oom;
}
