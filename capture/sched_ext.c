/*
 * sched_ext.c - reads /sys/kernel/sched_ext/. The directory's presence is
 * the "kernel has sched_ext" signal, so only its absence yields NULL; a
 * missing attribute (older kernel) reads as zero like any absent counter.
 */
#include "sched_ext.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "parse_util.h"
#include "readfile.h"

static uint64_t read_u64_attr(int dirfd, const char *name, struct strbuf *buf)
{
	uint64_t v;
	if (read_trimmed_at(dirfd, name, buf) || !parse_u64(buf->buf, &v))
		return 0;
	return v;
}

struct sched_ext_sysfs *sched_ext_read(int sysfs_fd, struct strbuf *buf)
{
	int dirfd = open_dir_at(sysfs_fd, "kernel/sched_ext");
	if (dirfd < 0) {
		errno = ENOENT;
		return NULL;
	}
	struct sched_ext_sysfs *s = calloc(1, sizeof(*s));
	if (!s)
		goto close_dir;
	s->state = strdup(read_trimmed_at(dirfd, "state", buf) ? "" : buf->buf);
	if (!s->state)
		goto free_s;
	s->switch_all = read_u64_attr(dirfd, "switch_all", buf);
	s->nr_rejected = read_u64_attr(dirfd, "nr_rejected", buf);
	s->hotplug_seq = read_u64_attr(dirfd, "hotplug_seq", buf);
	s->enable_seq = read_u64_attr(dirfd, "enable_seq", buf);
	close(dirfd);
	return s;

free_s:
	free(s);
close_dir:
	close(dirfd);
	errno = ENOMEM;
	return NULL;
}
