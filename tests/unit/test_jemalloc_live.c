/*
 * test_jemalloc_live.c - the jemalloc probe against live targets built by
 * `make test-build` (never sanitized): a look-alike TSD with DWARF, Debian's
 * jemalloc linked statically and dynamically (values equal to the target's
 * own mallctl readings), a process without jemalloc, the capturing process
 * itself, --no-jemalloc, a resolver that crashes or hangs, a thread stopped
 * at most once per prober, and the stress run: 1,000+ probes of a target
 * whose threads churn, one blocked in epoll_wait, plus a SIGSTOPped target,
 * with captures killed by signals midway.
 */
#include <errno.h>
#include <poll.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "capture.h"
#include "jemalloc_probe.h"

struct target {
	pid_t pid;
	int in, out; /* its stdin (ours to write) and stdout */
};

struct expect {
	uint32_t tid;
	uint64_t allocated, deallocated;
};

static const char *build_path(const char *sub)
{
	static char path[4][4096];
	static int next;
	char *p = path[next++ % 4];
	snprintf(p, sizeof(path[0]), "%s/%s", getenv("CTPROF_BUILD"), sub);
	return p;
}

static void spawn(struct target *t, const char *path, const char *arg)
{
	int in[2], out[2];
	assert_int_equal(pipe(in), 0);
	assert_int_equal(pipe(out), 0);
	t->pid = fork();
	assert_true(t->pid >= 0);
	if (!t->pid) {
		dup2(in[0], 0);
		dup2(out[1], 1);
		close(in[1]);
		close(out[0]);
		execl(path, path, arg, (char *)NULL);
		_exit(127);
	}
	close(in[0]);
	close(out[1]);
	t->in = in[1];
	t->out = out[0];
}

static void stop_target(struct target *t)
{
	kill(t->pid, SIGKILL);
	waitpid(t->pid, NULL, 0);
	close(t->in);
	close(t->out);
}

/* One line of the target's stdout (5 s limit). */
static bool read_line(struct target *t, char *buf, size_t cap)
{
	size_t n = 0;
	while (n + 1 < cap) {
		struct pollfd p = { t->out, POLLIN, 0 };
		if (poll(&p, 1, 5000) <= 0 || read(t->out, &buf[n], 1) != 1)
			return false;
		if (buf[n] == '\n')
			break;
		n++;
	}
	buf[n] = '\0';
	return true;
}

static size_t read_expect(struct target *t, struct expect *e, size_t n)
{
	char line[128];
	for (size_t i = 0; i < n; i++) {
		unsigned long long a, d;
		if (!read_line(t, line, sizeof(line)) ||
		    sscanf(line, "%u %llu %llu", &e[i].tid, &a, &d) != 3)
			return i;
		e[i].allocated = a;
		e[i].deallocated = d;
	}
	return n;
}

static void capture_pid(pid_t pid, struct jemalloc_prober *p, bool no_jemalloc,
			struct ctprof_snapshot *s)
{
	struct capture_options o = { .pid = pid, .jemalloc = p, .no_jemalloc = no_jemalloc,
				     .no_taskstats = true };
	struct strbuf err = STRBUF_INIT;
	ctprof_snapshot_init(s);
	int rc = ctprof_capture(&o, s, &err);
	if (rc)
		fprintf(stderr, "capture: %s\n", err.buf);
	strbuf_release(&err);
	assert_int_equal(rc, 0);
}

static const struct thread_state *find_tid(const struct ctprof_snapshot *s, uint32_t tid)
{
	for (size_t i = 0; i < s->nthreads; i++)
		if (s->threads[i].tid == tid)
			return &s->threads[i];
	return NULL;
}

static void assert_summary(const struct ctprof_snapshot *s, uint64_t walked,
			   uint64_t detected, uint64_t ok, uint64_t failed,
			   const char *dominant)
{
	const struct probe_summary *p = s->probe_summary;
	assert_non_null(p);
	assert_int_equal(p->tgids_walked, walked);
	assert_int_equal(p->jemalloc_detected, detected);
	assert_int_equal(p->probed_ok, ok);
	assert_int_equal(p->failed, failed);
	if (dominant)
		assert_string_equal(p->dominant_failure, dominant);
	else
		assert_null(p->dominant_failure);
}

/* Every thread the target reported, with exactly its values. */
static void check_values(const char *name, int threads)
{
	struct target t;
	struct expect e[16];
	struct ctprof_snapshot s;
	spawn(&t, build_path(name), threads == 3 ? "3" : "5");
	assert_int_equal(read_expect(&t, e, (size_t)threads + 1), threads + 1);
	capture_pid(t.pid, NULL, false, &s);
	assert_int_equal(s.nthreads, threads + 1);
	for (int i = 0; i <= threads; i++) {
		const struct thread_state *th = find_tid(&s, e[i].tid);
		assert_non_null(th);
		assert_true(th->jemalloc_measured);
		assert_int_equal(th->allocated_bytes, e[i].allocated);
		assert_int_equal(th->deallocated_bytes, e[i].deallocated);
		print_message("%s tid %u: allocated %llu deallocated %llu\n", name,
			      e[i].tid, (unsigned long long)e[i].allocated,
			      (unsigned long long)e[i].deallocated);
	}
	assert_summary(&s, 1, 1, (uint64_t)threads + 1, 0, NULL);
	assert_false(s.probe_summary->privilege_dominant);
	ctprof_snapshot_release(&s);
	stop_target(&t);
}

static void test_custom_tsd_dwarf(void **state)
{
	(void)state;
	check_values("tests/jemalloc/tsd_custom", 3);
}

static void test_static_jemalloc(void **state)
{
	(void)state;
	check_values("tests/jemalloc/je_static", 5);
}

static void test_dynamic_jemalloc(void **state)
{
	(void)state;
	check_values("tests/jemalloc/je_dynamic", 5);
}

static void test_no_jemalloc_is_not_a_failure(void **state)
{
	struct target t;
	struct ctprof_snapshot s;
	char line[64];
	(void)state;
	spawn(&t, build_path("tests/helpers/threads_sleeper"), "2");
	assert_true(read_line(&t, line, sizeof(line)));
	struct jemalloc_prober *p = jemalloc_prober_new();
	capture_pid(t.pid, p, false, &s);
	assert_int_equal(s.nthreads, 3);
	assert_summary(&s, 1, 0, 0, 0, NULL);
	assert_false(s.probe_summary->privilege_dominant);
	assert_int_equal(jemalloc_prober_tag_count(p, JM_NOT_FOUND), 1);
	for (size_t i = 0; i < s.nthreads; i++) {
		assert_false(s.threads[i].jemalloc_measured);
		assert_int_equal(s.threads[i].allocated_bytes, 0);
	}
	ctprof_snapshot_release(&s);
	jemalloc_prober_free(p);
	stop_target(&t);
}

/* The capturing process is skipped; --no-jemalloc and fixtures: no summary. */
static void test_self_and_disabled(void **state)
{
	struct target t;
	struct expect e[4];
	struct ctprof_snapshot s;
	(void)state;
	capture_pid(getpid(), NULL, false, &s);
	assert_summary(&s, 0, 0, 0, 0, NULL);
	assert_true(s.nthreads >= 1);
	assert_false(s.threads[0].jemalloc_measured);
	ctprof_snapshot_release(&s);
	spawn(&t, build_path("tests/jemalloc/je_dynamic"), "3");
	assert_int_equal(read_expect(&t, e, 4), 4);
	capture_pid(t.pid, NULL, true, &s);
	assert_null(s.probe_summary);
	assert_int_equal(s.nthreads, 4);
	for (size_t i = 0; i < s.nthreads; i++)
		assert_false(s.threads[i].jemalloc_measured);
	ctprof_snapshot_release(&s);
	stop_target(&t);
	char root[4096];
	snprintf(root, sizeof(root), "%s/tests/fixtures/host1", getenv("CTPROF_TOP"));
	char proc[4200], sys[4200], cg[4200];
	snprintf(proc, sizeof(proc), "%s/proc", root);
	snprintf(sys, sizeof(sys), "%s/sys", root);
	snprintf(cg, sizeof(cg), "%s/cgroup", root);
	struct capture_options o = { .procfs = proc, .sysfs = sys, .cgroupfs = cg };
	struct strbuf err = STRBUF_INIT;
	ctprof_snapshot_init(&s);
	assert_int_equal(ctprof_capture(&o, &s, &err), 0);
	assert_null(s.probe_summary);
	ctprof_snapshot_release(&s);
	strbuf_release(&err);
}

static void crash_resolver(const struct jm_resolve_req *req, struct jm_file_info *out)
{
	(void)req;
	(void)out;
	abort();
}

static void hang_resolver(const struct jm_resolve_req *req, struct jm_file_info *out)
{
	(void)req;
	(void)out;
	for (;;)
		pause();
}

/* A resolver that dies or hangs costs its process a worker-panic, no more. */
static void test_worker_panic(void **state)
{
	struct target t;
	struct expect e[4];
	struct ctprof_snapshot s;
	(void)state;
	spawn(&t, build_path("tests/jemalloc/je_dynamic"), "3");
	assert_int_equal(read_expect(&t, e, 4), 4);
	for (int i = 0; i < 2; i++) {
		struct jemalloc_prober *p = jemalloc_prober_new();
		jemalloc_prober_set_resolver(p, i ? hang_resolver : crash_resolver, 300);
		capture_pid(t.pid, p, false, &s);
		assert_summary(&s, 1, 0, 0, 1, "worker-panic");
		assert_int_equal(s.nthreads, 4);
		assert_string_equal(find_tid(&s, e[0].tid)->comm, "je_dynamic");
		ctprof_snapshot_release(&s);
		jemalloc_prober_free(p);
	}
	stop_target(&t);
}

static unsigned long ask_eintr(struct target *t)
{
	char line[64];
	unsigned long n = 0;
	assert_int_equal(write(t->in, "e", 1), 1);
	assert_true(read_line(t, line, sizeof(line)));
	assert_int_equal(sscanf(line, "eintr %lu", &n), 1);
	return n;
}

/* A thread is stopped once per prober: later reads are process_vm_readv. */
static void test_stopped_once(void **state)
{
	struct target t;
	struct ctprof_snapshot s;
	char line[64];
	(void)state;
	spawn(&t, build_path("tests/jemalloc/churn"), "idle");
	assert_true(read_line(&t, line, sizeof(line)));
	struct jemalloc_prober *p = jemalloc_prober_new();
	unsigned long before = ask_eintr(&t);
	capture_pid(t.pid, p, false, &s);
	assert_summary(&s, 1, 1, 2, 0, NULL);
	ctprof_snapshot_release(&s);
	assert_int_equal(ask_eintr(&t), before + 1);
	for (int i = 0; i < 3; i++) {
		capture_pid(t.pid, p, false, &s);
		assert_summary(&s, 1, 1, 2, 0, NULL);
		ctprof_snapshot_release(&s);
	}
	assert_int_equal(ask_eintr(&t), before + 1);
	jemalloc_prober_forget_threads(p);
	capture_pid(t.pid, p, false, &s);
	ctprof_snapshot_release(&s);
	assert_int_equal(ask_eintr(&t), before + 2);
	jemalloc_prober_free(p);
	stop_target(&t);
}

/* Each thread's state letter (R, S, T, t, Z...) and TracerPid, as one line. */
static void task_states(pid_t pid, char *states, size_t cap, int *traced)
{
	char cmd[256];
	snprintf(cmd, sizeof(cmd),
		 "cat /proc/%d/task/*/status 2>/dev/null | awk '/^State:/ { printf \"%%s\", $2 } "
		 "/^TracerPid:/ { if ($2 != 0) t++ } END { printf \" %%d\", t + 0 }'",
		 (int)pid);
	FILE *f = popen(cmd, "r");
	states[0] = '\0';
	*traced = -1;
	if (f && fgets(states, (int)cap, f)) {
		char *sp = strrchr(states, ' ');
		if (sp) {
			*traced = atoi(sp + 1);
			*sp = '\0';
		}
	}
	if (f)
		pclose(f);
}

/* Captures of target in a child killed by sig after a short while. */
static void capture_then_kill(pid_t target, int sig, long delay_us)
{
	pid_t c = fork();
	assert_true(c >= 0);
	if (!c) {
		struct jemalloc_prober *p = jemalloc_prober_new();
		for (;;) {
			struct ctprof_snapshot s;
			struct capture_options o = { .pid = target, .jemalloc = p,
						     .no_taskstats = true };
			ctprof_snapshot_init(&s);
			ctprof_capture(&o, &s, NULL);
			ctprof_snapshot_release(&s);
			jemalloc_prober_forget_threads(p);
		}
	}
	usleep((useconds_t)delay_us);
	kill(c, sig);
	waitpid(c, NULL, 0);
}

static void test_stress(void **state)
{
	struct target busy, frozen;
	char line[64], states[4096];
	int traced;
	uint64_t probes = 0, frozen_ok = 0;
	(void)state;
	spawn(&busy, build_path("tests/jemalloc/churn"), NULL);
	spawn(&frozen, build_path("tests/jemalloc/churn"), "idle");
	assert_true(read_line(&busy, line, sizeof(line)));
	assert_true(read_line(&frozen, line, sizeof(line)));
	kill(frozen.pid, SIGSTOP);
	usleep(50000);
	struct jemalloc_prober *p = jemalloc_prober_new();
	struct strbuf err = STRBUF_INIT;
	for (int i = 0; probes < 1000 && i < 5000; i++) {
		struct ctprof_snapshot s;
		bool cold = i % 8 == 0;
		capture_pid(cold ? frozen.pid : busy.pid, p, false, &s);
		assert_non_null(s.probe_summary);
		probes += s.probe_summary->probed_ok + s.probe_summary->failed;
		if (cold)
			frozen_ok += s.probe_summary->probed_ok;
		ctprof_snapshot_release(&s);
		jemalloc_prober_forget_threads(p);
	}
	strbuf_release(&err);
	jemalloc_prober_free(p);
	for (int i = 0; i < 6; i++)
		capture_then_kill(i % 2 ? frozen.pid : busy.pid, i % 3 ? SIGTERM : SIGINT,
				  20000 + 15000 * i);
	usleep(100000);
	print_message("stress: %llu probes, %llu of the SIGSTOPped target ok\n",
		      (unsigned long long)probes, (unsigned long long)frozen_ok);
	assert_true(probes >= 1000);
	assert_true(frozen_ok > 0);
	task_states(busy.pid, states, sizeof(states), &traced);
	assert_int_equal(traced, 0);
	assert_null(strchr(states, 't'));
	assert_null(strchr(states, 'T'));
	assert_null(strchr(states, 'Z'));
	task_states(frozen.pid, states, sizeof(states), &traced);
	assert_int_equal(traced, 0);
	assert_string_equal(states, "TT"); /* still group-stopped, both threads */
	assert_int_equal(write(busy.in, "p", 1), 1);
	assert_true(read_line(&busy, line, sizeof(line)));
	assert_string_equal(line, "pong");
	stop_target(&busy);
	stop_target(&frozen);
}

int main(void)
{
	if (!getenv("CTPROF_BUILD") || !getenv("CTPROF_TOP")) {
		fprintf(stderr, "test_jemalloc_live: run through tests/run.sh\n");
		return 1;
	}
	if (geteuid() != 0)
		fprintf(stderr, "test_jemalloc_live: not root; ptrace of own children "
				"still works unless kernel.yama.ptrace_scope >= 2\n");
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_custom_tsd_dwarf),
		cmocka_unit_test(test_static_jemalloc),
		cmocka_unit_test(test_dynamic_jemalloc),
		cmocka_unit_test(test_no_jemalloc_is_not_a_failure),
		cmocka_unit_test(test_self_and_disabled),
		cmocka_unit_test(test_worker_panic),
		cmocka_unit_test(test_stopped_once),
		cmocka_unit_test(test_stress),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
