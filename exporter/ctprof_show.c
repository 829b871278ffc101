/*
 * ctprof_show.c - the text summary behind `ctprof show`. Processes are
 * grouped by literal pcomm here; the Prometheus grouping rules (pattern_key,
 * cgroup flattening) belong to metrics/.
 */
#include "ctprof_show.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "capture_summary.h"

struct pcomm_group {
	const char *pcomm;
	size_t threads;
	uint64_t cpu_ticks; /* utime + stime */
	uint64_t run_time_ns;
};

static int cmp_by_pcomm(const void *a, const void *b)
{
	const struct thread_state *x = *(const struct thread_state *const *)a;
	const struct thread_state *y = *(const struct thread_state *const *)b;
	return strcmp(x->pcomm, y->pcomm);
}

/* Busiest first; equal CPU ordered by name so the output is stable. */
static int cmp_by_cpu(const void *a, const void *b)
{
	const struct pcomm_group *x = a, *y = b;
	if (x->cpu_ticks != y->cpu_ticks)
		return x->cpu_ticks < y->cpu_ticks ? 1 : -1;
	if (x->run_time_ns != y->run_time_ns)
		return x->run_time_ns < y->run_time_ns ? 1 : -1;
	return strcmp(x->pcomm, y->pcomm);
}

static uint64_t sat_add(uint64_t a, uint64_t b)
{
	return a > UINT64_MAX - b ? UINT64_MAX : a + b;
}

/* Fold threads into per-pcomm groups; *ngroups set. NULL on ENOMEM. */
static struct pcomm_group *group_by_pcomm(const struct ctprof_snapshot *s,
					  size_t *ngroups)
{
	const struct thread_state **order = malloc((s->nthreads + 1) * sizeof(*order));
	struct pcomm_group *g = calloc(s->nthreads + 1, sizeof(*g));
	size_t n = 0;
	if (!order || !g)
		goto out_free;
	for (size_t i = 0; i < s->nthreads; i++)
		order[i] = &s->threads[i];
	qsort(order, s->nthreads, sizeof(*order), cmp_by_pcomm);
	for (size_t i = 0; i < s->nthreads; i++) {
		const struct thread_state *t = order[i];
		if (!n || strcmp(g[n - 1].pcomm, t->pcomm))
			g[n++].pcomm = t->pcomm;
		struct pcomm_group *cur = &g[n - 1];
		cur->threads++;
		cur->cpu_ticks = sat_add(cur->cpu_ticks,
					 sat_add(t->utime_clock_ticks, t->stime_clock_ticks));
		cur->run_time_ns = sat_add(cur->run_time_ns, t->run_time_ns);
	}
	qsort(g, n, sizeof(*g), cmp_by_cpu);
	free(order);
	*ngroups = n;
	return g;
out_free:
	free(order);
	free(g);
	return NULL;
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	return x < y ? -1 : x > y;
}

/* Distinct tgids (a process whose leader exited still counts). */
static size_t count_processes(const struct ctprof_snapshot *s)
{
	uint32_t *tgids = malloc((s->nthreads + 1) * sizeof(*tgids));
	size_t n = 0;
	if (!tgids)
		return 0;
	for (size_t i = 0; i < s->nthreads; i++)
		tgids[i] = s->threads[i].tgid;
	qsort(tgids, s->nthreads, sizeof(*tgids), cmp_u32);
	for (size_t i = 0; i < s->nthreads; i++)
		n += !i || tgids[i] != tgids[i - 1];
	free(tgids);
	return n;
}

static void show_top(const struct pcomm_group *g, size_t n, FILE *out)
{
	long hz = sysconf(_SC_CLK_TCK);
	if (hz <= 0)
		hz = 100;
	fprintf(out, "\nbusiest processes by CPU (utime+stime):\n");
	fprintf(out, "  %-24s %8s %14s %14s\n", "pcomm", "threads", "cpu_seconds",
		"run_seconds");
	for (size_t i = 0; i < n && i < SHOW_TOP_PROCESSES; i++)
		fprintf(out, "  %-24s %8zu %14.2f %14.3f\n",
			*g[i].pcomm ? g[i].pcomm : "(none)", g[i].threads,
			(double)g[i].cpu_ticks / (double)hz,
			(double)g[i].run_time_ns / 1e9);
}

static void show_hint(const char *hint, FILE *out)
{
	if (hint)
		fprintf(out, "  %s\n", hint);
}

static void show_parse_summary(const struct parse_summary *p, FILE *out)
{
	if (!p) {
		fprintf(out, "parse summary: none\n");
		return;
	}
	fprintf(out, "parse summary: %llu tids walked, %llu read failures",
		(unsigned long long)p->tids_walked,
		(unsigned long long)p->read_failures);
	for (size_t i = 0; i < p->read_failures_by_file.len; i++)
		fprintf(out, "%s%s=%llu", i ? ", " : " (",
			p->read_failures_by_file.items[i].key,
			(unsigned long long)p->read_failures_by_file.items[i].value);
	fprintf(out, "%s, dominant %s, %llu negative dotted values\n",
		p->read_failures_by_file.len ? ")" : "",
		p->dominant_read_failure ? p->dominant_read_failure : "none",
		(unsigned long long)p->negative_dotted_values);
	show_hint(parse_summary_hint(p), out);
}

static void show_probe_summary(const struct probe_summary *p, FILE *out)
{
	if (!p) {
		fprintf(out, "jemalloc probe summary: none (probe not run)\n");
		return;
	}
	fprintf(out,
		"jemalloc probe summary: %llu tgids walked, %llu with jemalloc, "
		"%llu probed ok, %llu failed, dominant failure %s\n",
		(unsigned long long)p->tgids_walked,
		(unsigned long long)p->jemalloc_detected,
		(unsigned long long)p->probed_ok, (unsigned long long)p->failed,
		p->dominant_failure ? p->dominant_failure : "none");
	show_hint(probe_summary_hint(p), out);
}

static void show_taskstats_summary(const struct taskstats_summary *t, FILE *out)
{
	if (!t) {
		fprintf(out, "taskstats summary: none (taskstats not queried)\n");
		return;
	}
	fprintf(out, "taskstats summary: %llu ok, %llu eperm, %llu esrch, %llu other\n",
		(unsigned long long)t->ok_count, (unsigned long long)t->eperm_count,
		(unsigned long long)t->esrch_count,
		(unsigned long long)t->other_err_count);
	show_hint(taskstats_summary_hint(t), out);
}

int ctprof_show(const struct ctprof_snapshot *s, FILE *out)
{
	size_t ngroups = 0;
	struct pcomm_group *g = group_by_pcomm(s, &ngroups);
	if (!g)
		return -ENOMEM;
	fprintf(out, "captured_at_unix_ns: %llu\n",
		(unsigned long long)s->captured_at_unix_ns);
	if (s->host && s->host->kernel_release)
		fprintf(out, "kernel: %s %s\n",
			s->host->kernel_name ? s->host->kernel_name : "",
			s->host->kernel_release);
	fprintf(out, "threads: %zu\nprocesses: %zu\ncgroups: %zu\n", s->nthreads,
		count_processes(s), s->ncgroups);
	fprintf(out, "sched_ext: %s\n",
		s->sched_ext ? (*s->sched_ext->state ? s->sched_ext->state : "(empty)") :
			       "absent");
	show_top(g, ngroups, out);
	fprintf(out, "\n");
	show_parse_summary(s->parse_summary, out);
	show_probe_summary(s->probe_summary, out);
	show_taskstats_summary(s->taskstats_summary, out);
	free(g);
	return 0;
}
