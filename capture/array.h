/*
 * array.h - growing a plain C array (items plus a capacity count): the one
 * place the realloc-and-capacity dance lives. On failure the array is left
 * as it was.
 */
#ifndef CTPROF_ARRAY_H
#define CTPROF_ARRAY_H

#include <errno.h>
#include <stddef.h>
#include <stdlib.h>

/* Room for need items of elem bytes, exactly need when it grows. 0 / -ENOMEM. */
static inline int array_ensure(void **items, size_t *cap, size_t need, size_t elem)
{
	if (need <= *cap)
		return 0;
	void *p = realloc(*items, need * elem);
	if (!p)
		return -ENOMEM;
	*items = p;
	*cap = need;
	return 0;
}

/* Room for need items, doubling from min: for arrays grown item by item. */
static inline int array_grow(void **items, size_t *cap, size_t need, size_t min,
			     size_t elem)
{
	if (need <= *cap)
		return 0;
	size_t ncap = *cap ? *cap : min;
	while (ncap < need)
		ncap *= 2;
	return array_ensure(items, cap, ncap, elem);
}

#endif
