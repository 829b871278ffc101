/*
 * self_metrics.c - process_cpu_seconds_total, process_resident_memory_bytes,
 * process_virtual_memory_bytes, process_open_fds, process_max_fds,
 * process_start_time_seconds and process_threads. "Prefer leaving out the
 * metric over exporting bogus values": each is skipped if unreadable.
 */
#include "self_metrics.h"

#include <dirent.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "parse_util.h"
#include "readfile.h"

struct self_stat {
	uint64_t utime, stime, starttime, vsize, rss_pages;
	bool ok;
};

/* /proc/self/stat fields 14, 15, 22, 23, 24 after the last ')'. */
static void read_self_stat(struct self_stat *st, struct strbuf *buf)
{
	memset(st, 0, sizeof(*st));
	if (read_file_at(AT_FDCWD, "/proc/self/stat", buf))
		return;
	char *p = strrchr(buf->buf, ')'), *save = NULL;
	uint64_t *slot[45] = { 0 };
	slot[14] = &st->utime;
	slot[15] = &st->stime;
	slot[22] = &st->starttime;
	slot[23] = &st->vsize;
	slot[24] = &st->rss_pages;
	int field = 3, got = 0;
	for (char *tok = p ? strtok_r(p + 1, " \n", &save) : NULL; tok && field <= 24;
	     tok = strtok_r(NULL, " \n", &save), field++)
		if (slot[field] && parse_u64(tok, slot[field]))
			got++;
	st->ok = got == 5;
}

static bool boot_time(uint64_t *btime, struct strbuf *buf)
{
	if (read_file_at(AT_FDCWD, "/proc/stat", buf))
		return false;
	char *cursor = buf->buf, *line;
	while ((line = next_line(&cursor)))
		if (!strncmp(line, "btime ", 6))
			return parse_u64(trim_inplace(line + 6), btime);
	return false;
}

static long count_open_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	long n = 0;
	if (!d)
		return -1;
	for (struct dirent *e; (e = readdir(d));)
		n += e->d_name[0] != '.';
	closedir(d);
	return n - 1; /* the directory's own fd */
}

static bool self_threads(uint64_t *n, struct strbuf *buf)
{
	if (read_file_at(AT_FDCWD, "/proc/self/status", buf))
		return false;
	char *cursor = buf->buf, *line, *k, *v;
	while ((line = next_line(&cursor)))
		if (split_key_value(line, ':', &k, &v) && !strcmp(k, "Threads"))
			return parse_u64(v, n);
	return false;
}

static void gauge(struct expo *e, const char *name, enum expo_type type,
		  const char *unit, const char *help, const char *value)
{
	expo_family(e, name, type, unit, help);
	expo_sample(e, name, NULL, 0, value);
}

void self_metrics_render(struct expo *e)
{
	struct strbuf buf = STRBUF_INIT;
	struct self_stat st;
	char v[EXPO_VALUE_MAX];
	uint64_t hz = (uint64_t)sysconf(_SC_CLK_TCK), page = (uint64_t)sysconf(_SC_PAGESIZE);
	uint64_t btime, threads;
	struct rlimit rl;
	long fds = count_open_fds();
	read_self_stat(&st, &buf);
	if (st.ok) {
		gauge(e, "process_cpu_seconds_total", EXPO_COUNTER, "seconds",
		      "Total user and system CPU time spent in seconds.",
		      expo_fmt_ratio(v, (unsigned __int128)st.utime + st.stime, hz));
		gauge(e, "process_resident_memory_bytes", EXPO_GAUGE, "bytes",
		      "Resident memory size in bytes.", expo_fmt_u64(v, st.rss_pages * page));
		gauge(e, "process_virtual_memory_bytes", EXPO_GAUGE, "bytes",
		      "Virtual memory size in bytes.", expo_fmt_u64(v, st.vsize));
	}
	if (fds >= 0)
		gauge(e, "process_open_fds", EXPO_GAUGE, "", "Number of open file descriptors.",
		      expo_fmt_u64(v, (uint64_t)fds));
	if (!getrlimit(RLIMIT_NOFILE, &rl) && rl.rlim_cur != RLIM_INFINITY)
		gauge(e, "process_max_fds", EXPO_GAUGE, "",
		      "Maximum number of open file descriptors.", expo_fmt_u64(v, rl.rlim_cur));
	if (st.ok && boot_time(&btime, &buf))
		gauge(e, "process_start_time_seconds", EXPO_GAUGE, "seconds",
		      "Start time of the process since unix epoch in seconds.",
		      expo_fmt_ratio(v, (unsigned __int128)btime * hz + st.starttime, hz));
	if (self_threads(&threads, &buf))
		gauge(e, "process_threads", EXPO_GAUGE, "", "Number of OS threads in the process.",
		      expo_fmt_u64(v, threads));
	strbuf_release(&buf);
}
