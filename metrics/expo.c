/*
 * expo.c - exposition text. Errors are sticky (e->error) so renderers can
 * write a whole family and check once.
 */
#include "expo.h"

#include <errno.h>
#include <string.h>

static void put_grow(struct expo *e, const char *s, size_t n)
{
	if (!e->error && strbuf_add(e->out, s, n))
		e->error = -ENOMEM;
}

/* Pieces are a few bytes, a line a few dozen: copied in place while there is room. */
static inline void put(struct expo *e, const char *s, size_t n)
{
	struct strbuf *sb = e->out;
	if (e->error || n >= sb->alloc - sb->len) {
		put_grow(e, s, n);
		return;
	}
	memcpy(sb->buf + sb->len, s, n);
	sb->len += n;
	sb->buf[sb->len] = '\0';
}

static inline void puts_e(struct expo *e, const char *s)
{
	put(e, s, strlen(s));
}

/* Length of a valid UTF-8 sequence at s, 0 if invalid (RFC 3629). */
static size_t utf8_seq_len(const unsigned char *s)
{
	if (s[0] < 0x80)
		return 1;
	size_t n = s[0] >= 0xc2 && s[0] <= 0xdf ? 2 :
		   s[0] >= 0xe0 && s[0] <= 0xef ? 3 :
		   s[0] >= 0xf0 && s[0] <= 0xf4 ? 4 : 0;
	for (size_t i = 1; i < n; i++)
		if ((s[i] & 0xc0) != 0x80)
			return 0;
	if (n == 3 && ((s[0] == 0xe0 && s[1] < 0xa0) || (s[0] == 0xed && s[1] > 0x9f)))
		return 0; /* overlong, or a UTF-16 surrogate */
	if (n == 4 && ((s[0] == 0xf0 && s[1] < 0x90) || (s[0] == 0xf4 && s[1] > 0x8f)))
		return 0; /* overlong, or beyond U+10FFFF */
	return n;
}

int utf8_sanitize(const char *s, struct strbuf *out)
{
	const unsigned char *p = (const unsigned char *)s;
	while (*p) {
		size_t n = utf8_seq_len(p);
		int rc = n ? strbuf_add(out, p, n) : strbuf_adds(out, "\xef\xbf\xbd");
		if (rc)
			return -ENOMEM;
		p += n ? n : 1;
	}
	return 0;
}

/* Whether s goes out as is: no byte to escape, none beyond ASCII; *len its length. */
static bool plain_text(const char *s, bool quote, size_t *len)
{
	const char *p = s;
	for (; *p; p++)
		if ((unsigned char)*p >= 0x80 || *p == '\\' || *p == '\n' || (*p == '"' && quote))
			return false;
	*len = (size_t)(p - s);
	return true;
}

/* Escape for a label value (\\, \", \n) or HELP text (\\, \n; OM adds \"). */
static void put_escaped(struct expo *e, const char *s, bool quote)
{
	struct strbuf clean = STRBUF_INIT;
	size_t len;
	if (plain_text(s, quote, &len)) {
		put(e, s, len); /* nearly every name and path: no copy, no byte loop */
		return;
	}
	if (utf8_sanitize(s, &clean)) {
		e->error = -ENOMEM;
		return;
	}
	for (const char *p = clean.buf; *p; p++) {
		if (*p == '\\')
			puts_e(e, "\\\\");
		else if (*p == '\n')
			puts_e(e, "\\n");
		else if (*p == '"' && quote)
			puts_e(e, "\\\"");
		else
			put(e, p, 1);
	}
	strbuf_release(&clean);
}

static const char *type_name(enum expo_type t, enum expo_format f)
{
	switch (t) {
	case EXPO_COUNTER: return "counter";
	case EXPO_INFO: return f == EXPO_OPENMETRICS ? "info" : "gauge";
	default: return "gauge";
	}
}

/* OpenMetrics names the family without the _total / _info suffix. */
static size_t family_len(const char *name, enum expo_type type)
{
	size_t n = strlen(name);
	const char *suffix = type == EXPO_COUNTER ? "_total" :
			     type == EXPO_INFO ? "_info" : NULL;
	if (suffix && n > strlen(suffix) && !strcmp(name + n - strlen(suffix), suffix))
		return n - strlen(suffix);
	return n;
}

void expo_family(struct expo *e, const char *name, enum expo_type type,
		 const char *unit, const char *help)
{
	if (!e->out)
		return;
	if (e->format == EXPO_PROMETHEUS) {
		puts_e(e, "# HELP ");
		puts_e(e, name);
		puts_e(e, " ");
		put_escaped(e, help, false);
		puts_e(e, "\n# TYPE ");
		puts_e(e, name);
		puts_e(e, " ");
		puts_e(e, type_name(type, e->format));
		puts_e(e, "\n");
		return;
	}
	size_t n = family_len(name, type);
	puts_e(e, "# TYPE ");
	put(e, name, n);
	puts_e(e, " ");
	puts_e(e, type_name(type, e->format));
	if (unit && *unit) {
		puts_e(e, "\n# UNIT ");
		put(e, name, n);
		puts_e(e, " ");
		puts_e(e, unit);
	}
	puts_e(e, "\n# HELP ");
	put(e, name, n);
	puts_e(e, " ");
	put_escaped(e, help, true);
	puts_e(e, "\n");
}

void expo_sample(struct expo *e, const char *name, const struct expo_label *labels,
		 size_t nlabels, const char *value)
{
	e->samples++;
	if (!e->out)
		return;
	puts_e(e, name);
	for (size_t i = 0; i < nlabels; i++) {
		puts_e(e, i ? "," : "{");
		puts_e(e, labels[i].name);
		puts_e(e, "=\"");
		put_escaped(e, labels[i].value, true);
		puts_e(e, "\"");
	}
	if (nlabels)
		puts_e(e, "}");
	puts_e(e, " ");
	puts_e(e, value);
	puts_e(e, "\n");
}

int expo_finish(struct expo *e)
{
	if (e->out && e->format == EXPO_OPENMETRICS)
		puts_e(e, "# EOF\n");
	return e->error;
}

/*
 * Decimal digits of v ending at end; returns the first. Digits come from
 * u64 arithmetic once v fits: a u128 division is a library call, and a
 * value is formatted per sample.
 */
static char *u128_digits(char *end, unsigned __int128 v)
{
	*end = '\0';
	while (v > UINT64_MAX) {
		*--end = (char)('0' + (int)(v % 10));
		v /= 10;
	}
	uint64_t w = (uint64_t)v;
	do {
		*--end = (char)('0' + (int)(w % 10));
		w /= 10;
	} while (w);
	return end;
}

const char *expo_fmt_u64(char *buf, uint64_t v)
{
	char *p = u128_digits(buf + EXPO_VALUE_MAX - 1, v);
	memmove(buf, p, strlen(p) + 1);
	return buf;
}

const char *expo_fmt_i64(char *buf, int64_t v)
{
	char digits[EXPO_VALUE_MAX];
	if (v >= 0)
		return expo_fmt_u64(buf, (uint64_t)v);
	expo_fmt_u64(digits, (uint64_t)0 - (uint64_t)v);
	buf[0] = '-';
	memcpy(buf + 1, digits, strlen(digits) + 1);
	return buf;
}

/* The next decimal of rem / den (rem < den); rem keeps the remainder. */
static int next_decimal(unsigned __int128 *rem, uint64_t den)
{
	if (den <= UINT64_MAX / 10) { /* u64 arithmetic, as in u128_digits */
		uint64_t r = (uint64_t)*rem * 10;
		*rem = r % den;
		return (int)(r / den);
	}
	*rem *= 10;
	int d = (int)(*rem / den);
	*rem %= den;
	return d;
}

/* Long division: exact for den a power of ten <= 1e9, else 9 digits. */
const char *expo_fmt_ratio(char *buf, unsigned __int128 num, uint64_t den)
{
	if (!den)
		den = 1;
	bool small = num <= UINT64_MAX;
	char *p = u128_digits(buf + 48, small ? (uint64_t)num / den : num / den);
	size_t n = strlen(p);
	memmove(buf, p, n + 1);
	unsigned __int128 rem = small ? (uint64_t)num % den : num % den;
	if (!rem)
		return buf;
	buf[n++] = '.';
	for (int i = 0; i < 9 && rem; i++)
		buf[n++] = (char)('0' + next_decimal(&rem, den));
	while (buf[n - 1] == '0')
		n--;
	buf[n] = '\0';
	return buf;
}
