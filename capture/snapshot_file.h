/*
 * snapshot_file.h - the .ctprof.zst snapshot file: zstd (level 3) of the
 * snapshot JSON, exactly what ktstr writes and loads.
 *
 * Owns compression, the 256 MiB decompression cap ktstr enforces, and the
 * atomic write (path.tmp then rename). Every failure is a negative errno
 * plus one line of text in err, without the file name (the caller adds it).
 */
#ifndef CTPROF_SNAPSHOT_FILE_H
#define CTPROF_SNAPSHOT_FILE_H

#include <stddef.h>

#include "snapshot.h"
#include "strbuf.h"

#define SNAPSHOT_ZSTD_LEVEL 3
#define SNAPSHOT_MAX_DECOMPRESSED (256u << 20)

/* Replace out_zstd's contents with the compressed snapshot. 0 / -errno. */
int snapshot_encode(const struct ctprof_snapshot *s, struct strbuf *out_zstd,
		    struct strbuf *err);

/*
 * Decompress data (one or more zstd frames) into a malloc'd, NUL-terminated
 * buffer the caller frees; *json_len excludes the NUL. More than
 * SNAPSHOT_MAX_DECOMPRESSED bytes is an error. 0 / -errno.
 */
int snapshot_decompress(const void *data, size_t len, char **json,
			size_t *json_len, struct strbuf *err);

/* snapshot_decompress + snapshot_from_json; out as in snapshot_from_json. */
int snapshot_decode(const void *data, size_t len, struct ctprof_snapshot *out,
		    struct strbuf *err);

/* Encode and write to path atomically (via path.tmp). 0 / -errno. */
int snapshot_write_file(const struct ctprof_snapshot *s, const char *path,
			struct strbuf *err);

/* Read, decompress and parse path. 0 / -errno; out as in snapshot_decode. */
int snapshot_read_file(const char *path, struct ctprof_snapshot *out,
		       struct strbuf *err);

#endif
