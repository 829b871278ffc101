/*
 * compare_rows.h - what the compare_*.c files that build rows share: the
 * arena that owns every string a row points at, row creation, ktstr's delta
 * rule, and the value and walking helpers of the secondary sections.
 * Internal to metrics/compare*.c; callers use compare.h.
 */
#ifndef CTPROF_COMPARE_ROWS_H
#define CTPROF_COMPARE_ROWS_H

#include "compare.h"

/* A copy of s[0..n) owned by res (NUL-terminated), or NULL. */
const char *compare_arena_dup(struct compare_result *res, const char *s, size_t n);
/* A zeroed row appended to res (valid until the next append), or NULL. */
struct cmp_row *compare_add_row(struct compare_result *res, enum compare_table table,
				enum compare_section section, const char *metric);
/* A row of a keyed section: one group part (NULL: none), metric and ladder. */
struct cmp_row *compare_keyed_row(struct compare_result *res, enum compare_table table,
				  enum compare_section sec, const char *group,
				  const char *metric, enum compare_ladder ladder);
/* Delta and % from the two sides' numbers (ktstr's rule). */
void compare_row_finish(const struct compare_result *res, struct cmp_row *row);

void compare_set_u64(struct cmp_value *v, uint64_t u);
/* Comparing, a value equal on both sides (or missing on both) makes no row. */
bool compare_unchanged(const struct compare_result *res, const struct cmp_value v[2]);
/* fn for every key of a or b (sorted maps, NULL: empty) in key order. */
int compare_each_key(const struct kv_map *a, const struct kv_map *b,
		     int (*fn)(const char *key, void *ctx), void *ctx);
/* Add src into m key by key, saturating; KiB to bytes when kib. 0 / -ENOMEM. */
int compare_add_bytes(struct kv_map *m, const struct kv_map *src, bool kib);

/* Resource r (compare_psi_resource order) of p, and whether any field is set. */
const struct psi_resource *compare_psi_res(const struct psi *p, unsigned r);
bool compare_psi_has_data(const struct psi_resource *r);
/* The eight rows (some/full x avg10/60/300/total) of one resource. */
int compare_psi_rows(struct compare_result *res, enum compare_table table, unsigned r,
		     const char *group, const struct psi_resource *side[2]);

/* The per-cgroup tables of --group-by cgroup (compare_cgroup.c). */
int compare_add_cgroups(struct compare_result *res,
			const struct ctprof_snapshot *const snap[2],
			const struct compare_options *o);
/* Every secondary section, after the primary and derived rows. */
int compare_add_sections(struct compare_result *res,
			 const struct ctprof_snapshot *const snap[2],
			 const struct compare_options *o);

#endif
