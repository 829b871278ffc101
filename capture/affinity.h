/*
 * affinity.h - a live thread's CPU affinity from sched_getaffinity(2).
 * Only meaningful against the running kernel; synthetic trees use the
 * status file's Cpus_allowed_list instead.
 */
#ifndef CTPROF_AFFINITY_H
#define CTPROF_AFFINITY_H

#include <sys/types.h>

#include "snapshot.h"

/* 0 with out set; -errno, or -ENODATA for an all-zero mask. */
int affinity_read(pid_t tid, struct cpuset *out);

#endif
