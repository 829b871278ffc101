/*
 * cpu_shares.c - process totals into per-thread shares, and their carry
 * from one capture to the next. Threads find their process by binary
 * search over the sorted totals; nothing here outlives the snapshots it
 * was built from.
 */
#include "cpu_shares.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "aggregate.h"

static uint64_t thread_cpu(const struct thread_state *t, enum cpu_field f)
{
	return f == CPU_UTIME ? t->utime_clock_ticks : t->stime_clock_ticks;
}

static uint64_t process_cpu_of(const struct process_cpu *p, enum cpu_field f)
{
	return f == CPU_UTIME ? p->utime_clock_ticks : p->stime_clock_ticks;
}

static uint64_t u64_sat_sub(uint64_t a, uint64_t b)
{
	return a > b ? a - b : 0;
}

bool cpu_shares_apply(const struct ctprof_snapshot *s, const struct group_options *o)
{
	struct group_options r = group_options_resolve(o);
	if (!s->nprocs)
		return false;
	/* A thread's name is its own: no process total belongs to one group. */
	for (size_t a = 0; a < r.naxes; a++)
		if (r.axes[a] == GROUP_AXIS_COMM)
			return false;
	return true;
}

int cpu_shares_field(const struct metric_desc *m)
{
	if (m->field == &thread_field_descs[THREAD_FIELD_utime_clock_ticks])
		return CPU_UTIME;
	if (m->field == &thread_field_descs[THREAD_FIELD_stime_clock_ticks])
		return CPU_STIME;
	return -1;
}

/* ---- shares ---- */

static void map_groups(struct cpu_shares *sh, const struct group_set *g)
{
	for (size_t i = 0; i < g->len; i++)
		for (size_t k = 0; k < g->groups[i].nmembers; k++)
			sh->group[g->groups[i].members[k]] = i;
}

/* Whether a is a better home than b: the leader, else the lower tid. */
static bool better_home(const struct thread_state *a, const struct thread_state *b)
{
	bool la = a->tid == a->tgid, lb = b->tid == b->tgid;
	return la != lb ? la : a->tid < b->tid;
}

static void find_homes(struct cpu_shares *sh, const struct ctprof_snapshot *s)
{
	for (size_t p = 0; p < s->nprocs; p++)
		sh->home[p] = CPU_SHARES_NONE;
	for (size_t i = 0; i < s->nthreads; i++) {
		/* A process's threads come in a row: one search per process. */
		bool same = i && s->threads[i].tgid == s->threads[i - 1].tgid;
		const struct process_cpu *pc = same ? NULL : snapshot_find_process(s, s->threads[i].tgid);
		size_t p = same ? sh->proc[i - 1] : pc ? (size_t)(pc - s->procs) : CPU_SHARES_NONE, h;
		sh->proc[i] = p;
		if (p == CPU_SHARES_NONE)
			continue;
		h = sh->home[p];
		if (h == CPU_SHARES_NONE || better_home(&s->threads[i], &s->threads[h]))
			sh->home[p] = i;
	}
}

/* Whether thread i's CPU is in its process's total, which its home thread carries. */
static bool in_home_group(const struct cpu_shares *sh, size_t i)
{
	size_t p = sh->proc[i];
	return p != CPU_SHARES_NONE && sh->group[i] == sh->group[sh->home[p]];
}

static int assign_shares(struct cpu_shares *sh, const struct ctprof_snapshot *s)
{
	uint64_t(*others)[CPU_FIELDS] = calloc(s->nprocs ? s->nprocs : 1, sizeof(*others));
	if (!others)
		return -ENOMEM;
	for (size_t i = 0; i < s->nthreads; i++) {
		bool member = in_home_group(sh, i);
		for (int f = 0; f < CPU_FIELDS; f++) {
			uint64_t v = thread_cpu(&s->threads[i], (enum cpu_field)f);
			sh->share[i][f] = member ? 0 : v;
			if (!member && sh->proc[i] != CPU_SHARES_NONE)
				others[sh->proc[i]][f] = u64_sat_add(others[sh->proc[i]][f], v);
		}
	}
	for (size_t p = 0; p < s->nprocs; p++)
		for (int f = 0; sh->home[p] != CPU_SHARES_NONE && f < CPU_FIELDS; f++)
			sh->share[sh->home[p]][f] =
				u64_sat_sub(process_cpu_of(&s->procs[p], (enum cpu_field)f), others[p][f]);
	free(others);
	return 0;
}

int cpu_shares_build(struct cpu_shares *sh, const struct ctprof_snapshot *s,
		     const struct group_set *g)
{
	size_t n = s->nthreads ? s->nthreads : 1;
	memset(sh, 0, sizeof(*sh));
	sh->group = malloc(n * sizeof(*sh->group));
	sh->proc = malloc(n * sizeof(*sh->proc));
	sh->share = malloc(n * sizeof(*sh->share));
	sh->home = malloc((s->nprocs ? s->nprocs : 1) * sizeof(*sh->home));
	if (sh->group && sh->proc && sh->share && sh->home) {
		map_groups(sh, g);
		find_homes(sh, s);
		if (!assign_shares(sh, s))
			return 0;
	}
	cpu_shares_release(sh);
	return -ENOMEM;
}

void cpu_shares_release(struct cpu_shares *sh)
{
	free(sh->group);
	free(sh->proc);
	free(sh->home);
	free(sh->share);
	memset(sh, 0, sizeof(*sh));
}

uint64_t cpu_shares_sum(const struct cpu_shares *sh, const struct thread_group *g,
			enum cpu_field f)
{
	uint64_t sum = 0;
	for (size_t i = 0; i < g->nmembers; i++)
		sum = u64_sat_add(sum, sh->share[g->members[i]][f]);
	return sum;
}

/* ---- carry ---- */

static char *const *labels_of(const struct cpu_shares *sh, const struct group_set *g, size_t i)
{
	return g->groups[sh->group[i]].labels;
}

/* Whether prev process p (with a home thread) has a total in cur, homed alike. */
static bool still_counted(const struct cpu_carry *cc, const struct ctprof_snapshot *prev,
			  const struct ctprof_snapshot *cur, const struct group_set *gcur,
			  size_t p)
{
	const struct process_cpu *q = snapshot_find_process(cur, prev->procs[p].tgid);
	size_t hc;
	if (!q || q->start_time_clock_ticks != prev->procs[p].start_time_clock_ticks)
		return false;
	hc = cc->cur.home[q - cur->procs];
	return hc != CPU_SHARES_NONE &&
	       !group_labels_cmp(labels_of(&cc->prev, &cc->gprev, cc->prev.home[p]),
				 labels_of(&cc->cur, gcur, hc), gcur->naxes);
}

/*
 * Which totals carry; what the others leave: the home share less the
 * prev values of home-group threads still in a group so labelled (cur
 * counts them again, as their own).
 */
static void carry_processes(struct cpu_carry *cc, const struct ctprof_snapshot *prev,
			    const struct ctprof_snapshot *cur, const struct group_set *gcur,
			    const size_t *match)
{
	for (size_t p = 0; p < prev->nprocs; p++) {
		size_t h = cc->prev.home[p];
		cc->carried[p] = h == CPU_SHARES_NONE || still_counted(cc, prev, cur, gcur, p);
		if (!cc->carried[p])
			memcpy(cc->left[p], cc->prev.share[h], sizeof(cc->left[p]));
	}
	for (size_t i = 0; i < prev->nthreads; i++) {
		size_t p = cc->prev.proc[i];
		if (p == CPU_SHARES_NONE || cc->carried[p] || !in_home_group(&cc->prev, i) ||
		    match[i] == CPU_SHARES_NONE ||
		    group_labels_cmp(labels_of(&cc->prev, &cc->gprev, i),
				     labels_of(&cc->cur, gcur, match[i]), gcur->naxes))
			continue;
		for (int f = 0; f < CPU_FIELDS; f++)
			cc->left[p][f] = u64_sat_sub(cc->left[p][f],
						     thread_cpu(&prev->threads[i], (enum cpu_field)f));
	}
}

int cpu_carry_build(struct cpu_carry *cc, const struct ctprof_snapshot *prev,
		    const struct ctprof_snapshot *cur, const struct group_options *o,
		    const struct group_set *gcur, const size_t *match)
{
	int rc = -ENOMEM;
	memset(cc, 0, sizeof(*cc));
	if (!cpu_shares_apply(prev, o))
		return 0;
	cc->left = calloc(prev->nprocs, sizeof(*cc->left));
	cc->carried = calloc(prev->nprocs, sizeof(*cc->carried));
	if (cc->left && cc->carried)
		rc = group_threads(prev, o, &cc->gprev);
	if (!rc)
		rc = cpu_shares_build(&cc->prev, prev, &cc->gprev);
	if (!rc)
		rc = cpu_shares_build(&cc->cur, cur, gcur);
	if (rc) {
		cpu_carry_release(cc);
		return rc;
	}
	cc->on = true;
	carry_processes(cc, prev, cur, gcur, match);
	return 0;
}

void cpu_carry_release(struct cpu_carry *cc)
{
	group_set_release(&cc->gprev);
	cpu_shares_release(&cc->prev);
	cpu_shares_release(&cc->cur);
	free(cc->left);
	free(cc->carried);
	memset(cc, 0, sizeof(*cc));
}

bool cpu_carry_covers(const struct cpu_carry *cc, size_t i, bool moved)
{
	size_t p;
	if (!cc->on || (p = cc->prev.proc[i]) == CPU_SHARES_NONE || !in_home_group(&cc->prev, i))
		return false;
	return !moved || !cc->carried[p];
}

bool cpu_carry_left(const struct cpu_carry *cc, size_t p, char *const **labels,
		    uint64_t left[CPU_FIELDS])
{
	if (!cc->on || cc->carried[p])
		return false;
	*labels = labels_of(&cc->prev, &cc->gprev, cc->prev.home[p]);
	memcpy(left, cc->left[p], sizeof(cc->left[p]));
	return true;
}
