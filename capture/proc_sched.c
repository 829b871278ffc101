/*
 * proc_sched.c - /proc/<tid>/sched. Keys are matched by the text after
 * their LAST '.', so the kernel's spellings across versions
 * (se.statistics.wait_sum, stats.wait_sum, wait_sum) land on one field.
 * Schedstat times are PN_SCHEDSTAT "ms.ns-remainder"
 * (parse_dotted_ns_span); a negative one is a kernel accounting glitch: the
 * field stays 0 and is counted so the parse summary can report it. The text
 * is only read, as spans: no strlen or copy per key or value.
 */
#include <stddef.h>
#include <string.h>

#include "parse_util.h"
#include "proc_task.h"

enum sched_value_format {
	SCHED_PLAIN,
	SCHED_DOTTED,
};

/* The parse state of one file: the two sums voluntary sleep needs. */
struct sched_values {
	struct thread_state *t;
	bool has_sleep_sum, has_block_sum;
	uint64_t sleep_sum;
};

#define SCHED_KEY(key, field, fmt) \
	{ key, sizeof(key) - 1, offsetof(struct thread_state, field), fmt }
#define SCHED_SLEEP_SUM ((size_t)-1)

/*
 * Sorted by length, then bytes (sched_key_cmp): looked up by binary search,
 * ~25 lines x ~25 keys per thread, where most lines are rejected on length
 * alone without touching their bytes.
 */
static const struct sched_key {
	const char *key;
	size_t len;
	size_t offset; /* in struct thread_state, or SCHED_SLEEP_SUM */
	enum sched_value_format format;
} sched_keys[] = {
	SCHED_KEY("slice", fair_slice_ns, SCHED_PLAIN),
	SCHED_KEY("exec_max", exec_max, SCHED_DOTTED),
	SCHED_KEY("wait_max", wait_max, SCHED_DOTTED),
	SCHED_KEY("wait_sum", wait_sum, SCHED_DOTTED),
	SCHED_KEY("block_max", block_max, SCHED_DOTTED),
	SCHED_KEY("sleep_max", sleep_max, SCHED_DOTTED),
	SCHED_KEY("slice_max", slice_max, SCHED_DOTTED),
	SCHED_KEY("iowait_sum", iowait_sum, SCHED_DOTTED),
	SCHED_KEY("nr_wakeups", nr_wakeups, SCHED_PLAIN),
	SCHED_KEY("wait_count", wait_count, SCHED_PLAIN),
	SCHED_KEY("iowait_count", iowait_count, SCHED_PLAIN),
	SCHED_KEY("nr_migrations", nr_migrations, SCHED_PLAIN),
	SCHED_KEY("nr_wakeups_sync", nr_wakeups_sync, SCHED_PLAIN),
	SCHED_KEY("nr_wakeups_local", nr_wakeups_local, SCHED_PLAIN),
	SCHED_KEY("nr_wakeups_affine", nr_wakeups_affine, SCHED_PLAIN),
	SCHED_KEY("nr_wakeups_remote", nr_wakeups_remote, SCHED_PLAIN),
	SCHED_KEY("sum_block_runtime", block_sum, SCHED_DOTTED),
	{ "sum_sleep_runtime", sizeof("sum_sleep_runtime") - 1, SCHED_SLEEP_SUM,
	  SCHED_DOTTED },
	SCHED_KEY("core_forceidle_sum", core_forceidle_sum, SCHED_DOTTED),
	SCHED_KEY("nr_wakeups_migrate", nr_wakeups_migrate, SCHED_PLAIN),
	SCHED_KEY("nr_forced_migrations", nr_forced_migrations, SCHED_PLAIN),
	SCHED_KEY("nr_failed_migrations_hot", nr_failed_migrations_hot,
		  SCHED_PLAIN),
	SCHED_KEY("nr_wakeups_affine_attempts", nr_wakeups_affine_attempts,
		  SCHED_PLAIN),
	SCHED_KEY("nr_failed_migrations_affine", nr_failed_migrations_affine,
		  SCHED_PLAIN),
	SCHED_KEY("nr_failed_migrations_running", nr_failed_migrations_running,
		  SCHED_PLAIN),
};
#define SCHED_NKEYS (sizeof(sched_keys) / sizeof(sched_keys[0]))

/*
 * The table's order: length first, then bytes. The first byte is compared
 * here, as most keys of equal length differ there, without a memcmp call.
 */
static int sched_key_cmp(struct text_span key, const struct sched_key *k)
{
	if (key.len != k->len)
		return key.len < k->len ? -1 : 1;
	int c = (unsigned char)key.p[0] - (unsigned char)k->key[0];
	return c ? c : memcmp(key.p + 1, k->key + 1, key.len - 1);
}

static const struct sched_key *sched_key_find(struct text_span key)
{
	size_t lo = 0, hi = SCHED_NKEYS;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = sched_key_cmp(key, &sched_keys[mid]);
		if (!c)
			return &sched_keys[mid];
		if (c < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return NULL;
}

/* Parse one value; returns 1 if it was a negative dotted value. */
static unsigned sched_store(struct sched_values *sv, const struct sched_key *k,
			    struct text_span value)
{
	uint64_t v;
	bool ok;
	if (k->format == SCHED_PLAIN) {
		ok = parse_u64_span(value, &v);
	} else {
		enum dotted_result r = parse_dotted_ns_span(value, &v);
		if (r == DOTTED_NEGATIVE)
			return 1;
		ok = r == DOTTED_OK;
	}
	if (!ok)
		return 0;
	if (k->offset == SCHED_SLEEP_SUM) {
		sv->sleep_sum = v;
		sv->has_sleep_sum = true;
		return 0;
	}
	if (k->offset == offsetof(struct thread_state, block_sum))
		sv->has_block_sum = true;
	*(uint64_t *)((char *)sv->t + k->offset) = v;
	return 0;
}

static unsigned sched_line(struct sched_values *sv, struct text_span key,
			   struct text_span value)
{
	if (span_eq(key, "ext.enabled", sizeof("ext.enabled") - 1)) {
		uint64_t v;
		if (parse_u64_span(value, &v))
			sv->t->ext_enabled = v != 0;
		return 0;
	}
	const char *dot = memrchr(key.p, '.', key.len);
	if (dot) {
		key.len -= (size_t)(dot + 1 - key.p);
		key.p = dot + 1;
	}
	const struct sched_key *k = sched_key_find(key);
	return k ? sched_store(sv, k, value) : 0;
}

unsigned proc_parse_sched(char *text, struct thread_state *t)
{
	struct sched_values sv = { .t = t };
	unsigned negatives = 0;
	struct text_span rest = span_of(text), line, key, value;
	while (span_next_line(&rest, &line))
		if (span_split(line, ':', &key, &value))
			negatives += sched_line(&sv, key, value);
	/* Voluntary sleep excludes blocked time; only when both halves parsed. */
	if (sv.has_sleep_sum && sv.has_block_sum)
		t->voluntary_sleep_ns = sv.sleep_sum > t->block_sum ?
						sv.sleep_sum - t->block_sum : 0;
	return negatives;
}
