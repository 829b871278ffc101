/*
 * sources.c - one-shot host probe for the startup log line. Nothing here
 * gates the capture (each source is best effort on every capture anyway);
 * it tells the operator up front what will be missing and why.
 */
#include "sources.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cgroup_stats.h"
#include "host_context.h"
#include "parse_util.h"
#include "readfile.h"

#define CAP_BIT_NET_ADMIN 12
#define CAP_BIT_SYS_PTRACE 19

static bool exists_at(const char *root, const char *rel)
{
	char path[4096];
	snprintf(path, sizeof(path), "%s/%s", root, rel);
	return access(path, F_OK) == 0;
}

/* Effective capabilities of this process from /proc/self/status. */
static unsigned long long cap_effective(struct strbuf *buf)
{
	char *cursor, *line, *k, *v, *end;
	if (read_file_at(AT_FDCWD, "/proc/self/status", buf))
		return 0;
	cursor = buf->buf;
	while ((line = next_line(&cursor)))
		if (split_key_value(line, ':', &k, &v) && !strcmp(k, "CapEff"))
			return strtoull(v, &end, 16);
	return 0;
}

static void probe_cgroup2(const struct capture_options *o, struct host_sources *out,
			  struct strbuf *buf)
{
	struct strbuf mnt = STRBUF_INIT;
	const char *procfs = o->procfs ? o->procfs : "/proc";
	char path[4096];
	snprintf(path, sizeof(path), "%s/self/mountinfo", procfs);
	int fd;
	if (o->cgroupfs) {
		/* A root that cannot be opened is none: the log says so. */
		if ((fd = open_dir_at(AT_FDCWD, o->cgroupfs)) >= 0) {
			snprintf(out->cgroup2, sizeof(out->cgroup2), "%s", o->cgroupfs);
			close(fd);
		}
	} else if (!read_file_at(AT_FDCWD, path, buf) && !cgroup2_mount_find(buf->buf, &mnt))
		snprintf(out->cgroup2, sizeof(out->cgroup2), "%s", mnt.buf);
	strbuf_release(&mnt);
}

void sources_probe(const struct capture_options *o, struct host_sources *out)
{
	const char *procfs = o->procfs ? o->procfs : "/proc";
	const char *sysfs = o->sysfs ? o->sysfs : "/sys";
	struct strbuf buf = STRBUF_INIT;
	struct taskstats_active ta;
	memset(out, 0, sizeof(*out));
	int pfd = open_dir_at(AT_FDCWD, procfs);
	if (pfd >= 0) {
		taskstats_active_probe(pfd, &ta, &buf);
		out->delayacct = ta.delayacct;
		out->xacct = ta.xacct_config;
		close(pfd);
	} else {
		out->delayacct = "config_off";
		out->xacct = "unknown";
	}
	out->schedstats = exists_at(procfs, "sys/kernel/sched_schedstats");
	out->psi = exists_at(procfs, "pressure/cpu");
	out->sched_ext = exists_at(sysfs, "kernel/sched_ext");
	probe_cgroup2(o, out, &buf);
	unsigned long long caps = cap_effective(&buf);
	out->cap_sys_ptrace = caps & (1ULL << CAP_BIT_SYS_PTRACE);
	out->cap_net_admin = caps & (1ULL << CAP_BIT_NET_ADMIN);
	strbuf_release(&buf);
}
