/*
 * jemalloc_summary.c - tag names, the tally and the probe summary (see
 * jemalloc_summary.h; the seed's ProbeSummary).
 */
#include "jemalloc_summary.h"

#include <stdlib.h>
#include <string.h>

static const char *const tag_names[JM_TAG_COUNT] = {
	[JM_OK] = "ok",
	[JM_PID_MISSING] = "pid-missing",
	[JM_READLINK_FAILURE] = "readlink-failure",
	[JM_MAPS_READ_FAILURE] = "maps-read-failure",
	[JM_NOT_FOUND] = "jemalloc-not-found",
	[JM_IN_DSO] = "jemalloc-in-dso",
	[JM_ARCH_MISMATCH] = "arch-mismatch",
	[JM_DWARF_PARSE_FAILURE] = "dwarf-parse-failure",
	[JM_LAYOUT_UNKNOWN] = "jemalloc-layout-unknown",
	[JM_WORKER_PANIC] = "worker-panic",
	[JM_PTRACE_SEIZE] = "ptrace-seize",
	[JM_PTRACE_INTERRUPT] = "ptrace-interrupt",
	[JM_WAITPID] = "waitpid",
	[JM_GET_REGSET] = "get-regset",
	[JM_PROCESS_VM_READV] = "process-vm-readv",
	[JM_TLS_ARITHMETIC] = "tls-arithmetic",
};

const char *jm_tag_name(enum jm_tag tag)
{
	return (unsigned)tag < JM_TAG_COUNT ? tag_names[tag] : "unknown";
}

bool jm_tag_is_benign(enum jm_tag tag)
{
	return tag == JM_NOT_FOUND || tag == JM_READLINK_FAILURE;
}

void jm_tally_attach(struct jm_tally *t, enum jm_tag tag)
{
	t->tgids_walked++;
	if (tag == JM_OK) {
		t->jemalloc_detected++;
		return;
	}
	t->counts[tag]++;
	if (!jm_tag_is_benign(tag))
		t->failed++;
}

void jm_tally_probe(struct jm_tally *t, enum jm_tag tag)
{
	if (tag == JM_OK) {
		t->probed_ok++;
		return;
	}
	t->counts[tag]++;
	t->failed++;
}

enum jm_tag jm_tally_dominant(const struct jm_tally *t)
{
	enum jm_tag best = JM_OK;
	for (int i = JM_OK + 1; i < JM_TAG_COUNT; i++) {
		if (jm_tag_is_benign(i) || !t->counts[i])
			continue;
		if (best == JM_OK || t->counts[i] > t->counts[best] ||
		    (t->counts[i] == t->counts[best] &&
		     strcmp(tag_names[i], tag_names[best]) < 0))
			best = i;
	}
	return best;
}

bool jm_tally_privilege_dominant(const struct jm_tally *t)
{
	uint64_t ptrace = t->counts[JM_PTRACE_SEIZE] + t->counts[JM_PTRACE_INTERRUPT];
	return t->failed > 0 && ptrace * 2 >= t->failed;
}

struct probe_summary *jm_tally_summary(const struct jm_tally *t)
{
	struct probe_summary *p = calloc(1, sizeof(*p));
	if (!p)
		return NULL;
	p->tgids_walked = t->tgids_walked;
	p->jemalloc_detected = t->jemalloc_detected;
	p->probed_ok = t->probed_ok;
	p->failed = t->failed;
	p->privilege_dominant = jm_tally_privilege_dominant(t);
	enum jm_tag d = jm_tally_dominant(t);
	if (d != JM_OK && !(p->dominant_failure = strdup(tag_names[d]))) {
		free(p);
		return NULL;
	}
	return p;
}
