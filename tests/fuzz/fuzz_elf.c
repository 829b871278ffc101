/*
 * fuzz_elf.c - jm_resolve_file (jemalloc's TSD symbol, PT_TLS, the TPOFF
 * GOT slot and the tsd_s layout from DWARF) on an arbitrary file, once as
 * an executable and once as a shared object.
 *
 * The capture runs this in an isolated child (jemalloc_isolate.c) because
 * libelf and libdw are not hardened against hostile files; here it runs
 * in-process so that a fault in our code over their results is found.
 * Whatever the file, a JM_OK result must carry a layout the probe accepts.
 */
#include "fuzz.h"
#include "jemalloc_elf.h"
#include "jemalloc_layout.h"

static void resolve(const char *path, bool exe)
{
	struct jm_resolve_req req = { .exe = exe };
	struct jm_file_info info;
	snprintf(req.path, sizeof(req.path), "%s", path);
	snprintf(req.ns_path, sizeof(req.ns_path), "%s", path);
	jm_resolve_file(&req, &info);
	if (info.tag == JM_OK && !jm_layout_valid(&info.layout))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char path[300];
	if (!path[0])
		snprintf(path, sizeof(path), "%s/bin", fuzz_scratch_dir());
	if (fuzz_write_at(AT_FDCWD, path, data, size))
		abort();
	resolve(path, true);
	resolve(path, false);
	return 0;
}
