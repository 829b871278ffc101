/*
 * group.h - bucket a snapshot's threads into groups by label axes.
 *
 * Owns the group key: one label per --group-by axis (pcomm, comm, cgroup),
 * normalized by pattern_key / cgroup flatten / cgroup normalization, and
 * the deterministic group order (by label values).
 */
#ifndef CTPROF_GROUP_H
#define CTPROF_GROUP_H

#include <stdbool.h>
#include <stddef.h>

#include "snapshot.h"
#include "strbuf.h"

enum group_axis {
	GROUP_AXIS_PCOMM,
	GROUP_AXIS_COMM,
	GROUP_AXIS_CGROUP,
};

#define GROUP_AXES_MAX 3

struct group_options {
	enum group_axis axes[GROUP_AXES_MAX];
	size_t naxes;               /* 0 means pcomm */
	bool no_thread_normalize;   /* literal pcomm/comm */
	bool cgroup_normalize;      /* the systemd/token layers on cgroup */
	const char *const *cgroup_flatten; /* globs, first match wins */
	size_t ncgroup_flatten;
};

struct thread_group {
	char *labels[GROUP_AXES_MAX]; /* one value per axis, owned */
	size_t *members;              /* indices into snapshot threads */
	size_t nmembers;
};

struct group_set {
	struct thread_group *groups; /* sorted by labels */
	size_t len;
	enum group_axis axes[GROUP_AXES_MAX];
	size_t naxes;
};

const char *group_axis_name(enum group_axis a);
/* Parse "pcomm,cgroup" into o->axes; -EINVAL on an unknown or repeated axis. */
int group_axes_parse(const char *list, struct group_options *o);

int group_threads(const struct ctprof_snapshot *s, const struct group_options *o,
		  struct group_set *out);
void group_set_release(struct group_set *g);

/* The label value of one thread on one axis (for callers outside grouping). */
int group_label(const struct thread_state *t, enum group_axis a,
		const struct group_options *o, struct strbuf *out);

#endif
