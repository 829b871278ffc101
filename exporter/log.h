/*
 * log.h - structured logging on stderr: logfmt (default) or JSON lines,
 * with a minimum level. One write per line, so threads do not interleave.
 */
#ifndef CTPROF_LOG_H
#define CTPROF_LOG_H

enum log_level {
	LOG_DEBUG,
	LOG_INFO,
	LOG_WARN,
	LOG_ERROR,
};

enum log_format {
	LOG_LOGFMT,
	LOG_JSON,
};

struct logger {
	enum log_level min;
	enum log_format format;
	int fd; /* 2 unless a test redirects it */
};

/* "debug", "info", "warn", "error" / "logfmt", "json"; -1 if unknown. */
int log_level_parse(const char *s);
int log_format_parse(const char *s);

/*
 * Log msg with key/value string pairs, NULL-terminated:
 * log_event(l, LOG_INFO, "listening", "address", ":10042", NULL);
 */
void log_event(const struct logger *l, enum log_level level, const char *msg, ...)
	__attribute__((sentinel));

#endif
