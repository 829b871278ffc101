/*
 * group.c - thread grouping. Each thread's key is its label values joined
 * by NUL; sorting (key, thread index) pairs makes groups contiguous and the
 * output order deterministic without a hash table.
 */
#include "group.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "pattern.h"
#include "strbuf.h"

static const char *const axis_names[] = {
	[GROUP_AXIS_PCOMM] = "pcomm",
	[GROUP_AXIS_COMM] = "comm",
	[GROUP_AXIS_CGROUP] = "cgroup",
};

const char *group_axis_name(enum group_axis a)
{
	return axis_names[a];
}

static int axis_from_name(const char *name, size_t n, enum group_axis *a)
{
	for (int i = 0; i < (int)(sizeof(axis_names) / sizeof(axis_names[0])); i++)
		if (strlen(axis_names[i]) == n && !strncmp(axis_names[i], name, n)) {
			*a = (enum group_axis)i;
			return 0;
		}
	return -EINVAL;
}

int group_axes_parse(const char *list, struct group_options *o)
{
	o->naxes = 0;
	while (*list) {
		size_t n = strcspn(list, ",");
		enum group_axis a;
		if (axis_from_name(list, n, &a) || o->naxes == GROUP_AXES_MAX)
			return -EINVAL;
		for (size_t i = 0; i < o->naxes; i++)
			if (o->axes[i] == a)
				return -EINVAL;
		o->axes[o->naxes++] = a;
		list += n + (list[n] == ',');
	}
	return o->naxes ? 0 : -EINVAL;
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

static int build_groups(struct keyed_thread *keys, size_t n, struct group_set *out)
{
	out->groups = calloc(n ? n : 1, sizeof(*out->groups));
	size_t *members = malloc((n ? n : 1) * sizeof(*members));
	if (!out->groups || !members) {
		free(members);
		return -ENOMEM;
	}
	for (size_t i = 0; i < n; i++) {
		bool same = i && keys[i].klen == keys[i - 1].klen &&
			    !memcmp(keys[i].key, keys[i - 1].key, keys[i].klen);
		if (!same && group_open(&out->groups[out->len++], &keys[i], out->naxes)) {
			free(members);
			return -ENOMEM;
		}
		struct thread_group *g = &out->groups[out->len - 1];
		if (!g->members)
			g->members = members + i;
		g->nmembers++;
	}
	/* Groups point into one array; the first group owns it. */
	if (!out->len)
		free(members);
	return 0;
}

int group_threads(const struct ctprof_snapshot *s, const struct group_options *o,
		  struct group_set *out)
{
	struct group_options defaults = *o;
	if (!defaults.naxes) {
		defaults.axes[0] = GROUP_AXIS_PCOMM;
		defaults.naxes = 1;
	}
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
		out->groups[0].members[i] = keys[i].index;
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
		for (size_t a = 0; a < GROUP_AXES_MAX; a++)
			free(g->groups[i].labels[a]);
	if (g->len)
		free(g->groups[0].members);
	free(g->groups);
	memset(g, 0, sizeof(*g));
}
