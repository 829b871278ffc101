/*
 * je_threads.c - a jemalloc probe target, linked with Debian's jemalloc
 * (statically from libjemalloc.a, or dynamically with libjemalloc.so.2).
 * Thread i (the main thread is 0, last) allocates known amounts and frees
 * some, reads jemalloc's own thread.allocated / thread.deallocated with
 * mallctl, prints "<tid> <allocated> <deallocated>" without allocating
 * again, and waits until killed.
 *
 * usage: je_threads N    (N extra threads)
 */
#include <jemalloc/jemalloc.h>
#include <stdint.h>

#include "target_threads.h"

static void *volatile keep[64];

static uint64_t stat_u64(const char *name)
{
	uint64_t v = 0;
	size_t len = sizeof(v);
	if (mallctl(name, &v, &len, NULL, 0))
		_exit(3);
	return v;
}

static void publish(long i)
{
	keep[i] = malloc(4096 * (size_t)(i + 1) + 100);
	void *volatile scratch = malloc(1000 + 10 * (size_t)i);
	free(scratch);
	uint64_t a = stat_u64("thread.allocated"), d = stat_u64("thread.deallocated");
	report(a, d);
}

int main(int argc, char **argv)
{
	return run_threads(argc, argv, publish);
}
