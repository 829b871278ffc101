/*
 * test_metrics.c - the metric layer: pattern_key and cgroup normalization
 * (ktstr-facts 3.2-3.4 pins), registry names, the measured/Absent fold,
 * Range/Mode/Affinity shapes, label escaping and invalid UTF-8, exact
 * number formatting, OpenMetrics framing.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "expo.h"
#include "pattern.h"
#include "registry.h"
#include "render.h"

static void expect_key(const char *in, const char *want)
{
	struct strbuf sb = STRBUF_INIT;
	assert_int_equal(pattern_key(in, &sb), 0);
	assert_string_equal(sb.buf, want);
	strbuf_release(&sb);
}

static void test_pattern_key_table(void **state)
{
	(void)state;
	static const char *const pins[][2] = {
		{ "tokio-worker-12", "tokio-worker-{N}" }, { "worker_5", "worker_{N}" },
		{ "rayon.pool.7", "rayon.pool.{N}" }, { "Chrome thread 4", "Chrome thread {N}" },
		{ "pool-2-thread-7", "pool-{N}-thread-{N}" }, { "0", "{N}" },
		{ "worker-", "worker-" }, { "CamelCaseWord175", "CamelCaseWord{N}" },
		{ "cpu0", "cpu{N}" }, { "worker7", "worker{N}" }, { "init", "init" },
		{ "gadget-v2", "gadget-v{N}" }, { "thingo-r2", "thingo-r{N}" }, { "t1", "t{N}" },
		{ "a0", "{H}" }, { "t-1", "t-{N}" }, { "ab_5", "ab_{N}" },
		{ "kworker/0:0", "kworker/{N}:{N}" }, { "kworker/3:2", "kworker/{N}:{N}" },
		{ "kworker/u8:3", "kworker/u{N}:{N}" }, { "kworker/u16:0", "kworker/u{N}:{N}" },
		{ "kworker/0:0-wq_reclaim", "kworker/{N}:{N}-wq_reclaim" },
		{ "kworker/0:1H", "kworker/{N}:{N}H" },
		{ "kworker/0:1H-wq_prio", "kworker/{N}:{N}H-wq_prio" },
		{ "kworker/0:1+events", "kworker/{N}:{N}+events" },
		{ "kworker/0:1-events", "kworker/{N}:{N}-events" },
		{ "session-a1234", "session-{H}" }, { "whirly-gig-15", "whirly-gig-{N}" },
		{ "BPF_CUBIC", "BPF_CUBIC" }, { "bloop-tangler", "bloop-tangler" },
		{ "tokio-runtime-w", "tokio-runtime-w" }, { "worker[42]", "worker[{N}]" },
		{ "systemd-network[105904]", "systemd-network[{N}]" }, { "bash[4242]", "bash[{N}]" },
		{ "dev[1ab]", "dev[{H}]" }, { "dev[abc]", "dev[abc]" }, { "foo[bar]", "foo[bar]" },
		{ "", "" }, { "a..b__c", "a..b__c" }, { "x\xc2\xa0" "7", "x\xc2\xa0{N}" },
	};
	for (size_t i = 0; i < sizeof(pins) / sizeof(pins[0]); i++)
		expect_key(pins[i][0], pins[i][1]);
}

static void test_classify_token_pins(void **state)
{
	(void)state;
	static const char *const pins[][2] = {
		{ "1H", "{N}H" },   { "100Hz", "{N}Hz" }, { "3z", "{N}z" },    { "1a", "{H}" },
		{ "0f", "{H}" },    { "42abc", "{H}" },   { "a1234", "{H}" },  { "7890ab", "{H}" },
		{ "1a2", "{H}" },   { "a1", "{H}" },      { "1aZ", "{N}aZ" },  { "42xyz", "{N}xyz" },
		{ "abc", "abc" },   { "a", "a" },         { "u8", "u{N}" },
		{ "proto303handler", "proto303handler" },
	};
	for (size_t i = 0; i < sizeof(pins) / sizeof(pins[0]); i++)
		expect_key(pins[i][0], pins[i][1]);
}

static void expect_cgroup(const char *in, const char *want)
{
	struct strbuf sb = STRBUF_INIT;
	assert_int_equal(cgroup_normalize(in, &sb), 0);
	assert_string_equal(sb.buf, want);
	strbuf_release(&sb);
}

static void test_cgroup_normalize(void **state)
{
	(void)state;
	expect_cgroup("/user.slice/user-0.slice/user@0.service/boot.scope",
		      "/user.slice/user-{N}.slice/user@{I}.service/boot.scope");
	expect_cgroup("/critical.slice/launcher@foo.bar.baz.service",
		      "/critical.slice/launcher@foo.bar.baz.service");
	expect_cgroup("/apps.slice/run-17.fluxcap9000_01.zz3",
		      "/apps.slice/run-{N}.fluxcap{N}_{N}.zz{N}");
	expect_cgroup("/user.slice/session-[a1b2c3d4]/scope", "/user.slice/session-[{H}]/scope");
	expect_cgroup("/system.slice/getty@tty1.service", "/system.slice/getty@{I}.service");
	expect_cgroup("/system.slice/x@.service", "/system.slice/x@.service");
}

static void test_cgroup_flatten(void **state)
{
	(void)state;
	const char *globs[] = { "/kubepods/*/workload", "/kubepods/*" };
	assert_string_equal(cgroup_flatten("/kubepods/pod-abc-123/workload", globs, 2),
			    "/kubepods/*/workload");
	/* '*' crosses '/' (glob crate defaults), the first match wins */
	assert_string_equal(cgroup_flatten("/kubepods/a/b/c", globs, 2), "/kubepods/*");
	assert_string_equal(cgroup_flatten("/system.slice", globs, 2), "/system.slice");
	assert_true(cgroup_glob_valid("/a/[bc]*"));
	assert_false(cgroup_glob_valid("[invalid"));
	assert_false(cgroup_glob_valid(""));
}

static void test_registry_names(void **state)
{
	(void)state;
	struct registry r;
	registry_build(&r);
	assert_int_equal(r.len, 87);
	static const char *const names[][3] = {
		{ "ctprof_run_time_seconds_total", "counter", "seconds" },
		{ "ctprof_wait_sum_seconds_total", "counter", "seconds" },
		{ "ctprof_wait_max_seconds", "gauge", "seconds" },
		{ "ctprof_utime_seconds_total", "counter", "seconds" },
		{ "ctprof_rchar_bytes_total", "counter", "bytes" },
		{ "ctprof_read_bytes_total", "counter", "bytes" },
		{ "ctprof_nr_wakeups_total", "counter", "" },
		{ "ctprof_cpu_delay_count_total", "counter", "" },
		{ "ctprof_cpu_delay_seconds_total", "counter", "seconds" },
		{ "ctprof_cpu_delay_min_seconds", "gauge", "seconds" },
		{ "ctprof_hiwater_rss_bytes", "gauge", "bytes" },
		{ "ctprof_fair_slice_seconds", "gauge", "seconds" },
		{ "ctprof_nr_threads", "gauge", "" },
		{ "ctprof_threads", "gauge", "" },
		{ "ctprof_state_threads", "gauge", "" },
		{ "ctprof_cpu_affinity_cpus", "gauge", "" },
		{ "ctprof_nice", "gauge", "" },
	};
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		const struct metric_desc *m = registry_lookup(&r, names[i][0]);
		assert_non_null(m);
		assert_string_equal(metric_type_name(m->type), names[i][1]);
		assert_string_equal(m->unit, names[i][2]);
	}
	assert_null(registry_lookup(&r, "ctprof_cpu_delay_total_seconds_total"));
	assert_string_equal(registry_lookup(&r, "ctprof_cpu_delay_seconds_total")->family,
			    "ctprof_cpu_delay_seconds");
	/* every name unique */
	for (size_t i = 0; i < r.len; i++)
		for (size_t j = i + 1; j < r.len; j++)
			assert_string_not_equal(r.metrics[i].name, r.metrics[j].name);
}

/* A snapshot of n threads named pcomm, each init'ed; caller fills values. */
static void snap_threads(struct ctprof_snapshot *s, size_t n, const char *const *pcomms)
{
	ctprof_snapshot_init(s);
	for (size_t i = 0; i < n; i++) {
		struct thread_state t;
		thread_state_init(&t);
		free(t.pcomm);
		t.pcomm = strdup(pcomms[i]);
		t.tid = t.tgid = (uint32_t)(100 + i);
		snapshot_push_thread(s, &t);
	}
}

static char *render(const struct ctprof_snapshot *s, enum expo_format f)
{
	struct registry r;
	struct strbuf out = STRBUF_INIT;
	struct render_options o = { .format = f, .clk_tck = 100, .capture_duration_ns = -1 };
	registry_build(&r);
	assert_int_equal(render_snapshot(s, &r, &o, &out), 0);
	return strbuf_detach(&out, NULL);
}

static void assert_has(const char *text, const char *line)
{
	if (!strstr(text, line))
		fail_msg("missing line: %s", line);
}

static void assert_lacks(const char *text, const char *needle)
{
	if (strstr(text, needle))
		fail_msg("unexpected: %s", needle);
}

static void test_measured_fold(void **state)
{
	(void)state;
	static const char *const pcomms[] = { "none", "none", "zero", "mixed", "mixed" };
	struct ctprof_snapshot s;
	snap_threads(&s, 5, pcomms);
	/* "zero": measured, real zero; "mixed": one measured 5000, one not */
	s.threads[2].taskstats_measured = s.threads[2].cpu_delay_active = true;
	s.threads[3].taskstats_measured = s.threads[3].cpu_delay_active = true;
	s.threads[3].cpu_delay_total_ns = 5000;
	s.threads[3].jemalloc_measured = true;
	s.threads[3].allocated_bytes = 0;
	s.threads[4].run_time_ns = 1;
	char *text = render(&s, EXPO_PROMETHEUS);
	assert_lacks(text, "ctprof_cpu_delay_seconds_total{pcomm=\"none\"}");
	assert_has(text, "ctprof_cpu_delay_seconds_total{pcomm=\"zero\"} 0\n");
	assert_has(text, "ctprof_cpu_delay_seconds_total{pcomm=\"mixed\"} 0.000005\n");
	assert_has(text, "ctprof_allocated_bytes_total{pcomm=\"mixed\"} 0\n");
	assert_lacks(text, "ctprof_allocated_bytes_total{pcomm=\"zero\"}");
	/* run_time is always measured: groups with zeros still show 0 */
	assert_has(text, "ctprof_run_time_seconds_total{pcomm=\"none\"} 0\n");
	/* delay_block sub-family off everywhere: not exported at all */
	assert_lacks(text, "ctprof_blkio_delay");
	/* no thread has schedstats or io values: those families are absent */
	assert_lacks(text, "ctprof_wait_sum_seconds_total");
	assert_lacks(text, "ctprof_rchar_bytes_total");
	assert_has(text, "ctprof_source_available{source=\"schedstats\"} 0\n");
	assert_has(text, "ctprof_source_available{source=\"taskstats\"} 1\n");
	assert_has(text, "ctprof_source_available{source=\"jemalloc\"} 1\n");
	free(text);
	ctprof_snapshot_release(&s);
}

static void test_range_mode_affinity(void **state)
{
	(void)state;
	static const char *const pcomms[] = { "g", "g", "g" };
	static const uint32_t c3[] = { 0, 1, 2 }, c1[] = { 5 };
	struct ctprof_snapshot s;
	snap_threads(&s, 3, pcomms);
	s.threads[0].nice = -20;
	s.threads[1].nice = 5;
	s.threads[2].nice = 0;
	s.threads[0].state = 'S';
	s.threads[1].state = 'R';
	s.threads[2].state = 'S';
	cpuset_from_sorted(&s.threads[0].cpu_affinity, c3, 3);
	cpuset_from_sorted(&s.threads[1].cpu_affinity, c1, 1);
	cpuset_from_sorted(&s.threads[2].cpu_affinity, c1, 1);
	s.threads[1].rt_priority = 99;
	char *text = render(&s, EXPO_PROMETHEUS);
	assert_has(text, "ctprof_nice{pcomm=\"g\",bound=\"min\"} -20\n"
			 "ctprof_nice{pcomm=\"g\",bound=\"max\"} 5\n");
	assert_has(text, "ctprof_state_threads{pcomm=\"g\",state=\"R\"} 1\n"
			 "ctprof_state_threads{pcomm=\"g\",state=\"S\"} 2\n");
	assert_has(text, "ctprof_cpu_affinity_cpus{pcomm=\"g\",bound=\"min\"} 1\n"
			 "ctprof_cpu_affinity_cpus{pcomm=\"g\",bound=\"max\"} 3\n");
	assert_has(text, "ctprof_rt_priority{pcomm=\"g\",bound=\"max\"} 99\n");
	assert_has(text, "ctprof_threads{pcomm=\"g\"} 3\n");
	/* ext_enabled needs CONFIG_SCHED_CLASS_EXT: the sched_ext sysfs dir */
	assert_lacks(text, "ctprof_ext_enabled_threads");
	free(text);
	s.sched_ext = calloc(1, sizeof(*s.sched_ext));
	s.sched_ext->state = strdup("disabled");
	text = render(&s, EXPO_PROMETHEUS);
	assert_has(text, "ctprof_ext_enabled_threads{pcomm=\"g\",ext_enabled=\"false\"} 3\n");
	assert_has(text, "ctprof_sched_ext_state{state=\"disabled\"} 1\n");
	free(text);
	ctprof_snapshot_release(&s);
}

static void test_label_escaping_and_utf8(void **state)
{
	(void)state;
	static const char *const pcomms[] = { "q\"b\\n\nx\xff\xc3(" };
	struct ctprof_snapshot s;
	snap_threads(&s, 1, pcomms);
	char *text = render(&s, EXPO_PROMETHEUS);
	assert_has(text, "ctprof_threads{pcomm=\"q\\\"b\\\\n\\nx\xef\xbf\xbd\xef\xbf\xbd(\"} 1\n");
	free(text);
	ctprof_snapshot_release(&s);
	struct strbuf sb = STRBUF_INIT;
	/* overlong, surrogate and beyond-U+10FFFF sequences are replaced too */
	assert_int_equal(utf8_sanitize("\xc0\xaf|\xed\xa0\x80|\xf4\x90\x80\x80|\xe2\x82\xac", &sb), 0);
	assert_string_equal(sb.buf, "\xef\xbf\xbd\xef\xbf\xbd|\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd|"
				    "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd|\xe2\x82\xac");
	strbuf_release(&sb);
}

static void test_number_formatting(void **state)
{
	(void)state;
	char buf[EXPO_VALUE_MAX];
	assert_string_equal(expo_fmt_u64(buf, UINT64_MAX), "18446744073709551615");
	assert_string_equal(expo_fmt_u64(buf, 9007199254740993ULL), "9007199254740993");
	assert_string_equal(expo_fmt_i64(buf, INT64_MIN), "-9223372036854775808");
	assert_string_equal(expo_fmt_ratio(buf, 1234500000, 1000000000), "1.2345");
	assert_string_equal(expo_fmt_ratio(buf, 1, 1000000000), "0.000000001");
	assert_string_equal(expo_fmt_ratio(buf, UINT64_MAX, 1000000000),
			    "18446744073.709551615");
	assert_string_equal(expo_fmt_ratio(buf, 1015, 100), "10.15");
	assert_string_equal(expo_fmt_ratio(buf, 1859, 10000), "0.1859");
	assert_string_equal(expo_fmt_ratio(buf, 1, 3), "0.333333333");
	assert_string_equal(expo_fmt_ratio(buf, 0, 7), "0");
}

static void test_ticks_use_clk_tck(void **state)
{
	(void)state;
	static const char *const pcomms[] = { "t" };
	struct ctprof_snapshot s;
	struct registry r;
	struct strbuf out = STRBUF_INIT;
	snap_threads(&s, 1, pcomms);
	s.threads[0].utime_clock_ticks = 250;
	registry_build(&r);
	struct render_options o = { .format = EXPO_PROMETHEUS, .clk_tck = 250,
				    .capture_duration_ns = -1 };
	assert_int_equal(render_snapshot(&s, &r, &o, &out), 0);
	assert_has(out.buf, "ctprof_utime_seconds_total{pcomm=\"t\"} 1\n");
	strbuf_release(&out);
	ctprof_snapshot_release(&s);
}

static void test_openmetrics_framing(void **state)
{
	(void)state;
	static const char *const pcomms[] = { "w" };
	struct ctprof_snapshot s;
	snap_threads(&s, 1, pcomms);
	s.threads[0].run_time_ns = 2000000000;
	char *text = render(&s, EXPO_OPENMETRICS);
	assert_has(text, "# TYPE ctprof_run_time_seconds counter\n"
			 "# UNIT ctprof_run_time_seconds seconds\n"
			 "# HELP ctprof_run_time_seconds Time spent on a CPU (schedstat field 1)\n"
			 "ctprof_run_time_seconds_total{pcomm=\"w\"} 2\n");
	assert_has(text, "# TYPE ctprof_build info\n");
	assert_true(strlen(text) > 6 && !strcmp(text + strlen(text) - 6, "# EOF\n"));
	assert_lacks(text, "# TYPE ctprof_run_time_seconds_total");
	free(text);
	ctprof_snapshot_release(&s);
}

/* open_ended leaves "# EOF" to the caller, who appends its own families. */
static void test_openmetrics_open_ended(void **state)
{
	(void)state;
	static const char *const pcomms[] = { "w" };
	struct ctprof_snapshot s;
	struct registry r;
	struct strbuf out = STRBUF_INIT;
	struct render_options o = { .format = EXPO_OPENMETRICS, .clk_tck = 100,
				    .capture_duration_ns = -1, .open_ended = true };
	snap_threads(&s, 1, pcomms);
	registry_build(&r);
	assert_int_equal(render_snapshot(&s, &r, &o, &out), 0);
	assert_lacks(out.buf, "# EOF");
	assert_has(out.buf, "ctprof_build_info{version=");
	strbuf_release(&out);
	ctprof_snapshot_release(&s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pattern_key_table),
		cmocka_unit_test(test_classify_token_pins),
		cmocka_unit_test(test_cgroup_normalize),
		cmocka_unit_test(test_cgroup_flatten),
		cmocka_unit_test(test_registry_names),
		cmocka_unit_test(test_measured_fold),
		cmocka_unit_test(test_range_mode_affinity),
		cmocka_unit_test(test_label_escaping_and_utf8),
		cmocka_unit_test(test_number_formatting),
		cmocka_unit_test(test_ticks_use_clk_tck),
		cmocka_unit_test(test_openmetrics_framing),
		cmocka_unit_test(test_openmetrics_open_ended),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
