/*
 * capture_memo.c - the memo of idle threads (see capture_memo.h). Entries
 * are kept in snapshot order, (tgid, tid) ascending, so the rebuild is one
 * pass and a lookup one binary search.
 */
#include "capture_memo.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "array.h"
#include "readfile.h"

/* The sched values, one member per THREAD_FIELDS row of that source. */
#define MEMO_ROW_SCHED MEMO_MEMBER
#define MEMO_ROW_IO MEMO_SKIP
struct memo_sched {
	THREAD_FIELDS(MEMO_ROW)
};
#undef MEMO_ROW_SCHED
#undef MEMO_ROW_IO

#define MEMO_COPY(name, kind) dst->name = src->name;

#define MEMO_ROW_SCHED MEMO_COPY
#define MEMO_ROW_IO MEMO_SKIP
static void sched_from_thread(struct memo_sched *dst, const struct thread_state *src)
{
	THREAD_FIELDS(MEMO_ROW)
}

static void sched_to_thread(struct thread_state *dst, const struct memo_sched *src)
{
	THREAD_FIELDS(MEMO_ROW)
}
#undef MEMO_ROW_SCHED
#undef MEMO_ROW_IO

#define MEMO_ROW_SCHED MEMO_SKIP
#define MEMO_ROW_IO MEMO_COPY
void memo_io_from_thread(struct memo_io *dst, const struct thread_state *src)
{
	THREAD_FIELDS(MEMO_ROW)
}

static void io_to_thread(struct thread_state *dst, const struct memo_io *src)
{
	THREAD_FIELDS(MEMO_ROW)
}
#undef MEMO_ROW_IO

#define MEMO_SAME(name, kind) same = same && a->name == b->name;
#define MEMO_ROW_IO MEMO_SAME
static bool io_equal(const struct memo_io *a, const struct memo_io *b)
{
	bool same = true;
	THREAD_FIELDS(MEMO_ROW)
	return same;
}
#undef MEMO_ROW_SCHED
#undef MEMO_ROW_IO

/* What must not have moved for the values to still hold. */
struct memo_entry {
	uint32_t tgid, tid;
	uint64_t start_time;
	uint64_t run_ns, nvcsw, nivcsw;
	int32_t nice, priority;
	uint32_t rt_priority;
	char policy[32];
	struct memo_sched sched;
	struct memo_io io;
};

struct capture_memo {
	struct memo_entry *entries;
	size_t len, cap;
	struct memo_process *procs; /* tgid ascending */
	size_t nprocs, procs_cap;
	struct strbuf epoch;
};

struct capture_memo *capture_memo_new(void)
{
	struct capture_memo *m = calloc(1, sizeof(*m));
	if (m)
		strbuf_init(&m->epoch);
	return m;
}

void capture_memo_free(struct capture_memo *m)
{
	if (!m)
		return;
	free(m->entries);
	free(m->procs);
	strbuf_release(&m->epoch);
	free(m);
}

/* Append dir/name's trimmed text, or "-", and a separator. */
static int epoch_add(struct strbuf *epoch, int dirfd, const char *name,
		     struct strbuf *buf)
{
	bool ok = dirfd >= 0 && !read_trimmed_at(dirfd, name, buf);
	return strbuf_addf(epoch, "%s;", ok ? buf->buf : "-");
}

int capture_memo_begin(struct capture_memo *m, int proc_fd, int sys_fd,
		       struct strbuf *buf)
{
	struct strbuf now = STRBUF_INIT;
	int rc = epoch_add(&now, sys_fd, "kernel/sched_ext/state", buf);
	if (!rc)
		rc = epoch_add(&now, sys_fd, "kernel/sched_ext/enable_seq", buf);
	if (!rc)
		rc = epoch_add(&now, proc_fd, "sys/kernel/sched_schedstats", buf);
	if (!rc && (m->epoch.len != now.len || memcmp(m->epoch.buf, now.buf, now.len))) {
		m->len = 0;
		m->nprocs = 0;
		strbuf_reset(&m->epoch);
		rc = strbuf_add(&m->epoch, now.buf, now.len);
	}
	strbuf_release(&now);
	return rc;
}

static int cmp_u32(uint32_t a, uint32_t b)
{
	return a < b ? -1 : a > b;
}

/* bsearch over the entries, kept in (tgid, tid) order. */
static int entry_key_cmp(const void *key, const void *elem)
{
	const uint32_t *k = key;
	const struct memo_entry *e = elem;
	int c = cmp_u32(k[0], e->tgid);
	return c ? c : cmp_u32(k[1], e->tid);
}

/* bsearch over the io totals by tgid. */
static int process_key_cmp(const void *key, const void *elem)
{
	return cmp_u32(*(const uint32_t *)key, ((const struct memo_process *)elem)->tgid);
}

const struct memo_entry *capture_memo_find(const struct capture_memo *m,
					   uint32_t tgid, uint32_t tid)
{
	const uint32_t key[2] = { tgid, tid };
	if (!m || !m->len)
		return NULL;
	return bsearch(key, m->entries, m->len, sizeof(*m->entries), entry_key_cmp);
}

/* Sleeping: not running, not woken and waiting for a CPU (that is R). */
static bool is_asleep(char state)
{
	return state == 'S' || state == 'D' || state == 'I';
}

bool capture_memo_reuse(const struct memo_entry *e, struct thread_state *t)
{
	if (!e || !t->taskstats_measured || !is_asleep(t->state) ||
	    e->start_time != t->start_time_clock_ticks || e->run_ns != t->run_time_ns ||
	    e->nvcsw != t->voluntary_csw || e->nivcsw != t->nonvoluntary_csw ||
	    e->nice != t->nice || e->priority != t->priority ||
	    e->rt_priority != t->rt_priority || strcmp(e->policy, t->policy))
		return false;
	sched_to_thread(t, &e->sched);
	io_to_thread(t, &e->io);
	return true;
}

bool capture_memo_reuse_io(const struct memo_entry *e, struct thread_state *t)
{
	if (!e || e->start_time != t->start_time_clock_ticks)
		return false;
	io_to_thread(t, &e->io);
	return true;
}

bool capture_memo_io_unchanged(const struct capture_memo *m, uint32_t tgid,
			       const struct memo_io *now)
{
	if (!m || !m->nprocs)
		return false;
	const struct memo_process *p =
		bsearch(&tgid, m->procs, m->nprocs, sizeof(*m->procs), process_key_cmp);
	return p && io_equal(&p->io, now);
}

int capture_memo_commit_processes(struct capture_memo *m, const struct memo_process *p,
				  size_t n)
{
	m->nprocs = 0;
	if (array_ensure((void **)&m->procs, &m->procs_cap, n, sizeof(*m->procs)))
		return -ENOMEM;
	if (n)
		memcpy(m->procs, p, n * sizeof(*p));
	m->nprocs = n;
	return 0;
}

static void entry_from_thread(struct memo_entry *e, const struct thread_state *t)
{
	*e = (struct memo_entry){
		.tgid = t->tgid,
		.tid = t->tid,
		.start_time = t->start_time_clock_ticks,
		.run_ns = t->run_time_ns,
		.nvcsw = t->voluntary_csw,
		.nivcsw = t->nonvoluntary_csw,
		.nice = t->nice,
		.priority = t->priority,
		.rt_priority = t->rt_priority,
	};
	snprintf(e->policy, sizeof(e->policy), "%s", t->policy);
	sched_from_thread(&e->sched, t);
	memo_io_from_thread(&e->io, t);
}

int capture_memo_commit(struct capture_memo *m, const struct ctprof_snapshot *s)
{
	m->len = 0;
	if (array_ensure((void **)&m->entries, &m->cap, s->nthreads, sizeof(*m->entries)))
		return -ENOMEM;
	for (size_t i = 0; i < s->nthreads; i++) {
		const struct thread_state *t = &s->threads[i];
		if (t->taskstats_measured)
			entry_from_thread(&m->entries[m->len++], t);
	}
	return 0;
}

size_t capture_memo_size(const struct capture_memo *m)
{
	return m->len;
}
