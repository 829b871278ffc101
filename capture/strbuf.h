/*
 * strbuf.h - a growable byte buffer (after git's strbuf).
 *
 * Invariants: buf is never NULL (STRBUF_INIT points at a shared empty
 * string), always NUL-terminated, len excludes the terminator, embedded NULs
 * are allowed. reset keeps the memory for reuse; release frees it and leaves
 * the buffer as STRBUF_INIT; detach hands the malloc'd string to the caller.
 */
#ifndef CTPROF_STRBUF_H
#define CTPROF_STRBUF_H

#include <stddef.h>
#include <stdint.h>

struct strbuf {
	size_t alloc;
	size_t len;
	char *buf;
};

extern char strbuf_slopbuf[];
#define STRBUF_INIT { 0, 0, strbuf_slopbuf }

void strbuf_init(struct strbuf *sb);
/* Guarantee n spare bytes past len (plus the terminator). 0 / -ENOMEM. */
int strbuf_grow(struct strbuf *sb, size_t n);
void strbuf_reset(struct strbuf *sb);
void strbuf_release(struct strbuf *sb);
/* Caller owns the returned string (never NULL unless out of memory). */
char *strbuf_detach(struct strbuf *sb, size_t *len);
int strbuf_add(struct strbuf *sb, const void *data, size_t n);
int strbuf_adds(struct strbuf *sb, const char *s);
int strbuf_addch(struct strbuf *sb, char c);
int strbuf_add_u64(struct strbuf *sb, uint64_t v);
int strbuf_add_i64(struct strbuf *sb, int64_t v);
int strbuf_addf(struct strbuf *sb, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/*
 * Replace sb (NULL: do nothing) with one formatted error line of at most
 * 511 bytes; control bytes (from untrusted input) become '?'.
 */
void strbuf_set_line(struct strbuf *sb, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#endif
