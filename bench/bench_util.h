/*
 * bench_util.h - what every benchmark shares: a monotonic clock and the
 * process's CPU clock in milliseconds, and the median of a set of runs.
 * Header-only, because every .c under bench/ is a program of its own.
 */
#ifndef CTPROF_BENCH_UTIL_H
#define CTPROF_BENCH_UTIL_H

#include <stdlib.h>
#include <time.h>

static inline double clock_ms(clockid_t id)
{
	struct timespec ts;
	clock_gettime(id, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static inline double now_ms(void)
{
	return clock_ms(CLOCK_MONOTONIC);
}

/* CPU time of every thread of this process, worker pools included. */
static inline double cpu_ms(void)
{
	return clock_ms(CLOCK_PROCESS_CPUTIME_ID);
}

static inline int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

/* Sorts v. */
static inline double median(double *v, int n)
{
	qsort(v, (size_t)n, sizeof(*v), cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

#endif
