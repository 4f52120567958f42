/*-------------------------------------------------------------------------
 *
 * log.h
 *	  Structured log lines of arka-cdc.
 *
 * One event is one line on stderr, made of key=value fields:
 *
 *   ts=2026-11-26T05:44:55.322138Z level=error event=pgsql.connect
 *       attempt=3 msg="could not connect to server: Connection refused"
 *
 * (on a single line).  ts, level and event always come first; a value is
 * quoted when it is empty or holds a space, '=', '"' or a control
 * character, with \" \\ \n \r \t and \xNN escapes, so every event stays
 * on one line whatever a server message contains.  A line is written
 * with one write(2) call, so lines of concurrent processes do not mix.
 *
 * The pgcopydb convention applies: the function where a failure is
 * detected logs it once; its callers only return false.
 *
 *-------------------------------------------------------------------------
 */
#ifndef CDC_LOG_H
#define CDC_LOG_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef enum CdcLogLevel
{
	CDC_LOG_DEBUG = 0,
	CDC_LOG_INFO,
	CDC_LOG_WARN,
	CDC_LOG_ERROR,
	CDC_LOG_FATAL
} CdcLogLevel;

/* Longest line written; longer ones are cut and end with truncated=true. */
#define CDC_LOG_LINE_MAX 8192

/* Events below this level are dropped (default CDC_LOG_INFO). */
extern void cdc_log_set_level(CdcLogLevel level);
extern CdcLogLevel cdc_log_get_level(void);

/* "debug", "info", "warn"/"warning", "error", "fatal"; false otherwise. */
extern bool cdc_log_parse_level(const char *name, CdcLogLevel *out);
extern const char *cdc_log_level_name(CdcLogLevel level);

/*
 * Where lines go: a file descriptor (default 2, stderr).  Tests point it
 * at a pipe or a temporary file.
 */
extern void cdc_log_set_fd(int fd);

/*
 * Building a line field by field:
 *
 *   CdcLogLine l;
 *   if (cdc_log_begin(&l, CDC_LOG_INFO, "stream.start"))
 *   {
 *       cdc_log_str(&l, "slot", slot);
 *       cdc_log_lsn(&l, "startpos", lsn);
 *       cdc_log_end(&l);
 *   }
 *
 * cdc_log_begin returns false when the level is filtered out; the other
 * calls are then no-ops anyway, so the if is only an optimisation.
 */
typedef struct CdcLogLine
{
	char		buf[CDC_LOG_LINE_MAX + 1];
	size_t		len;
	bool		active;
	bool		truncated;
} CdcLogLine;

extern bool cdc_log_begin(CdcLogLine *l, CdcLogLevel level, const char *event);
extern void cdc_log_str(CdcLogLine *l, const char *key, const char *value);
extern void cdc_log_strn(CdcLogLine *l, const char *key, const char *value, size_t len);
extern void cdc_log_int(CdcLogLine *l, const char *key, long long value);
extern void cdc_log_uint(CdcLogLine *l, const char *key, unsigned long long value);
extern void cdc_log_lsn(CdcLogLine *l, const char *key, uint64_t lsn);
extern void cdc_log_bool(CdcLogLine *l, const char *key, bool value);
extern void cdc_log_fmt(CdcLogLine *l, const char *key, const char *fmt,...)
			__attribute__((format(printf, 3, 4)));
extern void cdc_log_end(CdcLogLine *l);

/*
 * One-shot event with a free-text message in field msg (formatted with
 * printf rules, then quoted as needed).
 */
extern void cdc_log(CdcLogLevel level, const char *event, const char *fmt,...)
			__attribute__((format(printf, 3, 4)));
extern void cdc_vlog(CdcLogLevel level, const char *event, const char *fmt, va_list ap);

#define log_debug(event, ...) cdc_log(CDC_LOG_DEBUG, event, __VA_ARGS__)
#define log_info(event, ...)  cdc_log(CDC_LOG_INFO, event, __VA_ARGS__)
#define log_warn(event, ...)  cdc_log(CDC_LOG_WARN, event, __VA_ARGS__)
#define log_error(event, ...) cdc_log(CDC_LOG_ERROR, event, __VA_ARGS__)
#define log_fatal(event, ...) cdc_log(CDC_LOG_FATAL, event, __VA_ARGS__)

/*
 * Append the quoted/escaped form of a value to buf (NUL-terminated,
 * truncated to cap).  Exposed for tests.  Returns the length written.
 */
extern size_t cdc_log_quote(char *buf, size_t cap, const char *value, size_t len);

#endif							/* CDC_LOG_H */
