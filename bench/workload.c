/*
 * workload.c - the load `make bench` measures the exporters under: NPROCS
 * child processes named "wl-p<i>", each with NTHREADS threads named
 * "wl-t<i>-<j>" (every name distinct, as on a host of many services), that
 * mostly sleep: each wakes once a second, spins a few microseconds and
 * sleeps again. Past the one byte each child writes to say it is ready,
 * nothing reads or writes: like a service idle between requests, its io
 * totals stay put (the daemon's io gate holds; docs/performance.md). Prints "ready procs=N threads=T" on stdout once every
 * thread of every child exists.
 *
 * Nothing outlives it for long: every child ends itself after SECONDS
 * (alarm) or as soon as this parent dies (PR_SET_PDEATHSIG), and the
 * parent, on SIGTERM or SIGINT, kills its children and reaps them before
 * it exits, so whoever waits for the parent's pid waits for all of them.
 *
 * usage: workload NPROCS NTHREADS SECONDS
 */
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MAX_PROCS 1000
#define MAX_THREADS 1000
#define MAX_SECONDS 86400
/* 10,000 threads cost 640 MiB of address space and a few pages each. */
#define THREAD_STACK (64 * 1024)
/* The work of one wake-up: a few microseconds of arithmetic. */
#define SPIN_ITERATIONS 2000

struct worker {
	int proc, thread;
	pthread_barrier_t *started;
};

static volatile sig_atomic_t stop_requested;
/* The children forked so far, for the signal handler. */
static pid_t child_pids[MAX_PROCS];
static volatile sig_atomic_t nchildren;

static void kill_children(void)
{
	for (int i = 0; i < nchildren; i++)
		if (child_pids[i] > 0)
			kill(child_pids[i], SIGKILL);
}

/* Kills here, not only in the main loop: a stop arriving just before
 * waitpid() would otherwise wait for the children's alarm. */
static void on_stop(int sig)
{
	(void)sig;
	stop_requested = 1;
	kill_children();
}

/* A whole decimal number in [lo, hi], or -1. */
static long parse_count(const char *s, long lo, long hi)
{
	char *end;
	errno = 0;
	long v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < lo || v > hi)
		return -1;
	return v;
}

static void spin(void)
{
	volatile unsigned x = 1;
	for (int i = 0; i < SPIN_ITERATIONS; i++)
		x = x * 1103515245u + 12345u;
}

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	char name[16];
	snprintf(name, sizeof(name), "wl-t%d-%d", w->proc, w->thread);
	pthread_setname_np(pthread_self(), name);
	/* Spread the wake-ups over the second instead of waking all at once. */
	struct timespec next;
	clock_gettime(CLOCK_MONOTONIC, &next);
	next.tv_nsec = (long)((unsigned)(w->proc * 7919 + w->thread * 104729) % 1000000000u);
	pthread_barrier_wait(w->started);
	for (;;) {
		next.tv_sec++;
		while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &next, NULL) == EINTR)
			;
		spin();
	}
	return NULL;
}

/* A child's life: name itself, start its threads, report, sleep until the end. */
static int child_main(int proc, int nthreads, int seconds, int ready_fd, pid_t parent)
{
	char name[16];
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() != parent) /* died before the line above took effect */
		return 1;
	alarm((unsigned)seconds); /* SIGALRM's default action ends the process */
	snprintf(name, sizeof(name), "wl-p%d", proc);
	prctl(PR_SET_NAME, name);

	/* One more than needed: calloc(0) may return NULL. */
	struct worker *w = calloc((size_t)nthreads + 1, sizeof(*w));
	if (!w)
		return 1;
	pthread_barrier_t started;
	pthread_barrier_init(&started, NULL, (unsigned)nthreads + 1);
	pthread_attr_t attr;
	pthread_attr_init(&attr);
	pthread_attr_setstacksize(&attr, THREAD_STACK);
	for (int j = 0; j < nthreads; j++) {
		pthread_t t;
		w[j] = (struct worker){ .proc = proc, .thread = j, .started = &started };
		if (pthread_create(&t, &attr, worker_main, &w[j])) {
			fprintf(stderr, "workload: wl-p%d: thread %d: cannot start\n", proc, j);
			return 1;
		}
	}
	pthread_barrier_wait(&started);
	if (write(ready_fd, "r", 1) != 1)
		return 1;
	close(ready_fd);
	for (;;)
		pause();
}

/* Reaps every child; on a stop request kills the rest first. */
static void reap_children(int n)
{
	int left = n;
	while (left > 0) {
		if (stop_requested)
			kill_children();
		pid_t p = waitpid(-1, NULL, 0);
		if (p > 0)
			left--;
		else if (errno == ECHILD)
			return;
	}
}

/* Blocks until every child wrote its byte; false if one died first. */
static bool wait_ready(int ready_fd, int nprocs)
{
	char buf[256];
	int got = 0;
	while (got < nprocs && !stop_requested) {
		ssize_t r = read(ready_fd, buf, sizeof(buf));
		if (r > 0)
			got += (int)r;
		else if (r == 0 || errno != EINTR)
			return false;
	}
	return got == nprocs;
}

static const int stop_signals[] = { SIGTERM, SIGINT, SIGHUP };

/* handler: on_stop in the parent, SIG_DFL in a child. */
static void set_stop_handlers(void (*handler)(int))
{
	/* No SA_RESTART: a stop must interrupt read() and waitpid(). */
	struct sigaction sa = { .sa_handler = handler };
	sigemptyset(&sa.sa_mask);
	for (size_t i = 0; i < sizeof(stop_signals) / sizeof(stop_signals[0]); i++)
		sigaction(stop_signals[i], &sa, NULL);
}

int main(int argc, char **argv)
{
	long nprocs = argc == 4 ? parse_count(argv[1], 1, MAX_PROCS) : -1;
	long nthreads = argc == 4 ? parse_count(argv[2], 0, MAX_THREADS) : -1;
	long seconds = argc == 4 ? parse_count(argv[3], 1, MAX_SECONDS) : -1;
	if (nprocs < 0 || nthreads < 0 || seconds < 0) {
		fprintf(stderr, "usage: workload NPROCS(1..%d) NTHREADS(0..%d) SECONDS(1..%d)\n",
			MAX_PROCS, MAX_THREADS, MAX_SECONDS);
		return 2;
	}
	set_stop_handlers(on_stop);
	int fds[2];
	if (pipe(fds)) {
		perror("workload: pipe");
		return 1;
	}
	pid_t self = getpid();
	int started = 0;
	for (; started < nprocs && !stop_requested; started++) {
		pid_t pid = fork();
		if (pid < 0) {
			perror("workload: fork");
			break;
		}
		if (pid == 0) {
			set_stop_handlers(SIG_DFL);
			close(fds[0]);
			_exit(child_main(started, (int)nthreads, (int)seconds, fds[1], self));
		}
		child_pids[started] = pid;
		nchildren = started + 1;
	}
	close(fds[1]);
	bool ready = started == nprocs && wait_ready(fds[0], (int)nprocs);
	close(fds[0]);
	if (ready) {
		printf("ready procs=%ld threads=%ld\n", nprocs, nprocs * nthreads);
		fflush(stdout);
	} else {
		fprintf(stderr, "workload: not every child started\n");
		stop_requested = 1;
	}
	reap_children(started);
	return ready ? 0 : 1;
}
