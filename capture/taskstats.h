/*
 * taskstats.h - per-thread delay accounting and memory watermarks from the
 * kernel's TASKSTATS generic-netlink family (ktstr-facts 4).
 *
 * Owns: the client (libnl-genl socket, family resolved once), the pipelined
 * per-tid query (a window of outstanding requests matched back to tids by
 * sequence number; replies lost to a receive-buffer overrun are re-queried),
 * the reply parser and the version-aware struct taskstats decoder (pure
 * functions over bytes, usable on canned buffers), the ok/eperm/esrch/other
 * summary, and the capture pass that queries every walked tid once the walk
 * is done and applies the results to the kept threads.
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

/* The seed's DelayStats: what one reply carries that a thread keeps. */
struct delay_stats {
	struct delay_category cat[TASKSTATS_NCAT];
	uint64_t hiwater_rss_bytes; /* KiB x 1024, saturating */
	uint64_t hiwater_vm_bytes;
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

/* The seed's apply_delay_stats: fields, taskstats_measured, active flags. */
void taskstats_apply(struct thread_state *t, const struct delay_stats *ds,
		     const struct taskstats_active *active);

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

#define TASKSTATS_NO_THREAD SIZE_MAX

/* Zero-initialise; begin, note each walked tid, finish, release. */
struct taskstats_pass {
	bool enabled;
	struct taskstats_client *client; /* NULL: open failed, nothing queried */
	struct taskstats_active active;
	uint32_t *tids;
	size_t *threads; /* snapshot thread index, or TASKSTATS_NO_THREAD */
	size_t len, cap;
	struct taskstats_summary *summary;
};

/*
 * Open the client and probe the host's sub-family switches. A client that
 * cannot open leaves a one-line warning on stderr and an all-zero summary.
 * 0 / -ENOMEM.
 */
int taskstats_pass_begin(struct taskstats_pass *p, int procfs_fd,
			 struct strbuf *buf);
/* Record a walked tid (a ghost-filtered one with TASKSTATS_NO_THREAD). */
int taskstats_pass_note(struct taskstats_pass *p, uint32_t tid, size_t thread);
/* Query every noted tid, tally, apply, and hand the summary to snap. */
void taskstats_pass_finish(struct taskstats_pass *p, struct ctprof_snapshot *snap);
void taskstats_pass_release(struct taskstats_pass *p);

#endif
