/*-------------------------------------------------------------------------
 *
 * test_ofac.c
 *	  OFAC legacy CSV parsing: the real releases, then hostile input.
 *
 *	  test_ofac [watchlists-dir]
 *
 * The directory holds ofac_{sdn,alt,add}.csv, ofac_cons_*.csv and the
 * 2024-06 sdn/add pair (../shared/data/watchlists; see its SOURCES.md).
 * Without an argument it tries $SHARED/data/watchlists, then
 * ../shared/data/watchlists (the repository root's neighbour).
 *
 * The facts checked against the real files were looked up in the files
 * themselves (grep), not taken from the parser's output.
 *
 *-------------------------------------------------------------------------
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arka_test.h"
#include "arka_csv.h"
#include "arka_json.h"
#include "arka_ofac.h"

/* a string literal and its length (it may hold NULs) */
#define LIT(s) (s), (sizeof(s) - 1)

/* ----------------------------------------------------------------
 * Helpers
 * ----------------------------------------------------------------
 */

static char *
read_file(const char *dir, const char *name, size_t *len)
{
	char		path[4096];
	FILE	   *f;
	char	   *buf;
	long		n;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "rb");
	if (f == NULL)
	{
		fprintf(stderr, "cannot read %s (pass the watchlists directory as the first argument)\n", path);
		return NULL;
	}
	if (fseek(f, 0, SEEK_END) != 0 || (n = ftell(f)) < 0 || fseek(f, 0, SEEK_SET) != 0)
	{
		fclose(f);
		return NULL;
	}
	buf = malloc((size_t) n + 1);
	if (buf == NULL || fread(buf, 1, (size_t) n, f) != (size_t) n)
	{
		free(buf);
		fclose(f);
		return NULL;
	}
	fclose(f);
	buf[n] = '\0';
	*len = (size_t) n;
	return buf;
}

static const ArkaValue *
get(const ArkaValue *obj, const char *key)
{
	size_t		i;

	if (obj == NULL || obj->type != ARKA_OBJ)
		return NULL;
	for (i = 0; i < obj->u.obj.n; i++)
		if (obj->u.obj.members[i].keylen == strlen(key) &&
			memcmp(obj->u.obj.members[i].key, key, strlen(key)) == 0)
			return &obj->u.obj.members[i].val;
	return NULL;
}

static bool
str_is(const ArkaValue *v, const char *s)
{
	return v != NULL && v->type == ARKA_STR && v->u.str.len == strlen(s) &&
		memcmp(v->u.str.ptr, s, v->u.str.len) == 0;
}

static const ArkaValue *
find_entry(const ArkaValue *arr, const char *id)
{
	size_t		i;

	if (arr == NULL || arr->type != ARKA_ARR)
		return NULL;
	for (i = 0; i < arr->u.arr.n; i++)
		if (str_is(get(&arr->u.arr.items[i], "entry_id"), id))
			return &arr->u.arr.items[i];
	return NULL;
}

static size_t
arr_len(const ArkaValue *v)
{
	return v != NULL && v->type == ARKA_ARR ? v->u.arr.n : (size_t) -1;
}

static bool
has_str(const ArkaValue *arr, const char *s)
{
	size_t		i;

	if (arr == NULL || arr->type != ARKA_ARR)
		return false;
	for (i = 0; i < arr->u.arr.n; i++)
		if (str_is(&arr->u.arr.items[i], s))
			return true;
	return false;
}

static bool
has_alias(const ArkaValue *e, const char *name, const char *strength, const char *source)
{
	const ArkaValue *a = get(e, "aliases");
	size_t		i;

	for (i = 0; i < arr_len(a) && a != NULL; i++)
	{
		const ArkaValue *x = &a->u.arr.items[i];

		if (str_is(get(x, "name"), name) && str_is(get(x, "strength"), strength) &&
			str_is(get(x, "source"), source))
			return true;
	}
	return false;
}

static size_t
count_ids(const ArkaValue *e, const char *type, const char *value)
{
	const ArkaValue *a = get(e, "identifiers");
	size_t		i,
				n = 0;

	if (a == NULL || a->type != ARKA_ARR)
		return 0;
	for (i = 0; i < a->u.arr.n; i++)
	{
		const ArkaValue *x = &a->u.arr.items[i];

		if ((type == NULL || str_is(get(x, "type"), type)) &&
			(value == NULL || str_is(get(x, "value"), value)))
			n++;
	}
	return n;
}

static void
hex(const uint8_t *d, char *out)
{
	static const char h[] = "0123456789abcdef";
	int			i;

	for (i = 0; i < 32; i++)
	{
		out[2 * i] = h[d[i] >> 4];
		out[2 * i + 1] = h[d[i] & 15];
	}
	out[64] = '\0';
}

static ArkaOfacInput
input(const char *sdn, size_t sdn_len, const char *alt, size_t alt_len,
	  const char *add, size_t add_len)
{
	ArkaOfacInput in;

	memset(&in, 0, sizeof(in));
	in.sdn.data = sdn;
	in.sdn.len = sdn_len;
	in.alt.data = alt;
	in.alt.len = alt_len;
	in.add.data = add;
	in.add.len = add_len;
	return in;
}

/* Parse, and check the JSON parses too; returns the entry array in *arr. */
static bool
parse_json(const ArkaOfacInput *in, const ArkaOfacOptions *opts, ArkaBuf *out,
		   ArkaOfacStats *st, ArkaOfacError *err, ArkaArena *arena, ArkaValue *arr)
{
	ArkaJsonError jerr;

	if (!arka_ofac_parse(in, opts, out, st, err))
		return false;
	if (!arka_json_parse(out->data, out->len, arena, arr, &jerr))
	{
		fprintf(stderr, "output is not JSON: %s at %zu\n", jerr.message, jerr.offset);
		return false;
	}
	return true;
}

/* ----------------------------------------------------------------
 * The real files
 * ----------------------------------------------------------------
 */

static void
test_real_sdn(const char *dir)
{
	size_t		sdn_len = 0,
				alt_len = 0,
				add_len = 0,
				i,
				newlines = 0;
	char	   *sdn = read_file(dir, "ofac_sdn.csv", &sdn_len);
	char	   *alt = read_file(dir, "ofac_alt.csv", &alt_len);
	char	   *add = read_file(dir, "ofac_add.csv", &add_len);
	ArkaOfacInput in;
	ArkaOfacStats st;
	ArkaOfacError err;
	ArkaOfacOptions opts;
	ArkaBuf		out,
				again;
	ArkaArena	arena;
	ArkaValue	arr;
	const ArkaValue *e;
	char		h[65];
	size_t		types[4] = {0, 0, 0, 0};

	CHECK(sdn != NULL && alt != NULL && add != NULL);
	if (sdn == NULL || alt == NULL || add == NULL)
	{
		free(sdn);
		free(alt);
		free(add);
		return;
	}
	for (i = 0; i < sdn_len; i++)
		newlines += sdn[i] == '\n';

	arka_buf_init(&out);
	arka_arena_init(&arena, 0);
	in = input(sdn, sdn_len, alt, alt_len, add, add_len);
	CHECK(parse_json(&in, NULL, &out, &st, &err, &arena, &arr));
	if (err.message[0])
		fprintf(stderr, "sdn: %s\n", err.message);

	/* one entry per line; every alt and add row read */
	CHECK(newlines == 13821);
	CHECK(st.entries == newlines);
	CHECK(arr_len(&arr) == 13821);
	CHECK(st.rows[0] == 13821 && st.rows[1] == 17091 && st.rows[2] == 18990);
	CHECK(!st.header_skipped[0] && !st.win1252[0]);
	/* 17091 alt rows, 3 repeating the primary name or another alias */
	CHECK(st.aliases_strong == 17088);
	CHECK(st.aliases_weak == 3369);
	CHECK(st.identifiers == 15062);

	/* the hashes in SOURCES.md */
	hex(st.file_sha256[0], h);
	CHECK_STR(h, "d768d28ee9e3ac7b27f9a956c922bf97dc286ebd39eff63faa4ef231f1ef668b");
	hex(st.file_sha256[1], h);
	CHECK_STR(h, "72a3520a9544b965cfa1e3301143a67cdf9d6b1588e55b5273c9d2faa4725957");
	hex(st.file_sha256[2], h);
	CHECK_STR(h, "c9706ac0aacaabc8f6a2f8c66e07d0932161354f67772ddc41ed2e1328561ea5");
	CHECK(strlen(st.sha256_hex) == 64);

	/* SDN_Type: 6,646 individual, 764 vessel, 378 aircraft, 6,033 "-0- " */
	for (i = 0; i < arr_len(&arr); i++)
	{
		const ArkaValue *t = get(&arr.u.arr.items[i], "type");

		types[0] += str_is(t, "individual");
		types[1] += str_is(t, "entity");
		types[2] += str_is(t, "vessel");
		types[3] += str_is(t, "aircraft");
		/* exactly the contract's keys, in order */
		CHECK(arr.u.arr.items[i].type == ARKA_OBJ && arr.u.arr.items[i].u.obj.n == 9);
	}
	CHECK(types[0] == 6646 && types[1] == 6033 && types[2] == 764 && types[3] == 378);

	/* first line: 36,"AEROCARIBBEAN AIRLINES",-0- ,"CUBA",... ; add 36,25,-0- ,"Havana","Cuba" */
	e = find_entry(&arr, "36");
	CHECK(e == &arr.u.arr.items[0]);
	CHECK(str_is(get(e, "name"), "AEROCARIBBEAN AIRLINES"));
	CHECK(str_is(get(e, "type"), "entity"));
	CHECK(get(e, "remarks") != NULL && get(e, "remarks")->type == ARKA_NULL);
	CHECK(has_str(get(e, "addresses"), "Havana, Cuba"));
	CHECK(has_str(get(e, "countries"), "Cuba"));
	CHECK(has_alias(e, "AERO-CARIBBEAN", "strong", "alt"));	/* alt 36,12,"aka" */

	/* 306 BANCO NACIONAL DE CUBA: alt "NATIONAL BANK OF CUBA", Remarks "a.k.a. 'BNC'." */
	e = find_entry(&arr, "306");
	CHECK(has_alias(e, "NATIONAL BANK OF CUBA", "strong", "alt"));
	CHECK(has_alias(e, "BNC", "weak", "remarks"));
	CHECK(str_is(get(e, "remarks"), "a.k.a. 'BNC'."));

	/* 22790 MADURO MOROS: "VENEZUELA] [IRAN-CON-ARMS-EO", Cedula No. 5892464 */
	e = find_entry(&arr, "22790");
	CHECK(str_is(get(e, "name"), "MADURO MOROS, Nicolas"));
	CHECK(arr_len(get(e, "programs")) == 2);
	CHECK(has_str(get(e, "programs"), "VENEZUELA"));
	CHECK(has_str(get(e, "programs"), "IRAN-CON-ARMS-EO"));
	CHECK(count_ids(e, "Cedula No.", "5892464") == 1);
	CHECK(has_str(get(e, "countries"), "Venezuela"));

	/* 4632 BANK MARKAZI: "IRAN] [SDGT] [IRGC] [IFSR" */
	e = find_entry(&arr, "4632");
	CHECK(arr_len(get(e, "programs")) == 4);
	CHECK(has_str(get(e, "programs"), "SDGT") && has_str(get(e, "programs"), "IRGC"));

	/* 6925 GHAILANI: weak aliases only in Remarks, one written ''FOOPIE'' */
	e = find_entry(&arr, "6925");
	CHECK(has_alias(e, "FOOPIE", "weak", "remarks"));
	CHECK(has_alias(e, "AHMED THE TANZANIAN", "weak", "remarks"));
	CHECK(has_alias(e, "KHABAR, Abu", "weak", "remarks"));
	CHECK(!has_alias(e, "FOOPIE", "strong", "alt"));
	CHECK(has_str(get(e, "countries"), "Tanzania"));	/* "citizen Tanzania" */

	/* 6368: ''ABD-AL-'IZ' keeps the leading 'ayn apostrophe */
	e = find_entry(&arr, "6368");
	CHECK(has_alias(e, "'ABD-AL-'IZ", "weak", "remarks"));

	/* 4243 EBANO (vessel): IMO 7406784, f.k.a. 'ANA I' */
	e = find_entry(&arr, "4243");
	CHECK(str_is(get(e, "type"), "vessel"));
	CHECK(count_ids(e, "IMO", "7406784") == 1);
	CHECK(has_alias(e, "ANA I", "weak", "remarks"));
	/* 4249 TIFON: Call_Sign column CL2059, IMO 7206512, flag Cuba */
	e = find_entry(&arr, "4249");
	CHECK(count_ids(e, "Call Sign", "CL2059") == 1);
	CHECK(count_ids(e, "IMO", "7206512") == 1);
	CHECK(has_str(get(e, "countries"), "Cuba"));

	/* 25308 YAN, Xiaobing: six XBT addresses, the first not "alt." */
	e = find_entry(&arr, "25308");
	CHECK(count_ids(e, "Digital Currency Address - XBT", NULL) == 6);
	CHECK(count_ids(e, "Digital Currency Address - XBT", "12QtD5BFwRsdNsAZY76UVE1xyCGNTojH9h") == 1);
	CHECK(count_ids(e, "Digital Currency Address - XBT", "1JREJdZupiFhE7ZzQPtASuMCvvpXC7wRsC") == 1);
	CHECK(has_alias(e, "ZHOU, William", "weak", "remarks"));

	/* 906 HAVIN BANK: SWIFT/BIC HAVIGB2L */
	e = find_entry(&arr, "906");
	CHECK(count_ids(e, "SWIFT/BIC", "HAVIGB2L") == 1);
	CHECK(count_ids(e, "Website", "www.havanaintbank.co.uk") == 1);

	/* 8809: "Passport F 572010 (Saudi Arabia)", "Email Address adelb@shabakah.net.sa" */
	e = find_entry(&arr, "8809");
	CHECK(count_ids(e, "Passport", "F 572010") == 1);
	CHECK(count_ids(e, "Email Address", "adelb@shabakah.net.sa") == 1);

	/* 15431 EP-GOM (aircraft): MSN 1023409321 */
	e = find_entry(&arr, "15431");
	CHECK(str_is(get(e, "type"), "aircraft"));
	CHECK(count_ids(e, "Aircraft Manufacturer's Serial Number (MSN)", "1023409321") == 1);

	/*
	 * 30518: Remarks cut at 1000 characters mid-address ("... - XBT 1Gq"):
	 * the complete addresses before it are kept, the stub is not.
	 */
	e = find_entry(&arr, "30518");
	CHECK(count_ids(e, NULL, "1Gq") == 0);
	CHECK(count_ids(e, "Digital Currency Address - XBT", "16PhXY3hNNMTo8kpuJx2emh713KbWpkqci") == 1);
	/* 27307: cut inside "a.k.a. 'WHOIS HACKIN" */
	e = find_entry(&arr, "27307");
	CHECK(!has_alias(e, "WHOIS HACKIN", "weak", "remarks"));

	/* every real file is ASCII: the same output read as 1252 or auto */
	memset(&opts, 0, sizeof(opts));
	opts.encoding = ARKA_OFAC_AUTO;
	arka_buf_init(&again);
	CHECK(arka_ofac_parse(&in, &opts, &again, &st, &err));
	CHECK(again.len == out.len && memcmp(again.data, out.data, out.len) == 0);
	CHECK(!st.win1252[0]);
	arka_buf_free(&again);
	opts.encoding = ARKA_OFAC_WIN1252;
	CHECK(arka_ofac_parse(&in, &opts, &again, &st, &err));
	CHECK(again.len == out.len && memcmp(again.data, out.data, out.len) == 0);
	CHECK(st.win1252[0]);
	arka_buf_free(&again);

	/* sdn alone parses too; without alt the strong aliases are gone */
	in = input(sdn, sdn_len, NULL, 0, NULL, 0);
	CHECK(arka_ofac_parse(&in, NULL, &again, &st, &err));
	CHECK(st.entries == 13821 && st.aliases_strong == 0 && st.aliases_weak == 3369);
	arka_buf_free(&again);

	/* the alt file against an sdn that lacks its entries: refused */
	in = input(add, add_len, NULL, 0, NULL, 0);
	CHECK(!arka_ofac_parse(&in, NULL, &again, &st, &err));

	arka_arena_free(&arena);
	arka_buf_free(&out);
	free(sdn);
	free(alt);
	free(add);
}

static void
test_real_cons(const char *dir)
{
	size_t		l[4] = {0, 0, 0, 0};
	char	   *prim = read_file(dir, "ofac_cons_prim.csv", &l[0]);
	char	   *alt = read_file(dir, "ofac_cons_alt.csv", &l[1]);
	char	   *add = read_file(dir, "ofac_cons_add.csv", &l[2]);
	char	   *com = read_file(dir, "ofac_cons_comments.csv", &l[3]);
	ArkaOfacInput in;
	ArkaOfacStats st;
	ArkaOfacError err;
	ArkaBuf		out;
	ArkaArena	arena;
	ArkaValue	arr;
	const ArkaValue *e;

	CHECK(prim && alt && add && com);
	if (!(prim && alt && add && com))
		goto done;
	arka_buf_init(&out);
	arka_arena_init(&arena, 0);
	in = input(prim, l[0], alt, l[1], add, l[2]);
	in.sdn.name = "cons_prim.csv";
	in.comments.data = com;
	in.comments.len = l[3];
	CHECK(parse_json(&in, NULL, &out, &st, &err, &arena, &arr));
	CHECK(st.entries == 442 && st.rows[1] == 1073 && st.rows[2] == 574 && st.rows[3] == 10);

	/*
	 * 17014 RUSSIAN AGRICULTURAL BANK: its Remarks stop at "Registration
	 * Numbe"; cons_comments.csv continues "r 1027700342890 (Russia); ...;
	 * a.k.a. 'RUSAG'." -- the weak alias exists only in the spillover.
	 */
	e = find_entry(&arr, "17014");
	CHECK(str_is(get(e, "name"), "JOINT STOCK COMPANY RUSSIAN AGRICULTURAL BANK"));
	CHECK(has_alias(e, "RUSAG", "weak", "remarks"));
	CHECK(has_alias(e, "ROSSELKHOZBANK", "strong", "alt"));
	CHECK(count_ids(e, "Registration Number", "1027700342890") == 1);
	CHECK(has_str(get(e, "programs"), "UKRAINE-EO13662") && has_str(get(e, "programs"), "RUSSIA-EO14024"));
	arka_buf_free(&out);

	/* without the spillover: no RUSAG, and no half-cut "Numbe" identifier */
	in.comments.data = NULL;
	arka_arena_free(&arena);
	arka_arena_init(&arena, 0);
	CHECK(parse_json(&in, NULL, &out, &st, &err, &arena, &arr));
	e = find_entry(&arr, "17014");
	CHECK(!has_alias(e, "RUSAG", "weak", "remarks"));
	CHECK(count_ids(e, "Registration Number", NULL) == 0);

	/* the consolidated alt file is not the SDN's: mixing them is refused */
	{
		size_t		sl = 0;
		char	   *sdn = read_file(dir, "ofac_sdn.csv", &sl);
		ArkaBuf		b;

		arka_buf_init(&b);
		in = input(sdn, sl, alt, l[1], NULL, 0);
		CHECK(sdn != NULL && !arka_ofac_parse(&in, NULL, &b, &st, &err));
		CHECK(strstr(err.message, "alt.csv line 1: ent_num ") != NULL);
		CHECK(strstr(err.message, "is not in sdn.csv") != NULL);
		CHECK(b.len == 0);
		free(sdn);
	}
	arka_arena_free(&arena);
	arka_buf_free(&out);
done:
	free(prim);
	free(alt);
	free(add);
	free(com);
}

static void
test_real_2024(const char *dir)
{
	size_t		sl = 0,
				al = 0;
	char	   *sdn = read_file(dir, "ofac_sdn_2024-06.csv", &sl);
	char	   *add = read_file(dir, "ofac_add_2024-06.csv", &al);
	ArkaOfacInput in;
	ArkaOfacStats st;
	ArkaOfacError err;
	ArkaBuf		out;
	ArkaArena	arena;
	ArkaValue	arr;
	const ArkaValue *e;

	CHECK(sdn && add);
	if (!(sdn && add))
		goto done;
	arka_buf_init(&out);
	arka_arena_init(&arena, 0);
	in = input(sdn, sl, NULL, 0, add, al);
	CHECK(parse_json(&in, NULL, &out, &st, &err, &arena, &arr));
	if (err.message[0])
		fprintf(stderr, "2024-06: %s\n", err.message);
	/* wc -l 15403 = the host repo's header line + 15402 records */
	CHECK(st.header_skipped[0] && st.header_skipped[2]);
	CHECK(st.entries == 15402 && st.rows[2] == 20871);
	/* max ent_num 49626: SALYGA, Vyacheslav, Passport FL390461 (Ukraine) */
	e = find_entry(&arr, "49626");
	CHECK(str_is(get(e, "name"), "SALYGA, Vyacheslav"));
	CHECK(count_ids(e, "Passport", "FL390461") == 1);
	CHECK(count_ids(e, "National ID No.", "2610507115") == 1);
	CHECK(has_str(get(e, "countries"), "Ukraine"));
	CHECK(find_entry(&arr, "ent_num") == NULL);
	arka_arena_free(&arena);
	arka_buf_free(&out);
done:
	free(sdn);
	free(add);
}

/* ----------------------------------------------------------------
 * Hostile input, built in memory
 * ----------------------------------------------------------------
 */

static const char sample_sdn[] =
	"100,\"DOE, John\",\"individual\",\"SDGT] [IRGC\",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,"
	"\"DOB 01 Jan 1970; nationality Iran; Passport A123456 (Iran) expires 01 Jan 2030; a.k.a. 'JD'.\"\r\n"
	"200,\"ACME, LTD.\",-0- ,\"CUBA\",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- \r\n"
	"300,\"SEA STAR\",\"vessel\",\"IRAN\",-0- ,\"9BCD\",-0- ,-0- ,-0- ,\"Iran\",-0- ,"
	"\"Vessel Registration Identification IMO 9187629; MMSI 422000000.\"\r\n"
	"\x1a";
static const char sample_alt[] =
	"100,1,\"aka\",\"DOE, Johnny\",-0- \r\n"
	"200,2,\"fka\",\"ACME OLD\",-0- \r\n"
	"\x1a";
static const char sample_add[] =
	"100,10,\"1 Main St\",\"Tehran\",\"Iran\",-0- \r\n"
	"200,11,-0- ,\"Havana\",\"Cuba\",-0- \r\n"
	"\x1a";

/*
 * Parse sdn/alt/add text; expect failure whose message contains want
 * (NULL: expect success).  The output buffer holds "PREV" before and
 * must still hold exactly that after a failure.
 */
static bool
try_parse(const char *sdn, size_t sl, const char *alt, size_t al, const char *add, size_t dl,
		  const ArkaOfacOptions *opts, const char *want, ArkaOfacStats *st_out)
{
	ArkaOfacInput in = input(sdn, sl, alt, al, add, dl);
	ArkaOfacStats st;
	ArkaOfacError err;
	ArkaBuf		out;
	bool		ok;
	bool		good;

	arka_buf_init(&out);
	arka_buf_puts(&out, "PREV");
	ok = arka_ofac_parse(&in, opts, &out, &st, &err);
	if (want == NULL)
	{
		good = ok && out.len > 4 && memcmp(out.data, "PREV[", 5) == 0;
		if (!ok)
			fprintf(stderr, "unexpected error: %s\n", err.message);
		else
		{
			ArkaArena	arena;
			ArkaValue	v;
			ArkaJsonError jerr;

			arka_arena_init(&arena, 0);
			good = good && arka_json_parse(out.data + 4, out.len - 4, &arena, &v, &jerr);
			arka_arena_free(&arena);
		}
	}
	else
	{
		good = !ok && strstr(err.message, want) != NULL &&
			out.len == 4 && strcmp(out.data, "PREV") == 0;
		if (!good)
			fprintf(stderr, "want error containing \"%s\", got %s: \"%s\"\n", want,
					ok ? "success" : "error", err.message);
	}
	if (st_out != NULL)
		*st_out = st;
	arka_buf_free(&out);
	return good;
}

static bool
try_sdn(const char *sdn, const char *want)
{
	return try_parse(sdn, strlen(sdn), sample_alt, strlen(sample_alt),
					 sample_add, strlen(sample_add), NULL, want, NULL);
}

static void
test_sample(void)
{
	ArkaOfacInput in = input(sample_sdn, strlen(sample_sdn), sample_alt, strlen(sample_alt),
							 sample_add, strlen(sample_add));
	ArkaOfacStats st;
	ArkaOfacError err;
	ArkaBuf		out;

	arka_buf_init(&out);
	CHECK(arka_ofac_parse(&in, NULL, &out, &st, &err));
	CHECK_STR(out.data,
			  "[{\"entry_id\":\"100\",\"type\":\"individual\",\"name\":\"DOE, John\","
			  "\"aliases\":[{\"name\":\"DOE, Johnny\",\"strength\":\"strong\",\"source\":\"alt\"},"
			  "{\"name\":\"JD\",\"strength\":\"weak\",\"source\":\"remarks\"}],"
			  "\"programs\":[\"SDGT\",\"IRGC\"],\"countries\":[\"Iran\"],"
			  "\"addresses\":[\"1 Main St, Tehran, Iran\"],"
			  "\"identifiers\":[{\"type\":\"Passport\",\"value\":\"A123456\"}],"
			  "\"remarks\":\"DOB 01 Jan 1970; nationality Iran; Passport A123456 (Iran) expires 01 Jan 2030; a.k.a. 'JD'.\"},"
			  "{\"entry_id\":\"200\",\"type\":\"entity\",\"name\":\"ACME, LTD.\","
			  "\"aliases\":[{\"name\":\"ACME OLD\",\"strength\":\"strong\",\"source\":\"alt\"}],"
			  "\"programs\":[\"CUBA\"],\"countries\":[\"Cuba\"],\"addresses\":[\"Havana, Cuba\"],"
			  "\"identifiers\":[],\"remarks\":null},"
			  "{\"entry_id\":\"300\",\"type\":\"vessel\",\"name\":\"SEA STAR\",\"aliases\":[],"
			  "\"programs\":[\"IRAN\"],\"countries\":[\"Iran\"],\"addresses\":[],"
			  "\"identifiers\":[{\"type\":\"Call Sign\",\"value\":\"9BCD\"},"
			  "{\"type\":\"IMO\",\"value\":\"9187629\"},{\"type\":\"MMSI\",\"value\":\"422000000\"}],"
			  "\"remarks\":\"Vessel Registration Identification IMO 9187629; MMSI 422000000.\"}]");
	CHECK(st.entries == 3 && st.aliases_strong == 2 && st.aliases_weak == 1 &&
		  st.identifiers == 4 && st.addresses == 2);
	arka_buf_free(&out);
}

/* Every proper prefix of each file is refused, naming that file. */
static void
test_prefixes(void)
{
	const char *files[3] = {sample_sdn, sample_alt, sample_add};
	const char *names[3] = {"sdn.csv", "alt.csv", "add.csv"};
	int			f;
	size_t		cut;
	ArkaOfacOptions lax;
	ArkaOfacStats st;

	for (f = 0; f < 3; f++)
	{
		size_t		full = strlen(files[f]);
		int			bad = 0;

		for (cut = 0; cut < full; cut++)
		{
			const char *d[3] = {sample_sdn, sample_alt, sample_add};
			size_t		l[3] = {strlen(sample_sdn), strlen(sample_alt), strlen(sample_add)};

			l[f] = cut;
			if (!try_parse(d[0], l[0], d[1], l[1], d[2], l[2], NULL, names[f], NULL))
			{
				fprintf(stderr, "prefix %zu of %s accepted\n", cut, names[f]);
				bad++;
			}
		}
		CHECK(bad == 0);
	}

	/* with allow_missing_eof, a copy without the 0x1A loads... */
	memset(&lax, 0, sizeof(lax));
	lax.allow_missing_eof = true;
	CHECK(try_parse(sample_sdn, strlen(sample_sdn) - 1, NULL, 0, NULL, 0, &lax, NULL, &st));
	CHECK(st.entries == 3);
	/* ...a last line without its CRLF too; a cut inside quotes never */
	CHECK(try_parse(sample_sdn, strlen(sample_sdn) - 3, NULL, 0, NULL, 0, &lax, NULL, &st));
	CHECK(try_parse(sample_sdn, strlen(sample_sdn) - 20, NULL, 0, NULL, 0, &lax,
					"sdn.csv line 3: quoted field 12 opened on line 3 is not closed", NULL));
	/* the error names the line the cut falls on */
	CHECK(try_parse(sample_sdn, (size_t) (strstr(sample_sdn, "\n200,") - sample_sdn) + 10,
					NULL, 0, NULL, 0, NULL, "sdn.csv line 2:", NULL));
}

static void
test_structure(void)
{
	char		buf[1024];
	ArkaOfacStats st;

	/* wrong column counts */
	CHECK(try_sdn("1,\"A\",-0- ,\"X\",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- \r\n"
				  "2,\"B\",-0- ,\"X\",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- \r\n\x1a",
				  "sdn.csv line 2: expected 12 fields, found 11"));
	CHECK(try_sdn("1,\"A\",-0- ,\"X\",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- \r\n\x1a",
				  "sdn.csv line 1: expected 12 fields, found 13"));
	CHECK(try_parse(sample_sdn, strlen(sample_sdn), LIT("100,1,\"aka\",\"X\"\r\n\x1a"), NULL, 0, NULL,
					"alt.csv line 1: expected 5 fields, found 4", NULL));
	CHECK(try_parse(sample_sdn, strlen(sample_sdn), NULL, 0, LIT("100,1,-0- ,-0- ,-0- ,-0- ,-0- \r\n\x1a"), NULL, "add.csv line 1: expected 6 fields, found 7", NULL));
	{
		/* 100,000 commas: refused at the 64th field, not after */
		size_t		n = 100000;
		char	   *big = malloc(n + 4);

		memset(big, ',', n);
		memcpy(big + n, "\r\n\x1a", 4);
		CHECK(try_parse(big, n + 3, NULL, 0, NULL, 0, NULL, "more than 64 fields", NULL));
		free(big);
	}
	CHECK(try_sdn("\r\n\x1a", "sdn.csv line 1: empty line"));

	/* quoting */
	CHECK(try_sdn("1,\"A,-0- ,\"X\",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- \r\n\x1a",
				  "unexpected character after the closing quote"));
	CHECK(try_sdn("1,\"A\",-0- ,\"X\",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,\"unterminated\r\n",
				  "sdn.csv line 2: quoted field 12 opened on line 1 is not closed"));
	/* the end-of-file byte inside an open quote is no end of file */
	CHECK(try_sdn("1,\"A\",-0- ,\"X\",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,\"unterminated\r\n\x1a",
				  "sdn.csv line 2: stray 0x1A (SUB) byte in field 12"));
	CHECK(try_sdn("1,A\"B,-0- ,\"X\",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- \r\n\x1a",
				  "quote character inside unquoted field 2"));
	/* "" is a quote; a quoted CRLF is content, and later lines count it */
	CHECK(try_parse(LIT("1,\"A \"\"B\"\"\",-0- ,\"X\",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,\"two\r\nlines\"\r\n\x1a"), NULL, 0, NULL, 0, NULL, NULL, NULL));
	CHECK(try_sdn("1,\"A\",-0- ,\"X\",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,\"two\r\nlines\"\r\n"
				  "2,\"B\",-0- \r\n\x1a", "sdn.csv line 3: expected 12 fields, found 3"));

	/* line ends: LF alone is accepted, CR alone is not */
	CHECK(try_parse(LIT("1,\"A\",-0- ,\"X\",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- \n\x1a"),
					NULL, 0, NULL, 0, NULL, NULL, NULL));
	CHECK(try_sdn("1,\"A\",-0- ,\"X\",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- \r"
				  "2,\"B\",-0- ,\"X\",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- \r\n\x1a",
				  "sdn.csv line 1: CR not followed by LF"));
	CHECK(try_sdn("1,\"A\r\",-0- ,\"X\",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- \r\n\x1a",
				  "CR not followed by LF"));

	/* the 0x1A byte: only last, after a line end */
	CHECK(try_sdn("1,\"A\x1a\",-0- ,\"X\",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- \r\n\x1a",
				  "sdn.csv line 1: stray 0x1A (SUB) byte in field 2"));
	CHECK(try_sdn("1,\"A\",-0- ,\"X\",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- \r\n\x1a"
				  "2,\"B\",-0- ,\"X\",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- \r\n\x1a",
				  "sdn.csv line 2: data after the 0x1A end-of-file byte"));
	CHECK(try_sdn("1,\"A\",-0- ,\"X\",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- \x1a",
				  "stray 0x1A"));
	CHECK(try_sdn("1,\"A\",-0- ,\"X\",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- \r\n\x1a\x1a",
				  "data after the 0x1A"));
	CHECK(try_sdn("", "sdn.csv: the file is empty"));
	CHECK(try_sdn("\x1a", "sdn.csv: no entries"));
	CHECK(try_parse(sample_sdn, strlen(sample_sdn), LIT("\x1a"), "\x1a", 1, NULL, NULL, NULL));

	/* NUL and other controls */
	{
		static const char nul[] = "1,\"A\0B\",-0- ,\"X\",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- \r\n\x1a";

		CHECK(try_parse(nul, sizeof(nul) - 1, NULL, 0, NULL, 0, NULL,
						"sdn.csv line 1: NUL byte in field 2", NULL));
	}
	CHECK(try_sdn("1,\"A\x01\",-0- ,\"X\",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- \r\n\x1a",
				  "control byte 0x01 in field 2"));

	/* semantics */
	CHECK(try_sdn("x1,\"A\",-0- ,\"X\",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- \r\n\x1a",
				  "sdn.csv line 1: ent_num \"x1\" is not a number"));
	CHECK(try_sdn("1,\"A\",\"company\",\"X\",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- \r\n\x1a",
				  "unknown SDN_Type \"company\""));
	CHECK(try_sdn("1,-0- ,-0- ,\"X\",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- \r\n\x1a",
				  "SDN_Name is empty"));
	CHECK(try_parse(LIT("1,\"A\",-0- ,\"X\",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- \r\n"
					"1,\"B\",-0- ,\"X\",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- \r\n\x1a"),
					NULL, 0, NULL, 0, NULL, "sdn.csv line 2: duplicate ent_num 1 (first on line 1)", NULL));
	CHECK(try_parse(sample_sdn, strlen(sample_sdn), LIT("100,1,\"aka\",\"X\",-0- \r\n999,2,\"aka\",\"Y\",-0- \r\n\x1a"), NULL, 0, NULL, "alt.csv line 2: ent_num 999 is not in sdn.csv", NULL));
	CHECK(try_parse(sample_sdn, strlen(sample_sdn), NULL, 0, LIT("7,1,-0- ,-0- ,\"Iran\",-0- \r\n\x1a"), NULL, "add.csv line 1: ent_num 7 is not in sdn.csv", NULL));
	CHECK(try_parse(sample_sdn, strlen(sample_sdn), LIT("100,1,\"aka\",-0- ,-0- \r\n\x1a"), NULL, 0, NULL, "alt.csv line 1: alt_name is empty", NULL));

	/* a header line is skipped (the 2024-06 copies have one) */
	snprintf(buf, sizeof(buf), "ent_num,SDN_name,SDN_type,Program,Title,Call_Sign,Vess_type,Tonnage,"
			 "GRT,Vess_flag,Vess_owner,Remarks\r\n%s", sample_sdn);
	CHECK(try_parse(buf, strlen(buf), sample_alt, strlen(sample_alt), NULL, 0, NULL, NULL, &st));
	CHECK(st.entries == 3 && st.header_skipped[0]);
	/* but only as the first line */
	snprintf(buf, sizeof(buf), "%.*sent_num,a,b,c,d,e,f,g,h,i,j,k\r\n\x1a",
			 (int) strlen(sample_sdn) - 1, sample_sdn);
	CHECK(try_parse(buf, strlen(buf), NULL, 0, NULL, 0, NULL,
					"sdn.csv line 4: ent_num \"ent_num\" is not a number", NULL));

	/* the caller's names appear in messages */
	{
		ArkaOfacInput in = input("", 0, NULL, 0, NULL, 0);
		ArkaOfacError err;
		ArkaBuf		out;

		in.sdn.name = "cons_prim.csv";
		arka_buf_init(&out);
		CHECK(!arka_ofac_parse(&in, NULL, &out, NULL, &err));
		CHECK_STR(err.message, "cons_prim.csv: the file is empty");
		CHECK_STR(err.file, "cons_prim.csv");
		in.sdn.data = NULL;
		CHECK(!arka_ofac_parse(&in, NULL, &out, NULL, &err));
		CHECK_STR(err.message, "cons_prim.csv: not given");
		arka_buf_free(&out);
	}
}

static void
test_sizes(void)
{
	const char *head = "1,\"";
	const char *tail = "\",-0- ,\"X\",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- \r\n\x1a";
	size_t		sizes[3] = {ARKA_OFAC_MAX_FIELD, ARKA_OFAC_MAX_FIELD + 1, 10 * 1024 * 1024};
	int			i;

	for (i = 0; i < 3; i++)
	{
		size_t		n = sizes[i];
		size_t		total = strlen(head) + n + strlen(tail);
		char	   *buf = malloc(total + 1);
		ArkaOfacStats st;

		memcpy(buf, head, strlen(head));
		memset(buf + strlen(head), 'A', n);
		memcpy(buf + strlen(head) + n, tail, strlen(tail) + 1);
		if (i == 0)
		{
			CHECK(try_parse(buf, total, NULL, 0, NULL, 0, NULL, NULL, &st));
			CHECK(st.entries == 1);
		}
		else
			CHECK(try_parse(buf, total, NULL, 0, NULL, 0, NULL,
							"sdn.csv line 1: field 2 is longer than 1048576 bytes", NULL));
		free(buf);
	}
	{
		/* unquoted, and in Remarks: the same limit */
		size_t		n = 10 * 1024 * 1024;
		const char *pre = "1,\"A\",-0- ,\"X\",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,";
		size_t		total = strlen(pre) + n + 3;
		char	   *buf = malloc(total + 1);

		memcpy(buf, pre, strlen(pre));
		memset(buf + strlen(pre), 'B', n);
		memcpy(buf + strlen(pre) + n, "\r\n\x1a", 4);
		CHECK(try_parse(buf, total, NULL, 0, NULL, 0, NULL, "field 12 is longer than 1048576 bytes", NULL));
		free(buf);
	}
}

static void
test_encoding(void)
{
	static const char latin[] = "1,\"JOS\xc9, Mar\xed" "a\",-0- ,\"X\",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,"
		"\"a.k.a. 'EL \x93TIO\x94'.\"\r\n\x1a";
	ArkaOfacOptions opts;
	ArkaOfacInput in = input(latin, strlen(latin), NULL, 0, NULL, 0);
	ArkaOfacStats st;
	ArkaOfacError err;
	ArkaBuf		out;

	/* default: UTF-8 only, the error says where and what */
	CHECK(try_parse(latin, strlen(latin), NULL, 0, NULL, 0, NULL,
					"sdn.csv line 1: invalid UTF-8 byte 0xC9 in field 2", NULL));

	/* Windows-1252 on request, or detected per file */
	memset(&opts, 0, sizeof(opts));
	opts.encoding = ARKA_OFAC_WIN1252;
	arka_buf_init(&out);
	CHECK(arka_ofac_parse(&in, &opts, &out, &st, &err));
	CHECK(strstr(out.data, "\"name\":\"JOS\xc3\x89, Mar\xc3\xad" "a\"") != NULL);
	CHECK(strstr(out.data, "{\"name\":\"EL \xe2\x80\x9cTIO\xe2\x80\x9d\",\"strength\":\"weak\"") != NULL);
	CHECK(st.win1252[0]);
	arka_buf_free(&out);
	opts.encoding = ARKA_OFAC_AUTO;
	CHECK(arka_ofac_parse(&in, &opts, &out, &st, &err));
	CHECK(st.win1252[0] && strstr(out.data, "JOS\xc3\x89") != NULL);
	arka_buf_free(&out);
	/* UTF-8 text stays UTF-8 under auto */
	CHECK(try_parse(LIT("1,\"JOS\xc3\x89\",-0- ,\"X\",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- \r\n\x1a"),
					NULL, 0, NULL, 0, &opts, NULL, &st));
	CHECK(!st.win1252[0]);
	/* five bytes 1252 leaves undefined */
	opts.encoding = ARKA_OFAC_WIN1252;
	CHECK(try_parse(LIT("1,\"A\x81\",-0- ,\"X\",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- \r\n\x1a"),
					NULL, 0, NULL, 0, &opts, "byte 0x81 is undefined in Windows-1252", NULL));

	/* malformed UTF-8: overlong, surrogate, past U+10FFFF, cut short, lone continuation */
	CHECK(try_sdn("1,\"A\xc0\xaf\",-0- ,\"X\",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- \r\n\x1a", "invalid UTF-8 byte 0xC0"));
	CHECK(try_sdn("1,\"A\xe0\x80\xaf\",-0- ,\"X\",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- \r\n\x1a", "invalid UTF-8 byte 0xE0"));
	CHECK(try_sdn("1,\"A\xed\xa0\x80\",-0- ,\"X\",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- \r\n\x1a", "invalid UTF-8 byte 0xED"));
	CHECK(try_sdn("1,\"A\xf4\x90\x80\x80\",-0- ,\"X\",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- \r\n\x1a", "invalid UTF-8 byte 0xF4"));
	CHECK(try_sdn("1,\"A\xe2\x82\",-0- ,\"X\",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- \r\n\x1a", "invalid UTF-8 byte 0xE2"));
	CHECK(try_sdn("1,\"A\x80\",-0- ,\"X\",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- \r\n\x1a", "invalid UTF-8 byte 0x80"));
	CHECK(try_sdn("1,\"A\xff\",-0- ,\"X\",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- \r\n\x1a", "invalid UTF-8 byte 0xFF"));
	{
		/* a 3-byte sequence cut by the end of the buffer: never read past it */
		static const char cut[] = "1,\xe2\x82";
		char	   *exact = malloc(sizeof(cut) - 1);

		memcpy(exact, cut, sizeof(cut) - 1);
		CHECK(try_parse(exact, sizeof(cut) - 1, NULL, 0, NULL, 0, NULL, "invalid UTF-8 byte 0xE2", NULL));
		free(exact);
	}
	/* valid 2-, 3- and 4-byte characters pass through */
	CHECK(try_parse(LIT("1,\"\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\",-0- ,\"X\",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- \r\n\x1a"), NULL, 0, NULL, 0, NULL, NULL, NULL));
	CHECK(arka_utf8_valid_prefix("ab\xc3\xa9\xc3", 5) == 4);
}

/* ----------------------------------------------------------------
 * The Remarks grammar alone
 * ----------------------------------------------------------------
 */

static void
collect(void *ctx, ArkaOfacItem kind, const char *type, size_t tl, const char *v, size_t vl)
{
	ArkaBuf    *b = ctx;

	arka_buf_puts(b, kind == ARKA_OFAC_ALIAS ? "A" : kind == ARKA_OFAC_COUNTRY ? "C" : "I");
	if (type != NULL)
	{
		arka_buf_putc(b, '[');
		arka_buf_append(b, type, tl);
		arka_buf_putc(b, ']');
	}
	arka_buf_append(b, v, vl);
	arka_buf_putc(b, '|');
}

static void
check_scan(const char *remarks, bool truncated, const char *want)
{
	ArkaBuf		b;

	arka_buf_init(&b);
	arka_buf_puts(&b, "");
	arka_ofac_scan_remarks(remarks, strlen(remarks), truncated, collect, &b);
	CHECK_STR(b.data ? b.data : "", want);
	arka_buf_free(&b);
}

static void
test_remarks(void)
{
	check_scan("DOB 14 Mar 1974; POB Zanzibar, Tanzania; citizen Tanzania; a.k.a. 'AHMED, A.'; "
			   "a.k.a. ''FOOPIE''.", false,
			   "CTanzania|AAHMED, A.|AFOOPIE|");
	check_scan("nationality possibly Palestinian;arrested 23 Apr 2002; alt. nationality Syria.", false,
			   "CSyria|");
	check_scan("Passport A10722899 (Iraq) expires 14 Dec 2023; alt. Passport 093045489 (United Kingdom); "
			   "Diplomatic Passport A0008886 (Nicaragua) issued 12 Feb 2012 expires 12 Feb 2022.", false,
			   "I[Passport]A10722899|I[Passport]093045489|I[Diplomatic Passport]A0008886|");
	check_scan("Registration ID F.5 (29) AR-11/2002 (Pakistan); Registration Number HRA 738077 (Stuttgart) (Germany).",
			   false, "I[Registration ID]F.5 (29) AR-11/2002|I[Registration Number]HRA 738077|");
	check_scan("International Maritime Organization No. (5777731); Vessel Registration Identification IMO  8730455; "
			   "Identification Number IMO 6113722; Company Number IMO 5676084.", false,
			   "I[IMO]5777731|I[IMO]8730455|I[IMO]6113722|I[IMO]5676084|");
	check_scan("Telephone (98)(21)(66153220); Alt. Fax: 9221227700019; Phone Number +52 686-383-6864.", false,
			   "I[Phone Number](98)(21)(66153220)|I[Fax]9221227700019|I[Phone Number]+52 686-383-6864|");
	check_scan("Digital Currency Address - ETH 0xd882cfc20f52f2599d84b8e8d58c7fb62cfe344b; "
			   "alt. Digital Currency Address - XBT bc1qfg4gfg0y6t6xjnpmlhuwx5k0wlw6nmfzxn2psc; "
			   "Digital Currency Address - 0xabc.", false,
			   "I[Digital Currency Address - ETH]0xd882cfc20f52f2599d84b8e8d58c7fb62cfe344b|"
			   "I[Digital Currency Address - XBT]bc1qfg4gfg0y6t6xjnpmlhuwx5k0wlw6nmfzxn2psc|");
	check_scan("SWIFT/BIC HCFBRUMM; Email Address info@genbank.ru; Website https://www.surabayahobby.com/; "
			   "Italian Fiscal Code: DRMTMN54H07Z301T; Nationality of Registration Korea, North.", false,
			   "I[SWIFT/BIC]HCFBRUMM|I[Email Address]info@genbank.ru|I[Website]https://www.surabayahobby.com/|"
			   "I[Italian Fiscal Code]DRMTMN54H07Z301T|CKorea, North|");
	/* names with apostrophes; f.k.a. and n.k.a. are weak too */
	check_scan("a.k.a. 'ABU AL-WAFA''; f.k.a. 'SUE RC 'KMP''; n.k.a. 'LGOK'; a.k.a. 'ABU-AL-KARKH', 'Yusuf'.", false,
			   "AABU AL-WAFA'|ASUE RC 'KMP'|ALGOK|AABU-AL-KARKH', 'Yusuf|");
	/* not identifiers: labels inside words, no value, no digits/letters */
	check_scan("Licensed trader; Passport; Passport (Iran); Website -; Linked To: X; Gender Male.", false, "");
	/* truncated: the last item is not trusted; complete ones before it are */
	check_scan("Passport A1 (Iran); Digital Currency Address - XBT 1Gq", true, "I[Passport]A1|");
	check_scan("Passport A1; a.k.a. 'WHOIS HACKIN", true, "I[Passport]A1|");
	check_scan("Passport A1; a.k.a. 'AL-DARDA'", true, "I[Passport]A1|");
	check_scan("Passport A1; Tax ID No. 77", false, "I[Passport]A1|I[Tax ID No.]77|");
	/* hostile shapes */
	check_scan("a.k.a. '", false, "");
	check_scan("a.k.a. ''", false, "");
	check_scan("a.k.a. ''''", false, "");
	check_scan(";;;; ; .", false, "");
	check_scan("a.k.a. 'X;a.k.a. 'Y'", false, "AY|");
	check_scan("Passport ((((", false, "");
	check_scan("Passport )))) ", false, "");
	check_scan("", false, "");
}

int
main(int argc, char **argv)
{
	char		shared[4096];
	const char *dir = argc > 1 ? argv[1] : NULL;

	if (dir == NULL && getenv("SHARED") != NULL)
	{
		snprintf(shared, sizeof(shared), "%s/data/watchlists", getenv("SHARED"));
		dir = shared;
	}
	if (dir == NULL)
		dir = "../shared/data/watchlists";

	test_real_sdn(dir);
	test_real_cons(dir);
	test_real_2024(dir);
	test_sample();
	test_prefixes();
	test_structure();
	test_sizes();
	test_encoding();
	test_remarks();
	return arka_test_summary("test_ofac");
}
