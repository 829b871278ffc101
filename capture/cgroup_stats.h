/*
 * cgroup_stats.h - per-cgroup v2 controller files (ktstr-facts 7 "cgroup v2
 * files") and locating the cgroup2 mount.
 *
 * Owns: which cpu.*, memory.*, pids.* and *.pressure files are read for a
 * cgroup path, what each absent or garbage file defaults to, and finding
 * the cgroup2 mount point in /proc/self/mountinfo text.
 */
#ifndef CTPROF_CGROUP_STATS_H
#define CTPROF_CGROUP_STATS_H

#include "snapshot.h"
#include "strbuf.h"

/* Kernel default CFS bandwidth period (default_bw_period_us()). */
#define CPU_MAX_DEFAULT_PERIOD_US 100000

/*
 * Fill out (already cgroup_stats_init'ed, path set) from the directory
 * cgroup_root_fd/<path without leading '/'> ("/" or "" is the root itself).
 * A missing directory or file is not an error: its fields keep their
 * defaults. Returns 0, or -ENOMEM (out is then partly filled; release it).
 */
int cgroup_stats_read(int cgroup_root_fd, const char *path,
		      struct cgroup_stats *out, struct strbuf *buf);

/*
 * Mount point of the first cgroup2 filesystem in /proc/self/mountinfo text,
 * octal escapes (\040 ...) decoded, into out. 0, -ENOENT when there is no
 * cgroup2 mount (v1-only host), -ENOMEM.
 */
int cgroup2_mount_find(const char *mountinfo_text, struct strbuf *out);

#endif
