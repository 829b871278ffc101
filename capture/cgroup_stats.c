/*
 * cgroup_stats.c - reads one cgroup's v2 files with ktstr's defaults: the
 * root cgroup has no cpu.max/memory.max/..., and pids.* exist only where
 * the pids controller is enabled, so every file is optional. Limits
 * (memory.max, memory.high, pids.max) read "max" as no limit (absent);
 * protection floors (memory.low, memory.min) read "max" as full protection
 * (UINT64_MAX) - the same token, opposite meanings.
 */
#include "cgroup_stats.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "parse_util.h"
#include "psi.h"
#include "readfile.h"

/* Rust's split_ascii_whitespace set, which ktstr tokenises with. */
#define ASCII_WS " \t\n\v\f\r"

/* Trimmed content of dirfd/name, or NULL when it cannot be read. */
static const char *read_value(int dirfd, const char *name, struct strbuf *buf)
{
	return read_trimmed_at(dirfd, name, buf) ? NULL : buf->buf;
}

static void read_opt_u64(int dirfd, const char *name, struct opt_u64 *out,
			 struct strbuf *buf)
{
	const char *v = read_value(dirfd, name, buf);
	out->present = v && parse_u64(v, &out->value);
}

/* "max" means no limit for memory.max/high and pids.max. */
static void read_limit(int dirfd, const char *name, struct opt_u64 *out,
		       struct strbuf *buf)
{
	const char *v = read_value(dirfd, name, buf);
	if (v && !strcmp(v, "max")) {
		out->present = false;
		return;
	}
	out->present = v && parse_u64(v, &out->value);
}

/* "max" means everything is protected for memory.low/min. */
static void read_floor(int dirfd, const char *name, struct opt_u64 *out,
		       struct strbuf *buf)
{
	const char *v = read_value(dirfd, name, buf);
	if (v && !strcmp(v, "max")) {
		out->present = true;
		out->value = UINT64_MAX;
		return;
	}
	out->present = v && parse_u64(v, &out->value);
}

static uint64_t *cpu_stat_slot(struct cgroup_cpu_stats *cpu, const char *key)
{
	if (!strcmp(key, "usage_usec"))
		return &cpu->usage_usec;
	if (!strcmp(key, "nr_throttled"))
		return &cpu->nr_throttled;
	if (!strcmp(key, "throttled_usec"))
		return &cpu->throttled_usec;
	return NULL;
}

/* cpu.stat "key value" lines; a garbage value reads as 0, like no key. */
static void read_cpu_stat(int dirfd, struct cgroup_cpu_stats *cpu,
			  struct strbuf *buf)
{
	cpu->usage_usec = cpu->nr_throttled = cpu->throttled_usec = 0;
	if (read_file_at(dirfd, "cpu.stat", buf))
		return;
	char *cursor = buf->buf, *line;
	while ((line = next_line(&cursor))) {
		char *save = NULL;
		char *key = strtok_r(line, ASCII_WS, &save);
		char *val = key ? strtok_r(NULL, ASCII_WS, &save) : NULL;
		uint64_t *slot = val ? cpu_stat_slot(cpu, key) : NULL;
		if (slot && !parse_u64(val, slot))
			*slot = 0;
	}
}

/* cpu.max "<quota|max> <period>"; a bad period falls back to the default. */
static void read_cpu_max(int dirfd, struct cgroup_cpu_stats *cpu,
			 struct strbuf *buf)
{
	cpu->max_quota_us.present = false;
	cpu->max_period_us = CPU_MAX_DEFAULT_PERIOD_US;
	if (read_file_at(dirfd, "cpu.max", buf))
		return;
	char *save = NULL;
	char *quota = strtok_r(buf->buf, ASCII_WS, &save);
	char *period = quota ? strtok_r(NULL, ASCII_WS, &save) : NULL;
	if (quota && strcmp(quota, "max"))
		cpu->max_quota_us.present =
			parse_u64(quota, &cpu->max_quota_us.value);
	if (period && !parse_u64(period, &cpu->max_period_us))
		cpu->max_period_us = CPU_MAX_DEFAULT_PERIOD_US;
}

static void read_cpu(int dirfd, struct cgroup_cpu_stats *cpu,
		     struct strbuf *buf)
{
	read_cpu_stat(dirfd, cpu, buf);
	read_cpu_max(dirfd, cpu, buf);
	read_opt_u64(dirfd, "cpu.weight", &cpu->weight, buf);
	const char *v = read_value(dirfd, "cpu.weight.nice", buf);
	cpu->weight_nice.present = v && parse_i32(v, &cpu->weight_nice.value);
}

/* memory.stat / memory.events; 0 or -ENOMEM. */
static int read_kv_file(int dirfd, const char *name, struct kv_map *m,
			struct strbuf *buf)
{
	if (read_file_at(dirfd, name, buf))
		return 0;
	return parse_kv_lines(buf->buf, m) ? -ENOMEM : 0;
}

static int read_memory(int dirfd, struct cgroup_memory_stats *mem,
		       struct strbuf *buf)
{
	const char *v = read_value(dirfd, "memory.current", buf);
	if (!v || !parse_u64(v, &mem->current))
		mem->current = 0;
	read_limit(dirfd, "memory.max", &mem->max, buf);
	read_limit(dirfd, "memory.high", &mem->high, buf);
	read_floor(dirfd, "memory.low", &mem->low, buf);
	read_floor(dirfd, "memory.min", &mem->min, buf);
	if (read_kv_file(dirfd, "memory.stat", &mem->stat, buf))
		return -ENOMEM;
	return read_kv_file(dirfd, "memory.events", &mem->events, buf);
}

static void read_pids(int dirfd, struct cgroup_pids_stats *pids,
		      struct strbuf *buf)
{
	read_opt_u64(dirfd, "pids.current", &pids->current, buf);
	read_limit(dirfd, "pids.max", &pids->max, buf);
}

int cgroup_stats_read(int cgroup_root_fd, const char *path,
		      struct cgroup_stats *out, struct strbuf *buf)
{
	const char *rel = path + strspn(path, "/");
	int dirfd = open_dir_at(cgroup_root_fd, *rel ? rel : ".");
	if (dirfd < 0)
		return 0; /* the cgroup went away, or v2 is not mounted there */
	read_cpu(dirfd, &out->cpu, buf);
	int rc = read_memory(dirfd, &out->memory, buf);
	read_pids(dirfd, &out->pids, buf);
	psi_read_cgroup(dirfd, &out->psi, buf);
	close(dirfd);
	return rc;
}

/* ------------------------------------------------------------------------ */

struct span {
	const char *p;
	size_t n;
};

/*
 * Split one mountinfo line [line, end) into the mount point (field 5) and
 * the filesystem type (the field after the lone "-" that ends the optional
 * fields, which start at field 7). false when the line is malformed.
 */
static bool mountinfo_fields(const char *line, const char *end,
			     struct span *mnt, struct span *fstype)
{
	size_t idx = 0;
	bool after_sep = false;
	for (const char *p = line; p < end; idx++) {
		while (p < end && *p == ' ')
			p++;
		if (p == end)
			break;
		struct span tok = { p, 0 };
		while (p < end && *p != ' ')
			p++;
		tok.n = (size_t)(p - tok.p);
		if (after_sep) {
			*fstype = tok;
			return true;
		}
		if (idx == 4)
			*mnt = tok;
		after_sep = idx >= 6 && tok.n == 1 && *tok.p == '-';
	}
	return false;
}

static bool is_octal(char c)
{
	return c >= '0' && c <= '7';
}

/* The kernel escapes space, tab, newline and backslash as \ooo. */
static int unescape_mount_point(struct span s, struct strbuf *out)
{
	strbuf_reset(out);
	for (size_t i = 0; i < s.n; i++) {
		char c = s.p[i];
		if (c == '\\' && i + 3 < s.n && is_octal(s.p[i + 1]) &&
		    is_octal(s.p[i + 2]) && is_octal(s.p[i + 3])) {
			c = (char)((s.p[i + 1] - '0') << 6 |
				   (s.p[i + 2] - '0') << 3 | (s.p[i + 3] - '0'));
			i += 3;
		}
		if (strbuf_addch(out, c))
			return -ENOMEM;
	}
	return 0;
}

int cgroup2_mount_find(const char *mountinfo_text, struct strbuf *out)
{
	const char *line = mountinfo_text;
	while (*line) {
		const char *end = strchrnul(line, '\n');
		struct span mnt = { NULL, 0 }, fstype;
		if (mountinfo_fields(line, end, &mnt, &fstype) && mnt.p &&
		    fstype.n == 7 && !memcmp(fstype.p, "cgroup2", 7))
			return unescape_mount_point(mnt, out);
		line = *end ? end + 1 : end;
	}
	return -ENOENT;
}
