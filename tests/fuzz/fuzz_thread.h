/*
 * fuzz_thread.h - the one body of every per-thread procfs parser harness:
 * a fresh thread_state, the parser on a copy of the input, release. What
 * must hold is what ASan/UBSan check: no access past the text, no
 * undefined arithmetic, and (LeakSanitizer at exit) no leak of a string or
 * cpuset a later line replaced.
 */
#ifndef CTPROF_FUZZ_THREAD_H
#define CTPROF_FUZZ_THREAD_H

#include "fuzz.h"
#include "proc_task.h"

typedef int (*fuzz_thread_parser)(char *text, struct thread_state *t);

static inline int fuzz_thread_file(const uint8_t *data, size_t size,
				   fuzz_thread_parser parse)
{
	struct thread_state t;
	char *text = fuzz_text(data, size);
	if (!text || thread_state_init(&t)) {
		free(text);
		return 0;
	}
	parse(text, &t);
	thread_state_release(&t);
	free(text);
	return 0;
}

#endif
