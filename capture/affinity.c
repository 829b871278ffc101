/*
 * affinity.c - sched_getaffinity with a growing mask: start at 8192 CPUs
 * and double on EINVAL (the kernel's mask is larger) up to 262144.
 */
#include "affinity.h"

#include <errno.h>
#include <sched.h>
#include <stdint.h>
#include <stdlib.h>

#define AFFINITY_FIRST_BITS 8192
#define AFFINITY_MAX_BITS 262144

/* Collect the set bits of mask into out; -ENODATA when none. */
static int mask_to_cpuset(const cpu_set_t *mask, size_t bits, size_t bytes,
			  struct cpuset *out)
{
	size_t n = (size_t)CPU_COUNT_S(bytes, mask);
	if (!n)
		return -ENODATA;
	uint32_t *cpus = malloc(n * sizeof(*cpus));
	if (!cpus)
		return -ENOMEM;
	size_t k = 0;
	for (size_t c = 0; c < bits && k < n; c++)
		if (CPU_ISSET_S(c, bytes, mask))
			cpus[k++] = (uint32_t)c;
	cpuset_release(out);
	out->cpus = cpus;
	out->len = k;
	return 0;
}

int affinity_read(pid_t tid, struct cpuset *out)
{
	for (size_t bits = AFFINITY_FIRST_BITS; bits <= AFFINITY_MAX_BITS;
	     bits *= 2) {
		size_t bytes = CPU_ALLOC_SIZE(bits);
		cpu_set_t *mask = CPU_ALLOC(bits);
		if (!mask)
			return -ENOMEM;
		CPU_ZERO_S(bytes, mask);
		int rc = sched_getaffinity(tid, bytes, mask) ? -errno : 0;
		if (!rc)
			rc = mask_to_cpuset(mask, bits, bytes, out);
		CPU_FREE(mask);
		if (rc != -EINVAL)
			return rc;
	}
	return -EINVAL;
}
