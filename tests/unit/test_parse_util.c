/*
 * test_parse_util.c - the shared parsing rules (ktstr-facts 7 and 9): dotted
 * ms.ns values, cpu lists, Rust-compatible integers, PSI centi-percent, and
 * the span forms the per-thread parsers use (trim, lines, key: value).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "parse_util.h"

static uint64_t dotted_ok(const char *s)
{
	uint64_t ns = 0;
	assert_int_equal(parse_dotted_ns(s, &ns), DOTTED_OK);
	return ns;
}

static void test_dotted_vectors(void **state)
{
	(void)state;
	assert_int_equal(dotted_ok("1234.5"), 1234500000ULL);
	assert_int_equal(dotted_ok("678.9"), 678900000ULL);
	assert_int_equal(dotted_ok("42.1"), 42100000ULL);
	assert_int_equal(dotted_ok("7.999"), 7999000ULL);
	assert_int_equal(dotted_ok("12345.678"), 12345678000ULL);
	assert_int_equal(dotted_ok("5000.25"), 5000250000ULL);
	assert_int_equal(dotted_ok("0.000001"), 1);
	/* the fraction is truncated to six digits */
	assert_int_equal(dotted_ok("1.1234567"), 1123456ULL);
	/* no dot: plain nanoseconds */
	assert_int_equal(dotted_ok(" 77 "), 77);
	assert_int_equal(dotted_ok("18446744073709.551615"), UINT64_MAX);
}

static void test_dotted_negative_and_malformed(void **state)
{
	(void)state;
	uint64_t ns = 99;
	assert_int_equal(parse_dotted_ns("-5.000000", &ns), DOTTED_NEGATIVE);
	assert_int_equal(parse_dotted_ns("0.-000500", &ns), DOTTED_NEGATIVE);
	assert_int_equal(parse_dotted_ns("-5.0", &ns), DOTTED_NEGATIVE);
	assert_int_equal(parse_dotted_ns("-7", &ns), DOTTED_NEGATIVE);
	assert_int_equal(parse_dotted_ns("12.x", &ns), DOTTED_MALFORMED);
	assert_int_equal(parse_dotted_ns("abc", &ns), DOTTED_MALFORMED);
	assert_int_equal(parse_dotted_ns("18446744073710.000000", &ns),
			 DOTTED_MALFORMED);
	assert_int_equal(ns, 99);
}

static void expect_cpus(const char *list, const uint32_t *want, size_t n)
{
	struct cpuset c = { 0 };
	assert_true(parse_cpu_list(list, &c));
	assert_int_equal(c.len, n);
	for (size_t i = 0; i < n; i++)
		assert_int_equal(c.cpus[i], want[i]);
	cpuset_release(&c);
}

static void test_cpu_list(void **state)
{
	(void)state;
	static const uint32_t c0123[] = { 0, 1, 2, 3 }, c01[] = { 0, 1 };
	expect_cpus("0-3", c0123, 4);
	expect_cpus("3,0-2,1,2", c0123, 4);
	expect_cpus("0,1,", c01, 2);
	struct cpuset c = { 0 };
	assert_true(parse_cpu_list("0-65535", &c));
	assert_int_equal(c.len, 65536);
	assert_int_equal(c.cpus[65535], 65535);
	cpuset_release(&c);
	const char *bad[] = { "5-3", "abc", "0-", "-3", "", "  ", "0-65536", "1,x" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_false(parse_cpu_list(bad[i], &c));
		assert_int_equal(c.len, 0);
	}
}

static void test_integers(void **state)
{
	(void)state;
	uint64_t u = 0;
	int32_t i = 0;
	assert_true(parse_u64("18446744073709551615", &u));
	assert_true(u == UINT64_MAX);
	assert_false(parse_u64("18446744073709551616", &u));
	assert_false(parse_u64(" 1", &u));
	assert_false(parse_u64("1 ", &u));
	assert_false(parse_u64("-1", &u));
	assert_false(parse_u64("", &u));
	assert_true(parse_u64("+5", &u));
	assert_int_equal(u, 5);
	assert_true(parse_i32("-2147483648", &i));
	assert_int_equal(i, INT32_MIN);
	assert_false(parse_i32("2147483648", &i));
	assert_true(parse_i32("-1", &i));
	assert_int_equal(i, -1);
}

static void test_centi_percent(void **state)
{
	(void)state;
	assert_int_equal(parse_centi_percent("18.59"), 1859);
	assert_int_equal(parse_centi_percent("1.5"), 150);
	assert_int_equal(parse_centi_percent("1.501"), 150);
	assert_int_equal(parse_centi_percent("3."), 300);
	assert_int_equal(parse_centi_percent("100.00"), 10000);
	assert_int_equal(parse_centi_percent("bad"), 0);
	assert_int_equal(parse_centi_percent("99999.00"), UINT16_MAX);
}

static void test_psi_lines(void **state)
{
	(void)state;
	char text[] = "some avg10=18.59 avg60=1.5 avg300=1.501 total=123456\n"
		      "full avg10=3. avg60=100.00 avg300=0.00 total=42\n"
		      "other avg10=9.00\n";
	struct psi_resource r;
	parse_psi(text, &r);
	assert_int_equal(r.some.avg10, 1859);
	assert_int_equal(r.some.avg60, 150);
	assert_int_equal(r.some.avg300, 150);
	assert_int_equal(r.some.total_usec, 123456);
	assert_int_equal(r.full.avg10, 300);
	assert_int_equal(r.full.avg60, 10000);
	assert_int_equal(r.full.avg300, 0);
	assert_int_equal(r.full.total_usec, 42);
}

/* The first n bytes of s as a span: what follows them must not count. */
static struct text_span prefix(const char *s, size_t n)
{
	return (struct text_span){ s, n };
}

static void test_span_trim(void **state)
{
	(void)state;
	/* runs of ' ' longer than a word, mixed with the other blanks */
	const char *s = " \t                   x y          \v \r\n    ";
	struct text_span t = span_trim(span_of(s));
	assert_int_equal(t.len, 3);
	assert_memory_equal(t.p, "x y", 3);
	t = span_trim(span_of("                \f          "));
	assert_int_equal(t.len, 0);
	t = span_trim(span_of(""));
	assert_int_equal(t.len, 0);
	/* the bytes after the span are never looked at */
	t = span_trim(prefix("  ab  cd", 6));
	assert_int_equal(t.len, 2);
	assert_memory_equal(t.p, "ab", 2);
	size_t start = 3, end = 1;
	trim_span("     ", &start, &end);
	assert_int_equal(start, 3);
	assert_int_equal(end, 1);
}

static void test_span_lines_and_split(void **state)
{
	(void)state;
	struct text_span rest = span_of("a: 1\n\nno colon\n b :c:d \nlast");
	struct text_span line, k, v;
	assert_true(span_next_line(&rest, &line));
	assert_true(span_split(line, ':', &k, &v));
	assert_true(span_eq(k, "a", 1) && span_eq(v, "1", 1));
	assert_true(span_next_line(&rest, &line));
	assert_int_equal(line.len, 0);
	assert_false(span_split(line, ':', &k, &v));
	assert_true(span_next_line(&rest, &line));
	assert_false(span_split(line, ':', &k, &v));
	assert_true(span_next_line(&rest, &line));
	assert_true(span_split(line, ':', &k, &v));
	assert_true(span_eq(k, "b", 1) && span_eq(v, "c:d", 3));
	assert_true(span_next_line(&rest, &line));
	assert_true(span_eq(line, "last", 4));
	assert_false(span_next_line(&rest, &line));
	/* a final '\n' ends the last line; it starts no empty one */
	rest = span_of("x\n");
	assert_true(span_next_line(&rest, &line));
	assert_false(span_next_line(&rest, &line));
}

static void test_span_integers(void **state)
{
	(void)state;
	uint64_t u = 7;
	int32_t i = 7;
	uint32_t w = 7;
	assert_true(parse_u64_span(prefix("123x", 3), &u));
	assert_int_equal(u, 123);
	assert_true(parse_u64_span(prefix("184467440737095516150", 20), &u));
	assert_true(u == UINT64_MAX);
	assert_false(parse_u64_span(prefix("+", 1), &u));
	assert_false(parse_u64_span(prefix("5", 0), &u));
	assert_false(parse_u64_span(prefix("1\0", 2), &u));
	assert_true(parse_i32_span(prefix("-7,", 2), &i));
	assert_int_equal(i, -7);
	assert_false(parse_i32_span(prefix("-+7", 3), &i));
	assert_false(parse_i32_span(prefix("-", 1), &i));
	assert_true(parse_u32_span(prefix("4294967295", 10), &w));
	assert_false(parse_u32_span(prefix("4294967296", 10), &w));
	assert_true(w == UINT32_MAX);
}

static void test_dotted_span_edges(void **state)
{
	(void)state;
	uint64_t ns = 5;
	/* the kernel's "%14Ld.%06ld" padding */
	assert_int_equal(parse_dotted_ns_span(span_of("      19750284.390597"), &ns),
			 DOTTED_OK);
	assert_true(ns == 19750284390597ULL);
	/* the fraction stops at the span's end, then pads with '0' */
	assert_int_equal(parse_dotted_ns_span(prefix("1.23456", 4), &ns), DOTTED_OK);
	assert_int_equal(ns, 1230000);
	assert_int_equal(parse_dotted_ns("1.", &ns), DOTTED_OK);
	assert_int_equal(ns, 1000000);
	assert_int_equal(parse_dotted_ns("1.+5", &ns), DOTTED_OK);
	assert_int_equal(ns, 1050000);
	assert_int_equal(parse_dotted_ns("2 . 5", &ns), DOTTED_OK);
	assert_int_equal(ns, 2500000);
	assert_int_equal(parse_dotted_ns(".5", &ns), DOTTED_MALFORMED);
	/* 31 characters of integer part parse, 32 are malformed even as zeros */
	assert_int_equal(parse_dotted_ns("0000000000000000000000000000001", &ns),
			 DOTTED_OK);
	assert_int_equal(ns, 1);
	assert_int_equal(parse_dotted_ns("00000000000000000000000000000001", &ns),
			 DOTTED_MALFORMED);
	assert_int_equal(parse_dotted_ns("-0000000000000000000000000000001", &ns),
			 DOTTED_MALFORMED);
	assert_int_equal(parse_dotted_ns("abc.-1", &ns), DOTTED_NEGATIVE);
	assert_int_equal(ns, 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_dotted_vectors),
		cmocka_unit_test(test_dotted_negative_and_malformed),
		cmocka_unit_test(test_cpu_list),
		cmocka_unit_test(test_integers),
		cmocka_unit_test(test_centi_percent),
		cmocka_unit_test(test_psi_lines),
		cmocka_unit_test(test_span_trim),
		cmocka_unit_test(test_span_lines_and_split),
		cmocka_unit_test(test_span_integers),
		cmocka_unit_test(test_dotted_span_edges),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
