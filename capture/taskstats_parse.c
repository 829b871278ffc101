/*
 * taskstats_parse.c - the bytes of a taskstats reply: the netlink reply
 * (libnl's nlmsg/genlmsg/nla helpers do the walking), the struct taskstats
 * payload by version, the outcome summary and the copy into a thread.
 * No I/O: everything here runs on canned buffers in the tests.
 */
#include "taskstats.h"

#include <errno.h>
#include <string.h>

#include <linux/taskstats.h>
#include <netlink/genl/genl.h>
#include <netlink/msg.h>

/*
 * Byte offsets in struct taskstats. The kernel's own header is not used:
 * the installed one may predate these fields (Debian 12 ships version 13)
 * and no single header describes both layouts.
 */
struct category_offsets {
	uint16_t count, total, max, min;
};

struct stats_layout {
	struct category_offsets cat[TASKSTATS_NCAT];
	uint16_t hiwater_rss, hiwater_vm;
	/* What the files also give: cpu_run_virtual_total and nvcsw (nivcsw
	 * follows it). */
	uint16_t run_ns, nvcsw;
};

/* Version 16 on (and every version below 15, as a prefix of it). */
static const struct stats_layout layout_v16 = {
	.cat = {
		[TASKSTATS_CAT_CPU] = { 16, 24, 432, 440 },
		[TASKSTATS_CAT_BLKIO] = { 32, 40, 448, 456 },
		[TASKSTATS_CAT_SWAPIN] = { 48, 56, 464, 472 },
		[TASKSTATS_CAT_FREEPAGES] = { 312, 320, 480, 488 },
		[TASKSTATS_CAT_THRASHING] = { 328, 336, 496, 504 },
		[TASKSTATS_CAT_COMPACT] = { 352, 360, 512, 520 },
		[TASKSTATS_CAT_WPCOPY] = { 400, 408, 528, 536 },
		[TASKSTATS_CAT_IRQ] = { 416, 424, 544, 552 },
	},
	.hiwater_rss = 200,
	.hiwater_vm = 208,
	.run_ns = 72,
	.nvcsw = 272,
};

/*
 * Version 15 put each category's max and min right after its total,
 * shifting every field from blkio_count on (ktstr reads such a kernel with
 * the v16 offsets and gets them wrong); upstream commit
 * 0bf2d838de1f ("taskstats: fix struct taskstats breaks backward
 * compatibility since version 15") moved them to the end as version 16.
 */
static const struct stats_layout layout_v15 = {
	.cat = {
		[TASKSTATS_CAT_CPU] = { 16, 24, 32, 40 },
		[TASKSTATS_CAT_BLKIO] = { 48, 56, 64, 72 },
		[TASKSTATS_CAT_SWAPIN] = { 80, 88, 96, 104 },
		[TASKSTATS_CAT_FREEPAGES] = { 360, 368, 376, 384 },
		[TASKSTATS_CAT_THRASHING] = { 392, 400, 408, 416 },
		[TASKSTATS_CAT_COMPACT] = { 432, 440, 448, 456 },
		[TASKSTATS_CAT_WPCOPY] = { 496, 504, 512, 520 },
		[TASKSTATS_CAT_IRQ] = { 528, 536, 544, 552 },
	},
	.hiwater_rss = 248,
	.hiwater_vm = 256,
	.run_ns = 120,
	.nvcsw = 320,
};

/* A short payload is an older kernel's struct: what it lacks reads 0. */
static uint64_t u64_at(const unsigned char *p, size_t len, size_t off)
{
	uint64_t v;
	if (off + sizeof(v) > len)
		return 0;
	memcpy(&v, p + off, sizeof(v));
	return v;
}

static uint64_t kib_to_bytes(uint64_t kib)
{
	return kib > UINT64_MAX / 1024 ? UINT64_MAX : kib * 1024;
}

/* Version 15 shifted these by 48 bytes with everything after cpu_delay. */
static void decode_counters(const unsigned char *p, size_t len,
			    const struct stats_layout *l, struct task_counters *c)
{
	c->run_ns = u64_at(p, len, l->run_ns);
	c->nvcsw = u64_at(p, len, l->nvcsw);
	c->nivcsw = u64_at(p, len, l->nvcsw + 8);
}

void taskstats_decode(const void *payload, size_t len, struct delay_stats *out)
{
	const unsigned char *p = payload;
	uint16_t version = 0;
	if (len >= sizeof(version))
		memcpy(&version, p, sizeof(version));
	const struct stats_layout *l = version == 15 ? &layout_v15 : &layout_v16;
	for (int i = 0; i < TASKSTATS_NCAT; i++) {
		const struct category_offsets *o = &l->cat[i];
		out->cat[i].count = u64_at(p, len, o->count);
		out->cat[i].total_ns = u64_at(p, len, o->total);
		out->cat[i].max_ns = u64_at(p, len, o->max);
		out->cat[i].min_ns = u64_at(p, len, o->min);
	}
	out->hiwater_rss_bytes = kib_to_bytes(u64_at(p, len, l->hiwater_rss));
	out->hiwater_vm_bytes = kib_to_bytes(u64_at(p, len, l->hiwater_vm));
	decode_counters(p, len, l, &out->counters);
}

/* NLMSG_ERROR: the kernel's negated errno; 0 is an ACK, not an answer. */
static int parse_error(struct nlmsghdr *nlh)
{
	if (nlmsg_datalen(nlh) < (int)sizeof(int))
		return -EBADMSG;
	const struct nlmsgerr *e = nlmsg_data(nlh);
	if (!e->error)
		return -ENODATA;
	return e->error < 0 ? e->error : -e->error;
}

/* The AGGR_PID nest: PID (a whole u32, equal to tid), then STATS. */
static int parse_aggr_pid(struct nlattr *aggr, uint32_t tid,
			  struct delay_stats *out)
{
	struct nlattr *tb[TASKSTATS_TYPE_MAX + 1];
	if (nla_parse_nested(tb, TASKSTATS_TYPE_MAX, aggr, NULL) < 0)
		return -EBADMSG;
	if (!tb[TASKSTATS_TYPE_PID] || !tb[TASKSTATS_TYPE_STATS])
		return -ENOMSG;
	if (nla_len(tb[TASKSTATS_TYPE_PID]) < (int)sizeof(uint32_t))
		return -EBADMSG;
	if (nla_get_u32(tb[TASKSTATS_TYPE_PID]) != tid)
		return -EPROTO;
	taskstats_decode(nla_data(tb[TASKSTATS_TYPE_STATS]),
			 (size_t)nla_len(tb[TASKSTATS_TYPE_STATS]), out);
	return 0;
}

int taskstats_parse_reply(const void *buf, size_t len, uint32_t tid,
			  struct delay_stats *out)
{
	struct nlmsghdr *nlh = (struct nlmsghdr *)buf;
	struct nlattr *tb[TASKSTATS_TYPE_MAX + 1];
	if (len > INT32_MAX || !nlmsg_ok(nlh, (int)len))
		return -EBADMSG;
	if (nlh->nlmsg_type == NLMSG_ERROR)
		return parse_error(nlh);
	if (genlmsg_parse(nlh, 0, tb, TASKSTATS_TYPE_MAX, NULL) < 0)
		return -EBADMSG;
	if (!tb[TASKSTATS_TYPE_AGGR_PID])
		return -ENOMSG;
	return parse_aggr_pid(tb[TASKSTATS_TYPE_AGGR_PID], tid, out);
}

static void count_up(uint64_t *n)
{
	if (*n != UINT64_MAX)
		(*n)++;
}

void taskstats_summary_record(struct taskstats_summary *s, int err)
{
	if (!err)
		count_up(&s->ok_count);
	else if (err == -EPERM)
		count_up(&s->eperm_count);
	else if (err == -ESRCH)
		count_up(&s->esrch_count);
	else
		count_up(&s->other_err_count);
}

static void set_category(const struct delay_category *c, uint64_t *count,
			 uint64_t *total_ns, uint64_t *max_ns, uint64_t *min_ns)
{
	*count = c->count;
	*total_ns = c->total_ns;
	*max_ns = c->max_ns;
	*min_ns = c->min_ns;
}

/*
 * The fields the fast source plan takes from taskstats instead of a file:
 * the kernel reads the same task_struct members for both (schedstat:
 * se.sum_exec_runtime, sched_info.run_delay and pcount; status: nvcsw and
 * nivcsw). Not io: xacct_add_tsk masks read_char .. cancelled_write_bytes
 * (syscall counts too) down to a multiple of 1024.
 */
static void apply_counters(struct thread_state *t, const struct delay_stats *ds,
			   unsigned supplies)
{
	const struct task_counters *c = &ds->counters;
	if (supplies & TASKSTATS_SUPPLIES_SCHEDSTAT) {
		t->run_time_ns = c->run_ns;
		t->wait_time_ns = ds->cat[TASKSTATS_CAT_CPU].total_ns;
		t->timeslices = ds->cat[TASKSTATS_CAT_CPU].count;
	}
	if (supplies & TASKSTATS_SUPPLIES_CSW) {
		t->voluntary_csw = c->nvcsw;
		t->nonvoluntary_csw = c->nivcsw;
	}
}

void taskstats_apply(struct thread_state *t, const struct delay_stats *ds,
		     const struct taskstats_active *active, unsigned supplies)
{
	apply_counters(t, ds, supplies);
#define TASKSTATS_APPLY_CAT(up, low)                                           \
	set_category(&ds->cat[TASKSTATS_CAT_##up], &t->low##_delay_count,      \
		     &t->low##_delay_total_ns, &t->low##_delay_max_ns,         \
		     &t->low##_delay_min_ns);
	TASKSTATS_CATEGORIES(TASKSTATS_APPLY_CAT)
#undef TASKSTATS_APPLY_CAT
	t->hiwater_rss_bytes = ds->hiwater_rss_bytes;
	t->hiwater_vm_bytes = ds->hiwater_vm_bytes;
	/* Measured = the query succeeded; the flags say which parts are real. */
	t->taskstats_measured = true;
	t->cpu_delay_active = active->cpu_delay;
	t->delay_block_active = active->delay_block;
	t->xacct_active = active->xacct;
}
