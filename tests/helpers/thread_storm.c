/*
 * thread_storm.c - a process ("storm") whose threads live for microseconds:
 * SPAWNERS threads each create and join one short-lived thread ("storm-w")
 * after another, so a capture walking /proc/<pid>/task keeps finding tids
 * whose files are gone by the time it opens them. Prints "ready", then on
 * SIGTERM "created N" (threads created in all) and exits.
 *
 * usage: thread_storm [SPAWNERS]   (1..64, default 4)
 */
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <unistd.h>

static unsigned long created; /* atomic */

static void *short_lived(void *arg)
{
	(void)arg;
	prctl(PR_SET_NAME, "storm-w");
	return NULL;
}

static void *spawner(void *arg)
{
	(void)arg;
	for (;;) {
		pthread_t t;
		if (pthread_create(&t, NULL, short_lived, NULL))
			continue; /* out of threads for a moment: try again */
		pthread_join(t, NULL);
		__atomic_add_fetch(&created, 1, __ATOMIC_RELAXED);
	}
	return NULL;
}

int main(int argc, char **argv)
{
	int n = argc > 1 ? atoi(argv[1]) : 4, sig;
	sigset_t set;
	pthread_t t;
	if (n < 1 || n > 64) {
		fprintf(stderr, "usage: thread_storm [SPAWNERS(1..64)]\n");
		return 2;
	}
	prctl(PR_SET_NAME, "storm");
	/* Blocked before any thread exists, so only sigwait takes SIGTERM. */
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	for (int i = 0; i < n; i++)
		if (pthread_create(&t, NULL, spawner, NULL))
			return 1;
	printf("ready\n");
	fflush(stdout);
	sigwait(&set, &sig);
	printf("created %lu\n", __atomic_load_n(&created, __ATOMIC_RELAXED));
	fflush(stdout);
	_exit(0); /* the spawners are still running: no exit handlers */
}
