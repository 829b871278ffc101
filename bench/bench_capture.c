/*
 * bench_capture.c - what a capture costs, next to the floor: a reader that
 * only lists the same directories and opens, reads and closes the same
 * files. Runs on a synthetic tree of 10,000 threads (100 processes x 100
 * threads, written by tests/helpers/make_proc_tree) and on the live host. Prints
 * the median of several runs of each, in this process, and their ratio.
 *
 * usage: bench_capture TREE [runs]
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

/* The floor for one task: open, read, close each file; nothing parsed. */
static void floor_task(int task_fd, bool leader, struct strbuf *buf)
{
	static const char *const files[] = { "comm",   "cgroup", "stat",  "schedstat",
					      "io",     "status", "sched" };
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++)
		read_file_at(task_fd, files[i], buf);
	if (leader)
		read_file_at(task_fd, "smaps_rollup", buf);
}

static void floor_process(int proc_fd, const char *tgid, struct strbuf *buf,
			  size_t *threads)
{
	int pfd = open_dir_at(proc_fd, tgid);
	if (pfd < 0)
		return;
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
		floor_task(tfd, !strcmp(e->d_name, tgid), buf);
		close(tfd);
		(*threads)++;
	}
	if (d)
		closedir(d);
	close(pfd);
}

/* Returns the number of threads visited. */
static size_t floor_walk(const char *procfs, struct strbuf *buf)
{
	size_t threads = 0;
	int proc_fd = open_dir_at(AT_FDCWD, procfs);
	DIR *d = proc_fd >= 0 ? fdopendir(dup(proc_fd)) : NULL;
	struct dirent *e;
	while (d && (e = readdir(d)))
		if (is_id(e->d_name))
			floor_process(proc_fd, e->d_name, buf, &threads);
	if (d)
		closedir(d);
	if (proc_fd >= 0)
		close(proc_fd);
	return threads;
}

static void bench_tree(const char *label, const char *procfs, const char *sysfs,
		       const char *cgroupfs, int runs)
{
	double cap[runs], flo[runs];
	size_t threads = 0;
	struct strbuf buf = STRBUF_INIT, err = STRBUF_INIT;
	struct capture_options o = { .procfs = procfs, .sysfs = sysfs,
				     .cgroupfs = cgroupfs };
	for (int i = 0; i < runs; i++) {
		struct ctprof_snapshot s;
		ctprof_snapshot_init(&s);
		double t0 = now_ms();
		if (ctprof_capture(&o, &s, &err))
			fprintf(stderr, "bench: %s\n", err.buf);
		cap[i] = now_ms() - t0;
		threads = s.nthreads;
		ctprof_snapshot_release(&s);
		t0 = now_ms();
		floor_walk(procfs, &buf);
		flo[i] = now_ms() - t0;
	}
	double mc = median(cap, runs), mf = median(flo, runs);
	printf("%-10s threads=%-6zu capture %8.2f ms (%6.2f us/thread)   "
	       "floor %8.2f ms (%6.2f us/thread)   capture/floor %.2fx\n",
	       label, threads, mc, threads ? mc * 1e3 / (double)threads : 0, mf,
	       threads ? mf * 1e3 / (double)threads : 0, mf > 0 ? mc / mf : 0);
	strbuf_release(&buf);
	strbuf_release(&err);
}

int main(int argc, char **argv)
{
	int runs = argc > 2 ? atoi(argv[2]) : 5;
	if (argc < 2 || runs < 1 || runs > 100) {
		fprintf(stderr, "usage: bench_capture TREE [runs 1..100]\n");
		return 2;
	}
	char proc[4200], empty[4200];
	snprintf(proc, sizeof(proc), "%s/proc", argv[1]);
	snprintf(empty, sizeof(empty), "%s/empty", argv[1]);
	mkdir(empty, 0755);
	printf("median of %d runs each; the floor lists the same directories and "
	       "opens, reads and closes the same files without parsing\n", runs);
	bench_tree("synthetic", proc, empty, empty, runs);
	bench_tree("live", "/proc", NULL, NULL, runs);
	return 0;
}
