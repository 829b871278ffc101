/*
 * thread_fields.h - the one table of ThreadState fields.
 *
 * Owns: every per-thread field's JSON name (= C member name), storage kind,
 * family, aggregation rule, unit, kernel source and help text, in ktstr's
 * declaration order (shared/docs/threadstate_fields.txt). The struct, the
 * JSON writer and reader, the metric registry and docs/metrics.md are all
 * expanded from THREAD_FIELDS; nothing else lists the fields by hand.
 *
 * X(name, kind, family, agg, unit, source, gates, class, help)
 *   kind   storage: U32 U64 I32 STR CHAR BOOL CPUSET KIBMAP
 *   family IDENTITY COUNTER PEAK GAUGE CATEGORICAL ORDINAL FLAG
 *   agg    ktstr AggRule (ktstr-facts 2.1), NONE for fields outside the registry
 *   unit   NONE COUNT NS TICKS BYTES KIB CPUS
 *   source where capture reads it (enum field_source)
 *   gates  kernel config the value needs (GATE_* bits, ktstr's config_gates)
 *   class  scheduling classes it applies to (ktstr's sched_class tag)
 */
#ifndef CTPROF_THREAD_FIELDS_H
#define CTPROF_THREAD_FIELDS_H

#define CTPROF_TASKSTATS_CATEGORY_FIELDS(X, cat, what)                                 \
	X(cat##_delay_count, U64, COUNTER, SUM_COUNT, COUNT, TASKSTATS, GATE_TASKSTATS | GATE_TASK_DELAY_ACCT, CLASS_ANY, \
	  "Number of " what " delays the thread incurred (taskstats)")                 \
	X(cat##_delay_total_ns, U64, COUNTER, SUM_NS, NS, TASKSTATS, GATE_TASKSTATS | GATE_TASK_DELAY_ACCT, CLASS_ANY, \
	  "Total time the thread spent waiting for " what " (taskstats)")              \
	X(cat##_delay_max_ns, U64, PEAK, MAX_PEAK, NS, TASKSTATS, GATE_TASKSTATS | GATE_TASK_DELAY_ACCT, CLASS_ANY, \
	  "Longest single " what " delay of the thread's life (taskstats)")            \
	X(cat##_delay_min_ns, U64, PEAK, MAX_PEAK, NS, TASKSTATS, GATE_TASKSTATS | GATE_TASK_DELAY_ACCT, CLASS_ANY, \
	  "Shortest non-zero " what " delay of the thread's life (taskstats)")

#define THREAD_FIELDS(X)                                                               \
	X(tid, U32, IDENTITY, NONE, NONE, WALK, GATES_NONE, CLASS_ANY, "Kernel task id") \
	X(tgid, U32, IDENTITY, NONE, NONE, WALK, GATES_NONE, CLASS_ANY, "Thread group (process) id") \
	X(pcomm, STR, IDENTITY, NONE, NONE, COMM, GATES_NONE, CLASS_ANY,               \
	  "Process name from /proc/<tgid>/comm")                                       \
	X(comm, STR, IDENTITY, NONE, NONE, COMM, GATES_NONE, CLASS_ANY,                \
	  "Thread name from /proc/<tid>/comm")                                         \
	X(cgroup, STR, IDENTITY, NONE, NONE, CGROUP, GATES_NONE, CLASS_ANY,            \
	  "cgroup v2 path from the 0:: line of /proc/<tid>/cgroup")                    \
	X(start_time_clock_ticks, U64, IDENTITY, NONE, TICKS, STAT, GATES_NONE, CLASS_ANY, \
	  "Start time after boot in USER_HZ ticks (stat field 22)")                    \
	X(policy, STR, CATEGORICAL, MODE, NONE, STAT, GATES_NONE, CLASS_ANY,           \
	  "Scheduling policy name (stat field 41)")                                    \
	X(nice, I32, ORDINAL, RANGE_I32, NONE, STAT, GATES_NONE, CLASS_ANY, "Nice value (stat field 19)") \
	X(cpu_affinity, CPUSET, ORDINAL, AFFINITY, CPUS, AFFINITY, GATES_NONE, CLASS_ANY, \
	  "CPUs the thread may run on")                                                \
	X(processor, I32, ORDINAL, RANGE_I32, NONE, STAT, GATES_NONE, CLASS_ANY,       \
	  "CPU the thread last ran on (stat field 39)")                                \
	X(state, CHAR, CATEGORICAL, MODE_CHAR, NONE, STATUS, GATES_NONE, CLASS_ANY,    \
	  "Kernel task state letter from status State ('~' when unread)")              \
	X(ext_enabled, BOOL, CATEGORICAL, MODE_BOOL, NONE, SCHED, GATE_SCHED_CLASS_EXT, CLASS_ANY, \
	  "Whether sched_ext schedules the thread (sched ext.enabled)")                \
	X(run_time_ns, U64, COUNTER, SUM_NS, NS, SCHEDSTAT, GATE_SCHED_INFO, CLASS_ANY, \
	  "Time spent on a CPU (schedstat field 1)")                                   \
	X(wait_time_ns, U64, COUNTER, SUM_NS, NS, SCHEDSTAT, GATE_SCHED_INFO, CLASS_ANY, \
	  "Time spent runnable waiting on a runqueue (schedstat field 2)")             \
	X(timeslices, U64, COUNTER, SUM_COUNT, COUNT, SCHEDSTAT, GATE_SCHED_INFO, CLASS_ANY, \
	  "Number of timeslices run on a CPU (schedstat field 3)")                     \
	X(voluntary_csw, U64, COUNTER, SUM_COUNT, COUNT, STATUS, GATES_NONE, CLASS_ANY, \
	  "Voluntary context switches")                                                \
	X(nonvoluntary_csw, U64, COUNTER, SUM_COUNT, COUNT, STATUS, GATES_NONE, CLASS_ANY, \
	  "Involuntary context switches")                                              \
	X(nr_wakeups, U64, COUNTER, SUM_COUNT, COUNT, SCHED, GATE_SCHEDSTATS, CLASS_ANY, "Wakeups") \
	X(nr_wakeups_local, U64, COUNTER, SUM_COUNT, COUNT, SCHED, GATE_SCHEDSTATS, CLASS_ANY, \
	  "Wakeups on the waker's CPU")                                                \
	X(nr_wakeups_remote, U64, COUNTER, SUM_COUNT, COUNT, SCHED, GATE_SCHEDSTATS, CLASS_ANY, \
	  "Wakeups on another CPU")                                                    \
	X(nr_wakeups_sync, U64, COUNTER, SUM_COUNT, COUNT, SCHED, GATE_SCHEDSTATS, CLASS_ANY, \
	  "Synchronous wakeups")                                                       \
	X(nr_wakeups_migrate, U64, COUNTER, SUM_COUNT, COUNT, SCHED, GATE_SCHEDSTATS, CLASS_ANY, \
	  "Wakeups that migrated the thread")                                          \
	X(nr_wakeups_affine, U64, COUNTER, SUM_COUNT, COUNT, SCHED, GATE_SCHEDSTATS, CLASS_CFS_ONLY, \
	  "Wake-affine wakeups that succeeded")                                        \
	X(nr_wakeups_affine_attempts, U64, COUNTER, SUM_COUNT, COUNT, SCHED, GATE_SCHEDSTATS, CLASS_CFS_ONLY, \
	  "Wake-affine wakeups attempted")                                             \
	X(nr_migrations, U64, COUNTER, SUM_COUNT, COUNT, SCHED, GATES_NONE, CLASS_ANY, \
	  "CPU migrations")                                                            \
	X(nr_forced_migrations, U64, COUNTER, SUM_COUNT, COUNT, SCHED, GATE_SCHEDSTATS, CLASS_CFS_ONLY, \
	  "Forced CPU migrations")                                                     \
	X(nr_failed_migrations_affine, U64, COUNTER, SUM_COUNT, COUNT, SCHED, GATE_SCHEDSTATS, CLASS_CFS_ONLY, \
	  "Migrations refused by CPU affinity")                                        \
	X(nr_failed_migrations_running, U64, COUNTER, SUM_COUNT, COUNT, SCHED, GATE_SCHEDSTATS, CLASS_CFS_ONLY, \
	  "Migrations refused because the thread was running")                         \
	X(nr_failed_migrations_hot, U64, COUNTER, SUM_COUNT, COUNT, SCHED, GATE_SCHEDSTATS, CLASS_CFS_ONLY, \
	  "Migrations refused because the thread was cache-hot")                       \
	X(wait_sum, U64, COUNTER, SUM_NS, NS, SCHED, GATE_SCHEDSTATS, CLASS_NON_EXT,   \
	  "Total runqueue wait time (schedstats)")                                     \
	X(wait_count, U64, COUNTER, SUM_COUNT, COUNT, SCHED, GATE_SCHEDSTATS, CLASS_NON_EXT, \
	  "Number of runqueue waits (schedstats)")                                     \
	X(wait_max, U64, PEAK, MAX_PEAK, NS, SCHED, GATE_SCHEDSTATS, CLASS_NON_EXT,    \
	  "Longest runqueue wait of the thread's life (schedstats)")                   \
	X(voluntary_sleep_ns, U64, COUNTER, SUM_NS, NS, SCHED, GATE_SCHEDSTATS, CLASS_NON_EXT, \
	  "Voluntary sleep time: sum_sleep_runtime minus sum_block_runtime")           \
	X(sleep_max, U64, PEAK, MAX_PEAK, NS, SCHED, GATE_SCHEDSTATS, CLASS_NON_EXT,   \
	  "Longest sleep of the thread's life (schedstats)")                           \
	X(block_sum, U64, COUNTER, SUM_NS, NS, SCHED, GATE_SCHEDSTATS, CLASS_NON_EXT,  \
	  "Total blocked (uninterruptible) time (schedstats sum_block_runtime)")       \
	X(block_max, U64, PEAK, MAX_PEAK, NS, SCHED, GATE_SCHEDSTATS, CLASS_NON_EXT,   \
	  "Longest block of the thread's life (schedstats)")                           \
	X(iowait_sum, U64, COUNTER, SUM_NS, NS, SCHED, GATE_SCHEDSTATS, CLASS_NON_EXT, \
	  "Total I/O wait time (schedstats)")                                          \
	X(iowait_count, U64, COUNTER, SUM_COUNT, COUNT, SCHED, GATE_SCHEDSTATS, CLASS_NON_EXT, \
	  "Number of I/O waits (schedstats)")                                          \
	X(exec_max, U64, PEAK, MAX_PEAK, NS, SCHED, GATE_SCHEDSTATS, CLASS_ANY,        \
	  "Longest single run on a CPU of the thread's life (schedstats)")             \
	X(slice_max, U64, PEAK, MAX_PEAK, NS, SCHED, GATE_SCHEDSTATS, CLASS_CFS_ONLY,  \
	  "Longest CFS slice of the thread's life (schedstats)")                       \
	X(allocated_bytes, U64, COUNTER, SUM_BYTES, BYTES, JEMALLOC, GATES_NONE, CLASS_ANY, \
	  "Bytes allocated by the thread through jemalloc")                            \
	X(deallocated_bytes, U64, COUNTER, SUM_BYTES, BYTES, JEMALLOC, GATES_NONE, CLASS_ANY, \
	  "Bytes freed by the thread through jemalloc")                                \
	X(minflt, U64, COUNTER, SUM_COUNT, COUNT, STAT, GATES_NONE, CLASS_ANY,         \
	  "Minor page faults (stat field 10)")                                         \
	X(majflt, U64, COUNTER, SUM_COUNT, COUNT, STAT, GATES_NONE, CLASS_ANY,         \
	  "Major page faults (stat field 12)")                                         \
	X(utime_clock_ticks, U64, COUNTER, SUM_TICKS, TICKS, STAT, GATES_NONE, CLASS_ANY, \
	  "User CPU time (stat field 14)")                                             \
	X(stime_clock_ticks, U64, COUNTER, SUM_TICKS, TICKS, STAT, GATES_NONE, CLASS_ANY, \
	  "System CPU time (stat field 15)")                                           \
	X(priority, I32, ORDINAL, RANGE_I32, NONE, STAT, GATES_NONE, CLASS_ANY,        \
	  "Kernel priority (stat field 18)")                                           \
	X(rt_priority, U32, ORDINAL, RANGE_U32, NONE, STAT, GATES_NONE, CLASS_ANY,     \
	  "Real-time priority (stat field 40)")                                        \
	X(core_forceidle_sum, U64, COUNTER, SUM_NS, NS, SCHED, GATE_SCHED_CORE | GATE_SCHEDSTATS, CLASS_ANY, \
	  "Time a sibling SMT thread was forced idle for core scheduling")             \
	X(fair_slice_ns, U64, GAUGE, MAX_GAUGE_NS, NS, SCHED, GATES_NONE, CLASS_FAIR_POLICY, \
	  "Current fair-class slice (sched se.slice)")                                 \
	X(nr_threads, U64, GAUGE, MAX_GAUGE_COUNT, COUNT, STATUS, GATES_NONE, CLASS_ANY, \
	  "Threads in the process (status Threads; leader only)")                      \
	X(smaps_rollup_kib, KIBMAP, GAUGE, NONE, KIB, SMAPS, GATES_NONE, CLASS_ANY,    \
	  "Process memory from smaps_rollup in KiB (leader only)")                     \
	X(rchar, U64, COUNTER, SUM_BYTES, BYTES, IO, GATE_TASK_IO_ACCOUNTING, CLASS_ANY, \
	  "Bytes passed to read-like syscalls (io rchar)")                             \
	X(wchar, U64, COUNTER, SUM_BYTES, BYTES, IO, GATE_TASK_IO_ACCOUNTING, CLASS_ANY, \
	  "Bytes passed to write-like syscalls (io wchar)")                            \
	X(syscr, U64, COUNTER, SUM_COUNT, COUNT, IO, GATE_TASK_IO_ACCOUNTING, CLASS_ANY, "Read syscalls (io syscr)") \
	X(syscw, U64, COUNTER, SUM_COUNT, COUNT, IO, GATE_TASK_IO_ACCOUNTING, CLASS_ANY, "Write syscalls (io syscw)") \
	X(read_bytes, U64, COUNTER, SUM_BYTES, BYTES, IO, GATE_TASK_IO_ACCOUNTING, CLASS_ANY, \
	  "Bytes read from storage (io read_bytes)")                                   \
	X(write_bytes, U64, COUNTER, SUM_BYTES, BYTES, IO, GATE_TASK_IO_ACCOUNTING, CLASS_ANY, \
	  "Bytes written to storage (io write_bytes)")                                 \
	X(cancelled_write_bytes, U64, COUNTER, SUM_BYTES, BYTES, IO, GATE_TASK_IO_ACCOUNTING, CLASS_ANY, \
	  "Written bytes whose writeback was cancelled (io)")                          \
	CTPROF_TASKSTATS_CATEGORY_FIELDS(X, cpu, "a CPU (runqueue)")                   \
	CTPROF_TASKSTATS_CATEGORY_FIELDS(X, blkio, "block I/O")                        \
	CTPROF_TASKSTATS_CATEGORY_FIELDS(X, swapin, "swap-in")                         \
	CTPROF_TASKSTATS_CATEGORY_FIELDS(X, freepages, "memory reclaim")               \
	CTPROF_TASKSTATS_CATEGORY_FIELDS(X, thrashing, "thrashing page cache")         \
	CTPROF_TASKSTATS_CATEGORY_FIELDS(X, compact, "memory compaction")              \
	CTPROF_TASKSTATS_CATEGORY_FIELDS(X, wpcopy, "copy-on-write")                   \
	CTPROF_TASKSTATS_CATEGORY_FIELDS(X, irq, "IRQ/softirq handling")               \
	X(hiwater_rss_bytes, U64, PEAK, MAX_PEAK_BYTES, BYTES, TASKSTATS, GATE_TASKSTATS | GATE_TASK_XACCT, CLASS_ANY, \
	  "Peak resident memory of the thread's mm (taskstats hiwater_rss)")           \
	X(hiwater_vm_bytes, U64, PEAK, MAX_PEAK_BYTES, BYTES, TASKSTATS, GATE_TASKSTATS | GATE_TASK_XACCT, CLASS_ANY, \
	  "Peak virtual memory of the thread's mm (taskstats hiwater_vm)")             \
	X(taskstats_measured, BOOL, FLAG, NONE, NONE, TASKSTATS, GATES_NONE, CLASS_ANY, \
	  "This thread's taskstats query succeeded")                                   \
	X(cpu_delay_active, BOOL, FLAG, NONE, NONE, TASKSTATS, GATES_NONE, CLASS_ANY,  \
	  "The host fills cpu_delay_* (CONFIG_TASK_DELAY_ACCT)")                       \
	X(delay_block_active, BOOL, FLAG, NONE, NONE, TASKSTATS, GATES_NONE, CLASS_ANY, \
	  "The host fills the seven resource delay families (task_delayacct=1)")       \
	X(xacct_active, BOOL, FLAG, NONE, NONE, TASKSTATS, GATES_NONE, CLASS_ANY,      \
	  "The host fills hiwater_* (CONFIG_TASK_XACCT)")                              \
	X(jemalloc_measured, BOOL, FLAG, NONE, NONE, JEMALLOC, GATES_NONE, CLASS_ANY,  \
	  "This thread's jemalloc counters were read")

enum field_kind {
	FIELD_KIND_U32,
	FIELD_KIND_U64,
	FIELD_KIND_I32,
	FIELD_KIND_STR,
	FIELD_KIND_CHAR,
	FIELD_KIND_BOOL,
	FIELD_KIND_CPUSET,
	FIELD_KIND_KIBMAP,
};

enum field_family {
	FIELD_FAMILY_IDENTITY,
	FIELD_FAMILY_COUNTER,
	FIELD_FAMILY_PEAK,
	FIELD_FAMILY_GAUGE,
	FIELD_FAMILY_CATEGORICAL,
	FIELD_FAMILY_ORDINAL,
	FIELD_FAMILY_FLAG,
};

enum agg_rule {
	AGG_NONE,
	AGG_SUM_COUNT,
	AGG_SUM_NS,
	AGG_SUM_TICKS,
	AGG_SUM_BYTES,
	AGG_MAX_PEAK,
	AGG_MAX_PEAK_BYTES,
	AGG_MAX_GAUGE_NS,
	AGG_MAX_GAUGE_COUNT,
	AGG_RANGE_I32,
	AGG_RANGE_U32,
	AGG_MODE,
	AGG_MODE_CHAR,
	AGG_MODE_BOOL,
	AGG_AFFINITY,
};

enum field_unit {
	FIELD_UNIT_NONE,
	FIELD_UNIT_COUNT,
	FIELD_UNIT_NS,
	FIELD_UNIT_TICKS,
	FIELD_UNIT_BYTES,
	FIELD_UNIT_KIB,
	FIELD_UNIT_CPUS,
};

/* Where capture reads a field; also the parse-summary token of its file. */
enum field_source {
	FIELD_SOURCE_WALK,
	FIELD_SOURCE_COMM,
	FIELD_SOURCE_STAT,
	FIELD_SOURCE_SCHEDSTAT,
	FIELD_SOURCE_IO,
	FIELD_SOURCE_STATUS,
	FIELD_SOURCE_SCHED,
	FIELD_SOURCE_CGROUP,
	FIELD_SOURCE_SMAPS,
	FIELD_SOURCE_AFFINITY,
	FIELD_SOURCE_TASKSTATS,
	FIELD_SOURCE_JEMALLOC,
};

/* Kernel config options a field's value depends on (bits). */
#define GATES_NONE 0u
#define GATE_SCHED_INFO (1u << 0)
#define GATE_SCHEDSTATS (1u << 1)
#define GATE_SCHED_CORE (1u << 2)
#define GATE_SCHED_CLASS_EXT (1u << 3)
#define GATE_TASK_IO_ACCOUNTING (1u << 4)
#define GATE_TASKSTATS (1u << 5)
#define GATE_TASK_DELAY_ACCT (1u << 6)
#define GATE_TASK_XACCT (1u << 7)
#define GATE_COUNT 8

enum field_class {
	FIELD_CLASS_ANY,
	FIELD_CLASS_CFS_ONLY,
	FIELD_CLASS_NON_EXT,
	FIELD_CLASS_FAIR_POLICY,
};

enum thread_field_id {
#define CTPROF_FIELD_ID(name, ...) THREAD_FIELD_##name,
	THREAD_FIELDS(CTPROF_FIELD_ID)
#undef CTPROF_FIELD_ID
	THREAD_FIELD_COUNT
};

#endif
