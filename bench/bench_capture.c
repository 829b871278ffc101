/*
 * bench_capture.c - what a capture costs, next to the floor: a reader that
 * only lists the same directories and opens, reads and closes the same
 * files. Runs on a synthetic tree of 10,000 threads (100 processes x 100
 * threads, built in a temporary directory) and on the live host. Prints
 * the median of several runs of each, in this process, and their ratio.
 *
 * usage: bench_capture [runs]
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

#include "capture.h"
#include "readfile.h"

#define BENCH_PROCS 100
#define BENCH_THREADS_PER_PROC 100

static const char stat_text[] =
	"%u (bench-%u) S 1 %u %u 0 -1 4194560 1010 0 1012 0 1014 1015 0 0 20 0 "
	"100 0 5022 1000 10 18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 0 17 3 0 "
	"0 77 0 0\n";
static const char status_text[] =
	"Name:\tbench\nUmask:\t0022\nState:\tS (sleeping)\nTgid:\t%u\nPid:\t%u\n"
	"Threads:\t100\nCpus_allowed:\tf\nCpus_allowed_list:\t0-3\n"
	"voluntary_ctxt_switches:\t5001\nnonvoluntary_ctxt_switches:\t5002\n";
static const char io_text[] =
	"rchar: 4701\nwchar: 4702\nsyscr: 4703\nsyscw: 4704\nread_bytes: 4705\n"
	"write_bytes: 4706\ncancelled_write_bytes: 4707\n";
static const char sched_text[] =
	"bench (%u, #threads: 100)\n"
	"-------------------------------------------------------------------\n"
	"se.exec_start                                :        222897.049412\n"
	"se.vruntime                                  :          2648.398528\n"
	"se.sum_exec_runtime                          :             0.891460\n"
	"se.nr_migrations                             :                    7\n"
	"nr_switches                                  :                    9\n"
	"nr_voluntary_switches                        :                    5\n"
	"nr_involuntary_switches                      :                    4\n"
	"se.load.weight                               :              1048576\n"
	"se.avg.load_sum                              :                46913\n"
	"se.avg.util_avg                              :                  327\n"
	"policy                                       :                    0\n"
	"prio                                         :                  120\n"
	"se.slice                                     :              1400000\n"
	"clock-delta                                  :                   80\n";
static const char smaps_text[] =
	"55d0c0a00000-7ffd5b5fe000 ---p 00000000 00:00 0 [rollup]\n"
	"Rss:                5120 kB\nPss:                4096 kB\n"
	"Pss_Anon:           1024 kB\nPss_File:           3072 kB\n"
	"Shared_Clean:        512 kB\nPrivate_Dirty:      1024 kB\n"
	"Swap:                  0 kB\n";

static int write_file(const char *dir, const char *name, const char *text)
{
	char path[4300];
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	FILE *f = fopen(path, "w");
	if (!f)
		return -errno;
	fputs(text, f);
	return fclose(f) ? -errno : 0;
}

static int make_thread(const char *root, unsigned tgid, unsigned tid)
{
	char dir[4200], text[2048];
	int rc = 0;
	snprintf(dir, sizeof(dir), "%s/%u/task/%u", root, tgid, tid);
	if (mkdir(dir, 0755))
		return -errno;
	snprintf(text, sizeof(text), "bench-%u\n", tid);
	rc |= write_file(dir, "comm", text);
	snprintf(text, sizeof(text), stat_text, tid, tid, tgid, tgid);
	rc |= write_file(dir, "stat", text);
	rc |= write_file(dir, "schedstat", "111000 222000 333\n");
	rc |= write_file(dir, "io", io_text);
	snprintf(text, sizeof(text), status_text, tgid, tid);
	rc |= write_file(dir, "status", text);
	snprintf(text, sizeof(text), sched_text, tid);
	rc |= write_file(dir, "sched", text);
	rc |= write_file(dir, "cgroup", "0::/system.slice/bench.service\n");
	if (tid == tgid)
		rc |= write_file(dir, "smaps_rollup", smaps_text);
	return rc;
}

static int make_tree(const char *root)
{
	for (unsigned p = 0; p < BENCH_PROCS; p++) {
		unsigned tgid = 1000 + p * 1000;
		char dir[4200];
		snprintf(dir, sizeof(dir), "%s/%u", root, tgid);
		if (mkdir(dir, 0755))
			return -errno;
		if (write_file(dir, "comm", "bench\n"))
			return -EIO;
		snprintf(dir, sizeof(dir), "%s/%u/task", root, tgid);
		if (mkdir(dir, 0755))
			return -errno;
		for (unsigned t = 0; t < BENCH_THREADS_PER_PROC; t++)
			if (make_thread(root, tgid, tgid + t))
				return -EIO;
	}
	return 0;
}

static double now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

static double median(double *v, int n)
{
	qsort(v, (size_t)n, sizeof(*v), cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

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
	int runs = argc > 1 ? atoi(argv[1]) : 5;
	if (runs < 1 || runs > 100) {
		fprintf(stderr, "usage: bench_capture [runs 1..100]\n");
		return 2;
	}
	char root[] = "/tmp/ctprof-bench-XXXXXX";
	if (!mkdtemp(root)) {
		perror("mkdtemp");
		return 1;
	}
	char proc[64], empty[64];
	snprintf(proc, sizeof(proc), "%s/proc", root);
	snprintf(empty, sizeof(empty), "%s/empty", root);
	if (mkdir(proc, 0755) || mkdir(empty, 0755) || make_tree(proc)) {
		fprintf(stderr, "bench: cannot build the synthetic tree in %s\n", root);
		return 1;
	}
	printf("median of %d runs each; the floor lists the same directories and "
	       "opens, reads and closes the same files without parsing\n", runs);
	bench_tree("synthetic", proc, empty, empty, runs);
	bench_tree("live", "/proc", NULL, NULL, runs);
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
	return system(cmd) ? 1 : 0;
}
