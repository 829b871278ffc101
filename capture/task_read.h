/*
 * task_read.h - read one thread's procfs files into a thread_state.
 *
 * Owns the per-thread file sequence and which files it skips: comm,
 * cgroup, stat, schedstat, io, status, sched, and smaps_rollup on the
 * leader, each opened as task/<tid>/<file> relative to the process's
 * directory fd into one reused buffer, with read failures recorded (pending) in the parse tally. The
 * read plan names the files another source already covers on this host.
 */
#ifndef CTPROF_TASK_READ_H
#define CTPROF_TASK_READ_H

#include <stdbool.h>
#include <stdint.h>

#include "capture_memo.h"
#include "parse_tally.h"
#include "snapshot.h"
#include "strbuf.h"

/* Files a thread's read may skip; bits of task_read_ctx.skip. */
enum task_skip {
	/* comm, state and nr_threads taken from stat (the same kernel values) */
	TASK_SKIP_COMM = 1,
	TASK_SKIP_STATUS = 2,    /* csw from taskstats, affinity by syscall */
	TASK_SKIP_SCHEDSTAT = 4, /* run time, run delay, pcount from taskstats */
};

/* The files whose fields taskstats can carry instead. */
#define TASK_SKIP_TASKSTATS (TASK_SKIP_STATUS | TASK_SKIP_SCHEDSTAT)

struct task_read_ctx {
	struct strbuf *buf;        /* reused for every file */
	struct parse_tally *tally; /* failures recorded as pending */
	bool live;                 /* the procfs root is the running kernel's */
	bool smaps;                /* read smaps_rollup on thread leaders */
	unsigned skip;             /* TASK_SKIP_* */
	const char *cgroup;        /* the thread's cgroup, known; NULL: read it */
	/* The thread's memo (taskstats already applied to t), or NULL. */
	const struct memo_entry *memo;
	bool reused;               /* out: sched and io came from the memo */
	/* The process's io totals have not moved since the memo's capture. */
	bool io_unchanged;
	bool io_reused;            /* out: io alone came from the memo */
	/* Set by task_read: "task/<tid>/", the prefix of every file's path. */
	char path[64];
	size_t prefix_len;
};

/*
 * t must be thread_state_init'ed with tid and tgid set. Only allocation
 * failure is an error (-ENOMEM); unreadable files leave their fields at the
 * defaults and are tallied.
 */
int task_read(int proc_fd, struct thread_state *t, struct task_read_ctx *ctx);

#endif
