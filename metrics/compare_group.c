/*
 * compare_group.c - ktstr's grouping of one or two snapshots.
 *
 * Every thread of both sides gets a key; sorting (key, side, index) triples
 * makes each key's baseline and candidate threads contiguous, so pairing
 * the two sides is one walk with no hash table, and groups come out in key
 * byte order (Rust's BTreeMap<String> order). Keys of one thread depend on
 * the other snapshot only through the singleton-revert counts and the
 * cgroup key map, both built over the union first.
 */
#include "compare_group.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pattern.h"

static const char *const group_by_names[] = {
	[COMPARE_BY_PCOMM] = "pcomm",
	[COMPARE_BY_CGROUP] = "cgroup",
	[COMPARE_BY_COMM] = "comm",
	[COMPARE_BY_COMM_EXACT] = "comm-exact",
	[COMPARE_BY_ALL] = "all",
};

int compare_group_by_parse(const char *s, enum compare_group_by *out)
{
	for (size_t i = 0; i < sizeof(group_by_names) / sizeof(group_by_names[0]); i++)
		if (!strcmp(s, group_by_names[i])) {
			*out = (enum compare_group_by)i;
			return 0;
		}
	return -EINVAL;
}

const char *compare_group_by_name(enum compare_group_by g)
{
	return group_by_names[g];
}

size_t compare_group_parts(enum compare_group_by g)
{
	return g == COMPARE_BY_ALL ? 3 : 1;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* A sorted, NULL-free array of owned strings. */
struct str_list {
	char **items;
	size_t len, cap;
};

static int str_list_push(struct str_list *l, char *s)
{
	if (!s)
		return -ENOMEM;
	if (l->len == l->cap) {
		size_t cap = l->cap ? 2 * l->cap : 64;
		char **grown = realloc(l->items, cap * sizeof(*grown));
		if (!grown) {
			free(s);
			return -ENOMEM;
		}
		l->items = grown;
		l->cap = cap;
	}
	l->items[l->len++] = s;
	return 0;
}

/* qsort wants a non-NULL base even for no elements. */
static void str_list_sort(struct str_list *l)
{
	if (l->len)
		qsort(l->items, l->len, sizeof(*l->items), cmp_str);
}

static void str_list_release(struct str_list *l)
{
	for (size_t i = 0; i < l->len; i++)
		free(l->items[i]);
	free(l->items);
	memset(l, 0, sizeof(*l));
}

static bool key_map_wanted(const struct compare_options *o)
{
	return (o->group_by == COMPARE_BY_CGROUP || o->group_by == COMPARE_BY_ALL) &&
	       !o->no_cg_normalize;
}

static const char *flatten(const struct compare_options *o, const char *path)
{
	return cgroup_flatten(path, o->flatten, o->nflatten);
}

/* Every flattened cgroup path either snapshot names, threads and stats. */
static int collect_paths(const struct ctprof_snapshot *const snap[2],
			 const struct compare_options *o, struct str_list *paths)
{
	for (size_t s = 0; s < 2; s++) {
		if (!snap[s])
			continue;
		for (size_t i = 0; i < snap[s]->nthreads; i++)
			if (str_list_push(paths, strdup(flatten(o, snap[s]->threads[i].cgroup))))
				return -ENOMEM;
		for (size_t i = 0; i < snap[s]->ncgroups; i++)
			if (str_list_push(paths, strdup(flatten(o, snap[s]->cgroups[i].path))))
				return -ENOMEM;
	}
	str_list_sort(paths);
	return 0;
}

/*
 * ktstr's key map. Its tighten layer only restores positions that were
 * already literal, so each key is the layer-2 skeleton of its own path; the
 * map saves normalizing the same path once per thread.
 */
static int build_key_map(const struct ctprof_snapshot *const snap[2],
			 const struct compare_options *o, struct str_map *map)
{
	struct str_list paths = { 0 };
	struct strbuf key = STRBUF_INIT;
	int rc = collect_paths(snap, o, &paths);
	for (size_t i = 0; !rc && i < paths.len; i++) {
		if (i && !strcmp(paths.items[i], paths.items[i - 1]))
			continue;
		strbuf_reset(&key);
		rc = cgroup_normalize(paths.items[i], &key);
		if (!rc)
			rc = str_map_set(map, paths.items[i], key.buf);
	}
	strbuf_release(&key);
	str_list_release(&paths);
	return rc;
}

static const char *key_map_find(const struct str_map *m, const char *path)
{
	size_t lo = 0, hi = m->len;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp(path, m->items[mid].key);
		if (!c)
			return m->items[mid].value;
		if (c < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return NULL;
}

int compare_cgroup_key(const struct compare_groups *g, const struct compare_options *o,
		       const char *path, struct strbuf *out)
{
	const char *flat = flatten(o, path);
	if (!key_map_wanted(o))
		return strbuf_adds(out, flat);
	const char *key = key_map_find(&g->cgroup_keys, flat);
	return key ? strbuf_adds(out, key) : cgroup_normalize(flat, out);
}

static const char *thread_name(const struct thread_state *t, enum compare_group_by g)
{
	return g == COMPARE_BY_PCOMM ? t->pcomm : t->comm;
}

static bool revert_wanted(const struct compare_options *o)
{
	return (o->group_by == COMPARE_BY_PCOMM || o->group_by == COMPARE_BY_COMM) &&
	       !o->no_thread_normalize;
}

/* Skeleton -> number of THREADS (both sides) whose name maps to it. */
static int build_revert_counts(const struct ctprof_snapshot *const snap[2],
			       const struct compare_options *o, struct kv_map *counts)
{
	struct str_list skel = { 0 };
	struct strbuf sb = STRBUF_INIT;
	int rc = 0;
	for (size_t s = 0; !rc && s < 2; s++)
		for (size_t i = 0; !rc && snap[s] && i < snap[s]->nthreads; i++) {
			strbuf_reset(&sb);
			rc = pattern_key(thread_name(&snap[s]->threads[i], o->group_by), &sb);
			if (!rc)
				rc = str_list_push(&skel, strdup(sb.buf));
		}
	if (!rc)
		str_list_sort(&skel);
	for (size_t i = 0, run = 0; !rc && i < skel.len; i++) {
		run++;
		if (i + 1 < skel.len && !strcmp(skel.items[i], skel.items[i + 1]))
			continue;
		rc = kv_map_set(counts, skel.items[i], run);
		run = 0;
	}
	strbuf_release(&sb);
	str_list_release(&skel);
	return rc;
}

/* pcomm / comm axis: skeleton, or the literal when fewer than 2 threads share it. */
static int name_key(const char *name, const struct compare_options *o,
		    const struct kv_map *counts, struct strbuf *out)
{
	if (o->no_thread_normalize)
		return strbuf_adds(out, name);
	size_t start = out->len;
	if (pattern_key(name, out))
		return -ENOMEM;
	if (!counts)
		return 0;
	const struct kv_u64 *c = kv_map_find(counts, out->buf + start);
	if (c && c->value >= 2)
		return 0;
	out->len = start;
	out->buf[start] = '\0';
	return strbuf_adds(out, name);
}

static int all_key(const struct compare_groups *g, const struct compare_options *o,
		   const struct thread_state *t, struct strbuf *out)
{
	if (compare_cgroup_key(g, o, t->cgroup, out) || strbuf_addch(out, '\0') ||
	    name_key(t->pcomm, o, NULL, out) || strbuf_addch(out, '\0'))
		return -ENOMEM;
	return name_key(t->comm, o, NULL, out);
}

static int thread_key(const struct compare_groups *g, const struct compare_options *o,
		      const struct kv_map *counts, const struct thread_state *t,
		      struct strbuf *out)
{
	switch (o->group_by) {
	case COMPARE_BY_CGROUP:
		return compare_cgroup_key(g, o, t->cgroup, out);
	case COMPARE_BY_COMM_EXACT:
		return strbuf_adds(out, t->comm);
	case COMPARE_BY_ALL:
		return all_key(g, o, t, out);
	default:
		return name_key(thread_name(t, o->group_by), o, counts, out);
	}
}

int compare_smaps_key(const struct compare_groups *g, const struct compare_options *o,
		      const struct thread_state *t, struct strbuf *out)
{
	if (o->group_by == COMPARE_BY_ALL &&
	    (compare_cgroup_key(g, o, t->cgroup, out) || strbuf_addch(out, '\0')))
		return -ENOMEM;
	if (o->no_thread_normalize)
		return strbuf_addf(out, "%s[%u]", t->pcomm, (unsigned)t->tgid);
	return pattern_key(t->pcomm, out);
}

struct keyed {
	char *key;
	size_t klen;
	size_t side;
	size_t index;
};

int compare_key_cmp(const char *a, size_t alen, const char *b, size_t blen)
{
	int c = memcmp(a, b, alen < blen ? alen : blen);
	return c ? c : (alen > blen) - (alen < blen);
}

/* Key, then side, then thread order: each side's members stay contiguous. */
static int cmp_keyed(const void *a, const void *b)
{
	const struct keyed *x = a, *y = b;
	int c = compare_key_cmp(x->key, x->klen, y->key, y->klen);
	if (c)
		return c;
	if (x->side != y->side)
		return x->side < y->side ? -1 : 1;
	return x->index < y->index ? -1 : x->index > y->index;
}

static bool in_group(const struct keyed *k, const struct compare_group *g)
{
	return !compare_key_cmp(k->key, k->klen, g->key, g->klen);
}

static int key_threads(const struct ctprof_snapshot *const snap[2],
		       const struct compare_options *o, const struct compare_groups *g,
		       const struct kv_map *counts, struct keyed *keys)
{
	struct strbuf sb = STRBUF_INIT;
	size_t n = 0;
	for (size_t s = 0; s < 2; s++)
		for (size_t i = 0; snap[s] && i < snap[s]->nthreads; i++, n++) {
			keys[n] = (struct keyed){ .side = s, .index = i };
			if (thread_key(g, o, counts, &snap[s]->threads[i], &sb) ||
			    !(keys[n].key = strbuf_detach(&sb, &keys[n].klen))) {
				strbuf_release(&sb);
				return -ENOMEM;
			}
		}
	return 0;
}

static uint64_t mean_start(const struct ctprof_snapshot *s, const struct thread_group *tg)
{
	uint64_t sum = 0, n = 0;
	for (size_t i = 0; i < tg->nmembers; i++) {
		uint64_t v = s->threads[tg->members[i]].start_time_clock_ticks;
		if (v) {
			sum += v;
			n++;
		}
	}
	return n ? sum / n : 0;
}

/*
 * One group per run of equal keys, owning the run's first key; store[]
 * holds the sorted thread indices each side's members point into.
 */
static void pair_groups(const struct ctprof_snapshot *const snap[2], struct keyed *keys,
			size_t n, struct compare_groups *out)
{
	for (size_t i = 0; i < n; i++) {
		if (!out->len || !in_group(&keys[i], &out->groups[out->len - 1])) {
			struct compare_group *cg = &out->groups[out->len++];
			cg->key = keys[i].key;
			cg->klen = keys[i].klen;
			keys[i].key = NULL;
		}
		struct thread_group *tg = &out->groups[out->len - 1].side[keys[i].side];
		out->store[i] = keys[i].index;
		if (!tg->nmembers)
			tg->members = out->store + i;
		tg->nmembers++;
	}
	for (size_t i = 0; i < out->len; i++)
		for (size_t s = 0; s < 2; s++)
			if (out->groups[i].side[s].nmembers)
				out->groups[i].avg_start[s] =
					mean_start(snap[s], &out->groups[i].side[s]);
}

static int group_keyed(const struct ctprof_snapshot *const snap[2],
		       const struct compare_options *o, const struct kv_map *counts,
		       struct compare_groups *out)
{
	size_t n = snap[0]->nthreads + (snap[1] ? snap[1]->nthreads : 0);
	struct keyed *keys = calloc(n ? n : 1, sizeof(*keys));
	int rc = -ENOMEM;
	out->groups = calloc(n ? n : 1, sizeof(*out->groups));
	out->store = malloc((n ? n : 1) * sizeof(*out->store));
	if (keys && out->groups && out->store)
		rc = key_threads(snap, o, out, counts, keys);
	if (!rc) {
		qsort(keys, n, sizeof(*keys), cmp_keyed);
		pair_groups(snap, keys, n, out);
	}
	for (size_t i = 0; keys && i < n; i++)
		free(keys[i].key);
	free(keys);
	return rc;
}

int compare_groups_build(const struct ctprof_snapshot *const snap[2],
			 const struct compare_options *o, struct compare_groups *out)
{
	struct kv_map counts = { 0 };
	int rc = 0;
	memset(out, 0, sizeof(*out));
	if (key_map_wanted(o))
		rc = build_key_map(snap, o, &out->cgroup_keys);
	if (!rc && revert_wanted(o))
		rc = build_revert_counts(snap, o, &counts);
	if (!rc)
		rc = group_keyed(snap, o, revert_wanted(o) ? &counts : NULL, out);
	kv_map_release(&counts);
	if (rc)
		compare_groups_release(out);
	return rc;
}

void compare_groups_release(struct compare_groups *g)
{
	for (size_t i = 0; g->groups && i < g->len; i++)
		free(g->groups[i].key);
	free(g->groups);
	free(g->store);
	str_map_release(&g->cgroup_keys);
	memset(g, 0, sizeof(*g));
}
