/*
 * jemalloc_tls.h - where a thread's jemalloc TSD lives, as arithmetic.
 *
 * Owns the TLS address formulas (ktstr-facts 5.3): the executable's block
 * (x86_64 variant II below the thread pointer, aarch64 variant I above it)
 * and a shared object's block, whose offset from the thread pointer the
 * dynamic linker wrote into a GOT slot. Pure functions; every overflow or
 * underflow is reported as false, never wrapped. Both architectures are
 * compiled everywhere so the aarch64 arithmetic is unit-tested on x86_64.
 */
#ifndef CTPROF_JEMALLOC_TLS_H
#define CTPROF_JEMALLOC_TLS_H

#include <stdbool.h>
#include <stdint.h>

enum tls_variant {
	TLS_VARIANT_II, /* x86_64: the block ends at the thread pointer */
	TLS_VARIANT_I,  /* aarch64: the block follows a 16-byte TCB */
};

/* How one module's TLS block sits relative to a thread's pointer. */
struct tls_block {
	enum tls_block_kind {
		TLS_BLOCK_BELOW, /* block = tp - span (executable, variant II) */
		TLS_BLOCK_ABOVE, /* block = tp + span (executable, variant I) */
		TLS_BLOCK_TPOFF, /* block = tp + tpoff (shared object, from the GOT) */
	} kind;
	uint64_t span;
	int64_t tpoff;
};

/* v rounded up to align (0 or a power of two; 0 leaves v). false on overflow. */
bool tls_round_up(uint64_t v, uint64_t align, uint64_t *out);

/*
 * The executable's block (TLS module 1) from its PT_TLS p_memsz, p_align
 * and p_vaddr, as the dynamic linker places it. false on overflow.
 */
bool tls_exe_block(enum tls_variant v, uint64_t memsz, uint64_t align,
		   uint64_t vaddr, struct tls_block *out);

/*
 * A shared object's block from a TPOFF GOT slot: the slot holds the
 * thread-pointer offset of (block + target), target being the relocation's
 * symbol value plus addend.
 */
void tls_dso_block(uint64_t slot, uint64_t target, struct tls_block *out);

/* tp + block + off, with off an offset inside the block. false on overflow. */
bool tls_addr(const struct tls_block *b, uint64_t tp, uint64_t off,
	      uint64_t *out);

#endif
