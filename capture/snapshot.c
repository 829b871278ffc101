/*
 * snapshot.c - construction, defaults and release of the snapshot types,
 * and the field descriptor table expanded from THREAD_FIELDS.
 */
#include "snapshot.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

const struct field_desc thread_field_descs[THREAD_FIELD_COUNT] = {
#define CTPROF_FIELD_DESC(fname, fkind, ffamily, fagg, funit, fsource, fgates, \
			  fclass, fhelp)                                       \
	[THREAD_FIELD_##fname] = {                                             \
		.name = #fname,                                                \
		.kind = FIELD_KIND_##fkind,                                    \
		.family = FIELD_FAMILY_##ffamily,                              \
		.agg = AGG_##fagg,                                             \
		.unit = FIELD_UNIT_##funit,                                    \
		.source = FIELD_SOURCE_##fsource,                              \
		.gates = fgates,                                               \
		.class = FIELD_##fclass,                                       \
		.help = fhelp,                                                 \
		.offset = offsetof(struct thread_state, fname),                \
	},
	THREAD_FIELDS(CTPROF_FIELD_DESC)
#undef CTPROF_FIELD_DESC
};

const char *field_kind_name(enum field_kind k)
{
	static const char *const names[] = {
		"u32", "u64", "i32", "string", "char", "bool", "cpu set", "KiB map",
	};
	return names[k];
}

const char *field_family_name(enum field_family f)
{
	static const char *const names[] = {
		"identity", "counter", "peak", "gauge", "categorical", "ordinal",
		"capture flag",
	};
	return names[f];
}

/* ktstr's AggRule spellings. */
const char *agg_rule_name(enum agg_rule a)
{
	static const char *const names[] = {
		"-",           "SumCount",      "SumNs",        "SumTicks",
		"SumBytes",    "MaxPeak",       "MaxPeakBytes", "MaxGaugeNs",
		"MaxGaugeCount", "RangeI32",    "RangeU32",     "Mode",
		"ModeChar",    "ModeBool",      "Affinity",
	};
	return names[a];
}

const char *field_unit_name(enum field_unit u)
{
	static const char *const names[] = {
		"-", "count", "ns", "USER_HZ ticks", "bytes", "KiB", "cpus",
	};
	return names[u];
}

const char *field_source_name(enum field_source s)
{
	static const char *const names[] = {
		"walk",   "comm",   "stat",   "schedstat", "io",        "status",
		"sched",  "cgroup", "smaps_rollup", "sched_getaffinity/status",
		"taskstats", "jemalloc",
	};
	return names[s];
}

const char *field_gate_name(unsigned bit)
{
	static const char *const names[GATE_COUNT] = {
		"SCHED_INFO",      "SCHEDSTATS",        "SCHED_CORE",
		"SCHED_CLASS_EXT", "TASK_IO_ACCOUNTING", "TASKSTATS",
		"TASK_DELAY_ACCT", "TASK_XACCT",
	};
	return bit < GATE_COUNT ? names[bit] : "?";
}

const char *field_class_name(enum field_class c)
{
	static const char *const names[] = { "-", "cfs-only", "non-ext",
					     "fair-policy" };
	return names[c];
}

int thread_state_init(struct thread_state *t)
{
	memset(t, 0, sizeof(*t));
	t->state = CTPROF_STATE_ABSENT;
	t->pcomm = strdup("");
	t->comm = strdup("");
	t->cgroup = strdup("");
	t->policy = strdup("");
	if (!t->pcomm || !t->comm || !t->cgroup || !t->policy) {
		thread_state_release(t);
		return -ENOMEM;
	}
	return 0;
}

void thread_state_release(struct thread_state *t)
{
	free(t->pcomm);
	free(t->comm);
	free(t->cgroup);
	free(t->policy);
	cpuset_release(&t->cpu_affinity);
	kv_map_release(&t->smaps_rollup_kib);
	memset(t, 0, sizeof(*t));
	t->state = CTPROF_STATE_ABSENT;
}

void cgroup_stats_init(struct cgroup_stats *c)
{
	memset(c, 0, sizeof(*c));
	c->cpu.max_period_us = 100000;
}

void cgroup_stats_release(struct cgroup_stats *c)
{
	free(c->path);
	kv_map_release(&c->memory.stat);
	kv_map_release(&c->memory.events);
	memset(c, 0, sizeof(*c));
}

void host_context_free(struct host_context *h)
{
	if (!h)
		return;
	free(h->cpu_model);
	free(h->cpu_vendor);
	free(h->thp_enabled);
	free(h->thp_defrag);
	str_map_release(&h->sched_tunables);
	str_map_release(&h->cpufreq_governor);
	free(h->kernel_name);
	free(h->kernel_release);
	free(h->arch);
	free(h->kernel_cmdline);
	free(h->task_delayacct);
	free(h->config_task_xacct);
	free(h);
}

void sched_ext_free(struct sched_ext_sysfs *s)
{
	if (!s)
		return;
	free(s->state);
	free(s);
}

void parse_summary_free(struct parse_summary *p)
{
	if (!p)
		return;
	kv_map_release(&p->read_failures_by_file);
	free(p->dominant_read_failure);
	free(p);
}

void probe_summary_free(struct probe_summary *p)
{
	if (!p)
		return;
	free(p->dominant_failure);
	free(p);
}

void ctprof_snapshot_init(struct ctprof_snapshot *s)
{
	memset(s, 0, sizeof(*s));
}

void ctprof_snapshot_release(struct ctprof_snapshot *s)
{
	for (size_t i = 0; i < s->nthreads; i++)
		thread_state_release(&s->threads[i]);
	free(s->threads);
	for (size_t i = 0; i < s->ncgroups; i++)
		cgroup_stats_release(&s->cgroups[i]);
	free(s->cgroups);
	host_context_free(s->host);
	probe_summary_free(s->probe_summary);
	parse_summary_free(s->parse_summary);
	free(s->taskstats_summary);
	sched_ext_free(s->sched_ext);
	free(s->procs);
	memset(s, 0, sizeof(*s));
}

/*
 * The arrays here keep no capacity field: it is implied by len, the power
 * of two at or above it, so every reservation must grow to exactly that.
 */
static size_t implied_capacity(size_t len)
{
	size_t cap = 1;
	while (cap < len)
		cap *= 2;
	return len ? cap : 0;
}

/* Grow an array of elem-sized items of len to hold len + n; 0 / -ENOMEM. */
static int array_reserve(void **items, size_t len, size_t n, size_t elem)
{
	size_t need = implied_capacity(len + n);
	if (need <= implied_capacity(len))
		return 0;
	void *p = realloc(*items, need * elem);
	if (!p)
		return -ENOMEM;
	*items = p;
	return 0;
}

static int array_reserve_one(void **items, size_t len, size_t elem)
{
	return array_reserve(items, len, 1, elem);
}

/* Binary search over sorted keys; *found says whether keys[pos] == key. */
static size_t key_position(const void *items, size_t len, size_t elem,
			   const char *key, int (*cmp)(const char *, const char *),
			   bool *found)
{
	size_t lo = 0, hi = len;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		const char *k = *(char *const *)((const char *)items + mid * elem);
		int c = cmp(k, key);
		if (c == 0) {
			*found = true;
			return mid;
		}
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	*found = false;
	return lo;
}

/* Open a slot at pos in a sorted array (after reserve); returns the slot. */
static void *array_insert_at(void *items, size_t len, size_t elem, size_t pos)
{
	char *base = items;
	memmove(base + (pos + 1) * elem, base + pos * elem, (len - pos) * elem);
	return base + pos * elem;
}

int kv_map_set(struct kv_map *m, const char *key, uint64_t value)
{
	bool found;
	size_t pos = key_position(m->items, m->len, sizeof(*m->items), key,
				  strcmp, &found);
	if (found) {
		m->items[pos].value = value;
		return 0;
	}
	char *k = strdup(key);
	if (!k || array_reserve_one((void **)&m->items, m->len, sizeof(*m->items))) {
		free(k);
		return -ENOMEM;
	}
	struct kv_u64 *slot =
		array_insert_at(m->items, m->len, sizeof(*m->items), pos);
	slot->key = k;
	slot->value = value;
	m->len++;
	return 0;
}

const struct kv_u64 *kv_map_find(const struct kv_map *m, const char *key)
{
	bool found;
	size_t pos = key_position(m->items, m->len, sizeof(*m->items), key,
				  strcmp, &found);
	return found ? &m->items[pos] : NULL;
}

void kv_map_release(struct kv_map *m)
{
	for (size_t i = 0; i < m->len; i++)
		free(m->items[i].key);
	free(m->items);
	m->items = NULL;
	m->len = 0;
}

/* Numeric order for decimal keys: shorter digit strings sort first. */
static int numeric_key_cmp(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	if (la != lb)
		return la < lb ? -1 : 1;
	return strcmp(a, b);
}

static int str_map_insert(struct str_map *m, const char *key, const char *value,
			  int (*cmp)(const char *, const char *))
{
	bool found;
	size_t pos = key_position(m->items, m->len, sizeof(*m->items), key, cmp,
				  &found);
	char *v = strdup(value);
	if (!v)
		return -ENOMEM;
	if (found) {
		free(m->items[pos].value);
		m->items[pos].value = v;
		return 0;
	}
	char *k = strdup(key);
	if (!k || array_reserve_one((void **)&m->items, m->len, sizeof(*m->items))) {
		free(k);
		free(v);
		return -ENOMEM;
	}
	struct kv_str *slot =
		array_insert_at(m->items, m->len, sizeof(*m->items), pos);
	slot->key = k;
	slot->value = v;
	m->len++;
	return 0;
}

int str_map_set(struct str_map *m, const char *key, const char *value)
{
	return str_map_insert(m, key, value, strcmp);
}

int str_map_set_numeric(struct str_map *m, const char *key, const char *value)
{
	return str_map_insert(m, key, value, numeric_key_cmp);
}

void str_map_release(struct str_map *m)
{
	for (size_t i = 0; i < m->len; i++) {
		free(m->items[i].key);
		free(m->items[i].value);
	}
	free(m->items);
	m->items = NULL;
	m->len = 0;
}

int cpuset_from_sorted(struct cpuset *c, const uint32_t *cpus, size_t len)
{
	cpuset_release(c);
	if (!len)
		return 0;
	c->cpus = malloc(len * sizeof(*c->cpus));
	if (!c->cpus)
		return -ENOMEM;
	memcpy(c->cpus, cpus, len * sizeof(*c->cpus));
	c->len = len;
	return 0;
}

void cpuset_release(struct cpuset *c)
{
	free(c->cpus);
	c->cpus = NULL;
	c->len = 0;
}

struct cgroup_stats *snapshot_add_cgroup(struct ctprof_snapshot *s,
					 const char *path)
{
	bool found;
	size_t pos = key_position(s->cgroups, s->ncgroups, sizeof(*s->cgroups),
				  path, strcmp, &found);
	if (found)
		return &s->cgroups[pos];
	char *p = strdup(path);
	if (!p || array_reserve_one((void **)&s->cgroups, s->ncgroups,
				    sizeof(*s->cgroups))) {
		free(p);
		return NULL;
	}
	struct cgroup_stats *slot = array_insert_at(s->cgroups, s->ncgroups,
						    sizeof(*s->cgroups), pos);
	cgroup_stats_init(slot);
	slot->path = p;
	s->ncgroups++;
	return slot;
}

const struct cgroup_stats *snapshot_find_cgroup(const struct ctprof_snapshot *s,
						const char *path)
{
	bool found;
	size_t pos = key_position(s->cgroups, s->ncgroups, sizeof(*s->cgroups),
				  path, strcmp, &found);
	return found ? &s->cgroups[pos] : NULL;
}

/* Where tgid is in s->procs, or would go; *found says which. */
static size_t process_position(const struct ctprof_snapshot *s, uint32_t tgid, bool *found)
{
	size_t lo = 0, hi = s->nprocs;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (s->procs[mid].tgid < tgid)
			lo = mid + 1;
		else
			hi = mid;
	}
	*found = lo < s->nprocs && s->procs[lo].tgid == tgid;
	return lo;
}

int snapshot_add_process(struct ctprof_snapshot *s, const struct process_cpu *p)
{
	bool found;
	size_t pos = process_position(s, p->tgid, &found);
	if (found) {
		s->procs[pos] = *p;
		return 0;
	}
	if (array_reserve_one((void **)&s->procs, s->nprocs, sizeof(*s->procs)))
		return -ENOMEM;
	*(struct process_cpu *)array_insert_at(s->procs, s->nprocs, sizeof(*s->procs), pos) = *p;
	s->nprocs++;
	return 0;
}

const struct process_cpu *snapshot_find_process(const struct ctprof_snapshot *s,
						uint32_t tgid)
{
	bool found;
	size_t pos = process_position(s, tgid, &found);
	return found ? &s->procs[pos] : NULL;
}

const struct thread_state *snapshot_find_thread(const struct ctprof_snapshot *s,
						uint32_t tid)
{
	for (size_t i = 0; i < s->nthreads; i++)
		if (s->threads[i].tid == tid)
			return &s->threads[i];
	return NULL;
}

int snapshot_set_string(char **dst, const char *src)
{
	char *copy = strdup(src);
	if (!copy)
		return -ENOMEM;
	free(*dst);
	*dst = copy;
	return 0;
}

int snapshot_reserve_threads(struct ctprof_snapshot *s, size_t n)
{
	return array_reserve((void **)&s->threads, s->nthreads, n, sizeof(*s->threads));
}

void snapshot_move_threads(struct ctprof_snapshot *s, const struct thread_state *src,
			   size_t n)
{
	if (!n)
		return;
	memcpy(s->threads + s->nthreads, src, n * sizeof(*src));
	s->nthreads += n;
}

int snapshot_push_thread(struct ctprof_snapshot *s, struct thread_state *t)
{
	if (array_reserve_one((void **)&s->threads, s->nthreads,
			      sizeof(*s->threads)))
		return -ENOMEM;
	s->threads[s->nthreads++] = *t;
	memset(t, 0, sizeof(*t));
	t->state = CTPROF_STATE_ABSENT;
	return 0;
}
