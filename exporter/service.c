/*
 * service.c - the capture thread and the hand-off of results to requests.
 *
 * Everything a scrape returns is rendered once, on the capture thread,
 * right after the capture: the counter continuity then always matches the
 * snapshot it was advanced with, and requests only copy bytes. The
 * snapshot download is compressed once per capture, by its first request,
 * and kept with the capture.
 *
 * Memory: a capture holds two snapshots (the continuity compares the last
 * with the new one) and then frees one, megabytes at 10k threads, on every
 * capture. The freed pages go back to the kernel as soon as the last
 * reference to the old result is dropped (malloc_trim), so the daemon's RSS
 * stays one snapshot and not its peak.
 */
#include "service.h"

#include <errno.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <zlib.h>

#include "capture_memo.h"
#include "continuity.h"
#include "families.h"
#include "jemalloc_probe.h"
#include "jemalloc_summary.h"
#include "render.h"
#include "self_metrics.h"
#include "snapshot_file.h"

uint64_t mono_now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static struct served *served_new(void)
{
	struct served *r = calloc(1, sizeof(*r));
	if (!r)
		return NULL;
	r->refs = 1;
	pthread_mutex_init(&r->lazy_lock, NULL);
	pthread_mutex_init(&r->zstd_lock, NULL);
	for (int b = 0; b < BODY_COUNT; b++) {
		strbuf_init(&r->text[b]);
		strbuf_init(&r->gzip[b]);
	}
	strbuf_init(&r->zstd);
	ctprof_snapshot_init(&r->snap);
	return r;
}

void served_release(struct served *r)
{
	if (!r || __atomic_sub_fetch(&r->refs, 1, __ATOMIC_ACQ_REL))
		return;
	for (int b = 0; b < BODY_COUNT; b++) {
		strbuf_release(&r->text[b]);
		strbuf_release(&r->gzip[b]);
	}
	strbuf_release(&r->zstd);
	ctprof_snapshot_release(&r->snap);
	pthread_mutex_destroy(&r->lazy_lock);
	pthread_mutex_destroy(&r->zstd_lock);
	free(r);
	/*
	 * A snapshot is some 10^5 small blocks at 10k threads, freed among the
	 * new capture's: only whole free pages inside the heap go back, and
	 * glibc returns those only when asked.
	 */
	malloc_trim(0);
}

static struct served *served_ref(struct served *r)
{
	if (r)
		__atomic_add_fetch(&r->refs, 1, __ATOMIC_ACQ_REL);
	return r;
}

/*
 * Failures per tag: the prober keeps them, the snapshot's probe_summary has
 * only the dominant one, so only the daemon can export them.
 */
static void render_probe_tags(const struct capture_service *s, const struct served *r,
			      struct expo *e)
{
	const struct extra_family *f = &extra_families[FAMILY_PROBE_FAILURES];
	char v[EXPO_VALUE_MAX];
	if (!s->prober || !r->snap.probe_summary)
		return;
	expo_family(e, f->name, f->type, f->unit, f->help);
	for (int t = 0; t < JM_TAG_COUNT; t++) {
		if (t == JM_OK)
			continue;
		struct expo_label l = { "tag", jm_tag_name((enum jm_tag)t) };
		expo_sample(e, f->name, &l, 1,
			    expo_fmt_u64(v, jemalloc_prober_tag_count(s->prober, (enum jm_tag)t)));
	}
}

/* One exposition: the snapshot's families, then the exporter's own. */
static int render_body(struct capture_service *s, struct served *r, enum served_body b,
		       bool *limited)
{
	struct render_options o = s->cfg->render.render;
	struct render_result res = { 0 };
	o.format = b == BODY_OPENMETRICS ? EXPO_OPENMETRICS : EXPO_PROMETHEUS;
	o.capture_duration_ns = r->duration_ns;
	o.continuity = s->continuity;
	o.max_series = s->cfg->max_series;
	o.result = &res;
	o.open_ended = true;
	int rc = render_snapshot(&r->snap, &s->reg, &o, &r->text[b]);
	struct expo e = { .out = &r->text[b], .format = o.format };
	render_probe_tags(s, r, &e);
	self_metrics_render(&e);
	*limited = res.series_limited;
	return rc ? rc : expo_finish(&e);
}

static void log_capture(struct capture_service *s, const struct served *r, bool limited)
{
	char threads[24], ms[32], max[24], reused[24], io_reused[24];
	snprintf(threads, sizeof(threads), "%zu", r->snap.nthreads);
	snprintf(reused, sizeof(reused), "%llu", (unsigned long long)r->snap.memo_reused);
	snprintf(io_reused, sizeof(io_reused), "%llu",
		 (unsigned long long)r->snap.memo_io_reused);
	snprintf(max, sizeof(max), "%zu", s->cfg->max_series);
	snprintf(ms, sizeof(ms), "%.3f", (double)r->duration_ns / 1e6);
	log_event(&s->cfg->log, LOG_DEBUG, "capture complete", "threads", threads,
		  "reused", reused, "io_reused", io_reused, "duration_ms", ms, NULL);
	if (limited && !s->warned_series_limit) {
		s->warned_series_limit = true;
		log_event(&s->cfg->log, LOG_WARN,
			  "series limit reached: the smallest groups are folded into \"other\"",
			  "max_series", max, NULL);
	}
}

/* Capture, advance the continuity, render. NULL if the capture failed. */
static struct served *capture_and_render(struct capture_service *s, struct served *prev)
{
	struct served *r = served_new();
	struct strbuf err = STRBUF_INIT;
	bool limited = false;
	if (!r)
		return NULL;
	struct capture_options o = s->cfg->capture;
	o.jemalloc = s->prober;
	o.memo = s->memo;
	uint64_t t0 = mono_now_ns();
	int rc = ctprof_capture(&o, &r->snap, &err);
	r->captured_mono_ns = mono_now_ns();
	r->duration_ns = (int64_t)(r->captured_mono_ns - t0);
	if (!rc)
		rc = continuity_advance(s->continuity, prev ? &prev->snap : NULL, &r->snap,
					&s->cfg->render.render.group, &s->reg,
					r->captured_mono_ns, s->cfg->retention_ns);
	for (int b = 0; !rc && b < BODY_COUNT; b++)
		rc = render_body(s, r, (enum served_body)b, &limited);
	if (rc) {
		log_event(&s->cfg->log, LOG_ERROR, "capture failed", "err",
			  err.len ? err.buf : strerror(-rc), NULL);
		served_release(r);
		r = NULL;
	} else {
		log_capture(s, r, limited);
	}
	strbuf_release(&err);
	return r;
}

static void publish(struct capture_service *s, struct served *r)
{
	struct served *old;
	pthread_mutex_lock(&s->lock);
	old = s->latest;
	if (r) {
		r->seq = s->completed + 1;
		s->latest = r;
	} else {
		old = NULL;
	}
	s->completed++;
	s->capturing = false;
	pthread_cond_broadcast(&s->changed);
	pthread_mutex_unlock(&s->lock);
	served_release(old);
}

static void abs_deadline(struct timespec *ts, uint64_t mono_ns)
{
	ts->tv_sec = (time_t)(mono_ns / 1000000000u);
	ts->tv_nsec = (long)(mono_ns % 1000000000u);
}

/* Wait (lock held) for work: a request in scrape mode, the tick in interval mode. */
static bool wait_for_work(struct capture_service *s, uint64_t *next_tick)
{
	while (!s->stopping) {
		if (s->cfg->mode == CAPTURE_ON_SCRAPE && s->want_capture)
			return true;
		if (s->cfg->mode == CAPTURE_ON_INTERVAL && mono_now_ns() >= *next_tick) {
			*next_tick = mono_now_ns() + s->cfg->interval_ns;
			return true;
		}
		if (s->cfg->mode == CAPTURE_ON_INTERVAL) {
			struct timespec ts;
			abs_deadline(&ts, *next_tick);
			pthread_cond_timedwait(&s->changed, &s->lock, &ts);
		} else {
			pthread_cond_wait(&s->changed, &s->lock);
		}
	}
	return false;
}

static void *capture_thread(void *arg)
{
	struct capture_service *s = arg;
	uint64_t next_tick = mono_now_ns();
	pthread_mutex_lock(&s->lock);
	while (wait_for_work(s, &next_tick)) {
		struct served *prev = served_ref(s->latest);
		s->want_capture = false;
		s->capturing = true;
		pthread_mutex_unlock(&s->lock);
		struct served *r = capture_and_render(s, prev);
		served_release(prev);
		publish(s, r);
		pthread_mutex_lock(&s->lock);
	}
	pthread_mutex_unlock(&s->lock);
	return NULL;
}

int service_start(struct capture_service *s, const struct exporter_config *cfg)
{
	pthread_condattr_t ca;
	memset(s, 0, sizeof(*s));
	s->cfg = cfg;
	registry_build(&s->reg);
	/* A first capture at start: /-/ready must not wait for a scrape that a
	 * readiness-gated scraper would never send. */
	s->want_capture = true;
	if (!(s->continuity = continuity_new()))
		return -ENOMEM;
	if (!cfg->capture.no_jemalloc && !(s->prober = jemalloc_prober_new()))
		return -ENOMEM;
	if (!cfg->no_reuse_idle && !(s->memo = capture_memo_new()))
		return -ENOMEM;
	pthread_mutex_init(&s->lock, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&s->changed, &ca);
	pthread_condattr_destroy(&ca);
	int rc = pthread_create(&s->thread, NULL, capture_thread, s);
	if (rc)
		return -rc;
	s->thread_started = true;
	return 0;
}

void service_stop(struct capture_service *s)
{
	pthread_mutex_lock(&s->lock);
	s->stopping = true;
	pthread_cond_broadcast(&s->changed);
	pthread_mutex_unlock(&s->lock);
	if (s->thread_started)
		pthread_join(s->thread, NULL);
	served_release(s->latest);
	s->latest = NULL;
	continuity_free(s->continuity);
	jemalloc_prober_free(s->prober);
	capture_memo_free(s->memo);
	pthread_cond_destroy(&s->changed);
	pthread_mutex_destroy(&s->lock);
}

/* Lock held: wait until a capture completes after `since` or the deadline. */
static void wait_completion(struct capture_service *s, uint64_t since, uint64_t deadline)
{
	struct timespec ts;
	abs_deadline(&ts, deadline);
	while (s->completed == since && !s->stopping)
		if (pthread_cond_timedwait(&s->changed, &s->lock, &ts) == ETIMEDOUT)
			return;
}

static bool fresh_enough(const struct capture_service *s, uint64_t now)
{
	return s->latest && now - s->latest->captured_mono_ns < s->cfg->min_interval_ns;
}

struct served *service_acquire(struct capture_service *s, uint64_t deadline_mono_ns)
{
	struct served *r;
	pthread_mutex_lock(&s->lock);
	if (s->cfg->mode == CAPTURE_ON_INTERVAL) {
		if (!s->latest)
			wait_completion(s, s->completed, deadline_mono_ns);
	} else if (!fresh_enough(s, mono_now_ns())) {
		/* Join the capture in flight, or ask for one: single flight. */
		if (!s->capturing) {
			s->want_capture = true;
			pthread_cond_broadcast(&s->changed);
		}
		wait_completion(s, s->completed, deadline_mono_ns);
	}
	r = served_ref(s->latest);
	pthread_mutex_unlock(&s->lock);
	return r;
}

struct served *service_peek(struct capture_service *s)
{
	pthread_mutex_lock(&s->lock);
	struct served *r = served_ref(s->latest);
	pthread_mutex_unlock(&s->lock);
	return r;
}

bool service_ready(struct capture_service *s)
{
	pthread_mutex_lock(&s->lock);
	bool ready = s->latest != NULL;
	pthread_mutex_unlock(&s->lock);
	return ready;
}

static int gzip_into(const struct strbuf *in, struct strbuf *out)
{
	z_stream z = { 0 };
	if (deflateInit2(&z, Z_BEST_SPEED, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
		return -ENOMEM;
	size_t bound = deflateBound(&z, in->len);
	int rc = strbuf_grow(out, bound);
	if (!rc) {
		z.next_in = (Bytef *)in->buf;
		z.avail_in = (uInt)in->len;
		z.next_out = (Bytef *)out->buf;
		z.avail_out = (uInt)bound;
		rc = deflate(&z, Z_FINISH) == Z_STREAM_END ? 0 : -EIO;
		out->len = rc ? 0 : bound - z.avail_out;
		out->buf[out->len] = '\0';
	}
	deflateEnd(&z);
	return rc;
}

const struct strbuf *served_gzip(struct served *r, enum served_body b)
{
	pthread_mutex_lock(&r->lazy_lock);
	int rc = r->gzip[b].len ? 0 : gzip_into(&r->text[b], &r->gzip[b]);
	pthread_mutex_unlock(&r->lazy_lock);
	return rc ? NULL : &r->gzip[b];
}

/*
 * Its own lock: a gzip'd scrape must not wait for a snapshot's compression.
 * Concurrent first downloads wait for one compression and share it.
 */
const struct strbuf *served_zstd(struct served *r)
{
	struct strbuf err = STRBUF_INIT;
	int rc = 0;
	pthread_mutex_lock(&r->zstd_lock);
	if (!r->zstd.len)
		rc = snapshot_encode(&r->snap, &r->zstd, &err);
	pthread_mutex_unlock(&r->zstd_lock);
	strbuf_release(&err);
	return rc ? NULL : &r->zstd;
}
