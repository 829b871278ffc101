/*
 * render.h - a snapshot as Prometheus or OpenMetrics exposition text.
 *
 * Owns the order of families (registry order, then host, cgroup, sched_ext
 * and self families), the group labels, sources the host lacks (their
 * families are left out, and ctprof_source_available says so), and the
 * unit conversions to base units.
 */
#ifndef CTPROF_RENDER_H
#define CTPROF_RENDER_H

#include <stdint.h>

#include "expo.h"
#include "group.h"
#include "registry.h"
#include "snapshot.h"

struct render_options {
	enum expo_format format;
	struct group_options group;
	long clk_tck;                 /* USER_HZ; 0: sysconf(_SC_CLK_TCK) */
	int64_t capture_duration_ns;  /* < 0: unknown, family left out */
};

int render_snapshot(const struct ctprof_snapshot *s, const struct registry *r,
		    const struct render_options *o, struct strbuf *out);

/* The source label values of ctprof_source_available, in order. */
enum render_source {
	SOURCE_SCHED_INFO,
	SOURCE_SCHEDSTATS,
	SOURCE_SCHED_CORE,
	SOURCE_SCHED_EXT,
	SOURCE_IO_ACCOUNTING,
	SOURCE_TASKSTATS,
	SOURCE_DELAYACCT,
	SOURCE_XACCT,
	SOURCE_JEMALLOC,
	SOURCE_SMAPS_ROLLUP,
	SOURCE_PSI,
	SOURCE_COUNT
};

/* Which sources the snapshot shows the host has (see render.c). */
void render_sources(const struct ctprof_snapshot *s, bool avail[SOURCE_COUNT]);

#endif
