/*-------------------------------------------------------------------------
 *
 * log.c
 *	  Structured log lines of arka-cdc: key=value, one line per event.
 *
 * Lines are assembled in a fixed buffer on the caller's stack (no malloc,
 * so logging works when memory is short) and written with one write(2).
 *
 *-------------------------------------------------------------------------
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "lsn.h"

static CdcLogLevel log_min_level = CDC_LOG_INFO;
static int	log_fd = 2;

/* Room kept at the end of a line for " truncated=true\n". */
#define LOG_TAIL_RESERVE 17

static const char *const level_names[] = {"debug", "info", "warn", "error", "fatal"};

void
cdc_log_set_level(CdcLogLevel level)
{
	log_min_level = level;
}

CdcLogLevel
cdc_log_get_level(void)
{
	return log_min_level;
}

void
cdc_log_set_fd(int fd)
{
	log_fd = fd;
}

const char *
cdc_log_level_name(CdcLogLevel level)
{
	if ((int) level < 0 || (int) level > CDC_LOG_FATAL)
		return "unknown";
	return level_names[level];
}

bool
cdc_log_parse_level(const char *name, CdcLogLevel *out)
{
	if (name == NULL)
		return false;
	for (int i = 0; i <= CDC_LOG_FATAL; i++)
	{
		if (strcmp(name, level_names[i]) == 0)
		{
			*out = (CdcLogLevel) i;
			return true;
		}
	}
	if (strcmp(name, "warning") == 0)
	{
		*out = CDC_LOG_WARN;
		return true;
	}
	return false;
}

/* Append raw bytes, keeping room for the tail; mark truncation. */
static void
line_append(CdcLogLine *l, const char *s, size_t n)
{
	size_t		room = CDC_LOG_LINE_MAX - LOG_TAIL_RESERVE;

	if (!l->active)
		return;
	if (l->len >= room)
	{
		l->truncated = true;
		return;
	}
	if (n > room - l->len)
	{
		n = room - l->len;
		l->truncated = true;
	}
	memcpy(l->buf + l->len, s, n);
	l->len += n;
	l->buf[l->len] = '\0';
}

/* Does a value need quotes to stay one unambiguous field? */
static bool
needs_quotes(const char *v, size_t len)
{
	if (len == 0)
		return true;
	for (size_t i = 0; i < len; i++)
	{
		unsigned char c = (unsigned char) v[i];

		if (c <= 0x20 || c == 0x7f || c == '=' || c == '"' || c == '\\')
			return true;
	}
	return false;
}

size_t
cdc_log_quote(char *buf, size_t cap, const char *value, size_t len)
{
	size_t		o = 0;
	bool		quote;

	if (cap == 0)
		return 0;
#define PUT(ch) do { if (o + 1 < cap) buf[o++] = (ch); } while (0)
	if (value == NULL)
	{
		value = "";
		len = 0;
	}
	quote = needs_quotes(value, len);
	if (quote)
		PUT('"');
	for (size_t i = 0; i < len; i++)
	{
		unsigned char c = (unsigned char) value[i];

		switch (c)
		{
			case '"':
				PUT('\\');
				PUT('"');
				break;
			case '\\':
				PUT('\\');
				PUT('\\');
				break;
			case '\n':
				PUT('\\');
				PUT('n');
				break;
			case '\r':
				PUT('\\');
				PUT('r');
				break;
			case '\t':
				PUT('\\');
				PUT('t');
				break;
			default:
				if (c < 0x20 || c == 0x7f)
				{
					static const char hex[] = "0123456789abcdef";

					PUT('\\');
					PUT('x');
					PUT(hex[c >> 4]);
					PUT(hex[c & 15]);
				}
				else
					PUT((char) c);
		}
	}
	if (quote)
		PUT('"');
#undef PUT
	buf[o] = '\0';
	return o;
}

bool
cdc_log_begin(CdcLogLine *l, CdcLogLevel level, const char *event)
{
	struct timespec ts;
	struct tm	tm;
	char		head[96];
	int			n;

	l->len = 0;
	l->buf[0] = '\0';
	l->truncated = false;
	l->active = level >= log_min_level;
	if (!l->active)
		return false;

	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	n = snprintf(head, sizeof(head), "ts=%04d-%02d-%02dT%02d:%02d:%02d.%06ldZ level=%s",
				 tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
				 tm.tm_hour, tm.tm_min, tm.tm_sec, (long) (ts.tv_nsec / 1000),
				 cdc_log_level_name(level));
	line_append(l, head, (size_t) n);
	cdc_log_str(l, "event", event);
	return true;
}

void
cdc_log_strn(CdcLogLine *l, const char *key, const char *value, size_t len)
{
	char		quoted[CDC_LOG_LINE_MAX];
	size_t		qlen;

	if (!l->active)
		return;
	line_append(l, " ", 1);
	line_append(l, key, strlen(key));
	line_append(l, "=", 1);
	qlen = cdc_log_quote(quoted, sizeof(quoted), value, value ? len : 0);
	line_append(l, quoted, qlen);
}

void
cdc_log_str(CdcLogLine *l, const char *key, const char *value)
{
	cdc_log_strn(l, key, value, value ? strlen(value) : 0);
}

void
cdc_log_int(CdcLogLine *l, const char *key, long long value)
{
	char		num[32];

	snprintf(num, sizeof(num), "%lld", value);
	cdc_log_str(l, key, num);
}

void
cdc_log_uint(CdcLogLine *l, const char *key, unsigned long long value)
{
	char		num[32];

	snprintf(num, sizeof(num), "%llu", value);
	cdc_log_str(l, key, num);
}

void
cdc_log_lsn(CdcLogLine *l, const char *key, uint64_t lsn)
{
	char		buf[CDC_LSN_STRLEN];

	cdc_log_str(l, key, cdc_lsn_format(lsn, buf));
}

void
cdc_log_bool(CdcLogLine *l, const char *key, bool value)
{
	cdc_log_str(l, key, value ? "true" : "false");
}

void
cdc_log_fmt(CdcLogLine *l, const char *key, const char *fmt,...)
{
	char		text[CDC_LOG_LINE_MAX];
	va_list		ap;
	int			n;

	if (!l->active)
		return;
	va_start(ap, fmt);
	n = vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	if (n < 0)
		n = 0;
	if ((size_t) n >= sizeof(text))
	{
		n = sizeof(text) - 1;
		l->truncated = true;
	}
	cdc_log_strn(l, key, text, (size_t) n);
}

/* Write all of buf to the log descriptor, retrying on EINTR. */
static void
write_all(const char *buf, size_t len)
{
	while (len > 0)
	{
		ssize_t		w = write(log_fd, buf, len);

		if (w < 0)
		{
			if (errno == EINTR)
				continue;
			return;				/* nowhere left to report it */
		}
		buf += w;
		len -= (size_t) w;
	}
}

void
cdc_log_end(CdcLogLine *l)
{
	if (!l->active)
		return;
	if (l->truncated)
	{
		/* the reserve guarantees room */
		memcpy(l->buf + l->len, " truncated=true", 15);
		l->len += 15;
	}
	l->buf[l->len++] = '\n';
	write_all(l->buf, l->len);
	l->active = false;
}

void
cdc_vlog(CdcLogLevel level, const char *event, const char *fmt, va_list ap)
{
	CdcLogLine	l;
	char		text[CDC_LOG_LINE_MAX];
	int			n;

	if (!cdc_log_begin(&l, level, event))
		return;
	n = vsnprintf(text, sizeof(text), fmt, ap);
	if (n < 0)
		n = 0;
	if ((size_t) n >= sizeof(text))
	{
		n = sizeof(text) - 1;
		l.truncated = true;
	}
	cdc_log_strn(&l, "msg", text, (size_t) n);
	cdc_log_end(&l);
}

void
cdc_log(CdcLogLevel level, const char *event, const char *fmt,...)
{
	va_list		ap;

	va_start(ap, fmt);
	cdc_vlog(level, event, fmt, ap);
	va_end(ap);
}
