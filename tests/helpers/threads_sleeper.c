/*
 * threads_sleeper.c - a live target for capture tests: names itself
 * "ctprof-sleeper", starts N threads named "ctw-<i>" that sleep, prints
 * "ready" once all exist, and sleeps until killed.
 *
 * usage: threads_sleeper N
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <unistd.h>

static pthread_barrier_t started;

static void *sleeper(void *arg)
{
	char name[16];
	snprintf(name, sizeof(name), "ctw-%d", (int)(long)arg);
	pthread_setname_np(pthread_self(), name);
	pthread_barrier_wait(&started);
	for (;;)
		pause();
	return NULL;
}

int main(int argc, char **argv)
{
	int n = argc > 1 ? atoi(argv[1]) : 3;
	if (n < 0 || n > 1000) {
		fprintf(stderr, "threads_sleeper: thread count 0..1000\n");
		return 2;
	}
	prctl(PR_SET_NAME, "ctprof-sleeper");
	pthread_barrier_init(&started, NULL, (unsigned)n + 1);
	for (long i = 0; i < n; i++) {
		pthread_t t;
		if (pthread_create(&t, NULL, sleeper, (void *)i)) {
			perror("pthread_create");
			return 1;
		}
	}
	pthread_barrier_wait(&started);
	printf("ready\n");
	fflush(stdout);
	for (;;)
		pause();
}
