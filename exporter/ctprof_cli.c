/*
 * ctprof_cli.c - the `ctprof` command: capture a snapshot to a file, show
 * one. Usage errors exit 2 with one line naming the problem; a snapshot
 * that cannot be read exits 2 with "ctprof: FILE: reason".
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "capture.h"
#include "cli_usage.h"
#include "ctprof_compare.h"
#include "ctprof_show.h"
#include "metrics_doc.h"
#include "render_flags.h"
#include "snapshot_file.h"
#include "version.h"

static const char usage_text[] =
	"usage: ctprof <command> [options]\n"
	"\n"
	"commands:\n"
	"  capture -o FILE [--pid N] [--path.procfs DIR] [--path.sysfs DIR]\n"
	"          [--path.cgroupfs DIR] [--no-taskstats] [--no-jemalloc]\n"
	"          [--sources auto|files] [--workers N]\n"
	"      Capture every thread of the host (or of process N) into FILE,\n"
	"      a zstd-compressed ktstr ctprof snapshot (.ctprof.zst).\n"
	"      --sources files reads every field from its own procfs file\n"
	"      (default auto: taskstats and stat stand in where they carry the\n"
	"      same values); --workers N walks with N threads (default: one per\n"
	"      CPU, at most 4).\n"
	"  show FILE\n"
	"      Print a readable summary of a snapshot.\n"
	"  show FILE [--group-by pcomm|cgroup|comm|comm-exact|all] [table options]\n"
	"      Print the snapshot's table per group, as ktstr's ctprof show\n"
	"      (any option prints the table instead of the summary).\n"
	"  compare BASELINE CANDIDATE [--group-by ...] [--display-format ...]\n"
	"          [--format text|json|csv] [--sort-by ...] [--sections ...] [--limit N]\n"
	"      The difference per group between two snapshots, as ktstr's ctprof\n"
	"      compare ('ctprof compare --help' lists every option).\n"
	"  metrics FILE [--format prometheus|openmetrics]\n"
	"          [--group-by pcomm,comm,cgroup,container] [--no-thread-normalize]\n"
	"          [--cgroup-flatten GLOB]... [--cgroup-normalize]\n"
	"      Print the exposition ctprof-exporter serves for that snapshot.\n"
	"  metric-list\n"
	"      Print the metric reference (docs/metrics.md) as Markdown.\n"
	"\n"
	"options:\n"
	"  --help       this text\n"
	"  --version    print the version\n";

enum capture_opt {
	OPT_PROCFS = 1000,
	OPT_SYSFS,
	OPT_CGROUPFS,
	OPT_PID,
	OPT_NO_TASKSTATS,
	OPT_NO_JEMALLOC,
	OPT_SOURCES,
	OPT_WORKERS,
};

static const struct option capture_options_long[] = {
	{ "output", required_argument, NULL, 'o' },
	{ "pid", required_argument, NULL, OPT_PID },
	{ "path.procfs", required_argument, NULL, OPT_PROCFS },
	{ "path.sysfs", required_argument, NULL, OPT_SYSFS },
	{ "path.cgroupfs", required_argument, NULL, OPT_CGROUPFS },
	{ "no-taskstats", no_argument, NULL, OPT_NO_TASKSTATS },
	{ "no-jemalloc", no_argument, NULL, OPT_NO_JEMALLOC },
	{ "sources", required_argument, NULL, OPT_SOURCES },
	{ "workers", required_argument, NULL, OPT_WORKERS },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

static bool parse_pid(const char *s, int32_t *pid)
{
	char *end;
	errno = 0;
	long v = strtol(s, &end, 10);
	if (errno || end == s || *end || v <= 0 || v > INT32_MAX)
		return false;
	*pid = (int32_t)v;
	return true;
}

/* Parse capture flags into o and *output; an exit status, or -1 to go on. */
static int capture_parse_args(int argc, char **argv, struct capture_options *o,
			      const char **output)
{
	int c;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":o:h", capture_options_long, NULL)) != -1) {
		switch (c) {
		case 'o': *output = optarg; break;
		case OPT_PID:
			if (!parse_pid(optarg, &o->pid))
				return usage_error("--pid: not a process id: '%s'", optarg);
			break;
		case OPT_PROCFS: o->procfs = optarg; break;
		case OPT_SYSFS: o->sysfs = optarg; break;
		case OPT_CGROUPFS: o->cgroupfs = optarg; break;
		case OPT_NO_TASKSTATS: o->no_taskstats = true; break;
		case OPT_NO_JEMALLOC: o->no_jemalloc = true; break;
		case OPT_SOURCES:
			if (!capture_sources_parse(optarg, &o->sources))
				return usage_error("--sources: not auto or files: '%s'", optarg);
			break;
		case OPT_WORKERS:
			if (!capture_workers_parse(optarg, &o->workers))
				return usage_error("--workers: not a number from 1 to 16: '%s'",
						   optarg);
			break;
		case 'h': fputs(usage_text, stdout); return 0;
		case ':': return usage_error("option '%s' needs a value", argv[optind - 1]);
		default: return usage_error("unknown option '%s'", argv[optind - 1]);
		}
	}
	if (optind < argc)
		return usage_error("capture: unexpected argument '%s'", argv[optind]);
	if (!*output)
		return usage_error("capture: %s", "missing -o FILE");
	return -1;
}

static int cmd_capture(int argc, char **argv)
{
	struct capture_options o = { 0 };
	const char *output = NULL;
	int status = capture_parse_args(argc, argv, &o, &output);
	if (status >= 0)
		return status;
	struct ctprof_snapshot s;
	struct strbuf err = STRBUF_INIT;
	ctprof_snapshot_init(&s);
	status = 1;
	if (ctprof_capture(&o, &s, &err)) {
		fprintf(stderr, "ctprof: %s\n", err.buf);
		goto out_release;
	}
	if (snapshot_write_file(&s, output, &err)) {
		fprintf(stderr, "ctprof: %s: %s\n", output, err.buf);
		goto out_release;
	}
	if (o.pid > 0 && !s.nthreads)
		fprintf(stderr, "ctprof: warning: process %d has no threads to capture\n",
			o.pid);
	status = 0;
out_release:
	ctprof_snapshot_release(&s);
	strbuf_release(&err);
	return status;
}

static int cmd_show(int argc, char **argv)
{
	if (argc == 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
		fputs(usage_text, stdout);
		return 0;
	}
	if (argc != 2 || (argv[1][0] == '-' && argv[1][1]))
		return ctprof_show_table_main(argc, argv);
	struct ctprof_snapshot s;
	struct strbuf err = STRBUF_INIT;
	int status = EXIT_USAGE;
	ctprof_snapshot_init(&s);
	if (snapshot_read_file(argv[1], &s, &err)) {
		fprintf(stderr, "ctprof: %s: %s\n", argv[1], err.buf);
		goto out_release;
	}
	status = ctprof_show(&s, stdout) ? 1 : 0;
out_release:
	ctprof_snapshot_release(&s);
	strbuf_release(&err);
	return status;
}

static int cmd_metric_list(void)
{
	struct registry r;
	registry_build(&r);
	metrics_doc_markdown(&r, stdout);
	return 0;
}

static const struct option metrics_options_long[] = {
	RENDER_FLAG_OPTIONS,
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

/* Parse `metrics` flags; an exit status, or -1 to go on with *file set. */
static int metrics_parse_args(int argc, char **argv, struct render_flags *f,
			      const char **file)
{
	char msg[256];
	int c;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":h", metrics_options_long, NULL)) != -1) {
		if (c == 'h') {
			fputs(usage_text, stdout);
			return 0;
		}
		if (c == ':')
			return usage_error("option '%s' needs a value", argv[optind - 1]);
		int rc = render_flag_apply(f, c, optarg, msg, sizeof(msg));
		if (rc < 0)
			return usage_error("%s", msg);
		if (rc == 0)
			return usage_error("unknown option '%s'", argv[optind - 1]);
	}
	if (argc - optind != 1)
		return usage_error("metrics: %s", "expected exactly one FILE");
	*file = argv[optind];
	return -1;
}

static int cmd_metrics(int argc, char **argv)
{
	struct render_flags f;
	const char *file = NULL;
	render_flags_init(&f);
	int status = metrics_parse_args(argc, argv, &f, &file);
	if (status >= 0)
		return status;
	struct ctprof_snapshot s;
	struct strbuf err = STRBUF_INIT, out = STRBUF_INIT;
	struct registry r;
	ctprof_snapshot_init(&s);
	registry_build(&r);
	status = EXIT_USAGE;
	if (snapshot_read_file(file, &s, &err)) {
		fprintf(stderr, "ctprof: %s: %s\n", file, err.buf);
		goto out_release;
	}
	status = 1;
	if (render_snapshot(&s, &r, &f.render, &out)) {
		fprintf(stderr, "ctprof: out of memory rendering %s\n", file);
		goto out_release;
	}
	fwrite(out.buf, 1, out.len, stdout);
	status = 0;
out_release:
	ctprof_snapshot_release(&s);
	strbuf_release(&err);
	strbuf_release(&out);
	return status;
}

int main(int argc, char **argv)
{
	if (argc < 2)
		return usage_error("%s", "missing command");
	const char *cmd = argv[1];
	if (!strcmp(cmd, "--help") || !strcmp(cmd, "-h") || !strcmp(cmd, "help")) {
		fputs(usage_text, stdout);
		return 0;
	}
	if (!strcmp(cmd, "--version")) {
		printf("ctprof %s\n", CTPROF_VERSION);
		return 0;
	}
	if (!strcmp(cmd, "capture"))
		return cmd_capture(argc - 1, argv + 1);
	if (!strcmp(cmd, "metric-list") && argc == 2)
		return cmd_metric_list();
	if (!strcmp(cmd, "metrics"))
		return cmd_metrics(argc - 1, argv + 1);
	if (!strcmp(cmd, "show"))
		return cmd_show(argc - 1, argv + 1);
	if (!strcmp(cmd, "compare"))
		return ctprof_compare_main(argc - 1, argv + 1);
	return usage_error("unknown command '%s'", cmd);
}
