/*
 * bench_render.c - what the daemon's per-capture rendering costs for
 * 10,000 threads, against the 10 ms target of issue 9.
 *
 * Per capture, exporter/service.c advances the counter continuity once and
 * renders two complete bodies (Prometheus text and OpenMetrics), each with
 * render_snapshot (grouping, the series estimate for --max-series,
 * aggregation, continuity rows), the probe tag family and the
 * self-metrics. This program makes the same calls with the daemon's
 * defaults (--max-series 50000, a fresh output buffer per body) on two
 * captures of a synthetic tree (100 processes x 100 threads), and prints
 * the median of several runs after a warm-up, wall and thread CPU time
 * (the CPU time is the work alone when the host is busy), one parseable
 * line per case and format:
 *
 *   render threads=10000 group=pcomm names=100 sources=all format=prometheus
 *          median_ms=X cpu_ms=Y series=N bytes=B target_ms=10 ratio=R ...
 *
 * format=capture is the whole sequence (advance + both bodies). Inputs:
 * the tree's threads under 100 process names with per-process CPU totals
 * (as a live capture has them), with every field non-zero and every
 * measured flag set (sources=all: a host with schedstats, taskstats and
 * jemalloc, every family rendered) or as captured (sources=tree), and the
 * tree as captured (names=1: every process is "bench"). Each is grouped
 * by pcomm (the daemon's default) and by pcomm,container (the Kubernetes
 * DaemonSet's). self_metrics_render lives in exporter/, which benchmarks
 * do not link: its /proc/self reads are timed here by the same reads
 * (self_ms, included in each body's time).
 *
 * usage: bench_render TREE|SNAPSHOT.ctprof.zst [runs]
 *   TREE holds proc/ from make_proc_tree; a snapshot file is rendered as
 *   loaded (input=snapshot). BENCH_RENDER_DUMP=DIR writes each case's
 *   bodies there, for comparing two builds byte for byte.
 */
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "bench_util.h"
#include "capture.h"
#include "continuity.h"
#include "families.h"
#include "jemalloc_summary.h"
#include "readfile.h"
#include "render.h"
#include "snapshot_file.h"

#define TARGET_MS 10.0
#define MAX_SERIES 50000 /* the daemon's --max-series default */
#define RETENTION_NS 600000000000ull

enum body { BODY_PROM, BODY_OM, BODIES };

static const char *const body_names[BODIES] = { "prometheus", "openmetrics" };

/* The input rendered, and what is done to a captured tree before. */
struct shape {
	const char *desc; /* in the printed line */
	const char *tag;  /* in dump file names */
	bool live_like;   /* 100 process names and per-process CPU totals */
	bool all_sources; /* every field measured and non-zero: every family rendered */
};

static const struct shape tree_shapes[] = {
	{ "names=100 sources=all", "names100-all", true, true },
	{ "names=100 sources=tree", "names100-tree", true, false },
	{ "names=1 sources=tree", "names1-tree", false, false },
};

static const struct shape file_shape = { "input=snapshot", "snapshot", false, false };

struct bench_case {
	const char *group_by;
	const struct shape *shape;
};

/* What one capture's work is timed in: each body, and the whole. */
enum step { STEP_ADVANCE, STEP_PROM, STEP_OM, STEP_SELF, STEP_CAPTURE, STEPS };

/* Wall and thread CPU time, ms: on a busy host the CPU time shows the work alone. */
struct span {
	double wall, cpu;
};

struct body_stats {
	size_t series, bytes;
};

/* ---- the snapshots ---- */

/* A name pattern_key keeps literal (letters only), distinct per process. */
static void process_name(size_t p, char name[8])
{
	snprintf(name, 8, "svc%c%c", 'a' + (int)(p / 26 % 26), 'a' + (int)(p % 26));
}

/*
 * Give each process its own name and a CPU total a little above its
 * threads' sum (what its reaped threads ran), as a live capture has.
 */
static int make_live_like(struct ctprof_snapshot *s)
{
	size_t p = 0;
	for (size_t i = 0; i < s->nthreads; p++) {
		struct thread_state *lead = &s->threads[i];
		struct process_cpu pc = { lead->tgid, lead->start_time_clock_ticks, 1000, 500 };
		char name[8];
		process_name(p, name);
		for (; i < s->nthreads && s->threads[i].tgid == pc.tgid; i++) {
			char *dup = strdup(name);
			if (!dup)
				return -1;
			free(s->threads[i].pcomm);
			s->threads[i].pcomm = dup;
			pc.utime_clock_ticks += s->threads[i].utime_clock_ticks;
			pc.stime_clock_ticks += s->threads[i].stime_clock_ticks;
		}
		if (snapshot_add_process(s, &pc))
			return -1;
	}
	return 0;
}

/*
 * The tree's threads as a host with every source would show them
 * (schedstats on, taskstats with delay accounting and xacct, jemalloc):
 * every u64 field but the identity ones non-zero, every measured flag set.
 */
static void fill_all_sources(struct ctprof_snapshot *s)
{
	for (size_t i = 0; i < s->nthreads; i++) {
		struct thread_state *t = &s->threads[i];
		for (int f = 0; f < THREAD_FIELD_COUNT; f++) {
			const struct field_desc *d = &thread_field_descs[f];
			char *p = (char *)t + d->offset;
			if (d->family == FIELD_FAMILY_IDENTITY)
				continue;
			if (d->kind == FIELD_KIND_U64)
				*(uint64_t *)p = (uint64_t)t->tid * 1000 + (uint64_t)f;
			else if (d->kind == FIELD_KIND_BOOL && d->family == FIELD_FAMILY_FLAG)
				*(bool *)p = true;
		}
	}
}

/* A capture of TREE/proc, or the snapshot file at path. */
static int load_input(const char *path, const struct shape *shape, struct ctprof_snapshot *s)
{
	char proc[4200], empty[4200];
	struct strbuf err = STRBUF_INIT;
	snprintf(proc, sizeof(proc), "%s/proc", path);
	snprintf(empty, sizeof(empty), "%s/empty", path);
	struct capture_options o = { .procfs = proc, .sysfs = empty, .cgroupfs = empty,
				     .no_jemalloc = true };
	ctprof_snapshot_init(s);
	if (shape != &file_shape)
		mkdir(empty, 0755);
	int rc = shape == &file_shape ? snapshot_read_file(path, s, &err) :
					ctprof_capture(&o, s, &err);
	if (rc)
		fprintf(stderr, "bench_render: %s: %s\n", path, err.buf);
	strbuf_release(&err);
	if (!rc && shape->all_sources)
		fill_all_sources(s);
	if (!rc && shape->live_like && make_live_like(s))
		rc = -1;
	return rc;
}

/* ---- one capture's rendering, as service.c does it ---- */

/* render_probe_tags of service.c: one sample per failure tag. */
static void probe_tags(struct expo *e)
{
	const struct extra_family *f = &extra_families[FAMILY_PROBE_FAILURES];
	char v[EXPO_VALUE_MAX];
	expo_family(e, f->name, f->type, f->unit, f->help);
	for (int t = JM_OK + 1; t < JM_TAG_COUNT; t++) {
		struct expo_label l = { "tag", jm_tag_name((enum jm_tag)t) };
		expo_sample(e, f->name, &l, 1, expo_fmt_u64(v, 0));
	}
}

/* The reads self_metrics_render does (its 7 samples cost nothing beside them). */
static void self_reads(struct strbuf *buf)
{
	static const char *const files[] = { "/proc/self/stat", "/proc/stat",
					     "/proc/self/status" };
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++)
		read_file_at(AT_FDCWD, files[i], buf);
	DIR *d = opendir("/proc/self/fd");
	while (d && readdir(d))
		;
	if (d)
		closedir(d);
}

static int render_body(const struct ctprof_snapshot *cur, const struct registry *reg,
		       const struct continuity *cont, const struct group_options *g,
		       enum body b, struct strbuf *out)
{
	struct render_result res = { 0 };
	struct render_options o = { .format = b == BODY_OM ? EXPO_OPENMETRICS : EXPO_PROMETHEUS,
				    .group = *g, .capture_duration_ns = 12345678,
				    .continuity = cont, .max_series = MAX_SERIES,
				    .result = &res, .open_ended = true };
	int rc = render_snapshot(cur, reg, &o, out);
	struct expo e = { .out = out, .format = o.format };
	probe_tags(&e);
	return rc ? rc : expo_finish(&e);
}

static size_t sample_lines(const struct strbuf *sb)
{
	size_t n = 0;
	for (const char *p = sb->buf; p && *p;) {
		n += *p != '#';
		p = strchr(p, '\n');
		p = p ? p + 1 : NULL;
	}
	return n;
}

static void dump_body(const char *label, enum body b, const struct strbuf *sb)
{
	const char *dir = getenv("BENCH_RENDER_DUMP");
	char path[4200];
	if (!dir)
		return;
	snprintf(path, sizeof(path), "%s/%s.%s", dir, label, b == BODY_OM ? "om" : "prom");
	FILE *f = fopen(path, "w");
	if (f) {
		fwrite(sb->buf, 1, sb->len, f);
		fclose(f);
	}
}

static struct span span_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (struct span){ now_ms(), ts.tv_sec * 1e3 + ts.tv_nsec / 1e6 };
}

static void span_add_since(struct span *sum, struct span t0)
{
	struct span t = span_now();
	sum->wall += t.wall - t0.wall;
	sum->cpu += t.cpu - t0.cpu;
}

/* One capture's work into t[STEPS]; the last run's bodies go to stats (and the dump). */
static int one_capture(const struct ctprof_snapshot *prev, const struct ctprof_snapshot *cur,
		       const struct registry *reg, const struct group_options *g,
		       struct span *t, struct body_stats *stats, const char *label)
{
	struct continuity *cont = continuity_new();
	struct strbuf self = STRBUF_INIT;
	int rc = cont ? 0 : -1;
	memset(t, 0, STEPS * sizeof(*t));
	/* The first advance (no prev) only binds; the timed one is steady state. */
	if (!rc)
		rc = continuity_advance(cont, NULL, prev, g, reg, 1, RETENTION_NS);
	struct span t0 = span_now();
	if (!rc)
		rc = continuity_advance(cont, prev, cur, g, reg, 2, RETENTION_NS);
	span_add_since(&t[STEP_ADVANCE], t0);
	for (int b = 0; !rc && b < BODIES; b++) {
		struct strbuf out = STRBUF_INIT;
		struct span tb = span_now();
		rc = render_body(cur, reg, cont, g, (enum body)b, &out);
		struct span ts = span_now();
		self_reads(&self);
		span_add_since(&t[STEP_SELF], ts);
		span_add_since(&t[STEP_PROM + b], tb);
		stats[b] = (struct body_stats){ sample_lines(&out), out.len };
		dump_body(label, (enum body)b, &out);
		strbuf_release(&out);
	}
	span_add_since(&t[STEP_CAPTURE], t0);
	strbuf_release(&self);
	continuity_free(cont);
	return rc;
}

/* ---- the cases ---- */

static void print_line(const struct bench_case *bc, size_t threads, const char *format,
		       double wall, double cpu, size_t series, size_t bytes, const char *extra)
{
	printf("render threads=%zu group=%s %s format=%s median_ms=%.3f cpu_ms=%.3f series=%zu "
	       "bytes=%zu target_ms=%.0f ratio=%.2f%s\n",
	       threads, bc->group_by, bc->shape->desc, format, wall, cpu, series, bytes, TARGET_MS,
	       wall / TARGET_MS, extra);
}

static int run_case(const struct bench_case *bc, const struct ctprof_snapshot *prev,
		    const struct ctprof_snapshot *cur, const struct registry *reg, int runs)
{
	struct group_options g = { 0 };
	double wall[STEPS][runs], cpu[STEPS][runs], mw[STEPS], mc[STEPS];
	struct body_stats stats[BODIES] = { { 0 } };
	char label[64], extra[96];
	if (group_axes_parse(bc->group_by, &g))
		return -1;
	snprintf(label, sizeof(label), "%s-%s", bc->group_by, bc->shape->tag);
	for (int i = -1; i < runs; i++) { /* run -1: warm-up */
		struct span t[STEPS];
		if (one_capture(prev, cur, reg, &g, t, stats, label))
			return -1;
		for (int k = 0; i >= 0 && k < STEPS; k++) {
			wall[k][i] = t[k].wall;
			cpu[k][i] = t[k].cpu;
		}
	}
	for (int k = 0; k < STEPS; k++) {
		mw[k] = median(wall[k], runs);
		mc[k] = median(cpu[k], runs);
	}
	snprintf(extra, sizeof(extra), " self_ms=%.3f", mw[STEP_SELF] / BODIES);
	for (int b = 0; b < BODIES; b++)
		print_line(bc, cur->nthreads, body_names[b], mw[STEP_PROM + b], mc[STEP_PROM + b],
			   stats[b].series, stats[b].bytes, extra);
	snprintf(extra, sizeof(extra), " advance_ms=%.3f", mw[STEP_ADVANCE]);
	print_line(bc, cur->nthreads, "capture", mw[STEP_CAPTURE], mc[STEP_CAPTURE],
		   stats[BODY_PROM].series + stats[BODY_OM].series,
		   stats[BODY_PROM].bytes + stats[BODY_OM].bytes, extra);
	return 0;
}

/* Two loads of the input (two captures of an unchanged host), each grouping. */
static int run_shape(const char *path, const struct shape *shape, const struct registry *reg,
		     int runs)
{
	static const char *const groupings[] = { "pcomm", "pcomm,container" };
	struct ctprof_snapshot prev, cur;
	int rc = load_input(path, shape, &prev);
	if (!rc && (rc = load_input(path, shape, &cur)))
		ctprof_snapshot_release(&prev);
	if (rc)
		return rc;
	for (size_t i = 0; !rc && i < sizeof(groupings) / sizeof(groupings[0]); i++) {
		struct bench_case bc = { groupings[i], shape };
		rc = run_case(&bc, &prev, &cur, reg, runs);
	}
	ctprof_snapshot_release(&cur);
	ctprof_snapshot_release(&prev);
	return rc;
}

int main(int argc, char **argv)
{
	int runs = argc > 2 ? atoi(argv[2]) : 21, rc = 0;
	struct registry reg;
	struct stat st;
	if (argc < 2 || runs < 1 || runs > 1000 || stat(argv[1], &st)) {
		fprintf(stderr, "usage: bench_render TREE|SNAPSHOT.ctprof.zst [runs 1..1000]\n");
		return 2;
	}
	registry_build(&reg);
	printf("median of %d runs after a warm-up; per capture the daemon advances the "
	       "continuity and renders both formats (max_series %d)\n", runs, MAX_SERIES);
	if (!S_ISDIR(st.st_mode))
		rc = run_shape(argv[1], &file_shape, &reg, runs);
	for (size_t i = 0; !rc && S_ISDIR(st.st_mode) && i < sizeof(tree_shapes) / sizeof(tree_shapes[0]); i++)
		rc = run_shape(argv[1], &tree_shapes[i], &reg, runs);
	if (rc) {
		fprintf(stderr, "bench_render: failed\n");
		return 1;
	}
	return 0;
}
