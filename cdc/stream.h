/*-------------------------------------------------------------------------
 *
 * stream.h
 *	  The CopyBoth loop of arka-cdc: XLogData in, standby status out.
 *
 * Shape after pg_recvlogical and pgcopydb's follow mode, in steps:
 *
 *   write      an XLogData ('w') message arrived: remember how far the
 *              server has sent, hand the payload to the caller;
 *   keepalive  a primary keepalive ('k') arrived: remember the server's
 *              WAL end, answer at once when it asks for a reply;
 *   flush      send a standby status update ('r') carrying the position
 *              the caller has declared durable (stream_confirm).
 *
 * The one rule: the flush position sent to the server never exceeds what
 * the caller declared durably processed.  The server treats flush as
 * confirmed_flush_lsn, the point before which it will never decode
 * again; confirming more than is durable would lose those changes for
 * good after a crash.
 *
 * Wire format (all integers big-endian, times in microseconds since
 * 2000-01-01 00:00:00 UTC, the PostgreSQL epoch):
 *   'w' dataStart:int64 walEnd:int64 sendTime:int64 payload...   (25 + n)
 *   'k' walEnd:int64 sendTime:int64 replyRequested:byte          (18)
 *   'r' write:int64 flush:int64 apply:int64 sendTime:int64 reply:byte (34)
 *
 *-------------------------------------------------------------------------
 */
#ifndef CDC_STREAM_H
#define CDC_STREAM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lsn.h"
#include "pgsql.h"

#define STREAM_XLOGDATA_HDR_LEN 25
#define STREAM_KEEPALIVE_LEN	18
#define STREAM_STATUS_LEN		34

/* Seconds between the Unix epoch and the PostgreSQL epoch (2000-01-01). */
#define STREAM_PG_EPOCH_OFFSET_SECS INT64_C(946684800)

#define STREAM_DEFAULT_STATUS_INTERVAL_MS 10000

/* Big-endian int64 helpers (the protocol's byte order). */
extern void stream_put_int64(unsigned char *buf, int64_t v);
extern int64_t stream_get_int64(const unsigned char *buf);

/* Clock: now, and conversions between Unix and PostgreSQL epochs (µs). */
extern int64_t stream_now_pg(void);
extern int64_t stream_unix_to_pg_us(int64_t unix_us);
extern int64_t stream_pg_to_unix_us(int64_t pg_us);

/* Encode a standby status update into out[STREAM_STATUS_LEN]. */
extern void stream_encode_status(unsigned char *out, CdcLsn write, CdcLsn flush,
								 CdcLsn apply, int64_t send_time, bool reply_requested);

typedef enum StreamMsgKind
{
	STREAM_MSG_XLOGDATA = 'w',
	STREAM_MSG_KEEPALIVE = 'k'
} StreamMsgKind;

typedef struct StreamMessage
{
	StreamMsgKind kind;
	CdcLsn		data_start;		/* 'w': LSN of the change (C: end of commit) */
	CdcLsn		wal_end;		/* server's position when it sent this */
	int64_t		send_time;		/* server clock, PostgreSQL epoch µs */
	bool		reply_requested;	/* 'k' only */
	const char *data;			/* 'w': payload (NUL-terminated by libpq) */
	size_t		len;
} StreamMessage;

/*
 * Decode one CopyData message from the server.  False (with a reason in
 * err) for an unknown type or a wrong length; data points into buf.
 */
extern bool stream_decode_message(const char *buf, size_t len, StreamMessage *out,
								  char *err, size_t errlen);

typedef enum StreamResult
{
	STREAM_DATA,				/* *msg holds an XLogData message */
	STREAM_KEEPALIVE,			/* *msg holds a keepalive (already answered) */
	STREAM_IDLE,				/* timeout elapsed, nothing arrived */
	STREAM_STOP,				/* SIGTERM/SIGINT: caller should drain and close */
	STREAM_END,					/* the server ended the stream cleanly */
	STREAM_ERROR				/* connection lost or protocol error (logged) */
} StreamResult;

typedef struct StreamContext
{
	PGSQL	   *pgsql;			/* replication connection in COPY BOTH */
	char	   *copybuf;		/* last buffer from PQgetCopyData */
	bool		in_copy;		/* COPY BOTH still open on our side */

	CdcLsn		startpos;
	CdcLsn		received_lsn;	/* highest position received ("write") */
	CdcLsn		durable_lsn;	/* declared durable by the caller ("flush") */
	bool		caught_up;		/* everything delivered is covered by durable_lsn */

	CdcLsn		server_wal_end; /* latest walEnd from the server */
	int64_t		server_send_time;	/* latest sendTime from the server */

	int			status_interval_ms;
	int64_t		last_status_time;	/* PostgreSQL epoch µs, 0 = never */
	CdcLsn		sent_write;		/* positions in the last status sent */
	CdcLsn		sent_flush;
	bool		reply_pending;

	/* counters for metrics */
	uint64_t	n_xlogdata;
	uint64_t	n_keepalive;
	uint64_t	n_status;
	uint64_t	bytes_received;
} StreamContext;

/*
 * Start the loop on a connection on which pgsql_start_replication
 * succeeded.  status_interval_ms <= 0 means the default (10 s), well below
 * the default wal_sender_timeout (60 s).
 */
extern void stream_init(StreamContext *s, PGSQL *pgsql, CdcLsn startpos, int status_interval_ms);

/*
 * Wait up to timeout_ms (< 0: no limit besides status deadlines) for the
 * next message.  Sends status updates when due and answers keepalives
 * that request a reply.  The payload of a STREAM_DATA message stays
 * valid until the next call.
 */
extern StreamResult stream_next(StreamContext *s, StreamMessage *msg, int timeout_ms);

/*
 * The caller declares that everything up to `lsn` is durably processed:
 * for a transaction, its C message's end LSN once the flags for it are
 * committed; for a non-transactional message, its LSN once recorded.
 * caught_up says that every message delivered so far is processed too
 * (no transaction half-read), which lets the stream confirm a later
 * keepalive's walEnd.  Positions never go backwards.
 */
extern void stream_confirm(StreamContext *s, CdcLsn lsn, bool caught_up);

/*
 * The position logic without the connection (unit tested): what an
 * XLogData or a keepalive does to the positions, and the write, flush
 * and apply positions a status update would carry now.
 */
extern void stream_apply_xlogdata(StreamContext *s, const StreamMessage *msg);
extern void stream_apply_keepalive(StreamContext *s, const StreamMessage *msg);
extern void stream_status_positions(const StreamContext *s, CdcLsn *write, CdcLsn *flush,
									CdcLsn *apply);

/*
 * Send a status update now (force) or only if positions moved; the
 * "flush" step.  False when the connection failed (logged).
 */
extern bool stream_send_status(StreamContext *s, bool force, bool reply_requested);

/*
 * Clean end: send a final status with the durable position, end the copy
 * (PQputCopyEnd), drain what the server still sends (discarded: it is
 * not confirmed, so it comes again next time) for at most timeout_ms,
 * and read the final result.  Does not close the connection.
 */
extern bool stream_close(StreamContext *s, int timeout_ms);

/*
 * Signals.  stream_install_signals sets SIGTERM/SIGINT (stop) and SIGHUP
 * (reload) handlers that only set flags and wake the loop through a
 * self-pipe, so a signal arriving just before select() is not missed.
 */
extern bool stream_install_signals(void);
extern bool stream_stop_requested(void);
extern bool stream_reload_requested(void);	/* test and clear */
extern void stream_request_stop(void);	/* as if SIGTERM arrived */
extern void stream_reset_signals(void); /* clear flags (tests) */

/*
 * Sleep up to ms milliseconds, waking early on a stop request; returns
 * false if woken by it.
 */
extern bool stream_sleep(int ms);

/*
 * Reconnection delays: exponential backoff with "decorrelated jitter"
 * (each delay drawn uniformly from [base, 3 * previous], capped), which
 * spreads reconnecting clients apart.
 */
typedef struct CdcBackoff
{
	int			base_ms;
	int			cap_ms;
	int			prev_ms;
	int			attempt;
	uint64_t	rng;			/* xorshift state */
} CdcBackoff;

extern void cdc_backoff_init(CdcBackoff *b, int base_ms, int cap_ms, uint64_t seed);
extern int	cdc_backoff_next(CdcBackoff *b);
extern void cdc_backoff_reset(CdcBackoff *b);

/* What stream_reconnect needs to (re)start streaming. */
typedef struct StreamConnectOpts
{
	const char *conninfo;
	const char *slot;
	const PgsqlOption *options;
	size_t		noptions;
	int			max_attempts;	/* 0: retry until stopped */
	int			base_ms;		/* first delay (default 500) */
	int			cap_ms;			/* longest delay (default 30000) */
} StreamConnectOpts;

/*
 * Open a replication connection, set the session, check the server and
 * the slot, and START_REPLICATION at startpos; on a transient failure
 * (server gone, slot busy) sleep with backoff and try again, logging each
 * attempt.  Gives up at once on errors an operator must fix (wal_level,
 * plugin gate, privilege, missing/mismatched/lost slot), after
 * max_attempts, or when a stop is requested.  On success *pgsql is in
 * COPY BOTH mode and *startpos has been raised to the slot's
 * confirmed_flush_lsn if it was below (where the server starts anyway).
 */
extern bool stream_reconnect(const StreamConnectOpts *opts, CdcLsn *startpos, PGSQL *pgsql);

#endif							/* CDC_STREAM_H */
