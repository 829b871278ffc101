/*
 * capture_walk.h - the per-process, per-thread part of a capture, split
 * across a small pool of walkers.
 *
 * Owns: handing processes to walkers (each takes the next tgid), one
 * process's sequence (its tids, one pipelined taskstats query for all of
 * them before any file is read, its cgroup read once when the kernel
 * guarantees its threads share it, each thread's files, the ghost filter,
 * the process's own CPU times, the jemalloc read of each kept thread), and
 * the merge of every walker's part back into tgid, tid order. Each walker has its own buffers, tally and
 * taskstats socket; nothing is shared but what is read-only.
 */
#ifndef CTPROF_CAPTURE_WALK_H
#define CTPROF_CAPTURE_WALK_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "capture_memo.h"
#include "jemalloc_probe.h"
#include "parse_tally.h"
#include "snapshot.h"
#include "taskstats.h"

/* Numeric directory entries (tgids, tids), ascending. */
struct id_list {
	uint32_t *ids;
	size_t len;
};

/* The numeric (> 0) entries of dirfd/sub; a missing dir is empty. 0 / -ENOMEM. */
int capture_list_ids(int dirfd, const char *sub, struct id_list *out);

/* What every walker reads and none writes. */
struct walk_plan {
	int proc_fd;
	int cgroup_fd; /* the cgroup2 root, or -1 */
	bool live;
	bool smaps;
	unsigned skip;     /* TASK_SKIP_*: files another source covers */
	unsigned supplies; /* TASKSTATS_SUPPLIES_*: what replies stand in for */
	/* Read a process's cgroup once when its cgroup is a plain domain. */
	bool cgroup_per_process;
	const struct taskstats_pass *taskstats; /* NULL or !enabled: no queries */
	/* Idle threads' sched and io from the last capture; NULL: read all. */
	const struct capture_memo *memo;
	/*
	 * The jemalloc probe's phase 2, or NULL. Its reads stop a thread on its
	 * own tracer thread, so any walker may ask, one at a time (the lock):
	 * right after the thread's files, while a young thread is still alive.
	 */
	struct jemalloc_prober *jemalloc;
	pthread_mutex_t *jemalloc_lock;
};

/* What a walk adds up besides the threads. */
struct walk_totals {
	struct parse_tally tally;
	struct taskstats_summary taskstats;
	uint64_t reused; /* threads whose sched and io came from the memo */
	uint64_t io_reused; /* threads whose io alone came from it */
	/* With a memo: each process's io totals as read, tgid ascending. */
	struct memo_process *procs;
	size_t nprocs;
};

/*
 * Walk tgids[0..n) (ascending) with up to workers walkers, appending to
 * snap every kept thread in tgid, tid order and each process's CPU times,
 * and adding the tallies to *totals. 0, or -ENOMEM.
 */
int capture_walk(const struct walk_plan *plan, const uint32_t *tgids, size_t n,
		 unsigned workers, struct ctprof_snapshot *snap,
		 struct walk_totals *totals);

#endif
