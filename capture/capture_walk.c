/*
 * capture_walk.c - the walker pool (see capture_walk.h). A walker's part
 * is a private snapshot: it pushes threads there without locks, and the
 * merge moves them into the capture's snapshot in tgid order, so the result
 * does not depend on which walker took which process.
 */
#include "capture_walk.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "array.h"
#include "capture.h"
#include "parse_util.h"
#include "proc_task.h"
#include "readfile.h"
#include "task_read.h"

/* Where one process's threads landed: a range of its walker's part. */
struct walk_slot {
	struct walker *w; /* NULL: the process was gone */
	size_t first, count;
	bool io_read; /* io: the process's totals, read before its threads */
	struct memo_io io;
};

/* The queue every walker takes processes from. */
struct walk_queue {
	const uint32_t *tgids;
	size_t n;
	atomic_size_t next;
	struct walk_slot *slots; /* one per tgid, each written by one walker */
};

struct walker {
	const struct walk_plan *plan;
	struct walk_queue *queue;
	struct strbuf buf;    /* every file */
	struct strbuf pcomm;  /* of the current process */
	struct strbuf cgroup; /* of the current process, when shared */
	struct parse_tally tally;
	uint64_t reused, io_reused;
	struct taskstats_walker ts;
	struct kv_map domains; /* cgroup path -> 1: its threads share it */
	struct ctprof_snapshot part;
	pthread_t thread;
	bool started;
	int rc;
};

static int cmp_id(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	return x < y ? -1 : x > y;
}

static int push_id(struct id_list *out, size_t *cap, uint32_t id)
{
	if (array_grow((void **)&out->ids, cap, out->len + 1, 256, sizeof(*out->ids)))
		return -ENOMEM;
	out->ids[out->len++] = id;
	return 0;
}

int capture_list_ids(int dirfd, const char *sub, struct id_list *out)
{
	out->ids = NULL;
	out->len = 0;
	int fd = openat(dirfd, sub, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	DIR *d = fdopendir(fd);
	if (!d) {
		close(fd);
		return 0;
	}
	size_t cap = 0;
	int rc = 0;
	struct dirent *e;
	while (!rc && (e = readdir(d))) {
		uint32_t id;
		if (parse_u32(e->d_name, &id) && id && e->d_name[0] != '+')
			rc = push_id(out, &cap, id);
	}
	closedir(d);
	if (out->len)
		qsort(out->ids, out->len, sizeof(*out->ids), cmp_id);
	return rc;
}

/* Whether dir's cgroup.type (dir relative to the cgroup2 root) is type. */
static bool cgroup_type_is(struct walker *w, const char *dir, const char *type)
{
	struct strbuf file = STRBUF_INIT;
	bool is = !strbuf_addf(&file, "%s/cgroup.type", dir) &&
		  !read_trimmed_at(w->plan->cgroup_fd, file.buf, &w->buf) &&
		  !strcmp(w->buf.buf, type);
	strbuf_release(&file);
	return is;
}

/*
 * The root has no cgroup.type: its processes' threads can leave it only
 * for a threaded child of the root (a threaded subtree grows from there).
 */
static bool cgroup_root_keeps_threads(struct walker *w)
{
	int fd = dup(w->plan->cgroup_fd);
	DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
	if (!d) {
		if (fd >= 0)
			close(fd);
		return false;
	}
	bool keeps = true;
	struct dirent *e;
	while (keeps && (e = readdir(d))) {
		if (e->d_type == DT_DIR && e->d_name[0] != '.')
			keeps = !cgroup_type_is(w, e->d_name, "threaded");
	}
	closedir(d);
	return keeps;
}

/*
 * Whether every thread of a process in cgroup path is in path too. In
 * cgroup v2 a thread can leave its process's cgroup only inside a threaded
 * subtree; a cgroup whose cgroup.type is "domain" takes whole processes
 * only (cgroup.procs moves every thread under the threadgroup lock).
 */
static bool cgroup_is_domain(struct walker *w, const char *path)
{
	const struct kv_u64 *known = kv_map_find(&w->domains, path);
	if (known)
		return known->value;
	bool domain = false;
	if (!strcmp(path, "/"))
		domain = cgroup_root_keeps_threads(w);
	else if (path[0] == '/')
		domain = cgroup_type_is(w, path + 1, "domain");
	/* Not remembered without memory: the next process asks again. */
	kv_map_set(&w->domains, path, domain);
	return domain;
}

/* The process's cgroup when all its threads provably share it, else NULL. */
static const char *shared_cgroup(struct walker *w, int pfd)
{
	if (!w->plan->cgroup_per_process || read_file_at(pfd, "cgroup", &w->buf))
		return NULL;
	const char *path = proc_cgroup_v2_path(w->buf.buf);
	strbuf_reset(&w->cgroup);
	if (!path || strbuf_adds(&w->cgroup, path))
		return NULL;
	return cgroup_is_domain(w, w->cgroup.buf) ? w->cgroup.buf : NULL;
}

/* What walk_tid shares across one process's threads. */
struct walk_process {
	int pfd;
	uint32_t tgid;
	const char *cgroup; /* shared by every thread, or NULL */
	bool io_unchanged;  /* its io totals are those the memo holds */
};

/* Read one tid; a thread the ghost filter drops leaves no trace. */
static int walk_tid(struct walker *w, const struct walk_process *proc, uint32_t tid,
		    const struct taskstats_result *ts)
{
	uint32_t tgid = proc->tgid;
	const struct walk_plan *plan = w->plan;
	struct thread_state t;
	int rc = thread_state_init(&t);
	if (rc)
		return rc;
	w->tally.tids_walked++;
	t.tid = tid;
	t.tgid = tgid;
	unsigned skip = plan->skip;
	bool measured = ts && !ts->err;
	/* No reply for this tid: its files are the only source left. */
	if (!measured)
		skip &= ~TASK_SKIP_TASKSTATS;
	struct task_read_ctx ctx = { .buf = &w->buf, .tally = &w->tally,
				     .live = plan->live, .smaps = plan->smaps,
				     .skip = skip, .cgroup = proc->cgroup,
				     .io_unchanged = proc->io_unchanged };
	/* Applied first: the memo compares its run time and switch counts. */
	if (measured) {
		taskstats_apply(&t, &ts->ds, &plan->taskstats->active, plan->supplies);
		ctx.memo = capture_memo_find(plan->memo, tgid, tid);
	}
	rc = task_read(proc->pfd, &t, &ctx);
	w->reused += ctx.reused;
	w->io_reused += ctx.io_reused;
	if (!rc)
		rc = snapshot_set_string(&t.pcomm, w->pcomm.buf);
	if (rc)
		goto out_release;
	/* Ghost: the tid exited between readdir and the reads. */
	if (!*t.comm && !t.start_time_clock_ticks) {
		parse_tally_discard(&w->tally);
		goto out_release;
	}
	parse_tally_commit(&w->tally);
	if (plan->jemalloc) {
		pthread_mutex_lock(plan->jemalloc_lock);
		jemalloc_prober_read_thread(plan->jemalloc, &t);
		pthread_mutex_unlock(plan->jemalloc_lock);
	}
	return snapshot_push_thread(&w->part, &t);
out_release:
	thread_state_release(&t);
	return rc;
}

/*
 * The process's own stat, parsed as a thread's (one stat parser): its
 * utime and stime include the threads it has reaped, which no thread's
 * stat shows. Read after the threads, so it covers what they showed. A
 * stat without a start time (field 22, after utime and stime) is not
 * recorded; a failed read is not tallied, as parse_summary counts
 * per-thread files only.
 */
static int walk_process_cpu(struct walker *w, int pfd, uint32_t tgid)
{
	struct thread_state t;
	int rc;
	if (read_file_at(pfd, "stat", &w->buf))
		return 0;
	if ((rc = thread_state_init(&t)))
		return rc;
	rc = proc_parse_stat(w->buf.buf, &t);
	if (!rc && t.start_time_clock_ticks) {
		struct process_cpu p = { tgid, t.start_time_clock_ticks,
					 t.utime_clock_ticks, t.stime_clock_ticks };
		rc = snapshot_add_process(&w->part, &p);
	}
	thread_state_release(&t);
	return rc;
}

static bool queries_taskstats(const struct walk_plan *plan)
{
	return plan->taskstats && plan->taskstats->enabled;
}

/*
 * With a memo, a process of several threads has its io totals read before
 * its threads (the gate needs them to predate every thread's read); when
 * they equal the memo's, its known threads keep their io values. A single
 * thread is read as it is: the totals would cost what they save.
 */
static bool process_io_unchanged(struct walker *w, int pfd, uint32_t tgid,
				 size_t nthreads, struct walk_slot *slot)
{
	struct thread_state totals = { 0 };
	if (!w->plan->memo || nthreads < 2 || read_record_at(pfd, "io", &w->buf))
		return false;
	proc_parse_io(w->buf.buf, &totals);
	memo_io_from_thread(&slot->io, &totals);
	slot->io_read = true;
	return capture_memo_io_unchanged(w->plan->memo, tgid, &slot->io);
}

/* The threads of one process: taskstats for all first, then the files. */
static int walk_threads(struct walker *w, int pfd, uint32_t tgid, struct walk_slot *slot)
{
	struct id_list tids;
	struct walk_process proc = { .pfd = pfd, .tgid = tgid };
	int rc = capture_list_ids(pfd, "task", &tids);
	bool ts = queries_taskstats(w->plan);
	if (!rc)
		proc.io_unchanged = process_io_unchanged(w, pfd, tgid, tids.len, slot);
	if (!rc && ts)
		rc = taskstats_walker_query(&w->ts, tids.ids, tids.len);
	proc.cgroup = rc ? NULL : shared_cgroup(w, pfd);
	for (size_t i = 0; !rc && i < tids.len; i++)
		rc = walk_tid(w, &proc, tids.ids[i], ts ? &w->ts.results[i] : NULL);
	free(tids.ids);
	return rc;
}

static int walk_tgid(struct walker *w, uint32_t tgid, struct walk_slot *slot)
{
	char name[16];
	snprintf(name, sizeof(name), "%u", tgid);
	int pfd = open_dir_at(w->plan->proc_fd, name);
	if (pfd < 0)
		return 0; /* exited since the listing */
	strbuf_reset(&w->pcomm);
	if (read_trimmed_at(pfd, "comm", &w->pcomm))
		strbuf_reset(&w->pcomm);
	size_t before = w->part.nthreads;
	int rc = walk_threads(w, pfd, tgid, slot);
	if (!rc && w->part.nthreads > before)
		rc = walk_process_cpu(w, pfd, tgid);
	close(pfd);
	slot->w = w;
	slot->first = before;
	slot->count = w->part.nthreads - before;
	return rc;
}

static void *walker_run(void *arg)
{
	struct walker *w = arg;
	struct walk_queue *q = w->queue;
	size_t i;
	while (!w->rc && (i = atomic_fetch_add(&q->next, 1)) < q->n)
		w->rc = walk_tgid(w, q->tgids[i], &q->slots[i]);
	return NULL;
}

static int walker_init(struct walker *w, const struct walk_plan *plan,
		       struct walk_queue *q)
{
	*w = (struct walker){ .plan = plan, .queue = q };
	strbuf_init(&w->buf);
	strbuf_init(&w->pcomm);
	strbuf_init(&w->cgroup);
	ctprof_snapshot_init(&w->part);
	return queries_taskstats(plan) ? taskstats_walker_open(&w->ts, plan->taskstats) : 0;
}

static void walker_release(struct walker *w)
{
	strbuf_release(&w->buf);
	strbuf_release(&w->pcomm);
	strbuf_release(&w->cgroup);
	taskstats_walker_close(&w->ts);
	kv_map_release(&w->domains);
	ctprof_snapshot_release(&w->part);
}

/*
 * Move every process's threads and CPU times into snap, in tgid order. The
 * threads move in one reservation and one copy per process, not one push
 * (and a realloc at each doubling) per thread. Once moved, the parts no
 * longer own them.
 */
static int walk_merge(struct walk_queue *q, struct walker *ws, unsigned nw,
		      struct ctprof_snapshot *snap)
{
	size_t total = 0;
	for (unsigned i = 0; i < nw; i++)
		total += ws[i].part.nthreads;
	if (snapshot_reserve_threads(snap, total))
		return -ENOMEM;
	for (size_t i = 0; i < q->n; i++) {
		struct walk_slot *s = &q->slots[i];
		if (s->w)
			snapshot_move_threads(snap, &s->w->part.threads[s->first], s->count);
	}
	for (unsigned i = 0; i < nw; i++)
		ws[i].part.nthreads = 0;
	for (size_t i = 0; i < q->n; i++) {
		struct walk_slot *s = &q->slots[i];
		const struct process_cpu *p =
			s->w ? snapshot_find_process(&s->w->part, q->tgids[i]) : NULL;
		if (p && snapshot_add_process(snap, p))
			return -ENOMEM;
	}
	return 0;
}

/* The io totals the walkers read, in tgid order, for the memo's next round. */
static int walk_processes_io(const struct walk_queue *q, struct walk_totals *totals)
{
	size_t n = 0;
	for (size_t i = 0; i < q->n; i++)
		n += q->slots[i].io_read;
	if (!n)
		return 0;
	totals->procs = malloc(n * sizeof(*totals->procs));
	if (!totals->procs)
		return -ENOMEM;
	for (size_t i = 0; i < q->n; i++) {
		const struct walk_slot *s = &q->slots[i];
		if (s->io_read)
			totals->procs[totals->nprocs++] =
				(struct memo_process){ q->tgids[i], s->io };
	}
	return 0;
}

/* Start walkers 1..n-1 on threads and run walker 0 here; join them all. */
static void walk_run_all(struct walker *ws, unsigned n)
{
	for (unsigned i = 1; i < n; i++)
		ws[i].started = !pthread_create(&ws[i].thread, NULL, walker_run, &ws[i]);
	walker_run(&ws[0]);
	for (unsigned i = 1; i < n; i++) {
		if (ws[i].started)
			pthread_join(ws[i].thread, NULL);
	}
}

int capture_walk(const struct walk_plan *plan, const uint32_t *tgids, size_t n,
		 unsigned workers, struct ctprof_snapshot *snap,
		 struct walk_totals *totals)
{
	struct walk_queue q = { .tgids = tgids, .n = n };
	unsigned nw = workers < 1 ? 1 : workers > CAPTURE_WORKERS_MAX ? CAPTURE_WORKERS_MAX : workers;
	if (nw > n)
		nw = n ? (unsigned)n : 1;
	struct walker *ws = calloc(nw, sizeof(*ws));
	q.slots = calloc(n ? n : 1, sizeof(*q.slots));
	int rc = ws && q.slots ? 0 : -ENOMEM;
	unsigned ready = 0;
	for (; !rc && ready < nw; ready++)
		rc = walker_init(&ws[ready], plan, &q);
	if (!rc)
		walk_run_all(ws, nw);
	for (unsigned i = 0; !rc && i < nw; i++)
		rc = ws[i].rc;
	if (!rc)
		rc = walk_merge(&q, ws, nw, snap);
	if (!rc)
		rc = walk_processes_io(&q, totals);
	for (unsigned i = 0; i < ready; i++) {
		parse_tally_add(&totals->tally, &ws[i].tally);
		taskstats_summary_add(&totals->taskstats, &ws[i].ts.summary);
		totals->reused += ws[i].reused;
		totals->io_reused += ws[i].io_reused;
		walker_release(&ws[i]);
	}
	free(q.slots);
	free(ws);
	return rc;
}
