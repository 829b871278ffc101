/*
 * continuity.c - departed totals.
 *
 * Matching hashes cur's (tid, start time) pairs and looks prev's up, so an
 * advance costs O(n) there and nothing per thread outlives it. The
 * threads to credit are sorted by group labels; rows are a sorted array
 * (binary search), re-sorted when an advance adds groups. Everything that can
 * fail (the live grouping, the credits, the new rows) happens before the
 * first total changes, so a failed advance leaves the totals as they were
 * and the caller can retry it with the same prev.
 */
#include "continuity.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "aggregate.h"
#include "cpu_shares.h"

#define NO_SLOT SIZE_MAX

struct continuity_row {
	char *labels[GROUP_AXES_MAX];
	uint64_t last_live_ns;
	uint8_t measured[(REGISTRY_MAX + 7) / 8]; /* bit per counter slot */
	uint64_t total[];                         /* by counter slot */
};

struct continuity {
	struct continuity_row **rows; /* sorted by labels */
	size_t len;
	enum group_axis axes[GROUP_AXES_MAX];
	size_t naxes;                /* 0 until the first advance */
	size_t nmetrics;             /* the registry's length, 0 until bound */
	size_t nslots;               /* its counter metrics */
	size_t slot[REGISTRY_MAX];   /* metric index -> counter slot, or NO_SLOT */
	size_t metric[REGISTRY_MAX]; /* counter slot -> metric index */
	int cpu_field[REGISTRY_MAX]; /* counter slot -> enum cpu_field, or -1 */
	bool seen[REGISTRY_MAX];     /* by slot: some row has a measured non-zero total */
};

/*
 * A thread of prev whose last values go to the group named by labels, or
 * (t NULL) a process's CPU; with cpu_given the CPU counters take cpu[],
 * not t's values.
 */
struct credit {
	char *labels[GROUP_AXES_MAX];
	const struct thread_state *t;
	const struct thread_state *now; /* set: only the families t lost, below */
	bool cpu_given;
	uint64_t cpu[CPU_FIELDS];
};

struct credits {
	struct credit *v;
	size_t len;
};

/* ---- rows ---- */

static struct continuity_row *row_new(const struct continuity *c)
{
	return calloc(1, sizeof(struct continuity_row) + c->nslots * sizeof(uint64_t));
}

void continuity_row_free(struct continuity_row *row)
{
	if (!row)
		return;
	group_labels_free(row->labels);
	free(row);
}

static bool row_measured(const struct continuity_row *row, size_t slot)
{
	return row->measured[slot / 8] & (1u << (slot % 8));
}

static int cmp_tuple_row(const void *key, const void *elem)
{
	const struct continuity_row *const *row = elem;
	return group_labels_order((char *const *)key, (*row)->labels);
}

/* The row labelled labels (NULL past the last axis), or NULL. */
static struct continuity_row *row_find(const struct continuity *c, char *const labels[])
{
	struct continuity_row **hit;
	if (!c->len)
		return NULL;
	hit = bsearch(labels, c->rows, c->len, sizeof(*c->rows), cmp_tuple_row);
	return hit ? *hit : NULL;
}

/* Add k's values of every counter to row (measured families: if measured). */
static void row_credit(const struct continuity *c, struct continuity_row *row,
		       const struct credit *k, const struct registry *r)
{
	for (size_t s = 0; s < c->nslots; s++) {
		const struct metric_desc *m = &r->metrics[c->metric[s]];
		uint64_t v;
		if (k->cpu_given && c->cpu_field[s] >= 0)
			v = k->cpu[c->cpu_field[s]];
		else if (k->t && thread_measured(k->t, m->measured) &&
			 (!k->now || (m->measured != MEASURED_ALWAYS &&
				      !thread_measured(k->now, m->measured))))
			v = thread_field_u64(k->t, m->field);
		else
			continue;
		row->total[s] = u64_sat_add(row->total[s], v);
		row->measured[s / 8] |= (uint8_t)(1u << (s % 8));
	}
}

static void forget_all(struct continuity *c)
{
	for (size_t i = 0; i < c->len; i++)
		continuity_row_free(c->rows[i]);
	c->len = 0;
}

/* ---- binding ---- */

/* Counter slots from r on the first call; the same registry after. */
static int bind_registry(struct continuity *c, const struct registry *r)
{
	if (c->nmetrics)
		return r->len == c->nmetrics ? 0 : -EINVAL;
	for (size_t i = 0; i < r->len; i++) {
		c->slot[i] = NO_SLOT;
		if (r->metrics[i].type == METRIC_COUNTER) {
			c->slot[i] = c->nslots;
			c->cpu_field[c->nslots] = cpu_shares_field(&r->metrics[i]);
			c->metric[c->nslots++] = i;
		}
	}
	c->nmetrics = r->len;
	return 0;
}

static bool same_axes(const struct continuity *c, const enum group_axis *axes, size_t naxes)
{
	return c->naxes == naxes && !memcmp(c->axes, axes, naxes * sizeof(*axes));
}

/* Other axes make other groups: the totals kept so far name none of them. */
static void bind_axes(struct continuity *c, const struct group_options *o)
{
	if (same_axes(c, o->axes, o->naxes))
		return;
	forget_all(c);
	memcpy(c->axes, o->axes, sizeof(c->axes));
	c->naxes = o->naxes;
}

/* ---- matching prev to cur ---- */

/*
 * cur's threads by identity (tid and start time: a reused tid is a new
 * thread), hashed instead of sorted: open addressing with linear probing,
 * at most half full. A repeated identity (never in a capture) takes slots
 * in thread order, so repeats pair in thread order.
 */
struct ident_slot {
	uint64_t start;
	uint32_t tid;
	uint32_t cur; /* cur index + 1; 0: empty */
};

struct ident_table {
	struct ident_slot *slots;
	size_t mask;
	bool *taken; /* by cur index: matched already */
};

static size_t ident_hash(uint32_t tid, uint64_t start)
{
	uint64_t h = (start ^ ((uint64_t)tid << 32)) * 0x9e3779b97f4a7c15ull;
	return (size_t)(h ^ (h >> 29));
}

static int ident_table_build(const struct ctprof_snapshot *cur, struct ident_table *x)
{
	size_t n = 16;
	while (n < 2 * cur->nthreads)
		n *= 2;
	x->mask = n - 1;
	x->slots = calloc(n, sizeof(*x->slots));
	x->taken = calloc(cur->nthreads + 1, sizeof(*x->taken));
	if (!x->slots || !x->taken || cur->nthreads >= UINT32_MAX)
		return -ENOMEM;
	for (size_t j = 0; j < cur->nthreads; j++) {
		const struct thread_state *t = &cur->threads[j];
		size_t i = ident_hash(t->tid, t->start_time_clock_ticks) & x->mask;
		while (x->slots[i].cur)
			i = (i + 1) & x->mask;
		x->slots[i] = (struct ident_slot){ t->start_time_clock_ticks, t->tid, (uint32_t)(j + 1) };
	}
	return 0;
}

/* The first cur thread not yet matched with t's identity, or CPU_SHARES_NONE. */
static size_t ident_take(struct ident_table *x, const struct thread_state *t)
{
	for (size_t i = ident_hash(t->tid, t->start_time_clock_ticks) & x->mask; x->slots[i].cur;
	     i = (i + 1) & x->mask) {
		const struct ident_slot *s = &x->slots[i];
		if (s->tid == t->tid && s->start == t->start_time_clock_ticks && !x->taken[s->cur - 1]) {
			x->taken[s->cur - 1] = true;
			return s->cur - 1;
		}
	}
	return CPU_SHARES_NONE;
}

static bool same_names(const struct thread_state *a, const struct thread_state *b)
{
	return !strcmp(a->pcomm, b->pcomm) && !strcmp(a->comm, b->comm) &&
	       !strcmp(a->cgroup, b->cgroup);
}

/* Whether the labels of now differ from was. 0 / -ENOMEM. */
static int group_moved(const struct thread_state *now, char *const was[],
		       const struct group_options *o, bool *moved)
{
	char *labels[GROUP_AXES_MAX];
	if (group_thread_labels(now, o, labels))
		return -ENOMEM;
	*moved = group_labels_cmp(was, labels, o->naxes) != 0;
	group_labels_free(labels);
	return 0;
}

/* A measured family of p that now is not measured for (see credit_lost). */
static bool lost_measurement(const struct thread_state *p, const struct thread_state *now)
{
	for (int m = MEASURED_CPU_DELAY; m <= MEASURED_JEMALLOC; m++)
		if (thread_measured(p, (enum measured_family)m) &&
		    !thread_measured(now, (enum measured_family)m))
			return true;
	return false;
}

/*
 * p stays in its group but a family measured for it is not any more (its
 * taskstats query raced its exit, say): the live sum dropped those values,
 * so they go to the departed totals, or the group's counter would fall.
 */
static int credit_lost(struct credits *cr, const struct thread_state *p,
		       const struct thread_state *now, const struct group_options *o)
{
	struct credit *k = &cr->v[cr->len];
	if (!lost_measurement(p, now))
		return 0;
	if (group_thread_labels(p, o, k->labels))
		return -ENOMEM;
	k->t = p;
	k->now = now;
	k->cpu_given = false;
	cr->len++;
	return 0;
}

/*
 * Credit p (a thread of prev) to its group when it left (now NULL) or now
 * sits in another group. Names unchanged means the group is unchanged.
 * covered: its CPU is in a process total, credited with the process.
 */
static int credit_thread(struct credits *cr, const struct thread_state *p,
			 const struct thread_state *now, const struct group_options *o,
			 bool covered)
{
	struct credit *k = &cr->v[cr->len];
	bool moved = true;
	if (now && same_names(p, now))
		return credit_lost(cr, p, now, o);
	if (group_thread_labels(p, o, k->labels))
		return -ENOMEM;
	if (now && group_moved(now, k->labels, o, &moved)) {
		group_labels_free(k->labels);
		return -ENOMEM;
	}
	if (!moved) {
		group_labels_free(k->labels);
		return credit_lost(cr, p, now, o);
	}
	k->t = p;
	k->now = NULL;
	k->cpu_given = covered;
	memset(k->cpu, 0, sizeof(k->cpu));
	cr->len++;
	return 0;
}

static void credits_release(struct credits *cr)
{
	for (size_t i = 0; i < cr->len; i++)
		group_labels_free(cr->v[i].labels);
	free(cr->v);
}

static int cmp_credit(const void *a, const void *b)
{
	const struct credit *x = a, *y = b;
	return group_labels_order(x->labels, y->labels);
}

/* For every thread of prev, its index in cur, or CPU_SHARES_NONE (it left). */
static int match_threads(const struct ctprof_snapshot *prev, const struct ctprof_snapshot *cur,
			 size_t *match)
{
	struct ident_table x = { 0 };
	int rc = ident_table_build(cur, &x);
	/* A thread born since prev has its whole life in the live sum: not looked at. */
	for (size_t i = 0; !rc && i < prev->nthreads; i++)
		match[i] = ident_take(&x, &prev->threads[i]);
	free(x.slots);
	free(x.taken);
	return rc;
}

/* The CPU process totals leave in groups they stop counting in. */
static int credit_processes(struct credits *cr, const struct cpu_carry *cc, size_t nprocs,
			    size_t naxes)
{
	for (size_t p = 0; p < nprocs; p++) {
		struct credit *k = &cr->v[cr->len];
		char *const *labels;
		if (!cpu_carry_left(cc, p, &labels, k->cpu))
			continue;
		if (group_labels_dup(k->labels, labels, naxes))
			return -ENOMEM;
		k->t = NULL;
		k->cpu_given = true;
		cr->len++;
	}
	return 0;
}

/* What goes to departed totals (threads', processes' CPU), sorted by group. */
static int collect_credits(const struct ctprof_snapshot *prev, const struct ctprof_snapshot *cur,
			   const struct group_options *o, const struct group_set *live,
			   struct credits *cr)
{
	size_t *match = malloc((prev->nthreads ? prev->nthreads : 1) * sizeof(*match));
	struct cpu_carry cc = { 0 };
	int rc = -ENOMEM;
	cr->v = calloc(prev->nthreads + prev->nprocs + 1, sizeof(*cr->v));
	if (!match || !cr->v || match_threads(prev, cur, match) ||
	    cpu_carry_build(&cc, prev, cur, o, live, match))
		goto out_free_match;
	rc = 0;
	for (size_t i = 0; !rc && i < prev->nthreads; i++) {
		const struct thread_state *now =
			match[i] == CPU_SHARES_NONE ? NULL : &cur->threads[match[i]];
		rc = credit_thread(cr, &prev->threads[i], now, o,
				   cpu_carry_covers(&cc, i, now != NULL));
	}
	if (!rc)
		rc = credit_processes(cr, &cc, prev->nprocs, o->naxes);
	qsort(cr->v, cr->len, sizeof(*cr->v), cmp_credit);
	cpu_carry_release(&cc);
out_free_match:
	free(match);
	return rc;
}

/* ---- rows for new groups ---- */

static int cmp_row(const void *a, const void *b)
{
	const struct continuity_row *const *x = a, *const *y = b;
	return group_labels_order((*x)->labels, (*y)->labels);
}

/* Add rows added[0..n) (none present) to c->rows, kept sorted. */
static int insert_rows(struct continuity *c, struct continuity_row **added, size_t n)
{
	struct continuity_row **grown = realloc(c->rows, (c->len + n + 1) * sizeof(*grown));
	if (!grown)
		return -ENOMEM;
	c->rows = grown;
	memcpy(c->rows + c->len, added, n * sizeof(*added));
	c->len += n;
	qsort(c->rows, c->len, sizeof(*c->rows), cmp_row);
	return 0;
}

/*
 * A row for every credited group that has none (sorted credits give
 * sorted new rows). A group first seen empty is last seen now: its threads
 * were alive at prev, and retention counts from the first capture without
 * them.
 */
static int add_rows(struct continuity *c, const struct credits *cr, uint64_t now)
{
	struct continuity_row **added = malloc((cr->len ? cr->len : 1) * sizeof(*added));
	size_t n = 0;
	int rc = -ENOMEM;
	if (!added)
		return -ENOMEM;
	for (size_t k = 0; k < cr->len; k++) {
		char *const *labels = cr->v[k].labels;
		if ((n && !group_labels_cmp(added[n - 1]->labels, labels, c->naxes)) ||
		    row_find(c, labels))
			continue;
		if (!(added[n] = row_new(c)))
			goto out_free_added;
		added[n]->last_live_ns = now;
		if (group_labels_dup(added[n++]->labels, labels, c->naxes))
			goto out_free_added;
	}
	rc = n ? insert_rows(c, added, n) : 0;
	if (!rc)
		n = 0;
out_free_added:
	for (size_t k = 0; k < n; k++)
		continuity_row_free(added[k]);
	free(added);
	return rc;
}

/* ---- the advance: nothing below fails ---- */

static void apply_credits(struct continuity *c, const struct credits *cr,
			  const struct registry *r)
{
	for (size_t k = 0; k < cr->len; k++)
		row_credit(c, row_find(c, cr->v[k].labels), &cr->v[k], r);
}

static void mark_live(struct continuity *c, const struct group_set *live, uint64_t now)
{
	for (size_t i = 0; i < live->len; i++) {
		struct continuity_row *row = row_find(c, live->groups[i].labels);
		if (row)
			row->last_live_ns = now;
	}
}

static void expire(struct continuity *c, uint64_t now, uint64_t retention)
{
	size_t len = 0;
	for (size_t i = 0; i < c->len; i++) {
		struct continuity_row *row = c->rows[i];
		if (now > row->last_live_ns && now - row->last_live_ns > retention)
			continuity_row_free(row);
		else
			c->rows[len++] = row;
	}
	c->len = len;
}

static void update_seen(struct continuity *c)
{
	memset(c->seen, 0, sizeof(c->seen));
	for (size_t i = 0; i < c->len; i++)
		for (size_t s = 0; s < c->nslots; s++)
			c->seen[s] |= row_measured(c->rows[i], s) && c->rows[i]->total[s];
}

struct continuity *continuity_new(void)
{
	return calloc(1, sizeof(struct continuity));
}

void continuity_free(struct continuity *c)
{
	if (!c)
		return;
	forget_all(c);
	free(c->rows);
	free(c);
}

int continuity_advance(struct continuity *c, const struct ctprof_snapshot *prev,
		       const struct ctprof_snapshot *cur, const struct group_options *opts,
		       const struct registry *r, uint64_t now_ns, uint64_t retention_ns)
{
	struct group_options o = group_options_resolve(opts);
	struct credits cr = { 0 };
	struct group_set live;
	int rc = bind_registry(c, r);
	if (rc)
		return rc;
	bind_axes(c, &o);
	rc = group_threads(cur, &o, &live);
	if (rc)
		return rc;
	if (prev && (rc = collect_credits(prev, cur, &o, &live, &cr)))
		goto out_free_credits;
	if ((rc = add_rows(c, &cr, now_ns)))
		goto out_free_credits;
	apply_credits(c, &cr, r);
	mark_live(c, &live, now_ns);
	expire(c, now_ns, retention_ns);
	update_seen(c);
out_free_credits:
	credits_release(&cr);
	group_set_release(&live);
	return rc;
}

size_t continuity_groups(const struct continuity *c)
{
	return c->len;
}

/* ---- for the renderer ---- */

int continuity_add_retained(const struct continuity *c, struct group_set *g)
{
	if (!c->len)
		return 0;
	if (!same_axes(c, g->axes, g->naxes))
		return -EINVAL;
	char *const **tuples = malloc(c->len * sizeof(*tuples));
	if (!tuples)
		return -ENOMEM;
	for (size_t i = 0; i < c->len; i++)
		tuples[i] = c->rows[i]->labels;
	int rc = group_set_add_empty(g, tuples, c->len);
	free(tuples);
	return rc;
}

void continuity_rows(const struct continuity *c, const struct group_set *g,
		     const struct continuity_row **rows)
{
	bool match = same_axes(c, g->axes, g->naxes);
	for (size_t i = 0; i < g->len; i++)
		rows[i] = match ? row_find(c, g->groups[i].labels) : NULL;
}

static size_t slot_of(const struct continuity *c, size_t mi)
{
	return mi < c->nmetrics ? c->slot[mi] : NO_SLOT;
}

bool continuity_departed(const struct continuity *c, const struct continuity_row *row,
			 size_t mi, uint64_t *total)
{
	size_t s = slot_of(c, mi);
	*total = 0;
	if (!row || s == NO_SLOT)
		return false;
	*total = row->total[s];
	return row_measured(row, s);
}

bool continuity_metric_seen(const struct continuity *c, size_t mi)
{
	size_t s = slot_of(c, mi);
	return s != NO_SLOT && c->seen[s];
}

struct continuity_row *continuity_row_sum(const struct continuity *c,
					  const struct continuity_row *const *rows, size_t n)
{
	struct continuity_row *sum = row_new(c);
	if (!sum)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		if (!rows[i])
			continue;
		for (size_t s = 0; s < c->nslots; s++)
			sum->total[s] = u64_sat_add(sum->total[s], rows[i]->total[s]);
		for (size_t b = 0; b < sizeof(sum->measured); b++)
			sum->measured[b] |= rows[i]->measured[b];
	}
	return sum;
}
