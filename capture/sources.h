/*
 * sources.h - what this host offers the capture, probed once at startup
 * so the daemon can say it in one log line: delay accounting, schedstats,
 * PSI, the cgroup2 mount, ptrace and netlink privilege, sched_ext.
 */
#ifndef CTPROF_SOURCES_H
#define CTPROF_SOURCES_H

#include <stdbool.h>

#include "capture.h"

struct host_sources {
	const char *delayacct;    /* "on", "runtime_off", "config_off" */
	const char *xacct;        /* "on", "off", "unknown" */
	bool schedstats;          /* CONFIG_SCHEDSTATS (sched_schedstats exists) */
	bool psi;                 /* <procfs>/pressure/cpu readable */
	char cgroup2[256];        /* the cgroup2 root in use, "" if none */
	bool cap_sys_ptrace;      /* jemalloc probe can attach */
	bool cap_net_admin;       /* taskstats queries are allowed */
	bool sched_ext;           /* <sysfs>/kernel/sched_ext exists */
};

void sources_probe(const struct capture_options *o, struct host_sources *out);

#endif
