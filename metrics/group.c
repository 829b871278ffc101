/*
 * group.c - thread grouping. Each thread's key is its label values joined
 * by NUL; sorting (key, thread index) pairs makes groups contiguous and the
 * output order deterministic without a hash table. Joined keys compare
 * like label tuples (NUL sorts first), so group_labels_cmp keeps the same
 * order when memberless and folded groups are added.
 */
#include "group.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

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

struct keyed_thread {
	char *key; /* labels joined by '\0', total length klen */
	size_t klen;
	size_t index;
};

static int cmp_keyed(const void *a, const void *b)
{
	const struct keyed_thread *x = a, *y = b;
	size_t n = x->klen < y->klen ? x->klen : y->klen;
	int c = memcmp(x->key, y->key, n);
	if (c)
		return c;
	if (x->klen != y->klen)
		return x->klen < y->klen ? -1 : 1;
	return x->index < y->index ? -1 : x->index > y->index;
}

static int thread_key(const struct thread_state *t, const struct group_options *o,
		      struct keyed_thread *k)
{
	struct strbuf sb = STRBUF_INIT;
	for (size_t i = 0; i < o->naxes; i++)
		if (group_label(t, o->axes[i], o, &sb) || strbuf_addch(&sb, '\0')) {
			strbuf_release(&sb);
			return -ENOMEM;
		}
	k->key = strbuf_detach(&sb, &k->klen);
	return k->key ? 0 : -ENOMEM;
}

/* Start a group from the key of its first member. */
static int group_open(struct thread_group *g, const struct keyed_thread *k,
		      size_t naxes)
{
	const char *p = k->key;
	memset(g, 0, sizeof(*g));
	for (size_t i = 0; i < naxes; i++) {
		if (!(g->labels[i] = strdup(p)))
			return -ENOMEM;
		p += strlen(p) + 1;
	}
	return 0;
}

/* Groups point into one array, out->store. */
static int build_groups(struct keyed_thread *keys, size_t n, struct group_set *out)
{
	out->groups = calloc(n ? n : 1, sizeof(*out->groups));
	out->store = malloc((n ? n : 1) * sizeof(*out->store));
	if (!out->groups || !out->store)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		bool same = i && keys[i].klen == keys[i - 1].klen &&
			    !memcmp(keys[i].key, keys[i - 1].key, keys[i].klen);
		if (!same && group_open(&out->groups[out->len++], &keys[i], out->naxes))
			return -ENOMEM;
		struct thread_group *g = &out->groups[out->len - 1];
		if (!g->members)
			g->members = out->store + i;
		g->nmembers++;
	}
	return 0;
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
	memset(out, 0, sizeof(*out));
	memcpy(out->axes, defaults.axes, sizeof(out->axes));
	out->naxes = defaults.naxes;
	struct keyed_thread *keys = calloc(s->nthreads ? s->nthreads : 1, sizeof(*keys));
	int rc = keys ? 0 : -ENOMEM;
	for (size_t i = 0; !rc && i < s->nthreads; i++) {
		keys[i].index = i;
		rc = thread_key(&s->threads[i], &defaults, &keys[i]);
	}
	if (!rc) {
		qsort(keys, s->nthreads, sizeof(*keys), cmp_keyed);
		rc = build_groups(keys, s->nthreads, out);
	}
	for (size_t i = 0; !rc && i < s->nthreads; i++)
		out->store[i] = keys[i].index;
	for (size_t i = 0; keys && i < s->nthreads; i++)
		free(keys[i].key);
	free(keys);
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
