/*
 * snapshot.h - the ctprof snapshot data model (ktstr's CtprofSnapshot).
 *
 * Owns: the plain C types of a capture (threads, process CPU totals, cgroup
 * stats, PSI, sched_ext, host context, the three summaries), their defaults
 * and their release. No I/O here. Conventions: a NULL char * or NULL sub-struct pointer
 * is Rust's None / JSON null; struct opt_u64 / opt_i32 are Option<u64/i32>;
 * maps are arrays kept sorted by key bytes (Rust BTreeMap order).
 */
#ifndef CTPROF_SNAPSHOT_H
#define CTPROF_SNAPSHOT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "thread_fields.h"

#define CTPROF_STATE_ABSENT '~'

struct opt_u64 {
	bool present;
	uint64_t value;
};

struct opt_i32 {
	bool present;
	int32_t value;
};

/* String -> u64 map, sorted by key (strcmp). */
struct kv_u64 {
	char *key;
	uint64_t value;
};
struct kv_map {
	struct kv_u64 *items;
	size_t len;
};

/* String -> string map, sorted by key (cpufreq_governor: by numeric key). */
struct kv_str {
	char *key;
	char *value;
};
struct str_map {
	struct kv_str *items;
	size_t len;
};

/* Sorted, de-duplicated CPU ids. */
struct cpuset {
	uint32_t *cpus;
	size_t len;
};

#define FIELD_CTYPE_U32 uint32_t
#define FIELD_CTYPE_U64 uint64_t
#define FIELD_CTYPE_I32 int32_t
#define FIELD_CTYPE_STR char *
#define FIELD_CTYPE_CHAR char
#define FIELD_CTYPE_BOOL bool
#define FIELD_CTYPE_CPUSET struct cpuset
#define FIELD_CTYPE_KIBMAP struct kv_map

/* Strings are owned (heap, never NULL once initialised). */
struct thread_state {
#define CTPROF_FIELD_MEMBER(name, kind, ...) FIELD_CTYPE_##kind name;
	THREAD_FIELDS(CTPROF_FIELD_MEMBER)
#undef CTPROF_FIELD_MEMBER
};

/* The table, with member offsets, for generic code (JSON, registry, docs). */
struct field_desc {
	const char *name;
	enum field_kind kind;
	enum field_family family;
	enum agg_rule agg;
	enum field_unit unit;
	enum field_source source;
	unsigned gates; /* GATE_* bits */
	enum field_class class;
	const char *help;
	size_t offset;
};
extern const struct field_desc thread_field_descs[THREAD_FIELD_COUNT];

/* Lower-case names of the table's enums, as docs/metrics.md prints them. */
const char *field_kind_name(enum field_kind k);
const char *field_family_name(enum field_family f);
const char *agg_rule_name(enum agg_rule a);
const char *field_unit_name(enum field_unit u);
const char *field_source_name(enum field_source s);
/* "SCHEDSTATS", ... for bit i of the gates; "cfs-only", ... for a class. */
const char *field_gate_name(unsigned bit);
const char *field_class_name(enum field_class c);

struct psi_half {
	uint16_t avg10; /* centi-percent */
	uint16_t avg60;
	uint16_t avg300;
	uint64_t total_usec;
};

struct psi_resource {
	struct psi_half some;
	struct psi_half full;
};

struct psi {
	struct psi_resource cpu;
	struct psi_resource memory;
	struct psi_resource io;
	struct psi_resource irq;
};

struct cgroup_cpu_stats {
	uint64_t usage_usec;
	uint64_t nr_throttled;
	uint64_t throttled_usec;
	struct opt_u64 max_quota_us;
	uint64_t max_period_us;
	struct opt_u64 weight;
	struct opt_i32 weight_nice;
};

struct cgroup_memory_stats {
	uint64_t current;
	struct opt_u64 max;
	struct opt_u64 high;
	struct opt_u64 low;
	struct opt_u64 min;
	struct kv_map stat;
	struct kv_map events;
};

struct cgroup_pids_stats {
	struct opt_u64 current;
	struct opt_u64 max;
};

struct cgroup_stats {
	char *path; /* the map key */
	struct cgroup_cpu_stats cpu;
	struct cgroup_memory_stats memory;
	struct cgroup_pids_stats pids;
	struct psi psi;
};

struct sched_ext_sysfs {
	char *state;
	uint64_t switch_all;
	uint64_t nr_rejected;
	uint64_t hotplug_seq;
	uint64_t enable_seq;
};

/* Every member optional: NULL / !present is omitted from JSON. */
struct host_context {
	char *cpu_model;
	char *cpu_vendor;
	struct opt_u64 total_memory_kib;
	struct opt_u64 hugepages_total;
	struct opt_u64 hugepages_free;
	struct opt_u64 hugepages_size_kib;
	char *thp_enabled;
	char *thp_defrag;
	bool has_sched_tunables;
	struct str_map sched_tunables;
	struct opt_u64 online_cpus;
	struct opt_u64 numa_nodes;
	struct str_map cpufreq_governor; /* omitted when empty */
	char *kernel_name;
	char *kernel_release;
	char *arch;
	char *kernel_cmdline;
	char *task_delayacct;    /* "config_off" | "runtime_off" | "on" */
	char *config_task_xacct; /* "on" | "off" | "unknown" */
};

struct probe_summary {
	uint64_t tgids_walked;
	uint64_t jemalloc_detected;
	uint64_t probed_ok;
	uint64_t failed;
	char *dominant_failure;
	bool privilege_dominant;
};

struct parse_summary {
	uint64_t tids_walked;
	uint64_t read_failures;
	struct kv_map read_failures_by_file;
	char *dominant_read_failure;
	bool kernel_config_dominant;
	uint64_t negative_dotted_values;
};

struct taskstats_summary {
	uint64_t ok_count;
	uint64_t eperm_count;
	uint64_t esrch_count;
	uint64_t other_err_count;
};

/*
 * One process's CPU time from /proc/<tgid>/stat: unlike its threads' stat
 * files it includes every thread the process has reaped, up to its exit.
 */
struct process_cpu {
	uint32_t tgid;
	uint64_t start_time_clock_ticks; /* with tgid, the process's identity */
	uint64_t utime_clock_ticks;
	uint64_t stime_clock_ticks;
};

struct ctprof_snapshot {
	uint64_t captured_at_unix_ns;
	struct host_context *host;
	struct thread_state *threads;
	size_t nthreads;
	struct cgroup_stats *cgroups; /* sorted by path */
	size_t ncgroups;
	struct probe_summary *probe_summary;
	struct parse_summary *parse_summary;
	struct taskstats_summary *taskstats_summary;
	struct psi psi;
	struct sched_ext_sysfs *sched_ext;
	/*
	 * Sorted by tgid. Kept beside the threads, never in the JSON (ktstr's
	 * format has no place for it): a snapshot read from a file has none.
	 */
	struct process_cpu *procs;
	size_t nprocs;
	/* Threads whose sched and io values the capture memo carried over
	 * (capture_memo.h); not in the JSON either. */
	uint64_t memo_reused;
	/* Threads whose io alone it carried over: their process's io totals
	 * had not moved (capture_memo_io_unchanged). */
	uint64_t memo_io_reused;
};

#define PARSE_KCONFIG_HINT                                                     \
	"hint: schedstat / io read failures dominate — kernel may be built "   \
	"without CONFIG_SCHED_INFO and/or CONFIG_TASK_IO_ACCOUNTING"
#define PTRACE_EPERM_HINT                                                      \
	"hint: re-run as root, or sudo setcap cap_sys_ptrace+eip "             \
	"$(which ctprof-exporter), or set kernel.yama.ptrace_scope=0"

/* Defaults of the seed: state '~', strings "", everything else zero. */
int thread_state_init(struct thread_state *t);
void thread_state_release(struct thread_state *t);

void cgroup_stats_init(struct cgroup_stats *c);
void cgroup_stats_release(struct cgroup_stats *c);
void host_context_free(struct host_context *h);
void sched_ext_free(struct sched_ext_sysfs *s);
void parse_summary_free(struct parse_summary *p);
void probe_summary_free(struct probe_summary *p);

void ctprof_snapshot_init(struct ctprof_snapshot *s);
void ctprof_snapshot_release(struct ctprof_snapshot *s);

/* Maps: insert keeps key order; an existing key is overwritten. 0 / -ENOMEM. */
int kv_map_set(struct kv_map *m, const char *key, uint64_t value);
const struct kv_u64 *kv_map_find(const struct kv_map *m, const char *key);
void kv_map_release(struct kv_map *m);
int str_map_set(struct str_map *m, const char *key, const char *value);
void str_map_release(struct str_map *m);
/* cpufreq_governor keeps numeric CPU order ("2" before "10"). */
int str_map_set_numeric(struct str_map *m, const char *key, const char *value);

int cpuset_from_sorted(struct cpuset *c, const uint32_t *cpus, size_t len);
void cpuset_release(struct cpuset *c);

/* Add a cgroup_stats entry for path (kept sorted); returns it or NULL. */
struct cgroup_stats *snapshot_add_cgroup(struct ctprof_snapshot *s,
					 const char *path);
/* Move *t into the snapshot (t is left zeroed). 0 / -ENOMEM. */
int snapshot_push_thread(struct ctprof_snapshot *s, struct thread_state *t);
/* Room for n more threads in one allocation. 0 / -ENOMEM. */
int snapshot_reserve_threads(struct ctprof_snapshot *s, size_t n);
/*
 * Move src[0..n) to the end of s, after snapshot_reserve_threads(s, >= n):
 * it cannot fail. The caller forgets src's entries without releasing them.
 */
void snapshot_move_threads(struct ctprof_snapshot *s, const struct thread_state *src,
			   size_t n);
/* Replace the owned string *dst with a copy of src. 0 / -ENOMEM. */
int snapshot_set_string(char **dst, const char *src);
const struct cgroup_stats *snapshot_find_cgroup(const struct ctprof_snapshot *s,
						const char *path);
/* Add p, kept sorted by tgid (a present tgid is overwritten). 0 / -ENOMEM. */
int snapshot_add_process(struct ctprof_snapshot *s, const struct process_cpu *p);
/* The process with this tgid, or NULL (a binary search). */
const struct process_cpu *snapshot_find_process(const struct ctprof_snapshot *s,
						uint32_t tgid);
/* The thread with this tid, or NULL (a linear scan: threads are in walk order). */
const struct thread_state *snapshot_find_thread(const struct ctprof_snapshot *s,
						uint32_t tid);

#endif
