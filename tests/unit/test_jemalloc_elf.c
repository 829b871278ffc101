/*
 * test_jemalloc_elf.c - per-file jemalloc resolution on the targets that
 * `make test-build` leaves in $CTPROF_BUILD/tests/jemalloc: DWARF offsets,
 * the layout table for Debian's libjemalloc.a and libjemalloc.so.2 (its GOT
 * slot), debug files found by debuglink and by build-id inside a target
 * root, every attach failure tag a file can produce, and the isolated
 * resolver's crash, timeout and early stop.
 */
#include <elf.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "jemalloc_elf.h"
#include "jemalloc_isolate.h"

#define LIBJEMALLOC "/usr/lib/x86_64-linux-gnu/libjemalloc.so.2"

static const char *target(const char *name)
{
	static char path[4][4096];
	static int next;
	char *p = path[next++ % 4];
	snprintf(p, sizeof(path[0]), "%s/tests/jemalloc/%s", getenv("CTPROF_BUILD"), name);
	return p;
}

static void resolve(const char *path, bool exe, struct jm_file_info *out)
{
	struct jm_resolve_req r = { .exe = exe };
	snprintf(r.path, sizeof(r.path), "%s", path);
	snprintf(r.ns_path, sizeof(r.ns_path), "%s", path);
	jm_resolve_file(&r, out);
}

/* The custom struct tsd_s: allocated at 48, deallocated at 64, 96 bytes. */
static void assert_custom_layout(const struct jm_file_info *f)
{
	assert_int_equal(f->tag, JM_OK);
	assert_int_equal(f->machine, EM_X86_64);
	assert_int_equal(f->layout.tsd_size, 96);
	assert_int_equal(f->layout.off_allocated, 48);
	assert_int_equal(f->layout.off_deallocated, 64);
	assert_true(f->tsd_value + 96 <= f->tls_memsz);
}

static void test_dwarf_in_binary(void **state)
{
	struct jm_file_info f;
	(void)state;
	resolve(target("tsd_custom"), true, &f);
	assert_custom_layout(&f);
	assert_true(f.exe);
}

/* The symbol without DWARF, and a size the table does not know. */
static void test_layout_unknown(void **state)
{
	struct jm_file_info f;
	(void)state;
	resolve(target("tsd_custom_nodebug"), true, &f);
	assert_int_equal(f.tag, JM_LAYOUT_UNKNOWN);
}

/* Debuglink: the debug file in the binary's own directory. */
static void test_debuglink_beside(void **state)
{
	struct jm_file_info f;
	(void)state;
	resolve(target("tsd_custom.stripped"), true, &f);
	assert_custom_layout(&f);
}

static void test_dwarf_reversed_members(void **state)
{
	struct jm_file_info f;
	(void)state;
	resolve(target("tsd_reversed"), true, &f);
	assert_int_equal(f.tag, JM_DWARF_PARSE_FAILURE);
}

/* Debian's libjemalloc.a has no DWARF: sizeof(tsd_s) 2632 keys the table. */
static void test_static_jemalloc_table(void **state)
{
	struct jm_file_info f;
	(void)state;
	resolve(target("je_static"), true, &f);
	assert_int_equal(f.tag, JM_OK);
	assert_int_equal(f.layout.tsd_size, 2632);
	assert_int_equal(f.layout.off_allocated, 824);
	assert_int_equal(f.layout.off_deallocated, 840);
	assert_int_equal(f.tsd_value, 0); /* je_tsd_tls is the only TLS variable */
	assert_true(f.tls_memsz >= 2632);
}

/* Stripped libjemalloc.so.2: no TLS symbol, found by mallctl + PT_TLS. */
static void test_shared_jemalloc_got(void **state)
{
	struct jm_file_info f;
	(void)state;
	if (access(LIBJEMALLOC, R_OK)) {
		skip();
		return;
	}
	resolve(LIBJEMALLOC, false, &f);
	assert_int_equal(f.tag, JM_OK);
	assert_false(f.exe);
	assert_int_equal(f.tls_memsz, 2632);
	assert_int_equal(f.tsd_value, 0);
	assert_int_equal(f.layout.off_allocated, 824);
	assert_int_equal(f.layout.off_deallocated, 840);
	assert_int_not_equal(f.got_slot, 0);
	assert_int_equal(f.got_target, 0); /* symbol 0, addend 0 */
	/* As an executable it has no TSD symbol: nothing to read statically. */
	resolve(LIBJEMALLOC, true, &f);
	assert_int_equal(f.tag, JM_NOT_FOUND);
}

static void test_dso_without_tpoff_slot(void **state)
{
	struct jm_file_info f;
	(void)state;
	resolve(target("tsd_gd.so"), false, &f);
	assert_int_equal(f.tag, JM_IN_DSO);
}

static void test_not_jemalloc(void **state)
{
	struct jm_file_info f;
	(void)state;
	resolve("/bin/true", true, &f);
	assert_int_equal(f.tag, JM_NOT_FOUND);
	resolve("/bin/true", false, &f);
	assert_int_equal(f.tag, JM_NOT_FOUND);
	resolve("/etc/hostname", true, &f);
	assert_int_equal(f.tag, JM_NOT_FOUND);
	resolve("/nonexistent/ctprof", true, &f);
	assert_int_equal(f.tag, JM_NOT_FOUND);
}

static int copy_file(const char *from, const char *to, long patch_at, uint16_t patch)
{
	char cmd[9000];
	snprintf(cmd, sizeof(cmd), "mkdir -p \"$(dirname '%s')\" && cp '%s' '%s'", to, from, to);
	if (system(cmd))
		return -1;
	if (patch_at < 0)
		return 0;
	FILE *f = fopen(to, "r+b");
	if (!f)
		return -1;
	fseek(f, patch_at, SEEK_SET);
	fwrite(&patch, sizeof(patch), 1, f);
	return fclose(f);
}

static void test_arch_mismatch(void **state)
{
	char path[] = "/tmp/ctprof-jm-arch-XXXXXX";
	struct jm_file_info f;
	(void)state;
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	close(fd);
	/* e_machine is the u16 at offset 18 of the ELF header. */
	assert_int_equal(copy_file(target("tsd_custom"), path, 18, EM_AARCH64), 0);
	resolve(path, true, &f);
	assert_int_equal(f.tag, JM_ARCH_MISMATCH);
	unlink(path);
}

struct root {
	char dir[64];
};

static int make_root(void **state)
{
	struct root *r = calloc(1, sizeof(*r));
	snprintf(r->dir, sizeof(r->dir), "/tmp/ctprof-jm-root-XXXXXX");
	if (!mkdtemp(r->dir))
		return -1;
	char bin[200];
	snprintf(bin, sizeof(bin), "%s/usr/bin/app", r->dir);
	*state = r;
	return copy_file(target("tsd_custom.stripped"), bin, -1, 0);
}

static int remove_root(void **state)
{
	struct root *r = *state;
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", r->dir);
	int rc = system(cmd);
	free(r);
	return rc;
}

static void resolve_in_root(const struct root *r, struct jm_file_info *f)
{
	struct jm_resolve_req q = { .exe = true };
	snprintf(q.root, sizeof(q.root), "%s", r->dir);
	snprintf(q.ns_path, sizeof(q.ns_path), "/usr/bin/app");
	snprintf(q.path, sizeof(q.path), "%s/usr/bin/app", r->dir);
	jm_resolve_file(&q, f);
}

/* Debuglink: /usr/lib/debug/<dir>/<name> inside the target's root, CRC checked. */
static void test_debuglink_in_root(void **state)
{
	struct root *r = *state;
	struct jm_file_info f;
	char dbg[200];
	snprintf(dbg, sizeof(dbg), "%s/usr/lib/debug/usr/bin/tsd_custom.debug", r->dir);
	/* A file of that name with the wrong contents fails the CRC. */
	assert_int_equal(copy_file(target("tsd_reversed"), dbg, -1, 0), 0);
	resolve_in_root(r, &f);
	assert_int_equal(f.tag, JM_LAYOUT_UNKNOWN);
	assert_int_equal(copy_file(target("tsd_custom.debug"), dbg, -1, 0), 0);
	resolve_in_root(r, &f);
	assert_custom_layout(&f);
	unlink(dbg);
}

/* Build-id: /usr/lib/debug/.build-id/xx/rest.debug inside the target's root. */
static void test_build_id_in_root(void **state)
{
	struct root *r = *state;
	struct jm_file_info f;
	char cmd[600], id[128] = "", dbg[400];
	snprintf(cmd, sizeof(cmd),
		 "readelf -n '%s' | awk '/Build ID/ { print $3 }'", target("tsd_custom"));
	FILE *p = popen(cmd, "r");
	assert_non_null(p);
	assert_non_null(fgets(id, sizeof(id), p));
	pclose(p);
	id[strcspn(id, "\n")] = '\0';
	assert_true(strlen(id) > 2);
	snprintf(dbg, sizeof(dbg), "%s/usr/lib/debug/.build-id/%.2s/%s.debug", r->dir, id,
		 id + 2);
	assert_int_equal(copy_file(target("tsd_custom.debug"), dbg, -1, 0), 0);
	resolve_in_root(r, &f);
	assert_custom_layout(&f);
	unlink(dbg);
}

static void crash_resolver(const struct jm_resolve_req *req, struct jm_file_info *out)
{
	(void)req;
	(void)out;
	raise(SIGSEGV);
}

static void hang_resolver(const struct jm_resolve_req *req, struct jm_file_info *out)
{
	(void)req;
	(void)out;
	for (;;)
		pause();
}

/* Not found for every file but the second. */
static void second_resolver(const struct jm_resolve_req *req, struct jm_file_info *out)
{
	memset(out, 0, sizeof(*out));
	out->tag = strcmp(req->path, "two") ? JM_NOT_FOUND : JM_OK;
	out->tls_memsz = strlen(req->path);
}

static void test_isolated_crash_and_timeout(void **state)
{
	struct jm_resolve_req reqs[2] = { { .exe = true }, { .exe = false } };
	struct jm_file_info out[2];
	struct timespec t0, t1;
	(void)state;
	assert_int_equal(jm_isolate_resolve(crash_resolver, reqs, 2, out, 5000), 1);
	assert_int_equal(out[0].tag, JM_WORKER_PANIC);
	assert_true(out[0].exe);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	assert_int_equal(jm_isolate_resolve(hang_resolver, reqs, 2, out, 200), 1);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	assert_int_equal(out[0].tag, JM_WORKER_PANIC);
	double s = (double)(t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9;
	assert_true(s >= 0.19 && s < 2.0);
}

static void test_isolated_stops_at_found(void **state)
{
	struct jm_resolve_req reqs[3] = { 0 };
	struct jm_file_info out[3];
	(void)state;
	snprintf(reqs[0].path, sizeof(reqs[0].path), "one");
	snprintf(reqs[1].path, sizeof(reqs[1].path), "two");
	snprintf(reqs[2].path, sizeof(reqs[2].path), "three");
	assert_int_equal(jm_isolate_resolve(second_resolver, reqs, 3, out, 5000), 2);
	assert_int_equal(out[0].tag, JM_NOT_FOUND);
	assert_int_equal(out[0].tls_memsz, 3);
	assert_int_equal(out[1].tag, JM_OK);
	assert_int_equal(out[1].tls_memsz, 3);
	/* The real resolver through the child gives what it gives in process. */
	struct jm_resolve_req r = { .exe = true };
	struct jm_file_info direct;
	snprintf(r.path, sizeof(r.path), "%s", target("je_static"));
	jm_resolve_file(&r, &direct);
	assert_int_equal(jm_isolate_resolve(jm_resolve_file, &r, 1, out, 10000), 1);
	assert_memory_equal(&direct, &out[0], sizeof(direct));
}

int main(void)
{
	if (!getenv("CTPROF_BUILD")) {
		fprintf(stderr, "test_jemalloc_elf: CTPROF_BUILD unset (run through tests/run.sh)\n");
		return 1;
	}
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_dwarf_in_binary),
		cmocka_unit_test(test_layout_unknown),
		cmocka_unit_test(test_debuglink_beside),
		cmocka_unit_test(test_dwarf_reversed_members),
		cmocka_unit_test(test_static_jemalloc_table),
		cmocka_unit_test(test_shared_jemalloc_got),
		cmocka_unit_test(test_dso_without_tpoff_slot),
		cmocka_unit_test(test_not_jemalloc),
		cmocka_unit_test(test_arch_mismatch),
		cmocka_unit_test_setup_teardown(test_debuglink_in_root, make_root, remove_root),
		cmocka_unit_test_setup_teardown(test_build_id_in_root, make_root, remove_root),
		cmocka_unit_test(test_isolated_crash_and_timeout),
		cmocka_unit_test(test_isolated_stops_at_found),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
