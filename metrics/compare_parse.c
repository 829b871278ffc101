/*
 * compare_parse.c - parsing of the compare/show list flags. Each list is
 * walked entry by entry with one splitter; names are matched against the
 * section table, the registry and the derived table.
 */
#include "compare_parse.h"

#include <ctype.h>
#include <errno.h>
#include <string.h>
#include <strings.h>

static const char *const section_names[CMP_SEC_COUNT] = {
	[CMP_SEC_PRIMARY] = "primary",
	[CMP_SEC_TASKSTATS_DELAY] = "taskstats-delay",
	[CMP_SEC_DERIVED] = "derived",
	[CMP_SEC_CGROUP_STATS] = "cgroup-stats",
	[CMP_SEC_CGROUP_LIMITS] = "cgroup-limits",
	[CMP_SEC_MEMORY_STAT] = "memory-stat",
	[CMP_SEC_MEMORY_EVENTS] = "memory-events",
	[CMP_SEC_PRESSURE] = "pressure",
	[CMP_SEC_HOST_PRESSURE] = "host-pressure",
	[CMP_SEC_SMAPS] = "smaps-rollup",
	[CMP_SEC_SCHED_EXT] = "sched-ext",
	[CMP_SEC_SUMMARY] = "capture-summary",
};

static const char *const display_names[] = {
	[DISPLAY_FULL] = "full",         [DISPLAY_DELTA_ONLY] = "delta-only",
	[DISPLAY_NO_PCT] = "no-pct",     [DISPLAY_ARROW] = "arrow",
	[DISPLAY_PCT_ONLY] = "pct-only",
};

const char *compare_section_name(enum compare_section s)
{
	return section_names[s];
}

bool compare_section_needs_cgroup(enum compare_section s)
{
	return s == CMP_SEC_CGROUP_STATS || s == CMP_SEC_CGROUP_LIMITS ||
	       s == CMP_SEC_MEMORY_STAT || s == CMP_SEC_MEMORY_EVENTS || s == CMP_SEC_PRESSURE;
}

size_t compare_metric_count(const struct registry *r)
{
	return r->len + COMPARE_DERIVED_COUNT;
}

int compare_parse_output(const char *s, enum compare_output *out)
{
	static const char *const names[] = { "text", "json", "csv" };
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (!strcmp(s, names[i])) {
			*out = (enum compare_output)i;
			return 0;
		}
	return -EINVAL;
}

int compare_parse_display(const char *s, enum compare_display *out)
{
	for (size_t i = 0; i < sizeof(display_names) / sizeof(display_names[0]); i++)
		if (!strcasecmp(s, display_names[i])) {
			*out = (enum compare_display)i;
			return 0;
		}
	return -EINVAL;
}

/* One trimmed entry of a comma list; *spec moves past it. false at the end. */
static bool next_entry(const char **spec, char *buf, size_t cap, bool *done)
{
	const char *s = *spec;
	if (*done)
		return false;
	size_t n = strcspn(s, ",");
	*done = s[n] == '\0';
	*spec = s + n + !*done;
	while (n && isspace((unsigned char)*s)) {
		s++;
		n--;
	}
	while (n && isspace((unsigned char)s[n - 1]))
		n--;
	n = n < cap - 1 ? n : cap - 1;
	memcpy(buf, s, n);
	buf[n] = '\0';
	return true;
}

/*
 * Walk the entries of a list flag, handing each to fn; an empty entry is
 * an error. fn returns 0 or -EINVAL having set err.
 */
static int each_entry(const char *flag, const char *spec, struct strbuf *err,
		      int (*fn)(const char *entry, void *ctx, struct strbuf *err), void *ctx)
{
	char entry[128];
	bool done = false;
	while (next_entry(&spec, entry, sizeof(entry), &done)) {
		if (!*entry) {
			strbuf_set_line(err, "%s: empty entry in '%s'", flag, spec);
			return -EINVAL;
		}
		int rc = fn(entry, ctx, err);
		if (rc)
			return rc;
	}
	return 0;
}

static int section_entry(const char *entry, void *ctx, struct strbuf *err)
{
	bool *sections = ctx;
	for (size_t i = 0; i < CMP_SEC_COUNT; i++) {
		if (strcasecmp(entry, section_names[i]))
			continue;
		if (sections[i]) {
			strbuf_set_line(err, "--sections: '%s' named twice", entry);
			return -EINVAL;
		}
		sections[i] = true;
		return 0;
	}
	strbuf_set_line(err,
			"--sections: unknown section '%s'; one of primary, taskstats-delay, "
			"derived, cgroup-stats, cgroup-limits, memory-stat, memory-events, "
			"pressure, host-pressure, smaps-rollup, sched-ext, capture-summary",
			entry);
	return -EINVAL;
}

int compare_parse_sections(const char *spec, bool sections[CMP_SEC_COUNT], struct strbuf *err)
{
	memset(sections, 0, CMP_SEC_COUNT * sizeof(*sections));
	return each_entry("--sections", spec, err, section_entry, sections);
}

struct metric_ctx {
	const struct registry *r;
	bool *mask;
};

static int unknown_metric(const char *flag, const char *entry, struct strbuf *err)
{
	strbuf_set_line(err,
			"%s: unknown metric '%s'; use a ctprof field name (run_time_ns, "
			"wait_sum, ...) or a derived metric (avg_wait_ns, cpu_efficiency, ...)",
			flag, entry);
	return -EINVAL;
}

static int metric_entry(const char *entry, void *ctx, struct strbuf *err)
{
	struct metric_ctx *m = ctx;
	size_t id = compare_metric_id(m->r, entry);
	if (id == SIZE_MAX)
		return unknown_metric("--metrics", entry, err);
	if (m->mask[id]) {
		strbuf_set_line(err, "--metrics: '%s' named twice", entry);
		return -EINVAL;
	}
	m->mask[id] = true;
	return 0;
}

int compare_parse_metrics(const struct registry *r, const char *spec, bool *mask,
			  struct strbuf *err)
{
	struct metric_ctx m = { r, mask };
	memset(mask, 0, compare_metric_count(r) * sizeof(*mask));
	return each_entry("--metrics", spec, err, metric_entry, &m);
}

struct sort_ctx {
	const struct registry *r;
	struct compare_sort_key *keys;
	size_t *n;
};

static int sort_direction(const char *dir, bool *descending, struct strbuf *err)
{
	while (isspace((unsigned char)*dir))
		dir++;
	char d[8] = "";
	size_t n = strcspn(dir, " \t");
	if (n < sizeof(d))
		memcpy(d, dir, n);
	if (!strcasecmp(d, "desc") || !strcasecmp(d, "asc")) {
		*descending = !strcasecmp(d, "desc");
		return 0;
	}
	strbuf_set_line(err, "--sort-by: invalid direction '%s'; expected asc or desc", dir);
	return -EINVAL;
}

static int sort_entry(const char *entry, void *ctx, struct strbuf *err)
{
	struct sort_ctx *s = ctx;
	char name[128];
	bool descending = true;
	size_t colon = strcspn(entry, ":"), n = colon;
	memcpy(name, entry, n);
	name[n] = '\0';
	while (n && isspace((unsigned char)name[n - 1]))
		name[--n] = '\0';
	if (entry[colon] == ':' && sort_direction(entry + colon + 1, &descending, err))
		return -EINVAL;
	size_t id = compare_metric_id(s->r, name);
	if (id == SIZE_MAX)
		return unknown_metric("--sort-by", name, err);
	if (compare_metric_categorical(s->r, id)) {
		strbuf_set_line(err, "--sort-by: '%s' is categorical (no number to sort by)", name);
		return -EINVAL;
	}
	for (size_t i = 0; i < *s->n; i++)
		if (s->keys[i].metric_id == id) {
			strbuf_set_line(err, "--sort-by: '%s' named twice", name);
			return -EINVAL;
		}
	if (*s->n == COMPARE_SORT_MAX) {
		strbuf_set_line(err, "--sort-by: at most %d keys", COMPARE_SORT_MAX);
		return -EINVAL;
	}
	s->keys[(*s->n)++] = (struct compare_sort_key){ id, descending };
	return 0;
}

int compare_parse_sort(const struct registry *r, const char *spec,
		       struct compare_sort_key keys[COMPARE_SORT_MAX], size_t *n,
		       struct strbuf *err)
{
	struct sort_ctx s = { r, keys, n };
	*n = 0;
	return each_entry("--sort-by", spec, err, sort_entry, &s);
}
