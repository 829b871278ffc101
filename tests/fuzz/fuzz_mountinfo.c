/*
 * fuzz_mountinfo.c - cgroup2_mount_find (the cgroup2 root from
 * /proc/self/mountinfo) on arbitrary text. Unescaping only shortens, so a
 * mount point found can never be longer than the input.
 */
#include "cgroup_stats.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct strbuf out = STRBUF_INIT;
	char *text = fuzz_text(data, size);
	if (!text)
		return 0;
	if (!cgroup2_mount_find(text, &out) && out.len > size)
		abort();
	strbuf_release(&out);
	free(text);
	return 0;
}
