/*
 * jemalloc_probe.h - jemalloc per-thread allocated/deallocated bytes, read
 * from outside each process (ktstr's host_thread_probe, plus jemalloc in a
 * shared object).
 *
 * Owns the prober, an object a daemon keeps across captures: what each
 * binary (st_dev, st_ino) says about jemalloc, each process's read plan by
 * (tgid, start time), and each thread's pointer by (tid, start time), so a
 * thread is stopped at most once in its life and later reads are one
 * process_vm_readv. A capture uses it in three steps: begin (phase 1: attach
 * every process, in parallel bounded by CPU headroom, skipping the caller),
 * read_thread (phase 2: once per thread during the walk) and end (the probe
 * summary; a host-wide capture also forgets what has exited).
 */
#ifndef CTPROF_JEMALLOC_PROBE_H
#define CTPROF_JEMALLOC_PROBE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "jemalloc_isolate.h"
#include "jemalloc_summary.h"
#include "snapshot.h"

struct jemalloc_prober;

/* NULL without memory. */
struct jemalloc_prober *jemalloc_prober_new(void);
void jemalloc_prober_free(struct jemalloc_prober *p);

/*
 * Phase 1. procfs is the live procfs root's path and proc_fd its open
 * directory (borrowed until end); tgids ascending. host_wide: the capture
 * sees every process, so end may drop what it did not see. 0 / -ENOMEM.
 */
int jemalloc_prober_begin(struct jemalloc_prober *p, const char *procfs, int proc_fd,
			  const uint32_t *tgids, size_t n, bool host_wide);

/*
 * Phase 2: t->tid, t->tgid and t->start_time_clock_ticks set; fills
 * allocated_bytes, deallocated_bytes and jemalloc_measured (true exactly
 * when this read succeeded). Processes without jemalloc cost nothing.
 */
void jemalloc_prober_read_thread(struct jemalloc_prober *p, struct thread_state *t);

/* The capture's probe summary (caller frees), or NULL without memory. */
struct probe_summary *jemalloc_prober_end(struct jemalloc_prober *p);

/* How often tag was recorded in the last capture (tests, diagnostics). */
uint64_t jemalloc_prober_tag_count(const struct jemalloc_prober *p, enum jm_tag tag);

/* Forget every thread pointer: the next read of each thread stops it again. */
void jemalloc_prober_forget_threads(struct jemalloc_prober *p);

/* Replace the file resolver and its time limit (tests inject faults). */
void jemalloc_prober_set_resolver(struct jemalloc_prober *p, jm_resolve_fn fn,
				  int timeout_ms);

#endif
