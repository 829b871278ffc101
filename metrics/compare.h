/*
 * compare.h - the engine behind `ctprof compare` and `ctprof show`: one or
 * two snapshots in, a flat list of rows out (ktstr-facts 2, 3, 8).
 *
 * Owns the row model every output format renders: one row per (group,
 * metric) of the primary registry and the 17 derived metrics, and one row
 * per (key, field) of the secondary sections (smaps_rollup, cgroup stats and
 * limits, memory.stat, memory.events, cgroup and host pressure, sched_ext,
 * the three capture summaries), each with its baseline and candidate values,
 * delta and percentage. Groups come from compare_group.h (ktstr's grouping,
 * not the exporter's); values from aggregate.h with the same AggRules and
 * measured fold as the exporter. A value keeps its exact integer and its
 * numeric projection; only forms that are not numbers (ranges, modes, CPU
 * sets, limits) carry text. compare_format.h turns rows into text, JSON or
 * CSV. Show is the one-sided case (nsides 1).
 */
#ifndef CTPROF_COMPARE_H
#define CTPROF_COMPARE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "compare_group.h"
#include "registry.h"
#include "snapshot.h"

/* The --sections vocabulary, in rendering order (ktstr's Section). */
enum compare_section {
	CMP_SEC_PRIMARY,
	CMP_SEC_TASKSTATS_DELAY,
	CMP_SEC_DERIVED,
	CMP_SEC_CGROUP_STATS,
	CMP_SEC_CGROUP_LIMITS,
	CMP_SEC_MEMORY_STAT,
	CMP_SEC_MEMORY_EVENTS,
	CMP_SEC_PRESSURE,
	CMP_SEC_HOST_PRESSURE,
	CMP_SEC_SMAPS,
	CMP_SEC_SCHED_EXT,
	CMP_SEC_SUMMARY, /* ours: the three capture summaries */
	CMP_SEC_COUNT
};

/* The `## ` tables rows render into, in output order. */
enum compare_table {
	CMP_TABLE_PRIMARY, /* primary and taskstats-delay rows */
	CMP_TABLE_DERIVED,
	CMP_TABLE_SMAPS,
	CMP_TABLE_CGROUP_STATS,
	CMP_TABLE_LIMITS,
	CMP_TABLE_MEMORY_STAT,
	CMP_TABLE_MEMORY_EVENTS,
	CMP_TABLE_PRESSURE,      /* one table per resource (row.sub) */
	CMP_TABLE_HOST_PRESSURE, /* likewise */
	CMP_TABLE_SCHED_EXT,
	CMP_TABLE_SUMMARY,
	CMP_TABLE_COUNT
};

/* Unit ladders of ktstr's scale.rs; CENTI_PCT prints PSI averages. */
enum compare_ladder {
	LADDER_NONE,
	LADDER_NS,
	LADDER_US,
	LADDER_BYTES,
	LADDER_TICKS,
	LADDER_UNITLESS,
	LADDER_CENTI_PCT,
};

#define COMPARE_DERIVED_COUNT 17
#define COMPARE_PSI_RESOURCES 4

/* How a derived metric combines its inputs (ktstr-facts 2.4). */
enum derived_kind {
	DERIVED_RATIO,        /* a / b; none when b == 0 */
	DERIVED_RATIO_OF_SUM, /* a / (a + b); none when a + b == 0 */
	DERIVED_DIFF,         /* a - b, signed, no zero check */
	DERIVED_OFFCPU,       /* the six delay totals + max(swapin, thrashing) */
};

struct compare_derived {
	const char *name;
	enum derived_kind kind;
	const char *a, *b; /* input metric names */
	enum compare_ladder ladder;
	bool is_ratio;
	enum compare_section section;
};
extern const struct compare_derived compare_derived[COMPARE_DERIVED_COUNT];
extern const char *const compare_psi_resource[COMPARE_PSI_RESOURCES];

/* One side's value of a row. Strings point into the result's arena. */
struct cmp_value {
	bool present;     /* false: this side lacks the group, key or cgroup */
	bool absent;      /* ktstr's Absent: no member is measured */
	bool has_u64;     /* u is the exact value */
	bool has_num;     /* num is the numeric projection (deltas, sorting) */
	uint64_t u;
	double num;
	const char *text; /* display form of Range, Mode, Affinity, limits, strings */
	const char *mode; /* Mode*: the mode value, compared for same/differs */
};

struct cmp_row {
	enum compare_table table;
	unsigned sub;           /* CMP_TABLE_*PRESSURE: resource index */
	enum compare_section section;
	const char *group[3];   /* group key parts, ngroup of them */
	size_t ngroup;
	const char *key;        /* the whole group key (NUL-joined parts) */
	size_t klen;
	size_t gidx;            /* index in groups; SIZE_MAX outside the groups */
	size_t threads[2];
	bool has_threads;
	const char *metric;
	size_t metric_id;       /* compare_metric_id() space; SIZE_MAX outside it */
	enum compare_ladder ladder;
	bool is_ratio;
	struct cmp_value v[2];
	bool has_delta, has_pct, has_uptime;
	double delta, pct, uptime;
	size_t seq;             /* build order: the tie-break of every sort */
};

/* A group present on one side only. */
struct cmp_onesided {
	size_t side;
	const char *group[3];
	size_t ngroup;
	size_t threads;
};

struct cmp_hint {
	size_t side;
	const char *text;
};

#define COMPARE_MAX_HINTS 6

struct compare_result {
	size_t nsides;          /* 2: compare, 1: show */
	enum compare_group_by group_by;
	size_t nregistry;       /* registry length: derived ids follow it */
	size_t threads[2];
	struct cmp_row *rows;
	size_t nrows, cap;
	struct cmp_onesided *only;
	size_t nonly;
	struct cmp_hint hints[COMPARE_MAX_HINTS];
	size_t nhints;
	struct compare_groups groups;
	char **arena;           /* every string rows point at */
	size_t narena, arena_cap;
};

/*
 * Build the rows of snap[0] against snap[1] (NULL: show snap[0] alone).
 * Rows come out in table order, groups in key order and metrics in
 * registry order; compare_sort() reorders them. 0 / -ENOMEM.
 */
int compare_build(const struct ctprof_snapshot *const snap[2], const struct registry *r,
		  const struct compare_options *o, struct compare_result *out);
void compare_result_release(struct compare_result *res);

/* ktstr's metric name of registry entry i ("thread_count" for the first). */
const char *compare_registry_name(const struct registry *r, size_t i);
/* Registry names first, then the derived names; SIZE_MAX when unknown. */
size_t compare_metric_id(const struct registry *r, const char *name);
/* Whether the metric with this id aggregates by Mode (no number to sort by). */
bool compare_metric_categorical(const struct registry *r, size_t id);

/*
 * The derived value of def from a group's values, indexed by metric id
 * (a NULL entry: the input is missing). false when any input is missing
 * or Absent, or a denominator is 0.
 */
bool compare_derive(const struct registry *r, const struct compare_derived *def,
		    const struct cmp_value *const by_id[], double *out);

#endif
