/*
 * cpu_shares.h - group utime and stime from process totals.
 *
 * A thread's stat stops at its last capture, but /proc/<tgid>/stat keeps
 * what every reaped thread ran up to its exit. When a snapshot carries
 * those totals (s->procs, a live capture) and no grouping axis is
 * thread-level (comm), a process counts its total: its home thread (the
 * leader, else its lowest tid present) carries the total less what its
 * threads in other groups carry, those carry their own values, as do the
 * threads of a process without a total, and the home group's other
 * threads carry nothing. A group's value is the sum of its threads'
 * shares. Owns the shares, and how a capture's totals carry into the
 * next one's for the departed totals (continuity.c).
 */
#ifndef CTPROF_CPU_SHARES_H
#define CTPROF_CPU_SHARES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "group.h"
#include "registry.h"
#include "snapshot.h"

#define CPU_SHARES_NONE SIZE_MAX

enum cpu_field { CPU_UTIME, CPU_STIME, CPU_FIELDS };

struct cpu_shares {
	size_t *group; /* by thread: its group in the set built from */
	size_t *proc;  /* by thread: its index in s->procs, or CPU_SHARES_NONE */
	size_t *home;  /* by process: its home thread, or CPU_SHARES_NONE */
	uint64_t (*share)[CPU_FIELDS]; /* by thread */
};

/* Whether s's groups under o count process totals. */
bool cpu_shares_apply(const struct ctprof_snapshot *s, const struct group_options *o);
/* The cpu_field metric m aggregates, or -1 for every other metric. */
int cpu_shares_field(const struct metric_desc *m);

/*
 * The shares of s's threads, grouped as g (from group_threads, before any
 * group is added or folded). 0 / -ENOMEM (sh left empty).
 */
int cpu_shares_build(struct cpu_shares *sh, const struct ctprof_snapshot *s,
		     const struct group_set *g);
void cpu_shares_release(struct cpu_shares *sh);
/* The sum of field f over g's members. */
uint64_t cpu_shares_sum(const struct cpu_shares *sh, const struct thread_group *g,
			enum cpu_field f);

/*
 * From one capture (prev) to the next (cur), when prev counts process
 * totals: a process's total still counts in cur in the same group when
 * the process (tgid and start time) has a total in cur and its home
 * thread is in a group with the same labels. Threads of the home group
 * then credit no CPU when they exit (the total has it) but their own
 * values when they move to another group. A process whose total stops
 * counting there leaves its home share, less what its threads still in
 * that group keep counting, and its home group's threads credit nothing.
 */
struct cpu_carry {
	bool on;              /* prev counts process totals */
	struct group_set gprev;
	struct cpu_shares prev, cur;
	uint64_t (*left)[CPU_FIELDS]; /* by prev process */
	bool *carried;        /* by prev process: its total still counts */
};

/*
 * gcur is cur grouped under o; match[i] is prev thread i's index in cur
 * or CPU_SHARES_NONE. 0 / -ENOMEM (cc left empty).
 */
int cpu_carry_build(struct cpu_carry *cc, const struct ctprof_snapshot *prev,
		    const struct ctprof_snapshot *cur, const struct group_options *o,
		    const struct group_set *gcur, const size_t *match);
void cpu_carry_release(struct cpu_carry *cc);
/* Whether prev thread i, gone from its group (still in cur: moved), credits no CPU. */
bool cpu_carry_covers(const struct cpu_carry *cc, size_t i, bool moved);
/*
 * What prev process p leaves in its home group (the labels, owned by cc),
 * or false when its total still counts or it had no thread.
 */
bool cpu_carry_left(const struct cpu_carry *cc, size_t p, char *const **labels,
		    uint64_t left[CPU_FIELDS]);

#endif
