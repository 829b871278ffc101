/*
 * tsd_custom.c - a probe target that looks like jemalloc without being it:
 * its own TLS variable je_tsd_tls, of a struct tsd_s with jemalloc's two
 * mangled counter members at offsets of its own (not the 5.3.0 layout, so
 * only DWARF can place them). Thread i (the main thread is 0) stores
 * allocated = 1000003 * (i + 1) and deallocated = 7001 * (i + 1), prints
 * "<tid> <allocated> <deallocated>" and waits until killed.
 *
 * Built also as tsd_reversed (-DTSD_REVERSED) and as a shared object
 * reaching its TLS dynamically (tsd_gd.so), both only ever parsed.
 *
 * usage: tsd_custom N    (N extra threads)
 */
#include <stdint.h>

#include "target_threads.h"

/* -DTSD_REVERSED: deallocated first, a layout the probe must refuse. */
struct tsd_s {
	uint8_t state;
	uint64_t before[5];
#ifdef TSD_REVERSED
	uint64_t cant_access_tsd_items_directly_use_a_getter_or_setter_thread_deallocated;
	uint64_t cant_access_tsd_items_directly_use_a_getter_or_setter_thread_allocated;
#else
	uint64_t cant_access_tsd_items_directly_use_a_getter_or_setter_thread_allocated;
	uint64_t cant_access_tsd_items_directly_use_a_getter_or_setter_thread_allocated_next_event_fast;
	uint64_t cant_access_tsd_items_directly_use_a_getter_or_setter_thread_deallocated;
#endif
	uint64_t after[3];
};

/* Another TLS variable, so the TSD need not start the block. */
__thread uint64_t other_tls[7] __attribute__((used)) = { 1 };
__thread struct tsd_s je_tsd_tls __attribute__((used)) = { .state = 6 };

static void publish(long i)
{
	uint64_t a = 1000003u * (uint64_t)(i + 1), d = 7001u * (uint64_t)(i + 1);
	je_tsd_tls.cant_access_tsd_items_directly_use_a_getter_or_setter_thread_allocated = a;
	je_tsd_tls.cant_access_tsd_items_directly_use_a_getter_or_setter_thread_deallocated = d;
	report(a, d);
}

int main(int argc, char **argv)
{
	return run_threads(argc, argv, publish);
}
