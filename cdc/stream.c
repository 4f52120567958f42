/*-------------------------------------------------------------------------
 *
 * stream.c
 *	  The CopyBoth loop of arka-cdc: XLogData in, standby status out.
 *
 * The loop follows pg_recvlogical's StreamLogicalLog: a non-blocking
 * PQgetCopyData, and when nothing is buffered a select() on the socket
 * whose timeout is the next status deadline.  Unlike pg_recvlogical,
 * which confirms what it has fsync'ed to a file, the flush position here
 * is whatever the caller declared durable with stream_confirm: arka-cdc
 * commits its flags and its progress in one transaction and only then
 * confirms (pgcopydb's "replay_lsn" design).
 *
 * Every place that moves or sends a position says why it is safe.
 *
 *-------------------------------------------------------------------------
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/select.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "stream.h"

/* ---------------------------------------------------------------------
 * Wire helpers
 * ---------------------------------------------------------------------
 */

void
stream_put_int64(unsigned char *buf, int64_t v)
{
	uint64_t	u = (uint64_t) v;

	for (int i = 7; i >= 0; i--)
	{
		buf[i] = (unsigned char) (u & 0xFF);
		u >>= 8;
	}
}

int64_t
stream_get_int64(const unsigned char *buf)
{
	uint64_t	u = 0;

	for (int i = 0; i < 8; i++)
		u = (u << 8) | buf[i];
	return (int64_t) u;
}

int64_t
stream_unix_to_pg_us(int64_t unix_us)
{
	return unix_us - STREAM_PG_EPOCH_OFFSET_SECS * INT64_C(1000000);
}

int64_t
stream_pg_to_unix_us(int64_t pg_us)
{
	return pg_us + STREAM_PG_EPOCH_OFFSET_SECS * INT64_C(1000000);
}

int64_t
stream_now_pg(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return stream_unix_to_pg_us((int64_t) ts.tv_sec * INT64_C(1000000) + ts.tv_nsec / 1000);
}

/* Monotonic milliseconds, for timeouts immune to clock changes. */
static int64_t
mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t) ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void
stream_encode_status(unsigned char *out, CdcLsn write, CdcLsn flush, CdcLsn apply,
					 int64_t send_time, bool reply_requested)
{
	out[0] = 'r';
	stream_put_int64(out + 1, (int64_t) write);
	stream_put_int64(out + 9, (int64_t) flush);
	stream_put_int64(out + 17, (int64_t) apply);
	stream_put_int64(out + 25, send_time);
	out[33] = reply_requested ? 1 : 0;
}

bool
stream_decode_message(const char *buf, size_t len, StreamMessage *out, char *err, size_t errlen)
{
	const unsigned char *u = (const unsigned char *) buf;

	memset(out, 0, sizeof(*out));
	if (buf == NULL || len == 0)
	{
		snprintf(err, errlen, "empty CopyData message");
		return false;
	}
	switch (buf[0])
	{
		case 'w':
			if (len < STREAM_XLOGDATA_HDR_LEN)
			{
				snprintf(err, errlen, "XLogData message of %zu bytes, shorter than its %d-byte header",
						 len, STREAM_XLOGDATA_HDR_LEN);
				return false;
			}
			out->kind = STREAM_MSG_XLOGDATA;
			out->data_start = (CdcLsn) stream_get_int64(u + 1);
			out->wal_end = (CdcLsn) stream_get_int64(u + 9);
			out->send_time = stream_get_int64(u + 17);
			out->data = buf + STREAM_XLOGDATA_HDR_LEN;
			out->len = len - STREAM_XLOGDATA_HDR_LEN;
			return true;
		case 'k':
			if (len < STREAM_KEEPALIVE_LEN)
			{
				snprintf(err, errlen, "keepalive message of %zu bytes, expected %d",
						 len, STREAM_KEEPALIVE_LEN);
				return false;
			}
			out->kind = STREAM_MSG_KEEPALIVE;
			out->wal_end = (CdcLsn) stream_get_int64(u + 1);
			out->send_time = stream_get_int64(u + 9);
			out->reply_requested = u[17] != 0;
			return true;
		default:
			snprintf(err, errlen, "unexpected CopyData message type 0x%02x", u[0]);
			return false;
	}
}

/* ---------------------------------------------------------------------
 * Signals: flags plus a self-pipe that wakes select()
 * ---------------------------------------------------------------------
 */

static volatile sig_atomic_t stop_flag = 0;
static volatile sig_atomic_t reload_flag = 0;
static int	wake_pipe[2] = {-1, -1};

static void
wake(void)
{
	int			saved = errno;

	if (wake_pipe[1] >= 0)
	{
		ssize_t		w = write(wake_pipe[1], "x", 1);

		(void) w;				/* a full pipe already wakes the loop */
	}
	errno = saved;
}

static void
handle_stop(int sig)
{
	(void) sig;
	stop_flag = 1;
	wake();
}

static void
handle_reload(int sig)
{
	(void) sig;
	reload_flag = 1;
	wake();
}

static bool
ensure_pipe(void)
{
	if (wake_pipe[0] >= 0)
		return true;
	if (pipe(wake_pipe) != 0)
	{
		log_error("stream.signals", "could not create the wake-up pipe: %s", strerror(errno));
		return false;
	}
	for (int i = 0; i < 2; i++)
	{
		fcntl(wake_pipe[i], F_SETFL, fcntl(wake_pipe[i], F_GETFL) | O_NONBLOCK);
		fcntl(wake_pipe[i], F_SETFD, FD_CLOEXEC);
	}
	return true;
}

bool
stream_install_signals(void)
{
	struct sigaction sa;

	if (!ensure_pipe())
		return false;
	memset(&sa, 0, sizeof(sa));
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = 0;			/* no SA_RESTART: select() returns EINTR */
	sa.sa_handler = handle_stop;
	if (sigaction(SIGTERM, &sa, NULL) != 0 || sigaction(SIGINT, &sa, NULL) != 0)
	{
		log_error("stream.signals", "could not install the SIGTERM handler: %s", strerror(errno));
		return false;
	}
	sa.sa_handler = handle_reload;
	if (sigaction(SIGHUP, &sa, NULL) != 0)
	{
		log_error("stream.signals", "could not install the SIGHUP handler: %s", strerror(errno));
		return false;
	}
	/* libpq uses MSG_NOSIGNAL, but a closed log pipe must not kill us */
	signal(SIGPIPE, SIG_IGN);
	return true;
}

bool
stream_stop_requested(void)
{
	return stop_flag != 0;
}

bool
stream_reload_requested(void)
{
	if (reload_flag)
	{
		reload_flag = 0;
		return true;
	}
	return false;
}

void
stream_request_stop(void)
{
	stop_flag = 1;
	wake();
}

void
stream_reset_signals(void)
{
	stop_flag = 0;
	reload_flag = 0;
	if (wake_pipe[0] >= 0)
	{
		char		buf[64];

		while (read(wake_pipe[0], buf, sizeof(buf)) > 0)
			;
	}
}

/* Empty the wake-up pipe after select() said it is readable. */
static void
drain_wake_pipe(void)
{
	char		buf[64];

	while (read(wake_pipe[0], buf, sizeof(buf)) > 0)
		;
}

/*
 * Wait until fd (may be -1) is readable, the wake-up pipe is written, or
 * ms elapse.  Returns 1 if fd is readable, 0 otherwise, -1 on error.
 */
static int
wait_readable(int fd, int ms)
{
	fd_set		rfds;
	struct timeval tv;
	int			maxfd = fd;
	int			r;

	FD_ZERO(&rfds);
	if (fd >= 0)
		FD_SET(fd, &rfds);
	if (wake_pipe[0] >= 0)
	{
		FD_SET(wake_pipe[0], &rfds);
		if (wake_pipe[0] > maxfd)
			maxfd = wake_pipe[0];
	}
	if (ms < 0)
		ms = 0;
	tv.tv_sec = ms / 1000;
	tv.tv_usec = (ms % 1000) * 1000;
	r = select(maxfd + 1, &rfds, NULL, NULL, &tv);
	if (r < 0)
		return errno == EINTR ? 0 : -1;
	if (wake_pipe[0] >= 0 && FD_ISSET(wake_pipe[0], &rfds))
		drain_wake_pipe();
	return (fd >= 0 && FD_ISSET(fd, &rfds)) ? 1 : 0;
}

bool
stream_sleep(int ms)
{
	int64_t		end = mono_ms() + ms;

	(void) ensure_pipe();
	for (;;)
	{
		int64_t		left = end - mono_ms();

		if (stop_flag)
			return false;
		if (left <= 0)
			return true;
		if (wait_readable(-1, (int) left) < 0)
			return !stop_flag;
	}
}

/* ---------------------------------------------------------------------
 * The loop
 * ---------------------------------------------------------------------
 */

void
stream_init(StreamContext *s, PGSQL *pgsql, CdcLsn startpos, int status_interval_ms)
{
	memset(s, 0, sizeof(*s));
	s->pgsql = pgsql;
	s->in_copy = true;
	s->startpos = startpos;

	/*
	 * LSN decision: start with received = durable = startpos.  startpos is
	 * either a position the caller committed as processed in a previous
	 * run, or the slot's confirmed_flush_lsn: everything before it is
	 * already confirmed, and the server never sends a transaction that
	 * committed before it again.  Reporting it as flushed therefore
	 * confirms nothing that has not been confirmed or processed already.
	 */
	s->received_lsn = startpos;
	s->durable_lsn = startpos;
	s->caught_up = true;		/* nothing delivered yet */
	s->status_interval_ms = status_interval_ms > 0 ? status_interval_ms
		: STREAM_DEFAULT_STATUS_INTERVAL_MS;
	(void) ensure_pipe();
}

void
stream_status_positions(const StreamContext *s, CdcLsn *write, CdcLsn *flush, CdcLsn *apply)
{
	/*
	 * LSN decision: flush is the durable position and nothing else.  The
	 * server turns it into confirmed_flush_lsn and will never decode what
	 * lies before it again, so it must not exceed what the caller has
	 * committed (stream_confirm), whatever has been received.
	 */
	*flush = s->durable_lsn;

	/*
	 * write is what we have received: the server uses it only to report
	 * pg_stat_replication.write_lsn, never to discard WAL.
	 */
	*write = s->received_lsn > *flush ? s->received_lsn : *flush;

	/*
	 * apply equals flush: arka-cdc records a change's outcome in the same
	 * commit as its progress, so "applied" and "durable" coincide.
	 * (pg_recvlogical sends InvalidXLogRecPtr; ours shows up as replay_lsn.)
	 */
	*apply = *flush;
}

bool
stream_send_status(StreamContext *s, bool force, bool reply_requested)
{
	unsigned char msg[STREAM_STATUS_LEN];
	CdcLsn		write,
				flush,
				apply;
	int64_t		now = stream_now_pg();

	if (!force && s->received_lsn == s->sent_write && s->durable_lsn == s->sent_flush)
		return true;

	stream_status_positions(s, &write, &flush, &apply);
	stream_encode_status(msg, write, flush, apply, now, reply_requested);
	if (PQputCopyData(s->pgsql->conn, (const char *) msg, STREAM_STATUS_LEN) <= 0 ||
		PQflush(s->pgsql->conn) != 0)
	{
		pgsql_fail_result(s->pgsql, NULL, "could not send a standby status update", "stream.status");
		return false;
	}
	s->sent_write = write;
	s->sent_flush = flush;
	s->last_status_time = now;
	s->reply_pending = false;
	s->n_status++;
	{
		CdcLogLine	l;

		if (cdc_log_begin(&l, CDC_LOG_DEBUG, "stream.status"))
		{
			cdc_log_lsn(&l, "write", write);
			cdc_log_lsn(&l, "flush", flush);
			cdc_log_end(&l);
		}
	}
	return true;
}

void
stream_confirm(StreamContext *s, CdcLsn lsn, bool caught_up)
{
	/*
	 * LSN decision: a position beyond what we have received cannot have
	 * been processed; refuse to believe it (it would be a caller bug, and
	 * confirming it could skip data the server has not even sent).
	 */
	if (lsn > s->received_lsn)
	{
		char		a[CDC_LSN_STRLEN],
					b[CDC_LSN_STRLEN];

		log_warn("stream.confirm", "confirmed position %s is beyond the received position %s; "
				 "clamped", cdc_lsn_format(lsn, a), cdc_lsn_format(s->received_lsn, b));
		lsn = s->received_lsn;
	}

	/*
	 * LSN decision: positions only move forward.  An older position is
	 * already covered by the newer one, and confirmed_flush_lsn on the
	 * server must never be asked to go back.
	 */
	if (lsn > s->durable_lsn)
		s->durable_lsn = lsn;
	s->caught_up = caught_up;
}

/*
 * The write step: an XLogData message arrived.  Track how far the
 * server has sent; nothing is confirmed here.
 */
void
stream_apply_xlogdata(StreamContext *s, const StreamMessage *msg)
{
	/*
	 * LSN decision: received_lsn ("write") follows dataStart, as in
	 * pg_recvlogical.  It never feeds the flush position by itself.
	 */
	if (msg->data_start > s->received_lsn)
		s->received_lsn = msg->data_start;
	if (msg->wal_end > s->server_wal_end)
		s->server_wal_end = msg->wal_end;
	s->server_send_time = msg->send_time;

	/*
	 * LSN decision: a message is now delivered but not yet processed, so
	 * keepalives must not move the flush position until the caller
	 * confirms again.
	 */
	s->caught_up = false;
	s->n_xlogdata++;
}

/*
 * The keepalive step, positions only: remember the server's position and
 * move the durable position when that is provably safe.
 */
void
stream_apply_keepalive(StreamContext *s, const StreamMessage *msg)
{
	s->n_keepalive++;
	if (msg->wal_end > s->server_wal_end)
		s->server_wal_end = msg->wal_end;
	s->server_send_time = msg->send_time;

	/*
	 * LSN decision: walEnd of a keepalive is how far the walsender has
	 * decoded (its sentPtr).  Messages travel in order, so any output for
	 * transactions committed before walEnd reached us before this
	 * keepalive.  If the caller is caught up (every message delivered so
	 * far processed and durable) there is nothing before walEnd left to
	 * process: confirming walEnd loses nothing.  A transaction still open
	 * at walEnd commits after it, so the server decodes it in full after a
	 * restart (restart_lsn is held back for it).  This is what keeps an
	 * idle slot from pinning WAL when nothing it watches changes, and
	 * what pg_recvlogical does once its output is fsync'ed.
	 */
	if (s->caught_up && msg->wal_end > s->durable_lsn)
	{
		if (msg->wal_end > s->received_lsn)
			s->received_lsn = msg->wal_end;
		s->durable_lsn = msg->wal_end;
	}
	else if (msg->wal_end > s->received_lsn)
	{
		/* "write" only: received, says nothing about processed */
		s->received_lsn = msg->wal_end;
	}
	if (msg->reply_requested)
		s->reply_pending = true;
}

/* The keepalive step: positions, then an immediate answer if asked. */
static bool
stream_keepalive(StreamContext *s, const StreamMessage *msg)
{
	stream_apply_keepalive(s, msg);
	if (s->reply_pending)
	{
		/*
		 * Answer immediately, or wal_sender_timeout ends the connection.
		 * The reply carries the durable position as it stands.
		 */
		return stream_send_status(s, true, false);
	}
	return true;
}

/* Is a periodic status update due? */
static bool
status_due(const StreamContext *s, int64_t now)
{
	return s->last_status_time == 0 ||
		now - s->last_status_time >= (int64_t) s->status_interval_ms * 1000;
}

/*
 * The copy ended from the server's side (PQgetCopyData returned -1): read
 * the outcome.
 */
static StreamResult
stream_copy_ended(StreamContext *s)
{
	PGconn	   *conn = s->pgsql->conn;
	PGresult   *res = PQgetResult(conn);
	StreamResult result = STREAM_END;

	/*
	 * The server sent CopyDone (end position reached, or shutting down
	 * cleanly); we may still write, so end our half too.
	 */
	if (res && PQresultStatus(res) == PGRES_COPY_IN)
	{
		PQclear(res);
		if (PQputCopyEnd(conn, NULL) <= 0 || PQflush(conn) != 0)
		{
			pgsql_fail_result(s->pgsql, NULL, "could not end the copy", "stream.end");
			s->in_copy = false;
			return STREAM_ERROR;
		}
		res = PQgetResult(conn);
	}
	s->in_copy = false;
	while (res != NULL)
	{
		ExecStatusType st = PQresultStatus(res);

		if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK && result != STREAM_ERROR)
		{
			pgsql_fail_result(s->pgsql, res, "replication stream ended with an error", "stream.end");
			result = STREAM_ERROR;
		}
		PQclear(res);
		res = PQgetResult(conn);
	}
	if (result == STREAM_END)
	{
		CdcLogLine	l;

		if (cdc_log_begin(&l, CDC_LOG_INFO, "stream.end"))
		{
			cdc_log_str(&l, "msg", "the server ended the replication stream");
			cdc_log_lsn(&l, "received", s->received_lsn);
			cdc_log_lsn(&l, "durable", s->durable_lsn);
			cdc_log_end(&l);
		}
	}
	return result;
}

StreamResult
stream_next(StreamContext *s, StreamMessage *msg, int timeout_ms)
{
	PGconn	   *conn = s->pgsql->conn;
	int64_t		deadline = timeout_ms >= 0 ? mono_ms() + timeout_ms : -1;

	if (!s->in_copy)
		return STREAM_END;
	if (s->copybuf)
	{
		PQfreemem(s->copybuf);
		s->copybuf = NULL;
	}

	for (;;)
	{
		int64_t		now;
		int			r;
		char		err[256];

		if (stop_flag)
			return STREAM_STOP;

		now = stream_now_pg();
		if (s->reply_pending || status_due(s, now))
		{
			if (!stream_send_status(s, true, false))
				return STREAM_ERROR;
		}

		r = PQgetCopyData(conn, &s->copybuf, 1);
		if (r == 0)
		{
			/* nothing buffered: wait for the socket, a signal or a deadline */
			int64_t		wait_ms = (int64_t) s->status_interval_ms -
				(stream_now_pg() - s->last_status_time) / 1000;
			int			w;

			if (deadline >= 0)
			{
				int64_t		left = deadline - mono_ms();

				if (left <= 0)
				{
					/*
					 * Out of time, but bytes may wait in the socket that libpq
					 * has not read yet: take them in without waiting, so a
					 * zero timeout polls rather than never reads.
					 */
					int			w0 = wait_readable(PQsocket(conn), 0);

					if (w0 > 0)
					{
						if (!PQconsumeInput(conn))
						{
							pgsql_fail_result(s->pgsql, NULL, "replication connection lost",
											  "stream.read");
							return STREAM_ERROR;
						}
						r = PQgetCopyData(conn, &s->copybuf, 1);
						if (r != 0)
							goto got;
					}
					return STREAM_IDLE;
				}
				if (left < wait_ms)
					wait_ms = left;
			}
			if (wait_ms < 0)
				wait_ms = 0;
			if (wait_ms > 60000)
				wait_ms = 60000;
			w = wait_readable(PQsocket(conn), (int) wait_ms);
			if (w < 0)
			{
				pgsql_fail(s->pgsql, PGSQL_ERR_CONNECT, "stream.wait",
						   "select() on the replication connection failed: %s", strerror(errno));
				return STREAM_ERROR;
			}
			if (w > 0 && !PQconsumeInput(conn))
			{
				pgsql_fail_result(s->pgsql, NULL, "replication connection lost", "stream.read");
				return STREAM_ERROR;
			}
			continue;
		}
got:
		if (r == -1)
			return stream_copy_ended(s);
		if (r == -2)
		{
			pgsql_fail_result(s->pgsql, NULL, "could not read from the replication stream",
							  "stream.read");
			return STREAM_ERROR;
		}

		s->bytes_received += (uint64_t) r;
		if (!stream_decode_message(s->copybuf, (size_t) r, msg, err, sizeof(err)))
		{
			pgsql_fail(s->pgsql, PGSQL_ERR_PROTOCOL, "stream.read", "%s", err);
			return STREAM_ERROR;
		}
		if (msg->kind == STREAM_MSG_KEEPALIVE)
		{
			if (!stream_keepalive(s, msg))
				return STREAM_ERROR;
			return STREAM_KEEPALIVE;
		}
		stream_apply_xlogdata(s, msg);
		return STREAM_DATA;
	}
}

bool
stream_close(StreamContext *s, int timeout_ms)
{
	PGconn	   *conn = s->pgsql->conn;
	int64_t		deadline = mono_ms() + (timeout_ms > 0 ? timeout_ms : 5000);
	bool		ok = true;
	PGresult   *res;

	if (s->copybuf)
	{
		PQfreemem(s->copybuf);
		s->copybuf = NULL;
	}
	if (!s->in_copy || conn == NULL || PQstatus(conn) != CONNECTION_OK)
	{
		s->in_copy = false;
		return true;
	}

	/*
	 * LSN decision: the final status carries the durable position only.
	 * Messages received but not processed are not confirmed, so the server
	 * sends them again when streaming restarts.
	 */
	if (!stream_send_status(s, true, false))
	{
		s->in_copy = false;
		return false;
	}
	if (PQputCopyEnd(conn, NULL) <= 0 || PQflush(conn) != 0)
	{
		pgsql_fail_result(s->pgsql, NULL, "could not end the copy", "stream.close");
		s->in_copy = false;
		return false;
	}

	/* drain: the server may still send data before its CopyDone */
	for (;;)
	{
		char	   *buf = NULL;
		int			r = PQgetCopyData(conn, &buf, 1);

		if (r > 0)
		{
			PQfreemem(buf);		/* not processed, not confirmed */
			continue;
		}
		if (r == -1)
			break;
		if (r == -2)
		{
			pgsql_fail_result(s->pgsql, NULL, "could not drain the replication stream", "stream.close");
			s->in_copy = false;
			return false;
		}
		{
			int64_t		left = deadline - mono_ms();

			if (left <= 0)
			{
				pgsql_fail(s->pgsql, PGSQL_ERR_PROTOCOL, "stream.close",
						   "the server did not end the stream within %d ms", timeout_ms);
				s->in_copy = false;
				return false;
			}
			if (wait_readable(PQsocket(conn), (int) left) < 0 || !PQconsumeInput(conn))
			{
				pgsql_fail_result(s->pgsql, NULL, "could not drain the replication stream", "stream.close");
				s->in_copy = false;
				return false;
			}
		}
	}
	s->in_copy = false;
	while ((res = PQgetResult(conn)) != NULL)
	{
		ExecStatusType st = PQresultStatus(res);

		if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK && ok)
		{
			pgsql_fail_result(s->pgsql, res, "replication stream ended with an error", "stream.close");
			ok = false;
		}
		PQclear(res);
	}
	if (ok)
	{
		CdcLogLine	l;

		if (cdc_log_begin(&l, CDC_LOG_INFO, "stream.close"))
		{
			cdc_log_lsn(&l, "confirmed", s->durable_lsn);
			cdc_log_lsn(&l, "received", s->received_lsn);
			cdc_log_end(&l);
		}
	}
	return ok;
}

/* ---------------------------------------------------------------------
 * Reconnection
 * ---------------------------------------------------------------------
 */

static uint64_t
xorshift(uint64_t *state)
{
	uint64_t	x = *state;

	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	*state = x;
	return x;
}

void
cdc_backoff_init(CdcBackoff *b, int base_ms, int cap_ms, uint64_t seed)
{
	b->base_ms = base_ms > 0 ? base_ms : 500;
	b->cap_ms = cap_ms >= b->base_ms ? cap_ms : b->base_ms;
	b->prev_ms = b->base_ms;
	b->attempt = 0;
	b->rng = seed ? seed : UINT64_C(0x9E3779B97F4A7C15);
}

void
cdc_backoff_reset(CdcBackoff *b)
{
	b->prev_ms = b->base_ms;
	b->attempt = 0;
}

int
cdc_backoff_next(CdcBackoff *b)
{
	int64_t		hi = (int64_t) b->prev_ms * 3;
	int64_t		d;

	if (hi > b->cap_ms)
		hi = b->cap_ms;
	if (hi < b->base_ms)
		hi = b->base_ms;
	d = b->base_ms + (int64_t) (xorshift(&b->rng) % (uint64_t) (hi - b->base_ms + 1));
	b->prev_ms = (int) d;
	b->attempt++;
	return (int) d;
}

/* One attempt: connect, check, start.  On failure p is closed, errors kept. */
static bool
try_start(const StreamConnectOpts *o, CdcLsn *startpos, PGSQL *p)
{
	PgsqlServerInfo si;
	PgsqlSlotInfo slot;

	if (!pgsql_open(p, o->conninfo, PGSQL_CONN_REPLICATION))
		return false;
	if (!pgsql_set_session(p) ||
		!pgsql_check_server(p, &si) ||
		!pgsql_check_slot(p, o->slot, &slot))
	{
		pgsql_finish(p);
		return false;
	}

	/*
	 * LSN decision: start at the later of our own durable position and the
	 * slot's confirmed_flush_lsn.  The server forwards a lower start to
	 * confirmed_flush anyway (transactions committed before it are never
	 * sent again); taking the maximum here makes the stream's initial
	 * flush position equal to where the server really starts, so the
	 * first status update cannot ask confirmed_flush to move back.
	 */
	if (slot.confirmed_flush > *startpos)
		*startpos = slot.confirmed_flush;

	if (!pgsql_start_replication(p, o->slot, *startpos, o->options, o->noptions))
	{
		pgsql_finish(p);
		return false;
	}
	return true;
}

bool
stream_reconnect(const StreamConnectOpts *o, CdcLsn *startpos, PGSQL *p)
{
	CdcBackoff	b;
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	cdc_backoff_init(&b, o->base_ms, o->cap_ms > 0 ? o->cap_ms : 30000,
					 (uint64_t) ts.tv_nsec ^ ((uint64_t) getpid() << 32));
	for (int attempt = 1;; attempt++)
	{
		CdcLogLine	l;
		int			delay;

		if (stop_flag)
			return false;
		if (try_start(o, startpos, p))
		{
			if (attempt > 1 && cdc_log_begin(&l, CDC_LOG_INFO, "stream.reconnect"))
			{
				cdc_log_int(&l, "attempt", attempt);
				cdc_log_str(&l, "msg", "streaming again");
				cdc_log_end(&l);
			}
			return true;
		}
		if (!pgsql_error_is_transient(p->err_kind))
		{
			if (cdc_log_begin(&l, CDC_LOG_FATAL, "stream.reconnect"))
			{
				cdc_log_int(&l, "attempt", attempt);
				cdc_log_str(&l, "kind", pgsql_error_kind_name(p->err_kind));
				cdc_log_str(&l, "msg", "not retrying: this needs an operator (see the error above)");
				cdc_log_end(&l);
			}
			return false;
		}
		if (o->max_attempts > 0 && attempt >= o->max_attempts)
		{
			if (cdc_log_begin(&l, CDC_LOG_ERROR, "stream.reconnect"))
			{
				cdc_log_int(&l, "attempt", attempt);
				cdc_log_str(&l, "msg", "giving up");
				cdc_log_end(&l);
			}
			return false;
		}
		delay = cdc_backoff_next(&b);
		if (cdc_log_begin(&l, CDC_LOG_WARN, "stream.reconnect"))
		{
			cdc_log_int(&l, "attempt", attempt);
			cdc_log_int(&l, "retry_in_ms", delay);
			cdc_log_str(&l, "kind", pgsql_error_kind_name(p->err_kind));
			cdc_log_str(&l, "error", p->errmsg);
			cdc_log_end(&l);
		}
		if (!stream_sleep(delay))
			return false;
	}
}
