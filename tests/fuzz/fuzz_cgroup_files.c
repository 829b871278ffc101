/*
 * fuzz_cgroup_files.c - cgroup_stats_read over a cgroup directory whose
 * v2 files (cpu.*, memory.*, pids.*, *.pressure) hold arbitrary text.
 *
 * The input is the files' contents separated by NUL bytes, in the order of
 * files[] below; a missing field leaves that file absent, as on a cgroup
 * without the controller. The files are written into a scratch directory
 * and removed after each run, so every input is reproducible on its own.
 */
#include "cgroup_stats.h"
#include "fuzz.h"

static const char *const files[] = {
	"cpu.stat",	 "cpu.max",	 "cpu.weight",	    "cpu.weight.nice",
	"memory.current", "memory.max",	 "memory.high",	    "memory.low",
	"memory.min",	 "memory.stat",	 "memory.events",   "pids.current",
	"pids.max",	 "cpu.pressure", "memory.pressure", "io.pressure",
	"irq.pressure",
};
#define NFILES (sizeof(files) / sizeof(files[0]))

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int dirfd = -1;
	struct strbuf buf = STRBUF_INIT;
	struct cgroup_stats cg;
	size_t written = 0, off = 0;

	if (dirfd < 0 && (dirfd = open(fuzz_scratch_dir(), O_RDONLY | O_DIRECTORY)) < 0)
		abort();
	while (written < NFILES && off <= size) {
		const uint8_t *q = memchr(data + off, '\0', size - off);
		size_t n = q ? (size_t)(q - (data + off)) : size - off;
		if (fuzz_write_at(dirfd, files[written], data + off, n))
			abort();
		written++;
		off += n + 1;
	}
	cgroup_stats_init(&cg);
	cgroup_stats_read(dirfd, "/", &cg, &buf);
	cgroup_stats_release(&cg);
	strbuf_release(&buf);
	for (size_t i = 0; i < written; i++)
		unlinkat(dirfd, files[i], 0);
	return 0;
}
