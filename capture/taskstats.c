/*
 * taskstats.c - the TASKSTATS client and the capture pass over it.
 *
 * libnl-genl connects and resolves the family once per capture and builds
 * the GET request once; the hot loop then sends a window of copies of it
 * (sequence number and tid patched) with one sendmmsg and collects the
 * replies with recvmmsg on the same socket, matching each to its tid by
 * sequence number. The kernel answers a request inside sendmsg(), so when
 * the queue reads empty every reply that will ever come has come: what is
 * still unanswered was dropped by a receive-buffer overrun (ENOBUFS) and is
 * sent again, with the window halved.
 */
#include "taskstats.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <linux/netlink.h>
#include <linux/taskstats.h>
#include <netlink/genl/ctrl.h>
#include <netlink/genl/genl.h>
#include <netlink/msg.h>
#include <netlink/socket.h>

#include "array.h"
#include "parse_util.h"

/* A GET is 28 bytes; the slot keeps each copy 8-byte aligned. */
#define REQUEST_SLOT 32u
/* A v17 reply is about 730 bytes; the slot leaves room for later versions. */
#define REPLY_SLOT 4096u
/* Sized for a full window of replies; the kernel caps it at rmem_max. */
#define RCVBUF_BYTES (int)(TASKSTATS_WINDOW_MAX * 4096u)
#define SNDBUF_BYTES (int)(TASKSTATS_WINDOW_MAX * REQUEST_SLOT)
/* Losses of one tid at window 1 before it is given up as -ENOBUFS. */
#define MAX_TRIES 4u

struct taskstats_client {
	struct nl_sock *sk;
	int fd;
	uint32_t seq; /* next sequence number: replies older than a round are stale */
	uint64_t overruns; /* rounds that lost replies */
	unsigned char request[REQUEST_SLOT]; /* the GET, tid 0 */
	size_t request_len;
	size_t pid_offset; /* of TASKSTATS_CMD_ATTR_PID's value in request */
	struct sockaddr_nl kernel;
	unsigned char (*requests)[REQUEST_SLOT]; /* TASKSTATS_WINDOW_MAX */
	unsigned char *replies;                  /* TASKSTATS_WINDOW_MAX slots */
	struct iovec send_iov[TASKSTATS_WINDOW_MAX];
	struct iovec recv_iov[TASKSTATS_WINDOW_MAX];
	struct mmsghdr send_msg[TASKSTATS_WINDOW_MAX];
	struct mmsghdr recv_msg[TASKSTATS_WINDOW_MAX];
};

/* libnl reports its own codes; callers classify by errno. */
static int nl_errno(int nlerr)
{
	switch (-nlerr) {
	case 0:
		return 0;
	case NLE_NOMEM:
		return -ENOMEM;
	case NLE_OBJ_NOTFOUND:
		return -ENOENT;
	case NLE_PERM:
		return -EPERM;
	case NLE_NOACCESS:
		return -EACCES;
	case NLE_AF_NOSUPPORT:
		return -EAFNOSUPPORT;
	default:
		return -EIO;
	}
}

/* Build TASKSTATS_CMD_GET once with libnl; the loop patches copies of it. */
static int build_request(struct taskstats_client *c, int family)
{
	struct nl_msg *msg = nlmsg_alloc();
	if (!msg)
		return -ENOMEM;
	int rc = -EMSGSIZE;
	if (!genlmsg_put(msg, NL_AUTO_PORT, NL_AUTO_SEQ, family, 0,
			 NLM_F_REQUEST, TASKSTATS_CMD_GET, TASKSTATS_GENL_VERSION) ||
	    nla_put_u32(msg, TASKSTATS_CMD_ATTR_PID, 0) < 0)
		goto out_free_msg;
	struct nlmsghdr *nlh = nlmsg_hdr(msg);
	struct nlattr *pid = nlmsg_find_attr(nlh, GENL_HDRLEN,
					     TASKSTATS_CMD_ATTR_PID);
	if (!pid || nlh->nlmsg_len > sizeof(c->request))
		goto out_free_msg;
	memcpy(c->request, nlh, nlh->nlmsg_len);
	c->request_len = nlh->nlmsg_len;
	c->pid_offset = (size_t)((unsigned char *)nla_data(pid) -
				 (unsigned char *)nlh);
	rc = 0;
out_free_msg:
	nlmsg_free(msg);
	return rc;
}

static void init_vectors(struct taskstats_client *c)
{
	c->kernel.nl_family = AF_NETLINK;
	for (unsigned i = 0; i < TASKSTATS_WINDOW_MAX; i++) {
		c->send_iov[i] = (struct iovec){ c->requests[i], c->request_len };
		c->send_msg[i].msg_hdr = (struct msghdr){
			.msg_name = &c->kernel,
			.msg_namelen = sizeof(c->kernel),
			.msg_iov = &c->send_iov[i],
			.msg_iovlen = 1,
		};
		c->recv_iov[i] = (struct iovec){
			c->replies + (size_t)i * REPLY_SLOT, REPLY_SLOT
		};
		c->recv_msg[i].msg_hdr = (struct msghdr){
			.msg_iov = &c->recv_iov[i],
			.msg_iovlen = 1,
		};
	}
}

/* Connect, resolve the family, switch off per-request ACKs, size buffers. */
static int connect_family(struct taskstats_client *c, struct strbuf *err)
{
	int rc = genl_connect(c->sk);
	if (rc < 0) {
		strbuf_addf(err, "generic netlink socket: %s", nl_geterror(rc));
		return nl_errno(rc);
	}
	int family = genl_ctrl_resolve(c->sk, TASKSTATS_GENL_NAME);
	if (family < 0) {
		strbuf_addf(err, "resolve family " TASKSTATS_GENL_NAME ": %s",
			    nl_geterror(family));
		return nl_errno(family);
	}
	/* An ACK per request would double the replies to read. */
	nl_socket_disable_auto_ack(c->sk);
	/* Best effort: a smaller buffer only means more overrun re-queries. */
	nl_socket_set_buffer_size(c->sk, RCVBUF_BYTES, SNDBUF_BYTES);
	c->fd = nl_socket_get_fd(c->sk);
	c->seq = 1;
	return build_request(c, family);
}

int taskstats_client_open(struct taskstats_client **out, struct strbuf *err)
{
	*out = NULL;
	struct taskstats_client *c = calloc(1, sizeof(*c));
	if (!c)
		return -ENOMEM;
	int rc = -ENOMEM;
	c->requests = calloc(TASKSTATS_WINDOW_MAX, sizeof(*c->requests));
	c->replies = malloc((size_t)TASKSTATS_WINDOW_MAX * REPLY_SLOT);
	c->sk = nl_socket_alloc();
	if (!c->requests || !c->replies || !c->sk)
		goto out_close;
	rc = connect_family(c, err);
	if (rc)
		goto out_close;
	init_vectors(c);
	*out = c;
	return 0;
out_close:
	taskstats_client_close(c);
	return rc;
}

void taskstats_client_close(struct taskstats_client *c)
{
	if (!c)
		return;
	if (c->sk)
		nl_socket_free(c->sk);
	free(c->requests);
	free(c->replies);
	free(c);
}

/* ---- the pipelined batch ------------------------------------------------ */

enum slot_state { SLOT_PENDING, SLOT_DONE, SLOT_LOST };

struct slot {
	size_t index; /* into the batch's tids */
	unsigned tries;
	enum slot_state state;
};

struct batch {
	const uint32_t *tids;
	size_t n;
	size_t next; /* first tid never sent */
	unsigned window;
	bool overrun;
	struct slot round[TASKSTATS_WINDOW_MAX];
	unsigned nround;
	struct slot retry[TASKSTATS_WINDOW_MAX]; /* lost, to send again */
	unsigned nretry;
	taskstats_reply_fn fn;
	void *arg;
};

/* Re-queries first, then fresh tids, up to the window. */
static void fill_round(struct batch *b)
{
	b->nround = 0;
	while (b->nround < b->window && b->nretry)
		b->round[b->nround++] = b->retry[--b->nretry];
	while (b->nround < b->window && b->next < b->n)
		b->round[b->nround++] = (struct slot){ .index = b->next++ };
	for (unsigned i = 0; i < b->nround; i++)
		b->round[i].state = SLOT_PENDING;
}

static void build_round(struct taskstats_client *c, const struct batch *b,
			uint32_t base)
{
	for (unsigned i = 0; i < b->nround; i++) {
		unsigned char *r = c->requests[i];
		uint32_t seq = base + i, tid = b->tids[b->round[i].index];
		memcpy(r, c->request, c->request_len);
		memcpy(r + offsetof(struct nlmsghdr, nlmsg_seq), &seq, sizeof(seq));
		memcpy(r + c->pid_offset, &tid, sizeof(tid));
	}
}

static int send_round(struct taskstats_client *c, unsigned k)
{
	unsigned sent = 0;
	while (sent < k) {
		int n = sendmmsg(c->fd, c->send_msg + sent, k - sent, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		sent += (unsigned)n;
	}
	return 0;
}

/*
 * Match reply i to its request by sequence number and report it; 1 if it
 * settled a pending request. A stale or duplicate reply is dropped.
 */
static unsigned dispatch(struct taskstats_client *c, struct batch *b,
			 uint32_t base, unsigned i)
{
	const unsigned char *buf = c->replies + (size_t)i * REPLY_SLOT;
	size_t len = c->recv_msg[i].msg_len;
	uint32_t seq;
	if (len < sizeof(struct nlmsghdr))
		return 0;
	memcpy(&seq, buf + offsetof(struct nlmsghdr, nlmsg_seq), sizeof(seq));
	uint32_t j = seq - base;
	if (j >= b->nround || b->round[j].state != SLOT_PENDING)
		return 0;
	struct slot *s = &b->round[j];
	struct delay_stats ds;
	int err = taskstats_parse_reply(buf, len, b->tids[s->index], &ds);
	/* The kernel could not queue the reply: as good as dropped. */
	if (err == -ENOBUFS || err == -EAGAIN) {
		s->state = SLOT_LOST;
		b->overrun = true;
		return 1;
	}
	s->state = SLOT_DONE;
	b->fn(b->arg, s->index, err, err ? NULL : &ds);
	return 1;
}

/* Read until every request of the round is settled or the queue is empty. */
static int recv_round(struct taskstats_client *c, struct batch *b,
		      uint32_t base)
{
	unsigned settled = 0;
	while (settled < b->nround) {
		int n = recvmmsg(c->fd, c->recv_msg, b->nround, MSG_DONTWAIT,
				 NULL);
		if (n < 0 && errno == ENOBUFS)
			b->overrun = true;
		if (n < 0 && (errno == EINTR || errno == ENOBUFS))
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return 0;
		if (n < 0)
			return -errno;
		for (unsigned i = 0; i < (unsigned)n; i++)
			settled += dispatch(c, b, base, i);
	}
	return 0;
}

/*
 * What the round left unanswered is queued again. A loss only counts
 * against a tid at window 1, where the queue is empty before every send:
 * above that the window was too big, and it halves. Halving on any loss,
 * seen ENOBUFS or not, is what bounds the batch: at most log2(window)
 * lossy rounds reach window 1, and there every loss is counted.
 */
static void settle_round(struct taskstats_client *c, struct batch *b)
{
	bool counted = b->window == 1, lost = b->overrun;
	for (unsigned i = 0; i < b->nround; i++) {
		struct slot s = b->round[i];
		if (s.state == SLOT_DONE)
			continue;
		lost = true;
		if (counted && ++s.tries >= MAX_TRIES)
			b->fn(b->arg, s.index, -ENOBUFS, NULL);
		else
			b->retry[b->nretry++] = s;
	}
	c->overruns += lost;
	if (lost && b->window > 1)
		b->window /= 2;
	b->overrun = false;
}

/* A socket error ends the batch: every tid not yet reported gets it. */
static void fail_rest(struct batch *b, int err)
{
	for (unsigned i = 0; i < b->nround; i++)
		if (b->round[i].state != SLOT_DONE)
			b->fn(b->arg, b->round[i].index, err, NULL);
	for (unsigned i = 0; i < b->nretry; i++)
		b->fn(b->arg, b->retry[i].index, err, NULL);
	for (; b->next < b->n; b->next++)
		b->fn(b->arg, b->next, err, NULL);
}

int taskstats_query_batch(struct taskstats_client *c, const uint32_t *tids,
			  size_t n, unsigned window, taskstats_reply_fn fn,
			  void *arg)
{
	struct batch b = { .tids = tids, .n = n, .fn = fn, .arg = arg };
	b.window = window < 1 ? 1 :
		   window > TASKSTATS_WINDOW_MAX ? TASKSTATS_WINDOW_MAX : window;
	while (b.nretry || b.next < b.n) {
		fill_round(&b);
		uint32_t base = c->seq;
		c->seq += b.nround;
		build_round(c, &b, base);
		int rc = send_round(c, b.nround);
		if (!rc)
			rc = recv_round(c, &b, base);
		if (rc) {
			fail_rest(&b, rc);
			return rc;
		}
		settle_round(c, &b);
	}
	return 0;
}

int taskstats_client_set_rcvbuf(struct taskstats_client *c, int bytes)
{
	return nl_errno(nl_socket_set_buffer_size(c->sk, bytes, SNDBUF_BYTES));
}

uint64_t taskstats_client_overruns(const struct taskstats_client *c)
{
	return c->overruns;
}

/* ---- the capture pass --------------------------------------------------- */

#define TASKSTATS_WARNING                                                      \
	"ctprof: warning: taskstats unavailable (%s); delay-accounting and "  \
	"memory-watermark fields stay zero: the kernel needs CONFIG_TASKSTATS " \
	"(with CONFIG_TASK_DELAY_ACCT and CONFIG_TASK_XACCT), queries need "  \
	"CAP_NET_ADMIN, and the seven resource delays need "                   \
	"kernel.task_delayacct=1 (or the delayacct boot parameter)\n"

static void record_self(void *arg, size_t index, int err,
			const struct delay_stats *ds)
{
	(void)index;
	(void)ds;
	*(int *)arg = err;
}

/* Whether a GET of our own tid answers: it fails with EPERM without
 * CAP_NET_ADMIN, and then the files are the only source. */
static bool query_self(struct taskstats_client *c)
{
	uint32_t self = (uint32_t)gettid();
	int err = -ENODATA;
	return !taskstats_query_batch(c, &self, 1, 1, record_self, &err) && !err;
}

int taskstats_pass_begin(struct taskstats_pass *p, int procfs_fd,
			 struct strbuf *buf)
{
	struct taskstats_client *c = NULL;
	struct strbuf why = STRBUF_INIT;
	p->enabled = true;
	int rc = taskstats_client_open(&c, &why);
	if (rc && rc != -ENOMEM)
		fprintf(stderr, TASKSTATS_WARNING, why.len ? why.buf : strerror(-rc));
	strbuf_release(&why);
	if (rc)
		return rc == -ENOMEM ? rc : 0;
	/* The switches only qualify measured threads: probe when some can be. */
	taskstats_active_probe(procfs_fd, &p->active, buf);
	p->usable = query_self(c);
	taskstats_client_close(c);
	return 0;
}

unsigned taskstats_pass_supplies(const struct taskstats_pass *p)
{
	if (!p->usable)
		return 0;
	unsigned s = TASKSTATS_SUPPLIES_CSW;
	if (p->active.cpu_delay)
		s |= TASKSTATS_SUPPLIES_SCHEDSTAT;
	return s;
}

int taskstats_walker_open(struct taskstats_walker *w,
			  const struct taskstats_pass *pass)
{
	struct strbuf why = STRBUF_INIT;
	w->pass = pass;
	int rc = pass->enabled ? taskstats_client_open(&w->client, &why) : 0;
	strbuf_release(&why);
	/* Begin already warned once for the capture. */
	return rc == -ENOMEM ? rc : 0;
}

static void store_reply(void *arg, size_t index, int err,
			const struct delay_stats *ds)
{
	struct taskstats_walker *w = arg;
	taskstats_summary_record(&w->summary, err);
	w->results[index].err = err;
	if (!err)
		w->results[index].ds = *ds;
}

int taskstats_walker_query(struct taskstats_walker *w, const uint32_t *tids,
			   size_t n)
{
	if (array_ensure((void **)&w->results, &w->cap, n, sizeof(*w->results)))
		return -ENOMEM;
	for (size_t i = 0; i < n; i++)
		w->results[i].err = -ENOTCONN;
	/* A socket error is already counted, as "other", on every tid it hit. */
	if (w->client)
		taskstats_query_batch(w->client, tids, n, TASKSTATS_WINDOW,
				      store_reply, w);
	return 0;
}

void taskstats_walker_close(struct taskstats_walker *w)
{
	taskstats_client_close(w->client);
	free(w->results);
	*w = (struct taskstats_walker){ 0 };
}

void taskstats_summary_add(struct taskstats_summary *dst,
			   const struct taskstats_summary *src)
{
	dst->ok_count = sat_add_u64(dst->ok_count, src->ok_count);
	dst->eperm_count = sat_add_u64(dst->eperm_count, src->eperm_count);
	dst->esrch_count = sat_add_u64(dst->esrch_count, src->esrch_count);
	dst->other_err_count = sat_add_u64(dst->other_err_count, src->other_err_count);
}
