/*-------------------------------------------------------------------------
 *
 * test_rowdoc.c
 *	  Row documents from wal2json messages, the catalog copy and its
 *	  ruleset, and one decision with its proof id.
 *
 *-------------------------------------------------------------------------
 */
#include "arka_canon.h"
#include "arka_sha256.h"
#include "cdc_test.h"
#include "catalog.h"
#include "decide.h"
#include "metrics.h"
#include "rowdoc.h"
#include "wal2json.h"

static void
test_timestamps(void)
{
	char		out[64];

	CHECK(rowdoc_timestamp("2026-11-26 05:44:55.3+00", 24, true, out, sizeof(out)));
	CHECK(strcmp(out, "2026-11-26T05:44:55.300000Z") == 0);
	CHECK(rowdoc_timestamp("2026-11-26 05:44:55+00", 22, true, out, sizeof(out)));
	CHECK(strcmp(out, "2026-11-26T05:44:55Z") == 0);
	CHECK(rowdoc_timestamp("2026-11-26 05:44:55.123456", 26, false, out, sizeof(out)));
	CHECK(strcmp(out, "2026-11-26T05:44:55.123456") == 0);
	CHECK(rowdoc_timestamp("infinity", 8, true, out, sizeof(out)));
	CHECK(strcmp(out, "infinity") == 0);
	/* another time zone is not what the session prints: refused */
	CHECK(!rowdoc_timestamp("2026-11-26 05:44:55-08", 22, true, out, sizeof(out)));
	CHECK(!rowdoc_timestamp("garbage", 7, false, out, sizeof(out)));
	CHECK(rowdoc_timestamp("-infinity", 9, false, out, sizeof(out)));
	CHECK(strcmp(out, "-infinity") == 0);
	/* a point without digits reads as zeros; seven digits are not PostgreSQL's */
	CHECK(rowdoc_timestamp("2026-11-26 05:44:55.+00", 23, true, out, sizeof(out)));
	CHECK(strcmp(out, "2026-11-26T05:44:55.000000Z") == 0);
	CHECK(!rowdoc_timestamp("2026-11-26 05:44:55.1234567+00", 30, true, out, sizeof(out)));
	CHECK(rowdoc_timestamp("1999-12-31 23:59:59.000001+00", 29, true, out, sizeof(out)));
	CHECK(strcmp(out, "1999-12-31T23:59:59.000001Z") == 0);
	/* the offset only with time zone, only +00; nothing after it */
	CHECK(!rowdoc_timestamp("2026-11-26 05:44:55+00", 22, false, out, sizeof(out)));
	CHECK(!rowdoc_timestamp("2026-11-26 05:44:55", 19, true, out, sizeof(out)));
	CHECK(!rowdoc_timestamp("2026-11-26 05:44:55+00 BC", 25, true, out, sizeof(out)));
	CHECK(!rowdoc_timestamp("2026-11-26 05:44:55.5x+00", 25, true, out, sizeof(out)));
	CHECK(!rowdoc_timestamp("2026-11-26T05:44:55+00", 22, true, out, sizeof(out)));
	CHECK(!rowdoc_timestamp("2026-11-26 05:44", 16, false, out, sizeof(out)));
	CHECK(!rowdoc_timestamp("", 0, false, out, sizeof(out)));
	/* the length given is what is read: no NUL needed after it */
	CHECK(rowdoc_timestamp("2026-11-26 05:44:55.25+00trailing", 25, true, out, sizeof(out)));
	CHECK(strcmp(out, "2026-11-26T05:44:55.250000Z") == 0);
	/* truncated to the buffer, always terminated */
	CHECK(rowdoc_timestamp("2026-11-26 05:44:55.3+00", 24, true, out, 11));
	CHECK(strcmp(out, "2026-11-26") == 0);
	out[0] = 'x';
	CHECK(rowdoc_timestamp("2026-11-26 05:44:55.3+00", 24, true, out, 0));
	CHECK(out[0] == 'x');
}

static void
test_helpers(void)
{
	ArkaArena	a;
	ArkaStrList l;
	int32_t		days;
	char	   *s,
			   *t;

	arka_arena_init(&a, 0);
	CHECK(catalog_parse_text_array("{US,\"E U\",NULL,\"a\\\"b\"}", &a, &l));
	CHECK(l.n == 3);
	CHECK(l.n == 3 && strcmp(l.items[1], "E U") == 0 && strcmp(l.items[2], "a\"b") == 0);
	CHECK(catalog_parse_text_array("{}", &a, &l) && l.n == 0);
	CHECK(!catalog_parse_text_array("US", &a, &l));
	CHECK(catalog_parse_date("1970-01-01", &days) && days == 0);
	CHECK(catalog_parse_date("2024-03-01", &days) && days == 19783);
	CHECK(catalog_parse_date("1969-12-31", &days) && days == -1);
	CHECK(catalog_parse_regclass("pay", &s, &t) && strcmp(s, "public") == 0 && strcmp(t, "pay") == 0);
	free(s);
	free(t);
	CHECK(catalog_parse_regclass("\"My\"\"S\".\"T.x\"", &s, &t) && strcmp(s, "My\"S") == 0 &&
		  strcmp(t, "T.x") == 0);
	free(s);
	free(t);
	arka_arena_free(&a);
}

/* Parse a wal2json message (CHECKed). */
static bool
parse(W2jParser *p, const char *text, ArkaArena *arena, W2jMessage *m)
{
	W2jError	err;
	bool		ok = w2j_parse(p, text, strlen(text), arena, m, &err);

	if (!ok)
		fprintf(stderr, "parse: %s\n", err.message);
	CHECK(ok);
	return ok;
}

static void
test_document_and_decision(void)
{
	W2jParser	p;
	ArkaArena	arena;
	W2jMessage	m;
	Catalog		cat;
	Decider		d;
	Decision	dec;
	ArkaValue	doc;
	char		err[256];
	const W2jColumn *cols[16];
	ArkaBuf		canon;
	const CatProtection *prot;
	static const char *const rule =
		"{\"action\":\"I\",\"xid\":1,\"lsn\":\"0/1\",\"schema\":\"arka\",\"table\":\"rules\",\"columns\":["
		"{\"name\":\"rule_id\",\"type\":\"text\",\"typeoid\":25,\"value\":\"t.big\"},"
		"{\"name\":\"version\",\"type\":\"integer\",\"typeoid\":23,\"value\":1},"
		"{\"name\":\"jurisdiction\",\"type\":\"text\",\"typeoid\":25,\"value\":\"US\"},"
		"{\"name\":\"domain\",\"type\":\"text\",\"typeoid\":25,\"value\":\"AML\"},"
		"{\"name\":\"action\",\"type\":\"text\",\"typeoid\":25,\"value\":\"block\"},"
		"{\"name\":\"severity\",\"type\":\"text\",\"typeoid\":25,\"value\":\"high\"},"
		"{\"name\":\"description\",\"type\":\"text\",\"typeoid\":25,\"value\":null},"
		"{\"name\":\"logic\",\"type\":\"jsonb\",\"typeoid\":3802,\"value\":\"{\\\">\\\": [{\\\"var\\\": \\\"amount\\\"}, 1000.005]}\"},"
		"{\"name\":\"enabled\",\"type\":\"boolean\",\"typeoid\":16,\"value\":true},"
		"{\"name\":\"effective_from\",\"type\":\"date\",\"typeoid\":1082,\"value\":null}],"
		"\"pk\":[{\"name\":\"rule_id\",\"type\":\"text\",\"typeoid\":25},{\"name\":\"version\",\"type\":\"integer\",\"typeoid\":23}]}";
	static const char *const prot_msg =
		"{\"action\":\"I\",\"xid\":1,\"lsn\":\"0/2\",\"schema\":\"arka\",\"table\":\"protections\",\"columns\":["
		"{\"name\":\"relid\",\"type\":\"regclass\",\"typeoid\":2205,\"value\":\"pay\"},"
		"{\"name\":\"mode\",\"type\":\"text\",\"typeoid\":25,\"value\":\"block\"},"
		"{\"name\":\"jurisdictions\",\"type\":\"text[]\",\"typeoid\":1009,\"value\":\"{US}\"},"
		"{\"name\":\"domains\",\"type\":\"text[]\",\"typeoid\":1009,\"value\":null},"
		"{\"name\":\"mapping\",\"type\":\"jsonb\",\"typeoid\":3802,\"value\":\"{\\\"payer.name\\\": \\\"name\\\", \\\"cur\\\": {\\\"value\\\": \\\"USD\\\"}}\"}],"
		"\"pk\":[{\"name\":\"relid\",\"type\":\"regclass\",\"typeoid\":2205}]}";
	/* a loaded watchlist and one cleared match (multibyte: counted in characters) */
	static const char *const wl_msg =
		"{\"action\":\"I\",\"xid\":1,\"lsn\":\"0/2\",\"schema\":\"arka\",\"table\":\"watchlists\",\"columns\":["
		"{\"name\":\"list_name\",\"type\":\"text\",\"typeoid\":25,\"value\":\"sdn\"},"
		"{\"name\":\"source_sha256\",\"type\":\"text\",\"typeoid\":25,\"value\":\"aa\"},"
		"{\"name\":\"entries_sha256\",\"type\":\"text\",\"typeoid\":25,\"value\":\"bb\"}],"
		"\"pk\":[{\"name\":\"list_name\",\"type\":\"text\",\"typeoid\":25}]}";
	static const char *const clear_msg =
		"{\"action\":\"I\",\"xid\":1,\"lsn\":\"0/2\",\"schema\":\"arka\",\"table\":\"match_clearances\",\"columns\":["
		"{\"name\":\"list_name\",\"type\":\"text\",\"typeoid\":25,\"value\":\"sdn\"},"
		"{\"name\":\"entry_id\",\"type\":\"text\",\"typeoid\":25,\"value\":\"e1\"},"
		"{\"name\":\"name\",\"type\":\"text\",\"typeoid\":25,\"value\":\"\u03a9mega\"},"
		"{\"name\":\"name_normalized\",\"type\":\"text\",\"typeoid\":25,\"value\":\"\u03c9mega\"}],"
		"\"pk\":[]}";
	static const char *const row =
		"{\"action\":\"I\",\"xid\":2,\"lsn\":\"0/3\",\"schema\":\"public\",\"table\":\"pay\",\"columns\":["
		"{\"name\":\"id\",\"type\":\"bigint\",\"typeoid\":20,\"value\":7},"
		"{\"name\":\"amount\",\"type\":\"numeric(20,3)\",\"typeoid\":1700,\"value\":1000.006},"
		"{\"name\":\"name\",\"type\":\"character(6)\",\"typeoid\":1042,\"value\":\"Ann   \"},"
		"{\"name\":\"at\",\"type\":\"timestamp with time zone\",\"typeoid\":1184,\"value\":\"2026-01-02 03:04:05.5+00\"},"
		"{\"name\":\"f4\",\"type\":\"real\",\"typeoid\":700,\"value\":0.1},"
		"{\"name\":\"j\",\"type\":\"jsonb\",\"typeoid\":3802,\"value\":\"{\\\"n\\\": 1.10}\"},"
		"{\"name\":\"note\",\"type\":\"text\",\"typeoid\":25,\"value\":null}],"
		"\"pk\":[{\"name\":\"id\",\"type\":\"bigint\",\"typeoid\":20}]}";

	w2j_parser_init(&p);
	p.parse_json_columns = false;
	arka_arena_init(&arena, 0);
	catalog_init(&cat);
	decider_init(&d);
	decision_init(&dec);
	arka_buf_init(&canon);

	if (parse(&p, rule, &arena, &m))
		CHECK(catalog_is_catalog_table(m.schema, m.table) && catalog_apply(&cat, &m));
	arka_arena_reset(&arena);
	if (parse(&p, prot_msg, &arena, &m))
		CHECK(catalog_apply(&cat, &m));
	arka_arena_reset(&arena);
	CHECK(cat.nrules == 1 && cat.nprots == 1);
	if (parse(&p, wl_msg, &arena, &m))
		CHECK(catalog_is_catalog_table(m.schema, m.table) && catalog_apply(&cat, &m));
	arka_arena_reset(&arena);
	if (parse(&p, clear_msg, &arena, &m))
		CHECK(catalog_is_catalog_table(m.schema, m.table) && catalog_apply(&cat, &m));
	arka_arena_reset(&arena);
	CHECK(cat.nwatchlists == 1 && cat.nclearances == 1);
	/* the digest arka_cache.c's SQL gives: "aa\nbb\n" || '2:e1' || '5:ωmega' */
	{
		static const char expect_text[] = "aa\nbb\n2:e15:\xcf\x89mega";
		uint8_t		expect[32];
		ArkaRuleset *rs = catalog_ruleset(&cat);
		int			li = rs ? arka_list_find(&rs->lists, "watchlist:sdn", 13) : -1;

		CHECK(arka_sha256(expect_text, strlen(expect_text), expect));
		CHECK(li >= 0 && memcmp(rs->lists.lists[li].digest, expect, 32) == 0);
	}
	prot = catalog_protection(&cat, "public", "pay");
	CHECK(prot != NULL && prot->mode == 'b' && prot->has_jurisdictions && !prot->has_domains);
	CHECK(catalog_ruleset(&cat) != NULL && catalog_ruleset(&cat)->nrules == 1);

	if (prot && parse(&p, row, &arena, &m))
	{
		for (size_t i = 0; i < m.ncolumns; i++)
			cols[i] = &m.columns[i];
		CHECK(rowdoc_build(cols, m.ncolumns, &prot->mapping_value, &arena, &doc, err, sizeof(err)));
		CHECK(arka_canon_value(&canon, &doc));
		/* char(n) stripped, UTC ISO timestamp, real as its shortest text, jsonb nested, mapping set */
		CHECK(strstr(canon.data, "s4:names3:Ann") != NULL);
		CHECK(strstr(canon.data, "s27:2026-01-02T03:04:05.500000Z") != NULL);
		CHECK(strstr(canon.data, "s2:f4d1e-1;") != NULL);
		CHECK(strstr(canon.data, "s1:jo1{s1:nd11e-1;}") != NULL);
		CHECK(strstr(canon.data, "s3:curs3:USD") != NULL);
		CHECK(strstr(canon.data, "s5:payero1{s4:names3:Ann}") != NULL);
		if (!strstr(canon.data, "s2:f4d1e-1;"))
			fprintf(stderr, "canon: %s\n", canon.data);

		CHECK(decider_decide(&d, &cat, prot, 20000, &doc, &dec));
		CHECK(!dec.failed && dec.outcome == ARKA_ACTION_BLOCK);
		CHECK(strlen(dec.proof) == 64);
		CHECK(strstr(dec.violations.data, "\"rule_id\":\"t.big\"") != NULL);
		CHECK(strstr(dec.violations.data, "\"evidence\":{\"amount\":1000.006}") != NULL);
		CHECK(strcmp(dec.rule_versions.data, "{\"t.big\":1}") == 0);
	}

	/* the stored snapshot gives back the same copy, decisions included */
	{
		ArkaBuf		snap,
					again;
		Catalog		back;
		char		serr[256];
		const CatProtection *bp;

		arka_buf_init(&snap);
		arka_buf_init(&again);
		catalog_init(&back);
		CHECK(catalog_serialize(&cat, &snap));
		CHECK(catalog_load_snapshot(&back, snap.data, snap.len, serr, sizeof(serr)));
		CHECK(catalog_serialize(&back, &again));
		CHECK(again.len == snap.len && strcmp(again.data, snap.data) == 0);
		bp = catalog_protection(&back, "public", "pay");
		CHECK(bp != NULL && bp->mode == 'b' && bp->has_jurisdictions && !bp->has_domains &&
			  bp->mapping_value.type == ARKA_OBJ);
		CHECK(catalog_ruleset(&back) != NULL && catalog_ruleset(&back)->nrules == 1);
		CHECK(back.nwatchlists == 1 && back.nclearances == 1);
		{
			ArkaRuleset *a = catalog_ruleset(&cat),
					   *b = catalog_ruleset(&back);
			int			la = arka_list_find(&a->lists, "watchlist:sdn", 13),
						lb = arka_list_find(&b->lists, "watchlist:sdn", 13);

			CHECK(la >= 0 && lb >= 0 &&
				  memcmp(a->lists.lists[la].digest, b->lists.lists[lb].digest, 32) == 0);
		}
		CHECK(back.rules[0].effective_from == cat.rules[0].effective_from &&
			  back.rules[0].enabled && strcmp(back.rules[0].logic, cat.rules[0].logic) == 0);

		/* hostile snapshots: refused, with a reason, leaving an empty copy */
		{
			static const char *const bad[] = {
				"", "[]", "{}", "{\"rules\":[],\"lists\":[],\"items\":[]}",
				"{\"rules\":[1],\"lists\":[],\"items\":[],\"protections\":[]}",
				"{\"rules\":[{\"rule_id\":\"r\"}],\"lists\":[],\"items\":[],\"protections\":[]}",
				"{\"rules\":[{\"rule_id\":\"r\",\"version\":1e99,\"jurisdiction\":\"US\",\"domain\":\"AML\","
				"\"action\":\"block\",\"severity\":\"high\",\"logic\":\"true\",\"effective_from\":null}],"
				"\"lists\":[],\"items\":[],\"protections\":[]}",
				"{\"rules\":[],\"lists\":[7],\"items\":[],\"protections\":[]}",
				"{\"rules\":[],\"lists\":[],\"items\":[[\"a\"]],\"protections\":[]}",
				"{\"rules\":[],\"lists\":[],\"items\":[],\"protections\":[{\"table\":\"t\"}]}",
				"{\"rules\":[],\"lists\":[],\"items\":[],\"protections\":[{\"schema\":1,\"table\":\"t\"}]}",
				"{\"rules\":[],\"lists\":[],\"items\":[],\"protections\":[],\"watchlists\":[[\"a\",\"b\"]],\"clearances\":[]}",
				"{\"rules\":[],\"lists\":[],\"items\":[],\"protections\":[],\"watchlists\":[],\"clearances\":[[\"a\",\"b\",7]]}",
				"{\"rules\":[],\"lists\":[],\"items\":[],\"protections\":[]}",
			};

			for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
			{
				serr[0] = '\0';
				CHECK(!catalog_load_snapshot(&back, bad[i], strlen(bad[i]), serr, sizeof(serr)));
				CHECK(serr[0] != '\0' && back.nrules == 0 && back.nprots == 0);
			}
			/* a truncated snapshot */
			CHECK(!catalog_load_snapshot(&back, snap.data, snap.len / 2, serr, sizeof(serr)));
		}
		catalog_free(&back);
		arka_buf_free(&snap);
		arka_buf_free(&again);
	}

	/*
	 * The selection cache: protections alternate, two with the same
	 * filters share a selection, and filters differing only after 4 kB
	 * (the old fixed-size key's limit) are told apart.
	 */
	if (prot)
	{
		static const char *const tables[] = {"pay_eu", "pay_us", "pay_long_us", "pay_long_xx"};
		const char *filters[4];
		char		longus[5200],
					longxx[5200];
		size_t		n = 0;
		bool		want_block[] = {false, true, true, false};

		longus[n++] = '{';
		for (int i = 0; i < 1500; i++)
		{
			memcpy(longus + n, "AA,", 3);
			n += 3;
		}
		memcpy(longus + n, "US}", 4);
		memcpy(longxx, longus, n + 4);
		memcpy(longxx + n, "XX}", 4);
		filters[0] = "{EU}";
		filters[1] = "{US}";
		filters[2] = longus;
		filters[3] = longxx;
		for (int i = 0; i < 4; i++)
		{
			const char *at = strstr(prot_msg, "\"value\":\"pay\"");
			const char *jur = strstr(prot_msg, "{US}");
			char	   *msg = malloc(strlen(prot_msg) + strlen(filters[i]) + 64);

			sprintf(msg, "%.*s\"value\":\"%s\"%.*s%s%s", (int) (at - prot_msg), prot_msg, tables[i],
					(int) (jur - at - 13), at + 13, filters[i], jur + 4);
			arka_arena_reset(&arena);
			if (parse(&p, msg, &arena, &m))
				CHECK(catalog_apply(&cat, &m));
			free(msg);
		}
		CHECK(cat.nprots == 5);
		arka_arena_reset(&arena);
		if (parse(&p, row, &arena, &m))
		{
			for (size_t i = 0; i < m.ncolumns; i++)
				cols[i] = &m.columns[i];
			CHECK(rowdoc_build(cols, m.ncolumns, &prot->mapping_value, &arena, &doc, err, sizeof(err)));
			for (int round = 0; round < 2; round++)
				for (int i = 0; i < 4; i++)
				{
					const CatProtection *pi = catalog_protection(&cat, "public", tables[i]);

					CHECK(pi != NULL);
					if (pi == NULL)
						continue;
					CHECK(decider_decide(&d, &cat, pi, 20000, &doc, &dec));
					CHECK(!dec.failed);
					CHECK((dec.outcome == ARKA_ACTION_BLOCK) == want_block[i]);
					if (want_block[i])
						CHECK(strcmp(dec.rule_versions.data, "{\"t.big\":1}") == 0);
					/* in round 1, the first protection again between the others */
					if (round == 1)
					{
						CHECK(decider_decide(&d, &cat, prot, 20000, &doc, &dec));
						CHECK(dec.outcome == ARKA_ACTION_BLOCK);
					}
				}
		}

		/* a newer version of the rule: its number in violations and rule_versions */
		arka_arena_reset(&arena);
		{
			const char *v1 = strstr(rule, "\"value\":1}");
			char	   *msg = malloc(strlen(rule) + 32);

			sprintf(msg, "%.*s\"value\":2147483647}%s", (int) (v1 - rule), rule, v1 + 10);
			if (parse(&p, msg, &arena, &m))
				CHECK(catalog_apply(&cat, &m));
			free(msg);
		}
		arka_arena_reset(&arena);
		if (parse(&p, row, &arena, &m))
		{
			prot = catalog_protection(&cat, "public", "pay");
			for (size_t i = 0; i < m.ncolumns; i++)
				cols[i] = &m.columns[i];
			CHECK(rowdoc_build(cols, m.ncolumns, &prot->mapping_value, &arena, &doc, err, sizeof(err)));
			CHECK(decider_decide(&d, &cat, prot, 20000, &doc, &dec));
			CHECK(dec.outcome == ARKA_ACTION_BLOCK);
			CHECK(strstr(dec.violations.data, "\"rule_id\":\"t.big\",\"version\":2147483647,") != NULL);
			CHECK(strcmp(dec.rule_versions.data, "{\"t.big\":2147483647}") == 0);
		}
		arka_arena_reset(&arena);
		/* the rest of the test deletes version 1: remove this one first */
		{
			const char *v1 = strstr(rule, "\"value\":1}");
			const char *cols_at;
			char	   *ins = malloc(strlen(rule) + 32),
					   *del = malloc(strlen(rule) + 48);

			sprintf(ins, "%.*s\"value\":2147483647}%s", (int) (v1 - rule), rule, v1 + 10);
			cols_at = strstr(ins, "\"columns\":");
			sprintf(del, "%.*s\"identity\":%s", (int) (cols_at - ins), ins, cols_at + 10);
			memcpy(strstr(del, "\"action\":\"I\""), "\"action\":\"D\"", 12);
			if (parse(&p, del, &arena, &m))
				CHECK(catalog_apply(&cat, &m));
			free(ins);
			free(del);
		}
		CHECK(cat.nrules == 1);
	}

	/* deleting the rule version empties the ruleset: allow */
	arka_arena_reset(&arena);
	{
		/* a delete carries the old key as "identity" */
		const char *cols_at = strstr(rule, "\"columns\":");
		char	   *del = malloc(strlen(rule) + 2);

		sprintf(del, "%.*s\"identity\":%s", (int) (cols_at - rule), rule, cols_at + 10);
		memcpy(strstr(del, "\"action\":\"I\""), "\"action\":\"D\"", 12);
		if (parse(&p, del, &arena, &m))
			CHECK(catalog_apply(&cat, &m));
		free(del);
	}
	CHECK(cat.nrules == 0);
	CHECK(catalog_ruleset(&cat) != NULL && catalog_ruleset(&cat)->nrules == 0);

	arka_buf_free(&canon);
	decision_free(&dec);
	decider_free(&d);
	catalog_free(&cat);
	arka_arena_free(&arena);
}

static void
test_metrics_render(void)
{
	CdcMetrics	m;
	char		buf[8192];

	memset(&m, 0, sizeof(m));
	m.changes = 42;
	m.server_wal_end = 1000;
	m.confirmed_lsn = 400;
	snprintf(m.last_error, sizeof(m.last_error), "say \"no\"\n");
	CHECK(metrics_render(&m, buf, sizeof(buf)) > 0);
	CHECK(strstr(buf, "\narka_cdc_changes_total 42\n") != NULL);
	CHECK(strstr(buf, "\narka_cdc_lag_bytes 600\n") != NULL);
	CHECK(strstr(buf, "error=\"say \\\"no\\\"\\n\"") != NULL);
}

int
main(void)
{
	test_timestamps();
	test_helpers();
	test_document_and_decision();
	test_metrics_render();
	return arka_test_summary("test_rowdoc");
}
