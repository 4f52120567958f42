/*-------------------------------------------------------------------------
 *
 * test_conformance.c
 *	  Run the JSON Logic conformance suites against the engine core.
 *
 * usage: test_conformance <data dir> <arka test dir> [-v]
 *	 <data dir>/official_tests.json        all 277 cases must pass
 *	 <data dir>/semantics_cases.jsonl      must pass, except the documented
 *	                                       differences in
 *	                                       <arka test dir>/semantics_differences.json
 *	 <data dir>/community/<repo>/suites/   must pass, except the cases listed
 *	                                       in <arka test dir>/community_skips.json
 *
 * A skip that no longer fails is reported too, so the lists stay honest.
 * With -v, every failing community case (skipped or not) is also printed
 * on stdout as a FAILING line (see print_failing).
 * Prints "<suite>: N passed, N failed" lines and a total.
 *
 *-------------------------------------------------------------------------
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "arka_json.h"
#include "arka_logic.h"

static int	total_passed;
static int	total_failed;
static int	total_skipped;
static bool verbose;

static char *
read_file(const char *path, size_t *len)
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
	*len = n;
	return buf;
}

static const ArkaValue *
member(const ArkaValue *obj, const char *key)
{
	if (obj == NULL || obj->type != ARKA_OBJ)
		return NULL;
	for (size_t i = 0; i < obj->u.obj.n; i++)
		if (obj->u.obj.members[i].keylen == strlen(key) &&
			memcmp(obj->u.obj.members[i].key, key, strlen(key)) == 0)
			return &obj->u.obj.members[i].val;
	return NULL;
}

/* Outcome of evaluating one case. */
typedef struct CaseResult
{
	bool		ok;				/* evaluation succeeded */
	bool		nan;			/* the raw result was NaN */
	ArkaValue	value;
	ArkaError	err;
} CaseResult;

/*
 * arka prints NaN and +/-Infinity as JSON null (as JSON.stringify does);
 * compare results the way a caller of arka_apply sees them.
 */
static void
normalize(ArkaValue *v)
{
	if (v->type == ARKA_NUM && !arka_dec_is_finite(&v->u.num))
		*v = arka_null();
	else if (v->type == ARKA_ARR)
		for (size_t i = 0; i < v->u.arr.n; i++)
			normalize(&v->u.arr.items[i]);
	else if (v->type == ARKA_OBJ)
		for (size_t i = 0; i < v->u.obj.n; i++)
			normalize(&v->u.obj.members[i].val);
}

static CaseResult
run_case(const ArkaValue *rule, const ArkaValue *data, ArkaArena *arena)
{
	CaseResult	r;
	ArkaCompileOpts opts = {.strict = false, .lists = NULL, .paths = NULL};
	ArkaNode   *node;
	ArkaEval	ev;

	memset(&r, 0, sizeof(r));
	node = arka_logic_compile(rule, arena, &opts, &r.err);
	if (node == NULL)
		return r;
	if (!arka_eval_init(&ev, arena, NULL, &arka_value_doc_ops, (void *) data, NULL))
	{
		r.err = ev.err;
		return r;
	}
	r.ok = arka_logic_eval(&ev, node, &r.value);
	if (!r.ok)
		r.err = ev.err;
	else
		r.nan = r.value.type == ARKA_NUM && arka_dec_is_nan(&r.value.u.num);
	if (r.ok)
		normalize(&r.value);
	return r;
}

static void
show(const char *what, const ArkaValue *v)
{
	ArkaBuf		b;

	arka_buf_init(&b);
	arka_json_write(&b, v);
	arka_buf_putc(&b, '\0');
	fprintf(stderr, "    %s: %s\n", what, b.data ? b.data : "?");
	arka_buf_free(&b);
}

/* A case result matches the expectation (value, or an error object). */
static bool
matches(const CaseResult *r, const ArkaValue *expected, const ArkaValue *expected_error)
{
	if (expected_error != NULL)
	{
		const ArkaValue *type = member(expected_error, "type");

		if (!r->ok)
			return true;
		/* the suites' runners count a NaN result as {"type": "NaN"} */
		return type && type->type == ARKA_STR && type->u.str.len == 3 &&
			memcmp(type->u.str.ptr, "NaN", 3) == 0 &&
			r->nan;
	}
	if (!r->ok)
		return false;
	return arka_value_equal(&r->value, expected);
}

static void
report(const char *suite, int passed, int failed, int skipped)
{
	printf("%s: %d passed, %d failed, %d skipped\n", suite, passed, failed, skipped);
	total_passed += passed;
	total_failed += failed;
	total_skipped += skipped;
}

static void
fail_case(const char *suite, const char *label, const ArkaValue *rule,
		  const CaseResult *r, const ArkaValue *expected)
{
	fprintf(stderr, "FAIL %s: %s\n", suite, label);
	show("rule", rule);
	if (expected)
		show("expected", expected);
	if (r->ok)
		show("got", &r->value);
	else
		fprintf(stderr, "    error: %s at %s\n", r->err.message, r->err.path);
}

static void
run_official(const char *path)
{
	size_t		len;
	char	   *text = read_file(path, &len);
	ArkaArena	arena;
	ArkaValue	suite;
	ArkaJsonError jerr;
	int			passed = 0,
				failed = 0;

	arka_arena_init(&arena, 0);
	if (text == NULL || !arka_json_parse(text, len, &arena, &suite, &jerr))
	{
		fprintf(stderr, "cannot read %s\n", path);
		report("official", 0, 1, 0);
		return;
	}
	for (size_t i = 0; i < suite.u.arr.n; i++)
	{
		const ArkaValue *c = &suite.u.arr.items[i];
		ArkaArena	scratch;
		CaseResult	r;
		char		label[32];

		if (c->type != ARKA_ARR)
			continue;			/* section headers */
		arka_arena_init(&scratch, 0);
		r = run_case(&c->u.arr.items[0], &c->u.arr.items[1], &scratch);
		if (matches(&r, &c->u.arr.items[2], NULL))
			passed++;
		else
		{
			snprintf(label, sizeof(label), "entry %zu", i);
			fail_case("official", label, &c->u.arr.items[0], &r, &c->u.arr.items[2]);
			failed++;
		}
		arka_arena_free(&scratch);
	}
	report("official", passed, failed, 0);
	arka_arena_free(&arena);
	free(text);
}

/*
 * semantics_cases.jsonl: one case per line.  Cases whose reference result
 * is not JSON ("expected_nonjson": NaN, Infinity, undefined) have arka's
 * documented answer: JSON null, as JSON.stringify would print.  Lines in
 * the differences file carry arka's answer ("arka" or "arka_error").
 */
static void
run_semantics(const char *path, const char *diffpath)
{
	size_t		len,
				dlen;
	char	   *text = read_file(path, &len);
	char	   *dtext = read_file(diffpath, &dlen);
	ArkaArena	arena;
	ArkaValue	diffs;
	ArkaJsonError jerr;
	int			passed = 0,
				failed = 0,
				lineno = 0;
	char	   *line = text;
	ArkaValue	null_value = arka_null();

	arka_arena_init(&arena, 0);
	if (text == NULL || dtext == NULL ||
		!arka_json_parse(dtext, dlen, &arena, &diffs, &jerr) || diffs.type != ARKA_ARR)
	{
		fprintf(stderr, "cannot read %s or %s\n", path, diffpath);
		report("semantics", 0, 1, 0);
		return;
	}
	while (line && *line)
	{
		char	   *nl = strchr(line, '\n');
		size_t		llen = nl ? (size_t) (nl - line) : strlen(line);
		ArkaValue	c;
		ArkaArena	scratch;
		CaseResult	r;
		const ArkaValue *expected = NULL;
		const ArkaValue *expected_error = NULL;
		ArkaValue	want_error_obj;
		bool		ok;

		lineno++;
		arka_arena_init(&scratch, 0);
		if (llen == 0)
		{
			arka_arena_free(&scratch);
			line = nl ? nl + 1 : NULL;
			continue;
		}
		if (!arka_json_parse(line, llen, &scratch, &c, &jerr))
		{
			/* e.g. an expected lone surrogate: the differences file restates the case */
			c = arka_null();
		}
		expected = member(&c, "expected");
		if (member(&c, "expected_nonjson"))
			expected = &null_value;
		if (member(&c, "expected_error"))
		{
			want_error_obj = arka_null();
			expected_error = &want_error_obj;
		}
		for (size_t i = 0; i < diffs.u.arr.n; i++)
		{
			const ArkaValue *d = &diffs.u.arr.items[i];
			const ArkaValue *l = member(d, "line");
			int64_t		dl;

			if (l && l->type == ARKA_NUM && arka_dec_to_int64(&l->u.num, &dl) && dl == lineno)
			{
				expected = member(d, "arka");
				expected_error = member(d, "arka_error");
				if (member(d, "rule"))
					c = *d;		/* the case restated in the differences file */
			}
		}
		if (member(&c, "rule") == NULL)
		{
			fprintf(stderr, "FAIL semantics: line %d does not parse: %s\n", lineno, jerr.message);
			failed++;
			arka_arena_free(&scratch);
			line = nl ? nl + 1 : NULL;
			continue;
		}
		r = run_case(member(&c, "rule"), member(&c, "data"), &scratch);
		if (expected_error)
			ok = !r.ok;
		else
			ok = expected && matches(&r, expected, NULL);
		if (ok)
			passed++;
		else
		{
			char		label[48];

			snprintf(label, sizeof(label), "line %d", lineno);
			fail_case("semantics", label, member(&c, "rule"), &r, expected);
			failed++;
		}
		arka_arena_free(&scratch);
		line = nl ? nl + 1 : NULL;
	}
	report("semantics", passed, failed, 0);
	arka_arena_free(&arena);
	free(text);
	free(dtext);
}

/*
 * Is this case listed in the community skip list?  An entry names the file
 * and the case's "description"; it may also (or, for cases in the old
 * [rule, data, expected] form, which have no description, instead) give
 * "index", the case's 0-based position in the file's top-level array, to
 * tell apart cases that share a description.
 */
static const ArkaValue *
find_skip(const ArkaValue *skips, const char *file, const ArkaValue *desc, size_t index)
{
	for (size_t i = 0; i < skips->u.arr.n; i++)
	{
		const ArkaValue *s = &skips->u.arr.items[i];
		const ArkaValue *f = member(s, "file");
		const ArkaValue *d = member(s, "description");
		const ArkaValue *ix = member(s, "index");
		int64_t		n;

		if (f == NULL || f->type != ARKA_STR || f->u.str.len != strlen(file) ||
			memcmp(f->u.str.ptr, file, f->u.str.len) != 0)
			continue;
		if (d == NULL && ix == NULL)
			continue;
		if (d && !(desc && arka_value_equal(d, desc)))
			continue;
		if (ix && !(ix->type == ARKA_NUM && arka_dec_to_int64(&ix->u.num, &n) &&
					n >= 0 && (size_t) n == index))
			continue;
		return s;
	}
	return NULL;
}

/*
 * -v: one line per failing community case (listed or not), on stdout, for
 * test/jsonlogic/make_community_skips.mjs.  Three tab-separated fields
 * (JSON text never holds a raw tab):
 *   FAILING  {"repo":..,"file":..,"index":..,"description":..}  <result>
 * where <result> is {"arka":<value>} or {"arka_error":"<message>"}; the
 * value is arka's exact JSON text (NaN and Infinity print as null).
 */
static void
print_failing(const char *repo, const char *file, size_t index,
			  const ArkaValue *desc, const CaseResult *r)
{
	ArkaBuf		b;
	char		num[32];

	arka_buf_init(&b);
	arka_buf_puts(&b, "FAILING\t{\"repo\":");
	arka_json_write_string(&b, repo, strlen(repo));
	arka_buf_puts(&b, ",\"file\":");
	arka_json_write_string(&b, file, strlen(file));
	snprintf(num, sizeof(num), ",\"index\":%zu", index);
	arka_buf_puts(&b, num);
	arka_buf_puts(&b, ",\"description\":");
	if (desc)
		arka_json_write(&b, desc);
	else
		arka_buf_puts(&b, "null");
	if (r->ok)
	{
		arka_buf_puts(&b, "}\t{\"arka\":");
		arka_json_write(&b, &r->value);
	}
	else
	{
		arka_buf_puts(&b, "}\t{\"arka_error\":");
		arka_json_write_string(&b, r->err.message, strlen(r->err.message));
	}
	arka_buf_puts(&b, "}\n");
	if (!b.oom)
		fwrite(b.data, 1, b.len, stdout);
	arka_buf_free(&b);
}

static int	community_passed,
			community_failed,
			community_skipped;
static const char *community_repo;

static void
run_community_file(const char *root, const char *rel, const ArkaValue *skips)
{
	char		path[8200];
	size_t		len;
	char	   *text;
	ArkaArena	arena;
	ArkaValue	suite;
	ArkaJsonError jerr;

	snprintf(path, sizeof(path), "%s/%s", root, rel);
	text = read_file(path, &len);
	arka_arena_init(&arena, 0);
	if (text == NULL || !arka_json_parse(text, len, &arena, &suite, &jerr) ||
		suite.type != ARKA_ARR)
	{
		fprintf(stderr, "FAIL cannot parse %s: %s\n", path, text ? jerr.message : "unreadable");
		community_failed++;
		free(text);
		arka_arena_free(&arena);
		return;
	}
	for (size_t i = 0; i < suite.u.arr.n; i++)
	{
		const ArkaValue *c = &suite.u.arr.items[i];
		const ArkaValue *rule,
				   *data,
				   *expected,
				   *error,
				   *desc;
		ArkaValue	empty_obj = {.type = ARKA_OBJ};
		ArkaArena	scratch;
		CaseResult	r;
		bool		ok;
		const ArkaValue *skip;
		char		label[4800];

		if (c->type == ARKA_ARR && c->u.arr.n == 3)
		{
			rule = &c->u.arr.items[0];
			data = &c->u.arr.items[1];
			expected = &c->u.arr.items[2];
			error = NULL;
			desc = NULL;
		}
		else if (c->type == ARKA_OBJ)
		{
			rule = member(c, "rule");
			data = member(c, "data");
			expected = member(c, "result");
			error = member(c, "error");
			desc = member(c, "description");
			if (data == NULL)
				data = &empty_obj;
		}
		else
			continue;
		if (rule == NULL)
			continue;
		arka_arena_init(&scratch, 0);
		r = run_case(rule, data, &scratch);
		ok = (expected || error) && matches(&r, expected, error);
		skip = find_skip(skips, rel, desc, i);
		snprintf(label, sizeof(label), "%s #%zu: %.*s", rel, i,
				 desc && desc->type == ARKA_STR ? (int) desc->u.str.len : 5,
				 desc && desc->type == ARKA_STR ? desc->u.str.ptr : "(n/a)");
		if (ok && !skip)
			community_passed++;
		else if (!ok && skip)
			community_skipped++;
		else if (ok && skip)
		{
			fprintf(stderr, "STALE SKIP (now passes) %s\n", label);
			community_failed++;
		}
		else
		{
			fail_case("community", label, rule, &r, expected);
			community_failed++;
		}
		if (verbose && !ok)
			print_failing(community_repo, rel, i, desc, &r);
		arka_arena_free(&scratch);
	}
	free(text);
	arka_arena_free(&arena);
}

static int
name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *) a, *(char *const *) b);
}

/* Walk a suites/ folder (sorted, recursive) running every *.json file. */
static void
walk_suites(const char *root, const char *sub, const ArkaValue *skips)
{
	char		path[4096];
	DIR		   *d;
	struct dirent *e;
	char	   *names[512];
	int			n = 0;

	snprintf(path, sizeof(path), "%s%s%s", root, *sub ? "/" : "", sub);
	d = opendir(path);
	if (d == NULL)
		return;
	while ((e = readdir(d)) != NULL && n < 512)
		if (e->d_name[0] != '.')
			names[n++] = strdup(e->d_name);
	closedir(d);
	qsort(names, n, sizeof(char *), name_cmp);
	for (int i = 0; i < n; i++)
	{
		char		rel[4096];
		char		full[8192];
		struct stat st;

		snprintf(rel, sizeof(rel), "%s%s%s", sub, *sub ? "/" : "", names[i]);
		snprintf(full, sizeof(full), "%s/%s", root, rel);
		if (stat(full, &st) == 0 && S_ISDIR(st.st_mode))
			walk_suites(root, rel, skips);
		else if (strstr(names[i], ".json") && strcmp(names[i], "index.json") != 0)
			run_community_file(root, rel, skips);
		free(names[i]);
	}
}

static void
run_community(const char *datadir, const char *skippath)
{
	static const char *const repos[] = {"compat-tables", "json-logic-engine"};
	size_t		len;
	char	   *text = read_file(skippath, &len);
	ArkaArena	arena;
	ArkaValue	skips;
	ArkaJsonError jerr;

	arka_arena_init(&arena, 0);
	if (text == NULL || !arka_json_parse(text, len, &arena, &skips, &jerr) ||
		skips.type != ARKA_ARR)
	{
		fprintf(stderr, "cannot read %s\n", skippath);
		report("community", 0, 1, 0);
		return;
	}
	for (int i = 0; i < 2; i++)
	{
		char		root[4096];
		ArkaValue	repo_skips;
		ArkaValue  *items = malloc(skips.u.arr.n * sizeof(ArkaValue) + 1);
		size_t		k = 0;

		/* skips name their repository; keep those of this one */
		for (size_t j = 0; j < skips.u.arr.n; j++)
		{
			const ArkaValue *r = member(&skips.u.arr.items[j], "repo");

			if (r && r->type == ARKA_STR && r->u.str.len == strlen(repos[i]) &&
				memcmp(r->u.str.ptr, repos[i], r->u.str.len) == 0)
				items[k++] = skips.u.arr.items[j];
		}
		repo_skips.type = ARKA_ARR;
		repo_skips.u.arr.items = items;
		repo_skips.u.arr.n = k;
		community_passed = community_failed = community_skipped = 0;
		community_repo = repos[i];
		snprintf(root, sizeof(root), "%s/community/%s/suites", datadir, repos[i]);
		walk_suites(root, "", &repo_skips);
		{
			char		name[64];

			snprintf(name, sizeof(name), "community/%s", repos[i]);
			report(name, community_passed, community_failed, community_skipped);
		}
		free(items);
	}
	free(text);
	arka_arena_free(&arena);
}

int
main(int argc, char **argv)
{
	char		path[4096];
	char		path2[4096];

	if (argc < 3)
	{
		fprintf(stderr, "usage: %s <jsonlogic data dir> <arka test/jsonlogic dir> [-v]\n", argv[0]);
		return 2;
	}
	verbose = argc > 3 && strcmp(argv[3], "-v") == 0;
	snprintf(path, sizeof(path), "%s/official_tests.json", argv[1]);
	run_official(path);
	snprintf(path, sizeof(path), "%s/semantics_cases.jsonl", argv[1]);
	snprintf(path2, sizeof(path2), "%s/semantics_differences.json", argv[2]);
	run_semantics(path, path2);
	snprintf(path, sizeof(path), "%s/community_skips.json", argv[2]);
	run_community(argv[1], path);
	printf("test_conformance: %d passed, %d failed\n", total_passed, total_failed);
	printf("(%d community cases skipped, each listed with its reason in %s)\n",
		   total_skipped, path);
	return total_failed == 0 ? 0 : 1;
}
