/*
 * test_capture_memo.c - the idle-thread memo: a thread is reused only when
 * every condition holds (same start time, taskstats measured, asleep, the
 * same run time, switch counts, nice, priority, rt priority and policy),
 * reuse copies exactly the sched and io values, a changed host epoch
 * (sched_ext state or enable_seq, kernel.sched_schedstats) forgets every
 * entry, and the rebuild keeps measured threads only, found by (tgid, tid).
 * The io gate: a process's totals compare equal only field for field, to
 * the same tgid's of the last commit; io alone is reused for the same
 * thread (tid and start time) whatever else moved; an epoch change forgets
 * the totals too.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include <fcntl.h>

#include "capture_memo.h"
#include "readfile.h"

/* A measured, sleeping thread with distinct sched and io values. */
static void make_thread(struct thread_state *t, uint32_t tgid, uint32_t tid)
{
	assert_int_equal(thread_state_init(t), 0);
	t->tgid = tgid;
	t->tid = tid;
	t->start_time_clock_ticks = 1000 + tid;
	t->taskstats_measured = true;
	t->state = 'S';
	t->run_time_ns = 5000;
	t->voluntary_csw = 7;
	t->nonvoluntary_csw = 3;
	t->nice = -5;
	t->priority = 15;
	t->rt_priority = 0;
	assert_int_equal(snapshot_set_string(&t->policy, "SCHED_OTHER"), 0);
	t->nr_migrations = 41;
	t->fair_slice_ns = 3000000;
	t->ext_enabled = true;
	t->wait_sum = 99;
	t->rchar = 4096;
	t->syscw = 12;
	t->cancelled_write_bytes = 8192;
}

/* The io values make_thread gives. */
static void assert_made_io(const struct thread_state *t)
{
	assert_int_equal(t->rchar, 4096);
	assert_int_equal(t->syscw, 12);
	assert_int_equal(t->cancelled_write_bytes, 8192);
}

/* What this capture read afresh: stat and taskstats, no sched, no io. */
static void make_fresh(struct thread_state *t, const struct thread_state *from)
{
	assert_int_equal(thread_state_init(t), 0);
	t->tgid = from->tgid;
	t->tid = from->tid;
	t->start_time_clock_ticks = from->start_time_clock_ticks;
	t->taskstats_measured = true;
	t->state = from->state;
	t->run_time_ns = from->run_time_ns;
	t->voluntary_csw = from->voluntary_csw;
	t->nonvoluntary_csw = from->nonvoluntary_csw;
	t->nice = from->nice;
	t->priority = from->priority;
	t->rt_priority = from->rt_priority;
	assert_int_equal(snapshot_set_string(&t->policy, from->policy), 0);
}

struct fixture {
	struct capture_memo *memo;
	struct ctprof_snapshot snap;
	char root[64];
	int proc_fd, sys_fd;
	struct strbuf buf;
};

static void write_at(int dirfd, const char *rel, const char *text)
{
	int fd = openat(dirfd, rel, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
}

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	assert_non_null(f);
	snprintf(f->root, sizeof(f->root), "/tmp/ctprof-memo-XXXXXX");
	assert_non_null(mkdtemp(f->root));
	int root = open(f->root, O_RDONLY | O_DIRECTORY);
	assert_true(root >= 0);
	assert_int_equal(mkdirat(root, "proc", 0755), 0);
	assert_int_equal(mkdirat(root, "proc/sys", 0755), 0);
	assert_int_equal(mkdirat(root, "proc/sys/kernel", 0755), 0);
	assert_int_equal(mkdirat(root, "sys", 0755), 0);
	assert_int_equal(mkdirat(root, "sys/kernel", 0755), 0);
	assert_int_equal(mkdirat(root, "sys/kernel/sched_ext", 0755), 0);
	f->proc_fd = openat(root, "proc", O_RDONLY | O_DIRECTORY);
	f->sys_fd = openat(root, "sys", O_RDONLY | O_DIRECTORY);
	close(root);
	write_at(f->sys_fd, "kernel/sched_ext/state", "disabled\n");
	write_at(f->sys_fd, "kernel/sched_ext/enable_seq", "0\n");
	write_at(f->proc_fd, "sys/kernel/sched_schedstats", "0\n");
	strbuf_init(&f->buf);
	f->memo = capture_memo_new();
	assert_non_null(f->memo);
	ctprof_snapshot_init(&f->snap);
	struct thread_state t;
	const uint32_t ids[][2] = { { 10, 10 }, { 10, 12 }, { 20, 11 }, { 30, 30 } };
	for (size_t i = 0; i < 4; i++) {
		make_thread(&t, ids[i][0], ids[i][1]);
		t.taskstats_measured = i != 3; /* 30/30: not measured, not kept */
		assert_int_equal(snapshot_push_thread(&f->snap, &t), 0);
	}
	assert_int_equal(capture_memo_begin(f->memo, f->proc_fd, f->sys_fd, &f->buf), 0);
	assert_int_equal(capture_memo_commit(f->memo, &f->snap), 0);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	char cmd[128];
	capture_memo_free(f->memo);
	ctprof_snapshot_release(&f->snap);
	strbuf_release(&f->buf);
	close(f->proc_fd);
	close(f->sys_fd);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", f->root);
	assert_int_equal(system(cmd), 0);
	free(f);
	return 0;
}

static void commit_keeps_measured_threads(void **state)
{
	struct fixture *f = *state;
	assert_int_equal(capture_memo_size(f->memo), 3);
	assert_non_null(capture_memo_find(f->memo, 10, 10));
	assert_non_null(capture_memo_find(f->memo, 10, 12));
	assert_non_null(capture_memo_find(f->memo, 20, 11));
	assert_null(capture_memo_find(f->memo, 30, 30));
	assert_null(capture_memo_find(f->memo, 20, 12)); /* tid of another tgid */
	assert_null(capture_memo_find(f->memo, 10, 11));
	assert_null(capture_memo_find(NULL, 10, 10));
}

static void reuse_copies_sched_and_io(void **state)
{
	struct fixture *f = *state;
	struct thread_state t;
	make_fresh(&t, &f->snap.threads[1]);
	t.processor = 3; /* stat's own: kept */
	assert_true(capture_memo_reuse(capture_memo_find(f->memo, 10, 12), &t));
	assert_int_equal(t.nr_migrations, 41);
	assert_int_equal(t.fair_slice_ns, 3000000);
	assert_true(t.ext_enabled);
	assert_int_equal(t.wait_sum, 99);
	assert_made_io(&t);
	assert_int_equal(t.processor, 3);
	assert_int_equal(t.run_time_ns, 5000);
	thread_state_release(&t);
}

/* Each condition alone stops the reuse, and t keeps what it had. */
static void reuse_refused_when_anything_moved(void **state)
{
	struct fixture *f = *state;
	const struct memo_entry *e = capture_memo_find(f->memo, 10, 12);
	for (int c = 0; c < 11; c++) {
		struct thread_state t;
		make_fresh(&t, &f->snap.threads[1]);
		switch (c) {
		case 0: t.start_time_clock_ticks++; break; /* a reused tid */
		case 1: t.taskstats_measured = false; break;
		case 2: t.state = 'R'; break; /* woken, not yet run */
		case 3: t.run_time_ns++; break;
		case 4: t.voluntary_csw++; break;
		case 5: t.nonvoluntary_csw++; break;
		case 6: t.nice = 0; break;
		case 7: t.priority = 20; break;
		case 8: t.rt_priority = 1; break;
		case 9: assert_int_equal(snapshot_set_string(&t.policy, "SCHED_BATCH"), 0); break;
		case 10: t.state = 'Z'; break;
		}
		assert_false(capture_memo_reuse(e, &t));
		assert_int_equal(t.nr_migrations, 0);
		assert_int_equal(t.rchar, 0);
		thread_state_release(&t);
	}
	struct thread_state t;
	make_fresh(&t, &f->snap.threads[1]);
	assert_false(capture_memo_reuse(NULL, &t));
	t.state = 'D';
	assert_true(capture_memo_reuse(e, &t)); /* uninterruptible sleep counts */
	t.state = 'I';
	assert_true(capture_memo_reuse(e, &t));
	thread_state_release(&t);
}

/* Any move of the epoch's three files empties the memo; no move keeps it. */
static void epoch_change_forgets_everything(void **state)
{
	struct fixture *f = *state;
	struct {
		int *dirfd;
		const char *file, *text;
	} moves[] = {
		{ &f->sys_fd, "kernel/sched_ext/state", "enabled\n" },
		{ &f->sys_fd, "kernel/sched_ext/enable_seq", "1\n" },
		{ &f->proc_fd, "sys/kernel/sched_schedstats", "1\n" },
	};
	assert_int_equal(capture_memo_begin(f->memo, f->proc_fd, f->sys_fd, &f->buf), 0);
	assert_int_equal(capture_memo_size(f->memo), 3);
	for (size_t i = 0; i < 3; i++) {
		write_at(*moves[i].dirfd, moves[i].file, moves[i].text);
		assert_int_equal(capture_memo_begin(f->memo, f->proc_fd, f->sys_fd, &f->buf), 0);
		assert_int_equal(capture_memo_size(f->memo), 0);
		assert_null(capture_memo_find(f->memo, 10, 10));
		assert_int_equal(capture_memo_commit(f->memo, &f->snap), 0);
		assert_int_equal(capture_memo_size(f->memo), 3);
	}
	/* A host without the files (no sched_ext, no schedstats) is one epoch. */
	unlinkat(f->sys_fd, "kernel/sched_ext/state", 0);
	assert_int_equal(capture_memo_begin(f->memo, f->proc_fd, -1, &f->buf), 0);
	assert_int_equal(capture_memo_size(f->memo), 0);
	assert_int_equal(capture_memo_commit(f->memo, &f->snap), 0);
	assert_int_equal(capture_memo_begin(f->memo, f->proc_fd, -1, &f->buf), 0);
	assert_int_equal(capture_memo_size(f->memo), 3);
}

/* The io totals of process 10 as the fixture's io gate commits them. */
static void commit_totals(struct fixture *f, struct memo_io *io)
{
	struct thread_state totals = { 0 };
	totals.rchar = 1 << 20;
	totals.wchar = 77;
	totals.syscr = 300;
	totals.syscw = 12;
	totals.read_bytes = 4096;
	totals.write_bytes = 8192;
	totals.cancelled_write_bytes = 8192;
	memo_io_from_thread(io, &totals);
	const struct memo_process procs[] = { { 10, *io }, { 20, { 0 } } };
	assert_int_equal(capture_memo_commit_processes(f->memo, procs, 2), 0);
}

/* Equal totals, field for field, of the same tgid: nothing else. */
static void io_totals_compare_field_for_field(void **state)
{
	struct fixture *f = *state;
	struct memo_io io, zero = { 0 };
	commit_totals(f, &io);
	assert_true(capture_memo_io_unchanged(f->memo, 10, &io));
	assert_true(capture_memo_io_unchanged(f->memo, 20, &zero));
	assert_false(capture_memo_io_unchanged(f->memo, 30, &zero)); /* not read last time */
	assert_false(capture_memo_io_unchanged(f->memo, 20, &io));
	assert_false(capture_memo_io_unchanged(NULL, 10, &io));
	uint64_t *fields[] = { &io.rchar, &io.wchar, &io.syscr, &io.syscw,
			       &io.read_bytes, &io.write_bytes, &io.cancelled_write_bytes };
	for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
		(*fields[i])++;
		assert_false(capture_memo_io_unchanged(f->memo, 10, &io));
		(*fields[i])--;
	}
	assert_true(capture_memo_io_unchanged(f->memo, 10, &io));
	/* The next commit replaces the totals; an empty one forgets them. */
	assert_int_equal(capture_memo_commit_processes(f->memo, NULL, 0), 0);
	assert_false(capture_memo_io_unchanged(f->memo, 10, &io));
}

/* io alone, for the same thread, however much it ran; never sched. */
static void reuse_io_copies_io_only(void **state)
{
	struct fixture *f = *state;
	const struct memo_entry *e = capture_memo_find(f->memo, 10, 12);
	struct thread_state t;
	make_fresh(&t, &f->snap.threads[1]);
	t.state = 'R';
	t.run_time_ns += 1000000;
	t.voluntary_csw += 9;
	assert_false(capture_memo_reuse(e, &t));
	assert_true(capture_memo_reuse_io(e, &t));
	assert_made_io(&t);
	assert_int_equal(t.nr_migrations, 0);
	assert_int_equal(t.wait_sum, 0);
	assert_int_equal(t.fair_slice_ns, 0);
	thread_state_release(&t);
	/* Another thread under a reused tid, and no entry at all: read. */
	make_fresh(&t, &f->snap.threads[1]);
	t.start_time_clock_ticks++;
	assert_false(capture_memo_reuse_io(e, &t));
	assert_false(capture_memo_reuse_io(NULL, &t));
	assert_int_equal(t.rchar, 0);
	thread_state_release(&t);
}

/* A moved epoch forgets the io totals with the threads. */
static void epoch_change_forgets_io_totals(void **state)
{
	struct fixture *f = *state;
	struct memo_io io;
	commit_totals(f, &io);
	assert_int_equal(capture_memo_begin(f->memo, f->proc_fd, f->sys_fd, &f->buf), 0);
	assert_true(capture_memo_io_unchanged(f->memo, 10, &io));
	write_at(f->proc_fd, "sys/kernel/sched_schedstats", "1\n");
	assert_int_equal(capture_memo_begin(f->memo, f->proc_fd, f->sys_fd, &f->buf), 0);
	assert_false(capture_memo_io_unchanged(f->memo, 10, &io));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(commit_keeps_measured_threads, setup, teardown),
		cmocka_unit_test_setup_teardown(reuse_copies_sched_and_io, setup, teardown),
		cmocka_unit_test_setup_teardown(reuse_refused_when_anything_moved, setup,
						teardown),
		cmocka_unit_test_setup_teardown(epoch_change_forgets_everything, setup,
						teardown),
		cmocka_unit_test_setup_teardown(io_totals_compare_field_for_field, setup,
						teardown),
		cmocka_unit_test_setup_teardown(reuse_io_copies_io_only, setup, teardown),
		cmocka_unit_test_setup_teardown(epoch_change_forgets_io_totals, setup,
						teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
