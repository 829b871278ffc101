/*
 * group.h - bucket a snapshot's threads into groups by label axes.
 *
 * Owns the group key: one label per axis (pcomm, comm, cgroup, and the
 * container axis's two: pod_uid and container_id), normalized by
 * pattern_key / cgroup flatten / cgroup normalization / kube.h, and
 * the deterministic group order (by label values). A group set may also
 * hold memberless groups (groups kept for their exited threads' counters)
 * and the "other" group the cardinality guard folds small groups into.
 */
#ifndef CTPROF_GROUP_H
#define CTPROF_GROUP_H

#include <stdbool.h>
#include <stddef.h>

#include "snapshot.h"
#include "strbuf.h"

/*
 * One axis per label. --group-by container selects the last two together
 * (group_axes_parse), so a label tuple stays one string per axis.
 */
enum group_axis {
	GROUP_AXIS_PCOMM,
	GROUP_AXIS_COMM,
	GROUP_AXIS_CGROUP,
	GROUP_AXIS_POD_UID,
	GROUP_AXIS_CONTAINER_ID,
};

#define GROUP_AXES_MAX 5

/* Every label value of the group that folded groups become. */
#define GROUP_OTHER_LABEL "other"

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
	size_t *members;              /* indices into snapshot threads; NULL if none */
	size_t nmembers;
};

struct group_set {
	struct thread_group *groups; /* sorted by labels */
	size_t len;
	size_t *store;               /* owns every group's members */
	enum group_axis axes[GROUP_AXES_MAX];
	size_t naxes;
};

const char *group_axis_name(enum group_axis a);
/*
 * Parse "pcomm,cgroup" (names pcomm, comm, cgroup, container) into o->axes;
 * -EINVAL on an unknown or repeated name.
 */
int group_axes_parse(const char *list, struct group_options *o);

/* o with the default axis (pcomm) filled in when it names none. */
struct group_options group_options_resolve(const struct group_options *o);

int group_threads(const struct ctprof_snapshot *s, const struct group_options *o,
		  struct group_set *out);
void group_set_release(struct group_set *g);

/* The label value of one thread on one axis (for callers outside grouping). */
int group_label(const struct thread_state *t, enum group_axis a,
		const struct group_options *o, struct strbuf *out);
/*
 * Every label value of t under o (resolved), one malloc'd string per axis;
 * free with group_labels_free. 0 / -ENOMEM (nothing left allocated).
 */
int group_thread_labels(const struct thread_state *t, const struct group_options *o,
			char *labels[GROUP_AXES_MAX]);
void group_labels_free(char *labels[GROUP_AXES_MAX]);
/* Copies of src[0..naxes) into dst (the rest NULL). 0 / -ENOMEM (dst all NULL). */
int group_labels_dup(char *dst[GROUP_AXES_MAX], char *const src[], size_t naxes);
/* The group order: label by label, byte order. */
int group_labels_cmp(char *const a[], char *const b[], size_t naxes);
/* The same over whole label arrays (NULL past the last axis), for qsort. */
int group_labels_order(char *const a[GROUP_AXES_MAX], char *const b[GROUP_AXES_MAX]);

/*
 * Add a memberless group for each of tuples[0..n) (label tuples, NULL past
 * the last axis, no repeats) that g has no group for; g stays sorted.
 * Labels are copied. 0 / -ENOMEM (g unchanged).
 */
int group_set_add_empty(struct group_set *g, char *const *const tuples[], size_t n);
/* Whether group i is the one labelled GROUP_OTHER_LABEL on every axis. */
bool group_is_other(const struct group_set *g, size_t i);
/*
 * Merge every group i with fold[i] (and an existing "other" group) into one
 * group labelled GROUP_OTHER_LABEL on every axis, kept in label order; its
 * index goes to *other. 0 / -ENOMEM (g unchanged).
 */
int group_set_fold(struct group_set *g, const bool *fold, size_t *other);

#endif
