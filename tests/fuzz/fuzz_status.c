/* fuzz_status.c - proc_parse_status (/proc/<tid>/status) on arbitrary text. */
#include "fuzz_thread.h"

static int parse(char *text, struct thread_state *t)
{
	proc_parse_status(text, t);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	return fuzz_thread_file(data, size, parse);
}
