/*
 * compare_sections.c - the rows of the secondary sections (ktstr's report/
 * smaps, host_psi and sched_ext emitters, plus the capture summaries), and
 * the helpers every section shares. smaps_rollup rows are per process key,
 * bytes merged across processes sharing it; host pressure per resource;
 * sched_ext; the three summaries with their hints. Comparing, rows that
 * show no change are left out where ktstr leaves them out (smaps, an
 * unchanged sched_ext, all-zero pressure); showing, every value is a row.
 * The per-cgroup tables are compare_cgroup.c's.
 */
#include "compare_rows.h"

#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "aggregate.h"
#include "capture_summary.h"

void compare_set_u64(struct cmp_value *v, uint64_t u)
{
	*v = (struct cmp_value){ .present = true, .has_u64 = true, .has_num = true, .u = u,
				 .num = (double)u };
}

static bool comparing(const struct compare_result *res)
{
	return res->nsides == 2;
}

struct cmp_row *compare_keyed_row(struct compare_result *res, enum compare_table table,
				  enum compare_section sec, const char *group,
				  const char *metric, enum compare_ladder ladder)
{
	struct cmp_row *row = compare_add_row(res, table, sec, metric);
	if (!row)
		return NULL;
	row->ladder = ladder;
	if (group) {
		row->group[0] = row->key = group;
		row->klen = strlen(group);
		row->ngroup = 1;
	}
	return row;
}

bool compare_unchanged(const struct compare_result *res, const struct cmp_value v[2])
{
	return comparing(res) && v[0].present == v[1].present &&
	       (!v[0].present || v[0].u == v[1].u);
}

int compare_each_key(const struct kv_map *a, const struct kv_map *b,
		     int (*fn)(const char *key, void *ctx), void *ctx)
{
	static const struct kv_map none;
	a = a ? a : &none;
	b = b ? b : &none;
	size_t i = 0, j = 0;
	while (i < a->len || j < b->len) {
		int c = i == a->len ? 1 :
			j == b->len ? -1 :
				      strcmp(a->items[i].key, b->items[j].key);
		if (fn(c <= 0 ? a->items[i].key : b->items[j].key, ctx))
			return -ENOMEM;
		i += c <= 0;
		j += c >= 0;
	}
	return 0;
}

static uint64_t kib_bytes(uint64_t kib)
{
	return kib > UINT64_MAX / 1024 ? UINT64_MAX : kib * 1024;
}

int compare_add_bytes(struct kv_map *m, const struct kv_map *src, bool kib)
{
	for (size_t i = 0; i < src->len; i++) {
		const struct kv_u64 *cur = kv_map_find(m, src->items[i].key);
		uint64_t b = kib ? kib_bytes(src->items[i].value) : src->items[i].value;
		if (kv_map_set(m, src->items[i].key, cur ? u64_sat_add(cur->value, b) : b))
			return -ENOMEM;
	}
	return 0;
}

/* --- smaps_rollup ------------------------------------------------------- */

struct smaps_proc {
	const char *key; /* in the arena; may hold one NUL (cg_key\0pcomm_key) */
	size_t klen;
	struct kv_map bytes;
};

struct smaps_side {
	struct smaps_proc *procs; /* sorted by key bytes */
	size_t len;
};

static int cmp_proc(const void *a, const void *b)
{
	const struct smaps_proc *x = a, *y = b;
	return compare_key_cmp(x->key, x->klen, y->key, y->klen);
}

/* Fold the run of equal keys starting at i into the next output slot. */
static int merge_run(struct smaps_side *side, size_t *i, size_t n)
{
	struct smaps_proc *dst = &side->procs[side->len++];
	int rc = 0;
	*dst = side->procs[(*i)++];
	for (; *i < n && !cmp_proc(&side->procs[*i], dst); (*i)++) {
		rc = rc ? rc : compare_add_bytes(&dst->bytes, &side->procs[*i].bytes, false);
		kv_map_release(&side->procs[*i].bytes);
	}
	return rc;
}

/* Leader threads with a smaps_rollup, one entry per key, bytes summed. */
static int smaps_collect(struct compare_result *res, const struct ctprof_snapshot *s,
			 const struct compare_options *o, struct smaps_side *side)
{
	struct strbuf sb = STRBUF_INIT;
	size_t n = 0;
	int rc = 0;
	side->procs = calloc(s->nthreads ? s->nthreads : 1, sizeof(*side->procs));
	if (!side->procs)
		return -ENOMEM;
	for (size_t i = 0; !rc && i < s->nthreads; i++) {
		const struct thread_state *t = &s->threads[i];
		if (!t->smaps_rollup_kib.len)
			continue;
		struct smaps_proc *p = &side->procs[n++];
		strbuf_reset(&sb);
		rc = compare_smaps_key(&res->groups, o, t, &sb);
		if (!rc && !(p->key = compare_arena_dup(res, sb.buf, sb.len)))
			rc = -ENOMEM;
		p->klen = sb.len;
		if (!rc)
			rc = compare_add_bytes(&p->bytes, &t->smaps_rollup_kib, true);
	}
	strbuf_release(&sb);
	if (rc) {
		side->len = n; /* nothing merged yet: release all */
		return rc;
	}
	qsort(side->procs, n, sizeof(*side->procs), cmp_proc);
	size_t i = 0;
	while (!rc && i < n)
		rc = merge_run(side, &i, n);
	for (; i < n; i++)
		kv_map_release(&side->procs[i].bytes);
	return rc;
}

static void smaps_release(struct smaps_side *side)
{
	for (size_t i = 0; i < side->len; i++)
		kv_map_release(&side->procs[i].bytes);
	free(side->procs);
	memset(side, 0, sizeof(*side));
}

/* A process key with its entry on each side (NULL where missing). */
struct smaps_pair {
	const struct smaps_proc *p[2];
};

static const struct kv_u64 *proc_field(const struct smaps_proc *p, const char *field)
{
	return p ? kv_map_find(&p->bytes, field) : NULL;
}

static uint64_t rss_of(const struct smaps_proc *p)
{
	const struct kv_u64 *v = proc_field(p, "Rss");
	return v ? v->value : 0;
}

static const struct smaps_proc *pair_proc(const struct smaps_pair *pr)
{
	return pr->p[0] ? pr->p[0] : pr->p[1];
}

/* ktstr's order: |delta Rss| desc, then the larger Rss desc, then the key. */
static int cmp_pair(const void *a, const void *b)
{
	const struct smaps_pair *x = a, *y = b;
	uint64_t xa = rss_of(x->p[0]), xb = rss_of(x->p[1]);
	uint64_t ya = rss_of(y->p[0]), yb = rss_of(y->p[1]);
	uint64_t dx = xa > xb ? xa - xb : xb - xa, dy = ya > yb ? ya - yb : yb - ya;
	uint64_t mx = xa > xb ? xa : xb, my = ya > yb ? ya : yb;
	if (dx != dy)
		return dx > dy ? -1 : 1;
	if (mx != my)
		return mx > my ? -1 : 1;
	return cmp_proc(pair_proc(x), pair_proc(y));
}

static size_t pair_procs(const struct smaps_side side[2], struct smaps_pair *pairs)
{
	size_t i = 0, j = 0, n = 0;
	while (i < side[0].len || j < side[1].len) {
		int c = i == side[0].len ? 1 :
			j == side[1].len ? -1 :
					   cmp_proc(&side[0].procs[i], &side[1].procs[j]);
		pairs[n].p[0] = c <= 0 ? &side[0].procs[i++] : NULL;
		pairs[n].p[1] = c >= 0 ? &side[1].procs[j++] : NULL;
		n++;
	}
	qsort(pairs, n, sizeof(*pairs), cmp_pair);
	return n;
}

static void smaps_group(const struct compare_result *res, const struct smaps_proc *p,
			struct cmp_row *row)
{
	row->key = p->key;
	row->klen = p->klen;
	row->group[0] = p->key;
	row->ngroup = 1;
	if (res->group_by == COMPARE_BY_ALL) {
		row->group[1] = p->key + strlen(p->key) + 1;
		row->ngroup = 2;
	}
}

static int smaps_field_row(struct compare_result *res, const struct smaps_pair *pr,
			   const char *field)
{
	struct cmp_value v[2] = { { 0 } };
	for (size_t s = 0; s < 2; s++) {
		const struct kv_u64 *f = proc_field(pr->p[s], field);
		if (f)
			compare_set_u64(&v[s], f->value);
	}
	if (compare_unchanged(res, v))
		return 0;
	const char *name = compare_arena_dup(res, field, strlen(field));
	struct cmp_row *row = name ? compare_add_row(res, CMP_TABLE_SMAPS, CMP_SEC_SMAPS, name) :
				     NULL;
	if (!row)
		return -ENOMEM;
	smaps_group(res, pair_proc(pr), row);
	row->ladder = LADDER_BYTES;
	memcpy(row->v, v, sizeof(v));
	compare_row_finish(res, row);
	return 0;
}

struct smaps_ctx {
	struct compare_result *res;
	const struct smaps_pair *pair;
};

static int smaps_field_cb(const char *field, void *ctx)
{
	struct smaps_ctx *c = ctx;
	return smaps_field_row(c->res, c->pair, field);
}

/* Rows for the fields of either side, in field order; merged keys share bytes. */
static int smaps_pair_rows(struct compare_result *res, const struct smaps_pair *pr)
{
	struct smaps_ctx c = { res, pr };
	return compare_each_key(pr->p[0] ? &pr->p[0]->bytes : NULL,
				pr->p[1] ? &pr->p[1]->bytes : NULL, smaps_field_cb, &c);
}

static int add_smaps(struct compare_result *res, const struct ctprof_snapshot *const snap[2],
		     const struct compare_options *o)
{
	struct smaps_side side[2] = { { 0 } };
	struct smaps_pair *pairs = NULL;
	int rc = 0;
	for (size_t s = 0; !rc && s < res->nsides; s++)
		rc = smaps_collect(res, snap[s], o, &side[s]);
	if (!rc && !(pairs = calloc(side[0].len + side[1].len + 1, sizeof(*pairs))))
		rc = -ENOMEM;
	size_t n = rc ? 0 : pair_procs(side, pairs);
	for (size_t i = 0; !rc && i < n; i++)
		rc = smaps_pair_rows(res, &pairs[i]);
	free(pairs);
	for (size_t s = 0; s < 2; s++)
		smaps_release(&side[s]);
	return rc;
}

/* --- pressure ----------------------------------------------------------- */

const struct psi_resource *compare_psi_res(const struct psi *p, unsigned r)
{
	const struct psi_resource *all[COMPARE_PSI_RESOURCES] = { &p->cpu, &p->memory, &p->io,
								  &p->irq };
	return all[r];
}

static const char *const psi_rows_names[] = { "some.avg10", "some.avg60", "some.avg300",
					      "some.total", "full.avg10", "full.avg60",
					      "full.avg300", "full.total" };

static uint64_t psi_field(const struct psi_resource *r, size_t i)
{
	const struct psi_half *h = i < 4 ? &r->some : &r->full;
	switch (i % 4) {
	case 0: return h->avg10;
	case 1: return h->avg60;
	case 2: return h->avg300;
	default: return h->total_usec;
	}
}

bool compare_psi_has_data(const struct psi_resource *r)
{
	for (size_t i = 0; r && i < 8; i++)
		if (psi_field(r, i))
			return true;
	return false;
}

int compare_psi_rows(struct compare_result *res, enum compare_table table, unsigned r,
		     const char *group, const struct psi_resource *side[2])
{
	enum compare_section sec = table == CMP_TABLE_PRESSURE ? CMP_SEC_PRESSURE :
								 CMP_SEC_HOST_PRESSURE;
	for (size_t i = 0; i < 8; i++) {
		struct cmp_row *row = compare_keyed_row(res, table, sec, group, psi_rows_names[i],
							i % 4 == 3 ? LADDER_US : LADDER_CENTI_PCT);
		if (!row)
			return -ENOMEM;
		row->sub = r;
		for (size_t s = 0; s < 2; s++)
			if (side[s])
				compare_set_u64(&row->v[s], psi_field(side[s], i));
		compare_row_finish(res, row);
	}
	return 0;
}

/* --- host pressure, sched_ext ------------------------------------------- */

static int add_host_pressure(struct compare_result *res,
			     const struct ctprof_snapshot *const snap[2])
{
	for (unsigned r = 0; r < COMPARE_PSI_RESOURCES; r++) {
		const struct psi_resource *side[2] = { NULL, NULL };
		for (size_t s = 0; s < res->nsides; s++)
			side[s] = compare_psi_res(&snap[s]->psi, r);
		if (!compare_psi_has_data(side[0]) && !compare_psi_has_data(side[1]))
			continue;
		if (compare_psi_rows(res, CMP_TABLE_HOST_PRESSURE, r, NULL, side))
			return -ENOMEM;
	}
	return 0;
}

static bool sched_ext_same(const struct sched_ext_sysfs *a, const struct sched_ext_sysfs *b)
{
	return !strcmp(a->state, b->state) && a->switch_all == b->switch_all &&
	       a->nr_rejected == b->nr_rejected && a->hotplug_seq == b->hotplug_seq &&
	       a->enable_seq == b->enable_seq;
}

/* Shown when present; compared when either side changed or lacks it. */
static bool sched_ext_wanted(const struct compare_result *res,
			     const struct ctprof_snapshot *const snap[2])
{
	const struct sched_ext_sysfs *a = snap[0]->sched_ext;
	const struct sched_ext_sysfs *b = comparing(res) ? snap[1]->sched_ext : NULL;
	if (!comparing(res))
		return a != NULL;
	return (a || b) && !(a && b && sched_ext_same(a, b));
}

static uint64_t scx_field(const struct sched_ext_sysfs *x, size_t i)
{
	const uint64_t v[] = { x->switch_all, x->nr_rejected, x->hotplug_seq, x->enable_seq };
	return v[i];
}

static int add_sched_ext(struct compare_result *res,
			 const struct ctprof_snapshot *const snap[2])
{
	static const char *const names[] = { "switch_all", "nr_rejected", "hotplug_seq",
					     "enable_seq" };
	if (!sched_ext_wanted(res, snap))
		return 0;
	struct cmp_row *row = compare_keyed_row(res, CMP_TABLE_SCHED_EXT, CMP_SEC_SCHED_EXT, NULL,
					"state", LADDER_NONE);
	if (!row)
		return -ENOMEM;
	for (size_t s = 0; s < res->nsides; s++) {
		const struct sched_ext_sysfs *x = snap[s]->sched_ext;
		row->v[s] = (struct cmp_value){ .present = true,
						.text = x && *x->state ? x->state : "-" };
	}
	for (size_t i = 0; i < 4; i++) {
		if (!(row = compare_keyed_row(res, CMP_TABLE_SCHED_EXT, CMP_SEC_SCHED_EXT, NULL, names[i],
				      LADDER_UNITLESS)))
			return -ENOMEM;
		for (size_t s = 0; s < res->nsides; s++)
			if (snap[s]->sched_ext)
				compare_set_u64(&row->v[s], scx_field(snap[s]->sched_ext, i));
		compare_row_finish(res, row);
	}
	return 0;
}

/* --- capture summaries --------------------------------------------------- */

enum summary_kind { SUM_U64, SUM_TEXT, SUM_BOOL, SUM_BY_FILE };

/* One field of a summary struct and how it becomes rows. */
struct summary_field {
	const char *name;
	size_t offset;
	enum summary_kind kind;
};

#define SUMMARY_FIELD(type, field, kind) { #field, offsetof(struct type, field), kind }

static const struct summary_field parse_fields[] = {
	SUMMARY_FIELD(parse_summary, tids_walked, SUM_U64),
	SUMMARY_FIELD(parse_summary, read_failures, SUM_U64),
	SUMMARY_FIELD(parse_summary, read_failures_by_file, SUM_BY_FILE),
	SUMMARY_FIELD(parse_summary, dominant_read_failure, SUM_TEXT),
	SUMMARY_FIELD(parse_summary, kernel_config_dominant, SUM_BOOL),
	SUMMARY_FIELD(parse_summary, negative_dotted_values, SUM_U64),
};

static const struct summary_field probe_fields[] = {
	SUMMARY_FIELD(probe_summary, tgids_walked, SUM_U64),
	SUMMARY_FIELD(probe_summary, jemalloc_detected, SUM_U64),
	SUMMARY_FIELD(probe_summary, probed_ok, SUM_U64),
	SUMMARY_FIELD(probe_summary, failed, SUM_U64),
	SUMMARY_FIELD(probe_summary, dominant_failure, SUM_TEXT),
	SUMMARY_FIELD(probe_summary, privilege_dominant, SUM_BOOL),
};

static const struct summary_field taskstats_fields[] = {
	SUMMARY_FIELD(taskstats_summary, ok_count, SUM_U64),
	SUMMARY_FIELD(taskstats_summary, eperm_count, SUM_U64),
	SUMMARY_FIELD(taskstats_summary, esrch_count, SUM_U64),
	SUMMARY_FIELD(taskstats_summary, other_err_count, SUM_U64),
};

/* One summary of both sides (NULL where the snapshot has none). */
struct summary_ctx {
	struct compare_result *res;
	const char *group;
	const void *base[2];
	const struct summary_field *f;
};

static const void *field_at(const struct summary_ctx *c, size_t s)
{
	return c->base[s] ? (const char *)c->base[s] + c->f->offset : NULL;
}

static void summary_value(const struct summary_ctx *c, size_t s, const char *key,
			  struct cmp_value *v)
{
	const void *p = field_at(c, s);
	*v = (struct cmp_value){ .present = p != NULL };
	if (!p)
		return;
	switch (c->f->kind) {
	case SUM_U64: compare_set_u64(v, *(const uint64_t *)p); break;
	case SUM_TEXT: v->text = *(char *const *)p ? *(char *const *)p : "none"; break;
	case SUM_BOOL: v->text = *(const bool *)p ? "true" : "false"; break;
	default: {
		const struct kv_u64 *f = kv_map_find(p, key);
		compare_set_u64(v, f ? f->value : 0);
	}
	}
}

/* One row: the field itself, or read_failures_by_file.<key>. */
static int summary_row(struct compare_result *res, struct summary_ctx *c, const char *key)
{
	struct strbuf sb = STRBUF_INIT;
	const char *name = c->f->name;
	if (key && (strbuf_addf(&sb, "%s.%s", name, key) ||
		    !(name = compare_arena_dup(res, sb.buf, sb.len))))
		name = NULL;
	strbuf_release(&sb);
	bool number = c->f->kind == SUM_U64 || c->f->kind == SUM_BY_FILE;
	struct cmp_row *row = name ? compare_keyed_row(res, CMP_TABLE_SUMMARY, CMP_SEC_SUMMARY,
						       c->group, name,
						       number ? LADDER_UNITLESS : LADDER_NONE) :
				     NULL;
	if (!row)
		return -ENOMEM;
	for (size_t s = 0; s < res->nsides; s++)
		summary_value(c, s, key, &row->v[s]);
	compare_row_finish(res, row);
	return 0;
}

static int by_file_cb(const char *key, void *ctx)
{
	struct summary_ctx *c = ctx;
	return summary_row(c->res, c, key);
}

static int summary_rows(struct compare_result *res, const char *group,
			const struct summary_field *fields, size_t n, const void *base[2])
{
	struct summary_ctx c = { res, group, { base[0], base[1] }, NULL };
	if (!base[0] && !base[1])
		return 0;
	for (size_t i = 0; i < n; i++) {
		c.f = &fields[i];
		int rc = fields[i].kind == SUM_BY_FILE ?
				 compare_each_key(field_at(&c, 0), field_at(&c, 1), by_file_cb, &c) :
				 summary_row(res, &c, NULL);
		if (rc)
			return -ENOMEM;
	}
	return 0;
}

#define SUMMARY_ROWS(res, group, fields, base)                                        \
	summary_rows(res, group, fields, sizeof(fields) / sizeof(fields[0]), base)

static void add_hint(struct compare_result *res, size_t side, const char *text)
{
	if (text && res->nhints < COMPARE_MAX_HINTS)
		res->hints[res->nhints++] = (struct cmp_hint){ .side = side, .text = text };
}

static int add_summaries(struct compare_result *res,
			 const struct ctprof_snapshot *const snap[2])
{
	const void *parse[2] = { NULL, NULL }, *probe[2] = { NULL, NULL },
		   *ts[2] = { NULL, NULL };
	for (size_t s = 0; s < res->nsides; s++) {
		parse[s] = snap[s]->parse_summary;
		probe[s] = snap[s]->probe_summary;
		ts[s] = snap[s]->taskstats_summary;
		add_hint(res, s, parse_summary_hint(snap[s]->parse_summary));
		add_hint(res, s, probe_summary_hint(snap[s]->probe_summary));
		add_hint(res, s, taskstats_summary_hint(snap[s]->taskstats_summary));
	}
	if (SUMMARY_ROWS(res, "parse_summary", parse_fields, parse) ||
	    SUMMARY_ROWS(res, "probe_summary", probe_fields, probe))
		return -ENOMEM;
	return SUMMARY_ROWS(res, "taskstats_summary", taskstats_fields, ts);
}

int compare_add_sections(struct compare_result *res,
			 const struct ctprof_snapshot *const snap[2],
			 const struct compare_options *o)
{
	if (add_smaps(res, snap, o))
		return -ENOMEM;
	if (o->group_by == COMPARE_BY_CGROUP && compare_add_cgroups(res, snap, o))
		return -ENOMEM;
	if (add_host_pressure(res, snap) || add_sched_ext(res, snap))
		return -ENOMEM;
	return add_summaries(res, snap);
}
