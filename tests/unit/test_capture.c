/*
 * test_capture.c - the capture walk over the synthetic tree
 * tests/fixtures/host1: every ThreadState field asserted on at least one
 * thread, the ghost filter, the parse summary, leader-only fields, cgroup
 * stats once per path, single-process mode.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "capture.h"
#include "snapshot_json.h"

static char fixture_root[4096];

static const char *fixture(const char *sub)
{
	static char path[8][4200];
	static int next;
	char *p = path[next++ % 8];
	snprintf(p, sizeof(path[0]), "%s/%s", fixture_root, sub);
	return p;
}

static int capture_host1(void **state)
{
	struct ctprof_snapshot *s = malloc(sizeof(*s));
	struct strbuf err = STRBUF_INIT;
	struct capture_options o = {
		.procfs = fixture("host1/proc"),
		.sysfs = fixture("host1/sys"),
		.cgroupfs = fixture("host1/cgroup"),
	};
	if (!s)
		return -1;
	ctprof_snapshot_init(s);
	int rc = ctprof_capture(&o, s, &err);
	if (rc)
		fprintf(stderr, "capture: %s\n", err.buf);
	strbuf_release(&err);
	*state = s;
	return rc;
}

static int release_snapshot(void **state)
{
	ctprof_snapshot_release(*state);
	free(*state);
	return 0;
}

static const struct thread_state *find_tid(const struct ctprof_snapshot *s,
					   uint32_t tid)
{
	for (size_t i = 0; i < s->nthreads; i++)
		if (s->threads[i].tid == tid)
			return &s->threads[i];
	return NULL;
}

static void assert_cpus(const struct cpuset *c, const uint32_t *want, size_t n)
{
	assert_int_equal(c->len, n);
	for (size_t i = 0; i < n; i++)
		assert_int_equal(c->cpus[i], want[i]);
}

/* Taskstats and jemalloc are not read from a synthetic tree. */
static void assert_unmeasured(const struct thread_state *t)
{
	for (int f = 0; f < THREAD_FIELD_COUNT; f++) {
		const struct field_desc *d = &thread_field_descs[f];
		const char *p = (const char *)t + d->offset;
		if (d->source != FIELD_SOURCE_TASKSTATS &&
		    d->source != FIELD_SOURCE_JEMALLOC)
			continue;
		if (d->kind == FIELD_KIND_BOOL)
			assert_false(*(const bool *)p);
		else
			assert_int_equal(*(const uint64_t *)p, 0);
	}
}

static void test_walk_order_and_ghost_filter(void **state)
{
	const struct ctprof_snapshot *s = *state;
	static const uint32_t tids[] = { 100, 101, 200, 201, 400, 401, 402 };
	assert_int_equal(s->nthreads, 7);
	for (size_t i = 0; i < 7; i++)
		assert_int_equal(s->threads[i].tid, tids[i]);
	assert_null(find_tid(s, 102)); /* empty comm, start time 0 */
}

static void test_leader_fields(void **state)
{
	const struct thread_state *t = find_tid(*state, 100);
	static const uint32_t cpus[] = { 0, 1, 2, 3 };
	assert_non_null(t);
	assert_int_equal(t->tgid, 100);
	assert_string_equal(t->pcomm, "app");
	assert_string_equal(t->comm, "app");
	assert_string_equal(t->cgroup, "/system.slice/app.service");
	assert_int_equal(t->start_time_clock_ticks, 5022);
	assert_string_equal(t->policy, "SCHED_OTHER");
	assert_int_equal(t->nice, 0);
	assert_cpus(&t->cpu_affinity, cpus, 4);
	assert_int_equal(t->processor, 3);
	assert_int_equal(t->state, 'S');
	assert_false(t->ext_enabled);
	assert_int_equal(t->run_time_ns, 111000);
	assert_int_equal(t->wait_time_ns, 222000);
	assert_int_equal(t->timeslices, 333);
	assert_int_equal(t->voluntary_csw, 5001);
	assert_int_equal(t->nonvoluntary_csw, 5002);
	assert_int_equal(t->nr_wakeups, 6004);
	assert_int_equal(t->nr_wakeups_local, 6005);
	assert_int_equal(t->nr_wakeups_remote, 6006);
	assert_int_equal(t->nr_wakeups_sync, 6007);
	assert_int_equal(t->nr_wakeups_migrate, 6008);
	assert_int_equal(t->nr_wakeups_affine, 6009);
	assert_int_equal(t->nr_wakeups_affine_attempts, 6010);
	assert_int_equal(t->nr_migrations, 6001);
	assert_int_equal(t->nr_forced_migrations, 6011);
	assert_int_equal(t->nr_failed_migrations_affine, 6012);
	assert_int_equal(t->nr_failed_migrations_running, 6013);
	assert_int_equal(t->nr_failed_migrations_hot, 6014);
	assert_int_equal(t->wait_sum, 1234500000ULL);
	assert_int_equal(t->wait_count, 6002);
	assert_int_equal(t->wait_max, 678900000ULL);
	assert_int_equal(t->voluntary_sleep_ns, 2099750000ULL);
	assert_int_equal(t->sleep_max, 42100000ULL);
	assert_int_equal(t->block_sum, 1100750000ULL);
	assert_int_equal(t->block_max, 7999000ULL);
	assert_int_equal(t->iowait_sum, 12345678000ULL);
	assert_int_equal(t->iowait_count, 6003);
	assert_int_equal(t->exec_max, 5000250000ULL);
	assert_int_equal(t->slice_max, 11000001ULL);
	assert_int_equal(t->minflt, 1010);
	assert_int_equal(t->majflt, 1012);
	assert_int_equal(t->utime_clock_ticks, 1014);
	assert_int_equal(t->stime_clock_ticks, 1015);
	assert_int_equal(t->priority, 20);
	assert_int_equal(t->rt_priority, 0);
	assert_int_equal(t->core_forceidle_sum, 13000002ULL);
	assert_int_equal(t->fair_slice_ns, 3000000);
	assert_int_equal(t->nr_threads, 3);
	assert_int_equal(t->smaps_rollup_kib.len, 5);
	assert_string_equal(t->smaps_rollup_kib.items[0].key, "Pss");
	assert_int_equal(t->smaps_rollup_kib.items[0].value, 4096);
	assert_int_equal(kv_map_find(&t->smaps_rollup_kib, "Rss")->value, 5120);
	assert_int_equal(kv_map_find(&t->smaps_rollup_kib, "Pss_Anon")->value, 1024);
	assert_int_equal(kv_map_find(&t->smaps_rollup_kib, "Shared_Clean")->value, 512);
	assert_int_equal(kv_map_find(&t->smaps_rollup_kib, "Swap")->value, 0);
	assert_null(kv_map_find(&t->smaps_rollup_kib, "Locked"));
	assert_int_equal(t->rchar, 4701);
	assert_int_equal(t->wchar, 4702);
	assert_int_equal(t->syscr, 4703);
	assert_int_equal(t->syscw, 4704);
	assert_int_equal(t->read_bytes, 4705);
	assert_int_equal(t->write_bytes, 4706);
	assert_int_equal(t->cancelled_write_bytes, 4707);
	assert_unmeasured(t);
}

static void test_prefixed_sched_and_odd_comm(void **state)
{
	const struct thread_state *t = find_tid(*state, 101);
	static const uint32_t cpus[] = { 0, 1, 2, 3 };
	assert_non_null(t);
	assert_string_equal(t->pcomm, "app");
	assert_string_equal(t->comm, "my) (worker");
	assert_int_equal(t->state, 'R');
	assert_int_equal(t->minflt, 2010);
	assert_int_equal(t->majflt, 2012);
	assert_int_equal(t->utime_clock_ticks, 2014);
	assert_int_equal(t->stime_clock_ticks, 2015);
	assert_int_equal(t->priority, 39);
	assert_int_equal(t->nice, 19);
	assert_int_equal(t->start_time_clock_ticks, 5023);
	assert_int_equal(t->processor, 1);
	assert_cpus(&t->cpu_affinity, cpus, 4);
	assert_int_equal(t->run_time_ns, 211000);
	assert_int_equal(t->wait_time_ns, 222001);
	assert_int_equal(t->timeslices, 233);
	assert_int_equal(t->rchar, 1);
	assert_int_equal(t->wchar, 0); /* "x" is not a number */
	assert_int_equal(t->nr_migrations, 7001);
	assert_int_equal(t->wait_sum, 1000001);
	assert_int_equal(t->wait_count, 7002);
	assert_int_equal(t->wait_max, 2000002);
	assert_int_equal(t->sleep_max, 3000003);
	assert_int_equal(t->block_max, 4000004);
	assert_int_equal(t->iowait_sum, 5000005);
	assert_int_equal(t->iowait_count, 7003);
	assert_int_equal(t->exec_max, 6000006);
	assert_int_equal(t->slice_max, 7000007);
	assert_int_equal(t->core_forceidle_sum, 8000008);
	assert_int_equal(t->nr_wakeups, 7004);
	assert_int_equal(t->nr_wakeups_affine_attempts, 7010);
	assert_int_equal(t->nr_failed_migrations_hot, 7014);
	assert_int_equal(t->block_sum, 250000000);
	assert_int_equal(t->voluntary_sleep_ns, 0); /* block > sleep: saturates */
	assert_int_equal(t->fair_slice_ns, 2800000);
	/* process-wide values stay on the leader */
	assert_int_equal(t->nr_threads, 0);
	assert_int_equal(t->smaps_rollup_kib.len, 0);
}

static void test_kernel_without_schedstat_io(void **state)
{
	const struct thread_state *t = find_tid(*state, 200);
	static const uint32_t cpus[] = { 1 };
	assert_non_null(t);
	assert_string_equal(t->cgroup, ""); /* v1-only cgroup file */
	assert_string_equal(t->policy, "SCHED_EXT");
	assert_int_equal(t->rt_priority, 50);
	assert_int_equal(t->priority, -51);
	assert_int_equal(t->state, 'I');
	assert_true(t->ext_enabled);
	assert_cpus(&t->cpu_affinity, cpus, 1);
	assert_int_equal(t->run_time_ns, 0);
	assert_int_equal(t->rchar, 0);
	assert_int_equal(t->wait_sum, 0);  /* -5.000000 */
	assert_int_equal(t->wait_max, 0);  /* 0.-000500 */
	assert_int_equal(t->sleep_max, 0); /* malformed */
	assert_int_equal(t->nr_threads, 2);
	assert_int_equal(kv_map_find(&t->smaps_rollup_kib, "Rss")->value, 2048);
	assert_false(find_tid(*state, 201)->ext_enabled);
	assert_int_equal(find_tid(*state, 201)->nr_wakeups, 5);
}

static void test_policies_and_short_stat(void **state)
{
	const struct ctprof_snapshot *s = *state;
	const struct thread_state *t400 = find_tid(s, 400), *t401 = find_tid(s, 401),
				  *t402 = find_tid(s, 402);
	static const uint32_t c01[] = { 0, 1 }, c2[] = { 2 };
	assert_string_equal(t400->policy, "SCHED_BATCH");
	assert_int_equal(t400->nice, -5);
	assert_cpus(&t400->cpu_affinity, c01, 2);
	assert_int_equal(t400->smaps_rollup_kib.len, 0); /* file missing */
	assert_string_equal(t401->policy, "SCHED_UNKNOWN(4)");
	assert_int_equal(t401->processor, -1);
	assert_int_equal(t401->state, '~');               /* no State line */
	assert_int_equal(t401->cpu_affinity.len, 0);      /* "0-" is invalid */
	assert_string_equal(t402->comm, "batch-402");
	assert_int_equal(t402->state, 'D');
	assert_int_equal(t402->start_time_clock_ticks, 0); /* stat ends at field 20 */
	assert_string_equal(t402->policy, "");
	assert_int_equal(t402->majflt, 32);
	assert_cpus(&t402->cpu_affinity, c2, 1);
	assert_int_equal(t402->run_time_ns, 9);
	assert_string_equal(t402->cgroup, "/batch.slice");
}

static void test_parse_summary(void **state)
{
	const struct parse_summary *p = ((struct ctprof_snapshot *)*state)->parse_summary;
	assert_non_null(p);
	assert_int_equal(p->tids_walked, 8); /* the ghost is walked, not kept */
	assert_int_equal(p->read_failures, 5);
	assert_int_equal(p->read_failures_by_file.len, 3);
	assert_int_equal(kv_map_find(&p->read_failures_by_file, "io")->value, 2);
	assert_int_equal(kv_map_find(&p->read_failures_by_file, "schedstat")->value, 2);
	assert_int_equal(kv_map_find(&p->read_failures_by_file, "smaps_rollup")->value, 1);
	assert_string_equal(p->dominant_read_failure, "io"); /* tie: alphabetical */
	assert_true(p->kernel_config_dominant);
	assert_int_equal(p->negative_dotted_values, 2);
}

static void test_cgroups_once_per_path(void **state)
{
	const struct ctprof_snapshot *s = *state;
	assert_int_equal(s->ncgroups, 2);
	assert_string_equal(s->cgroups[0].path, "/batch.slice");
	assert_string_equal(s->cgroups[1].path, "/system.slice/app.service");
	assert_true(s->cgroups[0].cpu.max_quota_us.present);
	assert_int_equal(s->cgroups[0].cpu.max_quota_us.value, 50000);
	assert_int_equal(s->cgroups[0].cpu.max_period_us, 100000);
	assert_false(s->cgroups[1].cpu.max_quota_us.present); /* "max 100000" */
	assert_true(s->cgroups[1].memory.low.present);
	assert_true(s->cgroups[1].memory.low.value == UINT64_MAX);
}

static void test_synthetic_tree_in_isolation(void **state)
{
	const struct ctprof_snapshot *s = *state;
	assert_non_null(s->host);
	assert_null(s->host->kernel_release); /* uname is live-only */
	assert_null(s->probe_summary);
	assert_null(s->taskstats_summary);
	assert_non_null(s->sched_ext);
	assert_string_equal(s->sched_ext->state, "enabled");
	assert_int_equal(s->psi.cpu.some.avg10, 1859);
	assert_int_equal(s->psi.cpu.some.total_usec, 123456);
	assert_int_equal(s->psi.cpu.full.avg60, 10000);
}

static void test_single_process_mode(void **state)
{
	(void)state;
	struct ctprof_snapshot s;
	struct strbuf err = STRBUF_INIT;
	struct capture_options o = { .procfs = fixture("host1/proc"),
				     .sysfs = fixture("host1/sys"),
				     .cgroupfs = fixture("host1/cgroup"),
				     .pid = 400 };
	ctprof_snapshot_init(&s);
	assert_int_equal(ctprof_capture(&o, &s, &err), 0);
	assert_int_equal(s.nthreads, 3);
	assert_int_equal(s.threads[0].tid, 400);
	assert_int_equal(s.parse_summary->tids_walked, 3);
	assert_int_equal(s.parse_summary->read_failures, 1);
	assert_string_equal(s.parse_summary->dominant_read_failure, "smaps_rollup");
	assert_false(s.parse_summary->kernel_config_dominant);
	assert_int_equal(s.ncgroups, 1);
	ctprof_snapshot_release(&s);
	/* a process with no threads left, and one that does not exist */
	for (int32_t pid = 300; pid <= 301; pid++) {
		ctprof_snapshot_init(&s);
		o.pid = pid;
		assert_int_equal(ctprof_capture(&o, &s, &err), 0);
		assert_int_equal(s.nthreads, 0);
		assert_int_equal(s.parse_summary->tids_walked, 0);
		ctprof_snapshot_release(&s);
	}
	strbuf_release(&err);
}

/* The fixture captured with n walkers, as JSON (capture time zeroed). */
static void capture_json(unsigned workers, struct strbuf *json, size_t *nprocs)
{
	struct ctprof_snapshot s;
	struct strbuf err = STRBUF_INIT;
	struct capture_options o = { .procfs = fixture("host1/proc"),
				     .sysfs = fixture("host1/sys"),
				     .cgroupfs = fixture("host1/cgroup"),
				     .workers = workers };
	ctprof_snapshot_init(&s);
	assert_int_equal(ctprof_capture(&o, &s, &err), 0);
	s.captured_at_unix_ns = 0;
	assert_int_equal(snapshot_to_json(&s, json, &err), 0);
	*nprocs = s.nprocs;
	ctprof_snapshot_release(&s);
	strbuf_release(&err);
}

/* The pool changes who reads what, never what the snapshot says. */
static void test_workers_do_not_change_the_snapshot(void **state)
{
	(void)state;
	struct strbuf one = STRBUF_INIT, many = STRBUF_INIT;
	size_t nprocs_one, nprocs;
	capture_json(1, &one, &nprocs_one);
	assert_true(one.len > 1000);
	for (unsigned w = 2; w <= CAPTURE_WORKERS_MAX; w *= 2) {
		strbuf_reset(&many);
		capture_json(w, &many, &nprocs);
		assert_int_equal(many.len, one.len);
		assert_memory_equal(many.buf, one.buf, one.len);
		assert_int_equal(nprocs, nprocs_one);
	}
	strbuf_release(&one);
	strbuf_release(&many);
}

static void test_bad_procfs_root(void **state)
{
	(void)state;
	struct ctprof_snapshot s;
	struct strbuf err = STRBUF_INIT;
	struct capture_options o = { .procfs = fixture("does-not-exist") };
	ctprof_snapshot_init(&s);
	assert_int_not_equal(ctprof_capture(&o, &s, &err), 0);
	assert_non_null(strstr(err.buf, "cannot open procfs root"));
	ctprof_snapshot_release(&s);
	strbuf_release(&err);
}

int main(void)
{
	const char *top = getenv("CTPROF_TOP");
	snprintf(fixture_root, sizeof(fixture_root), "%s/tests/fixtures",
		 top ? top : ".");
	const struct CMUnitTest walk[] = {
		cmocka_unit_test(test_walk_order_and_ghost_filter),
		cmocka_unit_test(test_leader_fields),
		cmocka_unit_test(test_prefixed_sched_and_odd_comm),
		cmocka_unit_test(test_kernel_without_schedstat_io),
		cmocka_unit_test(test_policies_and_short_stat),
		cmocka_unit_test(test_parse_summary),
		cmocka_unit_test(test_cgroups_once_per_path),
		cmocka_unit_test(test_synthetic_tree_in_isolation),
	};
	const struct CMUnitTest modes[] = {
		cmocka_unit_test(test_single_process_mode),
		cmocka_unit_test(test_bad_procfs_root),
		cmocka_unit_test(test_workers_do_not_change_the_snapshot),
	};
	int failed = cmocka_run_group_tests_name("capture_host1", walk,
						 capture_host1, release_snapshot);
	return failed + cmocka_run_group_tests_name("capture_modes", modes, NULL, NULL);
}
