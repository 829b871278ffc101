/*
 * make_proc_tree.c - write a synthetic procfs tree of NPROCS processes with
 * NTHREADS threads each (every per-thread file ctprof reads, with fixed
 * realistic contents) under DIR. Used by the benchmarks and by the daemon
 * tests that need a capture that takes a while.
 *
 * usage: make_proc_tree DIR NPROCS NTHREADS
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static const char stat_text[] =
	"%u (bench-%u) S 1 %u %u 0 -1 4194560 1010 0 1012 0 1014 1015 0 0 20 0 "
	"100 0 5022 1000 10 18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 0 17 3 0 "
	"0 77 0 0\n";
static const char status_text[] =
	"Name:\tbench\nUmask:\t0022\nState:\tS (sleeping)\nTgid:\t%u\nPid:\t%u\n"
	"Threads:\t100\nCpus_allowed:\tf\nCpus_allowed_list:\t0-3\n"
	"voluntary_ctxt_switches:\t5001\nnonvoluntary_ctxt_switches:\t5002\n";
static const char io_text[] =
	"rchar: 4701\nwchar: 4702\nsyscr: 4703\nsyscw: 4704\nread_bytes: 4705\n"
	"write_bytes: 4706\ncancelled_write_bytes: 4707\n";
static const char sched_text[] =
	"bench (%u, #threads: 100)\n"
	"-------------------------------------------------------------------\n"
	"se.exec_start                                :        222897.049412\n"
	"se.vruntime                                  :          2648.398528\n"
	"se.sum_exec_runtime                          :             0.891460\n"
	"se.nr_migrations                             :                    7\n"
	"nr_switches                                  :                    9\n"
	"nr_voluntary_switches                        :                    5\n"
	"nr_involuntary_switches                      :                    4\n"
	"se.load.weight                               :              1048576\n"
	"se.avg.load_sum                              :                46913\n"
	"se.avg.util_avg                              :                  327\n"
	"policy                                       :                    0\n"
	"prio                                         :                  120\n"
	"se.slice                                     :              1400000\n"
	"clock-delta                                  :                   80\n";
static const char smaps_text[] =
	"55d0c0a00000-7ffd5b5fe000 ---p 00000000 00:00 0 [rollup]\n"
	"Rss:                5120 kB\nPss:                4096 kB\n"
	"Pss_Anon:           1024 kB\nPss_File:           3072 kB\n"
	"Shared_Clean:        512 kB\nPrivate_Dirty:      1024 kB\n"
	"Swap:                  0 kB\n";

static int write_file(const char *dir, const char *name, const char *text)
{
	char path[4300];
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	FILE *f = fopen(path, "w");
	if (!f)
		return -errno;
	fputs(text, f);
	return fclose(f) ? -errno : 0;
}

static int make_thread(const char *root, unsigned tgid, unsigned tid)
{
	char dir[4200], text[2048];
	int rc = 0;
	snprintf(dir, sizeof(dir), "%s/%u/task/%u", root, tgid, tid);
	if (mkdir(dir, 0755))
		return -errno;
	snprintf(text, sizeof(text), "bench-%u\n", tid);
	rc |= write_file(dir, "comm", text);
	snprintf(text, sizeof(text), stat_text, tid, tid, tgid, tgid);
	rc |= write_file(dir, "stat", text);
	rc |= write_file(dir, "schedstat", "111000 222000 333\n");
	rc |= write_file(dir, "io", io_text);
	snprintf(text, sizeof(text), status_text, tgid, tid);
	rc |= write_file(dir, "status", text);
	snprintf(text, sizeof(text), sched_text, tid);
	rc |= write_file(dir, "sched", text);
	rc |= write_file(dir, "cgroup", "0::/system.slice/bench.service\n");
	if (tid == tgid)
		rc |= write_file(dir, "smaps_rollup", smaps_text);
	return rc;
}

static int make_tree(const char *root, unsigned nprocs, unsigned nthreads)
{
	for (unsigned p = 0; p < nprocs; p++) {
		unsigned tgid = 1000 + p * 1000;
		char dir[4200];
		snprintf(dir, sizeof(dir), "%s/%u", root, tgid);
		if (mkdir(dir, 0755))
			return -errno;
		if (write_file(dir, "comm", "bench\n"))
			return -EIO;
		snprintf(dir, sizeof(dir), "%s/%u/task", root, tgid);
		if (mkdir(dir, 0755))
			return -errno;
		for (unsigned t = 0; t < nthreads; t++)
			if (make_thread(root, tgid, tgid + t))
				return -EIO;
	}
	return 0;
}

int main(int argc, char **argv)
{
	if (argc != 4 || atoi(argv[2]) < 1 || atoi(argv[2]) > 1000 || atoi(argv[3]) < 1 ||
	    atoi(argv[3]) > 999) {
		fprintf(stderr, "usage: make_proc_tree DIR NPROCS(1..1000) NTHREADS(1..999)\n");
		return 2;
	}
	if (mkdir(argv[1], 0755) && errno != EEXIST) {
		perror(argv[1]);
		return 1;
	}
	if (make_tree(argv[1], (unsigned)atoi(argv[2]), (unsigned)atoi(argv[3]))) {
		fprintf(stderr, "make_proc_tree: cannot write the tree under %s\n", argv[1]);
		return 1;
	}
	return 0;
}
