/*
 * intern.h - distinct byte strings to dense ids (0, 1, 2, ... in order of
 * first sight), by hashing.
 *
 * Owns a copy of every distinct key (one arena, each copy NUL-terminated),
 * so callers may look up transient text. The renderer uses it where it
 * would otherwise compare strings per thread: a thread's raw names, their
 * group labels, and label tuples.
 */
#ifndef CTPROF_INTERN_H
#define CTPROF_INTERN_H

#include <stddef.h>
#include <stdint.h>

#include "strbuf.h"

struct intern_key {
	size_t off, len; /* in the arena */
	uint64_t hash;
};

struct intern {
	struct strbuf arena;
	struct intern_key *keys; /* by id */
	size_t len, cap;
	uint32_t *slots; /* open addressing, id + 1 (0: empty) */
	size_t nslots;   /* a power of two, or 0 */
};

#define INTERN_INIT { STRBUF_INIT, NULL, 0, 0, NULL, 0 }

/*
 * The id of key[0..n) into *id: 1 when first seen (now added), 0 when
 * known, -ENOMEM (in unchanged).
 */
int intern_id(struct intern *in, const void *key, size_t n, size_t *id);
/* The copy of key id (NUL-terminated). */
const char *intern_str(const struct intern *in, size_t id);
void intern_release(struct intern *in);

#endif
