/*
 * continuity.h - group counters that never go backwards while threads come
 * and go.
 *
 * A group's counter is the sum over its live threads, so it falls when a
 * thread exits and Prometheus reads the fall as a reset. Owns the departed
 * totals that make up for it: per group (keyed by its label values), the
 * last values of every counter metric of the threads that left it (exited,
 * or renamed into another group), and when the group last had a live
 * thread, so a group whose threads are all gone is still exported (with
 * ctprof_threads 0) until a retention time passes. No per-thread state is
 * kept: the previous snapshot is the state. Where utime and stime count
 * process totals (cpu_shares.h), a process's last total is what it leaves
 * when it exits, and a thread exiting inside a live process leaves no CPU
 * (the total already has it, up to the thread's exit).
 */
#ifndef CTPROF_CONTINUITY_H
#define CTPROF_CONTINUITY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "group.h"
#include "registry.h"
#include "snapshot.h"

struct continuity;
struct continuity_row; /* one group's departed totals */

/* NULL when out of memory. */
struct continuity *continuity_new(void);
void continuity_free(struct continuity *c);

/*
 * Fold the change from prev (NULL on the first capture) to cur into the
 * departed totals. Threads are matched by (tid, start_time_clock_ticks), so
 * a reused tid is a new thread. A thread of prev missing from cur adds its
 * last value of every counter metric of r to its group's totals; a thread
 * whose group key changed (it renamed itself) credits its prev values to
 * the old group the same way. For a measured family (metric_desc.measured
 * != MEASURED_ALWAYS) a departed thread adds, and marks the total
 * measured, only when thread_measured() holds for it. For utime and stime
 * under process totals, see struct cpu_carry. Groups are keyed by
 * group_label() under opts, which must be the grouping the renderer uses;
 * changing the axes forgets every group. Every group with a live thread in
 * cur gets now_ns as its last sighting (a group first seen empty counts
 * from now_ns); one with no live thread for longer than retention_ns is
 * forgotten and its series drop. r must be the same registry on every call.
 * 0 / -ENOMEM / -EINVAL (a different registry).
 */
int continuity_advance(struct continuity *c, const struct ctprof_snapshot *prev,
		       const struct ctprof_snapshot *cur, const struct group_options *opts,
		       const struct registry *r, uint64_t now_ns, uint64_t retention_ns);
/* Groups with departed totals retained, for tests and self-metrics. */
size_t continuity_groups(const struct continuity *c);

/* ---- for the renderer ---- */

/*
 * Add a memberless group to g for every retained group g lacks, keeping
 * g's order. 0 / -ENOMEM / -EINVAL (g is grouped by other axes).
 */
int continuity_add_retained(const struct continuity *c, struct group_set *g);
/* For every group of g, its departed totals or NULL: rows[0..g->len). */
void continuity_rows(const struct continuity *c, const struct group_set *g,
		     const struct continuity_row **rows);
/*
 * The departed total of registry metric index mi (a counter) in row (NULL:
 * none) into *total; whether it is a measurement.
 */
bool continuity_departed(const struct continuity *c, const struct continuity_row *row,
			 size_t mi, uint64_t *total);
/*
 * Whether some retained group has a measured, non-zero total of metric mi:
 * the family stays exported when the live threads no longer show its source.
 */
bool continuity_metric_seen(const struct continuity *c, size_t mi);
/*
 * One row summing rows[0..n) (NULLs skipped), for the group folded groups
 * become; free with continuity_row_free. NULL when out of memory.
 */
struct continuity_row *continuity_row_sum(const struct continuity *c,
					  const struct continuity_row *const *rows, size_t n);
void continuity_row_free(struct continuity_row *row);

#endif
