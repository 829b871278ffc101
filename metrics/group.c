/*
 * group.c - thread grouping. Threads are keyed by hashing, not by
 * comparing strings per thread: each distinct raw name is normalized once
 * and interned (intern.h), a thread's group is its tuple of label ids, and
 * only the groups are sorted, by label values, so the output order is
 * deterministic. A counting sort by group then lists each group's members
 * in thread order. group_labels_cmp is the same order, so it holds when
 * memberless and folded groups are added.
 */
#include "group.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "intern.h"
#include "kube.h"
#include "pattern.h"
#include "strbuf.h"

/* Axis names are the label names. */
static const char *const axis_names[] = {
	[GROUP_AXIS_PCOMM] = "pcomm",
	[GROUP_AXIS_COMM] = "comm",
	[GROUP_AXIS_CGROUP] = "cgroup",
	[GROUP_AXIS_POD_UID] = "pod_uid",
	[GROUP_AXIS_CONTAINER_ID] = "container_id",
};

/* The --group-by names and the axes each selects. */
static const struct {
	const char *name;
	enum group_axis axes[2];
	size_t naxes;
} axis_words[] = {
	{ "pcomm", { GROUP_AXIS_PCOMM }, 1 },
	{ "comm", { GROUP_AXIS_COMM }, 1 },
	{ "cgroup", { GROUP_AXIS_CGROUP }, 1 },
	{ "container", { GROUP_AXIS_POD_UID, GROUP_AXIS_CONTAINER_ID }, 2 },
};

const char *group_axis_name(enum group_axis a)
{
	return axis_names[a];
}

static int axis_word(const char *name, size_t n)
{
	for (int i = 0; i < (int)(sizeof(axis_words) / sizeof(axis_words[0])); i++)
		if (strlen(axis_words[i].name) == n && !strncmp(axis_words[i].name, name, n))
			return i;
	return -EINVAL;
}

static bool has_axis(const struct group_options *o, enum group_axis a)
{
	for (size_t i = 0; i < o->naxes; i++)
		if (o->axes[i] == a)
			return true;
	return false;
}

int group_axes_parse(const char *list, struct group_options *o)
{
	o->naxes = 0;
	while (*list) {
		size_t n = strcspn(list, ",");
		int w = axis_word(list, n);
		if (w < 0 || o->naxes + axis_words[w].naxes > GROUP_AXES_MAX)
			return -EINVAL;
		for (size_t k = 0; k < axis_words[w].naxes; k++) {
			if (has_axis(o, axis_words[w].axes[k]))
				return -EINVAL;
			o->axes[o->naxes++] = axis_words[w].axes[k];
		}
		list += n + (list[n] == ',');
	}
	return o->naxes ? 0 : -EINVAL;
}

/* pod_uid / container_id from the raw cgroup path (flatten and normalize do not apply). */
static int kube_label(const struct thread_state *t, enum group_axis a, struct strbuf *out)
{
	struct kube_ids ids;
	kube_ids_from_cgroup(t->cgroup, &ids);
	return strbuf_adds(out, a == GROUP_AXIS_POD_UID ? ids.pod_uid : ids.container_id);
}

int group_label(const struct thread_state *t, enum group_axis a,
		const struct group_options *o, struct strbuf *out)
{
	if (a == GROUP_AXIS_CGROUP) {
		const char *path = cgroup_flatten(t->cgroup, o->cgroup_flatten,
						  o->ncgroup_flatten);
		return o->cgroup_normalize ? cgroup_normalize(path, out) :
					     strbuf_adds(out, path);
	}
	if (a == GROUP_AXIS_POD_UID || a == GROUP_AXIS_CONTAINER_ID)
		return kube_label(t, a, out);
	const char *name = a == GROUP_AXIS_PCOMM ? t->pcomm : t->comm;
	return o->no_thread_normalize ? strbuf_adds(out, name) :
					pattern_key(name, out);
}

/*
 * One axis during a grouping: each distinct raw name (pcomm, comm or
 * cgroup path) is normalized once, however many threads share it, and
 * equal labels share one id.
 */
struct axis_memo {
	struct intern raws;   /* raw name -> raw id */
	size_t *label_of;     /* raw id -> label id */
	size_t cap;
	struct intern labels; /* label -> label id */
};

/* Everything a grouping keys threads by. */
struct grouping {
	const struct group_options *o;
	struct axis_memo memo[GROUP_AXES_MAX];
	struct intern tuples; /* label-id tuple -> group id */
	size_t *tuple_of;     /* group id * naxes + axis -> label id */
	size_t cap;
	const struct thread_state *last; /* the thread before, and its group */
	size_t last_gid;
};

/* The thread's string an axis's label is made from. */
static const char *axis_raw(const struct thread_state *t, enum group_axis a)
{
	switch (a) {
	case GROUP_AXIS_PCOMM: return t->pcomm;
	case GROUP_AXIS_COMM: return t->comm;
	default: return t->cgroup;
	}
}

/* Room for index i in *v (capacity *cap, doubling). 0 / -ENOMEM. */
static int reserve_index(size_t **v, size_t *cap, size_t i)
{
	if (i < *cap)
		return 0;
	size_t n = *cap ? *cap * 2 : 64;
	while (n <= i)
		n *= 2;
	size_t *grown = realloc(*v, n * sizeof(**v));
	if (!grown)
		return -ENOMEM;
	*v = grown;
	*cap = n;
	return 0;
}

/* The label id of raw name id raw (first seen: normalized now). */
static int memo_add(struct axis_memo *m, const struct thread_state *t, enum group_axis a,
		    const struct group_options *o, size_t raw)
{
	struct strbuf sb = STRBUF_INIT;
	size_t label;
	int rc = group_label(t, a, o, &sb);
	if (!rc)
		rc = reserve_index(&m->label_of, &m->cap, raw);
	if (!rc && intern_id(&m->labels, sb.buf, sb.len, &label) < 0)
		rc = -ENOMEM;
	if (!rc)
		m->label_of[raw] = label;
	strbuf_release(&sb);
	return rc;
}

static int memo_label(struct axis_memo *m, const struct thread_state *t, enum group_axis a,
		      const struct group_options *o, size_t *label)
{
	const char *raw = axis_raw(t, a);
	size_t id;
	int rc = intern_id(&m->raws, raw, strlen(raw), &id);
	if (rc < 0 || (rc == 1 && memo_add(m, t, a, o, id)))
		return -ENOMEM;
	*label = m->label_of[id];
	return 0;
}

/* Whether t has the raw names of the thread before (the threads of a process come in a row). */
static bool same_as_last(const struct grouping *gr, const struct thread_state *t)
{
	if (!gr->last)
		return false;
	for (size_t a = 0; a < gr->o->naxes; a++)
		if (strcmp(axis_raw(t, gr->o->axes[a]), axis_raw(gr->last, gr->o->axes[a])))
			return false;
	return true;
}

/* The group id of t: its label ids as one key. */
static int thread_group_id(struct grouping *gr, const struct thread_state *t, size_t *gid)
{
	size_t tuple[GROUP_AXES_MAX], naxes = gr->o->naxes;
	if (same_as_last(gr, t)) {
		*gid = gr->last_gid;
		return 0;
	}
	gr->last = t;
	for (size_t a = 0; a < naxes; a++)
		if (memo_label(&gr->memo[a], t, gr->o->axes[a], gr->o, &tuple[a]))
			return -ENOMEM;
	int rc = intern_id(&gr->tuples, tuple, naxes * sizeof(*tuple), gid);
	if (rc == 1 && !reserve_index(&gr->tuple_of, &gr->cap, (*gid + 1) * naxes - 1))
		memcpy(gr->tuple_of + *gid * naxes, tuple, naxes * sizeof(*tuple));
	else if (rc)
		return -ENOMEM;
	gr->last_gid = *gid;
	return 0;
}

static const char *group_id_label(const struct grouping *gr, size_t gid, size_t a)
{
	return intern_str(&gr->memo[a].labels, gr->tuple_of[gid * gr->o->naxes + a]);
}

/* Group ids in label order: label by label, byte order (a prefix first). */
static int cmp_group_id(const void *a, const void *b, void *arg)
{
	const struct grouping *gr = arg;
	size_t x = *(const size_t *)a, y = *(const size_t *)b;
	for (size_t i = 0; i < gr->o->naxes; i++) {
		int c = strcmp(group_id_label(gr, x, i), group_id_label(gr, y, i));
		if (c)
			return c;
	}
	return 0;
}

static void grouping_release(struct grouping *gr)
{
	for (size_t a = 0; a < GROUP_AXES_MAX; a++) {
		intern_release(&gr->memo[a].raws);
		intern_release(&gr->memo[a].labels);
		free(gr->memo[a].label_of);
	}
	intern_release(&gr->tuples);
	free(gr->tuple_of);
}

/* Open the groups in label order; rank[gid] is each group's place. */
static int open_groups(const struct grouping *gr, size_t *rank, struct group_set *out)
{
	size_t n = gr->tuples.len;
	size_t *order = malloc((n ? n : 1) * sizeof(*order));
	int rc = order ? 0 : -ENOMEM;
	for (size_t i = 0; !rc && i < n; i++)
		order[i] = i;
	if (!rc)
		qsort_r(order, n, sizeof(*order), cmp_group_id, (void *)gr);
	for (size_t r = 0; !rc && r < n; r++) {
		rank[order[r]] = r;
		out->len = r + 1; /* a failure below leaves this group's labels to release */
		for (size_t a = 0; !rc && a < out->naxes; a++)
			if (!(out->groups[r].labels[a] = strdup(group_id_label(gr, order[r], a))))
				rc = -ENOMEM;
	}
	free(order);
	return rc;
}

/* Members in thread order: a counting sort of the threads by group rank. */
static void place_members(const size_t *gids, const size_t *rank, size_t nthreads,
			  struct group_set *out)
{
	for (size_t i = 0; i < nthreads; i++)
		out->groups[rank[gids[i]]].nmembers++;
	size_t *p = out->store;
	for (size_t r = 0; r < out->len; r++) {
		out->groups[r].members = p;
		p += out->groups[r].nmembers;
		out->groups[r].nmembers = 0;
	}
	for (size_t i = 0; i < nthreads; i++) {
		struct thread_group *g = &out->groups[rank[gids[i]]];
		g->members[g->nmembers++] = i;
	}
}

static int build_groups(const struct grouping *gr, const size_t *gids, size_t nthreads,
			struct group_set *out)
{
	size_t n = gr->tuples.len;
	size_t *rank = malloc((n ? n : 1) * sizeof(*rank));
	out->groups = calloc(n ? n : 1, sizeof(*out->groups));
	out->store = malloc((nthreads ? nthreads : 1) * sizeof(*out->store));
	int rc = rank && out->groups && out->store ? open_groups(gr, rank, out) : -ENOMEM;
	if (!rc)
		place_members(gids, rank, nthreads, out);
	free(rank);
	return rc;
}

struct group_options group_options_resolve(const struct group_options *o)
{
	struct group_options r = *o;
	if (!r.naxes) {
		r.axes[0] = GROUP_AXIS_PCOMM;
		r.naxes = 1;
	}
	return r;
}

int group_threads(const struct ctprof_snapshot *s, const struct group_options *o,
		  struct group_set *out)
{
	struct group_options defaults = group_options_resolve(o);
	struct grouping gr = { .o = &defaults };
	memset(out, 0, sizeof(*out));
	memcpy(out->axes, defaults.axes, sizeof(out->axes));
	out->naxes = defaults.naxes;
	for (size_t a = 0; a < GROUP_AXES_MAX; a++) {
		strbuf_init(&gr.memo[a].raws.arena);
		strbuf_init(&gr.memo[a].labels.arena);
	}
	strbuf_init(&gr.tuples.arena);
	size_t *gids = malloc((s->nthreads ? s->nthreads : 1) * sizeof(*gids));
	int rc = gids ? 0 : -ENOMEM;
	for (size_t i = 0; !rc && i < s->nthreads; i++)
		rc = thread_group_id(&gr, &s->threads[i], &gids[i]);
	if (!rc)
		rc = build_groups(&gr, gids, s->nthreads, out);
	free(gids);
	grouping_release(&gr);
	if (rc)
		group_set_release(out);
	return rc;
}

void group_set_release(struct group_set *g)
{
	for (size_t i = 0; i < g->len; i++)
		group_labels_free(g->groups[i].labels);
	free(g->store);
	free(g->groups);
	memset(g, 0, sizeof(*g));
}

void group_labels_free(char *labels[GROUP_AXES_MAX])
{
	for (size_t a = 0; a < GROUP_AXES_MAX; a++) {
		free(labels[a]);
		labels[a] = NULL;
	}
}

int group_thread_labels(const struct thread_state *t, const struct group_options *o,
			char *labels[GROUP_AXES_MAX])
{
	struct group_options r = group_options_resolve(o);
	memset(labels, 0, GROUP_AXES_MAX * sizeof(*labels));
	for (size_t a = 0; a < r.naxes; a++) {
		struct strbuf sb = STRBUF_INIT;
		if (group_label(t, r.axes[a], &r, &sb) ||
		    !(labels[a] = strbuf_detach(&sb, NULL))) {
			strbuf_release(&sb);
			group_labels_free(labels);
			return -ENOMEM;
		}
	}
	return 0;
}

int group_labels_cmp(char *const a[], char *const b[], size_t naxes)
{
	for (size_t i = 0; i < naxes; i++) {
		int c = strcmp(a[i], b[i]);
		if (c)
			return c;
	}
	return 0;
}

int group_labels_dup(char *dst[GROUP_AXES_MAX], char *const src[], size_t naxes)
{
	memset(dst, 0, GROUP_AXES_MAX * sizeof(*dst));
	for (size_t a = 0; a < naxes; a++)
		if (!(dst[a] = strdup(src[a]))) {
			group_labels_free(dst);
			return -ENOMEM;
		}
	return 0;
}

/* A memberless group with copies of labels. */
static int group_open_empty(struct thread_group *g, char *const labels[], size_t naxes)
{
	memset(g, 0, sizeof(*g));
	return group_labels_dup(g->labels, labels, naxes);
}

int group_labels_order(char *const a[GROUP_AXES_MAX], char *const b[GROUP_AXES_MAX])
{
	size_t n = 0;
	while (n < GROUP_AXES_MAX && a[n])
		n++;
	return group_labels_cmp(a, b, n);
}

static int cmp_group(const void *a, const void *b)
{
	const struct thread_group *x = a, *y = b;
	return group_labels_order(x->labels, y->labels);
}

static int cmp_tuple_group(const void *key, const void *elem)
{
	const struct thread_group *g = elem;
	return group_labels_order((char *const *)key, g->labels);
}

/* Members point into g->store, so sorting the groups moves no member. */
int group_set_add_empty(struct group_set *g, char *const *const tuples[], size_t n)
{
	struct thread_group *grown = realloc(g->groups, (g->len + n + 1) * sizeof(*grown));
	size_t len = g->len;
	if (!grown)
		return -ENOMEM;
	g->groups = grown;
	for (size_t k = 0; k < n; k++) {
		if (bsearch(tuples[k], g->groups, g->len, sizeof(*g->groups), cmp_tuple_group))
			continue;
		if (group_open_empty(&g->groups[len++], tuples[k], g->naxes))
			goto out_drop_added;
	}
	g->len = len;
	qsort(g->groups, g->len, sizeof(*g->groups), cmp_group);
	return 0;
out_drop_added:
	for (size_t j = g->len; j < len; j++)
		group_labels_free(g->groups[j].labels);
	return -ENOMEM;
}

bool group_is_other(const struct group_set *g, size_t i)
{
	for (size_t a = 0; a < g->naxes; a++)
		if (strcmp(g->groups[i].labels[a], GROUP_OTHER_LABEL))
			return false;
	return true;
}

static bool folded(const struct group_set *g, const bool *fold, size_t i)
{
	return fold[i] || group_is_other(g, i);
}

/* The kept groups of g with other at its place in label order. */
static void fold_layout(const struct group_set *g, const bool *fold, struct thread_group *o,
			struct group_set *out, size_t *other)
{
	bool placed = false;
	for (size_t i = 0; i < g->len; i++) {
		if (folded(g, fold, i))
			continue;
		if (!placed && group_labels_cmp(g->groups[i].labels, o->labels, g->naxes) > 0) {
			*other = out->len;
			out->groups[out->len++] = *o;
			placed = true;
		}
		out->groups[out->len++] = g->groups[i];
	}
	if (!placed) {
		*other = out->len;
		out->groups[out->len++] = *o;
	}
}

/* Copy each group's members into out->store; other gathers the folded ones. */
static void fold_members(const struct group_set *g, const bool *fold, struct group_set *out,
			 size_t other)
{
	size_t *p = out->store;
	for (size_t k = 0; k < out->len; k++) {
		struct thread_group *dst = &out->groups[k];
		const size_t *src = dst->members;
		size_t n = dst->nmembers;
		dst->members = p;
		for (size_t i = 0; k == other && i < g->len; i++) {
			if (!folded(g, fold, i) || !g->groups[i].nmembers)
				continue;
			memcpy(p + n, g->groups[i].members, g->groups[i].nmembers * sizeof(*p));
			n += g->groups[i].nmembers;
		}
		if (k != other && n)
			memcpy(p, src, n * sizeof(*p));
		dst->nmembers = n;
		dst->members = n ? p : NULL;
		p += n;
	}
}

_Static_assert(GROUP_AXES_MAX == 5, "group_set_fold's other_labels names every axis");

int group_set_fold(struct group_set *g, const bool *fold, size_t *other)
{
	char *const other_labels[GROUP_AXES_MAX] = { GROUP_OTHER_LABEL, GROUP_OTHER_LABEL,
						     GROUP_OTHER_LABEL, GROUP_OTHER_LABEL,
						     GROUP_OTHER_LABEL };
	struct group_set out = { .naxes = g->naxes };
	struct thread_group o;
	size_t nthreads = 0;
	memcpy(out.axes, g->axes, sizeof(out.axes));
	for (size_t i = 0; i < g->len; i++)
		nthreads += g->groups[i].nmembers;
	out.groups = calloc(g->len + 1, sizeof(*out.groups));
	out.store = malloc((nthreads ? nthreads : 1) * sizeof(*out.store));
	if (!out.groups || !out.store || group_open_empty(&o, other_labels, g->naxes))
		goto out_free_set;
	fold_layout(g, fold, &o, &out, other);
	fold_members(g, fold, &out, *other);
	for (size_t i = 0; i < g->len; i++)
		if (folded(g, fold, i))
			group_labels_free(g->groups[i].labels);
	free(g->groups);
	free(g->store);
	*g = out;
	return 0;
out_free_set:
	free(out.store);
	free(out.groups);
	return -ENOMEM;
}
