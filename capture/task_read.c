/*
 * task_read.c - the per-thread read sequence. Files are opened relative to
 * the process's directory fd as task/<tid>/<file>: procfs resolves a tid
 * there only inside that thread group, and not opening the task directory
 * itself saves an open and a close per thread (~15% of a fast capture). A
 * tid that exits mid-read makes the rest of the opens fail.
 */
#include "task_read.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "affinity.h"
#include "parse_util.h"
#include "proc_task.h"
#include "readfile.h"

/*
 * Read task/<tid>/name of the process; 0 / -errno. The name goes after the
 * prefix task_read built once: formatting the whole path per file showed
 * up in profiles.
 */
static int read_task_file(int proc_fd, const char *name, struct task_read_ctx *ctx)
{
	size_t n = strlen(name);
	if (ctx->prefix_len + n >= sizeof(ctx->path))
		return -ENAMETOOLONG;
	memcpy(ctx->path + ctx->prefix_len, name, n + 1);
	return read_record_at(proc_fd, ctx->path, ctx->buf);
}

/* Read name into ctx->buf; on failure tally it and return false. */
static bool read_tallied(int proc_fd, const char *name, enum parse_file f,
			 struct task_read_ctx *ctx)
{
	if (read_task_file(proc_fd, name, ctx) == 0)
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

/* comm has no tally token: an unreadable comm is the ghost filter's sign. */
static int task_read_comm(int proc_fd, struct thread_state *t,
			  struct task_read_ctx *ctx)
{
	if (read_task_file(proc_fd, "comm", ctx))
		return snapshot_set_string(&t->comm, "");
	return snapshot_set_string(&t->comm, trim_inplace(ctx->buf->buf));
}

static int task_read_cgroup(int proc_fd, struct thread_state *t,
			    struct task_read_ctx *ctx)
{
	if (ctx->cgroup)
		return snapshot_set_string(&t->cgroup, ctx->cgroup);
	if (!read_tallied(proc_fd, "cgroup", PARSE_FILE_CGROUP, ctx))
		return 0;
	return proc_parse_cgroup(ctx->buf->buf, t);
}

static int task_read_stat(int proc_fd, struct thread_state *t,
			  struct task_read_ctx *ctx)
{
	if (!read_tallied(proc_fd, "stat", PARSE_FILE_STAT, ctx))
		return 0;
	return ctx->skip & TASK_SKIP_COMM ? proc_parse_stat_whole(ctx->buf->buf, t) :
					    proc_parse_stat(ctx->buf->buf, t);
}

/* The files taskstats can stand in for, each unless skipped. */
static void task_read_counters(int proc_fd, struct thread_state *t,
			       struct task_read_ctx *ctx)
{
	if (!(ctx->skip & TASK_SKIP_SCHEDSTAT) &&
	    read_tallied(proc_fd, "schedstat", PARSE_FILE_SCHEDSTAT, ctx))
		proc_parse_schedstat(ctx->buf->buf, t);
	if (!(ctx->skip & TASK_SKIP_STATUS) &&
	    read_tallied(proc_fd, "status", PARSE_FILE_STATUS, ctx))
		proc_parse_status(ctx->buf->buf, t);
}

/* io and sched: what only the thread itself moves, unless the memo holds it. */
static void task_read_own(int proc_fd, struct thread_state *t,
			  struct task_read_ctx *ctx)
{
	ctx->reused = ctx->memo && capture_memo_reuse(ctx->memo, t);
	if (ctx->reused)
		return;
	ctx->io_reused = ctx->io_unchanged && capture_memo_reuse_io(ctx->memo, t);
	if (!ctx->io_reused && read_tallied(proc_fd, "io", PARSE_FILE_IO, ctx))
		proc_parse_io(ctx->buf->buf, t);
	if (read_tallied(proc_fd, "sched", PARSE_FILE_SCHED, ctx))
		parse_tally_record_negative(ctx->tally,
					    proc_parse_sched(ctx->buf->buf, t));
}

int task_read(int proc_fd, struct thread_state *t, struct task_read_ctx *ctx)
{
	bool leader = t->tid == t->tgid;
	int n = snprintf(ctx->path, sizeof(ctx->path), "task/%u/", t->tid);
	ctx->prefix_len = n > 0 ? (size_t)n : 0;

	if (!(ctx->skip & TASK_SKIP_COMM) && task_read_comm(proc_fd, t, ctx))
		return -ENOMEM;
	if (task_read_cgroup(proc_fd, t, ctx) || task_read_stat(proc_fd, t, ctx))
		return -ENOMEM;
	task_read_counters(proc_fd, t, ctx);
	task_read_own(proc_fd, t, ctx);
	/* Threads and smaps_rollup describe the process: leader only. */
	if (!leader)
		t->nr_threads = 0;
	if (leader && ctx->smaps &&
	    read_tallied(proc_fd, "smaps_rollup", PARSE_FILE_SMAPS_ROLLUP, ctx) &&
	    proc_parse_smaps_rollup(ctx->buf->buf, &t->smaps_rollup_kib))
		return -ENOMEM;
	if (ctx->live)
		task_read_affinity(t);
	return 0;
}
