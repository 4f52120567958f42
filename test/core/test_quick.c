/*-------------------------------------------------------------------------
 *
 * test_quick.c
 *	  The quick check (arka_quick.c) against the full evaluation.
 *
 * A decision must not depend on whether the quick check took it: with and
 * without it, arka_ruleset_evaluate must give the same outcome, fired
 * rules, fields read (the evidence) and error; a quick "nothing fires"
 * must be what the full evaluation finds.  Compared over
 *   - the shipped packs and 20,000 generated payment documents with
 *     hostile values (numbers as strings, arrays, nulls, missing parts);
 *   - a grid of field values against rules built to reach every leaf
 *     kind and every fallback to the generic evaluator;
 *   - the official JSON Logic tests, each case as a one-rule ruleset.
 * Usage: test_quick <packs dir> <jsonlogic data dir>
 *
 *-------------------------------------------------------------------------
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "arka_test.h"
#include "arka_json.h"
#include "arka_ruleset.h"

static int	quick_decided;		/* documents the quick check decided */
static int	none_fired;			/* documents the full evaluation fired nothing on */
static int	compared;

typedef struct Outcome
{
	bool		ok;
	ArkaAction	outcome;
	int			nfired;
	int			fired[32];
	int			failed_rule;
	ArkaError	err;
	uint8_t		read[512];		/* slot states: what evidence would show */
} Outcome;

static char *
read_file(const char *path)
{
	FILE	   *f = fopen(path, "rb");
	char	   *buf;
	long		n;

	if (f == NULL)
		return NULL;
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	fseek(f, 0, SEEK_SET);
	buf = malloc(n + 1);
	if (buf == NULL || fread(buf, 1, n, f) != (size_t) n)
	{
		fclose(f);
		free(buf);
		return NULL;
	}
	fclose(f);
	buf[n] = '\0';
	return buf;
}

static bool
parse(const char *text, ArkaArena *arena, ArkaValue *out)
{
	ArkaJsonError err;

	return arka_json_parse(text, strlen(text), arena, out, &err);
}

static const ArkaValue *
member(const ArkaValue *obj, const char *key)
{
	if (obj->type != ARKA_OBJ)
		return NULL;
	for (size_t i = 0; i < obj->u.obj.n; i++)
		if (obj->u.obj.members[i].keylen == strlen(key) &&
			memcmp(obj->u.obj.members[i].key, key, strlen(key)) == 0)
			return &obj->u.obj.members[i].val;
	return NULL;
}

static char *
cstr(const ArkaValue *v)
{
	static char buf[8][256];
	static int	next;
	char	   *b = buf[next++ % 8];

	if (v == NULL || v->type != ARKA_STR)
		return NULL;
	snprintf(b, 256, "%.*s", (int) v->u.str.len, v->u.str.ptr);
	return b;
}

/* Evaluate the selection on doc, with or without its quick check. */
static void
evaluate(const ArkaRuleset *rs, const ArkaSelection *sel, const ArkaValue *doc, bool quick,
		 ArkaArena *arena, Outcome *o)
{
	ArkaSelection s = *sel;
	ArkaEval	ev;
	ArkaDecision d;

	memset(o, 0, sizeof(*o));
	if (!quick)
		s.quick = NULL;
	o->failed_rule = -1;
	if (!arka_eval_init(&ev, arena, &rs->paths, &arka_value_doc_ops, (void *) doc, &rs->lists))
	{
		o->err = ev.err;
		return;
	}
	o->ok = arka_ruleset_evaluate(rs, &s, &ev, &d, &o->failed_rule);
	if (o->ok)
	{
		o->outcome = d.outcome;
		o->nfired = d.nfired;
		for (int i = 0; i < d.nfired && i < 32; i++)
			o->fired[i] = d.fired[i];
	}
	else
		o->err = ev.err;
	for (int i = 0; i < rs->paths.n && i < 512; i++)
		o->read[i] = ev.slot_state[i];
}

/* Both ways must agree; a quick "nothing fires" must be the truth. */
static void
compare(const ArkaRuleset *rs, const ArkaSelection *sel, const ArkaValue *doc, ArkaArena *arena,
		const char *what)
{
	Outcome		full,
				quick;
	bool		same;

	arka_arena_reset(arena);
	evaluate(rs, sel, doc, false, arena, &full);
	evaluate(rs, sel, doc, true, arena, &quick);
	compared++;
	same = full.ok == quick.ok && full.failed_rule == quick.failed_rule &&
		full.err.code == quick.err.code && strcmp(full.err.message, quick.err.message) == 0 &&
		strcmp(full.err.path, quick.err.path) == 0 &&
		memcmp(full.read, quick.read, sizeof(full.read)) == 0;
	if (full.ok && quick.ok)
		same = same && full.outcome == quick.outcome && full.nfired == quick.nfired &&
			memcmp(full.fired, quick.fired, sizeof(full.fired)) == 0;
	CHECK(same);
	if (!same)
		fprintf(stderr, "  differs: %s (full ok=%d nfired=%d err=%s, quick ok=%d nfired=%d err=%s)\n",
				what, full.ok, full.nfired, full.err.message, quick.ok, quick.nfired,
				quick.err.message);

	if (full.ok && full.nfired == 0)
		none_fired++;
	if (sel->quick != NULL)
	{
		ArkaEval	ev;

		arka_eval_init(&ev, arena, &rs->paths, &arka_value_doc_ops, (void *) doc, &rs->lists);
		if (arka_quick_none_fire(sel->quick, &ev))
		{
			quick_decided++;
			CHECK(full.ok && full.nfired == 0);
		}
	}
}

/* A ruleset of the rules (sorted by id, as the extension adds them) and lists. */
static int
rule_cmp(const void *a, const void *b)
{
	return strcmp(cstr(member(*(const ArkaValue *const *) a, "rule_id")),
				  cstr(member(*(const ArkaValue *const *) b, "rule_id")));
}

static bool
add_rule(ArkaRuleset *rs, const char *id, const char *jurisdiction, const char *action,
		 const ArkaValue *logic)
{
	ArkaRule	def;
	ArkaError	err;

	memset(&def, 0, sizeof(def));
	def.rule_id = id;
	def.version = 1;
	def.jurisdiction = jurisdiction;
	def.domain = "AML";
	def.severity = "high";
	def.effective_from = ARKA_ALWAYS_EFFECTIVE;
	arka_action_parse(action, &def.action);
	if (!arka_ruleset_add_rule(rs, &def, logic, &err))
	{
		fprintf(stderr, "  rule %s: %s at %s\n", id, err.message, err.path);
		return false;
	}
	return true;
}

static ArkaRuleset *
packs_ruleset(const char *dir, ArkaArena *arena)
{
	static const char *const names[] = {"us_bsa", "ofac_country", "fatf_high_risk", "eu_amlr"};
	ArkaRuleset *rs = arka_ruleset_create();
	const ArkaValue *rules[64];
	int			nrules = 0;

	for (int p = 0; p < 4; p++)
	{
		char		path[1024];
		char	   *text;
		ArkaValue	pack;
		const ArkaValue *lists,
				   *prules;

		snprintf(path, sizeof(path), "%s/%s.json", dir, names[p]);
		text = read_file(path);
		CHECK(text != NULL && parse(text, arena, &pack));
		if (text == NULL)
			return NULL;
		lists = member(&pack, "lists");
		for (size_t i = 0; lists && i < lists->u.arr.n; i++)
		{
			const ArkaValue *l = &lists->u.arr.items[i];
			const char *name = cstr(member(l, "name"));
			int			idx = arka_ruleset_add_list(rs, name, strlen(name));
			const ArkaValue *items = member(l, "items");

			for (size_t k = 0; k < items->u.arr.n; k++)
				arka_ruleset_add_list_item(rs, idx, items->u.arr.items[k].u.str.ptr,
										   items->u.arr.items[k].u.str.len);
		}
		prules = member(&pack, "rules");
		for (size_t i = 0; i < prules->u.arr.n && nrules < 64; i++)
			rules[nrules++] = &prules->u.arr.items[i];
		free(text);
	}
	qsort(rules, nrules, sizeof(rules[0]), rule_cmp);
	for (int i = 0; i < nrules; i++)
		CHECK(add_rule(rs, cstr(member(rules[i], "rule_id")),
					   cstr(member(rules[i], "jurisdiction")),
					   cstr(member(rules[i], "action")), member(rules[i], "logic")));
	return rs;
}

static uint64_t rng = 0x9E3779B97F4A7C15u;

static unsigned
pick(unsigned n)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (unsigned) (rng % n);
}

/* A field: usually a plausible value, sometimes a hostile one, or none. */
static void
field(char *buf, size_t cap, const char *key, const char *const *usual, int nusual)
{
	static const char *const hostile[] = {
		"null", "true", "0", "-1", "\"\"", "[]", "[\"US\"]", "{}", "{\"x\": 1}", "\"12000\"",
		"12000", "1e400", "\"1e3\"", "3000", "2999.999999999999999", "\"US \"", "\"us\""
	};
	size_t		len = strlen(buf);
	unsigned	r = pick(20);

	if (r == 0)
		return;					/* absent */
	snprintf(buf + len, cap - len, "%s\"%s\": %s", buf[len - 1] == '{' ? "" : ", ", key,
			 r < 4 ? hostile[pick(sizeof(hostile) / sizeof(hostile[0]))] : usual[pick(nusual)]);
}

static void
party(char *buf, size_t cap, const char *key)
{
	static const char *const countries[] = {
		"\"US\"", "\"DE\"", "\"GB\"", "\"IR\"", "\"KP\"", "\"CU\"", "\"SY\"", "\"MM\"", "\"FR\""
	};
	static const char *const regions[] = {"\"Crimea\"", "\"Donetsk\"", "\"Bavaria\"", "\"Texas\""};
	static const char *const names[] = {"\"Ana Li\"", "\"Bo\"", "\"\""};
	static const char *const weird[] = {"null", "\"US\"", "[1, 2]", "42"};
	size_t		len = strlen(buf);

	if (pick(15) == 0)
	{
		snprintf(buf + len, cap - len, "%s\"%s\": %s", buf[len - 1] == '{' ? "" : ", ", key,
				 weird[pick(4)]);
		return;
	}
	snprintf(buf + len, cap - len, "%s\"%s\": {", buf[len - 1] == '{' ? "" : ", ", key);
	field(buf, cap, "country", countries, 9);
	field(buf, cap, "name", names, 3);
	field(buf, cap, "account", names, 3);
	field(buf, cap, "address", names, 3);
	if (pick(3) == 0)
		field(buf, cap, "region", regions, 4);
	len = strlen(buf);
	if (buf[len - 1] == '{')
		snprintf(buf + len, cap - len, "\"id\": 1");
	len = strlen(buf);
	snprintf(buf + len, cap - len, "}");
}

static void
test_packs(const char *dir)
{
	static const char *const channels[] = {"\"wire\"", "\"ach\"", "\"card\"", "\"cash\"", "\"sepa\""};
	static const char *const currencies[] = {"\"USD\"", "\"EUR\""};
	static const char *const amounts[] = {"12000", "10000.01", "3000", "250.5", "\"15000\"", "9999.99"};
	const char *us_intl[] = {"US", "INTL"};
	size_t		us_intl_lens[] = {2, 4};
	ArkaStrList us = {us_intl, us_intl_lens, 2};
	ArkaArena	arena,
				docs,
				selarena;
	ArkaRuleset *rs;
	ArkaSelection all,
				some;
	int			before = quick_decided;
	int			before_none = none_fired;

	arka_arena_init(&arena, 0);
	arka_arena_init(&docs, 0);
	arka_arena_init(&selarena, 0);
	rs = packs_ruleset(dir, &docs);
	if (rs == NULL)
		return;
	CHECK(arka_ruleset_select(rs, NULL, NULL, 20600, &selarena, &all));
	CHECK(arka_ruleset_select(rs, &us, NULL, 20600, &selarena, &some));
	CHECK(all.quick != NULL && some.quick != NULL);
	for (int i = 0; i < 20000; i++)
	{
		char		buf[2048] = "{";
		ArkaValue	doc;

		field(buf, sizeof(buf), "channel", channels, 5);
		field(buf, sizeof(buf), "currency", currencies, 2);
		field(buf, sizeof(buf), "amount", amounts, 6);
		party(buf, sizeof(buf), "payer");
		party(buf, sizeof(buf), "payee");
		strcat(buf, "}");
		arka_arena_reset(&docs);
		if (!parse(buf, &docs, &doc))
		{
			CHECK(!"generated document parses");
			fprintf(stderr, "  %s\n", buf);
			continue;
		}
		compare(rs, &all, &doc, &arena, buf);
		compare(rs, &some, &doc, &arena, buf);
	}
	/*
	 * The check must decide most documents that fire nothing; those it
	 * leaves reach a leaf only the generic evaluator decides: a hostile
	 * value (a number as a string, say) or the travel rule's "missing".
	 */
	CHECK(quick_decided - before > (none_fired - before_none) / 2);
	printf("packs: %d documents, %d fire nothing, %d decided by the quick check\n", 20000 * 2,
		   none_fired - before_none, quick_decided - before);
	arka_ruleset_free(rs);
	arka_arena_free(&arena);
	arka_arena_free(&docs);
	arka_arena_free(&selarena);
}

/* Rules reaching every leaf kind, and each fallback, over a grid of values. */
static void
test_grid(void)
{
	static const char *const rules[] = {
		"{\"==\": [{\"var\": \"a\"}, \"1\"]}",
		"{\"===\": [\"x\", {\"var\": \"a\"}]}",
		"{\"!=\": [{\"var\": \"a\"}, \"US\"]}",
		"{\"!==\": [{\"var\": \"a\"}, \"\"]}",
		"{\"<\": [{\"var\": \"a\"}, 3000]}",
		"{\">=\": [3000, {\"var\": \"a\"}]}",
		"{\"<=\": [{\"var\": \"a\"}, -1]}",
		"{\">\": [{\"var\": \"a\"}, 0.5]}",
		"{\"in_list\": [{\"var\": \"a\"}, \"L\"]}",
		"{\"and\": [{\"==\": [{\"var\": \"a\"}, \"US\"]}, {\">\": [{\"var\": \"b\"}, 10]}]}",
		"{\"or\": [{\"in_list\": [{\"var\": \"a\"}, \"L\"]}, {\"<\": [{\"var\": \"b\"}, 0]}]}",
		"{\"and\": [{\"var\": \"a\"}, {\"!\": {\"var\": \"b\"}}]}",
		"{\"or\": [{\"missing\": [\"a\"]}, {\"/\": [1, {\"var\": \"b\"}]}]}",
		"{\"and\": []}",
		"{\"or\": [{\"or\": [{\"==\": [{\"var\": \"a\"}, \"1\"]}]}, {\"var\": \"b\"}]}",
		"{\"if\": [{\"var\": \"a\"}, true, {\"var\": \"b\"}]}",
		"{\"and\": [{\"<\": [{\"var\": \"a\"}, 3000]}, {\"*\": [{\"var\": \"b\"}, 1e300, 1e300]}]}",
		"{\"in\": [\"U\", {\"var\": \"a\"}]}",
		"true",
		"{\"var\": \"a.0\"}",
	};
	static const char *const values[] = {
		NULL, "null", "true", "false", "0", "1", "-1", "3000", "2999.99", "1e400", "\"3000\"",
		"\"1\"", "\"US\"", "\"x\"", "\"\"", "\"abc\"", "[]", "[1]", "[\"US\"]", "{}",
		"{\"x\": 1}", "\"1e3\"", "\"-0\"", "\"US\\u0000\""
	};
	int			nv = sizeof(values) / sizeof(values[0]);
	ArkaArena	arena,
				docs,
				build;
	ArkaRuleset *rs = arka_ruleset_create();
	ArkaSelection sel;
	int			list;

	arka_arena_init(&arena, 0);
	arka_arena_init(&docs, 0);
	arka_arena_init(&build, 0);
	list = arka_ruleset_add_list(rs, "L", 1);
	arka_ruleset_add_list_item(rs, list, "US", 2);
	arka_ruleset_add_list_item(rs, list, "1", 1);
	arka_ruleset_add_list_item(rs, list, "3000", 4);
	for (size_t i = 0; i < sizeof(rules) / sizeof(rules[0]); i++)
	{
		char		id[16];
		ArkaValue	logic;

		snprintf(id, sizeof(id), "r%02zu", i);
		CHECK(parse(rules[i], &build, &logic) &&
			  add_rule(rs, arka_arena_strdup(&build, id, strlen(id)), "X",
					   i % 3 == 0 ? "review" : i % 3 == 1 ? "block" : "allow", &logic));
	}
	CHECK(arka_ruleset_select(rs, NULL, NULL, 0, &build, &sel) && sel.quick != NULL);

	/* every rule alone, then all together, over every pair of values */
	for (int r = -1; r < rs->nrules; r++)
	{
		ArkaSelection one = sel;
		uint8_t		mask[64];

		if (r >= 0)
		{
			memset(mask, 0, sizeof(mask));
			mask[r] = 1;
			one.mask = mask;
			one.nselected = 1;
			one.quick = arka_quick_compile(rs, &one, &build);
		}
		for (int a = 0; a < nv; a++)
			for (int b = 0; b < nv; b++)
			{
				char		buf[256] = "{";
				ArkaValue	doc;

				if (values[a])
					snprintf(buf + 1, sizeof(buf) - 1, "\"a\": %s", values[a]);
				if (values[b])
					snprintf(buf + strlen(buf), sizeof(buf) - strlen(buf), "%s\"b\": %s",
							 values[a] ? ", " : "", values[b]);
				strcat(buf, "}");
				arka_arena_reset(&docs);
				if (parse(buf, &docs, &doc))
					compare(rs, &one, &doc, &arena, buf);
			}
	}
	arka_ruleset_free(rs);
	arka_arena_free(&arena);
	arka_arena_free(&docs);
	arka_arena_free(&build);
}

/* The official JSON Logic tests, each case as a ruleset of its one rule. */
static void
test_official(const char *dir)
{
	char		path[1024];
	char	   *text;
	ArkaArena	arena,
				data;
	ArkaValue	cases;
	int			used = 0;

	snprintf(path, sizeof(path), "%s/official_tests.json", dir);
	text = read_file(path);
	CHECK(text != NULL);
	if (text == NULL)
		return;
	arka_arena_init(&arena, 0);
	arka_arena_init(&data, 0);
	CHECK(parse(text, &data, &cases) && cases.type == ARKA_ARR);
	for (size_t i = 0; cases.type == ARKA_ARR && i < cases.u.arr.n; i++)
	{
		const ArkaValue *c = &cases.u.arr.items[i];
		ArkaRuleset *rs;
		ArkaArena	build;
		ArkaSelection sel;
		ArkaError	err;
		ArkaRule	def;

		if (c->type != ARKA_ARR || c->u.arr.n < 2)
			continue;			/* a comment */
		rs = arka_ruleset_create();
		arka_arena_init(&build, 0);
		memset(&def, 0, sizeof(def));
		def.rule_id = "case";
		def.jurisdiction = def.domain = def.severity = "X";
		def.action = ARKA_ACTION_BLOCK;
		def.effective_from = ARKA_ALWAYS_EFFECTIVE;
		/* strict compilation rejects unknown operators: those cases are not rules */
		if (arka_ruleset_add_rule(rs, &def, &c->u.arr.items[0], &err) &&
			arka_ruleset_select(rs, NULL, NULL, 0, &build, &sel))
		{
			compare(rs, &sel, &c->u.arr.items[1], &arena, "an official case");
			used++;
		}
		arka_arena_free(&build);
		arka_ruleset_free(rs);
	}
	CHECK(used > 200);
	printf("official: %d cases compared\n", used);
	free(text);
	arka_arena_free(&arena);
	arka_arena_free(&data);
}

int
main(int argc, char **argv)
{
	if (argc < 3)
	{
		fprintf(stderr, "usage: %s <packs dir> <jsonlogic data dir>\n", argv[0]);
		return 2;
	}
	test_packs(argv[1]);
	test_grid();
	test_official(argv[2]);
	printf("compared %d decisions, %d decided by the quick check\n", compared, quick_decided);
	return arka_test_summary("test_quick");
}
