/*
 * capture.h - build a ctprof snapshot from a procfs/sysfs/cgroupfs tree.
 *
 * Owns the walk (every tgid and tid in numeric order, or one process), the
 * ghost filter, the parse summary, and the assembly of cgroup stats, PSI,
 * sched_ext and host context. Best effort: only an unusable procfs root or
 * running out of memory fails a capture.
 */
#ifndef CTPROF_CAPTURE_H
#define CTPROF_CAPTURE_H

#include <stdbool.h>
#include <stdint.h>

#include "snapshot.h"
#include "strbuf.h"

struct jemalloc_prober;

/* Upper bound of the walker pool: procfs does not love wide fan-out. */
#define CAPTURE_WORKERS_MAX 16u

/* Which files a capture reads. */
enum capture_sources {
	/* Per field the cheapest source the host offers (taskstats, stat). */
	CAPTURE_SOURCES_AUTO,
	/* Every field from its own file, as the seed reads it. */
	CAPTURE_SOURCES_FILES,
};

struct capture_options {
	const char *procfs;   /* NULL: /proc */
	const char *sysfs;    /* NULL: /sys */
	const char *cgroupfs; /* NULL: the cgroup2 mount in <procfs>/self/mountinfo */
	int32_t pid;          /* > 0: capture that process only */
	bool no_taskstats;    /* skip taskstats delay accounting */
	bool no_jemalloc;     /* skip the jemalloc per-thread probe */
	bool no_smaps;        /* skip smaps_rollup (takes the target's mmap lock) */
	bool no_cgroup;       /* skip cgroup statistics */
	bool no_psi;          /* skip host PSI */
	bool no_sched_ext;    /* skip sched_ext sysfs */
	bool no_host;         /* skip host context */
	enum capture_sources sources;
	unsigned workers;     /* walker threads; 0: one per CPU, at most 4 */
	/* Kept across captures (a daemon's); NULL: a temporary one per capture. */
	struct jemalloc_prober *jemalloc;
	/* Kept across captures: idle threads are not read in full again
	 * (capture_memo.h). NULL: every thread is read in full. */
	struct capture_memo *memo;
};

/*
 * Fill out (ctprof_snapshot_init'ed by the caller). 0, or -errno with a
 * one-line reason in err. Live-only reads (sched_getaffinity, uname) run
 * only when procfs is the running kernel's /proc.
 */
int ctprof_capture(const struct capture_options *o, struct ctprof_snapshot *out,
		   struct strbuf *err);

/* Flag values: "auto" or "files"; a whole number 1..16 of walkers. */
bool capture_sources_parse(const char *s, enum capture_sources *out);
bool capture_workers_parse(const char *s, unsigned *out);

/* Whether path is the running kernel's procfs root (same dev and inode). */
bool capture_procfs_is_live(const char *path);

#endif
