/*
 * jemalloc_summary.h - the probe's failure tags and the probe summary.
 *
 * Owns the stable tag strings (ktstr-facts 5.4, plus this project's
 * jemalloc-layout-unknown), a per-capture tally of attach and per-thread
 * outcomes, and its projection to the snapshot's struct probe_summary:
 * the dominant actionable tag (jemalloc-not-found and readlink-failure
 * never compete; ties go to the alphabetically earlier tag) and
 * privilege_dominant (ptrace failures are at least half of all failures).
 */
#ifndef CTPROF_JEMALLOC_SUMMARY_H
#define CTPROF_JEMALLOC_SUMMARY_H

#include <stdbool.h>
#include <stdint.h>

#include "snapshot.h"

enum jm_tag {
	JM_OK,
	/* per process (attach) */
	JM_PID_MISSING,
	JM_READLINK_FAILURE,
	JM_MAPS_READ_FAILURE,
	JM_NOT_FOUND,
	JM_IN_DSO,
	JM_ARCH_MISMATCH,
	JM_DWARF_PARSE_FAILURE,
	JM_LAYOUT_UNKNOWN,
	JM_WORKER_PANIC,
	/* per thread (probe) */
	JM_PTRACE_SEIZE,
	JM_PTRACE_INTERRUPT,
	JM_WAITPID,
	JM_GET_REGSET,
	JM_PROCESS_VM_READV,
	JM_TLS_ARITHMETIC,
	JM_TAG_COUNT
};

/* "ptrace-seize" ...; "ok" for JM_OK; never NULL for a valid tag. */
const char *jm_tag_name(enum jm_tag tag);
/* The two tags that are the normal outcome on most processes. */
bool jm_tag_is_benign(enum jm_tag tag);

struct jm_tally {
	uint64_t tgids_walked;
	uint64_t jemalloc_detected;
	uint64_t probed_ok;
	uint64_t failed;
	uint64_t counts[JM_TAG_COUNT];
};

/* One process's attach outcome (JM_OK: jemalloc found). */
void jm_tally_attach(struct jm_tally *t, enum jm_tag tag);
/* One thread's read outcome (JM_OK: counters read). */
void jm_tally_probe(struct jm_tally *t, enum jm_tag tag);

/* The highest-count actionable tag, or JM_OK when there is none. */
enum jm_tag jm_tally_dominant(const struct jm_tally *t);
bool jm_tally_privilege_dominant(const struct jm_tally *t);

/* A new summary (probe_summary_free releases it), or NULL without memory. */
struct probe_summary *jm_tally_summary(const struct jm_tally *t);

#endif
