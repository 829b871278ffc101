/*
 * capture.c - the ctprof capture walk (the seed's capture_with and
 * capture_pid_with). Finding tasks is kept apart from reading them
 * (task_read.c); this file owns the order, the ghost filter, the
 * once-per-process CPU totals and the once-per-capture host-level reads.
 */
#include "capture.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "capture_memo.h"
#include "capture_walk.h"
#include "cgroup_stats.h"
#include "host_context.h"
#include "jemalloc_probe.h"
#include "parse_util.h"
#include "psi.h"
#include "readfile.h"
#include "sched_ext.h"
#include "task_read.h"
#include "taskstats.h"

/* Everything one capture shares: roots as fds, the buffer, the tally. */
struct capture_run {
	int proc_fd;
	int sys_fd;    /* -1 when unavailable */
	int cgroup_fd; /* -1 when unavailable */
	bool live;
	struct strbuf buf;
	const char *procfs;
	struct jemalloc_prober *jemalloc; /* NULL: the probe does not run */
	bool jemalloc_owned;
	struct taskstats_pass taskstats;
	struct walk_totals totals;
	struct ctprof_snapshot *snap;
	const struct capture_options *opt;
};

/* Phase 1 of the jemalloc probe: attach every process before the walk. */
static int jemalloc_begin(struct capture_run *run, const uint32_t *tgids, size_t n,
			  bool host_wide)
{
	if (!run->jemalloc)
		return 0;
	return jemalloc_prober_begin(run->jemalloc, run->procfs, run->proc_fd, tgids,
				     n, host_wide);
}

/*
 * The files another source covers here. Only on the running kernel (a
 * synthetic tree's files need not agree with each other): stat's comm,
 * state and thread count stand for comm's and status's; with a taskstats
 * reply, its counters stand for schedstat (delay accounting built in) and
 * status's context switches (affinity comes from the syscall). io stays a
 * file: taskstats rounds its counters down to a multiple of 1024.
 */
static void plan_sources(const struct capture_run *run, struct walk_plan *plan)
{
	const struct capture_options *o = run->opt;
	if (!run->live || o->sources == CAPTURE_SOURCES_FILES)
		return;
	unsigned supplies = taskstats_pass_supplies(&run->taskstats);
	plan->skip = TASK_SKIP_COMM;
	if (supplies & TASKSTATS_SUPPLIES_CSW)
		plan->skip |= TASK_SKIP_STATUS;
	if (supplies & TASKSTATS_SUPPLIES_SCHEDSTAT)
		plan->skip |= TASK_SKIP_SCHEDSTAT;
	plan->supplies = supplies;
	plan->cgroup_per_process = run->cgroup_fd >= 0;
}

/* The memo compares taskstats's run time and switch counts: both needed. */
static int plan_memo(struct capture_run *run, struct walk_plan *plan)
{
	const unsigned both = TASKSTATS_SUPPLIES_CSW | TASKSTATS_SUPPLIES_SCHEDSTAT;
	struct capture_memo *memo = run->opt->memo;
	if (!memo || (plan->supplies & both) != both)
		return 0;
	int rc = capture_memo_begin(memo, run->proc_fd, run->sys_fd, &run->buf);
	if (!rc)
		plan->memo = memo;
	return rc;
}

/* Default walkers: one per online CPU, at most four. */
static unsigned walk_workers(const struct capture_options *o)
{
	if (o->workers)
		return o->workers;
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	return cpus < 1 ? 1 : cpus > 4 ? 4 : (unsigned)cpus;
}

static int walk_tgids(struct capture_run *run, const uint32_t *tgids, size_t n)
{
	pthread_mutex_t jemalloc_lock = PTHREAD_MUTEX_INITIALIZER;
	struct walk_plan plan = { .proc_fd = run->proc_fd,
				  .cgroup_fd = run->cgroup_fd,
				  .live = run->live,
				  .smaps = !run->opt->no_smaps,
				  .taskstats = &run->taskstats,
				  .jemalloc = run->jemalloc,
				  .jemalloc_lock = &jemalloc_lock };
	plan_sources(run, &plan);
	int rc = plan_memo(run, &plan);
	if (!rc)
		rc = capture_walk(&plan, tgids, n, walk_workers(run->opt), run->snap,
				  &run->totals);
	run->snap->memo_reused = run->totals.reused;
	run->snap->memo_io_reused = run->totals.io_reused;
	/* Every capture refills it: entries of a plan without a memo are
	 * never compared, and what a thread showed last is what counts. */
	if (!rc && run->opt->memo)
		rc = capture_memo_commit(run->opt->memo, run->snap);
	if (!rc && run->opt->memo)
		rc = capture_memo_commit_processes(run->opt->memo, run->totals.procs,
						   run->totals.nprocs);
	free(run->totals.procs);
	run->totals.procs = NULL;
	run->totals.nprocs = 0;
	return rc;
}

static int capture_threads(struct capture_run *run, int32_t pid)
{
	struct id_list tgids = { 0 };
	uint32_t one = (uint32_t)pid;
	int rc = 0;
	if (pid > 0)
		tgids = (struct id_list){ &one, 1 };
	else
		rc = capture_list_ids(run->proc_fd, ".", &tgids);
	if (!rc)
		rc = jemalloc_begin(run, tgids.ids, tgids.len, pid <= 0);
	if (!rc)
		rc = walk_tgids(run, tgids.ids, tgids.len);
	if (pid <= 0)
		free(tgids.ids);
	return rc;
}

/* The walk's summaries; taskstats's only when it was asked for. */
static int capture_summaries(struct capture_run *run)
{
	struct ctprof_snapshot *s = run->snap;
	if (run->taskstats.enabled) {
		s->taskstats_summary = malloc(sizeof(*s->taskstats_summary));
		if (!s->taskstats_summary)
			return -ENOMEM;
		*s->taskstats_summary = run->totals.taskstats;
	}
	if (run->jemalloc && !(s->probe_summary = jemalloc_prober_end(run->jemalloc)))
		return -ENOMEM;
	if (!(s->parse_summary = parse_tally_summary(&run->totals.tally)))
		return -ENOMEM;
	return 0;
}

/* Stats once per distinct non-empty cgroup path of the captured threads. */
static int capture_cgroups(struct capture_run *run)
{
	struct ctprof_snapshot *s = run->snap;
	/*
	 * No cgroup2 root (no mount, a --path.cgroupfs that is not there):
	 * no cgroup stats at all, rather than every cgroup's reading zero.
	 */
	if (run->cgroup_fd < 0)
		return 0;
	for (size_t i = 0; i < s->nthreads; i++) {
		const char *path = s->threads[i].cgroup;
		if (!*path || snapshot_find_cgroup(s, path))
			continue;
		struct cgroup_stats *c = snapshot_add_cgroup(s, path);
		if (!c)
			return -ENOMEM;
		if (cgroup_stats_read(run->cgroup_fd, path, c, &run->buf))
			return -ENOMEM;
	}
	return 0;
}

bool capture_sources_parse(const char *s, enum capture_sources *out)
{
	if (!strcmp(s, "auto"))
		*out = CAPTURE_SOURCES_AUTO;
	else if (!strcmp(s, "files"))
		*out = CAPTURE_SOURCES_FILES;
	else
		return false;
	return true;
}

bool capture_workers_parse(const char *s, unsigned *out)
{
	uint32_t n;
	if (!parse_u32(s, &n) || n < 1 || n > CAPTURE_WORKERS_MAX)
		return false;
	*out = n;
	return true;
}

bool capture_procfs_is_live(const char *path)
{
	struct stat a, b;
	return !stat(path, &a) && !stat("/proc", &b) && a.st_dev == b.st_dev &&
	       a.st_ino == b.st_ino;
}

/* The cgroup2 root: the flag, else the mount procfs reports, else sysfs's. */
static int open_cgroup_root(const struct capture_options *o, int proc_fd,
			    int sys_fd, struct strbuf *scratch)
{
	if (o->cgroupfs)
		return open_dir_at(AT_FDCWD, o->cgroupfs);
	struct strbuf mnt = STRBUF_INIT;
	int fd = -ENOENT;
	if (!read_file_at(proc_fd, "self/mountinfo", scratch) &&
	    !cgroup2_mount_find(scratch->buf, &mnt))
		fd = open_dir_at(AT_FDCWD, mnt.buf);
	strbuf_release(&mnt);
	if (fd < 0 && sys_fd >= 0)
		fd = open_dir_at(sys_fd, "fs/cgroup");
	return fd;
}

static uint64_t now_unix_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* Host-level sources: PSI, sched_ext, host context (each switchable). */
static int capture_host(struct capture_run *run)
{
	struct ctprof_snapshot *s = run->snap;
	if (!run->opt->no_psi)
		psi_read_host(run->proc_fd, &s->psi, &run->buf);
	if (run->sys_fd < 0)
		return 0;
	if (!run->opt->no_sched_ext)
		s->sched_ext = sched_ext_read(run->sys_fd, &run->buf);
	if (run->opt->no_host)
		return 0;
	s->host = host_context_collect(run->proc_fd, run->sys_fd, run->live,
				       &run->buf);
	return s->host ? 0 : -ENOMEM;
}

int ctprof_capture(const struct capture_options *o, struct ctprof_snapshot *out,
		   struct strbuf *err)
{
	const char *procfs = o->procfs ? o->procfs : "/proc";
	struct capture_run run = { .sys_fd = -1, .cgroup_fd = -1, .snap = out, .opt = o };
	strbuf_init(&run.buf);
	int rc = run.proc_fd = open_dir_at(AT_FDCWD, procfs);
	if (rc < 0) {
		strbuf_addf(err, "cannot open procfs root %s: %s", procfs,
			    strerror(-rc));
		goto out_release;
	}
	run.live = capture_procfs_is_live(procfs);
	run.sys_fd = open_dir_at(AT_FDCWD, o->sysfs ? o->sysfs : "/sys");
	run.cgroup_fd = open_cgroup_root(o, run.proc_fd, run.sys_fd, &run.buf);
	run.procfs = procfs;
	/* ptrace and process_vm_readv reach the running kernel's tasks only. */
	if (run.live && !o->no_jemalloc) {
		run.jemalloc = o->jemalloc;
		if (!run.jemalloc && (run.jemalloc = jemalloc_prober_new()))
			run.jemalloc_owned = true;
	}
	out->captured_at_unix_ns = now_unix_ns();
	/* Taskstats describes the running kernel: never a synthetic tree. */
	rc = run.live && !o->no_taskstats ?
		     taskstats_pass_begin(&run.taskstats, run.proc_fd, &run.buf) : 0;
	if (!rc)
		rc = capture_threads(&run, o->pid);
	if (!rc)
		rc = capture_summaries(&run);
	if (!rc && !o->no_cgroup)
		rc = capture_cgroups(&run);
	if (!rc)
		rc = capture_host(&run);
	if (rc)
		strbuf_addf(err, "capture failed: %s", strerror(-rc));
	if (run.cgroup_fd >= 0)
		close(run.cgroup_fd);
	if (run.sys_fd >= 0)
		close(run.sys_fd);
	close(run.proc_fd);
	if (run.jemalloc_owned)
		jemalloc_prober_free(run.jemalloc);
out_release:
	strbuf_release(&run.buf);
	return rc < 0 ? rc : 0;
}
