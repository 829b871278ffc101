/*
 * task_read.c - the per-thread read sequence. Files are opened relative to
 * the task's directory fd: no path formatting per file, and a tid that
 * exits mid-read makes the opens fail rather than reach a reused tid.
 */
#include "task_read.h"

#include <errno.h>

#include "affinity.h"
#include "proc_task.h"
#include "readfile.h"

/* Read name into ctx->buf; on failure tally it and return false. */
static bool read_tallied(int task_fd, const char *name, enum parse_file f,
			 struct task_read_ctx *ctx)
{
	if (read_file_at(task_fd, name, ctx->buf) == 0)
		return true;
	parse_tally_record_failure(ctx->tally, f);
	return false;
}

/* The syscall is authoritative on a live host; status is the fallback. */
static void task_read_affinity(struct thread_state *t)
{
	struct cpuset cpus = { 0 };
	if (affinity_read((pid_t)t->tid, &cpus))
		return;
	cpuset_release(&t->cpu_affinity);
	t->cpu_affinity = cpus;
}

int task_read(int task_fd, struct thread_state *t, struct task_read_ctx *ctx)
{
	bool leader = t->tid == t->tgid;

	if (read_tallied(task_fd, "cgroup", PARSE_FILE_CGROUP, ctx) &&
	    proc_parse_cgroup(ctx->buf->buf, t))
		return -ENOMEM;
	if (read_tallied(task_fd, "stat", PARSE_FILE_STAT, ctx) &&
	    proc_parse_stat(ctx->buf->buf, t))
		return -ENOMEM;
	if (read_tallied(task_fd, "schedstat", PARSE_FILE_SCHEDSTAT, ctx))
		proc_parse_schedstat(ctx->buf->buf, t);
	if (read_tallied(task_fd, "io", PARSE_FILE_IO, ctx))
		proc_parse_io(ctx->buf->buf, t);
	if (read_tallied(task_fd, "status", PARSE_FILE_STATUS, ctx))
		proc_parse_status(ctx->buf->buf, t);
	if (read_tallied(task_fd, "sched", PARSE_FILE_SCHED, ctx))
		parse_tally_record_negative(ctx->tally,
					    proc_parse_sched(ctx->buf->buf, t));
	/* Threads and smaps_rollup describe the process: leader only. */
	if (!leader)
		t->nr_threads = 0;
	if (leader && ctx->smaps &&
	    read_tallied(task_fd, "smaps_rollup", PARSE_FILE_SMAPS_ROLLUP, ctx) &&
	    proc_parse_smaps_rollup(ctx->buf->buf, &t->smaps_rollup_kib))
		return -ENOMEM;
	if (ctx->live)
		task_read_affinity(t);
	return 0;
}
