/*
 * proc_io.c - /proc/<tid>/io (CONFIG_TASK_IO_ACCOUNTING): "key: value"
 * lines; a bad value drops only that field. The text is only read, as
 * spans.
 */
#include <stddef.h>
#include <string.h>

#include "parse_util.h"
#include "proc_task.h"

#define IO_KEY(f) { #f, sizeof(#f) - 1, offsetof(struct thread_state, f) }

static const struct io_key {
	const char *key;
	size_t len;
	size_t offset;
} io_keys[] = {
	IO_KEY(rchar),      IO_KEY(wchar),       IO_KEY(syscr),
	IO_KEY(syscw),      IO_KEY(read_bytes),  IO_KEY(write_bytes),
	IO_KEY(cancelled_write_bytes),
};

static const struct io_key *io_key_find(struct text_span key)
{
	for (size_t i = 0; i < sizeof(io_keys) / sizeof(io_keys[0]); i++)
		if (span_eq(key, io_keys[i].key, io_keys[i].len))
			return &io_keys[i];
	return NULL;
}

void proc_parse_io(char *text, struct thread_state *t)
{
	struct text_span rest = span_of(text), line, key, value;
	while (span_next_line(&rest, &line)) {
		uint64_t v;
		if (!span_split(line, ':', &key, &value))
			continue;
		const struct io_key *k = io_key_find(key);
		if (k && parse_u64_span(value, &v))
			*(uint64_t *)((char *)t + k->offset) = v;
	}
}
