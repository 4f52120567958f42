/*-------------------------------------------------------------------------
 *
 * test_stream.c
 *	  Replication protocol messages byte by byte, and the LSN rules.
 *
 * Status updates are checked against hand-assembled bytes; XLogData and
 * keepalive decoding against hand-assembled server messages, including
 * short ones.  The position rules (never confirm beyond what the caller
 * declared durable; keepalive walEnd only when caught up) are checked
 * through the connection-free half of the stream module.
 *
 *-------------------------------------------------------------------------
 */
#include <signal.h>
#include <stdint.h>

#include "cdc_test.h"
#include "log.h"
#include "stream.h"

static void
test_int64(void)
{
	unsigned char b[8];
	static const unsigned char want1[8] = {0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08};
	static const unsigned char want2[8] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xfe};

	stream_put_int64(b, INT64_C(0x0102030405060708));
	CHECK_BYTES(b, want1, 8);
	CHECK(stream_get_int64(b) == INT64_C(0x0102030405060708));
	stream_put_int64(b, -2);
	CHECK_BYTES(b, want2, 8);
	CHECK(stream_get_int64(b) == -2);
	stream_put_int64(b, INT64_MIN);
	CHECK(b[0] == 0x80 && b[7] == 0);
	CHECK(stream_get_int64(b) == INT64_MIN);
	stream_put_int64(b, INT64_MAX);
	CHECK(stream_get_int64(b) == INT64_MAX);
}

static void
test_time(void)
{
	/* 2000-01-01 00:00:00 UTC is Unix 946684800 */
	CHECK(stream_unix_to_pg_us(INT64_C(946684800000000)) == 0);
	CHECK(stream_pg_to_unix_us(0) == INT64_C(946684800000000));
	CHECK(stream_pg_to_unix_us(stream_unix_to_pg_us(123456789)) == 123456789);
	/* 2024-03-01 12:34:56.789 UTC = Unix 1709296496.789 */
	CHECK(stream_unix_to_pg_us(INT64_C(1709296496789000)) == INT64_C(762611696789000));
	/* now is after 2020 and before 2100 */
	CHECK(stream_now_pg() > INT64_C(631152000000000));
	CHECK(stream_now_pg() < INT64_C(3155760000000000));
}

static void
test_status_encoding(void)
{
	unsigned char got[STREAM_STATUS_LEN];
	static const unsigned char want[STREAM_STATUS_LEN] = {
		'r',
		0x00, 0x00, 0x00, 0x16, 0xB3, 0x74, 0xD8, 0x48,	/* write 16/B374D848 */
		0x00, 0x00, 0x00, 0x16, 0xB3, 0x74, 0xD0, 0x00,	/* flush 16/B374D000 */
		0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,	/* apply 0 */
		0x00, 0x02, 0xB5, 0x97, 0x5F, 0x49, 0xE6, 0xC8,	/* 762611696789192 µs */
		0x00
	};
	static const unsigned char want_reply[STREAM_STATUS_LEN] = {
		'r',
		0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF,
		0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01,
		0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01,
		0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF,	/* -1 µs */
		0x01
	};

	CHECK(STREAM_STATUS_LEN == 34);
	stream_encode_status(got, UINT64_C(0x16B374D848), UINT64_C(0x16B374D000), 0,
						 INT64_C(762611696789192), false);
	CHECK_BYTES(got, want, STREAM_STATUS_LEN);
	stream_encode_status(got, UINT64_MAX, 1, 1, -1, true);
	CHECK_BYTES(got, want_reply, STREAM_STATUS_LEN);
}

static void
test_decode(void)
{
	StreamMessage m;
	char		err[128];
	static const char xlog[] = {
		'w',
		0x00, 0x00, 0x00, 0x00, 0x01, 0x54, 0x0B, 0x48,	/* dataStart 0/1540B48 */
		0x00, 0x00, 0x00, 0x00, 0x01, 0x54, 0x0B, 0x48,	/* walEnd */
		0x00, 0x02, 0xB5, 0x97, 0x5F, 0x49, 0xE6, 0xC8,	/* sendTime */
		'{', '}', '\0'
	};
	static const char ka[] = {
		'k',
		0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x10,	/* walEnd 1/10 */
		0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x2A,	/* sendTime 42 */
		0x01
	};

	CHECK(stream_decode_message(xlog, 27, &m, err, sizeof(err)));
	CHECK(m.kind == STREAM_MSG_XLOGDATA);
	CHECK(m.data_start == UINT64_C(0x1540B48));
	CHECK(m.wal_end == UINT64_C(0x1540B48));
	CHECK(m.send_time == INT64_C(762611696789192));
	CHECK(m.len == 2 && memcmp(m.data, "{}", 2) == 0);

	/* an XLogData with an empty payload is legal */
	CHECK(stream_decode_message(xlog, 25, &m, err, sizeof(err)) && m.len == 0);

	CHECK(stream_decode_message(ka, sizeof(ka), &m, err, sizeof(err)));
	CHECK(m.kind == STREAM_MSG_KEEPALIVE);
	CHECK(m.wal_end == UINT64_C(0x100000010));
	CHECK(m.send_time == 42);
	CHECK(m.reply_requested);

	/* every truncation of either message is refused, never read past */
	for (size_t n = 0; n < 25; n++)
		CHECK(!stream_decode_message(xlog, n, &m, err, sizeof(err)));
	for (size_t n = 0; n < sizeof(ka); n++)
		CHECK(!stream_decode_message(ka, n, &m, err, sizeof(err)));
	CHECK(strstr(err, "keepalive") != NULL);

	CHECK(!stream_decode_message("x123", 4, &m, err, sizeof(err)));
	CHECK(strstr(err, "unexpected") != NULL);
	CHECK(!stream_decode_message(NULL, 0, &m, err, sizeof(err)));
}

static StreamMessage
xlogdata(CdcLsn lsn)
{
	StreamMessage m;

	memset(&m, 0, sizeof(m));
	m.kind = STREAM_MSG_XLOGDATA;
	m.data_start = lsn;
	m.wal_end = lsn;
	return m;
}

static StreamMessage
keepalive(CdcLsn wal_end, bool reply)
{
	StreamMessage m;

	memset(&m, 0, sizeof(m));
	m.kind = STREAM_MSG_KEEPALIVE;
	m.wal_end = wal_end;
	m.reply_requested = reply;
	return m;
}

/*
 * The position rules, replaying what a transaction looks like on the
 * wire: B (dataStart = first change), I, C (dataStart = end of commit).
 */
static void
test_positions(void)
{
	StreamContext s;
	PGSQL		dummy;
	CdcLsn		w,
				f,
				a;
	StreamMessage m;

	memset(&dummy, 0, sizeof(dummy));
	stream_init(&s, &dummy, 0x1000, 0);
	CHECK(s.status_interval_ms == STREAM_DEFAULT_STATUS_INTERVAL_MS);
	stream_status_positions(&s, &w, &f, &a);
	CHECK(w == 0x1000 && f == 0x1000 && a == 0x1000);
	CHECK(s.caught_up);

	/* a keepalive while caught up: walEnd is safe to confirm */
	m = keepalive(0x1100, false);
	stream_apply_keepalive(&s, &m);
	stream_status_positions(&s, &w, &f, &a);
	CHECK(f == 0x1100 && w == 0x1100);
	CHECK(!s.reply_pending);

	/* a transaction arrives: B, I, C */
	m = xlogdata(0x1200);
	stream_apply_xlogdata(&s, &m);
	CHECK(!s.caught_up);
	m = xlogdata(0x1210);
	stream_apply_xlogdata(&s, &m);
	m = xlogdata(0x1300);		/* C: end of the commit record */
	stream_apply_xlogdata(&s, &m);
	stream_status_positions(&s, &w, &f, &a);
	CHECK(w == 0x1300);			/* received */
	CHECK(f == 0x1100);			/* not processed yet: flush stays */

	/* a keepalive mid-processing must not move flush, but asks a reply */
	m = keepalive(0x1400, true);
	stream_apply_keepalive(&s, &m);
	stream_status_positions(&s, &w, &f, &a);
	CHECK(f == 0x1100);
	CHECK(w == 0x1400);
	CHECK(s.reply_pending);
	CHECK(s.server_wal_end == 0x1400);

	/* the caller commits the transaction's flags and confirms its end */
	stream_confirm(&s, 0x1300, true);
	stream_status_positions(&s, &w, &f, &a);
	CHECK(f == 0x1300 && a == 0x1300);

	/* now caught up: the next keepalive's walEnd may be confirmed */
	m = keepalive(0x1500, false);
	stream_apply_keepalive(&s, &m);
	stream_status_positions(&s, &w, &f, &a);
	CHECK(f == 0x1500);

	/* positions never go back */
	stream_confirm(&s, 0x1200, true);
	stream_status_positions(&s, &w, &f, &a);
	CHECK(f == 0x1500);
	m = keepalive(0x1450, false);
	stream_apply_keepalive(&s, &m);
	stream_status_positions(&s, &w, &f, &a);
	CHECK(f == 0x1500);

	/* confirming what was never received is clamped to what was (and warned) */
	m = xlogdata(0x1600);
	stream_apply_xlogdata(&s, &m);
	cdc_log_set_level(CDC_LOG_ERROR);
	stream_confirm(&s, 0x9999, false);
	cdc_log_set_level(CDC_LOG_INFO);
	stream_status_positions(&s, &w, &f, &a);
	CHECK(f == 0x1600);
	/* caught_up false: a keepalive does not move flush */
	m = keepalive(0x1700, false);
	stream_apply_keepalive(&s, &m);
	stream_status_positions(&s, &w, &f, &a);
	CHECK(f == 0x1600 && w == 0x1700);

	/* a non-transactional message is confirmed by its own LSN */
	m = xlogdata(0x1800);
	stream_apply_xlogdata(&s, &m);
	stream_confirm(&s, 0x1800, true);
	stream_status_positions(&s, &w, &f, &a);
	CHECK(f == 0x1800);

	CHECK(s.n_xlogdata == 5);
	CHECK(s.n_keepalive == 5);
}

static void
test_backoff(void)
{
	CdcBackoff	b;
	int			prev = 100;
	int			distinct = 0;
	int			last = -1;

	cdc_backoff_init(&b, 100, 5000, 42);
	for (int i = 0; i < 200; i++)
	{
		int			d = cdc_backoff_next(&b);
		int			hi = prev * 3 > 5000 ? 5000 : prev * 3;

		CHECK(d >= 100 && d <= hi);
		if (d != last)
			distinct++;
		last = d;
		prev = d;
	}
	CHECK(b.attempt == 200);
	CHECK(distinct > 100);		/* jittered, not a fixed ladder */
	cdc_backoff_reset(&b);
	CHECK(b.attempt == 0 && b.prev_ms == 100);
	CHECK(cdc_backoff_next(&b) <= 300);

	/* bad parameters are repaired, never divide by zero */
	cdc_backoff_init(&b, 0, 0, 0);
	CHECK(b.base_ms == 500 && b.cap_ms == 500);
	CHECK(cdc_backoff_next(&b) == 500);

	/* the growth reaches the cap */
	cdc_backoff_init(&b, 10, 1000, 7);
	{
		int			maxd = 0;

		for (int i = 0; i < 100; i++)
		{
			int			d = cdc_backoff_next(&b);

			if (d > maxd)
				maxd = d;
		}
		CHECK(maxd > 500 && maxd <= 1000);
	}
}

static void
test_signals(void)
{
	CHECK(stream_install_signals());
	CHECK(!stream_stop_requested());
	raise(SIGHUP);
	CHECK(stream_reload_requested());
	CHECK(!stream_reload_requested());	/* test-and-clear */
	CHECK(stream_sleep(5));
	raise(SIGTERM);
	CHECK(stream_stop_requested());
	CHECK(!stream_sleep(1000));	/* returns at once */
	stream_reset_signals();
	CHECK(!stream_stop_requested());
}

int
main(void)
{
	test_int64();
	test_time();
	test_status_encoding();
	test_decode();
	test_positions();
	test_backoff();
	test_signals();
	return arka_test_summary("test_stream");
}
