/*
 * jemalloc_isolate.h - run the ELF/DWARF resolution in a child process.
 *
 * Parsing an untrusted binary must not crash or hang the capture, so each
 * batch of files is resolved by a forked child that streams one fixed-size
 * result per file through a pipe and is killed at its time limit. A child
 * that dies or runs out of time costs its batch a worker-panic result.
 */
#ifndef CTPROF_JEMALLOC_ISOLATE_H
#define CTPROF_JEMALLOC_ISOLATE_H

#include <stddef.h>

#include "jemalloc_elf.h"

typedef void (*jm_resolve_fn)(const struct jm_resolve_req *req,
			      struct jm_file_info *out);

/*
 * Resolve reqs[0..n) in order with fn in a child, stopping after the first
 * result whose tag is not JM_NOT_FOUND (the file that has jemalloc). Fills
 * out[0..k) and returns k. When the child crashed or exceeded timeout_ms
 * before finishing, out[k-1] is the unfinished file tagged JM_WORKER_PANIC.
 * Returns 0 only for n == 0 or when no child could be started.
 */
size_t jm_isolate_resolve(jm_resolve_fn fn, const struct jm_resolve_req *reqs,
			  size_t n, struct jm_file_info *out, int timeout_ms);

#endif
