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
}

void
decider_free(Decider *d)
{
	arka_arena_free(&d->arena);
	arka_arena_free(&d->sel_arena);
	arka_buf_free(&d->canon);
	arka_buf_free(&d->leaf);
	free(d->sel_key);
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

/* The filters as one string key ("" and "\x1e" separate; "-" = no filter). */
static void
filter_key(const CatProtection *p, char *buf, size_t cap)
{
	size_t		n = 0;

	buf[0] = '\0';
	if (p == NULL)
		return;
	n += snprintf(buf + n, cap - n, "%s", p->has_jurisdictions ? "J" : "-");
	for (int i = 0; p->has_jurisdictions && i < p->jurisdictions.n && n < cap; i++)
		n += snprintf(buf + n, cap - n, "%s\x1f", p->jurisdictions.items[i]);
	if (n < cap)
		n += snprintf(buf + n, cap - n, "\x1e%s", p->has_domains ? "D" : "-");
	for (int i = 0; p->has_domains && i < p->domains.n && n < cap; i++)
		n += snprintf(buf + n, cap - n, "%s\x1f", p->domains.items[i]);
}

static ArkaSelection *
selection(Decider *d, Catalog *cat, const ArkaRuleset *rs, const CatProtection *prot, int32_t day)
{
	char		key[4096];

	filter_key(prot, key, sizeof(key));
	if (d->sel_rs == rs && d->sel_generation == cat->generation && d->sel_day == day &&
		d->sel_key && strcmp(d->sel_key, key) == 0)
		return &d->sel;
	arka_arena_reset(&d->sel_arena);
	d->sel_rs = NULL;
	if (!arka_ruleset_select(rs, prot && prot->has_jurisdictions ? &prot->jurisdictions : NULL,
							 prot && prot->has_domains ? &prot->domains : NULL, day,
							 &d->sel_arena, &d->sel))
		return NULL;
	free(d->sel_key);
	d->sel_key = strdup(key);
	d->sel_rs = rs;
	d->sel_generation = cat->generation;
	d->sel_day = day;
	return &d->sel;
}

/* One violation object: the members of arka_evaluate's (any order: jsonb sorts). */
static void
write_violation(ArkaBuf *b, const ArkaRuleset *rs, const ArkaRule *r, const ArkaEval *ev)
{
	char		num[32];
	bool		first = true;

	arka_buf_puts(b, "{\"rule_id\":");
	arka_json_write_string(b, r->rule_id, strlen(r->rule_id));
	snprintf(num, sizeof(num), ",\"version\":%d", r->version);
	arka_buf_puts(b, num);
	arka_buf_puts(b, ",\"jurisdiction\":");
	arka_json_write_string(b, r->jurisdiction, strlen(r->jurisdiction));
	arka_buf_puts(b, ",\"domain\":");
	arka_json_write_string(b, r->domain, strlen(r->domain));
	arka_buf_puts(b, ",\"action\":");
	arka_json_write_string(b, arka_action_name(r->action), strlen(arka_action_name(r->action)));
	arka_buf_puts(b, ",\"severity\":");
	arka_json_write_string(b, r->severity, strlen(r->severity));
	arka_buf_puts(b, ",\"description\":");
	if (r->description)
		arka_json_write_string(b, r->description, strlen(r->description));
	else
		arka_buf_puts(b, "null");
	arka_buf_puts(b, ",\"evidence\":{");
	for (int i = 0; i < r->nslots; i++)
	{
		int			slot = r->slots[i];
		const ArkaPath *p = &rs->paths.paths[slot];

		if (ev->slot_state[slot] == ARKA_SLOT_UNKNOWN)
			continue;			/* not read: short-circuited */
		if (!first)
			arka_buf_putc(b, ',');
		first = false;
		if (p->textlen)
			arka_json_write_string(b, p->text, p->textlen);
		else
			arka_buf_puts(b, "\"$\"");
		arka_buf_putc(b, ':');
		if (ev->slot_state[slot] == ARKA_SLOT_ABSENT)
			arka_buf_puts(b, "null");
		else
			arka_json_write(b, &ev->slot_vals[slot]);
	}
	arka_buf_puts(b, "}}");
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
		write_violation(&dec->violations, rs, &rs->rules[ad.fired[i]], &ev);
	}
	arka_buf_putc(&dec->violations, ']');

	arka_buf_putc(&dec->rule_versions, '{');
	{
		bool		first = true;

		for (int i = 0; i < rs->nrules; i++)
		{
			char		num[32];

			if (!sel->mask[i])
				continue;
			if (!first)
				arka_buf_putc(&dec->rule_versions, ',');
			first = false;
			arka_json_write_string(&dec->rule_versions, rs->rules[i].rule_id,
								   strlen(rs->rules[i].rule_id));
			snprintf(num, sizeof(num), ":%d", rs->rules[i].version);
			arka_buf_puts(&dec->rule_versions, num);
		}
	}
	arka_buf_putc(&dec->rule_versions, '}');
	return !dec->violations.oom && !dec->rule_versions.oom;
}
