/*
 * churn.c - a workload whose threads and processes come and go under one
 * name: the main process ("churny") keeps two long-lived threads and
 * starts short-lived CPU-burning threads and short-lived child processes
 * (also named "churny") in a loop until killed.
 *
 * usage: churn
 */
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static void burn_ms(long ms)
{
	struct timespec start, now;
	clock_gettime(CLOCK_MONOTONIC, &start);
	do {
		clock_gettime(CLOCK_MONOTONIC, &now);
	} while ((now.tv_sec - start.tv_sec) * 1000 + (now.tv_nsec - start.tv_nsec) / 1000000 < ms);
}

static void *short_lived(void *arg)
{
	(void)arg;
	prctl(PR_SET_NAME, "churny-w");
	burn_ms(20);
	return NULL;
}

static void *long_lived(void *arg)
{
	(void)arg;
	for (;;) {
		burn_ms(5);
		usleep(20000);
	}
	return NULL;
}

static void spawn_child(void)
{
	pid_t pid = fork();
	if (pid == 0) {
		burn_ms(30);
		_exit(0);
	}
}

int main(void)
{
	pthread_t t;
	prctl(PR_SET_NAME, "churny");
	signal(SIGCHLD, SIG_DFL);
	for (int i = 0; i < 2; i++)
		pthread_create(&t, NULL, long_lived, NULL);
	printf("ready\n");
	fflush(stdout);
	for (unsigned long n = 0;; n++) {
		pthread_t w[3];
		for (int i = 0; i < 3; i++)
			pthread_create(&w[i], NULL, short_lived, NULL);
		if (n % 2 == 0)
			spawn_child();
		for (int i = 0; i < 3; i++)
			pthread_join(w[i], NULL);
		while (waitpid(-1, NULL, WNOHANG) > 0)
			;
		usleep(10000);
	}
}
