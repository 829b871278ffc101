/*
 * jemalloc_layout.h - where the two counters sit inside jemalloc's tsd_s.
 *
 * Owns the member offsets of thread_allocated / thread_deallocated (their
 * jemalloc-mangled names, ktstr-facts 5.2): read from DWARF with libdw when
 * the binary or its debug file describes struct tsd_s, else taken from a
 * built-in table keyed by architecture and sizeof(tsd_s), which is what a
 * stripped jemalloc (Debian's libjemalloc.so.2 and libjemalloc.a) needs.
 */
#ifndef CTPROF_JEMALLOC_LAYOUT_H
#define CTPROF_JEMALLOC_LAYOUT_H

#include <elfutils/libdw.h>
#include <stdbool.h>
#include <stdint.h>

#define JM_MEMBER_PREFIX "cant_access_tsd_items_directly_use_a_getter_or_setter_"
#define JM_MEMBER_ALLOCATED JM_MEMBER_PREFIX "thread_allocated"
#define JM_MEMBER_DEALLOCATED JM_MEMBER_PREFIX "thread_deallocated"

/* Longest span read per thread: the counters are 16 bytes apart in 5.3. */
#define JM_SPAN_MAX 256u

struct jm_layout {
	uint64_t tsd_size;
	uint64_t off_allocated;
	uint64_t off_deallocated;
};

/*
 * Offsets from the first struct tsd_s in dw that has both members.
 * 0, -ENOENT (no such struct), -EINVAL (members unusable: an expression
 * location, deallocated not after allocated, or a span over JM_SPAN_MAX).
 */
int jm_layout_from_dwarf(Dwarf *dw, struct jm_layout *out);

/* The built-in table; false when (machine, tsd_size) is not in it. */
bool jm_layout_from_table(uint16_t machine, uint64_t tsd_size,
			  struct jm_layout *out);

/* Bytes read per thread: allocated through the end of deallocated. */
uint64_t jm_layout_span(const struct jm_layout *l);
/* Offsets ordered and within JM_SPAN_MAX. */
bool jm_layout_valid(const struct jm_layout *l);

#endif
