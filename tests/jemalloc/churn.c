/*
 * churn.c - the stress target for the probe (linked with libjemalloc.so.2).
 * Threads keep starting, allocating and exiting, while one thread blocks in
 * epoll_wait on stdin and answers each byte read on stdout: "e" with
 * "eintr <n>\n", the number of times a stop made epoll_wait return EINTR
 * so far, anything else with "pong\n". Prints "ready" once the epoll
 * thread waits.
 *
 * usage: churn          (churning)
 *        churn idle     (no churn: a target to SIGSTOP)
 */
#include <errno.h>
#include <jemalloc/jemalloc.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <time.h>
#include <unistd.h>

static void say(const char *s)
{
	if (write(1, s, strlen(s)) < 0)
		_exit(1);
}

static void *answer(void *arg)
{
	unsigned long eintr = 0;
	int ep = epoll_create1(0);
	struct epoll_event ev = { .events = EPOLLIN }, got;
	(void)arg;
	if (ep < 0 || epoll_ctl(ep, EPOLL_CTL_ADD, 0, &ev))
		_exit(2);
	say("ready\n");
	for (;;) {
		char c;
		int n = epoll_wait(ep, &got, 1, -1);
		if (n < 0 && errno == EINTR) {
			eintr++;
			continue;
		}
		if (n < 0 || read(0, &c, 1) != 1)
			_exit(0); /* stdin closed: the test is over */
		if (c == 'e') {
			char line[48];
			snprintf(line, sizeof(line), "eintr %lu\n", eintr);
			say(line);
		} else {
			say("pong\n");
		}
	}
	return NULL;
}

static void *short_lived(void *arg)
{
	struct timespec ts = { 0, 200000 * ((long)arg % 5) };
	void *volatile block = malloc(64 + (size_t)(long)arg % 4096);
	free(block);
	nanosleep(&ts, NULL);
	return NULL;
}

int main(int argc, char **argv)
{
	pthread_t t;
	(void)argv;
	if (pthread_create(&t, NULL, answer, NULL))
		return 1;
	if (argc > 1)
		for (;;)
			pause();
	for (long i = 0;; i++) {
		pthread_t w[3];
		int started = 0;
		for (int k = 0; k < 3; k++)
			started += !pthread_create(&w[started], NULL, short_lived,
						   (void *)(i * 3 + k));
		for (int k = 0; k < started; k++)
			pthread_join(w[k], NULL);
	}
}
