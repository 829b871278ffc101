/*
 * registry.c - metric names and types from the field table.
 *
 * Naming (Prometheus conventions): base units only, so ns and USER_HZ
 * ticks become seconds and KiB becomes bytes; counters end in _total, and a
 * stem that already ends in _total drops it (cpu_delay_total_ns ->
 * ctprof_cpu_delay_seconds_total, never ..._total_seconds_total).
 */
#include "registry.h"

#include <stdio.h>
#include <string.h>

static const char *const unit_suffixes[] = { "_ns", "_clock_ticks", "_bytes",
					     "_kib" };

static bool ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);
	return n >= m && !strcmp(s + n - m, suffix);
}

/* The field name without its unit suffix, nor a trailing _total. */
static void metric_stem(const char *field, char *stem, size_t cap)
{
	snprintf(stem, cap, "%s", field);
	for (size_t i = 0; i < sizeof(unit_suffixes) / sizeof(unit_suffixes[0]); i++)
		if (ends_with(stem, unit_suffixes[i])) {
			stem[strlen(stem) - strlen(unit_suffixes[i])] = '\0';
			break;
		}
	if (ends_with(stem, "_total"))
		stem[strlen(stem) - strlen("_total")] = '\0';
}

static enum metric_type agg_metric_type(enum agg_rule a)
{
	switch (a) {
	case AGG_SUM_COUNT:
	case AGG_SUM_NS:
	case AGG_SUM_TICKS:
	case AGG_SUM_BYTES:
		return METRIC_COUNTER;
	default:
		return METRIC_GAUGE;
	}
}

static void unit_of(const struct field_desc *d, const char **unit,
		    enum metric_scale *scale)
{
	*scale = SCALE_NONE;
	*unit = "";
	switch (d->unit) {
	case FIELD_UNIT_NS:
		*unit = "seconds";
		*scale = SCALE_NS_TO_SECONDS;
		break;
	case FIELD_UNIT_TICKS:
		*unit = "seconds";
		*scale = SCALE_TICKS_TO_SECONDS;
		break;
	case FIELD_UNIT_BYTES:
		*unit = "bytes";
		break;
	default:
		break;
	}
}

enum measured_family field_measured_family(const struct field_desc *d)
{
	static const char *const block[] = { "blkio_delay_",     "swapin_delay_",
					     "freepages_delay_", "thrashing_delay_",
					     "compact_delay_",   "wpcopy_delay_",
					     "irq_delay_" };
	if (!strncmp(d->name, "cpu_delay_", 10))
		return MEASURED_CPU_DELAY;
	for (size_t i = 0; i < sizeof(block) / sizeof(block[0]); i++)
		if (!strncmp(d->name, block[i], strlen(block[i])))
			return MEASURED_DELAY_BLOCK;
	if (!strncmp(d->name, "hiwater_", 8))
		return MEASURED_XACCT;
	if (!strcmp(d->name, "allocated_bytes") || !strcmp(d->name, "deallocated_bytes"))
		return MEASURED_JEMALLOC;
	return MEASURED_ALWAYS;
}

bool thread_measured(const struct thread_state *t, enum measured_family m)
{
	switch (m) {
	case MEASURED_CPU_DELAY: return t->taskstats_measured && t->cpu_delay_active;
	case MEASURED_DELAY_BLOCK: return t->taskstats_measured && t->delay_block_active;
	case MEASURED_XACCT: return t->taskstats_measured && t->xacct_active;
	case MEASURED_JEMALLOC: return t->jemalloc_measured;
	default: return true;
	}
}

/* Name a field's metric by its AggRule: the rule decides type and shape. */
static void describe_field(const struct field_desc *d, struct metric_desc *m)
{
	char stem[METRIC_NAME_MAX - 24];
	metric_stem(d->name, stem, sizeof(stem));
	m->field = d;
	m->type = agg_metric_type(d->agg);
	m->measured = field_measured_family(d);
	unit_of(d, &m->unit, &m->scale);
	switch (d->agg) {
	case AGG_MODE:
	case AGG_MODE_CHAR:
	case AGG_MODE_BOOL:
		/* ctprof_state_threads{state="S"}: threads holding each value. */
		snprintf(m->family, sizeof(m->family), "ctprof_%s_threads", d->name);
		snprintf(m->label, sizeof(m->label), "%s", d->name);
		break;
	case AGG_AFFINITY:
		snprintf(m->family, sizeof(m->family), "ctprof_cpu_affinity_cpus");
		break;
	default:
		snprintf(m->family, sizeof(m->family), "ctprof_%s%s%s", stem,
			 *m->unit ? "_" : "", m->unit);
	}
	memcpy(m->name, m->family, sizeof(m->name));
	if (m->type == METRIC_COUNTER)
		strncat(m->name, "_total", sizeof(m->name) - strlen(m->name) - 1);
}

void registry_build(struct registry *r)
{
	memset(r, 0, sizeof(*r));
	struct metric_desc *m = &r->metrics[r->len++];
	snprintf(m->family, sizeof(m->family), "ctprof_threads");
	snprintf(m->name, sizeof(m->name), "ctprof_threads");
	m->type = METRIC_GAUGE;
	m->unit = "";
	for (int i = 0; i < THREAD_FIELD_COUNT && r->len < REGISTRY_MAX; i++) {
		const struct field_desc *d = &thread_field_descs[i];
		if (d->agg == AGG_NONE)
			continue;
		describe_field(d, &r->metrics[r->len++]);
	}
}

const struct metric_desc *registry_lookup(const struct registry *r,
					  const char *name)
{
	for (size_t i = 0; i < r->len; i++)
		if (!strcmp(r->metrics[i].name, name))
			return &r->metrics[i];
	return NULL;
}

const char *metric_type_name(enum metric_type t)
{
	return t == METRIC_COUNTER ? "counter" : "gauge";
}
