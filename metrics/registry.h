/*
 * registry.h - the per-thread metric registry: one Prometheus metric per
 * aggregated ThreadState field, derived from the capture's field table.
 *
 * Owns each metric's name (ctprof_ + stem + base unit + _total for
 * counters), type, unit, HELP, the conversion from the field's unit to the
 * base unit, and which "measured" predicate gates it (ktstr-facts 2.2).
 * Nothing here is written by hand per field: a new table row is a new metric.
 */
#ifndef CTPROF_REGISTRY_H
#define CTPROF_REGISTRY_H

#include <stdbool.h>
#include <stddef.h>

#include "snapshot.h"

/* The thread predicate that makes a group's value a measurement (2.2). */
enum measured_family {
	MEASURED_ALWAYS,
	MEASURED_CPU_DELAY,   /* taskstats_measured && cpu_delay_active */
	MEASURED_DELAY_BLOCK, /* taskstats_measured && delay_block_active */
	MEASURED_XACCT,       /* taskstats_measured && xacct_active */
	MEASURED_JEMALLOC,    /* jemalloc_measured */
	MEASURED_COUNT
};

enum metric_type {
	METRIC_COUNTER,
	METRIC_GAUGE,
};

/* How the renderer turns a raw value into the metric's base unit. */
enum metric_scale {
	SCALE_NONE,
	SCALE_NS_TO_SECONDS,
	SCALE_TICKS_TO_SECONDS,
};

#define METRIC_NAME_MAX 80

struct metric_desc {
	const struct field_desc *field; /* NULL: thread_count */
	char name[METRIC_NAME_MAX];     /* the sample name */
	char family[METRIC_NAME_MAX];   /* OpenMetrics family (no _total) */
	enum metric_type type;
	const char *unit; /* "seconds", "bytes" or "" */
	enum metric_scale scale;
	enum measured_family measured;
	char label[METRIC_NAME_MAX]; /* Mode: the tally label; else "" */
};

#define REGISTRY_MAX 96

struct registry {
	struct metric_desc metrics[REGISTRY_MAX];
	size_t len;
};

/* Build from thread_field_descs: thread_count first, then table order. */
void registry_build(struct registry *r);
const struct metric_desc *registry_lookup(const struct registry *r,
					  const char *name);
enum measured_family field_measured_family(const struct field_desc *d);
/* Whether thread t counts as measured for this family. */
bool thread_measured(const struct thread_state *t, enum measured_family m);
const char *metric_type_name(enum metric_type t);

#endif
