/*
 * bench_jemalloc.c - what the jemalloc probe costs per thread: the first
 * read of a thread (a stop: seize, interrupt, wait, regset, read, detach)
 * and a cached read (process_vm_readv alone). Target: je_dynamic (Debian's
 * libjemalloc.so.2) with 64 sleeping threads. Prints the median of several
 * runs of each, measured around the per-thread reads only.
 *
 * usage: bench_jemalloc JE_DYNAMIC_PATH [runs]
 */
#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "jemalloc_probe.h"
#include "parse_util.h"
#include "proc_task.h"
#include "readfile.h"

#define BENCH_THREADS 63 /* plus the main thread */

static double now_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

/* Start the target; returns its pid once every thread has reported. */
static pid_t start_target(const char *path)
{
	int out[2];
	char arg[16], c;
	int lines = 0;
	if (pipe(out))
		return -1;
	snprintf(arg, sizeof(arg), "%d", BENCH_THREADS);
	pid_t pid = fork();
	if (!pid) {
		dup2(out[1], 1);
		execl(path, path, arg, (char *)NULL);
		_exit(127);
	}
	close(out[1]);
	while (lines < BENCH_THREADS + 1 && read(out[0], &c, 1) == 1)
		lines += c == '\n';
	close(out[0]);
	return lines == BENCH_THREADS + 1 ? pid : -1;
}

/* Every thread of pid with its tid, tgid and start time. */
static size_t load_threads(pid_t pid, struct thread_state *ts, size_t cap)
{
	char dir[64];
	struct strbuf buf = STRBUF_INIT;
	size_t n = 0;
	snprintf(dir, sizeof(dir), "/proc/%d/task", (int)pid);
	DIR *d = opendir(dir);
	struct dirent *e;
	while (d && n < cap && (e = readdir(d))) {
		uint32_t tid;
		char path[128];
		if (!parse_u32(e->d_name, &tid))
			continue;
		snprintf(path, sizeof(path), "%s/%u/stat", dir, tid);
		if (thread_state_init(&ts[n]) || read_file_at(AT_FDCWD, path, &buf) ||
		    proc_parse_stat(buf.buf, &ts[n]))
			continue;
		ts[n].tid = tid;
		ts[n++].tgid = (uint32_t)pid;
	}
	if (d)
		closedir(d);
	strbuf_release(&buf);
	return n;
}

/* One pass over every thread; µs per thread, or -1 if a read failed. */
static double one_pass(struct jemalloc_prober *p, int proc_fd, pid_t pid,
		       struct thread_state *ts, size_t n)
{
	uint32_t tgid = (uint32_t)pid;
	if (jemalloc_prober_begin(p, "/proc", proc_fd, &tgid, 1, false))
		return -1;
	double t0 = now_us();
	for (size_t i = 0; i < n; i++) {
		ts[i].jemalloc_measured = false;
		jemalloc_prober_read_thread(p, &ts[i]);
	}
	double us = (now_us() - t0) / (double)n;
	bool all = true;
	for (size_t i = 0; i < n; i++)
		all &= ts[i].jemalloc_measured;
	probe_summary_free(jemalloc_prober_end(p));
	return all ? us : -1;
}

int main(int argc, char **argv)
{
	int runs = argc > 2 ? atoi(argv[2]) : 9;
	if (argc < 2 || runs < 1 || runs > 100) {
		fprintf(stderr, "usage: bench_jemalloc JE_DYNAMIC_PATH [runs 1..100]\n");
		return 2;
	}
	struct thread_state ts[BENCH_THREADS + 1];
	double first[100], cached[100];
	pid_t pid = start_target(argv[1]);
	int proc_fd = open_dir_at(AT_FDCWD, "/proc");
	struct jemalloc_prober *p = jemalloc_prober_new();
	size_t n = pid > 0 ? load_threads(pid, ts, BENCH_THREADS + 1) : 0;
	int rc = 1;
	if (!n || proc_fd < 0 || !p) {
		fprintf(stderr, "bench_jemalloc: cannot start or read %s\n", argv[1]);
		goto out;
	}
	for (int i = 0; i < runs; i++) {
		jemalloc_prober_forget_threads(p);
		first[i] = one_pass(p, proc_fd, pid, ts, n);
		cached[i] = one_pass(p, proc_fd, pid, ts, n);
		if (first[i] < 0 || cached[i] < 0) {
			fprintf(stderr, "bench_jemalloc: a read failed (run as root)\n");
			goto out;
		}
	}
	qsort(first, (size_t)runs, sizeof(double), cmp_double);
	qsort(cached, (size_t)runs, sizeof(double), cmp_double);
	printf("jemalloc probe, %zu sleeping threads of %s, median of %d runs:\n"
	       "  first probe (stop once)   %8.2f us/thread\n"
	       "  cached read (readv only)  %8.2f us/thread   first/cached %.1fx\n",
	       n, argv[1], runs, first[runs / 2], cached[runs / 2],
	       first[runs / 2] / cached[runs / 2]);
	rc = 0;
out:
	for (size_t i = 0; i < n; i++)
		thread_state_release(&ts[i]);
	jemalloc_prober_free(p);
	if (proc_fd >= 0)
		close(proc_fd);
	if (pid > 0) {
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
	}
	return rc;
}
