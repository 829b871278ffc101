/*
 * jemalloc_ptrace.c - the stop sequence, the tracer thread and the
 * process_vm_readv reads (see jemalloc_ptrace.h).
 */
#include "jemalloc_ptrace.h"

#include <elf.h>
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/uio.h>
#include <sys/user.h>
#include <sys/wait.h>
#include <time.h>

#define JM_WAIT_LIMIT_NS 250000000LL /* the seed's waitpid limit */

/* One process_vm_readv of len bytes at addr. */
static enum jm_tag read_remote(pid_t tid, uint64_t addr, void *buf, size_t len)
{
	struct iovec local = { buf, len };
	struct iovec remote = { (void *)(uintptr_t)addr, len };
	ssize_t n = process_vm_readv(tid, &local, 1, &remote, 1, 0);
	return n == (ssize_t)len ? JM_OK : JM_PROCESS_VM_READV;
}

enum jm_tag jm_read_counters(pid_t tid, const struct jm_plan *plan, uint64_t tp,
			     struct jm_counters *out)
{
	unsigned char buf[JM_SPAN_MAX];
	uint64_t off, addr, span = jm_layout_span(&plan->layout);
	if (!plan->block_resolved || !jm_layout_valid(&plan->layout))
		return JM_TLS_ARITHMETIC;
	if (__builtin_add_overflow(plan->tsd_value, plan->layout.off_allocated, &off) ||
	    !tls_addr(&plan->block, tp, off, &addr))
		return JM_TLS_ARITHMETIC;
	enum jm_tag tag = read_remote(tid, addr, buf, span);
	if (tag)
		return tag;
	/* Both architectures are little-endian; the middle word is ignored. */
	memcpy(&out->allocated, buf, 8);
	memcpy(&out->deallocated,
	       buf + (plan->layout.off_deallocated - plan->layout.off_allocated), 8);
	return JM_OK;
}

enum jm_tag jm_resolve_block(pid_t tid, struct jm_plan *plan)
{
	uint64_t slot;
	if (plan->block_resolved)
		return JM_OK;
	enum jm_tag tag = read_remote(tid, plan->got_addr, &slot, sizeof(slot));
	if (tag)
		return tag;
	tls_dso_block(slot, plan->got_target, &plan->block);
	plan->block_resolved = true;
	return JM_OK;
}

/* The thread pointer from the stopped tid's register set. */
static enum jm_tag read_thread_pointer(pid_t tid, uint64_t *tp)
{
#if defined(__x86_64__)
	struct user_regs_struct regs;
	struct iovec io = { &regs, sizeof(regs) };
	if (ptrace(PTRACE_GETREGSET, tid, (void *)NT_PRSTATUS, &io) ||
	    io.iov_len < sizeof(regs))
		return JM_GET_REGSET;
	*tp = regs.fs_base;
	return JM_OK;
#elif defined(__aarch64__)
	uint64_t tpidr;
	struct iovec io = { &tpidr, sizeof(tpidr) };
	if (ptrace(PTRACE_GETREGSET, tid, (void *)NT_ARM_TLS, &io) ||
	    io.iov_len < sizeof(tpidr))
		return JM_GET_REGSET;
	*tp = tpidr;
	return JM_OK;
#else
	(void)tid;
	(void)tp;
	return JM_GET_REGSET;
#endif
}

static int64_t mono_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/* What the wait for the stop found. */
struct stop_state {
	bool stopped; /* in a ptrace-stop: detachable */
	bool gone;    /* exited: nothing to detach */
	int signal;   /* a signal-delivery-stop's signal, handed back at detach */
};

/*
 * Poll for the stop: short sleeps that grow to 1 ms, so a sleeping thread
 * (stopped within microseconds) is not charged a whole millisecond.
 */
static enum jm_tag wait_stop(pid_t tid, struct stop_state *s)
{
	int64_t deadline = mono_ns() + JM_WAIT_LIMIT_NS;
	long nap = 2000;
	for (;;) {
		int st;
		pid_t r = waitpid(tid, &st, __WALL | WNOHANG);
		if (r == tid && WIFSTOPPED(st)) {
			s->stopped = true;
			if ((st >> 16) == 0)
				s->signal = WSTOPSIG(st);
			return JM_OK;
		}
		if (r == tid) {
			s->gone = true; /* exited or killed before stopping */
			return JM_WAITPID;
		}
		if (r < 0 && errno != EINTR) {
			s->gone = errno == ECHILD;
			return JM_WAITPID;
		}
		if (mono_ns() >= deadline)
			return JM_WAITPID;
		struct timespec ts = { 0, nap };
		nanosleep(&ts, NULL);
		nap = nap < 1000000 ? nap * 2 : 1000000;
	}
}

/* The stopped thread's reads, before detaching: the pair is consistent. */
static enum jm_tag read_stopped(pid_t tid, struct jm_plan *plan, uint64_t *tp,
				struct jm_counters *out)
{
	enum jm_tag tag = read_thread_pointer(tid, tp);
	if (!tag)
		tag = jm_resolve_block(tid, plan);
	if (!tag)
		tag = jm_read_counters(tid, plan, *tp, out);
	return tag;
}

/*
 * The whole stop. Returns the tag; *lost is set when tid could not be
 * detached and may still be traced (the caller's thread must exit).
 */
static enum jm_tag stop_and_read(pid_t tid, struct jm_plan *plan, uint64_t *tp,
				 struct jm_counters *out, bool *lost)
{
	struct stop_state s = { false, false, 0 };
	*lost = false;
	if (ptrace(PTRACE_SEIZE, tid, NULL, NULL))
		return JM_PTRACE_SEIZE;
	enum jm_tag tag = JM_PTRACE_INTERRUPT;
	if (ptrace(PTRACE_INTERRUPT, tid, NULL, NULL))
		goto out_detach;
	tag = wait_stop(tid, &s);
	if (!tag)
		tag = read_stopped(tid, plan, tp, out);
out_detach:
	if (s.gone || !ptrace(PTRACE_DETACH, tid, NULL, (void *)(long)s.signal))
		return tag;
	/*
	 * Not in a stop (the limit passed first) or killed meanwhile: both
	 * are settled by the kernel when the tracing thread exits, which
	 * detaches a live tracee and reaps a dead one.
	 */
	*lost = true;
	return tag;
}

/*
 * The tracer thread. ptrace ties a tracee to the thread that seized it, so
 * all stops run here; the capturing thread hands one request at a time.
 */
struct jm_tracer {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	pthread_t thread;
	bool running; /* a thread serves requests */
	bool pending; /* a request waits for the thread */
	bool done;    /* its result is ready */
	bool quit;
	bool lost;    /* the thread exits after this request */
	pid_t tid;
	struct jm_plan *plan;
	uint64_t tp;
	struct jm_counters counters;
	enum jm_tag tag;
};

struct jm_tracer *jm_tracer_new(void)
{
	struct jm_tracer *t = calloc(1, sizeof(*t));
	if (!t)
		return NULL;
	pthread_mutex_init(&t->lock, NULL);
	pthread_cond_init(&t->cond, NULL);
	return t;
}

static void *tracer_main(void *arg)
{
	struct jm_tracer *t = arg;
	bool lost = false;
	/* The default 50 us timer slack would dominate wait_stop's short naps. */
	prctl(PR_SET_TIMERSLACK, 1000UL);
	pthread_mutex_lock(&t->lock);
	while (!lost) {
		while (!t->pending && !t->quit)
			pthread_cond_wait(&t->cond, &t->lock);
		if (t->quit)
			break;
		pthread_mutex_unlock(&t->lock);
		enum jm_tag tag = stop_and_read(t->tid, t->plan, &t->tp,
						&t->counters, &lost);
		pthread_mutex_lock(&t->lock);
		t->tag = tag;
		t->lost = lost;
		t->pending = false;
		t->done = true;
		pthread_cond_broadcast(&t->cond);
	}
	pthread_mutex_unlock(&t->lock);
	return NULL;
}

/* Every signal blocked in the tracer: none can run a handler mid-stop. */
static int tracer_start(struct jm_tracer *t)
{
	sigset_t all, old;
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	int rc = pthread_create(&t->thread, NULL, tracer_main, t);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (rc)
		return -rc;
	t->running = true;
	t->quit = false;
	return 0;
}

static void tracer_join(struct jm_tracer *t)
{
	pthread_join(t->thread, NULL);
	t->running = false;
	t->lost = false;
}

/*
 * Signals that end or stop the capturing process are held while a target
 * may be stopped, and delivered right after it is released.
 */
static void block_stop_window(sigset_t *old)
{
	static const int sigs[] = { SIGHUP, SIGINT, SIGQUIT, SIGTERM, SIGTSTP,
				    SIGTTIN, SIGTTOU, SIGUSR1, SIGUSR2, SIGALRM };
	sigset_t set;
	sigemptyset(&set);
	for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		sigaddset(&set, sigs[i]);
	pthread_sigmask(SIG_BLOCK, &set, old);
}

enum jm_tag jm_tracer_probe(struct jm_tracer *t, pid_t tid, struct jm_plan *plan,
			    uint64_t *tp, struct jm_counters *out)
{
	sigset_t old;
	if (!t->running && tracer_start(t))
		return JM_PTRACE_SEIZE;
	block_stop_window(&old);
	pthread_mutex_lock(&t->lock);
	t->tid = tid;
	t->plan = plan;
	t->pending = true;
	t->done = false;
	pthread_cond_broadcast(&t->cond);
	while (!t->done)
		pthread_cond_wait(&t->cond, &t->lock);
	enum jm_tag tag = t->tag;
	bool lost = t->lost;
	*tp = t->tp;
	*out = t->counters;
	pthread_mutex_unlock(&t->lock);
	if (lost)
		tracer_join(t);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	return tag;
}

void jm_tracer_free(struct jm_tracer *t)
{
	if (!t)
		return;
	if (t->running) {
		pthread_mutex_lock(&t->lock);
		t->quit = true;
		pthread_cond_broadcast(&t->cond);
		pthread_mutex_unlock(&t->lock);
		tracer_join(t);
	}
	pthread_cond_destroy(&t->cond);
	pthread_mutex_destroy(&t->lock);
	free(t);
}
