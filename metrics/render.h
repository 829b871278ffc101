/*
 * render.h - a snapshot as Prometheus or OpenMetrics exposition text.
 *
 * Owns the order of families (registry order, then host, cgroup, sched_ext
 * and self families), the group labels, sources the host lacks (their
 * families are left out, and ctprof_source_available says so), and the
 * unit conversions to base units. Group utime and stime count process
 * totals when the snapshot has them (see cpu_shares.h). With a
 * continuity, group counters add the group's departed totals and retained
 * groups without live threads are rendered too; with max_series, the
 * smallest groups by CPU are folded into one group labelled "other" so the
 * thread families fit.
 */
#ifndef CTPROF_RENDER_H
#define CTPROF_RENDER_H

#include <stdint.h>

#include "continuity.h"
#include "expo.h"
#include "group.h"
#include "registry.h"
#include "snapshot.h"

/* What a rendering did, for the caller to log. */
struct render_result {
	bool series_limited;  /* groups were folded into "other" */
	size_t series;        /* thread-family series before folding (estimated) */
	size_t series_kept;   /* ... as rendered */
	size_t groups_folded;
};

struct render_options {
	enum expo_format format;
	struct group_options group;
	long clk_tck;                 /* USER_HZ; 0: sysconf(_SC_CLK_TCK) */
	int64_t capture_duration_ns;  /* < 0: unknown, family left out */
	/*
	 * NULL: counters are live sums (ctprof metrics). Else the continuity
	 * last advanced with this snapshot as cur, under this grouping (other
	 * axes: -EINVAL); see continuity.h.
	 */
	const struct continuity *continuity;
	/*
	 * 0: unlimited. Else, when the thread families would exceed it, keep
	 * the largest groups by CPU (utime+stime; ties by label order) that fit
	 * beside one "other" group holding the rest, and render
	 * ctprof_series_limited (only when max_series is set).
	 */
	size_t max_series;
	struct render_result *result; /* NULL, or filled in (costs an estimate pass) */
	/* Leave the text open (no OpenMetrics "# EOF") for the caller to append to. */
	bool open_ended;
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

/* "sched_info", "schedstats", ...: the source label values. */
const char *render_source_name(enum render_source src);

/* Which sources the snapshot shows the host has (see render.c). */
void render_sources(const struct ctprof_snapshot *s, bool avail[SOURCE_COUNT]);

#endif
