/*
 * fuzz_maps.c - jm_parse_map_line (the jemalloc probe's scanner of
 * /proc/<pid>/maps lines) on every line of an arbitrary text. Each line is
 * its own exactly sized copy, so AddressSanitizer sees a read past its
 * terminator; a kept line's path must lie inside it and start with '/'.
 */
#include "fuzz.h"
#include "jemalloc_attach.h"

static void parse_line(const char *line, size_t len)
{
	char *copy = fuzz_text((const uint8_t *)line, len);
	struct jm_mapping m;
	if (!copy)
		return;
	if (jm_parse_map_line(copy, &m) &&
	    (m.path < copy || m.path >= copy + len || *m.path != '/'))
		abort();
	free(copy);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *p = (const char *)data, *end = p + size;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t len = (size_t)((nl ? nl : end) - p);
		parse_line(p, len);
		p += len + 1;
	}
	return 0;
}
