/*
 * parse_util.c - shared parsing rules. Integer parsing mirrors Rust's
 * FromStr (what ktstr uses) rather than strtoull, which silently accepts
 * leading spaces, '-' and trailing junk.
 */
#include "parse_util.h"

#include <stdlib.h>
#include <string.h>

#include "array.h"

void trim_span(const char *s, size_t *start, size_t *end)
{
	if (*start >= *end) /* nothing to trim; *end - *start must not wrap */
		return;
	struct text_span t =
		span_trim((struct text_span){ s + *start, *end - *start });
	*start = (size_t)(t.p - s);
	*end = *start + t.len;
}

char *trim_inplace(char *s)
{
	size_t start = 0, end = strlen(s);
	trim_span(s, &start, &end);
	s[end] = '\0';
	return s + start;
}

bool parse_u64_span(struct text_span s, uint64_t *out)
{
	const char *p = s.p, *end = s.p + s.len;
	if (p < end && *p == '+')
		p++;
	if (p == end)
		return false;
	uint64_t v = 0;
	for (; p < end; p++) {
		unsigned d = (unsigned char)*p - (unsigned)'0';
		if (d > 9)
			return false;
		if (__builtin_mul_overflow(v, 10, &v) ||
		    __builtin_add_overflow(v, d, &v))
			return false;
	}
	*out = v;
	return true;
}

bool parse_u32_span(struct text_span s, uint32_t *out)
{
	uint64_t v;
	if (!parse_u64_span(s, &v) || v > UINT32_MAX)
		return false;
	*out = (uint32_t)v;
	return true;
}

bool parse_i32_span(struct text_span s, int32_t *out)
{
	bool neg = s.len && s.p[0] == '-';
	uint64_t v;
	/* "-+5" is no number: parse_u64 alone would take the '+'. */
	if (neg && s.len > 1 && s.p[1] == '+')
		return false;
	if (!parse_u64_span((struct text_span){ s.p + neg, s.len - neg }, &v))
		return false;
	if (v > (neg ? (uint64_t)INT32_MAX + 1 : (uint64_t)INT32_MAX))
		return false;
	*out = neg ? (int32_t)(0 - v) : (int32_t)v;
	return true;
}

bool parse_u64(const char *s, uint64_t *out)
{
	return parse_u64_span(span_of(s), out);
}

bool parse_u32(const char *s, uint32_t *out)
{
	return parse_u32_span(span_of(s), out);
}

bool parse_i32(const char *s, int32_t *out)
{
	return parse_i32_span(span_of(s), out);
}

bool parse_u64_trimmed(const char *s, uint64_t *out)
{
	char tmp[64];
	size_t start = 0, end = strlen(s);
	trim_span(s, &start, &end);
	if (end - start >= sizeof(tmp))
		return false;
	memcpy(tmp, s + start, end - start);
	tmp[end - start] = '\0';
	return parse_u64(tmp, out);
}

/* A longer integer part is malformed, even zero-padded (u64: 20 digits). */
#define DOTTED_IPART_MAX 31
/* The fraction is nanoseconds: six digits after the millisecond dot. */
#define DOTTED_FRAC_DIGITS 6

enum dotted_result parse_dotted_ns_span(struct text_span value, uint64_t *ns)
{
	const char *end = value.p + value.len;
	const char *dot = memchr(value.p, '.', value.len);
	size_t ilen = dot ? (size_t)(dot - value.p) : value.len;
	struct text_span ipart = span_trim((struct text_span){ value.p, ilen });
	if (ipart.len > DOTTED_IPART_MAX)
		return DOTTED_MALFORMED;
	if (ipart.len && ipart.p[0] == '-')
		return DOTTED_NEGATIVE;
	if (!dot)
		return parse_u64_span(ipart, ns) ? DOTTED_OK : DOTTED_MALFORMED;
	const char *f = dot + 1;
	while (f < end && is_ascii_space(*f))
		f++;
	if (f < end && *f == '-')
		return DOTTED_NEGATIVE;
	/* Truncate the fraction to 6 chars, right-pad with '0' to 6. */
	char frac[DOTTED_FRAC_DIGITS];
	size_t n = (size_t)(end - f);
	if (n > sizeof(frac))
		n = sizeof(frac);
	memcpy(frac, f, n);
	memset(frac + n, '0', sizeof(frac) - n);
	uint64_t ms, rem;
	if (!parse_u64_span(ipart, &ms) ||
	    !parse_u64_span((struct text_span){ frac, sizeof(frac) }, &rem))
		return DOTTED_MALFORMED;
	if (ms > (UINT64_MAX - rem) / 1000000)
		return DOTTED_MALFORMED;
	*ns = ms * 1000000 + rem;
	return DOTTED_OK;
}

enum dotted_result parse_dotted_ns(const char *value, uint64_t *ns)
{
	return parse_dotted_ns_span(span_of(value), ns);
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	return x < y ? -1 : x > y;
}

/* Append lo..hi to a growing array; false on allocation failure. */
static bool cpus_append(uint32_t **cpus, size_t *len, size_t *cap,
			uint32_t lo, uint32_t hi)
{
	size_t need = *len + (size_t)(hi - lo) + 1;
	if (array_grow((void **)cpus, cap, need, 16, sizeof(**cpus)))
		return false;
	for (uint64_t c = lo; c <= hi; c++)
		(*cpus)[(*len)++] = (uint32_t)c;
	return true;
}

/* One token "N" or "lo-hi" (hi >= lo, span <= 65536). */
static bool parse_cpu_token(char *tok, uint32_t *lo, uint32_t *hi)
{
	char *dash = strchr(tok, '-');
	if (!dash)
		return parse_u32(tok, lo) && (*hi = *lo, true);
	*dash = '\0';
	if (!parse_u32(tok, lo) || !parse_u32(dash + 1, hi))
		return false;
	return *hi >= *lo && (uint64_t)*hi - *lo <= 65535;
}

bool parse_cpu_list(const char *s, struct cpuset *out)
{
	char *copy = strdup(s), *save = NULL;
	uint32_t *cpus = NULL;
	size_t len = 0, cap = 0;
	bool ok = copy != NULL;
	char *text = ok ? trim_inplace(copy) : NULL;
	if (ok && !*text)
		ok = false;
	for (char *tok = ok ? strtok_r(text, ",", &save) : NULL; ok && tok;
	     tok = strtok_r(NULL, ",", &save)) {
		uint32_t lo, hi;
		char *t = trim_inplace(tok);
		if (!*t)
			continue;
		ok = parse_cpu_token(t, &lo, &hi) &&
		     cpus_append(&cpus, &len, &cap, lo, hi);
	}
	if (ok && len) {
		qsort(cpus, len, sizeof(*cpus), cmp_u32);
		size_t w = 1;
		for (size_t r = 1; r < len; r++)
			if (cpus[r] != cpus[w - 1])
				cpus[w++] = cpus[r];
		ok = cpuset_from_sorted(out, cpus, w) == 0;
	}
	free(cpus);
	free(copy);
	return ok && len;
}

uint16_t parse_centi_percent(const char *s)
{
	char ipart[16], frac[3] = "00";
	const char *dot = strchr(s, '.');
	size_t ilen = dot ? (size_t)(dot - s) : strlen(s);
	if (ilen >= sizeof(ipart))
		return 0;
	memcpy(ipart, s, ilen);
	ipart[ilen] = '\0';
	if (dot) {
		size_t n = strnlen(dot + 1, 2);
		memcpy(frac, dot + 1, n);
	}
	uint64_t i, f;
	if (!parse_u64(ipart, &i) || !parse_u64(frac, &f))
		return 0;
	if (i > 655)
		return UINT16_MAX;
	uint64_t v = i * 100 + f;
	return v > UINT16_MAX ? UINT16_MAX : (uint16_t)v;
}

/* "avg10=1.00 avg60=... total=N" tokens into one half. */
static void parse_psi_half(char *rest, struct psi_half *h)
{
	char *save = NULL;
	for (char *tok = strtok_r(rest, " \t", &save); tok;
	     tok = strtok_r(NULL, " \t", &save)) {
		char *eq = strchr(tok, '=');
		if (!eq)
			continue;
		*eq = '\0';
		const char *v = eq + 1;
		if (!strcmp(tok, "avg10"))
			h->avg10 = parse_centi_percent(v);
		else if (!strcmp(tok, "avg60"))
			h->avg60 = parse_centi_percent(v);
		else if (!strcmp(tok, "avg300"))
			h->avg300 = parse_centi_percent(v);
		else if (!strcmp(tok, "total") && !parse_u64(v, &h->total_usec))
			h->total_usec = 0;
	}
}

void parse_psi(char *text, struct psi_resource *r)
{
	memset(r, 0, sizeof(*r));
	char *cursor = text, *line;
	while ((line = next_line(&cursor))) {
		line = trim_inplace(line);
		size_t kw = strcspn(line, " \t");
		char *rest = line[kw] ? line + kw + 1 : line + kw;
		line[kw] = '\0';
		if (!strcmp(line, "some"))
			parse_psi_half(rest, &r->some);
		else if (!strcmp(line, "full"))
			parse_psi_half(rest, &r->full);
	}
}

char *next_line(char **cursor)
{
	char *line = *cursor;
	if (!line || !*line)
		return NULL;
	char *nl = strchr(line, '\n');
	if (nl) {
		*nl = '\0';
		*cursor = nl + 1;
	} else {
		*cursor = line + strlen(line);
	}
	return line;
}

bool split_key_value(char *line, char sep, char **key, char **value)
{
	char *p = strchr(line, sep);
	if (!p)
		return false;
	*p = '\0';
	*key = trim_inplace(line);
	*value = trim_inplace(p + 1);
	return true;
}

int parse_kv_lines(char *text, struct kv_map *m)
{
	char *cursor = text, *line;
	while ((line = next_line(&cursor))) {
		char *save = NULL;
		char *key = strtok_r(line, " \t", &save);
		char *val = key ? strtok_r(NULL, " \t", &save) : NULL;
		uint64_t v;
		if (!val || strtok_r(NULL, " \t", &save) || !parse_u64(val, &v))
			continue;
		if (kv_map_set(m, key, v))
			return -1;
	}
	return 0;
}
