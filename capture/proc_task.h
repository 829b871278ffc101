/*
 * proc_task.h - parsers for the per-thread procfs files (ktstr-facts 7).
 *
 * Each parser takes the file's text (which it may modify in place) and sets
 * the thread_state fields that file provides; a field the text lacks or
 * garbles is left as it was (the seed's None -> 0 fold, since the caller
 * starts from thread_state_init). One .c per file: proc_stat.c,
 * proc_schedstat.c, proc_io.c, proc_status.c, proc_sched.c, proc_cgroup.c,
 * proc_smaps.c.
 */
#ifndef CTPROF_PROC_TASK_H
#define CTPROF_PROC_TASK_H

#include <stdint.h>

#include "snapshot.h"

/* stat: fields after the LAST ')'; policy stored by name. 0 / -ENOMEM. */
int proc_parse_stat(char *text, struct thread_state *t);
/*
 * stat as the only source of what comm and status would give: also comm
 * (between the first '(' and the last ')'), state (field 3) and nr_threads
 * (field 20). The kernel prints the same values into all three files.
 */
int proc_parse_stat_whole(char *text, struct thread_state *t);
/* "SCHED_OTHER" ... or "SCHED_UNKNOWN(<n>)"; buf must hold 32 bytes. */
const char *sched_policy_name(int32_t policy, char buf[32]);

/* schedstat: run_time_ns wait_time_ns timeslices. */
void proc_parse_schedstat(char *text, struct thread_state *t);

/* io: rchar, wchar, syscr, syscw, read_bytes, write_bytes, cancelled_write_bytes. */
void proc_parse_io(char *text, struct thread_state *t);

/*
 * status: State, voluntary/nonvoluntary ctxt switches, Threads (stored in
 * nr_threads; the caller keeps it on the leader only) and Cpus_allowed_list
 * (into cpu_affinity).
 */
void proc_parse_status(char *text, struct thread_state *t);

/*
 * sched: the schedstats keys by short name (text after the last '.'),
 * ext.enabled and slice. Returns how many dotted values were negative
 * (each such field stays 0), for the parse summary.
 */
unsigned proc_parse_sched(char *text, struct thread_state *t);

/* cgroup: the first "0::" line with a non-empty path. 0 / -ENOMEM. */
int proc_parse_cgroup(char *text, struct thread_state *t);
/* That path (trimmed, inside text), or NULL. */
char *proc_cgroup_v2_path(char *text);

/* smaps_rollup: "Key: <kB> kB" lines into a KiB map. 0 / -ENOMEM. */
int proc_parse_smaps_rollup(char *text, struct kv_map *kib);

#endif
