/*
 * test_compare.c - the compare/show engine: ktstr's unit ladders and cell
 * forms (scale.rs pins), the singleton revert counted in threads over both
 * snapshots, the three cgroup layers behind the key map, the derived
 * formulas (zero denominators, Absent inputs, total_offcpu_delay_ns's
 * max(swapin, thrashing)), the Range/Mode/Affinity display forms, the
 * delta rule, the default sort, and the flag parsers.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "compare.h"
#include "compare_format.h"
#include "compare_parse.h"


static void expect_u64(uint64_t v, enum compare_ladder l, const char *want)
{
	struct strbuf sb = STRBUF_INIT;
	assert_int_equal(compare_fmt_u64(&sb, v, l), 0);
	assert_string_equal(sb.buf, want);
	strbuf_release(&sb);
}

static void expect_delta(double d, enum compare_ladder l, const char *want)
{
	struct strbuf sb = STRBUF_INIT;
	assert_int_equal(compare_fmt_delta(&sb, d, l), 0);
	assert_string_equal(sb.buf, want);
	strbuf_release(&sb);
}

static void expect_derived(double v, enum compare_ladder l, bool ratio, bool delta,
			   const char *want)
{
	struct strbuf sb = STRBUF_INIT;
	int rc = delta ? compare_fmt_derived_delta(&sb, v, l, ratio) :
			 compare_fmt_derived(&sb, v, l, ratio);
	assert_int_equal(rc, 0);
	assert_string_equal(sb.buf, want);
	strbuf_release(&sb);
}

/* scale.rs: |v| >= next threshold steps up; below the first, verbatim + base unit. */
static void test_ladders(void **state)
{
	(void)state;
	expect_u64(0, LADDER_NS, "0ns");
	expect_u64(999, LADDER_NS, "999ns");
	expect_u64(1000, LADDER_NS, "1.000µs");
	expect_u64(1234567, LADDER_NS, "1.235ms");
	expect_u64(1000000000, LADDER_NS, "1.000s");
	expect_u64(999, LADDER_US, "999µs");
	expect_u64(1000, LADDER_US, "1.000ms");
	expect_u64(2500000, LADDER_US, "2.500s");
	expect_u64(1023, LADDER_BYTES, "1023B");
	expect_u64(1024, LADDER_BYTES, "1.000KiB");
	expect_u64(1536, LADDER_BYTES, "1.500KiB");
	expect_u64(1u << 20, LADDER_BYTES, "1.000MiB");
	expect_u64(3ull << 30, LADDER_BYTES, "3.000GiB");
	expect_u64(1ull << 40, LADDER_BYTES, "1.000TiB");
	expect_u64(999, LADDER_TICKS, "999ticks");
	expect_u64(1000, LADDER_TICKS, "1.000Kticks");
	expect_u64(2000000, LADDER_TICKS, "2.000Mticks");
	expect_u64(999, LADDER_UNITLESS, "999");
	expect_u64(1000, LADDER_UNITLESS, "1.000K");
	expect_u64(1500000, LADDER_UNITLESS, "1.500M");
	expect_u64(1000000000, LADDER_UNITLESS, "1.000G");
	expect_u64(123456, LADDER_NONE, "123456");
	expect_u64(1859, LADDER_CENTI_PCT, "18.59%");
	expect_u64(5, LADDER_CENTI_PCT, "0.05%");
	expect_u64(UINT64_MAX, LADDER_BYTES, "16777216.000TiB");
}

/* Deltas carry a sign; an integral delta below the first step stays an integer. */
static void test_delta_cells(void **state)
{
	(void)state;
	expect_delta(5, LADDER_NS, "+5ns");
	expect_delta(-5, LADDER_NS, "-5ns");
	expect_delta(0, LADDER_UNITLESS, "+0");
	expect_delta(1500, LADDER_NS, "+1.500µs");
	expect_delta(-2048, LADDER_BYTES, "-2.000KiB");
	expect_delta(0.5, LADDER_NONE, "+0.500");
	expect_delta(2.5, LADDER_NONE, "+2.500");
	expect_delta(-100, LADDER_CENTI_PCT, "-1.00%");
	expect_delta(1100, LADDER_CENTI_PCT, "+11.00%");
	expect_derived(0.42042, LADDER_NONE, true, false, "0.420");
	expect_derived(123.4, LADDER_NS, false, false, "123.40ns");
	expect_derived(1234, LADDER_NS, false, false, "1.234µs");
	expect_derived(-2048, LADDER_BYTES, false, false, "-2.000KiB");
	expect_derived(0.1, LADDER_NONE, true, true, "+0.100");
	expect_derived(12.5, LADDER_NS, false, true, "+12.50ns");
	expect_derived(-1500, LADDER_NS, false, true, "-1.500µs");
	struct strbuf sb = STRBUF_INIT;
	assert_int_equal(compare_fmt_pct(&sb, 0.2), 0);
	assert_int_equal(compare_fmt_pct(&sb, -0.5), 0);
	assert_string_equal(sb.buf, "+20.0%-50.0%");
	strbuf_release(&sb);
}

/* Threads named by pcomm/comm/cgroup; tid = tgid = base + i. */
struct tdef {
	const char *pcomm, *comm, *cgroup;
};

/* Thread definitions: pcomm only, or pcomm and comm (cgroup "/"). */
#define T1(p) { p, NULL, NULL }
#define T2(p, c) { p, c, NULL }

static void make_snap(struct ctprof_snapshot *s, const struct tdef *defs, size_t n,
		      uint32_t base)
{
	ctprof_snapshot_init(s);
	for (size_t i = 0; i < n; i++) {
		struct thread_state t;
		thread_state_init(&t);
		free(t.pcomm);
		free(t.comm);
		free(t.cgroup);
		t.pcomm = strdup(defs[i].pcomm);
		t.comm = strdup(defs[i].comm ? defs[i].comm : defs[i].pcomm);
		t.cgroup = strdup(defs[i].cgroup ? defs[i].cgroup : "/");
		t.tid = t.tgid = base + (uint32_t)i;
		assert_int_equal(snapshot_push_thread(s, &t), 0);
	}
}

static const struct compare_group *find_group(const struct compare_groups *g, const char *key)
{
	for (size_t i = 0; i < g->len; i++)
		if (!strcmp(g->groups[i].key, key))
			return &g->groups[i];
	return NULL;
}

static void expect_group(const struct compare_groups *g, const char *key, size_t base,
			 size_t cand)
{
	const struct compare_group *cg = find_group(g, key);
	if (!cg)
		fail_msg("no group '%s'", key);
	assert_int_equal(cg->side[0].nmembers, base);
	assert_int_equal(cg->side[1].nmembers, cand);
}

/* ktstr's compare_comm_pattern_joins_across_asymmetric_resize and friends. */
static void test_singleton_revert(void **state)
{
	(void)state;
	static const struct tdef a[] = { T2("app", "worker-7"), T2("app", "main"),
					 T2("cron2", "cron2") };
	static const struct tdef b[] = { T2("app", "worker-1"), T2("app", "worker-2"),
					 T2("app", "worker-3"), T2("app", "main") };
	struct ctprof_snapshot sa, sb;
	make_snap(&sa, a, 3, 100);
	make_snap(&sb, b, 4, 200);
	const struct ctprof_snapshot *both[2] = { &sa, &sb };
	struct compare_options o = { .group_by = COMPARE_BY_COMM };
	struct compare_groups g;
	assert_int_equal(compare_groups_build(both, &o, &g), 0);
	expect_group(&g, "worker-{N}", 1, 3); /* 4 threads over both sides */
	expect_group(&g, "main", 1, 1);
	expect_group(&g, "cron2", 1, 0);      /* one thread: literal */
	assert_int_equal(g.len, 3);
	compare_groups_release(&g);

	o.no_thread_normalize = true; /* literal names everywhere */
	assert_int_equal(compare_groups_build(both, &o, &g), 0);
	expect_group(&g, "worker-7", 1, 0);
	expect_group(&g, "worker-2", 0, 1);
	compare_groups_release(&g);

	/* all: pattern-keyed unconditionally, cg\0pcomm\0comm */
	o = (struct compare_options){ .group_by = COMPARE_BY_ALL };
	assert_int_equal(compare_groups_build(both, &o, &g), 0);
	const struct compare_group *cron = &g.groups[g.len - 1]; /* "/\0c..." sorts last */
	assert_int_equal(cron->klen, strlen("/") + 1 + strlen("cron{N}") + 1 + strlen("cron{N}"));
	assert_memory_equal(cron->key, "/\0cron{N}\0cron{N}", cron->klen);
	compare_groups_release(&g);

	/* show: one snapshot; a multi-threaded worker-7 already gets the skeleton */
	static const struct tdef c[] = { T1("worker-7"), T1("worker-7"), T1("lone-3") };
	struct ctprof_snapshot sc;
	make_snap(&sc, c, 3, 300);
	const struct ctprof_snapshot *one[2] = { &sc, NULL };
	o = (struct compare_options){ .group_by = COMPARE_BY_PCOMM };
	assert_int_equal(compare_groups_build(one, &o, &g), 0);
	expect_group(&g, "worker-{N}", 2, 0);
	expect_group(&g, "lone-3", 1, 0);
	compare_groups_release(&g);
	ctprof_snapshot_release(&sa);
	ctprof_snapshot_release(&sb);
	ctprof_snapshot_release(&sc);
}

static void expect_cgroup_key(const struct compare_groups *g, const struct compare_options *o,
			      const char *path, const char *want)
{
	struct strbuf sb = STRBUF_INIT;
	assert_int_equal(compare_cgroup_key(g, o, path, &sb), 0);
	assert_string_equal(sb.buf, want);
	strbuf_release(&sb);
}

/* Flatten first, then the systemd template and token layers (singletons too). */
static void test_cgroup_keys(void **state)
{
	(void)state;
	static const struct tdef a[] = {
		{ "a", "a", "/user.slice/user-0.slice/user@0.service/boot.scope" },
		{ "b", "b", "/critical.slice/launcher@foo.bar.baz.service" },
		{ "c", "c", "/kubepods/pod-abc-123/workload" },
		{ "d", "d", "/user.slice/session-[a1b2c3d4]/scope" },
	};
	static const struct tdef b[] = { { "e", "e", "/apps.slice/run-17.fluxcap9000_01.zz3" } };
	const char *globs[] = { "/kubepods/*/workload" };
	struct ctprof_snapshot sa, sb;
	make_snap(&sa, a, 4, 100);
	make_snap(&sb, b, 1, 200);
	const struct ctprof_snapshot *both[2] = { &sa, &sb };
	struct compare_options o = { .group_by = COMPARE_BY_CGROUP, .flatten = globs,
				     .nflatten = 1 };
	struct compare_groups g;
	assert_int_equal(compare_groups_build(both, &o, &g), 0);
	assert_int_equal(g.cgroup_keys.len, 5);
	expect_cgroup_key(&g, &o, a[0].cgroup,
			  "/user.slice/user-{N}.slice/user@{I}.service/boot.scope");
	expect_cgroup_key(&g, &o, a[1].cgroup, "/critical.slice/launcher@foo.bar.baz.service");
	expect_cgroup_key(&g, &o, a[2].cgroup, "/kubepods/*/workload");
	expect_cgroup_key(&g, &o, a[3].cgroup, "/user.slice/session-[{H}]/scope");
	expect_cgroup_key(&g, &o, b[0].cgroup, "/apps.slice/run-{N}.fluxcap{N}_{N}.zz{N}");
	expect_group(&g, "/kubepods/*/workload", 1, 0);
	compare_groups_release(&g);
	o.no_cg_normalize = true;
	assert_int_equal(compare_groups_build(both, &o, &g), 0);
	expect_cgroup_key(&g, &o, a[0].cgroup, a[0].cgroup);
	expect_cgroup_key(&g, &o, a[2].cgroup, "/kubepods/*/workload");
	compare_groups_release(&g);
	ctprof_snapshot_release(&sa);
	ctprof_snapshot_release(&sb);
}

/* Values by registry index: every input measured with the given numbers. */
struct inputs {
	struct registry r;
	struct cmp_value v[REGISTRY_MAX];
	const struct cmp_value *p[REGISTRY_MAX];
};

static void inputs_init(struct inputs *in)
{
	registry_build(&in->r);
	for (size_t i = 0; i < in->r.len; i++) {
		in->v[i] = (struct cmp_value){ .present = true, .has_num = true };
		in->p[i] = &in->v[i];
	}
}

static void set_input(struct inputs *in, const char *name, double v)
{
	size_t id = compare_metric_id(&in->r, name);
	assert_true(id < in->r.len);
	in->v[id].num = v;
}

static const struct compare_derived *derived(const char *name)
{
	for (size_t i = 0; i < COMPARE_DERIVED_COUNT; i++)
		if (!strcmp(compare_derived[i].name, name))
			return &compare_derived[i];
	fail_msg("no derived metric %s", name);
	return NULL;
}

static void test_derived_formulas(void **state)
{
	(void)state;
	struct inputs in;
	double out = 0;
	inputs_init(&in);
	set_input(&in, "cpu_delay_total_ns", 100);
	set_input(&in, "blkio_delay_total_ns", 200);
	set_input(&in, "freepages_delay_total_ns", 300);
	set_input(&in, "compact_delay_total_ns", 400);
	set_input(&in, "wpcopy_delay_total_ns", 500);
	set_input(&in, "irq_delay_total_ns", 600);
	set_input(&in, "swapin_delay_total_ns", 7000);
	set_input(&in, "thrashing_delay_total_ns", 9000);
	assert_true(compare_derive(&in.r, derived("total_offcpu_delay_ns"), in.p, &out));
	assert_true(out == 2100 + 9000); /* max(swapin, thrashing), not their sum */
	set_input(&in, "swapin_delay_total_ns", 12000);
	assert_true(compare_derive(&in.r, derived("total_offcpu_delay_ns"), in.p, &out));
	assert_true(out == 2100 + 12000);
	in.v[compare_metric_id(&in.r, "irq_delay_total_ns")].absent = true;
	assert_false(compare_derive(&in.r, derived("total_offcpu_delay_ns"), in.p, &out));

	set_input(&in, "run_time_ns", 300);
	set_input(&in, "wait_time_ns", 100);
	assert_true(compare_derive(&in.r, derived("cpu_efficiency"), in.p, &out));
	assert_true(out == 0.75);
	set_input(&in, "run_time_ns", 0);
	set_input(&in, "wait_time_ns", 0);
	assert_false(compare_derive(&in.r, derived("cpu_efficiency"), in.p, &out));
	set_input(&in, "wait_sum", 1234);
	set_input(&in, "wait_count", 0);
	assert_false(compare_derive(&in.r, derived("avg_wait_ns"), in.p, &out));
	set_input(&in, "wait_count", 10);
	assert_true(compare_derive(&in.r, derived("avg_wait_ns"), in.p, &out));
	assert_true(out == 123.4);
	set_input(&in, "read_bytes", 300);
	set_input(&in, "rchar", 100);
	assert_true(compare_derive(&in.r, derived("disk_io_fraction"), in.p, &out));
	assert_true(out == 3.0); /* may exceed 1 */
	set_input(&in, "allocated_bytes", 100);
	set_input(&in, "deallocated_bytes", 400);
	assert_true(compare_derive(&in.r, derived("live_heap_estimate"), in.p, &out));
	assert_true(out == -300); /* signed, no zero check */
	in.v[compare_metric_id(&in.r, "deallocated_bytes")].absent = true;
	assert_false(compare_derive(&in.r, derived("live_heap_estimate"), in.p, &out));
	set_input(&in, "nonvoluntary_csw", 1);
	set_input(&in, "voluntary_csw", 3);
	assert_true(compare_derive(&in.r, derived("involuntary_csw_ratio"), in.p, &out));
	assert_true(out == 0.25);
	/* 17 derived names, disjoint from the registry's */
	for (size_t i = 0; i < COMPARE_DERIVED_COUNT; i++)
		assert_true(compare_metric_id(&in.r, compare_derived[i].name) ==
			    in.r.len + i);
}

static const struct cmp_row *find_row(const struct compare_result *res, const char *group,
				      const char *metric)
{
	for (size_t i = 0; i < res->nrows; i++) {
		const struct cmp_row *r = &res->rows[i];
		if (r->ngroup && !strcmp(r->group[0], group) && !strcmp(r->metric, metric))
			return r;
	}
	fail_msg("no row %s/%s", group, metric);
	return NULL;
}

static void set_cpus(struct thread_state *t, const uint32_t *cpus, size_t n)
{
	assert_int_equal(cpuset_from_sorted(&t->cpu_affinity, cpus, n), 0);
}

/* Range "min..max", Mode "value (count/total)" with the byte-smallest tie, Affinity. */
static void test_display_forms(void **state)
{
	(void)state;
	static const struct tdef defs[] = { T1("r"), T1("r"), T1("u"), T1("u"),
					    T1("m"), T1("m"), T1("m"), T1("s") };
	static const uint32_t c4[] = { 0, 1, 2, 3, 8 }, c1[] = { 5 }, c3[] = { 1, 2, 3 };
	struct ctprof_snapshot s;
	struct registry r;
	struct compare_result res;
	registry_build(&r);
	make_snap(&s, defs, 8, 100);
	s.threads[0].nice = 0;
	s.threads[1].nice = 19;
	s.threads[0].state = 'S';
	s.threads[1].state = 'R';
	s.threads[2].nice = s.threads[3].nice = -5;
	for (size_t i = 2; i < 4; i++)
		set_cpus(&s.threads[i], c4, 5);
	set_cpus(&s.threads[4], c1, 1);
	set_cpus(&s.threads[5], c3, 3);
	set_cpus(&s.threads[6], c3, 3);
	set_cpus(&s.threads[0], c1, 1);
	set_cpus(&s.threads[1], c3 + 1, 1);
	s.threads[7].ext_enabled = true;
	static const char *const policies[] = { "SCHED_OTHER", "SCHED_BATCH", "SCHED_OTHER" };
	for (size_t i = 0; i < 3; i++) {
		free(s.threads[4 + i].policy);
		s.threads[4 + i].policy = strdup(policies[i]);
	}
	const struct ctprof_snapshot *one[2] = { &s, NULL };
	struct compare_options o = { .group_by = COMPARE_BY_PCOMM };
	assert_int_equal(compare_build(one, &r, &o, &res), 0);
	assert_string_equal(find_row(&res, "r", "nice")->v[0].text, "0..19");
	assert_string_equal(find_row(&res, "u", "nice")->v[0].text, "-5");
	assert_true(find_row(&res, "r", "nice")->v[0].num == 9.5);
	assert_string_equal(find_row(&res, "r", "state")->v[0].text, "R (1/2)");
	assert_string_equal(find_row(&res, "u", "state")->v[0].text, "~");
	assert_string_equal(find_row(&res, "s", "ext_enabled")->v[0].text, "true");
	assert_string_equal(find_row(&res, "r", "ext_enabled")->v[0].text, "false");
	assert_string_equal(find_row(&res, "u", "cpu_affinity")->v[0].text, "5 cpus (0-3,8)");
	assert_string_equal(find_row(&res, "r", "cpu_affinity")->v[0].text, "1 cpus (mixed)");
	assert_string_equal(find_row(&res, "m", "cpu_affinity")->v[0].text, "1-3 cpus (mixed)");
	assert_true(find_row(&res, "m", "cpu_affinity")->v[0].num == 2.0);
	assert_string_equal(find_row(&res, "m", "policy")->v[0].text, "SCHED_OTHER (2/3)");
	assert_string_equal(find_row(&res, "m", "policy")->v[0].mode, "SCHED_OTHER");
	compare_result_release(&res);
	ctprof_snapshot_release(&s);
}

/* Absent vs measured zero, and the delta rule: no % over a zero base or a ratio. */
static void test_absent_and_delta(void **state)
{
	(void)state;
	static const struct tdef defs[] = { T1("p"), T1("q") };
	struct ctprof_snapshot a, b;
	struct registry r;
	struct compare_result res;
	registry_build(&r);
	make_snap(&a, defs, 2, 100);
	make_snap(&b, defs, 2, 200);
	a.threads[0].taskstats_measured = a.threads[0].cpu_delay_active = true;
	a.threads[0].cpu_delay_total_ns = 0; /* measured zero */
	b.threads[0].wait_time_ns = 100;
	b.threads[0].run_time_ns = 300;
	const struct ctprof_snapshot *both[2] = { &a, &b };
	struct compare_options o = { .group_by = COMPARE_BY_PCOMM };
	assert_int_equal(compare_build(both, &r, &o, &res), 0);
	const struct cmp_row *d = find_row(&res, "p", "cpu_delay_total_ns");
	assert_false(d->v[0].absent);
	assert_true(d->v[0].has_u64 && d->v[0].u == 0);
	assert_true(d->v[1].absent);
	assert_false(d->has_delta);
	struct strbuf sb = STRBUF_INIT;
	assert_int_equal(compare_fmt_value(&sb, d, 1), 0);
	assert_string_equal(sb.buf, "-");
	const struct cmp_row *run = find_row(&res, "p", "run_time_ns");
	assert_true(run->has_delta && run->delta == 300);
	assert_false(run->has_pct); /* zero baseline */
	const struct cmp_row *eff = find_row(&res, "p", "cpu_efficiency");
	assert_false(eff->v[0].has_num); /* 0 / (0 + 0) */
	assert_true(eff->v[1].has_num && eff->v[1].num == 0.75);
	assert_false(eff->has_pct);
	const struct cmp_row *pol = find_row(&res, "p", "policy");
	strbuf_reset(&sb);
	assert_int_equal(compare_fmt_row_delta(&sb, pol), 0);
	assert_string_equal(sb.buf, "same");
	strbuf_release(&sb);
	compare_result_release(&res);
	ctprof_snapshot_release(&a);
	ctprof_snapshot_release(&b);
}

/* Biggest |%| first, a change from zero above any %, rows without numbers last. */
static void test_default_sort(void **state)
{
	(void)state;
	static const struct tdef defs[] = { T1("a"), T1("b"), T1("c") };
	struct ctprof_snapshot a, b;
	struct registry r;
	struct compare_result res;
	registry_build(&r);
	make_snap(&a, defs, 3, 100);
	make_snap(&b, defs, 3, 200);
	a.threads[0].minflt = 100;
	b.threads[0].minflt = 150; /* +50% */
	a.threads[1].minflt = 100;
	b.threads[1].minflt = 400; /* +300% */
	b.threads[2].minflt = 1;   /* from zero */
	const struct ctprof_snapshot *both[2] = { &a, &b };
	struct compare_options o = { .group_by = COMPARE_BY_PCOMM };
	assert_int_equal(compare_build(both, &r, &o, &res), 0);
	assert_int_equal(compare_sort(&res, NULL, 0), 0);
	assert_string_equal(res.rows[0].group[0], "c");
	assert_string_equal(res.rows[0].metric, "minflt");
	assert_string_equal(res.rows[1].group[0], "b");
	assert_string_equal(res.rows[1].metric, "minflt");
	assert_string_equal(res.rows[2].group[0], "a");
	/* --sort-by minflt:asc ranks groups a (+50), c (+1)... by delta */
	struct compare_sort_key k = { compare_metric_id(&r, "minflt"), false };
	assert_int_equal(compare_sort(&res, &k, 1), 0);
	assert_string_equal(res.rows[0].group[0], "c");
	assert_string_equal(res.rows[0].metric, "thread_count");
	compare_result_release(&res);
	ctprof_snapshot_release(&a);
	ctprof_snapshot_release(&b);
}

static void expect_parse_error(int rc, const struct strbuf *err, const char *needle)
{
	assert_int_equal(rc, -EINVAL);
	if (!strstr(err->buf, needle))
		fail_msg("'%s' lacks '%s'", err->buf, needle);
}

static void test_parsers(void **state)
{
	(void)state;
	struct registry r;
	struct strbuf err = STRBUF_INIT;
	struct compare_sort_key keys[COMPARE_SORT_MAX];
	bool sections[CMP_SEC_COUNT];
	size_t n;
	registry_build(&r);
	assert_int_equal(compare_parse_sort(&r, " run_time_ns : ASC ,avg_wait_ns", keys, &n, &err), 0);
	assert_int_equal(n, 2);
	assert_false(keys[0].descending);
	assert_true(keys[1].descending);
	assert_int_equal(keys[1].metric_id, r.len + 1);
	expect_parse_error(compare_parse_sort(&r, "policy", keys, &n, &err), &err, "categorical");
	expect_parse_error(compare_parse_sort(&r, "bogus", keys, &n, &err), &err, "unknown metric");
	expect_parse_error(compare_parse_sort(&r, "wait_sum,wait_sum", keys, &n, &err), &err,
			   "twice");
	expect_parse_error(compare_parse_sort(&r, "wait_sum:up", keys, &n, &err), &err,
			   "direction");
	expect_parse_error(compare_parse_sort(&r, "wait_sum,,run_time_ns", keys, &n, &err), &err, "empty entry");
	assert_int_equal(compare_parse_sections("primary, Host-Pressure", sections, &err), 0);
	assert_true(sections[CMP_SEC_PRIMARY] && sections[CMP_SEC_HOST_PRESSURE]);
	assert_false(sections[CMP_SEC_DERIVED]);
	expect_parse_error(compare_parse_sections("primary,nope", sections, &err), &err,
			   "unknown section 'nope'");
	bool *mask = calloc(compare_metric_count(&r), sizeof(*mask));
	assert_int_equal(compare_parse_metrics(&r, "thread_count,avg_wait_ns", mask, &err), 0);
	assert_true(mask[0] && mask[r.len + 1]);
	expect_parse_error(compare_parse_metrics(&r, "ctprof_threads", mask, &err), &err,
			   "unknown metric");
	free(mask);
	enum compare_display d;
	assert_int_equal(compare_parse_display("pct-only", &d), 0);
	assert_int_equal(d, DISPLAY_PCT_ONLY);
	assert_int_equal(compare_parse_display("wide", &d), -EINVAL);
	enum compare_group_by g;
	assert_int_equal(compare_group_by_parse("comm-exact", &g), 0);
	assert_int_equal(g, COMPARE_BY_COMM_EXACT);
	assert_int_equal(compare_group_by_parse("container", &g), -EINVAL);
	strbuf_release(&err);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ladders),
		cmocka_unit_test(test_delta_cells),
		cmocka_unit_test(test_singleton_revert),
		cmocka_unit_test(test_cgroup_keys),
		cmocka_unit_test(test_derived_formulas),
		cmocka_unit_test(test_display_forms),
		cmocka_unit_test(test_absent_and_delta),
		cmocka_unit_test(test_default_sort),
		cmocka_unit_test(test_parsers),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
