/*
 * compare.c - primary and derived rows: each registry metric aggregated per
 * group and side (aggregate_metric: ktstr's AggRules and measured fold),
 * projected to a number for deltas (Sum/Max: the value; Range and Affinity:
 * the midpoint; Mode and Absent: none) and given ktstr's display form
 * ("min..max", "value (count/total)", "N cpus (0-3,8)"); then the 17
 * derived metrics from those projections. The row arena and the delta
 * rule shared by every section live here too.
 */
#include "compare_rows.h"

#include <errno.h>
#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "aggregate.h"

#define DERIVED_AVG(cat)                                                              \
	{ "avg_" #cat "_delay_ns", DERIVED_RATIO, #cat "_delay_total_ns",             \
	  #cat "_delay_count", LADDER_NS, false, CMP_SEC_TASKSTATS_DELAY }

const struct compare_derived compare_derived[COMPARE_DERIVED_COUNT] = {
	{ "affine_success_ratio", DERIVED_RATIO, "nr_wakeups_affine",
	  "nr_wakeups_affine_attempts", LADDER_NONE, true, CMP_SEC_DERIVED },
	{ "avg_wait_ns", DERIVED_RATIO, "wait_sum", "wait_count", LADDER_NS, false,
	  CMP_SEC_DERIVED },
	{ "cpu_efficiency", DERIVED_RATIO_OF_SUM, "run_time_ns", "wait_time_ns", LADDER_NONE,
	  true, CMP_SEC_DERIVED },
	{ "avg_slice_ns", DERIVED_RATIO, "run_time_ns", "timeslices", LADDER_NS, false,
	  CMP_SEC_DERIVED },
	{ "involuntary_csw_ratio", DERIVED_RATIO_OF_SUM, "nonvoluntary_csw", "voluntary_csw",
	  LADDER_NONE, true, CMP_SEC_DERIVED },
	{ "disk_io_fraction", DERIVED_RATIO, "read_bytes", "rchar", LADDER_NONE, true,
	  CMP_SEC_DERIVED },
	{ "live_heap_estimate", DERIVED_DIFF, "allocated_bytes", "deallocated_bytes",
	  LADDER_BYTES, false, CMP_SEC_DERIVED },
	{ "avg_iowait_ns", DERIVED_RATIO, "iowait_sum", "iowait_count", LADDER_NS, false,
	  CMP_SEC_DERIVED },
	DERIVED_AVG(cpu),
	DERIVED_AVG(blkio),
	DERIVED_AVG(swapin),
	DERIVED_AVG(freepages),
	DERIVED_AVG(thrashing),
	DERIVED_AVG(compact),
	DERIVED_AVG(wpcopy),
	DERIVED_AVG(irq),
	{ "total_offcpu_delay_ns", DERIVED_OFFCPU, NULL, NULL, LADDER_NS, false,
	  CMP_SEC_TASKSTATS_DELAY },
};

const char *const compare_psi_resource[COMPARE_PSI_RESOURCES] = { "cpu", "memory", "io",
								   "irq" };

const char *compare_registry_name(const struct registry *r, size_t i)
{
	const struct field_desc *d = r->metrics[i].field;
	return d ? d->name : "thread_count";
}

size_t compare_metric_id(const struct registry *r, const char *name)
{
	for (size_t i = 0; i < r->len; i++)
		if (!strcmp(compare_registry_name(r, i), name))
			return i;
	for (size_t i = 0; i < COMPARE_DERIVED_COUNT; i++)
		if (!strcmp(compare_derived[i].name, name))
			return r->len + i;
	return SIZE_MAX;
}

static enum agg_rule metric_rule(const struct metric_desc *m)
{
	return m->field ? m->field->agg : AGG_SUM_COUNT;
}

bool compare_metric_categorical(const struct registry *r, size_t id)
{
	if (id >= r->len)
		return false;
	enum agg_rule a = metric_rule(&r->metrics[id]);
	return a == AGG_MODE || a == AGG_MODE_CHAR || a == AGG_MODE_BOOL;
}

const char *compare_arena_dup(struct compare_result *res, const char *s, size_t n)
{
	if (res->narena == res->arena_cap) {
		size_t cap = res->arena_cap ? 2 * res->arena_cap : 256;
		char **grown = realloc(res->arena, cap * sizeof(*grown));
		if (!grown)
			return NULL;
		res->arena = grown;
		res->arena_cap = cap;
	}
	char *copy = malloc(n + 1);
	if (!copy)
		return NULL;
	memcpy(copy, s, n);
	copy[n] = '\0';
	res->arena[res->narena++] = copy;
	return copy;
}

struct cmp_row *compare_add_row(struct compare_result *res, enum compare_table table,
				enum compare_section section, const char *metric)
{
	if (res->nrows == res->cap) {
		size_t cap = res->cap ? 2 * res->cap : 1024;
		struct cmp_row *grown = realloc(res->rows, cap * sizeof(*grown));
		if (!grown)
			return NULL;
		res->rows = grown;
		res->cap = cap;
	}
	struct cmp_row *row = &res->rows[res->nrows];
	*row = (struct cmp_row){ .table = table, .section = section, .metric = metric,
				 .metric_id = SIZE_MAX, .gidx = SIZE_MAX, .key = "",
				 .seq = res->nrows };
	res->nrows++;
	return row;
}

/* ktstr's delta rule: cand - base; pct = delta / base unless |base| is ~0. */
void compare_row_finish(const struct compare_result *res, struct cmp_row *row)
{
	const struct cmp_value *a = &row->v[0], *b = &row->v[1];
	if (res->nsides < 2 || !a->has_num || !b->has_num)
		return;
	row->has_delta = true;
	row->delta = b->num - a->num;
	row->has_pct = !row->is_ratio && row->ladder != LADDER_CENTI_PCT &&
		       fabs(a->num) > DBL_EPSILON;
	/* + 0.0 turns the -0.0 of a zero delta over a negative base into 0. */
	if (row->has_pct)
		row->pct = row->delta / a->num + 0.0;
}

static enum compare_ladder rule_ladder(enum agg_rule a)
{
	switch (a) {
	case AGG_SUM_COUNT:
	case AGG_MAX_GAUGE_COUNT: return LADDER_UNITLESS;
	case AGG_SUM_NS:
	case AGG_MAX_PEAK:
	case AGG_MAX_GAUGE_NS: return LADDER_NS;
	case AGG_SUM_TICKS: return LADDER_TICKS;
	case AGG_SUM_BYTES:
	case AGG_MAX_PEAK_BYTES: return LADDER_BYTES;
	default: return LADDER_NONE;
	}
}

static enum compare_section metric_section(const struct metric_desc *m)
{
	return m->field && m->field->source == FIELD_SOURCE_TASKSTATS ?
		       CMP_SEC_TASKSTATS_DELAY :
		       CMP_SEC_PRIMARY;
}

static const char *arena_str(struct compare_result *res, const char *s)
{
	return compare_arena_dup(res, s, strlen(s));
}

/* What sb holds (when rc is 0) becomes *dst in the arena; sb is released. */
static int keep_text(struct compare_result *res, struct strbuf *sb, int rc, const char **dst)
{
	if (!rc && !(*dst = arena_str(res, sb->buf)))
		rc = -ENOMEM;
	strbuf_release(sb);
	return rc ? -ENOMEM : 0;
}

/* Range and Affinity deltas use the midpoint (ktstr's numeric projection). */
static void set_midpoint(const struct agg_value *a, struct cmp_value *v)
{
	v->has_num = true;
	v->num = ((double)a->min + (double)a->max) / 2.0;
}

/* "min..max", or "min" when both are equal. */
static int range_text(struct compare_result *res, const struct agg_value *a,
		      struct cmp_value *v)
{
	struct strbuf sb = STRBUF_INIT;
	int rc = strbuf_add_i64(&sb, a->min);
	if (!rc && a->min != a->max)
		rc = strbuf_adds(&sb, "..") || strbuf_add_i64(&sb, a->max);
	set_midpoint(a, v);
	return keep_text(res, &sb, rc, &v->text);
}

/* Highest count wins; ties go to the byte-smallest value (tallies are sorted). */
static const struct kv_u64 *mode_of(const struct kv_map *tally)
{
	const struct kv_u64 *best = NULL;
	for (size_t i = 0; i < tally->len; i++)
		if (!best || tally->items[i].value > best->value)
			best = &tally->items[i];
	return best;
}

static int mode_text(struct compare_result *res, const struct agg_value *a, size_t total,
		     struct cmp_value *v)
{
	const struct kv_u64 *best = mode_of(&a->tally);
	const char *value = best ? best->key : "~";
	uint64_t count = best ? best->value : 0;
	struct strbuf sb = STRBUF_INIT;
	int rc = strbuf_adds(&sb, value);
	if (!rc && !(count == total && count > 0))
		rc = strbuf_addf(&sb, " (%llu/%zu)", (unsigned long long)count, total);
	if (!rc && !(v->mode = arena_str(res, value)))
		rc = -ENOMEM;
	return keep_text(res, &sb, rc, &v->text);
}

static const struct cpuset *member_cpus(const struct ctprof_snapshot *s,
					const struct thread_group *tg, size_t i)
{
	return &s->threads[tg->members[i]].cpu_affinity;
}

/* The one CPU set every member shares, or NULL. */
static const struct cpuset *uniform_cpus(const struct ctprof_snapshot *s,
					 const struct thread_group *tg)
{
	const struct cpuset *first = member_cpus(s, tg, 0);
	for (size_t i = 1; i < tg->nmembers; i++) {
		const struct cpuset *c = member_cpus(s, tg, i);
		if (c->len != first->len ||
		    (c->len && memcmp(c->cpus, first->cpus, c->len * sizeof(*c->cpus))))
			return NULL;
	}
	return first;
}

/* "0-3,8": runs of consecutive CPUs collapsed, as the kernel prints cpusets. */
static int cpu_ranges(const struct cpuset *c, struct strbuf *sb)
{
	for (size_t i = 0; i < c->len;) {
		size_t j = i;
		while (j + 1 < c->len && c->cpus[j + 1] == c->cpus[j] + 1)
			j++;
		int rc = i ? strbuf_addch(sb, ',') : 0;
		if (!rc)
			rc = j > i ? strbuf_addf(sb, "%u-%u", c->cpus[i], c->cpus[j]) :
				     strbuf_addf(sb, "%u", c->cpus[i]);
		if (rc)
			return rc;
		i = j + 1;
	}
	return 0;
}

static int affinity_text(struct compare_result *res, const struct ctprof_snapshot *s,
			 const struct thread_group *tg, const struct agg_value *a,
			 struct cmp_value *v)
{
	const struct cpuset *uni = uniform_cpus(s, tg);
	struct strbuf sb = STRBUF_INIT;
	int rc;
	if (uni)
		rc = strbuf_addf(&sb, "%zu cpus (", uni->len) || cpu_ranges(uni, &sb) ||
		     strbuf_addch(&sb, ')');
	else if (a->min == a->max)
		rc = strbuf_addf(&sb, "%lld cpus (mixed)", (long long)a->min);
	else
		rc = strbuf_addf(&sb, "%lld-%lld cpus (mixed)", (long long)a->min,
				 (long long)a->max);
	set_midpoint(a, v);
	return keep_text(res, &sb, rc, &v->text);
}

static int value_form(struct compare_result *res, const struct ctprof_snapshot *s,
		      const struct thread_group *tg, const struct metric_desc *m,
		      const struct agg_value *a, struct cmp_value *v)
{
	switch (metric_rule(m)) {
	case AGG_RANGE_I32:
	case AGG_RANGE_U32: return range_text(res, a, v);
	case AGG_MODE:
	case AGG_MODE_CHAR:
	case AGG_MODE_BOOL: return mode_text(res, a, tg->nmembers, v);
	case AGG_AFFINITY: return affinity_text(res, s, tg, a, v);
	default:
		v->has_u64 = v->has_num = true;
		v->u = a->u;
		v->num = (double)a->u;
		return 0;
	}
}

/* One side's value of metric m over the group's members on that side. */
static int side_value(struct compare_result *res, const struct ctprof_snapshot *s,
		      const struct thread_group *tg, const struct metric_desc *m,
		      struct cmp_value *v)
{
	struct agg_value a;
	*v = (struct cmp_value){ .present = true };
	if (aggregate_metric(s, tg, m, &a))
		return -ENOMEM;
	int rc = 0;
	if (a.absent)
		v->absent = true;
	else
		rc = value_form(res, s, tg, m, &a, v);
	agg_value_release(&a);
	return rc;
}

/* The group's key split into its NUL-separated parts. */
static void group_parts(const struct compare_result *res, const struct compare_group *g,
			struct cmp_row *row)
{
	const char *p = g->key;
	row->ngroup = compare_group_parts(res->group_by);
	for (size_t i = 0; i < row->ngroup; i++) {
		row->group[i] = p;
		p += strlen(p) + 1;
	}
	row->key = g->key;
	row->klen = g->klen;
	row->gidx = (size_t)(g - res->groups.groups);
	row->has_threads = true;
	for (size_t s = 0; s < 2; s++)
		row->threads[s] = g->side[s].nmembers;
}

/* Relative uptime of each matched group, as ktstr's fill_uptime_pct. */
struct uptime {
	uint64_t now, max_lifetime;
};

static uint64_t group_lifetime(const struct uptime *u, const struct compare_group *g)
{
	return u->now > g->avg_start[1] ? u->now - g->avg_start[1] : 0;
}

static void uptime_init(const struct compare_result *res,
			const struct ctprof_snapshot *cand, struct uptime *u)
{
	u->now = 0;
	u->max_lifetime = 1;
	for (size_t i = 0; cand && i < cand->nthreads; i++)
		if (cand->threads[i].start_time_clock_ticks > u->now)
			u->now = cand->threads[i].start_time_clock_ticks;
	for (size_t i = 0; i < res->groups.len; i++) {
		const struct compare_group *g = &res->groups.groups[i];
		uint64_t lt = group_lifetime(u, g);
		if (g->side[0].nmembers && g->side[1].nmembers && lt > u->max_lifetime)
			u->max_lifetime = lt;
	}
}

static bool group_matched(const struct compare_result *res, const struct compare_group *g)
{
	return g->side[0].nmembers && (res->nsides < 2 || g->side[1].nmembers);
}

static int add_metric_row(struct compare_result *res,
			  const struct ctprof_snapshot *const snap[2],
			  const struct compare_group *g, const struct registry *r, size_t i,
			  const struct uptime *u)
{
	const struct metric_desc *m = &r->metrics[i];
	struct cmp_row *row = compare_add_row(res, CMP_TABLE_PRIMARY, metric_section(m),
					      compare_registry_name(r, i));
	if (!row)
		return -ENOMEM;
	group_parts(res, g, row);
	row->metric_id = i;
	row->ladder = rule_ladder(metric_rule(m));
	for (size_t s = 0; s < res->nsides; s++)
		if (side_value(res, snap[s], &g->side[s], m, &row->v[s]))
			return -ENOMEM;
	if (res->nsides == 2) {
		row->has_uptime = true;
		row->uptime = (double)group_lifetime(u, g) / (double)u->max_lifetime * 100.0;
	}
	compare_row_finish(res, row);
	return 0;
}

static double input(const struct registry *r, const char *name,
		    const struct cmp_value *const vals[], bool *ok)
{
	size_t id = compare_metric_id(r, name);
	const struct cmp_value *v = id < r->len ? vals[id] : NULL;
	if (!v || !v->present || v->absent || !v->has_num) {
		*ok = false;
		return 0;
	}
	return v->num;
}

static bool derive_offcpu(const struct registry *r, const struct cmp_value *const vals[],
			  double *out)
{
	static const char *const summed[] = { "cpu_delay_total_ns", "blkio_delay_total_ns",
					      "freepages_delay_total_ns",
					      "compact_delay_total_ns", "wpcopy_delay_total_ns",
					      "irq_delay_total_ns" };
	bool ok = true;
	double sum = 0;
	for (size_t i = 0; i < sizeof(summed) / sizeof(summed[0]); i++)
		sum += input(r, summed[i], vals, &ok);
	double swapin = input(r, "swapin_delay_total_ns", vals, &ok);
	double thrashing = input(r, "thrashing_delay_total_ns", vals, &ok);
	*out = sum + (swapin > thrashing ? swapin : thrashing);
	return ok;
}

bool compare_derive(const struct registry *r, const struct compare_derived *def,
		    const struct cmp_value *const vals[], double *out)
{
	if (def->kind == DERIVED_OFFCPU)
		return derive_offcpu(r, vals, out);
	bool ok = true;
	double a = input(r, def->a, vals, &ok);
	double b = input(r, def->b, vals, &ok);
	if (!ok)
		return false;
	switch (def->kind) {
	case DERIVED_RATIO:
		*out = a / b;
		return b != 0;
	case DERIVED_RATIO_OF_SUM:
		*out = a / (a + b);
		return a + b != 0;
	default:
		*out = a - b;
		return true;
	}
}

/* Derived rows of one group, read from its primary rows at rows[first..]. */
static int add_derived_rows(struct compare_result *res, const struct registry *r,
			    size_t first, const struct cmp_value **vals)
{
	for (size_t d = 0; d < COMPARE_DERIVED_COUNT; d++) {
		const struct compare_derived *def = &compare_derived[d];
		struct cmp_row *row = compare_add_row(res, CMP_TABLE_DERIVED, def->section,
						      def->name);
		if (!row)
			return -ENOMEM;
		const struct cmp_row *base = &res->rows[first];
		memcpy(row->group, base->group, sizeof(row->group));
		row->ngroup = base->ngroup;
		row->key = base->key;
		row->klen = base->klen;
		row->gidx = base->gidx;
		row->has_threads = true;
		memcpy(row->threads, base->threads, sizeof(row->threads));
		row->has_uptime = base->has_uptime;
		row->uptime = base->uptime;
		row->metric_id = r->len + d;
		row->ladder = def->ladder;
		row->is_ratio = def->is_ratio;
		for (size_t s = 0; s < res->nsides; s++) {
			for (size_t i = 0; i < r->len; i++)
				vals[i] = &res->rows[first + i].v[s];
			row->v[s].present = true;
			row->v[s].has_num = compare_derive(r, def, vals, &row->v[s].num);
		}
		compare_row_finish(res, row);
	}
	return 0;
}

static int add_primary(struct compare_result *res, const struct ctprof_snapshot *const snap[2],
		       const struct registry *r, size_t *firsts)
{
	struct uptime u;
	uptime_init(res, snap[1], &u);
	for (size_t gi = 0; gi < res->groups.len; gi++) {
		const struct compare_group *g = &res->groups.groups[gi];
		firsts[gi] = res->nrows;
		if (!group_matched(res, g))
			continue;
		for (size_t i = 0; i < r->len; i++)
			if (add_metric_row(res, snap, g, r, i, &u))
				return -ENOMEM;
	}
	return 0;
}

static int add_derived(struct compare_result *res, const struct registry *r,
		       const size_t *firsts)
{
	const struct cmp_value **vals = calloc(r->len, sizeof(*vals));
	int rc = vals ? 0 : -ENOMEM;
	for (size_t gi = 0; !rc && gi < res->groups.len; gi++)
		if (group_matched(res, &res->groups.groups[gi]))
			rc = add_derived_rows(res, r, firsts[gi], vals);
	free(vals);
	return rc;
}

static int add_onesided(struct compare_result *res)
{
	res->only = calloc(res->groups.len ? res->groups.len : 1, sizeof(*res->only));
	if (!res->only)
		return -ENOMEM;
	for (size_t gi = 0; res->nsides == 2 && gi < res->groups.len; gi++) {
		const struct compare_group *g = &res->groups.groups[gi];
		if (group_matched(res, g))
			continue;
		struct cmp_onesided *o = &res->only[res->nonly++];
		struct cmp_row parts;
		group_parts(res, g, &parts);
		o->side = g->side[0].nmembers ? 0 : 1;
		o->ngroup = parts.ngroup;
		memcpy(o->group, parts.group, sizeof(o->group));
		o->threads = g->side[o->side].nmembers;
	}
	return 0;
}

int compare_build(const struct ctprof_snapshot *const snap[2], const struct registry *r,
		  const struct compare_options *o, struct compare_result *out)
{
	memset(out, 0, sizeof(*out));
	out->nsides = snap[1] ? 2 : 1;
	out->group_by = o->group_by;
	out->nregistry = r->len;
	for (size_t s = 0; s < out->nsides; s++)
		out->threads[s] = snap[s]->nthreads;
	if (compare_groups_build(snap, o, &out->groups))
		return -ENOMEM;
	size_t *firsts = calloc(out->groups.len ? out->groups.len : 1, sizeof(*firsts));
	int rc = firsts ? add_primary(out, snap, r, firsts) : -ENOMEM;
	if (!rc)
		rc = add_derived(out, r, firsts);
	if (!rc)
		rc = add_onesided(out);
	if (!rc)
		rc = compare_add_sections(out, snap, o);
	free(firsts);
	if (rc)
		compare_result_release(out);
	return rc;
}

void compare_result_release(struct compare_result *res)
{
	for (size_t i = 0; i < res->narena; i++)
		free(res->arena[i]);
	free(res->arena);
	free(res->rows);
	free(res->only);
	compare_groups_release(&res->groups);
	memset(res, 0, sizeof(*res));
}
