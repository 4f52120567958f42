/*-------------------------------------------------------------------------
 *
 * test_wal2json.c
 *	  The wal2json v2 parser on real output and on hostile input.
 *
 * data/wal2json_v2.jsonl is real wal2json 2.5 output from PostgreSQL 15
 * (the workload is data/capture.sql).  Every message must parse, with
 * the values the workload wrote; every proper prefix of every message
 * (a truncated message) must fail with a message; so must a catalogue of
 * malformed messages.
 *
 *-------------------------------------------------------------------------
 */
#include <stdint.h>

#include "arka_decimal.h"
#include "cdc_test.h"
#include "wal2json.h"

static W2jParser parser;
static ArkaArena arena;

/* Parse text; on failure print why when `expect_ok`. */
static bool
parse(const char *text, size_t len, W2jMessage *m, W2jError *err, bool expect_ok)
{
	bool		ok;

	arka_arena_reset(&arena);
	ok = w2j_parse(&parser, text, len, &arena, m, err);
	if (!ok && expect_ok)
		fprintf(stderr, "unexpected parse failure: %s\n  in: %.200s\n", err->message, text);
	return ok;
}

static bool
parse_str(const char *text, W2jMessage *m, W2jError *err)
{
	return parse(text, strlen(text), m, err, false);
}

/* Canonical text of a number value ("" unless a number). */
static const char *
canon(const ArkaValue *v)
{
	static char buf[ARKA_DEC_STRLEN];

	if (v == NULL || v->type != ARKA_NUM)
		return "";
	arka_dec_to_canonical(&v->u.num, buf);
	return buf;
}

static const ArkaValue *
col(const W2jMessage *m, const char *name)
{
	return w2j_row_get(m, name, strlen(name));
}

static bool
is_str(const ArkaValue *v, const char *s)
{
	return v && v->type == ARKA_STR && v->u.str.len == strlen(s) &&
		memcmp(v->u.str.ptr, s, v->u.str.len) == 0;
}

static const ArkaValue *
obj_get(const ArkaValue *o, const char *key)
{
	if (o == NULL || o->type != ARKA_OBJ)
		return NULL;
	for (size_t i = 0; i < o->u.obj.n; i++)
		if (o->u.obj.members[i].keylen == strlen(key) &&
			memcmp(o->u.obj.members[i].key, key, strlen(key)) == 0)
			return &o->u.obj.members[i].val;
	return NULL;
}

/* The id of a change's row as canonical text. */
static const char *
row_id(const W2jMessage *m)
{
	return canon(col(m, "id"));
}

/* ------------------------------------------------------------------ */

static void
check_payments_row(const W2jMessage *m)
{
	const char *id = row_id(m);

	if (strcmp(id, "1e0") == 0 && m->action == W2J_INSERT)
	{
		const ArkaValue *meta;

		CHECK_STR(canon(col(m, "amount")), "1000001e-2");	/* 10000.01 */
		CHECK_STR(canon(col(m, "fee")), "1234567890123456789123456789e-9");
		CHECK_STR(canon(col(m, "rate")), "1e-7");	/* float8 1e-7 prints 1e-07 */
		CHECK_STR(canon(col(m, "ratio")), "1e-1");	/* real 0.1 */
		CHECK_STR(canon(col(m, "small")), "-5e0");
		CHECK_STR(canon(col(m, "qty")), "42e0");
		CHECK(col(m, "ok") && col(m, "ok")->type == ARKA_BOOL && col(m, "ok")->u.b);
		CHECK(is_str(col(m, "payer_name"), "Ann \"the\" O'Brien"));
		CHECK(is_str(col(m, "raw"), "00ff41"));
		CHECK(is_str(col(m, "tags"), "{a,\"b c\"}"));
		CHECK(is_str(col(m, "occurred_at"), "2024-03-01 12:34:56.789+00"));
		CHECK(is_str(col(m, "d"), "2024-03-01"));
		CHECK(is_str(col(m, "Weird \"Col\""), "w"));
		/* jsonb becomes a nested value, its numbers exact too */
		meta = col(m, "meta");
		CHECK(meta && meta->type == ARKA_OBJ);
		CHECK_STR(canon(obj_get(meta, "amount")), "1234567890123456789123456789e-9");
		CHECK(obj_get(meta, "k") && obj_get(meta, "k")->type == ARKA_ARR &&
			  obj_get(meta, "k")->u.arr.n == 3);
		CHECK_STR(canon(&obj_get(meta, "k")->u.arr.items[1]), "25e-1");
		/* the literal text is kept beside the value */
		CHECK(m->columns[1].text && strcmp(m->columns[1].text, "10000.01") == 0);
		CHECK(m->columns[1].typeoid == W2J_NUMERICOID);
		CHECK(strcmp(m->columns[1].type, "numeric(20,2)") == 0);
		CHECK(m->has_pk && m->npk == 1 && strcmp(m->pk[0].name, "id") == 0);
		CHECK_STR(canon(obj_get(&m->row_key, "id")), "1e0");
	}
	else if (strcmp(id, "2e0") == 0 && m->action == W2J_INSERT)
	{
		const ArkaValue *rate = col(m, "rate");
		const ArkaValue *note = col(m, "note");

		CHECK_STR(canon(col(m, "amount")), "0e0");	/* -0.00 is 0.00 in numeric */
		CHECK_STR(canon(col(m, "fee")), "0e0");
		/* float8 '-0' prints "-0": a negative zero, equal to 0 */
		CHECK(rate && rate->type == ARKA_NUM && arka_dec_is_zero(&rate->u.num) &&
			  rate->u.num.negzero);
		CHECK(note && note->type == ARKA_STR && note->u.str.len == 2700);
		CHECK(col(m, "ratio") && col(m, "ratio")->type == ARKA_NULL);
	}
	else if (strcmp(id, "3e0") == 0 && m->action == W2J_INSERT)
	{
		/* wal2json 2.5 prints NaN and infinities as null */
		CHECK(col(m, "amount")->type == ARKA_NULL);
		CHECK(col(m, "fee")->type == ARKA_NULL);
		CHECK(col(m, "rate")->type == ARKA_NULL);
		CHECK(col(m, "ratio")->type == ARKA_NULL);
		CHECK(is_str(col(m, "payer_name"), "tab\there\nnewline \xc3\xa9 \xf0\x9f\x98\x80 \\ back"));
	}
	else if (strcmp(id, "4e0") == 0 && m->action == W2J_INSERT)
	{
		CHECK_STR(canon(col(m, "fee")), "1e30");	/* beyond int64: jansson would fail */
		CHECK_STR(canon(col(m, "rate")), "17976931348623157e292");
		CHECK_STR(canon(col(m, "small")), "-32768e0");
		CHECK_STR(canon(col(m, "qty")), "2147483647e0");
	}
	else if (strcmp(id, "5e0") == 0 && m->action == W2J_INSERT)
	{
		CHECK_STR(canon(col(m, "fee")), "999e398");	/* 401 digits */
		CHECK_STR(canon(col(m, "rate")), "5e-324");
	}
	else if (strcmp(id, "9223372036854775807e0") == 0)
	{
		CHECK_STR(canon(col(m, "amount")), "-9999999999999999999e-2");
		CHECK_STR(canon(col(m, "fee")), "1e-7");
	}
	else if (strcmp(id, "-9223372036854775808e0") == 0)
	{
		CHECK_STR(canon(col(m, "fee")), "-1e-30");
	}
}

static void
test_capture(void)
{
	char		path[1024];
	size_t		len;
	char	   *data;
	char	   *line;
	int			counts[128] = {0};
	int			lines = 0;
	bool		saw_toast_missing = false,
				saw_toast_full = false,
				saw_tx_msg = false,
				saw_nontx_msg = false,
				saw_nopk = false,
				saw_hb = false,
				saw_pk_change = false,
				saw_domain = false;
	uint32_t	open_xid = 0;
	CdcLsn		begin_lsn = 0,
				begin_next = 0;
	int64_t		last_commit_time = 0;
	static const char *const payment_cols[] = {
		"id", "amount", "fee", "rate", "ratio", "small", "qty", "ok", "payer_name",
		"note", "raw", "tags", "meta", "occurred_at", "d", "Weird \"Col\""
	};

	snprintf(path, sizeof(path), "%s/wal2json_v2.jsonl", CDC_TEST_DATA);
	data = cdc_test_read_file(path, &len);
	CHECK(data != NULL);
	if (data == NULL)
	{
		fprintf(stderr, "cannot read %s\n", path);
		return;
	}

	for (line = data; *line;)
	{
		char	   *nl = strchr(line, '\n');
		size_t		n = nl ? (size_t) (nl - line) : strlen(line);
		W2jMessage	m;
		W2jError	err;

		lines++;
		if (!parse(line, n, &m, &err, true))
		{
			CHECK(false);
			goto next;
		}
		CHECK(m.has_lsn);
		counts[(int) m.action]++;

		switch (m.action)
		{
			case W2J_BEGIN:
				CHECK(m.has_xid && m.has_nextlsn && m.has_commit_time);
				CHECK(m.nextlsn > m.lsn);
				CHECK(open_xid == 0);
				open_xid = m.xid;
				begin_lsn = m.lsn;
				begin_next = m.nextlsn;
				CHECK(m.commit_time >= last_commit_time);
				last_commit_time = m.commit_time;
				break;
			case W2J_COMMIT:
				/* B and C carry the same commit LSN, end and time */
				CHECK(m.has_xid && m.xid == open_xid);
				CHECK(m.lsn == begin_lsn && m.nextlsn == begin_next);
				CHECK(m.has_commit_time && m.commit_time == last_commit_time);
				open_xid = 0;
				break;
			case W2J_INSERT:
			case W2J_UPDATE:
			case W2J_DELETE:
				CHECK(m.has_xid && m.xid == open_xid);
				CHECK(m.lsn < begin_next);
				CHECK(m.schema && strcmp(m.schema, "public") == 0);
				if (strcmp(m.table, "payments") == 0)
				{
					check_payments_row(&m);
					CHECK(m.row_key.type == ARKA_OBJ);
				}
				else if (strcmp(m.table, "dom") == 0)
				{
					/*
					 * A domain over numeric arrives as a JSON string; with
					 * include-domain-data-type its base type says number.
					 */
					CHECK(strcmp(m.columns[1].type, "numeric(12,2)") == 0);
					CHECK(m.columns[1].typeoid > 16384);
					CHECK_STR(canon(col(&m, "amt")), "123e-1");
					CHECK(strcmp(m.columns[1].text, "12.30") == 0);
					CHECK(is_str(col(&m, "amts"), "{1.5,2}"));
					saw_domain = true;
				}
				else if (strcmp(m.table, "nopk") == 0)
				{
					/* no primary key: "pk" is empty, so no row key */
					CHECK(m.has_pk && m.npk == 0 && m.row_key.type == ARKA_NULL);
					saw_nopk = true;
				}
				if (m.action == W2J_UPDATE && strcmp(m.table, "payments") == 0)
				{
					bool		missing[16];
					size_t		k = w2j_missing_columns(&m, payment_cols, 16, missing);

					if (strcmp(row_id(&m), "2e0") == 0 && m.nidentity == 1)
					{
						/* the TOASTed note was left out: unknown, not null */
						CHECK(col(&m, "note") == NULL);
						CHECK(k == 1 && missing[9]);
						CHECK(m.nunchanged == 0);
						CHECK_STR(canon(col(&m, "amount")), "205e-1");	/* 20.50 */
						saw_toast_missing = true;
					}
					else if (strcmp(row_id(&m), "2e0") == 0)
					{
						/* REPLICA IDENTITY FULL: the old row supplies it */
						CHECK(m.nidentity == 16);
						CHECK(m.nunchanged == 1 && strcmp(m.unchanged[0].name, "note") == 0);
						CHECK(col(&m, "note") && col(&m, "note")->u.str.len == 2700);
						CHECK(k == 0);
						CHECK_STR(canon(col(&m, "amount")), "3e1");	/* 30.00 */
						saw_toast_full = true;
					}
					else if (strcmp(row_id(&m), "2e1") == 0)
					{
						/* the key changed: identity has the old key */
						CHECK(m.nidentity == 1);
						CHECK_STR(canon(&m.identity[0].value), "1e0");
						CHECK_STR(canon(obj_get(&m.row_key, "id")), "2e1");
						saw_pk_change = true;
					}
				}
				if (m.action == W2J_DELETE)
				{
					CHECK(!m.has_columns && m.has_identity);
					CHECK_STR(canon(col(&m, "id")), "3e0");
					CHECK_STR(canon(obj_get(&m.row_key, "id")), "3e0");
				}
				break;
			case W2J_MESSAGE:
				CHECK(m.prefix && strcmp(m.prefix, "arka") == 0);
				if (m.transactional)
				{
					CHECK(m.has_xid && m.xid == open_xid && m.timestamp != NULL);
					if (strcmp(m.content, "hb") == 0)
						saw_hb = true;
					else
					{
						ArkaValue	v;

						CHECK(w2j_message_content_json(&m, &arena, &v, &err));
						CHECK_STR(canon(obj_get(&v, "amount")), "123e-1");	/* 12.30 */
						CHECK(is_str(obj_get(&v, "outcome"), "block"));
						saw_tx_msg = true;
					}
				}
				else
				{
					ArkaValue	v;

					/* outside any transaction, xid and timestamp null */
					CHECK(open_xid == 0);
					CHECK(!m.has_xid && m.timestamp == NULL && !m.has_commit_time);
					CHECK(w2j_message_content_json(&m, &arena, &v, &err));
					CHECK(is_str(obj_get(&v, "note"), "quote \" and \\ backslash"));
					CHECK_STR(canon(obj_get(&v, "amount")), "1000001e-2");
					saw_nontx_msg = true;
				}
				break;
			case W2J_TRUNCATE:
				CHECK(m.table && strcmp(m.table, "nopk") == 0);
				CHECK(m.row.type == ARKA_NULL);
				break;
		}
next:
		if (nl == NULL)
			break;
		line = nl + 1;
	}
	CHECK(lines >= 60);
	CHECK(counts['B'] == counts['C'] && counts['B'] >= 20);
	CHECK(counts['I'] == 12);
	CHECK(counts['U'] == 3);
	CHECK(counts['D'] == 1);
	CHECK(counts['T'] == 1);
	CHECK(counts['M'] == 3);	/* the "other" prefix is filtered */
	CHECK(saw_toast_missing);
	CHECK(saw_toast_full);
	CHECK(saw_pk_change);
	CHECK(saw_tx_msg);
	CHECK(saw_nontx_msg);
	CHECK(saw_nopk);
	CHECK(saw_hb);
	CHECK(saw_domain);
	free(data);
}

/* Every proper prefix of every captured message is an error. */
static void
test_truncations(void)
{
	char		path[1024];
	char	   *data;
	char	   *line;
	int			failures_ok = 0,
				wrongly_ok = 0;

	snprintf(path, sizeof(path), "%s/wal2json_v2.jsonl", CDC_TEST_DATA);
	data = cdc_test_read_file(path, NULL);
	if (data == NULL)
		return;
	for (line = data; *line;)
	{
		char	   *nl = strchr(line, '\n');
		size_t		n = nl ? (size_t) (nl - line) : strlen(line);
		for (size_t k = 0; k < n; k++)
		{
			W2jMessage	m;
			W2jError	err;
			char	   *copy = malloc(k ? k : 1);

			/* an exact-size copy, so reading past the end is caught by ASan */
			memcpy(copy, line, k);
			if (parse(copy, k, &m, &err, false))
				wrongly_ok++;
			else if (err.message[0] != '\0')
				failures_ok++;
			free(copy);
		}
		if (nl == NULL)
			break;
		line = nl + 1;
	}
	CHECK(wrongly_ok == 0);
	CHECK(failures_ok > 10000);
	free(data);
}

typedef struct BadCase
{
	const char *text;
	const char *expect;			/* substring of the error message */
} BadCase;

static void
test_malformed(void)
{
	static const BadCase cases[] = {
		{"", "empty"},
		{"   ", "invalid JSON"},
		{"[]", "must be a JSON object"},
		{"1", "must be a JSON object"},
		{"null", "must be a JSON object"},
		{"\"B\"", "must be a JSON object"},
		{"{}", "action"},
		{"{\"action\":\"X\"}", "unknown action"},
		{"{\"action\":1}", "action"},
		{"{\"action\":\"BB\"}", "action"},
		{"{\"action\":null}", "action"},
		{"{\"action\":\"B\",\"action\":\"C\"}", "duplicate"},
		{"{\"action\":\"B\"} x", "invalid JSON"},
		{"{\"action\":\"B\"}{}", "invalid JSON"},
		{"{\"action\":\"B\",\"xid\":\"7\"}", "xid"},
		{"{\"action\":\"B\",\"xid\":-1}", "xid"},
		{"{\"action\":\"B\",\"xid\":1.5}", "xid"},
		{"{\"action\":\"B\",\"xid\":1e3}", "xid"},
		{"{\"action\":\"B\",\"xid\":4294967296}", "beyond 32 bits"},
		{"{\"action\":\"B\",\"xid\":99999999999999999999999999}", "beyond 32 bits"},
		{"{\"action\":\"B\",\"xid\":true}", "xid"},
		{"{\"action\":\"B\",\"lsn\":\"zz\"}", "lsn"},
		{"{\"action\":\"B\",\"lsn\":5}", "lsn"},
		{"{\"action\":\"B\",\"lsn\":\"0/\"}", "lsn"},
		{"{\"action\":\"B\",\"lsn\":\"/0\"}", "lsn"},
		{"{\"action\":\"B\",\"lsn\":\"123456789/0\"}", "lsn"},
		{"{\"action\":\"B\",\"lsn\":\"0/1 \"}", "lsn"},
		{"{\"action\":\"C\",\"nextlsn\":[]}", "nextlsn"},
		{"{\"action\":\"B\",\"timestamp\":5}", "timestamp"},
		{"{\"action\":\"I\",\"columns\":[]}", "table"},
		{"{\"action\":\"I\",\"table\":\"t\"}", "columns"},
		{"{\"action\":\"I\",\"table\":7,\"columns\":[]}", "table"},
		{"{\"action\":\"I\",\"schema\":[],\"table\":\"t\",\"columns\":[]}", "schema"},
		{"{\"action\":\"I\",\"table\":\"t\",\"columns\":{}}", "must be an array"},
		{"{\"action\":\"I\",\"table\":\"t\",\"columns\":[1]}", "must be an object"},
		{"{\"action\":\"I\",\"table\":\"t\",\"columns\":[{\"value\":1}]}", "no \"name\""},
		{"{\"action\":\"I\",\"table\":\"t\",\"columns\":[{\"name\":1,\"value\":1}]}", "name"},
		{"{\"action\":\"I\",\"table\":\"t\",\"columns\":[{\"name\":\"a\"}]}", "no \"value\""},
		{"{\"action\":\"I\",\"table\":\"t\",\"columns\":[{\"name\":\"a\",\"value\":[1]}]}", "must be a string, number"},
		{"{\"action\":\"I\",\"table\":\"t\",\"columns\":[{\"name\":\"a\",\"value\":{}}]}", "must be a string, number"},
		{"{\"action\":\"I\",\"table\":\"t\",\"columns\":[{\"name\":\"a\",\"type\":5,\"value\":1}]}", "type"},
		{"{\"action\":\"I\",\"table\":\"t\",\"columns\":[{\"name\":\"a\",\"typeoid\":\"x\",\"value\":1}]}", "typeoid"},
		{"{\"action\":\"I\",\"table\":\"t\",\"columns\":[{\"name\":\"a\",\"value\":1},{\"name\":\"a\",\"value\":2}]}", "duplicate column"},
		{"{\"action\":\"I\",\"table\":\"t\",\"columns\":[{\"name\":\"a\",\"value\":1,\"value\":2}]}", "duplicate"},
		{"{\"action\":\"I\",\"table\":\"t\",\"columns\":[{\"name\":\"a\",\"value\":1e99999}]}", "beyond the decimal range"},
		{"{\"action\":\"I\",\"table\":\"t\",\"columns\":[{\"name\":\"a\",\"value\":-1e99999}]}", "beyond the decimal range"},
		{"{\"action\":\"I\",\"table\":\"t\",\"columns\":[{\"name\":\"a\",\"type\":\"numeric\",\"value\":\"abc\"}]}", "not a number"},
		{"{\"action\":\"I\",\"table\":\"t\",\"columns\":[{\"name\":\"a\",\"typeoid\":1700,\"value\":\"1.2.3\"}]}", "not a number"},
		{"{\"action\":\"I\",\"table\":\"t\",\"columns\":[{\"name\":\"a\",\"typeoid\":3802,\"value\":\"{\\\"x\\\":}\"}]}", "invalid JSON value"},
		{"{\"action\":\"I\",\"table\":\"t\",\"columns\":[{\"name\":\"a\",\"typeoid\":3802,\"value\":\"{\\\"x\\\":1e99999}\"}]}", "invalid JSON value"},
		{"{\"action\":\"U\",\"table\":\"t\",\"columns\":[],\"identity\":[{\"name\":\"a\",\"value\":1},{\"name\":\"a\",\"value\":1}]}", "duplicate column"},
		{"{\"action\":\"U\",\"table\":\"t\",\"columns\":[],\"pk\":[{\"name\":\"a\"},{\"name\":\"a\"}],\"identity\":[{\"name\":\"a\",\"value\":1}]}", "duplicate column"},
		{"{\"action\":\"D\",\"table\":\"t\"}", "identity"},
		{"{\"action\":\"D\",\"table\":\"t\",\"identity\":\"x\"}", "must be an array"},
		{"{\"action\":\"M\",\"prefix\":\"arka\",\"content\":\"x\"}", "transactional"},
		{"{\"action\":\"M\",\"transactional\":\"yes\",\"prefix\":\"arka\",\"content\":\"x\"}", "transactional"},
		{"{\"action\":\"M\",\"transactional\":true,\"content\":\"x\"}", "prefix"},
		{"{\"action\":\"M\",\"transactional\":true,\"prefix\":\"arka\"}", "content"},
		{"{\"action\":\"M\",\"transactional\":true,\"prefix\":\"arka\",\"content\":null}", "content"},
		{"{\"action\":\"T\"}", "table"},
		/* numbers that are not JSON numbers */
		{"{\"action\":\"B\",\"xid\":01}", "invalid number"},
		{"{\"action\":\"B\",\"xid\":1.}", "invalid number"},
		{"{\"action\":\"B\",\"xid\":.5}", "invalid JSON"},
		{"{\"action\":\"B\",\"xid\":-}", "invalid number"},
		{"{\"action\":\"B\",\"xid\":1e}", "invalid number"},
		{"{\"action\":\"B\",\"xid\":+1}", "invalid JSON"},
		{"{\"action\":\"B\",\"xid\":1-2}", "invalid JSON"},
		{"{\"action\":\"B\",\"xid\":NaN}", "invalid JSON"},
		{"{\"action\":\"B\",\"xid\":Infinity}", "invalid JSON"},
		{"{\"action\":\"B\",\"x\":tru1e5}", "invalid JSON"},
		/* strings */
		{"{\"action\":\"B\",\"x\":\"\\u0000\"}", "invalid JSON"},
		{"{\"action\":\"B\",\"x\":\"\xff\xfe\"}", "invalid JSON"},
		{"{\"action\":\"B\",\"x\":\"\\ud800\"}", "invalid JSON"},
		{"{\"action\":\"B\",\"x\":\"a\nb\"}", "invalid JSON"},
		{"{\"action\":\"B\",\"x\":\"\\q\"}", "invalid JSON"},
		{"{\"action\":\"B\",\"x\":\"abc}", "invalid JSON"},
		{"{\"action\":\"B\",\"x\":\"abc\\", "invalid JSON"},
		{"{\"action\":'B'}", "invalid JSON"},
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
	{
		W2jMessage	m;
		W2jError	err;
		bool		ok = parse_str(cases[i].text, &m, &err);

		CHECK(!ok);
		if (!ok && strstr(err.message, cases[i].expect) == NULL)
		{
			arka_test_failed++;
			fprintf(stderr, "case %zu: error \"%s\" lacks \"%s\"\n", i, err.message, cases[i].expect);
		}
		else if (ok)
			fprintf(stderr, "case %zu parsed: %s\n", i, cases[i].text);
	}

	/* an embedded NUL byte (outside a string) is an error too */
	{
		static const char nul[] = "{\"action\":\"B\"\0}";
		W2jMessage	m;
		W2jError	err;

		CHECK(!parse(nul, sizeof(nul) - 1, &m, &err, false));
	}
}

/* Error offsets point into the original message, not the rewritten one. */
static void
test_error_offsets(void)
{
	W2jMessage	m;
	W2jError	err;
	const char *t1 = "{\"action\":\"B\",\"xid\":123456789,\"a\":1,\"b\":2,\"c\":3x}";
	const char *t2 = "{\"action\":\"B\",\"xid\":01}";

	CHECK(!parse_str(t1, &m, &err));
	/* the 'x' is at byte 48 */
	CHECK(err.offset >= 47 && err.offset <= 50);
	CHECK(!parse_str(t2, &m, &err));
	CHECK(err.offset == 20);
}

/* Strings full of digits, escapes and quotes keep their text. */
static void
test_number_like_strings(void)
{
	W2jMessage	m;
	W2jError	err;
	const char *t = "{\"action\":\"M\",\"transactional\":false,\"prefix\":\"a\\\"1\","
		"\"content\":\"x 12 \\\\\\\" 3.5e7 -0 \\\\\",\"xid\":null,\"lsn\":\"0/5\",\"n\":[1,-2.5e-3,{\"z\":0}]}";

	CHECK(parse(t, strlen(t), &m, &err, true));
	CHECK(m.action == W2J_MESSAGE && !m.transactional && !m.has_xid);
	CHECK(m.prefix && strcmp(m.prefix, "a\"1") == 0);
	CHECK(m.content && strcmp(m.content, "x 12 \\\" 3.5e7 -0 \\") == 0);
	CHECK(m.has_lsn && m.lsn == 5);
}

static void
test_values(void)
{
	W2jMessage	m;
	W2jError	err;
	const char *t;

	/* a domain over numeric arrives as a string; its base type tells */
	t = "{\"action\":\"I\",\"table\":\"dom\",\"columns\":["
		"{\"name\":\"id\",\"type\":\"integer\",\"typeoid\":23,\"value\":1},"
		"{\"name\":\"amt\",\"type\":\"numeric(12,2)\",\"typeoid\":16424,\"value\":\"12.30\"},"
		"{\"name\":\"amts\",\"type\":\"numeric[]\",\"typeoid\":1231,\"value\":\"{1.5,2}\"},"
		"{\"name\":\"n\",\"type\":\"numeric\",\"value\":\"NaN\"},"
		"{\"name\":\"pinf\",\"typeoid\":701,\"value\":\"Infinity\"},"
		"{\"name\":\"ninf\",\"typeoid\":701,\"value\":\"-Infinity\"},"
		"{\"name\":\"j\",\"type\":\"json\",\"value\":\"[1, 0.1]\"},"
		"{\"name\":\"t\",\"type\":\"text\",\"value\":\"12.30\"}]}";
	CHECK(parse(t, strlen(t), &m, &err, true));
	CHECK_STR(canon(col(&m, "amt")), "123e-1");
	CHECK(strcmp(m.columns[1].text, "12.30") == 0);
	CHECK(is_str(col(&m, "amts"), "{1.5,2}"));
	CHECK(col(&m, "n")->type == ARKA_NUM && arka_dec_is_nan(&col(&m, "n")->u.num));
	CHECK(col(&m, "pinf")->u.num.kind == ARKA_DEC_PINF);
	CHECK(col(&m, "ninf")->u.num.kind == ARKA_DEC_NINF);
	CHECK(col(&m, "j")->type == ARKA_ARR);
	CHECK_STR(canon(&col(&m, "j")->u.arr.items[1]), "1e-1");
	CHECK(is_str(col(&m, "t"), "12.30"));
	CHECK(m.row_key.type == ARKA_NULL && !m.has_pk);

	/* json columns stay strings when asked */
	parser.parse_json_columns = false;
	CHECK(parse(t, strlen(t), &m, &err, true));
	CHECK(is_str(col(&m, "j"), "[1, 0.1]"));
	parser.parse_json_columns = true;

	/* unknown fields are ignored (forward compatibility) */
	t = "{\"action\":\"C\",\"xid\":9,\"origin\":3,\"lsn\":\"A/B\",\"nextlsn\":\"a/c\","
		"\"timestamp\":\"2024-03-01 12:34:56.789+00\",\"future\":[[[{}]]]}";
	CHECK(parse(t, strlen(t), &m, &err, true));
	CHECK(m.xid == 9 && m.lsn == ((CdcLsn) 0xA << 32 | 0xB) && m.nextlsn == ((CdcLsn) 0xA << 32 | 0xC));
	CHECK(m.has_commit_time && m.commit_time == INT64_C(762611696789000));

	/* a composite key, values from the new tuple */
	t = "{\"action\":\"I\",\"table\":\"k\",\"columns\":[{\"name\":\"b\",\"value\":\"x\"},"
		"{\"name\":\"a\",\"value\":2},{\"name\":\"c\",\"value\":null}],"
		"\"pk\":[{\"name\":\"a\",\"type\":\"integer\"},{\"name\":\"b\",\"type\":\"text\"}]}";
	CHECK(parse(t, strlen(t), &m, &err, true));
	CHECK(m.row_key.type == ARKA_OBJ && m.row_key.u.obj.n == 2);
	CHECK_STR(canon(obj_get(&m.row_key, "a")), "2e0");
	CHECK(is_str(obj_get(&m.row_key, "b"), "x"));
	CHECK(col(&m, "c") && col(&m, "c")->type == ARKA_NULL);
	{
		static const char *const cols[] = {"a", "b", "c", "d"};
		bool		missing[4];

		CHECK(w2j_missing_columns(&m, cols, 4, missing) == 1 && missing[3] && !missing[2]);
	}

	/* a key the identity does not carry: no row key rather than a wrong one */
	t = "{\"action\":\"D\",\"table\":\"k\",\"identity\":[{\"name\":\"ref\",\"value\":7}],"
		"\"pk\":[{\"name\":\"id\"}]}";
	CHECK(parse(t, strlen(t), &m, &err, true));
	CHECK(m.row_key.type == ARKA_NULL);

	/* messages other than M have no content */
	CHECK(!w2j_message_content_json(&m, &arena, &m.row, &err));

	/* invalid JSON content is reported, not crashed on */
	t = "{\"action\":\"M\",\"transactional\":true,\"prefix\":\"arka\",\"content\":\"{\\\"a\\\":\"}";
	CHECK(parse(t, strlen(t), &m, &err, true));
	{
		ArkaValue	v;

		CHECK(!w2j_message_content_json(&m, &arena, &v, &err));
		CHECK(strstr(err.message, "not valid JSON") != NULL);
	}
	CHECK(strcmp(w2j_action_name(W2J_TRUNCATE), "truncate") == 0);
}

static void
test_timestamps(void)
{
	int64_t		t;

	CHECK(w2j_parse_timestamp("2000-01-01 00:00:00+00", 22, &t) && t == 0);
	CHECK(w2j_parse_timestamp("2000-01-01 00:00:00.000001+00", 29, &t) && t == 1);
	CHECK(w2j_parse_timestamp("2000-01-01 05:30:00+05:30", 25, &t) && t == 0);
	CHECK(w2j_parse_timestamp("1999-12-31 16:00:00-08", 22, &t) && t == 0);
	CHECK(w2j_parse_timestamp("1999-12-31 23:59:59.5+00", 24, &t) && t == -500000);
	CHECK(w2j_parse_timestamp("2024-02-29 00:00:00+00", 22, &t));
	CHECK(w2j_parse_timestamp("2026-11-26 05:44:55.32591+00", 28, &t) &&
		  t % 1000000 == 325910);
	CHECK(w2j_parse_timestamp("1900-01-01 00:00:00+00:19:32", 28, &t));
	CHECK(w2j_parse_timestamp("10000-01-01 00:00:00+00", 23, &t));
	CHECK(!w2j_parse_timestamp("2023-02-29 00:00:00+00", 22, &t));
	CHECK(!w2j_parse_timestamp("2024-13-01 00:00:00+00", 22, &t));
	CHECK(!w2j_parse_timestamp("2024-01-01 24:00:00+00", 22, &t));
	CHECK(!w2j_parse_timestamp("2024-01-01 00:00:00", 19, &t));
	CHECK(!w2j_parse_timestamp("2024-01-01T00:00:00+00", 22, &t));
	CHECK(!w2j_parse_timestamp("2024-01-01 00:00:00.+00", 23, &t));
	CHECK(!w2j_parse_timestamp("2024-01-01 00:00:00.1234567+00", 30, &t));
	CHECK(!w2j_parse_timestamp("0044-03-15 12:00:00+00 BC", 25, &t));
	CHECK(!w2j_parse_timestamp("infinity", 8, &t));
	CHECK(!w2j_parse_timestamp("", 0, &t));
}

/* Size and depth: clear errors or correct results, never a crash. */
static void
test_hostile_sizes(void)
{
	W2jMessage	m;
	W2jError	err;
	size_t		depth = 200000;
	size_t		big = 16 * 1024 * 1024;
	char	   *t = malloc(depth * 2 + 64);
	char	   *s;
	size_t		n = 0;
	ArkaArena	small;

	/* nesting far beyond jansson's 2048 levels */
	n = (size_t) sprintf(t, "{\"action\":\"B\",\"x\":");
	memset(t + n, '[', depth);
	n += depth;
	memset(t + n, ']', depth);
	n += depth;
	t[n++] = '}';
	CHECK(!parse(t, n, &m, &err, false));
	CHECK(strstr(err.message, "invalid JSON") != NULL);
	free(t);

	/* nesting inside a jsonb column's text: the core parser's limit */
	t = malloc(depth * 2 + 256);
	n = (size_t) sprintf(t, "{\"action\":\"I\",\"table\":\"t\",\"columns\":[{\"name\":\"j\","
						 "\"typeoid\":3802,\"value\":\"");
	memset(t + n, '[', 5000);
	n += 5000;
	memset(t + n, ']', 5000);
	n += 5000;
	n += (size_t) sprintf(t + n, "\"}]}");
	CHECK(!parse(t, n, &m, &err, false));
	CHECK(strstr(err.message, "invalid JSON value") != NULL);
	free(t);

	/* a 16 MB string value parses, and keeps every byte */
	s = malloc(big + 256);
	n = (size_t) sprintf(s, "{\"action\":\"I\",\"table\":\"t\",\"columns\":[{\"name\":\"big\",\"value\":\"");
	memset(s + n, 'a', big);
	n += big;
	n += (size_t) sprintf(s + n, "\"}]}");
	CHECK(parse(s, n, &m, &err, true));
	CHECK(col(&m, "big") && col(&m, "big")->u.str.len == big);

	/* ... and fails cleanly when the arena is too small for it */
	arka_arena_init(&small, 1024 * 1024);
	CHECK(!w2j_parse(&parser, s, n, &small, &m, &err));
	CHECK(strstr(err.message, "out of memory") != NULL);
	arka_arena_free(&small);
	free(s);

	/* a huge number literal: 100000 digits is beyond the decimal range */
	s = malloc(200000);
	n = (size_t) sprintf(s, "{\"action\":\"I\",\"table\":\"t\",\"columns\":[{\"name\":\"n\",\"value\":");
	s[n++] = '1';
	memset(s + n, '0', 100000);
	n += 100000;
	n += (size_t) sprintf(s + n, "}]}");
	CHECK(!parse(s, n, &m, &err, false));
	CHECK(strstr(err.message, "beyond the decimal range") != NULL);

	/* 60000 digits after the point: rounds to 38 significant digits */
	n = (size_t) sprintf(s, "{\"action\":\"I\",\"table\":\"t\",\"columns\":[{\"name\":\"n\",\"value\":0.");
	memset(s + n, '3', 60000);
	n += 60000;
	n += (size_t) sprintf(s + n, "}]}");
	CHECK(parse(s, n, &m, &err, true));
	CHECK_STR(canon(col(&m, "n")), "33333333333333333333333333333333333333e-38");
	free(s);

	/* many numbers in an unknown field */
	s = malloc(4 * 200000 + 64);
	n = (size_t) sprintf(s, "{\"action\":\"B\",\"x\":[");
	for (int i = 0; i < 200000; i++)
	{
		s[n++] = '0';
		s[n++] = ',';
	}
	s[n - 1] = ']';
	s[n++] = '}';
	CHECK(parse(s, n, &m, &err, true));
	CHECK(m.action == W2J_BEGIN);
	free(s);
}

/*
 * Columns in any order and number: the lookups by name (pk, identity)
 * find each one, and a repeated name is refused, on both sides of the
 * size where sorting the names switches from insertion sort to qsort.
 */
static void
test_column_order(void)
{
	static const size_t sizes[] = {1, 2, 3, 16, 17, 40};

	for (size_t z = 0; z < sizeof(sizes) / sizeof(sizes[0]); z++)
	{
		size_t		n = sizes[z];
		char	   *t = malloc(256 + n * 96);
		size_t		len;
		W2jMessage	m;
		W2jError	err;

		for (int dup = 0; dup < 2; dup++)
		{
			len = (size_t) sprintf(t, "{\"action\":\"U\",\"schema\":\"s\",\"table\":\"t\",\"columns\":[");
			for (size_t i = 0; i < n; i++)
			{
				/* names in a scrambled order: c00 .. c(n-1), 7 steps apart */
				size_t		k = (i * 7) % n;

				if (dup && n > 1 && i == n - 1)
					k = 0;		/* the first column's name again */
				len += (size_t) sprintf(t + len, "%s{\"name\":\"c%02zu\",\"type\":\"text\","
										"\"typeoid\":25,\"value\":\"v%02zu\"}", i ? "," : "", k, k);
			}
			len += (size_t) sprintf(t + len, "],\"identity\":[{\"name\":\"c%02zu\",\"type\":\"text\","
									"\"typeoid\":25,\"value\":\"v%02zu\"}],\"pk\":[{\"name\":\"c%02zu\","
									"\"type\":\"text\",\"typeoid\":25}]}", n - 1, n - 1, n - 1);
			if (dup && n > 1)
			{
				CHECK(!parse(t, len, &m, &err, false));
				CHECK(strstr(err.message, "duplicate column") != NULL);
				continue;
			}
			if (dup)
				continue;
			CHECK(parse(t, len, &m, &err, true));
			CHECK(m.ncolumns == n);
			for (size_t i = 0; i < n; i++)
			{
				char		name[32];
				char		want[32];

				snprintf(name, sizeof(name), "c%02zu", i);
				snprintf(want, sizeof(want), "v%02zu", i);
				CHECK(is_str(col(&m, name), want));
			}
			{
				char		name[32];
				char		want[32];

				snprintf(name, sizeof(name), "c%02zu", n - 1);
				snprintf(want, sizeof(want), "v%02zu", n - 1);
				CHECK(m.row_key.type == ARKA_OBJ && m.row_key.u.obj.n == 1);
				CHECK(is_str(obj_get(&m.row_key, name), want));
			}
		}
		free(t);
	}
}

int
main(void)
{
	w2j_parser_init(&parser);
	arka_arena_init(&arena, 0);

	test_capture();
	test_truncations();
	test_malformed();
	test_error_offsets();
	test_number_like_strings();
	test_values();
	test_timestamps();
	test_hostile_sizes();
	test_column_order();

	arka_arena_free(&arena);
	return arka_test_summary("test_wal2json");
}
