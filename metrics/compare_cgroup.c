/*
 * compare_cgroup.c - the per-cgroup tables of --group-by cgroup (ktstr's
 * report/cgroup): CgroupStats, limits and knobs, memory.stat,
 * memory.events and pressure, one key per flattened and normalized cgroup
 * path. Stats of paths sharing a key merge as ktstr's flatten_cgroup_stats
 * merges them: counters add, gauges (memory.current, pool-size memory.stat
 * keys, PSI averages) take the max, limits the larger but "no limit" wins,
 * floors the smaller but "no floor" wins. Comparing, memory.stat and
 * memory.events keys that did not change make no row.
 */
#include "compare_rows.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "aggregate.h"
#include "compare_format.h"

static void set_opt(struct cmp_value *v, bool present, struct opt_u64 o)
{
	*v = (struct cmp_value){ .present = present };
	if (present && o.present)
		compare_set_u64(v, o.value);
}

/* memory.stat keys that are point-in-time pool sizes: merged by max. */
static const char *const memory_stat_gauges[] = {
	"anon", "file", "kernel", "kernel_stack", "pagetables", "sec_pagetables",
	"percpu", "sock", "vmalloc", "shmem", "zswap", "zswapped", "file_mapped",
	"file_dirty", "file_writeback", "swapcached", "anon_thp", "file_thp",
	"shmem_thp", "inactive_anon", "active_anon", "inactive_file", "active_file",
	"unevictable", "slab_reclaimable", "slab_unreclaimable", "slab", "hugetlb",
};

static bool stat_is_gauge(const char *key)
{
	for (size_t i = 0; i < sizeof(memory_stat_gauges) / sizeof(memory_stat_gauges[0]); i++)
		if (!strcmp(key, memory_stat_gauges[i]))
			return true;
	return false;
}

static int merge_memory_stat(struct kv_map *m, const struct kv_map *src)
{
	for (size_t i = 0; i < src->len; i++) {
		const struct kv_u64 *cur = kv_map_find(m, src->items[i].key);
		uint64_t v = src->items[i].value;
		if (cur)
			v = stat_is_gauge(cur->key) ? (cur->value > v ? cur->value : v) :
						      u64_sat_add(cur->value, v);
		if (kv_map_set(m, src->items[i].key, v))
			return -ENOMEM;
	}
	return 0;
}

/* Limits: the larger, but "no limit" on either side wins. */
static struct opt_u64 merge_limit(struct opt_u64 a, struct opt_u64 b)
{
	if (!a.present || !b.present)
		return (struct opt_u64){ 0 };
	return a.value > b.value ? a : b;
}

/* Floors: the smaller, but "no floor" on either side wins. */
static struct opt_u64 merge_floor(struct opt_u64 a, struct opt_u64 b)
{
	if (!a.present || !b.present)
		return (struct opt_u64){ 0 };
	return a.value < b.value ? a : b;
}

static void merge_cpu(struct cgroup_cpu_stats *d, const struct cgroup_cpu_stats *s)
{
	d->usage_usec = u64_sat_add(d->usage_usec, s->usage_usec);
	d->nr_throttled = u64_sat_add(d->nr_throttled, s->nr_throttled);
	d->throttled_usec = u64_sat_add(d->throttled_usec, s->throttled_usec);
	d->max_quota_us = merge_limit(d->max_quota_us, s->max_quota_us);
	d->max_period_us = d->max_period_us > s->max_period_us ? d->max_period_us :
								 s->max_period_us;
	d->weight = merge_limit(d->weight, s->weight);
	d->weight_nice.present = d->weight_nice.present && s->weight_nice.present;
	if (s->weight_nice.value > d->weight_nice.value)
		d->weight_nice.value = s->weight_nice.value;
}

static int merge_memory(struct cgroup_memory_stats *d, const struct cgroup_memory_stats *s)
{
	d->current = d->current > s->current ? d->current : s->current;
	d->max = merge_limit(d->max, s->max);
	d->high = merge_limit(d->high, s->high);
	d->low = merge_floor(d->low, s->low);
	d->min = merge_floor(d->min, s->min);
	if (merge_memory_stat(&d->stat, &s->stat))
		return -ENOMEM;
	return compare_add_bytes(&d->events, &s->events, false);
}

static void merge_pids(struct cgroup_pids_stats *d, const struct cgroup_pids_stats *s)
{
	if (d->current.present && s->current.present)
		d->current.value = u64_sat_add(d->current.value, s->current.value);
	else if (s->current.present)
		d->current = s->current;
	d->max = merge_limit(d->max, s->max);
}

static void merge_psi_half(struct psi_half *d, const struct psi_half *s)
{
	d->avg10 = d->avg10 > s->avg10 ? d->avg10 : s->avg10;
	d->avg60 = d->avg60 > s->avg60 ? d->avg60 : s->avg60;
	d->avg300 = d->avg300 > s->avg300 ? d->avg300 : s->avg300;
	d->total_usec = u64_sat_add(d->total_usec, s->total_usec);
}

static void merge_psi_resource(struct psi_resource *d, const struct psi_resource *s)
{
	merge_psi_half(&d->some, &s->some);
	merge_psi_half(&d->full, &s->full);
}

/* ktstr's flatten_cgroup_stats merge: counters add, gauges max, limits widen. */
static int merge_cgroup(struct cgroup_stats *d, const struct cgroup_stats *s)
{
	merge_cpu(&d->cpu, &s->cpu);
	merge_pids(&d->pids, &s->pids);
	merge_psi_resource(&d->psi.cpu, &s->psi.cpu);
	merge_psi_resource(&d->psi.memory, &s->psi.memory);
	merge_psi_resource(&d->psi.io, &s->psi.io);
	merge_psi_resource(&d->psi.irq, &s->psi.irq);
	return merge_memory(&d->memory, &s->memory);
}

struct cg_entry {
	const char *key; /* in the arena */
	const struct cgroup_stats *src;
	struct cgroup_stats st; /* the merge of every src with this key */
};

struct cg_side {
	struct cg_entry *e;
	size_t len;
};

static int cmp_entry(const void *a, const void *b)
{
	const struct cg_entry *x = a, *y = b;
	int c = strcmp(x->key, y->key);
	return c ? c : (x->src > y->src) - (x->src < y->src);
}

/* The first contributor verbatim (maps copied), the rest merged in. */
static int merge_entries(struct cg_side *side, size_t n)
{
	size_t out = 0;
	for (size_t i = 0; i < n; out++) {
		struct cg_entry *dst = &side->e[out];
		const struct cgroup_stats *first = side->e[i].src;
		dst->key = side->e[i].key;
		dst->st = *first;
		dst->st.path = NULL;
		dst->st.memory.stat = (struct kv_map){ 0 };
		dst->st.memory.events = (struct kv_map){ 0 };
		side->len = out + 1;
		if (compare_add_bytes(&dst->st.memory.stat, &first->memory.stat, false) ||
		    compare_add_bytes(&dst->st.memory.events, &first->memory.events, false))
			return -ENOMEM;
		for (i++; i < n && !strcmp(side->e[i].key, dst->key); i++)
			if (merge_cgroup(&dst->st, side->e[i].src))
				return -ENOMEM;
	}
	return 0;
}

static int cg_collect(struct compare_result *res, const struct ctprof_snapshot *s,
		      const struct compare_options *o, struct cg_side *side)
{
	struct strbuf sb = STRBUF_INIT;
	int rc = 0;
	side->e = calloc(s->ncgroups ? s->ncgroups : 1, sizeof(*side->e));
	if (!side->e)
		return -ENOMEM;
	for (size_t i = 0; !rc && i < s->ncgroups; i++) {
		strbuf_reset(&sb);
		side->e[i].src = &s->cgroups[i];
		rc = compare_cgroup_key(&res->groups, o, s->cgroups[i].path, &sb);
		if (!rc && !(side->e[i].key = compare_arena_dup(res, sb.buf, sb.len)))
			rc = -ENOMEM;
	}
	strbuf_release(&sb);
	if (rc)
		return rc;
	qsort(side->e, s->ncgroups, sizeof(*side->e), cmp_entry);
	return merge_entries(side, s->ncgroups);
}

static void cg_release(struct cg_side *side)
{
	for (size_t i = 0; i < side->len; i++)
		cgroup_stats_release(&side->e[i].st);
	free(side->e);
	memset(side, 0, sizeof(*side));
}

/* Every key of either side, in key order, with its stats on each side. */
struct cg_pair {
	const char *key;
	const struct cgroup_stats *st[2];
};

static size_t pair_cgroups(const struct cg_side side[2], struct cg_pair *pairs)
{
	size_t i = 0, j = 0, n = 0;
	while (i < side[0].len || j < side[1].len) {
		int c = i == side[0].len ? 1 :
			j == side[1].len ? -1 :
					   strcmp(side[0].e[i].key, side[1].e[j].key);
		pairs[n].key = c <= 0 ? side[0].e[i].key : side[1].e[j].key;
		pairs[n].st[0] = c <= 0 ? &side[0].e[i++].st : NULL;
		pairs[n].st[1] = c >= 0 ? &side[1].e[j++].st : NULL;
		n++;
	}
	return n;
}

struct cg_counter {
	const char *name;
	enum compare_ladder ladder;
	uint64_t (*get)(const struct cgroup_stats *s);
};

static uint64_t get_usage(const struct cgroup_stats *s) { return s->cpu.usage_usec; }
static uint64_t get_throttled(const struct cgroup_stats *s) { return s->cpu.nr_throttled; }
static uint64_t get_throttled_usec(const struct cgroup_stats *s) { return s->cpu.throttled_usec; }
static uint64_t get_current(const struct cgroup_stats *s) { return s->memory.current; }

static const struct cg_counter cg_counters[] = {
	{ "cpu_usage_usec", LADDER_US, get_usage },
	{ "nr_throttled", LADDER_UNITLESS, get_throttled },
	{ "throttled_usec", LADDER_US, get_throttled_usec },
	{ "memory_current", LADDER_BYTES, get_current },
};

static int cgroup_stats_rows(struct compare_result *res, const struct cg_pair *p)
{
	for (size_t i = 0; i < sizeof(cg_counters) / sizeof(cg_counters[0]); i++) {
		struct cmp_row *row = compare_keyed_row(res, CMP_TABLE_CGROUP_STATS, CMP_SEC_CGROUP_STATS,
						p->key, cg_counters[i].name, cg_counters[i].ladder);
		if (!row)
			return -ENOMEM;
		for (size_t s = 0; s < 2; s++)
			if (p->st[s])
				compare_set_u64(&row->v[s], cg_counters[i].get(p->st[s]));
		compare_row_finish(res, row);
	}
	return 0;
}

static bool has_limits(const struct cgroup_stats *s)
{
	return s && (s->cpu.max_quota_us.present || s->cpu.weight.present ||
		     s->memory.max.present || s->memory.high.present ||
		     s->pids.current.present || s->pids.max.present);
}

/* A limit's value: the bound, or "max" for no limit. */
static void set_limit(struct cmp_value *v, const struct cgroup_stats *s, struct opt_u64 o)
{
	set_opt(v, s != NULL, o);
	if (s && !o.present)
		v->text = "max";
}

/* cpu.max as "<quota|max>/<period>" on the µs ladder. */
static int set_cpu_max(struct compare_result *res, struct cmp_value *v,
		       const struct cgroup_stats *s)
{
	struct strbuf sb = STRBUF_INIT;
	int rc = 0;
	*v = (struct cmp_value){ .present = s != NULL };
	if (!s)
		return 0;
	if (s->cpu.max_quota_us.present)
		rc = compare_fmt_u64(&sb, s->cpu.max_quota_us.value, LADDER_US);
	else
		rc = strbuf_adds(&sb, "max");
	if (!rc && (strbuf_addch(&sb, '/') ||
		    compare_fmt_u64(&sb, s->cpu.max_period_us, LADDER_US)))
		rc = -ENOMEM;
	if (!rc && !(v->text = compare_arena_dup(res, sb.buf, sb.len)))
		rc = -ENOMEM;
	strbuf_release(&sb);
	return rc;
}

enum limit_id { LIM_CPU_MAX, LIM_WEIGHT, LIM_MEM_MAX, LIM_MEM_HIGH, LIM_PIDS_CUR, LIM_PIDS_MAX };

static const struct {
	const char *name;
	enum compare_ladder ladder;
} limit_rows[] = {
	[LIM_CPU_MAX] = { "cpu.max", LADDER_NONE },
	[LIM_WEIGHT] = { "cpu.weight", LADDER_UNITLESS },
	[LIM_MEM_MAX] = { "memory.max", LADDER_BYTES },
	[LIM_MEM_HIGH] = { "memory.high", LADDER_BYTES },
	[LIM_PIDS_CUR] = { "pids.current", LADDER_UNITLESS },
	[LIM_PIDS_MAX] = { "pids.max", LADDER_UNITLESS },
};

static int limit_value(struct compare_result *res, enum limit_id id,
		       const struct cgroup_stats *s, struct cmp_value *v)
{
	switch (id) {
	case LIM_CPU_MAX: return set_cpu_max(res, v, s);
	case LIM_WEIGHT: set_opt(v, s != NULL, s ? s->cpu.weight : (struct opt_u64){ 0 }); break;
	case LIM_MEM_MAX: set_limit(v, s, s ? s->memory.max : (struct opt_u64){ 0 }); break;
	case LIM_MEM_HIGH: set_limit(v, s, s ? s->memory.high : (struct opt_u64){ 0 }); break;
	case LIM_PIDS_CUR:
		set_opt(v, s != NULL, s ? s->pids.current : (struct opt_u64){ 0 });
		break;
	case LIM_PIDS_MAX: set_limit(v, s, s ? s->pids.max : (struct opt_u64){ 0 }); break;
	}
	return 0;
}

static int limits_rows(struct compare_result *res, const struct cg_pair *p)
{
	if (!has_limits(p->st[0]) && !has_limits(p->st[1]))
		return 0;
	for (size_t id = 0; id < sizeof(limit_rows) / sizeof(limit_rows[0]); id++) {
		struct cmp_row *row = compare_keyed_row(res, CMP_TABLE_LIMITS, CMP_SEC_CGROUP_LIMITS,
						p->key, limit_rows[id].name, limit_rows[id].ladder);
		if (!row)
			return -ENOMEM;
		for (size_t s = 0; s < 2; s++)
			if (limit_value(res, (enum limit_id)id, p->st[s], &res->rows[res->nrows - 1].v[s]))
				return -ENOMEM;
		compare_row_finish(res, &res->rows[res->nrows - 1]);
	}
	return 0;
}

static const struct kv_map *stat_map(const struct cgroup_stats *s, bool events)
{
	return events ? &s->memory.events : &s->memory.stat;
}

static int kv_row(struct compare_result *res, const struct cg_pair *p, bool events,
		  const char *name)
{
	struct cmp_value v[2] = { { 0 } };
	for (size_t s = 0; s < 2; s++) {
		const struct kv_u64 *f = p->st[s] ? kv_map_find(stat_map(p->st[s], events), name) :
						    NULL;
		if (f)
			compare_set_u64(&v[s], f->value);
	}
	if (compare_unchanged(res, v))
		return 0;
	struct cmp_row *row = compare_keyed_row(res, events ? CMP_TABLE_MEMORY_EVENTS : CMP_TABLE_MEMORY_STAT,
					events ? CMP_SEC_MEMORY_EVENTS : CMP_SEC_MEMORY_STAT,
					p->key, name, LADDER_UNITLESS);
	if (!row)
		return -ENOMEM;
	memcpy(row->v, v, sizeof(v));
	compare_row_finish(res, row);
	return 0;
}

struct kv_ctx {
	struct compare_result *res;
	const struct cg_pair *pair;
	bool events;
};

static int kv_cb(const char *key, void *ctx)
{
	struct kv_ctx *c = ctx;
	const char *name = compare_arena_dup(c->res, key, strlen(key));
	return name ? kv_row(c->res, c->pair, c->events, name) : -ENOMEM;
}

/* memory.stat or memory.events: one row per key of either side. */
static int kv_rows(struct compare_result *res, const struct cg_pair *p, bool events)
{
	struct kv_ctx c = { res, p, events };
	return compare_each_key(p->st[0] ? stat_map(p->st[0], events) : NULL,
				p->st[1] ? stat_map(p->st[1], events) : NULL, kv_cb, &c);
}

static const struct psi_resource *pair_psi(const struct cg_pair *p, size_t s, unsigned r)
{
	return p->st[s] ? compare_psi_res(&p->st[s]->psi, r) : NULL;
}

/* One table per resource, holding the cgroups with pressure on either side. */
static int pressure_rows(struct compare_result *res, const struct cg_pair *pairs, size_t n)
{
	for (unsigned r = 0; r < COMPARE_PSI_RESOURCES; r++) {
		for (size_t i = 0; i < n; i++) {
			const struct psi_resource *side[2] = { pair_psi(&pairs[i], 0, r),
							       pair_psi(&pairs[i], 1, r) };
			/* Eight rows per cgroup: only for those with pressure to show. */
			if (!compare_psi_has_data(side[0]) && !compare_psi_has_data(side[1]))
				continue;
			if (compare_psi_rows(res, CMP_TABLE_PRESSURE, r, pairs[i].key, side))
				return -ENOMEM;
		}
	}
	return 0;
}

static int cgroup_tables(struct compare_result *res, const struct cg_pair *pairs, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (cgroup_stats_rows(res, &pairs[i]))
			return -ENOMEM;
	for (size_t i = 0; i < n; i++)
		if (limits_rows(res, &pairs[i]))
			return -ENOMEM;
	for (size_t i = 0; i < n; i++)
		if (kv_rows(res, &pairs[i], false))
			return -ENOMEM;
	for (size_t i = 0; i < n; i++)
		if (kv_rows(res, &pairs[i], true))
			return -ENOMEM;
	return pressure_rows(res, pairs, n);
}

int compare_add_cgroups(struct compare_result *res,
			const struct ctprof_snapshot *const snap[2],
			const struct compare_options *o)
{
	struct cg_side side[2] = { { 0 } };
	struct cg_pair *pairs = NULL;
	int rc = 0;
	for (size_t s = 0; !rc && s < res->nsides; s++)
		rc = cg_collect(res, snap[s], o, &side[s]);
	if (!rc && !(pairs = calloc(side[0].len + side[1].len + 1, sizeof(*pairs))))
		rc = -ENOMEM;
	if (!rc)
		rc = cgroup_tables(res, pairs, pair_cgroups(side, pairs));
	free(pairs);
	for (size_t s = 0; s < 2; s++)
		cg_release(&side[s]);
	return rc;
}
