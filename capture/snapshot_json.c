/*
 * snapshot_json.c - the ctprof snapshot as JSON, in ktstr's serde shape.
 *
 * Owns both directions between struct ctprof_snapshot and the compact JSON
 * serde_json::to_vec writes for CtprofSnapshot. Threads go through
 * thread_field_descs[] (one switch per direction over field_kind); every
 * other struct is described by a small member table below (one switch per
 * direction over member_kind), so key order lives in exactly one place.
 *
 * cJSON keeps numbers as doubles, which cannot hold every u64. Numbers are
 * therefore written as raw decimal text, and on read each number node is
 * tied back to its source text (see assign_number_offsets) and parsed as an
 * exact integer.
 *
 * The writer streams: the top-level object and the threads array and the
 * cgroup map are punctuated here, each piece between is one cJSON tree,
 * printed before the next, so a 10k-thread snapshot never exists as one
 * tree or one string. Threads share one refilled tree (struct
 * thread_template).
 */
#include "snapshot_json.h"

#include <cJSON.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/*
 * cJSON spends ~100 bytes per value. A real snapshot averages ~35 bytes of
 * text per value, so the 256 MiB file cap means < 8M values; refusing more
 * than 16M keeps a hostile "[0,0,0,...]" from costing tens of GiB.
 */
#define SNAPSHOT_JSON_MAX_VALUES (16u << 20)

/* Map keys quoted in error paths are cut here to keep the message short. */
#define ERR_KEY_MAX 64

/* ---- member tables for every struct that is not a thread ---- */

enum member_kind {
	MEMBER_U64,
	MEMBER_U16,
	MEMBER_BOOL,
	MEMBER_STRING,      /* String: NULL is written as "" */
	MEMBER_OPT_STRING,  /* Option<String>: NULL is None */
	MEMBER_OPT_U64,     /* struct opt_u64 */
	MEMBER_OPT_I32,     /* struct opt_i32 */
	MEMBER_U64_MAP,     /* BTreeMap<String, u64> as struct kv_map */
	MEMBER_OPT_STR_MAP, /* Option<BTreeMap<String, String>>; bool at aux */
	MEMBER_CPU_MAP,     /* BTreeMap<usize, String>: keys "0", "1", ... */
	MEMBER_STRUCT,      /* embedded struct described by sub */
	MEMBER_PTR,         /* Option<struct>: pointer, NULL is None */
	MEMBER_THREADS,     /* ctprof_snapshot.threads / nthreads */
	MEMBER_CGROUPS,     /* ctprof_snapshot.cgroups, keyed by path */
};

struct schema;

struct member {
	const char *name;
	enum member_kind kind;
	size_t offset;
	size_t aux;
	const struct schema *sub;
};

struct schema {
	const struct member *members;
	size_t count;
	size_t size;
	/* serde skip_serializing_if on every member (HostContext only) */
	bool omit_absent;
};

#define MEMBER(type, field, kind)                                              \
	{ #field, MEMBER_##kind, offsetof(type, field), 0, NULL }
#define MEMBER_SUB(type, field, kind, sub)                                     \
	{ #field, MEMBER_##kind, offsetof(type, field), 0, &(sub) }

/* read_struct tracks seen keys in a u64 bitmask. */
#define DEFINE_SCHEMA(var, type, array, omit)                                  \
	_Static_assert(ARRAY_SIZE(array) <= 64, #array " too long");         \
	static const struct schema var = { array, ARRAY_SIZE(array),          \
					    sizeof(type), omit }

static const struct member psi_half_members[] = {
	MEMBER(struct psi_half, avg10, U16),
	MEMBER(struct psi_half, avg60, U16),
	MEMBER(struct psi_half, avg300, U16),
	MEMBER(struct psi_half, total_usec, U64),
};
DEFINE_SCHEMA(psi_half_schema, struct psi_half, psi_half_members, false);

static const struct member psi_resource_members[] = {
	MEMBER_SUB(struct psi_resource, some, STRUCT, psi_half_schema),
	MEMBER_SUB(struct psi_resource, full, STRUCT, psi_half_schema),
};
DEFINE_SCHEMA(psi_resource_schema, struct psi_resource, psi_resource_members,
	      false);

static const struct member psi_members[] = {
	MEMBER_SUB(struct psi, cpu, STRUCT, psi_resource_schema),
	MEMBER_SUB(struct psi, memory, STRUCT, psi_resource_schema),
	MEMBER_SUB(struct psi, io, STRUCT, psi_resource_schema),
	MEMBER_SUB(struct psi, irq, STRUCT, psi_resource_schema),
};
DEFINE_SCHEMA(psi_schema, struct psi, psi_members, false);

static const struct member cgroup_cpu_members[] = {
	MEMBER(struct cgroup_cpu_stats, usage_usec, U64),
	MEMBER(struct cgroup_cpu_stats, nr_throttled, U64),
	MEMBER(struct cgroup_cpu_stats, throttled_usec, U64),
	MEMBER(struct cgroup_cpu_stats, max_quota_us, OPT_U64),
	MEMBER(struct cgroup_cpu_stats, max_period_us, U64),
	MEMBER(struct cgroup_cpu_stats, weight, OPT_U64),
	MEMBER(struct cgroup_cpu_stats, weight_nice, OPT_I32),
};
DEFINE_SCHEMA(cgroup_cpu_schema, struct cgroup_cpu_stats, cgroup_cpu_members,
	      false);

static const struct member cgroup_memory_members[] = {
	MEMBER(struct cgroup_memory_stats, current, U64),
	MEMBER(struct cgroup_memory_stats, max, OPT_U64),
	MEMBER(struct cgroup_memory_stats, high, OPT_U64),
	MEMBER(struct cgroup_memory_stats, low, OPT_U64),
	MEMBER(struct cgroup_memory_stats, min, OPT_U64),
	MEMBER(struct cgroup_memory_stats, stat, U64_MAP),
	MEMBER(struct cgroup_memory_stats, events, U64_MAP),
};
DEFINE_SCHEMA(cgroup_memory_schema, struct cgroup_memory_stats,
	      cgroup_memory_members, false);

static const struct member cgroup_pids_members[] = {
	MEMBER(struct cgroup_pids_stats, current, OPT_U64),
	MEMBER(struct cgroup_pids_stats, max, OPT_U64),
};
DEFINE_SCHEMA(cgroup_pids_schema, struct cgroup_pids_stats,
	      cgroup_pids_members, false);

/* path is the map key, not a member. */
static const struct member cgroup_members[] = {
	MEMBER_SUB(struct cgroup_stats, cpu, STRUCT, cgroup_cpu_schema),
	MEMBER_SUB(struct cgroup_stats, memory, STRUCT, cgroup_memory_schema),
	MEMBER_SUB(struct cgroup_stats, pids, STRUCT, cgroup_pids_schema),
	MEMBER_SUB(struct cgroup_stats, psi, STRUCT, psi_schema),
};
DEFINE_SCHEMA(cgroup_schema, struct cgroup_stats, cgroup_members, false);

/* heap_state (the capturing process's own jemalloc) is not modelled. */
static const struct member host_members[] = {
	MEMBER(struct host_context, cpu_model, OPT_STRING),
	MEMBER(struct host_context, cpu_vendor, OPT_STRING),
	MEMBER(struct host_context, total_memory_kib, OPT_U64),
	MEMBER(struct host_context, hugepages_total, OPT_U64),
	MEMBER(struct host_context, hugepages_free, OPT_U64),
	MEMBER(struct host_context, hugepages_size_kib, OPT_U64),
	MEMBER(struct host_context, thp_enabled, OPT_STRING),
	MEMBER(struct host_context, thp_defrag, OPT_STRING),
	{ "sched_tunables", MEMBER_OPT_STR_MAP,
	  offsetof(struct host_context, sched_tunables),
	  offsetof(struct host_context, has_sched_tunables), NULL },
	MEMBER(struct host_context, online_cpus, OPT_U64),
	MEMBER(struct host_context, numa_nodes, OPT_U64),
	MEMBER(struct host_context, cpufreq_governor, CPU_MAP),
	MEMBER(struct host_context, kernel_name, OPT_STRING),
	MEMBER(struct host_context, kernel_release, OPT_STRING),
	MEMBER(struct host_context, arch, OPT_STRING),
	MEMBER(struct host_context, kernel_cmdline, OPT_STRING),
	MEMBER(struct host_context, task_delayacct, OPT_STRING),
	MEMBER(struct host_context, config_task_xacct, OPT_STRING),
};
DEFINE_SCHEMA(host_schema, struct host_context, host_members, true);

static const struct member probe_summary_members[] = {
	MEMBER(struct probe_summary, tgids_walked, U64),
	MEMBER(struct probe_summary, jemalloc_detected, U64),
	MEMBER(struct probe_summary, probed_ok, U64),
	MEMBER(struct probe_summary, failed, U64),
	MEMBER(struct probe_summary, dominant_failure, OPT_STRING),
	MEMBER(struct probe_summary, privilege_dominant, BOOL),
};
DEFINE_SCHEMA(probe_summary_schema, struct probe_summary,
	      probe_summary_members, false);

static const struct member parse_summary_members[] = {
	MEMBER(struct parse_summary, tids_walked, U64),
	MEMBER(struct parse_summary, read_failures, U64),
	MEMBER(struct parse_summary, read_failures_by_file, U64_MAP),
	MEMBER(struct parse_summary, dominant_read_failure, OPT_STRING),
	MEMBER(struct parse_summary, kernel_config_dominant, BOOL),
	MEMBER(struct parse_summary, negative_dotted_values, U64),
};
DEFINE_SCHEMA(parse_summary_schema, struct parse_summary,
	      parse_summary_members, false);

static const struct member taskstats_summary_members[] = {
	MEMBER(struct taskstats_summary, ok_count, U64),
	MEMBER(struct taskstats_summary, eperm_count, U64),
	MEMBER(struct taskstats_summary, esrch_count, U64),
	MEMBER(struct taskstats_summary, other_err_count, U64),
};
DEFINE_SCHEMA(taskstats_summary_schema, struct taskstats_summary,
	      taskstats_summary_members, false);

static const struct member sched_ext_members[] = {
	MEMBER(struct sched_ext_sysfs, state, STRING),
	MEMBER(struct sched_ext_sysfs, switch_all, U64),
	MEMBER(struct sched_ext_sysfs, nr_rejected, U64),
	MEMBER(struct sched_ext_sysfs, hotplug_seq, U64),
	MEMBER(struct sched_ext_sysfs, enable_seq, U64),
};
DEFINE_SCHEMA(sched_ext_schema, struct sched_ext_sysfs, sched_ext_members,
	      false);

static const struct member snapshot_members[] = {
	MEMBER(struct ctprof_snapshot, captured_at_unix_ns, U64),
	MEMBER_SUB(struct ctprof_snapshot, host, PTR, host_schema),
	{ "threads", MEMBER_THREADS, offsetof(struct ctprof_snapshot, threads),
	  0, NULL },
	{ "cgroup_stats", MEMBER_CGROUPS,
	  offsetof(struct ctprof_snapshot, cgroups), 0, NULL },
	MEMBER_SUB(struct ctprof_snapshot, probe_summary, PTR,
		   probe_summary_schema),
	MEMBER_SUB(struct ctprof_snapshot, parse_summary, PTR,
		   parse_summary_schema),
	MEMBER_SUB(struct ctprof_snapshot, taskstats_summary, PTR,
		   taskstats_summary_schema),
	MEMBER_SUB(struct ctprof_snapshot, psi, STRUCT, psi_schema),
	MEMBER_SUB(struct ctprof_snapshot, sched_ext, PTR, sched_ext_schema),
};
DEFINE_SCHEMA(snapshot_schema, struct ctprof_snapshot, snapshot_members,
	      false);

/* ---- writer ---- */

/* Decimal text of v ending at end (exclusive); returns its first char. */
static char *format_u64(char *end, uint64_t v)
{
	*--end = '\0';
	do {
		*--end = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	return end;
}

/* serde writes u64 as exact decimal; a cJSON double cannot, so raw text. */
static cJSON *json_u64(uint64_t v)
{
	char buf[24];

	return cJSON_CreateRaw(format_u64(buf + sizeof(buf), v));
}

/* As format_u64, with a '-' for a negative v (end needs 21 bytes). */
static char *format_i64(char *end, int64_t v)
{
	char *p = format_u64(end, v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v);

	if (v < 0)
		*--p = '-';
	return p;
}

static cJSON *json_i64(int64_t v)
{
	char buf[24];

	return cJSON_CreateRaw(format_i64(buf + sizeof(buf), v));
}

/* The tree never outlives the snapshot, so strings are referenced. */
static cJSON *json_str(const char *s)
{
	return cJSON_CreateStringReference(s ? s : "");
}

/* Keys, like strings, outlive the tree: the CS variant does not copy. */
static int add_member(cJSON *obj, const char *key, cJSON *item)
{
	if (!item)
		return -ENOMEM;
	if (!cJSON_AddItemToObjectCS(obj, key, item)) {
		cJSON_Delete(item);
		return -ENOMEM;
	}
	return 0;
}

static int add_element(cJSON *arr, cJSON *item)
{
	if (!item)
		return -ENOMEM;
	if (!cJSON_AddItemToArray(arr, item)) {
		cJSON_Delete(item);
		return -ENOMEM;
	}
	return 0;
}

static cJSON *cpuset_json(const struct cpuset *c)
{
	cJSON *arr = cJSON_CreateArray();

	for (size_t i = 0; arr && i < c->len; i++) {
		if (add_element(arr, json_u64(c->cpus[i]))) {
			cJSON_Delete(arr);
			return NULL;
		}
	}
	return arr;
}

static cJSON *u64_map_json(const struct kv_map *m)
{
	cJSON *obj = cJSON_CreateObject();

	for (size_t i = 0; obj && i < m->len; i++) {
		const struct kv_u64 *kv = &m->items[i];

		if (add_member(obj, kv->key, json_u64(kv->value))) {
			cJSON_Delete(obj);
			return NULL;
		}
	}
	return obj;
}

static cJSON *str_map_json(const struct str_map *m)
{
	cJSON *obj = cJSON_CreateObject();

	for (size_t i = 0; obj && i < m->len; i++) {
		const struct kv_str *kv = &m->items[i];

		if (add_member(obj, kv->key, json_str(kv->value))) {
			cJSON_Delete(obj);
			return NULL;
		}
	}
	return obj;
}

static cJSON *struct_json(const struct schema *sc, const void *base);

/* Whether a member is None/empty, i.e. left out under skip_serializing_if. */
static bool member_absent(const struct member *m, const void *base)
{
	const void *p = (const char *)base + m->offset;

	switch (m->kind) {
	case MEMBER_OPT_STRING:
		return !*(char *const *)p;
	case MEMBER_OPT_U64:
		return !((const struct opt_u64 *)p)->present;
	case MEMBER_OPT_I32:
		return !((const struct opt_i32 *)p)->present;
	case MEMBER_OPT_STR_MAP:
		return !*(const bool *)((const char *)base + m->aux);
	case MEMBER_CPU_MAP:
		return !((const struct str_map *)p)->len;
	default:
		return false;
	}
}

static cJSON *member_json(const struct member *m, const void *base)
{
	const void *p = (const char *)base + m->offset;

	switch (m->kind) {
	case MEMBER_U64:
		return json_u64(*(const uint64_t *)p);
	case MEMBER_U16:
		return json_u64(*(const uint16_t *)p);
	case MEMBER_BOOL:
		return cJSON_CreateBool(*(const bool *)p);
	case MEMBER_STRING:
		return json_str(*(char *const *)p);
	case MEMBER_OPT_STRING:
		return *(char *const *)p ? json_str(*(char *const *)p)
					 : cJSON_CreateNull();
	case MEMBER_OPT_U64: {
		const struct opt_u64 *o = p;
		return o->present ? json_u64(o->value) : cJSON_CreateNull();
	}
	case MEMBER_OPT_I32: {
		const struct opt_i32 *o = p;
		return o->present ? json_i64(o->value) : cJSON_CreateNull();
	}
	case MEMBER_U64_MAP:
		return u64_map_json(p);
	case MEMBER_OPT_STR_MAP:
		return member_absent(m, base) ? cJSON_CreateNull()
					      : str_map_json(p);
	case MEMBER_CPU_MAP:
		return str_map_json(p);
	case MEMBER_STRUCT:
		return struct_json(m->sub, p);
	case MEMBER_PTR: {
		const void *ptr = *(void *const *)p;
		return ptr ? struct_json(m->sub, ptr) : cJSON_CreateNull();
	}
	case MEMBER_THREADS:
	case MEMBER_CGROUPS:
		/* top level only, and streamed there piece by piece */
		return NULL;
	}
	return NULL;
}

static cJSON *struct_json(const struct schema *sc, const void *base)
{
	cJSON *obj = cJSON_CreateObject();

	for (size_t i = 0; obj && i < sc->count; i++) {
		const struct member *m = &sc->members[i];

		if (sc->omit_absent && member_absent(m, base))
			continue;
		if (add_member(obj, m->name, member_json(m, base))) {
			cJSON_Delete(obj);
			return NULL;
		}
	}
	return obj;
}

/* ---- threads: one object, refilled ---- */

/*
 * Every thread object has the same keys in the same order, so one cJSON
 * object is built per writer pass and refilled for each thread: no
 * allocation per value, which was most of the writer's time. Scalar nodes
 * are references (cJSON_IsReference: cJSON neither copies nor frees their
 * valuestring): numbers and the state char point into text[], strings at
 * the thread's own. The cpuset and the smaps map get new children.
 */
struct thread_template {
	cJSON *obj;
	cJSON *node[THREAD_FIELD_COUNT];
	char text[THREAD_FIELD_COUNT][24];
};

static cJSON *template_node(enum field_kind kind)
{
	cJSON *n;

	switch (kind) {
	case FIELD_KIND_BOOL:
		return cJSON_CreateFalse();
	case FIELD_KIND_CPUSET:
		return cJSON_CreateArray();
	case FIELD_KIND_KIBMAP:
		return cJSON_CreateObject();
	default:
		break;
	}
	n = cJSON_CreateNull();
	if (n)
		n->type = cJSON_IsReference |
			  (kind == FIELD_KIND_STR || kind == FIELD_KIND_CHAR ?
				   cJSON_String : cJSON_Raw);
	return n;
}

/* 0 / -ENOMEM; either way tp->obj (maybe NULL) is the caller's to delete. */
static int template_init(struct thread_template *tp)
{
	tp->obj = cJSON_CreateObject();
	for (size_t i = 0; tp->obj && i < THREAD_FIELD_COUNT; i++) {
		tp->node[i] = template_node(thread_field_descs[i].kind);
		if (add_member(tp->obj, thread_field_descs[i].name, tp->node[i]))
			return -ENOMEM;
	}
	return tp->obj ? 0 : -ENOMEM;
}

/* n's children become those of fresh (built anew; freed here). */
static int adopt_children(cJSON *n, cJSON *fresh)
{
	if (!fresh)
		return -ENOMEM;
	cJSON_Delete(n->child);
	n->child = fresh->child;
	fresh->child = NULL;
	cJSON_Delete(fresh);
	return 0;
}

static int template_fill_field(struct thread_template *tp, size_t i,
			       const struct thread_state *t)
{
	const struct field_desc *d = &thread_field_descs[i];
	const void *p = (const char *)t + d->offset;
	char *end = tp->text[i] + sizeof(tp->text[i]);
	cJSON *n = tp->node[i];

	switch (d->kind) {
	case FIELD_KIND_U32:
		n->valuestring = format_u64(end, *(const uint32_t *)p);
		return 0;
	case FIELD_KIND_U64:
		n->valuestring = format_u64(end, *(const uint64_t *)p);
		return 0;
	case FIELD_KIND_I32:
		n->valuestring = format_i64(end, *(const int32_t *)p);
		return 0;
	case FIELD_KIND_STR:
		n->valuestring = *(char *const *)p ? *(char *const *)p : (char *)"";
		return 0;
	case FIELD_KIND_CHAR:
		/* A zeroed, never-initialised state is the absent sentinel. */
		tp->text[i][0] = *(const char *)p ? *(const char *)p
						  : CTPROF_STATE_ABSENT;
		tp->text[i][1] = '\0';
		n->valuestring = tp->text[i];
		return 0;
	case FIELD_KIND_BOOL:
		/* the flags above the type byte (a constant key) stay */
		n->type = (n->type & ~0xFF) |
			  (*(const bool *)p ? cJSON_True : cJSON_False);
		return 0;
	case FIELD_KIND_CPUSET:
		return adopt_children(n, cpuset_json(p));
	case FIELD_KIND_KIBMAP:
		return adopt_children(n, u64_map_json(p));
	}
	return -EINVAL;
}

static int template_fill(struct thread_template *tp, const struct thread_state *t)
{
	int rc = 0;

	for (size_t i = 0; !rc && i < THREAD_FIELD_COUNT; i++)
		rc = template_fill_field(tp, i, t);
	return rc;
}

/* ---- streaming the snapshot ---- */

/* Room offered to cJSON for one piece; doubled (and kept) on a miss. */
#define PIECE_ROOM_MIN (4u << 10)

/*
 * One writer pass. Only one piece (a thread, a cgroup, a summary) exists as
 * a cJSON tree at a time, and the stage holds at most one chunk of text, so
 * neither the whole tree nor the whole text ever does (at 10k threads the
 * two were ~140 MB). Chunks keep the sink's (zstd's) calls few.
 */
struct json_stream {
	snapshot_json_sink sink;
	void *ctx;
	struct strbuf stage;
	size_t room;
	bool sink_failed; /* the sink, not this file, set the error */
};

static int stream_flush(struct json_stream *w)
{
	int rc;

	if (!w->stage.len)
		return 0;
	rc = w->sink(w->ctx, w->stage.buf, w->stage.len);
	if (rc)
		w->sink_failed = true;
	strbuf_reset(&w->stage);
	return rc;
}

static int stream_flush_full(struct json_stream *w)
{
	return w->stage.len >= SNAPSHOT_JSON_CHUNK ? stream_flush(w) : 0;
}

/* Punctuation between pieces: the same bytes cJSON prints unformatted. */
static int stream_raw(struct json_stream *w, const char *text)
{
	if (strbuf_adds(&w->stage, text))
		return -ENOMEM;
	return stream_flush_full(w);
}

/*
 * Print item with cJSON straight into the stage. Printing into a given
 * buffer, cJSON fails a print that does not fit (it does not allocate):
 * the partial text is dropped and the print retried with twice the room.
 */
static int print_piece(struct json_stream *w, cJSON *item)
{
	for (;;) {
		char *at;

		if (w->room > INT_MAX / 2 || strbuf_grow(&w->stage, w->room))
			return -ENOMEM;
		at = w->stage.buf + w->stage.len;
		if (cJSON_PrintPreallocated(item, at, (int)w->room, false)) {
			w->stage.len += strlen(at);
			return 0;
		}
		w->stage.buf[w->stage.len] = '\0';
		w->room *= 2;
	}
}

/* item is taken over (deleted here); NULL means it ran out of memory. */
static int stream_piece(struct json_stream *w, cJSON *item)
{
	int rc;

	if (!item)
		return -ENOMEM;
	rc = print_piece(w, item);
	cJSON_Delete(item);
	return rc ? rc : stream_flush_full(w);
}

/* ',' unless first, then "key": with cJSON's escaping (cgroup paths). */
static int stream_key(struct json_stream *w, const char *key, bool first)
{
	int rc = first ? 0 : stream_raw(w, ",");

	if (!rc)
		rc = stream_piece(w, cJSON_CreateStringReference(key));
	return rc ? rc : stream_raw(w, ":");
}

static int stream_thread(struct json_stream *w, struct thread_template *tp,
			 const struct thread_state *t)
{
	int rc = template_fill(tp, t);

	if (!rc)
		rc = print_piece(w, tp->obj);
	return rc ? rc : stream_flush_full(w);
}

static int stream_threads(struct json_stream *w, const struct ctprof_snapshot *s)
{
	struct thread_template tp;
	int rc = template_init(&tp);

	if (!rc)
		rc = stream_raw(w, "[");
	for (size_t i = 0; !rc && i < s->nthreads; i++) {
		if (i)
			rc = stream_raw(w, ",");
		if (!rc)
			rc = stream_thread(w, &tp, &s->threads[i]);
	}
	cJSON_Delete(tp.obj);
	return rc ? rc : stream_raw(w, "]");
}

/* s->cgroups is kept sorted by path, which is BTreeMap order. */
static int stream_cgroups(struct json_stream *w, const struct ctprof_snapshot *s)
{
	int rc = stream_raw(w, "{");

	for (size_t i = 0; !rc && i < s->ncgroups; i++) {
		const struct cgroup_stats *c = &s->cgroups[i];

		rc = stream_key(w, c->path ? c->path : "", i == 0);
		if (!rc)
			rc = stream_piece(w, struct_json(&cgroup_schema, c));
	}
	return rc ? rc : stream_raw(w, "}");
}

static int stream_member(struct json_stream *w, const struct member *m,
			 const struct ctprof_snapshot *s)
{
	switch (m->kind) {
	case MEMBER_THREADS:
		return stream_threads(w, s);
	case MEMBER_CGROUPS:
		return stream_cgroups(w, s);
	default:
		return stream_piece(w, member_json(m, s));
	}
}

/* The snapshot object as struct_json would print it, member by member. */
static int stream_snapshot(struct json_stream *w, const struct ctprof_snapshot *s)
{
	const struct schema *sc = &snapshot_schema;
	bool first = true;
	int rc = stream_raw(w, "{");

	for (size_t i = 0; !rc && i < sc->count; i++) {
		const struct member *m = &sc->members[i];

		if (sc->omit_absent && member_absent(m, s))
			continue;
		rc = stream_key(w, m->name, first);
		first = false;
		if (!rc)
			rc = stream_member(w, m, s);
	}
	if (!rc)
		rc = stream_raw(w, "}");
	return rc ? rc : stream_flush(w);
}

int snapshot_write_json(const struct ctprof_snapshot *s, snapshot_json_sink sink,
			void *ctx, struct strbuf *err)
{
	struct json_stream w = { sink, ctx, STRBUF_INIT, PIECE_ROOM_MIN, false };
	int rc = stream_snapshot(&w, s);

	strbuf_release(&w.stage);
	if (rc && !w.sink_failed)
		strbuf_set_line(err, "out of memory while writing snapshot JSON");
	return rc;
}

static int strbuf_sink(void *ctx, const char *data, size_t len)
{
	return strbuf_add(ctx, data, len);
}

int snapshot_to_json(const struct ctprof_snapshot *s, struct strbuf *out,
		     struct strbuf *err)
{
	int rc;

	strbuf_reset(out);
	rc = snapshot_write_json(s, strbuf_sink, out, err);
	/* the sink fails only for want of memory, and leaves err to us */
	if (rc)
		strbuf_set_line(err, "out of memory while writing snapshot JSON");
	return rc;
}

/* ---- lexical pass over the source text ---- */

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* The characters cJSON hands to strtod for one number. */
static bool is_number_char(char c)
{
	return is_digit(c) || c == '-' || c == '+' || c == '.' || c == 'e' ||
	       c == 'E';
}

static size_t number_token_len(const char *s, size_t avail)
{
	size_t n = 0;

	while (n < avail && is_number_char(s[n]))
		n++;
	return n;
}

/* RFC 8259 number grammar; cJSON alone would also take "01" or "1.". */
static bool json_number_valid(const char *s, size_t n)
{
	size_t i = 0;

	if (i < n && s[i] == '-')
		i++;
	if (i >= n || !is_digit(s[i]))
		return false;
	if (s[i] == '0')
		i++;
	else
		while (i < n && is_digit(s[i]))
			i++;
	if (i < n && s[i] == '.') {
		if (++i >= n || !is_digit(s[i]))
			return false;
		while (i < n && is_digit(s[i]))
			i++;
	}
	if (i < n && (s[i] == 'e' || s[i] == 'E')) {
		if (++i < n && (s[i] == '+' || s[i] == '-'))
			i++;
		if (i >= n || !is_digit(s[i]))
			return false;
		while (i < n && is_digit(s[i]))
			i++;
	}
	return i == n;
}

/* i is at an opening quote; returns the index past the closing one. */
static size_t skip_string(const char *text, size_t len, size_t i)
{
	for (i++; i < len; i++) {
		if (text[i] == '\\')
			i++;
		else if (text[i] == '"')
			return i + 1;
	}
	return len;
}

/* Find the next number token outside strings at or after *pos. */
static bool next_number(const char *text, size_t len, size_t *pos,
			size_t *start)
{
	size_t i = *pos;

	while (i < len) {
		char c = text[i];

		if (c == '"') {
			i = skip_string(text, len, i);
			continue;
		}
		if (c == '-' || is_digit(c)) {
			*start = i;
			*pos = i + number_token_len(text + i, len - i);
			return true;
		}
		i++;
	}
	*pos = len;
	return false;
}

/*
 * Before cJSON allocates anything: every number token must be valid JSON,
 * and the value count (commas and openers bound it) must fit the budget.
 */
static int prescan(const char *text, size_t len, struct strbuf *err)
{
	size_t values = 1;

	for (size_t i = 0; i < len;) {
		char c = text[i];

		if (c == '"') {
			i = skip_string(text, len, i);
			continue;
		}
		if (c == '-' || is_digit(c)) {
			size_t n = number_token_len(text + i, len - i);

			if (!json_number_valid(text + i, n)) {
				strbuf_set_line(err,
					  "invalid JSON number at byte %zu", i);
				return -EINVAL;
			}
			i += n;
			continue;
		}
		if (c == ',' || c == '[' || c == '{')
			values++;
		i++;
	}
	if (values > SNAPSHOT_JSON_MAX_VALUES) {
		strbuf_set_line(err, "too many JSON values (more than %u)",
			  SNAPSHOT_JSON_MAX_VALUES);
		return -EINVAL;
	}
	return 0;
}

/*
 * cJSON's number nodes appear in the tree in document order, as do the
 * number tokens in the text; pair them and keep each token's byte offset in
 * the node's valueint (the double is never used). Depth is bounded by cJSON's
 * nesting limit.
 */
static int assign_number_offsets(const char *text, size_t len, cJSON *node,
				 size_t *pos)
{
	for (; node; node = node->next) {
		size_t start;

		if (cJSON_IsNumber(node)) {
			if (!next_number(text, len, pos, &start))
				return -EINVAL;
			node->valueint = (int)start;
		} else if (cJSON_IsArray(node) || cJSON_IsObject(node)) {
			if (assign_number_offsets(text, len, node->child, pos))
				return -EINVAL;
		}
	}
	return 0;
}

static bool is_json_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/* ---- reader ---- */

struct json_reader {
	const char *text;
	size_t len;
	struct strbuf path; /* key path of the value being read */
	struct strbuf *err;
	uint8_t by_name[THREAD_FIELD_COUNT]; /* thread field ids, name order */
};

_Static_assert(THREAD_FIELD_COUNT <= UINT8_MAX, "by_name holds uint8_t ids");
_Static_assert(THREAD_FIELD_COUNT <= 128, "seen bitmap is two u64");

static int reader_fail(struct json_reader *r, int rc, const char *msg)
{
	if (rc == -ENOMEM)
		msg = "out of memory";
	strbuf_set_line(r->err, "%s: %s", r->path.len ? r->path.buf : "top level",
		  msg);
	return rc;
}

/* Path bookkeeping is best effort: a failed append only shortens messages. */
static size_t path_push_key(struct json_reader *r, const char *key)
{
	size_t mark = r->path.len;

	if (mark)
		strbuf_addch(&r->path, '.');
	strbuf_adds(&r->path, key);
	return mark;
}

static size_t path_push_index(struct json_reader *r, size_t i)
{
	size_t mark = r->path.len;

	strbuf_addf(&r->path, "[%zu]", i);
	return mark;
}

static size_t path_push_map_key(struct json_reader *r, const char *key)
{
	size_t mark = r->path.len;
	size_t n = strlen(key);

	strbuf_addf(&r->path, "[%.*s%s]", ERR_KEY_MAX, key,
		    n > ERR_KEY_MAX ? "..." : "");
	return mark;
}

static void path_pop(struct json_reader *r, size_t mark)
{
	if (mark > r->path.len)
		return;
	r->path.len = mark;
	if (r->path.alloc)
		r->path.buf[mark] = '\0';
}

enum int_parse {
	INT_OK,
	INT_NOT_INTEGER,
	INT_OVERFLOW,
};

/* Digits only: "-1", "1.5" and "1e3" are not unsigned integers. */
static enum int_parse parse_digits(const char *s, size_t n, uint64_t *out)
{
	uint64_t v = 0;

	if (!n)
		return INT_NOT_INTEGER;
	for (size_t i = 0; i < n; i++)
		if (!is_digit(s[i]))
			return INT_NOT_INTEGER;
	for (size_t i = 0; i < n; i++) {
		unsigned d = (unsigned)(s[i] - '0');

		if (v > (UINT64_MAX - d) / 10)
			return INT_OVERFLOW;
		v = v * 10 + d;
	}
	*out = v;
	return INT_OK;
}

static const char *number_text(const struct json_reader *r, const cJSON *item,
			       size_t *n)
{
	size_t off = (size_t)item->valueint;

	*n = number_token_len(r->text + off, r->len - off);
	return r->text + off;
}

static int read_unsigned(struct json_reader *r, const cJSON *item,
			 uint64_t max, uint64_t *out)
{
	const char *s;
	size_t n;
	uint64_t v;

	if (!cJSON_IsNumber(item))
		return reader_fail(r, -EINVAL, "expected unsigned integer");
	s = number_text(r, item, &n);
	switch (parse_digits(s, n, &v)) {
	case INT_NOT_INTEGER:
		return reader_fail(r, -EINVAL, "expected unsigned integer");
	case INT_OVERFLOW:
		return reader_fail(r, -EINVAL, "integer out of range");
	case INT_OK:
		break;
	}
	if (v > max)
		return reader_fail(r, -EINVAL, "integer out of range");
	*out = v;
	return 0;
}

static int read_i32(struct json_reader *r, const cJSON *item, int32_t *out)
{
	const char *s;
	size_t n;
	uint64_t mag;
	bool neg;

	if (!cJSON_IsNumber(item))
		return reader_fail(r, -EINVAL, "expected integer");
	s = number_text(r, item, &n);
	neg = n && s[0] == '-';
	switch (parse_digits(s + neg, n - neg, &mag)) {
	case INT_NOT_INTEGER:
		return reader_fail(r, -EINVAL, "expected integer");
	case INT_OVERFLOW:
		return reader_fail(r, -EINVAL, "integer out of range");
	case INT_OK:
		break;
	}
	if (mag > (neg ? (uint64_t)INT32_MAX + 1 : (uint64_t)INT32_MAX))
		return reader_fail(r, -EINVAL, "integer out of range");
	*out = neg ? (int32_t)(0 - (int64_t)mag) : (int32_t)mag;
	return 0;
}

static int read_u64(struct json_reader *r, const cJSON *item, uint64_t *out)
{
	return read_unsigned(r, item, UINT64_MAX, out);
}

static int read_u32(struct json_reader *r, const cJSON *item, uint32_t *out)
{
	uint64_t v;
	int rc = read_unsigned(r, item, UINT32_MAX, &v);

	if (!rc)
		*out = (uint32_t)v;
	return rc;
}

static int read_u16(struct json_reader *r, const cJSON *item, uint16_t *out)
{
	uint64_t v;
	int rc = read_unsigned(r, item, UINT16_MAX, &v);

	if (!rc)
		*out = (uint16_t)v;
	return rc;
}

static int read_bool(struct json_reader *r, const cJSON *item, bool *out)
{
	if (!cJSON_IsBool(item))
		return reader_fail(r, -EINVAL, "expected boolean");
	*out = cJSON_IsTrue(item);
	return 0;
}

/* Replaces *dst (which may hold a default) with a copy of the string. */
static int read_string(struct json_reader *r, const cJSON *item, char **dst)
{
	char *dup;

	if (!cJSON_IsString(item))
		return reader_fail(r, -EINVAL, "expected string");
	dup = strdup(item->valuestring);
	if (!dup)
		return reader_fail(r, -ENOMEM, NULL);
	free(*dst);
	*dst = dup;
	return 0;
}

/* Rust char; the C model holds one byte, so one byte it must be. */
static int read_char(struct json_reader *r, const cJSON *item, char *out)
{
	if (!cJSON_IsString(item) || strlen(item->valuestring) != 1)
		return reader_fail(r, -EINVAL,
				   "expected a one-character string");
	*out = item->valuestring[0];
	return 0;
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

/* The model keeps cpusets sorted and unique whatever the file says. */
static int read_cpuset(struct json_reader *r, const cJSON *arr,
		       struct cpuset *out)
{
	size_t n = 0, m = 0;
	uint32_t *cpus;
	const cJSON *c;

	if (!cJSON_IsArray(arr))
		return reader_fail(r, -EINVAL, "expected array");
	for (c = arr->child; c; c = c->next)
		n++;
	cpuset_release(out);
	if (!n)
		return 0;
	cpus = malloc(n * sizeof(*cpus));
	if (!cpus)
		return reader_fail(r, -ENOMEM, NULL);
	for (c = arr->child; c; c = c->next, m++) {
		size_t mark = path_push_index(r, m);
		int rc = read_u32(r, c, &cpus[m]);

		if (rc) {
			free(cpus);
			return rc;
		}
		path_pop(r, mark);
	}
	qsort(cpus, n, sizeof(*cpus), cmp_u32);
	m = 1;
	for (size_t i = 1; i < n; i++)
		if (cpus[i] != cpus[m - 1])
			cpus[m++] = cpus[i];
	out->cpus = cpus;
	out->len = m;
	return 0;
}

/* An object member with its position, so equal keys keep document order. */
struct entry {
	const cJSON *item;
	size_t pos;
};

static int entry_cmp_bytes(const void *a, const void *b)
{
	const struct entry *x = a, *y = b;
	int c = strcmp(x->item->string, y->item->string);

	if (c)
		return c;
	return x->pos < y->pos ? -1 : x->pos > y->pos;
}

/* str_map_set_numeric's order: shorter decimal strings first. */
static int entry_cmp_numeric(const void *a, const void *b)
{
	const struct entry *x = a, *y = b;
	size_t lx = strlen(x->item->string), ly = strlen(y->item->string);

	if (lx != ly)
		return lx < ly ? -1 : 1;
	return entry_cmp_bytes(a, b);
}

/*
 * The members of obj in map order, duplicates resolved as serde's BTreeMap
 * does (the last one wins). Inserting in order keeps every sorted-map insert
 * an append, so a hostile unsorted map costs n log n, not n^2.
 */
static int sorted_entries(struct json_reader *r, const cJSON *obj,
			  int (*cmp)(const void *, const void *),
			  struct entry **out, size_t *count)
{
	size_t n = 0, m = 0;
	struct entry *e;
	const cJSON *c;

	*out = NULL;
	*count = 0;
	if (!cJSON_IsObject(obj))
		return reader_fail(r, -EINVAL, "expected object");
	for (c = obj->child; c; c = c->next)
		n++;
	if (!n)
		return 0;
	e = malloc(n * sizeof(*e));
	if (!e)
		return reader_fail(r, -ENOMEM, NULL);
	for (c = obj->child; c; c = c->next, m++)
		e[m] = (struct entry){ c, m };
	qsort(e, n, sizeof(*e), cmp);
	m = 0;
	for (size_t i = 0; i < n; i++) {
		const char *key = e[i].item->string;

		if (i + 1 == n || strcmp(key, e[i + 1].item->string))
			e[m++] = e[i];
	}
	*out = e;
	*count = m;
	return 0;
}

static int read_u64_map(struct json_reader *r, const cJSON *obj,
			struct kv_map *map)
{
	struct entry *e;
	size_t n;
	int rc = sorted_entries(r, obj, entry_cmp_bytes, &e, &n);

	for (size_t i = 0; !rc && i < n; i++) {
		const char *key = e[i].item->string;
		size_t mark = path_push_map_key(r, key);
		uint64_t v;

		rc = read_u64(r, e[i].item, &v);
		if (!rc && kv_map_set(map, key, v))
			rc = reader_fail(r, -ENOMEM, NULL);
		if (!rc)
			path_pop(r, mark);
	}
	free(e);
	return rc;
}

/* A usize key as serde writes it: decimal, no sign, no leading zero. */
static bool cpu_key_valid(const char *key)
{
	uint64_t v;
	size_t n = strlen(key);

	if (n > 1 && key[0] == '0')
		return false;
	return parse_digits(key, n, &v) == INT_OK;
}

static int read_str_entry(struct json_reader *r, const cJSON *item,
			  struct str_map *map, bool numeric)
{
	const char *key = item->string;

	if (numeric && !cpu_key_valid(key))
		return reader_fail(r, -EINVAL, "expected a CPU number key");
	if (!cJSON_IsString(item))
		return reader_fail(r, -EINVAL, "expected string");
	if ((numeric ? str_map_set_numeric : str_map_set)(map, key,
							  item->valuestring))
		return reader_fail(r, -ENOMEM, NULL);
	return 0;
}

static int read_str_map(struct json_reader *r, const cJSON *obj,
			struct str_map *map, bool numeric)
{
	struct entry *e;
	size_t n;
	int rc = sorted_entries(r, obj,
				numeric ? entry_cmp_numeric : entry_cmp_bytes,
				&e, &n);

	for (size_t i = 0; !rc && i < n; i++) {
		size_t mark = path_push_map_key(r, e[i].item->string);

		rc = read_str_entry(r, e[i].item, map, numeric);
		if (!rc)
			path_pop(r, mark);
	}
	free(e);
	return rc;
}

static int read_thread_field(struct json_reader *r, const struct field_desc *d,
			     const cJSON *item, struct thread_state *t)
{
	void *p = (char *)t + d->offset;

	switch (d->kind) {
	case FIELD_KIND_U32:
		return read_u32(r, item, p);
	case FIELD_KIND_U64:
		return read_u64(r, item, p);
	case FIELD_KIND_I32:
		return read_i32(r, item, p);
	case FIELD_KIND_STR:
		return read_string(r, item, p);
	case FIELD_KIND_CHAR:
		return read_char(r, item, p);
	case FIELD_KIND_BOOL:
		return read_bool(r, item, p);
	case FIELD_KIND_CPUSET:
		return read_cpuset(r, item, p);
	case FIELD_KIND_KIBMAP:
		return read_u64_map(r, item, p);
	}
	return reader_fail(r, -EINVAL, "unknown field kind");
}

static int field_name_cmp(const void *a, const void *b)
{
	return strcmp(thread_field_descs[*(const uint8_t *)a].name,
		      thread_field_descs[*(const uint8_t *)b].name);
}

static void build_field_index(struct json_reader *r)
{
	for (size_t i = 0; i < THREAD_FIELD_COUNT; i++)
		r->by_name[i] = (uint8_t)i;
	qsort(r->by_name, THREAD_FIELD_COUNT, sizeof(r->by_name[0]),
	      field_name_cmp);
}

/* Keys normally arrive in table order, so try the one after the last hit. */
static int thread_field_lookup(const struct json_reader *r, const char *key,
			       size_t hint)
{
	size_t lo = 0, hi = THREAD_FIELD_COUNT;

	if (hint < THREAD_FIELD_COUNT &&
	    !strcmp(thread_field_descs[hint].name, key))
		return (int)hint;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp(thread_field_descs[r->by_name[mid]].name, key);

		if (!c)
			return r->by_name[mid];
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return -1;
}

static int read_thread(struct json_reader *r, const cJSON *obj,
		       struct thread_state *t)
{
	uint64_t seen[2] = { 0, 0 };
	size_t hint = 0;

	if (!cJSON_IsObject(obj))
		return reader_fail(r, -EINVAL, "expected object");
	for (const cJSON *c = obj->child; c; c = c->next) {
		int id = thread_field_lookup(r, c->string, hint);
		size_t mark;
		int rc;

		if (id < 0)
			continue;
		hint = (size_t)id + 1;
		mark = path_push_key(r, c->string);
		if (seen[id / 64] & (1ull << (id % 64)))
			return reader_fail(r, -EINVAL, "duplicate key");
		seen[id / 64] |= 1ull << (id % 64);
		rc = read_thread_field(r, &thread_field_descs[id], c, t);
		if (rc)
			return rc;
		path_pop(r, mark);
	}
	return 0;
}

static int read_threads(struct json_reader *r, const cJSON *arr,
			struct ctprof_snapshot *s)
{
	size_t i = 0;

	if (!cJSON_IsArray(arr))
		return reader_fail(r, -EINVAL, "expected array");
	for (const cJSON *c = arr->child; c; c = c->next, i++) {
		size_t mark = path_push_index(r, i);
		struct thread_state t;
		int rc;

		if (thread_state_init(&t))
			return reader_fail(r, -ENOMEM, NULL);
		rc = read_thread(r, c, &t);
		if (!rc && snapshot_push_thread(s, &t))
			rc = reader_fail(r, -ENOMEM, NULL);
		if (rc) {
			thread_state_release(&t);
			return rc;
		}
		path_pop(r, mark);
	}
	return 0;
}

static int read_struct(struct json_reader *r, const cJSON *obj,
		       const struct schema *sc, void *base);

/* Read into a scratch entry first: a duplicate path replaces, not merges. */
static int read_cgroup(struct json_reader *r, const cJSON *item,
		       struct ctprof_snapshot *s)
{
	struct cgroup_stats tmp, *slot;
	int rc;

	cgroup_stats_init(&tmp);
	rc = read_struct(r, item, &cgroup_schema, &tmp);
	if (rc)
		goto out_release_tmp;
	slot = snapshot_add_cgroup(s, item->string);
	if (!slot) {
		rc = reader_fail(r, -ENOMEM, NULL);
		goto out_release_tmp;
	}
	tmp.path = slot->path;
	slot->path = NULL;
	cgroup_stats_release(slot);
	*slot = tmp;
	return 0;

out_release_tmp:
	cgroup_stats_release(&tmp);
	return rc;
}

static int read_cgroups(struct json_reader *r, const cJSON *obj,
			struct ctprof_snapshot *s)
{
	struct entry *e;
	size_t n;
	int rc = sorted_entries(r, obj, entry_cmp_bytes, &e, &n);

	for (size_t i = 0; !rc && i < n; i++) {
		size_t mark = path_push_map_key(r, e[i].item->string);

		rc = read_cgroup(r, e[i].item, s);
		if (!rc)
			path_pop(r, mark);
	}
	free(e);
	return rc;
}

/* The pointer is stored before reading so a failure releases it with s. */
static int read_ptr(struct json_reader *r, const cJSON *item,
		    const struct schema *sc, void **slot)
{
	if (cJSON_IsNull(item))
		return 0;
	if (!cJSON_IsObject(item))
		return reader_fail(r, -EINVAL, "expected object or null");
	*slot = calloc(1, sc->size);
	if (!*slot)
		return reader_fail(r, -ENOMEM, NULL);
	return read_struct(r, item, sc, *slot);
}

static int read_opt_u64(struct json_reader *r, const cJSON *item,
			struct opt_u64 *o)
{
	o->present = false;
	o->value = 0;
	if (cJSON_IsNull(item))
		return 0;
	o->present = true;
	return read_u64(r, item, &o->value);
}

static int read_opt_i32(struct json_reader *r, const cJSON *item,
			struct opt_i32 *o)
{
	o->present = false;
	o->value = 0;
	if (cJSON_IsNull(item))
		return 0;
	o->present = true;
	return read_i32(r, item, &o->value);
}

static int read_opt_string(struct json_reader *r, const cJSON *item,
			   char **dst)
{
	if (!cJSON_IsNull(item))
		return read_string(r, item, dst);
	free(*dst);
	*dst = NULL;
	return 0;
}

static int read_opt_str_map(struct json_reader *r, const cJSON *item,
			    struct str_map *map, bool *present)
{
	*present = !cJSON_IsNull(item);
	if (!*present)
		return 0;
	return read_str_map(r, item, map, false);
}

static int read_member(struct json_reader *r, const struct member *m,
		       const cJSON *item, void *base)
{
	void *p = (char *)base + m->offset;

	switch (m->kind) {
	case MEMBER_U64:
		return read_u64(r, item, p);
	case MEMBER_U16:
		return read_u16(r, item, p);
	case MEMBER_BOOL:
		return read_bool(r, item, p);
	case MEMBER_STRING:
		return read_string(r, item, p);
	case MEMBER_OPT_STRING:
		return read_opt_string(r, item, p);
	case MEMBER_OPT_U64:
		return read_opt_u64(r, item, p);
	case MEMBER_OPT_I32:
		return read_opt_i32(r, item, p);
	case MEMBER_U64_MAP:
		return read_u64_map(r, item, p);
	case MEMBER_OPT_STR_MAP:
		return read_opt_str_map(r, item, p,
					(bool *)((char *)base + m->aux));
	case MEMBER_CPU_MAP:
		return read_str_map(r, item, p, true);
	case MEMBER_STRUCT:
		return read_struct(r, item, m->sub, p);
	case MEMBER_PTR:
		return read_ptr(r, item, m->sub, p);
	case MEMBER_THREADS:
		return read_threads(r, item, base);
	case MEMBER_CGROUPS:
		return read_cgroups(r, item, base);
	}
	return reader_fail(r, -EINVAL, "unknown member kind");
}

static int schema_find(const struct schema *sc, const char *key)
{
	for (size_t i = 0; i < sc->count; i++)
		if (!strcmp(sc->members[i].name, key))
			return (int)i;
	return -1;
}

/* A missing String member reads as "" (its serde default), never NULL. */
static int fill_string_defaults(struct json_reader *r, const struct schema *sc,
				void *base)
{
	for (size_t i = 0; i < sc->count; i++) {
		char **p = (char **)((char *)base + sc->members[i].offset);

		if (sc->members[i].kind != MEMBER_STRING || *p)
			continue;
		*p = strdup("");
		if (!*p)
			return reader_fail(r, -ENOMEM, NULL);
	}
	return 0;
}

static int read_struct(struct json_reader *r, const cJSON *obj,
		       const struct schema *sc, void *base)
{
	uint64_t seen = 0;

	if (!cJSON_IsObject(obj))
		return reader_fail(r, -EINVAL, "expected object");
	for (const cJSON *c = obj->child; c; c = c->next) {
		int i = schema_find(sc, c->string);
		size_t mark;
		int rc;

		if (i < 0)
			continue;
		mark = path_push_key(r, c->string);
		if (seen & (1ull << i))
			return reader_fail(r, -EINVAL, "duplicate key");
		seen |= 1ull << i;
		rc = read_member(r, &sc->members[i], c, base);
		if (rc)
			return rc;
		path_pop(r, mark);
	}
	return fill_string_defaults(r, sc, base);
}

/* Parse the text into a cJSON tree whose number nodes know their text. */
static int parse_tree(const char *json, size_t len, cJSON **root,
		      struct strbuf *err)
{
	const char *end = NULL;
	size_t pos = 0, ignored;
	int rc;

	/* number nodes carry their byte offset in an int (valueint) */
	if (len > INT_MAX) {
		strbuf_set_line(err, "JSON text too large (%zu bytes)", len);
		return -EINVAL;
	}
	if (!len) {
		strbuf_set_line(err, "empty JSON text");
		return -EINVAL;
	}
	rc = prescan(json, len, err);
	if (rc)
		return rc;
	/* NULL is also cJSON's out-of-memory answer; it cannot tell us which */
	*root = cJSON_ParseWithLengthOpts(json, len, &end, false);
	if (!*root) {
		strbuf_set_line(err, "invalid JSON at byte %zu",
			  end ? (size_t)(end - json) : (size_t)0);
		return -EINVAL;
	}
	for (size_t i = (size_t)(end - json); i < len; i++) {
		if (!is_json_space(json[i])) {
			strbuf_set_line(err, "trailing characters at byte %zu", i);
			goto out_delete_root;
		}
	}
	if (assign_number_offsets(json, len, *root, &pos) ||
	    next_number(json, len, &pos, &ignored)) {
		strbuf_set_line(err, "number tokens do not match the parsed JSON");
		goto out_delete_root;
	}
	return 0;

out_delete_root:
	cJSON_Delete(*root);
	*root = NULL;
	return -EINVAL;
}

int snapshot_from_json(const char *json, size_t len,
		       struct ctprof_snapshot *out, struct strbuf *err)
{
	struct json_reader r = { .text = json, .len = len, .err = err };
	cJSON *root;
	int rc;

	ctprof_snapshot_init(out);
	strbuf_init(&r.path);
	rc = parse_tree(json, len, &root, err);
	if (rc)
		return rc;
	build_field_index(&r);
	rc = read_struct(&r, root, &snapshot_schema, out);
	cJSON_Delete(root);
	strbuf_release(&r.path);
	if (rc)
		ctprof_snapshot_release(out);
	return rc;
}
