/*
 * jemalloc_isolate.c - the resolver child (see jemalloc_isolate.h). The
 * child only computes and writes; it leaves with _exit so no atexit
 * handler (or leak checker) of the parent runs twice.
 */
#include "jemalloc_isolate.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static void write_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;
	while (len) {
		ssize_t w = write(fd, p, len);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			_exit(1);
		p += w;
		len -= (size_t)w;
	}
}

static void child_main(int wfd, jm_resolve_fn fn, const struct jm_resolve_req *reqs,
		       size_t n)
{
	static const int fatal[] = { SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGABRT };
	/* Do not outlive a capturing process that dies. */
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	/* A crash must end the child, not reach a handler the parent installed. */
	for (size_t i = 0; i < sizeof(fatal) / sizeof(fatal[0]); i++)
		signal(fatal[i], SIG_DFL);
	for (size_t i = 0; i < n; i++) {
		struct jm_file_info info;
		fn(&reqs[i], &info);
		write_all(wfd, &info, sizeof(info));
		if (info.tag != JM_NOT_FOUND)
			break;
	}
	_exit(0);
}

static int64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Read whole records until EOF or the deadline; returns bytes read. */
static size_t read_results(int rfd, void *buf, size_t cap, int timeout_ms,
			   bool *timed_out)
{
	int64_t deadline = now_ms() + timeout_ms;
	size_t got = 0;
	*timed_out = false;
	while (got < cap) {
		int64_t left = deadline - now_ms();
		struct pollfd p = { rfd, POLLIN, 0 };
		if (left <= 0) {
			*timed_out = true;
			break;
		}
		int r = poll(&p, 1, (int)left);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			continue; /* the deadline check ends it */
		ssize_t n = read(rfd, (char *)buf + got, cap - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	return got;
}

static bool reap(pid_t pid, bool kill_first)
{
	int st;
	if (kill_first)
		kill(pid, SIGKILL);
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			return false;
	return WIFEXITED(st) && WEXITSTATUS(st) == 0;
}

size_t jm_isolate_resolve(jm_resolve_fn fn, const struct jm_resolve_req *reqs,
			  size_t n, struct jm_file_info *out, int timeout_ms)
{
	int p[2];
	if (!n || pipe2(p, O_CLOEXEC))
		return 0;
	pid_t pid = fork();
	if (pid < 0) {
		close(p[0]);
		close(p[1]);
		return 0;
	}
	if (!pid) {
		close(p[0]);
		child_main(p[1], fn, reqs, n);
	}
	close(p[1]);
	bool timed_out;
	size_t k = read_results(p[0], out, n * sizeof(*out), timeout_ms, &timed_out) /
		   sizeof(*out);
	close(p[0]);
	bool clean = reap(pid, timed_out);
	bool finished = k == n || (k && out[k - 1].tag != JM_NOT_FOUND);
	if ((!clean || timed_out) && !finished) {
		memset(&out[k], 0, sizeof(out[k]));
		out[k].exe = reqs[k].exe;
		out[k].tag = JM_WORKER_PANIC;
		k++;
	}
	return k;
}
