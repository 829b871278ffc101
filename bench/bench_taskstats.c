/*
 * bench_taskstats.c - what the taskstats pass costs per tid: every tid of
 * the live host queried one round trip at a time (window 1) and pipelined
 * (wider windows), then again with 10,000 extra sleeping threads (one child
 * process, 64 KiB stacks). Prints the median of several runs and the
 * outcome tally of the last, so a fast figure made of errors shows.
 *
 * usage: bench_taskstats [runs]
 */
#include <dirent.h>
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bench_util.h"
#include "taskstats.h"

#define EXTRA_THREADS 10000
#define EXTRA_STACK (64 * 1024)

struct tid_list {
	uint32_t *tids;
	size_t len, cap;
};

static int push_tid(struct tid_list *l, uint32_t tid)
{
	if (l->len == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 4096;
		uint32_t *p = realloc(l->tids, cap * sizeof(*p));
		if (!p)
			return -ENOMEM;
		l->tids = p;
		l->cap = cap;
	}
	l->tids[l->len++] = tid;
	return 0;
}

/* Every /proc/<pid>/task/<tid> of the host now. */
static int list_host_tids(struct tid_list *l)
{
	l->len = 0;
	DIR *procs = opendir("/proc");
	struct dirent *p;
	while (procs && (p = readdir(procs))) {
		char path[300];
		if (p->d_name[0] < '1' || p->d_name[0] > '9')
			continue;
		snprintf(path, sizeof(path), "/proc/%s/task", p->d_name);
		DIR *tasks = opendir(path);
		struct dirent *t;
		while (tasks && (t = readdir(tasks)))
			if (t->d_name[0] >= '1' && t->d_name[0] <= '9' &&
			    push_tid(l, (uint32_t)strtoul(t->d_name, NULL, 10)))
				return -ENOMEM;
		if (tasks)
			closedir(tasks);
	}
	if (procs)
		closedir(procs);
	return 0;
}

static void tally(void *arg, size_t index, int err, const struct delay_stats *ds)
{
	(void)index;
	(void)ds;
	taskstats_summary_record(arg, err);
}

static void bench_window(struct taskstats_client *c, const struct tid_list *l,
			 unsigned window, int runs)
{
	double ms[runs];
	struct taskstats_summary s = { 0 };
	uint64_t overruns = taskstats_client_overruns(c);
	for (int i = 0; i < runs; i++) {
		s = (struct taskstats_summary){ 0 };
		double t0 = now_ms();
		taskstats_query_batch(c, l->tids, l->len, window, tally, &s);
		ms[i] = now_ms() - t0;
	}
	double med = median(ms, runs);
	printf("  window %-4u %s %8.2f ms  %5.2f us/tid   ok %llu esrch %llu "
	       "eperm %llu other %llu  overrun rounds %llu\n",
	       window, window == 1 ? "(sequential)" : "(pipelined) ", med,
	       med * 1e3 / (double)l->len, (unsigned long long)s.ok_count,
	       (unsigned long long)s.esrch_count, (unsigned long long)s.eperm_count,
	       (unsigned long long)s.other_err_count,
	       (unsigned long long)(taskstats_client_overruns(c) - overruns));
}

static void bench_host(const char *label, int runs)
{
	static const unsigned windows[] = { 1, 16, TASKSTATS_WINDOW,
					    TASKSTATS_WINDOW_MAX };
	struct tid_list l = { 0 };
	struct taskstats_client *c;
	struct strbuf why = STRBUF_INIT;
	if (list_host_tids(&l) || !l.len) {
		fprintf(stderr, "bench: cannot list the host's tids\n");
		goto out_free;
	}
	if (taskstats_client_open(&c, &why)) {
		printf("%s: taskstats unavailable: %s\n", label, why.buf);
		goto out_free;
	}
	printf("%s: %zu tids, median of %d runs\n", label, l.len, runs);
	for (size_t i = 0; i < sizeof(windows) / sizeof(windows[0]); i++)
		bench_window(c, &l, windows[i], runs);
	taskstats_client_close(c);
out_free:
	strbuf_release(&why);
	free(l.tids);
}

static void *sleep_forever(void *arg)
{
	(void)arg;
	for (;;)
		pause();
	return NULL;
}

/* A child with EXTRA_THREADS sleeping threads; its pid once all exist. */
static pid_t spawn_sleepers(void)
{
	int ready[2];
	if (pipe(ready))
		return -1;
	pid_t pid = fork();
	if (pid) {
		char c = 0;
		close(ready[1]);
		if (pid > 0 && read(ready[0], &c, 1) != 1)
			c = 0;
		close(ready[0]);
		if (c == 'y')
			return pid;
		if (pid > 0)
			waitpid(pid, NULL, 0);
		return -1;
	}
	pthread_attr_t attr;
	pthread_attr_init(&attr);
	pthread_attr_setstacksize(&attr, EXTRA_STACK);
	for (int i = 0; i < EXTRA_THREADS; i++) {
		pthread_t t;
		if (pthread_create(&t, &attr, sleep_forever, NULL))
			_exit(1);
	}
	if (write(ready[1], "y", 1) != 1)
		_exit(1);
	for (;;)
		pause();
}

int main(int argc, char **argv)
{
	int runs = argc > 1 ? atoi(argv[1]) : 5;
	if (runs < 1 || runs > 100) {
		fprintf(stderr, "usage: bench_taskstats [runs 1..100]\n");
		return 2;
	}
	bench_host("live host", runs);
	pid_t sleepers = spawn_sleepers();
	if (sleepers < 0) {
		fprintf(stderr, "bench: cannot start %d extra threads\n",
			EXTRA_THREADS);
		return 1;
	}
	bench_host("live host + 10000 sleeping threads", runs);
	kill(sleepers, SIGKILL);
	waitpid(sleepers, NULL, 0);
	return 0;
}
