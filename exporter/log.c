/*
 * log.c - logfmt / JSON line writer. Values are quoted when they hold
 * spaces, quotes, '=' or control bytes (logfmt), always in JSON.
 */
#include "log.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdbool.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "strbuf.h"

static const char *const level_names[] = { "debug", "info", "warn", "error" };

int log_level_parse(const char *s)
{
	for (int i = 0; i < 4; i++)
		if (!strcmp(s, level_names[i]))
			return i;
	return -1;
}

int log_format_parse(const char *s)
{
	if (!strcmp(s, "logfmt"))
		return LOG_LOGFMT;
	if (!strcmp(s, "json"))
		return LOG_JSON;
	return -1;
}

static bool logfmt_needs_quotes(const char *v)
{
	if (!*v)
		return true;
	for (const unsigned char *p = (const unsigned char *)v; *p; p++)
		if (*p <= ' ' || *p == '"' || *p == '=' || *p == '\\' || *p == 0x7f)
			return true;
	return false;
}

/* Quoted with \" \\ \n \t and \u00XX for other control bytes. */
static void add_quoted(struct strbuf *sb, const char *v)
{
	strbuf_addch(sb, '"');
	for (const unsigned char *p = (const unsigned char *)v; *p; p++) {
		if (*p == '"' || *p == '\\') {
			strbuf_addch(sb, '\\');
			strbuf_addch(sb, (char)*p);
		} else if (*p == '\n') {
			strbuf_adds(sb, "\\n");
		} else if (*p == '\t') {
			strbuf_adds(sb, "\\t");
		} else if (*p < 0x20 || *p == 0x7f) {
			strbuf_addf(sb, "\\u%04x", *p);
		} else {
			strbuf_addch(sb, (char)*p);
		}
	}
	strbuf_addch(sb, '"');
}

static void add_pair(struct strbuf *sb, enum log_format f, bool first, const char *k,
		     const char *v)
{
	if (f == LOG_JSON) {
		strbuf_adds(sb, first ? "{" : ",");
		add_quoted(sb, k);
		strbuf_addch(sb, ':');
		add_quoted(sb, v);
		return;
	}
	if (!first)
		strbuf_addch(sb, ' ');
	strbuf_adds(sb, k);
	strbuf_addch(sb, '=');
	if (logfmt_needs_quotes(v))
		add_quoted(sb, v);
	else
		strbuf_adds(sb, v);
}

/* RFC 3339 UTC with milliseconds, as Prometheus components log. */
static void timestamp(char buf[32])
{
	struct timespec ts;
	struct tm tm;
	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	size_t n = strftime(buf, 32, "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(buf + n, 32 - n, ".%03ldZ", ts.tv_nsec / 1000000);
}

void log_event(const struct logger *l, enum log_level level, const char *msg, ...)
{
	if (level < l->min)
		return;
	struct strbuf sb = STRBUF_INIT;
	char ts[32];
	va_list ap;
	timestamp(ts);
	add_pair(&sb, l->format, true, "ts", ts);
	add_pair(&sb, l->format, false, "level", level_names[level]);
	add_pair(&sb, l->format, false, "msg", msg);
	va_start(ap, msg);
	for (const char *k; (k = va_arg(ap, const char *));) {
		const char *v = va_arg(ap, const char *);
		add_pair(&sb, l->format, false, k, v ? v : "");
	}
	va_end(ap);
	strbuf_adds(&sb, l->format == LOG_JSON ? "}\n" : "\n");
	if (write(l->fd, sb.buf, sb.len) < 0) {
		/* nowhere left to report a failed log write */
	}
	strbuf_release(&sb);
}
