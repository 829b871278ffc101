/*
 * jemalloc_ptrace.h - read one thread's counters from outside its process.
 *
 * Owns the two reads: the first one of a thread, which stops it once to
 * learn its thread pointer (PTRACE_SEIZE, PTRACE_INTERRUPT, waitpid with a
 * 250 ms limit, PTRACE_GETREGSET, process_vm_readv, PTRACE_DETACH), and
 * every later one, which is process_vm_readv alone. Nothing here writes to
 * a target. The stop runs on a dedicated tracer thread that blocks every
 * signal: a tracee that cannot be detached (still running when the limit
 * passed) is released by the kernel when that thread exits, so no path
 * leaves a thread stopped. A thread already in group-stop stays stopped;
 * a signal caught in a signal-delivery-stop is handed back at detach.
 */
#ifndef CTPROF_JEMALLOC_PTRACE_H
#define CTPROF_JEMALLOC_PTRACE_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "jemalloc_layout.h"
#include "jemalloc_summary.h"
#include "jemalloc_tls.h"

/* Where one process keeps its threads' counters. */
struct jm_plan {
	struct tls_block block; /* for a shared object: valid once resolved */
	bool block_resolved;    /* false: read the GOT slot first */
	uint64_t got_addr;      /* runtime address of the TPOFF GOT slot */
	uint64_t got_target;
	uint64_t tsd_value;
	struct jm_layout layout;
};

struct jm_counters {
	uint64_t allocated;
	uint64_t deallocated;
};

/* Counters of tid whose thread pointer is tp; no stop. JM_OK or a tag. */
enum jm_tag jm_read_counters(pid_t tid, const struct jm_plan *plan, uint64_t tp,
			     struct jm_counters *out);

/* Resolve plan->block from the GOT slot (process_vm_readv). */
enum jm_tag jm_resolve_block(pid_t tid, struct jm_plan *plan);

struct jm_tracer;

/* A tracer (its thread starts on first use). NULL without memory. */
struct jm_tracer *jm_tracer_new(void);
void jm_tracer_free(struct jm_tracer *t);

/*
 * Stop tid once: its thread pointer into *tp, its counters into *out, and
 * plan->block resolved if it was not. JM_OK or the failing step's tag.
 */
enum jm_tag jm_tracer_probe(struct jm_tracer *t, pid_t tid, struct jm_plan *plan,
			    uint64_t *tp, struct jm_counters *out);

#endif
