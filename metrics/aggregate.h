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

/*
 * Every wanted metric of a registry over a set of groups, as
 * aggregate_metric computes each. A group's members are read once, every
 * field of a thread together: one metric at a time walks all the threads
 * once per metric, and the renderer needs each value twice (the series
 * estimate, then the text). Sums and maxima of u64 fields, most of the
 * registry, take loops of their own without a switch; metrics not wanted
 * (families the renderer leaves out) and the measured predicates no
 * wanted metric needs cost nothing.
 */
enum agg_slot_kind { AGG_SLOT_NONE, AGG_SLOT_FAST, AGG_SLOT_SLOW };

struct agg_table {
	const struct registry *reg;
	size_t ngroups;
	size_t nsum, nmax, nslow;
	enum agg_slot_kind kind[REGISTRY_MAX]; /* by metric */
	size_t slot[REGISTRY_MAX];             /* by metric: its fast (sum, max) or slow slot */
	size_t field_off[REGISTRY_MAX];        /* by fast slot: the u64 field */
	const struct field_desc *slow_field[REGISTRY_MAX]; /* by slow slot */
	int slow_reduction[REGISTRY_MAX];                 /* by slow slot: how (aggregate.c) */
	enum measured_family family[MEASURED_COUNT];       /* the ones to evaluate */
	size_t nfamilies;
	uint64_t *fast;                   /* by group: nsum sums, then nmax maxima */
	struct agg_value *slow;           /* by group: nslow values (ranges, modes) */
	bool (*measured)[MEASURED_COUNT]; /* by group and measured family */
};

/* groups[0..n) of s, the metrics with want[i] (want NULL: all). 0 / -ENOMEM (t left empty). */
int agg_table_build(struct agg_table *t, const struct ctprof_snapshot *s,
		    const struct registry *r, const bool *want,
		    const struct thread_group *groups, size_t n);
/*
 * Group i's (g) value of metric m, as aggregate_metric gives it (absent
 * for a metric not wanted); a tally stays the table's (not to release).
 */
void agg_table_value(const struct agg_table *t, size_t i, const struct thread_group *g,
		     const struct metric_desc *m, struct agg_value *out);
void agg_table_release(struct agg_table *t);

#endif
