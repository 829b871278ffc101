/*
 * aggregate.c - the AggRule reductions, one metric of one group or every
 * metric of many groups. Sums saturate at u64::MAX (as ktstr's
 * saturating_add); an empty max or range is 0.
 */
#include "aggregate.h"

#include <errno.h>
#include <stdlib.h>
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

/* Whether a and b are the same key; most are a letter or two (state, flags). */
static bool same_key(const char *a, const char *b)
{
	return a[0] == b[0] && (!a[0] || (a[1] == b[1] && (!a[1] || !strcmp(a + 2, b + 2))));
}

/* One more thread holding key: counted in place, one lookup per thread. */
static int tally_add(struct kv_map *tally, const char *key)
{
	for (size_t i = 0; i < tally->len; i++)
		if (same_key(tally->items[i].key, key)) {
			tally->items[i].value++;
			return 0;
		}
	return kv_map_set(tally, key, 1);
}

/* What an AggRule does with each thread's value. */
enum reduction { REDUCE_SUM, REDUCE_MAX, REDUCE_RANGE, REDUCE_MODE };

static enum reduction reduction_of(enum agg_rule a)
{
	switch (a) {
	case AGG_SUM_COUNT:
	case AGG_SUM_NS:
	case AGG_SUM_TICKS:
	case AGG_SUM_BYTES:
		return REDUCE_SUM;
	case AGG_MODE:
	case AGG_MODE_CHAR:
	case AGG_MODE_BOOL:
		return REDUCE_MODE;
	case AGG_RANGE_I32:
	case AGG_RANGE_U32:
	case AGG_AFFINITY:
		return REDUCE_RANGE;
	default:
		return REDUCE_MAX;
	}
}

/* Fold t's value of d into v by r (reduction_of(d->agg)); first: t is the first thread. */
static int reduce_by(const struct thread_state *t, const struct field_desc *d,
		     enum reduction r, bool first, struct agg_value *v)
{
	switch (r) {
	case REDUCE_SUM:
		v->u = u64_sat_add(v->u, thread_field_u64(t, d));
		return 0;
	case REDUCE_MODE: {
		char buf[2];
		return tally_add(&v->tally, field_text(t, d, buf));
	}
	case REDUCE_RANGE: {
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

static int reduce_one(const struct thread_state *t, const struct field_desc *d,
		      bool first, struct agg_value *v)
{
	return reduce_by(t, d, reduction_of(d->agg), first, v);
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

/* ---- every metric of many groups ---- */

/* A u64 field's sum or max: reduce_one's result without its switch. */
static bool fast_reduction(const struct field_desc *d, enum reduction r)
{
	return d && d->kind == FIELD_KIND_U64 && reduction_of(d->agg) == r;
}

static bool wanted(const struct field_desc *d, const bool *want, size_t i)
{
	return d && (!want || want[i]);
}

/* The wanted u64 fields reduced by r take the next fast slots, counted in *n. */
static void plan_fast(struct agg_table *t, const bool *want, enum reduction r, size_t *n)
{
	for (size_t i = 0; i < t->reg->len; i++) {
		const struct field_desc *d = t->reg->metrics[i].field;
		if (!wanted(d, want, i) || !fast_reduction(d, r))
			continue;
		t->kind[i] = AGG_SLOT_FAST;
		t->slot[i] = t->nsum + t->nmax;
		t->field_off[t->slot[i]] = d->offset;
		(*n)++;
	}
}

/* Sums first, then maxima, then the rest; and the measured families they need. */
static void plan_slots(struct agg_table *t, const bool *want)
{
	bool need[MEASURED_COUNT] = { false };
	plan_fast(t, want, REDUCE_SUM, &t->nsum);
	plan_fast(t, want, REDUCE_MAX, &t->nmax);
	for (size_t i = 0; i < t->reg->len; i++) {
		const struct field_desc *d = t->reg->metrics[i].field;
		if (!wanted(d, want, i) || t->kind[i] == AGG_SLOT_FAST)
			continue;
		t->kind[i] = AGG_SLOT_SLOW;
		t->slot[i] = t->nslow;
		t->slow_reduction[t->nslow] = (int)reduction_of(d->agg);
		t->slow_field[t->nslow++] = d;
	}
	for (size_t i = 0; i < t->reg->len; i++)
		need[t->reg->metrics[i].measured] |= t->kind[i] != AGG_SLOT_NONE;
	for (int f = MEASURED_ALWAYS + 1; f < MEASURED_COUNT; f++)
		if (need[f])
			t->family[t->nfamilies++] = (enum measured_family)f;
}

static uint64_t u64_at(const struct thread_state *th, size_t off)
{
	return *(const uint64_t *)((const char *)th + off);
}

static int fill_group(struct agg_table *t, const struct ctprof_snapshot *s,
		      const struct thread_group *g, size_t gi)
{
	uint64_t *sum = t->fast + gi * (t->nsum + t->nmax), *max = sum + t->nsum;
	struct agg_value *slow = t->slow + gi * t->nslow;
	bool *measured = t->measured[gi];
	measured[MEASURED_ALWAYS] = true;
	for (size_t i = 0; i < g->nmembers; i++) {
		const struct thread_state *th = &s->threads[g->members[i]];
		for (size_t k = 0; k < t->nsum; k++)
			sum[k] = u64_sat_add(sum[k], u64_at(th, t->field_off[k]));
		for (size_t k = 0; k < t->nmax; k++) {
			uint64_t x = u64_at(th, t->field_off[t->nsum + k]);
			max[k] = x > max[k] ? x : max[k];
		}
		for (size_t k = 0; k < t->nslow; k++)
			if (reduce_by(th, t->slow_field[k], (enum reduction)t->slow_reduction[k],
				      i == 0, &slow[k]))
				return -ENOMEM;
		for (size_t f = 0; f < t->nfamilies; f++)
			measured[t->family[f]] = measured[t->family[f]] ||
						 thread_measured(th, t->family[f]);
	}
	return 0;
}

int agg_table_build(struct agg_table *t, const struct ctprof_snapshot *s,
		    const struct registry *r, const bool *want,
		    const struct thread_group *groups, size_t n)
{
	memset(t, 0, sizeof(*t));
	t->reg = r;
	plan_slots(t, want);
	t->ngroups = n;
	t->fast = calloc((n ? n : 1) * (t->nsum + t->nmax + 1), sizeof(*t->fast));
	t->slow = calloc((n ? n : 1) * (t->nslow + 1), sizeof(*t->slow));
	t->measured = calloc(n ? n : 1, sizeof(*t->measured));
	int rc = t->fast && t->slow && t->measured ? 0 : -ENOMEM;
	for (size_t i = 0; !rc && i < n; i++)
		rc = fill_group(t, s, &groups[i], i);
	if (rc)
		agg_table_release(t);
	return rc;
}

void agg_table_value(const struct agg_table *t, size_t i, const struct thread_group *g,
		     const struct metric_desc *m, struct agg_value *out)
{
	size_t mi = (size_t)(m - t->reg->metrics), k = t->slot[mi];
	memset(out, 0, sizeof(*out));
	if (!m->field) {
		out->u = g->nmembers;
		return;
	}
	if (t->kind[mi] == AGG_SLOT_NONE) {
		out->absent = true;
		return;
	}
	if (t->kind[mi] == AGG_SLOT_SLOW)
		*out = t->slow[i * t->nslow + k];
	else
		out->u = t->fast[i * (t->nsum + t->nmax) + k];
	out->absent = !t->measured[i][m->measured] || (!g->nmembers && m->type != METRIC_COUNTER);
}

void agg_table_release(struct agg_table *t)
{
	for (size_t i = 0; t->slow && i < t->ngroups * t->nslow; i++)
		agg_value_release(&t->slow[i]);
	free(t->fast);
	free(t->slow);
	free(t->measured);
	memset(t, 0, sizeof(*t));
}
