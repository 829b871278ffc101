/*
 * proc_io.c - /proc/<tid>/io (CONFIG_TASK_IO_ACCOUNTING): "key: value"
 * lines; a bad value drops only that field.
 */
#include <stddef.h>
#include <string.h>

#include "parse_util.h"
#include "proc_task.h"

#define IO_KEY(f) { #f, offsetof(struct thread_state, f) }

static const struct {
	const char *key;
	size_t offset;
} io_keys[] = {
	IO_KEY(rchar),      IO_KEY(wchar),       IO_KEY(syscr),
	IO_KEY(syscw),      IO_KEY(read_bytes),  IO_KEY(write_bytes),
	IO_KEY(cancelled_write_bytes),
};

void proc_parse_io(char *text, struct thread_state *t)
{
	char *cursor = text, *line, *key, *value;
	while ((line = next_line(&cursor))) {
		if (!split_key_value(line, ':', &key, &value))
			continue;
		for (size_t i = 0; i < sizeof(io_keys) / sizeof(io_keys[0]); i++) {
			uint64_t v;
			if (strcmp(key, io_keys[i].key) || !parse_u64(value, &v))
				continue;
			*(uint64_t *)((char *)t + io_keys[i].offset) = v;
		}
	}
}
