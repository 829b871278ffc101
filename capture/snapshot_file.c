/*
 * snapshot_file.c - zstd framing and file I/O of a ctprof snapshot.
 *
 * Owns the byte format around the JSON: one zstd frame at level 3 on write,
 * compressed as the JSON writer streams it;
 * any sequence of frames on read, decoded with the streaming API so a frame
 * that claims or produces more than 256 MiB is refused without being
 * inflated. Files are replaced atomically: a reader never sees half a file.
 */
#include "snapshot_file.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zstd.h>

#include "snapshot_json.h"

/* Skippable frames (0x184D2A5?) are legal zstd too. */
#define ZSTD_SKIPPABLE_MAGIC_BASE 0x184D2A50u
#define ZSTD_SKIPPABLE_MAGIC_MASK 0xFFFFFFF0u

/* Larger than any frame of <= 256 MiB content can be compressed to. */
#define SNAPSHOT_MAX_FILE ZSTD_COMPRESSBOUND(SNAPSHOT_MAX_DECOMPRESSED)

/* Room for one byte past the cap (to notice it) and the terminator. */
#define DECOMPRESS_BUF_MAX ((size_t)SNAPSHOT_MAX_DECOMPRESSED + 2)

#define READ_CHUNK (64u << 10)

/* The compressor the JSON writer feeds: output accumulates in out. */
struct zstd_sink {
	ZSTD_CCtx *cctx;
	struct strbuf *out;
	struct strbuf *err;
};

/*
 * Run the compressor until in is consumed (ZSTD_e_continue) or the frame is
 * closed (ZSTD_e_end), with at least one ZSTD_CStreamOutSize() of room each
 * round so a round always progresses.
 */
static int zstd_pump(struct zstd_sink *z, const void *data, size_t len,
		     ZSTD_EndDirective end)
{
	ZSTD_inBuffer in = { data, len, 0 };

	for (;;) {
		ZSTD_outBuffer out;
		size_t left;

		if (strbuf_grow(z->out, ZSTD_CStreamOutSize())) {
			strbuf_set_line(z->err, "out of memory compressing snapshot");
			return -ENOMEM;
		}
		out = (ZSTD_outBuffer){ z->out->buf + z->out->len,
					z->out->alloc - z->out->len - 1, 0 };
		left = ZSTD_compressStream2(z->cctx, &out, &in, end);
		if (ZSTD_isError(left)) {
			strbuf_set_line(z->err, "zstd compression failed: %s",
					ZSTD_getErrorName(left));
			return -EIO;
		}
		z->out->len += out.pos;
		z->out->buf[z->out->len] = '\0';
		if (end == ZSTD_e_end ? !left : in.pos == in.size)
			return 0;
	}
}

static int zstd_sink_write(void *ctx, const char *data, size_t len)
{
	return zstd_pump(ctx, data, len, ZSTD_e_continue);
}

/*
 * The JSON goes through a zstd stream as it is written, so only the
 * compressed bytes are ever whole in memory. The frame carries no content
 * size (it is not known up front); readers, ours and ktstr's, need none.
 */
int snapshot_encode(const struct ctprof_snapshot *s, struct strbuf *out_zstd,
		    struct strbuf *err)
{
	struct zstd_sink z = { ZSTD_createCCtx(), out_zstd, err };
	size_t set;
	int rc;

	strbuf_reset(out_zstd);
	if (!z.cctx) {
		strbuf_set_line(err, "out of memory compressing snapshot");
		return -ENOMEM;
	}
	set = ZSTD_CCtx_setParameter(z.cctx, ZSTD_c_compressionLevel,
				     SNAPSHOT_ZSTD_LEVEL);
	if (ZSTD_isError(set)) {
		strbuf_set_line(err, "zstd compression failed: %s",
				ZSTD_getErrorName(set));
		rc = -EIO;
		goto out_free_cctx;
	}
	rc = snapshot_write_json(s, zstd_sink_write, &z, err);
	if (!rc)
		rc = zstd_pump(&z, NULL, 0, ZSTD_e_end);
	if (rc)
		strbuf_reset(out_zstd);

out_free_cctx:
	ZSTD_freeCCtx(z.cctx);
	return rc;
}

static bool looks_like_zstd(const void *data, size_t len)
{
	const unsigned char *p = data;
	uint32_t magic;

	if (len < 4)
		return false;
	magic = (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
		(uint32_t)p[3] << 24;
	return magic == ZSTD_MAGICNUMBER ||
	       (magic & ZSTD_SKIPPABLE_MAGIC_MASK) == ZSTD_SKIPPABLE_MAGIC_BASE;
}

/* Output buffer growing by doubling up to DECOMPRESS_BUF_MAX. */
struct out_buf {
	char *buf;
	size_t len;
	size_t cap;
};

static int out_buf_grow(struct out_buf *o)
{
	size_t cap = o->cap * 2;
	char *p;

	if (cap > DECOMPRESS_BUF_MAX)
		cap = DECOMPRESS_BUF_MAX;
	p = realloc(o->buf, cap);
	if (!p)
		return -ENOMEM;
	o->buf = p;
	o->cap = cap;
	return 0;
}

/* The first frame's declared content size, or 0 when it has none. */
static unsigned long long declared_size(const void *data, size_t len)
{
	unsigned long long fcs = ZSTD_getFrameContentSize(data, len);

	if (fcs == ZSTD_CONTENTSIZE_UNKNOWN || fcs == ZSTD_CONTENTSIZE_ERROR)
		return 0;
	return fcs;
}

/* Sized for the declared content when known (no realloc in the usual case). */
static size_t initial_capacity(const void *data, size_t len)
{
	unsigned long long fcs = declared_size(data, len);

	if (fcs)
		return (size_t)fcs + 2;
	if (len > DECOMPRESS_BUF_MAX / 8)
		return DECOMPRESS_BUF_MAX;
	return len * 8 < READ_CHUNK ? READ_CHUNK : len * 8;
}

/* One decode loop: 0 when every frame is complete, else -errno and err. */
static int decompress_frames(ZSTD_DCtx *dctx, const void *data, size_t len,
			     struct out_buf *o, struct strbuf *err)
{
	ZSTD_inBuffer in = { data, len, 0 };

	for (;;) {
		ZSTD_outBuffer out;
		size_t ret;

		if (o->cap - o->len < 2 && out_buf_grow(o)) {
			strbuf_set_line(err, "out of memory decompressing snapshot");
			return -ENOMEM;
		}
		/* one byte stays free for the terminator */
		out = (ZSTD_outBuffer){ o->buf + o->len,
					o->cap - o->len - 1, 0 };
		ret = ZSTD_decompressStream(dctx, &out, &in);
		if (ZSTD_isError(ret)) {
			strbuf_set_line(err, "corrupt zstd data: %s",
				  ZSTD_getErrorName(ret));
			return -EINVAL;
		}
		o->len += out.pos;
		if (o->len > SNAPSHOT_MAX_DECOMPRESSED) {
			strbuf_set_line(err, "decompressed size exceeds 256 MiB");
			return -EFBIG;
		}
		if (!ret && in.pos == in.size)
			return 0;
		/* Input used up, room left, frame unfinished: truncated. */
		if (in.pos == in.size && out.pos < out.size) {
			strbuf_set_line(err, "truncated zstd data");
			return -EINVAL;
		}
	}
}

int snapshot_decompress(const void *data, size_t len, char **json,
			size_t *json_len, struct strbuf *err)
{
	struct out_buf o = { NULL, 0, 0 };
	ZSTD_DCtx *dctx;
	int rc;

	*json = NULL;
	*json_len = 0;
	if (!len) {
		strbuf_set_line(err, "empty input");
		return -EINVAL;
	}
	if (!looks_like_zstd(data, len)) {
		strbuf_set_line(err, "not zstd-compressed data");
		return -EINVAL;
	}
	/* Refuse a frame that says it is too big before inflating any of it. */
	if (declared_size(data, len) > SNAPSHOT_MAX_DECOMPRESSED) {
		strbuf_set_line(err, "decompressed size exceeds 256 MiB");
		return -EFBIG;
	}
	o.cap = initial_capacity(data, len);
	o.buf = malloc(o.cap);
	dctx = ZSTD_createDCtx();
	if (!o.buf || !dctx) {
		strbuf_set_line(err, "out of memory decompressing snapshot");
		rc = -ENOMEM;
		goto out_free;
	}
	rc = decompress_frames(dctx, data, len, &o, err);
	if (rc)
		goto out_free;
	o.buf[o.len] = '\0';
	*json = o.buf;
	*json_len = o.len;
	o.buf = NULL;

out_free:
	ZSTD_freeDCtx(dctx);
	free(o.buf);
	return rc;
}

int snapshot_decode(const void *data, size_t len, struct ctprof_snapshot *out,
		    struct strbuf *err)
{
	char *json;
	size_t json_len;
	int rc;

	ctprof_snapshot_init(out);
	rc = snapshot_decompress(data, len, &json, &json_len, err);
	if (rc)
		return rc;
	rc = snapshot_from_json(json, json_len, out, err);
	free(json);
	return rc;
}

static int write_all(int fd, const char *buf, size_t len)
{
	while (len) {
		ssize_t n = write(fd, buf, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

/* Write, flush and close the temporary; on failure it is left for unlink. */
static int write_tmp(const char *tmp, const struct strbuf *data,
		     struct strbuf *err)
{
	int fd, rc;

	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW,
		  0644);
	if (fd < 0) {
		rc = -errno;
		strbuf_set_line(err, "cannot create %s: %s", tmp, strerror(-rc));
		return rc;
	}
	rc = write_all(fd, data->buf, data->len);
	if (!rc && fsync(fd))
		rc = -errno;
	if (rc) {
		strbuf_set_line(err, "cannot write %s: %s", tmp, strerror(-rc));
		close(fd);
		return rc;
	}
	if (close(fd)) {
		rc = -errno;
		strbuf_set_line(err, "cannot close %s: %s", tmp, strerror(-rc));
	}
	return rc;
}

int snapshot_write_file(const struct ctprof_snapshot *s, const char *path,
			struct strbuf *err)
{
	struct strbuf data = STRBUF_INIT, tmp = STRBUF_INIT;
	int rc;

	rc = snapshot_encode(s, &data, err);
	if (rc)
		goto out_release;
	rc = strbuf_addf(&tmp, "%s.tmp", path);
	if (rc) {
		strbuf_set_line(err, "out of memory");
		goto out_release;
	}
	rc = write_tmp(tmp.buf, &data, err);
	if (rc)
		goto out_unlink_tmp;
	if (rename(tmp.buf, path)) {
		rc = -errno;
		strbuf_set_line(err, "cannot rename %s: %s", tmp.buf, strerror(-rc));
		goto out_unlink_tmp;
	}
	goto out_release;

out_unlink_tmp:
	unlink(tmp.buf);
out_release:
	strbuf_release(&tmp);
	strbuf_release(&data);
	return rc;
}

/* Read fd to EOF into sb, refusing more than max bytes. */
static int read_capped(int fd, struct strbuf *sb, size_t max,
		       struct strbuf *err)
{
	for (;;) {
		ssize_t n;

		if (strbuf_grow(sb, READ_CHUNK)) {
			strbuf_set_line(err, "out of memory reading file");
			return -ENOMEM;
		}
		n = read(fd, sb->buf + sb->len, READ_CHUNK);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			int rc = -errno;

			strbuf_set_line(err, "cannot read: %s", strerror(-rc));
			return rc;
		}
		if (!n)
			break;
		sb->len += (size_t)n;
		sb->buf[sb->len] = '\0';
		if (sb->len > max) {
			strbuf_set_line(err, "file too large (over %zu bytes)", max);
			return -EFBIG;
		}
	}
	return 0;
}

int snapshot_read_file(const char *path, struct ctprof_snapshot *out,
		       struct strbuf *err)
{
	struct strbuf data = STRBUF_INIT;
	struct stat st;
	int fd, rc;

	ctprof_snapshot_init(out);
	/* O_NONBLOCK: opening a FIFO must not wait for a writer. */
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0) {
		rc = -errno;
		strbuf_set_line(err, "cannot open: %s", strerror(-rc));
		return rc;
	}
	/* A directory or FIFO would fail confusingly (or block) on read. */
	if (fstat(fd, &st) || !S_ISREG(st.st_mode)) {
		strbuf_set_line(err, "not a regular file");
		rc = -EINVAL;
		goto out_close;
	}
	rc = read_capped(fd, &data, SNAPSHOT_MAX_FILE, err);
	if (rc)
		goto out_release;
	if (!data.len) {
		strbuf_set_line(err, "empty file");
		rc = -EINVAL;
		goto out_release;
	}
	rc = snapshot_decode(data.buf, data.len, out, err);

out_release:
	strbuf_release(&data);
out_close:
	close(fd);
	return rc;
}
