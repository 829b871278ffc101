/*
 * fuzz_smaps_rollup.c - proc_parse_smaps_rollup (/proc/<pid>/smaps_rollup)
 * on arbitrary text, into a KiB map that must come out sorted and unique
 * (kv_map_set's contract, which the JSON writer relies on).
 */
#include "fuzz.h"
#include "proc_task.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct kv_map m = { 0 };
	char *text = fuzz_text(data, size);
	if (!text)
		return 0;
	proc_parse_smaps_rollup(text, &m);
	for (size_t i = 1; i < m.len; i++)
		if (strcmp(m.items[i - 1].key, m.items[i].key) >= 0)
			abort();
	kv_map_release(&m);
	free(text);
	return 0;
}
