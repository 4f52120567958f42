/*-------------------------------------------------------------------------
 *
 * metrics.c
 *	  Prometheus text endpoint (metrics.h).
 *
 *-------------------------------------------------------------------------
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "log.h"
#include "metrics.h"

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static CdcMetrics current;
static int	listen_fd = -1;

void
metrics_publish(const CdcMetrics *m)
{
	pthread_mutex_lock(&lock);
	current = *m;
	pthread_mutex_unlock(&lock);
}

/* A label value: backslash, quote and newline escaped. */
static void
escape_label(const char *s, char *out, size_t cap)
{
	size_t		n = 0;

	for (; *s && n + 2 < cap; s++)
	{
		if (*s == '\\' || *s == '"')
			out[n++] = '\\';
		if (*s == '\n')
		{
			out[n++] = '\\';
			out[n++] = 'n';
			continue;
		}
		out[n++] = *s;
	}
	out[n] = '\0';
}

int
metrics_render(const CdcMetrics *m, char *buf, int cap)
{
	char		err[600];

	escape_label(m->last_error, err, sizeof(err));
	return snprintf(buf, cap,
					"# HELP arka_cdc_changes_total Changes of protected tables decided.\n"
					"# TYPE arka_cdc_changes_total counter\n"
					"arka_cdc_changes_total %llu\n"
					"# HELP arka_cdc_changes_per_second Changes decided per second, last interval.\n"
					"# TYPE arka_cdc_changes_per_second gauge\n"
					"arka_cdc_changes_per_second %.1f\n"
					"# HELP arka_cdc_flags_total Flags in arka.flags written by this slot.\n"
					"# TYPE arka_cdc_flags_total counter\n"
					"arka_cdc_flags_total %llu\n"
					"# HELP arka_cdc_rejections_total Rejected attempts recorded in arka.rejections.\n"
					"# TYPE arka_cdc_rejections_total counter\n"
					"arka_cdc_rejections_total %llu\n"
					"# HELP arka_cdc_transactions_total Committed transactions read from the stream.\n"
					"# TYPE arka_cdc_transactions_total counter\n"
					"arka_cdc_transactions_total %llu\n"
					"# HELP arka_cdc_write_commits_total arka-cdc's own write transactions.\n"
					"# TYPE arka_cdc_write_commits_total counter\n"
					"arka_cdc_write_commits_total %llu\n"
					"# HELP arka_cdc_reconnects_total Reconnections after a lost connection.\n"
					"# TYPE arka_cdc_reconnects_total counter\n"
					"arka_cdc_reconnects_total %llu\n"
					"# HELP arka_cdc_errors_total Errors (each also logged).\n"
					"# TYPE arka_cdc_errors_total counter\n"
					"arka_cdc_errors_total %llu\n"
					"# HELP arka_cdc_received_bytes_total XLogData bytes received.\n"
					"# TYPE arka_cdc_received_bytes_total counter\n"
					"arka_cdc_received_bytes_total %llu\n"
					"# HELP arka_cdc_lag_bytes WAL between the server's end and the confirmed position.\n"
					"# TYPE arka_cdc_lag_bytes gauge\n"
					"arka_cdc_lag_bytes %llu\n"
					"# HELP arka_cdc_lag_seconds Age of the oldest committed change not yet durable here.\n"
					"# TYPE arka_cdc_lag_seconds gauge\n"
					"arka_cdc_lag_seconds %.3f\n"
					"# HELP arka_cdc_confirmed_lsn Confirmed (durable) position, as a number.\n"
					"# TYPE arka_cdc_confirmed_lsn gauge\n"
					"arka_cdc_confirmed_lsn %llu\n"
					"# HELP arka_cdc_connected 1 while streaming.\n"
					"# TYPE arka_cdc_connected gauge\n"
					"arka_cdc_connected %d\n"
					"# HELP arka_cdc_last_error_timestamp_seconds When the last error happened (0: never).\n"
					"# TYPE arka_cdc_last_error_timestamp_seconds gauge\n"
					"arka_cdc_last_error_timestamp_seconds{error=\"%s\"} %lld\n",
					(unsigned long long) m->changes, m->changes_per_second,
					(unsigned long long) m->flags, (unsigned long long) m->rejections,
					(unsigned long long) m->transactions, (unsigned long long) m->commits,
					(unsigned long long) m->reconnects, (unsigned long long) m->errors,
					(unsigned long long) m->bytes_received,
					(unsigned long long) (m->server_wal_end > m->confirmed_lsn ?
										  m->server_wal_end - m->confirmed_lsn : 0),
					m->lag_seconds, (unsigned long long) m->confirmed_lsn,
					m->connected ? 1 : 0, err, (long long) m->last_error_time);
}

static void *
serve(void *arg)
{
	static char body[8192];
	static char reply[9000];

	for (;;)
	{
		int			fd = accept(listen_fd, NULL, NULL);
		char		req[2048];
		CdcMetrics	snap;
		int			n,
					len;
		struct timeval tv = {2, 0};

		if (fd < 0)
		{
			if (errno == EINTR)
				continue;
			usleep(100000);
			continue;
		}
		setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
		n = (int) read(fd, req, sizeof(req) - 1);	/* the request line is enough */
		(void) n;
		pthread_mutex_lock(&lock);
		snap = current;
		pthread_mutex_unlock(&lock);
		len = metrics_render(&snap, body, sizeof(body));
		if (len < 0 || len >= (int) sizeof(body))
			len = (int) strlen(body);
		n = snprintf(reply, sizeof(reply),
					 "HTTP/1.0 200 OK\r\nContent-Type: text/plain; version=0.0.4\r\n"
					 "Content-Length: %d\r\nConnection: close\r\n\r\n%s", len, body);
		if (n > 0)
		{
			ssize_t		off = 0;

			while (off < n)
			{
				ssize_t		w = write(fd, reply + off, n - off);

				if (w <= 0)
					break;
				off += w;
			}
		}
		close(fd);
	}
	return arg;
}

bool
metrics_start(int port)
{
	struct sockaddr_in addr;
	int			one = 1;
	pthread_t	th;

	listen_fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (listen_fd < 0)
	{
		log_error("metrics.start", "could not create a socket: %s", strerror(errno));
		return false;
	}
	setsockopt(listen_fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	memset(&addr, 0, sizeof(addr));
	addr.sin_family = AF_INET;
	addr.sin_addr.s_addr = htonl(INADDR_ANY);
	addr.sin_port = htons((uint16_t) port);
	if (bind(listen_fd, (struct sockaddr *) &addr, sizeof(addr)) != 0 || listen(listen_fd, 16) != 0)
	{
		log_error("metrics.start", "could not listen on port %d: %s; choose another --metrics-port",
				  port, strerror(errno));
		close(listen_fd);
		listen_fd = -1;
		return false;
	}
	if (pthread_create(&th, NULL, serve, NULL) != 0)
	{
		log_error("metrics.start", "could not start the metrics thread");
		return false;
	}
	pthread_detach(th);
	log_info("metrics.start", "serving Prometheus metrics on port %d at /metrics", port);
	return true;
}
