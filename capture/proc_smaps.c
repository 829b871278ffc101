/*
 * proc_smaps.c - /proc/<pid>/smaps_rollup (read on the thread leader only):
 * "Key:  <n> kB" lines into a KiB map. The first line is the
 * "addr-addr ---p ... [rollup]" header, rejected because its key part
 * holds whitespace or '-'.
 */
#include <string.h>

#include "parse_util.h"
#include "proc_task.h"

int proc_parse_smaps_rollup(char *text, struct kv_map *kib)
{
	char *cursor = text, *line, *key, *value;
	while ((line = next_line(&cursor))) {
		if (!split_key_value(line, ':', &key, &value))
			continue;
		if (strpbrk(key, " \t-") || !*key)
			continue;
		size_t n = strcspn(value, " \t");
		value[n] = '\0';
		uint64_t v;
		if (!parse_u64(value, &v))
			continue;
		if (kv_map_set(kib, key, v))
			return -1;
	}
	return 0;
}
