/*
 * test_process_cpu.c - the process CPU totals beside a snapshot's threads:
 * read once per process from /proc/<tgid>/stat (a tree written here, with
 * processes lacking a usable stat), kept sorted by tgid, released with the
 * snapshot, and never in the JSON (a snapshot with totals writes the same
 * bytes as one without, and reads back without them).
 */
#include <fcntl.h>
#include <ftw.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <cmocka.h>

#include "capture.h"
#include "readfile.h"
#include "snapshot_json.h"

/* stat text: pid, comm, utime (field 14), stime (15), start time (22) */
#define STAT_FMT "%u (%s) S 1 %u %u 0 -1 4194560 100 0 0 0 %u %u 0 0 20 0 2 0 %u 1000 10\n"

static void write_text(const char *root, const char *rel, const char *text)
{
	char path[4200];
	snprintf(path, sizeof(path), "%s/%s", root, rel);
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	assert_int_equal(fclose(f), 0);
}

static void make_dir(const char *root, const char *rel)
{
	char path[4200];
	snprintf(path, sizeof(path), "%s/%s", root, rel);
	assert_int_equal(mkdir(path, 0755), 0);
}

/* /proc/<tgid>/task/<tid>/{comm,stat} of a thread. */
static void write_thread(const char *root, unsigned tgid, unsigned tid, unsigned utime,
			 unsigned stime, unsigned start)
{
	char rel[64], text[256];
	snprintf(rel, sizeof(rel), "%u/task/%u", tgid, tid);
	make_dir(root, rel);
	snprintf(rel, sizeof(rel), "%u/task/%u/comm", tgid, tid);
	write_text(root, rel, "app\n");
	snprintf(rel, sizeof(rel), "%u/task/%u/stat", tgid, tid);
	snprintf(text, sizeof(text), STAT_FMT, tid, "app", tgid, tgid, utime, stime, start);
	write_text(root, rel, text);
}

/* /proc/<tgid>/{comm,task/} and, when stat is not NULL, its own stat. */
static void write_process(const char *root, unsigned tgid, const char *stat)
{
	char rel[64];
	snprintf(rel, sizeof(rel), "%u", tgid);
	make_dir(root, rel);
	snprintf(rel, sizeof(rel), "%u/task", tgid);
	make_dir(root, rel);
	snprintf(rel, sizeof(rel), "%u/comm", tgid);
	write_text(root, rel, "app\n");
	snprintf(rel, sizeof(rel), "%u/stat", tgid);
	if (stat)
		write_text(root, rel, stat);
}

/*
 * 77: two threads, a total of 500 utime and 60 stime (threads reaped
 * before); 88: no process stat; 99: a stat cut short before utime.
 */
static void write_tree(const char *root)
{
	char stat[256];
	snprintf(stat, sizeof(stat), STAT_FMT, 77u, "app", 77u, 77u, 500u, 60u, 1234u);
	write_process(root, 77, stat);
	write_thread(root, 77, 77, 100, 10, 1234);
	write_thread(root, 77, 78, 200, 20, 1240);
	write_process(root, 88, NULL);
	write_thread(root, 88, 88, 7, 1, 2000);
	write_process(root, 99, "99 (app) S 1 99 99 0\n");
	write_thread(root, 99, 99, 5, 1, 3000);
}

static int rm_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static void test_capture_reads_process_totals(void **state)
{
	(void)state;
	char root[4096];
	struct ctprof_snapshot s;
	struct strbuf err = STRBUF_INIT;
	snprintf(root, sizeof(root), "%s/ctprof-proc-cpu-XXXXXX",
		 getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	assert_non_null(mkdtemp(root));
	write_tree(root);
	struct capture_options o = { .procfs = root, .sysfs = root, .cgroupfs = root,
				     .no_cgroup = true, .no_psi = true,
				     .no_sched_ext = true, .no_host = true };
	ctprof_snapshot_init(&s);
	assert_int_equal(ctprof_capture(&o, &s, &err), 0);
	assert_int_equal(nftw(root, rm_entry, 16, FTW_DEPTH | FTW_PHYS), 0);
	assert_int_equal(s.nthreads, 4);
	assert_int_equal(s.nprocs, 1);
	assert_int_equal(s.procs[0].tgid, 77);
	assert_int_equal(s.procs[0].start_time_clock_ticks, 1234);
	assert_int_equal(s.procs[0].utime_clock_ticks, 500);
	assert_int_equal(s.procs[0].stime_clock_ticks, 60);
	assert_null(snapshot_find_process(&s, 88));
	assert_null(snapshot_find_process(&s, 99));
	/* 88's missing stat is no thread's file: no stat failure tallied */
	assert_null(kv_map_find(&s.parse_summary->read_failures_by_file, "stat"));
	/* the threads keep their own values */
	assert_int_equal(snapshot_find_thread(&s, 78)->utime_clock_ticks, 200);
	ctprof_snapshot_release(&s);
	assert_null(s.procs);
	assert_int_equal(s.nprocs, 0);
	strbuf_release(&err);
}

static void test_add_keeps_tgid_order(void **state)
{
	(void)state;
	static const struct process_cpu add[] = { { 30, 3, 300, 3 }, { 10, 1, 100, 1 },
						  { 20, 2, 200, 2 }, { 10, 5, 150, 5 } };
	struct ctprof_snapshot s;
	ctprof_snapshot_init(&s);
	for (size_t i = 0; i < 4; i++)
		assert_int_equal(snapshot_add_process(&s, &add[i]), 0);
	assert_int_equal(s.nprocs, 3);
	for (size_t i = 0; i < 3; i++)
		assert_int_equal(s.procs[i].tgid, 10 * (i + 1));
	/* a tgid added again is overwritten */
	assert_int_equal(snapshot_find_process(&s, 10)->utime_clock_ticks, 150);
	assert_int_equal(snapshot_find_process(&s, 30)->stime_clock_ticks, 3);
	assert_null(snapshot_find_process(&s, 15));
	assert_null(snapshot_find_process(&s, 31));
	ctprof_snapshot_release(&s);
}

/* tests/fixtures/snapshots/host1.json, from $CTPROF_TOP (tests/run.sh) or the cwd. */
static void read_fixture_json(struct strbuf *sb)
{
	char path[4200];
	snprintf(path, sizeof(path), "%s/tests/fixtures/snapshots/host1.json",
		 getenv("CTPROF_TOP") ? getenv("CTPROF_TOP") : ".");
	assert_int_equal(read_file_at(AT_FDCWD, path, sb), 0);
}

static void test_json_leaves_totals_out(void **state)
{
	(void)state;
	struct ctprof_snapshot s, back;
	struct strbuf json = STRBUF_INIT, without = STRBUF_INIT, with = STRBUF_INIT;
	struct strbuf err = STRBUF_INIT;
	read_fixture_json(&json);
	assert_int_equal(snapshot_from_json(json.buf, json.len, &s, &err), 0);
	strbuf_release(&json);
	assert_true(s.nthreads > 0);
	assert_int_equal(s.nprocs, 0);
	assert_int_equal(snapshot_to_json(&s, &without, &err), 0);
	for (size_t i = 0; i < s.nthreads; i++) {
		const struct thread_state *t = &s.threads[i];
		struct process_cpu p = { t->tgid, t->start_time_clock_ticks, 1000 + i, 2000 + i };
		assert_int_equal(snapshot_add_process(&s, &p), 0);
	}
	assert_true(s.nprocs > 0);
	assert_int_equal(snapshot_to_json(&s, &with, &err), 0);
	assert_int_equal(with.len, without.len);
	assert_memory_equal(with.buf, without.buf, with.len);
	assert_int_equal(snapshot_from_json(with.buf, with.len, &back, &err), 0);
	assert_int_equal(back.nprocs, 0);
	assert_null(back.procs);
	ctprof_snapshot_release(&back);
	ctprof_snapshot_release(&s);
	strbuf_release(&without);
	strbuf_release(&with);
	strbuf_release(&err);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_capture_reads_process_totals),
		cmocka_unit_test(test_add_keeps_tgid_order),
		cmocka_unit_test(test_json_leaves_totals_out),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
