/*
 * render.c - snapshot -> exposition. Families come out in a fixed order and
 * groups sorted by label values, so two renders of one snapshot are
 * byte-identical (golden tests rely on it).
 */
#include "render.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "aggregate.h"
#include "cpu_shares.h"
#include "families.h"
#include "version.h"

const struct extra_family extra_families[FAMILY_COUNT] = {
#define CTPROF_EXTRA_DESC(id, fname, ftype, funit, flabels, fsource, fhelp)   \
	[FAMILY_##id] = { fname, EXPO_##ftype, funit, flabels, fsource, fhelp },
	EXTRA_FAMILIES(CTPROF_EXTRA_DESC)
#undef CTPROF_EXTRA_DESC
};

static const char *const source_names[SOURCE_COUNT] = {
	[SOURCE_SCHED_INFO] = "sched_info",
	[SOURCE_SCHEDSTATS] = "schedstats",
	[SOURCE_SCHED_CORE] = "sched_core",
	[SOURCE_SCHED_EXT] = "sched_ext",
	[SOURCE_IO_ACCOUNTING] = "io_accounting",
	[SOURCE_TASKSTATS] = "taskstats",
	[SOURCE_DELAYACCT] = "delayacct",
	[SOURCE_XACCT] = "xacct",
	[SOURCE_JEMALLOC] = "jemalloc",
	[SOURCE_SMAPS_ROLLUP] = "smaps_rollup",
	[SOURCE_PSI] = "psi",
};

const char *render_source_name(enum render_source src)
{
	return source_names[src];
}

/* The source behind each GATE_* bit, in bit order. */
static const enum render_source gate_sources[GATE_COUNT] = {
	SOURCE_SCHED_INFO, SOURCE_SCHEDSTATS,  SOURCE_SCHED_CORE, SOURCE_SCHED_EXT,
	SOURCE_IO_ACCOUNTING, SOURCE_TASKSTATS, SOURCE_DELAYACCT, SOURCE_XACCT,
};

/*
 * What the thread families render of a set of groups, computed once for
 * the series estimate and the text.
 */
struct group_values {
	struct agg_table agg;  /* every registry metric rendered */
	struct kv_map *smaps;  /* by group, with the source: its processes' smaps_rollup */
	size_t len;
};

struct render_ctx {
	const struct ctprof_snapshot *snap;
	const struct registry *reg;
	const struct render_options *opt;
	struct expo e;
	struct group_set groups;
	const struct continuity_row **rows; /* per group, with a continuity */
	struct continuity_row *other_row;   /* the folded groups' departed totals */
	struct cpu_shares cpu;              /* with cpu_on: utime/stime by thread */
	struct group_values *vals;          /* of every group (not copied with the context) */
	bool cpu_on;
	bool avail[SOURCE_COUNT];
	bool series_limited;
	long clk_tck;
};

/* ---- sources ---- */

static bool field_nonzero(const struct thread_state *t, const struct field_desc *d)
{
	const char *p = (const char *)t + d->offset;
	switch (d->kind) {
	case FIELD_KIND_U64: return *(const uint64_t *)p != 0;
	case FIELD_KIND_U32: return *(const uint32_t *)p != 0;
	case FIELD_KIND_I32: return *(const int32_t *)p != 0;
	case FIELD_KIND_BOOL: return *(const bool *)p;
	default: return false;
	}
}

/*
 * The value-carrying fields that can still show a source: gated, not a
 * taskstats family (those have measured flags), with a gate whose source
 * no thread has shown yet. Fields drop out as their sources turn up, so a
 * thread costs the few fields of sources not yet seen, not the table.
 */
struct pending_fields {
	const struct field_desc *d[THREAD_FIELD_COUNT];
	size_t len;
	/* The same split by kind, so most threads cost one OR per u64 field. */
	size_t u64_off[THREAD_FIELD_COUNT], nu64;
	const struct field_desc *other[THREAD_FIELD_COUNT];
	size_t nother;
};

static bool gates_shown(unsigned gates, const bool avail[])
{
	for (unsigned b = 0; b < GATE_COUNT; b++)
		if ((gates & (1u << b)) && !avail[gate_sources[b]])
			return false;
	return true;
}

static void pending_split(struct pending_fields *p)
{
	p->nu64 = p->nother = 0;
	for (size_t i = 0; i < p->len; i++) {
		if (p->d[i]->kind == FIELD_KIND_U64)
			p->u64_off[p->nu64++] = p->d[i]->offset;
		else
			p->other[p->nother++] = p->d[i];
	}
}

static void pending_init(struct pending_fields *p)
{
	p->len = 0;
	for (int f = 0; f < THREAD_FIELD_COUNT; f++)
		if (thread_field_descs[f].gates && thread_field_descs[f].source != FIELD_SOURCE_TASKSTATS)
			p->d[p->len++] = &thread_field_descs[f];
	pending_split(p);
}

/* Whether t has a non-zero value in some pending field. */
static bool pending_any(const struct thread_state *t, const struct pending_fields *p)
{
	uint64_t any = 0;
	for (size_t i = 0; i < p->nu64; i++)
		any |= *(const uint64_t *)((const char *)t + p->u64_off[i]);
	for (size_t i = 0; !any && i < p->nother; i++)
		any = field_nonzero(t, p->other[i]);
	return any != 0;
}

/* A value-carrying gate is there when some thread has a non-zero value. */
static void sources_from_values(const struct thread_state *t, struct pending_fields *p,
				bool avail[])
{
	size_t kept = 0;
	if (!pending_any(t, p))
		return;
	for (size_t i = 0; i < p->len; i++) {
		if (!field_nonzero(t, p->d[i]))
			continue;
		for (unsigned b = 0; b < GATE_COUNT; b++)
			if (p->d[i]->gates & (1u << b))
				avail[gate_sources[b]] = true;
	}
	for (size_t i = 0; i < p->len; i++)
		if (!gates_shown(p->d[i]->gates, avail))
			p->d[kept++] = p->d[i];
	p->len = kept;
	pending_split(p);
}

static bool psi_any(const struct psi *p)
{
	const struct psi_resource *r[] = { &p->cpu, &p->memory, &p->io, &p->irq };
	for (size_t i = 0; i < 4; i++)
		if (r[i]->some.total_usec || r[i]->full.total_usec)
			return true;
	return false;
}

/*
 * What the snapshot shows the host has. Schedstats, SCHED_INFO, io
 * accounting and core scheduling leave their fields at zero when absent,
 * so an all-zero source across every thread is taken as absent; the
 * taskstats families and jemalloc have explicit measured flags; sched_ext
 * has its sysfs directory.
 */
void render_sources(const struct ctprof_snapshot *s, bool avail[SOURCE_COUNT])
{
	struct pending_fields pending;
	memset(avail, 0, SOURCE_COUNT * sizeof(*avail));
	pending_init(&pending);
	for (size_t i = 0; i < s->nthreads; i++) {
		const struct thread_state *t = &s->threads[i];
		sources_from_values(t, &pending, avail);
		avail[SOURCE_TASKSTATS] |= t->taskstats_measured;
		avail[SOURCE_DELAYACCT] |= t->taskstats_measured && t->cpu_delay_active;
		avail[SOURCE_XACCT] |= t->taskstats_measured && t->xacct_active;
		avail[SOURCE_JEMALLOC] |= t->jemalloc_measured;
		avail[SOURCE_SMAPS_ROLLUP] |= t->smaps_rollup_kib.len > 0;
	}
	avail[SOURCE_SCHED_EXT] = s->sched_ext != NULL;
	avail[SOURCE_PSI] = psi_any(&s->psi);
}

static size_t metric_index(const struct render_ctx *c, const struct metric_desc *m)
{
	return (size_t)(m - c->reg->metrics);
}

/*
 * A counter whose live threads no longer show its source stays while a
 * retained group has departed totals of it, so its series do not drop.
 */
static bool metric_available(const struct render_ctx *c, const struct metric_desc *m)
{
	if (!m->field)
		return true;
	if (c->opt->continuity && m->type == METRIC_COUNTER &&
	    continuity_metric_seen(c->opt->continuity, metric_index(c, m)))
		return true;
	if (m->field->source == FIELD_SOURCE_JEMALLOC && !c->avail[SOURCE_JEMALLOC])
		return false;
	return gates_shown(m->field->gates, c->avail);
}

/* ---- values ---- */

static const char *scaled_value(const struct render_ctx *c, const struct metric_desc *m,
				uint64_t v, char *buf)
{
	switch (m->scale) {
	case SCALE_NS_TO_SECONDS: return expo_fmt_ratio(buf, v, 1000000000u);
	case SCALE_TICKS_TO_SECONDS: return expo_fmt_ratio(buf, v, (uint64_t)c->clk_tck);
	default: return expo_fmt_u64(buf, v);
	}
}

/* ---- thread families ---- */

/* Group labels first; extra (bound=, state=, key=) appended by callers. */
static size_t group_labels(const struct render_ctx *c, const struct thread_group *g,
			   struct expo_label *labels)
{
	for (size_t a = 0; a < c->groups.naxes; a++) {
		labels[a].name = group_axis_name(c->groups.axes[a]);
		labels[a].value = g->labels[a];
	}
	return c->groups.naxes;
}

static void sample_with(struct render_ctx *c, const char *name, struct expo_label *labels,
			size_t n, const char *lname, const char *lvalue, const char *value)
{
	labels[n].name = lname;
	labels[n].value = lvalue;
	expo_sample(&c->e, name, labels, n + 1, value);
}

static void render_group_value(struct render_ctx *c, const struct metric_desc *m,
			       const struct thread_group *g, const struct agg_value *v)
{
	struct expo_label labels[GROUP_AXES_MAX + 1];
	size_t n = group_labels(c, g, labels);
	char buf[EXPO_VALUE_MAX];
	enum agg_rule rule = m->field ? m->field->agg : AGG_SUM_COUNT;
	switch (rule) {
	case AGG_RANGE_I32:
	case AGG_RANGE_U32:
	case AGG_AFFINITY:
		sample_with(c, m->name, labels, n, "bound", "min", expo_fmt_i64(buf, v->min));
		sample_with(c, m->name, labels, n, "bound", "max", expo_fmt_i64(buf, v->max));
		return;
	case AGG_MODE:
	case AGG_MODE_CHAR:
	case AGG_MODE_BOOL:
		for (size_t i = 0; i < v->tally.len; i++)
			sample_with(c, m->name, labels, n, m->label, v->tally.items[i].key,
				    expo_fmt_u64(buf, v->tally.items[i].value));
		return;
	default:
		expo_sample(&c->e, m->name, labels, n, scaled_value(c, m, v->u, buf));
	}
}

/* One group as the thread families read it. */
struct group_ref {
	const struct thread_group *g;
	const struct continuity_row *row; /* its departed totals, or NULL */
	const struct group_values *vals;
	size_t vi; /* its place in vals */
};

static const struct continuity_row *group_row(const struct render_ctx *c, size_t i)
{
	return c->rows ? c->rows[i] : NULL;
}

static struct group_ref group_ref(const struct render_ctx *c, size_t i)
{
	return (struct group_ref){ &c->groups.groups[i], group_row(c, i), c->vals, i };
}

/*
 * A group's value of m: the live aggregate (utime and stime from process
 * totals, when counted), plus its departed total for a counter. A tally
 * stays the table's.
 */
static void group_value(const struct render_ctx *c, const struct metric_desc *m,
			const struct group_ref *gr, struct agg_value *v)
{
	int f = c->cpu_on ? cpu_shares_field(m) : -1;
	uint64_t departed;
	agg_table_value(&gr->vals->agg, gr->vi, gr->g, m, v);
	if (f >= 0)
		v->u = cpu_shares_sum(&c->cpu, gr->g, (enum cpu_field)f);
	if (m->type == METRIC_COUNTER && gr->row &&
	    continuity_departed(c->opt->continuity, gr->row, metric_index(c, m), &departed)) {
		v->u = u64_sat_add(v->u, departed);
		v->absent = false;
	}
}

/*
 * The header goes out with the first sample: a family every group is
 * absent from (a taskstats sub-family the host has switched off) is left
 * out whole rather than exported empty.
 */
static void render_metric_group(struct render_ctx *c, const struct metric_desc *m,
				const struct group_ref *gr, bool *header)
{
	struct agg_value v;
	group_value(c, m, gr, &v);
	if (v.absent)
		return;
	if (!*header) {
		expo_family(&c->e, m->name, m->type == METRIC_COUNTER ? EXPO_COUNTER : EXPO_GAUGE,
			    m->unit, m->field ? m->field->help : "Threads in the group");
		*header = true;
	}
	render_group_value(c, m, gr->g, &v);
}

static void render_metric(struct render_ctx *c, const struct metric_desc *m)
{
	bool header = false;
	if (!metric_available(c, m))
		return;
	for (size_t i = 0; i < c->groups.len; i++) {
		struct group_ref gr = group_ref(c, i);
		render_metric_group(c, m, &gr, &header);
	}
}

/* smaps_rollup: per group, the sum over its processes (leader rows). */
static int smaps_group_sum(const struct render_ctx *c, const struct thread_group *g,
			   struct kv_map *sum)
{
	for (size_t i = 0; i < g->nmembers; i++) {
		const struct kv_map *m = &c->snap->threads[g->members[i]].smaps_rollup_kib;
		for (size_t k = 0; k < m->len; k++) {
			const struct kv_u64 *cur = kv_map_find(sum, m->items[k].key);
			uint64_t add = m->items[k].value > UINT64_MAX / 1024 ?
					       UINT64_MAX : m->items[k].value * 1024;
			if (kv_map_set(sum, m->items[k].key, u64_sat_add(cur ? cur->value : 0, add)))
				return -ENOMEM;
		}
	}
	return 0;
}

static void group_values_release(struct group_values *v)
{
	for (size_t i = 0; v->smaps && i < v->len; i++)
		kv_map_release(&v->smaps[i]);
	free(v->smaps);
	agg_table_release(&v->agg);
	memset(v, 0, sizeof(*v));
}

/* groups[0..n)'s values of the families rendered. 0 / -ENOMEM (v left empty). */
static int group_values_build(const struct render_ctx *c, const struct thread_group *groups,
			      size_t n, struct group_values *v)
{
	bool want[REGISTRY_MAX];
	for (size_t i = 0; i < c->reg->len; i++)
		want[i] = metric_available(c, &c->reg->metrics[i]);
	int rc = agg_table_build(&v->agg, c->snap, c->reg, want, groups, n);
	v->len = n;
	v->smaps = NULL;
	if (!rc && c->avail[SOURCE_SMAPS_ROLLUP] && !(v->smaps = calloc(n + 1, sizeof(*v->smaps))))
		rc = -ENOMEM;
	for (size_t i = 0; !rc && v->smaps && i < n; i++)
		rc = smaps_group_sum(c, &groups[i], &v->smaps[i]);
	if (rc)
		group_values_release(v);
	return rc;
}

static void family_header(struct render_ctx *c, enum extra_family_id id)
{
	const struct extra_family *f = &extra_families[id];
	expo_family(&c->e, f->name, f->type, f->unit, f->help);
}

static void render_smaps_group(struct render_ctx *c, const struct group_ref *gr)
{
	const struct kv_map *sum = &gr->vals->smaps[gr->vi];
	struct expo_label labels[GROUP_AXES_MAX + 1];
	char buf[EXPO_VALUE_MAX];
	size_t n = group_labels(c, gr->g, labels);
	for (size_t k = 0; k < sum->len; k++)
		sample_with(c, extra_families[FAMILY_SMAPS_ROLLUP].name, labels, n, "key",
			    sum->items[k].key, expo_fmt_u64(buf, sum->items[k].value));
}

static void render_smaps(struct render_ctx *c)
{
	if (!c->avail[SOURCE_SMAPS_ROLLUP])
		return;
	family_header(c, FAMILY_SMAPS_ROLLUP);
	for (size_t i = 0; i < c->groups.len; i++) {
		struct group_ref gr = group_ref(c, i);
		render_smaps_group(c, &gr);
	}
}

static void render_thread_families(struct render_ctx *c)
{
	for (size_t i = 0; i < c->reg->len; i++)
		render_metric(c, &c->reg->metrics[i]);
	render_smaps(c);
}

/* ---- groups: retained, and the series limit ---- */

/* Each group's departed totals, looked up again after the groups change. */
static int attach_rows(struct render_ctx *c)
{
	if (!c->opt->continuity)
		return 0;
	free(c->rows);
	c->rows = calloc(c->groups.len + 1, sizeof(*c->rows));
	if (!c->rows)
		return -ENOMEM;
	continuity_rows(c->opt->continuity, &c->groups, c->rows);
	return 0;
}

/* Each group's values, computed again after the groups change. */
static int aggregate_groups(struct render_ctx *c)
{
	group_values_release(c->vals);
	return group_values_build(c, c->groups.groups, c->groups.len, c->vals);
}

/*
 * The thread-family series g would produce, counted by rendering it into
 * a counting expo (a copy of the context), so the estimate is the render.
 */
static void group_series(const struct render_ctx *c, const struct group_ref *gr, size_t *n)
{
	struct render_ctx count = *c;
	count.e = (struct expo){ .out = NULL, .format = c->e.format };
	for (size_t i = 0; i < c->reg->len; i++) {
		const struct metric_desc *m = &c->reg->metrics[i];
		bool header = false;
		if (metric_available(&count, m))
			render_metric_group(&count, m, gr, &header);
	}
	if (c->avail[SOURCE_SMAPS_ROLLUP])
		render_smaps_group(&count, gr);
	*n = count.e.samples;
}

/*
 * At most what the "other" group can produce: every thread and every
 * departed total in one group (more members only add series).
 */
static int other_bound(const struct render_ctx *c, size_t *n)
{
	size_t nthreads = c->snap->nthreads;
	struct thread_group all = { .nmembers = nthreads };
	struct continuity_row *row = NULL;
	struct group_values vals;
	int rc = -ENOMEM;
	for (size_t a = 0; a < c->groups.naxes; a++)
		all.labels[a] = (char *)GROUP_OTHER_LABEL;
	all.members = malloc((nthreads ? nthreads : 1) * sizeof(*all.members));
	if (!all.members)
		return -ENOMEM;
	for (size_t i = 0; i < nthreads; i++)
		all.members[i] = i;
	if (c->rows && !(row = continuity_row_sum(c->opt->continuity, c->rows, c->groups.len)))
		goto out_free_members;
	if (!group_values_build(c, &all, 1, &vals)) {
		struct group_ref gr = { &all, row, &vals, 0 };
		group_series(c, &gr, n);
		group_values_release(&vals);
		rc = 0;
	}
	continuity_row_free(row);
out_free_members:
	free(all.members);
	return rc;
}

struct ranked {
	uint64_t cpu;
	size_t index;
};

static int cmp_ranked(const void *a, const void *b)
{
	const struct ranked *x = a, *y = b;
	if (x->cpu != y->cpu)
		return x->cpu > y->cpu ? -1 : 1;
	return x->index < y->index ? -1 : x->index > y->index;
}

static uint64_t group_cpu(const struct render_ctx *c, const struct thread_group *g)
{
	uint64_t sum = 0;
	if (c->cpu_on)
		return u64_sat_add(cpu_shares_sum(&c->cpu, g, CPU_UTIME),
				   cpu_shares_sum(&c->cpu, g, CPU_STIME));
	for (size_t i = 0; i < g->nmembers; i++) {
		const struct thread_state *t = &c->snap->threads[g->members[i]];
		sum = u64_sat_add(sum, u64_sat_add(t->utime_clock_ticks, t->stime_clock_ticks));
	}
	return sum;
}

/*
 * Keep the largest groups by CPU (ties: label order) while they fit with
 * the "other" bound; fold the rest. A group already labelled other folds
 * into the new one.
 */
static int choose_fold(const struct render_ctx *c, const size_t *series, size_t bound,
		       bool *fold)
{
	struct ranked *rank = malloc((c->groups.len + 1) * sizeof(*rank));
	size_t kept = bound;
	bool full = false;
	if (!rank)
		return -ENOMEM;
	for (size_t i = 0; i < c->groups.len; i++)
		rank[i] = (struct ranked){ group_cpu(c, &c->groups.groups[i]), i };
	qsort(rank, c->groups.len, sizeof(*rank), cmp_ranked);
	for (size_t k = 0; k < c->groups.len; k++) {
		size_t i = rank[k].index;
		bool other = group_is_other(&c->groups, i);
		full = full || (!other && kept + series[i] > c->opt->max_series);
		fold[i] = full || other;
		kept += fold[i] ? 0 : series[i];
	}
	free(rank);
	return 0;
}

/* The folded groups' departed totals in one row (NULL without a continuity). */
static int fold_rows(struct render_ctx *c, const bool *fold)
{
	const struct continuity_row **rows;
	size_t n = 0;
	if (!c->rows)
		return 0;
	rows = malloc((c->groups.len + 1) * sizeof(*rows));
	if (!rows)
		return -ENOMEM;
	for (size_t i = 0; i < c->groups.len; i++)
		if (fold[i])
			rows[n++] = c->rows[i];
	c->other_row = continuity_row_sum(c->opt->continuity, rows, n);
	free(rows);
	return c->other_row ? 0 : -ENOMEM;
}

static int fold_groups(struct render_ctx *c, const bool *fold, size_t *other)
{
	if (fold_rows(c, fold) || group_set_fold(&c->groups, fold, other) || attach_rows(c) ||
	    aggregate_groups(c))
		return -ENOMEM;
	if (c->rows)
		c->rows[*other] = c->other_row;
	c->series_limited = true;
	return 0;
}

/* Per-group series counts into series[], their sum into *total. */
static void count_series(const struct render_ctx *c, size_t *series, size_t *total)
{
	*total = 0;
	for (size_t i = 0; i < c->groups.len; i++) {
		struct group_ref gr = group_ref(c, i);
		group_series(c, &gr, &series[i]);
		*total += series[i];
	}
}

/* Fold the smallest groups so the estimate fits max_series; fill res. */
static int fold_to_limit(struct render_ctx *c, const size_t *series, struct render_result *res)
{
	size_t bound, other, other_series;
	bool *fold = calloc(c->groups.len + 1, sizeof(*fold));
	int rc = -ENOMEM;
	if (!fold)
		return -ENOMEM;
	if (other_bound(c, &bound) || choose_fold(c, series, bound, fold))
		goto out_free_fold;
	res->series_kept = 0;
	for (size_t i = 0; i < c->groups.len; i++) {
		res->groups_folded += fold[i];
		res->series_kept += fold[i] ? 0 : series[i];
	}
	if (fold_groups(c, fold, &other))
		goto out_free_fold;
	struct group_ref gr = group_ref(c, other);
	group_series(c, &gr, &other_series);
	res->series_kept += other_series;
	rc = 0;
out_free_fold:
	free(fold);
	return rc;
}

static int limit_series(struct render_ctx *c)
{
	struct render_result res = { 0 };
	size_t *series = calloc(c->groups.len + 1, sizeof(*series));
	int rc = 0;
	if (!series)
		return -ENOMEM;
	count_series(c, series, &res.series);
	res.series_kept = res.series;
	if (c->opt->max_series && res.series > c->opt->max_series)
		rc = fold_to_limit(c, series, &res);
	res.series_limited = c->series_limited;
	if (!rc && c->opt->result)
		*c->opt->result = res;
	free(series);
	return rc;
}

static int prepare_groups(struct render_ctx *c)
{
	int rc = group_threads(c->snap, &c->opt->group, &c->groups);
	/* Shares are per thread: still right once groups are added or folded. */
	if (!rc && (c->cpu_on = cpu_shares_apply(c->snap, &c->opt->group)))
		rc = cpu_shares_build(&c->cpu, c->snap, &c->groups);
	if (!rc && c->opt->continuity)
		rc = continuity_add_retained(c->opt->continuity, &c->groups);
	if (!rc)
		rc = attach_rows(c);
	if (!rc)
		rc = aggregate_groups(c);
	if (!rc && (c->opt->max_series || c->opt->result))
		rc = limit_series(c);
	return rc;
}

/* ---- PSI ---- */

struct psi_row {
	const char *resource;
	const struct psi_resource *r;
	bool has_some; /* irq reports only "full" */
};

static size_t psi_rows(const struct psi *p, struct psi_row rows[4])
{
	rows[0] = (struct psi_row){ "cpu", &p->cpu, true };
	rows[1] = (struct psi_row){ "io", &p->io, true };
	rows[2] = (struct psi_row){ "irq", &p->irq, false };
	rows[3] = (struct psi_row){ "memory", &p->memory, true };
	return 4;
}

/* Totals of one PSI set; labels[0..n) are the caller's (cgroup=). */
static void psi_totals(struct render_ctx *c, enum extra_family_id id, bool full,
		       const struct psi *p, struct expo_label *labels, size_t n)
{
	struct psi_row rows[4];
	char buf[EXPO_VALUE_MAX];
	for (size_t i = 0, nr = psi_rows(p, rows); i < nr; i++) {
		if (!full && !rows[i].has_some)
			continue;
		const struct psi_half *h = full ? &rows[i].r->full : &rows[i].r->some;
		sample_with(c, extra_families[id].name, labels, n, "resource", rows[i].resource,
			    expo_fmt_ratio(buf, h->total_usec, 1000000));
	}
}

static void psi_ratios(struct render_ctx *c, enum extra_family_id id, bool full)
{
	static const char *const windows[] = { "10s", "60s", "300s" };
	struct psi_row rows[4];
	char buf[EXPO_VALUE_MAX];
	family_header(c, id);
	for (size_t i = 0, nr = psi_rows(&c->snap->psi, rows); i < nr; i++) {
		if (!full && !rows[i].has_some)
			continue;
		const struct psi_half *h = full ? &rows[i].r->full : &rows[i].r->some;
		const uint16_t avg[] = { h->avg10, h->avg60, h->avg300 };
		for (size_t w = 0; w < 3; w++) {
			struct expo_label l[2] = { { "resource", rows[i].resource },
						   { "window", windows[w] } };
			expo_sample(&c->e, extra_families[id].name, l, 2,
				    expo_fmt_ratio(buf, avg[w], 10000));
		}
	}
}

static void render_host_psi(struct render_ctx *c)
{
	if (!c->avail[SOURCE_PSI])
		return;
	struct expo_label none[1];
	family_header(c, FAMILY_HOST_PRESSURE_WAITING);
	psi_totals(c, FAMILY_HOST_PRESSURE_WAITING, false, &c->snap->psi, none, 0);
	family_header(c, FAMILY_HOST_PRESSURE_STALLED);
	psi_totals(c, FAMILY_HOST_PRESSURE_STALLED, true, &c->snap->psi, none, 0);
	psi_ratios(c, FAMILY_HOST_PRESSURE_WAITING_RATIO, false);
	psi_ratios(c, FAMILY_HOST_PRESSURE_STALLED_RATIO, true);
}

/* ---- cgroups ---- */

enum cg_value {
	CG_USEC,  /* microseconds -> seconds */
	CG_PLAIN, /* as is */
	CG_LIMIT, /* u64::MAX is "max": +Inf */
};

static void cg_sample(struct render_ctx *c, enum extra_family_id id, const char *path,
		      uint64_t v, enum cg_value how)
{
	char buf[EXPO_VALUE_MAX];
	struct expo_label l = { "cgroup", path };
	const char *text = how == CG_USEC ? expo_fmt_ratio(buf, v, 1000000) :
			   how == CG_LIMIT && v == UINT64_MAX ? "+Inf" :
								expo_fmt_u64(buf, v);
	expo_sample(&c->e, extra_families[id].name, &l, 1, text);
}

/* One family over every cgroup; get returns false where the value is absent. */
static void cg_family(struct render_ctx *c, enum extra_family_id id, enum cg_value how,
		      bool (*get)(const struct cgroup_stats *, uint64_t *))
{
	bool any = false;
	uint64_t v;
	for (size_t i = 0; i < c->snap->ncgroups && !any; i++)
		any = get(&c->snap->cgroups[i], &v);
	if (!any)
		return; /* e.g. no cgroup has a quota: no empty family */
	family_header(c, id);
	for (size_t i = 0; i < c->snap->ncgroups; i++)
		if (get(&c->snap->cgroups[i], &v))
			cg_sample(c, id, c->snap->cgroups[i].path, v, how);
}

static bool opt(struct opt_u64 o, uint64_t *v)
{
	*v = o.value;
	return o.present;
}

/* Getters for cg_family: an always-present value, or an Option. */
#define CG_VALUE(fn, member)                                           \
	static bool fn(const struct cgroup_stats *s, uint64_t *v)     \
	{                                                              \
		*v = s->member;                                        \
		return true;                                           \
	}
#define CG_OPTION(fn, member)                                          \
	static bool fn(const struct cgroup_stats *s, uint64_t *v)     \
	{                                                              \
		return opt(s->member, v);                              \
	}
CG_VALUE(cg_usage, cpu.usage_usec)
CG_VALUE(cg_throttled, cpu.throttled_usec)
CG_VALUE(cg_nr_throttled, cpu.nr_throttled)
CG_OPTION(cg_quota, cpu.max_quota_us)
CG_VALUE(cg_period, cpu.max_period_us)
CG_OPTION(cg_weight, cpu.weight)
CG_VALUE(cg_mem_current, memory.current)
CG_OPTION(cg_mem_max, memory.max)
CG_OPTION(cg_mem_high, memory.high)
CG_OPTION(cg_mem_low, memory.low)
CG_OPTION(cg_mem_min, memory.min)
CG_OPTION(cg_pids_current, pids.current)
CG_OPTION(cg_pids_max, pids.max)

static void cg_weight_nice(struct render_ctx *c)
{
	char buf[EXPO_VALUE_MAX];
	family_header(c, FAMILY_CGROUP_CPU_WEIGHT_NICE);
	for (size_t i = 0; i < c->snap->ncgroups; i++) {
		const struct cgroup_stats *s = &c->snap->cgroups[i];
		struct expo_label l = { "cgroup", s->path };
		if (s->cpu.weight_nice.present)
			expo_sample(&c->e, extra_families[FAMILY_CGROUP_CPU_WEIGHT_NICE].name,
				    &l, 1, expo_fmt_i64(buf, s->cpu.weight_nice.value));
	}
}

static void cg_keyed(struct render_ctx *c, enum extra_family_id id, bool events)
{
	char buf[EXPO_VALUE_MAX];
	family_header(c, id);
	for (size_t i = 0; i < c->snap->ncgroups; i++) {
		const struct cgroup_stats *s = &c->snap->cgroups[i];
		const struct kv_map *m = events ? &s->memory.events : &s->memory.stat;
		struct expo_label l[2] = { { "cgroup", s->path } };
		for (size_t k = 0; k < m->len; k++)
			sample_with(c, extra_families[id].name, l, 1, "key", m->items[k].key,
				    expo_fmt_u64(buf, m->items[k].value));
	}
}

static void cg_pressure(struct render_ctx *c, enum extra_family_id id, bool full)
{
	family_header(c, id);
	for (size_t i = 0; i < c->snap->ncgroups; i++) {
		struct expo_label l[2] = { { "cgroup", c->snap->cgroups[i].path } };
		psi_totals(c, id, full, &c->snap->cgroups[i].psi, l, 1);
	}
}

static void render_cgroups(struct render_ctx *c)
{
	if (!c->snap->ncgroups)
		return;
	cg_family(c, FAMILY_CGROUP_CPU_USAGE, CG_USEC, cg_usage);
	cg_family(c, FAMILY_CGROUP_CPU_THROTTLED, CG_USEC, cg_throttled);
	cg_family(c, FAMILY_CGROUP_CPU_THROTTLED_PERIODS, CG_PLAIN, cg_nr_throttled);
	cg_family(c, FAMILY_CGROUP_CPU_QUOTA, CG_USEC, cg_quota);
	cg_family(c, FAMILY_CGROUP_CPU_PERIOD, CG_USEC, cg_period);
	cg_family(c, FAMILY_CGROUP_CPU_WEIGHT, CG_PLAIN, cg_weight);
	cg_weight_nice(c);
	cg_family(c, FAMILY_CGROUP_MEMORY_CURRENT, CG_PLAIN, cg_mem_current);
	cg_family(c, FAMILY_CGROUP_MEMORY_MAX, CG_PLAIN, cg_mem_max);
	cg_family(c, FAMILY_CGROUP_MEMORY_HIGH, CG_PLAIN, cg_mem_high);
	cg_family(c, FAMILY_CGROUP_MEMORY_LOW, CG_LIMIT, cg_mem_low);
	cg_family(c, FAMILY_CGROUP_MEMORY_MIN, CG_LIMIT, cg_mem_min);
	cg_keyed(c, FAMILY_CGROUP_MEMORY_STAT, false);
	cg_keyed(c, FAMILY_CGROUP_MEMORY_EVENTS, true);
	cg_family(c, FAMILY_CGROUP_PIDS_CURRENT, CG_PLAIN, cg_pids_current);
	cg_family(c, FAMILY_CGROUP_PIDS_MAX, CG_PLAIN, cg_pids_max);
	cg_pressure(c, FAMILY_CGROUP_PRESSURE_WAITING, false);
	cg_pressure(c, FAMILY_CGROUP_PRESSURE_STALLED, true);
}

/* ---- sched_ext and host ---- */

static void single(struct render_ctx *c, enum extra_family_id id, const char *value)
{
	family_header(c, id);
	expo_sample(&c->e, extra_families[id].name, NULL, 0, value);
}

static void single_u64(struct render_ctx *c, enum extra_family_id id, uint64_t v)
{
	char buf[EXPO_VALUE_MAX];
	single(c, id, expo_fmt_u64(buf, v));
}

static void single_opt(struct render_ctx *c, enum extra_family_id id, struct opt_u64 v,
		       uint64_t mul)
{
	if (v.present)
		single_u64(c, id, v.value > UINT64_MAX / mul ? UINT64_MAX : v.value * mul);
}

static void render_sched_ext(struct render_ctx *c)
{
	static const char *const states[] = { "disabled", "disabling", "enabled",
					      "enabling" };
	const struct sched_ext_sysfs *x = c->snap->sched_ext;
	if (!x)
		return;
	bool known = false;
	family_header(c, FAMILY_SCHED_EXT_STATE);
	for (size_t i = 0; i < sizeof(states) / sizeof(states[0]); i++) {
		struct expo_label l = { "state", states[i] };
		bool cur = x->state && !strcmp(x->state, states[i]);
		known |= cur;
		expo_sample(&c->e, extra_families[FAMILY_SCHED_EXT_STATE].name, &l, 1,
			    cur ? "1" : "0");
	}
	if (!known && x->state && *x->state) {
		struct expo_label l = { "state", x->state };
		expo_sample(&c->e, extra_families[FAMILY_SCHED_EXT_STATE].name, &l, 1, "1");
	}
	single_u64(c, FAMILY_SCHED_EXT_SWITCH_ALL, x->switch_all);
	single_u64(c, FAMILY_SCHED_EXT_NR_REJECTED, x->nr_rejected);
	single_u64(c, FAMILY_SCHED_EXT_HOTPLUG_SEQ, x->hotplug_seq);
	single_u64(c, FAMILY_SCHED_EXT_ENABLE_SEQ, x->enable_seq);
}

static void render_host(struct render_ctx *c)
{
	const struct host_context *h = c->snap->host;
	if (!h)
		return;
	const struct expo_label info[] = {
		{ "kernel_name", h->kernel_name ? h->kernel_name : "" },
		{ "kernel_release", h->kernel_release ? h->kernel_release : "" },
		{ "arch", h->arch ? h->arch : "" },
		{ "cpu_vendor", h->cpu_vendor ? h->cpu_vendor : "" },
		{ "cpu_model", h->cpu_model ? h->cpu_model : "" },
		{ "thp_enabled", h->thp_enabled ? h->thp_enabled : "" },
		{ "thp_defrag", h->thp_defrag ? h->thp_defrag : "" },
		{ "task_delayacct", h->task_delayacct ? h->task_delayacct : "" },
		{ "config_task_xacct", h->config_task_xacct ? h->config_task_xacct : "" },
	};
	family_header(c, FAMILY_HOST_INFO);
	expo_sample(&c->e, extra_families[FAMILY_HOST_INFO].name, info,
		    sizeof(info) / sizeof(info[0]), "1");
	single_opt(c, FAMILY_HOST_MEMORY_TOTAL, h->total_memory_kib, 1024);
	single_opt(c, FAMILY_HOST_HUGEPAGES_TOTAL, h->hugepages_total, 1);
	single_opt(c, FAMILY_HOST_HUGEPAGES_FREE, h->hugepages_free, 1);
	single_opt(c, FAMILY_HOST_HUGEPAGE_SIZE, h->hugepages_size_kib, 1024);
	single_opt(c, FAMILY_HOST_ONLINE_CPUS, h->online_cpus, 1);
	single_opt(c, FAMILY_HOST_NUMA_NODES, h->numa_nodes, 1);
}

/* ---- self-metrics ---- */

static void labelled(struct render_ctx *c, enum extra_family_id id, const char *lname,
		     const char *lvalue, const char *value)
{
	struct expo_label l = { lname, lvalue };
	expo_sample(&c->e, extra_families[id].name, &l, 1, value);
}

static void render_sources_family(struct render_ctx *c)
{
	family_header(c, FAMILY_SOURCE_AVAILABLE);
	for (int i = 0; i < SOURCE_COUNT; i++)
		labelled(c, FAMILY_SOURCE_AVAILABLE, "source", source_names[i],
			 c->avail[i] ? "1" : "0");
}

static void render_probe_summary(struct render_ctx *c)
{
	const struct probe_summary *p = c->snap->probe_summary;
	if (!p)
		return;
	single_u64(c, FAMILY_PROBE_TGIDS, p->tgids_walked);
	single_u64(c, FAMILY_PROBE_DETECTED, p->jemalloc_detected);
	single_u64(c, FAMILY_PROBE_OK, p->probed_ok);
	single_u64(c, FAMILY_PROBE_FAILED, p->failed);
	if (p->dominant_failure) {
		family_header(c, FAMILY_PROBE_DOMINANT);
		labelled(c, FAMILY_PROBE_DOMINANT, "tag", p->dominant_failure, "1");
	}
	single_u64(c, FAMILY_PROBE_PRIVILEGE, p->privilege_dominant);
}

static void render_parse_summary(struct render_ctx *c)
{
	static const char *const files[] = { "cgroup", "io", "sched", "schedstat",
					     "smaps_rollup", "stat", "status" };
	const struct parse_summary *p = c->snap->parse_summary;
	char buf[EXPO_VALUE_MAX];
	if (!p)
		return;
	single_u64(c, FAMILY_PARSE_TIDS, p->tids_walked);
	family_header(c, FAMILY_PARSE_FAILURES);
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		const struct kv_u64 *f = kv_map_find(&p->read_failures_by_file, files[i]);
		labelled(c, FAMILY_PARSE_FAILURES, "file", files[i],
			 expo_fmt_u64(buf, f ? f->value : 0));
	}
	if (p->dominant_read_failure) {
		family_header(c, FAMILY_PARSE_DOMINANT);
		labelled(c, FAMILY_PARSE_DOMINANT, "file", p->dominant_read_failure, "1");
	}
	single_u64(c, FAMILY_PARSE_KCONFIG, p->kernel_config_dominant);
	single_u64(c, FAMILY_PARSE_NEGATIVE, p->negative_dotted_values);
}

static void render_taskstats_summary(struct render_ctx *c)
{
	const struct taskstats_summary *t = c->snap->taskstats_summary;
	char buf[EXPO_VALUE_MAX];
	if (!t)
		return;
	family_header(c, FAMILY_TASKSTATS_QUERIES);
	labelled(c, FAMILY_TASKSTATS_QUERIES, "result", "eperm", expo_fmt_u64(buf, t->eperm_count));
	labelled(c, FAMILY_TASKSTATS_QUERIES, "result", "esrch", expo_fmt_u64(buf, t->esrch_count));
	labelled(c, FAMILY_TASKSTATS_QUERIES, "result", "ok", expo_fmt_u64(buf, t->ok_count));
	labelled(c, FAMILY_TASKSTATS_QUERIES, "result", "other",
		 expo_fmt_u64(buf, t->other_err_count));
}

static void render_capture(struct render_ctx *c)
{
	char buf[EXPO_VALUE_MAX];
	if (c->opt->capture_duration_ns >= 0)
		single(c, FAMILY_CAPTURE_DURATION,
		       expo_fmt_ratio(buf, (uint64_t)c->opt->capture_duration_ns, 1000000000u));
	single(c, FAMILY_CAPTURE_TIMESTAMP,
	       expo_fmt_ratio(buf, c->snap->captured_at_unix_ns, 1000000000u));
	single_u64(c, FAMILY_CAPTURE_THREADS, c->snap->nthreads);
	/* The daemon's (a snapshot file does not carry it). */
	if (c->opt->capture_duration_ns >= 0) {
		single_u64(c, FAMILY_CAPTURE_REUSED, c->snap->memo_reused);
		single_u64(c, FAMILY_CAPTURE_IO_REUSED, c->snap->memo_io_reused);
	}
	if (c->opt->max_series)
		single_u64(c, FAMILY_SERIES_LIMITED, c->series_limited);
	family_header(c, FAMILY_BUILD_INFO);
	labelled(c, FAMILY_BUILD_INFO, "version", CTPROF_VERSION, "1");
}

int render_snapshot(const struct ctprof_snapshot *s, const struct registry *r,
		    const struct render_options *o, struct strbuf *out)
{
	struct group_values vals = { 0 };
	struct render_ctx c = { .snap = s, .reg = r, .opt = o, .vals = &vals };
	c.e.out = out;
	c.e.format = o->format;
	c.clk_tck = o->clk_tck > 0 ? o->clk_tck : sysconf(_SC_CLK_TCK);
	if (c.clk_tck <= 0)
		c.clk_tck = 100;
	render_sources(s, c.avail);
	int rc = prepare_groups(&c);
	if (!rc) {
		render_thread_families(&c);
		render_host_psi(&c);
		render_cgroups(&c);
		render_sched_ext(&c);
		render_host(&c);
		render_sources_family(&c);
		render_probe_summary(&c);
		render_parse_summary(&c);
		render_taskstats_summary(&c);
		render_capture(&c);
		rc = o->open_ended ? c.e.error : expo_finish(&c.e);
	}
	continuity_row_free(c.other_row);
	group_values_release(&vals);
	cpu_shares_release(&c.cpu);
	free(c.rows);
	group_set_release(&c.groups);
	return rc;
}
