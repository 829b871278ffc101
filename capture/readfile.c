/*
 * readfile.c - openat + read loop into a reused strbuf (htop's
 * Compat_readfileat, procps's file2str), returning -errno so the parse
 * summary can say why a read failed.
 */
#include "readfile.h"

#include <errno.h>
#include <stdbool.h>
#include <fcntl.h>
#include <unistd.h>

#include <string.h>

#include "parse_util.h"

/*
 * /proc files report size 0, so read in chunks until EOF: a read of 0, or
 * with one_record a short one.
 */
static int read_fd(int fd, struct strbuf *sb, bool one_record)
{
	for (;;) {
		if (strbuf_grow(sb, 4096))
			return -ENOMEM;
		size_t room = sb->alloc - sb->len - 1;
		ssize_t n = read(fd, sb->buf + sb->len, room);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			return 0;
		sb->len += (size_t)n;
		sb->buf[sb->len] = '\0';
		if (one_record && (size_t)n < room)
			return 0;
	}
}

static int read_at(int dirfd, const char *name, struct strbuf *sb, bool one_record)
{
	strbuf_reset(sb);
	int fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return -errno;
	int rc = read_fd(fd, sb, one_record);
	close(fd);
	if (rc)
		strbuf_reset(sb);
	return rc;
}

int read_file_at(int dirfd, const char *name, struct strbuf *sb)
{
	return read_at(dirfd, name, sb, false);
}

int read_record_at(int dirfd, const char *name, struct strbuf *sb)
{
	return read_at(dirfd, name, sb, true);
}

int read_trimmed_at(int dirfd, const char *name, struct strbuf *sb)
{
	int rc = read_file_at(dirfd, name, sb);
	if (rc)
		return rc;
	size_t start = 0, end = sb->len;
	trim_span(sb->buf, &start, &end);
	memmove(sb->buf, sb->buf + start, end - start);
	sb->len = end - start;
	sb->buf[sb->len] = '\0';
	return 0;
}

int open_dir_at(int dirfd, const char *name)
{
	int fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	return fd < 0 ? -errno : fd;
}
