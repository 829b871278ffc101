/*
 * jemalloc_elf.h - what one ELF file says about jemalloc.
 *
 * Owns the per-file resolution with libelf and libdw: the TSD symbol
 * (tsd_tls or <prefix>_tsd_tls, .symtab before .dynsym), or, for a stripped
 * shared object, jemalloc's signature (an exported mallctl and a PT_TLS
 * block); the PT_TLS header; for a shared object the TPOFF GOT slot through
 * which its TLS block is found; and the counters' layout (DWARF in the file
 * or its debug file, else the built-in table). The result is plain data so
 * it can cross a pipe from the isolated resolver process.
 */
#ifndef CTPROF_JEMALLOC_ELF_H
#define CTPROF_JEMALLOC_ELF_H

#include <limits.h>
#include <stdbool.h>
#include <stdint.h>

#include "jemalloc_layout.h"
#include "jemalloc_summary.h"

struct jm_resolve_req {
	char path[PATH_MAX];    /* where to open it: /proc/<pid>/exe, <root>/<ns_path> */
	char root[64];          /* the target's root for debug files; "" = host */
	char ns_path[PATH_MAX]; /* its path inside the target's mount namespace */
	bool exe;               /* the executable (TLS module 1), else a shared object */
};

struct jm_file_info {
	enum jm_tag tag;        /* JM_OK: jemalloc is here and readable */
	bool exe;
	uint16_t machine;
	uint64_t tls_memsz, tls_align, tls_vaddr; /* PT_TLS */
	uint64_t tsd_value;     /* the TSD's offset inside the TLS block */
	struct jm_layout layout;
	uint64_t got_slot;      /* shared object: vaddr of a TPOFF GOT slot */
	uint64_t got_target;    /* block offset that slot points at */
	uint64_t exec_bias;     /* p_vaddr - p_offset of the executable PT_LOAD */
};

/* The e_machine the probe can read on this build's architecture. */
uint16_t jm_native_machine(void);

/* "tsd_tls", or a name longer than 8 ending in "_tsd_tls". */
bool jm_is_tsd_symbol(const char *name);

/* Resolve one file; never fails as a call: the outcome is out->tag. */
void jm_resolve_file(const struct jm_resolve_req *req, struct jm_file_info *out);

#endif
