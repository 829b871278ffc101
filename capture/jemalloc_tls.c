/*
 * jemalloc_tls.c - TLS block placement arithmetic (see jemalloc_tls.h).
 * The formulas follow glibc's _dl_determine_tlsoffset for the first module
 * and were checked on this machine against the targets' own &je_tsd_tls.
 */
#include "jemalloc_tls.h"

/* The aarch64 TCB that precedes the executable's block (two pointers). */
#define TLS_TCB_SIZE_VARIANT_I 16u

bool tls_round_up(uint64_t v, uint64_t align, uint64_t *out)
{
	if (align <= 1) {
		*out = v;
		return true;
	}
	if (align & (align - 1))
		return false;
	if (v > UINT64_MAX - (align - 1))
		return false;
	*out = (v + align - 1) & ~(align - 1);
	return true;
}

/*
 * Variant II: offset = roundup(memsz - firstbyte, align) + firstbyte, where
 * firstbyte realigns a block whose p_vaddr is not aligned (glibc's
 * l_tls_firstbyte_offset); it is 0 for every binary measured here.
 */
static bool tls_variant_ii_span(uint64_t memsz, uint64_t align, uint64_t vaddr,
				uint64_t *span)
{
	uint64_t a = align ? align : 1;
	uint64_t firstbyte = (0 - (vaddr & (a - 1))) & (a - 1);
	uint64_t rounded;
	if (memsz < firstbyte)
		return false;
	if (!tls_round_up(memsz - firstbyte, a, &rounded))
		return false;
	if (rounded > UINT64_MAX - firstbyte)
		return false;
	*span = rounded + firstbyte;
	return true;
}

bool tls_exe_block(enum tls_variant v, uint64_t memsz, uint64_t align,
		   uint64_t vaddr, struct tls_block *out)
{
	out->tpoff = 0;
	if (v == TLS_VARIANT_I) {
		out->kind = TLS_BLOCK_ABOVE;
		return tls_round_up(TLS_TCB_SIZE_VARIANT_I, align, &out->span);
	}
	out->kind = TLS_BLOCK_BELOW;
	return tls_variant_ii_span(memsz, align, vaddr, &out->span);
}

void tls_dso_block(uint64_t slot, uint64_t target, struct tls_block *out)
{
	out->kind = TLS_BLOCK_TPOFF;
	out->span = 0;
	/* Two's complement: the slot is a signed offset stored as a u64. */
	out->tpoff = (int64_t)(slot - target);
}

static bool add_u64(uint64_t a, uint64_t b, uint64_t *out)
{
	return !__builtin_add_overflow(a, b, out);
}

/* tp + (signed) d without wrapping. */
static bool add_signed(uint64_t tp, int64_t d, uint64_t *out)
{
	if (d >= 0)
		return add_u64(tp, (uint64_t)d, out);
	uint64_t m = (uint64_t)0 - (uint64_t)d;
	if (tp < m)
		return false;
	*out = tp - m;
	return true;
}

bool tls_addr(const struct tls_block *b, uint64_t tp, uint64_t off,
	      uint64_t *out)
{
	uint64_t base;
	switch (b->kind) {
	case TLS_BLOCK_BELOW:
		if (tp < b->span)
			return false;
		base = tp - b->span;
		break;
	case TLS_BLOCK_ABOVE:
		if (!add_u64(tp, b->span, &base))
			return false;
		break;
	case TLS_BLOCK_TPOFF:
		if (!add_signed(tp, b->tpoff, &base))
			return false;
		break;
	default:
		return false;
	}
	return add_u64(base, off, out);
}
