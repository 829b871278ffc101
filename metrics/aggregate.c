/*
 * aggregate.c - the AggRule reductions. Sums saturate at u64::MAX (as
 * ktstr's saturating_add); an empty max or range is 0.
 */
#include "aggregate.h"

#include <errno.h>
#include <string.h>

uint64_t thread_field_u64(const struct thread_state *t, const struct field_desc *d)
{
	const char *p = (const char *)t + d->offset;
	switch (d->kind) {
	case FIELD_KIND_U32: return *(const uint32_t *)p;
	case FIELD_KIND_U64: return *(const uint64_t *)p;
	default: return 0;
	}
}

static int64_t field_i64(const struct thread_state *t, const struct field_desc *d)
{
	const char *p = (const char *)t + d->offset;
	if (d->kind == FIELD_KIND_I32)
		return *(const int32_t *)p;
	if (d->kind == FIELD_KIND_CPUSET)
		return (int64_t)((const struct cpuset *)p)->len;
	return (int64_t)thread_field_u64(t, d);
}

/* The categorical value of a Mode field as text. */
static const char *field_text(const struct thread_state *t, const struct field_desc *d,
			      char buf[2])
{
	const char *p = (const char *)t + d->offset;
	switch (d->kind) {
	case FIELD_KIND_STR: return *(char *const *)p;
	case FIELD_KIND_BOOL: return *(const bool *)p ? "true" : "false";
	case FIELD_KIND_CHAR:
		buf[0] = *p;
		buf[1] = '\0';
		return buf;
	default: return "";
	}
}

static int reduce_one(const struct thread_state *t, const struct field_desc *d,
		      bool first, struct agg_value *v)
{
	switch (d->agg) {
	case AGG_SUM_COUNT:
	case AGG_SUM_NS:
	case AGG_SUM_TICKS:
	case AGG_SUM_BYTES: {
		v->u = u64_sat_add(v->u, thread_field_u64(t, d));
		return 0;
	}
	case AGG_MODE:
	case AGG_MODE_CHAR:
	case AGG_MODE_BOOL: {
		char buf[2];
		const char *key = field_text(t, d, buf);
		const struct kv_u64 *cur = kv_map_find(&v->tally, key);
		return kv_map_set(&v->tally, key, cur ? cur->value + 1 : 1);
	}
	case AGG_RANGE_I32:
	case AGG_RANGE_U32:
	case AGG_AFFINITY: {
		int64_t x = field_i64(t, d);
		v->min = first || x < v->min ? x : v->min;
		v->max = first || x > v->max ? x : v->max;
		return 0;
	}
	default: {
		uint64_t x = thread_field_u64(t, d);
		v->u = x > v->u ? x : v->u;
		return 0;
	}
	}
}

int aggregate_metric(const struct ctprof_snapshot *s, const struct thread_group *g,
		     const struct metric_desc *m, struct agg_value *out)
{
	memset(out, 0, sizeof(*out));
	if (!m->field) {
		out->u = g->nmembers;
		return 0;
	}
	bool measured = m->measured == MEASURED_ALWAYS;
	for (size_t i = 0; i < g->nmembers; i++) {
		const struct thread_state *t = &s->threads[g->members[i]];
		measured = measured || thread_measured(t, m->measured);
		if (reduce_one(t, m->field, i == 0, out)) {
			agg_value_release(out);
			return -ENOMEM;
		}
	}
	out->absent = !measured || (!g->nmembers && m->type != METRIC_COUNTER);
	return 0;
}

void agg_value_release(struct agg_value *v)
{
	kv_map_release(&v->tally);
}
