/*
 * test_jemalloc_units.c - the jemalloc probe's pure parts: TLS arithmetic
 * (ktstr-facts 5.3's worked examples, both variants, the GOT route), the
 * layout table, symbol names, the tag tally and probe summary (5.4), the
 * (u64, u64) cache, and the maps line parser (lines read as sscanf did).
 */
#include <elf.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sysmacros.h>

#include <cmocka.h>

#include "jemalloc_attach.h"
#include "jemalloc_cache.h"
#include "jemalloc_elf.h"
#include "jemalloc_layout.h"
#include "jemalloc_summary.h"
#include "jemalloc_tls.h"

static void test_round_up(void **state)
{
	uint64_t v;
	(void)state;
	assert_true(tls_round_up(7, 0, &v));
	assert_int_equal(v, 7);
	assert_true(tls_round_up(7, 8, &v));
	assert_int_equal(v, 8);
	assert_true(tls_round_up(9, 8, &v));
	assert_int_equal(v, 16);
	assert_true(tls_round_up(16, 16, &v));
	assert_int_equal(v, 16);
	assert_false(tls_round_up(UINT64_MAX - 2, 8, &v));
	assert_false(tls_round_up(5, 12, &v)); /* not a power of two */
}

/* Variant II (x86_64): tp - round_up(memsz, align) + st_value + offset. */
static void test_variant_ii(void **state)
{
	struct tls_block b;
	uint64_t a;
	(void)state;
	assert_true(tls_exe_block(TLS_VARIANT_II, 0x100, 8, 0, &b));
	assert_true(tls_addr(&b, 0x10000, 0x10 + 8, &a));
	assert_int_equal(a, 0xff18);
	assert_true(tls_exe_block(TLS_VARIANT_II, 512, 16, 0, &b));
	assert_true(tls_addr(&b, 0x7f1234567000ull, 0x100 + 264, &a));
	assert_int_equal(a, 0x7f1234567008ull);
	/* The measured static fixture: memsz 0xaa0 -> block at fs_base - 0xaa0. */
	assert_true(tls_exe_block(TLS_VARIANT_II, 0xaa0, 8, 0x1234560, &b));
	assert_int_equal(b.span, 0xaa0);
	assert_true(tls_exe_block(TLS_VARIANT_II, 0xa41, 8, 0, &b));
	assert_int_equal(b.span, 0xa48);
	/* A block that does not start aligned keeps its first-byte offset. */
	assert_true(tls_exe_block(TLS_VARIANT_II, 0x20, 16, 0x1008, &b));
	assert_int_equal(b.span, 0x28);
	/* Underflow: a thread pointer below the block. */
	assert_true(tls_exe_block(TLS_VARIANT_II, 0x100, 8, 0, &b));
	assert_false(tls_addr(&b, 0xff, 0, &a));
}

/* Variant I (aarch64): tp + round_up(16, align) + st_value + offset. */
static void test_variant_i(void **state)
{
	struct tls_block b;
	uint64_t a;
	(void)state;
	assert_true(tls_exe_block(TLS_VARIANT_I, 0x1000, 16, 0, &b));
	assert_true(tls_addr(&b, 0x7f1234567000ull, 0x100 + 264, &a));
	assert_int_equal(a, 0x7f1234567218ull);
	assert_true(tls_exe_block(TLS_VARIANT_I, 0x1000, 64, 0, &b));
	assert_true(tls_addr(&b, 0x1000, 0, &a));
	assert_int_equal(a, 0x1040);
	static const uint64_t small_aligns[] = { 0, 1, 8, 16 };
	for (size_t i = 0; i < 4; i++) {
		assert_true(tls_exe_block(TLS_VARIANT_I, 0x1000, small_aligns[i], 0, &b));
		assert_true(tls_addr(&b, 0x1000, 0, &a));
		assert_int_equal(a, 0x1010);
	}
	assert_false(tls_addr(&b, UINT64_MAX - 8, 0, &a)); /* overflow */
}

/* The GOT route: the slot holds (block + target) - tp. */
static void test_dso_block(void **state)
{
	struct tls_block b;
	uint64_t a;
	(void)state;
	/* libjemalloc.so.2 measured: slot -2632, addend 0, tsd at offset 0. */
	tls_dso_block((uint64_t)-2632, 0, &b);
	assert_int_equal(b.tpoff, -2632);
	assert_true(tls_addr(&b, 0x7f0000001000ull, 824, &a));
	assert_int_equal(a, 0x7f0000001000ull - 2632 + 824);
	/* A slot for a variable 0x40 into the block points 0x40 further. */
	tls_dso_block((uint64_t)-0x1000 + 0x40, 0x40, &b);
	assert_true(tls_addr(&b, 0x10000, 8, &a));
	assert_int_equal(a, 0x10000 - 0x1000 + 8);
	/* aarch64's positive offsets go the same way. */
	tls_dso_block(0x30, 0x10, &b);
	assert_true(tls_addr(&b, 0x1000, 0, &a));
	assert_int_equal(a, 0x1020);
	assert_false(tls_addr(&b, UINT64_MAX - 4, 0, &a));
	tls_dso_block((uint64_t)-0x2000, 0, &b);
	assert_false(tls_addr(&b, 0x1000, 0, &a)); /* underflow */
}

static void test_layout_table_and_span(void **state)
{
	struct jm_layout l;
	(void)state;
	assert_true(jm_layout_from_table(EM_X86_64, 2632, &l));
	assert_int_equal(l.off_allocated, 824);
	assert_int_equal(l.off_deallocated, 840);
	assert_int_equal(jm_layout_span(&l), 24);
	assert_true(jm_layout_valid(&l));
	assert_false(jm_layout_from_table(EM_X86_64, 2640, &l));
	assert_false(jm_layout_from_table(EM_AARCH64, 2632, &l));
	l = (struct jm_layout){ 64, 16, 32 };
	assert_int_equal(jm_layout_span(&l), 24);
	l = (struct jm_layout){ 64, 32, 16 }; /* reversed pair */
	assert_false(jm_layout_valid(&l));
	l = (struct jm_layout){ 4096, 0, 1024 }; /* span over the limit */
	assert_false(jm_layout_valid(&l));
}

static void test_symbol_names(void **state)
{
	(void)state;
	assert_true(jm_is_tsd_symbol("tsd_tls"));
	assert_true(jm_is_tsd_symbol("je_tsd_tls"));
	assert_true(jm_is_tsd_symbol("_rjem_je_tsd_tls"));
	assert_true(jm_is_tsd_symbol("jemalloc_je_tsd_tls"));
	assert_false(jm_is_tsd_symbol("_tsd_tls"));
	assert_false(jm_is_tsd_symbol("tsd_tls_x"));
	assert_false(jm_is_tsd_symbol("je_tsd_tlsx"));
	assert_false(jm_is_tsd_symbol(""));
}

static void test_tag_names(void **state)
{
	(void)state;
	static const char *const want[JM_TAG_COUNT] = {
		"ok", "pid-missing", "readlink-failure", "maps-read-failure",
		"jemalloc-not-found", "jemalloc-in-dso", "arch-mismatch",
		"dwarf-parse-failure", "jemalloc-layout-unknown", "worker-panic",
		"ptrace-seize", "ptrace-interrupt", "waitpid", "get-regset",
		"process-vm-readv", "tls-arithmetic",
	};
	for (int i = 0; i < JM_TAG_COUNT; i++) {
		assert_string_equal(jm_tag_name(i), want[i]);
		for (int j = 0; j < i; j++)
			assert_string_not_equal(jm_tag_name(i), jm_tag_name(j));
	}
	assert_true(jm_tag_is_benign(JM_NOT_FOUND));
	assert_true(jm_tag_is_benign(JM_READLINK_FAILURE));
	assert_false(jm_tag_is_benign(JM_LAYOUT_UNKNOWN));
}

static void tally_n(struct jm_tally *t, enum jm_tag tag, int n, bool probe)
{
	for (int i = 0; i < n; i++) {
		if (probe)
			jm_tally_probe(t, tag);
		else
			jm_tally_attach(t, tag);
	}
}

static void test_dominant_filters_benign(void **state)
{
	struct jm_tally t = { 0 };
	(void)state;
	tally_n(&t, JM_NOT_FOUND, 100, false);
	tally_n(&t, JM_READLINK_FAILURE, 100, false);
	assert_int_equal(jm_tally_dominant(&t), JM_OK);
	assert_int_equal(t.failed, 0);
	assert_int_equal(t.tgids_walked, 200);
	tally_n(&t, JM_DWARF_PARSE_FAILURE, 1, false);
	assert_int_equal(jm_tally_dominant(&t), JM_DWARF_PARSE_FAILURE);
	assert_int_equal(t.failed, 1);
}

static void test_dominant_ties_alphabetical(void **state)
{
	struct jm_tally t = { 0 };
	(void)state;
	tally_n(&t, JM_PTRACE_SEIZE, 2, true);
	tally_n(&t, JM_DWARF_PARSE_FAILURE, 2, false);
	assert_int_equal(jm_tally_dominant(&t), JM_DWARF_PARSE_FAILURE);
	tally_n(&t, JM_WORKER_PANIC, 2, false);
	assert_int_equal(jm_tally_dominant(&t), JM_DWARF_PARSE_FAILURE);
	tally_n(&t, JM_WORKER_PANIC, 1, false);
	assert_int_equal(jm_tally_dominant(&t), JM_WORKER_PANIC);
}

/* 2 * (seize + interrupt) >= failed, and failed > 0. */
static void test_privilege_threshold(void **state)
{
	static const struct {
		int ptrace, other;
		bool want;
	} cases[] = { { 3, 3, true }, { 2, 4, false }, { 2, 2, true },
		      { 1, 0, true }, { 0, 0, false } };
	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct jm_tally t = { 0 };
		tally_n(&t, JM_PTRACE_SEIZE, cases[i].ptrace / 2, true);
		tally_n(&t, JM_PTRACE_INTERRUPT, cases[i].ptrace - cases[i].ptrace / 2, true);
		tally_n(&t, JM_WAITPID, cases[i].other, true);
		assert_int_equal(jm_tally_privilege_dominant(&t), cases[i].want);
	}
}

static void test_summary_projection(void **state)
{
	struct jm_tally t = { 0 };
	(void)state;
	tally_n(&t, JM_OK, 2, false);
	tally_n(&t, JM_NOT_FOUND, 5, false);
	tally_n(&t, JM_OK, 7, true);
	tally_n(&t, JM_PTRACE_SEIZE, 3, true);
	struct probe_summary *p = jm_tally_summary(&t);
	assert_non_null(p);
	assert_int_equal(p->tgids_walked, 7);
	assert_int_equal(p->jemalloc_detected, 2);
	assert_int_equal(p->probed_ok, 7);
	assert_int_equal(p->failed, 3);
	assert_string_equal(p->dominant_failure, "ptrace-seize");
	assert_true(p->privilege_dominant);
	probe_summary_free(p);
	struct jm_tally clean = { 0 };
	tally_n(&clean, JM_NOT_FOUND, 3, false);
	p = jm_tally_summary(&clean);
	assert_null(p->dominant_failure);
	assert_false(p->privilege_dominant);
	probe_summary_free(p);
	assert_non_null(strstr(PTRACE_EPERM_HINT, "$(which ctprof-exporter)"));
	assert_non_null(strstr(PTRACE_EPERM_HINT, "cap_sys_ptrace"));
	assert_non_null(strstr(PTRACE_EPERM_HINT, "kernel.yama.ptrace_scope"));
}

static int dropped;
static void count_drop(uint64_t v)
{
	dropped += (int)v;
}

static void test_cache_put_find_sweep(void **state)
{
	struct jm_cache c = JM_CACHE_INIT;
	(void)state;
	assert_null(jm_cache_find(&c, 1, 2));
	for (uint64_t i = 0; i < 1000; i++)
		assert_int_equal(jm_cache_put(&c, i, i * 7, i + 1, i % 2), 0);
	assert_int_equal(c.len, 1000);
	for (uint64_t i = 0; i < 1000; i++) {
		struct jm_cache_entry *e = jm_cache_find(&c, i, i * 7);
		assert_non_null(e);
		assert_int_equal(e->value, i + 1);
	}
	assert_null(jm_cache_find(&c, 5, 36)); /* same a, other b */
	assert_int_equal(jm_cache_put(&c, 5, 35, 99, 1), 0); /* overwrite */
	assert_int_equal(c.len, 1000);
	assert_int_equal(jm_cache_find(&c, 5, 35)->value, 99);
	dropped = 0;
	assert_int_equal(jm_cache_sweep(&c, 1, count_drop), 0);
	assert_int_equal(c.len, 500);
	assert_int_equal(dropped, 250000); /* 1 + 3 + ... + 999 */
	assert_null(jm_cache_find(&c, 2, 14));
	assert_int_equal(jm_cache_find(&c, 3, 21)->value, 4);
	dropped = 0;
	jm_cache_release(&c, count_drop);
	assert_int_equal(c.cap, 0);
	assert_int_equal(dropped, 250500 - 6 + 99); /* 2 + 4 + ... + 1000, 6 now 99 */
}

static void test_map_line_kernel(void **state)
{
	const char *l = "7f3a1c200000-7f3a1c3b5000 r-xp 00026000 fd:01 1837044"
			"                    /usr/lib/x86_64-linux-gnu/libc.so.6 (deleted)";
	struct jm_mapping m;
	(void)state;
	assert_true(jm_parse_map_line(l, &m));
	assert_int_equal(m.start, 0x7f3a1c200000ull);
	assert_int_equal(m.offset, 0x26000);
	assert_int_equal(m.dev, makedev(0xfd, 1));
	assert_int_equal(m.ino, 1837044);
	assert_ptr_equal(m.path, strchr(l, '/')); /* a path keeps its spaces */
	/* Not executable, or not a file: rejected at once. */
	assert_false(jm_parse_map_line("7f3a1c3b5000-7f3a1c5b5000 ---p 001db000 fd:01 "
				       "1837044 /usr/lib/x86_64-linux-gnu/libc.so.6", &m));
	assert_false(jm_parse_map_line("7ffd5b1fe000-7ffd5b200000 r-xp 00000000 00:00 0"
				       "                          [vdso]", &m));
	assert_false(jm_parse_map_line("7f0000000000-7f0000021000 rw-p 00000000 00:00 0 ", &m));
}

/* sscanf's leniencies, kept so that no line reads differently. */
static void test_map_line_scanf_rules(void **state)
{
	struct jm_mapping m;
	const char *l = "\t0x1000-+2000 r-xpXXX10 0X8:\v-1 18446744073709551616\r/x";
	(void)state;
	assert_true(jm_parse_map_line(l, &m));
	assert_int_equal(m.start, 0x1000);
	assert_int_equal(m.offset, 0x10); /* %7s took "r-xpXXX" */
	assert_int_equal(m.dev, makedev(8, 0xffffffffu)); /* -1 as %x */
	assert_int_equal(m.ino, UINT64_MAX); /* saturated like strtoull */
	assert_ptr_equal(m.path, l + strlen(l) - 2);
	assert_true(jm_parse_map_line("0x-1 r-x 0x 100000001:0 0 /x", &m));
	assert_int_equal(m.start, 0); /* a bare 0x is 0 */
	assert_int_equal(m.dev, makedev(1, 0)); /* %x keeps the low 32 bits */
	assert_true(jm_parse_map_line("1-2 r-x -1 0:0 0 /x", &m));
	assert_int_equal(m.offset, UINT64_MAX); /* negated like strtoull */
}

static void test_map_line_malformed(void **state)
{
	static const char *const bad[] = {
		"", " ", "1000", "1000-", "1000-2000", "1000-2000 ", "1000 -2000 r-xp 0 8:1 1 /x",
		"1000-2000 rx 0 8:1 1 /x", "1000-2000 r-xp", "1000-2000 r-xp 0 8 1 1 /x",
		"1000-2000 r-xp 0 8: 1 /x", "1000-2000 r-xp 0 8:1", "1000-2000 r-xp 0 8:1 1",
		"1000-2000 r-xp 0 8:1 1 ", "1000-2000 r-xp 0 8:1 0x1 /x", "1000-2000 r-xp 0 8:1 - /x",
		"g000-2000 r-xp 0 8:1 1 /x", "1000-2000 r-xp 0 8:1 1 x/",
	};
	struct jm_mapping m = { .start = 42 };
	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++) {
		char *copy = strdup(bad[i]); /* exactly sized: ASan sees an over-read */
		assert_non_null(copy);
		assert_false(jm_parse_map_line(copy, &m));
		free(copy);
	}
	assert_int_equal(m.start, 42); /* untouched */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_up),
		cmocka_unit_test(test_variant_ii),
		cmocka_unit_test(test_variant_i),
		cmocka_unit_test(test_dso_block),
		cmocka_unit_test(test_layout_table_and_span),
		cmocka_unit_test(test_symbol_names),
		cmocka_unit_test(test_tag_names),
		cmocka_unit_test(test_dominant_filters_benign),
		cmocka_unit_test(test_dominant_ties_alphabetical),
		cmocka_unit_test(test_privilege_threshold),
		cmocka_unit_test(test_summary_projection),
		cmocka_unit_test(test_cache_put_find_sweep),
		cmocka_unit_test(test_map_line_kernel),
		cmocka_unit_test(test_map_line_scanf_rules),
		cmocka_unit_test(test_map_line_malformed),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
