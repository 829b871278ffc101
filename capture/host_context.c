/*
 * host_context.c - collects struct host_context and probes the taskstats
 * sub-family switches. Each source is one short reader; a source that
 * cannot be read leaves its field absent, because a container or an
 * unusual kernel missing one file must not cost the rest of the context.
 * Only allocation failure aborts the collection.
 */
#include "host_context.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>
#include <zlib.h>

#include "parse_util.h"
#include "readfile.h"

#define ASCII_WS " \t\n\v\f\r"

/* config.gz is ~200 KiB of text; the cap bounds a hostile or bogus file. */
#define KCONFIG_MAX_BYTES (64u << 20)
#define GZ_CHUNK 65536u

/* ---- taskstats switches ------------------------------------------------ */

static const char *probe_delayacct(int procfs_fd, struct strbuf *buf)
{
	if (read_trimmed_at(procfs_fd, "sys/kernel/task_delayacct", buf) ||
	    !buf->len)
		return DELAYACCT_CONFIG_OFF;
	return strcmp(buf->buf, "1") ? DELAYACCT_RUNTIME_OFF : DELAYACCT_ON;
}

/* Decompress all of gz into buf; 0, or -1 on a corrupt/truncated stream. */
static int gz_slurp(gzFile gz, struct strbuf *buf)
{
	for (;;) {
		if (buf->len >= KCONFIG_MAX_BYTES || strbuf_grow(buf, GZ_CHUNK))
			return -1;
		int n = gzread(gz, buf->buf + buf->len, GZ_CHUNK);
		if (n < 0)
			return -1;
		if (n == 0)
			break;
		buf->len += (size_t)n;
		buf->buf[buf->len] = '\0';
	}
	/* A truncated stream ends with n == 0 and Z_BUF_ERROR, not n < 0. */
	int err;
	gzerror(gz, &err);
	return err == Z_OK ? 0 : -1;
}

/*
 * <procfs>/config.gz, gunzipped, into buf; 0 / -1. gzdirect() rejects
 * input without a gzip header, which zlib would otherwise pass through
 * verbatim: ktstr's GzDecoder fails on it, and so do we.
 */
static int read_config_gz(int procfs_fd, struct strbuf *buf)
{
	strbuf_reset(buf);
	int fd = openat(procfs_fd, "config.gz", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	gzFile gz = gzdopen(fd, "rb");
	if (!gz) {
		close(fd);
		return -1;
	}
	int rc = gzdirect(gz) ? -1 : gz_slurp(gz, buf);
	gzclose_r(gz);
	return rc;
}

static const char *probe_xacct_config(int procfs_fd, struct strbuf *buf)
{
	if (read_config_gz(procfs_fd, buf))
		return XACCT_CONFIG_UNKNOWN;
	bool not_set = false;
	char *cursor = buf->buf, *line;
	while ((line = next_line(&cursor))) {
		line = trim_inplace(line);
		if (!strcmp(line, "CONFIG_TASK_XACCT=y"))
			return XACCT_CONFIG_ON;
		not_set |= !strcmp(line, "# CONFIG_TASK_XACCT is not set");
	}
	return not_set ? XACCT_CONFIG_OFF : XACCT_CONFIG_UNKNOWN;
}

void taskstats_active_probe(int procfs_fd, struct taskstats_active *out,
			    struct strbuf *buf)
{
	out->delayacct = probe_delayacct(procfs_fd, buf);
	out->xacct_config = probe_xacct_config(procfs_fd, buf);
	out->cpu_delay = strcmp(out->delayacct, DELAYACCT_CONFIG_OFF) != 0;
	out->delay_block = strcmp(out->delayacct, DELAYACCT_ON) == 0;
	out->xacct = strcmp(out->xacct_config, XACCT_CONFIG_OFF) != 0;
}

/* ---- host context readers ---------------------------------------------- */

static int set_string(char **slot, const char *value)
{
	*slot = strdup(value);
	return *slot ? 0 : -ENOMEM;
}

/* A trimmed file as an owned string; unreadable or empty stays NULL. */
static int dup_trimmed_at(int dirfd, const char *name, char **out,
			  struct strbuf *buf)
{
	if (read_trimmed_at(dirfd, name, buf) || !buf->len)
		return 0;
	return set_string(out, buf->buf);
}

static char **cpuinfo_slot(struct host_context *h, const char *key)
{
	if (!strcmp(key, "model name"))
		return &h->cpu_model;
	if (!strcmp(key, "vendor_id"))
		return &h->cpu_vendor;
	return NULL;
}

/* First processor block only: the first blank line ends it. */
static int read_cpuinfo(int procfs_fd, struct host_context *h,
			struct strbuf *buf)
{
	if (read_file_at(procfs_fd, "cpuinfo", buf))
		return 0;
	char *cursor = buf->buf, *line, *key, *value;
	while ((line = next_line(&cursor)) && *line) {
		if (!split_key_value(line, ':', &key, &value) || !*value)
			continue;
		char **slot = cpuinfo_slot(h, key);
		if (slot && !*slot && set_string(slot, value))
			return -ENOMEM;
	}
	return 0;
}

static struct opt_u64 *meminfo_slot(struct host_context *h, const char *key)
{
	if (!strcmp(key, "MemTotal"))
		return &h->total_memory_kib;
	if (!strcmp(key, "HugePages_Total"))
		return &h->hugepages_total;
	if (!strcmp(key, "HugePages_Free"))
		return &h->hugepages_free;
	if (!strcmp(key, "Hugepagesize"))
		return &h->hugepages_size_kib;
	return NULL;
}

/* "Key:   <u64> [kB]" lines; the unit is always KiB where present. */
static void read_meminfo(int procfs_fd, struct host_context *h,
			 struct strbuf *buf)
{
	if (read_file_at(procfs_fd, "meminfo", buf))
		return;
	char *cursor = buf->buf, *line, *key, *rest, *save;
	while ((line = next_line(&cursor))) {
		if (!split_key_value(line, ':', &key, &rest))
			continue;
		struct opt_u64 *slot = meminfo_slot(h, key);
		char *tok = strtok_r(rest, ASCII_WS, &save);
		uint64_t v;
		if (slot && tok && parse_u64(tok, &v))
			*slot = (struct opt_u64){ true, v };
	}
}

/* d_type when the filesystem reports it, else lstat-like fstatat. */
static bool entry_is(int dirfd, const struct dirent *de, unsigned char type,
		     mode_t fmt)
{
	if (de->d_type != DT_UNKNOWN)
		return de->d_type == type;
	struct stat st;
	return !fstatat(dirfd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) &&
	       (st.st_mode & S_IFMT) == fmt;
}

/* Every regular sched_* file of <procfs>/sys/kernel, trimmed, non-empty. */
static int read_sched_tunables(int procfs_fd, struct host_context *h,
			       struct strbuf *buf)
{
	int fd = open_dir_at(procfs_fd, "sys/kernel");
	if (fd < 0)
		return 0;
	DIR *dir = fdopendir(fd);
	if (!dir) {
		close(fd);
		return -ENOMEM;
	}
	h->has_sched_tunables = true;
	int rc = 0;
	struct dirent *de;
	while (!rc && (de = readdir(dir))) {
		if (strncmp(de->d_name, "sched_", 6) ||
		    !entry_is(fd, de, DT_REG, S_IFREG))
			continue;
		if (read_trimmed_at(fd, de->d_name, buf) || !buf->len)
			continue;
		rc = str_map_set(&h->sched_tunables, de->d_name, buf->buf);
	}
	closedir(dir);
	return rc;
}

static bool is_node_name(const char *name)
{
	uint32_t id;
	return !strncmp(name, "node", 4) && name[4] >= '0' && name[4] <= '9' &&
	       parse_u32(name + 4, &id);
}

/* node<N> directories of <sysfs>/devices/system/node; at least one. */
static uint64_t count_numa_nodes(int sysfs_fd)
{
	int fd = open_dir_at(sysfs_fd, "devices/system/node");
	if (fd < 0)
		return 1; /* !CONFIG_NUMA: one node all the same */
	DIR *dir = fdopendir(fd);
	if (!dir) {
		close(fd);
		return 1;
	}
	uint64_t n = 0;
	struct dirent *de;
	while ((de = readdir(dir)))
		if (is_node_name(de->d_name) && entry_is(fd, de, DT_DIR, S_IFDIR))
			n++;
	closedir(dir);
	return n ? n : 1;
}

static int read_governors(int sysfs_fd, const struct cpuset *online,
			  struct host_context *h, struct strbuf *buf)
{
	char path[96], key[16];
	for (size_t i = 0; i < online->len; i++) {
		uint32_t cpu = online->cpus[i];
		snprintf(path, sizeof(path),
			 "devices/system/cpu/cpu%" PRIu32
			 "/cpufreq/scaling_governor",
			 cpu);
		if (read_trimmed_at(sysfs_fd, path, buf) || !buf->len)
			continue;
		snprintf(key, sizeof(key), "%" PRIu32, cpu);
		if (str_map_set_numeric(&h->cpufreq_governor, key, buf->buf))
			return -ENOMEM;
	}
	return 0;
}

/*
 * online_cpus, numa_nodes and cpufreq_governor all hang off the online
 * list: without it the topology is unknown and all three stay absent.
 */
static int read_topology(int sysfs_fd, struct host_context *h,
			 struct strbuf *buf)
{
	struct cpuset online = { NULL, 0 };
	if (read_file_at(sysfs_fd, "devices/system/cpu/online", buf) ||
	    !parse_cpu_list(buf->buf, &online))
		return 0;
	h->online_cpus = (struct opt_u64){ true, online.len };
	h->numa_nodes = (struct opt_u64){ true, count_numa_nodes(sysfs_fd) };
	int rc = read_governors(sysfs_fd, &online, h, buf);
	cpuset_release(&online);
	return rc;
}

/* nodename is deliberately not stored: it identifies the machine. */
static int read_uname(struct host_context *h)
{
	struct utsname u;
	if (uname(&u))
		return 0;
	if (set_string(&h->kernel_name, u.sysname) ||
	    set_string(&h->kernel_release, u.release) ||
	    set_string(&h->arch, u.machine))
		return -ENOMEM;
	return 0;
}

static int read_taskstats_switches(int procfs_fd, struct host_context *h,
				   struct strbuf *buf)
{
	struct taskstats_active ta;
	taskstats_active_probe(procfs_fd, &ta, buf);
	if (set_string(&h->task_delayacct, ta.delayacct) ||
	    set_string(&h->config_task_xacct, ta.xacct_config))
		return -ENOMEM;
	return 0;
}

static int read_files(int procfs_fd, int sysfs_fd, struct host_context *h,
		      struct strbuf *buf)
{
	read_meminfo(procfs_fd, h, buf);
	if (read_cpuinfo(procfs_fd, h, buf) ||
	    dup_trimmed_at(sysfs_fd, "kernel/mm/transparent_hugepage/enabled",
			   &h->thp_enabled, buf) ||
	    dup_trimmed_at(sysfs_fd, "kernel/mm/transparent_hugepage/defrag",
			   &h->thp_defrag, buf) ||
	    read_sched_tunables(procfs_fd, h, buf) ||
	    read_topology(sysfs_fd, h, buf) ||
	    dup_trimmed_at(procfs_fd, "cmdline", &h->kernel_cmdline, buf) ||
	    read_taskstats_switches(procfs_fd, h, buf))
		return -ENOMEM;
	return 0;
}

struct host_context *host_context_collect(int procfs_fd, int sysfs_fd,
					  bool live, struct strbuf *buf)
{
	struct host_context *h = calloc(1, sizeof(*h));
	if (!h)
		return NULL;
	if (read_files(procfs_fd, sysfs_fd, h, buf))
		goto free_host;
	if (live && read_uname(h))
		goto free_host;
	return h;

free_host:
	host_context_free(h);
	return NULL;
}
