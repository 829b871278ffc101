/*
 * families.h - the metric families that are not per-thread registry
 * metrics: smaps_rollup, host and cgroup PSI, cgroup limits and usage,
 * sched_ext, host context, and the exporter's self-metrics. One row each;
 * the renderer and docs/metrics.md both expand this list.
 *
 * X(id, name, type, unit, labels, source, help)
 */
#ifndef CTPROF_FAMILIES_H
#define CTPROF_FAMILIES_H

#include "expo.h"

#define EXTRA_FAMILIES(X)                                                                  \
	X(SMAPS_ROLLUP, "ctprof_smaps_rollup_bytes", GAUGE, "bytes", "group, key",        \
	  "/proc/<pid>/smaps_rollup", "Process memory from smaps_rollup, summed over the group's processes") \
	X(HOST_PRESSURE_WAITING, "ctprof_host_pressure_waiting_seconds_total", COUNTER,    \
	  "seconds", "resource", "/proc/pressure/*",                                       \
	  "Time some tasks were stalled on the resource (PSI some total)")                 \
	X(HOST_PRESSURE_STALLED, "ctprof_host_pressure_stalled_seconds_total", COUNTER,    \
	  "seconds", "resource", "/proc/pressure/*",                                       \
	  "Time all non-idle tasks were stalled on the resource (PSI full total)")         \
	X(HOST_PRESSURE_WAITING_RATIO, "ctprof_host_pressure_waiting_ratio", GAUGE, "ratio", \
	  "resource, window", "/proc/pressure/*", "PSI some average over the window (0-1)") \
	X(HOST_PRESSURE_STALLED_RATIO, "ctprof_host_pressure_stalled_ratio", GAUGE, "ratio", \
	  "resource, window", "/proc/pressure/*", "PSI full average over the window (0-1)") \
	X(CGROUP_CPU_USAGE, "ctprof_cgroup_cpu_usage_seconds_total", COUNTER, "seconds",   \
	  "cgroup", "cpu.stat usage_usec", "CPU time used by the cgroup")                  \
	X(CGROUP_CPU_THROTTLED, "ctprof_cgroup_cpu_throttled_seconds_total", COUNTER,      \
	  "seconds", "cgroup", "cpu.stat throttled_usec", "Time the cgroup was throttled") \
	X(CGROUP_CPU_THROTTLED_PERIODS, "ctprof_cgroup_cpu_throttled_periods_total",       \
	  COUNTER, "", "cgroup", "cpu.stat nr_throttled", "Periods in which the cgroup was throttled") \
	X(CGROUP_CPU_QUOTA, "ctprof_cgroup_cpu_quota_seconds", GAUGE, "seconds", "cgroup", \
	  "cpu.max", "CPU quota per period (absent without a quota)")                      \
	X(CGROUP_CPU_PERIOD, "ctprof_cgroup_cpu_period_seconds", GAUGE, "seconds", "cgroup", \
	  "cpu.max", "CPU bandwidth period")                                               \
	X(CGROUP_CPU_WEIGHT, "ctprof_cgroup_cpu_weight", GAUGE, "", "cgroup", "cpu.weight", \
	  "CPU weight (absent when unset)")                                                \
	X(CGROUP_CPU_WEIGHT_NICE, "ctprof_cgroup_cpu_weight_nice", GAUGE, "", "cgroup",    \
	  "cpu.weight.nice", "CPU weight as a nice value (absent when unset)")             \
	X(CGROUP_MEMORY_CURRENT, "ctprof_cgroup_memory_current_bytes", GAUGE, "bytes",     \
	  "cgroup", "memory.current", "Memory charged to the cgroup")                      \
	X(CGROUP_MEMORY_MAX, "ctprof_cgroup_memory_max_bytes", GAUGE, "bytes", "cgroup",   \
	  "memory.max", "Memory hard limit (absent when unlimited)")                       \
	X(CGROUP_MEMORY_HIGH, "ctprof_cgroup_memory_high_bytes", GAUGE, "bytes", "cgroup", \
	  "memory.high", "Memory throttle limit (absent when unlimited)")                  \
	X(CGROUP_MEMORY_LOW, "ctprof_cgroup_memory_low_bytes", GAUGE, "bytes", "cgroup",   \
	  "memory.low", "Best-effort memory protection (+Inf for max, absent when unset)") \
	X(CGROUP_MEMORY_MIN, "ctprof_cgroup_memory_min_bytes", GAUGE, "bytes", "cgroup",   \
	  "memory.min", "Hard memory protection (+Inf for max, absent when unset)")        \
	X(CGROUP_MEMORY_STAT, "ctprof_cgroup_memory_stat", GAUGE, "", "cgroup, key",       \
	  "memory.stat", "memory.stat value by key (bytes for sizes, counts for events)")  \
	X(CGROUP_MEMORY_EVENTS, "ctprof_cgroup_memory_events_total", COUNTER, "",          \
	  "cgroup, key", "memory.events", "memory.events counter by key")                  \
	X(CGROUP_PIDS_CURRENT, "ctprof_cgroup_pids_current", GAUGE, "", "cgroup",          \
	  "pids.current", "Tasks in the cgroup")                                           \
	X(CGROUP_PIDS_MAX, "ctprof_cgroup_pids_max", GAUGE, "", "cgroup", "pids.max",      \
	  "Task limit (absent when unlimited)")                                            \
	X(CGROUP_PRESSURE_WAITING, "ctprof_cgroup_pressure_waiting_seconds_total", COUNTER, \
	  "seconds", "cgroup, resource", "<resource>.pressure",                            \
	  "Time some of the cgroup's tasks were stalled (PSI some total)")                 \
	X(CGROUP_PRESSURE_STALLED, "ctprof_cgroup_pressure_stalled_seconds_total", COUNTER, \
	  "seconds", "cgroup, resource", "<resource>.pressure",                            \
	  "Time all of the cgroup's non-idle tasks were stalled (PSI full total)")         \
	X(SCHED_EXT_STATE, "ctprof_sched_ext_state", GAUGE, "", "state",                   \
	  "/sys/kernel/sched_ext/state", "1 for the current sched_ext state, 0 for the others") \
	X(SCHED_EXT_SWITCH_ALL, "ctprof_sched_ext_switch_all", GAUGE, "", "",              \
	  "/sys/kernel/sched_ext/switch_all", "Whether the BPF scheduler takes all tasks") \
	X(SCHED_EXT_NR_REJECTED, "ctprof_sched_ext_nr_rejected_total", COUNTER, "", "",    \
	  "/sys/kernel/sched_ext/nr_rejected", "Tasks the BPF scheduler rejected")         \
	X(SCHED_EXT_HOTPLUG_SEQ, "ctprof_sched_ext_hotplug_seq", GAUGE, "", "",            \
	  "/sys/kernel/sched_ext/hotplug_seq", "CPU hotplug sequence number")              \
	X(SCHED_EXT_ENABLE_SEQ, "ctprof_sched_ext_enable_seq", GAUGE, "", "",              \
	  "/sys/kernel/sched_ext/enable_seq", "BPF scheduler enable sequence number")      \
	X(HOST_INFO, "ctprof_host_info", INFO, "",                                         \
	  "kernel_name, kernel_release, arch, cpu_vendor, cpu_model, thp_enabled, thp_defrag, task_delayacct, config_task_xacct", \
	  "uname, /proc, /sys", "Host context (value 1)")                                  \
	X(HOST_MEMORY_TOTAL, "ctprof_host_memory_total_bytes", GAUGE, "bytes", "",        \
	  "/proc/meminfo MemTotal", "Total usable memory")                                 \
	X(HOST_HUGEPAGES_TOTAL, "ctprof_host_hugepages", GAUGE, "", "",                    \
	  "/proc/meminfo HugePages_Total", "Huge pages in the pool")                       \
	X(HOST_HUGEPAGES_FREE, "ctprof_host_hugepages_free", GAUGE, "", "",               \
	  "/proc/meminfo HugePages_Free", "Free huge pages")                               \
	X(HOST_HUGEPAGE_SIZE, "ctprof_host_hugepage_size_bytes", GAUGE, "bytes", "",      \
	  "/proc/meminfo Hugepagesize", "Huge page size")                                  \
	X(HOST_ONLINE_CPUS, "ctprof_host_online_cpus", GAUGE, "", "",                      \
	  "/sys/devices/system/cpu/online", "Online CPUs")                                 \
	X(HOST_NUMA_NODES, "ctprof_host_numa_nodes", GAUGE, "", "",                        \
	  "/sys/devices/system/node", "NUMA nodes")                                        \
	X(SOURCE_AVAILABLE, "ctprof_source_available", GAUGE, "", "source", "capture",     \
	  "Whether this host provides the source (kernel config, privilege); families of an unavailable source are not exported") \
	X(PROBE_TGIDS, "ctprof_probe_tgids_walked", GAUGE, "", "", "jemalloc probe",       \
	  "Processes the jemalloc probe looked at in the last capture")                    \
	X(PROBE_DETECTED, "ctprof_probe_jemalloc_detected", GAUGE, "", "", "jemalloc probe", \
	  "Processes with jemalloc found in the last capture")                             \
	X(PROBE_OK, "ctprof_probe_probed_ok", GAUGE, "", "", "jemalloc probe",             \
	  "Threads whose jemalloc counters were read in the last capture")                 \
	X(PROBE_FAILED, "ctprof_probe_failed", GAUGE, "", "", "jemalloc probe",            \
	  "jemalloc probe failures in the last capture (benign tags excluded)")            \
	X(PROBE_FAILURES, "ctprof_probe_failures", GAUGE, "", "tag", "jemalloc probe",    \
	  "jemalloc probe outcomes of the last capture by failure tag, benign ones included (the daemon only: a snapshot file does not carry them)") \
	X(PROBE_DOMINANT, "ctprof_probe_dominant_failure_info", INFO, "", "tag",           \
	  "jemalloc probe", "The most frequent jemalloc probe failure tag")                \
	X(PROBE_PRIVILEGE, "ctprof_probe_privilege_dominant", GAUGE, "", "", "jemalloc probe", \
	  "1 when ptrace permission failures are at least half of the probe failures")     \
	X(PARSE_TIDS, "ctprof_parse_tids_walked", GAUGE, "", "", "capture",                \
	  "Threads walked by the last capture")                                            \
	X(PARSE_FAILURES, "ctprof_parse_read_failures", GAUGE, "", "file", "capture",      \
	  "Per-thread procfs files that could not be read in the last capture")            \
	X(PARSE_DOMINANT, "ctprof_parse_dominant_read_failure_info", INFO, "", "file",     \
	  "capture", "The procfs file that failed most often")                             \
	X(PARSE_KCONFIG, "ctprof_parse_kernel_config_dominant", GAUGE, "", "", "capture",  \
	  "1 when missing schedstat/io files (kernel config) explain most read failures")  \
	X(PARSE_NEGATIVE, "ctprof_parse_negative_dotted_values", GAUGE, "", "", "capture", \
	  "Negative schedstat times seen (and read as 0) in the last capture")             \
	X(TASKSTATS_QUERIES, "ctprof_taskstats_queries", GAUGE, "", "result", "taskstats", \
	  "taskstats queries of the last capture by result (ok, eperm, esrch, other)")     \
	X(CAPTURE_DURATION, "ctprof_capture_duration_seconds", GAUGE, "seconds", "",       \
	  "capture", "How long the last capture took")                                     \
	X(CAPTURE_TIMESTAMP, "ctprof_capture_timestamp_seconds", GAUGE, "seconds", "",     \
	  "capture", "When the served capture was taken (Unix time)")                      \
	X(CAPTURE_THREADS, "ctprof_capture_threads", GAUGE, "", "", "capture",             \
	  "Threads in the served capture")                                                 \
	X(CAPTURE_REUSED, "ctprof_capture_threads_reused", GAUGE, "", "", "capture",       \
	  "Threads of the served capture that had not run since the one before, whose sched and io values were carried over (--capture.reuse-idle)") \
	X(CAPTURE_IO_REUSED, "ctprof_capture_threads_io_reused", GAUGE, "", "", "capture", \
	  "Threads of the served capture whose process's io totals had not moved since the one before, whose io values alone were carried over (--capture.reuse-idle)") \
	X(SERIES_LIMITED, "ctprof_series_limited", GAUGE, "", "", "render",                \
	  "1 when the series limit folded the smallest groups by CPU into one group labelled other (only with a limit)") \
	X(BUILD_INFO, "ctprof_build_info", INFO, "", "version", "build",                   \
	  "ctprof-exporter build (value 1)")

enum extra_family_id {
#define CTPROF_EXTRA_ID(id, ...) FAMILY_##id,
	EXTRA_FAMILIES(CTPROF_EXTRA_ID)
#undef CTPROF_EXTRA_ID
	FAMILY_COUNT
};

struct extra_family {
	const char *name;
	enum expo_type type;
	const char *unit;
	const char *labels;
	const char *source;
	const char *help;
};

extern const struct extra_family extra_families[FAMILY_COUNT];

#endif
