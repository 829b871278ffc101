/*
 * aggregate.h - reduce one registry metric over a group's threads by its
 * AggRule (ktstr-facts 2.1), with the measured/Absent fold of 2.2: a group
 * none of whose threads is measured for the metric's family is absent, not
 * a made-up zero; one measured thread keeps the real aggregate.
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

int aggregate_metric(const struct ctprof_snapshot *s, const struct thread_group *g,
		     const struct metric_desc *m, struct agg_value *out);
void agg_value_release(struct agg_value *v);

#endif
