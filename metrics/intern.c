/*
 * intern.c - open addressing with linear probing, kept at most half full.
 * The hash takes eight bytes per step, because cgroup paths are long and
 * every thread has one.
 */
#include "intern.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#define MIX 0x9e3779b97f4a7c15ull

static uint64_t mix(uint64_t h, uint64_t w)
{
	h = (h ^ w) * MIX;
	return h ^ (h >> 29);
}

static uint64_t hash_bytes(const unsigned char *p, size_t n)
{
	uint64_t h = mix(0x5bd1e995u, n), w;
	for (; n >= 8; p += 8, n -= 8) {
		memcpy(&w, p, 8);
		h = mix(h, w);
	}
	w = 0;
	memcpy(&w, p, n);
	return mix(h, w);
}

static bool key_equals(const struct intern *in, const struct intern_key *k, const void *key,
		       size_t n, uint64_t hash)
{
	return k->hash == hash && k->len == n && !memcmp(in->arena.buf + k->off, key, n);
}

/* The slot of key, or the empty slot where it would go. */
static size_t probe(const struct intern *in, const void *key, size_t n, uint64_t hash)
{
	size_t mask = in->nslots - 1;
	for (size_t i = (size_t)hash & mask;; i = (i + 1) & mask) {
		uint32_t s = in->slots[i];
		if (!s || key_equals(in, &in->keys[s - 1], key, n, hash))
			return i;
	}
}

/* Double the slots (rehashing every key) so they stay at most half full. */
static int grow_slots(struct intern *in)
{
	size_t nslots = in->nslots ? in->nslots * 2 : 64;
	uint32_t *slots = calloc(nslots, sizeof(*slots));
	if (!slots)
		return -ENOMEM;
	free(in->slots);
	in->slots = slots;
	in->nslots = nslots;
	for (size_t id = 0; id < in->len; id++) {
		size_t i = (size_t)in->keys[id].hash & (nslots - 1);
		while (slots[i])
			i = (i + 1) & (nslots - 1);
		slots[i] = (uint32_t)(id + 1);
	}
	return 0;
}

static int reserve_key(struct intern *in)
{
	if (in->len < in->cap)
		return 0;
	size_t cap = in->cap ? in->cap * 2 : 16;
	struct intern_key *keys = realloc(in->keys, cap * sizeof(*keys));
	if (!keys)
		return -ENOMEM;
	in->keys = keys;
	in->cap = cap;
	return 0;
}

static bool find_hashed(const struct intern *in, const void *key, size_t n, uint64_t hash,
			size_t *id)
{
	uint32_t s = in->nslots ? in->slots[probe(in, key, n, hash)] : 0;
	if (s)
		*id = s - 1;
	return s != 0;
}

int intern_id(struct intern *in, const void *key, size_t n, size_t *id)
{
	uint64_t hash = hash_bytes(key, n);
	if (find_hashed(in, key, n, hash, id))
		return 0;
	if (in->len >= UINT32_MAX - 1 || reserve_key(in) ||
	    ((in->len + 1) * 2 > in->nslots && grow_slots(in)))
		return -ENOMEM;
	size_t off = in->arena.len;
	if (strbuf_add(&in->arena, key, n) || strbuf_addch(&in->arena, '\0')) {
		in->arena.len = off;
		return -ENOMEM;
	}
	in->keys[in->len] = (struct intern_key){ off, n, hash };
	in->slots[probe(in, key, n, hash)] = (uint32_t)(in->len + 1);
	*id = in->len++;
	return 1;
}

const char *intern_str(const struct intern *in, size_t id)
{
	return in->arena.buf + in->keys[id].off;
}

void intern_release(struct intern *in)
{
	strbuf_release(&in->arena);
	free(in->keys);
	free(in->slots);
	memset(in, 0, sizeof(*in));
	strbuf_init(&in->arena);
}
