/*
 * fuzz_sched.c - proc_parse_sched (/proc/<tid>/sched) on arbitrary text,
 * which drives parse_dotted_ns over every "ms.ns" value. A file cannot
 * hold more negative values than lines.
 */
#include "fuzz_thread.h"

static int parse(char *text, struct thread_state *t)
{
	size_t lines = 1;
	for (const char *p = text; *p; p++)
		lines += *p == '\n';
	if (proc_parse_sched(text, t) > lines)
		abort();
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	return fuzz_thread_file(data, size, parse);
}
