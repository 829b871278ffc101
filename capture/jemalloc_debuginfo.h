/*
 * jemalloc_debuginfo.h - find a binary's separate debug file.
 *
 * Owns the lookup cascade: the build-id path under /usr/lib/debug, then the
 * .gnu_debuglink name next to the binary, in its .debug/ directory and
 * under /usr/lib/debug. Every candidate is tried first inside the target's
 * root (/proc/<pid>/root, so a container's debug files are found) and then
 * on the host. A candidate must prove it belongs to the binary: the same
 * build-id, or the debuglink CRC32 over its whole contents.
 */
#ifndef CTPROF_JEMALLOC_DEBUGINFO_H
#define CTPROF_JEMALLOC_DEBUGINFO_H

#include <libelf.h>

struct jm_debugfile {
	int fd;
	Elf *elf;
};

/*
 * Open the debug file of elf, whose path inside root is path (absolute).
 * root "" means the host. 0, or -ENOENT when no candidate matches.
 */
int jm_debugfile_open(Elf *elf, const char *root, const char *path,
		      struct jm_debugfile *out);
void jm_debugfile_close(struct jm_debugfile *d);

#endif
