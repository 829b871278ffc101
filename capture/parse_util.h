/*
 * parse_util.h - the small text rules every procfs/cgroupfs parser shares
 * (ktstr-facts 7): trimming, Rust-compatible integer parsing, the
 * PN_SCHEDSTAT "ms.ns" dotted format, cpu lists, PSI lines, line splitting.
 * Pure functions over caller-owned text; no I/O.
 *
 * The per-thread hot parsers work on struct text_span (pointer + length,
 * no NUL needed, the text never written): trimming, the integers and the
 * dotted format have their one implementation there, which the
 * NUL-terminated forms wrap.
 */
#ifndef CTPROF_PARSE_UTIL_H
#define CTPROF_PARSE_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "snapshot.h"

/* a + b, stuck at UINT64_MAX instead of wrapping (counts and tallies). */
static inline uint64_t sat_add_u64(uint64_t a, uint64_t b)
{
	return a > UINT64_MAX - b ? UINT64_MAX : a + b;
}

/* Inline: trimming runs it on every byte of every padded /proc key. */
static inline bool is_ascii_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' ||
	       c == '\v';
}

/* The len bytes at p; no NUL needed after them. */
struct text_span {
	const char *p;
	size_t len;
};

static inline struct text_span span_of(const char *s)
{
	return (struct text_span){ s, strlen(s) };
}

/* s is exactly the n bytes of lit (a key compare without strcmp). */
static inline bool span_eq(struct text_span s, const char *lit, size_t n)
{
	return s.len == n && !memcmp(s.p, lit, n);
}

/*
 * The span helpers below are inline: the per-thread parsers run them on
 * every line of every sched and io file.
 */

/* Eight ' ' bytes, as one word. */
#define SPAN_SPACES8 0x2020202020202020ULL

/* The 8 bytes at p, wherever p is aligned. */
static inline uint64_t span_load8(const char *p)
{
	uint64_t w;
	memcpy(&w, p, sizeof(w));
	return w;
}

/*
 * How many of the 8 bytes x was loaded from are ' ', counted from the
 * first in memory on (first) or from the last back; x is them ^ SPAN_SPACES8.
 */
static inline size_t span_spaces_run(uint64_t x, bool first)
{
	if (!x)
		return 8;
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	bool low = first;
#else
	bool low = !first;
#endif
	return (size_t)(low ? __builtin_ctzll(x) : __builtin_clzll(x)) / 8;
}

/* How many of the 8 bytes at p, from the first on, are ' '. */
static inline size_t span_spaces_ahead(const char *p)
{
	return span_spaces_run(span_load8(p) ^ SPAN_SPACES8, true);
}

/* How many of the 8 bytes before p, from the last back, are ' '. */
static inline size_t span_spaces_behind(const char *p)
{
	return span_spaces_run(span_load8(p - 8) ^ SPAN_SPACES8, false);
}

/* s without ASCII whitespace on either side. */
static inline struct text_span span_trim(struct text_span s)
{
	const char *p = s.p, *end = s.p + s.len;
	size_t n;
	/*
	 * The kernel pads keys and values with runs of ' ' ("%-45s:%21Ld"):
	 * count those a word at a time. The byte loops after them see any mix
	 * of whitespace, so the result is what they alone would give.
	 */
	do {
		n = end - p >= 8 ? span_spaces_ahead(p) : 0;
		p += n;
	} while (n == 8);
	while (p < end && is_ascii_space(*p))
		p++;
	do {
		n = end - p >= 8 ? span_spaces_behind(end) : 0;
		end -= n;
	} while (n == 8);
	while (end > p && is_ascii_space(end[-1]))
		end--;
	return (struct text_span){ p, (size_t)(end - p) };
}

/*
 * Split the next line (up to '\n', which is dropped) off *rest; false once
 * *rest is empty. The span form of next_line.
 */
static inline bool span_next_line(struct text_span *rest,
				  struct text_span *line)
{
	if (!rest->len)
		return false;
	const char *nl = memchr(rest->p, '\n', rest->len);
	size_t n = nl ? (size_t)(nl - rest->p) : rest->len;
	size_t skip = nl ? n + 1 : n;
	*line = (struct text_span){ rest->p, n };
	rest->p += skip;
	rest->len -= skip;
	return true;
}

/* Split "key<sep>value" at the first sep; both trimmed. false if no sep. */
static inline bool span_split(struct text_span line, char sep,
			      struct text_span *key, struct text_span *value)
{
	const char *p = memchr(line.p, sep, line.len);
	if (!p)
		return false;
	size_t klen = (size_t)(p - line.p);
	*key = span_trim((struct text_span){ line.p, klen });
	*value = span_trim((struct text_span){ p + 1, line.len - klen - 1 });
	return true;
}

/* Narrow [*start, *end) of s to exclude ASCII whitespace on both sides. */
void trim_span(const char *s, size_t *start, size_t *end);
/* Trim in place: returns a pointer into s, terminates the trimmed end. */
char *trim_inplace(char *s);

/* Like Rust's str::parse: the whole string, optional '+', decimal digits. */
bool parse_u64_span(struct text_span s, uint64_t *out);
bool parse_u32_span(struct text_span s, uint32_t *out);
bool parse_i32_span(struct text_span s, int32_t *out);
bool parse_u64(const char *s, uint64_t *out);
bool parse_u32(const char *s, uint32_t *out);
bool parse_i32(const char *s, int32_t *out);
/* parse_u64 after trimming a copy of s (s itself is not modified). */
bool parse_u64_trimmed(const char *s, uint64_t *out);

enum dotted_result {
	DOTTED_OK,
	DOTTED_NEGATIVE,
	DOTTED_MALFORMED,
};
/* "ms.nnnnnn" -> ns (ktstr-facts 7 "Dotted"); no '.' means plain ns. */
enum dotted_result parse_dotted_ns_span(struct text_span value, uint64_t *ns);
enum dotted_result parse_dotted_ns(const char *value, uint64_t *ns);

/* "0-3,8" -> sorted unique set; false (out untouched) on any bad token. */
bool parse_cpu_list(const char *s, struct cpuset *out);

/* Centi-percent: "18.59" -> 1859, "1.5" -> 150; bad -> 0; saturates. */
uint16_t parse_centi_percent(const char *s);
/* One PSI file's text ("some ..."/"full ..." lines) into r (zeroed first). */
void parse_psi(char *text, struct psi_resource *r);

/*
 * Split the next line off *cursor (modifies the text: the '\n' becomes NUL).
 * Returns NULL at the end.
 */
char *next_line(char **cursor);
/* Split "key<sep>value" at the first sep; both trimmed. false if no sep. */
bool split_key_value(char *line, char sep, char **key, char **value);
/* Parse "key value" lines (whitespace separated) into m; bad lines skipped. */
int parse_kv_lines(char *text, struct kv_map *m);

#endif
