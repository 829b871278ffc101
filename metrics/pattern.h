/*
 * pattern.h - group-key normalization (ktstr-facts 3.2-3.4).
 *
 * Owns pattern_key (worker-7 -> worker-{N}), the cgroup path normalizer
 * (systemd template instances and the same token rules) and cgroup flatten
 * globs. Pure string functions.
 */
#ifndef CTPROF_PATTERN_H
#define CTPROF_PATTERN_H

#include <stdbool.h>
#include <stddef.h>

#include "strbuf.h"

/* Append the normalized key of s to out. 0 / -ENOMEM. */
int pattern_key(const char *s, struct strbuf *out);

/* systemd template layer, then pattern_key's token rules. 0 / -ENOMEM. */
int cgroup_normalize(const char *path, struct strbuf *out);

/* Whether a --cgroup-flatten glob is well formed (balanced brackets). */
bool cgroup_glob_valid(const char *glob);

/* The first glob matching path (a whole-path match, '*' crosses '/'), or path. */
const char *cgroup_flatten(const char *path, const char *const *globs,
			   size_t nglobs);

#endif
