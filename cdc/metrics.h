/*-------------------------------------------------------------------------
 *
 * metrics.h
 *	  The Prometheus text endpoint of arka-cdc (--metrics-port).
 *
 * A small thread answers every HTTP GET on the port with the current
 * figures in the Prometheus text exposition format (version 0.0.4).  The
 * main loop publishes a snapshot under a mutex; the thread never touches
 * a connection or the stream.
 *
 *-------------------------------------------------------------------------
 */
#ifndef CDC_METRICS_H
#define CDC_METRICS_H

#include <stdbool.h>
#include <stdint.h>

typedef struct CdcMetrics
{
	uint64_t	changes;		/* changes of protected tables decided */
	uint64_t	flags;			/* flags written (stored total) */
	uint64_t	rejections;
	uint64_t	transactions;
	uint64_t	reconnects;
	uint64_t	errors;
	uint64_t	commits;		/* arka-cdc's own write transactions */
	uint64_t	bytes_received;
	uint64_t	received_lsn;
	uint64_t	confirmed_lsn;
	uint64_t	server_wal_end;
	double		lag_seconds;	/* now - commit time of the oldest unconfirmed work */
	double		changes_per_second;	/* over the last interval */
	bool		connected;
	char		last_error[256];
	int64_t		last_error_time;	/* Unix seconds, 0 = never */
} CdcMetrics;

/* Start serving on 0.0.0.0:port; false (logged) if the port cannot be bound. */
extern bool metrics_start(int port);

/* Publish a new snapshot (copied). */
extern void metrics_publish(const CdcMetrics *m);

/* Render a snapshot as Prometheus text into buf (exposed for tests). */
extern int	metrics_render(const CdcMetrics *m, char *buf, int cap);

#endif							/* CDC_METRICS_H */
