/*
 * jemalloc_attach.h - find jemalloc in one process (phase 1, per tgid).
 *
 * Owns the choice of where a process keeps jemalloc: its executable, else
 * the first r-x file mapping in /proc/<pid>/maps that has it (a shared
 * object such as Debian's libjemalloc.so.2). Files are identified by
 * (st_dev, st_ino) and resolved once, in the isolated resolver, with the
 * results kept in a cache shared by the parallel attach workers. The
 * outcome is the process's read plan (jemalloc_ptrace.h) or a tag.
 */
#ifndef CTPROF_JEMALLOC_ATTACH_H
#define CTPROF_JEMALLOC_ATTACH_H

#include <pthread.h>
#include <stdint.h>

#include "jemalloc_cache.h"
#include "jemalloc_isolate.h"
#include "jemalloc_ptrace.h"

/* One process as the prober remembers it, keyed by (tgid, start time). */
struct jm_proc {
	enum jm_tag tag;          /* JM_OK: plan is usable */
	uint64_t exe_dev, exe_ino; /* an exec replaces the process's image */
	struct jm_plan plan;
	struct jm_cache threads;  /* (tid, start time) -> thread pointer */
};

/* What the attach workers share. */
struct jm_attach_ctx {
	pthread_mutex_t *lock; /* guards files */
	struct jm_cache *files; /* (dev, ino) -> struct jm_file_info * */
	const char *procfs;    /* the live procfs root's path, for the resolver */
	jm_resolve_fn resolve;
	int timeout_ms;
};

/* One r-x file mapping of a process, from a line of /proc/<pid>/maps. */
struct jm_mapping {
	uint64_t start, offset, dev, ino;
	const char *path; /* into the line */
};

/*
 * Parse one maps line (without its newline): true with *m set when it maps
 * a file (its path starts with '/') executable (the third permission byte
 * is 'x'), else false with *m untouched. It accepts the lines, and reads
 * the values, that sscanf("%llx-%llx %7s %llx %x:%x %llu %n") did.
 */
bool jm_parse_map_line(const char *line, struct jm_mapping *m);

/* Whether an attach outcome is a property of the binaries (cacheable). */
bool jm_tag_is_lasting(enum jm_tag tag);

/*
 * Attach process tgid, whose /proc directory is pfd and whose executable
 * is (dev, ino). Returns a new proc (free with jm_proc_free) whose tag may
 * be an error, or NULL with *tag set when the outcome is transient or
 * memory ran out (JM_PID_MISSING).
 */
struct jm_proc *jm_attach(const struct jm_attach_ctx *c, int pfd, uint32_t tgid,
			  uint64_t dev, uint64_t ino, enum jm_tag *tag);
void jm_proc_free(struct jm_proc *proc);

#endif
