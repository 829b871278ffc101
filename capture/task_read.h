/*
 * task_read.h - read one thread's procfs files into a thread_state.
 *
 * Owns the per-thread file sequence (cgroup, stat, schedstat, io, status,
 * sched, and smaps_rollup on the leader), each opened relative to the
 * task's directory fd into one reused buffer, with read failures recorded
 * (pending) in the parse tally.
 */
#ifndef CTPROF_TASK_READ_H
#define CTPROF_TASK_READ_H

#include <stdbool.h>

#include "parse_tally.h"
#include "snapshot.h"
#include "strbuf.h"

struct task_read_ctx {
	struct strbuf *buf;        /* reused for every file */
	struct parse_tally *tally; /* failures recorded as pending */
	bool live;                 /* the procfs root is the running kernel's */
	bool smaps;                /* read smaps_rollup on thread leaders */
};

/*
 * t must be thread_state_init'ed with tid and tgid set. Only allocation
 * failure is an error (-ENOMEM); unreadable files leave their fields at the
 * defaults and are tallied.
 */
int task_read(int task_fd, struct thread_state *t, struct task_read_ctx *ctx);

#endif
