/*
 * parse_util.h - the small text rules every procfs/cgroupfs parser shares
 * (ktstr-facts 7): trimming, Rust-compatible integer parsing, the
 * PN_SCHEDSTAT "ms.ns" dotted format, cpu lists, PSI lines, line splitting.
 * Pure functions over caller-owned text; no I/O.
 */
#ifndef CTPROF_PARSE_UTIL_H
#define CTPROF_PARSE_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

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
/* Narrow [*start, *end) of s to exclude ASCII whitespace on both sides. */
void trim_span(const char *s, size_t *start, size_t *end);
/* Trim in place: returns a pointer into s, terminates the trimmed end. */
char *trim_inplace(char *s);

/* Like Rust's str::parse: the whole string, optional '+', decimal digits. */
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
