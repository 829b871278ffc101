/*
 * bench_capture.c - what a capture costs, next to two floors: a reader
 * that only lists the same directories and opens, reads and closes the
 * same files as the capture ("floor"), and issue 9's seven-file floor
 * ("floor7": stat, status, io, sched, schedstat, cgroup and comm of every
 * task, opened relative to the task's directory fd, nothing else). Runs on
 * a synthetic tree of 10,000 threads (100 processes x 100 threads, written
 * by tests/helpers/make_proc_tree) and on the live host, or on the live
 * host only (--live). Prints the median of several runs of each, in this
 * process: wall time, and CPU time of the whole process (the capture's
 * worker threads included), per thread.
 *
 * Per tree, a human line, then one for bench/scrape.sh (key=value, times
 * in microseconds per thread):
 *   cpu live threads=N capture_wall_us=.. capture_cpu_us=.. floor7_threads=N
 *       floor7_wall_us=.. floor7_cpu_us=.. capture_wall_ms=.. cpu_ratio=..
 *       daemon_cpu_us=.. daemon_reused=N daemon_io_reused=N daemon_cpu_ratio=..
 * where capture_* is a cold capture (every thread read, a jemalloc probe of
 * its own) and daemon_* the capture as the daemon repeats it: its memo and
 * its jemalloc prober kept from one capture to the next.
 *
 * usage: bench_capture TREE|--live [runs]
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "bench_util.h"
#include "capture.h"
#include "capture_memo.h"
#include "jemalloc_probe.h"
#include "readfile.h"

static bool is_id(const char *name)
{
	if (!*name)
		return false;
	for (; *name; name++)
		if (*name < '0' || *name > '9')
			return false;
	return true;
}

static const char *const seven_files[] = { "comm", "cgroup", "stat", "schedstat",
					    "io",   "status", "sched" };

/* The floor for one task: open, read, close each file; nothing parsed. */
static void floor_task(int task_fd, bool leader, struct strbuf *buf)
{
	for (size_t i = 0; i < sizeof(seven_files) / sizeof(seven_files[0]); i++)
		read_file_at(task_fd, seven_files[i], buf);
	if (leader)
		read_file_at(task_fd, "smaps_rollup", buf);
}

/* seven: only the seven files of each task (no process comm, no smaps_rollup). */
static void floor_process(int proc_fd, const char *tgid, bool seven, struct strbuf *buf,
			  size_t *threads)
{
	int pfd = open_dir_at(proc_fd, tgid);
	if (pfd < 0)
		return;
	if (!seven)
		read_file_at(pfd, "comm", buf);
	int tdir = open_dir_at(pfd, "task");
	DIR *d = tdir >= 0 ? fdopendir(tdir) : NULL;
	struct dirent *e;
	while (d && (e = readdir(d))) {
		if (!is_id(e->d_name))
			continue;
		int tfd = open_dir_at(tdir, e->d_name);
		if (tfd < 0)
			continue;
		floor_task(tfd, !seven && !strcmp(e->d_name, tgid), buf);
		close(tfd);
		(*threads)++;
	}
	if (d)
		closedir(d);
	close(pfd);
}

/* Returns the number of threads visited. */
static size_t floor_walk(const char *procfs, bool seven, struct strbuf *buf)
{
	size_t threads = 0;
	int proc_fd = open_dir_at(AT_FDCWD, procfs);
	DIR *d = proc_fd >= 0 ? fdopendir(dup(proc_fd)) : NULL;
	struct dirent *e;
	while (d && (e = readdir(d)))
		if (is_id(e->d_name))
			floor_process(proc_fd, e->d_name, seven, buf, &threads);
	if (d)
		closedir(d);
	if (proc_fd >= 0)
		close(proc_fd);
	return threads;
}

/* One reader's runs: wall and CPU milliseconds of each, threads of the last. */
struct timings {
	double *wall, *cpu;
	size_t threads;
	/* Of the last run: threads the memo carried over whole, and io only. */
	uint64_t reused, io_reused;
};

static size_t run_capture(const struct capture_options *o, struct timings *t)
{
	struct strbuf err = STRBUF_INIT;
	struct ctprof_snapshot s;
	ctprof_snapshot_init(&s);
	if (ctprof_capture(o, &s, &err))
		fprintf(stderr, "bench: %s\n", err.buf);
	size_t threads = s.nthreads;
	t->reused = s.memo_reused;
	t->io_reused = s.memo_io_reused;
	ctprof_snapshot_release(&s);
	strbuf_release(&err);
	return threads;
}

/*
 * what: 0 the capture, 1 the floor, 2 the seven-file floor, 3 the capture
 * as the daemon runs it (its memo and jemalloc prober kept from the run
 * before: idle threads and unmoved io are not read again, known processes
 * not probed again).
 */
static void time_run(int what, const struct capture_options *o, struct strbuf *buf,
		     struct timings *t, int i)
{
	struct capture_options daemon = *o;
	daemon.memo = what == 3 ? o->memo : NULL;
	daemon.jemalloc = what == 3 ? o->jemalloc : NULL;
	double w0 = now_ms(), c0 = cpu_ms();
	t->threads = what == 0 || what == 3 ? run_capture(&daemon, t) :
					      floor_walk(o->procfs, what == 2, buf);
	t->cpu[i] = cpu_ms() - c0;
	t->wall[i] = now_ms() - w0;
}

static double per_thread_us(double ms, size_t threads)
{
	return threads ? ms * 1e3 / (double)threads : 0;
}

static void print_tree(const char *label, struct timings *t, int runs)
{
	double mc = median(t[0].wall, runs), mf = median(t[1].wall, runs);
	double cc = median(t[0].cpu, runs), c7 = median(t[2].cpu, runs);
	double w7 = median(t[2].wall, runs);
	size_t n = t[0].threads, n7 = t[2].threads;
	printf("%-10s threads=%-6zu capture %8.2f ms (%6.2f us/thread)   "
	       "floor %8.2f ms (%6.2f us/thread)   capture/floor %.2fx\n",
	       label, n, mc, per_thread_us(mc, n), mf, per_thread_us(mf, t[1].threads),
	       mf > 0 ? mc / mf : 0);
	double cu = per_thread_us(cc, n), c7u = per_thread_us(c7, n7);
	double du = per_thread_us(median(t[3].cpu, runs), t[3].threads);
	printf("cpu %s threads=%zu capture_wall_us=%.3f capture_cpu_us=%.3f floor7_threads=%zu "
	       "floor7_wall_us=%.3f floor7_cpu_us=%.3f capture_wall_ms=%.3f cpu_ratio=%.3f "
	       "daemon_cpu_us=%.3f daemon_reused=%llu daemon_io_reused=%llu "
	       "daemon_cpu_ratio=%.3f\n",
	       label, n, per_thread_us(mc, n), cu, n7, per_thread_us(w7, n7), c7u, mc,
	       c7u > 0 ? cu / c7u : 0, du, (unsigned long long)t[3].reused,
	       (unsigned long long)t[3].io_reused,
	       c7u > 0 ? du / c7u : 0);
}

/*
 * The daemon's captures are a scrape interval apart, and the workload's
 * threads wake once a second: a daemon run starts DAEMON_SPACING_MS after
 * the one before (sleeping costs no CPU), so every one of them has run in
 * between, however fast the runs of a small tree are. Returns its start.
 */
#define DAEMON_SPACING_MS 1200.0
static double space_daemon_run(double last)
{
	double wait = last + DAEMON_SPACING_MS - now_ms();
	if (wait > 0)
		usleep((useconds_t)(wait * 1000));
	return now_ms();
}

static void bench_tree(const char *label, const char *procfs, const char *sysfs,
		       const char *cgroupfs, int runs)
{
	double v[8][runs];
	struct timings t[4];
	struct strbuf buf = STRBUF_INIT;
	struct capture_options o = { .procfs = procfs, .sysfs = sysfs,
				     .cgroupfs = cgroupfs, .memo = capture_memo_new(),
				     .jemalloc = jemalloc_prober_new() };
	for (int k = 0; k < 4; k++)
		t[k] = (struct timings){ .wall = v[2 * k], .cpu = v[2 * k + 1] };
	/* The daemon's first capture fills its memo. */
	double daemon_at = now_ms();
	time_run(3, &o, &buf, &t[3], 0);
	/* Interleaved, so a change of the host's load during the runs hits all four. */
	for (int i = 0; i < runs; i++) {
		for (int k = 0; k < 4; k++) {
			if (k == 3)
				daemon_at = space_daemon_run(daemon_at);
			time_run(k, &o, &buf, &t[k], i);
		}
	}
	print_tree(label, t, runs);
	capture_memo_free(o.memo);
	jemalloc_prober_free(o.jemalloc);
	strbuf_release(&buf);
}

int main(int argc, char **argv)
{
	int runs = argc > 2 ? atoi(argv[2]) : 5;
	bool flag = argc >= 2 && argv[1][0] == '-' && strcmp(argv[1], "--live");
	if (argc < 2 || argc > 3 || runs < 1 || runs > 100 || flag) {
		fprintf(stderr, "usage: bench_capture TREE|--live [runs 1..100]\n");
		return 2;
	}
	printf("median of %d runs each; the floor lists the same directories and "
	       "opens, reads and closes the same files without parsing; floor7 reads the "
	       "seven files of each task only\n", runs);
	bool live_only = !strcmp(argv[1], "--live");
	if (!live_only) {
		char proc[4200], empty[4200];
		snprintf(proc, sizeof(proc), "%s/proc", argv[1]);
		snprintf(empty, sizeof(empty), "%s/empty", argv[1]);
		mkdir(empty, 0755);
		bench_tree("synthetic", proc, empty, empty, runs);
	}
	bench_tree("live", "/proc", NULL, NULL, runs);
	return 0;
}
