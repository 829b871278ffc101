/*
 * readfile.h - whole-file reads relative to a directory fd.
 *
 * Owns the one way capture reads a /proc, /sys or cgroupfs file: openat on
 * a directory fd, read to EOF retrying EINTR, NUL-terminate, close.
 */
#ifndef CTPROF_READFILE_H
#define CTPROF_READFILE_H

#include "strbuf.h"

/* Replace sb's contents with dirfd/name. 0 / -errno (sb empty on error). */
int read_file_at(int dirfd, const char *name, struct strbuf *sb);

/*
 * The same for a file the kernel prints as one seq_file record (every
 * per-task file ctprof reads, single_open in fs/proc): a read short of the
 * buffer is the record's end, which saves the read that would return 0.
 * Never for multi-record files (mountinfo), where a short read is not EOF.
 */
int read_record_at(int dirfd, const char *name, struct strbuf *sb);

/* Read a file and trim surrounding ASCII whitespace; 0 / -errno. */
int read_trimmed_at(int dirfd, const char *name, struct strbuf *sb);

/* Open a directory relative to dirfd (AT_FDCWD for a path). fd / -errno. */
int open_dir_at(int dirfd, const char *name);

#endif
