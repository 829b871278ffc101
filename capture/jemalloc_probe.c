/*
 * jemalloc_probe.c - the prober: its caches, phase 1's bounded parallel
 * attach, phase 2's per-thread read and the per-capture tally (see
 * jemalloc_probe.h).
 */
#include "jemalloc_probe.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "jemalloc_attach.h"
#include "jemalloc_cache.h"
#include "jemalloc_ptrace.h"
#include "proc_task.h"
#include "readfile.h"

/* Long enough for a large binary's DWARF; a hung parser costs this once. */
#define JM_RESOLVE_TIMEOUT_MS 10000

/* One process of the capture in progress. */
struct jm_slot {
	uint32_t tgid;
	enum jm_tag tag;
	struct jm_proc *proc; /* JM_OK: its plan; else possibly NULL */
	bool owned;           /* not in the cache: freed at end */
};

struct jemalloc_prober {
	pthread_mutex_t lock; /* files and procs, during phase 1 */
	struct jm_cache files; /* (dev, ino) -> struct jm_file_info * */
	struct jm_cache procs; /* (tgid, start time) -> struct jm_proc * */
	uint32_t gen;          /* the current capture, for sweeping */
	struct jm_tracer *tracer;
	jm_resolve_fn resolve;
	int timeout_ms;
	/* the capture in progress */
	const char *procfs;
	int proc_fd;
	bool host_wide;
	struct jm_slot *slots; /* ascending tgid */
	size_t nslots;
	size_t next; /* phase 1's next slot, taken atomically */
	struct jm_tally tally;
};

struct jemalloc_prober *jemalloc_prober_new(void)
{
	struct jemalloc_prober *p = calloc(1, sizeof(*p));
	if (!p)
		return NULL;
	if (!(p->tracer = jm_tracer_new())) {
		free(p);
		return NULL;
	}
	pthread_mutex_init(&p->lock, NULL);
	p->resolve = jm_resolve_file;
	p->timeout_ms = JM_RESOLVE_TIMEOUT_MS;
	p->proc_fd = -1;
	return p;
}

static void drop_file(uint64_t v)
{
	free((void *)(uintptr_t)v);
}

static void drop_proc(uint64_t v)
{
	jm_proc_free((struct jm_proc *)(uintptr_t)v);
}

static void free_slots(struct jemalloc_prober *p)
{
	for (size_t i = 0; i < p->nslots; i++)
		if (p->slots[i].owned)
			jm_proc_free(p->slots[i].proc);
	free(p->slots);
	p->slots = NULL;
	p->nslots = 0;
}

void jemalloc_prober_free(struct jemalloc_prober *p)
{
	if (!p)
		return;
	free_slots(p);
	jm_tracer_free(p->tracer);
	jm_cache_release(&p->procs, drop_proc);
	jm_cache_release(&p->files, drop_file);
	pthread_mutex_destroy(&p->lock);
	free(p);
}

void jemalloc_prober_set_resolver(struct jemalloc_prober *p, jm_resolve_fn fn,
				  int timeout_ms)
{
	p->resolve = fn;
	p->timeout_ms = timeout_ms;
}

void jemalloc_prober_forget_threads(struct jemalloc_prober *p)
{
	for (size_t i = 0; i < p->procs.cap; i++)
		if (p->procs.slots[i].used)
			jm_cache_release(
				&((struct jm_proc *)(uintptr_t)p->procs.slots[i].value)->threads,
				NULL);
}

uint64_t jemalloc_prober_tag_count(const struct jemalloc_prober *p, enum jm_tag tag)
{
	return (unsigned)tag < JM_TAG_COUNT ? p->tally.counts[tag] : 0;
}

/* The process's start time: with the tgid, it names one process for good. */
static int read_start_time(int pfd, uint64_t *start)
{
	struct strbuf buf = STRBUF_INIT;
	struct thread_state t;
	int rc = thread_state_init(&t);
	if (rc)
		return rc;
	rc = read_file_at(pfd, "stat", &buf);
	if (!rc)
		rc = proc_parse_stat(buf.buf, &t);
	*start = t.start_time_clock_ticks;
	thread_state_release(&t);
	strbuf_release(&buf);
	return rc;
}

/* A cached process whose image is still the same, or NULL. */
static struct jm_proc *proc_cached(struct jemalloc_prober *p, uint32_t tgid,
				   uint64_t start, const struct stat *exe)
{
	struct jm_cache_entry *e = jm_cache_find(&p->procs, tgid, start);
	struct jm_proc *proc = e ? (struct jm_proc *)(uintptr_t)e->value : NULL;
	if (!proc || proc->exe_dev != exe->st_dev || proc->exe_ino != exe->st_ino)
		return NULL;
	e->gen = p->gen;
	return proc;
}

/* Keep a new process; one that exec'd replaces its old entry. */
static void proc_store(struct jemalloc_prober *p, struct jm_slot *s, uint64_t start)
{
	struct jm_cache_entry *e = jm_cache_find(&p->procs, s->tgid, start);
	if (e) {
		jm_proc_free((struct jm_proc *)(uintptr_t)e->value);
		e->value = (uintptr_t)s->proc;
		e->gen = p->gen;
		return;
	}
	s->owned = jm_cache_put(&p->procs, s->tgid, start, (uintptr_t)s->proc, p->gen) != 0;
}

static void attach_known(struct jemalloc_prober *p, struct jm_slot *s, int pfd,
			 uint64_t start, const struct stat *exe)
{
	pthread_mutex_lock(&p->lock);
	s->proc = proc_cached(p, s->tgid, start, exe);
	pthread_mutex_unlock(&p->lock);
	if (s->proc) {
		s->tag = s->proc->tag;
		return;
	}
	struct jm_attach_ctx c = { &p->lock, &p->files, p->procfs, p->resolve,
				   p->timeout_ms };
	s->proc = jm_attach(&c, pfd, s->tgid, exe->st_dev, exe->st_ino, &s->tag);
	if (!s->proc)
		return;
	pthread_mutex_lock(&p->lock);
	proc_store(p, s, start);
	pthread_mutex_unlock(&p->lock);
}

static void attach_slot(struct jemalloc_prober *p, struct jm_slot *s)
{
	char name[16];
	uint64_t start;
	struct stat exe;
	snprintf(name, sizeof(name), "%u", s->tgid);
	int pfd = open_dir_at(p->proc_fd, name);
	if (pfd < 0) {
		s->tag = JM_PID_MISSING;
		return;
	}
	if (read_start_time(pfd, &start))
		s->tag = JM_PID_MISSING;
	else if (fstatat(pfd, "exe", &exe, 0)) /* kernel threads, exit races */
		s->tag = JM_READLINK_FAILURE;
	else
		attach_known(p, s, pfd, start, &exe);
	close(pfd);
}

static void *attach_worker(void *arg)
{
	struct jemalloc_prober *p = arg;
	for (;;) {
		size_t i = __atomic_fetch_add(&p->next, 1, __ATOMIC_RELAXED);
		if (i >= p->nslots)
			return NULL;
		attach_slot(p, &p->slots[i]);
	}
}

/* The seed's bound: CPUs not busy per loadavg, clamped to [1, ncpu/2 + 1]. */
static size_t attach_parallelism(int proc_fd)
{
	struct strbuf buf = STRBUF_INIT;
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	double load = 0;
	if (ncpu < 1)
		ncpu = 1;
	if (!read_file_at(proc_fd, "loadavg", &buf))
		load = strtod(buf.buf, NULL);
	strbuf_release(&buf);
	double headroom = (double)ncpu - load;
	size_t n = headroom < 1 ? 1 : (size_t)headroom;
	size_t max = (size_t)ncpu / 2 + 1;
	return n > max ? max : n;
}

/* Phase 1 on n workers: this thread plus n - 1 started ones. */
static void run_attach(struct jemalloc_prober *p)
{
	size_t n = attach_parallelism(p->proc_fd), started = 0;
	pthread_t th[64];
	if (n > p->nslots)
		n = p->nslots;
	if (n > sizeof(th) / sizeof(th[0]))
		n = sizeof(th) / sizeof(th[0]);
	p->next = 0;
	while (started + 1 < n && !pthread_create(&th[started], NULL, attach_worker, p))
		started++;
	attach_worker(p);
	for (size_t i = 0; i < started; i++)
		pthread_join(th[i], NULL);
}

int jemalloc_prober_begin(struct jemalloc_prober *p, const char *procfs, int proc_fd,
			  const uint32_t *tgids, size_t n, bool host_wide)
{
	pid_t self = getpid();
	free_slots(p);
	memset(&p->tally, 0, sizeof(p->tally));
	p->gen++;
	p->procfs = procfs;
	p->proc_fd = proc_fd;
	p->host_wide = host_wide;
	if (n && !(p->slots = calloc(n, sizeof(*p->slots))))
		return -ENOMEM;
	for (size_t i = 0; i < n; i++)
		if (tgids[i] != (uint32_t)self) /* PTRACE_SEIZE refuses oneself */
			p->slots[p->nslots++].tgid = tgids[i];
	run_attach(p);
	for (size_t i = 0; i < p->nslots; i++)
		jm_tally_attach(&p->tally, p->slots[i].tag);
	return 0;
}

static int cmp_slot(const void *key, const void *elem)
{
	uint32_t k = *(const uint32_t *)key, t = ((const struct jm_slot *)elem)->tgid;
	return k < t ? -1 : k > t;
}

/* A cached thread pointer costs one read; a new thread is stopped once. */
static enum jm_tag read_counters(struct jemalloc_prober *p, struct jm_proc *proc,
				 const struct thread_state *t, struct jm_counters *c)
{
	pid_t tid = (pid_t)t->tid;
	struct jm_cache_entry *e = jm_cache_find(&proc->threads, t->tid,
						 t->start_time_clock_ticks);
	if (e) {
		e->gen = p->gen;
		enum jm_tag tag = jm_resolve_block(tid, &proc->plan);
		return tag ? tag : jm_read_counters(tid, &proc->plan, e->value, c);
	}
	uint64_t tp;
	enum jm_tag tag = jm_tracer_probe(p->tracer, tid, &proc->plan, &tp, c);
	/* Without memory to cache it, the thread is simply stopped again later. */
	if (!tag)
		jm_cache_put(&proc->threads, t->tid, t->start_time_clock_ticks, tp, p->gen);
	return tag;
}

void jemalloc_prober_read_thread(struct jemalloc_prober *p, struct thread_state *t)
{
	struct jm_counters c;
	struct jm_slot *s = bsearch(&t->tgid, p->slots, p->nslots, sizeof(*s), cmp_slot);
	if (!s || s->tag != JM_OK)
		return;
	enum jm_tag tag = read_counters(p, s->proc, t, &c);
	jm_tally_probe(&p->tally, tag);
	if (tag)
		return;
	t->allocated_bytes = c.allocated;
	t->deallocated_bytes = c.deallocated;
	t->jemalloc_measured = true;
}

struct probe_summary *jemalloc_prober_end(struct jemalloc_prober *p)
{
	struct probe_summary *sum = jm_tally_summary(&p->tally);
	/* A walked process's threads that were not seen have exited. */
	for (size_t i = 0; i < p->nslots; i++)
		if (p->slots[i].proc && !p->slots[i].owned)
			jm_cache_sweep(&p->slots[i].proc->threads, p->gen, NULL);
	/* Processes not seen by a host-wide capture have exited. */
	if (p->host_wide)
		jm_cache_sweep(&p->procs, p->gen, drop_proc);
	free_slots(p);
	p->proc_fd = -1;
	return sum;
}
