/*
 * taskstats.h - per-thread delay accounting and memory watermarks from the
 * kernel's TASKSTATS generic-netlink family (ktstr-facts 4).
 *
 * Owns: the client (libnl-genl socket, family resolved once), the pipelined
 * per-tid query (a window of outstanding requests matched back to tids by
 * sequence number; replies lost to a receive-buffer overrun are re-queried),
 * the reply parser and the version-aware struct taskstats decoder (pure
 * functions over bytes, usable on canned buffers), the ok/eperm/esrch/other
 * summary, and the capture pass: what the host offers (probed once) and a
 * client per walker that queries one process's tids at a time.
 */
#ifndef CTPROF_TASKSTATS_H
#define CTPROF_TASKSTATS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "host_context.h"
#include "snapshot.h"
#include "strbuf.h"

/* The eight delay categories, in struct taskstats and ThreadState order. */
#define TASKSTATS_CATEGORIES(X)                                                \
	X(CPU, cpu)                                                            \
	X(BLKIO, blkio)                                                        \
	X(SWAPIN, swapin)                                                      \
	X(FREEPAGES, freepages)                                                \
	X(THRASHING, thrashing)                                                \
	X(COMPACT, compact)                                                    \
	X(WPCOPY, wpcopy)                                                      \
	X(IRQ, irq)

enum taskstats_category {
#define TASKSTATS_CAT_ENUM(up, low) TASKSTATS_CAT_##up,
	TASKSTATS_CATEGORIES(TASKSTATS_CAT_ENUM)
#undef TASKSTATS_CAT_ENUM
	TASKSTATS_NCAT
};

struct delay_category {
	uint64_t count;
	uint64_t total_ns;
	uint64_t max_ns;
	uint64_t min_ns; /* 0: no event seen */
};

/*
 * What a reply carries exactly as a file gives it (schedstat's run time,
 * status's context switches; the run delay and pcount are the CPU delay
 * category): the same task_struct members, so the fast source plan reads
 * them here instead. Its io counters are not: the kernel masks them to a
 * multiple of 1024.
 */
struct task_counters {
	uint64_t run_ns; /* cpu_run_virtual_total: se.sum_exec_runtime */
	uint64_t nvcsw, nivcsw;
};

/* Which file-backed fields taskstats_apply also sets. */
enum taskstats_supplies {
	TASKSTATS_SUPPLIES_SCHEDSTAT = 1, /* run_time_ns, wait_time_ns, timeslices */
	TASKSTATS_SUPPLIES_CSW = 2,       /* voluntary_csw, nonvoluntary_csw */
};

/* The seed's DelayStats (what one reply carries that a thread keeps), plus
 * the counters the files also give. */
struct delay_stats {
	struct delay_category cat[TASKSTATS_NCAT];
	uint64_t hiwater_rss_bytes; /* KiB x 1024, saturating */
	uint64_t hiwater_vm_bytes;
	struct task_counters counters;
};

/* Default window of the pipelined query, and its ceiling. */
#define TASKSTATS_WINDOW 64u
#define TASKSTATS_WINDOW_MAX 256u

/* ---- pure byte-level functions (taskstats_parse.c) ---------------------- */

/*
 * Decode a struct taskstats payload of len bytes by its version (u16 at
 * offset 0): version 15 keeps each category's max/min right after its
 * total; every other version uses the v16 layout (max/min at 432..552),
 * of which versions below 15 are a prefix. A field past len reads 0.
 */
void taskstats_decode(const void *payload, size_t len, struct delay_stats *out);

/*
 * Parse one reply datagram (buf 4-byte aligned) to a TASKSTATS_CMD_GET for
 * tid: AGGR_PID -> PID (must equal tid) -> STATS. 0 with *out filled, or
 * the kernel's -errno from an NLMSG_ERROR (-EPERM, -ESRCH, ...), -EBADMSG
 * (malformed or short), -ENOMSG (an attribute missing), -EPROTO (PID is
 * another task), -ENODATA (a bare ACK).
 */
int taskstats_parse_reply(const void *buf, size_t len, uint32_t tid,
			  struct delay_stats *out);

/* Count one query outcome (0 or -errno): 1 eperm, 3 esrch, else other. */
void taskstats_summary_record(struct taskstats_summary *s, int err);

/*
 * The seed's apply_delay_stats (fields, taskstats_measured, active flags),
 * plus the file-backed fields named by supplies (TASKSTATS_SUPPLIES_*).
 */
void taskstats_apply(struct thread_state *t, const struct delay_stats *ds,
		     const struct taskstats_active *active, unsigned supplies);

/* ---- the client (taskstats.c) ------------------------------------------- */

struct taskstats_client;

/*
 * Connect and resolve the TASKSTATS family. Needs no privilege (the per-tid
 * GET does: CAP_NET_ADMIN). 0, or -errno with the reason in err.
 */
int taskstats_client_open(struct taskstats_client **out, struct strbuf *err);
void taskstats_client_close(struct taskstats_client *c);

/*
 * Called exactly once per queried tid, in reply order: err is 0 with ds
 * set, or -errno with ds NULL.
 */
typedef void (*taskstats_reply_fn)(void *arg, size_t index, int err,
				   const struct delay_stats *ds);

/*
 * Query tids[0..n) with at most window (1..TASKSTATS_WINDOW_MAX; 1 is one
 * round trip per tid) requests in flight. A reply lost to a receive-buffer
 * overrun is re-queried with a halved window, and reported as -ENOBUFS only
 * after repeated losses at window 1. 0, or the socket error that ended the
 * batch (every tid not yet reported is then reported with it).
 */
int taskstats_query_batch(struct taskstats_client *c, const uint32_t *tids,
			  size_t n, unsigned window, taskstats_reply_fn fn,
			  void *arg);

/* Shrink the receive buffer (tests, bench: force overruns). 0 / -errno. */
int taskstats_client_set_rcvbuf(struct taskstats_client *c, int bytes);
/* Rounds of every batch so far that lost replies to an overrun. */
uint64_t taskstats_client_overruns(const struct taskstats_client *c);

/* ---- the capture pass (taskstats.c) ------------------------------------- */

/*
 * What a capture knows of taskstats on this host, set once by begin and
 * then only read (every walker shares it).
 */
struct taskstats_pass {
	bool enabled; /* asked for: a live capture, not switched off */
	bool usable;  /* a client opened and a query of our own tid succeeded */
	struct taskstats_active active;
};

/*
 * Open a client, probe the host's sub-family switches and query the
 * caller's own tid. A client that cannot open leaves a one-line warning on
 * stderr. 0 / -ENOMEM.
 */
int taskstats_pass_begin(struct taskstats_pass *p, int procfs_fd,
			 struct strbuf *buf);

/*
 * The TASKSTATS_SUPPLIES_* fields a reply carries exactly as the files
 * would on this host: none unless usable; the context switches; schedstat's
 * when delay accounting is built in.
 */
unsigned taskstats_pass_supplies(const struct taskstats_pass *p);

/* One query's outcome: err 0 with ds set, or -errno. */
struct taskstats_result {
	int err;
	struct delay_stats ds;
};

/* One walker's own client (sockets are not shared across threads). */
struct taskstats_walker {
	const struct taskstats_pass *pass;
	struct taskstats_client *client; /* NULL: nothing is queried */
	struct taskstats_result *results; /* of the last query */
	size_t cap;
	struct taskstats_summary summary; /* every query this walker made */
};

/* Zero-initialise, then open (a failed open queries nothing). 0 / -ENOMEM. */
int taskstats_walker_open(struct taskstats_walker *w,
			  const struct taskstats_pass *pass);
/*
 * Query tids[0..n) pipelined; w->results[i] holds tid i's outcome, counted
 * in w->summary. Without a client every result is -ENOTCONN, uncounted.
 * 0 / -ENOMEM.
 */
int taskstats_walker_query(struct taskstats_walker *w, const uint32_t *tids,
			   size_t n);
void taskstats_walker_close(struct taskstats_walker *w);

/* dst += src, saturating. */
void taskstats_summary_add(struct taskstats_summary *dst,
			   const struct taskstats_summary *src);

#endif
