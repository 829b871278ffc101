/*
 * compare_sort.c - the order of the primary and derived rows.
 *
 * Default (comparing): ktstr's sort_key, |%| descending, a change from a
 * zero baseline inflated by 1e9 so it beats any percentage, rows without a
 * number last; ties by group key, then build order (registry order), which
 * keeps the sort stable. With --sort-by, groups are ranked by the tuple of
 * the named metrics' deltas (values when showing) and rows keep registry
 * order within their group. Secondary sections keep the order they were
 * built in.
 */
#include "compare_format.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

static double sort_key(const struct cmp_row *r)
{
	if (r->has_pct)
		return fabs(r->pct);
	if (r->has_delta)
		return fabs(r->delta) * 1e9;
	return -INFINITY;
}

static int cmp_seq(const struct cmp_row *x, const struct cmp_row *y)
{
	return (x->seq > y->seq) - (x->seq < y->seq);
}

static int cmp_default(const void *a, const void *b, void *arg)
{
	const struct cmp_row *x = a, *y = b;
	(void)arg;
	double kx = sort_key(x), ky = sort_key(y);
	if (kx != ky)
		return kx > ky ? -1 : 1;
	int c = compare_key_cmp(x->key, x->klen, y->key, y->klen);
	return c ? c : cmp_seq(x, y);
}

/* The rows of one table: they are contiguous, in table order. */
static void table_range(const struct compare_result *res, enum compare_table t,
			size_t *begin, size_t *end)
{
	size_t i = 0;
	while (i < res->nrows && res->rows[i].table < t)
		i++;
	*begin = i;
	while (i < res->nrows && res->rows[i].table == t)
		i++;
	*end = i;
}

/* Sort the primary table's rows, then the derived table's, each in place. */
static void sort_tables(struct compare_result *res,
			int (*cmp)(const void *, const void *, void *), void *arg)
{
	static const enum compare_table sorted[] = { CMP_TABLE_PRIMARY, CMP_TABLE_DERIVED };
	for (size_t i = 0; i < 2; i++) {
		size_t b, e;
		table_range(res, sorted[i], &b, &e);
		if (e > b)
			qsort_r(res->rows + b, e - b, sizeof(*res->rows), cmp, arg);
	}
}

/* A group's rank under --sort-by: the tuple of its keys' numbers. */
struct ranked {
	size_t gidx;
	const char *key;
	size_t klen;
	double *tuple;
};

struct rank_ctx {
	const struct compare_sort_key *keys;
	size_t nkeys;
};

static int cmp_ranked(const void *a, const void *b, void *arg)
{
	const struct ranked *x = a, *y = b;
	const struct rank_ctx *ctx = arg;
	for (size_t k = 0; k < ctx->nkeys; k++) {
		double vx = x->tuple[k], vy = y->tuple[k];
		if (vx == vy)
			continue;
		if (ctx->keys[k].descending)
			return vx > vy ? -1 : 1;
		return vx < vy ? -1 : 1;
	}
	return compare_key_cmp(x->key, x->klen, y->key, y->klen);
}

static int cmp_ranked_rows(const void *a, const void *b, void *arg)
{
	const struct cmp_row *x = a, *y = b;
	const size_t *rank = arg;
	size_t rx = rank[x->gidx], ry = rank[y->gidx];
	if (rx != ry)
		return rx < ry ? -1 : 1;
	return cmp_seq(x, y);
}

/* A missing number sinks to the bottom whichever the direction. */
static void fill_tuples(const struct compare_result *res, const struct rank_ctx *ctx,
			struct ranked *groups)
{
	for (size_t g = 0; g < res->groups.len; g++) {
		groups[g].gidx = g;
		groups[g].key = res->groups.groups[g].key;
		groups[g].klen = res->groups.groups[g].klen;
		for (size_t k = 0; k < ctx->nkeys; k++)
			groups[g].tuple[k] = ctx->keys[k].descending ? -INFINITY : INFINITY;
	}
	for (size_t i = 0; i < res->nrows; i++) {
		const struct cmp_row *r = &res->rows[i];
		bool has = res->nsides == 2 ? r->has_delta : r->v[0].has_num && !r->v[0].absent;
		for (size_t k = 0; has && r->gidx != SIZE_MAX && k < ctx->nkeys; k++)
			if (r->metric_id == ctx->keys[k].metric_id)
				groups[r->gidx].tuple[k] = res->nsides == 2 ? r->delta : r->v[0].num;
	}
}

static int sort_by_keys(struct compare_result *res, const struct compare_sort_key *keys,
			size_t n)
{
	struct rank_ctx ctx = { keys, n };
	size_t ng = res->groups.len ? res->groups.len : 1;
	struct ranked *groups = calloc(ng, sizeof(*groups));
	double *tuples = calloc(ng * n, sizeof(*tuples));
	size_t *rank = calloc(ng, sizeof(*rank));
	int rc = groups && tuples && rank ? 0 : -ENOMEM;
	if (!rc) {
		for (size_t g = 0; g < res->groups.len; g++)
			groups[g].tuple = tuples + g * n;
		fill_tuples(res, &ctx, groups);
		qsort_r(groups, res->groups.len, sizeof(*groups), cmp_ranked, &ctx);
		for (size_t g = 0; g < res->groups.len; g++)
			rank[groups[g].gidx] = g;
		sort_tables(res, cmp_ranked_rows, rank);
	}
	free(rank);
	free(tuples);
	free(groups);
	return rc;
}

int compare_sort(struct compare_result *res, const struct compare_sort_key *keys, size_t n)
{
	if (n)
		return sort_by_keys(res, keys, n);
	if (res->nsides == 2)
		sort_tables(res, cmp_default, NULL);
	return 0;
}
