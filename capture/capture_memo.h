/*
 * capture_memo.h - what a daemon remembers of each thread between captures,
 * so that a thread that has provably not run since is not read in full.
 *
 * Owns: the per-thread memo (identity, the run-time and context-switch
 * counts taskstats gave, the categorical stat fields, and every value the
 * sched and io files gave, the latter two lists expanded from
 * THREAD_FIELDS by source), the host-wide epoch that invalidates it all
 * (sched_ext state and enable_seq, kernel.sched_schedstats), the reuse
 * test, and its rebuild from a finished snapshot.
 *
 * Also owns the per-process io gate: each process's /proc/<tgid>/io totals
 * as the last capture read them, before its threads.
 *
 * Why it is exact: the io counters are charged only to the running task
 * (current); nr_migrations and the schedstats counters move only when the
 * task is woken, which leaves it R, or runs, which moves its
 * se.sum_exec_runtime or its switch counts. What another task can change
 * on a sleeping thread is read every time (stat: nice, policy, priority;
 * the affinity syscall; cgroup) or invalidates the memo (a sched_ext
 * switch flips ext.enabled; toggling schedstats changes what sched
 * prints). One gauge can lag: fair_slice_ns, which sched_setattr(2) by
 * another task can set on a sleeping thread without changing its policy or
 * nice; it is read again as soon as the thread runs, before the slice can
 * matter (docs/performance.md).
 */
#ifndef CTPROF_CAPTURE_MEMO_H
#define CTPROF_CAPTURE_MEMO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "snapshot.h"
#include "strbuf.h"

struct capture_memo;
struct memo_entry;

/*
 * The memo's share of THREAD_FIELDS: MEMO_ROW expands MEMO_ROW_SCHED or
 * MEMO_ROW_IO (defined by whoever expands it) for the rows of those two
 * sources and nothing for the others.
 */
#define MEMO_ROW(name, kind, family, agg, unit, source, ...)                   \
	MEMO_ROW_##source(name, kind)
#define MEMO_ROW_WALK(name, kind)
#define MEMO_ROW_COMM(name, kind)
#define MEMO_ROW_CGROUP(name, kind)
#define MEMO_ROW_STAT(name, kind)
#define MEMO_ROW_AFFINITY(name, kind)
#define MEMO_ROW_STATUS(name, kind)
#define MEMO_ROW_SCHEDSTAT(name, kind)
#define MEMO_ROW_SMAPS(name, kind)
#define MEMO_ROW_TASKSTATS(name, kind)
#define MEMO_ROW_JEMALLOC(name, kind)
#define MEMO_MEMBER(name, kind) FIELD_CTYPE_##kind name;
#define MEMO_SKIP(name, kind)

/* The io file's counters, of one thread or of a whole process. */
#define MEMO_ROW_SCHED MEMO_SKIP
#define MEMO_ROW_IO MEMO_MEMBER
struct memo_io {
	THREAD_FIELDS(MEMO_ROW)
};
#undef MEMO_ROW_SCHED
#undef MEMO_ROW_IO

/*
 * One process's io totals, read before its threads: its live threads', the
 * threads it has reaped and the children it has waited for. Each of those
 * terms only grows, so totals that have not moved prove that none of the
 * process's threads did any io since (see capture_memo_io_unchanged).
 */
struct memo_process {
	uint32_t tgid;
	struct memo_io io;
};

/* NULL without memory. */
struct capture_memo *capture_memo_new(void);
void capture_memo_free(struct capture_memo *m);

/*
 * Read the host-wide epoch (proc_fd, sys_fd: the capture's roots; sys_fd
 * may be -1) and forget every entry when it moved. 0 / -ENOMEM.
 */
int capture_memo_begin(struct capture_memo *m, int proc_fd, int sys_fd,
		       struct strbuf *buf);

/* The entry of (tgid, tid), or NULL. Read-only: safe from many walkers. */
const struct memo_entry *capture_memo_find(const struct capture_memo *m,
					   uint32_t tgid, uint32_t tid);

/*
 * t holds this capture's stat and taskstats fields. When the entry shows
 * the same thread, sleeping, with the same run time, switch counts and
 * categorical stat fields, copy the sched and io values into t and return
 * true; else leave t alone and return false.
 */
bool capture_memo_reuse(const struct memo_entry *e, struct thread_state *t);

/* Replace every entry with the measured threads of s. 0 / -ENOMEM. */
int capture_memo_commit(struct capture_memo *m, const struct ctprof_snapshot *s);

/* The io counters of t (a thread, or a process's io file parsed as one). */
void memo_io_from_thread(struct memo_io *dst, const struct thread_state *t);

/*
 * Whether the process tgid showed exactly these io totals to the last
 * capture. Read-only: safe from many walkers.
 */
bool capture_memo_io_unchanged(const struct capture_memo *m, uint32_t tgid,
			       const struct memo_io *now);

/*
 * For a thread of a process whose io totals have not moved: when the entry
 * is the same thread (tid and start time), copy its io values into t and
 * return true. The totals were read before the thread last was, and each
 * term of them only grows, so the thread's counters are those of then.
 */
bool capture_memo_reuse_io(const struct memo_entry *e, struct thread_state *t);

/* Replace the io totals with p[0..n) (tgid ascending). 0 / -ENOMEM. */
int capture_memo_commit_processes(struct capture_memo *m, const struct memo_process *p,
				  size_t n);

/* Entries held (tests). */
size_t capture_memo_size(const struct capture_memo *m);

#endif
