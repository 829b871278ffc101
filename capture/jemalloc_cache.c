/*
 * jemalloc_cache.c - open-addressing (u64, u64) -> u64 table (see
 * jemalloc_cache.h). The load factor stays at or below one half, so a probe
 * sequence always reaches an empty slot; removal happens only by sweep,
 * which rebuilds the table, so no tombstones are needed.
 */
#include "jemalloc_cache.h"

#include <errno.h>
#include <stdlib.h>

static size_t cache_hash(uint64_t a, uint64_t b)
{
	/* splitmix64 finaliser over both halves: pids are dense and small. */
	uint64_t h = a * 0x9e3779b97f4a7c15ull ^ (b + 0x632be59bd9b4e5f5ull);
	h ^= h >> 30;
	h *= 0xbf58476d1ce4e5b9ull;
	h ^= h >> 27;
	h *= 0x94d049bb133111ebull;
	h ^= h >> 31;
	return (size_t)h;
}

static struct jm_cache_entry *cache_slot(struct jm_cache_entry *slots, size_t cap,
					 uint64_t a, uint64_t b)
{
	size_t i = cache_hash(a, b) & (cap - 1);
	while (slots[i].used && (slots[i].a != a || slots[i].b != b))
		i = (i + 1) & (cap - 1);
	return &slots[i];
}

struct jm_cache_entry *jm_cache_find(struct jm_cache *c, uint64_t a, uint64_t b)
{
	if (!c->cap)
		return NULL;
	struct jm_cache_entry *e = cache_slot(c->slots, c->cap, a, b);
	return e->used ? e : NULL;
}

/* Rehash into cap slots; with sweep, entries of another gen are dropped. */
static int cache_rebuild(struct jm_cache *c, size_t cap, uint32_t gen, bool sweep,
			 void (*drop)(uint64_t value))
{
	struct jm_cache_entry *slots = calloc(cap, sizeof(*slots));
	if (!slots)
		return -ENOMEM;
	size_t len = 0;
	for (size_t i = 0; i < c->cap; i++) {
		struct jm_cache_entry *e = &c->slots[i];
		if (!e->used)
			continue;
		if (sweep && e->gen != gen) {
			if (drop)
				drop(e->value);
			continue;
		}
		*cache_slot(slots, cap, e->a, e->b) = *e;
		len++;
	}
	free(c->slots);
	c->slots = slots;
	c->cap = cap;
	c->len = len;
	return 0;
}

int jm_cache_put(struct jm_cache *c, uint64_t a, uint64_t b, uint64_t value,
		 uint32_t gen)
{
	struct jm_cache_entry *e = jm_cache_find(c, a, b);
	if (!e) {
		if ((c->len + 1) * 2 > c->cap) {
			int rc = cache_rebuild(c, c->cap ? c->cap * 2 : 64, 0,
					       false, NULL);
			if (rc)
				return rc;
		}
		e = cache_slot(c->slots, c->cap, a, b);
		e->used = true;
		e->a = a;
		e->b = b;
		c->len++;
	}
	e->value = value;
	e->gen = gen;
	return 0;
}

int jm_cache_sweep(struct jm_cache *c, uint32_t gen, void (*drop)(uint64_t value))
{
	if (!c->cap)
		return 0;
	return cache_rebuild(c, c->cap, gen, true, drop);
}

void jm_cache_release(struct jm_cache *c, void (*drop)(uint64_t value))
{
	for (size_t i = 0; drop && i < c->cap; i++)
		if (c->slots[i].used)
			drop(c->slots[i].value);
	free(c->slots);
	c->slots = NULL;
	c->cap = c->len = 0;
}
