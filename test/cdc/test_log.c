/*-------------------------------------------------------------------------
 *
 * test_log.c
 *	  Structured log lines: one line per event, key=value, quoted safely.
 *
 *-------------------------------------------------------------------------
 */
#include <unistd.h>

#include "cdc_test.h"
#include "log.h"

/* Capture what the logger writes through a pipe. */
static int	pipefd[2];

static void
capture_begin(void)
{
	if (pipe(pipefd) != 0)
		abort();
	cdc_log_set_fd(pipefd[1]);
}

static char *
capture_end(void)
{
	static char buf[65536];
	ssize_t		n;

	close(pipefd[1]);
	n = read(pipefd[0], buf, sizeof(buf) - 1);
	buf[n > 0 ? n : 0] = '\0';
	close(pipefd[0]);
	cdc_log_set_fd(2);
	return buf;
}

static void
test_quote(void)
{
	char		b[256];

	cdc_log_quote(b, sizeof(b), "plain", 5);
	CHECK_STR(b, "plain");
	cdc_log_quote(b, sizeof(b), "", 0);
	CHECK_STR(b, "\"\"");
	cdc_log_quote(b, sizeof(b), "two words", 9);
	CHECK_STR(b, "\"two words\"");
	cdc_log_quote(b, sizeof(b), "a=b", 3);
	CHECK_STR(b, "\"a=b\"");
	cdc_log_quote(b, sizeof(b), "say \"hi\"\n\tback\\slash\r", 21);
	CHECK_STR(b, "\"say \\\"hi\\\"\\n\\tback\\\\slash\\r\"");
	cdc_log_quote(b, sizeof(b), "bell\x07", 5);
	CHECK_STR(b, "\"bell\\x07\"");
	cdc_log_quote(b, sizeof(b), "caf\xc3\xa9", 5);
	CHECK_STR(b, "caf\xc3\xa9");	/* UTF-8 passes through */
	cdc_log_quote(b, sizeof(b), NULL, 0);
	CHECK_STR(b, "\"\"");
	/* truncation never overruns */
	cdc_log_quote(b, 4, "abcdefgh", 8);
	CHECK(strlen(b) == 3);
}

static void
test_lines(void)
{
	char	   *out;
	CdcLogLine	l;

	capture_begin();
	cdc_log_set_level(CDC_LOG_INFO);
	log_info("stream.start", "streaming from %s", "0/1540B18");
	log_debug("stream.status", "dropped %d", 1);
	if (cdc_log_begin(&l, CDC_LOG_WARN, "stream.reconnect"))
	{
		cdc_log_int(&l, "attempt", 3);
		cdc_log_uint(&l, "bytes", 18446744073709551615ULL);
		cdc_log_lsn(&l, "lsn", UINT64_C(0x16B374D848));
		cdc_log_bool(&l, "retry", true);
		cdc_log_str(&l, "error", "could not connect:\nConnection refused");
		cdc_log_fmt(&l, "delay", "%dms", 250);
		cdc_log_end(&l);
	}
	out = capture_end();

	/* two lines: info and warn; debug filtered */
	{
		int			lines = 0;

		for (char *p = out; *p; p++)
			if (*p == '\n')
				lines++;
		CHECK(lines == 2);
	}
	CHECK(strncmp(out, "ts=", 3) == 0);
	CHECK(strstr(out, "Z level=info event=stream.start msg=\"streaming from 0/1540B18\"\n") != NULL);
	CHECK(strstr(out, "dropped") == NULL);
	CHECK(strstr(out, "level=warn event=stream.reconnect attempt=3 bytes=18446744073709551615 "
				 "lsn=16/B374D848 retry=true error=\"could not connect:\\nConnection refused\" "
				 "delay=250ms\n") != NULL);
	/* the timestamp is ISO 8601 UTC with microseconds */
	CHECK(out[7] == '-' && out[10] == '-' && out[13] == 'T' && out[16] == ':' && out[22] == '.' &&
		  out[29] == 'Z');

	/* levels */
	{
		CdcLogLevel lv;

		CHECK(cdc_log_parse_level("debug", &lv) && lv == CDC_LOG_DEBUG);
		CHECK(cdc_log_parse_level("warning", &lv) && lv == CDC_LOG_WARN);
		CHECK(cdc_log_parse_level("fatal", &lv) && lv == CDC_LOG_FATAL);
		CHECK(!cdc_log_parse_level("loud", &lv));
		CHECK(!cdc_log_parse_level(NULL, &lv));
		CHECK(strcmp(cdc_log_level_name(CDC_LOG_ERROR), "error") == 0);
	}

	capture_begin();
	cdc_log_set_level(CDC_LOG_ERROR);
	log_warn("x", "hidden");
	log_error("y", "shown");
	cdc_log_set_level(CDC_LOG_INFO);
	out = capture_end();
	CHECK(strstr(out, "hidden") == NULL && strstr(out, "event=y msg=shown\n") != NULL);
}

static void
test_long_line(void)
{
	char	   *out;
	char	   *big = malloc(20000);

	memset(big, 'x', 19999);
	big[19999] = '\0';
	capture_begin();
	log_error("big", "%s", big);
	out = capture_end();
	CHECK(strlen(out) <= CDC_LOG_LINE_MAX + 1);
	CHECK(strstr(out, " truncated=true\n") != NULL);
	CHECK(strchr(out, '\n') == out + strlen(out) - 1);	/* still one line */
	free(big);
}

int
main(void)
{
	test_quote();
	test_lines();
	test_long_line();
	return arka_test_summary("test_log");
}
