/*
 * readfile.c - openat + read loop into a reused strbuf (htop's
 * Compat_readfileat, procps's file2str), returning -errno so the parse
 * summary can say why a read failed.
 */
#include "readfile.h"

#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

#include <string.h>

#include "parse_util.h"

/* /proc files report size 0, so read in chunks until EOF. */
static int read_fd(int fd, struct strbuf *sb)
{
	for (;;) {
		if (strbuf_grow(sb, 4096))
			return -ENOMEM;
		ssize_t n = read(fd, sb->buf + sb->len, sb->alloc - sb->len - 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			return 0;
		sb->len += (size_t)n;
		sb->buf[sb->len] = '\0';
	}
}

int read_file_at(int dirfd, const char *name, struct strbuf *sb)
{
	strbuf_reset(sb);
	int fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return -errno;
	int rc = read_fd(fd, sb);
	close(fd);
	if (rc)
		strbuf_reset(sb);
	return rc;
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
