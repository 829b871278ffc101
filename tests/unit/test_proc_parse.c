/*
 * test_proc_parse.c - the per-thread procfs parsers on literal file texts
 * (ktstr-facts 7 and the tests_parse/tests_cgroup cases of section 9).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "proc_task.h"

static int setup_thread(void **state)
{
	struct thread_state *t = malloc(sizeof(*t));
	if (!t || thread_state_init(t))
		return -1;
	*state = t;
	return 0;
}

static int teardown_thread(void **state)
{
	thread_state_release(*state);
	free(*state);
	return 0;
}

/* Parsers modify their input: give each a writable copy. */
#define TEXT(s) (char[]){ s }

static void test_stat_comm_with_parens(void **state)
{
	struct thread_state *t = *state;
	char *text = TEXT("42 (a) (b) c) R 1 42 42 0 -1 4194560 10 0 12 0 14 15 0 0 "
			  "18 -3 1 0 22 1000 10 18446744073709551615 1 1 0 0 0 0 0 0 "
			  "0 0 0 0 17 -1 40 1 0 0\n");
	assert_int_equal(proc_parse_stat(text, t), 0);
	assert_int_equal(t->minflt, 10);
	assert_int_equal(t->majflt, 12);
	assert_int_equal(t->utime_clock_ticks, 14);
	assert_int_equal(t->stime_clock_ticks, 15);
	assert_int_equal(t->priority, 18);
	assert_int_equal(t->nice, -3);
	assert_int_equal(t->start_time_clock_ticks, 22);
	assert_int_equal(t->processor, -1);
	assert_int_equal(t->rt_priority, 40);
	assert_string_equal(t->policy, "SCHED_FIFO");
}

static void test_stat_short_and_garbled(void **state)
{
	struct thread_state *t = *state;
	/* ends after field 19: later fields keep their defaults */
	assert_int_equal(proc_parse_stat(TEXT("7 (x) S 1 7 7 0 -1 0 5 0 6 0 7 8 0 0 20 1"),
					 t), 0);
	assert_int_equal(t->minflt, 5);
	assert_int_equal(t->nice, 1);
	assert_int_equal(t->start_time_clock_ticks, 0);
	assert_string_equal(t->policy, "");
	/* a garbled field drops only that field */
	assert_int_equal(proc_parse_stat(TEXT("7 (x) S 1 7 7 0 -1 0 zz 0 6"), t), 0);
	assert_int_equal(t->minflt, 5);
	assert_int_equal(t->majflt, 6);
	/* no ')' at all: nothing is read */
	struct thread_state u;
	thread_state_init(&u);
	assert_int_equal(proc_parse_stat(TEXT("7 (x S 1 7 7 0 -1 0 9 0 9"), &u), 0);
	assert_int_equal(u.minflt, 0);
	thread_state_release(&u);
}

static void test_policy_names(void **state)
{
	(void)state;
	char buf[32];
	const char *want[] = { "SCHED_OTHER", "SCHED_FIFO", "SCHED_RR",
			       "SCHED_BATCH", "SCHED_UNKNOWN(4)", "SCHED_IDLE",
			       "SCHED_DEADLINE", "SCHED_EXT" };
	for (int p = 0; p < 8; p++)
		assert_string_equal(sched_policy_name(p, buf), want[p]);
	assert_string_equal(sched_policy_name(99, buf), "SCHED_UNKNOWN(99)");
	assert_string_equal(sched_policy_name(-1, buf), "SCHED_UNKNOWN(-1)");
}

static void test_schedstat(void **state)
{
	struct thread_state *t = *state;
	proc_parse_schedstat(TEXT("1 2 3 4 5\n"), t);
	assert_int_equal(t->run_time_ns, 1);
	assert_int_equal(t->wait_time_ns, 2);
	assert_int_equal(t->timeslices, 3);
	proc_parse_schedstat(TEXT("9 x"), t);
	assert_int_equal(t->run_time_ns, 9);
	assert_int_equal(t->wait_time_ns, 2);
	assert_int_equal(t->timeslices, 3);
}

static void test_io(void **state)
{
	struct thread_state *t = *state;
	proc_parse_io(TEXT("rchar: 1\nwchar: 2\nsyscr: 3\nsyscw: 4\nread_bytes: 5\n"
			   "write_bytes: 6\ncancelled_write_bytes: 7\n"), t);
	assert_int_equal(t->rchar, 1);
	assert_int_equal(t->wchar, 2);
	assert_int_equal(t->syscr, 3);
	assert_int_equal(t->syscw, 4);
	assert_int_equal(t->read_bytes, 5);
	assert_int_equal(t->write_bytes, 6);
	assert_int_equal(t->cancelled_write_bytes, 7);
	proc_parse_io(TEXT("rchar: bad\nwchar:  20 \n"), t);
	assert_int_equal(t->rchar, 1);
	assert_int_equal(t->wchar, 20);
}

static void test_status_every_state_letter(void **state)
{
	struct thread_state *t = *state;
	const char letters[] = "RSDTtXZPI";
	for (const char *c = letters; *c; c++) {
		char text[64];
		snprintf(text, sizeof(text), "Name:\tx\nState:\t%c (whatever)\n", *c);
		proc_parse_status(text, t);
		assert_int_equal(t->state, *c);
	}
	struct thread_state u;
	thread_state_init(&u);
	proc_parse_status(TEXT("Name:\tx\nThreads:\t4\nvoluntary_ctxt_switches:\t9\n"
			       "nonvoluntary_ctxt_switches:\t10\nCpus_allowed_list:\t2,0\n"),
			  &u);
	assert_int_equal(u.state, '~');
	assert_int_equal(u.nr_threads, 4);
	assert_int_equal(u.voluntary_csw, 9);
	assert_int_equal(u.nonvoluntary_csw, 10);
	assert_int_equal(u.cpu_affinity.len, 2);
	assert_int_equal(u.cpu_affinity.cpus[0], 0);
	assert_int_equal(u.cpu_affinity.cpus[1], 2);
	thread_state_release(&u);
}

static void test_sched_bare_and_prefixed_keys(void **state)
{
	struct thread_state *t = *state;
	unsigned neg = proc_parse_sched(
		TEXT("x (1, #threads: 1)\n"
		     "se.statistics.wait_sum : 1.000001\n"
		     "stats.wait_max : 2.5\n"
		     "iowait_count : 3\n"
		     "se.nr_migrations : 4\n"
		     "nr_wakeups_idle : 99\n"
		     "se.slice : 3000000\n"
		     "ext.enabled : 1\n"
		     "sum_sleep_runtime : 10.0\n"
		     "se.statistics.sum_block_runtime : 4.0\n"),
		t);
	assert_int_equal(neg, 0);
	assert_int_equal(t->wait_sum, 1000001);
	assert_int_equal(t->wait_max, 2500000);
	assert_int_equal(t->iowait_count, 3);
	assert_int_equal(t->nr_migrations, 4);
	assert_int_equal(t->nr_wakeups, 0);
	assert_int_equal(t->fair_slice_ns, 3000000);
	assert_true(t->ext_enabled);
	assert_int_equal(t->block_sum, 4000000);
	assert_int_equal(t->voluntary_sleep_ns, 6000000);
}

static void test_sched_voluntary_sleep_needs_both(void **state)
{
	struct thread_state *t = *state;
	proc_parse_sched(TEXT("sum_sleep_runtime : 10.0\n"), t);
	assert_int_equal(t->voluntary_sleep_ns, 0);
	/* saturates at zero when block exceeds sleep */
	proc_parse_sched(TEXT("sum_sleep_runtime : 1.0\nsum_block_runtime : 2.0\n"), t);
	assert_int_equal(t->voluntary_sleep_ns, 0);
	assert_int_equal(t->block_sum, 2000000);
	/* the pinned normal case */
	proc_parse_sched(TEXT("sum_sleep_runtime : 3200.500000\n"
			      "sum_block_runtime : 1100.750000\n"), t);
	assert_int_equal(t->voluntary_sleep_ns, 2099750000ULL);
}

static void test_sched_negative_dotted_counted(void **state)
{
	struct thread_state *t = *state;
	unsigned neg = proc_parse_sched(TEXT("wait_sum : -5.000000\n"
					     "wait_max : 0.-000500\n"
					     "sleep_max : 12.x\n"
					     "exec_max : 1.0\n"), t);
	assert_int_equal(neg, 2);
	assert_int_equal(t->wait_sum, 0);
	assert_int_equal(t->wait_max, 0);
	assert_int_equal(t->sleep_max, 0);
	assert_int_equal(t->exec_max, 1000000);
}

/* Every sched key, as the kernel prints it, lands on its own field. */
static void test_sched_every_key(void **state)
{
	struct thread_state *t = *state;
	static const struct {
		const char *key;
		size_t offset;
		bool dotted;
	} keys[] = {
#define K(key, field, dotted) { key, offsetof(struct thread_state, field), dotted }
		K("se.nr_migrations", nr_migrations, false),
		K("se.slice", fair_slice_ns, false),
		K("wait_sum", wait_sum, true),
		K("stats.wait_count", wait_count, false),
		K("se.statistics.wait_max", wait_max, true),
		K("sleep_max", sleep_max, true),
		K("sum_block_runtime", block_sum, true),
		K("block_max", block_max, true),
		K("iowait_sum", iowait_sum, true),
		K("iowait_count", iowait_count, false),
		K("exec_max", exec_max, true),
		K("slice_max", slice_max, true),
		K("core_forceidle_sum", core_forceidle_sum, true),
		K("nr_wakeups", nr_wakeups, false),
		K("nr_wakeups_local", nr_wakeups_local, false),
		K("nr_wakeups_remote", nr_wakeups_remote, false),
		K("nr_wakeups_sync", nr_wakeups_sync, false),
		K("nr_wakeups_migrate", nr_wakeups_migrate, false),
		K("nr_wakeups_affine", nr_wakeups_affine, false),
		K("nr_wakeups_affine_attempts", nr_wakeups_affine_attempts, false),
		K("nr_forced_migrations", nr_forced_migrations, false),
		K("nr_failed_migrations_affine", nr_failed_migrations_affine, false),
		K("nr_failed_migrations_running", nr_failed_migrations_running, false),
		K("nr_failed_migrations_hot", nr_failed_migrations_hot, false),
#undef K
	};
	size_t n = sizeof(keys) / sizeof(keys[0]);
	char text[8192];
	int len = snprintf(text, sizeof(text), "x (1, #threads: 1)\n%s\n%-45s:%14u.%06u\n",
			   "----------------", "sum_sleep_runtime", 9999u, 0u);
	for (size_t i = 0; i < n; i++) {
		unsigned v = 1000u + (unsigned)i;
		if (keys[i].dotted)
			len += snprintf(text + len, sizeof(text) - (size_t)len,
					"%-45s:%14u.%06u\n", keys[i].key, v, v);
		else
			len += snprintf(text + len, sizeof(text) - (size_t)len,
					"%-45s:%21u\n", keys[i].key, v);
	}
	snprintf(text + len, sizeof(text) - (size_t)len, "%-45s:%21u\n%s\n",
		 "ext.enabled", 1u, "current_node=0, numa_group_id=0");
	assert_int_equal(proc_parse_sched(text, t), 0);
	for (size_t i = 0; i < n; i++) {
		uint64_t v = 1000u + i, got;
		memcpy(&got, (char *)t + keys[i].offset, sizeof(got));
		assert_int_equal(got, keys[i].dotted ? v * 1000000 + v : v);
	}
	assert_true(t->ext_enabled);
	/* the loop checked block_sum: sum_sleep_runtime minus it */
	assert_int_equal(t->voluntary_sleep_ns, 9999000000ULL - t->block_sum);
}

/* Keys match whole: a longer, shorter or differently cased one is no key. */
static void test_sched_near_keys(void **state)
{
	struct thread_state *t = *state;
	proc_parse_sched(TEXT("wait_summ : 1\nwait_su : 2\nWait_sum : 3\n"
			      "se.ext.enabled : 1\nwait_sum. : 4\n"
			      "se.statistics. wait_sum : 5\n\t nr_wakeups\t:\t6 \r\n"),
			 t);
	assert_int_equal(t->wait_sum, 0);
	assert_false(t->ext_enabled);
	assert_int_equal(t->nr_wakeups, 6);
}

static void test_stat_blank_runs(void **state)
{
	struct thread_state *t = *state;
	/* any run of ' ', \t, \r, \f, \v separates; only the first line counts */
	char *text = TEXT("7 (a b) S\t1  7 7 0 -1 0 \v5 0 6\f0 7 8 0 0 20 1 3\r\n"
			  "0 22 1 2 3 4 5 6 7 8 9 10");
	assert_int_equal(proc_parse_stat_whole(text, t), 0);
	assert_string_equal(t->comm, "a b");
	assert_int_equal(t->state, 'S');
	/* minflt majflt utime stime priority nice threads; no start time */
	const int64_t got[] = { (int64_t)t->minflt, (int64_t)t->majflt,
				(int64_t)t->utime_clock_ticks, (int64_t)t->stime_clock_ticks,
				t->priority, t->nice, (int64_t)t->nr_threads,
				(int64_t)t->start_time_clock_ticks };
	const int64_t want[] = { 5, 6, 7, 8, 20, 1, 3, 0 };
	assert_memory_equal(got, want, sizeof(want));
	/* a '(' only after the last ')' names no comm */
	assert_int_equal(proc_parse_stat_whole(TEXT("7 x) R ("), t), 0);
	assert_string_equal(t->comm, "a b");
	assert_int_equal(t->state, 'R');
}

static void test_io_padding(void **state)
{
	struct thread_state *t = *state;
	proc_parse_io(TEXT("  rchar \t:\t 5 \r\nwchar:\nsyscr:+7\nsyscw: 1 2\n"
			   "read_bytes: 18446744073709551616\nwrite_bytes"),
		      t);
	assert_int_equal(t->rchar, 5);
	assert_int_equal(t->wchar, 0);
	assert_int_equal(t->syscr, 7);
	assert_int_equal(t->syscw, 0);
	assert_int_equal(t->read_bytes, 0);
}

static void test_cgroup_selection(void **state)
{
	struct thread_state *t = *state;
	assert_int_equal(proc_parse_cgroup(TEXT("4:memory:/x\n0::/a/b\n"), t), 0);
	assert_string_equal(t->cgroup, "/a/b");
	/* duplicates: the first wins; an empty 0:: path is skipped */
	struct thread_state u;
	thread_state_init(&u);
	proc_parse_cgroup(TEXT("0::\n0::/first\n0::/second\n"), &u);
	assert_string_equal(u.cgroup, "/first");
	thread_state_release(&u);
	/* v1 only: none */
	thread_state_init(&u);
	proc_parse_cgroup(TEXT("12:pids:/user.slice\n1:name=systemd:/\n"), &u);
	assert_string_equal(u.cgroup, "");
	thread_state_release(&u);
}

static void test_smaps_rollup_header_rejected(void **state)
{
	(void)state;
	struct kv_map m = { 0 };
	char *text = TEXT("55d0c0a00000-7ffd5b5fe000 ---p 00000000 00:00 0 [rollup]\n"
			  "Rss:  5120 kB\nPss_Anon: 1024 kB\nLocked: bad kB\n");
	assert_int_equal(proc_parse_smaps_rollup(text, &m), 0);
	assert_int_equal(m.len, 2);
	assert_string_equal(m.items[0].key, "Pss_Anon");
	assert_int_equal(m.items[0].value, 1024);
	assert_string_equal(m.items[1].key, "Rss");
	assert_int_equal(m.items[1].value, 5120);
	kv_map_release(&m);
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup_thread, teardown_thread)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_stat_comm_with_parens),
		T(test_stat_short_and_garbled),
		T(test_policy_names),
		T(test_schedstat),
		T(test_io),
		T(test_status_every_state_letter),
		T(test_sched_bare_and_prefixed_keys),
		T(test_sched_voluntary_sleep_needs_both),
		T(test_sched_negative_dotted_counted),
		T(test_sched_every_key),
		T(test_sched_near_keys),
		T(test_stat_blank_runs),
		T(test_io_padding),
		T(test_cgroup_selection),
		T(test_smaps_rollup_header_rejected),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
