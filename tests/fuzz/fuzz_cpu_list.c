/*
 * fuzz_cpu_list.c - parse_cpu_list ("0-3,8", Cpus_allowed_list and the
 * sysfs cpu lists) on arbitrary text. On success the set must be sorted,
 * unique and non-empty; on failure the output must be untouched.
 */
#include "fuzz.h"
#include "parse_util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cpuset c = { 0 };
	char *text = fuzz_text(data, size);
	if (!text)
		return 0;
	if (parse_cpu_list(text, &c)) {
		if (!c.len)
			abort();
		for (size_t i = 1; i < c.len; i++)
			if (c.cpus[i - 1] >= c.cpus[i])
				abort();
	} else if (c.len || c.cpus) {
		abort();
	}
	cpuset_release(&c);
	free(text);
	return 0;
}
