/*
 * target_threads.h - the shape every jemalloc probe target shares: N extra
 * threads each run publish(i) (i from 1), then the main thread runs
 * publish(0) once they all have, and every thread waits until killed.
 * report() prints "<tid> <allocated> <deallocated>" with write(2), so
 * printing allocates nothing. Header-only: the targets are single files.
 */
#ifndef CTPROF_TARGET_THREADS_H
#define CTPROF_TARGET_THREADS_H

#include <pthread.h>
#include <semaphore.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static void (*target_publish)(long i);
static sem_t target_printed;

static void report(uint64_t allocated, uint64_t deallocated)
{
	char line[96];
	int n = snprintf(line, sizeof(line), "%d %llu %llu\n", gettid(),
			 (unsigned long long)allocated, (unsigned long long)deallocated);
	if (write(1, line, (size_t)n) != n)
		_exit(1);
}

static void *target_thread(void *arg)
{
	target_publish((long)arg);
	sem_post(&target_printed);
	for (;;)
		pause();
	return NULL;
}

static int run_threads(int argc, char **argv, void (*publish)(long i))
{
	int n = argc > 1 ? atoi(argv[1]) : 3;
	if (n < 0 || n > 63)
		return 2;
	target_publish = publish;
	sem_init(&target_printed, 0, 0);
	for (long i = 1; i <= n; i++) {
		pthread_t t;
		if (pthread_create(&t, NULL, target_thread, (void *)i))
			return 1;
	}
	for (int i = 0; i < n; i++)
		sem_wait(&target_printed);
	publish(0);
	for (;;)
		pause();
}

#endif
