/*
 * ctprof_compare.c - `ctprof compare BASELINE CANDIDATE` and `ctprof show
 * SNAPSHOT` with grouping flags. Every flag is checked before a snapshot
 * is read (exit 2, one line about the flag); an unreadable snapshot is one
 * line naming it and exit 2; a difference is never a failure (exit 0).
 */
#include "ctprof_compare.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "cli_usage.h"
#include "compare.h"
#include "compare_format.h"
#include "compare_parse.h"
#include "pattern.h"
#include "snapshot_file.h"

#define MAX_GLOBS 64

static const char compare_usage[] =
	"usage: ctprof compare BASELINE CANDIDATE [options]\n"
	"       ctprof show SNAPSHOT [options]\n"
	"\n"
	"Group the threads of one or two snapshots as ktstr does and print every\n"
	"metric per group (compare: baseline, candidate, delta and %).\n"
	"\n"
	"grouping:\n"
	"  --group-by pcomm|cgroup|comm|comm-exact|all   (compare: all, show: pcomm)\n"
	"  --cgroup-flatten GLOB      collapse matching cgroup paths to GLOB (repeatable)\n"
	"  --no-thread-normalize      group by literal pcomm / comm\n"
	"  --no-cg-normalize          group by the literal (flattened) cgroup path\n"
	"output:\n"
	"  --format text|json|csv     text for people (default), JSON or CSV for scripts\n"
	"  --display-format full|delta-only|no-pct|arrow|pct-only   (compare, text; arrow)\n"
	"  --sort-by METRIC[:asc|desc],...   rank groups by these metrics' deltas\n"
	"                             (show: values); METRIC is a field name such as\n"
	"                             run_time_ns or a derived one such as avg_wait_ns\n"
	"  --sections LIST            primary, taskstats-delay, derived, cgroup-stats,\n"
	"                             cgroup-limits, memory-stat, memory-events, pressure,\n"
	"                             host-pressure, smaps-rollup, sched-ext, capture-summary\n"
	"  --metrics LIST             only these primary / derived metrics\n"
	"  --limit N                  text: lines per section (default 500, 0 unlimited)\n"
	"\n"
	"JSON and CSV carry every row of the chosen sections and metrics;\n"
	"--display-format and --limit shape the text only. Exit 0 whatever differs,\n"
	"2 for a bad option or an unreadable snapshot.\n";

enum compare_opt {
	OPT_GROUP_BY = 3000,
	OPT_FLATTEN,
	OPT_NO_THREAD_NORMALIZE,
	OPT_NO_CG_NORMALIZE,
	OPT_FORMAT,
	OPT_DISPLAY,
	OPT_SORT_BY,
	OPT_SECTIONS,
	OPT_METRICS,
	OPT_LIMIT,
};

static const struct option compare_long[] = {
	{ "group-by", required_argument, NULL, OPT_GROUP_BY },
	{ "cgroup-flatten", required_argument, NULL, OPT_FLATTEN },
	{ "no-thread-normalize", no_argument, NULL, OPT_NO_THREAD_NORMALIZE },
	{ "no-cg-normalize", no_argument, NULL, OPT_NO_CG_NORMALIZE },
	{ "format", required_argument, NULL, OPT_FORMAT },
	{ "display-format", required_argument, NULL, OPT_DISPLAY },
	{ "sort-by", required_argument, NULL, OPT_SORT_BY },
	{ "sections", required_argument, NULL, OPT_SECTIONS },
	{ "metrics", required_argument, NULL, OPT_METRICS },
	{ "limit", required_argument, NULL, OPT_LIMIT },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

/* Everything the flags decide, checked and resolved. */
struct compare_cmd {
	bool compare;
	struct registry reg;
	struct compare_options opts;
	struct compare_view view;
	const char *globs[MAX_GLOBS];
	bool *metrics; /* --metrics mask, or NULL */
	bool sections_named;
	struct compare_sort_key sort[COMPARE_SORT_MAX];
	size_t nsort;
	const char *files[2];
	size_t nfiles;
};

static int flag_error(const struct strbuf *err)
{
	return usage_error("%s", err->buf);
}

static int parse_limit(const char *s, size_t *out)
{
	char *end;
	errno = 0;
	unsigned long long v = strtoull(s, &end, 10);
	if (errno || end == s || *end || *s == '-')
		return -EINVAL;
	*out = (size_t)v;
	return 0;
}

static int add_glob(struct compare_cmd *c, const char *glob)
{
	if (!cgroup_glob_valid(glob))
		return usage_error("--cgroup-flatten: not a valid glob: '%s'", glob);
	if (c->opts.nflatten == MAX_GLOBS)
		return usage_error("--cgroup-flatten: at most %s globs", "64");
	c->globs[c->opts.nflatten++] = glob;
	return -1;
}

static int set_metrics(struct compare_cmd *c, const char *spec)
{
	struct strbuf err = STRBUF_INIT;
	free(c->metrics);
	c->metrics = calloc(compare_metric_count(&c->reg), sizeof(*c->metrics));
	if (!c->metrics)
		return usage_error("%s", "out of memory");
	int status = compare_parse_metrics(&c->reg, spec, c->metrics, &err) ? flag_error(&err) : -1;
	strbuf_release(&err);
	return status;
}

/* The list flags: parsed into c, -1 to go on, or an exit status. */
static int apply_list(struct compare_cmd *c, int opt, const char *arg)
{
	struct strbuf err = STRBUF_INIT;
	int rc = 0;
	if (opt == OPT_METRICS)
		return set_metrics(c, arg);
	if (opt == OPT_SECTIONS) {
		rc = compare_parse_sections(arg, c->view.sections, &err);
		c->sections_named = true;
	} else {
		rc = compare_parse_sort(&c->reg, arg, c->sort, &c->nsort, &err);
	}
	int status = rc ? flag_error(&err) : -1;
	strbuf_release(&err);
	return status;
}

static int apply_value(struct compare_cmd *c, int opt, const char *arg)
{
	switch (opt) {
	case OPT_GROUP_BY:
		if (compare_group_by_parse(arg, &c->opts.group_by))
			return usage_error("--group-by: expected pcomm, cgroup, comm, comm-exact "
					   "or all, got '%s'", arg);
		return -1;
	case OPT_FORMAT:
		if (compare_parse_output(arg, &c->view.output))
			return usage_error("--format: expected text, json or csv, got '%s'", arg);
		return -1;
	case OPT_DISPLAY:
		if (!c->compare)
			return usage_error("%s", "show: --display-format is for compare");
		if (compare_parse_display(arg, &c->view.display))
			return usage_error("--display-format: expected full, delta-only, no-pct, "
					   "arrow or pct-only, got '%s'", arg);
		return -1;
	case OPT_LIMIT:
		if (parse_limit(arg, &c->view.limit))
			return usage_error("--limit: not a line count: '%s'", arg);
		return -1;
	case OPT_FLATTEN:
		return add_glob(c, arg);
	default:
		return apply_list(c, opt, arg);
	}
}

static int apply_opt(struct compare_cmd *c, int opt, const char *arg, const char *word)
{
	switch (opt) {
	case 'h':
		fputs(compare_usage, stdout);
		return 0;
	case ':':
		return usage_error("option '%s' needs a value", word);
	case '?':
		return usage_error("unknown option '%s'", word);
	case OPT_NO_THREAD_NORMALIZE:
		c->opts.no_thread_normalize = true;
		return -1;
	case OPT_NO_CG_NORMALIZE:
		c->opts.no_cg_normalize = true;
		return -1;
	default:
		return apply_value(c, opt, arg);
	}
}

/* ktstr warns when a named section can have no rows under this grouping. */
static void warn_cgroup_sections(const struct compare_cmd *c)
{
	if (!c->sections_named || c->opts.group_by == COMPARE_BY_CGROUP)
		return;
	for (size_t s = 0; s < CMP_SEC_COUNT; s++)
		if (c->view.sections[s] && compare_section_needs_cgroup((enum compare_section)s))
			fprintf(stderr,
				"ctprof: warning: section '%s' requires --group-by cgroup; "
				"omitted under --group-by %s\n",
				compare_section_name((enum compare_section)s),
				compare_group_by_name(c->opts.group_by));
}

/* Parse argv into c: an exit status, or -1 to go on. */
static int parse_args(int argc, char **argv, struct compare_cmd *c)
{
	size_t want = c->compare ? 2 : 1;
	int opt;
	optind = 1;
	opterr = 0;
	while ((opt = getopt_long(argc, argv, ":h", compare_long, NULL)) != -1) {
		int status = apply_opt(c, opt, optarg, argv[optind - 1]);
		if (status >= 0)
			return status;
	}
	for (int i = optind; i < argc; i++) {
		if (c->nfiles == want)
			return usage_error("unexpected argument '%s'", argv[i]);
		c->files[c->nfiles++] = argv[i];
	}
	if (c->nfiles != want)
		return usage_error("%s", c->compare ? "compare: expected BASELINE and CANDIDATE" :
						      "show: expected exactly one SNAPSHOT");
	c->view.metrics = c->metrics;
	warn_cgroup_sections(c);
	return -1;
}

/* The terminal's width when stdout is one, else $COLUMNS, else no limit. */
static size_t output_width(void)
{
	struct winsize ws;
	if (isatty(STDOUT_FILENO) && !ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) && ws.ws_col)
		return ws.ws_col;
	const char *env = getenv("COLUMNS");
	size_t cols = 0;
	return env && !parse_limit(env, &cols) ? cols : 0;
}

static int load(const char *path, struct ctprof_snapshot *s)
{
	struct strbuf err = STRBUF_INIT;
	int rc = snapshot_read_file(path, s, &err);
	if (rc)
		fprintf(stderr, "ctprof: %s: %s\n", path, err.buf);
	strbuf_release(&err);
	return rc;
}

static int render(struct compare_cmd *c, const struct ctprof_snapshot *const snap[2])
{
	struct compare_result res;
	struct strbuf out = STRBUF_INIT;
	if (compare_build(snap, &c->reg, &c->opts, &res))
		goto out_oom;
	if (compare_sort(&res, c->sort, c->nsort) || compare_render(&res, &c->view, &out)) {
		compare_result_release(&res);
		goto out_oom;
	}
	fwrite(out.buf, 1, out.len, stdout);
	compare_result_release(&res);
	strbuf_release(&out);
	return 0;
out_oom:
	strbuf_release(&out);
	fprintf(stderr, "ctprof: out of memory\n");
	return 1;
}

static int run(struct compare_cmd *c)
{
	struct ctprof_snapshot s[2];
	const struct ctprof_snapshot *snap[2] = { &s[0], c->compare ? &s[1] : NULL };
	int status = EXIT_USAGE;
	ctprof_snapshot_init(&s[0]);
	ctprof_snapshot_init(&s[1]);
	for (size_t i = 0; i < c->nfiles; i++) {
		if (load(c->files[i], &s[i]))
			goto out_release;
		c->view.paths[i] = c->files[i];
		c->view.captured_at[i] = s[i].captured_at_unix_ns;
	}
	c->view.width = output_width();
	status = render(c, snap);
out_release:
	ctprof_snapshot_release(&s[0]);
	ctprof_snapshot_release(&s[1]);
	return status;
}

static int command(int argc, char **argv, bool compare)
{
	struct compare_cmd c = { .compare = compare };
	registry_build(&c.reg);
	compare_view_init(&c.view);
	c.opts.group_by = compare ? COMPARE_BY_ALL : COMPARE_BY_PCOMM;
	c.opts.flatten = c.globs;
	int status = parse_args(argc, argv, &c);
	if (status < 0)
		status = run(&c);
	free(c.metrics);
	return status;
}

int ctprof_compare_main(int argc, char **argv)
{
	return command(argc, argv, true);
}

int ctprof_show_table_main(int argc, char **argv)
{
	return command(argc, argv, false);
}
