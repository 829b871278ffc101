/*
 * test_cgroup_host.c - the host-level and cgroup-level capture sources:
 * cgroup v2 files, PSI, sched_ext sysfs, taskstats switches, host context
 * and the cgroup2 mount lookup. Fixture trees live in tests/fixtures/
 * (host1, host2, mountinfo); cases that need odd file contents build a
 * throw-away tree under a mkdtemp directory. One live check reads the real
 * /proc and /sys.
 */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>
#include <zlib.h>

#include <cmocka.h>

#include "cgroup_stats.h"
#include "host_context.h"
#include "psi.h"
#include "readfile.h"
#include "sched_ext.h"
#include "snapshot.h"
#include "strbuf.h"

/* ---- helpers ------------------------------------------------------------ */

/* tests/fixtures/<rel>, from $CTPROF_TOP (tests/run.sh) or the cwd. */
static int open_fixture(const char *rel)
{
	const char *top = getenv("CTPROF_TOP");
	char path[PATH_MAX];
	snprintf(path, sizeof(path), "%s/tests/fixtures/%s", top ? top : ".",
		 rel);
	int fd = open_dir_at(AT_FDCWD, path);
	if (fd < 0)
		fail_msg("cannot open fixture %s: %s", path, strerror(-fd));
	return fd;
}

static void read_fixture(const char *rel, struct strbuf *sb)
{
	int fd = open_fixture("mountinfo");
	assert_int_equal(read_file_at(fd, rel, sb), 0);
	close(fd);
}

struct tmp_tree {
	char path[PATH_MAX];
	int fd;
};

static int tmp_setup(void **state)
{
	struct tmp_tree *t = calloc(1, sizeof(*t));
	if (!t)
		return -1;
	const char *base = getenv("TMPDIR");
	snprintf(t->path, sizeof(t->path), "%s/ctprof-cghost-XXXXXX",
		 base ? base : "/tmp");
	if (!mkdtemp(t->path)) {
		free(t);
		return -1;
	}
	t->fd = open_dir_at(AT_FDCWD, t->path);
	*state = t;
	return t->fd < 0 ? -1 : 0;
}

static int rm_entry(const char *path, const struct stat *sb, int flag,
		    struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static int tmp_teardown(void **state)
{
	struct tmp_tree *t = *state;
	close(t->fd);
	int rc = nftw(t->path, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
	free(t);
	return rc;
}

/* Write dirfd/name, creating parent directories. */
static void write_at(int dirfd, const char *name, const void *data, size_t len)
{
	char path[256];
	snprintf(path, sizeof(path), "%s", name);
	for (char *s = strchr(path, '/'); s; s = strchr(s + 1, '/')) {
		*s = '\0';
		if (mkdirat(dirfd, path, 0755) && errno != EEXIST)
			fail_msg("mkdir %s: %s", path, strerror(errno));
		*s = '/';
	}
	int fd = openat(dirfd, path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
			0644);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, data, len), (ssize_t)len);
	close(fd);
}

static void write_str_at(int dirfd, const char *name, const char *s)
{
	write_at(dirfd, name, s, strlen(s));
}

/* gzip (not zlib/raw) stream of text into out; returns its length. */
static size_t gzip_bytes(const char *text, unsigned char *out, size_t cap)
{
	z_stream zs;
	memset(&zs, 0, sizeof(zs));
	assert_int_equal(deflateInit2(&zs, Z_BEST_COMPRESSION, Z_DEFLATED,
				      15 + 16, 8, Z_DEFAULT_STRATEGY),
			 Z_OK);
	zs.next_in = (unsigned char *)text;
	zs.avail_in = (uInt)strlen(text);
	zs.next_out = out;
	zs.avail_out = (uInt)cap;
	assert_int_equal(deflate(&zs, Z_FINISH), Z_STREAM_END);
	size_t n = zs.total_out;
	deflateEnd(&zs);
	return n;
}

static void write_config_gz(int dirfd, const char *text)
{
	unsigned char gz[4096];
	write_at(dirfd, "config.gz", gz, gzip_bytes(text, gz, sizeof(gz)));
}

static void assert_half(const struct psi_half *h, uint16_t avg10,
			uint16_t avg60, uint16_t avg300, uint64_t total)
{
	assert_int_equal(h->avg10, avg10);
	assert_int_equal(h->avg60, avg60);
	assert_int_equal(h->avg300, avg300);
	assert_int_equal(h->total_usec, total);
}

static void assert_half_zero(const struct psi_half *h)
{
	assert_half(h, 0, 0, 0, 0);
}

static void assert_resource_zero(const struct psi_resource *r)
{
	assert_half_zero(&r->some);
	assert_half_zero(&r->full);
}

static void assert_present(struct opt_u64 o, uint64_t value)
{
	assert_true(o.present);
	assert_int_equal(o.value, value);
}

static void assert_kv(const struct kv_map *m, const char *key, uint64_t value)
{
	const struct kv_u64 *kv = kv_map_find(m, key);
	if (!kv)
		fail_msg("key %s missing", key);
	assert_int_equal(kv->value, value);
}

static void assert_str_item(const struct str_map *m, size_t i,
			    const char *key, const char *value)
{
	assert_true(i < m->len);
	assert_string_equal(m->items[i].key, key);
	assert_string_equal(m->items[i].value, value);
}

/* Read cgroup path under root into a fresh cgroup_stats. */
static void read_cgroup(int root, const char *path, struct cgroup_stats *c,
			struct strbuf *buf)
{
	cgroup_stats_init(c);
	c->path = strdup(path);
	assert_non_null(c->path);
	assert_int_equal(cgroup_stats_read(root, path, c, buf), 0);
	assert_string_equal(c->path, path);
}

/* ---- PSI ---------------------------------------------------------------- */

/* ktstr vectors: 18.59 1.5 1.501 3. 100.00; irq has only a full line. */
static void test_psi_host_fixture(void **state)
{
	(void)state;
	struct strbuf buf = STRBUF_INIT;
	struct psi psi;
	int proc = open_fixture("host1/proc");
	psi_read_host(proc, &psi, &buf);
	assert_half(&psi.cpu.some, 1859, 150, 150, 123456);
	assert_half(&psi.cpu.full, 300, 10000, 0, 42);
	assert_half(&psi.memory.some, 7, 3, 1, 2468);
	assert_half(&psi.memory.full, 5, 2, 0, 1357);
	assert_half(&psi.io.some, 1234, 678, 910, 11111);
	assert_half(&psi.io.full, 1000, 555, 808, 22222);
	assert_half_zero(&psi.irq.some);
	assert_half(&psi.irq.full, 90, 80, 70, 33333);
	close(proc);
	strbuf_release(&buf);
}

/* Missing pressure files zero their resource, even over stale data. */
static void test_psi_host_missing_files(void **state)
{
	(void)state;
	struct strbuf buf = STRBUF_INIT;
	struct psi psi;
	memset(&psi, 0xff, sizeof(psi));
	int proc = open_fixture("host2/proc");
	psi_read_host(proc, &psi, &buf);
	assert_half(&psi.cpu.some, 50, 25, 12, 10);
	assert_half_zero(&psi.cpu.full);
	assert_resource_zero(&psi.memory);
	assert_resource_zero(&psi.io);
	assert_resource_zero(&psi.irq);
	close(proc);
	strbuf_release(&buf);
}

/* ---- cgroup v2 files ---------------------------------------------------- */

static void test_cgroup_app_service(void **state)
{
	(void)state;
	struct strbuf buf = STRBUF_INIT;
	struct cgroup_stats c;
	int root = open_fixture("host1/cgroup");
	read_cgroup(root, "/system.slice/app.service", &c, &buf);

	assert_int_equal(c.cpu.usage_usec, 5000000);
	assert_int_equal(c.cpu.nr_throttled, 12);
	assert_int_equal(c.cpu.throttled_usec, 34567);
	assert_false(c.cpu.max_quota_us.present); /* "max 100000" */
	assert_int_equal(c.cpu.max_period_us, 100000);
	assert_present(c.cpu.weight, 250);
	assert_true(c.cpu.weight_nice.present);
	assert_int_equal(c.cpu.weight_nice.value, -3);

	assert_int_equal(c.memory.current, 104857600);
	assert_present(c.memory.max, 536870912);
	assert_false(c.memory.high.present);         /* "max": no limit */
	assert_present(c.memory.low, UINT64_MAX);    /* "max": all protected */
	assert_present(c.memory.min, 16777216);
	assert_int_equal(c.memory.stat.len, 6); /* two bad lines skipped */
	assert_kv(&c.memory.stat, "anon", 52428800);
	assert_kv(&c.memory.stat, "file", 41943040);
	assert_kv(&c.memory.stat, "kernel", 4194304);
	assert_kv(&c.memory.stat, "slab", 2097152);
	assert_kv(&c.memory.stat, "pgfault", 123456);
	assert_kv(&c.memory.stat, "pgmajfault", 78);
	assert_string_equal(c.memory.stat.items[0].key, "anon"); /* sorted */
	assert_int_equal(c.memory.events.len, 6);
	assert_kv(&c.memory.events, "low", 0);
	assert_kv(&c.memory.events, "high", 7);
	assert_kv(&c.memory.events, "max", 2);
	assert_kv(&c.memory.events, "oom", 1);
	assert_kv(&c.memory.events, "oom_kill", 1);
	assert_kv(&c.memory.events, "oom_group_kill", 0);

	assert_present(c.pids.current, 17);
	assert_present(c.pids.max, 4096);

	assert_half(&c.psi.cpu.some, 1859, 150, 150, 123456);
	assert_half(&c.psi.cpu.full, 300, 10000, 0, 42);
	assert_half(&c.psi.memory.some, 42, 21, 7, 777);
	assert_half(&c.psi.memory.full, 12, 6, 2, 333);
	assert_half(&c.psi.io.some, 500, 450, 425, 99999);
	assert_half(&c.psi.io.full, 275, 225, 200, 55555);
	assert_half_zero(&c.psi.irq.some);
	assert_half(&c.psi.irq.full, 33, 22, 11, 8888);

	cgroup_stats_release(&c);
	close(root);
	strbuf_release(&buf);
}

/* Partial cgroup: present files parsed, missing ones at their defaults. */
static void test_cgroup_batch_slice(void **state)
{
	(void)state;
	struct strbuf buf = STRBUF_INIT;
	struct cgroup_stats c;
	int root = open_fixture("host1/cgroup");
	read_cgroup(root, "/batch.slice", &c, &buf);

	assert_int_equal(c.cpu.usage_usec, 0);
	assert_int_equal(c.cpu.nr_throttled, 0);
	assert_int_equal(c.cpu.throttled_usec, 0);
	assert_present(c.cpu.max_quota_us, 50000);
	assert_int_equal(c.cpu.max_period_us, 100000);
	assert_false(c.cpu.weight.present);
	assert_true(c.cpu.weight_nice.present);
	assert_int_equal(c.cpu.weight_nice.value, -5);

	assert_int_equal(c.memory.current, 0);
	assert_false(c.memory.max.present);
	assert_false(c.memory.high.present);
	assert_false(c.memory.low.present);
	assert_present(c.memory.min, UINT64_MAX);
	assert_int_equal(c.memory.stat.len, 0);
	assert_int_equal(c.memory.events.len, 5);
	assert_kv(&c.memory.events, "low", 3);
	assert_kv(&c.memory.events, "high", 0);
	assert_kv(&c.memory.events, "max", 0);
	assert_kv(&c.memory.events, "oom", 0);
	assert_kv(&c.memory.events, "oom_kill", 0);

	assert_false(c.pids.current.present);
	assert_false(c.pids.max.present);
	assert_resource_zero(&c.psi.cpu);
	assert_resource_zero(&c.psi.memory);
	assert_resource_zero(&c.psi.io);
	assert_resource_zero(&c.psi.irq);

	cgroup_stats_release(&c);
	close(root);
	strbuf_release(&buf);
}

static void assert_root_cgroup(const struct cgroup_stats *c)
{
	assert_int_equal(c->cpu.usage_usec, 987654321);
	assert_int_equal(c->cpu.nr_throttled, 0);
	assert_int_equal(c->cpu.throttled_usec, 0);
	assert_false(c->cpu.max_quota_us.present);
	assert_int_equal(c->cpu.max_period_us, 100000);
	assert_false(c->cpu.weight.present);
	assert_false(c->cpu.weight_nice.present);
	assert_int_equal(c->memory.current, 0);
	assert_false(c->memory.max.present);
	assert_false(c->memory.high.present);
	assert_false(c->memory.low.present);
	assert_false(c->memory.min.present);
	assert_int_equal(c->memory.stat.len, 0);
	assert_int_equal(c->memory.events.len, 0);
	assert_false(c->pids.current.present);
	assert_false(c->pids.max.present);
	assert_half(&c->psi.cpu.some, 25, 10, 5, 1000);
	assert_half(&c->psi.cpu.full, 0, 0, 0, 0);
	assert_half(&c->psi.memory.some, 0, 0, 0, 2000);
	assert_half(&c->psi.memory.full, 0, 0, 0, 1500);
	assert_half(&c->psi.io.some, 100, 200, 300, 3000);
	assert_half(&c->psi.io.full, 50, 150, 250, 2500);
	assert_half_zero(&c->psi.irq.some);
	assert_half(&c->psi.irq.full, 1, 2, 3, 4000);
}

/* "/" and "" both name the root directory itself. */
static void test_cgroup_root(void **state)
{
	(void)state;
	struct strbuf buf = STRBUF_INIT;
	struct cgroup_stats c;
	int root = open_fixture("host1/cgroup");
	read_cgroup(root, "/", &c, &buf);
	assert_root_cgroup(&c);
	cgroup_stats_release(&c);
	read_cgroup(root, "", &c, &buf);
	assert_root_cgroup(&c);
	cgroup_stats_release(&c);
	close(root);
	strbuf_release(&buf);
}

/* A vanished cgroup is not an error: every field keeps its default. */
static void test_cgroup_missing_dir(void **state)
{
	(void)state;
	struct strbuf buf = STRBUF_INIT;
	struct cgroup_stats c;
	int root = open_fixture("host1/cgroup");
	read_cgroup(root, "/other", &c, &buf);
	assert_int_equal(c.cpu.usage_usec, 0);
	assert_false(c.cpu.max_quota_us.present);
	assert_int_equal(c.cpu.max_period_us, 100000);
	assert_false(c.cpu.weight.present);
	assert_false(c.cpu.weight_nice.present);
	assert_int_equal(c.memory.current, 0);
	assert_false(c.memory.max.present);
	assert_false(c.memory.low.present);
	assert_int_equal(c.memory.stat.len, 0);
	assert_false(c.pids.current.present);
	assert_resource_zero(&c.psi.cpu);
	assert_resource_zero(&c.psi.irq);
	cgroup_stats_release(&c);
	close(root);
	strbuf_release(&buf);
}

struct cpu_max_case {
	const char *text;
	bool quota_present;
	uint64_t quota;
	uint64_t period;
};

static void test_cgroup_cpu_max_cases(void **state)
{
	struct tmp_tree *t = *state;
	static const struct cpu_max_case cases[] = {
		{ "50000\n", true, 50000, 100000 },
		{ "", false, 0, 100000 },
		{ "50000 garbage\n", true, 50000, 100000 },
		{ "max 100000\n", false, 0, 100000 },
		{ "max 250000\n", false, 0, 250000 },
		{ "25000 50000\n", true, 25000, 50000 },
		{ "garbage 20000\n", false, 0, 20000 },
		{ "-1 100000\n", false, 0, 100000 },
		{ "  \t\n", false, 0, 100000 },
	};
	struct strbuf buf = STRBUF_INIT;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct cgroup_stats c;
		write_str_at(t->fd, "cg/cpu.max", cases[i].text);
		read_cgroup(t->fd, "/cg", &c, &buf);
		assert_int_equal(c.cpu.max_quota_us.present,
				 cases[i].quota_present);
		if (cases[i].quota_present)
			assert_int_equal(c.cpu.max_quota_us.value,
					 cases[i].quota);
		assert_int_equal(c.cpu.max_period_us, cases[i].period);
		cgroup_stats_release(&c);
	}
	strbuf_release(&buf);
}

/* Limits vs floors, garbage values, and cpu.stat details. */
static void test_cgroup_value_edge_cases(void **state)
{
	struct tmp_tree *t = *state;
	struct strbuf buf = STRBUF_INIT;
	struct cgroup_stats c;
	write_str_at(t->fd, "cg/memory.low", "max\n");
	write_str_at(t->fd, "cg/memory.min", "0\n");
	write_str_at(t->fd, "cg/memory.max", "\n");
	write_str_at(t->fd, "cg/memory.high", "12x\n");
	write_str_at(t->fd, "cg/pids.max", "max\n");
	write_str_at(t->fd, "cg/pids.current", "  5 \n");
	write_str_at(t->fd, "cg/memory.current", "garbage\n");
	write_str_at(t->fd, "cg/cpu.weight", "-100\n");
	write_str_at(t->fd, "cg/cpu.weight.nice", "2147483648\n");
	write_str_at(t->fd, "cg/cpu.stat",
		     "usage_usec 10 extra\nnr_throttled\nthrottled_usec x\n");
	read_cgroup(t->fd, "cg", &c, &buf); /* no leading '/' works too */
	assert_present(c.memory.low, UINT64_MAX);
	assert_present(c.memory.min, 0);
	assert_false(c.memory.max.present);
	assert_false(c.memory.high.present);
	assert_false(c.pids.max.present);
	assert_present(c.pids.current, 5);
	assert_int_equal(c.memory.current, 0);
	assert_false(c.cpu.weight.present);
	assert_false(c.cpu.weight_nice.present);
	assert_int_equal(c.cpu.usage_usec, 10); /* first two tokens count */
	assert_int_equal(c.cpu.nr_throttled, 0);
	assert_int_equal(c.cpu.throttled_usec, 0);
	cgroup_stats_release(&c);
	strbuf_release(&buf);
}

/* ---- sched_ext ---------------------------------------------------------- */

static void test_sched_ext_present(void **state)
{
	(void)state;
	struct strbuf buf = STRBUF_INIT;
	int sys = open_fixture("host1/sys");
	struct sched_ext_sysfs *s = sched_ext_read(sys, &buf);
	assert_non_null(s);
	assert_string_equal(s->state, "enabled");
	assert_int_equal(s->switch_all, 1);
	assert_int_equal(s->nr_rejected, 3);
	assert_int_equal(s->hotplug_seq, 2);
	assert_int_equal(s->enable_seq, 5);
	sched_ext_free(s);
	close(sys);
	strbuf_release(&buf);
}

static void test_sched_ext_absent(void **state)
{
	(void)state;
	struct strbuf buf = STRBUF_INIT;
	int sys = open_fixture("host2/sys");
	errno = 0;
	assert_null(sched_ext_read(sys, &buf));
	assert_int_equal(errno, ENOENT);
	close(sys);
	strbuf_release(&buf);
}

/* The directory alone means sched_ext exists; attributes default. */
static void test_sched_ext_partial(void **state)
{
	struct tmp_tree *t = *state;
	struct strbuf buf = STRBUF_INIT;
	write_str_at(t->fd, "kernel/sched_ext/switch_all", "yes\n");
	write_str_at(t->fd, "kernel/sched_ext/enable_seq", " 9 \n");
	struct sched_ext_sysfs *s = sched_ext_read(t->fd, &buf);
	assert_non_null(s);
	assert_string_equal(s->state, "");
	assert_int_equal(s->switch_all, 0);
	assert_int_equal(s->nr_rejected, 0);
	assert_int_equal(s->hotplug_seq, 0);
	assert_int_equal(s->enable_seq, 9);
	sched_ext_free(s);
	strbuf_release(&buf);
}

/* ---- taskstats switches ------------------------------------------------- */

static void probe(int procfs, struct taskstats_active *ta)
{
	struct strbuf buf = STRBUF_INIT;
	memset(ta, 0, sizeof(*ta));
	taskstats_active_probe(procfs, ta, &buf);
	strbuf_release(&buf);
}

static void assert_delayacct(int procfs, const char *want, bool cpu_delay,
			     bool delay_block)
{
	struct taskstats_active ta;
	probe(procfs, &ta);
	assert_string_equal(ta.delayacct, want);
	assert_int_equal(ta.cpu_delay, cpu_delay);
	assert_int_equal(ta.delay_block, delay_block);
}

static void test_task_delayacct_cases(void **state)
{
	struct tmp_tree *t = *state;
	const char *f = "sys/kernel/task_delayacct";
	assert_delayacct(t->fd, "config_off", false, false); /* missing */
	write_str_at(t->fd, f, "1\n");
	assert_delayacct(t->fd, "on", true, true);
	write_str_at(t->fd, f, "0\n");
	assert_delayacct(t->fd, "runtime_off", true, false);
	write_str_at(t->fd, f, "");
	assert_delayacct(t->fd, "config_off", false, false);
	write_str_at(t->fd, f, " \n");
	assert_delayacct(t->fd, "config_off", false, false);
	write_str_at(t->fd, f, "2\n");
	assert_delayacct(t->fd, "runtime_off", true, false);
	write_str_at(t->fd, f, "  1  \n");
	assert_delayacct(t->fd, "on", true, true);
}

static void assert_xacct(int procfs, const char *want, bool xacct)
{
	struct taskstats_active ta;
	probe(procfs, &ta);
	assert_string_equal(ta.xacct_config, want);
	assert_int_equal(ta.xacct, xacct);
}

static const char kconfig_head[] =
	"#\n# Automatically generated file; DO NOT EDIT.\n"
	"# Linux/x86 6.8.0 Kernel Configuration\n#\n"
	"CONFIG_TASKSTATS=y\nCONFIG_TASK_DELAY_ACCT=y\n";

static void test_config_gz_cases(void **state)
{
	struct tmp_tree *t = *state;
	char text[1024];

	assert_xacct(t->fd, "unknown", true); /* no config.gz */

	snprintf(text, sizeof(text), "%sCONFIG_TASK_XACCT=y\n", kconfig_head);
	write_config_gz(t->fd, text);
	assert_xacct(t->fd, "on", true);

	snprintf(text, sizeof(text), "%s# CONFIG_TASK_XACCT is not set\n",
		 kconfig_head);
	write_config_gz(t->fd, text);
	assert_xacct(t->fd, "off", false);

	snprintf(text, sizeof(text), "%sCONFIG_TASK_IO_ACCOUNTING=y\n",
		 kconfig_head);
	write_config_gz(t->fd, text);
	assert_xacct(t->fd, "unknown", true); /* neither line */

	write_config_gz(t->fd, "CONFIG_TASK_XACCT=m\nCONFIG_TASK_XACCT=yes\n");
	assert_xacct(t->fd, "unknown", true); /* only exactly =y counts */

	/* =y anywhere wins over "is not set"; lines are trimmed first. */
	write_config_gz(t->fd, "# CONFIG_TASK_XACCT is not set\n"
			       "  CONFIG_TASK_XACCT=y \t\n");
	assert_xacct(t->fd, "on", true);
}

static void test_config_gz_corrupt(void **state)
{
	struct tmp_tree *t = *state;
	char text[2048];
	unsigned char gz[4096];

	/* Plain text is not gzip even though zlib would pass it through. */
	write_str_at(t->fd, "config.gz", "CONFIG_TASK_XACCT=y\n");
	assert_xacct(t->fd, "unknown", true);

	/* gzip magic, then garbage: a deflate data error. */
	static const unsigned char bad[] = {
		0x1f, 0x8b, 0x08, 0x00, 0, 0, 0, 0, 0x00, 0x03,
		'n',  'o',  't',  ' ',  'd', 'e', 'f', 'l', 'a', 't', 'e',
	};
	write_at(t->fd, "config.gz", bad, sizeof(bad));
	assert_xacct(t->fd, "unknown", true);

	/* A truncated stream fails even if =y was already decompressed. */
	size_t off = (size_t)snprintf(text, sizeof(text),
				      "CONFIG_TASK_XACCT=y\n");
	for (int i = 0; off + 40 < sizeof(text); i++)
		off += (size_t)snprintf(text + off, sizeof(text) - off,
					"CONFIG_FILLER_%04d=%d\n", i, i * 7919);
	size_t n = gzip_bytes(text, gz, sizeof(gz));
	write_at(t->fd, "config.gz", gz, n - 12);
	assert_xacct(t->fd, "unknown", true);

	write_at(t->fd, "config.gz", gz, n); /* the whole stream is fine */
	assert_xacct(t->fd, "on", true);

	write_str_at(t->fd, "config.gz", "");
	assert_xacct(t->fd, "unknown", true);
}

/* ---- host context ------------------------------------------------------- */

static struct host_context *collect(const char *proc_rel, const char *sys_rel)
{
	struct strbuf buf = STRBUF_INIT;
	int proc = open_fixture(proc_rel), sys = open_fixture(sys_rel);
	struct host_context *h = host_context_collect(proc, sys, false, &buf);
	assert_non_null(h);
	close(proc);
	close(sys);
	strbuf_release(&buf);
	return h;
}

static void test_host_context_host1(void **state)
{
	(void)state;
	struct host_context *h = collect("host1/proc", "host1/sys");
	/* First processor block only: AMD values of cpu1 are not used. */
	assert_string_equal(h->cpu_model,
			    "Intel(R) Xeon(R) Gold 6148 CPU @ 2.40GHz");
	assert_string_equal(h->cpu_vendor, "GenuineIntel");
	assert_present(h->total_memory_kib, 16318412);
	assert_present(h->hugepages_total, 64);
	assert_present(h->hugepages_free, 60);
	assert_present(h->hugepages_size_kib, 2048);
	assert_string_equal(h->thp_enabled, "always [madvise] never");
	assert_string_equal(h->thp_defrag,
			    "always defer defer+madvise [madvise] never");

	/* blank sched_energy_aware, the sched_domain dir, ostype: skipped */
	assert_true(h->has_sched_tunables);
	assert_int_equal(h->sched_tunables.len, 4);
	assert_str_item(&h->sched_tunables, 0, "sched_autogroup_enabled", "1");
	assert_str_item(&h->sched_tunables, 1, "sched_cfs_bandwidth_slice_us",
			"5000");
	assert_str_item(&h->sched_tunables, 2, "sched_rt_period_us",
			"1000000");
	assert_str_item(&h->sched_tunables, 3, "sched_rt_runtime_us",
			"950000");

	assert_present(h->online_cpus, 4);
	assert_present(h->numa_nodes, 2); /* node0, node1; not power/ */
	assert_int_equal(h->cpufreq_governor.len, 4);
	assert_str_item(&h->cpufreq_governor, 0, "0", "performance");
	assert_str_item(&h->cpufreq_governor, 1, "1", "performance");
	assert_str_item(&h->cpufreq_governor, 2, "2", "powersave");
	assert_str_item(&h->cpufreq_governor, 3, "3", "schedutil");

	/* A synthetic tree says nothing about uname. */
	assert_null(h->kernel_name);
	assert_null(h->kernel_release);
	assert_null(h->arch);
	assert_string_equal(h->kernel_cmdline, "BOOT_IMAGE=/vmlinuz-6.8.0-test "
					       "root=/dev/vda1 ro quiet "
					       "isolcpus=2-3");
	assert_string_equal(h->task_delayacct, "on");
	assert_string_equal(h->config_task_xacct, "unknown");
	host_context_free(h);
}

static void test_host_context_host2(void **state)
{
	(void)state;
	struct host_context *h = collect("host2/proc", "host2/sys");
	assert_null(h->cpu_model);
	assert_null(h->cpu_vendor);
	assert_false(h->total_memory_kib.present);
	assert_false(h->hugepages_total.present);
	assert_false(h->hugepages_free.present);
	assert_false(h->hugepages_size_kib.present);
	assert_null(h->thp_enabled); /* blank file counts as absent */
	assert_null(h->thp_defrag);
	assert_true(h->has_sched_tunables); /* readable, no sched_* in it */
	assert_int_equal(h->sched_tunables.len, 0);
	assert_present(h->online_cpus, 2);
	assert_present(h->numa_nodes, 1); /* no node dir: at least one */
	assert_int_equal(h->cpufreq_governor.len, 0);
	assert_null(h->kernel_name);
	assert_null(h->kernel_release);
	assert_null(h->arch);
	assert_null(h->kernel_cmdline);
	assert_string_equal(h->task_delayacct, "runtime_off");
	assert_string_equal(h->config_task_xacct, "unknown");
	host_context_free(h);
}

static void test_host_context_empty_tree(void **state)
{
	struct tmp_tree *t = *state;
	struct strbuf buf = STRBUF_INIT;
	struct host_context *h = host_context_collect(t->fd, t->fd, false, &buf);
	assert_non_null(h);
	assert_null(h->cpu_model);
	assert_null(h->cpu_vendor);
	assert_false(h->total_memory_kib.present);
	assert_false(h->hugepages_total.present);
	assert_null(h->thp_enabled);
	assert_false(h->has_sched_tunables);
	assert_int_equal(h->sched_tunables.len, 0);
	assert_false(h->online_cpus.present);
	assert_false(h->numa_nodes.present);
	assert_int_equal(h->cpufreq_governor.len, 0);
	assert_null(h->kernel_cmdline);
	assert_string_equal(h->task_delayacct, "config_off");
	assert_string_equal(h->config_task_xacct, "unknown");
	host_context_free(h);
	strbuf_release(&buf);
}

/* cpuinfo/meminfo quirks: blank values, garbage numbers, numeric keys. */
static void test_host_context_parsing_edges(void **state)
{
	struct tmp_tree *t = *state;
	struct strbuf buf = STRBUF_INIT;
	write_str_at(t->fd, "cpuinfo",
		     "processor\t: 0\nmodel name\t:\nvendor_id : ARM\n"
		     "model name : Neoverse\n\nmodel name : Other\n");
	write_str_at(t->fd, "meminfo",
		     "MemTotal: lots kB\nHugePages_Total: 0\nHugepagesize:\n");
	write_str_at(t->fd, "devices/system/cpu/online", "2,10\n");
	write_str_at(t->fd, "devices/system/cpu/cpu10/cpufreq/scaling_governor",
		     "ondemand\n");
	write_str_at(t->fd, "devices/system/cpu/cpu2/cpufreq/scaling_governor",
		     "performance\n");
	write_str_at(t->fd, "devices/system/node/node3/.keep", "");
	write_str_at(t->fd, "devices/system/node/node5/.keep", "");
	write_str_at(t->fd, "devices/system/node/nodefoo/.keep", "");
	write_str_at(t->fd, "devices/system/node/node4", "not a dir\n");
	struct host_context *h = host_context_collect(t->fd, t->fd, false, &buf);
	assert_non_null(h);
	assert_string_equal(h->cpu_model, "Neoverse"); /* blank one skipped */
	assert_string_equal(h->cpu_vendor, "ARM");
	assert_false(h->total_memory_kib.present);
	assert_present(h->hugepages_total, 0);
	assert_false(h->hugepages_size_kib.present);
	assert_present(h->online_cpus, 2);
	assert_present(h->numa_nodes, 2); /* node3, node5: ids may be sparse */
	assert_int_equal(h->cpufreq_governor.len, 2);
	assert_str_item(&h->cpufreq_governor, 0, "2", "performance");
	assert_str_item(&h->cpufreq_governor, 1, "10", "ondemand");
	host_context_free(h);
	strbuf_release(&buf);
}

/* The real host: uname and the online count must match libc's view. */
static void test_host_context_live(void **state)
{
	(void)state;
	struct strbuf buf = STRBUF_INIT;
	int proc = open_dir_at(AT_FDCWD, "/proc");
	int sys = open_dir_at(AT_FDCWD, "/sys");
	assert_true(proc >= 0);
	assert_true(sys >= 0);
	struct host_context *h = host_context_collect(proc, sys, true, &buf);
	assert_non_null(h);
	struct utsname u;
	assert_int_equal(uname(&u), 0);
	assert_non_null(h->kernel_release);
	assert_string_equal(h->kernel_release, u.release);
	assert_string_equal(h->kernel_name, u.sysname);
	assert_string_equal(h->arch, u.machine);
	assert_present(h->online_cpus, (uint64_t)sysconf(_SC_NPROCESSORS_ONLN));
	assert_true(h->numa_nodes.present && h->numa_nodes.value >= 1);
	assert_non_null(h->task_delayacct);
	assert_non_null(h->config_task_xacct);
	host_context_free(h);
	close(proc);
	close(sys);
	strbuf_release(&buf);
}

/* ---- cgroup2 mount ------------------------------------------------------ */

static void assert_mount(const char *text, int rc, const char *want)
{
	struct strbuf out = STRBUF_INIT;
	assert_int_equal(cgroup2_mount_find(text, &out), rc);
	if (!rc)
		assert_string_equal(out.buf, want);
	strbuf_release(&out);
}

static void test_mountinfo_fixtures(void **state)
{
	(void)state;
	struct strbuf text = STRBUF_INIT;
	read_fixture("pure_v2.txt", &text);
	assert_mount(text.buf, 0, "/sys/fs/cgroup");
	read_fixture("hybrid.txt", &text);
	assert_mount(text.buf, 0, "/sys/fs/cgroup/unified");
	read_fixture("no_cgroup2.txt", &text);
	assert_mount(text.buf, -ENOENT, NULL);
	strbuf_release(&text);
}

static void test_mountinfo_edges(void **state)
{
	(void)state;
	assert_mount("", -ENOENT, NULL);
	/* \040 is a space, \134 a backslash; no trailing newline. */
	assert_mount("30 22 0:26 / /mnt/my\\040cg\\134x rw shared:9 - cgroup2 "
		     "cgroup2 rw",
		     0, "/mnt/my cg\\x");
	/* First cgroup2 mount wins. */
	assert_mount("1 0 0:1 / /a rw - cgroup2 cgroup2 rw\n"
		     "2 0 0:2 / /b rw - cgroup2 cgroup2 rw\n",
		     0, "/a");
	/* "cgroup2" as the source of a v1 mount is not the fs type. */
	assert_mount("1 0 0:1 / /v1 rw - cgroup cgroup2 rw\n", -ENOENT, NULL);
	/* Lines without the separator are skipped, not misread. */
	assert_mount("garbage line\n1 0 0:1 / /x rw cgroup2\n"
		     "2 0 0:2 / /ok rw master:1 shared:2 - cgroup2 none rw\n",
		     0, "/ok");
	/* An incomplete escape stays literal. */
	assert_mount("1 0 0:1 / /p\\04 rw - cgroup2 cgroup2 rw\n", 0,
		     "/p\\04");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_psi_host_fixture),
		cmocka_unit_test(test_psi_host_missing_files),
		cmocka_unit_test(test_cgroup_app_service),
		cmocka_unit_test(test_cgroup_batch_slice),
		cmocka_unit_test(test_cgroup_root),
		cmocka_unit_test(test_cgroup_missing_dir),
		cmocka_unit_test_setup_teardown(test_cgroup_cpu_max_cases,
						tmp_setup, tmp_teardown),
		cmocka_unit_test_setup_teardown(test_cgroup_value_edge_cases,
						tmp_setup, tmp_teardown),
		cmocka_unit_test(test_sched_ext_present),
		cmocka_unit_test(test_sched_ext_absent),
		cmocka_unit_test_setup_teardown(test_sched_ext_partial,
						tmp_setup, tmp_teardown),
		cmocka_unit_test_setup_teardown(test_task_delayacct_cases,
						tmp_setup, tmp_teardown),
		cmocka_unit_test_setup_teardown(test_config_gz_cases,
						tmp_setup, tmp_teardown),
		cmocka_unit_test_setup_teardown(test_config_gz_corrupt,
						tmp_setup, tmp_teardown),
		cmocka_unit_test(test_host_context_host1),
		cmocka_unit_test(test_host_context_host2),
		cmocka_unit_test_setup_teardown(test_host_context_empty_tree,
						tmp_setup, tmp_teardown),
		cmocka_unit_test_setup_teardown(test_host_context_parsing_edges,
						tmp_setup, tmp_teardown),
		cmocka_unit_test(test_host_context_live),
		cmocka_unit_test(test_mountinfo_fixtures),
		cmocka_unit_test(test_mountinfo_edges),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
