/*
 * test_taskstats_live.c - taskstats against the running kernel: a thread
 * that burned CPU and sleeps is measured, the watermarks equal what
 * /proc/self/status says, the active flags follow the host switches, the
 * pipelined batch matches replies to tids (window 1 and wide, with unknown
 * tids mixed in) and re-queries what an overrun dropped, a child without
 * CAP_NET_ADMIN gets eperm for every tid, a child whose netlink socket is
 * refused gets one warning and an all-zero summary, and --no-taskstats
 * leaves no summary. Each test says why when the host does not allow it.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/audit.h>
#include <linux/capability.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <zlib.h>

#include <cmocka.h>

#include "capture.h"
#include "taskstats.h"

#define SKIP_BECAUSE(...)                                                      \
	do {                                                                   \
		printf("# skip: " __VA_ARGS__);                                \
		printf("\n");                                                  \
		skip();                                                        \
	} while (0)

static struct taskstats_client *open_or_skip(void)
{
	struct taskstats_client *c;
	struct strbuf why = STRBUF_INIT;
	if (taskstats_client_open(&c, &why)) {
		printf("# skip: taskstats unavailable: %s\n", why.buf);
		strbuf_release(&why);
		skip();
	}
	strbuf_release(&why);
	return c;
}

/* Skip unless this host's TASKSTATS family resolves. */
static void require_taskstats(void)
{
	taskstats_client_close(open_or_skip());
}

static struct ctprof_snapshot *capture_self(bool no_taskstats)
{
	struct ctprof_snapshot *s = malloc(sizeof(*s));
	struct strbuf err = STRBUF_INIT;
	struct capture_options o = { .pid = getpid(),
				     .no_taskstats = no_taskstats,
				     .no_jemalloc = true };
	assert_non_null(s);
	ctprof_snapshot_init(s);
	if (ctprof_capture(&o, s, &err))
		fail_msg("capture: %s", err.buf);
	strbuf_release(&err);
	return s;
}

static void free_snapshot(struct ctprof_snapshot *s)
{
	ctprof_snapshot_release(s);
	free(s);
}

/*
 * "Key:   123 kB" from /proc/self/status, in KiB; -1 when absent. No stdio:
 * under ASan every malloc takes fresh memory and would move VmHWM itself.
 */
static long long status_kib(const char *key)
{
	char text[8192];
	int fd = open("/proc/self/status", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	ssize_t n = read(fd, text, sizeof(text) - 1);
	close(fd);
	if (n <= 0)
		return -1;
	text[n] = '\0';
	size_t klen = strlen(key);
	for (char *line = text; line && *line; line = strchr(line, '\n')) {
		line += *line == '\n';
		if (!strncmp(line, key, klen) && line[klen] == ':')
			return strtoll(line + klen + 1, NULL, 10);
	}
	return -1;
}

/* The host's switches, read here independently of host_context.c. */
struct expected_flags {
	bool cpu_delay, delay_block, xacct;
	char delayacct[16];
};

static void read_delayacct(struct expected_flags *e)
{
	strcpy(e->delayacct, "missing");
	e->cpu_delay = e->delay_block = false;
	FILE *f = fopen("/proc/sys/kernel/task_delayacct", "r");
	if (!f)
		return;
	if (fgets(e->delayacct, sizeof(e->delayacct), f)) {
		e->delayacct[strcspn(e->delayacct, "\n")] = '\0';
		e->cpu_delay = true;
		e->delay_block = !strcmp(e->delayacct, "1");
	}
	fclose(f);
}

/* Only an explicit "is not set" (and no "=y") makes xacct inactive. */
static void read_xacct(struct expected_flags *e)
{
	char line[512];
	bool on = false, off = false;
	gzFile gz = gzopen("/proc/config.gz", "rb");
	while (gz && gzgets(gz, line, sizeof(line))) {
		line[strcspn(line, "\n")] = '\0';
		on |= !strcmp(line, "CONFIG_TASK_XACCT=y");
		off |= !strcmp(line, "# CONFIG_TASK_XACCT is not set");
	}
	if (gz)
		gzclose(gz);
	e->xacct = on || !off;
}

/* ---- a thread that burned CPU and now sleeps ---------------------------- */

struct burner {
	pthread_t thread;
	pid_t tid;
	int ready[2], stop[2];
};

static double thread_cpu_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static void *burn_then_sleep(void *arg)
{
	struct burner *b = arg;
	char c = 'x';
	b->tid = gettid();
	for (volatile unsigned long spin = 0; thread_cpu_ms() < 30; spin++)
		;
	if (write(b->ready[1], &c, 1) != 1)
		return NULL;
	/* Asleep in read() until the test is done with it. */
	if (read(b->stop[0], &c, 1) < 0)
		return NULL;
	return NULL;
}

static void burner_start(struct burner *b)
{
	char c;
	assert_int_equal(pipe(b->ready), 0);
	assert_int_equal(pipe(b->stop), 0);
	assert_int_equal(pthread_create(&b->thread, NULL, burn_then_sleep, b), 0);
	assert_int_equal(read(b->ready[0], &c, 1), 1);
}

static void burner_stop(struct burner *b)
{
	char c = 'x';
	assert_int_equal(write(b->stop[1], &c, 1), 1);
	pthread_join(b->thread, NULL);
	close(b->ready[0]);
	close(b->ready[1]);
	close(b->stop[0]);
	close(b->stop[1]);
}

static void burner_is_measured(void **state)
{
	(void)state;
	struct burner b;
	struct expected_flags e;
	require_taskstats();
	read_delayacct(&e);
	read_xacct(&e);
	burner_start(&b);
	struct ctprof_snapshot *s = capture_self(false);
	burner_stop(&b);
	const struct thread_state *t = snapshot_find_thread(s, (uint32_t)b.tid);
	assert_non_null(t);
	assert_non_null(s->taskstats_summary);
	/* Every thread of this process is alive: every query answers. */
	assert_int_equal(s->taskstats_summary->ok_count,
			 s->parse_summary->tids_walked);
	assert_int_equal(s->taskstats_summary->ok_count, s->nthreads);
	assert_int_equal(s->taskstats_summary->eperm_count, 0);
	assert_int_equal(s->taskstats_summary->esrch_count, 0);
	assert_int_equal(s->taskstats_summary->other_err_count, 0);
	for (size_t i = 0; i < s->nthreads; i++)
		assert_true(s->threads[i].taskstats_measured);
	assert_true(t->taskstats_measured);
	printf("# task_delayacct=%s xacct=%d\n", e.delayacct, e.xacct);
	assert_int_equal(t->cpu_delay_active, e.cpu_delay);
	assert_int_equal(t->delay_block_active, e.delay_block);
	assert_int_equal(t->xacct_active, e.xacct);
	/* sched_info counts every arrival on a CPU: the burner had some. */
	if (e.cpu_delay)
		assert_true(t->cpu_delay_count > 0);
	else
		printf("# no CONFIG_TASK_DELAY_ACCT: cpu_delay_count not checked\n");
	free_snapshot(s);
}

struct one_reply {
	int err;
	struct delay_stats ds;
};

static void keep_reply(void *arg, size_t index, int err,
		       const struct delay_stats *ds)
{
	struct one_reply *r = arg;
	assert_int_equal(index, 0);
	r->err = err;
	if (ds)
		r->ds = *ds;
}

/* One reply for this thread, through a client opened beforehand. */
static void query_self(struct taskstats_client *c, struct delay_stats *out)
{
	uint32_t self = (uint32_t)gettid();
	struct one_reply r = { .err = -1 };
	assert_int_equal(taskstats_query_batch(c, &self, 1, 1, keep_reply, &r), 0);
	assert_int_equal(r.err, 0);
	*out = r.ds;
}

/*
 * Where taskstats and status may disagree on RSS, in KiB. Since "mm: fix
 * the inaccurate memory statistics issue for users" (2025, in stable)
 * status sums the per-CPU RSS counters exactly, while taskstats'
 * get_mm_hiwater_rss() still reads only their global part: each CPU may
 * hold back less than the batch, max(32, 2 x online CPUs) pages.
 */
static long long rss_drift_kib(void)
{
	long online = sysconf(_SC_NPROCESSORS_ONLN);
	long possible = sysconf(_SC_NPROCESSORS_CONF);
	long batch = 2 * online > 32 ? 2 * online : 32;
	return (long long)batch * possible * (sysconf(_SC_PAGESIZE) / 1024);
}

/*
 * Watermarks live in the shared mm: status VmHWM / VmPeak, in KiB. The
 * client is opened before status is read, so nothing allocates between
 * the two reads but the query itself; retry if the peak moved anyway.
 * VmPeak (total_vm, an exact count) must match to the byte.
 */
static void hiwater_matches_status(void **state)
{
	(void)state;
	struct expected_flags e;
	require_taskstats();
	read_xacct(&e);
	if (!e.xacct)
		SKIP_BECAUSE("CONFIG_TASK_XACCT is not set: no watermarks");
	struct taskstats_client *c = open_or_skip();
	for (int attempt = 0; attempt < 20; attempt++) {
		struct delay_stats ds;
		long long hwm = status_kib("VmHWM"), peak = status_kib("VmPeak");
		query_self(c, &ds);
		if (hwm != status_kib("VmHWM") || peak != status_kib("VmPeak"))
			continue;
		taskstats_client_close(c);
		long long rss = (long long)(ds.hiwater_rss_bytes / 1024);
		printf("# VmHWM %lld kB, taskstats %lld kB (drift bound %lld kB)\n",
		       hwm, rss, rss_drift_kib());
		assert_true(hwm > 0);
		assert_int_equal(ds.hiwater_rss_bytes % 1024, 0);
		assert_in_range(rss, hwm - rss_drift_kib(), hwm + rss_drift_kib());
		assert_int_equal(ds.hiwater_vm_bytes, (uint64_t)peak * 1024);
		return;
	}
	fail_msg("VmHWM/VmPeak moved during every one of 20 queries");
}

/*
 * Through a capture, which allocates as it goes: the captured watermark
 * lies between the status readings around it, and the threads of the
 * process (one mm) agree.
 */
static void capture_hiwater_bracketed(void **state)
{
	(void)state;
	struct expected_flags e;
	struct burner b;
	require_taskstats();
	read_xacct(&e);
	if (!e.xacct)
		SKIP_BECAUSE("CONFIG_TASK_XACCT is not set: no watermarks");
	burner_start(&b);
	long long hwm = status_kib("VmHWM");
	struct ctprof_snapshot *s = capture_self(false);
	long long after = status_kib("VmHWM");
	burner_stop(&b);
	const struct thread_state *leader = snapshot_find_thread(s, (uint32_t)getpid());
	const struct thread_state *t = snapshot_find_thread(s, (uint32_t)b.tid);
	assert_non_null(leader);
	assert_non_null(t);
	assert_in_range(leader->hiwater_rss_bytes / 1024, hwm - rss_drift_kib(),
			after + rss_drift_kib());
	assert_int_equal(t->hiwater_rss_bytes, leader->hiwater_rss_bytes);
	assert_int_equal(t->hiwater_vm_bytes, leader->hiwater_vm_bytes);
	free_snapshot(s);
}

static void no_taskstats_option(void **state)
{
	(void)state;
	struct ctprof_snapshot *s = capture_self(true);
	assert_null(s->taskstats_summary);
	assert_true(s->nthreads > 0);
	for (size_t i = 0; i < s->nthreads; i++) {
		assert_false(s->threads[i].taskstats_measured);
		assert_int_equal(s->threads[i].cpu_delay_count, 0);
		assert_int_equal(s->threads[i].hiwater_rss_bytes, 0);
	}
	free_snapshot(s);
}

/* ---- the batch ---------------------------------------------------------- */

struct outcomes {
	size_t n;
	int *err;
	unsigned *calls;
	uint64_t *rss;
};

static void record(void *arg, size_t index, int err,
		   const struct delay_stats *ds)
{
	struct outcomes *o = arg;
	assert_true(index < o->n);
	o->calls[index]++;
	o->err[index] = err;
	o->rss[index] = ds ? ds->hiwater_rss_bytes : 0;
	assert_int_equal(err == 0, ds != NULL);
}

static void outcomes_init(struct outcomes *o, size_t n)
{
	o->n = n;
	o->err = calloc(n, sizeof(*o->err));
	o->calls = calloc(n, sizeof(*o->calls));
	o->rss = calloc(n, sizeof(*o->rss));
	assert_true(o->err && o->calls && o->rss);
}

static void outcomes_release(struct outcomes *o)
{
	free(o->err);
	free(o->calls);
	free(o->rss);
}

static uint32_t unused_tid(void)
{
	/* Above pid_max no task can exist. */
	long max = 4194304;
	FILE *f = fopen("/proc/sys/kernel/pid_max", "r");
	if (f) {
		if (fscanf(f, "%ld", &max) != 1)
			max = 4194304;
		fclose(f);
	}
	return (uint32_t)max + 1;
}

/* Every third tid does not exist: its ESRCH must land on its own index. */
static void batch_matches_replies(void **state)
{
	(void)state;
	static const unsigned windows[] = { 1, 7, TASKSTATS_WINDOW,
					    TASKSTATS_WINDOW_MAX };
	const size_t n = 600;
	uint32_t self = (uint32_t)gettid(), ghost = unused_tid();
	uint32_t *tids = malloc(n * sizeof(*tids));
	assert_non_null(tids);
	for (size_t i = 0; i < n; i++)
		tids[i] = i % 3 == 1 ? ghost : self;
	struct taskstats_client *c = open_or_skip();
	for (size_t w = 0; w < sizeof(windows) / sizeof(windows[0]); w++) {
		struct outcomes o;
		outcomes_init(&o, n);
		assert_int_equal(taskstats_query_batch(c, tids, n, windows[w],
						       record, &o), 0);
		for (size_t i = 0; i < n; i++) {
			assert_int_equal(o.calls[i], 1);
			assert_int_equal(o.err[i], i % 3 == 1 ? -ESRCH : 0);
			assert_true(i % 3 == 1 || o.rss[i] > 0);
		}
		outcomes_release(&o);
	}
	taskstats_client_close(c);
	free(tids);
}

/* A receive buffer too small for the window: nothing may be lost. */
static void batch_requeries_overrun(void **state)
{
	(void)state;
	const size_t n = 3000;
	uint32_t self = (uint32_t)gettid();
	uint32_t *tids = malloc(n * sizeof(*tids));
	struct outcomes o;
	assert_non_null(tids);
	for (size_t i = 0; i < n; i++)
		tids[i] = self;
	struct taskstats_client *c = open_or_skip();
	assert_int_equal(taskstats_client_set_rcvbuf(c, 1), 0);
	outcomes_init(&o, n);
	assert_int_equal(taskstats_query_batch(c, tids, n, TASKSTATS_WINDOW_MAX,
					       record, &o),
			 0);
	assert_true(taskstats_client_overruns(c) > 0);
	for (size_t i = 0; i < n; i++) {
		assert_int_equal(o.calls[i], 1);
		assert_int_equal(o.err[i], 0);
	}
	outcomes_release(&o);
	taskstats_client_close(c);
	free(tids);
}

/* ---- children that lose a privilege or the socket ----------------------- */

struct child_report {
	int rc;
	bool summary;
	uint64_t walked, ok, eperm, esrch, other;
	size_t nthreads, measured;
};

static void *sleep_on_pipe(void *arg)
{
	char c;
	if (read(*(int *)arg, &c, 1) < 0)
		return NULL;
	return NULL;
}

/* In the child: two extra threads, a capture of itself, the figures. */
static void child_capture(struct child_report *r)
{
	int stop[2];
	pthread_t th[2];
	if (pipe(stop))
		return;
	for (int i = 0; i < 2; i++)
		pthread_create(&th[i], NULL, sleep_on_pipe, &stop[0]);
	struct ctprof_snapshot s;
	struct strbuf err = STRBUF_INIT;
	struct capture_options o = { .pid = getpid(), .no_jemalloc = true };
	ctprof_snapshot_init(&s);
	r->rc = ctprof_capture(&o, &s, &err);
	close(stop[1]);
	for (int i = 0; i < 2; i++)
		pthread_join(th[i], NULL);
	r->summary = s.taskstats_summary != NULL;
	if (s.taskstats_summary) {
		r->ok = s.taskstats_summary->ok_count;
		r->eperm = s.taskstats_summary->eperm_count;
		r->esrch = s.taskstats_summary->esrch_count;
		r->other = s.taskstats_summary->other_err_count;
	}
	r->walked = s.parse_summary ? s.parse_summary->tids_walked : 0;
	r->nthreads = s.nthreads;
	for (size_t i = 0; i < s.nthreads; i++)
		r->measured += s.threads[i].taskstats_measured;
	ctprof_snapshot_release(&s);
	strbuf_release(&err);
}

/*
 * Fork; the child runs setup (0 to go on), captures itself with stderr in
 * a pipe, and reports. The parent gets the report and the child's stderr.
 */
static void run_child(int (*setup)(void), struct child_report *r,
		      char *errtext, size_t errcap)
{
	int rep[2], errp[2];
	assert_int_equal(pipe(rep), 0);
	assert_int_equal(pipe(errp), 0);
	fflush(NULL);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct child_report mine = { .rc = -1 };
		dup2(errp[1], STDERR_FILENO);
		if (setup() == 0)
			child_capture(&mine);
		_exit(write(rep[1], &mine, sizeof(mine)) == sizeof(mine) ? 0 : 1);
	}
	close(rep[1]);
	close(errp[1]);
	assert_int_equal(read(rep[0], r, sizeof(*r)), sizeof(*r));
	ssize_t n = read(errp[0], errtext, errcap - 1);
	errtext[n > 0 ? n : 0] = '\0';
	int status;
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	close(rep[0]);
	close(errp[0]);
}

static int capset_without(unsigned cap)
{
	struct __user_cap_header_struct h = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct d[_LINUX_CAPABILITY_U32S_3];
	if (syscall(SYS_capget, &h, d))
		return -errno;
	uint32_t bit = 1u << (cap % 32);
	d[cap / 32].effective &= ~bit;
	d[cap / 32].permitted &= ~bit;
	d[cap / 32].inheritable &= ~bit;
	return syscall(SYS_capset, &h, d) ? -errno : 0;
}

static int drop_net_admin(void)
{
	return capset_without(CAP_NET_ADMIN);
}

static void eperm_without_cap_net_admin(void **state)
{
	(void)state;
	struct child_report r;
	char errtext[4096];
	require_taskstats();
	run_child(drop_net_admin, &r, errtext, sizeof(errtext));
	assert_int_equal(r.rc, 0);
	/* Opening needs no privilege: no warning, a summary, all eperm. */
	assert_string_equal(errtext, "");
	assert_true(r.summary);
	assert_int_equal(r.walked, 3);
	assert_int_equal(r.nthreads, 3);
	assert_int_equal(r.eperm, 3);
	assert_int_equal(r.ok, 0);
	assert_int_equal(r.esrch, 0);
	assert_int_equal(r.other, 0);
	assert_int_equal(r.measured, 0);
}

#if defined(__x86_64__)
#define SECCOMP_ARCH AUDIT_ARCH_X86_64
#elif defined(__aarch64__)
#define SECCOMP_ARCH AUDIT_ARCH_AARCH64
#endif

#ifdef SECCOMP_ARCH
/* socket(AF_NETLINK, ...) fails with EAFNOSUPPORT; everything else runs. */
static int refuse_netlink(void)
{
	struct sock_filter f[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
			 offsetof(struct seccomp_data, arch)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SECCOMP_ARCH, 1, 0),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
			 offsetof(struct seccomp_data, nr)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_socket, 0, 3),
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
			 offsetof(struct seccomp_data, args[0])),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AF_NETLINK, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | EAFNOSUPPORT),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	struct sock_fprog prog = { sizeof(f) / sizeof(f[0]), f };
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0))
		return -errno;
	return prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog) ? -errno : 0;
}
#endif

static size_t count_lines(const char *s)
{
	size_t n = 0;
	for (; *s; s++)
		n += *s == '\n';
	return n;
}

static void open_failure_warns_once(void **state)
{
	(void)state;
#ifdef SECCOMP_ARCH
	struct child_report r;
	char errtext[4096];
	run_child(refuse_netlink, &r, errtext, sizeof(errtext));
	assert_int_equal(r.rc, 0);
	printf("# warning seen: %s", errtext);
	assert_int_equal(count_lines(errtext), 1);
	assert_non_null(strstr(errtext, "CONFIG_TASKSTATS"));
	assert_non_null(strstr(errtext, "CAP_NET_ADMIN"));
	assert_non_null(strstr(errtext, "kernel.task_delayacct"));
	/* Live and enabled: a summary, but no counter moved (the seed). */
	assert_true(r.summary);
	assert_int_equal(r.walked, 3);
	assert_int_equal(r.ok + r.eperm + r.esrch + r.other, 0);
	assert_int_equal(r.measured, 0);
#else
	SKIP_BECAUSE("no seccomp architecture constant for this CPU");
#endif
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(burner_is_measured),
		cmocka_unit_test(hiwater_matches_status),
		cmocka_unit_test(capture_hiwater_bracketed),
		cmocka_unit_test(no_taskstats_option),
		cmocka_unit_test(batch_matches_replies),
		cmocka_unit_test(batch_requeries_overrun),
		cmocka_unit_test(eperm_without_cap_net_admin),
		cmocka_unit_test(open_failure_warns_once),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
