/*
 * aggregate.h - reduce one registry metric over a group's threads by its
 * AggRule (ktstr-facts 2.1), with the measured/Absent fold of 2.2: a group
 * none of whose threads is measured for the metric's family is absent, not
 * a made-up zero; one measured thread keeps the real aggregate. A group
 * without members (kept for its exited threads' counters) has its counters
 * and thread count (0) but no gauge, range or mode: there is nothing to
 * report.
 */
#ifndef CTPROF_AGGREGATE_H
#define CTPROF_AGGREGATE_H

#include <stdbool.h>
#include <stdint.h>

#include "group.h"
#include "registry.h"
#include "snapshot.h"

struct agg_value {
	bool absent;
	uint64_t u;          /* Sum*, Max*: the value; thread_count: threads */
	int64_t min, max;    /* Range*: bounds; Affinity: set sizes */
	struct kv_map tally; /* Mode*: value -> number of threads */
};

/* a + b, saturating at UINT64_MAX (ktstr's saturating_add). */
static inline uint64_t u64_sat_add(uint64_t a, uint64_t b)
{
	return a > UINT64_MAX - b ? UINT64_MAX : a + b;
}

/* A U32 or U64 field of t as a u64 (0 for other kinds). */
uint64_t thread_field_u64(const struct thread_state *t, const struct field_desc *d);

int aggregate_metric(const struct ctprof_snapshot *s, const struct thread_group *g,
		     const struct metric_desc *m, struct agg_value *out);
void agg_value_release(struct agg_value *v);

#endif
