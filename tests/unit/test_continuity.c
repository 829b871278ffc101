/*
 * test_continuity.c - counters that stay correct while threads come and
 * go (metrics/continuity.c and its rendering) and the cardinality guard:
 * exits, tid reuse, renames, retention, measured families, a long churn
 * checked against an independent model, the fold into "other", and group
 * CPU from process totals (metrics/cpu_shares.c), all asserted on exact
 * exposition lines.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "continuity.h"
#include "registry.h"
#include "render.h"

#define SEC 1000000000ull

/* One thread of a synthetic capture. */
struct spec {
	uint32_t tid;
	uint64_t start;
	const char *name; /* pcomm and comm */
	uint64_t run_ns;
};

static void set_str(char **dst, const char *src)
{
	free(*dst);
	*dst = strdup(src);
	assert_non_null(*dst);
}

/* Push a thread with these names; the pushed copy, to set more fields on. */
static struct thread_state *push_named(struct ctprof_snapshot *s, uint32_t tid, uint32_t tgid,
				       uint64_t start, const char *pcomm, const char *comm)
{
	struct thread_state t;
	assert_int_equal(thread_state_init(&t), 0);
	set_str(&t.pcomm, pcomm);
	set_str(&t.comm, comm);
	t.tid = tid;
	t.tgid = tgid;
	t.start_time_clock_ticks = start;
	assert_int_equal(snapshot_push_thread(s, &t), 0);
	return &s->threads[s->nthreads - 1];
}

static void snap_of(struct ctprof_snapshot *s, const struct spec *v, size_t n)
{
	ctprof_snapshot_init(s);
	for (size_t i = 0; i < n; i++)
		push_named(s, v[i].tid, v[i].tid, v[i].start, v[i].name, v[i].name)->run_time_ns =
			v[i].run_ns;
}

/* The daemon's loop in small: a continuity, the previous capture, a registry. */
struct loop {
	struct registry reg;
	struct continuity *c;
	struct group_options group;
	struct ctprof_snapshot prev;
	bool have_prev;
	uint64_t retention_ns;
};

static void loop_init(struct loop *l, uint64_t retention_ns)
{
	memset(l, 0, sizeof(*l));
	registry_build(&l->reg);
	l->c = continuity_new();
	assert_non_null(l->c);
	l->retention_ns = retention_ns;
}

/* Advance with cur (taken over by the loop) at now. */
static void loop_step(struct loop *l, struct ctprof_snapshot *cur, uint64_t now)
{
	assert_int_equal(continuity_advance(l->c, l->have_prev ? &l->prev : NULL, cur,
					    &l->group, &l->reg, now, l->retention_ns), 0);
	if (l->have_prev)
		ctprof_snapshot_release(&l->prev);
	l->prev = *cur;
	l->have_prev = true;
}

static void loop_release(struct loop *l)
{
	if (l->have_prev)
		ctprof_snapshot_release(&l->prev);
	continuity_free(l->c);
}

static char *render_full(const struct loop *l, const struct continuity *c, size_t max_series,
			 struct render_result *res)
{
	struct strbuf out = STRBUF_INIT;
	struct render_options o = { .format = EXPO_PROMETHEUS, .clk_tck = 100,
				    .capture_duration_ns = -1, .group = l->group,
				    .continuity = c, .max_series = max_series,
				    .result = res };
	assert_int_equal(render_snapshot(&l->prev, &l->reg, &o, &out), 0);
	return strbuf_detach(&out, NULL);
}

/* The last capture, rendered with the loop's continuity. */
static char *render_loop(const struct loop *l)
{
	return render_full(l, l->c, 0, NULL);
}

static void assert_has(const char *text, const char *line)
{
	if (!strstr(text, line))
		fail_msg("missing: %s", line);
}

static void assert_lacks(const char *text, const char *needle)
{
	if (strstr(text, needle))
		fail_msg("unexpected: %s", needle);
}

/* The last capture renders line (with the loop's continuity). */
static void expect_line(const struct loop *l, const char *line)
{
	char *text = render_loop(l);
	assert_has(text, line);
	free(text);
}

static void step(struct loop *l, const struct spec *v, size_t n, uint64_t now)
{
	struct ctprof_snapshot s;
	snap_of(&s, v, n);
	loop_step(l, &s, now);
}

#define STEP(l, v, now) step(l, v, sizeof(v) / sizeof(v[0]), now)

static void test_exit_keeps_counter(void **state)
{
	(void)state;
	static const struct spec c1[] = { { 10, 1, "app", 1 * SEC }, { 11, 1, "app", 2 * SEC },
					  { 12, 1, "app", 3 * SEC } };
	static const struct spec c2[] = { { 10, 1, "app", SEC + SEC / 2 },
					  { 12, 1, "app", 3 * SEC + SEC / 2 } };
	struct loop l;
	loop_init(&l, 60 * SEC);
	STEP(&l, c1, 0);
	expect_line(&l, "ctprof_run_time_seconds_total{pcomm=\"app\"} 6\n");
	STEP(&l, c2, 10 * SEC);
	char *text = render_loop(&l);
	/* 1.5 + 3.5 live, plus the 2 s of the thread that exited */
	assert_has(text, "ctprof_run_time_seconds_total{pcomm=\"app\"} 7\n");
	assert_has(text, "ctprof_threads{pcomm=\"app\"} 2\n");
	free(text);
	/* without the continuity the sum falls: what Prometheus reads as a reset */
	text = render_full(&l, NULL, 0, NULL);
	assert_has(text, "ctprof_run_time_seconds_total{pcomm=\"app\"} 5\n");
	free(text);
	assert_int_equal(continuity_groups(l.c), 1);
	loop_release(&l);
}

static void test_tid_reuse_is_a_new_thread(void **state)
{
	(void)state;
	static const struct spec c1[] = { { 20, 100, "app", 5 * SEC } };
	static const struct spec c2[] = { { 20, 200, "app", 1 * SEC } };
	static const struct spec c3[] = { { 20, 200, "app", 2 * SEC } };
	struct loop l;
	loop_init(&l, 60 * SEC);
	STEP(&l, c1, 0);
	STEP(&l, c2, SEC);
	/* the old thread's 5 s departed; the new one counts its whole life */
	expect_line(&l, "ctprof_run_time_seconds_total{pcomm=\"app\"} 6\n");
	STEP(&l, c3, 2 * SEC);
	expect_line(&l, "ctprof_run_time_seconds_total{pcomm=\"app\"} 7\n");
	loop_release(&l);
}

static void test_rename_credits_old_group(void **state)
{
	(void)state;
	static const struct spec c1[] = { { 30, 1, "reader", 4 * SEC }, { 31, 1, "reader", 1 * SEC },
					  { 40, 1, "writer", 2 * SEC } };
	static const struct spec c2[] = { { 30, 1, "writer", 5 * SEC }, { 31, 1, "reader", 1 * SEC },
					  { 40, 1, "writer", 2 * SEC } };
	struct loop l;
	loop_init(&l, 60 * SEC);
	l.group.axes[0] = GROUP_AXIS_COMM;
	l.group.naxes = 1;
	STEP(&l, c1, 0);
	STEP(&l, c2, SEC);
	char *text = render_loop(&l);
	/* reader keeps the 4 s thread 30 ran under its name; writer has all 5 */
	assert_has(text, "ctprof_run_time_seconds_total{comm=\"reader\"} 5\n"
			 "ctprof_run_time_seconds_total{comm=\"writer\"} 7\n");
	assert_has(text, "ctprof_threads{comm=\"reader\"} 1\n"
			 "ctprof_threads{comm=\"writer\"} 2\n");
	free(text);
	/* a renamed thread staying put credits nothing more */
	STEP(&l, c2, 2 * SEC);
	expect_line(&l, "ctprof_run_time_seconds_total{comm=\"reader\"} 5\n");
	loop_release(&l);
}

static void test_empty_group_until_retention(void **state)
{
	(void)state;
	static const struct spec c1[] = { { 1, 1, "a", SEC }, { 2, 1, "gone", 2 * SEC },
					  { 3, 1, "gone", 3 * SEC }, { 4, 1, "z", SEC } };
	static const struct spec c2[] = { { 1, 1, "a", SEC }, { 4, 1, "z", SEC } };
	struct loop l;
	loop_init(&l, 30 * SEC);
	STEP(&l, c1, 0);
	STEP(&l, c2, 10 * SEC);
	char *text = render_loop(&l);
	assert_has(text, "ctprof_threads{pcomm=\"a\"} 1\n"
			 "ctprof_threads{pcomm=\"gone\"} 0\n"
			 "ctprof_threads{pcomm=\"z\"} 1\n");
	assert_has(text, "ctprof_run_time_seconds_total{pcomm=\"a\"} 1\n"
			 "ctprof_run_time_seconds_total{pcomm=\"gone\"} 5\n"
			 "ctprof_run_time_seconds_total{pcomm=\"z\"} 1\n");
	assert_has(text, "ctprof_minflt_total{pcomm=\"gone\"} 0\n");
	/* nothing to report for gauges, ranges and modes */
	assert_lacks(text, "ctprof_nice{pcomm=\"gone\"");
	assert_lacks(text, "ctprof_state_threads{pcomm=\"gone\"");
	assert_lacks(text, "ctprof_nr_threads{pcomm=\"gone\"");
	assert_lacks(text, "ctprof_cpu_affinity_cpus{pcomm=\"gone\"");
	free(text);
	assert_int_equal(continuity_groups(l.c), 1);
	/* 30 s after the first capture without it: still kept */
	STEP(&l, c2, 40 * SEC);
	expect_line(&l, "ctprof_run_time_seconds_total{pcomm=\"gone\"} 5\n");
	/* past the retention: forgotten, its series drop */
	STEP(&l, c2, 40 * SEC + 1);
	text = render_loop(&l);
	assert_lacks(text, "pcomm=\"gone\"");
	free(text);
	assert_int_equal(continuity_groups(l.c), 0);
	loop_release(&l);
}

/* Thread i's jemalloc counter, read (measured) or not. */
static void jemalloc_thread(struct ctprof_snapshot *s, size_t i, bool measured, uint64_t bytes)
{
	s->threads[i].jemalloc_measured = measured;
	s->threads[i].allocated_bytes = bytes;
}

static void test_measured_family(void **state)
{
	(void)state;
	static const struct spec c1[] = { { 50, 1, "j", SEC }, { 51, 1, "j", SEC },
					  { 60, 1, "k", SEC }, { 70, 1, "u", SEC } };
	static const struct spec c2[] = { { 60, 1, "k", SEC } };
	struct loop l;
	struct ctprof_snapshot s;
	loop_init(&l, 60 * SEC);
	snap_of(&s, c1, 4);
	jemalloc_thread(&s, 0, false, 777);
	jemalloc_thread(&s, 1, true, 4096);
	jemalloc_thread(&s, 2, true, 100);
	jemalloc_thread(&s, 3, false, 777);
	loop_step(&l, &s, 0);
	snap_of(&s, c2, 1);
	jemalloc_thread(&s, 0, true, 100);
	loop_step(&l, &s, SEC);
	char *text = render_loop(&l);
	/* j: the measured thread's 4096 only; u: nothing measured, no series */
	assert_has(text, "ctprof_allocated_bytes_total{pcomm=\"j\"} 4096\n"
			 "ctprof_allocated_bytes_total{pcomm=\"k\"} 100\n");
	assert_lacks(text, "ctprof_allocated_bytes_total{pcomm=\"u\"}");
	assert_has(text, "ctprof_threads{pcomm=\"u\"} 0\n");
	free(text);
	/* no live jemalloc thread left: the family stays for the departed totals */
	static const struct spec c3[] = { { 80, 1, "x", SEC } };
	STEP(&l, c3, 2 * SEC);
	text = render_loop(&l);
	assert_has(text, "ctprof_allocated_bytes_total{pcomm=\"j\"} 4096\n"
			 "ctprof_allocated_bytes_total{pcomm=\"k\"} 100\n");
	assert_lacks(text, "ctprof_allocated_bytes_total{pcomm=\"u\"}");
	assert_lacks(text, "ctprof_allocated_bytes_total{pcomm=\"x\"}");
	assert_has(text, "ctprof_source_available{source=\"jemalloc\"} 0\n");
	free(text);
	loop_release(&l);
}

/*
 * A thread measured in one capture and walked but not measured in the next
 * (its taskstats query raced its exit): its last measured values stay in
 * the group, and are not credited twice when it is gone.
 */
static void test_lost_measurement_keeps_counter(void **state)
{
	(void)state;
	static const struct spec c[] = { { 50, 1, "d", SEC }, { 51, 1, "d", SEC } };
	struct loop l;
	struct ctprof_snapshot s;
	loop_init(&l, 60 * SEC);
	snap_of(&s, c, 2);
	for (size_t i = 0; i < 2; i++) {
		s.threads[i].taskstats_measured = s.threads[i].cpu_delay_active = true;
		s.threads[i].cpu_delay_total_ns = 3000 * (i + 1);
	}
	loop_step(&l, &s, 0);
	expect_line(&l, "ctprof_cpu_delay_seconds_total{pcomm=\"d\"} 0.000009\n");
	/* 51 is still walked, but its query failed: the live sum lost 6000 */
	snap_of(&s, c, 2);
	s.threads[0].taskstats_measured = s.threads[0].cpu_delay_active = true;
	s.threads[0].cpu_delay_total_ns = 4000;
	loop_step(&l, &s, SEC);
	expect_line(&l, "ctprof_cpu_delay_seconds_total{pcomm=\"d\"} 0.00001\n");
	/* 51 is gone: its unmeasured last capture adds nothing more */
	snap_of(&s, c, 1);
	s.threads[0].taskstats_measured = s.threads[0].cpu_delay_active = true;
	s.threads[0].cpu_delay_total_ns = 5000;
	loop_step(&l, &s, 2 * SEC);
	expect_line(&l, "ctprof_cpu_delay_seconds_total{pcomm=\"d\"} 0.000011\n");
	loop_release(&l);
}

/* ---- churn: 30 captures against a model ---- */

#define CHURN_THREADS 60
#define CHURN_CAPTURES 30

static size_t churn_birth(size_t i) { return i / 2; }
static size_t churn_life(size_t i) { return 1 + (i * 7) % 6; }
static bool churn_live(size_t i, size_t k)
{
	return churn_birth(i) <= k && k < churn_birth(i) + churn_life(i);
}
/* Every fifth thread moves from w to v halfway through its life. */
static const char *churn_name(size_t i, size_t k)
{
	return i % 5 == 0 && k >= churn_birth(i) + churn_life(i) / 2 ? "v" : "w";
}
static uint64_t churn_value(size_t i, size_t k)
{
	return (uint64_t)(k - churn_birth(i) + 1) * (i + 1) * 1000;
}

/* Capture k: every counter field of a live thread holds churn_value. */
static void churn_snapshot(struct ctprof_snapshot *s, size_t k)
{
	struct spec v[CHURN_THREADS];
	size_t n = 0;
	for (size_t i = 0; i < CHURN_THREADS; i++)
		if (churn_live(i, k))
			v[n++] = (struct spec){ (uint32_t)(1000 + i % 8), churn_birth(i) * 100 + i,
						churn_name(i, k), 0 };
	snap_of(s, v, n);
	for (size_t t = 0; t < n; t++) {
		struct thread_state *ts = &s->threads[t];
		size_t i = (size_t)(ts->start_time_clock_ticks % 100);
		for (int f = 0; f < THREAD_FIELD_COUNT; f++)
			if (thread_field_descs[f].family == FIELD_FAMILY_COUNTER)
				*(uint64_t *)((char *)ts + thread_field_descs[f].offset) =
					churn_value(i, k);
		ts->taskstats_measured = ts->cpu_delay_active = true;
		ts->delay_block_active = ts->xacct_active = ts->jemalloc_measured = true;
	}
}

/* The model: w's live sum plus the last values of threads that left w. */
static uint64_t churn_model(size_t k)
{
	uint64_t sum = 0;
	for (size_t i = 0; i < CHURN_THREADS; i++) {
		if (churn_live(i, k) && !strcmp(churn_name(i, k), "w")) {
			sum += churn_value(i, k);
			continue;
		}
		for (size_t j = k; j-- > 0;)
			if (churn_live(i, j) && !strcmp(churn_name(i, j), "w")) {
				sum += churn_value(i, j);
				break;
			}
	}
	return sum;
}

/* The value of name{pcomm="w"} in text; fails when absent. */
static double sample_value(const char *text, const char *name)
{
	char needle[160];
	snprintf(needle, sizeof(needle), "\n%s{pcomm=\"w\"} ", name);
	const char *p = strstr(text, needle);
	if (!p)
		fail_msg("missing: %s", needle + 1);
	return strtod(p + strlen(needle), NULL);
}

static void test_churn_never_decreases(void **state)
{
	(void)state;
	struct loop l;
	double last[REGISTRY_MAX] = { 0 };
	size_t checked = 0, counters = 0;
	loop_init(&l, 3600 * SEC);
	for (size_t m = 0; m < l.reg.len; m++)
		counters += l.reg.metrics[m].type == METRIC_COUNTER;
	for (size_t k = 0; k < CHURN_CAPTURES; k++) {
		struct ctprof_snapshot s;
		char want[64];
		churn_snapshot(&s, k);
		loop_step(&l, &s, k * 15 * SEC);
		char *text = render_loop(&l);
		for (size_t m = 0; m < l.reg.len; m++) {
			if (l.reg.metrics[m].type != METRIC_COUNTER)
				continue;
			double v = sample_value(text, l.reg.metrics[m].name);
			if (v < last[m])
				fail_msg("%s fell at capture %zu: %.9f -> %.9f",
					 l.reg.metrics[m].name, k, last[m], v);
			last[m] = v;
			checked++;
		}
		snprintf(want, sizeof(want), "ctprof_nr_migrations_total{pcomm=\"w\"} %llu\n",
			 (unsigned long long)churn_model(k));
		assert_has(text, want);
		free(text);
	}
	/* every counter of the registry was there at every capture */
	assert_int_equal(checked, CHURN_CAPTURES * counters);
	assert_true(counters > 40);
	loop_release(&l);
}

/* ---- the series limit ---- */

static const uint64_t group_cpu[] = { 5, 9, 1, 7, 7, 3, 0, 8, 2, 6 }; /* g0..g9 */

static void ten_groups(struct ctprof_snapshot *s)
{
	static const struct spec v[] = { { 1, 1, "g0", 0 }, { 2, 1, "g1", 0 }, { 3, 1, "g2", 0 },
					 { 4, 1, "g3", 0 }, { 5, 1, "g4", 0 }, { 6, 1, "g5", 0 },
					 { 7, 1, "g6", 0 }, { 8, 1, "g7", 0 }, { 9, 1, "g8", 0 },
					 { 10, 1, "g9", 0 } };
	snap_of(s, v, 10);
	for (size_t i = 0; i < 10; i++)
		s->threads[i].utime_clock_ticks = group_cpu[i];
}

/* Sample lines of one group, counted in the plain rendering. */
static size_t lines_of(const char *text, const char *group)
{
	size_t n = 0;
	for (const char *p = text; (p = strstr(p, group)); p++)
		n++;
	return n;
}

static void test_series_limit_folds_smallest(void **state)
{
	(void)state;
	struct loop l;
	struct ctprof_snapshot s;
	struct render_result res;
	loop_init(&l, 60 * SEC);
	l.group.no_thread_normalize = true; /* g0 stays g0 */
	ten_groups(&s);
	loop_step(&l, &s, 0);
	char *text = render_full(&l, NULL, 0, NULL);
	size_t e = lines_of(text, "{pcomm=\"g0\"");
	assert_true(e > 10);
	assert_lacks(text, "ctprof_series_limited");
	free(text);
	/* room for every group: nothing folds, the gauge says 0 */
	text = render_full(&l, NULL, 10 * e, &res);
	assert_has(text, "\nctprof_series_limited 0\n");
	assert_false(res.series_limited);
	assert_int_equal(res.series, 10 * e);
	free(text);
	/* room for three groups beside "other": by CPU g1 9, g7 8, then the tie
	 * g3 = g4 = 7 goes to g3 by label order */
	text = render_full(&l, NULL, 4 * e + 1, &res);
	assert_has(text, "ctprof_threads{pcomm=\"g1\"} 1\n"
			 "ctprof_threads{pcomm=\"g3\"} 1\n"
			 "ctprof_threads{pcomm=\"g7\"} 1\n"
			 "ctprof_threads{pcomm=\"other\"} 7\n"
			 "# HELP");
	/* 7 + 6 + 5 + 3 + 2 + 1 + 0 ticks folded */
	assert_has(text, "ctprof_utime_seconds_total{pcomm=\"other\"} 0.24\n");
	assert_has(text, "ctprof_utime_seconds_total{pcomm=\"g1\"} 0.09\n");
	assert_has(text, "\nctprof_series_limited 1\n");
	assert_lacks(text, "pcomm=\"g4\"");
	assert_lacks(text, "pcomm=\"g0\"");
	assert_true(res.series_limited);
	assert_int_equal(res.series, 10 * e);
	assert_int_equal(res.series_kept, 4 * e);
	assert_int_equal(res.groups_folded, 7);
	assert_int_equal(lines_of(text, "{pcomm=\"other\""), e);
	free(text);
	loop_release(&l);
}

static void test_series_limit_with_departed(void **state)
{
	(void)state;
	static const struct spec dead[] = { { 99, 1, "dead", 0 } };
	struct loop l;
	struct ctprof_snapshot s;
	struct render_result res;
	loop_init(&l, 60 * SEC);
	l.group.no_thread_normalize = true;
	snap_of(&s, dead, 1);
	s.threads[0].utime_clock_ticks = 50;
	loop_step(&l, &s, 0);
	ten_groups(&s);
	loop_step(&l, &s, SEC);
	char *text = render_full(&l, NULL, 0, NULL);
	size_t e = lines_of(text, "{pcomm=\"g0\"");
	free(text);
	/* the retained group has no CPU now: it folds first, its totals with it */
	text = render_full(&l, l.c, 4 * e + 1, &res);
	assert_has(text, "ctprof_threads{pcomm=\"g7\"} 1\n"
			 "ctprof_threads{pcomm=\"other\"} 7\n");
	assert_has(text, "ctprof_utime_seconds_total{pcomm=\"other\"} 0.74\n");
	assert_lacks(text, "pcomm=\"dead\"");
	assert_int_equal(res.groups_folded, 8);
	free(text);
	loop_release(&l);
}

static void test_other_axes_rejected(void **state)
{
	(void)state;
	static const struct spec c1[] = { { 1, 1, "a", SEC } };
	static const struct spec c2[] = { { 2, 1, "b", SEC } };
	struct loop l;
	struct strbuf out = STRBUF_INIT;
	loop_init(&l, 60 * SEC);
	STEP(&l, c1, 0);
	STEP(&l, c2, SEC); /* "a" retained */
	struct render_options o = { .format = EXPO_PROMETHEUS, .clk_tck = 100,
				    .capture_duration_ns = -1, .continuity = l.c };
	o.group.axes[0] = GROUP_AXIS_COMM;
	o.group.naxes = 1;
	assert_int_equal(render_snapshot(&l.prev, &l.reg, &o, &out), -EINVAL);
	strbuf_release(&out);
	/* advancing under other axes starts afresh */
	l.group = o.group;
	STEP(&l, c2, 2 * SEC); /* nothing departs */
	assert_int_equal(continuity_groups(l.c), 0);
	loop_release(&l);
}

/* ---- group CPU from process totals ---- */

/* A thread with CPU ticks; run_time follows utime (10 ms a tick). */
struct task {
	uint32_t tid, tgid;
	uint64_t start;
	const char *pcomm, *comm, *cgroup;
	uint64_t utime, stime;
};

/* A capture of tasks v[0..n) and process totals procs[0..np). */
static void task_snap(struct ctprof_snapshot *s, const struct task *v, size_t n,
		      const struct process_cpu *procs, size_t np)
{
	ctprof_snapshot_init(s);
	for (size_t i = 0; i < n; i++) {
		struct thread_state *t =
			push_named(s, v[i].tid, v[i].tgid, v[i].start, v[i].pcomm, v[i].comm);
		set_str(&t->cgroup, v[i].cgroup);
		t->utime_clock_ticks = v[i].utime;
		t->stime_clock_ticks = v[i].stime;
		t->run_time_ns = v[i].utime * 10000000ull;
	}
	for (size_t p = 0; p < np; p++)
		assert_int_equal(snapshot_add_process(s, &procs[p]), 0);
}

static void task_step(struct loop *l, const struct task *v, size_t n,
		      const struct process_cpu *procs, size_t np, uint64_t now)
{
	struct ctprof_snapshot s;
	task_snap(&s, v, n, procs, np);
	loop_step(l, &s, now);
}

#define TASK_STEP(l, v, p, now)                                                        \
	task_step(l, v, sizeof(v) / sizeof(v[0]), p, sizeof(p) / sizeof(p[0]), now)
/* The same threads, no process totals (a snapshot read from a file). */
#define TASK_STEP_NO_TOTALS(l, v, now) task_step(l, v, sizeof(v) / sizeof(v[0]), NULL, 0, now)

/*
 * "app" (tgid 100): 5 utime ticks and 1 stime tick of a thread reaped
 * before c1. Between c1 and c2 thread 101 exits after running 25 more
 * utime and 4 more stime ticks than c1 saw; then the process exits.
 */
static const struct task app_c1[] = {
	{ 100, 100, 1, "app", "app", "/a", 10, 1 },
	{ 101, 100, 1, "app", "worker", "/a", 20, 2 },
	{ 102, 100, 1, "app", "worker", "/a", 30, 3 },
	{ 200, 200, 1, "db", "db", "/b", 5, 0 },
};
static const struct process_cpu app_p1[] = { { 100, 1, 65, 7 }, { 200, 1, 5, 0 } };
static const struct task app_c2[] = {
	{ 100, 100, 1, "app", "app", "/a", 12, 1 },
	{ 102, 100, 1, "app", "worker", "/a", 33, 4 },
	{ 200, 200, 1, "db", "db", "/b", 6, 0 },
};
/* 12 + 33 live, 20 + 25 of thread 101, 5 reaped before: 95; stime 1 + 4 + 6 + 1 */
static const struct process_cpu app_p2[] = { { 100, 1, 95, 12 }, { 200, 1, 6, 0 } };
static const struct task app_c3[] = { { 200, 200, 1, "db", "db", "/b", 7, 0 } };
static const struct process_cpu app_p3[] = { { 200, 1, 7, 0 } };

/* The last capture renders every line of the NULL-terminated list. */
static void expect_lines(const struct loop *l, const struct continuity *c, ...)
{
	char *text = render_full(l, c, 0, NULL);
	va_list ap;
	va_start(ap, c);
	for (const char *line; (line = va_arg(ap, const char *));)
		assert_has(text, line);
	va_end(ap);
	free(text);
}

static void test_process_total_keeps_exited_cpu(void **state)
{
	(void)state;
	struct loop l;
	loop_init(&l, 60 * SEC);
	TASK_STEP(&l, app_c1, app_p1, 0);
	/* the process total, with the thread reaped before c1 */
	expect_lines(&l, l.c, "ctprof_utime_seconds_total{pcomm=\"app\"} 0.65\n",
		     "ctprof_stime_seconds_total{pcomm=\"app\"} 0.07\n", NULL);
	TASK_STEP(&l, app_c2, app_p2, 10 * SEC);
	/*
	 * exactly the new total, not 12 + 33 + the 20 thread 101 had at c1;
	 * counters without a process total credit that 20 (run_time)
	 */
	expect_lines(&l, l.c, "ctprof_utime_seconds_total{pcomm=\"app\"} 0.95\n",
		     "ctprof_stime_seconds_total{pcomm=\"app\"} 0.12\n",
		     "ctprof_utime_seconds_total{pcomm=\"db\"} 0.06\n",
		     "ctprof_run_time_seconds_total{pcomm=\"app\"} 0.65\n",
		     "ctprof_threads{pcomm=\"app\"} 2\n", NULL);
	/* the live sums alone give the same: the totals need no continuity */
	expect_lines(&l, NULL, "ctprof_utime_seconds_total{pcomm=\"app\"} 0.95\n", NULL);
	/* the process exits: its last total is its departed total */
	TASK_STEP(&l, app_c3, app_p3, 20 * SEC);
	expect_lines(&l, l.c, "ctprof_utime_seconds_total{pcomm=\"app\"} 0.95\n",
		     "ctprof_stime_seconds_total{pcomm=\"app\"} 0.12\n",
		     "ctprof_run_time_seconds_total{pcomm=\"app\"} 0.65\n",
		     "ctprof_threads{pcomm=\"app\"} 0\n",
		     "ctprof_utime_seconds_total{pcomm=\"db\"} 0.07\n", NULL);
	loop_release(&l);
}

static void test_process_total_tgid_reuse(void **state)
{
	(void)state;
	static const struct task c1[] = { { 100, 100, 1, "app", "app", "/", 30, 0 } };
	static const struct process_cpu p1[] = { { 100, 1, 40, 0 } };
	static const struct task c2[] = { { 100, 100, 9, "app", "app", "/", 3, 0 } };
	static const struct process_cpu p2[] = { { 100, 9, 3, 0 } };
	struct loop l;
	loop_init(&l, 60 * SEC);
	TASK_STEP(&l, c1, p1, 0);
	TASK_STEP(&l, c2, p2, SEC);
	/* another process under the same tgid: the old one's 40 departed, plus 3 */
	expect_line(&l, "ctprof_utime_seconds_total{pcomm=\"app\"} 0.43\n");
	loop_release(&l);
}

static void test_comm_axis_keeps_thread_sums(void **state)
{
	(void)state;
	struct loop l;
	loop_init(&l, 60 * SEC);
	l.group.axes[0] = GROUP_AXIS_COMM;
	l.group.naxes = 1;
	TASK_STEP(&l, app_c1, app_p1, 0);
	expect_line(&l, "ctprof_utime_seconds_total{comm=\"worker\"} 0.5\n");
	TASK_STEP(&l, app_c2, app_p2, 10 * SEC);
	/* thread 101's last captured 20, as before process totals */
	expect_line(&l, "ctprof_utime_seconds_total{comm=\"app\"} 0.12\n"
			"ctprof_utime_seconds_total{comm=\"db\"} 0.06\n"
			"ctprof_utime_seconds_total{comm=\"worker\"} 0.53\n");
	loop_release(&l);
	/* without process totals pcomm groups are thread sums too */
	loop_init(&l, 60 * SEC);
	TASK_STEP_NO_TOTALS(&l, app_c1, 0);
	expect_line(&l, "ctprof_utime_seconds_total{pcomm=\"app\"} 0.6\n");
	TASK_STEP_NO_TOTALS(&l, app_c2, 10 * SEC);
	expect_line(&l, "ctprof_utime_seconds_total{pcomm=\"app\"} 0.65\n");
	loop_release(&l);
}

static void loop_by_cgroup(struct loop *l)
{
	loop_init(l, 60 * SEC);
	l->group.axes[0] = GROUP_AXIS_CGROUP;
	l->group.naxes = 1;
}

/* Thread 300 ("svc") leads; 30 ticks of reaped threads are in every total. */
static void test_process_in_several_groups(void **state)
{
	(void)state;
	static const struct task c1[] = { { 300, 300, 1, "svc", "svc", "/a", 10, 0 },
					  { 301, 300, 1, "svc", "svc", "/a", 20, 0 },
					  { 302, 300, 1, "svc", "svc", "/b", 40, 0 } };
	static const struct process_cpu p1[] = { { 300, 1, 100, 0 } };
	/* 301 exits after 5 more ticks */
	static const struct task c2[] = { { 300, 300, 1, "svc", "svc", "/a", 11, 0 },
					  { 302, 300, 1, "svc", "svc", "/b", 45, 0 } };
	static const struct process_cpu p2[] = { { 300, 1, 111, 0 } };
	/* 302 moves to /a */
	static const struct task c3[] = { { 300, 300, 1, "svc", "svc", "/a", 12, 0 },
					  { 302, 300, 1, "svc", "svc", "/a", 46, 0 } };
	static const struct process_cpu p3[] = { { 300, 1, 113, 0 } };
	/* the leader moves to /c, 302 stays */
	static const struct task c4[] = { { 300, 300, 1, "svc", "svc", "/c", 13, 0 },
					  { 302, 300, 1, "svc", "svc", "/a", 47, 0 } };
	static const struct process_cpu p4[] = { { 300, 1, 115, 0 } };
	static const struct task c5[] = { { 9, 9, 1, "x", "x", "/x", 0, 0 } };
	static const struct process_cpu p5[] = { { 9, 1, 0, 0 } };
	struct loop l;
	loop_by_cgroup(&l);
	TASK_STEP(&l, c1, p1, 0);
	/* the leader's group has the total less what /b's thread has */
	expect_line(&l, "ctprof_utime_seconds_total{cgroup=\"/a\"} 0.6\n"
			"ctprof_utime_seconds_total{cgroup=\"/b\"} 0.4\n");
	TASK_STEP(&l, c2, p2, SEC);
	expect_line(&l, "ctprof_utime_seconds_total{cgroup=\"/a\"} 0.66\n"
			"ctprof_utime_seconds_total{cgroup=\"/b\"} 0.45\n");
	/* /b keeps the 45 its thread ran there; /a now counts the whole total */
	TASK_STEP(&l, c3, p3, 2 * SEC);
	expect_line(&l, "ctprof_utime_seconds_total{cgroup=\"/a\"} 1.13\n"
			"ctprof_utime_seconds_total{cgroup=\"/b\"} 0.45\n");
	/* /a keeps the 113 less 302's 46 (counted live again: 47); /c: 115 - 47 */
	TASK_STEP(&l, c4, p4, 3 * SEC);
	expect_line(&l, "ctprof_utime_seconds_total{cgroup=\"/a\"} 1.14\n"
			"ctprof_utime_seconds_total{cgroup=\"/b\"} 0.45\n"
			"ctprof_utime_seconds_total{cgroup=\"/c\"} 0.68\n");
	/* the process exits: every group keeps what it last had */
	TASK_STEP(&l, c5, p5, 4 * SEC);
	expect_line(&l, "ctprof_utime_seconds_total{cgroup=\"/a\"} 1.14\n"
			"ctprof_utime_seconds_total{cgroup=\"/b\"} 0.45\n"
			"ctprof_utime_seconds_total{cgroup=\"/c\"} 0.68\n");
	loop_release(&l);
}

static void test_process_total_without_leader(void **state)
{
	(void)state;
	/* the leader is not in the capture: its lowest tid present is home */
	static const struct task c1[] = { { 402, 400, 1, "p", "p", "/x", 10, 0 },
					  { 401, 400, 1, "p", "p", "/y", 20, 0 } };
	static const struct process_cpu p1[] = { { 400, 1, 100, 0 } };
	struct loop l;
	loop_by_cgroup(&l);
	TASK_STEP(&l, c1, p1, 0);
	expect_line(&l, "ctprof_utime_seconds_total{cgroup=\"/x\"} 0.1\n"
			"ctprof_utime_seconds_total{cgroup=\"/y\"} 0.9\n");
	loop_release(&l);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_exit_keeps_counter),
		cmocka_unit_test(test_tid_reuse_is_a_new_thread),
		cmocka_unit_test(test_rename_credits_old_group),
		cmocka_unit_test(test_empty_group_until_retention),
		cmocka_unit_test(test_measured_family),
		cmocka_unit_test(test_lost_measurement_keeps_counter),
		cmocka_unit_test(test_churn_never_decreases),
		cmocka_unit_test(test_series_limit_folds_smallest),
		cmocka_unit_test(test_series_limit_with_departed),
		cmocka_unit_test(test_other_axes_rejected),
		cmocka_unit_test(test_process_total_keeps_exited_cpu),
		cmocka_unit_test(test_process_total_tgid_reuse),
		cmocka_unit_test(test_comm_axis_keeps_thread_sums),
		cmocka_unit_test(test_process_in_several_groups),
		cmocka_unit_test(test_process_total_without_leader),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
