/*
 * test_snapshot_json.c - the snapshot file format: serde-shaped JSON (exact
 * key order, null/omitted rules, u64 precision), tolerant reading (defaults,
 * unknown keys, typed errors), and the zstd file layer's failure modes.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <zstd.h>

#include "snapshot_file.h"
#include "snapshot_json.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define OK(call) assert_int_equal((call), 0)

/* ---- building and comparing snapshots ---- */

static char *xstrdup(const char *s)
{
	char *p = strdup(s);
	assert_non_null(p);
	return p;
}

/* A string that exercises JSON escaping as well as identity. */
static char *odd_string(const char *name, unsigned k)
{
	char buf[160];
	snprintf(buf, sizeof(buf), "%s-%u \"q\" \\ /\n\t\x01\x7f \xc3\xa9", name,
		 k);
	return xstrdup(buf);
}

/* Distinct non-default values for every field, driven by the table. */
static void fill_thread(struct thread_state *t, unsigned k)
{
	for (size_t i = 0; i < THREAD_FIELD_COUNT; i++) {
		const struct field_desc *d = &thread_field_descs[i];
		void *p = (char *)t + d->offset;
		uint32_t cpus[] = { k, k + 2, 63, 1023 };

		switch (d->kind) {
		case FIELD_KIND_U32:
			*(uint32_t *)p = 4000000000u + k * 1000 + (uint32_t)i;
			break;
		case FIELD_KIND_U64:
			/* odd fields above 2^53, even ones small */
			*(uint64_t *)p = i % 2 ? UINT64_MAX - k * 1000 - i
					       : 1000 * k + i + 1;
			break;
		case FIELD_KIND_I32:
			*(int32_t *)p = i % 2 ? INT32_MIN + (int32_t)(k * 100 + i)
					      : -(int32_t)(k * 100 + i + 1);
			break;
		case FIELD_KIND_STR:
			free(*(char **)p);
			*(char **)p = odd_string(d->name, k);
			break;
		case FIELD_KIND_CHAR:
			*(char *)p = k ? 'S' : '"';
			break;
		case FIELD_KIND_BOOL:
			*(bool *)p = true;
			break;
		case FIELD_KIND_CPUSET:
			assert_int_equal(cpuset_from_sorted(p, cpus, 4), 0);
			break;
		case FIELD_KIND_KIBMAP:
			OK(kv_map_set(p, "Rss", 1000 + k));
			OK(kv_map_set(p, "Anonymous", UINT64_MAX - k));
			OK(kv_map_set(p, "Pss_Dirty", 7));
			break;
		}
	}
}

static bool str_eq(const char *a, const char *b)
{
	if (!a || !b)
		return a == b;
	return !strcmp(a, b);
}

static void assert_kv_equal(const struct kv_map *a, const struct kv_map *b)
{
	assert_int_equal(a->len, b->len);
	for (size_t i = 0; i < a->len; i++) {
		assert_string_equal(a->items[i].key, b->items[i].key);
		assert_true(a->items[i].value == b->items[i].value);
	}
}

static void assert_str_map_equal(const struct str_map *a, const struct str_map *b)
{
	assert_int_equal(a->len, b->len);
	for (size_t i = 0; i < a->len; i++) {
		assert_string_equal(a->items[i].key, b->items[i].key);
		assert_string_equal(a->items[i].value, b->items[i].value);
	}
}

static void assert_thread_equal(const struct thread_state *a,
				const struct thread_state *b)
{
	for (size_t i = 0; i < THREAD_FIELD_COUNT; i++) {
		const struct field_desc *d = &thread_field_descs[i];
		const void *x = (const char *)a + d->offset;
		const void *y = (const char *)b + d->offset;
		bool same = false;

		switch (d->kind) {
		case FIELD_KIND_U32:
			same = *(const uint32_t *)x == *(const uint32_t *)y;
			break;
		case FIELD_KIND_U64:
			same = *(const uint64_t *)x == *(const uint64_t *)y;
			break;
		case FIELD_KIND_I32:
			same = *(const int32_t *)x == *(const int32_t *)y;
			break;
		case FIELD_KIND_STR:
			same = str_eq(*(char *const *)x, *(char *const *)y);
			break;
		case FIELD_KIND_CHAR:
			same = *(const char *)x == *(const char *)y;
			break;
		case FIELD_KIND_BOOL:
			same = *(const bool *)x == *(const bool *)y;
			break;
		case FIELD_KIND_CPUSET: {
			const struct cpuset *c = x, *e = y;
			same = c->len == e->len &&
			       (!c->len || !memcmp(c->cpus, e->cpus,
						   c->len * sizeof(*c->cpus)));
			break;
		}
		case FIELD_KIND_KIBMAP:
			assert_kv_equal(x, y);
			same = true;
			break;
		}
		if (!same)
			fail_msg("thread field %s differs", d->name);
	}
}

static void assert_psi_equal(const struct psi *a, const struct psi *b)
{
	const struct psi_resource *ra[] = { &a->cpu, &a->memory, &a->io, &a->irq };
	const struct psi_resource *rb[] = { &b->cpu, &b->memory, &b->io, &b->irq };

	for (size_t i = 0; i < 4; i++) {
		const struct psi_half *ha[] = { &ra[i]->some, &ra[i]->full };
		const struct psi_half *hb[] = { &rb[i]->some, &rb[i]->full };
		for (size_t j = 0; j < 2; j++) {
			assert_int_equal(ha[j]->avg10, hb[j]->avg10);
			assert_int_equal(ha[j]->avg60, hb[j]->avg60);
			assert_int_equal(ha[j]->avg300, hb[j]->avg300);
			assert_true(ha[j]->total_usec == hb[j]->total_usec);
		}
	}
}

static void fill_psi(struct psi *p, unsigned seed)
{
	struct psi_resource *r[] = { &p->cpu, &p->memory, &p->io, &p->irq };

	for (unsigned i = 0; i < 4; i++) {
		struct psi_half *h[] = { &r[i]->some, &r[i]->full };
		for (unsigned j = 0; j < 2; j++) {
			unsigned n = seed + i * 10 + j;
			h[j]->avg10 = (uint16_t)(n + 1);
			h[j]->avg60 = (uint16_t)(n + 2);
			h[j]->avg300 = j ? 10099 : (uint16_t)(n + 3);
			h[j]->total_usec = UINT64_MAX - n;
		}
	}
}

static void assert_opt_u64_equal(struct opt_u64 a, struct opt_u64 b)
{
	assert_int_equal(a.present, b.present);
	assert_true(a.value == b.value);
}

static void fill_host(struct host_context *h)
{
	h->cpu_model = xstrdup("AMD EPYC \"7763\" 64-Core");
	h->cpu_vendor = xstrdup("AuthenticAMD");
	h->total_memory_kib = (struct opt_u64){ true, 263921052 };
	h->hugepages_total = (struct opt_u64){ true, 0 };
	h->hugepages_free = (struct opt_u64){ true, 0 };
	h->hugepages_size_kib = (struct opt_u64){ true, 2048 };
	h->thp_enabled = xstrdup("always [madvise] never");
	h->thp_defrag = xstrdup("always defer [madvise] never");
	h->has_sched_tunables = true;
	OK(str_map_set(&h->sched_tunables, "sched_rr_timeslice_ms", "100"));
	OK(str_map_set(&h->sched_tunables, "sched_autogroup_enabled", "1"));
	h->online_cpus = (struct opt_u64){ true, 128 };
	h->numa_nodes = (struct opt_u64){ true, 2 };
	OK(str_map_set_numeric(&h->cpufreq_governor, "10", "powersave"));
	OK(str_map_set_numeric(&h->cpufreq_governor, "0", "performance"));
	OK(str_map_set_numeric(&h->cpufreq_governor, "2", "schedutil"));
	h->kernel_name = xstrdup("Linux");
	h->kernel_release = xstrdup("6.8.0-49-generic");
	h->arch = xstrdup("x86_64");
	h->kernel_cmdline = xstrdup("BOOT_IMAGE=/vmlinuz root=/dev/sda1 ro");
	h->task_delayacct = xstrdup("runtime_off");
	h->config_task_xacct = xstrdup("unknown");
}

static void assert_host_equal(const struct host_context *a,
			      const struct host_context *b)
{
	assert_non_null(a);
	assert_non_null(b);
	assert_true(str_eq(a->cpu_model, b->cpu_model));
	assert_true(str_eq(a->cpu_vendor, b->cpu_vendor));
	assert_opt_u64_equal(a->total_memory_kib, b->total_memory_kib);
	assert_opt_u64_equal(a->hugepages_total, b->hugepages_total);
	assert_opt_u64_equal(a->hugepages_free, b->hugepages_free);
	assert_opt_u64_equal(a->hugepages_size_kib, b->hugepages_size_kib);
	assert_true(str_eq(a->thp_enabled, b->thp_enabled));
	assert_true(str_eq(a->thp_defrag, b->thp_defrag));
	assert_int_equal(a->has_sched_tunables, b->has_sched_tunables);
	assert_str_map_equal(&a->sched_tunables, &b->sched_tunables);
	assert_opt_u64_equal(a->online_cpus, b->online_cpus);
	assert_opt_u64_equal(a->numa_nodes, b->numa_nodes);
	assert_str_map_equal(&a->cpufreq_governor, &b->cpufreq_governor);
	assert_true(str_eq(a->kernel_name, b->kernel_name));
	assert_true(str_eq(a->kernel_release, b->kernel_release));
	assert_true(str_eq(a->arch, b->arch));
	assert_true(str_eq(a->kernel_cmdline, b->kernel_cmdline));
	assert_true(str_eq(a->task_delayacct, b->task_delayacct));
	assert_true(str_eq(a->config_task_xacct, b->config_task_xacct));
}

static void fill_cgroups(struct ctprof_snapshot *s)
{
	struct cgroup_stats *c = snapshot_add_cgroup(s, "/system.slice/a.service");

	assert_non_null(c);
	c->cpu.usage_usec = 123456789;
	c->cpu.nr_throttled = 3;
	c->cpu.throttled_usec = 4500;
	c->cpu.max_quota_us = (struct opt_u64){ true, 50000 };
	c->cpu.max_period_us = 200000;
	c->cpu.weight = (struct opt_u64){ true, 10000 };
	c->cpu.weight_nice = (struct opt_i32){ true, -20 };
	c->memory.current = 1u << 30;
	c->memory.max = (struct opt_u64){ true, 2ull << 30 };
	c->memory.high = (struct opt_u64){ true, 3ull << 29 };
	c->memory.low = (struct opt_u64){ true, UINT64_MAX };
	c->memory.min = (struct opt_u64){ true, 0 };
	OK(kv_map_set(&c->memory.stat, "anon", 4096));
	OK(kv_map_set(&c->memory.stat, "workingset_refault_anon", UINT64_MAX));
	OK(kv_map_set(&c->memory.events, "oom_kill", 2));
	c->pids.current = (struct opt_u64){ true, 17 };
	c->pids.max = (struct opt_u64){ true, 4915 };
	fill_psi(&c->psi, 100);

	/* the root: every Option absent, max_period_us at its default */
	c = snapshot_add_cgroup(s, "/");
	assert_non_null(c);
	c->cpu.usage_usec = 99;
	c->memory.current = 77;
}

static void assert_cgroup_equal(const struct cgroup_stats *a,
				const struct cgroup_stats *b)
{
	assert_string_equal(a->path, b->path);
	assert_true(a->cpu.usage_usec == b->cpu.usage_usec);
	assert_true(a->cpu.nr_throttled == b->cpu.nr_throttled);
	assert_true(a->cpu.throttled_usec == b->cpu.throttled_usec);
	assert_opt_u64_equal(a->cpu.max_quota_us, b->cpu.max_quota_us);
	assert_true(a->cpu.max_period_us == b->cpu.max_period_us);
	assert_opt_u64_equal(a->cpu.weight, b->cpu.weight);
	assert_int_equal(a->cpu.weight_nice.present, b->cpu.weight_nice.present);
	assert_int_equal(a->cpu.weight_nice.value, b->cpu.weight_nice.value);
	assert_true(a->memory.current == b->memory.current);
	assert_opt_u64_equal(a->memory.max, b->memory.max);
	assert_opt_u64_equal(a->memory.high, b->memory.high);
	assert_opt_u64_equal(a->memory.low, b->memory.low);
	assert_opt_u64_equal(a->memory.min, b->memory.min);
	assert_kv_equal(&a->memory.stat, &b->memory.stat);
	assert_kv_equal(&a->memory.events, &b->memory.events);
	assert_opt_u64_equal(a->pids.current, b->pids.current);
	assert_opt_u64_equal(a->pids.max, b->pids.max);
	assert_psi_equal(&a->psi, &b->psi);
}

/* Two fully populated threads, a full host, two cgroups, every summary. */
static void build_full(struct ctprof_snapshot *s)
{
	ctprof_snapshot_init(s);
	s->captured_at_unix_ns = 1767225600123456789ull;
	for (unsigned k = 0; k < 2; k++) {
		struct thread_state t;
		assert_int_equal(thread_state_init(&t), 0);
		fill_thread(&t, k);
		assert_int_equal(snapshot_push_thread(s, &t), 0);
	}
	s->host = calloc(1, sizeof(*s->host));
	assert_non_null(s->host);
	fill_host(s->host);
	fill_cgroups(s);
	s->probe_summary = calloc(1, sizeof(*s->probe_summary));
	assert_non_null(s->probe_summary);
	*s->probe_summary = (struct probe_summary){
		11, 12, 13, 14, xstrdup("ptrace-seize"), true
	};
	s->parse_summary = calloc(1, sizeof(*s->parse_summary));
	assert_non_null(s->parse_summary);
	s->parse_summary->tids_walked = 21;
	s->parse_summary->read_failures = 3;
	OK(kv_map_set(&s->parse_summary->read_failures_by_file, "schedstat",
		      2));
	OK(kv_map_set(&s->parse_summary->read_failures_by_file, "io", 1));
	s->parse_summary->dominant_read_failure = xstrdup("schedstat");
	s->parse_summary->kernel_config_dominant = true;
	s->parse_summary->negative_dotted_values = 5;
	s->taskstats_summary = calloc(1, sizeof(*s->taskstats_summary));
	assert_non_null(s->taskstats_summary);
	*s->taskstats_summary = (struct taskstats_summary){ 31, 32, 33, 34 };
	fill_psi(&s->psi, 0);
	s->sched_ext = calloc(1, sizeof(*s->sched_ext));
	assert_non_null(s->sched_ext);
	*s->sched_ext = (struct sched_ext_sysfs){ xstrdup("enabled"), 1, 2, 3, 4 };
}

static void assert_snapshot_equal(const struct ctprof_snapshot *a,
				  const struct ctprof_snapshot *b)
{
	assert_true(a->captured_at_unix_ns == b->captured_at_unix_ns);
	assert_int_equal(a->nthreads, b->nthreads);
	for (size_t i = 0; i < a->nthreads; i++)
		assert_thread_equal(&a->threads[i], &b->threads[i]);
	assert_host_equal(a->host, b->host);
	assert_int_equal(a->ncgroups, b->ncgroups);
	for (size_t i = 0; i < a->ncgroups; i++)
		assert_cgroup_equal(&a->cgroups[i], &b->cgroups[i]);

	const struct probe_summary *pa = a->probe_summary, *pb = b->probe_summary;
	assert_non_null(pb);
	assert_true(pa->tgids_walked == pb->tgids_walked);
	assert_true(pa->jemalloc_detected == pb->jemalloc_detected);
	assert_true(pa->probed_ok == pb->probed_ok);
	assert_true(pa->failed == pb->failed);
	assert_true(str_eq(pa->dominant_failure, pb->dominant_failure));
	assert_int_equal(pa->privilege_dominant, pb->privilege_dominant);

	const struct parse_summary *qa = a->parse_summary, *qb = b->parse_summary;
	assert_non_null(qb);
	assert_true(qa->tids_walked == qb->tids_walked);
	assert_true(qa->read_failures == qb->read_failures);
	assert_kv_equal(&qa->read_failures_by_file, &qb->read_failures_by_file);
	assert_true(str_eq(qa->dominant_read_failure, qb->dominant_read_failure));
	assert_int_equal(qa->kernel_config_dominant, qb->kernel_config_dominant);
	assert_true(qa->negative_dotted_values == qb->negative_dotted_values);

	assert_non_null(b->taskstats_summary);
	const struct taskstats_summary *ta = a->taskstats_summary;
	const struct taskstats_summary *tb = b->taskstats_summary;
	assert_true(ta->ok_count == tb->ok_count);
	assert_true(ta->eperm_count == tb->eperm_count);
	assert_true(ta->esrch_count == tb->esrch_count);
	assert_true(ta->other_err_count == tb->other_err_count);
	assert_psi_equal(&a->psi, &b->psi);

	assert_non_null(b->sched_ext);
	assert_string_equal(a->sched_ext->state, b->sched_ext->state);
	assert_true(a->sched_ext->switch_all == b->sched_ext->switch_all);
	assert_true(a->sched_ext->nr_rejected == b->sched_ext->nr_rejected);
	assert_true(a->sched_ext->hotplug_seq == b->sched_ext->hotplug_seq);
	assert_true(a->sched_ext->enable_seq == b->sched_ext->enable_seq);
}

/* JSON of s as a malloc'd string (the test frees it). */
static char *to_json(const struct ctprof_snapshot *s)
{
	struct strbuf out = STRBUF_INIT, err = STRBUF_INIT;

	if (snapshot_to_json(s, &out, &err))
		fail_msg("snapshot_to_json: %s", err.buf);
	strbuf_release(&err);
	return strbuf_detach(&out, NULL);
}

/* Parse text that must be accepted. */
static void from_json_ok(const char *json, struct ctprof_snapshot *out)
{
	struct strbuf err = STRBUF_INIT;

	if (snapshot_from_json(json, strlen(json), out, &err))
		fail_msg("snapshot_from_json: %s", err.buf);
	strbuf_release(&err);
}

static void assert_one_line(const struct strbuf *err)
{
	assert_true(err->len > 0);
	assert_null(memchr(err->buf, '\n', err->len));
}

/* Parse text that must be refused with exactly want (NULL: any message). */
static void from_json_fails(const char *json, const char *want)
{
	struct ctprof_snapshot s;
	struct strbuf err = STRBUF_INIT;
	int rc = snapshot_from_json(json, strlen(json), &s, &err);

	if (rc >= 0)
		fail_msg("accepted: %s", json);
	assert_one_line(&err);
	if (want && strcmp(err.buf, want))
		fail_msg("for %s\n  got  \"%s\"\n  want \"%s\"", json,
			 err.buf, want);
	/* a failed read leaves nothing behind */
	assert_int_equal(s.nthreads, 0);
	assert_null(s.threads);
	assert_null(s.host);
	strbuf_release(&err);
}

/* ---- JSON: round trip and shape ---- */

static void test_full_round_trip(void **state)
{
	(void)state;
	struct ctprof_snapshot a, b;
	char *j1, *j2;

	build_full(&a);
	j1 = to_json(&a);
	from_json_ok(j1, &b);
	assert_snapshot_equal(&a, &b);
	j2 = to_json(&b);
	assert_string_equal(j1, j2);

	/* a few shapes the golden tests below do not pin */
	assert_non_null(strstr(j1, "\"cpufreq_governor\":{\"0\":\"performance\","
				   "\"2\":\"schedutil\",\"10\":\"powersave\"}"));
	assert_non_null(strstr(j1, "\"sched_tunables\":{\"sched_autogroup_enabled\":"
				   "\"1\",\"sched_rr_timeslice_ms\":\"100\"}"));
	assert_non_null(strstr(j1, "\"cpu_affinity\":[0,2,63,1023]"));
	assert_non_null(strstr(j1, "\"smaps_rollup_kib\":{\"Anonymous\":"
				   "18446744073709551615,\"Pss_Dirty\":7,\"Rss\":1000}"));
	assert_non_null(strstr(j1, "\"state\":\"\\\"\""));
	assert_non_null(strstr(j1, "\"comm\":\"comm-0 \\\"q\\\" \\\\ "
				   "/\\n\\t\\u0001\x7f \xc3\xa9\""));
	assert_non_null(strstr(j1, "\"weight_nice\":-20},"));
	assert_non_null(strstr(j1, "\"low\":18446744073709551615,\"min\":0,"));
	assert_non_null(strstr(j1, "\"hugepages_total\":0,\"hugepages_free\":0,"));
	assert_non_null(strstr(j1, "\"cgroup_stats\":{\"/\":{"));
	assert_non_null(strstr(j1, "},\"/system.slice/a.service\":{\"cpu\":"));

	free(j1);
	free(j2);
	ctprof_snapshot_release(&a);
	ctprof_snapshot_release(&b);
}

static void test_u64_precision(void **state)
{
	(void)state;
	struct ctprof_snapshot a, b;
	struct thread_state t;
	char *j;

	ctprof_snapshot_init(&a);
	a.captured_at_unix_ns = UINT64_MAX;
	assert_int_equal(thread_state_init(&t), 0);
	t.run_time_ns = 9007199254740993ull; /* 2^53 + 1: not a double */
	t.wait_time_ns = UINT64_MAX;
	t.tid = UINT32_MAX;
	t.nice = INT32_MIN;
	t.priority = INT32_MAX;
	assert_int_equal(snapshot_push_thread(&a, &t), 0);
	j = to_json(&a);
	assert_non_null(strstr(j, "{\"captured_at_unix_ns\":"
				  "18446744073709551615,"));
	assert_non_null(strstr(j, "\"run_time_ns\":9007199254740993,"));
	assert_non_null(strstr(j, "\"wait_time_ns\":18446744073709551615,"));
	assert_non_null(strstr(j, "\"tid\":4294967295,"));
	assert_non_null(strstr(j, "\"nice\":-2147483648,"));
	assert_non_null(strstr(j, "\"priority\":2147483647,"));
	from_json_ok(j, &b);
	assert_true(b.captured_at_unix_ns == UINT64_MAX);
	assert_true(b.threads[0].run_time_ns == 9007199254740993ull);
	assert_true(b.threads[0].wait_time_ns == UINT64_MAX);
	assert_int_equal(b.threads[0].tid, UINT32_MAX);
	assert_int_equal(b.threads[0].nice, INT32_MIN);
	assert_int_equal(b.threads[0].priority, INT32_MAX);
	free(j);
	ctprof_snapshot_release(&a);
	ctprof_snapshot_release(&b);

	/* hand-written text, with whitespace serde would also accept */
	from_json_ok(" {\"captured_at_unix_ns\" : 9007199254740993,\n"
		     "\"threads\": [ {\"run_time_ns\": 18446744073709551615,"
		     " \"voluntary_csw\": 9007199254740993} ],"
		     "\"sched_ext\":{\"nr_rejected\":18446744073709551615}}\r\n",
		     &b);
	assert_true(b.captured_at_unix_ns == 9007199254740993ull);
	assert_true(b.threads[0].run_time_ns == UINT64_MAX);
	assert_true(b.threads[0].voluntary_csw == 9007199254740993ull);
	assert_true(b.sched_ext->nr_rejected == UINT64_MAX);
	ctprof_snapshot_release(&b);
}

#define PSI_HALF_ZERO "{\"avg10\":0,\"avg60\":0,\"avg300\":0,\"total_usec\":0}"
#define PSI_RES_ZERO "{\"some\":" PSI_HALF_ZERO ",\"full\":" PSI_HALF_ZERO "}"
#define PSI_ZERO                                                               \
	"{\"cpu\":" PSI_RES_ZERO ",\"memory\":" PSI_RES_ZERO ",\"io\":"        \
	PSI_RES_ZERO ",\"irq\":" PSI_RES_ZERO "}"

/* One default thread: pins the thread key order and every default. */
static void test_golden_minimal(void **state)
{
	(void)state;
	static const char want[] =
		"{\"captured_at_unix_ns\":5,\"host\":null,\"threads\":[{\"tid\":0,\"tgid\":0,"
		"\"pcomm\":\"\",\"comm\":\"\",\"cgroup\":\"\",\"start_time_clock_ticks\":0,"
		"\"policy\":\"\",\"nice\":0,\"cpu_affinity\":[],\"processor\":0,\"state\":\"~\","
		"\"ext_enabled\":false,\"run_time_ns\":0,\"wait_time_ns\":0,"
		"\"timeslices\":0,\"voluntary_csw\":0,\"nonvoluntary_csw\":0,"
		"\"nr_wakeups\":0,\"nr_wakeups_local\":0,\"nr_wakeups_remote\":0,"
		"\"nr_wakeups_sync\":0,\"nr_wakeups_migrate\":0,\"nr_wakeups_affine\":0,"
		"\"nr_wakeups_affine_attempts\":0,\"nr_migrations\":0,"
		"\"nr_forced_migrations\":0,\"nr_failed_migrations_affine\":0,"
		"\"nr_failed_migrations_running\":0,\"nr_failed_migrations_hot\":0,"
		"\"wait_sum\":0,\"wait_count\":0,\"wait_max\":0,\"voluntary_sleep_ns\":0,"
		"\"sleep_max\":0,\"block_sum\":0,\"block_max\":0,\"iowait_sum\":0,"
		"\"iowait_count\":0,\"exec_max\":0,\"slice_max\":0,\"allocated_bytes\":0,"
		"\"deallocated_bytes\":0,\"minflt\":0,\"majflt\":0,\"utime_clock_ticks\":0,"
		"\"stime_clock_ticks\":0,\"priority\":0,\"rt_priority\":0,"
		"\"core_forceidle_sum\":0,\"fair_slice_ns\":0,\"nr_threads\":0,"
		"\"smaps_rollup_kib\":{},\"rchar\":0,\"wchar\":0,\"syscr\":0,\"syscw\":0,"
		"\"read_bytes\":0,\"write_bytes\":0,\"cancelled_write_bytes\":0,"
		"\"cpu_delay_count\":0,\"cpu_delay_total_ns\":0,\"cpu_delay_max_ns\":0,"
		"\"cpu_delay_min_ns\":0,\"blkio_delay_count\":0,"
		"\"blkio_delay_total_ns\":0,\"blkio_delay_max_ns\":0,"
		"\"blkio_delay_min_ns\":0,\"swapin_delay_count\":0,"
		"\"swapin_delay_total_ns\":0,\"swapin_delay_max_ns\":0,"
		"\"swapin_delay_min_ns\":0,\"freepages_delay_count\":0,"
		"\"freepages_delay_total_ns\":0,\"freepages_delay_max_ns\":0,"
		"\"freepages_delay_min_ns\":0,\"thrashing_delay_count\":0,"
		"\"thrashing_delay_total_ns\":0,\"thrashing_delay_max_ns\":0,"
		"\"thrashing_delay_min_ns\":0,\"compact_delay_count\":0,"
		"\"compact_delay_total_ns\":0,\"compact_delay_max_ns\":0,"
		"\"compact_delay_min_ns\":0,\"wpcopy_delay_count\":0,"
		"\"wpcopy_delay_total_ns\":0,\"wpcopy_delay_max_ns\":0,"
		"\"wpcopy_delay_min_ns\":0,\"irq_delay_count\":0,"
		"\"irq_delay_total_ns\":0,\"irq_delay_max_ns\":0,\"irq_delay_min_ns\":0,"
		"\"hiwater_rss_bytes\":0,\"hiwater_vm_bytes\":0,"
		"\"taskstats_measured\":false,\"cpu_delay_active\":false,"
		"\"delay_block_active\":false,\"xacct_active\":false,"
		"\"jemalloc_measured\":false}],\"cgroup_stats\":{},"
		"\"probe_summary\":null,\"parse_summary\":null,"
		"\"taskstats_summary\":null,\"psi\":" PSI_ZERO ","
		"\"sched_ext\":null}";
	struct ctprof_snapshot s, b;
	struct thread_state t;
	char *j;

	ctprof_snapshot_init(&s);
	s.captured_at_unix_ns = 5;
	assert_int_equal(thread_state_init(&t), 0);
	assert_int_equal(snapshot_push_thread(&s, &t), 0);
	j = to_json(&s);
	assert_string_equal(j, want);
	free(j);

	/* and the text reads back to the same thing */
	from_json_ok(want, &b);
	j = to_json(&b);
	assert_string_equal(j, want);
	free(j);
	ctprof_snapshot_release(&s);
	ctprof_snapshot_release(&b);
}

/* Empty host, summaries at zero, one default cgroup: pins the other shapes. */
static void test_golden_sections(void **state)
{
	(void)state;
	static const char want[] =
		"{\"captured_at_unix_ns\":0,\"host\":{},\"threads\":[],"
		"\"cgroup_stats\":{\"/\":{\"cpu\":{\"usage_usec\":0,"
		"\"nr_throttled\":0,\"throttled_usec\":0,\"max_quota_us\":null,"
		"\"max_period_us\":100000,\"weight\":null,\"weight_nice\":null},"
		"\"memory\":{\"current\":0,\"max\":null,\"high\":null,\"low\":null,"
		"\"min\":null,\"stat\":{},\"events\":{}},"
		"\"pids\":{\"current\":null,\"max\":null},\"psi\":" PSI_ZERO "}},"
		"\"probe_summary\":{\"tgids_walked\":0,\"jemalloc_detected\":0,"
		"\"probed_ok\":0,\"failed\":0,\"dominant_failure\":null,"
		"\"privilege_dominant\":false},"
		"\"parse_summary\":{\"tids_walked\":0,\"read_failures\":0,"
		"\"read_failures_by_file\":{},\"dominant_read_failure\":null,"
		"\"kernel_config_dominant\":false,\"negative_dotted_values\":0},"
		"\"taskstats_summary\":{\"ok_count\":0,\"eperm_count\":0,"
		"\"esrch_count\":0,\"other_err_count\":0},"
		"\"psi\":" PSI_ZERO ","
		"\"sched_ext\":{\"state\":\"disabled\",\"switch_all\":0,"
		"\"nr_rejected\":0,\"hotplug_seq\":0,\"enable_seq\":0}}";
	struct ctprof_snapshot s;
	char *j;

	ctprof_snapshot_init(&s);
	assert_non_null(snapshot_add_cgroup(&s, "/"));
	s.host = calloc(1, sizeof(*s.host));
	s.probe_summary = calloc(1, sizeof(*s.probe_summary));
	s.parse_summary = calloc(1, sizeof(*s.parse_summary));
	s.taskstats_summary = calloc(1, sizeof(*s.taskstats_summary));
	s.sched_ext = calloc(1, sizeof(*s.sched_ext));
	assert_non_null(s.sched_ext);
	s.sched_ext->state = xstrdup("disabled");
	j = to_json(&s);
	assert_string_equal(j, want);
	free(j);
	ctprof_snapshot_release(&s);
}

/* HostContext members are skipped when None; sched_tunables when unset. */
static void test_host_omits_absent(void **state)
{
	(void)state;
	struct ctprof_snapshot s, b;
	char *j;

	ctprof_snapshot_init(&s);
	s.host = calloc(1, sizeof(*s.host));
	assert_non_null(s.host);
	s.host->kernel_name = xstrdup("Linux");
	s.host->hugepages_free = (struct opt_u64){ true, 0 };
	j = to_json(&s);
	assert_non_null(strstr(j, ",\"host\":{\"hugepages_free\":0,"
				  "\"kernel_name\":\"Linux\"},\"threads\""));
	free(j);

	/* present but empty tunables are written; an empty governor map is not */
	s.host->has_sched_tunables = true;
	j = to_json(&s);
	assert_non_null(strstr(j, ",\"host\":{\"hugepages_free\":0,"
				  "\"sched_tunables\":{},"
				  "\"kernel_name\":\"Linux\"},\"threads\""));
	from_json_ok(j, &b);
	assert_true(b.host->has_sched_tunables);
	assert_int_equal(b.host->sched_tunables.len, 0);
	assert_true(b.host->hugepages_free.present);
	assert_false(b.host->hugepages_total.present);
	assert_null(b.host->cpu_model);
	assert_string_equal(b.host->kernel_name, "Linux");
	free(j);
	ctprof_snapshot_release(&s);
	ctprof_snapshot_release(&b);
}

static void test_missing_keys_take_defaults(void **state)
{
	(void)state;
	struct ctprof_snapshot s;

	from_json_ok("{\"threads\":[{\"tid\":7}]}", &s);
	assert_int_equal(s.nthreads, 1);
	const struct thread_state *t = &s.threads[0];
	assert_int_equal(t->tid, 7);
	assert_int_equal(t->state, '~');
	assert_string_equal(t->comm, "");
	assert_string_equal(t->pcomm, "");
	assert_string_equal(t->cgroup, "");
	assert_string_equal(t->policy, "");
	assert_int_equal(t->tgid, 0);
	assert_int_equal(t->nice, 0);
	assert_true(t->run_time_ns == 0);
	assert_false(t->ext_enabled);
	assert_int_equal(t->cpu_affinity.len, 0);
	assert_int_equal(t->smaps_rollup_kib.len, 0);
	assert_null(s.host);
	assert_null(s.probe_summary);
	assert_null(s.sched_ext);
	assert_int_equal(s.ncgroups, 0);
	assert_true(s.captured_at_unix_ns == 0);
	ctprof_snapshot_release(&s);

	from_json_ok("{}", &s);
	assert_int_equal(s.nthreads, 0);
	ctprof_snapshot_release(&s);

	from_json_ok("{\"cgroup_stats\":{\"/a\":{\"cpu\":{}}},\"sched_ext\":{},"
		     "\"host\":{},\"parse_summary\":{},\"probe_summary\":null}",
		     &s);
	assert_int_equal(s.ncgroups, 1);
	assert_string_equal(s.cgroups[0].path, "/a");
	assert_true(s.cgroups[0].cpu.max_period_us == 100000);
	assert_false(s.cgroups[0].cpu.weight.present);
	assert_string_equal(s.sched_ext->state, "");
	assert_non_null(s.host);
	assert_false(s.host->has_sched_tunables);
	assert_null(s.parse_summary->dominant_read_failure);
	assert_null(s.probe_summary);
	ctprof_snapshot_release(&s);
}

/* Numbers inside ignored values must not shift the numbers that follow. */
static void test_unknown_keys_ignored(void **state)
{
	(void)state;
	struct ctprof_snapshot s;

	from_json_ok("{\"version\":-1.5e3,\"x\":[1,2,{\"y\":[3,-4.25]}],"
		     "\"host\":{\"heap_state\":{\"allocated_bytes\":12,"
		     "\"narenas\":4},\"online_cpus\":8,\"future\":\"1,2\"},"
		     "\"threads\":[{\"new_field\":99,\"tid\":3,\"odd\\\"key\":"
		     "\"5\",\"tgid\":4,\"nested\":{\"a\":[0.5]},"
		     "\"state\":\"R\"}],\"captured_at_unix_ns\":42,"
		     "\"cgroup_stats\":{\"/b\":{\"io\":{\"rbytes\":1},"
		     "\"pids\":{\"current\":6}}}}",
		     &s);
	assert_true(s.captured_at_unix_ns == 42);
	assert_true(s.host->online_cpus.present);
	assert_true(s.host->online_cpus.value == 8);
	assert_int_equal(s.threads[0].tid, 3);
	assert_int_equal(s.threads[0].tgid, 4);
	assert_int_equal(s.threads[0].state, 'R');
	assert_true(s.cgroups[0].pids.current.value == 6);
	ctprof_snapshot_release(&s);
}

static void test_maps_read_back_sorted(void **state)
{
	(void)state;
	struct ctprof_snapshot s;
	char *j;

	from_json_ok("{\"threads\":[{\"cpu_affinity\":[3,1,3,2],"
		     "\"smaps_rollup_kib\":{\"Rss\":1,\"Anonymous\":2,\"Rss\":3}}],"
		     "\"cgroup_stats\":{\"/z\":{},\"/a\":{\"cpu\":{\"usage_usec\":1}},"
		     "\"/a\":{\"cpu\":{\"usage_usec\":2}}},"
		     "\"host\":{\"cpufreq_governor\":{\"10\":\"c\",\"2\":\"b\","
		     "\"0\":\"a\"}}}",
		     &s);
	const struct thread_state *t = &s.threads[0];
	assert_int_equal(t->cpu_affinity.len, 3);
	assert_int_equal(t->cpu_affinity.cpus[0], 1);
	assert_int_equal(t->cpu_affinity.cpus[2], 3);
	assert_int_equal(t->smaps_rollup_kib.len, 2);
	assert_string_equal(t->smaps_rollup_kib.items[0].key, "Anonymous");
	/* duplicate map keys: the last one wins, as in serde's BTreeMap */
	assert_true(t->smaps_rollup_kib.items[1].value == 3);
	assert_int_equal(s.ncgroups, 2);
	assert_string_equal(s.cgroups[0].path, "/a");
	assert_true(s.cgroups[0].cpu.usage_usec == 2);
	assert_string_equal(s.cgroups[1].path, "/z");
	j = to_json(&s);
	assert_non_null(strstr(j, "\"cpufreq_governor\":{\"0\":\"a\",\"2\":\"b\","
				  "\"10\":\"c\"}"));
	assert_non_null(strstr(j, "\"cpu_affinity\":[1,2,3]"));
	free(j);
	ctprof_snapshot_release(&s);
}

static void test_wrong_types_rejected(void **state)
{
	(void)state;
	static const struct {
		const char *json;
		const char *err;
	} cases[] = {
		{ "{\"threads\":[{\"run_time_ns\":\"5\"}]}",
		  "threads[0].run_time_ns: expected unsigned integer" },
		{ "{\"threads\":[{},{\"run_time_ns\":-1}]}",
		  "threads[1].run_time_ns: expected unsigned integer" },
		{ "{\"threads\":[{\"run_time_ns\":1.5}]}",
		  "threads[0].run_time_ns: expected unsigned integer" },
		{ "{\"threads\":[{\"run_time_ns\":1e3}]}",
		  "threads[0].run_time_ns: expected unsigned integer" },
		{ "{\"threads\":[{\"run_time_ns\":18446744073709551616}]}",
		  "threads[0].run_time_ns: integer out of range" },
		{ "{\"threads\":[{\"tid\":4294967296}]}",
		  "threads[0].tid: integer out of range" },
		{ "{\"threads\":[{\"nice\":2147483648}]}",
		  "threads[0].nice: integer out of range" },
		{ "{\"threads\":[{\"nice\":\"x\"}]}",
		  "threads[0].nice: expected integer" },
		{ "{\"threads\":[{\"state\":\"RS\"}]}",
		  "threads[0].state: expected a one-character string" },
		{ "{\"threads\":[{\"state\":\"\"}]}",
		  "threads[0].state: expected a one-character string" },
		{ "{\"threads\":[{\"ext_enabled\":1}]}",
		  "threads[0].ext_enabled: expected boolean" },
		{ "{\"threads\":[{\"comm\":null}]}",
		  "threads[0].comm: expected string" },
		{ "{\"threads\":[{\"cpu_affinity\":[1,-2]}]}",
		  "threads[0].cpu_affinity[1]: expected unsigned integer" },
		{ "{\"threads\":[{\"smaps_rollup_kib\":{\"Rss\":true}}]}",
		  "threads[0].smaps_rollup_kib[Rss]: expected unsigned integer" },
		{ "{\"threads\":[{\"smaps_rollup_kib\":[]}]}",
		  "threads[0].smaps_rollup_kib: expected object" },
		{ "{\"threads\":[{\"tid\":1,\"tid\":2}]}",
		  "threads[0].tid: duplicate key" },
		{ "{\"threads\":[7]}", "threads[0]: expected object" },
		{ "{\"threads\":{}}", "threads: expected array" },
		{ "{\"threads\":null}", "threads: expected array" },
		{ "[1,2]", "top level: expected object" },
		{ "\"x\"", "top level: expected object" },
		{ "{\"captured_at_unix_ns\":true}",
		  "captured_at_unix_ns: expected unsigned integer" },
		{ "{\"host\":[]}", "host: expected object or null" },
		{ "{\"host\":{\"cpu_model\":5}}",
		  "host.cpu_model: expected string" },
		{ "{\"host\":{\"cpufreq_governor\":{\"01\":\"x\"}}}",
		  "host.cpufreq_governor[01]: expected a CPU number key" },
		{ "{\"host\":{\"cpufreq_governor\":null}}",
		  "host.cpufreq_governor: expected object" },
		{ "{\"host\":{\"sched_tunables\":{\"a\":1}}}",
		  "host.sched_tunables[a]: expected string" },
		{ "{\"cgroup_stats\":[]}", "cgroup_stats: expected object" },
		{ "{\"cgroup_stats\":{\"/a\":{\"cpu\":{\"weight_nice\":1.0}}}}",
		  "cgroup_stats[/a].cpu.weight_nice: expected integer" },
		{ "{\"cgroup_stats\":{\"/a\":{\"psi\":{\"io\":{\"full\":"
		  "{\"avg10\":65536}}}}}}",
		  "cgroup_stats[/a].psi.io.full.avg10: integer out of range" },
		{ "{\"psi\":{\"cpu\":5}}", "psi.cpu: expected object" },
		{ "{\"sched_ext\":{\"state\":null}}",
		  "sched_ext.state: expected string" },
		{ "{\"parse_summary\":{\"kernel_config_dominant\":\"true\"}}",
		  "parse_summary.kernel_config_dominant: expected boolean" },
		{ "{\"probe_summary\":{},\"probe_summary\":null}",
		  "probe_summary: duplicate key" },
		/* key paths never carry a control byte into the one-line message */
		{ "{\"cgroup_stats\":{\"/a\\nb\":{\"cpu\":1}}}",
		  "cgroup_stats[/a?b].cpu: expected object" },
		/* text that is not JSON at all */
		{ "", "empty JSON text" },
		{ "{\"a\":", "invalid JSON at byte 4" },
		{ "{\"a\":01}", "invalid JSON number at byte 5" },
		{ "{\"a\":1.}", "invalid JSON number at byte 5" },
		{ "{\"a\":-}", "invalid JSON number at byte 5" },
		{ "{} x", "trailing characters at byte 3" },
		{ "{}{}", "trailing characters at byte 2" },
		{ "{\"a\":nul}", NULL },
		{ "{\"a\":\"\\x\"}", NULL },
	};

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++)
		from_json_fails(cases[i].json, cases[i].err);
}

/* Deterministic xorshift so failures reproduce. */
static uint64_t next_rand(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

/* Parse an exact-size heap copy (no terminator) so ASan sees any over-read. */
static void parse_unterminated(const char *text, size_t len)
{
	char *copy = malloc(len ? len : 1);
	struct ctprof_snapshot s;
	struct strbuf err = STRBUF_INIT;

	assert_non_null(copy);
	memcpy(copy, text, len);
	if (snapshot_from_json(copy, len, &s, &err))
		assert_one_line(&err);
	else
		ctprof_snapshot_release(&s);
	strbuf_release(&err);
	free(copy);
}

static void test_fuzz_never_crashes(void **state)
{
	(void)state;
	static const char alphabet[] = "{}[]\":,-0123456789.eE+ tfnul\\x/";
	struct ctprof_snapshot full;
	uint64_t seed = 0x9e3779b97f4a7c15ull;
	char *j;
	size_t len;

	build_full(&full);
	j = to_json(&full);
	len = strlen(j);
	for (int iter = 0; iter < 1500; iter++) {
		char *m = malloc(len);
		size_t n = len;

		assert_non_null(m);
		memcpy(m, j, len);
		for (int k = 1 + (int)(next_rand(&seed) % 4); k > 0; k--)
			m[next_rand(&seed) % len] =
				alphabet[next_rand(&seed) % (sizeof(alphabet) - 1)];
		if (iter % 3 == 0)
			n = next_rand(&seed) % len;
		parse_unterminated(m, n);
		free(m);
	}
	free(j);
	ctprof_snapshot_release(&full);
}

static char *repeat(const char *head, const char *unit, size_t n,
		    const char *tail)
{
	size_t hl = strlen(head), ul = strlen(unit), tl = strlen(tail);
	char *s = malloc(hl + ul * n + tl + 1), *p = s;

	assert_non_null(s);
	memcpy(p, head, hl);
	p += hl;
	for (size_t i = 0; i < n; i++, p += ul)
		memcpy(p, unit, ul);
	memcpy(p, tail, tl + 1);
	return s;
}

static void test_hostile_sizes(void **state)
{
	(void)state;
	struct ctprof_snapshot s;
	char *t;

	/* nesting far past cJSON's limit */
	t = repeat("", "[", 200000, "");
	from_json_fails(t, NULL);
	free(t);
	t = repeat("{\"threads\":[{\"x\":", "{\"a\":", 5000, "");
	from_json_fails(t, NULL);
	free(t);

	/* a big ignored array is fine... */
	t = repeat("{\"ignored\":[", "12345,", 200000, "0],\"threads\":[]}");
	from_json_ok(t, &s);
	ctprof_snapshot_release(&s);
	free(t);

	/* ...a value count past the budget is refused before parsing */
	t = repeat("[", "0,", 17u << 20, "0]");
	from_json_fails(t, "too many JSON values (more than 16777216)");
	free(t);

	/* many threads, unsorted big map */
	t = repeat("{\"threads\":[", "{\"tid\":1},", 20000, "{}]}");
	from_json_ok(t, &s);
	assert_int_equal(s.nthreads, 20001);
	ctprof_snapshot_release(&s);
	free(t);
}

/* ---- the zstd file layer ---- */

struct tmpdir {
	char path[64];
};

static void tmpdir_make(struct tmpdir *d)
{
	snprintf(d->path, sizeof(d->path), "/tmp/ctprof-json-XXXXXX");
	assert_non_null(mkdtemp(d->path));
}

static char *tmpdir_file(const struct tmpdir *d, const char *name)
{
	char *p;
	assert_true(asprintf(&p, "%s/%s", d->path, name) > 0);
	return p;
}

static void write_bytes(const char *path, const void *data, size_t len)
{
	FILE *f = fopen(path, "wb");

	assert_non_null(f);
	assert_int_equal(fwrite(data, 1, len, f), len);
	assert_int_equal(fclose(f), 0);
}

static void write_zstd_of(const char *path, const char *text)
{
	size_t bound = ZSTD_compressBound(strlen(text));
	char *z = malloc(bound);
	size_t n;

	assert_non_null(z);
	n = ZSTD_compress(z, bound, text, strlen(text), 3);
	assert_false(ZSTD_isError(n));
	write_bytes(path, z, n);
	free(z);
}

/* Read path, expecting failure with a one-line message; returns rc. */
static int read_fails(const char *path, struct strbuf *err)
{
	struct ctprof_snapshot s;
	int rc;

	strbuf_reset(err);
	rc = snapshot_read_file(path, &s, err);
	if (rc >= 0)
		fail_msg("%s was accepted", path);
	assert_one_line(err);
	assert_int_equal(s.nthreads, 0);
	return rc;
}

static void test_file_round_trip(void **state)
{
	(void)state;
	struct ctprof_snapshot a, b;
	struct strbuf err = STRBUF_INIT, z = STRBUF_INIT;
	struct tmpdir d;
	char *path, *tmp, *j1, *j2, *json;
	size_t json_len;

	build_full(&a);
	tmpdir_make(&d);
	path = tmpdir_file(&d, "snap.ctprof.zst");
	tmp = tmpdir_file(&d, "snap.ctprof.zst.tmp");
	if (snapshot_write_file(&a, path, &err))
		fail_msg("write: %s", err.buf);
	assert_int_equal(access(tmp, F_OK), -1);
	if (snapshot_read_file(path, &b, &err))
		fail_msg("read: %s", err.buf);
	assert_snapshot_equal(&a, &b);
	j1 = to_json(&a);
	j2 = to_json(&b);
	assert_string_equal(j1, j2);

	/* overwrite in place; the encoded buffer is the same bytes as the file */
	assert_int_equal(snapshot_write_file(&b, path, &err), 0);
	assert_int_equal(snapshot_encode(&a, &z, &err), 0);
	OK(snapshot_decompress(z.buf, z.len, &json, &json_len, &err));
	assert_int_equal(json_len, strlen(j1));
	assert_string_equal(json, j1);
	free(json);
	ctprof_snapshot_release(&b);
	assert_int_equal(snapshot_decode(z.buf, z.len, &b, &err), 0);
	assert_snapshot_equal(&a, &b);

	/* unwritable destination: an error, no stray temporary */
	free(tmp);
	tmp = tmpdir_file(&d, "missing/dir/x.zst");
	assert_true(snapshot_write_file(&a, tmp, &err) < 0);
	assert_one_line(&err);

	unlink(path);
	rmdir(d.path);
	free(path);
	free(tmp);
	free(j1);
	free(j2);
	strbuf_release(&z);
	strbuf_release(&err);
	ctprof_snapshot_release(&a);
	ctprof_snapshot_release(&b);
}

/* Stream zeros into one zstd frame; pledge the size or leave it unknown. */
static void write_zeros_frame(const char *path, size_t total, bool pledge)
{
	ZSTD_CCtx *cctx = ZSTD_createCCtx();
	size_t chunk = 1u << 20, zcap = ZSTD_compressBound(chunk) + 4096;
	char *zeros = calloc(1, chunk), *z = malloc(zcap);
	FILE *f = fopen(path, "wb");

	assert_non_null(cctx);
	assert_non_null(zeros);
	assert_non_null(z);
	assert_non_null(f);
	assert_false(ZSTD_isError(
		ZSTD_CCtx_setParameter(cctx, ZSTD_c_compressionLevel, 3)));
	if (pledge)
		assert_false(ZSTD_isError(
			ZSTD_CCtx_setPledgedSrcSize(cctx, total)));
	for (size_t done = 0; done < total; done += chunk) {
		bool last = done + chunk >= total;
		ZSTD_inBuffer in = { zeros, chunk, 0 };
		size_t left;

		do {
			ZSTD_outBuffer out = { z, zcap, 0 };
			left = ZSTD_compressStream2(
				cctx, &out, &in,
				last ? ZSTD_e_end : ZSTD_e_continue);
			assert_false(ZSTD_isError(left));
			assert_int_equal(fwrite(z, 1, out.pos, f), out.pos);
		} while (last ? left != 0 : in.pos < in.size);
	}
	assert_int_equal(fclose(f), 0);
	ZSTD_freeCCtx(cctx);
	free(zeros);
	free(z);
}

static void test_file_corrupt(void **state)
{
	(void)state;
	struct ctprof_snapshot a;
	struct strbuf err = STRBUF_INIT, z = STRBUF_INIT;
	struct tmpdir d;
	char *path, noise[4096];
	uint64_t seed = 12345;

	tmpdir_make(&d);
	path = tmpdir_file(&d, "bad.zst");

	read_fails(path, &err); /* missing */
	assert_non_null(strstr(err.buf, "No such file"));

	write_bytes(path, "", 0);
	read_fails(path, &err);
	assert_string_equal(err.buf, "empty file");

	for (size_t i = 0; i < sizeof(noise); i++)
		noise[i] = (char)next_rand(&seed);
	noise[0] = 'x';
	write_bytes(path, noise, sizeof(noise));
	read_fails(path, &err);
	assert_string_equal(err.buf, "not zstd-compressed data");

	/* a zstd magic followed by garbage */
	memcpy(noise, "\x28\xb5\x2f\xfd", 4);
	write_bytes(path, noise, sizeof(noise));
	read_fails(path, &err);
	assert_non_null(strstr(err.buf, "corrupt zstd data: "));

	/* the first half of a valid file */
	build_full(&a);
	assert_int_equal(snapshot_encode(&a, &z, &err), 0);
	write_bytes(path, z.buf, z.len / 2);
	read_fails(path, &err);
	assert_string_equal(err.buf, "truncated zstd data");
	/* and a valid frame followed by half of another */
	assert_int_equal(strbuf_add(&z, z.buf, z.len / 2), 0);
	write_bytes(path, z.buf, z.len);
	read_fails(path, &err);
	assert_string_equal(err.buf, "truncated zstd data");

	write_zstd_of(path, "not json");
	read_fails(path, &err);
	assert_string_equal(err.buf, "invalid JSON at byte 0");

	write_zstd_of(path, "");
	read_fails(path, &err);
	assert_string_equal(err.buf, "empty JSON text");

	write_zstd_of(path, "[1,2]");
	read_fails(path, &err);
	assert_string_equal(err.buf, "top level: expected object");

	write_zstd_of(path, "{\"threads\":5}");
	read_fails(path, &err);
	assert_string_equal(err.buf, "threads: expected array");

	/* 257 MiB of zeros: a few KiB on disk, refused while inflating */
	write_zeros_frame(path, 257u << 20, false);
	assert_int_equal(read_fails(path, &err), -EFBIG);
	assert_string_equal(err.buf, "decompressed size exceeds 256 MiB");
	/* the same with the size declared up front: refused without inflating */
	write_zeros_frame(path, 257u << 20, true);
	assert_int_equal(read_fails(path, &err), -EFBIG);
	assert_string_equal(err.buf, "decompressed size exceeds 256 MiB");

	/* a directory is not a snapshot */
	read_fails(d.path, &err);
	assert_string_equal(err.buf, "not a regular file");

	unlink(path);
	rmdir(d.path);
	free(path);
	strbuf_release(&z);
	strbuf_release(&err);
	ctprof_snapshot_release(&a);
}

/* Frames may be concatenated (zstd streams are); the JSON spans them. */
static void test_decode_concatenated_frames(void **state)
{
	(void)state;
	const char *parts[] = { "{\"captured_at_unix_ns\":", "77}" };
	struct strbuf z = STRBUF_INIT, err = STRBUF_INIT;
	struct ctprof_snapshot s;

	for (size_t i = 0; i < 2; i++) {
		size_t bound = ZSTD_compressBound(strlen(parts[i]));
		assert_int_equal(strbuf_grow(&z, bound), 0);
		size_t n = ZSTD_compress(z.buf + z.len, bound, parts[i],
					 strlen(parts[i]), 3);
		assert_false(ZSTD_isError(n));
		z.len += n;
		z.buf[z.len] = '\0';
	}
	if (snapshot_decode(z.buf, z.len, &s, &err))
		fail_msg("decode: %s", err.buf);
	assert_true(s.captured_at_unix_ns == 77);
	ctprof_snapshot_release(&s);

	assert_true(snapshot_decode("", 0, &s, &err) < 0);
	assert_string_equal(err.buf, "empty input");
	strbuf_release(&z);
	strbuf_release(&err);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_full_round_trip),
		cmocka_unit_test(test_u64_precision),
		cmocka_unit_test(test_golden_minimal),
		cmocka_unit_test(test_golden_sections),
		cmocka_unit_test(test_host_omits_absent),
		cmocka_unit_test(test_missing_keys_take_defaults),
		cmocka_unit_test(test_unknown_keys_ignored),
		cmocka_unit_test(test_maps_read_back_sorted),
		cmocka_unit_test(test_wrong_types_rejected),
		cmocka_unit_test(test_fuzz_never_crashes),
		cmocka_unit_test(test_hostile_sizes),
		cmocka_unit_test(test_file_round_trip),
		cmocka_unit_test(test_file_corrupt),
		cmocka_unit_test(test_decode_concatenated_frames),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
