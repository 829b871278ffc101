/* fuzz_stat.c - proc_parse_stat (/proc/<tid>/stat) on arbitrary text. */
#include "fuzz_thread.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	return fuzz_thread_file(data, size, proc_parse_stat);
}
