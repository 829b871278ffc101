/*
 * host_context.h - the host description stored with every snapshot
 * (ktstr-facts 6): CPU identity, memory and hugepages, THP policy,
 * sched_* sysctls, online CPUs / NUMA nodes, cpufreq governors, uname,
 * kernel command line, and which taskstats sub-families the kernel fills.
 *
 * Everything is read relative to caller-opened procfs and sysfs directory
 * fds, so a synthetic tree is described exactly like the live host.
 */
#ifndef CTPROF_HOST_CONTEXT_H
#define CTPROF_HOST_CONTEXT_H

#include <stdbool.h>

#include "snapshot.h"
#include "strbuf.h"

#define DELAYACCT_CONFIG_OFF "config_off"
#define DELAYACCT_RUNTIME_OFF "runtime_off"
#define DELAYACCT_ON "on"
#define XACCT_CONFIG_ON "on"
#define XACCT_CONFIG_OFF "off"
#define XACCT_CONFIG_UNKNOWN "unknown"

/*
 * Which taskstats sub-families carry data (ktstr probe_taskstats_active).
 * The strings are the constants above (static, never freed).
 */
struct taskstats_active {
	bool cpu_delay;   /* delayacct != config_off: filled before tsk->delays */
	bool delay_block; /* delayacct == on: the other seven delay categories */
	bool xacct;       /* xacct_config != off: unknown counts as active */
	const char *delayacct;    /* <procfs>/sys/kernel/task_delayacct */
	const char *xacct_config; /* CONFIG_TASK_XACCT in <procfs>/config.gz */
};

void taskstats_active_probe(int procfs_fd, struct taskstats_active *out,
			    struct strbuf *buf);

/*
 * Collect the host context. uname(2) describes the running kernel, not a
 * synthetic tree, so kernel_name/kernel_release/arch are filled only when
 * live is true. Unreadable or empty-after-trim sources leave their field
 * absent. NULL only when out of memory; free with host_context_free().
 */
struct host_context *host_context_collect(int procfs_fd, int sysfs_fd,
					  bool live, struct strbuf *buf);

#endif
