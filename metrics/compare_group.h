/*
 * compare_group.h - ktstr's grouping for `ctprof compare` / `ctprof show`
 * (ktstr-facts 3), as opposed to the exporter's series-stable grouping in
 * group.h.
 *
 * Owns the group key of a thread under each GroupBy (pcomm, cgroup, comm,
 * comm-exact, all with NUL-joined cgroup/pcomm/comm keys), the singleton
 * revert (a pcomm or comm skeleton shared by fewer than two THREADS over
 * both snapshots keeps its literal name), the cgroup key map built over the
 * union of both snapshots' thread cgroups and cgroup_stats keys after
 * flatten, the smaps_rollup process keys, and the pairing of baseline and
 * candidate groups by key. The token rules themselves are pattern.h's.
 */
#ifndef CTPROF_COMPARE_GROUP_H
#define CTPROF_COMPARE_GROUP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "group.h"
#include "snapshot.h"
#include "strbuf.h"

enum compare_group_by {
	COMPARE_BY_PCOMM,
	COMPARE_BY_CGROUP,
	COMPARE_BY_COMM,
	COMPARE_BY_COMM_EXACT,
	COMPARE_BY_ALL,
};

struct compare_options {
	enum compare_group_by group_by;
	const char *const *flatten; /* --cgroup-flatten globs, first match wins */
	size_t nflatten;
	bool no_thread_normalize;
	bool no_cg_normalize;
};

/* One key with its threads on each side (nmembers 0: absent there). */
struct compare_group {
	char *key;     /* parts joined by NUL; NUL-terminated */
	size_t klen;   /* bytes of key without the final NUL */
	struct thread_group side[2];
	uint64_t avg_start[2]; /* mean of the non-zero start_time_clock_ticks */
};

struct compare_groups {
	struct compare_group *groups; /* sorted by key bytes */
	size_t len;
	size_t *store;                /* owns every side's member indices */
	struct str_map cgroup_keys;   /* flattened path -> normalized key */
};

/* Byte order of two keys that may hold NULs (Rust's String order). */
int compare_key_cmp(const char *a, size_t alen, const char *b, size_t blen);

/* "pcomm", "cgroup", "comm", "comm-exact", "all"; -EINVAL when unknown. */
int compare_group_by_parse(const char *s, enum compare_group_by *out);
const char *compare_group_by_name(enum compare_group_by g);
/* Parts in a group key: 3 under all, else 1. */
size_t compare_group_parts(enum compare_group_by g);

/* Group both snapshots (snap[1] may be NULL). 0 / -ENOMEM. */
int compare_groups_build(const struct ctprof_snapshot *const snap[2],
			 const struct compare_options *o, struct compare_groups *out);
void compare_groups_release(struct compare_groups *g);

/* A raw cgroup path's key: flatten, then the key map (unless disabled). */
int compare_cgroup_key(const struct compare_groups *g, const struct compare_options *o,
		       const char *path, struct strbuf *out);
/*
 * The smaps_rollup key of a leader thread: pattern_key(pcomm), or
 * "pcomm[tgid]" under --no-thread-normalize; under all, "cg_key\0" first.
 */
int compare_smaps_key(const struct compare_groups *g, const struct compare_options *o,
		      const struct thread_state *t, struct strbuf *out);

#endif
