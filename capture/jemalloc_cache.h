/*
 * jemalloc_cache.h - the prober's lookup tables: (u64, u64) -> u64.
 *
 * Keys are pairs such as (st_dev, st_ino) of a binary, (tgid, start time)
 * of a process and (tid, start time) of a thread; values are a thread
 * pointer or an owned pointer. Each entry carries the generation of the
 * capture that last used it, so a host-wide capture can drop what it did
 * not see (exited processes and threads) with one sweep. Open addressing
 * with linear probing; not thread-safe (the prober locks around it).
 */
#ifndef CTPROF_JEMALLOC_CACHE_H
#define CTPROF_JEMALLOC_CACHE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct jm_cache_entry {
	uint64_t a, b;
	uint64_t value;
	uint32_t gen;
	bool used;
};

struct jm_cache {
	struct jm_cache_entry *slots;
	size_t cap; /* 0 or a power of two */
	size_t len;
};

#define JM_CACHE_INIT { NULL, 0, 0 }

/* The entry for (a, b), or NULL. */
struct jm_cache_entry *jm_cache_find(struct jm_cache *c, uint64_t a, uint64_t b);
/* Insert or overwrite; the entry's gen is set to gen. 0 / -ENOMEM. */
int jm_cache_put(struct jm_cache *c, uint64_t a, uint64_t b, uint64_t value,
		 uint32_t gen);
/*
 * Drop every entry whose gen differs from gen, passing its value to drop
 * (may be NULL) first. 0 / -ENOMEM (then the cache is left unchanged).
 */
int jm_cache_sweep(struct jm_cache *c, uint32_t gen, void (*drop)(uint64_t value));
/* Free the table, passing each value to drop (may be NULL). */
void jm_cache_release(struct jm_cache *c, void (*drop)(uint64_t value));

#endif
