/*
 * capture.c - the ctprof capture walk (the seed's capture_with and
 * capture_pid_with). Finding tasks is kept apart from reading them
 * (task_read.c); this file owns the order, the ghost filter, the
 * once-per-process CPU totals and the once-per-capture host-level reads.
 */
#include "capture.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cgroup_stats.h"
#include "host_context.h"
#include "jemalloc_probe.h"
#include "parse_util.h"
#include "proc_task.h"
#include "psi.h"
#include "readfile.h"
#include "sched_ext.h"
#include "task_read.h"
#include "taskstats.h"

struct id_list {
	uint32_t *ids;
	size_t len;
};

/* Everything one capture shares: roots as fds, the buffer, the tally. */
struct capture_run {
	int proc_fd;
	int sys_fd;    /* -1 when unavailable */
	int cgroup_fd; /* -1 when unavailable */
	bool live;
	struct strbuf buf;
	struct strbuf name; /* pcomm of the current process */
	struct parse_tally tally;
	const char *procfs;
	struct jemalloc_prober *jemalloc; /* NULL: the probe does not run */
	bool jemalloc_owned;
	struct taskstats_pass taskstats; /* every walked tid, queried after the walk */
	struct ctprof_snapshot *snap;
	const struct capture_options *opt;
};

static int cmp_id(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	return x < y ? -1 : x > y;
}

/* Numeric (> 0) entries of dirfd/sub, ascending. A missing dir is empty. */
static int list_ids(int dirfd, const char *sub, struct id_list *out)
{
	out->ids = NULL;
	out->len = 0;
	int fd = openat(dirfd, sub, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	DIR *d = fdopendir(fd);
	if (!d) {
		close(fd);
		return 0;
	}
	size_t cap = 0;
	int rc = 0;
	struct dirent *e;
	while ((e = readdir(d))) {
		uint32_t id;
		if (!parse_u32(e->d_name, &id) || !id || e->d_name[0] == '+')
			continue;
		if (out->len == cap) {
			size_t ncap = cap ? cap * 2 : 256;
			uint32_t *p = realloc(out->ids, ncap * sizeof(*p));
			if (!p) {
				rc = -ENOMEM;
				break;
			}
			out->ids = p;
			cap = ncap;
		}
		out->ids[out->len++] = id;
	}
	closedir(d);
	if (out->len)
		qsort(out->ids, out->len, sizeof(*out->ids), cmp_id);
	return rc;
}

static int replace_str(char **dst, const char *src)
{
	char *s = strdup(src);
	if (!s)
		return -ENOMEM;
	free(*dst);
	*dst = s;
	return 0;
}

/* Trimmed comm of dirfd into dst (empty when unreadable). */
static int read_comm(int dirfd, struct strbuf *scratch, char **dst)
{
	return replace_str(dst, read_trimmed_at(dirfd, "comm", scratch) ?
					"" : scratch->buf);
}

/* Read one tid; a thread the ghost filter drops leaves no trace. */
static int capture_tid(struct capture_run *run, int pfd, uint32_t tgid,
		       uint32_t tid)
{
	char path[32];
	struct thread_state t;
	int rc = thread_state_init(&t);
	if (rc)
		return rc;
	run->tally.tids_walked++;
	t.tid = tid;
	t.tgid = tgid;
	snprintf(path, sizeof(path), "task/%u", tid);
	int tfd = open_dir_at(pfd, path);
	if (tfd >= 0) {
		struct task_read_ctx ctx = { &run->buf, &run->tally, run->live,
					     !run->opt->no_smaps };
		rc = read_comm(tfd, &run->buf, &t.comm);
		if (!rc)
			rc = task_read(tfd, &t, &ctx);
		close(tfd);
	}
	if (!rc)
		rc = replace_str(&t.pcomm, run->name.buf);
	if (rc)
		goto out_release;
	/* Ghost: the tid exited between readdir and the reads. */
	bool ghost = !*t.comm && !t.start_time_clock_ticks;
	/* Taskstats counts ghosts too (the seed does): they are walked tids. */
	rc = taskstats_pass_note(&run->taskstats, tid,
				 ghost ? TASKSTATS_NO_THREAD : run->snap->nthreads);
	if (rc)
		goto out_release;
	if (ghost) {
		parse_tally_discard(&run->tally);
		goto out_release;
	}
	parse_tally_commit(&run->tally);
	if (run->jemalloc)
		jemalloc_prober_read_thread(run->jemalloc, &t);
	return snapshot_push_thread(run->snap, &t);
out_release:
	thread_state_release(&t);
	return rc;
}

/*
 * The process's own stat, parsed as a thread's (one stat parser): its
 * utime and stime include the threads it has reaped, which no thread's
 * stat shows. Read after the threads, so it covers what they showed. A
 * stat without a start time (field 22, after utime and stime) is not
 * recorded; a failed read is not tallied, as parse_summary counts
 * per-thread files only.
 */
static int capture_process_cpu(struct capture_run *run, int pfd, uint32_t tgid)
{
	struct thread_state t;
	int rc;
	if (read_file_at(pfd, "stat", &run->buf))
		return 0;
	if ((rc = thread_state_init(&t)))
		return rc;
	rc = proc_parse_stat(run->buf.buf, &t);
	if (!rc && t.start_time_clock_ticks) {
		struct process_cpu p = { tgid, t.start_time_clock_ticks, t.utime_clock_ticks,
					 t.stime_clock_ticks };
		rc = snapshot_add_process(run->snap, &p);
	}
	thread_state_release(&t);
	return rc;
}

static int capture_tgid(struct capture_run *run, uint32_t tgid)
{
	char name[16];
	snprintf(name, sizeof(name), "%u", tgid);
	int pfd = open_dir_at(run->proc_fd, name);
	if (pfd < 0)
		return 0; /* exited since the listing */
	strbuf_reset(&run->name);
	if (read_trimmed_at(pfd, "comm", &run->name))
		strbuf_reset(&run->name);
	struct id_list tids;
	size_t before = run->snap->nthreads;
	int rc = list_ids(pfd, "task", &tids);
	for (size_t i = 0; !rc && i < tids.len; i++)
		rc = capture_tid(run, pfd, tgid, tids.ids[i]);
	free(tids.ids);
	if (!rc && run->snap->nthreads > before)
		rc = capture_process_cpu(run, pfd, tgid);
	close(pfd);
	return rc;
}

/* Phase 1 of the jemalloc probe: attach every process before the walk. */
static int jemalloc_begin(struct capture_run *run, const uint32_t *tgids, size_t n,
			  bool host_wide)
{
	if (!run->jemalloc)
		return 0;
	return jemalloc_prober_begin(run->jemalloc, run->procfs, run->proc_fd, tgids,
				     n, host_wide);
}

static int capture_threads(struct capture_run *run, int32_t pid)
{
	if (pid > 0) {
		uint32_t one = (uint32_t)pid;
		int rc = jemalloc_begin(run, &one, 1, false);
		return rc ? rc : capture_tgid(run, one);
	}
	struct id_list tgids;
	int rc = list_ids(run->proc_fd, ".", &tgids);
	if (!rc)
		rc = jemalloc_begin(run, tgids.ids, tgids.len, true);
	for (size_t i = 0; !rc && i < tgids.len; i++)
		rc = capture_tgid(run, tgids.ids[i]);
	free(tgids.ids);
	return rc;
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
	strbuf_init(&run.name);
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
		taskstats_pass_finish(&run.taskstats, out);
	if (!rc && run.jemalloc && !(out->probe_summary = jemalloc_prober_end(run.jemalloc)))
		rc = -ENOMEM;
	if (!rc && !(out->parse_summary = parse_tally_summary(&run.tally)))
		rc = -ENOMEM;
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
	taskstats_pass_release(&run.taskstats);
	if (run.jemalloc_owned)
		jemalloc_prober_free(run.jemalloc);
out_release:
	strbuf_release(&run.buf);
	strbuf_release(&run.name);
	return rc < 0 ? rc : 0;
}
