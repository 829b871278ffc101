/*
 * test_taskstats.c - the taskstats reply parser and payload decoder on
 * canned bytes: a golden vector with a distinct value in every field for
 * versions 16 and 17 and for the version-15 layout, truncated payloads,
 * kernel errors, malformed replies, the summary classification and the
 * copy into a thread. Offsets are ktstr-facts 4 (v16) and the version-15
 * header removed by upstream commit 0bf2d838de1f.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "taskstats.h"

#define FAMILY_ID 0x1c
#define TID 4242u

/* Netlink and TASKSTATS constants, spelled out: the canned bytes are ours. */
#define NLMSG_ERROR_TYPE 2
#define CMD_NEW 2
#define TYPE_PID 1
#define TYPE_AGGR_TGID 5
#define TYPE_STATS 3
#define TYPE_AGGR_PID 4
#define TYPE_NULL 6
#define NESTED_BIT 0x8000

/* One field of DelayStats: its offset in each layout and its golden value. */
struct golden {
	const char *name;
	uint16_t v16, v15;
	uint64_t value;
};

static const struct golden golden[] = {
	{ "cpu_count", 16, 16, 1001 },
	{ "cpu_delay_total", 24, 24, 1002 },
	{ "cpu_delay_max", 432, 32, 1003 },
	{ "cpu_delay_min", 440, 40, 1004 },
	{ "blkio_count", 32, 48, 2001 },
	{ "blkio_delay_total", 40, 56, 2002 },
	{ "blkio_delay_max", 448, 64, 2003 },
	{ "blkio_delay_min", 456, 72, 2004 },
	{ "swapin_count", 48, 80, 3001 },
	{ "swapin_delay_total", 56, 88, 3002 },
	{ "swapin_delay_max", 464, 96, 3003 },
	{ "swapin_delay_min", 472, 104, 3004 },
	{ "freepages_count", 312, 360, 4001 },
	{ "freepages_delay_total", 320, 368, 4002 },
	{ "freepages_delay_max", 480, 376, 4003 },
	{ "freepages_delay_min", 488, 384, 4004 },
	{ "thrashing_count", 328, 392, 5001 },
	{ "thrashing_delay_total", 336, 400, 5002 },
	{ "thrashing_delay_max", 496, 408, 5003 },
	{ "thrashing_delay_min", 504, 416, 5004 },
	{ "compact_count", 352, 432, 6001 },
	{ "compact_delay_total", 360, 440, 6002 },
	{ "compact_delay_max", 512, 448, 6003 },
	{ "compact_delay_min", 520, 456, 6004 },
	{ "wpcopy_count", 400, 496, 7001 },
	{ "wpcopy_delay_total", 408, 504, 7002 },
	{ "wpcopy_delay_max", 528, 512, 7003 },
	{ "wpcopy_delay_min", 536, 520, 7004 },
	{ "irq_count", 416, 528, 8001 },
	{ "irq_delay_total", 424, 536, 8002 },
	{ "irq_delay_max", 544, 544, 8003 },
	{ "irq_delay_min", 552, 552, 8004 },
	{ "hiwater_rss (KiB)", 200, 248, 9001 },
	{ "hiwater_vm (KiB)", 208, 256, 9002 },
	{ "cpu_run_virtual_total", 72, 120, 10001 },
	{ "nvcsw", 272, 320, 10002 },
	{ "nivcsw", 280, 328, 10003 },
};
#define NGOLDEN (sizeof(golden) / sizeof(golden[0]))
#define NCATFIELDS (4 * TASKSTATS_NCAT)

/* What decoding golden[k] must give: KiB become bytes. */
static uint64_t golden_decoded(size_t k)
{
	bool kib = k == NCATFIELDS || k == NCATFIELDS + 1;
	return kib ? golden[k].value * 1024 : golden[k].value;
}

static uint64_t decoded_counter(const struct task_counters *c, size_t i)
{
	const uint64_t v[] = { c->run_ns, c->nvcsw, c->nivcsw };
	return v[i];
}

static uint64_t decoded(const struct delay_stats *ds, size_t k)
{
	if (k == NCATFIELDS)
		return ds->hiwater_rss_bytes;
	if (k == NCATFIELDS + 1)
		return ds->hiwater_vm_bytes;
	if (k > NCATFIELDS + 1)
		return decoded_counter(&ds->counters, k - NCATFIELDS - 2);
	const struct delay_category *c = &ds->cat[k / 4];
	switch (k % 4) {
	case 0:
		return c->count;
	case 1:
		return c->total_ns;
	case 2:
		return c->max_ns;
	default:
		return c->min_ns;
	}
}

static void put_u16(unsigned char *p, size_t off, uint16_t v)
{
	memcpy(p + off, &v, sizeof(v));
}

static void put_u32(unsigned char *p, size_t off, uint32_t v)
{
	memcpy(p + off, &v, sizeof(v));
}

static void put_u64(unsigned char *p, size_t off, uint64_t v)
{
	memcpy(p + off, &v, sizeof(v));
}

/*
 * A struct taskstats of len bytes: version, the golden values at the
 * layout's offsets, and every other 8-byte slot a junk value no field
 * expects, so a wrong offset reads something visibly wrong.
 */
static void make_payload(unsigned char *p, size_t len, uint16_t version,
			 bool v15)
{
	for (size_t off = 8; off + 8 <= len; off += 8)
		put_u64(p, off, 0xdead000000000000ull | off);
	for (size_t k = 0; k < NGOLDEN; k++) {
		size_t off = v15 ? golden[k].v15 : golden[k].v16;
		if (off + 8 <= len)
			put_u64(p, off, golden[k].value);
	}
	put_u16(p, 0, version);
	put_u16(p, 2, 0);
	put_u32(p, 4, 0x77);
}

/* Every field equals its golden value, or 0 where len cuts it off. */
static void assert_golden(const struct delay_stats *ds, size_t len, bool v15)
{
	for (size_t k = 0; k < NGOLDEN; k++) {
		size_t off = v15 ? golden[k].v15 : golden[k].v16;
		uint64_t want = off + 8 <= len ? golden_decoded(k) : 0;
		uint64_t got = decoded(ds, k);
		if (got != want)
			fail_msg("len %zu: %s = %llu, want %llu", len,
				 golden[k].name, (unsigned long long)got,
				 (unsigned long long)want);
	}
}

/* ---- canned replies ----------------------------------------------------- */

struct reply {
	_Alignas(8) unsigned char b[2048];
	size_t len;
};

static size_t put_attr(unsigned char *p, size_t off, uint16_t type,
		       const void *data, size_t n)
{
	put_u16(p, off, (uint16_t)(4 + n));
	put_u16(p, off + 2, type);
	if (n)
		memcpy(p + off + 4, data, n);
	return off + ((4 + n + 3) & ~(size_t)3);
}

static void put_header(struct reply *r, uint16_t type)
{
	put_u32(r->b, 0, (uint32_t)r->len);
	put_u16(r->b, 4, type);
	put_u16(r->b, 6, 0);
	put_u32(r->b, 8, 77);      /* seq */
	put_u32(r->b, 12, 31337);  /* port */
}

/* What the kernel sends: AGGR_PID { PID, NULL pad, STATS } after genl. */
struct reply_shape {
	uint16_t aggr_type;
	bool with_pid, with_stats;
	size_t pid_len; /* 4, or shorter */
	uint32_t pid;
	size_t payload_len;
	uint16_t version;
	bool v15;
};

static void build_reply(struct reply *r, const struct reply_shape *s)
{
	unsigned char payload[1024];
	memset(r->b, 0, sizeof(r->b));
	make_payload(payload, s->payload_len, s->version, s->v15);
	r->b[16] = CMD_NEW;
	r->b[17] = 1;
	size_t nest = 20, off = nest + 4;
	if (s->with_pid)
		off = put_attr(r->b, off, TYPE_PID, &s->pid, s->pid_len);
	off = put_attr(r->b, off, TYPE_NULL, NULL, 0);
	if (s->with_stats)
		off = put_attr(r->b, off, TYPE_STATS, payload, s->payload_len);
	put_u16(r->b, nest, (uint16_t)(off - nest));
	put_u16(r->b, nest + 2, s->aggr_type);
	r->len = off;
	put_header(r, FAMILY_ID);
}

static const struct reply_shape good_shape = {
	.aggr_type = TYPE_AGGR_PID,
	.with_pid = true,
	.with_stats = true,
	.pid_len = 4,
	.pid = TID,
	.payload_len = 688,
	.version = 17,
};

static void build_error(struct reply *r, int32_t error, size_t len)
{
	memset(r->b, 0, sizeof(r->b));
	r->len = len;
	put_u32(r->b, 16, (uint32_t)error);
	/* The request echoed back, as the kernel does. */
	put_u32(r->b, 20, 28);
	put_u16(r->b, 24, FAMILY_ID);
	put_header(r, NLMSG_ERROR_TYPE);
}

/* ---- payload decoder ---------------------------------------------------- */

/* Decode a made payload of len bytes (up to 1024). */
static void decode_made(size_t len, uint16_t version, bool v15,
			struct delay_stats *ds)
{
	unsigned char p[1024];
	make_payload(p, len, version, v15);
	taskstats_decode(p, len, ds);
}

static void decode_v17_golden(void **state)
{
	(void)state;
	struct delay_stats ds;
	decode_made(688, 17, false, &ds);
	assert_golden(&ds, 688, false);
	/* Spot checks by name: the table above is not the only witness. */
	assert_int_equal(ds.cat[TASKSTATS_CAT_BLKIO].count, 2001);
	assert_int_equal(ds.cat[TASKSTATS_CAT_CPU].max_ns, 1003);
	assert_int_equal(ds.cat[TASKSTATS_CAT_IRQ].min_ns, 8004);
	assert_int_equal(ds.hiwater_rss_bytes, 9001u * 1024);
	assert_int_equal(ds.hiwater_vm_bytes, 9002u * 1024);
}

static void decode_v16_golden(void **state)
{
	(void)state;
	struct delay_stats ds;
	decode_made(560, 16, false, &ds);
	assert_golden(&ds, 560, false);
}

/* Version 15: max/min follow each total, so everything from blkio moves. */
static void decode_v15_layout(void **state)
{
	(void)state;
	struct delay_stats ds;
	decode_made(560, 15, true, &ds);
	assert_golden(&ds, 560, true);
	assert_int_equal(ds.cat[TASKSTATS_CAT_CPU].max_ns, 1003);
	assert_int_equal(ds.cat[TASKSTATS_CAT_BLKIO].count, 2001);
	assert_int_equal(ds.cat[TASKSTATS_CAT_FREEPAGES].min_ns, 4004);
	assert_int_equal(ds.hiwater_rss_bytes, 9001u * 1024);
}

/* The same v15 bytes under another version tag read as v16 (ktstr's bug). */
static void decode_v15_bytes_tagged_v16(void **state)
{
	(void)state;
	unsigned char p[560];
	struct delay_stats ds;
	make_payload(p, sizeof(p), 15, true);
	put_u16(p, 0, 16);
	taskstats_decode(p, sizeof(p), &ds);
	assert_int_equal(ds.cat[TASKSTATS_CAT_BLKIO].count, 1003);
	assert_int_equal(ds.cat[TASKSTATS_CAT_BLKIO].total_ns, 1004);
}

/* Versions below 15 are a prefix of v16: a v14 struct ends at 432. */
static void decode_v14_prefix(void **state)
{
	(void)state;
	struct delay_stats ds;
	decode_made(432, 14, false, &ds);
	assert_golden(&ds, 432, false);
	assert_int_equal(ds.cat[TASKSTATS_CAT_IRQ].total_ns, 8002);
	assert_int_equal(ds.cat[TASKSTATS_CAT_CPU].max_ns, 0);
}

static void decode_truncated(void **state)
{
	(void)state;
	static const size_t lens[] = { 56, 312, 360, 408, 424, 432 };
	unsigned char p[560];
	make_payload(p, sizeof(p), 17, false);
	for (size_t i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
		struct delay_stats ds;
		memset(&ds, 0xff, sizeof(ds));
		taskstats_decode(p, lens[i], &ds);
		assert_golden(&ds, lens[i], false);
	}
	/* The boundaries, by name. */
	struct delay_stats ds;
	taskstats_decode(p, 56, &ds);
	assert_int_equal(ds.cat[TASKSTATS_CAT_SWAPIN].count, 3001);
	assert_int_equal(ds.cat[TASKSTATS_CAT_SWAPIN].total_ns, 0);
	assert_int_equal(ds.hiwater_rss_bytes, 0);
	taskstats_decode(p, 424, &ds);
	assert_int_equal(ds.cat[TASKSTATS_CAT_IRQ].count, 8001);
	assert_int_equal(ds.cat[TASKSTATS_CAT_IRQ].total_ns, 0);
}

static void decode_truncated_v15(void **state)
{
	(void)state;
	struct delay_stats ds;
	decode_made(400, 15, true, &ds);
	assert_golden(&ds, 400, true);
	assert_int_equal(ds.cat[TASKSTATS_CAT_THRASHING].count, 5001);
	assert_int_equal(ds.cat[TASKSTATS_CAT_THRASHING].total_ns, 0);
}

/* No room even for the version: nothing to read, everything 0. */
static void decode_empty(void **state)
{
	(void)state;
	unsigned char p[1] = { 15 };
	struct delay_stats ds;
	memset(&ds, 0xff, sizeof(ds));
	taskstats_decode(p, 1, &ds);
	assert_golden(&ds, 0, false);
}

static void decode_kib_saturates(void **state)
{
	(void)state;
	unsigned char p[560];
	struct delay_stats ds;
	make_payload(p, sizeof(p), 16, false);
	put_u64(p, 200, 512);
	put_u64(p, 208, UINT64_MAX);
	taskstats_decode(p, sizeof(p), &ds);
	assert_int_equal(ds.hiwater_rss_bytes, 524288);
	assert_int_equal(ds.hiwater_vm_bytes, UINT64_MAX);
	put_u64(p, 200, UINT64_MAX / 1024);
	put_u64(p, 208, UINT64_MAX / 1024 + 1);
	taskstats_decode(p, sizeof(p), &ds);
	assert_int_equal(ds.hiwater_rss_bytes, UINT64_MAX / 1024 * 1024);
	assert_int_equal(ds.hiwater_vm_bytes, UINT64_MAX);
}

/* ---- reply parser ------------------------------------------------------- */

static void reply_full_v17(void **state)
{
	(void)state;
	struct reply r;
	struct delay_stats ds;
	build_reply(&r, &good_shape);
	assert_int_equal(r.len, 728);
	assert_int_equal(taskstats_parse_reply(r.b, r.len, TID, &ds), 0);
	assert_golden(&ds, 688, false);
}

static void reply_v15(void **state)
{
	(void)state;
	struct reply_shape s = good_shape;
	struct reply r;
	struct delay_stats ds;
	s.payload_len = 560;
	s.version = 15;
	s.v15 = true;
	build_reply(&r, &s);
	assert_int_equal(taskstats_parse_reply(r.b, r.len, TID, &ds), 0);
	assert_golden(&ds, 560, true);
}

/* The STATS attribute's own length bounds the payload, not the datagram. */
static void reply_short_stats(void **state)
{
	(void)state;
	struct reply_shape s = good_shape;
	struct reply r;
	struct delay_stats ds;
	s.payload_len = 312;
	build_reply(&r, &s);
	assert_int_equal(taskstats_parse_reply(r.b, r.len, TID, &ds), 0);
	assert_golden(&ds, 312, false);
	assert_int_equal(ds.hiwater_vm_bytes, 9002u * 1024);
	assert_int_equal(ds.cat[TASKSTATS_CAT_FREEPAGES].count, 0);
}

/* libnl's nla_type() masks NLA_F_NESTED; a kernel may set it. */
static void reply_nested_flag(void **state)
{
	(void)state;
	struct reply_shape s = good_shape;
	struct reply r;
	struct delay_stats ds;
	s.aggr_type = TYPE_AGGR_PID | NESTED_BIT;
	build_reply(&r, &s);
	assert_int_equal(taskstats_parse_reply(r.b, r.len, TID, &ds), 0);
	assert_golden(&ds, 688, false);
}

/* NLMSG_ERROR: the kernel's errno comes back negated; 0 is a bare ACK. */
static void reply_errors(void **state)
{
	(void)state;
	static const struct {
		int32_t error;
		size_t len;
		int want;
	} cases[] = {
		{ -1, 36, -EPERM },
		{ -3, 36, -ESRCH },
		{ -22, 36, -EINVAL },
		{ 0, 36, -ENODATA },
		{ -1, 18, -EBADMSG }, /* too short to hold the errno */
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct reply r;
		struct delay_stats ds;
		build_error(&r, cases[i].error, cases[i].len);
		int got = taskstats_parse_reply(r.b, r.len, TID, &ds);
		if (got != cases[i].want)
			fail_msg("error %d len %zu: got %d, want %d", cases[i].error,
				 cases[i].len, got, cases[i].want);
	}
}

/* Replies the walk AGGR_PID -> PID (== tid) -> STATS must refuse. */
static void reply_rejects(void **state)
{
	(void)state;
	/* aggr_type, with_pid, with_stats, pid_len, pid, payload_len, version */
	static const struct {
		const char *name;
		struct reply_shape shape;
		int want;
	} cases[] = {
		{ "tid mismatch", { TYPE_AGGR_PID, true, true, 4, TID + 1, 688, 17, false },
		  -EPROTO },
		{ "AGGR_TGID, no AGGR_PID", { TYPE_AGGR_TGID, true, true, 4, TID, 688, 17, false },
		  -ENOMSG },
		{ "no PID", { TYPE_AGGR_PID, false, true, 4, TID, 688, 17, false },
		  -ENOMSG },
		{ "no STATS", { TYPE_AGGR_PID, true, false, 4, TID, 688, 17, false },
		  -ENOMSG },
		{ "2-byte PID", { TYPE_AGGR_PID, true, true, 2, TID, 688, 17, false },
		  -EBADMSG },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct reply r;
		struct delay_stats ds;
		build_reply(&r, &cases[i].shape);
		int got = taskstats_parse_reply(r.b, r.len, TID, &ds);
		if (got != cases[i].want)
			fail_msg("%s: got %d, want %d", cases[i].name, got,
				 cases[i].want);
	}
}

static void reply_bad_lengths(void **state)
{
	(void)state;
	struct reply r;
	struct delay_stats ds;
	build_reply(&r, &good_shape);
	/* Shorter than a netlink header. */
	assert_int_equal(taskstats_parse_reply(r.b, 15, TID, &ds), -EBADMSG);
	/* nlmsg_len beyond the datagram. */
	assert_int_equal(taskstats_parse_reply(r.b, r.len - 1, TID, &ds), -EBADMSG);
	/* A netlink header but no genetlink header. */
	put_u32(r.b, 0, 18);
	assert_int_equal(taskstats_parse_reply(r.b, 18, TID, &ds), -EBADMSG);
}

/* An attribute running past nlmsg_len ends the walk: AGGR_PID is lost. */
static void reply_overrunning_attr(void **state)
{
	(void)state;
	struct reply r;
	struct delay_stats ds;
	build_reply(&r, &good_shape);
	put_u16(r.b, 20, (uint16_t)(r.len - 20 + 4));
	assert_int_equal(taskstats_parse_reply(r.b, r.len, TID, &ds), -ENOMSG);
}

/* ---- summary and apply -------------------------------------------------- */

static void summary_classifies(void **state)
{
	(void)state;
	struct taskstats_summary s = { 0 };
	taskstats_summary_record(&s, 0);
	taskstats_summary_record(&s, 0);
	taskstats_summary_record(&s, -1);
	taskstats_summary_record(&s, -3);
	taskstats_summary_record(&s, -3);
	taskstats_summary_record(&s, -3);
	taskstats_summary_record(&s, -22);
	taskstats_summary_record(&s, -EBADMSG);
	taskstats_summary_record(&s, -ENOBUFS);
	taskstats_summary_record(&s, -EPROTO);
	assert_int_equal(s.ok_count, 2);
	assert_int_equal(s.eperm_count, 1);
	assert_int_equal(s.esrch_count, 3);
	assert_int_equal(s.other_err_count, 4);
}

static void summary_saturates(void **state)
{
	(void)state;
	struct taskstats_summary s = { UINT64_MAX, UINT64_MAX, 5, UINT64_MAX };
	taskstats_summary_record(&s, 0);
	taskstats_summary_record(&s, -EPERM);
	taskstats_summary_record(&s, -ESRCH);
	taskstats_summary_record(&s, -EIO);
	assert_int_equal(s.ok_count, UINT64_MAX);
	assert_int_equal(s.eperm_count, UINT64_MAX);
	assert_int_equal(s.esrch_count, 6);
	assert_int_equal(s.other_err_count, UINT64_MAX);
	/* Walkers' summaries add up the same way. */
	struct taskstats_summary sum = { 1, UINT64_MAX - 1, 2, 0 };
	taskstats_summary_add(&sum, &s);
	assert_int_equal(sum.ok_count, UINT64_MAX);
	assert_int_equal(sum.eperm_count, UINT64_MAX);
	assert_int_equal(sum.esrch_count, 8);
	assert_int_equal(sum.other_err_count, UINT64_MAX);
}

static void assert_applied(const struct thread_state *t)
{
	assert_int_equal(t->cpu_delay_count, 1001);
	assert_int_equal(t->cpu_delay_total_ns, 1002);
	assert_int_equal(t->cpu_delay_max_ns, 1003);
	assert_int_equal(t->cpu_delay_min_ns, 1004);
	assert_int_equal(t->blkio_delay_count, 2001);
	assert_int_equal(t->blkio_delay_total_ns, 2002);
	assert_int_equal(t->blkio_delay_max_ns, 2003);
	assert_int_equal(t->blkio_delay_min_ns, 2004);
	assert_int_equal(t->swapin_delay_count, 3001);
	assert_int_equal(t->swapin_delay_total_ns, 3002);
	assert_int_equal(t->swapin_delay_max_ns, 3003);
	assert_int_equal(t->swapin_delay_min_ns, 3004);
	assert_int_equal(t->freepages_delay_count, 4001);
	assert_int_equal(t->freepages_delay_total_ns, 4002);
	assert_int_equal(t->freepages_delay_max_ns, 4003);
	assert_int_equal(t->freepages_delay_min_ns, 4004);
	assert_int_equal(t->thrashing_delay_count, 5001);
	assert_int_equal(t->thrashing_delay_total_ns, 5002);
	assert_int_equal(t->thrashing_delay_max_ns, 5003);
	assert_int_equal(t->thrashing_delay_min_ns, 5004);
	assert_int_equal(t->compact_delay_count, 6001);
	assert_int_equal(t->compact_delay_total_ns, 6002);
	assert_int_equal(t->compact_delay_max_ns, 6003);
	assert_int_equal(t->compact_delay_min_ns, 6004);
	assert_int_equal(t->wpcopy_delay_count, 7001);
	assert_int_equal(t->wpcopy_delay_total_ns, 7002);
	assert_int_equal(t->wpcopy_delay_max_ns, 7003);
	assert_int_equal(t->wpcopy_delay_min_ns, 7004);
	assert_int_equal(t->irq_delay_count, 8001);
	assert_int_equal(t->irq_delay_total_ns, 8002);
	assert_int_equal(t->irq_delay_max_ns, 8003);
	assert_int_equal(t->irq_delay_min_ns, 8004);
	assert_int_equal(t->hiwater_rss_bytes, 9001u * 1024);
	assert_int_equal(t->hiwater_vm_bytes, 9002u * 1024);
	assert_true(t->taskstats_measured);
}

static void apply_copies_every_field(void **state)
{
	(void)state;
	unsigned char p[560];
	struct delay_stats ds;
	struct thread_state t;
	make_payload(p, sizeof(p), 16, false);
	taskstats_decode(p, sizeof(p), &ds);
	assert_int_equal(thread_state_init(&t), 0);
	const struct taskstats_active on_off = { .cpu_delay = true,
						 .delay_block = false,
						 .xacct = true };
	taskstats_apply(&t, &ds, &on_off, 0);
	assert_applied(&t);
	assert_true(t.cpu_delay_active);
	assert_false(t.delay_block_active);
	assert_true(t.xacct_active);
	const struct taskstats_active off_on = { .cpu_delay = false,
						 .delay_block = true,
						 .xacct = false };
	taskstats_apply(&t, &ds, &off_on, 0);
	assert_false(t.cpu_delay_active);
	assert_true(t.delay_block_active);
	assert_false(t.xacct_active);
	/* Nothing outside the taskstats family moved. */
	assert_int_equal(t.run_time_ns, 0);
	assert_int_equal(t.state, CTPROF_STATE_ABSENT);
	assert_false(t.jemalloc_measured);
	assert_int_equal(t.rchar, 0);
	assert_int_equal(t.voluntary_csw, 0);
	thread_state_release(&t);
}

/* Each supplies bit sets exactly its file's fields, from the v16 offsets. */
static void apply_supplies_file_fields(void **state)
{
	(void)state;
	unsigned char p[560];
	struct delay_stats ds;
	struct thread_state t;
	const struct taskstats_active on = { .cpu_delay = true, .xacct = true };
	make_payload(p, sizeof(p), 16, false);
	taskstats_decode(p, sizeof(p), &ds);
	assert_int_equal(thread_state_init(&t), 0);
	taskstats_apply(&t, &ds, &on, TASKSTATS_SUPPLIES_CSW);
	assert_int_equal(t.voluntary_csw, 10002);
	assert_int_equal(t.nonvoluntary_csw, 10003);
	assert_int_equal(t.run_time_ns, 0);
	assert_int_equal(t.wait_time_ns, 0);
	taskstats_apply(&t, &ds, &on, TASKSTATS_SUPPLIES_SCHEDSTAT);
	assert_int_equal(t.run_time_ns, 10001);
	assert_int_equal(t.wait_time_ns, 1002); /* cpu_delay_total: run_delay */
	assert_int_equal(t.timeslices, 1001);   /* cpu_count: pcount */
	/* io is never taken from taskstats (masked to KiB by the kernel). */
	assert_int_equal(t.rchar, 0);
	thread_state_release(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(decode_v17_golden),
		cmocka_unit_test(decode_v16_golden),
		cmocka_unit_test(decode_v15_layout),
		cmocka_unit_test(apply_supplies_file_fields),
		cmocka_unit_test(decode_v15_bytes_tagged_v16),
		cmocka_unit_test(decode_v14_prefix),
		cmocka_unit_test(decode_truncated),
		cmocka_unit_test(decode_truncated_v15),
		cmocka_unit_test(decode_empty),
		cmocka_unit_test(decode_kib_saturates),
		cmocka_unit_test(reply_full_v17),
		cmocka_unit_test(reply_v15),
		cmocka_unit_test(reply_short_stats),
		cmocka_unit_test(reply_nested_flag),
		cmocka_unit_test(reply_errors),
		cmocka_unit_test(reply_rejects),
		cmocka_unit_test(reply_bad_lengths),
		cmocka_unit_test(reply_overrunning_attr),
		cmocka_unit_test(summary_classifies),
		cmocka_unit_test(summary_saturates),
		cmocka_unit_test(apply_copies_every_field),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
