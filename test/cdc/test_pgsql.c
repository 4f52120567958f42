/*-------------------------------------------------------------------------
 *
 * test_pgsql.c
 *	  The connection-free parts of the libpq wrapper: command text,
 *	  output_plugin_libraries parsing and advice, error classification,
 *	  LSN text.
 *
 * The error strings classified here are the ones PostgreSQL 15.20 with
 * wal2json 2.5 actually returned (see the header of cdc/pgsql.c).
 *
 *-------------------------------------------------------------------------
 */
#include <fcntl.h>
#include <unistd.h>

#include "cdc_test.h"
#include "log.h"
#include "lsn.h"
#include "pgsql.h"

static void
test_lsn(void)
{
	CdcLsn		l;
	char		buf[CDC_LSN_STRLEN];

	CHECK(cdc_lsn_parse("0/1540B18", 9, &l) && l == 0x1540B18);
	CHECK(cdc_lsn_parse("16/B374D848", 11, &l) && l == UINT64_C(0x16B374D848));
	CHECK(cdc_lsn_parse("FFFFFFFF/FFFFFFFF", 17, &l) && l == UINT64_MAX);
	CHECK(cdc_lsn_parse("a/b", 3, &l) && l == ((UINT64_C(0xa) << 32) | 0xb));
	CHECK(!cdc_lsn_parse("", 0, &l));
	CHECK(!cdc_lsn_parse("0", 1, &l));
	CHECK(!cdc_lsn_parse("0/", 2, &l));
	CHECK(!cdc_lsn_parse("/1", 2, &l));
	CHECK(!cdc_lsn_parse("0/1/2", 5, &l));
	CHECK(!cdc_lsn_parse("100000000/0", 11, &l));
	CHECK(!cdc_lsn_parse("0/100000000", 11, &l));
	CHECK(!cdc_lsn_parse("0/1g", 4, &l));
	CHECK(!cdc_lsn_parse("-1/0", 4, &l));
	CHECK(!cdc_lsn_parse(" 0/1", 4, &l));
	CHECK_STR(cdc_lsn_format(0, buf), "0/0");
	CHECK_STR(cdc_lsn_format(UINT64_C(0x16B374D848), buf), "16/B374D848");
	CHECK_STR(cdc_lsn_format(UINT64_MAX, buf), "FFFFFFFF/FFFFFFFF");
}

static void
test_start_command(void)
{
	char	   *cmd;
	static const PgsqlOption opts[] = {
		{"format-version", "2"},
		{"add-tables", "public.pay'ments,s.\"q\""},
		{"include-xids", NULL},
	};

	cmd = pgsql_build_start_replication("arka", 0x1540B18, opts, 3);
	CHECK_STR(cmd, "START_REPLICATION SLOT \"arka\" LOGICAL 0/1540B18 "
			  "(\"format-version\" '2', \"add-tables\" 'public.pay''ments,s.\"q\"', "
			  "\"include-xids\")");
	free(cmd);

	cmd = pgsql_build_start_replication("we\"ird", 0, NULL, 0);
	CHECK_STR(cmd, "START_REPLICATION SLOT \"we\"\"ird\" LOGICAL 0/0");
	free(cmd);

	CHECK(pgsql_build_start_replication("", 0, NULL, 0) == NULL);
	CHECK(pgsql_build_start_replication(NULL, 0, NULL, 0) == NULL);
	{
		static const PgsqlOption bad[] = {{"", "1"}};

		CHECK(pgsql_build_start_replication("s", 0, bad, 1) == NULL);
	}

	/* the option list arka-cdc sends: all known to wal2json 2.5 */
	cmd = pgsql_build_start_replication("arka", 0, pgsql_wal2json_options, pgsql_wal2json_noptions);
	CHECK(strstr(cmd, "\"format-version\" '2'") != NULL);
	CHECK(strstr(cmd, "\"include-lsn\" '1'") != NULL);
	CHECK(strstr(cmd, "\"include-type-oids\" '1'") != NULL);
	CHECK(strstr(cmd, "\"add-msg-prefixes\" 'arka'") != NULL);
	CHECK(strstr(cmd, "numeric-data-types-as-string") == NULL);
	CHECK(strstr(cmd, "write-in-chunks") == NULL);
	free(cmd);
}

static void
test_plugin_list(void)
{
	bool		pitfall;
	char		buf[512];
	char		msg[2048];

	CHECK(pgsql_plugin_list_has("pgoutput, test_decoding, wal2json", "wal2json", &pitfall) && !pitfall);
	CHECK(pgsql_plugin_list_has("wal2json", "wal2json", &pitfall) && !pitfall);
	CHECK(pgsql_plugin_list_has(" \"wal2json\" ,x", "wal2json", &pitfall));
	CHECK(!pgsql_plugin_list_has("pgoutput, test_decoding", "wal2json", &pitfall) && !pitfall);
	CHECK(!pgsql_plugin_list_has("", "wal2json", &pitfall));
	CHECK(!pgsql_plugin_list_has(NULL, "wal2json", &pitfall));
	CHECK(!pgsql_plugin_list_has("wal2json2, xwal2json", "wal2json", &pitfall));
	/* what SHOW prints after ALTER SYSTEM SET ... = 'pgoutput, test_decoding, wal2json' */
	CHECK(!pgsql_plugin_list_has("\"pgoutput, test_decoding, wal2json\"", "wal2json", &pitfall));
	CHECK(pitfall);
	CHECK(!pgsql_plugin_list_has("\"a\"\"b\", c", "wal2json", &pitfall) && !pitfall);

	pgsql_plugin_list_suggest("pgoutput, test_decoding", "wal2json", buf, sizeof(buf));
	CHECK_STR(buf, "pgoutput, test_decoding, wal2json");
	pgsql_plugin_list_suggest("", "wal2json", buf, sizeof(buf));
	CHECK_STR(buf, "wal2json");
	pgsql_plugin_list_suggest("\"pgoutput, test_decoding, wal2json\"", "wal2json", buf, sizeof(buf));
	CHECK_STR(buf, "pgoutput, test_decoding, wal2json");
	pgsql_plugin_list_suggest("pgoutput,pgoutput , decoderbufs", "wal2json", buf, sizeof(buf));
	CHECK_STR(buf, "pgoutput, decoderbufs, wal2json");

	pgsql_format_gate_error("pgoutput, test_decoding", "wal2json", msg, sizeof(msg));
	CHECK(strstr(msg, "output_plugin_libraries = 'pgoutput, test_decoding, wal2json'") != NULL);
	CHECK(strstr(msg, "ALTER SYSTEM SET output_plugin_libraries = 'pgoutput', 'test_decoding', 'wal2json'") != NULL);
	CHECK(strstr(msg, "pg_reload_conf") != NULL);
	CHECK(strstr(msg, "holding commas") == NULL);

	pgsql_format_gate_error("\"pgoutput, test_decoding, wal2json\"", "wal2json", msg, sizeof(msg));
	CHECK(strstr(msg, "holding commas") != NULL);
	CHECK(strstr(msg, "output_plugin_libraries = 'pgoutput, test_decoding, wal2json'") != NULL);
}

static void
test_classify(void)
{
	/* observed on 15.20 */
	CHECK(pgsql_classify_error("42501", "library \"wal2json\" may not be used as an output plugin",
							   NULL) == PGSQL_ERR_PLUGIN_GATED);
	CHECK(pgsql_classify_error("22023", "option \"numeric-data-types-as-string\" = \"1\" is unknown",
							   NULL) == PGSQL_ERR_PLUGIN_OPTION);
	CHECK(pgsql_classify_error("42704", "replication slot \"nope\" does not exist", NULL) ==
		  PGSQL_ERR_SLOT_MISSING);
	CHECK(pgsql_classify_error("55006", "replication slot \"s\" is active for PID 42", NULL) ==
		  PGSQL_ERR_SLOT_BUSY);
	CHECK(pgsql_classify_error("55000", "cannot read from logical replication slot \"s\"",
							   "This slot has been invalidated because it exceeded the maximum reserved size.") ==
		  PGSQL_ERR_SLOT_LOST);
	CHECK(pgsql_classify_error("55000", "can no longer get changes from replication slot \"s\"", NULL) ==
		  PGSQL_ERR_SLOT_LOST);
	CHECK(pgsql_classify_error("55000", "replication slot \"s\" was not created in this database", NULL) ==
		  PGSQL_ERR_SLOT_MISMATCH);
	CHECK(pgsql_classify_error("55000", "logical decoding requires wal_level >= logical", NULL) ==
		  PGSQL_ERR_WAL_LEVEL);
	CHECK(pgsql_classify_error("57P01", "terminating connection due to administrator command", NULL) ==
		  PGSQL_ERR_CONNECT);
	CHECK(pgsql_classify_error("08006", "connection failure", NULL) == PGSQL_ERR_CONNECT);
	CHECK(pgsql_classify_error("42601", "syntax error", NULL) == PGSQL_ERR_QUERY);
	CHECK(pgsql_classify_error(NULL, NULL, NULL) == PGSQL_ERR_QUERY);

	CHECK(pgsql_classify_connect_error("connection to server on socket \"/tmp/.s.PGSQL.5432\" failed: "
									   "FATAL:  must be superuser or replication role to start walsender") ==
		  PGSQL_ERR_PRIVILEGE);
	CHECK(pgsql_classify_connect_error("FATAL:  role \"nobody\" does not exist") == PGSQL_ERR_AUTH);
	CHECK(pgsql_classify_connect_error("FATAL:  database \"nodb\" does not exist") == PGSQL_ERR_AUTH);
	CHECK(pgsql_classify_connect_error("FATAL:  password authentication failed for user \"x\"") ==
		  PGSQL_ERR_AUTH);
	CHECK(pgsql_classify_connect_error("connection to server on socket \"/tmp/cdc_pg/.s.PGSQL.54399\" "
									   "failed: No such file or directory") == PGSQL_ERR_CONNECT);
	CHECK(pgsql_classify_connect_error("FATAL:  the database system is starting up") == PGSQL_ERR_CONNECT);

	CHECK(pgsql_error_is_transient(PGSQL_ERR_CONNECT));
	CHECK(pgsql_error_is_transient(PGSQL_ERR_SLOT_BUSY));
	CHECK(!pgsql_error_is_transient(PGSQL_ERR_SLOT_LOST));
	CHECK(!pgsql_error_is_transient(PGSQL_ERR_PLUGIN_GATED));
	CHECK(!pgsql_error_is_transient(PGSQL_ERR_PRIVILEGE));
	CHECK(!pgsql_error_is_transient(PGSQL_ERR_WAL_LEVEL));
	CHECK(!pgsql_error_is_transient(PGSQL_ERR_SLOT_MISSING));
	CHECK(strcmp(pgsql_error_kind_name(PGSQL_ERR_SLOT_LOST), "slot_lost") == 0);
}

/* Connecting to nothing fails as a transient connect error. */
static void
test_connect_refused(void)
{
	PGSQL		p;
	int			devnull = open("/dev/null", 1);

	cdc_log_set_fd(devnull);
	CHECK(!pgsql_open(&p, "host=/nonexistent-arka-cdc-dir port=1 connect_timeout=2", PGSQL_CONN_REPLICATION));
	CHECK(p.err_kind == PGSQL_ERR_CONNECT);
	CHECK(strstr(p.errmsg, "could not connect") != NULL);
	CHECK(!pgsql_open(&p, "host=/tmp port=1 bogus_option=1", PGSQL_CONN_SQL));
	CHECK(p.err_kind == PGSQL_ERR_AUTH);
	cdc_log_set_fd(2);
	close(devnull);
}

int
main(void)
{
	test_lsn();
	test_start_command();
	test_plugin_list();
	test_classify();
	test_connect_refused();
	return arka_test_summary("test_pgsql");
}
