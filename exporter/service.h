/*
 * service.h - the capture service: one capture thread, the latest result,
 * and how requests get one.
 *
 * Owns single flight (concurrent scrapes share the capture in flight),
 * reuse of a capture younger than --capture.min-interval, interval mode's
 * timer, request deadlines (a scrape that cannot get a fresh capture in
 * time gets the last complete one), and the counter continuity between
 * captures. A result ("served") is immutable once published and
 * reference-counted, so a slow client never blocks the next capture.
 */
#ifndef CTPROF_SERVICE_H
#define CTPROF_SERVICE_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "config.h"
#include "registry.h"
#include "snapshot.h"
#include "strbuf.h"

enum served_body {
	BODY_PROMETHEUS,
	BODY_OPENMETRICS,
	BODY_COUNT
};

struct served {
	int refs; /* atomic */
	uint64_t seq;             /* 1, 2, ... per capture */
	uint64_t captured_mono_ns;
	int64_t duration_ns;
	struct ctprof_snapshot snap;
	struct strbuf text[BODY_COUNT]; /* complete expositions */
	/* Built on first use and kept: gzip of text[], the zstd snapshot. */
	pthread_mutex_t lazy_lock; /* gzip[] */
	struct strbuf gzip[BODY_COUNT];
	pthread_mutex_t zstd_lock;
	struct strbuf zstd; /* the download: encoded once per capture */
};

struct continuity;
struct jemalloc_prober;

struct capture_service {
	const struct exporter_config *cfg;
	struct registry reg;
	pthread_mutex_t lock;
	pthread_cond_t changed; /* a capture completed, was asked for, or stop */
	pthread_t thread;
	bool thread_started;
	struct served *latest;
	uint64_t completed;
	bool want_capture;
	bool capturing;
	bool stopping;
	bool warned_series_limit;
	struct continuity *continuity;
	/* Kept across captures: binaries resolve once, threads stop once. */
	struct jemalloc_prober *prober;
	/* Kept across captures: idle threads are not read in full again. */
	struct capture_memo *memo;
};

uint64_t mono_now_ns(void);

int service_start(struct capture_service *s, const struct exporter_config *cfg);
/* Finish the capture in flight, stop the thread, drop the latest result. */
void service_stop(struct capture_service *s);

/*
 * A result for a scrape: reuses one younger than min-interval, else shares
 * or starts a capture and waits for it until deadline_mono_ns; on timeout
 * returns the latest complete one. NULL when none has completed yet.
 * Interval mode: the latest (waiting for the first until the deadline).
 */
struct served *service_acquire(struct capture_service *s, uint64_t deadline_mono_ns);
/* The latest result without triggering a capture (landing page); or NULL. */
struct served *service_peek(struct capture_service *s);
bool service_ready(struct capture_service *s);
void served_release(struct served *r);

/* Lazily built bodies; NULL on failure. Valid while the caller holds r. */
const struct strbuf *served_gzip(struct served *r, enum served_body b);
const struct strbuf *served_zstd(struct served *r);

#endif
